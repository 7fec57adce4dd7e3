"""Tests of agents/quantilal.py (Kosoy's quantilal LP): the 2-state MDP solved on paper, then
properties on generated MDPs (the cap holds exactly, exact = HiGHS, exact = enumeration of the
basic feasible solutions, at least every policy quantiliser with the matching reference, the
penalised form maps to the constrained one, concave piecewise-linear value in 1/q), then the
validation errors.

Every expected value is derived by hand in the comment next to it; float comparisons state
their tolerance."""

from __future__ import annotations

import itertools
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import agents
from agents.quantilal import Quantilal, quantilal_policy, quantilal_solution, quantilum, value_pieces
from agents.quantiliser import PolicyQuantiliser
from property_tests.strategies import finite_mdps
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, occupancy, state_occupancy
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.polytope import deterministic_policies, is_occupancy_measure, policy_from_occupancy

HIGHS_TOL = 1e-7  # |HiGHS value - exact value| on the generated MDPs (returns of size <= 4 / (1 - 3/4))
SETTINGS = settings(max_examples=40, deadline=None)
qs = st.sampled_from([F(1, 5), F(1, 4), F(1, 3), F(1, 2), F(2, 3), F(3, 4), F(1)])


# -- the 2-state MDP on paper ------------------------------------------------------------------
#
# theory.examples.two_state: s0 --stay--> s0 (proxy 0), s0 --go--> s1 w.p. 9/10, s0 w.p. 1/10
# (proxy 1/2); s1 --stay--> s1 (proxy 1), s1 --go--> s0 (proxy 0); discount 9/10, start in s0.
#
# Reference: the uniform policy. Its state occupancy d_sigma solves
#   d1 = 9/10 (9/20 d0 + 1/2 d1)  ->  d1 = 81/110 d0,
#   d0 = 1 + 9/10 (11/20 d0 + 1/2 d1)  ->  d0 (101/200 - 729/2200) = 1  ->  d0 = 1100/191,
# so d_sigma = (1100/191, 810/191) (sum 10 = 1/(1 - 9/10)).
#
# The LP with delta = 1/q: maximise x/2 + u over x = d(s0,go), y = d(s0,stay), u = d(s1,stay),
# w = d(s1,go) >= 0 with the flow equations and d(s0) <= 1100 delta/191, d(s1) <= 810 delta/191.
# The proxy wants mass in s1 (1 per step) more than in s0 (at most 1/2), so the cap of s1 binds
# while it is below the argmax's d(s1) = 810/91: d(s1) = 810 delta/191 (then d(s0) = 10 - d(s1),
# within its cap since 10 <= 10 delta). The s1 flow equation d(s1) = 9/10 (9/10 x + u) with
# u <= d(s1) gives x >= d(s1)/8.1 = 100 delta/191, and the objective x/2 + u =
# 10/9 d(s1) - 2/5 x falls in x, so x = 100 delta/191, u = d(s1), w = 0:
#   V(q) = 50 delta/191 + 810 delta/191 = 860 / (191 q)    for q >= 91/191,
# and the argmax's 860/91 (go in s0, stay in s1) for q <= 91/191, where the cap stops binding.
# At q = 1/2: x = 200/191, y = 290/191 - 200/191 = 90/191: pi(s0) = (stay 9/29, go 20/29).


@pytest.mark.parametrize("q, value", [
    (F(1), F(860, 191)), (F(3, 4), F(3440, 573)), (F(1, 2), F(1720, 191)), (F(91, 191), F(860, 91)),
    (F(1, 4), F(860, 91)), (F(1, 100), F(860, 91)),
])
def test_two_state_value_on_paper(q, value):
    assert quantilal_solution(two_state(), "proxy", None, q).value == value


def test_two_state_policy_on_paper():
    sol = quantilal_solution(two_state(), "proxy", None, F(1, 2))
    assert sol.policy.as_dict() == {"s0": {"stay": "9/29", "go": "20/29"}, "s1": {"stay": "1"}}
    assert sol.reference_occupancy.tolist() == [F(1100, 191), F(810, 191)]
    # d = (x + y, u + w) = (290/191, 1620/191): the cap of s1 binds with ratio 2 = 1/q
    assert sol.occupancy.sum(axis=1).tolist() == [F(290, 191), F(1620, 191)]
    assert sol.ratio == 2
    assert quantilal_solution(two_state(), "proxy", None, F(1, 2), method="float").value == \
        pytest.approx(1720 / 191, abs=HIGHS_TOL)


