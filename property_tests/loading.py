"""Loading from a user's Python file: ``PATH.py`` imported, ``PATH.py::NAME`` looked up in it.

One loader for the whole project: :mod:`property_tests.discovery` loads conjectures with it
(``deconfuse check mine.py::NAME``), and :func:`load_agent` loads agents
(``deconfuse compare TARGET --agents mine.py::MyAgent:threshold=1/2`` and ``deconfuse
check-agent``). A user's file is imported with its own folder on ``sys.path`` (so it may import
the modules beside it; ``sys.path`` is restored afterwards), under a private module name; every
failure is one line naming the file.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import typing
from fractions import Fraction
from pathlib import Path
from typing import Any

from agents.protocol import Agent
from agents.registry import check_params, is_file_spec, parse_spec, split_spec, split_specs
from theory.errors import DeconfuseError, InvalidArgument

__all__ = ["import_user_file", "load_agent", "load_agents"]


def import_user_file(path: Path, kind: str = "conjecture") -> Any:
    """Import the user's file ``path`` (its folder importable while it runs) and return the
    module; one clear line, naming the ``kind`` of file, when it is missing or fails to import.

    >>> import_user_file(Path("no/such.py"), "agent")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: agent file 'no/such.py' does not exist
    """
    if not path.is_file():
        raise InvalidArgument(f"{kind} file {str(path)!r} does not exist")
    module_name = f"deconfuse_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path.resolve())
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"{kind} file {str(path)!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    saved_path = list(sys.path)
    sys.path.insert(0, str(path.resolve().parent))
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - a user's file: one clear line
        sys.modules.pop(module_name, None)
        first = str(exc).splitlines()[0] if str(exc) else ""
        raise InvalidArgument(f"{kind} file {str(path)!r} does not import: {type(exc).__name__}: {first}") from None
    except SystemExit as exc:
        sys.modules.pop(module_name, None)
        code = "" if exc.code is None else repr(exc.code)
        raise InvalidArgument(f"{kind} file {str(path)!r} does not import: it calls sys.exit({code})") from None
    finally:
        sys.path[:] = saved_path
    return module


def _missing(value: object) -> list[str]:
    """What ``value`` lacks of the Agent protocol (``name``, ``run``, ``policy``)."""
    out = [] if isinstance(getattr(value, "name", None), str) else ["name (str)"]
    out += [f"{m}(mdp, objective)" for m in ("run", "policy") if not callable(getattr(value, m, None))]
    return out


def load_agent(spec: str, **context: Any) -> Agent:
    """The agent that ``spec`` names in a user's file: ``PATH.py::NAME[:key=value,...]``.

    ``NAME`` is an agent instance (no parameters), or a class or function that makes one, called
    with the parameters (read as in registered SPECs, :func:`agents.registry.parse_value`: "1/2"
    is a Fraction, "3" an int, "true" a bool) and with the ``context`` keywords it accepts (e.g.
    ``train=``). The result must have the Agent protocol: a ``name``, ``run(mdp, objective) ->
    AgentResult`` and ``policy(mdp, objective)``. Every failure is one line.

    >>> load_agent("no/such.py::Mine")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: agent file 'no/such.py' does not exist
    """
    reference, params = split_spec(spec)
    path_part, _, name = reference.partition("::")
    if not path_part.endswith(".py") or not name:
        raise InvalidArgument(f"agent spec {spec!r} is not PATH.py::NAME[:key=value,...]")
    module = import_user_file(Path(path_part), "agent")
    if not hasattr(module, name):
        found = [k for k, v in vars(module).items() if not k.startswith("_") and inspect.isclass(v)
                 and getattr(v, "__module__", None) == module.__name__]
        raise InvalidArgument(f"{path_part} has no {name!r} (its classes: {', '.join(found) or 'none'})")
    value = getattr(module, name)
    if inspect.isclass(value) or (callable(value) and _missing(value)):
        accepted = _accepted(value)
        params = {**{k: v for k, v in context.items() if k in accepted}, **params}
        check_params(value, params, f"{path_part}::{name}")
        params = _check_types(value, params, f"{path_part}::{name}")
        try:
            value = value(**params)
        except (DeconfuseError, TypeError, ValueError) as exc:
            raise InvalidArgument(f"agent {path_part}::{name}: {exc}") from None
    elif params:
        raise InvalidArgument(f"agent {path_part}::{name} is an instance; it takes no parameters "
                              f"(got {', '.join(params)})")
    lacks = _missing(value)
    if lacks:
        raise InvalidArgument(f"{path_part}::{name} is not an agent: it lacks {', '.join(lacks)} "
                              "(an Agent has a name, run(mdp, objective) -> AgentResult and policy(mdp, objective))")
    return value


#: Parameter annotations that a SPEC value is checked against, and the value types each admits
#: (a SPEC's "3" is an int, which a Fraction or float parameter accepts).
_ADMITS = {int: (int,), Fraction: (Fraction, int), float: (float, Fraction, int), bool: (bool,), str: (str,)}


def _check_types(factory: Any, params: dict[str, Any], label: str) -> dict[str, Any]:
    """``params`` checked against their parameters' plain annotations (int, Fraction, float,
    bool, str), an int given to a Fraction (or float) parameter converted to it; an
    InvalidArgument naming the parameter when a value does not fit. Other annotations are the
    factory's to check."""
    try:
        hints = typing.get_type_hints(factory.__init__ if inspect.isclass(factory) else factory)
    except Exception:  # noqa: BLE001 - unresolvable annotations are not checked
        return params
    out = dict(params)
    for key, value in params.items():
        hint = hints.get(key)
        admits = _ADMITS.get(hint)
        if admits and (not isinstance(value, admits) or (isinstance(value, bool) and bool not in admits)):
            raise InvalidArgument(f"agent {label}: parameter {key} is {value!r}, not {hint.__name__}")
        if hint in (Fraction, float) and not isinstance(value, hint):
            out[key] = hint(value)
    return out


def _accepted(factory: Any) -> set[str]:
    try:
        return set(inspect.signature(factory).parameters)
    except (TypeError, ValueError):  # pragma: no cover
        return set()


def load_agents(text: str, **context: Any) -> list[tuple[str, Agent]]:
    """Agents from a comma-separated list of SPECs, registered (:func:`agents.registry.parse_spec`)
    or in users' files (:func:`load_agent`), with the SPEC text of each.

    >>> [s for s, _ in load_agents("argmax,quantiliser:q=1/2")]
    ['argmax', 'quantiliser:q=1/2']
    """
    return [(s, load_agent(s, **context) if is_file_spec(s) else parse_spec(s, **context))
            for s in split_specs(text)]
