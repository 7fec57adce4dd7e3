"""Properties every registered agent must have, checked over generated MDPs: a new agent is
included automatically by registering it."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import agents
from agents.base import AgentResult, behaviour_return
from property_tests.strategies import finite_mdps
from theory.metrics import optimal_return
from theory.policy import Policy

#: Agents that are not Markov policies on every MDP kind, with the MDPs they accept.
FINITE_HORIZON_ONLY = {"trajectory-quantiliser"}
DISCOUNTED_ONLY = {"quantilal"}
DISCOUNTED = [n for n in agents.names() if n not in FINITE_HORIZON_ONLY]

deterministic_points = finite_mdps(max_states=3, max_actions=2, horizon=st.integers(1, 3), denominators=(1,))


@pytest.mark.parametrize("name", DISCOUNTED)
@settings(max_examples=40, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3))
def test_no_agent_beats_argmax_on_its_own_objective(name, mdp):
    """J_proxy(agent) <= J_proxy(argmax) = the optimum (floats: within 1e-9)."""
    result = agents.get(name).run(mdp, "proxy")
    assert isinstance(result, AgentResult)
    j = behaviour_return(mdp, result.behaviour, "proxy")
    best = optimal_return(mdp, "proxy")
    if isinstance(j, float):
        assert j <= float(best) + 1e-9 * (1 + abs(float(best)))
    else:
        assert j <= best


@pytest.mark.parametrize("name", [n for n in agents.names() if n not in DISCOUNTED_ONLY])
@settings(max_examples=30, deadline=None)
@given(mdp=deterministic_points)
def test_no_agent_beats_argmax_with_deterministic_dynamics(name, mdp):
    """With integer (0/1) transitions and a point initial state there is no luck to select,
    so even the trajectory quantiliser stays at or below the optimum."""
    if mdp.initial.tolist().count(1) != 1:
        mdp = mdp.replace(initial=[1] + [0] * (mdp.S - 1))
    j = behaviour_return(mdp, agents.get(name).run(mdp, "proxy").behaviour, "proxy")
    assert float(j) <= float(optimal_return(mdp, "proxy")) + 1e-9


@pytest.mark.parametrize("name", DISCOUNTED)
@settings(max_examples=20, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3))
def test_agents_return_the_kind_they_are_given(name, mdp):
    """Exact MDP -> exact policy (the soft optimisers, documented exceptions, return floats for
    beta > 0); cost fields are non-negative integers."""
    result = agents.get(name).run(mdp, "proxy")
    if isinstance(result.behaviour, Policy) and name not in ("boltzmann", "kl-regularised"):
        assert result.behaviour.exact
    for field in ("decision", "lookups", "training", "teacher_calls", "samples"):
        value = getattr(result.cost, field)
        assert isinstance(value, (int, np.integer)) and value >= 0


@pytest.mark.parametrize("name", DISCOUNTED)
@settings(max_examples=25, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3, disabled=True))
def test_agents_respect_the_action_sets(name, mdp):
    """On models where some actions are disabled, no agent puts probability on one (its
    policy is evaluated, which refuses such mass) and none beats the argmax over the enabled
    actions."""
    result = agents.get(name).run(mdp, "proxy")
    if isinstance(result.behaviour, Policy):
        assert not np.any((result.behaviour.probs != 0) & ~mdp.enabled)
    j = behaviour_return(mdp, result.behaviour, "proxy")
    best = optimal_return(mdp, "proxy")
    assert float(j) <= float(best) + 1e-9 * (1 + abs(float(best)))


@pytest.mark.parametrize("name", [n for n in agents.names() if n not in DISCOUNTED_ONLY])
@settings(max_examples=15, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3, horizon=st.integers(1, 3), denominators=(1,), disabled=True))
def test_agents_respect_the_action_sets_over_a_horizon(name, mdp):
    """The same over finite horizons with deterministic dynamics and a point initial state
    (where even the trajectory quantiliser cannot beat the optimum)."""
    mdp = mdp.replace(initial=[1] + [0] * (mdp.S - 1))
    result = agents.get(name).run(mdp, "proxy")
    if isinstance(result.behaviour, Policy):
        assert not np.any((result.behaviour.probs != 0) & ~mdp.enabled)
    j = behaviour_return(mdp, result.behaviour, "proxy")
    assert float(j) <= float(optimal_return(mdp, "proxy")) + 1e-9
