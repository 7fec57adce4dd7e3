"""Tests of the Karwowski et al. (2024) definitions (theory.polytope's projected angle,
theory.goodhart's normalised drop height, Goodhart drop and early stopping) and of their
reproduction entry (property_tests.reproductions.karwowski).

Every definition is checked on a hand-worked example (derived in the comments) and, where a
property follows from the definition, on generated exact MDPs.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from agents.soft import soft_value_iteration
from environments.karwowski import (
    cliff_layout,
    gridworld_layout,
    interpolated_proxies,
    layout_mdp,
    random_mdp_layout,
    state_rewards,
    tree_layout,
)
from property_tests.reproductions import get
from property_tests.strategies import finite_mdps
from theory import FiniteMDP, InvalidArgument, Policy, expected_return
from theory.examples import two_state
from theory.goodhart import (
    drop_height,
    early_stopping_index,
    early_stopping_loss,
    goodhart_curve,
    goodhart_drop,
    is_goodharting,
    normalised_drop_height,
)
from theory.polytope import (
    deterministic_policies,
    flow_normals,
    project_reward,
    projected_angle,
    projected_signed_cos2,
)

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def one_state(discount: str = "1/2") -> FiniteMDP:
    """One state, three actions a, b, c, every action stays: a bandit repeated with discount.
    Its only flow equation is (1 - gamma) (d_a + d_b + d_c) = 1, normal (1, 1, 1) up to scale."""
    return FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
                     rewards={"true": [[0, 2, 1]], "proxy": [[0, 1, 2]]}, initial=[1], discount=discount)


# -- the projected angle ------------------------------------------------------------------------


def test_projection_and_angle_on_a_one_state_mdp_by_hand() -> None:
    # The subspace parallel to the polytope is {x : x_a + x_b + x_c = 0}; projecting subtracts the
    # mean: R0 = (1, 0, 0) -> (2/3, -1/3, -1/3), R1 = (0, 1, 0) -> (-1/3, 2/3, -1/3).
    # <M R0, M R1> = -2/9 - 2/9 + 1/9 = -1/3, |M R0|^2 = |M R1|^2 = 4/9 + 1/9 + 1/9 = 2/3,
    # cos = (-1/3) / (2/3) = -1/2: angle 2 pi / 3, signed cos^2 = -1/4.
    m = one_state()
    assert project_reward(m, np.array([[F(1), F(0), F(0)]])).tolist() == [[F(2, 3), F(-1, 3), F(-1, 3)]]
    r0, r1 = np.array([[F(1), F(0), F(0)]]), np.array([[F(0), F(1), F(0)]])
    assert projected_signed_cos2(m, r0, r1) == F(-1, 4)
    assert projected_angle(m, r0, r1) == pytest.approx(2 * math.pi / 3, abs=1e-12)
    # true (0, 2, 1) -> (-1, 1, 0) and proxy (0, 1, 2) -> (-1, 0, 1): cos = 1 / 2, angle pi / 3.
    assert projected_signed_cos2(m, "true", "proxy") == F(1, 4)
    assert projected_angle(m, "true", "proxy") == pytest.approx(math.pi / 3, abs=1e-12)


def test_flow_normals_give_the_flow_equations_of_two_state() -> None:
    # two_state: P(s0|s0,stay) = 1, P(s0|s0,go) = 1/10, P(s1|s0,go) = 9/10, P(s1|s1,stay) = 1 and
    # P(s0|s1,go) = 1 (read off the normals with gamma = 9/10): row s0 at (s0, go) = 1 - 9/10 * 1/10.
    N = flow_normals(two_state())
    assert N[0, 1] == F(91, 100) and N[1, 1] == F(-81, 100) and N[0, 3] == F(-9, 10)


@PROPERTY
@given(finite_mdps(min_states=1, max_states=3, max_actions=3), st.data())
def test_potential_shaping_constants_and_scaling_keep_the_angle_zero(mdp: FiniteMDP, data: st.DataObject) -> None:
    # R' = 3 R + gamma E[Phi(s')] - Phi(s) + c lies in R's ray plus the row space of the flow
    # normals, so M R' = 3 M R: signed cos^2 exactly 1; -R gives exactly -1.
    r = mdp.reward("true")
    if all(x == 0 for x in project_reward(mdp, r).flat):
        with pytest.raises(InvalidArgument, match="projects to 0"):
            projected_angle(mdp, r, r)
        return
    phi = np.array([F(data.draw(st.integers(-3, 3))) for _ in range(mdp.S)], dtype=object)
    c = F(data.draw(st.integers(-3, 3)))
    shaped = 3 * r + mdp.discount * np.einsum("sat,t->sa", mdp.transitions, phi) - phi[:, None] + c
    assert projected_signed_cos2(mdp, r, shaped) == 1
    assert projected_angle(mdp, r, shaped) == 0.0
    assert projected_signed_cos2(mdp, r, -r) == -1
    assert projected_angle(mdp, r, -r) == pytest.approx(math.pi)


@PROPERTY
@given(finite_mdps(min_states=1, max_states=3, max_actions=3))
def test_projection_changes_every_policy_return_by_the_same_amount(mdp: FiniteMDP) -> None:
    # J_R(pi) - J_{M R}(pi) = <d_pi, (I - M) R> and (I - M) R is in the row space of N, on which
    # every occupancy measure gives <N^T y, d> = <y, mu>: one constant for all policies.
    r = mdp.reward("true")
    projected = project_reward(mdp, r)
    gaps = {expected_return(mdp, pi, r) - expected_return(mdp, pi, projected) for pi in deterministic_policies(mdp)}
    assert len(gaps) == 1
    # and M is idempotent
    assert project_reward(mdp, projected).tolist() == projected.tolist()


def test_the_angle_refuses_a_finite_horizon_and_a_trivial_reward() -> None:
    with pytest.raises(InvalidArgument, match="needs a discounted MDP"):
        projected_angle(two_state().replace(discount=None, horizon=2), "true", "proxy")
    with pytest.raises(InvalidArgument, match="^reward1 projects to 0"):
        projected_angle(one_state(), "true", np.array([[F(5)] * 3]))


# -- the normalised drop height and the Goodhart drop ------------------------------------------


def test_normalised_drop_height_by_hand() -> None:
    # True returns 2, 3, 2 at lambda = 0, 1/2, 1 in a true range [0, 4]: NDH = (3 - 2) / 4 = 1/4.
    c = goodhart_curve([(0, 0, 2), (F(1, 2), 3, 3), (1, 4, 2)], label="demo", parameter="lambda")
    assert normalised_drop_height(c, 0, 4) == F(1, 4) == drop_height(c, 0, 4)
    assert goodhart_drop(c, 0, 4) and not goodhart_drop(c, 0, 4, min_drop=F(1, 4))
    assert goodhart_drop(c, 0, 4, min_drop=0.2)


def test_normalised_drop_height_needs_lambda_ending_at_one() -> None:
    c = goodhart_curve([(0, 0, 2), (2, 3, 3)], label="demo", parameter="beta")
    with pytest.raises(InvalidArgument, match=r"^curve.pressure\[1\] is 2, not an optimisation pressure lambda in \[0, 1\]$"):
        normalised_drop_height(c, 0, 4)
    c = goodhart_curve([(0, 0, 2), (F(1, 2), 3, 3)], label="demo", parameter="lambda")
    with pytest.raises(InvalidArgument, match=r"^curve.pressure\[-1\] is 1/2, not 1"):
        normalised_drop_height(c, 0, 4)
    with pytest.raises(InvalidArgument, match=r"^min_drop is 1, not in \[0, 1\)$"):
        goodhart_drop(goodhart_curve([(0, 0, 2), (1, 3, 3)], "demo", "lambda"), 0, 4, min_drop=1)


def test_goodhart_drop_counts_a_falling_curve_that_is_goodharting_does_not() -> None:
    # 2, 1, 0 over a range [0, 4]: NDH = (2 - 0) / 4 = 1/2 > 0, a Goodhart drop for the paper;
    # no rise ever happened, so not Goodharting for deconfuse's is_goodharting.
    c = goodhart_curve([(0, 0, 2), (F(1, 2), 1, 1), (1, 2, 0)], label="demo", parameter="lambda")
    assert normalised_drop_height(c, 0, 4) == F(1, 2)
    assert goodhart_drop(c, 0, 4) and not is_goodharting(c)
    # a rising curve: NDH 0, no drop
    up = goodhart_curve([(0, 0, 0), (1, 1, 1)], label="demo", parameter="lambda")
    assert not goodhart_drop(up, 0, 4)


# -- early stopping -----------------------------------------------------------------------------


def test_early_stopping_on_a_one_state_mdp_by_hand() -> None:
    # One state, gamma = 1/2, so eta = 2 pi. Path: pi_0 = uniform, pi_1 = (0, 1/2, 1/2),
    # pi_2 = (0, 0, 1); eta_0 = (2/3, 2/3, 2/3), eta_1 = (0, 1, 1), eta_2 = (0, 0, 2).
    # Proxy (0, 1, 2), M R1 = (-1, 0, 1), |M R1| = sqrt 2.
    # Step 0: delta = (-2/3, 1/3, 1/3), |delta|^2 = 2/3, proxy gain 3 - 2 = 1:
    #   cos(delta, M R1) = 1 / (sqrt(2/3) sqrt 2) = sqrt(3)/2 (30 degrees).
    # Step 1: delta = (0, -1, 1), |delta|^2 = 2, gain 4 - 3 = 1: cos = 1 / 2 (60 degrees).
    # The rule stops before the first step with cos < sin(theta):
    #   theta = 20 deg (sin 0.342): no step -> index 2; theta = 50 deg (sin 0.766): step 1 -> 1;
    #   theta = 65 deg (sin 0.906): step 0 -> 0.
    # True (0, 2, 1): J_0 = 2, 3, 2 along the path; range [0, 4] (all on a: 0; all on b: 4).
    # Oracle stop at pi_1 (3): loss (3 - 2) / 4 = 1/4 at index 0 or 2, 0 at index 1.
    # The true angle is 60 degrees (test above), so theta = 65 is a valid bound: it stops at
    # pi_0, conservative, losing 1/4; the invalid bound 20 runs to the end and loses 1/4 too.
    m = one_state()
    path = [Policy.uniform(m), Policy([[0, F(1, 2), F(1, 2)]], m.states, m.actions), Policy.deterministic(m, ["c"])]
    stops = [early_stopping_index(m, path, "proxy", math.radians(t)) for t in (20, 50, 65)]
    assert stops == [2, 1, 0]
    c = goodhart_curve([(i, expected_return(m, pi, "proxy"), expected_return(m, pi, "true")) for i, pi in enumerate(path)],
                       label="path", parameter="i")
    assert c.true == (2, 3, 2)
    assert [early_stopping_loss(c, i, 0, 4) for i in stops] == [F(1, 4), F(0), F(1, 4)]


def test_early_stopping_skips_zero_steps_and_stops_on_a_proxy_decrease() -> None:
    m = one_state()
    eta = [[[F(2, 3)] * 3], [[F(2, 3)] * 3], [[0, 1, 1]], [[1, 1, 0]]]
    # step 0 has length 0 (skipped); step 1 is the 30-degree step; step 2 lowers the proxy.
    assert early_stopping_index(m, eta, "proxy", 0.0) == 2
    with pytest.raises(InvalidArgument, match=r"^theta is 2.0, not an angle"):
        early_stopping_index(m, eta, "proxy", 2.0)
    with pytest.raises(InvalidArgument, match=r"^path\[0\] has shape \(3,\)"):
        early_stopping_index(m, [[1, 2, 3]], "proxy", 0.1)


@PROPERTY
@given(finite_mdps(min_states=1, max_states=3, min_actions=2, max_actions=3, exact=False), st.data())
def test_with_a_valid_bound_the_true_return_never_falls_before_the_stop(mdp: FiniteMDP, data: st.DataObject) -> None:
    # Before the stop every step t has angle(t, M R1) <= pi/2 - theta, and angle(M R0, M R1) <=
    # theta, so angle(t, M R0) <= pi/2: t . R0 = t . M R0 >= 0 (t is parallel to the polytope).
    try:
        theta = projected_angle(mdp, "true", "proxy")
    except InvalidArgument:
        return
    if theta > math.pi / 2:
        return
    path = [Policy.uniform(mdp)] + [soft_value_iteration(mdp, "proxy", beta).policy for beta in (0.3, 1.0, 3.0, 10.0, 100.0)]
    stop = early_stopping_index(mdp, path, "proxy", min(math.pi / 2, theta + 1e-9))
    true = [expected_return(mdp, pi, "true") for pi in path[: stop + 1]]
    assert all(b >= a - 1e-9 for a, b in zip(true, true[1:]))


# -- the environment families (environments/karwowski.py) --------------------------------------


def test_gridworld_and_cliff_layouts_by_hand() -> None:
    # 2 x 2 grid, states (0,0)=0 (terminal), (0,1)=1, (1,0)=2, (1,1)=3 (terminal). From 1:
    # up -> 1 (wall), right -> 1, down -> 3, left -> 0, wait -> 1.
    g = gridworld_layout(2)
    assert [int(np.argmax(g.transitions[1, a])) for a in range(5)] == [1, 1, 3, 0, 1]
    assert g.initial.tolist() == [0.0, 0.5, 0.5, 0.0]
    # rewards paid on entering: state rewards (1, 0, 0, 2) give r(1, .) = (0, 0, 2, 1, 0), terminal rows 0
    m = layout_mdp(g, {"true": np.array([1.0, 0.0, 0.0, 2.0])}, 0.9)
    assert m.reward("true")[1].tolist() == [0.0, 0.0, 2.0, 1.0, 0.0] and m.reward("true")[0].tolist() == [0.0] * 5
    # 3 x 3 cliff with p = 1/2: cliff cell (2,1) = 7, goal 8. From (1,1) = 4 "up" goes to (0,1) = 1
    # with 1/2 and slips to 7 with 1/2; from (2,0) = 6 "up" goes to 3 w.p. 1/2 and slips right to 7.
    c = cliff_layout(3, 0.5)
    assert c.transitions[4, 0, 1] == 0.5 and c.transitions[4, 0, 7] == 0.5
    assert c.transitions[6, 0, 3] == 0.5 and c.transitions[6, 0, 7] == 0.5
    assert c.transitions[0, 0, 0] == 1.0  # not next to the cliff: deterministic
    # depth-2 binary tree: nodes 0..6, leaves 3..6; "first-half": 3, 4 terminal, 5, 6 back to the root.
    t = tree_layout(2)
    assert t.kind == ("node", "node", "node", "terminal", "terminal", "leaf", "leaf")
    assert t.transitions[1, 1, 4] == 1.0 and t.transitions[5, 0, 0] == 1.0 and t.transitions[3, 1, 3] == 1.0
    assert tree_layout(2, layout="alternate").kind[3:] == ("terminal", "leaf", "terminal", "leaf")


def test_random_layout_rows_and_proxies() -> None:
    L = random_mdp_layout(6, 3, 2, np.random.default_rng(3))
    assert np.allclose(L.transitions.sum(axis=2), 1.0) and (L.transitions[:4] > 0).all()
    assert L.terminal.tolist() == [False] * 4 + [True] * 2 and L.transitions[5, :, 5].tolist() == [1.0] * 3
    # sparsity 1/2 of 6 states: exactly 3 rewards zeroed (U(0, 1) draws are never exactly 0)
    R = state_rewards(L, "uniform", np.random.default_rng(0), sparsity=0.5)
    assert int((R == 0).sum()) == 3
    # R_t = (1 - t) R0 + t R1: t = 1/2 is the midpoint of R0 and R_1
    R0, proxies = interpolated_proxies(L, "uniform", np.random.default_rng(1), ts=[0.5, 1.0])
    assert np.allclose(proxies[0], (R0 + proxies[1]) / 2)
    with pytest.raises(InvalidArgument, match=r"^k is 6, not fewer than S = 6"):
        random_mdp_layout(6, 3, 6, np.random.default_rng(0))


# -- the reproduction ---------------------------------------------------------------------------


def test_the_quick_reproduction_gives_its_expected_verdict_and_numbers() -> None:
    entry = get("karwowski")
    outcome = entry(quick=True)
    assert outcome.verdict == entry.expect == "differs"
    share, theorem, pessimistic = outcome.comparisons[0], outcome.comparisons[2], outcome.comparisons[3]
    # 800 curves (16 environments x 4 discounts x 2 sparsities x 10 proxies, none trivial);
    # 231 of them have NDH > 0 (28.9%), against the paper's 19.3%: the one difference.
    assert sum(outcome.data["curves_by_family"]) == 800
    assert share.ours == pytest.approx(0.28875) and not share.agrees
    assert theorem.agrees and pessimistic.agrees and outcome.differences == (share,)
    # Goodhart drops grow with the angle: under a third below 30 degrees, all beyond 120.
    by_angle = outcome.data["share_by_angle"]
    assert by_angle[0] < 0.2 and by_angle[-1] == 1.0
    fig, ax = plt.subplots()
    entry.figure(outcome, ax)
    assert ax.get_xlabel().startswith("projected angle") and len(ax.get_lines()) >= 2
    plt.close(fig)
