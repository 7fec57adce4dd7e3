"""Hypothesis strategies for exact and float finite MDPs, distributions and policies.

Everything here is small by default (at most 4 states, 3 actions, denominators at most 4-6,
rewards in [-4, 4]) so that a shrunk counterexample is an MDP you can read. Every strategy is
built so that shrinking moves towards simple objects:

- a distribution shrinks towards the point mass on the first entry, through fractions with
  small denominators (1/2 before 3/5);
- a transition row shrinks towards "go to s0", a reward towards 0, a discount towards 0, a
  horizon towards 1, the number of states and actions towards their minimum;
- a policy shrinks towards "always the first action".

Float objects are the exact ones converted (``to_float()``), so a float counterexample can be
replayed exactly. No global randomness: every draw goes through Hypothesis.

Every strategy here also enumerates its small classes exhaustively, in increasing size (see
:mod:`property_tests.enumeration`; ``enumeration_of(strategy)``): an MDP strategy enumerates the
MDPs of a :class:`~property_tests.enumeration.MDPClass` with its own shape (its minimum numbers of
states and actions, its reward names, discounted or finite-horizon, exact or float) and the
class's sizes and numbers (the class's reward values and discounts that lie in the strategy's
domain); parameters come from small grids (q in :data:`~property_tests.enumeration.Q_GRID`, n in
:data:`~property_tests.enumeration.N_GRID`, beta in :data:`~property_tests.enumeration.BETA_GRID`);
numbers (``small_rationals``) from the class's reward values in their range; one-shot problems
have the class's actions as outcomes; policies of an MDP have probabilities with the class's
denominators. Each strategy also says which values it can draw (its domain), which the reduction
of counterexamples (:mod:`property_tests.reduction`) respects.

Source: the strategy style follows Hypothesis (MacIver et al., *Hypothesis: A new approach to
property-based testing*, JOSS 2019): small typed factories, arguments validated up front.

Examples
--------
>>> from hypothesis import given, settings
>>> @settings(max_examples=5, deadline=None)
... @given(finite_mdps(max_states=2))
... def check(mdp):
...     assert mdp.S <= 2 and mdp.exact
>>> check()
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from property_tests.enumeration import (
    BETA_GRID,
    N_GRID,
    Q_GRID,
    SMALLEST_MDP_CLASS,
    SMALLEST_ONE_SHOT_CLASS,
    Enumeration,
    MDPClass,
    MDPShape,
    class_numbers,
    count_exact_distributions,
    divides,
    enumeration_of,
    exact_distributions,
    register,
)
from theory import polytope
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.validation import (
    check_bounds,
    check_instance,
    check_int,
    check_listed_discount,
    check_policy_steps,
)

__all__ = [
    "DISCOUNTS",
    "distributions",
    "small_rationals",
    "finite_mdps",
    "policies",
    "deterministic_policies",
    "OneShot",
    "one_shot_problems",
    "quantile_levels",
    "sample_counts",
    "inverse_temperatures",
    "small_positive_rationals",
    "mdps_with_policies",
    "ERROR_MODEL_NAMES",
    "error_model_mdps",
    "goodhart_mdps",
    "shift_pairs",
]

#: The default discounts of generated MDPs: myopic, short-sighted and far-sighted.
DISCOUNTS: tuple[Fraction, ...] = (Fraction(0), Fraction(1, 2), Fraction(9, 10))


# -- argument validation (the shared checks of theory.validation; messages name the argument)


def _check_denominators(
    denominators: Sequence[int] | None, max_denominator: int, name: str = "denominators"
) -> tuple[int, ...]:
    if denominators is None:
        return tuple(range(1, check_int(max_denominator, "max_denominator", 1) + 1))
    if isinstance(denominators, (str, bytes)) or not isinstance(denominators, Sequence) or not denominators:
        raise InvalidArgument(f"{name} is {denominators!r}, not a non-empty sequence of positive integers")
    for i, d in enumerate(denominators):
        check_int(d, f"{name}[{i}]", 1)
    return tuple(int(d) for d in denominators)


# -- enumeration of small classes (shared by the strategies below) -------------------------

def _is_number(x: Any) -> bool:
    return isinstance(x, (int, Fraction)) and not isinstance(x, bool)


def _grid(values: Sequence[Any], contains: Callable[[Any], bool]) -> Enumeration:
    """The enumeration of a parameter over the part of a fixed grid in its domain."""
    kept = tuple(v for v in values if contains(v))
    return Enumeration(
        values=lambda cls: kept,
        count=lambda cls: len(kept),
        describe=lambda cls: "{" + ", ".join(str(v) for v in kept) + "}",
        contains=contains,
    )


def _class_numbers(low: Any, high: Any, dens: tuple[int, ...], contains: Callable[[Any], bool]) -> Enumeration:
    """The enumeration of a number strategy: the class's reward values in its domain."""

    def values(cls: MDPClass) -> tuple[Fraction, ...]:
        return tuple(v for v in class_numbers(cls, low, high, dens) if contains(v))

    return Enumeration(
        values=values,
        count=lambda cls: len(values(cls)),
        describe=lambda cls: "{" + ", ".join(str(v) for v in values(cls)) + "} (the class's reward values in its range)",
        contains=contains,
    )


