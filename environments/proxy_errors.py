"""Proxy-error models: the ways a proxy reward can come apart from the true one.

Manheim & Garrabrant (2018) sort Goodhart's law into four variants, all modelled here, each as
a pure function ``(mdp, parameters, seed) -> FiniteMDP`` that sets the ``"proxy"`` reward (from
the ``"true"`` one, or for the adversarial model from the given proxy and the optimiser):

- :func:`regressional` — proxy = true + independent noise, light-tailed (Gaussian) or
  heavy-tailed (Student-t with 3 degrees of freedom, after Kwa et al. 2024); selecting on the
  proxy also selects on the noise;
- :func:`extremal` — proxy = true on the training support and diverges off it, so the relation
  that held where the proxy was fitted breaks down where an optimiser takes the agent;
- :func:`causal` (and :func:`random_causal`) — the proxy also pays for a feature that some
  actions change without changing the true reward (the bucket over the tomato sensor);
- :func:`adversarial` — an adversary who knows the optimiser moves the proxy within a budget
  (every entry by at most epsilon) so that the argmax of the proxy has the largest true regret
  (:func:`theory.adversarial.worst_case_regret`; exact, small discounted MDPs).

Every model returns ``mdp.replace(rewards=...)``: the ``"proxy"`` reward is set (an existing
proxy is replaced in place; ``"true"`` and any other reward are kept, in order), nothing else
changes. On an exact MDP the proxy is exact rationals; on a float MDP it is the float64 of the
same numbers, so ``model(mdp.to_float())`` is ``model(mdp).to_float()`` up to float rounding.
:data:`ERROR_MODELS` names default versions ``(mdp, seed) -> FiniteMDP`` for prevalence sweeps.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from fractions import Fraction
from typing import Any, Literal

import numpy as np

from environments.common import uniform_multiples
from theory.validation import check_instance, check_int, check_number, check_probability, check_seed, show_labels
from theory.adversarial import worst_case_regret
from theory.errors import InvalidArgument
from theory.evaluation import state_occupancy
from theory.mdp import FiniteMDP
from theory.numbers import format_number, to_float_array
from theory.policy import Policy

__all__ = [
    "TAILS",
    "HEAVY_TAIL_DF",
    "DEFAULT_SCALE",
    "DEFAULT_DENOMINATOR",
    "DEFAULT_MAGNITUDE",
    "EXTREMAL_MODES",
    "DEFAULT_FRACTION",
    "ERROR_MODELS",
    "regressional",
    "extremal",
    "visited_states",
    "reachable_states",
    "causal",
    "random_causal",
    "adversarial",
]

#: The noise laws of :func:`regressional`: ``"light"`` (standard Gaussian) and ``"heavy"``
#: (Student-t with :data:`HEAVY_TAIL_DF` degrees of freedom).
TAILS = ("light", "heavy")
#: Degrees of freedom of the heavy-tailed noise, as in Kwa et al. (2024).
HEAVY_TAIL_DF = 3
#: Default multiplier of the standard noise draw in :func:`regressional`.
DEFAULT_SCALE = Fraction(1, 2)
#: Noise (and random bonuses) are multiples of 1/DEFAULT_DENOMINATOR by default.
DEFAULT_DENOMINATOR = 8
#: Default off-support divergence of :func:`extremal`.
DEFAULT_MAGNITUDE = Fraction(1)
#: The modes of :func:`extremal`: a constant optimistic bonus, or seeded noise of either sign.
EXTREMAL_MODES = ("constant", "random")
#: Default share of (state, action) pairs carrying the feature in :func:`random_causal`.
DEFAULT_FRACTION = Fraction(1, 4)


# -- regressional ------------------------------------------------------------------------


def regressional(
    mdp: FiniteMDP,
    scale: Fraction = DEFAULT_SCALE,
    tail: Literal["light", "heavy"] = "light",
    seed: int = 0,
    denominator: int = DEFAULT_DENOMINATOR,
) -> FiniteMDP:
    r"""Regressional Goodhart: the proxy is the true reward plus independent noise.

    :math:`\text{proxy}(s, a) = \text{true}(s, a) + e(s, a)`, with one noise term per (s, a),
    independent of everything else. The noise is made in three steps:

    1. draw a standard variate :math:`z(s, a)` for every (s, a) in one call of
       ``numpy.random.default_rng(seed)``, shape (S, A), row-major: ``standard_normal`` for
       ``tail="light"``, ``standard_t(3)`` for ``tail="heavy"`` (Student-t with 3 degrees of
       freedom: infinite kurtosis, variance 3, so at equal ``scale`` it is also wider);
    2. multiply by ``scale`` (>= 0, exact);
    3. discretise: :math:`e = k / \text{denominator}` with :math:`k` the integer nearest to
       :math:`z \cdot \text{scale} \cdot \text{denominator}`, computed exactly (the float64
       draw is an exact binary rational; ties, which have probability zero, go to the even k).

    So the noise is an exact rational, a multiple of ``1/denominator``, and the same arguments
    give the same proxy. On a float MDP the proxy is the float64 of the same numbers.

    Selecting on the proxy also selects on the noise: the argmax of the proxy overestimates its
    true reward. With heavy-tailed noise, Kwa et al. show that a KL-regularised optimiser can
    reach arbitrarily high proxy reward with no gain in true reward; with light-tailed noise
    independent of the true reward, the true reward does improve.

    Source: Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018), regressional
    Goodhart; Kwa, Thomas & Garriga-Alonso, "Catastrophic Goodhart" (2024), Student-t noise with
    3 degrees of freedom.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = regressional(two_state(), seed=0)
    >>> [[str(x) for x in row] for row in m.rewards["proxy"] - m.rewards["true"]]
    [['1/8', '-1/8'], ['3/8', '0']]
    >>> regressional(two_state(), tail="cauchy")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: tail is 'cauchy', not one of ['light', 'heavy']
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    true = mdp.reward("true")
    scale = _check_nonnegative(scale, "scale")
    if tail not in TAILS:
        raise InvalidArgument(f"tail is {tail!r}, not one of {list(TAILS)}")
    seed = check_seed(seed)
    denominator = check_int(denominator, "denominator", 1)
    rng = np.random.default_rng(seed)
    shape = (mdp.S, mdp.A)
    if tail == "light":
        z = rng.standard_normal(shape)
    else:
        z = rng.standard_t(HEAVY_TAIL_DF, size=shape)
    noise = np.empty(shape, dtype=object)
    for index, value in np.ndenumerate(z):
        k = round(Fraction(float(value)) * scale * denominator)
        noise[index] = Fraction(k, denominator)
    return _with_proxy(mdp, true + _kind(noise, mdp.exact))


