r"""Symbolic theory: parametric MDPs, values as rational functions, exact switching points.

A :class:`ParametricMDP` is a finite MDP whose transition probabilities, rewards, initial
distribution and discount are rational functions (with rational coefficients) of named real
parameters, each ranging over a closed interval with rational endpoints. For a fixed
stationary policy :math:`\pi` the value :math:`v^\pi = (I - \gamma P_\pi)^{-1} r_\pi` is then a
vector of rational functions of the parameters (Cramer's rule); so is every Q-value and every
difference :math:`V^\pi(s) - Q^\pi(s, a)`. The optimal value is the maximum of finitely many
such functions, hence *piecewise rational*, and along one parameter the optimal policy changes
only at real roots of polynomials with rational coefficients: the switching points are real
algebraic numbers, computed here exactly (rationals, radicals for quadratics,
``sympy.CRootOf`` otherwise) by exact root isolation -- never by sampling a grid.

Contents:

- :class:`ParametricMDP`, validated exactly at construction; :func:`from_mdp`,
  :func:`affine_family` (the segment between two MDPs), :func:`fix` (partial substitution),
  :func:`substitute` (a :class:`~theory.mdp.FiniteMDP` at a point, in exact Fractions);
- :func:`policy_value`, :func:`initial_value`: exact values of a fixed policy;
- :func:`optimal_partition` (parametric policy iteration with exact verification of the
  Bellman optimality inequalities), :class:`Piece`, :func:`breakpoints`,
  :func:`format_partition`; :func:`region_map` for two parameters;
- one-shot problems: :func:`quantiliser_returns`, :func:`peak_q`, :func:`best_of_n_returns`.

Sources: Puterman, *Markov Decision Processes* (1994), sec. 6.1-6.4 (policy evaluation and
policy iteration; the optimality criterion :math:`Q^\pi \le V^\pi`) and the sensitivity
analysis of optimal policies to the discount (Blackwell 1962; Puterman sec. 10.1); Kosoy,
"Quantilal control for finite MDPs" (2018), for values piecewise rational in the parameters;
Taylor (2016) for quantilisers; Gao, Schulman & Hilton (2022) and Beirami et al. (2024) for
best-of-n; root isolation: Collins & Akritas (1976), as implemented by sympy's
``Poly.intervals``.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from numbers import Integral
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import sympy
from sympy import QQ
from sympy.polys.fields import FracElement
from flint import fmpq, fmpq_poly

from theory.errors import InvalidArgument, InvalidMDP, InvalidPolicy
from theory.mdp import FiniteMDP, default_objective
from theory.numbers import parse_number
from theory.policy import Policy
from theory.selection import (  # the one-shot closed forms, re-exported: their home is theory.selection
    BestOfNReturns,
    PiecewiseRational,
    QuantiliserReturns,
    best_of_n_returns,
    peak_q,
    quantiliser_returns,
)
from theory.solvers import solve
from theory.validation import check_labels

__all__ = [
    "ParametricMDP",
    "from_mdp",
    "affine_family",
    "fix",
    "substitute",
    "policy_value",
    "initial_value",
    "now_or_later",
    "Piece",
    "optimal_partition",
    "breakpoints",
    "format_partition",
    "RegionMap",
    "region_map",
    "PiecewiseRational",
    "QuantiliserReturns",
    "quantiliser_returns",
    "peak_q",
    "BestOfNReturns",
    "best_of_n_returns",
]

#: With several parameters, an entry that depends on k >= 2 of them is checked exactly along
#: each one's interval with the others fixed at this many evenly spaced rational points of
#: their intervals (endpoints included): a grid, not a proof (see :class:`ParametricMDP`).
GRID_POINTS = 5

#: Digits of the decimal approximations printed next to exact breakpoints.
DIGITS = 12

_X = sympy.Symbol("x")  # the generator of the univariate polynomials of this module


# =============================================================================================
# Exact real algebraic numbers and root isolation
# =============================================================================================


def _fr(value: Any) -> Fraction:
    """A Fraction from an int, a Fraction, a sympy Rational, a flint fmpq or a QQ element."""
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


def _peval(coeffs: Sequence[Fraction], x: Fraction) -> Fraction:
    """Horner evaluation of a dense polynomial (highest degree first)."""
    total = Fraction(0)
    for c in coeffs:
        total = total * x + c
    return total


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


class _Alg:
    """A real algebraic number, exactly: a rational ``lo == hi`` (``coeffs == ()``), or the
    ``index``-th smallest real root of the monic irreducible polynomial ``coeffs`` (degree >= 2,
    so the root is irrational) isolated in the open interval ``(lo, hi)`` with rational ends.

    Two irrationals with different minimal polynomials differ; the isolating intervals are
    bisected until they separate, so every comparison is exact.
    """

    __slots__ = ("coeffs", "index", "lo", "hi")

    def __init__(self, coeffs: tuple[Fraction, ...], index: int, lo: Fraction, hi: Fraction):
        self.coeffs, self.index, self.lo, self.hi = coeffs, index, lo, hi

    @classmethod
    def rational(cls, value: Fraction) -> "_Alg":
        return cls((), 0, value, value)

    @property
    def is_rational(self) -> bool:
        return not self.coeffs

    def refine(self) -> None:
        """Halve the isolating interval (the root is simple and irrational)."""
        mid = (self.lo + self.hi) / 2
        if _sign(_peval(self.coeffs, self.lo)) * _sign(_peval(self.coeffs, mid)) < 0:
            self.hi = mid
        else:
            self.lo = mid

    def expr(self) -> sympy.Expr:
        """The exact sympy number: a Rational, a radical (degree 2) or a CRootOf."""
        if self.is_rational:
            return sympy.Rational(self.lo.numerator, self.lo.denominator)
        if len(self.coeffs) == 3:
            _, b, c = (sympy.Rational(k.numerator, k.denominator) for k in self.coeffs)
            root = sympy.sqrt(b * b - 4 * c)
            return (-b - root) / 2 if self.index == 0 else (-b + root) / 2
        poly = sum(
            sympy.Rational(k.numerator, k.denominator) * _X ** (len(self.coeffs) - 1 - i)
            for i, k in enumerate(self.coeffs)
        )
        return sympy.CRootOf(poly, self.index)

    def __float__(self) -> float:
        if self.is_rational:
            return float(self.lo)
        while self.hi - self.lo > Fraction(1, 10**18):
            self.refine()
        return float((self.lo + self.hi) / 2)

    def __repr__(self) -> str:
        return f"_Alg({self.expr()})"


def _cmp(a: _Alg, b: _Alg) -> int:
    """-1, 0 or 1 as a < b, a == b, a > b (exact)."""
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


def _refine_wider(a: _Alg, b: _Alg) -> None:
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


def _between(a: _Alg, b: _Alg) -> Fraction:
    """A simple rational strictly between a < b."""
    while not a.hi < b.lo:
        _refine_wider(a, b)
    return _simplest_between(a.hi, b.lo)


@functools.lru_cache(maxsize=8192)
def _irreducible_factors(coeffs: tuple[Fraction, ...]) -> tuple[tuple[Fraction, ...], ...]:
    """The distinct monic irreducible factors over QQ of a polynomial of degree >= 1."""
    poly = sympy.Poly([QQ(c.numerator, c.denominator) for c in coeffs], _X, domain=QQ)
    out = []
    for factor, _mult in poly.factor_list()[1]:
        if factor.degree() >= 1:
            out.append(tuple(_fr(c) for c in factor.monic().all_coeffs()))
    return tuple(out)


@functools.lru_cache(maxsize=8192)
def _irreducible_roots(coeffs: tuple[Fraction, ...]) -> tuple[_Alg, ...]:
    """The real roots of a monic irreducible polynomial, ascending, isolated exactly."""
    if len(coeffs) == 2:
        return (_Alg.rational(-coeffs[1] / coeffs[0]),)
    poly = sympy.Poly([QQ(c.numerator, c.denominator) for c in coeffs], _X, domain=QQ)
    intervals = sorted(((_fr(s), _fr(t)) for (s, t), _m in poly.intervals()), key=lambda st: st[0])
    return tuple(_Alg(coeffs, i, s, t) for i, (s, t) in enumerate(intervals))


def _roots_in(polys: Sequence[tuple[Fraction, ...]], lo: _Alg, hi: _Alg, closed: bool) -> list[_Alg]:
    """The distinct real roots of the given nonzero polynomials in (lo, hi), or [lo, hi] when
    ``closed``, ascending."""
    factors: set[tuple[Fraction, ...]] = set()
    for coeffs in polys:
        if len(coeffs) >= 2:
            factors.update(_irreducible_factors(coeffs))
    roots = []
    for factor in factors:
        for r in _irreducible_roots(factor):
            c_lo, c_hi = _cmp(lo, r), _cmp(r, hi)
            if (c_lo < 0 and c_hi < 0) or (closed and c_lo <= 0 and c_hi <= 0):
                roots.append(r)
    return sorted(roots, key=functools.cmp_to_key(_cmp))


def _vanishes_at(coeffs: tuple[Fraction, ...], x: _Alg) -> bool:
    """Whether the polynomial is zero at the algebraic number x (its minimal polynomial divides it)."""
    if not coeffs:
        return True
    if x.is_rational:
        return _peval(coeffs, x.lo) == 0
    p = sympy.Poly([QQ(c.numerator, c.denominator) for c in coeffs], _X, domain=QQ)
    m = sympy.Poly([QQ(c.numerator, c.denominator) for c in x.coeffs], _X, domain=QQ)
    return p.rem(m).is_zero


# =============================================================================================
# Expressions and the parametric MDP
# =============================================================================================


def _rational_expr(value: Fraction) -> sympy.Rational:
    return sympy.Rational(value.numerator, value.denominator)


def _show(value: Any) -> str:
    """An exact number in a message: "p/q" for rationals, sympy's printing for the rest."""
    if isinstance(value, Fraction):
        return str(value)
    if isinstance(value, _Alg):
        return str(value.expr())
    return str(value)


