"""Metrics of a policy against the true reward and a base policy.

- true regret: :math:`J^*_{true} - J_{true}(\\pi)` (exact on exact input);
- proxy-true gap: :math:`J_{proxy}(\\pi) - J_{true}(\\pi)`;
- KL divergence of a policy from a base policy, per state and over trajectories (weighted by
  the policy's own state occupancy — the chain rule of KL for trajectory distributions).
"""

from __future__ import annotations

from fractions import Fraction


from theory.errors import InvalidArgument
from theory.evaluation import Reward, expected_return, next_state_distribution, state_occupancy
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.selection import kl  # the one home of KL between distributions; re-exported
from theory.solvers import solve

__all__ = ["optimal_return", "regret", "proxy_true_gap", "kl", "state_kl", "trajectory_kl"]


def optimal_return(mdp: FiniteMDP, reward: Reward = "true") -> Fraction | float:
    """:math:`J^* = \\max_\\pi J(\\pi)` from ``initial``, exact on exact input.

    >>> from theory.examples import two_state
    >>> optimal_return(two_state(), "true")
    Fraction(810, 91)
    """
    sol = solve(mdp, reward)
    total = (mdp.initial * sol.initial_values).sum()
    return total if mdp.exact else float(total)


def regret(mdp: FiniteMDP, policy: Policy, reward: Reward = "true") -> Fraction | float:
    """True regret :math:`J^*_R - J_R(\\pi)` >= 0 under ``reward`` (default "true").

    >>> from theory.examples import two_state
    >>> regret(two_state(), Policy.uniform(two_state()))
    Fraction(117855, 17381)
    """
    return optimal_return(mdp, reward) - expected_return(mdp, policy, reward)


def proxy_true_gap(mdp: FiniteMDP, policy: Policy, proxy: str = "proxy", true: str = "true") -> Fraction | float:
    """:math:`J_{proxy}(\\pi) - J_{true}(\\pi)`: how much the proxy overstates the policy.

    >>> from theory.examples import two_state
    >>> proxy_true_gap(two_state(), Policy.deterministic(two_state(), ["go", "stay"]))
    Fraction(50, 91)
    """
    return expected_return(mdp, policy, proxy) - expected_return(mdp, policy, true)


def state_kl(policy: Policy, base: Policy, t: int = 0) -> list[float]:
    """Per-state :math:`KL(\\pi(\\cdot \\mid s) \\| \\pi_0(\\cdot \\mid s))` at step t, a list of S floats.

    >>> from theory.examples import two_state
    >>> m = two_state()
    >>> [round(x, 6) for x in state_kl(Policy.deterministic(m, ["go", "stay"]), Policy.uniform(m))]
    [0.693147, 0.693147]
    """
    if policy.states != base.states or policy.actions != base.actions:
        raise InvalidArgument("policy and base have different state or action labels")
    return [kl(p, q) for p, q in zip(policy.at(t), base.at(t))]


def trajectory_kl(mdp: FiniteMDP, policy: Policy, base: Policy) -> float:
    """KL divergence of the policy's trajectory distribution from the base's, by the chain rule:
    finite horizon :math:`\\sum_{t<H} \\sum_s P_\\pi(s_t = s) KL(\\pi_t(\\cdot|s) \\| \\pi_{0,t}(\\cdot|s))`
    (the exact KL between the two laws of H-step trajectories); discounted, the discounted
    analogue :math:`\\sum_s d_\\pi(s) KL(\\pi(\\cdot|s) \\| \\pi_0(\\cdot|s))` with the unnormalised
    discounted occupancy :math:`d_\\pi` (the regulariser of KL-regularised RL).
    States the policy never reaches contribute nothing. Float.

    >>> from theory.examples import two_state
    >>> m = two_state().replace(discount=None, horizon=1)
    >>> round(trajectory_kl(m, Policy.deterministic(m, ["go", "stay"]), Policy.uniform(m)), 6)
    0.693147
    """
    policy.check_fits(mdp)
    base.check_fits(mdp)
    if mdp.horizon is None:
        d = state_occupancy(mdp, policy)
        return float(sum(float(w) * k for w, k in zip(d, state_kl(policy, base)) if w != 0))
    total = 0.0
    p = mdp.initial.copy()
    for t in range(mdp.horizon):
        total += sum(float(w) * k for w, k in zip(p, state_kl(policy, base, t)) if w != 0)
        p = next_state_distribution(mdp, policy.at(t), p)
    return total
