"""Quantilisers (Taylor 2016): sample from the top q of a base distribution, ranked by the objective.

A q-quantiliser does not maximise: given a base distribution :math:`\\gamma` over outcomes, a
utility U and :math:`q \\in (0, 1]`, it keeps the top q of the base mass under U and
renormalises it. Its density ratio to the base is at most 1/q, so for every cost
:math:`c \\ge 0`, :math:`E_{Q_q}[c] \\le E_\\gamma[c] / q` (Taylor's cost lemma); among all
distributions with that density bound it maximises :math:`E[U]`.

Three sequential versions on a FiniteMDP, all computed exactly on exact input:

- :class:`TimestepQuantiliser` ("quantiliser"): at every state (and step) quantilise the base
  policy's actions ranked by the optimal Q-values :math:`Q^*` of the objective; a Markov policy.
- :class:`TrajectoryQuantiliser` ("trajectory-quantiliser"): quantilise whole trajectories of
  the base policy ranked by their objective return (finite horizons); not Markov, so it returns
  a :class:`TrajectoryQuantilisation` behaviour holding the exact law of the returns.
- :class:`PolicyQuantiliser` ("policy-quantiliser"): quantilise the deterministic policies under
  a base distribution over them, ranked by their exact objective return; a
  :class:`PolicyMixture` behaviour.

Source: J. Taylor, "Quantilizers: A Safer Alternative to Maximizers for Limited Optimization",
AAAI Workshop on AI, Ethics, and Society (2016). Kosoy's quantilal control of finite MDPs (a
linear program over occupancy measures, not an enumeration of policies) is
:mod:`agents.quantilal`.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any

import numpy as np

from agents.base import AgentResult, BaseAgent, BaseSpec, Cost, add_costs, base_policy, check_base, resolve_objective
from agents.direct import planning_cost
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, occupancy, return_distribution
from theory.mdp import FiniteMDP
from theory.numbers import Number, coerce_array, format_number, zeros_like_kind
from theory.policy import Policy, uniform_rows
from theory.polytope import deterministic_policies
from theory.solvers import solve
from theory.selection import peak_q, quantilise, quantiliser_returns
from theory.validation import TieRule, check_distribution_rows, check_positive_int, check_q, check_tie

__all__ = [
    "QuantiliserTie",
    "PolicyKey",
    "quantilise",
    "quantiliser_returns",
    "peak_q",
    "TimestepQuantiliser",
    "TrajectoryQuantiliser",
    "TrajectoryQuantilisation",
    "PolicyQuantiliser",
    "PolicyMixture",
]

#: How the boundary mass is shared among outcomes tied at the boundary utility level, in the one
#: tie vocabulary (theory.validation.TIE_RULES): "uniform" (in proportion to their base mass; the
#: symmetric rule), "first" / "last" (filled in ascending / descending index order, i.e. ties
#: broken by a fixed total order, as in Taylor's definition with an order).
QuantiliserTie = TieRule

#: A base given to a sequential quantiliser: None (uniform), an Agent, a registered agent name
#: (or SPEC), or a Policy used as is.

PolicyKey = tuple


# -- helpers shared by the agents -------------------------------------------------------------


def _mdp_q(q: Any, mdp: FiniteMDP) -> Fraction | float:
    """q of the MDP's kind; a float q on an exact MDP is refused (it would make the result float)."""
    if isinstance(q, (float, np.floating)) and mdp.exact:
        raise InvalidArgument(
            f"q is the float {float(q)!r} but the MDP is exact; give it as a Fraction (e.g. \"1/10\")"
        )
    return check_q(q, mdp.exact)


def _plain(x: Any, exact: bool) -> Number:
    """A Fraction as is; a numpy float as a Python float (for readable dicts)."""
    return x if exact else float(x)


