"""Figures of the symbolic theory: value curves against a parameter, and two-parameter region maps.

Each figure is made in two steps, as everywhere in reports/: a ``*_data`` function computes
plain, JSON-ready data (strings for exact numbers, floats for plotting) from the exact results
of :mod:`theory.symbolic`, and a ``*_figure`` function draws that data and returns a
:class:`matplotlib.figure.Figure` without saving it (saving is the caller's job).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Polygon

from theory.symbolic import (
    ParametricMDP,
    Piece,
    breakpoints,
    fix,
    initial_value,
    optimal_partition,
    region_map,
)
from theory.symbolic.partition import DIGITS
from theory.budget import check_budget
from theory.validation import check_int

if TYPE_CHECKING:  # the report document types, imported lazily at run time
    from reports.document import Artifact, Reading

__all__ = [
    "value_curves_data",
    "value_curves_figure",
    "region_map_data",
    "region_map_figure",
    "symbolic_reading",
    "symbolic_artifact",
]


def _exact(x: sympy.Expr) -> dict[str, Any]:
    """An exact number as {"exact": str, "digits": 12-digit str, "float": float}."""
    return {"exact": str(x), "digits": str(sympy.N(x, DIGITS)), "float": float(sympy.N(x, 17))}


def _argmax_json(piece: Piece) -> Any:
    if piece.finite_horizon:
        return [{s: list(best) for s, best in zip(piece.states, sets)} for sets in piece.argmax]
    return {s: list(best) for s, best in zip(piece.states, piece.argmax)}


def _short_labels(pieces: Sequence[Piece]) -> list[str]:
    """One label per piece naming only the states (and steps) where the pieces' argmax sets differ."""
    if not pieces:
        return []
    first = pieces[0]
    rows = [p.argmax if p.finite_horizon else (p.argmax,) for p in pieces]
    places = [
        (t, s)
        for t in range(len(rows[0]))
        for s in range(len(first.states))
        if len({r[t][s] for r in rows}) > 1
    ]
    if not places:
        places = [(0, s) for s in range(min(3, len(first.states)))]
    labels = []
    for r in rows:
        parts = []
        for t, s in places:
            where = first.states[s] if not first.finite_horizon else f"t{t} {first.states[s]}"
            parts.append(f"{where}: {'|'.join(r[t][s])}")
        text = ", ".join(parts)
        labels.append(text if len(text) <= 70 else text[:67] + "...")
    return labels


def value_curves_data(
    pmdp: ParametricMDP,
    param: str | None = None,
    lo: Any = None,
    hi: Any = None,
    reward: str | None = None,
    fixed: Mapping[str, Any] | None = None,
    samples: int = 201,
) -> dict[str, Any]:
    r"""Plain data of the optimal-policy partition of one parameter and of the value curves.

    Computes :func:`theory.symbolic.optimal_partition` and, for every policy optimal somewhere
    (the first action of each argmax set, ``Piece.choice``), its exact value from the initial
    distribution :math:`J(\pi)(\theta)` over the *whole* interval (so curves cross at the
    breakpoints), sampled at ``samples`` evenly spaced points plus the breakpoints. Returned
    keys: ``param``, ``reward``, ``lo``, ``hi`` (exact/digits/float), ``breakpoints`` (same
    form), ``pieces`` (exact ends, floats, policy index, argmax sets, exact value formula),
    ``policies`` (index, short label naming the states where the policies differ, full argmax
    sets, exact formula of :math:`J`, sample ``x`` and ``y``, and ``optimal_on`` intervals).

    Source: Puterman (1994), sec. 6 (values of stationary policies); Kosoy (2018).

    >>> from environments.parametric import delayed_reward
    >>> d = value_curves_data(delayed_reward(), samples=3)
    >>> [b["exact"] for b in d["breakpoints"]], [p["formula"] for p in d["policies"]]
    (['1/2'], ['1', '2*gamma'])
    """
    samples = check_int(samples, "samples", 2)
    pm = fix(pmdp, **dict(fixed)) if fixed else pmdp
    pieces = optimal_partition(pm, param, lo, hi, reward)
    first = pieces[0]
    sym = pm.symbol(first.param)
    keys: list[Any] = []
    reps: list[Piece] = []
    for p in pieces:
        if p.argmax not in keys:
            keys.append(p.argmax)
            reps.append(p)
    labels = _short_labels(reps)
    bps = breakpoints(pieces)
    x_lo, x_hi = float(first.lo), float(pieces[-1].hi)
    xs = sorted(set(np.linspace(x_lo, x_hi, samples).tolist()) | {float(b) for b in bps})
    policies = []
    for k, rep in enumerate(reps):
        formula = initial_value(pm, rep.policy("first"), first.reward)
        f = sympy.lambdify(sym, formula, "math")
        ys = [float(f(x)) for x in xs]
        policies.append({
            "index": k,
            "label": labels[k],
            "argmax": _argmax_json(rep),
            "formula": str(formula),
            "x": xs,
            "y": ys,
            "optimal_on": [[float(p.lo), float(p.hi)] for p in pieces if p.argmax == rep.argmax],
        })
    return {
        "param": first.param,
        "reward": first.reward,
        "lo": _exact(first.lo),
        "hi": _exact(pieces[-1].hi),
        "breakpoints": [_exact(b) for b in bps],
        "pieces": [
            {
                "lo": _exact(p.lo),
                "hi": _exact(p.hi),
                "policy": keys.index(p.argmax),
                "argmax": _argmax_json(p),
                "initial_value": str(p.initial_value),
                "ties": [_exact(t) for t in p.ties],
            }
            for p in pieces
        ],
        "policies": policies,
    }


