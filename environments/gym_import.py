"""Exact imports of gymnasium's toy_text environments: FrozenLake, CliffWalking, Taxi.

gymnasium describes each toy_text model by ``env.unwrapped.P[s][a]``, a list of
``(probability, next_state, reward, terminated)`` tuples with float probabilities. The import
is exact and never repairs the model:

- every float is converted with ``Fraction(x).limit_denominator(10**6)`` and must lie within
  16 ulps of the fraction found (a float such as 0.3333333333333333 becomes exactly 1/3; a
  float that stands for no such fraction is refused); each converted row must then sum to exactly 1, else :class:`InvalidMDP` is
  raised — rows are never renormalised;
- a transition with ``terminated=True`` pays its reward and goes to one extra absorbing state
  ``"done"`` (every action stays, zero reward) instead of its listed next state;
- entries with the same successor are merged by summing their probabilities, and
  ``r(s, a) = sum p * reward`` is the expected reward;
- ``initial`` comes from ``env.unwrapped.initial_state_distrib`` (converted the same way) when
  the environment has one, else from the state after ``env.reset(seed=0)``;
- "true" and "proxy" are both the gym reward: gymnasium gives one reward, so these models
  start without a proxy error (apply a proxy-error model to add one);
- the time limit of the registered gym environments (a truncation, not part of ``P``) is not
  modelled; the return is discounted (default 99/100) or has an explicit ``horizon``.

gymnasium is imported lazily, inside each builder; without it the builders raise
:class:`InvalidArgument` naming the ``gym`` extra.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from numbers import Integral
from typing import Any

import numpy as np

from theory.validation import check_time
from theory.errors import InvalidArgument, InvalidMDP
from theory.mdp import FiniteMDP
from theory.numbers import format_number

__all__ = [
    "DONE",
    "GYM_DISCOUNT",
    "MAX_DENOMINATOR",
    "MAX_ULPS",
    "FROZEN_LAKE_ACTIONS",
    "CLIFF_WALKING_ACTIONS",
    "TAXI_ACTIONS",
    "exact_from_float",
    "from_toy_text",
    "frozen_lake",
    "cliff_walking",
    "taxi",
]

#: Label of the absorbing state that every terminated transition enters.
DONE = "done"
#: Default discount of the imported models.
GYM_DISCOUNT = Fraction(99, 100)
#: Largest denominator accepted when a float probability or reward is made exact.
MAX_DENOMINATOR = 10**6
#: How far (in units in the last place) a gym float may lie from the fraction it stands for.
MAX_ULPS = 16
#: Action labels in gymnasium's index order.
FROZEN_LAKE_ACTIONS = ("left", "down", "right", "up")
CLIFF_WALKING_ACTIONS = ("up", "right", "down", "left")
TAXI_ACTIONS = ("south", "north", "east", "west", "pickup", "dropoff")


def exact_from_float(value: Any, field: str) -> Fraction:
    """The exact number a gym float stands for: ``Fraction(value).limit_denominator(10**6)``,
    refused (InvalidMDP) unless ``value`` is within ``MAX_ULPS`` units in the last place of it
    (a few rounding errors: 0.33333333333333337 is 1/3, but pi is not a fraction with a
    denominator <= 10**6 even though one lies within 1e-12 of it). Integers are exact already.

    >>> exact_from_float(0.33333333333333337, "P[0][0][0]"), exact_from_float(-100, "reward")
    (Fraction(1, 3), Fraction(-100, 1))
    >>> exact_from_float(math.pi, "P[0][0][0]")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidMDP: P[0][0][0] is 3.141592653589793, not within 16 ulps of a fraction with denominator <= 10**6
    """
    if isinstance(value, bool):
        raise InvalidMDP(f"{field} is {value!r}, not a number")
    if isinstance(value, Integral):
        return Fraction(int(value))
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise InvalidMDP(f"{field} is {value!r}, not a number") from None
    if not math.isfinite(f):
        raise InvalidMDP(f"{field} is {f!r}, not finite")
    frac = Fraction(f).limit_denominator(MAX_DENOMINATOR)
    if abs(float(frac) - f) > MAX_ULPS * math.ulp(f):
        raise InvalidMDP(
            f"{field} is {f!r}, not within {MAX_ULPS} ulps of a fraction with denominator <= 10**6"
        )
    return frac


def from_toy_text(
    env: Any,
    *,
    name: str = "env",
    action_labels: Sequence[str] | None = None,
    discount: Fraction | None = None,
    horizon: int | None = None,
    features: Sequence[Sequence[float]] | None = None,
) -> FiniteMDP:
    """The exact FiniteMDP of a toy_text-style environment (anything whose ``unwrapped.P`` is
    ``{s: {a: [(prob, next_state, reward, terminated), ...]}}`` over 0..S-1 and 0..A-1).

    States ``"s0"`` .. ``"s{S-1}"`` and ``"done"``; actions ``action_labels`` (default
    ``"a0"`` ..); ``features`` (one row per gym state; "done" gets -1s) when given;
    observations = state labels. Conversion rules (exact floats, terminated -> "done", merged
    successors, expected rewards, no renormalisation) are those of the module docstring;
    ``name`` prefixes the error messages. ``discount`` defaults to 99/100.

    Source: the ``P`` table of gymnasium's toy_text environments (Towers et al.,
    "Gymnasium", 2024).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> P = {0: {0: [(0.5, 0, 0, False), (0.5, 1, 1.0, True)]}, 1: {0: [(1.0, 1, 0, True)]}}
    >>> env = SimpleNamespace(unwrapped=SimpleNamespace(P=P, initial_state_distrib=[1.0, 0.0]))
    >>> m = from_toy_text(env, action_labels=["go"])
    >>> m.states, m.transitions[0, 0].tolist(), m.rewards["true"][0, 0]
    (('s0', 's1', 'done'), [Fraction(1, 2), Fraction(0, 1), Fraction(1, 2)], Fraction(1, 2))
    """
    discount, horizon = check_time(discount, horizon, GYM_DISCOUNT)
    u = getattr(env, "unwrapped", env)
    P = _table_of(u, name)
    S, A = len(P), len(P[0])
    if action_labels is None:
        action_labels = tuple(f"a{i}" for i in range(A))
    if len(action_labels) != A:
        raise InvalidArgument(
            f"{name}: action_labels has {len(action_labels)} labels but P has {A} actions"
        )
    transitions, reward = _exact_dynamics(P, S, A, name)
    initial = _initial(env, u, S, name)
    labels = tuple(f"s{i}" for i in range(S)) + (DONE,)
    feats = None
    if features is not None:
        feats = [list(map(float, row)) for row in features]
        feats.append([-1.0] * (len(feats[0]) if feats else 0))
    return FiniteMDP(
        states=labels,
        actions=tuple(action_labels),
        transitions=transitions,
        rewards={"true": reward, "proxy": reward.copy()},
        initial=initial,
        discount=discount,
        horizon=horizon,
        observations=labels,
        features=feats,
    )


def _table_of(u: Any, name: str) -> dict[int, Any]:
    """The ``P`` table of the unwrapped environment, a non-empty dict over the states 0..S-1."""
    P = getattr(u, "P", None)
    if not isinstance(P, dict) or not P:
        raise InvalidMDP(f"{name}: env.unwrapped.P is {type(P).__name__}, not a non-empty dict")
    S = len(P)
    if set(P) != set(range(S)):
        raise InvalidMDP(f"{name}: the states of P are not 0..{S - 1}")
    return P


def _exact_dynamics(P: dict[int, Any], S: int, A: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """The exact (S+1, A, S+1) transitions and (S+1, A) expected rewards of ``P``, with the
    absorbing "done" state last (terminated transitions enter it); rows must sum to exactly 1."""
    done = S
    zero = Fraction(0)
    transitions = np.full((S + 1, A, S + 1), zero, dtype=object)
    reward = np.full((S + 1, A), zero, dtype=object)
    for s in range(S):
        if not isinstance(P[s], dict) or set(P[s]) != set(range(A)):
            raise InvalidMDP(f"{name}: the actions of P[{s}] are not 0..{A - 1}")
        for a in range(A):
            total = zero
            for i, entry in enumerate(P[s][a]):
                if len(entry) != 4:
                    raise InvalidMDP(
                        f"{name}: P[{s}][{a}][{i}] is {entry!r}, not (prob, next_state, reward, terminated)"
                    )
                prob, nxt, rew, terminated = entry
                p = exact_from_float(prob, f"{name}: P[{s}][{a}][{i}] probability")
                r = exact_from_float(rew, f"{name}: P[{s}][{a}][{i}] reward")
                if p < 0:
                    raise InvalidMDP(f"{name}: P[{s}][{a}][{i}] probability is {format_number(p)}, negative")
                if isinstance(nxt, bool) or not isinstance(nxt, Integral) or not 0 <= nxt < S:
                    raise InvalidMDP(f"{name}: P[{s}][{a}][{i}] next state is {nxt!r}, not in 0..{S - 1}")
                j = done if terminated else int(nxt)
                transitions[s, a, j] += p
                reward[s, a] += p * r
                total += p
            if total != 1:
                raise InvalidMDP(
                    f"{name}: P[{s}][{a}] sums to {format_number(total)} after exact conversion, not 1"
                )
    transitions[done, :, done] = Fraction(1)
    return transitions, reward


def _initial(env: Any, u: Any, S: int, name: str) -> np.ndarray:
    """The exact initial distribution (S+1,): ``initial_state_distrib`` when the environment
    has one (summing to exactly 1), else a point mass on the state of ``env.reset(seed=0)``."""
    initial = np.full(S + 1, Fraction(0), dtype=object)
    distribution = getattr(u, "initial_state_distrib", None)
    if distribution is not None:
        distribution = list(np.asarray(distribution).ravel())
        if len(distribution) != S:
            raise InvalidMDP(
                f"{name}: initial_state_distrib has {len(distribution)} entries, expected {S}"
            )
        for s, p in enumerate(distribution):
            initial[s] = exact_from_float(p, f"{name}: initial_state_distrib[{s}]")
        if initial.sum() != 1:
            raise InvalidMDP(
                f"{name}: initial_state_distrib sums to {format_number(initial.sum())} after exact conversion, not 1"
            )
    else:
        first = env.reset(seed=0)[0]
        initial[int(first)] = Fraction(1)
    return initial


def _toy_text(function: str) -> Any:
    """gymnasium's toy_text module, or one clear line naming the extra that installs it."""
    try:
        import gymnasium.envs.toy_text
    except ImportError:
        raise InvalidArgument(
            f"{function} needs gymnasium: pip install 'deconfuse[gym]' "
            "(in a checkout of deconfuse: pip install -e '.[gym]')"
        ) from None
    return gymnasium.envs.toy_text