def _to_expr(value: Any, field: str, symbols: Mapping[str, sympy.Symbol]) -> sympy.Expr:
    """An exact sympy expression in the canonical parameter symbols, or InvalidMDP."""
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
        expr = _rational_expr(value)
    elif isinstance(value, Integral):
        expr = sympy.Integer(int(value))
    elif isinstance(value, str):
        try:
            expr = sympy.sympify(value, locals=dict(symbols), rational=True)
        except (sympy.SympifyError, SyntaxError, TypeError, ValueError):
            raise InvalidMDP(f"{field} is {value!r}, not an expression sympy can read") from None
    else:
        try:
            expr = _rational_expr(_fr(value))
        except TypeError:
            raise InvalidMDP(f"{field} is {value!r}, not a number or an expression") from None
    if not isinstance(expr, sympy.Expr):
        raise InvalidMDP(f"{field} is {value!r}, not a number or an expression")
    if expr.has(sympy.Float):
        raise InvalidMDP(
            f"{field} = {expr} holds a float; a parametric MDP is exact: use Rationals"
        )
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in symbols)
    if unknown:
        known = ", ".join(symbols) or "none"
        raise InvalidMDP(
            f"{field} = {expr} uses the symbol {unknown[0]}, which is not a parameter (params: {known})"
        )
    replace = {s: symbols[s.name] for s in expr.free_symbols if symbols[s.name] is not s}
    return expr.xreplace(replace) if replace else expr


