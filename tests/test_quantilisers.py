"""Tests of agents/quantiliser.py: hand-computed tables first, then hypothesis properties on
generated one-shot problems and small exact MDPs, then one test per validation error.

Every expected value below is derived by hand in the comment next to it (never copied from the
code's output). Exact claims use == on Fractions; the float checks state their tolerance.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from agents.direct import Argmax, Fixed
from agents.quantiliser import (
    PolicyMixture,
    PolicyQuantiliser,
    TimestepQuantiliser,
    TrajectoryQuantilisation,
    TrajectoryQuantiliser,
    quantilise,
)
from theory.errors import InvalidArgument
from theory.evaluation import expected_return
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import solve

SETTINGS = settings(max_examples=40, deadline=None)
FLOAT_TOL = 1e-9  # float results are compared with the exact ones to this absolute tolerance


# -- local strategies (small, exact, shrinking towards simple problems) ------------------------


@st.composite
def distributions(draw, n: int, allow_zero: bool = True) -> list[F]:
    """An exact distribution over n outcomes from small integer weights."""
    low = 0 if allow_zero else 1
    weights = draw(st.lists(st.integers(low, 4), min_size=n, max_size=n).filter(lambda w: sum(w) > 0))
    total = sum(weights)
    return [F(w, total) for w in weights]


qs = st.builds(lambda d, k: F(k, d) if k <= d else F(1), st.integers(1, 8), st.integers(1, 8))


@st.composite
def one_shot(draw) -> tuple[list[F], list[F], F]:
    """(base, utility, q) on 1..6 outcomes; utilities from a small range so ties are common."""
    n = draw(st.integers(1, 6))
    base = draw(distributions(n))
    utility = [F(u) for u in draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))]
    return base, utility, draw(qs)


@st.composite
def small_mdps(draw, finite: bool | None = None, nonneg: bool = False) -> FiniteMDP:
    """An exact MDP with 1..3 states, 1..3 actions, rewards "true" and "proxy" in [-3, 3]
    (or [0, 3] with ``nonneg``), a horizon 1..3 or a discount in {0, 1/2, 9/10}."""
    S = draw(st.integers(1, 3))
    A = draw(st.integers(1, 3))
    low = 0 if nonneg else -3
    transitions = [[draw(distributions(S)) for _ in range(A)] for _ in range(S)]
    rewards = {
        name: [[F(draw(st.integers(low, 3))) for _ in range(A)] for _ in range(S)]
        for name in ("true", "proxy")
    }
    initial = draw(distributions(S))
    if finite is None:
        finite = draw(st.booleans())
    time = {"horizon": draw(st.integers(1, 3))} if finite else {
        "discount": draw(st.sampled_from([F(0), F(1, 2), F(9, 10)]))}
    return FiniteMDP(states=[f"s{i}" for i in range(S)], actions=[f"a{i}" for i in range(A)],
                     transitions=transitions, rewards=rewards, initial=initial, **time)


def greedy_optimum(base: list[F], utility: list[F], q: F) -> F:
    """max E_p[U] over distributions p with p <= base / q pointwise: the fractional knapsack,
    filled greedily by utility (an independent computation of Taylor's optimality claim)."""
    value, room = F(0), F(1)
    for i in sorted(range(len(base)), key=lambda i: -utility[i]):
        take = min(base[i] / q, room)
        value += take * utility[i]
        room -= take
    assert room == 0
    return value


def expect(p, x) -> F:
    return sum((a * b for a, b in zip(p, x)), F(0))


# -- quantilise: hand-computed tables ----------------------------------------------------------


@pytest.mark.parametrize(
    "base, utility, q, expected",
    [
        # top outcome has base 1/2 = q: it takes everything, (1/2)/(1/2) = 1
        (["1/2", "1/4", "1/4"], [3, 2, 1], F(1, 2), [1, 0, 0]),
        # top: (1/2)/(3/4) = 2/3; boundary at U=2: (3/4 - 1/2)/(3/4) = 1/3
        (["1/2", "1/4", "1/4"], [3, 2, 1], F(3, 4), [F(2, 3), F(1, 3), 0]),
        # top: (1/2)/(5/8) = 4/5; boundary: (5/8 - 1/2)/(5/8) = 1/5
        (["1/2", "1/4", "1/4"], [3, 2, 1], F(5, 8), [F(4, 5), F(1, 5), 0]),
        # tie at the boundary: top (1/4)/(1/2) = 1/2; the level {1, 2} (mass 3/4) gets
        # (1/2 - 1/4)/(1/2) = 1/2, split 1/4 : 1/2 -> 1/6 and 1/3
        (["1/4", "1/4", "1/2"], [2, 1, 1], F(1, 2), [F(1, 2), F(1, 6), F(1, 3)]),
        # outcomes not sorted: U=3 (base 1/2) -> 2/3; U=2 (base 1/4) boundary -> 1/3; U=1 -> 0
        (["1/4", "1/2", "1/4"], [1, 3, 2], F(3, 4), [0, F(2, 3), F(1, 3)]),
        # zero base mass on the best outcome: it gets 0; the next (base 1/2 = q) gets 1
        ([0, "1/2", "1/2"], [5, 1, 0], F(1, 2), [0, 1, 0]),
        # the whole top level tied, mass 3/4 >= q = 1/3: all mass on it in proportion 1:2
        (["1/4", "1/2", "1/4"], [1, 1, 0], F(1, 3), [F(1, 3), F(2, 3), 0]),
    ],
)
def test_quantilise_hand_table(base, utility, q, expected):
    assert quantilise(base, utility, q).tolist() == [F(x) for x in expected]


def test_quantilise_tie_first_fills_in_index_order():
    # base (1/4, 1/4, 1/2), U (2, 1, 1), q = 1/2: top gets 1/2; 1/4 of base mass is left and
    # outcome 1 (base 1/4) fills it completely: (1/4)/(1/2) = 1/2; outcome 2 gets nothing
    assert quantilise(["1/4", "1/4", "1/2"], [2, 1, 1], F(1, 2), tie="first").tolist() == [
        F(1, 2), F(1, 2), F(0)]
    # q = 3/4: top 1/3, outcome 1 fully (1/4)/(3/4) = 1/3, outcome 2 the rest (3/4-1/2)/(3/4) = 1/3
    assert quantilise(["1/4", "1/4", "1/2"], [2, 1, 1], F(3, 4), tie="first").tolist() == [
        F(1, 3), F(1, 3), F(1, 3)]


def test_quantilise_float_matches_hand_values():
    out = quantilise(np.array([0.5, 0.25, 0.25]), np.array([3.0, 2.0, 1.0]), 0.75)
    assert out.dtype == np.float64
    assert np.allclose(out, [2 / 3, 1 / 3, 0], atol=FLOAT_TOL, rtol=0)
    # a float q on float input, or an exact q on float input, both fine
    assert np.allclose(quantilise([0.5, 0.5], [1.0, 0.0], F(1, 2)), [1, 0], atol=FLOAT_TOL, rtol=0)


def test_quantilise_float_ties_within_tolerance():
    # 1 and 1 + 1e-12 are one level for floats: q = 1/2 splits the level 1:1
    out = quantilise([1 / 3, 1 / 3, 1 / 3], [1.0, 1.0 + 1e-12, 0.0], 0.5)
    assert np.allclose(out, [0.5, 0.5, 0.0], atol=FLOAT_TOL, rtol=0)


# -- quantilise: properties --------------------------------------------------------------------


@SETTINGS
@given(one_shot())
def test_q_one_gives_the_base_exactly(problem):
    base, utility, _ = problem
    assert quantilise(base, utility, 1).tolist() == base


@SETTINGS
@given(one_shot())
def test_small_q_puts_all_mass_on_the_argmax_set(problem):
    base, utility, _ = problem
    support = [i for i, b in enumerate(base) if b > 0]
    best = max(utility[i] for i in support)
    top = [i for i in support if utility[i] == best]
    mass = sum(base[i] for i in top)
    for q in (mass, mass / 2, mass / 7):
        out = quantilise(base, utility, q)
        assert out.tolist() == [base[i] / mass if i in top else 0 for i in range(len(base))]


@SETTINGS
@given(one_shot())
def test_distribution_sums_to_one_and_density_ratio_at_most_one_over_q(problem):
    base, utility, q = problem
    out = quantilise(base, utility, q)
    assert sum(out) == 1
    assert all(x >= 0 for x in out)
    assert all(x <= b / q for x, b in zip(out, base))  # also: zero base mass -> 0


@SETTINGS
@given(one_shot(), st.data())
def test_taylor_cost_bound(problem, data):
    base, utility, q = problem
    costs = [F(c) for c in data.draw(st.lists(st.integers(0, 5), min_size=len(base), max_size=len(base)))]
    out = quantilise(base, utility, q)
    assert expect(out, costs) <= expect(base, costs) / q


@SETTINGS
@given(one_shot(), st.sampled_from(["uniform", "first"]))
def test_optimal_among_distributions_with_density_bound(problem, tie):
    base, utility, q = problem
    out = quantilise(base, utility, q, tie=tie)
    assert expect(out, utility) == greedy_optimum(base, utility, q)


@SETTINGS
@given(one_shot())
def test_ties_share_in_proportion_to_base(problem):
    base, utility, q = problem
    out = quantilise(base, utility, q)
    for i in range(len(base)):
        for j in range(len(base)):
            if utility[i] == utility[j] and base[i] > 0 and base[j] > 0:
                assert out[i] / base[i] == out[j] / base[j]


@SETTINGS
@given(one_shot(), qs)
def test_expected_utility_non_increasing_in_q(problem, q2):
    base, utility, q1 = problem
    q1, q2 = min(q1, q2), max(q1, q2)
    assert expect(quantilise(base, utility, q1), utility) >= expect(quantilise(base, utility, q2), utility)


@SETTINGS
@given(one_shot())
def test_float_agrees_with_exact(problem):
    base, utility, q = problem
    exact = quantilise(base, utility, q)
    approx = quantilise(np.array([float(b) for b in base]), np.array([float(u) for u in utility]), float(q))
    assert np.allclose(approx, [float(x) for x in exact], atol=FLOAT_TOL, rtol=0)


# -- timestep quantiliser ----------------------------------------------------------------------

# two_state(), proxy, discount 9/10. Optimal proxy policy: go in s0, stay in s1.
# V*(s1) = 1/(1 - 9/10) = 10; V*(s0) = 1/2 + 9/10 (1/10 V*(s0) + 9/10 * 10) -> (91/100) V*(s0)
# = 43/5 -> V*(s0) = 860/91. Q*(s0, stay) = 9/10 * 860/91 = 774/91, Q*(s0, go) = 860/91;
# Q*(s1, stay) = 1 + 9/10 * 10 = 10, Q*(s1, go) = 9/10 * 860/91 = 774/91.
TWO_STATE_Q = [[F(774, 91), F(860, 91)], [F(10), F(774, 91)]]


def test_timestep_two_state_q_values_and_policies():
    result = TimestepQuantiliser(F(1, 2)).run(two_state())
    assert result.info["q_values"].tolist() == TWO_STATE_Q
    # uniform base (1/2, 1/2), q = 1/2: the better action holds exactly q -> probability 1
    assert result.policy.probs.tolist() == [[0, 1], [1, 0]]
    # q = 3/4: better action (1/2)/(3/4) = 2/3, the other (3/4 - 1/2)/(3/4) = 1/3
    pi = TimestepQuantiliser(F(3, 4)).policy(two_state())
    assert pi.probs.tolist() == [[F(1, 3), F(2, 3)], [F(2, 3), F(1, 3)]]
    # its true return, by hand: v0 = 9/10 (2/5 v0 + 3/5 v1), v1 = 2/3 + 9/10 (1/3 v0 + 2/3 v1)
    # -> v0 = 27/32 v1, (47/320) v1 = 2/3 -> v1 = 640/141, v0 = 180/47
    assert expected_return(two_state(), pi, "true") == F(180, 47)


def test_timestep_cost_is_the_solve():
    # policy iteration starts greedy in r^proxy: (go, stay), already optimal, so one sweep of
    # S * A = 4 backups confirms it (as Argmax's doctest: 4)
    assert TimestepQuantiliser(F(1, 2)).run(two_state()).cost.decision == 1 * 2 * 2


def test_timestep_finite_horizon_with_a_non_uniform_base():
    m = two_state().replace(discount=None, horizon=2)
    base = Policy([[F(3, 4), F(1, 4)], [F(1, 2), F(1, 2)]], m.states, m.actions)
    # Q*_1 = r^proxy: s0 (0, 1/2), s1 (1, 0). V*_1 = (1/2, 1).
    # Q*_0(s0) = (0 + 1/2, 1/2 + 1/10 * 1/2 + 9/10 * 1) = (1/2, 29/20); Q*_0(s1) = (2, 1/2).
    # s0: "go" is best with base 1/4 < q = 1/2 -> (1/4)/(1/2) = 1/2; "stay" the rest 1/2.
    # s1: "stay" has base 1/2 = q -> 1.
    for b in (base, Fixed(base)):
        pi = TimestepQuantiliser(F(1, 2), base=b).policy(m)
        assert pi.probs.shape == (2, 2, 2)
        for t in range(2):
            assert pi.at(t).tolist() == [[F(1, 2), F(1, 2)], [1, 0]]


def test_timestep_one_shot_is_the_action_quantiliser_per_context():
    # a contextual bandit: contexts c0, c1 (initial 1/2 each), three arms, horizon 1
    proxy = [[3, 1, 2], [0, 0, 5]]
    m = FiniteMDP(states=["c0", "c1"], actions=["x", "y", "z"],
                  transitions=[[[1, 0]] * 3, [[0, 1]] * 3],
                  rewards={"true": [[0, 0, 0], [0, 0, 0]], "proxy": proxy},
                  initial=["1/2", "1/2"], horizon=1)
    pi = TimestepQuantiliser(F(1, 2)).policy(m)
    # uniform base 1/3 each, q = 1/2. c0: x (3) -> (1/3)/(1/2) = 2/3, z (2) -> (1/2-1/3)/(1/2) = 1/3.
    # c1: z (5) -> 2/3; x, y tied at 0 share 1/3 in proportion 1:1 -> 1/6 each.
    assert pi.at(0).tolist() == [[F(2, 3), 0, F(1, 3)], [F(1, 6), F(1, 6), F(2, 3)]]
    for s in range(2):
        assert pi.at(0)[s].tolist() == quantilise([F(1, 3)] * 3, proxy[s], F(1, 2)).tolist()


def test_timestep_base_by_registered_name():
    # quantilising the argmax policy keeps it (it is deterministic): any q gives (go, stay);
    # the cost adds the base's own solve (4) to the quantiliser's (4)
    result = TimestepQuantiliser(F(1, 3), base="argmax").run(two_state())
    assert result.policy.probs.tolist() == [[0, 1], [1, 0]]
    assert result.cost.decision == 8
    assert TimestepQuantiliser(F(3, 4), base="uniform").policy(two_state()) == TimestepQuantiliser(F(3, 4)).policy(two_state())


def test_timestep_float_mdp_gives_float_policy():
    pi = TimestepQuantiliser(0.75).policy(two_state().to_float())
    assert pi.probs.dtype == np.float64
    assert np.allclose(pi.probs, [[1 / 3, 2 / 3], [2 / 3, 1 / 3]], atol=FLOAT_TOL, rtol=0)


@SETTINGS
@given(small_mdps(), qs)
def test_timestep_never_beats_argmax_and_limits(mdp, q):
    opt = expected_return(mdp, Argmax().policy(mdp), "proxy")
    assert expected_return(mdp, TimestepQuantiliser(q).policy(mdp), "proxy") <= opt
    # q = 1 is the (uniform) base; q = 1/A keeps only argmax actions -> optimal return
    assert TimestepQuantiliser(1).policy(mdp).at(0).tolist() == Policy.uniform(mdp).probs.tolist()
    assert expected_return(mdp, TimestepQuantiliser(F(1, mdp.A)).policy(mdp), "proxy") == opt


@settings(max_examples=20, deadline=None)
@given(small_mdps(), qs)
def test_timestep_float_agrees_with_exact(mdp, q):
    exact = TimestepQuantiliser(q).policy(mdp)
    approx = TimestepQuantiliser(float(q)).policy(mdp.to_float())
    assert np.allclose(approx.probs, exact.to_float().probs, atol=FLOAT_TOL, rtol=0)


# -- trajectory quantiliser --------------------------------------------------------------------


def tie_mdp() -> FiniteMDP:
    """Horizon 2, from s0. s0: a -> s0 (true 1, proxy 1); b -> s0 or s1 w.p. 1/2 (true 0,
    proxy 1). s1: a, b stay in s1 with proxy 2; true 0 for a, 2 for b."""
    return FiniteMDP(
        states=["s0", "s1"], actions=["a", "b"],
        transitions=[[[1, 0], ["1/2", "1/2"]], [[0, 1], [0, 1]]],
        rewards={"true": [[1, 0], [0, 2]], "proxy": [[1, 1], [2, 2]]},
        initial=[1, 0], horizon=2,
    )


# Uniform base on tie_mdp, joint law of (true, proxy) returns, by hand:
#   a (1/2) -> s0: a (1/4) -> (2, 2); b (1/4) -> (1, 2)
#   b, to s0 (1/4): a (1/8) -> (1, 2); b (1/8) -> (0, 2)
#   b, to s1 (1/4): a (1/8) -> (0, 3); b (1/8) -> (2, 3)
# (2,2): 1/4, (1,2): 3/8, (0,2): 1/8, (0,3): 1/8, (2,3): 1/8. Proxy levels: 3 (1/4), 2 (3/4).
# Base: E[true] = 1/2 + 3/8 + 1/4 = 9/8; E[proxy] = 3/4 + 3/2 = 9/4.
# q = 1/2: level 3 -> each (1/8)/(1/2) = 1/4; level 2 gets (1/2 - 1/4)/(1/2) = 1/2 split
# 2:3:1 -> (2,2) 1/6, (1,2) 1/4, (0,2) 1/12. E[proxy] = 3/2 + 1 = 5/2;
# E[true] = 2 * 1/4 + 2 * 1/6 + 1 * 1/4 = 13/12.
def test_trajectory_hand_worked_horizon_two():
    b = TrajectoryQuantiliser(F(1, 2)).policy(tie_mdp())
    assert isinstance(b, TrajectoryQuantilisation)
    assert b.return_distribution() == {
        (F(0), F(3)): F(1, 4), (F(2), F(3)): F(1, 4),
        (F(2), F(2)): F(1, 6), (F(1), F(2)): F(1, 4), (F(0), F(2)): F(1, 12),
    }
    assert b.expected_return("proxy") == F(5, 2)
    assert b.expected_return("true") == F(13, 12)
    assert b.objective_true_distribution() == {
        (F(3), F(0)): F(1, 4), (F(3), F(2)): F(1, 4),
        (F(2), F(2)): F(1, 6), (F(2), F(1)): F(1, 4), (F(2), F(0)): F(1, 12),
    }
    assert b.return_distribution("proxy") == {F(2): F(1, 2), F(3): F(1, 2)}
    assert sum(b.return_distribution().values()) == 1
    # density ratio 2 on level 3 and (1/2)/(3/4) = 2/3 on level 2:
    # KL = 1/2 log 2 + 1/2 log(2/3)
    assert b.kl_from_base() == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), abs=1e-12)


