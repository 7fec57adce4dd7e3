"""Counterexample files and their display: describe, save, read and replay a failing case.

:func:`describe_counterexample` writes a :class:`~property_tests.checking.Verdict`'s
counterexample as text (every MDP as a table, :func:`describe_mdp`);
:func:`save_counterexample` writes it (a refutation or an error verdict) as MDP JSON files
plus a parameters file; :func:`read_counterexample` reads that file back exactly, checking
every field; :func:`replay` re-checks it, from any folder.

The parameters file has the format :data:`COUNTEREXAMPLE_FORMAT` (files of the earlier
``deconfuse.counterexample/1`` are still read)::

    {"format": "deconfuse.counterexample/2",
     "conjecture": {"name": "mine", "file": "../mine.py", "absolute": "/home/me/mine.py",
                    "sha256": "<sha256 of the bytes of mine.py>"},
     "statement": "...", "verdict": "refuted", "error": "", "seed": 0,
     "args": {"mdp": {"value": {"mdp": "mine.mdp.mdp.json"}, "display": "FiniteMDP(S=1, A=2, ...)"},
              "q": {"value": {"fraction": "2/5"}, "display": "2/5 (~0.4)"}},
     "numbers": {"gap": {"value": {"fraction": "-1/2"}, "display": "-1/2 (~-0.5)"}}}

- ``conjecture``: a statement of the built-in suite is ``{"name": N, "sha256": H}`` (H of the
  suite module that defines it); one of a user's file adds ``file`` (relative to the
  parameters file's folder, tried first) and ``absolute`` (tried next). When that file's
  bytes no longer have the digest, :meth:`SavedCounterexample.locate` says so in a note.
- ``verdict``: "holds", "refuted" or "error"; ``error``: the message of an error verdict.
- every value of ``args`` and ``numbers`` is exact, beside its ``display`` text: JSON integers,
  booleans, strings and null as they are, floats as JSON numbers (``{"float": "inf"}`` when
  not finite), ``{"fraction": "p/q"}``, ``{"mdp": FILE}`` (a deconfuse MDP JSON file beside the
  parameters file, :mod:`theory.io`), ``{"list": [...]}``, ``{"tuple": [...]}``, ``{"dict":
  {...}}``, ``{"array": nested lists, "kind": "exact" | "float" | "int" | "bool"}`` and
  ``{"policy": {"probs": ..., "states": [...], "actions": [...]}}``. A number of the claim
  that cannot be written exactly keeps only its ``display``.

A malformed file raises one :class:`~theory.errors.InvalidFile` line naming the file, the JSON
path and the problem. The JSON itself is read by :func:`theory.io.read_json`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
import math
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from property_tests.checking import Verdict, evaluate
from property_tests.declare import Conjecture
from property_tests.discovery import load_conjectures, suite
from property_tests.display import display_value
from property_tests.reduction import describe_reduction
from theory.errors import DeconfuseError, InvalidArgument, InvalidFile
from theory.io import load_mdp, read_json, save_mdp
from theory.mdp import FiniteMDP
from theory.numbers import format_number, parse_number
from theory.policy import Policy

__all__ = [
    "COUNTEREXAMPLE_FORMAT",
    "COUNTEREXAMPLE_FORMATS",
    "VERDICTS",
    "describe_mdp",
    "describe_counterexample",
    "save_counterexample",
    "SavedCounterexample",
    "read_counterexample",
    "is_counterexample",
    "replay",
]

#: The ``format`` tag of the parameters files that :func:`save_counterexample` writes.
COUNTEREXAMPLE_FORMAT = "deconfuse.counterexample/2"
#: The formats :func:`read_counterexample` reads (``/1``: before error verdicts, exact numbers
#: and conjecture files found from any folder).
COUNTEREXAMPLE_FORMATS = ("deconfuse.counterexample/1", COUNTEREXAMPLE_FORMAT)
#: The verdicts a saved file may record.
VERDICTS = ("holds", "refuted", "error")


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
    if verdict.reduction is not None:
        parts.append(describe_reduction(verdict.reduction))
    return "\n".join(parts)


# -- saving -------------------------------------------------------------------------------------

#: The numpy dtypes of the array kinds.
_ARRAY_KINDS: dict[str, Any] = {"exact": object, "float": np.float64, "int": np.int64, "bool": np.bool_}


def _array_kind(value: np.ndarray, where: str) -> str:
    if value.dtype == object:
        return "exact"
    for kind, numpy_kind in (("bool", "b"), ("int", "iu"), ("float", "f")):
        if value.dtype.kind in numpy_kind:
            return kind
    raise InvalidArgument(f"cannot save {where} exactly: an array of {value.dtype} is not a counterexample value")


def _encode(value: Any, where: str, files: dict[str, FiniteMDP], stem: str) -> Any:
    """The exact JSON of ``value`` (the format of the module docstring); MDPs are collected in
    ``files`` (file name -> MDP) and written by the caller."""
    if isinstance(value, FiniteMDP):
        file = f"{stem}.{where}.mdp.json"
        files[file] = value
        return {"mdp": file}
    if isinstance(value, Policy):
        return {"policy": {"probs": _encode(value.probs, where, files, stem),
                           "states": list(value.states), "actions": list(value.actions)}}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, Fraction):
        return {"fraction": str(value)}
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else {"float": repr(float(value))}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, np.ndarray):
        kind = _array_kind(value, where)

        def items(x: Any, at: str) -> Any:
            return [items(y, f"{at}.{i}") for i, y in enumerate(x)] if isinstance(x, list) else _encode(x, at, files, stem)

        return {"array": items(value.tolist(), where), "kind": kind}
    if isinstance(value, (list, tuple)):
        encoded = [_encode(x, f"{where}.{i}", files, stem) for i, x in enumerate(value)]
        return {"list" if isinstance(value, list) else "tuple": encoded}
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise InvalidArgument(f"cannot save {where} exactly: its key {key!r} is not a string")
        return {"dict": {k: _encode(v, f"{where}.{k}", files, stem) for k, v in value.items()}}
    raise InvalidArgument(f"cannot save {where} exactly: a {type(value).__name__} is not a counterexample value")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _suite_file(name: str) -> Path | None:
    """The file of the suite module that defines the statement ``name`` (None: not in the suite)."""
    conj = suite().get(name)
    file = inspect.getsourcefile(conj.fn) if conj is not None else None
    return Path(file) if file else None


def _default_reference(conj: Conjecture) -> str:
    """How to find ``conj`` again: ``PATH.py::NAME`` for a user's file (or the file that defines
    its function), its name for a statement of the suite (or when nothing better is known)."""
    if "::" in conj.source:
        return conj.source
    builtin = suite().get(conj.name)
    if builtin is not None and builtin.fn is conj.fn:
        return conj.name
    try:
        file = inspect.getsourcefile(conj.fn)
    except TypeError:
        file = None
    if file and file.endswith(".py") and Path(file).is_file():
        return f"{Path(file).resolve()}::{conj.name}"
    return conj.name


def _reference_fields(conj: Conjecture, reference: str | None, folder: Path) -> dict[str, str]:
    """The ``conjecture`` object of the file (module docstring) for ``reference``."""
    ref = _default_reference(conj) if reference is None else reference
    path_part, sep, name = ref.partition("::")
    if not sep and not path_part.endswith(".py"):
        suite_file = _suite_file(ref)
        return {"name": ref, "sha256": _sha256(suite_file)} if suite_file else {"name": ref}
    file = Path(path_part).resolve()
    if not file.is_file():
        raise InvalidArgument(f"reference is {ref!r}, but {file} is not a file")
    relative = Path(os.path.relpath(file, folder.resolve())).as_posix()
    return {"name": name or conj.name, "file": relative, "absolute": str(file), "sha256": _sha256(file)}


def _number_entry(value: Any, where: str, files: dict[str, FiniteMDP], stem: str) -> dict[str, Any]:
    """A number of the claim, exact when it can be (else only its display)."""
    try:
        return {"value": _encode(value, where, files, stem), "display": display_value(value)}
    except InvalidArgument:
        return {"display": display_value(value)}


def save_counterexample(verdict: Verdict, folder: str | Path, reference: str | None = None) -> Path:
    """Write the counterexample of a refuted (or error) verdict into ``folder``: one MDP JSON
    file per MDP argument and ``NAME.counterexample.json`` (format
    :data:`COUNTEREXAMPLE_FORMAT`) with the other arguments and the numbers, exactly, the
    verdict, its error message, the seed and how to find the conjecture again from any folder
    (``reference``: a suite name or ``PATH.py::NAME``; default: from the conjecture's source).
    Returns the path of the parameters file, the FILE of ``deconfuse replay FILE``.

    >>> import tempfile
    >>> from property_tests.discovery import suite
    >>> conj = suite()["quantiliser_never_worse_than_argmax"]
    >>> from theory.examples import two_state
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = save_counterexample(evaluate(conj, {"mdp": two_state(), "q": Fraction(2, 5)}), tmp)
    ...     saved = read_counterexample(path)
    >>> path.name, saved.args["q"], saved.verdict
    ('quantiliser_never_worse_than_argmax.counterexample.json', Fraction(2, 5), 'holds')
    """
    conj = verdict.conjecture
    if verdict.counterexample is None:
        raise InvalidArgument(f"{conj.name} has no counterexample to save (verdict {verdict.verdict})")
    folder = Path(folder)
    files: dict[str, FiniteMDP] = {}
    args = {k: {"value": _encode(v, k, files, conj.name), "display": display_value(v)}
            for k, v in verdict.counterexample.items()}
    numbers = {k: _number_entry(v, f"numbers.{k}", files, conj.name) for k, v in verdict.numbers.items()}
    folder.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": COUNTEREXAMPLE_FORMAT,
        "conjecture": _reference_fields(conj, reference, folder),
        "statement": conj.statement,
        "verdict": verdict.verdict,
        "error": verdict.error,
        "seed": verdict.seed,
        "args": args,
        "numbers": numbers,
    }
    text = json.dumps(doc, indent=1, allow_nan=False) + "\n"
    for file, mdp in files.items():
        save_mdp(mdp, folder / file)
    path = folder / f"{conj.name}.counterexample.json"
    path.write_text(text, encoding="utf-8")
    return path


# -- reading ------------------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, Fraction)):
        return "a number"
    return {str: "a string", list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


class _Reader:
    """Reads the values of one parameters file; every error names the file and the JSON path."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> InvalidFile:
        return InvalidFile(f"{self.path}: {where}: {problem}")

    def fields(self, value: Any, where: str, keys: tuple[str, ...], required: tuple[str, ...]) -> dict[str, Any]:
        """``value`` as a JSON object with only ``keys``, all of ``required``."""
        if not isinstance(value, dict):
            raise self.fail(where, f"is {_json_type(value)}, expected an object")
        for key in value:
            if key not in keys:
                raise self.fail(f"{where}.{key}", f"unknown field (known: {', '.join(keys)})")
        for key in required:
            if key not in value:
                raise self.fail(f"{where}.{key}", "missing")
        return value

    def text(self, value: Any, where: str, empty: bool = True) -> str:
        if not isinstance(value, str) or (not empty and not value):
            raise self.fail(where, f"is {value!r}, expected a {'' if empty else 'non-empty '}string")
        return value

    def value(self, node: Any, where: str) -> Any:
        """The exact value of a JSON node (the tags of the module docstring)."""
        if isinstance(node, Fraction):  # a JSON number with a point or an exponent: a float
            try:
                return float(node)
            except OverflowError:
                raise self.fail(where, "is a number too large for a float (write it as {\"fraction\": \"p/q\"})") from None
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, list):
            raise self.fail(where, 'is an array; a value is a number, a string, or tagged: {"list": [...]}, '
                                   '{"tuple": [...]}, {"fraction": "p/q"}, ...')
        tags = [key for key in node if key in _TAGS]
        extra = sorted(key for key in node if key not in _TAGS and not (key == "kind" and "array" in node))
        if len(tags) != 1 or extra:
            raise self.fail(where, f"is an object with the keys {sorted(node)}, expected one value tag of "
                                   f"{', '.join(_TAGS)}")
        tag = tags[0]
        return _TAGS[tag](self, node[tag], node, f"{where}.{tag}")

    def tag_mdp(self, name: Any, node: dict[str, Any], where: str) -> FiniteMDP:
        file = self.path.parent / self.text(name, where, empty=False)
        try:
            return load_mdp(file)
        except DeconfuseError as exc:
            message = str(exc)
            message = message if message.startswith(str(file)) else f"{file}: {message}"
            raise self.fail(where, message) from None

    def tag_fraction(self, text: Any, node: dict[str, Any], where: str) -> Fraction:
        try:
            return parse_number(self.text(text, where), where)
        except InvalidArgument:
            raise self.fail(where, f"{text!r} is not a number p/q") from None

    def tag_float(self, text: Any, node: dict[str, Any], where: str) -> float:
        if text not in ("inf", "-inf", "nan"):
            raise self.fail(where, f"is {text!r}, expected 'inf', '-inf' or 'nan' (finite floats are JSON numbers)")
        return float(text)

    def tag_list(self, items: Any, node: dict[str, Any], where: str) -> list[Any]:
        if not isinstance(items, list):
            raise self.fail(where, f"is {_json_type(items)}, expected an array")
        return [self.value(x, f"{where}[{i}]") for i, x in enumerate(items)]

    def tag_tuple(self, items: Any, node: dict[str, Any], where: str) -> tuple[Any, ...]:
        return tuple(self.tag_list(items, node, where))

    def tag_dict(self, items: Any, node: dict[str, Any], where: str) -> dict[str, Any]:
        if not isinstance(items, dict):
            raise self.fail(where, f"is {_json_type(items)}, expected an object")
        return {k: self.value(v, f"{where}.{k}") for k, v in items.items()}

    def tag_array(self, items: Any, node: dict[str, Any], where: str) -> np.ndarray:
        kind = node.get("kind", "float")
        if kind not in _ARRAY_KINDS:
            raise self.fail(where.removesuffix(".array") + ".kind", f"is {kind!r}, expected one of {', '.join(_ARRAY_KINDS)}")
        allowed = {"exact": (int, Fraction), "float": (int, float), "int": (int,), "bool": (bool,)}[kind]

        def leaves(x: Any, at: str) -> Any:
            if isinstance(x, list):
                return [leaves(y, f"{at}[{i}]") for i, y in enumerate(x)]
            leaf = self.value(x, at)
            if isinstance(leaf, list):  # a /1 file wrote the rows of an array as {"list": [...]}
                return [leaves(y, f"{at}[{i}]") for i, y in enumerate(x["list"])]
            if not isinstance(leaf, allowed) or (kind != "bool" and isinstance(leaf, bool)):
                raise self.fail(at, f"is {leaf!r}, not an entry of an array of kind {kind!r}")
            return leaf

        try:
            array = np.array(leaves(items, where), dtype=_ARRAY_KINDS[kind])
        except (ValueError, TypeError):
            raise self.fail(where, "is not a rectangular array") from None
        if array.dtype == object and any(isinstance(x, list) for x in array.flat):
            raise self.fail(where, "is not a rectangular array")
        return array

    def tag_policy(self, fields: Any, node: dict[str, Any], where: str) -> Policy:
        fields = self.fields(fields, where, ("probs", "states", "actions"), ("probs", "states", "actions"))
        try:
            return Policy(self.value(fields["probs"], f"{where}.probs"), fields["states"], fields["actions"])
        except DeconfuseError as exc:
            raise self.fail(where, str(exc)) from None

    def entries(self, table: Any, where: str, version: int, value_required: bool) -> dict[str, Any]:
        """The ``args`` or ``numbers`` of a file: name -> exact value (a number without an exact
        value: its display text)."""
        if not isinstance(table, dict):
            raise self.fail(where, f"is {_json_type(table)}, expected an object")
        out = {}
        for name, entry in table.items():
            at = f"{where}.{name}"
            if not name.isidentifier():
                raise self.fail(at, f"{name!r} is not an argument or number name")
            if version == 1:
                out[name] = self.value(entry, at) if value_required else self.text(entry, at)
                continue
            entry = self.fields(entry, at, ("value", "display"), ("value", "display") if value_required else ("display",))
            display = self.text(entry["display"], f"{at}.display")
            out[name] = self.value(entry["value"], f"{at}.value") if "value" in entry else display
        return out


