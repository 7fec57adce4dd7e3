"""Tests of agents.soft (Boltzmann, KLRegularised, soft value iteration).

Hand-computed closed forms first (independent of the module: plain math.exp), then properties of
the KL-regularised optimum on generated MDPs, then one test per validation error. Every float
comparison states its tolerance.
"""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.direct import Argmax, Fixed
from agents.soft import Boltzmann, KLRegularised, soft_backup, soft_value_iteration
from theory.errors import InvalidArgument
from theory.evaluation import state_values
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import solve


def _bandit(rewards: list[list[object]], exact: bool = True) -> FiniteMDP:
    """A one-shot problem (horizon 1): contexts c0.., arms a0..; each row of rewards a context."""
    S, A = len(rewards), len(rewards[0])
    mdp = FiniteMDP(
        states=[f"c{i}" for i in range(S)], actions=[f"a{j}" for j in range(A)],
        transitions=[[[1 if k == s else 0 for k in range(S)] for _ in range(A)] for s in range(S)],
        rewards={"proxy": rewards}, initial=[F(1, S)] * S, horizon=1,
    )
    return mdp if exact else mdp.to_float()


def _softmax(row: list[float], beta: float, prior: list[float] | None = None) -> list[float]:
    prior = prior or [1.0] * len(row)
    w = [p * math.exp(beta * x) for p, x in zip(prior, row)]
    return [x / sum(w) for x in w]


@st.composite
def small_mdps(draw: st.DrawFn, horizon: bool = False) -> FiniteMDP:
    S = draw(st.integers(1, 3))
    A = draw(st.integers(1, 3))
    rows = st.lists(st.integers(0, 3), min_size=S, max_size=S).filter(lambda w: sum(w) > 0)
    trans = [[[F(x, sum(w)) for x in w] for w in draw(st.lists(rows, min_size=A, max_size=A))] for _ in range(S)]
    rewards = draw(st.lists(st.lists(st.integers(-3, 3), min_size=A, max_size=A), min_size=S, max_size=S))
    if horizon:
        time = {"horizon": draw(st.integers(1, 3))}
    else:
        time = {"discount": draw(st.sampled_from([F(0), F(1, 2), F(3, 4)]))}
    return FiniteMDP(
        states=[f"s{i}" for i in range(S)], actions=[f"a{j}" for j in range(A)], transitions=trans,
        rewards={"proxy": rewards}, initial=[1] + [0] * (S - 1), **time,
    )


# -- beta = 0 and large beta ----------------------------------------------------------------------


def test_beta_zero_returns_the_base_exactly() -> None:
    mdp = two_state()
    pi = Boltzmann(beta=0).policy(mdp)
    assert pi.exact and pi == Policy.uniform(mdp)
    base = Policy(probs=[["3/4", "1/4"], ["1/3", "2/3"]], states=mdp.states, actions=mdp.actions)
    result = KLRegularised(beta=0, base=Fixed(base)).run(mdp)
    assert result.policy is base and result.cost.decision == 0
    horizon = mdp.replace(discount=None, horizon=2)
    assert Boltzmann(beta=F(0)).policy(horizon) == Policy.uniform(horizon)


def test_large_beta_one_shot_is_uniform_over_argmax() -> None:
    # context 0: arms 0 and 1 tie at 1; context 1: arm 1 is best by 2. With beta = 50 the other
    # arms get at most e^-50 ~ 2e-22.
    pi = Boltzmann(beta=50).policy(_bandit([[1, 1, 0], [0, 2, -1]]))
    np.testing.assert_allclose(pi.probs[0], [[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]], atol=1e-6)


def test_large_beta_discounted_tends_to_argmax() -> None:
    # two_state (proxy): Q* gaps are about 0.95 (s0) and 1.5 (s1); the soft Q-values move by at
    # most log 2 / (beta (1 - gamma)) = 0.14 at beta = 50, so the gaps stay > 0.6 and the losing
    # action has probability < e^-30.
    mdp = two_state()
    pi = Boltzmann(beta=50).policy(mdp)
    np.testing.assert_allclose(pi.probs, Argmax().policy(mdp).to_float().probs, atol=1e-6)


# -- one-shot closed forms ------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(-4, 4), min_size=3, max_size=3), min_size=1, max_size=3),
    st.floats(0.01, 10.0),
    st.booleans(),
)
def test_one_shot_is_softmax(rewards: list[list[int]], beta: float, exact: bool) -> None:
    pi = Boltzmann(beta=beta).policy(_bandit(rewards, exact))
    assert not pi.exact and pi.probs.shape == (1, len(rewards), 3)
    for s, row in enumerate(rewards):
        np.testing.assert_allclose(pi.probs[0, s], _softmax([float(x) for x in row], beta), rtol=1e-12, atol=1e-15)


