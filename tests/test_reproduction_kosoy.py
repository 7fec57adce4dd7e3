"""Tests of property_tests/reproductions/kosoy.py: its definitions on hand-worked examples (the
quantilal LP itself is worked on paper in tests/test_quantilal.py), then the quick version's
verdict and key numbers."""

from __future__ import annotations

from fractions import Fraction as F

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from property_tests.reproductions import get  # noqa: E402
from property_tests.reproductions.kosoy import REPRODUCTION, _matching_reference  # noqa: E402
from theory.examples import two_state  # noqa: E402


def test_matching_reference_on_paper():
    # two_state's four deterministic policies: (stay, *) sit in s0: d = 10 at (s0, stay);
    # (go, stay): d(s0, go) = 100/91, d(s1, stay) = 810/91; (go, go): d0 = 1 + 9/10 (d0/10 + d1),
    # d1 = 81/100 d0 -> d0 = 1000/181, d1 = 810/181. Their average at s1: stay (810/91)/4, go
    # (810/181)/4, so pi(stay | s1) = (1/91) / (1/91 + 1/181) = 181/272.
    sigma = _matching_reference(two_state())
    assert sigma.as_dict()["s1"] == {"stay": "181/272", "go": "91/272"}
    # at s0: stay 20/4 = 5, go (100/91 + 1000/181)/4 = (18100 + 91000)/(4 * 16471) = 27275/16471;
    # pi(stay | s0) = 5 / (5 + 27275/16471) = 82355 / 109630 = 16471/21926
    assert sigma.as_dict()["s0"]["stay"] == "16471/21926"


def test_quick_version_verdict_and_numbers():
    outcome = REPRODUCTION(True)
    assert outcome.verdict == REPRODUCTION.expect == "reproduced"
    rows = {c.quantity: c for c in outcome.comparisons}
    assert rows["(i)-(ii): the LP's stationary Markov policy attains the LP optimum"].ours == "32 of 32 cases"
    assert rows["value >= the policy quantiliser's at the same q"].ours == "32 of 32 cases"
    pieces = rows["(iii): V(q) on two_state, pieces alpha + beta/q"]
    # tests/test_quantilal.py: V = 860/91 on [1/10, 91/191], 860/(191 q) on [91/191, 1]
    assert pieces.ours == "860/91 + 0/q on [1/10, 91/191]; 0 + 860/191/q on [91/191, 1]"
    assert outcome.data["q"][0] == float(F(2, 40))
    assert len(outcome.assumed) == 4
    assert get("kosoy-quantilal") is REPRODUCTION


def test_figure_draws_the_three_curves():
    outcome = REPRODUCTION(True)
    fig, ax = plt.subplots()
    REPRODUCTION.figure(outcome, ax)
    assert [line.get_label() for line in ax.get_lines()] == [
        "quantilal (uniform reference)", "quantilal (matching reference)", "policy quantiliser (uniform base)"]
    assert ax.get_xlabel() == "q"
    # at q = 1 the quantilal value with the uniform reference is 860/191 (tests/test_quantilal.py)
    assert abs(ax.get_lines()[0].get_ydata()[-1] - 860 / 191) < 1e-12
    plt.close(fig)
