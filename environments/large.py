"""Gridworlds of any size, built straight into the sparse core: 10**6 states in seconds.

A size x size grid whose walls are *disabled actions* (DESIGN.md, "Numbers and storage"): the
transitions are assembled as CSR parts of shape (S·A, S) with numpy array operations only, never
a dense (S, A, S) array and never a Python loop over states (only the S state labels are Python
strings). Float by default, for scale; ``exact=True`` gives the same model in Fractions.

The model of :func:`large_gridworld`:

- Cells ``(row, col)``, 0-based, row 0 at the top. ``floor(walls * (size**2 - 2))`` of the
  cells other than the start (top-left) and the goal (bottom-right) are walls, drawn
  without replacement by ``numpy.random.default_rng(seed)``. Walls are not states: the
  states are the free cells in row-major order, labelled ``"r{row}c{col}"``.
- Actions ``up``, ``right``, ``down``, ``left``, ``stay``. A move into a wall or off the grid
  is **disabled** in that cell (the ``enabled`` mask); ``stay`` is always enabled, so every
  state has an action. An enabled move reaches its cell with probability ``1 - slip`` and
  stays put with probability ``slip`` (one successor when slip is 0 or 1, else two).
- Rewards (one, ``"true"``): every step from a cell other than the goal pays
  :data:`STEP_REWARD` (-1/100), and entering the goal pays :data:`GOAL_REWARD` (1) on top,
  so r(s, a) = -1/100 + P(goal | s, a). The goal is absorbing: only ``stay`` is enabled
  there, with reward 0. Disabled actions have reward 0.
- ``initial``: the start cell; features: (row, col).
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from environments.common import DEFAULT_DISCOUNT
from theory.budget import EXACT_ENTRY_BYTES, FLOAT_ENTRY_BYTES, check_budget
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.sparse import SparseTransitions
from theory.numbers import format_number
from theory.validation import check_int, check_number, check_probability, check_seed

__all__ = ["LARGE_ACTIONS", "LARGE_MOVES", "STEP_REWARD", "GOAL_REWARD", "large_gridworld"]

#: Action labels, in this order.
LARGE_ACTIONS = ("up", "right", "down", "left", "stay")
#: (row, column) offset of each action.
LARGE_MOVES = {"up": (-1, 0), "right": (0, 1), "down": (1, 0), "left": (0, -1), "stay": (0, 0)}
#: The reward of every step taken outside the goal.
STEP_REWARD = Fraction(-1, 100)
#: The reward paid on entering the goal (in addition to the step's).
GOAL_REWARD = Fraction(1)
_STAY = LARGE_ACTIONS.index("stay")


def large_gridworld(
    size: int,
    walls: Fraction = Fraction(0),
    slip: Fraction = Fraction(0),
    exact: bool = False,
    seed: int = 0,
    discount: Fraction | None = None,
) -> FiniteMDP:
    """A size x size gridworld with random walls as disabled actions, of any size.

    The safety problem: none in particular; this is the workbench's scale model, the shape of
    real gridworlds (walls, state-dependent action sets, one or two successors per action) at
    10**3 to 10**6 states, for benchmarks and for checking the float solvers against the exact
    ones.

    The model (cells, walls, actions, rewards) is described in the module docstring.

    Parameters
    ----------
    size : int
        The side of the grid in cells, an int >= 2 (size**2 cells before walls); refused when
        the model would exceed the memory budget.
    walls : Fraction
        The fraction in [0, 1] (read exactly) of the size**2 - 2 cells other than start and
        goal made walls: floor(walls * (size**2 - 2)) of them.
    slip : Fraction
        The probability in [0, 1] (read exactly) that an enabled move stays put instead.
    exact : bool
        False (default): float64 transitions, rewards and discount; True: Fractions (meant for
        modest sizes: about 120 bytes per entry).
    seed : int
        The seed (an int >= 0) of ``numpy.random.default_rng`` that places the walls.
    discount : Fraction | None
        The discount, read exactly (a float as its shortest decimal), in [0, 1); None gives
        9/10; converted to a float when ``exact`` is False.

    Examples
    --------
    >>> m = large_gridworld(3, walls="1/7", seed=1)
    >>> m.S, m.A, m.exact, m.states[0], m.states[-1]
    (8, 5, False, 'r0c0', 'r2c2')
    >>> large_gridworld(2, exact=True).sparse.row(0, 1)
    ([1], [Fraction(1, 1)])
    >>> large_gridworld(1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: size is 1, not an integer >= 2
    """
    size = check_int(size, "size", 2)
    walls = check_probability(walls, "walls", exact=True)
    slip = check_probability(slip, "slip", exact=True)
    if not isinstance(exact, (bool, np.bool_)):
        raise InvalidArgument(f"exact is {exact!r}, not True or False")
    seed = check_seed(seed)
    gamma = _discount(discount, bool(exact))
    n = size * size
    A = len(LARGE_ACTIONS)
    check_budget("size", size, n * A * (4 * 8 + 2 * (EXACT_ENTRY_BYTES if exact else FLOAT_ENTRY_BYTES) * 3),
                 f"a large gridworld of {n:,} cells")
    free = _free_cells(n, walls, seed)
    cells = np.flatnonzero(free)
    S = len(cells)
    index = np.cumsum(free) - 1  # the state index of each free cell
    rows, cols = cells // size, cells % size
    target, enabled = _targets(size, free, index, rows, cols)
    goal = S - 1  # the bottom-right cell is free and last in row-major order
    enabled[goal, :] = False
    enabled[goal, _STAY] = True
    target[goal, :] = goal
    indptr, indices, codes = _csr(target, enabled, slip)
    reward_codes = np.where(enabled, 1, 0)
    reward_codes[(target == goal) & enabled & (np.arange(S)[:, None] != goal)] = 2
    reward_codes[goal] = 0
    data, R, mu = _numbers(codes, reward_codes, slip, bool(exact))
    labels = [f"r{r}c{c}" for r, c in zip(rows.tolist(), cols.tolist())]
    return FiniteMDP(
        states=labels, actions=LARGE_ACTIONS,
        transitions=SparseTransitions.from_csr(S, A, indptr, indices, data),
        rewards={"true": R}, initial=mu, discount=gamma, enabled=enabled,
        features=np.stack([rows, cols], axis=1).astype(np.float64),
    )


def _free_cells(n: int, walls: Fraction, seed: int) -> np.ndarray:
    """(n,) bools, False at the ``floor(walls * (n - 2))`` wall cells drawn without replacement
    among the cells other than the first (start) and the last (goal)."""
    free = np.ones(n, dtype=bool)
    k = int(walls * (n - 2))
    if k:
        free[1 + np.random.default_rng(seed).choice(n - 2, size=k, replace=False)] = False
    return free


def _numbers(codes: np.ndarray, reward_codes: np.ndarray, slip: Fraction,
             exact: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The transition data (codes 0, 1, 2: probabilities 1, slip, 1 - slip), the rewards
    (codes 0, 1, 2: 0, a step, a step into the goal) and the initial point mass on state 0, of
    the model's kind, by indexing small tables (no loop over entries)."""
    probs = [Fraction(1), slip, 1 - slip]
    rewards = [Fraction(0), STEP_REWARD, STEP_REWARD + (1 - slip) * GOAL_REWARD]
    S = reward_codes.shape[0]
    if exact:
        mu = np.full(S, Fraction(0), dtype=object)
        mu[0] = Fraction(1)
        return np.array(probs, dtype=object)[codes], np.array(rewards, dtype=object)[reward_codes], mu
    mu = np.zeros(S)
    mu[0] = 1.0
    return np.array([float(p) for p in probs])[codes], np.array([float(r) for r in rewards])[reward_codes], mu


def _discount(discount: Fraction | float | None, exact: bool) -> Fraction | float:
    """The discount of the model's kind: read exactly ("p/q", a float as its shortest decimal),
    in [0, 1); a float for a float model."""
    d = check_number(DEFAULT_DISCOUNT if discount is None else discount, "discount")
    if not 0 <= d < 1:
        raise InvalidArgument(f"discount is {format_number(d)}, not in [0, 1)")
    return d if exact else float(d)


def _targets(size: int, free: np.ndarray, index: np.ndarray, rows: np.ndarray,
             cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(S, A) the state each action moves to and whether it is enabled (inside the grid and
    not into a wall); ``stay`` moves to the state itself and is always enabled."""
    S = len(rows)
    target = np.empty((S, len(LARGE_ACTIONS)), dtype=np.int64)
    enabled = np.empty((S, len(LARGE_ACTIONS)), dtype=bool)
    for a, action in enumerate(LARGE_ACTIONS):  # five vectorised passes, one per action
        dr, dc = LARGE_MOVES[action]
        r, c = rows + dr, cols + dc
        inside = (r >= 0) & (r < size) & (c >= 0) & (c < size)
        cell = np.where(inside, r * size + c, 0)
        ok = inside & free[cell]
        enabled[:, a] = ok
        target[:, a] = np.where(ok, index[cell], np.arange(S))
    return target, enabled


def _csr(target: np.ndarray, enabled: np.ndarray, slip: Fraction) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR parts (indptr, indices, probability codes) of the (S·A, S) transitions: at most two
    entries per (s, a), the moved-to state (code 2: 1 - slip) and the state itself (code 1:
    slip), in increasing column order; ``stay`` has the one entry (s, code 0: 1)."""
    S, A = target.shape
    own = np.broadcast_to(np.arange(S)[:, None], (S, A))
    moves = enabled & (target != own)
    first = np.where(moves, np.minimum(target, own), own)
    second = np.maximum(target, own)
    # code of the entry at the smaller and at the larger column
    move_first = np.where(target < own, 2, 1)
    code_first = np.where(moves, move_first, 0)
    code_second = 3 - move_first
    keep_first = enabled & ~(moves & _zero(code_first, slip))
    keep_second = moves & ~_zero(code_second, slip)
    cols = np.stack([first, second], axis=2).reshape(-1)
    codes = np.stack([code_first, code_second], axis=2).reshape(-1)
    keep = np.stack([keep_first, keep_second], axis=2)
    indptr = np.zeros(S * A + 1, dtype=np.int64)
    np.cumsum(keep.sum(axis=2).reshape(-1), out=indptr[1:])
    flat = keep.reshape(-1)
    return indptr, cols[flat], codes[flat]


def _zero(codes: np.ndarray, slip: Fraction) -> np.ndarray:
    """Where a probability code stands for 0 (slip 0: code 1; slip 1: code 2)."""
    return (codes == 1) & (slip == 0) | (codes == 2) & (slip == 1)
