r"""Best-of-n sampling: its exact distribution, KL from the base, win rate, and the agent.

Draw :math:`X_1, \dots, X_n` iid from a base distribution :math:`g` on a finite set and keep the
one with the highest utility :math:`U`. Under a *total* order of the outcomes with CDF
:math:`G`, the winner has the law

.. math::  P(\text{best} = x) = G(\le x)^n - G(< x)^n .

Utility ties need a rule; two are offered (``tie``):

- ``"index"``: the total order is (utility, index): among equal utilities the **later index
  wins**. The formula above applies as is.
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
import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any, Literal

import numpy as np
import sympy

from agents.base import AgentResult, BaseAgent, BaseSpec, Cost, add_costs, base_policy, check_base, resolve_objective
from agents.direct import planning_cost
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import FLOAT_TOLERANCE, coerce_array
from theory.policy import Policy
from theory.solvers import solve
from theory.validation import check_distribution_rows

__all__ = [
    "BestOfNTie",
    "KLValue",
    "best_of_n_distribution",
    "kl_divergence",
    "kl_bound",
    "win_rate",
    "BestOfN",
]

BestOfNTie = Literal["index", "uniform"]


# -- validation ------------------------------------------------------------------------------


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise InvalidArgument(f"n is {n!r}, not an integer >= 1")
    return int(n)


def _check_tie(tie: Any) -> None:
    if tie not in ("index", "uniform"):
        raise InvalidArgument(f"tie is {tie!r}, not 'index' or 'uniform'")


def _distribution(values: Any, field: str) -> np.ndarray:
    arr = coerce_array(values, None, field)
    if arr.ndim != 1 or arr.shape[0] == 0:
        raise InvalidArgument(f"{field} has shape {arr.shape}, not a non-empty vector")
    check_distribution_rows(arr, field, (range(arr.shape[0]),), InvalidArgument)
    return arr


def _utility(values: Any, k: int) -> np.ndarray:
    arr = coerce_array(values, None, "utility")
    if arr.shape != (k,):
        raise InvalidArgument(f"utility has shape {arr.shape}, expected ({k},) like base")
    if arr.dtype != object and np.isnan(arr).any():
        raise InvalidArgument(f"utility[{int(np.flatnonzero(np.isnan(arr))[0])}] is nan")
    return arr


def _levels(utility: np.ndarray) -> list[list[int]]:
    """Indices grouped by equal utility, from the lowest level to the highest."""
    groups: dict[Any, list[int]] = {}
    for i, u in enumerate(utility):
        groups.setdefault(u, []).append(i)
    return [groups[u] for u in sorted(groups)]


# -- the distribution ------------------------------------------------------------------------


def best_of_n_distribution(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    n: int,
    tie: BestOfNTie = "index",
) -> np.ndarray:
    r"""Exact pmf of the best of ``n`` iid draws from ``base``, ranked by ``utility``.

    :math:`P(x) = G(\le x)^n - G(< x)^n` under the total order (utility, index) for
    ``tie="index"`` (among equal utilities the later index wins); for ``tie="uniform"`` the mass
    :math:`G(\le L)^n - G(< L)^n` of each tie level L is split in proportion to ``base`` (the
    winner is uniform among the tied draws; derivation in the module docstring). Utilities are
    compared as given (exact ``==`` for ties, also for floats). Exact (Fractions) when ``base``
    is exact (ints, Fractions, "p/q"), float64 when it is float. ``n`` >= 1; n = 1 gives ``base``.

    Source: Gao, Schulman & Hilton (2022); Beirami et al. (2024), sec. 2 (the pmf via the CDF
    and the strict CDF).

    >>> best_of_n_distribution(["1/2", "1/3", "1/6"], [1, 2, 3], 2).tolist()
    [Fraction(1, 4), Fraction(4, 9), Fraction(11, 36)]
    >>> best_of_n_distribution(["1/2", "1/4", "1/4"], [0, 1, 1], 2, tie="uniform").tolist()
    [Fraction(1, 4), Fraction(3, 8), Fraction(3, 8)]
    """
    p = _distribution(base, "base")
    u = _utility(utility, len(p))
    n = _check_n(n)
    _check_tie(tie)
    exact = p.dtype == object
    zero = Fraction(0) if exact else 0.0
    out = np.empty(len(p), dtype=object if exact else np.float64)
    below = zero
    if tie == "index":
        for i in sorted(range(len(p)), key=lambda j: (u[j], j)):
            upto = below + p[i]
            out[i] = upto**n - below**n
            below = upto
        return out
    for level in _levels(u):
        mass = sum((p[i] for i in level), zero)
        upto = below + mass
        level_prob = upto**n - below**n
        for i in level:
            out[i] = level_prob * p[i] / mass if mass != 0 else zero
        below = upto
    return out


# -- KL ----------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class KLValue:
    """A KL divergence (or bound): ``exact``, a sympy expression (None for float input), and
    ``value``, its float value (``math.inf`` for an infinite divergence).

    >>> float(KLValue(sympy.log(2), math.log(2))) == math.log(2)
    True
    """

    exact: sympy.Expr | None
    value: float

    def __float__(self) -> float:
        return self.value


def kl_divergence(p: Sequence[Any] | np.ndarray, base: Sequence[Any] | np.ndarray) -> KLValue:
    r""":math:`KL(p \| base) = \sum_x p(x) \log \frac{p(x)}{base(x)}` (natural log, nats).

    Conventions: :math:`0 \log 0 = 0` (terms with p(x) = 0 vanish) and the divergence is
    :math:`+\infty` when p puts mass where ``base`` has none. On exact input ``.exact`` is the
    exact sympy expression (a sum of rational multiples of logs of rationals; ``sympy.oo`` when
    infinite) and ``.value`` its float value from a 30-digit evaluation; on float input
    ``.exact`` is None.

    Source: Cover & Thomas, *Elements of Information Theory* (2006), sec. 2.3.

    >>> kl = kl_divergence(["1/4", "3/4"], ["1/2", "1/2"])
    >>> kl.exact
    -log(2)/4 + 3*log(3/2)/4
    >>> round(kl.value, 6)
    0.130812
    >>> kl_divergence([1, 0], [0, 1]).value
    inf
    """
    P = _distribution(p, "p")
    Q = _distribution(base, "base")
    if P.shape != Q.shape:
        raise InvalidArgument(f"p has {len(P)} outcomes but base has {len(Q)}")
    if any(pi != 0 and qi == 0 for pi, qi in zip(P, Q)):
        return KLValue(sympy.oo if P.dtype == object and Q.dtype == object else None, math.inf)
    if P.dtype == object and Q.dtype == object:
        terms = [
            sympy.Rational(pi.numerator, pi.denominator)
            * sympy.log(sympy.Rational(pi / qi))
            for pi, qi in zip(P, Q)
            if pi != 0
        ]
        expr = sympy.Add(*terms)
        return KLValue(expr, float(expr.evalf(30)))
    Pf, Qf = np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64)
    mask = Pf > 0
    return KLValue(None, float(np.sum(Pf[mask] * np.log(Pf[mask] / Qf[mask]))))


def kl_bound(n: int) -> KLValue:
    r"""The best-of-n KL formula :math:`\log n - (n - 1)/n`, exact (sympy) and float.

    It is the exact KL of best-of-n from a *continuous* base with no ties, and an **upper
    bound** on :math:`KL(\text{best-of-}n \| base)` for every base (Beirami et al. 2024,
    Theorem 3.1 of arXiv v3). Why: a finite outcome is a monotone function of a continuous
    rank (the quantile transform), best-of-n commutes with it, and KL does not increase under
    a function (data processing); with ``tie="uniform"`` the KL equals that of the law of the
    tie levels, which is bounded the same way.

    Sources: Gao, Schulman & Hilton (2022); Beirami et al. (2024).

    >>> b = kl_bound(2)
    >>> b.exact, round(b.value, 6)
    (-1/2 + log(2), 0.193147)
    """
    n = _check_n(n)
    return KLValue(sympy.log(n) - sympy.Rational(n - 1, n), math.log(n) - (n - 1) / n)


# -- win rate ----------------------------------------------------------------------------------


def win_rate(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    n: int,
    ties: Literal["half", "strict"] = "half",
) -> Fraction | float:
    r"""Probability that a best-of-n sample Y beats an independent base sample X under the
    utility: :math:`P(U(Y) > U(X)) + \tfrac12 P(U(Y) = U(X))` (``ties="half"``, the default)
    or :math:`P(U(Y) > U(X))` (``ties="strict"``).

    Only the utility of Y matters, so the tie rule of the best-of-n draw does not. The
    continuous-case value :math:`n/(n+1)` is an **upper bound** on finite supports under both
    conventions: break every utility tie by an independent uniform label; then the best of n
    draws beats a fresh draw with probability exactly :math:`n/(n+1)` (exchangeability of the
    n + 1 draws), and when :math:`U(Y) = U(X)` the label of Y (the largest of k >= 1 tied
    draws) beats that of X with probability :math:`k/(k+1) \ge 1/2`. Counting ties as wins
    breaks the bound (a point-mass base would give 1). With ``ties="half"`` and n = 1 the win
    rate is exactly 1/2. Exact on exact ``base``.

    Source: Beirami et al. (2024), sec. 5 (the win rate of best-of-n against the base is at most
    n/(n+1)); the tie conventions and the proof above are deconfuse's.

    >>> win_rate(["1/2", "1/2"], [0, 1], 2), win_rate(["1/2", "1/2"], [0, 1], 2, ties="strict")
    (Fraction(5, 8), Fraction(3, 8))
    """
    p = _distribution(base, "base")
    u = _utility(utility, len(p))
    n = _check_n(n)
    if ties not in ("half", "strict"):
        raise InvalidArgument(f"ties is {ties!r}, not 'half' or 'strict'")
    exact = p.dtype == object
    zero = Fraction(0) if exact else 0.0
    half = Fraction(1, 2) if exact else 0.5
    below = zero
    total = zero
    for level in _levels(u):
        mass = sum((p[i] for i in level), zero)
        upto = below + mass
        level_prob = upto**n - below**n
        total += level_prob * (below + (half * mass if ties == "half" else zero))
        below = upto
    return total if exact else float(total)


# -- the agent ---------------------------------------------------------------------------------


def _rank(row: np.ndarray, exact: bool) -> list[Any]:
    """Utilities for ranking one row of Q-values: themselves when exact; for floats, a level
    index that merges values within FLOAT_TOLERANCE * max(1, |top|) of the top of their level
    (as :func:`theory.solvers.argmax_sets` does for the argmax)."""
    if exact:
        return list(row)
    order = sorted(range(len(row)), key=lambda a: -row[a])
    level = [0] * len(row)
    current, top = len(row), None
    for a in order:
        if top is None or row[a] < top - FLOAT_TOLERANCE * max(1.0, abs(top)):
            current -= 1
            top = row[a]
        level[a] = current
    return level


@dataclasses.dataclass(frozen=True, repr=False)
class BestOfN(BaseAgent):
    r"""Best-of-n over actions: the best of n base-policy draws per state, ranked by Q*.

    In every state draw n actions iid from the base policy and play the one with the highest
    optimal Q-value :math:`Q^*(s, \cdot)` of the objective.

    The policy is the exact best-of-n law of :func:`best_of_n_distribution` per state (per time
    step for a finite horizon, with :math:`Q^*_t`), with :math:`Q^*` from
    :func:`theory.solvers.solve` (policy iteration / backward induction). ``base``: None
    (uniform), a registered agent name or SPEC (resolved lazily), or an Agent.
    ``tie="uniform"`` (default) splits a tie among equal Q-values in proportion to the base;
    ``"index"`` lets the later action win. n = 1 gives the base policy; as n grows the policy
    tends to the argmax set of :math:`Q^*` within the base's support. Exact on exact input (MDP
    and base); float Q-values within ``FLOAT_TOLERANCE`` count as tied.

    Decision-time cost: the solve's iterations * S * A Q-value evaluations, plus n Q-value
    reads per state (per state and step for a finite horizon), plus the base agent's cost.

    Sources: Gao, Schulman & Hilton (2022); Beirami et al. (2024).

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
        _check_n(self.n)
        _check_tie(self.tie)
        check_base(self.base)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The best-of-n policy on ``mdp`` for ``objective``."""
        objective = resolve_objective(mdp, objective)
        prior, base_cost = base_policy(mdp, objective, self.base)
        sol = solve(mdp, objective)
        q = sol.q_values
        exact_q = mdp.exact
        if mdp.horizon is None:
            probs = self._rows(prior.probs, q, exact_q)
            reads = self.n * mdp.S
        else:
            H = mdp.horizon
            probs = np.stack([self._rows(prior.at(t), q[t], exact_q) for t in range(H)])
            reads = self.n * mdp.S * H
        cost = add_costs(base_cost, Cost(decision=planning_cost(mdp, sol.iterations) + reads))
        info = {"objective": objective, "n": self.n, "base": self.base, "solution": sol,
                "q_values": q, "kl_bound": kl_bound(self.n).value}
        return AgentResult(Policy(probs, mdp.states, mdp.actions), cost, info)

    def _rows(self, prior: np.ndarray, q: np.ndarray, exact_q: bool) -> np.ndarray:
        rows = [
            best_of_n_distribution(prior[s], _rank(q[s], exact_q), self.n, self.tie)
            for s in range(len(q))
        ]
        return np.array(rows, dtype=rows[0].dtype)
