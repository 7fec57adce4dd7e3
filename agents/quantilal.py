r"""Quantilal control (Kosoy 2018): quantilisation of a finite MDP's policies by a linear program
over occupancy measures, exact in rational arithmetic or in floats through HiGHS.

Kosoy's setting ("Quantilal control for finite MDPs", Alignment Forum, 2018). A reference
policy :math:`\sigma` (the "domain" where the proxy R is trusted, e.g. the choices of humans)
and an unknown penalty :math:`D \ge 0` on *states* whose expectation under the reference's
normalised discounted state occupancy :math:`Z_\sigma` is at most 1 (the cost-independence
assumption: the penalty is a term of the reward, a function of the state). With
:math:`Z_\pi(s) = (1 - \gamma) \sum_t \gamma^t P_\pi(s_t = s)`, the worst penalty a policy can
meet is :math:`\sup_D E_{Z_\pi}[D] = \max_{s} Z_\pi(s) / Z_\sigma(s)` (put all of D's mass
1/Z_sigma(s) on the worst state; infinite when :math:`Z_\pi` leaves the support of
:math:`Z_\sigma`). The post gives the two formulations of quantilisation (its "Background"):

- **constrained** ("maximise E[R] while constraining the worst expected cost by a fixed bound"):
  maximise :math:`E_{Z_\pi}[R]` subject to :math:`Z_\pi(s) \le Z_\sigma(s) / q` for every
  state s, the form of the issue; the bound :math:`1/q \ge 1` is Taylor's density cap (q in
  (0, 1]: q = 1 forces :math:`Z_\pi = Z_\sigma` on states, since both sum to 1);
- **penalised** ("maximise the minimal guaranteed expectation", parameter :math:`\eta > 0`): the
  *quantilum* value :math:`QV_\eta = \max_\pi \big(E_{Z_\pi}[R] - \eta \max_s Z_\pi(s)/Z_\sigma(s)\big)`.

Kosoy notes the two are "almost equivalent": both pick policies Pareto-efficient in
(E[R], worst penalty). Concretely: the penalised optimum at :math:`\eta` with ratio
:math:`\rho = \max_s Z_\pi(s)/Z_\sigma(s)` is a constrained optimum at :math:`q = 1/\rho`, and
the constrained optimum at q is penalised-optimal for :math:`\eta` = the LP multiplier of the
cap (a supergradient of the concave value :math:`V(1/q)`). The tests check the first direction
exactly.

The linear program is transcribed from Kosoy's follow-up post "Computing an exact quantilal
policy" (Alignment Forum, April 2018), Theorem and its proof: indeterminates
:math:`\phi \in \mathbb{R}^{S \times A}` and :math:`QV`; maximise QV subject to
:math:`\phi \ge 0`, :math:`\sum \phi = 1`, :math:`(E - \lambda T)\phi = (1 - \lambda)\zeta_0`
(the flow equations; E sums over actions, T is the transition operator, :math:`\zeta_0` the
initial distribution, :math:`\lambda` the discount), :math:`\phi(s, a) = 0` for s outside
:math:`\operatorname{supp} Z_\sigma`, and for every :math:`s \in \operatorname{supp} Z_\sigma`:
:math:`QV \le \sum_t R(t) \sum_a \phi(t, a) - \frac{\eta}{Z_\sigma(s)} \sum_a \phi(s, a)`; then
:math:`\pi(a \mid s) = \phi(s, a) / \sum_b \phi(s, b)` (arbitrary where the sum is 0). Its
Lemma (the flow equations characterise the occupancies of stationary policies) is the one of
:mod:`theory.polytope`. The main post's propositions, as its abstract states them: the
quantilal policy can be chosen Markov, and stationary under geometric discount; the quantilum
value is a continuous piecewise rational function of the parameters; it is computable in
polynomial time.

What deconfuse computes. It works with the unnormalised occupancy
:math:`d = \phi / (1 - \gamma)` of :mod:`theory.polytope`, so the objective is the expected
return :math:`J(\pi) = \langle d, r \rangle` and the cap reads
:math:`\sum_a d(s, a) \le d_\sigma(s) / q` (the ratio is the same under both normalisations).
:func:`quantilal_solution` solves the constrained form, :func:`quantilum` the penalised one.
The redundant row :math:`\sum \phi = 1` (the sum of the flow equations) is left out.

Assumed (the stored text of the main post renders none of its formulas, so its definitions
could not be read; everything above is from the follow-up's LP and the main post's prose):
(1) rewards r(s, a) on state-action pairs generalise Kosoy's state rewards R(s) as
:math:`E_\phi[r] = \sum_{s,a} \phi(s, a) r(s, a)`; the penalty stays on states, as in the LP;
(2) the constrained form's parameter is q with bound 1/q (Taylor's), the issue's form; (3)
discounted MDPs only (the post's stationarity result is for geometric discount): a finite
horizon is refused.

Examples
--------
>>> from fractions import Fraction as F
>>> from theory.examples import two_state
>>> sol = quantilal_solution(two_state(), "proxy", None, F(1, 2))
>>> sol.value, sol.ratio
(Fraction(1720, 191), Fraction(2, 1))
>>> sol.policy.as_dict()["s0"]
{'stay': '9/29', 'go': '20/29'}
"""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from scipy.optimize import linprog