def test_kl_one_shot_closed_form_with_a_non_uniform_base() -> None:
    # pi = pi0 exp(beta r) / Z with pi0 = (1/2, 1/3, 1/6), r = (0, 1, 2), beta = 1.3; and a base
    # with a zero: pi0 = (1/2, 1/2, 0) never plays arm 2, however good it is.
    mdp = _bandit([[0, 1, 2], [0, 1, 2]])
    base = Policy(probs=[[["1/2", "1/3", "1/6"], ["1/2", "1/2", 0]]], states=mdp.states, actions=mdp.actions)
    pi = KLRegularised(beta=1.3, base=Fixed(base)).policy(mdp)
    np.testing.assert_allclose(pi.probs[0, 0], _softmax([0, 1, 2], 1.3, [1 / 2, 1 / 3, 1 / 6]), rtol=1e-12)
    np.testing.assert_allclose(pi.probs[0, 1], _softmax([0, 1, 2], 1.3, [1 / 2, 1 / 2, 0]), rtol=1e-12)
    assert pi.probs[0, 1, 2] == 0.0


def test_finite_horizon_backward_recursion_by_hand() -> None:
    # two_state, horizon 2, proxy, beta = 1, uniform prior. Last step: Q_1 = r, so
    # V_1(s0) = log((e^0 + e^(1/2)) / 2), V_1(s1) = log((e^1 + e^0) / 2). First step:
    # Q_0(s0) = (V_1(s0), 1/2 + V_1(s0)/10 + 9 V_1(s1)/10), Q_0(s1) = (1 + V_1(s1), V_1(s0)).
    mdp = two_state().replace(discount=None, horizon=2)
    v1 = [math.log((1 + math.exp(0.5)) / 2), math.log((math.e + 1) / 2)]
    q0 = [[v1[0], 0.5 + v1[0] / 10 + 9 * v1[1] / 10], [1 + v1[1], v1[0]]]
    sol = soft_value_iteration(mdp, "proxy", beta=1)
    assert sol.policy.probs.shape == (2, 2, 2)
    np.testing.assert_allclose(sol.policy.probs[1], [_softmax([0, 0.5], 1), _softmax([1, 0], 1)], rtol=1e-12)
    np.testing.assert_allclose(sol.policy.probs[0], [_softmax(q0[0], 1), _softmax(q0[1], 1)], rtol=1e-12)
    np.testing.assert_allclose(sol.values[1], v1, rtol=1e-12)
    assert sol.values[2].tolist() == [0.0, 0.0] and sol.error_bound == 0.0


# -- properties of the KL-regularised optimum ----------------------------------------------------


