r"""Distributional shift: true regret against shift magnitude, and the lava pair drawn.

The direct-vs-amortised question of Millidge (2022), measured exactly: every agent pursues
the proxy on a layout shifted by magnitude m from the training one
(:func:`environments.shifts.shift_layout`: m = 0 is the training layout, m = 1 the test layout,
in between the per-step mixture), and its **true regret**
:math:`J^*_{true} - J_{true}(\pi)` on the shifted MDP is recorded. Amortised agents
(:class:`agents.TabularAmortised`, one per fallback) and the hybrid (:class:`agents.Hybrid`)
are trained once on the *unshifted* layout; the argmax optimiser and the quantilisers plan on
the shifted one at decision time.

The second figure draws the pair as gridworlds (AI Safety Gridworlds, Leike et al. 2017):
cells coloured by symbol (wall, floor, lava, goal, start), each agent's most probable action
per cell as an arrow (several arrows for a tie, a dot when every action ties) and the cells it
visits shaded by its normalised discounted state occupancy, training layout beside test layout.
Cells are placed by the MDP's ``features`` (row, col); symbols come from the ASCII map.

Sources: Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022); Leike et al.,
"AI Safety Gridworlds" (2017), ``distributional_shift.py``.

Examples
--------
>>> data = shift_data(magnitudes=("0", "1"), qs=("1/2",), draw=False)
>>> [s["agent"] for s in data["series"]]
['argmax', 'quantiliser:q=1/2', 'amortised:fallback=uniform', 'amortised:fallback=nearest', 'hybrid:depth=1']
>>> data["series"][0]["points"][-1]["regret_exact"]
'0'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from agents import Hybrid, TabularAmortised, parse_specs
from agents.base import Agent, behaviour_return
from agents.direct import Argmax, Fixed
from environments.gridworlds import LAVA_TEST_MAP, LAVA_TRAIN_MAP
from environments.shifts import LAYOUT_PAIRS, shift_layout
from reports.document import Artifact, Reader, Reading, exact, number_pair, value
from theory.errors import InvalidArgument
from theory.evaluation import normalised_state_occupancy
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return
from theory.numbers import parse_number
from theory.policy import Policy

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_MAGNITUDES",
    "DEFAULT_QS",
    "LAYOUT_MAPS",
    "SYMBOL_NAMES",
    "shift_agents",
    "shift_data",
    "gridworld_data",
    "shift_figure",
    "gridworld_figure",
    "shift_reading",
    "shift_artifact",
]

DEFAULT_MAGNITUDES = ("0", "1/8", "1/4", "3/8", "1/2", "5/8", "3/4", "7/8", "1")
DEFAULT_QS = ("3/4", "1/2", "1/3")
#: The ASCII maps (training, test) of the named layout pairs of :data:`environments.shifts.LAYOUT_PAIRS`.
LAYOUT_MAPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {"lava": (LAVA_TRAIN_MAP, LAVA_TEST_MAP)}
#: What the map symbols are, for colouring.
SYMBOL_NAMES = {"#": "wall", " ": "floor", "S": "start", "L": "lava", "G": "goal", "O": "bucket"}
_COLOURS = {"wall": "#404040", "floor": "#ffffff", "start": "#fee391", "lava": "#f16913", "goal": "#74c476",
            "bucket": "#bcbddc", "other": "#d9d9d9"}


def shift_agents(train: FiniteMDP, qs: Sequence[Any] = DEFAULT_QS, hybrid_depth: int = 1) -> list[tuple[str, Agent]]:
    """The agents of the shift figure as ``(spec, agent)``: argmax, the quantilisers at ``qs``,
    the amortised agent with the "uniform" and the "nearest" fallback and the hybrid of depth
    ``hybrid_depth``, the last three trained on ``train`` by the argmax of the proxy there
    (computed once and handed to them as a :class:`agents.direct.Fixed` teacher, which is what
    ``amortised:fallback=...`` and ``hybrid:depth=...`` with ``train=train`` compute).

    >>> from environments import lava_train
    >>> [s for s, _ in shift_agents(lava_train(), qs=("1/4",))]
    ['argmax', 'quantiliser:q=1/4', 'amortised:fallback=uniform', 'amortised:fallback=nearest', 'hybrid:depth=1']
    """
    specs = ["argmax"] + [f"quantiliser:q={parse_number(q, 'q')}" for q in qs]
    out = parse_specs(",".join(specs))
    teacher = Fixed(Argmax().policy(train, "proxy"))
    out += [
        ("amortised:fallback=uniform", TabularAmortised(teacher=teacher, train=train, fallback="uniform")),
        ("amortised:fallback=nearest", TabularAmortised(teacher=teacher, train=train, fallback="nearest")),
        (f"hybrid:depth={int(hybrid_depth)}", Hybrid(depth=int(hybrid_depth), teacher=teacher, train=train)),
    ]
    return out


def _terminal(mdp: FiniteMDP, s: int) -> bool:
    """Whether every action of s leads with probability 1 to one absorbing state j != s."""
    successors = {int(j) for a in range(mdp.A) for j in np.flatnonzero(np.asarray(mdp.transitions[s, a] != 0))}
    if len(successors) != 1:
        return False
    j = successors.pop()
    return j != s and all(mdp.transitions[j, a, j] == 1 for a in range(mdp.A))


def gridworld_data(mdp: FiniteMDP, ascii_map: Sequence[str], policies: Mapping[str, Policy],
                   title: str = "") -> dict[str, Any]:
    """The drawing data of a gridworld MDP and some policies on it.

    Cells are the states whose ``features`` are a (row, col) inside the map (the absorbing
    "done" state, at (-1, -1), is left out); each has its map ``symbol`` and ``kind`` (wall,
    floor, start, lava, goal, ... from :data:`SYMBOL_NAMES`) and ``terminal`` (every action
    leads with probability 1 to one absorbing state: the episode ends there). Per policy and
    cell: ``best``, the most probable actions (at t = 0; several on a tie) and ``occupancy``
    (normalised discounted occupancy, exact with ``occupancy_exact``).

    >>> from environments import lava_train
    >>> from theory.solvers import solve
    >>> m = lava_train()
    >>> g = gridworld_data(m, LAVA_TRAIN_MAP, {"argmax": solve(m, "true").policy})
    >>> g["cells"][0]["state"], g["cells"][0]["kind"], g["agents"][0]["cells"][0]["best"]
    ('(1,1)', 'start', ['down', 'right'])
    """
    rows = [str(r) for r in ascii_map]
    if mdp.features is None or mdp.features.shape[1] < 2:
        raise InvalidArgument("the MDP has no (row, col) features; a gridworld drawing needs them")
    height, width = len(rows), len(rows[0])
    cells = []
    index = []
    for s, label in enumerate(mdp.states):
        r, c = (float(x) for x in mdp.features[s][:2])
        if r < 0 or c < 0:
            continue
        r, c = int(r), int(c)
        if not (0 <= r < height and 0 <= c < width):
            raise InvalidArgument(f"state {label!r} has features ({r}, {c}), outside the {height} x {width} map")
        symbol = rows[r][c]
        terminal = _terminal(mdp, s)
        cells.append({"state": label, "row": r, "col": c, "symbol": symbol,
                      "kind": SYMBOL_NAMES.get(symbol, "other"), "terminal": bool(terminal)})
        index.append(s)
    agents = []
    for name, pi in policies.items():
        pi.check_fits(mdp)
        probs = pi.at(0)
        occ = normalised_state_occupancy(mdp if pi.exact == mdp.exact else mdp.to_float(), pi)
        agent_cells = []
        for s in index:
            row = probs[s]
            top = max(row)
            agent_cells.append({
                "state": mdp.states[s],
                "best": [mdp.actions[a] for a in range(mdp.A) if row[a] == top],
                **number_pair("occupancy", occ[s]),
            })
        agents.append({"agent": name, "cells": agent_cells})
    return {"title": title, "rows": rows, "height": height, "width": width, "actions": list(mdp.actions),
            "cells": cells, "agents": agents}


def shift_data(
    layouts: str = "lava",
    magnitudes: Sequence[Any] = DEFAULT_MAGNITUDES,
    qs: Sequence[Any] = DEFAULT_QS,
    hybrid_depth: int = 1,
    draw: bool = True,
    **params: Any,
) -> dict[str, Any]:
    r"""The data of the shift figures.

    - ``series``: per agent (:func:`shift_agents`, trained on ``shift_layout(layouts, 0)``),
      its ``agent`` SPEC, ``family`` and ``parameter`` (the SPEC's value: q, fallback, depth),
      ``points`` along ``magnitudes``: ``m`` (with ``m_exact``), ``optimum`` (the shifted MDP's
      :math:`J^*_{true}`), ``true``, ``proxy`` and ``regret`` = optimum - true, exact beside
      float; also ``regret_at_start`` / ``regret_at_end`` (first and last magnitude);
    - ``summary``: the indices of the argmax, amortised, quantiliser and hybrid series and of
      the worst series at the last magnitude;
    - ``gridworlds`` (when ``draw`` and the pair has an ASCII map in :data:`LAYOUT_MAPS`): the
      :func:`gridworld_data` of the training layout (m = 0) and the test layout (m = 1), with
      the policies of argmax, the middle quantiliser, both amortised agents and the hybrid.

    ``params`` go to both layout builders (e.g. ``slip``, ``proxy_lava``).

    Source: Millidge (2022); Leike et al. (2017).
    """
    ms = _check_shift_args(layouts, magnitudes, qs)
    train = shift_layout(layouts, 0, **params)
    test_end = shift_layout(layouts, 1, **params)
    specs = shift_agents(train, qs, hybrid_depth)
    series = _regret_series(specs, train, test_end, ms)
    summary = _summary(series, ms)
    data: dict[str, Any] = {
        "figure": "shift",
        "layouts": layouts,
        "params": {k: str(v) for k, v in params.items()},
        "magnitudes": [exact(m) for m in ms],
        "series": series,
        "summary": summary,
    }
    if draw and layouts in LAYOUT_MAPS:
        data["gridworlds"] = _layout_gridworlds(layouts, specs, summary, train, test_end)
    return data


def _check_shift_args(layouts: Any, magnitudes: Sequence[Any], qs: Sequence[Any]) -> list[Fraction]:
    """The sorted distinct magnitudes, after checking the arguments of :func:`shift_data`."""
    if layouts not in LAYOUT_PAIRS:
        raise InvalidArgument(f"layouts is {layouts!r}, not one of {sorted(LAYOUT_PAIRS)}")
    ms = sorted({parse_number(m, "m") for m in magnitudes})
    if not ms or ms[0] < 0 or ms[-1] > 1:
        raise InvalidArgument(f"magnitudes is {[str(m) for m in ms]!r}, not numbers in [0, 1]")
    if not qs:
        raise InvalidArgument("qs is empty; give at least one quantile level")
    return ms


def _regret_series(
    specs: Sequence[tuple[str, Agent]], train: FiniteMDP, test_end: FiniteMDP, ms: Sequence[Fraction]
) -> list[dict[str, Any]]:
    """Per agent: its SPEC, family, parameter and the points (optimum, true, proxy, regret) along
    the magnitudes, with the regret at the first and last magnitude."""
    series: list[dict[str, Any]] = [
        {"agent": spec, "family": spec.split(":")[0], "parameter": spec.split("=")[-1] if "=" in spec else None,
         "points": []}
        for spec, _ in specs
    ]
    for m in ms:
        test = shift_layout((train, test_end), m)
        best = optimal_return(test, "true")
        for entry, (spec, agent) in zip(series, specs):
            behaviour = agent.run(test, "proxy").behaviour
            j_true = behaviour_return(test, behaviour, "true")
            j_proxy = behaviour_return(test, behaviour, "proxy")
            regret = (best if isinstance(j_true, Fraction) else float(best)) - j_true
            entry["points"].append({
                "m": value(m), "m_exact": exact(m),
                **number_pair("optimum", best), **number_pair("true", j_true), **number_pair("proxy", j_proxy),
                **number_pair("regret", regret),
            })
    for entry in series:
        entry["regret_at_start"] = entry["points"][0]["regret"]
        entry["regret_at_end"] = entry["points"][-1]["regret"]
    return series


def _summary(series: Sequence[Mapping[str, Any]], ms: Sequence[Fraction]) -> dict[str, Any]:
    """The first and last magnitude, the indices of each family's series and of the worst at the end."""
    families = [s["family"] for s in series]
    return {
        "first_m": exact(ms[0]),
        "last_m": exact(ms[-1]),
        "argmax": families.index("argmax"),
        "quantilisers": [i for i, f in enumerate(families) if f == "quantiliser"],
        "amortised": [i for i, f in enumerate(families) if f == "amortised"],
        "hybrid": families.index("hybrid"),
        "worst_at_end": max(range(len(series)), key=lambda i: (series[i]["regret_at_end"], -i)),
    }


def _layout_gridworlds(
    layouts: str, specs: Sequence[tuple[str, Agent]], summary: Mapping[str, Any], train: FiniteMDP,
    test: FiniteMDP,
) -> list[dict[str, Any]]:
    """The :func:`gridworld_data` of the training and the test layout, with the policies of
    argmax, the middle quantiliser, the amortised agents and the hybrid."""
    train_map, test_map = LAYOUT_MAPS[layouts]
    quantilisers = summary["quantilisers"]
    drawn = [0, quantilisers[len(quantilisers) // 2], *summary["amortised"], summary["hybrid"]]
    grids = []
    for title, mdp, ascii_map in (("training layout (m = 0)", train, train_map),
                                  ("test layout (m = 1)", test, test_map)):
        policies = {}
        for i in drawn:
            spec, agent = specs[i]
            pi = agent.run(mdp, "proxy").behaviour
            if isinstance(pi, Policy):
                policies[spec] = pi
        grids.append(gridworld_data(mdp, ascii_map, policies, title))
    return grids


def shift_figure(data: Mapping[str, Any]) -> "Figure":
    """True regret against shift magnitude, one line per agent. Returns a matplotlib Figure.

    >>> data = shift_data(magnitudes=("0", "1"), qs=("1/2",), draw=False)
    >>> len(shift_figure(data).axes[0].get_lines())
    5
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.5, 5), layout="constrained")
    ax = fig.subplots()
    styles = {"argmax": ("tab:red", "o"), "quantiliser": ("tab:blue", "s"), "amortised": ("tab:green", "^"),
              "hybrid": ("tab:purple", "D")}
    q_shades = ["#08519c", "#3182bd", "#6baed6", "#9ecae1"]
    amortised_ls = ["-", "--", ":"]
    qi = ai = 0
    for s in data["series"]:
        colour, marker = styles.get(s["family"], ("k", "x"))
        ls = "-"
        if s["family"] == "quantiliser":
            colour = q_shades[qi % len(q_shades)]
            qi += 1
        if s["family"] == "amortised":
            ls = amortised_ls[ai % len(amortised_ls)]
            ai += 1
        ax.plot([p["m"] for p in s["points"]], [p["regret"] for p in s["points"]], marker=marker, ls=ls,
                color=colour, label=s["agent"], alpha=0.9)
    ax.set_xlabel(f"shift magnitude m ({data['layouts']}: 0 = training layout, 1 = test layout)")
    ax.set_ylabel("true regret  J*_true - J_true(π)")
    ax.set_title("True regret under distributional shift (amortised and hybrid trained at m = 0)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return fig


_ARROWS = {"up": (0.0, -0.42), "down": (0.0, 0.42), "left": (-0.42, 0.0), "right": (0.42, 0.0)}


def gridworld_figure(data: Mapping[str, Any]) -> "Figure":
    """The gridworlds of ``data["gridworlds"]`` side by side (columns: layouts) for every
    drawn agent (rows): cells coloured by kind, occupancy shaded in blue, the most probable
    action as arrows. Returns a matplotlib Figure.

    >>> data = shift_data(magnitudes=("0", "1"), qs=("1/2",))
    >>> len(gridworld_figure(data).axes)  # 5 agents x 2 layouts
    10
    """
    from matplotlib.colors import to_rgb
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    grids = data["gridworlds"]
    agents = [a["agent"] for a in grids[0]["agents"]]
    fig = Figure(figsize=(4.2 * len(grids), 3.1 * len(agents) + 0.6), layout="constrained")
    axes = np.atleast_2d(fig.subplots(len(agents), len(grids), squeeze=False))
    for col, grid in enumerate(grids):
        H, W = grid["height"], grid["width"]
        base = np.ones((H, W, 3))
        for r, line in enumerate(grid["rows"]):
            for c, ch in enumerate(line):
                base[r, c] = to_rgb(_COLOURS[SYMBOL_NAMES.get(ch, "other")])
        for row, agent in enumerate(grid["agents"]):
            ax = axes[row, col]
            img = base.copy()
            occ = [cell["occupancy"] for cell in agent["cells"]]
            top = max(occ) if occ and max(occ) > 0 else 1.0
            shade = np.array(to_rgb("#2171b5"))
            for cell, info in zip(grid["cells"], agent["cells"]):
                w = 0.75 * info["occupancy"] / top
                if w > 0 and cell["kind"] not in ("lava", "goal"):
                    img[cell["row"], cell["col"]] = (1 - w) * img[cell["row"], cell["col"]] + w * shade
            ax.imshow(img, interpolation="nearest")
            for cell, info in zip(grid["cells"], agent["cells"]):
                if cell["terminal"]:
                    continue
                r, c = cell["row"], cell["col"]
                if len(info["best"]) == len(grid["actions"]):
                    ax.plot([c], [r], "k.", ms=3)
                    continue
                for a in info["best"]:
                    dx, dy = _ARROWS.get(a, (0.0, 0.0))
                    ax.arrow(c, r, dx, dy, width=0.035, head_width=0.17, head_length=0.13,
                             length_includes_head=True, color="k")
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title(grid["title"], fontsize=10)
            if col == 0:
                ax.set_ylabel(agent["agent"], fontsize=9)
    handles = [Patch(color=_COLOURS[k], label=k) for k in ("wall", "start", "lava", "goal")]
    handles.append(Patch(color="#2171b5", alpha=0.75, label="visited (occupancy)"))
    fig.legend(handles=handles, loc="outside lower center", ncol=5, fontsize=8)
    return fig


def shift_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: the amortised agents' regret at the first and last magnitude against
    argmax's; the hybrid's and the quantilisers' regret at the last magnitude.

    >>> data = shift_data(magnitudes=("0", "1"), qs=("1/2",), draw=False)
    >>> shift_reading(data).sentences[1]
    'The hybrid (hybrid:depth=1, search over amortised values) ends at regret 22.86 and the quantilisers at 15.19 at q = 1/2; the worst agent at m = 1 is amortised:fallback=uniform.'
    """
    r = Reader(data)
    summ = data["summary"]
    am = summ["amortised"]
    k = summ["argmax"]
    am_start = " and ".join(f"{r('series', i, 'regret_at_start', fmt='.2f')} ({r('series', i, 'parameter')} fallback)"
                            for i in am)
    am_end = " and ".join(r("series", i, "regret_at_end", fmt=".2f") for i in am)
    s1 = (
        f"At shift m = {r('summary', 'first_m')} the amortised agents trained there have true regret {am_start}, "
        f"against argmax's {r('series', k, 'regret_at_start', fmt='.2f')}; at m = {r('summary', 'last_m')} "
        f"theirs is {am_end}, while argmax, which re-plans on the shifted layout, has "
        f"{r('series', k, 'regret_at_end', fmt='.2f')}."
    )
    quants = ", ".join(
        f"{r('series', i, 'regret_at_end', fmt='.2f')} at q = {r('series', i, 'parameter')}"
        for i in summ["quantilisers"]
    )
    h = summ["hybrid"]
    s2 = (
        f"The hybrid ({r('series', h, 'agent')}, search over amortised values) ends at regret "
        f"{r('series', h, 'regret_at_end', fmt='.2f')} and the quantilisers at {quants}; the worst agent at "
        f"m = {r('summary', 'last_m')} is {r('series', summ['worst_at_end'], 'agent')}."
    )
    return r.reading([s1, s2])


def shift_artifact(data: dict[str, Any]) -> Artifact:
    """The shift entry of a report: data, the regret figure, the gridworld figure (when drawn),
    the CSV of all points and the reading.

    >>> data = shift_data(magnitudes=("0", "1"), qs=("1/2",), draw=False)
    >>> [stem for stem, _, _ in shift_artifact(data).figures]
    ['shift']
    """
    rows = [{"agent": s["agent"], **p} for s in data["series"] for p in s["points"]]
    figures = [("shift", shift_figure(data),
                "True regret against shift magnitude (0: training layout, 1: test layout) for direct, "
                "quantilising, amortised and hybrid agents; amortised and hybrid trained at m = 0.")]
    if "gridworlds" in data:
        figures.append(("shift-gridworlds", gridworld_figure(data),
                        "The training and test layouts with each agent's most probable action per cell "
                        "and its visited cells shaded by occupancy."))
    return Artifact(
        name="shift",
        title=f"Distributional shift ({data['layouts']})",
        data=data,
        figures=figures,
        tables={"shift": rows},
        reading=shift_reading(data),
    )