def test_two_state_q_one_keeps_states_not_actions():
    # q = 1: d(s) = d_sigma(s) exactly, but the actions are free: x = 100/191 (not the uniform
    # policy's 550/191), value 860/191 > J_proxy(uniform), where
    # J_proxy(uniform) = 1/2 * d(s0,go) + d(s1,stay) = 1/2 * 550/191 + 405/191 = 680/191.
    sol = quantilal_solution(two_state(), "proxy", None, 1)
    assert sol.occupancy.sum(axis=1).tolist() == [F(1100, 191), F(810, 191)]
    assert expected_return(two_state(), Policy.uniform(two_state()), "proxy") == F(680, 191)
    assert sol.value == F(860, 191)


def test_two_state_penalised_form_on_paper():
    # eta = 1/10: QV = max (1/10) J - (1/10) ratio. The argmax: J = 860/91, ratio =
    # (810/91)/(810/191) = 191/91 -> 86/91 - 191/910 = 669/910. The q = 1/2 point: 172/191 - 1/5
    # = 669/955 < 669/910; q = 1: 86/191 - 1/10 = 669/1910. The argmax wins.
    sol = quantilum(two_state(), "proxy", None, F(1, 10))
    assert (sol.quantilum, sol.value, sol.ratio) == (F(669, 910), F(860, 91), F(191, 91))
    # eta = 1: the slope of (1/10) V in delta is 86/191 < 1 on [1, 191/91], so delta = 1 (q = 1):
    # QV = 86/191 - 1 = -105/191.
    assert quantilum(two_state(), "proxy", None, 1).quantilum == F(-105, 191)


# -- properties on generated MDPs --------------------------------------------------------------


references = st.lists(st.lists(st.integers(1, 3), min_size=3, max_size=3), min_size=4, max_size=4)


def _normalised(rows, A):
    return [[F(w, sum(row[:A])) for w in row[:A]] for row in rows]


@SETTINGS
@given(mdp=finite_mdps(max_states=4, max_actions=3), q=qs, weights=references)
def test_cap_holds_exactly_and_the_policy_attains_the_value(mdp, q, weights):
    """sum_a d(s, a) <= d_sigma(s) / q for every s, with ==-exact rationals; d is the occupancy
    of the returned policy and lies in the polytope; the value is that policy's return."""
    sigma = Policy(np.array(_normalised(weights[: mdp.S], mdp.A), dtype=object), mdp.states, mdp.actions)
    sol = quantilal_solution(mdp, "proxy", sigma, q)
    d_sigma = state_occupancy(mdp, sigma)
    for s in range(mdp.S):
        assert sum(sol.occupancy[s]) <= d_sigma[s] / q
    assert is_occupancy_measure(mdp, sol.occupancy)
    assert (occupancy(mdp, sol.policy) == sol.occupancy).all()
    assert sol.value == expected_return(mdp, sol.policy, "proxy")
    assert sol.ratio <= 1 / q


@SETTINGS
@given(mdp=finite_mdps(max_states=4, max_actions=3), q=qs)
def test_exact_agrees_with_highs(mdp, q):
    exact = quantilal_solution(mdp, "proxy", None, q)
    fl = quantilal_solution(mdp, "proxy", None, q, method="float")
    assert abs(fl.value - float(exact.value)) <= HIGHS_TOL
    assert fl.ratio <= float(1 / q) + HIGHS_TOL


