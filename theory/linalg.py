"""Exact and float linear solves of the Bellman equations.

Exact systems are solved over the rationals QQ with sympy's ``DomainMatrix``; when python-flint
is installed sympy stores dense QQ matrices as flint ``fmpq_mat`` and the solve runs in flint.
Nothing is solved in floats and rounded.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from theory.mdp import FiniteMDP

__all__ = ["expected_next", "policy_kernel", "solve_discounted", "solve_discounted_transpose"]


def expected_next(mdp: FiniteMDP, v: np.ndarray) -> np.ndarray:
    """(S, A) array of :math:`\\sum_{s'} P(s' \\mid s, a) v(s')`, of the MDP's kind.

    >>> from theory.examples import two_state
    >>> from theory.numbers import exact_array
    >>> expected_next(two_state(), exact_array([0, 10]))[0].tolist()
    [Fraction(0, 1), Fraction(9, 1)]
    """
    if not mdp.exact:
        return mdp.transitions @ v
    out = np.empty((mdp.S, mdp.A), dtype=object)
    for s, row in enumerate(mdp.successors):
        for a, succ in enumerate(row):
            total = Fraction(0)
            for j, p in succ:
                total += p * v[j]
            out[s, a] = total
    return out


def policy_kernel(mdp: FiniteMDP, pi: np.ndarray) -> Any:
    """The state kernel :math:`P_\\pi(s' \\mid s) = \\sum_a \\pi(a \\mid s) P(s' \\mid s, a)`:
    a dense (S, S) float array, or for exact input a sparse dict ``{s: {s': p}}``."""
    if not mdp.exact:
        rows = _one_hot_rows(pi)
        if rows is not None:
            return _gather_rows(mdp.transitions, rows)
        return np.einsum("sa,sat->st", pi, mdp.transitions)
    kernel: dict[int, dict[int, Fraction]] = {}
    for s, row in enumerate(mdp.successors):
        out: dict[int, Fraction] = {}
        for a, succ in enumerate(row):
            w = pi[s, a]
            if w == 0:
                continue
            for j, p in succ:
                out[j] = out.get(j, Fraction(0)) + w * p
        kernel[s] = {j: p for j, p in out.items() if p != 0}
    return kernel


def _one_hot_rows(pi: Any) -> np.ndarray | None:
    """For a float (S, A) policy whose every row is one 1.0 and zeros, the chosen action of
    each state; else None."""
    if not isinstance(pi, np.ndarray) or pi.ndim != 2 or pi.dtype.kind != "f":
        return None
    ones = pi == 1.0
    if not np.all(ones | (pi == 0.0)) or not np.all(ones.sum(axis=1) == 1):
        return None
    return ones.argmax(axis=1)


def _gather_rows(transitions: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """``transitions[s, chosen[s], :]`` for every s: the float kernel of a deterministic policy.

    The same numbers as the einsum of :func:`policy_kernel` (which adds exact zeros to that
    row), without touching the other A - 1 rows; ``+ 0.0`` turns a -0.0 into +0.0 as the
    einsum's sum does.
    """
    out = transitions[np.arange(transitions.shape[0]), chosen]
    out += 0.0
    return out


def _float_system(kernel: np.ndarray, discount: float) -> np.ndarray:
    """:math:`I - \\gamma P_\\pi` from a float kernel that the caller owns (it is overwritten),
    with the float operations of ``np.eye(S) - discount * kernel`` (so the same numbers, signs
    of zero included) but no S x S identity or temporary."""
    if kernel.dtype != np.float64:
        return np.eye(kernel.shape[0]) - discount * kernel
    kernel *= discount
    diagonal = 1.0 - kernel.diagonal()
    np.subtract(0.0, kernel, out=kernel)
    np.fill_diagonal(kernel, diagonal)
    return kernel


def _exact_system(S: int, kernel: dict[int, dict[int, Fraction]], discount: Fraction, transpose: bool) -> DomainMatrix:
    rows: dict[int, dict[int, Any]] = {i: {i: QQ(1)} for i in range(S)}
    for s, out in kernel.items():
        for j, p in out.items():
            val = discount * p
            if val == 0:
                continue
            r, c = (j, s) if transpose else (s, j)
            cell = rows[r].get(c, QQ(0)) - QQ(val.numerator, val.denominator)
            if cell == 0:
                rows[r].pop(c, None)
            else:
                rows[r][c] = cell
    return DomainMatrix(rows, (S, S), QQ).to_dense()


def _solve_exact(M: DomainMatrix, b: np.ndarray) -> np.ndarray:
    S = M.shape[0]
    rhs = DomainMatrix([[QQ(x.numerator, x.denominator)] for x in b], (S, 1), QQ)
    sol = M.lu_solve(rhs).to_list_flat()
    out = np.empty(S, dtype=object)
    for i, x in enumerate(sol):
        out[i] = Fraction(int(x.numerator), int(x.denominator))
    return out


def solve_discounted(mdp: FiniteMDP, pi: np.ndarray, r_pi: np.ndarray) -> np.ndarray:
    """Solve :math:`(I - \\gamma P_\\pi) v = r_\\pi` for v (exact over QQ, or float64)."""
    kernel = policy_kernel(mdp, pi)
    if not mdp.exact:
        return np.linalg.solve(_float_system(kernel, mdp.discount), r_pi)
    return _solve_exact(_exact_system(mdp.S, kernel, mdp.discount, False), r_pi)


def solve_discounted_transpose(mdp: FiniteMDP, pi: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Solve :math:`(I - \\gamma P_\\pi)^T d = \\mu` for d, the discounted state occupancy."""
    kernel = policy_kernel(mdp, pi)
    if not mdp.exact:
        return np.linalg.solve(_float_system(kernel, mdp.discount).T, mu)
    return _solve_exact(_exact_system(mdp.S, kernel, mdp.discount, True), mu)
