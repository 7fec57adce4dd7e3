"""``deconfuse agents NAME`` and ``deconfuse envs NAME``: each parameter's type and default from
the signature, its description from the docstring's numpy Parameters section."""

from __future__ import annotations

import inspect
from fractions import Fraction

import pytest

import agents
import environments
from deconfuse.cli import main
from deconfuse.parameters import docstring_parameters, parameter_docs


def _expected(factory, descriptions):
    """The lines the command must print, derived from the signature (type, default) and the
    descriptions expected from the docstring."""
    lines = []
    for p in inspect.signature(factory).parameters.values():
        if p.name == "name":
            continue
        default = format(p.default) if not isinstance(p.default, Fraction) else (
            str(p.default.numerator) if p.default.denominator == 1 else f"{p.default.numerator}/{p.default.denominator}")
        lines.append(f"  {p.name}: {p.annotation} = {default}  {descriptions[p.name]}")
    return lines


CASES = [
    ("agents", "argmax", agents.Argmax, {
        "tie": '"uniform": uniform over the exact argmax set of every state; "first": its first action in label order.',
        "method": '"exact" (policy iteration), or "value-iteration": float value iteration to ``tolerance`` '
                  "(float MDPs only).",
        "tolerance": "Stopping tolerance of value iteration (unused by the exact method).",
    }),
    ("agents", "quantiliser", agents.TimestepQuantiliser, {
        "q": 'The top fraction of the base policy kept, in (0, 1]; exact (int, Fraction, "p/q") for an exact MDP, '
             "a float on a float MDP only.",
        "base": "The base policy: None (uniform), an Agent or registered agent name (run on the same MDP and "
                "objective), or a Policy.",
        "tie": 'How actions tied in Q* at the quantile boundary share its mass: "uniform" (symmetric), '
               '"first" / "last" (filled in ascending / descending index order).',
    }),
    ("envs", "chain", environments.builder("chain"), {
        "n": "Number of states, at least 2.",
        "slip": "Probability that an action has the other action's effect.",
        "discount": "Discount factor; 9/10 unless ``horizon`` is given (Strens used 0.99).",
        "horizon": "A finite horizon instead of a discount.",
        "proxy_bonus": 'Added to the reward of the "back" effect in the proxy only.',
    }),
    ("envs", "bandit", environments.builder("bandit"), {
        "k": "Number of arms; 5, or the length of the explicit rewards.",
        "seed": "Seed of the drawn rewards and noise.",
        "noise": "Bound of the proxy noise, drawn from the multiples of 1/denominator in [-noise, noise].",
        "denominator": "Denominator of the drawn rewards and noise.",
        "true": "Explicit true rewards of the arms (exact numbers), instead of drawn ones.",
        "proxy": "Explicit proxy rewards of the arms (exact numbers), instead of true + noise.",
    }),
]


@pytest.mark.parametrize("command, name, factory, descriptions", CASES, ids=[c[1] for c in CASES])
def test_the_command_prints_every_parameter_with_type_default_and_description(
        capsys, command, name, factory, descriptions):
    assert main([command, name]) == 0
    out = capsys.readouterr().out.splitlines()
    summary = dict(agents.describe() if command == "agents" else environments.describe())[name]
    assert out[0] == f"{name}: {summary}"
    assert out[1] == "parameters:"
    assert out[2:] == _expected(factory, descriptions)


def test_argmax_lines_by_hand(capsys):
    assert main(["agents", "argmax"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("  tie: TieRule = uniform  ") and out[4].startswith("  tolerance: float = 1e-08  ")


def test_an_undescribed_parameter_shows_a_dash_and_a_required_one_says_so():
    def f(x: int, y: str = "a") -> None:
        """Summary.

        Parameters
        ----------
        y : str
            Why.
        """

    assert [d.line() for d in parameter_docs(f)] == ["x: int = (required)  -", "y: str = a  Why."]
    assert docstring_parameters("No sections.") == {}


@pytest.mark.parametrize("command, name, message", [
    ("agents", "nope", "agent 'nope' is not registered"),
    ("envs", "nope", "unknown environment 'nope'"),
])
def test_an_unknown_name_is_one_line_exit_2(capsys, command, name, message):
    assert main([command, name]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_the_lists_are_unchanged_without_a_name(capsys):
    assert main(["agents"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("argmax ")
