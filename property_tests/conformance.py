"""The agent conformance check: the properties every agent must have, on generated MDPs.

Every registered agent is held to these clauses (``tests/test_agents_common.py`` runs them on
the whole registry), and :func:`check_agent` holds a user's agent to them
(``deconfuse check-agent my_agent.py::MyAgent``):

- in every clause, ``run(mdp, "proxy")`` must return an :class:`~agents.protocol.AgentResult`;
  anything else, or an exception, is an error verdict of that clause;
- ``never_beats_argmax``: on discounted models, its expected return under its own objective is
  at most the optimum, :math:`J_{proxy}(\\pi) \\le \\max_{\\pi'} J_{proxy}(\\pi')` (exact
  comparison on exact returns; floats within 1e-9 relative);
- ``never_beats_argmax_deterministic``: the same over finite horizons 1..3 with 0/1 transitions
  and a point initial state (no luck to select, so even a trajectory quantiliser stays below);
- ``exact_in_exact_out``: an exact MDP gives an exact policy (soft optimisers, which return
  floats for beta > 0, are exempt with ``exact=False``);
- ``costs_are_counted``: every :class:`~agents.protocol.Cost` field is a non-negative int;
- ``respects_action_sets`` and ``respects_action_sets_over_a_horizon``: on models with disabled
  actions no probability goes to one and the optimum over the enabled actions is not beaten.

Each clause is a :class:`~property_tests.declare.Conjecture` checked by
:func:`property_tests.checking.check`, so a failing clause comes with its Hypothesis-shrunk,
then reduced, minimal model. ``discounted=False`` (an agent for finite horizons only) or
``finite_horizon=False`` (discounted only) leaves out the clauses over the other kind.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import strategies as st

from agents.base import AgentResult, behaviour_return
from agents.protocol import Agent
from property_tests.checking import Verdict, check
from property_tests.declare import Conjecture, claim, theorem
from property_tests.strategies import finite_mdps
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return
from theory.policy import Policy

__all__ = ["Conformance", "agent_clauses", "check_agent", "CLAUSES"]

#: The clause names, in the order they are checked.
CLAUSES = ("never_beats_argmax", "never_beats_argmax_deterministic", "exact_in_exact_out", "costs_are_counted",
           "respects_action_sets", "respects_action_sets_over_a_horizon")

_DISCOUNTED = finite_mdps(max_states=3, max_actions=3)
_DETERMINISTIC = finite_mdps(max_states=3, max_actions=2, horizon=st.integers(1, 3), denominators=(1,))
_DISABLED = finite_mdps(max_states=3, max_actions=3, disabled=True)
_DISABLED_HORIZON = finite_mdps(max_states=3, max_actions=3, horizon=st.integers(1, 3), denominators=(1,),
                                disabled=True)


def _run(agent: Agent, mdp: FiniteMDP) -> AgentResult:
    result = agent.run(mdp, "proxy")
    if not isinstance(result, AgentResult):
        raise TypeError(f"run returned {type(result).__name__}, not an AgentResult")
    return result


def _point(mdp: FiniteMDP) -> FiniteMDP:
    """``mdp`` started in its first state."""
    return mdp.replace(initial=[1] + [0] * (mdp.S - 1))


def _at_most_optimum(mdp: FiniteMDP, behaviour: Any) -> bool:
    j, best = behaviour_return(mdp, behaviour, "proxy"), optimal_return(mdp, "proxy")
    if isinstance(j, float) or isinstance(best, float):
        return bool(float(j) <= float(best) + 1e-9 * (1 + abs(float(best))))
    return bool(j <= best)


def _clause_fns(agent: Agent) -> dict[str, tuple[str, Any, int, Callable[[FiniteMDP], bool]]]:
    """name -> (statement, strategy, examples, check of one MDP)."""

    def beats(mdp: FiniteMDP) -> bool:
        b = _run(agent, mdp).behaviour
        return claim(_at_most_optimum(mdp, b), agent=behaviour_return(mdp, b, "proxy"),
                     optimum=optimal_return(mdp, "proxy"))

    def beats_deterministic(mdp: FiniteMDP) -> bool:
        return beats(_point(mdp))

    def exact(mdp: FiniteMDP) -> bool:
        b = _run(agent, mdp).behaviour
        return claim(not isinstance(b, Policy) or b.exact, policy_dtype=str(getattr(b, "probs", np.array(0)).dtype))

    def costs(mdp: FiniteMDP) -> bool:
        cost = _run(agent, mdp).cost
        bad = {f.name: getattr(cost, f.name) for f in dataclasses.fields(cost)
               if not isinstance(getattr(cost, f.name), (int, np.integer)) or isinstance(getattr(cost, f.name), bool)
               or getattr(cost, f.name) < 0}
        return claim(not bad, **bad)

    def action_sets(mdp: FiniteMDP) -> bool:
        b = _run(agent, mdp).behaviour
        if isinstance(b, Policy):
            mass = float(np.sum(np.where(~mdp.enabled, b.probs.astype(float), 0.0)))
            if mass:
                return claim(False, mass_on_disabled_actions=mass)
        return beats(mdp)

    def action_sets_horizon(mdp: FiniteMDP) -> bool:
        return action_sets(_point(mdp))

    return {
        "never_beats_argmax": ("J_proxy(agent) <= J_proxy(argmax) on discounted models", _DISCOUNTED, 40, beats),
        "never_beats_argmax_deterministic": ("J_proxy(agent) <= the optimum over finite horizons with "
                                             "deterministic dynamics and a point start", _DETERMINISTIC, 30,
                                             beats_deterministic),
        "exact_in_exact_out": ("an exact MDP gives an exact policy", _DISCOUNTED, 20, exact),
        "costs_are_counted": ("every cost field is a non-negative int", _DISCOUNTED, 20, costs),
        "respects_action_sets": ("no mass on disabled actions; the optimum over enabled ones is not beaten",
                                 _DISABLED, 25, action_sets),
        "respects_action_sets_over_a_horizon": ("the same over finite horizons with deterministic dynamics",
                                                _DISABLED_HORIZON, 15, action_sets_horizon),
    }


_FINITE = {"never_beats_argmax_deterministic", "respects_action_sets_over_a_horizon"}
_DISCOUNTED_CLAUSES = {"never_beats_argmax", "exact_in_exact_out", "costs_are_counted", "respects_action_sets"}


def agent_clauses(agent: Agent, *, discounted: bool = True, finite_horizon: bool = True,
                  exact: bool = True) -> list[Conjecture]:
    """The clauses of the conformance check for ``agent``, as theorems over generated MDPs
    (named as in :data:`CLAUSES`), without the discounted or finite-horizon ones when told, and
    without ``exact_in_exact_out`` for ``exact=False``."""
    out = []
    for name, (statement, strategy, examples, fn) in _clause_fns(agent).items():
        if (name in _FINITE and not finite_horizon) or (name in _DISCOUNTED_CLAUSES and not discounted) \
                or (name == "exact_in_exact_out" and not exact):
            continue
        declared = theorem(statement, examples=examples, mdp=strategy)(fn)
        out.append(dataclasses.replace(declared, name=name, source=f"conformance of {getattr(agent, 'name', '?')}"))
    return out


@dataclasses.dataclass(frozen=True)
class Conformance:
    """The verdicts of the conformance check of one agent, one per clause."""

    agent: str
    verdicts: tuple[Verdict, ...]

    @property
    def passed(self) -> bool:
        """Whether every clause holds."""
        return all(v.verdict == "holds" for v in self.verdicts)

    @property
    def failures(self) -> tuple[Verdict, ...]:
        """The clauses that failed (refuted, or an error of the agent)."""
        return tuple(v for v in self.verdicts if v.verdict != "holds")


def check_agent(agent: Any, examples: int | None = None, seed: int = 0, *, discounted: bool = True,
                finite_horizon: bool = True, exact: bool = True) -> Conformance:
    """Check ``agent`` (an Agent, or a class made with no arguments) against every clause of
    :data:`CLAUSES` on ``examples`` generated MDPs each (default: each clause's own count), with
    a Hypothesis ``seed``.

    >>> from agents import Argmax
    >>> result = check_agent(Argmax, examples=5)
    >>> result.passed, [v.conjecture.name for v in result.verdicts][:2]
    (True, ['never_beats_argmax', 'never_beats_argmax_deterministic'])
    """
    if inspect.isclass(agent):
        agent = agent()
    if not callable(getattr(agent, "run", None)):
        raise InvalidArgument(f"agent is {agent!r}, not an Agent (no run(mdp, objective))")
    clauses = agent_clauses(agent, discounted=discounted, finite_horizon=finite_horizon, exact=exact)
    return Conformance(getattr(agent, "name", type(agent).__name__),
                       tuple(check(c, examples=examples, seed=seed) for c in clauses))
