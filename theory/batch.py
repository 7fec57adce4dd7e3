r"""Batched float solvers: many finite MDPs of one size, solved together with numpy.

A *batch* is a stack of B discounted MDPs with the same numbers of states S and actions A, held
as float64 arrays with a leading batch axis:

- ``P``: (B, S, A, S), ``P[b, s, a, s']`` = P_b(s' | s, a);
- ``R``: (B, S, A) rewards, or (B, K, S, A) for K rewards on the same transitions (solved
  together: one matrix product per sweep serves all K);
- ``discount``: a scalar or (B,), each in [0, 1); ``initial``: (B, S).

Every function here computes, element by element, what the per-MDP function of
:mod:`theory.solvers` / :mod:`theory.evaluation` computes on ``mdp.to_float()`` (the test suite
checks agreement within 1e-9); the point is speed on thousands of small MDPs (prevalence sweeps,
Karwowski et al. 2023), where a Python loop over FiniteMDPs costs more than the arithmetic.
Float only, numpy only; exact questions go to the per-MDP solvers. Build a batch from FiniteMDPs
with :func:`stack`. A malformed argument raises :class:`~theory.errors.InvalidArgument` with a
one-line message naming the argument, the index and the value.

Examples
--------
>>> from theory.examples import two_state
>>> P, R, initial, discount = stack([two_state(), two_state()])
>>> V, Q, iterations = batch_value_iteration(P, R["true"], discount, tolerance=1e-10)
>>> V.shape, Q.shape, iterations.tolist()
((2, 2), (2, 2, 2), [241, 241])
>>> pi = batch_softmax_of_q_values(Q, 2.0)
>>> batch_returns(P, [R["true"], R["proxy"]], pi, initial, discount).shape
(2, 2)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np

from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import FLOAT_TOLERANCE, format_number
from theory.validation import check_beta, check_finite, check_positive, check_positive_int, label_index

__all__ = [
    "stack",
    "batch_value_iteration",
    "batch_policy_evaluation",
    "batch_returns",
    "batch_softmax_of_q_values",
    "batch_soft_policies",
    "batch_quantiliser",
]


# -- validation ------------------------------------------------------------------------------
# Scalar arguments go through theory.validation (check_positive, check_positive_int,
# check_beta); entries through its check_finite. What stays here is batch-specific: arrays with a
# leading batch axis and no labels (messages give integer indices, e.g. "P[0, 1, 0]"), checked
# with one vectorised pass each (the row sums as one matrix product), and discounts given as a
# scalar or one per element.


def _float_array(value: Any, field: str) -> np.ndarray:
    """``value`` as a float64 array; an InvalidArgument naming the field when it is not numeric."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InvalidArgument(f"{field} holds non-numeric entries") from None
    return arr


def _indices(arr: np.ndarray) -> list[range]:
    """The "labels" of an unlabelled array: its integer indices (messages read "P[0, 1, 0]")."""
    return [range(n) for n in arr.shape]


def _check_finite(arr: np.ndarray, field: str) -> None:
    check_finite(arr, field, _indices(arr), InvalidArgument)


def _check_rows(arr: np.ndarray, field: str) -> None:
    """The last axis holds distributions: entries finite and >= 0, sums 1 within FLOAT_TOLERANCE
    (the messages of :func:`theory.validation.check_distribution_rows`, with integer indices;
    a NaN is "not finite"; the sums are one matrix product, faster than a reduce over a short
    axis on a large batch)."""
    _check_finite(arr, field)
    if (arr < 0).any():
        index = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        where = label_index(_indices(arr), *index)
        raise InvalidArgument(f"{field}{where} is {format_number(arr[index])}, a negative probability")
    sums = arr @ np.ones(arr.shape[-1])
    off = np.abs(sums - 1.0) > FLOAT_TOLERANCE
    if off.any():
        index = tuple(int(i) for i in np.argwhere(off)[0])
        where = label_index(_indices(arr), *index)
        raise InvalidArgument(f"{field}{where} sums to {format_number(sums[index])}, not 1 within {FLOAT_TOLERANCE:g}")


def _check_transitions(P: Any) -> np.ndarray:
    arr = _float_array(P, "P")
    if arr.ndim != 4 or arr.shape[1] != arr.shape[3] or 0 in arr.shape:
        raise InvalidArgument(f"P has shape {arr.shape}, expected (B, S, A, S) with B, S, A >= 1")
    _check_rows(arr, "P")
    return arr


