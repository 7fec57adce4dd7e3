"""One test per validation error (layer 3 of the tests).

Every malformed input raises a subclass of ValueError with one line that names the field, the
offending index (as labels) and the value. Each test matches the whole message, anchored.
Nothing is renormalised, clipped or fixed.
"""

from __future__ import annotations

import re
from fractions import Fraction as F

import numpy as np
import pytest

from theory import (
    DeconfuseError,
    FiniteMDP,
    InvalidArgument,
    InvalidMDP,
    InvalidPolicy,
    Policy,
    backward_induction,
    expected_return,
    parse_number,
    policy_iteration,
    return_distribution,
    solve,
    state_values,
    value_iteration,
)
from theory.numbers import coerce_array, exact_array, float_array, to_exact_array
from theory.validation import check_probability


def raises(error, message):
    """pytest.raises matching the whole one-line message exactly."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def make(**changes):
    """A valid exact 2-state, 2-action MDP (``stay``/``go``), with some fields changed."""
    fields = dict(
        states=["s0", "s1"],
        actions=["stay", "go"],
        transitions=[[[1, 0], [F(1, 10), F(9, 10)]], [[0, 1], [1, 0]]],
        rewards={"true": [[0, 0], [1, 0]]},
        initial=[1, 0],
        discount=F(9, 10),
    )
    fields.update(changes)
    return FiniteMDP(**fields)


def make_float(**changes):
    fields = dict(
        transitions=np.array([[[1.0, 0.0], [0.1, 0.9]], [[0.0, 1.0], [1.0, 0.0]]]),
        rewards={"true": np.array([[0.0, 0.0], [1.0, 0.0]])},
        initial=np.array([1.0, 0.0]),
        discount=0.9,
    )
    fields.update(changes)
    return make(**fields)


def test_the_error_family():
    for error in (InvalidMDP, InvalidPolicy, InvalidArgument):
        assert issubclass(error, DeconfuseError) and issubclass(error, ValueError)
    assert make().exact and not make_float().exact


# -- FiniteMDP: transitions ----------------------------------------------------------------


def test_exact_row_not_summing_to_one():
    with raises(InvalidMDP, "transitions['s0', 'go'] sums to 9/10, not 1"):
        make(transitions=[[[1, 0], [0, F(9, 10)]], [[0, 1], [1, 0]]])


def test_float_row_not_summing_to_one():
    T = np.array([[[1.0, 0.0], [1.0, 0.0]], [[0.0, 1.0], [0.5, 0.25]]])
    with raises(InvalidMDP, "transitions['s1', 'go'] sums to 0.75, not 1 within 1e-09"):
        make_float(transitions=T)


def test_float_row_within_tolerance_is_kept_as_given_not_renormalised():
    T = np.array([[[1.0, 0.0], [0.5, 0.5 + 1e-10]], [[0.0, 1.0], [1.0, 0.0]]])
    m = make_float(transitions=T)
    assert m.transitions[0, 1, 1] == 0.5 + 1e-10
    T[0, 1, 1] = 0.5 + 1e-8
    with raises(InvalidMDP, f"transitions['s0', 'go'] sums to {1 + 1e-8!r}, not 1 within 1e-09"):
        make_float(transitions=T)


def test_negative_probability():
    with raises(InvalidMDP, "transitions['s1', 'go', 's0'] is -1/2, a negative probability"):
        make(transitions=[[[1, 0], [0, 1]], [[0, 1], [F(-1, 2), F(3, 2)]]])


def test_nan_probability():
    T = np.array([[[1.0, 0.0], [np.nan, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    with raises(InvalidMDP, "transitions['s0', 'go', 's0'] is nan"):
        make_float(transitions=T)


def test_infinite_probability():
    T = np.array([[[1.0, 0.0], [0.0, np.inf]], [[0.0, 1.0], [1.0, 0.0]]])
    with raises(InvalidMDP, "transitions['s0', 'go', 's1'] is inf, not finite"):
        make_float(transitions=T)


def test_transitions_wrong_shape():
    with raises(InvalidMDP, "transitions has shape (2, 2), expected (2, 2, 2)"):
        make(transitions=[[1, 0], [0, 1]])


def test_transitions_not_numbers():
    with raises(InvalidMDP, "transitions holds 'x', not a number"):
        make(transitions=[[[1, 0], [1, 0]], [[0, 1], [1, "x"]]])


def test_transitions_mixing_floats_and_rationals():
    with raises(InvalidMDP, "transitions mixes floats and exact rationals"):
        make(transitions=[[[1, 0], [0.5, F(1, 2)]], [[0, 1], [1, 0]]])


# -- FiniteMDP: labels ----------------------------------------------------------------------


def test_duplicate_state_label():
    with raises(InvalidMDP, "states repeats the label 's0'"):
        make(states=["s0", "s0"])


def test_duplicate_action_label():
    with raises(InvalidMDP, "actions repeats the label 'go'"):
        make(actions=["go", "go"])


def test_non_string_label():
    with raises(InvalidMDP, "actions[1] is 3, not a string"):
        make(actions=["stay", 3])


def test_labels_as_one_string():
    with raises(InvalidMDP, "states is 'ab', not a sequence of string labels"):
        make(states="ab")


def test_empty_labels():
    with raises(InvalidMDP, "states is empty; at least one label is needed"):
        make(states=[])


# -- FiniteMDP: rewards ----------------------------------------------------------------------


def test_infinite_reward():
    with raises(InvalidMDP, "rewards['true']['s1', 'go'] is inf, not finite"):
        make_float(rewards={"true": np.array([[0.0, 0.0], [1.0, np.inf]])})


def test_nan_reward():
    with raises(InvalidMDP, "rewards['true']['s0', 'stay'] is nan, not finite"):
        make_float(rewards={"true": np.array([[np.nan, 0.0], [1.0, 0.0]])})


def test_float_reward_in_exact_mdp():
    with raises(InvalidMDP, "rewards['proxy'] holds floats but the MDP is exact; convert with to_exact() first"):
        make(rewards={"true": [[0, 0], [1, 0]], "proxy": [[0, 0.5], [1, 0]]})


def test_rational_reward_in_float_mdp():
    with raises(InvalidMDP, "rewards['true'] holds exact rationals but the MDP is float; convert with to_float() first"):
        make_float(rewards={"true": [[0, F(1, 2)], [1, 0]]})


def test_reward_wrong_shape():
    with raises(InvalidMDP, "rewards['true'] has shape (2,), expected (2, 2)"):
        make(rewards={"true": [0, 1]})


def test_no_rewards():
    with raises(InvalidMDP, "rewards is {}, not a non-empty mapping name -> (S, A) array"):
        make(rewards={})


def test_reward_name_not_a_string():
    with raises(InvalidMDP, "rewards has the name 3, not a non-empty string"):
        make(rewards={3: [[0, 0], [0, 0]]})


# -- FiniteMDP: initial ----------------------------------------------------------------------


def test_initial_not_summing_to_one():
    with raises(InvalidMDP, "initial sums to 1/2, not 1"):
        make(initial=[F(1, 2), 0])


def test_initial_negative():
    with raises(InvalidMDP, "initial['s1'] is -1/2, a negative probability"):
        make(initial=[F(3, 2), F(-1, 2)])


def test_initial_wrong_shape():
    with raises(InvalidMDP, "initial has shape (3,), expected (2,)"):
        make(initial=[1, 0, 0])


def test_initial_float_in_exact_mdp():
    with raises(InvalidMDP, "initial holds floats but the MDP is exact; convert with to_exact() first"):
        make(initial=[1.0, 0.0])


# -- FiniteMDP: discount and horizon --------------------------------------------------------


def test_both_discount_and_horizon():
    with raises(InvalidMDP, "discount is 1/2 and horizon is 3; give exactly one"):
        make(discount=F(1, 2), horizon=3)
    with raises(InvalidMDP, "discount is '1/2' and horizon is 3; give exactly one"):
        make(discount="1/2", horizon=3)


def test_neither_discount_nor_horizon():
    with raises(InvalidMDP, "discount is None and horizon is None; give exactly one"):
        make(discount=None)


@pytest.mark.parametrize("value, shown", [(1, "1"), (F(-1, 2), "-1/2"), ("3/2", "3/2")])
def test_exact_discount_out_of_range(value, shown):
    with raises(InvalidMDP, f"discount is {shown}, not in [0, 1)"):
        make(discount=value)


def test_float_discount_out_of_range():
    with raises(InvalidMDP, "discount is 1.0, not in [0, 1)"):
        make_float(discount=1.0)


def test_float_discount_nan():
    with raises(InvalidMDP, "discount is nan, not a number in [0, 1)"):
        make_float(discount=float("nan"))


def test_float_discount_in_exact_mdp():
    with raises(InvalidMDP, 'discount is the float 0.9 but the MDP is exact; write it as "p/q"'):
        make(discount=0.9)
    with raises(InvalidMDP, 'discount is the float 0.5 but the MDP is exact; write it as "p/q"'):
        make(discount=np.float64(0.5))


def test_exact_discount_in_float_mdp():
    with raises(InvalidMDP, "discount is 9/10 (exact) but the MDP is float; use a float"):
        make_float(discount=F(9, 10))
    with raises(InvalidMDP, "discount is '0.9' (exact) but the MDP is float; use a float"):
        make_float(discount="0.9")


def test_discount_not_a_number():
    with raises(InvalidMDP, "discount is 'abc', not a number (use an int, \"p/q\" or a decimal)"):
        make(discount="abc")
    with raises(InvalidMDP, "discount is True, not a number in [0, 1)"):
        make(discount=True)


@pytest.mark.parametrize("horizon", [0, -1, 1.5, True])
def test_bad_horizon(horizon):
    with raises(InvalidMDP, f"horizon is {horizon!r}, not a positive integer"):
        make(discount=None, horizon=horizon)


# -- FiniteMDP: observations and features ---------------------------------------------------


def test_observations_wrong_length():
    with raises(InvalidMDP, "observations is ['x'], not a sequence of 2 labels"):
        make(observations=["x"])


def test_observations_as_one_string():
    with raises(InvalidMDP, "observations is 'ab', not a sequence of 2 labels"):
        make(observations="ab")


def test_observation_not_a_string():
    with raises(InvalidMDP, "observations['s1'] is 7, not a string"):
        make(observations=["x", 7])


def test_features_wrong_shape():
    with raises(InvalidMDP, "features has shape (1, 2), expected (2, k)"):
        make(features=[[0.0, 1.0]])
    with raises(InvalidMDP, "features has shape (2,), expected (2, k)"):
        make(features=[0.0, 1.0])


def test_features_not_finite():
    with raises(InvalidMDP, "features['s1', '0'] is inf, not finite"):
        make(features=[[0.0, 1.0], [np.inf, 0.0]])


def test_features_not_numeric():
    with raises(InvalidMDP, "features holds non-numeric entries"):
        make(features=[[0.0, "a"], [1.0, 2.0]])


# -- FiniteMDP: conversions ------------------------------------------------------------------


def test_to_exact_breaking_a_row_sum_with_max_denominator_is_raised_not_fixed():
    # The float row (0.1, 0.2, 0.7) sums to 1 within tolerance. With max_denominator=2 the
    # nearest fractions are 0.1 -> 0, 0.2 -> 0 (0.2 < 1/4) and 0.7 -> 1/2 (|0.7 - 1/2| = 0.2 <
    # |0.7 - 1| = 0.3), which sum to 1/2: the exact model would be invalid, so it is refused.
    row = [0.1, 0.2, 0.7]
    m = FiniteMDP(
        states=["s0", "s1", "s2"],
        actions=["a"],
        transitions=np.array([[row]] * 3),
        rewards={"true": np.zeros((3, 1))},
        initial=np.array([1.0, 0.0, 0.0]),
        discount=0.5,
    )
    assert m.transitions[0, 0].tolist() == row
    with raises(InvalidMDP, "transitions['s0', 'a'] sums to 1/2, not 1"):
        m.to_exact(max_denominator=2)
    # Without a bound, each float is its shortest decimal: 1/10 + 2/10 + 7/10 = 1 exactly.
    assert m.to_exact().transitions[0, 0].tolist() == [F(1, 10), F(1, 5), F(7, 10)]


def test_to_exact_breaking_a_row_sum_of_thirds():
    # float(1/3) prints as 0.3333333333333333 (16 threes); three of them sum to
    # 9999999999999999/10**16, not 1. With max_denominator=3 they come back as 1/3 each.
    third = 1 / 3
    m = FiniteMDP(["s0", "s1", "s2"], ["a"], np.full((3, 1, 3), third), {"true": np.zeros((3, 1))},
                  np.full(3, third), horizon=2)
    with raises(InvalidMDP, "transitions['s0', 'a'] sums to 9999999999999999/10000000000000000, not 1"):
        m.to_exact()
    assert m.to_exact(max_denominator=3).transitions[0, 0].tolist() == [F(1, 3)] * 3


def test_to_exact_bad_max_denominator():
    with raises(InvalidArgument, "max_denominator is 0, not a positive integer"):
        make_float().to_exact(max_denominator=0)


# -- Policy ----------------------------------------------------------------------------------


def test_policy_row_sum():
    with raises(InvalidPolicy, "probs['s1'] sums to 3/4, not 1"):
        Policy([[1, 0], [F(1, 2), F(1, 4)]], ["s0", "s1"], ["stay", "go"])


def test_float_policy_row_sum():
    with raises(InvalidPolicy, "probs['s0'] sums to 1.5, not 1 within 1e-09"):
        Policy(np.array([[1.0, 0.5], [1.0, 0.0]]), ["s0", "s1"], ["stay", "go"])


def test_time_dependent_policy_row_sum():
    # The time index is shown as its step number, as a label.
    probs = [[[1, 0], [1, 0]], [[F(1, 2), F(1, 4)], [1, 0]]]
    with raises(InvalidPolicy, "probs['1', 's0'] sums to 3/4, not 1"):
        Policy(probs, ["s0", "s1"], ["stay", "go"])


def test_policy_negative_probability():
    with raises(InvalidPolicy, "probs['s0', 'stay'] is -1, a negative probability"):
        Policy([[-1, 2], [1, 0]], ["s0", "s1"], ["stay", "go"])


def test_policy_wrong_shape():
    with raises(InvalidPolicy, "probs has shape (3, 2), expected (2, 2)"):
        Policy([[1, 0]] * 3, ["s0", "s1"], ["stay", "go"])


def test_policy_duplicate_label():
    with raises(InvalidPolicy, "states repeats the label 's0'"):
        Policy([[1, 0], [1, 0]], ["s0", "s0"], ["stay", "go"])


def test_policy_without_time_steps():
    with raises(InvalidPolicy, "probs has no time steps"):
        Policy(np.zeros((0, 2, 2)), ["s0", "s1"], ["stay", "go"])


def test_policy_states_differ_from_mdp():
    pi = Policy([[1, 0], [1, 0]], ["x", "y"], ["stay", "go"])
    with raises(InvalidPolicy, "policy states ['x', 'y'] differ from the MDP's ['s0', 's1']"):
        state_values(make(), pi, "true")


def test_policy_actions_differ_from_mdp():
    pi = Policy([[1, 0], [1, 0]], ["s0", "s1"], ["go", "stay"])
    with raises(InvalidPolicy, "policy actions ['go', 'stay'] differ from the MDP's ['stay', 'go']"):
        expected_return(make(), pi, "true")


def test_policy_kind_differs_from_mdp():
    with raises(InvalidPolicy, "policy is float but the MDP is exact; convert one of them"):
        state_values(make(), Policy.uniform(make_float()), "true")
    with raises(InvalidPolicy, "policy is exact but the MDP is float; convert one of them"):
        state_values(make_float(), Policy.uniform(make()), "true")


def test_time_dependent_policy_in_discounted_mdp():
    pi = Policy([[[1, 0], [1, 0]]], ["s0", "s1"], ["stay", "go"])
    with raises(InvalidPolicy, "a time-dependent policy needs a finite-horizon MDP"):
        state_values(make(), pi, "true")


def test_time_dependent_policy_of_the_wrong_length():
    pi = Policy([[[1, 0], [1, 0]]] * 2, ["s0", "s1"], ["stay", "go"])
    with raises(InvalidPolicy, "policy has 2 time steps but the MDP's horizon is 3"):
        state_values(make(discount=None, horizon=3), pi, "true")


def test_not_a_policy():
    with raises(InvalidPolicy, "policy is list, not a Policy"):
        expected_return(make(), [[1, 0], [1, 0]], "true")


def test_deterministic_policy_choices():
    m = make()
    with raises(InvalidPolicy, "choice has no action for state 's1'"):
        Policy.deterministic(m, {"s0": "go"})
    with raises(InvalidPolicy, "choice names the unknown state 'zz'"):
        Policy.deterministic(m, {"s0": "go", "s1": "go", "zz": "go"})
    with raises(InvalidPolicy, "choice['s0'] is 'fly', not one of ['stay', 'go']"):
        Policy.deterministic(m, {"s0": "fly", "s1": "go"})
    with raises(InvalidPolicy, "choice has 1 entries, expected 2"):
        Policy.deterministic(m, ["go"])
    with raises(InvalidPolicy, "choice['s1'] is 5, not an action index in [0, 2)"):
        Policy.deterministic(m, [0, 5])


def test_action_labels_of_a_stochastic_policy():
    with raises(InvalidPolicy, "probs['s0'] is not deterministic"):
        Policy.uniform(make()).action_labels()


# -- rewards named in evaluation and solvers ----------------------------------------------


def test_unknown_reward_name():
    with raises(InvalidArgument, "reward 'gold' is not in this MDP (it has 'true')"):
        state_values(make(), Policy.uniform(make()), "gold")
    with raises(InvalidArgument, "reward 'proxy' is not in this MDP (it has 'true')"):
        solve(make(), "proxy")


def test_reward_array_wrong_shape_or_kind():
    pi = Policy.uniform(make())
    with raises(InvalidArgument, "reward has shape (1, 2), expected (2, 2)"):
        expected_return(make(), pi, [[1, 0]])
    with raises(InvalidArgument, "reward holds floats but the MDP is exact; convert with to_exact() first"):
        expected_return(make(), pi, [[1, 0.5], [0, 0]])


def test_default_objective_ambiguous():
    m = make(rewards={"true": [[0, 0], [1, 0]], "gold": [[0, 0], [0, 0]]})
    with raises(InvalidArgument, "objective is not given and the MDP has no 'proxy' reward ('true', 'gold'); name one"):
        m.default_objective()


def test_unknown_state_and_action_labels():
    with raises(InvalidArgument, "state 'zz' is not one of ['s0', 's1']"):
        make().state_index("zz")
    with raises(InvalidArgument, "action 'fly' is not one of ['stay', 'go']"):
        make().action_index("fly")


# -- solvers' arguments ----------------------------------------------------------------------


def test_unknown_tie_rule():
    with raises(InvalidArgument, "tie is 'random', not 'uniform' or 'first'"):
        policy_iteration(make(), "true", tie="random")
    with raises(InvalidArgument, "tie is 'last', not 'uniform' or 'first'"):
        backward_induction(make(discount=None, horizon=2), "true", tie="last")


def test_policy_iteration_needs_a_discount():
    with raises(InvalidArgument, "policy_iteration needs a discounted MDP; use backward_induction for a horizon"):
        policy_iteration(make(discount=None, horizon=2), "true")


def test_backward_induction_needs_a_horizon():
    with raises(InvalidArgument, "backward_induction needs a finite-horizon MDP; use policy_iteration"):
        backward_induction(make(), "true")


def test_value_iteration_refuses_exact_input():
    with raises(InvalidArgument, "value_iteration is a float method; use policy_iteration for exact values or mdp.to_float()"):
        value_iteration(make(), "true")


def test_value_iteration_needs_a_discount():
    with raises(InvalidArgument, "value_iteration needs a discounted MDP; use backward_induction for a horizon"):
        value_iteration(make_float(discount=None, horizon=2), "true")


@pytest.mark.parametrize("tolerance", [0, -1e-3, float("nan"), True, "1e-6"])
def test_value_iteration_bad_tolerance(tolerance):
    with raises(InvalidArgument, f"tolerance is {tolerance!r}, not a positive number"):
        value_iteration(make_float(), "true", tolerance=tolerance)


def test_value_iteration_out_of_iterations():
    with raises(InvalidArgument, "value_iteration did not reach tolerance 1e-12 in 3 iterations"):
        value_iteration(make_float(), "true", tolerance=1e-12, max_iterations=3)


def test_return_distribution_needs_a_horizon():
    with raises(InvalidArgument, "return_distribution needs a finite-horizon MDP (this one is discounted)"):
        return_distribution(make(), Policy.uniform(make()), "true")


# -- numbers ----------------------------------------------------------------------------


def test_parse_number_errors():
    with raises(InvalidArgument, "discount is 'abc', not a number (use an int, \"p/q\" or a decimal)"):
        parse_number("abc", "discount")
    with raises(InvalidArgument, "discount is '1/0', not a number (use an int, \"p/q\" or a decimal)"):
        parse_number("1/0", "discount")
    with raises(InvalidArgument, "value is True, not a number"):
        parse_number(True)
    with raises(InvalidArgument, "q is nan, not a finite number"):
        parse_number(float("nan"), "q")
    with raises(InvalidArgument, "q is inf, not a finite number"):
        parse_number(np.float64("inf"), "q")
    with raises(InvalidArgument, "value is [1], not a number"):
        parse_number([1])


def test_parse_number_reads_exactly():
    # Independent expectations: decimal strings and floats are read as their decimal text.
    assert parse_number("0.1") == F(1, 10)
    assert parse_number(0.1) == F(1, 10)  # not 3602879701896397/36028797018963968
    assert parse_number(" 3/6 ") == F(1, 2)
    assert parse_number(np.int64(-3)) == F(-3)
    assert parse_number("1e-3") == F(1, 1000)


def test_exact_array_refuses_floats():
    with raises(InvalidArgument, 'x[1] is the float 0.5 in an exact array; convert with to_exact() or write it as "p/q"'):
        exact_array([1, 0.5], "x")


def test_coerce_array_errors():
    with raises(InvalidArgument, "x mixes floats and exact rationals"):
        coerce_array([0.5, "1/2"], None, "x")
    with raises(InvalidArgument, "x holds None, not a number"):
        coerce_array([None], None, "x")
    with raises(InvalidArgument, "x holds True, not a number"):
        coerce_array([True], None, "x")
    with raises(InvalidArgument, "x holds floats but the MDP is exact; convert with to_exact() first"):
        coerce_array(np.array([0.5]), True, "x")
    with raises(InvalidArgument, "x holds exact rationals but the MDP is float; convert with to_float() first"):
        coerce_array(["1/3"], False, "x")


def test_float_array_refuses_non_numbers():
    with raises(InvalidArgument, "x holds non-numeric entries"):
        float_array([[1, 2], [3]], "x")


def test_to_exact_array_bad_max_denominator():
    with raises(InvalidArgument, "max_denominator is 0, not a positive integer"):
        to_exact_array(np.array([0.5]), max_denominator=0)


def test_check_probability():
    assert check_probability(F(1, 2), "q") == F(1, 2)
    with raises(InvalidArgument, "q is 3/2, not in [0, 1]"):
        check_probability(F(3, 2), "q")
    with raises(InvalidArgument, "q is 0, not in (0, 1]"):
        check_probability(0, "q", low_open=True)
    with raises(InvalidArgument, "q is -0.5, not in [0, 1]"):
        check_probability(-0.5, "q")
    with raises(InvalidArgument, "q is nan, not a finite number"):
        check_probability(np.float64("nan"), "q")
    with raises(InvalidArgument, "q is '1/2', not a number"):
        check_probability("1/2", "q")


# -- the hypothesis strategies' arguments ----------------------------------------------------


def test_strategy_arguments():
    from property_tests.strategies import deterministic_policies, distributions, finite_mdps, policies

    with raises(InvalidArgument, "max_states is 2, less than min_states = 3"):
        finite_mdps(min_states=3, max_states=2)
    with raises(InvalidArgument, "min_actions is 0, not an integer >= 1"):
        finite_mdps(min_actions=0)
    with raises(InvalidArgument, 'discounts holds the float 0.5; write it as "p/q"'):
        finite_mdps(discounts=[0.5])
    with raises(InvalidArgument, "discounts holds 1, not in [0, 1)"):
        finite_mdps(discounts=["1"])
    with raises(InvalidArgument, "horizon is 0, not an integer >= 1"):
        finite_mdps(horizon=0)
    with raises(InvalidArgument, "reward_range is (2, 1), not a pair of integers low <= high"):
        finite_mdps(reward_range=(2, 1))
    with raises(InvalidArgument, "reward_names is ('a', 'a'), not distinct non-empty strings"):
        finite_mdps(reward_names=("a", "a"))
    with raises(InvalidArgument, "reward_denominators is (), not a non-empty sequence of positive integers"):
        finite_mdps(reward_denominators=())
    with raises(InvalidArgument, "n is 0, not an integer >= 1"):
        distributions(0)
    with raises(InvalidArgument, "max_denominator is 0, not an integer >= 1"):
        distributions(2, max_denominator=0)
    with raises(InvalidArgument, "denominators[1] is -2, not an integer >= 1"):
        distributions(2, denominators=[1, -2])
    with raises(InvalidArgument, "stationary is False but the MDP is discounted; a time-dependent policy needs a horizon"):
        policies(make(), stationary=False)
    with raises(InvalidArgument, "mdp is str, not a FiniteMDP"):
        deterministic_policies("m")


# -- the number grammar ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, value",
    [
        ("3", F(3)), ("-3/6", F(-1, 2)), (" 1/2 ", F(1, 2)), ("+2", F(2)), ("0.25", F(1, 4)), (".5", F(1, 2)),
        ("5.", F(5)), ("2.5E-3", F(1, 400)), ("1e400", F(10**400)), ("-1e-400", F(-1, 10**400)),
        ("0e-99999999", F(0)), ("0." + "9" * 400, 1 - F(1, 10**400)), ("1" + "0" * 4299, F(10**4299)),
    ],
)
def test_the_number_grammar_reads_exactly(text, value):
    from theory.numbers import parse_number, parse_number_text

    assert parse_number_text(text) == value and parse_number(text) == value


@pytest.mark.parametrize(
    "text",
    ["1_0", "1 0", "1 /2", "1/ 2", "", " ", ".", "e5", "1e", "inf", "-inf", "nan", "NaN", "0x10", "1.5/2",
     "--1", "1/0", "1/-2", "٣", "1,5", "½"],
)
def test_the_number_grammar_refuses_what_python_would_stretch(text):
    # Fraction("1_0") is 10 and Fraction(" 1/2 ") is 1/2 in Python; only the latter is a number here
    from theory.numbers import parse_number, parse_number_text

    assert parse_number_text(text) == 'not a number (use an int, "p/q" or a decimal)'
    with raises(InvalidArgument, f"x is {text!r}, not a number (use an int, \"p/q\" or a decimal)"):
        parse_number(text, "x")


def test_the_number_grammar_bounds_the_digits_before_computing_them():
    from theory.numbers import parse_number_text

    assert parse_number_text("1" + "0" * 4300) == "a number of 4301 digits, more than the 4300 deconfuse reads"
    assert parse_number_text("1e4300") == "a number of 4301 digits, more than the 4300 deconfuse reads"
    assert parse_number_text("1e-4300") == "a number of 4301 digits, more than the 4300 deconfuse reads"
    assert parse_number_text("1/" + "1" * 4301) == "a number of 4301 digits, more than the 4300 deconfuse reads"
    assert parse_number_text("1e" + "9" * 20).startswith("a number with the exponent '99999999999")


def test_numbers_print_exactly_beyond_pythons_digit_limit():
    from theory.numbers import decimal_text, exact_and_decimal, format_number

    assert format_number(F(10**5000)) == "1" + "0" * 5000
    assert format_number(F(-1, 10**5000)) == "-1/1" + "0" * 5000
    assert exact_and_decimal(F(10**400, 3)) == "1" + "0" * 400 + "/3 (~3.33333e+399)"
    assert decimal_text(F(10**5000, 7)) == "1.42857e+4999"


def test_empty_labels_are_refused():
    from theory.validation import check_labels, check_observations

    with raises(InvalidArgument, "actions[0] is '', not a label (a label is a non-empty string)"):
        check_labels(["", "b"], "actions", InvalidArgument)
    with raises(InvalidArgument, "observations['s1'] is '', not a label (a label is a non-empty string)"):
        check_observations(["x", ""], ("s0", "s1"))


# -- float overflow: the float solvers refuse values beyond float64, exact ones have no limit ------


def _one_state(reward, horizon=None, exact=False):
    row = [1] if exact else [1.0]
    discount = None if horizon else (F(1, 2) if exact else 0.5)
    return FiniteMDP(["s"], ["a", "b"], [[row, row]], {"true": [[reward, 0 if exact else 0.0]]},
                     row, discount=discount, horizon=horizon)


def _overflow(method, top, why, bound):
    return (f"{method}: the 'true' rewards reach {top} and {why} makes values up to {bound}, more than "
            "float64 holds; scale the rewards down or solve the exact MDP")


def test_float_solvers_refuse_values_beyond_float64():
    from agents.soft import soft_value_iteration
    from theory.evaluation import state_values
    from theory.policy import Policy
    from theory.solvers import backward_induction, policy_iteration, value_iteration

    # 2e307 / (1 - 1/2) = 4e307 is under a quarter of float64's maximum (4.49e307): solved, and
    # the value of "a" forever is r / (1 - gamma) = 4e307 (by hand)
    fine = _one_state(2e307)
    assert policy_iteration(fine, "true").values.tolist() == [4e307]
    assert value_iteration(fine, "true").values[0] == pytest.approx(4e307, rel=1e-15)
    big = _one_state(3e307)  # 6e307: refused by every float method, naming it
    message = _overflow("{}", "3.00e+307", "discount 0.5", "6.00e+307")
    for method, run in [("policy_iteration", lambda: policy_iteration(big, "true")),
                        ("value_iteration", lambda: value_iteration(big, "true")),
                        ("soft_value_iteration", lambda: soft_value_iteration(big, "true", beta=1.0)),
                        ("state_values", lambda: state_values(big, Policy.uniform(big), "true"))]:
        with pytest.raises(InvalidArgument) as error:
            run()
        assert str(error.value) == message.format(method)
    # a horizon multiplies: 10 steps of 1e307 reach 1e308
    with pytest.raises(InvalidArgument, match=re.escape(_overflow("backward_induction", "1.00e+307", "horizon 10",
                                                                  "1.00e+308"))):
        backward_induction(_one_state(1e307, horizon=10), "true")
    assert backward_induction(_one_state(1e307, horizon=4), "true").values[0].tolist() == [4e307]


def test_exact_solvers_have_no_overflow():
    from theory.solvers import policy_iteration

    sol = policy_iteration(_one_state(10**400, exact=True), "true")
    assert sol.values.tolist() == [2 * 10**400] and sol.argmax == (("a",),)


def test_argmax_of_infinite_and_nan_q_values():
    from theory.solvers import argmax_sets, greedy_policy

    q = np.array([[np.inf, 0.0, np.inf], [-np.inf, -np.inf, -np.inf]])
    assert argmax_sets(q, False) == [[0, 2], [0, 1, 2]]  # the entries equal to an infinite maximum
    assert greedy_policy(q, False, "first").tolist() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    with pytest.raises(InvalidArgument, match=re.escape("q_values row 0 is [0.0, nan]: NaN has no argmax")):
        argmax_sets(np.array([[0.0, np.nan]]), False)
