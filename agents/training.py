"""Training of amortised agents: datasets of a teacher's decisions and their collection.

An amortised optimiser (Millidge 2022) is fitted on a dataset of (input, good output) pairs
collected on a training distribution. This module holds what every amortised agent shares
before decision time: running the teacher once on the training MDP (:func:`run_teacher`), the
training state distribution (:func:`training_distribution`, by default the teacher's
normalised state occupancy), drawing training states with a seeded generator
(:func:`sampling_rng`, :func:`draw_states`), the feature vectors kept for the "nearest"
fallback (:func:`contributing_features`), the checks of the training settings
(:func:`check_training`), the dataset of (observation, action, weight) triples
(:class:`Dataset`, :func:`collect`) and :func:`train_with`, which runs a collector with an
agent's settings. :mod:`agents.amortised` (the lookup table) and :mod:`agents.hybrid` (the value
table) build on it; :mod:`agents.amortised` re-exports :class:`Dataset` and :func:`collect`.

Source: B. Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np

from agents.base import Agent, AgentResult, check_agent, resolve_objective
from agents.registry import get
from theory.budget import check_budget
from theory.errors import DeconfuseError, InvalidArgument
from theory.evaluation import normalised_state_occupancy, occupancy
from theory.mdp import FiniteMDP
from theory.numbers import coerce_array
from theory.policy import Policy
from theory.validation import check_choice, check_count, check_distribution_rows, check_instance

__all__ = [
    "Weight",
    "Features",
    "Dataset",
    "run_teacher",
    "teacher_rows",
    "training_distribution",
    "draw_states",
    "sampling_rng",
    "contributing_features",
    "check_training",
    "train_with",
    "collect",
]

#: The weight of a dataset entry: a probability (infinite-data limit) or a count (samples).
Weight = Fraction | float | int
#: (observation, feature vector) of the training states that contributed to a dataset.
Features = tuple[tuple[str, tuple[float, ...]], ...]


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A dataset of a teacher's decisions: (observation label, action label, weight) triples.

    - ``pairs``: the triples, aggregated (one per distinct (observation, action) pair with a
      non-zero weight), observations in the training MDP's state order, actions in its action
      order. In the exact infinite-data limit (``samples is None``) the weight of (o, a) is
      :math:`\\sum_{s : obs(s) = o} d(s) \\pi(a \\mid s)` — Fractions on an exact training MDP
      (floats on a float one), summing to 1; with ``samples = n`` it is the integer count of
      the n draws that gave (o, a), summing to n.
    - ``actions``: the training MDP's action labels (a test MDP must have the same labels).
    - ``teacher``: the teacher's name (its SPEC when given as a string); ``objective``: the
      reward it optimised.
    - ``train_size``: (S, A) of the training MDP; ``samples``: n, or None for the infinite-data
      limit; ``seed``: the seed of the draws (None when not sampled or drawn from a Generator).
    - ``teacher_calls``: calls of the teacher (1); ``training_cost``: its Q-value evaluations.
    - ``features``: (observation, feature vector) of every training state that contributed a
      pair (deduplicated), when the training MDP has features — what the ``"nearest"``
      fallback compares with; None otherwise.
    - ``float_teacher``: the teacher returned a float policy on an exact training MDP (a soft
      optimiser, float by nature), so the weights are floats and the amortised agent's
      policy is float too (:func:`agents.amortised.decision_view`).

    Source: Millidge (2022), "Deconfusing Direct vs Amortised Optimisation": an amortised
    optimiser is fitted on a dataset of (input, good output) pairs.

    >>> from fractions import Fraction as F
    >>> data = Dataset(pairs=(("s0", "go", F(1, 2)), ("s1", "stay", F(1, 2))),
    ...                actions=("stay", "go"), teacher="argmax", objective="proxy")
    >>> data.observations, data.total
    (('s0', 's1'), Fraction(1, 1))
    """

    pairs: tuple[tuple[str, str, Weight], ...]
    actions: tuple[str, ...]
    teacher: str
    objective: str
    train_size: tuple[int, int] = (0, 0)
    samples: int | None = None
    seed: int | None = None
    teacher_calls: int = 1
    training_cost: int = 0
    features: Features | None = None
    float_teacher: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", tuple(tuple(p) for p in self.pairs))
        object.__setattr__(self, "actions", tuple(self.actions))
        for i, triple in enumerate(self.pairs):
            if len(triple) != 3:
                raise InvalidArgument(f"pairs[{i}] is {triple!r}, not (observation, action, weight)")
            obs, action, weight = triple
            if not isinstance(obs, str):
                raise InvalidArgument(f"pairs[{i}] has the observation {obs!r}, not a string")
            if action not in self.actions:
                raise InvalidArgument(f"pairs[{i}] has the action {action!r}, not one of {list(self.actions)}")
            if isinstance(weight, bool) or not isinstance(weight, (Rational, float, np.floating)) or not weight >= 0:
                raise InvalidArgument(f"pairs[{i}] has the weight {weight!r}, not a number >= 0")

    @property
    def observations(self) -> tuple[str, ...]:
        """The distinct observations of the dataset, in order of first appearance."""
        return tuple(dict.fromkeys(obs for obs, _, _ in self.pairs))

    @property
    def total(self) -> Weight:
        """The sum of the weights (1 in the infinite-data limit, n with n samples)."""
        return sum((w for _, _, w in self.pairs), Fraction(0))


