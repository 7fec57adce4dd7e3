r"""Amortised agents off their training distribution: fallbacks, feature policies and Q-learning.

Millidge (2022) calls a policy network or a model-free RL agent an *amortised* optimiser: it
learns a map from observations to actions on a training distribution and at decision time only
evaluates it. Off that distribution its behaviour is whatever the map extrapolates to. This
report runs the amortised agents of deconfuse side by side in two settings, each agent trained
on the setting's *training* MDP and then acting, with no further planning, *in distribution*
(on the training MDP) and *under shift* (on the test MDP); every return is exact.

- **lava shift** (Leike et al. 2017, ``distributional_shift.py``): trained on ``lava-train``,
  acting on ``lava-test``, where the lava has moved onto the training-optimal route. Both
  layouts observe ``observe=view`` (the cell and the symbols of its four neighbours), so the
  cells beside the moved lava are observations no training state had.
- **reward gaming** (the tomato grid, after ``tomato_watering.py``): every agent pursues the
  *proxy*, which pays for sitting on the bucket tile; trained on the deterministic grid and
  acting on the same grid with slippery moves (``slip``), so that the agent is pushed into
  cells its training data never reached.

The agents (:data:`DEFAULT_AGENTS`): the direct optimiser (argmax, re-planning on the MDP it
acts in, for reference), behaviour cloning of the argmax by a lookup table with each fallback
for an unseen observation ("uniform", "nearest" by features, "base": re-planning), the
feature-generalising policies (softmax-linear, stochastic and greedy; k-nearest-neighbours)
and tabular Q-learning from sampled proxy rewards, with episodes starting where the MDP starts
and with exploring starts and a polynomial learning rate.

Sources: Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022); Leike et al.,
"AI Safety Gridworlds" (2017); Watkins (1989) for Q-learning.

Examples
--------
>>> data = amortised_data(agents=("argmax", "amortised:fallback=uniform"), settings=("lava",))
>>> [(p["agent"], p["where"], p["regret_exact"]) for p in data["settings"][0]["points"]][:3]
[('argmax', 'in', '0'), ('amortised:fallback=uniform', 'in', '0'), ('argmax', 'shift', '0')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import environments
from agents import parse_specs
from agents.compare import compare
from reports.document import Artifact, Reader, Reading, number_pair
from theory.errors import InvalidArgument
from theory.validation import check_choice

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_AGENTS", "SETTINGS", "amortised_data", "amortised_figure", "amortised_reading",
           "amortised_artifact"]

#: The agents of the report (SPECs; amortised ones are trained on each setting's training MDP).
DEFAULT_AGENTS: tuple[str, ...] = (
    "argmax",
    "amortised:fallback=uniform",
    "amortised:fallback=nearest",
    "amortised:fallback=base,base=argmax",
    "softmax-linear",
    "softmax-linear:greedy=true",
    "knn:k=3",
    "q-learning:samples=20000",
    "q-learning:samples=20000,starts=uniform,rate=4/5",
)

#: The settings: name -> (title, objective, training environment and parameters, test environment
#: and parameters).
SETTINGS: dict[str, tuple[str, str, tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
    "lava": ("lava shift", "proxy", ("lava-train", {"observe": "view"}), ("lava-test", {"observe": "view"})),
    "tomato": ("reward gaming", "proxy", ("tomato", {}), ("tomato", {"slip": Fraction(1, 5)})),
}


def _label(name: str, params: Mapping[str, Any]) -> str:
    return name + (":" + ",".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _setting_data(name: str, specs_text: Sequence[str]) -> dict[str, Any]:
    """One setting's points: every agent in distribution ("in") and under shift ("shift")."""
    title, objective, (train_name, train_params), (test_name, test_params) = SETTINGS[name]
    train = environments.get(train_name, **train_params)
    test = environments.get(test_name, **test_params)
    specs = parse_specs(",".join(specs_text), train=train)
    points = []
    optimum: dict[str, Any] = {}
    for where, mdp in (("in", train), ("shift", test)):
        rows = compare(mdp, specs, objective=objective)
        optimum.update(number_pair(f"optimum_{where}", rows[0].true_return + rows[0].true_regret))
        for row in rows:
            info = row.result.info
            points.append({
                "agent": row.spec,
                "family": row.spec.split(":")[0],
                "where": where,
                **number_pair("true", row.true_return),
                **number_pair("objective", row.objective_return),
                **number_pair("regret", row.true_regret),
                "unseen": len(info.get("unseen", ())) if isinstance(info, Mapping) else 0,
                "decision_cost": row.cost.decision_total,
                "training_cost": row.cost.training,
                "samples": row.cost.samples,
            })
    return {"name": name, "title": title, "objective": objective, "train": _label(train_name, train_params),
            "test": _label(test_name, test_params), "agents": [s for s, _ in specs], **optimum, "points": points,
            "summary": _summary(points, len(specs))}


def _summary(points: Sequence[Mapping[str, Any]], n: int) -> dict[str, Any]:
    """Indices of the shifted points (one per agent, in agent order), of the worst and the best
    non-argmax agent under shift, and the number of distinct shifted true returns among the
    amortised agents (how differently they extrapolate)."""
    shifted = list(range(n, 2 * n))
    amortised = [i for i in shifted if points[i]["family"] != "argmax"]
    key = [(Fraction(points[i]["true_exact"]) if points[i]["true_exact"] is not None else points[i]["true"])
           for i in range(len(points))]
    return {
        "shift": shifted,
        "worst": min(amortised, key=lambda i: (key[i], i)) if amortised else None,
        "best": max(amortised, key=lambda i: (key[i], -i)) if amortised else None,
        "distinct": len({round(float(key[i]), 9) for i in amortised}),
    }


