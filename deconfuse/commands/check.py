"""``deconfuse check [NAME|PATH.py[::NAME] ...] [--exhaustive ...]``: check conjectures on
generated MDPs (or on every MDP of a small class), print and save the minimal counterexamples
(and the cases an error verdict failed on), each MDP drawn as a graph beside its file, with the
command that replays it from any folder."""

from __future__ import annotations

import argparse
import os
import re
from pathlib import Path
from typing import Any

from theory.errors import DeconfuseError, InvalidArgument

__all__ = ["NAME", "DEFAULT_COUNTEREXAMPLES", "add_parser", "run"]

NAME = "check"
#: Where counterexamples are saved when ``--out`` is not given.
DEFAULT_COUNTEREXAMPLES = "counterexamples"


def add_parser(subparsers: Any) -> None:
    """Add ``check`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="check conjectures on generated MDPs; shrink counterexamples")
    p.add_argument("names", nargs="*", metavar="NAME|PATH.py[::NAME]",
                   help="suite conjectures or a user's file (default: the whole suite)")
    p.add_argument("--examples", type=int, default=None, metavar="N", help="examples per conjecture (at least 1)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed (default 0)")
    p.add_argument("--out", default=DEFAULT_COUNTEREXAMPLES, metavar="DIR",
                   help=f"where counterexamples are saved (default {DEFAULT_COUNTEREXAMPLES}/)")
    p.add_argument("--list", action="store_true", help="list the conjectures with statements and expectations")
    g = p.add_argument_group("exhaustive checking", "check every case of a small class instead of random examples "
                             "(default class: each conjecture's smallest; the options below change it)")
    g.add_argument("--exhaustive", action="store_true", help="enumerate every MDP of the class, in increasing size")
    g.add_argument("--states", type=int, default=None, metavar="S", help="at most S states")
    g.add_argument("--actions", type=int, default=None, metavar="A", help="at most A actions")
    g.add_argument("--denominators", type=int, default=None, metavar="D",
                   help="transition probabilities with denominators at most D")
    g.add_argument("--rewards", default=None, metavar="R,R,...", help="reward values, e.g. -1,0,1")
    g.add_argument("--discounts", default=None, metavar="G,G,...", help="discounts, e.g. 0,1/2,9/10")
    g.add_argument("--horizons", default=None, metavar="H,H,...", help="finite horizons, e.g. 1,2")
    g.add_argument("--max-cases", type=int, default=None, metavar="N",
                   help="refuse a class with more than N cases (default 1000000)")


def _check_out(out: str) -> Path:
    """``--out``: a folder that exists and is writable, or one that can be made (its nearest
    existing ancestor is a writable folder); checked before any conjecture runs."""
    path = Path(out)
    if path.exists():
        if not path.is_dir():
            raise InvalidArgument(f"--out {out}: is a file, not a folder")
        if not os.access(path, os.W_OK | os.X_OK):
            raise InvalidArgument(f"--out {out}: the folder is not writable")
        return path
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InvalidArgument(f"--out {out}: cannot be made, {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidArgument(f"--out {out}: cannot be made, {parent} is not writable")
    return path


def run(args: argparse.Namespace) -> int:
    """Check conjectures (suite names, PATH.py or PATH.py::NAME); exit 0 iff every verdict
    matches its declared expectation."""
    from property_tests.engine import check, load_conjectures

    if args.examples is not None and args.examples < 1:
        raise InvalidArgument(f"--examples is {args.examples}, not a positive integer")
    conjectures = load_conjectures(args.names)
    if args.list:
        for c in conjectures:
            print(f"{c.name} [{c.kind}, expect {c.expect}]: {c.statement}")
        return 0
    out = _check_out(args.out)
    changes = _class_changes(args)
    if changes and not args.exhaustive:
        raise InvalidArgument(f"--{next(iter(changes)).removeprefix('max_').replace('_', '-')} goes with --exhaustive")
    all_match = True
    for c in conjectures:
        verdict = _exhaustive(c, changes, args.max_cases) if args.exhaustive else \
            check(c, examples=args.examples, seed=args.seed)
        print(verdict.line(), flush=True)
        if verdict.counterexample is not None:
            _show_and_save(verdict, out)
        all_match &= verdict.matches
    return 0 if all_match else 1


#: The class options of --exhaustive and the MDPClass fields they set.
_CLASS_OPTIONS = {"states": "max_states", "actions": "max_actions", "denominators": "max_denominator",
                  "rewards": "rewards", "discounts": "discounts", "horizons": "horizons"}


def _class_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The MDPClass fields given on the command line (lists split at commas, read exactly by
    MDPClass; errors name the option)."""
    changes: dict[str, Any] = {}
    for option, field in _CLASS_OPTIONS.items():
        value = getattr(args, option)
        if value is None:
            continue
        if isinstance(value, str):
            items = tuple(item.strip() for item in value.split(","))
            if any(not item for item in items):
                raise InvalidArgument(f"--{option} is {value!r}, not a comma-separated list of values")
            value = tuple(_int(item, option) for item in items) if option == "horizons" else items
        changes[field] = value
    return changes


