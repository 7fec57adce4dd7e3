"""Any registered agent can be the teacher of the amortised lookup table (behaviour cloning):
the amortised quantiliser equals the quantiliser on every state its training distribution
visits, a time-dependent teacher is cloned by the law of its actions at each state, and a
property over generated MDPs and every registered agent name."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agents
from agents import TabularAmortised, TimestepQuantiliser
from agents.direct import Fixed
from environments import lava_train
from property_tests.strategies import finite_mdps
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, normalised_state_occupancy
from theory.examples import two_state
from theory.policy import Policy

#: Teachers that need parameters on models without features (the generated ones).
PARAMS = {"softmax-linear": {"features": "one-hot"}, "knn": {"features": "one-hot"}}
#: Teachers that refuse a kind of model: name -> (discounted refused, finite horizon refused).
REFUSES = {"trajectory-quantiliser": (True, True), "quantilal": (False, True)}


def markov(behaviour) -> Policy:
    """The teacher's Markov policy (a policy quantiliser's mixture through its occupancy twin)."""
    return behaviour if isinstance(behaviour, Policy) else behaviour.markov_policy()


def visited(mdp, policy) -> list[int]:
    mdp = mdp if policy.exact == mdp.exact else mdp.to_float()
    return [s for s, d in enumerate(normalised_state_occupancy(mdp, policy)) if d != 0]


def rows_equal(a, b, exact: bool) -> bool:
    if exact:
        return list(a) == list(b)
    return bool(np.allclose(np.array(a, dtype=float), np.array(b, dtype=float), atol=1e-12))


# -- hand examples --------------------------------------------------------------------------


def test_amortised_quantiliser_by_hand() -> None:
    # TimestepQuantiliser(3/4) on two_state: s0 stay 1/3, go 2/3; s1 stay 2/3, go 1/3 (its doctest)
    teacher = TimestepQuantiliser(F(3, 4))
    clone = TabularAmortised(teacher=teacher).run(two_state())
    assert clone.policy.as_dict() == {"s0": {"stay": "1/3", "go": "2/3"}, "s1": {"stay": "2/3", "go": "1/3"}}
    assert clone.info["unseen"] == ()


def test_amortised_quantiliser_on_lava_train() -> None:
    train = lava_train()
    for q in (F(1, 4), F(1, 2), F(9, 10)):
        teacher = TimestepQuantiliser(q)
        direct = teacher.run(train, "true").policy
        clone = TabularAmortised(teacher=teacher, objective="true").run(train, "true").policy
        seen = visited(train, direct)
        assert len(seen) > 10
        assert all(clone.probs[s].tolist() == direct.probs[s].tolist() for s in seen)
        # same law on the visited states, so the same trajectories: the same return, exactly
        assert expected_return(train, clone, "true") == expected_return(train, direct, "true")


def test_time_dependent_teacher_is_cloned_by_its_action_law_at_each_state() -> None:
    # horizon 2 from s0: t=0 s0 "go" (to s0 w.p. 1/10, s1 w.p. 9/10); t=1 s0 "stay", s1 "go".
    # At s0: go with weight 1 (t=0), stay with 1/10 (t=1): go 10/11, stay 1/11; s1 is only seen at
    # t=1, where it goes (the time-0 row would say "stay").
    mdp = two_state().replace(discount=None, horizon=2)
    steps = [[[0, 1], [1, 0]], [[1, 0], [0, 1]]]
    teacher = Fixed(Policy(np.array(steps, dtype=object) * F(1), mdp.states, mdp.actions))
    result = TabularAmortised(teacher=teacher).run(mdp)
    assert result.policy.probs.tolist() == [[F(1, 11), F(10, 11)], [0, 1]]
    assert result.info["dataset"].pairs == (("s0", "stay", F(1, 20)), ("s0", "go", F(1, 2)), ("s1", "go", F(9, 20)))


def test_soft_teachers_give_float_clones_equal_to_them() -> None:
    for name in ("boltzmann", "kl-regularised"):
        direct = agents.get(name).run(two_state()).policy
        clone = TabularAmortised(teacher=name).run(two_state()).policy
        assert not clone.exact and np.allclose(clone.probs, direct.probs, atol=1e-12)


def test_policy_quantiliser_teaches_its_occupancy_twin() -> None:
    mixture = agents.get("policy-quantiliser", q=F(1, 2)).run(two_state()).behaviour
    clone = TabularAmortised(teacher="policy-quantiliser:q=1/2").run(two_state()).policy
    assert expected_return(two_state(), clone, "true") == mixture.expected_return("true")


def test_teachers_that_cannot_teach_say_so_in_one_line() -> None:
    horizon = two_state().replace(discount=None, horizon=2)
    with pytest.raises(InvalidArgument, match=r"^teacher 'trajectory-quantiliser' returned a "
                                              r"TrajectoryQuantilisation, not a Markov Policy"):
        TabularAmortised(teacher="trajectory-quantiliser").run(horizon)
    with pytest.raises(InvalidArgument, match=r"^teacher 'quantilal': the quantilal LP needs a discounted MDP"):
        TabularAmortised(teacher="quantilal").run(horizon)


# -- properties over generated MDPs and every registered agent --------------------------------


def teacher_of(name: str):
    return agents.get(name, **PARAMS.get(name, {}))


@pytest.mark.parametrize("name", agents.names())
@settings(max_examples=8, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=2))
def test_every_registered_agent_teaches_on_discounted_models(name, mdp) -> None:
    if REFUSES.get(name, (False, False))[0]:
        with pytest.raises(InvalidArgument, match=f"^teacher {name!r}"):
            TabularAmortised(teacher=teacher_of(name)).run(mdp)
        return
    direct = markov(teacher_of(name).run(mdp, "proxy").behaviour)
    clone = TabularAmortised(teacher=teacher_of(name)).run(mdp, "proxy").policy
    assert clone.exact == direct.exact
    assert all(rows_equal(clone.probs[s], direct.probs[s], direct.exact) for s in visited(mdp, direct))
    j_clone, j_direct = (expected_return(mdp if p.exact else mdp.to_float(), p, "true") for p in (clone, direct))
    assert j_clone == j_direct if direct.exact else abs(j_clone - j_direct) < 1e-9


def action_law(mdp, policy: Policy) -> dict[int, list]:
    """sum_t P(s_t = s, a_t = a) / sum_t P(s_t = s), by a forward pass, for the visited s."""
    p = list(mdp.initial)
    mass = [[F(0)] * mdp.A for _ in range(mdp.S)]
    for t in range(mdp.horizon):
        pi = policy.at(t)
        nxt = [F(0)] * mdp.S
        for s in range(mdp.S):
            for a in range(mdp.A):
                mass[s][a] += p[s] * pi[s, a]
                for s2 in range(mdp.S):
                    nxt[s2] += p[s] * pi[s, a] * mdp.transitions[s, a, s2]
        p = nxt
    return {s: [m / sum(row) for m in row] for s, row in enumerate(mass) if sum(row) != 0}


@pytest.mark.parametrize("name", ["argmax", "quantiliser", "uniform", "best-of-n", "lookahead", "policy-quantiliser"])
@settings(max_examples=30, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=2, horizon=st.integers(1, 3)))
def test_time_dependent_teachers_on_finite_horizons(name, mdp) -> None:
    direct = markov(agents.get(name).run(mdp, "proxy").behaviour)
    clone = TabularAmortised(teacher=name).run(mdp, "proxy").policy
    assert clone.stationary
    for s, row in action_law(mdp, direct).items():
        assert clone.probs[s].tolist() == row


# -- mutation-testing additions (bench/mutation.py, "Issue 14's agents") ---------------------


def test_a_state_the_time_dependent_teacher_never_visits_gets_its_time_0_row() -> None:
    # horizon 2 from s0, the teacher stays in s0 at both steps, so it never visits s1; its rows at
    # s1 are "stay" at t = 0 and "go" at t = 1. Trained on both states (1/2 each), the clone plays
    # the time-0 row "stay" at s1, and the action law "stay" at s0.
    mdp = two_state().replace(discount=None, horizon=2)
    steps = [[[1, 0], [1, 0]], [[1, 0], [0, 1]]]
    teacher = Fixed(Policy(np.array(steps, dtype=object) * F(1), mdp.states, mdp.actions))
    from agents.training import teacher_rows

    assert teacher_rows(mdp, teacher.run(mdp).policy).tolist() == [[1, 0], [1, 0]]
    clone = TabularAmortised(teacher=teacher, states={"s0": F(1, 2), "s1": F(1, 2)}).run(mdp)
    assert clone.policy.probs.tolist() == [[1, 0], [1, 0]]


def test_a_soft_time_dependent_teacher_is_cloned_by_its_float_action_law() -> None:
    # Boltzmann on a horizon-2 model: a float (H, S, A) policy on an exact MDP; its action law at
    # each state by the forward pass of action_law (exact transitions times float probabilities)
    mdp = two_state().replace(discount=None, horizon=2)
    direct = agents.get("boltzmann").run(mdp).policy
    clone = TabularAmortised(teacher="boltzmann").run(mdp).policy
    law = action_law(mdp, direct)
    assert not clone.exact and sorted(law) == [0, 1]
    assert all(np.allclose(clone.probs[s].astype(float), np.array(row, dtype=float), atol=1e-12)
               for s, row in law.items())


def test_an_amortised_teacher_counts_its_own_training_in_the_dataset_cost() -> None:
    # the clone of the argmax was trained by one argmax run on two_state (4 Q-value evaluations,
    # run_teacher's doctest) and decides by lookups (decision 0): a dataset it labels costs 0 + 4
    from agents.training import collect

    assert collect(TabularAmortised(teacher="argmax"), two_state()).training_cost == 4
