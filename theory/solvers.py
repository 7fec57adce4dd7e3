"""Optimal control of a FiniteMDP: exact policy iteration, backward induction, float value iteration.

All return a :class:`Solution`; nothing is stored on a solver object.
"""

from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

import numpy as np

from theory.budget import check_budget, check_entries, denominator_bits, growing_entry_bytes
from theory.display import solution_html
from theory.errors import InvalidArgument
from theory.evaluation import Reward, float_rewards, state_values
from theory.linalg import expected_next, solve_discounted, use_dense
from theory.mdp import FiniteMDP
from theory.numbers import FLOAT_TOLERANCE, zeros_like_kind
from theory.policy import Policy
from theory.validation import TieRule, check_int, check_positive, check_tie

__all__ = [
    "Solution",
    "TieRule",
    "ARGMAX_TIES",
    "policy_iteration",
    "backward_induction",
    "value_iteration",
    "modified_policy_iteration",
    "solve",
    "argmax_sets",
    "greedy_policy",
    "row_max",
    "WARM_START_STATES",
]

#: The tie rules an argmax accepts, of the one vocabulary (theory.validation.TIE_RULES):
#: "uniform" over the argmax set, or its "first" action.
ARGMAX_TIES: tuple[str, ...] = ("uniform", "first")


@dataclasses.dataclass(frozen=True, eq=False)
class Solution:
    """The result of an optimal-control solver.

    - ``policy``: an optimal policy (uniform over, or first of, the argmax set per state).
    - ``values``: optimal state values, (S,) discounted or (H+1, S) finite horizon.
    - ``q_values``: optimal Q-values, (S, A) or (H, S, A).
    - ``argmax``: per state the tuple of optimal action labels (finite horizon: per step t,
      per state).
    - ``reward``: the name of the reward optimised (or "<array>").
    - ``method``, ``iterations``.
    - ``error_bound``: a bound on :math:`\\|v - v^*\\|_\\infty` (0 for exact methods).
    """

    policy: Policy
    values: np.ndarray
    q_values: np.ndarray
    argmax: tuple
    reward: str
    method: str
    iterations: int
    error_bound: Fraction | float

    @property
    def initial_values(self) -> np.ndarray:
        """Optimal values at t = 0, shape (S,)."""
        return self.values if self.values.ndim == 1 else self.values[0]

    def _repr_html_(self) -> str:
        """The HTML shown in Jupyter: :func:`theory.display.solution_html` (values and argmax
        actions per state)."""
        return solution_html(self)


def argmax_sets(q_values: np.ndarray, exact: bool, enabled: np.ndarray | None = None) -> list[list[int]]:
    """Per row of a (S, A) Q array, the indices of the maximal entries: exact equality on exact
    input; within ``FLOAT_TOLERANCE * max(1, |max|)`` on float input. With an (S, A) ``enabled``
    mask, over each row's enabled entries only.

    >>> argmax_sets(np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 1.0]]), False)
    [[0, 1], [1]]
    >>> argmax_sets(np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 1.0]]), False, np.array([[1, 1, 1], [1, 0, 1]], bool))
    [[0, 1], [2]]
    """
    if enabled is not None and not enabled.all():
        if exact:
            out = []
            for row, on in zip(q_values, enabled):
                acts = np.flatnonzero(on).tolist()
                best = max(row[a] for a in acts)
                out.append([a for a in acts if row[a] == best])
            return out
    else:
        enabled = None
    if not exact:
        mask = _float_argmax_mask(q_values, enabled)
        if mask is not None:
            counts = mask.sum(axis=1)
            if np.all(counts == 1):
                return [[a] for a in mask.argmax(axis=1).tolist()]
            cols = np.nonzero(mask)[1].tolist()
            ends = np.cumsum(counts).tolist()
            return [cols[start:end] for start, end in zip([0] + ends[:-1], ends)]
        if enabled is not None:  # the loop below: a disabled entry is never maximal
            q_values = np.where(enabled, q_values, -np.inf)
    out = []
    for s, row in enumerate(q_values):
        if not exact and any(x != x for x in row):  # NaN is unequal to itself
            raise InvalidArgument(f"q_values row {s} is {list(map(float, row))}: NaN has no argmax")
        best = max(row)
        if exact or not math.isfinite(best):  # an infinite maximum: the entries equal to it
            out.append([a for a, x in enumerate(row) if x == best])
        else:
            tol = FLOAT_TOLERANCE * max(1.0, abs(best))
            out.append([a for a, x in enumerate(row) if x >= best - tol])
    return out


