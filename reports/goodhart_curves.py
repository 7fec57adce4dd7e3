r"""Goodhart curves: expected proxy and true return of four agent families against pressure.

On one environment whose proxy comes from a named error model (Manheim & Garrabrant 2018;
:data:`environments.proxy_errors.ERROR_MODELS`), four families are swept along their optimisation
pressure, each pursuing the proxy:

- the per-state **quantiliser** (:class:`agents.TimestepQuantiliser`, uniform base) over a
  grid of q, pressure :math:`-\log q`;
- per-state **best-of-n** (:class:`agents.BestOfN`, uniform base), pressure :math:`\log n`;
- the **Boltzmann** optimiser (:class:`agents.Boltzmann`), pressure :math:`\beta`;
- **lookahead** search (:class:`agents.Lookahead`), pressure the depth.

Every point is the policy's exact expected proxy and true return (floats for Boltzmann, whose
policy is irrational) and its KL divergence from the uniform base policy
(:func:`theory.metrics.trajectory_kl`: the one-shot KL on a horizon-1 problem, the discounted
chain-rule sum on a discounted one). The curve of each family is a
:class:`theory.goodhart.GoodhartCurve`, classified by :func:`theory.goodhart.is_goodharting`
with its peak (:func:`theory.goodhart.peak`) and normalised drop height.

A second panel draws the true-return gain over the base, :math:`J_{true}(\pi) -
J_{true}(\pi_0)`, against :math:`d = \sqrt{KL(\pi \| \pi_0)}`, with the least-squares fit of
Gao, Schulman & Hilton's best-of-n shape :math:`R(d) = d(\alpha - \beta d)` (:func:`theory.fits.gao_fit`,
re-exported here) to the best-of-n points, with its centred R² (and the uncentred one, so labelled).

Sources: Gao, Schulman & Hilton, "Scaling Laws for Reward Model Overoptimization" (2022/2023),
the functional form; Karwowski et al., "Goodhart's Law in Reinforcement Learning" (ICLR 2024),
true return against optimisation pressure.

Examples
--------
>>> data = goodhart_curves_data("bandit", "regressional-light", params={"k": 3, "seed": 0}, seed=0,
...                             qs=("1", "1/2"), ns=(1, 2, 4), betas=(0, 1), depths=(1,))
>>> [f["family"] for f in data["families"]]
['quantiliser', 'best-of-n', 'Boltzmann', 'lookahead']
>>> data["families"][0]["points"][1]["parameter"], data["families"][0]["points"][1]["pressure"] > 0
('1/2', True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

import environments
from agents import BestOfN, Boltzmann, Lookahead, TimestepQuantiliser
from agents.base import behaviour_return
from agents.direct import Argmax
from environments.proxy_errors import ERROR_MODELS
from reports.document import Artifact, Reader, Reading, exact, format_fact, number_pair
from theory.errors import InvalidArgument
from theory.fits import gao_fit
from theory.goodhart import drop_height, goodhart_curve, is_goodharting, peak, true_return_range
from theory.mdp import FiniteMDP
from theory.metrics import trajectory_kl
from theory.numbers import parse_number
from theory.policy import Policy

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = [
    "DEFAULT_ENVIRONMENT",
    "DEFAULT_PARAMS",
    "DEFAULT_ERROR_MODEL",
    "DEFAULT_SEED",
    "DEFAULT_QS",
    "DEFAULT_NS",
    "DEFAULT_BETAS",
    "DEFAULT_DEPTHS",
    "FAMILIES",
    "gao_fit",
    "goodhart_mdp",
    "goodhart_curves_data",
    "goodhart_curves_figure",
    "goodhart_curves_reading",
    "goodhart_curves_artifact",
]

#: The default environment: a random MDP with 5 states and 4 actions (seed 3), discount 9/10,
#: whose regressional proxy makes every family Goodhart.
DEFAULT_ENVIRONMENT = "random"
DEFAULT_PARAMS: dict[str, Any] = {"S": 5, "A": 4, "seed": 3}
DEFAULT_ERROR_MODEL = "regressional-light"
#: Seed of the error model.
DEFAULT_SEED = 3
DEFAULT_QS = ("1", "3/4", "1/2", "2/5", "1/3", "2/7", "1/4", "1/6", "1/8", "1/16")
DEFAULT_NS = (1, 2, 3, 4, 6, 8, 12, 16, 32, 64)
DEFAULT_BETAS = (0, 0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 16, 32, 64)
DEFAULT_DEPTHS = (1, 2, 3, 4, 5, 6, 8, 10, 12)

#: (family, parameter name, pressure name) of the four families, in plotting order.
FAMILIES = (
    ("quantiliser", "q", "-log q"),
    ("best-of-n", "n", "log n"),
    ("Boltzmann", "beta", "beta"),
    ("lookahead", "depth", "depth"),
)


def goodhart_mdp(
    environment: str = DEFAULT_ENVIRONMENT,
    error_model: str | None = DEFAULT_ERROR_MODEL,
    params: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
) -> FiniteMDP:
    """The environment ``environment`` (registry name, with ``params``; the default random MDP
    takes :data:`DEFAULT_PARAMS`) with its proxy set by the error model ``error_model`` (a
    name of :data:`environments.proxy_errors.ERROR_MODELS`, seeded with ``seed``); ``None`` or
    ``"none"`` keeps the environment's own proxy.

    >>> goodhart_mdp("bandit", "none", {"k": 3}).A
    3
    """
    if params is None:
        params = DEFAULT_PARAMS if environment == DEFAULT_ENVIRONMENT else {}
    mdp = environments.get(environment, **dict(params))
    if error_model is None or error_model == "none":
        return mdp
    if error_model not in ERROR_MODELS:
        raise InvalidArgument(f"error model {error_model!r} is not one of {['none', *ERROR_MODELS]}")
    return ERROR_MODELS[error_model](mdp, seed)


def _pressure(family: str, parameter: Any) -> float:
    if family == "quantiliser":
        return 0.0 - math.log(parameter)
    if family == "best-of-n":
        return math.log(parameter)
    return float(parameter)


def _agent(family: str, parameter: Any) -> Any:
    if family == "quantiliser":
        return TimestepQuantiliser(q=parameter)
    if family == "best-of-n":
        return BestOfN(n=parameter)
    if family == "Boltzmann":
        return Boltzmann(beta=parameter)
    return Lookahead(depth=parameter)


def _show_parameter(x: Any) -> Any:
    return exact(x) if isinstance(x, (int, Fraction)) else float(x)


def _point_summary(point: dict[str, Any]) -> dict[str, Any]:
    keys = ("parameter", "pressure", "proxy", "proxy_exact", "true", "true_exact", "kl", "d")
    return {k: point[k] for k in keys}


def _grids(qs: Sequence[Any], ns: Sequence[int], betas: Sequence[float], depths: Sequence[int]) -> dict[str, list[Any]]:
    """The parameters of each family, in increasing pressure; an empty grid is refused."""
    grids = {
        "quantiliser": sorted({parse_number(q, "q") for q in qs}, reverse=True),
        "best-of-n": sorted({int(n) for n in ns}),
        "Boltzmann": sorted({float(b) for b in betas}),
        "lookahead": sorted({int(d) for d in depths}),
    }
    for family, grid in grids.items():
        if not grid:
            raise InvalidArgument(f"the {family} grid is empty")
    return grids


def _point(mdp: FiniteMDP, float_mdp: FiniteMDP, family: str, parameter: Any, j_base_true: Any) -> dict[str, Any]:
    """One point of a family's curve: the agent's proxy and true return (exact where its
    policy is, floats for Boltzmann), the gain over the base and the KL from the uniform base."""
    pi = _agent(family, parameter).policy(mdp, "proxy")
    evaluate_on = float_mdp if (family == "Boltzmann" or not pi.exact) else mdp
    pi_eval = pi.to_float() if evaluate_on is float_mdp and pi.exact else pi
    j_proxy = behaviour_return(evaluate_on, pi_eval, "proxy")
    j_true = behaviour_return(evaluate_on, pi_eval, "true")
    kl = trajectory_kl(float_mdp, pi.to_float() if pi.exact else pi, Policy.uniform(float_mdp))
    return {
        "parameter": _show_parameter(parameter),
        "pressure": _pressure(family, parameter),
        **number_pair("proxy", j_proxy),
        **number_pair("true", j_true),
        **number_pair("gain", j_true - (j_base_true if isinstance(j_true, Fraction) else float(j_base_true))),
        "kl": kl,
        "d": math.sqrt(max(kl, 0.0)),
    }


def _family(mdp: FiniteMDP, float_mdp: FiniteMDP, names: tuple[str, str, str], grid: Sequence[Any],
            j_base_true: Any, low: Any, high: Any) -> dict[str, Any]:
    """A family's curve over its ``grid`` (``names``: a row of :data:`FAMILIES`): the points, the
    peak of the true return, the last point, whether it Goodharts and its drop height in the
    true return's range [low, high]."""
    family, parameter_name, pressure_name = names
    points = [_point(mdp, float_mdp, family, parameter, j_base_true) for parameter in grid]
    curve = goodhart_curve(
        [(p["pressure"], _exact_or_float(p, "proxy"), _exact_or_float(p, "true")) for p in points],
        label=family, parameter=pressure_name,
    )
    i, _, _ = peak(curve)
    drop = drop_height(curve, low if curve.exact else float(low), high if curve.exact else float(high))
    return {
        "family": family,
        "parameter_name": parameter_name,
        "pressure_name": pressure_name,
        "exact": curve.exact,
        "points": points,
        "peak": {"index": i, **_point_summary(points[i])},
        "final": {"index": len(points) - 1, **_point_summary(points[-1])},
        "goodharting": is_goodharting(curve),
        **number_pair("drop_height", drop),
    }


