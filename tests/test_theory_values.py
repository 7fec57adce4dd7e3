"""Hand-computed exact values of the theory core (layer 1 of the tests).

Every expected number below is worked out on paper in the comment next to it; none was copied
from running the code. Exact claims use ``==`` on Fractions; the one float comparison (value
iteration) states its tolerance.
"""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest

from theory import (
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
from theory.examples import two_state
from theory.mdp import FiniteMDP


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
