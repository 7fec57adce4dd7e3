r"""Goodhart curves and reward hacking: metrics of a proxy that is optimised too hard.

A *Goodhart curve* records, for one agent family swept over its optimisation-pressure
parameter (:math:`-\log q` or :math:`1/q` for a quantiliser, :math:`\beta` for a Boltzmann agent,
n for best-of-n, the depth of a lookahead: the caller says which), the expected proxy return and
the expected true return of the policy at each pressure. Goodhart's law (Goodhart 1975;
Manheim & Garrabrant 2018) predicts that past some pressure the true return falls while the
proxy keeps rising; Karwowski et al. ("Goodhart's Law in Reinforcement Learning", ICLR 2024)
measure how often and how much this happens in MDPs and explain it by the geometry of the
occupancy polytope (see :mod:`theory.polytope`).

Reward hacking (Skalse et al., "Defining and Characterizing Reward Hacking", NeurIPS 2022,
section 4.2): a pair of rewards is *hackable* on a set of policies when raising the expected
return of one can lower that of the other (Definition 1); *trivial* and *equivalent* are defined
in the paragraph after it; a *simplification* collapses distinctions without reversing any
(Definition 2). :func:`hackable`, :func:`trivial`, :func:`equivalent` and :func:`simplifies`
decide them exactly on a finite set of policies (by default the deterministic stationary ones).

Comparisons are exact on exact input (Fractions). Where a float is involved, "a < b" means
:math:`b - a > \text{tol} \cdot \max(1, |a|, |b|)` with ``tolerance`` (default
``FLOAT_TOLERANCE``) a relative tolerance in [0, 1).

Examples
--------
A 3-arm bandit where the proxy ranks the arms a0 < a1 < a2 but the true reward prefers a1;
quantilising the proxy with q = 1, 2/3, 1/3 (pressure 1/q) rises, then falls, in true return:

>>> from fractions import Fraction as F
>>> from theory.mdp import FiniteMDP
>>> from theory.policy import Policy
>>> bandit = FiniteMDP(states=["s"], actions=["a0", "a1", "a2"], transitions=[[[1], [1], [1]]],
...                    rewards={"true": [[0, 2, 1]], "proxy": [[0, 1, 2]]}, initial=[1], horizon=1)
>>> family = [(1, Policy([["1/3", "1/3", "1/3"]], bandit.states, bandit.actions)),
...           (F(3, 2), Policy([[0, "1/2", "1/2"]], bandit.states, bandit.actions)),
...           (3, Policy([[0, 0, 1]], bandit.states, bandit.actions))]
>>> curve = evaluate_curve(bandit, family, label="action quantiliser", parameter="1/q")
>>> curve.proxy, curve.true
((Fraction(1, 1), Fraction(3, 2), Fraction(2, 1)), (Fraction(1, 1), Fraction(3, 2), Fraction(1, 1)))
>>> is_goodharting(curve), drop_height(curve, *true_return_range(bandit))
(True, Fraction(1, 4))
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

import numpy as np

from theory.errors import InvalidArgument, InvalidPolicy
from theory.evaluation import Reward, expected_return, occupancy, reward_array
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return
from theory.numbers import FLOAT_TOLERANCE, Number, format_number
from theory.policy import Policy
from theory.polytope import MAX_POLICIES, deterministic_policies, project_reward
from theory.validation import check_angle, check_tolerance

__all__ = [
    "GoodhartCurve",
    "goodhart_curve",
    "evaluate_curve",
    "goodhart_witness",
    "is_goodharting",
    "peak",
    "drop_height",
    "normalised_drop_height",
    "goodhart_drop",
    "early_stopping_index",
    "early_stopping_loss",
    "true_return_range",
    "policy_returns",
    "hackable",
    "trivial",
    "equivalent",
    "simplifies",
]


# -- numbers and comparisons -------------------------------------------------------------------


def _number(value: Any, field: str) -> Number:
    """A finite real number kept in its kind: int, Fraction (any exact rational) or float."""
    if isinstance(value, bool) or isinstance(value, (str, bytes)):
        raise InvalidArgument(f"{field} is {value!r}, not a number")
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InvalidArgument(f"{field} is {float(value)!r}, not a finite number")
        return float(value)
    if hasattr(value, "p") and hasattr(value, "q"):  # sympy / flint rationals
        try:
            return Fraction(int(value.p), int(value.q))
        except (TypeError, ValueError):
            pass
    raise InvalidArgument(f"{field} is {value!r}, not a number")


def _less(a: Number, b: Number, tol: float) -> bool:
    """a < b: exactly when neither is a float, else by more than tol * max(1, |a|, |b|).

    With tol < 1 the float relation is monotone: if a < b then a' < b for every a' <= a and
    a < b' for every b' >= b, which the scans below rely on.
    """
    if not isinstance(a, float) and not isinstance(b, float):
        return a < b
    return float(b) - float(a) > tol * max(1.0, abs(float(a)), abs(float(b)))


def _same(a: Number, b: Number, tol: float) -> bool:
    return not _less(a, b, tol) and not _less(b, a, tol)


# -- the curve ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GoodhartCurve:
    """The expected proxy and true returns of one agent family along its pressure parameter.

    - ``pressure``: strictly increasing numbers; larger means more optimisation of the proxy
      (e.g. :math:`-\\log q` or :math:`1/q`, :math:`\\beta`, n, depth).
    - ``proxy``, ``true``: the expected proxy and true returns at each pressure; all exact
      (``Fraction``; ints are read as Fractions) or all float.
    - ``label``: the family (e.g. "Boltzmann"); ``parameter``: what ``pressure`` is (e.g. "beta").

    Validated at construction; an error names the field, the index and the value. Build one
    from unsorted points with :func:`goodhart_curve`, or from policies with :func:`evaluate_curve`.

    Source: the "true reward against optimisation pressure" curves of Karwowski et al. (2024),
    figure 1; Gao, Schulman & Hilton, "Scaling Laws for Reward Model Overoptimization" (2023).

    >>> c = GoodhartCurve(pressure=(0, 1), proxy=(0, 1), true=(0, "1/2"), label="argmax", parameter="n")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: true[1] is '1/2', not a number
    >>> GoodhartCurve(pressure=(0, 1), proxy=(0, 1), true=(0, Fraction(1, 2)), label="argmax", parameter="n").true
    (Fraction(0, 1), Fraction(1, 2))
    """

    pressure: tuple[Number, ...]
    proxy: tuple[Number, ...]
    true: tuple[Number, ...]
    label: str
    parameter: str

    def __post_init__(self) -> None:
        for name in ("label", "parameter"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise InvalidArgument(f"{name} is {value!r}, not a non-empty string")
        columns = {}
        for name in ("pressure", "proxy", "true"):
            value = getattr(self, name)
            if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                raise InvalidArgument(f"{name} is {value!r}, not a sequence of numbers")
            columns[name] = [_number(x, f"{name}[{i}]") for i, x in enumerate(value)]
        n = len(columns["pressure"])
        if n == 0:
            raise InvalidArgument("pressure is empty; a curve needs at least one point")
        for name in ("proxy", "true"):
            if len(columns[name]) != n:
                raise InvalidArgument(f"{name} has {len(columns[name])} values but pressure has {n}")
        p = columns["pressure"]
        for i in range(1, n):
            if not p[i] > p[i - 1]:
                raise InvalidArgument(
                    f"pressure[{i}] is {format_number(p[i])}, not greater than pressure[{i - 1}] = {format_number(p[i - 1])}"
                )
        returns = [(name, i, x) for name in ("proxy", "true") for i, x in enumerate(columns[name])]
        floats = [r for r in returns if isinstance(r[2], float)]
        rationals = [r for r in returns if isinstance(r[2], Fraction) and r[2].denominator != 1]
        if floats and rationals:
            (fn, fi, fx), (rn, ri, rx) = floats[0], rationals[0]
            raise InvalidArgument(
                f"{rn}[{ri}] is {format_number(rx)} (exact) but {fn}[{fi}] is {fx!r} (float); "
                "a curve's returns are all exact or all float"
            )
        kind = float if floats else Fraction
        object.__setattr__(self, "pressure", tuple(p))
        for name in ("proxy", "true"):
            object.__setattr__(self, name, tuple(kind(x) for x in columns[name]))

    @property
    def exact(self) -> bool:
        """True when the returns are Fractions, False when they are floats."""
        return not isinstance(self.true[0], float)

    def __len__(self) -> int:
        return len(self.pressure)


def goodhart_curve(
    points: Iterable[tuple[Number, Number, Number]], label: str, parameter: str
) -> GoodhartCurve:
    """A :class:`GoodhartCurve` from ``(pressure, proxy_return, true_return)`` triples in any
    order: sorted by pressure (two points with the same pressure are refused, naming both).

    >>> c = goodhart_curve([(2, 3, 0), (0, 1, 1), (1, 2, 2)], label="best-of-n", parameter="log n")
    >>> c.pressure, c.true
    ((0, 1, 2), (Fraction(1, 1), Fraction(2, 1), Fraction(0, 1)))
    >>> goodhart_curve([(0, 1, 1), (0, 2, 2)], label="best-of-n", parameter="log n")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: points[1] has pressure 0, the same as points[0]
    """
    if isinstance(points, (str, bytes)) or not isinstance(points, Iterable):
        raise InvalidArgument(f"points is {points!r}, not an iterable of (pressure, proxy_return, true_return) triples")
    rows = []
    for i, point in enumerate(points):
        if isinstance(point, (str, bytes)) or not isinstance(point, Sequence) or len(point) != 3:
            raise InvalidArgument(f"points[{i}] is {point!r}, not a triple (pressure, proxy_return, true_return)")
        pressure = _number(point[0], f"points[{i}] pressure")
        proxy = _number(point[1], f"points[{i}] proxy return")
        true = _number(point[2], f"points[{i}] true return")
        rows.append((pressure, i, proxy, true))
    rows.sort(key=lambda row: (row[0], row[1]))
    for (p0, i0, _, _), (p1, i1, _, _) in zip(rows, rows[1:]):
        if p0 == p1:
            first, second = sorted((i0, i1))
            raise InvalidArgument(f"points[{second}] has pressure {format_number(p1)}, the same as points[{first}]")
    return GoodhartCurve(
        pressure=tuple(r[0] for r in rows),
        proxy=tuple(r[2] for r in rows),
        true=tuple(r[3] for r in rows),
        label=label,
        parameter=parameter,
    )


def evaluate_curve(
    mdp: FiniteMDP,
    family: Iterable[tuple[Number, Policy]],
    label: str,
    parameter: str,
    proxy: Reward = "proxy",
    true: Reward = "true",
) -> GoodhartCurve:
    """The Goodhart curve of ``(pressure, policy)`` pairs on ``mdp``: each policy's expected
    proxy and true returns :math:`J_{proxy}(\\pi)`, :math:`J_{true}(\\pi)`, exact on exact input.
    (Behaviour that is not a Markov policy is evaluated by its agent; pass its returns to
    :func:`goodhart_curve`.)

    >>> from theory.examples import two_state
    >>> m = two_state()
    >>> c = evaluate_curve(m, [(0, Policy.uniform(m)), (1, Policy.deterministic(m, ["go", "stay"]))],
    ...                    label="demo", parameter="beta")
    >>> c.true
    (Fraction(405, 191), Fraction(810, 91))
    """
    if isinstance(family, (str, bytes)) or not isinstance(family, Iterable):
        raise InvalidArgument(f"family is {family!r}, not an iterable of (pressure, Policy) pairs")
    points = []
    for i, item in enumerate(family):
        if not isinstance(item, Sequence) or len(item) != 2 or not isinstance(item[1], Policy):
            raise InvalidArgument(f"family[{i}] is {item!r}, not a pair (pressure, Policy)")
        pressure, pi = item
        points.append((pressure, expected_return(mdp, pi, proxy), expected_return(mdp, pi, true)))
    return goodhart_curve(points, label, parameter)


def _check_curve(curve: Any) -> GoodhartCurve:
    if not isinstance(curve, GoodhartCurve):
        raise InvalidArgument(f"curve is {type(curve).__name__}, not a GoodhartCurve")
    return curve


# -- Goodharting -------------------------------------------------------------------------------


def goodhart_witness(curve: GoodhartCurve, tolerance: float = FLOAT_TOLERANCE) -> tuple[int, int] | None:
    """A witness ``(i, j)`` that the curve Goodharts (see :func:`is_goodharting`), or None.

    The witness has :math:`i < j < n - 1`, ``true[i] < true[j]`` and ``true[n-1] < true[j]``:
    j is the *earliest* index that improves on an earlier point and beats the final point, and
    i is the first minimiser of ``true[:j]``. O(n).

    >>> c = goodhart_curve([(0, 0, 1), (1, 1, 3), (2, 2, 4), (3, 3, 2)], label="demo", parameter="n")
    >>> goodhart_witness(c)
    (0, 1)
    """
    curve = _check_curve(curve)
    tol = check_tolerance(tolerance)
    t = curve.true
    last = t[-1]
    lowest = 0  # first minimiser of t[:j]
    for j in range(1, len(t) - 1):
        if _less(t[lowest], t[j], tol) and _less(last, t[j], tol):
            return lowest, j
        if t[j] < t[lowest]:
            lowest = j
    return None


def is_goodharting(curve: GoodhartCurve, tolerance: float = FLOAT_TOLERANCE) -> bool:
    """Whether the true return *rises and then ends lower* as the pressure grows.

    Definition (deconfuse). With n points, the curve Goodharts when there are indices
    :math:`i < j` with

    .. math:: \\text{true}[i] < \\text{true}[j] \\quad\\text{and}\\quad \\text{true}[n-1] < \\text{true}[j],

    i.e. the triple condition :math:`i < j < k`, :math:`\\text{true}[i] < \\text{true}[j] >
    \\text{true}[k]` with k fixed at the *final* (highest) pressure. Strict comparisons, exact on
    exact input; on float input "<" is beyond ``tolerance`` (relative, see the module docstring).

    Why this definition. Karwowski et al. (2024) call Goodharting the situation where
    optimising the proxy increases the true return up to some point and decreases it after
    that, so that the end of optimisation is worse than an intermediate stopping point. So:

    - rising then falling (1, 3, 2): Goodharting; also falling, rising, falling (5, 0, 3, 1):
      there is a rise (0 -> 3) that the last pressure loses again;
    - monotone rising, or flat (within the tolerance): not Goodharting;
    - **monotone falling (3, 2, 1): not Goodharting** — no amount of pressure ever helped, the
      proxy is misaligned from the start rather than "good until over-optimised"; its loss still
      shows in :func:`drop_height` (which is then > 0);
    - a dip that recovers (0, 2, 1, 3): not Goodharting — the strongest pressure is also the
      best, so stopping early would not help (plain non-monotonicity).

    The proxy returns are not consulted, so the test applies to any family; along the
    families deconfuse sweeps the proxy typically rises with the pressure. Every Goodharting
    curve has a positive :func:`drop_height`. Source: Karwowski et al., "Goodhart's Law in
    Reinforcement Learning" (ICLR 2024), section 2.2; Manheim & Garrabrant (2018).

    >>> up_down = goodhart_curve([(0, 0, 0), (1, 1, 2), (2, 2, 1)], label="demo", parameter="n")
    >>> falling = goodhart_curve([(0, 0, 2), (1, 1, 1), (2, 2, 0)], label="demo", parameter="n")
    >>> is_goodharting(up_down), is_goodharting(falling)
    (True, False)
    """
    return goodhart_witness(curve, tolerance) is not None


def peak(curve: GoodhartCurve) -> tuple[int, Number, Number]:
    """``(index, pressure, true return)`` of the first point with the largest true return (the
    largest value as stored, no tolerance).

    >>> peak(goodhart_curve([(0, 0, 1), (1, 1, 3), (2, 2, 3)], label="demo", parameter="n"))
    (1, 1, Fraction(3, 1))
    """
    curve = _check_curve(curve)
    best = max(curve.true)
    i = curve.true.index(best)
    return i, curve.pressure[i], curve.true[i]


def drop_height(
    curve: GoodhartCurve, true_min: Number, true_max: Number, tolerance: float = FLOAT_TOLERANCE
) -> Number:
    """Normalised drop height: how much of the true return's range the curve loses from its
    peak to its final point,

    .. math:: \\frac{\\max_i \\text{true}[i] - \\text{true}[n-1]}{J^{max}_{true} - J^{min}_{true}} \\in [0, 1],

    where :math:`J^{max}_{true}` and :math:`J^{min}_{true}` are the largest and smallest true
    return over *all* policies (compute them with :func:`true_return_range`). Defined as 0 when
    the range is 0 (within the tolerance for floats). Exact (a Fraction) when the curve and both
    bounds are exact, else a float. A curve value outside [true_min, true_max] is refused
    (beyond the tolerance for floats): it means the bounds belong to another problem.

    0 for a curve that ends at its maximum; > 0 for every Goodharting curve and for a curve that
    only falls. This is deconfuse's definition, for any family and any pressure parameter: its
    last point is wherever the caller's sweep ends. Karwowski et al. (2024) define theirs,
    :func:`normalised_drop_height`, with the pressure :math:`\\lambda \\in [0, 1]` and the last
    point the fully optimised policy :math:`\\pi_1`; on such a curve the two are equal.

    >>> c = goodhart_curve([(0, 0, 0), (1, 1, 3), (2, 2, 1)], label="demo", parameter="n")
    >>> drop_height(c, 0, 4)
    Fraction(1, 2)
    """
    curve = _check_curve(curve)
    tol = check_tolerance(tolerance)
    low = _number(true_min, "true_min")
    high = _number(true_max, "true_max")
    if _less(high, low, tol):
        raise InvalidArgument(f"true_min is {format_number(low)}, greater than true_max = {format_number(high)}")
    for i, x in enumerate(curve.true):
        if _less(high, x, tol):
            raise InvalidArgument(f"curve.true[{i}] is {format_number(x)}, above true_max = {format_number(high)}")
        if _less(x, low, tol):
            raise InvalidArgument(f"curve.true[{i}] is {format_number(x)}, below true_min = {format_number(low)}")
    exact = curve.exact and not isinstance(low, float) and not isinstance(high, float)
    if _same(low, high, tol):
        return Fraction(0) if exact else 0.0
    drop = max(curve.true) - curve.true[-1]
    if exact:
        return Fraction(drop) / (Fraction(high) - Fraction(low))
    return float(drop) / (float(high) - float(low))


def true_return_range(mdp: FiniteMDP, true: Reward = "true") -> tuple[Number, Number]:
    """``(min, max)`` of the expected true return :math:`J_{true}(\\pi)` over all policies:
    the max by the exact solver (:func:`theory.solvers.solve`), the min as minus the optimum of
    the negated reward. Both are attained by deterministic Markov policies (Puterman 1994,
    Theorems 4.4.2 and 6.2.10), so the range over all policies equals the range over those.
    Exact on exact input.

    >>> from theory.examples import two_state
    >>> true_return_range(two_state())
    (Fraction(0, 1), Fraction(810, 91))
    """
    r = reward_array(mdp, true)
    high = optimal_return(mdp, r)
    low = -optimal_return(mdp, -r)
    return low, high


# -- Karwowski et al. (2024): their drop height, criterion and early stopping ---------------------


def normalised_drop_height(
    curve: GoodhartCurve, true_min: Number, true_max: Number, tolerance: float = FLOAT_TOLERANCE
) -> Number:
    """The normalised drop height (NDH) of Karwowski et al. (2024), Definition 5 (section 2.2):
    with the true reward :math:`R_0` normalised so that :math:`\\min_\\pi J_{R_0} = 0` and
    :math:`\\max_\\pi J_{R_0} = 1`, and :math:`\\pi_\\lambda` the policy at optimisation pressure
    :math:`\\lambda \\in [0, 1]`,

    .. math:: \\mathrm{NDH} = \\max_{\\lambda \\in [0, 1]} J_{R_0}(\\pi_\\lambda) - J_{R_0}(\\pi_1),

    "the loss of true reward throughout the optimisation process". Here the normalisation is
    :math:`(J - J^{min}) / (J^{max} - J^{min})` with the bounds of :func:`true_return_range`, and
    the maximum is over the curve's points. The curve's pressures must be :math:`\\lambda` values
    in [0, 1] ending at exactly 1 (the fully optimised :math:`\\pi_1`; for their families
    :math:`\\lambda = e^{-\\alpha}` with :math:`\\alpha` the regularisation strength, so
    :math:`\\pi_1` is the unregularised optimum of the proxy); anything else is refused, naming
    the pressure. On such a curve it equals deconfuse's :func:`drop_height`.

    Source: Karwowski, Hayman, Bai, Kiendlhofer, Griffin & Skalse, "Goodhart's Law in
    Reinforcement Learning" (ICLR 2024), section 2.2, Definition 5 (the number as the OpenReview
    reviewers cite it).

    >>> c = goodhart_curve([(0, 0, 2), (Fraction(1, 2), 3, 3), (1, 4, 2)], label="demo", parameter="lambda")
    >>> normalised_drop_height(c, 0, 4)
    Fraction(1, 4)
    """
    curve = _check_curve(curve)
    for i, lam in enumerate(curve.pressure):
        if lam < 0 or lam > 1:
            raise InvalidArgument(f"curve.pressure[{i}] is {format_number(lam)}, not an optimisation pressure lambda in [0, 1]")
    if curve.pressure[-1] != 1:
        raise InvalidArgument(
            f"curve.pressure[-1] is {format_number(curve.pressure[-1])}, not 1: the normalised drop height "
            "compares with the fully optimised policy pi_1"
        )
    return drop_height(curve, true_min, true_max, tolerance)


def goodhart_drop(
    curve: GoodhartCurve, true_min: Number, true_max: Number, min_drop: Number = 0,
    tolerance: float = FLOAT_TOLERANCE,
) -> bool:
    """Whether a *Goodhart drop* occurs in the sense of Karwowski et al. (2024), section 3.2:
    :math:`\\mathrm{NDH} > ` ``min_drop`` (:func:`normalised_drop_height`; the paper counts
    NDH > 0, ``min_drop = 0``). Exact on exact input; on float input ">" is beyond ``tolerance``.

    Unlike deconfuse's :func:`is_goodharting`, a curve that only falls counts (its NDH is > 0),
    and a threshold ``min_drop`` in [0, 1) leaves out drops too small to matter (deconfuse's
    own sweep finds most NDHs below 0.01).

    >>> falling = goodhart_curve([(0, 0, 2), (Fraction(1, 2), 1, 1), (1, 2, 0)], label="demo", parameter="lambda")
    >>> goodhart_drop(falling, 0, 4), is_goodharting(falling), goodhart_drop(falling, 0, 4, min_drop=Fraction(1, 2))
    (True, False, False)
    """
    tol = check_tolerance(tolerance)
    threshold = _number(min_drop, "min_drop")
    if threshold < 0 or threshold >= 1:
        raise InvalidArgument(f"min_drop is {format_number(threshold)}, not in [0, 1)")
    return _less(threshold, normalised_drop_height(curve, true_min, true_max, tol), tol)


def early_stopping_index(mdp: FiniteMDP, path: Sequence[Any], proxy: Reward, theta: float) -> int:
    """Where Karwowski et al.'s early stopping rule (section 5, Theorem 1 / Corollary 1) stops
    along a path of policies :math:`\\pi_0, \\dots, \\pi_n` optimising the proxy :math:`R_1`,
    given a bound :math:`\\theta \\ge \\arg(R_0, R_1)` (:func:`theory.polytope.projected_angle`) on
    the angle to the unknown true reward: the index of the policy to keep,

    .. math:: i^* = \\min\\Big\\{ i : \\frac{J_{R_1}(\\pi_{i+1}) - J_{R_1}(\\pi_i)}{\\lVert \\eta_{i+1} -
              \\eta_i \\rVert} < \\sin(\\theta) \\lVert M_\\tau R_1 \\rVert \\Big\\}

    (n when no step qualifies). The left side is :math:`t_i \\cdot M_\\tau R_1` for the unit
    direction :math:`t_i` of the step, so the rule stops before the first step whose angle to
    :math:`M_\\tau R_1` exceeds :math:`\\pi/2 - \\theta`: past it some reward within
    :math:`\\theta` of the proxy, possibly the true one, *decreases*. Steps of length 0 are
    skipped. ``path`` items are Policies or (S, A) occupancy measures; ``theta`` in [0, pi/2].
    The comparison is done on squares, exactly on exact input (against the float
    :math:`\\sin^2\\theta` read exactly).

    >>> from theory.mdp import FiniteMDP
    >>> one = FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
    ...                 rewards={"true": [[0, 2, 1]], "proxy": [[0, 1, 2]]}, initial=[1], discount="1/2")
    >>> path = [[["2/3", "2/3", "2/3"]], [[0, 1, 1]], [[0, 0, 2]]]
    >>> [early_stopping_index(one, path, "proxy", math.radians(t)) for t in (20, 50, 65)]
    [2, 1, 0]
    """
    theta = check_angle(theta)
    r1 = reward_array(mdp, proxy)
    m1 = project_reward(mdp, proxy).reshape(-1)
    etas = []
    for k, item in enumerate(path):
        if isinstance(item, Policy):
            etas.append(occupancy(mdp, item).reshape(-1))
            continue
        arr = np.asarray(item, dtype=object if mdp.exact else np.float64)
        if arr.shape != (mdp.S, mdp.A):
            raise InvalidArgument(f"path[{k}] has shape {arr.shape}, expected {(mdp.S, mdp.A)} (an occupancy measure)")
        etas.append(np.array([Fraction(x) for x in arr.flat], dtype=object) if mdp.exact else arr.reshape(-1))
    if not etas:
        raise InvalidArgument("path is empty")
    exact = mdp.exact
    num = (lambda x: Fraction(x)) if exact else float  # noqa: E731
    sin2 = num(math.sin(theta)) ** 2
    norm2 = num(sum((m1 * m1).tolist(), num(0)))
    flat = r1.reshape(-1)
    for i in range(len(etas) - 1):
        step = etas[i + 1] - etas[i]
        length2 = num(sum((step * step).tolist(), num(0)))
        if length2 == 0:
            continue
        gain = num(sum((step * flat).tolist(), num(0)))
        if gain < 0 or gain * gain < sin2 * norm2 * length2:
            return i
    return len(etas) - 1


def early_stopping_loss(curve: GoodhartCurve, stop: int, true_min: Number, true_max: Number) -> Number:
    """The true return lost by stopping at point ``stop`` of the curve instead of at the oracle
    stopping point (the curve's best true return), normalised by the true return range as in
    :func:`normalised_drop_height`: :math:`(\\max_j J_{R_0}(\\pi_j) - J_{R_0}(\\pi_{stop})) /
    (J^{max} - J^{min}) \\in [0, 1]`; 0 when the range is 0. What Karwowski et al. (2024,
    section 5, Figure 5) measure of their early stopping.

    >>> c = goodhart_curve([(0, 0, 2), (1, 3, 3), (2, 4, 2)], label="demo", parameter="i")
    >>> early_stopping_loss(c, 0, 0, 4), early_stopping_loss(c, 1, 0, 4)
    (Fraction(1, 4), Fraction(0, 1))
    """
    curve = _check_curve(curve)
    if isinstance(stop, bool) or not isinstance(stop, Integral) or not 0 <= stop < len(curve.true):
        raise InvalidArgument(f"stop is {stop!r}, not an index of the curve's {len(curve.true)} points")
    best = max(curve.true)
    # the drop of the two-point curve (best, stopped) is exactly the normalised loss
    two = goodhart_curve([(0, best, best), (1, curve.true[stop], curve.true[stop])], curve.label, curve.parameter)
    return drop_height(two, true_min, true_max)


# -- reward hacking ----------------------------------------------------------------------------


def _policy_list(mdp: FiniteMDP, policies: Iterable[Policy] | None, max_policies: int) -> list[Policy]:
    if policies is None:
        return deterministic_policies(mdp, max_policies)
    if isinstance(policies, (str, bytes)) or not isinstance(policies, Iterable):
        raise InvalidArgument(f"policies is {policies!r}, not an iterable of Policies")
    out = list(policies)
    for k, pi in enumerate(out):
        if not isinstance(pi, Policy):
            raise InvalidPolicy(f"policies[{k}] is {type(pi).__name__}, not a Policy")
        try:
            pi.check_fits(mdp)
        except InvalidPolicy as exc:
            raise InvalidPolicy(f"policies[{k}]: {exc}") from None
    return out


def policy_returns(
    mdp: FiniteMDP,
    rewards: Sequence[Reward],
    policies: Iterable[Policy] | None = None,
    *,
    max_policies: int = MAX_POLICIES,
) -> tuple[list[Policy], list[tuple[Number, ...]]]:
    """The policies (the deterministic stationary ones by default) and, for each, its expected
    returns under every reward of ``rewards``:
    :math:`J_R(\\pi) = \\sum_{s,a} d_\\pi(s, a) R(s, a)` with one occupancy measure per policy.
    Exact on exact input.

    >>> from theory.examples import two_state
    >>> pis, js = policy_returns(two_state(), ["true", "proxy"])
    >>> js[2]
    (Fraction(810, 91), Fraction(860, 91))
    """
    if isinstance(rewards, (str, bytes)) or not isinstance(rewards, Sequence):
        raise InvalidArgument(f"rewards is {rewards!r}, not a sequence of rewards")
    arrays = [reward_array(mdp, r) for r in rewards]
    pis = _policy_list(mdp, policies, max_policies)
    values = []
    for pi in pis:
        d = occupancy(mdp, pi)
        if mdp.exact:
            values.append(tuple(sum((d * r).flat, Fraction(0)) for r in arrays))
        else:
            values.append(tuple(float((d * r).sum()) for r in arrays))
    return pis, values


def hackable(
    mdp: FiniteMDP,
    reward1: Reward,
    reward2: Reward,
    policies: Iterable[Policy] | None = None,
    *,
    max_policies: int = MAX_POLICIES,
    tolerance: float = FLOAT_TOLERANCE,
) -> tuple[Policy, Policy] | None:
    """A witness that the reward pair is hackable on a set of policies, or None if it is not.

    Definition (Skalse et al. 2022, Definition 1): :math:`(R_1, R_2)` is *hackable* on
    :math:`\\Pi` when some :math:`\\pi, \\pi' \\in \\Pi` have :math:`J_1(\\pi) < J_1(\\pi')` and
    :math:`J_2(\\pi) > J_2(\\pi')`: improving one reward can worsen the other. The relation is
    symmetric in the two rewards. The witness returned is such a pair ``(pi, pi_prime)``.

    :math:`\\Pi` is ``policies`` (any finite set of policies that fit the MDP), by default the
    :math:`A^S` deterministic stationary policies (refused past ``max_policies``, 4096 by
    default). On sets containing an open set of stochastic policies, Skalse et al. show that
    unhackable and non-trivial implies equivalent (Theorem 1, Corollaries 1 and 2); on finite
    sets such as the deterministic policies, non-trivial unhackable pairs that are *not*
    equivalent exist (Theorem 2; :func:`equivalent`). Both comparisons are strict: an
    unhackable pair may have :math:`J_1(\\pi) < J_1(\\pi')` and :math:`J_2(\\pi) = J_2(\\pi')`.

    Exact on exact input; on float input "<" is beyond ``tolerance`` (relative). Method: sort
    the N policies by :math:`J_1` and scan once, keeping the largest :math:`J_2` among the
    policies strictly below the current :math:`J_1`: O(N log N) comparisons after N exact
    evaluations.

    Source: Skalse, Howe, Krasheninnikov & Krueger, "Defining and Characterizing Reward
    Hacking", NeurIPS 2022.

    >>> from theory.mdp import FiniteMDP
    >>> bandit = FiniteMDP(states=["s"], actions=["a0", "a1", "a2"], transitions=[[[1], [1], [1]]],
    ...                    rewards={"r1": [[0, 1, 2]], "r2": [[0, 2, 1]]}, initial=[1], horizon=1)
    >>> pi, pi_prime = hackable(bandit, "r1", "r2")
    >>> pi.action_labels(), pi_prime.action_labels()
    (('a1',), ('a2',))
    >>> hackable(bandit, "r1", "r1") is None
    True
    """
    tol = check_tolerance(tolerance)
    pis, values = policy_returns(mdp, [reward1, reward2], policies, max_policies=max_policies)
    j1 = [v[0] for v in values]
    j2 = [v[1] for v in values]
    order = sorted(range(len(pis)), key=lambda k: (j1[k], k))
    p = 0
    best: int | None = None  # among order[:p] (the policies with J1 below the current one), the max J2
    for k in order:
        while p < len(order) and _less(j1[order[p]], j1[k], tol):
            if best is None or j2[order[p]] > j2[best]:
                best = order[p]
            p += 1
        if best is not None and _less(j2[k], j2[best], tol):
            return pis[best], pis[k]
    return None


def trivial(
    mdp: FiniteMDP,
    reward: Reward,
    policies: Iterable[Policy] | None = None,
    *,
    max_policies: int = MAX_POLICIES,
    tolerance: float = FLOAT_TOLERANCE,
) -> bool:
    """Whether ``reward`` is *trivial* on the policy set: :math:`J(\\pi) = J(\\pi')` for all
    :math:`\\pi, \\pi'` in it (exactly; within ``tolerance`` between the smallest and largest
    return for floats). By default the deterministic stationary policies. A trivial reward
    forms an unhackable pair with every reward. Vacuously true on an empty set.

    Source: Skalse et al. (2022), section 4.2, the paragraph after Definition 1 ("R is trivial
    on Π if J(π) = J(π') for all π, π' ∈ Π").

    >>> from theory.examples import two_state
    >>> trivial(two_state(), "true"), trivial(two_state(), [[1, 1], [1, 1]])
    (False, True)
    """
    tol = check_tolerance(tolerance)
    _, values = policy_returns(mdp, [reward], policies, max_policies=max_policies)
    js = [v[0] for v in values]
    return not js or _same(min(js), max(js), tol)


def equivalent(
    mdp: FiniteMDP,
    reward1: Reward,
    reward2: Reward,
    policies: Iterable[Policy] | None = None,
    *,
    max_policies: int = MAX_POLICIES,
    tolerance: float = FLOAT_TOLERANCE,
) -> bool:
    """Whether the two rewards order the policy set identically:
    :math:`J_1(\\pi) \\le J_1(\\pi') \\iff J_2(\\pi) \\le J_2(\\pi')` for all pairs (Skalse et
    al. 2022, section 4.2, the paragraph after Definition 1: "J1 and J2 induce the same ordering
    of Π"). By default the deterministic stationary policies.

    Method: sort by :math:`(J_1, J_2)`; the rewards are equivalent iff every two consecutive
    policies compare the same way under both (both equal, or both strictly increasing). Exact
    on exact input; for floats the consecutive comparisons use ``tolerance``.

    Source: Skalse et al. (2022), section 4.2.

    >>> from theory.examples import two_state
    >>> equivalent(two_state(), "true", [[0, 0], [3, 0]]), equivalent(two_state(), "true", "proxy")
    (True, False)
    """
    tol = check_tolerance(tolerance)
    _, values = policy_returns(mdp, [reward1, reward2], policies, max_policies=max_policies)
    values = sorted(values)
    for (a1, a2), (b1, b2) in zip(values, values[1:]):
        if _less(a1, b1, tol) != _less(a2, b2, tol) or _less(b2, a2, tol):
            return False
    return True


def simplifies(
    mdp: FiniteMDP,
    reward1: Reward,
    reward2: Reward,
    policies: Iterable[Policy] | None = None,
    *,
    max_policies: int = MAX_POLICIES,
    tolerance: float = FLOAT_TOLERANCE,
) -> tuple[Policy, Policy] | None:
    """A witness that ``reward2`` is a *simplification* of ``reward1`` on a set of policies, or
    None if it is not.

    Definition (Skalse et al. 2022, section 4.2, Definition 2): :math:`R_2` is a simplification
    of :math:`R_1` relative to :math:`\\Pi` if for all :math:`\\pi, \\pi' \\in \\Pi`

    .. math:: J_1(\\pi) < J_1(\\pi') \\Rightarrow J_2(\\pi) \\le J_2(\\pi')
              \\quad\\text{and}\\quad J_1(\\pi) = J_1(\\pi') \\Rightarrow J_2(\\pi) = J_2(\\pi'),

    *and* there exist :math:`\\pi, \\pi' \\in \\Pi` with :math:`J_2(\\pi) = J_2(\\pi')` but
    :math:`J_1(\\pi) \\ne J_1(\\pi')` (at least one distinction is collapsed, so no reward
    simplifies an equivalent one). "If R2 is trivial then we say that this is a trivial
    simplification": triviality is *not* excluded by the definition; test it with
    :func:`trivial`. The paper writes :math:`R_2 \\trianglelefteq R_1`. The relation is
    asymmetric, transitive (the two implications chain, and the collapsed pair of the second
    step is collapsed by the composite), and a simplification is never hackable
    (:func:`hackable`): the first implication forbids :math:`J_1(\\pi) < J_1(\\pi')` with
    :math:`J_2(\\pi) > J_2(\\pi')`.

    The witness is a collapsed pair ``(pi, pi_prime)``: :math:`J_1(\\pi) < J_1(\\pi')` and
    :math:`J_2(\\pi) = J_2(\\pi')`. :math:`\\Pi` is ``policies``, by default the deterministic
    stationary policies (as in :func:`hackable`).

    Method: sort the policies by :math:`(J_1, J_2)`; every two consecutive policies must have
    equal :math:`J_2` where their :math:`J_1` are equal, and non-decreasing :math:`J_2` where
    :math:`J_1` rises; the first consecutive pair whose :math:`J_1` rises while :math:`J_2`
    stays equal is the witness. Exact on exact input; for floats the consecutive comparisons
    use ``tolerance`` (relative, see the module docstring).

    Source: Skalse, Howe, Krasheninnikov & Krueger, "Defining and Characterizing Reward
    Hacking", NeurIPS 2022, section 4.2.

    >>> from theory.mdp import FiniteMDP
    >>> bandit = FiniteMDP(states=["s"], actions=["a0", "a1", "a2"], transitions=[[[1], [1], [1]]],
    ...                    rewards={"r1": [[0, 1, 2]], "r2": [[0, 0, 2]]}, initial=[1], horizon=1)
    >>> pi, pi_prime = simplifies(bandit, "r1", "r2")
    >>> pi.action_labels(), pi_prime.action_labels()
    (('a0',), ('a1',))
    >>> simplifies(bandit, "r2", "r1") is None, simplifies(bandit, "r1", "r1") is None
    (True, True)
    """
    tol = check_tolerance(tolerance)
    pis, values = policy_returns(mdp, [reward1, reward2], policies, max_policies=max_policies)
    order = sorted(range(len(pis)), key=lambda k: (values[k][0], values[k][1], k))
    witness: tuple[Policy, Policy] | None = None
    for k, m in zip(order, order[1:]):
        (a1, a2), (b1, b2) = values[k], values[m]
        if not _less(a1, b1, tol):  # J1 equal: J2 must be equal
            if not _same(a2, b2, tol):
                return None
        elif _less(b2, a2, tol):  # J1 rises, J2 falls: reversed (a hack)
            return None
        elif witness is None and _same(a2, b2, tol):
            witness = (pis[k], pis[m])
    return witness
