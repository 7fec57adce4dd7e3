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
from collections.abc import Callable, Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

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

    return draw_rational()


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
    if exact:
        return strategy
    return strategy.map(lambda p: np.array(p.tolist(), dtype=np.float64))


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
) -> FiniteMDP:
    S = draw(st.integers(*states_range))
    A = draw(st.integers(*actions_range))
    states = [f"s{i}" for i in range(S)]
    actions = [f"a{j}" for j in range(A)]
    row = _exact_distribution(S, denominators)
    transitions = [[draw(row).tolist() for _ in range(A)] for _ in range(S)]
    number = small_rationals(*reward_range, denominators=reward_denominators)
    rewards = {
        name: [[draw(number) for _ in range(A)] for _ in range(S)] for name in reward_names
    }
    initial = draw(row).tolist()
    if horizon is not None:
        mdp = FiniteMDP(states, actions, transitions, rewards, initial, horizon=draw(horizon))
    else:
        mdp = FiniteMDP(states, actions, transitions, rewards, initial, discount=draw(discount))
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
) -> SearchStrategy[FiniteMDP]:
    """Small random :class:`~theory.mdp.FiniteMDP` s with readable labels and numbers.

    States are ``s0, s1, ...``, actions ``a0, a1, ...``. Every transition row and the initial
    distribution are exact rationals with a denominator in ``1..max_denominator`` (or drawn
    from ``denominators``); every reward named in ``reward_names`` is ``k/d`` in
    ``reward_range`` with ``d`` in ``reward_denominators`` (integers and halves by default).
    The MDP is discounted, with a discount drawn from ``discounts`` (a sequence of exact
    numbers in [0, 1), or a strategy), unless ``horizon`` (an int or a strategy of ints >= 1)
    is given. With ``exact=False`` the same exact model is drawn and converted with
    ``to_float()``.

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
    return _finite_mdps(
        states_range,
        actions_range,
        bool(exact),
        horizon_strategy,
        discount_strategy,
        names,
        dens,
        (int(reward_range[0]), int(reward_range[1])),
        reward_dens,
    )


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
        if deterministic:
            row = np.array([Fraction(0)] * A, dtype=object)
            row[draw(st.integers(0, A - 1))] = Fraction(1)
        else:
            row = draw(_exact_distribution(A, denominators))
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
    return _policies(mdp, kind, bool(deterministic), steps, dens)


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
    return _one_shot(low, high, _check_denominators(None, max_denominator))


def quantile_levels(max_denominator: int = 8) -> SearchStrategy[Fraction]:
    """Quantiliser levels q = k/d in (0, 1] with d <= ``max_denominator``; shrinks to q = 1.

    >>> from hypothesis import find
    >>> find(quantile_levels(), lambda q: True)
    Fraction(1, 1)
    """
    d_max = check_int(max_denominator, "max_denominator", 1)
    return st.integers(1, d_max).flatmap(lambda d: st.integers(1, d).map(lambda k: Fraction(d - k + 1, d)))


def sample_counts(max_n: int = 16) -> SearchStrategy[int]:
    """Best-of-n sample counts n in [1, max_n]; shrinks to 1."""
    return st.integers(1, check_int(max_n, "max_n", 1))


def inverse_temperatures(max_beta: int = 20) -> SearchStrategy[float]:
    """Inverse temperatures beta = k/2 in [0, max_beta] (floats; the soft optimiser is float)."""
    return st.integers(0, 2 * check_int(max_beta, "max_beta", 0)).map(lambda k: k / 2)


def small_positive_rationals(high: int = 4, denominators: Sequence[int] = (1, 2)) -> SearchStrategy[Fraction]:
    """Positive rationals k/d in (0, high]; shrinks towards 1/d."""
    return small_rationals(0, high, denominators).filter(lambda x: x > 0)


@st.composite
def mdps_with_policies(draw: Callable[[SearchStrategy[Any]], Any], max_states: int = 4, max_actions: int = 3) -> tuple[FiniteMDP, Policy]:
    """A discounted exact MDP and a stochastic stationary policy over it."""
    mdp = draw(finite_mdps(max_states=max_states, max_actions=max_actions))
    return mdp, draw(policies(mdp))


#: The proxy-error models that :func:`error_model_mdps` draws from when no model is named.
ERROR_MODEL_NAMES = ("regressional-light", "regressional-heavy", "extremal", "causal")


@st.composite
def error_model_mdps(draw: Callable[[SearchStrategy[Any]], Any], model: str | None = None,
                     max_states: int = 3, max_actions: int = 3, horizon: int | None = None) -> FiniteMDP:
    """An exact MDP with a "true" reward and a "proxy" made by a proxy-error model of
    :data:`environments.proxy_errors.ERROR_MODELS` (``model=None``: any of them) with a drawn seed."""
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


@st.composite
def shift_pairs(draw: Callable[[SearchStrategy[Any]], Any], max_states: int = 3, max_actions: int = 2,
                reward_names: Sequence[str] = ("true", "proxy")) -> tuple[FiniteMDP, FiniteMDP, Fraction]:
    """(train, test, m): a training MDP and a test MDP shifted from it with magnitude m in
    {1/4, 1/2, 3/4, 1}, by a shift of the initial distribution or of the dynamics (a mixture
    with another drawn kernel) — see :mod:`environments.shifts`."""
    from environments.shifts import shift_dynamics, shift_initial

    train = draw(finite_mdps(min_states=2, max_states=max_states, max_actions=max_actions, reward_names=reward_names))
    m = draw(st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(1, 4), Fraction(3, 4)]))
    if draw(st.booleans()):
        other = draw(finite_mdps(min_states=train.S, max_states=train.S, min_actions=train.A,
                                 max_actions=train.A, reward_names=reward_names))
        return train, shift_dynamics(train, other.transitions, m), m
    target = draw(_exact_distribution(train.S, (1, 2, 3, 4)))
    return train, shift_initial(train, target, m), m
