"""Arguments that several commands share: a TARGET with its ``--param`` pairs (and, for a
PRISM file, ``--const``, ``--discount``/``--horizon`` and ``--reward-name``), and the report
folder (``--out``, ``--force``) of ``deconfuse report`` and ``deconfuse demo``.

Examples
--------
>>> import argparse
>>> parser = argparse.ArgumentParser()
>>> add_target_arguments(parser)
>>> parser.parse_args(["bandit", "--param", "k=3"])
Namespace(target='bandit', param=['k=3'], const=None, discount=None, horizon=None, reward_name=None)
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence

from deconfuse.text import integer
from reports.document import DEFAULT_FOLDER
from theory.errors import InvalidArgument

__all__ = ["add_target_arguments", "add_folder_arguments", "attach_negative_values", "check_out"]


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """TARGET (an environment name, an MDP JSON file or a PRISM file, read by
    :func:`deconfuse.targets.load_target`), its repeatable ``--param K=V``, and the options of a
    PRISM file: ``--const N=V`` (repeat), ``--discount G`` or ``--horizon H`` (PRISM has no
    discount), ``--reward-name OLD=NEW`` (repeat)."""
    parser.add_argument("target", metavar="TARGET", help="environment name, MDP JSON file or PRISM file (.prism)")
    parser.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")
    g = parser.add_argument_group("PRISM files (TARGET.prism, read through stormpy: pip install 'deconfuse[storm]')")
    g.add_argument("--const", action="append", metavar="N=V", help="value of an undefined PRISM constant (repeat)")
    g.add_argument("--discount", metavar="G", help="discount in [0, 1), e.g. 9/10 (PRISM has none; or --horizon)")
    g.add_argument("--horizon", type=integer, metavar="H", help="finite horizon H >= 1 (instead of --discount)")
    g.add_argument("--reward-name", action="append", metavar="OLD=NEW",
                   help="import the reward structure OLD as NEW, e.g. gold=true (PRISM reserves 'true'; repeat)")


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
