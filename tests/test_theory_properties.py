"""Hypothesis properties of the theory core on generated MDPs (layer 2 of the tests).

Each property is checked against an independent method: brute-force enumeration of the
deterministic policies, a Bellman operator written out here with plain Fraction loops, or the
other number kind. Exact claims use ``==``; float claims state their tolerance.
"""

from __future__ import annotations

import json
import os
import tempfile
from fractions import Fraction as F

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from property_tests.strategies import (
    deterministic_policies,
    distributions,
    finite_mdps,
    policies,
)
from theory import (
    backward_induction,
    expected_return,
    occupancy,
    policy_iteration,
    q_values,
    return_distribution,
    state_occupancy,
    state_values,
    value_iteration,
)
from theory.io import dumps, load_mdp, loads, mdp_from_dict, mdp_to_dict, save_mdp
from theory.numbers import FLOAT_TOLERANCE

PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

discounted = finite_mdps()
tiny_horizon = finite_mdps(max_states=3, max_actions=2, horizon=st.integers(1, 2))
horizons = finite_mdps(max_states=3, max_actions=3, horizon=st.integers(1, 3))


# -- an independent Bellman operator, written with plain loops over Fractions ------------------


def bellman_q(mdp, r, v_next, discount):
    """Q(s, a) = r(s, a) + discount * sum_s' P(s' | s, a) v_next(s'), as nested lists."""
    return [
        [
            r[s, a] + discount * sum((mdp.transitions[s, a, t] * v_next[t] for t in range(mdp.S)), F(0))
            for a in range(mdp.A)
        ]
        for s in range(mdp.S)
    ]


def relative_gap(x, y):
    return abs(float(x) - float(y)) / max(1.0, abs(float(y)))


# -- discounted optimality --------------------------------------------------------------------


@PROPERTY
@given(discounted, st.sampled_from(["true", "proxy"]))
def test_policy_iteration_beats_every_deterministic_policy(mdp, reward):
    # Brute force: evaluate all A**S deterministic stationary policies exactly. The optimum
    # dominates each of them at every state, and one of them attains it at every state.
    sol = policy_iteration(mdp, reward)
    v_star = sol.values.tolist()
    attained = False
    for pi in deterministic_policies(mdp):
        v = state_values(mdp, pi, reward).tolist()
        assert all(x <= y for x, y in zip(v, v_star))
        attained = attained or v == v_star
    assert attained


@PROPERTY
@given(discounted, st.sampled_from(["true", "proxy"]), st.sampled_from(["uniform", "first"]))
def test_policy_iteration_bellman_residual_is_exactly_zero(mdp, reward, tie):
    sol = policy_iteration(mdp, reward, tie=tie)
    r = mdp.reward(reward)
    q = bellman_q(mdp, r, sol.values, mdp.discount)
    assert sol.q_values.tolist() == q
    assert sol.values.tolist() == [max(row) for row in q]
    # The argmax set is exactly the set of maximal Q-values, and the returned policy (uniform
    # over it, or its first action) attains the optimal values.
    assert sol.argmax == tuple(
        tuple(mdp.actions[a] for a in range(mdp.A) if row[a] == max(row)) for row in q
    )
    assert state_values(mdp, sol.policy, reward).tolist() == sol.values.tolist()
    support = [tuple(mdp.actions[a] for a in range(mdp.A) if row[a] != 0) for row in sol.policy.probs]
    assert support == [best if tie == "uniform" else best[:1] for best in sol.argmax]


@PROPERTY
@given(st.data())
def test_no_stochastic_policy_beats_the_optimum(data):
    mdp = data.draw(discounted)
    pi = data.draw(policies(mdp))
    v_star = policy_iteration(mdp, "true").values
    assert all(x <= y for x, y in zip(state_values(mdp, pi, "true"), v_star))


@PROPERTY
@given(st.data())
def test_state_values_solve_the_bellman_expectation_equation(data):
    # v = r_pi + discount * P_pi v, checked exactly; q_values match the one-step lookahead.
    mdp = data.draw(discounted)
    pi = data.draw(policies(mdp))
    r = mdp.reward("proxy")
    v = state_values(mdp, pi, "proxy")
    q = bellman_q(mdp, r, v, mdp.discount)
    assert q_values(mdp, pi, "proxy").tolist() == q
    assert v.tolist() == [sum((pi.probs[s, a] * q[s][a] for a in range(mdp.A)), F(0)) for s in range(mdp.S)]


# -- finite horizon --------------------------------------------------------------------------


@PROPERTY
@given(tiny_horizon, st.sampled_from(["true", "proxy"]))
def test_backward_induction_beats_every_time_dependent_deterministic_policy(mdp, reward):
    # Brute force over all A**(H*S) deterministic Markov policies: at every step and state
    # the optimum dominates each policy's value, and one policy attains it everywhere.
    sol = backward_induction(mdp, reward)
    v_star = sol.values.tolist()
    attained = False
    for pi in deterministic_policies(mdp, stationary=False):
        v = state_values(mdp, pi, reward).tolist()
        assert all(x <= y for row, row_star in zip(v, v_star) for x, y in zip(row, row_star))
        attained = attained or v == v_star
    assert attained


