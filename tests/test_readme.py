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


def _agent_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Adding an agent"):text.index("## Layout")]


def test_the_adding_an_agent_example_is_the_file_it_names():
    section = _agent_section()
    block = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    assert block == (README.parent / "examples" / "satisficer.py").read_text(encoding="utf-8")


def test_the_adding_an_agent_commands_run_as_documented(monkeypatch, capsys):
    from deconfuse.cli import main

    monkeypatch.chdir(README.parent)
    commands = re.findall(r"```\n(deconfuse .*?)```", _agent_section(), re.S)[0]
    outputs = []
    for line in commands.splitlines():
        argv = line.split("#")[0].split()
        assert argv[0] == "deconfuse"
        assert main(argv[1:]) == 0, line
        outputs.append(capsys.readouterr().out)
    half, three, check, _ = outputs
    rows = {line.split()[0]: line.split()[1:4] for line in half.splitlines()[3:5]}
    assert rows["examples/satisficer.py::Satisficer:threshold=1/2"] == rows["argmax"]
    assert three.splitlines()[4].split()[1:4] == ["-10", "-10", "22.8578"]  # as the README says
    assert check.splitlines()[-1] == "examples/satisficer.py::Satisficer:threshold=1/2: conforms"


def test_the_satisficer_takes_the_first_action_within_the_threshold():
    from fractions import Fraction

    from property_tests.loading import import_user_file
    from theory.examples import two_state
    from theory.solvers import solve

    module = import_user_file(README.parent / "examples" / "satisficer.py", "agent")
    mdp = two_state()
    q = solve(mdp, "proxy").q_values
    gap = q[0].max() - q[0].min()  # in s0 the worse action is `gap` below the best
    near = module.Satisficer(threshold=gap).policy(mdp)
    far = module.Satisficer(threshold=gap - Fraction(1, 1000)).policy(mdp)
    assert near.action_labels()[0] == mdp.actions[0]  # the first action is within reach
    assert far.action_labels()[0] == mdp.actions[int(q[0].argmax())] != mdp.actions[0]
