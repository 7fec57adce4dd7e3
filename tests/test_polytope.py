"""Tests of theory.polytope: the occupancy-measure polytope of small discounted MDPs.

Layer 1: hand-computed vertices of tiny MDPs (values derived on paper, written in the comments).
Layer 2: hypothesis properties on generated exact MDPs, checked against independent methods
(expected_return, the support-rank test against the enumeration, convexity).
Layer 3: one test per validation error, matching the whole message.
"""

from __future__ import annotations

import re
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from property_tests.strategies import finite_mdps, policies
from theory import FiniteMDP, InvalidArgument, expected_return, occupancy
from theory.examples import two_state
from theory.polytope import (
    count_deterministic_policies,
    deterministic_policies,
    flow_residual,
    is_occupancy_measure,
    is_vertex,
    occupancy_vertices,
    policy_from_occupancy,
    vertices,
)

PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def raises(error, message):
    """pytest.raises matching the whole one-line message exactly."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def as_lists(d):
    return [[F(x) for x in row] for row in np.asarray(d).tolist()]


def one_state(discount=F(1, 2), actions=3):
    """One state, ``actions`` self-loops: the occupancy polytope is the simplex scaled by
    1/(1 - discount) (with discount 1/2: d = 2 pi)."""
    return FiniteMDP(
        states=["s"],
        actions=[f"a{i}" for i in range(actions)],
        transitions=[[[1]] * actions],
        rewards={"true": [list(range(actions))]},
        initial=[1],
        discount=discount,
    )


# -- layer 1: hand-computed values ------------------------------------------------------------


def test_two_state_vertices_by_hand():
    # two_state: gamma = 9/10, start in s0. From s0 "go" reaches s1 w.p. 9/10; s1 "go" returns.
    # (stay, stay) and (stay, go) never leave s0: d(s0, stay) = 1/(1 - 9/10) = 10.
    # (go, stay): d0 = 1 + (9/10)(1/10) d0 -> d0 = 100/91; d1 = (9/10)(9/10 d0 + d1) -> 810/91.
    # (go, go): d1 = (81/100) d0, d0 = 1 + (9/100) d0 + (9/10) d1 -> d0 = 1000/181, d1 = 810/181.
    found = occupancy_vertices(two_state())
    assert [pi.action_labels() for pi, _ in found] == [("stay", "stay"), ("go", "stay"), ("go", "go")]
    assert [as_lists(d) for _, d in found] == [
        [[10, 0], [0, 0]],
        [[0, F(100, 91)], [F(810, 91), 0]],
        [[0, F(1000, 181)], [0, F(810, 181)]],
    ]
    assert [as_lists(d) for d in vertices(two_state())] == [as_lists(d) for _, d in found]


def test_two_state_with_both_start_states_has_four_vertices():
    # initial (1/2, 1/2): s1 is reached by every policy, so (stay, go) now differs from
    # (stay, stay): d1 = 1/2 (only the start), d0 = 1/2 + (9/10)(d0 + d1) -> d0 = 19/2.
    m = two_state().replace(initial=["1/2", "1/2"])
    found = occupancy_vertices(m)
    assert len(found) == 4
    assert as_lists(found[1][1]) == [[F(19, 2), 0], [0, F(1, 2)]]
    assert found[1][0].action_labels() == ("stay", "go")


def test_one_state_simplex_vertices_and_interior_point():
    m = one_state()
    assert [as_lists(d) for d in vertices(m)] == [[[2, 0, 0]], [[0, 2, 0]], [[0, 0, 2]]]
    centre = [["2/3", "2/3", "2/3"]]
    assert is_occupancy_measure(m, centre)
    assert not is_vertex(m, centre)
    assert is_vertex(m, [[0, 2, 0]])
    assert not is_occupancy_measure(m, [[1, 1, 1]])  # sums to 3, not 2
    assert flow_residual(m, [[1, 1, 1]]).tolist() == [F(1, 2)]  # 3 - 1 - (1/2) 3


def test_discount_zero_vertices_are_the_initial_distribution_times_actions():
    # discount 0: d(s, a) = mu(s) pi(a | s); 2 states x 2 actions with mu = (1/4, 3/4).
    m = two_state().replace(discount=0, initial=["1/4", "3/4"])
    assert len(vertices(m)) == 4
    assert as_lists(vertices(m)[0]) == [[F(1, 4), 0], [F(3, 4), 0]]


def test_deterministic_policies_order_and_count():
    pis = deterministic_policies(one_state(actions=2))
    assert [pi.action_labels() for pi in pis] == [("a0",), ("a1",)]
    m = two_state()
    assert count_deterministic_policies(m) == 4
    assert all(pi.exact and pi.is_deterministic for pi in deterministic_policies(m))
    assert all(not pi.exact for pi in deterministic_policies(m.to_float()))
    # finite horizon: the stationary ones are still enumerated
    assert len(deterministic_policies(m.replace(discount=None, horizon=3))) == 4


def test_policy_from_occupancy_by_hand():
    # the midpoint of (stay, stay) and (go, stay) occupancies: s0 stays w.p. 5/(5 + 50/91) = 91/101
    d = [[5, "50/91"], ["405/91", 0]]
    pi = policy_from_occupancy(two_state(), d)
    assert pi.as_dict() == {"s0": {"stay": "91/101", "go": "10/101"}, "s1": {"stay": "1"}}
    assert as_lists(occupancy(two_state(), pi)) == as_lists(d)
    # an unreached state gets the uniform row
    assert policy_from_occupancy(two_state(), [[10, 0], [0, 0]]).as_dict()["s1"] == {"stay": "1/2", "go": "1/2"}


def test_float_model_agrees_with_exact():
    m = two_state().replace(initial=["1/2", "1/2"])
    exact = vertices(m)
    floats = vertices(m.to_float())
    assert len(floats) == len(exact) == 4
    for de, df in zip(exact, floats):
        assert np.allclose(np.array(de.tolist(), dtype=float), df, atol=1e-12)  # float solve tolerance
        assert is_vertex(m.to_float(), df)
        assert np.max(np.abs(flow_residual(m.to_float(), df))) < 1e-12


# -- layer 2: properties on generated MDPs ---------------------------------------------------------


@PROPERTY
@given(finite_mdps())
def test_deterministic_occupancies_satisfy_flow_and_give_the_return(mdp):
    for pi in deterministic_policies(mdp):
        d = occupancy(mdp, pi)
        assert flow_residual(mdp, d).tolist() == [0] * mdp.S
        for name in ("true", "proxy"):
            assert sum((d * mdp.reward(name)).flat, F(0)) == expected_return(mdp, pi, name)


@PROPERTY
@given(finite_mdps())
def test_vertices_pass_the_rank_test_and_midpoints_fail_it(mdp):
    found = vertices(mdp)
    keys = {tuple(d.flat) for d in found}
    assert len(keys) == len(found) <= mdp.A**mdp.S
    # every deterministic policy's occupancy is one of the vertices
    assert all(tuple(occupancy(mdp, pi).flat) in keys for pi in deterministic_policies(mdp))
    for d in found:
        assert is_vertex(mdp, d)
    for d1, d2 in zip(found, found[1:]):
        mid = (d1 + d2) / 2
        assert is_occupancy_measure(mdp, mid)
        assert not is_vertex(mdp, mid)  # a strict convex combination of two distinct points


@PROPERTY
@given(st.data())
def test_stochastic_policies_round_trip_through_their_occupancy(data):
    mdp = data.draw(finite_mdps())
    pi = data.draw(policies(mdp))
    d = occupancy(mdp, pi)
    assert flow_residual(mdp, d).tolist() == [0] * mdp.S
    assert is_occupancy_measure(mdp, d)
    back = policy_from_occupancy(mdp, d)
    assert as_lists(occupancy(mdp, back)) == as_lists(d)
    reached = [s for s in range(mdp.S) if sum(d[s], F(0)) > 0]
    assert all(list(back.probs[s]) == list(pi.probs[s]) for s in reached)


@PROPERTY
@given(finite_mdps(), st.fractions(0, 1, max_denominator=5))
def test_mixtures_of_vertices_are_occupancy_measures_of_the_recovered_policy(mdp, w):
    found = vertices(mdp)
    mix = w * found[0] + (1 - w) * found[-1]
    assert is_occupancy_measure(mdp, mix)
    assert as_lists(occupancy(mdp, policy_from_occupancy(mdp, mix))) == as_lists(mix)


# -- layer 3: validation errors --------------------------------------------------------------------


def test_too_many_policies_is_refused_before_enumerating():
    m = FiniteMDP(
        states=[f"s{i}" for i in range(13)],
        actions=["a", "b"],
        transitions=[[[1 if j == i else 0 for j in range(13)]] * 2 for i in range(13)],
        rewards={"true": [[0, 0]] * 13},
        initial=[1] + [0] * 12,
        discount=F(1, 2),
    )
    message = "the MDP has 2**13 = 8192 deterministic stationary policies, more than max_policies = 4096"
    with raises(InvalidArgument, message):
        deterministic_policies(m)
    with raises(InvalidArgument, message):
        vertices(m)
    with raises(InvalidArgument, "max_policies is 0, not a positive integer"):
        deterministic_policies(two_state(), max_policies=0)


def test_finite_horizon_is_refused():
    m = two_state().replace(discount=None, horizon=2)
    message = (
        "vertices needs a discounted MDP (this one has horizon 2); "
        "the occupancy polytope of a finite horizon lives over (t, s, a)"
    )
    with raises(InvalidArgument, message.replace("vertices", "occupancy_vertices")):
        vertices(m)
    with raises(InvalidArgument, message.replace("vertices", "flow_residual")):
        flow_residual(m, [[1, 0], [0, 1]])


def test_bad_measures_are_refused():
    with raises(InvalidArgument, "d has shape (2,), expected (2, 2)"):
        flow_residual(two_state(), [1, 2])
    with raises(InvalidArgument, "d holds floats but the MDP is exact; convert with to_exact() first"):
        flow_residual(two_state(), [[0.5, 0], [0, 0]])
    with raises(InvalidArgument, "d['s0', 'go'] is -1, negative: not an occupancy measure"):
        policy_from_occupancy(two_state(), [[11, -1], [0, 0]])
    with raises(InvalidArgument, "d breaks the flow equation of state 's0' (residual -9/10): not an occupancy measure"):
        policy_from_occupancy(two_state(), [[1, 0], [0, 0]])
    with raises(InvalidArgument, "mdp is str, not a FiniteMDP"):
        vertices("two_state")
    with raises(InvalidArgument, "tolerance is 2, not a number in [0, 1)"):
        is_vertex(two_state(), [[10, 0], [0, 0]], tolerance=2)
