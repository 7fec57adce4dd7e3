"""Declaring claims: :func:`conjecture`, :func:`theorem` and :func:`claim`.

A *conjecture* is a function of generated arguments that says whether a claim holds on them;
a *theorem* is a conjecture that is proved and must hold. Both are declared with a decorator
that names the Hypothesis strategies of the arguments and the expected verdict (an
:data:`Expectation`). The function returns ``True``/``None`` (holds on this example),
``False`` (refuted), or calls :func:`claim`, which raises :class:`Refuted` with the numbers that
broke the claim. This is the only part of the engine that the suites (``theorems.py``,
``conjectures.py``) import; checking lives in :mod:`property_tests.checking`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal

from hypothesis.strategies import SearchStrategy

from property_tests.display import display_value
from theory.errors import InvalidArgument
from theory.validation import check_choice, check_positive_int

__all__ = [
    "Expectation",
    "Refuted",
    "claim",
    "Conjecture",
    "conjecture",
    "theorem",
]

#: The declared verdict of a claim.
Expectation = Literal["holds", "refuted"]


class Refuted(Exception):
    """Raised by :func:`claim` when a claim fails; carries the numbers that broke it."""

    def __init__(self, numbers: Mapping[str, Any]):
        super().__init__(", ".join(f"{k} = {display_value(v)}" for k, v in numbers.items()))
        self.numbers = dict(numbers)


def claim(condition: bool, **numbers: Any) -> bool:
    """Assert a claim inside a conjecture; when it is false, the ``numbers`` are reported
    with the counterexample.

    >>> claim(1 < 2, a=1, b=2)
    True
    >>> claim(2 < 1, a=2, b=1)
    Traceback (most recent call last):
    ...
    property_tests.declare.Refuted: a = 2, b = 1
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
    check_choice(expect, "expect", ("holds", "refuted"))
    if examples is not None:
        examples = check_positive_int(examples, "examples")
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
    >>> from property_tests.checking import check
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
