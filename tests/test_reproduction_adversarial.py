"""Tests of property_tests/reproductions/adversarial.py: its definitions on hand-worked examples
(the adversary itself is worked on paper in tests/test_adversarial.py), then the quick version's
verdict and key numbers."""

from __future__ import annotations

from fractions import Fraction as F

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from property_tests.reproductions import get  # noqa: E402
from property_tests.reproductions.adversarial import REPRODUCTION, _bounds  # noqa: E402
from theory.examples import two_state  # noqa: E402


def test_taylor_bounds_on_paper():
    # two_state: true = 1 at (s1, stay), else 0; c = 1 - true; J* = 810/91; base term
    # J* - max true / (1 - 9/10) = 810/91 - 10 = -100/91.
    # Quantilal: uniform reference d_sigma = (1100/191, 810/191), max_a c = (1, 1):
    #   -100/91 + 10 / q; at q = 1/2: -100/91 + 20 = 1720/91.
    # Policy quantiliser: the base mixture d_nu (the 4 policies' occupancies averaged; each sums
    #   to 10) weighs c = 1 everywhere but (s1, stay), where only (go, stay) puts 810/91:
    #   <d_nu, c> = 10 - (810/91)/4 = 10 - 405/182 = 1415/182; at q = 1/2: -100/91 + 1415/91 = 1315/91.
    assert _bounds(two_state(), F(1, 2)) == (F(1720, 91), F(1315, 91))


def test_quick_version_verdict_and_numbers():
    outcome = REPRODUCTION(True)
    assert outcome.verdict == REPRODUCTION.expect == "reproduced"
    rows = [c.ours for c in outcome.comparisons]
    assert rows[0] == "2 of 2 MDPs" and rows[1] == "2 of 2 MDPs"
    assert rows[2].startswith("8 of 8 (MDP, optimiser) pairs")
    assert outcome.data["epsilon"] == [0.0, 0.25, 0.5, 1.0]
    # W(0) of the argmax is the regret of the proxy's optimum, at most W(1)
    assert outcome.data["argmax"][0] <= outcome.data["argmax"][-1]
    assert get("adversarial-goodhart") is REPRODUCTION


def test_figure_draws_five_curves():
    outcome = REPRODUCTION(True)
    fig, ax = plt.subplots()
    REPRODUCTION.figure(outcome, ax)
    assert [line.get_label() for line in ax.get_lines()] == [
        "argmax", "quantilal q=1/2", "policy quantiliser q=1/2", "quantilal q=1/4", "policy quantiliser q=1/4"]
    assert ax.get_ylabel() == "worst-case true regret"
    plt.close(fig)
