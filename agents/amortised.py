"""Amortised optimisation: a lookup table learned from a teacher's decisions.

An *amortised* optimiser (Millidge 2022) does not compute an argmax at decision time. It learns
a map g(x) ~ argmax_y f(x, y) from a dataset of (input, good output) pairs collected on a
training distribution, and at decision time only evaluates g. Here the dataset is a table of
(observation, action, weight) triples produced by a *teacher* agent (by default the direct
optimiser :class:`~agents.direct.Argmax`) on a *training* MDP, and g is the table of empirical
action frequencies per observation. The training cost (one teacher call, its Q-value
evaluations, the samples) is reported apart from the decision cost (one table lookup per state).

Off the training distribution — on an observation the dataset never contains — the table has
no answer; an explicit fallback decides: ``"uniform"``, ``"base"`` (a base agent's policy),
``"nearest"`` (the seen observation with the nearest feature vector) or ``"error"``.

Source: B. Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from numbers import Integral, Rational
from typing import Any

import numpy as np

from agents.base import Agent, AgentResult, BaseAgent, Cost, base_policy, resolve_objective
from theory.errors import InvalidArgument
from theory.evaluation import state_occupancy
from theory.mdp import FiniteMDP
from theory.numbers import coerce_array, format_number
from theory.policy import Policy
from theory.validation import check_distribution_rows

__all__ = [
    "FALLBACKS",
    "Dataset",
    "collect",
    "frequency_table",
    "TabularAmortised",
]

#: The fallbacks of :class:`TabularAmortised` for an observation the dataset never contains.
FALLBACKS: tuple[str, ...] = ("uniform", "base", "nearest", "error")

Weight = Fraction | float | int
Table = dict[str, dict[str, Fraction | float]]
Features = tuple[tuple[str, tuple[float, ...]], ...]


# -- the dataset ----------------------------------------------------------------------------


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


# -- shared training helpers (also used by agents.hybrid) ------------------------------------


def _resolve_agent(spec: Agent | str, field: str) -> tuple[Agent, str]:
    """An agent from an Agent or a registered SPEC string (resolved lazily), with its name."""
    if isinstance(spec, str):
        from agents.registry import get  # lazy: the registry is filled by agents/__init__

        return get(spec), spec
    if callable(getattr(spec, "run", None)):
        return spec, str(getattr(spec, "name", type(spec).__name__))
    raise InvalidArgument(f"{field} is {spec!r}, not an agent or a registered agent name")


def _as_count(value: Any, field: str, low: int) -> int:
    """An integer >= low from an int, an integer-valued Fraction or a numeric string."""
    if isinstance(value, str):
        try:
            value = Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            raise InvalidArgument(f"{field} is {value!r}, not an integer >= {low}") from None
    if isinstance(value, Rational) and not isinstance(value, Integral) and value.denominator == 1:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
        raise InvalidArgument(f"{field} is {value!r}, not an integer >= {low}")
    return int(value)


def _check_train(train: Any, field: str = "train") -> FiniteMDP | None:
    if train is not None and not isinstance(train, FiniteMDP):
        raise InvalidArgument(f"{field} is {type(train).__name__}, not a FiniteMDP")
    return train


def _check_objective(objective: Any) -> str | None:
    if objective is not None and not (isinstance(objective, str) and objective):
        raise InvalidArgument(f"objective is {objective!r}, not a reward name")
    return objective


def _run_teacher(
    teacher: Agent | str, train: FiniteMDP, objective: str | None
) -> tuple[Policy, AgentResult, str, str]:
    """Run the teacher once on the training MDP: (policy, result, teacher name, objective)."""
    if not isinstance(train, FiniteMDP):
        raise InvalidArgument(f"train_mdp is {type(train).__name__}, not a FiniteMDP")
    agent, name = _resolve_agent(teacher, "teacher")
    objective = resolve_objective(train, objective)
    result = agent.run(train, objective)
    policy = result.behaviour
    if not isinstance(policy, Policy):
        raise InvalidArgument(
            f"teacher {name!r} returned a {type(policy).__name__}, not a Markov Policy; "
            "an amortised agent needs a Markov teacher"
        )
    return policy, result, name, objective


def _state_distribution(train: FiniteMDP, policy: Policy, states: Any) -> np.ndarray:
    """The training state distribution, (S,) of the training MDP's kind, summing to 1.

    ``states=None``: the teacher's normalised discounted state-visitation distribution
    :math:`(1 - \\gamma) d^\\pi(s)` (finite horizon: :math:`d^\\pi(s) / H`). Otherwise a
    sequence of S probabilities or a mapping state label -> probability (missing labels 0),
    checked to be a distribution; nothing is renormalised.
    """
    if states is None:
        d = state_occupancy(train, policy)
        if train.horizon is None:
            return d * (1 - train.discount)
        return d / (Fraction(train.horizon) if train.exact else float(train.horizon))
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


def _draw_states(dist: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """n state indices drawn i.i.d. from ``dist`` (exact probabilities drawn as floats)."""
    p = np.array([float(x) for x in dist], dtype=np.float64)
    return rng.choice(len(p), size=n, p=p / p.sum())


def _rng(samples: Any, seed: Any) -> tuple[int, np.random.Generator, int | None]:
    n = _as_count(samples, "samples", 1)
    if isinstance(seed, np.random.Generator):
        return n, seed, None
    if seed is None:
        raise InvalidArgument("seed is None but samples is given; pass an integer seed or a numpy Generator")
    s = _as_count(seed, "seed", 0)
    return n, np.random.default_rng(s), s


def _contributing_features(train: FiniteMDP, contributing: Sequence[int]) -> Features | None:
    if train.features is None:
        return None
    out = {(train.observation_labels[s], tuple(float(x) for x in train.features[s])): None for s in contributing}
    return tuple(out)


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

    A time-dependent teacher policy (finite horizon) is read at time 0 for the actions.

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
    policy, result, name, objective = _run_teacher(teacher, train_mdp, objective)
    dist = _state_distribution(train_mdp, policy, states)
    pi = policy.at(0)
    obs = train_mdp.observation_labels
    S, A = train_mdp.S, train_mdp.A
    weights: dict[tuple[str, int], Any] = {}
    seed_used: int | None = None
    if samples is None:
        contributing = [s for s in range(S) if dist[s] != 0]
        for s in contributing:
            for a in range(A):
                w = dist[s] * pi[s, a]
                if w != 0:
                    weights[(obs[s], a)] = weights.get((obs[s], a), 0) + w
        n = None
    else:
        n, rng, seed_used = _rng(samples, seed)
        drawn = _draw_states(dist, n, rng)
        u = rng.random(n)
        cdf = np.cumsum(np.array(pi.tolist(), dtype=np.float64), axis=1)
        counts: dict[tuple[int, int], int] = {}
        for s, x in zip(drawn.tolist(), u.tolist()):
            # the first action whose cumulative probability exceeds x: never a zero-probability
            # action (its cumulative equals its predecessor's); capped at the last positive one
            a = min(int(np.searchsorted(cdf[s], x, side="right")), int(np.flatnonzero(pi[s] != 0)[-1]))
            counts[(s, a)] = counts.get((s, a), 0) + 1
        contributing = sorted({s for s, _ in counts})
        for (s, a), c in sorted(counts.items()):
            weights[(obs[s], a)] = weights.get((obs[s], a), 0) + c
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
        train_size=(S, A),
        samples=n,
        seed=seed_used,
        teacher_calls=1,
        training_cost=result.cost.decision + result.cost.training,
        features=_contributing_features(train_mdp, contributing),
    )


def frequency_table(dataset: Dataset) -> Table:
    """The lookup table of exact empirical action frequencies per observation.

    :math:`g(o)(a) = w(o, a) / \\sum_b w(o, b)` for every observation o of the dataset and
    every action a of ``dataset.actions`` (0 for actions never taken). Exact (Fractions)
    whenever the weights are integers or Fractions; floats for a float infinite-data dataset.

    Source: Millidge (2022): the amortised map g fitted to the dataset (here the maximum
    likelihood tabular fit).

    >>> from theory.examples import two_state
    >>> frequency_table(collect("argmax", two_state()))["s0"]
    {'stay': Fraction(0, 1), 'go': Fraction(1, 1)}
    """
    exact = all(isinstance(w, Rational) for _, _, w in dataset.pairs)
    zero: Fraction | float = Fraction(0) if exact else 0.0
    totals: dict[str, Any] = {}
    for obs, _, w in dataset.pairs:
        totals[obs] = totals.get(obs, zero) + w
    table: Table = {}
    for obs, action, w in dataset.pairs:
        total = totals[obs]
        if total == 0:
            continue
        row = table.setdefault(obs, {a: zero for a in dataset.actions})
        row[action] += Fraction(w) / Fraction(total) if exact else float(w) / float(total)
    return table


# -- decision time: labels, observations and features only ---------------------------------


@dataclasses.dataclass(frozen=True)
class _View:
    """What decision time may see of a test MDP: labels, observations, features, kind."""

    states: tuple[str, ...]
    actions: tuple[str, ...]
    observations: tuple[str, ...]
    features: np.ndarray | None
    exact: bool


def _view(mdp: FiniteMDP) -> _View:
    return _View(mdp.states, mdp.actions, mdp.observation_labels, mdp.features, mdp.exact)


def _to_kind(value: Any, exact: bool, field: str) -> Any:
    if exact:
        if isinstance(value, (float, np.floating)):
            raise InvalidArgument(
                f"{field} is the float {format_number(value)} (trained on a float MDP) but the MDP is exact; "
                "train on an exact MDP or convert the test MDP with to_float()"
            )
        return Fraction(value)
    return float(value)


def _nearest(
    point: np.ndarray, candidates: Features, seen: Callable[[str], bool]
) -> tuple[str, int]:
    """The seen observation whose feature vector is nearest to ``point`` (Euclidean distance,
    compared as squared distance; ties: the smallest observation label), with the number of
    distances computed."""
    best: tuple[float, str] | None = None
    count = 0
    for obs, vec in candidates:
        if not seen(obs):
            continue
        if len(vec) != len(point):
            raise InvalidArgument(
                f"features have {len(point)} coordinates in the MDP but {len(vec)} in the training MDP"
            )
        count += 1
        dist = float(sum((float(x) - float(y)) ** 2 for x, y in zip(point, vec)))
        if best is None or (dist, obs) < best:
            best = (dist, obs)
    if best is None:
        raise InvalidArgument("fallback 'nearest' has no seen observation to compare with")
    return best[1], count


def _resolve_unseen(
    view: _View,
    seen: Callable[[str], bool],
    fallback: str,
    candidates: Features | None,
) -> tuple[dict[int, str], dict[int, str], int]:
    """For every state whose observation is unseen: the fallback it uses and, for "nearest",
    the observation it borrows; with the number of distance computations."""
    used: dict[int, str] = {}
    borrowed: dict[int, str] = {}
    distances = 0
    for s, obs in enumerate(view.observations):
        if seen(obs):
            continue
        if fallback == "error":
            raise InvalidArgument(
                f"observation {obs!r} (state {view.states[s]!r}) is not in the training data (fallback 'error')"
            )
        used[s] = fallback
        if fallback == "nearest":
            if view.features is None:
                raise InvalidArgument("fallback 'nearest' needs features on the MDP; it has none")
            if candidates is None:
                raise InvalidArgument("fallback 'nearest' needs features on the training MDP; it has none")
            borrowed[s], count = _nearest(view.features[s], candidates, seen)
            distances += count
    return used, borrowed, distances


def _lookup_policy(
    table: Table,
    dataset: Dataset,
    view: _View,
    fallback: str,
    base: Callable[[], tuple[np.ndarray, Cost]] | None,
) -> tuple[Policy, Cost, dict[str, Any]]:
    """Decision time: the policy of the table on the states of ``view`` (labels only)."""
    if set(dataset.actions) != set(view.actions):
        raise InvalidArgument(
            f"the MDP's actions {list(view.actions)} differ from the training actions {list(dataset.actions)}; "
            "actions are matched by label"
        )
    seen = table.__contains__
    used, borrowed, distances = _resolve_unseen(view, seen, fallback, dataset.features)
    S, A = len(view.states), len(view.actions)
    probs = np.empty((S, A), dtype=object if view.exact else np.float64)
    base_cost = Cost()
    base_rows: np.ndarray | None = None
    for s, obs in enumerate(view.observations):
        if s in used and used[s] in ("uniform", "base"):
            if used[s] == "uniform":
                probs[s] = Fraction(1, A) if view.exact else 1.0 / A
                continue
            if base_rows is None:
                if base is None:
                    raise InvalidArgument("fallback 'base' needs a base agent; pass base=...")
                base_rows, base_cost = base()
            probs[s] = base_rows[s]
            continue
        row = table[borrowed.get(s, obs)]
        for a, action in enumerate(view.actions):
            probs[s, a] = _to_kind(row[action], view.exact, f"table[{obs!r}][{action!r}]")
    policy = Policy(probs, view.states, view.actions)
    cost = Cost(decision=base_cost.decision, lookups=S + distances + base_cost.lookups)
    info = {
        "unseen": tuple(view.states[s] for s in used),
        "fallback": {view.states[s]: f for s, f in used.items()},
        "nearest": {view.states[s]: o for s, o in borrowed.items()},
        "distance_computations": distances,
    }
    return policy, cost, info


# -- the agent ------------------------------------------------------------------------------


def _check_fallback(fallback: Any, allowed: Sequence[str]) -> str:
    if fallback not in allowed:
        raise InvalidArgument(f"fallback is {fallback!r}, not one of {', '.join(repr(f) for f in allowed)}")
    return fallback


@dataclasses.dataclass(frozen=True, repr=False)
class TabularAmortised(BaseAgent):
    """The amortised optimiser: a lookup table of a teacher's action frequencies per observation.

    Training (``run`` does it on every call; nothing is stored on the agent): the teacher
    (an Agent or a registered SPEC, default ``"argmax"``) is run once on ``train`` (default:
    the MDP the agent is run on) for ``objective`` (default: the objective given to ``run``);
    :func:`collect` builds the dataset on the training state distribution ``states`` (default:
    the teacher's normalised discounted visitation) — exact infinite-data limit when
    ``samples`` is None, else ``samples`` draws with ``seed``; :meth:`fit` turns it into the
    table :math:`g(o)(a)` of exact empirical frequencies.

    Decision time: each state s of the MDP plays :math:`g(obs(s))` — one table lookup per
    state. Only the MDP's state, action and observation labels and its features are read,
    never its rewards, transitions or initial distribution (``run`` does not even check the
    objective's name on it when ``train`` is given). Actions are matched by label. The policy
    is of the MDP's kind (exact frequencies on an exact MDP; with samples, exact count ratios).
    An observation absent from the dataset uses ``fallback``:

    - ``"uniform"``: every action with probability 1/A;
    - ``"base"``: the policy of the ``base`` agent (an Agent or registered name; time 0 if it
      is time-dependent) at that state; computing it may read the whole MDP — that is the base
      agent's cost, added to the decision cost (its Q-value evaluations and lookups), and it is
      computed only when some observation is unseen;
    - ``"nearest"``: the row of the seen observation whose training state has the nearest
      ``features`` vector (Euclidean; ties: smallest observation label); needs features on both
      MDPs; every distance computed counts as one lookup;
    - ``"error"``: an InvalidArgument naming the unseen observation.

    Cost: ``training`` = the teacher's Q-value evaluations, ``teacher_calls`` = 1, ``samples`` =
    n (infinite-data limit: the number of distinct weighted pairs); ``lookups`` = S + distance
    computations; ``decision`` = 0 (plus the base agent's, when used). ``info`` holds
    ``unseen`` (state labels), ``fallback`` (state -> fallback used), ``nearest`` (state ->
    borrowed observation), the ``dataset`` and the ``table``.

    Source: Millidge (2022), "Deconfusing Direct vs Amortised Optimisation".

    >>> from theory.examples import two_state
    >>> result = TabularAmortised().run(two_state())
    >>> result.policy.as_dict(), result.cost.lookups, result.cost.teacher_calls
    ({'s0': {'go': '1'}, 's1': {'stay': '1'}}, 2, 1)
    >>> shifted = two_state().replace(observations=["s0", "new"])
    >>> result = TabularAmortised(train=two_state()).run(shifted)
    >>> result.info["unseen"], result.policy.as_dict()["s1"]
    (('s1',), {'stay': '1/2', 'go': '1/2'})
    """

    teacher: Agent | str = "argmax"
    train: FiniteMDP | None = None
    samples: int | None = None
    seed: int = 0
    fallback: str = "uniform"
    base: Agent | str | None = None
    objective: str | None = None
    states: Sequence[Any] | Mapping[str, Any] | None = None
    name: str = "amortised"

    def __post_init__(self) -> None:
        if not isinstance(self.teacher, str) and not callable(getattr(self.teacher, "run", None)):
            raise InvalidArgument(f"teacher is {self.teacher!r}, not an agent or a registered agent name")
        _check_train(self.train)
        if self.samples is not None:
            object.__setattr__(self, "samples", _as_count(self.samples, "samples", 1))
        object.__setattr__(self, "seed", _as_count(self.seed, "seed", 0))
        _check_fallback(self.fallback, FALLBACKS)
        if self.base is not None and not isinstance(self.base, str) and not callable(getattr(self.base, "run", None)):
            raise InvalidArgument(f"base is {self.base!r}, not an agent or a registered agent name")
        if self.fallback == "base" and self.base is None:
            raise InvalidArgument("fallback is 'base' but no base agent is given; pass base=...")
        _check_objective(self.objective)

    def fit(self, dataset: Dataset) -> Table:
        """The lookup table of the dataset: observation -> action -> exact frequency.

        See :func:`frequency_table`. Source: Millidge (2022).

        >>> from theory.examples import two_state
        >>> TabularAmortised().fit(collect("argmax", two_state()))["s1"]["stay"]
        Fraction(1, 1)
        """
        return frequency_table(dataset)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Train on ``train`` (or ``mdp``), then look up each state's observation in ``mdp``."""
        dataset = train_with(collect, self, mdp, objective)
        table = self.fit(dataset)

        def base_rows() -> tuple[np.ndarray, Cost]:
            pi, cost = base_policy(mdp, objective, self.base)
            return pi.at(0), cost

        policy, decision, info = _lookup_policy(
            table, dataset, _view(mdp), self.fallback, base_rows if self.base is not None else None
        )
        cost = Cost(
            decision=decision.decision,
            lookups=decision.lookups,
            training=dataset.training_cost,
            teacher_calls=dataset.teacher_calls,
            samples=dataset.samples if dataset.samples is not None else len(dataset.pairs),
        )
        return AgentResult(behaviour=policy, cost=cost, info={**info, "dataset": dataset, "table": table})
