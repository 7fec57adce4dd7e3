"""The reproduction suite: every registered entry's quick version gets its declared verdict;
``deconfuse reproduce`` (table, exit codes, --list, --json, unknown names, --out) and the
"Reproductions" report section."""

from __future__ import annotations

import contextlib
import io
import json
import types

import pytest

import property_tests.reproductions as registry
from deconfuse.cli import main
from property_tests.reproductions import Comparison, Outcome, Reproduction, reproductions
from reports.document import check_reading, read_manifest
from reports.reproductions import reproductions_artifacts, reproductions_data


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name", list(reproductions()))
def test_every_quick_reproduction_gets_its_declared_verdict(name):
    rep = reproductions()[name]
    outcome = rep(True)
    assert outcome.quick and outcome.name == name
    assert outcome.verdict == rep.expect, [c.row() for c in outcome.differences]
    assert rep.full_time, f"{name} documents no full_time"
    json.dumps(reproductions_data([name], outcomes={name: outcome}))  # its data is JSON


def _toy(agrees: bool, figure=None) -> Reproduction:
    comparisons = (Comparison.exact("1 + 1", 2, 2 if agrees else 3),)
    return Reproduction("toy", "A. Author 2020", "sec. 1: 1 + 1 = 2", "adds",
                        lambda quick: Outcome("toy", comparisons, {"x": [1, 2]}, quick, ("integers",)),
                        figure=figure)


@pytest.fixture
def toy_registry(monkeypatch):
    def install(rep):
        monkeypatch.setattr(registry, "ENTRIES", (types.SimpleNamespace(REPRODUCTION=rep),))
    return install


def test_reproduce_prints_header_table_assumed_and_verdict():
    code, out, _ = run(["reproduce", "taylor", "--quick"])
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith("taylor: Taylor 2016") and lines[1].startswith("  claim: E_q[c] <= E_g[c]/q")
    assert lines[2].split() == ["quantity", "paper", "ours", "criterion", "agrees"]
    assert any(l.startswith("cases where E_P[U] equals the capped LP's optimum") and l.endswith("yes") for l in lines)
    assert any(l.startswith("assumed: ties share the boundary") for l in lines)
    assert lines[-1] == "verdict: reproduced (expected reproduced)"


def test_reproduce_exits_1_when_a_verdict_is_not_the_declared_one(toy_registry):
    toy_registry(_toy(False))
    code, out, _ = run(["reproduce", "--quick"])
    assert code == 1
    assert out.splitlines()[-1] == "verdict: differs: 1 + 1 (expected reproduced)"
    toy_registry(_toy(True))
    assert run(["reproduce", "--quick"])[0] == 0


def test_reproduce_list_and_unknown_names():
    code, out, _ = run(["reproduce", "--list"])
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["name", "paper", "claim"]
    for name, rep in reproductions().items():
        assert any(l.startswith(name + " ") and l.rstrip().endswith(rep.full_time) for l in out.splitlines()), name
    code, out, err = run(["reproduce", "no-such-paper"])
    assert code == 2 and out == ""
    assert err == f"deconfuse: error: no reproduction 'no-such-paper'; the reproductions are: {', '.join(reproductions())}\n"


def test_reproduce_json():
    code, out, _ = run(["reproduce", "beirami", "--quick", "--json"])
    data = json.loads(out)
    assert code == 0 and data["summary"] == {"total": 1, "as_expected": 1, "reproduced": 1, "unexpected": [],
                                         "unexpected_count": 0}
    assert data["entries"][0]["comparisons"][0]["row"][0] == "KL(best-of-1 || uniform k=2)"


def test_reproduce_out_writes_the_section(tmp_path):
    folder = tmp_path / "r"
    code, out, _ = run(["reproduce", "taylor", "--quick", "--out", str(folder)])
    assert code == 0 and out.rstrip().endswith("index.md")
    names = {p.name for p in folder.iterdir()}
    assert {"reproductions.json", "reproductions.csv", "reproduction-taylor.json", "reproduction-taylor.csv",
            "reproduction-taylor.png", "reproduction-taylor.svg", "index.md", "index.html"} <= names
    assert [e["name"] for e in read_manifest(folder)["entries"]] == ["reproductions", "reproduction-taylor"]
    markdown = (folder / "index.md").read_text(encoding="utf-8")
    assert "## Reproductions\n" in markdown and "| quantity | paper | ours | criterion | agrees | note |" in markdown
    saved = json.loads((folder / "reproduction-taylor.json").read_text(encoding="utf-8"))
    assert saved["verdict"] == "reproduced" and saved["data"]["cases"] == 1089


def test_the_section_readings_are_traceable_and_a_figureless_entry_is_a_table(toy_registry):
    toy_registry(_toy(False))
    data = reproductions_data()
    summary, entry = reproductions_artifacts(data)
    assert summary.table[1] == [["toy", "A. Author 2020", "differs", "reproduced", "NO", ""]]
    assert summary.reading.sentences[1] == ("1 unexpected (toy); each entry's table below shows the paper's value "
                                            "beside ours with the criterion.")
    assert entry.figures == [] and entry.table[1] == [["1 + 1", "2", "3", "equal", "NO", ""]]
    assert entry.reading.sentences[0] == ("A. Author 2020: 0 of 1 comparisons agree, so the verdict of the quick "
                                          "run is differs (expected reproduced).")
    for artifact in (summary, entry):
        assert len(artifact.reading.sentences) == 2
        assert check_reading(artifact.reading, artifact.data) == []


def test_the_entry_figure_is_drawn_from_the_saved_data(toy_registry):
    drawn = []
    toy_registry(_toy(True, figure=lambda outcome, ax: drawn.append((outcome.data["x"], ax.plot(outcome.data["x"])))))
    (entry,) = reproductions_artifacts(reproductions_data())[1:]
    assert [stem for stem, _, _ in entry.figures] == ["reproduction-toy"] and drawn[0][0] == [1, 2]


def test_report_reproductions_from_the_catalogue(tmp_path):
    code, out, err = run(["report", "reproductions", "--names", "beirami", "--out", str(tmp_path / "r")])
    assert code == 0, err
    assert [e["name"] for e in read_manifest(tmp_path / "r")["entries"]] == ["reproductions", "reproduction-beirami"]
