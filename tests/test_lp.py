"""Tests of theory/lp.py, the exact simplex: hand-solved programs first, then agreement with
scipy's HiGHS on generated programs, then the validation errors.

Each expected value is derived by hand in the comment next to it; the HiGHS comparison states
its tolerance."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from theory.errors import InvalidArgument
from theory.lp import solve_lp, vertex_optimum

HIGHS_TOL = 1e-7  # |HiGHS optimum - exact optimum| on programs with integer data of size <= 4


def test_two_constraints_meet_at_the_optimum():
    # max x + y s.t. x + 2y <= 4, 3x + y <= 6: the vertex where both bind solves
    # x + 2y = 4, 3x + y = 6 -> y = 6/5, x = 8/5; value 14/5 (the other vertices (2, 0), (0, 2)
    # give 2). As a minimisation of -x - y: -14/5.
    sol = solve_lp([-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6])
    assert sol.status == "optimal"
    assert sol.value == F(-14, 5)
    assert sol.x.tolist() == [F(8, 5), F(6, 5)]


def test_equality_with_negative_right_hand_side():
    # min x1 + 2 x2 s.t. -x1 - x2 = -3 (i.e. x1 + x2 = 3): all weight on the cheaper x1 -> 3.
    sol = solve_lp([1, 2], A_eq=[[-1, -1]], b_eq=[-3])
    assert (sol.value, sol.x.tolist()) == (F(3), [F(3), F(0)])


def test_inequality_with_negative_right_hand_side_needs_phase_one():
    # min x s.t. -x <= -5/2 (x >= 5/2): value 5/2.
    assert solve_lp([1], A_ub=[[-1]], b_ub=["-5/2"]).value == F(5, 2)


def test_redundant_equality_is_dropped():
    # x + y = 1 and 2x + 2y = 2 are one constraint; min 3x + y -> x = 0, y = 1, value 1.
    sol = solve_lp([3, 1], A_eq=[[1, 1], [2, 2]], b_eq=[1, 2])
    assert (sol.value, sol.x.tolist()) == (F(1), [F(0), F(1)])


def test_unbounded_program_that_highs_presolve_calls_infeasible():
    # x = 0 is feasible (0 <= 0, 0 <= 1); x1 = x3 = t, x2 = x4 = 0 is feasible for every t >= 0
    # and drives -x3 to -infinity: unbounded.
    assert solve_lp([0, 0, -1, 0], A_ub=[[1, 1, -1, 0], [-1, -1, 1, 0]], b_ub=[0, 1]).status == "unbounded"


def test_infeasible_and_unbounded():
    # x + y = 1 and x + y = 2 cannot both hold; min -x with only x >= 0 runs off to -infinity.
    assert solve_lp([0, 0], A_eq=[[1, 1], [1, 1]], b_eq=[1, 2]).status == "infeasible"
    assert solve_lp([-1, 0], A_ub=[[0, 1]], b_ub=[1]).status == "unbounded"


def test_beale_cycling_example_terminates_at_its_optimum():
    # Beale (1955): Dantzig's rule with the smallest-index tie rule cycles on this program.
    # Optimum (Bland's rule): x4 = 1, x6 = 1, x5 = x7 = 0 -> -3/4 - 1/2 = -5/4; the first
    # constraint 1/4 - 1 = -3/4 <= 0, the second 1/2 - 1/2 = 0 <= 0, the third 1 <= 1.
    c = ["-3/4", 20, "-1/2", 6]
    A = [["1/4", -8, -1, 9], ["1/2", -12, "-1/2", 3], [0, 0, 1, 0]]
    sol = solve_lp(c, A_ub=A, b_ub=[0, 0, 1])
    assert sol.status == "optimal"
    assert sol.value == F(-5, 4)


def test_basis_is_reported():
    # In the first test both constraints bind, so the basis is the two variables (0 and 1).
    assert sorted(solve_lp([-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6]).basis) == [0, 1]


small = st.integers(-3, 3)


@st.composite
def programs(draw):
    n = draw(st.integers(1, 4))
    m_ub, m_eq = draw(st.integers(0, 3)), draw(st.integers(0, 2))
    c = draw(st.lists(small, min_size=n, max_size=n))
    A_ub = [draw(st.lists(small, min_size=n, max_size=n)) for _ in range(m_ub)]
    b_ub = draw(st.lists(st.integers(-2, 4), min_size=m_ub, max_size=m_ub))
    A_eq = [draw(st.lists(small, min_size=n, max_size=n)) for _ in range(m_eq)]
    b_eq = draw(st.lists(st.integers(-2, 2), min_size=m_eq, max_size=m_eq))
    return c, A_ub, b_ub, A_eq, b_eq


@settings(max_examples=300, deadline=None)
@given(programs())
# HiGHS without presolve answers "model status Unknown" (scipy status 4) on this unbounded
# program (x2 <= x3, -2 x2 <= 1: x2 = x3 -> infinity); with presolve it says unbounded.
@example(([0, -1, 0], [[0, 0, 0], [0, 1, -1], [0, -2, 0]], [0, 0, 1], [], []))
def test_agrees_with_highs(program):
    """Same status as HiGHS; the same optimum within HIGHS_TOL; the exact x is feasible exactly
    and attains the exact value."""
    c, A_ub, b_ub, A_eq, b_eq = program
    kw = {}
    if A_ub:
        kw.update(A_ub=A_ub, b_ub=b_ub)
    if A_eq:
        kw.update(A_eq=A_eq, b_eq=b_eq)
    # presolve off: HiGHS's presolve (scipy 1.17) calls min -x3 s.t. x1 + x2 - x3 <= 0,
    # -x1 - x2 + x3 <= 1 "infeasible", though x = 0 is feasible and the program is unbounded
    ref = linprog(c, method="highs", options={"presolve": False}, **kw)
    if ref.status == 4:  # HiGHS undecided without presolve: its other configuration decides
        ref = linprog(c, method="highs", **kw)
    sol = solve_lp(c, **kw)
    assert sol.status == {0: "optimal", 2: "infeasible", 3: "unbounded"}[ref.status]
    if sol.status == "optimal":
        assert abs(float(sol.value) - ref.fun) <= HIGHS_TOL
        x = sol.x
        assert all(v >= 0 for v in x)
        assert all(sum(a * v for a, v in zip(row, x)) <= b for row, b in zip(A_ub, b_ub))
        assert all(sum(a * v for a, v in zip(row, x)) == b for row, b in zip(A_eq, b_eq))
        assert sum(ci * v for ci, v in zip(c, x)) == sol.value


def test_floats_and_bad_shapes_are_refused():
    with pytest.raises(InvalidArgument, match="floats"):
        solve_lp([0.5])
    with pytest.raises(InvalidArgument, match=r"A_ub has shape \(1, 3\), expected \(rows, 2\)"):
        solve_lp([1, 1], A_ub=[[1, 1, 1]], b_ub=[1])
    with pytest.raises(InvalidArgument, match=r"b_eq has shape \(2,\), expected \(1,\)"):
        solve_lp([1], A_eq=[[1]], b_eq=[1, 2])
    with pytest.raises(InvalidArgument, match="c is empty"):
        solve_lp(np.array([], dtype=object))


@settings(max_examples=200, deadline=None)
@given(programs())
def test_simplex_optimum_is_the_best_vertex(program):
    """A second method: every basic feasible solution by brute force (no pivoting). When the
    simplex finds an optimum, it equals the best vertex exactly (when the rows are linearly
    independent, which the brute force needs)."""
    c, A_ub, b_ub, A_eq, b_eq = program
    rows = [list(r) + [1 if k == i else 0 for k in range(len(A_ub))] for i, r in enumerate(A_ub)]
    rows += [list(r) + [0] * len(A_ub) for r in A_eq]
    if rows and np.linalg.matrix_rank(np.array(rows, dtype=float)) < len(rows):
        return
    kw = {}
    if A_ub:
        kw.update(A_ub=A_ub, b_ub=b_ub)
    if A_eq:
        kw.update(A_eq=A_eq, b_eq=b_eq)
    sol = solve_lp(c, **kw)
    if sol.status == "optimal":
        assert vertex_optimum(c, **kw) == sol.value
    elif sol.status == "infeasible":
        assert vertex_optimum(c, **kw) is None


def test_vertex_optimum_refuses_too_many_subsets():
    with pytest.raises(InvalidArgument, match=r"C\(40, 20\) = 137846528820 column subsets"):
        vertex_optimum([0] * 20, A_ub=[[1] * 20] * 20, b_ub=[1] * 20)


@settings(max_examples=300, deadline=None)
@given(programs())
def test_duals_certify_the_optimum(program):
    """Strong duality, exactly: b^T y = value, y_ub <= 0, and c - A^T y >= 0 (the reduced costs
    of the variables), with A = [A_ub; A_eq] and b = [b_ub; b_eq]."""
    c, A_ub, b_ub, A_eq, b_eq = program
    kw = {}
    if A_ub:
        kw.update(A_ub=A_ub, b_ub=b_ub)
    if A_eq:
        kw.update(A_eq=A_eq, b_eq=b_eq)
    sol = solve_lp(c, **kw)
    if sol.status != "optimal":
        return
    y = sol.duals
    rows, b = A_ub + A_eq, b_ub + b_eq
    assert sum(bi * yi for bi, yi in zip(b, y)) == sol.value
    assert all(yi <= 0 for yi in y[: len(A_ub)])
    for j in range(len(c)):
        assert c[j] - sum(row[j] * yi for row, yi in zip(rows, y)) >= 0


def test_duals_by_hand():
    # min -x - y s.t. x + 2y <= 4, 3x + y <= 6: both bind, y^T A = c^T on the basic columns:
    # y1 + 3 y2 = -1, 2 y1 + y2 = -1 -> y1 = -2/5, y2 = -1/5; b^T y = -8/5 - 6/5 = -14/5.
    assert solve_lp([-1, -1], A_ub=[[1, 2], [3, 1]], b_ub=[4, 6]).duals.tolist() == [F(-2, 5), F(-1, 5)]
