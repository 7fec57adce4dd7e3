"""Tabular Q-learning (agents.qlearning): hand-replayed Q-tables first, then the convergence
property against the exact solver, then the validation errors."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agents
from agents.qlearning import QLearning, greedy_tables, q_learning
from property_tests.strategies import finite_mdps
from theory.errors import DeconfuseError, InvalidArgument
from theory.mdp import FiniteMDP
from theory.solvers import solve


def ring(horizon: int | None = None) -> FiniteMDP:
    """Two states, deterministic: "stay" keeps the state, "go" switches it; proxy rewards
    r(s0, stay) = 0, r(s0, go) = 1, r(s1, stay) = 2, r(s1, go) = 0; start in s0; discount 1/2
    unless a horizon is given."""
    return FiniteMDP(
        states=["s0", "s1"], actions=["stay", "go"],
        transitions=[[[1, 0], [0, 1]], [[0, 1], [1, 0]]],
        rewards={"proxy": [[0, 1], [2, 0]], "true": [[0, 0], [1, 0]]},
        initial=[1, 0], discount=F(1, 2) if horizon is None else None, horizon=horizon,
    )


def draws(seed: int, n: int) -> tuple[float, np.ndarray]:
    """The generator stream q_learning consumes: one uniform, then n rows of five."""
    rng = np.random.default_rng(seed)
    return rng.random(), rng.random((n, 5))


def test_the_rng_stream_of_the_hand_replays():
    """The draws the hand computations below read (seed 0): u_a (column 1) picks stay when
    < 1/2 and go otherwise; u_r (column 3) restarts a discount-1/2 episode when < 1/2."""
    _, u = draws(0, 5)
    assert [("stay" if x < 0.5 else "go") for x in u[:, 1]] == ["stay", "go", "go", "go", "go"]
    assert [x < 0.5 for x in u[:, 3]] == [False, False, False, True, False]


def test_discounted_q_table_by_hand():
    """epsilon = 1 (always explore), discount 1/2, 5 samples, seed 0; start s0; 1/n rates.

    1. s0 stay -> s0: y = 0 + 1/2 max Q(s0) = 0;        Q(s0, stay) = 0
    2. s0 go -> s1:   y = 1 + 1/2 max Q(s1) = 1;        Q(s0, go) = 1
    3. s1 go -> s0:   y = 0 + 1/2 max Q(s0) = 1/2;      Q(s1, go) = 1/2
    4. s0 go -> s1:   y = 1 + 1/2 * 1/2 = 5/4;          Q(s0, go) = mean(1, 5/4) = 9/8; restart
    5. s0 go -> s1:   y = 5/4;                          Q(s0, go) = mean(1, 5/4, 5/4) = 7/6
    Q(s1, stay) is never tried, so the greedy table plays "go" in s1 (the optimum is "stay").
    Floats: within 1e-12 of the exact means.
    """
    table = q_learning(ring(), "proxy", 5, 1, 0)
    assert table.q[0].ravel().tolist() == pytest.approx([0, 7 / 6, 0, 1 / 2], rel=1e-12, abs=0)
    assert table.visits[0].tolist() == [[1, 3], [0, 1]]
    assert greedy_tables(table)[0] == {"s0": {"stay": 0, "go": 1}, "s1": {"stay": 0, "go": 1}}
    result = QLearning(samples=5, epsilon=1).run(ring())
    assert result.policy.as_dict() == {"s0": {"go": "1"}, "s1": {"go": "1"}}
    assert (result.cost.samples, result.cost.training, result.cost.teacher_calls, result.cost.lookups) == (5, 5, 0, 2)


def test_greedy_without_exploration_never_leaves_and_falls_back():
    """epsilon = 0: every Q is 0, the greedy choice is the first enabled action ("stay"), so
    s0 is never left; s1 is unseen and takes the fallback (uniform, exact 1/2)."""
    result = QLearning(samples=50, epsilon=0).run(ring())
    assert result.info["q_table"].visits[0].tolist() == [[50, 0], [0, 0]]
    assert result.info["unseen"] == ("s1",)
    assert result.policy.as_dict() == {"s0": {"stay": "1"}, "s1": {"stay": "1/2", "go": "1/2"}}
    with pytest.raises(InvalidArgument, match="'s1'"):
        QLearning(samples=50, epsilon=0, fallback="error").run(ring())
    based = QLearning(samples=50, epsilon=0, fallback="base", base="argmax").run(ring())
    assert based.policy.as_dict()["s1"] == {"stay": "1"} and based.cost.decision > 0


def test_finite_horizon_q_table_by_hand():
    """Horizon 2, epsilon = 1, 4 samples, seed 0; every episode is 2 steps from s0.

    1. t0 s0 stay -> s0: y = 0 + max Q1(s0) = 0;   Q0(s0, stay) = 0
    2. t1 s0 go -> s1:   y = 1 (last step);        Q1(s0, go) = 1; restart
    3. t0 s0 go -> s1:   y = 1 + max Q1(s1) = 1;   Q0(s0, go) = 1
    4. t1 s1 go -> s0:   y = 0;                    Q1(s1, go) = 0; restart
    Step 0: s0 plays go, s1 is unseen at step 0 (uniform); step 1: both play go.
    """
    mdp = ring(horizon=2)
    table = q_learning(mdp, "proxy", 4, 1, 0)
    assert table.q.tolist() == [[[0, 1], [0, 0]], [[0, 1], [0, 0]]]
    assert table.visits.tolist() == [[[1, 1], [0, 0]], [[0, 1], [0, 1]]]
    result = QLearning(samples=4, epsilon=1).run(mdp)
    assert result.policy.probs.tolist() == [[[0, 1], [F(1, 2), F(1, 2)]], [[0, 1], [0, 1]]]
    assert result.info["unseen_by_step"] == (("s1",), ())
    assert result.cost.lookups == 4


def test_float_mdp_gives_a_float_policy_and_exact_gives_exact():
    exact = QLearning(samples=200).run(ring())
    assert exact.policy.exact and exact.policy.probs[0, 1] == 1
    floating = QLearning(samples=200).run(ring().to_float())
    assert not floating.policy.exact and floating.policy.probs[0, 1] == 1.0


def test_train_mdp_and_shifted_observations():
    """Trained on ``ring``; the test MDP relabels s1's observation, which the table never saw."""
    shifted = ring().replace(observations=["s0", "new"])
    result = QLearning(samples=300, epsilon=1, train=ring()).run(shifted)
    assert result.info["unseen"] == ("s1",)
    assert result.policy.as_dict()["s1"] == {"stay": "1/2", "go": "1/2"}