from agents.base import AgentResult, BaseAgent, BaseSpec, Cost, add_costs, base_policy, check_base, resolve_objective
from theory.errors import InvalidArgument
from theory.evaluation import expected_return, occupancy, state_occupancy
from theory.lp import solve_lp
from theory.mdp import FiniteMDP
from theory.numbers import Number, format_number, parse_number
from theory.policy import Policy
from theory.polytope import policy_from_occupancy
from theory.validation import check_choice, check_instance, check_q

__all__ = ["LPMethod", "HIGHS_TOLERANCE", "QuantilalSolution", "quantilal_solution", "quantilal_policy", "quantilum",
           "quantilal_program", "ValuePiece", "value_pieces", "Quantilal"]

#: How the linear program is solved: "exact" (the rational simplex of :mod:`theory.lp`) or
#: "float" (scipy's HiGHS).
LPMethod = Literal["exact", "float"]

#: HiGHS's primal and dual feasibility tolerances for the float LP (its defaults are 1e-7).
HIGHS_TOLERANCE = 1e-10


@dataclasses.dataclass(frozen=True, eq=False)
class QuantilalSolution:
    """A solved quantilal LP: the stationary ``policy``; its state-action ``occupancy`` d (S, A)
    (unnormalised, :func:`theory.evaluation.occupancy` of the policy); its expected return
    ``value`` under the reward; the reference's state occupancy ``reference_occupancy``
    :math:`d_\\sigma` (S,); ``ratio`` :math:`\\max_s d(s) / d_\\sigma(s)` (the worst expected
    penalty, at most 1/q); ``quantilum``, Kosoy's :math:`QV_\\eta` for the penalised form
    (None for the constrained one); ``pivots``, the simplex pivots (HiGHS iterations)."""

    policy: Policy
    occupancy: np.ndarray
    value: Number
    reference_occupancy: np.ndarray
    ratio: Number
    quantilum: Number | None
    pivots: int


def _check_mdp(mdp: FiniteMDP, method: str) -> FiniteMDP:
    check_instance(mdp, FiniteMDP, "mdp")
    check_choice(method, "method", ("exact", "float"))
    if mdp.horizon is not None:
        raise InvalidArgument(
            f"the quantilal LP needs a discounted MDP (this one has horizon {mdp.horizon}); "
            "Kosoy's linear program is over the discounted occupancy polytope"
        )
    if method == "exact" and not mdp.exact:
        raise InvalidArgument("method is 'exact' but the MDP is float; convert it with to_exact() or use method='float'")
    return mdp.to_float() if method == "float" and mdp.exact else mdp


def _reference(mdp: FiniteMDP, reference: Policy | None) -> np.ndarray:
    if reference is None:
        reference = Policy.uniform(mdp)
    check_instance(reference, Policy, "reference")
    if reference.states != mdp.states or reference.actions != mdp.actions or not reference.stationary:
        raise InvalidArgument("reference is not a stationary policy over this MDP's states and actions")
    if reference.exact and not mdp.exact:
        reference = reference.to_float()
    if not reference.exact and mdp.exact:
        raise InvalidArgument("reference is a float policy but the MDP is exact; give an exact reference")
    return state_occupancy(mdp, reference)


