"""The headline report: every figure of :mod:`reports` plus the conjecture suite's verdicts.

:func:`run_demo` writes a report folder (:mod:`reports.document`) with

1. the Goodhart curves of four agent families (:mod:`reports.goodhart_curves`);
2. the prevalence of Goodharting on random MDPs (:mod:`reports.prevalence`; N random MDPs per
   error model and discount: 1000, or 100 with ``quick``);
3. true regret under distributional shift and the lava pair drawn (:mod:`reports.shift`);
4. decision-time cost against regret in and out of distribution (:mod:`reports.cost`);
5. the best-of-n KL and quantiliser cost-bound theory (:mod:`reports.theory_plots`);
6. the verdict table of the conjecture suite (:func:`property_tests.engine.check` of every
   statement of :func:`property_tests.engine.suite` with a modest number of examples).

The suite's checks run in worker processes while the figures are computed, so the demo uses
two cores. :func:`build_report` makes the entries of one named report (``deconfuse report``).

Examples
--------
>>> sorted(REPORTS)
['cost', 'goodhart-curves', 'graph', 'prevalence', 'shift', 'symbolic', 'theory']
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from reports.document import (
    DEFAULT_FOLDER,
    Artifact,
    Reader,
    Reading,
    json_ready,
    prepare_folder,
    write_artifact,
    write_index,
)
from theory.errors import InvalidArgument

__all__ = [
    "REPORTS",
    "DemoSettings",
    "QUICK",
    "FULL",
    "build_report",
    "verdict_row",
    "verdicts_data",
    "verdicts_reading",
    "verdicts_artifact",
    "run_demo",
]

#: The reports ``deconfuse report NAME`` knows, with a one-line description.
REPORTS: dict[str, str] = {
    "goodhart-curves": "proxy and true return of four agent families against optimisation pressure, and against sqrt(KL)",
    "prevalence": "how often optimising a proxy Goodharts on random MDPs, per error model and discount",
    "shift": "true regret against distributional-shift magnitude, and the lava pair drawn as gridworlds",
    "cost": "decision-time cost against true regret, in and out of distribution",
    "theory": "exact best-of-n KL against log n - (n-1)/n, and the tightness of Taylor's cost bound",
    "graph": "an MDP (environment, MDP file or saved counterexample) drawn as a graph",
    "symbolic": "exact optimal-policy switching points of a parametric environment (and a 2-parameter region map)",
}


@dataclasses.dataclass(frozen=True)
class DemoSettings:
    """How much the demo computes: random MDPs per prevalence cell, shift magnitudes and
    examples per statement of the conjecture suite."""

    n_mdps: int
    magnitudes: tuple[str, ...]
    examples: int
    label: str


#: The full demo (under 2 minutes on 2 cores) and the quick one (about 20 s).
FULL = DemoSettings(n_mdps=1000, magnitudes=("0", "1/8", "1/4", "3/8", "1/2", "5/8", "3/4", "7/8", "1"),
                    examples=40, label="full")
QUICK = DemoSettings(n_mdps=100, magnitudes=("0", "1/4", "1/2", "3/4", "1"), examples=30, label="quick")


# -- one report by name ------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "mdp"


def build_report(name: str, folder: str | Path | None = None, **options: Any) -> list[Artifact]:
    """The artifacts of the report ``name`` (one of :data:`REPORTS`) with its ``options``
    (the keyword arguments of its data function; for "prevalence" those of
    :func:`reports.prevalence.prevalence_sweep` or ``sweep=`` a saved sweep folder; for "graph"
    ``mdps=[(title, FiniteMDP), ...]`` and ``layout``). ``folder``: where a prevalence sweep
    saves its own files (``prevalence-sweep/``), if given.

    >>> [a.name for a in build_report("theory", ns=(1, 2), qs=("1",), outcomes=3)]
    ['theory']
    """
    if name not in REPORTS:
        raise InvalidArgument(f"report {name!r} is not one of {', '.join(REPORTS)}")
    if name == "goodhart-curves":
        from reports.goodhart_curves import goodhart_curves_artifact, goodhart_curves_data

        return [goodhart_curves_artifact(goodhart_curves_data(**options))]
    if name == "prevalence":
        from reports.prevalence import prevalence_artifact, prevalence_data, prevalence_sweep
        from reports.sweeps import load_sweep, save_sweep

        sweep_folder = options.pop("sweep", None)
        result = load_sweep(sweep_folder) if sweep_folder is not None else prevalence_sweep(**options)
        extra: list[str] = []
        if folder is not None:
            files = save_sweep(result, Path(folder) / "prevalence-sweep")
            extra = [f"prevalence-sweep/{p.name}" for p in files]
        return [prevalence_artifact(prevalence_data(result), extra)]
    if name == "shift":
        from reports.shift import shift_artifact, shift_data

        return [shift_artifact(shift_data(**options))]
    if name == "cost":
        from reports.cost import cost_artifact, cost_data

        return [cost_artifact(cost_data(**options))]
    if name == "theory":
        from reports.theory_plots import theory_artifact, theory_data

        return [theory_artifact(theory_data(**options))]
    if name == "symbolic":
        from reports.symbolic import region_map_data, symbolic_artifact, value_curves_data

        pmdp, param, lo, hi = options["pmdp"], options["param"], options.get("lo"), options.get("hi")
        region = None
        if options.get("y") is not None:
            region = region_map_data(options["y_pmdp"], param, options["y"], num=options.get("lines", 9))
        return [symbolic_artifact(value_curves_data(pmdp, param, lo, hi), region)]
    from reports.graph import graph_artifact, graph_data

    mdps = options.get("mdps")
    if not mdps:
        raise InvalidArgument("the graph report needs mdps=[(title, FiniteMDP), ...]")
    layout = options.get("layout", "spring")
    out = []
    for title, mdp in mdps:
        out.append(graph_artifact(graph_data(mdp, title), name=f"graph-{_slug(title)}", layout=layout))
    return out


# -- the verdict table -------------------------------------------------------------------------


def _show(x: Any) -> Any:
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, (list, tuple)):
        return [_show(v) for v in x]
    if isinstance(x, (int, float, str, bool)) or x is None:
        return x
    return str(x)


def verdict_row(name: str, examples: int, seed: int = 0) -> dict[str, Any]:
    """Check the suite statement ``name`` (:func:`property_tests.engine.check`) and return its
    row of the verdict table: name, kind, expected and found verdict, examples, whether it
    matches, the statement, the numbers of a counterexample and an error message.

    >>> row = verdict_row("argmax_of_the_true_reward_has_no_regret", examples=2)
    >>> row["kind"], row["expect"], row["verdict"], row["matches"]
    ('conjecture', 'holds', 'holds', True)
    """
    from property_tests.engine import check, suite

    conj = suite()[name]
    v = check(conj, examples=examples, seed=seed)
    return {
        "name": conj.name,
        "kind": conj.kind,
        "expect": conj.expect,
        "verdict": v.verdict,
        "examples": v.examples,
        "matches": v.matches,
        "statement": conj.statement,
        "numbers": {k: _show(x) for k, x in v.numbers.items()},
        "error": v.error,
    }


def verdicts_data(
    examples: int = QUICK.examples,
    seed: int = 0,
    names: Sequence[str] | None = None,
    rows: Mapping[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The verdict table of the conjecture suite (every statement of
    :func:`property_tests.engine.suite`, or ``names``), each checked with ``examples``
    generated examples and the Hypothesis ``seed``; ``rows`` (name -> :func:`verdict_row`)
    supplies rows computed elsewhere (the demo computes them in worker processes).

    ``summary``: ``total``, ``matched``, ``theorems`` / ``theorems_held``, ``conjectures`` /
    ``conjectures_matched``, ``refuted`` and ``unexpected`` (indices of the rows whose verdict
    is not the declared one).

    >>> data = verdicts_data(examples=2, names=["argmax_of_the_true_reward_has_no_regret"])
    >>> data["summary"]["matched"], data["summary"]["unexpected"]
    (1, [])
    """
    from property_tests.engine import suite

    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise InvalidArgument(f"examples is {examples!r}, not an integer >= 1")
    all_names = list(suite())
    chosen = list(names) if names is not None else all_names
    for n in chosen:
        if n not in all_names:
            raise InvalidArgument(f"conjecture {n!r} is not in the suite")
    table = [dict(rows[n]) if rows is not None and n in rows else verdict_row(n, examples, seed) for n in chosen]
    theorems = [r for r in table if r["kind"] == "theorem"]
    conjectures = [r for r in table if r["kind"] != "theorem"]
    summary = {
        "total": len(table),
        "matched": sum(r["matches"] for r in table),
        "theorems": len(theorems),
        "theorems_held": sum(r["verdict"] == "holds" for r in theorems),
        "conjectures": len(conjectures),
        "conjectures_matched": sum(r["matches"] for r in conjectures),
        "refuted": sum(r["verdict"] == "refuted" for r in table),
        "unexpected": [i for i, r in enumerate(table) if not r["matches"]],
    }
    return {"figure": "verdicts", "examples": examples, "seed": seed, "rows": table, "summary": summary}


