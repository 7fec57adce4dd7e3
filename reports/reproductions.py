"""The "Reproductions" section of a report: every entry of the reproduction suite
(:func:`property_tests.reproductions.reproductions`) run, its side-by-side table, its data and
one figure in the paper's own axes.

Like every report entry (:mod:`reports`), the section is a *data* function
(:func:`reproductions_data`: one :func:`outcome_data` per entry), a *figure* per entry
(:func:`reproduction_figure`, drawn by the entry's own ``figure(outcome, ax)`` from the saved
data), two-sentence *readings* (:func:`reproductions_reading` for the summary,
:func:`reproduction_reading` per entry) and the *artifacts* (:func:`reproductions_artifacts`:
the summary table ``reproductions`` and one ``reproduction-NAME`` per entry, with its table and
its figure, or its table alone when the entry draws none). ``deconfuse reproduce --out DIR``,
``deconfuse report reproductions`` and ``deconfuse demo`` (the quick versions) write it.

>>> from property_tests.reproductions import Comparison, Outcome, Reproduction
>>> toy = Reproduction("toy", "A. Author 2020", "sec. 1: 1 + 1 = 2", "adds", lambda quick: Outcome(
...     "toy", (Comparison.exact("1 + 1", 2, 1 + 1),)))
>>> entry = outcome_data(toy, toy(True))
>>> entry["verdict"], entry["matches"], entry["comparisons"][0]["row"]
('reproduced', True, ['1 + 1', '2', '2', 'equal', 'yes'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from property_tests.reproductions import Comparison, Outcome, Reproduction, get, reproductions
from reports.document import Artifact, Reader, Reading, json_ready

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = [
    "TABLE_HEADER",
    "outcome_data",
    "reproductions_data",
    "reproduction_figure",
    "reproduction_reading",
    "reproductions_reading",
    "reproductions_artifacts",
]

#: The columns of an entry's side-by-side table (:meth:`Comparison.row`, then the note).
TABLE_HEADER = ["quantity", "paper", "ours", "criterion", "agrees", "note"]


def outcome_data(reproduction: Reproduction, outcome: Outcome) -> dict[str, Any]:
    """The JSON data of one entry's outcome: the entry's ``name``, ``paper``, ``claim``,
    ``experiment``, ``expect``, ``full_time``; the outcome's ``quick``, ``verdict``, ``matches``
    (verdict == expect), ``comparisons`` (each: ``row``, the five cells of
    :meth:`Comparison.row`, ``note``, ``agrees``), the counts ``count`` / ``agreeing``,
    ``differences`` (the quantities that do not agree), ``assumed`` and ``data`` (the figure's)."""
    rows = [{"row": list(c.row()), "note": c.note, "agrees": c.agrees} for c in outcome.comparisons]
    return {
        "figure": "reproduction",
        "name": reproduction.name,
        "paper": reproduction.paper,
        "claim": reproduction.claim,
        "experiment": reproduction.experiment,
        "expect": reproduction.expect,
        "full_time": reproduction.full_time,
        "quick": outcome.quick,
        "verdict": outcome.verdict,
        "matches": outcome.verdict == reproduction.expect,
        "count": len(rows),
        "agreeing": sum(r["agrees"] for r in rows),
        "differences": [c.quantity for c in outcome.differences],
        "comparisons": rows,
        "assumed": list(outcome.assumed),
        "assumed_count": len(outcome.assumed),
        "data": json_ready(dict(outcome.data)),
    }


def reproductions_data(
    names: Sequence[str] | None = None,
    quick: bool = True,
    outcomes: Mapping[str, Outcome] | None = None,
) -> dict[str, Any]:
    """Run the reproductions ``names`` (default: every registered one, in the suite's order),
    quick or full, and return the section's data: ``quick``, ``entries`` (one
    :func:`outcome_data` each) and ``summary`` (``total``, ``as_expected``, ``reproduced``,
    ``unexpected``: the names whose verdict is not their ``expect``). ``outcomes`` supplies
    outcomes computed elsewhere (``deconfuse reproduce`` prints them as they finish).

    >>> data = reproductions_data(["beirami"])
    >>> data["entries"][0]["verdict"], data["summary"]["as_expected"]
    ('reproduced', 1)
    """
    chosen = [get(n) for n in names] if names is not None else list(reproductions().values())
    entries = []
    for rep in chosen:
        outcome = outcomes[rep.name] if outcomes is not None and rep.name in outcomes else rep(quick)
        entries.append(outcome_data(rep, outcome))
    summary = {
        "total": len(entries),
        "as_expected": sum(e["matches"] for e in entries),
        "reproduced": sum(e["verdict"] == "reproduced" for e in entries),
        "unexpected": [e["name"] for e in entries if not e["matches"]],
    }
    summary["unexpected_count"] = len(summary["unexpected"])
    return {"figure": "reproductions", "quick": quick, "entries": entries, "summary": summary}


def _outcome(entry: Mapping[str, Any]) -> Outcome:
    """The outcome of saved entry data (its comparisons as their display text), for drawing."""
    comparisons = tuple(Comparison(r["row"][0], r["row"][1], r["row"][2], r["row"][3], r["agrees"], r["note"])
                        for r in entry["comparisons"])
    return Outcome(entry["name"], comparisons, entry["data"], entry["quick"], tuple(entry["assumed"]))


def reproduction_figure(entry: Mapping[str, Any]) -> "Figure | None":
    """The entry's figure, drawn by its ``figure(outcome, ax)`` from the saved data on one Axes
    (None when the entry draws none)."""
    rep = get(entry["name"])
    if rep.figure is None:
        return None
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 4.8), layout="constrained")
    rep.figure(_outcome(entry), fig.add_subplot())
    return fig


