"""Argument checks shared by the environment builders: one module, one exception type.

Every helper raises :class:`theory.errors.InvalidArgument` with a one-line message naming the
argument and its value, in the style of Hypothesis' ``internal/validation.py``. Exact numbers
are :class:`fractions.Fraction`; a float argument is read as the shortest decimal that
round-trips (``0.2 -> 1/5``), as :func:`theory.numbers.parse_number` does.
"""

from __future__ import annotations

from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np

from theory.errors import InvalidArgument
from theory.numbers import format_number, parse_number

__all__ = [
    "DEFAULT_DISCOUNT",
    "check_mdp",
    "show_labels",
    "check_int",
    "check_number",
    "check_probability",
    "check_seed",
    "check_time",
    "uniform_multiples",
]

#: The discount used when a builder is given neither ``discount`` nor ``horizon``.
DEFAULT_DISCOUNT = Fraction(9, 10)


def check_int(value: Any, field: str, minimum: int | None = None) -> int:
    """``value`` as an int (bools refused), at least ``minimum`` when given.

    >>> check_int(3, "n", 2)
    3
    >>> check_int(1, "n", 2)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: n is 1, not an integer >= 2
    """
    if isinstance(value, bool) or not isinstance(value, Integral):
        bound = "" if minimum is None else f" >= {minimum}"
        raise InvalidArgument(f"{field} is {value!r}, not an integer{bound}")
    if minimum is not None and value < minimum:
        raise InvalidArgument(f"{field} is {int(value)}, not an integer >= {minimum}")
    return int(value)


def check_number(value: Any, field: str) -> Fraction:
    """``value`` as an exact Fraction (an int, a Fraction, "p/q", a decimal string or a float).

    >>> check_number("3/4", "slip"), check_number(0.2, "slip")
    (Fraction(3, 4), Fraction(1, 5))
    """
    return parse_number(value, field)


def check_probability(value: Any, field: str) -> Fraction:
    """``value`` as an exact Fraction in [0, 1].

    >>> check_probability("1/5", "slip")
    Fraction(1, 5)
    >>> check_probability(2, "slip")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: slip is 2, not in [0, 1]
    """
    p = parse_number(value, field)
    if not 0 <= p <= 1:
        raise InvalidArgument(f"{field} is {format_number(p)}, not in [0, 1]")
    return p


def check_seed(seed: Any) -> int:
    """A seed for :func:`numpy.random.default_rng`: a non-negative int.

    >>> check_seed(7)
    7
    """
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise InvalidArgument(f"seed is {seed!r}, not a non-negative integer")
    return int(seed)


def check_time(
    discount: Any, horizon: Any, default_discount: Fraction = DEFAULT_DISCOUNT
) -> tuple[Fraction | None, int | None]:
    """Exactly one of ``discount`` in [0, 1) and ``horizon`` >= 1; neither given means
    ``default_discount``. Returns ``(discount, horizon)`` with one of them None.

    >>> check_time(None, None), check_time(None, 3)
    ((Fraction(9, 10), None), (None, 3))
    >>> check_time("1/2", 3)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discount is '1/2' and horizon is 3; give at most one
    """
    if discount is not None and horizon is not None:
        raise InvalidArgument(
            f"discount is {discount!r} and horizon is {horizon!r}; give at most one"
        )
    if horizon is not None:
        return None, check_int(horizon, "horizon", 1)
    d = default_discount if discount is None else parse_number(discount, "discount")
    if not 0 <= d < 1:
        raise InvalidArgument(f"discount is {format_number(d)}, not in [0, 1)")
    return d, None


def uniform_multiples(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    low: Fraction,
    high: Fraction,
    denominator: int,
) -> np.ndarray:
    """An object array of Fractions drawn independently and uniformly from the multiples of
    ``1/denominator`` in ``[low, high]`` (one call of ``rng.integers``).

    >>> uniform_multiples(np.random.default_rng(0), (3,), Fraction(0), Fraction(1), 4).shape
    (3,)
    """
    k_low = -((-low * denominator) // 1)  # ceil(low * denominator)
    k_high = (high * denominator) // 1  # floor(high * denominator)
    ints = rng.integers(int(k_low), int(k_high) + 1, size=shape)
    out = np.empty(shape, dtype=object)
    for index, k in np.ndenumerate(ints):
        out[index] = Fraction(int(k), denominator)
    return out


def check_mdp(mdp: Any) -> Any:
    """``mdp`` itself when it is a FiniteMDP; else a one-line error naming its type."""
    from theory.mdp import FiniteMDP

    if not isinstance(mdp, FiniteMDP):
        raise InvalidArgument(f"mdp is {type(mdp).__name__}, not a FiniteMDP")
    return mdp


def show_labels(labels: tuple[str, ...], limit: int = 6) -> str:
    """Labels for an error message, cut after ``limit``: ``['s0', 's1', ...]``.

    >>> show_labels(("a", "b", "c"), limit=2)
    "['a', 'b', ...]"
    """
    shown = ", ".join(repr(x) for x in labels[:limit])
    return f"[{shown}, ...]" if len(labels) > limit else f"[{shown}]"
