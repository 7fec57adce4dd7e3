"""The memory budget: every computation whose size multiplies out is checked before it allocates.

A computation of deconfuse whose size is a product of its inputs (states x actions x successors
when an MDP is built or read, horizon x states x actions in backward induction, the outcomes of a
return distribution, the depth of a lookahead search, the MDPs of a sweep, ...) first estimates
the memory it needs and calls :func:`check_budget`; over the budget, the computation does not
start and one line names the parameter, its value, the estimate and how to raise the budget:

    horizon is 1000000000: exact backward induction needs about 1.09 TB, over the memory
    budget of 4 GB; set DECONFUSE_MEMORY_BUDGET (or deconfuse --memory-budget) to raise it

(a two-state MDP file with ``"horizon": 1000000000``, refused at once; unchecked, it grew to
14 GB before it was killed).

The budget is :data:`DEFAULT_BUDGET` (4 GB) unless the environment variable
:data:`BUDGET_VARIABLE` (``DECONFUSE_MEMORY_BUDGET``) holds another size, such as ``8GB``,
``512MB`` or a number of bytes; ``deconfuse --memory-budget SIZE`` sets that variable for one run.

Estimates count what the arrays hold: :data:`FLOAT_ENTRY_BYTES` (8) per float64 entry and
:data:`EXACT_ENTRY_BYTES` (120) per exact entry (an 8-byte slot of an object array, a
``Fraction`` of 56 bytes and its two Python ints, about 28 bytes each and more for large
numbers). They are estimates of the arrays alone, not a bound on the process's peak.

Examples
--------
>>> parse_size("8GB"), parse_size("512 MB"), parse_size("1000")
(8589934592, 536870912, 1000)
>>> format_size(16 * 2**30), format_size(1536 * 2**20)
('16 GB', '1.5 GB')
>>> check_budget("horizon", 10**9, 10**9 * 4 * EXACT_ENTRY_BYTES, "backward induction", budget=4 * 2**30)
Traceback (most recent call last):
...
theory.errors.InvalidArgument: horizon is 1000000000: backward induction needs about 447 GB, over the memory budget of 4 GB; set DECONFUSE_MEMORY_BUDGET (or deconfuse --memory-budget) to raise it
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from theory.errors import InvalidArgument
from theory.numbers import decimal_text
from theory.validation import show_value

__all__ = [
    "BUDGET_VARIABLE",
    "DEFAULT_BUDGET",
    "EXACT_ENTRY_BYTES",
    "FLOAT_ENTRY_BYTES",
    "DENSE_SLOT_BYTES",
    "WORKING_ARRAYS",
    "entry_bytes",
    "parse_size",
    "format_size",
    "memory_budget",
    "check_budget",
    "check_entries",
    "mdp_bytes",
    "check_mdp_size",
    "denominator_bits",
    "growing_entry_bytes",
]

#: The environment variable that sets the memory budget (e.g. ``DECONFUSE_MEMORY_BUDGET=8GB``).
BUDGET_VARIABLE = "DECONFUSE_MEMORY_BUDGET"
#: The budget when :data:`BUDGET_VARIABLE` is not set: 4 GB.
DEFAULT_BUDGET = 4 * 2**30
#: Estimated bytes of one exact (Fraction) entry of an object array, slot included.
EXACT_ENTRY_BYTES = 120
#: Bytes of one float64 entry.
FLOAT_ENTRY_BYTES = 8
#: Bytes per entry of a dense (S, A, S) transition array while an MDP is built and validated:
#: the array and the two working copies of its validation, an 8-byte slot each (the zeros of
#: an exact array are one shared Fraction).
DENSE_SLOT_BYTES = 3 * FLOAT_ENTRY_BYTES
#: The (S, A) arrays of exact numbers that building and solving an MDP hold at once beside its
#: rewards: the draws and sums a builder makes, the validated copies, and a solver's Q-values,
#: policy and working rewards.
WORKING_ARRAYS = 6

_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20,
          "g": 2**30, "gb": 2**30, "gib": 2**30, "t": 2**40, "tb": 2**40, "tib": 2**40}
_SIZE = re.compile(r"([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]*)")


def entry_bytes(exact: bool) -> int:
    """The estimated bytes of one array entry of the given kind.

    >>> entry_bytes(True), entry_bytes(False)
    (120, 8)
    """
    return EXACT_ENTRY_BYTES if exact else FLOAT_ENTRY_BYTES


def parse_size(text: str, field: str = BUDGET_VARIABLE) -> int:
    """A memory size written as a number with an optional unit (B, KB, MB, GB, TB, powers of
    1024; case and a space between are free), in bytes; one line naming ``field`` otherwise.

    >>> parse_size("1.5g")
    1610612736
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: DECONFUSE_MEMORY_BUDGET is 'lots', not a size such as 8GB, 512MB or a number of bytes
    """
    match = _SIZE.fullmatch(text.strip()) if isinstance(text, str) else None
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS or float(match.group(1)) <= 0:
        raise InvalidArgument(f"{field} is {text!r}, not a size such as 8GB, 512MB or a number of bytes")
    return int(float(match.group(1)) * _UNITS[unit])


def format_size(n: float) -> str:
    """A number of bytes for a message, in the largest unit that keeps it >= 1, with three
    significant digits (GB = 2**30 bytes).

    >>> format_size(512), format_size(14.9 * 2**30), format_size(10**30), format_size(10**400)
    ('512 bytes', '14.9 GB', '9.09e+17 TB', '9.09e+387 TB')
    """
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{decimal_text(Fraction(n) / size, 3)} {unit}"
    return f"{int(n)} bytes"


def memory_budget() -> int:
    """The memory budget in bytes: :data:`BUDGET_VARIABLE` when set, else :data:`DEFAULT_BUDGET`.

    >>> memory_budget() > 0
    True
    """
    text = os.environ.get(BUDGET_VARIABLE)
    return DEFAULT_BUDGET if text is None or not text.strip() else parse_size(text)


def check_budget(
    parameter: str, value: Any, estimated_bytes: float, what: str = "this computation", budget: int | None = None
) -> None:
    """Refuse a computation that would need more than the memory budget (``budget``; default
    :func:`memory_budget`): one line naming the ``parameter``, its ``value``, the estimate of
    ``what`` needs and how to raise the budget. Call it before allocating.

    >>> check_budget("states", 10, 10 * 8)
    >>> check_budget("n_mdps", 10**9, 10**9 * 2**20, "the sweep", budget=2**30)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: n_mdps is 1000000000: the sweep needs about 954 TB, over the memory budget of 1 GB; set DECONFUSE_MEMORY_BUDGET (or deconfuse --memory-budget) to raise it
    """
    limit = memory_budget() if budget is None else budget
    if estimated_bytes > limit:
        shown = value if isinstance(value, str) else show_value(value)
        estimate = "more than any memory" if estimated_bytes == math.inf else format_size(estimated_bytes)
        raise InvalidArgument(
            f"{parameter} is {shown}: {what} needs about {estimate}, over the memory budget of "
            f"{format_size(limit)}; set {BUDGET_VARIABLE} (or deconfuse --memory-budget) to raise it"
        )


def check_entries(parameter: str, value: Any, entries: int, exact: bool, what: str = "this computation") -> None:
    """:func:`check_budget` for ``entries`` array entries of the given kind (exact or float).

    >>> check_entries("horizon", 3, 3 * 2 * 2, exact=True, what="backward induction")
    """
    check_budget(parameter, value, entries * entry_bytes(exact), what)


def mdp_bytes(S: int, A: int, exact: bool = True, rewards: int = 2, nonzeros: int | None = None) -> int:
    """The estimated memory of building and solving a FiniteMDP of ``S`` states and ``A``
    actions: its dense (S, A, S) transitions (:data:`DENSE_SLOT_BYTES` per entry) or, when the
    number of ``nonzeros`` is known (a sparse model), that many sparse entries (an index and a
    number of the kind, :func:`entry_bytes` + 8 each), its
    ``rewards`` (S, A) reward arrays and :data:`WORKING_ARRAYS` more (S, A) arrays, of the kind.
    (Measured: a 10**7-armed exact bandit, estimated at 9.2 GB, held 4.9 GB after 5 minutes of
    solving, unfinished.)

    >>> mdp_bytes(1000, 4) == 1000 * 4 * 1000 * 24 + (2 + 6) * 1000 * 4 * 120
    True
    """
    transitions = S * A * S * DENSE_SLOT_BYTES if nonzeros is None else nonzeros * (entry_bytes(exact) + 8)
    return transitions + (rewards + WORKING_ARRAYS) * S * A * entry_bytes(exact)


def check_mdp_size(parameter: str, value: Any, S: int, A: int, exact: bool = True, rewards: int = 2,
                   nonzeros: int | None = None) -> None:
    """:func:`check_budget` for building an MDP of ``S`` states and ``A`` actions
    (:func:`mdp_bytes`), before its arrays are allocated.

    >>> check_mdp_size("n", 10**6, 10**6, 2)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: n is 1000000: an MDP of 1000000 states and 2 actions needs about 43.7 TB, over the memory budget of 4 GB; set DECONFUSE_MEMORY_BUDGET (or deconfuse --memory-budget) to raise it
    """
    plural = lambda n, word: f"{n} {word}" + ("" if n == 1 else "s")  # noqa: E731
    check_budget(parameter, value, mdp_bytes(S, A, exact, rewards, nonzeros),
                 f"an MDP of {plural(S, 'state')} and {plural(A, 'action')}")


def denominator_bits(numbers: Iterable[Any]) -> int:
    """The largest bit length of the denominators of exact ``numbers`` (0 when there are
    none): how many bits a number's denominator can gain in one step of an exact recursion
    that multiplies by them (backward induction, a lookahead search).

    >>> denominator_bits([Fraction(1, 10), Fraction(9, 10), 1, 0.5])
    4
    """
    return max(((x.denominator - 1).bit_length() for x in numbers if isinstance(x, Fraction)), default=0)


def growing_entry_bytes(steps: int, bits_per_step: int) -> int:
    """The estimated mean bytes of an exact entry of a recursion over ``steps`` steps whose
    numbers gain ``bits_per_step`` bits a step (numerator and denominator): the slot and
    Fraction of :data:`EXACT_ENTRY_BYTES` plus, on average over the steps, half the final size.

    >>> growing_entry_bytes(1000, 4)
    620
    """
    return EXACT_ENTRY_BYTES + steps * bits_per_step // 8