def _regularised_values(mdp: FiniteMDP, pi: np.ndarray, prior: np.ndarray, beta: float) -> np.ndarray:
    """v of E[sum gamma^t (r - (1/beta) log(pi/pi0))], by exact-policy evaluation in floats."""
    fm = mdp.to_float()
    r = np.array(fm.reward("proxy"), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        penalty = np.where(pi > 0, np.log(pi / prior), 0.0) / beta
    return state_values(fm, Policy(pi, mdp.states, mdp.actions), r - penalty)


@settings(max_examples=40, deadline=None)
@given(small_mdps(), st.floats(0.1, 5.0), st.data())
def test_soft_value_is_the_regularised_optimum(mdp: FiniteMDP, beta: float, data: st.DataObject) -> None:
    sol = soft_value_iteration(mdp, "proxy", beta)
    assert sol.error_bound < 1e-9
    prior = np.full((mdp.S, mdp.A), 1.0 / mdp.A)
    # the soft policy attains the soft value (tolerance: the 1e-9 error bound plus rounding)
    np.testing.assert_allclose(_regularised_values(mdp, sol.policy.probs, prior, beta), sol.values, atol=1e-7)
    # and no other policy does better
    row = st.lists(st.integers(0, 3), min_size=mdp.A, max_size=mdp.A).filter(any)
    weights = data.draw(st.lists(row, min_size=mdp.S, max_size=mdp.S))
    other = np.array([[w / sum(row) for w in row] for row in weights])
    assert np.all(_regularised_values(mdp, other, prior, beta) <= sol.values + 1e-7)


@settings(max_examples=40, deadline=None)
@given(st.one_of(small_mdps(), small_mdps(horizon=True)), st.floats(0.1, 20.0))
def test_soft_value_bounds(mdp: FiniteMDP, beta: float) -> None:
    # With the pi0-weighted log-sum-exp, per state and step:
    #   max_a Q + (1/beta) log(1/A) <= V <= max_a Q   and   E_uniform[Q] <= V   (Jensen);
    # over the whole problem V^uniform <= V_soft <= V*, and V* - V_soft <= (steps) log A / beta,
    # steps = 1/(1 - gamma) discounted, H for a horizon. Tolerance 1e-7 (solver bound 1e-9).
    sol = soft_value_iteration(mdp, "proxy", beta)
    A, tol = mdp.A, 1e-7
    q, v = sol.q_values, (sol.values if mdp.horizon is None else sol.values[:-1])
    assert np.all(v <= q.max(axis=-1) + tol)
    assert np.all(v >= q.max(axis=-1) - math.log(A) / beta - tol)
    assert np.all(v >= q.mean(axis=-1) - tol)
    fm = mdp.to_float()
    v_star = np.array(solve(mdp, "proxy").initial_values.tolist(), dtype=float)
    v_unif = state_values(fm, Policy.uniform(fm), "proxy")
    v_unif = v_unif if mdp.horizon is None else v_unif[0]
    steps = mdp.horizon if mdp.horizon is not None else 1 / (1 - float(mdp.discount))
    v0 = sol.values if mdp.horizon is None else sol.values[0]
    assert np.all(v0 <= v_star + tol)
    assert np.all(v0 >= v_unif - tol)
    assert np.all(v0 >= v_star - steps * math.log(A) / beta - tol)


@settings(max_examples=30, deadline=None)
@given(st.one_of(small_mdps(), small_mdps(horizon=True)), st.floats(0.1, 5.0))
def test_kl_with_uniform_base_is_boltzmann_and_kinds_agree(mdp: FiniteMDP, beta: float) -> None:
    a = Boltzmann(beta=beta).policy(mdp)
    b = KLRegularised(beta=beta, base="uniform").policy(mdp)
    c = KLRegularised(beta=beta).policy(mdp.to_float())
    assert not a.exact and not c.exact
    np.testing.assert_allclose(a.probs, b.probs, atol=1e-12)
    np.testing.assert_allclose(a.probs, c.probs, atol=1e-12)


def test_kl_with_a_deterministic_base_keeps_it() -> None:
    # pi0 = argmax puts mass 1 on one action: pi ~ pi0 exp(beta Q) is pi0 for every beta.
    mdp = two_state()
    result = KLRegularised(beta=3, base="argmax").run(mdp)
    assert result.policy.probs.tolist() == Argmax().policy(mdp).to_float().probs.tolist()
    # the base agent's cost is paid too
    own = result.info["iterations"] * mdp.S * mdp.A
    assert result.cost.decision == Argmax().run(mdp).cost.decision + own


def test_cost_and_error_bound_reported() -> None:
    mdp = two_state()
    result = Boltzmann(beta=1, tolerance=1e-6).run(mdp)
    assert result.info["error_bound"] < 1e-6
    assert result.cost.decision == result.info["iterations"] * mdp.S * mdp.A
    assert result.info["iterations"] > 10  # discount 9/10 needs many sweeps


def test_soft_backup_is_stable() -> None:
    # huge and tiny beta: no overflow, no nan; tiny beta keeps E_pi0[Q] to high relative precision
    v, pi = soft_backup(np.array([0.0, 1000.0]), np.array([0.5, 0.5]), 1e6)
    assert v == pytest.approx(1000 - math.log(2) / 1e6, abs=1e-12) and pi.tolist() == [0.0, 1.0]
    v, pi = soft_backup(np.array([0.0, 1.0]), np.array([0.5, 0.5]), 1e-12)
    assert v == pytest.approx(0.5, rel=1e-9) and np.allclose(pi, 0.5)


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize("beta", [-1, math.inf, math.nan, "2", True, None])
def test_bad_beta(beta: object) -> None:
    with pytest.raises(InvalidArgument, match=r"^beta is .*, not a finite number >= 0$"):
        Boltzmann(beta=beta)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"^beta is "):
        KLRegularised(beta=beta)  # type: ignore[arg-type]


def test_other_validation_errors() -> None:
    with pytest.raises(InvalidArgument, match=r"tolerance is 0, not a positive number"):
        Boltzmann(beta=1, tolerance=0)
    with pytest.raises(InvalidArgument, match=r"base is 7, not None"):
        KLRegularised(beta=1, base=7)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match=r"agent 'nope' is not registered"):
        KLRegularised(beta=1, base="nope").run(two_state())  # resolved lazily, at run time
    with pytest.raises(InvalidArgument, match=r"prior has shape \(3, 2\)"):
        soft_value_iteration(two_state(), "proxy", 1, prior=np.full((3, 2), 0.5))