def _flow_rows(mdp: FiniteMDP, support: list[int]) -> tuple[list[list[Any]], list[Any]]:
    """The flow equations over the variables d(s, a), s in ``support`` (state-major), and
    d(s, a) = 0 for every disabled action."""
    zero = Fraction(0) if mdp.exact else 0.0
    col = {s: k for k, s in enumerate(support)}
    rows = [[zero] * (len(support) * mdp.A) for _ in range(mdp.S)]
    for s in support:
        for a in range(mdp.A):
            j = col[s] * mdp.A + a
            rows[s][j] += 1
            for t, p in mdp.successors[s][a]:
                rows[t][j] -= mdp.discount * p
    rhs = list(mdp.initial)
    for s in support:  # a disabled action carries no occupancy
        for a in np.flatnonzero(~mdp.enabled[s]).tolist():
            row = [zero] * (len(support) * mdp.A)
            row[col[s] * mdp.A + a] = zero + 1
            rows.append(row)
            rhs.append(zero)
    return rows, rhs


def _solve(mdp: FiniteMDP, c: list, A_ub: list, b_ub: list, A_eq: list, b_eq: list) -> tuple[np.ndarray, int]:
    if mdp.exact:
        sol = solve_lp(c, A_ub, b_ub, A_eq, b_eq)
        if sol.status != "optimal":  # pragma: no cover - the reference's own occupancy is feasible
            raise InvalidArgument(f"the quantilal LP is {sol.status}")
        return sol.x, sol.pivots
    arrays = [np.array(v, dtype=float) for v in (c, A_ub, b_ub, A_eq, b_eq)]
    options = {"primal_feasibility_tolerance": HIGHS_TOLERANCE, "dual_feasibility_tolerance": HIGHS_TOLERANCE}
    res = linprog(arrays[0], A_ub=arrays[1], b_ub=arrays[2], A_eq=arrays[3], b_eq=arrays[4], method="highs",
                  options=options)
    if res.status == 2:  # HiGHS's presolve can misreport a feasible program as infeasible: retry without it
        res = linprog(arrays[0], A_ub=arrays[1], b_ub=arrays[2], A_eq=arrays[3], b_eq=arrays[4], method="highs",
                      options={**options, "presolve": False})
    if res.status != 0:
        raise InvalidArgument(f"HiGHS could not solve the quantilal LP: {res.message}")
    x = np.asarray(res.x, dtype=float)
    low = float(x.min()) if x.size else 0.0
    if low < -HIGHS_TOLERANCE * max(1.0, float(np.abs(x).max())):
        raise InvalidArgument(f"HiGHS returned an occupancy entry {low!r} below zero beyond its tolerance")
    return np.where(x < 0, 0.0, x), int(res.nit)  # round-off within HiGHS's feasibility tolerance


def _finish(mdp: FiniteMDP, reward: str, x: np.ndarray, support: list[int], d_ref: np.ndarray,
            pivots: int, quantilum_value: Any) -> QuantilalSolution:
    d = np.empty((mdp.S, mdp.A), dtype=object if mdp.exact else np.float64)
    d.fill(Fraction(0) if mdp.exact else 0.0)
    for k, s in enumerate(support):
        d[s] = x[k * mdp.A:(k + 1) * mdp.A]
    pi = policy_from_occupancy(mdp, d)
    d_pi = occupancy(mdp, pi)
    ratio = max(sum(d_pi[s]) / d_ref[s] for s in support)
    return QuantilalSolution(pi, d_pi, expected_return(mdp, pi, reward), d_ref,
                             ratio if mdp.exact else float(ratio), quantilum_value, pivots)


