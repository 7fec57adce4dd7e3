"""Checks of labels and arrays (finite entries, distribution rows dense and sparse, action
masks); part of :mod:`theory.validation`, re-exported there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from theory.errors import DeconfuseError, InvalidArgument
from theory.numbers import (
    FLOAT_TOLERANCE,
    coerce_array,
    format_number,
)
from theory.validation.arguments import label_index, show_labels

__all__ = [
    "check_labels",
    "check_array",
    "check_distribution_rows",
    "check_enabled",
    "check_sparse_rows",
    "check_finite",
]


def check_labels(labels: Any, field: str, error: type[DeconfuseError]) -> tuple[str, ...]:
    """Labels are a non-empty sequence of distinct non-empty strings.

    >>> check_labels(["s0", ""], "states", InvalidArgument)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: states[1] is '', not a label (a label is a non-empty string)
    """
    if isinstance(labels, tuple) and _CHECKED_LABELS.get(id(labels)) is labels:
        return labels  # this very tuple passed before (an MDP's labels, handed to its policies)
    if isinstance(labels, str) or not isinstance(labels, Sequence):
        raise error(f"{field} is {labels!r}, not a sequence of string labels")
    labels = tuple(labels)
    if not labels:
        raise error(f"{field} is empty; at least one label is needed")
    for i, label in enumerate(labels):
        if not isinstance(label, str):
            raise error(f"{field}[{i}] is {label!r}, not a string")
        if not label:
            raise error(f"{field}[{i}] is '', not a label (a label is a non-empty string)")
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise error(f"{field} repeats the label {label!r}")
        seen.add(label)
    if len(_CHECKED_LABELS) >= 256:
        _CHECKED_LABELS.clear()
    _CHECKED_LABELS[id(labels)] = labels  # the value keeps the tuple (and so its id) alive
    return labels


#: Label tuples that passed :func:`check_labels`, by id (the tuple itself is the value, so an
#: id cannot be reused while it is here; tuples are immutable, so a tuple that passed still does).
_CHECKED_LABELS: dict[int, tuple[str, ...]] = {}


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
    if not exact and arr.size:  # the common case in two passes: no NaN (min would be NaN), no
        # negative entry, every row sum (inf for an infinite entry) within the tolerance of 1
        if arr.min() >= 0 and bool(np.all(np.abs(arr.sum(axis=-1) - 1.0) <= FLOAT_TOLERANCE)):
            return
    if not exact and not np.isfinite(arr).all():
        bad = np.argwhere(np.isnan(arr))
        if len(bad):
            index = tuple(int(i) for i in bad[0])
            raise error(f"{field}{label_index(labels, *index)} is nan")
        bad = np.argwhere(~np.isfinite(arr))
        if len(bad):
            index = tuple(int(i) for i in bad[0])
            raise error(f"{field}{label_index(labels, *index)} is {format_number(arr[index])}, not finite")
    below = arr < 0
    negative = np.argwhere(below) if below.any() else ()
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


def check_enabled(enabled: Any, states: Sequence[str], actions: Sequence[str],
                  error: type[DeconfuseError]) -> np.ndarray:
    """The (S, A) mask of the actions enabled in each state, read-only: ``None`` (all enabled),
    an (S, A) array of bools, or ``{state: [actions]}`` (states not listed: all enabled). Every
    state needs at least one enabled action.

    >>> check_enabled({"s1": ["b"]}, ["s0", "s1"], ["a", "b"], ValueError).tolist()
    [[True, True], [False, True]]
    >>> check_enabled([[True, False], [False, False]], ["s0", "s1"], ["a", "b"], ValueError)
    Traceback (most recent call last):
    ...
    ValueError: enabled['s1'] has no action; every state needs at least one enabled action
    """
    S, A = len(states), len(actions)
    if enabled is None:
        mask = np.ones((S, A), dtype=bool)
    elif isinstance(enabled, Mapping):
        mask = np.ones((S, A), dtype=bool)
        state_at = {x: i for i, x in enumerate(states)}
        action_at = {x: i for i, x in enumerate(actions)}
        for state, acts in enabled.items():
            if state not in state_at:
                raise error(f"enabled names state {state!r}, not one of {show_labels(states)}")
            if isinstance(acts, str) or not isinstance(acts, Sequence):
                raise error(f"enabled[{state!r}] is {acts!r}, not a list of actions")
            row = np.zeros(A, dtype=bool)
            for act in acts:
                if act not in action_at:
                    raise error(f"enabled[{state!r}] names action {act!r}, not one of {show_labels(actions)}")
                row[action_at[act]] = True
            mask[state_at[state]] = row
    else:
        arr = np.asarray(enabled)
        if arr.shape != (S, A) or arr.dtype != bool:
            raise error(f"enabled has shape {arr.shape} ({arr.dtype}), expected ({S}, {A}) bools")
        mask = arr.copy()
    empty = np.flatnonzero(~mask.any(axis=1))
    if len(empty):
        raise error(f"enabled[{states[int(empty[0])]!r}] has no action; every state needs at least one enabled action")
    mask.setflags(write=False)
    return mask


def check_sparse_rows(P: Any, enabled: np.ndarray, field: str, labels: Sequence[Sequence[str]],
                      error: type[DeconfuseError]) -> None:
    """The rows of a :class:`~theory.sparse.SparseTransitions` (labels: states, actions,
    states): each row's successors strictly increasing; a disabled action's row empty; every
    entry a number >= 0 (floats: finite); an enabled action's row summing to 1 (exactly, or
    within FLOAT_TOLERANCE for floats). The messages are those of
    :func:`check_distribution_rows` on the dense array, naming the first bad entry."""
    S, A = P.S, P.A
    rows, cols, data = P.row_of_entry, P.indices, P.data
    exact = data.dtype == object

    def at(k: int) -> str:
        r = int(rows[k])
        return label_index(labels, r // A, r % A, int(cols[k]))

    if P.nnz > 1:
        repeated = np.flatnonzero((rows[1:] == rows[:-1]) & (cols[1:] <= cols[:-1]))
        if len(repeated):
            k = int(repeated[0]) + 1
            raise error(f"{field}{at(k)} is listed twice or out of order in its row")
    lengths = P.row_lengths()
    given = np.argwhere(~enabled & (lengths > 0))
    if len(given):
        s, a = (int(i) for i in given[0])
        raise error(f"{field}{label_index(labels, s, a)} is given, but {labels[1][a]!r} is disabled in "
                    f"{labels[0][s]!r} (a disabled action has no transition row)")
    missing = np.argwhere(enabled & (lengths == 0))
    if len(missing):
        s, a = (int(i) for i in missing[0])
        raise error(f"{field}{label_index(labels, s, a)} has no successor, but {labels[1][a]!r} is enabled in "
                    f"{labels[0][s]!r} (an enabled action needs a distribution; disable it instead)")
    if not exact:
        bad = np.flatnonzero(np.isnan(data))
        if len(bad):
            raise error(f"{field}{at(int(bad[0]))} is nan")
        bad = np.flatnonzero(~np.isfinite(data))
        if len(bad):
            k = int(bad[0])
            raise error(f"{field}{at(k)} is {format_number(data[k])}, not finite")
    negative = np.flatnonzero(data < 0)
    if len(negative):
        k = int(negative[0])
        raise error(f"{field}{at(k)} is {format_number(data[k])}, a negative probability")
    if exact:
        sums = np.full(S * A, Fraction(0), dtype=object)
        np.add.at(sums, rows, data)
        wrong = np.flatnonzero(enabled.reshape(-1) & (sums != 1))
    else:
        sums = np.bincount(rows, weights=data, minlength=S * A)
        wrong = np.flatnonzero(enabled.reshape(-1) & (np.abs(sums - 1.0) > FLOAT_TOLERANCE))
    if len(wrong):
        r = int(wrong[0])
        tol = "" if exact else f" within {FLOAT_TOLERANCE:g}"
        total = sums[r] if exact else float(sums[r])
        raise error(f"{field}{label_index(labels, r // A, r % A)} sums to {format_number(total)}, not 1{tol}")