# -- numbers and distributions -----------------------------------------------------------


def small_rationals(
    low: int = -4, high: int = 4, denominators: Sequence[int] = (1, 2)
) -> SearchStrategy[Fraction]:
    """Rationals ``k/d`` in ``[low, high]`` with ``d`` drawn from ``denominators``.

    Shrinks towards 0 with the first denominator (an integer with the default).

    >>> from hypothesis import find
    >>> find(small_rationals(-4, 4), lambda x: x > 1)
    Fraction(2, 1)
    """
    if isinstance(low, bool) or isinstance(high, bool) or not isinstance(low, Integral) or not isinstance(high, Integral):
        raise InvalidArgument(f"low is {low!r} and high is {high!r}; both must be integers")
    check_bounds(int(low), int(high), "low", "high")
    dens = _check_denominators(denominators, 1)

    @st.composite
    def draw_rational(draw: Callable[[SearchStrategy[Any]], Any]) -> Fraction:
        d = draw(st.sampled_from(dens))
        return Fraction(draw(st.integers(int(low) * d, int(high) * d)), d)

    def contains(x: Any) -> bool:
        return _is_number(x) and low <= x <= high and divides(Fraction(x), dens)

    return register(draw_rational(), _class_numbers(low, high, dens, contains))


@st.composite
def _exact_distribution(
    draw: Callable[[SearchStrategy[Any]], Any], n: int, denominators: tuple[int, ...]
) -> np.ndarray:
    # Stars and bars: split d units over n cells with n - 1 sorted cut points in [0, d].
    # All cuts at 0 give the point mass on entry 0, which is where shrinking goes.
    d = draw(st.sampled_from(denominators))
    cuts = sorted(draw(st.lists(st.integers(0, d), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, d]
    counts = [bounds[i + 1] - bounds[i] for i in range(n)]
    counts = [counts[-1], *counts[:-1]]  # d - (last cut) goes to entry 0: all cuts at 0 = point mass
    out = np.empty(n, dtype=object)
    for i, k in enumerate(counts):
        out[i] = Fraction(k, d)
    return out


def distributions(
    n: int,
    exact: bool = True,
    max_denominator: int = 6,
    *,
    denominators: Sequence[int] | None = None,
) -> SearchStrategy[np.ndarray]:
    """Probability vectors of length ``n``.

    Exact: an object array of Fractions ``k/d`` summing exactly to 1, with a common
    denominator ``d`` in ``1..max_denominator`` (or drawn from ``denominators`` when given,
    e.g. ``(1, 2, 4, 5, 10)`` for short decimals). Float: the same vector as float64, summing
    to 1 within ``FLOAT_TOLERANCE``. Shrinks towards the point mass on entry 0.

    >>> from hypothesis import find
    >>> find(distributions(3), lambda p: True).tolist()
    [Fraction(1, 1), Fraction(0, 1), Fraction(0, 1)]
    >>> find(distributions(2), lambda p: p[0] == p[1]).tolist()
    [Fraction(1, 2), Fraction(1, 2)]
    """
    n = check_int(n, "n", 1)
    dens = _check_denominators(denominators, max_denominator)
    strategy = _exact_distribution(n, dens)
    kind = object if exact else np.float64
    if not exact:
        strategy = strategy.map(lambda p: np.array(p.tolist(), dtype=np.float64))

    def values(cls: MDPClass) -> Iterator[np.ndarray]:
        for p in exact_distributions(n, cls.max_denominator, dens):
            yield np.array(p if exact else [float(x) for x in p], dtype=kind)

    return register(strategy, Enumeration(
        values=values,
        count=lambda cls: count_exact_distributions(n, cls.max_denominator, dens),
        describe=lambda cls: f"distributions over {n} entries with denominators up to {cls.max_denominator}",
    ))


# -- MDPs --------------------------------------------------------------------------------


def _as_strategy(value: Any, name: str, check: Callable[[Any], Any]) -> SearchStrategy[Any]:
    if isinstance(value, SearchStrategy):
        return value.map(check)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        return st.just(check(value))
    if not value:
        raise InvalidArgument(f"{name} is {value!r}, an empty sequence")
    return st.sampled_from([check(v) for v in value])


def _check_horizon(h: Any) -> int:
    """A horizon drawn or given for ``finite_mdps``: an integer >= 1."""
    return check_int(h, "horizon", 1)


@st.composite
def _finite_mdps(
    draw: Callable[[SearchStrategy[Any]], Any],
    states_range: tuple[int, int],
    actions_range: tuple[int, int],
    exact: bool,
    horizon: SearchStrategy[int] | None,
    discount: SearchStrategy[Fraction],
    reward_names: tuple[str, ...],
    denominators: tuple[int, ...],
    reward_range: tuple[int, int],
    reward_denominators: tuple[int, ...],
    disabled: bool = False,
) -> FiniteMDP:
    S = draw(st.integers(*states_range))
    A = draw(st.integers(*actions_range))
    states = [f"s{i}" for i in range(S)]
    actions = [f"a{j}" for j in range(A)]
    enabled = np.ones((S, A), dtype=bool)
    if disabled:  # each state keeps its first action and may lose any other
        enabled[:, 1:] = np.array([[draw(st.booleans()) for _ in range(A - 1)] for _ in range(S)], dtype=bool)
    row = _exact_distribution(S, denominators)
    zero_row = [Fraction(0)] * S
    transitions = [[draw(row).tolist() if enabled[s, a] else zero_row for a in range(A)] for s in range(S)]
    number = small_rationals(*reward_range, denominators=reward_denominators)
    rewards = {
        name: [[draw(number) if enabled[s, a] else Fraction(0) for a in range(A)] for s in range(S)]
        for name in reward_names
    }
    initial = draw(row).tolist()
    time = {"horizon": draw(horizon)} if horizon is not None else {"discount": draw(discount)}
    mdp = FiniteMDP(states, actions, transitions, rewards, initial, enabled=enabled if disabled else None, **time)
    return mdp if exact else mdp.to_float()


def finite_mdps(
    min_states: int = 1,
    max_states: int = 4,
    min_actions: int = 1,
    max_actions: int = 3,
    *,
    exact: bool = True,
    horizon: int | SearchStrategy[int] | None = None,
    discounts: Sequence[Any] | SearchStrategy[Any] = DISCOUNTS,
    reward_names: Sequence[str] = ("true", "proxy"),
    max_denominator: int = 4,
    denominators: Sequence[int] | None = None,
    reward_range: tuple[int, int] = (-4, 4),
    reward_denominators: Sequence[int] = (1, 2),
    disabled: bool = False,
) -> SearchStrategy[FiniteMDP]:
    """Small random :class:`~theory.mdp.FiniteMDP` s with readable labels and numbers.

    States are ``s0, s1, ...``, actions ``a0, a1, ...``. Every transition row and the initial
    distribution are exact rationals with a denominator in ``1..max_denominator`` (or drawn
    from ``denominators``); every reward named in ``reward_names`` is ``k/d`` in
    ``reward_range`` with ``d`` in ``reward_denominators`` (integers and halves by default).
    The MDP is discounted, with a discount drawn from ``discounts`` (a sequence of exact
    numbers in [0, 1), or a strategy), unless ``horizon`` (an int or a strategy of ints >= 1)
    is given. With ``exact=False`` the same exact model is drawn and converted with
    ``to_float()``. With ``disabled=True`` the models have state-dependent action sets: every
    state keeps ``a0`` and each other action may be disabled (no transition row, reward 0); this
    class has no exhaustive enumeration.

    >>> from hypothesis import find
    >>> m = find(finite_mdps(), lambda m: True)
    >>> m
    FiniteMDP(exact, S=1, A=1, discount=0, rewards=['true', 'proxy'])
    >>> find(finite_mdps(horizon=st.integers(1, 3), exact=False), lambda m: m.horizon == 3)
    FiniteMDP(float, S=1, A=1, horizon=3, rewards=['true', 'proxy'])
    """
    states_range = (check_int(min_states, "min_states", 1), check_int(max_states, "max_states", 1))
    check_bounds(*states_range, "min_states", "max_states")
    actions_range = (check_int(min_actions, "min_actions", 1), check_int(max_actions, "max_actions", 1))
    check_bounds(*actions_range, "min_actions", "max_actions")
    if isinstance(reward_names, str) or not isinstance(reward_names, Sequence) or not reward_names:
        raise InvalidArgument(f"reward_names is {reward_names!r}, not a non-empty sequence of names")
    names = tuple(reward_names)
    if len(set(names)) != len(names) or not all(isinstance(x, str) and x for x in names):
        raise InvalidArgument(f"reward_names is {reward_names!r}, not distinct non-empty strings")
    dens = _check_denominators(denominators, max_denominator)
    if (
        not isinstance(reward_range, Sequence)
        or len(reward_range) != 2
        or not all(isinstance(x, Integral) and not isinstance(x, bool) for x in reward_range)
        or reward_range[1] < reward_range[0]
    ):
        raise InvalidArgument(f"reward_range is {reward_range!r}, not a pair of integers low <= high")
    reward_dens = _check_denominators(reward_denominators, 1, "reward_denominators")
    horizon_strategy = None if horizon is None else _as_strategy(horizon, "horizon", _check_horizon)
    discount_strategy = _as_strategy(discounts, "discounts", check_listed_discount)
    low_high = (int(reward_range[0]), int(reward_range[1]))
    strategy = _finite_mdps(
        states_range, actions_range, bool(exact), horizon_strategy, discount_strategy, names, dens, low_high, reward_dens,
        bool(disabled),
    )
    if disabled:
        return strategy
    shape = MDPShape(states_range, actions_range, bool(exact), horizon, discounts, names, dens, low_high, reward_dens)
    return register(strategy, shape.enumeration())


# -- policies ----------------------------------------------------------------------------


@st.composite
def _policies(
    draw: Callable[[SearchStrategy[Any]], Any],
    mdp: FiniteMDP,
    exact: bool,
    deterministic: bool,
    steps: int | None,
    denominators: tuple[int, ...],
) -> Policy:
    S, A = mdp.S, mdp.A
    shape = (S, A) if steps is None else (steps, S, A)
    probs = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape[:-1]):
        allowed = mdp.enabled_actions(index[-1])
        row = np.array([Fraction(0)] * A, dtype=object)
        if deterministic:
            row[allowed[draw(st.integers(0, len(allowed) - 1))]] = Fraction(1)
        else:
            row[allowed] = draw(_exact_distribution(len(allowed), denominators))
        probs[index] = row
    if not exact:
        probs = np.array(probs.tolist(), dtype=np.float64)
    return Policy(probs, mdp.states, mdp.actions)


def policies(
    mdp: FiniteMDP,
    exact: bool | None = None,
    deterministic: bool = False,
    *,
    stationary: bool = True,
    max_denominator: int = 4,
) -> SearchStrategy[Policy]:
    """Policies over ``mdp``'s states and actions, of its kind unless ``exact`` says otherwise.

    Stochastic rows are exact distributions with denominators up to ``max_denominator``
    (converted to float64 for ``exact=False``); ``deterministic=True`` puts probability 1 on
    one action per state. ``stationary=False`` (finite-horizon MDPs only) draws a
    time-dependent (H, S, A) policy. Shrinks towards "always the first action".

    >>> from hypothesis import find
    >>> from theory.examples import two_state
    >>> find(policies(two_state()), lambda pi: True).action_labels()
    ('stay', 'stay')
    """
    check_instance(mdp, FiniteMDP, "mdp")
    steps = None if stationary else check_policy_steps(stationary, mdp.horizon)
    dens = _check_denominators(None, max_denominator)
    kind = mdp.exact if exact is None else bool(exact)
    strategy = _policies(mdp, kind, bool(deterministic), steps, dens)
    if not mdp.all_enabled:  # rows over each state's enabled actions: not enumerated
        return strategy
    return register(strategy, _policy_enumeration(mdp, kind, bool(deterministic), steps, dens[-1]))


def _policy_enumeration(mdp: FiniteMDP, kind: bool, deterministic: bool, steps: int | None,
                        max_denominator: int) -> Enumeration:
    """Every policy :func:`policies` draws over ``mdp``: deterministic ones in the order of
    :func:`theory.polytope.deterministic_policies`, or rows with denominators up to the class's
    (and ``max_denominator``), point masses first."""
    S, A = mdp.S, mdp.A
    shape = (S, A) if steps is None else (steps, S, A)
    cells = S * (steps or 1)

    def rows(cls: MDPClass) -> list[tuple[Fraction, ...]]:
        if deterministic:
            return exact_distributions(A, 1)
        return exact_distributions(A, min(cls.max_denominator, max_denominator))

    def values(cls: MDPClass) -> Iterator[Policy]:
        for choice in itertools.product(rows(cls), repeat=cells):
            probs = np.array(choice, dtype=object).reshape(shape)
            yield Policy(probs if kind else np.array(probs.tolist(), dtype=np.float64), mdp.states, mdp.actions)

    def contains(pi: Any) -> bool:
        return isinstance(pi, Policy) and pi.states == mdp.states and pi.actions == mdp.actions and pi.probs.shape == shape

    def describe(cls: MDPClass) -> str:
        if deterministic:
            return "every deterministic policy of the MDP"
        return f"every policy of the MDP with probabilities with denominators up to {min(cls.max_denominator, max_denominator)}"

    return Enumeration(values, lambda cls: len(rows(cls)) ** cells, describe, contains)


def deterministic_policies(mdp: FiniteMDP, *, stationary: bool = True) -> list[Policy]:
    """Every deterministic Markov policy of ``mdp``, of its kind: the A**S stationary ones
    (``stationary=False``: the A**(H*S) time-dependent ones of a finite-horizon MDP), in
    lexicographic order of the chosen action indices (state s0 first, step 0 first).

    For brute-force checks on tiny MDPs; the list grows exponentially. This is
    :func:`theory.polytope.deterministic_policies` without its cap on the number of policies.

    >>> from theory.examples import two_state
    >>> [pi.action_labels() for pi in deterministic_policies(two_state())]
    [('stay', 'stay'), ('stay', 'go'), ('go', 'stay'), ('go', 'go')]
    >>> len(deterministic_policies(two_state().replace(discount=None, horizon=2), stationary=False))
    16
    """
    count = polytope.count_deterministic_policies(mdp, stationary=stationary)
    return polytope.deterministic_policies(mdp, count, stationary=stationary)


# -- one-shot decision problems and agents' parameters ------------------------------------


@dataclasses.dataclass(frozen=True)
class OneShot:
    """A one-shot decision problem: a base distribution over outcomes, a proxy utility (what
    the optimiser ranks by), a true utility and a non-negative cost, each an (n,) exact array."""

    base: np.ndarray
    proxy: np.ndarray
    true: np.ndarray
    cost: np.ndarray


@st.composite
def _one_shot(draw: Callable[[SearchStrategy[Any]], Any], low: int, high: int, dens: tuple[int, ...]) -> OneShot:
    n = draw(st.integers(low, high))
    base = draw(_exact_distribution(n, dens))
    values = small_rationals(-4, 4, (1, 2))
    proxy = np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=object)
    true = np.array(draw(st.lists(values, min_size=n, max_size=n)), dtype=object)
    cost = np.array(draw(st.lists(small_rationals(0, 4, (1, 2)), min_size=n, max_size=n)), dtype=object)
    return OneShot(base, proxy, true, cost)