def _check_rewards(R: Any, shape: tuple[int, int, int], field: str = "R") -> np.ndarray:
    """R as a (B, K, S, A) array (K = 1 for a (B, S, A) input); ``shape`` is (B, S, A)."""
    arr = _float_array(R, field)
    B, S, A = shape
    if arr.shape == (B, S, A):
        arr = arr[:, None]
    elif not (arr.ndim == 4 and arr.shape[0] == B and arr.shape[2:] == (S, A) and arr.shape[1] >= 1):
        raise InvalidArgument(f"{field} has shape {arr.shape}, expected {(B, S, A)} or {(B, 'K', S, A)}")
    _check_finite(arr, field)
    return arr


def _check_discounts(discount: Any, B: int) -> np.ndarray:
    """Discount(s) as a (B,) float array, each in [0, 1): a scalar (shared by the batch) or one
    per element (a message names the element, "discount[3]")."""
    if isinstance(discount, bool):
        raise InvalidArgument(f"discount is {discount!r}, not a number in [0, 1)")
    arr = _float_array(discount, "discount")
    if arr.ndim == 0:
        arr = np.full(B, float(arr))
    elif arr.shape != (B,):
        raise InvalidArgument(f"discount has shape {arr.shape}, expected a scalar or ({B},)")
    bad = np.flatnonzero(~((arr >= 0) & (arr < 1)))
    if len(bad):
        b = int(bad[0])
        raise InvalidArgument(f"discount[{b}] is {float(arr[b])!r}, not in [0, 1)")
    return arr


def _check_q_values(Q: Any) -> np.ndarray:
    arr = _float_array(Q, "Q")
    if arr.ndim < 1 or arr.shape[-1] == 0:
        raise InvalidArgument(f"Q has shape {arr.shape}, expected (..., A) with A >= 1")
    _check_finite(arr, "Q")
    return arr


def _check_policy(pi: Any, shape: tuple[int, int, int], stacked: bool = False) -> np.ndarray:
    """pi of ``shape`` (B, S, A), or with ``stacked`` also (N, B, S, A)."""
    arr = _float_array(pi, "pi")
    if arr.shape != shape and not (stacked and arr.ndim == 4 and arr.shape[1:] == shape and arr.shape[0] >= 1):
        expected = f"{shape} or {('N',) + shape}" if stacked else f"{shape}"
        raise InvalidArgument(f"pi has shape {arr.shape}, expected {expected}")
    _check_rows(arr, "pi")
    return arr


# -- building a batch ------------------------------------------------------------------------


def stack(mdps: Sequence[FiniteMDP]) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """The arrays of a batch from discounted FiniteMDPs of one size, converted to float64.

    Returns ``(P, R, initial, discount)``: P (B, S, A, S), ``R`` a dict name -> (B, S, A) with
    the reward names of ``mdps[0]`` (every MDP must have the same names, in any order), initial
    (B, S) and discount (B,). Labels are dropped: element b is ``mdps[b]`` with its states and
    actions in their index order.

    >>> from theory.examples import two_state
    >>> P, R, initial, discount = stack([two_state(), two_state().to_float()])
    >>> P.shape, sorted(R), initial.tolist(), discount.tolist()
    ((2, 2, 2, 2), ['proxy', 'true'], [[1.0, 0.0], [1.0, 0.0]], [0.9, 0.9])
    >>> stack([])
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: mdps is empty; a batch needs at least one MDP
    """
    if isinstance(mdps, (str, bytes, FiniteMDP)) or not isinstance(mdps, Sequence):
        raise InvalidArgument(f"mdps is {type(mdps).__name__}, not a sequence of FiniteMDPs")
    if not mdps:
        raise InvalidArgument("mdps is empty; a batch needs at least one MDP")
    first = mdps[0]
    for b, mdp in enumerate(mdps):
        if not isinstance(mdp, FiniteMDP):
            raise InvalidArgument(f"mdps[{b}] is {type(mdp).__name__}, not a FiniteMDP")
        if mdp.horizon is not None:
            raise InvalidArgument(f"mdps[{b}] has horizon {mdp.horizon}; a batch holds discounted MDPs")
        if (mdp.S, mdp.A) != (first.S, first.A):
            raise InvalidArgument(
                f"mdps[{b}] has S = {mdp.S}, A = {mdp.A} but mdps[0] has S = {first.S}, A = {first.A}"
            )
        if set(mdp.rewards) != set(first.rewards):
            raise InvalidArgument(
                f"mdps[{b}] has rewards {sorted(mdp.rewards)} but mdps[0] has {sorted(first.rewards)}"
            )
    floats = [m.to_float() for m in mdps]
    P = np.stack([m.transitions for m in floats])
    R = {name: np.stack([m.rewards[name] for m in floats]) for name in first.rewards}
    initial = np.stack([m.initial for m in floats])
    discount = np.array([float(m.discount) for m in floats])
    return P, R, initial, discount