def _fit(family: Mapping[str, Any]) -> dict[str, Any] | None:
    """:func:`gao_fit` of a family's gain on d, None when it has fewer than two distinct non-zero
    d (the two coefficients are not determined)."""
    points = family["points"]
    if len({p["d"] for p in points if p["d"] != 0}) < 2:
        return None
    return {"family": family["family"], **gao_fit([p["d"] for p in points], [p["gain"] for p in points], "bon")}


def goodhart_curves_data(
    environment: str = DEFAULT_ENVIRONMENT,
    error_model: str | None = DEFAULT_ERROR_MODEL,
    *,
    params: Mapping[str, Any] | None = None,
    seed: int = DEFAULT_SEED,
    qs: Sequence[Any] = DEFAULT_QS,
    ns: Sequence[int] = DEFAULT_NS,
    betas: Sequence[float] = DEFAULT_BETAS,
    depths: Sequence[int] = DEFAULT_DEPTHS,
) -> dict[str, Any]:
    r"""The data of the Goodhart-curves figure (module docstring) on :func:`goodhart_mdp`.

    Keys: ``environment``, ``params``, ``error_model``, ``seed``, ``states``, ``actions``,
    ``time`` (discount or horizon); ``optimum`` (:math:`J^*_{true}`), ``true_min`` /
    ``true_max`` (the true return's range over all policies); ``argmax`` and ``uniform``
    (proxy and true return of the proxy's argmax and of the base); ``families``: per family
    ``family``, ``parameter_name``, ``pressure_name``, ``points`` (each: ``parameter``
    ("p/q" or a float), ``pressure``, ``proxy``/``true`` with ``*_exact``, ``kl``, ``d`` =
    :math:`\sqrt{KL}`, ``gain`` = true - true of the base), ``peak``, ``final``,
    ``goodharting``, ``drop_height``; ``fit``: :func:`gao_fit` of best-of-n's gain on d (None
    when best-of-n has fewer than two distinct non-zero d).
    Exact values are "p/q" strings beside floats.

    >>> d = goodhart_curves_data("bandit", "none", params={"true": (0, 2, 1), "proxy": (0, 1, 2)},
    ...                          qs=("1", "2/3", "1/3"), ns=(1, 2, 4), betas=(0, 1), depths=(1,))
    >>> [p["true_exact"] for p in d["families"][0]["points"]], d["families"][0]["goodharting"]
    (['1', '3/2', '1'], True)
    """
    mdp = goodhart_mdp(environment, error_model, params, seed)
    if "true" not in mdp.rewards or "proxy" not in mdp.rewards:
        raise InvalidArgument(f"environment {environment!r} needs a 'true' and a 'proxy' reward")
    grids = _grids(qs, ns, betas, depths)
    uniform = Policy.uniform(mdp)
    j_base_true = behaviour_return(mdp, uniform, "true")
    argmax_policy = Argmax().policy(mdp, "proxy")
    low, high = true_return_range(mdp, "true")
    float_mdp = mdp.to_float()
    families = [_family(mdp, float_mdp, names, grids[names[0]], j_base_true, low, high) for names in FAMILIES]
    if params is None:
        params = DEFAULT_PARAMS if environment == DEFAULT_ENVIRONMENT else {}
    return {
        "figure": "goodhart-curves",
        "environment": environment,
        "params": {k: str(v) for k, v in params.items()},
        "error_model": error_model or "none",
        "seed": seed,
        "states": mdp.S,
        "actions": mdp.A,
        "time": number_pair("discount", mdp.discount) if mdp.horizon is None else {"horizon": mdp.horizon},
        **number_pair("optimum", high),
        **number_pair("true_min", low),
        **number_pair("true_max", high),
        "argmax": {**number_pair("proxy", behaviour_return(mdp, argmax_policy, "proxy")),
                   **number_pair("true", behaviour_return(mdp, argmax_policy, "true"))},
        "uniform": {**number_pair("proxy", behaviour_return(mdp, uniform, "proxy")),
                    **number_pair("true", j_base_true)},
        "families": families,
        "goodharting_families": sum(f["goodharting"] for f in families),
        "family_count": len(families),
        "fit": _fit(families[1]),
    }


