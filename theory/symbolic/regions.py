"""Which policy is optimal where, for two parameters: exact partitions along vertical lines.

:func:`region_map` computes :func:`theory.symbolic.partition.optimal_partition` in y on lines
x = const; :class:`RegionMap` holds the lines and joins them into polygons for plotting.

Source: sensitivity analysis of optimal policies (Puterman 1994, sec. 6); Kosoy (2018).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from theory.errors import InvalidArgument
from theory.symbolic.algebraic import sympy_rational
from theory.symbolic.parametric import ParametricMDP, fix, parameter_point
from theory.symbolic.partition import Piece, optimal_partition
from theory.validation import check_instance, check_int

__all__ = ["RegionMap", "region_map"]


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

    >>> from environments.parametric import now_or_later
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

    >>> from environments.parametric import now_or_later
    >>> rm = region_map(now_or_later(later=None), "R", "gamma", xs=["3/2"])
    >>> [str(p.hi) for p in rm.lines[0]]
    ['2/3', '99/100']
    """
    check_instance(pmdp, ParametricMDP, "pmdp")
    pm = fix(pmdp, **dict(fixed)) if fixed else pmdp
    for name in (param_x, param_y):
        if name not in pm.params:
            raise InvalidArgument(f"param {name!r} is not a parameter (params: {', '.join(pm.params)})")
    if param_x == param_y:
        raise InvalidArgument(f"param_x and param_y are both {param_x!r}")
    x_lo, x_hi = pm.params[param_x]
    if xs is None:
        num = check_int(num, "num", 1)
        values = [x_lo] if num == 1 or x_lo == x_hi else [x_lo + (x_hi - x_lo) * k / (num - 1) for k in range(num)]
    else:
        values = sorted(parameter_point(pm, {param_x: x}, "xs")[param_x] for x in xs)
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
    return RegionMap(param_x, param_y, tuple(sympy_rational(x) for x in values), tuple(lines), tuple(policies))
