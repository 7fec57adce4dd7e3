r"""The exact partition of one parameter's interval into pieces with a constant optimal policy.

The optimal value of a parametric MDP is the maximum of finitely many rational functions (the
values of the deterministic policies), hence *piecewise rational*, and along one parameter the
optimal policy changes only at real roots of polynomials with rational coefficients: the
breakpoints are real algebraic numbers, computed exactly (rationals, radicals for quadratics,
``sympy.CRootOf`` otherwise) by :func:`optimal_partition` -- never by sampling a grid.
:func:`breakpoints` lists them; :func:`format_partition` is the report that
``deconfuse solve TARGET --symbolic`` prints.

Source: Puterman, *Markov Decision Processes* (1994), sec. 6.2-6.4 (policy iteration; the
optimality criterion :math:`Q^\pi \le V^\pi`) and the sensitivity analysis of optimal policies
to the discount (Blackwell 1962; Puterman sec. 10.1); Kosoy, "Quantilal control for finite
MDPs" (2018), for values piecewise rational in the parameters.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import sympy

from theory.errors import InvalidArgument
from theory.numbers import parse_number
from theory.policy import Policy
from theory.solvers import solve
from theory.symbolic.algebraic import (
    RealAlgebraic,
    compare,
    fraction_of,
    poly_eval,
    rational_between,
    roots_in,
    vanishes_at,
)
from theory.symbolic.parametric import ParametricMDP, fix, parameter_point, substitute
from theory.symbolic.values import ValueField, reward_name
from theory.validation import check_instance, check_tie

__all__ = ["DIGITS", "Piece", "optimal_partition", "breakpoints", "format_partition"]

#: Digits of the decimal approximations printed next to exact breakpoints.
DIGITS = 12


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
    - ``_ends``: not an argument; the exact ends as algebraic numbers when the piece comes
      from :func:`optimal_partition` (for :meth:`contains`), else None.

    :meth:`policy` gives the optimal Policy uniform over the argmax sets (``tie="uniform"``,
    what :func:`theory.solvers.solve` returns at an interior point) or ``choice``
    (``tie="first"``).

    Source: Puterman (1994), sec. 6.2 (optimality of a policy whose Q-values are dominated by
    its values).

    >>> from environments.parametric import now_or_later
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
    _ends: tuple[RealAlgebraic, RealAlgebraic] | None = dataclasses.field(default=None, init=False, repr=False)

    def policy(self, tie: Literal["uniform", "first"] = "uniform") -> Policy:
        """The optimal exact Policy on the piece: uniform over the argmax sets, or the first action."""
        check_tie(tie, ("uniform", "first"))
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

        >>> from environments.parametric import now_or_later
        >>> optimal_partition(now_or_later(2))[0].contains("1/2")
        True
        """
        x = RealAlgebraic.rational(parse_number(value, self.param))
        if self._ends is not None:
            lo, hi = self._ends
        else:
            lo, hi = (RealAlgebraic.rational(fraction_of(e)) for e in (self.lo, self.hi))
        return compare(lo, x) <= 0 <= compare(hi, x)

    def describe(self) -> str:
        """Two lines: the interval (exact and to 12 digits), the policy and the value."""
        return (
            f"{_interval_text(self)}\n"
            f"  policy: {_policy_text(self)}\n"
            f"  value from initial: {self.initial_value}"
        )


def _digits(x: sympy.Expr) -> str:
    return str(sympy.N(x, DIGITS))


def _interval_text(piece: Piece) -> str:
    return f"{piece.param} in [{piece.lo}, {piece.hi}]  (~ [{_digits(piece.lo)}, {_digits(piece.hi)}])"


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

    def __init__(self, field: ValueField, choice: tuple):
        pm = field.pmdp
        S, A = pm.S, pm.A
        finite = pm.horizon is not None
        steps = choice if finite else (choice,)
        probs = np.full((len(steps), S, A), Fraction(0), dtype=object)
        for t, row in enumerate(steps):
            for s, a in enumerate(row):
                probs[t, s, a] = Fraction(1)
        if finite:
            v, q_values = field.finite(probs)
            vs, qs = v[:-1], q_values
            self.values = v[0]
        else:
            v, q_values = field.stationary(probs[0])
            vs, qs = [v], [q_values]
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
        return all(poly_eval(n, x) / poly_eval(d, x) >= 0 for _t, _s, _a, n, d in self.diffs)

    def argmax_at(self, x: Fraction) -> tuple:
        """The argmax sets at one point (identical ties plus the differences vanishing there)."""
        zero = {(t, s, a) for t, s, a, n, _d in self.diffs if poly_eval(n, x) == 0}
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
    check_instance(pmdp, ParametricMDP, "pmdp")
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