#: The value tags: tag -> the reader method of its content.
_TAGS: dict[str, Callable[..., Any]] = {
    "mdp": _Reader.tag_mdp, "fraction": _Reader.tag_fraction, "float": _Reader.tag_float, "list": _Reader.tag_list,
    "tuple": _Reader.tag_tuple, "dict": _Reader.tag_dict, "array": _Reader.tag_array, "policy": _Reader.tag_policy,
}


@dataclasses.dataclass(frozen=True)
class SavedCounterexample:
    """A parameters file read back exactly (:func:`read_counterexample`).

    ``name`` is the conjecture's name; ``file``/``absolute`` where its user's file is (relative
    to the parameters file's folder / absolute; both "" for a statement of the suite) and
    ``sha256`` the digest of that file when the counterexample was saved ("" when unknown);
    ``verdict`` and ``error`` the recorded verdict; ``args`` the exact arguments and
    ``numbers`` the exact numbers of the claim (a number saved without an exact value, or from
    a ``/1`` file: its display text).
    """

    path: Path
    format: str
    name: str
    file: str
    absolute: str
    sha256: str
    statement: str
    verdict: str
    error: str
    seed: int
    args: dict[str, Any]
    numbers: dict[str, Any]

    def locate(self) -> tuple[str, str]:
        """``(reference, note)``: the reference that :func:`~property_tests.discovery.load_conjectures`
        takes (a suite name or ``PATH.py::NAME``, the file looked for beside the parameters file
        first, then at its absolute path) and a one-line note when that file has changed since
        the counterexample was saved ("" otherwise)."""
        if not self.file:
            reference, current = self.name, _suite_file(self.name)
        else:
            if self.format == COUNTEREXAMPLE_FORMATS[0]:  # /1: relative to the folder check ran in
                candidates = [Path(self.file), self.path.parent / self.file]
            else:
                candidates = [Path(os.path.normpath(self.path.parent / self.file))] + (
                    [Path(self.absolute)] if self.absolute else [])
            current = next((c for c in candidates if c.is_file()), None)
            if current is None:
                raise InvalidFile(f"{self.path}: $.conjecture.file: the conjecture file is neither "
                                  + " nor ".join(str(c) for c in candidates))
            reference = f"{current}::{self.name}" if self.name else str(current)
        note = ""
        if self.sha256 and current is not None and _sha256(current) != self.sha256:
            note = (f"note: {current} has changed since this counterexample was saved "
                    "(its sha256 differs); replaying with the file as it is now")
        return reference, note


