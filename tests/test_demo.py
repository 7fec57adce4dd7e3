"""Tests of ``deconfuse demo`` and ``deconfuse report``: the written report, its readings
against the saved data, and the refusal to write into someone else's folder.

One quick demo (about 20 s) is run for the module, into a folder that already holds an earlier
report (so accepting an earlier report is tested by the same run).
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import re
from html.parser import HTMLParser

import pytest

from deconfuse.cli import main
from property_tests.reproductions import reproductions
from reports.document import MARKER, Reading, check_reading, read_manifest


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo") / "report"
    code, _, _ = run(["report", "theory", "--out", str(folder), "--n", "1,2", "--q", "1", "--outcomes", "3"])
    assert code == 0 and (folder / MARKER).is_file()
    code, out, err = run(["demo", "--quick", "--out", str(folder)])
    return folder, code, out, err


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("src", "href") and value:
                self.refs.append(value)


def test_demo_accepts_an_earlier_report_and_prints_progress(demo):
    folder, code, out, err = demo
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("deconfuse demo (quick)")
    assert [l.split("]")[0] for l in lines if l.startswith("[")] == [f"[{k}/9" for k in range(1, 10)]
    assert lines[-1].startswith("wrote ") and "index.html" in lines[-1]
    names = [e["name"] for e in read_manifest(folder)["entries"]]
    reproduced = [f"reproduction-{name}" for name in reproductions()]  # the quick versions of the suite
    assert names == ["goodhart-curves", "prevalence", "shift", "cost", "spectrum", "amortised", "theory", "reproductions", *reproduced,
                     "verdicts"]


def test_every_reference_of_the_index_exists(demo):
    folder = demo[0]
    parser = _Refs()
    parser.feed((folder / "index.html").read_text(encoding="utf-8"))
    images = [r for r in parser.refs if r.endswith(".png")]
    drawn = sum(rep.figure is not None for rep in reproductions().values())
    assert len(images) == 8 + drawn  # goodhart, prevalence, shift x2, cost, spectrum, amortised, theory; one per reproduction
    for ref in parser.refs:
        assert (folder / ref).is_file(), ref
        assert (folder / ref).stat().st_size > 0, ref
    for ref in re.findall(r"\]\(([^)]+)\)", (folder / "index.md").read_text(encoding="utf-8")):
        assert (folder / ref).is_file(), ref


def test_stated_numbers_match_the_saved_data(demo):
    folder = demo[0]
    page = (folder / "index.html").read_text(encoding="utf-8")
    markdown = (folder / "index.md").read_text(encoding="utf-8")
    for entry in read_manifest(folder)["entries"]:
        reading = Reading.from_dict(entry["reading"])
        assert len(reading.sentences) == 2, entry["name"]
        saved = json.loads((folder / entry["data"]).read_text(encoding="utf-8"))
        assert check_reading(reading, saved) == [], entry["name"]
        assert len(reading.facts) >= 4, entry["name"]
        for fact in reading.facts:
            assert html.escape(fact.text, quote=False) in page, fact
        for sentence in reading.sentences:
            assert html.escape(sentence, quote=False) in page, sentence
            assert sentence in markdown, sentence
        # every number written in the sentences comes from a fact (or is part of a label)
        stated = set(re.findall(r"(?<![\w=./])-?\d+(?:[./]\d+)?%?", " ".join(reading.sentences)))
        facts = {t for f in reading.facts for t in re.findall(r"-?\d+(?:[./]\d+)?%?", f.text)}
        labels = {"2", "95%", "1"}  # "log 2", "95% CI", "1/q"
        assert stated - facts - labels == set(), (entry["name"], stated - facts - labels)


def test_quick_demo_data_is_what_the_reading_says(demo):
    folder = demo[0]
    curves = json.loads((folder / "goodhart-curves.json").read_text())
    quantiliser = curves["families"][0]
    true = [p["true"] for p in quantiliser["points"]]
    assert quantiliser["peak"]["true"] == max(true) and quantiliser["final"]["true"] == true[-1]
    prevalence = json.loads((folder / "prevalence.json").read_text())
    assert {c["n"] for c in prevalence["cells"]} == {100}
    assert len(prevalence["cells"]) == 16
    verdicts = json.loads((folder / "verdicts.json").read_text())
    assert verdicts["examples"] == 30 and verdicts["summary"]["total"] == len(verdicts["rows"]) >= 19
    theorems = [r for r in verdicts["rows"] if r["kind"] == "theorem"]
    assert all(r["verdict"] == "holds" for r in theorems)
    # the quick demo's verdict table shows every statement as declared (no "unexpected" row)
    assert all(r["verdict"] == r["expect"] and r["matches"] for r in verdicts["rows"])


def test_demo_refuses_a_foreign_folder_with_one_line_and_exit_2(tmp_path):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "draft.txt").write_text("keep me")
    code, out, err = run(["demo", "--quick", "--out", str(foreign)])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("deconfuse: error: ")
    assert "not a deconfuse report" in err and "--force" in err
    assert sorted(p.name for p in foreign.iterdir()) == ["draft.txt"]
    code, _, err = run(["report", "graph", "--target", "chain", "--out", str(foreign)])
    assert code == 2 and "not a deconfuse report" in err


def test_report_with_force_writes_into_a_foreign_folder(tmp_path):
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "draft.txt").write_text("keep me")
    code, out, err = run(["report", "graph", "--target", "chain", "--param", "n=3", "--out", str(foreign), "--force"])
    assert code == 0, err
    assert (foreign / "draft.txt").read_text() == "keep me"
    assert {"graph-chain.png", "graph-chain.svg", "graph-chain.json", "graph-chain.csv", "index.html"} <= {
        p.name for p in foreign.iterdir()}
    data = json.loads((foreign / "graph-chain.json").read_text())
    assert data["summary"]["states"] == 3 and len(data["states"]) == 3
