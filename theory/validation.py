"""The one validation module: every check of an MDP or a policy lives here.

Each helper raises the given error class with a one-line message that names the field, the
index (as state/action labels) and the offending value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from theory.errors import DeconfuseError, InvalidArgument
from theory.numbers import FLOAT_TOLERANCE, coerce_array, format_number

__all__ = [
    "check_labels",
    "check_array",
    "check_distribution_rows",
    "check_finite",
    "check_probability",
    "label_index",
]


def label_index(labels: Sequence[str], *indices: int) -> str:
    """Format an index as labels: ``['s0', 'go']``."""
    return "[" + ", ".join(repr(labels_i[i]) for labels_i, i in zip(labels, indices)) + "]"


def check_labels(labels: Any, field: str, error: type[DeconfuseError]) -> tuple[str, ...]:
    """Labels are a non-empty sequence of distinct strings."""
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise error(f"{field} is {labels!r}, not a sequence of string labels")
    labels = tuple(labels)
    if not labels:
        raise error(f"{field} is empty; at least one label is needed")
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise error(f"{field}[{i}] is {label!r}, not a string")
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise error(f"{field} repeats the label {label!r}")
        seen.add(label)
    return labels


def check_array(
    values: Any,
    shape: tuple[int, ...],
    exact: bool | None,
    field: str,
    error: type[DeconfuseError],
) -> np.ndarray:
    """Coerce to the kind (exact/float) and check the shape; a read-only array comes back."""
    try:
        arr = coerce_array(values, exact, field)
    except InvalidArgument as exc:
        raise error(str(exc)) from None
    if arr.shape != shape:
        raise error(f"{field} has shape {arr.shape}, expected {shape}")
    arr.setflags(write=False)
    return arr


def check_finite(
    arr: np.ndarray, field: str, labels: Sequence[Sequence[str]], error: type[DeconfuseError]
) -> None:
    """Every entry is finite (floats: no NaN or inf; exact numbers always are)."""
    if arr.dtype == object:
        return
    bad = np.argwhere(~np.isfinite(arr))
    if len(bad):
        index = tuple(int(i) for i in bad[0])
        raise error(f"{field}{label_index(labels, *index)} is {format_number(arr[index])}, not finite")


def check_distribution_rows(
    arr: np.ndarray,
    field: str,
    labels: Sequence[Sequence[str]],
    error: type[DeconfuseError],
) -> None:
    """The last axis of ``arr`` holds probability distributions: entries >= 0 and each row
    sums to exactly 1 (exact) or to 1 within FLOAT_TOLERANCE (float); no NaN."""
    exact = arr.dtype == object
    if not exact:
        bad = np.argwhere(np.isnan(arr))
        if len(bad):
            index = tuple(int(i) for i in bad[0])
            raise error(f"{field}{label_index(labels, *index)} is nan")
        bad = np.argwhere(~np.isfinite(arr))
        if len(bad):
            index = tuple(int(i) for i in bad[0])
            raise error(f"{field}{label_index(labels, *index)} is {format_number(arr[index])}, not finite")
    negative = np.argwhere(arr < 0)
    if len(negative):
        index = tuple(int(i) for i in negative[0])
        raise error(
            f"{field}{label_index(labels, *index)} is {format_number(arr[index])}, a negative probability"
        )
    sums = np.asarray(arr.sum(axis=-1), dtype=arr.dtype).reshape(arr.shape[:-1])
    if exact:
        wrong = np.argwhere(sums != 1)
    else:
        wrong = np.argwhere(np.abs(sums - 1.0) > FLOAT_TOLERANCE)
    if len(wrong):
        index = tuple(int(i) for i in wrong[0])
        total = sums[index]
        where = label_index(labels, *index) if index else ""
        tol = "" if exact else f" within {FLOAT_TOLERANCE:g}"
        raise error(f"{field}{where} sums to {format_number(total)}, not 1{tol}")


def check_probability(value: Any, field: str, low_open: bool = False) -> Fraction | float:
    """A number in [0, 1] (or (0, 1] when ``low_open``), kept in its kind."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction, np.floating, np.integer)):
        raise InvalidArgument(f"{field} is {value!r}, not a number")
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        raise InvalidArgument(f"{field} is {float(value)!r}, not a finite number")
    if value > 1 or value < 0 or (low_open and value == 0):
        interval = "(0, 1]" if low_open else "[0, 1]"
        raise InvalidArgument(f"{field} is {format_number(value)}, not in {interval}")
    return value