def one_shot_problems(min_outcomes: int = 1, max_outcomes: int = 5, max_denominator: int = 6) -> SearchStrategy[OneShot]:
    """One-shot decision problems (:class:`OneShot`) with exact numbers: the base is a
    distribution with denominators up to ``max_denominator``, utilities are halves in [-4, 4],
    costs halves in [0, 4]. Shrinks towards one outcome with utility 0.

    >>> from hypothesis import find
    >>> find(one_shot_problems(), lambda p: True).base.tolist()
    [Fraction(1, 1)]
    """
    low = check_int(min_outcomes, "min_outcomes", 1)
    high = check_int(max_outcomes, "max_outcomes", 1)
    check_bounds(low, high, "min_outcomes", "max_outcomes")
    dens = _check_denominators(None, max_denominator)
    return register(_one_shot(low, high, dens), _one_shot_enumeration(low, high, dens))


def _one_shot_enumeration(low: int, high: int, dens: tuple[int, ...]) -> Enumeration:
    """Every one-shot problem of a class: its actions are the outcomes (from ``low``), the base
    has the class's denominators, proxy and true utilities and costs are the class's reward
    values in their ranges; by number of outcomes, then base (point masses first)."""

    def numbers(cls: MDPClass) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        return class_numbers(cls, -4, 4, (1, 2)), class_numbers(cls, 0, 4, (1, 2))

    def values(cls: MDPClass) -> Iterator[OneShot]:
        utilities, costs = numbers(cls)
        for n in range(low, min(high, cls.max_actions) + 1):
            for base in exact_distributions(n, cls.max_denominator, dens):
                for proxy, true, cost in itertools.product(
                    itertools.product(utilities, repeat=n), itertools.product(utilities, repeat=n),
                    itertools.product(costs, repeat=n),
                ):
                    arrays = [np.array(x, dtype=object) for x in (base, proxy, true, cost)]
                    yield OneShot(*arrays)

    def count(cls: MDPClass) -> int:
        utilities, costs = numbers(cls)
        return sum(count_exact_distributions(n, cls.max_denominator, dens) * (len(utilities) ** 2 * len(costs)) ** n
                   for n in range(low, min(high, cls.max_actions) + 1))

    def describe(cls: MDPClass) -> str:
        utilities, costs = (sorted(x) for x in numbers(cls))
        outcomes = f"{low}" if low >= min(high, cls.max_actions) else f"{low}-{min(high, cls.max_actions)}"
        return (f"one-shot problems with {outcomes} outcomes (the class's actions), base probabilities with "
                f"denominators up to {cls.max_denominator}, proxy and true utilities in "
                f"{{{', '.join(map(str, utilities))}}}, costs in {{{', '.join(map(str, costs))}}}")

    return Enumeration(values, count, describe, smallest=SMALLEST_ONE_SHOT_CLASS)


