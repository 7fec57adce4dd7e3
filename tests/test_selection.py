"""The one tie rule of theory.selection: float utilities within the tolerance are tied in every law.

Before the selection laws had one home, the quantiliser treated float utilities within
FLOAT_TOLERANCE * max(1, |top|) as tied while best-of-n compared them with ==; these tests pin the
shared rule (values worked out by hand in the comments) and check it on generated near-ties.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.errors import InvalidArgument
from theory.numbers import FLOAT_TOLERANCE
from theory.selection import (
    PiecewiseRational,
    best_of_n_distribution,
    best_of_n_returns,
    kl,
    levels,
    peak_q,
    quantilise,
    ranked_groups,
)
from theory.solvers import argmax_sets

BASE = [0.5, 0.5]
NEAR = [1.0, 1.0 + 0.5 * FLOAT_TOLERANCE]  # within the tolerance of 1.0: one level
FAR = [1.0, 1.0 + 1e-6]  # outside it: index 1 is strictly better


def test_levels_tie_floats_within_the_tolerance_only() -> None:
    assert levels(NEAR) == [[0, 1]]
    assert levels(FAR) == [[1], [0]]
    # relative to the level's top: at 1e6 the tolerance is 1e-3
    assert levels([1e6, 1e6 - 5e-4, 1e6 - 2e-3]) == [[0, 1], [2]]


@pytest.mark.parametrize(
    ("tie", "quantiliser", "best_of_3"),
    [
        # uniform: the level's mass is shared in proportion to the base (1/2 each) in both laws
        ("uniform", [0.5, 0.5], [0.5, 0.5]),
        # first: index 0 ranks higher. q = 1/4 fills index 0: 0.5 * (1/4) / (1/4 * 0.5) = 1.
        # best of 3: index 1 wins only if all three draws are 1: (1/2)^3 = 1/8.
        ("first", [1.0, 0.0], [0.875, 0.125]),
        # last: the mirror image
        ("last", [0.0, 1.0], [0.125, 0.875]),
    ],
)
def test_near_ties_are_tied_identically_in_both_laws(tie: str, quantiliser: list[float], best_of_3: list[float]) -> None:
    assert quantilise(BASE, NEAR, 0.25, tie=tie).tolist() == quantiliser
    assert best_of_n_distribution(BASE, NEAR, 3, tie=tie).tolist() == best_of_3


@pytest.mark.parametrize("tie", ["uniform", "first", "last"])
def test_a_difference_beyond_the_tolerance_is_not_a_tie(tie: str) -> None:
    # index 1 is better: the quantiliser at q = 1/4 keeps only it; best of 3 picks it unless all
    # three draws are index 0, which has probability 1/8.
    assert quantilise(BASE, FAR, 0.25, tie=tie).tolist() == [0.0, 1.0]
    assert best_of_n_distribution(BASE, FAR, 3, tie=tie).tolist() == [0.125, 0.875]


@st.composite
def near_ties(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A float base and utilities where many values sit within a few tolerances of an earlier one."""
    k = draw(st.integers(2, 6))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e9]))
    tops = [draw(st.floats(-1, 1)) * scale]
    for _ in range(k - 1):
        if draw(st.booleans()):
            offset = draw(st.sampled_from([0.0, 0.3, 0.9, 1.1, 3.0]))
            tops.append(draw(st.sampled_from(tops)) - offset * FLOAT_TOLERANCE * max(1.0, abs(tops[0])))
        else:
            tops.append(draw(st.floats(-1, 1)) * scale)
    weights = np.array([draw(st.integers(1, 5)) for _ in range(k)], dtype=np.float64)
    return weights / weights.sum(), np.array(tops)


@settings(max_examples=200, deadline=None)
@given(near_ties(), st.sampled_from([0.1, 0.3, 0.5, 0.9]), st.integers(1, 5))
def test_both_laws_treat_each_level_as_one_block(problem: tuple[np.ndarray, np.ndarray], q: float, n: int) -> None:
    # With tie="uniform" a level is one block: inside it both laws put mass proportional to the
    # base, so out[i] / base[i] is the same for every outcome of a level (to float rounding).
    base, utility = problem
    for law in (quantilise(base, utility, q), best_of_n_distribution(base, utility, n, tie="uniform")):
        for level in levels(utility):
            ratios = [law[i] / base[i] for i in level]
            assert all(math.isclose(r, ratios[0], rel_tol=1e-12, abs_tol=1e-15) for r in ratios)
    # and "first" / "last" order the outcomes of a level by index, the same in both laws
    for tie in ("first", "last"):
        order = [i for (i,) in ranked_groups(utility, tie)]
        for level in levels(utility):
            inside = [i for i in order if i in level]
            assert inside == (sorted(level) if tie == "first" else sorted(level, reverse=True))