@PROPERTY
@given(horizons, st.sampled_from(["uniform", "first"]))
def test_backward_induction_bellman_residual_is_exactly_zero(mdp, tie):
    sol = backward_induction(mdp, "true", tie=tie)
    r = mdp.reward("true")
    H = mdp.horizon
    assert sol.values.shape == (H + 1, mdp.S) and sol.q_values.shape == (H, mdp.S, mdp.A)
    assert sol.values[H].tolist() == [0] * mdp.S
    for t in range(H):
        q = bellman_q(mdp, r, sol.values[t + 1], 1)
        assert sol.q_values[t].tolist() == q
        assert sol.values[t].tolist() == [max(row) for row in q]
        assert sol.argmax[t] == tuple(
            tuple(mdp.actions[a] for a in range(mdp.A) if row[a] == max(row)) for row in q
        )
    assert state_values(mdp, sol.policy, "true").tolist() == sol.values.tolist()


# -- float and exact agree -------------------------------------------------------------------


@PROPERTY
@given(discounted, st.sampled_from(["true", "proxy"]))
def test_float_policy_iteration_agrees_with_exact(mdp, reward):
    # Tolerance: float policy iteration stops when no action improves a Q-value by more than
    # FLOAT_TOLERANCE * max(1, |Q|), which guarantees v* - v <= FLOAT_TOLERANCE * scale /
    # (1 - discount); rounding adds ~1e-15 relative. With discounts 0, 1/2, 9/10 this allows a
    # relative gap of 1e-9, 2e-9, 1e-8 (times 2 for rounding headroom).
    exact = policy_iteration(mdp, reward)
    approx = policy_iteration(mdp.to_float(), reward)
    assert approx.values.dtype == np.float64
    tol = 2 * FLOAT_TOLERANCE / (1 - float(mdp.discount))
    scale = max(1.0, max(abs(float(x)) for x in exact.values))
    assert all(abs(float(x) - y) <= tol * scale for x, y in zip(exact.values, approx.values))


@PROPERTY
@given(horizons, st.sampled_from(["true", "proxy"]))
def test_float_backward_induction_agrees_with_exact(mdp, reward):
    # Backward induction takes exact maxima in both kinds; only rounding differs: 1e-9 relative.
    exact = backward_induction(mdp, reward)
    approx = backward_induction(mdp.to_float(), reward)
    assert approx.values.dtype == np.float64
    for row_e, row_f in zip(exact.values, approx.values):
        assert all(relative_gap(f, e) <= 1e-9 for e, f in zip(row_e, row_f))
    # Every exact argmax action is in the float argmax set (float ties are detected within
    # FLOAT_TOLERANCE, and rounding is far below it).
    for t in range(mdp.horizon):
        for best_e, best_f in zip(exact.argmax[t], approx.argmax[t]):
            assert set(best_e) <= set(best_f)


@PROPERTY
@given(st.data())
def test_float_evaluation_agrees_with_exact(data):
    # Policy evaluation of the same policy in both kinds: 1e-9 relative.
    mdp = data.draw(st.one_of(discounted, horizons))
    pi = data.draw(policies(mdp))
    exact = expected_return(mdp, pi, "true")
    approx = expected_return(mdp.to_float(), pi.to_float(), "true")
    assert isinstance(approx, float)
    assert relative_gap(approx, exact) <= 1e-9


@PROPERTY
@given(discounted, st.sampled_from([1e-3, 1e-6, 1e-9]))
def test_value_iteration_is_within_its_error_bound(mdp, tolerance):
    # ||v_VI - v*||_inf <= error_bound < tolerance, measured against the exact optimum. The
    # float model is the exact one rounded (denominators 3 are not dyadic), and the iteration
    # itself rounds: a stated slack of 1e-12 * max(1, ||v*||) / (1 - discount) is allowed.
    sol = value_iteration(mdp.to_float(), "true", tolerance=tolerance)
    v_star = policy_iteration(mdp, "true").values
    assert sol.error_bound < tolerance
    scale = max([F(1)] + [abs(x) for x in v_star])
    slack = F(1, 10**12) * scale / (1 - mdp.discount)
    error = max(abs(F(float(x)) - y) for x, y in zip(sol.values, v_star))
    assert error <= F(sol.error_bound) + slack


# -- occupancy measures ----------------------------------------------------------------------


@PROPERTY
@given(st.data())
def test_occupancy_satisfies_the_bellman_flow_equations(data):
    # sum_a d(s, a) = mu(s) + discount * sum_{s', a'} P(s | s', a') d(s', a'), exactly;
    # d(s, a) = d(s) pi(a | s); sum d = 1 / (1 - discount); J = sum d * r for every reward.
    mdp = data.draw(discounted)
    pi = data.draw(policies(mdp))
    d = occupancy(mdp, pi)
    S, A = mdp.S, mdp.A
    for s in range(S):
        inflow = sum(
            (mdp.transitions[s2, a2, s] * d[s2, a2] for s2 in range(S) for a2 in range(A)), F(0)
        )
        assert sum(d[s], F(0)) == mdp.initial[s] + mdp.discount * inflow
    assert sum(d.flat, F(0)) == 1 / (1 - mdp.discount)
    ds = state_occupancy(mdp, pi)
    assert d.tolist() == [[ds[s] * pi.probs[s, a] for a in range(A)] for s in range(S)]
    for name in mdp.reward_names:
        assert sum((d * mdp.reward(name)).flat, F(0)) == expected_return(mdp, pi, name)


