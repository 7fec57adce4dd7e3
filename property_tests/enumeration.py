r"""Exhaustive enumeration of small classes of exact MDPs and of a claim's arguments.

Random testing says "no counterexample in 200 examples"; enumeration says "holds on every case
of this class". An :class:`MDPClass` states the class: at most ``max_states`` states and
``max_actions`` actions, transition probabilities whose denominators are at most
``max_denominator``, every reward drawn from ``rewards``, every discount from ``discounts`` (and
every horizon from ``horizons`` when given).

The MDPs of a class (:func:`enumerate_mdps`, counted by :func:`count_mdps` without enumerating):

- states ``s0, s1, ...`` and actions ``a0, a1, ...``, every action enabled in every state;
- every transition row (s, a) is a distribution whose common denominator (the least common
  multiple of its entries' denominators) is at most ``max_denominator``: for ``max_denominator = 2``
  over two states, (1, 0), (0, 1) and (1/2, 1/2);
- every reward named (by default ``"true"`` and ``"proxy"``, the pair that the suites use) takes
  each of the class's reward values independently at every (s, a);
- the initial distribution is the point mass on the first state ``s0``. This keeps the count
  sane; a claim that is linear in the initial distribution (an expected return) holds for every
  initial distribution exactly when it holds for every point mass, and a point mass on another
  state is the same MDP up to a relabelling of the states;
- the discount is each of ``discounts``; with ``horizons``, finite-horizon MDPs with each horizon
  follow the discounted ones (strategies decide which of the two they draw).

Order: increasing size, that is by number of states, then of actions, then by *denominator*
(the largest common denominator of a transition row); within one size, by discount (or horizon)
in the order of :func:`simplicity`, then transition rows (point masses first, s0 before s1),
then rewards (values in the order of :func:`simplicity`: 0, 1, -1, ..., reward by reward, state
by state, action by action). No MDP is yielded twice; MDPs that differ only by a relabelling of
states or actions (isomorphic ones) are distinct objects and all appear.

A claim's arguments are enumerated through their strategies: every public strategy of
:mod:`property_tests.strategies` registers an :class:`Enumeration` (:func:`register`,
:func:`enumeration_of`) that says how it enumerates its objects in a class (MDP arguments from the
class; q, n, beta from the small grids :data:`Q_GRID`, :data:`N_GRID`, :data:`BETA_GRID`; policies
of an MDP, shift pairs, one-shot problems, ...), counts them quickly and says which values it
can draw. :mod:`property_tests.exhaustive` builds a claim's cases from them and checks them.

Examples
--------
>>> cls = MDPClass(max_states=1, max_actions=2, max_denominator=2, rewards=(0, 1), discounts=(0,))
>>> cls.describe()
'exact MDPs with 1 state, 1-2 actions, transition probabilities in steps of 1/2, rewards true and proxy in {0, 1}, discounts {0}, starting in the first state'
>>> count_mdps(cls), len(list(enumerate_mdps(cls)))
(20, 20)
>>> next(iter(enumerate_mdps(cls)))
FiniteMDP(exact, S=1, A=1, discount=0, rewards=['true', 'proxy'])
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import math
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np
from hypothesis.strategies import SearchStrategy

from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.validation import (
    check_discount,
    check_distinct,
    check_horizon,
    check_instance,
    check_int,
    check_listed_discount,
    check_number,
)

__all__ = [
    "Q_GRID",
    "N_GRID",
    "BETA_GRID",
    "MDPClass",
    "simplicity",
    "exact_distributions",
    "count_exact_distributions",
    "enumerate_mdps",
    "count_mdps",
    "describe_mdps",
    "SMALLEST_MDP_CLASS",
    "SMALLEST_ONE_SHOT_CLASS",
    "divides",
    "class_numbers",
    "MDPShape",
    "Enumeration",
    "register",
    "enumeration_of",
    "smallest_of",
]

#: Quantiliser levels q of an exhaustive check: every k/d in (0, 1] with d <= 4.
Q_GRID: tuple[Fraction, ...] = tuple(
    sorted({Fraction(k, d) for d in range(1, 5) for k in range(1, d + 1)}, key=lambda x: (x.denominator, x.numerator))
)

#: Best-of-n sample counts n of an exhaustive check.
N_GRID: tuple[int, ...] = (1, 2, 3, 4)

#: Inverse temperatures beta of an exhaustive check (floats, like the soft optimiser's).
BETA_GRID: tuple[float, ...] = (0.0, 1.0, 2.0, 4.0, 0.5)

#: Bounds on a class's fields: larger classes could never be enumerated, and their counts alone
#: would be huge numbers.
_LIMITS = {"max_states": 16, "max_actions": 16, "max_denominator": 64}


def simplicity(x: Any) -> tuple[int, int, bool]:
    """The simplicity order of numbers: by denominator, then by absolute numerator, then positive
    before negative. 0 is the simplest, then 1, -1, 2, -2, ..., then 1/2, -1/2, 3/2, ...

    >>> sorted([Fraction(1, 2), -1, 0, 2, 1], key=simplicity)
    [0, 1, -1, 2, Fraction(1, 2)]
    """
    f = Fraction(x)
    return (f.denominator, abs(f.numerator), f < 0)


def _set_text(values: Iterable[Any]) -> str:
    return "{" + ", ".join(format_number(v) for v in values) + "}"


def _range_text(low: int, high: int, noun: str) -> str:
    if low > high:
        return f"at least {low} {noun}s (none in the class)"
    count = f"{low}" if low == high else f"{low}-{high}"
    return f"{count} {noun}" if (low == high == 1) else f"{count} {noun}s"


def _denominator_text(d: int) -> str:
    if d == 1:
        return "deterministic transitions"
    if d == 2:
        return "transition probabilities in steps of 1/2"
    return f"transition probabilities with denominators up to {d}"


@dataclasses.dataclass(frozen=True)
class MDPClass:
    """A small class of exact MDPs (module docstring): ``max_states`` (at most 16),
    ``max_actions`` (at most 16), ``max_denominator`` of the transition probabilities (at most
    64), the exact ``rewards`` values, the ``discounts`` in [0, 1) and optional finite
    ``horizons``. Numbers may be given as ints, Fractions or "p/q" strings; every tuple is kept
    sorted by value, and a repeated value is an error.

    >>> MDPClass(rewards=("1/2", 0)).rewards
    (Fraction(0, 1), Fraction(1, 2))
    >>> MDPClass(max_states=0)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: max_states is 0, not an integer >= 1
    """

    max_states: int = 2
    max_actions: int = 2
    max_denominator: int = 2
    rewards: tuple[Fraction, ...] = (Fraction(-1), Fraction(0), Fraction(1))
    discounts: tuple[Fraction, ...] = (Fraction(0), Fraction(1, 2), Fraction(9, 10))
    horizons: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for field, limit in _LIMITS.items():
            value = check_int(getattr(self, field), field, 1)
            if value > limit:
                raise InvalidArgument(f"{field} is {value}, more than {limit} (an exhaustive class is small)")
            object.__setattr__(self, field, value)
        rewards = check_distinct(self.rewards, "rewards", check_number)
        discounts = check_distinct(
            self.discounts, "discounts", lambda v, f: check_discount(v, exact=True, field=f)
        )
        object.__setattr__(self, "rewards", tuple(sorted(rewards)))
        object.__setattr__(self, "discounts", tuple(sorted(discounts)))
        if self.horizons is not None:
            horizons = check_distinct(self.horizons, "horizons", lambda v, f: check_horizon(v, f))
            object.__setattr__(self, "horizons", tuple(sorted(horizons)))

    def describe(self) -> str:
        """The class spelled out in words.

        >>> MDPClass().describe()
        'exact MDPs with 1-2 states, 1-2 actions, transition probabilities in steps of 1/2, rewards true and proxy in {-1, 0, 1}, discounts {0, 1/2, 9/10}, starting in the first state'
        >>> MDPClass(max_denominator=1, horizons=(1, 2)).describe()
        'exact MDPs with 1-2 states, 1-2 actions, deterministic transitions, rewards true and proxy in {-1, 0, 1}, discounts {0, 1/2, 9/10} or horizons {1, 2}, starting in the first state'
        """
        return describe_mdps(self)


# -- distributions ---------------------------------------------------------------------


def _compositions(total: int, parts: int) -> Iterator[tuple[int, ...]]:
    """Tuples of ``parts`` non-negative ints summing to ``total``, first entry largest first."""
    if parts == 1:
        yield (total,)
        return
    for k in range(total, -1, -1):
        for rest in _compositions(total - k, parts - 1):
            yield (k, *rest)


def _allowed(e: int, denominators: Sequence[int] | None) -> bool:
    return denominators is None or any(d % e == 0 for d in denominators)


def exact_distributions(
    n: int, max_denominator: int, denominators: Sequence[int] | None = None
) -> list[tuple[Fraction, ...]]:
    """Every distribution over ``n`` entries whose common denominator (the least common
    multiple of its entries' denominators) is at most ``max_denominator`` (and, when
    ``denominators`` is given, divides one of them), each once: by common denominator, then
    with more mass on earlier entries first (the point mass on entry 0 comes first).

    >>> [tuple(map(str, p)) for p in exact_distributions(2, 2)]
    [('1', '0'), ('0', '1'), ('1/2', '1/2')]
    >>> len(exact_distributions(3, 4)) == count_exact_distributions(3, 4)
    True
    """
    n = check_int(n, "n", 1)
    out = []
    for e in range(1, check_int(max_denominator, "max_denominator", 1) + 1):
        if not _allowed(e, denominators):
            continue
        for parts in _compositions(e, n):
            if math.gcd(e, *parts) == 1:
                out.append(tuple(Fraction(k, e) for k in parts))
    return out


def _mobius(n: int) -> int:
    result, p = 1, 2
    while p * p <= n:
        if n % p == 0:
            n //= p
            if n % p == 0:
                return 0
            result = -result
        p += 1
    return -result if n > 1 else result


def count_exact_distributions(n: int, max_denominator: int, denominators: Sequence[int] | None = None) -> int:
    """The number of distributions :func:`exact_distributions` gives, by a formula: those with
    common denominator exactly e number :math:`\\sum_{g \\mid e} \\mu(g) \\binom{e/g + n - 1}{n - 1}`
    (compositions of e into n parts whose parts and e have no common factor; Moebius inversion).

    >>> count_exact_distributions(2, 2), count_exact_distributions(3, 1), count_exact_distributions(1, 9)
    (3, 3, 1)
    """
    n = check_int(n, "n", 1)
    total = 0
    for e in range(1, check_int(max_denominator, "max_denominator", 1) + 1):
        if _allowed(e, denominators):
            total += sum(_mobius(g) * math.comb(e // g + n - 1, n - 1) for g in range(1, e + 1) if e % g == 0)
    return total


def _common_denominator(row: Iterable[Any]) -> int:
    return math.lcm(*(Fraction(x).denominator for x in row))


# -- MDPs of a class -------------------------------------------------------------------


def _space(cls: MDPClass, knobs: Mapping[str, Any]) -> dict[str, Any]:
    """The class narrowed by a strategy's knobs (see :func:`enumerate_mdps`)."""
    check_instance(cls, MDPClass, "cls")
    unknown = set(knobs) - {"reward_names", "min_states", "min_actions", "rewards", "discounts", "horizons",
                            "denominators", "exact"}
    if unknown:
        raise InvalidArgument(f"unknown options {sorted(unknown)} of the MDP enumeration")
    rewards = knobs.get("rewards")
    discounts = knobs.get("discounts")
    horizons = knobs.get("horizons")
    return {
        "reward_names": tuple(knobs.get("reward_names", ("true", "proxy"))),
        "min_states": knobs.get("min_states", 1),
        "min_actions": knobs.get("min_actions", 1),
        "rewards": tuple(sorted(cls.rewards if rewards is None else rewards, key=simplicity)),
        "times": [(d, None) for d in sorted(cls.discounts if discounts is None else discounts, key=simplicity)]
        + [(None, h) for h in sorted(cls.horizons or () if horizons is None else horizons)],
        "denominators": knobs.get("denominators"),
        "exact": bool(knobs.get("exact", True)),
    }


