"""The conjecture suite: statements that may be false, each with its expected verdict.

These are the claims of the direct-vs-amortised debate that the workbench exists to check.
Each expected-refuted conjecture is one that a careless reading of the essay suggests; the
engine must find a counterexample and shrink it to a small readable MDP.
"""

from __future__ import annotations


from agents.amortised import TabularAmortised
from agents.base import behaviour_return
from agents.best_of_n import BestOfN
from agents.direct import Argmax
from agents.quantiliser import TimestepQuantiliser
from agents.soft import Boltzmann
from environments.proxy_errors import extremal, visited_states
from property_tests import strategies as S
from property_tests.declare import claim, conjecture
from theory.metrics import optimal_return

__all__ = [
    "true_return_monotone_in_q",
    "true_return_monotone_in_beta",
    "true_return_monotone_in_n",
    "quantiliser_never_worse_than_argmax",
    "amortised_no_worse_than_direct_under_shift",
    "direct_no_worse_than_amortised_under_shift",
    "proxy_right_on_support_implies_no_regret_under_shift",
    "argmax_of_the_true_reward_has_no_regret",
]


def _true_return(agent, mdp):
    return behaviour_return(mdp, agent.run(mdp, "proxy").behaviour, "true")


@conjecture(
    "optimising the proxy harder never lowers the true return: for q1 < q2 the q1-quantiliser's "
    "true return is at least the q2-quantiliser's",
    expect="refuted",
    mdp=S.goodhart_mdps(), q1=S.quantile_levels(), q2=S.quantile_levels(),
)
def true_return_monotone_in_q(mdp, q1, q2):
    lo, hi = min(q1, q2), max(q1, q2)
    j_lo = _true_return(TimestepQuantiliser(q=lo), mdp)
    j_hi = _true_return(TimestepQuantiliser(q=hi), mdp)
    return claim(j_lo >= j_hi, q_small=lo, q_large=hi, true_return_at_q_small=j_lo, true_return_at_q_large=j_hi)


@conjecture(
    "optimising the proxy harder never lowers the true return: for beta1 < beta2 the Boltzmann "
    "optimiser's true return at beta2 is at least the one at beta1 (floats, tolerance 1e-9)",
    expect="refuted",
    mdp=S.goodhart_mdps(), beta1=S.inverse_temperatures(), beta2=S.inverse_temperatures(),
)
def true_return_monotone_in_beta(mdp, beta1, beta2):
    lo, hi = min(beta1, beta2), max(beta1, beta2)
    j_lo = float(_true_return(Boltzmann(beta=lo), mdp))
    j_hi = float(_true_return(Boltzmann(beta=hi), mdp))
    return claim(j_hi >= j_lo - 1e-9, beta_small=lo, beta_large=hi, true_return_at_beta_small=j_lo,
                 true_return_at_beta_large=j_hi)


@conjecture(
    "optimising the proxy harder never lowers the true return: for n1 < n2 per-state best-of-n2 "
    "has at least the true return of best-of-n1",
    expect="refuted",
    mdp=S.goodhart_mdps(), n1=S.sample_counts(), n2=S.sample_counts(),
)
def true_return_monotone_in_n(mdp, n1, n2):
    lo, hi = min(n1, n2), max(n1, n2)
    j_lo = _true_return(BestOfN(n=lo), mdp)
    j_hi = _true_return(BestOfN(n=hi), mdp)
    return claim(j_hi >= j_lo, n_small=lo, n_large=hi, true_return_at_n_small=j_lo, true_return_at_n_large=j_hi)


@conjecture(
    "a quantiliser never has a lower true return than the argmax optimiser of the same proxy",
    expect="refuted",
    mdp=S.goodhart_mdps(), q=S.quantile_levels(),
)
def quantiliser_never_worse_than_argmax(mdp, q):
    j_quant = _true_return(TimestepQuantiliser(q=q), mdp)
    j_argmax = _true_return(Argmax(), mdp)
    return claim(j_quant >= j_argmax, q=q, quantiliser_true_return=j_quant, argmax_true_return=j_argmax)


def _regrets_under_shift(pair):
    train, test, m = pair
    best = optimal_return(test, "true")
    amortised = TabularAmortised(teacher="argmax", train=train, samples=None, fallback="uniform")
    regret_amortised = best - _true_return(amortised, test)
    regret_direct = best - _true_return(Argmax(), test)
    return regret_amortised, regret_direct


@conjecture(
    "under a shift, an amortised policy (trained in the infinite-data limit on the training MDP "
    "by the argmax of the proxy) never has a larger true regret than the direct optimiser of the "
    "proxy on the shifted MDP",
    expect="refuted",
    pair=S.shift_pairs(),
)
def amortised_no_worse_than_direct_under_shift(pair):
    amortised, direct = _regrets_under_shift(pair)
    return claim(amortised <= direct, magnitude=pair[2], amortised_true_regret=amortised, direct_true_regret=direct)


@conjecture(
    "under a shift, the direct optimiser of the proxy never has a larger true regret than an "
    "amortised policy trained on the training MDP (the converse of the previous conjecture)",
    expect="refuted",
    pair=S.shift_pairs(),
)
def direct_no_worse_than_amortised_under_shift(pair):
    amortised, direct = _regrets_under_shift(pair)
    return claim(direct <= amortised, magnitude=pair[2], amortised_true_regret=amortised, direct_true_regret=direct)


@conjecture(
    "if the proxy equals the true reward on every state the training distribution visits (the "
    "true optimum's visitation on the training MDP), the argmax optimiser of the proxy has zero "
    "true regret on the shifted MDP",
    expect="refuted",
    pair=S.shift_pairs(reward_names=("true",)), magnitude=S.small_positive_rationals(),
)
def proxy_right_on_support_implies_no_regret_under_shift(pair, magnitude):
    train, test, m = pair
    support = visited_states(train, Argmax().policy(train, "true"))
    shifted = extremal(test, support=support, magnitude=magnitude)
    regret = optimal_return(shifted, "true") - _true_return(Argmax(), shifted)
    return claim(regret == 0, support=sorted(support), proxy_bonus_off_support=magnitude, shift_magnitude=m,
                 true_regret=regret)


@conjecture(
    "with an exact proxy (proxy = true) the argmax optimiser has zero true regret on any MDP: "
    "a sanity check of the engine that must hold",
    expect="holds",
    mdp=S.finite_mdps(max_states=4, max_actions=3, reward_names=("true",)),
)
def argmax_of_the_true_reward_has_no_regret(mdp):
    mdp = mdp.replace(rewards={"true": mdp.reward("true"), "proxy": mdp.reward("true")})
    regret = optimal_return(mdp, "true") - _true_return(Argmax(), mdp)
    return claim(regret == 0, true_regret=regret)
