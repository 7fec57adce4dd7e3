"""Tests of agents.best_of_n: hand-computed pmfs first, then properties, then validation errors."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.best_of_n import BestOfN, best_of_n_distribution, kl_bound, kl_divergence, win_rate
from agents.direct import Argmax, Fixed
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import solve

BASE = [F(1, 2), F(1, 3), F(1, 6)]

# -- hand-computed tables -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "n, expected",
    [
        # G(<=1) = 1/2, G(<=2) = 5/6, G(<=3) = 1.
        # n=2: (1/2)^2 = 1/4; (5/6)^2 - (1/2)^2 = 25/36 - 9/36 = 4/9; 1 - 25/36 = 11/36.
        (2, [F(1, 4), F(4, 9), F(11, 36)]),
        # n=3: 1/8; 125/216 - 27/216 = 98/216 = 49/108; 1 - 125/216 = 91/216.
        (3, [F(1, 8), F(49, 108), F(91, 216)]),
        (1, BASE),
    ],
)
def test_three_outcomes_by_hand(n: int, expected: list[F]) -> None:
    for tie in ("last", "uniform"):  # no ties: both rules agree
        got = best_of_n_distribution(BASE, [1, 2, 3], n, tie=tie)
        assert got.tolist() == expected
        assert all(isinstance(x, F) for x in got)


def test_utility_order_not_index_order() -> None:
    # Same base, utilities reversed (3, 2, 1): the best outcome is index 0.
    # n=2: P(idx 2) = (1/6)^2 = 1/36; P(idx 1) = (1/2)^2 - 1/36 = 8/36; P(idx 0) = 1 - 1/4 = 3/4.
    assert best_of_n_distribution(BASE, [3, 2, 1], 2).tolist() == [F(3, 4), F(2, 9), F(1, 36)]


def test_tie_uniform_by_hand() -> None:
    # base (1/2, 1/4, 1/4), utilities (0, 1, 1), n=2. Level 1 has mass 1/2, probability
    # 1 - (1/2)^2 = 3/4, split 1:1 -> 3/8 each. Enumeration check of index 1: pairs (1,0),(0,1):
    # 1/4; (1,1): 1/16; (1,2),(2,1): 1/8 with a fair tie -> 1/16; total 3/8.
    got = best_of_n_distribution(["1/2", "1/4", "1/4"], [0, 1, 1], 2, tie="uniform")
    assert got.tolist() == [F(1, 4), F(3, 8), F(3, 8)]


def test_tie_uniform_unequal_mass_by_hand() -> None:
    # base (1/2, 1/3, 1/6), utilities (0, 1, 1), n=2: level 1 gets 3/4, split 1/3 : 1/6 = 2 : 1
    # -> (1/2, 1/4). Enumeration of index 1: 2*(1/3)(1/2) + 1/9 + (1/2)*2*(1/3)(1/6) = 1/2.
    got = best_of_n_distribution(BASE, [0, 1, 1], 2, tie="uniform")
    assert got.tolist() == [F(1, 4), F(1, 2), F(1, 4)]


def test_tie_index_later_wins_by_hand() -> None:
    # base (1/2, 1/4, 1/4), utilities (0, 1, 1), tie="last": index 2 beats index 1.
    # P(2) = 1 - (3/4)^2 = 7/16 (any draw is 2); P(1) = (3/4)^2 - (1/2)^2 = 5/16; P(0) = 1/4.
    got = best_of_n_distribution(["1/2", "1/4", "1/4"], [0, 1, 1], 2, tie="last")
    assert got.tolist() == [F(1, 4), F(5, 16), F(7, 16)]


def test_float_input_gives_float() -> None:
    got = best_of_n_distribution([0.5, 0.5], [0.0, 1.0], 2)
    assert got.dtype == np.float64 and got.tolist() == [0.25, 0.75]


def test_zero_mass_outcome_never_wins() -> None:
    got = best_of_n_distribution([F(1, 2), 0, F(1, 2)], [0, 5, 1], 3, tie="uniform")
    assert got.tolist() == [F(1, 8), 0, F(7, 8)]


def test_kl_by_hand() -> None:
    # KL((1/4, 3/4) || (1/2, 1/2)) = 1/4 log(1/2) + 3/4 log(3/2) = 3/4 log 3 - log 2.
    kl = kl_divergence(["1/4", "3/4"], ["1/2", "1/2"])
    target = sympy.Rational(3, 4) * sympy.log(3) - sympy.log(2)
    assert sympy.simplify(sympy.expand_log(kl.exact - target, force=True)) == 0
    assert kl.value == pytest.approx(0.75 * math.log(3) - math.log(2), abs=1e-15)


def test_kl_conventions() -> None:
    # 0 log 0 = 0: p = base gives exactly 0; mass outside the base's support gives infinity.
    assert kl_divergence([F(1, 2), F(1, 2), 0], [F(1, 2), F(1, 2), 0]).exact == 0
    assert kl_divergence([0, 1], [F(1, 2), F(1, 2)]).exact == sympy.log(2)
    inf = kl_divergence([F(1, 2), F(1, 2)], [1, 0])
    assert inf.exact == sympy.oo and inf.value == math.inf
    flt = kl_divergence([0.25, 0.75], [0.5, 0.5])
    assert flt.exact is None and flt.value == pytest.approx(0.75 * math.log(3) - math.log(2), abs=1e-15)


def test_kl_bound_values() -> None:
    assert kl_bound(1).exact == 0 and kl_bound(1).value == 0.0
    assert kl_bound(2).exact == sympy.log(2) - sympy.Rational(1, 2)
    assert kl_bound(10).value == pytest.approx(math.log(10) - 0.9, abs=1e-15)


def test_win_rate_by_hand() -> None:
    # base (1/2, 1/2), U = (0, 1), n = 2: best-of-2 is 1 w.p. 3/4.
    # half: 3/4 * (1/2 + 1/2 * 1/2) + 1/4 * (1/2 * 1/2) = 9/16 + 1/16 = 5/8; strict: 3/4 * 1/2 = 3/8.
    assert win_rate(["1/2", "1/2"], [0, 1], 2) == F(5, 8)
    assert win_rate(["1/2", "1/2"], [0, 1], 2, ties="strict") == F(3, 8)
    # n = 1: a base sample against a base sample, ties halved -> exactly 1/2.
    assert win_rate(BASE, [3, 1, 2], 1) == F(1, 2)
    # a point mass: every comparison is a tie -> 1/2 (counting ties as wins would give 1 > n/(n+1)).
    assert win_rate([1], [0], 5) == F(1, 2)
    # base (1/4, 3/4), U = (0, 1), n = 3: Y = 1 w.p. 1 - (1/4)^3 = 63/64. Y = 1 beats X = 0
    # (1/4) and ties X = 1 (3/4): 1/4 + 3/8 = 5/8; Y = 0 only ties X = 0: 1/8.
    # 63/64 * 5/8 + 1/64 * 1/8 = 316/512 = 79/128 (the levels walked from the worst up; walked
    # from the best down the same sums give 340/512).
    assert win_rate(["1/4", "3/4"], [0, 1], 3) == F(79, 128)


# -- properties ----------------------------------------------------------------------------------


@st.composite
def base_and_utility(draw: st.DrawFn, max_size: int = 5) -> tuple[list[F], list[int]]:
    k = draw(st.integers(1, max_size))
    weights = draw(st.lists(st.integers(0, 4), min_size=k, max_size=k).filter(lambda w: sum(w) > 0))
    total = sum(weights)
    utility = draw(st.lists(st.integers(0, 3), min_size=k, max_size=k))
    return [F(w, total) for w in weights], utility


def _brute_force(base: list[F], utility: list[int], n: int, tie: str) -> list[F]:
    """Enumerate every n-tuple of draws and apply the tie rule literally."""
    out = [F(0)] * len(base)
    for draws in itertools.product(range(len(base)), repeat=n):
        prob = F(1)
        for i in draws:
            prob *= base[i]
        if prob == 0:
            continue
        top = max(utility[i] for i in draws)
        if tie == "last":
            out[max(i for i in draws if utility[i] == top)] += prob
        else:  # the winner is a uniformly chosen draw among those at the top level
            tied = [i for i in draws if utility[i] == top]
            for i in tied:
                out[i] += prob / len(tied)
    return out


@settings(max_examples=60, deadline=None)
@given(base_and_utility(max_size=4), st.integers(1, 3), st.sampled_from(["last", "uniform"]))
def test_matches_enumeration(bu: tuple[list[F], list[int]], n: int, tie: str) -> None:
    base, utility = bu
    assert best_of_n_distribution(base, utility, n, tie=tie).tolist() == _brute_force(base, utility, n, tie)


@settings(max_examples=80, deadline=None)
@given(base_and_utility(), st.integers(1, 12), st.sampled_from(["last", "uniform"]))
def test_sums_to_one_and_kl_bound(bu: tuple[list[F], list[int]], n: int, tie: str) -> None:
    base, utility = bu
    p = best_of_n_distribution(base, utility, n, tie=tie)
    assert sum(p) == 1  # exactly
    assert kl_divergence(p, base).value <= kl_bound(n).value + 1e-12  # float comparison, tol 1e-12
    if n == 1:
        assert p.tolist() == base


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 60), st.sampled_from([(0, 1), (1, 0), (0, 0)]), st.sampled_from(["last", "uniform"]))
def test_uniform_binary_kl_at_most_log2(n: int, utility: tuple[int, int], tie: str) -> None:
    p = best_of_n_distribution([F(1, 2), F(1, 2)], list(utility), n, tie=tie)
    assert kl_divergence(p, [F(1, 2), F(1, 2)]).value <= math.log(2) + 1e-12


def test_formula_exceeds_log2_from_n5() -> None:
    # log 4 - 3/4 = 0.636 < log 2 = 0.693 < log 5 - 4/5 = 0.809: from n = 5 on the formula exceeds
    # the largest KL any distribution can have from a uniform binary base, so it is not the KL.
    assert [n for n in range(1, 40) if kl_bound(n).value > math.log(2)] == list(range(5, 40))


@settings(max_examples=80, deadline=None)
@given(base_and_utility(), st.integers(1, 12), st.sampled_from(["half", "strict"]))
def test_win_rate_at_most_n_over_n_plus_1(bu: tuple[list[F], list[int]], n: int, ties: str) -> None:
    base, utility = bu
    assert win_rate(base, utility, n, ties=ties) <= F(n, n + 1)  # exact


@settings(max_examples=60, deadline=None)
@given(base_and_utility(), st.sampled_from(["last", "uniform"]))
def test_expected_utility_non_decreasing_in_n(bu: tuple[list[F], list[int]], tie: str) -> None:
    base, utility = bu
    means = [
        sum(p * u for p, u in zip(best_of_n_distribution(base, utility, n, tie=tie), utility))
        for n in range(1, 9)
    ]
    assert all(a <= b for a, b in zip(means, means[1:]))


# -- the agent ---------------------------------------------------------------------------------


def _bandit(rewards: list[list[int]]) -> FiniteMDP:
    S, A = len(rewards), len(rewards[0])
    return FiniteMDP(
        states=[f"c{i}" for i in range(S)], actions=[f"a{j}" for j in range(A)],
        transitions=[[[1 if k == s else 0 for k in range(S)] for _ in range(A)] for s in range(S)],
        rewards={"proxy": rewards}, initial=[F(1, S)] * S, horizon=1,
    )


def test_agent_on_a_bandit_by_hand() -> None:
    # uniform base over 3 arms with rewards (0, 1, 2), n = 2: (1/9, 4/9 - 1/9, 1 - 4/9).
    # second context (5, 5, 0): arms 0 and 1 tie at the top level, whose probability 1 - (1/3)^2
    # = 8/9 is split evenly -> (4/9, 4/9, 1/9).
    result = BestOfN(n=2).run(_bandit([[0, 1, 2], [5, 5, 0]]))
    assert result.policy.probs.shape == (1, 2, 3)
    assert result.policy.probs[0].tolist() == [[F(1, 9), F(1, 3), F(5, 9)], [F(4, 9), F(4, 9), F(1, 9)]]
    # cost: backward induction, 1 sweep of S*A = 6, plus n = 2 reads per state and step -> 4.
    assert result.cost.decision == 6 + 4


def test_agent_n1_is_the_base_and_large_n_tends_to_argmax() -> None:
    mdp = two_state()
    assert BestOfN(n=1).policy(mdp) == Policy.uniform(mdp)
    pi = BestOfN(n=60).policy(mdp)  # argmax is go in s0, stay in s1; loser has mass 2^-60
    assert pi.probs.tolist() == [[F(1, 2**60), 1 - F(1, 2**60)], [1 - F(1, 2**60), F(1, 2**60)]]


def test_agent_with_a_base_agent() -> None:
    mdp = two_state()
    # base = argmax: every draw is the argmax action, so best-of-n is the argmax policy.
    result = BestOfN(n=3, base="argmax").run(mdp)
    assert result.policy == Argmax().policy(mdp)
    assert result.cost.decision == 2 * Argmax().run(mdp).cost.decision + 3 * mdp.S
    # a fixed non-uniform base in s0 (stay 3/4, go 1/4): P(go) = 1 - (3/4)^2 = 7/16 for n = 2.
    base = Policy(probs=[["3/4", "1/4"], ["1/2", "1/2"]], states=mdp.states, actions=mdp.actions)
    assert BestOfN(n=2, base=Fixed(base)).policy(mdp).probs[0].tolist() == [F(9, 16), F(7, 16)]


def test_agent_float_matches_exact() -> None:
    mdp = two_state()
    exact = BestOfN(n=3).policy(mdp)
    flt = BestOfN(n=3).policy(mdp.to_float())
    assert not flt.exact
    np.testing.assert_allclose(flt.probs, exact.to_float().probs, atol=1e-12)


def test_agent_time_dependent_on_a_horizon() -> None:
    mdp = two_state().replace(discount=None, horizon=3)
    pi = BestOfN(n=2).policy(mdp)
    q = solve(mdp, "proxy").q_values
    assert pi.probs.shape == (3, 2, 2)
    for t in range(3):
        for s in range(2):
            expected = best_of_n_distribution([F(1, 2)] * 2, q[t, s], 2, tie="uniform")
            assert pi.probs[t, s].tolist() == expected.tolist()


# -- validation -----------------------------------------------------------------------------------


def test_validation_errors() -> None:
    with pytest.raises(InvalidArgument, match=r"n is 0, not an integer >= 1"):
        best_of_n_distribution(BASE, [1, 2, 3], 0)
    with pytest.raises(InvalidArgument, match=r"n is True"):
        kl_bound(True)
    with pytest.raises(InvalidArgument, match=r"base sums to 5/6, not 1"):
        best_of_n_distribution(["1/2", "1/3"], [1, 2], 2)
    with pytest.raises(InvalidArgument, match=r"base\[1\] is -1/2, a negative probability"):
        best_of_n_distribution(["3/2", "-1/2"], [1, 2], 2)
    with pytest.raises(InvalidArgument, match=r"utility has shape \(2,\), expected \(3,\)"):
        best_of_n_distribution(BASE, [1, 2], 2)
    with pytest.raises(InvalidArgument, match=r"tie is 'random'"):
        best_of_n_distribution(BASE, [1, 2, 3], 2, tie="random")
    with pytest.raises(InvalidArgument, match=r"ties is 'win'"):
        win_rate(BASE, [1, 2, 3], 2, ties="win")
    with pytest.raises(InvalidArgument, match=r"p has 2 outcomes but base has 3"):
        kl_divergence(["1/2", "1/2"], BASE)
    with pytest.raises(InvalidArgument, match=r"n is 2.5"):
        BestOfN(n=2.5)
    with pytest.raises(InvalidArgument, match=r"base is 3"):
        BestOfN(n=2, base=3)