def _int(text: str, option: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise InvalidArgument(f"--{option} holds {text!r}, not an integer") from None


def _exhaustive(conjecture: Any, changes: dict[str, Any], max_cases: int | None) -> Any:
    """Check ``conjecture`` on every case of its smallest class with ``changes``; prints the
    number of cases and the class before it starts, and progress on stderr."""
    import dataclasses
    import sys

    from property_tests.exhaustive import MAX_CASES, check_exhaustive, count_cases, describe_cases, smallest_class
    from theory.validation import check_positive_int

    limit = MAX_CASES if max_cases is None else check_positive_int(max_cases, "--max-cases")
    try:
        cls = dataclasses.replace(smallest_class(conjecture), **changes)
    except InvalidArgument as exc:  # name the option, not the field
        message = str(exc)
        for option, field in _CLASS_OPTIONS.items():
            if message.startswith((f"{field} ", f"{field}[")):
                message = f"--{option}" + message[len(field):]
        raise InvalidArgument(message) from None
    total = count_cases(conjecture, cls)
    if total <= limit:
        print(f"{conjecture.name}: {total} cases of {describe_cases(conjecture, cls)}", flush=True)

    def progress(done: int, all_cases: int) -> None:
        if sys.stderr.isatty():
            print(f"\r  {done}/{all_cases} cases", end="" if done < all_cases else "\n", file=sys.stderr, flush=True)

    return check_exhaustive(conjecture, cls, progress=progress, max_cases=limit)


def _show_and_save(verdict: Any, out: Path) -> None:
    """Print a verdict's counterexample, save it under ``out``, draw its MDPs and print the
    replay command (a case that cannot be saved exactly says so and is not saved)."""
    from property_tests.engine import describe_counterexample, save_counterexample

    c = verdict.conjecture
    print(f"  claim: {c.statement}")
    print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
    try:
        path = save_counterexample(verdict, out)
    except DeconfuseError as exc:
        print(f"  not saved: {exc}")
        return
    print(f"  saved: {path}")
    for drawing in _draw_counterexample(verdict.counterexample, c.name, path):
        print(f"  graph: {drawing}")
    print(f"  replay: deconfuse replay {path}", flush=True)


def _draw_counterexample(arguments: dict[str, Any], name: str, path: Path) -> list[Path]:
    """Draw every MDP among a counterexample's ``arguments`` as a graph, saved beside its file
    ``path`` as ``STEM.ARGUMENT.graph.png`` (and ``.svg``); returns the PNG paths (none for a
    counterexample without an MDP)."""
    from reports.document import save_figure
    from reports.graph import argument_mdps, graph_data, graph_figure

    out = []
    stem = path.name.removesuffix(".counterexample.json")
    for title, mdp in argument_mdps(arguments, name):
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title.split(": ", 1)[-1]).strip("-")
        out.extend(save_figure(graph_figure(graph_data(mdp, title)), path.parent, f"{stem}.{slug}.graph")[:1])
    return out
