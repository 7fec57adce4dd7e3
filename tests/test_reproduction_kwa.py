"""The Kwa, Thomas & Garriga-Alonso (2024) reproduction: the vectorised best-of-n law against
the exact one, the KL-regularised policy on a hand-worked example, and the quick verdict."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from property_tests.reproductions import get, kwa
from theory.errors import InvalidArgument
from theory.selection import best_of_n_distribution, best_of_n_float, kl


@st.composite
def small_cases(draw):
    """A base of 1-7 outcomes with exact masses (some zero), integer utilities with ties."""
    k = draw(st.integers(1, 7))
    weights = draw(st.lists(st.integers(0, 4), min_size=k, max_size=k).filter(lambda w: sum(w) > 0))
    base = [Fraction(w, sum(weights)) for w in weights]
    utility = draw(st.lists(st.integers(0, 2), min_size=k, max_size=k))
    return base, utility, draw(st.integers(1, 60)), draw(st.sampled_from(["last", "first", "uniform"]))


@settings(max_examples=300, deadline=None)
@given(small_cases())
def test_float_law_equals_exact_law_on_small_cases(case):
    base, utility, n, tie = case
    exact = best_of_n_distribution(base, utility, n, tie)
    fast = best_of_n_float([float(b) for b in base], [float(u) for u in utility], n, tie)
    assert np.allclose(fast, [float(x) for x in exact], rtol=1e-12, atol=1e-15)
    assert math.isclose(fast.sum(), 1.0, abs_tol=1e-12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, 1.0, 1.0 + 1e-12, 1.0 + 5e-10, 1.0 + 2e-9, 2.0]), min_size=1, max_size=7),
       st.integers(1, 30), st.sampled_from(["last", "first", "uniform"]))
def test_float_law_shares_the_float_tie_rule(utility, n, tie):
    # Float utilities within 1e-9 * max(1, |top|) of a level's top are tied (theory.selection.levels):
    # 1.0, 1.0 + 1e-12 and 1.0 + 5e-10 tie with each other, 1.0 + 2e-9 does not tie with 1.0.
    base = np.full(len(utility), 1.0 / len(utility))
    exact_rule = best_of_n_distribution(base, utility, n, tie)
    assert np.allclose(best_of_n_float(base, utility, n, tie), exact_rule.astype(float), rtol=1e-12, atol=1e-15)


def test_float_law_hand_worked():
    # base (1/2, 1/3, 1/6), utilities 1 < 2 < 3, n = 2: P(x) = G(<= x)^2 - G(< x)^2:
    # 1/4 - 0, 25/36 - 9/36 = 4/9, 1 - 25/36 = 11/36.
    law = best_of_n_float([0.5, 1 / 3, 1 / 6], [1.0, 2.0, 3.0], 2)
    assert np.allclose(law, [1 / 4, 4 / 9, 11 / 36], rtol=1e-14)
    # a level of two tied outcomes under "uniform": the level {1, 2} has 1 - (1/2)^2 = 3/4, split 1:1.
    assert np.allclose(best_of_n_float([0.5, 0.25, 0.25], [0.0, 1.0, 1.0], 2, tie="uniform"), [0.25, 0.375, 0.375])


def test_float_law_keeps_the_upper_tail_for_large_n():
    # uniform base on 1000 outcomes, no ties, n = 10^4: the k-th best has exactly
    # ((N - k + 1)/N)^n - ((N - k)/N)^n (computed here in Fractions); relative error 1e-10 on the top 10.
    N, n = 1000, 10**4
    utility = np.arange(N, dtype=float)[::-1].copy()  # outcome k - 1 is the k-th best
    law = best_of_n_float(np.full(N, 1.0 / N), utility, n)
    for k in range(1, 11):
        exact = Fraction(N - k + 1, N) ** n - Fraction(N - k, N) ** n
        assert math.isclose(law[k - 1], float(exact), rel_tol=1e-10)


def test_float_law_refuses_bad_input_in_one_line():
    with pytest.raises(InvalidArgument, match=r"utility has shape \(2,\), expected \(3,\) like base"):
        best_of_n_float([0.5, 0.25, 0.25], [1.0, 2.0], 2)
    with pytest.raises(InvalidArgument, match="n is 0"):
        best_of_n_float([1.0], [1.0], 0)


def test_kl_regularised_hand_worked():
    # base uniform on 3 outcomes, U = (0, log 2, log 3), beta = 1: p ~ base e^U ~ (1, 2, 3), so
    # p = (1/6, 1/3, 1/2). beta = 2 with U doubled gives the same p (p depends on U / beta only).
    base = [1 / 3, 1 / 3, 1 / 3]
    u = np.array([0.0, math.log(2), math.log(3)])
    p = kwa.kl_regularised(base, u, 1.0)
    assert np.allclose(p, [1 / 6, 1 / 3, 1 / 2], rtol=1e-14)
    assert np.allclose(kwa.kl_regularised(base, 2 * u, 2.0), p, rtol=1e-14)
    # Its objective E_p[U] - beta KL(p || base) is beta log E_base[e^{U/beta}] = log((1 + 2 + 3)/3) = log 2,
    # above the base's (E[U] = log 6 / 3, KL 0) and the argmax point mass's (log 3 - log 3 = 0).
    objective = float(p @ u) - kl(p, np.array(base))
    assert math.isclose(objective, math.log(2), rel_tol=1e-13)
    assert objective > math.log(6) / 3 > 0


def test_kl_regularised_refuses_beta_zero():
    with pytest.raises(InvalidArgument, match="beta is 0"):
        kwa.kl_regularised([0.5, 0.5], [0.0, 1.0], 0)


def test_unit_variance_t_needs_df_above_two():
    with pytest.raises(InvalidArgument, match="df is 2; a unit-variance Student-t needs df > 2"):
        kwa.draw_outcomes(10, df=2.0)


def test_quick_verdict_and_numbers():
    entry = get("kwa")
    assert entry is kwa.REPRODUCTION and entry.expect == "reproduced"
    outcome = entry(True)
    assert outcome.verdict == entry.expect, [c.row() for c in outcome.differences]
    data = outcome.data
    assert data["outcomes"] == 10**5 and data["ns"][-1] == 10**5
    light, heavy = data["light"]["best_of_n"], data["heavy"]["best_of_n"]
    at = {n: data["ns"].index(n) for n in (10, 100, 1000, 10**4)}
    # the quick sample (seed 0, 10^5 outcomes): E[V] of best-of-n, two decimals
    assert [round(light["EV"][at[n]], 2) for n in (10, 100, 1000)] == [1.08, 1.78, 2.33]
    assert [round(heavy["EV"][at[n]], 2) for n in (10, 100, 1000, 10**4)] == [1.13, 1.30, 0.69, 0.26]
    # the proxy keeps growing under heavy error: E[U] of best-of-10^4 is far above the light one's
    assert heavy["EU"][at[10**4]] > 2 * light["EU"][at[10**4]]
    # 4 + 4 reference rows (n <= N/10 = 10^4) and 5 claims
    assert len(outcome.comparisons) == 13
    assert any("finite outcome set" in line for line in outcome.assumed)
