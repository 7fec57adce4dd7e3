r"""The occupancy-measure polytope of a small discounted MDP.

For a discounted MDP with initial distribution :math:`\mu` and discount :math:`\gamma < 1`, the
(unnormalised) state-action occupancy measure :math:`d_\pi(s, a) = \sum_t \gamma^t
P_\pi(s_t = s, a_t = a)` of a stationary policy satisfies the *Bellman flow equations*

.. math::  \sum_a d(s, a) = \mu(s) + \gamma \sum_{s', a'} P(s \mid s', a')\, d(s', a')
           \quad \text{for every } s, \qquad d \ge 0,

and conversely every non-negative solution d of these S equations is the occupancy measure of
the stationary policy :math:`\pi(a \mid s) = d(s, a) / \sum_b d(s, b)` (any action where the
denominator is 0). So the set of occupancy measures is the polytope
:math:`\Omega = \{d \ge 0 : \text{flow equations}\}`, and :math:`J_R(\pi) = \langle d_\pi, R\rangle`
is linear on it: planning is a linear program over :math:`\Omega`.

Vertices. :math:`\Omega` is in standard LP form :math:`\{x \ge 0 : M x = \mu\}` with one column
:math:`e_s - \gamma P(\cdot \mid s, a)` per pair (s, a), so a point is a vertex exactly when the
columns of its support are linearly independent (a basic feasible solution). For a deterministic
policy the columns of the pairs (s, pi(s)) form :math:`(I - \gamma P_\pi)^T`, which is
invertible; the support of :math:`d_\pi` is a subset of them, so **every deterministic stationary
policy's occupancy measure is a vertex**, and every vertex is one of them. The vertices of
:math:`\Omega` are therefore exactly the distinct occupancy measures of the :math:`A^S`
deterministic stationary policies (several policies share one when they differ only on states
they never reach). :func:`vertices` enumerates them; :func:`is_vertex` tests a single point by
the support-rank criterion, independently of the enumeration.

Sources: Altman, *Constrained Markov Decision Processes* (1999), Theorems 3.1-3.2;
Puterman, *Markov Decision Processes* (1994), section 6.9 (the dual LP; basic feasible solutions
and deterministic policies); Bertsimas & Tsitsiklis, *Introduction to Linear Optimization*
(1997), Theorem 2.4; Karwowski et al., "Goodhart's Law in Reinforcement Learning" (ICLR 2024),
section 2.1 (the convex perspective).

The enumeration is exponential: it is for small MDPs and refuses more than ``max_policies``
(4096 by default) deterministic policies with a clear error.

Examples
--------
>>> from theory.examples import two_state
>>> [pi.action_labels() for pi, d in occupancy_vertices(two_state())]
[('stay', 'stay'), ('go', 'stay'), ('go', 'go')]
>>> flow_residual(two_state(), vertices(two_state())[2]).tolist()
[Fraction(0, 1), Fraction(0, 1)]
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any

import numpy as np
from sympy import QQ
from sympy.polys.matrices import DomainMatrix

from theory.errors import InvalidArgument
from theory.evaluation import occupancy, reward_array, state_action_flow
from theory.mdp import FiniteMDP
from theory.numbers import FLOAT_TOLERANCE, coerce_array, format_number, zeros_like_kind
from theory.policy import Policy
from theory.validation import check_instance, check_policy_steps, check_positive_int, check_tolerance

__all__ = [
    "MAX_POLICIES",
    "count_deterministic_policies",
    "deterministic_policies",
    "flow_residual",
    "is_occupancy_measure",
    "policy_from_occupancy",
    "occupancy_vertices",
    "vertices",
    "is_vertex",
    "flow_normals",
    "project_reward",
    "projected_signed_cos2",
    "projected_angle",
]

#: The default cap on the number A**S of deterministic stationary policies that an exhaustive
#: enumeration accepts.
MAX_POLICIES = 4096


# -- argument checks ---------------------------------------------------------------------------


def _check_discounted(mdp: FiniteMDP, what: str) -> None:
    check_instance(mdp, FiniteMDP, "mdp")
    if mdp.horizon is not None:
        raise InvalidArgument(
            f"{what} needs a discounted MDP (this one has horizon {mdp.horizon}); "
            "the occupancy polytope of a finite horizon lives over (t, s, a)"
        )


def _check_measure(mdp: FiniteMDP, d: Any) -> np.ndarray:
    arr = coerce_array(d, mdp.exact, "d")
    if arr.shape != (mdp.S, mdp.A):
        raise InvalidArgument(f"d has shape {arr.shape}, expected {(mdp.S, mdp.A)}")
    if not mdp.exact and not np.isfinite(arr).all():
        s, a = (int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise InvalidArgument(f"d[{mdp.states[s]!r}, {mdp.actions[a]!r}] is {format_number(arr[s, a])}, not finite")
    return arr


# -- enumeration ---------------------------------------------------------------------------------


def count_deterministic_policies(mdp: FiniteMDP, *, stationary: bool = True) -> int:
    """The number :math:`A^S` of deterministic stationary policies of ``mdp`` (an exact int);
    ``stationary=False``: the number :math:`A^{HS}` of deterministic time-dependent (Markov)
    policies of a finite-horizon MDP. With state-dependent action sets, :math:`\\prod_s |A(s)|`
    (to the power H).

    >>> from theory.examples import two_state
    >>> count_deterministic_policies(two_state())
    4
    >>> count_deterministic_policies(two_state().replace(discount=None, horizon=2), stationary=False)
    16
    """
    check_instance(mdp, FiniteMDP, "mdp")
    steps = check_policy_steps(stationary, mdp.horizon)
    if mdp.all_enabled:
        return mdp.A ** (steps * mdp.S)
    return math.prod(int(k) for k in mdp.enabled.sum(axis=1)) ** steps


def deterministic_policies(
    mdp: FiniteMDP, max_policies: int = MAX_POLICIES, *, stationary: bool = True
) -> list[Policy]:
    """Every deterministic stationary policy :math:`\\pi : S \\to A` of ``mdp``, of its kind.

    The :math:`A^S` policies (:math:`\\prod_s |A(s)|` with state-dependent action sets: only
    enabled actions are chosen) come in lexicographic order of their action indices (state
    ``states[0]`` varies slowest). Refuses, before building anything, when their number exceeds
    ``max_policies``. Works for discounted and finite-horizon MDPs (for a horizon these are the
    stationary deterministic policies only); ``stationary=False`` (finite horizon only) gives
    instead the :math:`A^{HS}` time-dependent ones, (H, S, A) policies :math:`\\pi_t : S \\to A`
    in lexicographic order of the actions chosen at (step 0, state 0), (step 0, state 1), ...

    Source: Puterman (1994), section 6.2 (a discounted MDP has an optimal policy in this set)
    and chapter 4 (a finite-horizon MDP has an optimal deterministic Markov policy).

    >>> from theory.examples import two_state
    >>> [pi.action_labels() for pi in deterministic_policies(two_state())]
    [('stay', 'stay'), ('stay', 'go'), ('go', 'stay'), ('go', 'go')]
    >>> deterministic_policies(two_state(), max_policies=3)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: the MDP has 2**2 = 4 deterministic stationary policies, more than max_policies = 3
    >>> len(deterministic_policies(two_state().replace(discount=None, horizon=2), stationary=False))
    16
    """
    check_instance(mdp, FiniteMDP, "mdp")
    steps = check_policy_steps(stationary, mdp.horizon)
    cap = check_positive_int(max_policies, "max_policies")
    count = count_deterministic_policies(mdp, stationary=stationary)
    if count > cap:
        exponent, kind = (f"{mdp.S}", "stationary") if stationary else (f"({steps}*{mdp.S})", "time-dependent")
        formula = f"{mdp.A}**{exponent} = " if mdp.all_enabled else ""
        raise InvalidArgument(
            f"the MDP has {formula}{count} deterministic {kind} policies, "
            f"more than max_policies = {cap}"
        )
    one, zero = (Fraction(1), Fraction(0)) if mdp.exact else (1.0, 0.0)
    shape = (mdp.S, mdp.A) if stationary else (steps, mdp.S, mdp.A)
    out = []
    per_state = [mdp.enabled_actions(s) for s in range(mdp.S)] * steps
    for choice in itertools.product(*per_state):
        probs = np.empty(shape, dtype=object if mdp.exact else np.float64)
        probs.fill(zero)
        probs.reshape(-1, mdp.A)[np.arange(steps * mdp.S), list(choice)] = one
        out.append(Policy(probs, mdp.states, mdp.actions))
    return out


# -- the flow equations ------------------------------------------------------------------------


def flow_residual(mdp: FiniteMDP, d: Any) -> np.ndarray:
    """The residual of the Bellman flow equations at an (S, A) array d, shape (S,):

    .. math:: \\rho(s) = \\sum_a d(s, a) - \\mu(s) - \\gamma \\sum_{s', a'} P(s \\mid s', a')\\, d(s', a').

    Exactly 0 for the occupancy measure of any stationary policy (exact input); of the MDP's
    kind. Discounted MDPs only.

    Source: Altman (1999), Theorem 3.2; Puterman (1994), equation (6.9.2).

    >>> from theory.examples import two_state
    >>> flow_residual(two_state(), [[10, 0], [0, 0]]).tolist()
    [Fraction(0, 1), Fraction(0, 1)]
    >>> flow_residual(two_state(), [[1, 0], [0, 0]]).tolist()
    [Fraction(-9, 10), Fraction(0, 1)]
    """
    _check_discounted(mdp, "flow_residual")
    arr = _check_measure(mdp, d)
    inflow = state_action_flow(mdp, arr)
    if not mdp.exact:
        return arr.sum(axis=1) - mdp.initial - mdp.discount * inflow
    out = np.empty(mdp.S, dtype=object)
    for s in range(mdp.S):
        out[s] = sum(arr[s], Fraction(0)) - mdp.initial[s] - mdp.discount * inflow[s]
    return out


def is_occupancy_measure(mdp: FiniteMDP, d: Any, tolerance: float = FLOAT_TOLERANCE) -> bool:
    """True when d lies in the occupancy polytope: :math:`d \\ge 0`, the flow residual is 0 and
    d is 0 on every disabled action.

    Exact input: exact comparisons. Float input: entries >= ``-tolerance`` and
    :math:`|\\rho(s)| \\le` ``tolerance`` :math:`\\cdot \\max(1, \\max|d|)`.

    Source: Altman (1999), Theorem 3.2.

    >>> from theory.examples import two_state
    >>> is_occupancy_measure(two_state(), [[5, "50/91"], ["405/91", 0]])
    True
    >>> is_occupancy_measure(two_state(), [[11, -1], [0, 0]])
    False
    """
    _check_discounted(mdp, "is_occupancy_measure")
    arr = _check_measure(mdp, d)
    tol = check_tolerance(tolerance)
    residual = flow_residual(mdp, arr)
    if mdp.exact:
        return bool(np.all(arr >= 0)) and bool(np.all(residual == 0)) and bool(np.all(arr[~mdp.enabled] == 0))
    scale = max(1.0, float(np.max(np.abs(arr))))
    return bool(np.all(arr >= -tol)) and bool(np.all(np.abs(residual) <= tol * scale)) \
        and bool(np.all(np.abs(arr[~mdp.enabled]) <= tol * scale))


def policy_from_occupancy(mdp: FiniteMDP, d: Any) -> Policy:
    """The stationary policy whose occupancy measure is d:
    :math:`\\pi(a \\mid s) = d(s, a) / \\sum_b d(s, b)`, uniform where :math:`\\sum_b d(s, b) = 0`
    (a state the policy never reaches; over its enabled actions). Then ``occupancy(mdp, pi) == d`` (exactly on exact input).
    Refuses a d outside the polytope, naming the first violated equation.

    Source: Altman (1999), Theorem 3.1; Puterman (1994), Theorem 6.9.1.

    >>> from theory.examples import two_state
    >>> policy_from_occupancy(two_state(), [[5, "50/91"], ["405/91", 0]]).as_dict()
    {'s0': {'stay': '91/101', 'go': '10/101'}, 's1': {'stay': '1'}}
    """
    _check_discounted(mdp, "policy_from_occupancy")
    arr = _check_measure(mdp, d)
    negative = np.argwhere(arr < 0)
    if len(negative):
        s, a = (int(i) for i in negative[0])
        raise InvalidArgument(
            f"d[{mdp.states[s]!r}, {mdp.actions[a]!r}] is {format_number(arr[s, a])}, negative: not an occupancy measure"
        )
    if not is_occupancy_measure(mdp, arr):
        residual = flow_residual(mdp, arr)
        s = int(np.argmax([abs(x) for x in residual]))
        raise InvalidArgument(
            f"d breaks the flow equation of state {mdp.states[s]!r} (residual {format_number(residual[s])}): "
            "not an occupancy measure"
        )
    S, A = mdp.S, mdp.A
    probs = zeros_like_kind((S, A), mdp.exact)
    uniform = Policy.uniform(mdp).probs
    for s in range(S):
        total = sum(arr[s], Fraction(0)) if mdp.exact else float(arr[s].sum())
        if (total == 0) if mdp.exact else total <= FLOAT_TOLERANCE:
            probs[s] = uniform[s]
        else:
            probs[s] = arr[s] / total
    return Policy(probs, mdp.states, mdp.actions)


# -- vertices ------------------------------------------------------------------------------------


def occupancy_vertices(mdp: FiniteMDP, max_policies: int = MAX_POLICIES) -> list[tuple[Policy, np.ndarray]]:
    """The vertices of the occupancy polytope with a deterministic policy for each:
    ``(pi, d_pi)`` for every *distinct* occupancy measure :math:`d_\\pi` of a deterministic
    stationary policy (the first policy in the order of :func:`deterministic_policies` is kept
    when several share one measure). By the basic-feasible-solution argument in the module
    docstring these are exactly the vertices of :math:`\\Omega`, no more and no fewer.

    Exact input: measures are compared exactly. Float input: two measures are the same when
    they differ by at most ``FLOAT_TOLERANCE * max(1, max|d|)`` entrywise. Discounted only.

    Source: Altman (1999), Theorem 3.2; Puterman (1994), section 6.9; Karwowski et al. (2024).

    >>> from theory.examples import two_state
    >>> [d.tolist() for _, d in occupancy_vertices(two_state())][1]
    [[Fraction(0, 1), Fraction(100, 91)], [Fraction(810, 91), Fraction(0, 1)]]
    """
    _check_discounted(mdp, "occupancy_vertices")
    out: list[tuple[Policy, np.ndarray]] = []
    seen: set[tuple] = set()
    stacked: list[np.ndarray] = []
    for pi in deterministic_policies(mdp, max_policies):
        d = occupancy(mdp, pi)
        if mdp.exact:
            key = tuple(d.flat)
            if key in seen:
                continue
            seen.add(key)
        else:
            if stacked:
                diff = np.abs(np.stack(stacked) - d).reshape(len(stacked), -1).max(axis=1)
                if np.any(diff <= FLOAT_TOLERANCE * max(1.0, float(np.abs(d).max()))):
                    continue
            stacked.append(d)
        d.setflags(write=False)
        out.append((pi, d))
    return out


def vertices(mdp: FiniteMDP, max_policies: int = MAX_POLICIES) -> list[np.ndarray]:
    """The vertices of the occupancy polytope :math:`\\Omega` of a discounted MDP: the distinct
    occupancy measures of the deterministic stationary policies, as (S, A) arrays of its kind
    (see :func:`occupancy_vertices`, which also names a policy for each).

    Source: Altman (1999), Theorem 3.2; Puterman (1994), section 6.9.

    >>> from theory.examples import two_state
    >>> len(vertices(two_state())), len(vertices(two_state().replace(initial=["1/2", "1/2"])))
    (3, 4)
    """
    return [d for _, d in occupancy_vertices(mdp, max_policies)]


def is_vertex(mdp: FiniteMDP, d: Any, tolerance: float = FLOAT_TOLERANCE) -> bool:
    """True when d is a vertex (extreme point) of the occupancy polytope.

    Test: d is in the polytope (:func:`is_occupancy_measure`) and the constraint columns
    :math:`e_s - \\gamma P(\\cdot \\mid s, a)` of its support :math:`\\{(s, a) : d(s, a) > 0\\}`
    are linearly independent (a basic feasible solution). The rank is computed exactly over the
    rationals (sympy ``DomainMatrix`` over QQ) on exact input; on float input the support is
    :math:`d > \\text{tolerance}` and the rank is numpy's ``matrix_rank`` (SVD, its default
    threshold). Independent of the enumeration of :func:`vertices`. Discounted only.

    Source: Bertsimas & Tsitsiklis (1997), Theorem 2.3-2.4; Puterman (1994), section 6.9.

    >>> from theory.examples import two_state
    >>> is_vertex(two_state(), [[10, 0], [0, 0]]), is_vertex(two_state(), [[5, "50/91"], ["405/91", 0]])
    (True, False)
    """
    _check_discounted(mdp, "is_vertex")
    arr = _check_measure(mdp, d)
    tol = check_tolerance(tolerance)
    if not is_occupancy_measure(mdp, arr, tol):
        return False
    support = [(s, a) for s in range(mdp.S) for a in range(mdp.A) if (arr[s, a] > (0 if mdp.exact else tol))]
    if len(support) > mdp.S:
        return False
    T = mdp.transitions
    if mdp.exact:
        gamma = mdp.discount
        rows = []
        for t in range(mdp.S):
            row = []
            for s, a in support:
                x = (1 if s == t else 0) - gamma * T[s, a, t]
                row.append(QQ(x.numerator, x.denominator))
            rows.append(row)
        return DomainMatrix(rows, (mdp.S, len(support)), QQ).rank() == len(support)
    M = np.array([[(1.0 if s == t else 0.0) - mdp.discount * T[s, a, t] for s, a in support] for t in range(mdp.S)])
    return int(np.linalg.matrix_rank(M)) == len(support)


# -- the projected angle (Karwowski et al. 2024, section 2.2) -----------------------------------


def flow_normals(mdp: FiniteMDP) -> np.ndarray:
    """The normals of the Bellman flow equations, one row per state, as an (S, S*A) array of
    the MDP's kind: row :math:`s'` at column :math:`(s, a)` (row-major, ``s * A + a``) is
    :math:`\\mathbb{1}[s = s'] - \\gamma P(s' \\mid s, a)`, so the flow equations read
    ``flow_normals(mdp) @ d.ravel() == mdp.initial``. The rows are linearly independent (the
    columns of any deterministic policy form :math:`(I - \\gamma P_\\pi)^T`). Discounted only.

    Source: Puterman (1994), equation (6.9.2); Karwowski et al. (2024), section 2.1.

    >>> from theory.examples import two_state
    >>> [[str(x) for x in row] for row in flow_normals(two_state())]
    [['1/10', '91/100', '0', '-9/10'], ['0', '-81/100', '1/10', '1']]
    >>> (flow_normals(two_state()) @ vertices(two_state())[2].ravel()).tolist() == two_state().initial.tolist()
    True
    """
    _check_discounted(mdp, "flow_normals")
    S, A = mdp.S, mdp.A
    eye = np.zeros((S, A, S), dtype=object if mdp.exact else np.float64)
    for s in range(S):
        eye[s, :, s] = Fraction(1) if mdp.exact else 1.0
    return (eye - mdp.discount * mdp.transitions).reshape(S * A, S).T


def project_reward(mdp: FiniteMDP, reward: Any) -> np.ndarray:
    """:math:`M_\\tau R`: the reward projected orthogonally onto the linear subspace parallel to
    the affine span of the occupancy polytope, the orthogonal complement of the rows N of
    :func:`flow_normals`: :math:`M_\\tau R = R - N^T (N N^T)^{-1} N R`, an (S, A) array of the
    MDP's kind (exact over the rationals on exact input; float: numpy's solve).

    Adding to R any element of the row space of N changes nothing: that is exactly a
    potential shaping :math:`\\gamma E[\\Phi(s')] - \\Phi(s)` (Ng, Harada & Russell 1999), and a
    constant c (the potential :math:`\\Phi \\equiv -c / (1 - \\gamma)`); so :math:`J_R(\\pi) -
    J_{M_\\tau R}(\\pi)` is the same for every policy. The affine span of the polytope *is* this
    flow space when every state is reachable from the initial distribution (then the uniform
    policy's occupancy is positive everywhere, a relative-interior point); otherwise the
    polytope is thinner and this projection keeps directions no policy can move along.

    Source: Karwowski et al., "Goodhart's Law in Reinforcement Learning" (ICLR 2024),
    section 2.2 (the matrix :math:`M_\\tau`).

    >>> from theory.mdp import FiniteMDP
    >>> one = FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
    ...                 rewards={"true": [[1, 0, 0]]}, initial=[1], discount="1/2")
    >>> [str(x) for x in project_reward(one, "true")[0]]
    ['2/3', '-1/3', '-1/3']
    """
    _check_discounted(mdp, "project_reward")
    r = reward_array(mdp, reward).reshape(-1)
    N = flow_normals(mdp)
    S = mdp.S
    if not mdp.exact:
        y = np.linalg.solve(N @ N.T, N @ r)
        return (r - N.T @ y).reshape(mdp.S, mdp.A)
    q = lambda x: QQ(x.numerator, x.denominator)  # noqa: E731
    gram = DomainMatrix([[q(sum((N[i] * N[j]).tolist(), Fraction(0))) for j in range(S)] for i in range(S)], (S, S), QQ)
    rhs = DomainMatrix([[q(sum((N[i] * r).tolist(), Fraction(0)))] for i in range(S)], (S, 1), QQ)
    y = [Fraction(int(x.numerator), int(x.denominator)) for x in gram.lu_solve(rhs).to_list_flat()]
    out = np.empty(S * mdp.A, dtype=object)
    for k in range(S * mdp.A):
        out[k] = r[k] - sum((N[i, k] * y[i] for i in range(S)), Fraction(0))
    return out.reshape(mdp.S, mdp.A)


def _projected_pair(mdp: FiniteMDP, reward0: Any, reward1: Any) -> tuple[Any, Any, Any]:
    """(<M R0, M R1>, |M R0|^2, |M R1|^2), refusing a reward whose projection is 0."""
    p0 = project_reward(mdp, reward0).reshape(-1)
    p1 = project_reward(mdp, reward1).reshape(-1)
    zero = Fraction(0) if mdp.exact else 0.0
    dot, n0, n1 = (sum((x * y).tolist(), zero) for x, y in ((p0, p1), (p0, p0), (p1, p1)))
    for name, norm in (("reward0", n0), ("reward1", n1)):
        if norm == 0 or (not mdp.exact and norm <= (FLOAT_TOLERANCE * max(1.0, float(np.abs(p0).max(initial=0)))) ** 2):
            raise InvalidArgument(
                f"{name} projects to 0 on the occupancy polytope's span (every policy has the same return "
                "under it); its projected angle is undefined"
            )
    return dot, n0, n1


def projected_signed_cos2(mdp: FiniteMDP, reward0: Any, reward1: Any) -> Fraction | float:
    """:math:`\\cos\\theta \\, |\\cos\\theta|` for :math:`\\theta = \\arg(R_0, R_1)`
    (:func:`projected_angle`): the squared cosine with the sign of the cosine, exact (a
    Fraction) on exact input since :math:`\\cos^2 = \\langle M R_0, M R_1\\rangle^2 / (|M R_0|^2
    |M R_1|^2)`. 1 exactly when the rewards order all policies the same way, -1 when opposite.

    >>> from theory.mdp import FiniteMDP
    >>> one = FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
    ...                 rewards={"r0": [[1, 0, 0]], "r1": [[0, 1, 0]]}, initial=[1], discount="1/2")
    >>> projected_signed_cos2(one, "r0", "r1")
    Fraction(-1, 4)
    """
    dot, n0, n1 = _projected_pair(mdp, reward0, reward1)
    if mdp.exact:
        value = Fraction(dot) * Fraction(dot) / (Fraction(n0) * Fraction(n1))
        return value if dot >= 0 else -value
    return float(np.sign(dot)) * float(dot) ** 2 / (float(n0) * float(n1))


def projected_angle(mdp: FiniteMDP, reward0: Any, reward1: Any) -> float:
    """The projected angle :math:`\\arg(R_0, R_1) \\in [0, \\pi]` (radians, a float): the angle
    between :math:`M_\\tau R_0` and :math:`M_\\tau R_1` (:func:`project_reward`).

    Definition (Karwowski et al. 2024, section 2.2): "the angle between the projections of the
    two rewards onto the linear subspace parallel to the occupancy polytope :math:`\\Omega`".
    It is 0 exactly when :math:`R_1` orders all policies as :math:`R_0` does (e.g. a positive
    multiple plus a potential shaping or a constant) and :math:`\\pi` when it reverses the
    order. A reward that is constant on all policies (projection 0) is refused. Computed from
    the exact signed cosine squared when the MDP is exact (so 0 and pi are exact there).

    >>> from theory.mdp import FiniteMDP
    >>> one = FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
    ...                 rewards={"r0": [[1, 0, 0]], "r1": [[0, 1, 0]]}, initial=[1], discount="1/2")
    >>> round(projected_angle(one, "r0", "r1") / math.pi, 12)
    0.666666666667
    """
    c2 = projected_signed_cos2(mdp, reward0, reward1)
    cosine = math.copysign(math.sqrt(abs(float(c2))), float(c2))
    return math.acos(max(-1.0, min(1.0, cosine)))