def quantilal_solution(mdp: FiniteMDP, reward: str = "proxy", reference: Policy | None = None,
                       q: Any = Fraction(1, 10), method: LPMethod | None = None) -> QuantilalSolution:
    """The constrained quantilal LP: maximise :math:`J_r(\\pi) = \\langle d, r\\rangle` over the
    occupancy measures d of the discounted polytope subject to
    :math:`\\sum_a d(s, a) \\le d_\\sigma(s) / q` for every state s (so d vanishes off the
    reference's support, Kosoy's 4th constraint). ``reference`` is the stationary reference
    policy :math:`\\sigma` (None: uniform); q in (0, 1] (exact for an exact MDP);
    ``method`` "exact" (default on exact MDPs; rational simplex), "float" (default on float MDPs;
    HiGHS with feasibility tolerances ``HIGHS_TOLERANCE``, the result is float; entries HiGHS
    returns below zero by less than that tolerance are round-off and read as 0, any further
    below is refused). See the module docstring for the source and the assumptions.

    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> quantilal_solution(two_state(), "proxy", None, 1).value  # q = 1: the uniform policy's state occupancy
    Fraction(860, 191)
    """
    method = method or ("exact" if mdp.exact else "float")
    mdp = _check_mdp(mdp, method)
    q = check_q(q, mdp.exact)
    d_ref = _reference(mdp, reference)
    support = [s for s in range(mdp.S) if d_ref[s] != 0]
    c, A_ub, A_eq, b_eq = quantilal_program(mdp, reward, support)
    x, pivots = _solve(mdp, c, A_ub, [d_ref[s] / q for s in support], A_eq, b_eq)
    return _finish(mdp, reward, x, support, d_ref, pivots, None)


def quantilal_program(mdp: FiniteMDP, reward: str, support: list[int]) -> tuple[list, list, list, list]:
    r"""The constrained quantilal LP in :func:`theory.lp.solve_lp`'s form, without its
    right-hand side of caps: ``c`` (minus the reward of each variable d(s, a), s in
    ``support``, state-major), ``A_ub`` (one cap row per supported state, :math:`\sum_a d(s, a)`;
    its right-hand side is :math:`d_\sigma(s)/q`), ``A_eq``, ``b_eq`` (the flow equations).

    >>> from theory.examples import two_state
    >>> c, A_ub, A_eq, b_eq = quantilal_program(two_state(), "proxy", [0, 1])
    >>> [str(x) for x in c], A_eq[1]
    (['0', '-1/2', '-1', '0'], [Fraction(0, 1), Fraction(-81, 100), Fraction(1, 10), Fraction(1, 1)])
    """
    r = mdp.reward(reward)
    A_eq, b_eq = _flow_rows(mdp, support)
    zero = Fraction(0) if mdp.exact else 0.0
    width = len(support) * mdp.A
    A_ub = []
    for k in range(len(support)):
        row = [zero] * width
        row[k * mdp.A:(k + 1) * mdp.A] = [1] * mdp.A
        A_ub.append(row)
    return [-r[s, a] for s in support for a in range(mdp.A)], A_ub, A_eq, b_eq


@dataclasses.dataclass(frozen=True)
class ValuePiece:
    r"""One piece of the quantilal value as a function of q: on ``low <= q <= high``,
    :math:`V(q) = \alpha + \beta / q` exactly (``alpha``, ``beta`` rational, beta >= 0)."""

    low: Fraction
    high: Fraction
    alpha: Fraction
    beta: Fraction


