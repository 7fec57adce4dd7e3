"""Tests of agents.amortised: the dataset, the lookup table, the fallbacks, decision-time reads.

Layers: hand-computed exact tables on theory.examples.two_state and tiny inline MDPs, then
hypothesis properties on small generated exact MDPs, then one test per validation error.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.amortised import Dataset, TabularAmortised, collect, frequency_table
from agents.base import AgentResult, BaseAgent, Cost
from agents.direct import Argmax, Fixed, Uniform
from agents.registry import parse_value
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, state_values
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy


# -- small generated exact MDPs -------------------------------------------------------------


@st.composite
def exact_mdps(draw: st.DrawFn, max_states: int = 3, max_actions: int = 3) -> FiniteMDP:
    """Small exact discounted MDPs whose initial distribution has full support."""
    S = draw(st.integers(1, max_states))
    A = draw(st.integers(1, max_actions))

    def dist(n: int, low: int) -> list[F]:
        ws = draw(st.lists(st.integers(low, 3), min_size=n, max_size=n).filter(lambda w: sum(w) > 0))
        return [F(w, sum(ws)) for w in ws]

    transitions = [[dist(S, 0) for _ in range(A)] for _ in range(S)]
    proxy = [[draw(st.integers(-2, 2)) for _ in range(A)] for _ in range(S)]
    true = [[draw(st.integers(-2, 2)) for _ in range(A)] for _ in range(S)]
    return FiniteMDP(
        states=[f"s{i}" for i in range(S)],
        actions=[f"a{j}" for j in range(A)],
        transitions=transitions,
        rewards={"proxy": proxy, "true": true},
        initial=dist(S, 1),
        discount=draw(st.sampled_from([F(0), F(1, 2), F(9, 10)])),
    )


def occupancy_by_sympy(mdp: FiniteMDP, policy: Policy) -> list[F]:
    """Normalised discounted occupancy (1 - g) mu^T (I - g P_pi)^{-1}, solved with sympy."""
    S = mdp.S
    P = sympy.zeros(S, S)
    for s in range(S):
        for a in range(mdp.A):
            for t in range(S):
                P[s, t] += sympy.Rational(str(policy.probs[s, a] * mdp.transitions[s, a, t]))
    g = sympy.Rational(str(mdp.discount))
    mu = sympy.Matrix([[sympy.Rational(str(x)) for x in mdp.initial]])
    d = (1 - g) * mu * (sympy.eye(S) - g * P).inv()
    return [F(int(x.p), int(x.q)) for x in d]


# -- the dataset: hand-computed weights -----------------------------------------------------


def test_infinite_data_weights_on_two_state_by_hand() -> None:
    # Optimal proxy policy: go in s0, stay in s1. From s0, "go" stays with prob 1/10, so
    # d(s0) = sum_t (9/10 * 1/10)^t = 1 / (1 - 9/100) = 100/91; the total is 1/(1 - 9/10) = 10,
    # so d(s1) = 10 - 100/91 = 810/91. Normalised by 10: (10/91, 81/91).
    data = collect("argmax", two_state())
    assert data.pairs == (("s0", "go", F(10, 91)), ("s1", "stay", F(81, 91)))
    assert data.total == 1
    assert data.samples is None and data.seed is None
    assert data.teacher == "argmax" and data.objective == "proxy"
    assert data.teacher_calls == 1
    assert data.training_cost == Argmax().run(two_state()).cost.decision
    assert data.train_size == (2, 2)
    assert data.actions == ("stay", "go")


def test_infinite_data_weights_finite_horizon_by_hand() -> None:
    # Horizon 2, proxy. V_1(s0) = max(0, 1/2) = 1/2, V_1(s1) = max(1, 0) = 1.
    # Q_0(s0, go) = 1/2 + 1/10 * 1/2 + 9/10 * 1 = 29/20 > Q_0(s0, stay) = 1/2: go.
    # Q_0(s1, stay) = 1 + 1 = 2 > Q_0(s1, go) = 1/2: stay.
    # P(s_0) = (1, 0), P(s_1) = (1/10, 9/10); d = ((1 + 1/10) / 2, (9/10) / 2) = (11/20, 9/20).
    mdp = two_state().replace(discount=None, horizon=2)
    data = collect("argmax", mdp)
    assert data.pairs == (("s0", "go", F(11, 20)), ("s1", "stay", F(9, 20)))


def test_weights_aggregate_by_observation_and_follow_given_states() -> None:
    # Both states look the same ("o"); the uniform teacher plays 1/2-1/2 everywhere.
    mdp = two_state().replace(observations=["o", "o"])
    data = collect(Uniform(), mdp, states=[F(1, 4), F(3, 4)])
    assert data.pairs == (("o", "stay", F(1, 2)), ("o", "go", F(1, 2)))
    data = collect("argmax", mdp, states={"s0": F(1, 4), "s1": F(3, 4)})
    assert data.pairs == (("o", "stay", F(3, 4)), ("o", "go", F(1, 4)))
    table = frequency_table(data)
    assert table == {"o": {"stay": F(3, 4), "go": F(1, 4)}}


def test_states_that_are_not_a_distribution_are_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"states\['s0'\] is -1/2"):
        collect("argmax", two_state(), states=[F(-1, 2), F(3, 2)])
    with pytest.raises(InvalidArgument, match="states sums to 1/2, not 1"):
        collect("argmax", two_state(), states=[F(1, 4), F(1, 4)])
    with pytest.raises(InvalidArgument, match="unknown state 'x'"):
        collect("argmax", two_state(), states={"x": 1})


@settings(max_examples=30, deadline=None)
@given(exact_mdps())
def test_infinite_data_weights_are_occupancy_times_policy(mdp: FiniteMDP) -> None:
    teacher = Argmax().run(mdp).policy
    d = occupancy_by_sympy(mdp, teacher)
    expected = {
        (mdp.states[s], mdp.actions[a]): d[s] * teacher.probs[s, a]
        for s in range(mdp.S)
        for a in range(mdp.A)
        if d[s] * teacher.probs[s, a] != 0
    }
    data = collect("argmax", mdp)
    assert {(o, a): w for o, a, w in data.pairs} == expected
    assert sum(w for _, _, w in data.pairs) == 1


# -- the infinite-data limit reproduces the teacher ------------------------------------------


def test_reproduces_the_teacher_on_two_state_with_both_states_visited() -> None:
    mdp = two_state().replace(initial=[F(1, 2), F(1, 2)])
    teacher = Argmax().run(mdp)
    result = TabularAmortised().run(mdp)
    assert result.policy == teacher.policy
    for reward in ("proxy", "true"):
        assert (state_values(mdp, result.policy, reward) == state_values(mdp, teacher.policy, reward)).all()
    assert result.info["unseen"] == ()
    assert result.cost == Cost(decision=0, lookups=2, training=teacher.cost.decision, teacher_calls=1, samples=2)


@settings(max_examples=30, deadline=None)
@given(exact_mdps(), st.sampled_from(["uniform", "first"]))
def test_reproduces_the_teacher_when_every_state_is_visited(mdp: FiniteMDP, tie: str) -> None:
    teacher = Argmax(tie=tie)
    expected = teacher.run(mdp).policy
    result = TabularAmortised(teacher=teacher).run(mdp)
    assert result.policy == expected
    assert expected_return(mdp, result.policy, "true") == expected_return(mdp, expected, "true")
    assert result.cost.lookups == mdp.S and result.cost.decision == 0


# -- finite samples ----------------------------------------------------------------------------


def test_samples_are_reproducible_and_counted() -> None:
    mdp = two_state().replace(initial=[F(1, 2), F(1, 2)])
    a = collect(Uniform(), mdp, states=[F(1, 2), F(1, 2)], samples=40, seed=7)
    b = collect(Uniform(), mdp, states=[F(1, 2), F(1, 2)], samples=40, seed=7)
    c = collect(Uniform(), mdp, states=[F(1, 2), F(1, 2)], samples=40, seed=8)
    assert a == b
    assert a.pairs != c.pairs
    assert a.samples == 40 and a.seed == 7 and a.total == 40
    assert all(isinstance(w, int) for _, _, w in a.pairs)
    # The documented draw: all states first, then one uniform number per action.
    rng = np.random.default_rng(7)
    states = rng.choice(2, size=40, p=[0.5, 0.5])
    actions = (rng.random(40) >= 0.5).astype(int)
    counts = {}
    for s, act in zip(states, actions):
        key = (mdp.states[s], mdp.actions[act])
        counts[key] = counts.get(key, 0) + 1
    assert {(o, act): w for o, act, w in a.pairs} == counts


def test_sampled_table_and_policy_are_exact_count_ratios() -> None:
    mdp = two_state().replace(initial=[F(1, 2), F(1, 2)])
    agent = TabularAmortised(teacher=Uniform(), samples=30, seed=3, states=[F(1, 2), F(1, 2)])
    result = agent.run(mdp)
    data = result.info["dataset"]
    per_obs = {o: sum(w for o2, _, w in data.pairs if o2 == o) for o in data.observations}
    for obs, action, w in data.pairs:
        assert result.info["table"][obs][action] == F(w, per_obs[obs])
        s = mdp.observation_labels.index(obs)
        assert result.policy.probs[s, mdp.actions.index(action)] == F(w, per_obs[obs])
    assert result.policy.exact
    assert result.cost.samples == 30
    assert agent.run(mdp).policy == result.policy
    other = TabularAmortised(teacher=Uniform(), samples=30, seed=4, states=[F(1, 2), F(1, 2)]).run(mdp)
    assert other.info["dataset"].pairs != data.pairs


def test_sampled_float_mdp_gives_a_float_policy() -> None:
    mdp = two_state().replace(initial=[F(1, 2), F(1, 2)]).to_float()
    result = TabularAmortised(samples=20, seed=0).run(mdp)
    assert not result.policy.exact
    assert result.policy.probs.tolist() == [[0.0, 1.0], [1.0, 0.0]]


def test_parameters_arrive_from_the_command_line() -> None:
    params = {k: parse_value(v) for k, v in
              [("fallback", "nearest"), ("samples", "200"), ("seed", "0"), ("teacher", "argmax:tie=first")]}
    agent = TabularAmortised(**params)
    assert agent.samples == 200 and agent.seed == 0 and agent.fallback == "nearest"
    assert TabularAmortised(samples=F(200), seed=F(3)).samples == 200
    assert TabularAmortised(samples="12").samples == 12
    result = agent.run(two_state())
    assert result.policy.action_labels() == ("go", "stay")
    assert result.cost.samples == 200


# -- fallbacks on a shifted MDP ----------------------------------------------------------------


def train_mdp() -> FiniteMDP:
    """two_state with observations 'left' (s0) and 'right' (s1) at features 0 and 10; the
    argmax teacher goes in 'left' and stays in 'right'."""
    return two_state().replace(
        observations=["left", "right"], features=[[0.0], [10.0]], initial=[F(1, 2), F(1, 2)]
    )


def shifted_mdp(mid_feature: float = 7.0, features: bool = True) -> FiniteMDP:
    """Three states 'left', 'right' and the unseen 'mid'. In m2 the proxy pays 5 for "go"
    (which leads to m1), so the argmax base goes there."""
    return FiniteMDP(
        states=["m0", "m1", "m2"],
        actions=["stay", "go"],
        transitions=[
            [[1, 0, 0], [0, 1, 0]],
            [[0, 1, 0], [1, 0, 0]],
            [[0, 0, 1], [0, 1, 0]],
        ],
        rewards={"proxy": [[0, 0], [1, 0], [0, 5]], "true": [[0, 0], [1, 0], [0, -5]]},
        initial=[1, 0, 0],
        discount=F(1, 2),
        observations=["left", "right", "mid"],
        features=[[0.0], [10.0], [mid_feature]] if features else None,
    )





def test_fallback_uniform() -> None:
    result = TabularAmortised(train=train_mdp(), fallback="uniform").run(shifted_mdp())
    assert result.policy.probs.tolist() == [[0, 1], [1, 0], [F(1, 2), F(1, 2)]]
    assert result.info["unseen"] == ("m2",)
    assert result.info["fallback"] == {"m2": "uniform"}
    assert result.cost.lookups == 3 and result.cost.decision == 0


def test_fallback_base() -> None:
    base = Argmax()
    result = TabularAmortised(train=train_mdp(), fallback="base", base=base).run(shifted_mdp())
    base_result = base.run(shifted_mdp())
    assert base_result.policy.probs[2].tolist() == [0, 1]
    assert result.policy.probs.tolist() == [[0, 1], [1, 0], [0, 1]]
    assert result.info["fallback"] == {"m2": "base"}
    assert result.cost.decision == base_result.cost.decision > 0
    # A registered name works too; with no unseen observation the base is never run.
    named = TabularAmortised(train=train_mdp(), fallback="base", base="uniform").run(shifted_mdp())
    assert named.policy.probs[2].tolist() == [F(1, 2), F(1, 2)]
    seen = TabularAmortised(train=train_mdp(), fallback="base", base=base).run(train_mdp())
    assert seen.cost.decision == 0 and seen.info["unseen"] == ()


def test_fallback_nearest_by_features() -> None:
    # 'mid' at 7: distance 7 to 'left' (0), 3 to 'right' (10) -> the row of 'right': stay.
    result = TabularAmortised(train=train_mdp(), fallback="nearest").run(shifted_mdp(7.0))
    assert result.policy.probs[2].tolist() == [1, 0]
    assert result.info["nearest"] == {"m2": "right"}
    assert result.cost.lookups == 3 + 2  # one per state + one per distance computed
    # 'mid' at 3: nearest is 'left' -> go.
    assert TabularAmortised(train=train_mdp(), fallback="nearest").run(shifted_mdp(3.0)).policy.probs[2].tolist() == [0, 1]
    # 'mid' at 5: a tie, broken by label order ('left' < 'right') -> go.
    tie = TabularAmortised(train=train_mdp(), fallback="nearest").run(shifted_mdp(5.0))
    assert tie.info["nearest"] == {"m2": "left"}
    assert tie.policy.probs[2].tolist() == [0, 1]


def test_fallback_nearest_needs_features_on_both_mdps() -> None:
    with pytest.raises(InvalidArgument, match="needs features on the MDP"):
        TabularAmortised(train=train_mdp(), fallback="nearest").run(shifted_mdp(features=False))
    bare = train_mdp().replace(features=None)
    with pytest.raises(InvalidArgument, match="needs features on the training MDP"):
        TabularAmortised(train=bare, fallback="nearest").run(shifted_mdp())
    wide = shifted_mdp().replace(features=[[0.0, 1.0], [1.0, 1.0], [2.0, 2.0]])
    with pytest.raises(InvalidArgument, match="features have 2 coordinates"):
        TabularAmortised(train=train_mdp(), fallback="nearest").run(wide)


def test_fallback_error_names_the_observation() -> None:
    with pytest.raises(InvalidArgument, match=r"^observation 'mid' \(state 'm2'\) is not in the training data") as exc:
        TabularAmortised(train=train_mdp(), fallback="error").run(shifted_mdp())
    assert "\n" not in str(exc.value)
    # No unseen observation: no error.
    assert TabularAmortised(train=train_mdp(), fallback="error").run(train_mdp()).info["unseen"] == ()


def test_actions_are_matched_by_label() -> None:
    permuted = shifted_mdp().replace(
        actions=["go", "stay"],
        transitions=[
            [[0, 1, 0], [1, 0, 0]],
            [[1, 0, 0], [0, 1, 0]],
            [[0, 1, 0], [0, 0, 1]],
        ],
        rewards={"proxy": [[0, 0], [0, 1], [5, 0]]},
    )
    result = TabularAmortised(train=train_mdp()).run(permuted)
    assert result.policy.as_dict()["m0"] == {"go": "1"}
    assert result.policy.as_dict()["m1"] == {"stay": "1"}
    other = permuted.replace(actions=["left", "right"])
    with pytest.raises(InvalidArgument, match=r"actions \['left', 'right'\] differ from the training actions"):
        TabularAmortised(train=train_mdp()).run(other)


# -- decision time reads only labels, observations and features --------------------------------


def test_same_observations_different_rewards_and_dynamics_same_policy() -> None:
    a = shifted_mdp()
    b = a.replace(
        transitions=[
            [[0, 0, 1], [F(1, 3), F(1, 3), F(1, 3)]],
            [[1, 0, 0], [0, 0, 1]],
            [[1, 0, 0], [1, 0, 0]],
        ],
        rewards={"proxy": [[9, -9], [-3, 3], [7, 0]], "other": [[1, 1], [1, 1], [1, 1]]},
        initial=[0, 0, 1],
        discount=F(9, 10),
    )
    for fallback in ("uniform", "nearest"):
        agent = TabularAmortised(train=train_mdp(), fallback=fallback)
        assert agent.run(a).policy == agent.run(b).policy


class Sealed(FiniteMDP):
    """A FiniteMDP whose rewards, transitions and initial distribution cannot be read once sealed."""

    _sealed = False
    _exact = True
    _forbidden = frozenset({"transitions", "rewards", "initial", "successors", "discount", "horizon"})

    def __getattribute__(self, name: str):
        if name in Sealed._forbidden and object.__getattribute__(self, "_sealed"):
            raise AssertionError(f"decision time read {name}")
        return object.__getattribute__(self, name)

    @property
    def exact(self) -> bool:  # the kind is metadata, kept readable
        return object.__getattribute__(self, "_exact")


def sealed(mdp: FiniteMDP) -> Sealed:
    out = Sealed(mdp.states, mdp.actions, mdp.transitions, dict(mdp.rewards), mdp.initial,
                 mdp.discount, mdp.horizon, mdp.observations, mdp.features)
    object.__setattr__(out, "_exact", mdp.exact)
    object.__setattr__(out, "_sealed", True)
    return out


def test_decision_time_never_reads_rewards_or_transitions() -> None:
    spy = sealed(shifted_mdp())
    with pytest.raises(AssertionError, match="read transitions"):
        spy.transitions  # noqa: B018 - the spy works
    for fallback in ("uniform", "nearest"):
        agent = TabularAmortised(train=train_mdp(), fallback=fallback)
        assert agent.run(spy).policy == agent.run(shifted_mdp()).policy
    with pytest.raises(InvalidArgument, match="observation 'mid'"):
        TabularAmortised(train=train_mdp(), fallback="error").run(spy)


def test_training_objective() -> None:
    # On this MDP the proxy pays for "go" in m2 and the true reward punishes it.
    mdp = shifted_mdp().replace(initial=[F(1, 3), F(1, 3), F(1, 3)])
    assert TabularAmortised().run(mdp).policy.probs[2].tolist() == [0, 1]
    assert TabularAmortised().run(mdp, "true").policy.probs[2].tolist() == [1, 0]
    assert TabularAmortised(objective="true").run(mdp, "proxy").info["dataset"].objective == "true"


# -- kinds ------------------------------------------------------------------------------------


def test_output_has_the_test_mdps_kind() -> None:
    result = TabularAmortised(train=train_mdp()).run(shifted_mdp().to_float())
    assert not result.policy.exact
    assert result.policy.probs.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
    with pytest.raises(InvalidArgument, match="trained on a float MDP"):
        TabularAmortised(train=train_mdp().to_float()).run(shifted_mdp())


def test_time_dependent_teacher_is_read_at_time_zero() -> None:
    mdp = two_state().replace(discount=None, horizon=2, initial=[F(1, 2), F(1, 2)])
    result = TabularAmortised().run(mdp)
    assert result.policy.stationary
    assert result.policy.probs.tolist() == Argmax().run(mdp).policy.probs[0].tolist()


# -- validation ---------------------------------------------------------------------------


class NonMarkov(BaseAgent):
    name = "non-markov"

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        class Law:
            def expected_return(self, reward: str) -> F:
                return F(0)

        return AgentResult(behaviour=Law(), cost=Cost())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fallback": "nope"}, "fallback is 'nope', not one of 'uniform', 'base', 'nearest', 'error'"),
        ({"fallback": "base"}, "fallback is 'base' but no base agent is given"),
        ({"samples": 0}, "samples is 0, not an integer >= 1"),
        ({"samples": F(1, 2)}, r"samples is Fraction\(1, 2\), not an integer >= 1"),
        ({"seed": -1}, "seed is -1, not an integer >= 0"),
        ({"teacher": 3}, "teacher is 3, not an agent"),
        ({"base": 3.5}, "base is 3.5, not an agent"),
        ({"train": "two_state"}, "train is str, not a FiniteMDP"),
        ({"objective": 1}, "objective is 1, not a reward name"),
    ],
)
def test_bad_arguments(kwargs: dict, message: str) -> None:
    with pytest.raises(InvalidArgument, match=message):
        TabularAmortised(**kwargs)


def test_bad_collect_arguments() -> None:
    with pytest.raises(InvalidArgument, match="seed is None but samples is given"):
        collect("argmax", two_state(), samples=10)
    with pytest.raises(InvalidArgument, match="not a Markov Policy"):
        collect(NonMarkov(), two_state())
    with pytest.raises(InvalidArgument, match="agent 'nope' is not registered"):
        collect("nope", two_state())
    with pytest.raises(InvalidArgument, match="reward 'gold' is not in this MDP"):
        collect("argmax", two_state(), objective="gold")
    with pytest.raises(InvalidArgument, match=r"pairs\[0\] has the action 'jump'"):
        Dataset(pairs=(("s0", "jump", 1),), actions=("stay", "go"), teacher="t", objective="proxy")
    with pytest.raises(InvalidArgument, match=r"pairs\[0\] has the weight -1"):
        Dataset(pairs=(("s0", "go", -1),), actions=("stay", "go"), teacher="t", objective="proxy")


def test_fixed_teacher_is_copied_exactly() -> None:
    mdp = two_state().replace(initial=[F(1, 2), F(1, 2)])
    pi = Policy(probs=[[F(1, 3), F(2, 3)], [F(3, 4), F(1, 4)]], states=mdp.states, actions=mdp.actions)
    assert TabularAmortised(teacher=Fixed(pi)).run(mdp).policy == pi
