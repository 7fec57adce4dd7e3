"""The two examples of Skalse, Howe, Krasheninnikov & Krueger, "Defining and Characterizing
Reward Hacking" (NeurIPS 2022), transcribed exactly.

The cleaning robot (section 2; appendix D.2)::

    rooms: Attic, Bedroom, Kitchen       a policy = which rooms it cleans, pi in {0, 1}^3
    J(pi) = pi . r                       e.g. r = [1, 2, 3], clean attic + kitchen: J = 1 + 3 = 4

"a single-step eight-armed bandit with special reward structure" (appendix D.2): one state, one
arm per set of rooms, the reward of an arm the sum of its rooms' (non-negative) rewards.

The two-state MDP without reward (section 5.2; appendix D.1, Table 1)::

    S = {0, 1}, A = {0, 1}, T(s, a) = a, I = {0: 0.5, 1: 0.5}, gamma = 0.5

action a moves to state a whatever the state; pi_ij takes action i in state 0 and j in state 1.
The paper's simplification example is the reward R = [[0, 3], [2, 1]] (R(s, a) = R[s, a]), which
represents the ordering pi00 = pi01 < pi11 < pi10; the paper gives no reward for the strict
ordering pi00 < pi01 < pi11 < pi10 that it simplifies, so the default "true" reward here,
[[0, 3], [1, 1]], is deconfuse's choice (J = 1/2, 1, 3, 4 on pi00, pi01, pi11, pi10).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from theory.budget import check_mdp_size
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.validation import check_discount, check_number

__all__ = [
    "ROOMS",
    "ROBOT_STATE",
    "ROBOT_TRUE",
    "ROBOT_PROXY",
    "TWO_STATE_DISCOUNT",
    "TWO_STATE_TRUE",
    "TWO_STATE_PROXY",
    "room_sets",
    "cleaning_robot",
    "skalse_two_state",
]

#: The rooms of the cleaning robot, in the order of the paper's policy vectors (section 2).
ROOMS = ("attic", "bedroom", "kitchen")
#: The label of the cleaning robot's single state.
ROBOT_STATE = "house"
#: The true room rewards of Figure 1: all rooms equal (section 2).
ROBOT_TRUE = (Fraction(1), Fraction(1), Fraction(1))
#: The hackable proxy of Figure 1 (a): only the attic (section 2).
ROBOT_PROXY = (Fraction(1), Fraction(0), Fraction(0))
#: The discount of the two-state MDP (appendix D.1, Table 1).
TWO_STATE_DISCOUNT = Fraction(1, 2)
#: Deconfuse's reward representing pi00 < pi01 < pi11 < pi10, as R[0,0], R[0,1], R[1,0], R[1,1].
TWO_STATE_TRUE = (Fraction(0), Fraction(3), Fraction(1), Fraction(1))
#: The paper's simplification R = [[0, 3], [2, 1]] (section 5.2), flattened the same way.
TWO_STATE_PROXY = (Fraction(0), Fraction(3), Fraction(2), Fraction(1))


def room_sets(rooms: int = len(ROOMS)) -> list[str]:
    """The arms of a cleaning robot with ``rooms`` rooms: the policy vectors pi in {0, 1}^rooms
    written as strings, in lexicographic order ("000", "001", ..., "111").

    >>> room_sets(2)
    ['00', '01', '10', '11']
    """
    return ["".join(bits) for bits in itertools.product("01", repeat=rooms)]


def _rooms(values: Any, field: str) -> tuple[Fraction, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise InvalidArgument(f"{field} is {values!r}, not a non-empty sequence of room rewards")
    out = tuple(check_number(v, f"{field}[{i}]") for i, v in enumerate(values))
    for i, v in enumerate(out):
        if v < 0:
            raise InvalidArgument(
                f"{field}[{i}] is {format_number(v)}, a negative room reward; "
                "Skalse et al. (2022) section 2 take room rewards >= 0"
            )
    return out


def cleaning_robot(
    true: tuple[Fraction, ...] = ROBOT_TRUE, proxy: tuple[Fraction, ...] = ROBOT_PROXY
) -> FiniteMDP:
    """Skalse et al.'s cleaning robot: which rooms to clean, paid per room by a true and a proxy reward.

    The safety problem: a proxy that overlooks rewarding features (section 2, Figure 1). With
    the true reward [1, 1, 1], the proxy [1, 1, 0] (ignore the kitchen) is unhackable on the
    eight deterministic policies, but [1, 0, 0] (only the attic) is hackable: it prefers
    cleaning the attic (J_proxy = 1, J_true = 1) to cleaning the bedroom and the kitchen
    (J_proxy = 0, J_true = 2). Overlooking fine details: [1, 1, 1] is unhackable against the
    true [1, 3/2, 2] but hackable against [1, 3/2, 3].

    One state ``"house"``, one action per set of rooms, written as the policy vector
    :math:`\\pi \\in \\{0, 1\\}^N` ("101" cleans the attic and the kitchen; :func:`room_sets`),
    horizon 1; the reward of an arm is :math:`J(\\pi) = \\pi \\cdot r` (exact).

    Source: Skalse, Howe, Krasheninnikov & Krueger, "Defining and Characterizing Reward
    Hacking", NeurIPS 2022, section 2 and appendix D.2.

    Parameters
    ----------
    true : tuple[Fraction, ...]
        The true reward of each room, numbers >= 0 read exactly; their count N is the number of
        rooms (default 3: attic, bedroom, kitchen; appendix D.2.1, Proposition 4 allows any N).
    proxy : tuple[Fraction, ...]
        The proxy reward of each room, numbers >= 0 read exactly, as many as ``true``.

    Examples
    --------
    >>> m = cleaning_robot(true=(1, 2, 3), proxy=(1, 1, 1))
    >>> m.actions[5], m.rewards["true"][0, 5]
    ('101', Fraction(4, 1))
    """
    true_r = _rooms(true, "true")
    proxy_r = _rooms(proxy, "proxy")
    if len(true_r) != len(proxy_r):
        raise InvalidArgument(
            f"true has {len(true_r)} rooms but proxy has {len(proxy_r)}; give one reward per room"
        )
    n = len(true_r)
    check_mdp_size("rooms", n, 1, 2**n)
    arms = room_sets(n)
    rewards = {}
    for name, r in (("true", true_r), ("proxy", proxy_r)):
        row = np.empty((1, len(arms)), dtype=object)
        for k, arm in enumerate(arms):
            row[0, k] = sum((r[i] for i, bit in enumerate(arm) if bit == "1"), Fraction(0))
        rewards[name] = row
    return FiniteMDP(
        states=(ROBOT_STATE,),
        actions=tuple(arms),
        transitions=np.full((1, len(arms), 1), Fraction(1), dtype=object),
        rewards=rewards,
        initial=np.array([Fraction(1)], dtype=object),
        horizon=1,
    )


def _two_state_reward(values: Any, field: str) -> np.ndarray:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) != 4:
        raise InvalidArgument(
            f"{field} is {values!r}, not four numbers R[0,0], R[0,1], R[1,0], R[1,1]"
        )
    out = np.empty((2, 2), dtype=object)
    for k, v in enumerate(values):
        out[k // 2, k % 2] = check_number(v, f"{field}[{k // 2},{k % 2}]")
    return out


def skalse_two_state(
    true: tuple[Fraction, ...] = TWO_STATE_TRUE,
    proxy: tuple[Fraction, ...] = TWO_STATE_PROXY,
    discount: Fraction = TWO_STATE_DISCOUNT,
) -> FiniteMDP:
    """Skalse et al.'s two-state MDP: action a moves to state a; of its 24 policy orderings 12 are realizable.

    The safety problem: which orderings of the four deterministic policies a reward can
    represent, and which of them can be simplified (section 5.2, appendix D.1). States
    ``"0"``, ``"1"``; actions ``"0"``, ``"1"``; :math:`T(s, a) = a` (deterministic); initial
    distribution 1/2 on each state; discount 1/2 (Table 1). The default proxy is the paper's
    R = [[0, 3], [2, 1]], which represents pi00 = pi01 < pi11 < pi10; the default true reward
    [[0, 3], [1, 1]] is deconfuse's choice of a reward representing pi00 < pi01 < pi11 < pi10
    (the paper names the ordering but no reward for it), so that the proxy is a simplification
    of the true reward.

    With R = [[a, b], [c, d]] the four deterministic policies are worth
    J(pi00) = 3a/2 + c/2, J(pi01) = a + d, J(pi11) = b/2 + 3d/2, J(pi10) = b + c.

    Source: Skalse, Howe, Krasheninnikov & Krueger, "Defining and Characterizing Reward
    Hacking", NeurIPS 2022, section 5.2 and appendix D.1 (Table 1).

    Parameters
    ----------
    true : tuple[Fraction, ...]
        The true reward R(s, a) as four numbers R[0,0], R[0,1], R[1,0], R[1,1], read exactly.
    proxy : tuple[Fraction, ...]
        The proxy reward R(s, a) as four numbers R[0,0], R[0,1], R[1,0], R[1,1], read exactly.
    discount : Fraction
        The discount, exact in [0, 1) (a float is refused); 1/2 in the paper.

    Examples
    --------
    >>> from theory.goodhart import policy_returns
    >>> pis, js = policy_returns(skalse_two_state(), ["proxy"])
    >>> {"".join(pi.action_labels()): j[0] for pi, j in zip(pis, js)}
    {'00': Fraction(1, 1), '01': Fraction(1, 1), '10': Fraction(5, 1), '11': Fraction(3, 1)}
    """
    discount = check_discount(discount, exact=True)
    transitions = np.empty((2, 2, 2), dtype=object)
    for s in range(2):
        for a in range(2):
            transitions[s, a] = [Fraction(int(a == t)) for t in range(2)]
    return FiniteMDP(
        states=("0", "1"),
        actions=("0", "1"),
        transitions=transitions,
        rewards={"true": _two_state_reward(true, "true"), "proxy": _two_state_reward(proxy, "proxy")},
        initial=np.array([Fraction(1, 2), Fraction(1, 2)], dtype=object),
        discount=discount,
    )
