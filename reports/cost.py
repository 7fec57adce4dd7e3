r"""Decision-time cost against true regret, in and out of the training distribution.

Millidge (2022) contrasts direct optimisers, which pay for an argmax at every decision, with
amortised ones, which pay in training and then only look answers up. Every agent of a list
(SPECs of :mod:`agents.registry`) is run twice: *in distribution* on the training MDP and
*out of distribution* on the test MDP, amortised and hybrid agents trained on the training MDP
both times (:func:`agents.compare.compare`). One point per agent and setting: its
decision-time cost (:attr:`agents.base.Cost.decision_total`: Q-value evaluations plus table
lookups, the unit of :mod:`agents.base`) and its exact true regret on the MDP it acts in.

Source: Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022); Leike et al., "AI
Safety Gridworlds" (2017), the lava pair.

Examples
--------
>>> data = cost_data("lava-train", "lava-test", ("argmax", "amortised:fallback=uniform"))
>>> [(p["agent"], p["setting"], p["regret_exact"]) for p in data["points"]]
[('argmax', 'in', '0'), ('amortised:fallback=uniform', 'in', '0'), ('argmax', 'out', '0'), ('amortised:fallback=uniform', 'out', '56067808851/1000000000')]
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import environments
from agents import parse_specs
from agents.compare import compare
from reports.document import Artifact, Reader, Reading, number_pair
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_AGENTS", "SETTINGS", "cost_data", "cost_figure", "cost_reading", "cost_artifact"]

#: The agents of the cost figure (SPECs).
DEFAULT_AGENTS = (
    "argmax",
    "lookahead:depth=1", "lookahead:depth=2", "lookahead:depth=4", "lookahead:depth=8",
    "quantiliser:q=1/2", "quantiliser:q=1/3",
    "best-of-n:n=2", "best-of-n:n=8",
    "boltzmann:beta=1", "boltzmann:beta=10",
    "amortised:fallback=uniform", "amortised:fallback=nearest",
    "hybrid:depth=1", "hybrid:depth=2",
)

SETTINGS = ("in", "out")


def _mdp(target: str | FiniteMDP, label: str | None) -> tuple[FiniteMDP, str]:
    if isinstance(target, FiniteMDP):
        return target, label or "MDP"
    if isinstance(target, str):
        return environments.get(target), label or target
    raise InvalidArgument(f"target is {target!r}, not an environment name or a FiniteMDP")


def cost_data(
    train: str | FiniteMDP = "lava-train",
    test: str | FiniteMDP = "lava-test",
    agents: Sequence[str] = DEFAULT_AGENTS,
    train_label: str | None = None,
    test_label: str | None = None,
) -> dict[str, Any]:
    """The data of the cost figure.

    ``train`` and ``test`` are registered environment names or FiniteMDPs (named in the data
    by ``train_label`` / ``test_label``). ``points``: for every setting (``"in"``: run on ``train``, ``"out"``:
    run on ``test``) and agent, ``decision_cost`` (Q-value evaluations + lookups), its parts
    ``decision`` and ``lookups``, ``training_cost`` and ``teacher_calls``, and the ``true``
    return and ``regret`` (exact beside float where the agent is exact). ``summary``: indices
    into ``points`` of the cheapest agent in distribution, the same agent out of
    distribution, argmax in and out, and the cheapest agent with zero regret out of
    distribution (None when there is none).

    Source: Millidge (2022).
    """
    specs_text = [s.strip() for s in agents if s.strip()]
    if not specs_text:
        raise InvalidArgument("agents is empty; give at least one SPEC")
    train_mdp, train = _mdp(train, train_label)
    test_mdp, test = _mdp(test, test_label)
    specs = parse_specs(",".join(specs_text), train=train_mdp)
    points = []
    for setting, mdp in (("in", train_mdp), ("out", test_mdp)):
        for row in compare(mdp, specs):
            points.append({
                "agent": row.spec,
                "family": row.spec.split(":")[0],
                "setting": setting,
                "evaluated_on": train if setting == "in" else test,
                "decision_cost": row.cost.decision_total,
                "decision": row.cost.decision,
                "lookups": row.cost.lookups,
                "training_cost": row.cost.training,
                "teacher_calls": row.cost.teacher_calls,
                **number_pair("true", row.true_return),
                **number_pair("regret", row.true_regret),
            })
    n = len(specs)
    inside = list(range(n))
    cheapest = min(inside, key=lambda i: (points[i]["decision_cost"], i))
    names = [s for s, _ in specs]
    zero_out = [i for i in range(n, 2 * n) if _is_zero(points[i])]
    summary = {
        "cheapest_in": cheapest,
        "cheapest_out": cheapest + n,
        "argmax_in": names.index("argmax") if "argmax" in names else None,
        "argmax_out": names.index("argmax") + n if "argmax" in names else None,
        "cheapest_zero_regret_out": min(zero_out, key=lambda i: (points[i]["decision_cost"], i)) if zero_out else None,
    }
    return {"figure": "cost", "train": train, "test": test, "agents": names, "points": points, "summary": summary}


def _is_zero(point: Mapping[str, Any]) -> bool:
    if point["regret_exact"] is not None:
        return Fraction(point["regret_exact"]) == 0
    return abs(point["regret"]) <= 1e-9


_FAMILY_COLOURS = {"argmax": "tab:red", "lookahead": "tab:brown", "quantiliser": "tab:blue", "best-of-n": "tab:orange",
                   "boltzmann": "tab:green", "amortised": "tab:olive", "hybrid": "tab:purple", "uniform": "tab:gray"}


def cost_figure(data: Mapping[str, Any]) -> "Figure":
    """Two panels (in distribution, out of distribution): true regret against decision-time
    cost on a log axis, one labelled point per agent (a zero-cost agent is drawn at cost 1 and
    labelled so). Returns a matplotlib Figure.

    >>> data = cost_data("lava-train", "lava-test", ("argmax", "hybrid:depth=1"))
    >>> [ax.get_xscale() for ax in cost_figure(data).axes]
    ['log', 'log']
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 5.2), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    titles = {"in": f"in distribution: trained on {data['train']}, acting on {data['train']}",
              "out": f"out of distribution: trained on {data['train']}, acting on {data['test']}"}
    regrets = [p["regret"] for p in data["points"] if isinstance(p["regret"], float)]
    span = (max(regrets) - min(regrets)) if regrets else 1.0
    span = span if span > 0 else 1.0
    for ax, setting in zip(axes, SETTINGS):
        pts = [p for p in data["points"] if p["setting"] == setting]
        seen = set()
        placed: list[tuple[float, float]] = []
        for p in sorted(pts, key=lambda p: (max(p["decision_cost"], 1), p["regret"])):
            colour = _FAMILY_COLOURS.get(p["family"], "k")
            x = max(p["decision_cost"], 1)
            label = p["family"] if p["family"] not in seen else None
            seen.add(p["family"])
            ax.scatter([x], [p["regret"]], color=colour, s=40, label=label, zorder=3)
            text = p["agent"] + (" (cost 0)" if p["decision_cost"] == 0 else "")
            # stack labels of points that are close on the page (0.35 decades, 4% of the range)
            lx = math.log10(x)
            crowd = sum(1 for (px, py) in placed if abs(px - lx) < 0.35 and abs(py - p["regret"]) < 0.04 * span)
            placed.append((lx, p["regret"]))
            ax.annotate(text, (x, p["regret"]), textcoords="offset points", xytext=(4, 3 + 9 * crowd), fontsize=7,
                        arrowprops={"arrowstyle": "-", "lw": 0.4, "color": "0.5"} if crowd else None)
        ax.set_xscale("log")
        ax.set_xlabel("decision-time cost (Q-value evaluations + lookups, log scale)")
        ax.set_title(titles[setting], fontsize=10)
        ax.grid(alpha=0.3, which="both")
    axes[0].set_ylabel("true regret  J*_true - J_true(π)")
    axes[0].legend(fontsize=8, loc="upper right")
    return fig


