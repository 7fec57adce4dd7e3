"""Tests of theory/symbolic.py, environments/parametric.py and reports/symbolic.py.

Layers: hand-worked breakpoints first (rational, quadratic and cubic), then hypothesis
properties against independent computations (float solves on a dense grid, the exact
evaluation of theory.evaluation at random rational points, the one-shot agents of agents/),
then one test per validation error. Exact claims use == on sympy / Fraction numbers; float
checks state their tolerance.
"""

from __future__ import annotations

import json
import re
from fractions import Fraction as F

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.best_of_n import best_of_n_distribution
from agents.quantiliser import quantilise
from environments.chain import chain
from environments.gridworld import compile_gridworld
from environments.parametric import (
    LAVA_CORRIDOR_MAP,
    PARAMETRIC,
    delayed_reward,
    get_parametric,
    lava_corridor,
    now_or_later,
    parametric_chain,
    proxy_bandit,
)
from reports.symbolic import region_map_data, region_map_figure, value_curves_data, value_curves_figure
from theory.errors import InvalidArgument, InvalidMDP
from theory.evaluation import state_values
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import argmax_sets, policy_iteration, solve
from theory.symbolic import (
    ParametricMDP,
    affine_family,
    best_of_n_returns,
    breakpoints,
    fix,
    format_partition,
    initial_value,
    optimal_partition,
    peak_q,
    policy_value,
    quantiliser_returns,
    region_map,
    substitute,
)

g = sympy.Symbol("gamma")
p = sympy.Symbol("p")


def now_or_later_by_hand(rewards_after_waiting: list, gamma_range=(0, F(99, 100))) -> ParametricMDP:
    """A: "now" pays 1 and ends; "wait" pays 0 and walks down a path W1, W2, ... whose k-th
    state pays rewards_after_waiting[k-1] (both actions), then ends. Built here by hand,
    independently of the library's examples."""
    k = len(rewards_after_waiting)
    states = ["A"] + [f"W{i}" for i in range(1, k + 1)] + ["end"]
    S = len(states)
    end = S - 1
    T = [[[0] * S for _ in range(2)] for _ in range(S)]
    r = [[0, 0] for _ in range(S)]
    T[0][0][end] = 1
    r[0][0] = 1
    T[0][1][1] = 1
    for i in range(1, k + 1):
        for a in range(2):
            T[i][a][i + 1 if i < k else end] = 1
            r[i][a] = rewards_after_waiting[i - 1]
    T[end][0][end] = T[end][1][end] = 1
    return ParametricMDP(
        states=states, actions=["now", "wait"], transitions=T, rewards={"true": r},
        initial=[1] + [0] * (S - 1), discount=g, params={"gamma": gamma_range},
    )


# ---------------------------------------------------------------------------------------------
# Hand-worked breakpoints
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("R", [2, 3, 5, F(7, 2)])
def test_now_or_later_switches_at_one_over_R(R):
    # V(now) = 1 (reward 1, then the absorbing end pays 0).
    # V(wait) = 0 + gamma * R (B pays R, then the end).
    # wait is better iff gamma * R > 1 iff gamma > 1/R; on [0, 99/100] with R >= 2 the
    # switch 1/R is inside the range. In W1 and end both actions are identical (a tie on the
    # whole range).
    pieces = optimal_partition(now_or_later_by_hand([R]), "gamma")
    assert len(pieces) == 2
    assert pieces[0].lo == 0 and pieces[1].hi == sympy.Rational(99, 100)
    assert pieces[0].hi == sympy.Rational(1, 1) / sympy.Rational(str(R)) == pieces[1].lo
    assert breakpoints(pieces) == [1 / sympy.Rational(str(R))]
    assert pieces[0].argmax == (("now",), ("now", "wait"), ("now", "wait"))
    assert pieces[1].argmax == (("wait",), ("now", "wait"), ("now", "wait"))
    assert pieces[0].initial_value == 1
    assert sympy.simplify(pieces[1].initial_value - sympy.Rational(str(R)) * g) == 0
    # the library's example and environment are the same MDP
    assert optimal_partition(now_or_later(R))[0].hi == pieces[0].hi
    assert optimal_partition(delayed_reward(R))[0].hi == pieces[0].hi