# -- the teacher and the training states ----------------------------------------------------


def _resolve_agent(spec: Agent | str, field: str) -> tuple[Agent, str]:
    """An agent from an Agent or a registered SPEC string, with its name."""
    check_agent(spec, field)
    if isinstance(spec, str):
        return get(spec), spec
    return spec, str(getattr(spec, "name", type(spec).__name__))


def run_teacher(
    teacher: Agent | str, train: FiniteMDP, objective: str | None
) -> tuple[Policy, AgentResult, str, str]:
    """Run the teacher once on the training MDP: (policy, result, teacher name, objective).

    The teacher is an Agent or a registered SPEC; ``objective`` None is the training MDP's
    default reward ("proxy", or its only reward). The teacher must return a Markov Policy, or a
    behaviour with a ``markov_policy()`` (a policy quantiliser's mixture: the Markov policy with
    the same state-action occupancy, which is what its trajectories teach); an error of the
    teacher is re-raised with its name in front. Source: Millidge (2022) (the teacher that
    labels the amortised optimiser's dataset).

    >>> from theory.examples import two_state
    >>> policy, result, name, objective = run_teacher("argmax", two_state(), None)
    >>> name, objective, result.cost.decision
    ('argmax', 'proxy', 4)
    """
    check_instance(train, FiniteMDP, "train_mdp")
    agent, name = _resolve_agent(teacher, "teacher")
    objective = resolve_objective(train, objective)
    try:
        result = agent.run(train, objective)
    except DeconfuseError as exc:
        raise type(exc)(f"teacher {name!r}: {exc}") from None
    policy = result.behaviour
    if not isinstance(policy, Policy) and callable(getattr(policy, "markov_policy", None)):
        policy = policy.markov_policy()
    if not isinstance(policy, Policy):
        raise InvalidArgument(
            f"teacher {name!r} returned a {type(policy).__name__}, not a Markov Policy; "
            "an amortised agent needs a Markov teacher"
        )
    return policy, result, name, objective


