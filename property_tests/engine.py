"""The conjecture engine: state a claim, check it on generated MDPs, shrink a counterexample.

A *conjecture* is a function of generated arguments that says whether a claim holds on them;
a *theorem* is a conjecture that is proved and must hold. Both are declared with a decorator
that names the Hypothesis strategies of the arguments and the expected verdict::

    from property_tests.engine import conjecture, claim
    from property_tests.strategies import finite_mdps

    @conjecture("the argmax of the proxy is never worse than uniform under the true reward",
                expect="refuted", mdp=finite_mdps())
    def argmax_beats_uniform(mdp):
        ...
        claim(j_argmax >= j_uniform, argmax_true_return=j_argmax, uniform_true_return=j_uniform)

The check returns ``True``/``None`` (holds on this example), ``False`` (refuted), or calls
:func:`claim`, which records the numbers that broke the claim. :func:`check` runs Hypothesis
with a seed; when the claim fails, Hypothesis shrinks the arguments to a minimal example, which
:func:`save_counterexample` writes as MDP JSON files plus a parameters file that
:func:`replay` re-checks exactly.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import sys
from collections.abc import Callable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import numpy as np
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable
from hypothesis.strategies import SearchStrategy

from theory.errors import DeconfuseError, InvalidArgument, InvalidFile
from theory.io import load_mdp, save_mdp
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.policy import Policy

__all__ = [
    "Conjecture",
    "Refuted",
    "Verdict",
    "conjecture",
    "theorem",
    "claim",
    "check",
    "describe_mdp",
    "save_counterexample",
    "replay",
    "read_json",
    "is_counterexample",
    "load_conjectures",
    "suite",
]

Expectation = Literal["holds", "refuted"]
COUNTEREXAMPLE_FORMAT = "deconfuse.counterexample/1"


class Refuted(Exception):
    """Raised by :func:`claim` when a claim fails; carries the numbers that broke it."""

    def __init__(self, numbers: Mapping[str, Any]):
        super().__init__(", ".join(f"{k} = {_show(v)}" for k, v in numbers.items()))
        self.numbers = dict(numbers)


def claim(condition: bool, **numbers: Any) -> bool:
    """Assert a claim inside a conjecture; when it is false, the ``numbers`` are reported
    with the counterexample.

    >>> claim(1 < 2, a=1, b=2)
    True
    >>> claim(2 < 1, a=2, b=1)
    Traceback (most recent call last):
    ...
    property_tests.engine.Refuted: a = 2, b = 1
    """
    if not condition:
        raise Refuted(numbers)
    return True


@dataclasses.dataclass(frozen=True)
class Conjecture:
    """A claim over generated arguments.

    - ``name``: identifier; ``statement``: the claim in words;
    - ``expect``: "holds" or "refuted"; ``kind``: "theorem" (proved, must hold) or "conjecture";
    - ``strategies``: argument name -> Hypothesis strategy; ``fn``: the check;
    - ``examples``: default number of examples; ``source``: where it was defined.
    """

    name: str
    statement: str
    expect: Expectation
    kind: Literal["theorem", "conjecture"]
    strategies: Mapping[str, SearchStrategy]
    fn: Callable[..., Any]
    examples: int = 200
    source: str = ""

    def __call__(self, **kwargs: Any) -> Any:
        return self.fn(**kwargs)

    def holds_on(self, **kwargs: Any) -> tuple[bool, dict[str, Any]]:
        """Evaluate the claim on one set of arguments: (holds, numbers when refuted)."""
        try:
            result = self.fn(**kwargs)
        except Refuted as exc:
            return False, exc.numbers
        if result is False:
            return False, {}
        return True, {}


def _decorator(kind: str, statement: str, expect: Expectation, examples: int | None,
               strategies: dict[str, SearchStrategy]) -> Callable[[Callable[..., Any]], Conjecture]:
    if expect not in ("holds", "refuted"):
        raise InvalidArgument(f"expect is {expect!r}, not 'holds' or 'refuted'")
    if examples is not None and (not isinstance(examples, int) or examples < 1):
        raise InvalidArgument(f"examples is {examples!r}, not a positive integer")
    for name, strategy in strategies.items():
        if not isinstance(strategy, SearchStrategy):
            raise InvalidArgument(f"strategy for argument {name!r} is {strategy!r}, not a Hypothesis strategy")

    def wrap(fn: Callable[..., Any]) -> Conjecture:
        module = getattr(fn, "__module__", "")
        return Conjecture(
            name=fn.__name__,
            statement=" ".join(statement.split()),
            expect=expect,
            kind=kind,  # type: ignore[arg-type]
            strategies=dict(strategies),
            fn=fn,
            examples=examples or 200,
            source=module,
        )

    return wrap


def conjecture(statement: str, expect: Expectation = "holds", examples: int | None = None,
               **strategies: SearchStrategy) -> Callable[[Callable[..., Any]], Conjecture]:
    """Declare a conjecture: a claim that may be false, with its expected verdict.

    >>> from hypothesis import strategies as st
    >>> @conjecture("every integer is below 100", expect="refuted", x=st.integers())
    ... def below_100(x):
    ...     return claim(x < 100, x=x)
    >>> check(below_100, examples=100).counterexample
    {'x': 100}
    """
    return _decorator("conjecture", statement, expect, examples, strategies)


def theorem(statement: str, examples: int | None = None,
            **strategies: SearchStrategy) -> Callable[[Callable[..., Any]], Conjecture]:
    """Declare a theorem: a proved claim that must hold (expected verdict "holds")."""
    return _decorator("theorem", statement, "holds", examples, strategies)


@dataclasses.dataclass
class Verdict:
    """The outcome of checking a conjecture.

    ``verdict`` is "holds" (no counterexample in ``examples`` examples), "refuted" (with the
    minimal ``counterexample`` and the ``numbers`` that broke the claim) or "error" (the check
    raised: ``error`` says what). ``matches`` compares with the declared expectation.
    """

    conjecture: Conjecture
    verdict: Literal["holds", "refuted", "error"]
    examples: int
    counterexample: dict[str, Any] | None = None
    numbers: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str = ""
    seed: int = 0

    @property
    def matches(self) -> bool:
        """True when the verdict is the declared expectation."""
        return self.verdict == self.conjecture.expect

    def line(self) -> str:
        """One line: name, verdict, and whether it matches the expectation."""
        c = self.conjecture
        if self.verdict == "holds":
            text = f"holds: no counterexample in {self.examples} examples"
        elif self.verdict == "refuted":
            text = "refuted"
        else:
            text = f"error: {self.error}"
        mark = "ok" if self.matches else f"UNEXPECTED (expected {c.expect})"
        return f"{c.name}: {text} [{mark}]"


class _Found(Exception):
    pass


def check(conj: Conjecture, examples: int | None = None, seed: int = 0) -> Verdict:
    """Check ``conj`` on ``examples`` generated examples (default: its own count) with a
    Hypothesis ``seed``; when refuted, the counterexample is Hypothesis's shrunk minimum.
    """
    n = examples or conj.examples
    if not isinstance(n, int) or n < 1:
        raise InvalidArgument(f"examples is {n!r}, not a positive integer")
    state: dict[str, Any] = {"count": 0}

    def test(**kwargs: Any) -> None:
        state["count"] += 1
        try:
            ok, numbers = conj.holds_on(**kwargs)
        except Exception as exc:  # noqa: BLE001 - reported as an error verdict
            state["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            state["args"] = kwargs
            raise _Found from exc
        if not ok:
            state["args"] = kwargs
            state["numbers"] = numbers
            state.pop("error", None)
            raise _Found

    run = given(**conj.strategies)(test)
    run = settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=False,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.explicit, Phase.generate, Phase.shrink),
        print_blob=False,
    )(run)
    run = hypothesis_seed(seed)(run)
    try:
        run()
    except _Found:
        if "error" in state:
            return Verdict(conj, "error", state["count"], dict(state["args"]), error=state["error"], seed=seed)
        return Verdict(conj, "refuted", state["count"], dict(state["args"]), dict(state["numbers"]), seed=seed)
    except Unsatisfiable:
        return Verdict(conj, "error", state["count"], error="no example satisfied the assumptions", seed=seed)
    return Verdict(conj, "holds", state["count"], seed=seed)


# -- readable counterexamples -------------------------------------------------------------


def _show(value: Any) -> str:
    if isinstance(value, (Fraction, int, float, np.floating, np.integer)) and not isinstance(value, bool):
        text = format_number(value)
        if isinstance(value, Fraction) and value.denominator != 1:
            text += f" (~{float(value):.6g})"
        return text
    if isinstance(value, FiniteMDP):
        return repr(value)
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(_show(x) for x in value.tolist()) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in value) + "]"
    return str(value)


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
                parts.append(f"{name} = {_show(value)}")
    if verdict.numbers:
        parts.append("numbers that broke the claim:")
        parts.extend(f"  {k} = {_show(v)}" for k, v in verdict.numbers.items())
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
        "numbers": {k: _show(v) for k, v in verdict.numbers.items()},
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


# -- finding conjectures ------------------------------------------------------------------


def suite() -> dict[str, Conjecture]:
    """The built-in suite: theorems first, then conjectures, by name."""
    from property_tests import conjectures, theorems

    out: dict[str, Conjecture] = {}
    for module in (theorems, conjectures):
        for value in vars(module).values():
            if isinstance(value, Conjecture):
                out[value.name] = value
    return out


def _import_file(path: Path) -> Any:
    if not path.is_file():
        raise InvalidArgument(f"conjecture file {str(path)!r} does not exist")
    module_name = f"deconfuse_user_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise InvalidArgument(f"conjecture file {str(path)!r} cannot be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # noqa: BLE001 - a user's file: one clear line
        sys.modules.pop(module_name, None)
        raise InvalidArgument(f"conjecture file {str(path)!r} does not import: {type(exc).__name__}: {exc}") from None
    return module


def load_conjectures(references: list[str] | None) -> list[Conjecture]:
    """Conjectures by reference: a suite name, ``PATH.py`` (every conjecture in the file) or
    ``PATH.py::NAME``; no references: the whole suite."""
    builtin = suite()
    if not references:
        return list(builtin.values())
    out: list[Conjecture] = []
    for ref in references:
        path_part, _, name = ref.partition("::")
        if path_part.endswith(".py"):
            module = _import_file(Path(path_part))
            found = {v.name: dataclasses.replace(v, source=f"{path_part}::{v.name}")
                     for v in vars(module).values() if isinstance(v, Conjecture)}
            if name:
                if name not in found:
                    raise InvalidArgument(f"{path_part} has no conjecture {name!r} (it has: {', '.join(found) or 'none'})")
                out.append(found[name])
            else:
                if not found:
                    raise InvalidArgument(f"{path_part} declares no conjecture")
                out.extend(found.values())
        else:
            if ref not in builtin:
                raise InvalidArgument(f"conjecture {ref!r} is not in the suite (see deconfuse check --list)")
            out.append(builtin[ref])
    return out
