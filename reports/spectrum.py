r"""Where amortised optimisation sits: every agent in the planes (KL from the base, true return)
and (proxy return, true return), in distribution and under shift.

The figure tests the claim of Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022),
and the reply its readers received to *where between a quantiliser and an optimiser does
amortised optimisation lie?*: not between them but **on another axis** — an amortised
optimiser behaves like a direct optimiser on its training distribution and diverges, by an
amount no optimisation-pressure parameter controls, off it.

Setting: the lava distributional-shift pair (:data:`environments.shifts.LAYOUT_PAIRS`, by
default ``"lava"``: :func:`environments.gridworlds.lava_train` -> ``lava_test``, the lava moved
onto the training-optimal route) with an imperfect proxy: the proxy pays ``proxy_lava``
(default :data:`DEFAULT_PROXY_LAVA` = 20) for entering lava, the true reward -50, so that
moderate optimisation pressure on the proxy drifts towards the lava and the proxy's argmax on
the test layout dives into it. Every agent pursues ``"proxy"``; its true and proxy returns are
evaluated exactly (:func:`agents.base.behaviour_return`; float for the Boltzmann policies) and
its KL from the base policy is :func:`theory.metrics.trajectory_kl` against
:meth:`theory.policy.Policy.uniform` (uniform over the enabled actions; float).

- **in distribution** (``"train"``): run and evaluated on the training layout;
- **under shift** (``"shift"``): evaluated on the test layout; the direct agents (argmax,
  quantilisers, Boltzmann) plan on the test layout, the amortised agents are trained on the
  training layout (``train=``) and only evaluated on the test one.

Curves and their sources:

- the **quantiliser frontier**: the timestep quantiliser (registered ``"quantiliser"``) over q
  from 1 (the base policy itself) down to 1/64 (Taylor 2016, "Quantilizers", section 3);
- the **Boltzmann frontier**: :class:`agents.soft.Boltzmann` over beta from 0 (the base) up,
  the KL-regularised optimum of the proxy (Ziebart 2010; Levine 2018), closed by its limit
  beta -> infinity, the uniform policy over the argmax set (``Argmax(tie="uniform")``, exact);
- the **argmax** (registered ``"argmax"``) as one point;
- the **amortised agents** of :data:`AMORTISED`, each a curve over its training size:
  behaviour cloning (:class:`agents.TabularAmortised`) of the argmax and of a quantiliser, in
  the infinite-data limit and at a few sample sizes (Millidge 2022), and tabular Q-learning
  (registered ``"q-learning"``; Watkins 1989, Watkins and Dayan 1992) at several seeded
  sample sizes, with exploring starts and the learning rate 1/n**(4/5) (Even-Dar and Mansour
  2003): from the initial state alone, epsilon-greedy exploration almost never gets past the
  lava of the top row, and Q-learning learns to dive into it at every sample size.

The reading is computed from the data (:func:`frontier_side`, :func:`frontier_verdicts`): for
each amortised agent in distribution, on which side of each frontier it falls (its true return
against the frontier's true return at the same KL, linearly interpolated between the
frontier's points sorted by KL; "outside" the frontier's KL range when it is), and how far it
moves under shift (change of true return, exact where both returns are, and of KL).

Examples
--------
>>> data = spectrum_data(qs=("1", "1/4"), betas=(0.0, 1.0), samples=(100,))
>>> [c["label"] for c in data["curves"]][:3]
['quantiliser', 'boltzmann', 'argmax']
>>> data["curves"][2]["points"][0]["train"]["true_exact"]
'182195171/10000000'
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Union

from agents import Boltzmann, TabularAmortised, get
from agents.base import Agent, behaviour_return
from agents.direct import Argmax, Fixed
from agents.quantiliser import TimestepQuantiliser
from agents.registry import factory as registered_factory
from environments.shifts import LAYOUT_PAIRS
from reports.document import Artifact, Reader, Reading, exact, number_pair, value
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return, trajectory_kl
from theory.numbers import parse_number
from theory.policy import Policy
from theory.validation import check_beta, check_count

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_PROXY_LAVA",
    "DEFAULT_QS",
    "QUICK_QS",
    "DEFAULT_BETAS",
    "QUICK_BETAS",
    "DEFAULT_SAMPLES",
    "QUICK_SAMPLES",
    "REGIMES",
    "FRONTIERS",
    "AMORTISED",
    "AmortisedFactory",
    "behaviour_cloning",
    "frontier_side",
    "frontier_verdicts",
    "spectrum_data",
    "spectrum_figure",
    "spectrum_reading",
    "spectrum_artifact",
]

#: The proxy's reward for entering lava (the true reward is -50): 20 keeps the proxy's argmax
#: on the safe route in training but draws moderate pressure and the test layout's argmax into the lava.
DEFAULT_PROXY_LAVA = Fraction(20)
#: Quantile levels of the quantiliser frontier, full and quick (1 is the base policy).
DEFAULT_QS = ("1", "7/8", "3/4", "5/8", "1/2", "7/16", "3/8", "5/16", "1/4", "1/8", "1/64")
QUICK_QS = ("1", "3/4", "1/2", "3/8", "1/4", "1/64")
#: Inverse temperatures of the Boltzmann frontier, full and quick (0 is the base policy).
DEFAULT_BETAS = (0.0, 0.03, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0)
QUICK_BETAS = (0.0, 0.1, 0.3, 1.0, 3.0, 10.0)
#: Training sizes (sampled transitions or dataset draws) of the amortised agents, full and quick;
#: agents with an infinite-data limit also get that point.
DEFAULT_SAMPLES = (100, 500, 2000, 8000, 32000)
QUICK_SAMPLES = (500, 2000, 8000, 32000)
#: The two regimes: data key -> what it means.
REGIMES: dict[str, str] = {
    "train": "in distribution: run and evaluated on the training layout",
    "shift": "under shift: evaluated on the test layout (direct agents plan there; amortised agents "
             "are trained on the training layout)",
}
#: The frontier curves the reading compares the amortised agents with.
FRONTIERS = ("quantiliser", "boltzmann")

#: An amortised agent's factory: ``(train, samples, seed) -> Agent`` (samples None: the
#: infinite-data limit, offered when the factory's ``samples`` parameter defaults to None).
AmortisedFactory = Callable[..., Agent]


def behaviour_cloning(teacher: Agent | str) -> AmortisedFactory:
    """The factory of behaviour cloning of ``teacher``: :class:`agents.TabularAmortised` trained on
    ``train`` from ``samples`` draws (None: the exact infinite-data limit) with ``seed``, of the
    teacher's policy for "proxy" on ``train`` (computed once per ``train`` and handed over as an
    :class:`agents.direct.Fixed` teacher, which is what ``TabularAmortised(teacher=teacher)``
    computes).

    Source: Millidge (2022), amortised optimisation as imitation of a direct optimiser.

    >>> from environments import lava_train
    >>> agent = behaviour_cloning("argmax")(lava_train(), samples=100, seed=1)
    >>> agent.samples, agent.seed
    (100, 1)
    """

    taught: list[tuple[FiniteMDP, Agent]] = []  # the teacher's policy on the last train, run once

    def make(train: FiniteMDP, samples: int | None = None, seed: int = 0) -> Agent:
        if not taught or taught[0][0] is not train:
            taught[:] = [(train, Fixed(teacher_agent.run(train, "proxy").behaviour))]
        return TabularAmortised(teacher=taught[0][1], train=train, samples=samples, seed=seed, objective="proxy")

    teacher_agent = get(teacher) if isinstance(teacher, str) else teacher
    return make


#: The amortised agents of the figure, each ``(label, SPEC or factory)``: a registered SPEC is
#: given ``train=``, ``samples=`` (omitted for the infinite-data limit) and ``seed=``; a factory
#: is called as ``factory(train, samples=..., seed=...)``. An agent gets the infinite-data
#: point when its ``samples`` parameter defaults to None. Adding an agent is one line.
AMORTISED: tuple[tuple[str, Union[str, AmortisedFactory]], ...] = (
    ("BC of argmax", behaviour_cloning(Argmax())),
    ("BC of quantiliser q=1/2", behaviour_cloning(TimestepQuantiliser(q=Fraction(1, 2)))),
    ("Q-learning", "q-learning:starts=uniform,rate=4/5"),
    ("softmax-linear (BC of argmax)", "softmax-linear"),
    ("kNN k=3 (BC of argmax)", "knn:k=3"),
)


# -- evaluation ------------------------------------------------------------------------------


def _evaluate(mdp: FiniteMDP, behaviour: Any, who: str) -> dict[str, Any]:
    """KL from the uniform base, true and proxy return of a policy on ``mdp`` (exact beside float)."""
    if not isinstance(behaviour, Policy):
        raise InvalidArgument(f"agent {who!r} gives a {type(behaviour).__name__}, not a Policy; "
                              "its KL from the base policy is not defined here")
    model = mdp if behaviour.exact == mdp.exact else mdp.to_float()
    kl = trajectory_kl(model, behaviour, Policy.uniform(model))
    return {"kl": value(kl), **number_pair("true", behaviour_return(model, behaviour, "true")),
            **number_pair("proxy", behaviour_return(model, behaviour, "proxy"))}


def _direct_point(agent: Agent, spec: str, parameter: Any, train: FiniteMDP, test: FiniteMDP) -> dict[str, Any]:
    """A direct agent planning on each layout: its parameter and both regimes' numbers."""
    return {"agent": spec, "parameter": value(parameter), "parameter_exact": exact(parameter),
            "train": _evaluate(train, agent.run(train, "proxy").behaviour, spec),
            "shift": _evaluate(test, agent.run(test, "proxy").behaviour, spec)}


