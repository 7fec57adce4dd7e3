"""Exact (or float) evaluation of a policy: values, Q-values, returns, occupancy, return laws.

Conventions. Discounted MDPs: :math:`v^\\pi(s) = E[\\sum_{t \\ge 0} \\gamma^t r(s_t, a_t) \\mid s_0 = s]`,
shape (S,); :math:`Q^\\pi(s, a) = r(s, a) + \\gamma \\sum_{s'} P(s' \\mid s, a) v^\\pi(s')`, shape
(S, A). Finite horizon H (undiscounted): ``values[t, s]`` is the expected return of steps
t..H-1 from s, shape (H + 1, S) with ``values[H] = 0``; ``q_values[t, s, a]``, shape (H, S, A).
Source: Puterman, *Markov Decision Processes* (1994), sections 4.2 and 6.1.
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Any

import numpy as np

from theory.budget import EXACT_ENTRY_BYTES, check_budget, check_entries
from theory.errors import InvalidArgument, InvalidPolicy
from theory.linalg import expected_next, solve_discounted, solve_discounted_transpose, use_dense
from theory.mdp import FiniteMDP
from theory.numbers import coerce_array, zeros_like_kind
from theory.policy import Policy
from theory.validation import check_value_range

__all__ = [
    "Reward",
    "reward_array",
    "float_rewards",
    "state_values",
    "q_values",
    "expected_return",
    "occupancy",
    "state_occupancy",
    "normalised_state_occupancy",
    "return_distribution",
    "next_state_distribution",
    "state_action_flow",
]

Reward = str | np.ndarray


def reward_array(mdp: FiniteMDP, reward: Reward) -> np.ndarray:
    """The (S, A) reward array named ``reward`` (or ``reward`` itself, checked, if an array)."""
    if isinstance(reward, str):
        return mdp.reward(reward)
    try:
        arr = coerce_array(reward, mdp.exact, "reward")
    except InvalidArgument:
        raise
    if arr.shape != (mdp.S, mdp.A):
        raise InvalidArgument(f"reward has shape {arr.shape}, expected {(mdp.S, mdp.A)}")
    return arr


def float_rewards(mdp: FiniteMDP, reward: Reward, method: str) -> np.ndarray:
    """:func:`reward_array`, and on float input refused (one line naming ``method`` and the
    reward) when the values it gives could overflow float64 (:func:`~theory.validation.check_value_range`).

    >>> from theory.examples import two_state
    >>> m = two_state().to_float()
    >>> float_rewards(m.replace(rewards={"true": m.rewards["true"] * 1e307}), "true", "value_iteration")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: value_iteration: the 'true' rewards reach 1.00e+307 and discount 0.9 makes values up to 1.00e+308, more than float64 holds; scale the rewards down or solve the exact MDP
    """
    r = reward_array(mdp, reward)
    if not mdp.exact:
        name = repr(reward) if isinstance(reward, str) else "given"
        check_value_range(r, mdp.discount, mdp.horizon, method, name)
    return r


def _check(mdp: FiniteMDP, policy: Policy) -> None:
    if not isinstance(policy, Policy):
        raise InvalidPolicy(f"policy is {type(policy).__name__}, not a Policy")
    policy.check_fits(mdp)


def state_values(mdp: FiniteMDP, policy: Policy, reward: Reward) -> np.ndarray:
    """State values :math:`v^\\pi` under ``reward``: shape (S,) discounted, (H+1, S) finite.

    Discounted: the exact solution of :math:`(I - \\gamma P_\\pi) v = r_\\pi`.
    Finite horizon: backward recursion :math:`v_t = r_{\\pi_t} + P_{\\pi_t} v_{t+1}`, :math:`v_H = 0`.

    >>> from theory.examples import two_state
    >>> state_values(two_state(), Policy.deterministic(two_state(), {"s0": "go", "s1": "stay"}), "true").tolist()
    [Fraction(810, 91), Fraction(10, 1)]
    """
    _check(mdp, policy)
    r = float_rewards(mdp, reward, "state_values")
    if mdp.horizon is None:
        pi = policy.probs
        r_pi = (pi * r).sum(axis=1)
        return solve_discounted(mdp, pi, r_pi)
    H = mdp.horizon
    check_entries("horizon", H, (H + 1) * mdp.S, mdp.exact, "the values over the horizon")
    v = zeros_like_kind((H + 1, mdp.S), mdp.exact)
    for t in range(H - 1, -1, -1):
        q = r + expected_next(mdp, v[t + 1])
        v[t] = (policy.at(t) * q).sum(axis=1)
    return v


def q_values(mdp: FiniteMDP, policy: Policy, reward: Reward) -> np.ndarray:
    """Q-values :math:`Q^\\pi`: shape (S, A) discounted, (H, S, A) finite horizon.

    >>> from theory.examples import two_state
    >>> pi = Policy.deterministic(two_state(), {"s0": "go", "s1": "stay"})
    >>> q_values(two_state(), pi, "true")[1].tolist()
    [Fraction(10, 1), Fraction(729, 91)]
    """
    if mdp.horizon is not None:
        check_entries("horizon", mdp.horizon, mdp.horizon * mdp.S * (mdp.A + 1), mdp.exact, "the Q-values over the horizon")
    v = state_values(mdp, policy, reward)
    r = reward_array(mdp, reward)
    if mdp.horizon is None:
        return r + mdp.discount * expected_next(mdp, v)
    H = mdp.horizon
    out = np.empty((H, mdp.S, mdp.A), dtype=object if mdp.exact else np.float64)
    for t in range(H):
        out[t] = r + expected_next(mdp, v[t + 1])
    return out


def expected_return(mdp: FiniteMDP, policy: Policy, reward: Reward) -> Fraction | float:
    """:math:`J(\\pi) = \\sum_s \\mu_0(s) v^\\pi(s)` (at t = 0 for a finite horizon).

    >>> from theory.examples import two_state
    >>> expected_return(two_state(), Policy.uniform(two_state()), "true")
    Fraction(405, 191)
    """
    v = state_values(mdp, policy, reward)
    v0 = v if mdp.horizon is None else v[0]
    total = (mdp.initial * v0).sum()
    return total if mdp.exact else float(total)


def state_occupancy(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """Discounted state occupancy :math:`d(s) = \\sum_t \\gamma^t P(s_t = s)` from ``initial``
    (unnormalised: it sums to :math:`1/(1-\\gamma)`), or :math:`\\sum_{t<H} P(s_t = s)` for a
    finite horizon (sums to H). Shape (S,).

    >>> from theory.examples import two_state
    >>> state_occupancy(two_state(), Policy.deterministic(two_state(), ["go", "stay"])).tolist()
    [Fraction(100, 91), Fraction(810, 91)]
    """
    _check(mdp, policy)
    if mdp.horizon is None:
        return solve_discounted_transpose(mdp, policy.probs, mdp.initial)
    d = zeros_like_kind((mdp.S,), mdp.exact)
    p = mdp.initial.copy()
    for t in range(mdp.horizon):
        d = d + p
        p = next_state_distribution(mdp, policy.at(t), p)
    return d


def normalised_state_occupancy(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """The normalised state occupancy: the distribution of the state visited under ``policy``,
    shape (S,), summing to 1.

    Discounted: :math:`\\bar d(s) = (1 - \\gamma) \\sum_{t \\ge 0} \\gamma^t P(s_t = s)`, the
    :func:`state_occupancy` times :math:`1 - \\gamma`; finite horizon H:
    :math:`\\bar d(s) = \\frac{1}{H} \\sum_{t < H} P(s_t = s)`. Exact on an exact MDP.

    Source: Puterman, *Markov Decision Processes* (1994), section 6.9; Sutton et al.,
    "Policy gradient methods for reinforcement learning with function approximation" (2000),
    the discounted state distribution.

    >>> from theory.examples import two_state
    >>> normalised_state_occupancy(two_state(), Policy.deterministic(two_state(), ["go", "stay"])).tolist()
    [Fraction(10, 91), Fraction(81, 91)]
    """
    d = state_occupancy(mdp, policy)
    if mdp.horizon is None:
        return d * (1 - mdp.discount)
    return d / (Fraction(mdp.horizon) if mdp.exact else float(mdp.horizon))


def occupancy(mdp: FiniteMDP, policy: Policy) -> np.ndarray:
    """State-action occupancy measure :math:`d(s, a) = \\sum_t \\gamma^t P(s_t = s, a_t = a)`
    (finite horizon: :math:`\\sum_{t<H}` undiscounted), shape (S, A); so that
    :math:`J(\\pi) = \\sum_{s,a} d(s, a) r(s, a)` for every reward r. For a time-dependent
    policy the per-step terms are summed.

    Source: Puterman (1994), section 6.9; Altman, *Constrained MDPs* (1999).

    >>> from theory.examples import two_state
    >>> occupancy(two_state(), Policy.deterministic(two_state(), ["go", "stay"]))[1].tolist()
    [Fraction(810, 91), Fraction(0, 1)]
    """
    _check(mdp, policy)
    if mdp.horizon is None or policy.stationary:
        return state_occupancy(mdp, policy)[:, None] * policy.probs
    d = zeros_like_kind((mdp.S, mdp.A), mdp.exact)
    p = mdp.initial.copy()
    for t in range(mdp.horizon):
        d = d + p[:, None] * policy.at(t)
        p = next_state_distribution(mdp, policy.at(t), p)
    return d


def next_state_distribution(mdp: FiniteMDP, pi: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Distribution of the next state given the distribution p of the current one and the
    (S, A) action probabilities pi: :math:`p'(s') = \\sum_{s,a} p(s) \\pi(a|s) P(s'|s,a)`."""
    return state_action_flow(mdp, p[:, None] * pi)


