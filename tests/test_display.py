"""Rich display (theory/display.py): every ``_repr_html_`` checked to the cell, with exact values,
escaping, the size limit of the tables and disabled actions; plus a property over generated
MDPs (the parsed table gives back every label and number exactly)."""

from __future__ import annotations

import base64
from fractions import Fraction as F
from html.parser import HTMLParser
from typing import Any

import numpy as np
from hypothesis import given, settings

from agents import Argmax, Uniform
from agents.compare import COMPARISON_HEADER, Comparison, compare
from property_tests.strategies import finite_mdps
from reports.document import Artifact, Reading
from theory.display import DISPLAY_LIMIT, number_text
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import solve

R = ' style="text-align:right"'


class _Tables(HTMLParser):
    """The text of every cell of every table, unescaped: tables -> rows -> cells."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self.cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def _odd_labels() -> FiniteMDP:
    """Labels with HTML's special characters; 'c&d' disabled in 's"2'."""
    return FiniteMDP(states=["<s&1>", 's"2'], actions=["a<b", "c&d"],
                     transitions={(0, 0): {1: F(1, 3), 0: F(2, 3)}, (1, 0): {1: 1}, (0, 1): {0: 1}},
                     rewards={"r<&>": [[F(1, 3), -2], [0, 0]]}, initial=[F(1, 2), F(1, 2)], discount=F(1, 2),
                     enabled={'s"2': ["a<b"]})


def test_numbers() -> None:
    assert number_text(F(2, 5)) == "2/5 (~0.4)"
    assert number_text(F(-7, 3)) == "-7/3 (~-2.33333)"
    assert number_text(F(4)) == "4" and number_text(3) == "3"
    assert number_text(0.1 + 0.2) == "0.3" and number_text(None) == "-"


def test_mdp_escaped_exact_and_disabled() -> None:
    text = _odd_labels()._repr_html_()
    assert "<s&1>" not in text and "a<b" not in text and "r<&>" not in text
    assert text.startswith("<div><p><strong>FiniteMDP</strong> (exact): S = 2 states, A = 2 actions "
                           "(1 state-action pair disabled), discount 1/2 (~0.5)</p>")
    assert ("<tr><td>&lt;s&amp;1&gt;</td><td>a&lt;b</td><td>&lt;s&amp;1&gt;: 2/3 (~0.666667), s&quot;2: 1/3 "
            f"(~0.333333)</td><td{R}>1/3 (~0.333333)</td></tr>") in text
    assert "<tr><td>s&quot;2</td><td>c&amp;d</td><td>disabled</td><td>disabled</td></tr>" in text
    initial, table = _Tables(text).tables
    assert initial == [["state", "initial probability"], ["<s&1>", "1/2 (~0.5)"], ['s"2', "1/2 (~0.5)"]]
    assert table == [
        ["state", "action", "P(s' | s, a)", "r r<&>"],
        ["<s&1>", "a<b", '<s&1>: 2/3 (~0.666667), s"2: 1/3 (~0.333333)', "1/3 (~0.333333)"],
        ["<s&1>", "c&d", "<s&1>: 1", "-2"],
        ['s"2', "a<b", 's"2: 1', "0"],
        ['s"2', "c&d", "disabled", "disabled"],
    ]


def test_mdp_float_and_horizon() -> None:
    text = two_state().to_float()._repr_html_()
    assert "(float)" in text and "discount 0.9," not in text and "discount 0.9</p>" in text
    assert f"<td>s0: 0.1, s1: 0.9</td><td{R}>0</td><td{R}>0.5</td>" in text
    finite = two_state().replace(discount=None, horizon=3)._repr_html_()
    assert "horizon 3</p>" in finite


def _chain(S: int, A: int) -> FiniteMDP:
    """S states in a cycle, every action moves to the next state; given sparse."""
    rows = {(s, a): {(s + 1) % S: 1} for s in range(S) for a in range(A)}
    return FiniteMDP([f"s{i}" for i in range(S)], [f"a{i}" for i in range(A)], rows,
                     {"true": np.full((S, A), F(1), dtype=object)}, [1] + [0] * (S - 1), discount=F(1, 2))


def test_mdp_size_limit() -> None:
    assert DISPLAY_LIMIT == 200
    small = _chain(100, 2)  # S*A = 200: shown
    tables = _Tables(small._repr_html_()).tables
    assert len(tables) == 2 and len(tables[1]) == 1 + 200
    assert tables[1][-1] == ["s99", "a1", "s0: 1", "1"]
    large = _chain(67, 3)  # S*A = 201: the summary alone
    text = large._repr_html_()
    assert "<table" not in text
    assert "S·A = 201 state-action pairs, more than 200: the transition and reward tables are not shown" in text
    assert "201 non-zero transitions" in text
    # nothing dense (nor the per-row successor lists) was built for it
    assert "transitions" not in large.__dict__ and "successors" not in large.__dict__


def test_policy() -> None:
    pi = Policy([[1, 0], ["1/3", "2/3"]], ["<x>", "y"], ["l", "r&"])
    assert pi._repr_html_() == (
        "<div><p><strong>Policy</strong> (exact, stationary): 2 states x 2 actions</p><table><thead><tr>"
        "<th>state</th><th>l</th><th>r&amp;</th></tr></thead><tbody>"
        f"<tr><td>&lt;x&gt;</td><td{R}>1</td><td{R}>0</td></tr>"
        f"<tr><td>y</td><td{R}>1/3 (~0.333333)</td><td{R}>2/3 (~0.666667)</td></tr></tbody></table></div>")
    assert "deterministic" in Policy([[0, 1]], ["s"], ["a", "b"])._repr_html_()