def _assign(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{name} = {_show(v)}" for name, v in point.items())


@dataclasses.dataclass(frozen=True, eq=False)
class ParametricMDP:
    r"""A finite MDP whose numbers are rational functions of named parameters.

    Fields (S states, A actions; the shapes of :class:`~theory.mdp.FiniteMDP`):

    - ``states``, ``actions``: distinct string labels.
    - ``transitions``: (S, A, S), ``rewards``: name -> (S, A), ``initial``: (S,): entries are
      sympy expressions (or ints, Fractions, strings sympy can read) that are *rational
      functions with rational coefficients* of the parameters; floats are refused.
    - exactly one of ``discount`` (an expression, possibly in a parameter) and ``horizon``.
    - ``params``: name -> (lo, hi), the closed interval of each parameter, exact rationals
      with lo <= hi. Symbols are matched by name; the stored expressions use the plain
      ``sympy.Symbol(name)`` (:meth:`symbol`).
    - ``observations``, ``features``: passed unchanged to :func:`substitute`.

    Validation at construction, exact, over the box of parameter ranges; refusals raise
    :class:`~theory.errors.InvalidMDP` naming the entry, the expression and a parameter value
    where it fails:

    - every transition row and ``initial`` sums to 1 *identically* (as rational functions);
    - every probability is >= 0, every entry has no pole, and the discount is in [0, 1), on
      the whole range. For an entry depending on **one** parameter this is exact: the real
      roots of its numerator and denominator in the interval are isolated exactly and the sign
      is tested at the ends and at a rational point between consecutive roots. For an entry
      depending on **k >= 2** parameters it is exact along each parameter's interval with the
      others fixed at the ``GRID_POINTS`` evenly spaced points of their intervals: a grid, not
      a proof. (:func:`fix` and :func:`substitute` validate again what they produce.)

    Source: the parametric MDPs of sensitivity analysis (Puterman 1994, sec. 6; Kosoy 2018).

    Examples
    --------
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> m = ParametricMDP(states=["s0", "s1"], actions=["go"],
    ...     transitions=[[[1 - p, p]], [[0, 1]]], rewards={"true": [[0], [1]]},
    ...     initial=[1, 0], discount=sympy.Rational(1, 2), params={"p": (0, 1)})
    >>> m
    ParametricMDP(S=2, A=1, discount=1/2, params={p: [0, 1]}, rewards=['true'])
    >>> ParametricMDP(states=["s0", "s1"], actions=["go"],
    ...     transitions=[[[1 - 2 * p, 2 * p]], [[0, 1]]], rewards={"true": [[0], [1]]},
    ...     initial=[1, 0], discount=sympy.Rational(1, 2), params={"p": (0, 1)})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidMDP: transitions['s0', 'go', 's0'] = 1 - 2*p is negative at p = 2/3 (where it is -1/3)
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    transitions: np.ndarray
    rewards: Mapping[str, np.ndarray]
    initial: np.ndarray
    discount: Any = None
    horizon: int | None = None
    params: Mapping[str, tuple[Fraction, Fraction]] = dataclasses.field(default_factory=dict)
    observations: tuple[str, ...] | None = None
    features: Any = None

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        states = check_labels(self.states, "states", InvalidMDP)
        actions = check_labels(self.actions, "actions", InvalidMDP)
        set_("states", states)
        set_("actions", actions)
        S, A = len(states), len(actions)

        # -- parameters
        if not isinstance(self.params, Mapping):
            raise InvalidMDP(f"params is {self.params!r}, not a mapping name -> (lo, hi)")
        params: dict[str, tuple[Fraction, Fraction]] = {}
        for name, interval in self.params.items():
            if isinstance(name, sympy.Symbol):
                name = name.name
            if not isinstance(name, str) or not name.isidentifier():
                raise InvalidMDP(f"params has the name {name!r}, not an identifier")
            if isinstance(interval, (str, bytes)) or not isinstance(interval, Sequence) or len(interval) != 2:
                raise InvalidMDP(f"params[{name!r}] is {interval!r}, not a pair (lo, hi)")
            ends = []
            for which, v in zip(("lo", "hi"), interval):
                if isinstance(v, (float, np.floating)):
                    raise InvalidMDP(
                        f"params[{name!r}] {which} is the float {float(v)!r}; give an exact rational"
                    )
                try:
                    ends.append(parse_number(v, f"params[{name!r}] {which}"))
                except InvalidArgument as exc:
                    raise InvalidMDP(str(exc)) from None
            if ends[0] > ends[1]:
                raise InvalidMDP(f"params[{name!r}] is [{ends[0]}, {ends[1]}], an empty interval (lo > hi)")
            params[name] = (ends[0], ends[1])
        set_("params", MappingProxyType(params))
        symbols = {name: sympy.Symbol(name) for name in params}
        set_("_symbols", symbols)
        domain = QQ.frac_field(*symbols.values()) if symbols else QQ
        set_("_domain", domain)

        def convert(
            values: Any, shape: tuple[int, ...], field: str, labels: tuple
        ) -> tuple[np.ndarray, np.ndarray]:
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
                where = f"{field}{_labels(labels, index)}"
                e = _to_expr(arr[index], where, symbols)
                exprs[index] = e
                try:
                    elems[index] = domain.from_sympy(e)
                except Exception:  # sympy raises CoercionFailed / ValueError
                    raise InvalidMDP(
                        f"{where} = {e} is not a rational function of the parameters with rational coefficients"
                    ) from None
            exprs.setflags(write=False)
            return exprs, elems

        transitions, t_elems = convert(self.transitions, (S, A, S), "transitions", (states, actions, states))
        set_("transitions", transitions)
        if not isinstance(self.rewards, Mapping) or not self.rewards:
            raise InvalidMDP(f"rewards is {self.rewards!r}, not a non-empty mapping name -> (S, A) array")
        rewards, r_elems = {}, {}
        for name, values in self.rewards.items():
            if not isinstance(name, str) or not name:
                raise InvalidMDP(f"rewards has the name {name!r}, not a non-empty string")
            rewards[name], r_elems[name] = convert(values, (S, A), f"rewards[{name!r}]", (states, actions))
        set_("rewards", MappingProxyType(rewards))
        initial, mu_elems = convert(self.initial, (S,), "initial", (states,))
        set_("initial", initial)

        if (self.discount is None) == (self.horizon is None):
            raise InvalidMDP(f"discount is {self.discount!r} and horizon is {self.horizon!r}; give exactly one")
        gamma = None
        if self.discount is not None:
            disc = _to_expr(self.discount, "discount", symbols)
            try:
                gamma = domain.from_sympy(disc)
            except Exception:
                raise InvalidMDP(
                    f"discount = {disc} is not a rational function of the parameters with rational coefficients"
                ) from None
            set_("discount", disc)
        else:
            h = self.horizon
            if isinstance(h, bool) or not isinstance(h, Integral) or h < 1:
                raise InvalidMDP(f"horizon is {h!r}, not a positive integer")
            set_("horizon", int(h))
        if self.observations is not None:
            obs = self.observations
            if isinstance(obs, str) or not isinstance(obs, Sequence) or len(obs) != S:
                raise InvalidMDP(f"observations is {obs!r}, not a sequence of {S} labels")
            set_("observations", tuple(obs))

        # -- identities: rows sum to 1
        one = domain.one
        for s in range(S):
            for a in range(A):
                total = sum(t_elems[s, a], domain.zero)
                if total != one:
                    raise InvalidMDP(
                        f"transitions{_labels((states, actions), (s, a))} sums to "
                        f"{domain.to_sympy(total)}, not 1 identically"
                    )
        total = sum(mu_elems, domain.zero)
        if total != one:
            raise InvalidMDP(f"initial sums to {domain.to_sympy(total)}, not 1 identically")

        # -- signs and poles over the range
        box = dict(params)
        for index in np.ndindex(S, A, S):
            where = f"transitions{_labels((states, actions, states), index)}"
            _check_entry(transitions[index], t_elems[index], where, symbols, box, "probability")
        for name in rewards:
            for index in np.ndindex(S, A):
                _check_entry(rewards[name][index], r_elems[name][index],
                             f"rewards[{name!r}]{_labels((states, actions), index)}", symbols, box, "finite")
        for s in range(S):
            where = f"initial{_labels((states,), (s,))}"
            _check_entry(initial[s], mu_elems[s], where, symbols, box, "probability")
        if gamma is not None:
            _check_entry(self.discount, gamma, "discount", symbols, box, "discount")

        successors = tuple(
            tuple(
                tuple((j, t_elems[s, a, j]) for j in range(S) if t_elems[s, a, j])
                for a in range(A)
            )
            for s in range(S)
        )
        set_("_successors", successors)
        set_("_rewards", {k: [[v[s, a] for a in range(A)] for s in range(S)] for k, v in r_elems.items()})
        set_("_initial", list(mu_elems))
        set_("_gamma", gamma)

    # -- properties ------------------------------------------------------------------------

    @property
    def S(self) -> int:
        """Number of states."""
        return len(self.states)

    @property
    def A(self) -> int:
        """Number of actions."""
        return len(self.actions)

    @property
    def reward_names(self) -> tuple[str, ...]:
        """The names of the reward functions."""
        return tuple(self.rewards)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The parameter symbols, in the order of ``params``."""
        return tuple(self._symbols.values())

    def symbol(self, name: str) -> sympy.Symbol:
        """The symbol of parameter ``name`` (the plain ``sympy.Symbol(name)``).

        >>> from theory.examples import two_state
        >>> affine_family(two_state(), two_state(), "t").symbol("t")
        t
        """
        if name not in self._symbols:
            raise InvalidArgument(f"parameter {name!r} is not one of {list(self.params)}")
        return self._symbols[name]

    def default_objective(self) -> str:
        """"proxy" when present, else the only reward; an error when ambiguous."""
        return default_objective(self.rewards)

    def replace(self, **changes: Any) -> "ParametricMDP":
        """A copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        time = f"discount={self.discount}" if self.horizon is None else f"horizon={self.horizon}"
        ranges = ", ".join(f"{k}: [{lo}, {hi}]" for k, (lo, hi) in self.params.items())
        return f"ParametricMDP(S={self.S}, A={self.A}, {time}, params={{{ranges}}}, rewards={list(self.rewards)})"


def _labels(labels: Sequence[Sequence[str]], index: tuple[int, ...]) -> str:
    return "[" + ", ".join(repr(ls[i]) for ls, i in zip(labels, index)) + "]"


def _grid(lo: Fraction, hi: Fraction) -> list[Fraction]:
    if lo == hi:
        return [lo]
    return [lo + (hi - lo) * k / (GRID_POINTS - 1) for k in range(GRID_POINTS)]


def _univariate(expr: sympy.Expr, sym: sympy.Symbol) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
    """(numerator, denominator) coefficients, highest first, of a rational function of one symbol."""
    elem = QQ.frac_field(sym).from_sympy(expr)
    return _coeffs(elem.numer), _coeffs(elem.denom)


def _coeffs(poly: Any) -> tuple[Fraction, ...]:
    dense = poly.to_dense()
    return tuple(_fr(c) for c in dense)


_Kind = Literal["probability", "finite", "discount"]


def _check_entry(
    expr: sympy.Expr, elem: Any, field: str, symbols: Mapping[str, sympy.Symbol],
    box: Mapping[str, tuple[Fraction, Fraction]], kind: _Kind,
) -> None:
    """Raise InvalidMDP unless the entry is finite (and >= 0 / in [0, 1)) on the box: exact
    along one parameter, along each parameter with the others on a grid for several."""
    names = [name for name in symbols if symbols[name] in expr.free_symbols]
    if not names:
        _judge_constant(expr, _constant(elem), field, kind)
        return
    for axis in names:
        others = [n for n in names if n != axis]
        points = itertools.product(*(_grid(*box[n]) for n in others))
        for values in points:
            fixed = dict(zip(others, values))
            e = expr.xreplace({symbols[n]: _rational_expr(v) for n, v in fixed.items()}) if fixed else expr
            num, den = _univariate(e, symbols[axis])
            bad = _univariate_violation(num, den, *box[axis], kind)
            if bad is not None:
                where, value, what = bad
                point = {**fixed, axis: where}
                _refuse(expr, field, {n: point[n] for n in names}, value, what, kind)


def _constant(elem: Any) -> Fraction:
    """The value of a constant field element (of QQ or of a field of rational functions)."""
    if not isinstance(elem, FracElement):
        return _fr(elem)
    if not elem.numer:
        return Fraction(0)
    return _fr(elem.numer.LC) / _fr(elem.denom.LC)


def _judge_constant(expr: sympy.Expr, value: Fraction, field: str, kind: _Kind) -> None:
    if kind == "probability" and value < 0:
        raise InvalidMDP(f"{field} = {expr}, a negative probability")
    if kind == "discount" and not 0 <= value < 1:
        raise InvalidMDP(f"discount = {expr}, not in [0, 1)")


def _refuse(expr: sympy.Expr, field: str, point: Mapping[str, Any], value: Any, what: str, kind: _Kind) -> None:
    at = _assign(point)
    if what == "pole":
        raise InvalidMDP(f"{field} = {expr} has a pole at {at}")
    if kind == "discount":
        raise InvalidMDP(f"discount = {expr} is {_show(value)} at {at}, not in [0, 1)")
    raise InvalidMDP(f"{field} = {expr} is negative at {at} (where it is {_show(value)})")


def _univariate_violation(
    num: tuple[Fraction, ...], den: tuple[Fraction, ...], lo: Fraction, hi: Fraction, kind: _Kind
) -> tuple[Fraction | _Alg, Fraction, str] | None:
    """Where num/den fails on [lo, hi] (exactly): a pole, a negative value, or for a discount a
    value outside [0, 1); None when it does not."""
    a, b = _Alg.rational(lo), _Alg.rational(hi)
    poles = _roots_in([den], a, b, closed=True)
    if poles:
        p = poles[0]
        return (p.lo if p.is_rational else p), Fraction(0), "pole"
    if kind == "finite":
        return None
    f = lambda x: _peval(num, x) / _peval(den, x)  # noqa: E731
    if kind == "discount":
        # gamma >= 0 and 1 - gamma > 0: roots of num and of (den - num) split the interval
        one_minus = _poly_sub(den, num)
        ones = _roots_in([one_minus], a, b, closed=True) if any(one_minus) else []
        if not any(one_minus):  # gamma identically 1
            return lo, Fraction(1), "value"
        if ones:
            r = ones[0]
            return (r.lo if r.is_rational else r), Fraction(1), "value"
        cuts = _roots_in([num], a, b, closed=False) if any(num) else []
        ok = lambda v: 0 <= v < 1  # noqa: E731
    else:
        cuts = _roots_in([num], a, b, closed=False) if any(num) else []
        ok = lambda v: v >= 0  # noqa: E731
    tests = [lo]
    prev = a
    for r in cuts + [b]:
        if _cmp(prev, r) < 0:
            tests.append(_between(prev, r))
        prev = r
    tests.append(hi)
    for t in tests:
        v = f(t)
        if not ok(v):
            return t, v, "value"
    return None


def _poly_sub(p: tuple[Fraction, ...], q: tuple[Fraction, ...]) -> tuple[Fraction, ...]:
    n = max(len(p), len(q))
    p = (Fraction(0),) * (n - len(p)) + tuple(p)
    q = (Fraction(0),) * (n - len(q)) + tuple(q)
    out = [x - y for x, y in zip(p, q)]
    while out and out[0] == 0:
        out.pop(0)
    return tuple(out)


# =============================================================================================
# Construction helpers and substitution
# =============================================================================================


def from_mdp(mdp: FiniteMDP) -> ParametricMDP:
    """The exact FiniteMDP ``mdp`` as a ParametricMDP without parameters.

    >>> from theory.examples import two_state
    >>> from_mdp(two_state()).discount
    9/10
    """
    if not isinstance(mdp, FiniteMDP):
        raise InvalidArgument(f"mdp is {type(mdp).__name__}, not a FiniteMDP")
    if not mdp.exact:
        raise InvalidArgument("mdp is float; convert it with to_exact() first")
    return ParametricMDP(
        states=mdp.states, actions=mdp.actions, transitions=mdp.transitions,
        rewards=dict(mdp.rewards), initial=mdp.initial, discount=mdp.discount,
        horizon=mdp.horizon, params={}, observations=mdp.observations, features=mdp.features,
    )


def affine_family(
    mdp0: FiniteMDP, mdp1: FiniteMDP, name: str = "t", lo: Any = 0, hi: Any = 1
) -> ParametricMDP:
    r"""The segment between two exact MDPs: every number is :math:`(1 - t)\,x_0 + t\,x_1`.

    ``mdp0`` and ``mdp1`` must have the same states, actions, reward names and kind of time
    (both discounted, or the same horizon). For t in [0, 1] every member is a valid MDP (a
    convex combination); another range is validated like any ParametricMDP. Observations and
    features are those of ``mdp0``. Builders whose numbers are affine in a parameter (a slip
    probability, a reward magnitude) are exactly such segments.

    Source: mixtures of dynamics as in DESIGN.md's shifts; Puterman (1994), sec. 6.

    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> m.discount
    9/10 - 9*t/10
    """
    for i, m in enumerate((mdp0, mdp1)):
        if not isinstance(m, FiniteMDP) or not m.exact:
            raise InvalidArgument(f"mdp{i} is not an exact FiniteMDP")
    if mdp0.states != mdp1.states or mdp0.actions != mdp1.actions:
        raise InvalidArgument("mdp0 and mdp1 have different states or actions")
    if list(mdp0.rewards) != list(mdp1.rewards):
        raise InvalidArgument(f"mdp0 has rewards {list(mdp0.rewards)} but mdp1 has {list(mdp1.rewards)}")
    if (mdp0.horizon is None) != (mdp1.horizon is None) or mdp0.horizon != mdp1.horizon:
        raise InvalidArgument("mdp0 and mdp1 differ in horizon / discount kind")
    t = sympy.Symbol(name) if isinstance(name, str) and name.isidentifier() else None
    if t is None:
        raise InvalidArgument(f"name is {name!r}, not an identifier")

    def mix(x0: Any, x1: Any) -> sympy.Expr:
        a, b = _rational_expr(Fraction(x0)), _rational_expr(Fraction(x1))
        return a if a == b else a + (b - a) * t

    mix_array = np.frompyfunc(mix, 2, 1)
    discount = None if mdp0.discount is None else mix(mdp0.discount, mdp1.discount)
    return ParametricMDP(
        states=mdp0.states, actions=mdp0.actions,
        transitions=mix_array(mdp0.transitions, mdp1.transitions),
        rewards={k: mix_array(v, mdp1.rewards[k]) for k, v in mdp0.rewards.items()},
        initial=mix_array(mdp0.initial, mdp1.initial),
        discount=discount, horizon=mdp0.horizon, params={name: (lo, hi)},
        observations=mdp0.observations, features=mdp0.features,
    )


def _point(pmdp: ParametricMDP, values: Mapping[str, Any], what: str) -> dict[str, Fraction]:
    """Exact parameter values, each within its range."""
    out = {}
    for name, value in values.items():
        if name not in pmdp.params:
            known = ", ".join(pmdp.params) or "none"
            raise InvalidArgument(f"{what}: {name!r} is not a parameter (params: {known})")
        v = parse_number(value, name)
        lo, hi = pmdp.params[name]
        if not lo <= v <= hi:
            raise InvalidArgument(f"{name} = {v} is outside params[{name!r}] = [{lo}, {hi}]")
        out[name] = v
    return out


def fix(pmdp: ParametricMDP, /, **values: Any) -> ParametricMDP:
    """Substitute exact values for some parameters; the others stay symbolic (validated again).

    >>> import sympy
    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> fix(m, t="1/3").discount, fix(m, t="1/3").params
    (3/5, mappingproxy({}))
    """
    point = _point(pmdp, values, "fix")
    sub = {pmdp.symbol(n): _rational_expr(v) for n, v in point.items()}
    fx = np.frompyfunc(lambda e: e.xreplace(sub), 1, 1)
    return pmdp.replace(
        transitions=fx(pmdp.transitions),
        rewards={k: fx(v) for k, v in pmdp.rewards.items()},
        initial=fx(pmdp.initial),
        discount=None if pmdp.discount is None else pmdp.discount.xreplace(sub),
        params={n: r for n, r in pmdp.params.items() if n not in point},
    )


def _evaluator(pmdp: ParametricMDP, point: Mapping[str, Fraction]) -> Any:
    """A function elem -> Fraction evaluating a field element at the point."""
    if not pmdp.params:
        return _fr
    vals = [QQ(point[n].numerator, point[n].denominator) for n in pmdp.params]

    def ev(elem: Any) -> Fraction:
        return _fr(elem.numer(*vals)) / _fr(elem.denom(*vals))

    return ev


def substitute(pmdp: ParametricMDP, /, **values: Any) -> FiniteMDP:
    """The exact FiniteMDP at a point: every parameter given an exact value in its range.

    Values are ints, Fractions, "p/q" strings or sympy Rationals (a float is read as its
    shortest decimal, as :func:`theory.numbers.parse_number` does). Use :func:`fix` to
    substitute only some parameters.

    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> substitute(m, t=0) == two_state(), substitute(m, t="1/3").discount
    (True, Fraction(3, 5))
    """
    point = _point(pmdp, values, "substitute")
    missing = [n for n in pmdp.params if n not in point]
    if missing:
        raise InvalidArgument(
            f"substitute needs a value for every parameter; {missing[0]!r} is missing "
            "(use fix() for a partial substitution)"
        )
    ev = _evaluator(pmdp, point)
    S, A = pmdp.S, pmdp.A
    transitions = np.full((S, A, S), Fraction(0), dtype=object)
    for s, row in enumerate(pmdp._successors):
        for a, succ in enumerate(row):
            for j, p in succ:
                transitions[s, a, j] = ev(p)
    rewards = {}
    for name, table in pmdp._rewards.items():
        arr = np.empty((S, A), dtype=object)
        for s in range(S):
            for a in range(A):
                arr[s, a] = ev(table[s][a])
        rewards[name] = arr
    initial = np.empty(S, dtype=object)
    for s in range(S):
        initial[s] = ev(pmdp._initial[s])
    return FiniteMDP(
        states=pmdp.states, actions=pmdp.actions, transitions=transitions, rewards=rewards,
        initial=initial, discount=None if pmdp._gamma is None else ev(pmdp._gamma),
        horizon=pmdp.horizon, observations=pmdp.observations, features=pmdp.features,
    )


# =============================================================================================
# Policy values as rational functions
# =============================================================================================


def _policy_probs(pmdp: ParametricMDP, policy: Any) -> np.ndarray:
    """Exact (S, A) or (H, S, A) probabilities of a Policy, a mapping state -> action, or a
    sequence of action labels (one per state)."""
    S, A = pmdp.S, pmdp.A
    if isinstance(policy, Policy):
        if policy.states != pmdp.states or policy.actions != pmdp.actions:
            raise InvalidPolicy("policy states/actions differ from the parametric MDP's")
        if not policy.exact:
            raise InvalidPolicy("policy is float; a parametric value is exact: use an exact Policy")
        if not policy.stationary:
            if pmdp.horizon is None:
                raise InvalidPolicy("a time-dependent policy needs a finite-horizon MDP")
            if policy.probs.shape[0] != pmdp.horizon:
                raise InvalidPolicy(
                    f"policy has {policy.probs.shape[0]} time steps but the horizon is {pmdp.horizon}"
                )
        return policy.probs
    if isinstance(policy, Mapping):
        missing = [s for s in pmdp.states if s not in policy]
        if missing:
            raise InvalidPolicy(f"policy has no action for state {missing[0]!r}")
        labels = [policy[s] for s in pmdp.states]
    elif isinstance(policy, Sequence) and not isinstance(policy, str):
        labels = list(policy)
        if len(labels) != S:
            raise InvalidPolicy(f"policy has {len(labels)} entries, expected {S}")
    else:
        raise InvalidPolicy(f"policy is {policy!r}, not a Policy, a mapping or a sequence of actions")
    probs = np.full((S, A), Fraction(0), dtype=object)
    for s, a in enumerate(labels):
        if a not in pmdp.actions:
            raise InvalidPolicy(f"policy[{pmdp.states[s]!r}] is {a!r}, not one of {list(pmdp.actions)}")
        probs[s, pmdp.actions.index(a)] = Fraction(1)
    return probs


def _reward_name(pmdp: ParametricMDP, reward: str | None) -> str:
    if reward is None:
        return pmdp.default_objective()
    if reward not in pmdp.rewards:
        known = ", ".join(repr(k) for k in pmdp.rewards)
        raise InvalidArgument(f"reward {reward!r} is not in this MDP (it has {known})")
    return reward


class _RF:
    """An element of QQ(x): a reduced fraction of flint polynomials, monic denominator.

    The univariate arithmetic of :func:`optimal_partition` and of one-parameter
    :func:`policy_value`: gcds run in FLINT (C), far faster than sympy's generic fields."""

    __slots__ = ("n", "d")

    def __init__(self, n: Any, d: Any = None, reduced: bool = False):
        if d is None:
            d, reduced = _POLY_ONE, True
        if not reduced:
            if n == 0:
                d = _POLY_ONE
            elif d.degree() > 0:
                g = n.gcd(d)
                if g.degree() > 0:
                    n, d = n // g, d // g
            lc = d[d.degree()]
            if lc != 1:
                n, d = n / lc, d / lc
        self.n, self.d = n, d

    def __bool__(self) -> bool:
        return self.n != 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _RF) and self.n == other.n and self.d == other.d

    __hash__ = None  # type: ignore[assignment]

    def __neg__(self) -> "_RF":
        return _RF(-self.n, self.d, True)

    def __add__(self, o: "_RF") -> "_RF":
        if o.n == 0:
            return self
        if self.n == 0:
            return o
        if self.d == o.d:
            return _RF(self.n + o.n, self.d, self.d.degree() == 0)
        return _RF(self.n * o.d + o.n * self.d, self.d * o.d)

    def __sub__(self, o: "_RF") -> "_RF":
        return self + (-o)

    def __mul__(self, o: "_RF") -> "_RF":
        if self.n == 0 or o.n == 0:
            return _RF(_POLY_ZERO, _POLY_ONE, True)
        if self.d.degree() == 0 and o.d.degree() == 0:
            return _RF(self.n * o.n, _POLY_ONE, True)
        return _RF(self.n * o.n, self.d * o.d)

    def __truediv__(self, o: "_RF") -> "_RF":
        if o.n == 0:
            raise ZeroDivisionError("division by the zero rational function")
        return _RF(self.n * o.d, self.d * o.n)


