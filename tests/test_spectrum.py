"""Tests of reports/spectrum.py ("where amortised optimisation sits"): the points against values
computed here directly from theory (uniform policy, exact solver, re-evaluation of the trained
policy on the test layout), the side-of-frontier verdicts on hand-made frontiers, the JSON's
exact strings, the reading against its data, and the one-line errors."""

from __future__ import annotations

import contextlib
import io
import json
from fractions import Fraction

import pytest

from agents import TabularAmortised
from agents.qlearning import QLearning
from deconfuse.cli import main
from environments.gridworlds import lava_test, lava_train
from reports.catalogue import REPORTS
from reports.demo import QUICK
from reports.document import check_reading
from reports.spectrum import (
    DEFAULT_PROXY_LAVA,
    frontier_side,
    frontier_verdicts,
    spectrum_artifact,
    spectrum_data,
    spectrum_reading,
)
from theory.errors import InvalidArgument
from theory.evaluation import expected_return
from theory.policy import Policy
from theory.solvers import solve

QS = ("1", "1/2", "3/8", "1/4", "1/64")
BETAS = (0.0, 0.3, 1.0, 3.0)


@pytest.fixture(scope="module")
def data():
    return spectrum_data(qs=QS, betas=BETAS, samples=(500,))


@pytest.fixture(scope="module")
def layouts():
    return lava_train(proxy_lava=DEFAULT_PROXY_LAVA), lava_test(proxy_lava=DEFAULT_PROXY_LAVA)


def _curve(data, label):
    return next(c for c in data["curves"] if c["label"] == label)


def _start_value(mdp, values):
    return sum(p * v for p, v in zip(mdp.initial, values))


def test_q_equal_1_is_the_base_policy_with_kl_0_and_the_uniform_return(data, layouts):
    point = _curve(data, "quantiliser")["points"][0]
    assert point["parameter_exact"] == "1"
    for regime, mdp in zip(("train", "shift"), layouts):
        uniform = Policy.uniform(mdp)
        assert point[regime]["kl"] == 0
        assert Fraction(point[regime]["true_exact"]) == expected_return(mdp, uniform, "true")
        assert Fraction(point[regime]["proxy_exact"]) == expected_return(mdp, uniform, "proxy")
    # beta = 0 is the same base policy
    boltzmann = _curve(data, "boltzmann")["points"][0]
    assert boltzmann["train"]["true_exact"] == point["train"]["true_exact"] and boltzmann["train"]["kl"] == 0


def test_argmax_point_is_the_exact_optimum_in_distribution_and_the_proxy_argmax_under_shift(data, layouts):
    train, test = layouts
    point = _curve(data, "argmax")["points"][0]
    # with proxy_lava = 20 the proxy's argmax on the training layout takes the safe route
    assert Fraction(point["train"]["true_exact"]) == _start_value(train, solve(train, "true").initial_values)
    assert Fraction(data["optimum"]["train"]["true_exact"]) == Fraction(point["train"]["true_exact"])
    # on the test layout the proxy's argmax (re-planned there) dives into the lava: -1 - 9/10 * 50
    assert Fraction(point["shift"]["true_exact"]) == expected_return(test, solve(test, "proxy").policy, "true")
    assert Fraction(point["shift"]["true_exact"]) == Fraction(-469, 10)


def test_bc_of_argmax_in_the_infinite_data_limit_coincides_with_the_argmax_in_distribution(data):
    argmax = _curve(data, "argmax")["points"][0]["train"]
    bc = _curve(data, "BC of argmax")["points"]
    assert bc[0]["samples"] is None and [p["samples"] for p in bc] == [None, 500]
    assert bc[0]["train"] == argmax
    verdict = next(v for v in data["verdicts"] if v["label"] == "BC of argmax")
    assert verdict["read"] == 0
    assert verdict["points"][0]["train"]["quantiliser"]["side"] == "on"
    assert verdict["points"][0]["train"]["boltzmann"]["side"] == "on"  # closed by its beta -> infinity limit


