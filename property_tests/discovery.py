"""The suite's discovery: the built-in :func:`suite` and :func:`load_conjectures` by reference.

A reference is the name of a statement of the built-in suite (:mod:`property_tests.theorems`,
then :mod:`property_tests.conjectures`), ``PATH.py`` (every conjecture declared in a user's
file) or ``PATH.py::NAME`` (one of them). A user's file is imported with its own folder on
``sys.path`` (so it may import the modules beside it; ``sys.path`` is restored afterwards), and
its conjectures' ``source`` is ``ABSOLUTE_PATH.py::NAME``, so that a saved counterexample finds
them again from any folder. This module imports the suites; the suites import only
:mod:`property_tests.declare`.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Any

from property_tests import conjectures, theorems
from property_tests.declare import Conjecture
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


def _import_file(path: Path) -> Any:
    """Import a user's conjecture file under a private module name; one clear line when it fails."""
    if not path.is_file():
        raise InvalidArgument(f"conjecture file {str(path)!r} does not exist")
    module_name = f"deconfuse_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path.resolve())
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"conjecture file {str(path)!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    saved_path = list(sys.path)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - a user's file: one clear line
        sys.modules.pop(module_name, None)
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InvalidArgument(f"conjecture file {str(path)!r} does not import: {type(exc).__name__}: {first}") from None
    except SystemExit as exc:
        sys.modules.pop(module_name, None)
        code = "" if exc.code is None else repr(exc.code)
        raise InvalidArgument(f"conjecture file {str(path)!r} does not import: it calls sys.exit({code})") from None
    finally:
        sys.path[:] = saved_path
    return module


def _from_file(path_part: str, name: str) -> list[Conjecture]:
    """The conjectures of the user's file ``path_part``: all of them, or the one called ``name``."""
    module = _import_file(Path(path_part))
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