def test_quadratic_breakpoint_is_sqrt2_minus_1():
    # wait: W1 pays 2 at t = 1, W2 pays 1 at t = 2: V(wait) = 2 gamma + gamma^2; V(now) = 1.
    # Switch where gamma^2 + 2 gamma - 1 = 0, gamma = -1 + sqrt(2) ~ 0.41421356237.
    pieces = optimal_partition(now_or_later_by_hand([2, 1]))
    (b,) = breakpoints(pieces)
    assert b == sympy.sqrt(2) - 1
    assert str(sympy.N(b, 12)) == "0.414213562373"
    assert [pc.choice[0] for pc in pieces] == ["now", "wait"]
    assert sympy.expand(pieces[1].initial_value - (2 * g + g**2)) == 0


def test_golden_ratio_and_inverse_sqrt_breakpoints():
    # V(wait) = gamma + gamma^2 (W1 pays 1, W2 pays 1): gamma^2 + gamma - 1 = 0 at
    # gamma = (sqrt(5) - 1) / 2 ~ 0.618.
    (b,) = breakpoints(optimal_partition(now_or_later_by_hand([1, 1])))
    assert b == (sympy.sqrt(5) - 1) / 2
    # Delay 2, R = 2: V(wait) = 2 gamma^2 = 1 at gamma = 1/sqrt(2).
    (b2,) = breakpoints(optimal_partition(delayed_reward(2, delay=2)))
    assert b2 == 1 / sympy.sqrt(2)


def test_cubic_breakpoint_is_a_root_of_the_cubic():
    # V(wait) = gamma + gamma^2 + gamma^3 = 1: the real root of x^3 + x^2 + x - 1 (irreducible
    # over Q: no rational root +-1), ~0.543689012692 (1 / the tribonacci constant 1.839286755).
    (b,) = breakpoints(optimal_partition(now_or_later_by_hand([1, 1, 1])))
    x = sympy.Symbol("x")
    assert sympy.minimal_polynomial(b, x) == x**3 + x**2 + x - 1
    assert abs(float(b) - 1 / 1.839286755214161) < 1e-12


def test_no_switch_when_delayed_reward_too_small():
    # R = 1: gamma * 1 < 1 on [0, 99/100]: "now" everywhere, one piece.
    pieces = optimal_partition(now_or_later_by_hand([1]))
    assert len(pieces) == 1 and pieces[0].choice[0] == "now"


def test_degenerate_interval_and_subinterval():
    # On [1/2, 1/2] (R = 2) both actions tie in A: the argmax at the point is {now, wait}.
    pieces = optimal_partition(now_or_later_by_hand([2]), lo="1/2", hi="1/2")
    assert len(pieces) == 1 and pieces[0].argmax[0] == ("now", "wait")
    sub = optimal_partition(now_or_later_by_hand([2]), lo="3/5", hi="4/5")
    assert [(pc.lo, pc.hi, pc.choice[0]) for pc in sub] == [
        (sympy.Rational(3, 5), sympy.Rational(4, 5), "wait")
    ]


def test_touching_tie_is_recorded_and_not_a_breakpoint():
    # Rewards in A: "now" 0, "wait" (p - 1/2)^2 ... as a one-shot problem (horizon 1), both
    # ending. The difference Q(wait) - Q(now) = (p - 1/2)^2 >= 0 touches 0 at p = 1/2 only:
    # one piece (wait), with an isolated tie at 1/2.
    m = ParametricMDP(
        states=["A"], actions=["now", "wait"], transitions=[[[1], [1]]],
        rewards={"true": [[0, (p - sympy.Rational(1, 2)) ** 2]]}, initial=[1], horizon=1,
        params={"p": (0, 1)},
    )
    pieces = optimal_partition(m)
    assert len(pieces) == 1
    assert pieces[0].argmax == ((("wait",),),)
    assert pieces[0].ties == (sympy.Rational(1, 2),)