def amortised_data(agents: Sequence[str] = DEFAULT_AGENTS, settings: Sequence[str] = tuple(SETTINGS)) -> dict[str, Any]:
    """The data of the report: per setting of :data:`SETTINGS` (``settings``), its ``title``,
    ``objective``, ``train`` and ``test`` MDPs, the optimal true return of each
    (``optimum_in``, ``optimum_shift``, exact beside float), and ``points``: for every agent (SPECs
    ``agents``, trained on the training MDP) and place (``"in"``: acting on the training MDP,
    ``"shift"``: on the test MDP), the ``true`` and ``objective`` returns and the true
    ``regret`` (exact beside float where exact), the number of ``unseen`` states (observations
    absent from the training data, for the lookup tables), the decision-time and training cost
    and the samples drawn; ``summary``: the shifted points, the worst and best amortised agent
    there and how many distinct true returns the amortised agents reach under shift.

    Source: Millidge (2022).
    """
    specs = [s.strip() for s in agents if s.strip()]
    if not specs:
        raise InvalidArgument("agents is empty; give at least one SPEC")
    if not settings:
        raise InvalidArgument("settings is empty; give at least one of " + ", ".join(SETTINGS))
    names = [check_choice(s, "setting", tuple(SETTINGS)) for s in settings]
    return {"figure": "amortised", "settings": [_setting_data(name, specs) for name in names]}


def amortised_figure(data: Mapping[str, Any]) -> "Figure":
    """One panel per setting: every agent's true return in distribution and under shift, as
    paired horizontal bars. Returns a matplotlib Figure.

    >>> data = amortised_data(agents=("argmax", "amortised:fallback=uniform"), settings=("lava",))
    >>> len(amortised_figure(data).axes)
    1
    """
    from matplotlib.figure import Figure

    panels = data["settings"]
    height = 0.45 * max(len(s["agents"]) for s in panels) + 1.5
    fig = Figure(figsize=(3.2 + 4.2 * len(panels), height), layout="constrained")
    axes = fig.subplots(1, len(panels), squeeze=False, sharey=True)[0]
    for ax, setting in zip(axes, panels):
        n = len(setting["agents"])
        ys = range(n)
        inside = [p["true"] for p in setting["points"][:n]]
        shifted = [p["true"] for p in setting["points"][n:]]
        ax.barh([y + 0.2 for y in ys], inside, height=0.4, color="tab:blue", label="in distribution")
        ax.barh([y - 0.2 for y in ys], shifted, height=0.4, color="tab:red", label="under shift")
        ax.set_yticks(list(ys), setting["agents"], fontsize=8)
        ax.axvline(0, color="0.3", lw=0.6)
        ax.axvline(setting["optimum_in"], color="tab:blue", lw=0.8, ls="--")
        ax.axvline(setting["optimum_shift"], color="tab:red", lw=0.8, ls="--")
        ax.set_xlabel("true return (exact; dashed: the optimum)")
        ax.set_title(f"{setting['title']}\ntrained on {setting['train']}\nacting on {setting['test']}", fontsize=9)
        ax.grid(alpha=0.3, axis="x")
        ax.legend(fontsize=8, loc="best")
    axes[0].invert_yaxis()
    return fig


def _setting_sentence(r: Reader, k: int, setting: Mapping[str, Any]) -> str:
    n = len(setting["agents"])
    parts = ", ".join(
        f"{r('settings', k, 'points', n + i, 'agent')} {r('settings', k, 'points', n + i, 'true', fmt='.2f')}"
        for i in range(n)
    )
    s = setting["summary"]
    text = (f"Under the {r('settings', k, 'title')} ({r('settings', k, 'train')} -> {r('settings', k, 'test')}, "
            f"pursuing the {r('settings', k, 'objective')}), the true returns are: {parts}, of the optimal "
            f"{r('settings', k, 'optimum_shift', fmt='.2f')}")
    if s["worst"] is not None:
        text += (f"; the amortised agents reach {r('settings', k, 'summary', 'distinct', fmt='d')} distinct values, "
                 f"from {r('settings', k, 'points', s['worst'], 'agent')} "
                 f"({r('settings', k, 'points', s['worst'], 'true', fmt='.2f')}) to "
                 f"{r('settings', k, 'points', s['best'], 'agent')} "
                 f"({r('settings', k, 'points', s['best'], 'true', fmt='.2f')})")
    return text + "."


def amortised_reading(data: Mapping[str, Any]) -> Reading:
    """One sentence per setting: every agent's true return under shift against the optimum there,
    and the spread of the amortised agents.

    >>> data = amortised_data(agents=("argmax", "amortised:fallback=uniform"), settings=("lava",))
    >>> amortised_reading(data).sentences[0].split(":")[0]
    'Under the lava shift (lava-train'
    """
    r = Reader(data)
    return r.reading([_setting_sentence(r, k, s) for k, s in enumerate(data["settings"])])


def amortised_artifact(data: dict[str, Any]) -> Artifact:
    """The report entry: data, the figure, one CSV of all points, the reading.

    >>> data = amortised_data(agents=("argmax",), settings=("lava",))
    >>> len(amortised_artifact(data).tables["amortised"])
    2
    """
    rows = [{"setting": s["name"], **p} for s in data["settings"] for p in s["points"]]
    return Artifact(
        name="amortised",
        title="Amortised agents off their training distribution",
        data=data,
        figures=[("amortised", amortised_figure(data),
                  "True return of each agent trained on the training MDP, acting in distribution (blue) and "
                  "under shift (red): the lava shift and the reward-gaming grid.")],
        tables={"amortised": rows},
        reading=amortised_reading(data),
    )