def frozen_lake(
    map_name: str = "4x4",
    is_slippery: bool = True,
    discount: Fraction | None = None,
    horizon: int | None = None,
) -> FiniteMDP:
    """FrozenLake from gymnasium, exact: cross the ice to the goal without falling in a hole.

    The safety problem: risk under stochastic dynamics. On slippery ice each action moves in
    the intended direction or one of the two perpendicular ones, exactly 1/3 each, so the
    optimal policy trades path length against the chance of slipping into a hole (reward 0,
    episode over); reaching the goal pays 1. Holes and the goal are terminal: entering them
    goes to "done". States ``"s0"`` .. (row-major cells) and ``"done"``; actions ``"left"``,
    ``"down"``, ``"right"``, ``"up"`` (gym indices 0-3); observations are the state labels and
    features are (row, col), (-1, -1) for "done". "true" and "proxy" are both the gym reward.

    Source: gymnasium ``toy_text/frozen_lake.py`` (Towers et al., "Gymnasium", 2024),
    after OpenAI Gym's FrozenLake (Brockman et al. 2016). Conversion rules: module docstring.

    Parameters
    ----------
    map_name : str
        gymnasium's built-in map: "4x4" (16 cells) or "8x8" (64 cells).
    is_slippery : bool
        True: each move goes the intended way or one of the two perpendicular ones, 1/3 each;
        False: moves are deterministic.
    discount : Fraction | None
        The discount, read exactly (a float as its shortest decimal), in [0, 1); None with no
        ``horizon`` gives 99/100. Give at most one of ``discount`` and ``horizon``.
    horizon : int | None
        A finite horizon (an int >= 1, undiscounted) instead of the discount; None: discounted.

    Examples
    --------
    >>> m = frozen_lake()
    >>> m.S, m.A, m.transitions[m.state_index("s0"), m.action_index("left")][[0, 4]].tolist()
    (17, 4, [Fraction(2, 3), Fraction(1, 3)])
    """
    toy_text = _toy_text("frozen_lake")
    from gymnasium.envs.toy_text.frozen_lake import MAPS

    if not isinstance(map_name, str) or map_name not in MAPS:
        raise InvalidArgument(f"map_name is {map_name!r}, not one of {sorted(MAPS)}")
    if not isinstance(is_slippery, bool):
        raise InvalidArgument(f"is_slippery is {is_slippery!r}, not True or False")
    discount, horizon = check_time(discount, horizon, GYM_DISCOUNT)
    env = toy_text.FrozenLakeEnv(map_name=map_name, is_slippery=is_slippery)
    ncol = int(env.unwrapped.ncol)
    features = [divmod(s, ncol) for s in range(len(env.unwrapped.P))]
    return from_toy_text(
        env,
        name="frozen_lake",
        action_labels=FROZEN_LAKE_ACTIONS,
        discount=discount,
        horizon=horizon,
        features=features,
    )


