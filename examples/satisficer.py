"""A satisficer: in every state, the first action whose optimal Q-value is within ``threshold``
of the best one.

This is the worked example of README "Adding an agent": an agent in its own file, compared with
the built-in agents and held to the conformance check::

    deconfuse compare lava-test --agents argmax,examples/satisficer.py::Satisficer:threshold=1/2
    deconfuse check-agent examples/satisficer.py::Satisficer:threshold=1/2

Definition: with the optimal Q-values :math:`Q^*_t(s, a)` of the objective (per step t of a
finite horizon), the satisficer plays, deterministically, the first enabled action a in label
order with :math:`Q^*_t(s, a) \\ge \\max_{a'} Q^*_t(s, a') - \\text{threshold}`. Threshold 0
is the argmax with ``tie="first"``. Source: satisficing (Simon 1955), in the Q-value form of
Taylor (2016), section 2.
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import numpy as np

from agents import AgentResult, BaseAgent, Cost, resolve_objective
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import solve


@dataclasses.dataclass(frozen=True, repr=False)
class Satisficer(BaseAgent):
    """The first action within ``threshold`` of the best Q-value, in every state.

    Parameters
    ----------
    threshold
        How far below the best Q-value an action may be and still be taken (at least 0).
    """

    threshold: Fraction = Fraction(1, 10)
    name: str = "satisficer"

    def __post_init__(self) -> None:
        if not isinstance(self.threshold, (int, Fraction)) or self.threshold < 0:
            raise ValueError(f"threshold is {self.threshold!r}, not a non-negative exact number")

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Solve for Q* of ``objective`` (exactly on an exact MDP), then pick per state."""
        objective = resolve_objective(mdp, objective)
        solution = solve(mdp, objective)
        q = solution.q_values  # (S, A), or (H, S, A) for a finite horizon
        one, zero = (Fraction(1), Fraction(0)) if mdp.exact else (1.0, 0.0)
        threshold = self.threshold if mdp.exact else float(self.threshold)
        probs = np.full(q.shape, zero, dtype=object if mdp.exact else float)
        for index in np.ndindex(q.shape[:-1]):  # (s,) or (t, s)
            enabled = mdp.enabled[index[-1]]
            best = max(q[index][a] for a in range(mdp.A) if enabled[a])
            first = next(a for a in range(mdp.A) if enabled[a] and q[index][a] >= best - threshold)
            probs[index + (first,)] = one
        # one exact solve: its iterations back up every (s, a) pair, as the argmax's do
        cost = Cost(decision=solution.iterations * mdp.S * mdp.A)
        return AgentResult(Policy(probs, mdp.states, mdp.actions), cost, {"objective": objective})
