"""Declaring claims: :func:`conjecture`, :func:`theorem` and :func:`claim`.

A *conjecture* is a function of generated arguments that says whether a claim holds on them;
a *theorem* is a conjecture that is proved and must hold. Both are declared with a decorator
that names the Hypothesis strategies of the arguments, the expected verdict (an
:data:`Expectation`) and, optionally, groups of arguments that the statement orders
(``ordered=(("q1", "q2"),)`` for "for q1 < q2"), which are generated strictly increasing.

The verdict of one example is strict (:meth:`Conjecture.holds_on`): the function *holds* when it
returns ``True``, ``numpy.True_`` or ``None`` (or :func:`claim` passes), and is *refuted* when
it returns ``False`` or ``numpy.False_`` or :func:`claim` fails (raising :class:`Refuted` with
the numbers that broke the claim). Any other return value (0, 1, a string, an array, ...), a
:func:`claim` of something that is not a bool, and ``sys.exit()`` are an error of the claim
(:class:`ClaimError`), never a verdict. This is the only part of the engine that the suites
(``theorems.py``, ``conjectures.py``) import; checking lives in :mod:`property_tests.checking`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from property_tests.display import display_value
from theory.errors import InvalidArgument
from theory.validation import check_choice, check_positive_int

__all__ = [
    "Expectation",
    "Refuted",
    "ClaimError",
    "claim",
    "describe_value",
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


class ClaimError(InvalidArgument):
    """A claim broke the protocol of a check: its function returned something that is not a
    bool or None, gave :func:`claim` a condition that is not a bool, or called ``sys.exit()``.
    :func:`property_tests.checking.check` reports it as an error verdict with this message."""


def describe_value(value: Any, limit: int = 100) -> str:
    """``value`` as "repr (type)" on one line, for the messages of :class:`ClaimError`: the repr
    with its whitespace collapsed and cut at ``limit`` characters, the type with its module
    when it is not a builtin (numpy's as ``numpy.NAME``).

    >>> describe_value(np.array([True, False])), describe_value(0), describe_value("yes")
    ('array([ True, False]) (numpy.ndarray)', '0 (int)', "'yes' (str)")
    """
    text = " ".join(repr(value).split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    cls = type(value)
    module = cls.__module__.split(".")[0]
    kind = cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"
    return f"{text} ({kind})"


def claim(condition: bool | np.bool_, **numbers: Any) -> bool:
    """Assert a claim inside a conjecture; when it is false, the ``numbers`` are reported
    with the counterexample. ``condition`` must be a Python or numpy bool (an array, a number
    or a string is a :class:`ClaimError`: write ``bool(...)``, ``.all()`` or a comparison).

    >>> claim(1 < 2, a=1, b=2), claim(np.float64(1) < 2)
    (True, True)
    >>> claim(2 < 1, a=2, b=1)
    Traceback (most recent call last):
    ...
    property_tests.declare.Refuted: a = 2, b = 1
    >>> claim(0)
    Traceback (most recent call last):
    ...
    property_tests.declare.ClaimError: claim got 0 (int), not a bool
    """
    if not isinstance(condition, (bool, np.bool_)):
        raise ClaimError(f"claim got {describe_value(condition)}, not a bool")
    if not condition:
        raise Refuted(numbers)
    return True


@dataclasses.dataclass(frozen=True)
class Conjecture:
    """A claim over generated arguments.

    - ``name``: identifier; ``statement``: the claim in words;
    - ``expect``: "holds" or "refuted"; ``kind``: "theorem" (proved, must hold) or "conjecture";
    - ``strategies``: argument name -> Hypothesis strategy; ``fn``: the check;
    - ``examples``: default number of examples; ``source``: where it was defined (a module
      name, or ``PATH.py::NAME`` for a user's file, the absolute path);
    - ``ordered``: groups of argument names whose values the statement orders; each group's
      values are generated strictly increasing, in the group's order (``(("q1", "q2"),)``:
      q1 < q2).
    """

    name: str
    statement: str
    expect: Expectation
    kind: Literal["theorem", "conjecture"]
    strategies: Mapping[str, SearchStrategy]
    fn: Callable[..., Any]
    examples: int = 200
    source: str = ""
    ordered: tuple[tuple[str, ...], ...] = ()

    def __call__(self, **kwargs: Any) -> Any:
        return self.fn(**kwargs)

    def holds_on(self, **kwargs: Any) -> tuple[bool, dict[str, Any]]:
        """Evaluate the claim on one set of arguments: (holds, numbers when refuted).

        True/numpy True/None hold, False/numpy False and a failed :func:`claim` refute; any
        other return value and ``sys.exit()`` raise :class:`ClaimError` (other exceptions of
        the check propagate).
        """
        try:
            result = self.fn(**kwargs)
        except Refuted as exc:
            return False, exc.numbers
        except SystemExit as exc:
            code = "" if exc.code is None else repr(exc.code)
            raise ClaimError(f"{self.name} called sys.exit({code})") from None
        if result is None:
            return True, {}
        if isinstance(result, (bool, np.bool_)):
            return bool(result), {}
        raise ClaimError(f"{self.name} returned {describe_value(result)}, not a bool")

    def in_order(self, arguments: Mapping[str, Any]) -> bool:
        """True when the values of every :attr:`ordered` group are strictly increasing.

        >>> c = Conjecture("c", "", "holds", "conjecture", {"q1": st.just(1), "q2": st.just(2)},
        ...                lambda q1, q2: True, ordered=(("q1", "q2"),))
        >>> c.in_order({"q1": 1, "q2": 2}), c.in_order({"q1": 2, "q2": 2})
        (True, False)
        """
        return all(arguments[a] < arguments[b] for group in self.ordered for a, b in zip(group, group[1:]))

    def arrange(self, drawn: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments ``drawn`` (name -> value) with the values of each :attr:`ordered` group
        sorted into the group's order; a tie is rejected (``hypothesis.assume``, so only inside a
        Hypothesis test).

        >>> c = Conjecture("c", "", "holds", "conjecture", {"q1": st.just(1), "q2": st.just(2)},
        ...                lambda q1, q2: True, ordered=(("q1", "q2"),))
        >>> c.arrange({"q1": 3, "q2": 1})
        {'q1': 1, 'q2': 3}
        """
        out = dict(drawn)
        for group in self.ordered:
            values = sorted(out[name] for name in group)
            if any(a == b for a, b in zip(values, values[1:])):
                assume(False)
            out.update(zip(group, values))
        return out

    def arguments(self) -> SearchStrategy[dict[str, Any]]:
        """The joint strategy of the arguments (name -> value, in the declared order), each
        :attr:`ordered` group strictly increasing (:meth:`arrange`)."""
        return st.fixed_dictionaries(dict(self.strategies)).map(self.arrange)


def _check_ordered(ordered: Any, strategies: Mapping[str, SearchStrategy]) -> tuple[tuple[str, ...], ...]:
    """``ordered`` as a tuple of groups of at least 2 distinct argument names, each name in one group."""
    if isinstance(ordered, (str, bytes)) or not isinstance(ordered, (tuple, list)):
        raise InvalidArgument(f"ordered is {ordered!r}, not a tuple of groups of argument names")
    seen: dict[str, int] = {}
    for i, group in enumerate(ordered):
        if isinstance(group, (str, bytes)) or not isinstance(group, (tuple, list)):
            raise InvalidArgument(f"ordered[{i}] is {group!r}, not a tuple of argument names "
                                  "(write ordered=(('q1', 'q2'),))")
        if len(group) < 2:
            raise InvalidArgument(f"ordered[{i}] is {tuple(group)!r}: a group orders at least 2 arguments")
        for name in group:
            if not isinstance(name, str) or name not in strategies:
                raise InvalidArgument(f"ordered[{i}] names {name!r}, not an argument of the claim "
                                      f"(its arguments: {', '.join(strategies) or 'none'})")
            if name in seen:
                raise InvalidArgument(f"ordered[{i}] names {name!r} again (it is in ordered[{seen[name]}])")
            seen[name] = i
    return tuple(tuple(group) for group in ordered)


def _decorator(kind: str, statement: str, expect: Expectation, examples: int | None,
               ordered: Any, strategies: dict[str, SearchStrategy]) -> Callable[[Callable[..., Any]], Conjecture]:
    check_choice(expect, "expect", ("holds", "refuted"))
    if examples is not None:
        examples = check_positive_int(examples, "examples")
    for name, strategy in strategies.items():
        if not isinstance(strategy, SearchStrategy):
            raise InvalidArgument(f"strategy for argument {name!r} is {strategy!r}, not a Hypothesis strategy")
    groups = _check_ordered(ordered, strategies)

    def wrap(fn: Callable[..., Any]) -> Conjecture:
        module = getattr(fn, "__module__", "")
        return Conjecture(
            name=fn.__name__,
            statement=" ".join(statement.split()),
            expect=expect,
            kind=kind,  # type: ignore[arg-type]
            strategies=dict(strategies),
            fn=fn,
            examples=200 if examples is None else examples,
            source=module,
            ordered=groups,
        )

    return wrap


def conjecture(statement: str, expect: Expectation = "holds", examples: int | None = None,
               ordered: tuple[tuple[str, ...], ...] = (),
               **strategies: SearchStrategy) -> Callable[[Callable[..., Any]], Conjecture]:
    """Declare a conjecture: a claim that may be false, with its expected verdict, the
    strategies of its arguments and the groups of arguments it orders (``ordered``, see
    :class:`Conjecture`).

    >>> from hypothesis import strategies as st
    >>> from property_tests.checking import check
    >>> @conjecture("every integer is below 100", expect="refuted", x=st.integers())
    ... def below_100(x):
    ...     return claim(x < 100, x=x)
    >>> check(below_100, examples=100).counterexample
    {'x': 100}
    >>> @conjecture("for q1 < q2, q1 < q2", ordered=(("q1", "q2"),), q1=st.integers(0, 3), q2=st.integers(0, 3))
    ... def ordered_pair(q1, q2):
    ...     return q1 < q2
    >>> ordered_pair.ordered, check(ordered_pair, examples=20).verdict
    ((('q1', 'q2'),), 'holds')
    """
    return _decorator("conjecture", statement, expect, examples, ordered, strategies)


def theorem(statement: str, examples: int | None = None, ordered: tuple[tuple[str, ...], ...] = (),
            **strategies: SearchStrategy) -> Callable[[Callable[..., Any]], Conjecture]:
    """Declare a theorem: a proved claim that must hold (expected verdict "holds"); arguments
    as :func:`conjecture`."""
    return _decorator("theorem", statement, "holds", examples, ordered, strategies)
