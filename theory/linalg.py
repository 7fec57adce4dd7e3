r"""Exact and float linear solves of the Bellman equations.

Exact systems are solved over the rationals QQ with python-flint's ``fmpq_mat`` (the dense QQ
matrices sympy's ``DomainMatrix`` uses when flint is installed), by its Dixon p-adic solver.
Nothing is solved in floats and rounded.

Float systems of small models (at most :data:`SMALL_DENSE` entries S·A·S) are solved dense with
LAPACK, as before the sparse core; larger ones through the sparse transitions: a sparse LU
(scipy.sparse.linalg.splu) up to :data:`DIRECT_LIMIT` states, and beyond it GMRES
(scipy.sparse.linalg.gmres), then if needed the fixed-point iteration
:math:`v \leftarrow r_\pi + \gamma P_\pi v`, until the residual
:math:`\rho = \|r_\pi + \gamma P_\pi v - v\|_\infty` gives :math:`\|v - v^\pi\|_\infty \le
\rho / (1 - \gamma) \le` ``ITERATIVE_TOLERANCE`` (a contraction's residual bound; Puterman 1994,
Theorem 6.3.1), or a clear error when it does not get there.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import flint
import numpy as np

from theory.budget import check_budget
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP

__all__ = [
    "SMALL_DENSE",
    "DIRECT_LIMIT",
    "ITERATIVE_TOLERANCE",
    "FIXED_POINT_SWEEPS",
    "EXACT_MATRIX_ENTRY_BYTES",
    "use_dense",
    "expected_next",
    "policy_kernel",
    "solve_discounted",
    "solve_discounted_transpose",
]

#: Float models with at most this many entries S·A·S use the dense (S, A, S) view (2**18).
SMALL_DENSE = 2 ** 18
#: Float systems with at most this many states are solved by sparse LU; larger ones iteratively
#: (the LU of a random sparse graph fills in: 14 s at 10**4 states, where GMRES takes 0.1 s).
DIRECT_LIMIT = 2_000
#: Beyond this many sweeps of the fixed-point iteration from scratch (log(tolerance) / log(gamma):
#: 262 at gamma = 0.9, 2750 at 0.99) the iterative solve starts with GMRES instead.
FIXED_POINT_SWEEPS = 3000
#: The bound on :math:`\|v - v^\pi\|_\infty` at which the iterative solve stops (relative to
#: :math:`\max(1, \|r_\pi\|_\infty / (1 - \gamma))`).
ITERATIVE_TOLERANCE = 1e-12


#: The estimated bytes of one entry of a dense flint rational matrix (two machine words and the
#: limbs of a small numerator and denominator).
EXACT_MATRIX_ENTRY_BYTES = 32


def use_dense(mdp: FiniteMDP) -> bool:
    """Whether float linear algebra on ``mdp`` uses the dense (S, A, S) view: a float model
    with at most :data:`SMALL_DENSE` entries, or one whose dense array exists already (given
    dense). Exact models always use the sparse form.

    >>> from theory.examples import two_state
    >>> use_dense(two_state()), use_dense(two_state().to_float())
    (False, True)
    """
    return not mdp.exact and (mdp.S * mdp.A * mdp.S <= SMALL_DENSE or mdp.dense_stored)


def expected_next(mdp: FiniteMDP, v: np.ndarray) -> np.ndarray:
    """(S, A) array of :math:`\\sum_{s'} P(s' \\mid s, a) v(s')`, of the MDP's kind.

    >>> from theory.examples import two_state
    >>> from theory.numbers import exact_array
    >>> expected_next(two_state(), exact_array([0, 10]))[0].tolist()
    [Fraction(0, 1), Fraction(9, 1)]
    """
    if use_dense(mdp):
        return mdp.transitions @ v
    return mdp.sparse.expected_next(v)


def policy_kernel(mdp: FiniteMDP, pi: np.ndarray) -> Any:
    """The state kernel :math:`P_\\pi(s' \\mid s) = \\sum_a \\pi(a \\mid s) P(s' \\mid s, a)`:
    a dense (S, S) float array for a small float model, a ``scipy.sparse.csr_array`` for a
    larger one, or for exact input a sparse dict ``{s: {s': p}}``."""
    if use_dense(mdp):
        rows = _one_hot_rows(pi)
        if rows is not None:
            return _gather_rows(mdp.transitions, rows)
        return np.einsum("sa,sat->st", pi, mdp.transitions)
    return mdp.sparse.kernel(pi)


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


def _exact_system(S: int, kernel: dict[int, dict[int, Fraction]], discount: Fraction, transpose: bool) -> Any:
    """:math:`I - \\gamma P_\\pi` (or its transpose) as a flint ``fmpq_mat`` (dense: refused over
    the memory budget, at :data:`EXACT_MATRIX_ENTRY_BYTES` an entry)."""
    check_budget("states", S, S * S * EXACT_MATRIX_ENTRY_BYTES,
                 f"an exact solve of {S} linear equations (a dense {S} x {S} rational matrix)")
    M = flint.fmpq_mat(S, S)
    for i in range(S):
        M[i, i] = 1
    for s, out in kernel.items():
        for j, p in out.items():
            val = discount * p
            if val == 0:
                continue
            r, c = (j, s) if transpose else (s, j)
            M[r, c] = M[r, c] - flint.fmpq(val.numerator, val.denominator)
    return M


def _solve_exact(M: Any, b: np.ndarray) -> np.ndarray:
    """The exact solution of M x = b over QQ: flint's Dixon p-adic solver (its fastest for
    large systems; the result is exact whatever the algorithm)."""
    S = M.nrows()
    rhs = flint.fmpq_mat(S, 1, [flint.fmpq(x.numerator, x.denominator) for x in b])
    sol = M.solve(rhs, algorithm="dixon")
    out = np.empty(S, dtype=object)
    for i in range(S):
        x = sol[i, 0]
        out[i] = Fraction(int(x.p), int(x.q))
    return out


def solve_discounted(mdp: FiniteMDP, pi: np.ndarray, r_pi: np.ndarray, guess: np.ndarray | None = None) -> np.ndarray:
    """Solve :math:`(I - \\gamma P_\\pi) v = r_\\pi` for v (exact over QQ, or float64). ``guess``:
    where a float iterative solve starts (e.g. the previous policy's values)."""
    kernel = policy_kernel(mdp, pi)
    if not mdp.exact:
        if isinstance(kernel, np.ndarray):
            return np.linalg.solve(_float_system(kernel, mdp.discount), r_pi)
        return _solve_sparse(kernel, float(mdp.discount), np.asarray(r_pi, dtype=np.float64), False, guess)
    return _solve_exact(_exact_system(mdp.S, kernel, mdp.discount, False), r_pi)


def solve_discounted_transpose(mdp: FiniteMDP, pi: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """Solve :math:`(I - \\gamma P_\\pi)^T d = \\mu` for d, the discounted state occupancy."""
    kernel = policy_kernel(mdp, pi)
    if not mdp.exact:
        if isinstance(kernel, np.ndarray):
            return np.linalg.solve(_float_system(kernel, mdp.discount).T, mu)
        return _solve_sparse(kernel, float(mdp.discount), np.asarray(mu, dtype=np.float64), True)
    return _solve_exact(_exact_system(mdp.S, kernel, mdp.discount, True), mu)


def _solve_sparse(kernel: Any, gamma: float, b: np.ndarray, transpose: bool,
                  guess: np.ndarray | None = None) -> np.ndarray:
    """:math:`(I - \\gamma K) x = b` (or its transpose) for a sparse float kernel K: sparse LU
    up to :data:`DIRECT_LIMIT` states; beyond, the fixed-point iteration from ``guess`` (default
    b) until the residual bound holds, GMRES first when the discount needs more than
    :data:`FIXED_POINT_SWEEPS` sweeps."""
    from scipy.sparse import identity
    from scipy.sparse.linalg import gmres, splu

    K = kernel.T.tocsr() if transpose else kernel
    S = K.shape[0]
    if S <= DIRECT_LIMIT:
        return splu((identity(S, format="csc") - gamma * K).tocsc()).solve(b)
    # The error of x is at most |b - (I - gamma K) x| / (1 - gamma) in the sup norm for K (rows
    # sum to 1), in the 1-norm for K^T (columns sum to 1).
    norm = (lambda y: float(np.abs(y).sum())) if transpose else (lambda y: float(np.abs(y).max()))
    scale = max(1.0, norm(b) / (1.0 - gamma))
    x = b.copy() if guess is None else np.asarray(guess, dtype=np.float64)
    if gamma > 0 and math.log(ITERATIVE_TOLERANCE) / math.log(gamma) > FIXED_POINT_SWEEPS:
        system = identity(S, format="csr") - gamma * K  # a discount near 1: GMRES first
        x, _ = gmres(system, b, x0=x, rtol=1e-14, atol=0.0, restart=30, maxiter=20)
        if norm(b - system @ x) / (1.0 - gamma) <= ITERATIVE_TOLERANCE * scale:
            return x
    for _ in range(100_000):  # x = b + gamma K x contracts by gamma a sweep
        new = b + gamma * (K @ x)
        residual = norm(new - x)
        x = new
        if gamma * residual / (1.0 - gamma) <= ITERATIVE_TOLERANCE * scale:
            return x
    raise InvalidArgument(f"the iterative policy evaluation did not reach {ITERATIVE_TOLERANCE:g} in 100000 sweeps "
                          f"(discount {gamma}); solve a smaller or exact model")