def test_piece_policy_matches_solver_at_interior_points():
    # chain n = 3 with slip p: at p = 1/2 the two actions have identical effects (a tie of
    # everything); solve() at interior points returns the piece's uniform policy.
    m = parametric_chain(n=3)
    pieces = optimal_partition(m)
    assert breakpoints(pieces) == [sympy.Rational(1, 2)]
    for pc, x in zip(pieces, (F(1, 5), F(4, 5))):
        assert pc.contains(x)
        assert solve(substitute(m, p_slip=x), "proxy").policy == pc.policy("uniform")
    # at the breakpoint both actions are optimal in every state
    assert solve(substitute(m, p_slip=F(1, 2)), "proxy").argmax == (("forward", "back"),) * 3


def test_format_partition_prints_exact_and_12_digits():
    text = format_partition(optimal_partition(now_or_later_by_hand([2, 1])))
    assert "breakpoint 1: gamma = -1 + sqrt(2)  (~ 0.414213562373)" in text


@pytest.mark.parametrize("target, symbolic", [("delayed-reward", "gamma=0..9/10"), ("proxy-bandit", "eps=0..2")])
def test_format_partition_is_what_solve_symbolic_prints(capsys, target, symbolic):
    from deconfuse.cli import main

    name, _, interval = symbolic.partition("=")
    lo, hi = interval.split("..")
    pieces = optimal_partition(get_parametric(target, name), name, lo, hi)
    assert main(["solve", target, "--symbolic", symbolic]) == 0
    assert capsys.readouterr().out == format_partition(pieces, target) + "\n"


# ---------------------------------------------------------------------------------------------
# Random small parametric MDPs: exact partition vs float solves on a dense grid
# ---------------------------------------------------------------------------------------------


@st.composite
def distributions(draw, n):
    weights = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n).filter(lambda w: sum(w) > 0))
    total = sum(weights)
    return [F(w, total) for w in weights]


@st.composite
def affine_mdps(draw, horizon=None, vary_discount=False):
    """Two exact MDPs with S <= 3, A <= 2 differing in the transitions or in the rewards; the
    parametric MDP is the segment between them (linear in p on [0, 1])."""
    S, A = draw(st.integers(1, 3)), draw(st.integers(1, 2))
    where = draw(st.sampled_from(["transitions", "rewards"]))
    rewards = st.lists(st.fractions(-3, 3, max_denominator=3), min_size=A, max_size=A)

    def model(T, r, d):
        time = {"horizon": horizon} if horizon else {"discount": d}
        return FiniteMDP(states=[f"s{i}" for i in range(S)], actions=[f"a{j}" for j in range(A)],
                         transitions=T, rewards={"true": r}, initial=draw(distributions(S)), **time)

    T0 = [[draw(distributions(S)) for _ in range(A)] for _ in range(S)]
    r0 = [draw(rewards) for _ in range(S)]
    T1 = [[draw(distributions(S)) for _ in range(A)] for _ in range(S)] if where == "transitions" else T0
    r1 = [draw(rewards) for _ in range(S)] if where == "rewards" else r0
    d0 = draw(st.sampled_from([F(0), F(1, 2), F(9, 10)]))
    d1 = draw(st.sampled_from([F(0), F(1, 2), F(9, 10)])) if vary_discount else d0
    m0 = model(T0, r0, d0)
    m1 = model(T1, r1, d1).replace(initial=m0.initial)
    return affine_family(m0, m1, "p")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(affine_mdps())
