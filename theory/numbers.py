"""Exact and float numbers: one code path for both kinds.

An array is *exact* when it is a numpy object array of :class:`fractions.Fraction` and *float*
when it is a float64 array. Every algorithm of deconfuse accepts both kinds and returns the kind
it was given.
"""

from __future__ import annotations

import decimal
import math
import re
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

import numpy as np

from theory.errors import InvalidArgument

__all__ = [
    "Number",
    "FLOAT_TOLERANCE",
    "is_exact",
    "MAX_DIGITS",
    "parse_number",
    "parse_number_text",
    "parse_int_text",
    "parse_float_text",
    "format_number",
    "decimal_text",
    "exact_and_decimal",
    "exact_array",
    "float_array",
    "coerce_array",
    "to_float_array",
    "to_exact_array",
    "zeros_like_kind",
]

Number = Fraction | float

#: Absolute tolerance used wherever float numbers are compared with an exact constraint
#: (a transition row summing to 1, a policy row summing to 1, float ties in an argmax).
FLOAT_TOLERANCE = 1e-9

#: The most digits the numerator or the denominator of a number read from text may have: the
#: limit of Python's own int/str conversion (``sys.get_int_max_str_digits()``, 4300 by
#: default), which also bounds the work of reading one number ("1e999999999" is refused, not
#: expanded into a billion digits).
MAX_DIGITS = 4300

#: The number grammar: an optionally signed integer, decimal (with an optional exponent) or
#: "p/q" of two integers. No underscores ("1_0"), no inner spaces, no "inf" or "nan".
_DECIMAL = re.compile(r"([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?")
_RATIO = re.compile(r"([+-]?[0-9]+)/([0-9]+)")


def is_exact(array: np.ndarray) -> bool:
    """True when ``array`` holds exact rationals (an object array), False for float64.

    >>> is_exact(exact_array([1, 2]))
    True
    >>> is_exact(np.zeros(2))
    False
    """
    return np.asarray(array).dtype == object


def parse_number(value: Any, field: str = "value") -> Fraction:
    """Read ``value`` exactly as a Fraction: an int, a Fraction, a string "p/q" or a decimal
    string, or a float read as the shortest decimal that round-trips (0.1 -> 1/10).

    >>> parse_number("3/7"), parse_number("0.25"), parse_number(0.1)
    (Fraction(3, 7), Fraction(1, 4), Fraction(1, 10))
    >>> parse_number("abc", "discount")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discount is 'abc', not a number (use an int, "p/q" or a decimal)
    """
    if isinstance(value, bool):
        raise InvalidArgument(f"{field} is {value!r}, not a number")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Integral):
        return Fraction(int(value))
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, (float, np.floating)):
        if not math.isfinite(value):
            raise InvalidArgument(f"{field} is {float(value)!r}, not a finite number")
        return Fraction(repr(float(value)))
    if isinstance(value, str):
        result = parse_number_text(value)
        if isinstance(result, str):
            raise InvalidArgument(f"{field} is {_shown(value)}, {result}")
        return result
    # sympy / flint rationals expose p and q, or numerator and denominator
    for num, den in (("numerator", "denominator"), ("p", "q")):
        if hasattr(value, num) and hasattr(value, den):
            try:
                return Fraction(int(getattr(value, num)), int(getattr(value, den)))
            except (TypeError, ValueError):
                break
    raise InvalidArgument(f"{field} is {value!r}, not a number")