def test_registered_with_spec_parameters():
    agent = agents.get("q-learning:samples=300,epsilon=1/4,seed=3,fallback=nearest")
    assert isinstance(agent, QLearning)
    assert (agent.samples, agent.epsilon, agent.seed, agent.fallback) == (300, F(1, 4), 3, "nearest")
    assert "q-learning" in agents.names()


#: The convergence check: discounts at most 1/2, at most 3 states and 3 actions, rewards in
#: [-4, 4] (halves). Measured over 300 generated MDPs, the largest |Q - Q*| after 20,000
#: samples (epsilon = 1, seed 0, uniform initial distribution) was 0.089; a gap of 1/2 leaves
#: each side an error budget of 1/4, about three times that.
CONVERGENCE_SAMPLES = 20_000
GAP = F(1, 2)


@settings(max_examples=20, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3, discounts=(0, F(1, 4), F(1, 2))), seed=st.integers(0, 3))
def test_converges_to_the_exact_argmax_where_it_is_unique_with_a_gap(mdp, seed):
    """The claim (Watkins and Dayan 1992, in its finite-sample form checked here): on a
    discounted MDP with discount <= 1/2, a full-support (uniform) initial distribution,
    epsilon = 1 and 20,000 samples, in every state whose exact Q* has a unique maximising
    action ahead of every other action by at least 1/2, the learned greedy table plays
    exactly that action (probability 1), and every state is seen."""
    mdp = mdp.replace(initial=[F(1, mdp.S)] * mdp.S)
    q_star = solve(mdp, "proxy").q_values
    result = QLearning(samples=CONVERGENCE_SAMPLES, epsilon=1, seed=seed).run(mdp, "proxy")
    assert result.info["unseen"] == ()
    for s in range(mdp.S):
        ranked = sorted(q_star[s], reverse=True)
        if len(ranked) > 1 and ranked[0] - ranked[1] < GAP:
            continue
        best = [a for a in range(mdp.A) if q_star[s, a] == ranked[0]]
        assert result.policy.probs[s].tolist() == [int(a == best[0]) for a in range(mdp.A)]