def greedy_policy(q_values: np.ndarray, exact: bool, tie: TieRule = "uniform",
                  enabled: np.ndarray | None = None) -> np.ndarray:
    """(S, A) probabilities greedy in q_values: uniform over the argmax set, or its first action
    (the argmax over the ``enabled`` entries when a mask is given)."""
    check_tie(tie, ARGMAX_TIES)
    S, A = q_values.shape
    if enabled is not None and enabled.all():
        enabled = None
    if not exact:
        mask = _float_argmax_mask(q_values, enabled)
        if mask is not None:
            if tie == "first":
                first = mask.argmax(axis=1)
                mask = np.zeros_like(mask)
                mask[np.arange(S), first] = True
            return np.where(mask, 1.0 / mask.sum(axis=1)[:, None], 0.0)
    probs = zeros_like_kind((S, A), exact)
    for s, best in enumerate(argmax_sets(q_values, exact, enabled)):
        chosen = best if tie == "uniform" else best[:1]
        w = Fraction(1, len(chosen)) if exact else 1.0 / len(chosen)
        for a in chosen:
            probs[s, a] = w
    return probs


def _float_argmax_mask(q_values: np.ndarray, enabled: np.ndarray | None = None) -> np.ndarray | None:
    """The (S, A) boolean mask of :func:`argmax_sets` for a finite float array (finite on the
    ``enabled`` entries), computed with the same float operations as its loop; None when the
    loop must run (non-float, non-finite or empty input)."""
    if not isinstance(q_values, np.ndarray) or q_values.dtype.kind != "f" or q_values.ndim != 2 \
            or q_values.shape[1] == 0:
        return None
    if enabled is None:
        if not np.isfinite(q_values).all():
            return None
        best = q_values.max(axis=1)
    else:
        if not np.isfinite(q_values[enabled]).all():
            return None
        best = np.where(enabled, q_values, -np.inf).max(axis=1)
    tol = FLOAT_TOLERANCE * np.maximum(1.0, np.abs(best))
    mask = q_values >= (best - tol)[:, None]
    return mask if enabled is None else mask & enabled


def row_max(q_values: np.ndarray, enabled: np.ndarray, exact: bool) -> np.ndarray:
    """(S,) the largest enabled entry of each row of a (S, A) array (``enabled``: the MDP's mask).

    >>> row_max(np.array([[1.0, 3.0], [2.0, 5.0]]), np.array([[True, True], [True, False]]), False).tolist()
    [3.0, 2.0]
    """
    if enabled.all():
        return np.array([max(row) for row in q_values], dtype=q_values.dtype)
    if not exact:
        return _float_row_max(q_values, np.where(enabled, 0.0, -np.inf))
    return np.array([max(row[on]) for row, on in zip(q_values, enabled)], dtype=object)


def _improve(q_values: np.ndarray, choice: list[int], exact: bool, enabled: np.ndarray) -> bool:
    """The improvement step of :func:`policy_iteration`, state by state: switch to the first
    maximal enabled action when it is strictly better than the current one (by more than the
    float tolerance on float input). Updates ``choice`` in place; tells whether any state
    switched."""
    changed = False
    for s, row in enumerate(q_values):
        best = max(np.flatnonzero(enabled[s]).tolist(), key=lambda a: (row[a], -a))
        current = row[choice[s]]
        margin = 0 if exact else FLOAT_TOLERANCE * max(1.0, abs(current))
        if row[best] > current + margin:
            choice[s] = best
            changed = True
    return changed


