"""Tests of agents.lookahead: hand-checked policies, then properties on generated MDPs, then errors."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.direct import Argmax
from agents.lookahead import Lookahead, leaf_array, lookahead_cost, lookahead_policy
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.solvers import argmax_sets, solve


@st.composite
def small_mdps(
    draw: st.DrawFn, horizon: bool = False, discounts: tuple[F, ...] = (F(0), F(1, 2), F(3, 4))
) -> FiniteMDP:
    S = draw(st.integers(1, 3))
    A = draw(st.integers(1, 3))
    rows = st.lists(st.integers(0, 3), min_size=S, max_size=S).filter(lambda w: sum(w) > 0)
    trans = [[[F(x, sum(w)) for x in w] for w in draw(st.lists(rows, min_size=A, max_size=A))] for _ in range(S)]
    rewards = draw(st.lists(st.lists(st.integers(-3, 3), min_size=A, max_size=A), min_size=S, max_size=S))
    time = {"horizon": draw(st.integers(1, 4))} if horizon else {"discount": draw(st.sampled_from(discounts))}
    return FiniteMDP(
        states=[f"s{i}" for i in range(S)], actions=[f"a{j}" for j in range(A)], transitions=trans,
        rewards={"proxy": rewards}, initial=[1] + [0] * (S - 1), **time,
    )


# -- hand-checked -------------------------------------------------------------------------------


def test_depth1_zero_leaves_is_greedy_immediate_reward() -> None:
    # two_state rewards (rows s0, s1; columns stay, go): proxy [[0, 1/2], [1, 0]],
    # true [[0, 0], [1, 0]]. Depth 1 with zero leaves: Q_1 = r, so under the proxy: go in s0,
    # stay in s1; under the true reward s0 is a tie (0 = 0): uniform; s1: stay.
    mdp = two_state()
    result = Lookahead(depth=1).run(mdp, "proxy")
    assert result.policy.action_labels() == ("go", "stay")
    assert result.info["q_values"].tolist() == [[0, F(1, 2)], [1, 0]]
    assert result.cost.decision == 1 * 2 * 2
    true = Lookahead(depth=1).policy(mdp, "true")
    assert true.probs.tolist() == [[F(1, 2), F(1, 2)], [1, 0]]
    first = Lookahead(depth=1, tie="first").policy(mdp, "true")
    assert first.action_labels() == ("stay", "stay")


def test_depth2_by_hand() -> None:
    # Depth 2, proxy, discount 9/10: V_1 = (1/2, 1). Q_2(s0) = (0 + 9/10 * 1/2,
    # 1/2 + 9/10 (1/10 * 1/2 + 9/10 * 1)) = (9/20, 1/2 + 171/200) = (9/20, 271/200);
    # Q_2(s1) = (1 + 9/10, 0 + 9/10 * 1/2) = (19/10, 9/20).
    pi, q = lookahead_policy(two_state(), "proxy", 2)
    assert q.tolist() == [[F(9, 20), F(271, 200)], [F(19, 10), F(9, 20)]]
    assert pi.action_labels() == ("go", "stay")


def test_leaf_mapping_changes_the_choice() -> None:
    # Depth 1 with leaves V_0 = {s0: 20, s1: 0} under the true reward: Q_1(s1) = (1 + 9/10 * 0,
    # 0 + 9/10 * 20) = (1, 18), so the agent leaves s1 ("go") to reach the valued leaf.
    pi, q = lookahead_policy(two_state(), "true", 1, {"s0": 20, "s1": 0})
    assert q[1].tolist() == [1, 18] and pi.action_labels()[1] == "go"


def test_a_tie_of_q_star_is_broken_at_every_finite_depth() -> None:
    # start: a pays 2 then absorbs in "done" (reward 0); b pays 1 and moves to "loop", which
    # pays 1 forever. Discount 1/2: Q*(start) = (2, 1 + 1/2 * 2) = (2, 2), a tie. At depth d with
    # zero leaves Q_d(start, b) = 2 - 2^(1-d) < 2, so only a is chosen: the argmax set of the
    # lookahead is a strict subset of Argmax's.
    mdp = FiniteMDP(
        states=["start", "done", "loop"], actions=["a", "b"],
        transitions=[[[0, 1, 0], [0, 0, 1]], [[0, 1, 0], [0, 1, 0]], [[0, 0, 1], [0, 0, 1]]],
        rewards={"proxy": [[2, 1], [0, 0], [1, 1]]}, initial=[1, 0, 0], discount=F(1, 2),
    )
    assert Argmax().run(mdp).info["argmax"][0] == ("a", "b")
    result = Lookahead(depth=200).run(mdp)
    assert result.info["argmax"][0] == ("a",)
    assert result.info["q_values"][0, 1] == 2 - F(1, 2**199)


# -- properties ----------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(small_mdps(discounts=(F(1, 2),)))
def test_deep_search_matches_argmax(mdp: FiniteMDP) -> None:
    # depth 200, discount 1/2: |Q_200 - Q*| <= (1/2)^200 * max|r| / (1 - 1/2) (exactly), so every
    # action outside Argmax's argmax set is excluded, and a unique optimum is found.
    sol = solve(mdp, "proxy")
    result = Lookahead(depth=200).run(mdp)
    q = result.info["q_values"]
    r_max = max(abs(x) for x in mdp.reward("proxy").flat)
    assert np.all(np.abs(q - sol.q_values) <= F(1, 2**200) * r_max * 2)
    for s, (mine, best) in enumerate(zip(result.info["argmax"], sol.argmax)):
        assert set(mine) <= set(best)
        if len(best) == 1:
            assert mine == best
    assert result.cost.decision == 200 * mdp.S * mdp.A


@settings(max_examples=40, deadline=None)
@given(small_mdps(), st.integers(1, 4))
def test_optimal_leaves_make_every_depth_optimal(mdp: FiniteMDP, depth: int) -> None:
    # Q_1 = r + gamma P V* = Q*, and then V_k = V* at every k: the policy is Argmax's, exactly.
    sol = solve(mdp, "proxy")
    pi, q = lookahead_policy(mdp, "proxy", depth, sol.values)
    assert pi == sol.policy
    assert np.array_equal(q, sol.q_values)
    labels = dict(zip(mdp.states, sol.values))
    assert Lookahead(depth=depth, leaf_values=labels).policy(mdp) == sol.policy


@settings(max_examples=40, deadline=None)
@given(small_mdps(horizon=True), st.integers(1, 5))
def test_finite_horizon(mdp: FiniteMDP, depth: int) -> None:
    sol = solve(mdp, "proxy")
    H = mdp.horizon
    pi, q = lookahead_policy(mdp, "proxy", depth)
    assert pi.probs.shape == (H, mdp.S, mdp.A)
    # the last min(depth, H) steps search to the horizon: exactly backward induction there
    for t in range(max(H - depth, 0), H):
        assert np.array_equal(q[t], sol.q_values[t])
    if depth >= H:
        assert pi == sol.policy
    # leaves = V*_t (a (H + 1, S) table) make every step optimal
    pi_star, q_star = lookahead_policy(mdp, "proxy", depth, sol.values)
    assert pi_star == sol.policy and np.array_equal(q_star, sol.q_values)
    assert lookahead_cost(mdp, depth, sol.values) == (
        H if depth >= H else depth + (H - depth) * depth
    ) * mdp.S * mdp.A


def test_finite_horizon_stationary_leaves_shared() -> None:
    # horizon 3, depth 1, zero leaves: steps 0 and 1 value the next state at 0 (greedy on r);
    # step 2 is the last step (terminal leaves). two_state proxy: greedy = (go, stay) everywhere.
    mdp = two_state().replace(discount=None, horizon=3)
    result = Lookahead(depth=1).run(mdp)
    assert [result.policy.action_labels(t) for t in range(3)] == [("go", "stay")] * 3
    assert result.cost.decision == (1 + 1) * 4


def test_leaves_at_the_horizon_are_terminal() -> None:
    # horizon 2, leaves {s0: 100, s1: 0}. Depth 2 reaches the horizon from every step, so the
    # leaves are never used: backward induction. Depth 1: at t = 0 the leaf after one step is
    # used, Q(s1) = (1 + 0, 0 + 100) -> go; at t = 1 (last step) the leaf is terminal (0), so
    # Q(s1) = (1, 0) -> stay.
    mdp = two_state().replace(discount=None, horizon=2)
    leaves = {"s0": 100, "s1": 0}
    assert Lookahead(depth=2, leaf_values=leaves).policy(mdp) == solve(mdp, "proxy").policy
    pi, q = lookahead_policy(mdp, "proxy", 1, leaves)
    assert q[0, 1].tolist() == [1, 100] and q[1, 1].tolist() == [1, 0]
    assert pi.action_labels(0)[1] == "go" and pi.action_labels(1)[1] == "stay"


def test_float_matches_exact() -> None:
    mdp = two_state()
    exact = lookahead_policy(mdp, "proxy", 5)
    flt = lookahead_policy(mdp.to_float(), "proxy", 5)
    assert not flt[0].exact
    np.testing.assert_allclose(flt[1], np.array(exact[1].tolist(), dtype=float), atol=1e-12)
    assert flt[0] == exact[0].to_float()


def test_argmax_sets_used_are_the_exact_ones() -> None:
    _, q = lookahead_policy(two_state(), "true", 1)
    assert argmax_sets(q, True) == [[0, 1], [0]]


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [0, -1, 1.5, "2", True])
def test_bad_depth(depth: object) -> None:
    with pytest.raises(InvalidArgument, match=r"^depth is .*, not an integer >= 1$"):
        Lookahead(depth=depth)  # type: ignore[arg-type]


def test_leaf_validation_errors() -> None:
    mdp = two_state()
    with pytest.raises(InvalidArgument, match=r"leaf_values has no value for state 's1'"):
        leaf_array(mdp, {"s0": 1})
    with pytest.raises(InvalidArgument, match=r"leaf_values names the unknown state 'x'"):
        leaf_array(mdp, {"s0": 1, "s1": 2, "x": 3})
    with pytest.raises(InvalidArgument, match=r"leaf_values has shape \(3,\), expected \(2,\)"):
        leaf_array(mdp, [1, 2, 3])
    with pytest.raises(InvalidArgument, match=r"leaf_values holds floats but the MDP is exact"):
        leaf_array(mdp, [0.5, 1.0])
    with pytest.raises(InvalidArgument, match=r"leaf_values has shape \(2, 2\), expected \(2,\)$"):
        lookahead_policy(mdp, "proxy", 1, [[0, 0], [0, 0]])
    with pytest.raises(InvalidArgument, match=r"tie is 'random'"):
        Lookahead(depth=1, tie="random")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"leaf_values holds a value that is not finite"):
        leaf_array(mdp.to_float(), [np.inf, 0.0])