def test_partition_agrees_with_float_solves_on_a_dense_grid(m):
    pieces = optimal_partition(m)
    # the pieces tile [0, 1] and neighbours differ in their optimal sets
    assert pieces[0].lo == 0 and pieces[-1].hi == 1
    for a, b in zip(pieces, pieces[1:]):
        assert a.hi == b.lo and a.argmax != b.argmax
    cuts = [float(b) for b in breakpoints(pieces)] + [float(t) for pc in pieces for t in pc.ties]
    values = [sympy.lambdify(p, pc.values, "math") for pc in pieces]
    # at a breakpoint both neighbours' policies are optimal: equal values in every state
    for k, b in enumerate(breakpoints(pieces)):
        left, right = values[k](float(b)), values[k + 1](float(b))
        assert np.allclose(left, right, atol=1e-9, rtol=1e-9)
    grid = [F(i, 100) for i in range(101)]
    previous = None
    for x in grid:
        sol = policy_iteration(substitute(m, p=x).to_float(), "true")
        xf = float(x)
        (k,) = [i for i, pc in enumerate(pieces) if float(pc.lo) - 1e-12 <= xf <= float(pc.hi) + 1e-12][:1]
        # the optimal values (float solve, tolerance 1e-9) equal the piece's rational functions
        assert np.allclose(sol.values, values[k](xf), atol=1e-9, rtol=1e-9)
        far = all(abs(xf - c) > 1e-6 for c in cuts + [0.0, 1.0])
        if far:
            # away from breakpoints, touching ties and the ends of the range (where extra
            # actions may tie), the float argmax is the piece's argmax
            assert argmax_sets(sol.q_values, False) == [
                [m.actions.index(a) for a in best] for best in pieces[k].argmax
            ]
            current = (xf, tuple(map(tuple, argmax_sets(sol.q_values, False))))
            if previous is not None and previous[1] != current[1]:
                # a change of the float argmax between two grid points: an exact breakpoint lies between
                assert any(previous[0] <= c <= current[0] for c in cuts)
            previous = current


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(affine_mdps(horizon=2))
def test_partition_of_finite_horizon_models_agrees_with_backward_induction(m):
    pieces = optimal_partition(m)
    for x in (F(1, 7), F(3, 7), F(5, 7), F(1)):
        sol = solve(substitute(m, p=x), "true")
        pc = next(pc for pc in pieces if pc.contains(x))
        v = [pc_v.xreplace({p: sympy.Rational(x.numerator, x.denominator)}) for pc_v in pc.values]
        assert v == [sympy.Rational(y.numerator, y.denominator) for y in sol.values[0]]


def test_lava_corridor_breakpoints_against_float_solves():
    m = lava_corridor()
    pieces = optimal_partition(m, reward="true")
    bps = breakpoints(pieces)
    assert len(bps) >= 2 and all(0 < b < sympy.Rational(1, 2) for b in bps)
    for k, b in enumerate(bps):
        for x, pc in ((float(b) - 1e-6, pieces[k]), (float(b) + 1e-6, pieces[k + 1])):
            xq = F(x).limit_denominator(10**9)
            sol = policy_iteration(substitute(m, p_slip=xq).to_float(), "true")
            assert tuple(tuple(m.actions[a] for a in best) for best in argmax_sets(sol.q_values, False)) == pc.argmax


# ---------------------------------------------------------------------------------------------
# Exact values of fixed policies vs theory.evaluation at random rational points
# ---------------------------------------------------------------------------------------------


def stochastic_policy(draw, m):
    return Policy([draw(distributions(m.A)) for _ in range(m.S)], m.states, m.actions)


@settings(max_examples=30, deadline=None)
@given(st.data(), affine_mdps(vary_discount=True))
def test_policy_value_matches_state_values_at_random_points(data, m):
    pi = stochastic_policy(data.draw, m)
    v = policy_value(m, pi, "true")
    j = initial_value(m, pi, "true")
    for _ in range(3):
        x = data.draw(st.fractions(0, 1, max_denominator=50))
        point = substitute(m, p=x)
        expected = state_values(point, pi, "true")
        sub = {p: sympy.Rational(x.numerator, x.denominator)}
        assert [e.xreplace(sub) for e in v] == [sympy.Rational(y.numerator, y.denominator) for y in expected]
        assert j.xreplace(sub) == sympy.Rational(*_pq(sum(point.initial * expected)))


@settings(max_examples=15, deadline=None)
@given(st.data(), affine_mdps())
def test_policy_value_with_two_parameters_and_finite_horizon(data, m):
    # two parameters: p, and the discount as a second symbol q (sympy's multivariate field)
    q = sympy.Symbol("q")
    m2 = m.replace(discount=q, params={"p": (0, 1), "q": (0, F(9, 10))})
    pi = stochastic_policy(data.draw, m)
    v = policy_value(m2, pi, "true")
    x = data.draw(st.fractions(0, 1, max_denominator=20))
    y = data.draw(st.fractions(0, F(9, 10), max_denominator=20))
    expected = state_values(substitute(m2, p=x, q=y), pi, "true")
    sub = {p: sympy.Rational(x.numerator, x.denominator), q: sympy.Rational(y.numerator, y.denominator)}
    assert [sympy.cancel(e.xreplace(sub)) for e in v] == [sympy.Rational(*_pq(z)) for z in expected]
    # finite horizon 2: the (H + 1, S) table of backward recursion
    m3 = m.replace(discount=None, horizon=2)
    v3 = policy_value(m3, pi, "true")
    expected3 = state_values(substitute(m3, p=x), pi, "true")
    sub3 = {p: sympy.Rational(x.numerator, x.denominator)}
    assert [[e.xreplace(sub3) for e in row] for row in v3] == [
        [sympy.Rational(*_pq(z)) for z in row] for row in expected3
    ]


