"""The theorem suite: proved statements that must hold on every generated example.

Each theorem is checked by :func:`property_tests.checking.check` (``deconfuse check NAME``) and
runs in CI (``tests/test_suite.py``) with its default number of examples, or
``pytest --examples N`` for deeper runs. Every check compares with an independent derivation
(enumeration, a second algorithm, or the closed form of the theorem).
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st

from agents.amortised import TabularAmortised
from agents.best_of_n import best_of_n_distribution, kl_divergence, win_rate
from agents.direct import Argmax
from agents.qlearning import QTable, greedy_tables, target
from agents.quantiliser import quantilise
from agents.soft import Boltzmann
from property_tests import strategies as S
from property_tests.declare import claim, theorem
from theory.evaluation import expected_return, occupancy, state_occupancy, state_values
from theory.linalg import expected_next
from theory.policy import Policy
from theory.polytope import deterministic_policies
from theory.solvers import solve

__all__ = [
    "policy_iteration_is_optimal",
    "bellman_residual_is_zero",
    "exact_and_float_agree",
    "quantiliser_cost_bound",
    "quantiliser_is_optimal_under_the_density_cap",
    "quantiliser_limits",
    "quantiliser_utility_monotone_in_q",
    "best_of_n_laws",
    "boltzmann_limits",
    "amortised_equals_teacher_on_support",
    "q_learning_limit_is_the_argmax",
    "occupancy_flow_and_return",
]


@theorem(
    "exact policy iteration's values are >= the exact values of every deterministic stationary "
    "policy at every state, with equality for at least one (Howard 1960; Puterman 1994 Thm 6.4.2)",
    mdp=S.finite_mdps(max_states=3, max_actions=3),
)
def policy_iteration_is_optimal(mdp):
    v_star = solve(mdp, "true").values
    attained = False
    for pi in deterministic_policies(mdp):
        v = state_values(mdp, pi, "true")
        for s in range(mdp.S):
            claim(v[s] <= v_star[s], state=mdp.states[s], policy=pi.action_labels(), v_policy=v[s], v_star=v_star[s])
        attained |= all(v == v_star)
    return claim(attained, v_star=v_star)


@theorem(
    "the optimal values returned by exact policy iteration satisfy the Bellman optimality "
    "equation exactly: v(s) = max_a r(s, a) + gamma sum_s' P(s'|s, a) v(s')",
    mdp=S.finite_mdps(max_states=4, max_actions=3),
)
def bellman_residual_is_zero(mdp):
    v = solve(mdp, "proxy").values
    backup = mdp.reward("proxy") + mdp.discount * expected_next(mdp, v)
    residual = [max(row) - x for row, x in zip(backup, v)]
    return claim(all(r == 0 for r in residual), residual=residual)


@theorem(
    "exact and float solvers agree: |v_exact - v_float| <= 2e-9 (1 + |v_exact|) / (1 - gamma) at "
    "every state (float policy iteration switches only on improvements above 1e-9 of the value), "
    "and within 1e-9 (1 + |v_exact|) for finite horizons",
    mdp=st.one_of(S.finite_mdps(max_states=4, max_actions=3),
                  S.finite_mdps(max_states=4, max_actions=3, horizon=st.integers(1, 4))),
)
def exact_and_float_agree(mdp):
    exact = solve(mdp, "true").initial_values
    approx = solve(mdp.to_float(), "true").initial_values
    gaps = [abs(float(e) - a) / (1 + abs(float(e))) for e, a in zip(exact, approx)]
    tolerance = 1e-9 if mdp.horizon is not None else 2e-9 / (1 - float(mdp.discount))
    return claim(max(gaps) <= tolerance, largest_relative_gap=max(gaps), tolerance=tolerance)


@theorem(
    "Taylor's cost bound: for every cost c >= 0 the q-quantiliser has E_q[c] <= E_base[c] / q "
    "(Taylor 2016, Lemma 1)",
    problem=S.one_shot_problems(), q=S.quantile_levels(),
)
def quantiliser_cost_bound(problem, q):
    p = quantilise(problem.base, problem.proxy, q)
    e_q = sum(p * problem.cost)
    e_base = sum(problem.base * problem.cost)
    return claim(e_q <= e_base / q, quantiliser_cost=e_q, base_cost=e_base, q=q)


def _vertex_optimum(base, utility, q):
    """max E_p[U] over {p : 0 <= p <= base/q, sum p = 1}, by enumerating the polytope's
    vertices: every vertex has all coordinates at a bound except at most one."""
    n = len(base)
    caps = [b / q for b in base]
    best = None
    for free in range(n):
        others = [i for i in range(n) if i != free]
        for bits in itertools.product((0, 1), repeat=len(others)):
            p = [Fraction(0)] * n
            for i, bit in zip(others, bits):
                p[i] = caps[i] if bit else Fraction(0)
            rest = 1 - sum(p)
            if 0 <= rest <= caps[free]:
                p[free] = rest
                value = sum(pi * u for pi, u in zip(p, utility))
                best = value if best is None else max(best, value)
    return best


@theorem(
    "Taylor's optimality: no distribution p with p <= base/q pointwise has a higher expected "
    "utility than the q-quantiliser (checked against the maximum over the vertices of that "
    "polytope; Taylor 2016, Section 2)",
    problem=S.one_shot_problems(max_outcomes=5), q=S.quantile_levels(),
)
def quantiliser_is_optimal_under_the_density_cap(problem, q):
    p = quantilise(problem.base, problem.proxy, q)
    ours = sum(p * problem.proxy)
    optimum = _vertex_optimum(list(problem.base), list(problem.proxy), q)
    return claim(ours == optimum, quantiliser_utility=ours, polytope_maximum=optimum)


@theorem(
    "quantiliser limits: q = 1 gives the base distribution exactly; q at most the base mass of "
    "the argmax set puts all mass on the argmax set, in proportion to the base",
    problem=S.one_shot_problems(),
)
def quantiliser_limits(problem):
    base, u = problem.base, problem.proxy
    claim(all(quantilise(base, u, 1) == base), q=1)
    best = max(u[i] for i in range(len(u)) if base[i] > 0)
    top = [i for i in range(len(u)) if u[i] == best and base[i] > 0]
    mass = sum(base[i] for i in top)
    p = quantilise(base, u, mass)
    expected = [base[i] / mass if i in top else 0 for i in range(len(u))]
    return claim(list(p) == expected, q=mass, quantiliser=p, expected=expected)


@theorem(
    "the quantiliser's expected utility is non-increasing in q: for q1 < q2 the q1-quantiliser's "
    "is at least the q2-quantiliser's (more optimisation pressure never lowers the objective it optimises)",
    ordered=(("q1", "q2"),), problem=S.one_shot_problems(), q1=S.quantile_levels(), q2=S.quantile_levels(),
)
def quantiliser_utility_monotone_in_q(problem, q1, q2):
    e1 = sum(quantilise(problem.base, problem.proxy, q1) * problem.proxy)
    e2 = sum(quantilise(problem.base, problem.proxy, q2) * problem.proxy)
    return claim(e1 >= e2, utility_at_q1=e1, utility_at_q2=e2)


@theorem(
    "best-of-n: the exact pmf sums to 1, n = 1 gives the base, KL(best-of-n || base) <= "
    "log n - (n-1)/n (Beirami et al. 2024) and the win rate against a base sample is <= n/(n+1)",
    problem=S.one_shot_problems(), n=S.sample_counts(),
)
def best_of_n_laws(problem, n):
    base, u = problem.base, problem.proxy
    p = best_of_n_distribution(base, u, n)
    claim(sum(p) == 1, pmf_sum=sum(p))
    claim(all(best_of_n_distribution(base, u, 1) == base), n=1)
    kl = kl_divergence(p, base).value
    bound = math.log(n) - (n - 1) / n
    claim(kl <= bound + 1e-12, kl=kl, bound=bound, n=n)
    rate = win_rate(base, u, n)
    return claim(rate <= Fraction(n, n + 1), win_rate=rate, bound=Fraction(n, n + 1))


@theorem(
    "Boltzmann limits on one-shot problems: beta = 0 plays the uniform base exactly; a large beta "
    "(50 / smallest utility gap) is within 1e-9 of uniform over the argmax set",
    mdp=S.finite_mdps(max_states=3, max_actions=3, horizon=1),
)
def boltzmann_limits(mdp):
    uniform = Policy.uniform(mdp)
    claim(Boltzmann(beta=0).policy(mdp, "proxy") == uniform, beta=0)
    r = mdp.reward("proxy")
    gaps = [abs(x - y) for row in r for x in row for y in row if x != y]
    beta = 50 / float(min(gaps)) if gaps else 1.0
    pi = Boltzmann(beta=beta).policy(mdp, "proxy").at(0)
    for s, row in enumerate(r):
        best = max(row)
        top = [a for a in range(mdp.A) if row[a] == best]
        target = [1 / len(top) if a in top else 0.0 for a in range(mdp.A)]
        error = max(abs(x - y) for x, y in zip(pi[s], target))
        claim(error <= 1e-9, state=mdp.states[s], beta=beta, error=error)
    return True


@theorem(
    "an amortised policy fitted in the infinite-data limit on its teacher's own visitation "
    "distribution plays exactly the teacher's policy on every state the teacher visits",
    mdp=S.finite_mdps(max_states=4, max_actions=3),
)
def amortised_equals_teacher_on_support(mdp):
    teacher = Argmax().policy(mdp, "proxy")
    student = TabularAmortised(teacher="argmax", samples=None, fallback="uniform").policy(mdp, "proxy")
    visits = state_occupancy(mdp, teacher)
    for s in range(mdp.S):
        if visits[s] > 0:
            claim(list(student.probs[s]) == list(teacher.probs[s]), state=mdp.states[s],
                  student=student.probs[s], teacher=teacher.probs[s])
    return True


@theorem(
    "Q-learning's limit is the argmax: the exact Q* is the fixed point in expectation of the "
    "Q-learning target, E[r(s, a) + gamma max_{a'} Q*(s', a')] = Q*(s, a) for every enabled (s, a), "
    "and the greedy table of Q* plays the uniform policy over the exact argmax set (Watkins and "
    "Dayan 1992: with full exploration the iterates converge to Q* almost surely)",
    mdp=S.finite_mdps(max_states=3, max_actions=3),
)
def q_learning_limit_is_the_argmax(mdp):
    solution = solve(mdp, "proxy")
    q_star = solution.q_values
    r = mdp.rewards["proxy"]
    for s in range(mdp.S):
        for a in mdp.enabled_actions(s):
            expected = sum(p * target(r[s, a], mdp.discount, q_star[s2], mdp.enabled_actions(s2), False)
                           for s2, p in mdp.successors[s][a])
            claim(expected == q_star[s, a], state=mdp.states[s], action=mdp.actions[a],
                  expected_target=expected, q_star=q_star[s, a])
    visits = mdp.enabled.astype(np.int64)[None]
    table = greedy_tables(QTable(q_star[None], visits, mdp.states, mdp.actions, "proxy", 0))[0]
    argmax = Argmax(tie="uniform").policy(mdp, "proxy")
    for s, label in enumerate(mdp.states):
        claim([table[label][b] for b in mdp.actions] == list(argmax.probs[s]), state=label,
              greedy=table[label], argmax=argmax.probs[s])


@theorem(
    "occupancy measures satisfy the Bellman flow equations exactly, sum_a d(s, a) = mu(s) + "
    "gamma sum_{s', a'} P(s | s', a') d(s', a'), and sum d * r equals the expected return",
    data=S.mdps_with_policies(),
)
def occupancy_flow_and_return(data):
    mdp, pi = data
    d = occupancy(mdp, pi)
    inflow = np.einsum("sa,sat->t", d, mdp.transitions)
    for s in range(mdp.S):
        lhs = sum(d[s])
        rhs = mdp.initial[s] + mdp.discount * inflow[s]
        claim(lhs == rhs, state=mdp.states[s], outflow=lhs, inflow=rhs)
    for name in mdp.rewards:
        via_d = (d * mdp.reward(name)).sum()
        via_v = expected_return(mdp, pi, name)
        claim(via_d == via_v, reward=name, occupancy_return=via_d, value_return=via_v)
    return True