def quantile_levels(max_denominator: int = 8) -> SearchStrategy[Fraction]:
    """Quantiliser levels q = k/d in (0, 1] with d <= ``max_denominator``; shrinks to q = 1.

    >>> from hypothesis import find
    >>> find(quantile_levels(), lambda q: True)
    Fraction(1, 1)
    """
    d_max = check_int(max_denominator, "max_denominator", 1)
    strategy = st.integers(1, d_max).flatmap(lambda d: st.integers(1, d).map(lambda k: Fraction(d - k + 1, d)))

    def contains(q: Any) -> bool:
        return _is_number(q) and 0 < q <= 1 and Fraction(q).denominator <= d_max

    return register(strategy, _grid(Q_GRID, contains))


def sample_counts(max_n: int = 16) -> SearchStrategy[int]:
    """Best-of-n sample counts n in [1, max_n]; shrinks to 1."""
    top = check_int(max_n, "max_n", 1)

    def contains(n: Any) -> bool:
        return isinstance(n, Integral) and not isinstance(n, bool) and 1 <= n <= top

    # .map(int): a strategy object of its own (Hypothesis caches integers(1, top) itself)
    return register(st.integers(1, top).map(int), _grid(N_GRID, contains))


def inverse_temperatures(max_beta: int = 20) -> SearchStrategy[float]:
    """Inverse temperatures beta = k/2 in [0, max_beta] (floats; the soft optimiser is float)."""
    top = check_int(max_beta, "max_beta", 0)

    def contains(beta: Any) -> bool:
        return isinstance(beta, float) and 0 <= beta <= top and (2 * beta).is_integer()

    return register(st.integers(0, 2 * top).map(lambda k: k / 2), _grid(BETA_GRID, contains))