def value_pieces(mdp: FiniteMDP, reward: str = "proxy", reference: Policy | None = None,
                 q_min: Any = Fraction(1, 100)) -> tuple[ValuePiece, ...]:
    r"""The exact pieces of :math:`V(q)`, the constrained quantilal value, for q in [q_min, 1]
    (exact MDPs).

    With :math:`\delta = 1/q` the cap's right-hand side is :math:`\delta d_\sigma`, so
    :math:`V` is the optimum of an LP whose right-hand side is affine in :math:`\delta`: concave
    and piecewise linear in :math:`\delta` (the minimum of the finitely many lines
    :math:`-\mu^\top y_{eq} - \delta\, d_\sigma^\top y_{ub}` of the dual vertices y), hence
    :math:`V(q) = \alpha + \beta / q` piecewise, rational in q: Kosoy's "continuous piecewise
    rational" value, here in the parameter q. The breakpoints are found exactly by the
    Eisner-Severance bisection on the tangent lines given by the simplex's dual solutions:
    intersect the tangents at the ends of an interval; if V there equals them, that point is
    the only breakpoint inside; else recurse on both halves with the tangent there.

    Source: Kosoy (2018), abstract (iii); Eisner & Severance, "Mathematical techniques for
    efficient record segmentation in large shared databases", J. ACM 23(4), 1976 (the
    bisection on a piecewise-linear concave function).

    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> [(p.low, p.high, p.alpha, p.beta) for p in value_pieces(two_state(), q_min=F(1, 4))]
    [(Fraction(1, 4), Fraction(91, 191), Fraction(860, 91), Fraction(0, 1)), (Fraction(91, 191), Fraction(1, 1), Fraction(0, 1), Fraction(860, 191))]
    """
    mdp = _check_mdp(mdp, "exact")
    q_min = check_q(q_min, True, "q_min")
    d_ref = _reference(mdp, reference)
    support = [s for s in range(mdp.S) if d_ref[s] != 0]
    c, A_ub, A_eq, b_eq = quantilal_program(mdp, reward, support)
    caps = [d_ref[s] for s in support]

    def tangent(delta: Fraction) -> tuple[Fraction, Fraction]:
        sol = solve_lp(c, A_ub, [x * delta for x in caps], A_eq, b_eq)
        y_ub, y_eq = sol.duals[:len(caps)], sol.duals[len(caps):]
        return (-sum((b * y for b, y in zip(b_eq, y_eq)), Fraction(0)),
                -sum((b * y for b, y in zip(caps, y_ub)), Fraction(0)))

    def between(a: Fraction, b: Fraction, la: tuple, lb: tuple) -> list[Fraction]:
        if la == lb:
            return []
        m = (lb[0] - la[0]) / (la[1] - lb[1])
        lm = tangent(m)
        if lm[0] + lm[1] * m == la[0] + la[1] * m:
            return [m] if a < m < b else []
        return between(a, m, la, lm) + between(m, b, lm, lb)

    lo, hi = Fraction(1), 1 / q_min
    t_lo, t_hi = tangent(lo), tangent(hi)
    kinks = [lo] + between(lo, hi, t_lo, t_hi) + [hi]
    pieces = []
    for a, b in zip(kinks, kinks[1:]):
        mid = (a + b) / 2
        alpha, beta = tangent(mid)
        pieces.append(ValuePiece(1 / b, 1 / a, alpha, beta))
    return tuple(reversed(pieces))


def quantilal_policy(mdp: FiniteMDP, reward: str = "proxy", reference: Policy | None = None,
                     q: Any = Fraction(1, 10), method: LPMethod | None = None) -> Policy:
    """The stationary quantilal policy of :func:`quantilal_solution`.

    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> quantilal_policy(two_state(), "proxy", None, F(1, 4)).as_dict()["s0"]
    {'go': '1'}
    """
    return quantilal_solution(mdp, reward, reference, q, method).policy


def _check_eta(eta: Any, exact: bool) -> Fraction | float:
    if isinstance(eta, (float, np.floating)):
        if exact:
            raise InvalidArgument(f"eta is the float {float(eta)!r} but the MDP is exact; give it as a Fraction")
        value: Any = float(eta)
    else:
        value = parse_number(eta, "eta")
    if not value > 0:
        raise InvalidArgument(f"eta is {format_number(value)}, not > 0")
    return value if exact else float(value)