def _flint_poly(coeffs_high_first: Sequence[Any]) -> Any:
    return fmpq_poly([fmpq(int(c.numerator), int(c.denominator)) for c in map(_fr, reversed(coeffs_high_first))])


_POLY_ONE = fmpq_poly([1])
_POLY_ZERO = fmpq_poly([])


def _gauss_jordan(rows: list[list[Any]], b: list[Any], one: Any) -> list[Any]:
    """Solve rows @ v = b exactly over a field (Gauss-Jordan, first non-zero pivot; the matrix
    I - gamma P_pi is non-singular for gamma < 1)."""
    n = len(rows)
    m = [row[:] + [b[i]] for i, row in enumerate(rows)]
    for col in range(n):
        piv = next(r for r in range(col, n) if m[r][col])
        m[col], m[piv] = m[piv], m[col]
        inv = one / m[col][col]
        pivot = [x * inv if x else x for x in m[col]]
        m[col] = pivot
        for r in range(n):
            f = m[r][col]
            if r != col and f:
                m[r] = [x - f * y if y else x for x, y in zip(m[r], pivot)]
    return [m[i][n] for i in range(n)]


class _Field:
    """Exact evaluation of policies of a ParametricMDP over its field of rational functions:
    QQ(x) with FLINT polynomials for one parameter, sympy's field of fractions otherwise."""

    def __init__(self, pmdp: ParametricMDP, reward: str):
        self.pmdp = pmdp
        self.K = K = pmdp._domain
        self.flint = len(pmdp.params) == 1
        if self.flint:
            conv = self._from_elem
            self.zero, self.one = _RF(_POLY_ZERO), _RF(_POLY_ONE)
        else:
            conv = lambda e: e  # noqa: E731
            self.zero, self.one = K.zero, K.one
        self.succ = [[[(j, conv(p)) for j, p in succ] for succ in row] for row in pmdp._successors]
        self.r = [[conv(x) for x in row] for row in pmdp._rewards[reward]]
        self.mu = [conv(x) for x in pmdp._initial]
        self.gamma = None if pmdp._gamma is None else conv(pmdp._gamma)
        self._const: dict[Fraction, Any] = {}

    @staticmethod
    def _from_elem(elem: Any) -> _RF:
        return _RF(_flint_poly(elem.numer.to_dense()), _flint_poly(elem.denom.to_dense()))

    def const(self, x: Fraction) -> Any:
        if x not in self._const:
            if self.flint:
                self._const[x] = _RF(fmpq_poly([fmpq(x.numerator, x.denominator)]))
            else:
                self._const[x] = self.K.convert(QQ(x.numerator, x.denominator))
        return self._const[x]

    def to_sympy(self, x: Any) -> sympy.Expr:
        """A field element as a sympy expression in lowest terms."""
        if not self.flint:
            return self.K.to_sympy(x)
        sym = self.pmdp.symbols[0]
        num, den = self.coeffs(x)
        as_expr = lambda cs: sympy.Poly([_rational_expr(c) for c in cs] or [0], sym).as_expr()  # noqa: E731
        return as_expr(num) / as_expr(den)

    def coeffs(self, x: Any) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        """(numerator, denominator) coefficients, highest degree first, of a univariate element."""
        if self.flint:
            return tuple(_fr(c) for c in reversed(x.n.coeffs())), tuple(_fr(c) for c in reversed(x.d.coeffs()))
        return _coeffs(x.numer), _coeffs(x.denom)

    def total(self, items: Any) -> Any:
        out = self.zero
        for x in items:
            out = out + x
        return out

    def expected_next(self, v: Sequence[Any]) -> list[list[Any]]:
        return [[self.total(p * v[j] for j, p in succ) for succ in row] for row in self.succ]

    def stationary(self, pi: np.ndarray) -> tuple[list[Any], list[list[Any]]]:
        """(v, Q) of a stationary (S, A) policy, discounted."""
        S, A = self.pmdp.S, self.pmdp.A
        gamma = self.gamma
        r_pi = [self.total(self.const(pi[s, a]) * self.r[s][a] for a in range(A) if pi[s, a]) for s in range(S)]
        if gamma:
            rows = []
            for s in range(S):
                row = [self.zero] * S
                row[s] = self.one
                for a in range(A):
                    if not pi[s, a]:
                        continue
                    w = self.const(pi[s, a]) * gamma
                    for j, p in self.succ[s][a]:
                        row[j] = row[j] - w * p
                rows.append(row)
            v = _gauss_jordan(rows, r_pi, self.one)
        else:
            v = r_pi
        nxt = self.expected_next(v)
        q = [[self.r[s][a] + gamma * nxt[s][a] if gamma else self.r[s][a] for a in range(A)] for s in range(S)]
        return v, q

    def finite(self, probs: np.ndarray) -> tuple[list[list[Any]], list[list[list[Any]]]]:
        """(v of shape (H+1, S), Q of shape (H, S, A)) by backward recursion."""
        pm = self.pmdp
        S, A, H = pm.S, pm.A, pm.horizon
        v = [[self.zero] * S for _ in range(H + 1)]
        q: list[list[list[Any]]] = [[] for _ in range(H)]
        for t in range(H - 1, -1, -1):
            pi = probs if probs.ndim == 2 else probs[t]
            nxt = self.expected_next(v[t + 1])
            q[t] = [[self.r[s][a] + nxt[s][a] for a in range(A)] for s in range(S)]
            v[t] = [self.total(self.const(pi[s, a]) * q[t][s][a] for a in range(A) if pi[s, a]) for s in range(S)]
        return v, q

    def initial_value(self, v: Sequence[Any]) -> Any:
        return self.total(m * x for m, x in zip(self.mu, v))


