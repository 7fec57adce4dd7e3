"""Exhaustive checking of a claim on every case of a small class: :func:`check_exhaustive`.

Random testing says "no counterexample in 200 examples"; an exhaustive check says "holds on all
N cases of <the class>". The cases of a :class:`~property_tests.declare.Conjecture` in an
:class:`~property_tests.enumeration.MDPClass` are the product of its arguments' enumerations
(each strategy says how it enumerates, :func:`~property_tests.enumeration.enumeration_of`): MDP
arguments range over the MDPs of the class in increasing size (states, then actions, then
denominators), the other arguments over small grids (q, n, beta), policies of the MDP, shift
pairs, one-shot problems. :func:`cases` yields them with the first declared argument varying
slowest, keeping only the cases in which each group of ``conjecture.ordered`` (arguments a
statement orders, "for q1 < q2") is strictly increasing; :func:`count_cases` counts them without
enumerating, and a class with more than :data:`MAX_CASES` cases is refused before it starts.

:func:`check_exhaustive` runs the claim (``conjecture.holds_on``) on every case in that order and
stops at the first failure, which is therefore the smallest counterexample in the enumeration
order. :func:`smallest_class` gives the smallest class worth checking a conjecture on (the
theorem suite runs on it in CI, ``tests/test_exhaustive.py``).

Examples
--------
>>> from property_tests.declare import claim, conjecture
>>> from property_tests.strategies import quantile_levels
>>> @conjecture("every q is at least 1/3", expect="refuted", q=quantile_levels())
... def at_least_a_third(q):
...     return claim(q >= Fraction(1, 3), q=q)
>>> result = check_exhaustive(at_least_a_third)
>>> result.line()
'at_least_a_third: refuted on case 5 of 6, q = 1/4 (~0.25) (the first counterexample in the enumeration order) [ok]'
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from property_tests.checking import Verdict, outcome
from property_tests.declare import Conjecture
from property_tests.display import display_value
from property_tests.enumeration import MDPClass, enumeration_of, smallest_of
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.validation import check_instance, check_positive_int

__all__ = [
    "MAX_CASES",
    "cases",
    "count_cases",
    "describe_cases",
    "smallest_class",
    "ExhaustiveResult",
    "check_exhaustive",
]

#: The largest number of cases :func:`check_exhaustive` runs by default (at a few milliseconds
#: a case, about an hour); a larger class is refused before it starts, with its count.
MAX_CASES = 10**6


# -- the cases of a claim --------------------------------------------------------------


def _ordered_groups(conjecture: Any) -> list[tuple[str, ...]]:
    groups = getattr(conjecture, "ordered", ()) or ()
    names = set(conjecture.strategies)
    out = []
    for group in groups:
        group = tuple(group)
        for name in group:
            if name not in names:
                raise InvalidArgument(
                    f"{conjecture.name}: ordered names {name!r}, which is not one of its arguments {sorted(names)}"
                )
        out.append(group)
    return out


def _check_number_values(name: str, values: Iterable[Any]) -> list[Any]:
    out = list(values)
    for v in out:
        if isinstance(v, bool) or not isinstance(v, (int, float, Fraction, np.integer, np.floating)):
            raise InvalidArgument(f"argument {name} is ordered but takes the value {v!r}, not a number")
    return out


def _in_order(case: Mapping[str, Any], groups: Sequence[tuple[str, ...]]) -> bool:
    for group in groups:
        if all(n in case for n in group) and not all(case[a] < case[b] for a, b in zip(group, group[1:])):
            return False
    return True


def cases(conjecture: Any, cls: MDPClass) -> Iterator[dict[str, Any]]:
    """Every case of ``conjecture`` (a :class:`~property_tests.declare.Conjecture`) in ``cls``: a
    dict of its arguments, from the product of its strategies' enumerations in declaration
    order (the first argument varies slowest, so the cases come in increasing size of the first
    argument), keeping the cases in which each group of ``conjecture.ordered`` strictly increases.

    >>> from hypothesis import strategies as st
    >>> from property_tests.declare import conjecture
    >>> @conjecture("x < y", x=st.sampled_from([1, 2, 3]), y=st.sampled_from([1, 2, 3]))
    ... def pair(x, y):
    ...     return x < y
    >>> len(list(cases(pair, MDPClass())))
    9

    Any object with ``name``, ``strategies`` and ``ordered`` will do:

    >>> from types import SimpleNamespace
    >>> ordered_pair = SimpleNamespace(name="pair", strategies=pair.strategies, ordered=(("x", "y"),))
    >>> [tuple(c.values()) for c in cases(ordered_pair, MDPClass())]
    [(1, 2), (1, 3), (2, 3)]
    >>> count_cases(ordered_pair, MDPClass())
    3
    """
    check_instance(cls, MDPClass, "cls")
    names = list(conjecture.strategies)
    enums = [enumeration_of(conjecture.strategies[n], n) for n in names]
    groups = _ordered_groups(conjecture)
    ordered = {n for g in groups for n in g}
    inner: list[list[Any] | None] = [None] * len(names)

    def values(i: int) -> Iterable[Any]:
        if i == 0:
            found = enums[0].values(cls)
            return _check_number_values(names[0], found) if names[0] in ordered else found
        if inner[i] is None:
            found = list(enums[i].values(cls))
            inner[i] = _check_number_values(names[i], found) if names[i] in ordered else found
        return inner[i]

    def walk(i: int, case: dict[str, Any]) -> Iterator[dict[str, Any]]:
        if i == len(names):
            yield dict(case)
            return
        for value in values(i):
            case[names[i]] = value
            if _in_order(case, groups):
                yield from walk(i + 1, case)
        case.pop(names[i], None)

    yield from walk(0, {})


def _count_increasing(grids: Sequence[Sequence[Any]]) -> int:
    """The number of tuples x1 < x2 < ... with x_i from grids[i] (with multiplicity)."""
    levels = sorted({v for grid in grids for v in grid})
    counts = [Counter(grid) for grid in grids]
    ending = {v: counts[0][v] for v in levels}
    for count in counts[1:]:
        below, new = 0, {}
        for v in levels:
            new[v] = below * count[v]
            below += ending[v]
        ending = new
    return sum(ending.values())


def count_cases(conjecture: Any, cls: MDPClass) -> int:
    """The number of cases :func:`cases` yields, computed from the strategies' counts (the
    grids of an ordered group are enumerated, they are small).

    >>> from hypothesis import strategies as st
    >>> from property_tests.declare import conjecture
    >>> @conjecture("x < y", x=st.sampled_from([1, 2, 3]), y=st.sampled_from([1, 2, 3]))
    ... def pair(x, y):
    ...     return x < y
    >>> count_cases(pair, MDPClass())
    9
    """
    check_instance(cls, MDPClass, "cls")
    enums = {n: enumeration_of(s, n) for n, s in conjecture.strategies.items()}
    groups = _ordered_groups(conjecture)
    in_group: set[str] = set()
    total = 1
    for group in groups:
        fresh = [n for n in dict.fromkeys(group) if n not in in_group]
        if len(fresh) != len(group):
            raise InvalidArgument(f"{conjecture.name}: ordered groups {groups} share an argument; give one group per order")
        in_group.update(group)
        total *= _count_increasing([_check_number_values(n, enums[n].values(cls)) for n in group])
    for name, enum in enums.items():
        if name not in in_group:
            total *= enum.count(cls)
    return total


def describe_cases(conjecture: Any, cls: MDPClass) -> str:
    """What :func:`cases` enumerates, argument by argument, in words.

    >>> from hypothesis import strategies as st
    >>> from property_tests.declare import conjecture
    >>> @conjecture("x is small", x=st.sampled_from([1, 2]))
    ... def small(x):
    ...     return x < 3
    >>> describe_cases(small, MDPClass())
    'x in {1, 2}'
    """
    check_instance(cls, MDPClass, "cls")
    parts = [f"{n} in {enumeration_of(s, n).describe(cls)}" for n, s in conjecture.strategies.items()]
    groups = _ordered_groups(conjecture)
    parts += [" < ".join(g) for g in groups]
    return "; ".join(parts) if parts else "no arguments"


# -- checking every case ---------------------------------------------------------------


def smallest_class(conjecture: Conjecture) -> MDPClass:
    """The smallest class worth checking ``conjecture`` on: the componentwise smallest of its
    arguments' smallest classes (MDP strategies: 1-2 states, 1-2 actions, deterministic
    transitions, rewards {0, 1}, discount 1/2, and horizons {1, 2} when they draw one; one-shot
    problems: 1-2 outcomes, base probabilities up to quarters, utilities and costs {0, 1}), or
    :class:`~property_tests.enumeration.MDPClass` () when no argument has one.

    >>> from property_tests.theorems import best_of_n_laws
    >>> smallest_class(best_of_n_laws).describe()
    'exact MDPs with 1 state, 1-2 actions, transition probabilities with denominators up to 4, rewards true and proxy in {0, 1}, discounts {0}, starting in the first state'
    """
    classes = [enumeration_of(s, n).smallest for n, s in conjecture.strategies.items()]
    return smallest_of([c for c in classes if c is not None]) or MDPClass()


@dataclasses.dataclass
class ExhaustiveResult(Verdict):
    """The outcome of an exhaustive check: a :class:`~property_tests.checking.Verdict` (saved and
    replayed like one) over every case of a class instead of random examples.

    ``verdict`` is "holds" (on all ``total`` cases), "refuted" (``counterexample`` is the first
    failing case in the enumeration order, ``numbers`` what broke the claim) or "error" (the
    claim raised on ``counterexample``: ``error`` says what). ``cases`` (= ``examples``) is the
    number of cases checked; ``cls`` the class and ``description`` its cases, argument by argument.
    """

    total: int = 0
    cls: MDPClass | None = None
    description: str = ""

    @property
    def cases(self) -> int:
        """The number of cases checked."""
        return self.examples

    def line(self) -> str:
        """One line: name, verdict, and whether it matches the expectation."""
        c = self.conjecture
        if self.verdict == "holds":
            text = f"holds on all {self.total} cases of {self.description}"
        else:
            shown = ", ".join(f"{k} = {display_value(v)}" for k, v in (self.counterexample or {}).items()
                              if not _has_mdp(v))
            where = f"case {self.cases} of {self.total}" + (f", {shown}" if shown else "")
            if self.verdict == "refuted":
                text = f"refuted on {where} (the first counterexample in the enumeration order)"
            else:
                text = f"error on {where}: {self.error}"
        mark = "ok" if self.matches else f"UNEXPECTED (expected {c.expect})"
        return f"{c.name}: {text} [{mark}]"


def _has_mdp(value: Any) -> bool:
    if isinstance(value, FiniteMDP):
        return True
    return isinstance(value, (tuple, list)) and any(_has_mdp(v) for v in value)


def _check_size(conjecture: Conjecture, cls: MDPClass, total: int, max_cases: int) -> None:
    """Refuse a class with no case, or with more than ``max_cases``, naming the count."""
    if total > max_cases:
        raise InvalidArgument(
            f"{conjecture.name}: the class has {total} cases, more than max_cases = {max_cases} "
            f"({cls.describe()}); shrink it (fewer states, actions, reward values or discounts, a smaller "
            "denominator) or raise max_cases (deconfuse check --max-cases)"
        )
    if total == 0:
        for name, strategy in conjecture.strategies.items():
            if enumeration_of(strategy, name).count(cls) == 0:
                raise InvalidArgument(
                    f"{conjecture.name}: argument {name} has no value in the class "
                    f"({enumeration_of(strategy, name).describe(cls)}); widen the class"
                )
        raise InvalidArgument(f"{conjecture.name}: no case of the class satisfies its ordered arguments; widen the class")


def check_exhaustive(
    conjecture: Conjecture,
    cls: MDPClass | None = None,
    progress: Callable[[int, int], Any] | None = None,
    max_cases: int = MAX_CASES,
) -> ExhaustiveResult:
    """Check ``conjecture`` on every case of ``cls`` (default: :func:`smallest_class`), in the
    enumeration order of :func:`cases`, stopping at the first failure.

    The number of cases is counted first; more than ``max_cases`` (or none) is an
    :class:`~theory.errors.InvalidArgument` naming the count, before any case runs. Each case
    runs ``conjecture.holds_on(**case)``: a refutation gives "refuted" with that case, a claim
    that raises gives "error" with its message (Ctrl-C still stops the run). ``progress``, when
    given, is called as ``progress(done, total)`` before the first case, about every 1% of
    the cases and after the last one checked.

    >>> from property_tests.theorems import quantiliser_limits
    >>> result = check_exhaustive(quantiliser_limits)
    >>> result.verdict, result.cases
    ('holds', 456)
    """
    check_instance(conjecture, Conjecture, "conjecture")
    cls = smallest_class(conjecture) if cls is None else check_instance(cls, MDPClass, "cls")
    max_cases = check_positive_int(max_cases, "max_cases")
    total = count_cases(conjecture, cls)
    _check_size(conjecture, cls, total, max_cases)
    description = describe_cases(conjecture, cls)
    step = max(1, total // 100)
    done = 0
    if progress is not None:
        progress(0, total)
    result = ExhaustiveResult(conjecture, "holds", 0, total=total, cls=cls, description=description)
    for case in cases(conjecture, cls):
        done += 1
        verdict, numbers, error = outcome(conjecture, case)
        if verdict != "holds":
            result = dataclasses.replace(result, verdict=verdict, counterexample=case, numbers=numbers, error=error)
            break
        if progress is not None and done % step == 0:
            progress(done, total)
    result.examples = done
    if progress is not None:
        progress(done, total)
    return result