def _read_reference(reader: _Reader, node: Any, version: int) -> dict[str, str]:
    """The ``conjecture`` field: name, file, absolute, sha256 ("" when absent)."""
    where = "$.conjecture"
    if version == 1:
        path_part, sep, name = reader.text(node, where, empty=False).partition("::")
        if sep or path_part.endswith(".py"):
            return {"name": name, "file": path_part, "absolute": "", "sha256": ""}
        return {"name": node, "file": "", "absolute": "", "sha256": ""}
    node = reader.fields(node, where, ("name", "file", "absolute", "sha256"), ("name",))
    out = {key: reader.text(node.get(key, ""), f"{where}.{key}") for key in ("name", "file", "absolute", "sha256")}
    if not out["name"].isidentifier():
        raise reader.fail(f"{where}.name", f"is {out['name']!r}, not a conjecture name")
    if out["file"] and not out["absolute"]:
        raise reader.fail(f"{where}.absolute", "missing (a conjecture file needs its absolute path too)")
    if out["sha256"] and (len(out["sha256"]) != 64 or any(c not in "0123456789abcdef" for c in out["sha256"])):
        raise reader.fail(f"{where}.sha256", f"is {out['sha256']!r}, not a sha256 digest (64 hexadecimal digits)")
    return out


#: The fields of a ``/2`` file (all required) and of a ``/1`` file (those after "args" optional).
_FIELDS = ("format", "conjecture", "statement", "verdict", "error", "seed", "args", "numbers")
_FIELDS_1 = ("format", "conjecture", "args", "statement", "verdict", "seed", "numbers")


