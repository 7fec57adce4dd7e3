"""The registry of named environments: name -> builder returning a FiniteMDP.

Names are matched with ``-`` and ``_`` equivalent (``lava-train`` = ``lava_train``).
Parameters may arrive as strings from the command line (``--param k=v``): :func:`get` converts
a string to the type annotated on the builder's parameter — int, Fraction (read exactly by
:func:`theory.numbers.parse_number`), float, str, bool ("true"/"false"), a ``Literal`` choice,
``None`` ("none") for an optional parameter, and tuples or lists of those as comma-separated
values ("1/2,1,0"). Every error is one :class:`~theory.errors.InvalidArgument` line naming the
environment, the parameter and the value.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from theory.errors import DeconfuseError, InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import parse_float_text, parse_int_text, parse_number

__all__ = ["Builder", "register", "unregister", "get", "call", "names", "describe", "builder"]

Builder = Callable[..., FiniteMDP]

_REGISTRY: dict[str, tuple[str, Builder]] = {}


def _key(name: str) -> str:
    return name.strip().replace("_", "-")


def register(name: str, builder: Builder, *, replace: bool = False) -> Builder:
    """Register ``builder`` under ``name`` (matched with '-' and '_' equivalent); returns it.

    Registering a name twice is refused unless ``replace=True``.

    >>> from theory.examples import two_state
    >>> _ = register("two-state-example", two_state)
    >>> get("two_state_example").states
    ('s0', 's1')
    >>> _ = register("two_state_example", two_state)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: environment 'two_state_example' is already registered; pass replace=True to replace it
    >>> unregister("two-state-example")
    """
    if not isinstance(name, str) or not _key(name) or any(ch.isspace() for ch in name.strip()):
        raise InvalidArgument(f"environment name is {name!r}, not a non-empty word")
    if not callable(builder):
        raise InvalidArgument(f"builder of environment {name!r} is {builder!r}, not callable")
    key = _key(name)
    if key in _REGISTRY and not replace:
        raise InvalidArgument(
            f"environment {name!r} is already registered; pass replace=True to replace it"
        )
    _REGISTRY[key] = (name.strip(), builder)
    return builder


def unregister(name: str) -> None:
    """Remove a registered environment (for tests and plugins); an error when unknown.

    >>> unregister("no-such-environment")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: unknown environment 'no-such-environment'; known: ...
    """
    _lookup(name)
    del _REGISTRY[_key(name)]


def names() -> list[str]:
    """The registered environment names, sorted.

    >>> "lava-train" in names()
    True
    """
    return sorted(registered for registered, _ in _REGISTRY.values())


def describe() -> list[tuple[str, str]]:
    """(name, one-line description) of every environment, sorted by name; the description
    is the first line of the builder's docstring.

    >>> dict(describe())["chain"]
    "Strens' NChain: walk forward for a distant +10, or take a sure +2 and start over."
    """
    out = []
    for registered, fn in sorted(_REGISTRY.values(), key=lambda item: item[0]):
        doc = inspect.getdoc(fn) or ""
        out.append((registered, doc.strip().splitlines()[0] if doc.strip() else ""))
    return out


def builder(name: str) -> Builder:
    """The builder registered under ``name``.

    >>> builder("lava_train").__name__
    'lava_train'
    """
    return _lookup(name)[1]


def get(name: str, **params: Any) -> FiniteMDP:
    """Build the environment ``name`` with ``params``; string values are converted to the
    builder's annotated parameter types (see the module docstring).

    Unknown names, unknown parameters and values that do not convert raise InvalidArgument;
    an error raised by the builder itself is re-raised with the environment's name in front.

    >>> m = get("chain", n="3", slip="1/4", discount="0.5")
    >>> m.S, m.discount
    (3, Fraction(1, 2))
    >>> get("chain", n="three")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: environment 'chain': parameter n is 'three', not an int
    """
    registered, fn = _lookup(name)
    return call(registered, fn, **params)


def call(registered: str, fn: Builder, **params: Any) -> Any:
    """Call the builder ``fn`` (registered as ``registered``) with ``params``, converting string
    values to its annotated parameter types; errors name the environment and the parameter.

    >>> call("chain", builder("chain"), n="2").S
    2
    """
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        signature = None
    kwargs: dict[str, Any] = {}
    if signature is not None:
        accepted = {
            p.name: p
            for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        }
        open_ended = any(p.kind == p.VAR_KEYWORD for p in signature.parameters.values())
        try:
            hints = typing.get_type_hints(fn)
        except Exception:  # unresolvable annotations: pass strings through unchanged
            hints = {}
        for key, value in params.items():
            if key not in accepted and not open_ended:
                known = ", ".join(accepted) or "none"
                raise InvalidArgument(
                    f"environment {registered!r} has no parameter {key!r} (given {value!r}); "
                    f"its parameters are {known}"
                )
            if isinstance(value, str) and key in hints:
                value = _convert(value, hints[key], registered, key)
            kwargs[key] = value
    else:  # pragma: no cover
        kwargs = dict(params)
    try:
        return fn(**kwargs)
    except DeconfuseError as exc:
        raise type(exc)(f"environment {registered!r}: {exc}") from None


# -- internals ---------------------------------------------------------------------------


def _lookup(name: Any) -> tuple[str, Builder]:
    if not isinstance(name, str) or _key(name) not in _REGISTRY:
        raise InvalidArgument(f"unknown environment {name!r}; known: {', '.join(names())}")
    return _REGISTRY[_key(name)]


_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def _convert(text: str, hint: Any, env: str, param: str) -> Any:
    """Convert one command-line string to the annotated type ``hint``."""
    try:
        return _convert_to(text, hint)
    except (ValueError, TypeError, ZeroDivisionError):
        raise InvalidArgument(
            f"environment {env!r}: parameter {param} is {text!r}, not {_describe_type(hint)}"
        ) from None


def _convert_to(text: str, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any or hint is str:
        return text
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if len(members) < len(args) and text.strip().lower() == "none":
            return None
        for member in members:
            try:
                return _convert_to(text, member)
            except (ValueError, TypeError, ZeroDivisionError):
                continue
        raise ValueError(text)
    if origin is typing.Literal:
        for choice in args:
            if str(choice) == text.strip():
                return choice
        raise ValueError(text)
    if origin in (tuple, list) or hint in (tuple, list):
        item = args[0] if args else Fraction
        parts = [p.strip() for p in text.split(",")] if text.strip() else []
        if origin is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(parts) != len(args):
                raise ValueError(text)
            return tuple(_convert_to(p, a) for p, a in zip(parts, args))
        values = [_convert_to(p, item) for p in parts]
        return tuple(values) if (origin or hint) is tuple else values
    if hint is bool:
        lowered = text.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError(text)
    if hint is int:  # the strict grammar: "1_0" and "0x10" are not ints
        return parse_int_text(text)
    if hint is float:  # the strict grammar, then float64: no "inf", "nan" or "1_0"
        return parse_float_text(text)
    if hint is Fraction:
        try:
            return parse_number(text)
        except InvalidArgument:
            raise ValueError(text) from None
    return text  # an annotation we do not know how to parse: the builder checks the string


def _describe_type(hint: Any) -> str:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        parts = [_describe_type(a) for a in args if a is not type(None)]
        if len(parts) < len(args):
            parts.append('"none"')
        return " or ".join(parts)
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin in (tuple, list):
        item = _describe_type(args[0]) if args else "number"
        return f"comma-separated values ({item})"
    return {
        int: "an int",
        float: "a float",
        bool: "true or false",
        Fraction: 'a number (an int, "p/q" or a decimal)',
        str: "a string",
    }.get(hint, getattr(hint, "__name__", repr(hint)))
