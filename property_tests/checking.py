"""Checking a declared claim: :func:`check` runs Hypothesis and returns a :class:`Verdict`.

:func:`check` runs Hypothesis with a seed on a :class:`~property_tests.declare.Conjecture`;
when the claim fails, Hypothesis shrinks the arguments to a minimal example, which the
:class:`Verdict` holds (and :func:`property_tests.counterexamples.save_counterexample` writes).

>>> from hypothesis import strategies as st
>>> from property_tests.declare import claim, conjecture
>>> @conjecture("every integer is below 10", expect="refuted", x=st.integers())
... def below_10(x):
...     return claim(x < 10, x=x)
>>> check(below_10, examples=100).line()
'below_10: refuted [ok]'
"""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from property_tests.declare import Conjecture
from theory.validation import check_positive_int

__all__ = ["Verdict", "check"]


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
    """Stops Hypothesis at a failing example (a refutation or an error of the check)."""


def check(conj: Conjecture, examples: int | None = None, seed: int = 0) -> Verdict:
    """Check ``conj`` on ``examples`` generated examples (default: its own count) with a
    Hypothesis ``seed``; when refuted, the counterexample is Hypothesis's shrunk minimum.
    """
    n = check_positive_int(examples or conj.examples, "examples")
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