def test_trajectory_q_one_is_the_base_and_small_q_the_top_level():
    m = tie_mdp()
    b1 = TrajectoryQuantiliser(1).policy(m)
    uniform = Policy.uniform(m)
    for name in ("true", "proxy"):
        assert b1.expected_return(name) == expected_return(m, uniform, name)
    assert (b1.expected_return("true"), b1.expected_return("proxy")) == (F(9, 8), F(9, 4))
    # q = 1/8 <= mass of the top level (1/4): (0,3) and (2,3) with 1/2 each
    b = TrajectoryQuantiliser(F(1, 8)).policy(m)
    assert (b.expected_return("true"), b.expected_return("proxy")) == (F(1), F(3))


def test_trajectory_two_state_horizon_two():
    m = two_state().replace(discount=None, horizon=2)
    # uniform base, (true, proxy) law: (0,0) 1/4, (0,1/2) 1/4 + 1/40 + 9/40 = 1/2, (0,1) 1/40,
    # (1,3/2) 9/40. q = 3/8: (1,3/2) -> (9/40)/(3/8) = 3/5; (0,1) -> (1/40)/(3/8) = 1/15;
    # boundary (0,1/2) -> (3/8 - 1/4)/(3/8) = 1/3. E[true] = 3/5;
    # E[proxy] = 3/5 * 3/2 + 1/15 + 1/3 * 1/2 = 27/30 + 2/30 + 5/30 = 17/15.
    b = TrajectoryQuantiliser(F(3, 8)).policy(m)
    assert b.return_distribution() == {(F(0), F(1, 2)): F(1, 3), (F(0), F(1)): F(1, 15),
                                       (F(1), F(3, 2)): F(3, 5)}
    assert (b.expected_return("true"), b.expected_return("proxy")) == (F(3, 5), F(17, 15))


