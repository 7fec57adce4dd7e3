r"""Exact real algebraic numbers and real root isolation for polynomials over the rationals.

A :class:`RealAlgebraic` is a rational, or the ``index``-th smallest real root of a monic
irreducible polynomial over :math:`\mathbb{Q}` isolated in an open interval with rational ends.
Comparisons are exact: two irrationals with different minimal polynomials differ, and their
isolating intervals are bisected until they separate. Polynomials are dense coefficient tuples
of Fractions, highest degree first.

Source: root isolation by Collins & Akritas (1976), as implemented by sympy's
``Poly.intervals``; the simplest rational between two numbers by continued fractions
(Khinchin, *Continued Fractions*, 1964).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

import sympy
from sympy import QQ

__all__ = [
    "X",
    "fraction_of",
    "sympy_rational",
    "poly_eval",
    "RealAlgebraic",
    "compare",
    "rational_between",
    "roots_in",
    "vanishes_at",
]

#: The generator of the univariate polynomials of theory.symbolic (as in sympy's CRootOf).
X = sympy.Symbol("x")

_Coeffs = tuple[Fraction, ...]


def fraction_of(value: Any) -> Fraction:
    """A Fraction from an int, a Fraction, a sympy Rational, a flint fmpq or a QQ element.

    >>> fraction_of(sympy.Rational(3, 4)), fraction_of(QQ(1, 3))
    (Fraction(3, 4), Fraction(1, 3))
    """
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Integral):
        return Fraction(int(value))
    for num, den in (("numerator", "denominator"), ("p", "q")):
        if hasattr(value, num) and hasattr(value, den):
            n, d = getattr(value, num), getattr(value, den)
            n = n() if callable(n) else n
            d = d() if callable(d) else d
            return Fraction(int(n), int(d))
    raise TypeError(f"{value!r} is not a rational number")  # pragma: no cover - internal


def sympy_rational(value: Fraction) -> sympy.Rational:
    """The sympy Rational equal to a Fraction.

    >>> sympy_rational(Fraction(2, 4))
    1/2
    """
    return sympy.Rational(value.numerator, value.denominator)


def poly_eval(coeffs: Sequence[Fraction], x: Fraction) -> Fraction:
    """Horner evaluation of a dense polynomial (highest degree first) at a rational.

    >>> poly_eval((Fraction(1), Fraction(0), Fraction(-2)), Fraction(3))
    Fraction(7, 1)
    """
    total = Fraction(0)
    for c in coeffs:
        total = total * x + c
    return total


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


class RealAlgebraic:
    """A real algebraic number, exactly: a rational ``lo == hi`` (``coeffs == ()``), or the
    ``index``-th smallest real root of the monic irreducible polynomial ``coeffs`` (degree >= 2,
    so the root is irrational) isolated in the open interval ``(lo, hi)`` with rational ends.

    Two irrationals with different minimal polynomials differ; the isolating intervals are
    bisected until they separate, so every comparison (:func:`compare`) is exact. ``str``
    prints the exact sympy number (:meth:`expr`).

    >>> (r,) = roots_in([(Fraction(1), Fraction(0), Fraction(-2))], RealAlgebraic.rational(Fraction(0)),
    ...                 RealAlgebraic.rational(Fraction(2)), closed=False)
    >>> str(r), str(RealAlgebraic.rational(Fraction(1, 2))), round(float(r), 6)
    ('sqrt(2)', '1/2', 1.414214)
    """

    __slots__ = ("coeffs", "index", "lo", "hi")

    def __init__(self, coeffs: _Coeffs, index: int, lo: Fraction, hi: Fraction):
        self.coeffs, self.index, self.lo, self.hi = coeffs, index, lo, hi

    @classmethod
    def rational(cls, value: Fraction) -> "RealAlgebraic":
        """The rational ``value`` as an algebraic number."""
        return cls((), 0, value, value)

    @property
    def is_rational(self) -> bool:
        """Whether the number is rational (then ``lo == hi`` is its value)."""
        return not self.coeffs

    def refine(self) -> None:
        """Halve the isolating interval (the root is simple and irrational)."""
        mid = (self.lo + self.hi) / 2
        if _sign(poly_eval(self.coeffs, self.lo)) * _sign(poly_eval(self.coeffs, mid)) < 0:
            self.hi = mid
        else:
            self.lo = mid

    def expr(self) -> sympy.Expr:
        """The exact sympy number: a Rational, a radical (degree 2) or a CRootOf."""
        if self.is_rational:
            return sympy_rational(self.lo)
        if len(self.coeffs) == 3:
            _, b, c = (sympy_rational(k) for k in self.coeffs)
            root = sympy.sqrt(b * b - 4 * c)
            return (-b - root) / 2 if self.index == 0 else (-b + root) / 2
        poly = sum(sympy_rational(k) * X ** (len(self.coeffs) - 1 - i) for i, k in enumerate(self.coeffs))
        return sympy.CRootOf(poly, self.index)

    def __float__(self) -> float:
        if self.is_rational:
            return float(self.lo)
        while self.hi - self.lo > Fraction(1, 10**18):
            self.refine()
        return float((self.lo + self.hi) / 2)

    def __str__(self) -> str:
        return str(self.expr())

    def __repr__(self) -> str:
        return f"RealAlgebraic({self.expr()})"


def compare(a: RealAlgebraic, b: RealAlgebraic) -> int:
    """-1, 0 or 1 as a < b, a == b, a > b (exact).

    >>> compare(RealAlgebraic.rational(Fraction(1)), RealAlgebraic.rational(Fraction(2)))
    -1
    """
    if a.is_rational and b.is_rational:
        return (a.lo > b.lo) - (a.lo < b.lo)
    if a.coeffs == b.coeffs:
        return (a.index > b.index) - (a.index < b.index)
    while True:
        if a.hi <= b.lo:
            return -1
        if b.hi <= a.lo:
            return 1
        _refine_wider(a, b)


def _refine_wider(a: RealAlgebraic, b: RealAlgebraic) -> None:
    """Narrow the isolating interval of whichever of a, b is irrational and wider."""
    if a.is_rational:
        b.refine()
    elif b.is_rational:
        a.refine()
    elif a.hi - a.lo >= b.hi - b.lo:
        a.refine()
    else:
        b.refine()


def _simplest_between(x: Fraction, y: Fraction) -> Fraction:
    """The rational with the smallest denominator strictly between x < y (continued fractions)."""
    if x < 0 < y:
        return Fraction(0)
    if y <= 0:
        return -_simplest_between(-y, -x)
    n = math.floor(x)
    if n + 1 < y:
        return Fraction(n + 1)
    fx, fy = x - n, y - n  # 0 <= fx < fy <= 1
    if fx == 0:
        t = Fraction(math.floor(1 / fy) + 1)
    else:
        t = _simplest_between(1 / fy, 1 / fx)
    return n + 1 / t


def rational_between(a: RealAlgebraic, b: RealAlgebraic) -> Fraction:
    """A simple rational strictly between a < b (the one with the smallest denominator once
    the isolating intervals are apart).

    >>> rational_between(RealAlgebraic.rational(Fraction(1, 3)), RealAlgebraic.rational(Fraction(1, 2)))
    Fraction(2, 5)
    """
    while not a.hi < b.lo:
        _refine_wider(a, b)
    return _simplest_between(a.hi, b.lo)


def _qq_poly(coeffs: _Coeffs) -> sympy.Poly:
    return sympy.Poly([QQ(c.numerator, c.denominator) for c in coeffs], X, domain=QQ)


@functools.lru_cache(maxsize=8192)
def _irreducible_factors(coeffs: _Coeffs) -> tuple[_Coeffs, ...]:
    """The distinct monic irreducible factors over QQ of a polynomial of degree >= 1."""
    out = []
    for factor, _mult in _qq_poly(coeffs).factor_list()[1]:
        if factor.degree() >= 1:
            out.append(tuple(fraction_of(c) for c in factor.monic().all_coeffs()))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def _irreducible_roots(coeffs: _Coeffs) -> tuple[RealAlgebraic, ...]:
    """The real roots of a monic irreducible polynomial, ascending, isolated exactly."""
    if len(coeffs) == 2:
        return (RealAlgebraic.rational(-coeffs[1] / coeffs[0]),)
    ends = ((fraction_of(s), fraction_of(t)) for (s, t), _m in _qq_poly(coeffs).intervals())
    intervals = sorted(ends, key=lambda st: st[0])
    return tuple(RealAlgebraic(coeffs, i, s, t) for i, (s, t) in enumerate(intervals))


def roots_in(
    polys: Sequence[_Coeffs], lo: RealAlgebraic, hi: RealAlgebraic, closed: bool
) -> list[RealAlgebraic]:
    """The distinct real roots of the given nonzero polynomials in (lo, hi), or [lo, hi] when
    ``closed``, ascending.

    >>> zero, one = RealAlgebraic.rational(Fraction(0)), RealAlgebraic.rational(Fraction(1))
    >>> [str(r) for r in roots_in([(Fraction(4), Fraction(-1)), (Fraction(1), Fraction(-1))], zero, one, True)]
    ['1/4', '1']
    """
    factors: set[_Coeffs] = set()
    for coeffs in polys:
        if len(coeffs) >= 2:
            factors.update(_irreducible_factors(coeffs))
    roots = []
    for factor in factors:
        for r in _irreducible_roots(factor):
            c_lo, c_hi = compare(lo, r), compare(r, hi)
            if (c_lo < 0 and c_hi < 0) or (closed and c_lo <= 0 and c_hi <= 0):
                roots.append(r)
    return sorted(roots, key=functools.cmp_to_key(compare))


def vanishes_at(coeffs: _Coeffs, x: RealAlgebraic) -> bool:
    """Whether the polynomial is zero at the algebraic number x (its minimal polynomial divides it).

    >>> vanishes_at((Fraction(2), Fraction(-1)), RealAlgebraic.rational(Fraction(1, 2)))
    True
    """
    if not coeffs:
        return True
    if x.is_rational:
        return poly_eval(coeffs, x.lo) == 0
    return _qq_poly(coeffs).rem(_qq_poly(x.coeffs)).is_zero