def test_level_tolerance_edges() -> None:
    # The rule: u is tied with the top t of its level iff u >= t - 1e-9 * max(1, |t|).
    assert levels([1.0, 1.0 - 1e-9]) == [[0, 1]]  # a gap of exactly the tolerance is a tie
    assert levels([0.0, 1e-12]) == [[0, 1]]  # near 0 the floor 1 applies: one level
    # measured from the level's top, not from its last member: 1 - 1.2e-9 is 1.2 tolerances
    # below the top 1.0 although only 0.6 below its neighbour
    assert levels([1.0, 1.0 - 0.6e-9, 1.0 - 1.2e-9]) == [[0, 1], [2]]


@settings(max_examples=200, deadline=None)
@given(near_ties())
def test_top_level_is_the_solvers_argmax_set(problem: tuple[np.ndarray, np.ndarray]) -> None:
    # One tie rule in two implementations: the first level of levels() is the argmax set of
    # theory.solvers.argmax_sets on the same float utilities (written independently, vectorised).
    _, utility = problem
    assert levels(utility)[0] == argmax_sets(utility[None, :], False)[0]


def test_best_of_n_default_tie_rule_is_last() -> None:
    # base (1/2, 1/4, 1/4), utilities (0, 1, 1), n = 2, no tie rule given: "last", so index 2
    # beats index 1: P(2) = 1 - (3/4)^2 = 7/16, P(1) = (3/4)^2 - (1/2)^2 = 5/16, P(0) = 1/4.
    assert best_of_n_distribution(["1/2", "1/4", "1/4"], [0, 1, 1], 2).tolist() == [F(1, 4), F(5, 16), F(7, 16)]


def test_peak_q_is_the_largest_maximiser() -> None:
    # base (1/2, 1/2), proxy (1, 0), true (1, 1): the true return is 1 at every q, so every q
    # maximises it and q* is the largest, 1 (the least pressure).
    assert peak_q(["1/2", "1/2"], [1, 0], [1, 1]) == (F(1), F(1))


def test_best_of_n_returns_skip_outcomes_of_zero_base_mass() -> None:
    # base (1/2, 0, 1/2), proxy (0, 5, 1), true (0, 7, 2): outcome 1 is never drawn. Ascending:
    # C_1 = 1/2 (proxy 0, true 0), C_2 = 1 (proxy 1, true 2). E_n = u_2 + (u_1 - u_2) (1/2)^n:
    # proxy 1 - 2^-n, true 2 - 2^(1-n); at n = 2: (3/4, 3/2), the means of the pmf
    # best_of_n_distribution = (1/4, 0, 3/4).
    r = best_of_n_returns(["1/2", 0, "1/2"], [0, 5, 1], [0, 7, 2])
    assert r.at(2) == (F(3, 4), F(3, 2))
    pmf = best_of_n_distribution(["1/2", 0, "1/2"], [0, 5, 1], 2)
    assert r.at(2) == (sum(pmf * [0, 5, 1]), sum(pmf * [0, 7, 2]))


def test_piecewise_knots_belong_to_the_left_piece() -> None:
    # pieces[k] holds on (knots[k], knots[k + 1]]: f = 0 on (0, 1/2], 1 on (1/2, 1].
    q = sympy.Symbol("q")
    f = PiecewiseRational(q, (sympy.Integer(0), sympy.Rational(1, 2), sympy.Integer(1)), (sympy.Integer(0), sympy.Integer(1)))
    assert (f.at("1/2"), f.at("3/4"), f.at(1)) == (0, 1, 1)
    with pytest.raises(InvalidArgument, match=r"^q = 0 is outside \(0, 1\]$"):
        f.at(0)


def test_kl_is_infinite_where_q_has_no_mass() -> None:
    # p puts 1/2 on an outcome of q-mass 0: KL(p || q) = +inf (and 0 log 0 = 0 the other way).
    assert kl([0.5, 0.5], [1.0, 0.0]) == math.inf
    assert kl([1.0, 0.0], [0.5, 0.5]) == math.log(2)