def read_counterexample(path: str | Path) -> SavedCounterexample:
    """Read and check a parameters file written by :func:`save_counterexample` (format ``/2``,
    or ``/1``); its values are read back exactly, its MDPs from the files beside it. A
    malformed file raises one InvalidFile line naming the file, the JSON path and the problem.
    """
    path = Path(path)
    reader = _Reader(path)
    doc = read_json(path)
    if not isinstance(doc, dict):
        raise reader.fail("$", f"is {_json_type(doc)}, expected an object (a counterexample file)")
    fmt = doc.get("format")
    if fmt not in COUNTEREXAMPLE_FORMATS:
        raise reader.fail("$.format", f"is {fmt!r}, not a counterexample format (expected {COUNTEREXAMPLE_FORMAT!r}"
                                      f" or {COUNTEREXAMPLE_FORMATS[0]!r})" if "format" in doc else "missing")
    version = COUNTEREXAMPLE_FORMATS.index(fmt) + 1
    fields = _FIELDS if version == 2 else _FIELDS_1
    reader.fields(doc, "$", fields, fields if version == 2 else fields[:3])
    verdict = doc.get("verdict", "")
    if verdict not in VERDICTS and not (version == 1 and "verdict" not in doc):
        raise reader.fail("$.verdict", f"is {verdict!r}, not one of {', '.join(map(repr, VERDICTS))}")
    error = reader.text(doc.get("error", ""), "$.error")
    if verdict == "error" and version == 2 and not error:
        raise reader.fail("$.error", "is empty, but the verdict is 'error'")
    seed = doc.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise reader.fail("$.seed", f"is {seed!r}, not an integer")
    return SavedCounterexample(
        path=path, format=fmt, **_read_reference(reader, doc["conjecture"], version),
        statement=reader.text(doc.get("statement", ""), "$.statement"), verdict=verdict, error=error, seed=seed,
        args=reader.entries(doc["args"], "$.args", version, value_required=True),
        numbers=reader.entries(doc.get("numbers", {}), "$.numbers", version, value_required=False),
    )