def _colour(k: int) -> str:
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
               "#7f7f7f", "#bcbd22", "#17becf"]
    return palette[k % len(palette)]


def value_curves_figure(data: Mapping[str, Any]) -> Figure:
    """Value from initial against the parameter: one curve per policy optimal somewhere (thick
    where it is optimal, dashed elsewhere), breakpoints as labelled vertical lines.

    >>> from environments.parametric import delayed_reward
    >>> fig = value_curves_figure(value_curves_data(delayed_reward(), samples=5))
    >>> len(fig.axes), len(fig.axes[0].lines)
    (1, 5)
    """
    fig = Figure(figsize=(10, 4.5), layout="constrained")
    ax = fig.add_subplot()
    for pol in data["policies"]:
        colour = _colour(pol["index"])
        xs, ys = np.asarray(pol["x"]), np.asarray(pol["y"])
        ax.plot(xs, ys, linestyle="--", linewidth=1, color=colour, alpha=0.6)
        mask = np.zeros(len(xs), dtype=bool)
        for a, b in pol["optimal_on"]:
            mask |= (xs >= a) & (xs <= b)
        ax.plot(np.where(mask, xs, np.nan), np.where(mask, ys, np.nan), linewidth=2.5, color=colour,
                label=f"\u03c0{pol['index'] + 1}: {pol['label']}")
    top = ax.get_ylim()[1]
    for b in data["breakpoints"]:
        ax.axvline(b["float"], color="0.3", linestyle=":", linewidth=1)
        ax.annotate(b["exact"] if len(b["exact"]) <= 14 else f"{b['float']:.6g}",
                    (b["float"], top), rotation=90, va="top", ha="right", fontsize=8)
    ax.set_xlabel(data["param"])
    ax.set_ylabel(f"value from initial ({data['reward']})")
    ax.set_title(f"optimal policy as {data['param']} varies: {len(data['breakpoints'])} breakpoint(s)")
    fig.legend(fontsize=7, loc="outside right upper")
    if data["hi"]["float"] > data["lo"]["float"]:
        ax.set_xlim(data["lo"]["float"], data["hi"]["float"])
    return fig


#: Estimated bytes of one exact line of a region map (its pieces: exact algebraic bounds,
#: values and argmax sets).
_LINE_BYTES = 64 * 2**10


