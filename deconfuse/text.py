"""Text helpers of the command line: aligned tables, JSON numbers and the parsing of list and
interval options.

Examples
--------
>>> print(table([["s0", "1/2"], ["s1", "10"]], ["state", "value"]))
state  value
-----  -----
s0     1/2
s1     10
>>> parse_list("1, 2,4", int), parse_symbolic("gamma=0..99/100")
([1, 2, 4], ('gamma', '0', '99/100'))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from theory.errors import InvalidArgument
from theory.numbers import format_number, parse_float_text, parse_int_text

__all__ = ["table", "json_number", "parse_list", "parse_symbolic", "integer", "number", "os_reason", "option_error"]


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> str:
    """``rows`` under ``header`` as left-aligned columns two spaces apart, with a rule of dashes
    under the header and no trailing spaces.

    >>> table([["a", 1]], ["name", "n"]).splitlines()
    ['name  n', '----  -', 'a     1']
    """
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(row: Sequence[Any]) -> str:
        return "  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


def json_number(x: Any, exact: bool) -> Any:
    """A number for ``--json`` output: the "p/q" string of :func:`theory.numbers.format_number`
    when ``exact``, else a float.

    >>> from fractions import Fraction
    >>> json_number(Fraction(860, 91), True), json_number(Fraction(1, 4), False)
    ('860/91', 0.25)
    """
    return format_number(x) if exact else float(x)


def parse_list(text: str | None, convert: Callable[[str], Any] = str) -> list[Any] | None:
    """A comma-separated option value as a list of ``convert``-ed items (None when not given);
    empty items are skipped; one InvalidArgument line when an item does not convert.

    >>> parse_list("1/2,,1/4"), parse_list(None)
    (['1/2', '1/4'], None)
    >>> parse_list("1,x", int)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: '1,x' is not a comma-separated list of int values
    """
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    try:
        return [convert(t) for t in items]
    except ValueError:
        name = getattr(convert, "__name__", repr(convert))
        raise InvalidArgument(f"{text!r} is not a comma-separated list of {name} values") from None


def parse_symbolic(text: str) -> tuple[str, str | None, str | None]:
    """``NAME=LO..HI`` (or ``NAME``: its declared range) -> ``(name, lo, hi)``, the bounds as
    text (None for the declared range).

    >>> parse_symbolic("p_slip"), parse_symbolic(" eps = 0 .. 2 ")
    (('p_slip', None, None), ('eps', '0', '2'))
    """
    name, _, rng = text.partition("=")
    if not name.strip():
        raise InvalidArgument(f"--symbolic {text!r} is not NAME=LO..HI")
    if not rng:
        return name.strip(), None, None
    lo, sep, hi = rng.partition("..")
    if not sep or not lo.strip() or not hi.strip():
        raise InvalidArgument(f"--symbolic {text!r} is not NAME=LO..HI (e.g. gamma=0..99/100)")
    return name.strip(), lo.strip(), hi.strip()


def os_reason(exc: OSError) -> str:
    """The reason of an operating-system error in lower case ("is a directory", "permission
    denied", "no such file or directory"), without errno and file name.

    >>> os_reason(IsADirectoryError(21, "Is a directory", "/tmp"))
    'is a directory'
    """
    return (exc.strerror or str(exc) or type(exc).__name__).lower()


def option_error(option: str, value: object, exc: OSError) -> InvalidArgument:
    """The one-line error of an option whose file or folder the system refused:
    ``--out /tmp: is a directory``.

    >>> option_error("--out", "/tmp", IsADirectoryError(21, "Is a directory", "/tmp"))
    InvalidArgument('--out /tmp: is a directory')
    """
    where = f" (at {exc.filename})" if exc.filename is not None and str(exc.filename) != str(value) else ""
    return InvalidArgument(f"{option} {value or repr(value)}: {os_reason(exc)}{where}")


def integer(text: str) -> int:
    """:func:`theory.numbers.parse_int_text` under the name argparse shows ("invalid integer
    value").

    >>> integer(" 12 "), integer("-3")
    (12, -3)
    >>> integer("1_0")
    Traceback (most recent call last):
    ...
    ValueError: 1_0
    """
    return parse_int_text(text)


def number(text: str) -> float:
    """:func:`theory.numbers.parse_float_text` under the name argparse shows ("invalid number
    value").

    >>> number("1/4"), number("1e-3")
    (0.25, 0.001)
    """
    return parse_float_text(text)