def _interval(pm: ParametricMDP, param: str, lo: Any, hi: Any) -> tuple[Fraction, Fraction]:
    """[lo, hi] within the parameter's range (its range by default)."""
    r_lo, r_hi = pm.params[param]
    a0 = r_lo if lo is None else parameter_point(pm, {param: lo}, "lo")[param]
    b0 = r_hi if hi is None else parameter_point(pm, {param: hi}, "hi")[param]
    if a0 > b0:
        raise InvalidArgument(f"lo = {a0} is greater than hi = {b0}")
    return a0, b0


def _choice_at(pm: ParametricMDP, param: str, x: Fraction, reward: str) -> tuple:
    """A deterministic optimal policy (action indices) at param = x, by exact policy iteration
    / backward induction."""
    sol = solve(substitute(pm, **{param: x}), reward, tie="first")
    probs = sol.policy.probs
    if probs.ndim == 2:
        return tuple(int(np.flatnonzero(row == 1)[0]) for row in probs)
    return tuple(tuple(int(np.flatnonzero(row == 1)[0]) for row in step) for step in probs)


_Raw = tuple[RealAlgebraic, RealAlgebraic, _Evaluation, tuple]


def _optimal_intervals(
    pm: ParametricMDP, param: str, reward: str, field: ValueField, a0: Fraction, b0: Fraction
) -> list[_Raw]:
    """Parametric policy iteration: (lo, hi, evaluation, argmax key) of intervals covering
    [a0, b0] on each of which one evaluated policy is optimal, ascending."""
    cache: dict[tuple, _Evaluation] = {}

    def evaluation(x: Fraction) -> _Evaluation:
        choice = _choice_at(pm, param, x, reward)
        if choice not in cache:
            cache[choice] = _Evaluation(field, choice)
        return cache[choice]

    if a0 == b0:
        ev = evaluation(a0)
        return [(RealAlgebraic.rational(a0), RealAlgebraic.rational(b0), ev, ev.argmax_at(a0))]
    raw: list[_Raw] = []
    stack = [(RealAlgebraic.rational(a0), RealAlgebraic.rational(b0))]
    rounds = 0
    while stack:
        rounds += 1
        if rounds > 100_000:  # pragma: no cover - the set of candidate breakpoints is finite
            raise RuntimeError("parametric policy iteration did not terminate")
        a, b = stack.pop()
        ev = evaluation(rational_between(a, b))
        cuts = roots_in([n for *_tsa, n, _d in ev.diffs], a, b, closed=False)
        ends = [a, *cuts, b]
        for u, w in zip(ends, ends[1:]):
            if ev.optimal_at(rational_between(u, w)):
                raw.append((u, w, ev, ev.key))
            else:
                stack.append((u, w))
    raw.sort(key=functools.cmp_to_key(lambda r1, r2: compare(r1[0], r2[0])))
    return raw


def _merge(raw: list[_Raw]) -> list[list[Any]]:
    """Join adjacent intervals with the same argmax sets: [lo, hi, evaluation, key, ties]."""
    merged: list[list[Any]] = []
    for u, w, ev, key in raw:
        if merged and compare(merged[-1][1], u) != 0:  # pragma: no cover - internal consistency
            raise RuntimeError("pieces of the partition do not meet")
        if merged and merged[-1][3] == key:
            last = merged[-1]
            if any(vanishes_at(n, u) for *_tsa, n, _d in ev.diffs):
                last[4].append(u)
            last[1] = w
        else:
            merged.append([u, w, ev, key, []])
    return merged


