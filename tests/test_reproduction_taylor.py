"""Taylor 2016 (entry ``taylor``): the definitions on hand-worked cases and the quick run."""

from __future__ import annotations

from fractions import Fraction as F

from property_tests.reproductions import taylor
from theory.selection import quantilise

BASE, U = [F(1, 2), F(1, 4), F(1, 4)], [3, 2, 1]


def test_the_worked_case_attains_the_bound():
    # q = 3/4: a1 inside the top set (1/2 / (3/4) = 2/3), a2 on the boundary ((3/4 - 1/2)/(3/4) = 1/3).
    # c = 1 on {a1, a2}: E_Q[c] = 1, E_g[c] / q = (3/4) / (3/4) = 1: the bound is attained.
    p = quantilise(BASE, U, F(3, 4)).tolist()
    assert p == [F(2, 3), F(1, 3), F(0)]
    assert max(pi / g for pi, g in zip(p, BASE)) == F(4, 3)  # = 1/q


def test_the_capped_optimum_by_hand():
    # caps g/q = 2/3, 1/3, 1/3: fill 2/3 at U = 3, then 1/3 at U = 2: 2 + 2/3 = 8/3,
    # the quantiliser's 2/3 * 3 + 1/3 * 2 = 8/3.
    assert taylor.capped_optimum(BASE, U, F(3, 4)) == F(8, 3)
    # q = 1: the caps are the base itself: 3/2 + 1/2 + 1/4 = 9/4, the base mean.
    assert taylor.capped_optimum(BASE, U, F(1)) == F(9, 4)


def test_below_the_top_level_mass_the_largest_ratio_is_one_over_that_mass():
    # base (1/2, 1/2), U = (1, 0), q = 1/4 < 1/2: all mass on a1, ratio 2, not 1/q = 4.
    assert quantilise([F(1, 2), F(1, 2)], [1, 0], F(1, 4)).tolist() == [F(1), F(0)]
    assert taylor._expected_max_ratio([F(1, 2), F(1, 2)], [1, 0], F(1, 4)) == 2


def test_the_enumeration_counts():
    # compositions of 4 into 2, 3, 4 positive parts: 3, 3, 1; utilities 3^k: 3*9 + 3*27 + 1*81 = 189.
    assert len(taylor.problems()) == 189


def test_the_quick_run_reproduces_with_its_key_numbers():
    outcome = taylor.REPRODUCTION(True)
    assert outcome.verdict == taylor.REPRODUCTION.expect == "reproduced"
    rows = {c.quantity.split(" over ")[0]: c for c in outcome.comparisons}
    assert rows["largest q * P(a) / g(a)"].ours == 1  # the cap is attained, never exceeded
    assert outcome.data["cases"] == 1089