def parse_number_text(text: str) -> Fraction | str:
    """The exact number written ``text`` by the strict grammar (surrounding spaces allowed):
    an optionally signed integer ("-3"), decimal ("0.25", "1e400", "2.5E-3") or ratio of two
    integers ("3/7"); or, when ``text`` is not one, the reason as a phrase for a message.
    Python's :class:`~fractions.Fraction` is more lenient ("1_0" is 10 there): this grammar is
    the one every number given as text goes through. A numerator or denominator of more than
    :data:`MAX_DIGITS` digits is refused before it is computed.

    >>> parse_number_text("1e400") == 10**400, parse_number_text(" -3/6 ")
    (True, Fraction(-1, 2))
    >>> parse_number_text("1_0")
    'not a number (use an int, "p/q" or a decimal)'
    >>> parse_number_text("1e5000")
    'a number of 5001 digits, more than the 4300 deconfuse reads'
    """
    t = text.strip() if isinstance(text, str) else ""
    bad = 'not a number (use an int, "p/q" or a decimal)'
    ratio = _RATIO.fullmatch(t)
    if ratio:
        p, q = ratio.groups()
        digits = max(len(p.lstrip("+-")), len(q))
        if digits > MAX_DIGITS:
            return f"a number of {digits} digits, more than the {MAX_DIGITS} deconfuse reads"
        if q.strip("0") == "":
            return bad
        return Fraction(int(p), int(q))
    match = _DECIMAL.fullmatch(t)
    if not match or not (match.group(2) or match.group(3)):
        return bad
    sign, whole, frac, exponent = match.groups()
    frac = frac or ""
    if exponent and len(exponent.lstrip("+-0")) > 9:
        return f"a number with the exponent {_shown(exponent, 12)}, more digits than the {MAX_DIGITS} deconfuse reads"
    exp = int(exponent) if exponent else 0
    digits_text = (whole + frac).lstrip("0") or "0"
    if digits_text == "0":
        return Fraction(0)
    shift = exp - len(frac)  # value = int(digits) * 10**shift
    size = max(len(digits_text) + max(shift, 0), max(-shift, 0) + 1)
    if size > MAX_DIGITS:
        return f"a number of {size} digits, more than the {MAX_DIGITS} deconfuse reads"
    mantissa = int(digits_text) * (-1 if sign == "-" else 1)
    return Fraction(mantissa * 10**shift) if shift >= 0 else Fraction(mantissa, 10**-shift)



def parse_int_text(text: str) -> int:
    """The int written ``text`` by the strict grammar of :func:`parse_number_text`: digits with
    an optional sign (no "1_0", "0x10" or "3.0"); ValueError otherwise.

    >>> parse_int_text(" 12 "), parse_int_text("-3")
    (12, -3)
    """
    value = parse_number_text(text)
    if isinstance(value, str) or value.denominator != 1 or not text.strip().lstrip("+-").isdigit():
        raise ValueError(text)
    return int(value)


def parse_float_text(text: str) -> float:
    """The float64 nearest to the number written ``text`` by the strict grammar of
    :func:`parse_number_text` (no "inf", "nan" or "1_0"); ValueError when ``text`` is not a
    number or float64 cannot hold it.

    >>> parse_float_text("1/4"), parse_float_text("1e-3")
    (0.25, 0.001)
    """
    value = parse_number_text(text)
    if isinstance(value, str):
        raise ValueError(text)
    try:
        return float(value)
    except OverflowError:
        raise ValueError(text) from None


def _shown(text: str, limit: int = 40) -> str:
    """A text value in a message, cut after ``limit`` characters."""
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"... ({len(text)} characters)"


def _int_text(n: int) -> str:
    """The decimal digits of an int of any size (``str`` refuses more than Python's
    int_max_str_digits; :mod:`decimal` converts an int exactly, without that limit)."""
    try:
        return str(n)
    except ValueError:
        return format(decimal.Decimal(n), "f")


def format_number(value: Any) -> str:
    """Print a number the way deconfuse writes it: "p/q" (or "p") for exact, repr for float.

    >>> format_number(Fraction(3, 6)), format_number(Fraction(4)), format_number(0.5)
    ('1/2', '4', '0.5')
    """
    if isinstance(value, Fraction):
        text = _int_text(value.numerator)
        return text if value.denominator == 1 else f"{text}/{_int_text(value.denominator)}"
    if isinstance(value, Integral):
        return _int_text(int(value))
    return repr(float(value))


