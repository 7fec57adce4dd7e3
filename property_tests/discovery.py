"""The suite's discovery: the built-in :func:`suite` and :func:`load_conjectures` by reference.

A reference is the name of a statement of the built-in suite (:mod:`property_tests.theorems`,
then :mod:`property_tests.conjectures`), ``PATH.py`` (every conjecture declared in a user's
file) or ``PATH.py::NAME`` (one of them). A user's file is imported by
:func:`property_tests.loading.import_user_file` (its own folder on ``sys.path`` while it runs), and
its conjectures' ``source`` is ``ABSOLUTE_PATH.py::NAME``, so that a saved counterexample finds
them again from any folder. This module imports the suites; the suites import only
:mod:`property_tests.declare`.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from property_tests import conjectures, theorems
from property_tests.declare import Conjecture
from property_tests.loading import import_user_file
from theory.errors import InvalidArgument

__all__ = ["suite", "load_conjectures"]


def suite() -> dict[str, Conjecture]:
    """The built-in suite: theorems first, then conjectures, by name.

    >>> s = suite()
    >>> s["policy_iteration_is_optimal"].kind, s["quantiliser_never_worse_than_argmax"].kind
    ('theorem', 'conjecture')
    """
    out: dict[str, Conjecture] = {}
    for module in (theorems, conjectures):
        for value in vars(module).values():
            if isinstance(value, Conjecture):
                out[value.name] = value
    return out


def _from_file(path_part: str, name: str) -> list[Conjecture]:
    """The conjectures of the user's file ``path_part``: all of them, or the one called ``name``."""
    module = import_user_file(Path(path_part), "conjecture")
    absolute = Path(path_part).resolve()
    found = {v.name: dataclasses.replace(v, source=f"{absolute}::{v.name}")
             for v in vars(module).values() if isinstance(v, Conjecture)}
    if name:
        if name not in found:
            raise InvalidArgument(f"{path_part} has no conjecture {name!r} (it has: {', '.join(found) or 'none'})")
        return [found[name]]
    if not found:
        raise InvalidArgument(f"{path_part} declares no conjecture")
    return list(found.values())


def load_conjectures(references: list[str] | None) -> list[Conjecture]:
    """Conjectures by reference: a suite name, ``PATH.py`` (every conjecture in the file) or
    ``PATH.py::NAME``; no references: the whole suite.

    >>> [c.name for c in load_conjectures(["boltzmann_limits"])]
    ['boltzmann_limits']
    """
    builtin = suite()
    if not references:
        return list(builtin.values())
    out: list[Conjecture] = []
    for ref in references:
        path_part, _, name = ref.partition("::")
        if path_part.endswith(".py"):
            out.extend(_from_file(path_part, name))
        elif ref not in builtin:
            raise InvalidArgument(f"conjecture {ref!r} is not in the suite (see deconfuse check --list)")
        else:
            out.append(builtin[ref])
    return out