def test_amortised_agents_are_trained_on_the_training_layout_and_only_evaluated_under_shift(data, layouts):
    train, test = layouts
    learned = QLearning(samples=500, seed=0, train=train, starts="uniform", rate=Fraction(4, 5)).run(train, "proxy").policy
    point = _curve(data, "Q-learning")["points"][0]
    assert point["samples"] == 500
    assert Fraction(point["shift"]["true_exact"]) == expected_return(test, learned, "true")
    cloned = TabularAmortised(teacher="argmax", train=train).run(test, "proxy").policy
    bc = _curve(data, "BC of argmax")["points"][0]
    assert Fraction(bc["shift"]["true_exact"]) == expected_return(test, cloned, "true")
    move = next(v for v in data["verdicts"] if v["label"] == "BC of argmax")["points"][0]["move"]
    assert Fraction(move["true_exact"]) == Fraction(bc["shift"]["true_exact"]) - Fraction(bc["train"]["true_exact"])
    assert move["kl"] == bc["shift"]["kl"] - bc["train"]["kl"]


def test_an_added_amortised_agent_is_one_line_and_gets_its_infinite_data_point():
    def bc_uniform(train, samples=None, seed=0):
        return TabularAmortised(teacher="uniform", train=train, samples=samples, seed=seed)

    small = spectrum_data(qs=("1", "1/4"), betas=(0.0,), samples=(50,),
                          amortised=(("BC of uniform", bc_uniform), ("QL", "q-learning:epsilon=1")))
    labels = [c["label"] for c in small["curves"]]
    assert labels == ["quantiliser", "boltzmann", "argmax", "BC of uniform", "QL"]
    uniform = small["curves"][3]["points"][0]
    assert uniform["samples"] is None and uniform["train"] == small["curves"][0]["points"][0]["train"]
    assert [p["samples"] for p in small["curves"][4]["points"]] == [50]  # q-learning has no limit
    verdict = small["verdicts"][0]["points"][0]["train"]["quantiliser"]
    assert verdict["side"] == "on" and verdict["gap"] == 0


# -- the verdicts, on hand-made frontiers --------------------------------------------------------


@pytest.mark.parametrize("kl, true, side, frontier_true", [
    (1.0, 1.0, "below", 2.0),
    (1.0, 2.0, "on", 2.0),
    (1.5, 3.5, "above", 3.0),
    (0.0, 0.0, "on", 0.0),
    (2.0, 4.0, "on", 4.0),
    (2.5, 0.0, "outside", None),
    (-0.5, 0.0, "outside", None),
])
def test_frontier_side_interpolates_between_points_sorted_by_kl(kl, true, side, frontier_true):
    frontier = [(2.0, 4.0), (0.0, 0.0)]  # unsorted on purpose: the line from (0, 0) to (2, 4)
    got = frontier_side(kl, true, frontier)
    assert got["side"] == side and got["frontier_true"] == frontier_true
    if frontier_true is not None:
        assert got["gap"] == true - frontier_true and got["distance"] == abs(true - frontier_true)


def test_a_vertical_segment_of_the_frontier_is_an_interval():
    frontier = [(0.0, 0.0), (1.0, 1.0), (1.0, 3.0), (2.0, 3.0)]
    assert frontier_side(1.0, 2.0, frontier)["side"] == "on"
    assert frontier_side(1.0, 4.0, frontier) == {"side": "above", "frontier_true": 3.0, "gap": 1.0, "distance": 1.0}
    assert frontier_side(1.0, 0.5, frontier) == {"side": "below", "frontier_true": 1.0, "gap": -0.5, "distance": 0.5}


def _tiny():
    """A hand-made data dict: a frontier (0, 0) -> (4, 8), the argmax at (4, 8), one amortised
    agent at (1, 1) in distribution (frontier: 2, so below by 1) and at (3, -5) under shift."""
    def pt(kl, true, proxy=None):
        return {"kl": kl, "true": float(true), "true_exact": str(true),
                "proxy": float(proxy if proxy is not None else true), "proxy_exact": str(proxy if proxy else true)}

    curves = [
        {"label": "quantiliser", "kind": "frontier", "points": [{"train": pt(0.0, 0), "shift": pt(0.0, 0)},
                                                                 {"train": pt(4.0, 8), "shift": pt(4.0, 8)}]},
        {"label": "argmax", "kind": "direct", "points": [{"train": pt(4.0, 8), "shift": pt(4.0, 6)}]},
        {"label": "toy", "kind": "amortised", "points": [{"samples": 10, "train": pt(0.5, 9),
                                                         "shift": pt(3.0, -7)},
                                                        {"samples": 20, "train": pt(1.0, 1),
                                                         "shift": pt(3.0, -5)}]},
    ]
    return {"train": "toy_train", "test": "toy_test", "params": {"proxy_lava": "20"},
            "optimum": {"train": {"true": 8.0}, "shift": {"true": 7.0}}, "curves": curves,
            "verdicts": frontier_verdicts(curves), "summary": {"frontiers": [0], "argmax": 1, "amortised": [2]}}


