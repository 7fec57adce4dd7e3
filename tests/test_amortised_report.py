"""reports/amortised.py: amortised agents in distribution and under shift, checked against values
derived here by hand or by a second route (exact occupancy, policy iteration)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from environments import lava_test, lava_train
from reports.amortised import DEFAULT_AGENTS, amortised_artifact, amortised_data, amortised_reading
from reports.document import check_reading
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, state_occupancy
from theory.solvers import solve


@pytest.fixture(scope="module")
def data():
    return amortised_data()


def _points(data, name, where):
    setting = next(s for s in data["settings"] if s["name"] == name)
    return {p["agent"]: p for p in setting["points"] if p["where"] == where}


def test_argmax_has_zero_regret_everywhere_and_clones_equal_it_in_distribution(data):
    train = lava_train(observe="view")
    optimum = expected_return(train, solve(train, "proxy").policy, "true")  # proxy = true on the lava pair
    inside = _points(data, "lava", "in")
    for where in ("in", "shift"):
        assert Fraction(_points(data, "lava", where)["argmax"]["regret_exact"]) == 0
    for agent in ("amortised:fallback=uniform", "amortised:fallback=nearest", "amortised:fallback=base,base=argmax"):
        assert Fraction(inside[agent]["true_exact"]) == optimum


def test_unseen_states_under_the_shift_are_those_the_teacher_never_visits(data):
    """The teacher (the training argmax) visits the states of positive occupancy; a test state
    is unseen when its view observation is none of theirs."""
    train, test = lava_train(observe="view"), lava_test(observe="view")
    occupied = state_occupancy(train, solve(train, "proxy").policy)
    seen = {train.observation_labels[s] for s in range(train.S) if occupied[s] != 0}
    for where, mdp in (("in", train), ("shift", test)):
        expected = sum(o not in seen for o in mdp.observation_labels)
        points = _points(data, "lava", where)
        for agent in ("amortised:fallback=uniform", "amortised:fallback=nearest",
                      "amortised:fallback=base,base=argmax"):
            assert points[agent]["unseen"] == expected
    # the moved lava changes the views of cells the teacher walked through: more unseen under shift
    assert _points(data, "lava", "shift")["amortised:fallback=uniform"]["unseen"] > \
        _points(data, "lava", "in")["amortised:fallback=uniform"]["unseen"]


def test_the_amortised_agents_behave_differently_under_the_lava_shift(data):
    """The issue's point: fallbacks, feature policies and Q-learning extrapolate differently."""
    shifted = _points(data, "lava", "shift")
    values = {Fraction(p["true_exact"]) if p["true_exact"] else p["true"] for a, p in shifted.items() if a != "argmax"}
    assert len(values) >= 5
    assert data["settings"][0]["summary"]["distinct"] >= 5
    # re-planning where the table has no answer is the argmax itself there: never worse than uniform
    assert Fraction(shifted["amortised:fallback=base,base=argmax"]["true_exact"]) >= \
        Fraction(shifted["amortised:fallback=uniform"]["true_exact"])


def test_the_proxy_argmax_games_the_tomato_bucket_in_distribution(data):
    """Tomato, discount 9/10: the proxy pays 3 - 1 per step on the bucket, the true reward -1 per
    step for ever, so the proxy's argmax (and its clones) has true return -1 / (1 - 9/10) = -10."""
    inside = _points(data, "tomato", "in")
    for agent in ("argmax", "amortised:fallback=uniform", "softmax-linear:greedy=true"):
        assert Fraction(inside[agent]["true_exact"]) == -10


def test_reading_is_traced_to_the_data(data):
    reading = amortised_reading(data)
    assert check_reading(reading, data) == []
    assert len(reading.sentences) == 2
    assert reading.sentences[1].startswith("Under the reward gaming (tomato -> tomato:slip=1/5")
    assert len(amortised_artifact(data).tables["amortised"]) == 2 * 2 * len(DEFAULT_AGENTS)


@pytest.mark.parametrize("kwargs, message", [
    ({"settings": ("lava", "moon")}, "setting is 'moon', not"),
    ({"settings": ()}, "settings is empty"),
    ({"agents": (" ",)}, "agents is empty"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        amortised_data(**kwargs)


# -- mutation-testing additions (bench/mutation.py, "Issue 14's agents") ---------------------


def test_summary_worst_best_and_distinct_by_hand():
    """Hand-made points (two agents besides the argmax, in order a, b, c): under shift a and b tie
    at 1, the argmax (c, family argmax) has 5; worst and best are both the first of the tied
    amortised agents (index 3), and there is 1 distinct amortised value (the argmax's not counted)."""
    from reports.amortised import _summary

    def point(family, true):
        return {"family": family, "true_exact": str(true), "true": float(true)}

    points = [point("x", 0), point("y", 2), point("argmax", 5), point("x", 1), point("y", 1), point("argmax", 5)]
    assert _summary(points, 3) == {"shift": [3, 4, 5], "worst": 3, "best": 3, "distinct": 1}
    points[4] = point("y", -1)
    assert _summary(points, 3) == {"shift": [3, 4, 5], "worst": 4, "best": 3, "distinct": 2}


def test_summary_of_the_default_agents(data):
    """Lava: the worst under shift is the "nearest" table (-43.21, into the lava), the best the
    re-planning fallback, tied with the greedy softmax at the argmax's 12.857808851 (the first of
    the tie); 7 distinct values among the 8 non-argmax agents. Tomato: ranked by the true return
    (not the proxy), knn is the worst and the first Q-learner the best; 8 distinct values (the
    argmax's own value is not among them)."""
    lava, tomato = data["settings"]
    n = len(DEFAULT_AGENTS)
    assert lava["points"][lava["summary"]["worst"]]["agent"] == "amortised:fallback=nearest"
    assert Fraction(lava["points"][lava["summary"]["worst"]]["true_exact"]) == Fraction(-4321, 100)
    assert lava["summary"]["best"] == n + DEFAULT_AGENTS.index("amortised:fallback=base,base=argmax")
    assert lava["summary"]["distinct"] == 7 and tomato["summary"]["distinct"] == 8
    assert tomato["points"][tomato["summary"]["worst"]]["agent"] == "knn:k=3"
    assert tomato["points"][tomato["summary"]["best"]]["agent"] == "q-learning:samples=20000"


def test_optimum_is_the_solver_optimum_whatever_the_first_agent():
    train, test = lava_train(observe="view"), lava_test(observe="view")
    data = amortised_data(agents=("amortised:fallback=uniform", "argmax"), settings=("lava",))
    setting = data["settings"][0]
    for where, mdp in (("in", train), ("shift", test)):
        assert Fraction(setting[f"optimum_{where}_exact"]) == expected_return(mdp, solve(mdp, "true").policy, "true")


def test_cost_columns_are_the_agents_costs(data):
    """The argmax plans (decision cost = its Q-value evaluations, no training); the uniform table is
    trained by one argmax run on lava-train (its training cost) on the dataset's pairs (samples)."""
    from agents.direct import Argmax
    from agents.training import collect

    train = lava_train(observe="view")
    inside = _points(data, "lava", "in")
    assert (inside["argmax"]["training_cost"], inside["argmax"]["decision_cost"]) == \
        (0, Argmax().run(train, "proxy").cost.decision)
    dataset = collect("argmax", train, "proxy")
    assert (inside["amortised:fallback=uniform"]["samples"], inside["amortised:fallback=uniform"]["training_cost"]) == \
        (len(dataset.pairs), dataset.training_cost)
    assert inside["q-learning:samples=20000"]["samples"] == 20000
