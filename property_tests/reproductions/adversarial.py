r"""Reproduction: adversarial Goodhart (Manheim & Garrabrant 2018), the fourth variant.

The paper: D. Manheim and S. Garrabrant, "Categorizing Variants of Goodhart's Law" (arXiv
1803.04585, 2018), section 3.4: adversarial Goodhart, where an agent who knows the metric the
optimiser (regulator) uses acts to exploit it, so that optimising the metric becomes bad for
the goal. The paper is qualitative: no MDP, no numbers, no figure. deconfuse's formalisation
(:mod:`theory.adversarial`; assumed, a parameter): the adversary, knowing the optimiser, moves
every entry of the proxy reward by at most :math:`\epsilon` (an L-infinity budget) to maximise
the optimiser's true regret; W(epsilon) is that worst case, computed exactly.

The claims checked, on random exact MDPs (``environments.random_mdp``, S = 3, A = 2, its noisy
proxy), for the argmax, Kosoy's quantilal agent (uniform reference) and the policy quantiliser
(uniform base over the 8 deterministic policies) at q = 1/2 and 1/4:

1. the adversary makes things worse with more budget: W is nondecreasing in epsilon for every
   optimiser;
2. the argmax is fully exploitable: at :math:`\epsilon^* = \max |r_{proxy} + r_{true}|` the
   adversary can play :math:`r' = -r_{true}`, so W equals the largest regret of any policy;
3. Taylor's cost bound holds against the adversary (a theorem; the check counts how often it
   is informative, i.e. below the worst policy's regret: with q = 1/4 and a uniform reference it
   rarely is): with :math:`c(s, a) = \max r_{true} - r_{true}(s, a) \ge 0` and the state caps
   :math:`d(s) \le d_\sigma(s)/q`, :math:`J^*_{true} - J_{true} \le J^*_{true} -
   \max r_{true}/(1-\gamma) + \sum_s d_\sigma(s) \max_a c(s, a) / q` for the quantilal agent, and
   the same with the base mixture's state-action occupancy for the policy quantiliser
   (:math:`d \le d_\nu / q` entrywise); W never exceeds these bounds, at every budget.

Reported beside them (``data["notes"]``), not claimed (the paper compares no optimisers): how
often a quantiliser's worst case at the largest budget is below the argmax's. It need not be:
at small budgets a quantiliser can be *more* exploitable than the argmax (it already mixes in
worse policies the adversary can promote), and the quantilal agent with q = 1/4 and the uniform
reference can reach the argmax's worst case.

The figure: W(epsilon) against epsilon for the five optimisers on one MDP (the paper has no
figure; these are the axes of the claim).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from environments.random_mdp import random_mdp
from property_tests.reproductions.base import Comparison, Outcome, Reproduction
from theory.adversarial import worst_case_regret, worst_case_regret_policy_quantiliser
from theory.evaluation import expected_return, occupancy, state_occupancy
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return
from theory.policy import Policy
from theory.polytope import deterministic_policies

__all__ = ["REPRODUCTION"]

_QS = (Fraction(1, 2), Fraction(1, 4))
_ASSUMED = (
    "the paper is qualitative: the adversary's budget is an L-infinity ball of radius epsilon on the proxy "
    "reward (deconfuse's formalisation), the adversary knows the optimiser and maximises its true regret",
    "ties in the optimiser's choice are broken the adversary's way (W is a supremum over the ball)",
    "the quantilal agent's reference is the uniform policy; the policy quantiliser's base is uniform over "
    "the deterministic stationary policies",
)


def _bounds(mdp: FiniteMDP, q: Fraction) -> tuple[Fraction, Fraction]:
    """(quantilal bound, policy-quantiliser bound) on the true regret, for every proxy."""
    r = mdp.reward("true")
    top = max(r.flat)
    c = top - r
    best = optimal_return(mdp, "true")
    base = best - top / (1 - mdp.discount)
    d_sigma = state_occupancy(mdp, Policy.uniform(mdp))
    quantilal = base + sum(d_sigma[s] * max(c[s]) for s in range(mdp.S)) / q
    policies = deterministic_policies(mdp)
    d_nu = sum((occupancy(mdp, pi) for pi in policies), np.zeros((mdp.S, mdp.A), dtype=object) * Fraction(0))
    quantiliser = base + (d_nu / len(policies) * c).sum() / q
    return quantilal, quantiliser


def _curves(mdp: FiniteMDP, budgets: list[Fraction]) -> dict[str, list[Fraction]]:
    d_sigma = state_occupancy(mdp, Policy.uniform(mdp))
    curves: dict[str, list[Fraction]] = {"argmax": [worst_case_regret(mdp, e).regret for e in budgets]}
    for q in _QS:
        curves[f"quantilal q={q}"] = [worst_case_regret(mdp, e, caps=d_sigma / q).regret for e in budgets]
        curves[f"policy quantiliser q={q}"] = [worst_case_regret_policy_quantiliser(mdp, e, q).regret
                                               for e in budgets]
    return curves


def _run(quick: bool) -> Outcome:
    seeds = range(2) if quick else range(8)
    budgets = [Fraction(k, 4) for k in (0, 1, 2, 4)] if quick else [Fraction(k, 8) for k in range(0, 17)]
    monotone = full = bounded = informative = total = 0
    lower = {f"{kind} q={q}": 0 for kind in ("quantilal", "policy quantiliser") for q in _QS}
    figure: dict[str, Any] = {}
    for seed in seeds:
        mdp = random_mdp(S=3, A=2, branching=2, seed=seed)
        curves = _curves(mdp, budgets)
        monotone += all(all(a <= b for a, b in zip(v, v[1:])) for v in curves.values())
        star = max(abs(x) for x in (mdp.reward("proxy") + mdp.reward("true")).flat)
        worst = max(optimal_return(mdp, "true") - expected_return(mdp, pi, "true") for pi in deterministic_policies(mdp))
        full += worst_case_regret(mdp, star).regret == worst
        for q in _QS:
            b_lal, b_pq = _bounds(mdp, q)
            total += 2
            bounded += (max(curves[f"quantilal q={q}"]) <= b_lal) + (max(curves[f"policy quantiliser q={q}"]) <= b_pq)
            informative += (b_lal < worst) + (b_pq < worst)
        for key in lower:
            lower[key] += curves[key][-1] < curves["argmax"][-1]
        if seed == 0:
            figure = {"axes": ["epsilon", "worst-case true regret"], "epsilon": [float(e) for e in budgets],
                      **{k: [float(x) for x in v] for k, v in curves.items()}}
    n = len(seeds)
    comparisons = (
        Comparison.claim("more budget, more damage: W(epsilon) nondecreasing for every optimiser", monotone == n,
                         f"{monotone} of {n} MDPs", note="section 3.4, qualitative"),
        Comparison.claim("the argmax is fully exploitable: W(max|proxy + true|) = the worst policy's regret",
                         full == n, f"{full} of {n} MDPs", note="deconfuse's formalisation; r' = -true is in the ball"),
        Comparison.claim("quantilisers' worst case stays within Taylor's cost bound at every budget",
                         bounded == total, f"{bounded} of {total} (MDP, optimiser) pairs; the bound is below the "
                         f"worst policy's regret (informative) in {informative} of {total}",
                         note="a theorem (Taylor 2016, Kosoy 2018), checked against the adversary"),
    )
    shown = "; ".join(f"{k}: {v} of {n}" for k, v in lower.items())
    notes = (f"at the largest budget, MDPs where the quantiliser's W is below the argmax's: {shown} "
             "(reported, not claimed: the paper does not compare optimisers)",)
    figure["notes"] = list(notes)
    return Outcome(name="adversarial-goodhart", comparisons=comparisons, data=figure, quick=quick, assumed=_ASSUMED)


def _figure(outcome: Outcome, ax: Any) -> None:
    data = outcome.data
    for key in data:
        if key not in ("axes", "epsilon", "notes"):
            ax.plot(data["epsilon"], data[key], marker=".", label=key)
    ax.set_xlabel("budget epsilon (L-infinity change of each proxy entry)")
    ax.set_ylabel("worst-case true regret")
    ax.set_title("Adversarial Goodhart: the adversary's best proxy within the budget")
    ax.legend()


REPRODUCTION = Reproduction(
    name="adversarial-goodhart",
    paper='D. Manheim and S. Garrabrant, "Categorizing Variants of Goodhart\'s Law", arXiv:1803.04585 (2018)',
    claim="section 3.4, adversarial Goodhart: an agent who knows the optimiser's metric can move it so that "
          "optimising it harms the goal (qualitative); quantilisation bounds the harm",
    experiment="exact worst-case true regret W(epsilon) under an L-infinity budget on the proxy, for the argmax, "
               "the quantilal agent and the policy quantiliser at q = 1/2, 1/4, on random 3-state MDPs: "
               "monotone in epsilon, full exploitation of the argmax, the quantilisers within Taylor's bound",
    run=_run,
    expect="reproduced",
    full_time="39 s wall (26 s CPU) on the 2 shared cores",
    figure=_figure,
)