def _pq(x: F) -> tuple[int, int]:
    return x.numerator, x.denominator


def test_policy_value_of_a_geometric_sum():
    # One state paying 1 for ever: v = 1 / (1 - gamma).
    m = ParametricMDP(states=["s"], actions=["a"], transitions=[[[1]]], rewards={"true": [[1]]},
                      initial=[1], discount=g, params={"gamma": (0, F(9, 10))})
    (v,) = policy_value(m, {"s": "a"})
    assert sympy.simplify(v - 1 / (1 - g)) == 0


# ---------------------------------------------------------------------------------------------
# One-shot problems: the quantiliser and best-of-n vs agents/
# ---------------------------------------------------------------------------------------------


@st.composite
def one_shot(draw):
    n = draw(st.integers(1, 5))
    base = draw(distributions(n))
    proxy = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    true = draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))
    return base, proxy, true


@settings(max_examples=60, deadline=None)
@given(one_shot(), st.integers(1, 24), st.integers(1, 24), st.sampled_from(["uniform", "first"]))
def test_quantiliser_returns_match_quantilise(problem, a, b, tie):
    base, proxy, true = problem
    q = F(min(a, b), max(a, b))
    law = quantilise(base, proxy, q, tie)
    r = quantiliser_returns(base, proxy, true, tie=tie)
    assert r.at(q) == (sum(law * np.array(proxy)), sum(law * np.array(true)))
    assert r.true.as_piecewise().subs(r.true.symbol, sympy.Rational(q.numerator, q.denominator)) == r.true.at(q)
    # peak_q: the largest maximiser of the true return over (0, 1] (checked against this q)
    q_star, best = peak_q(base, proxy, true, tie)
    assert r.true.at(q_star) == best and r.true.at(q) <= best
    assert all(r.true.at(F(k)) < best for k in r.true.knots[1:] if F(k) > q_star)


def test_quantiliser_by_hand():
    # base (1/2, 1/4, 1/4), proxy (3, 2, 1), true (0, 2, -2).
    # q in (0, 1/2]: only outcome 0: true 0.  q = 3/4: (1/2 * 0 + 1/4 * 2) / (3/4) = 2/3.
    # q = 1: the base mean 0 + 1/2 - 1/2 = 0. Peak at q = 3/4 with 2/3.
    r = quantiliser_returns(["1/2", "1/4", "1/4"], [3, 2, 1], [0, 2, -2])
    assert [r.true.at(x) for x in ("1/4", "1/2", "3/4", 1)] == [0, 0, F(2, 3), 0]
    assert peak_q(["1/2", "1/4", "1/4"], [3, 2, 1], [0, 2, -2]) == (F(3, 4), F(2, 3))
    # A flat maximum: true (1, 1, 0) with proxy (2, 1, 0) and base (1/4, 1/4, 1/2) is 1 on
    # (0, 1/2] and falls after: the largest maximiser is q = 1/2.
    assert peak_q(["1/4", "1/4", "1/2"], [2, 1, 0], [1, 1, 0]) == (F(1, 2), F(1))


@settings(max_examples=40, deadline=None)
@given(one_shot(), st.sampled_from(["last", "uniform"]))
def test_best_of_n_returns_match_best_of_n_distribution(problem, tie):
    base, proxy, true = problem
    r = best_of_n_returns(base, proxy, true, tie=tie)
    for n in range(1, 6):
        law = best_of_n_distribution(base, proxy, n, tie)
        assert r.at(n) == (sum(law * np.array(proxy)), sum(law * np.array(true)))


