r"""Soft (maximum-entropy / KL-regularised) direct optimisers: ``Boltzmann`` and ``KLRegularised``.

Both solve the KL-regularised control problem

.. math::

    \max_\pi \; E_\pi\Big[\sum_t \gamma^t \big(r(s_t, a_t)
        - \tfrac{1}{\beta} \log \tfrac{\pi(a_t \mid s_t)}{\pi_0(a_t \mid s_t)}\big)\Big]

with the *soft* Bellman backup (soft value iteration)

.. math::

    Q(s, a) = r(s, a) + \gamma \sum_{s'} P(s' \mid s, a) V(s'), \qquad
    V(s) = \tfrac{1}{\beta} \log \sum_a \pi_0(a \mid s) \, e^{\beta Q(s, a)},

and play :math:`\pi(a \mid s) \propto \pi_0(a \mid s) \, e^{\beta Q(s, a)}`. ``Boltzmann`` is the
case :math:`\pi_0` = uniform; ``KLRegularised`` takes :math:`\pi_0` from a base agent.

**Normalisation.** :math:`V` is the :math:`\pi_0`-*weighted* log-sum-exp, so it is the value of
the KL-regularised objective above: :math:`E_{\pi_0}[Q] \le V \le \max_a Q`, and
:math:`V^{\pi_0} \le V \le V^*`. Ziebart's and Haarnoja's entropy-regularised ("soft") value
uses the unweighted :math:`\tfrac{1}{\beta}\log\sum_a e^{\beta Q}`; for uniform :math:`\pi_0` the
two differ by the constant :math:`\tfrac{1}{\beta}\log A` per step (discounted:
:math:`\log A / (\beta (1 - \gamma))` in total), which does not change the policy.

**Kind.** :math:`e^{\beta Q}` is irrational, so for every ``beta > 0`` the results are float64
from exact *or* float input: on an exact MDP ``run`` returns a **float** policy (the one
exception to "same kind in, same kind out"; evaluate it on ``mdp.to_float()``). ``beta == 0``
returns the base policy itself, in its own kind.

Sources: Ziebart, *Modeling Purposeful Adaptive Behavior with the Principle of Maximum Causal
Entropy* (PhD thesis, CMU, 2010) (soft value iteration); Haarnoja, Tang, Abbeel & Levine,
"Reinforcement Learning with Deep Energy-Based Policies" (ICML 2017), the soft Bellman backup and
its contraction; Levine, "Reinforcement Learning and Control as Probabilistic Inference"
(arXiv:1805.00909, 2018); Fox, Pakman & Tishby, "Taming the Noise in Reinforcement
Learning via Soft Updates" (UAI 2016), the backup with a prior policy :math:`\pi_0` (G-learning).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from agents.base import AgentResult, BaseAgent, BaseSpec, Cost, add_costs, base_policy, check_base, resolve_objective
from agents.direct import planning_cost
from theory.budget import check_entries
from theory.errors import InvalidArgument
from theory.evaluation import Reward, reward_array
from theory.mdp import FiniteMDP
from theory.numbers import to_float_array
from theory.policy import Policy
from theory.validation import check_beta, check_positive, check_value_range

__all__ = [
    "SoftSolution",
    "soft_backup",
    "soft_value_iteration",
    "check_beta",
    "Boltzmann",
    "KLRegularised",
]

# -- validation ------------------------------------------------------------------------------


# -- the soft backup ---------------------------------------------------------------------------


def soft_backup(q_values: np.ndarray, prior: np.ndarray, beta: float) -> tuple[np.ndarray, np.ndarray]:
    r"""One soft backup of Q-values over the last axis: the soft value and the soft policy.

    :math:`V = \tfrac{1}{\beta} \log \sum_a \pi_0(a) e^{\beta Q(a)}` and
    :math:`\pi(a) = \pi_0(a) e^{\beta Q(a)} / \sum_b \pi_0(b) e^{\beta Q(b)}`, computed stably:
    with :math:`m = \max_{a : \pi_0(a) > 0} Q(a)`,
    :math:`V = m + \tfrac{1}{\beta} \log \sum_a \pi_0(a) e^{\beta (Q(a) - m)}` (every exponent
    <= 0; ``log1p``/``expm1`` when the sum is near 1, so that small beta keeps its digits).
    Actions with :math:`\pi_0(a) = 0` get probability 0. ``beta == 0`` is the limit:
    :math:`V = E_{\pi_0}[Q]`, :math:`\pi = \pi_0`. Float64 in and out; shapes (..., A) -> (...,),
    (..., A).

    Source: Haarnoja et al. (2017) (soft value); Fox, Pakman & Tishby (2016) for the prior.

    >>> v, pi = soft_backup(np.array([0.0, 1.0]), np.array([0.5, 0.5]), 1.0)
    >>> round(float(v), 12) == round(math.log((1 + math.e) / 2), 12), pi.round(4).tolist()
    (True, [0.2689, 0.7311])
    """
    q_values = np.asarray(q_values, dtype=np.float64)
    p0 = np.asarray(prior, dtype=np.float64)
    support = p0 > 0
    if beta == 0:
        return (p0 * np.where(support, q_values, 0.0)).sum(axis=-1), p0.copy()
    with np.errstate(over="ignore", invalid="ignore"):
        qmax = np.where(support, q_values, -np.inf).max(axis=-1, keepdims=True)
        z = np.where(support, beta * (q_values - qmax), -np.inf)
        weights = np.where(support, p0 * np.exp(z), 0.0)
        total = weights.sum(axis=-1, keepdims=True)
        near_one = np.where(support, p0 * np.expm1(z), 0.0).sum(axis=-1, keepdims=True)
        log_total = np.where(total > 0.5, np.log1p(near_one), np.log(total))
    values = (qmax + log_total / beta)[..., 0]
    return values, weights / total


# -- soft value iteration ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, eq=False)
class SoftSolution:
    """The result of :func:`soft_value_iteration` (all arrays float64).

    - ``policy``: :math:`\\pi \\propto \\pi_0 e^{\\beta Q}`, (S, A) discounted or (H, S, A).
    - ``values``: soft values V, (S,) discounted or (H + 1, S) with ``values[H] = 0``.
    - ``q_values``: soft Q-values, (S, A) or (H, S, A).
    - ``iterations``: sweeps of S*A soft Bellman backups.
    - ``error_bound``: a bound on :math:`\\|V - V_\\beta\\|_\\infty` and
      :math:`\\|Q - Q_\\beta\\|_\\infty` against the exact fixed point (discounted), 0.0 for a
      finite horizon (exact recursion up to float rounding).

    >>> from theory.examples import two_state
    >>> sol = soft_value_iteration(two_state().replace(discount=None, horizon=1), "proxy", 1)
    >>> sol.values.shape, sol.q_values.shape, sol.iterations
    ((2, 2), (1, 2, 2), 1)
    """

    policy: Policy
    values: np.ndarray
    q_values: np.ndarray
    iterations: int
    error_bound: float


def _prior_array(mdp: FiniteMDP, prior: Policy | np.ndarray | None) -> np.ndarray:
    if prior is None:
        return np.full((mdp.S, mdp.A), 1.0 / mdp.A)
    probs = prior.probs if isinstance(prior, Policy) else np.asarray(prior)
    arr = to_float_array(probs)
    ok = arr.shape == (mdp.S, mdp.A) or (
        mdp.horizon is not None and arr.shape == (mdp.horizon, mdp.S, mdp.A)
    )
    if not ok:
        raise InvalidArgument(f"prior has shape {arr.shape}, expected {(mdp.S, mdp.A)} or (H, S, A)")
    return arr


def soft_value_iteration(
    mdp: FiniteMDP,
    reward: Reward,
    beta: float,
    prior: Policy | np.ndarray | None = None,
    tolerance: float = 1e-9,
    max_iterations: int = 1_000_000,
) -> SoftSolution:
    r"""Soft (KL-regularised) value iteration with inverse temperature ``beta`` and prior
    :math:`\pi_0` (``prior``; None = uniform; a (H, S, A) prior for a finite horizon is used
    step by step).

    Finite horizon H (undiscounted): backward recursion :math:`V_H = 0`,
    :math:`Q_t = r + P V_{t+1}`, :math:`V_t = \tfrac{1}{\beta}\log\sum_a \pi_0 e^{\beta Q_t}`;
    the policy is time-dependent, :math:`\pi_t \propto \pi_0 e^{\beta Q_t}`.
    Discounted: iterate :math:`V_{k} = \mathcal{T} V_{k-1}` from :math:`V_0 = 0`. The soft
    backup is monotone and 1-Lipschitz in the sup norm, so :math:`\mathcal{T}` is a
    :math:`\gamma`-contraction; stop at the first k with
    :math:`\|V_k - V_{k-1}\|_\infty < \text{tolerance} (1 - \gamma) / \gamma`, so that
    :math:`\|V_k - V_\beta\|_\infty \le \gamma \|V_k - V_{k-1}\|_\infty / (1 - \gamma) <
    \text{tolerance}` (the same bound holds for :math:`Q_k = r + \gamma P V_{k-1}`, from which
    :math:`V_k` and the policy are taken); that bound is ``error_bound``. Float64 results from
    exact or float input.

    Sources: Ziebart (2010); Haarnoja et al. (2017) (soft Q-iteration and its convergence);
    Fox, Pakman & Tishby (2016) (prior policy).

    >>> from theory.examples import two_state
    >>> sol = soft_value_iteration(two_state(), "proxy", beta=2.0)
    >>> sol.policy.probs.round(3).tolist(), sol.error_bound < 1e-9
    ([[0.142, 0.858], [0.947, 0.053]], True)
    """
    beta = check_beta(beta)
    check_positive(tolerance, "tolerance")
    r = to_float_array(reward_array(mdp, reward), "rewards")
    check_value_range(r, mdp.discount, mdp.horizon, "soft_value_iteration",
                      repr(reward) if isinstance(reward, str) else "given")
    P = to_float_array(mdp.transitions)
    S, A = mdp.S, mdp.A
    prior_arr = _prior_array(mdp, prior)
    if mdp.horizon is not None:
        H = mdp.horizon
        check_entries("horizon", H, (H + 1) * S + 2 * H * S * A, False, "soft backward induction")
        priors = prior_arr if prior_arr.ndim == 3 else np.broadcast_to(prior_arr, (H, S, A))
        v = np.zeros((H + 1, S))
        q_values = np.empty((H, S, A))
        probs = np.empty((H, S, A))
        for t in range(H - 1, -1, -1):
            q_values[t] = r + P @ v[t + 1]
            v[t], probs[t] = soft_backup(q_values[t], priors[t], beta)
        return SoftSolution(Policy(probs, mdp.states, mdp.actions), v, q_values, H, 0.0)
    gamma = float(mdp.discount)
    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else math.inf
    flat = P.reshape(S * A, S)
    v = np.zeros(S)
    iterations = 0
    while True:
        iterations += 1
        q_values = r + gamma * (flat @ v).reshape(S, A)
        v_new, probs = soft_backup(q_values, prior_arr, beta)
        delta = float(np.max(np.abs(v_new - v)))
        v = v_new
        if gamma == 0 or delta < threshold:
            break
        if iterations >= max_iterations:
            raise InvalidArgument(
                f"soft value iteration did not reach tolerance {tolerance} in {max_iterations} iterations"
            )
    bound = gamma * delta / (1 - gamma)
    return SoftSolution(Policy(probs, mdp.states, mdp.actions), v, q_values, iterations, bound)


# -- base agents -------------------------------------------------------------------------------


# -- agents ------------------------------------------------------------------------------------


def _run_soft(
    agent: BaseAgent, mdp: FiniteMDP, objective: str | None, beta: float, base: BaseSpec, tolerance: float
) -> AgentResult:
    objective = resolve_objective(mdp, objective)
    prior, base_cost = base_policy(mdp, objective, base)
    info: dict[str, Any] = {"objective": objective, "beta": beta, "base": base}
    if check_beta(beta) == 0:
        return AgentResult(behaviour=prior, cost=base_cost, info=info)
    sol = soft_value_iteration(mdp, objective, beta, prior=prior, tolerance=tolerance)
    info.update(
        solution=sol,
        soft_values=sol.values,
        q_values=sol.q_values,
        error_bound=sol.error_bound,
        iterations=sol.iterations,
    )
    cost = add_costs(base_cost, Cost(decision=planning_cost(mdp, sol.iterations)))
    return AgentResult(behaviour=sol.policy, cost=cost, info=info)


@dataclasses.dataclass(frozen=True, repr=False)
class Boltzmann(BaseAgent):
    r"""Soft (maximum-entropy) optimiser: pi proportional to exp(beta * soft Q), uniform prior.

    :math:`\pi(a \mid s) \propto e^{\beta Q_\beta(s, a)}`, with :math:`Q_\beta` the soft
    Q-values of soft value iteration under a uniform prior.

    ``beta == 0`` returns the uniform policy itself (in the MDP's kind); as
    :math:`\beta \to \infty` the policy tends to the uniform policy over the argmax set of
    :math:`Q^*`. For ``beta > 0`` the policy is **float64 even on an exact MDP** (exp is
    irrational): evaluate it on ``mdp.to_float()``. Finite horizons use the backward recursion
    and a time-dependent policy. See :func:`soft_value_iteration` for the
    normalisation (:math:`\pi_0`-weighted log-sum-exp: the value of
    :math:`E[\sum r] - \tfrac{1}{\beta} KL(\pi \| \text{uniform})`).

    Decision-time cost: sweeps * S * A Q-value evaluations
    (:func:`agents.direct.planning_cost`).

    Sources: Ziebart (2010); Haarnoja et al. (2017); Levine (2018).

    Parameters
    ----------
    beta : float
        The inverse temperature, a finite number >= 0 (read as a float; reward units^-1):
        0 gives the uniform policy, larger values come closer to the argmax.
    tolerance : float
        Discounted MDPs: soft value iteration stops when the values are within ``tolerance``
        of the fixed point in the sup norm (``info["error_bound"]`` < tolerance); > 0; unused
        for a finite horizon.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> result = Boltzmann(beta=2).run(two_state())
    >>> result.policy.exact, result.policy.probs.round(3).tolist()
    (False, [[0.142, 0.858], [0.947, 0.053]])
    >>> Boltzmann(beta=0).policy(two_state()).probs.tolist()[0]
    [Fraction(1, 2), Fraction(1, 2)]
    """

    beta: float = 1.0
    tolerance: float = 1e-9
    name: str = "boltzmann"

    def __post_init__(self) -> None:
        check_beta(self.beta)
        check_positive(self.tolerance, "tolerance")

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The Boltzmann policy on ``mdp`` for ``objective`` (float for beta > 0)."""
        return _run_soft(self, mdp, objective, self.beta, None, self.tolerance)


@dataclasses.dataclass(frozen=True, repr=False)
class KLRegularised(BaseAgent):
    r"""KL-regularised optimiser: pi proportional to pi0 * exp(beta * soft Q), pi0 a base policy.

    :math:`\pi \propto \pi_0 e^{\beta Q_\beta}` is the solution of
    :math:`\max_\pi E_\pi[\sum_t \gamma^t r] - \tfrac{1}{\beta} E_\pi[\sum_t \gamma^t
    KL(\pi(\cdot \mid s_t) \| \pi_0(\cdot \mid s_t))]`, with :math:`Q_\beta` the soft
    Q-values of the backup with :math:`\pi_0` as the prior.

    ``beta == 0`` returns the base policy itself; :math:`\beta \to \infty` tends to the argmax set of :math:`Q^*`
    restricted to the support of :math:`\pi_0`. Float64 for ``beta > 0`` even on exact input.

    Decision-time cost: the base agent's cost plus sweeps * S * A Q-value evaluations.

    Sources: Fox, Pakman & Tishby (2016); Levine (2018); Geist, Scherrer & Pietquin,
    "A Theory of Regularized Markov Decision Processes" (ICML 2019).

    Parameters
    ----------
    beta : float
        The inverse temperature, a finite number >= 0 (read as a float; reward units^-1):
        0 gives the base policy, larger values weigh the soft Q-values more against the KL term.
    base
        The prior pi0: None (uniform, which makes this agent Boltzmann), a registered agent
        name or SPEC (resolved when the agent runs), an Agent (run on the same MDP and
        objective, its cost added), or a Markov Policy used as is.
    tolerance : float
        Discounted MDPs: soft value iteration stops when the values are within ``tolerance``
        of the fixed point in the sup norm (``info["error_bound"]`` < tolerance); > 0; unused
        for a finite horizon.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> KLRegularised(beta=2, base="uniform").policy(two_state()).probs.round(3).tolist()
    [[0.142, 0.858], [0.947, 0.053]]
    """

    beta: float = 1.0
    base: BaseSpec = None
    tolerance: float = 1e-9
    name: str = "kl-regularised"

    def __post_init__(self) -> None:
        check_beta(self.beta)
        check_base(self.base)
        check_positive(self.tolerance, "tolerance")

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """The KL-regularised policy on ``mdp`` for ``objective`` (float for beta > 0)."""
        return _run_soft(self, mdp, objective, self.beta, self.base, self.tolerance)
