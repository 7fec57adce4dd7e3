r"""The entries of a parametric MDP: exact expressions, read and checked over the parameter box.

An entry (a transition probability, a reward, an initial probability, the discount) is a sympy
expression that must be a rational function with rational coefficients of the named
parameters; :func:`read_array` converts a table of them to expressions and to elements of the
field of rational functions, refusing floats, unknown symbols and anything else. The parameter
ranges are checked by :func:`check_params`, and :func:`check_entry` proves, exactly, that an
entry is finite (and >= 0, or in [0, 1) for a discount) on the whole box of ranges:

- an entry depending on **one** parameter: the real roots of its numerator and denominator in
  the interval are isolated exactly and the sign is tested at the ends and at a rational point
  between consecutive roots -- exact;
- an entry depending on **k >= 2** parameters: exact along each parameter's interval with the
  others fixed at :data:`GRID_POINTS` evenly spaced rational points of their intervals
  (endpoints included) -- a grid, not a proof.

Source: the parametric MDPs of sensitivity analysis (Puterman 1994, sec. 6; Kosoy 2018); root
isolation as in :mod:`theory.symbolic.algebraic`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from numbers import Integral
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import sympy
from sympy import QQ
from sympy.polys.fields import FracElement

from theory.errors import InvalidArgument, InvalidMDP
from theory.numbers import format_number, parse_number
from theory.symbolic.algebraic import (
    RealAlgebraic,
    compare,
    fraction_of,
    poly_eval,
    rational_between,
    roots_in,
    sympy_rational,
)
from theory.validation import label_index

__all__ = [
    "GRID_POINTS",
    "EntryKind",
    "check_params",
    "to_expression",
    "to_element",
    "read_array",
    "dense_coeffs",
    "check_entry",
]

#: With several parameters, an entry that depends on k >= 2 of them is checked exactly along
#: each one's interval with the others fixed at this many evenly spaced rational points of
#: their intervals (endpoints included): a grid, not a proof (see :class:`ParametricMDP`).
GRID_POINTS = 5

#: What an entry must be on the box: a probability (>= 0), finite, or a discount in [0, 1).
EntryKind = Literal["probability", "finite", "discount"]

_Coeffs = tuple[Fraction, ...]


def check_params(params: Any) -> Mapping[str, tuple[Fraction, Fraction]]:
    """The parameter ranges: a mapping identifier (or sympy Symbol) -> (lo, hi), exact with lo <= hi.

    >>> dict(check_params({"p": (0, "1/2")}))
    {'p': (Fraction(0, 1), Fraction(1, 2))}
    """
    if not isinstance(params, Mapping):
        raise InvalidMDP(f"params is {params!r}, not a mapping name -> (lo, hi)")
    out: dict[str, tuple[Fraction, Fraction]] = {}
    for name, interval in params.items():
        if isinstance(name, sympy.Symbol):
            name = name.name
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidMDP(f"params has the name {name!r}, not an identifier")
        if isinstance(interval, (str, bytes)) or not isinstance(interval, Sequence) or len(interval) != 2:
            raise InvalidMDP(f"params[{name!r}] is {interval!r}, not a pair (lo, hi)")
        lo, hi = (_range_end(v, f"params[{name!r}] {which}") for which, v in zip(("lo", "hi"), interval))
        if lo > hi:
            raise InvalidMDP(f"params[{name!r}] is [{lo}, {hi}], an empty interval (lo > hi)")
        out[name] = (lo, hi)
    return MappingProxyType(out)


def _range_end(value: Any, field: str) -> Fraction:
    if isinstance(value, (float, np.floating)):
        raise InvalidMDP(f"{field} is the float {float(value)!r}; give an exact rational")
    try:
        return parse_number(value, field)
    except InvalidArgument as exc:
        raise InvalidMDP(str(exc)) from None


def to_expression(value: Any, field: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """An exact sympy expression in the canonical parameter symbols, or InvalidMDP.

    >>> to_expression("1 - p/2", "initial", {"p": sympy.Symbol("p")})
    1 - p/2
    """
    expr = _parse_expression(value, field, symbols)
    if expr.has(sympy.Float):
        raise InvalidMDP(f"{field} = {expr} holds a float; a parametric MDP is exact: use Rationals")
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in symbols)
    if unknown:
        known = ", ".join(symbols) or "none"
        raise InvalidMDP(
            f"{field} = {expr} uses the symbol {unknown[0]}, which is not a parameter (params: {known})"
        )
    replace = {s: symbols[s.name] for s in expr.free_symbols if symbols[s.name] is not s}
    return expr.xreplace(replace) if replace else expr


def _parse_expression(value: Any, field: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """A sympy expression from a number, a string or an expression (not yet checked for floats)."""
    if isinstance(value, bool):
        raise InvalidMDP(f"{field} is {value!r}, not a number or an expression")
    if isinstance(value, (float, np.floating)):
        raise InvalidMDP(
            f"{field} is the float {float(value)!r}; a parametric MDP is exact: write it as "
            "a Rational or \"p/q\""
        )
    if isinstance(value, sympy.Basic):
        expr = value
    elif isinstance(value, Fraction):
        expr = sympy_rational(value)
    elif isinstance(value, Integral):
        expr = sympy.Integer(int(value))
    elif isinstance(value, str):
        try:
            expr = sympy.sympify(value, locals=dict(symbols), rational=True)
        except (sympy.SympifyError, SyntaxError, TypeError, ValueError):
            raise InvalidMDP(f"{field} is {value!r}, not an expression sympy can read") from None
    else:
        try:
            expr = sympy_rational(fraction_of(value))
        except TypeError:
            raise InvalidMDP(f"{field} is {value!r}, not a number or an expression") from None
    if not isinstance(expr, sympy.Expr):
        raise InvalidMDP(f"{field} is {value!r}, not a number or an expression")
    return expr


def to_element(expr: sympy.Expr, field: str, domain: Any) -> Any:
    """The expression as an element of ``domain`` (QQ or a field of rational functions), or InvalidMDP.

    >>> to_element(sympy.Rational(1, 2), "discount", QQ) == QQ(1, 2)
    True
    """
    try:
        return domain.from_sympy(expr)
    except Exception:  # sympy raises CoercionFailed / ValueError
        raise InvalidMDP(
            f"{field} = {expr} is not a rational function of the parameters with rational coefficients"
        ) from None


def read_array(
    values: Any, shape: tuple[int, ...], field: str, labels: Sequence[Sequence[str]],
    symbols: Mapping[str, sympy.Symbol], domain: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """(read-only array of expressions, array of field elements) of the given shape, or InvalidMDP.

    >>> exprs, elems = read_array([1, "1/2"], (2,), "initial", (("a", "b"),), {}, QQ)
    >>> exprs.tolist()
    [1, 1/2]
    """
    arr = np.asarray(values, dtype=object) if not isinstance(values, np.ndarray) else values
    if arr.shape != shape:
        try:
            arr = np.array(values, dtype=object)
        except (ValueError, TypeError):
            raise InvalidMDP(f"{field} is ragged, expected shape {shape}") from None
    if arr.shape != shape:
        raise InvalidMDP(f"{field} has shape {arr.shape}, expected {shape}")
    exprs = np.empty(shape, dtype=object)
    elems = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        where = f"{field}{label_index(labels, *index)}"
        exprs[index] = to_expression(arr[index], where, symbols)
        elems[index] = to_element(exprs[index], where, domain)
    exprs.setflags(write=False)
    return exprs, elems


def dense_coeffs(poly: Any) -> _Coeffs:
    """The coefficients, highest degree first, of a univariate sympy polynomial element, as Fractions."""
    return tuple(fraction_of(c) for c in poly.to_dense())


def _univariate(expr: sympy.Expr, sym: sympy.Symbol) -> tuple[_Coeffs, _Coeffs]:
    """(numerator, denominator) coefficients, highest first, of a rational function of one symbol."""
    elem = QQ.frac_field(sym).from_sympy(expr)
    return dense_coeffs(elem.numer), dense_coeffs(elem.denom)


def _grid(lo: Fraction, hi: Fraction) -> list[Fraction]:
    if lo == hi:
        return [lo]
    return [lo + (hi - lo) * k / (GRID_POINTS - 1) for k in range(GRID_POINTS)]


def check_entry(
    expr: sympy.Expr, elem: Any, field: str, symbols: Mapping[str, sympy.Symbol],
    box: Mapping[str, tuple[Fraction, Fraction]], kind: EntryKind,
) -> None:
    """Raise InvalidMDP unless the entry is finite (and >= 0 / in [0, 1)) on the box: exact
    along one parameter, along each parameter with the others on a grid for several.

    >>> p = sympy.Symbol("p")
    >>> check_entry(1 - 2 * p, None, "x", {"p": p}, {"p": (Fraction(0), Fraction(1))}, "probability")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidMDP: x = 1 - 2*p is negative at p = 2/3 (where it is -1/3)
    """
    names = [name for name in symbols if symbols[name] in expr.free_symbols]
    if not names:
        _judge_constant(expr, _constant(elem), field, kind)
        return
    for axis in names:
        others = [n for n in names if n != axis]
        for values in itertools.product(*(_grid(*box[n]) for n in others)):
            fixed = dict(zip(others, values))
            e = expr.xreplace({symbols[n]: sympy_rational(v) for n, v in fixed.items()}) if fixed else expr
            bad = _univariate_violation(*_univariate(e, symbols[axis]), *box[axis], kind)
            if bad is not None:
                where, value, what = bad
                point = {**fixed, axis: where}
                _refuse(expr, field, {n: point[n] for n in names}, value, what, kind)


def _constant(elem: Any) -> Fraction:
    """The value of a constant field element (of QQ or of a field of rational functions)."""
    if not isinstance(elem, FracElement):
        return fraction_of(elem)
    if not elem.numer:
        return Fraction(0)
    return fraction_of(elem.numer.LC) / fraction_of(elem.denom.LC)


def _judge_constant(expr: sympy.Expr, value: Fraction, field: str, kind: EntryKind) -> None:
    if kind == "probability" and value < 0:
        raise InvalidMDP(f"{field} = {expr}, a negative probability")
    if kind == "discount" and not 0 <= value < 1:
        raise InvalidMDP(f"discount = {expr}, not in [0, 1)")


def _refuse(
    expr: sympy.Expr, field: str, point: Mapping[str, Fraction | RealAlgebraic], value: Fraction,
    what: str, kind: EntryKind,
) -> None:
    at = ", ".join(f"{name} = {v}" for name, v in point.items())  # both kinds of number print exactly
    if what == "pole":
        raise InvalidMDP(f"{field} = {expr} has a pole at {at}")
    if kind == "discount":
        raise InvalidMDP(f"discount = {expr} is {format_number(value)} at {at}, not in [0, 1)")
    raise InvalidMDP(f"{field} = {expr} is negative at {at} (where it is {format_number(value)})")


def _first_root(polys: Sequence[_Coeffs], a: RealAlgebraic, b: RealAlgebraic) -> Fraction | RealAlgebraic | None:
    """The smallest root in [a, b] (a Fraction when rational), or None."""
    roots = roots_in(polys, a, b, closed=True)
    if not roots:
        return None
    return roots[0].lo if roots[0].is_rational else roots[0]


def _univariate_violation(
    num: _Coeffs, den: _Coeffs, lo: Fraction, hi: Fraction, kind: EntryKind
) -> tuple[Fraction | RealAlgebraic, Fraction, str] | None:
    """Where num/den fails on [lo, hi] (exactly): a pole, a negative value, or for a discount a
    value outside [0, 1); None when it does not."""
    a, b = RealAlgebraic.rational(lo), RealAlgebraic.rational(hi)
    pole = _first_root([den], a, b)
    if pole is not None:
        return pole, Fraction(0), "pole"
    if kind == "finite":
        return None
    if kind == "discount":
        # gamma >= 0 and 1 - gamma > 0: roots of num and of (den - num) split the interval
        one_minus = _poly_sub(den, num)
        if not any(one_minus):  # gamma identically 1
            return lo, Fraction(1), "value"
        one = _first_root([one_minus], a, b)
        if one is not None:
            return one, Fraction(1), "value"
        ok = lambda v: 0 <= v < 1  # noqa: E731
    else:
        ok = lambda v: v >= 0  # noqa: E731
    cuts = roots_in([num], a, b, closed=False) if any(num) else []
    tests = [lo]
    prev = a
    for r in cuts + [b]:
        if compare(prev, r) < 0:
            tests.append(rational_between(prev, r))
        prev = r
    tests.append(hi)
    for t in tests:
        v = poly_eval(num, t) / poly_eval(den, t)
        if not ok(v):
            return t, v, "value"
    return None


def _poly_sub(p: _Coeffs, q: _Coeffs) -> _Coeffs:
    n = max(len(p), len(q))
    p = (Fraction(0),) * (n - len(p)) + tuple(p)
    q = (Fraction(0),) * (n - len(q)) + tuple(q)
    out = [x - y for x, y in zip(p, q)]
    while out and out[0] == 0:
        out.pop(0)
    return tuple(out)
