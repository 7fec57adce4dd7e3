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

The dataset and its collection (:class:`~agents.training.Dataset`,
:func:`~agents.training.collect`) live in :mod:`agents.training` and are re-exported here;
this module holds the table, the decision-time view of a test MDP and the fallbacks, which
:mod:`agents.hybrid` shares (:func:`resolve_unseen`, :func:`entry_of_kind`).

Source: B. Millidge, "Deconfusing Direct vs Amortised Optimisation" (2022).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from numbers import Rational
from typing import Any

import numpy as np

from agents.base import Agent, AgentResult, BaseAgent, Cost, base_policy, check_agent
from agents.training import Dataset, Features, check_training, collect, train_with
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.policy import Policy, uniform_rows
from theory.validation import check_reward_name

__all__ = [
    "FALLBACKS",
    "Dataset",
    "collect",
    "Table",
    "frequency_table",
    "DecisionView",
    "decision_view",
    "entry_of_kind",
    "resolve_unseen",
    "lookup_policy",
    "fallback_info",
    "TabularAmortised",
]

#: The fallbacks of :class:`TabularAmortised` for an observation the dataset never contains.
FALLBACKS: tuple[str, ...] = ("uniform", "base", "nearest", "error")

#: The lookup table: observation -> action -> frequency.
Table = dict[str, dict[str, Fraction | float]]


