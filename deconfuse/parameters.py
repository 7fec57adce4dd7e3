"""The parameters of an agent or environment factory, read from its signature and docstring.

The name, type and default of each parameter come from the signature (for a dataclass agent:
its fields, through the generated ``__init__``); the one-line description from the numpy
``Parameters`` section of the docstring, which is the only place it is written. A parameter
the section does not describe is shown with "-". The agent's own ``name`` field is not a
parameter of a SPEC and is left out.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from fractions import Fraction
from typing import Any

from theory.numbers import format_number

__all__ = ["ParameterDoc", "parameter_docs", "docstring_parameters", "format_parameters"]


@dataclasses.dataclass(frozen=True)
class ParameterDoc:
    """One parameter: its name, type and default as written for the command line, and its
    one-line description ("-" when the docstring has none)."""

    name: str
    type: str
    default: str
    description: str

    def line(self) -> str:
        """``name: type = default  description`` (``(required)`` for no default)."""
        return f"{self.name}: {self.type} = {self.default}  {self.description}"


def docstring_parameters(doc: str) -> dict[str, str]:
    """The numpy ``Parameters`` section of ``doc``: {name: its description on one line}.

    An entry is a line ``name`` or ``name : type`` at the section's indentation, followed by
    indented description lines (joined with spaces); the section ends at the next section
    header (a line underlined with dashes) or the end of the docstring.

    >>> docstring_parameters('''Summary.
    ...
    ... Parameters
    ... ----------
    ... n : int
    ...     Number of states,
    ...     at least 2.
    ... slip
    ...     Probability of a slip.
    ...
    ... Examples
    ... --------
    ... ''')
    {'n': 'Number of states, at least 2.', 'slip': 'Probability of a slip.'}
    """
    lines = inspect.cleandoc(doc).splitlines()
    out: dict[str, list[str]] = {}
    inside, current = False, None
    for i, line in enumerate(lines):
        underlined = i + 1 < len(lines) and set(lines[i + 1].strip()) == {"-"} and line.strip()
        if underlined:
            inside = line.strip() == "Parameters"
            current = None
            continue
        if not inside or set(line.strip()) == {"-"} or not line.strip():
            continue
        if not line.startswith((" ", "\t")):
            current = line.split(" : ")[0].strip()
            out[current] = []
        elif current is not None:
            out[current].append(line.strip())
    return {k: " ".join(v) for k, v in out.items()}


def _text(value: Any) -> str:
    """A default as a SPEC or --param writes it: "1/10", "true", "uniform", "None"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return format_number(value)
    if isinstance(value, tuple):
        return ",".join(_text(v) for v in value)
    return str(value)


def parameter_docs(factory: Callable[..., Any]) -> list[ParameterDoc]:
    """The parameters of ``factory`` (a class or function), in signature order.

    >>> from environments.chain import chain
    >>> parameter_docs(chain)[0]
    ParameterDoc(name='n', type='int', default='5', description='Number of states, at least 2.')
    """
    described = docstring_parameters(inspect.getdoc(factory) or "")
    out = []
    for p in inspect.signature(factory).parameters.values():
        if p.name == "name" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        annotation = p.annotation
        if annotation is p.empty:
            kind = "-"
        else:
            kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
        default = "(required)" if p.default is p.empty else _text(p.default)
        out.append(ParameterDoc(p.name, kind, default, described.get(p.name, "-")))
    return out


def format_parameters(name: str, summary: str, factory: Callable[..., Any]) -> str:
    """``name: summary`` and one indented line per parameter (or "no parameters")."""
    docs = parameter_docs(factory)
    lines = [f"{name}: {summary}", "parameters:" if docs else "no parameters"]
    return "\n".join(lines + [f"  {d.line()}" for d in docs])