def _improve_float(q_values: np.ndarray, choice: list[int], enabled: np.ndarray) -> bool | None:
    """:func:`_improve` on a finite float Q array, vectorised with the same float operations.
    None (and ``choice`` untouched) when q_values is not finite: the loop handles that case."""
    if not enabled.all():
        if not np.isfinite(q_values[enabled]).all():
            return None
        q_values = np.where(enabled, q_values, -np.inf)
    elif not np.isfinite(q_values).all():
        return None
    rows = np.arange(q_values.shape[0])
    best = q_values.argmax(axis=1)
    current = q_values[rows, np.asarray(choice)]
    margin = FLOAT_TOLERANCE * np.maximum(1.0, np.abs(current))
    switch = np.flatnonzero(q_values[rows, best] > current + margin)
    for s in switch.tolist():
        choice[s] = int(best[s])
    return len(switch) > 0


#: Exact models with at least this many states start policy iteration from the policy that float
#: policy iteration finds: any start reaches the exact optimum (the improvement steps are exact),
#: and this one is usually optimal already, so one or two exact solves remain.
WARM_START_STATES = 200


def _float_start(mdp: FiniteMDP, r: np.ndarray) -> list[int] | None:
    """The first optimal action of every state by float policy iteration, or None when the
    model does not fit float64."""
    try:
        floats = mdp.to_float()
        r_float = np.array(r.tolist(), dtype=np.float64)
        if not np.isfinite(r_float).all():
            return None
        sol = policy_iteration(floats, r_float, "first")
    except (InvalidArgument, ArithmeticError, ValueError):
        return None
    return _first_actions(sol)


def _first_actions(sol: Solution) -> list[int]:
    """The action of every state of a float solution found with ``tie="first"`` (one-hot rows)."""
    return np.asarray(sol.policy.probs).argmax(axis=1).tolist()


def _value_iteration_start(mdp: FiniteMDP, r: np.ndarray) -> list[int]:
    """The first greedy action of every state after value iteration to a millionth of the
    value scale max|r| / (1 - gamma)."""
    scale = max(1.0, float(np.abs(r).max()) / (1.0 - float(mdp.discount)))
    sol = value_iteration(mdp, r, tolerance=1e-6 * scale, tie="first")
    return _first_actions(sol)


def _reward_name(reward: Reward) -> str:
    return reward if isinstance(reward, str) else "<array>"


