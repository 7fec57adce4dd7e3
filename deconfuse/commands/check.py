"""``deconfuse check [NAME|PATH.py[::NAME] ...]``: check conjectures on generated MDPs, print
and save the shrunk counterexamples, each drawn as a graph beside its file."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

from theory.errors import InvalidFile

__all__ = ["NAME", "DEFAULT_COUNTEREXAMPLES", "add_parser", "run"]

NAME = "check"
#: Where counterexamples are saved when ``--out`` is not given.
DEFAULT_COUNTEREXAMPLES = "counterexamples"


def add_parser(subparsers: Any) -> None:
    """Add ``check`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="check conjectures on generated MDPs; shrink counterexamples")
    p.add_argument("names", nargs="*", metavar="NAME|PATH.py[::NAME]",
                   help="suite conjectures or a user's file (default: the whole suite)")
    p.add_argument("--examples", type=int, default=None, metavar="N", help="examples per conjecture")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed (default 0)")
    p.add_argument("--out", default=DEFAULT_COUNTEREXAMPLES, metavar="DIR",
                   help=f"where counterexamples are saved (default {DEFAULT_COUNTEREXAMPLES}/)")
    p.add_argument("--list", action="store_true", help="list the conjectures with statements and expectations")


def run(args: argparse.Namespace) -> int:
    """Check conjectures (suite names, PATH.py or PATH.py::NAME); exit 0 iff every verdict
    matches its declared expectation."""
    from property_tests.engine import check, describe_counterexample, load_conjectures, save_counterexample

    conjectures = load_conjectures(args.names)
    if args.list:
        for c in conjectures:
            print(f"{c.name} [{c.kind}, expect {c.expect}]: {c.statement}")
        return 0
    all_match = True
    for c in conjectures:
        verdict = check(c, examples=args.examples, seed=args.seed)
        print(verdict.line(), flush=True)
        if verdict.counterexample is not None:
            print(f"  claim: {c.statement}")
            print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
            reference = c.source if "::" in c.source else c.name
            path = save_counterexample(verdict, Path(args.out), reference)
            print(f"  saved: {path}")
            for drawing in _draw_counterexample(verdict.counterexample, reference, path):
                print(f"  graph: {drawing}")
            print(f"  replay: deconfuse replay {path}")
        all_match &= verdict.matches
    return 0 if all_match else 1


def _draw_counterexample(arguments: dict[str, Any], reference: str, path: Path) -> list[Path]:
    """Draw every MDP among a counterexample's ``arguments`` as a graph, saved beside its file
    ``path`` as ``STEM.ARGUMENT.graph.png`` (and ``.svg``); returns the PNG paths. A
    counterexample without an MDP is refused as ``deconfuse report graph FILE`` refuses it."""
    from reports.document import save_figure
    from reports.graph import argument_mdps, graph_data, graph_figure

    mdps = argument_mdps(arguments, reference)
    if not mdps:
        raise InvalidFile(f"{path}: the counterexample has no MDP argument to draw")
    out = []
    stem = path.name.removesuffix(".counterexample.json")
    for title, mdp in mdps:
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title.split(": ", 1)[-1]).strip("-")
        out.extend(save_figure(graph_figure(graph_data(mdp, title)), path.parent, f"{stem}.{slug}.graph")[:1])
    return out