# -- extremal ----------------------------------------------------------------------------


def extremal(
    mdp: FiniteMDP,
    support: Collection[str],
    magnitude: Fraction = DEFAULT_MAGNITUDE,
    mode: Literal["constant", "random"] = "constant",
    seed: int = 0,
    denominator: int = DEFAULT_DENOMINATOR,
) -> FiniteMDP:
    r"""Extremal Goodhart: the proxy equals the true reward on the support and diverges off it.

    For every state s in ``support`` (a collection of state labels, e.g. the states a training
    distribution visits, see :func:`visited_states`) and every action a,
    :math:`\text{proxy}(s, a) = \text{true}(s, a)`. Off the support,
    :math:`\text{proxy}(s, a) = \text{true}(s, a) + e(s, a)` with

    - ``mode="constant"`` (default, deterministic; ``seed`` is unused): :math:`e = m`, a
      constant optimistic bonus of ``magnitude`` m >= 0 — a proxy fitted where there was data
      and extrapolated optimistically where there was none, so the proxy's argmax is drawn out
      of the training distribution;
    - ``mode="random"``: :math:`e(s, a)` uniform on the multiples of ``1/denominator`` in
      ``[-magnitude, magnitude]``, drawn for every (s, a) in one call of
      ``numpy.random.default_rng(seed)`` (row-major) and then kept only off the support, so two
      supports share their draws.

    Source: Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018), extremal
    Goodhart: the relation between proxy and goal observed in the region where they were
    measured fails outside it, where optimisation pushes.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = extremal(two_state(), support={"s0"}, magnitude=2)
    >>> m.rewards["proxy"].tolist()
    [[Fraction(0, 1), Fraction(0, 1)], [Fraction(3, 1), Fraction(2, 1)]]
    >>> extremal(two_state(), support={"s9"})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: support holds 's9', not one of the states ['s0', 's1']
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    true = mdp.reward("true")
    inside = _state_mask(mdp, support, "support")
    magnitude = _check_nonnegative(magnitude, "magnitude")
    if mode not in EXTREMAL_MODES:
        raise InvalidArgument(f"mode is {mode!r}, not one of {list(EXTREMAL_MODES)}")
    seed = check_seed(seed)
    denominator = check_int(denominator, "denominator", 1)
    shape = (mdp.S, mdp.A)
    if mode == "constant":
        delta = np.full(shape, magnitude, dtype=object)
    else:
        rng = np.random.default_rng(seed)
        delta = uniform_multiples(rng, shape, -magnitude, magnitude, denominator)
    delta[inside, :] = Fraction(0)
    return _with_proxy(mdp, true + _kind(delta, mdp.exact))


def visited_states(
    mdp: FiniteMDP, policy: Policy, threshold: Fraction = Fraction(0)
) -> frozenset[str]:
    r"""The labels of the states a policy visits: occupancy above ``threshold``.

    :math:`\{s : d^\pi(s) > \text{threshold}\}` with :math:`d^\pi` the state occupancy from
    ``initial`` (:func:`theory.evaluation.state_occupancy`: discounted, or summed over the
    horizon). With the default threshold 0 on an exact MDP these are exactly the states reached
    with positive probability (the support of the training distribution that policy induces);
    on a float MDP pass a small threshold to ignore rounding residue.

    Source: the training-support reading of extremal Goodhart (Manheim & Garrabrant 2018).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = two_state()
    >>> sorted(visited_states(m, Policy.deterministic(m, ["stay", "stay"])))
    ['s0']
    >>> sorted(visited_states(m, Policy.uniform(m)))
    ['s0', 's1']
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    threshold = _check_nonnegative(threshold, "threshold")
    d = state_occupancy(mdp, policy)
    limit = threshold if mdp.exact else float(threshold)
    return frozenset(mdp.states[s] for s in range(mdp.S) if d[s] > limit)


