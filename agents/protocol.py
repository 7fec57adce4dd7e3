"""The Agent protocol and what an agent returns: its behaviour, with its decision-time cost.

An agent is given a decision problem (a FiniteMDP) and the name of the reward it is told to
pursue (the objective, by default "proxy" when present); it never reads the true reward unless
told to. It returns an :class:`AgentResult`: the behaviour (a :class:`~theory.policy.Policy`,
or a :class:`Behaviour` for non-Markov agents such as the trajectory quantiliser) and its
:class:`Cost`.

This module is the bottom of the agents package: it imports no agent module, so that both
:mod:`agents.registry` (which stores factories of Agents) and :mod:`agents.base` (whose
:func:`~agents.base.base_policy` resolves a base agent by name through the registry) build on
it without importing each other. :mod:`agents.base` re-exports its names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from theory.mdp import FiniteMDP
from theory.policy import Policy

__all__ = ["COST_UNIT", "Cost", "Behaviour", "AgentResult", "Agent"]

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