def small_positive_rationals(high: int = 4, denominators: Sequence[int] = (1, 2)) -> SearchStrategy[Fraction]:
    """Positive rationals k/d in (0, high]; shrinks towards 1/d."""
    strategy = small_rationals(0, high, denominators).filter(lambda x: x > 0)
    dens = _check_denominators(denominators, 1)

    def contains(x: Any) -> bool:
        return _is_number(x) and 0 < x <= high and divides(Fraction(x), dens)

    return register(strategy, _class_numbers(0, high, dens, contains))


@st.composite
def _mdps_with_policies(draw: Callable[[SearchStrategy[Any]], Any], max_states: int, max_actions: int) -> tuple[FiniteMDP, Policy]:
    mdp = draw(finite_mdps(max_states=max_states, max_actions=max_actions))
    return mdp, draw(policies(mdp))


def _box_count(count: Callable[[MDPClass], int], cls: MDPClass, S: int, A: int) -> int:
    """The number of objects with exactly S states and A actions, from counts of boxes."""
    def box(s: int, a: int) -> int:
        return count(dataclasses.replace(cls, max_states=s, max_actions=a)) if s and a else 0
    return box(S, A) - box(S - 1, A) - box(S, A - 1) + box(S - 1, A - 1)


#: The smallest class of :func:`mdps_with_policies`: probabilities of transitions and policies in
#: steps of 1/2 (what the pairs are for), rewards constant 1 to keep the count small (742 pairs).
_SMALLEST_WITH_POLICIES = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(1,), discounts=(Fraction(1, 2),))


