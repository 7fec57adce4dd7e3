r"""Adversarial Goodhart (Manheim & Garrabrant 2018): an adversary who knows the optimiser moves
the proxy within a budget to make the optimiser's *true* regret as large as possible.

The budget is an L-infinity ball: the adversary picks any reward :math:`r'` with
:math:`|r'(s, a) - r_{proxy}(s, a)| \le \epsilon` for every (s, a), the optimiser then pursues
:math:`r'`, and the adversary scores the true regret :math:`J^*_{true} - J_{true}(\text{behaviour})`.
The worst case is

.. math:: W(\epsilon) = \sup_{\|r' - r_{proxy}\|_\infty \le \epsilon} \big(J^*_{true} - J_{true}(\text{optimiser}(r'))\big),

a supremum: where the optimiser's choice is tied, the adversary gets the tie broken its way
(any strict preference in its favour is an arbitrarily small move inside the ball, so the
supremum over the open ball's closure is the one computed).

Exact method, for optimisers that maximise :math:`\langle d, r' \rangle` over a polytope of
occupancy measures: the argmax (the discounted occupancy polytope) and Kosoy's quantilal agent
(the same polytope with the state caps :math:`\sum_a d(s, a) \le c(s)`). For every vertex v of
the polytope (an exact enumeration of the basic feasible solutions; the argmax's vertices are the
deterministic policies' occupancies) decide whether *some* :math:`r'` in the ball makes v optimal:
by LP duality v is optimal for :math:`r'` iff there are multipliers y (free, one per flow
equation) and :math:`z \ge 0` (one per cap that binds at v) with
:math:`r' - A_{eq}^\top y - A_{ub}^\top z \le 0`, with equality where :math:`v > 0` (the
Karush-Kuhn-Tucker conditions of the LP), which is linear in :math:`(r', y, z)`: one exact
feasibility LP (:func:`theory.lp.solve_lp`) per vertex. The worst case is the largest true
regret over the vertices that pass. Exponential in S (the vertices), for small MDPs.

For the policy quantiliser (the uniform base over the N deterministic stationary policies, q N
an integer k): its behaviour is the uniform mixture of the top k policies by :math:`J_{r'}`, so
the worst case is the largest mean regret over the k-subsets T for which some :math:`r'` in the
ball puts every policy of T at least as high as every other (linear in :math:`r'`, since
:math:`J_{r'}(\pi) = \langle d_\pi, r' \rangle`).

Float method, for larger models: :func:`corner_lower_bound` tries proxies at corners of the
ball (signs against the true reward, then seeded random signs) and returns the largest regret
it finds: a lower bound on W.

Source: D. Manheim and S. Garrabrant, "Categorizing Variants of Goodhart's Law" (2018),
section 3.4 (adversarial Goodhart: an agent who knows the regulator's metric acts on it); the
L-infinity budget on the reward is deconfuse's formalisation (assumed: the paper has no
formulas); the KKT conditions: Bertsimas & Tsitsiklis, *Introduction to Linear Optimization*
(1997), section 4.5 (optimality by complementary slackness).

Examples
--------
On :func:`theory.examples.two_state` the argmax of the proxy is the true optimum (go, stay) with
regret 0; with a budget of 1/2 the adversary can lower "stay" in s1 to 1/2 and raise "go" in s1
to 1/2, so (go, go) becomes optimal for the proxy (see tests/test_adversarial.py for the
values):

>>> from fractions import Fraction as F
>>> from theory.examples import two_state
>>> worst_case_regret(two_state(), 0).regret
Fraction(0, 1)
>>> worst_case_regret(two_state(), F(1, 2)).regret > 0
True
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from theory.errors import InvalidArgument
from theory.evaluation import expected_return, occupancy
from theory.lp import basic_feasible_solutions, solve_lp
from theory.mdp import FiniteMDP
from theory.metrics import optimal_return
from theory.numbers import Number, coerce_array, parse_number
from theory.polytope import deterministic_policies
from theory.solvers import solve
from theory.validation import check_instance, check_known_reward, check_positive_int, check_q, check_seed

__all__ = ["AdversarialResult", "worst_case_regret", "worst_case_regret_policy_quantiliser", "corner_lower_bound"]


@dataclasses.dataclass(frozen=True, eq=False)
class AdversarialResult:
    """The adversary's best move: ``regret`` (the worst true regret W, exact), the ``proxy`` it
    plays (an (S, A) reward within the budget under which the optimiser's choice has that
    regret, ties broken the adversary's way), and the optimiser's ``occupancy`` there (for the
    policy quantiliser: the mixture's); ``candidates`` and ``feasible``: how many vertices
    (subsets) were tried and how many the adversary can reach."""

    regret: Fraction
    proxy: np.ndarray
    occupancy: np.ndarray
    candidates: int
    feasible: int


def _check(mdp: FiniteMDP, epsilon: Any, proxy: str, true: str) -> Fraction:
    check_instance(mdp, FiniteMDP, "mdp")
    if not mdp.exact:
        raise InvalidArgument("the exact adversary needs an exact MDP; use corner_lower_bound for a float one")
    if mdp.horizon is not None:
        raise InvalidArgument(f"the adversary needs a discounted MDP (this one has horizon {mdp.horizon})")
    check_known_reward(proxy, mdp.rewards)
    check_known_reward(true, mdp.rewards)
    if isinstance(epsilon, float):
        raise InvalidArgument(f"epsilon is the float {epsilon!r}; give it exactly (e.g. \"1/10\")")
    eps = parse_number(epsilon, "epsilon")
    if eps < 0:
        raise InvalidArgument(f"epsilon is {eps}, not >= 0")
    return eps


def _flow(mdp: FiniteMDP) -> list[list[Fraction]]:
    """The flow-equation rows over the S*A variables d(s, a) (state-major)."""
    rows = [[Fraction(0)] * (mdp.S * mdp.A) for _ in range(mdp.S)]
    for s in range(mdp.S):
        for a in range(mdp.A):
            rows[s][s * mdp.A + a] += 1
            for t, p in mdp.successors[s][a]:
                rows[t][s * mdp.A + a] -= mdp.discount * p
    return rows


def _caps(mdp: FiniteMDP, caps: Any) -> tuple[list[list[Fraction]], list[Fraction]]:
    if caps is None:
        return [], []
    arr = coerce_array(caps, True, "caps")
    if arr.shape != (mdp.S,):
        raise InvalidArgument(f"caps has shape {arr.shape}, expected ({mdp.S},)")
    rows = [[Fraction(1) if j // mdp.A == s else Fraction(0) for j in range(mdp.S * mdp.A)] for s in range(mdp.S)]
    return rows, list(arr)


def _reachable(mdp: FiniteMDP, base: list[Fraction], eps: Fraction, v: np.ndarray, A_eq: list, A_ub: list,
               b_ub: list) -> np.ndarray | None:
    """A proxy r' = base - eps + u (0 <= u <= 2 eps) under which v is optimal over the polytope
    (KKT feasibility), or None. Variables: u (n), y+ and y- (flow rows), z (binding caps)."""
    n = len(base)
    active = [i for i, row in enumerate(A_ub) if sum(r * x for r, x in zip(row, v)) == b_ub[i]]
    m_eq = len(A_eq)
    width = n + 2 * m_eq + len(active)
    ub_rows, ub_rhs, eq_rows, eq_rhs = [], [], [], []
    for j in range(n):
        row = [Fraction(0)] * width
        row[j] = Fraction(1)
        for i in range(m_eq):
            row[n + i] = -A_eq[i][j]
            row[n + m_eq + i] = A_eq[i][j]
        for k, i in enumerate(active):
            row[n + 2 * m_eq + k] = -A_ub[i][j]
        # r'_j - (A_eq^T y)_j - (A_ub^T z)_j <= 0, i.e. u_j - ... <= eps - base_j (= 0 where v_j > 0)
        (eq_rows if v[j] > 0 else ub_rows).append(row)
        (eq_rhs if v[j] > 0 else ub_rhs).append(eps - base[j])
        box = [Fraction(0)] * width
        box[j] = Fraction(1)
        ub_rows.append(box)
        ub_rhs.append(2 * eps)
    sol = solve_lp([0] * width, ub_rows, ub_rhs, eq_rows or None, eq_rhs or None)
    if sol.status != "optimal":
        return None
    return np.array([base[j] - eps + sol.x[j] for j in range(n)], dtype=object)


def worst_case_regret(mdp: FiniteMDP, epsilon: Any, caps: Any = None, proxy: str = "proxy",
                      true: str = "true") -> AdversarialResult:
    """The exact worst true regret W(epsilon) of the optimiser that maximises
    :math:`\\langle d, r' \\rangle` over the occupancy polytope (``caps`` None: the argmax) or
    over the polytope with :math:`\\sum_a d(s, a) \\le` ``caps[s]`` (the quantilal agent with
    reference occupancy :math:`d_\\sigma`: caps :math:`= d_\\sigma / q`), against an adversary
    who moves every entry of the ``proxy`` reward by at most ``epsilon`` (exact, >= 0).
    Exact, discounted MDPs; see the module docstring for the method.

    >>> from theory.examples import two_state
    >>> worst_case_regret(two_state(), "1/10").regret
    Fraction(0, 1)
    """
    eps = _check(mdp, epsilon, proxy, true)
    A_eq = _flow(mdp)
    A_ub, b_ub = _caps(mdp, caps)
    base = [mdp.reward(proxy)[s, a] for s in range(mdp.S) for a in range(mdp.A)]
    r_true = [mdp.reward(true)[s, a] for s in range(mdp.S) for a in range(mdp.A)]
    best_true = optimal_return(mdp, true)
    vertices = basic_feasible_solutions(A_ub or None, b_ub or None, A_eq, list(mdp.initial), n=mdp.S * mdp.A)
    found: tuple[Fraction, np.ndarray, np.ndarray] | None = None
    feasible = 0
    for v in vertices:
        witness = _reachable(mdp, base, eps, v, A_eq, A_ub, b_ub)
        if witness is None:
            continue
        feasible += 1
        regret = best_true - sum(x * r for x, r in zip(v, r_true))
        if found is None or regret > found[0]:
            found = (regret, witness, v)
    if found is None:  # pragma: no cover - the optimiser's own optimum is always reachable
        raise InvalidArgument("no vertex is optimal for any proxy in the budget")
    regret, witness, v = found
    return AdversarialResult(regret, witness.reshape(mdp.S, mdp.A), v.reshape(mdp.S, mdp.A), len(vertices), feasible)


def worst_case_regret_policy_quantiliser(mdp: FiniteMDP, epsilon: Any, q: Any, proxy: str = "proxy",
                                         true: str = "true", max_subsets: int = 100_000) -> AdversarialResult:
    """The exact worst true regret of the policy quantiliser (uniform base over the N = A**S
    deterministic stationary policies; q N must be an integer k) against the adversary of
    :func:`worst_case_regret`: the largest mean true regret over the k-subsets T of policies
    that some proxy in the budget ranks (weakly) above all the others. Refuses more than
    ``max_subsets`` subsets.

    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> worst_case_regret_policy_quantiliser(two_state(), 0, F(1, 4)).regret  # the argmax (go, stay) alone
    Fraction(0, 1)
    """
    eps = _check(mdp, epsilon, proxy, true)
    q = check_q(q, True)
    policies = deterministic_policies(mdp)
    N = len(policies)
    k = q * N
    if k.denominator != 1:
        raise InvalidArgument(f"q * N = {q} * {N} = {k} is not an integer; choose q a multiple of 1/{N}")
    k = int(k)
    count = math.comb(N, k)
    cap = check_positive_int(max_subsets, "max_subsets")
    if count > cap:
        raise InvalidArgument(f"C({N}, {k}) = {count} subsets of policies, more than max_subsets = {cap}")
    occ = [[x for x in occupancy(mdp, pi).flat] for pi in policies]
    base = [mdp.reward(proxy)[s, a] for s in range(mdp.S) for a in range(mdp.A)]
    regrets = [optimal_return(mdp, true) - expected_return(mdp, pi, true) for pi in policies]
    n = mdp.S * mdp.A
    # J_r'(o) - J_r'(i) <= 0 with r' = base - eps + u: (d_o - d_i) u <= -(d_o - d_i)(base - eps)
    pair = {}
    for i in range(N):
        for o in range(N):
            if i != o:
                diff = [occ[o][j] - occ[i][j] for j in range(n)]
                pair[i, o] = (diff, -sum((dj * (bj - eps) for dj, bj in zip(diff, base)), Fraction(0)))
    box = [[Fraction(1) if t == j else Fraction(0) for t in range(n)] for j in range(n)]
    found = None
    feasible = 0
    for T in itertools.combinations(range(N), k):
        inside = set(T)
        keys = [(i, o) for i in T for o in range(N) if o not in inside]
        rows = [pair[key][0] for key in keys] + box
        rhs = [pair[key][1] for key in keys] + [2 * eps] * n
        sol = solve_lp([0] * n, rows, rhs)
        if sol.status != "optimal":
            continue
        feasible += 1
        regret = sum((regrets[i] for i in T), Fraction(0)) / k
        if found is None or regret > found[0]:
            witness = np.array([b - eps + u for b, u in zip(base, sol.x)], dtype=object)
            mix = sum((np.array(occ[i], dtype=object) for i in T), np.zeros(n, dtype=object) * Fraction(0)) / k
            found = (regret, witness, mix)
    regret, witness, mix = found
    return AdversarialResult(regret, witness.reshape(mdp.S, mdp.A), mix.reshape(mdp.S, mdp.A), count, feasible)


def corner_lower_bound(mdp: FiniteMDP, epsilon: float, respond: Callable[[FiniteMDP], Number] | None = None,
                       samples: int = 32, seed: int = 0, proxy: str = "proxy", true: str = "true") -> float:
    """A float lower bound on W(epsilon) for larger MDPs: the largest true regret of the
    optimiser over proxies at corners of the budget's ball, :math:`r' = r_{proxy} + \\epsilon
    \\sigma` with :math:`\\sigma(s, a) \\in \\{-1, 1\\}`: first :math:`\\sigma = -\\mathrm{sign}(r_{true}
    - \\bar r_{true})` (against the truth), then ``samples`` seeded random sign patterns.
    ``respond(mdp')`` is the true return of the optimiser on ``mdp'`` (whose proxy is r');
    default: the argmax of the proxy (policy iteration). Float MDPs (an exact one is
    converted); any horizon.

    >>> from theory.examples import two_state
    >>> corner_lower_bound(two_state(), 0.5) > 0
    True
    """
    check_instance(mdp, FiniteMDP, "mdp")
    check_known_reward(proxy, mdp.rewards)
    check_known_reward(true, mdp.rewards)
    eps = float(epsilon)
    if not eps >= 0:
        raise InvalidArgument(f"epsilon is {epsilon!r}, not a number >= 0")
    check_positive_int(samples, "samples")
    rng = np.random.default_rng(check_seed(seed))
    fmdp = mdp.to_float() if mdp.exact else mdp
    r_p, r_t = np.asarray(fmdp.reward(proxy), dtype=float), np.asarray(fmdp.reward(true), dtype=float)
    best_true = float(optimal_return(fmdp, true))
    if respond is None:
        def respond(m: FiniteMDP) -> Number:
            return expected_return(m, solve(m, proxy).policy, true)
    signs = [-np.sign(r_t - r_t.mean())] + [rng.choice([-1.0, 1.0], size=r_p.shape) for _ in range(samples)]
    worst = 0.0
    for sigma in signs:
        rewards = dict(fmdp.rewards)
        rewards[proxy] = r_p + eps * sigma
        worst = max(worst, best_true - float(respond(fmdp.replace(rewards=rewards))))
    return worst