def _bfs_optimum(mdp: FiniteMDP, d_sigma, q) -> F:
    """The best objective over every basic feasible solution of the standard form
    [flow equations; caps + slacks] (a second method: no simplex, only linear solves)."""
    S, A, g = mdp.S, mdp.A, mdp.discount
    n = S * A + S
    rows, rhs = [], []
    for t in range(S):
        rows.append([(1 if s == t else 0) - g * mdp.transitions[s, a, t] for s in range(S) for a in range(A)] + [0] * S)
        rhs.append(mdp.initial[t])
    for t in range(S):
        rows.append([1 if s == t else 0 for s in range(S) for a in range(A)] + [1 if k == t else 0 for k in range(S)])
        rhs.append(d_sigma[t] / q)
    M, b = sympy.Matrix(rows), sympy.Matrix(rhs)
    r = mdp.reward("proxy")
    best = None
    for cols in itertools.combinations(range(n), 2 * S):
        B = M[:, list(cols)]
        if B.det() == 0:
            continue
        xb = B.LUsolve(b)
        if any(v < 0 for v in xb):
            continue
        x = [0] * n
        for k, j in enumerate(cols):
            x[j] = F(str(xb[k]))
        value = sum(x[s * A + a] * r[s, a] for s in range(S) for a in range(A))
        best = value if best is None else max(best, value)
    return best


@settings(max_examples=25, deadline=None)
@given(mdp=finite_mdps(max_states=2, max_actions=2), q=qs)
def test_exact_lp_equals_the_best_basic_feasible_solution(mdp, q):
    sol = quantilal_solution(mdp, "proxy", None, q)
    assert sol.value == _bfs_optimum(mdp, sol.reference_occupancy, q)


@SETTINGS
@given(mdp=finite_mdps(max_states=3, max_actions=2), q=qs)
def test_at_least_every_policy_quantiliser_with_the_matching_reference(mdp, q):
    """The policy quantiliser's mixture has d_mix = sum w_k d_k with w_k <= nu_k / q, so
    d_mix <= d_nu / q entrywise; with the reference sigma whose occupancy is the base mixture's
    d_nu, it is feasible for the quantilal LP, whose value is therefore at least its value."""
    policies = deterministic_policies(mdp)
    d_nu = sum((occupancy(mdp, pi) for pi in policies), np.zeros((mdp.S, mdp.A), dtype=object) * F(0)) / len(policies)
    sigma = policy_from_occupancy(mdp, d_nu)
    mixture = PolicyQuantiliser(q).policy(mdp)
    assert quantilal_solution(mdp, "proxy", sigma, q).value >= mixture.expected_return("proxy")


def test_the_uniform_policy_is_not_the_matching_reference():
    # With the uniform *policy* as reference instead, the inequality can fail. s0: a0 stays
    # (proxy 0), a1 goes to s2 (proxy -1); s1 and s2 return to s0; discount 1/2; start s0.
    # Uniform policy: d2 = 1/2 * 1/2 d0, d0 = 1 + 1/2 (1/2 d0 + d2) -> d0 = 8/5, d2 = 2/5. At
    # q = 1 the LP must keep d(s2) = 2/5 = 1/2 d(s0, a1): d(s0, a1) = 4/5, value -4/5. The policy
    # quantiliser at q = 1 is the uniform mixture of the 8 deterministic policies: half never
    # take a1 (0), half always do (d0 = 1 + d2/2, d2 = d0/2 -> d0 = 4/3, value -4/3): -2/3.
    mdp = FiniteMDP(
        states=["s0", "s1", "s2"], actions=["a0", "a1"],
        transitions=[[[1, 0, 0], [0, 0, 1]], [[1, 0, 0], [1, 0, 0]], [[1, 0, 0], [1, 0, 0]]],
        rewards={"true": [[0, 0]] * 3, "proxy": [[0, -1], [0, 0], [0, 0]]},
        initial=[1, 0, 0], discount=F(1, 2))
    assert quantilal_solution(mdp, "proxy", None, 1).value == F(-4, 5)
    assert PolicyQuantiliser(1).policy(mdp).expected_return("proxy") == F(-2, 3)


@SETTINGS
@given(mdp=finite_mdps(max_states=3, max_actions=3), eta=st.sampled_from([F(1, 10), F(1, 2), F(1), F(3)]))
def test_penalised_optimum_is_the_constrained_optimum_at_its_own_ratio(mdp, eta):
    """Kosoy's two formulations: the penalised solution with ratio rho solves the constrained
    LP at q = 1/rho (same value, exactly); QV = (1 - gamma) J - eta rho."""
    pen = quantilum(mdp, "proxy", None, eta)
    assert pen.quantilum == (1 - mdp.discount) * pen.value - eta * pen.ratio
    assert quantilal_solution(mdp, "proxy", None, 1 / pen.ratio).value == pen.value


