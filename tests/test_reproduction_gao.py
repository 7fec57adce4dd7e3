"""Gao, Schulman & Hilton 2022 (entry ``gao``): the two functional forms and their fit
(theory.fits), whole-sample against per-state best-of-n, and the quick run."""

from __future__ import annotations

import math
from fractions import Fraction as F

import pytest

from agents import BestOfN
from environments.bandits import bandit
from property_tests.reproductions import gao
from theory.fits import gao_fit
from theory.metrics import trajectory_kl
from theory.policy import Policy
from theory.selection import kl, kl_bound


def test_the_best_of_n_form_fitted_by_hand_with_both_r2():
    # d = (1, 2, 3), R = (1, 0, 1), columns d and -d^2: X'X = [[14, -36], [-36, 98]], X'y = (4, -10),
    # det 76: alpha = (98*4 - 36*10)/76 = 8/19, beta = (-140 + 144)/76 = 1/19.
    # fitted (7, 12, 15)/19, residuals (12, -12, 4)/19, RSS = 304/361 = 16/19;
    # centred SS_tot = 2/3 -> R² = 1 - 24/19 = -5/19; uncentred sum R² = 2 -> 1 - 8/19 = 11/19.
    fit = gao_fit([1, 2, 3], [1, 0, 1])
    assert fit["alpha"] == pytest.approx(8 / 19) and fit["beta"] == pytest.approx(1 / 19)
    assert fit["rss"] == pytest.approx(16 / 19)
    assert fit["r2"] == pytest.approx(-5 / 19) and fit["r2_uncentred"] == pytest.approx(11 / 19)
    assert fit["d_peak"] == pytest.approx(4.0)  # alpha / (2 beta) = (8/19) / (2/19)


def test_the_rl_form_recovers_its_coefficients_and_peak():
    # R = d(2 - log d): at d = 1, 2; at d = e, 2e - e = e. Peak: 2 - (log d + 1) = 0 -> d = e.
    fit = gao_fit([1.0, math.e], [2.0, math.e], "rl")
    assert fit["alpha"] == pytest.approx(2.0) and fit["beta"] == pytest.approx(1.0)
    assert fit["d_peak"] == pytest.approx(math.e) and fit["r2"] == pytest.approx(1.0)


def test_the_fit_refuses_negative_d_and_an_unknown_form():
    with pytest.raises(ValueError, match="never negative"):
        gao_fit([-1.0, 1.0, 2.0], [0.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="form"):
        gao_fit([1.0, 2.0], [1.0, 1.0], "ppo")


def test_whole_sample_best_of_n_against_per_state_on_a_two_step_bandit():
    # one state, actions with proxy (1, 0) per step, horizon 2, uniform base.
    # per state: best-of-2 picks the proxy-1 action with 3/4 at each step;
    #   KL = 2 * ((3/4) log(3/2) + (1/4) log(1/2)) = 0.261624 > log 2 - 1/2 = 0.193147.
    # whole sample: proxy returns 0, 1, 2 with 1/4, 1/2, 1/4; best of 2 -> 1/16, 1/2, 7/16;
    #   KL = (1/16) log(1/4) + (7/16) log(7/4) = 0.158202 <= 0.193147.
    m = bandit(true=(0, 1), proxy=(1, 0)).replace(horizon=2)
    per_state = trajectory_kl(m, BestOfN(2).policy(m, "proxy"), Policy.uniform(m))
    assert per_state == pytest.approx(2 * (0.75 * math.log(1.5) + 0.25 * math.log(0.5)))
    law, base_law = gao.whole_sample_best_of_n(m, 2)
    assert law == {(F(0), F(2)): F(7, 16), (F(1), F(1)): F(1, 2), (F(2), F(0)): F(1, 16)}
    keys = list(base_law)
    whole = kl([law[k] for k in keys], [base_law[k] for k in keys])
    assert whole == pytest.approx(math.log(4) / -16 + 7 / 16 * math.log(7 / 4))
    assert whole <= kl_bound(2).value < per_state


def test_the_tilt_and_the_bisection():
    # base (1/2, 1/2), U = (0, log 3), beta = 1: weights 1, 3 -> (1/4, 3/4).
    base = gao.np.array([0.5, 0.5])
    assert gao.tilted(base, gao.np.array([0.0, math.log(3)]), 1.0).tolist() == pytest.approx([0.25, 0.75])


def test_the_quick_run_reproduces_with_its_key_numbers():
    outcome = gao.REPRODUCTION(True)
    assert outcome.verdict == gao.REPRODUCTION.expect == "reproduced"
    fits = outcome.data["fits"]
    assert fits["best-of-n"]["bon"]["r2"] > fits["best-of-n"]["rl"]["r2"]
    # Both R² are reported and the comparison is made on the centred one; the uncentred one
    # divides the same residual by sum(y^2) >= sum((y - mean)^2), so it is never the smaller.
    assert all(f["r2_uncentred"] >= f["r2"] for fam in fits.values() for f in fam.values())
    rows = [c for c in outcome.comparisons if "fits best-of-n better" in c.quantity]
    assert len(rows) == 1 and "uncentred R²" in rows[0].ours
    assert fits["KL-regularised"]["rl"]["r2"] > fits["KL-regularised"]["bon"]["r2"]
    assert all(p > b for p, b in zip(outcome.data["per_state_kl"], outcome.data["formula"]))
    assert all(w <= b for w, b in zip(outcome.data["whole_sample_kl"], outcome.data["formula"]))
