"""Random sparse MDPs with exact small-denominator probabilities and rewards.

Construction, all from one ``numpy.random.default_rng(seed)`` in this order (the same
arguments give the same MDP):

1. for every state s and action a (row-major), ``branching`` distinct successors drawn
   without replacement, and probabilities ``k_i / denominator`` with every ``k_i >= 1`` and
   ``sum k_i = denominator`` (the ``k_i`` are the gaps between ``branching - 1`` distinct
   cut points drawn from 1 .. denominator-1), so each row has exactly ``branching``
   non-zero entries, each at least ``1/denominator``, summing exactly to 1;
2. the true reward r(s, a), uniform on the multiples of ``1/denominator`` in [-1, 1];
3. the proxy reward, true + e with e uniform on the multiples of ``1/denominator`` in
   ``[-noise, noise]``.

States are ``"s0"`` .. ``"s{S-1}"``, actions ``"a0"`` .. ``"a{A-1}"``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import numpy as np

from theory.budget import check_budget, check_mdp_size
from theory.validation import check_int, check_number, check_seed, check_time
from environments.common import DEFAULT_DISCOUNT, uniform_multiples
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number

__all__ = ["NOISE", "INITIAL_CHOICES", "random_mdp"]

#: Half-width of the proxy noise by default (noise is uniform on the multiples of
#: 1/denominator in [-NOISE, NOISE]).
NOISE = Fraction(1, 2)
#: The values of ``initial``: uniform over the states, or a point mass on ``"s0"``.
INITIAL_CHOICES = ("uniform", "first")


def random_mdp(
    S: int = 5,
    A: int = 2,
    branching: int = 2,
    seed: int = 0,
    discount: Fraction | None = None,
    horizon: int | None = None,
    denominator: int = 4,
    noise: Fraction = NOISE,
    initial: Literal["uniform", "first"] = "uniform",
) -> FiniteMDP:
    """A random sparse MDP, exact and reproducible, with a noisy proxy reward.

    The safety problem: the generic case. Random MDPs are where conjectures about agents are
    tested at scale (Karwowski et al. 2023 measure Goodhart drops on random MDPs), with a proxy
    that is the true reward plus independent noise (regressional Goodhart, Manheim &
    Garrabrant 2018).

    The construction (the order of the draws) is in the module docstring.

    Source: random sparse ("Garnet"-style) MDPs, Archibald, McKinnon & Thomas (1995),
    "On the generation of Markov decision processes"; used for Goodhart measurements by
    Karwowski et al., "Goodhart's Law in Reinforcement Learning" (2023).

    Parameters
    ----------
    S : int
        Number of states, an int >= 1.
    A : int
        Number of actions, an int >= 1.
    branching : int
        Number of distinct successors of every (s, a), an int >= 1; refused when above S
        (not enough distinct successors) or above ``denominator`` (the probabilities cannot
        all be >= 1/denominator).
    seed : int
        Seed (an int >= 0) of the one generator that draws everything, in the order above.
    discount : Fraction | None
        The discount, read exactly (a float as its shortest decimal), in [0, 1); None with no
        ``horizon`` gives 9/10. Give at most one of ``discount`` and ``horizon``.
    horizon : int | None
        A finite horizon (an int >= 1, undiscounted) instead of the discount; None: discounted.
    denominator : int
        Denominator (an int >= 1) of every probability and reward: all are multiples of
        1/denominator.
    noise : Fraction
        Bound of the proxy noise (exact, >= 0), drawn from the multiples of 1/denominator in
        [-noise, noise].
    initial
        "uniform" (default): start uniformly over the states, exactly 1/S each; "first":
        start in "s0".

    Examples
    --------
    >>> m = random_mdp(S=3, A=2, branching=2, seed=0)
    >>> m.S, m.A, m.discount, m == random_mdp(S=3, A=2, branching=2, seed=0)
    (3, 2, Fraction(9, 10), True)
    >>> sorted(int((row != 0).sum()) for row in m.transitions.reshape(6, 3))
    [2, 2, 2, 2, 2, 2]
    >>> random_mdp(S=3, branching=5, denominator=8)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: branching is 5 but there are only S = 3 states; need branching <= S
    """
    S = check_int(S, "S", 1)
    A = check_int(A, "A", 1)
    branching = check_int(branching, "branching", 1)
    seed = check_seed(seed)
    denominator = check_int(denominator, "denominator", 1)
    noise = check_number(noise, "noise")
    if noise < 0:
        raise InvalidArgument(f"noise is {format_number(noise)}, not >= 0")
    discount, horizon = check_time(discount, horizon, DEFAULT_DISCOUNT)
    if initial not in INITIAL_CHOICES:
        raise InvalidArgument(f"initial is {initial!r}, not one of {list(INITIAL_CHOICES)}")
    if branching > S:
        raise InvalidArgument(
            f"branching is {branching} but there are only S = {S} states; need branching <= S"
        )
    if branching > denominator:
        raise InvalidArgument(
            f"branching is {branching} but denominator is {denominator}: {branching} "
            f"probabilities of at least 1/{denominator} cannot sum to 1; need branching <= denominator"
        )
    check_mdp_size("S x A", f"{S} x {A}", S, A)
    check_budget("denominator", denominator, 8 * denominator, "drawing the probabilities")
    rng = np.random.default_rng(seed)
    zero = Fraction(0)
    transitions = np.full((S, A, S), zero, dtype=object)
    for s in range(S):
        for a in range(A):
            successors = rng.choice(S, size=branching, replace=False)
            cuts = np.sort(rng.choice(np.arange(1, denominator), size=branching - 1, replace=False))
            bounds = [0, *(int(c) for c in cuts), denominator]
            for j, lo, hi in zip(successors, bounds[:-1], bounds[1:]):
                transitions[s, a, int(j)] = Fraction(hi - lo, denominator)
    true = uniform_multiples(rng, (S, A), Fraction(-1), Fraction(1), denominator)
    proxy = true + uniform_multiples(rng, (S, A), -noise, noise, denominator)
    if initial == "uniform":
        mu = np.full(S, Fraction(1, S), dtype=object)
    else:
        mu = np.full(S, zero, dtype=object)
        mu[0] = Fraction(1)
    return FiniteMDP(
        states=tuple(f"s{i}" for i in range(S)),
        actions=tuple(f"a{i}" for i in range(A)),
        transitions=transitions,
        rewards={"true": true, "proxy": proxy},
        initial=mu,
        discount=discount,
        horizon=horizon,
    )
