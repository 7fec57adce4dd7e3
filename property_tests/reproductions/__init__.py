"""The reproduction suite: the papers' own definitions, experiments and numbers beside
deconfuse's (DESIGN.md "Reproductions"). One module per paper; each defines ``REPRODUCTION``
(a :class:`~property_tests.reproductions.base.Reproduction`) and is listed in :data:`ENTRIES`.

>>> from property_tests.reproductions import reproductions
>>> isinstance(reproductions(), dict)
True
"""

from __future__ import annotations

from property_tests.reproductions import (
    adversarial,
    beirami,
    gao,
    karwowski,
    kosoy,
    kwa,
    skalse,
    taylor,
)
from property_tests.reproductions.base import Comparison, Outcome, Reproduction, Verdict
from theory.errors import InvalidArgument

__all__ = ["Comparison", "Outcome", "Reproduction", "Verdict", "ENTRIES", "reproductions", "get"]

#: The entry modules, in the order of ``deconfuse reproduce --list``.
ENTRIES: tuple = (karwowski, kosoy, kwa, gao, beirami, taylor, skalse, adversarial)


def reproductions() -> dict[str, Reproduction]:
    """Every reproduction by name, in the order of :data:`ENTRIES`."""
    return {module.REPRODUCTION.name: module.REPRODUCTION for module in ENTRIES}


def get(name: str) -> Reproduction:
    """The reproduction ``name``; one line listing the names when there is none."""
    table = reproductions()
    if name not in table:
        raise InvalidArgument(f"no reproduction {name!r}; the reproductions are: {', '.join(table) or 'none'}")
    return table[name]
