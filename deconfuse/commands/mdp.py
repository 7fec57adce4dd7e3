"""``deconfuse mdp TARGET --out FILE.json``: write TARGET as an MDP JSON file."""

from __future__ import annotations

import argparse
from typing import Any

from deconfuse.arguments import add_target_arguments, check_out
from deconfuse.targets import load_target
from deconfuse.text import option_error
from theory.io import save_mdp

__all__ = ["NAME", "add_parser", "run"]

NAME = "mdp"


def add_parser(subparsers: Any) -> None:
    """Add ``mdp`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="write TARGET as an MDP JSON file")
    add_target_arguments(p)
    p.add_argument("--out", required=True, metavar="FILE.json")


def run(args: argparse.Namespace) -> int:
    """Write TARGET as an MDP JSON file (exact numbers as "p/q")."""
    check_out(args.out, "file")
    mdp = load_target(args.target, args.param)
    try:
        path = save_mdp(mdp, args.out)
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    print(f"wrote {path} ({mdp.S} states, {mdp.A} actions)")
    return 0