def state_action_flow(mdp: FiniteMDP, weights: np.ndarray) -> np.ndarray:
    """Where (S, A) state-action weights flow in one step:
    :math:`f(s') = \\sum_{s,a} w(s, a) P(s'|s,a)`, shape (S,), of the MDP's kind (exact
    input: a sparse sum over the non-zero transitions).

    >>> from theory.examples import two_state
    >>> from theory.numbers import exact_array
    >>> state_action_flow(two_state(), exact_array([[0, 1], [0, 0]])).tolist()
    [Fraction(1, 10), Fraction(9, 10)]
    """
    if use_dense(mdp):
        return np.einsum("sa,sat->t", weights, mdp.transitions)
    return mdp.sparse.flow(weights)


#: Estimated bytes of one (state, accumulated returns) pair of :func:`return_distribution` per
#: number it holds (a dict slot, a tuple and an exact number).
_PAIR_BYTES = 100 + EXACT_ENTRY_BYTES


def return_distribution(
    mdp: FiniteMDP, policy: Policy, reward: Reward | tuple[Reward, ...]
) -> dict[Any, Fraction | float]:
    """The exact distribution of the (undiscounted) return over a finite horizon.

    With one reward, ``{return: probability}``; with a tuple of rewards, the joint law
    ``{(return_1, return_2, ...): probability}`` (e.g. of the proxy and the true return).
    Computed by a forward recursion over (state, accumulated returns) pairs; exact on exact
    input. Keys are sorted ascending.

    >>> from theory.examples import two_state
    >>> from theory.mdp import FiniteMDP
    >>> m = two_state().replace(discount=None, horizon=2)
    >>> return_distribution(m, Policy.deterministic(m, ["go", "stay"]), "true")
    {Fraction(0, 1): Fraction(1, 10), Fraction(1, 1): Fraction(9, 10)}
    """
    _check(mdp, policy)
    if mdp.horizon is None:
        raise InvalidArgument("return_distribution needs a finite-horizon MDP (this one is discounted)")
    joint = isinstance(reward, tuple)
    rewards = [reward_array(mdp, r) for r in (reward if joint else (reward,))]
    zero = Fraction(0) if mdp.exact else 0.0
    layer: dict[tuple[int, tuple], Any] = defaultdict(lambda: zero)
    for s in range(mdp.S):
        if mdp.initial[s] != 0:
            layer[(s, tuple(zero for _ in rewards))] += mdp.initial[s]
    branching = max(len(succ) for row in mdp.successors for succ in row) * mdp.A
    for t in range(mdp.horizon):
        pi = policy.at(t)
        check_budget("horizon", mdp.horizon, len(layer) * branching * _PAIR_BYTES * (1 + len(rewards)),
                     f"step {t + 1} of the return distribution (up to {len(layer) * branching} (state, return) pairs)")
        nxt: dict[tuple[int, tuple], Any] = defaultdict(lambda: zero)
        for (s, acc), w in layer.items():
            for a in range(mdp.A):
                pa = pi[s, a]
                if pa == 0:
                    continue
                acc2 = tuple(x + r[s, a] for x, r in zip(acc, rewards))
                for j, p in mdp.successors[s][a]:
                    nxt[(j, acc2)] += w * pa * p
        layer = nxt
    law: dict[Any, Any] = defaultdict(lambda: zero)
    for (s, acc), w in layer.items():
        law[acc if joint else acc[0]] += w
    return {k: law[k] for k in sorted(law) if law[k] != 0}
