"""The headline report: every report of the catalogue's demo plus the conjecture suite's verdicts.

:func:`run_demo` writes a report folder (:mod:`reports.document`) with the reports of
:data:`reports.catalogue.CATALOGUE` that have a demo step, in its order:

1. the Goodhart curves of four agent families (:mod:`reports.goodhart_curves`);
2. the prevalence of Goodharting on random MDPs (:mod:`reports.prevalence`; N random MDPs per
   error model and discount: 1000, or 100 with ``quick``);
3. true regret under distributional shift and the lava pair drawn (:mod:`reports.shift`);
4. decision-time cost against regret in and out of distribution (:mod:`reports.cost`);
5. where amortised optimisation sits: the quantiliser and Boltzmann frontiers, the argmax and
   the amortised agents in (KL, true) and (proxy, true) (:mod:`reports.spectrum`; quick grids
   with ``quick``);
6. the amortised agents (fallbacks, feature policies, Q-learning) under the lava shift and on
   the reward-gaming grid (:mod:`reports.amortised`);
7. the best-of-n KL and quantiliser cost-bound theory (:mod:`reports.theory_plots`);
8. the quick versions of every reproduction of the suite (:mod:`reports.reproductions`);

and last the verdict table of the conjecture suite (:mod:`reports.verdicts`: every statement
of :func:`property_tests.engine.suite` checked with a modest number of examples).

The suite's checks and the quick reproductions run in worker processes while the figures are
computed, so the demo uses two cores. :func:`reports.catalogue.build_report` (re-exported here) makes the entries of one
named report (``deconfuse report``).

Examples
--------
>>> sorted(REPORTS)
['amortised', 'cost', 'goodhart-curves', 'graph', 'prevalence', 'reproductions', 'shift', 'spectrum', 'symbolic', 'theory']
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports.catalogue import CATALOGUE, REPORTS, build_report
from reports.document import DEFAULT_FOLDER, json_ready, staged_report, write_artifact
from reports.verdicts import DEFAULT_EXAMPLES, verdict_row, verdicts_artifact, verdicts_data

__all__ = [
    "REPORTS",
    "DemoSettings",
    "QUICK",
    "FULL",
    "build_report",
    "run_demo",
]


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """How much the demo computes: random MDPs per prevalence cell, shift magnitudes and
    examples per statement of the conjecture suite."""

    n_mdps: int
    magnitudes: tuple[str, ...]
    examples: int
    label: str


#: The full demo and the quick one (their run times: deconfuse.commands.demo).
FULL = DemoSettings(n_mdps=1000, magnitudes=("0", "1/8", "1/4", "3/8", "1/2", "5/8", "3/4", "7/8", "1"),
                    examples=40, label="full")
QUICK = DemoSettings(n_mdps=100, magnitudes=("0", "1/4", "1/2", "3/4", "1"), examples=DEFAULT_EXAMPLES,
                     label="quick")


# -- the demo ----------------------------------------------------------------------------------


def _quick_outcome(name: str) -> Any:
    """The quick outcome of the reproduction ``name`` (run in a worker process)."""
    from property_tests.reproductions import get

    return get(name)(True)


def _start_workers(examples: int, seed: int, workers: int) -> tuple[Any, dict[str, Any], dict[str, Any]]:
    """Submit the quick reproductions (the longest jobs) and then every suite statement
    (conjectures first: they shrink) to a process pool: ``(pool, verdict futures, reproduction
    futures)``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from property_tests.engine import suite
    from property_tests.reproductions import reproductions

    statements = suite()
    order = [n for n, c in statements.items() if c.kind != "theorem"] + \
            [n for n, c in statements.items() if c.kind == "theorem"]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    outcomes = {name: pool.submit(_quick_outcome, name) for name in reproductions()}
    futures = {name: pool.submit(verdict_row, name, examples, seed) for name in order}
    return pool, futures, outcomes


def run_demo(
    out: str | Path = DEFAULT_FOLDER,
    quick: bool = False,
    force: bool = False,
    progress: Callable[[str], None] | None = print,
    workers: int | None = None,
) -> dict[str, Any]:
    """Write the headline report into ``out`` and return its manifest.

    ``quick`` computes less (:data:`QUICK` instead of :data:`FULL`). ``force`` writes into a
    non-empty folder that is not an earlier report (otherwise refused with
    :class:`reports.document.ReportFolderError`). ``progress`` receives one line per step
    (None: silent). ``workers``: processes for the conjecture suite and the quick reproductions,
    computed while the figures are (default: 2 when the machine has 2 cores or more, else both
    run in this process). A long job (no doctest): ``deconfuse demo --quick`` runs it in about 25 s, and
    ``tests/test_demo.py`` checks what it writes.
    """
    settings = QUICK if quick else FULL
    folder = Path(out)
    with staged_report(folder, force) as (staging, manifest):
        _write_demo(folder, staging, manifest, settings, quick, progress, workers)
    return json_ready(manifest)


def _write_demo(
    folder: Path,
    staging: Path,
    manifest: dict[str, Any],
    settings: DemoSettings,
    quick: bool,
    progress: Callable[[str], None] | None,
    workers: int | None,
) -> None:
    """The steps of :func:`run_demo`, written into ``staging`` (moved to ``folder`` after)."""
    say = progress or (lambda line: None)
    t0 = time.perf_counter()
    manifest["entries"] = []
    manifest["note"] = (f"Made by deconfuse demo{' --quick' if quick else ''}: {settings.n_mdps} random MDPs per "
                        f"prevalence cell, {len(settings.magnitudes)} shift magnitudes, {settings.examples} "
                        f"generated examples per statement of the conjecture suite.")
    if workers is None:
        workers = 2 if (os.cpu_count() or 1) >= 2 else 0
    say(f"deconfuse demo ({settings.label}): writing {folder}/: {settings.n_mdps} random MDPs per prevalence cell, "
        f"{settings.examples} examples per conjecture")
    pool, futures, outcomes = (None, {}, {})
    if workers > 0:
        pool, futures, outcomes = _start_workers(settings.examples, 0, workers)
        say(f"  conjecture suite and reproductions: {len(futures)} statements and {len(outcomes)} quick "
            f"reproductions running in {workers} worker processes")
    steps = [report for report in CATALOGUE if report.demo is not None]
    total = len(steps) + 1
    try:
        for k, report in enumerate(steps, start=1):
            t = time.perf_counter()
            label, options = report.demo(settings, settings is FULL and progress is not None)
            if report.name == "reproductions" and outcomes:  # computed by the workers
                options = {**options, "outcomes": {name: f.result() for name, f in outcomes.items()}}
            for artifact in report.artifacts(staging, **options):
                write_artifact(staging, artifact, manifest)
            say(f"[{k}/{total}] {label}: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        if pool is not None:
            rows = {name: future.result() for name, future in futures.items()}
            data = verdicts_data(settings.examples, 0, rows=rows)
        else:
            data = verdicts_data(settings.examples, 0)
    except BaseException:
        if pool is not None:  # do not wait for the suite's workers after a failure
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    write_artifact(staging, verdicts_artifact(data), manifest)
    s = data["summary"]
    say(f"[{total}/{total}] conjecture suite: {s['matched']} of {s['total']} verdicts as declared "
        f"({time.perf_counter() - t:.1f} s waiting)")
    figures = sum(len(e["figures"]) for e in manifest["entries"])
    say(f"wrote {folder / 'index.html'} and {folder / 'index.md'} ({figures} figures) in "
        f"{time.perf_counter() - t0:.1f} s")