def reachable_states(mdp: FiniteMDP, steps: int = 1) -> frozenset[str]:
    """The labels of the states reachable within ``steps`` steps from the support of
    ``initial``, under any actions.

    Step 0 is the support of ``initial``; each further step adds every s' with
    P(s' | s, a) > 0 for a state s already reached and any action a. Equivalently, the states
    the uniform random policy visits with positive probability at times 0 .. ``steps``.
    :data:`ERROR_MODELS` uses ``steps=1`` as the default training support of :func:`extremal`.

    Source: breadth-first reachability in the transition graph; the training-support reading
    of extremal Goodhart (Manheim & Garrabrant 2018).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> sorted(reachable_states(two_state(), 0)), sorted(reachable_states(two_state(), 1))
    (['s0'], ['s0', 's1'])
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    steps = check_int(steps, "steps", 0)
    reached = {s for s in range(mdp.S) if mdp.initial[s] != 0}
    frontier = set(reached)
    for _ in range(steps):
        new = {j for s in frontier for row in mdp.successors[s] for j, _p in row} - reached
        if not new:
            break
        reached |= new
        frontier = new
    return frozenset(mdp.states[s] for s in sorted(reached))


# -- causal ------------------------------------------------------------------------------


def causal(
    mdp: FiniteMDP,
    feature: Collection[tuple[str, str]] | Callable[[str, str], bool],
    bonus: Fraction = Fraction(1),
) -> FiniteMDP:
    r"""Causal Goodhart: the proxy pays for a feature that actions can change without
    changing the true reward.

    :math:`\text{proxy}(s, a) = \text{true}(s, a) + b \cdot [\,(s, a) \in F\,]`, with ``bonus``
    b and the feature F given as a collection of ``(state_label, action_label)`` pairs or as a
    predicate ``feature(state_label, action_label) -> bool``; the true reward is unchanged.
    The proxy's designer observed that the feature went with good outcomes, but the
    correlation is not causal: taking the actions that turn the feature on raises the proxy and
    leaves the true reward where it was. The tomato-watering example: the sensor reports
    "watered" (the feature) when the tomatoes are watered, and also when a bucket is put over
    it — the proxy pays for the bucket, the tomatoes stay dry (see
    :func:`environments.gridworlds.tomato`, whose bucket tile is this model drawn on a map).

    Source: Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018), causal
    Goodhart; Leike et al., "AI Safety Gridworlds" (2017), tomato watering.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = causal(two_state(), {("s0", "stay")}, bonus="1/2")
    >>> m.rewards["proxy"].tolist()
    [[Fraction(1, 2), Fraction(0, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    >>> m.rewards["true"].tolist() == two_state().rewards["true"].tolist()
    True
    >>> causal(two_state(), lambda s, a: a == "go").rewards["proxy"][:, 1].tolist()
    [Fraction(1, 1), Fraction(1, 1)]
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    true = mdp.reward("true")
    mask = _feature_mask(mdp, feature)
    bonus = check_number(bonus, "bonus")
    delta = np.full((mdp.S, mdp.A), Fraction(0), dtype=object)
    delta[mask] = bonus
    return _with_proxy(mdp, true + _kind(delta, mdp.exact))


def random_causal(
    mdp: FiniteMDP,
    fraction: Fraction = DEFAULT_FRACTION,
    bonus: Fraction = Fraction(1),
    seed: int = 0,
) -> FiniteMDP:
    r"""Causal Goodhart with a random feature: :func:`causal` on ``k`` pairs drawn at random.

    The number of feature pairs is :math:`k = \lfloor \text{fraction} \cdot S A + 1/2 \rfloor`
    (nearest integer, halves up), and at least 1 when ``fraction`` > 0; the pairs are the flat
    indices ``numpy.random.default_rng(seed).choice(S * A, size=k, replace=False)`` read
    row-major (index i is state i // A, action i % A). ``fraction`` is in [0, 1].

    Source: as :func:`causal` (Manheim & Garrabrant 2018).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = random_causal(two_state(), seed=0)
    >>> (m.rewards["proxy"] - m.rewards["true"]).tolist()
    [[Fraction(0, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(1, 1)]]
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    fraction = check_probability(fraction, "fraction", exact=True)
    seed = check_seed(seed)
    n = mdp.S * mdp.A
    k = int((fraction * n + Fraction(1, 2)) // 1)
    if fraction > 0:
        k = max(k, 1)
    flat = np.random.default_rng(seed).choice(n, size=k, replace=False)
    pairs = {(mdp.states[int(i) // mdp.A], mdp.actions[int(i) % mdp.A]) for i in flat}
    return causal(mdp, pairs, bonus)


# -- adversarial -------------------------------------------------------------------------


def adversarial(mdp: FiniteMDP, epsilon: Any) -> FiniteMDP:
    r"""Adversarial Goodhart: the proxy moved by an adversary, within :math:`\epsilon` per
    entry, to make the argmax of the proxy as bad as possible for the true reward.

    The returned MDP's ``"proxy"`` is the adversary's move of
    :func:`theory.adversarial.worst_case_regret` (caps None: the argmax): a reward
    :math:`r'` with :math:`|r' - r_{proxy}| \le \epsilon` entrywise under which an optimal
    policy has the worst true regret reachable in the budget (ties in :math:`r'` are then
    broken the adversary's way: the argmax with ``tie="uniform"`` may average the tied
    policies). Exact, discounted, small MDPs (the method enumerates the polytope's vertices).
    Not in :data:`ERROR_MODELS` (exponential in S).

    Source: Manheim & Garrabrant, "Categorizing Variants of Goodhart's Law" (2018), adversarial
    Goodhart; the L-infinity budget is deconfuse's formalisation.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> adversarial(two_state(), F(68, 181)).rewards["proxy"].tolist()
    [[Fraction(-68, 181), Fraction(317, 362)], [Fraction(113, 181), Fraction(68, 181)]]
    """
    mdp = check_instance(mdp, FiniteMDP, "mdp")
    return _with_proxy(mdp, worst_case_regret(mdp, epsilon).proxy)


# -- defaults for sweeps -----------------------------------------------------------------


def _regressional_light(mdp: FiniteMDP, seed: int = 0) -> FiniteMDP:
    """Regressional Goodhart with Gaussian noise: :func:`regressional` with its defaults
    (scale 1/2, noise in multiples of 1/8)."""
    return regressional(mdp, tail="light", seed=seed)


def _regressional_heavy(mdp: FiniteMDP, seed: int = 0) -> FiniteMDP:
    """Regressional Goodhart with Student-t (3 d.o.f.) noise: :func:`regressional` with its
    defaults (scale 1/2, noise in multiples of 1/8)."""
    return regressional(mdp, tail="heavy", seed=seed)


def _extremal(mdp: FiniteMDP, seed: int = 0) -> FiniteMDP:
    """Extremal Goodhart off a one-step training support: :func:`extremal` with support
    :func:`reachable_states` (mdp, 1) and a constant bonus of 1 (``seed`` is unused)."""
    return extremal(mdp, reachable_states(mdp, 1), DEFAULT_MAGNITUDE, "constant", seed)


def _random_causal(mdp: FiniteMDP, seed: int = 0) -> FiniteMDP:
    """Causal Goodhart on a random quarter of the (state, action) pairs, bonus 1:
    :func:`random_causal` with its defaults."""
    return random_causal(mdp, seed=seed)


#: Default error models for sweeps, name -> ``(mdp, seed) -> FiniteMDP``:
#:
#: - ``"regressional-light"`` / ``"regressional-heavy"``: :func:`regressional` with scale 1/2,
#:   denominator 8, Gaussian / Student-t(3) noise;
#: - ``"extremal"``: :func:`extremal`, constant bonus 1 off the support
#:   :func:`reachable_states` (mdp, 1) — the states the uniform policy can visit at times 0 and
#:   1 (a short training run from ``initial``). When ``initial`` already covers every state
#:   (``random_mdp``'s default ``initial="uniform"``) the support is every state and the proxy
#:   equals the true reward: use ``initial="first"`` there. Deterministic (the seed is unused);
#: - ``"causal"``: :func:`random_causal`, a quarter of the pairs, bonus 1.
ERROR_MODELS: dict[str, Callable[[FiniteMDP, int], FiniteMDP]] = {
    "regressional-light": _regressional_light,
    "regressional-heavy": _regressional_heavy,
    "extremal": _extremal,
    "causal": _random_causal,
}


# -- internals ---------------------------------------------------------------------------


def _check_nonnegative(value: Any, field: str) -> Fraction:
    number = check_number(value, field)
    if number < 0:
        raise InvalidArgument(f"{field} is {format_number(number)}, not >= 0")
    return number


def _kind(array: np.ndarray, exact: bool) -> np.ndarray:
    """An exact (object) array as the MDP's kind."""
    return array if exact else to_float_array(array)


def _with_proxy(mdp: FiniteMDP, proxy: np.ndarray) -> FiniteMDP:
    """The MDP with ``proxy`` as its "proxy" reward; a disabled action has no reward, so the
    error model's entry there is not part of the proxy (0)."""
    rewards = dict(mdp.rewards)
    if not mdp.all_enabled:
        proxy = np.where(mdp.enabled, proxy, Fraction(0) if mdp.exact else 0.0)
    rewards["proxy"] = proxy
    return mdp.replace(rewards=rewards)


def _state_mask(mdp: FiniteMDP, labels: Any, field: str) -> np.ndarray:
    """A boolean (S,) mask of a collection of state labels; unknown labels are refused."""
    if isinstance(labels, str) or not isinstance(labels, Iterable):
        raise InvalidArgument(f"{field} is {labels!r}, not a collection of state labels")
    index = {label: s for s, label in enumerate(mdp.states)}
    mask = np.zeros(mdp.S, dtype=bool)
    for label in labels:
        if not isinstance(label, str) or label not in index:
            raise InvalidArgument(
                f"{field} holds {label!r}, not one of the states {show_labels(mdp.states)}"
            )
        mask[index[label]] = True
    return mask


def _feature_mask(mdp: FiniteMDP, feature: Any) -> np.ndarray:
    """A boolean (S, A) mask from a predicate or a collection of (state, action) label pairs."""
    mask = np.zeros((mdp.S, mdp.A), dtype=bool)
    if callable(feature):
        for s, state in enumerate(mdp.states):
            for a, action in enumerate(mdp.actions):
                flag = feature(state, action)
                if not isinstance(flag, (bool, np.bool_)):
                    raise InvalidArgument(
                        f"feature({state!r}, {action!r}) returned {flag!r}, not a bool"
                    )
                mask[s, a] = bool(flag)
        return mask
    if isinstance(feature, str) or not isinstance(feature, Iterable):
        raise InvalidArgument(
            f"feature is {feature!r}, "
            "not a collection of (state, action) label pairs or a predicate"
        )
    states = {label: s for s, label in enumerate(mdp.states)}
    actions = {label: a for a, label in enumerate(mdp.actions)}
    for pair in feature:
        if isinstance(pair, str) or not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise InvalidArgument(f"feature holds {pair!r}, not a (state, action) pair of labels")
        state, action = pair
        if not isinstance(state, str) or state not in states:
            raise InvalidArgument(
                f"feature holds {tuple(pair)!r}: {state!r} is not one of the states "
                f"{show_labels(mdp.states)}"
            )
        if not isinstance(action, str) or action not in actions:
            raise InvalidArgument(
                f"feature holds {tuple(pair)!r}: {action!r} is not one of the actions "
                f"{show_labels(mdp.actions)}"
            )
        mask[states[state], actions[action]] = True
    return mask