@PROPERTY
@given(st.data())
def test_finite_horizon_occupancy_flow_and_return(data):
    # Finite horizon, time-dependent policies: with p_t the state law at step t,
    # sum_a d(s, a) = mu(s) + sum_{s', a'} P(s | s', a') d(s', a') - p_H(s), so summing over
    # states gives sum d = H; and J = sum d * r exactly.
    mdp = data.draw(horizons)
    pi = data.draw(policies(mdp, stationary=data.draw(st.booleans())))
    d = occupancy(mdp, pi)
    assert sum(d.flat, F(0)) == mdp.horizon
    for name in mdp.reward_names:
        assert sum((d * mdp.reward(name)).flat, F(0)) == expected_return(mdp, pi, name)
    # p_H by direct forward simulation, written out here.
    p = list(mdp.initial)
    for t in range(mdp.horizon):
        rows = pi.at(t)
        p = [
            sum((p[s] * rows[s, a] * mdp.transitions[s, a, j] for s in range(mdp.S) for a in range(mdp.A)), F(0))
            for j in range(mdp.S)
        ]
    for s in range(mdp.S):
        inflow = sum(
            (mdp.transitions[s2, a2, s] * d[s2, a2] for s2 in range(mdp.S) for a2 in range(mdp.A)), F(0)
        )
        assert sum(d[s], F(0)) == mdp.initial[s] + inflow - p[s]


# -- return distributions --------------------------------------------------------------------


@PROPERTY
@given(st.data())
def test_return_distribution_is_a_law_with_the_right_mean(data):
    mdp = data.draw(horizons)
    pi = data.draw(policies(mdp, stationary=data.draw(st.booleans())))
    law = return_distribution(mdp, pi, "true")
    assert sum(law.values(), F(0)) == 1
    assert all(p > 0 for p in law.values())
    assert list(law) == sorted(law)
    assert sum((x * p for x, p in law.items()), F(0)) == expected_return(mdp, pi, "true")
    # The joint (proxy, true) law has these marginals.
    joint = return_distribution(mdp, pi, ("proxy", "true"))
    assert sum(joint.values(), F(0)) == 1
    for index, name in enumerate(("proxy", "true")):
        marginal: dict = {}
        for key, p in joint.items():
            marginal[key[index]] = marginal.get(key[index], F(0)) + p
        assert {k: v for k, v in marginal.items() if v != 0} == return_distribution(mdp, pi, name)


# -- serialisation and conversion round trips ------------------------------------------------


@PROPERTY
@given(st.one_of(finite_mdps(exact=True), finite_mdps(exact=False), horizons, horizons.map(lambda m: m.to_float())))
def test_json_round_trip_is_exact(mdp):
    text = dumps(mdp)
    back = loads(text)
    assert back == mdp
    assert back.exact == mdp.exact
    # The text is plain JSON, and the dict form round-trips as well.
    assert isinstance(json.loads(text), dict)
    assert mdp_from_dict(mdp_to_dict(mdp)) == mdp


@FEW
@given(
    finite_mdps(max_states=3),
    st.lists(st.sampled_from(["A", "B", "wall"]), min_size=3, max_size=3),
    st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=6, max_size=6),
)
def test_file_round_trip_with_observations_and_features(mdp, observations, features):
    S = mdp.S
    mdp = mdp.replace(
        observations=observations[:S],
        features=np.array(features[: 2 * S]).reshape(S, 2),
    )
    with tempfile.TemporaryDirectory() as folder:
        back = load_mdp(save_mdp(mdp, os.path.join(folder, "m.json")))
    assert back == mdp
    assert back.observations == tuple(observations[:S])
    assert back.features.tolist() == mdp.features.tolist()


@PROPERTY
@given(st.one_of(finite_mdps(denominators=(1, 2, 4, 5, 10)), finite_mdps(denominators=(1, 2, 4, 5, 10), horizon=st.integers(1, 3))))
def test_to_float_to_exact_round_trip_for_short_decimals(mdp):
    # Every number is k/d with d | 10 or d = 4 (and rewards k/2, discounts 0, 1/2, 9/10): a
    # short decimal, which to_exact() reads back from the float's shortest repr exactly.
    assert mdp.to_float().to_exact() == mdp
    assert mdp.to_float().to_exact().exact


@PROPERTY
@given(st.integers(1, 5).flatmap(lambda n: st.tuples(distributions(n), distributions(n, exact=False))))
def test_distributions_are_distributions(pair):
    exact, approx = pair
    assert exact.dtype == object and sum(exact, F(0)) == 1 and all(p >= 0 for p in exact)
    assert approx.dtype == np.float64 and abs(approx.sum() - 1) <= FLOAT_TOLERANCE
    assert (approx >= 0).all()
