"""Tests of theory.goodhart: Goodhart curves, drop height, reward hacking.

Layer 1: hand-made curves and hand-computed bandits (values derived in the comments).
Layer 2: hypothesis properties on generated exact MDPs, checked against brute force
(an O(N^2) scan of all policy pairs, the min/max over all deterministic policies).
Layer 3: one test per validation error, matching the whole message.
"""

from __future__ import annotations

import itertools
import re
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from property_tests.strategies import deterministic_policies as all_deterministic
from property_tests.strategies import finite_mdps, small_rationals
from theory import FiniteMDP, InvalidArgument, InvalidPolicy, Policy, expected_return
from theory.examples import two_state
from theory.goodhart import (
    GoodhartCurve,
    drop_height,
    equivalent,
    evaluate_curve,
    goodhart_curve,
    goodhart_witness,
    hackable,
    is_goodharting,
    peak,
    policy_returns,
    trivial,
    true_return_range,
)

PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def raises(error, message):
    """pytest.raises matching the whole one-line message exactly."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def curve(*true, proxy=None):
    """A curve with pressures 0, 1, 2, ... and the given true returns (proxy = pressure)."""
    proxy = proxy if proxy is not None else range(len(true))
    return goodhart_curve(list(zip(range(len(true)), proxy, true)), label="hand", parameter="n")


def bandit(**rewards):
    """One state, three arms a0 a1 a2, horizon 1: J(pi) = sum_a pi(a) r(a)."""
    return FiniteMDP(
        states=["s"],
        actions=["a0", "a1", "a2"],
        transitions=[[[1], [1], [1]]],
        rewards={name: [list(r)] for name, r in rewards.items()},
        initial=[1],
        horizon=1,
    )


def arm(mdp, label):
    return Policy.deterministic(mdp, {"s": label})


# -- layer 1: curves -------------------------------------------------------------------------


GOODHARTING = [
    # (true returns, Goodharting?, witness, why)
    ((0, 2, 3, 1), True, (0, 1), "rises to 3 then ends at 1"),
    ((5, 0, 3, 1), True, (1, 2), "0 -> 3 is a rise that the last point loses"),
    ((0, 0, 2, 1), True, (0, 2), "the witness's i is the FIRST minimiser of true[:j]"),
    ((0, 1, 2, 3), False, None, "monotone rising"),
    ((3, 2, 1, 0), False, None, "monotone falling: no pressure ever helped"),
    ((2, 2, 2, 2), False, None, "flat"),
    ((0, 2, 1, 3), False, None, "a dip that recovers: the final point is the best"),
    ((0, 3, 3), False, None, "rises and stays (final equals the peak)"),
    ((1, 1, 0), False, None, "flat then falls: nothing rose"),
    ((0, 1), False, None, "two points cannot rise and fall"),
    ((7,), False, None, "one point"),
]


@pytest.mark.parametrize("true, expected, witness, why", GOODHARTING)
def test_goodharting_table(true, expected, witness, why):
    c = curve(*true)
    assert is_goodharting(c) is expected, why
    assert goodhart_witness(c) == witness, why


def test_goodharting_on_float_curves_uses_the_stated_tolerance():
    noisy_flat = goodhart_curve([(0.0, 0.0, 1.0), (1.0, 1.0, 1.0 + 1e-12), (2.0, 2.0, 1.0)], "f", "beta")
    assert not is_goodharting(noisy_flat)  # 1e-12 is below the default relative tolerance 1e-9
    assert is_goodharting(noisy_flat, tolerance=0)  # strict float comparisons
    assert is_goodharting(goodhart_curve([(0, 0, 1.0), (1, 1, 1.5), (2, 2, 1.2)], "f", "beta"))


def test_peak_is_the_first_maximum():
    assert peak(curve(0, 3, 1, 3)) == (1, 1, F(3))
    assert peak(curve(4, 3)) == (0, 0, F(4))
    c = goodhart_curve([(F(1, 2), 0, 1), (F(3, 2), 0, 2)], "q", "-log q")
    assert peak(c) == (1, F(3, 2), F(2))


DROPS = [
    # (true returns, true_min, true_max, drop height by hand)
    ((0, 2, 3, 1), 0, 4, F(1, 2)),  # (3 - 1) / (4 - 0)
    ((0, 1, 2, 3), 0, 4, F(0)),  # ends at its peak
    ((3, 2, 1, 0), -1, 5, F(1, 2)),  # (3 - 0) / 6: falling curves drop too
    ((2, 2, 2), 2, 2, F(0)),  # zero range: defined as 0
    ((F(1, 3), F(1, 2), F(1, 4)), 0, F(3, 4), F(1, 3)),  # (1/2 - 1/4) / (3/4)
]


@pytest.mark.parametrize("true, low, high, expected", DROPS)
def test_drop_height_table(true, low, high, expected):
    got = drop_height(curve(*true), low, high)
    assert type(got) is F and got == expected


def test_drop_height_is_float_when_anything_is_float():
    assert drop_height(curve(0, 2, 3, 1), 0.0, 4) == 0.5
    assert isinstance(drop_height(curve(0, 2, 3, 1), 0.0, 4), float)
    c = goodhart_curve([(0, 0, 0.0), (1, 1, 3.0), (2, 2, 1.0)], "f", "beta")
    assert drop_height(c, 0, 4) == 0.5
    assert drop_height(goodhart_curve([(0, 0, 1.0)], "f", "beta"), 1.0, 1.0 + 1e-12) == 0.0


def test_goodhart_curve_sorts_and_keeps_kinds():
    c = goodhart_curve([(2.5, 3, 0), (0, 1, F(1, 2)), (1, 2, 2)], label="BestOfN", parameter="log n")
    assert c.pressure == (0, 1, 2.5)
    assert c.proxy == (F(1), F(2), F(3)) and c.true == (F(1, 2), F(2), F(0))
    assert c.exact and len(c) == 3
    assert (c.label, c.parameter) == ("BestOfN", "log n")
    f = goodhart_curve([(0, 1, 0.5)], label="x", parameter="beta")
    assert not f.exact and f.proxy == (1.0,) and isinstance(f.proxy[0], float)


def test_evaluate_curve_on_a_quantilised_bandit():
    # proxy ranks a0 < a1 < a2; true prefers a1. Quantilising the proxy (uniform base):
    # q = 1: uniform, proxy (0+1+2)/3 = 1, true (0+2+1)/3 = 1
    # q = 2/3: uniform on {a1, a2}: proxy 3/2, true 3/2;  q = 1/3: a2 only: proxy 2, true 1.
    m = bandit(true=(0, 2, 1), proxy=(0, 1, 2))
    family = [
        (3, arm(m, "a2")),
        (1, Policy.uniform(m)),
        (F(3, 2), Policy([[0, "1/2", "1/2"]], m.states, m.actions)),
    ]
    c = evaluate_curve(m, family, label="quantiliser", parameter="1/q")
    assert c.pressure == (1, F(3, 2), 3)
    assert c.proxy == (1, F(3, 2), 2)
    assert c.true == (1, F(3, 2), 1)
    assert is_goodharting(c)
    assert true_return_range(m) == (0, 2)
    assert drop_height(c, *true_return_range(m)) == F(1, 4)  # (3/2 - 1) / (2 - 0)


def test_true_return_range_by_hand():
    assert true_return_range(bandit(true=(-1, 2, 5))) == (-1, 5)
    assert true_return_range(bandit(true=(-1, 2, 5), other=(9, 9, 9)), "other") == (9, 9)
    # two_state: rewards are >= 0 and staying in s0 earns 0; the optimum is 810/91
    assert true_return_range(two_state()) == (0, F(810, 91))
    # horizon 2 from s0: best is go then stay (9/10 * 1); worst is 0
    assert true_return_range(two_state().replace(discount=None, horizon=2)) == (0, F(9, 10))
    low, high = true_return_range(two_state().to_float())
    assert low == 0.0 and abs(high - 810 / 91) < 1e-12  # float solve tolerance


# -- layer 1: hackability on hand-made bandits --------------------------------------------------


def test_strictly_increasing_transform_is_unhackable_and_equivalent():
    m = bandit(r1=(0, 1, 2), r2=(0, 3, 10))
    assert hackable(m, "r1", "r2") is None
    assert equivalent(m, "r1", "r2")
    assert not trivial(m, "r1") and not trivial(m, "r2")


def test_skalse_finite_set_example_unhackable_nontrivial_not_equivalent():
    # r2 ties a1 and a2, which r1 separates: no strict reversal, yet the orders differ.
    m = bandit(r1=(0, 1, 2), r2=(0, 1, 1))
    assert hackable(m, "r1", "r2") is None and hackable(m, "r2", "r1") is None
    assert not equivalent(m, "r1", "r2")
    assert not trivial(m, "r1") and not trivial(m, "r2")


def test_reversed_pair_is_hackable_with_a_checked_witness():
    m = bandit(r1=(0, 1, 2), r2=(0, 2, 1))
    pi, pi_prime = hackable(m, "r1", "r2")
    assert (pi.action_labels(), pi_prime.action_labels()) == (("a1",), ("a2",))
    assert expected_return(m, pi, "r1") < expected_return(m, pi_prime, "r1")
    assert expected_return(m, pi, "r2") > expected_return(m, pi_prime, "r2")
    pi, pi_prime = hackable(m, "r2", "r1")
    assert (pi.action_labels(), pi_prime.action_labels()) == (("a2",), ("a1",))
    # the float model gives the same witness
    pi, pi_prime = hackable(m.to_float(), "r1", "r2")
    assert (pi.action_labels(), pi_prime.action_labels()) == (("a1",), ("a2",))


def test_adding_a_stochastic_policy_makes_the_finite_set_pair_hackable():
    # r1 = (0, 1, 2), r2 = (0, 1, 1). The mixture m = 1/4 a0 + 3/4 a2 has J1 = 3/2, J2 = 3/4;
    # a1 has J1 = 1 < 3/2 and J2 = 1 > 3/4: a witness (a1, m) (Skalse et al.: on richer
    # policy sets, unhackable + non-trivial forces equivalence).
    m = bandit(r1=(0, 1, 2), r2=(0, 1, 1))
    mix = Policy([["1/4", 0, "3/4"]], m.states, m.actions)
    pis = [arm(m, "a0"), arm(m, "a1"), arm(m, "a2"), mix]
    pi, pi_prime = hackable(m, "r1", "r2", pis)
    assert pi == arm(m, "a1") and pi_prime == mix


def test_two_state_true_and_proxy_are_unhackable_but_not_equivalent():
    # J over (stay,stay), (stay,go), (go,stay), (go,go):
    # true  = 0, 0, 810/91, 0;  proxy = 0, 0, 810/91 + (1/2)(100/91) = 860/91, (1/2)(1000/181) = 500/181.
    pis, js = policy_returns(two_state(), ["true", "proxy"])
    assert js == [(0, 0), (0, 0), (F(810, 91), F(860, 91)), (0, F(500, 181))]
    assert hackable(two_state(), "true", "proxy") is None
    assert not equivalent(two_state(), "true", "proxy")  # (stay,stay) ~ (go,go) under true only


def test_trivial_rewards():
    m = bandit(c=(4, 4, 4), r=(0, 1, 2))
    assert trivial(m, "c")
    assert hackable(m, "c", "r") is None and hackable(m, "r", "c") is None
    assert trivial(m, "r", [arm(m, "a1")])  # one policy
    assert trivial(m, "r", [])  # vacuous


# -- layer 2: properties ---------------------------------------------------------------------


def brute_force_hackable(values):
    """Every ordered pair, O(N^2): is there J1(p) < J1(q) and J2(p) > J2(q)?"""
    return any(a[0] < b[0] and a[1] > b[1] for a, b in itertools.permutations(values, 2))


def brute_force_equivalent(values):
    return all((a[0] <= b[0]) == (a[1] <= b[1]) for a, b in itertools.permutations(values, 2))


small_mdps = st.one_of(finite_mdps(), finite_mdps(max_states=3, horizon=st.integers(1, 3)))


@PROPERTY
@given(small_mdps, small_rationals(1, 3, denominators=(1, 2, 3)), small_rationals(-3, 3))
def test_a_reward_is_never_hackable_with_itself_or_a_positive_affine_transform(mdp, c, b):
    if c == 0:  # small_rationals(1, 3) never draws 0, but be explicit about the hypothesis
        return
    r = mdp.reward("true")
    assert hackable(mdp, "true", "true") is None
    assert hackable(mdp, "true", c * r + b) is None
    assert hackable(mdp, c * r + b, "true") is None
    assert equivalent(mdp, "true", c * r + b)


@PROPERTY
@given(small_mdps)
def test_the_scan_agrees_with_brute_force_and_its_witness_is_valid(mdp):
    pis, values = policy_returns(mdp, ["true", "proxy"])
    for pi, (jt, jp) in zip(pis, values):
        assert jt == expected_return(mdp, pi, "true") and jp == expected_return(mdp, pi, "proxy")
    witness = hackable(mdp, "true", "proxy")
    assert (witness is not None) == brute_force_hackable(values)
    assert (hackable(mdp, "proxy", "true") is not None) == (witness is not None)  # symmetric
    if witness is not None:
        pi, pi_prime = witness
        assert expected_return(mdp, pi, "true") < expected_return(mdp, pi_prime, "true")
        assert expected_return(mdp, pi, "proxy") > expected_return(mdp, pi_prime, "proxy")
    assert equivalent(mdp, "true", "proxy") == brute_force_equivalent(values)
    assert trivial(mdp, "true") == (len({v[0] for v in values}) == 1)


@PROPERTY
@given(small_mdps)
def test_a_reward_and_its_negation_are_hackable_iff_it_is_not_trivial(mdp):
    r = mdp.reward("true")
    assert (hackable(mdp, r, -r) is None) == trivial(mdp, r)


@PROPERTY
@given(small_mdps)
def test_true_return_range_is_attained_by_deterministic_policies(mdp):
    # discounted: stationary deterministic policies attain both; finite horizon: time-dependent ones
    # (at most 3**6 = 729 of them: A**(S*H) reaches 3**9 = 19683 exact evaluations, minutes)
    assume(mdp.A ** (mdp.S * (mdp.horizon or 1)) <= 729)
    pis = all_deterministic(mdp, stationary=mdp.horizon is None)
    returns = [expected_return(mdp, pi, "true") for pi in pis]
    assert true_return_range(mdp) == (min(returns), max(returns))


@PROPERTY
@given(st.lists(small_rationals(-4, 4), min_size=1, max_size=6))
def test_goodharting_matches_the_triple_definition(true):
    # the documented definition, written out: i < j < n-1 with true[i] < true[j] > true[n-1]
    c = curve(*true)
    n = len(true)
    expected = any(true[i] < true[j] and true[n - 1] < true[j] for i in range(n) for j in range(i + 1, n))
    assert is_goodharting(c) == expected
    height = drop_height(c, min(true), max(true))
    assert 0 <= height <= 1
    if expected:
        assert height > 0


# -- layer 3: validation errors ----------------------------------------------------------------


def test_curve_validation_errors():
    with raises(InvalidArgument, "pressure[1] is 0, not greater than pressure[0] = 1"):
        GoodhartCurve(pressure=(1, 0), proxy=(0, 0), true=(0, 0), label="x", parameter="n")
    with raises(InvalidArgument, "true has 1 values but pressure has 2"):
        GoodhartCurve(pressure=(0, 1), proxy=(0, 0), true=(0,), label="x", parameter="n")
    with raises(InvalidArgument, "pressure is empty; a curve needs at least one point"):
        GoodhartCurve(pressure=(), proxy=(), true=(), label="x", parameter="n")
    with raises(InvalidArgument, "true[1] is nan, not a finite number"):
        GoodhartCurve(pressure=(0, 1), proxy=(0.0, 0.0), true=(0.0, float("nan")), label="x", parameter="n")
    with raises(InvalidArgument, "true[0] is 1/2 (exact) but proxy[1] is 0.5 (float); a curve's returns are all exact or all float"):
        GoodhartCurve(pressure=(0, 1), proxy=(0, 0.5), true=(F(1, 2), 0), label="x", parameter="n")
    with raises(InvalidArgument, "label is '', not a non-empty string"):
        GoodhartCurve(pressure=(0,), proxy=(0,), true=(0,), label="", parameter="n")
    with raises(InvalidArgument, "points[1] has pressure 2, the same as points[0]"):
        goodhart_curve([(2, 0, 0), (2, 1, 1)], "x", "n")
    with raises(InvalidArgument, "points[0] is (1, 2), not a triple (pressure, proxy_return, true_return)"):
        goodhart_curve([(1, 2)], "x", "n")
    with raises(InvalidArgument, "points[0] true return is True, not a number"):
        goodhart_curve([(1, 2, True)], "x", "n")
    with raises(InvalidArgument, "curve is list, not a GoodhartCurve"):
        is_goodharting([0, 1, 0])
    with raises(InvalidArgument, "tolerance is -1, not a number in [0, 1)"):
        is_goodharting(curve(0, 1, 0), tolerance=-1)


def test_drop_height_validation_errors():
    with raises(InvalidArgument, "true_min is 4, greater than true_max = 0"):
        drop_height(curve(0, 1), 4, 0)
    with raises(InvalidArgument, "curve.true[2] is 5, above true_max = 4"):
        drop_height(curve(0, 1, 5), 0, 4)
    with raises(InvalidArgument, "curve.true[0] is -1, below true_min = 0"):
        drop_height(curve(-1, 1), 0, 4)


def test_hackability_validation_errors():
    m = FiniteMDP(
        states=[f"s{i}" for i in range(13)],
        actions=["a", "b"],
        transitions=[[[1 if j == i else 0 for j in range(13)]] * 2 for i in range(13)],
        rewards={"true": [[0, 0]] * 13, "proxy": [[0, 1]] * 13},
        initial=[1] + [0] * 12,
        discount=F(1, 2),
    )
    with raises(InvalidArgument, "the MDP has 2**13 = 8192 deterministic stationary policies, more than max_policies = 4096"):
        hackable(m, "true", "proxy")
    with raises(InvalidPolicy, "policies[1] is int, not a Policy"):
        hackable(two_state(), "true", "proxy", [Policy.uniform(two_state()), 3])
    with raises(InvalidPolicy, "policies[0]: policy is float but the MDP is exact; convert one of them"):
        hackable(two_state(), "true", "proxy", [Policy.uniform(two_state()).to_float()])
    with raises(InvalidArgument, "reward 'nope' is not in this MDP (it has 'true', 'proxy')"):
        hackable(two_state(), "true", "nope")


# -- layer 1: the float comparisons and the scans at their edges -----------------------------


def test_float_comparisons_at_the_tolerance_edges():
    # "a < b" for floats is b - a > tol * max(1, |a|, |b|): strict, and with the floor 1.
    flat = goodhart_curve([(0, 0, 1.0), (1, 1, 1.0), (2, 2, 1.0)], "f", "beta")
    assert not is_goodharting(flat, tolerance=0)  # equal floats are not "less", even at tol 0
    near_zero = goodhart_curve([(0, 0, 0.0), (1, 1, 1e-12), (2, 2, 0.0)], "f", "beta")
    assert not is_goodharting(near_zero)  # a rise of 1e-12 near 0 is within 1e-9 * 1
    # An exact curve against a float bound is compared as floats, with the tolerance:
    # 2 is not above 2 - 1e-12, and the drop is (2 - 1) / (2 - 1e-12 - 0) = 1/2 + 2.5e-13.
    assert drop_height(curve(0, 2, 1), 0.0, 2 - 1e-12) == pytest.approx(0.5, abs=1e-9)


def test_float_drop_height_by_hand():
    # (3 - 1) / (4 - (-4)) = 1/4: the range, not true_max alone.
    c = goodhart_curve([(0, 0, 0.0), (1, 1, 2.0), (2, 2, 3.0), (3, 3, 1.0)], "f", "beta")
    assert drop_height(c, -4.0, 4) == 0.25
    # a range of 1e-12 is zero within the tolerance: defined as 0, although the curve moves
    wobble = goodhart_curve([(0, 0, 1.0), (1, 1, 1.0 + 5e-13), (2, 2, 1.0)], "f", "beta")
    assert drop_height(wobble, 1.0, 1.0 + 1e-12) == 0.0


def test_float_ties_in_equivalent_trivial_and_hackable():
    # r1 = (0, 1e-12, 5) ties a0 and a1 within the tolerance; r2 = (1, 0, 5) orders them
    # a1 < a0: the orders differ, so the rewards are not equivalent.
    m = bandit(r1=(0, F(1, 10**12), 5), r2=(1, 0, 5)).to_float()
    assert not equivalent(m, "r1", "r2")
    # returns (1, 1 + 1e-12, 1) are all equal within the tolerance: trivial
    assert trivial(bandit(c=(1, 1 + F(1, 10**12), 1)).to_float(), "c")
    # exact: r1 ties a0 and a1 (J1 = 0), r2 separates them; no policy has a strictly higher
    # J1 and a lower J2, so the pair is not hackable
    assert hackable(bandit(r1=(0, 0, 1), r2=(1, 0, 2)), "r1", "r2") is None


def test_curve_refuses_equal_pressures():
    with raises(InvalidArgument, "pressure[1] is 1, not greater than pressure[0] = 1"):
        GoodhartCurve(pressure=(1, 1), proxy=(0, 0), true=(0, 0), label="x", parameter="n")
