"""JSON serialisation of FiniteMDPs: the ``deconfuse.mdp/1`` format, exact round trip.

Format (numbers are "p/q" strings, decimal strings or JSON integers, all read exactly; JSON
floats are read exactly from their decimal text)::

    {"format": "deconfuse.mdp/1",
     "states": ["s0", "s1"], "actions": ["stay", "go"],
     "transitions": {"s0": {"stay": {"s0": "1"}, "go": {"s1": "9/10", "s0": "1/10"}},
                     "s1": {"stay": {"s1": "1"}, "go": {"s0": "1"}}},
     "rewards": {"true": {"s1": {"stay": "1"}}, "proxy": {"s1": {"stay": "1"}, "s0": {"go": "1/2"}}},
     "initial": {"s0": "1"},
     "discount": "9/10"}

``"horizon": H`` replaces ``"discount"``; missing reward and probability entries are 0; a
missing transition row for a (state, action) is an error; optional ``"observations"`` (state ->
label) and ``"features"`` (state -> list of numbers). A float MDP is saved with
``"numbers": "float"`` and its floats' shortest round-trip decimals, and loads back as float.
A malformed file raises :class:`~theory.errors.InvalidFile` naming the JSON path.

:func:`read_json` (a file) and :func:`parse_json` (text or bytes) are the one strict JSON reader
of deconfuse, which every other JSON-reading module uses: UTF-8 only; a key repeated in an object
is an error naming the object's JSON path and the key (``json`` would keep the last value
silently); ``NaN`` and ``Infinity`` are refused; numbers are exact (a JSON float is the Fraction
its decimal text denotes, never a float), by the number grammar of
:func:`theory.numbers.parse_number_text`; nesting deeper than the interpreter can follow is one
line, not a ``RecursionError``; a file's size is checked against the memory budget
(:mod:`theory.budget`) before it is read.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from theory.budget import check_budget, check_mdp_size
from theory.errors import DeconfuseError, InvalidArgument, InvalidFile
from theory.mdp import FiniteMDP
from theory.numbers import format_number, parse_number, parse_number_text
from theory.validation import check_enabled

__all__ = [
    "FORMAT",
    "mdp_to_dict",
    "mdp_from_dict",
    "dumps",
    "loads",
    "save_mdp",
    "load_mdp",
    "parse_json",
    "read_json",
]

FORMAT = "deconfuse.mdp/1"


def _num(x: Any) -> Any:
    if isinstance(x, Fraction):
        # json writes an int through str, which refuses more than 4300 digits: a string then
        return int(x) if x.denominator == 1 and x.numerator.bit_length() < 14000 else format_number(x)
    return float(x)


def mdp_to_dict(mdp: FiniteMDP) -> dict[str, Any]:
    """The JSON-ready dict of an MDP (zero entries omitted).

    >>> from theory.examples import two_state
    >>> mdp_to_dict(two_state())["transitions"]["s0"]["go"]
    {'s0': '1/10', 's1': '9/10'}
    """
    S, A = mdp.states, mdp.actions
    out: dict[str, Any] = {"format": FORMAT}
    if not mdp.exact:
        out["numbers"] = "float"
    out["states"] = list(S)
    out["actions"] = list(A)
    if not mdp.all_enabled:
        out["enabled"] = {s: [a for a, on in zip(A, row) if on] for s, row in zip(S, mdp.enabled) if not row.all()}
    succ = mdp.successors
    out["transitions"] = {
        s: {a: {S[k]: _num(p) for k, p in succ[i][j]} for j, a in enumerate(A) if mdp.enabled[i, j]}
        for i, s in enumerate(S)
    }
    out["rewards"] = {}
    for name, r in mdp.rewards.items():
        table: dict[str, dict[str, Any]] = {}
        for i, s in enumerate(S):
            row = {a: _num(r[i, j]) for j, a in enumerate(A) if r[i, j] != 0}
            if row:
                table[s] = row
        out["rewards"][name] = table
    out["initial"] = {s: _num(p) for s, p in zip(S, mdp.initial) if p != 0}
    if mdp.discount is not None:
        out["discount"] = _num(mdp.discount)
    else:
        out["horizon"] = mdp.horizon
    if mdp.observations is not None:
        out["observations"] = dict(zip(S, mdp.observations))
    if mdp.features is not None:
        out["features"] = {s: [float(x) for x in row] for s, row in zip(S, mdp.features)}
    return out


def dumps(mdp: FiniteMDP) -> str:
    """The MDP as a JSON string (indented)."""
    return json.dumps(mdp_to_dict(mdp), indent=1)


def save_mdp(mdp: FiniteMDP, path: str | Path) -> Path:
    """Write the MDP to ``path`` as JSON; returns the path."""
    path = Path(path)
    path.write_text(dumps(mdp) + "\n", encoding="utf-8")
    return path


def _need(obj: Any, key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise InvalidFile(f"{path}: is {type(obj).__name__}, expected an object")
    if key not in obj:
        raise InvalidFile(f"{path}.{key}: missing")
    return obj[key]


def _labels(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(x, str) for x in value):
        raise InvalidFile(f"{path}: expected a non-empty list of strings, got {value!r}")
    if len(set(value)) != len(value):
        raise InvalidFile(f"{path}: labels repeat")
    return value


def _number(value: Any, path: str) -> Fraction:
    # floats come from a dict built in Python (mdp_to_dict of a float MDP); parse_number reads
    # them as their shortest round-trip decimal, the same number the JSON text would give.
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Fraction)):
        raise InvalidFile(f"{path}: {value!r} is not a number (use an integer, \"p/q\" or a decimal string)")
    try:
        return parse_number(value, path)
    except InvalidArgument:
        raise InvalidFile(f"{path}: {value!r} is not a number (use an integer, \"p/q\" or a decimal string)") from None


def _table(value: Any, keys: list[str] | dict[str, int], path: str) -> dict[str, Any]:
    """``value`` as an object whose keys are among ``keys`` (a list, or a dict label -> index
    for the long label lists of states and actions)."""
    if not isinstance(value, dict):
        raise InvalidFile(f"{path}: expected an object, got {type(value).__name__}")
    for k in value:
        if k not in keys:
            raise InvalidFile(f"{path}.{k}: unknown label (expected one of {list(keys)})")
    return value


def _index(labels: list[str]) -> dict[str, int]:
    return {x: i for i, x in enumerate(labels)}


def mdp_from_dict(data: Any, source: str = "$") -> FiniteMDP:
    """Build and validate an MDP from the JSON dict; errors name the JSON path.

    >>> from theory.examples import two_state
    >>> mdp_from_dict(mdp_to_dict(two_state())) == two_state()
    True
    >>> mdp_from_dict({"format": "deconfuse.mdp/1", "states": ["s"], "actions": ["a"],
    ...                "transitions": {"s": {}}, "rewards": {}, "initial": {"s": 1}, "horizon": 1})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidFile: $.transitions.s.a: missing
    """
    root = "$"
    kind = _read_header(data, root)
    states = _labels(_need(data, "states", root), f"{root}.states")
    actions = _labels(_need(data, "actions", root), f"{root}.actions")
    enabled = _read_enabled(data, states, actions, root)
    T = _read_transitions(data, states, actions, enabled, root)
    rewards = _read_rewards(data, states, actions, root)
    init = np.full(len(states), Fraction(0), dtype=object)
    state_at = _index(states)
    for s, p in _table(_need(data, "initial", root), state_at, f"{root}.initial").items():
        init[state_at[s]] = _number(p, f"{root}.initial.{s}")
    discount, horizon = _read_time(data, root)
    observations = _read_observations(data, states, root)
    features = _read_features(data, states, root)
    if kind == "float":
        T = {key: {j: float(p) for j, p in row.items()} for key, row in T.items()}
        rewards = {k: np.array(v.tolist(), dtype=np.float64) for k, v in rewards.items()}
        init = np.array(init.tolist(), dtype=np.float64)
        discount = None if discount is None else float(discount)
    try:
        return FiniteMDP(states, actions, T, rewards, init, discount=discount, horizon=horizon,
                         observations=observations, features=features, enabled=enabled)
    except DeconfuseError as exc:
        raise InvalidFile(f"{source}: {exc}") from None


#: The top-level fields of the format.
_KNOWN = {"format", "numbers", "states", "actions", "enabled", "transitions", "rewards", "initial",
          "discount", "horizon", "observations", "features", "meta"}


def _read_header(data: Any, root: str) -> str:
    """Check the object, its format and its fields; the kind of its numbers ("exact"/"float")."""
    if not isinstance(data, dict):
        raise InvalidFile(f"{root}: expected a JSON object, got {type(data).__name__}")
    fmt = data.get("format")
    if fmt != FORMAT:
        raise InvalidFile(f"{root}.format: is {fmt!r}, expected {FORMAT!r}")
    for key in data:
        if key not in _KNOWN:
            raise InvalidFile(f"{root}.{key}: unknown field (known: {sorted(_KNOWN)})")
    kind = data.get("numbers", "exact")
    if kind not in ("exact", "float"):
        raise InvalidFile(f"{root}.numbers: is {kind!r}, expected 'exact' or 'float'")
    return kind


def _read_enabled(data: dict[str, Any], states: list[str], actions: list[str], root: str) -> np.ndarray:
    """The (S, A) mask of ``enabled`` (``{state: [actions]}``; states not listed: all actions),
    read by :func:`theory.validation.check_enabled`."""
    if "enabled" not in data:
        return check_enabled(None, states, actions, InvalidFile)
    path = f"{root}.enabled"
    table = _table(data["enabled"], _index(states), path)
    for s, acts in table.items():
        if not isinstance(acts, list) or not all(isinstance(a, str) for a in acts):
            raise InvalidFile(f"{path}.{s}: expected a list of action labels, got {acts!r}")
    try:
        return check_enabled(table, states, actions, InvalidFile)
    except InvalidFile as exc:
        raise InvalidFile(f"{path}: {exc}") from None


def _read_transitions(data: dict[str, Any], states: list[str], actions: list[str], enabled: np.ndarray,
                      root: str) -> dict[tuple[int, int], dict[int, Fraction]]:
    """The exact rows ``{(s, a): {s': p}}`` of ``transitions``: every enabled (state, action)
    row required, none for a disabled one."""
    S, A = len(states), len(actions)
    state_at, action_at = _index(states), _index(actions)
    trans_json = _table(_need(data, "transitions", root), state_at, f"{root}.transitions")
    nonzeros = sum(len(dist) for row in trans_json.values() if isinstance(row, dict)
                   for dist in row.values() if isinstance(dist, dict))
    try:
        check_mdp_size(f"{root}.states x {root}.actions", f"{S} x {A}", S, A, nonzeros=nonzeros)
    except InvalidArgument as exc:
        raise InvalidFile(str(exc)) from None
    rows: dict[tuple[int, int], dict[int, Fraction]] = {}
    for i, s in enumerate(states):
        p_s = f"{root}.transitions.{s}"
        row_s = _table(_need(trans_json, s, f"{root}.transitions"), action_at, p_s)
        for a in row_s:
            if not enabled[i, action_at[a]]:
                raise InvalidFile(f"{p_s}.{a}: a row for {a!r}, which {root}.enabled disables in {s!r}")
        for j, a in enumerate(actions):
            if not enabled[i, j]:
                continue
            dist = _table(_need(row_s, a, p_s), state_at, f"{p_s}.{a}")
            rows[(i, j)] = {state_at[t]: _number(p, f"{p_s}.{a}.{t}") for t, p in dist.items()}
    return rows


def _read_rewards(data: dict[str, Any], states: list[str], actions: list[str], root: str) -> dict[str, np.ndarray]:
    """The exact (S, A) reward arrays of ``rewards`` by name (at least one; missing entries 0)."""
    rewards_raw = _need(data, "rewards", root)
    rewards_json = _table(rewards_raw, list(rewards_raw) if isinstance(rewards_raw, dict) else [], f"{root}.rewards")
    if not rewards_json:
        raise InvalidFile(f"{root}.rewards: empty; at least one reward function is needed")
    rewards = {}
    for name, table in rewards_json.items():
        p_r = f"{root}.rewards.{name}"
        R = np.full((len(states), len(actions)), Fraction(0), dtype=object)
        state_at, action_at = _index(states), _index(actions)
        for s, row in _table(table, state_at, p_r).items():
            for a, r in _table(row, action_at, f"{p_r}.{s}").items():
                R[state_at[s], action_at[a]] = _number(r, f"{p_r}.{s}.{a}")
        rewards[name] = R
    return rewards


def _read_time(data: dict[str, Any], root: str) -> tuple[Fraction | None, int | None]:
    """``(discount, horizon)`` as given (FiniteMDP checks that exactly one is there)."""
    discount = horizon = None
    if "discount" in data:
        discount = _number(data["discount"], f"{root}.discount")
    if "horizon" in data:
        horizon = data["horizon"]
        if isinstance(horizon, bool) or not isinstance(horizon, int):
            raise InvalidFile(f"{root}.horizon: is {horizon!r}, not an integer")
    return discount, horizon


def _read_observations(data: dict[str, Any], states: list[str], root: str) -> list[str] | None:
    """The per-state observation labels of ``observations`` (every state required), or None."""
    if "observations" not in data:
        return None
    obs = _table(data["observations"], states, f"{root}.observations")
    for s in states:
        if s not in obs:
            raise InvalidFile(f"{root}.observations.{s}: missing")
        if not isinstance(obs[s], str):
            raise InvalidFile(f"{root}.observations.{s}: is {obs[s]!r}, not a string")
    return [obs[s] for s in states]


def _read_features(data: dict[str, Any], states: list[str], root: str) -> list[list[float]] | None:
    """The per-state feature vectors of ``features`` (every state required), or None."""
    if "features" not in data:
        return None
    feats = _table(data["features"], states, f"{root}.features")
    rows = []
    for s in states:
        row = _need(feats, s, f"{root}.features")
        if not isinstance(row, list):
            raise InvalidFile(f"{root}.features.{s}: is {row!r}, not a list of numbers")
        rows.append([float(_number(x, f"{root}.features.{s}[{k}]")) for k, x in enumerate(row)])
    return rows


def loads(text: str | bytes, source: str = "$") -> FiniteMDP:
    """Parse an MDP from JSON text (by :func:`parse_json`); JSON floats are read exactly from
    their decimal text."""
    return _prefixed(lambda: mdp_from_dict(parse_json(text, source), source), source)


def load_mdp(path: str | Path) -> FiniteMDP:
    """Read and validate an MDP JSON file (by :func:`read_json`); a message about a JSON path
    names the file first.

    >>> import tempfile, os
    >>> from theory.examples import two_state
    >>> with tempfile.TemporaryDirectory() as d:
    ...     load_mdp(save_mdp(two_state(), os.path.join(d, "m.json"))) == two_state()
    True
    """
    path = Path(path)
    return _prefixed(lambda: mdp_from_dict(read_json(path), str(path)), str(path))


def _prefixed(read: Callable[[], FiniteMDP], source: str) -> FiniteMDP:
    """``read()``, with ``source`` put in front of an InvalidFile message that starts at a
    JSON path ("$.discount: ..." -> "m.json: $.discount: ...")."""
    try:
        return read()
    except InvalidFile as exc:
        message = str(exc)
        if source != "$" and message.startswith("$"):
            raise InvalidFile(f"{source}: {message}") from None
        raise


# -- the strict JSON reader ---------------------------------------------------------------------

#: Estimated memory of the parsed objects per byte of JSON text (Python objects are larger than
#: their text: a 2-byte number is a 28-byte int plus an 8-byte list slot).
_BYTES_PER_CHARACTER = 20


class _Marked(dict):  # type: ignore[type-arg]
    """An object of the parsed JSON in which a key appeared more than once."""

    duplicate: str = ""


class _Refused:
    """A number or constant of the JSON text that is not read (the reason is kept)."""

    def __init__(self, text: str, reason: str) -> None:
        self.text, self.reason = text, reason


def parse_json(text: str | bytes, source: str = "$", exact: bool = True) -> Any:
    """The data of a JSON text, read strictly (see the module docstring): numbers are exact
    (ints, Fractions; with ``exact=False`` a JSON float is the nearest float64, for data saved
    as floats), a repeated key or a refused number is an :class:`InvalidFile` naming its JSON
    path; ``source`` names the text in messages.

    >>> parse_json('{"p": 0.1, "n": [1, "x"]}')
    {'p': Fraction(1, 10), 'n': [1, 'x']}
    >>> parse_json('{"s0": "1/2", "s0": "1/2", "s1": "1/2"}')
    Traceback (most recent call last):
    ...
    theory.errors.InvalidFile: $: the key 's0' appears twice
    >>> parse_json('{"a": [1, NaN]}')
    Traceback (most recent call last):
    ...
    theory.errors.InvalidFile: $.a[1]: NaN is not a number (JSON has no NaN or Infinity)
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidFile(
                f"{source}: not UTF-8 text (byte 0x{text[exc.start]:02x} at offset {exc.start})"
            ) from None
    found: list[bool] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out and not isinstance(out, _Marked):
                out = _Marked(out)
                out.duplicate = key
                found.append(True)
            out[key] = value
        return out

    def number(token: str) -> Any:
        value = parse_number_text(token)
        if isinstance(value, str):
            found.append(True)
            return _Refused(token, f"{token[:20]!r}{'...' if len(token) > 20 else ''} is {value}")
        if value.denominator == 1 and "." not in token and "e" not in token.lower():
            return int(value)
        if exact:
            return value
        as_float = float(token)  # the correctly rounded float64 of the decimal text
        if not math.isfinite(as_float):
            found.append(True)
            return _Refused(token, f"{token[:20]!r} is too large for float64")
        return as_float

    def constant(token: str) -> Any:
        found.append(True)
        return _Refused(token, f"{token} is not a number (JSON has no NaN or Infinity)")

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_float=number, parse_int=number,
                          parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise InvalidFile(f"{source}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise InvalidFile(f"{source}: not valid JSON (arrays and objects nested too deeply)") from None
    if found:
        _raise_first_refusal(data, source)
    return data


def _raise_first_refusal(data: Any, source: str) -> None:
    """Raise the InvalidFile of the first repeated key or refused number of ``data``, in the
    order of the text, naming its JSON path (an iterative walk: no recursion limit)."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, node = stack.pop()
        at = path if source == "$" else f"{source}: {path}"
        if isinstance(node, _Marked):
            raise InvalidFile(f"{at}: the key {node.duplicate!r} appears twice")
        if isinstance(node, _Refused):
            raise InvalidFile(f"{at}: {node.reason}")
        if isinstance(node, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(node))))


def read_json(path: str | Path, exact: bool = True) -> Any:
    """The data of a JSON file, read by :func:`parse_json`; one :class:`InvalidFile` line
    naming the file when it cannot be read (missing, a folder, unreadable), is larger than the
    memory budget allows, is not UTF-8 or not valid JSON.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = open(os.path.join(d, "x.json"), "wb").write(b"\\xff\\xfe")
    ...     read_json(os.path.join(d, "x.json"))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidFile: .../x.json: not UTF-8 text (byte 0xff at offset 0)
    """
    path = Path(path)
    try:
        size = os.stat(path).st_size
        check_budget(f"the file {path}", f"{size:,} bytes", size * _BYTES_PER_CHARACTER, "reading it")
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidFile(f"{path}: cannot read ({exc.strerror})") from None
    return parse_json(data, str(path), exact)
