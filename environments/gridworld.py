"""The one gridworld compiler: an ASCII map and named rewards -> an exact FiniteMDP.

An environment is data (STYLE.md, after AI Safety Gridworlds, Leike et al. 2017): a map of
characters, constants naming the symbols and their rewards, and this compiler that turns them
into an exact model. Conventions of the compiled MDP:

- states: every non-wall cell in row-major order, labelled ``"(row,col)"`` (e.g. ``"(1,2)"``),
  then one absorbing state ``"done"`` (every action stays, zero reward);
- actions ``"up"``, ``"down"``, ``"left"``, ``"right"``; a move into a wall or off the map
  leaves the agent where it is;
- slip: the intended move with probability ``1 - slip``, each of the two perpendicular moves
  with probability ``slip / 2``;
- reward of a step: the step reward plus the reward of the symbol of the cell the agent is in
  after the move (also when it stayed put), so a tile pays for every step spent on it;
  ``r(s, a)`` is the exact expectation of that over the next cell;
- terminal symbols (goal, lava): entering such a cell pays its reward, and the episode then
  continues in ``"done"`` (the transition goes to "done" instead of the cell); a terminal cell,
  if it were ever occupied, moves to "done" with zero reward;
- ``initial``: a point mass on the start cell;
- observations (``observe``): ``"cell"`` (the default) observes the cell label, so two layouts
  with the same walls share observations; ``"view"`` observes the cell label and the map
  characters of its four neighbours in :data:`ACTIONS` order (a neighbour off the map shows the
  wall symbol), e.g. ``"(2,3)|up=L,down= ,left= ,right=#"``, so a cell whose surroundings
  changed between two layouts is a new observation; "done" observes "done" in both;
- features: (row, col), then for each neighbour in :data:`ACTIONS` order (up, down, left,
  right) one 0/1 indicator per *symbol class*: ``"wall"`` (a wall, or off the map) and then
  every symbol of the rewards and terminals that is neither floor nor start, in sorted order
  (declared symbols, whether or not the map holds them, so two layouts of one environment
  share the columns); a floor or start neighbour has all zeros. "done" has (-1, -1) and
  zeros. :func:`feature_names` names the columns, e.g. ``"up:wall"``, ``"right:L"``; the
  lava pair has 2 + 4 x 3 = 14 columns (classes wall, G, L).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from theory.budget import check_mdp_size
from theory.validation import check_choice, check_number, check_probability, check_time
from environments.common import DEFAULT_DISCOUNT
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP

__all__ = [
    "ACTIONS",
    "MOVES",
    "PERPENDICULAR",
    "DONE",
    "WALL_CHR",
    "START_CHR",
    "FLOOR_CHR",
    "OBSERVE",
    "cell_label",
    "feature_names",
    "symbol_classes",
    "parse_map",
    "compile_gridworld",
]

#: Action labels, in this order.
ACTIONS = ("up", "down", "left", "right")
#: (row, column) offset of each move.
MOVES = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
#: The two moves a slip can turn each action into.
PERPENDICULAR = {
    "up": ("left", "right"),
    "down": ("left", "right"),
    "left": ("up", "down"),
    "right": ("up", "down"),
}
#: Label (and observation) of the absorbing state entered after a terminal cell.
DONE = "done"
WALL_CHR = "#"
START_CHR = "S"
FLOOR_CHR = " "
#: What a compiled gridworld's observations are (see the module docstring).
OBSERVE: tuple[str, ...] = ("cell", "view")


def cell_label(row: int, col: int) -> str:
    """The state label of a cell.

    >>> cell_label(1, 2)
    '(1,2)'
    """
    return f"({row},{col})"


def symbol_classes(
    rewards: Iterable[str], terminals: Iterable[str], floor: str = FLOOR_CHR, start: str = START_CHR
) -> tuple[str, ...]:
    """The symbol classes of the neighbour indicators: ``"wall"``, then the symbols of
    ``rewards`` and ``terminals`` that are neither a ``floor`` character nor ``start``, sorted.

    >>> symbol_classes({"G": 50, "L": -50}, "GL")
    ('wall', 'G', 'L')
    >>> symbol_classes({"O": 3, " ": 1}, "G")
    ('wall', 'G', 'O')
    """
    symbols = (set(rewards) | set(terminals)) - set(floor) - {start}
    return ("wall",) + tuple(sorted(symbols))


def feature_names(classes: Sequence[str]) -> tuple[str, ...]:
    """The names of a compiled gridworld's feature columns, for its symbol classes
    (:func:`symbol_classes`): ``"row"``, ``"col"``, then ``"<move>:<class>"`` for each move
    of :data:`ACTIONS` and each class.

    >>> feature_names(symbol_classes({"G": 10}, "G"))
    ('row', 'col', 'up:wall', 'up:G', 'down:wall', 'down:G', 'left:wall', 'left:G', 'right:wall', 'right:G')
    >>> m = compile_gridworld(["#####", "#S G#", "#####"], terminal_symbols="G", observe="view")
    >>> m.features[1].tolist()  # (1,2): walls above and below, the start left (zeros), G right
    [1.0, 2.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    >>> m.observation_labels[1]
    '(1,2)|up=#,down=#,left=S,right=G'
    """
    return ("row", "col") + tuple(f"{move}:{c}" for move in ACTIONS for c in classes)


def parse_map(ascii_map: str | Sequence[str]) -> tuple[str, ...]:
    """The rows of a map given as one multi-line string or as a sequence of row strings.

    Empty lines at the start and end of a string are dropped (so a triple-quoted map may start
    on its own line); nothing else is stripped, since a space is a floor cell. Ragged rows and
    empty maps are refused, naming the row.

    >>> parse_map("#S #\\n#  #")
    ('#S #', '#  #')
    >>> parse_map(["###", "#S"])
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: ascii_map row 1 has 2 columns but row 0 has 3 (rows must have equal length)
    """
    if isinstance(ascii_map, str):
        lines = ascii_map.split("\n")
        while lines and lines[0] == "":
            lines.pop(0)
        while lines and lines[-1] == "":
            lines.pop()
        rows = tuple(lines)
    elif isinstance(ascii_map, Sequence):
        rows = tuple(ascii_map)
        for i, row in enumerate(rows):
            if not isinstance(row, str):
                raise InvalidArgument(f"ascii_map row {i} is {row!r}, not a string")
    else:
        raise InvalidArgument(f"ascii_map is {ascii_map!r}, not a string or a sequence of rows")
    if not rows or not rows[0]:
        raise InvalidArgument(f"ascii_map is {ascii_map!r}, an empty map")
    width = len(rows[0])
    for i, row in enumerate(rows):
        if len(row) != width:
            raise InvalidArgument(
                f"ascii_map row {i} has {len(row)} columns but row 0 has {width} "
                "(rows must have equal length)"
            )
    return rows


def compile_gridworld(
    ascii_map: str | Sequence[str],
    *,
    rewards_true: Mapping[str, Any] | None = None,
    rewards_proxy: Mapping[str, Any] | None = None,
    step_true: Any = 0,
    step_proxy: Any = None,
    terminal_symbols: Iterable[str] = (),
    wall: str = WALL_CHR,
    start: str = START_CHR,
    floor: str = FLOOR_CHR,
    slip: Any = 0,
    discount: Any = None,
    horizon: int | None = None,
    observe: str = "cell",
) -> FiniteMDP:
    """Compile an ASCII gridworld into an exact FiniteMDP with rewards "true" and "proxy".

    Every character of the map is the ``wall`` symbol, the ``start`` symbol (exactly one),
    a ``floor`` character (each character of ``floor`` is plain floor), a key of
    ``rewards_true`` / ``rewards_proxy``, or a member of ``terminal_symbols``; anything else is
    refused. Entering (or staying on) a cell of symbol c pays ``rewards_true.get(c, 0)`` under
    "true" and ``rewards_proxy.get(c, 0)`` under "proxy", on top of the step reward
    ``step_true`` / ``step_proxy``. ``rewards_proxy`` defaults to ``rewards_true`` and
    ``step_proxy`` to ``step_true``. Exactly one of ``discount`` and ``horizon`` may be given;
    with neither, the discount is 9/10. All numbers are exact (a float is read as its shortest
    decimal). The conventions of the compiled model (labels, slip, the absorbing "done" state)
    and the observations ``observe`` ("cell" or "view") and features are in the module docstring.

    Formally, with next-cell law :math:`P(c' \\mid c, a)` (intended move ``1 - slip``, each
    perpendicular move ``slip/2``, blocked moves staying put),
    :math:`r(c, a) = \\sum_{c'} P(c' \\mid c, a)\\,(\\text{step} + R(\\text{symbol}(c')))`, and the
    successor state is ``"done"`` when symbol(c') is terminal, else c'.

    Source: the gridworld conventions of Leike et al., "AI Safety Gridworlds" (2017), and the
    slippery moves of Russell & Norvig's 4x3 world (AIMA, chapter 17).

    Examples
    --------
    >>> m = compile_gridworld(["#####", "#S G#", "#####"], rewards_true={"G": 10},
    ...                       step_true=-1, terminal_symbols="G", slip="1/5")
    >>> m.states
    ('(1,1)', '(1,2)', '(1,3)', 'done')
    >>> s, a = m.state_index("(1,2)"), m.action_index("right")
    >>> m.transitions[s, a].tolist(), m.rewards["true"][s, a]
    ([Fraction(0, 1), Fraction(1, 5), Fraction(0, 1), Fraction(4, 5)], Fraction(7, 1))
    """
    rows = parse_map(ascii_map)
    rewards = {
        "true": _symbol_rewards(rewards_true or {}, "rewards_true"),
        "proxy": _symbol_rewards(
            (rewards_true or {}) if rewards_proxy is None else rewards_proxy, "rewards_proxy"
        ),
    }
    steps = {
        "true": check_number(step_true, "step_true"),
        "proxy": check_number(step_true if step_proxy is None else step_proxy, "step_proxy"),
    }
    terminals = _check_symbols(wall, start, floor, terminal_symbols, rewards)
    slip = check_probability(slip, "slip", exact=True)
    check_choice(observe, "observe", OBSERVE)
    discount, horizon = check_time(discount, horizon, DEFAULT_DISCOUNT)
    known = {wall, start} | set(floor) | terminals | set(rewards["true"]) | set(rewards["proxy"])
    start_cell = _start_cell(rows, known, start)
    cells = [(r, c) for r in range(len(rows)) for c in range(len(rows[0])) if rows[r][c] != wall]
    transitions, reward_arrays = _dynamics(rows, cells, wall, terminals, rewards, steps, slip)
    initial = np.full(len(cells) + 1, Fraction(0), dtype=object)
    initial[cells.index(start_cell)] = Fraction(1)
    labels = tuple(cell_label(r, c) for r, c in cells) + (DONE,)
    return FiniteMDP(
        states=labels,
        actions=ACTIONS,
        transitions=transitions,
        rewards=reward_arrays,
        initial=initial,
        discount=discount,
        horizon=horizon,
        observations=labels if observe == "cell" else tuple(_view(rows, cell, wall) for cell in cells) + (DONE,),
        features=_features(rows, cells, wall, symbol_classes(known - {wall}, (), floor, start)),
    )


def _neighbour(rows: Sequence[str], cell: tuple[int, int], move: str, wall: str) -> str:
    """The map character next to ``cell`` in the direction ``move``; ``wall`` off the map."""
    r, c = cell[0] + MOVES[move][0], cell[1] + MOVES[move][1]
    if 0 <= r < len(rows) and 0 <= c < len(rows[0]):
        return rows[r][c]
    return wall


def _view(rows: Sequence[str], cell: tuple[int, int], wall: str) -> str:
    """The "view" observation of a cell: its label and its four neighbours' characters."""
    around = ",".join(f"{move}={_neighbour(rows, cell, move, wall)}" for move in ACTIONS)
    return f"{cell_label(*cell)}|{around}"


def _features(
    rows: Sequence[str], cells: Sequence[tuple[int, int]], wall: str, classes: Sequence[str]
) -> list[list[float]]:
    """Per cell: (row, col) and the 0/1 neighbour-class indicators; then "done": (-1, -1) and
    zeros (module docstring)."""
    out = []
    for cell in cells:
        row = [float(cell[0]), float(cell[1])]
        for move in ACTIONS:
            ch = _neighbour(rows, cell, move, wall)
            key = "wall" if ch == wall else ch
            row.extend(1.0 if key == c else 0.0 for c in classes)
        out.append(row)
    return out + [[-1.0, -1.0] + [0.0] * (len(ACTIONS) * len(classes))]


def _check_symbols(
    wall: Any, start: Any, floor: Any, terminal_symbols: Iterable[str], rewards: Mapping[str, Mapping[str, Any]]
) -> set[str]:
    """Check the wall, start, floor and terminal symbols (and that no reward is on the wall);
    the set of terminal symbols."""
    for field, symbol in (("wall", wall), ("start", start)):
        if not isinstance(symbol, str) or len(symbol) != 1:
            raise InvalidArgument(f"{field} is {symbol!r}, not a single character")
    if wall == start:
        raise InvalidArgument(f"wall and start are both {wall!r}; they must differ")
    if not isinstance(floor, str) or wall in floor or start in floor:
        raise InvalidArgument(
            f"floor is {floor!r}, not a string of floor characters other than wall and start"
        )
    if isinstance(terminal_symbols, str):
        terminals = set(terminal_symbols)
    else:
        terminals = set()
        for t in terminal_symbols:
            if not isinstance(t, str) or len(t) != 1:
                raise InvalidArgument(f"terminal_symbols holds {t!r}, not a single character")
            terminals.add(t)
    for t in sorted(terminals):
        if t in (wall, start):
            role = "wall" if t == wall else "start"
            raise InvalidArgument(f"terminal_symbols holds {t!r}, the {role} symbol")
    for name, table in rewards.items():
        if wall in table:
            raise InvalidArgument(f"rewards_{name} gives a reward to the wall symbol {wall!r}")
    return terminals


def _start_cell(rows: Sequence[str], known: set[str], start: str) -> tuple[int, int]:
    """The one start cell, after checking that every character of the map is a known symbol."""
    starts = []
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            if ch not in known:
                listed = "".join(sorted(known))
                raise InvalidArgument(
                    f"ascii_map[{r}, {c}] is {ch!r}, not a known symbol (known: {listed!r})"
                )
            if ch == start:
                starts.append((r, c))
    if not starts:
        raise InvalidArgument(f"ascii_map has no start symbol {start!r}")
    if len(starts) > 1:
        where = " and ".join(cell_label(r, c) for r, c in starts[:2])
        raise InvalidArgument(f"ascii_map has {len(starts)} start symbols {start!r}, at {where}")
    return starts[0]


def _target(rows: Sequence[str], cell: tuple[int, int], move: str, wall: str) -> tuple[int, int]:
    """The cell a move leads to: the neighbour, or ``cell`` itself when that is a wall or off the map."""
    r, c = cell[0] + MOVES[move][0], cell[1] + MOVES[move][1]
    if 0 <= r < len(rows) and 0 <= c < len(rows[0]) and rows[r][c] != wall:
        return (r, c)
    return cell


def _dynamics(
    rows: Sequence[str],
    cells: Sequence[tuple[int, int]],
    wall: str,
    terminals: set[str],
    rewards: Mapping[str, Mapping[str, Fraction]],
    steps: Mapping[str, Fraction],
    slip: Fraction,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The exact (S, A, S) transitions and (S, A) rewards over ``cells`` and the absorbing "done"
    state (the last index), by the conventions of the module docstring."""
    index = {cell: i for i, cell in enumerate(cells)}
    done = len(cells)
    S, A = done + 1, len(ACTIONS)
    check_mdp_size("the map", f"{len(rows)} x {len(rows[0])} cells", S, A, rewards=len(rewards))
    zero = Fraction(0)
    transitions = np.full((S, A, S), zero, dtype=object)
    reward_arrays = {name: np.full((S, A), zero, dtype=object) for name in rewards}
    for cell, s in index.items():
        if rows[cell[0]][cell[1]] in terminals:
            transitions[s, :, done] = Fraction(1)
            continue
        for a, action in enumerate(ACTIONS):
            outcomes = [(1 - slip, action)] + [(slip / 2, m) for m in PERPENDICULAR[action]]
            for p, move in outcomes:
                if p == 0:
                    continue
                nxt = _target(rows, cell, move, wall)
                symbol = rows[nxt[0]][nxt[1]]
                transitions[s, a, done if symbol in terminals else index[nxt]] += p
                for name, table in rewards.items():
                    reward_arrays[name][s, a] += p * (steps[name] + table.get(symbol, zero))
    transitions[done, :, done] = Fraction(1)
    return transitions, reward_arrays


def _symbol_rewards(table: Mapping[str, Any], field: str) -> dict[str, Fraction]:
    """A symbol -> exact reward table; keys must be single characters."""
    if not isinstance(table, Mapping):
        raise InvalidArgument(f"{field} is {table!r}, not a mapping symbol -> reward")
    out = {}
    for symbol, value in table.items():
        if not isinstance(symbol, str) or len(symbol) != 1:
            raise InvalidArgument(f"{field} has the key {symbol!r}, not a single character")
        out[symbol] = check_number(value, f"{field}[{symbol!r}]")
    return out
