"""``deconfuse envs [NAME]``: list the registered environments, or one environment's parameters
(from its builder's signature and docstring, :mod:`deconfuse.parameters`)."""

from __future__ import annotations

import argparse
from typing import Any

import environments
from deconfuse.parameters import format_parameters

__all__ = ["NAME", "add_parser", "run"]

NAME = "envs"


def add_parser(subparsers: Any) -> None:
    """Add ``envs`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="list the registered environments, or one environment's parameters")
    p.add_argument("name", nargs="?", metavar="NAME",
                   help="show this environment's parameters: type, default and description")


def run(args: argparse.Namespace) -> int:
    """Print every registered environment with its one-line description, or NAME's parameters."""
    if args.name is not None:
        summaries = dict(environments.describe())
        build = environments.builder(args.name)
        name = next(n for n in summaries if environments.builder(n) is build)
        print(format_parameters(name, summaries[name], build))
        return 0
    for name, doc in environments.describe():
        print(f"{name:22s} {doc}")
    return 0