def test_best_of_n_by_hand():
    # Two equally likely outcomes, proxy (0, 1), true (1, 0): best-of-n picks outcome 1 unless
    # all n draws are outcome 0: P = (1/2)^n, so E[true] = (1/2)^n, E[proxy] = 1 - (1/2)^n.
    r = best_of_n_returns(["1/2", "1/2"], [0, 1], [1, 0])
    n = r.symbol
    assert sympy.simplify(r.true - sympy.Rational(1, 2) ** n) == 0
    assert sympy.simplify(r.proxy - (1 - sympy.Rational(1, 2) ** n)) == 0


# ---------------------------------------------------------------------------------------------
# Environments and reports
# ---------------------------------------------------------------------------------------------


def test_parametric_environments_substitute_to_the_plain_builders():
    assert substitute(parametric_chain(n=4), p_slip="1/5") == chain(4, slip=F(1, 5))
    m = lava_corridor()
    plain = compile_gridworld(
        LAVA_CORRIDOR_MAP, rewards_true={"G": 50, "L": -50}, step_true=-1,
        terminal_symbols="GL", slip=F(1, 3), discount=F(9, 10),
    )
    assert substitute(m, p_slip="1/3") == plain
    for name, builder in PARAMETRIC.items():
        assert isinstance(builder(), ParametricMDP), name
        assert len(builder().params) == 1, name


def test_proxy_bandit_switches_at_eps_one():
    # proxy = (1, 1/2, eps): arm0 while eps < 1, arm2 after; the true value of the choice
    # drops from 1 to 0.
    pieces = optimal_partition(proxy_bandit())
    assert breakpoints(pieces) == [1]
    assert [pc.choice for pc in pieces] == [(("arm0",),), (("arm2",),)]


def test_region_map_lines_are_exact_partitions():
    # now_or_later with R symbolic: the boundary is gamma = 1/R on every line.
    m = now_or_later(later=None)
    rm = region_map(m, "R", "gamma", xs=[2, F(5, 2), 4])
    assert [breakpoints(line) for line in rm.lines] == [
        [sympy.Rational(1, 2)], [sympy.Rational(2, 5)], [sympy.Rational(1, 4)]
    ]
    assert len(rm.policies) == 2
    assert len(rm.polygons()) == 4  # same sequence on neighbouring lines: 2 quads per gap
    d = region_map_data(m, "R", "gamma", num=3)
    json.dumps(d)
    assert len(region_map_figure(d).axes) == 1


def test_value_curves_data_and_figure():
    d = value_curves_data(parametric_chain(n=3), samples=11)
    json.dumps(d)
    assert [b["exact"] for b in d["breakpoints"]] == ["1/2"]
    assert d["breakpoints"][0]["digits"] == "0.500000000000"
    assert len(d["policies"]) == 2 and all(len(pol["x"]) == len(pol["y"]) for pol in d["policies"])
    # the curves cross at the breakpoint (both optimal there), tolerance 1e-9
    at = [pol["y"][pol["x"].index(0.5)] for pol in d["policies"]]
    assert abs(at[0] - at[1]) < 1e-9
    fig = value_curves_figure(d)
    assert fig.axes[0].get_xlabel() == "p_slip"


# ---------------------------------------------------------------------------------------------
# Validation errors
# ---------------------------------------------------------------------------------------------


def two_states(row, discount=sympy.Rational(1, 2), params=None, reward=0):
    return ParametricMDP(
        states=["s0", "s1"], actions=["go"], transitions=[[row], [[0, 1]]],
        rewards={"true": [[reward], [1]]}, initial=[1, 0], discount=discount,
        params={"p": (0, 1)} if params is None else params,
    )


def test_row_not_summing_to_one_identically():
    with pytest.raises(InvalidMDP, match=r"transitions\['s0', 'go'\] sums to 1 - p, not 1 identically"):
        two_states([p, 1 - 2 * p])


def test_negative_on_part_of_the_range_names_the_parameter_value():
    with pytest.raises(InvalidMDP) as err:
        two_states([1 - 2 * p, 2 * p])
    msg = str(err.value)
    assert msg.startswith("transitions['s0', 'go', 's0'] = 1 - 2*p is negative at p = ")
    value = F(re.search(r"at p = (\S+) ", msg).group(1))
    assert 1 - 2 * value < 0 and 0 <= value <= 1
    # on [0, 1/2] the same row is valid
    two_states([1 - 2 * p, 2 * p], params={"p": (0, F(1, 2))})