def test_the_reading_states_the_side_and_the_move_of_a_hand_made_agent():
    tiny = _tiny()
    verdict = tiny["verdicts"][0]
    assert verdict["read"] == 1  # no infinite-data point: the largest size
    assert verdict["points"][0]["train"]["quantiliser"]["side"] == "above"  # 9 > 1 at KL 0.5
    assert verdict["points"][1]["train"]["quantiliser"]["side"] == "below"
    assert verdict["points"][1]["move"]["true_exact"] == "-6"
    reading = spectrum_reading(tiny)
    assert reading.sentences[0] == (
        "In distribution (toy_train, proxy lava reward 20), toy (20 samples) has true return 1.00 at KL 1.00, "
        "below the quantiliser frontier by 1.00; the argmax has 8.00 at KL 4.00.")
    assert reading.sentences[1] == (
        "Under shift (toy_test, amortised agents trained on toy_train), toy moves by -6.00 in true return "
        "(to -5.00) and by 2.00 in KL, while the argmax, re-planning on toy_test, has true return 6.00 of the "
        "optimal 7.00.")
    assert check_reading(reading, tiny) == []


# -- data, reading and artifact of the real figure ----------------------------------------------


def _exact_pairs(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_exact") and value is not None:
                yield path + (key,), value, node[key[: -len("_exact")]]
            yield from _exact_pairs(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _exact_pairs(value, path + (i,))


def test_exact_strings_parse_back_to_the_floats_beside_them(data):
    saved = json.loads(json.dumps(spectrum_artifact(data).data))
    pairs = list(_exact_pairs(saved))
    assert len(pairs) > 50
    for path, text, number in pairs:
        assert float(Fraction(text)) == number, path
    # Boltzmann policies with beta > 0 are float: no exact string
    assert _curve(saved, "boltzmann")["points"][1]["train"]["true_exact"] is None


def test_the_reading_is_backed_by_the_data(data):
    reading = spectrum_reading(data)
    assert len(reading.sentences) == 2 and check_reading(reading, data) == []
    assert "BC of argmax (infinite data) has true return 18.22 at KL 6.83, on the quantiliser frontier" \
        in reading.sentences[0]
    assert "BC of argmax moves by -61.43 in true return" in reading.sentences[1]


def test_the_catalogue_offers_it_and_the_demo_runs_its_quick_version():
    report = REPORTS["spectrum"]
    label, options = report.demo(QUICK, False)
    assert options == {"quick": True} and "amortised" in label
    assert report.keywords({"size": None, "params": None, "qs": ["1"], "proxy_lava": None}) == \
        {"qs": ["1"], "quick": False}


# -- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"qs": ("1", "2")}, "qs[1] is 2, not in (0, 1]"),
    ({"qs": ()}, "qs is (), not a non-empty list"),
    ({"betas": (-1,)}, "betas[0] is -1"),
    ({"samples": (0,)}, "samples[0] is 0, not an integer >= 1"),
    ({"layouts": "nope"}, "layouts is 'nope', not one of ['lava']"),
    ({"proxy_lava": "abc"}, "proxy_lava is 'abc'"),
    ({"foo": 1}, "layout parameter 'foo' is not one of lava_train's"),
])
def test_a_bad_parameter_is_one_line_naming_it(kwargs, message):
    with pytest.raises(InvalidArgument) as info:
        spectrum_data(**{"qs": ("1",), "betas": (0.0,), "samples": (10,), **kwargs})
    assert message in str(info.value) and "\n" not in str(info.value)


def test_the_command_line_names_the_flag(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["report", "spectrum", "--q", "1,2", "--out", str(tmp_path / "r")])
    assert code == 2
    assert err.getvalue() == "deconfuse: error: --q[1] is 2, not in (0, 1]\n"