def _sizes(cls: MDPClass, space: Mapping[str, Any]) -> Iterator[tuple[int, int, int, int, int]]:
    """(S, A, d, rows with denominator <= d, rows with denominator < d) per non-empty size block."""
    for S in range(space["min_states"], cls.max_states + 1):
        for A in range(space["min_actions"], cls.max_actions + 1):
            below = 0
            for d in range(1, cls.max_denominator + 1):
                upto = count_exact_distributions(S, d, space["denominators"])
                if upto > below:
                    yield S, A, d, upto, below
                below = upto


def count_mdps(cls: MDPClass, **knobs: Any) -> int:
    """The number of MDPs :func:`enumerate_mdps` yields, computed without enumerating: per
    number of states S and actions A, (rows)^(S A) (reward values)^(names S A) (discounts and
    horizons).

    >>> count_mdps(MDPClass(max_states=1, max_actions=1, rewards=(0, 1), discounts=(0,)))
    4
    >>> count_mdps(MDPClass(max_states=2, max_actions=1, rewards=(0,), discounts=(0, "1/2")))
    20
    """
    space = _space(cls, knobs)
    per_cell = len(space["rewards"]) ** len(space["reward_names"])
    total = 0
    for S, A, _d, upto, below in _sizes(cls, space):
        total += (upto ** (S * A) - below ** (S * A)) * per_cell ** (S * A)
    return total * len(space["times"])


