"""Parametric environments: named MDPs with a natural parameter left symbolic.

Each builder returns a :class:`theory.symbolic.ParametricMDP` whose parameter ranges are
given; by default exactly one parameter is symbolic, so that
:func:`theory.symbolic.optimal_partition` applies directly. A parameter given a value is
fixed (exact); a parameter given ``None`` is symbolic. Where the numbers of an environment
are affine in the parameter (a slip probability, a proxy-error magnitude), the parametric MDP
is built as the exact segment between the existing builder at the two ends of the range
(:func:`theory.symbolic.affine_family`), so that substituting a value gives *exactly* the
environment that the plain builder makes at that value.

``PARAMETRIC`` maps a name to its builder, for the command line and the registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import inspect

import numpy as np
import sympy

from theory.budget import check_mdp_size
from theory.validation import check_int, check_number, check_probability, check_time
from environments.common import DEFAULT_DISCOUNT
from environments.bandits import bandit
from environments.chain import chain
from environments.gridworld import FLOOR_CHR, START_CHR, WALL_CHR, compile_gridworld
from environments.gridworlds import GOAL_CHR, GOAL_REWARD, LAVA_CHR, LAVA_REWARD, MOVEMENT_REWARD
from theory.errors import InvalidArgument
from theory.numbers import format_number, parse_number
from theory.symbolic import ParametricMDP, affine_family, from_mdp

__all__ = [
    "SLIP",
    "GAMMA",
    "EPS",
    "SLIP_RANGE",
    "DISCOUNT_RANGE",
    "EPS_RANGE",
    "LAVA_CORRIDOR_MAP",
    "with_symbolic_discount",
    "parametric_chain",
    "parametric_gridworld",
    "lava_corridor",
    "delayed_reward",
    "now_or_later",
    "proxy_bandit",
    "PARAMETRIC",
    "SYMBOL_PARAMETERS",
    "get_parametric",
]

#: Parameter names.
SLIP = "p_slip"
GAMMA = "gamma"
EPS = "eps"
#: Ranges of the symbolic parameters (closed intervals, exact).
SLIP_RANGE = (Fraction(0), Fraction(1))
DISCOUNT_RANGE = (Fraction(0), Fraction(99, 100))
EPS_RANGE = (Fraction(0), Fraction(2))

# A corridor between lava and a wall: the short route runs along the lava (row 2), the safe
# one along the wall (row 1) and is two steps longer. Slipping is perpendicular to the move,
# so the short route risks lava at every step and the safe one never does.
LAVA_CORRIDOR_MAP = (
    "#######",
    "#     #",
    "#S   G#",
    "#LLLLL#",
    "#######",
)


def with_symbolic_discount(pmdp: ParametricMDP, name: str = GAMMA, lo: Any = DISCOUNT_RANGE[0],
                           hi: Any = DISCOUNT_RANGE[1]) -> ParametricMDP:
    """The same parametric MDP with its discount replaced by a new parameter on [lo, hi]
    (the discount as a parameter, as in Blackwell's 1962 sensitivity analysis).

    >>> from theory.examples import two_state
    >>> from theory.symbolic import from_mdp
    >>> with_symbolic_discount(from_mdp(two_state())).params
    mappingproxy({'gamma': (Fraction(0, 1), Fraction(99, 100))})
    """
    if pmdp.horizon is not None:
        raise InvalidArgument("a finite-horizon MDP has no discount to make symbolic")
    if name in pmdp.params:
        raise InvalidArgument(f"{name!r} is already a parameter")
    return pmdp.replace(discount=sympy.Symbol(name), params={**pmdp.params, name: (lo, hi)})


def parametric_chain(
    n: int = 3,
    slip: Fraction | None = None,
    discount: Fraction | None = Fraction(9, 10),
    proxy_bonus: Fraction = Fraction(0),
) -> ParametricMDP:
    """Strens' NChain (:func:`environments.chain.chain`) with a symbolic slip and/or discount.

    ``slip=None`` (default) makes the slip the parameter ``p_slip`` on [0, 1]; the chain's
    numbers are affine in it, so this is the exact segment between ``chain(slip=0)`` and
    ``chain(slip=1)``. ``discount=None`` makes the discount the parameter ``gamma`` on
    [0, 99/100]. At p_slip = 1/2 the two actions have the same effects, so the optimal action
    swaps there; further switches show where walking forward stops paying.

    Source: M. Strens, "A Bayesian Framework for Reinforcement Learning", ICML 2000.

    >>> from theory.symbolic import substitute
    >>> m = parametric_chain(n=3)
    >>> m.transitions[0, 0].tolist()
    [p_slip, 1 - p_slip, 0]
    >>> substitute(m, p_slip="1/5") == chain(3, slip=Fraction(1, 5))
    True
    """
    n = check_int(n, "n", 2)
    check_mdp_size("n", n, n, 2)
    d = Fraction(0) if discount is None else check_time(discount, None, DEFAULT_DISCOUNT)[0]
    if slip is None:
        pm = affine_family(
            chain(n, slip=Fraction(0), discount=d, proxy_bonus=proxy_bonus),
            chain(n, slip=Fraction(1), discount=d, proxy_bonus=proxy_bonus),
            SLIP, *SLIP_RANGE,
        )
    else:
        pm = from_mdp(chain(n, slip=check_probability(slip, "slip", exact=True), discount=d, proxy_bonus=proxy_bonus))
    return pm if discount is not None else with_symbolic_discount(pm)


def parametric_gridworld(
    ascii_map: str | Sequence[str],
    slip_range: tuple[Any, Any] = SLIP_RANGE,
    **compile_kwargs: Any,
) -> ParametricMDP:
    """A gridworld (:func:`environments.gridworld.compile_gridworld`) with symbolic slip ``p_slip``.

    Transitions and rewards of the compiled gridworld are affine in the slip probability, so
    this is exactly the segment between the maps compiled with slip 0 and slip 1, restricted
    to ``slip_range``; every other argument goes to ``compile_gridworld``.

    Source: Leike et al., "AI Safety Gridworlds" (2017); AIMA chapter 17 for slippery moves.

    >>> m = parametric_gridworld(["####", "#SG#", "####"], rewards_true={"G": 1},
    ...                          terminal_symbols="G")
    >>> m.transitions[0, 3].tolist()
    [p_slip, 0, 1 - p_slip]
    """
    if "slip" in compile_kwargs:
        raise InvalidArgument("slip is the symbolic parameter of parametric_gridworld; give slip_range")
    lo, hi = (check_probability(x, "slip_range", exact=True) for x in slip_range)
    return affine_family(
        compile_gridworld(ascii_map, slip=Fraction(0), **compile_kwargs),
        compile_gridworld(ascii_map, slip=Fraction(1), **compile_kwargs),
        SLIP, lo, hi,
    )


def lava_corridor(
    slip: Fraction | None = None,
    discount: Fraction | None = Fraction(9, 10),
    proxy_lava: Fraction | None = None,
    slip_max: Fraction = Fraction(1, 2),
) -> ParametricMDP:
    """A corridor along lava, with symbolic slip: when is the longer safe route worth it?

    The safety problem: safe exploration under uncertain dynamics. The agent starts at ``S``
    next to a row of lava; the goal ``G`` (+50, terminal) is 4 steps to the right along the
    lava, or 6 steps via the row along the wall. Every step costs 1; lava is -50 and terminal
    (``proxy_lava`` changes it in the proxy only). A move slips to each perpendicular direction
    with probability p_slip / 2, so along the lava every step risks falling in, along the wall
    none does. With slip 0 the short route is optimal; as p_slip grows the optimal policy
    switches, state by state, to the safe route at exact algebraic slip values.
    ``slip=None`` (default): ``p_slip`` symbolic on [0, slip_max]; a value fixes it.
    ``discount=None`` makes the discount symbolic (``gamma`` on [0, 99/100]).

    Source: the lava worlds of Leike et al., "AI Safety Gridworlds" (2017); the cliff walk of
    Sutton & Barto (2018), example 6.6.

    >>> m = lava_corridor()
    >>> m.params
    mappingproxy({'p_slip': (Fraction(0, 1), Fraction(1, 2))})
    >>> m.rewards["true"][m.states.index("(2,4)"), m.actions.index("right")]
    49 - 75*p_slip
    """
    rewards_true = {GOAL_CHR: GOAL_REWARD, LAVA_CHR: LAVA_REWARD}
    rewards_proxy = dict(rewards_true)
    if proxy_lava is not None:
        rewards_proxy[LAVA_CHR] = check_number(proxy_lava, "proxy_lava")
    d = Fraction(0) if discount is None else check_time(discount, None, DEFAULT_DISCOUNT)[0]
    kwargs = dict(
        rewards_true=rewards_true, rewards_proxy=rewards_proxy, step_true=MOVEMENT_REWARD,
        step_proxy=MOVEMENT_REWARD, terminal_symbols=(GOAL_CHR, LAVA_CHR), wall=WALL_CHR,
        start=START_CHR, floor=FLOOR_CHR, discount=d,
    )
    if slip is None:
        pm = parametric_gridworld(LAVA_CORRIDOR_MAP, (Fraction(0), slip_max), **kwargs)
    else:
        pm = from_mdp(compile_gridworld(LAVA_CORRIDOR_MAP, slip=check_probability(slip, "slip", exact=True), **kwargs))
    return pm if discount is not None else with_symbolic_discount(pm)


def delayed_reward(
    delayed: Fraction = Fraction(2),
    delay: int = 1,
    discount: Fraction | None = None,
) -> ParametricMDP:
    r"""Take 1 now or ``delayed`` (R) after ``delay`` (d) steps: the optimal choice switches at
    :math:`\gamma = R^{-1/d}`.

    States ``"A"``, ``"B1"`` .. ``"B{d}"`` (just ``"B"`` when d = 1), ``"end"`` (absorbing,
    reward 0); actions ``"now"``, ``"wait"``. In A, "now" pays 1 and ends; "wait" pays 0 and
    moves to B1. From B_i both actions move on (to B_{i+1}, or from B_d to "end") and pay 0,
    except that leaving B_d pays R. So :math:`V(\text{now}) = 1` and
    :math:`V(\text{wait}) = \gamma^d R`: with d = 1 the switch is at :math:`\gamma = 1/R`,
    with d = 2 at :math:`1/\sqrt{R}` (irrational unless R is a square). The proxy equals the
    true reward. ``discount=None`` (default): symbolic ``gamma`` on [0, 99/100]; a value
    fixes it.

    Source: the textbook illustration of discounting as impatience (Sutton & Barto 2018,
    sec. 3.3); the exact switch is Blackwell's (1962) sensitivity of optimal policies to the
    discount.

    >>> from theory.symbolic import optimal_partition
    >>> [p.hi for p in optimal_partition(delayed_reward(Fraction(2), delay=2))][:1]
    [sqrt(2)/2]
    """
    R = check_number(delayed, "delayed")
    d = check_int(delay, "delay", 1)
    states = ["A"] + (["B"] if d == 1 else [f"B{i}" for i in range(1, d + 1)]) + ["end"]
    S = len(states)
    end = S - 1
    T = np.full((S, 2, S), Fraction(0), dtype=object)
    r = np.full((S, 2), Fraction(0), dtype=object)
    T[0, 0, end] = Fraction(1)
    r[0, 0] = Fraction(1)
    T[0, 1, 1] = Fraction(1)
    for i in range(1, d + 1):
        T[i, :, i + 1] = Fraction(1)
        if i == d:
            r[i, :] = R
    T[end, :, end] = Fraction(1)
    if discount is None:
        disc: Any = sympy.Symbol(GAMMA)
        params = {GAMMA: DISCOUNT_RANGE}
    else:
        disc, params = check_time(discount, None, DEFAULT_DISCOUNT)[0], {}
    initial = [Fraction(1)] + [Fraction(0)] * (S - 1)
    return ParametricMDP(
        states=states, actions=["now", "wait"], transitions=T,
        rewards={"true": r, "proxy": r.copy()}, initial=initial, discount=disc, params=params,
    )


def now_or_later(later: Any = 2, discount: Any = None) -> ParametricMDP:
    r"""The hand-worked example of :mod:`theory.symbolic`: take 1 now, or ``later`` (R) one step later.

    States ``"A"``, ``"B"``, ``"end"`` (absorbing, reward 0); actions ``"now"``, ``"wait"``.
    In A, "now" pays 1 and moves to "end"; "wait" pays 0 and moves to B; in B both actions pay
    R and move to "end". So :math:`V^{now}(A) = 1`, :math:`V^{wait}(A) = \gamma R`, and the
    optimal action in A switches at :math:`\gamma = 1/R`. ``discount=None`` makes the
    discount the parameter ``gamma`` on [0, 99/100]; ``later=None`` makes R the parameter
    ``R`` on [1, 4]. Rewards "true" and "proxy" are equal. (A longer delay:
    :func:`delayed_reward`; with delay 1 it is this MDP, so ``now_or_later`` is not a separate
    entry of :data:`PARAMETRIC`.)

    Source: discounting as impatience (Sutton & Barto 2018, sec. 3.3).

    >>> now_or_later(3)
    ParametricMDP(S=3, A=2, discount=gamma, params={gamma: [0, 99/100]}, rewards=['true', 'proxy'])
    """
    params: dict[str, tuple[Any, Any]] = {}
    if later is None:
        R: Any = sympy.Symbol("R")
        params["R"] = (1, 4)
    else:
        R = parse_number(later, "later")
    if discount is None:
        gamma: Any = sympy.Symbol(GAMMA)
        params[GAMMA] = DISCOUNT_RANGE
    else:
        gamma = parse_number(discount, "discount")
    r = [[1, 0], [R, R], [0, 0]]
    return ParametricMDP(
        states=["A", "B", "end"], actions=["now", "wait"],
        transitions=[[[0, 0, 1], [0, 1, 0]], [[0, 0, 1], [0, 0, 1]], [[0, 0, 1], [0, 0, 1]]],
        rewards={"true": r, "proxy": r}, initial=[1, 0, 0], discount=gamma, params=params,
    )


def proxy_bandit(
    true: tuple[Fraction, ...] = (Fraction(1), Fraction(1, 2), Fraction(0)),
    error: tuple[Fraction, ...] = (Fraction(0), Fraction(0), Fraction(1)),
    eps: Fraction | None = None,
    eps_max: Fraction = EPS_RANGE[1],
) -> ParametricMDP:
    """A bandit whose proxy is ``true + eps * error``, with symbolic error magnitude ``eps``.

    The safety problem: how large a proxy error must be before the proxy's argmax is a bad arm
    (extremal Goodhart, Manheim & Garrabrant 2018). One state ``"x"``, arms ``"arm0"`` ..,
    horizon 1 (as :func:`environments.bandits.bandit`). With the defaults, arm0 is truly best
    (1), arm2 is worst (0) but its proxy grows as eps: the proxy-optimal arm switches from
    arm0 to arm2 at eps = 1. ``eps=None`` (default): symbolic on [0, eps_max]; a value fixes it.

    Source: Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018).

    >>> from theory.symbolic import optimal_partition
    >>> [(p.hi, p.choice) for p in optimal_partition(proxy_bandit(), "eps")]
    [(1, (('arm0',),)), (2, (('arm2',),))]
    """
    t = tuple(check_number(x, "true") for x in true)
    e = tuple(check_number(x, "error") for x in error)
    if len(t) != len(e):
        raise InvalidArgument(f"true has {len(t)} arms but error has {len(e)}")
    hi = check_number(eps_max, "eps_max")
    if hi < 0:
        raise InvalidArgument(f"eps_max is {format_number(hi)}, not >= 0")
    if eps is not None:
        value = check_number(eps, "eps")
        return from_mdp(bandit(true=t, proxy=tuple(a + value * b for a, b in zip(t, e))))
    return affine_family(
        bandit(true=t, proxy=t),
        bandit(true=t, proxy=tuple(a + b for a, b in zip(t, e))),
        EPS, Fraction(0), hi,
    )


#: name -> builder of a ParametricMDP (names use '-', as the environment registry does).
PARAMETRIC: dict[str, Callable[..., ParametricMDP]] = {
    "chain": parametric_chain,
    "lava-corridor": lava_corridor,
    "delayed-reward": delayed_reward,
    "proxy-bandit": proxy_bandit,
}


#: Which builder argument, set to None, makes a symbol of :data:`PARAMETRIC`'s builders symbolic.
SYMBOL_PARAMETERS: dict[str, str] = {SLIP: "slip", GAMMA: "discount", EPS: "eps"}


def get_parametric(name: str, symbol: str | None = None, **params: Any) -> ParametricMDP:
    """The parametric environment ``name`` (a key of :data:`PARAMETRIC`; '-' and '_' alike)
    with ``params`` (strings from the command line are converted as by
    :func:`environments.get`); when ``symbol`` is named, the builder argument that makes it
    symbolic is set to None unless given.

    >>> sorted(get_parametric("chain", "gamma", slip="1/5").params)
    ['gamma']
    """
    from environments.registry import call

    key = name.strip().replace("_", "-")
    if key not in PARAMETRIC:
        raise InvalidArgument(f"no parametric version of {name!r}; parametric environments: {', '.join(PARAMETRIC)}")
    fn = PARAMETRIC[key]
    if symbol is not None:
        arguments = inspect.signature(fn).parameters
        supported = {p: a for p, a in SYMBOL_PARAMETERS.items() if a in arguments}
        if symbol not in supported:
            listed = " and ".join(f"{p!r} (set by its argument {a})" for p, a in supported.items())
            raise InvalidArgument(f"{key} has no symbolic parameter {symbol!r}; its symbolic parameters are {listed}")
        argument = supported[symbol]
        if params.get(argument) is not None:
            raise InvalidArgument(
                f"{key}'s parameter {symbol!r} cannot be symbolic while its argument {argument} is fixed "
                f"(to {params[argument]!r}); leave {argument} out"
            )
        params[argument] = None
    return call(key, fn, **params)