def test_trajectory_cost_counts_expanded_pairs():
    # tie_mdp, uniform base: step 0 expands (s0, (0,0)) x 2 actions; step 1 the 3 pairs
    # (s0, (1,1)), (s0, (0,1)), (s1, (0,1)) x 2 actions -> 2 + 6 = 8
    assert TrajectoryQuantiliser(F(1, 2)).run(tie_mdp()).cost.decision == 8


def test_trajectory_float_agrees_with_hand_values():
    b = TrajectoryQuantiliser(0.5).policy(tie_mdp().to_float())
    assert b.expected_return("true") == pytest.approx(13 / 12, abs=FLOAT_TOL)
    assert b.expected_return("proxy") == pytest.approx(5 / 2, abs=FLOAT_TOL)


@SETTINGS
@given(small_mdps(finite=True, nonneg=True), qs)
def test_trajectory_properties(mdp, q):
    b = TrajectoryQuantiliser(q).policy(mdp)
    base = Policy.uniform(mdp)
    assert sum(b.return_distribution().values()) == 1
    # Taylor's cost bound over trajectories, with the (non-negative) true return as the cost
    assert b.expected_return("true") <= expected_return(mdp, base, "true") / q
    # it improves on the base's objective
    assert expected_return(mdp, base, "proxy") <= b.expected_return("proxy")
    assert b.kl_from_base() <= math.log(1 / q) + 1e-12
    assert TrajectoryQuantiliser(1).policy(mdp).expected_return("proxy") == expected_return(mdp, base, "proxy")