def _direct_curves(train: FiniteMDP, test: FiniteMDP, qs: Sequence[Fraction],
                   betas: Sequence[float]) -> list[dict[str, Any]]:
    """The quantiliser and Boltzmann frontiers and the argmax point."""
    quantiliser = [_direct_point(get("quantiliser", q=q), f"quantiliser:q={q}", q, train, test) for q in qs]
    boltzmann = [_direct_point(Boltzmann(beta=b), f"boltzmann:beta={b:g}", b, train, test) for b in betas]
    # beta -> infinity: the uniform policy over the argmax set of Q* (agents.soft.Boltzmann), exact
    boltzmann.append(_direct_point(Argmax(tie="uniform"), "argmax:tie=uniform", float("inf"), train, test))
    argmax = [_direct_point(get("argmax"), "argmax", None, train, test)]
    return [
        {"label": "quantiliser", "kind": "frontier", "parameter": "q", "points": quantiliser},
        {"label": "boltzmann", "kind": "frontier", "parameter": "beta", "points": boltzmann},
        {"label": "argmax", "kind": "direct", "parameter": None, "points": argmax},
    ]


def _make_amortised(entry: Union[str, AmortisedFactory], train: FiniteMDP, samples: int | None,
                    seed: int) -> Agent:
    """The agent of an :data:`AMORTISED` entry trained on ``train`` from ``samples`` with ``seed``."""
    if isinstance(entry, str):
        sized = {} if samples is None else {"samples": samples}
        return get(entry, train=train, seed=seed, **sized)
    return entry(train, samples=samples, seed=seed)


