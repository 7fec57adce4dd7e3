"""The ``deconfuse`` command line: envs | agents | solve | mdp | compare | check | check-agent |
replay | reproduce | report | demo, one module each in :mod:`deconfuse.commands` (listed in :data:`COMMANDS`).

Errors are one line on stderr with exit status 2 and no traceback, unless ``--debug``: input
errors (:class:`theory.errors.DeconfuseError`), operating-system errors, a command line that
does not parse, and running out of memory. A closed output pipe (``deconfuse solve lava-test |
head -1``) ends quietly with status 0.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from deconfuse.arguments import attach_negative_values
from deconfuse.commands import agents, check, check_agent, compare, demo, envs, mdp, replay, report, reproduce, solve
from deconfuse.text import os_reason
from theory.budget import BUDGET_VARIABLE, DEFAULT_BUDGET, format_size, parse_size
from theory.errors import DeconfuseError

__all__ = ["COMMANDS", "OneLineParser", "main", "build_parser"]

#: The subcommand modules, in the order of ``deconfuse --help``; each has ``NAME``,
#: ``add_parser(subparsers)`` and ``run(args) -> int``.
COMMANDS: tuple[ModuleType, ...] = (envs, agents, solve, mdp, compare, check, check_agent, replay, reproduce,
                                    report, demo)

_EPILOG = (
    f"Memory: every computation whose size multiplies out (states x actions x successors, "
    f"horizon x states x actions, best-of-n's n, lookahead depth, sweeps) is estimated before it "
    f"starts and refused over the memory budget, {format_size(DEFAULT_BUDGET)} unless the "
    f"environment variable {BUDGET_VARIABLE} (e.g. {BUDGET_VARIABLE}=8GB) or --memory-budget "
    f"says otherwise."
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), naming the
    command and pointing to its ``--help``, instead of argparse's usage block."""

    def error(self, message: str) -> NoReturn:
        """Print ``PROG: error: MESSAGE (see PROG --help)`` and exit with status 2."""
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``deconfuse``: the global ``--debug`` and ``--memory-budget``,
    and every subcommand."""
    parser = OneLineParser(
        prog="deconfuse",
        description="Exact comparison of direct, quantilising and amortised optimisers on finite MDPs.",
        epilog=_EPILOG,
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--memory-budget", metavar="SIZE",
                        help=f"memory budget of this run, e.g. 8GB (default: ${BUDGET_VARIABLE}, "
                             f"else {format_size(DEFAULT_BUDGET)})")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def _os_message(exc: OSError) -> str:
    """An operating-system error as "FILE: reason" (not "[Errno 21] Is a directory: 'FILE'")."""
    return f"{exc.filename}: {os_reason(exc)}" if exc.filename is not None else os_reason(exc)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; everything it prints is flushed before it returns (so that a
    closed pipe is noticed here)."""
    if args.memory_budget is not None:
        os.environ[BUDGET_VARIABLE] = str(parse_size(args.memory_budget, "--memory-budget"))
    run = {command.NAME: command.run for command in COMMANDS}[args.command]
    status = run(args)
    sys.stdout.flush()
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(attach_negative_values(argv))
    try:
        return _run(args)
    except BrokenPipeError:
        # the reader of our output has gone (``| head -1``): stop quietly; further output,
        # including the interpreter's final flush, goes to /dev/null
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (DeconfuseError, OSError, MemoryError) as exc:
        if args.debug:
            raise
        if isinstance(exc, MemoryError):
            message = (f"out of memory while running {args.command}; the estimates stayed under the memory "
                       f"budget, so set {BUDGET_VARIABLE} lower than this machine's free memory to be refused early")
        elif isinstance(exc, OSError):
            message = _os_message(exc)
        else:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"deconfuse: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("deconfuse: interrupted", file=sys.stderr)
        return 130