def policy_value(pmdp: ParametricMDP, policy: Any, reward: str | None = None) -> list[Any]:
    r"""The exact values of a fixed policy as rational functions of the parameters.

    Discounted: the solution :math:`v^\pi` of :math:`(I - \gamma P_\pi) v = r_\pi` over the
    field :math:`\mathbb{Q}(\theta_1, \dots, \theta_k)` of rational functions (Gauss-Jordan
    elimination; FLINT polynomials for one parameter, sympy's field of fractions for several),
    a list of S expressions in lowest terms. Finite horizon: the backward
    recursion :math:`v_t = r_{\pi_t} + P_{\pi_t} v_{t+1}`, :math:`v_H = 0`, a list of H + 1
    lists of S expressions (as :func:`theory.evaluation.state_values`). ``policy``: an exact
    :class:`~theory.policy.Policy` (stochastic allowed), a mapping state -> action, or a
    sequence of action labels; ``reward`` defaults to "proxy" (or the only reward).

    Source: Puterman (1994), sec. 6.1 (policy evaluation); Kosoy (2018) for values rational
    in the parameters.

    >>> import sympy
    >>> g = sympy.Symbol("gamma")
    >>> m = ParametricMDP(states=["s"], actions=["stay"], transitions=[[[1]]],
    ...     rewards={"true": [[1]]}, initial=[1], discount=g, params={"gamma": (0, "9/10")})
    >>> policy_value(m, ["stay"])
    [-1/(gamma - 1)]
    """
    reward = _reward_name(pmdp, reward)
    probs = _policy_probs(pmdp, policy)
    f = _Field(pmdp, reward)
    if pmdp.horizon is None:
        v, _ = f.stationary(probs)
        return [f.to_sympy(x) for x in v]
    v, _ = f.finite(probs)
    return [[f.to_sympy(x) for x in row] for row in v]


