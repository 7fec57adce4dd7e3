"""examples/tour.ipynb: stored clean, executed by nbclient (kernel "python3", cwd = the
repository root, the repository's packages first on the path), and its outputs checked against
values derived here by hand from the two-state model's definition (theory/examples.py)."""

from __future__ import annotations

import base64
import os
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from theory.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tour.ipynb"

#: Seconds one cell may take (the whole notebook runs in about 5 s).
CELL_TIMEOUT = 120


def test_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.id for c in code] == ["build-mdp", "solve", "policy", "compare", "check", "counterexample",
                                    "figure", "artifact", "spectrum"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert NOTEBOOK.stat().st_size < 20_000


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    """The notebook executed once; its code cells by id."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    saved = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([saved] if saved else []))
    try:
        NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    finally:
        if saved is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = saved
    return {c.id: c for c in nb.cells if c.cell_type == "code"}


def _stream(cell: Any) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def _data(cell: Any, mime: str) -> str:
    found = [o.data[mime] for o in cell.outputs if o.output_type == "execute_result" and mime in o.data]
    assert len(found) == 1, f"{cell.id}: {mime} results {len(found)}"
    return found[0]


# The two-state model by hand (theory/examples.py): discount 9/10; from s0 "go" reaches s1 with
# probability 9/10 (else s0); "stay" stays; s1 "stay" pays true 1 and stays; s1 "go" returns.
GAMMA = Fraction(9, 10)
V1 = 1 / (1 - GAMMA)  # staying in s1 forever
V0 = GAMMA * GAMMA * V1 / (1 - GAMMA * Fraction(1, 10))  # "go" from s0 until it reaches s1


def _uniform_true_value() -> Fraction:
    """v = r + gamma P v under the uniform policy, solved by Cramer's rule (2 x 2)."""
    half = Fraction(1, 2)
    p = [[half + half / 10, half * Fraction(9, 10)], [half, half]]  # P_pi rows s0, s1
    r = [Fraction(0), half]
    a, b = 1 - GAMMA * p[0][0], -GAMMA * p[0][1]
    c, d = -GAMMA * p[1][0], 1 - GAMMA * p[1][1]
    return (r[0] * d - b * r[1]) / (a * d - b * c)


def test_hand_values() -> None:
    assert V0 == Fraction(810, 91)


def test_mdp_html(executed: dict[str, Any]) -> None:
    text = _data(executed["build-mdp"], "text/html")
    assert "discount 9/10 (~0.9)" in text
    assert "<td>s0</td><td>go</td><td>s0: 1/10 (~0.1), s1: 9/10 (~0.9)</td>" in text
    # go in s0: true 0, proxy 1/2
    assert ('<td>s0: 1/10 (~0.1), s1: 9/10 (~0.9)</td><td style="text-align:right">0</td>'
            '<td style="text-align:right">1/2 (~0.5)</td>') in text


def test_exact_solution(executed: dict[str, Any]) -> None:
    cell = executed["solve"]
    assert _stream(cell) == f"optimal true value from s0: {V0} (~{float(V0):.6g})\n"
    assert f'<td>s0</td><td style="text-align:right">{V0} (~8.9011)</td><td>go</td>' in _data(cell, "text/html")
    policy = _data(executed["policy"], "text/html")
    assert "deterministic" in policy and '<td>s0</td><td style="text-align:right">0</td>' in policy


def test_comparison(executed: dict[str, Any]) -> None:
    regret = V0 - _uniform_true_value()
    assert regret == Fraction(117855, 17381)
    cell = executed["compare"]
    lines = _stream(cell).splitlines()
    assert lines == ["argmax true regret 0", "quantiliser:q=1/2 true regret 0",
                     f"uniform true regret {regret} (~{float(regret):.6g})"]
    table = _data(cell, "text/html")
    assert table.count("<tr>") == 1 + 3
    assert f'<td style="text-align:right">{regret} (~6.78068)</td>' in table


def test_conjecture_verdict(executed: dict[str, Any]) -> None:
    out = _stream(executed["check"])
    assert out.splitlines()[0] == "proxy_argmax_beats_uniform: refuted [ok]"
    # the counterexample shown refutes the claim: the proxy argmax's true return is below the uniform's
    numbers = re.findall(r"true return of the (?:proxy argmax|uniform policy): (-?\d+(?:/\d+)?)",
                         _stream(executed["counterexample"]))
    argmax, uniform = (Fraction(x) for x in numbers)
    assert argmax < uniform
    assert "<strong>FiniteMDP</strong> (exact)" in _data(executed["counterexample"], "text/html")


def test_figures_inline(executed: dict[str, Any]) -> None:
    cell = executed["figure"]
    # the argmax plans on the shifted layout itself: its regret is 0 by definition
    assert "argmax true regret at magnitude 1: 0\n" in _stream(cell)
    assert base64.b64decode(_data(cell, "image/png"))[:4] == b"\x89PNG"
    html = _data(executed["artifact"], "text/html")
    images = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == html.count("<figcaption>") >= 1
    assert all(base64.b64decode(x)[:4] == b"\x89PNG" for x in images)
    assert html.startswith("<div><h3>Distributional shift (lava)</h3>")


def test_spectrum(executed: dict[str, Any]) -> None:
    """The argmax of the proxy (lava pays 20) on the training layout, evaluated exactly here by a
    second route (policy iteration, then the exact return of its policy under the true reward)."""
    from environments import lava_train
    from theory.evaluation import expected_return

    train = lava_train(proxy_lava=20)
    expected = expected_return(train, solve(train, "proxy").policy, "true")
    cell = executed["spectrum"]
    out = _stream(cell).splitlines()
    assert out[0] == f"argmax in distribution: true return {expected}"
    assert out[1].startswith("In distribution (lava_train, proxy lava reward 20)")
    assert base64.b64decode(_data(cell, "image/png"))[:4] == b"\x89PNG"