def mdps_with_policies(max_states: int = 4, max_actions: int = 3) -> SearchStrategy[tuple[FiniteMDP, Policy]]:
    """A discounted exact MDP and a stochastic stationary policy over it (``policies(mdp)``)."""
    mdps = enumeration_of(finite_mdps(max_states=max_states, max_actions=max_actions))

    def values(cls: MDPClass) -> Iterator[tuple[FiniteMDP, Policy]]:
        for mdp in mdps.values(cls):
            for pi in _policy_enumeration(mdp, True, False, None, 4).values(cls):
                yield mdp, pi

    def count(cls: MDPClass) -> int:
        rows = lambda A: count_exact_distributions(A, min(cls.max_denominator, 4))  # noqa: E731
        return sum(_box_count(mdps.count, cls, S, A) * rows(A) ** S
                   for S in range(1, cls.max_states + 1) for A in range(1, cls.max_actions + 1))

    def contains(data: Any) -> bool:
        return (isinstance(data, tuple) and len(data) == 2 and mdps.contains(data[0])
                and _policy_enumeration(data[0], True, False, None, 4).contains(data[1]))

    def describe(cls: MDPClass) -> str:
        return f"(mdp, policy): mdp in {mdps.describe(cls)}; {_policy_enumeration_text(cls)}"

    enumeration = Enumeration(values, count, describe, contains, smallest=_SMALLEST_WITH_POLICIES)
    return register(_mdps_with_policies(max_states, max_actions), enumeration)


