r"""Sparse transitions: the stored form of a :class:`~theory.mdp.FiniteMDP`'s
:math:`P(s' \mid s, a)`.

A :class:`SparseTransitions` is a CSR matrix of shape (S·A, S): row ``s * A + a`` holds the
non-zero entries of :math:`P(\cdot \mid s, a)`, its column indices strictly increasing. The data
are float64 for a float model, ``fractions.Fraction`` (an object array) for an exact one. A
disabled action (``FiniteMDP.enabled[s, a]`` False) has an empty row. Memory and time grow with
the number of non-zero transitions, not with S²A.

Built from a dense (S, A, S) array (:meth:`SparseTransitions.from_dense`), from per-row mappings
``{(s, a): {s': p}}`` (:meth:`SparseTransitions.from_rows`, what the JSON reader builds) or from
CSR parts (:meth:`SparseTransitions.from_csr`). The operations the solvers use are here, one
home: :meth:`~SparseTransitions.expected_next` (:math:`\sum_{s'} P(s' \mid s, a) v(s')`),
:meth:`~SparseTransitions.flow` (:math:`\sum_{s,a} w(s, a) P(\cdot \mid s, a)`) and
:meth:`~SparseTransitions.kernel` (:math:`P_\pi`, scipy.sparse for floats).

>>> from fractions import Fraction as F
>>> P = SparseTransitions.from_rows(2, 2, {(0, 0): {0: F(1)}, (0, 1): {1: F(9, 10), 0: F(1, 10)},
...                                        (1, 0): {1: F(1)}, (1, 1): {0: F(1)}})
>>> P.nnz, P.row(0, 1)
(5, ([0, 1], [Fraction(1, 10), Fraction(9, 10)]))
>>> P.dense()[0, 1].tolist()
[Fraction(1, 10), Fraction(9, 10)]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from theory.errors import InvalidArgument

__all__ = ["DENSE_LIMIT", "SparseTransitions"]

#: The largest number of entries S·A·S for which a dense (S, A, S) view is built (2**26: 512 MiB
#: of float64); beyond it ``FiniteMDP.transitions`` refuses and the sparse form is the only one.
DENSE_LIMIT = 2 ** 26


@dataclasses.dataclass(frozen=True, eq=False)
class SparseTransitions:
    """CSR transitions: ``indptr`` (S·A + 1,), ``indices`` (nnz,) and ``data`` (nnz,) with the
    shape (S, A, S). Built by the ``from_*`` constructors (which only convert; the MDP
    validates the numbers)."""

    S: int
    A: int
    indptr: np.ndarray
    indices: np.ndarray
    data: np.ndarray

    def __post_init__(self) -> None:
        for name in ("indptr", "indices", "data"):
            getattr(self, name).setflags(write=False)

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def from_dense(cls, arr: np.ndarray) -> SparseTransitions:
        """From an (S, A, S) array (float64 or object), keeping its non-zero entries."""
        S, A, _ = arr.shape
        flat = arr.reshape(S * A, S)
        nonzero = flat != 0  # NaN != 0 too: a NaN entry is kept, and validation names it
        rows, cols = np.nonzero(nonzero)
        indptr = np.zeros(S * A + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=S * A), out=indptr[1:])
        data = flat[rows, cols]
        return cls(S, A, indptr, cols.astype(np.int64), np.asarray(data, dtype=flat.dtype))

    @classmethod
    def from_rows(cls, S: int, A: int, rows: Mapping[tuple[int, int], Mapping[int, Any]],
                  exact: bool = True) -> SparseTransitions:
        """From ``{(s, a): {s': p}}`` over the rows given (a missing row is empty); zero entries
        are dropped, the others kept as given (exact: Fractions; float: float64)."""
        cells = [s * A + a for (s, a), dist in rows.items() for _ in dist]
        cols = [int(j) for dist in rows.values() for j in dist]
        values = [p for dist in rows.values() for p in dist.values()]
        if exact:
            data = np.empty(len(values), dtype=object)
            data[:] = values
        else:
            data = np.array(values, dtype=np.float64)
        return cls.from_entries(S, A, cells, cols, data)

    @classmethod
    def from_entries(cls, S: int, A: int, cells: Any, cols: Any, data: np.ndarray) -> SparseTransitions:
        """From entries in any order: the flat row ``s * A + a``, the successor and the
        probability of each (a (row, successor) pair at most once); sorted into CSR, zero
        entries dropped (NaN != 0: kept, for validation to name)."""
        cells = np.asarray(cells, dtype=np.int64)
        cols = np.asarray(cols, dtype=np.int64)
        order = np.lexsort((cols, cells))
        keep = order[data[order] != 0] if len(order) else order
        indptr = np.zeros(S * A + 1, dtype=np.int64)
        np.cumsum(np.bincount(cells[keep], minlength=S * A), out=indptr[1:])
        return cls(S, A, indptr, cols[keep], np.asarray(data[keep], dtype=data.dtype))

    @classmethod
    def from_csr(cls, S: int, A: int, indptr: Any, indices: Any, data: Any) -> SparseTransitions:
        """From CSR parts of an (S·A, S) matrix; the shapes and index ranges are checked here,
        one line naming the part and the value."""
        indptr = np.asarray(indptr)
        indices = np.asarray(indices)
        data = np.asarray(data)
        if indptr.shape != (S * A + 1,) or indptr.dtype.kind not in "iu":
            raise InvalidArgument(f"transitions indptr has shape {indptr.shape} ({indptr.dtype}), "
                                  f"expected ({S * A + 1},) integers")
        if indptr[0] != 0 or np.any(np.diff(indptr) < 0) or indptr[-1] != len(indices):
            raise InvalidArgument("transitions indptr does not start at 0, decrease nowhere and end at "
                                  f"len(indices) = {len(indices)}")
        if indices.ndim != 1 or (len(indices) and indices.dtype.kind not in "iu"):
            raise InvalidArgument(f"transitions indices has dtype {indices.dtype}, not integers")
        if data.shape != indices.shape:
            raise InvalidArgument(f"transitions data has shape {data.shape}, expected {indices.shape}")
        if len(indices) and (indices.min() < 0 or indices.max() >= S):
            raise InvalidArgument(f"transitions indices reach {int(indices.max())}, not in 0..{S - 1}")
        return cls(S, A, indptr.astype(np.int64), indices.astype(np.int64), data)

    # -- structure ------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, A, S)."""
        return (self.S, self.A, self.S)

    @property
    def nnz(self) -> int:
        """The number of stored (non-zero) entries."""
        return int(self.indptr[-1])

    @property
    def exact(self) -> bool:
        """True when the data are Fractions."""
        return self.data.dtype == object

    @cached_property
    def row_of_entry(self) -> np.ndarray:
        """(nnz,) the flat row ``s * A + a`` of every entry."""
        return np.repeat(np.arange(self.S * self.A), np.diff(self.indptr))

    def row(self, s: int, a: int) -> tuple[list[int], list[Any]]:
        """The successors and probabilities of (s, a), as lists."""
        lo, hi = self.indptr[s * self.A + a], self.indptr[s * self.A + a + 1]
        return self.indices[lo:hi].tolist(), self.data[lo:hi].tolist()

    def row_lengths(self) -> np.ndarray:
        """(S, A) the number of successors of each (s, a) (0 for a disabled action)."""
        return np.diff(self.indptr).reshape(self.S, self.A)

    def dense(self) -> np.ndarray:
        """The dense (S, A, S) array (zeros filled in: Fraction(0) or 0.0); refused beyond
        :data:`DENSE_LIMIT` entries."""
        S, A = self.S, self.A
        if S * A * S > DENSE_LIMIT:
            raise InvalidArgument(
                f"the dense (S, A, S) view of {S} states and {A} actions has {S * A * S:,} entries, more than "
                f"{DENSE_LIMIT:,}; use mdp.sparse")
        if self.exact:
            out = np.full(S * A * S, Fraction(0), dtype=object)
        else:
            out = np.zeros(S * A * S)
        out[self.row_of_entry * S + self.indices] = self.data
        return out.reshape(S, A, S)

    @cached_property
    def csr(self) -> Any:
        """The float (S·A, S) ``scipy.sparse.csr_array`` (float models only)."""
        from scipy.sparse import csr_array

        if self.exact:
            raise InvalidArgument("csr is the float form; an exact model's entries are Fractions (use data)")
        return csr_array((self.data, self.indices, self.indptr), shape=(self.S * self.A, self.S))

    def to_float(self) -> SparseTransitions:
        """The same pattern with float64 data (the caller checks that each entry fits)."""
        if not self.exact:
            return self
        data = np.fromiter((float(x) for x in self.data), dtype=np.float64, count=self.nnz)
        return SparseTransitions(self.S, self.A, self.indptr, self.indices, data)

    def with_data(self, data: np.ndarray) -> SparseTransitions:
        """The same pattern with other data (e.g. exact conversions of the floats)."""
        return SparseTransitions(self.S, self.A, self.indptr, self.indices, data)

    def equals(self, other: SparseTransitions) -> bool:
        """The same shape and the same entries (patterns compared after dropping zeros)."""
        return (self.shape == other.shape and np.array_equal(self.indptr, other.indptr)
                and np.array_equal(self.indices, other.indices) and np.array_equal(self.data, other.data))

    # -- the operations the solvers use -------------------------------------------------------

    def expected_next(self, v: np.ndarray) -> np.ndarray:
        r"""(S, A): :math:`\sum_{s'} P(s' \mid s, a) v(s')` (0 for a disabled action)."""
        if not self.exact:
            return (self.csr @ np.asarray(v, dtype=np.float64)).reshape(self.S, self.A)
        out = np.full(self.S * self.A, Fraction(0), dtype=object)
        if self.nnz:
            products = self.data * np.asarray(v, dtype=object)[self.indices]
            _add_by_row(out, self.row_of_entry, products)
        return out.reshape(self.S, self.A)

    def flow(self, weights: np.ndarray) -> np.ndarray:
        r"""(S,): :math:`f(s') = \sum_{s,a} w(s, a) P(s' \mid s, a)` for (S, A) weights."""
        w = np.asarray(weights).reshape(self.S * self.A)
        if not self.exact:
            return self.csr.T @ w.astype(np.float64)
        out = np.full(self.S, Fraction(0), dtype=object)
        if self.nnz:
            products = w[self.row_of_entry] * self.data
            keep = np.flatnonzero(products != 0)
            _add_by_row(out, self.indices[keep], products[keep])
        return out

    def kernel(self, pi: np.ndarray) -> Any:
        r"""The state kernel :math:`P_\pi(s' \mid s) = \sum_a \pi(a \mid s) P(s' \mid s, a)`:
        a float (S, S) ``scipy.sparse.csr_array``, or for exact input ``{s: {s': p}}`` without
        zero entries."""
        weights = np.asarray(pi).reshape(self.S * self.A)[self.row_of_entry]
        states = self.row_of_entry // self.A
        if not self.exact:
            from scipy.sparse import csr_array

            return csr_array((weights * self.data, (states, self.indices)), shape=(self.S, self.S))
        kernel: dict[int, dict[int, Fraction]] = {s: {} for s in range(self.S)}
        for s, j, w, p in zip(states.tolist(), self.indices.tolist(), weights.tolist(), self.data.tolist()):
            if w != 0:
                out = kernel[s]
                out[j] = out.get(j, Fraction(0)) + w * p
        return {s: {j: p for j, p in out.items() if p != 0} for s, out in kernel.items()}


def _add_by_row(out: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``out[rows[k]] += values[k]`` for every k (object arrays; rows need not be sorted)."""
    np.add.at(out, rows, values)