def region_map_data(
    pmdp: ParametricMDP,
    param_x: str,
    param_y: str,
    xs: Sequence[Any] | None = None,
    num: int = 9,
    reward: str | None = None,
    fixed: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Plain data of :func:`theory.symbolic.region_map`: which policy is optimal where.

    Keys: ``param_x``, ``param_y``, ``reward``, ``x_range`` / ``y_range`` (floats),
    ``policies`` (index, short label, argmax sets), ``lines`` (for every exact x: its exact
    y-breakpoints and pieces with policy indices) and ``polygons`` (policy index and float
    vertices; exact on the lines, interpolated between them -- see
    :class:`theory.symbolic.RegionMap`).

    Source: Puterman (1994), sec. 6; Kosoy (2018).

    >>> from environments.parametric import parametric_chain
    >>> d = region_map_data(parametric_chain(n=2, discount=None), "p_slip", "gamma", num=2)
    >>> len(d["lines"]), d["lines"][0]["x"]["exact"]
    (2, '0')
    """
    lines = len(xs) if xs is not None else check_int(num, "num", 1)
    check_budget("num", lines, lines * _LINE_BYTES, f"a region map of {lines} exact lines")
    rm = region_map(pmdp, param_x, param_y, xs=xs, num=num, reward=reward, fixed=fixed)
    reps = []
    for key in rm.policies:
        reps.append(next(p for line in rm.lines for p in line if p.argmax == key))
    labels = _short_labels(reps)
    lines = []
    for x, line in zip(rm.xs, rm.lines):
        lines.append({
            "x": _exact(x),
            "breakpoints": [_exact(b) for b in breakpoints(line)],
            "pieces": [
                {"lo": _exact(p.lo), "hi": _exact(p.hi), "policy": rm.policy_index(p)} for p in line
            ],
        })
    first = rm.lines[0]
    return {
        "param_x": param_x,
        "param_y": param_y,
        "reward": first[0].reward,
        "x_range": [float(rm.xs[0]), float(rm.xs[-1])],
        "y_range": [float(first[0].lo), float(first[-1].hi)],
        "policies": [
            {"index": k, "label": labels[k], "argmax": _argmax_json(rep)} for k, rep in enumerate(reps)
        ],
        "lines": lines,
        "polygons": [{"policy": k, "points": [list(v) for v in pts]} for k, pts in rm.polygons()],
    }


def region_map_figure(data: Mapping[str, Any]) -> Figure:
    """Regions of the (x, y) plane coloured by the optimal policy, with the exact breakpoints
    of every vertical line drawn as dots on it.

    >>> from environments.parametric import parametric_chain
    >>> d = region_map_data(parametric_chain(n=2, discount=None), "p_slip", "gamma", num=2)
    >>> len(region_map_figure(d).axes)
    1
    """
    fig = Figure(figsize=(10, 5), layout="constrained")
    ax = fig.add_subplot()
    for poly in data["polygons"]:
        ax.add_patch(Polygon(poly["points"], closed=True, facecolor=_colour(poly["policy"]),
                             edgecolor="none", alpha=0.55))
    for line in data["lines"]:
        x = line["x"]["float"]
        ax.axvline(x, color="0.5", linewidth=0.5)
        ys = [b["float"] for b in line["breakpoints"]]
        ax.plot([x] * len(ys), ys, "k.", markersize=5)
    handles = [Patch(facecolor=_colour(p["index"]), alpha=0.55, label=f"\u03c0{p['index'] + 1}: {p['label']}")
               for p in data["policies"]]
    x0, x1 = data["x_range"]
    y0, y1 = data["y_range"]
    ax.set_xlim(x0, x1 if x1 > x0 else x0 + 1e-9)
    ax.set_ylim(y0, y1 if y1 > y0 else y0 + 1e-9)
    ax.set_xlabel(data["param_x"])
    ax.set_ylabel(data["param_y"])
    ax.set_title(f"optimal policy for {data['reward']!r}: exact along each vertical line")
    fig.legend(handles=handles, fontsize=7, loc="outside right upper")
    return fig


def symbolic_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences from :func:`value_curves_data`: where the optimal policy changes (exact
    breakpoints with 12 digits) and the value from initial on the first and last pieces.

    >>> from environments.parametric import now_or_later
    >>> print(symbolic_reading(value_curves_data(now_or_later(2), samples=3)).text)
    As gamma runs over [0, 99/100], the optimal policy for 'proxy' changes at 1 breakpoint: gamma = 1/2 (0.500000000000). The value from initial is 1 on the first piece and 2*gamma on the last.
    """
    from reports.document import Reader

    r = Reader(data)
    points = r.get("breakpoints")
    where = ", ".join(f"{r('param')} = {r('breakpoints', k, 'exact')} ({r('breakpoints', k, 'digits')})"
                      for k in range(len(points)))
    s1 = (f"As {r('param')} runs over [{r('lo', 'exact')}, {r('hi', 'exact')}], the optimal policy for "
          f"'{r('reward')}' " + (f"changes at {len(points)} breakpoint{'s' if len(points) != 1 else ''}: {where}."
                                 if points else "is the same on the whole interval."))
    last = len(r.get("pieces")) - 1
    s2 = (f"The value from initial is {r('pieces', 0, 'initial_value')} on the first piece"
          + (f" and {r('pieces', last, 'initial_value')} on the last." if last else "."))
    return r.reading([s1, s2])


def symbolic_artifact(data: dict[str, Any], region: dict[str, Any] | None = None, name: str = "symbolic") -> Artifact:
    """The report entry of :func:`value_curves_data` (and, with ``region``, the two-parameter
    region map of :func:`region_map_data`)."""
    from reports.document import Artifact

    figures = [(name, value_curves_figure(data),
                f"Value from initial against {data['param']}, one curve per policy optimal somewhere; "
                "exact breakpoints marked.")]
    payload = dict(data)
    if region is not None:
        figures.append((f"{name}-regions", region_map_figure(region),
                        f"Which policy is optimal where over ({region['param_x']}, {region['param_y']}); "
                        f"the boundaries along each line {region['param_x']} = const are exact."))
        payload["region_map"] = region
    return Artifact(
        name=name,
        title=f"Exact switching points in {data['param']}",
        data=payload,
        figures=figures,
        tables={name: [{"piece": k, "lo": p["lo"]["exact"], "hi": p["hi"]["exact"], "lo_float": p["lo"]["float"],
                        "hi_float": p["hi"]["float"], "value_from_initial": p["initial_value"]}
                       for k, p in enumerate(data["pieces"])]},
        reading=symbolic_reading(data),
    )