def _policy_enumeration_text(cls: MDPClass) -> str:
    return f"every policy of the MDP with probabilities with denominators up to {min(cls.max_denominator, 4)}"


#: The proxy-error models that :func:`error_model_mdps` draws from when no model is named.
ERROR_MODEL_NAMES = ("regressional-light", "regressional-heavy", "extremal", "causal")


def error_model_mdps(model: str | None = None, max_states: int = 3, max_actions: int = 3,
                     horizon: int | None = None) -> SearchStrategy[FiniteMDP]:
    """An exact MDP with a "true" reward and a "proxy" made by a proxy-error model of
    :data:`environments.proxy_errors.ERROR_MODELS` (``model=None``: any of them) with a drawn seed.

    Enumerated as every MDP of the class with a "true" reward, each with the proxy of every
    model (the named one, or :data:`ERROR_MODEL_NAMES`) at seed 0; an MDP appears twice when two
    models give it the same proxy."""
    from environments.proxy_errors import ERROR_MODELS

    mdps = enumeration_of(finite_mdps(max_states=max_states, max_actions=max_actions, reward_names=("true",),
                                      horizon=horizon))
    names = ERROR_MODEL_NAMES if model is None else (model,)

    def values(cls: MDPClass) -> Iterator[FiniteMDP]:
        for name in names:
            if name not in ERROR_MODELS:
                raise InvalidArgument(f"model is {name!r}, not one of {sorted(ERROR_MODELS)}")
        for mdp in mdps.values(cls):
            for name in names:
                yield ERROR_MODELS[name](mdp, 0)

    def describe(cls: MDPClass) -> str:
        return f"{mdps.describe(cls)}, with the proxy of the error model {' or '.join(names)} at seed 0"

    enumeration = Enumeration(values, lambda cls: mdps.count(cls) * len(names), describe, smallest=SMALLEST_MDP_CLASS)
    return register(_error_model_mdps(model, max_states, max_actions, horizon), enumeration)


@st.composite
def _error_model_mdps(draw: Callable[[SearchStrategy[Any]], Any], model: str | None,
                      max_states: int, max_actions: int, horizon: int | None) -> FiniteMDP:
    from environments.proxy_errors import ERROR_MODELS

    name = model if model is not None else draw(st.sampled_from(ERROR_MODEL_NAMES))
    if name not in ERROR_MODELS:
        raise InvalidArgument(f"model is {name!r}, not one of {sorted(ERROR_MODELS)}")
    mdp = draw(finite_mdps(max_states=max_states, max_actions=max_actions, reward_names=("true",), horizon=horizon))
    return ERROR_MODELS[name](mdp, draw(st.integers(0, 2**16)))


