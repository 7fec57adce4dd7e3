"""The Agent protocol, results with decision-time cost, and behaviours that are not Markov.

An agent is given a decision problem (a FiniteMDP) and the name of the reward it is told to
pursue (the objective, by default "proxy" when present); it never reads the true reward unless
told to. It returns an :class:`AgentResult`: the behaviour (a :class:`~theory.policy.Policy`,
or a :class:`Behaviour` for non-Markov agents such as the trajectory quantiliser) and its
:class:`Cost`.
"""

from __future__ import annotations

import dataclasses
from typing import Union
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from theory.errors import InvalidArgument
from theory.evaluation import expected_return
from theory.mdp import FiniteMDP
from theory.policy import Policy

__all__ = [
    "add_costs",
    "base_policy",
    "check_base",
    "BaseSpec",
    "Agent",
    "AgentResult",
    "Behaviour",
    "Cost",
    "BaseAgent",
    "behaviour_return",
    "resolve_objective",
]

#: The common unit of decision-time cost: one Q-value evaluation is one Bellman backup of one
#: (state, action) pair, r(s, a) + gamma * sum_s' P(s' | s, a) v(s'); one table lookup is one
#: read of a stored entry. Costs are counted per decision problem (the whole MDP).
COST_UNIT = "Q-value evaluations"


@dataclasses.dataclass(frozen=True)
class Cost:
    """What an agent computed.

    - ``decision``: Q-value evaluations (Bellman backups of one (s, a) pair) done at decision
      time to produce the behaviour on the given MDP.
    - ``lookups``: table lookups done at decision time (amortised agents).
    - ``training``: Q-value evaluations done in training (amortised agents' teachers).
    - ``teacher_calls``: calls of the teacher agent in training; ``samples``: training samples
      (for the infinite-data limit: the number of distinct weighted pairs).
    """

    decision: int = 0
    lookups: int = 0
    training: int = 0
    teacher_calls: int = 0
    samples: int = 0

    @property
    def decision_total(self) -> int:
        """Decision-time work in one unit: Q-value evaluations plus table lookups."""
        return self.decision + self.lookups


@runtime_checkable
class Behaviour(Protocol):
    """What a non-Markov agent induces on one MDP, evaluated exactly.

    It must give its expected return under any named reward of the MDP it was computed on.
    """

    def expected_return(self, reward: str) -> Fraction | float:
        """Expected return under the reward called ``reward``."""
        ...


@dataclasses.dataclass(frozen=True)
class AgentResult:
    """The behaviour an agent chose on an MDP, its cost and solver details in ``info``."""

    behaviour: Policy | Behaviour
    cost: Cost
    info: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def policy(self) -> Policy:
        """The Markov policy (an error for a non-Markov behaviour)."""
        if not isinstance(self.behaviour, Policy):
            raise TypeError(f"{type(self.behaviour).__name__} is not a Markov policy")
        return self.behaviour


@runtime_checkable
class Agent(Protocol):
    """The one agent interface: ``run(mdp, objective) -> AgentResult``.

    ``policy(mdp, objective)`` is the behaviour alone.
    """

    name: str

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Choose a behaviour on ``mdp`` that pursues the reward ``objective``."""
        ...

    def policy(self, mdp: FiniteMDP, objective: str | None = None) -> Policy | Behaviour:
        """The behaviour of :meth:`run`."""
        ...


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
        if isinstance(base, str):
            from agents.registry import get  # lazily: the registry imports the agent modules

            agent = get(base)
        else:
            agent = base
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
