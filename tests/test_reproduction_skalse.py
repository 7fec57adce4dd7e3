"""Skalse et al. (NeurIPS 2022): simplification (Definition 2), the two examples transcribed as
environments, the orderings machinery and the reproduction's verdict.

Every value below is worked by hand in the comment above its assertion.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import environments
from environments.skalse import cleaning_robot, room_sets, skalse_two_state
from property_tests.reproductions import get
from property_tests.reproductions.skalse import (
    REPRODUCTION,
    coarsenings,
    grid_policies,
    has_nontrivial_simplification,
    induced_ordering,
    policy_name,
    representable_float,
    representing_reward,
    theorem3_condition,
    weak_orderings,
)
from property_tests.strategies import finite_mdps
from theory import FiniteMDP, InvalidArgument, Policy
from theory.evaluation import occupancy
from theory.goodhart import hackable, policy_returns, simplifies, trivial
from theory.polytope import deterministic_policies


def _bandit(**rewards):
    k = len(next(iter(rewards.values())))
    return FiniteMDP(states=["s"], actions=[f"a{i}" for i in range(k)], transitions=[[[1]] * k],
                     rewards={name: [list(r)] for name, r in rewards.items()}, initial=[1], horizon=1)


def _labels(pair):
    return tuple(pi.action_labels()[0] for pi in pair)


# -- Definition 2 on hand-worked bandits -------------------------------------------------------


def test_simplifies_three_arm_bandit_by_hand():
    # 3 arms, J = the arm's reward.  r1 = (0, 1, 2): a0 < a1 < a2.
    # r2 = (0, 0, 2): J1 rises a0 -> a1 while J2 stays 0 (collapsed), a1 -> a2 J2 rises 0 -> 2;
    #   no J1 ties; so r2 is a simplification, the witness the collapsed pair (a0, a1).
    # r3 = (0, 1, 1): collapses a1 = a2 instead: a simplification, witness (a1, a2).
    # r4 = (0, 2, 1): J1(a1) < J1(a2) but J4(a1) = 2 > 1 = J4(a2): reversed, not one (hackable).
    # r5 = (0, 0, 0): J1 < implies 0 <= 0, some pair collapsed: a (trivial) simplification.
    # r1 itself: nothing collapsed, so not a simplification (Definition 2's existence clause).
    m = _bandit(r1=(0, 1, 2), r2=(0, 0, 2), r3=(0, 1, 1), r4=(0, 2, 1), r5=(0, 0, 0))
    assert _labels(simplifies(m, "r1", "r2")) == ("a0", "a1")
    assert _labels(simplifies(m, "r1", "r3")) == ("a1", "a2")
    assert simplifies(m, "r1", "r4") is None
    assert _labels(simplifies(m, "r1", "r5")) == ("a0", "a1") and trivial(m, "r5")
    assert simplifies(m, "r1", "r1") is None
    # The relation is asymmetric: r1 breaks r2's tie a0 = a1 (J2 equal, J1 not): not a simplification.
    assert simplifies(m, "r2", "r1") is None


def test_simplifies_refuses_a_refined_tie():
    # r1 = (0, 0, 1): a0 = a1 < a2.  r2 = (0, 1, 1): J1(a0) = J1(a1) but J2 = 0 != 1, so the second
    # implication fails even though J2 collapses a1 = a2 and never reverses: not a simplification,
    # but unhackable (no J1 < with J2 >).
    m = _bandit(r1=(0, 0, 1), r2=(0, 1, 1))
    assert simplifies(m, "r1", "r2") is None
    assert hackable(m, "r1", "r2") is None


def test_simplifies_on_an_explicit_stochastic_set_and_floats():
    # A 2-arm bandit r1 = (0, 2), r2 = (1, 1) on the stochastic set {a0, (1/2, 1/2), a1}:
    # J1 = 0, 1, 2; J2 = 1, 1, 1: every distinction collapsed, witness (a0, the mixture).
    m = _bandit(r1=(0, 2), r2=(1, 1))
    pis = [Policy([[1, 0]], m.states, m.actions), Policy([["1/2", "1/2"]], m.states, m.actions),
           Policy([[0, 1]], m.states, m.actions)]
    pi, pi_prime = simplifies(m, "r1", "r2", pis)
    assert pi == pis[0] and pi_prime == pis[1]
    # Floats: J2 = (0, 1e-12, 2) is within the tolerance of (0, 0, 2): collapsed like the exact one.
    mf = _bandit(r1=(0, 1, 2)).to_float()
    assert _labels(simplifies(mf, "r1", np.array([[0.0, 1e-12, 2.0]]))) == ("a0", "a1")


def test_simplifies_errors_name_the_argument():
    m = _bandit(r1=(0, 1))
    with pytest.raises(InvalidArgument, match="policies"):
        simplifies(m, "r1", "r1", policies=3)
    with pytest.raises(InvalidArgument, match="tolerance"):
        simplifies(m, "r1", "r1", tolerance=2)


# -- the environments --------------------------------------------------------------------------


def test_cleaning_robot_arms_and_rewards():
    # Section 2: r = [1, 2, 3]; cleaning attic and kitchen ("101") pays 1 + 3 = 4; all rooms 6.
    m = cleaning_robot(true=(1, 2, 3), proxy=(0, 0, 0))
    assert m.actions == tuple(room_sets()) == ("000", "001", "010", "011", "100", "101", "110", "111")
    assert m.rewards["true"][0].tolist() == [0, 3, 2, 5, 1, 4, 3, 6]
    assert m.horizon == 1 and m.S == 1
    assert environments.get("cleaning-robot", true="1,3/2,3").rewards["true"][0, 7] == F(11, 2)
    with pytest.raises(InvalidArgument, match=r"proxy\[0\] is -1"):
        cleaning_robot(proxy=(-1, 0, 0))
    with pytest.raises(InvalidArgument, match="3 rooms but proxy has 2"):
        cleaning_robot(proxy=(1, 0))


def test_two_state_values_by_hand():
    # T(s, a) = a, I = (1/2, 1/2), gamma = 1/2.  With R = [[a, b], [c, d]]:
    # pi00: from 0 stay in 0 (a forever: 2a); from 1 pay c then 0 (c + a): J = (2a + c + a)/2 = 3a/2 + c/2.
    # pi01: from 0: 2a; from 1: 2d: J = a + d.   pi11: from 0: b + d; from 1: 2d: J = b/2 + 3d/2.
    # pi10: alternate: V0 = b + V1/2, V1 = c + V0/2 -> V0 = (4b + 2c)/3, V1 = (4c + 2b)/3: J = b + c.
    # The paper's R = [[0, 3], [2, 1]]: J = 1, 1, 3, 5 (pi00, pi01, pi11, pi10).
    # deconfuse's true [[0, 3], [1, 1]]: J = 1/2, 1, 3, 4.
    m = skalse_two_state()
    pis, values = policy_returns(m, ["proxy", "true"])
    table = {policy_name(pi): v for pi, v in zip(pis, values)}
    assert table == {"pi00": (1, F(1, 2)), "pi01": (1, 1), "pi11": (3, 3), "pi10": (5, 4)}
    assert m.discount == F(1, 2) and m.initial.tolist() == [F(1, 2), F(1, 2)]
    # The occupancy of pi10: F(0, 1) = 1/2 (4/3) + 1/2 (2/3) = 1 and F(1, 0) = 1.
    assert occupancy(m, Policy.deterministic(m, ["1", "0"])).tolist() == [[0, 1], [1, 0]]
    assert environments.get("skalse-two-state", discount="0").discount == 0


# -- the orderings machinery -------------------------------------------------------------------


def test_representing_reward_on_the_two_state_mdp():
    # pi01 = pi11 in pi00 < pi01 = pi11 < pi10 forces a + d = b/2 + 3d/2, i.e. b = 2a - d; then
    # J10 - J11 = b/2 + c - 3d/2 = a + c - 2d and J01 - J00 = d - a/2 - c/2 ... the paper says no
    # reward does it (section 5.2): J01 > J00 needs 2d > a + c, J10 > J11 needs a + c > 2d.
    m = skalse_two_state()
    occ = {policy_name(pi): list(occupancy(m, pi).flat) for pi in deterministic_policies(m)}
    assert representing_reward(occ, (("pi00",), ("pi01", "pi11"), ("pi10",))) is None
    assert not representable_float(occ, (("pi00",), ("pi01", "pi11"), ("pi10",)))
    reward = representing_reward(occ, (("pi00", "pi01"), ("pi11",), ("pi10",)))
    r = np.array(reward, dtype=object).reshape(2, 2)
    _, values = policy_returns(m, [r])
    assert induced_ordering([policy_name(p) for p in deterministic_policies(m)], [v[0] for v in values]) == (
        ("pi00", "pi01"), ("pi11",), ("pi10",))
    # Three equal: J00 = J01 = J11 gives a 2-dimensional set of equalities on the 2-dimensional
    # affine plane of occupancies, so J is constant: the fourth is forced (appendix D.1).
    assert representing_reward(occ, (("pi00", "pi01", "pi11"), ("pi10",))) is None


def test_weak_orderings_and_coarsenings_counts():
    # Ordered Bell numbers: 1, 3, 13, 75.  Coarsenings of a 4-tier order merge a non-empty proper
    # subset of the 3 boundaries: 2^3 - 2 = 6.
    assert [len(weak_orderings("abcd"[:n])) for n in range(1, 5)] == [1, 3, 13, 75]
    assert len(coarsenings((("a",), ("b",), ("c",), ("d",)))) == 6


def test_theorem3_printed_vs_affine_on_two_policies():
    # Two arms, R1 = (0, 1): F = e0, e1 (rank 2), Z = {0}: printed condition 0 <= 2 - 2 holds, but
    # a simplification must set J2(a0) = J2(a1): trivial.  Affine dimension 1: 0 <= -1 fails.
    occ = {"a0": [1, 0], "a1": [0, 1]}
    assert theorem3_condition(occ, (("a0",), ("a1",)))
    assert not theorem3_condition(occ, (("a0",), ("a1",)), affine=True)
    assert not has_nontrivial_simplification(occ, (("a0",), ("a1",)))
    # Three arms, R1 = (0, 1, 2): affine dimension 2, Z = {0}: a non-trivial simplification exists
    # ((0, 0, 2)); both readings agree.
    occ3 = {"a0": [1, 0, 0], "a1": [0, 1, 0], "a2": [0, 0, 1]}
    tiers = (("a0",), ("a1",), ("a2",))
    assert theorem3_condition(occ3, tiers) and theorem3_condition(occ3, tiers, affine=True)
    assert has_nontrivial_simplification(occ3, tiers)


def test_grid_policies_count():
    # Steps of 1/4 on 2 actions: 5 rows per state, 2 states: 25 policies; 8 arms in steps of 1/2:
    # C(9, 2) = 36 compositions of 2 into 8 parts.
    assert len(grid_policies(skalse_two_state(), 4)) == 25
    assert len(grid_policies(cleaning_robot(), 2)) == 36


def test_stochastic_hack_of_the_robot_by_hand():
    # true [1, 1, 1], proxy [1, 1, 0]: pi = "001" (kitchen: J1 = 1, J2 = 0) and pi' = 1/2 "000" +
    # 1/2 "100" (J1 = 1/2, J2 = 1/2): J1(pi') < J1(pi) and J2(pi') > J2(pi): a hack (Corollary 1).
    m = cleaning_robot(true=(1, 1, 1), proxy=(1, 1, 0))
    assert hackable(m, "true", "proxy") is None
    row = [0] * 8
    mix = list(row)
    mix[0] = mix[4] = F(1, 2)
    kitchen = list(row)
    kitchen[1] = 1
    pis = [Policy([mix], m.states, m.actions), Policy([kitchen], m.states, m.actions)]
    pi, pi_prime = hackable(m, "true", "proxy", pis)
    assert pi == pis[0] and pi_prime == pis[1]


# -- properties --------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_mdps(max_states=2, max_actions=2), st.integers(1, 4), st.integers(-3, 3))
def test_positive_affine_transform_is_never_a_hack(mdp, scale, shift):
    # J(a R + b) = a J(R) + b * (sum of the occupancy) and the sum of the occupancy is the same
    # for every policy (1/(1 - gamma), or the horizon): a > 0 keeps the order, so no hack, and
    # nothing is collapsed, so no simplification either way.
    r = mdp.rewards["true"]
    transformed = r * scale + shift
    assert hackable(mdp, r, transformed) is None
    assert simplifies(mdp, r, transformed) is None and simplifies(mdp, transformed, r) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 3), min_size=3, max_size=4), st.lists(st.integers(0, 3), min_size=3, max_size=4),
       st.lists(st.integers(0, 3), min_size=3, max_size=4))
def test_simplification_is_unhackable_and_transitive(r1, r2, r3):
    # Definition 2: J1 < implies J2 <=, so a simplification is never hackable (section 4.2 and
    # appendix F: "simplification can never lead to reward hacking").  Transitivity (deconfuse's
    # check of the chain): J3 < => J2 <= => J1 <= (J2 = => J1 =), J3 = => J2 = => J1 =, and the pair
    # collapsed by R2 from R3 is collapsed by R1 too; footnote 4: R1 and R3 are unhackable.
    n = min(len(r1), len(r2), len(r3))
    m = _bandit(r1=r1[:n], r2=r2[:n], r3=r3[:n])
    if simplifies(m, "r1", "r2") is not None:
        assert hackable(m, "r1", "r2") is None
    if simplifies(m, "r3", "r2") is not None and simplifies(m, "r2", "r1") is not None:
        assert simplifies(m, "r3", "r1") is not None
        assert hackable(m, "r3", "r1") is None


# -- the reproduction --------------------------------------------------------------------------


def test_quick_reproduction_verdict_and_key_numbers():
    outcome = get("skalse")(quick=True)
    assert REPRODUCTION.expect == "differs" and outcome.verdict == "differs"
    rows = {c.quantity: c for c in outcome.comparisons}
    # Every verdict on the examples agrees; only Theorem 3 and Corollary 3 as printed differ.
    assert {c.quantity[:12] for c in outcome.differences} == {"Theorem 3 (a", "Corollary 3 "}
    assert rows["two-state: representable strict orderings of the 4 deterministic policies"].ours == "12 of 24"
    # 75 weak orderings: 12 strict + 12 with one tie + the trivial one are representable = 25;
    # Theorem 3 as printed is right on the 12 strict and the trivial one, wrong on the 12 with a tie.
    assert rows["Theorem 3 (as printed) decides 'R has a non-trivial simplification'"].ours == "13 of 25"
    assert rows["... pairs each strict ordering can set equal (non-trivially)"].ours == "2 in each of 12"
    assert outcome.assumed and outcome.data["deterministic"]["labels"] == ["pi00", "pi01", "pi10", "pi11"]
    witness = outcome.data["witness"]
    assert witness["true"][0] < witness["true"][1] and witness["proxy"][0] > witness["proxy"][1]


def test_figure_draws():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outcome = REPRODUCTION(True)
    fig, ax = plt.subplots()
    REPRODUCTION.figure(outcome, ax)
    assert ax.get_xlabel().startswith("J_1") and len(ax.collections) == 2
    plt.close(fig)