def cost_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: the cheapest agent in distribution against argmax; the same agent out of
    distribution and the cheapest agent with zero regret there.

    >>> data = cost_data("lava-train", "lava-test", ("argmax", "hybrid:depth=1"))
    >>> cost_reading(data).sentences[1]
    "Out of distribution (lava-test), the same agent's regret is 22.86 at cost 180, and the cheapest agent with zero regret there is argmax at 1152 operations."
    """
    r = Reader(data)
    s = data["summary"]
    c_in, c_out = s["cheapest_in"], s["cheapest_out"]
    s1 = (
        f"In distribution ({r('train')}), the cheapest agent, {r('points', c_in, 'agent')}, spends "
        f"{r('points', c_in, 'decision_cost', fmt='d')} decision-time operations for a true regret of "
        f"{r('points', c_in, 'regret', fmt='.2f')}"
    )
    if s["argmax_in"] is not None:
        s1 += (f", while argmax spends {r('points', s['argmax_in'], 'decision_cost', fmt='d')} for "
               f"{r('points', s['argmax_in'], 'regret', fmt='.2f')}")
    s1 += "."
    s2 = (
        f"Out of distribution ({r('test')}), the same agent's regret is {r('points', c_out, 'regret', fmt='.2f')} "
        f"at cost {r('points', c_out, 'decision_cost', fmt='d')}"
    )
    z = s["cheapest_zero_regret_out"]
    if z is None:
        s2 += ", and no agent has zero regret there."
    else:
        s2 += (f", and the cheapest agent with zero regret there is {r('points', z, 'agent')} at "
               f"{r('points', z, 'decision_cost', fmt='d')} operations.")
    return r.reading([s1, s2])


def cost_artifact(data: dict[str, Any]) -> Artifact:
    """The cost entry of a report: data, the two-panel figure, the CSV of points, reading.

    >>> data = cost_data("lava-train", "lava-test", ("argmax", "hybrid:depth=1"))
    >>> len(cost_artifact(data).tables["cost"])
    4
    """
    return Artifact(
        name="cost",
        title=f"Decision-time cost against regret ({data['train']} -> {data['test']})",
        data=data,
        figures=[("cost", cost_figure(data),
                  "True regret against decision-time cost (log scale), one point per agent and parameter, "
                  "in distribution (left) and out of distribution (right).")],
        tables={"cost": data["points"]},
        reading=cost_reading(data),
    )
