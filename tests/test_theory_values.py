"""Hand-computed exact values of the theory core (layer 1 of the tests).

Every expected number below is worked out on paper in the comment next to it; none was copied
from running the code. Exact claims use ``==`` on Fractions; float claims either state their
tolerance or use dyadic numbers (exact in float64) and ``==``. The later sections (solver steps,
horizon evaluation, theory.metrics) pin behaviours that the mutants of bench/mutation.py change.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from theory import (
    InvalidArgument,
    InvalidPolicy,
    Policy,
    backward_induction,
    expected_return,
    occupancy,
    policy_iteration,
    q_values,
    return_distribution,
    solve,
    state_occupancy,
    state_values,
    value_iteration,
)
from theory.evaluation import normalised_state_occupancy
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return, proxy_true_gap, regret, state_kl, trajectory_kl
from theory.solvers import argmax_sets, greedy_policy


def fr(values):
    """Nested lists of Fractions, for comparing arrays with ``==``."""
    return np.asarray(values, dtype=object).tolist()


# ---------------------------------------------------------------------------------------------
# The discounted two-state MDP of theory.examples (discount 9/10).
#
#   s0 --stay--> s0                       true 0, proxy 0
#   s0 --go----> s0 (1/10), s1 (9/10)     true 0, proxy 1/2
#   s1 --stay--> s1                       true 1, proxy 1
#   s1 --go----> s0                       true 0, proxy 0
#   initial: s0
# ---------------------------------------------------------------------------------------------


def test_two_state_optimal_true_values_and_q_values():
    # Staying in s1 forever pays 1 per step: v*(s1) = 1 / (1 - 9/10) = 10.
    # Going from s0: v(s0) = 9/10 (1/10 v(s0) + 9/10 * 10) = 9/100 v(s0) + 81/10
    #   => (91/100) v(s0) = 81/10 => v(s0) = 810/91 (about 8.90).
    # Q*(s0, stay) = 0 + 9/10 * 810/91 = 729/91 < 810/91 = Q*(s0, go).
    # Q*(s1, stay) = 1 + 9/10 * 10 = 10;  Q*(s1, go) = 0 + 9/10 * 810/91 = 729/91 < 10.
    # So (go, stay) is optimal and is the unique argmax in both states.
    sol = policy_iteration(two_state(), "true")
    assert fr(sol.values) == [F(810, 91), F(10)]
    assert fr(sol.q_values) == [[F(729, 91), F(810, 91)], [F(10), F(729, 91)]]
    assert sol.argmax == (("go",), ("stay",))
    assert sol.policy == Policy.deterministic(two_state(), {"s0": "go", "s1": "stay"})
    assert sol.error_bound == 0


def test_two_state_optimal_proxy_values():
    # Proxy: "go" in s0 also pays 1/2. With (go, stay): v(s1) = 10 and
    #   v(s0) = 1/2 + 9/10 (1/10 v(s0) + 9/10 * 10) => (91/100) v(s0) = 1/2 + 81/10 = 86/10
    #   => v(s0) = 860/91.
    # Alternatives: stay in s0 gives 9/10 * 860/91 = 774/91 < 860/91; go in s1 (to farm the
    # 1/2 again) gives 0 + 9/10 * 860/91 = 774/91 < 10. So v*_proxy = (860/91, 10).
    sol = solve(two_state(), "proxy")
    assert fr(sol.values) == [F(860, 91), F(10)]
    assert fr(sol.q_values) == [[F(774, 91), F(860, 91)], [F(10), F(774, 91)]]
    assert sol.argmax == (("go",), ("stay",))


def test_two_state_uniform_policy_values_q_values_and_return():
    # Uniform policy, true reward:
    #   v0 = 1/2 (9/10 v0) + 1/2 (9/10 (1/10 v0 + 9/10 v1)) = 99/200 v0 + 81/200 v1
    #   v1 = 1/2 (1 + 9/10 v1) + 1/2 (9/10 v0)          = 1/2 + 9/20 v1 + 9/20 v0
    # First line: (101/200) v0 = (81/200) v1 => v0 = 81/101 v1.
    # Second:     (11/20) v1 = 1/2 + 9/20 * 81/101 v1 => v1 (1111 - 729)/2020 = 1/2
    #   => v1 = 1010/382 = 505/191 and v0 = 81/101 * 505/191 = 405/191.
    # Q(s0, stay) = 9/10 * 405/191 = 729/382;
    # Q(s0, go)   = 9/10 (1/10 * 405/191 + 9/10 * 505/191) = 9/10 * 495/191 = 891/382;
    #   check: (729 + 891)/(2 * 382) = 1620/764 = 405/191 = v0.
    # Q(s1, stay) = 1 + 9/10 * 505/191 = 1 + 909/382 = 1291/382; Q(s1, go) = 729/382;
    #   check: (1291 + 729)/764 = 2020/764 = 505/191 = v1.
    m = two_state()
    pi = Policy.uniform(m)
    assert fr(state_values(m, pi, "true")) == [F(405, 191), F(505, 191)]
    assert fr(q_values(m, pi, "true")) == [[F(729, 382), F(891, 382)], [F(1291, 382), F(729, 382)]]
    # The initial distribution is the point mass on s0, so J = v0.
    assert expected_return(m, pi, "true") == F(405, 191)


def test_two_state_occupancy_measures():
    # Uniform policy: P_pi(s0 -> .) = 1/2 (1, 0) + 1/2 (1/10, 9/10) = (11/20, 9/20),
    #                 P_pi(s1 -> .) = 1/2 (0, 1) + 1/2 (1, 0)      = (1/2, 1/2).
    # d = mu + 9/10 P_pi^T d:
    #   d1 = 9/10 (9/20 d0 + 1/2 d1) => (11/20) d1 = 81/200 d0 => d1 = 81/110 d0
    #   d0 = 1 + 9/10 (11/20 d0 + 1/2 d1) = 1 + 99/200 d0 + 729/2200 d0 = 1 + 1818/2200 d0
    #   => d0 = 2200/382 = 1100/191, d1 = 81/110 * 1100/191 = 810/191;
    #   total 1910/191 = 10 = 1/(1 - 9/10).
    # d(s, a) = d(s)/2. Then J_true = d(s1, stay) * 1 = 405/191 (as above) and
    # J_proxy = 1/2 d(s0, go) + d(s1, stay) = 275/191 + 405/191 = 680/191.
    m = two_state()
    pi = Policy.uniform(m)
    assert fr(state_occupancy(m, pi)) == [F(1100, 191), F(810, 191)]
    d = occupancy(m, pi)
    assert fr(d) == [[F(550, 191), F(550, 191)], [F(405, 191), F(405, 191)]]
    assert expected_return(m, pi, "proxy") == F(680, 191)

    # Optimal (go, stay): d0 = 1 + 9/10 * 1/10 d0 => d0 = 100/91;
    #   d1 = 9/10 (9/10 d0 + d1) => d1/10 = 81/100 d0 => d1 = 810/91; total 910/91 = 10.
    # J_proxy = 1/2 * 100/91 + 810/91 = 860/91 = v*_proxy(s0) from the test above.
    best = Policy.deterministic(m, {"s0": "go", "s1": "stay"})
    assert fr(occupancy(m, best)) == [[F(0), F(100, 91)], [F(810, 91), F(0)]]
    assert expected_return(m, best, "proxy") == F(860, 91)


def test_value_iteration_error_bound_bounds_the_distance_to_the_exact_optimum():
    # value_iteration promises ||v - v*||_inf <= error_bound < tolerance. Measured against
    # the exact optima derived above: (810/91, 10) true, (860/91, 10) proxy. The float model
    # of two_state is the exact one up to rounding of 1/10 and 9/10, so we allow a stated
    # slack of 1e-12 for that rounding on top of the bound.
    m = two_state().to_float()
    for reward, exact in (("true", [F(810, 91), F(10)]), ("proxy", [F(860, 91), F(10)])):
        for tolerance in (1e-2, 1e-4, 1e-8):
            sol = value_iteration(m, reward, tolerance=tolerance)
            error = max(abs(F(float(x)) - y) for x, y in zip(sol.values, exact))
            assert 0 < sol.error_bound < tolerance
            assert error <= F(sol.error_bound) + F(1, 10**12)
            # The iteration really stops early (the pymdptoolbox pain point): the distance is
            # not zero, so the bound is doing work.
            assert error > 0
            assert sol.argmax == (("go",), ("stay",))


def test_value_iteration_with_discount_zero_is_the_immediate_argmax():
    # discount 0: v* = max_a r(s, a) = (0, 1) under true after one iteration, bound 0.
    m = two_state().replace(discount=F(0)).to_float()
    sol = value_iteration(m, "true")
    assert sol.values.tolist() == [0.0, 1.0]
    assert sol.error_bound == 0.0
    assert sol.iterations == 1
    # Under true, both actions of s0 pay 0: a tie, kept in the argmax.
    assert sol.argmax == (("stay", "go"), ("stay",))


# ---------------------------------------------------------------------------------------------
# A finite-horizon MDP with a time-dependent optimum, an exact tie and a Goodhart-shaped proxy.
#
#   home --cash-->   home                      true 1, proxy 1
#   home --invest--> rich (1/2), bust (1/2)    true 0, proxy 0
#   rich --either--> rich                      true 4, proxy 4
#   bust --either--> bust                      true 0, proxy 4  (the proxy cannot tell bust
#                                                                from rich: "paper wealth")
#   initial: home; horizon 3 (actions at t = 0, 1, 2), undiscounted.
# ---------------------------------------------------------------------------------------------


def invest(horizon: int = 3) -> FiniteMDP:
    return FiniteMDP(
        states=["home", "rich", "bust"],
        actions=["cash", "invest"],
        transitions=[
            [[1, 0, 0], [0, F(1, 2), F(1, 2)]],
            [[0, 1, 0], [0, 1, 0]],
            [[0, 0, 1], [0, 0, 1]],
        ],
        rewards={
            "true": [[1, 0], [4, 4], [0, 0]],
            "proxy": [[1, 0], [4, 4], [4, 4]],
        },
        initial=[1, 0, 0],
        horizon=horizon,
    )


def test_backward_induction_values_per_step_and_time_dependent_policy():
    # True reward, v_3 = 0.
    # t=2: Q_2(home) = (cash 1, invest 0); Q_2(rich) = (4, 4); Q_2(bust) = (0, 0)
    #      => v_2 = (1, 4, 0).
    # t=1: Q_1(home, cash) = 1 + v_2(home) = 2; Q_1(home, invest) = 1/2 * 4 + 1/2 * 0 = 2 (tie!)
    #      Q_1(rich) = 4 + 4 = 8 (both); Q_1(bust) = 0 => v_1 = (2, 8, 0).
    # t=0: Q_0(home, cash) = 1 + 2 = 3; Q_0(home, invest) = 1/2 * 8 + 1/2 * 0 = 4
    #      Q_0(rich) = 12 (both); Q_0(bust) = 0 => v_0 = (4, 12, 0).
    # The optimum is time-dependent in home: invest at t=0, either at t=1, cash at t=2.
    m = invest()
    sol = backward_induction(m, "true", tie="first")
    assert fr(sol.values) == [[4, 12, 0], [2, 8, 0], [1, 4, 0], [0, 0, 0]]
    assert fr(sol.q_values) == [
        [[3, 4], [12, 12], [0, 0]],
        [[2, 2], [8, 8], [0, 0]],
        [[1, 0], [4, 4], [0, 0]],
    ]
    both = ("cash", "invest")
    assert sol.argmax == (
        (("invest",), both, both),
        (both, both, both),
        (("cash",), both, both),
    )
    assert [sol.policy.action_labels(t)[0] for t in range(3)] == ["invest", "cash", "cash"]
    assert fr(sol.initial_values) == [4, 12, 0]
    assert sol.iterations == 3


def test_tie_rule_uniform_versus_first_finite_horizon():
    # From the table above: at t=1 home ties (2 = 2), rich and bust tie at every step.
    # uniform: 1/2 on each tied action; first: all mass on "cash" (the first label).
    m = invest()
    uniform = backward_induction(m, "true", tie="uniform").policy
    first = backward_induction(m, "true", tie="first").policy
    half = [F(1, 2), F(1, 2)]
    assert fr(uniform.probs[1]) == [half, half, half]
    assert fr(first.probs[1]) == [[1, 0], [1, 0], [1, 0]]
    assert fr(uniform.probs[0][0]) == [0, 1] and fr(uniform.probs[2][0]) == [1, 0]
    # Both tie rules are optimal: their expected true return is v_0(home) = 4.
    assert expected_return(m, uniform, "true") == 4
    assert expected_return(m, first, "true") == 4


def test_tie_rule_uniform_versus_first_discounted():
    # s0: safe pays 1 and stays; risky pays 0 and moves to s0 or s1 with 1/2 each.
    # s1: both actions stay and pay 3. Discount 1/2.
    #   v*(s1) = 3 / (1 - 1/2) = 6; safe forever: v(s0) = 1 / (1 - 1/2) = 2;
    #   Q(s0, risky) = 0 + 1/2 (1/2 * 2 + 1/2 * 6) = 2 = Q(s0, safe): an exact tie.
    #   (Risky forever: v0 = 1/2 (1/2 v0 + 3) => v0 = 2 as well, so v*(s0) = 2.)
    #   Q(s1, .) = 3 + 1/2 * 6 = 6 for both actions.
    m = FiniteMDP(
        states=["s0", "s1"],
        actions=["safe", "risky"],
        transitions=[[[1, 0], [F(1, 2), F(1, 2)]], [[0, 1], [0, 1]]],
        rewards={"true": [[1, 0], [3, 3]]},
        initial=[1, 0],
        discount=F(1, 2),
    )
    uniform = policy_iteration(m, "true", tie="uniform")
    first = policy_iteration(m, "true", tie="first")
    assert fr(uniform.values) == [2, 6] and fr(first.values) == [2, 6]
    assert fr(uniform.q_values) == [[2, 2], [6, 6]]
    assert uniform.argmax == (("safe", "risky"), ("safe", "risky"))
    assert fr(uniform.policy.probs) == [[F(1, 2), F(1, 2)], [F(1, 2), F(1, 2)]]
    assert first.policy.action_labels() == ("safe", "safe")


def test_return_distribution_single_reward():
    # Uniform policy from home, horizon 3, true reward. Enumerate the paths (probability, return):
    #   cash, cash, cash                      1/8   1+1+1 = 3
    #   cash, cash, invest                    1/8   1+1+0 = 2
    #   cash, invest -> rich, (either)        1/8   1+0+4 = 5
    #   cash, invest -> bust, (either)        1/8   1+0+0 = 1
    #   invest -> rich, (either), (either)    1/4   0+4+4 = 8
    #   invest -> bust, ...                   1/4   0
    # Mean: (3 + 2 + 5 + 1)/8 + 8/4 = 11/8 + 2 = 27/8. By backward recursion:
    #   v_2(home) = 1/2, v_1(home) = 1/2 (1 + 1/2) + 1/2 (1/2 * 4) = 7/4,
    #   v_0(home) = 1/2 (1 + 7/4) + 1/2 (1/2 * 8) = 11/8 + 2 = 27/8. They agree.
    m = invest()
    pi = Policy.uniform(m)
    law = return_distribution(m, pi, "true")
    assert law == {0: F(1, 4), 1: F(1, 8), 2: F(1, 8), 3: F(1, 8), 5: F(1, 8), 8: F(1, 4)}
    assert list(law) == [0, 1, 2, 3, 5, 8]  # keys sorted ascending
    assert expected_return(m, pi, "true") == F(27, 8)

    # The optimal policy (first tie rule) invests at t=0: 8 or 0 with probability 1/2 each.
    best = backward_induction(m, "true", tie="first").policy
    assert return_distribution(m, best, "true") == {0: F(1, 2), 8: F(1, 2)}


def test_return_distribution_joint_proxy_true():
    # The same six paths, now with (proxy, true) returns; the proxy pays 4 in bust:
    #   cash, cash, cash           1/8   (3, 3)
    #   cash, cash, invest         1/8   (2, 2)
    #   cash, invest -> rich       1/8   (5, 5)
    #   cash, invest -> bust       1/8   (1 + 0 + 4, 1 + 0 + 0) = (5, 1)
    #   invest -> rich             1/4   (8, 8)
    #   invest -> bust             1/4   (0 + 4 + 4, 0) = (8, 0)
    # Proxy mean: (3 + 2 + 5 + 5)/8 + (8 + 8)/4 = 15/8 + 4 = 47/8; by recursion:
    #   v_2(home) = 1/2, v_1(home) = 1/2 (1 + 1/2) + 1/2 * 4 = 11/4,
    #   v_0(home) = 1/2 (1 + 11/4) + 1/2 * 8 = 15/8 + 4 = 47/8.
    m = invest()
    pi = Policy.uniform(m)
    joint = return_distribution(m, pi, ("proxy", "true"))
    assert joint == {
        (2, 2): F(1, 8),
        (3, 3): F(1, 8),
        (5, 1): F(1, 8),
        (5, 5): F(1, 8),
        (8, 0): F(1, 4),
        (8, 8): F(1, 4),
    }
    assert list(joint) == sorted(joint)
    assert expected_return(m, pi, "proxy") == F(47, 8)

    # Goodhart in miniature: the proxy optimum (v_0(home) = 8 under the proxy:
    # invest = 1/2 * 8 + 1/2 * 8 beats cash = 1 + 4) is certain of proxy return 8, while
    # its true return is 8 or 0 with probability 1/2 each.
    greedy = backward_induction(m, "proxy", tie="first")
    assert greedy.values[0][0] == 8
    assert return_distribution(m, greedy.policy, ("proxy", "true")) == {(8, 0): F(1, 2), (8, 8): F(1, 2)}


def test_finite_horizon_occupancy():
    # Uniform policy from home: P(s_0) = (1, 0, 0); P(s_1) = (1/2, 1/4, 1/4);
    # P(s_2) = (1/4, 1/4 + 1/8, 1/4 + 1/8) = (1/4, 3/8, 3/8).
    # d(s) = sum over t < 3 = (7/4, 5/8, 5/8), total 3 = H; d(s, a) = d(s)/2.
    # sum d * r_true = 7/8 * 1 + 5/16 * 4 * 2 = 7/8 + 20/8 = 27/8 = J (above).
    m = invest()
    pi = Policy.uniform(m)
    assert fr(state_occupancy(m, pi)) == [F(7, 4), F(5, 8), F(5, 8)]
    d = occupancy(m, pi)
    assert fr(d) == [[F(7, 8), F(7, 8)], [F(5, 16), F(5, 16)], [F(5, 16), F(5, 16)]]
    # A time-dependent policy: the first-tie optimum invests at t=0 and then is in rich or
    # bust (1/2 each) at t=1 and t=2, choosing "cash" there: d(home, invest) = 1,
    # d(rich, cash) = d(bust, cash) = 1/2 + 1/2 = 1.
    best = backward_induction(m, "true", tie="first").policy
    assert fr(occupancy(m, best)) == [[0, 1], [1, 0], [1, 0]]


def test_two_state_horizon_two():
    # Horizon 2 (undiscounted): v_1 = max_a r = (0, 1); v_0(s0) = max(0 + 0, 0 + 9/10 * 1) = 9/10,
    # v_0(s1) = 1 + 1 = 2. The policy (go, stay) returns 1 iff it reaches s1 at t=1 (9/10).
    m = two_state().replace(discount=None, horizon=2)
    sol = backward_induction(m, "true")
    assert fr(sol.values) == [[F(9, 10), 2], [0, 1], [0, 0]]
    pi = Policy.deterministic(m, ["go", "stay"])
    assert return_distribution(m, pi, "true") == {0: F(1, 10), 1: F(9, 10)}


@pytest.mark.parametrize("reward", ["true", "proxy"])
def test_float_model_agrees_with_the_hand_values(reward):
    # The float model gives the same optimum up to rounding: |v_float - v_exact| <= 1e-12
    # (the values are about 10, each step of the float solve loses about 1e-16 relative).
    exact = {"true": [F(810, 91), F(10)], "proxy": [F(860, 91), F(10)]}[reward]
    sol = policy_iteration(two_state().to_float(), reward)
    assert sol.values.dtype == np.float64
    assert all(abs(F(float(x)) - y) <= F(1, 10**12) for x, y in zip(sol.values, exact))
    assert sol.argmax == (("go",), ("stay",))


def test_float_policy_iteration_takes_an_improvement_of_one_millionth():
    # s0: a0 pays 1 and stays; a1 pays 0 and moves to s1, which pays x = 2 + 10**-6 forever.
    # Discount 1/2: a0 forever is worth 1 / (1 - 1/2) = 2; a1 is worth 0 + 1/2 * (x / (1/2)) = x.
    # Policy iteration starts from the immediate argmax (a0) and must switch: x - 2 = 1e-6 is
    # far above the float tolerance 1e-9 * 2. So v*(s0) = x, v*(s1) = 2x, in both kinds.
    x = F(2) + F(1, 10**6)
    exact = FiniteMDP(
        states=["s0", "s1"],
        actions=["a0", "a1"],
        transitions=[[[1, 0], [0, 1]], [[0, 1], [0, 1]]],
        rewards={"true": [[1, 0], [x, x]]},
        initial=[1, 0],
        discount=F(1, 2),
    )
    sol = policy_iteration(exact, "true")
    assert fr(sol.values) == [x, 2 * x] and sol.argmax[0] == ("a1",)
    approx = policy_iteration(exact.to_float(), "true")
    assert abs(approx.values[0] - float(x)) <= 1e-12 and approx.argmax[0] == ("a1",)


def test_float_ties_are_detected_within_the_float_tolerance():
    # A one-step bandit whose two float rewards are 0.1 + 0.2 = 0.30000000000000004 and 0.3:
    # equal as decimals, 5.6e-17 apart as floats, which is within FLOAT_TOLERANCE = 1e-9, so
    # both actions are optimal and the uniform tie rule splits 1/2-1/2. A third action worse
    # by 1e-6 is not a tie.
    m = FiniteMDP(
        states=["ctx"],
        actions=["a", "b", "c"],
        transitions=np.ones((1, 3, 1)),
        rewards={"true": np.array([[0.1 + 0.2, 0.3, 0.3 - 1e-6]])},
        initial=np.ones(1),
        horizon=1,
    )
    sol = backward_induction(m, "true")
    assert sol.argmax == ((("a", "b"),),)
    assert sol.policy.probs[0].tolist() == [[0.5, 0.5, 0.0]]
    assert backward_induction(m, "true", tie="first").policy.probs[0].tolist() == [[1.0, 0.0, 0.0]]
    # Read exactly, the float 0.1 + 0.2 is its shortest decimal 0.30000000000000004, which
    # is not 3/10: the exact model has a unique argmax. Rounded to denominators <= 10**6, the
    # rewards are 3/10, 3/10 and 299999/10**6, and the tie is exact.
    assert fr(m.to_exact().rewards["true"])[0][:2] == [F(30000000000000004, 10**17), F(3, 10)]
    assert backward_induction(m.to_exact(), "true").argmax == ((("a",),),)
    rounded = m.to_exact(max_denominator=10**6)
    assert fr(rounded.rewards["true"]) == [[F(3, 10), F(3, 10), F(299999, 10**6)]]
    assert backward_induction(rounded, "true").argmax == ((("a", "b"),),)


# ---------------------------------------------------------------------------------------------
# Policy iteration's steps, the float tie rule at its edges, value iteration's stopping rule.
# (Each pins a documented behaviour that a plausible bug changes; see bench/mutation.py.)
# ---------------------------------------------------------------------------------------------


def cycle_or_exit() -> FiniteMDP:
    """s0: a0 pays 1 and stays; a1 (pays 0) goes to s1; a2 (pays 0) goes to s2.
    s1: every action pays 4 and returns to s0. s2: every action pays 5/2 and stays. Discount 1/2."""
    to = {"s0": [1, 0, 0], "s1": [0, 1, 0], "s2": [0, 0, 1]}
    return FiniteMDP(
        states=["s0", "s1", "s2"],
        actions=["a0", "a1", "a2"],
        transitions=[[to["s0"], to["s1"], to["s2"]], [to["s0"]] * 3, [to["s2"]] * 3],
        rewards={"true": [[1, 0, 0], [4, 4, 4], [F(5, 2)] * 3]},
        initial=[1, 0, 0],
        discount=F(1, 2),
    )


def test_policy_iteration_counts_howards_steps():
    # Howard's rule as documented: start from the immediate argmax (first index on ties),
    # evaluate, switch each state to the FIRST action strictly better than its current one,
    # and count evaluations until nothing switches.
    # two_state, proxy: the immediate argmax is (go, stay) (1/2 > 0 in s0, 1 > 0 in s1), already
    # optimal (test above): 1 evaluation. True: the immediate argmax is (stay, stay) (a tie 0 = 0
    # in s0 gives the first action); v = (0, 10); Q(s0, go) = 9/10 * 9/10 * 10 = 81/10 > 0, so
    # s0 switches; the second evaluation (go, stay) is optimal: 2 evaluations.
    assert policy_iteration(two_state(), "proxy").iterations == 1
    assert policy_iteration(two_state(), "true").iterations == 2
    # cycle_or_exit: start (a0, a0, a0). Evaluation 1: v(s0) = 1/(1 - 1/2) = 2, v(s1) = 4 + 1 = 5,
    # v(s2) = (5/2)/(1/2) = 5. Q(s0) = (1 + 1, 5/2, 5/2): a1 and a2 tie above a0, the first (a1)
    # is taken. Evaluation 2, s0 -> s1 -> s0: v0 = 1/2 v1, v1 = 4 + 1/2 v0 => v0 = 8/3, v1 = 16/3;
    # Q(s0) = (1 + 4/3, 8/3, 5/2) = (7/3, 8/3, 5/2): a1 stays best, so 2 evaluations. (Taking
    # the last tied action, a2, would give v0 = 5/2 and Q(s0, a1) = 1/2 (4 + 5/4) = 21/8 > 5/2:
    # a third evaluation.)
    sol = policy_iteration(cycle_or_exit(), "true")
    assert sol.iterations == 2
    assert fr(sol.values) == [F(8, 3), F(16, 3), 5]
    assert sol.argmax[0] == ("a1",)


def test_argmax_float_tolerance_edges():
    # The rule: Q(s, a) is in the argmax set iff Q(s, a) >= max - 1e-9 * max(1, |max|).
    assert argmax_sets(np.array([[1.0, 1.0 - 1e-9]]), False) == [[0, 1]]  # a gap of exactly the tolerance
    assert argmax_sets(np.array([[1.0, 1.0 - 2e-9]]), False) == [[0]]  # twice the tolerance
    assert argmax_sets(np.array([[0.0, 1e-12]]), False) == [[0, 1]]  # the floor 1 near zero
    assert argmax_sets(np.array([[1e6, 1e6 - 1e-4]]), False) == [[0, 1]]  # 1e-9 * 1e6 = 1e-3
    # A row with -inf takes the plain loop instead of the vectorised mask: the same rule.
    assert argmax_sets(np.array([[0.0, -np.inf], [1e6, 1e6 - 1e-4]]), False) == [[0], [0, 1]]
    # Exact values are tied only when equal, however close.
    assert argmax_sets(np.array([[F(1), 1 + F(1, 10**12)]], dtype=object), True) == [[1]]


def test_greedy_policy_float_ties():
    # A near-tie whose float maximum is the SECOND action: "first" still takes action 0 (the
    # first of the argmax set {0, 1}); "uniform" halves it. Rows of a (2, 3) array: each
    # row is normalised over its own argmax set.
    q = np.array([[1.0, 1.0 + 1e-12, 0.0], [0.0, 2.0, 1.0]])
    assert greedy_policy(q, False, "first").tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    assert greedy_policy(q, False, "uniform").tolist() == [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]


def test_float_policy_iteration_ignores_improvements_below_the_tolerance():
    # As documented, float policy iteration switches only for a gain of more than
    # 1e-9 * max(1, |Q|). s0: a0 pays 1 and stays (2 = 1/(1 - 1/2) forever); a1 goes to s1,
    # which pays x forever, worth 0 + 1/2 * 2x = x. With x = 2 + 1e-12 the gain 1e-12 is
    # below 2e-9: no switch, v(s0) = 2 exactly, one evaluation, and both actions are tied.
    def mdp(a0, x):
        return FiniteMDP(
            states=["s0", "s1"], actions=["a0", "a1"],
            transitions=np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]]),
            rewards={"true": np.array([[a0, 0.0], [x, x]])}, initial=np.array([1.0, 0.0]), discount=0.5,
        )

    sol = policy_iteration(mdp(1.0, 2.0 + 1e-12), "true")
    assert sol.values[0] == 2.0 and sol.iterations == 1 and sol.argmax[0] == ("a0", "a1")
    # Near zero the floor 1 applies: a0 pays 0, x = 1e-12, a gain of 1e-12 < 1e-9.
    sol = policy_iteration(mdp(0.0, 1e-12), "true")
    assert sol.values[0] == 0.0 and sol.iterations == 1


def one_state(reward: float) -> FiniteMDP:
    """One state, one action paying ``reward``, discount 1/2: v_k = reward * (2 - 2**(1 - k))."""
    return FiniteMDP(states=["s"], actions=["a"], transitions=np.ones((1, 1, 1)),
                     rewards={"true": np.array([[reward]])}, initial=np.ones(1), discount=0.5)


def test_value_iteration_stops_by_the_documented_rule():
    # v_0 = 0, v_k = 1 + v_{k-1} / 2 = 2 - 2**(1-k); the change at step k is 2**(1-k). The rule:
    # stop at the first k with change < tolerance * (1 - g) / g = tolerance (g = 1/2). With
    # tolerance 1e-3: 2**-9 = 0.00195 > 1e-3 > 2**-10, so k = 11, v = 2 - 2**-10, the bound
    # g * change / (1 - g) = 2**-10, and the Q-value from the final v is 1 + v/2 = 2 - 2**-11.
    # All dyadic: exact in float64.
    sol = value_iteration(one_state(1.0), "true", tolerance=1e-3)
    assert (sol.iterations, sol.values.tolist(), sol.error_bound) == (11, [2 - 2**-10], 2**-10)
    assert sol.q_values.tolist() == [[2 - 2**-11]]
    # The comparison is strict: with tolerance 2**-10 the change 2**-10 at k = 11 does not stop.
    sol = value_iteration(one_state(1.0), "true", tolerance=2**-10)
    assert (sol.iterations, sol.values.tolist(), sol.error_bound) == (12, [2 - 2**-11], 2**-11)
    # Decreasing values (reward -1) stop by the size of the change, at the same step.
    sol = value_iteration(one_state(-1.0), "true", tolerance=1e-3)
    assert (sol.iterations, sol.values.tolist()) == (11, [-(2 - 2**-10)])
    # max_iterations is the number of sweeps allowed: 11 are enough, 10 are not.
    assert value_iteration(one_state(1.0), "true", tolerance=1e-3, max_iterations=11).iterations == 11
    with pytest.raises(InvalidArgument, match=r"^value_iteration did not reach tolerance 0.001 in 10 iterations$"):
        value_iteration(one_state(1.0), "true", tolerance=1e-3, max_iterations=10)


# ---------------------------------------------------------------------------------------------
# Evaluation on a horizon: Q-values per step, occupancy of a time-dependent policy, the float
# paths (dyadic numbers, so float64 is exact and compared with ==), reward arrays.
# ---------------------------------------------------------------------------------------------


def cash_invest_cash(m: FiniteMDP) -> Policy:
    """On invest(): cash at t = 0, invest at t = 1, cash at t = 2 (any action in rich and bust)."""
    cash, inv = [1, 0], [0, 1]
    return Policy(probs=[[cash] * 3, [inv, cash, cash], [cash] * 3], states=m.states, actions=m.actions)


def test_finite_horizon_q_values_of_the_uniform_policy():
    # From the recursion in test_return_distribution_single_reward: v_3 = 0, v_2 = (1/2, 4, 0),
    # v_1 = (7/4, 8, 0). Q_t = r + P v_{t+1}:
    #   Q_2 = r: home (1, 0), rich (4, 4), bust (0, 0);
    #   Q_1: home (1 + 1/2, 1/2 * 4) = (3/2, 2), rich 4 + 4 = 8, bust 0;
    #   Q_0: home (1 + 7/4, 1/2 * 8) = (11/4, 4), rich 4 + 8 = 12, bust 0.
    m = invest()
    assert fr(q_values(m, Policy.uniform(m), "true")) == [
        [[F(11, 4), 4], [12, 12], [0, 0]],
        [[F(3, 2), 2], [8, 8], [0, 0]],
        [[1, 0], [4, 4], [0, 0]],
    ]


def test_occupancy_of_a_time_dependent_policy():
    # cash, invest, cash from home: s_0 = home, s_1 = home (cash), s_2 = rich or bust (1/2 each).
    # d = (1 + 1, 1/2, 1/2), summing to H = 3; normalised by H: (2/3, 1/6, 1/6).
    # d(s, a): home cash at t = 0, home invest at t = 1; rich and bust play cash at t = 2.
    m = invest()
    pi = cash_invest_cash(m)
    assert fr(state_occupancy(m, pi)) == [2, F(1, 2), F(1, 2)]
    assert fr(normalised_state_occupancy(m, pi)) == [F(2, 3), F(1, 6), F(1, 6)]
    assert fr(occupancy(m, pi)) == [[1, 1], [F(1, 2), 0], [F(1, 2), 0]]
    # The same in float64 (all numbers dyadic).
    assert state_occupancy(m.to_float(), pi.to_float()).tolist() == [2.0, 0.5, 0.5]
    assert occupancy(m.to_float(), pi.to_float()).tolist() == [[1.0, 1.0], [0.5, 0.0], [0.5, 0.0]]


def test_float_occupancy_and_return_distribution_equal_the_exact_ones():
    # invest() is dyadic (probabilities 1/2), so float64 reproduces the hand values exactly:
    # d = (7/4, 5/8, 5/8) (test_finite_horizon_occupancy) and the law of
    # test_return_distribution_single_reward.
    m, pi = invest().to_float(), Policy.uniform(invest()).to_float()
    assert state_occupancy(m, pi).tolist() == [1.75, 0.625, 0.625]
    law = return_distribution(m, pi, "true")
    assert law == {0: 0.25, 1: 0.125, 2: 0.125, 3: 0.125, 5: 0.125, 8: 0.25}
    assert list(law) == [0, 1, 2, 3, 5, 8]


def test_reward_given_as_an_array():
    # invest() has S = 3 states and A = 2 actions: an (S, A) array is a reward; (A, S) is not.
    m = invest()
    r = np.array([[1, 0], [4, 4], [0, 0]], dtype=object)  # the true reward, written out
    assert expected_return(m, Policy.uniform(m), r) == F(27, 8)
    with pytest.raises(InvalidArgument, match=r"^reward has shape \(2, 3\), expected \(3, 2\)$"):
        expected_return(m, Policy.uniform(m), r.T)


# ---------------------------------------------------------------------------------------------
# theory.metrics: optimal return, regret, gap, KL per state and over trajectories.
# ---------------------------------------------------------------------------------------------


def test_optimal_return_weights_the_initial_distribution():
    # v*_true = (810/91, 10): from initial (1/2, 1/2), J* = 405/91 + 5 = 860/91.
    # v*_proxy(s0) = 860/91 from s0. invest(): v*_0(home) = 4 (test above; not 4 + 2 + 1, the
    # sum of the per-step values).
    assert optimal_return(two_state().replace(initial=[F(1, 2), F(1, 2)]), "true") == F(860, 91)
    assert optimal_return(two_state(), "proxy") == F(860, 91)
    assert optimal_return(invest(), "true") == 4


def test_regret_and_gap_by_hand():
    # Uniform policy on two_state: J_true = 405/191, J_proxy = 680/191 (tests above).
    m = two_state()
    pi = Policy.uniform(m)
    assert regret(m, pi) == F(810, 91) - F(405, 191)
    assert regret(m, pi, "proxy") == F(860, 91) - F(680, 191)
    assert proxy_true_gap(m, pi) == F(680, 191) - F(405, 191)


def test_state_kl_reads_both_policies_at_step_t():
    # On invest(): policy uniform; base cash, cash, uniform (by step). At t = 2 both are uniform:
    # KL = 0 in every state; at t = 0, KL(uniform || cash) is infinite (the base never invests).
    m = invest()
    cash, half = [1, 0], [F(1, 2), F(1, 2)]
    base = Policy(probs=[[cash] * 3, [cash] * 3, [half] * 3], states=m.states, actions=m.actions)
    pi = Policy.uniform(m)
    assert state_kl(pi, base, 2) == [0.0, 0.0, 0.0]
    assert state_kl(pi, base, 0) == [math.inf] * 3
    other = Policy.uniform(m.replace(actions=["keep", "bet"]))
    with pytest.raises(InvalidArgument, match=r"^policy and base have different state or action labels$"):
        state_kl(pi, other)


def test_trajectory_kl_discounted_by_hand():
    # two_state; policy: go in s0, uniform in s1; base uniform. KL per state: (log 2, 0).
    # The policy's occupancy: d1 = 9/10 (9/10 d0 + 1/2 d1) => d1 = 81/55 d0;
    # d0 = 1 + 9/10 (1/10 d0 + 1/2 d1) = 1 + (99/1100 + 729/1100) d0 => d0 = 1100/272 = 275/68
    # (and d1 = 405/68; total 10). Trajectory KL = 275/68 log 2 (the unnormalised occupancy).
    m = two_state()
    pi = Policy(probs=[[0, 1], ["1/2", "1/2"]], states=m.states, actions=m.actions)
    assert trajectory_kl(m, pi, Policy.uniform(m)) == pytest.approx(275 / 68 * math.log(2), rel=1e-12)
    # A state the policy never reaches (s1, under stay in s0) contributes nothing, even where
    # the KL is infinite (go against a base that always stays): 10 * log 2 from s0 alone.
    stay_go = Policy.deterministic(m, ["stay", "go"])
    base = Policy(probs=[["1/2", "1/2"], [1, 0]], states=m.states, actions=m.actions)
    assert trajectory_kl(m, stay_go, base) == pytest.approx(10 * math.log(2), rel=1e-12)
    with pytest.raises(InvalidPolicy, match=r"^policy is float but the MDP is exact; convert one of them$"):
        trajectory_kl(m, stay_go, base.to_float())


def test_trajectory_kl_finite_horizon_by_hand():
    # invest(), base uniform; policy: t = 0 invest in home (uniform elsewhere), t = 1 cash in
    # rich (uniform elsewhere), t = 2 uniform. Chain rule: sum_t sum_s P_pi(s_t = s) KL_t(s):
    #   t = 0: home w.p. 1, KL log 2;  t = 1: rich and bust w.p. 1/2 each, KL (log 2, 0);
    #   t = 2: KL 0.  Total 3/2 log 2.
    m = invest()
    half, cash, inv = [F(1, 2), F(1, 2)], [1, 0], [0, 1]
    pi = Policy(probs=[[inv, half, half], [half, cash, half], [half] * 3], states=m.states, actions=m.actions)
    assert trajectory_kl(m, pi, Policy.uniform(m)) == pytest.approx(1.5 * math.log(2), rel=1e-12)
    # Horizon 1 on two_state: stay in s0, go in s1 (never reached) against "always stay": 0.
    h1 = two_state().replace(discount=None, horizon=1)
    assert trajectory_kl(h1, Policy.deterministic(h1, ["stay", "go"]), Policy.deterministic(h1, ["stay", "stay"])) == 0.0