def _exact_or_float(point: Mapping[str, Any], key: str) -> Fraction | float:
    text = point.get(f"{key}_exact")
    return Fraction(text) if text is not None else float(point[key])


def goodhart_curves_figure(data: Mapping[str, Any]) -> "Figure":
    """Four panels (one per family: proxy and true return against its pressure, the peak of
    the true return starred, the argmax optimiser's true return dotted) and a fifth, wide panel:
    the true-return gain over the base against :math:`d = \\sqrt{KL}` for every family, with the
    Gao et al. fit :math:`d(\\alpha - \\beta d)` to best-of-n. Returns a matplotlib Figure.

    >>> data = goodhart_curves_data("bandit", "none", params={"true": (0, 2, 1), "proxy": (0, 1, 2)},
    ...                              qs=("1", "2/3", "1/3"), ns=(1, 2, 4), betas=(0, 1), depths=(1,))
    >>> fig = goodhart_curves_figure(data)
    >>> len(fig.axes), fig.axes[0].get_title()
    (5, 'quantiliser (Goodharting)')
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 8), layout="constrained")
    grid = fig.add_gridspec(2, 3)
    axes = [fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[0, 2]),
            fig.add_subplot(grid[1, 0])]
    kl_ax = fig.add_subplot(grid[1, 1:])
    colours = {"quantiliser": "tab:blue", "best-of-n": "tab:orange", "Boltzmann": "tab:green",
               "lookahead": "tab:purple"}
    argmax_true = data["argmax"]["true"]
    for ax, fam in zip(axes, data["families"]):
        x = [p["pressure"] for p in fam["points"]]
        colour = colours.get(fam["family"], "k")
        ax.plot(x, [p["proxy"] for p in fam["points"]], "--", color=colour, alpha=0.6, label="proxy return")
        ax.plot(x, [p["true"] for p in fam["points"]], "o-", color=colour, label="true return")
        pk = fam["peak"]
        ax.plot([pk["pressure"]], [pk["true"]], marker="*", ms=16, color="gold", mec="k", zorder=5,
                label=f"true peak at {fam['parameter_name']} = {format_fact(pk['parameter'], _param_fmt(pk['parameter']))}")
        ax.axhline(argmax_true, color="grey", ls=":", lw=1, label="argmax of proxy (true)")
        if fam["family"] == "Boltzmann":
            ax.set_xscale("symlog", linthresh=1.0)
            ax.set_xlim(left=0.0)
        ax.set_xlabel(fam["pressure_name"] + (" (symlog)" if fam["family"] == "Boltzmann" else ""))
        ax.set_ylabel("expected return")
        tag = "Goodharting" if fam["goodharting"] else "no Goodharting"
        ax.set_title(f"{fam['family']} ({tag})")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    for fam in data["families"]:
        colour = colours.get(fam["family"], "k")
        kl_ax.plot([p["d"] for p in fam["points"]], [p["gain"] for p in fam["points"]], "o-", color=colour,
                   alpha=0.85, label=fam["family"])
    fit = data["fit"]
    if fit is not None:
        bon = next(f for f in data["families"] if f["family"] == fit["family"])
        d_max = max(p["d"] for p in bon["points"])
        ds = np.linspace(0.0, d_max * 1.05, 200)
        kl_ax.plot(ds, ds * (fit["alpha"] - fit["beta"] * ds), "k--",
                   label=f"best-of-n fit d(α - βd): α = {fit['alpha']:.3f}, β = {fit['beta']:.3f}, "
                         f"centred R² = {fit['r2']:.3f}")
    kl_ax.axhline(0.0, color="grey", lw=0.8)
    kl_ax.set_xlabel("d = sqrt(KL(π || uniform))")
    kl_ax.set_ylabel("true return gain over the uniform base")
    kl_ax.set_title("True-return gain against d = sqrt(KL) (Gao et al. 2022 form)")
    kl_ax.grid(alpha=0.3)
    kl_ax.legend(fontsize=8)
    params = ", ".join(f"{k}={v}" for k, v in data["params"].items())
    fig.suptitle(f"Goodhart curves on {data['environment']}({params}) with {_proxy_name(data)}")
    return fig


def goodhart_curves_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: where the quantiliser's true return peaks against where the argmax
    optimiser ends, with the other families' peaks; the Gao fit and how many families
    Goodhart.

    >>> data = goodhart_curves_data("bandit", "none", params={"true": (0, 2, 1), "proxy": (0, 1, 2)},
    ...                              qs=("1", "2/3", "1/3"), ns=(1, 2, 4), betas=(0, 1), depths=(1,))
    >>> goodhart_curves_reading(data).sentences[0]
    "The quantiliser's true return peaks at q = 2/3 (-log q = 0.41) with 1.5, while the argmax optimiser of the proxy ends at 1 (optimum 2); the other peaks: best-of-n at n = 2 (1.22), Boltzmann at beta = 1 (1.15), lookahead at depth = 1 (1)."
    """
    r = Reader(data)
    fams = data["families"]
    q_index = next(i for i, f in enumerate(fams) if f["family"] == "quantiliser")
    others = [i for i, f in enumerate(fams) if f["family"] != "quantiliser"]
    parts = []
    for i in others:
        f = fams[i]
        parts.append(f"{f['family']} at {f['parameter_name']} = {r('families', i, 'peak', 'parameter', fmt=_param_fmt(f['peak']['parameter']))} "
                     f"({r('families', i, 'peak', 'true', fmt='.3g')})")
    q = fams[q_index]
    if q["peak"]["index"] < q["final"]["index"] and q["peak"]["true"] > q["final"]["true"]:
        head = (f"The quantiliser's true return peaks at q = {r('families', q_index, 'peak', 'parameter')} "
                f"(-log q = {r('families', q_index, 'peak', 'pressure', fmt='.2f')}) with "
                f"{r('families', q_index, 'peak', 'true', fmt='.3g')}")
    else:
        head = (f"The quantiliser's true return reaches its maximum {r('families', q_index, 'peak', 'true', fmt='.3g')} "
                f"at q = {r('families', q_index, 'peak', 'parameter')} "
                f"(-log q = {r('families', q_index, 'peak', 'pressure', fmt='.2f')}) and keeps it")
    s1 = (
        f"{head}, while the argmax optimiser of the proxy ends at "
        f"{r('argmax', 'true', fmt='.3g')} (optimum {r('optimum', fmt='.3g')}); the other peaks: "
        + ", ".join(parts) + "."
    )
    fit = data["fit"]
    if fit is None:
        fit_text = "Best-of-n has too few distinct KL values for the fit d(α - βd)"
    else:
        peak_text = (f", peaking at d = {r('fit', 'd_peak', fmt='.2f')}" if fit.get("d_peak") is not None
                     else " and no interior peak")
        fit_text = (f"Against d = sqrt(KL), the least-squares fit d(α - βd) to best-of-n gives α = "
                    f"{r('fit', 'alpha', fmt='.3f')} and β = {r('fit', 'beta', fmt='.3f')}{peak_text} "
                    f"(centred R² = {r('fit', 'r2', fmt='.3f')}, uncentred {r('fit', 'r2_uncentred', fmt='.3f')})")
    s2 = (
        f"{fit_text}; {r('goodharting_families', fmt='d')} of the {r('family_count', fmt='d')} families Goodhart, "
        f"the quantiliser losing {r('families', q_index, 'drop_height', fmt='.3f')} of the true return's range "
        f"from its peak to its strongest pressure."
    )
    return r.reading([s1, s2])