def _quantilise_rows(base: np.ndarray, q_values: np.ndarray, q: Any, tie: QuantiliserTie) -> np.ndarray:
    """Row-wise :func:`quantilise` of a (S, A) base policy ranked by (S, A) Q-values."""
    out = np.empty(base.shape, dtype=base.dtype)
    for s in range(base.shape[0]):
        out[s] = quantilise(base[s], q_values[s], q, tie)
    return out


# -- per-timestep quantiliser -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False)
class TimestepQuantiliser(BaseAgent):
    """Quantilise the base policy's actions at every state, ranked by the optimal Q-values.

    At state s (and step t of a finite horizon), with base policy :math:`\\pi_0(\\cdot \\mid s)`
    and the optimal Q-values :math:`Q^*_t(s, \\cdot)` of the objective reward,

    .. math:: \\pi_t(\\cdot \\mid s) = \\mathrm{quantilise}(\\pi_0(\\cdot \\mid s), Q^*_t(s, \\cdot), q)

    (see :func:`quantilise`). Discounted MDPs give a stationary (S, A) policy; finite horizons
    a time-dependent (H, S, A) one. On a one-shot problem (horizon 1) :math:`Q^*_0 = r`, so this
    is exactly the action quantiliser of every context. q = 1 gives the base policy; small q
    the base restricted to the argmax set (with a uniform base and ``tie="uniform"``:
    ``Argmax(tie="uniform")``; with ``tie="first"``: ``Argmax(tie="first")``).

    Decision-time cost: the Q-value evaluations of the exact solve, iterations * S * A (as
    :class:`~agents.direct.Argmax`), plus the base agent's cost; the per-state sorting is not
    counted.

    Source: Taylor (2016), section 3 (quantilisation of actions); applied per time step with
    :math:`Q^*` as the utility, one of the sequential variants discussed there.

    Parameters
    ----------
    q
        The top fraction of the base policy kept, in (0, 1]; exact (int, Fraction, "p/q") for
        an exact MDP, a float on a float MDP only.
    base
        The base policy: None (uniform), an Agent or registered agent name (run on the same
        MDP and objective), or a Policy.
    tie
        How actions tied in Q* at the quantile boundary share its mass: "uniform" (symmetric),
        "first" / "last" (filled in ascending / descending index order).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> pi = TimestepQuantiliser(F(3, 4)).policy(two_state())
    >>> pi.as_dict()
    {'s0': {'stay': '1/3', 'go': '2/3'}, 's1': {'stay': '2/3', 'go': '1/3'}}
    """

    q: Number | int = Fraction(1, 10)
    base: BaseSpec = None
    tie: QuantiliserTie = "uniform"
    name: str = "quantiliser"

    def __post_init__(self) -> None:
        check_q(self.q)
        check_base(self.base)
        check_tie(self.tie)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Solve for :math:`Q^*` of ``objective`` and quantilise the base policy state by state."""
        objective = resolve_objective(mdp, objective)
        q = _mdp_q(self.q, mdp)
        pi0, base_cost = base_policy(mdp, objective, self.base)
        sol = solve(mdp, objective)
        if mdp.horizon is None:
            probs = _quantilise_rows(pi0.probs, sol.q_values, q, self.tie)
        else:
            probs = np.empty((mdp.horizon, mdp.S, mdp.A), dtype=object if mdp.exact else np.float64)
            for t in range(mdp.horizon):
                probs[t] = _quantilise_rows(pi0.at(t), sol.q_values[t], q, self.tie)
        return AgentResult(
            behaviour=Policy(probs, mdp.states, mdp.actions),
            cost=add_costs(Cost(decision=planning_cost(mdp, sol.iterations)), base_cost),
            info={"objective": objective, "q": q, "q_values": sol.q_values, "solution": sol,
                  "base_policy": pi0},
        )


# -- trajectory quantiliser -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class TrajectoryQuantilisation:
    """What a trajectory quantiliser induces on one finite-horizon MDP: the exact joint law of
    the returns of all rewards (in ``reward_names`` order), and the base's law it came from.

    ``law`` and ``base_law`` map tuples of returns to probabilities (zero entries dropped, keys
    ascending). Its density ratio to the base depends on the objective return only, so
    trajectory-level quantities (the KL divergence from the base) are computed on these laws.

    Source: Taylor (2016), quantilisation over the outcomes (trajectories) of a base policy.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> m = two_state().replace(discount=None, horizon=1)
    >>> b = TrajectoryQuantiliser(F(1, 2)).policy(m)
    >>> b.expected_return("proxy"), b.return_distribution()
    (Fraction(1, 2), {(Fraction(0, 1), Fraction(1, 2)): Fraction(1, 1)})
    """

    reward_names: tuple[str, ...]
    objective: str
    q: Number
    law: Mapping[tuple, Number]
    base_law: Mapping[tuple, Number]
    exact: bool

    def _index(self, reward: str) -> int:
        if reward not in self.reward_names:
            known = ", ".join(repr(k) for k in self.reward_names)
            raise InvalidArgument(f"reward {reward!r} is not in this MDP (it has {known})")
        return self.reward_names.index(reward)

    def expected_return(self, reward: str) -> Number:
        """:math:`E[\\text{return of } reward]` under the quantiliser, exact on exact input."""
        i = self._index(reward)
        total = sum((p * key[i] for key, p in self.law.items()), Fraction(0) if self.exact else 0.0)
        return total if self.exact else float(total)

    def return_distribution(self, reward: str | None = None) -> dict[Any, Number]:
        """The joint law ``{(return_1, ..., return_k): p}`` over all rewards (``reward_names``
        order), or with ``reward`` the marginal law ``{return: p}`` of one of them."""
        if reward is None:
            return dict(self.law)
        return _marginal(self.law, (self._index(reward),), self.exact, scalar=True)

    def objective_true_distribution(self) -> dict[tuple[Number, Number], Number]:
        """The joint law ``{(objective return, true return): p}``; needs a "true" reward."""
        if "true" not in self.reward_names:
            known = ", ".join(repr(k) for k in self.reward_names)
            raise InvalidArgument(f"this MDP has no 'true' reward (it has {known})")
        return _marginal(self.law, (self._index(self.objective), self._index("true")), self.exact)

    def kl_from_base(self) -> float:
        """:math:`KL(Q \\| \\text{base})` over trajectories, in nats (float). The density ratio
        is a function of the objective return, so it equals the KL between the return laws;
        at most :math:`\\log(1/q)` (Taylor 2016)."""
        return sum(float(p) * math.log(float(p / self.base_law[k])) for k, p in self.law.items() if p != 0)


def _marginal(law: Mapping[tuple, Any], idx: tuple[int, ...], exact: bool, scalar: bool = False) -> dict[Any, Any]:
    out: dict[Any, Any] = defaultdict(lambda: Fraction(0) if exact else 0.0)
    for key, p in law.items():
        k = tuple(key[i] for i in idx)
        out[k[0] if scalar else k] += p
    return {k: out[k] for k in sorted(out) if out[k] != 0}


@dataclasses.dataclass(frozen=True, repr=False)
class TrajectoryQuantiliser(BaseAgent):
    """Quantilise the trajectories of a base policy by their objective return (finite horizon).

    Let :math:`\\tau` range over the trajectories of the base policy :math:`\\pi_0` on a
    finite-horizon MDP, with base probability :math:`P_0(\\tau)` and objective return
    :math:`G(\\tau)`. The trajectory quantiliser is :math:`\\mathrm{quantilise}(P_0, G, q)`
    (:func:`quantilise`) over trajectories. Trajectories with equal objective return are tied
    and share the boundary mass in proportion to their base probability, so the result
    reweights each objective-return level by one factor: quantilising the marginal law of G and
    keeping the conditional law of the other returns within each level is exact. It is
    computed from the base's exact joint return law
    (:func:`theory.evaluation.return_distribution` over all rewards). Not Markov: the behaviour
    is a :class:`TrajectoryQuantilisation`.

    Caution: a trajectory includes the environment's randomness (initial state, transitions),
    and this quantiliser reweights it too -- it is the law of "draw trajectories of the base
    and keep the top q", an idealised selection, not something a policy can enact. With
    stochastic dynamics its objective return can exceed the optimum of every policy (it keeps
    the lucky draws); with a deterministic initial state and deterministic transitions,
    trajectories are action sequences and it is realisable by open-loop plans, so it never
    exceeds the optimum.

    Discounted MDPs are refused.

    Decision-time cost: the (state, accumulated returns) pairs expanded by the forward
    recursion of the return law, one per (pair, action with base probability > 0) at every
    step -- each expansion reads r(s, a) and the successor distribution, the work of one
    Q-value evaluation. It grows with the number of distinct returns, not just S * A * H.
    Plus the base agent's cost.

    Source: Taylor (2016); trajectory-level quantilisation of a base policy as in the
    sequential discussion there.

    Parameters
    ----------
    q
        The top fraction of the base's trajectory mass kept, in (0, 1]; exact (int, Fraction,
        "p/q") for an exact MDP, a float on a float MDP only.
    base
        The base policy: None (uniform), an Agent or registered agent name (run on the same
        MDP and objective, its cost added), or a Markov Policy used as is.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> m = two_state().replace(discount=None, horizon=2)
    >>> result = TrajectoryQuantiliser(F(1, 2)).run(m)
    >>> result.behaviour.expected_return("proxy"), result.behaviour.expected_return("true")
    (Fraction(39, 40), Fraction(9, 20))
    >>> result.cost.decision
    8
    """

    q: Number | int = Fraction(1, 10)
    base: BaseSpec = None
    name: str = "trajectory-quantiliser"

    def __post_init__(self) -> None:
        check_q(self.q)
        check_base(self.base)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The exact law of the returns of the quantilised trajectories."""
        objective = resolve_objective(mdp, objective)
        if mdp.horizon is None:
            raise InvalidArgument(
                "the trajectory quantiliser needs a finite-horizon MDP (this one is discounted, "
                f"discount={format_number(mdp.discount)}); use 'quantiliser' or 'policy-quantiliser'"
            )
        q = _mdp_q(self.q, mdp)
        pi0, base_cost = base_policy(mdp, objective, self.base)
        names = mdp.reward_names
        k = names.index(objective)
        base_law = return_distribution(mdp, pi0, names)
        keys = list(base_law)
        base_probs = np.array([base_law[key] for key in keys], dtype=object if mdp.exact else np.float64)
        utilities = np.array([key[k] for key in keys], dtype=base_probs.dtype)
        probs = quantilise(base_probs, utilities, q)
        law = {key: _plain(p, mdp.exact) for key, p in zip(keys, probs) if p != 0}
        behaviour = TrajectoryQuantilisation(
            reward_names=names,
            objective=objective,
            q=q,
            law=MappingProxyType(law),
            base_law=MappingProxyType(dict(base_law)),
            exact=mdp.exact,
        )
        expanded = _expanded_pairs(mdp, pi0)
        return AgentResult(
            behaviour=behaviour,
            cost=add_costs(Cost(decision=expanded), base_cost),
            info={"objective": objective, "q": q, "base_policy": pi0,
                  "expanded_pairs": expanded},
        )


