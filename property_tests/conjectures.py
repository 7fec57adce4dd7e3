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
    expect="refuted", ordered=(("q1", "q2"),),
    mdp=S.goodhart_mdps(), q1=S.quantile_levels(), q2=S.quantile_levels(),
)
def true_return_monotone_in_q(mdp, q1, q2):
    j1 = _true_return(TimestepQuantiliser(q=q1), mdp)
    j2 = _true_return(TimestepQuantiliser(q=q2), mdp)
    return claim(j1 >= j2, true_return_at_q1=j1, true_return_at_q2=j2)


@conjecture(
    "optimising the proxy harder never lowers the true return: for beta1 < beta2 the Boltzmann "
    "optimiser's true return at beta2 is at least the one at beta1 (floats, tolerance 1e-9)",
    expect="refuted", ordered=(("beta1", "beta2"),),
    mdp=S.goodhart_mdps(), beta1=S.inverse_temperatures(), beta2=S.inverse_temperatures(),
)
def true_return_monotone_in_beta(mdp, beta1, beta2):
    j1 = float(_true_return(Boltzmann(beta=beta1), mdp))
    j2 = float(_true_return(Boltzmann(beta=beta2), mdp))
    return claim(j2 >= j1 - 1e-9, true_return_at_beta1=j1, true_return_at_beta2=j2)


@conjecture(
    "optimising the proxy harder never lowers the true return: for n1 < n2 per-state best-of-n2 "
    "has at least the true return of best-of-n1",
    expect="refuted", ordered=(("n1", "n2"),),
    mdp=S.goodhart_mdps(), n1=S.sample_counts(4), n2=S.sample_counts(4),
)
def true_return_monotone_in_n(mdp, n1, n2):
    j1 = _true_return(BestOfN(n=n1), mdp)
    j2 = _true_return(BestOfN(n=n2), mdp)
    return claim(j2 >= j1, true_return_at_n1=j1, true_return_at_n2=j2)


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
