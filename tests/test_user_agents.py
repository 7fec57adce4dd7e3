"""Agents from a user's file: ``deconfuse compare TARGET --agents PATH.py::NAME[:key=value,...]``
loads a class (made with the SPEC's parameters) or an instance, with the file's folder
importable; every bad reference is one line with exit status 2."""

from __future__ import annotations

import json
import textwrap

import pytest

from deconfuse.cli import main

AGENT_FILE = '''
import dataclasses
from fractions import Fraction

from agents import Argmax, BaseAgent
from helper import TIE


@dataclasses.dataclass(frozen=True, repr=False)
class Scaled(BaseAgent):
    """The argmax, told its scale (a Fraction, as a SPEC writes it)."""

    scale: Fraction = Fraction(1)
    name: str = "scaled"

    def run(self, mdp, objective=None):
        if not isinstance(self.scale, Fraction):
            raise TypeError(f"scale is {self.scale!r}, not a Fraction")
        return Argmax(tie=TIE).run(mdp, objective)


INSTANCE = Scaled(scale=Fraction(3))
NOT_AN_AGENT = 3
'''


@pytest.fixture
def agent_file(tmp_path):
    (tmp_path / "helper.py").write_text('TIE = "first"\n')
    path = tmp_path / "my_agent.py"
    path.write_text(textwrap.dedent(AGENT_FILE))
    return path


def test_compare_runs_a_class_and_an_instance_from_a_file_beside_registered_specs(agent_file, capsys):
    agents = f"argmax:tie=first,{agent_file}::Scaled:scale=1/2,{agent_file}::INSTANCE,uniform"
    assert main(["compare", "lava-test", "--agents", agents, "--json"]) == 0
    rows = {row["agent"]: row for row in json.loads(capsys.readouterr().out)}
    assert list(rows) == ["argmax:tie=first", f"{agent_file}::Scaled:scale=1/2", f"{agent_file}::INSTANCE", "uniform"]
    first, scaled, instance = (rows[k] for k in list(rows)[:3])
    # the user's agent is the first-tie argmax (its TIE comes from helper.py beside it)
    for key in ("objective_return", "true_return", "true_regret"):
        assert scaled[key] == instance[key] == first[key]


def test_a_file_spec_converts_its_parameters_like_a_registered_spec(agent_file):
    from property_tests.loading import load_agent
    from fractions import Fraction

    assert load_agent(f"{agent_file}::Scaled:scale=1/2").scale == Fraction(1, 2)
    assert load_agent(f"{agent_file}::Scaled:scale=2").scale == Fraction(2)
    assert load_agent(f"{agent_file}::INSTANCE").scale == Fraction(3)


@pytest.mark.parametrize("reference, message", [
    ("{dir}/none.py::Scaled", "agent file '{dir}/none.py' does not exist"),
    ("{file}::Nope", "{file} has no 'Nope' (its classes: Scaled)"),
    ("{file}::NOT_AN_AGENT", "{file}::NOT_AN_AGENT is not an agent: it lacks name (str), run(mdp, objective), "
                             "policy(mdp, objective)"),
    ("{file}::Scaled:bad=1", "agent '{file}::Scaled' has no parameter 'bad' (parameters: scale)"),
    ("{file}::Scaled:scale=x", "agent {file}::Scaled: parameter scale is 'x', not Fraction"),
    ("{file}::Scaled:scale=true", "agent {file}::Scaled: parameter scale is True, not Fraction"),
    ("{file}::Scaled:scale=", "parameter 'scale=' has no value"),
    ("{file}::INSTANCE:scale=1", "agent {file}::INSTANCE is an instance; it takes no parameters (got scale)"),
    ("{file}", "agent spec '{file}' is not PATH.py::NAME[:key=value,...]"),
])
def test_bad_agent_references_are_one_line_exit_2(agent_file, capsys, reference, message):
    fill = {"dir": agent_file.parent, "file": agent_file}
    assert main(["compare", "lava-test", "--agents", "argmax," + reference.format(**fill)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("deconfuse: error: ")
    assert message.format(**fill) in err


def test_a_file_that_does_not_import_is_one_line(tmp_path, capsys):
    bad = tmp_path / "broken.py"
    bad.write_text("import no_such_module_here\n")
    assert main(["compare", "lava-test", "--agents", f"{bad}::X"]) == 2
    err = capsys.readouterr().err
    assert err == (f"deconfuse: error: agent file '{bad}' does not import: "
                   "ModuleNotFoundError: No module named 'no_such_module_here'\n")


def test_the_registry_refuses_a_file_spec_with_a_pointer_to_the_loader():
    import agents
    from theory.errors import InvalidArgument

    with pytest.raises(InvalidArgument, match="load it with property_tests.loading.load_agent"):
        agents.get("mine.py::Mine")