def initial_value(pmdp: ParametricMDP, policy: Any, reward: str | None = None) -> sympy.Expr:
    r""":math:`J(\pi) = \sum_s \mu_0(s) v^\pi(s)` (at step 0) as a rational function in lowest terms.

    Source: Puterman (1994), sec. 6.1.

    >>> import sympy
    >>> g = sympy.Symbol("gamma")
    >>> m = ParametricMDP(states=["s"], actions=["stay"], transitions=[[[1]]],
    ...     rewards={"true": [[1]]}, initial=[1], discount=g, params={"gamma": (0, "9/10")})
    >>> initial_value(m, ["stay"]).subs(g, sympy.Rational(1, 2))
    2
    """
    reward = _reward_name(pmdp, reward)
    probs = _policy_probs(pmdp, policy)
    f = _Field(pmdp, reward)
    v = f.stationary(probs)[0] if pmdp.horizon is None else f.finite(probs)[0][0]
    return f.to_sympy(f.initial_value(v))


def now_or_later(later: Any = 2, discount: Any = None) -> ParametricMDP:
    r"""The hand-worked example of this module: take 1 now, or ``later`` (R) one step later.

    States ``"A"``, ``"B"``, ``"end"`` (absorbing, reward 0); actions ``"now"``, ``"wait"``.
    In A, "now" pays 1 and moves to "end"; "wait" pays 0 and moves to B; in B both actions pay
    R and move to "end". So :math:`V^{now}(A) = 1`, :math:`V^{wait}(A) = \gamma R`, and the
    optimal action in A switches at :math:`\gamma = 1/R`. ``discount=None`` makes the
    discount the parameter ``gamma`` on [0, 99/100]; ``later=None`` makes R the parameter
    ``R`` on [1, 4]. Rewards "true" and "proxy" are equal. (A longer delay:
    :func:`environments.parametric.delayed_reward`.)

    Source: discounting as impatience (Sutton & Barto 2018, sec. 3.3).

    >>> now_or_later(3)
    ParametricMDP(S=3, A=2, discount=gamma, params={gamma: [0, 99/100]}, rewards=['true', 'proxy'])
    """
    params: dict[str, tuple[Any, Any]] = {}
    if later is None:
        R: Any = sympy.Symbol("R")
        params["R"] = (1, 4)
    else:
        R = _rational_expr(parse_number(later, "later"))
    if discount is None:
        gamma: Any = sympy.Symbol("gamma")
        params["gamma"] = (0, Fraction(99, 100))
    else:
        gamma = _rational_expr(parse_number(discount, "discount"))
    r = [[1, 0], [R, R], [0, 0]]
    return ParametricMDP(
        states=["A", "B", "end"], actions=["now", "wait"],
        transitions=[[[0, 0, 1], [0, 1, 0]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
        rewards={"true": r, "proxy": r}, initial=[1, 0, 0], discount=gamma, params=params,
    )


# =============================================================================================
# The exact partition of one parameter's interval by the optimal policy
# =============================================================================================


@dataclasses.dataclass(frozen=True, eq=False)
class Piece:
    r"""A closed interval of one parameter on which the optimal policy is constant.

    - ``param``, ``reward``; ``lo``, ``hi``: exact sympy numbers (Rationals, radicals or
      ``CRootOf``); consecutive pieces of a partition share an endpoint, where both pieces'
      policies are optimal (a breakpoint is a tie).
    - ``argmax``: per state (finite horizon: per step, per state) the tuple of actions optimal
      at every interior point of the piece -- the actions whose :math:`Q^*` equals :math:`V^*`
      identically there, like :attr:`theory.solvers.Solution.argmax`. ``ties``: the finitely
      many interior points where some other action also ties without overtaking (an even
      root), where the argmax set is larger. At the ends of a piece (breakpoints, and the ends
      of the range) the argmax set can be larger too.
    - ``choice``: the first action of every argmax set, a deterministic optimal policy.
    - ``values``: :math:`V^*(s)` (at step 0) as rational functions of the parameter on the
      piece; ``initial_value``: :math:`\sum_s \mu_0(s) V^*(s)`.

    :meth:`policy` gives the optimal Policy uniform over the argmax sets (``tie="uniform"``,
    what :func:`theory.solvers.solve` returns at an interior point) or ``choice``
    (``tie="first"``).

    Source: Puterman (1994), sec. 6.2 (optimality of a policy whose Q-values are dominated by
    its values).

    >>> import sympy
    >>> pieces = optimal_partition(now_or_later(3), "gamma")
    >>> pieces[0].hi, pieces[0].choice[0], pieces[1].choice[0]
    (1/3, 'now', 'wait')
    """

    param: str
    reward: str
    lo: sympy.Expr
    hi: sympy.Expr
    states: tuple[str, ...]
    actions: tuple[str, ...]
    argmax: tuple
    choice: tuple
    values: tuple[sympy.Expr, ...]
    initial_value: sympy.Expr
    ties: tuple[sympy.Expr, ...] = ()
    finite_horizon: bool = False

    def policy(self, tie: Literal["uniform", "first"] = "uniform") -> Policy:
        """The optimal exact Policy on the piece: uniform over the argmax sets, or the first action."""
        if tie not in ("uniform", "first"):
            raise InvalidArgument(f"tie is {tie!r}, not 'uniform' or 'first'")
        steps = self.argmax if self.finite_horizon else (self.argmax,)
        out = []
        for sets in steps:
            probs = np.full((len(self.states), len(self.actions)), Fraction(0), dtype=object)
            for s, best in enumerate(sets):
                chosen = best if tie == "uniform" else best[:1]
                for a in chosen:
                    probs[s, self.actions.index(a)] = Fraction(1, len(chosen))
            out.append(probs)
        return Policy(np.stack(out) if self.finite_horizon else out[0], self.states, self.actions)

    def contains(self, value: Any) -> bool:
        """Whether the exact rational ``value`` lies in [lo, hi] (an exact comparison, also
        with algebraic ends).

        >>> optimal_partition(now_or_later(2))[0].contains("1/2")
        True
        """
        x = _Alg.rational(parse_number(value, self.param))
        lo, hi = getattr(self, "_ends", (None, None))
        if lo is None:
            lo, hi = (_Alg.rational(_fr(e)) for e in (self.lo, self.hi))
        return _cmp(lo, x) <= 0 <= _cmp(hi, x)

    def describe(self) -> str:
        """Two lines: the interval (exact and to 12 digits), the policy and the value."""
        return (
            f"{self.param} in [{self.lo}, {self.hi}]  (~ [{_digits(self.lo)}, {_digits(self.hi)}])\n"
            f"  policy: {_policy_text(self)}\n"
            f"  value from initial: {self.initial_value}"
        )


def _digits(x: sympy.Expr) -> str:
    return str(sympy.N(x, DIGITS))


def _set_text(best: tuple[str, ...]) -> str:
    return "|".join(best)


def _policy_text(piece: Piece) -> str:
    if piece.finite_horizon:
        return "; ".join(
            f"t={t}: " + ", ".join(f"{s}: {_set_text(b)}" for s, b in zip(piece.states, sets))
            for t, sets in enumerate(piece.argmax)
        )
    return ", ".join(f"{s}: {_set_text(b)}" for s, b in zip(piece.states, piece.argmax))


class _Evaluation:
    """A deterministic policy evaluated over QQ(x): values, Q-values, and the differences
    V(s) - Q(s, a) as (numerator, denominator) coefficient pairs."""

    def __init__(self, field: _Field, choice: tuple):
        pm = field.pmdp
        S, A = pm.S, pm.A
        finite = pm.horizon is not None
        steps = choice if finite else (choice,)
        probs = np.full((len(steps), S, A), Fraction(0), dtype=object)
        for t, row in enumerate(steps):
            for s, a in enumerate(row):
                probs[t, s, a] = Fraction(1)
        if finite:
            v, q = field.finite(probs)
            vs, qs = v[:-1], q
            self.values = v[0]
        else:
            v, q = field.stationary(probs[0])
            vs, qs = [v], [q]
            self.values = v
        self.diffs: list[tuple[int, int, int, tuple, tuple]] = []
        key = []
        for t in range(len(steps)):
            sets = []
            for s in range(S):
                best = []
                for a in range(A):
                    d = vs[t][s] - qs[t][s][a]
                    if not d:
                        best.append(a)
                    else:
                        self.diffs.append((t, s, a, *field.coeffs(d)))
                sets.append(tuple(best))
            key.append(tuple(sets))
        self.key = tuple(key) if finite else key[0]
        self.finite = finite

    def optimal_at(self, x: Fraction) -> bool:
        return all(_peval(n, x) / _peval(d, x) >= 0 for _t, _s, _a, n, d in self.diffs)

    def argmax_at(self, x: Fraction) -> tuple:
        """The argmax sets at one point (identical ties plus the differences vanishing there)."""
        zero = {(t, s, a) for t, s, a, n, _d in self.diffs if _peval(n, x) == 0}
        steps = self.key if self.finite else (self.key,)
        out = []
        for t, sets in enumerate(steps):
            rows = []
            for s, best in enumerate(sets):
                extra = {a for (tt, ss, a) in zero if tt == t and ss == s}
                rows.append(tuple(sorted(set(best) | extra)))
            out.append(tuple(rows))
        return tuple(out) if self.finite else out[0]


def _one_parameter(
    pmdp: ParametricMDP, param: str | None, fixed: Mapping[str, Any] | None
) -> tuple[ParametricMDP, str]:
    if not isinstance(pmdp, ParametricMDP):
        raise InvalidArgument(f"pmdp is {type(pmdp).__name__}, not a ParametricMDP")
    pm = fix(pmdp, **dict(fixed)) if fixed else pmdp
    if param is None:
        if len(pm.params) != 1:
            raise InvalidArgument(
                f"param is not given and the MDP has parameters {list(pm.params)}; name one"
            )
        param = next(iter(pm.params))
    if param not in pm.params:
        raise InvalidArgument(f"param {param!r} is not a parameter (params: {', '.join(pm.params) or 'none'})")
    others = [n for n in pm.params if n != param]
    if others:
        raise InvalidArgument(
            f"the MDP also has the parameters {others}; fix them with fixed={{{others[0]!r}: value, ...}}"
        )
    return pm, param


def _choice_at(pm: ParametricMDP, param: str, x: Fraction, reward: str) -> tuple:
    """A deterministic optimal policy (action indices) at param = x, by exact policy iteration
    / backward induction."""
    sol = solve(substitute(pm, **{param: x}), reward, tie="first")
    probs = sol.policy.probs
    if probs.ndim == 2:
        return tuple(int(np.flatnonzero(row == 1)[0]) for row in probs)
    return tuple(tuple(int(np.flatnonzero(row == 1)[0]) for row in step) for step in probs)


def optimal_partition(
    pmdp: ParametricMDP,
    param: str | None = None,
    lo: Any = None,
    hi: Any = None,
    reward: str | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> list[Piece]:
    r"""The exact partition of [lo, hi] into pieces on which the optimal policy is constant.

    One parameter varies; every other one must be fixed (``fixed={name: value}``). Method:
    parametric policy iteration. For the current interval [a, b], take a rational point c
    inside it, solve the MDP at c exactly (policy iteration / backward induction), and
    evaluate that policy :math:`\pi` over :math:`\mathbb{Q}(x)`. :math:`\pi` is optimal at x
    iff :math:`D_{s,a}(x) = V^\pi(s) - Q^\pi(s, a) \ge 0` for every s, a (every step for a
    horizon). Isolate exactly the real roots in (a, b) of the numerators of the differences
    that are not identically 0; between consecutive roots every :math:`D` has a constant
    sign, tested at one rational point. Sub-intervals where :math:`\pi` is optimal become
    pieces; the others are solved again from their own sample point. Adjacent pieces with the
    same argmax sets are merged. No grid is sampled: the breakpoints are exact algebraic
    numbers (rationals, radicals for quadratics, ``sympy.CRootOf`` for higher degrees).

    Tie rule: a piece's ``argmax`` holds, per state, the actions optimal on the whole interior
    (identical ties), and :meth:`Piece.policy` is uniform over them like
    :func:`theory.solvers.solve`; at a breakpoint the policies of both neighbouring pieces are
    optimal. With lo == hi the single piece is that point, with the argmax sets there.

    Source: Puterman (1994), sec. 6.4 (policy iteration) and 6.2 (the optimality criterion);
    parametric / sensitivity analysis of MDPs in the discount as in Blackwell (1962) and
    Puterman sec. 10.1; piecewise rational values: Kosoy (2018).

    Parameters
    ----------
    pmdp : the parametric MDP.
    param : the parameter that varies (default: the only one).
    lo, hi : the interval (default: the parameter's range); exact rationals within it.
    reward : the reward maximised (default "proxy", or the only one).
    fixed : exact values of the other parameters.

    Examples
    --------
    >>> pieces = optimal_partition(now_or_later(2), "gamma")
    >>> [(p.lo, p.hi, p.choice[0], p.initial_value) for p in pieces]
    [(0, 1/2, 'now', 1), (1/2, 99/100, 'wait', 2*gamma)]
    """
    pm, param = _one_parameter(pmdp, param, fixed)
    reward = _reward_name(pm, reward)
    r_lo, r_hi = pm.params[param]
    a0 = r_lo if lo is None else _point(pm, {param: lo}, "lo")[param]
    b0 = r_hi if hi is None else _point(pm, {param: hi}, "hi")[param]
    if a0 > b0:
        raise InvalidArgument(f"lo = {a0} is greater than hi = {b0}")
    field = _Field(pm, reward)
    cache: dict[tuple, _Evaluation] = {}

    def evaluation(x: Fraction) -> _Evaluation:
        choice = _choice_at(pm, param, x, reward)
        if choice not in cache:
            cache[choice] = _Evaluation(field, choice)
        return cache[choice]

    raw: list[tuple[_Alg, _Alg, _Evaluation, tuple]] = []
    if a0 == b0:
        ev = evaluation(a0)
        raw.append((_Alg.rational(a0), _Alg.rational(b0), ev, ev.argmax_at(a0)))
    else:
        stack = [(_Alg.rational(a0), _Alg.rational(b0))]
        rounds = 0
        while stack:
            rounds += 1
            if rounds > 100_000:  # pragma: no cover - the set of candidate breakpoints is finite
                raise RuntimeError("parametric policy iteration did not terminate")
            a, b = stack.pop()
            ev = evaluation(_between(a, b))
            cuts = _roots_in([n for *_tsa, n, _d in ev.diffs], a, b, closed=False)
            ends = [a, *cuts, b]
            for u, w in zip(ends, ends[1:]):
                if ev.optimal_at(_between(u, w)):
                    raw.append((u, w, ev, ev.key))
                else:
                    stack.append((u, w))
    raw.sort(key=functools.cmp_to_key(lambda r1, r2: _cmp(r1[0], r2[0])))

    merged: list[list[Any]] = []  # [lo, hi, ev, key, ties]
    for u, w, ev, key in raw:
        if merged and merged[-1][3] == key:
            last = merged[-1]
            if _cmp(last[1], u) != 0:  # pragma: no cover - internal consistency
                raise RuntimeError("pieces of the partition do not meet")
            if any(_vanishes_at(n, u) for *_tsa, n, _d in ev.diffs):
                last[4].append(u)
            last[1] = w
        else:
            if merged and _cmp(merged[-1][1], u) != 0:  # pragma: no cover
                raise RuntimeError("pieces of the partition do not meet")
            merged.append([u, w, ev, key, []])

    pieces = []
    for u, w, ev, key, ties in merged:
        steps = key if ev.finite else (key,)
        argmax = tuple(tuple(tuple(pm.actions[a] for a in best) for best in sets) for sets in steps)
        choice = tuple(tuple(best[0] for best in sets) for sets in argmax)
        init = field.to_sympy(field.initial_value(ev.values))
        piece = Piece(
            param=param, reward=reward, lo=u.expr(), hi=w.expr(),
            states=pm.states, actions=pm.actions,
            argmax=argmax if ev.finite else argmax[0],
            choice=choice if ev.finite else choice[0],
            values=tuple(field.to_sympy(x) for x in ev.values), initial_value=init,
            ties=tuple(t.expr() for t in ties), finite_horizon=ev.finite,
        )
        object.__setattr__(piece, "_ends", (u, w))  # the exact ends, for contains()
        pieces.append(piece)
    return pieces


def breakpoints(pieces: Sequence[Piece]) -> list[sympy.Expr]:
    """The exact points where the optimal policy changes: the shared ends of consecutive pieces.

    Source: Puterman (1994), sec. 6 (at a breakpoint both neighbouring policies are optimal).

    >>> breakpoints(optimal_partition(now_or_later(4), "gamma"))
    [1/4]
    """
    return [p.hi for p in pieces[:-1]]


def format_partition(pieces: Sequence[Piece]) -> str:
    """A readable report of a partition: every breakpoint exactly and to 12 digits, then every
    piece with its optimal policy (argmax sets; ``a|b`` is a tie) and its value from initial.
    This is what ``deconfuse solve --symbolic`` prints.

    >>> print(format_partition(optimal_partition(now_or_later(2), "gamma")))
    optimal policy for reward 'proxy' as gamma varies over [0, 99/100]: 2 pieces, 1 breakpoint
    breakpoint 1: gamma = 1/2 ~ 0.500000000000
    piece 1: gamma in [0, 1/2]  (~ [0, 0.500000000000])
      policy: A: now, B: now|wait, end: now|wait
      value from initial: 1
    piece 2: gamma in [1/2, 99/100]  (~ [0.500000000000, 0.990000000000])
      policy: A: wait, B: now|wait, end: now|wait
      value from initial: 2*gamma
    """
    if not pieces:
        return "no pieces"
    first, last = pieces[0], pieces[-1]
    bps = breakpoints(pieces)
    lines = [
        f"optimal policy for reward {first.reward!r} as {first.param} varies over "
        f"[{first.lo}, {last.hi}]: {len(pieces)} piece{'s' * (len(pieces) != 1)}, "
        f"{len(bps)} breakpoint{'s' * (len(bps) != 1)}"
    ]
    for i, b in enumerate(bps, 1):
        lines.append(f"breakpoint {i}: {first.param} = {b} ~ {_digits(b)}")
    for i, p in enumerate(pieces, 1):
        lines.append(f"piece {i}: " + p.describe())
        if p.ties:
            lines.append("  isolated ties at: " + ", ".join(f"{t} ~ {_digits(t)}" for t in p.ties))
    return "\n".join(lines)


# =============================================================================================
# Two parameters: exact breakpoints along vertical lines
# =============================================================================================


@dataclasses.dataclass(frozen=True, eq=False)
class RegionMap:
    """Which policy is optimal where, for two parameters x and y.

    ``xs`` are exact rationals (the vertical lines, a discretisation of the x range); for each
    ``lines[i]`` is the exact :func:`optimal_partition` in y at x = xs[i]: its breakpoints are
    exact algebraic numbers. ``policies`` lists the distinct argmax sets met (in order of first
    appearance); :meth:`policy_index` maps a piece to it. Between two lines nothing is computed:
    :meth:`polygons` joins the breakpoints of neighbouring lines by straight segments when both
    lines show the same sequence of policies, and otherwise draws each line's pieces as
    half-width strips -- that part is a discretisation for plotting only.

    Source: sensitivity analysis of optimal policies (Puterman 1994, sec. 6).

    >>> rm = region_map(now_or_later(later=None), "R", "gamma", num=4)
    >>> [[str(p.hi) for p in line] for line in rm.lines]
    [['99/100'], ['1/2', '99/100'], ['1/3', '99/100'], ['1/4', '99/100']]
    >>> len(rm.policies)
    2
    """

    param_x: str
    param_y: str
    xs: tuple[sympy.Rational, ...]
    lines: tuple[tuple[Piece, ...], ...]
    policies: tuple[tuple, ...]

    def policy_index(self, piece: Piece) -> int:
        """The index in ``policies`` of a piece's argmax sets."""
        return self.policies.index(piece.argmax)

    def segments(self) -> list[tuple[float, float, float, int]]:
        """(x, y_lo, y_hi, policy index) of every piece of every line, as floats."""
        return [
            (float(x), float(p.lo), float(p.hi), self.policy_index(p))
            for x, line in zip(self.xs, self.lines) for p in line
        ]

    def polygons(self) -> list[tuple[int, list[tuple[float, float]]]]:
        """Polygons (policy index, vertices) covering the plane between the lines (see above)."""
        out: list[tuple[int, list[tuple[float, float]]]] = []
        xs = [float(x) for x in self.xs]
        for i in range(len(xs) - 1):
            left, right = self.lines[i], self.lines[i + 1]
            seq_l = [self.policy_index(p) for p in left]
            seq_r = [self.policy_index(p) for p in right]
            if seq_l == seq_r:
                for k, (p, q) in enumerate(zip(left, right)):
                    out.append((seq_l[k], [(xs[i], float(p.lo)), (xs[i + 1], float(q.lo)),
                                           (xs[i + 1], float(q.hi)), (xs[i], float(p.hi))]))
            else:
                mid = (xs[i] + xs[i + 1]) / 2
                for x0, x1, line, seq in ((xs[i], mid, left, seq_l), (mid, xs[i + 1], right, seq_r)):
                    for k, p in enumerate(line):
                        out.append((seq[k], [(x0, float(p.lo)), (x1, float(p.lo)),
                                             (x1, float(p.hi)), (x0, float(p.hi))]))
        return out


def region_map(
    pmdp: ParametricMDP,
    param_x: str,
    param_y: str,
    xs: Sequence[Any] | None = None,
    num: int = 9,
    reward: str | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> RegionMap:
    """The optimal policy over a rectangle of two parameters: exact in y along lines x = const.

    For every x in ``xs`` (default: ``num`` evenly spaced rationals over x's range, ends
    included), :func:`optimal_partition` of y at that x: the y-breakpoints on each line are
    exact; the choice of lines is the only discretisation (see :class:`RegionMap`).

    Source: Puterman (1994), sec. 6; Kosoy (2018).

    >>> rm = region_map(now_or_later(later=None), "R", "gamma", xs=["3/2"])
    >>> [str(p.hi) for p in rm.lines[0]]
    ['2/3', '99/100']
    """
    if not isinstance(pmdp, ParametricMDP):
        raise InvalidArgument(f"pmdp is {type(pmdp).__name__}, not a ParametricMDP")
    pm = fix(pmdp, **dict(fixed)) if fixed else pmdp
    for name in (param_x, param_y):
        if name not in pm.params:
            raise InvalidArgument(f"param {name!r} is not a parameter (params: {', '.join(pm.params)})")
    if param_x == param_y:
        raise InvalidArgument(f"param_x and param_y are both {param_x!r}")
    x_lo, x_hi = pm.params[param_x]
    if xs is None:
        if isinstance(num, bool) or not isinstance(num, Integral) or num < 1:
            raise InvalidArgument(f"num is {num!r}, not an integer >= 1")
        values = [x_lo] if num == 1 or x_lo == x_hi else [x_lo + (x_hi - x_lo) * k / (num - 1) for k in range(num)]
    else:
        values = sorted(_point(pm, {param_x: x}, "xs")[param_x] for x in xs)
        if not values:
            raise InvalidArgument("xs is empty")
    lines = []
    policies: list[tuple] = []
    for x in values:
        line = optimal_partition(fix(pm, **{param_x: x}), param_y, reward=reward)
        for p in line:
            if p.argmax not in policies:
                policies.append(p.argmax)
        lines.append(tuple(line))
    return RegionMap(param_x, param_y, tuple(_rational_expr(x) for x in values), tuple(lines), tuple(policies))
