"""Distribution shifts: FiniteMDP -> FiniteMDP maps with a magnitude m in [0, 1].

Each shift moves one part of an MDP a fraction m of the way towards a target, by a convex
mixture :math:`(1 - m)\\,x + m\\,x_{\\text{target}}`, so that a curve can sweep m:

- :func:`shift_initial` — the initial (context) distribution;
- :func:`shift_dynamics` — the transition kernel (a mixture with another kernel);
- :func:`shift_layout` — a gridworld's layout (the lava moved, AI Safety Gridworlds);
- :func:`shift_reward` — one reward mixed towards another (the proxy towards the true reward).

Conventions: m = 0 returns an MDP equal (``==``) to the input, m = 1 puts the target in place
exactly; on an exact MDP the mixture is exact (m a Fraction; a float m is read as its shortest
decimal, 0.1 -> 1/10), so every mixed distribution still sums to exactly 1. On a float MDP the
mixture is computed in float64. Targets are validated (shape, kind, non-negative, sums to 1)
and never renormalised; every error is one :class:`~theory.errors.InvalidArgument` line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from theory.validation import check_instance, check_probability, show_labels, show_value
from environments.gridworlds import lava_test, lava_train
from environments.registry import call
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.validation import check_array, check_distribution_rows

__all__ = [
    "LAYOUT_PAIRS",
    "shift_initial",
    "shift_dynamics",
    "shift_layout",
    "shift_reward",
]

#: Named (training layout, test layout) pairs of builders for :func:`shift_layout`.
LAYOUT_PAIRS: dict[str, tuple[Callable[..., FiniteMDP], Callable[..., FiniteMDP]]] = {
    "lava": (lava_train, lava_test),
}


def shift_initial(mdp: FiniteMDP, target: Any, m: Fraction) -> FiniteMDP:
    r"""Shift the initial (context) distribution: :math:`\mu_0 \to (1 - m)\,\mu_0 + m\,\nu`.

    ``target`` :math:`\nu` is an (S,) distribution of the MDP's kind, or a mapping
    ``{state_label: probability}`` (absent states have probability 0); it must be non-negative
    and sum to 1 (exactly on an exact MDP), and is never renormalised. For a one-shot problem
    (a contextual bandit) this is covariate shift of the contexts.

    Source: covariate shift, Shimodaira (2000), "Improving predictive inference under covariate
    shift by weighting the log-likelihood function"; for agents, the distributional-shift
    category of Leike et al., "AI Safety Gridworlds" (2017).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> shift_initial(two_state(), {"s1": 1}, "1/4").initial.tolist()
    [Fraction(3, 4), Fraction(1, 4)]
    >>> shift_initial(two_state(), {"s1": "1/2"}, 1)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: target sums to 1/2, not 1
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    m = _check_m(m, mdp)
    if isinstance(target, Mapping):
        values: list[Any] = [0] * mdp.S
        for label, p in target.items():
            if not isinstance(label, str) or label not in mdp.states:
                raise InvalidArgument(
                    f"target has the key {label!r}, "
                    f"not one of the states {show_labels(mdp.states)}"
                )
            values[mdp.states.index(label)] = p
        target = values
    nu = _check_array(target, (mdp.S,), mdp.exact, "target")
    check_distribution_rows(nu, "target", (mdp.states,), InvalidArgument)
    return mdp.replace(initial=_mix(mdp.initial, nu, m))