@SETTINGS
@given(mdp=finite_mdps(max_states=3, max_actions=3),
       deltas=st.tuples(st.fractions(1, 4, max_denominator=4), st.fractions(1, 4, max_denominator=4)))
def test_value_is_concave_and_nondecreasing_in_the_bound(mdp, deltas):
    """V(delta), delta = 1/q, is the optimum of an LP whose right-hand side is affine in delta:
    concave and piecewise linear (so V is piecewise rational in q); it grows with delta."""
    lo, hi = sorted(deltas)
    v = lambda d: quantilal_solution(mdp, "proxy", None, 1 / d).value  # noqa: E731
    assert v(lo) <= v(hi)
    assert v((lo + hi) / 2) >= (v(lo) + v(hi)) / 2


# -- the agent ---------------------------------------------------------------------------------


def test_agent_from_the_registry():
    # The spec of the CLI; q = 1/2 on two_state is the policy derived on paper above. Cost:
    # the exact simplex's pivots times S * A.
    agent = agents.get("quantilal:q=1/2")
    result = agent.run(two_state())
    assert result.behaviour.as_dict()["s0"] == {"stay": "9/29", "go": "20/29"}
    assert result.info["value"] == F(1720, 191)
    assert result.cost.decision == result.info["solution"].pivots * 4
    assert quantilal_policy(two_state(), "proxy", None, F(1, 2)).as_dict() == result.behaviour.as_dict()


def test_agent_with_a_reference_agent():
    # Reference "argmax": d_sigma = (100/91, 810/91); any q keeps the argmax feasible: 860/91.
    assert Quantilal(F(1, 2), reference="argmax").run(two_state()).info["value"] == F(860, 91)


def test_validation():
    with pytest.raises(InvalidArgument, match="needs a discounted MDP .*horizon 2"):
        Quantilal(F(1, 2)).run(two_state().replace(discount=None, horizon=2))
    with pytest.raises(InvalidArgument, match="q is the float 0.5 but the MDP is exact"):
        Quantilal(0.5).run(two_state())
    with pytest.raises(InvalidArgument, match="q is 0"):
        Quantilal(0)
    with pytest.raises(InvalidArgument, match="method is 'exact' but the MDP is float"):
        quantilal_solution(two_state().to_float(), "proxy", None, 0.5, method="exact")
    with pytest.raises(InvalidArgument, match="method is 'simplex'"):
        quantilal_solution(two_state(), "proxy", None, F(1, 2), method="simplex")
    with pytest.raises(InvalidArgument, match="eta is 0, not > 0"):
        quantilum(two_state(), "proxy", None, 0)
    with pytest.raises(InvalidArgument, match="eta is the float 0.5 but the MDP is exact"):
        quantilum(two_state(), "proxy", None, 0.5)


# -- the value as a function of q: exact pieces ------------------------------------------------


def test_two_state_pieces_on_paper():
    # From the derivation at the top: V = 860/(191 q) on [91/191, 1], 860/91 below.
    pieces = value_pieces(two_state(), q_min=F(1, 10))
    assert [(p.low, p.high, p.alpha, p.beta) for p in pieces] == [
        (F(1, 10), F(91, 191), F(860, 91), F(0)), (F(91, 191), F(1), F(0), F(860, 191))]


@settings(max_examples=30, deadline=None)
@given(mdp=finite_mdps(max_states=3, max_actions=3))
def test_pieces_match_the_lp_everywhere(mdp):
    """Each piece alpha + beta / q equals the LP's value (solved again, independently of the
    bisection) at its ends and at two interior points; the pieces tile [1/8, 1] and their
    slopes in 1/q fall from piece to piece (concavity: each breakpoint is a real kink)."""
    pieces = value_pieces(mdp, q_min=F(1, 8))
    assert pieces[0].low == F(1, 8) and pieces[-1].high == 1
    assert all(a.high == b.low for a, b in zip(pieces, pieces[1:]))
    for p in pieces:
        for q in (p.low, p.high, (2 * p.low + p.high) / 3, (p.low + 2 * p.high) / 3):
            assert p.alpha + p.beta / q == quantilal_solution(mdp, "proxy", None, q).value
    # in delta = 1/q the slope beta is larger on the piece nearer delta = 1 (q = 1)
    assert all(a.beta < b.beta for a, b in zip(pieces, pieces[1:]))