def policy_iteration(mdp: FiniteMDP, reward: Reward, tie: TieRule = "uniform",
                     warm_start: bool | None = None) -> Solution:
    """Howard's policy iteration for a discounted MDP (Howard 1960; Puterman 1994, sec. 6.4).

    Evaluate the current deterministic policy exactly, switch every state to the first action
    whose Q-value is *strictly* higher than the current action's, repeat until no state
    switches. On exact input every comparison is exact, so the result is the exact optimum and
    the argmax set is the exact set :math:`\\{a : Q^*(s, a) = \\max_b Q^*(s, b)\\}`. On float
    input, "strictly higher" means by more than ``FLOAT_TOLERANCE`` (scaled by the value).

    The first policy is greedy in the immediate reward; with ``warm_start`` (default: for exact
    models of at least :data:`WARM_START_STATES` states, and float ones that large solved
    sparse) it is instead the policy float policy iteration finds (exact models: the result stays
    exact, every improvement step is, and usually one or two exact evaluations remain) or, for a
    float model, the greedy policy of a coarse value iteration (to a millionth of the value
    scale: Howard's method otherwise spends an iteration per step of a long path, 141 on a
    100 x 100 grid). The optimum is the same; only ``iterations`` differs.

    >>> from theory.examples import two_state
    >>> sol = policy_iteration(two_state(), "true")
    >>> sol.values.tolist(), sol.argmax
    ([Fraction(810, 91), Fraction(10, 1)], (('go',), ('stay',)))
    """
    check_tie(tie, ARGMAX_TIES)
    if mdp.horizon is not None:
        raise InvalidArgument("policy_iteration needs a discounted MDP; use backward_induction for a horizon")
    r = float_rewards(mdp, reward, "policy_iteration")
    exact = mdp.exact
    S = mdp.S
    enabled = mdp.enabled
    if warm_start is None:
        warm_start = S >= WARM_START_STATES and (exact or not use_dense(mdp))
    warm = None
    if warm_start:
        warm = _float_start(mdp, r) if exact else _value_iteration_start(mdp, r)
    if warm is not None:
        choice = warm
    elif exact:
        choice = [max(mdp.enabled_actions(s), key=lambda a: (r[s, a], -a)) for s in range(S)]
    elif mdp.all_enabled:
        choice = np.argmax(r, axis=1).tolist()
    else:
        choice = np.argmax(np.where(enabled, r, -np.inf), axis=1).tolist()
    iterations = 0
    v = None
    while True:
        iterations += 1
        pi = Policy.deterministic(mdp, np.asarray(choice, dtype=np.int64))
        if v is None or exact or use_dense(mdp):
            v = state_values(mdp, pi, r)
        else:  # a sparse iterative evaluation starts from the previous policy's values
            v = solve_discounted(mdp, pi.probs, (pi.probs * r).sum(axis=1), guess=v)
        q_values = r + mdp.discount * expected_next(mdp, v)
        changed = None if exact else _improve_float(q_values, choice, enabled)
        if changed is None:
            changed = _improve(q_values, choice, exact, enabled)
        if not changed:
            break
        if iterations > 10_000:  # pragma: no cover - policy iteration is finite
            raise RuntimeError("policy iteration did not converge")
    sets = argmax_sets(q_values, exact, enabled)
    probs = greedy_policy(q_values, exact, tie, enabled)
    return Solution(
        policy=Policy(probs, mdp.states, mdp.actions),
        values=v,
        q_values=q_values,
        argmax=tuple(tuple(mdp.actions[a] for a in best) for best in sets),
        reward=_reward_name(reward),
        method="policy iteration",
        iterations=iterations,
        error_bound=Fraction(0) if exact else 0.0,
    )


def backward_induction(mdp: FiniteMDP, reward: Reward, tie: TieRule = "uniform") -> Solution:
    """Backward induction for a finite horizon H (Bellman 1957; Puterman 1994, sec. 4.5):
    :math:`v_H = 0`, :math:`Q_t = r + P v_{t+1}`, :math:`v_t = \\max_a Q_t`. Exact on exact input.
    The policy is time-dependent, shape (H, S, A).

    >>> from theory.examples import two_state
    >>> m = two_state().replace(discount=None, horizon=2)
    >>> backward_induction(m, "true").values[0].tolist()
    [Fraction(9, 10), Fraction(2, 1)]
    """
    check_tie(tie, ARGMAX_TIES)
    if mdp.horizon is None:
        raise InvalidArgument("backward_induction needs a finite-horizon MDP; use policy_iteration")
    r = float_rewards(mdp, reward, "backward_induction")
    exact = mdp.exact
    H, S, A = mdp.horizon, mdp.S, mdp.A
    entries = (H + 1) * S + 2 * H * S * A
    if exact:  # the values' denominators grow by those of the transitions at every step
        bits = denominator_bits(p for row in mdp.successors for succ in row for _, p in succ)
        check_budget("horizon", H, entries * growing_entry_bytes(H, bits), "exact backward induction")
    else:
        check_entries("horizon", H, entries, exact, "backward induction")
    v = zeros_like_kind((H + 1, S), exact)
    q_values = np.empty((H, S, A), dtype=object if exact else np.float64)
    probs = np.empty((H, S, A), dtype=object if exact else np.float64)
    argmax = []
    for t in range(H - 1, -1, -1):
        q_values[t] = r + expected_next(mdp, v[t + 1])
        sets = argmax_sets(q_values[t], exact, mdp.enabled)
        v[t] = row_max(q_values[t], mdp.enabled, exact)
        probs[t] = greedy_policy(q_values[t], exact, tie, mdp.enabled)
        argmax.append(tuple(tuple(mdp.actions[a] for a in best) for best in sets))
    return Solution(
        policy=Policy(probs, mdp.states, mdp.actions),
        values=v,
        q_values=q_values,
        argmax=tuple(reversed(argmax)),
        reward=_reward_name(reward),
        method="backward induction",
        iterations=H,
        error_bound=Fraction(0) if exact else 0.0,
    )


