"""Properties every registered agent must have, checked over generated MDPs: a new agent is
included automatically by registering it. The clauses are those of the public conformance
check, :func:`property_tests.conformance.check_agent` (``deconfuse check-agent``)."""

from __future__ import annotations

import pytest

import agents
from property_tests.engine import describe_counterexample
from property_tests.conformance import check_agent

#: Agents that are not Markov policies on every MDP kind, with the MDPs they accept.
FINITE_HORIZON_ONLY = {"trajectory-quantiliser"}
DISCOUNTED_ONLY = {"quantilal"}
#: The soft optimisers return float policies for beta > 0, the softmax-linear policy for every
#: fit (documented).
FLOAT_OUTPUT = {"boltzmann", "kl-regularised", "softmax-linear"}
#: The feature policies refuse MDPs without features (the generated ones have none) unless told
#: to encode observations one-hot.
PARAMS = {"softmax-linear": {"features": "one-hot"}, "knn": {"features": "one-hot"}}


@pytest.mark.parametrize("name", agents.names())
def test_every_registered_agent_conforms(name):
    result = check_agent(agents.get(name, **PARAMS.get(name, {})), discounted=name not in FINITE_HORIZON_ONLY,
                         finite_horizon=name not in DISCOUNTED_ONLY, exact=name not in FLOAT_OUTPUT)
    failures = [f"{v.line()}\n{describe_counterexample(v)}" for v in result.failures]
    assert result.passed, "\n".join(failures)