def decimal_text(value: Any, digits: int = 6) -> str:
    """A number's decimal approximation to ``digits`` significant digits (format ``.6g``),
    computed without overflow: an exact rational too large or too small for float64 (10**400,
    1/10**400) is rounded through :mod:`decimal`, not through ``float``.

    >>> decimal_text(Fraction(1, 3)), decimal_text(Fraction(10**400, 3)), decimal_text(0.25)
    ('0.333333', '3.33333e+399', '0.25')
    >>> decimal_text(Fraction(10**400)), decimal_text(-10**400 // 7), decimal_text(Fraction(1, 10**400))
    ('1e+400', '-1.42857e+399', '1e-400')
    """
    if isinstance(value, Rational) and not isinstance(value, Integral):
        try:
            x = float(value)
        except OverflowError:
            x = math.inf
        if math.isfinite(x) and (x != 0 or value == 0) and (abs(x) >= 1e-300 or x == 0):
            return f"{x:.{digits}g}"
        return _decimal_g(int(value.numerator), int(value.denominator), digits)
    if isinstance(value, Integral):
        try:
            return f"{float(value):.{digits}g}"
        except OverflowError:
            return _decimal_g(int(value), 1, digits)
    return f"{float(value):.{digits}g}"


def _decimal_g(numerator: int, denominator: int, digits: int) -> str:
    """``numerator / denominator`` rounded to ``digits`` significant digits by :mod:`decimal`
    (no overflow), printed like a float's ``g`` format (no trailing zeros)."""
    with decimal.localcontext() as ctx:
        ctx.prec = digits
        ctx.Emax, ctx.Emin = decimal.MAX_EMAX, decimal.MIN_EMIN
        d = decimal.Decimal(numerator) / decimal.Decimal(denominator)
    return f"{d.normalize():.{digits}g}"


def exact_and_decimal(value: Any) -> str:
    """An exact number followed by its decimal approximation when it is not an integer:
    ``"2/5 (~0.4)"``; integers and floats print as :func:`format_number` alone.

    >>> exact_and_decimal(Fraction(2, 5)), exact_and_decimal(Fraction(3)), exact_and_decimal(0.5)
    ('2/5 (~0.4)', '3', '0.5')
    """
    text = format_number(value)
    if isinstance(value, Fraction) and value.denominator != 1:
        text += f" (~{decimal_text(value)})"
    return text


