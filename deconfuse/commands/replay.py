"""``deconfuse replay FILE``: re-check a counterexample saved by ``deconfuse check``, from any
folder (the file names its conjecture; a note says when the conjecture's file has changed)."""

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
    """Re-check a saved counterexample; exit 0 iff the verdict is the recorded one (for an
    error verdict: with the recorded message)."""
    from property_tests.engine import describe_counterexample, read_counterexample, replay

    saved = read_counterexample(args.file)
    _, note = saved.locate()
    if note:
        print(note)
    verdict, recorded = replay(saved)
    print(f"{verdict.conjecture.name}: {verdict.verdict} on the saved case (recorded: {recorded})")
    same = verdict.verdict == recorded
    if verdict.verdict == "error":
        print(f"  error: {verdict.error}")
        if recorded == "error" and saved.error and verdict.error != saved.error:
            print(f"  recorded error: {saved.error}")
            same = False
    if verdict.verdict == "refuted":
        print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
    return 0 if same else 1
