r"""Prevalence of Goodharting on random MDPs, per proxy-error model and discount.

The figure of Karwowski et al.'s prevalence experiment ("Goodhart's Law in Reinforcement
Learning", ICLR 2024, section 5), drawn from a :class:`reports.sweeps.SweepResult`
(:func:`reports.sweeps.run_sweep`): for every error model of
:data:`environments.proxy_errors.ERROR_MODELS` and every discount (0.5, 0.7, 0.9, 0.99 by default),
the fraction of random MDPs whose true return rises and then ends lower as the proxy is
optimised harder, with its 95% Wilson interval, and the distribution of the normalised drop
heights (:func:`theory.goodhart.drop_height`) of the Goodharting curves.

Exact values: a fraction k/N is written as a float and as the string "k/N" (reduced).

Examples
--------
>>> from reports.sweeps import LocalExecutor, SweepConfig, run_sweep
>>> sweep = run_sweep(SweepConfig(n_mdps=4, discounts=(0.5,), error_models=("causal",), pressures=5),
...                   executor=LocalExecutor(workers=1), progress=False)
>>> data = prevalence_data(sweep)
>>> cell = data["cells"][0]
>>> cell["n"], cell["fraction_exact"] == str(__import__("fractions").Fraction(cell["goodharting"], 4))
(4, True)
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from reports.document import Artifact, Reader, Reading, exact
from reports.sweeps import DISCOUNTS, DaskExecutor, LocalExecutor, SweepConfig, SweepResult, run_sweep
from theory.errors import InvalidArgument

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["DEMO_N", "QUICK_N", "prevalence_sweep", "prevalence_data", "prevalence_figure", "prevalence_reading",
           "prevalence_artifact"]

#: Random MDPs per cell in the demo, and in the quick demo.
DEMO_N = 1000
QUICK_N = 100


def prevalence_sweep(
    n_mdps: int = DEMO_N,
    workers: int = 2,
    progress: bool = True,
    discounts: Sequence[float] = DISCOUNTS,
    dask: str | None = None,
    **config: Any,
) -> SweepResult:
    """Run the prevalence sweep: :func:`reports.sweeps.run_sweep` of
    ``SweepConfig(n_mdps=n_mdps, discounts=discounts, **config)`` on a
    :class:`reports.sweeps.LocalExecutor` with ``workers`` processes (1: in this process), or
    with ``dask=ADDRESS`` on an existing Dask scheduler (:class:`reports.sweeps.DaskExecutor`;
    the same numbers for the same seed).

    >>> prevalence_sweep(3, workers=1, progress=False, discounts=(0.9,), error_models=("extremal",)).cells[0].n
    3
    """
    cfg = SweepConfig(n_mdps=n_mdps, discounts=tuple(discounts), **config)
    executor = DaskExecutor(dask) if dask is not None else LocalExecutor(workers=workers)
    return run_sweep(cfg, executor=executor, progress=progress)


def _median(xs: Sequence[float]) -> float | None:
    return float(statistics.median(xs)) if xs else None


def prevalence_data(result: SweepResult) -> dict[str, Any]:
    """The data of the prevalence figure from a sweep.

    Keys: ``config`` (the sweep's), ``parameter`` and ``pressures`` (its grid); ``cells``: per
    (error model, discount) ``n``, ``goodharting`` (count), ``fraction`` with
    ``fraction_exact`` ("k/N"), ``ci_low``/``ci_high`` (95% Wilson), ``mean_drop`` /
    ``median_drop`` / ``max_drop`` over the Goodharting curves (None when there are none) and
    ``drops`` (their normalised drop heights, in MDP order); ``models``: per error model the
    pooled fraction over the discounts; ``summary``: the most and least frequent cells (their
    indices in ``cells``), the overall fraction, the median and the largest drop height over
    all Goodharting curves and the cell of the largest.

    Source: Karwowski et al. (2024), section 5 and figure 3.
    """
    if not isinstance(result, SweepResult):
        raise InvalidArgument(f"result is {type(result).__name__}, not a SweepResult")
    cells = []
    for c in result.cells:
        drops = [float(x) for x, flag in zip(c.drop_heights, c.flags) if flag]
        cells.append({
            "error_model": c.error_model,
            "discount": c.discount,
            "n": c.n,
            "goodharting": c.goodharting,
            "fraction": c.fraction,
            "fraction_exact": exact(Fraction(c.goodharting, c.n)),
            "ci_low": c.ci_low,
            "ci_high": c.ci_high,
            "mean_drop": (sum(drops) / len(drops)) if drops else None,
            "median_drop": _median(drops),
            "max_drop": max(drops) if drops else None,
            "drops": drops,
        })
    models = []
    for model in result.config.error_models:
        own = [c for c in cells if c["error_model"] == model]
        k, n = sum(c["goodharting"] for c in own), sum(c["n"] for c in own)
        models.append({"error_model": model, "goodharting": k, "n": n, "fraction": k / n,
                       "fraction_exact": exact(Fraction(k, n))})
    most = max(range(len(cells)), key=lambda i: (cells[i]["fraction"], -i))
    least = min(range(len(cells)), key=lambda i: (cells[i]["fraction"], i))
    all_drops = [(x, i) for i, c in enumerate(cells) for x in c["drops"]]
    k_all, n_all = sum(c["goodharting"] for c in cells), sum(c["n"] for c in cells)
    summary: dict[str, Any] = {
        "most": most,
        "least": least,
        "goodharting": k_all,
        "curves": n_all,
        "fraction": k_all / n_all,
        "fraction_exact": exact(Fraction(k_all, n_all)),
        "median_drop": _median([x for x, _ in all_drops]),
        "max_drop": max(all_drops)[0] if all_drops else None,
        "max_drop_cell": max(all_drops)[1] if all_drops else None,
    }
    return {
        "figure": "prevalence",
        "config": result.config.to_dict(),
        "parameter": result.parameter,
        "pressures": list(result.pressures),
        "cells": cells,
        "models": models,
        "summary": summary,
    }


def prevalence_figure(data: Mapping[str, Any]) -> "Figure":
    """Left: the fraction of Goodharting curves per error model (groups) and discount (bars)
    with 95% Wilson error bars. Right: box plots of the normalised drop heights of the
    Goodharting curves in the same layout. Returns a matplotlib Figure.

    >>> from reports.sweeps import LocalExecutor, SweepConfig, run_sweep
    >>> sweep = run_sweep(SweepConfig(n_mdps=5, discounts=(0.9,), error_models=("regressional-light",), pressures=6),
    ...                   executor=LocalExecutor(workers=1), progress=False)
    >>> [ax.get_ylabel() for ax in prevalence_figure(prevalence_data(sweep)).axes][0]
    'fraction of MDPs that Goodhart (95% CI)'
    """
    from matplotlib.figure import Figure

    cells = data["cells"]
    models = list(dict.fromkeys(c["error_model"] for c in cells))
    discounts = list(dict.fromkeys(c["discount"] for c in cells))
    width = 0.8 / len(discounts)
    cmap = ["#4c72b0", "#55a868", "#c44e52", "#8172b2", "#ccb974", "#64b5cd"]
    fig = Figure(figsize=(13, 4.8), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    for j, gamma in enumerate(discounts):
        xs, ys, lo, hi, boxes, box_x = [], [], [], [], [], []
        for i, model in enumerate(models):
            cell = next(c for c in cells if c["error_model"] == model and c["discount"] == gamma)
            x = i - 0.4 + width * (j + 0.5)
            xs.append(x)
            ys.append(cell["fraction"])
            lo.append(cell["fraction"] - cell["ci_low"])
            hi.append(cell["ci_high"] - cell["fraction"])
            if cell["drops"]:
                boxes.append(cell["drops"])
                box_x.append(x)
        colour = cmap[j % len(cmap)]
        ax1.bar(xs, ys, width=width * 0.95, color=colour, label=f"discount {gamma:g}")
        ax1.errorbar(xs, ys, yerr=[lo, hi], fmt="none", ecolor="k", capsize=3, lw=1)
        if boxes:
            bp = ax2.boxplot(boxes, positions=box_x, widths=width * 0.8, patch_artist=True, manage_ticks=False,
                             flierprops={"markersize": 2})
            for patch in bp["boxes"]:
                patch.set_facecolor(colour)
    n = cells[0]["n"] if cells else 0
    for ax in (ax1, ax2):
        ax.set_xticks(range(len(models)))
        ax.set_xticklabels(models)
        ax.set_xlim(-0.6, len(models) - 0.4)
        ax.grid(axis="y", alpha=0.3)
    ax1.set_ylim(0, 1)
    ax1.set_ylabel("fraction of MDPs that Goodhart (95% CI)")
    ax1.set_title(f"Prevalence of Goodharting ({n} random MDPs per bar, {data['config']['family']} pressure)")
    ax1.legend(fontsize=8)
    ax2.set_ylabel("normalised drop height (Goodharting curves)")
    ax2.set_title("How much true return is lost from the peak")
    return fig


def prevalence_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: the most and least Goodharting cells with their 95% intervals; the
    median and the largest normalised drop height.

    >>> from reports.sweeps import LocalExecutor, SweepConfig, run_sweep
    >>> sweep = run_sweep(SweepConfig(n_mdps=5, discounts=(0.9,), error_models=("regressional-light",), pressures=6),
    ...                   executor=LocalExecutor(workers=1), progress=False)
    >>> prevalence_reading(prevalence_data(sweep)).sentences[0].startswith("Goodharting is most frequent")
    True
    """
    r = Reader(data)
    most, least = data["summary"]["most"], data["summary"]["least"]
    s1 = (
        f"Goodharting is most frequent with the {r('cells', most, 'error_model')} proxy at discount "
        f"{r('cells', most, 'discount', fmt='g')}: {r('cells', most, 'fraction', fmt='%')} of "
        f"{r('cells', most, 'n', fmt='d')} random MDPs (95% CI {r('cells', most, 'ci_low', fmt='%')} to "
        f"{r('cells', most, 'ci_high', fmt='%')}), and least frequent with {r('cells', least, 'error_model')} at "
        f"discount {r('cells', least, 'discount', fmt='g')}: {r('cells', least, 'fraction', fmt='%')} "
        f"(95% CI {r('cells', least, 'ci_low', fmt='%')} to {r('cells', least, 'ci_high', fmt='%')})."
    )
    if data["summary"]["max_drop"] is None:
        s2 = f"None of the {r('summary', 'curves', fmt='d')} curves Goodharts, so there is no drop height to report."
    else:
        cell = data["summary"]["max_drop_cell"]
        s2 = (
            f"Over all {r('summary', 'goodharting', fmt='d')} Goodharting curves of {r('summary', 'curves', fmt='d')}, "
            f"the median normalised drop height is {r('summary', 'median_drop', fmt='.3f')} and the largest "
            f"{r('summary', 'max_drop', fmt='.3f')} ({r('cells', cell, 'error_model')} at discount "
            f"{r('cells', cell, 'discount', fmt='g')})."
        )
    return r.reading([s1, s2])


def prevalence_artifact(data: dict[str, Any], extra_files: Sequence[str] = ()) -> Artifact:
    """The prevalence entry of a report: data, figure, the per-cell CSV and the reading.
    ``extra_files``: the sweep's own files (:func:`reports.sweeps.save_sweep`), if saved.

    >>> from reports.sweeps import LocalExecutor, SweepConfig, run_sweep
    >>> sweep = run_sweep(SweepConfig(n_mdps=5, discounts=(0.9,), error_models=("regressional-light",), pressures=6),
    ...                   executor=LocalExecutor(workers=1), progress=False)
    >>> prevalence_artifact(prevalence_data(sweep), ["prevalence-sweep/sweep.json"]).extra_files
    ['prevalence-sweep/sweep.json']
    """
    rows = [{k: v for k, v in c.items() if k != "drops"} for c in data["cells"]]
    return Artifact(
        name="prevalence",
        title="Prevalence of Goodharting on random MDPs",
        data=data,
        figures=[("prevalence", prevalence_figure(data),
                  "Fraction of random MDPs whose true return rises then ends lower as the proxy is optimised "
                  "harder, per error model and discount (95% Wilson intervals), and the normalised drop heights.")],
        tables={"prevalence": rows},
        reading=prevalence_reading(data),
        extra_files=list(extra_files),
    )
