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

from reports.document import DEFAULT_FOLDER
from theory.errors import InvalidArgument

__all__ = ["add_target_arguments", "add_folder_arguments", "check_out"]


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
