r"""Best-of-n sampling over actions: the agent, on the one-shot laws of :mod:`theory.selection`.

Draw :math:`X_1, \dots, X_n` iid from a base distribution :math:`g` on a finite set and keep the
one with the highest utility :math:`U`. Under a *total* order of the outcomes with CDF
:math:`G`, the winner has the law

.. math::  P(\text{best} = x) = G(\le x)^n - G(< x)^n .

Utility ties need a rule, one of the one tie vocabulary (``tie``):

- ``"last"`` / ``"first"``: the total order is (utility, index): among equal utilities the
  **later** (resp. earlier) **index wins**. The formula above applies as is.
- ``"uniform"``: among the tied draws of the top utility level the winner is uniform. The level
  L of the winner has probability :math:`G(\le L)^n - G(< L)^n` (the max of the levels); given
  that level and the number k >= 1 of draws in it, those k draws are iid from
  :math:`g(\cdot) / g(L)` on L, so a uniformly chosen one is too, whatever k. Hence
  :math:`P(\text{best} = x) = \frac{g(x)}{g(L)} \big(G(\le L)^n - G(< L)^n\big)`: the mass of a
  tie level is split in proportion to the base mass.

Sources: Gao, Schulman & Hilton, "Scaling Laws for Reward Model Overoptimization" (2022), for
best-of-n and :math:`KL_{bon} = \log n - (n-1)/n`; Beirami, Agarwal, Berant, D'Amour, Eisenstein,
Nagpal & Suresh, "Theoretical guarantees on the best-of-n alignment policy" (arXiv:2401.01879,
2024; ICML 2025), that this is an *upper bound* on the KL, not an identity (their Theorem 3.1
in arXiv v3), and that the win rate against the base is at most n/(n+1) (their sec. 5).
"""

from __future__ import annotations

import dataclasses

import numpy as np

from agents.base import AgentResult, BaseAgent, BaseSpec, Cost, add_costs, base_policy, check_base, resolve_objective
from agents.direct import planning_cost
from theory.budget import EXACT_ENTRY_BYTES, check_budget, check_entries
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.selection import KLValue, best_of_n_distribution, best_of_n_returns, kl_bound, kl_divergence, win_rate
from theory.solvers import solve
from theory.validation import TieRule, check_int, check_tie

__all__ = [
    "BestOfNTie",
    "KLValue",
    "best_of_n_distribution",
    "best_of_n_returns",
    "kl_divergence",
    "kl_bound",
    "win_rate",
    "BestOfN",
]

#: The tie rules of best-of-n, in the one vocabulary (theory.validation.TIE_RULES): "uniform"
#: (the winner is uniform among the tied draws), "first" / "last" (the earlier / later index wins).
BestOfNTie = TieRule


# -- the agent ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False)
class BestOfN(BaseAgent):
    r"""Best-of-n over actions: the best of n base-policy draws per state, ranked by Q*.

    In every state draw n actions iid from the base policy and play the one with the highest
    optimal Q-value :math:`Q^*(s, \cdot)` of the objective.

    The policy is the exact best-of-n law of :func:`best_of_n_distribution` per state (per time
    step for a finite horizon, with :math:`Q^*_t`), with :math:`Q^*` from
    :func:`theory.solvers.solve` (policy iteration / backward induction). n = 1 gives the
    base policy; as n grows the policy tends to the argmax set of :math:`Q^*` within the base's support. Exact on exact input (MDP
    and base); float Q-values within ``FLOAT_TOLERANCE`` count as tied.

    Decision-time cost: the solve's iterations * S * A Q-value evaluations, plus n Q-value
    reads per state (per state and step for a finite horizon), plus the base agent's cost.

    Sources: Gao, Schulman & Hilton (2022); Beirami et al. (2024).

    Parameters
    ----------
    n : int
        The number of iid draws from the base policy per state (and step), an int >= 1; an
        exact law too large for the memory budget (its entries are n-th powers) is refused.
    base
        The base policy: None (uniform), a registered agent name or SPEC (resolved when the
        agent runs), an Agent (run on the same MDP and objective, its cost added), or a Markov
        Policy used as is.
    tie
        How draws tied in Q* share the win: "uniform" (default; in proportion to the base
        mass), "last" / "first" (the later / earlier action index wins).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = BestOfN(n=2).run(two_state())
    >>> result.policy.probs.tolist(), result.cost.decision
    ([[Fraction(1, 4), Fraction(3, 4)], [Fraction(3, 4), Fraction(1, 4)]], 8)
    """

    n: int = 4
    base: BaseSpec = None
    tie: BestOfNTie = "uniform"
    name: str = "best-of-n"

    def __post_init__(self) -> None:
        check_int(self.n, "n", 1)
        check_tie(self.tie)
        check_base(self.base)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The best-of-n policy on ``mdp`` for ``objective``."""
        objective = resolve_objective(mdp, objective)
        prior, base_cost = base_policy(mdp, objective, self.base)
        self._check_size(mdp, prior)
        sol = solve(mdp, objective)
        q_values = sol.q_values
        if mdp.horizon is None:
            probs = self._rows(prior.probs, q_values)
            reads = self.n * mdp.S
        else:
            H = mdp.horizon
            probs = np.stack([self._rows(prior.at(t), q_values[t]) for t in range(H)])
            reads = self.n * mdp.S * H
        cost = add_costs(base_cost, Cost(decision=planning_cost(mdp, sol.iterations) + reads))
        info = {"objective": objective, "n": self.n, "base": self.base, "solution": sol,
                "q_values": q_values, "kl_bound": kl_bound(self.n).value}
        return AgentResult(Policy(probs, mdp.states, mdp.actions), cost, info)

    def _check_size(self, mdp: FiniteMDP, prior: Policy) -> None:
        """Refuse an n whose exact law does not fit the memory budget: the law's entries are
        powers G**n of the base's cumulative probabilities, whose denominators have about n
        times as many bits as the base's (float input: 8 bytes an entry, whatever n)."""
        steps = 1 if mdp.horizon is None else mdp.horizon
        if not mdp.exact:
            check_entries("n", self.n, steps * mdp.S * mdp.A, False, "the best-of-n law")
            return
        bits = max(x.denominator.bit_length() for x in prior.probs.flat)
        size = steps * mdp.S * mdp.A * (EXACT_ENTRY_BYTES + 2 * self.n * (bits + 1) // 8)
        check_budget("n", self.n, size, "the exact best-of-n law")

    def _rows(self, prior: np.ndarray, q_values: np.ndarray) -> np.ndarray:
        rows = [
            best_of_n_distribution(prior[s], q_values[s], self.n, self.tie)
            for s in range(len(q_values))
        ]
        return np.array(rows, dtype=rows[0].dtype)