def _has_limit(entry: Union[str, AmortisedFactory]) -> bool:
    """Whether the entry's ``samples`` parameter defaults to None (the infinite-data limit)."""
    make = registered_factory(entry.split(":")[0])[1] if isinstance(entry, str) else entry
    parameter = inspect.signature(make).parameters.get("samples")
    return parameter is not None and parameter.default is None


def _amortised_curves(train: FiniteMDP, test: FiniteMDP, samples: Sequence[int], seed: int,
                      amortised: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """Per amortised agent, its points over the training sizes (the limit first when it has one)."""
    curves = []
    for label, entry in amortised:
        sizes: list[int | None] = ([None] if _has_limit(entry) else []) + list(samples)
        points = []
        for n in sizes:
            agent = _make_amortised(entry, train, n, seed)
            who = f"{label} ({'infinite data' if n is None else f'{n} samples'})"
            points.append({"samples": n, "train": _evaluate(train, agent.run(train, "proxy").behaviour, who),
                           "shift": _evaluate(test, agent.run(test, "proxy").behaviour, who)})
        curves.append({"label": label, "kind": "amortised", "parameter": "samples", "seed": seed,
                       "points": points})
    return curves


# -- the reading's verdicts ------------------------------------------------------------------

#: Relative tolerance of "on the frontier" (the KL and the Boltzmann returns are floats).
_ON = 1e-9


def frontier_side(kl: float, true: float, frontier: Sequence[tuple[float, float]]) -> dict[str, Any]:
    """On which side of a frontier the point (``kl``, ``true``) falls.

    The frontier is its points ``(kl, true)`` sorted by KL (stable: equal KLs keep their
    order), joined by straight segments; its true return at ``kl`` is the linear
    interpolation on every segment whose KL interval contains ``kl`` (a vertical segment, two
    points at one KL, gives an interval). ``side``: "above" when ``true`` exceeds all of them,
    "below" when it is under all of them, "on" otherwise (within a relative tolerance of 1e-9),
    "outside" when ``kl`` is outside the frontier's KL range. Also ``frontier_true`` (the
    interpolated value nearest to ``true``; None when outside) and ``gap`` = true -
    frontier_true, ``distance`` = |gap|.

    >>> frontier_side(1.0, 3.0, [(0.0, 0.0), (2.0, 4.0)])
    {'side': 'above', 'frontier_true': 2.0, 'gap': 1.0, 'distance': 1.0}
    >>> frontier_side(3.0, 0.0, [(0.0, 0.0), (2.0, 4.0)])["side"]
    'outside'
    """
    points = sorted(((float(k), float(t)) for k, t in frontier), key=lambda p: p[0])
    if not points:
        raise InvalidArgument("frontier is empty; give at least one (kl, true) point")
    kl, true = float(kl), float(true)
    if kl < points[0][0] or kl > points[-1][0]:
        return {"side": "outside", "frontier_true": None, "gap": None, "distance": None}
    at = [t for k, t in points if k == kl]
    for (k0, t0), (k1, t1) in zip(points, points[1:]):
        if k0 < kl < k1:
            at.append(t0 + (t1 - t0) * (kl - k0) / (k1 - k0))
    lo, hi = min(at), max(at)
    tolerance = _ON * max(1.0, abs(true))
    if true > hi + tolerance:
        side, nearest = "above", hi
    elif true < lo - tolerance:
        side, nearest = "below", lo
    else:
        side, nearest = "on", min(max(true, lo), hi)
    gap = true - nearest
    return {"side": side, "frontier_true": nearest, "gap": gap, "distance": abs(gap)}


def _move(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """The change of true return, proxy return (exact where both are) and KL from ``before`` to ``after``."""
    out: dict[str, Any] = {"kl": after["kl"] - before["kl"]}
    for key in ("true", "proxy"):
        a, b = after[f"{key}_exact"], before[f"{key}_exact"]
        if a is not None and b is not None:
            out.update(number_pair(key, parse_number(a) - parse_number(b)))
        else:
            out.update({key: after[key] - before[key], f"{key}_exact": None})
    return out


def frontier_verdicts(curves: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Per amortised curve of ``curves`` (``kind == "amortised"``) and per point: its side of
    every frontier curve (``kind == "frontier"``) in each regime (:func:`frontier_side`), and
    its ``move`` from in distribution to under shift (:func:`_move`: true, proxy, KL).
    ``read``: the point the reading states (the infinite-data limit, else the largest size).

    >>> frontier = {"label": "f", "kind": "frontier", "points": [
    ...     {"train": {"kl": 0.0, "true": 0.0}, "shift": {"kl": 0.0, "true": 0.0}},
    ...     {"train": {"kl": 2.0, "true": 4.0}, "shift": {"kl": 2.0, "true": 4.0}}]}
    >>> agent = {"label": "a", "kind": "amortised", "points": [{"samples": None,
    ...     "train": {"kl": 1.0, "true": 1.0, "true_exact": "1", "proxy": 1.0, "proxy_exact": "1"},
    ...     "shift": {"kl": 1.5, "true": 5.0, "true_exact": "5", "proxy": 0.5, "proxy_exact": "1/2"}}]}
    >>> v = frontier_verdicts([frontier, agent])[0]
    >>> v["points"][0]["train"]["f"]["side"], v["points"][0]["shift"]["f"]["side"], v["points"][0]["move"]["true_exact"]
    ('below', 'above', '4')
    """
    frontiers = [c for c in curves if c["kind"] == "frontier"]
    out = []
    for index, curve in enumerate(curves):
        if curve["kind"] != "amortised":
            continue
        points = []
        for p in curve["points"]:
            entry: dict[str, Any] = {"samples": p["samples"]}
            for regime in REGIMES:
                entry[regime] = {f["label"]: frontier_side(p[regime]["kl"], p[regime]["true"],
                                                           [(q[regime]["kl"], q[regime]["true"]) for q in f["points"]])
                                 for f in frontiers}
            entry["move"] = _move(p["train"], p["shift"])
            points.append(entry)
        sizes = [p["samples"] for p in curve["points"]]
        read = sizes.index(None) if None in sizes else max(range(len(sizes)), key=lambda i: (sizes[i], -i))
        out.append({"label": curve["label"], "curve": index, "read": read, "points": points})
    return out


# -- the data --------------------------------------------------------------------------------


def _check_args(layouts: Any, qs: Sequence[Any], betas: Sequence[Any], samples: Sequence[Any],
                seed: Any) -> tuple[list[Fraction], list[float], list[int], int]:
    """The checked quantile levels, inverse temperatures, training sizes and seed."""
    if layouts not in LAYOUT_PAIRS:
        raise InvalidArgument(f"layouts is {layouts!r}, not one of {sorted(LAYOUT_PAIRS)}")
    for name, values in (("qs", qs), ("betas", betas), ("samples", samples)):
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
            raise InvalidArgument(f"{name} is {values!r}, not a non-empty list")
    q_values = [parse_number(q, f"qs[{i}]") for i, q in enumerate(qs)]
    for i, q in enumerate(q_values):
        if not 0 < q <= 1:
            raise InvalidArgument(f"qs[{i}] is {q}, not in (0, 1]")
    beta_values = [check_beta(b, f"betas[{i}]") for i, b in enumerate(betas)]
    sizes = [check_count(n, f"samples[{i}]", 1) for i, n in enumerate(samples)]
    return q_values, beta_values, sizes, check_count(seed, "seed", 0)


def spectrum_data(
    layouts: str = "lava",
    proxy_lava: Any = DEFAULT_PROXY_LAVA,
    qs: Sequence[Any] | None = None,
    betas: Sequence[Any] | None = None,
    samples: Sequence[Any] | None = None,
    seed: int = 0,
    quick: bool = False,
    amortised: Sequence[tuple[str, Any]] = AMORTISED,
    **params: Any,
) -> dict[str, Any]:
    r"""The data of the spectrum figure (see the module docstring).

    - ``curves``: the quantiliser and Boltzmann frontiers (``kind`` "frontier"), the argmax
      (``kind`` "direct") and one curve per amortised agent of ``amortised`` (``kind``
      "amortised", over ``samples``; None: the infinite-data limit). Each point holds, for
      ``train`` (in distribution) and ``shift`` (under shift), ``kl`` (float), ``true`` and
      ``proxy`` with their exact ``"p/q"`` strings (None for float policies);
    - ``verdicts``: :func:`frontier_verdicts` of the curves;
    - ``optimum``: :math:`J^*_{true}` of each layout, exact beside float;
    - ``summary``: the indices of the frontiers, the argmax and the amortised curves.

    ``proxy_lava``: the proxy's lava reward (default :data:`DEFAULT_PROXY_LAVA`); ``qs``,
    ``betas``, ``samples``: the grids (default :data:`DEFAULT_QS`, :data:`DEFAULT_BETAS`,
    :data:`DEFAULT_SAMPLES`, or the ``QUICK_`` ones with ``quick``); ``seed``: the seed of
    every sampled training set; ``params`` go to both layout builders (``slip``, ``discount``,
    ``horizon``).

    Sources: Millidge (2022); Taylor (2016); Ziebart (2010); Watkins (1989).
    """
    q_values, beta_values, sizes, seed = _check_args(
        layouts, qs if qs is not None else (QUICK_QS if quick else DEFAULT_QS),
        betas if betas is not None else (QUICK_BETAS if quick else DEFAULT_BETAS),
        samples if samples is not None else (QUICK_SAMPLES if quick else DEFAULT_SAMPLES), seed)
    make_train, make_test = LAYOUT_PAIRS[layouts]
    for builder in (make_train, make_test):
        known = [p for p in inspect.signature(builder).parameters if p != "proxy_lava"]
        for key in params:
            if key not in known:
                raise InvalidArgument(f"layout parameter {key!r} is not one of {builder.__name__}'s "
                                      f"({', '.join(known)})")
    train, test = make_train(proxy_lava=proxy_lava, **params), make_test(proxy_lava=proxy_lava, **params)
    curves = _direct_curves(train, test, q_values, beta_values)
    curves += _amortised_curves(train, test, sizes, seed, amortised)
    kinds = [c["kind"] for c in curves]
    return {
        "figure": "spectrum",
        "layouts": layouts,
        "train": make_train.__name__,
        "test": make_test.__name__,
        "objective": "proxy",
        "base": "uniform over the enabled actions",
        "params": {"proxy_lava": str(parse_number(proxy_lava, "proxy_lava")), **{k: str(v) for k, v in params.items()}},
        "regimes": dict(REGIMES),
        "optimum": {"train": number_pair("true", optimal_return(train, "true")),
                    "shift": number_pair("true", optimal_return(test, "true"))},
        "curves": curves,
        "verdicts": frontier_verdicts(curves),
        "summary": {"frontiers": [i for i, k in enumerate(kinds) if k == "frontier"],
                    "argmax": kinds.index("direct"),
                    "amortised": [i for i, k in enumerate(kinds) if k == "amortised"]},
    }


# -- the figure ------------------------------------------------------------------------------

_FRONTIER_STYLE = {"quantiliser": ("tab:blue", "s"), "boltzmann": ("tab:orange", "o")}
_AMORTISED_STYLE = [("tab:green", "^"), ("tab:purple", "v"), ("tab:brown", "D"), ("tab:pink", "P"),
                    ("tab:olive", "X"), ("tab:cyan", "<")]


def _size_text(n: Any) -> str:
    return "∞" if n is None else str(n)


def spectrum_figure(data: Mapping[str, Any]) -> "Figure":
    """Four panels: columns in distribution and under shift; rows (KL from the base, true
    return) and (proxy return, true return, with the line true = proxy). Frontiers as lines,
    the argmax as a star, each amortised agent as a dashed curve over its training sizes
    (labelled; ∞ is the infinite-data limit). Returns a matplotlib Figure.

    >>> data = spectrum_data(qs=("1", "1/4"), betas=(0.0, 1.0), samples=(100,))
    >>> fig = spectrum_figure(data)
    >>> len(fig.axes), len(fig.axes[0].get_lines())
    (4, 9)
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 9), layout="constrained")
    axes = fig.subplots(2, 2, sharey=True)
    titles = {"train": f"in distribution ({data['train']})", "shift": f"under shift ({data['test']}; "
              f"amortised agents trained on {data['train']})"}
    for col, regime in enumerate(REGIMES):
        for row, x in enumerate(("kl", "proxy")):
            ax = axes[row, col]
            if x == "proxy":
                ends = [p[regime][k] for c in data["curves"] for p in c["points"] for k in ("true", "proxy")]
                ax.plot([min(ends), max(ends)], [min(ends), max(ends)], color="0.7", lw=0.8, ls=":",
                        label="true = proxy")
            a = 0
            for curve in data["curves"]:
                xs = [p[regime][x] for p in curve["points"]]
                ys = [p[regime]["true"] for p in curve["points"]]
                if curve["kind"] == "frontier":
                    colour, marker = _FRONTIER_STYLE.get(curve["label"], ("k", "."))
                    ax.plot(xs, ys, color=colour, marker=marker, ms=4, label=f"{curve['label']} frontier")
                elif curve["kind"] == "direct":
                    ax.plot(xs, ys, color="tab:red", marker="*", ms=14, ls="", label=curve["label"])
                else:
                    colour, marker = _AMORTISED_STYLE[a % len(_AMORTISED_STYLE)]
                    a += 1
                    ax.plot(xs, ys, color=colour, marker=marker, ms=7, ls="--", lw=1, alpha=0.85,
                            label=curve["label"])
                    for p, px, py in zip(curve["points"], xs, ys):
                        ax.annotate(_size_text(p["samples"]), (px, py), fontsize=6, color=colour,
                                    xytext=(4, 3), textcoords="offset points")
            ax.axhline(data["optimum"][regime]["true"], color="0.5", lw=0.8, ls="-.")
            ax.set_xlabel("KL(π ‖ uniform) over trajectories" if x == "kl" else "proxy return")
            if col == 0:
                ax.set_ylabel("true return")
            ax.set_title(titles[regime], fontsize=10)
            ax.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=7, loc="best")
    fig.suptitle(f"Where amortised optimisation sits ({data['layouts']}, proxy lava reward "
                 f"{data['params']['proxy_lava']}; dash-dot: optimal true return)", fontsize=11)
    return fig


