"""``deconfuse replay FILE``: re-check a counterexample saved by ``deconfuse check``."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["NAME", "add_parser", "run"]

NAME = "replay"


def add_parser(subparsers: Any) -> None:
    """Add ``replay`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="re-check a saved counterexample exactly")
    p.add_argument("file", metavar="FILE", help="a NAME.counterexample.json written by deconfuse check")


def run(args: argparse.Namespace) -> int:
    """Re-check a saved counterexample; exit 0 iff the verdict is the recorded one."""
    from property_tests.engine import describe_counterexample, replay

    verdict, recorded = replay(args.file)
    print(f"{verdict.conjecture.name}: {verdict.verdict} on the saved case (recorded: {recorded})")
    if verdict.verdict == "refuted":
        print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
    return 0 if verdict.verdict == recorded else 1