def is_counterexample(doc: Any) -> bool:
    """True for parsed JSON that says it is a counterexample file (``format``
    ``deconfuse.counterexample/...``, whichever version: :func:`read_counterexample` checks it).

    >>> is_counterexample({"format": COUNTEREXAMPLE_FORMAT}), is_counterexample({"format": "deconfuse.mdp/1"})
    (True, False)
    """
    return isinstance(doc, dict) and isinstance(doc.get("format"), str) and doc["format"].startswith(
        "deconfuse.counterexample/")


def _check_arguments(saved: SavedCounterexample, conj: Conjecture) -> None:
    """The saved arguments are exactly the conjecture's, in the order its statement demands."""
    takes = ", ".join(conj.strategies) or "none"
    for name in saved.args:
        if name not in conj.strategies:
            raise InvalidFile(f"{saved.path}: $.args.{name}: {conj.name} takes no argument {name!r} (it takes {takes})")
    for name in conj.strategies:
        if name not in saved.args:
            raise InvalidFile(f"{saved.path}: $.args.{name}: missing ({conj.name} takes {takes})")
    try:
        in_order = conj.in_order(saved.args)
    except TypeError:
        in_order = False
    if not in_order:
        groups = "; ".join(" < ".join(group) for group in conj.ordered)
        raise InvalidFile(f"{saved.path}: $.args: the values are not in the order {conj.name} states ({groups})")


def replay(source: str | Path | SavedCounterexample) -> tuple[Verdict, str]:
    """Re-check exactly the saved case (a file, or one :func:`read_counterexample` read):
    returns the new verdict on those arguments (:func:`~property_tests.checking.evaluate`) and
    the verdict recorded in the file. The conjecture is found from the file (any folder)."""
    saved = source if isinstance(source, SavedCounterexample) else read_counterexample(source)
    if not saved.verdict:
        raise InvalidFile(f"{saved.path}: $.verdict: missing")
    reference, _ = saved.locate()
    try:
        conj = load_conjectures([reference])[0]
    except DeconfuseError as exc:
        raise InvalidFile(f"{saved.path}: $.conjecture: {exc}") from None
    _check_arguments(saved, conj)
    return evaluate(conj, saved.args, saved.seed), saved.verdict