def value_iteration(
    mdp: FiniteMDP,
    reward: Reward,
    tolerance: float = 1e-8,
    tie: TieRule = "uniform",
    max_iterations: int = 1_000_000,
) -> Solution:
    """Float value iteration for a discounted MDP, stopped with a guarantee.

    Iterate :math:`v_{k+1} = \\max_a [r + \\gamma P v_k]` until
    :math:`\\|v_{k+1} - v_k\\|_\\infty < \\text{tolerance} (1 - \\gamma) / \\gamma`; then
    :math:`\\|v_{k+1} - v^*\\|_\\infty \\le \\gamma \\|v_{k+1} - v_k\\|_\\infty / (1 - \\gamma) <
    \\text{tolerance}`, reported as ``error_bound`` (Puterman 1994, Theorem 6.3.1; the same
    stopping rule as pymdptoolbox's ValueIteration). Float only: exact input is refused (use
    :func:`policy_iteration` for exact values, or ``mdp.to_float()``).

    >>> from theory.examples import two_state
    >>> sol = value_iteration(two_state().to_float(), "true", tolerance=1e-6)
    >>> bool(abs(sol.values[1] - 10) < 1e-6), sol.error_bound < 1e-6
    (True, True)
    """
    check_tie(tie, ARGMAX_TIES)
    if mdp.exact:
        raise InvalidArgument("value_iteration is a float method; use policy_iteration for exact values or mdp.to_float()")
    if mdp.horizon is not None:
        raise InvalidArgument("value_iteration needs a discounted MDP; use backward_induction for a horizon")
    if isinstance(tolerance, bool) or not (isinstance(tolerance, (int, float)) and tolerance > 0):
        raise InvalidArgument(f"tolerance is {tolerance!r}, not a positive number")
    r = float_rewards(mdp, reward, "value_iteration")
    gamma = float(mdp.discount)
    S, A = mdp.S, mdp.A
    P = mdp.transitions.reshape(S * A, S) if use_dense(mdp) else mdp.sparse.csr
    penalty = _disabled_penalty(mdp)
    v = np.zeros(S)
    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else np.inf
    iterations = 0
    delta = 0.0
    while True:
        iterations += 1
        q_values = r + gamma * (P @ v).reshape(S, A)
        v_new = _float_row_max(q_values, penalty)
        delta = float(np.max(np.abs(v_new - v)))
        v = v_new
        if gamma == 0 or delta < threshold:
            break
        if iterations >= max_iterations:
            raise InvalidArgument(f"value_iteration did not reach tolerance {tolerance} in {max_iterations} iterations")
    q_values = r + gamma * (P @ v).reshape(S, A)
    bound = gamma * delta / (1 - gamma)
    return _float_solution(mdp, q_values, v, reward, tie, "value iteration", iterations, bound)


def _float_solution(mdp: FiniteMDP, q_values: np.ndarray, values: np.ndarray, reward: Reward, tie: TieRule,
                    method: str, iterations: int, bound: float) -> Solution:
    """The :class:`Solution` of a float iterative method: greedy in ``q_values`` over the
    enabled actions."""
    sets = argmax_sets(q_values, False, mdp.enabled)
    return Solution(
        policy=Policy(greedy_policy(q_values, False, tie, mdp.enabled), mdp.states, mdp.actions),
        values=values,
        q_values=q_values,
        argmax=tuple(tuple(mdp.actions[a] for a in best) for best in sets),
        reward=_reward_name(reward),
        method=method,
        iterations=iterations,
        error_bound=bound,
    )


def _disabled_penalty(mdp: FiniteMDP) -> np.ndarray | None:
    """(S, A): 0 where an action is enabled, -inf where it is disabled (None: all enabled)."""
    return None if mdp.all_enabled else np.where(mdp.enabled, 0.0, -np.inf)


