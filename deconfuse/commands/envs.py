"""``deconfuse envs``: list the registered environments."""

from __future__ import annotations

import argparse
from typing import Any

import environments

__all__ = ["NAME", "add_parser", "run"]

NAME = "envs"


def add_parser(subparsers: Any) -> None:
    """Add ``envs`` to the subcommands."""
    subparsers.add_parser(NAME, help="list the registered environments")


def run(args: argparse.Namespace) -> int:
    """Print every registered environment with its one-line description."""
    for name, doc in environments.describe():
        print(f"{name:22s} {doc}")
    return 0
