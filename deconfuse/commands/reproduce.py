"""``deconfuse reproduce [NAME ...] [--quick] [--out DIR] [--force] [--list] [--json]``: run
the reproduction suite (:mod:`property_tests.reproductions`) and print, per entry, the paper and
its claim, the side-by-side table (quantity | paper | ours | criterion | agrees), the details
assumed where the paper is silent, and the verdict ("reproduced", or "differs: " with the
comparisons that do not agree).

Exit status 0 when every verdict is the entry's declared ``expect``, 1 otherwise; an unknown
NAME is one line listing the names (exit status 2). ``--list`` lists the entries (name, paper,
claim, the full version's time); ``--json`` prints the outcomes as JSON data instead of tables;
``--out DIR`` also writes the "Reproductions" report section (:mod:`reports.reproductions`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from deconfuse.arguments import check_out
from deconfuse.text import option_error, table

__all__ = ["NAME", "add_parser", "run", "describe"]

NAME = "reproduce"


def add_parser(subparsers: Any) -> None:
    """Add ``reproduce`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="recompute the papers' claims and numbers beside deconfuse's",
                              description="Run the reproduction suite: each paper's definitions, experiment and "
                                          "numbers beside deconfuse's, with a verdict (exit 0 when every verdict "
                                          "is the declared one).")
    p.add_argument("names", nargs="*", metavar="NAME", help="reproductions to run (default: all; see --list)")
    p.add_argument("--quick", action="store_true", help="the quick versions (seconds each, as in CI and the demo)")
    p.add_argument("--list", action="store_true", help="list the reproductions and exit")
    p.add_argument("--json", action="store_true", help="print the outcomes as JSON data")
    p.add_argument("--out", metavar="DIR", help="also write the 'Reproductions' report section into DIR")
    p.add_argument("--force", action="store_true", help="write into a non-empty folder that is not an earlier report")


def describe(reproduction: Any, outcome: Any) -> str:
    """The text of one outcome: header (paper, claim), table, assumed details, verdict.

    >>> from property_tests.reproductions import Comparison, Outcome, Reproduction
    >>> toy = Reproduction("toy", "A. Author 2020", "1 + 1 = 2", "adds", lambda quick: Outcome(
    ...     "toy", (Comparison.exact("1 + 1", 2, 3),), assumed=("integers",)))
    >>> print(describe(toy, toy(True)))
    toy: A. Author 2020
      claim: 1 + 1 = 2
    quantity  paper  ours  criterion  agrees
    --------  -----  ----  ---------  ------
    1 + 1     2      3     equal      NO
    assumed: integers
    verdict: differs: 1 + 1 (expected reproduced)
    """
    rows = [c.row() for c in outcome.comparisons]
    lines = [f"{reproduction.name}: {reproduction.paper}", f"  claim: {reproduction.claim}",
             table(rows, ["quantity", "paper", "ours", "criterion", "agrees"])]
    lines += [f"assumed: {a}" for a in outcome.assumed]
    verdict = outcome.verdict
    if verdict == "differs":
        verdict += ": " + "; ".join(c.quantity for c in outcome.differences)
    lines.append(f"verdict: {verdict} (expected {reproduction.expect})")
    return "\n".join(lines)


def _list(chosen: list[Any]) -> int:
    rows = [(r.name, r.paper, r.claim, r.full_time or "-") for r in chosen]
    print(table(rows, ["name", "paper", "claim", "full run"]))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the chosen reproductions; exit 0 iff each verdict is the entry's ``expect``."""
    from property_tests.reproductions import get, reproductions

    chosen = [get(n) for n in args.names] if args.names else list(reproductions().values())
    if args.list:
        return _list(chosen)
    folder = Path(check_out(args.out)) if args.out is not None else None
    outcomes = {}
    for k, rep in enumerate(chosen):
        outcome = rep(args.quick)
        outcomes[rep.name] = outcome
        if not args.json:
            print(("\n" if k else "") + describe(rep, outcome), flush=True)
    if args.json or folder is not None:
        from reports.reproductions import reproductions_data

        data = reproductions_data([r.name for r in chosen], args.quick, outcomes)
        if args.json:
            print(json.dumps(data, indent=1, ensure_ascii=False))
        if folder is not None:
            _write(folder, data, args)
    return 0 if all(outcomes[r.name].verdict == r.expect for r in chosen) else 1


def _write(folder: Path, data: dict[str, Any], args: argparse.Namespace) -> None:
    from reports.document import staged_report, write_artifact
    from reports.reproductions import reproductions_artifacts

    try:
        with staged_report(folder, args.force) as (staging, manifest):
            for artifact in reproductions_artifacts(data):
                write_artifact(staging, artifact, manifest)
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    if not args.json:
        print(f"\nwrote the Reproductions section: {folder / 'index.html'} and {folder / 'index.md'}")