def shift_dynamics(mdp: FiniteMDP, other: Any, m: Fraction) -> FiniteMDP:
    r"""Shift the dynamics: :math:`P \to (1 - m)\,P + m\,P'`.

    ``other`` :math:`P'` is an (S, A, S) kernel of the MDP's kind, or another FiniteMDP with
    the same state and action labels and kind (its transitions are used; its rewards are
    not). Each row of :math:`P'` must be a distribution; the mixture is then one exactly. The
    mixture is the world in which, at every step, the successor is drawn from :math:`P'` with
    probability m and from P otherwise. The rewards r(s, a) are expected immediate rewards and
    stay as they are (to move them too, see :func:`shift_layout`).

    Source: the convex mixture of two kernels, the simplest path between two dynamics; robust
    MDPs (Nilim & El Ghaoui 2005, "Robust control of Markov decision processes with uncertain
    transition matrices") plan against sets of such kernels.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = two_state()
    >>> swap = [[[0, 1], [0, 1]], [[1, 0], [1, 0]]]
    >>> shift_dynamics(m, swap, "1/2").transitions[0, 1].tolist()
    [Fraction(1, 20), Fraction(19, 20)]
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    m = _check_m(m, mdp)
    shape = (mdp.S, mdp.A, mdp.S)
    if isinstance(other, FiniteMDP):
        if other.states != mdp.states or other.actions != mdp.actions:
            raise InvalidArgument(
                f"other has states {show_labels(other.states)} and actions "
                f"{show_labels(other.actions)}, but mdp has {show_labels(mdp.states)} and "
                f"{show_labels(mdp.actions)}"
            )
        if other.exact != mdp.exact:
            raise InvalidArgument(f"other is {_kind_name(other)} but mdp is {_kind_name(mdp)}")
        _check_same_actions(other, mdp, "other", "mdp")
        kernel = other.transitions
    else:
        kernel = _check_array(other, shape, mdp.exact, "other")
        labels = (mdp.states, mdp.actions, mdp.states)
        check_distribution_rows(kernel, "other", labels, InvalidArgument)
    return mdp.replace(transitions=_mix(mdp.transitions, kernel, m))


def shift_layout(layouts: str | tuple[Any, Any], m: Fraction, **params: Any) -> FiniteMDP:
    r"""Shift a gridworld's layout: the training layout at m = 0, the test layout at m = 1.

    ``layouts`` names a pair in :data:`LAYOUT_PAIRS` (``"lava"``: :func:`lava_train` ->
    :func:`lava_test`, the lava moved onto the training-optimal route), or is a pair
    ``(train, test)`` of FiniteMDPs or of builders; ``params`` (e.g. ``slip``, ``discount``,
    ``proxy_lava``) are passed to both builders. The two MDPs must share states, actions,
    reward names, kind, discount/horizon and observations.

    A layout in between does not exist, so for 0 < m < 1 the result is the mixture of the
    two MDPs — transitions, every reward, and the initial distribution:
    :math:`P = (1 - m) P_{\text{train}} + m P_{\text{test}}`,
    :math:`r_k = (1 - m) r_{k,\text{train}} + m r_{k,\text{test}}`. It is the world in which,
    independently at each step, the cells behave as in the test layout with probability m (a
    cell that is lava in the test layout only burns with probability m each time it is
    entered) and as in the training layout otherwise; it is not the world whose layout is drawn
    once per episode (whose value would be linear in m). Features are the training MDP's for
    m < 1 and the test MDP's at m = 1 (the test layout itself; gridworld features see the
    neighbouring symbols, so they differ between layouts).

    Source: Leike et al., "AI Safety Gridworlds" (2017), ``distributional_shift.py``.

    Examples
    --------
    >>> shift_layout("lava", 0) == lava_train() and shift_layout("lava", 1) == lava_test()
    True
    >>> mid = shift_layout("lava", "1/4")  # (2,3): floor in training, lava in test
    >>> s, a = mid.state_index("(2,2)"), mid.action_index("right")
    >>> mid.transitions[s, a, mid.state_index("done")], mid.rewards["true"][s, a]
    (Fraction(1, 4), Fraction(-27, 2))
    """
    m = check_probability(m, "m", exact=True)
    if isinstance(layouts, str):
        if layouts not in LAYOUT_PAIRS:
            raise InvalidArgument(f"layouts is {layouts!r}, not one of {sorted(LAYOUT_PAIRS)}")
        pair: tuple[Any, Any] = LAYOUT_PAIRS[layouts]
    elif isinstance(layouts, (tuple, list)) and len(layouts) == 2:
        pair = tuple(layouts)  # type: ignore[assignment]
    else:
        raise InvalidArgument(
            f"layouts is {layouts!r}, not a name in {sorted(LAYOUT_PAIRS)} or a (train, test) pair"
        )
    train, test = (_build(item, role, params) for item, role in zip(pair, ("train", "test")))
    shared = (
        "states", "actions", "exact", "discount", "horizon", "observation_labels", "reward_names"
    )
    for field in shared:
        a, b = getattr(train, field), getattr(test, field)
        if a != b:
            shown = [show_labels(x) if isinstance(x, tuple) and x else show_value(x) for x in (a, b)]
            raise InvalidArgument(
                f"the train and test layouts differ in {field} ({shown[0]} and {shown[1]}); they must share it"
            )
    _check_same_actions(test, train, "the test layout", "the training layout")
    if not train.exact:
        m = float(m)  # type: ignore[assignment]
    return train.replace(
        transitions=_mix(train.transitions, test.transitions, m),
        rewards={k: _mix(v, test.rewards[k], m) for k, v in train.rewards.items()},
        initial=_mix(train.initial, test.initial, m),
        features=test.features if m == 1 else train.features,
    )


def shift_reward(
    mdp: FiniteMDP, m: Fraction, target: str = "true", reward: str = "proxy"
) -> FiniteMDP:
    r"""Shift a reward towards another: :math:`r_{\text{reward}} \to (1 - m)\,r_{\text{reward}}
    + m\,r_{\text{target}}`.

    By default the proxy is moved towards the true reward: m = 0 is the given proxy, m = 1 the
    true reward itself, and in between a proxy whose error is scaled by 1 - m — the axis along
    which a Goodhart curve asks how much proxy error an agent tolerates. Only ``reward``
    changes; ``target`` and every other reward are kept.

    Source: the linear path between two rewards; the pair it moves along is the object of
    Skalse et al., "Defining and Characterizing Reward Hacking" (2022), and the angle between
    its ends that of Karwowski et al., "Goodhart's Law in Reinforcement Learning" (2023).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> shift_reward(two_state(), "1/2").rewards["proxy"].tolist()
    [[Fraction(0, 1), Fraction(1, 4)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    m = _check_m(m, mdp)
    for field, name in (("target", target), ("reward", reward)):
        if not isinstance(name, str) or name not in mdp.rewards:
            known = ", ".join(repr(k) for k in mdp.rewards)
            raise InvalidArgument(f"{field} is {name!r}, not a reward of this MDP (it has {known})")
    rewards = dict(mdp.rewards)
    rewards[reward] = _mix(mdp.rewards[reward], mdp.rewards[target], m)
    return mdp.replace(rewards=rewards)


# -- internals ---------------------------------------------------------------------------


def _check_m(m: Any, mdp: FiniteMDP) -> Fraction | float:
    """The magnitude in [0, 1], exact on an exact MDP and float64 on a float one."""
    value = check_probability(m, "m", exact=True)
    return value if mdp.exact else float(value)


def _check_array(values: Any, shape: tuple[int, ...], exact: bool, field: str) -> np.ndarray:
    return check_array(values, shape, exact, field, InvalidArgument)


def _check_same_actions(other: FiniteMDP, mdp: FiniteMDP, other_name: str, mdp_name: str) -> None:
    """A shift mixes rows action by action: both models must enable the same actions."""
    differ = np.argwhere(other.enabled != mdp.enabled)
    if len(differ):
        s, a = (int(i) for i in differ[0])
        state, action = mdp.states[s], mdp.actions[a]
        which = (other_name, mdp_name) if other.enabled[s, a] else (mdp_name, other_name)
        raise InvalidArgument(f"{which[0]} enables {action!r} in {state!r} but {which[1]} does not; a shift needs the "
                              "same action sets")


def _mix(x: np.ndarray, y: np.ndarray, m: Fraction | float) -> np.ndarray:
    """(1 - m) x + m y, elementwise, in the kind of x (exact when m is a Fraction)."""
    return (1 - m) * x + m * y


def _build(item: Any, role: str, params: dict[str, Any]) -> FiniteMDP:
    if isinstance(item, FiniteMDP):
        if params:
            raise InvalidArgument(
                f"the {role} layout is a FiniteMDP; "
                f"parameters {sorted(params)} apply only to builders"
            )
        return item
    if not callable(item):
        raise InvalidArgument(f"the {role} layout is {item!r}, not a FiniteMDP or a builder")
    # through the registry's call: an unknown parameter is one line naming the builder
    built = call(getattr(item, "__name__", role), item, **params)
    if not isinstance(built, FiniteMDP):
        raise InvalidArgument(
            f"the {role} builder returned {type(built).__name__}, not a FiniteMDP"
        )
    return built


def _kind_name(mdp: FiniteMDP) -> str:
    return "exact" if mdp.exact else "float"
