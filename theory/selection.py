r"""One-shot selection laws: utility levels, the quantiliser, best-of-n, their KL and win rate,
and their closed forms in q and n.

A *one-shot* problem is a base distribution :math:`\gamma` on a finite outcome set with a
utility U (and, for the closed forms, a second, true utility). Every law here ranks the
outcomes by U through one function, :func:`levels`, with one tie rule and one float tolerance:

- exact utilities (Fractions) are tied when equal;
- float utilities are tied when within ``FLOAT_TOLERANCE * max(1, |top|)`` of the top utility of
  their level (:data:`theory.numbers.FLOAT_TOLERANCE` = 1e-9), the rule of
  :func:`theory.solvers.argmax_sets` for the argmax.

How the outcomes of one level are ordered is the tie rule of the one vocabulary
(:data:`theory.validation.TIE_RULES`): ``"uniform"`` (a level's mass is shared in proportion to
the base: an independent uniform tie-breaker per draw), ``"first"`` (lower index ranks higher)
or ``"last"`` (higher index ranks higher).

Contents: :func:`levels`, :func:`ranked_groups`; :func:`quantilise` (Taylor 2016);
:func:`best_of_n_distribution`, its vectorised float companion :func:`best_of_n_float`,
:func:`kl_bound`, :func:`win_rate` (Gao, Schulman & Hilton 2022; Beirami et al. 2024); :func:`kl_divergence` (exact, symbolic) and :func:`kl` (float);
the closed forms :func:`quantiliser_returns`, :func:`peak_q`, :func:`best_of_n_returns`.
The MDP agents built on these laws live in :mod:`agents.quantiliser` and
:mod:`agents.best_of_n`, which re-export them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import sympy

from theory.errors import InvalidArgument
from theory.numbers import FLOAT_TOLERANCE, Number, coerce_array, parse_number, to_float_array, zeros_like_kind
from theory.validation import TieRule, check_choice, check_distribution_rows, check_int, check_q, check_tie

__all__ = [
    "levels",
    "ranked_groups",
    "quantilise",
    "best_of_n_distribution",
    "best_of_n_float",
    "KLValue",
    "kl_divergence",
    "kl",
    "kl_bound",
    "win_rate",
    "PiecewiseRational",
    "QuantiliserReturns",
    "quantiliser_returns",
    "peak_q",
    "BestOfNReturns",
    "best_of_n_returns",
]


# -- levels ------------------------------------------------------------------------------------


def levels(utility: Sequence[Any] | np.ndarray) -> list[list[int]]:
    """Outcome indices grouped into utility levels, **best level first**, indices ascending
    within a level.

    Exact utilities are tied when equal; float ones when within
    ``FLOAT_TOLERANCE * max(1, |top|)`` of the top utility of their level (the argmax rule of
    :func:`theory.solvers.argmax_sets`). This is the one tie rule of every selection law.

    >>> levels([1, 3, 1, 2])
    [[1], [3], [0, 2]]
    >>> levels([1.0, 1.0 + 1e-12, 0.5])
    [[0, 1], [2]]
    """
    u = utility if isinstance(utility, np.ndarray) else np.asarray(utility, dtype=object)
    exact = u.dtype == object and not any(isinstance(x, float) for x in u.tolist())
    if not exact and len(u):  # the float rule, vectorised in one place (best_of_n_float uses it too)
        order, starts = _float_ranks(np.asarray(u, dtype=np.float64), "uniform")
        return [level.tolist() for level in np.split(order, np.flatnonzero(starts)[1:])]
    order = sorted(range(len(u)), key=lambda i: u[i], reverse=True)  # stable: ties keep index order
    out: list[list[int]] = []
    top: Any = None
    for i in order:
        if top is not None and u[i] == top:
            out[-1].append(i)
        else:
            out.append([i])
            top = u[i]
    return [sorted(level) for level in out]


def ranked_groups(utility: Sequence[Any] | np.ndarray, tie: TieRule = "uniform") -> list[list[int]]:
    """The outcomes as groups in decreasing rank under the tie rule: ``"uniform"`` keeps each
    level of :func:`levels` as one group; ``"first"`` and ``"last"`` split a level into single
    outcomes, lower (``"first"``) or higher (``"last"``) index ranked higher.

    >>> ranked_groups([0, 1, 1], "uniform"), ranked_groups([0, 1, 1], "first"), ranked_groups([0, 1, 1], "last")
    ([[1, 2], [0]], [[1], [2], [0]], [[2], [1], [0]])
    """
    tie = check_tie(tie)
    if tie == "uniform":
        return levels(utility)
    return [[i] for level in levels(utility) for i in (level if tie == "first" else level[::-1])]


# -- validation of one-shot inputs -------------------------------------------------------------


def _distribution(values: Any, field: str) -> np.ndarray:
    """A non-empty 1-D distribution of either kind, summing to 1."""
    if isinstance(values, (str, bytes)) or np.ndim(np.asarray(values, dtype=object)) != 1:
        shape = np.shape(np.asarray(values, dtype=object))
        raise InvalidArgument(f"{field} has shape {shape}, not a 1-D distribution")
    arr = coerce_array(values, None, field)
    if arr.size == 0:
        raise InvalidArgument(f"{field} is empty; at least one outcome is needed")
    check_distribution_rows(arr, field, (list(range(arr.size)),), InvalidArgument)
    return arr


def _utility(values: Any, k: int, field: str = "utility") -> np.ndarray:
    arr = coerce_array(values, None, field)
    if arr.shape != (k,):
        raise InvalidArgument(f"{field} has shape {arr.shape}, expected ({k},) like base")
    if arr.dtype != object and not np.all(np.isfinite(arr)):
        raise InvalidArgument(f"{field} is {arr.tolist()!r}, not all finite")
    return arr


def _n(n: Any) -> int:
    return check_int(n, "n", 1)


# -- the quantiliser ---------------------------------------------------------------------------


def quantilise(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    q: Number | int | str,
    tie: TieRule = "uniform",
) -> np.ndarray:
    """The q-quantiliser of a base distribution on a finite outcome set.

    Order the outcomes by ``utility``, descending, into the groups of :func:`ranked_groups`.
    Let the *boundary group* be the first group at which the cumulative base mass reaches q,
    and M the base mass strictly above it. Then

    .. math::

        Q_q(x) = \\begin{cases}
            \\gamma(x) / q & x \\text{ above the boundary group} \\\\
            \\frac{\\gamma(x)}{\\gamma(\\text{group})} \\cdot \\frac{q - M}{q}
                & x \\text{ in the boundary group} \\\\
            0 & \\text{below}
        \\end{cases}

    so with ``tie="uniform"`` the boundary mass :math:`(q - M)/q` is shared by the tied
    outcomes in proportion to their base mass, and with ``"first"`` / ``"last"`` it is filled
    in index order (ascending / descending). Outcomes with zero base mass get 0. q = 1 gives
    the base exactly; q at most the base mass of the argmax set puts all mass on the argmax
    set, in proportion to the base. The density ratio :math:`Q_q / \\gamma` is at most 1/q.

    Exact on exact input: ``base`` of Fractions / ints / "p/q" strings (summing to exactly 1)
    and q an int or Fraction give a Fraction array; float ``base`` gives float64.

    Source: Taylor (2016), "Quantilizers: A Safer Alternative to Maximizers for Limited
    Optimization", Definition 1.

    Parameters
    ----------
    base : (n,) distribution over the outcomes.
    utility : (n,) utility of every outcome.
    q : the fraction of base mass kept, in (0, 1].
    tie : "uniform", "first" or "last" (see above).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> quantilise([F(1, 2), F(1, 4), F(1, 4)], [3, 2, 1], F(3, 4)).tolist()
    [Fraction(2, 3), Fraction(1, 3), Fraction(0, 1)]
    >>> quantilise(["1/4", "1/4", "1/2"], [2, 1, 1], F(1, 2)).tolist()
    [Fraction(1, 2), Fraction(1, 6), Fraction(1, 3)]
    >>> quantilise([0.5, 0.5], [1.0, 0.0], 0.25).tolist()
    [1.0, 0.0]
    >>> quantilise([F(1, 2), F(1, 4)], [1, 0], F(1, 2))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: base sums to 3/4, not 1
    """
    p = _distribution(base, "base")
    exact = p.dtype == object
    u = _utility(utility, p.shape[0])
    qq = check_q(q, exact)
    groups = ranked_groups(u, tie)
    out = zeros_like_kind(p.shape, exact)
    above: Any = Fraction(0) if exact else 0.0
    for group in groups:
        mass = sum((p[i] for i in group), Fraction(0) if exact else 0.0)
        if mass == 0:
            continue
        if above + mass < qq:
            for i in group:
                out[i] = p[i] / qq
            above += mass
        else:  # the boundary: share (q - above) / q in proportion to the base
            share = (qq - above) / (qq * mass)
            for i in group:
                out[i] = p[i] * share
            return out
    return out


# -- best-of-n ---------------------------------------------------------------------------------


def best_of_n_distribution(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    n: int,
    tie: TieRule = "last",
) -> np.ndarray:
    r"""Exact pmf of the best of ``n`` iid draws from ``base``, ranked by ``utility``.

    Under a *total* order of the outcomes with CDF :math:`G` the winner has the law
    :math:`P(x) = G(\le x)^n - G(< x)^n`. The order is that of :func:`ranked_groups`:
    ``tie="last"`` (the default) and ``"first"`` break ties by index (the later, resp. the
    earlier, index wins) and the formula applies per outcome; ``tie="uniform"`` lets the winner
    be uniform among the tied draws of the top level L: L has probability
    :math:`G(\le L)^n - G(< L)^n` and, given L and the number k >= 1 of draws in it, those
    draws are iid from :math:`g(\cdot)/g(L)` on L, so a uniformly chosen one is too; hence the
    mass of a tie level is split in proportion to the base. Exact (Fractions) when ``base`` is
    exact (ints, Fractions, "p/q"), float64 when it is float. ``n`` >= 1; n = 1 gives ``base``.

    Source: Gao, Schulman & Hilton (2022); Beirami et al. (2024), sec. 2 (the pmf via the CDF
    and the strict CDF).

    >>> best_of_n_distribution(["1/2", "1/3", "1/6"], [1, 2, 3], 2).tolist()
    [Fraction(1, 4), Fraction(4, 9), Fraction(11, 36)]
    >>> best_of_n_distribution(["1/2", "1/4", "1/4"], [0, 1, 1], 2, tie="uniform").tolist()
    [Fraction(1, 4), Fraction(3, 8), Fraction(3, 8)]
    """
    p = _distribution(base, "base")
    u = _utility(utility, len(p))
    n = _n(n)
    exact = p.dtype == object
    zero = Fraction(0) if exact else 0.0
    out = np.empty(len(p), dtype=object if exact else np.float64)
    below = zero
    if tie != "uniform":
        for (i,) in reversed(ranked_groups(u, tie)):  # ascending, one outcome per group
            upto = below + p[i]
            out[i] = upto**n - below**n
            below = upto
        return out
    for level in reversed(levels(u)):  # ascending
        mass = sum((p[i] for i in level), zero)
        upto = below + mass
        level_prob = upto**n - below**n
        for i in level:
            out[i] = level_prob * p[i] / mass if mass != 0 else zero
        below = upto
    return out


def _float_ranks(u: np.ndarray, tie: TieRule) -> tuple[np.ndarray, np.ndarray]:
    """The outcomes in decreasing rank (``order``) and, for each position of ``order``, whether
    it starts a new group of :func:`ranked_groups` (``starts``); vectorised, same rule.

    Ties (the float rule of :func:`levels`): x joins the level of the top utility ``top`` when
    ``u[x] >= top - FLOAT_TOLERANCE * max(1, |top|)``. That bound increases with ``top``, so an
    outcome not within it of its predecessor in the sorted order starts a new level; only the
    (rare) outcomes within it of their predecessor are resolved one by one.
    """
    order = np.argsort(-u, kind="stable")  # descending; equal values keep index order, as sorted()
    s = u[order]
    k = len(s)
    level_start = np.arange(k)
    if k > 1:
        prev = s[:-1]
        close = s[1:] >= prev - FLOAT_TOLERANCE * np.maximum(1.0, np.abs(prev))
        for j in np.flatnonzero(close) + 1:
            top = s[level_start[j - 1]]
            if s[j] >= top - FLOAT_TOLERANCE * max(1.0, abs(top)):
                level_start[j] = level_start[j - 1]
    starts = level_start == np.arange(k)
    joined = np.flatnonzero(~starts)  # positions that joined the level above them
    for first in np.unique(level_start[joined]):  # a level of several outcomes, in index order:
        end = first + 1  # ascending for "uniform" (as levels()) and "first", descending for "last"
        while end < k and level_start[end] == first:
            end += 1
        order[first:end] = np.sort(order[first:end])[:: -1 if tie == "last" else 1]
    return order, starts if tie == "uniform" else np.ones(k, dtype=bool)


def best_of_n_float(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    n: int,
    tie: TieRule = "last",
) -> np.ndarray:
    r"""The pmf of the best of ``n`` iid draws from ``base``, ranked by ``utility``, in float64:
    the vectorised companion of :func:`best_of_n_distribution` for large outcome sets
    (10^5 - 10^6 outcomes), with the same law, tie rule and groups (:func:`ranked_groups`).

    A group g (one outcome under ``"last"`` / ``"first"``, one utility level under
    ``"uniform"``) of base mass m with cumulative mass :math:`G(\le g)` has probability
    :math:`G(\le g)^n - G(< g)^n`, shared by its outcomes in proportion to the base. Computed as

    .. math:: G(\le g)^n \cdot \big(-\mathrm{expm1}(n \log1p(-m / G(\le g)))\big),
              \qquad G(\le g)^n = \exp(n \log G(\le g)),

    with :math:`G(\le g) = 1 - (\text{mass strictly above } g)` summed from the top where it
    is at least 1/2 and the mass up to g summed from the bottom elsewhere, so no two nearby
    powers are subtracted and the upper tail, where best-of-n puts its mass, keeps its digits
    for large n (the tests compare it with the exact law). A power that underflows is 0.
    Input of either kind; the result is float64 (the one kind of this function). ``n`` >= 1;
    n = 1 gives ``base`` (to rounding).

    Source: Gao, Schulman & Hilton (2022); Beirami et al. (2024), sec. 2 (the pmf via the CDF
    and the strict CDF), as :func:`best_of_n_distribution`.

    >>> best_of_n_float([0.5, 1 / 3, 1 / 6], [1.0, 2.0, 3.0], 2).round(12).tolist()
    [0.25, 0.444444444444, 0.305555555556]
    >>> best_of_n_float([0.5, 0.25, 0.25], [0.0, 1.0, 1.0], 2, tie="uniform").tolist()
    [0.25, 0.375, 0.375]
    """
    p = _distribution(base, "base")
    u = _utility(utility, len(p))
    n = _n(n)
    tie = check_tie(tie)
    p = np.asarray(p, dtype=np.float64) if p.dtype != object else to_float_array(p, "base")
    u = np.asarray(u, dtype=np.float64) if u.dtype != object else to_float_array(u, "utility")
    order, starts = _float_ranks(u, tie)
    group = np.cumsum(starts) - 1  # position -> group, 0 = best
    mass = np.bincount(group, weights=p[order])  # base mass of each group, best first
    above = np.concatenate(([0.0], np.cumsum(mass)[:-1]))  # mass strictly above, from the top
    upto_below = np.cumsum(mass[::-1])[::-1]  # mass up to and including, from the bottom
    upto = np.where(above <= 0.5, 1.0 - above, upto_below)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(upto > 0, np.minimum(mass / upto, 1.0), 0.0)
        power = np.exp(n * np.log(upto))
        prob = power * -np.expm1(n * np.log1p(-ratio))
        share = np.where(mass[group] > 0, p[order] / mass[group], 0.0)
    prob = np.where(mass > 0, prob, 0.0)
    out = np.empty(len(p), dtype=np.float64)
    out[order] = prob[group] * share
    return out


def kl_bound(n: int) -> "KLValue":
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
    n = _n(n)
    return KLValue(sympy.log(n) - sympy.Rational(n - 1, n), math.log(n) - (n - 1) / n)


def win_rate(
    base: Sequence[Any] | np.ndarray,
    utility: Sequence[Any] | np.ndarray,
    n: int,
    ties: Literal["half", "strict"] = "half",
) -> Fraction | float:
    r"""Probability that a best-of-n sample Y beats an independent base sample X under the
    utility: :math:`P(U(Y) > U(X)) + \tfrac12 P(U(Y) = U(X))` (``ties="half"``, the default)
    or :math:`P(U(Y) > U(X))` (``ties="strict"``); "equal" is the one tie rule of
    :func:`levels`.

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
    n = _n(n)
    check_choice(ties, "ties", ("half", "strict"))
    exact = p.dtype == object
    zero = Fraction(0) if exact else 0.0
    half = Fraction(1, 2) if exact else 0.5
    below = zero
    total = zero
    for level in reversed(levels(u)):  # ascending
        mass = sum((p[i] for i in level), zero)
        upto = below + mass
        level_prob = upto**n - below**n
        total += level_prob * (below + (half * mass if ties == "half" else zero))
        below = upto
    return total if exact else float(total)


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
    r""":math:`KL(p \| base) = \sum_x p(x) \log \frac{p(x)}{base(x)}` (natural log, nats), exactly.

    Conventions: :math:`0 \log 0 = 0` (terms with p(x) = 0 vanish) and the divergence is
    :math:`+\infty` when p puts mass where ``base`` has none. On exact input ``.exact`` is the
    exact sympy expression (a sum of rational multiples of logs of rationals; ``sympy.oo`` when
    infinite) and ``.value`` its float value from a 30-digit evaluation; on float input
    ``.exact`` is None and ``.value`` is :func:`kl`.

    Source: Cover & Thomas, *Elements of Information Theory* (2006), sec. 2.3.

    >>> d = kl_divergence(["1/4", "3/4"], ["1/2", "1/2"])
    >>> d.exact
    -log(2)/4 + 3*log(3/2)/4
    >>> round(d.value, 6)
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
            sympy.Rational(pi.numerator, pi.denominator) * sympy.log(sympy.Rational(pi / qi))
            for pi, qi in zip(P, Q)
            if pi != 0
        ]
        expr = sympy.Add(*terms)
        return KLValue(expr, float(expr.evalf(30)))
    Pf, Qf = np.asarray(P, dtype=np.float64), np.asarray(Q, dtype=np.float64)
    mask = Pf > 0
    return KLValue(None, float(np.sum(Pf[mask] * np.log(Pf[mask] / Qf[mask]))))


def kl(p: Sequence[Any] | np.ndarray, q: Sequence[Any] | np.ndarray) -> float:
    r""":math:`KL(p \| q) = \sum_x p(x) \log(p(x) / q(x))` in nats as a float, fast: no
    validation, no symbolic expression (the float companion of :func:`kl_divergence`, for rows
    of policies and large outcome sets). 0 log 0 = 0, and :math:`+\infty` when p puts mass
    where q has none. Each logarithm is taken of the ratio p(x)/q(x), computed exactly for
    exact input, and the terms are summed with :func:`math.fsum`: accurate to float rounding
    of each term.

    >>> kl(np.array([1.0, 0.0]), np.array([0.5, 0.5])) == math.log(2)
    True
    >>> kl([Fraction(1, 4), Fraction(3, 4)], [Fraction(1, 2), Fraction(1, 2)]) == kl_divergence(["1/4", "3/4"], ["1/2", "1/2"]).value
    True
    """
    if isinstance(p, np.ndarray) and isinstance(q, np.ndarray) and p.dtype == q.dtype == np.float64:
        support = p != 0  # float64 arrays (10^6 outcomes): the same terms, computed by numpy
        if np.any(q[support] == 0):
            return math.inf
        return math.fsum((p[support] * np.log(p[support] / q[support])).tolist())
    terms = []
    for pi, qi in zip(np.asarray(p).tolist(), np.asarray(q).tolist()):
        if pi == 0:
            continue
        if qi == 0:
            return math.inf
        terms.append(float(pi) * math.log(pi / qi))
    return math.fsum(terms)


# -- closed forms in q and n (exact) -----------------------------------------------------------


def _exact_vector(values: Any, field: str, n: int | None = None) -> list[Fraction]:
    if isinstance(values, (str, bytes)) or np.ndim(np.asarray(values, dtype=object)) != 1:
        raise InvalidArgument(f"{field} is not a 1-D sequence of exact numbers")
    arr = coerce_array(values, True, field)
    if arr.size == 0:
        raise InvalidArgument(f"{field} is empty; at least one outcome is needed")
    if n is not None and arr.shape != (n,):
        raise InvalidArgument(f"{field} has shape {arr.shape}, expected ({n},) like base")
    return list(arr)


def _one_shot(base: Any, proxy: Any, true: Any) -> tuple[list[Fraction], list[Fraction], list[Fraction]]:
    p = _exact_vector(base, "base")
    check_distribution_rows(np.array(p, dtype=object), "base", (list(range(len(p))),), InvalidArgument)
    return p, _exact_vector(proxy, "utility_proxy", len(p)), _exact_vector(true, "utility_true", len(p))


def _symbol(value: str | sympy.Symbol, field: str, **assumptions: bool) -> sympy.Symbol:
    if isinstance(value, sympy.Symbol):
        return value
    if isinstance(value, str) and value.isidentifier():
        return sympy.Symbol(value, **assumptions)
    raise InvalidArgument(f"{field} is {value!r}, not a symbol or an identifier")


def _expr(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


@dataclasses.dataclass(frozen=True, eq=False)
class PiecewiseRational:
    """A function of one variable, rational on each piece: ``pieces[k]`` holds on
    (knots[k], knots[k + 1]]; ``knots`` are exact rationals, increasing. The form of the
    quantiliser's returns (Taylor 2016; see :func:`quantiliser_returns`).

    >>> q = sympy.Symbol("q")
    >>> half = sympy.Rational(1, 2)
    >>> f = PiecewiseRational(q, (sympy.Integer(0), half, sympy.Integer(1)), (sympy.Integer(1), 1 / (2 * q)))
    >>> f.at("1/4"), f.at(1)
    (Fraction(1, 1), Fraction(1, 2))
    """

    symbol: sympy.Symbol
    knots: tuple[sympy.Rational, ...]
    pieces: tuple[sympy.Expr, ...]

    def at(self, value: Any) -> Fraction:
        """The exact value at a rational point of (knots[0], knots[-1]]."""
        x = parse_number(value, str(self.symbol))
        lo, hi = parse_number(self.knots[0]), parse_number(self.knots[-1])
        if not lo < x <= hi:
            raise InvalidArgument(f"{self.symbol} = {x} is outside ({lo}, {hi}]")
        for k in range(len(self.pieces)):
            if x <= parse_number(self.knots[k + 1]):
                return parse_number(self.pieces[k].xreplace({self.symbol: _expr(x)}))
        raise AssertionError("unreachable")  # pragma: no cover

    def as_piecewise(self) -> sympy.Piecewise:
        """The same function as a sympy Piecewise (on the domain of the pieces)."""
        return sympy.Piecewise(*[(e, self.symbol <= k) for e, k in zip(self.pieces, self.knots[1:])])


@dataclasses.dataclass(frozen=True, eq=False)
class QuantiliserReturns:
    """The exact expected proxy and true utility of the q-quantiliser, as functions of q
    (Taylor 2016; built by :func:`quantiliser_returns`).

    >>> quantiliser_returns(["1/2", "1/2"], [1, 0], [0, 1]).at("1/2")
    (Fraction(1, 1), Fraction(0, 1))
    """

    proxy: PiecewiseRational
    true: PiecewiseRational

    def at(self, q: Any) -> tuple[Fraction, Fraction]:
        """(expected proxy, expected true) utility at an exact q in (0, 1]."""
        return self.proxy.at(q), self.true.at(q)


def quantiliser_returns(
    base: Sequence[Any],
    utility_proxy: Sequence[Any],
    utility_true: Sequence[Any],
    q: str | sympy.Symbol = "q",
    tie: TieRule = "uniform",
) -> QuantiliserReturns:
    r"""Expected proxy and true utility of the q-quantiliser (ranked by the proxy) as exact
    piecewise rational functions of q on (0, 1].

    Rank the outcomes by the proxy, descending, into the groups :math:`G_1, G_2, \dots` of
    :func:`ranked_groups` (groups of zero base mass dropped), with base masses :math:`m_k`,
    cumulative masses :math:`c_0 = 0 < c_1 < \dots < c_L = 1` and base-weighted mean utilities
    :math:`\bar u_k`. For q in :math:`(c_{k-1}, c_k]` the quantiliser keeps
    :math:`G_1..G_{k-1}` whole and the fraction :math:`(q - c_{k-1})/m_k` of :math:`G_k`, so

    .. math:: E_q[U] = \frac{\sum_{j<k} m_j \bar u_j + (q - c_{k-1}) \bar u_k}{q},

    continuous, constant on :math:`(0, c_1]`, equal to the base mean at q = 1. The knots are
    the cumulative masses. The same law as :func:`quantilise`.

    Source: Taylor (2016), Definition 1; the piecewise form is deconfuse's.

    >>> r = quantiliser_returns(["1/2", "1/4", "1/4"], [3, 2, 1], [0, 2, -2])
    >>> r.true.knots, r.true.pieces
    ((0, 1/2, 3/4, 1), (0, 2 - 1/q, -2 + 2/q))
    >>> r.at("3/4")
    (Fraction(8, 3), Fraction(2, 3))
    """
    p, up, ut = _one_shot(base, utility_proxy, utility_true)
    groups = [g for g in ranked_groups(up, tie) if sum(p[i] for i in g) != 0]
    sym = _symbol(q, "q", positive=True)
    knots = [sympy.Integer(0)]
    proxy_pieces, true_pieces = [], []
    cum, acc_p, acc_t = Fraction(0), Fraction(0), Fraction(0)
    for g in groups:
        mass = sum(p[i] for i in g)
        mean_p = sum(p[i] * up[i] for i in g) / mass
        mean_t = sum(p[i] * ut[i] for i in g) / mass
        for acc, mean, out in ((acc_p, mean_p, proxy_pieces), (acc_t, mean_t, true_pieces)):
            expr = (_expr(acc) + (sym - _expr(cum)) * _expr(mean)) / sym
            out.append(sympy.expand(sympy.cancel(expr)))
        cum += mass
        acc_p += mass * mean_p
        acc_t += mass * mean_t
        knots.append(_expr(cum))
    return QuantiliserReturns(
        PiecewiseRational(sym, tuple(knots), tuple(proxy_pieces)),
        PiecewiseRational(sym, tuple(knots), tuple(true_pieces)),
    )


def peak_q(
    base: Sequence[Any],
    utility_proxy: Sequence[Any],
    utility_true: Sequence[Any],
    tie: TieRule = "uniform",
) -> tuple[Fraction, Fraction]:
    r"""The exact q in (0, 1] at which the quantiliser's expected true utility peaks, and that
    peak value: ``(q*, E_{q*}[U_true])``.

    On each piece :math:`(c_{k-1}, c_k]` of :func:`quantiliser_returns` the true return is
    :math:`\bar u_k + B_k / q`, monotone in q, and it is continuous; so its maximum over
    (0, 1] is attained at a knot :math:`c_k`. When several q attain it (a flat stretch), q* is
    the **largest** maximiser: the least optimisation pressure that achieves the best true
    return.

    Source: Taylor (2016); the peak of the true-reward curve against optimisation pressure is
    the Goodhart curve of Gao, Schulman & Hilton (2022).

    >>> peak_q(["1/2", "1/4", "1/4"], [3, 2, 1], [0, 2, -2])
    (Fraction(3, 4), Fraction(2, 3))
    """
    r = quantiliser_returns(base, utility_proxy, utility_true, tie=tie)
    best_q, best_v = None, None
    for k in r.true.knots[1:]:
        v = r.true.at(parse_number(k))
        if best_v is None or v >= best_v:
            best_q, best_v = parse_number(k), v
    return best_q, best_v


@dataclasses.dataclass(frozen=True, eq=False)
class BestOfNReturns:
    """The exact expected proxy and true utility of best-of-n as closed forms in n >= 1
    (Gao, Schulman & Hilton 2022; built by :func:`best_of_n_returns`).

    >>> best_of_n_returns(["1/2", "1/2"], [1, 0], [0, 1]).at(2)
    (Fraction(3, 4), Fraction(1, 4))
    """

    symbol: sympy.Symbol
    proxy: sympy.Expr
    true: sympy.Expr

    def at(self, n: int) -> tuple[Fraction, Fraction]:
        """(expected proxy, expected true) utility at an integer n >= 1."""
        sub = {self.symbol: sympy.Integer(_n(n))}
        return parse_number(self.proxy.xreplace(sub)), parse_number(self.true.xreplace(sub))


def best_of_n_returns(
    base: Sequence[Any],
    utility_proxy: Sequence[Any],
    utility_true: Sequence[Any],
    n: str | sympy.Symbol = "n",
    tie: TieRule = "last",
) -> BestOfNReturns:
    r"""Expected proxy and true utility of the best of n base draws (ranked by the proxy), as
    exact closed forms in the integer n >= 1.

    Order the outcomes ascending into the groups :math:`G_1 < \dots < G_m` of
    :func:`ranked_groups` (``"last"``, the default, and ``"first"``: one outcome per group, the
    later / earlier index winning a tie; ``"uniform"``: one group per proxy level, the winner
    uniform among tied draws), with cumulative base masses :math:`C_k` and base-weighted mean
    utilities :math:`\bar u_k`. Then :math:`P(\text{best} \in G_k) = C_k^n - C_{k-1}^n` and,
    summing by parts,

    .. math:: E_n[U] = \bar u_m + \sum_{k<m} (\bar u_k - \bar u_{k+1})\, C_k^n,

    a finite sum of exact rationals times :math:`C_k^n`. The same law as
    :func:`best_of_n_distribution`.

    Source: Gao, Schulman & Hilton (2022); Beirami et al. (2024), sec. 2.

    >>> r = best_of_n_returns(["1/2", "1/2"], [0, 1], [1, 0])
    >>> r.true, r.at(3)
    ((1/2)**n, (Fraction(7, 8), Fraction(1, 8)))
    """
    p, up, ut = _one_shot(base, utility_proxy, utility_true)
    groups = list(reversed(ranked_groups(up, tie)))  # ascending
    sym = _symbol(n, "n", integer=True, positive=True)
    cum, stats = Fraction(0), []
    for g in groups:
        mass = sum(p[i] for i in g)
        if mass == 0:
            continue
        cum += mass
        stats.append((cum, sum(p[i] * up[i] for i in g) / mass, sum(p[i] * ut[i] for i in g) / mass))

    def closed_form(which: int) -> sympy.Expr:
        terms = [_expr(stats[-1][which])]
        for (c, *means), (_c2, *nxt) in zip(stats, stats[1:]):
            coef = means[which - 1] - nxt[which - 1]
            if coef != 0:
                terms.append(_expr(coef) * _expr(c) ** sym)
        return sympy.Add(*terms)

    return BestOfNReturns(sym, closed_form(1), closed_form(2))