# -- value iteration -------------------------------------------------------------------------


def batch_value_iteration(
    P: Any,
    R: Any,
    discount: Any,
    tolerance: float = 1e-8,
    max_iterations: int = 1_000_000,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Float value iteration on a batch of MDPs, each stopped with a guarantee.

    For every element b (and every reward k when R has a K axis), iterate
    :math:`v_{n+1} = \max_a [r + \gamma_b P_b v_n]` from :math:`v_0 = 0` until
    :math:`\|v_{n+1} - v_n\|_\infty < \text{tolerance} (1 - \gamma_b) / \gamma_b` (one sweep when
    :math:`\gamma_b = 0`); then :math:`\|v_{n+1} - v^*\|_\infty < \text{tolerance}`. This is the
    stopping rule of :func:`theory.solvers.value_iteration`, applied per element: an element
    that has converged is frozen at that iterate while the others go on, and the loop ends when
    all have converged. So element b gets the values, Q-values and iteration count that
    ``value_iteration`` gives on MDP b (up to float rounding of the matrix products).

    Source: Puterman, *Markov Decision Processes* (1994), Theorem 6.3.1; Bellman (1957).

    Parameters
    ----------
    P : (B, S, A, S) transitions.
    R : (B, S, A) rewards, or (B, K, S, A) for K rewards on the same transitions.
    discount : scalar or (B,), each in [0, 1).
    tolerance : the guaranteed sup-norm error of the values, > 0.
    max_iterations : an InvalidArgument is raised when some element needs more sweeps.

    Returns
    -------
    ``(V, Q, iterations)``: V (B, S), Q (B, S, A) with
    :math:`Q = r + \gamma P V` for the final V, iterations (B,) ints; with a K axis,
    (B, K, S), (B, K, S, A) and (B, K).

    Examples
    --------
    >>> P = np.array([[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]])  # B = 1
    >>> R = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    >>> V, Q, n = batch_value_iteration(P, R, 0.5, tolerance=1e-9)
    >>> np.round(V, 6).tolist(), n.tolist()
    ([[1.0, 2.0]], [31])
    >>> batch_value_iteration(P, R, 1.0)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discount[0] is 1.0, not in [0, 1)
    """
    P = _check_transitions(P)
    B, S, A, _ = P.shape
    Rk = _check_rewards(R, (B, S, A))
    gamma = _check_discounts(discount, B)
    tolerance = check_positive(tolerance, "tolerance")
    max_iterations = check_positive_int(max_iterations, "max_iterations")
    K = Rk.shape[1]
    # Layout (B, K, S): one matrix product v @ P^T per sweep serves all K rewards.
    Pt = np.ascontiguousarray(P.reshape(B, S * A, S).transpose(0, 2, 1))  # (B, S, S*A)
    Rflat = np.ascontiguousarray(Rk).reshape(B, K, S * A)
    uniform = bool(np.all(gamma == gamma[0]))
    v_out, iterations = _iterate(Pt, Rflat, gamma, tolerance, A, uniform, max_iterations)
    Q = _backup(Pt, Rflat, gamma, v_out, np.empty((B, K, S * A)), uniform).reshape(B, K, S, A)
    if np.ndim(R) == 4:
        return v_out, Q, iterations
    return np.ascontiguousarray(v_out[:, 0]), np.ascontiguousarray(Q[:, 0]), iterations[:, 0]


def _thresholds(gamma: np.ndarray, tolerance: float) -> np.ndarray:
    """The stopping thresholds tolerance (1 - gamma) / gamma per element (inf for gamma = 0)."""
    with np.errstate(divide="ignore"):
        return np.where(gamma > 0, tolerance * (1 - gamma) / np.where(gamma > 0, gamma, 1), np.inf)


def _backup(
    Pt: np.ndarray, R: np.ndarray, gamma: np.ndarray, v: np.ndarray, out: np.ndarray, uniform: bool
) -> np.ndarray:
    """Q = r + gamma P v into ``out`` (b, K, S*A), from Pt (b, S, S*A), R (b, K, S*A), v (b, K, S);
    ``uniform``: every element has the discount ``gamma[0]``."""
    np.matmul(v, Pt, out=out)
    out *= gamma[0] if uniform else gamma[:, None, None]
    out += R
    return out


def _best(q_values: np.ndarray, out: np.ndarray, A: int) -> np.ndarray:
    """The max over the A actions of q_values (b, K, S*A) into ``out`` (b, K, S), a chain of maxima."""
    q4 = q_values.reshape(out.shape + (A,))
    if A == 1:
        np.copyto(out, q4[..., 0])
    else:
        np.maximum(q4[..., 0], q4[..., 1], out=out)
        for a in range(2, A):
            np.maximum(out, q4[..., a], out=out)
    return out


@dataclasses.dataclass
class _Working:
    """The working set of :func:`batch_value_iteration`: the elements with some reward still
    iterating, their arrays (compacted as elements converge) and the sweep's buffers."""

    rows: np.ndarray  # (b,) indices of the elements in the batch
    Pt: np.ndarray  # (b, S, S*A)
    R: np.ndarray  # (b, K, S*A)
    gamma: np.ndarray  # (b,)
    threshold: np.ndarray  # (b,)
    v: np.ndarray  # (b, K, S), the current iterate
    active: np.ndarray  # (b, K): still iterating
    frozen: bool = False  # whether some (b, k) of the working set has converged
    v_new: np.ndarray = dataclasses.field(init=False, repr=False)  # (b, K, S), the next iterate
    diff: np.ndarray = dataclasses.field(init=False, repr=False)  # (b, K, S), |v_new - v|
    q_values: np.ndarray = dataclasses.field(init=False, repr=False)  # (b, K, S*A), the backup

    def __post_init__(self) -> None:
        self.v_new, self.diff, self.q_values = np.empty_like(self.v), np.empty_like(self.v), np.empty(self.R.shape)

    def keep(self, alive: np.ndarray) -> "_Working":
        """The working set of the ``alive`` elements only (fresh buffers)."""
        return _Working(self.rows[alive], self.Pt[alive], self.R[alive], self.gamma[alive],
                        self.threshold[alive], self.v[alive], self.active[alive], self.frozen)


def _sweep(w: _Working, A: int, uniform: bool) -> bool:
    """One sweep v <- max_a (r + gamma P v) of the working set (a converged (b, k) stays at its
    iterate), with diff = |v_new - v|; whether some (b, k) may have converged: only possible if
    some entry of diff is below the largest threshold (a cheap test that skips the per-element
    maximum early on)."""
    _best(_backup(w.Pt, w.R, w.gamma, w.v, w.q_values, uniform), w.v_new, A)
    np.subtract(w.v_new, w.v, out=w.diff)
    np.abs(w.diff, out=w.diff)
    check = float(w.diff.min()) < float(w.threshold.max())
    if w.frozen:
        np.copyto(w.v, w.v_new, where=w.active[:, :, None])
    else:
        w.v, w.v_new = w.v_new, w.v
    return check


def _converge(w: _Working, n: int, v_out: np.ndarray, iterations: np.ndarray) -> _Working | None:
    """Record the (b, k) whose sweep n moved v by less than the threshold (their iteration count
    n, and the values of the elements that are done); the working set to go on with (compacted
    when at most half of it is alive), or None when every element is done."""
    newly = w.active & (_last_max(w.diff) < w.threshold[:, None])
    if not newly.any():
        return w
    w.frozen = True
    iterations[w.rows[np.nonzero(newly)[0]], np.nonzero(newly)[1]] = n
    w.active &= ~newly
    alive = w.active.any(axis=1)
    done = ~alive
    v_out[w.rows[done]] = w.v[done]
    if not alive.any():
        return None
    if 2 * int(alive.sum()) <= len(w.rows):
        return w.keep(alive)
    return w


def _iterate(
    Pt: np.ndarray, R: np.ndarray, gamma: np.ndarray, tolerance: float, A: int, uniform: bool,
    max_iterations: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Sweep from v = 0 until every (b, k) has converged: ``(v_out (B, K, S), iterations (B, K))``;
    an InvalidArgument when that takes more than ``max_iterations`` sweeps."""
    B, K, S = R.shape[0], R.shape[1], Pt.shape[1]
    v_out = np.zeros((B, K, S))
    iterations = np.zeros((B, K), dtype=np.int64)
    w: _Working | None = _Working(np.arange(B), Pt, R, gamma, _thresholds(gamma, tolerance),
                                  np.zeros((B, K, S)), np.ones((B, K), dtype=bool))
    n = 0
    while w is not None:
        n += 1
        if _sweep(w, A, uniform):
            w = _converge(w, n, v_out, iterations)
            if w is None:
                break
        if n >= max_iterations:
            raise InvalidArgument(
                f"batch_value_iteration did not reach tolerance {tolerance!r} in {max_iterations} iterations"
            )
    return v_out, iterations


# -- policy evaluation -----------------------------------------------------------------------


def batch_policy_evaluation(P: Any, R: Any, pi: Any, discount: Any) -> np.ndarray:
    r"""State values of one stationary policy per MDP: the solution of
    :math:`(I - \gamma_b P_{\pi_b}) v = r_{\pi_b}` for every b, by one batched
    ``numpy.linalg.solve``, with :math:`P_\pi(s' \mid s) = \sum_a \pi(a \mid s) P(s' \mid s, a)`
    and :math:`r_\pi(s) = \sum_a \pi(a \mid s) r(s, a)`.

    The float counterpart of :func:`theory.evaluation.state_values` on a batch. With R of shape
    (B, K, S, A) the K rewards share one factorisation and V is (B, K, S); otherwise (B, S).

    Source: Puterman, *Markov Decision Processes* (1994), Theorem 6.1.1.

    >>> P = np.array([[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]])
    >>> R = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    >>> pi = np.array([[[0.0, 1.0], [1.0, 0.0]]])  # go, then stay
    >>> batch_policy_evaluation(P, R, pi, 0.5).tolist()
    [[1.0, 2.0]]
    >>> batch_policy_evaluation(P, R, [[[1.0, 1.0], [1.0, 0.0]]], 0.5)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: pi[0, 0] sums to 2.0, not 1 within 1e-09
    """
    P = _check_transitions(P)
    B, S, A, _ = P.shape
    Rk = _check_rewards(R, (B, S, A))
    pi = _check_policy(pi, (B, S, A))
    gamma = _check_discounts(discount, B)
    V = _evaluate(P, Rk, pi, gamma)
    return V if np.ndim(R) == 4 else V[:, 0]


def _evaluate(P: np.ndarray, Rk: np.ndarray, pi: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """(..., B, K, S) values of checked arrays: P (B, S, A, S), Rk (B, K, S, A), pi (..., B, S, A)."""
    S = P.shape[1]
    M = np.matmul(pi[..., None, :], P)  # P_pi, (..., B, S, 1, S), a new array: work in place
    M = M.reshape(M.shape[:-2] + (S,))
    M *= -gamma[:, None, None]
    M.reshape(M.shape[:-2] + (S * S,))[..., :: S + 1] += 1.0  # I - gamma P_pi
    r_pi = np.einsum("...bsa,bksa->...bsk", pi, Rk)  # (..., B, S, K)
    return np.swapaxes(np.linalg.solve(M, r_pi), -1, -2)


def batch_returns(
    P: Any, R_list: Sequence[Any], pi: Any, initial: Any, discount: Any
) -> np.ndarray:
    r"""Expected returns :math:`J_k(\pi_b) = \sum_s \mu_b(s) v^{\pi_b}_k(s)` of one policy per MDP
    under each reward of ``R_list``; shape (K, B) (row k: the returns under ``R_list[k]``).

    ``pi`` may also be a stack (N, B, S, A) of N policies per MDP (e.g. a family from
    :func:`batch_soft_policies`); the returns are then (K, N, B). One batched solve serves all
    K rewards and N policies (:func:`batch_policy_evaluation`). The float counterpart of
    :func:`theory.evaluation.expected_return`.

    Source: Puterman (1994), section 6.1.

    >>> P = np.array([[[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]])
    >>> R = np.array([[[0.0, 0.0], [1.0, 0.0]]])
    >>> pi = np.array([[[0.0, 1.0], [1.0, 0.0]]])
    >>> batch_returns(P, [R, -R], pi, [[1.0, 0.0]], 0.5).tolist()
    [[1.0], [-1.0]]
    >>> batch_returns(P, [R], np.stack([pi, np.full((1, 2, 2), 0.5)]), [[1.0, 0.0]], 0.5).round(6).tolist()
    [[[1.0], [0.333333]]]
    """
    P = _check_transitions(P)
    B, S, A, _ = P.shape
    if isinstance(R_list, (str, bytes)) or not isinstance(R_list, Sequence) or not R_list:
        raise InvalidArgument(f"R_list is {type(R_list).__name__}, not a non-empty sequence of (B, S, A) rewards")
    rewards = []
    for k, R in enumerate(R_list):
        arr = _float_array(R, f"R_list[{k}]")
        if arr.shape != (B, S, A):
            raise InvalidArgument(f"R_list[{k}] has shape {arr.shape}, expected {(B, S, A)}")
        _check_finite(arr, f"R_list[{k}]")
        rewards.append(arr)
    pi = _check_policy(pi, (B, S, A), stacked=True)
    mu = _float_array(initial, "initial")
    if mu.shape != (B, S):
        raise InvalidArgument(f"initial has shape {mu.shape}, expected {(B, S)}")
    _check_rows(mu, "initial")
    gamma = _check_discounts(discount, B)
    V = _evaluate(P, np.stack(rewards, axis=1), pi, gamma)  # (..., B, K, S)
    return np.moveaxis(np.einsum("bs,...bks->...kb", mu, V), -2, 0)


# -- policies from Q-values ------------------------------------------------------------------

#: Up to this many actions, maxima and sums over the action axis are chains of ufuncs over its
#: slices (numpy's reduce over a short last axis is several times slower).
_CHAIN = 16


def _last_max(x: np.ndarray) -> np.ndarray:
    if x.shape[-1] > _CHAIN:
        return x.max(axis=-1)
    out = x[..., 0].copy()
    for a in range(1, x.shape[-1]):
        np.maximum(out, x[..., a], out=out)
    return out


def _last_sum(x: np.ndarray) -> np.ndarray:
    if x.shape[-1] > _CHAIN:
        return x.sum(axis=-1)
    out = x[..., 0].copy()
    for a in range(1, x.shape[-1]):
        out += x[..., a]
    return out


def batch_softmax_of_q_values(Q: Any, beta: float) -> np.ndarray:
    r"""The softmax of given Q-values over the last axis (one step, no planning):
    :math:`\pi(a \mid s) = e^{\beta Q(s, a)} / \sum_b e^{\beta Q(s, b)}`.

    Any leading shape, e.g. (B, S, A) -> (B, S, A). Computed stably (the row maximum is
    subtracted first). ``beta = 0`` is the uniform policy; large ``beta`` tends to the uniform
    policy on the argmax set. Given the optimal Q-values :math:`Q^*` of a proxy, this is the
    "Boltzmann-rational" policy whose inverse temperature measures the optimisation pressure.
    It is *not* :class:`agents.soft.Boltzmann`, the maximum-entropy optimiser, which plays the
    softmax of the *soft* Q-values :math:`Q_\beta` of soft value iteration (its Q-values
    depend on beta; these are given).

    Source: Luce (1959) / the softmax action rule of Sutton & Barto, *Reinforcement Learning*
    (2018), section 2.8 (gradient bandits) and 13.1; used with optimal Q-values as the
    optimisation-pressure family of Goodhart curves by Karwowski et al. (2023).

    >>> batch_softmax_of_q_values(np.array([[0.0, np.log(3.0)]]), 1.0).round(12).tolist()
    [[0.25, 0.75]]
    >>> batch_softmax_of_q_values([[0.0, 1.0]], -1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: beta is -1, not a finite number >= 0
    """
    beta = check_beta(beta)
    q_values = _check_q_values(Q)
    z = beta * (q_values - _last_max(q_values)[..., None])
    w = np.exp(z)
    return w / _last_sum(w)[..., None]


def batch_soft_policies(Q: Any, betas: Sequence[float]) -> np.ndarray:
    """:func:`batch_softmax_of_q_values` at each inverse temperature of ``betas``: shape
    ``(len(betas),) + Q.shape`` (one policy stack per pressure).

    Source: as :func:`batch_softmax_of_q_values`.

    >>> batch_soft_policies(np.zeros((1, 2, 3)), [0.0, 1.0]).shape
    (2, 1, 2, 3)
    """
    if isinstance(betas, (str, bytes)) or not isinstance(betas, (Sequence, np.ndarray)) or len(betas) == 0:
        raise InvalidArgument(f"betas is {betas!r}, not a non-empty sequence of numbers >= 0")
    q_values = _check_q_values(Q)
    return np.stack([batch_softmax_of_q_values(q_values, b) for b in betas])


def batch_quantiliser(Q: Any, q: float) -> np.ndarray:
    r"""The q-quantiliser of the uniform policy, per state, ranked by Q-values (last axis).

    In every row, with the uniform base :math:`1/A`: sort the actions by Q, descending; group
    actions whose Q is within ``FLOAT_TOLERANCE * max(1, |top|)`` of the group's top value into
    a level; let M be the base mass of the levels before the *boundary level* (the first at
    which the cumulative base mass reaches q) and m the boundary level's mass. Then an action
    above the boundary gets :math:`(1/A)/q`, an action in the boundary level
    :math:`(1/A)(q - M)/(q\, m)` (the exact boundary split, shared equally by the tied actions),
    and an action below gets 0. The levels are those of :func:`theory.selection.levels` (one tie
    rule, one float tolerance :data:`theory.numbers.FLOAT_TOLERANCE`, ties in index order), and
    the result is :func:`theory.selection.quantilise` (tie rule "uniform") with a uniform base,
    applied to every row at once, with the same float operations in the same order; q = 1 is
    uniform, q at most the mass of the argmax level is uniform on the argmax level.

    Source: Taylor, "Quantilizers: A Safer Alternative to Maximizers for Limited Optimization"
    (2016), Definition 1.

    >>> batch_quantiliser(np.array([[3.0, 1.0, 2.0]]), 0.5).round(12).tolist()
    [[0.666666666667, 0.0, 0.333333333333]]
    >>> batch_quantiliser([[1.0, 2.0]], 0)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: q is 0, not in (0, 1]
    """
    if isinstance(q, bool) or not isinstance(q, Real) or not 0 < float(q) <= 1:
        raise InvalidArgument(f"q is {format_number(q) if isinstance(q, Real) else repr(q)}, not in (0, 1]")
    qq = float(q)
    u = _check_q_values(Q)
    A = u.shape[-1]
    flat = u.reshape(-1, A)
    n = flat.shape[0]
    order = np.argsort(-flat, axis=1, kind="stable")
    sorted_u = np.take_along_axis(flat, order, axis=1)
    # level of every sorted position (as theory.selection.levels: tied to the level's top value)
    level = np.zeros((n, A), dtype=np.int64)
    top = sorted_u[:, 0].copy()
    for k in range(1, A):
        x = sorted_u[:, k]
        new = ~(x >= top - FLOAT_TOLERANCE * np.maximum(1.0, np.abs(top)))
        top = np.where(new, x, top)
        level[:, k] = level[:, k - 1] + new
    rows = np.arange(n)
    size = np.zeros((n, A), dtype=np.int64)  # size[r, L]: number of actions in level L
    np.add.at(size, (np.repeat(rows, A), level.ravel()), 1)
    p = 1.0 / A
    masses = [0.0]  # masses[c]: c additions of 1/A, summed in order as quantilise does
    for _ in range(A):
        masses.append(masses[-1] + p)
    level_mass = np.asarray(masses)[size]  # (n, A) by level index
    above = np.zeros((n, A))  # mass of the levels before level L, accumulated in order
    for L in range(1, A):
        above[:, L] = above[:, L - 1] + level_mass[:, L - 1]
    a_k = np.take_along_axis(above, level, axis=1)  # per sorted position
    m_k = np.take_along_axis(level_mass, level, axis=1)
    inside = a_k + m_k < qq
    boundary = ~inside & (a_k < qq)
    prob_sorted = np.where(inside, p / qq, np.where(boundary, p * ((qq - a_k) / (qq * np.where(m_k > 0, m_k, 1.0))), 0.0))
    out = np.empty_like(flat)
    np.put_along_axis(out, order, prob_sorted, axis=1)
    return out.reshape(u.shape)
