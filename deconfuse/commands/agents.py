"""``deconfuse agents [NAME]``: list the registered agents, or one agent's parameters (from
its signature and docstring, :mod:`deconfuse.parameters`)."""

from __future__ import annotations

import argparse
from typing import Any

import agents
from agents.registry import factory
from deconfuse.parameters import format_parameters

__all__ = ["NAME", "add_parser", "run"]

NAME = "agents"


def add_parser(subparsers: Any) -> None:
    """Add ``agents`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="list the registered agents, or one agent's parameters")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="show this agent's parameters: type, default and description")


def run(args: argparse.Namespace) -> int:
    """Print every registered agent with its one-line description, or NAME's parameters."""
    if args.name is not None:
        name, make, summary = factory(args.name)
        print(format_parameters(name, summary, make))
        return 0
    for name, doc in agents.describe():
        print(f"{name:24s} {doc}")
    return 0
