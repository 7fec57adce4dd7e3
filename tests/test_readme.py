"""The README's Python tour runs and gives the values its comments state (worked out by hand in
tests/test_theory_values.py: v* = (810/91, 10) under "true", uniform return 405/191)."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_python_tour_runs_as_documented():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    namespace: dict = {}
    exec(blocks[0], namespace)  # noqa: S102 - our own README
    assert namespace["sol"].values.tolist() == [Fraction(810, 91), Fraction(10)]
    assert namespace["sol"].argmax == (("go",), ("stay",))
    from theory import Policy, expected_return

    assert expected_return(namespace["mdp"], Policy.uniform(namespace["mdp"]), "true") == Fraction(405, 191)


def test_the_user_conjecture_example_is_refuted(tmp_path, capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    user = tmp_path / "my_claims.py"
    user.write_text(blocks[1].replace("# my_claims.py\n", ""))
    from deconfuse.cli import main

    assert main(["check", f"{user}::my_claim", "--out", str(tmp_path / "cex"), "--examples", "100"]) == 0
    assert "my_claim: refuted [ok]" in capsys.readouterr().out