# -- training: the table of a dataset -------------------------------------------------------


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
class DecisionView:
    """What decision time may see of a test MDP: labels, observations, features, kind, and
    which actions are available in each state (``enabled``, the MDP's mask).

    An amortised agent (the lookup table here, the value table of :mod:`agents.hybrid`) reads
    only this of the MDP it acts in: never its rewards, transitions or initial distribution.
    Source: Millidge (2022) (an amortised optimiser only evaluates what it learned).

    >>> from theory.examples import two_state
    >>> decision_view(two_state()).observations
    ('s0', 's1')
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    observations: tuple[str, ...]
    features: np.ndarray | None
    exact: bool
    enabled: np.ndarray


def decision_view(mdp: FiniteMDP, dataset: Dataset | None = None) -> DecisionView:
    """The :class:`DecisionView` of ``mdp`` (its labels, observations, features and kind).

    With the ``dataset`` of a soft teacher (``dataset.float_teacher``: a float policy learned on
    an exact MDP) the view's kind is float: the amortised policy is float by nature, as the
    teacher's is (the exception of :mod:`agents.soft`).

    >>> from theory.examples import two_state
    >>> decision_view(two_state(), collect("boltzmann", two_state())).exact
    False
    """
    exact = mdp.exact and not (dataset is not None and dataset.float_teacher)
    return DecisionView(mdp.states, mdp.actions, mdp.observation_labels, mdp.features, exact, mdp.enabled)


def entry_of_kind(value: Any, exact: bool, field: str) -> Any:
    """A learned table entry in the test MDP's kind: a Fraction on an exact MDP (a float entry,
    learned on a float MDP, is refused), a float otherwise.

    >>> entry_of_kind(Fraction(1, 2), False, "table['s0']['go']")
    0.5
    >>> entry_of_kind(0.5, True, "table['s0']['go']")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: table['s0']['go'] is the float 0.5 (trained on a float MDP) but the MDP is exact; train on an exact MDP or convert the test MDP with to_float()
    """
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


def resolve_unseen(
    view: DecisionView,
    seen: Callable[[str], bool],
    fallback: str,
    candidates: Features | None,
) -> tuple[dict[int, str], dict[int, str], int]:
    """For every state whose observation is unseen: the fallback it uses and, for "nearest",
    the observation it borrows; with the number of distance computations.

    ``seen`` tells whether the table holds an observation; ``fallback`` "error" raises on the
    first unseen observation; "nearest" borrows the seen observation whose training feature
    vector (in ``candidates``) is nearest to the state's (Euclidean, ties: smallest label),
    each distance computed counting one; any other fallback is recorded as it is.
    Source: Millidge (2022) (an amortised optimiser off its training distribution).

    >>> from theory.examples import two_state
    >>> resolve_unseen(decision_view(two_state()), {"s0"}.__contains__, "uniform", None)
    ({1: 'uniform'}, {}, 0)
    """
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


def lookup_policy(
    table: Table,
    dataset: Dataset,
    view: DecisionView,
    fallback: str,
    base: Callable[[], tuple[np.ndarray, Cost]] | None,
) -> tuple[Policy, Cost, dict[str, Any]]:
    """Decision time: the policy of ``table`` on the states of ``view`` (labels only), with
    ``fallback`` for an unseen observation (``base`` gives the base rows and their cost, for
    "base"); the policy, the decision cost (S lookups + distance computations + the base's)
    and the :func:`fallback_info`. Shared by :class:`TabularAmortised` and
    :class:`agents.qlearning.QLearning`."""
    if set(dataset.actions) != set(view.actions):
        raise InvalidArgument(
            f"the MDP's actions {list(view.actions)} differ from the training actions {list(dataset.actions)}; "
            "actions are matched by label"
        )
    seen = table.__contains__
    used, borrowed, distances = resolve_unseen(view, seen, fallback, dataset.features)
    S, A = len(view.states), len(view.actions)
    probs = np.empty((S, A), dtype=object if view.exact else np.float64)
    base_cost = Cost()
    base_rows: np.ndarray | None = None
    for s, obs in enumerate(view.observations):
        if s in used and used[s] in ("uniform", "base"):
            if used[s] == "uniform":  # over the state's enabled actions
                probs[s] = uniform_rows(view.enabled[s:s + 1], view.exact)[0]
                continue
            if base_rows is None:
                if base is None:
                    raise InvalidArgument("fallback 'base' needs a base agent; pass base=...")
                base_rows, base_cost = base()
            probs[s] = base_rows[s]
            continue
        row = table[borrowed.get(s, obs)]
        for a, action in enumerate(view.actions):
            probs[s, a] = entry_of_kind(row[action], view.exact, f"table[{obs!r}][{action!r}]")
            if probs[s, a] != 0 and not view.enabled[s, a]:
                raise InvalidArgument(
                    f"table[{obs!r}] puts probability {format_number(probs[s, a])} on {action!r}, which is "
                    f"disabled in state {view.states[s]!r} of this MDP")
    policy = Policy(probs, view.states, view.actions)
    cost = Cost(decision=base_cost.decision, lookups=S + distances + base_cost.lookups)
    return policy, cost, fallback_info(view, used, borrowed, distances)


def fallback_info(
    view: DecisionView, used: Mapping[int, str], borrowed: Mapping[int, str], distances: int
) -> dict[str, Any]:
    """The ``info`` entries of the fallbacks of :func:`resolve_unseen`, by state label:
    ``unseen``, ``fallback`` (state -> fallback used), ``nearest`` (state -> borrowed
    observation) and ``distance_computations``.

    >>> from theory.examples import two_state
    >>> fallback_info(decision_view(two_state()), {1: "uniform"}, {}, 0)["fallback"]
    {'s1': 'uniform'}
    """
    return {
        "unseen": tuple(view.states[s] for s in used),
        "fallback": {view.states[s]: f for s, f in used.items()},
        "nearest": {view.states[s]: o for s, o in borrowed.items()},
        "distance_computations": distances,
    }


# -- the agent ------------------------------------------------------------------------------


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

    Any registered agent can teach (:func:`agents.training.run_teacher`): a quantiliser's clone
    is an *amortised quantiliser* (in the infinite-data limit it plays the quantiliser's policy
    on every state the training distribution visits); a time-dependent teacher is cloned by the
    law of its actions at each state over its own trajectories (:func:`agents.training.teacher_rows`);
    a policy quantiliser's mixture by its occupancy twin; a soft teacher (float on an exact MDP)
    gives a float table and policy. The trajectory quantiliser, whose behaviour is a law over
    returns with no action law per state, is refused in one line.

    Decision time: each state s of the MDP plays :math:`g(obs(s))` — one table lookup per
    state. Only the MDP's state, action and observation labels and its features are read,
    never its rewards, transitions or initial distribution (``run`` does not even check the
    objective's name on it when ``train`` is given). Actions are matched by label. The policy
    is of the MDP's kind (exact frequencies on an exact MDP; with samples, exact count ratios;
    float for a soft teacher).
    An observation absent from the dataset uses ``fallback`` (see Parameters).

    Cost: ``training`` = the teacher's Q-value evaluations, ``teacher_calls`` = 1, ``samples`` =
    n (infinite-data limit: the number of distinct weighted pairs); ``lookups`` = S + distance
    computations; ``decision`` = 0 (plus the base agent's, when used). ``info`` holds
    ``unseen`` (state labels), ``fallback`` (state -> fallback used), ``nearest`` (state ->
    borrowed observation), the ``dataset`` and the ``table``.

    Source: Millidge (2022), "Deconfusing Direct vs Amortised Optimisation".

    Parameters
    ----------
    teacher
        The agent whose decisions are cloned: an Agent or a registered SPEC (default "argmax").
    train
        The training MDP (default: the MDP the agent is run on).
    samples
        Number of sampled (state, action) pairs, an int >= 1; None for the exact infinite-data
        limit (every state of the training distribution weighted by its probability).
    seed
        Seed (an int >= 0) of the samples.
    fallback
        The row of an observation the dataset never contains: "uniform" (uniform over the
        state's enabled actions); "base" (the ``base`` agent's policy at that state, time 0 if
        it is time-dependent; computing it may read the whole MDP, and its cost is added to the
        decision cost, only when some observation is unseen); "nearest" (the row of the seen
        observation whose training state has the nearest ``features`` vector, Euclidean, ties
        to the smallest label; needs features on both MDPs; each distance counts one lookup);
        "error" (an InvalidArgument naming the unseen observation).
    base
        The agent (an Agent or registered SPEC) whose policy the "base" fallback plays.
    objective
        The reward the teacher pursues (default: the one the agent is run for).
    states
        The training state distribution: a sequence or {state: probability} mapping (default:
        the teacher's normalised discounted visitation).

    Examples
    --------
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
        check_training(self, FALLBACKS)
        if self.base is not None:
            check_agent(self.base, "base")
        if self.fallback == "base" and self.base is None:
            raise InvalidArgument("fallback is 'base' but no base agent is given; pass base=...")
        check_reward_name(self.objective)

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

        policy, decision, info = lookup_policy(
            table, dataset, decision_view(mdp, dataset), self.fallback, base_rows if self.base is not None else None
        )
        cost = Cost(
            decision=decision.decision,
            lookups=decision.lookups,
            training=dataset.training_cost,
            teacher_calls=dataset.teacher_calls,
            samples=dataset.samples if dataset.samples is not None else len(dataset.pairs),
        )
        return AgentResult(behaviour=policy, cost=cost, info={**info, "dataset": dataset, "table": table})
