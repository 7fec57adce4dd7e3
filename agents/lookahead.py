r"""Limited-horizon direct search: ``Lookahead(depth)`` and its engine :func:`lookahead_policy`.

The agent searches ``depth`` steps ahead in the true model (the MDP's transitions) under the
objective reward and values the leaves with a fixed table :math:`V_0`:

.. math::

    Q_k(s, a) = r(s, a) + \gamma \sum_{s'} P(s' \mid s, a) V_{k-1}(s'), \qquad
    V_k(s) = \max_a Q_k(s, a), \qquad k = 1, \dots, d,

and acts greedily on :math:`Q_d` (uniform over its exact argmax set, or its first action).
The full-width search tree from every state is computed by dynamic programming over all states
at once, d sweeps of S*A backups, instead of :math:`(A \cdot S)^d` tree nodes per state.

Since the backup is a :math:`\gamma`-contraction, :math:`\|Q_d - Q^*\|_\infty \le \gamma^d
\|V_0 - V^*\|_\infty`: leaves equal to :math:`V^*` make every depth optimal, and deep search
approaches the optimum. At any finite depth an exact tie of :math:`Q^*` can be broken (the
argmax set of :math:`Q_d` is then a subset of that of :math:`Q^*` once the gap of :math:`Q^*`
exceeds :math:`2\gamma^d \|V_0 - V^*\|_\infty`).

Sources: Shannon, "Programming a Computer for Playing Chess" (1950), depth-limited search with
an evaluation function at the leaves; Bertsekas, *Reinforcement Learning and Optimal Control*
(2019), ch. 2, multistep lookahead with a terminal cost approximation; Schrittwieser et al.,
"Mastering Atari, Go, Chess and Shogi by Planning with a Learned Model" (MuZero, 2020), search
whose leaves are valued by a learned value function (the hybrid agent plugs its amortised table
in as ``leaf_values``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from agents.base import AgentResult, BaseAgent, Cost, resolve_objective
from agents.direct import planning_cost
from theory.budget import check_budget, check_entries, denominator_bits, growing_entry_bytes
from theory.errors import InvalidArgument
from theory.evaluation import Reward, reward_array
from theory.linalg import expected_next
from theory.mdp import FiniteMDP
from theory.numbers import coerce_array, zeros_like_kind
from theory.policy import Policy
from theory.solvers import ARGMAX_TIES, TieRule, argmax_sets, greedy_policy, row_max
from theory.validation import check_int, check_tie

__all__ = ["LeafValues", "leaf_array", "lookahead_policy", "lookahead_cost", "Lookahead"]

#: Leaf values: None (zeros), a mapping state label -> value, an (S,) array (or sequence), or for
#: a finite horizon H an (H + 1, S) array whose row t values the leaves reached at step t.
LeafValues = Mapping[str, Any] | np.ndarray | Sequence[Any] | None


def leaf_array(mdp: FiniteMDP, leaf_values: LeafValues) -> np.ndarray:
    """Leaf values as an array of the MDP's kind: (S,), or (H + 1, S) for a finite horizon.

    None gives zeros; a mapping must value every state label (and nothing else); an array or
    nested sequence is coerced to the MDP's kind (floats refused on an exact MDP, exact
    non-integer rationals on a float one), shape (S,) or, for a finite horizon H, (H + 1, S).

    >>> from theory.examples import two_state
    >>> leaf_array(two_state(), {"s0": 1, "s1": "1/2"}).tolist()
    [Fraction(1, 1), Fraction(1, 2)]
    >>> leaf_array(two_state(), {"s0": 1})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: leaf_values has no value for state 's1'
    """
    S = mdp.S
    if leaf_values is None:
        return zeros_like_kind((S,), mdp.exact)
    if isinstance(leaf_values, Mapping):
        missing = [s for s in mdp.states if s not in leaf_values]
        if missing:
            raise InvalidArgument(f"leaf_values has no value for state {missing[0]!r}")
        extra = [k for k in leaf_values if k not in mdp.states]
        if extra:
            raise InvalidArgument(f"leaf_values names the unknown state {extra[0]!r}")
        leaf_values = [leaf_values[s] for s in mdp.states]
    arr = coerce_array(leaf_values, mdp.exact, "leaf_values")
    shapes = [(S,)] + ([(mdp.horizon + 1, S)] if mdp.horizon is not None else [])
    if arr.shape not in shapes:
        expected = " or ".join(str(s) for s in shapes)
        raise InvalidArgument(f"leaf_values has shape {arr.shape}, expected {expected}")
    if arr.dtype != object and not np.isfinite(arr).all():
        raise InvalidArgument("leaf_values holds a value that is not finite")
    return arr


def _backup(mdp: FiniteMDP, r: np.ndarray, v: np.ndarray) -> np.ndarray:
    nxt = expected_next(mdp, v)
    return r + (nxt if mdp.horizon is not None else mdp.discount * nxt)


def _search(mdp: FiniteMDP, r: np.ndarray, leaves: np.ndarray, depth: int) -> np.ndarray:
    v = leaves
    for _ in range(depth):
        q_values = _backup(mdp, r, v)
        v = row_max(q_values, mdp.enabled, mdp.exact)
    return q_values


def _check_search_size(mdp: FiniteMDP, depth: int) -> None:
    """Refuse a search over the memory budget: ``depth`` sweeps of S x A Q-values, exact ones
    growing by the denominators of the transitions and the discount at every step."""
    entries = depth * mdp.S * mdp.A
    if not mdp.exact:
        check_entries("depth", depth, entries, False, f"a depth-{depth} search")
        return
    bits = denominator_bits(p for row in mdp.successors for succ in row for _, p in succ)
    bits += denominator_bits([mdp.discount])
    check_budget("depth", depth, entries * growing_entry_bytes(depth, bits), f"an exact depth-{depth} search")


def lookahead_policy(
    mdp: FiniteMDP,
    reward: Reward,
    depth: int,
    leaf_values: LeafValues = None,
    tie: TieRule = "uniform",
) -> tuple[Policy, np.ndarray]:
    r"""The greedy policy on the depth-``depth`` lookahead Q-values, and those Q-values.

    Discounted: :math:`Q_d` from :math:`V_0` = ``leaf_values`` (module docstring); a stationary
    (S, A) policy and (S, A) Q-values. Finite horizon H (undiscounted): at step t the search
    goes :math:`d_t = \min(d, H - t)` steps; when it reaches the horizon the leaves are terminal
    (value 0), otherwise they are valued by ``leaf_values`` (an (S,) table, or row t + d of an
    (H + 1, S) table); a time-dependent (H, S, A) policy and Q-values. With d >= H this is
    backward induction. ``tie="uniform"`` is uniform over the exact argmax set (float: within
    ``FLOAT_TOLERANCE``), ``"first"`` its first action. Exact on exact input.

    Source: Bertsekas (2019), ch. 2 (multistep lookahead).

    >>> from theory.examples import two_state
    >>> pi, q_values = lookahead_policy(two_state(), "true", 1)
    >>> pi.probs.tolist()
    [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 1), Fraction(0, 1)]]
    >>> q_values.tolist()
    [[Fraction(0, 1), Fraction(0, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    depth = check_int(depth, "depth", 1)
    check_tie(tie, ARGMAX_TIES)
    exact = mdp.exact
    _check_search_size(mdp, depth)
    if mdp.horizon is not None:
        check_entries("horizon", mdp.horizon, 2 * mdp.horizon * mdp.S * mdp.A, exact, "a search over the horizon")
    r = reward_array(mdp, reward)
    leaves = leaf_array(mdp, leaf_values)
    if mdp.horizon is None:
        q_values = _search(mdp, r, leaves, depth)
        return Policy(greedy_policy(q_values, exact, tie, mdp.enabled), mdp.states, mdp.actions), q_values
    H, S, A = mdp.horizon, mdp.S, mdp.A
    q_all = np.empty((H, S, A), dtype=object if exact else np.float64)
    v = zeros_like_kind((S,), exact)
    for t in range(H - 1, max(H - depth, 0) - 1, -1):  # the search reaches the horizon
        q_all[t] = _backup(mdp, r, v)
        v = row_max(q_all[t], mdp.enabled, exact)
    if H > depth:  # the search stops at step t + depth < H
        if leaves.ndim == 1:
            q_all[: H - depth] = _search(mdp, r, leaves, depth)
        else:
            for t in range(H - depth):
                q_all[t] = _search(mdp, r, leaves[t + depth], depth)
    probs = np.stack([greedy_policy(q_all[t], exact, tie, mdp.enabled) for t in range(H)])
    return Policy(probs, mdp.states, mdp.actions), q_all


def lookahead_cost(mdp: FiniteMDP, depth: int, leaf_values: LeafValues = None) -> int:
    """Q-value evaluations done by :func:`lookahead_policy`: sweeps * S * A.

    Discounted: ``depth`` sweeps. Finite horizon H: min(depth, H) sweeps back from the
    horizon, plus, when H > depth, ``depth`` sweeps from a stationary leaf table (shared by every
    step) or (H - depth) * depth sweeps from a time-dependent one.

    >>> from theory.examples import two_state
    >>> lookahead_cost(two_state(), 3)
    12
    """
    depth = check_int(depth, "depth", 1)
    if mdp.horizon is None:
        return planning_cost(mdp, depth)
    H = mdp.horizon
    sweeps = min(depth, H)
    if H > depth:
        time_dependent = leaf_values is not None and leaf_array(mdp, leaf_values).ndim == 2
        sweeps += (H - depth) * depth if time_dependent else depth
    return planning_cost(mdp, sweeps)


def _freeze(leaf_values: Any) -> Any:
    """A comparable, immutable copy of the leaf values given to the agent."""
    if leaf_values is None:
        return None
    if isinstance(leaf_values, Mapping):
        return dict(leaf_values)
    arr = np.asarray(leaf_values, dtype=object)
    if arr.ndim not in (1, 2):
        raise InvalidArgument(f"leaf_values has shape {arr.shape}, expected (S,) or (H + 1, S)")
    return tuple(tuple(row) for row in arr) if arr.ndim == 2 else tuple(arr)


@dataclasses.dataclass(frozen=True, repr=False)
class Lookahead(BaseAgent):
    r"""Direct search with a limited horizon: depth-d lookahead in the true model, then greedy.

    Plan ``depth`` steps ahead in the MDP's transitions under the objective, value the leaves
    with ``leaf_values`` (zeros by default), act greedily on the root Q-values.

    See :func:`lookahead_policy` for the definition (time-dependent policy for a finite
    horizon, searching min(depth, remaining steps)). Exact on exact input. As depth grows
    the policy approaches the optimum (:math:`\|Q_d - Q^*\| \le \gamma^d \|V_0 - V^*\|`).

    Decision-time cost: :func:`lookahead_cost`, depth * S * A Q-value evaluations for a
    discounted MDP (a full-width search over all states, by dynamic programming).

    Sources: Shannon (1950); Bertsekas (2019), ch. 2.

    Parameters
    ----------
    depth : int
        The number of backup steps searched ahead, an int >= 1 (a finite horizon searches
        min(depth, remaining steps)); an exact search too large for the memory budget is refused.
    leaf_values
        The values V_0 of the leaves: None (zeros), a mapping state label -> value (every
        state), an (S,) sequence, or (finite horizon H) an (H + 1, S) table whose row t values
        leaves reached at step t; in the MDP's kind (floats refused on an exact MDP).
    tie
        "uniform": uniform over the exact argmax set of the root Q-values (float: within
        ``FLOAT_TOLERANCE``); "first": its first action in label order.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = Lookahead(depth=1).run(two_state())
    >>> result.policy.action_labels(), result.cost.decision
    (('go', 'stay'), 4)
    """

    depth: int = 3
    leaf_values: LeafValues = None
    tie: TieRule = "uniform"
    name: str = "lookahead"

    def __post_init__(self) -> None:
        check_int(self.depth, "depth", 1)
        check_tie(self.tie, ARGMAX_TIES)
        object.__setattr__(self, "leaf_values", _freeze(self.leaf_values))

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The depth-limited greedy policy on ``mdp`` for ``objective``."""
        objective = resolve_objective(mdp, objective)
        pi, q_values = lookahead_policy(mdp, objective, self.depth, self.leaf_values, self.tie)
        if mdp.horizon is None:
            argmax = tuple(tuple(mdp.actions[a] for a in best) for best in argmax_sets(q_values, mdp.exact, mdp.enabled))
        else:
            argmax = tuple(
                tuple(tuple(mdp.actions[a] for a in best) for best in argmax_sets(q_values[t], mdp.exact, mdp.enabled))
                for t in range(mdp.horizon)
            )
        cost = Cost(decision=lookahead_cost(mdp, self.depth, self.leaf_values))
        info = {"objective": objective, "depth": self.depth, "q_values": q_values, "argmax": argmax}
        return AgentResult(behaviour=pi, cost=cost, info=info)