@SETTINGS
@given(small_mdps(finite=True), qs)
def test_trajectory_never_beats_the_optimum_when_dynamics_are_deterministic(mdp, q):
    # make the initial state and every transition deterministic (first successor with
    # positive probability): trajectories are then action sequences, which a plan can realise
    T = [[[1 if j == next(i for i, p in enumerate(row) if p > 0) else 0 for j in range(mdp.S)]
          for row in rows] for rows in mdp.transitions]
    s0 = next(i for i, p in enumerate(mdp.initial) if p > 0)
    det = mdp.replace(transitions=T, initial=[1 if i == s0 else 0 for i in range(mdp.S)])
    opt = solve(det, "proxy").initial_values[s0]
    assert TrajectoryQuantiliser(q).policy(det).expected_return("proxy") <= opt


def test_trajectory_quantiliser_also_selects_the_environments_luck():
    # Two equally likely initial states; proxy 1 only for a1 in s1 (horizon 1). No policy can
    # make s1 more likely, so the optimum is 1/2 * 1 = 1/2. The trajectory quantiliser with
    # uniform base: trajectories (s0,a0), (s0,a1), (s1,a0) have proxy 0 (mass 3/4), (s1,a1) has
    # proxy 1 (mass 1/4). q = 1/4 puts all mass on (s1, a1): expected proxy 1 > 1/2.
    m = FiniteMDP(states=["s0", "s1"], actions=["a0", "a1"],
                  transitions=[[[1, 0], [1, 0]], [[0, 1], [0, 1]]],
                  rewards={"true": [[0, 0], [0, 0]], "proxy": [[0, 0], [0, 1]]},
                  initial=["1/2", "1/2"], horizon=1)
    assert solve(m, "proxy").initial_values @ m.initial == F(1, 2)
    assert TrajectoryQuantiliser(F(1, 4)).policy(m).expected_return("proxy") == 1