def enumerate_mdps(cls: MDPClass, **knobs: Any) -> Iterator[FiniteMDP]:
    """Every MDP of ``cls``, in increasing size (module docstring), each once.

    Strategies narrow the class with keyword ``knobs``: ``reward_names`` (default ``("true",
    "proxy")``), ``min_states`` and ``min_actions`` (default 1), ``rewards`` (reward values
    instead of the class's), ``discounts`` and ``horizons`` (instead of the class's; ``()`` for
    none), ``denominators`` (keep only rows whose common denominator divides one of them) and
    ``exact`` (False: every MDP converted with ``to_float()``).

    >>> [m.discount for m in enumerate_mdps(MDPClass(max_states=1, max_actions=1, rewards=(0,)))]
    [Fraction(0, 1), Fraction(1, 2), Fraction(9, 10)]
    >>> two = MDPClass(max_states=2, max_actions=1, rewards=(0,), discounts=(0,))
    >>> [[str(p) for p in m.transitions[:, 0].ravel()] for m in enumerate_mdps(two, min_states=2)][:5]
    [['1', '0', '1', '0'], ['1', '0', '0', '1'], ['0', '1', '1', '0'], ['0', '1', '0', '1'], ['1', '0', '1/2', '1/2']]
    """
    space = _space(cls, knobs)
    names, values = space["reward_names"], space["rewards"]
    for S, A, d, upto, below in _sizes(cls, space):
        rows = [np.array(r, dtype=object) for r in exact_distributions(S, d, space["denominators"])]
        states = tuple(f"s{i}" for i in range(S))
        actions = tuple(f"a{j}" for j in range(A))
        initial = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)
        for discount, horizon in space["times"]:
            for choice in itertools.product(range(upto), repeat=S * A):
                if max(choice) < below:
                    continue  # every row is of a smaller denominator: an MDP of an earlier block
                transitions = np.stack([rows[i] for i in choice]).reshape(S, A, S)
                for cells in itertools.product(values, repeat=len(names) * S * A):
                    table = np.array(cells, dtype=object).reshape(len(names), S, A)
                    rewards = {name: table[k] for k, name in enumerate(names)}
                    mdp = FiniteMDP(states, actions, transitions, rewards, initial, discount=discount, horizon=horizon)
                    yield mdp if space["exact"] else mdp.to_float()