def test_discount_reaching_one_is_refused():
    with pytest.raises(InvalidMDP, match=r"discount = gamma is 1 at gamma = 1, not in \[0, 1\)"):
        two_states([1, 0], discount=g, params={"gamma": (0, 1)})
    with pytest.raises(InvalidMDP) as err:
        two_states([1, 0], discount=2 * g, params={"gamma": (0, F(3, 4))})
    value = F(re.search(r"at gamma = (\S+),", str(err.value)).group(1))
    assert 2 * value >= 1
    with pytest.raises(InvalidMDP, match="discount = gamma - 1/10 is -1/10 at gamma = 0"):
        two_states([1, 0], discount=g - sympy.Rational(1, 10), params={"gamma": (0, F(1, 2))})


def test_other_validation_errors():
    with pytest.raises(InvalidMDP, match=r"rewards\['true'\]\['s0', 'go'\] = 1/\(p - 1/2\) has a pole at p = 1/2"):
        two_states([1, 0], reward=1 / (p - sympy.Rational(1, 2)))
    with pytest.raises(InvalidMDP, match="uses the symbol q, which is not a parameter"):
        two_states([1 - sympy.Symbol("q"), sympy.Symbol("q")])
    with pytest.raises(InvalidMDP, match="holds a float"):
        two_states([1, 0], reward=0.5 * p)
    with pytest.raises(InvalidMDP, match="is the float 0.5"):
        two_states([0.5, 0.5])
    with pytest.raises(InvalidMDP, match="not a rational function"):
        two_states([1, 0], reward=sympy.sqrt(p))
    with pytest.raises(InvalidMDP, match="an empty interval"):
        two_states([1, 0], params={"p": (1, 0)})


def test_several_parameters_checked_on_a_grid():
    # 1 - p q on p in [0, 2], q in [0, 1] is negative where p q > 1 (e.g. q = 1, p > 1).
    q = sympy.Symbol("q")
    with pytest.raises(InvalidMDP) as err:
        two_states([1 - p * q, p * q], params={"p": (0, 2), "q": (0, 1)})
    found = re.search(r"at p = (\S+), q = (\S+) ", str(err.value))
    assert found and F(found.group(1)) * F(found.group(2)) > 1


def test_argument_errors():
    m = now_or_later(later=None)
    with pytest.raises(InvalidArgument, match="fix them with fixed"):
        optimal_partition(m, "gamma")
    assert breakpoints(optimal_partition(m, "gamma", fixed={"R": 2})) == [sympy.Rational(1, 2)]
    with pytest.raises(InvalidArgument, match="'R' is missing"):
        substitute(m, gamma="1/2")
    with pytest.raises(InvalidArgument, match=r"gamma = 1 is outside params\['gamma'\]"):
        substitute(m, gamma=1, R=2)
    with pytest.raises(InvalidArgument, match="reward 'nope' is not in this MDP"):
        optimal_partition(fix(m, R=2), reward="nope")
    with pytest.raises(InvalidArgument, match="q = 0 is outside"):
        quantiliser_returns([1], [0], [0]).at(0)
    with pytest.raises(InvalidArgument, match="n is 0"):
        best_of_n_returns([1], [0], [0]).at(0)


def test_symbolic_report_states_the_hand_derived_breakpoint():
    # delayed_reward(delayed=3): "now" is worth 1, "wait" 3 * gamma; they swap at gamma = 1/3.
    from environments.parametric import delayed_reward
    from reports.demo import build_report
    from reports.document import check_reading

    (artifact,) = build_report("symbolic", pmdp=delayed_reward(delayed=3), param="gamma")
    assert [b["exact"] for b in artifact.data["breakpoints"]] == ["1/3"]
    assert "gamma = 1/3 (0.333333333333)" in artifact.reading.text
    assert check_reading(artifact.reading, artifact.data) == []
    assert [row["value_from_initial"] for row in artifact.tables["symbolic"]] == ["1", "3*gamma"]