@SETTINGS
@given(small_mdps(finite=True), qs, qs)
def test_trajectory_objective_non_increasing_in_q(mdp, q1, q2):
    q1, q2 = min(q1, q2), max(q1, q2)
    e1 = TrajectoryQuantiliser(q1).policy(mdp).expected_return("proxy")
    assert e1 >= TrajectoryQuantiliser(q2).policy(mdp).expected_return("proxy")


# -- policy quantiliser ------------------------------------------------------------------------

# two_state, proxy returns of the 4 deterministic stationary policies (s0, s1), from s0:
#   (stay, *) -> 0 (never leaves s0, proxy 0 for stay);
#   (go, stay) -> 860/91 (V*(s0) above);
#   (go, go): v0 = 1/2 + 9/10 (1/10 v0 + 9/10 v1), v1 = 9/10 v0 -> (181/1000) v0 = 1/2 -> 500/181.
# True returns: (go, stay) -> 810/91, the others 0.
PROXY_RETURNS = {("stay", "stay"): F(0), ("stay", "go"): F(0),
                 ("go", "stay"): F(860, 91), ("go", "go"): F(500, 181)}


def test_policy_quantiliser_q_one_is_the_average():
    m = two_state()
    mix = PolicyQuantiliser(1).policy(m)
    assert isinstance(mix, PolicyMixture)
    assert dict(mix.weights) == {k: F(1, 4) for k in PROXY_RETURNS}
    assert mix.expected_return("proxy") == sum(PROXY_RETURNS.values()) / 4
    enumerated = [expected_return(m, Policy.deterministic(m, list(k)), "true") for k in PROXY_RETURNS]
    assert mix.expected_return("true") == sum(enumerated) / 4 == F(810, 91) / 4


