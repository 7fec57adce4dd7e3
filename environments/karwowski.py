"""The environment families and reward distributions of Karwowski et al. (2024), section 3.1,
as float arrays for sweeps: a *layout* (transitions, terminal states, cell kinds, initial
distribution) and state rewards drawn from one of the paper's reward types, sparsified, and
interpolated into a sequence of proxies.

What the paper says (section 3.1, "Environment and reward types"; section 3.2 for the grid):

- **Gridworld**: deterministic n x n grid, five actions up, right, down, left, wait; the
  upper-left and lower-right corners are terminal; an illegal move leaves the state unchanged.
- **Cliff** (Sutton & Barto 2018, Example 6.6): a Gridworld variant whose bottom row is a
  cliff; the agent aims for the lower-right terminal state; every move from a cell next to the
  cliff slips into the cliff with probability p.
- **RandomMDP**: |S| states, |A| actions and k terminal states; the transition matrix is
  sampled uniformly among the stochastic matrices (each row uniform on the simplex, a flat
  Dirichlet) with exactly k terminal states.
- **TreeMDP**: the nodes of a rooted tree of branching b = |A| and depth d; the root is the
  initial state, each action of an inner node leads to a child; half of the leaves are
  terminal and the other half loop back to the root.
- Rewards depend on the state only; types: *uniform* U(0, 1); *terminal* U(0, 1) on terminal
  states and U(-1, 0) elsewhere; *cliff* U(-5, 0) on cliff cells, U(-1, 0) elsewhere, U(0, 1)
  on the goal; a sparsity sigma zeroes a random sigma fraction of the states' rewards.
- The proxy: two rewards R0 (the true one) and R1 drawn from the same type, sparsified, and
  interpolated, :math:`R_t = (1 - t) R_0 + t R_1` (section 3.2: "the sample space of rewards is
  convex ... the sequence R_t spans a range of distances").

Assumed (the paper's text as read here does not fix them; each is a parameter): a terminal
state is absorbing with zero reward after it is entered, and a state's reward is paid on
entering it (``r(s, a) = sum_s' P(s' | s, a) R(s')``); the initial distribution is uniform
over the non-terminal states (the root for trees); in Cliff the cliff is the bottom row
without its two corners, the agent starts anywhere not terminal, and a slip sends the agent
into the cliff cell below it (or beside it, from the bottom-left corner); the sparsified
fraction is rounded down to whole states; "half the leaves terminal" means the first half
(``tree_layout="first-half"``) or every second leaf (``"alternate"``).

Source: Karwowski, Hayman, Bai, Kiendlhofer, Griffin & Skalse, "Goodhart's Law in
Reinforcement Learning" (ICLR 2024), sections 3.1-3.2.

>>> layout = gridworld_layout(3)
>>> layout.transitions.shape, int(layout.terminal.sum()), layout.actions
((9, 5, 9), 2, ('up', 'right', 'down', 'left', 'wait'))
>>> R0, proxies = interpolated_proxies(layout, "terminal", np.random.default_rng(0), ts=[0.5, 1.0])
>>> proxies.shape, bool(np.allclose(proxies[0], (R0 + proxies[1]) / 2))
((2, 9), True)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.validation import check_choice, check_int, check_probability

__all__ = [
    "GRID_ACTIONS",
    "REWARD_TYPES",
    "TREE_LAYOUTS",
    "Layout",
    "gridworld_layout",
    "cliff_layout",
    "random_mdp_layout",
    "tree_layout",
    "state_rewards",
    "interpolated_proxies",
    "layout_mdp",
]

#: The Gridworld actions, in this order (section 3.1).
GRID_ACTIONS = ("up", "right", "down", "left", "wait")
_MOVES = {"up": (-1, 0), "right": (0, 1), "down": (1, 0), "left": (0, -1), "wait": (0, 0)}
#: The reward types of section 3.1.
REWARD_TYPES = ("uniform", "terminal", "cliff")
#: Which leaves of a TreeMDP are terminal (assumed readings of "half of the leaves").
TREE_LAYOUTS = ("first-half", "alternate")


@dataclasses.dataclass(frozen=True)
class Layout:
    """An environment without rewards: ``transitions`` (S, A, S) float, ``terminal`` (S,) bool
    (absorbing states), ``kind`` (S,) strings ("floor", "terminal", "goal", "cliff", "node",
    "leaf"), ``initial`` (S,) float and the ``family`` name; ``actions`` labels."""

    family: str
    transitions: np.ndarray
    terminal: np.ndarray
    kind: tuple[str, ...]
    initial: np.ndarray
    actions: tuple[str, ...]

    @property
    def S(self) -> int:
        return int(self.transitions.shape[0])


def _uniform_initial(terminal: np.ndarray) -> np.ndarray:
    mu = (~terminal).astype(np.float64)
    return mu / mu.sum()


def _absorb(P: np.ndarray, terminal: np.ndarray) -> None:
    for s in np.flatnonzero(terminal):
        P[s] = 0.0
        P[s, :, s] = 1.0


def gridworld_layout(n: int) -> Layout:
    """The n x n Gridworld (section 3.1): deterministic moves, wait, corners (0, 0) and
    (n-1, n-1) terminal; states row-major.

    >>> gridworld_layout(2).kind
    ('terminal', 'floor', 'floor', 'terminal')
    """
    n = check_int(n, "n", 2)
    S = n * n
    P = np.zeros((S, len(GRID_ACTIONS), S))
    for r in range(n):
        for c in range(n):
            for a, move in enumerate(GRID_ACTIONS):
                dr, dc = _MOVES[move]
                rr, cc = r + dr, c + dc
                if not (0 <= rr < n and 0 <= cc < n):
                    rr, cc = r, c
                P[r * n + c, a, rr * n + cc] = 1.0
    terminal = np.zeros(S, dtype=bool)
    terminal[[0, S - 1]] = True
    _absorb(P, terminal)
    kind = tuple("terminal" if t else "floor" for t in terminal)
    return Layout("gridworld", P, terminal, kind, _uniform_initial(terminal), GRID_ACTIONS)


def cliff_layout(n: int, slip: float) -> Layout:
    """Cliff (section 3.1, after Sutton & Barto Example 6.6): the n x n Gridworld whose bottom
    row without its corners is a terminal cliff, the goal the terminal lower-right corner (the
    upper-left corner is an ordinary cell here); from a cell next to the cliff every action
    slips into the adjacent cliff cell with probability ``slip`` (assumed: the cell below; from
    the bottom-left corner the one to its right). n >= 3.

    >>> [k for k in cliff_layout(3, 0.5).kind]
    ['floor', 'floor', 'floor', 'floor', 'floor', 'floor', 'floor', 'cliff', 'goal']
    """
    n = check_int(n, "n", 3)
    p = float(check_probability(slip, "slip"))
    base = gridworld_layout(n).transitions.copy()
    S = n * n
    kind = ["floor"] * S
    for c in range(1, n - 1):
        kind[(n - 1) * n + c] = "cliff"
    kind[S - 1] = "goal"
    terminal = np.array([k != "floor" for k in kind])
    P = base
    for s in range(S):
        r, c = divmod(s, n)
        if terminal[s]:
            continue
        below = (r + 1) * n + c if r + 1 < n else None
        target = below if below is not None and kind[below] == "cliff" else None
        if target is None and r == n - 1 and c == 0:
            target = s + 1
        if target is not None:
            P[s] = (1 - p) * P[s]
            P[s, :, target] += p
    _absorb(P, terminal)
    return Layout("cliff", P, terminal, tuple(kind), _uniform_initial(terminal), GRID_ACTIONS)


def random_mdp_layout(S: int, A: int, k: int, rng: np.random.Generator) -> Layout:
    """RandomMDP (section 3.1): k terminal states (the last k, absorbing) and every other row
    :math:`\\tau(\\cdot \\mid s, a)` uniform on the probability simplex over all S states (a flat
    Dirichlet: normalised standard exponentials).

    >>> L = random_mdp_layout(4, 2, 1, np.random.default_rng(0))
    >>> bool(np.allclose(L.transitions.sum(axis=2), 1)), L.terminal.tolist()
    (True, [False, False, False, True])
    """
    S = check_int(S, "S", 2)
    A = check_int(A, "A", 1)
    k = check_int(k, "k", 0)
    if k >= S:
        raise InvalidArgument(f"k is {k}, not fewer than S = {S} (some state must not be terminal)")
    w = rng.standard_exponential((S, A, S))
    P = w / w.sum(axis=2, keepdims=True)
    terminal = np.zeros(S, dtype=bool)
    terminal[S - k:] = True
    _absorb(P, terminal)
    kind = tuple("terminal" if t else "floor" for t in terminal)
    return Layout("random", P, terminal, kind, _uniform_initial(terminal), tuple(f"a{i}" for i in range(A)))


def tree_layout(depth: int, branching: int = 2, layout: str = "first-half") -> Layout:
    """TreeMDP (section 3.1): the complete tree of ``branching`` = |A| and ``depth`` (leaves at
    depth ``depth``), breadth-first; action a of an inner node goes to its a-th child; of the
    leaves, half are terminal (``layout``: the first half, or every second one) and the others
    send every action back to the root, the initial state.

    >>> L = tree_layout(2)
    >>> L.S, L.kind.count("terminal"), L.initial.tolist()[0]
    (7, 2, 1.0)
    """
    depth = check_int(depth, "depth", 1)
    b = check_int(branching, "branching", 2)
    check_choice(layout, "layout", TREE_LAYOUTS)
    S = (b ** (depth + 1) - 1) // (b - 1)
    first_leaf = (b ** depth - 1) // (b - 1)
    P = np.zeros((S, b, S))
    kind = ["node"] * S
    leaves = list(range(first_leaf, S))
    if layout == "first-half":
        terminal_leaves = set(leaves[: len(leaves) // 2])
    else:
        terminal_leaves = set(leaves[::2])
    for s in range(S):
        if s < first_leaf:
            for a in range(b):
                P[s, a, b * s + a + 1] = 1.0
        else:
            kind[s] = "terminal" if s in terminal_leaves else "leaf"
            P[s, :, 0] = 1.0
    terminal = np.array([k == "terminal" for k in kind])
    _absorb(P, terminal)
    initial = np.zeros(S)
    initial[0] = 1.0
    return Layout("tree", P, terminal, tuple(kind), initial, tuple(f"a{i}" for i in range(b)))


def state_rewards(layout: Layout, reward_type: str, rng: np.random.Generator, sparsity: float = 0.0) -> np.ndarray:
    """A state reward R (S,) of ``reward_type`` (section 3.1): "uniform" U(0, 1) everywhere;
    "terminal" U(0, 1) on terminal states, U(-1, 0) elsewhere; "cliff" U(-5, 0) on cliff
    cells, U(0, 1) on the goal, U(-1, 0) elsewhere. Then ``floor(sparsity * S)`` states, drawn
    without replacement, get reward 0.

    >>> R = state_rewards(gridworld_layout(3), "terminal", np.random.default_rng(1))
    >>> bool((R[[0, 8]] >= 0).all() and (R[1:8] <= 0).all())
    True
    """
    check_choice(reward_type, "reward_type", REWARD_TYPES)
    sigma = float(check_probability(sparsity, "sparsity"))
    kind = np.array(layout.kind)
    if reward_type == "uniform":
        R = rng.uniform(0.0, 1.0, layout.S)
    elif reward_type == "terminal":
        R = np.where(layout.terminal, rng.uniform(0.0, 1.0, layout.S), rng.uniform(-1.0, 0.0, layout.S))
    else:
        R = np.where(kind == "cliff", rng.uniform(-5.0, 0.0, layout.S), rng.uniform(-1.0, 0.0, layout.S))
        R = np.where(kind == "goal", rng.uniform(0.0, 1.0, layout.S), R)
    zeroed = rng.choice(layout.S, size=int(sigma * layout.S), replace=False)
    R[zeroed] = 0.0
    return R


def interpolated_proxies(
    layout: Layout, reward_type: str, rng: np.random.Generator, ts: Sequence[float] = tuple(np.linspace(0.1, 1.0, 10)),
    sparsity: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """``(R0, proxies)``: the true state reward R0 (S,) and the proxies
    :math:`R_t = (1 - t) R_0 + t R_1` (len(ts), S) for an independent R1 of the same type and
    sparsity (section 3.2). Assumed: ``ts`` = 0.1, 0.2, ..., 1.0 (ten proxies a run; the
    paper's "10 proxy rewards").
    """
    ts_arr = np.asarray([float(t) for t in ts])
    if ts_arr.size == 0 or not np.all((ts_arr >= 0) & (ts_arr <= 1)):
        raise InvalidArgument(f"ts is {list(ts)!r}, not a non-empty sequence of numbers in [0, 1]")
    R0 = state_rewards(layout, reward_type, rng, sparsity)
    R1 = state_rewards(layout, reward_type, rng, sparsity)
    return R0, (1.0 - ts_arr)[:, None] * R0[None] + ts_arr[:, None] * R1[None]


def layout_mdp(layout: Layout, rewards: dict[str, Any], discount: float) -> FiniteMDP:
    """A float FiniteMDP of the layout with the given *state* rewards (name -> (S,)), paid on
    entering a state: :math:`r(s, a) = \\sum_{s'} P(s' \\mid s, a) R(s')`, and 0 from a terminal
    (absorbing) state (assumed encoding, see the module docstring).

    >>> m = layout_mdp(gridworld_layout(2), {"true": np.array([1.0, 0.0, 0.0, 2.0])}, 0.9)
    >>> m.reward("true").tolist()[1]
    [0.0, 0.0, 2.0, 1.0, 0.0]
    """
    P = layout.transitions
    table = {}
    for name, R in rewards.items():
        R = np.asarray(R, dtype=np.float64)
        if R.shape != (layout.S,):
            raise InvalidArgument(f"rewards[{name!r}] has shape {R.shape}, expected {(layout.S,)}")
        r = np.einsum("sat,t->sa", P, R)
        r[layout.terminal] = 0.0
        table[name] = r
    return FiniteMDP(states=tuple(f"s{i}" for i in range(layout.S)), actions=layout.actions, transitions=P,
                     rewards=table, initial=layout.initial, discount=float(discount))
