"""theory.batch: batched float solvers agree with the per-MDP solvers of theory, MDP by MDP.

Tolerances: 1e-9 absolute on values, Q-values and returns (the batched matrix products and
solves round differently from the per-MDP ones); 1e-12 on policies built from the same Q.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest

from environments.random_mdp import random_mdp
from theory.batch import (
    batch_policy_evaluation,
    batch_quantiliser,
    batch_returns,
    batch_soft_policies,
    batch_softmax_of_q_values,
    batch_value_iteration,
    stack,
)
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, state_values
from theory.examples import two_state
from theory.numbers import FLOAT_TOLERANCE
from theory.policy import Policy
from theory.selection import quantilise
from theory.solvers import policy_iteration, value_iteration

TOL = 1e-9


def mdps(discounts=(F(1, 2), F(9, 10), F(99, 100), F(0), F(7, 10)), S=5, A=3):
    """Random float MDPs of one size, one per discount (mixed discounts exercise the freezing
    and the compaction of converged elements)."""
    return [
        random_mdp(S=S, A=A, branching=2, seed=10 + k, discount=d).to_float()
        for k, d in enumerate(discounts)
    ]


def random_policies(B, S, A, seed=0):
    rng = np.random.default_rng(seed)
    pi = rng.random((B, S, A))
    pi[0, 0] = [1.0, 0.0, 0.0]  # a deterministic row
    return pi / pi.sum(axis=2, keepdims=True)


# -- stack -----------------------------------------------------------------------------------


def test_stack_shapes_and_values():
    ms = mdps()
    P, R, initial, discount = stack(ms)
    assert P.shape == (5, 5, 3, 5) and initial.shape == (5, 5)
    assert set(R) == {"true", "proxy"} and R["true"].shape == (5, 5, 3)
    assert discount.tolist() == [0.5, 0.9, 0.99, 0.0, 0.7]
    for b, m in enumerate(ms):
        assert np.array_equal(P[b], m.transitions) and np.array_equal(R["proxy"][b], m.rewards["proxy"])


def test_stack_converts_exact_to_float():
    P, R, initial, discount = stack([two_state()])
    assert P.dtype == np.float64 and R["true"].dtype == np.float64 and discount.tolist() == [0.9]


# -- value iteration -------------------------------------------------------------------------


@pytest.mark.parametrize("reward", ["true", "proxy"])
def test_value_iteration_equals_per_mdp_value_iteration(reward):
    ms = mdps()
    P, R, _, discount = stack(ms)
    V, Q, iterations = batch_value_iteration(P, R[reward], discount, tolerance=1e-8)
    for b, m in enumerate(ms):
        sol = value_iteration(m, reward, tolerance=1e-8)
        assert np.max(np.abs(V[b] - sol.values)) < TOL
        assert np.max(np.abs(Q[b] - sol.q_values)) < TOL
        assert iterations[b] == sol.iterations


def test_value_iteration_equals_policy_iteration():
    ms = mdps()
    P, R, _, discount = stack(ms)
    V, Q, _ = batch_value_iteration(P, R["true"], discount, tolerance=1e-11)
    for b, m in enumerate(ms):
        sol = policy_iteration(m, "true")
        assert np.max(np.abs(V[b] - sol.values)) < TOL
        assert np.max(np.abs(Q[b] - sol.q_values)) < TOL
        assert np.array_equal(Q[b].argmax(axis=1), sol.policy.probs.argmax(axis=1))


def test_value_iteration_with_a_reward_axis_equals_separate_runs():
    ms = mdps()
    P, R, _, discount = stack(ms)
    both = np.stack([R["true"], R["proxy"]], axis=1)  # (B, 2, S, A)
    V, Q, iterations = batch_value_iteration(P, both, discount)
    assert V.shape == (5, 2, 5) and Q.shape == (5, 2, 5, 3) and iterations.shape == (5, 2)
    for k, name in enumerate(["true", "proxy"]):
        V1, Q1, it1 = batch_value_iteration(P, R[name], discount)
        assert np.max(np.abs(V[:, k] - V1)) < TOL and np.max(np.abs(Q[:, k] - Q1)) < TOL
        assert np.array_equal(iterations[:, k], it1)


def test_value_iteration_scalar_discount_and_zero_discount():
    ms = mdps(discounts=(F(9, 10),) * 3)
    P, R, _, _ = stack(ms)
    V, _, _ = batch_value_iteration(P, R["true"], 0.9)
    V0, Q0, it0 = batch_value_iteration(P, R["true"], 0.0)
    assert it0.tolist() == [1, 1, 1] and np.array_equal(V0, R["true"].max(axis=2))
    assert np.array_equal(Q0, R["true"])
    for b, m in enumerate(ms):
        assert np.max(np.abs(V[b] - value_iteration(m, "true").values)) < TOL


# -- policy evaluation and returns -----------------------------------------------------------


def test_policy_evaluation_equals_state_values():
    ms = mdps()
    P, R, _, discount = stack(ms)
    pi = random_policies(5, 5, 3)
    V = batch_policy_evaluation(P, R["true"], pi, discount)
    VK = batch_policy_evaluation(P, np.stack([R["true"], R["proxy"]], axis=1), pi, discount)
    for b, m in enumerate(ms):
        policy = Policy(pi[b], m.states, m.actions)
        assert np.max(np.abs(V[b] - state_values(m, policy, "true"))) < TOL
        assert np.max(np.abs(VK[b, 1] - state_values(m, policy, "proxy"))) < TOL


def test_returns_equal_expected_return():
    ms = mdps()
    P, R, initial, discount = stack(ms)
    pi = random_policies(5, 5, 3, seed=1)
    J = batch_returns(P, [R["true"], R["proxy"]], pi, initial, discount)
    assert J.shape == (2, 5)
    for b, m in enumerate(ms):
        policy = Policy(pi[b], m.states, m.actions)
        assert abs(J[0, b] - expected_return(m, policy, "true")) < TOL
        assert abs(J[1, b] - expected_return(m, policy, "proxy")) < TOL


# -- policies from Q-values ------------------------------------------------------------------


def softmax_by_hand(row, beta):
    top = max(row)
    w = [math.exp(beta * (x - top)) for x in row]
    return [x / sum(w) for x in w]


@pytest.mark.parametrize("beta", [0.0, 0.3, 1.0, 25.0, 1e4])
def test_boltzmann_equals_softmax_by_hand(beta):
    Q = np.random.default_rng(3).normal(size=(4, 5, 3)) * 10
    pi = batch_softmax_of_q_values(Q, beta)
    for index in np.ndindex(4, 5):
        assert np.max(np.abs(pi[index] - softmax_by_hand(Q[index].tolist(), beta))) < 1e-12
    assert np.all(np.isfinite(pi))


def test_boltzmann_limits_and_soft_policies():
    Q = np.array([[[0.0, 1.0, 1.0]]])
    assert batch_softmax_of_q_values(Q, 0.0).tolist() == [[[1 / 3, 1 / 3, 1 / 3]]]
    assert np.allclose(batch_softmax_of_q_values(Q, 1e6), [[[0.0, 0.5, 0.5]]], atol=1e-12)
    family = batch_soft_policies(Q, [0.0, 2.0])
    assert family.shape == (2, 1, 1, 3)
    assert np.array_equal(family[1], batch_softmax_of_q_values(Q, 2.0))


QUANTILISER_Q = np.array([
    [3.0, 1.0, 2.0],
    [1.0, 1.0, 0.0],                      # a tied top level
    [0.0, 1.0, 1.0],
    [5.0, 5.0, 5.0],                      # all tied
    [2.0, 2.0 - 1e-12, 1.0],              # tied within FLOAT_TOLERANCE
    [2.0, 2.0 - 1e-6, 1.0],               # not tied
    [-1.0, -7.0, -1.0 + 3e-10],           # negative, tied within tolerance
    [1e12, 1e12 * (1 - 1e-10), 0.0],      # tolerance relative to |top|
])


@pytest.mark.parametrize("q", [1.0, 0.9, 2 / 3, 0.5, 1 / 3, 0.3, 0.01])
def test_quantiliser_equals_quantilise_per_state(q):
    A = QUANTILISER_Q.shape[1]
    base = np.full(A, 1.0 / A)
    pi = batch_quantiliser(QUANTILISER_Q[None], q)[0]
    for s, row in enumerate(QUANTILISER_Q):
        expected = quantilise(base, row, q)
        assert np.max(np.abs(pi[s] - expected)) < 1e-12, (s, pi[s], expected)
        assert abs(pi[s].sum() - 1) < 1e-12


def test_quantiliser_random_rows_and_leading_shape():
    rng = np.random.default_rng(5)
    Q = rng.integers(0, 3, size=(2, 6, 4)).astype(float)  # many ties
    for q in (0.2, 0.25, 0.5, 0.75, 0.8):
        pi = batch_quantiliser(Q, q)
        assert pi.shape == Q.shape
        for index in np.ndindex(2, 6):
            assert np.max(np.abs(pi[index] - quantilise(np.full(4, 0.25), Q[index], q))) < 1e-12


def near_tie_rows(rng, n, A):
    """Random float Q rows with near-ties: each row gets entries at distances of a few multiples
    of the tie tolerance FLOAT_TOLERANCE * max(1, |top|) below earlier entries, both inside
    (tied) and outside (not tied) it, and exact repeats, at scales from 1e-3 to 1e12."""
    rows = rng.normal(size=(n, A)) * 10.0 ** rng.integers(-3, 13, size=(n, 1))
    for r in range(n):
        for j in range(1, A):
            if rng.random() < 0.6:
                i = int(rng.integers(0, j))
                tol = FLOAT_TOLERANCE * max(1.0, abs(rows[r, i]))
                rows[r, j] = rows[r, i] - tol * rng.choice([0.0, 0.3, 0.9, 0.999, 1.001, 1.5, 3.0, -0.5])
    return rows


@pytest.mark.parametrize("seed", range(4))
def test_quantiliser_equals_quantilise_on_near_ties(seed):
    # batch_quantiliser ranks a uniform base by Q with the one tie rule and float tolerance of
    # theory.selection.levels: on rows with near-ties it is theory.selection.quantilise row by
    # row, to 1e-12 (in fact the same float operations in the same order).
    rng = np.random.default_rng(100 + seed)
    A = int(rng.integers(2, 7))
    Q = near_tie_rows(rng, 200, A)
    base = np.full(A, 1.0 / A)
    for q in (1.0, 0.9, 0.5, 1 / 3, 1 / A, 0.5 / A, 0.01):
        pi = batch_quantiliser(Q.reshape(20, 10, A), q).reshape(200, A)
        for r in range(200):
            expected = quantilise(base, Q[r], q, tie="uniform")
            assert np.max(np.abs(pi[r] - expected)) < 1e-12, (Q[r].tolist(), q, pi[r], expected)


# -- validation: one test per error ----------------------------------------------------------

P_OK = np.ones((1, 1, 2, 1))
R_OK = np.zeros((1, 1, 2))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: batch_value_iteration(np.ones((1, 2, 2)), R_OK, 0.5), "P has shape (1, 2, 2), expected (B, S, A, S)"),
        (lambda: batch_value_iteration(np.ones((1, 2, 1, 3)), R_OK, 0.5), "P has shape (1, 2, 1, 3)"),
        (lambda: batch_value_iteration(np.full((1, 1, 2, 1), 0.5), R_OK, 0.5), "P[0, 0, 0] sums to 0.5, not 1 within 1e-09"),
        (lambda: batch_value_iteration(np.array([[[[2.0, -1.0]], [[0.5, 0.5]]]]), np.zeros((1, 2, 1)), 0.5),
         "P[0, 0, 0, 1] is -1.0, a negative probability"),
        (lambda: batch_value_iteration(np.full((1, 1, 2, 1), np.nan), R_OK, 0.5), "P[0, 0, 0, 0] is nan, not finite"),
        (lambda: batch_value_iteration(P_OK, np.zeros((1, 2)), 0.5), "R has shape (1, 2), expected (1, 1, 2) or (1, 'K', 1, 2)"),
        (lambda: batch_value_iteration(P_OK, [[["x", 0]]], 0.5), "R holds non-numeric entries"),
        (lambda: batch_value_iteration(P_OK, np.full((1, 1, 2), np.inf), 0.5), "R[0, 0, 0, 0] is inf, not finite"),
        (lambda: batch_value_iteration(P_OK, R_OK, 1.0), "discount[0] is 1.0, not in [0, 1)"),
        (lambda: batch_value_iteration(P_OK, R_OK, [0.5, 0.5]), "discount has shape (2,), expected a scalar or (1,)"),
        (lambda: batch_value_iteration(P_OK, R_OK, True), "discount is True, not a number in [0, 1)"),
        (lambda: batch_value_iteration(P_OK, R_OK, 0.5, tolerance=0), "tolerance is 0, not a positive number"),
        (lambda: batch_value_iteration(P_OK, R_OK, 0.5, max_iterations=0), "max_iterations is 0, not a positive integer"),
        (lambda: batch_value_iteration(P_OK, np.ones((1, 1, 2)), 0.99, tolerance=1e-8, max_iterations=3),
         "batch_value_iteration did not reach tolerance 1e-08 in 3 iterations"),
        (lambda: batch_policy_evaluation(P_OK, R_OK, np.ones((1, 2, 2)), 0.5), "pi has shape (1, 2, 2), expected (1, 1, 2)"),
        (lambda: batch_policy_evaluation(P_OK, R_OK, np.ones((1, 1, 2)), 0.5), "pi[0, 0] sums to 2.0, not 1 within 1e-09"),
        (lambda: batch_returns(P_OK, [], np.full((1, 1, 2), 0.5), [[1.0]], 0.5), "R_list is list, not a non-empty sequence"),
        (lambda: batch_returns(P_OK, [np.zeros((2, 1, 2))], np.full((1, 1, 2), 0.5), [[1.0]], 0.5),
         "R_list[0] has shape (2, 1, 2), expected (1, 1, 2)"),
        (lambda: batch_returns(P_OK, [R_OK], np.full((1, 1, 2), 0.5), [1.0], 0.5), "initial has shape (1,), expected (1, 1)"),
        (lambda: batch_returns(P_OK, [R_OK], np.full((1, 1, 2), 0.5), [[0.5]], 0.5), "initial[0] sums to 0.5, not 1"),
        (lambda: batch_softmax_of_q_values(R_OK, -1.0), "beta is -1.0, not a finite number >= 0"),
        (lambda: batch_softmax_of_q_values(R_OK, math.inf), "beta is inf, not a finite number >= 0"),
        (lambda: batch_softmax_of_q_values(np.array([[1.0, np.nan]]), 1.0), "Q[0, 1] is nan, not finite"),
        (lambda: batch_softmax_of_q_values(np.zeros((2, 0)), 1.0), "Q has shape (2, 0), expected (..., A) with A >= 1"),
        (lambda: batch_soft_policies(R_OK, []), "betas is [], not a non-empty sequence of numbers >= 0"),
        (lambda: batch_quantiliser(R_OK, 1.5), "q is 1.5, not in (0, 1]"),
        (lambda: batch_quantiliser(R_OK, "1/2"), "q is '1/2', not in (0, 1]"),
        (lambda: stack([]), "mdps is empty; a batch needs at least one MDP"),
        (lambda: stack(two_state()), "mdps is FiniteMDP, not a sequence of FiniteMDPs"),
        (lambda: stack([two_state(), "x"]), "mdps[1] is str, not a FiniteMDP"),
        (lambda: stack([two_state(), random_mdp(S=3)]), "mdps[1] has S = 3, A = 2 but mdps[0] has S = 2, A = 2"),
        (lambda: stack([two_state().replace(discount=None, horizon=2)]), "mdps[0] has horizon 2; a batch holds discounted MDPs"),
        (lambda: stack([two_state(), two_state().replace(rewards={"true": [[0, 0], [1, 0]]})]),
         "mdps[1] has rewards ['true'] but mdps[0] has ['proxy', 'true']"),
    ],
)
def test_validation_errors(call, message):
    with pytest.raises(InvalidArgument) as info:
        call()
    text = str(info.value)
    assert message in text, text
    assert "\n" not in text


def test_float_tolerance_is_the_projects():
    assert FLOAT_TOLERANCE == 1e-9  # the tie tolerance of batch_quantiliser and the row checks


def test_returns_of_a_stack_of_policies_equal_one_by_one():
    ms = mdps()
    P, R, initial, discount = stack(ms)
    family = np.stack([random_policies(5, 5, 3, seed=k) for k in range(4)])  # (N, B, S, A)
    J = batch_returns(P, [R["true"], R["proxy"]], family, initial, discount)
    assert J.shape == (2, 4, 5)
    for k in range(4):
        one = batch_returns(P, [R["true"], R["proxy"]], family[k], initial, discount)
        assert np.max(np.abs(J[:, k] - one)) < 1e-12