def test_policy_quantiliser_small_q_is_the_optimal_policy():
    mix = PolicyQuantiliser(F(1, 4)).policy(two_state())
    assert dict(mix.weights) == {("go", "stay"): 1}
    assert mix.expected_return("true") == F(810, 91)
    assert mix.expected_return("proxy") == F(860, 91)


def test_policy_quantiliser_boundary_tie():
    # q = 3/4, uniform 1/4: (go, stay) and (go, go) -> (1/4)/(3/4) = 1/3 each; the two tied
    # policies with return 0 share (3/4 - 1/2)/(3/4) = 1/3 -> 1/6 each
    mix = PolicyQuantiliser(F(3, 4)).policy(two_state())
    assert dict(mix.weights) == {("go", "stay"): F(1, 3), ("go", "go"): F(1, 3),
                                 ("stay", "stay"): F(1, 6), ("stay", "go"): F(1, 6)}
    assert mix.expected_return("proxy") == (F(860, 91) + F(500, 181)) / 3


def test_policy_quantiliser_base_weights():
    w = {("go", "stay"): F(1, 2), ("go", "go"): F(1, 4), ("stay", "stay"): F(1, 4)}
    # q = 3/4: (go, stay) -> (1/2)/(3/4) = 2/3; (go, go) boundary -> (3/4 - 1/2)/(3/4) = 1/3
    mix = PolicyQuantiliser(F(3, 4), base_weights=w).policy(two_state())
    assert dict(mix.weights) == {("go", "stay"): F(2, 3), ("go", "go"): F(1, 3)}


