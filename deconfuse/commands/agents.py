"""``deconfuse agents``: list the registered agents."""

from __future__ import annotations

import argparse
from typing import Any

import agents

__all__ = ["NAME", "add_parser", "run"]

NAME = "agents"


def add_parser(subparsers: Any) -> None:
    """Add ``agents`` to the subcommands."""
    subparsers.add_parser(NAME, help="list the registered agents")


def run(args: argparse.Namespace) -> int:
    """Print every registered agent with its one-line description."""
    for name, doc in agents.describe():
        print(f"{name:24s} {doc}")
    return 0
