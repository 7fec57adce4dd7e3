"""What the agent families share: :class:`BaseAgent`, the objective, returns, base policies.

The Agent protocol and its results (:class:`Agent`, :class:`AgentResult`, :class:`Behaviour`,
:class:`Cost`) live in :mod:`agents.protocol` and are re-exported here. Layering inside the
package: :mod:`agents.protocol` (imports no agent module) <- :mod:`agents.registry` (the table
of agent factories and the SPEC language) <- this module (:func:`base_policy` resolves a base
agent given by name through :func:`agents.registry.get`) <- the agent families <- the package
``__init__``, which registers them. No two of these import each other.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Union

from agents.protocol import Agent, AgentResult, Behaviour, Cost
from agents.registry import get
from theory.errors import InvalidArgument
from theory.evaluation import expected_return
from theory.mdp import FiniteMDP
from theory.policy import Policy

__all__ = [
    "add_costs",
    "base_policy",
    "check_base",
    "check_agent",
    "BaseSpec",
    "Agent",
    "AgentResult",
    "Behaviour",
    "Cost",
    "BaseAgent",
    "behaviour_return",
    "resolve_objective",
]


class BaseAgent:
    """Convenience base: subclasses implement :meth:`run`; ``policy`` is derived."""

    name: str = "agent"

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:  # pragma: no cover
        raise NotImplementedError

    def policy(self, mdp: FiniteMDP, objective: str | None = None) -> Policy | Behaviour:
        """The behaviour chosen on ``mdp`` for ``objective``."""
        return self.run(mdp, objective).behaviour

    def __repr__(self) -> str:
        fields = getattr(self, "__dataclass_fields__", {})
        params = ", ".join(f"{k}={getattr(self, k)!r}" for k in fields if k != "name")
        return f"{type(self).__name__}({params})"


def resolve_objective(mdp: FiniteMDP, objective: str | None) -> str:
    """The reward an agent pursues: ``objective`` if given (checked), else "proxy" when
    present, else the only reward.

    >>> from theory.examples import two_state
    >>> resolve_objective(two_state(), None)
    'proxy'
    """
    if objective is None:
        return mdp.default_objective()
    mdp.reward(objective)
    return objective


def behaviour_return(mdp: FiniteMDP, behaviour: Policy | Behaviour, reward: str) -> Fraction | float:
    """Expected return of a Policy or a Behaviour under ``reward`` on ``mdp`` (a float
    policy on an exact MDP is evaluated in floats).

    >>> from theory.examples import two_state
    >>> behaviour_return(two_state(), Policy.uniform(two_state()), "true")
    Fraction(405, 191)
    """
    if isinstance(behaviour, Policy):
        if behaviour.exact != mdp.exact:  # a float policy (e.g. Boltzmann) on an exact MDP
            return expected_return(mdp.to_float(), behaviour.to_float(), reward)
        return expected_return(mdp, behaviour, reward)
    return behaviour.expected_return(reward)


#: How a base policy is named: None (uniform), a registered agent name or SPEC, an Agent, or a
#: Policy used as it is.
BaseSpec = Union[None, str, Agent, Policy]


def add_costs(*costs: Cost) -> Cost:
    """Field-wise sum of costs (an agent that runs a base agent pays for it too).

    >>> add_costs(Cost(decision=4), Cost(decision=1, lookups=2))
    Cost(decision=5, lookups=2, training=0, teacher_calls=0, samples=0)
    """
    return Cost(**{f.name: sum(getattr(c, f.name) for c in costs) for f in dataclasses.fields(Cost)})


def check_base(base: object) -> None:
    """Raise InvalidArgument unless ``base`` is None, a name/SPEC, an Agent or a Policy."""
    if base is None or isinstance(base, (str, Policy)) or callable(getattr(base, "run", None)):
        return
    raise InvalidArgument(f"base is {base!r}, not None, a registered agent name, an Agent or a Policy")


def check_agent(value: object, field: str) -> None:
    """Raise InvalidArgument unless ``value`` is an Agent (has ``run``) or a name/SPEC string.

    >>> check_agent("argmax", "teacher")
    >>> check_agent(3, "teacher")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: teacher is 3, not an agent or a registered agent name
    """
    if not isinstance(value, str) and not callable(getattr(value, "run", None)):
        raise InvalidArgument(f"{field} is {value!r}, not an agent or a registered agent name")


def base_policy(mdp: FiniteMDP, objective: str, base: BaseSpec) -> tuple[Policy, Cost]:
    """The base policy :math:`\\pi_0` of a quantilising, sampling or regularised agent, and
    what it cost.

    ``None``: the uniform policy (free). A string: a registered agent name or SPEC, resolved
    through :func:`agents.registry.get` and run on ``mdp`` for ``objective``. An Agent: run on
    ``mdp``. A Policy: used as it is (free). The base must be a Markov
    :class:`~theory.policy.Policy` over the MDP's labels (stationary, or (H, S, A) for the MDP's
    horizon); an exact policy on a float MDP is converted to float.

    >>> from theory.examples import two_state
    >>> pi, cost = base_policy(two_state(), "proxy", "argmax")
    >>> pi.action_labels(), cost.decision
    (('go', 'stay'), 4)
    """
    check_base(base)
    if base is None:
        return Policy.uniform(mdp), Cost()
    if isinstance(base, Policy):
        pi, cost, label = base, Cost(), "policy"
    else:
        agent = get(base) if isinstance(base, str) else base
        result = agent.run(mdp, objective)
        pi, cost = result.behaviour, result.cost
        label = base if isinstance(base, str) else getattr(base, "name", type(base).__name__)
    if not isinstance(pi, Policy):
        raise InvalidArgument(f"base agent {label!r} returned a {type(pi).__name__}, not a Markov Policy")
    if pi.states != mdp.states or pi.actions != mdp.actions:
        raise InvalidArgument(f"base {label!r} is a policy over other states or actions")
    if not pi.stationary and pi.probs.shape[0] != mdp.horizon:
        raise InvalidArgument(f"base {label!r} is a time-dependent policy that does not fit the horizon {mdp.horizon}")
    if pi.exact and not mdp.exact:
        pi = pi.to_float()
    return pi, cost