def goodhart_mdps(max_states: int = 3, max_actions: int = 3) -> SearchStrategy[FiniteMDP]:
    """Exact MDPs with a true reward and an independently drawn proxy: the most general reward
    pair, which shrinks to the smallest readable counterexamples; ``error_model_mdps`` draws
    proxies from the named error models instead."""
    return finite_mdps(max_states=max_states, max_actions=max_actions)


#: The shift magnitudes m that :func:`shift_pairs` draws, simplest first.
_SHIFT_MAGNITUDES = (Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(3, 4))


def shift_pairs(max_states: int = 3, max_actions: int = 2,
                reward_names: Sequence[str] = ("true", "proxy")) -> SearchStrategy[tuple[FiniteMDP, FiniteMDP, Fraction]]:
    """(train, test, m): a training MDP and a test MDP shifted from it with magnitude m in
    {1/4, 1/2, 3/4, 1}, by a shift of the initial distribution or of the dynamics (a mixture
    with another drawn kernel) — see :mod:`environments.shifts`.

    Enumerated as every training MDP of the class (at least 2 states), then every m, then every
    initial shift (towards each target distribution with denominators up to 4 and the class's),
    then every dynamics shift (towards each other kernel of the class), without the pair
    repeated by a kernel equal to the training one."""
    trains = enumeration_of(finite_mdps(min_states=2, max_states=max_states, max_actions=max_actions,
                                        reward_names=reward_names))
    enumeration = Enumeration(
        lambda cls: _shift_values(trains, cls),
        lambda cls: sum(_box_count(trains.count, cls, S, A) * len(_SHIFT_MAGNITUDES)
                        * (_shift_rows(cls, S) + _shift_rows(cls, S) ** (S * A) - 1)
                        for S in range(2, cls.max_states + 1) for A in range(1, cls.max_actions + 1)),
        lambda cls: (f"(train, test, m): train in {trains.describe(cls)}; m in {{1, 1/2, 1/4, 3/4}}; test = train "
                     f"with its initial distribution shifted by m towards a distribution, or its dynamics towards "
                     f"another kernel, with denominators up to {min(cls.max_denominator, 4)}"),
        lambda pair: (isinstance(pair, tuple) and len(pair) == 3 and trains.contains(pair[0])
                      and isinstance(pair[1], FiniteMDP) and pair[1].states == pair[0].states
                      and pair[1].actions == pair[0].actions and pair[2] in _SHIFT_MAGNITUDES),
        smallest=SMALLEST_MDP_CLASS,
    )
    return register(_shift_pairs(max_states, max_actions, tuple(reward_names)), enumeration)


def _shift_rows(cls: MDPClass, S: int) -> int:
    return count_exact_distributions(S, min(cls.max_denominator, 4), (1, 2, 3, 4))


def _shift_values(trains: Enumeration, cls: MDPClass) -> Iterator[tuple[FiniteMDP, FiniteMDP, Fraction]]:
    from environments.shifts import shift_dynamics, shift_initial

    d = min(cls.max_denominator, 4)
    for train in trains.values(cls):
        rows = exact_distributions(train.S, d, (1, 2, 3, 4))
        for m in _SHIFT_MAGNITUDES:
            for target in rows:
                yield train, shift_initial(train, np.array(target, dtype=object), m), m
            for kernel in itertools.product(rows, repeat=train.S * train.A):
                other = np.array(kernel, dtype=object).reshape(train.S, train.A, train.S)
                if not np.array_equal(other, train.transitions):
                    yield train, shift_dynamics(train, other, m), m


@st.composite
def _shift_pairs(draw: Callable[[SearchStrategy[Any]], Any], max_states: int, max_actions: int,
                 reward_names: tuple[str, ...]) -> tuple[FiniteMDP, FiniteMDP, Fraction]:
    from environments.shifts import shift_dynamics, shift_initial

    train = draw(finite_mdps(min_states=2, max_states=max_states, max_actions=max_actions, reward_names=reward_names))
    m = draw(st.sampled_from(_SHIFT_MAGNITUDES))
    if draw(st.booleans()):
        other = draw(finite_mdps(min_states=train.S, max_states=train.S, min_actions=train.A,
                                 max_actions=train.A, reward_names=reward_names))
        return train, shift_dynamics(train, other.transitions, m), m
    target = draw(_exact_distribution(train.S, (1, 2, 3, 4)))
    return train, shift_initial(train, target, m), m