def describe_mdps(cls: MDPClass, **knobs: Any) -> str:
    """The MDPs that :func:`enumerate_mdps` yields with these knobs, in words.

    >>> describe_mdps(MDPClass(max_states=3, rewards=(0, 1)), min_states=2, reward_names=("true",), horizons=(1,), discounts=())
    'exact MDPs with 2-3 states, 1-2 actions, transition probabilities in steps of 1/2, reward true in {0, 1}, horizon 1, starting in the first state'
    """
    space = _space(cls, knobs)
    names = space["reward_names"]
    named = " and ".join(names) if len(names) <= 2 else ", ".join(names)
    noun = "reward" if len(names) == 1 else "rewards"
    discounts = [d for d, h in space["times"] if h is None]
    horizons = [h for d, h in space["times"] if h is not None]
    times = []
    if discounts:
        times.append(f"discounts {_set_text(sorted(discounts))}")
    if horizons:
        times.append(f"horizon {horizons[0]}" if len(horizons) == 1 else f"horizons {_set_text(horizons)}")
    kind = "exact MDPs" if space["exact"] else "float MDPs (exact ones converted)"
    parts = [
        _range_text(space["min_states"], cls.max_states, "state"),
        _range_text(space["min_actions"], cls.max_actions, "action"),
        _denominator_text(cls.max_denominator),
        f"{noun} {named} in {_set_text(sorted(space['rewards']))}",
        " or ".join(times) or "no discount or horizon",
        "starting in the first state",
    ]
    return f"{kind} with " + ", ".join(parts)


