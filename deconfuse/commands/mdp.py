"""``deconfuse mdp TARGET --out FILE``: write TARGET as an MDP file, chosen by the extension:
``.json`` (deconfuse's own format), ``.prism`` (the PRISM language) or ``.drn`` (Storm's explicit
format); see :mod:`theory.export` for the PRISM and DRN layout (names, the start state of an
initial distribution, the discount in a comment)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deconfuse.arguments import add_target_arguments, check_out
from deconfuse.targets import load_target, prism_options
from deconfuse.text import option_error
from theory.errors import InvalidArgument
from theory.export import save_drn, save_prism
from theory.io import save_mdp

__all__ = ["NAME", "WRITERS", "add_parser", "run"]

NAME = "mdp"

#: The writer of each known ``--out`` extension.
WRITERS = {".json": save_mdp, ".prism": save_prism, ".drn": save_drn}


def add_parser(subparsers: Any) -> None:
    """Add ``mdp`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="write TARGET as an MDP file (.json, .prism or .drn)")
    add_target_arguments(p)
    p.add_argument("--out", required=True, metavar="FILE.json|FILE.prism|FILE.drn")


def run(args: argparse.Namespace) -> int:
    """Write TARGET as an MDP file: JSON (exact numbers as "p/q"), PRISM or DRN by extension."""
    check_out(args.out, "file")
    if Path(args.out).is_dir():
        raise InvalidArgument(f"--out {args.out}: is a directory")
    suffix = Path(args.out).suffix.lower()
    if suffix not in WRITERS:
        raise InvalidArgument(f"--out {args.out}: {f'unknown extension {suffix!r}' if suffix else 'no extension'}; "
                              f"known: {', '.join(WRITERS)}")
    mdp = load_target(args.target, args.param, prism=prism_options(args))
    try:
        path = WRITERS[suffix](mdp, args.out)
    except OSError as exc:
        raise option_error("--out", args.out, exc) from None
    print(f"wrote {path} ({mdp.S} states, {mdp.A} actions)")
    return 0