def quantilum(mdp: FiniteMDP, reward: str = "proxy", reference: Policy | None = None,
              eta: Any = 1, method: LPMethod | None = None) -> QuantilalSolution:
    """Kosoy's penalised form, his LP as transcribed: the quantilum value
    :math:`QV_\\eta = \\max (E_{Z_\\pi}[R] - \\eta \\max_s Z_\\pi(s)/Z_\\sigma(s))` with
    :math:`E_{Z_\\pi}[R] = (1 - \\gamma) J_r(\\pi)` (Kosoy's normalised occupancy), and a policy
    attaining it. ``eta`` > 0 (exact for an exact MDP). ``QV`` is a free variable, split as
    QV+ - QV- for the simplex's non-negative variables.

    >>> from theory.examples import two_state
    >>> sol = quantilum(two_state(), "proxy", None, "1/10")
    >>> sol.quantilum, sol.ratio
    (Fraction(669, 910), Fraction(191, 91))
    """
    method = method or ("exact" if mdp.exact else "float")
    mdp = _check_mdp(mdp, method)
    r = mdp.reward(reward)
    eta = _check_eta(eta, mdp.exact)
    d_ref = _reference(mdp, reference)
    support = [s for s in range(mdp.S) if d_ref[s] != 0]
    A_eq, b_eq = _flow_rows(mdp, support)
    zero = Fraction(0) if mdp.exact else 0.0
    width = len(support) * mdp.A
    A_eq = [row + [zero, zero] for row in A_eq]
    scale = 1 - mdp.discount
    gain = [scale * r[s, a] for s in support for a in range(mdp.A)]
    A_ub, b_ub = [], []
    for k, s in enumerate(support):
        row = [-g for g in gain] + [1, -1]  # QV - E[R] + eta d(s) / d_ref(s) <= 0
        for a in range(mdp.A):
            row[k * mdp.A + a] += eta / d_ref[s]
        A_ub.append(row)
        b_ub.append(zero)
    c = [zero] * width + [-1, 1]
    x, pivots = _solve(mdp, c, A_ub, b_ub, A_eq, b_eq)
    value = x[width] - x[width + 1]
    return _finish(mdp, reward, x[:width], support, d_ref, pivots, value if mdp.exact else float(value))


@dataclasses.dataclass(frozen=True, repr=False)
class Quantilal(BaseAgent):
    """Quantilal control (Kosoy 2018): the stationary policy of the constrained quantilal LP.

    Maximises the objective's expected return over the occupancy measures whose state
    occupancy is at most the reference policy's divided by q in every state
    (:func:`quantilal_solution`); a stochastic stationary Markov policy, found in polynomial
    time, where :class:`~agents.quantiliser.PolicyQuantiliser` enumerates the :math:`A^S`
    deterministic policies. Discounted MDPs only.

    Decision-time cost: simplex pivots (HiGHS iterations) times S * A (each pivot reprices
    every state-action column), plus the reference agent's cost.

    Source: V. Kosoy, "Quantilal control for finite MDPs" and "Computing an exact quantilal
    policy", Alignment Forum (2018); see :mod:`agents.quantilal`.

    Parameters
    ----------
    q
        The cap's parameter in (0, 1]: every state's occupancy is at most the reference's
        divided by q; exact (int, Fraction, "p/q") for an exact MDP, a float on a float MDP only.
    reference
        The reference policy sigma: None (uniform), an Agent or registered agent name (run on
        the same MDP and objective, its cost added), or a Policy; it must be stationary.
    method
        None (exact on an exact MDP, HiGHS on a float one), "exact" (rational simplex; refused
        on a float MDP) or "float" (HiGHS; a float policy, also from an exact MDP).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> result = Quantilal(F(1, 2)).run(two_state())
    >>> result.info["value"], result.info["ratio"]
    (Fraction(1720, 191), Fraction(2, 1))
    """

    q: Number | int = Fraction(1, 10)
    reference: BaseSpec = None
    method: LPMethod | None = None
    name: str = "quantilal"

    def __post_init__(self) -> None:
        check_q(self.q)
        check_base(self.reference)
        if self.method is not None:
            check_choice(self.method, "method", ("exact", "float"))

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Solve the quantilal LP for ``objective`` with the reference's occupancy."""
        objective = resolve_objective(mdp, objective)
        if mdp.horizon is not None:
            _check_mdp(mdp, "exact" if mdp.exact else "float")
        if isinstance(self.q, float) and mdp.exact:
            raise InvalidArgument(f"q is the float {self.q!r} but the MDP is exact; give it as a Fraction (e.g. \"1/10\")")
        sigma, ref_cost = base_policy(mdp, objective, self.reference)
        sol = quantilal_solution(mdp, objective, sigma, self.q, self.method)
        return AgentResult(
            behaviour=sol.policy,
            cost=add_costs(Cost(decision=sol.pivots * mdp.S * mdp.A), ref_cost),
            info={"objective": objective, "q": self.q, "value": sol.value, "ratio": sol.ratio,
                  "occupancy": sol.occupancy, "reference_policy": sigma, "solution": sol},
        )