# -- how a strategy enumerates ---------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Enumeration:
    """How a strategy enumerates its objects in a class.

    - ``values(cls)``: the objects, in increasing size, each once (unless said otherwise);
    - ``count(cls)``: their number, computed quickly (without enumerating when possible);
    - ``describe(cls)``: what they are, in words;
    - ``contains(value)``: whether a value is one the strategy can draw (its domain), or None
      when the strategy cannot tell (used by :mod:`property_tests.reduction`);
    - ``smallest``: the smallest class worth checking its objects on, or None.
    """

    values: Callable[[MDPClass], Iterable[Any]]
    count: Callable[[MDPClass], int]
    describe: Callable[[MDPClass], str]
    contains: Callable[[Any], bool] | None = None
    smallest: MDPClass | None = None


_REGISTRY: "weakref.WeakKeyDictionary[SearchStrategy, Enumeration]" = weakref.WeakKeyDictionary()


def register(strategy: SearchStrategy, enumeration: Enumeration) -> SearchStrategy:
    """Record how ``strategy`` enumerates its small classes; returns the strategy itself.

    The record belongs to the strategy object: register an object of its own, since Hypothesis
    hands out one cached object for some primitives (``integers(1, 4)`` is the same object
    wherever it is written); ``integers(1, 4).map(int)`` is a new one.

    >>> from hypothesis import strategies as st
    >>> s = register(st.just(7), Enumeration(lambda cls: [7], lambda cls: 1, lambda cls: "{7}"))
    >>> list(enumeration_of(s).values(MDPClass()))
    [7]
    """
    check_instance(strategy, SearchStrategy, "strategy")
    check_instance(enumeration, Enumeration, "enumeration")
    _REGISTRY[strategy] = enumeration
    return strategy


def _size_key(value: Any) -> tuple[int, ...]:
    """The size of a value in the enumeration order: an MDP's (S, A, denominator); a tuple's
    first MDP; () for anything else."""
    if isinstance(value, FiniteMDP):
        rows = value.transitions.reshape(-1, value.S)
        den = max(_common_denominator(r) for r in rows) if value.exact else 0
        return (value.S, value.A, den)
    if isinstance(value, (tuple, list)):
        for item in value:
            key = _size_key(item)
            if key:
                return key
    return ()


def _one_of(branches: list[Enumeration]) -> Enumeration:
    def contains(value: Any) -> bool:
        return any(b.contains is None or b.contains(value) for b in branches)

    smallest = [b.smallest for b in branches if b.smallest is not None]
    return Enumeration(
        values=lambda cls: heapq.merge(*(b.values(cls) for b in branches), key=_size_key),
        count=lambda cls: sum(b.count(cls) for b in branches),
        describe=lambda cls: " or ".join(b.describe(cls) for b in branches),
        contains=contains,
        smallest=smallest_of(smallest),
    )


def smallest_of(classes: Sequence[MDPClass]) -> MDPClass | None:
    """The componentwise smallest of several classes: the fewest states, actions and the
    smallest denominator, the shortest tuples of rewards and discounts (the first on ties), the
    first horizons given; None for no class.

    >>> smallest_of([MDPClass(max_states=3, rewards=(0, 1)), MDPClass(max_actions=1)]).describe()
    'exact MDPs with 1-2 states, 1 action, transition probabilities in steps of 1/2, rewards true and proxy in {0, 1}, discounts {0, 1/2, 9/10}, starting in the first state'
    """
    if not classes:
        return None
    horizons = next((c.horizons for c in classes if c.horizons is not None), None)
    return MDPClass(
        max_states=min(c.max_states for c in classes),
        max_actions=min(c.max_actions for c in classes),
        max_denominator=min(c.max_denominator for c in classes),
        rewards=min((c.rewards for c in classes), key=len),
        discounts=min((c.discounts for c in classes), key=len),
        horizons=horizons,
    )


