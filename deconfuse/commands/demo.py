"""``deconfuse demo [--out DIR] [--quick] [--force]``: the headline report
(:func:`reports.demo.run_demo`): every report of the catalogue's demo and the conjecture suite's
verdicts, written as DIR/index.html and DIR/index.md."""

from __future__ import annotations

import argparse
from typing import Any

from deconfuse.arguments import add_folder_arguments, check_out
from deconfuse.text import option_error

__all__ = ["NAME", "FULL_TIME", "QUICK_TIME", "add_parser", "run"]

NAME = "demo"
#: How long ``deconfuse demo`` and ``deconfuse demo --quick`` take on 2 cores, as measured with
#: ``time`` on an otherwise idle machine (28 s and 22 s; the reproductions and the conjecture
#: suite run in two worker processes beside the figures); the README states the same.
FULL_TIME = "about 45 s"
QUICK_TIME = "about 35 s"


def add_parser(subparsers: Any) -> None:
    """Add ``demo`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="the headline report: every figure and the conjecture suite's verdicts",
                              description="Write the headline report (Goodhart curves, prevalence, shift, cost, "
                                          f"theory, verdicts) as DIR/index.html and DIR/index.md ({FULL_TIME} on "
                                          "2 cores).")
    add_folder_arguments(p)
    p.add_argument("--quick", action="store_true",
                   help=f"a smaller run ({QUICK_TIME} instead of {FULL_TIME} on 2 cores)")


def run(args: argparse.Namespace) -> int:
    """The headline report: Goodhart curves, prevalence, shift, cost, theory and the
    conjecture suite's verdicts, written as an HTML and Markdown report."""
    from reports.demo import run_demo

    check_out(args.out)
    try:
        run_demo(args.out, quick=args.quick, force=args.force, progress=lambda line: print(line, flush=True))
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    return 0
