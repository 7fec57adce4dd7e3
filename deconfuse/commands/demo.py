"""``deconfuse demo [--out DIR] [--quick] [--force]``: the headline report
(:func:`reports.demo.run_demo`): every report of the catalogue's demo and the conjecture suite's
verdicts, written as DIR/index.html and DIR/index.md."""

from __future__ import annotations

import argparse
from typing import Any

from deconfuse.arguments import add_folder_arguments
from deconfuse.text import option_error

__all__ = ["NAME", "add_parser", "run"]

NAME = "demo"


def add_parser(subparsers: Any) -> None:
    """Add ``demo`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="the headline report: every figure and the conjecture suite's verdicts",
                              description="Write the headline report (Goodhart curves, prevalence, shift, cost, "
                                          "theory, verdicts) as DIR/index.html and DIR/index.md.")
    add_folder_arguments(p)
    p.add_argument("--quick", action="store_true", help="a smaller run (about 20 s instead of about a minute)")


def run(args: argparse.Namespace) -> int:
    """The headline report: Goodhart curves, prevalence, shift, cost, theory and the
    conjecture suite's verdicts, written as an HTML and Markdown report."""
    from reports.demo import run_demo

    try:
        run_demo(args.out, quick=args.quick, force=args.force, progress=lambda line: print(line, flush=True))
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    return 0