def enumeration_of(strategy: Any, name: str | None = None) -> Enumeration:
    """The :class:`Enumeration` of a strategy: registered by :mod:`property_tests.strategies`,
    or derived for Hypothesis's ``one_of`` (the union of its branches, merged by size),
    ``just`` and ``sampled_from`` (their values, in order). Anything else is an error naming the
    argument.

    >>> from hypothesis import strategies as st
    >>> list(enumeration_of(st.sampled_from([3, 1])).values(MDPClass()))
    [3, 1]
    >>> enumeration_of(st.integers(), "x")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: argument x's strategy integers() cannot be enumerated; use the strategies of property_tests.strategies, which can
    """
    found = _REGISTRY.get(strategy) if isinstance(strategy, SearchStrategy) else None
    if found is not None:
        return found
    wrapped = getattr(strategy, "wrapped_strategy", strategy)
    if wrapped is not strategy and not getattr(strategy, "_transformations", ()):
        return enumeration_of(wrapped, name)
    branches = getattr(strategy, "original_strategies", None)
    if branches is not None:
        return _one_of([enumeration_of(b, name) for b in branches])
    elements = getattr(strategy, "elements", None)
    if elements is not None and not getattr(strategy, "_transformations", ()):
        items = tuple(elements)
        return Enumeration(lambda cls: items, lambda cls: len(items), lambda cls: _set_text_any(items),
                           contains=lambda v: any(v is x or _same(v, x) for x in items))
    shown = repr(strategy)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    whose = "the" if name is None else f"argument {name}'s"
    raise InvalidArgument(
        f"{whose} strategy {shown} cannot be enumerated; use the strategies of property_tests.strategies, which can"
    )


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - an array or an object without a plain equality
        return False


def _set_text_any(items: Sequence[Any]) -> str:
    try:
        return _set_text(items)
    except (TypeError, ValueError):
        return "{" + ", ".join(repr(x) for x in items) + "}"


# -- the domain of an MDP strategy ------------------------------------------------------

#: The smallest class of the MDP strategies: every 1-2 state, 1-2 action MDP with deterministic
#: transitions, rewards in {0, 1} and discount 1/2 (4180 MDPs with a true and a proxy reward).
SMALLEST_MDP_CLASS = MDPClass(max_states=2, max_actions=2, max_denominator=1, rewards=(0, 1), discounts=(Fraction(1, 2),))

#: The smallest class of the one-shot problems: 1-2 outcomes, base probabilities with
#: denominators up to 4, utilities and costs in {0, 1}.
SMALLEST_ONE_SHOT_CLASS = MDPClass(max_states=1, max_actions=2, max_denominator=4, rewards=(0, 1), discounts=(0,))


def divides(x: Fraction, denominators: Sequence[int]) -> bool:
    """Whether ``x``'s denominator divides one of ``denominators`` (x = k/d is drawable)."""
    return any(d % x.denominator == 0 for d in denominators)


def class_numbers(cls: MDPClass, low: Any, high: Any, denominators: Sequence[int]) -> tuple[Fraction, ...]:
    """The class's reward values in [low, high] with an allowed denominator, simplest first."""
    return tuple(sorted((v for v in cls.rewards if low <= v <= high and divides(v, denominators)), key=simplicity))


def _listed(value: Any, check: Callable[[Any], Any]) -> tuple[Any, ...] | None:
    """The values a parameter (a value, a sequence or a strategy) takes, or None if unknown."""
    if isinstance(value, SearchStrategy):
        try:
            return tuple(check(v) for v in enumeration_of(value).values(MDPClass()))
        except (InvalidArgument, TypeError, ValueError):
            return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return (check(value),)
    return tuple(check(v) for v in value)


def _rows_allowed(arr: np.ndarray, denominators: Sequence[int]) -> bool:
    """Whether every row's common denominator divides one of ``denominators``."""
    for row in arr.reshape(-1, arr.shape[-1]):
        common = math.lcm(*(Fraction(x).denominator for x in row))
        if not any(d % common == 0 for d in denominators):
            return False
    return True


