"""Model-free RL: an amortised agent trained from reward by tabular Q-learning.

Where :class:`~agents.amortised.TabularAmortised` imitates a teacher, :class:`QLearning` is
trained from reward alone: it samples transitions of the training MDP under an epsilon-greedy
exploration policy, updates a table Q(observation, action) towards the sampled Bellman
optimality targets, and keeps the greedy table. At decision time it only looks its table up by
observation (the :class:`~agents.amortised.DecisionView` of the test MDP), with the fallbacks of
:class:`~agents.amortised.TabularAmortised` for unseen observations.

The Q-table is float: learning from samples is float by nature (sample means of sampled
targets). The policy it returns is of the MDP's kind — uniform over the greedy set, with exact
probabilities 1/k on an exact MDP — so the workbench evaluates it exactly.

Source: C. J. C. H. Watkins and P. Dayan, "Q-learning", Machine Learning 8 (1992); B. Millidge,
"Deconfusing Direct vs Amortised Optimisation" (2022) (model-free RL as amortised optimisation).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from agents.amortised import FALLBACKS, Table, lookup_policy, decision_view
from agents.base import Agent, AgentResult, BaseAgent, Cost, add_costs, base_policy, check_agent, resolve_objective
from agents.training import Dataset, contributing_features, sampling_rng
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import argmax_sets
from theory.validation import check_choice, check_count, check_instance, check_probability, check_rate, check_reward_name

__all__ = ["STARTS", "QTable", "target", "q_learning", "greedy_tables", "QLearning"]

#: Where training episodes start: the initial distribution, or uniformly over the states.
STARTS: tuple[str, ...] = ("initial", "uniform")

#: Uniform numbers drawn per sample: explore?, which action, successor, restart?, next initial state.
_DRAWS_PER_SAMPLE = 5
#: Samples drawn from the generator at once (the stream is the same for any block size).
_BLOCK = 4096


@dataclasses.dataclass(frozen=True)
class QTable:
    """The result of :func:`q_learning`: a float Q-table by (step, observation, action).

    - ``q``: (T, O, A) float64, T = H for a finite horizon (``q[t]`` the table of step t), 1
      for a discounted model; O = the distinct observations of the training MDP, in order.
    - ``visits``: (T, O, A) int, the number of updates of each entry (an entry never updated
      keeps its initial value 0 and is not used by the greedy table).
    - ``observations``, ``actions``: labels of the axes; ``samples``: sampled transitions (one
      update each); ``seed``: the seed used (None for a Generator); ``objective``: the reward.

    >>> from theory.examples import two_state
    >>> table = q_learning(two_state(), "proxy", 10, 1, 0)
    >>> table.q.shape, int(table.visits.sum())
    ((1, 2, 2), 10)
    """

    q: np.ndarray
    visits: np.ndarray
    observations: tuple[str, ...]
    actions: tuple[str, ...]
    objective: str
    samples: int
    seed: int | None = None


def _pick(cdf: list[float], last: int, u: float) -> int:
    """The first index whose cumulative probability exceeds u (capped at the last positive one)."""
    return min(int(np.searchsorted(cdf, u, side="right")), last)


def _sampler(mdp: FiniteMDP, starts: str = "initial") -> tuple[list, tuple[list[float], int]]:
    """Per (s, a): (successor indices, cumulative float probabilities, last index); and the
    cumulative start distribution (the initial one, or uniform over the states for
    ``starts="uniform"``) with its last positive index."""
    succ = [
        [([j for j, _ in row], np.cumsum([float(p) for _, p in row]).tolist(), len(row) - 1) for row in rows]
        for rows in mdp.successors
    ]
    init = [float(p) for p in mdp.initial] if starts == "initial" else [1.0 / mdp.S] * mdp.S
    last = max(i for i, p in enumerate(init) if p > 0)
    return succ, (np.cumsum(init).tolist(), last)


def target(reward: Any, gamma: Any, next_row: Any, enabled_next: Sequence[int], last: bool) -> Any:
    """The sampled Bellman target of a Q-learning update after (s, a) -> s':
    :math:`y = r(s, a) + \\gamma \\max_{a' \\in A(s')} Q_{t'}(o', a')`, or y = r(s, a) at the
    last step of a finite horizon (``last``). ``next_row`` is :math:`Q_{t'}(o', \\cdot)`,
    ``enabled_next`` the enabled actions of s'. Exact on Fractions, float on floats: the
    theorem suite checks that the exact Q* is its fixed point in expectation.

    Source: Watkins and Dayan (1992), eq. (1).

    >>> from fractions import Fraction
    >>> target(Fraction(1), Fraction(1, 2), [Fraction(3), Fraction(5)], [0], False)
    Fraction(5, 2)
    """
    if last:
        return reward
    return reward + gamma * max(next_row[b] for b in enabled_next)


def q_learning(
    train: FiniteMDP, objective: str, samples: int, epsilon: Any, seed: int | np.random.Generator,
    rate: Any = 1, starts: str = "initial",
) -> QTable:
    """Tabular Q-learning from ``samples`` sampled transitions of ``train`` under ``objective``.

    Exploration: the generator (``numpy.random.default_rng(seed)``) first draws one uniform
    u for the first initial state s ~ ``train.initial``, then five uniforms per sample
    (u_e, u_a, u_s, u_r, u_i). In state s (observation o, step t) the action is epsilon-greedy
    over the enabled actions :math:`A(s)`: uniform (the ``floor(u_a k)``-th of the k enabled
    actions, in order) when :math:`u_e < \\epsilon`, else the first enabled action maximising
    :math:`Q_t(o, \\cdot)`. The successor s' ~ P(. | s, a) is drawn with u_s (inverse CDF);
    the reward is r(s, a) of ``objective``. Update, with the visit count n of (t, o, a)
    after this visit and learning rate :math:`1/n^\\omega` with :math:`\\omega` = ``rate`` (the
    default 1 makes each entry the running mean of its targets):

    .. math:: Q_t(o, a) \\leftarrow Q_t(o, a) + \\frac{1}{n^\\omega}\\big(y - Q_t(o, a)\\big),\\quad
       y = r(s, a) + \\gamma \\max_{a' \\in A(s')} Q_{t'}(o', a')

    (Q initialised to 0). Episodes: discounted, the next state is s' except with probability
    :math:`1 - \\gamma` (when :math:`u_r < 1 - \\gamma`) the episode restarts from a fresh
    initial state drawn with u_i (the target always bootstraps: the restart is how sampling
    follows the discounted visitation, not a termination); finite horizon H, Q is
    time-indexed (t' = t + 1, :math:`\\gamma = 1`, y = r(s, a) at t = H - 1) and every episode
    is H steps from a fresh initial state (u_r unused). ``starts="uniform"`` draws every
    episode's first state uniformly from all states instead of from ``train.initial``
    (*exploring starts*, Sutton and Barto 2018, section 5.3), so that states the initial
    distribution rarely leads to are learned too. Observations shared by several states
    are learned as one entry (Q-learning on the observation process).

    With :math:`\\omega = 1` the bias of an estimate decays only like :math:`n^{-(1-\\gamma)}`, so
    convergence takes a number of samples exponential in :math:`1/(1-\\gamma)`; a polynomial rate
    :math:`\\omega \\in (1/2, 1)` converges polynomially (Even-Dar and Mansour 2003, Theorems 2
    and 4; they find :math:`\\omega \\approx 0.85` best in their experiments).

    Source: Watkins and Dayan (1992), "Q-learning"; Even-Dar and Mansour (2003), "Learning
    rates for Q-learning", JMLR 5.

    >>> from theory.examples import two_state
    >>> q_learning(two_state(), "proxy", 2, 1, 0).q[0].tolist()
    [[0.0, 0.5], [0.0, 0.0]]
    """
    check_instance(train, FiniteMDP, "train")
    n, rng, seed_used = sampling_rng(samples, seed)
    eps = float(epsilon)
    omega = float(check_rate(rate))
    r = train.reward(objective).astype(np.float64).tolist()
    obs = train.observation_labels
    observations = tuple(dict.fromkeys(obs))
    oidx = [observations.index(o) for o in obs]
    enabled = [train.enabled_actions(s) for s in range(train.S)]
    succ, (init_cdf, init_last) = _sampler(train, check_choice(starts, "starts", STARTS))
    H = train.horizon
    gamma = 1.0 if H is not None else float(train.discount)
    q = np.zeros((H or 1, len(observations), train.A))
    visits = np.zeros(q.shape, dtype=np.int64)
    s, t, done = _pick(init_cdf, init_last, float(rng.random())), 0, 0
    while done < n:
        for ue, ua, us, ur, ui in rng.random((min(_BLOCK, n - done), _DRAWS_PER_SAMPLE)).tolist():
            acts, row = enabled[s], q[t, oidx[s]]
            if ue < eps:
                a = acts[min(int(ua * len(acts)), len(acts) - 1)]
            else:
                a = max(acts, key=lambda b: (row[b], -b))
            nexts, cdf, last = succ[s][a]
            s2, t2 = nexts[_pick(cdf, last, us)], (t + 1 if H is not None else 0)
            y = target(r[s][a], gamma, q[t2 if t2 != H else t, oidx[s2]], enabled[s2], t2 == H)
            visits[t, oidx[s], a] += 1
            k = visits[t, oidx[s], a]
            row[a] += (y - row[a]) / (k if omega == 1.0 else k ** omega)
            if (t2 == H) if H is not None else ur < 1.0 - gamma:
                s, t = _pick(init_cdf, init_last, ui), 0
            else:
                s, t = s2, t2
        done += min(_BLOCK, n - done)
    return QTable(q, visits, observations, train.actions, objective, n, seed_used)


def greedy_tables(table: QTable) -> list[Table]:
    """Per step t, the lookup table observation -> action -> probability: uniform (exact 1/k)
    over the greedy set of :math:`Q_t(o, \\cdot)` among the actions updated at least once (an
    action never tried has no estimate), for every observation updated at step t; ties within
    the float tolerance of :func:`theory.solvers.argmax_sets` (exact ties for a table of
    Fractions).

    Source: Watkins and Dayan (1992) (the greedy policy of the learned Q).

    >>> from theory.examples import two_state
    >>> greedy_tables(q_learning(two_state(), "proxy", 2, 1, 0))[0]["s0"]
    {'stay': Fraction(0, 1), 'go': Fraction(1, 1)}
    """
    out: list[Table] = []
    exact = table.q.dtype == object  # an exact table (Fractions): exact argmax sets
    for q_t, n_t in zip(table.q, table.visits):
        step: Table = {}
        for o, label in enumerate(table.observations):
            tried = np.flatnonzero(n_t[o] > 0).tolist()
            if not tried:
                continue
            best = [tried[i] for i in argmax_sets(q_t[o][tried][None, :], exact)[0]]
            step[label] = {a: Fraction(int(i in best), len(best)) for i, a in enumerate(table.actions)}
        out.append(step)
    return out


def _visit_dataset(table: QTable, train: FiniteMDP) -> Dataset:
    """The exploration's (observation, action, visit count) pairs as a Dataset (what the
    lookup and its fallbacks read: the action labels and the visited states' features)."""
    counts = table.visits.sum(axis=0)
    pairs = [
        (o, a, int(counts[i, j]))
        for i, o in enumerate(table.observations)
        for j, a in enumerate(table.actions)
        if counts[i, j] > 0
    ]
    visited_obs = {o for o, _, _ in pairs}
    visited = [s for s in range(train.S) if train.observation_labels[s] in visited_obs]
    return Dataset(
        pairs=tuple(pairs), actions=table.actions, teacher="epsilon-greedy exploration",
        objective=table.objective, train_size=(train.S, train.A), samples=table.samples,
        seed=table.seed, teacher_calls=0, training_cost=table.samples,
        features=contributing_features(train, visited),
    )


@dataclasses.dataclass(frozen=True, repr=False)
class QLearning(BaseAgent):
    """Model-free RL: tabular Q-learning on the training MDP, then a lookup of its greedy table.

    Training (``run`` does it on every call; nothing is stored on the agent):
    :func:`q_learning` on ``train`` for ``objective`` from ``samples`` sampled transitions,
    epsilon-greedy over the enabled actions, episodes restarting from the initial distribution
    (discounted: with probability 1 - gamma after each step; finite horizon H: after H steps),
    learning rate 1/n(t, o, a)**``rate``; :func:`greedy_tables` turns the float Q-table into the lookup
    table(s) of the greedy policy.

    Decision time: each state s plays the greedy row of its observation (one lookup per state
    and step), exact 1/k on an exact MDP; unseen observations use ``fallback`` exactly as in
    :class:`~agents.amortised.TabularAmortised`. Finite horizon H: the table is time-indexed, the policy is (H, S, A), and an
    observation unseen at step t uses the fallback at step t ("base": the base policy's row at
    step t).

    Cost: ``samples`` = ``training`` = the number of sampled transitions (one Q update, a
    sampled Bellman backup of one (observation, action) pair, each); ``teacher_calls`` = 0;
    ``lookups`` = S per step (+ distance computations); ``decision`` = 0 (plus the base
    agent's, when used). ``info``: ``q_table`` (the :class:`QTable`), ``table`` (the greedy
    tables, one per step), ``dataset`` (the visit counts) and the fallback entries (``unseen``
    etc., of step 0 for a finite horizon; ``unseen_by_step`` for every step).

    Convergence: with every (s, a) updated infinitely often and rates whose sum diverges and
    whose squares sum (any ``rate`` here), Q converges to Q* almost surely (Watkins and Dayan
    1992). The theorem ``q_learning_limit_is_the_argmax`` of the suite checks, exactly against
    the solver, that Q* is the fixed point in expectation of :func:`target` and that
    :func:`greedy_tables` of Q* is the argmax; tests/test_qlearning.py checks that finite runs
    with epsilon > 0, a full-support initial distribution and enough samples reach the argmax
    wherever it is unique.

    Source: Watkins and Dayan (1992), "Q-learning"; Millidge (2022).

    Parameters
    ----------
    samples : int
        The number of sampled transitions (Q updates) of training, an int >= 1.
    epsilon
        The exploration probability in [0, 1]: with probability epsilon a uniform enabled
        action, else the first greedy one (read as a float by the sampler).
    seed : int
        The seed (an int >= 0) of ``numpy.random.default_rng`` that draws every sample.
    train
        The training MDP: None (the MDP given to ``run``) or a FiniteMDP; a finite-horizon
        ``train`` must have the horizon of the MDP it is run on.
    fallback
        The policy row of an observation the Q-table never saw: "uniform" (over the state's
        enabled actions), "base" (the base agent's row; needs ``base``), "nearest" (the seen
        observation whose training state has the nearest ``features``) or "error".
    base
        None, or the Agent or registered agent name (or SPEC) whose policy the "base"
        fallback plays; run on the MDP given to ``run``, once, its cost added.
    objective
        The reward learned from: None (the objective given to ``run``; "proxy" by default) or
        a reward name of the training MDP.
    rate
        The exponent omega of the learning rate 1/n**omega of an entry visited n times, in
        (1/2, 1]: 1 (the running mean, Watkins and Dayan) or a polynomial rate such as 4/5,
        which needs far fewer samples when the discount is near 1 (Even-Dar and Mansour 2003).
    starts
        Where each training episode starts: "initial" (drawn from the training MDP's initial
        distribution) or "uniform" (uniformly over its states: exploring starts).

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = QLearning(samples=200).run(two_state())
    >>> result.policy.as_dict(), result.cost.samples, result.cost.lookups
    ({'s0': {'go': '1'}, 's1': {'stay': '1'}}, 200, 2)
    """

    samples: int = 2000
    epsilon: Fraction | float = Fraction(1, 2)
    seed: int = 0
    train: FiniteMDP | None = None
    fallback: str = "uniform"
    base: Agent | str | None = None
    objective: str | None = None
    rate: Fraction = Fraction(1)
    starts: str = "initial"
    name: str = "q-learning"

    def __post_init__(self) -> None:
        object.__setattr__(self, "samples", check_count(self.samples, "samples", 1))
        object.__setattr__(self, "seed", check_count(self.seed, "seed", 0))
        object.__setattr__(self, "epsilon", check_probability(self.epsilon, "epsilon"))
        object.__setattr__(self, "rate", check_rate(self.rate))
        check_choice(self.starts, "starts", STARTS, listing="one of")
        if self.train is not None:
            check_instance(self.train, FiniteMDP, "train")
        check_choice(self.fallback, "fallback", FALLBACKS, listing="one of")
        if self.base is not None:
            check_agent(self.base, "base")
        if self.fallback == "base" and self.base is None:
            raise InvalidArgument("fallback is 'base' but no base agent is given; pass base=...")
        check_reward_name(self.objective)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Learn on ``train`` (or ``mdp``), then look up each state's observation in ``mdp``."""
        train = mdp if self.train is None else self.train
        reward = resolve_objective(train, self.objective if self.objective is not None else objective)
        if train.horizon is not None and mdp.horizon != train.horizon:
            raise InvalidArgument(
                f"train has the horizon {train.horizon} but the MDP has {mdp.horizon!r}; "
                "a time-indexed Q-table fits only its own horizon")
        qtable = q_learning(train, reward, self.samples, self.epsilon, self.seed, self.rate, self.starts)
        tables = greedy_tables(qtable)
        dataset = _visit_dataset(qtable, train)
        view = decision_view(mdp)
        cache: list[tuple[Policy, Cost]] = []

        def base_rows_at(t: int) -> Callable[[], tuple[np.ndarray, Cost]] | None:
            def rows() -> tuple[np.ndarray, Cost]:  # the base agent runs once; its cost counts once
                first = not cache
                if first:
                    cache.append(base_policy(mdp, objective, self.base))
                return cache[0][0].at(t), cache[0][1] if first else Cost()
            return rows if self.base is not None else None

        steps = [lookup_policy(tables[t], dataset, view, self.fallback, base_rows_at(t)) for t in range(len(tables))]
        return self._result(steps, qtable, tables, dataset)

    def _result(self, steps: list, qtable: QTable, tables: list[Table], dataset: Dataset) -> AgentResult:
        """Assemble the policy (stationary or (H, S, A)), the cost and the info of the steps."""
        policies = [p for p, _, _ in steps]
        if len(policies) == 1:
            policy = policies[0]
        else:
            policy = Policy(np.stack([p.probs for p in policies]), policies[0].states, policies[0].actions)
        decision = add_costs(*(c for _, c, _ in steps))
        cost = Cost(decision=decision.decision, lookups=decision.lookups, training=qtable.samples,
                    teacher_calls=0, samples=qtable.samples)
        info = {**steps[0][2], "unseen_by_step": tuple(i["unseen"] for _, _, i in steps),
                "q_table": qtable, "table": tables, "dataset": dataset}
        return AgentResult(behaviour=policy, cost=cost, info=info)
