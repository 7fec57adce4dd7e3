"""Every registered agent and environment documents each of its parameters, and only those.

``deconfuse agents NAME`` / ``deconfuse envs NAME`` print each parameter's description from
the numpy ``Parameters`` section of the factory's docstring (:mod:`deconfuse.parameters`); a
parameter the section does not describe prints "-", and a section entry naming no parameter
is stale. Both are checked here for every registered factory, through the same functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from agents import registry as agent_registry  # importing the packages fills the registries
from deconfuse.parameters import docstring_parameters, parameter_docs
from environments import registry as env_registry

# documented by the integrator
UNDOCUMENTED: frozenset[str] = frozenset()


def _problems(factory: Callable[..., Any]) -> dict[str, list[str]]:
    """{"undescribed": parameters printed with "-", "stale": section entries that are no
    parameter of the factory}."""
    docs = parameter_docs(factory)
    names = {d.name for d in docs}
    described = docstring_parameters(inspect.getdoc(factory) or "")
    return {
        "undescribed": [d.name for d in docs if d.description == "-"],
        "stale": [k for k in described if k not in names],
    }


AGENTS = [n for n in agent_registry.names() if n not in UNDOCUMENTED]
ENVIRONMENTS = [n for n in env_registry.names() if n not in UNDOCUMENTED]


def test_exemptions_are_registered() -> None:
    """Every exempted name is a registered agent or environment (a stale exemption would
    silently hide nothing, or hide a renamed factory)."""
    registered = set(agent_registry.names()) | set(env_registry.names())
    assert sorted(UNDOCUMENTED - registered) == []


@pytest.mark.parametrize("name", AGENTS)
def test_agent_parameters_documented(name: str) -> None:
    factory = agent_registry.factory(name)[1]
    assert _problems(factory) == {"undescribed": [], "stale": []}


@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_environment_parameters_documented(name: str) -> None:
    assert _problems(env_registry.builder(name)) == {"undescribed": [], "stale": []}


def test_the_check_finds_both_faults() -> None:
    """A factory with one undescribed parameter and one stale entry, written by hand: the
    check names exactly those."""

    def build(size: int = 3, slip: float = 0.0) -> None:
        """A builder.

        Parameters
        ----------
        size : int
            The side of the grid.
        walls
            A parameter that was removed.

        Notes
        -----
        A later section ends the Parameters section.
        """

    assert _problems(build) == {"undescribed": ["slip"], "stale": ["walls"]}


def test_descriptions_are_the_docstring_text() -> None:
    """The printed description is the docstring entry joined on one line (not a second copy):
    a two-line entry of the random MDP, read back verbatim."""
    docs = {d.name: d.description for d in parameter_docs(env_registry.builder("random"))}
    assert docs["initial"] == ('"uniform" (default): start uniformly over the states, exactly 1/S each; '
                               '"first": start in "s0".')