# -- the reading -----------------------------------------------------------------------------


def _side_words(r: Reader, v: int, j: int, regime: str, frontier: str) -> str:
    """"above the quantiliser frontier by 1.23", "on ...", "outside ...'s KL range", with facts."""
    path = ("verdicts", v, "points", j, regime, frontier)
    side = r.get(*path, "side")
    if side == "outside":
        return f"outside the {frontier} frontier's KL range"
    if side == "on":
        return f"on the {frontier} frontier"
    return f"{side} the {frontier} frontier by {r(*path, 'distance', fmt='.2f')}"


def _size_words(r: Reader, curve: int, j: int) -> str:
    if r.get("curves", curve, "points", j, "samples") is None:
        return "infinite data"
    return f"{r('curves', curve, 'points', j, 'samples', fmt='d')} samples"


def spectrum_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences computed from the data: where each amortised agent (at the point
    ``verdicts[i]["read"]``) falls in distribution against each frontier, beside the argmax; how
    far its true return and KL move under shift, beside the argmax re-planning on the test layout.

    >>> data = spectrum_data(qs=("1", "1/4"), betas=(0.0, 1.0), samples=(100,))
    >>> spectrum_reading(data).sentences[0][:96]
    'In distribution (lava_train, proxy lava reward 20), BC of argmax (infinite data) has true return'
    """
    r = Reader(data)
    k = data["summary"]["argmax"]
    frontiers = [data["curves"][i]["label"] for i in data["summary"]["frontiers"]]
    placed, moved = [], []
    for v, verdict in enumerate(data["verdicts"]):
        c, j = verdict["curve"], verdict["read"]
        point = ("curves", c, "points", j)
        sides = " and ".join(_side_words(r, v, j, "train", f) for f in frontiers)
        placed.append(f"{verdict['label']} ({_size_words(r, c, j)}) has true return "
                      f"{r(*point, 'train', 'true', fmt='.2f')} at KL {r(*point, 'train', 'kl', fmt='.2f')}, "
                      f"{sides}")
        move = ("verdicts", v, "points", j, "move")
        moved.append(f"{verdict['label']} moves by {r(*move, 'true', fmt='.2f')} in true return (to "
                     f"{r(*point, 'shift', 'true', fmt='.2f')}) and by {r(*move, 'kl', fmt='.2f')} in KL")
    s1 = (f"In distribution ({r('train')}, proxy lava reward {r('params', 'proxy_lava')}), " + "; ".join(placed)
          + f"; the argmax has {r('curves', k, 'points', 0, 'train', 'true', fmt='.2f')} at KL "
            f"{r('curves', k, 'points', 0, 'train', 'kl', fmt='.2f')}.")
    s2 = (f"Under shift ({r('test')}, amortised agents trained on {data['train']}), " + "; ".join(moved)
          + f", while the argmax, re-planning on {data['test']}, has true return "
            f"{r('curves', k, 'points', 0, 'shift', 'true', fmt='.2f')} of the optimal "
            f"{r('optimum', 'shift', 'true', fmt='.2f')}.")
    return r.reading([s1, s2])


def spectrum_artifact(data: dict[str, Any]) -> Artifact:
    """The spectrum entry of a report: data, the four-panel figure, the CSV of every point (one
    row per curve, point and regime) and the reading.

    >>> data = spectrum_data(qs=("1", "1/4"), betas=(0.0, 1.0), samples=(100,))
    >>> art = spectrum_artifact(data)
    >>> points = sum(len(c["points"]) for c in data["curves"])
    >>> [stem for stem, _, _ in art.figures], len(art.tables["spectrum"]) == 2 * points
    (['spectrum'], True)
    """
    rows = []
    for curve in data["curves"]:
        for p in curve["points"]:
            setting = p.get("agent") or f"{curve['label']} ({_size_text(p.get('samples'))})"
            for regime in REGIMES:
                rows.append({"curve": curve["label"], "kind": curve["kind"], "agent": setting,
                             "regime": regime, **p[regime]})
    return Artifact(
        name="spectrum",
        title=f"Where amortised optimisation sits ({data['layouts']})",
        data=data,
        figures=[("spectrum", spectrum_figure(data),
                  "Every agent in the planes (KL from the uniform base, true return) and (proxy return, "
                  "true return), in distribution (left) and under shift (right): the quantiliser and "
                  "Boltzmann frontiers, the argmax, and the amortised agents over their training size "
                  "(∞: infinite-data limit).")],
        tables={"spectrum": rows},
        reading=spectrum_reading(data),
    )
