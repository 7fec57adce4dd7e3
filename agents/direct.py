"""The direct (argmax) optimiser and the trivial agents: Uniform (the base policy) and Fixed."""

from __future__ import annotations

import dataclasses

from agents.base import AgentResult, BaseAgent, Cost, resolve_objective
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import ARGMAX_TIES, TieRule, solve, value_iteration
from theory.validation import check_tie

__all__ = ["Argmax", "Uniform", "Fixed", "planning_cost"]


def planning_cost(mdp: FiniteMDP, iterations: int) -> int:
    """Q-value evaluations of a planner that backs up every (s, a) pair ``iterations`` times."""
    return iterations * mdp.S * mdp.A


@dataclasses.dataclass(frozen=True, repr=False)
class Argmax(BaseAgent):
    """The direct optimiser: an exact argmax of the objective, computed at decision time.

    Discounted MDPs: Howard's policy iteration (exact on exact input); finite horizons:
    backward induction. Value iteration reports its error bound in ``info["error_bound"]``.

    Decision-time cost: every policy-iteration sweep (or value-iteration sweep, or backward
    induction step) backs up all S*A pairs, so cost = iterations * S * A Q-value evaluations.
    (The exact linear solve of each evaluation step is not counted in this unit.)

    Source: Howard (1960), *Dynamic Programming and Markov Processes*; Puterman (1994).

    Parameters
    ----------
    tie
        "uniform": uniform over the exact argmax set of every state; "first": its first action
        in label order.
    method
        "exact" (policy iteration), or "value-iteration": float value iteration to
        ``tolerance`` (float MDPs only).
    tolerance
        Stopping tolerance of value iteration (unused by the exact method).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = Argmax().run(two_state())
    >>> result.info["argmax"], result.cost.decision
    ((('go',), ('stay',)), 4)
    """

    tie: TieRule = "uniform"
    method: str = "exact"
    tolerance: float = 1e-8
    name: str = "argmax"

    def __post_init__(self) -> None:
        check_tie(self.tie, ARGMAX_TIES)
        if self.method not in ("exact", "value-iteration"):
            raise InvalidArgument(f"method is {self.method!r}, not 'exact' or 'value-iteration'")

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Solve ``mdp`` for ``objective`` and return the optimal policy."""
        objective = resolve_objective(mdp, objective)
        if self.method == "value-iteration":
            sol = value_iteration(mdp, objective, tolerance=self.tolerance, tie=self.tie)
        else:
            sol = solve(mdp, objective, tie=self.tie)
        return AgentResult(
            behaviour=sol.policy,
            cost=Cost(decision=planning_cost(mdp, sol.iterations)),
            info={"solution": sol, "argmax": sol.argmax, "values": sol.values,
                  "error_bound": sol.error_bound, "objective": objective},
        )


@dataclasses.dataclass(frozen=True, repr=False)
class Uniform(BaseAgent):
    """The base policy: every action with probability 1/A in every state (no optimisation).

    >>> from theory.examples import two_state
    >>> Uniform().policy(two_state()).probs[0].tolist()
    [Fraction(1, 2), Fraction(1, 2)]
    """

    name: str = "uniform"

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The uniform policy; zero decision-time cost."""
        return AgentResult(behaviour=Policy.uniform(mdp), cost=Cost())


@dataclasses.dataclass(frozen=True, repr=False)
class Fixed(BaseAgent):
    """An agent that always plays a given policy (checked against the MDP it is run on).

    >>> from theory.examples import two_state
    >>> pi = Policy.deterministic(two_state(), ["go", "stay"])
    >>> Fixed(pi).policy(two_state()) == pi
    True
    """

    fixed: Policy = None  # type: ignore[assignment]
    name: str = "fixed"

    def __post_init__(self) -> None:
        if not isinstance(self.fixed, Policy):
            raise InvalidArgument(f"policy is {self.fixed!r}, not a Policy")

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The fixed policy; one lookup per state at decision time."""
        self.fixed.check_fits(mdp)
        return AgentResult(behaviour=self.fixed, cost=Cost(lookups=mdp.S))
