"""The one tie rule of theory.selection: float utilities within the tolerance are tied in every law.

Before the selection laws had one home, the quantiliser treated float utilities within
FLOAT_TOLERANCE * max(1, |top|) as tied while best-of-n compared them with ==; these tests pin the
shared rule (values worked out by hand in the comments) and check it on generated near-ties.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.numbers import FLOAT_TOLERANCE
from theory.selection import best_of_n_distribution, levels, quantilise, ranked_groups

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