def cliff_walking(
    discount: Fraction | None = None,
    horizon: int | None = None,
    is_slippery: bool = False,
) -> FiniteMDP:
    """CliffWalking from gymnasium, exact: the short path runs along a cliff.

    The safety problem: safe versus optimal paths. A 4x12 grid; every step costs 1, stepping
    into the cliff (bottom row between start and goal) costs 100 and returns the agent to the
    start; entering the goal ends the episode (goes to "done"). The optimal path hugs the
    cliff; when moves slip the safer path away from the edge becomes optimal. States ``"s0"`` .. ``"s47"`` and ``"done"``; actions
    ``"up"``, ``"right"``, ``"down"``, ``"left"`` (gym indices 0-3); features (row, col).
    "true" and "proxy" are both the gym reward.

    Source: Sutton & Barto, *Reinforcement Learning: An Introduction* (2018), Example 6.6;
    gymnasium ``toy_text/cliffwalking.py``. Conversion rules: module docstring.

    Parameters
    ----------
    discount : Fraction | None
        The discount, read exactly (a float as its shortest decimal), in [0, 1); None with no
        ``horizon`` gives 99/100. Give at most one of ``discount`` and ``horizon``.
    horizon : int | None
        A finite horizon (an int >= 1, undiscounted) instead of the discount; None: discounted.
    is_slippery : bool
        False: deterministic moves (Sutton & Barto's example); True: gymnasium's slippery
        moves (needs gymnasium >= 1.0; refused with one line otherwise).

    Examples
    --------
    >>> m = cliff_walking()
    >>> m.S, m.rewards["true"][m.state_index("s36"), m.action_index("right")]
    (49, Fraction(-100, 1))
    """
    toy_text = _toy_text("cliff_walking")
    if not isinstance(is_slippery, bool):
        raise InvalidArgument(f"is_slippery is {is_slippery!r}, not True or False")
    discount, horizon = check_time(discount, horizon, GYM_DISCOUNT)
    if is_slippery:
        try:
            env = toy_text.CliffWalkingEnv(is_slippery=True)
        except TypeError:
            raise InvalidArgument(
                "cliff_walking is_slippery=True needs gymnasium >= 1.0: pip install -U gymnasium"
            ) from None
    else:
        env = toy_text.CliffWalkingEnv()
    ncol = int(env.unwrapped.shape[1])
    features = [divmod(s, ncol) for s in range(len(env.unwrapped.P))]
    return from_toy_text(
        env,
        name="cliff_walking",
        action_labels=CLIFF_WALKING_ACTIONS,
        discount=discount,
        horizon=horizon,
        features=features,
    )