def test_policy_quantiliser_markov_policy_has_the_same_returns():
    for m in (two_state(), two_state().replace(discount=None, horizon=3)):
        mix = PolicyQuantiliser(F(3, 4)).policy(m)
        pi = mix.markov_policy()
        for name in m.reward_names:
            assert expected_return(m, pi, name) == mix.expected_return(name)


def test_policy_quantiliser_stationary_can_miss_the_finite_horizon_optimum():
    # horizon 2 from s1: "a0" stays in s1 (proxy 0), "a1" pays 1 and moves to s0, where every
    # action pays -1 and goes back to s1. Markov optimum: a0 then a1 -> 1. Stationary policies
    # in s1: a0 -> 0 + 0 = 0; a1 -> 1 - 1 = 0. So the stationary policy quantiliser gets 0.
    m = FiniteMDP(states=["s0", "s1"], actions=["a0", "a1"],
                  transitions=[[[0, 1], [0, 1]], [[0, 1], [1, 0]]],
                  rewards={"true": [[0, 0], [0, 0]], "proxy": [[-1, -1], [0, 1]]},
                  initial=[0, 1], horizon=2)
    assert PolicyQuantiliser(F(1, 4)).policy(m).expected_return("proxy") == 0
    assert PolicyQuantiliser(F(1, 16), time_dependent=True).policy(m).expected_return("proxy") == 1


def test_policy_quantiliser_time_dependent_finite_horizon():
    m = two_state().replace(discount=None, horizon=2)
    # 2**(2*2) = 16 Markov policies; q = 1/16 keeps the optimal ones. From s0 the optimum is
    # Q*_0(s0, go) = 29/20 (see the timestep test above); s1's action at t=0 and the t=1
    # actions off the optimal path may vary, so the mass may spread over several policies.
    result = PolicyQuantiliser(F(1, 16), time_dependent=True).run(m)
    assert result.behaviour.expected_return("proxy") == F(29, 20)
    assert result.cost.decision == 16 * 2 * 2


@SETTINGS
@given(small_mdps(finite=False))
def test_policy_quantiliser_small_q_is_optimal(mdp):
    # discounted: some deterministic stationary policy is optimal, so q = 1/A**S is at most
    # the base mass of the optimal ones and the mixture attains V*
    mix = PolicyQuantiliser(F(1, mdp.A ** mdp.S)).policy(mdp)
    opt = solve(mdp, "proxy").initial_values @ mdp.initial
    assert all(mix.returns[k]["proxy"] == opt for k in mix.weights)
    assert mix.expected_return("proxy") == opt
    assert sum(mix.weights.values()) == 1


@SETTINGS
@given(small_mdps(finite=True))
def test_policy_quantiliser_small_q_is_optimal_over_markov_policies(mdp):
    # finite horizon: the optimum of backward induction is attained by a deterministic Markov
    # (time-dependent) policy, not always by a stationary one, hence time_dependent=True
    count = mdp.A ** (mdp.S * mdp.horizon)
    assume(count <= 512)
    mix = PolicyQuantiliser(F(1, count), time_dependent=True, max_policies=512).policy(mdp)
    opt = solve(mdp, "proxy").initial_values @ mdp.initial
    assert all(mix.returns[k]["proxy"] == opt for k in mix.weights)
    assert mix.expected_return("proxy") == opt
    assert sum(mix.weights.values()) == 1