def _piece(
    pm: ParametricMDP, param: str, reward: str, field: ValueField,
    u: RealAlgebraic, w: RealAlgebraic, ev: _Evaluation, key: tuple, ties: list[RealAlgebraic],
) -> Piece:
    steps = key if ev.finite else (key,)
    argmax = tuple(tuple(tuple(pm.actions[a] for a in best) for best in sets) for sets in steps)
    choice = tuple(tuple(best[0] for best in sets) for sets in argmax)
    piece = Piece(
        param=param, reward=reward, lo=u.expr(), hi=w.expr(),
        states=pm.states, actions=pm.actions,
        argmax=argmax if ev.finite else argmax[0],
        choice=choice if ev.finite else choice[0],
        values=tuple(field.to_sympy(x) for x in ev.values),
        initial_value=field.to_sympy(field.initial_value(ev.values)),
        ties=tuple(t.expr() for t in ties), finite_horizon=ev.finite,
    )
    object.__setattr__(piece, "_ends", (u, w))  # the exact ends, for contains()
    return piece


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
    >>> from environments.parametric import now_or_later
    >>> pieces = optimal_partition(now_or_later(2), "gamma")
    >>> [(p.lo, p.hi, p.choice[0], p.initial_value) for p in pieces]
    [(0, 1/2, 'now', 1), (1/2, 99/100, 'wait', 2*gamma)]
    """
    pm, param = _one_parameter(pmdp, param, fixed)
    reward = reward_name(pm, reward)
    a0, b0 = _interval(pm, param, lo, hi)
    field = ValueField(pm, reward)
    raw = _optimal_intervals(pm, param, reward, field, a0, b0)
    return [_piece(pm, param, reward, field, *entry) for entry in _merge(raw)]


def breakpoints(pieces: Sequence[Piece]) -> list[sympy.Expr]:
    """The exact points where the optimal policy changes: the shared ends of consecutive pieces.

    Source: Puterman (1994), sec. 6 (at a breakpoint both neighbouring policies are optimal).

    >>> from environments.parametric import now_or_later
    >>> breakpoints(optimal_partition(now_or_later(4), "gamma"))
    [1/4]
    """
    return [p.hi for p in pieces[:-1]]


def format_partition(pieces: Sequence[Piece], target: str | None = None) -> str:
    """The report of a partition that ``deconfuse solve TARGET --symbolic`` prints: a headline
    (prefixed by ``"{target}: "`` when a target is named), every breakpoint exactly and to 12
    digits, then every piece with its interval, its optimal policy (argmax sets at step 0;
    ``a|b`` is a tie) -- in full for the first piece, as the states whose sets change for the
    others -- and its value from initial.

    >>> from environments.parametric import now_or_later
    >>> print(format_partition(optimal_partition(now_or_later(2), "gamma")))
    optimal policy for 'proxy' as gamma varies over [0, 99/100]: 2 pieces, 1 breakpoints
    breakpoint 1: gamma = 1/2  (~ 0.500000000000)
    piece 1: gamma in [0, 1/2]  (~ [0, 0.500000000000])
      policy: A: now, B: now|wait, end: now|wait
      value from initial: 1
    piece 2: gamma in [1/2, 99/100]  (~ [0.500000000000, 0.990000000000])
      policy changes: A: now -> wait
      value from initial: 2*gamma
    """
    if not pieces:
        return "no pieces"
    first, last = pieces[0], pieces[-1]
    points = breakpoints(pieces)
    prefix = "" if target is None else f"{target}: "
    lines = [
        f"{prefix}optimal policy for {first.reward!r} as {first.param} varies over "
        f"[{first.lo}, {last.hi}]: {len(pieces)} pieces, {len(points)} breakpoints"
    ]
    lines += [f"breakpoint {k}: {first.param} = {b}  (~ {_digits(b)})" for k, b in enumerate(points, 1)]
    previous: dict[str, str] = {}
    for k, p in enumerate(pieces, 1):
        argmax = p.argmax[0] if p.finite_horizon else p.argmax
        policy = {s: _set_text(a) for s, a in zip(p.states, argmax)}
        lines.append(f"piece {k}: {_interval_text(p)}")
        if not previous:
            lines.append("  policy: " + ", ".join(f"{s}: {a}" for s, a in policy.items()))
        else:
            changes = [f"{s}: {previous[s]} -> {a}" for s, a in policy.items() if previous[s] != a]
            lines.append("  policy changes: " + (", ".join(changes) or "none (a tie ends here)"))
        lines.append(f"  value from initial: {p.initial_value}")
        previous = policy
    return "\n".join(lines)
