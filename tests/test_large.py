"""environments.large: gridworlds of any size, built from CSR parts (issue 12).

Layers: hand-worked 2x2 and 3x3 grids (successors, disabled actions, exact optimal values),
the sparse build against an independent dense construction, float value iteration against
exact policy iteration on a walled 6x6 grid, then one test per argument error.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

import environments
from environments.large import LARGE_ACTIONS, LARGE_MOVES, large_gridworld
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.solvers import policy_iteration, value_iteration

UP, RIGHT, DOWN, LEFT, STAY = range(5)


def enabled_labels(m: FiniteMDP) -> dict[str, tuple[str, ...]]:
    return {s: tuple(m.actions[a] for a in m.enabled_actions(i)) for i, s in enumerate(m.states)}


def successors(m: FiniteMDP, state: str, action: str) -> dict[str, F]:
    cols, probs = m.sparse.row(m.state_index(state), m.action_index(action))
    return {m.states[j]: p for j, p in zip(cols, probs)}


# -- 2x2, no walls, no slip: worked by hand ------------------------------------------------
#
#   r0c0 r0c1        states 0 1
#   r1c0 r1c1=goal          2 3
#
# r0c0: up and left leave the grid -> disabled; right -> r0c1, down -> r1c0, stay.
# r0c1: up, right disabled;  down -> goal (reward -1/100 + 1 = 99/100), left -> r0c0, stay.
# r1c0: down, left disabled; up -> r0c0, right -> goal (99/100), stay.
# goal: absorbing, only stay (reward 0), so v(goal) = 0.
# With discount 9/10: v(r0c1) = v(r1c0) = 99/100 (one step into the goal), and
# v(r0c0) = -1/100 + 9/10 * 99/100 = -10/1000 + 891/1000 = 881/1000
# (staying forever is worth -1/100 / (1 - 9/10) = -1/10, worse).


def test_2x2_by_hand():
    m = large_gridworld(2, exact=True)
    assert m.exact and m.states == ("r0c0", "r0c1", "r1c0", "r1c1") and m.actions == LARGE_ACTIONS
    assert enabled_labels(m) == {
        "r0c0": ("right", "down", "stay"),
        "r0c1": ("down", "left", "stay"),
        "r1c0": ("up", "right", "stay"),
        "r1c1": ("stay",),
    }
    assert successors(m, "r0c0", "right") == {"r0c1": 1}
    assert successors(m, "r0c1", "down") == {"r1c1": 1}
    assert successors(m, "r1c1", "stay") == {"r1c1": 1}
    R = m.rewards["true"]
    assert R[1, DOWN] == R[2, RIGHT] == F(99, 100)
    assert R[0, RIGHT] == R[0, STAY] == F(-1, 100)
    assert R[0, UP] == R[3, STAY] == 0  # disabled; the absorbing goal pays nothing
    assert m.initial.tolist() == [1, 0, 0, 0] and m.discount == F(9, 10)
    sol = policy_iteration(m, "true")
    assert sol.values.tolist() == [F(881, 1000), F(99, 100), F(99, 100), 0]
    assert sol.argmax[0] == ("right", "down")  # the two shortest paths tie exactly


# -- 3x3 with the centre a wall, slip 1/4: worked by hand ------------------------------------
#
#   r0c0 r0c1 r0c2      walls="1/7" of the 7 cells other than start and goal: floor(1) = 1
#   r1c0  ##  r1c2      wall; seed 1 draws the centre. 8 states, a ring around the wall.
#   r2c0 r2c1 r2c2=goal
#
# Disabled: the moves off the grid and the four moves into the centre
# (r0c1 down, r1c0 right, r1c2 left, r2c1 up); the goal has only stay.
# An enabled move: 3/4 to its cell, 1/4 stays, e.g. r1c2 up = {r0c2: 3/4, r1c2: 1/4}.
# Values, discount 9/10, d = distance to the goal along the ring, x = 9/10 * 1/4 = 9/40:
#   d = 1 (r1c2, r2c1): v1 = (-1/100 + 3/4) + x v1            -> v1 = 37/50 * 40/31 = 148/155
#   d >= 2:             v_d = -1/100 + 27/40 v_{d-1} + x v_d   -> v_d = 40/31 (-1/100 + 27/40 v_{d-1})
#   v2 = 40/31 (-31/3100 + 1998/3100) = 40/31 * 1967/3100 = 3934/4805
#   v3 = 104296/148955, v4 = v(r0c0) = 551282/923521 (the same recurrence).


def test_3x3_with_a_wall_by_hand():
    m = large_gridworld(3, walls="1/7", slip="1/4", exact=True, seed=1)
    assert m.states == ("r0c0", "r0c1", "r0c2", "r1c0", "r1c2", "r2c0", "r2c1", "r2c2")
    assert enabled_labels(m) == {
        "r0c0": ("right", "down", "stay"),
        "r0c1": ("right", "left", "stay"),
        "r0c2": ("down", "left", "stay"),
        "r1c0": ("up", "down", "stay"),
        "r1c2": ("up", "down", "stay"),
        "r2c0": ("up", "right", "stay"),
        "r2c1": ("right", "left", "stay"),
        "r2c2": ("stay",),
    }
    assert successors(m, "r1c2", "up") == {"r0c2": F(3, 4), "r1c2": F(1, 4)}
    assert successors(m, "r0c0", "right") == {"r0c0": F(1, 4), "r0c1": F(3, 4)}
    assert successors(m, "r0c0", "stay") == {"r0c0": 1}
    assert m.rewards["true"][m.state_index("r1c2"), DOWN] == F(-1, 100) + F(3, 4)
    v1, v2, v3, v4 = F(148, 155), F(3934, 4805), F(104296, 148955), F(551282, 923521)
    assert v1 == F(37, 50) * F(40, 31) and v2 == F(40, 31) * (F(-1, 100) + F(27, 40) * v1)
    values = dict(zip(m.states, policy_iteration(m, "true").values.tolist()))
    assert values == {"r0c0": v4, "r0c1": v3, "r1c0": v3, "r0c2": v2, "r2c0": v2,
                      "r1c2": v1, "r2c1": v1, "r2c2": 0}


def test_slip_one_keeps_only_the_stay_entry():
    m = large_gridworld(2, slip=1, exact=True)
    assert successors(m, "r0c0", "right") == {"r0c0": 1}
    assert m.rewards["true"][1, DOWN] == F(-1, 100)  # the goal is never entered


# -- the sparse build against a dense construction of the same model ----------------------------


def dense_gridworld(size: int, wall_cells: set[tuple[int, int]], slip: F, exact: bool) -> FiniteMDP:
    """The same model built cell by cell into a dense (S, A, S) array, independently."""
    cells = [(r, c) for r in range(size) for c in range(size) if (r, c) not in wall_cells]
    index = {cell: i for i, cell in enumerate(cells)}
    S, A = len(cells), len(LARGE_ACTIONS)
    num = (lambda x: F(x)) if exact else float  # noqa: E731
    P = np.full((S, A, S), num(0), dtype=object if exact else np.float64)
    R = np.full((S, A), num(0), dtype=object if exact else np.float64)
    enabled = np.zeros((S, A), dtype=bool)
    goal = index[(size - 1, size - 1)]
    for s, (r, c) in enumerate(cells):
        for a, action in enumerate(LARGE_ACTIONS):
            if s == goal:
                if action == "stay":
                    enabled[s, a], P[s, a, s] = True, num(1)
                continue
            dr, dc = LARGE_MOVES[action]
            t = index.get((r + dr, c + dc))
            if t is None:
                continue
            enabled[s, a] = True
            if t == s:
                P[s, a, s] = num(1)
                R[s, a] = num(F(-1, 100))
            else:
                P[s, a, t] += num(1 - slip)
                P[s, a, s] += num(slip)
                R[s, a] = num(F(-1, 100) + (1 - slip) * (t == goal))
    mu = np.full(S, num(0), dtype=object if exact else np.float64)
    mu[0] = num(1)
    return FiniteMDP(states=[f"r{r}c{c}" for r, c in cells], actions=LARGE_ACTIONS, transitions=P,
                     rewards={"true": R}, initial=mu, discount=F(9, 10) if exact else 0.9,
                     enabled=enabled, features=np.array(cells, dtype=np.float64))


def wall_cells(m: FiniteMDP, size: int) -> set[tuple[int, int]]:
    free = {tuple(int(x) for x in f) for f in m.features}
    return {(r, c) for r in range(size) for c in range(size)} - free


@pytest.mark.parametrize("size, walls, slip, exact, seed", [
    (2, 0, 0, True, 0), (3, "1/7", "1/4", True, 1), (5, "3/10", "1/3", True, 2),
    (6, "1/4", "1/10", False, 3), (7, "2/5", 0, False, 4), (4, 0, 1, True, 5),
])
def test_sparse_build_equals_dense_construction(size, walls, slip, exact, seed):
    m = large_gridworld(size, walls=walls, slip=slip, exact=exact, seed=seed)
    walled = wall_cells(m, size)
    assert len(walled) == int(F(walls) * (size * size - 2))
    assert (0, 0) not in walled and (size - 1, size - 1) not in walled
    assert m == dense_gridworld(size, walled, F(slip), exact)


def test_same_seed_same_model_other_seed_other_walls():
    assert large_gridworld(8, walls="1/3", seed=7) == large_gridworld(8, walls="1/3", seed=7)
    assert large_gridworld(8, walls="1/3", seed=7).states != large_gridworld(8, walls="1/3", seed=8).states


def test_float_and_exact_builds_agree():
    exact = large_gridworld(5, walls="1/5", slip="1/5", exact=True, seed=3)
    assert exact.to_float() == large_gridworld(5, walls="1/5", slip=0.2, exact=False, seed=3)


# -- float value iteration against exact policy iteration --------------------------------------


def test_value_iteration_within_its_bound_of_exact_policy_iteration():
    exact = large_gridworld(6, walls="1/4", slip="1/5", exact=True, seed=11)
    assert not exact.all_enabled and exact.S == 6 * 6 - int(F(1, 4) * 34)
    star = np.array([float(x) for x in policy_iteration(exact, "true").values])
    for tolerance in (1e-3, 1e-9):
        sol = value_iteration(large_gridworld(6, walls=0.25, slip=0.2, seed=11), "true", tolerance)
        assert sol.error_bound < tolerance
        assert np.max(np.abs(sol.values - star)) <= sol.error_bound + 1e-12  # + float rounding


def test_registry_builds_from_command_line_strings():
    m = environments.get("large-grid", size="4", walls="1/7", slip="0.1", exact="true", seed="2",
                         discount="1/2")
    assert m == large_gridworld(4, walls=F(1, 7), slip=F(1, 10), exact=True, seed=2, discount=F(1, 2))
    assert environments.get("large_grid", size="3").discount == 0.9


# -- bad arguments: one line, naming the parameter -------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({"size": 1}, "size is 1, not an integer >= 2"),
    ({"size": 2.5}, "size is 2.5, not an integer >= 2"),
    ({"size": 3, "walls": "3/2"}, "walls is 3/2, not in [0, 1]"),
    ({"size": 3, "slip": -0.5}, "slip is -1/2, not in [0, 1]"),
    ({"size": 3, "exact": "yes"}, "exact is 'yes', not True or False"),
    ({"size": 3, "seed": -1}, "seed is -1, not a non-negative integer"),
    ({"size": 3, "discount": 1}, "discount is 1, not in [0, 1)"),
    ({"size": 3, "discount": "2"}, "discount is 2, not in [0, 1)"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(InvalidArgument) as info:
        large_gridworld(**kwargs)
    assert str(info.value) == message and "\n" not in message


def test_bad_argument_from_the_registry_names_the_environment():
    with pytest.raises(InvalidArgument) as info:
        environments.get("large-grid", size="big")
    assert str(info.value) == "environment 'large-grid': parameter size is 'big', not an int"


def test_over_the_memory_budget_is_refused(monkeypatch):
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "1MB")
    with pytest.raises(InvalidArgument, match=r"^size is 1000: a large gridworld of 1,000,000 cells needs"):
        large_gridworld(1000)