def verdicts_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: how many verdicts match their declared expectation, split into theorems
    and conjectures; which verdicts are unexpected (or that none is).

    >>> data = verdicts_data(examples=2, names=["argmax_of_the_true_reward_has_no_regret"])
    >>> verdicts_reading(data).sentences[0]
    '1 of 1 statements got their declared verdict with 2 generated examples each (seed 0): 0 of 0 theorems held and 1 of 1 conjectures behaved as declared, 0 refuted with a shrunk counterexample.'
    """
    r = Reader(data)
    s1 = (
        f"{r('summary', 'matched', fmt='d')} of {r('summary', 'total', fmt='d')} statements got their declared "
        f"verdict with {r('examples', fmt='d')} generated examples each (seed {r('seed', fmt='d')}): "
        f"{r('summary', 'theorems_held', fmt='d')} of {r('summary', 'theorems', fmt='d')} theorems held and "
        f"{r('summary', 'conjectures_matched', fmt='d')} of {r('summary', 'conjectures', fmt='d')} conjectures "
        f"behaved as declared, {r('summary', 'refuted', fmt='d')} refuted with a shrunk counterexample."
    )
    unexpected = data["summary"]["unexpected"]
    if not unexpected:
        s2 = (f"No verdict was unexpected: every theorem held on all {r('examples', fmt='d')} examples and every "
              f"expected refutation was found.")
    else:
        parts = [f"{r('rows', i, 'name')} ({r('rows', i, 'verdict')} in {r('rows', i, 'examples', fmt='d')} "
                 f"examples, expected {r('rows', i, 'expect')})" for i in unexpected]
        s2 = (f"Unexpected: {'; '.join(parts)}, a search budget too small to find the counterexample or a "
              f"claim that needs another look.")
    return r.reading([s1, s2])


def verdicts_artifact(data: dict[str, Any]) -> Artifact:
    """The verdict-table entry of a report: data, CSV, the table shown in the index, reading.

    >>> data = verdicts_data(examples=2, names=["argmax_of_the_true_reward_has_no_regret"])
    >>> verdicts_artifact(data).table[1]
    [['argmax_of_the_true_reward_has_no_regret', 'conjecture', 'holds', 'holds', '2', 'yes']]
    """
    header = ["statement", "kind", "expected", "verdict", "calls (with shrinking)", "as declared"]
    rows = [[r["name"], r["kind"], r["expect"], r["verdict"], str(r["examples"]), "yes" if r["matches"] else "NO"]
            for r in data["rows"]]
    csv_rows = [{k: v for k, v in r.items() if k != "numbers"} for r in data["rows"]]
    return Artifact(
        name="verdicts",
        title="The conjecture suite's verdicts",
        data=data,
        figures=[],
        tables={"verdicts": csv_rows},
        reading=verdicts_reading(data),
        table=(header, rows),
    )


# -- the demo ----------------------------------------------------------------------------------


def _start_verdicts(examples: int, seed: int, workers: int) -> tuple[Any, dict[str, Any]]:
    """Submit every suite statement to a process pool (conjectures first: they shrink)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from property_tests.engine import suite

    statements = suite()
    order = [n for n, c in statements.items() if c.kind != "theorem"] + \
            [n for n, c in statements.items() if c.kind == "theorem"]
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    futures = {name: pool.submit(verdict_row, name, examples, seed) for name in order}
    return pool, futures


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
    (None: silent). ``workers``: processes for the conjecture suite, computed while the figures
    are (default: 2 when the machine has 2 cores or more, else the suite runs in this process
    at the end). A long job (no doctest): ``deconfuse demo --quick`` runs it in about 20 s, and
    ``tests/test_demo.py`` checks what it writes.
    """
    settings = QUICK if quick else FULL
    say = progress or (lambda line: None)
    t0 = time.perf_counter()
    folder = Path(out)
    manifest = prepare_folder(folder, force)
    manifest["entries"] = []
    manifest["note"] = (f"Made by deconfuse demo{' --quick' if quick else ''}: {settings.n_mdps} random MDPs per "
                        f"prevalence cell, {len(settings.magnitudes)} shift magnitudes, {settings.examples} "
                        f"generated examples per statement of the conjecture suite.")
    if workers is None:
        workers = 2 if (os.cpu_count() or 1) >= 2 else 0
    say(f"deconfuse demo ({settings.label}): writing {folder}/: {settings.n_mdps} random MDPs per prevalence cell, "
        f"{settings.examples} examples per conjecture")
    pool, futures = (None, {})
    if workers > 0:
        pool, futures = _start_verdicts(settings.examples, 0, workers)
        say(f"  conjecture suite: {len(futures)} statements checking in {workers} worker processes")
    steps: list[tuple[str, Callable[[], list[Artifact]]]] = [
        ("Goodhart curves (random MDP, regressional proxy)", lambda: build_report("goodhart-curves")),
        (f"prevalence sweep ({settings.n_mdps} MDPs x 4 error models x 4 discounts)",
         lambda: build_report("prevalence", folder, n_mdps=settings.n_mdps, workers=1,
                             progress=settings is FULL and progress is not None)),
        (f"distributional shift on the lava pair ({len(settings.magnitudes)} magnitudes)",
         lambda: build_report("shift", magnitudes=settings.magnitudes)),
        ("decision-time cost against regret (lava-train -> lava-test)", lambda: build_report("cost")),
        ("best-of-n and quantiliser theory", lambda: build_report("theory")),
    ]
    total = len(steps) + 1
    try:
        for k, (label, make) in enumerate(steps, start=1):
            t = time.perf_counter()
            for artifact in make():
                write_artifact(folder, artifact, manifest)
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
    write_artifact(folder, verdicts_artifact(data), manifest)
    s = data["summary"]
    say(f"[{total}/{total}] conjecture suite: {s['matched']} of {s['total']} verdicts as declared "
        f"({time.perf_counter() - t:.1f} s waiting)")
    write_index(folder, manifest)
    figures = sum(len(e["figures"]) for e in manifest["entries"])
    say(f"wrote {folder / 'index.html'} and {folder / 'index.md'} ({figures} figures) in "
        f"{time.perf_counter() - t0:.1f} s")
    return json_ready(manifest)
