"""Arguments that several commands share: a TARGET with its ``--param`` pairs, and the report
folder (``--out``, ``--force``) of ``deconfuse report`` and ``deconfuse demo``.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_target_arguments(parser)
>>> parser.parse_args(["bandit", "--param", "k=3"])
Namespace(target='bandit', param=['k=3'])
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from reports.document import DEFAULT_FOLDER
from theory.errors import InvalidArgument

__all__ = ["add_target_arguments", "add_folder_arguments", "attach_negative_values", "check_out"]


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """TARGET (an environment name or an MDP JSON file, read by
    :func:`deconfuse.targets.load_target`) and its repeatable ``--param K=V``."""
    parser.add_argument("target", metavar="TARGET", help="environment name or MDP JSON file")
    parser.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")


def add_folder_arguments(parser: argparse.ArgumentParser) -> None:
    """``--out DIR`` (default :data:`reports.document.DEFAULT_FOLDER`) and ``--force`` (write
    into a non-empty folder that is not an earlier report).

    >>> parser = argparse.ArgumentParser()
    >>> add_folder_arguments(parser)
    >>> parser.parse_args([])
    Namespace(out='deconfuse-report', force=False)
    """
    parser.add_argument("--out", default=DEFAULT_FOLDER, metavar="DIR", help=f"report folder (default {DEFAULT_FOLDER}/)")
    parser.add_argument("--force", action="store_true",
                        help="write into a non-empty folder that is not an earlier report")


#: A value that starts with "-" but is numbers, e.g. "-1,0,1" or "-1/2": argparse would read it
#: as an option.
_NEGATIVE_VALUE = re.compile(r"^-[0-9][0-9./,\-]*$")


def attach_negative_values(argv: Sequence[str]) -> list[str]:
    """``["--rewards", "-1,0,1"]`` becomes ``["--rewards=-1,0,1"]``: an option followed by a
    value that starts with a minus sign but is a number or a list of numbers keeps that value
    (argparse alone would take "-1,0,1" for an unknown option).

    >>> attach_negative_values(["check", "x", "--rewards", "-1,0,1", "--states", "2"])
    ['check', 'x', '--rewards=-1,0,1', '--states', '2']
    """
    out: list[str] = []
    for token in argv:
        if out and out[-1].startswith("--") and "=" not in out[-1] and _NEGATIVE_VALUE.match(token):
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


def check_out(out: str, what: str = "folder") -> str:
    """The value of ``--out``, refused when empty (an unset shell variable, not the current
    folder: that is ``--out .``).

    >>> check_out("")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: --out is '', not a folder (write --out . for the current folder)
    """
    if not out:
        hint = " (write --out . for the current folder)" if what == "folder" else ""
        raise InvalidArgument(f"--out is '', not a {what}{hint}")
    return out
