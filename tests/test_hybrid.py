"""Tests of agents.hybrid: the value dataset and table, the depth-limited search, the fallbacks.

Layers: hand-computed exact values on theory.examples.two_state, then hypothesis properties on
small generated exact MDPs (against an independent recursive tree search), then validation.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.base import Cost
from agents.direct import Argmax
from agents.hybrid import Hybrid, ValueDataset, collect_values, value_table
from agents.lookahead import Lookahead
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, state_values
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.solvers import solve


@st.composite
def exact_mdps(draw: st.DrawFn, max_states: int = 3, max_actions: int = 3) -> FiniteMDP:
    """Small exact discounted MDPs whose initial distribution has full support."""
    S = draw(st.integers(1, max_states))
    A = draw(st.integers(1, max_actions))

    def dist(n: int, low: int) -> list[F]:
        ws = draw(st.lists(st.integers(low, 3), min_size=n, max_size=n).filter(lambda w: sum(w) > 0))
        return [F(w, sum(ws)) for w in ws]

    return FiniteMDP(
        states=[f"s{i}" for i in range(S)],
        actions=[f"a{j}" for j in range(A)],
        transitions=[[dist(S, 0) for _ in range(A)] for _ in range(S)],
        rewards={"proxy": [[draw(st.integers(-2, 2)) for _ in range(A)] for _ in range(S)]},
        initial=dist(S, 1),
        discount=draw(st.sampled_from([F(0), F(1, 2), F(9, 10)])),
    )


def tree_search(mdp: FiniteMDP, reward: str, depth: int, leaf: list) -> list[list]:
    """Independent depth-limited search: Q_d(s, a) by plain recursion over the model,
    Q_d(s, a) = r(s, a) + g * sum_s' P(s'|s, a) * (leaf(s') if d == 1 else max_a' Q_{d-1}(s', a'))."""
    r, P, g = mdp.reward(reward), mdp.transitions, mdp.discount

    def value(s: int, d: int) -> F:
        return leaf[s] if d == 0 else max(q(s, a, d) for a in range(mdp.A))

    def q(s: int, a: int, d: int) -> F:
        return r[s, a] + g * sum(P[s, a, t] * value(t, d - 1) for t in range(mdp.S) if P[s, a, t] != 0)

    return [[q(s, a, depth) for a in range(mdp.A)] for s in range(mdp.S)]


def greedy_uniform(q: list[list]) -> list[list[F]]:
    out = []
    for row in q:
        best = [a for a, x in enumerate(row) if x == max(row)]
        out.append([F(1, len(best)) if a in best else F(0) for a in range(len(row))])
    return out


# -- the value dataset and table: hand-computed ------------------------------------------------


def test_value_dataset_on_two_state_by_hand() -> None:
    # Proxy optimum: v*(s1) = 1 / (1 - 9/10) = 10; v*(s0) = 1/2 + 9/10 (1/10 v*(s0) + 9/10 * 10)
    # -> (91/100) v*(s0) = 86/10 -> v*(s0) = 860/91. Weights: the normalised occupancy (10/91, 81/91).
    data = collect_values("argmax", two_state())
    assert data.entries == (("s0", F(860, 91), F(10, 91)), ("s1", F(10), F(81, 91)))
    assert data.teacher_calls == 1 and data.samples is None
    assert value_table(data) == {"s0": F(860, 91), "s1": F(10)}


def test_shared_observation_is_the_weighted_mean() -> None:
    # Both states show "o": V(o) = 10/91 * 860/91 + 81/91 * 10 = (8600 + 73710) / 8281.
    data = collect_values("argmax", two_state().replace(observations=["o", "o"]))
    assert value_table(data) == {"o": F(82310, 8281)}


def test_sampled_value_table_is_the_average_of_the_sampled_states() -> None:
    mdp = two_state().replace(observations=["o", "o"])
    data = collect_values("argmax", mdp, samples=25, seed=5)
    # The documented draw: n states from the normalised occupancy (10/91, 81/91).
    rng = np.random.default_rng(5)
    p = np.array([10 / 91, 81 / 91])
    drawn = rng.choice(2, size=25, p=p / p.sum())
    c1 = int(drawn.sum())
    c0 = 25 - c1
    assert [w for _, _, w in data.entries] == [c for c in (c0, c1) if c]
    assert value_table(data) == {"o": (c0 * F(860, 91) + c1 * F(10)) / 25}
    assert collect_values("argmax", mdp, samples=25, seed=5) == data
    assert collect_values("argmax", mdp, samples=25, seed=6) != data or c0 in (0, 25)


# -- optimality on the training MDP ----------------------------------------------------------


def test_depth_one_on_the_training_mdp_is_optimal_on_two_state() -> None:
    mdp = two_state()
    result = Hybrid(depth=1).run(mdp)
    optimum = solve(mdp, "proxy")
    assert result.policy == optimum.policy
    assert expected_return(mdp, result.policy, "proxy") == F(860, 91)
    teacher_cost = Argmax().run(mdp).cost.decision
    assert result.cost == Cost(decision=1 * 2 * 2, lookups=2, training=teacher_cost, teacher_calls=1, samples=2)


@settings(max_examples=30, deadline=None)
@given(exact_mdps(), st.integers(1, 3))
def test_hybrid_with_exact_values_on_the_training_mdp_is_optimal(mdp: FiniteMDP, depth: int) -> None:
    result = Hybrid(depth=depth).run(mdp)
    optimum = solve(mdp, "proxy")
    assert (state_values(mdp, result.policy, "proxy") == optimum.values).all()
    assert expected_return(mdp, result.policy, "proxy") == (mdp.initial * optimum.values).sum()
    assert result.cost.decision == depth * mdp.S * mdp.A and result.cost.lookups == mdp.S


# -- a shifted MDP: zero leaves on unseen observations -----------------------------------------


def test_zero_fallback_on_a_shifted_mdp_by_hand() -> None:
    # Trained on two_state; in the test MDP s1 shows the unseen observation "new", so the leaves
    # are L = (860/91, 0). Depth 1, proxy, discount 9/10:
    #   Q(s0, stay) = 0 + 9/10 * 860/91 = 774/91
    #   Q(s0, go)   = 1/2 + 9/10 * (1/10 * 860/91 + 9/10 * 0) = 1/2 + 387/455 = 1229/910
    #   Q(s1, stay) = 1 + 9/10 * 0 = 1
    #   Q(s1, go)   = 0 + 9/10 * 860/91 = 774/91
    # so the hybrid stays in s0 and leaves s1: the unseen leaf looks worthless.
    shifted = two_state().replace(observations=["s0", "new"])
    result = Hybrid(depth=1, train=two_state()).run(shifted)
    assert result.info["q_values"].tolist() == [[F(774, 91), F(1229, 910)], [F(1), F(774, 91)]]
    assert result.policy.action_labels() == ("stay", "go")
    assert result.info["unseen"] == ("s1",) and result.info["fallback"] == {"s1": "zero"}
    assert result.info["leaf_values"].tolist() == [F(860, 91), F(0)]
    assert result.info["q_values"].tolist() == tree_search(shifted, "proxy", 1, [F(860, 91), F(0)])


@settings(max_examples=30, deadline=None)
@given(exact_mdps(), st.integers(1, 3), st.data())
def test_zero_fallback_is_search_with_zero_leaves_on_unseen_states(mdp: FiniteMDP, depth: int, data) -> None:
    hidden = data.draw(st.sets(st.sampled_from(mdp.states)))
    shifted = mdp.replace(observations=[f"new-{s}" if s in hidden else s for s in mdp.states])
    result = Hybrid(depth=depth, train=mdp).run(shifted)
    v_star = solve(mdp, "proxy").values
    leaf = [F(0) if s in hidden else v_star[i] for i, s in enumerate(mdp.states)]
    q = tree_search(shifted, "proxy", depth, leaf)
    assert result.info["q_values"].tolist() == q
    assert result.policy.probs.tolist() == greedy_uniform(q)
    assert set(result.info["unseen"]) == hidden


def test_zero_fallback_is_lookahead_with_zero_leaves_on_unseen_states() -> None:
    shifted = two_state().replace(observations=["s0", "new"])
    for depth in (1, 2, 3):
        lookahead = Lookahead(depth=depth, leaf_values=[F(860, 91), F(0)]).run(shifted)
        result = Hybrid(depth=depth, train=two_state()).run(shifted)
        assert result.policy == lookahead.policy
        assert result.cost.decision == lookahead.cost.decision == depth * 2 * 2
        assert result.info["q_values"].tolist() == tree_search(shifted, "proxy", depth, [F(860, 91), F(0)])


def test_nearest_and_error_fallbacks() -> None:
    train = two_state().replace(observations=["left", "right"], features=[[0.0], [10.0]])
    shifted = two_state().replace(observations=["left", "new"], features=[[0.0], [8.0]])
    nearest = Hybrid(train=train, fallback="nearest").run(shifted)
    assert nearest.info["leaf_values"].tolist() == [F(860, 91), F(10)]
    assert nearest.info["nearest"] == {"s1": "right"}
    assert nearest.policy.action_labels() == ("go", "stay")
    assert nearest.cost.lookups == 2 + 2
    with pytest.raises(InvalidArgument, match=r"observation 'new' \(state 's1'\) is not in the training data"):
        Hybrid(train=train, fallback="error").run(shifted)


# -- finite horizon ---------------------------------------------------------------------------


def test_finite_horizon_deep_search_is_backward_induction() -> None:
    mdp = two_state().replace(discount=None, horizon=3)
    result = Hybrid(depth=3).run(mdp)
    assert result.policy == solve(mdp, "proxy").policy
    assert result.cost.lookups == 0 and result.cost.decision == 3 * 2 * 2


def test_finite_horizon_shallow_search_uses_the_table_before_the_horizon() -> None:
    # Horizon 3, depth 1. Teacher's time-0 proxy values on the same MDP: backward induction
    # V_2 = (1/2, 1), V_1 = (29/20, 2), V_0: s0 go = 1/2 + 1/10 * 29/20 + 9/10 * 2 = 489/200,
    # stay = 29/20 -> 489/200; s1 stay = 1 + 2 = 3. At t = 0, 1 the leaves are (489/200, 3);
    # at t = 2 the search ends at the horizon (greedy in r).
    mdp = two_state().replace(discount=None, horizon=3)
    result = Hybrid(depth=1).run(mdp)
    assert result.info["leaf_values"].tolist() == [F(489, 200), F(3)]
    q = result.info["q_values"]
    leaf = [F(489, 200), F(3)]
    r, P = mdp.reward("proxy"), mdp.transitions
    expected = [[r[s, a] + sum(P[s, a, t] * leaf[t] for t in range(2)) for a in range(2)] for s in range(2)]
    assert q[0].tolist() == q[1].tolist() == expected
    assert q[2].tolist() == r.tolist()
    assert result.cost.decision == 1 * 4 + 1 * 4 and result.cost.lookups == 2


def test_float_mdp_gives_a_float_policy_and_exact_table_converts() -> None:
    result = Hybrid(depth=2).run(two_state().to_float())
    assert not result.policy.exact and result.policy.action_labels() == ("go", "stay")
    shifted = Hybrid(depth=1, train=two_state()).run(two_state().to_float())
    assert shifted.info["leaf_values"].tolist() == [860 / 91, 10.0]
    with pytest.raises(InvalidArgument, match="trained on a float MDP"):
        Hybrid(train=two_state().to_float()).run(two_state())


def test_training_objective_can_differ_from_the_search_objective() -> None:
    # Teacher values under "true" (v*(s0) = 810/91), search under "proxy".
    result = Hybrid(objective="true").run(two_state())
    assert result.info["dataset"].objective == "true"
    assert result.info["objective"] == "proxy"
    assert result.info["leaf_values"].tolist() == [F(810, 91), F(10)]


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"depth": 0}, "depth is 0, not an integer >= 1"),
        ({"fallback": "uniform"}, "fallback is 'uniform', not one of 'zero', 'nearest', 'error'"),
        ({"samples": -3}, "samples is -3, not an integer >= 1"),
        ({"tie": "last"}, "tie is 'last', not 'uniform' or 'first'"),
        ({"teacher": None}, "teacher is None, not an agent"),
        ({"train": 1}, "train is int, not a FiniteMDP"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        Hybrid(**kwargs)


def test_cli_parameters_and_bad_dataset() -> None:
    agent = Hybrid(depth=F(2), samples="10", seed=F(1), teacher="argmax:tie=first")
    assert (agent.depth, agent.samples, agent.seed) == (2, 10, 1)
    assert agent.run(two_state()).cost.samples == 10
    with pytest.raises(InvalidArgument, match=r"entries\[0\] has the weight -1"):
        ValueDataset(entries=(("s0", F(1), -1),), teacher="t", objective="proxy")