def _float_row_max(q_values: np.ndarray, penalty: np.ndarray | None) -> np.ndarray:
    """(S,) the largest enabled entry of each row, column by column (numpy's reduction over a
    short last axis is some 20 times slower at S = 10**4, A = 4)."""
    if penalty is not None:
        q_values = q_values + penalty
    out = q_values[:, 0].copy()
    for a in range(1, q_values.shape[1]):
        np.maximum(out, q_values[:, a], out=out)
    return out


def modified_policy_iteration(
    mdp: FiniteMDP,
    reward: Reward,
    tolerance: float = 1e-8,
    sweeps: int = 20,
    tie: TieRule = "uniform",
    max_iterations: int = 1_000_000,
) -> Solution:
    """Float modified policy iteration for a discounted MDP (Puterman 1994, sec. 6.5), stopped
    with the guarantee of :func:`value_iteration`.

    Each iteration applies the Bellman optimality operator once, :math:`u = T v`, with its
    greedy policy :math:`\\pi`, then ``sweeps`` partial evaluation sweeps
    :math:`v \\leftarrow r_\\pi + \\gamma P_\\pi v` from u. It stops when
    :math:`\\|T v - v\\|_\\infty < \\text{tolerance} (1 - \\gamma) / \\gamma` and returns
    :math:`u = T v`, for which :math:`\\|u - v^*\\|_\\infty \\le \\gamma \\|T v - v\\|_\\infty /
    (1 - \\gamma) <` ``tolerance`` holds for any v (T is a gamma-contraction), reported as
    ``error_bound``. ``sweeps = 0`` is value iteration. Float only, like :func:`value_iteration`.

    >>> from theory.examples import two_state
    >>> sol = modified_policy_iteration(two_state().to_float(), "true", tolerance=1e-9)
    >>> bool(abs(sol.values[1] - 10) < 1e-9), sol.argmax
    (True, (('go',), ('stay',)))
    """
    check_tie(tie, ARGMAX_TIES)
    if mdp.exact:
        raise InvalidArgument("modified_policy_iteration is a float method; use policy_iteration for exact values "
                              "or mdp.to_float()")
    if mdp.horizon is not None:
        raise InvalidArgument("modified_policy_iteration needs a discounted MDP; use backward_induction for a horizon")
    tolerance = check_positive(tolerance, "tolerance")
    sweeps = check_int(sweeps, "sweeps", 0)
    r = float_rewards(mdp, reward, "modified_policy_iteration")
    gamma = float(mdp.discount)
    S, A = mdp.S, mdp.A
    P = mdp.transitions.reshape(S * A, S) if use_dense(mdp) else mdp.sparse.csr
    penalty = _disabled_penalty(mdp)
    rows = np.arange(S)
    flat = rows * A
    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else np.inf
    v = np.zeros(S)
    for iterations in range(1, max_iterations + 1):
        q_values = r + gamma * (P @ v).reshape(S, A)
        masked = q_values if penalty is None else q_values + penalty
        choice = masked.argmax(axis=1)
        u = masked[rows, choice]
        delta = float(np.max(np.abs(u - v)))
        if gamma == 0 or delta < threshold:
            break
        r_pi, P_pi = r[rows, choice], P[flat + choice]
        v = u
        for _ in range(sweeps):
            v = r_pi + gamma * (P_pi @ v)
    else:
        raise InvalidArgument(f"modified_policy_iteration did not reach tolerance {tolerance} in {max_iterations} "
                              "iterations")
    q_values = r + gamma * (P @ u).reshape(S, A)
    return _float_solution(mdp, q_values, u, reward, tie, "modified policy iteration", iterations,
                           gamma * delta / (1 - gamma))


def solve(mdp: FiniteMDP, reward: Reward, tie: TieRule = "uniform") -> Solution:
    """The exact optimum: policy iteration (discounted) or backward induction (finite horizon).

    >>> from theory.examples import two_state
    >>> solve(two_state(), "proxy").argmax
    (('go',), ('stay',))
    """
    if mdp.horizon is None:
        return policy_iteration(mdp, reward, tie)
    return backward_induction(mdp, reward, tie)