def _expanded_pairs(mdp: FiniteMDP, pi0: Policy) -> int:
    """The (state, accumulated returns, action) triples the forward recursion of
    :func:`theory.evaluation.return_distribution` expands (over all rewards, under pi0)."""
    rewards = [mdp.rewards[name] for name in mdp.reward_names]
    zero: Any = Fraction(0) if mdp.exact else 0.0
    layer = {(s, tuple(zero for _ in rewards)) for s in range(mdp.S) if mdp.initial[s] != 0}
    T = mdp.transitions
    count = 0
    for t in range(mdp.horizon):
        pi = pi0.at(t)
        nxt = set()
        for s, acc in layer:
            for a in range(mdp.A):
                if pi[s, a] == 0:
                    continue
                count += 1
                if t == mdp.horizon - 1:
                    continue
                acc2 = tuple(x + r[s, a] for x, r in zip(acc, rewards))
                for j in np.flatnonzero(T[s, a] != 0):
                    nxt.add((int(j), acc2))
        layer = nxt
    return count


# -- policy quantiliser -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class PolicyMixture:
    """A mixture of deterministic policies: draw a policy once with probability ``weights[key]``,
    then follow it. Keys are the policies' action labels by state (``('go', 'stay')``), or for
    time-dependent policies one such tuple per step.

    ``returns[key][reward]`` is the exact expected return of each policy in the mixture, so
    :math:`J(\\text{mixture}) = \\sum_k w_k J(\\pi_k)` for every reward.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> mix = PolicyQuantiliser(F(1, 4)).policy(two_state())
    >>> dict(mix.weights), mix.expected_return("true")
    ({('go', 'stay'): Fraction(1, 1)}, Fraction(810, 91))
    """

    mdp: FiniteMDP
    weights: Mapping[PolicyKey, Number]
    returns: Mapping[PolicyKey, Mapping[str, Number]]

    def expected_return(self, reward: str) -> Number:
        """:math:`\\sum_k w_k J_{reward}(\\pi_k)`, exact on exact input."""
        self.mdp.reward(reward)
        total = sum((w * self.returns[k][reward] for k, w in self.weights.items()),
                    Fraction(0) if self.mdp.exact else 0.0)
        return total if self.mdp.exact else float(total)

    def policy(self, key: PolicyKey) -> Policy:
        """The deterministic policy with this key."""
        return _key_policy(self.mdp, key)

    def markov_policy(self) -> Policy:
        """A Markov policy with the same state-action occupancy as the mixture, hence the same
        expected return under every reward: :math:`\\pi(a \\mid s) = d(s, a) / d(s)` from the
        mixture's discounted occupancy (stationary), or per step t from the step-t occupancy
        (finite horizon, shape (H, S, A)); states never reached get the uniform distribution.
        (Expected returns agree; the return *distribution* of a finite horizon may not.)

        Source: Puterman (1994), Theorem 5.5.1; Altman, *Constrained MDPs* (1999), Theorem 3.1.

        >>> from fractions import Fraction as F
        >>> from theory.examples import two_state
        >>> mix = PolicyQuantiliser(F(1, 2)).policy(two_state())
        >>> mix.markov_policy().as_dict()["s0"]
        {'go': '1'}
        """
        mdp = self.mdp
        exact = mdp.exact
        if mdp.horizon is None:
            d = zeros_like_kind((mdp.S, mdp.A), exact)
            for key, w in self.weights.items():
                d = d + w * occupancy(mdp, self.policy(key))
            return Policy(_normalise_rows(d, exact, mdp.enabled), mdp.states, mdp.actions)
        H = mdp.horizon
        d = np.stack([zeros_like_kind((mdp.S, mdp.A), exact) for _ in range(H)])
        for key, w in self.weights.items():
            pi = self.policy(key)
            p = mdp.initial.copy()
            for t in range(H):
                sa = p[:, None] * pi.at(t)
                d[t] = d[t] + w * sa
                p = np.tensordot(sa, mdp.transitions, axes=([0, 1], [0, 1]))
        probs = np.stack([_normalise_rows(d[t], exact, mdp.enabled) for t in range(H)])
        return Policy(probs, mdp.states, mdp.actions)


