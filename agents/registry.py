"""The agent registry and the agent SPEC language of the command line.

A SPEC is a registered name with parameters: ``argmax``, ``quantiliser:q=1/10``,
``amortised:fallback=nearest,samples=200,seed=0``. A list of SPECs is comma-separated; a
comma-separated token with ``=`` and no ``:`` continues the parameters of the SPEC before it.
A SPEC may also name an agent in a user's file, ``PATH.py::NAME`` with the same parameters
(``my_agent.py::MyAgent:threshold=1/2``); the registry only splits such a SPEC
(:func:`split_spec`), and :func:`property_tests.loading.load_agent` loads it.
Parameter values are read as exact numbers when they look like numbers ("1/10", "16", "0.5"
become Fractions or ints), as booleans for "true"/"false", and as strings otherwise.

The registry imports no agent module but :mod:`agents.protocol` (for the Agent type), so that
:mod:`agents.base` and the agent modules may resolve agents by name through :func:`get`; the
table is filled by ``agents/__init__``, after every agent module is imported.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from agents.protocol import Agent
from theory.errors import DeconfuseError, InvalidArgument
from theory.numbers import parse_number_text

__all__ = [
    "register", "get", "names", "describe", "parse_spec", "parse_specs", "parse_value",
    "split_spec", "split_specs", "is_file_spec", "check_params", "factory",
]

_REGISTRY: dict[str, tuple[Callable[..., Agent], str]] = {}


def register(name: str, factory: Callable[..., Agent], description: str | None = None) -> None:
    """Register ``factory`` (a class or function returning an Agent) under ``name``; the
    one-line description defaults to the first line of its docstring."""
    if description is None:
        description = (inspect.getdoc(factory) or "").strip().splitlines()[0] if inspect.getdoc(factory) else ""
    _REGISTRY[name] = (factory, description)


def names() -> list[str]:
    """Registered agent names, in registration order."""
    return list(_REGISTRY)


def describe() -> list[tuple[str, str]]:
    """(name, one-line description) for every registered agent."""
    return [(n, d) for n, (_, d) in _REGISTRY.items()]


def factory(name: str) -> tuple[str, Callable[..., Agent], str]:
    """``(registered name, factory, one-line description)`` of the agent ``name`` ('_' and '-'
    equivalent); an InvalidArgument naming the known agents otherwise.

    >>> factory("best_of_n")[0]
    'best-of-n'
    """
    key = name.strip()
    if key not in _REGISTRY:
        key = key.replace("_", "-")
    if key not in _REGISTRY:
        raise InvalidArgument(f"agent {name!r} is not registered (known: {', '.join(_REGISTRY)})")
    return (key, *_REGISTRY[key])


def get(name: str, **params: Any) -> Agent:
    """An agent by registered name with keyword parameters (a SPEC string also works).

    >>> get("argmax", tie="first").tie
    'first'
    >>> get("argmax:tie=first").tie
    'first'
    >>> get("nope")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: agent 'nope' is not registered (known: argmax, uniform...)
    """
    if is_file_spec(name):
        raise InvalidArgument(f"agent {name!r} is in a user's file, not registered; "
                              "load it with property_tests.loading.load_agent")
    if ":" in name:
        spec_name, spec_params = split_spec(name)
        twice = sorted(set(spec_params) & set(params))
        if twice:
            raise InvalidArgument(f"agent spec {name!r}: parameter {twice[0]} is also given as a keyword; give it once")
        return get(spec_name, **{**spec_params, **params})
    key, make, _ = factory(name)
    check_params(make, params, key)
    try:
        return make(**params)
    except DeconfuseError as exc:
        raise InvalidArgument(f"agent {key!r}: {exc}") from None
    except TypeError as exc:
        raise InvalidArgument(f"agent {key!r}: {exc}") from None


def check_params(factory: Callable[..., Any], params: dict[str, Any], label: str) -> None:
    """Raise InvalidArgument naming ``label`` when ``factory`` (a class or function) has no
    parameter of one of ``params``' keys (``name`` is never a SPEC parameter).

    >>> from agents.direct import Argmax
    >>> check_params(Argmax, {"tie": "first"}, "argmax")
    >>> check_params(Argmax, {"q": 1}, "argmax")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: agent 'argmax' has no parameter 'q' (parameters: method, tie, tolerance)
    """
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # pragma: no cover
        return
    accepted = [p for p in signature.parameters.values() if p.name != "name"]
    var_kw = any(p.kind is p.VAR_KEYWORD for p in accepted)
    allowed = {p.name for p in accepted if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
    for k in params:
        if not var_kw and k not in allowed:
            raise InvalidArgument(
                f"agent {label!r} has no parameter {k!r} (parameters: {', '.join(sorted(allowed)) or 'none'})"
            )


def parse_value(text: str) -> Any:
    """A SPEC parameter value: int, Fraction, bool or string.

    >>> parse_value("1/10"), parse_value("16"), parse_value("true"), parse_value("nearest")
    (Fraction(1, 10), 16, True, 'nearest')
    """
    t = text.strip()
    if t.lower() in ("true", "false"):
        return t.lower() == "true"
    value = parse_number_text(t)
    if isinstance(value, str):
        return t
    return int(value) if value.denominator == 1 and "." not in t and "/" not in t else value


def is_file_spec(spec: str) -> bool:
    """Whether ``spec`` names an agent in a user's file (``PATH.py::NAME[:k=v,...]``).

    >>> is_file_spec("mine.py::Mine:k=1"), is_file_spec("argmax:tie=first")
    (True, False)
    """
    return "::" in spec or spec.strip().endswith(".py")


def split_spec(spec: str) -> tuple[str, dict[str, Any]]:
    """``NAME:k=v,...`` (or ``PATH.py::NAME:k=v,...``) -> ``(NAME, {k: value})``, values read by
    :func:`parse_value`; one error for an empty parameter list after the colon, a parameter that
    is not key=value or has an empty key or value, and a repeated key (never the last of two).

    >>> split_spec("quantiliser:q=1/10")
    ('quantiliser', {'q': Fraction(1, 10)})
    >>> split_spec("dir/mine.py::Mine:threshold=1/2,first=true")
    ('dir/mine.py::Mine', {'threshold': Fraction(1, 2), 'first': True})
    """
    path, sep, tail = spec.rpartition("::")
    name, colon, rest = tail.partition(":")
    name = path + sep + name
    params: dict[str, Any] = {}
    tokens = [t.strip() for t in rest.split(",")] if colon else []
    if colon and not any(tokens):
        raise InvalidArgument(f"agent spec {spec!r} has no parameters after ':'; write NAME or NAME:key=value,...")
    for token in tokens:
        if "=" not in token:
            shown = "an empty parameter" if not token else f"parameter {token!r}"
            raise InvalidArgument(f"agent spec {spec!r}: {shown} is not key=value")
        k, _, v = (part.strip() for part in token.partition("="))
        if not k or not v:
            raise InvalidArgument(f"agent spec {spec!r}: parameter {token!r} has no {'key' if not k else 'value'}")
        if k in params:
            raise InvalidArgument(f"agent spec {spec!r}: parameter {k} is given twice; give it once")
        params[k] = parse_value(v)
    return name.strip(), params


def parse_spec(spec: str, **context: Any) -> Agent:
    """One agent from a SPEC such as ``quantiliser:q=1/10``. ``context`` keywords (e.g.
    ``train=`` a training MDP) are passed to the agents whose factory accepts them and are
    overridden by parameters written in the SPEC."""
    name, params = split_spec(spec)
    key = name if name in _REGISTRY else name.replace("_", "-")
    if key in _REGISTRY:
        factory = _REGISTRY[key][0]
        try:
            accepted = inspect.signature(factory).parameters
        except (TypeError, ValueError):  # pragma: no cover
            accepted = {}
        params = {**{k: v for k, v in context.items() if k in accepted}, **params}
    return get(name, **params)


def parse_specs(text: str, **context: Any) -> list[tuple[str, Agent]]:
    """Agents from a comma-separated list of SPECs, with the SPEC text of each.

    >>> [s for s, _ in parse_specs("argmax:tie=first,uniform")]
    ['argmax:tie=first', 'uniform']
    """
    return [(s, parse_spec(s, **context)) for s in split_specs(text)]


def split_specs(text: str) -> list[str]:
    """A comma-separated list of SPECs as SPEC strings: a token with ``=`` and no ``:``
    continues the parameters of the SPEC before it.

    >>> split_specs("argmax,quantiliser:q=1/10,base=uniform,mine.py::Mine:k=1")
    ['argmax', 'quantiliser:q=1/10,base=uniform', 'mine.py::Mine:k=1']
    """
    specs: list[str] = []
    for token in filter(None, (t.strip() for t in text.split(","))):
        if "=" in token and ":" not in token:
            if not specs:
                raise InvalidArgument(f"agent list {text!r} starts with a parameter {token!r}")
            specs[-1] += "," + token
        else:
            specs.append(token)
    if not specs:
        raise InvalidArgument("agent list is empty")
    return specs
