"""Tests of reports: the data behind every figure, checked against values computed another way.

Layer 1: hand-computed values on small cases (best-of-n KL on a binary base, a 3-arm bandit's
Goodhart curves, the quantiliser's density ratio, a two-state MDP's graph).
Layer 2: the data agrees with the agents and solvers run directly (random MDP curves, the shift
curve at m = 0 and m = 1, the cost points' Cost fields, the prevalence cells' sweep).
Layer 3: report folders: readings traceable to the data, deterministic bytes, the folder guard.
Figures are checked through their data, never pixels.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction as F

import numpy as np
import pytest
import sympy

import environments
from agents import Argmax, parse_specs
from agents.base import behaviour_return
from agents.quantiliser import TimestepQuantiliser, quantilise
from reports.catalogue import CATALOGUE, build_report
from reports.cost import cost_artifact, cost_data
from reports.document import (
    MARKER,
    Fact,
    Reading,
    ReportFolderError,
    check_reading,
    json_ready,
    prepare_folder,
    read_manifest,
    write_artifact,
)
from reports.goodhart_curves import gao_fit, goodhart_curves_artifact, goodhart_curves_data
from reports.graph import argument_mdps, counterexample_mdps, graph_artifact, graph_data, mdp_graph
from reports.prevalence import prevalence_artifact, prevalence_data
from reports.shift import gridworld_data, shift_artifact, shift_data
from reports.sweeps import LocalExecutor, SweepConfig, run_sweep, wilson_interval
from reports.theory_plots import theory_artifact, theory_data
from reports.verdicts import verdicts_data, verdicts_reading
from theory import Policy, expected_return, state_occupancy
from theory.examples import two_state
from theory.io import save_mdp
from theory.metrics import optimal_return, trajectory_kl

# -- theory: best-of-n KL and the quantiliser's density ratio -----------------------------------


def test_best_of_n_kl_on_a_binary_base_by_hand():
    data = theory_data(ns=(1, 2, 3), qs=("1",), outcomes=4)
    rows = {r["n"]: r for r in data["kl"]}
    # best of 2 from {0, 1} uniform: P(1) = 1 - (1/2)^2 = 3/4, P(0) = 1/4
    by_hand = 0.75 * math.log(0.75 / 0.5) + 0.25 * math.log(0.25 / 0.5)
    assert rows[2]["binary"] == pytest.approx(by_hand, abs=1e-15)
    assert sympy.simplify(sympy.sympify(rows[2]["binary_exact"]) - (sympy.Rational(3, 4) * sympy.log(3)
                                                                     - sympy.log(2))) == 0
    # best of 3: P(1) = 7/8, P(0) = 1/8
    assert rows[3]["binary"] == pytest.approx(7 / 8 * math.log(7 / 4) + 1 / 8 * math.log(1 / 4), abs=1e-15)
    assert rows[1]["binary"] == 0 and rows[1]["fine"] == 0
    assert rows[2]["bound"] == pytest.approx(math.log(2) - 0.5, abs=1e-15)


def test_best_of_n_kl_on_the_fine_base_by_hand():
    K = 4
    data = theory_data(ns=(2, 5), qs=("1",), outcomes=K)
    for row in data["kl"]:
        n = row["n"]
        # tie-free uniform base: P(i) = ((i + 1)^n - i^n) / K^n
        p = [((i + 1) ** n - i**n) / K**n for i in range(K)]
        assert row["fine"] == pytest.approx(sum(x * math.log(x * K) for x in p), abs=1e-13)
        assert row["fine"] <= row["bound"]
        assert row["fine_gap"] == pytest.approx(row["bound"] - row["fine"], abs=1e-15)


def test_quantiliser_density_ratio_against_one_over_q():
    data = theory_data(ns=(1,), qs=("1", "1/2", "1/4", "1/8"), outcomes=4)
    table = {(r["base"], r["q_exact"]): r for r in data["density"]}
    # fine base: 4 outcomes of 1/4; the top-q mass at density 1/q until q < 1/4
    assert [table[("fine", q)]["ratio_exact"] for q in ("1", "1/2", "1/4", "1/8")] == ["1", "2", "4", "4"]
    assert [table[("binary", q)]["ratio_exact"] for q in ("1", "1/2", "1/4", "1/8")] == ["1", "2", "2", "2"]
    assert [table[("fine", q)]["tight"] for q in ("1", "1/2", "1/4", "1/8")] == [True, True, True, False]
    assert data["summary"]["fine_smallest_tight_q"] == "1/4"
    assert data["summary"]["binary_smallest_tight_q"] == "1/2"
    # against the library directly
    p = quantilise([F(1, 4)] * 4, [0, 1, 2, 3], F(1, 8))
    assert max(x / F(1, 4) for x in p) == F(table[("fine", "1/8")]["ratio_exact"])


# -- Goodhart curves ------------------------------------------------------------------------------

BANDIT = {"true": (0, 2, 1), "proxy": (0, 1, 2)}


@pytest.fixture(scope="module")
def bandit_curves():
    return goodhart_curves_data("bandit", "none", params=BANDIT, qs=("1", "2/3", "1/3"), ns=(1, 2, 3, 8),
                                betas=(0, 1, 5), depths=(1, 2))


def test_goodhart_curve_points_by_hand(bandit_curves):
    fams = {f["family"]: f for f in bandit_curves["families"]}
    q = fams["quantiliser"]
    # q = 1: uniform, 1; q = 2/3: arms 2 and 1 at 1/2 each, true 3/2; q = 1/3: arm 2, true 1
    assert [p["true_exact"] for p in q["points"]] == ["1", "3/2", "1"]
    assert [p["proxy_exact"] for p in q["points"]] == ["1", "3/2", "2"]
    assert [p["pressure"] for p in q["points"]] == [0.0, -math.log(2 / 3), math.log(3)]
    assert q["points"][1]["kl"] == pytest.approx(math.log(3 / 2), abs=1e-12)  # (0, 1/2, 1/2) vs uniform
    assert q["points"][1]["d"] == pytest.approx(math.sqrt(math.log(3 / 2)), abs=1e-12)
    assert q["peak"]["parameter"] == "2/3" and q["goodharting"] is True
    assert q["drop_height_exact"] == "1/4"  # (3/2 - 1) / (2 - 0)
    # best-of-n, the best of n uniform draws by the proxy: P(arm2) = 1 - (2/3)^n, P(arm1) = (2/3)^n - (1/3)^n
    bon = fams["best-of-n"]
    for p, n in zip(bon["points"], (1, 2, 3, 8)):
        p2, p1 = 1 - F(2, 3) ** n, F(2, 3) ** n - F(1, 3) ** n
        assert F(p["true_exact"]) == 2 * p1 + 1 * p2
        assert F(p["proxy_exact"]) == 1 * p1 + 2 * p2
        assert p["pressure"] == pytest.approx(math.log(n))
    # Boltzmann on a one-shot problem: softmax(beta * proxy)
    for p, beta in zip(fams["Boltzmann"]["points"], (0, 1, 5)):
        w = np.exp(beta * np.array([0.0, 1.0, 2.0]))
        assert p["true"] == pytest.approx(float(w @ np.array([0.0, 2.0, 1.0]) / w.sum()), abs=1e-9)
        assert p["true_exact"] is None and p["pressure"] == beta
    # lookahead of any depth on a one-shot problem is the argmax of the proxy: arm 2
    assert [p["true_exact"] for p in fams["lookahead"]["points"]] == ["1", "1"]
    assert bandit_curves["argmax"]["true_exact"] == "1" and bandit_curves["optimum_exact"] == "2"


def test_goodhart_curve_points_equal_the_agents_returns_on_a_random_mdp():
    params = {"S": 4, "A": 3, "seed": 1}
    data = goodhart_curves_data("random", "regressional-light", params=params, seed=1, qs=("1", "1/2", "1/4"),
                                ns=(1, 2, 4), betas=(0, 2), depths=(1, 3))
    mdp = environments.proxy_errors.regressional(environments.random_mdp(**params), seed=1)
    base = Policy.uniform(mdp.to_float())
    quantiliser = data["families"][0]
    for point, q in zip(quantiliser["points"], (F(1), F(1, 2), F(1, 4))):
        pi = TimestepQuantiliser(q=q).policy(mdp, "proxy")
        assert F(point["true_exact"]) == expected_return(mdp, pi, "true")
        assert F(point["proxy_exact"]) == expected_return(mdp, pi, "proxy")
        assert point["kl"] == pytest.approx(trajectory_kl(mdp.to_float(), pi.to_float(), base), abs=1e-12)
    assert data["optimum_exact"] == str(optimal_return(mdp, "true"))
    assert data["argmax"]["true_exact"] == str(expected_return(mdp, Argmax().policy(mdp, "proxy"), "true"))


def test_gao_fit_recovers_alpha_and_beta_from_exact_data():
    alpha, beta = 1.75, 0.4
    d = np.linspace(0.1, 4.0, 12)
    fit = gao_fit(d, d * (alpha - beta * d))
    assert fit["alpha"] == pytest.approx(alpha, abs=1e-12)
    assert fit["beta"] == pytest.approx(beta, abs=1e-12)
    assert fit["d_peak"] == pytest.approx(alpha / (2 * beta), abs=1e-12)
    assert fit["rss"] == pytest.approx(0.0, abs=1e-20) and fit["r2"] == pytest.approx(1.0)
    # a base point at d = 0 changes nothing; a curve without a peak has none
    assert gao_fit([0.0, *d], [0.0, *(d * (alpha - beta * d))])["alpha"] == pytest.approx(alpha, abs=1e-12)
    assert gao_fit(d, d * (1 + 0.5 * d))["d_peak"] is None


def test_gao_fit_in_the_curve_data_is_the_fit_of_the_best_of_n_points(bandit_curves):
    bon = next(f for f in bandit_curves["families"] if f["family"] == "best-of-n")
    refit = gao_fit([p["d"] for p in bon["points"]], [p["gain"] for p in bon["points"]])
    assert bandit_curves["fit"]["alpha"] == refit["alpha"] and bandit_curves["fit"]["beta"] == refit["beta"]
    assert all(F(p["gain_exact"]) == F(p["true_exact"]) - 1 for p in bon["points"])  # uniform's true return is 1


# -- prevalence ------------------------------------------------------------------------------------


def test_prevalence_cells_are_the_sweeps_counts_and_intervals():
    sweep = run_sweep(SweepConfig(n_mdps=12, discounts=(0.5, 0.9), error_models=("causal", "extremal"),
                                  pressures=6), executor=LocalExecutor(workers=1), progress=False)
    data = prevalence_data(sweep)
    assert [(c["error_model"], c["discount"]) for c in data["cells"]] == [
        ("causal", 0.5), ("causal", 0.9), ("extremal", 0.5), ("extremal", 0.9)]
    for cell, raw in zip(data["cells"], sweep.cells):
        k = sum(raw.flags)
        assert cell["goodharting"] == k and cell["n"] == 12
        assert F(cell["fraction_exact"]) == F(k, 12) and cell["fraction"] == k / 12
        assert (cell["ci_low"], cell["ci_high"]) == wilson_interval(k, 12)
        assert cell["drops"] == [d for d, f in zip(raw.drop_heights, raw.flags) if f]
    fractions = [c["fraction"] for c in data["cells"]]
    assert data["cells"][data["summary"]["most"]]["fraction"] == max(fractions)
    assert data["cells"][data["summary"]["least"]]["fraction"] == min(fractions)
    pooled = data["models"][0]
    assert F(pooled["fraction_exact"]) == F(data["cells"][0]["goodharting"] + data["cells"][1]["goodharting"], 24)
    artifact = prevalence_artifact(data)
    assert check_reading(artifact.reading, json_ready(data)) == []


# -- shift ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lava_shift():
    return shift_data(magnitudes=("0", "1"), qs=("1/2",), draw=True)


def _direct_regrets(mdp, train):
    out = {}
    best = optimal_return(mdp, "true")
    for spec, agent in parse_specs("argmax,quantiliser:q=1/2,amortised:fallback=uniform,amortised:fallback=nearest,"
                                   "hybrid:depth=1", train=train):
        out[spec] = best - behaviour_return(mdp, agent.run(mdp, "proxy").behaviour, "true")
    return out


def test_shift_curve_at_zero_is_the_unshifted_regret_and_at_one_the_test_regret(lava_shift):
    train, test = environments.lava_train(), environments.lava_test()
    at_start = _direct_regrets(train, train)
    at_end = _direct_regrets(test, train)
    for series in lava_shift["series"]:
        assert F(series["points"][0]["regret_exact"]) == at_start[series["agent"]]
        assert F(series["points"][-1]["regret_exact"]) == at_end[series["agent"]]
    amortised = next(s for s in lava_shift["series"] if s["agent"] == "amortised:fallback=uniform")
    assert amortised["regret_at_start"] == 0 and amortised["regret_at_end"] > 50  # walks into the moved lava


def test_gridworld_data_places_cells_by_features_and_reads_the_policies(lava_shift):
    train_grid, test_grid = lava_shift["gridworlds"]
    mdp = environments.lava_test()
    assert len(test_grid["cells"]) == mdp.S - 1  # every state but "done"
    kinds = {c["state"]: c["kind"] for c in test_grid["cells"]}
    assert kinds["(1,1)"] == "start" and kinds["(2,3)"] == "lava" and kinds["(1,7)"] == "goal"
    assert {c["state"] for c in test_grid["cells"] if c["terminal"]} == {
        s for s, k in kinds.items() if k in ("lava", "goal")}
    assert {c["state"]: c["kind"] for c in train_grid["cells"]}["(2,3)"] == "floor"  # the lava moved there
    argmax = next(a for a in test_grid["agents"] if a["agent"] == "argmax")
    pi = Argmax().policy(mdp, "proxy")
    occupancy = state_occupancy(mdp, pi) * (1 - mdp.discount)
    for cell, info in zip(test_grid["cells"], argmax["cells"]):
        s = mdp.state_index(cell["state"])
        row = pi.probs[s]
        assert info["best"] == [a for a, p in zip(mdp.actions, row) if p == max(row)]
        assert F(info["occupancy_exact"]) == occupancy[s]


def test_gridworld_data_refuses_an_mdp_without_features():
    with pytest.raises(Exception, match="features"):
        gridworld_data(two_state(), ["##"], {})


# -- cost --------------------------------------------------------------------------------------------


def test_cost_points_equal_the_cost_fields_of_the_agents():
    specs = ("argmax", "lookahead:depth=2", "quantiliser:q=1/2", "amortised:fallback=nearest", "hybrid:depth=1")
    data = cost_data("lava-train", "lava-test", specs)
    train, test = environments.lava_train(), environments.lava_test()
    points = {(p["agent"], p["setting"]): p for p in data["points"]}
    costs_in = {}
    for spec, agent in parse_specs(",".join(specs), train=train):
        for setting, mdp in (("in", train), ("out", test)):
            result = agent.run(mdp, "proxy")
            point = points[(spec, setting)]
            assert point["decision_cost"] == result.cost.decision_total
            assert (point["decision"], point["lookups"], point["training_cost"], point["teacher_calls"]) == (
                result.cost.decision, result.cost.lookups, result.cost.training, result.cost.teacher_calls)
            regret = optimal_return(mdp, "true") - behaviour_return(mdp, result.behaviour, "true")
            assert F(point["regret_exact"]) == regret
            if setting == "in":
                costs_in[spec] = result.cost.decision_total
    s = data["summary"]
    assert data["points"][s["cheapest_in"]]["agent"] == min(costs_in, key=costs_in.get) == "hybrid:depth=1"
    assert data["points"][s["cheapest_out"]]["agent"] == "hybrid:depth=1"
    assert data["points"][s["cheapest_zero_regret_out"]]["agent"] == "argmax"
    assert check_reading(cost_artifact(data).reading, json_ready(data)) == []


# -- graph ---------------------------------------------------------------------------------------------


def test_graph_of_two_state_has_its_states_and_exact_edges():
    mdp = two_state()
    g = mdp_graph(mdp)
    assert sorted(g.nodes) == ["s0", "s1"]
    data = graph_data(mdp, "two-state")
    edges = {(e["source"], e["action"], e["target"]): e for e in data["edges"]}
    assert set(edges) == {("s0", "stay", "s0"), ("s0", "go", "s0"), ("s0", "go", "s1"), ("s1", "stay", "s1"),
                          ("s1", "go", "s0")}
    assert edges[("s0", "go", "s0")]["probability_exact"] == "1/10"
    assert edges[("s0", "go", "s1")]["probability_exact"] == "9/10"
    assert edges[("s0", "go", "s1")]["r_proxy_exact"] == "1/2" and edges[("s0", "go", "s1")]["r_true_exact"] == "0"
    assert edges[("s1", "stay", "s1")]["r_true_exact"] == "1"
    assert [s["initial_exact"] for s in data["states"]] == ["1", "0"]
    assert data["summary"] == {"states": 2, "actions": 2, "edges": 5, "initial_states": 1, "compared": ["true", "proxy"],
                               "differing_pairs": 1, "largest_gap": 0.5, "largest_gap_exact": "1/2",
                               "largest_gap_state": "s0", "largest_gap_action": "go"}


def test_graph_edges_match_the_transition_matrix_of_a_random_mdp():
    mdp = environments.random_mdp(S=4, A=2, branching=2, seed=5)
    data = graph_data(mdp)
    assert len(data["edges"]) == int((mdp.transitions != 0).sum()) == 4 * 2 * 2
    for e in data["edges"]:
        s, a, t = mdp.state_index(e["source"]), mdp.action_index(e["action"]), mdp.state_index(e["target"])
        assert F(e["probability_exact"]) == mdp.transitions[s, a, t]
        assert F(e["r_true_exact"]) == mdp.rewards["true"][s, a]


def test_graph_reads_a_saved_counterexample(tmp_path):
    save_mdp(two_state(), tmp_path / "c.pair.0.mdp.json")
    save_mdp(environments.chain(n=3), tmp_path / "c.pair.1.mdp.json")
    doc = {"format": "deconfuse.counterexample/1", "conjecture": "c", "args": {
        "pair": {"tuple": [{"mdp": "c.pair.0.mdp.json"}, {"mdp": "c.pair.1.mdp.json"}, {"fraction": "1/2"}]}}}
    (tmp_path / "c.counterexample.json").write_text(json.dumps(doc))
    found = counterexample_mdps(tmp_path / "c.counterexample.json")
    assert [(name, m.S) for name, m in found] == [("c: pair.0", 2), ("c: pair.1", 3)]
    assert counterexample_mdps(tmp_path / "c.pair.0.mdp.json")[0][1] == two_state()


def test_a_verdicts_mdps_are_the_saved_files_mdps(tmp_path):
    # deconfuse check draws from the verdict in memory; the titles and MDPs are those that
    # deconfuse report graph FILE reads back from the saved counterexample
    from property_tests.engine import Verdict, save_counterexample, suite

    conjecture = next(iter(suite().values()))
    arguments = {"pair": (two_state(), environments.chain(n=3)), "q": F(1, 2),
                 "more": {"a": [two_state()], "b": np.array([1.0, 2.0])}}
    path = save_counterexample(Verdict(conjecture, "refuted", 1, arguments), tmp_path, "c")
    in_memory = argument_mdps(arguments, "c")
    assert [title for title, _ in in_memory] == ["c: pair.0", "c: pair.1", "c: more.a.0"]
    assert in_memory == counterexample_mdps(path)


def test_the_catalogue_names_functions_that_exist():
    for report in CATALOGUE:
        for role in ("data", "figure", "reading", "artifact"):
            assert callable(report.function(role)), (report.name, role)


# -- readings and report folders ---------------------------------------------------------------------


def test_every_reading_has_two_sentences_whose_numbers_are_in_the_data(bandit_curves, lava_shift):
    artifacts = [
        goodhart_curves_artifact(bandit_curves),
        shift_artifact(lava_shift),
        theory_artifact(theory_data(ns=(1, 2, 4), qs=("1", "1/8"), outcomes=4)),
        graph_artifact(graph_data(two_state(), "two-state")),
    ]
    for artifact in artifacts:
        assert len(artifact.reading.sentences) == 2, artifact.name
        assert artifact.reading.facts, artifact.name
        assert check_reading(artifact.reading, json_ready(artifact.data)) == [], artifact.name


def test_check_reading_catches_a_number_that_is_not_the_datas():
    data = {"x": 0.5712, "q": "1/4"}
    good = Reading(("peak 0.57 at q = 1/4",), (Fact(("x",), ".2f", "0.57"), Fact(("q",), "s", "1/4")))
    assert check_reading(good, data) == []
    bad = Reading(("peak 0.58 at q = 1/4",), (Fact(("x",), ".2f", "0.58"), Fact(("q",), "s", "1/4")))
    assert check_reading(bad, data) == ["fact ['x']: the data gives '0.57', the reading says '0.58'"]


def test_verdicts_table_and_reading():
    data = verdicts_data(examples=3, names=["argmax_of_the_true_reward_has_no_regret", "quantiliser_limits"])
    assert [r["verdict"] for r in data["rows"]] == ["holds", "holds"]
    assert data["summary"]["matched"] == 2 and data["summary"]["unexpected"] == []
    reading = verdicts_reading(data)
    assert len(reading.sentences) == 2 and check_reading(reading, json_ready(data)) == []
    fake = {"name": "x", "kind": "conjecture", "expect": "refuted", "verdict": "holds", "examples": 3, "matches": False,
            "statement": "", "numbers": {}, "error": ""}
    data = verdicts_data(examples=3, names=["quantiliser_limits"], rows={"quantiliser_limits": fake})
    assert data["summary"]["unexpected"] == [0]
    assert "x (holds in 3 examples, expected refuted)" in verdicts_reading(data).sentences[1]


def test_report_files_are_deterministic_and_indexed(tmp_path):
    folders = [tmp_path / "a", tmp_path / "b"]
    for folder in folders:
        manifest = prepare_folder(folder)
        for artifact in build_report("theory", ns=(1, 2, 8), qs=("1", "1/4"), outcomes=5):
            write_artifact(folder, artifact, manifest)
    names = sorted(p.name for p in folders[0].iterdir())
    assert names == sorted(p.name for p in folders[1].iterdir())
    assert {"theory.png", "theory.svg", "theory.json", "theory-kl.csv", "index.html", "index.md", MARKER} <= set(names)
    for name in names:
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name
    page = (folders[0] / "index.html").read_text()
    assert 'src="theory.png"' in page and 'href="theory.svg"' in page
    entry = read_manifest(folders[0])["entries"][0]
    saved = json.loads((folders[0] / entry["data"]).read_text())
    assert check_reading(Reading.from_dict(entry["reading"]), saved) == []


def test_prepare_folder_refuses_a_foreign_folder_and_accepts_a_report(tmp_path):
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("mine")
    with pytest.raises(ReportFolderError, match="not empty and is not a deconfuse report"):
        prepare_folder(foreign)
    assert sorted(p.name for p in foreign.iterdir()) == ["thesis.tex"]
    assert prepare_folder(foreign, force=True)["entries"] == []
    assert (foreign / MARKER).is_file()
    report = tmp_path / "report"
    manifest = prepare_folder(report)
    write_artifact(report, build_report("theory", ns=(1, 2), qs=("1",), outcomes=3)[0], manifest)
    assert [e["name"] for e in prepare_folder(report)["entries"]] == ["theory"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ReportFolderError, match="is a file"):
        prepare_folder(tmp_path / "file")
