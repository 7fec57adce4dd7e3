"""Beirami et al. 2024 (entry ``beirami``): the definitions on hand-worked cases and the quick run."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from property_tests.reproductions import beirami
from theory.selection import best_of_n_distribution, kl_bound, kl_divergence, win_rate

HALF = [F(1, 2), F(1, 2)]


def test_the_uniform_binary_case_by_hand():
    # best of 2 from (1/2, 1/2) ranked 0 < 1: G(<=0)^2 = 1/4, 1 - 1/4 = 3/4.
    # KL = (1/4) log(1/2) + (3/4) log(3/2) = 0.130812 <= log 2 - 1/2 = 0.193147.
    law = best_of_n_distribution(HALF, [0, 1], 2)
    assert law.tolist() == [F(1, 4), F(3, 4)]
    kl = kl_divergence(law, HALF).value
    assert kl == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))
    assert kl <= kl_bound(2).value
    # n = 10: (2^-10) log(2^-9) + (1 - 2^-10) log(2 (1 - 2^-10)) < log 2
    p = 2.0**-10
    assert kl_divergence(best_of_n_distribution(HALF, [0, 1], 10), HALF).value == pytest.approx(
        p * math.log(2 * p) + (1 - p) * math.log(2 * (1 - p)))


def test_the_win_rate_by_hand():
    # Y best of 2: P(Y = 1) = 3/4. P(Y > X) = 3/4 * 1/2 = 3/8; P(Y = X) = 1/4 * 1/2 + 3/4 * 1/2 = 1/2.
    # half-ties: 3/8 + 1/4 = 5/8 <= 2/3.
    assert win_rate(HALF, [0, 1], 2) == F(5, 8) <= F(2, 3)


def test_the_second_method_agrees_on_a_tied_base():
    # base (1/4)^4 with rewards 0, 1, 1, 2 (uniform tie): levels 1/4, 1/2, 1/4;
    # best of 2: 1/16, 9/16 - 1/16 = 1/2, 7/16 -> KL = (1/16) log(1/4) + (7/16) log(7/4).
    expected = math.log(0.25) / 16 + 7 / 16 * math.log(7 / 4)
    assert float(beirami.mp_kl([F(1, 4)] * 4, [0, 1, 1, 2], 2, "uniform")) == pytest.approx(expected, abs=1e-15)
    law = best_of_n_distribution([F(1, 4)] * 4, [0, 1, 1, 2], 2, "uniform")
    assert kl_divergence(law, [F(1, 4)] * 4).value == pytest.approx(expected, abs=1e-15)


def test_the_quick_run_reproduces_with_its_key_numbers():
    outcome = beirami.REPRODUCTION(True)
    assert outcome.verdict == beirami.REPRODUCTION.expect == "reproduced"
    # 6 bases x 6 n KL rows, 6 binary rows, 36 win-rate rows, 2 claims
    assert len(outcome.comparisons) == 80
    assert outcome.data["binary"][-1] < math.log(2) < kl_bound(16).value
    assert outcome.data["bound"][outcome.data["ns"].index(2)] == pytest.approx(math.log(2) - 0.5)