@SETTINGS
@given(small_mdps(), qs)
def test_policy_quantiliser_q_one_and_bounds(mdp, q):
    mix1 = PolicyQuantiliser(1).policy(mdp)
    keys = list(mix1.weights)
    assert len(keys) == mdp.A ** mdp.S
    avg = sum(expected_return(mdp, Policy.deterministic(mdp, list(k)), "true") for k in keys) / len(keys)
    assert mix1.expected_return("true") == avg
    mix = PolicyQuantiliser(q).policy(mdp)
    assert all(w <= F(1, len(keys)) / q for w in mix.weights.values())
    assert mix.expected_return("proxy") >= mix1.expected_return("proxy")


def test_policy_quantiliser_refuses_too_many_policies():
    with pytest.raises(InvalidArgument, match=r"A\*\*S = 2\*\*2 = 4 deterministic stationary policies, more than max_policies=3"):
        PolicyQuantiliser(F(1, 2), max_policies=3).run(two_state())
    m = two_state().replace(discount=None, horizon=3)
    with pytest.raises(InvalidArgument, match=r"2\*\*\(2\*3\) = 64 deterministic Markov policies, more than max_policies=16"):
        PolicyQuantiliser(F(1, 2), max_policies=16, time_dependent=True).run(m)


# -- validation errors: one test each ----------------------------------------------------------


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: quantilise(["1/2", "1/4"], [1, 0], F(1, 2)), "base sums to 3/4, not 1"),
        (lambda: quantilise(["3/2", "-1/2"], [1, 0], F(1, 2)), "base[1] is -1/2, a negative probability"),
        (lambda: quantilise([[1]], [1], F(1, 2)), "base has shape (1, 1), not a 1-D distribution"),
        (lambda: quantilise([], [], F(1, 2)), "base is empty"),
        (lambda: quantilise(["1/2", "1/2"], [1, 0, 2], F(1, 2)), "utility has shape (3,), expected (2,) like base"),
        (lambda: quantilise(["1/2", "1/2"], [1, 0], 0), "q is 0, not in (0, 1]"),
        (lambda: quantilise(["1/2", "1/2"], [1, 0], F(3, 2)), "q is 3/2, not in (0, 1]"),
        (lambda: quantilise(["1/2", "1/2"], [1, 0], 0.5), "q is the float 0.5 but the input is exact"),
        (lambda: quantilise(["1/2", "1/2"], [1, 0], F(1, 2), tie="max"), "tie is 'max', not 'uniform', 'first' or 'last'"),
        (lambda: quantilise([0.5, 0.5], [1.0, float("nan")], 0.5), "utility is [1.0, nan], not all finite"),
        (lambda: TimestepQuantiliser(F(2)), "q is 2, not in (0, 1]"),
        (lambda: TimestepQuantiliser(0.5).run(two_state()), "q is the float 0.5 but the MDP is exact"),
        (lambda: TimestepQuantiliser(F(1, 2), base=3), "base is 3, not None, a registered agent name, an Agent or a Policy"),
        (lambda: TimestepQuantiliser(F(1, 2), tie="proportional"), "tie is 'proportional', not 'uniform', 'first' or 'last'"),
        (lambda: TimestepQuantiliser(F(1, 2), base=TrajectoryQuantiliser(F(1, 2))).run(tie_mdp()),
         "returned a TrajectoryQuantilisation, not a Markov Policy"),
        (lambda: TrajectoryQuantiliser(F(1, 2)).run(two_state()),
         "the trajectory quantiliser needs a finite-horizon MDP (this one is discounted, discount=9/10)"),
        (lambda: TrajectoryQuantiliser(F(1, 2)).policy(tie_mdp()).expected_return("cost"),
         "reward 'cost' is not in this MDP (it has 'true', 'proxy')"),
        (lambda: TrajectoryQuantiliser(F(1, 2)).policy(tie_mdp().replace(rewards={"proxy": [[1, 1], [2, 2]]}))
         .objective_true_distribution(), "this MDP has no 'true' reward (it has 'proxy')"),
        (lambda: PolicyQuantiliser(F(1, 2), max_policies=0), "max_policies is 0, not a positive integer"),
        (lambda: PolicyQuantiliser(F(1, 2), base_weights={("go",): 1}).run(two_state()),
         "base_weights has the key ('go',), not a tuple of action labels by state of this MDP"),
        (lambda: PolicyQuantiliser(F(1, 2), base_weights={("go", "go"): F(1, 2)}).run(two_state()),
         "base_weights sums to 1/2, not 1"),
        (lambda: PolicyQuantiliser(F(1, 2), time_dependent=True).run(two_state()),
         "time_dependent=True needs a finite-horizon MDP"),
    ],
)
def test_validation_errors(call, message):
    with pytest.raises(InvalidArgument) as info:
        call()
    assert message in str(info.value)
    assert "\n" not in str(info.value)