def reproduction_reading(entry: Mapping[str, Any]) -> Reading:
    """Two sentences: how many comparisons agree and the verdict against the expected one; the
    claim, and how many details are assumed.

    >>> from property_tests.reproductions import Comparison, Outcome, Reproduction
    >>> toy = Reproduction("toy", "A. Author 2020", "1 + 1 = 2", "adds", lambda quick: Outcome(
    ...     "toy", (Comparison.exact("1 + 1", 2, 1 + 1),)))
    >>> reproduction_reading(outcome_data(toy, toy(True))).sentences[0]
    'A. Author 2020: 1 of 1 comparisons agree, so the verdict of the quick run is reproduced (expected reproduced).'
    """
    r = Reader(entry)
    run = "quick" if entry["quick"] else "full"
    s1 = (f"{r('paper')}: {r('agreeing', fmt='d')} of {r('count', fmt='d')} comparisons agree, so the verdict of "
          f"the {run} run is {r('verdict')} (expected {r('expect')}).")
    differing = [r("differences", i) for i in range(len(entry["differences"]))]
    tail = f"; differs in: {'; '.join(differing)}" if differing else ""
    s2 = (f"The claim: {r('claim')}{tail}; {r('assumed_count', fmt='d')} details are assumed where the paper is "
          f"silent (listed in the data).")
    return r.reading([s1, s2])


def reproductions_reading(data: Mapping[str, Any]) -> Reading:
    """Two sentences: how many reproductions got their expected verdict and how many reproduce
    the paper; which are unexpected, or that none is.

    >>> reproductions_reading(reproductions_data(["beirami"])).sentences[0]
    '1 of 1 reproductions got their expected verdict in their quick versions, 1 reproducing the paper.'
    """
    r = Reader(data)
    run = "quick" if data["quick"] else "full"
    s1 = (f"{r('summary', 'as_expected', fmt='d')} of {r('summary', 'total', fmt='d')} reproductions got their "
          f"expected verdict in their {run} versions, {r('summary', 'reproduced', fmt='d')} reproducing the paper.")
    unexpected = [r("summary", "unexpected", i) for i in range(len(data["summary"]["unexpected"]))]
    s2 = (f"{r('summary', 'unexpected_count', fmt='d')} unexpected"
          + (f" ({', '.join(unexpected)})" if unexpected else "")
          + "; each entry's table below shows the paper's value beside ours with the criterion.")
    return r.reading([s1, s2])


def reproductions_artifacts(data: dict[str, Any]) -> list[Artifact]:
    """The section's artifacts: the summary ``reproductions`` (a table of entries and
    verdicts) and one ``reproduction-NAME`` per entry (its side-by-side table, data and
    figure).

    >>> [a.name for a in reproductions_artifacts(reproductions_data(["taylor"]))]
    ['reproductions', 'reproduction-taylor']
    """
    header = ["reproduction", "paper", "verdict", "expected", "as expected", "full run"]
    rows = [[e["name"], e["paper"], e["verdict"], e["expect"], "yes" if e["matches"] else "NO", e["full_time"]]
            for e in data["entries"]]
    summary_rows = [{k: e[k] for k in ("name", "paper", "claim", "verdict", "expect", "matches", "full_time")}
                    for e in data["entries"]]
    out = [Artifact(name="reproductions", title="Reproductions", data={k: data[k] for k in ("figure", "quick",
                    "summary")} | {"entries": summary_rows}, figures=[], tables={"reproductions": summary_rows},
                    reading=reproductions_reading(data), table=(header, rows))]
    for entry in data["entries"]:
        figure = reproduction_figure(entry)
        stem = f"reproduction-{entry['name']}"
        table_rows = [[*c["row"], c["note"]] for c in entry["comparisons"]]
        out.append(Artifact(
            name=stem,
            title=f"Reproduction {entry['name']}: {entry['paper']}",
            data=entry,
            figures=[] if figure is None else [(stem, figure, f"{entry['name']}: {entry['claim']}")],
            tables={stem: [dict(zip(TABLE_HEADER, row)) for row in table_rows]},
            reading=reproduction_reading(entry),
            table=(TABLE_HEADER, table_rows),
        ))
    return out