# -- the soft backup and soft value iteration, pinned by hand ---------------------------------


def test_soft_backup_beta_zero_is_the_prior_mean() -> None:
    # beta = 0: V = E_prior[Q] = 1/4 * 0 + 3/4 * 1 = 3/4, and the policy is the prior.
    v, pi = soft_backup(np.array([0.0, 1.0]), np.array([0.25, 0.75]), 0)
    assert v == 0.75 and pi.tolist() == [0.25, 0.75]


def test_soft_backup_ignores_actions_outside_the_prior() -> None:
    # The prior never plays action 1, however large its Q: V = (1/beta) log(1 * e^0) = 0 and
    # pi = (1, 0) (no underflow from shifting by the unplayable Q = 1000).
    v, pi = soft_backup(np.array([0.0, 1000.0]), np.array([1.0, 0.0]), 1.0)
    assert v == 0.0 and pi.tolist() == [1.0, 0.0]


def test_one_shot_soft_value_with_the_uniform_prior() -> None:
    # One context, arms (0, 1, 2), beta = 1, uniform prior 1/3: V = log((1 + e + e^2) / 3).
    sol = soft_value_iteration(_bandit([[0, 1, 2]]), "proxy", 1.0)
    assert sol.values[0, 0] == pytest.approx(math.log((1 + math.e + math.e**2) / 3), rel=1e-12)


def test_time_dependent_prior_is_used_step_by_step() -> None:
    # One state, arms a0 (pays 0) and a1 (pays 1), horizon 2, beta = 1; prior (1/2, 1/2) at
    # t = 0 and (1, 0) at t = 1. t = 1: Q = (0, 1), only a0 allowed: V_1 = log(e^0) = 0,
    # pi_1 = (1, 0). t = 0: Q = (0, 1) + V_1 = (0, 1): pi_0 = (1, e) / (1 + e),
    # V_0 = log((1 + e) / 2).
    mdp = FiniteMDP(states=["s"], actions=["a0", "a1"], transitions=[[[1], [1]]], rewards={"proxy": [[0, 1]]},
                    initial=[1], horizon=2)
    sol = soft_value_iteration(mdp, "proxy", 1.0, prior=np.array([[[0.5, 0.5]], [[1.0, 0.0]]]))
    np.testing.assert_allclose(sol.policy.probs[0, 0], _softmax([0, 1], 1.0), rtol=1e-12)
    assert sol.policy.probs[1, 0].tolist() == [1.0, 0.0]
    assert sol.values[:, 0].tolist() == pytest.approx([math.log((1 + math.e) / 2), 0.0, 0.0], rel=1e-12)


def _one_state(reward: float) -> FiniteMDP:
    """One state, one action paying ``reward``, discount 1/2. With one action the soft backup is
    the hard one (V = Q), so V_k = reward * (2 - 2**(1 - k))."""
    return FiniteMDP(states=["s"], actions=["a"], transitions=np.ones((1, 1, 1)),
                     rewards={"proxy": np.array([[reward]])}, initial=np.ones(1), discount=0.5)


def test_soft_value_iteration_stops_by_the_documented_rule() -> None:
    # The change at sweep k is 2**(1-k); stop at the first k with change < tolerance (1 - g) / g
    # = tolerance (g = 1/2). Tolerance 1e-3: k = 11 (2**-9 > 1e-3 > 2**-10), V = 2 - 2**-10,
    # bound g * change / (1 - g) = 2**-10, and Q_k = 1 + V_{k-1} / 2 = 2 - 2**-10. Dyadic: exact.
    sol = soft_value_iteration(_one_state(1.0), "proxy", 1.0, tolerance=1e-3)
    assert (sol.iterations, sol.values.tolist(), sol.error_bound) == (11, [2 - 2**-10], 2**-10)
    assert sol.q_values.tolist() == [[2 - 2**-10]]
    # strict comparison: the change 2**-10 does not stop at tolerance 2**-10
    sol = soft_value_iteration(_one_state(1.0), "proxy", 1.0, tolerance=2**-10)
    assert (sol.iterations, sol.values.tolist(), sol.error_bound) == (12, [2 - 2**-11], 2**-11)
    # decreasing values stop by the size of the change
    sol = soft_value_iteration(_one_state(-1.0), "proxy", 1.0, tolerance=1e-3)
    assert (sol.iterations, sol.values.tolist()) == (11, [-(2 - 2**-10)])