def exact_array(values: Any, field: str = "array") -> np.ndarray:
    """An object array of Fractions from nested lists of exact numbers (ints, Fractions, "p/q").

    Floats are refused: an exact array is made from exact numbers, or by :func:`to_exact_array`.

    >>> exact_array([[1, "1/2"]]).tolist()
    [[Fraction(1, 1), Fraction(1, 2)]]
    """
    arr = np.asarray(values, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    flat_in, flat_out = arr.reshape(-1), out.reshape(-1)
    for k, item in enumerate(flat_in):
        kind = type(item)
        if kind is Fraction:
            flat_out[k] = item
        elif kind is int:
            flat_out[k] = Fraction(item)
        else:
            index = np.unravel_index(k, arr.shape) if arr.shape else ()
            if isinstance(item, (float, np.floating)):
                raise InvalidArgument(
                    f"{field}{_index(index)} is the float {float(item)!r} in an exact array; "
                    "convert with to_exact() or write it as \"p/q\""
                )
            flat_out[k] = parse_number(item, f"{field}{_index(index)}")
    return out


def float_array(values: Any, field: str = "array") -> np.ndarray:
    """A float64 array from numbers; refuses what does not convert.

    >>> float_array([1, 0.5]).tolist()
    [1.0, 0.5]
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":
        return values.astype(np.float64)
    arr = np.asarray(values, dtype=object)
    try:
        out = np.array(arr.tolist(), dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{field} holds non-numeric entries") from None
    # tolist() of an empty array is [], which would lose the shape (0, S, A) -> (0,)
    return out.reshape(arr.shape) if out.size == 0 else out


def coerce_array(values: Any, exact: bool | None, field: str) -> np.ndarray:
    """Make ``values`` an array of the given kind (``exact=None``: infer it).

    Integers fit either kind. Floats in an exact context, or exact non-integer rationals in a
    float context, are refused with a message naming the field: converting silently would
    change the numbers.

    >>> coerce_array([1, 2], True, "x").dtype, coerce_array([1, 2], False, "x").dtype
    (dtype('O'), dtype('float64'))
    >>> coerce_array([0.5], True, "rewards['true']")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: rewards['true'] holds floats but the MDP is exact; convert with to_exact() first
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fc":
        kind = "float"
    else:
        arr = np.asarray(values, dtype=object)
        kinds = _kinds(arr)
        if "other" in kinds:
            bad = next(x for x in arr.flat if _kind(x) == "other")
            raise InvalidArgument(f"{field} holds {bad!r}, not a number")
        if "float" in kinds and "rational" in kinds:
            raise InvalidArgument(f"{field} mixes floats and exact rationals")
        kind = "float" if "float" in kinds else ("rational" if "rational" in kinds else "int")
    if exact is None:
        exact = kind != "float"
    if exact:
        if kind == "float":
            raise InvalidArgument(
                f"{field} holds floats but the MDP is exact; convert with to_exact() first"
            )
        return exact_array(values, field)
    if kind == "rational":
        raise InvalidArgument(
            f"{field} holds exact rationals but the MDP is float; convert with to_float() first"
        )
    return float_array(values, field)


def to_float_array(array: np.ndarray, field: str = "array") -> np.ndarray:
    """The float64 version of an array of either kind; an exact entry too large for float64 is
    an InvalidArgument naming ``field`` and the entry's index (nothing becomes inf).

    >>> to_float_array(exact_array(["1/4"])).tolist()
    [0.25]
    >>> to_float_array(exact_array([0, 10**400]), "rewards")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: rewards[1] is about 1e+400, too large for float64
    """
    arr = np.asarray(array)
    try:
        return np.array(arr.tolist(), dtype=np.float64)
    except OverflowError:
        for index, x in np.ndenumerate(arr):
            try:
                float(x)
            except OverflowError:
                raise InvalidArgument(f"{field}{_index(index)} is about {decimal_text(x)}, too large for float64") from None
        raise  # pragma: no cover - some entry overflowed


def to_exact_array(
    array: np.ndarray, max_denominator: int | None = None, field: str = "array"
) -> np.ndarray:
    """The exact version of an array: a float becomes the shortest decimal that round-trips
    (0.1 -> 1/10), or the nearest fraction with denominator <= ``max_denominator`` when given
    (1/3 as a float comes back as 1/3 with max_denominator=1000).

    >>> to_exact_array(np.array([0.1, 1 / 3]), max_denominator=1000).tolist()
    [Fraction(1, 10), Fraction(1, 3)]
    """
    arr = np.asarray(array)
    if arr.dtype == object:
        return arr.copy()
    if max_denominator is not None and (
        not isinstance(max_denominator, Integral) or max_denominator < 1
    ):
        raise InvalidArgument(f"max_denominator is {max_denominator!r}, not a positive integer")
    out = np.empty(arr.shape, dtype=object)
    for index, item in np.ndenumerate(arr):
        frac = parse_number(float(item), f"{field}{_index(index)}")
        if max_denominator is not None:
            frac = Fraction(float(item)).limit_denominator(int(max_denominator))
        out[index] = frac
    return out


def zeros_like_kind(shape: tuple[int, ...], exact: bool) -> np.ndarray:
    """A zero array of the given kind.

    >>> zeros_like_kind((2,), True).tolist()
    [Fraction(0, 1), Fraction(0, 1)]
    """
    if exact:
        out = np.empty(shape, dtype=object)
        out.fill(Fraction(0))
        return out
    return np.zeros(shape, dtype=np.float64)


def _kinds(arr: np.ndarray) -> set[str]:
    """The set of number kinds in an object array (fast when it holds only Fractions/ints)."""
    types = set(map(type, arr.flat))
    if types <= {Fraction, int}:
        fractions = (x for x in arr.flat if type(x) is Fraction)
        return {"rational"} if any(x.denominator != 1 for x in fractions) else {"int"}
    return {_kind(x) for x in arr.flat}


def _kind(x: Any) -> str:
    if isinstance(x, bool):
        return "other"
    if isinstance(x, Integral):
        return "int"
    if isinstance(x, (float, np.floating)):
        return "float"
    if isinstance(x, Fraction):
        return "int" if x.denominator == 1 else "rational"
    if isinstance(x, str):
        f = parse_number_text(x)
        if isinstance(f, str):
            return "other"
        return "int" if f.denominator == 1 else "rational"
    if isinstance(x, Rational):
        return "rational"
    if hasattr(x, "p") and hasattr(x, "q"):
        return "rational"
    return "other"


def _index(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(i) for i in index) + "]" if index else ""
