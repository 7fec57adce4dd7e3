"""``deconfuse report NAME [--out DIR] [--force] [options]``: compute one report of the
catalogue (:data:`reports.catalogue.CATALOGUE`), save its data (JSON, CSV), figures (PNG, SVG)
and add it to the folder's index. A non-empty folder that is not an earlier report is refused
(one line, exit status 2) unless ``--force``.

Every report's options come from its catalogue entry; this module reads their text by kind
(:data:`reports.catalogue.KINDS`) into the keyword arguments of
:func:`reports.catalogue.build_report`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deconfuse.arguments import add_folder_arguments, check_out
from deconfuse.targets import load_target, parse_params
from deconfuse.text import integer, number, option_error, parse_list, parse_symbolic
from reports.catalogue import CATALOGUE, REPORTS, Option, build_report, option_message
from theory.errors import DeconfuseError, InvalidArgument

__all__ = ["NAME", "add_parser", "run", "report_options"]

NAME = "report"


def add_parser(subparsers: Any) -> None:
    """Add ``report`` and one sub-subcommand per catalogue entry, with its options."""
    p = subparsers.add_parser(NAME, help="compute one figure with its data and add it to a report folder",
                              description="Compute one report, save its data (JSON, CSV: exact values as 'p/q' "
                                          "beside floats) and figure (PNG, SVG) and add it to DIR/index.html and "
                                          "DIR/index.md.")
    names = p.add_subparsers(dest="report", metavar="NAME")
    names.required = True
    for report in CATALOGUE:
        q = names.add_parser(report.name, help=report.description, description=report.description)
        add_folder_arguments(q)
        for option in report.options:
            q.add_argument(option.flag, metavar=option.metavar, help=option.help, default=option.default,
                           choices=option.choices, required=option.required,
                           type=integer if option.kind == "int" else None,
                           action="append" if option.kind == "params" else "store")


def _mdps(text: str, pairs: list[str] | None, option: Option) -> list[tuple[str, Any]]:
    """An environment (one MDP titled by its name), an MDP file or a saved counterexample."""
    if text.endswith(".json") or Path(text).is_file():
        if pairs:
            raise InvalidArgument(f"{option.params} is for environments, not for the file {text!r}")
        from reports.graph import counterexample_mdps

        return counterexample_mdps(text)
    return [(text, load_target(text, pairs, option.params or "--param"))]


def _listed(text: str, option: Option, convert: Callable[[str], Any] = str) -> list[Any]:
    """A comma-separated option value: one error naming the option for an empty list."""
    try:
        items = parse_list(text, convert)
    except InvalidArgument:
        what = {"integer": "integers", "number": "numbers"}.get(getattr(convert, "__name__", ""), "values")
        raise InvalidArgument(f"{option.flag} is {text!r}, not a comma-separated list of {what}") from None
    if not items:
        raise InvalidArgument(f"{option.flag} is {text!r}, an empty list")
    return items


#: How the text of an option of each kind is read: (text, the K=V pairs of its ``params``,
#: the option) -> value.
_READERS: dict[str, Callable[[Any, Any, Option], Any]] = {
    "text": lambda text, pairs, option: text,
    "int": lambda text, pairs, option: text,  # argparse made it an int
    "list": lambda text, pairs, option: _listed(text, option),
    "int-list": lambda text, pairs, option: _listed(text, option, integer),
    "float-list": lambda text, pairs, option: _listed(text, option, number),
    "params": lambda text, pairs, option: parse_params(text, option.flag) if text else None,
    "symbolic": lambda text, pairs, option: parse_symbolic(text),
    "target": lambda text, pairs, option: load_target(text, pairs, option.params or "--param"),
    "mdps": _mdps,
}


def report_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options of :func:`reports.catalogue.build_report` from parsed arguments:
    every option of the report read by its kind (in the catalogue's order; an option given
    ``alone`` is read by itself), then mapped by the report's ``keywords``."""
    report = REPORTS[args.report]
    chosen: tuple[Option, ...] = report.options
    alone = tuple(o for o in chosen if o.alone and getattr(args, o.dest) is not None)
    values: dict[str, Any] = {}
    for option in alone or chosen:
        if option.keyword is None:
            continue
        text = getattr(args, option.dest)
        pairs = getattr(args, option.params_dest) if option.params_dest else None
        values[option.keyword] = None if text is None else _READERS[option.kind](text, pairs, option)
        if option.label is not None:
            values[option.label] = text
    return report.keywords(values)


def run(args: argparse.Namespace) -> int:
    """Compute one report, save its data and figures into --out and update the index; the
    files are written into a staging folder and moved into --out only when the report is
    complete (:func:`reports.document.staged_report`), so a failed report leaves nothing."""
    from reports.document import staged_report, write_artifact

    folder = Path(check_out(args.out))
    report = REPORTS[args.report]
    given = tuple(o for o in report.options if getattr(args, o.dest) not in (None, o.default))
    try:
        options = report_options(args)
        with staged_report(folder, args.force) as (staging, manifest):
            print(f"deconfuse report {args.report}: computing ...", flush=True)
            for artifact in build_report(args.report, staging, **options):
                entry = write_artifact(staging, artifact, manifest)
                files = [f for fig in entry["figures"] for f in (fig["png"], fig["svg"])] + entry["files"]
                print(f"{artifact.title}: wrote " + ", ".join(str(folder / f) for f in files), flush=True)
                print("  " + artifact.reading.text, flush=True)
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    except DeconfuseError as exc:
        message = option_message(str(exc), given)
        if message == str(exc):
            raise
        raise type(exc)(message) from None
    print(f"index: {folder / 'index.html'} and {folder / 'index.md'}")
    return 0
