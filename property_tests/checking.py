"""Checking a declared claim: :func:`check` runs Hypothesis and returns a :class:`Verdict`.

:func:`check` runs Hypothesis with a seed on a :class:`~property_tests.declare.Conjecture`;
when the claim fails, Hypothesis shrinks the arguments to a minimal example, which the
:class:`Verdict` holds (and :func:`property_tests.counterexamples.save_counterexample` writes).
:func:`evaluate` gives the verdict on one set of arguments, with the same rules (a replay).

The verdict is strict (:meth:`~property_tests.declare.Conjecture.holds_on`): a check that
returns anything but a bool or None, gives :func:`~property_tests.declare.claim` a non-bool,
raises, or calls ``sys.exit()`` is an *error* verdict whose message says so. Ctrl-C
(``KeyboardInterrupt``) is not a verdict: it stops the run.

>>> from hypothesis import strategies as st
>>> from property_tests.declare import claim, conjecture
>>> @conjecture("every integer is below 10", expect="refuted", x=st.integers())
... def below_10(x):
...     return claim(x < 10, x=x)
>>> check(below_10, examples=100).line()
'below_10: refuted [ok]'
>>> @conjecture("a number is a claim", x=st.integers())
... def returns_a_number(x):
...     return 1
>>> check(returns_a_number, examples=10).line()
'returns_a_number: error: returns_a_number returned 1 (int), not a bool [UNEXPECTED (expected holds)]'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Unsatisfiable

from property_tests.declare import ClaimError, Conjecture
from property_tests.reduction import Reduction, reduce_counterexample
from theory.validation import check_instance, check_int, check_positive_int

__all__ = ["Verdict", "check", "evaluate", "outcome"]


@dataclasses.dataclass
class Verdict:
    """The outcome of checking a conjecture.

    ``verdict`` is "holds" (no counterexample in ``examples`` examples), "refuted" (with the
    minimal ``counterexample`` and the ``numbers`` that broke the claim) or "error" (the check
    broke the protocol or raised: ``error`` says what, and ``counterexample`` holds the
    arguments it failed on, when there are any). ``matches`` compares with the declared
    expectation; ``seed`` is the Hypothesis seed of the run. ``reduction``, for a refutation,
    is the deterministic reduction that ran after Hypothesis's shrinking
    (:func:`property_tests.reduction.reduce_counterexample`): the counterexample is minimal
    under its moves.
    """

    conjecture: Conjecture
    verdict: Literal["holds", "refuted", "error"]
    examples: int
    counterexample: dict[str, Any] | None = None
    numbers: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: str = ""
    seed: int = 0
    reduction: Reduction | None = None

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


def _error_text(exc: Exception) -> str:
    """The one-line message of an error verdict: a :class:`ClaimError`'s own message, else
    ``Type: first line``."""
    if isinstance(exc, ClaimError):
        return str(exc)
    first = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {first}"


def outcome(conj: Conjecture, arguments: Mapping[str, Any]) -> tuple[str, dict[str, Any], str]:
    """``(verdict, numbers, error)`` of ``conj`` on one set of ``arguments``: "holds", "refuted"
    with the numbers that broke the claim, or "error" with its one-line message. The one place
    that runs a claim, for random, exhaustive and replayed checks alike; KeyboardInterrupt
    propagates.

    >>> from hypothesis import strategies as st
    >>> from property_tests.declare import claim, conjecture
    >>> @conjecture("x is small", x=st.integers())
    ... def small(x):
    ...     return claim(x < 3, x=x)
    >>> outcome(small, {"x": 5}), outcome(small, {"x": 1})
    (('refuted', {'x': 5}, ''), ('holds', {}, ''))
    """
    try:
        ok, numbers = conj.holds_on(**arguments)
    except Exception as exc:  # noqa: BLE001 - any failure of the check is an error verdict
        return "error", {}, _error_text(exc)
    return ("holds", {}, "") if ok else ("refuted", dict(numbers), "")


def evaluate(conj: Conjecture, arguments: Mapping[str, Any], seed: int = 0) -> Verdict:
    """The verdict of ``conj`` on one set of ``arguments`` (``examples`` 1), by the rules of
    :func:`check`: what a replay of a saved counterexample finds.

    >>> from hypothesis import strategies as st
    >>> from property_tests.declare import claim, conjecture
    >>> @conjecture("x is small", x=st.integers())
    ... def small(x):
    ...     return claim(x < 3, x=x)
    >>> evaluate(small, {"x": 5}).numbers, evaluate(small, {"x": 1}).verdict
    ({'x': 5}, 'holds')
    """
    verdict, numbers, error = outcome(check_instance(conj, Conjecture, "conjecture"), arguments)
    return Verdict(conj, verdict, 1, dict(arguments), numbers, error, seed)  # type: ignore[arg-type]


class _Found(Exception):
    """Stops Hypothesis at a failing example (a refutation or an error of the check)."""


def _reduced(conj: Conjecture, verdict: Verdict) -> Verdict:
    """``verdict`` with its refuting arguments reduced while the claim still fails, and the
    numbers of the reduced counterexample."""
    still_fails = lambda arguments: outcome(conj, arguments)[0] == "refuted"  # noqa: E731
    reduction = reduce_counterexample(verdict.counterexample or {}, still_fails,
                                      strategies=conj.strategies, ordered=conj.ordered)
    _verdict, numbers, _error = outcome(conj, reduction.arguments)
    return dataclasses.replace(verdict, counterexample=dict(reduction.arguments), numbers=numbers,
                               reduction=reduction)


def check(conj: Conjecture, examples: int | None = None, seed: int = 0, reduce: bool = True) -> Verdict:
    """Check ``conj`` on ``examples`` generated examples (default: its own count; at least 1)
    with a Hypothesis ``seed``; when refuted, the counterexample is Hypothesis's shrunk minimum.
    The arguments are drawn from the conjecture's strategies and arranged by
    :meth:`~property_tests.declare.Conjecture.arrange` (ordered groups strictly increasing).
    With ``reduce`` (the default) a refutation is then reduced deterministically while the claim
    still fails (drop unreachable states, drop actions, drop states, simpler numbers; see
    :mod:`property_tests.reduction`). An exception while drawing the arguments is an error
    verdict without a counterexample; ``KeyboardInterrupt`` propagates.
    """
    conj = check_instance(conj, Conjecture, "conjecture")
    n = conj.examples if examples is None else check_positive_int(examples, "examples")
    seed = check_int(seed, "seed")
    state: dict[str, Any] = {"count": 0}

    def test(**drawn: Any) -> None:
        arguments = conj.arrange(drawn)
        state["count"] += 1
        verdict, numbers, error = outcome(conj, arguments)
        if verdict != "holds":
            state.update(verdict=verdict, args=arguments, numbers=numbers, error=error)
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
        found = Verdict(conj, state["verdict"], state["count"], dict(state["args"]), dict(state["numbers"]),
                        state["error"], seed)
        return _reduced(conj, found) if reduce and found.verdict == "refuted" else found
    except Unsatisfiable:
        return Verdict(conj, "error", state["count"], error="no example satisfied the assumptions", seed=seed)
    except Exception as exc:  # noqa: BLE001 - a strategy that fails while drawing the arguments
        return Verdict(conj, "error", state["count"], error=f"drawing the arguments failed: {_error_text(exc)}",
                       seed=seed)
    return Verdict(conj, "holds", state["count"], seed=seed)
