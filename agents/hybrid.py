"""The hybrid optimiser: depth-limited direct search whose leaves are valued by an amortised table.

Real systems mix the two kinds of optimisation (Millidge 2022): MuZero (Schrittwieser et al.
2020) searches a model at decision time — direct optimisation — but stops the search after a
few steps and values the leaves with a learned value function — amortised optimisation. Here
the search is an exact depth-limited Bellman backup over the test MDP's model and objective
reward, and the learned value function is a table observation -> value fitted, like
:class:`~agents.amortised.TabularAmortised`, on a teacher's exact values on a training MDP.

Source: B. Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022); J. Schrittwieser et
al., "Mastering Atari, Go, chess and shogi by planning with a learned model", Nature (2020).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np

from agents.amortised import decision_view, entry_of_kind, fallback_info, resolve_unseen
from agents.base import Agent, AgentResult, BaseAgent, Cost, resolve_objective
from agents.lookahead import lookahead_cost, lookahead_policy
from agents.training import (
    Features,
    check_training,
    contributing_features,
    draw_states,
    run_teacher,
    sampling_rng,
    train_with,
    training_distribution,
)
from theory.errors import InvalidArgument
from theory.evaluation import state_values
from theory.mdp import FiniteMDP
from theory.numbers import zeros_like_kind
from theory.solvers import ARGMAX_TIES, TieRule
from theory.validation import check_count, check_reward_name, check_tie

__all__ = ["VALUE_FALLBACKS", "Value", "ValueDataset", "collect_values", "value_table", "Hybrid"]

#: The fallbacks of :class:`Hybrid` for a leaf whose observation the value table never saw.
VALUE_FALLBACKS: tuple[str, ...] = ("zero", "nearest", "error")

#: A learned value: exact on an exact training MDP, float on a float one.
Value = Fraction | float


@dataclasses.dataclass(frozen=True)
class ValueDataset:
    """A dataset of a teacher's values: (observation label, value, weight) triples.

    One triple per training state that contributes: in the exact infinite-data limit
    (``samples is None``) every state s with d(s) > 0, weighted by d(s) (summing to 1); with
    ``samples = n`` every sampled state, weighted by its integer count (summing to n). The value
    is the teacher's exact value :math:`v^{\\pi}(s)` under ``objective`` on the training MDP
    (time 0 for a finite horizon) — the optimal value :math:`v^*(s)` for the argmax teacher.
    The metadata fields are those of :class:`~agents.training.Dataset`.

    Source: Millidge (2022); the value targets of Schrittwieser et al. (2020), here exact.

    >>> from fractions import Fraction as F
    >>> data = ValueDataset(entries=(("s0", F(860, 91), F(1, 2)), ("s1", F(10), F(1, 2))),
    ...                     teacher="argmax", objective="proxy")
    >>> data.observations
    ('s0', 's1')
    """

    entries: tuple[tuple[str, Value, Fraction | float | int], ...]
    teacher: str
    objective: str
    train_size: tuple[int, int] = (0, 0)
    samples: int | None = None
    seed: int | None = None
    teacher_calls: int = 1
    training_cost: int = 0
    features: Features | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", tuple(tuple(e) for e in self.entries))
        for i, triple in enumerate(self.entries):
            if len(triple) != 3:
                raise InvalidArgument(f"entries[{i}] is {triple!r}, not (observation, value, weight)")
            obs, value, weight = triple
            if not isinstance(obs, str):
                raise InvalidArgument(f"entries[{i}] has the observation {obs!r}, not a string")
            if isinstance(value, bool) or not isinstance(value, (Rational, float, np.floating)):
                raise InvalidArgument(f"entries[{i}] has the value {value!r}, not a number")
            if isinstance(weight, bool) or not isinstance(weight, (Rational, float, np.floating)) or not weight >= 0:
                raise InvalidArgument(f"entries[{i}] has the weight {weight!r}, not a number >= 0")

    @property
    def observations(self) -> tuple[str, ...]:
        """The distinct observations of the dataset, in order of first appearance."""
        return tuple(dict.fromkeys(obs for obs, _, _ in self.entries))


def collect_values(
    teacher: Agent | str,
    train_mdp: FiniteMDP,
    objective: str | None = None,
    states: Sequence[Any] | Mapping[str, Any] | np.ndarray | None = None,
    samples: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> ValueDataset:
    """The dataset of a teacher's exact values on a training MDP.

    The teacher is run once on ``train_mdp`` for ``objective``; its policy's exact values
    :math:`v^{\\pi}` under ``objective`` are the targets (time 0 for a finite horizon). The
    training states follow ``states`` (default: the teacher's normalised discounted
    visitation, as in :func:`agents.training.collect`): ``samples=None`` gives the exact
    infinite-data limit (weight d(s) for every state with d(s) > 0), ``samples=n`` draws n
    states with ``numpy.random.default_rng(seed)`` (the same states as
    :func:`~agents.training.collect` draws with that seed) and weights each by its count.

    Source: Millidge (2022), "Deconfusing Direct vs Amortised Optimisation"; Schrittwieser et
    al. (2020), MuZero (a value function trained on search targets).

    >>> from theory.examples import two_state
    >>> collect_values("argmax", two_state()).entries
    (('s0', Fraction(860, 91), Fraction(10, 91)), ('s1', Fraction(10, 1), Fraction(81, 91)))
    """
    policy, result, name, objective = run_teacher(teacher, train_mdp, objective)
    dist = training_distribution(train_mdp, policy, states)
    v = state_values(train_mdp, policy, objective)
    v0 = v if train_mdp.horizon is None else v[0]
    obs = train_mdp.observation_labels
    seed_used: int | None = None
    if samples is None:
        weights = {s: dist[s] for s in range(train_mdp.S) if dist[s] != 0}
        n = None
    else:
        n, rng, seed_used = sampling_rng(samples, seed)
        weights = {}
        for s in sorted(draw_states(dist, n, rng).tolist()):
            weights[s] = weights.get(s, 0) + 1
    contributing = sorted(weights)
    return ValueDataset(
        entries=tuple((obs[s], v0[s], weights[s]) for s in contributing),
        teacher=name,
        objective=objective,
        train_size=(train_mdp.S, train_mdp.A),
        samples=n,
        seed=seed_used,
        teacher_calls=1,
        training_cost=result.cost.decision + result.cost.training,
        features=contributing_features(train_mdp, contributing),
    )


def value_table(dataset: ValueDataset) -> dict[str, Value]:
    """The amortised value table: observation -> weighted mean of its values.

    :math:`V(o) = \\sum_{s : obs(s) = o} w(s) v(s) / \\sum_{s : obs(s) = o} w(s)` — in the
    infinite-data limit the d-weighted mean of the teacher's values (its value when o is one
    state), with samples the average over the sampled states; exact on exact values.

    Source: Millidge (2022); Schrittwieser et al. (2020).

    >>> from theory.examples import two_state
    >>> value_table(collect_values("argmax", two_state()))
    {'s0': Fraction(860, 91), 's1': Fraction(10, 1)}
    """
    exact = all(isinstance(v, Rational) and isinstance(w, Rational) for _, v, w in dataset.entries)
    num: dict[str, Any] = {}
    den: dict[str, Any] = {}
    for obs, v, w in dataset.entries:
        if not exact:
            v, w = float(v), float(w)
        num[obs] = num.get(obs, 0) + w * v
        den[obs] = den.get(obs, 0) + w
    return {
        obs: (Fraction(num[obs]) / Fraction(den[obs]) if exact else num[obs] / den[obs])
        for obs in num
        if den[obs] != 0
    }


@dataclasses.dataclass(frozen=True, repr=False)
class Hybrid(BaseAgent):
    """Depth-limited direct search with amortised leaf values (the MuZero shape).

    Training (on every ``run``; nothing stored): the teacher (default ``"argmax"``) is run once
    on ``train`` (default: the MDP itself) for ``objective`` (default: the objective given to
    ``run``); :func:`collect_values` and :func:`value_table` give the table
    :math:`V(o)` of its exact values per observation, on the training state distribution
    ``states`` (default: the teacher's normalised discounted visitation) — exact infinite-data
    limit, or ``samples`` draws with ``seed``.

    Decision time, on the test MDP with its objective reward r: the leaves are valued by the
    table, :math:`L(s) = V(obs(s))` (one lookup per state); unseen observations by
    ``fallback``. Then ``depth`` exact
    Bellman optimality backups over the test MDP's model,
    :math:`Q_1 = r + \\gamma P L`, :math:`Q_{j+1} = r + \\gamma P \\max_a Q_j`, and the policy
    is greedy in :math:`Q_{depth}` (``tie``: uniform over the exact argmax set, or the first) —
    :func:`agents.lookahead.lookahead_policy` with the table as its leaf values.
    Cost: ``decision`` = depth * S * A Q-value evaluations, ``lookups`` = S (+ distances).

    A finite horizon H is searched undiscounted and the search never passes the horizon: at
    step t it is :math:`\\min(depth, H - t)` steps deep, with leaves valued 0 at the horizon and
    by the table before it (the table holds the teacher's time-0 values). The policy is
    time-dependent; the decision cost counts the backups actually computed
    (:func:`~agents.lookahead.lookahead_cost`: depth * S * A from the table leaves when
    H > depth, plus min(depth, H) * S * A from the horizon), and there are no lookups (and no
    fallback, so no "error") when H <= depth.

    Source: Schrittwieser et al. (2020), "Mastering Atari, Go, chess and shogi by planning with
    a learned model" (MuZero); Millidge (2022), "Deconfusing Direct vs Amortised Optimisation".

    Parameters
    ----------
    depth : int
        The number of exact Bellman optimality backups searched on the test MDP, an int >= 1.
    teacher
        The agent whose exact values train the table: an Agent or a registered agent name or
        SPEC (default "argmax", whose values are v*), run once per ``run``.
    train
        The training MDP the teacher runs on: None (the MDP given to ``run``) or a FiniteMDP.
    samples
        None: the exact infinite-data limit (every training state with d(s) > 0, weight d(s));
        an int n >= 1: n training states drawn from d, each weighted by its count.
    seed
        The seed (an int >= 0) of ``numpy.random.default_rng`` for the draws; unused when
        ``samples`` is None.
    fallback
        The leaf value of an observation the table never saw: "zero" (0), "nearest" (the value
        of the seen observation whose training state has the nearest ``features``, Euclidean,
        ties by label; each distance one lookup) or "error" (an InvalidArgument naming it).
    objective
        The reward the teacher is trained and valued on: None (the objective given to
        ``run``) or a reward name of the training MDP.
    states
        The training state distribution d: None (the teacher's normalised discounted
        visitation), a sequence of S probabilities or a mapping state label -> probability
        (missing labels 0), summing to 1 (not renormalised).
    tie
        "uniform": uniform over the exact argmax set of the root Q-values; "first": its first
        action in label order.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = Hybrid(depth=1).run(two_state())
    >>> result.policy.as_dict(), result.cost.decision, result.cost.lookups
    ({'s0': {'go': '1'}, 's1': {'stay': '1'}}, 4, 2)
    """

    depth: int = 1
    teacher: Agent | str = "argmax"
    train: FiniteMDP | None = None
    samples: int | None = None
    seed: int = 0
    fallback: str = "zero"
    objective: str | None = None
    states: Sequence[Any] | Mapping[str, Any] | None = None
    tie: TieRule = "uniform"
    name: str = "hybrid"

    def __post_init__(self) -> None:
        object.__setattr__(self, "depth", check_count(self.depth, "depth", 1))
        check_training(self, VALUE_FALLBACKS)
        check_reward_name(self.objective)
        check_tie(self.tie, ARGMAX_TIES)

    def fit(self, dataset: ValueDataset) -> dict[str, Value]:
        """The value table of the dataset (see :func:`value_table`). Source: Millidge (2022).

        >>> from theory.examples import two_state
        >>> Hybrid().fit(collect_values("argmax", two_state()))["s1"]
        Fraction(10, 1)
        """
        return value_table(dataset)

    def _leaves(
        self, table: dict[str, Value], dataset: ValueDataset, mdp: FiniteMDP
    ) -> tuple[np.ndarray, int, dict[str, Any]]:
        """Leaf values of the MDP's states (labels, observations and features only)."""
        view = decision_view(mdp)
        used, borrowed, distances = resolve_unseen(view, table.__contains__, self.fallback, dataset.features)
        leaves = zeros_like_kind((mdp.S,), view.exact)
        for s, obs in enumerate(view.observations):
            if used.get(s) == "zero":
                continue
            key = borrowed.get(s, obs)
            leaves[s] = entry_of_kind(table[key], view.exact, f"value table[{key!r}]")
        return leaves, mdp.S + distances, fallback_info(view, used, borrowed, distances)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Fit the value table on ``train`` (or ``mdp``), then search ``mdp`` ``depth`` steps."""
        dataset = train_with(collect_values, self, mdp, objective)
        table = self.fit(dataset)
        target = resolve_objective(mdp, objective)
        leaves: np.ndarray | None = None
        lookups = 0
        info: dict[str, Any] = {"unseen": (), "fallback": {}, "nearest": {}, "distance_computations": 0}
        if mdp.horizon is None or mdp.horizon > self.depth:  # some search stops before the end
            leaves, lookups, info = self._leaves(table, dataset, mdp)
        policy, q_values = lookahead_policy(mdp, target, self.depth, leaves, self.tie)
        decision = lookahead_cost(mdp, self.depth, leaves)
        cost = Cost(
            decision=decision,
            lookups=lookups,
            training=dataset.training_cost,
            teacher_calls=dataset.teacher_calls,
            samples=dataset.samples if dataset.samples is not None else len(dataset.entries),
        )
        return AgentResult(
            behaviour=policy,
            cost=cost,
            info={**info, "q_values": q_values, "leaf_values": leaves, "dataset": dataset, "table": table,
                  "objective": target},
        )
