"""The verdict table of the conjecture suite: every statement of
:func:`property_tests.engine.suite` checked (:func:`property_tests.engine.check`) with a modest
number of generated examples, its expected and found verdict side by side.

Like every report entry (:mod:`reports`), the table is a *data* function (:func:`verdicts_data`,
one :func:`verdict_row` per statement), a two-sentence *reading* (:func:`verdicts_reading`) and
an *artifact* (:func:`verdicts_artifact`), shown in the index as a table instead of a figure.
``deconfuse demo`` computes the rows in worker processes while it draws the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from reports.document import Artifact, Reader, Reading
from theory.errors import InvalidArgument
from theory.numbers import format_number
from theory.validation import check_int

__all__ = ["DEFAULT_EXAMPLES", "verdict_row", "verdicts_data", "verdicts_reading", "verdicts_artifact"]

#: Generated examples per statement when none are given (those of the quick demo).
DEFAULT_EXAMPLES = 30


def _json_value(x: Any) -> Any:
    """A number that broke a claim as JSON data: a Fraction as its "p/q" text, lists and tuples
    item by item, plain numbers, text, booleans and None as they are, anything else as text."""
    if isinstance(x, Fraction):
        return format_number(x)
    if isinstance(x, (list, tuple)):
        return [_json_value(v) for v in x]
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
        "numbers": {k: _json_value(x) for k, x in v.numbers.items()},
        "error": v.error,
    }


def verdicts_data(
    examples: int = DEFAULT_EXAMPLES,
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

    examples = check_int(examples, "examples", 1)
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
