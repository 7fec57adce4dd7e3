"""Tests of theory/adversarial.py (adversarial Goodhart) and environments.proxy_errors.adversarial:
two_state worked on paper, then properties on generated MDPs, then the validation errors.

Every expected value is derived by hand in the comment next to it."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from environments.proxy_errors import adversarial
from property_tests.strategies import finite_mdps
from theory.adversarial import corner_lower_bound, worst_case_regret, worst_case_regret_policy_quantiliser
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, state_occupancy
from theory.examples import two_state
from theory.metrics import optimal_return
from theory.policy import Policy
from theory.solvers import solve

SETTINGS = settings(max_examples=25, deadline=None)
budgets = st.sampled_from([F(0), F(1, 4), F(1, 2), F(1), F(2)])

# two_state (theory.examples): the true reward pays 1 only for "stay" in s1; the true optimum
# (go, stay) has J_true = d(s1, stay) = 810/91. Every other behaviour class has true return 0:
# (stay, *) never leaves s0, (go, go) never stays in s1. So the argmax's regret is 0 or 810/91.
#
# (go, go) made optimal: with r' = proxy + (eps on go, -eps on stay), under (go, go)
#   V1 = eps + 9/10 V0,  V0 = 1/2 + eps + 9/10 (V0/10 + 9 V1/10)  ->  V1 = (1.81 eps + 0.45)/0.181,
# and "go" is optimal in s1 iff V1 >= (1 - eps) + 9/10 V1, i.e. V1 >= 10 (1 - eps):
#   1.81 eps + 0.45 >= 1.81 - 1.81 eps  <=>  eps >= 1.36 / 3.62 = 68/181.
# (stay, stay) made optimal needs 10 eps >= 100/91 (1/2 - eps) + 810/91 (1 - eps), eps >= 43/91,
# a larger budget. So W(eps) = 0 for eps < 68/181 and 810/91 from 68/181 on.


@pytest.mark.parametrize("eps, regret", [
    (F(0), F(0)), (F(1, 4), F(0)), (F(68, 181) - F(1, 10**9), F(0)), (F(68, 181), F(810, 91)), (F(1), F(810, 91)),
])
def test_two_state_argmax_threshold_on_paper(eps, regret):
    assert worst_case_regret(two_state(), eps).regret == regret


def test_two_state_witness_at_the_threshold():
    # At eps = 68/181 the adversary plays proxy - eps on "stay" and + eps on "go" in s1 (and
    # s0's "stay"): s1 = (1 - 68/181, 0 + 68/181) = (113/181, 68/181); (go, go)'s occupancy is
    # d0 = 1000/181, d1 = 810/181 (all on "go").
    result = worst_case_regret(two_state(), F(68, 181))
    assert result.proxy[1].tolist() == [F(113, 181), F(68, 181)]
    assert result.occupancy.tolist() == [[0, F(1000, 181)], [0, F(810, 181)]]


def test_two_state_quantilal_and_policy_quantiliser_at_zero_budget():
    # Quantilal, uniform reference, q = 1/2 (tests/test_quantilal.py): d(s1, stay) = 1620/191,
    # regret 810/91 - 1620/191 = (154710 - 147420)/17381 = 7290/17381 (its optimum is unique).
    caps = state_occupancy(two_state(), Policy.uniform(two_state())) / F(1, 2)
    assert worst_case_regret(two_state(), 0, caps=caps).regret == F(7290, 17381)
    # Policy quantiliser, q = 1/2 of 4 policies: the top 2 by the proxy are (go, stay) (860/91)
    # and (go, go) (1/2 * 1000/181 = 500/181 > 0 = (stay, *)); mean regret (0 + 810/91)/2.
    assert worst_case_regret_policy_quantiliser(two_state(), 0, F(1, 2)).regret == F(405, 91)


def test_adversarial_error_model():
    # The fourth error model sets the proxy to the witness above; the true reward is kept.
    m = adversarial(two_state(), F(68, 181))
    assert m.rewards["proxy"].tolist() == worst_case_regret(two_state(), F(68, 181)).proxy.tolist()
    assert m.rewards["true"].tolist() == two_state().rewards["true"].tolist()


@SETTINGS
@given(mdp=finite_mdps(max_states=3, max_actions=2), eps=budgets)
def test_witness_is_in_the_budget_and_makes_its_vertex_optimal(mdp, eps):
    """|r' - proxy| <= eps entrywise; under r' the witness occupancy attains the optimum (so the
    argmax may choose it); its true regret is the reported W."""
    result = worst_case_regret(mdp, eps)
    assert (np.abs(result.proxy - mdp.reward("proxy")) <= eps).all()
    moved = mdp.replace(rewards={**mdp.rewards, "proxy": result.proxy})
    assert (result.occupancy * result.proxy).sum() == optimal_return(moved, "proxy")
    assert optimal_return(mdp, "true") - (result.occupancy * mdp.reward("true")).sum() == result.regret


@SETTINGS
@given(mdp=finite_mdps(max_states=3, max_actions=2), budgets=st.tuples(budgets, budgets))
def test_worst_regret_grows_with_the_budget_and_bounds_the_argmax(mdp, budgets):
    """W is nondecreasing in eps (a larger ball contains the smaller); W(0) is at least the
    regret of the argmax with either tie rule (the adversary may break the tie); the float
    corner search finds at most W (1e-9: float evaluation)."""
    lo, hi = sorted(budgets)
    w_lo, w_hi = worst_case_regret(mdp, lo).regret, worst_case_regret(mdp, hi).regret
    assert w_lo <= w_hi
    best = optimal_return(mdp, "true")
    for tie in ("first", "uniform"):
        assert best - expected_return(mdp, solve(mdp, "proxy", tie).policy, "true") <= worst_case_regret(mdp, 0).regret
    assert corner_lower_bound(mdp, float(hi), samples=8) <= float(w_hi) + 1e-9


@SETTINGS
@given(mdp=finite_mdps(max_states=2, max_actions=2), eps=budgets, k=st.integers(1, 4))
def test_policy_quantiliser_witness_ranks_its_subset_on_top(mdp, eps, k):
    """The witness proxy is within the budget and the quantiliser's mixture is attained: the
    mixture's true regret is W; at q = 1 the quantiliser is the whole uniform mixture, whose
    regret does not depend on the proxy."""
    N = mdp.A ** mdp.S
    q = F(min(k, N), N)
    result = worst_case_regret_policy_quantiliser(mdp, eps, q)
    assert (np.abs(result.proxy - mdp.reward("proxy")) <= eps).all()
    assert optimal_return(mdp, "true") - (result.occupancy * mdp.reward("true")).sum() == result.regret
    if q == 1:
        assert result.regret == worst_case_regret_policy_quantiliser(mdp, 0, q).regret


def test_validation():
    with pytest.raises(InvalidArgument, match="epsilon is the float 0.5"):
        worst_case_regret(two_state(), 0.5)
    with pytest.raises(InvalidArgument, match="epsilon is -1, not >= 0"):
        worst_case_regret(two_state(), -1)
    with pytest.raises(InvalidArgument, match="needs an exact MDP"):
        worst_case_regret(two_state().to_float(), 0)
    with pytest.raises(InvalidArgument, match="needs a discounted MDP"):
        worst_case_regret(two_state().replace(discount=None, horizon=2), 0)
    with pytest.raises(InvalidArgument, match=r"q \* N = 1/3 \* 4 = 4/3 is not an integer"):
        worst_case_regret_policy_quantiliser(two_state(), 0, F(1, 3))
    with pytest.raises(InvalidArgument, match=r"caps has shape \(3,\), expected \(2,\)"):
        worst_case_regret(two_state(), 0, caps=[1, 1, 1])