def test_time_dependent_policy() -> None:
    steps = [[[1, 0]], [["1/2", "1/2"]]]
    tables = _Tables(Policy(steps, ["s"], ["a", "b"])._repr_html_()).tables
    assert tables == [[["t", "state", "a", "b"], ["0", "s", "1", "0"], ["1", "s", "1/2 (~0.5)", "1/2 (~0.5)"]]]
    H = DISPLAY_LIMIT + 1  # H * S = 201 rows: step 0 and a note
    long = Policy([[[0, 1]]] + [[[1, 0]]] * (H - 1), ["s"], ["a", "b"])._repr_html_()
    assert _Tables(long).tables == [[["state", "a", "b"], ["s", "0", "1"]]]
    assert "<caption>step t = 0</caption>" in long
    assert "step t = 0 of 201 shown; all steps make 201 rows, more than 200" in long
    many = Policy.uniform(_chain(201, 1))._repr_html_()
    assert "<table" not in many and "201 states, more than 200: the table is not shown" in many


def test_solution() -> None:
    # proxy of two_state, by hand: v(s1) = 1 / (1 - 9/10) = 10; v(s0) = 1/2 + 9/10 (v(s0)/10 + 9 v(s1)/10)
    v0 = (F(1, 2) + F(81, 10)) / (1 - F(9, 100))
    tables = _Tables(solve(two_state(), "proxy")._repr_html_()).tables
    assert tables == [[["state", "optimal value", "argmax actions"], ["s0", f"{v0} (~9.45055)", "go"],
                       ["s1", "10", "stay"]]]
    # horizon 1, true reward: values are the best immediate rewards; stay and go tie in s0
    finite = solve(two_state().replace(discount=None, horizon=1), "true")._repr_html_()
    assert _Tables(finite).tables == [[["state", "optimal value", "argmax actions"], ["s0", "0", "stay go"],
                                       ["s1", "1", "stay"]]]
    assert "<caption>values and argmax at t = 0</caption>" in finite
    assert "by backward induction" in finite


def test_comparison() -> None:
    mdp = two_state()
    rows = compare(mdp, [("<argmax&>", Argmax()), ("uniform", Uniform())])
    assert isinstance(rows, Comparison) and isinstance(rows, list) and len(rows) == 2
    assert rows == list(rows) and [r.spec for r in rows[:1]] == ["<argmax&>"]
    text = rows._repr_html_()
    assert "<argmax&>" not in text and "&lt;argmax&amp;&gt;" in text
    table = _Tables(text).tables[0]
    assert tuple(table[0]) == COMPARISON_HEADER
    # argmax of the proxy (go, stay): proxy 860/91, true 810/91 (the true optimum), regret 0
    assert table[1][:4] == ["<argmax&>", "860/91 (~9.45055)", "810/91 (~8.9011)", "0"]
    assert table[2][0] == "uniform" and table[2][3] == "117855/17381 (~6.78068)"
    assert table[1][5] == str(rows[0].cost.decision_total)


def test_artifact() -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(1, 1))
    fig.add_subplot().plot([0, 1], [0, 1])
    art = Artifact("x", "Regret & <shift>", {}, [("f", fig, "a caption <b>")], {},
                   Reading(("One sentence.", "Two < three.")), table=(["k"], [["v&"]]))
    text = art._repr_html_()
    assert text.startswith("<div><h3>Regret &amp; &lt;shift&gt;</h3><p>One sentence. Two &lt; three.</p><figure>")
    prefix = '<img src="data:image/png;base64,'
    start = text.index(prefix) + len(prefix)
    png = base64.b64decode(text[start:text.index('"', start)])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    # 1 x 1 inches at the reports' 100 dpi: the PNG's IHDR width and height are 100
    assert int.from_bytes(png[16:20], "big") == int.from_bytes(png[20:24], "big") == 100
    assert "<figcaption>a caption &lt;b&gt;</figcaption>" in text
    assert text.endswith("<tbody><tr><td>v&amp;</td></tr></tbody></table></div>")


@settings(max_examples=40, deadline=None, database=None)
@given(finite_mdps(max_states=3, max_actions=3, disabled=True))
def test_mdp_table_reads_back(mdp: FiniteMDP) -> None:
    """Every state-action pair has one row; its reward cells are the rewards exactly, a disabled
    pair says so, and the successor probabilities read back to the transition row."""
    table = _Tables(mdp._repr_html_()).tables[1]
    assert len(table) == 1 + mdp.S * mdp.A
    for k, row in enumerate(table[1:]):
        s, a = divmod(k, mdp.A)
        assert row[:2] == [mdp.states[s], mdp.actions[a]]
        if not mdp.enabled[s, a]:
            assert row[2:] == ["disabled"] * (1 + len(mdp.rewards))
            continue
        rewards = [F(cell.split(" ")[0]) for cell in row[3:]]
        assert rewards == [mdp.rewards[name][s, a] for name in mdp.rewards]
        read = {}
        for part in row[2].split(", "):
            label, p = part.split(": ")
            read[mdp.states.index(label)] = F(p.split(" ")[0])
        dense = {j: p for j, p in enumerate(mdp.sparse.dense()[s, a]) if p != 0}
        assert read == dense