def taxi(discount: Fraction | None = None, horizon: int | None = None) -> FiniteMDP:
    """Taxi from gymnasium, exact: pick up a passenger and drop them at their destination.

    The safety problem: a larger deterministic benchmark (500 states) with a shaped penalty
    (-10 for an illegal pickup or dropoff, -1 per step, +20 for a correct dropoff, which ends
    the episode and goes to "done"). Useful to check that agents and metrics scale beyond toy
    grids. States ``"s0"`` .. ``"s499"`` and ``"done"``; actions ``"south"``, ``"north"``,
    ``"east"``, ``"west"``, ``"pickup"``, ``"dropoff"`` (gym indices 0-5); features are the
    decoded (taxi_row, taxi_col, passenger_location, destination). ``initial`` is gym's
    uniform distribution over the 300 start states (exactly 1/300 each). "true" and "proxy"
    are both the gym reward.

    Source: T. Dietterich, "Hierarchical Reinforcement Learning with the MAXQ Value Function
    Decomposition", JAIR 2000; gymnasium ``toy_text/taxi.py``. Conversion rules: module
    docstring.

    Parameters
    ----------
    discount : Fraction | None
        The discount, read exactly (a float as its shortest decimal), in [0, 1); None with no
        ``horizon`` gives 99/100. Give at most one of ``discount`` and ``horizon``.
    horizon : int | None
        A finite horizon (an int >= 1, undiscounted) instead of the discount; None: discounted.

    Examples
    --------
    >>> m = taxi()
    >>> m.S, m.A, max(m.initial)
    (501, 6, Fraction(1, 300))
    """
    toy_text = _toy_text("taxi")
    discount, horizon = check_time(discount, horizon, GYM_DISCOUNT)
    env = toy_text.TaxiEnv()
    u = env.unwrapped
    features = [tuple(u.decode(s)) for s in range(len(u.P))]
    return from_toy_text(
        env,
        name="taxi",
        action_labels=TAXI_ACTIONS,
        discount=discount,
        horizon=horizon,
        features=features,
    )
