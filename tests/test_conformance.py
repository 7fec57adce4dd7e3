"""The public conformance check: ``check_agent`` and ``deconfuse check-agent``; a conforming
agent passes, a cheating or float-returning one fails with the clause named and its minimal
model shown."""

from __future__ import annotations

import textwrap

import pytest

from agents import Argmax
from deconfuse.cli import main
from property_tests.conformance import CLAUSES, check_agent

AGENTS = '''
import dataclasses

from agents import AgentResult, Argmax, BaseAgent, Cost
from theory.metrics import optimal_return


class Peek:
    """A behaviour that reports the best return of the true reward, whatever it is asked."""

    def __init__(self, mdp):
        self.mdp = mdp

    def expected_return(self, reward):
        return optimal_return(self.mdp, "true")


@dataclasses.dataclass(frozen=True)
class Cheat(BaseAgent):
    name: str = "cheat"

    def run(self, mdp, objective=None):
        return AgentResult(Peek(mdp), Cost())


@dataclasses.dataclass(frozen=True)
class Floaty(BaseAgent):
    name: str = "floaty"

    def run(self, mdp, objective=None):
        result = Argmax().run(mdp, objective)
        return dataclasses.replace(result, behaviour=result.behaviour.to_float())


@dataclasses.dataclass(frozen=True)
class NegativeCost(BaseAgent):
    name: str = "negative"

    def run(self, mdp, objective=None):
        return dataclasses.replace(Argmax().run(mdp, objective), cost=Cost(decision=-1))


GOOD = Argmax(tie="first")
'''


@pytest.fixture
def agent_file(tmp_path):
    path = tmp_path / "agents_under_test.py"
    path.write_text(textwrap.dedent(AGENTS))
    return path


def test_the_argmax_conforms_on_every_clause():
    result = check_agent(Argmax, examples=10)
    assert result.passed and [v.conjecture.name for v in result.verdicts] == list(CLAUSES)


def test_the_command_passes_a_conforming_agent_from_a_file(agent_file, capsys):
    assert main(["check-agent", f"{agent_file}::GOOD", "--examples", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:len(CLAUSES)] == [f"{c}: holds (10 models)" for c in CLAUSES]
    assert out[-1] == f"{agent_file}::GOOD: conforms"


def test_a_registered_spec_is_checked_too(capsys):
    assert main(["check-agent", "quantiliser:q=1/2", "--examples", "5"]) == 0


def test_an_agent_that_reads_the_true_reward_beats_the_argmax_and_fails(agent_file, capsys):
    assert main(["check-agent", f"{agent_file}::Cheat"]) == 1
    out = capsys.readouterr().out
    assert "never_beats_argmax: fails\n  clause: J_proxy(agent) <= J_proxy(argmax) on discounted models\n" in out
    # the shrunk model: one state, one action, the true reward above the proxy's
    assert "    s0    a0     s0 1       0    -1\n" in out
    assert "    agent = 0\n    optimum = -1\n" in out
    assert "exact_in_exact_out: holds" in out
    assert out.endswith("Cheat: 4 clause(s) fail\n")


@pytest.mark.parametrize("name, clause", [("Floaty", "exact_in_exact_out"), ("NegativeCost", "costs_are_counted")])
def test_a_float_policy_on_exact_input_or_a_negative_cost_fails_its_clause(agent_file, name, clause):
    from property_tests.loading import load_agent

    result = check_agent(load_agent(f"{agent_file}::{name}"), examples=10)
    assert [v.conjecture.name for v in result.failures] == [clause]
    assert result.failures[0].counterexample["mdp"].S >= 1


def test_skipping_a_kind_of_model_and_float_output(agent_file):
    from property_tests.loading import load_agent

    floaty = load_agent(f"{agent_file}::Floaty")
    assert check_agent(floaty, examples=5, exact=False).passed
    names = [v.conjecture.name for v in check_agent(Argmax(), examples=3, finite_horizon=False).verdicts]
    assert names == ["never_beats_argmax", "exact_in_exact_out", "costs_are_counted", "respects_action_sets"]


@pytest.mark.parametrize("argv, message", [
    (["check-agent", "nope"], "agent 'nope' is not registered"),
    (["check-agent", "{dir}/none.py::X"], "agent file '{dir}/none.py' does not exist"),
    (["check-agent", "argmax", "--examples", "0"], "--examples is 0, not a positive integer"),
])
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, message):
    assert main([a.format(dir=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message.format(dir=tmp_path) in err