def _normalise_rows(d: np.ndarray, exact: bool, enabled: np.ndarray) -> np.ndarray:
    """The rows of d normalised; a row of zeros (a state never reached) uniform over the
    state's enabled actions."""
    S, A = d.shape
    out = zeros_like_kind((S, A), exact)
    for s in range(S):
        total = sum(d[s], Fraction(0) if exact else 0.0)
        if total == 0:
            out[s] = uniform_rows(enabled[s:s + 1], exact)[0]
        else:
            out[s] = d[s] / total
    return out


def _policy_key(pi: Policy) -> PolicyKey:
    """A deterministic policy's key: its action labels by state (per step, if time-dependent)."""
    if pi.stationary:
        return pi.action_labels()
    return tuple(pi.action_labels(t) for t in range(pi.probs.shape[0]))


def _key_policy(mdp: FiniteMDP, key: PolicyKey) -> Policy:
    if key and isinstance(key[0], tuple):  # time-dependent
        steps = [Policy.deterministic(mdp, list(k)).probs for k in key]
        return Policy(np.stack(steps), mdp.states, mdp.actions)
    return Policy.deterministic(mdp, list(key))


@dataclasses.dataclass(frozen=True, repr=False)
class PolicyQuantiliser(BaseAgent):
    """Quantilise deterministic policies under a base distribution, ranked by objective return.

    The outcome set is the :math:`A^S` deterministic stationary policies (discounted or finite
    horizon), or with ``time_dependent=True`` the :math:`A^{SH}` deterministic Markov policies
    of a finite horizon. With base weights :math:`\\nu(\\pi)` (uniform when ``base_weights`` is
    None) and utility :math:`J_{obj}(\\pi)` (exact expected return from ``initial``), the
    result is the mixture :math:`\\mathrm{quantilise}(\\nu, J_{obj}, q)` (:func:`quantilise`):
    a :class:`PolicyMixture`, whose expected return under any reward is the mixture's average.
    Refused when the number of policies exceeds ``max_policies``.

    Decision-time cost: one exact evaluation of every enumerated policy under the objective;
    evaluating a deterministic policy is one Bellman equation per state (one per state and
    step for a finite horizon), so cost = (number of policies) * S (* H for a finite horizon)
    Q-value evaluations. Evaluating the other rewards for reporting is not counted.

    Source: Taylor (2016)'s quantiliser with the deterministic policies as its outcomes, a
    construction of deconfuse's (exponential in S). It is *not* Kosoy's quantilal control
    ("Quantilal control for finite MDPs", 2018), which caps the state occupancy of a stochastic
    stationary policy by the reference policy's divided by q and solves a linear program over
    occupancy measures in polynomial time: that is :class:`agents.quantilal.Quantilal`. The
    mixture here is feasible for Kosoy's LP with the reference whose occupancy is the base
    mixture's (its occupancy is at most the base's divided by q, state by state), so the
    quantilal value is at least this one's at the same q.

    Parameters
    ----------
    q
        The top fraction of the base weight kept, in (0, 1]; exact (int, Fraction, "p/q") for
        an exact MDP, a float on a float MDP only.
    base_weights
        None (uniform over the enumerated policies) or a mapping from policy keys (tuples of
        action labels by state; for time-dependent policies a tuple of such tuples, one per
        step) to weights summing to 1 (exactly, on an exact MDP); missing keys weigh 0.
    max_policies
        The largest number of deterministic policies enumerated (A**S, or A**(S*H) when
        time-dependent), a positive int; a larger MDP is refused, not sampled.
    time_dependent
        False: the A**S stationary policies; True: the A**(S*H) deterministic Markov policies
        of a finite horizon (refused on a discounted MDP).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> result = PolicyQuantiliser(F(1, 2)).run(two_state())
    >>> dict(result.behaviour.weights)
    {('go', 'stay'): Fraction(1, 2), ('go', 'go'): Fraction(1, 2)}
    >>> result.cost.decision
    8
    >>> PolicyQuantiliser(F(1, 2), max_policies=3).run(two_state())
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: the MDP has A**S = 2**2 = 4 deterministic stationary policies, more than max_policies=3
    """

    q: Number | int = Fraction(1, 10)
    base_weights: Mapping[PolicyKey, Any] | None = None
    max_policies: int = 4096
    time_dependent: bool = False
    name: str = "policy-quantiliser"

    def __post_init__(self) -> None:
        check_q(self.q)
        check_positive_int(self.max_policies, "max_policies")
        if self.base_weights is not None and not isinstance(self.base_weights, Mapping):
            raise InvalidArgument(
                f"base_weights is {self.base_weights!r}, not None or a mapping policy key -> weight"
            )
        if not isinstance(self.time_dependent, bool):
            raise InvalidArgument(f"time_dependent is {self.time_dependent!r}, not a bool")

    def _count(self, mdp: FiniteMDP) -> int:
        if self.time_dependent:
            if mdp.horizon is None:
                raise InvalidArgument("time_dependent=True needs a finite-horizon MDP (this one is discounted)")
            count = mdp.A ** (mdp.S * mdp.horizon)
            if count > self.max_policies:
                raise InvalidArgument(
                    f"the MDP has A**(S*H) = {mdp.A}**({mdp.S}*{mdp.horizon}) = {count} deterministic "
                    f"Markov policies, more than max_policies={self.max_policies}"
                )
            return count
        count = mdp.A ** mdp.S
        if count > self.max_policies:
            raise InvalidArgument(
                f"the MDP has A**S = {mdp.A}**{mdp.S} = {count} deterministic stationary policies, "
                f"more than max_policies={self.max_policies}"
            )
        return count

    def _base(self, mdp: FiniteMDP, keys: list[PolicyKey]) -> np.ndarray:
        n = len(keys)
        if self.base_weights is None:
            if mdp.exact:
                return np.array([Fraction(1, n)] * n, dtype=object)
            return np.full(n, 1.0 / n)
        index = {k: i for i, k in enumerate(keys)}
        for k in self.base_weights:
            if k not in index:
                shape = "a tuple of action labels by state" if not self.time_dependent else \
                    "a tuple, per step, of tuples of action labels by state"
                raise InvalidArgument(f"base_weights has the key {k!r}, not {shape} of this MDP")
        raw = coerce_array(list(self.base_weights.values()) or [0], mdp.exact, "base_weights")
        weights = zeros_like_kind((n,), mdp.exact)
        for k, w in zip(self.base_weights, raw):
            weights[index[k]] = w
        check_distribution_rows(weights, "base_weights", (keys,), InvalidArgument)
        return weights

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Evaluate every deterministic policy exactly and quantilise them by objective return."""
        objective = resolve_objective(mdp, objective)
        q = _mdp_q(self.q, mdp)
        count = self._count(mdp)
        policies = deterministic_policies(mdp, count, stationary=not self.time_dependent)
        keys = [_policy_key(pi) for pi in policies]
        base = self._base(mdp, keys)
        values = [expected_return(mdp, pi, objective) for pi in policies]
        utilities = np.array(values, dtype=object if mdp.exact else np.float64)
        weights = quantilise(base, utilities, q)
        support = {k: _plain(w, mdp.exact) for k, w in zip(keys, weights) if w != 0}
        returns: dict[PolicyKey, Mapping[str, Number]] = {}
        for i, k in enumerate(keys):
            if k not in support:
                continue
            pi = policies[i]
            returns[k] = MappingProxyType({
                name: values[i] if name == objective else expected_return(mdp, pi, name)
                for name in mdp.reward_names
            })
        behaviour = PolicyMixture(mdp=mdp, weights=MappingProxyType(support), returns=MappingProxyType(returns))
        per_policy = mdp.S * (mdp.horizon or 1)
        return AgentResult(
            behaviour=behaviour,
            cost=Cost(decision=len(keys) * per_policy),
            info={"objective": objective, "q": q,
                  "policy_returns": {k: _plain(v, mdp.exact) for k, v in zip(keys, values)},
                  "base_weights": {k: _plain(w, mdp.exact) for k, w in zip(keys, base)}},
        )