def teacher_rows(train: FiniteMDP, policy: Policy) -> np.ndarray:
    r"""The (S, A) action law the teacher's data shows at each state: :math:`\pi(a \mid s)` for a
    stationary policy; for a time-dependent one (finite horizon) the law of :math:`a_t` given
    :math:`s_t = s` over its own trajectories with t uniform in 0..H-1,
    :math:`\bar\pi(a \mid s) = \sum_t P(s_t = s, a_t = a) / \sum_t P(s_t = s)`
    (:func:`theory.evaluation.occupancy`), and its time-0 row at states it never visits.
    A float policy (a soft teacher on an exact MDP) is read on ``train.to_float()``.

    Source: behaviour cloning's target, the expert's state-conditional action law (Pomerleau
    1991; Ross & Bagnell, "Efficient Reductions for Imitation Learning", 2010).

    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> m = two_state().replace(discount=None, horizon=2, initial=[F(1, 2), F(1, 2)])
    >>> teacher_rows(m, run_teacher("argmax", m, None)[0]).tolist()
    [[Fraction(0, 1), Fraction(1, 1)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    if policy.stationary:
        return policy.probs
    mdp = train if policy.exact == train.exact else train.to_float()
    occ = occupancy(mdp, policy)
    rows = policy.at(0).copy()
    for s in range(mdp.S):
        total = sum(occ[s], Fraction(0) if policy.exact else 0.0)
        if total != 0:
            rows[s] = occ[s] / total
    return rows


def training_distribution(train: FiniteMDP, policy: Policy, states: Any) -> np.ndarray:
    """The training state distribution, (S,) of the training MDP's kind, summing to 1.

    ``states=None``: the teacher's normalised state occupancy
    (:func:`theory.evaluation.normalised_state_occupancy`: :math:`(1 - \\gamma) d^\\pi(s)`,
    finite horizon :math:`d^\\pi(s) / H`; in floats for a float policy on an exact MDP).
    Otherwise a sequence of S probabilities or a mapping
    state label -> probability (missing labels 0), checked to be a distribution; nothing is
    renormalised. Source: Millidge (2022) (the training distribution of the dataset).

    >>> from theory.examples import two_state
    >>> policy = run_teacher("argmax", two_state(), None)[0]
    >>> training_distribution(two_state(), policy, {"s1": 1}).tolist()
    [Fraction(0, 1), Fraction(1, 1)]
    """
    if states is None:
        return normalised_state_occupancy(train if policy.exact == train.exact else train.to_float(), policy)
    if isinstance(states, Mapping):
        for label in states:
            if label not in train.states:
                raise InvalidArgument(f"states names the unknown state {label!r}")
        states = [states.get(s, 0) for s in train.states]
    if isinstance(states, str) or not isinstance(states, (Sequence, np.ndarray)) or len(states) != train.S:
        raise InvalidArgument(f"states is {states!r}, not a distribution over the {train.S} training states")
    arr = coerce_array(states, train.exact, "states")
    check_distribution_rows(arr, "states", (train.states,), InvalidArgument)
    return arr


def draw_states(dist: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n state indices drawn i.i.d. from ``dist`` (exact probabilities drawn as floats).

    >>> draw_states(np.array([0.0, 1.0]), 3, np.random.default_rng(0)).tolist()
    [1, 1, 1]
    """
    p = np.array([float(x) for x in dist], dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


#: Estimated bytes per drawn sample: a state index and a uniform number, as arrays and as the
#: Python lists the counting loop walks.
_SAMPLE_BYTES = 100


def sampling_rng(samples: Any, seed: Any) -> tuple[int, np.random.Generator, int | None]:
    """``(n, generator, seed used)`` for ``samples`` draws: ``seed`` a Generator (used as it
    is; no seed recorded) or an integer >= 0 (``numpy.random.default_rng(seed)``).

    >>> n, rng, seed = sampling_rng("10", 3)
    >>> n, seed
    (10, 3)
    """
    n = check_count(samples, "samples", 1)
    check_budget("samples", n, n * _SAMPLE_BYTES, f"drawing {n} samples")
    if isinstance(seed, np.random.Generator):
        return n, seed, None
    if seed is None:
        raise InvalidArgument("seed is None but samples is given; pass an integer seed or a numpy Generator")
    s = check_count(seed, "seed", 0)
    return n, np.random.default_rng(s), s


def contributing_features(train: FiniteMDP, contributing: Sequence[int]) -> Features | None:
    """(observation, feature vector) of the ``contributing`` training states, deduplicated in
    order, or None when the training MDP has no features (what the "nearest" fallback reads).

    >>> from theory.examples import two_state
    >>> contributing_features(two_state(), [0, 1]) is None
    True
    """
    if train.features is None:
        return None
    out = {(train.observation_labels[s], tuple(float(x) for x in train.features[s])): None for s in contributing}
    return tuple(out)


# -- the agents' training settings ----------------------------------------------------------


def check_training(agent: Any, fallbacks: Sequence[str] | None) -> None:
    """Check an amortised agent's training settings in place: ``teacher`` (an Agent or a
    name), ``train`` (None or a FiniteMDP), ``samples`` (None or an integer >= 1) and ``seed``
    (an integer >= 0), both stored as ints, and ``fallback`` (one of ``fallbacks``; an agent
    without a fallback passes None)."""
    check_agent(agent.teacher, "teacher")
    if agent.train is not None:
        check_instance(agent.train, FiniteMDP, "train")
    if agent.samples is not None:
        object.__setattr__(agent, "samples", check_count(agent.samples, "samples", 1))
    object.__setattr__(agent, "seed", check_count(agent.seed, "seed", 0))
    if fallbacks is not None:
        check_choice(agent.fallback, "fallback", fallbacks, listing="one of")


def train_with(collector: Callable[..., Any], agent: Any, mdp: FiniteMDP, objective: str | None) -> Any:
    """Run ``collector`` (:func:`collect` or :func:`agents.hybrid.collect_values`) with an
    amortised agent's training settings: its ``teacher`` on its ``train`` MDP (``mdp`` itself
    when None), its ``objective`` (else the one it is run for), ``states``, and ``samples``
    with ``seed`` (the seed only matters with samples)."""
    return collector(
        agent.teacher,
        mdp if agent.train is None else agent.train,
        agent.objective if agent.objective is not None else objective,
        agent.states,
        agent.samples,
        agent.seed if agent.samples is not None else None,
    )


# -- the dataset of decisions ---------------------------------------------------------------


def _exact_weights(dist: np.ndarray, pi: np.ndarray, obs: Sequence[str]) -> tuple[dict[tuple[str, int], Any], list[int]]:
    """Infinite-data weights d(s) pi(a | s), summed per (observation, action index), with the
    states of positive d."""
    weights: dict[tuple[str, int], Any] = {}
    contributing = [s for s in range(len(dist)) if dist[s] != 0]
    for s in contributing:
        for a in range(pi.shape[1]):
            w = dist[s] * pi[s, a]
            if w != 0:
                weights[(obs[s], a)] = weights.get((obs[s], a), 0) + w
    return weights, contributing


def _sampled_weights(
    dist: np.ndarray, pi: np.ndarray, obs: Sequence[str], n: int, rng: np.random.Generator
) -> tuple[dict[tuple[str, int], Any], list[int]]:
    """Counts of n draws: first all n states s ~ d, then for each an action a ~ pi(. | s) (one
    uniform number each), counted per (observation, action index); with the drawn states."""
    drawn = draw_states(dist, n, rng)
    u = rng.random(n)
    cdf = np.cumsum(np.array(pi.tolist(), dtype=np.float64), axis=1)
    counts: dict[tuple[int, int], int] = {}
    for s, x in zip(drawn.tolist(), u.tolist()):
        # the first action whose cumulative probability exceeds x: never a zero-probability
        # action (its cumulative equals its predecessor's); capped at the last positive one
        a = min(int(np.searchsorted(cdf[s], x, side="right")), int(np.flatnonzero(pi[s] != 0)[-1]))
        counts[(s, a)] = counts.get((s, a), 0) + 1
    weights: dict[tuple[str, int], Any] = {}
    for (s, a), c in sorted(counts.items()):
        weights[(obs[s], a)] = weights.get((obs[s], a), 0) + c
    return weights, sorted({s for s, _ in counts})


def collect(
    teacher: Agent | str,
    train_mdp: FiniteMDP,
    objective: str | None = None,
    states: Sequence[Any] | Mapping[str, Any] | np.ndarray | None = None,
    samples: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> Dataset:
    """The dataset of a teacher's decisions on a training MDP.

    The teacher is run once on ``train_mdp`` for ``objective`` (default: the training MDP's
    "proxy", or its only reward); its decision cost is the dataset's training cost. Training
    states follow ``states`` — by default the teacher's own normalised discounted
    state-visitation distribution :math:`d(s) = (1 - \\gamma) \\sum_t \\gamma^t P(s_t = s)`
    (finite horizon H: :math:`\\frac{1}{H} \\sum_{t<H} P(s_t = s)`).

    - ``samples=None``: the exact infinite-data limit; the weight of (o, a) is
      :math:`\\sum_{s : obs(s) = o} d(s) \\pi(a \\mid s)`.
    - ``samples=n`` with ``seed``: n i.i.d. draws with ``numpy.random.default_rng(seed)``:
      first all n states :math:`s \\sim d`, then for each an action :math:`a \\sim \\pi(\\cdot
      \\mid s)` (one uniform number each); (obs(s), a) pairs are counted. Exact probabilities
      are drawn as their float values.

    The teacher's actions at s follow :func:`teacher_rows`: its policy, or for a time-dependent
    policy (finite horizon) the law of its actions at s over its own trajectories (time 0 at
    states it never visits). A soft teacher (float policy on an exact MDP) gives float weights.

    Source: Millidge (2022), "Deconfusing Direct vs Amortised Optimisation" (the dataset of
    (input, good output) pairs an amortised optimiser is fitted on).

    >>> from theory.examples import two_state
    >>> data = collect("argmax", two_state())
    >>> data.pairs
    (('s0', 'go', Fraction(10, 91)), ('s1', 'stay', Fraction(81, 91)))
    >>> sampled = collect("argmax", two_state(), samples=100, seed=0)
    >>> sampled.total, sampled.teacher_calls
    (Fraction(100, 1), 1)
    """
    policy, result, name, objective = run_teacher(teacher, train_mdp, objective)
    dist = training_distribution(train_mdp, policy, states)
    pi, obs = teacher_rows(train_mdp, policy), train_mdp.observation_labels
    seed_used: int | None = None
    if samples is None:
        n = None
        weights, contributing = _exact_weights(dist, pi, obs)
    else:
        n, rng, seed_used = sampling_rng(samples, seed)
        weights, contributing = _sampled_weights(dist, pi, obs, n, rng)
    order = {o: i for i, o in reversed(list(enumerate(obs)))}
    pairs = tuple(
        (o, train_mdp.actions[a], w)
        for (o, a), w in sorted(weights.items(), key=lambda item: (order[item[0][0]], item[0][1]))
    )
    return Dataset(
        pairs=pairs,
        actions=train_mdp.actions,
        teacher=name,
        objective=objective,
        train_size=(train_mdp.S, train_mdp.A),
        samples=n,
        seed=seed_used,
        teacher_calls=1,
        training_cost=result.cost.decision + result.cost.training,
        features=contributing_features(train_mdp, contributing),
        float_teacher=train_mdp.exact and not policy.exact,
    )
