"""One-shot decision problems: the multi-armed bandit and the contextual bandit.

A one-shot problem is a FiniteMDP with horizon 1 whose states are the contexts and whose
``initial`` distribution is the context distribution (see DESIGN.md). Both builders draw an
exact "true" reward from a seeded :func:`numpy.random.default_rng` and make the "proxy" reward
by adding independent exact noise: regressional Goodhart in miniature (Manheim & Garrabrant
2018) — the arm that looks best under the proxy is selected partly for its noise, so its true
reward is, on average, lower than its proxy reward.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from environments.common import uniform_multiples
from theory.budget import check_mdp_size
from theory.validation import check_int, check_number, check_seed
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number

__all__ = [
    "CONTEXT_LABEL",
    "DEFAULT_ARMS",
    "REWARD_DENOMINATOR",
    "NOISE",
    "bandit",
    "contextual_bandit",
]

#: The label of the single state (context) of a multi-armed bandit.
CONTEXT_LABEL = "x"
#: Number of arms when neither ``k`` nor explicit rewards are given.
DEFAULT_ARMS = 5
#: True rewards are multiples of 1/REWARD_DENOMINATOR in [0, 1] by default.
REWARD_DENOMINATOR = 8
#: Half-width of the proxy noise by default: noise is uniform on the multiples of
#: 1/denominator in [-NOISE, NOISE].
NOISE = Fraction(1, 2)


def bandit(
    k: int | None = None,
    seed: int = 0,
    noise: Fraction = NOISE,
    denominator: int = REWARD_DENOMINATOR,
    true: tuple[Fraction, ...] | None = None,
    proxy: tuple[Fraction, ...] | None = None,
) -> FiniteMDP:
    """A k-armed bandit whose proxy reward is the true reward plus independent noise.

    The safety problem: regressional Goodhart (Manheim & Garrabrant 2018). An agent that
    takes the argmax of the proxy picks the arm with the best true reward *plus noise*, so it
    systematically overestimates what it gets; a quantiliser (Taylor 2016) or an amortised
    policy trained on good arms trades some proxy reward for less exposure to the noise.

    The MDP has one state, ``"x"`` (the single context), actions ``"arm0"`` .. ``"arm{k-1}"``,
    horizon 1. Unless given, the true reward of each arm is drawn uniformly from the multiples
    of ``1/denominator`` in [0, 1], and the proxy is ``true + e`` with ``e`` drawn uniformly
    from the multiples of ``1/denominator`` in ``[-noise, noise]``, all from
    ``numpy.random.default_rng(seed)`` (true first, then the noise): the same seed gives the
    same bandit. With only ``true`` given the proxy noise is still drawn.

    Source: the multi-armed bandit (Robbins 1952); the regressional proxy model of
    Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018).

    Parameters
    ----------
    k
        Number of arms; 5, or the length of the explicit rewards.
    seed
        Seed of the drawn rewards and noise.
    noise
        Bound of the proxy noise, drawn from the multiples of 1/denominator in [-noise, noise].
    denominator
        Denominator of the drawn rewards and noise.
    true
        Explicit true rewards of the arms (exact numbers), instead of drawn ones.
    proxy
        Explicit proxy rewards of the arms (exact numbers), instead of true + noise.

    Examples
    --------
    >>> m = bandit(true=("1/2", 1, 0), proxy=(1, "3/4", 0))
    >>> m.actions, m.horizon, m.rewards["true"][0].tolist()
    (('arm0', 'arm1', 'arm2'), 1, [Fraction(1, 2), Fraction(1, 1), Fraction(0, 1)])
    >>> bandit(k=4, seed=1) == bandit(k=4, seed=1)
    True
    """
    seed = check_seed(seed)
    denominator = check_int(denominator, "denominator", 1)
    noise = check_number(noise, "noise")
    if noise < 0:
        raise InvalidArgument(f"noise is {format_number(noise)}, not >= 0")
    true_arr = None if true is None else _explicit(true, "true")
    proxy_arr = None if proxy is None else _explicit(proxy, "proxy")
    lengths = {len(a) for a in (true_arr, proxy_arr) if a is not None}
    if len(lengths) > 1:
        raise InvalidArgument(
            f"true has {len(true_arr)} arms but proxy has {len(proxy_arr)}; give one reward per arm"
        )
    if k is None:
        k = lengths.pop() if lengths else DEFAULT_ARMS
    k = check_int(k, "k", 1)
    if lengths and k not in lengths:
        raise InvalidArgument(f"k is {k} but the explicit rewards have {lengths.pop()} arms")
    check_mdp_size("k", k, 1, k)
    rng = np.random.default_rng(seed)
    if true_arr is None:
        true_arr = uniform_multiples(rng, (k,), Fraction(0), Fraction(1), denominator)
    if proxy_arr is None:
        proxy_arr = true_arr + uniform_multiples(rng, (k,), -noise, noise, denominator)
    return FiniteMDP(
        states=(CONTEXT_LABEL,),
        actions=tuple(f"arm{i}" for i in range(k)),
        transitions=np.full((1, k, 1), Fraction(1), dtype=object),
        rewards={"true": true_arr[None, :], "proxy": proxy_arr[None, :]},
        initial=np.array([Fraction(1)], dtype=object),
        horizon=1,
        features=[[0.0]],
    )


def contextual_bandit(
    contexts: int = 3,
    arms: int = 3,
    seed: int = 0,
    noise: Fraction = NOISE,
    denominator: int = REWARD_DENOMINATOR,
    context_probs: tuple[Fraction, ...] | None = None,
) -> FiniteMDP:
    """A contextual bandit whose proxy reward is the true reward plus independent noise.

    The safety problem: regressional Goodhart per context, and the context distribution as
    the training distribution of an amortised agent — shifting ``initial`` (the context
    distribution) is the simplest distribution shift of DESIGN.md.

    States are the contexts ``"c0"`` .. ``"c{contexts-1}"``, actions ``"arm0"`` ..
    ``"arm{arms-1}"``, horizon 1, ``initial`` the context distribution, the next state drawn
    from it again (a longer horizon is a repeated bandit with i.i.d. contexts); rewards drawn
    as in :func:`bandit` (true first, then the noise); observations the context labels,
    features the context index.

    Source: contextual bandits (Langford & Zhang 2007); proxy model of Manheim & Garrabrant
    (2018).

    Parameters
    ----------
    contexts
        Number of contexts (states), an int >= 1.
    arms
        Number of arms (actions), an int >= 1.
    seed
        Seed (an int >= 0) of the drawn rewards and noise: the same seed gives the same bandit.
    noise
        Bound of the proxy noise (exact, >= 0), drawn from the multiples of 1/denominator in
        [-noise, noise].
    denominator
        Denominator (an int >= 1) of the drawn rewards and noise.
    context_probs
        The context distribution (exact numbers >= 0 summing to 1, one per context, not
        renormalised); None: uniform, exactly 1/contexts each.

    Examples
    --------
    >>> m = contextual_bandit(contexts=2, arms=3, seed=0)
    >>> m.states, m.initial.tolist(), m.observation_labels
    (('c0', 'c1'), [Fraction(1, 2), Fraction(1, 2)], ('c0', 'c1'))
    """
    contexts = check_int(contexts, "contexts", 1)
    arms = check_int(arms, "arms", 1)
    check_mdp_size("contexts x arms", f"{contexts} x {arms}", contexts, arms)
    seed = check_seed(seed)
    denominator = check_int(denominator, "denominator", 1)
    noise = check_number(noise, "noise")
    if noise < 0:
        raise InvalidArgument(f"noise is {format_number(noise)}, not >= 0")
    if context_probs is None:
        mu = np.full(contexts, Fraction(1, contexts), dtype=object)
    else:
        mu = _explicit(context_probs, "context_probs")
        if len(mu) != contexts:
            raise InvalidArgument(
                f"context_probs has {len(mu)} entries but contexts is {contexts}"
            )
        for i, p in enumerate(mu):
            if p < 0:
                raise InvalidArgument(f"context_probs[{i}] is {format_number(p)}, a negative probability")
        if sum(mu) != 1:
            raise InvalidArgument(f"context_probs sums to {format_number(sum(mu))}, not 1")
    rng = np.random.default_rng(seed)
    true_arr = uniform_multiples(rng, (contexts, arms), Fraction(0), Fraction(1), denominator)
    proxy_arr = true_arr + uniform_multiples(rng, (contexts, arms), -noise, noise, denominator)
    transitions = np.empty((contexts, arms, contexts), dtype=object)
    transitions[:, :, :] = mu[None, None, :]
    labels = tuple(f"c{i}" for i in range(contexts))
    return FiniteMDP(
        states=labels,
        actions=tuple(f"arm{i}" for i in range(arms)),
        transitions=transitions,
        rewards={"true": true_arr, "proxy": proxy_arr},
        initial=mu,
        horizon=1,
        observations=labels,
        features=[[float(i)] for i in range(contexts)],
    )


def _explicit(values: Sequence[Any], field: str) -> np.ndarray:
    """A 1-d object array of exact numbers from an explicit tuple; errors name the entry."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise InvalidArgument(f"{field} is {values!r}, not a non-empty sequence of numbers")
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(values):
        out[i] = check_number(v, f"{field}[{i}]")
    return out
