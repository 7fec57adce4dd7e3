"""Counterexample files and their display: describe, save, read and replay a refuted case.

:func:`describe_counterexample` writes a :class:`~property_tests.checking.Verdict`'s
counterexample as text (every MDP as a table, :func:`describe_mdp`);
:func:`save_counterexample` writes it as MDP JSON files plus a parameters file (format
:data:`COUNTEREXAMPLE_FORMAT`) that :func:`replay` re-checks exactly, from any folder.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from property_tests.checking import Verdict
from property_tests.discovery import load_conjectures
from property_tests.display import display_value
from theory.errors import DeconfuseError, InvalidArgument, InvalidFile
from theory.io import load_mdp, save_mdp
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.policy import Policy

__all__ = [
    "COUNTEREXAMPLE_FORMAT",
    "describe_mdp",
    "describe_counterexample",
    "save_counterexample",
    "read_json",
    "is_counterexample",
    "replay",
]

#: The ``format`` tag of a saved counterexample's parameters file.
COUNTEREXAMPLE_FORMAT = "deconfuse.counterexample/1"


# -- readable counterexamples -------------------------------------------------------------


def describe_mdp(mdp: FiniteMDP) -> str:
    """A readable table of an MDP: one row per (state, action) with its successors and rewards.

    >>> from theory.examples import two_state
    >>> print(describe_mdp(two_state()))
    discount 9/10; initial: s0 1
    state  action  next state       true  proxy
    s0     stay    s0 1             0     0
    s0     go      s0 1/10, s1 9/10 0     1/2
    s1     stay    s1 1             1     1
    s1     go      s0 1             0     0
    """
    time = f"discount {format_number(mdp.discount)}" if mdp.horizon is None else f"horizon {mdp.horizon}"
    init = ", ".join(f"{s} {format_number(p)}" for s, p in zip(mdp.states, mdp.initial) if p != 0)
    header = ["state", "action", "next state"] + list(mdp.rewards)
    rows = []
    for i, s in enumerate(mdp.states):
        for j, a in enumerate(mdp.actions):
            succ = ", ".join(f"{t} {format_number(p)}" for t, p in zip(mdp.states, mdp.transitions[i, j]) if p != 0)
            rows.append([s, a, succ] + [format_number(r[i, j]) for r in mdp.rewards.values()])
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    fmt = lambda r: " ".join(str(x).ljust(w) for x, w in zip(r, widths)).rstrip()  # noqa: E731
    lines = [f"{time}; initial: {init}", fmt(header)] + [fmt(r) for r in rows]
    if mdp.observations is not None:
        lines.append("observations: " + ", ".join(f"{s} {o}" for s, o in zip(mdp.states, mdp.observations)))
    return "\n".join(lines)


def _flatten(name: str, value: Any) -> list[tuple[str, Any]]:
    """Arguments with MDPs inside tuples/lists spelled out as ``name[i]``."""
    if isinstance(value, (tuple, list)) and any(isinstance(x, FiniteMDP) for x in value):
        return [item for i, x in enumerate(value) for item in _flatten(f"{name}[{i}]", x)]
    return [(name, value)]


def describe_counterexample(verdict: Verdict) -> str:
    """The counterexample as text: every MDP as a table, the other arguments, the numbers."""
    parts = []
    for arg, whole in (verdict.counterexample or {}).items():
        for name, value in _flatten(arg, whole):
            if isinstance(value, FiniteMDP):
                parts.append(f"{name}:\n" + "\n".join("  " + line for line in describe_mdp(value).splitlines()))
            else:
                parts.append(f"{name} = {display_value(value)}")
    if verdict.numbers:
        parts.append("numbers that broke the claim:")
        parts.extend(f"  {k} = {display_value(v)}" for k, v in verdict.numbers.items())
    return "\n".join(parts)


# -- saving and replaying -----------------------------------------------------------------


def _encode(value: Any, name: str, folder: Path, stem: str) -> Any:
    if isinstance(value, FiniteMDP):
        file = f"{stem}.{name}.mdp.json"
        save_mdp(value, folder / file)
        return {"mdp": file}
    if isinstance(value, Policy):
        return {"policy": {"probs": _encode(value.probs, name, folder, stem),
                           "states": list(value.states), "actions": list(value.actions)}}
    if isinstance(value, Fraction):
        return {"fraction": str(value)}
    if isinstance(value, np.ndarray):
        kind = "exact" if value.dtype == object else "float"
        return {"array": [_encode(x, f"{name}.{i}", folder, stem) for i, x in enumerate(value.tolist())], "kind": kind}
    if isinstance(value, (list, tuple)):
        items = [_encode(x, f"{name}.{i}", folder, stem) for i, x in enumerate(value)]
        return {"list" if isinstance(value, list) else "tuple": items}
    if isinstance(value, dict):
        return {"dict": {str(k): _encode(v, f"{name}.{k}", folder, stem) for k, v in value.items()}}
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    raise InvalidArgument(f"argument {name!r} of type {type(value).__name__} cannot be saved")


def _decode(data: Any, folder: Path) -> Any:
    if isinstance(data, dict):
        if "mdp" in data:
            return load_mdp(folder / data["mdp"])
        if "fraction" in data:
            return Fraction(data["fraction"])
        if "array" in data:
            items = [_decode(x, folder) for x in data["array"]]
            return np.array(items, dtype=object if data.get("kind") == "exact" else np.float64)
        if "policy" in data:
            p = data["policy"]
            return Policy(_decode(p["probs"], folder), p["states"], p["actions"])
        if "list" in data:
            return [_decode(x, folder) for x in data["list"]]
        if "tuple" in data:
            return tuple(_decode(x, folder) for x in data["tuple"])
        if "dict" in data:
            return {k: _decode(v, folder) for k, v in data["dict"].items()}
        raise InvalidFile(f"counterexample argument {data!r} has no known type tag")
    return data


def save_counterexample(verdict: Verdict, folder: str | Path, reference: str | None = None) -> Path:
    """Write the counterexample of a refuted verdict into ``folder``: one MDP JSON file per MDP
    argument and ``NAME.counterexample.json`` with the other arguments, the numbers, the seed
    and how to find the conjecture again (``reference``: a suite name or ``PATH.py::NAME``).
    Returns the path of the parameters file, the FILE of ``deconfuse replay FILE``."""
    if verdict.counterexample is None:
        raise InvalidArgument(f"{verdict.conjecture.name} has no counterexample to save")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    name = verdict.conjecture.name
    args = {k: _encode(v, k, folder, name) for k, v in verdict.counterexample.items()}
    doc = {
        "format": COUNTEREXAMPLE_FORMAT,
        "conjecture": reference or name,
        "statement": verdict.conjecture.statement,
        "verdict": verdict.verdict,
        "seed": verdict.seed,
        "args": args,
        "numbers": {k: display_value(v) for k, v in verdict.numbers.items()},
    }
    path = folder / f"{name}.counterexample.json"
    path.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return path


def read_json(path: str | Path) -> Any:
    """The parsed JSON of a file; one InvalidFile line when it cannot be read or parsed."""
    path = Path(path)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidFile(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise InvalidFile(f"{path}: not valid JSON ({exc.msg})") from None


def is_counterexample(doc: Any) -> bool:
    """True for the parsed parameters file of a saved counterexample."""
    return isinstance(doc, dict) and doc.get("format") == COUNTEREXAMPLE_FORMAT


def replay(path: str | Path) -> tuple[Verdict, str]:
    """Re-check exactly the saved case: returns the new verdict on those arguments and the
    verdict recorded in the file."""
    path = Path(path)
    doc = read_json(path)
    if not is_counterexample(doc):
        raise InvalidFile(f"{path}: $.format is not {COUNTEREXAMPLE_FORMAT!r}")
    conjs = load_conjectures([doc["conjecture"]])
    conj = conjs[0]
    args = {k: _decode(v, path.parent) for k, v in doc["args"].items()}
    try:
        ok, numbers = conj.holds_on(**args)
    except DeconfuseError as exc:
        return Verdict(conj, "error", 1, args, error=str(exc)), doc.get("verdict", "")
    verdict = Verdict(conj, "holds" if ok else "refuted", 1, args, numbers)
    return verdict, doc.get("verdict", "")