@dataclasses.dataclass(frozen=True)
class MDPShape:
    """The shape of the MDPs an MDP strategy draws (:func:`property_tests.strategies.finite_mdps`),
    for its enumeration in a class and its domain: the numbers of ``states`` and ``actions``
    (min, max), ``exact`` or float, the ``horizon`` (None for discounted; an int, a sequence or
    a strategy), the ``discounts`` (a sequence or a strategy), the reward ``names``, the
    denominators ``dens`` of transition rows, the ``reward_range`` and ``reward_dens``.

    In a class, the class's sizes and numbers are used within this shape: at least the shape's
    minimum numbers of states and actions, the class's reward values in the reward range, its
    discounts among the shape's listed ones (a discounted shape), or its horizons among the
    shape's (a drawn horizon; a fixed horizon is the shape's own, as a one-shot problem's 1).

    >>> shape = MDPShape((2, 3), (1, 3), True, None, (0, Fraction(1, 2)), ("true",), (1, 2), (-4, 4), (1,))
    >>> shape.enumeration().describe(MDPClass(rewards=(0, Fraction(1, 2), 1)))
    'exact MDPs with 2 states, 1-2 actions, transition probabilities in steps of 1/2, reward true in {0, 1}, discounts {0, 1/2}, starting in the first state'
    """

    states: tuple[int, int]
    actions: tuple[int, int]
    exact: bool
    horizon: Any  # None (discounted), an int, a sequence or a strategy of ints
    discounts: Any  # a sequence or a strategy of discounts
    names: tuple[str, ...]
    dens: tuple[int, ...]
    reward_range: tuple[int, int]
    reward_dens: tuple[int, ...]

    def knobs(self, cls: MDPClass) -> dict[str, Any]:
        """The keyword knobs of :func:`~property_tests.enumeration.enumerate_mdps` for ``cls``."""
        knobs: dict[str, Any] = dict(
            reward_names=self.names, min_states=self.states[0], min_actions=self.actions[0],
            rewards=class_numbers(cls, *self.reward_range, self.reward_dens), denominators=self.dens,
            exact=self.exact, discounts=(), horizons=(),
        )
        if self.horizon is None:
            listed = _listed(self.discounts, check_listed_discount)
            knobs["discounts"] = tuple(d for d in cls.discounts if listed is None or d in listed)
        elif isinstance(self.horizon, Integral):
            knobs["horizons"] = (int(self.horizon),)
        else:
            listed = _listed(self.horizon, _listed_horizon)
            knobs["horizons"] = tuple(h for h in cls.horizons or () if listed is None or h in listed)
        return knobs

    def contains(self, mdp: Any) -> bool:
        """Whether ``mdp`` is one that the strategy can draw."""
        if not isinstance(mdp, FiniteMDP) or mdp.exact != self.exact or mdp.reward_names != self.names:
            return False
        if not (self.states[0] <= mdp.S <= self.states[1] and self.actions[0] <= mdp.A <= self.actions[1]):
            return False
        if (mdp.horizon is None) != (self.horizon is None):
            return False
        if self.horizon is None:
            listed = _listed(self.discounts, check_listed_discount)
            if listed is not None and check_number(mdp.discount, "discount") not in listed:
                return False
        else:
            listed = _listed(self.horizon, _listed_horizon)
            if listed is not None and mdp.horizon not in listed:
                return False
        if not mdp.exact:
            return True
        low, high = self.reward_range
        numbers_ok = all(low <= x <= high and divides(x, self.reward_dens)
                         for r in mdp.rewards.values() for x in r.ravel())
        return numbers_ok and _rows_allowed(mdp.transitions, self.dens) and _rows_allowed(mdp.initial, self.dens)

    def enumeration(self) -> Enumeration:
        """The :class:`~property_tests.enumeration.Enumeration` of these MDPs."""
        drawn_horizon = self.horizon is not None and not isinstance(self.horizon, Integral)
        smallest = dataclasses.replace(SMALLEST_MDP_CLASS, horizons=(1, 2)) if drawn_horizon else SMALLEST_MDP_CLASS
        return Enumeration(
            values=lambda cls: enumerate_mdps(cls, **self.knobs(cls)),
            count=lambda cls: count_mdps(cls, **self.knobs(cls)),
            describe=lambda cls: describe_mdps(cls, **self.knobs(cls)),
            contains=self.contains,
            smallest=smallest,
        )




def _listed_horizon(h: Any) -> int:
    return check_int(h, "horizon", 1)
