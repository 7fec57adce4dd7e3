r"""An exact linear-programming solver: the two-phase simplex method in rational arithmetic.

:func:`solve_lp` solves

.. math:: \min_x\ c^\top x \quad \text{s.t.}\quad A_{ub} x \le b_{ub},\ A_{eq} x = b_{eq},\ x \ge 0

(scipy's ``linprog`` convention with its default bounds: every variable is non-negative) over
the rationals. Phase 1 minimises the sum of artificial variables from the basis of slacks and
artificials; a positive optimum means the program is infeasible; artificials left in the basis
at level 0 are pivoted out, and a row where that is impossible is redundant and dropped.
Phase 2 minimises :math:`c^\top x` from the feasible basis. The optimum, when it exists, is
attained at a basic feasible solution (a vertex of the feasible polyhedron), which is the one
returned: its ``basis`` lists the basic columns (the variables, then one slack per inequality
row).

Pivoting: Dantzig's rule (the most negative reduced cost enters; ties and the ratio test's ties
by the smallest index) until ``DEGENERATE_STREAK`` consecutive degenerate pivots, then Bland's
rule for the rest of the phase, which cannot cycle (Bland 1977), so the method terminates.
Every number is a ``flint.fmpq`` inside (python-flint's C rationals) and a
``fractions.Fraction`` at the boundary, so results are exact: ``value`` is the optimum itself,
not a float near it. The tableau is dense, (rows) x (variables + slacks + artificials): this is
for the small and medium programs of exact MDPs (a few hundred rows), not a replacement for
HiGHS.

Sources: Dantzig, *Linear Programming and Extensions* (1963), chapter 5 (the two-phase method);
Bland, "New finite pivoting rules for the simplex method", *Mathematics of Operations Research*
2(2), 1977; Bertsimas & Tsitsiklis, *Introduction to Linear Optimization* (1997), sections
3.3-3.5.

Examples
--------
Maximise x + y subject to x + 2y <= 4, 3x + y <= 6 (minimise -x - y): the optimum is at the
vertex x = 8/5, y = 6/5 where both constraints bind, with value -14/5.

>>> sol = solve_lp([-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6])
>>> sol.status, sol.value, sol.x.tolist()
('optimal', Fraction(-14, 5), [Fraction(8, 5), Fraction(6, 5)])
>>> solve_lp([1], A_eq=[[1]], b_eq=[-1]).status
'infeasible'
>>> solve_lp([-1], A_ub=[[-1]], b_ub=[0]).status
'unbounded'
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from flint import fmpq

from theory.errors import InvalidArgument
from theory.numbers import coerce_array

__all__ = ["LPStatus", "LPSolution", "DEGENERATE_STREAK", "MAX_BASES", "solve_lp", "basic_feasible_solutions", "vertex_optimum"]

#: The outcome of a linear program.
LPStatus = Literal["optimal", "infeasible", "unbounded"]

#: Consecutive degenerate pivots after which the pivot rule switches from Dantzig's to Bland's.
DEGENERATE_STREAK = 8

#: The cap on the number of column subsets :func:`vertex_optimum` tries.
MAX_BASES = 100_000

_ZERO = fmpq(0)


@dataclasses.dataclass(frozen=True, eq=False)
class LPSolution:
    """The result of :func:`solve_lp`: ``status``; when optimal, the exact optimum ``value``
    (a Fraction), a basic optimal solution ``x`` (an object array of Fractions, one per
    variable), an optimal dual solution ``duals`` (one per row, the inequality rows first:
    :math:`y_{ub} \\le 0`, :math:`c - A^\\top y \\ge 0` and :math:`b^\\top y` = ``value``, strong
    duality) and its ``basis`` (the basic columns: indices < n are variables, n + i is the
    slack of inequality row i); ``pivots``, the number of simplex pivots of both phases."""

    status: LPStatus
    value: Fraction | None
    x: np.ndarray | None
    duals: np.ndarray | None
    basis: tuple[int, ...]
    pivots: int


def _matrix(values: Any, n: int, field: str) -> list[list[fmpq]]:
    if values is None:
        return []
    arr = coerce_array(values, True, field)
    if arr.ndim != 2 or arr.shape[1] != n:
        raise InvalidArgument(f"{field} has shape {arr.shape}, expected (rows, {n})")
    return [[fmpq(x.numerator, x.denominator) for x in row] for row in arr]


def _vector(values: Any, rows: int, field: str) -> list[fmpq]:
    if values is None:
        values = []
    arr = coerce_array(values, True, field)
    if arr.ndim != 1 or arr.shape[0] != rows:
        raise InvalidArgument(f"{field} has shape {arr.shape}, expected ({rows},)")
    return [fmpq(x.numerator, x.denominator) for x in arr]


def _fraction(x: fmpq) -> Fraction:
    return Fraction(int(x.p), int(x.q))


class _Tableau:
    """A dense simplex tableau: ``rows[i]`` holds B^-1 A (all columns) then B^-1 b."""

    def __init__(self, rows: list[list[fmpq]], basis: list[int]) -> None:
        self.rows = rows
        self.basis = basis
        self.pivots = 0

    def objective_row(self, costs: list[fmpq]) -> list[fmpq]:
        """Reduced costs c_j - c_B B^-1 A_j (and minus the objective value last)."""
        z = list(costs) + [_ZERO]
        for row, b in zip(self.rows, self.basis):
            cb = costs[b]
            if cb != 0:
                z = [zj - cb * rj for zj, rj in zip(z, row)]
        return z

    def pivot(self, z: list[fmpq], r: int, j: int) -> list[fmpq]:
        prow = self.rows[r]
        inv = 1 / prow[j]
        prow = [x * inv for x in prow]
        nonzero = [k for k, x in enumerate(prow) if x != 0]
        self.rows[r] = prow
        for i, row in enumerate(self.rows):
            f = row[j]
            if i != r and f != 0:
                for k in nonzero:
                    row[k] -= f * prow[k]
        f = z[j]
        if f != 0:
            z = list(z)
            for k in nonzero:
                z[k] -= f * prow[k]
        self.basis[r] = j
        self.pivots += 1
        return z

    def run(self, z: list[fmpq], allowed: int) -> str:
        """Minimise from the current basis over columns < ``allowed``; 'optimal' or 'unbounded'."""
        streak = 0
        while True:
            candidates = [j for j in range(allowed) if z[j] < 0]
            if not candidates:
                return "optimal"
            j = candidates[0] if streak >= DEGENERATE_STREAK else min(candidates, key=lambda k: (z[k], k))
            best: tuple[fmpq, int, int] | None = None
            for i, row in enumerate(self.rows):
                if row[j] > 0:
                    key = (row[-1] / row[j], self.basis[i], i)
                    if best is None or key[:2] < best[:2]:
                        best = key
            if best is None:
                return "unbounded"
            streak = streak + 1 if best[0] == 0 else 0
            z = self.pivot(z, best[2], j)


def solve_lp(c: Any, A_ub: Any = None, b_ub: Any = None, A_eq: Any = None, b_eq: Any = None) -> LPSolution:
    """Minimise :math:`c^\\top x` subject to :math:`A_{ub} x \\le b_{ub}`, :math:`A_{eq} x = b_{eq}`,
    :math:`x \\ge 0`, exactly (see the module docstring for the method).

    All numbers are exact (ints, Fractions, "p/q" strings); floats are refused, as everywhere
    exact input is asked for. ``A_ub``/``b_ub`` and ``A_eq``/``b_eq`` may be omitted (None).
    To maximise, negate ``c`` and the value.

    >>> solve_lp([1, 1], A_eq=[[1, 1], [2, 2]], b_eq=[1, 2]).value  # a redundant row is dropped
    Fraction(1, 1)
    """
    costs = _vector(c, len(np.asarray(c, dtype=object).reshape(-1)), "c")
    n = len(costs)
    if n == 0:
        raise InvalidArgument("c is empty: the program has no variables")
    ub, eq = _matrix(A_ub, n, "A_ub"), _matrix(A_eq, n, "A_eq")
    bu, be = _vector(b_ub, len(ub), "b_ub"), _vector(b_eq, len(eq), "b_eq")
    m_ub, m = len(ub), len(ub) + len(eq)
    # columns: n variables, m_ub slacks, then one artificial per row that needs one
    rows: list[list[fmpq]] = []
    needs: list[int] = []
    sign: list[int] = []
    for i, (row, b) in enumerate(zip(ub + eq, bu + be)):
        slack = [_ZERO] * m_ub
        if i < m_ub:
            slack[i] = fmpq(1)
        full = row + slack
        sign.append(-1 if b < 0 else 1)
        if b < 0:
            full, b = [-x for x in full], -b
        rows.append(full + [b])
        if not (i < m_ub and full[n + i] == 1):
            needs.append(i)
    width = n + m_ub + len(needs)
    ident = [n + i for i in range(m)]  # the column of the initial identity basis in each row
    for k, i in enumerate(needs):
        for r, row in enumerate(rows):
            row.insert(n + m_ub + k, fmpq(1) if r == i else _ZERO)
        ident[i] = n + m_ub + k
    tab = _Tableau(rows, list(ident))
    if needs:
        phase1 = [_ZERO] * (n + m_ub) + [fmpq(1)] * len(needs)
        tab.run(tab.objective_row(phase1), width)
        if tab.objective_row(phase1)[-1] != 0:
            return LPSolution("infeasible", None, None, None, (), tab.pivots)
        _drive_out_artificials(tab, n + m_ub)
    # phase 2: the artificial columns stay in the tableau (they never enter again) so that the
    # reduced costs of the identity columns give the dual solution
    z = tab.objective_row(costs + [_ZERO] * (width - n))
    if tab.run(z, n + m_ub) == "unbounded":
        return LPSolution("unbounded", None, None, None, (), tab.pivots)
    z = tab.objective_row(costs + [_ZERO] * (width - n))
    x = np.array([Fraction(0)] * n, dtype=object)
    for row, b in zip(tab.rows, tab.basis):
        if b < n:
            x[b] = _fraction(row[-1])
    value = sum((_fraction(ci) * xi for ci, xi in zip(costs, x)), Fraction(0))
    duals = np.array([_fraction(-z[ident[i]] * sign[i]) for i in range(m)], dtype=object)
    return LPSolution("optimal", value, x, duals, tuple(tab.basis), tab.pivots)


def _drive_out_artificials(tab: _Tableau, real: int) -> None:
    """Pivot every artificial still basic (at level 0) out on a non-zero real column; drop the
    rows where there is none (they are linear combinations of the others)."""
    i = 0
    while i < len(tab.rows):
        if tab.basis[i] < real:
            i += 1
            continue
        row = tab.rows[i]
        j = next((k for k in range(real) if row[k] != 0), None)
        if j is None:
            del tab.rows[i]
            del tab.basis[i]
            continue
        tab.pivot([_ZERO] * len(row), i, j)
        i += 1


def _solve_square(M: list[list[fmpq]], b: list[fmpq]) -> list[fmpq] | None:
    """x with M x = b by Gauss-Jordan elimination, or None when M is singular."""
    k = len(M)
    rows = [list(r) + [v] for r, v in zip(M, b)]
    for col in range(k):
        piv = next((i for i in range(col, k) if rows[i][col] != 0), None)
        if piv is None:
            return None
        rows[col], rows[piv] = rows[piv], rows[col]
        inv = 1 / rows[col][col]
        rows[col] = [x * inv for x in rows[col]]
        for i in range(k):
            f = rows[i][col]
            if i != col and f != 0:
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[col])]
    return [r[-1] for r in rows]


def basic_feasible_solutions(A_ub: Any = None, b_ub: Any = None, A_eq: Any = None, b_eq: Any = None,
                             n: int | None = None) -> list[np.ndarray]:
    r"""Every distinct basic feasible solution x (the vertices of the feasible polyhedron, over
    the n variables, slacks dropped) of :math:`A_{ub} x \le b_{ub}`, :math:`A_{eq} x = b_{eq}`,
    :math:`x \ge 0`, found by trying every set of m columns of the standard form (slacks
    added): solve the m x m system exactly and keep it when the solution is >= 0. The rows must
    be linearly independent. Refuses more than ``MAX_BASES`` column subsets. ``n`` is the
    number of variables (needed when both matrices are omitted or empty).

    Source: Bertsimas & Tsitsiklis (1997), Theorem 2.3 (basic feasible solutions are the
    vertices).

    >>> [x.tolist() for x in basic_feasible_solutions(A_ub=[[1, 1]], b_ub=[1])]
    [[Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(1, 1)], [Fraction(0, 1), Fraction(0, 1)]]
    """
    if n is None:
        first = A_ub if A_ub is not None and len(A_ub) else A_eq
        n = len(first[0])
    ub, eq = _matrix(A_ub, n, "A_ub"), _matrix(A_eq, n, "A_eq")
    bu, be = _vector(b_ub, len(ub), "b_ub"), _vector(b_eq, len(eq), "b_eq")
    m_ub = len(ub)
    rows = [row + [fmpq(1) if k == i else _ZERO for k in range(m_ub)] for i, row in enumerate(ub)]
    rows += [row + [_ZERO] * m_ub for row in eq]
    b = bu + be
    width, m = n + m_ub, len(rows)
    count = math.comb(width, m)
    if count > MAX_BASES:
        raise InvalidArgument(f"the program has C({width}, {m}) = {count} column subsets, more than MAX_BASES = {MAX_BASES}")
    seen: set[tuple] = set()
    out = []
    for cols in itertools.combinations(range(width), m):
        xb = _solve_square([[row[j] for j in cols] for row in rows], b)
        if xb is None or any(v < 0 for v in xb):
            continue
        x = [Fraction(0)] * n
        for j, v in zip(cols, xb):
            if j < n:
                x[j] = _fraction(v)
        key = tuple(x)
        if key not in seen:
            seen.add(key)
            out.append(np.array(x, dtype=object))
    return out


def vertex_optimum(c: Any, A_ub: Any = None, b_ub: Any = None, A_eq: Any = None, b_eq: Any = None) -> Fraction | None:
    """The minimum of :math:`c^\\top x` over the basic feasible solutions of the program of
    :func:`solve_lp` (:func:`basic_feasible_solutions`; rows linearly independent): a second
    method for small programs, with no pivoting. When the program is feasible and bounded its
    optimum is attained at one of them (Bertsimas & Tsitsiklis 1997, Theorem 2.7); None when
    there is none.

    >>> vertex_optimum([-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6])
    Fraction(-14, 5)
    """
    costs = _vector(c, len(np.asarray(c, dtype=object).reshape(-1)), "c")
    points = basic_feasible_solutions(A_ub, b_ub, A_eq, b_eq, n=len(costs))
    if not points:
        return None
    return min(sum((_fraction(ci) * xi for ci, xi in zip(costs, x)), Fraction(0)) for x in points)