def _param_fmt(x: Any) -> str:
    return "s" if isinstance(x, str) else "g"


def _proxy_name(data: Mapping[str, Any]) -> str:
    model = data["error_model"]
    return "the environment's own proxy" if model == "none" else f"a {model} proxy"


def goodhart_curves_artifact(data: dict[str, Any]) -> Artifact:
    """The Goodhart-curves entry of a report: data, figure, the CSV of all points, reading.

    >>> a = goodhart_curves_artifact(goodhart_curves_data("bandit", "none", params={"true": (0, 2, 1), "proxy": (0, 1, 2)},
    ...                             qs=("1", "2/3", "1/3"), ns=(1, 2, 4), betas=(0, 1), depths=(1,)))
    >>> a.name, len(a.tables["goodhart-curves"])
    ('goodhart-curves', 9)
    """
    rows = []
    for fam in data["families"]:
        for p in fam["points"]:
            rows.append({"family": fam["family"], "parameter_name": fam["parameter_name"], **p})
    env = data["environment"]
    return Artifact(
        name="goodhart-curves",
        title=f"Goodhart curves ({env}, {_proxy_name(data)})",
        data=data,
        figures=[("goodhart-curves", goodhart_curves_figure(data),
                  "Expected proxy and true return of four families against optimisation pressure (peak of the "
                  "true return starred), and the true-return gain against d = sqrt(KL) with the Gao et al. fit.")],
        tables={"goodhart-curves": rows},
        reading=goodhart_curves_reading(data),
    )
