"""The ``deconfuse`` command line: envs | agents | solve | mdp | compare | check | replay |
report | demo, one module each in :mod:`deconfuse.commands` (listed in :data:`COMMANDS`).

Errors are one line on stderr with exit status 2 and no traceback, unless ``--debug``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from types import ModuleType

from deconfuse.arguments import attach_negative_values
from deconfuse.commands import agents, check, compare, demo, envs, mdp, replay, report, solve
from theory.errors import DeconfuseError

__all__ = ["COMMANDS", "main", "build_parser"]

#: The subcommand modules, in the order of ``deconfuse --help``; each has ``NAME``,
#: ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS: tuple[ModuleType, ...] = (envs, agents, solve, mdp, compare, check, replay, report, demo)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``deconfuse``: the global ``--debug`` and every subcommand."""
    parser = argparse.ArgumentParser(
        prog="deconfuse",
        description="Exact comparison of direct, quantilising and amortised optimisers on finite MDPs.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(attach_negative_values(argv))
    run = {command.NAME: command.run for command in COMMANDS}[args.command]
    try:
        return run(args)
    except (DeconfuseError, OSError) as exc:
        if args.debug:
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"deconfuse: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("deconfuse: interrupted", file=sys.stderr)
        return 130