@settings(max_examples=8, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3, discounts=(0, F(1, 4), F(1, 2)), disabled=True))
def test_converges_over_the_enabled_actions(mdp):
    """The same claim on models with disabled actions: the argmax over the enabled actions."""
    mdp = mdp.replace(initial=[F(1, mdp.S)] * mdp.S)
    q_star = solve(mdp, "proxy").q_values
    result = QLearning(samples=CONVERGENCE_SAMPLES, epsilon=1).run(mdp, "proxy")
    for s in range(mdp.S):
        on = mdp.enabled_actions(s)
        ranked = sorted((q_star[s, a] for a in on), reverse=True)
        if len(ranked) > 1 and ranked[0] - ranked[1] < GAP:
            continue
        best = next(a for a in on if q_star[s, a] == ranked[0])
        assert result.policy.probs[s].tolist() == [int(a == best) for a in range(mdp.A)]


@pytest.mark.parametrize(
    "params, message",
    [
        ({"samples": 0}, "samples"),
        ({"epsilon": F(3, 2)}, "epsilon"),
        ({"seed": -1}, "seed"),
        ({"fallback": "guess"}, "fallback"),
        ({"fallback": "base"}, "base"),
        ({"train": "ring"}, "train"),
        ({"objective": 3}, "objective"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(DeconfuseError, match=message):
        QLearning(**params)


def test_a_time_indexed_table_fits_only_its_horizon():
    with pytest.raises(InvalidArgument, match="horizon 2"):
        QLearning(train=ring(horizon=2)).run(ring(horizon=3))


def test_polynomial_rate_by_hand():
    """The five samples of the 1/n hand computation with rate omega = 4/5: the same targets,
    steps 1/n**(4/5). Steps 1-3 are first visits (step 1); step 4 is the second visit of
    (s0, go): Q = 1 + 2**-0.8 (5/4 - 1); step 5 its third: Q += 3**-0.8 (5/4 - Q)."""
    q4 = 1 + 2 ** -0.8 * (5 / 4 - 1)
    q5 = q4 + 3 ** -0.8 * (5 / 4 - q4)
    table = q_learning(ring(), "proxy", 5, 1, 0, rate=F(4, 5))
    assert table.q[0].ravel().tolist() == pytest.approx([0, q5, 0, 1 / 2], rel=1e-12, abs=0)
    assert q5 != pytest.approx(7 / 6, rel=1e-6)  # differs from the running mean
    assert QLearning(samples=5, epsilon=1, rate=1).run(ring()).info["q_table"].q.tolist() == \
        q_learning(ring(), "proxy", 5, 1, 0).q.tolist()


def test_exploring_starts_reach_a_state_the_initial_distribution_never_leads_to():
    """epsilon = 0 on the ring: the greedy first action "stay" keeps s0 for ever, so s1 is never
    visited from the initial state and falls back (uniform); with uniform starts, episodes begin
    in s1 too, where "stay" pays 2: the greedy table plays the optimal "stay" there."""
    never = QLearning(samples=200, epsilon=0).run(ring())
    assert never.info["unseen"] == ("s1",)
    assert never.policy.as_dict()["s1"] == {"stay": "1/2", "go": "1/2"}
    explored = QLearning(samples=200, epsilon=0, starts="uniform").run(ring())
    assert explored.info["unseen"] == ()
    assert explored.policy.as_dict()["s1"] == {"stay": "1"}
    assert explored.info["q_table"].visits[0][1].sum() > 0


@pytest.mark.parametrize("params, message", [({"rate": F(1, 2)}, "rate is 1/2, not in"),
                                             ({"rate": 2}, "rate is 2, not in"),
                                             ({"starts": "random"}, "starts")])
def test_bad_rate_and_starts(params, message):
    with pytest.raises(InvalidArgument, match=message):
        QLearning(**params)


# -- mutation-testing additions (bench/mutation.py, "Issue 14's agents") ---------------------


def test_discounted_restarts_happen_with_probability_one_minus_gamma():
    """s0 -> s1 -> s1 -> ... (one action), start s0, discount 1/10: each episode visits s0 once
    and lasts 1/(1 - gamma) = 10/9 steps on average (restart w.p. 9/10 after each step), so s0
    takes a fraction 1 - gamma = 9/10 of the samples (renewal argument); 2000 samples: about
    1800 (binomial-like sd ~ 13), the bound is 6 sd wide."""
    chain = FiniteMDP(states=["s0", "s1"], actions=["a"], transitions=[[[0, 1]], [[0, 1]]],
                      rewards={"proxy": [[0], [1]]}, initial=[1, 0], discount=F(1, 10))
    visits = q_learning(chain, "proxy", 2000, 0, 0).visits[0]
    assert 1720 <= visits[0, 0] <= 1880 and visits.sum() == 2000


def test_restarts_draw_a_fresh_state_from_the_initial_distribution():
    """Two self-looping states, uniform start, discount 1/2: the state changes only at restarts,
    each drawing s0 or s1 with probability 1/2, so each state takes about half of 2000 samples."""
    loops = FiniteMDP(states=["s0", "s1"], actions=["a"], transitions=[[[1, 0]], [[0, 1]]],
                      rewards={"proxy": [[0], [1]]}, initial=[F(1, 2), F(1, 2)], discount=F(1, 2))
    visits = q_learning(loops, "proxy", 2000, 0, 0).visits[0]
    assert 850 <= visits[1, 0] <= 1150


def test_an_action_never_tried_does_not_compete_in_the_greedy_table():
    """The stream of the discounted hand computation with r(s1, go) = -2: Q(s1, go) =
    -2 + 1/2 max Q(s0) = -2 + 1/2 = -3/2 is the only estimate at s1 (stay is never tried and
    keeps its initial 0, which is no estimate): the greedy table still plays go there."""
    mdp = FiniteMDP(states=["s0", "s1"], actions=["stay", "go"], transitions=[[[1, 0], [0, 1]], [[0, 1], [1, 0]]],
                    rewards={"proxy": [[0, 1], [2, -2]]}, initial=[1, 0], discount=F(1, 2))
    table = q_learning(mdp, "proxy", 5, 1, 0)
    assert table.q[0, 1].tolist() == [0, -1.5] and table.visits[0, 1].tolist() == [0, 1]
    assert greedy_tables(table)[0]["s1"] == {"stay": 0, "go": 1}


def test_an_exact_table_has_exact_argmax_sets():
    """Q-values 1 and 1 + 10^-12 (Fractions) are not tied exactly, though they are within the
    float tolerance 1e-9: the exact greedy row is the second action alone; the same table in
    floats ties them."""
    from agents.qlearning import QTable

    q = np.array([[[F(1), F(1) + F(1, 10**12)]]], dtype=object)
    visits = np.ones((1, 1, 2), dtype=np.int64)
    assert greedy_tables(QTable(q, visits, ("o",), ("a", "b"), "proxy", 0))[0]["o"] == {"a": 0, "b": 1}
    floats = QTable(q.astype(float), visits, ("o",), ("a", "b"), "proxy", 0)
    assert greedy_tables(floats)[0]["o"] == {"a": F(1, 2), "b": F(1, 2)}


def test_the_default_rate_is_the_running_mean():
    """QLearning's default rate is 1: the hand-computed means of the discounted replay."""
    assert QLearning().rate == 1
    q = QLearning(samples=5, epsilon=1).run(ring()).info["q_table"].q
    assert q[0].ravel().tolist() == pytest.approx([0, 7 / 6, 0, 1 / 2], rel=1e-12, abs=0)


def test_finite_horizon_q_tables_reach_the_backward_induction_values():
    """Horizon 2 on the (deterministic) ring with exploring starts and epsilon = 1: the last
    step's entries are the rewards after one visit each (y = r), and step 0's running means of
    r + max_a' Q_1(s', a') reach Q*_0 of backward induction (the solver) once the rare early
    targets, taken before Q_1 had its estimates, are averaged away (2000 samples; measured
    largest error 0.03, bound 0.1; bootstrapping from Q_0 instead gives errors of 1 and more)."""
    mdp = ring(horizon=2)
    table = q_learning(mdp, "proxy", 2000, 1, 0, starts="uniform")
    q_star = np.array(solve(mdp, "proxy").q_values, dtype=float)
    assert q_star[0].tolist() == [[1, 3], [4, 1]] and q_star[1].tolist() == [[0, 1], [2, 0]]
    assert table.q[1].tolist() == q_star[1].tolist()
    assert np.allclose(table.q[0], q_star[0], atol=0.1)
