"""Skalse, Howe, Krasheninnikov & Krueger (NeurIPS 2022), "Defining and Characterizing Reward
Hacking": their definitions, their two examples and their verdicts, recomputed exactly.

Transcribed from the NeurIPS 2022 text (the proceedings version with its checklist):

- Definition 1 (section 4.2): R1, R2 are *hackable* relative to a policy set Π if there exist
  π, π' in Π with J1(π) < J1(π') and J2(π) > J2(π'); else *unhackable*
  (:func:`theory.goodhart.hackable`). In the paragraph after it: *equivalent* on Π when J1 and
  J2 induce the same ordering of Π (:func:`~theory.goodhart.equivalent`), *trivial* when
  J(π) = J(π') for all π, π' in Π (:func:`~theory.goodhart.trivial`).
- Definition 2 (section 4.2): R2 is a *simplification* of R1 relative to Π if for all π, π'
  J1(π) < J1(π') implies J2(π) <= J2(π') and J1(π) = J1(π') implies J2(π) = J2(π'), and there
  exist π, π' with J2(π) = J2(π') but J1(π) != J1(π'); "if R2 is trivial then we say that this
  is a trivial simplification" (:func:`~theory.goodhart.simplifies`).
- Theorem 1 / Corollary 1 (section 5.1): on a policy set containing an open set (e.g. all
  stationary policies), unhackable and non-trivial implies equivalent. Theorem 2 (section 5.2):
  on a finite set with two policies of different occupancy, every R1 has a non-trivial R2 that
  is unhackable but not equivalent. Theorem 3 (section 5.2): with E_1..E_m the classes of equal
  J1 and Z_i = F(E_i) - F(π_i), "there is a non-trivial simplification of R iff
  dim(Z_1 ∪ ... ∪ Z_m) <= dim(F(Π)) - 2, where dim(S) is the number of linearly independent
  vectors in S". Corollary 3: if |Π| >= 2 and all J(π) differ, a non-trivial simplification
  exists.

The examples: the cleaning robot (section 2, appendix D.2; :func:`environments.skalse.cleaning_robot`)
and the two-state MDP (section 5.2, appendix D.1 Table 1; :func:`environments.skalse.skalse_two_state`).

Which orderings a reward can represent is decided exactly: a weak ordering (tiers of equal value,
strictly increasing between tiers) is representable iff the homogeneous system "equal inside a
tier, J rises by at least 1 between consecutive tiers" in the reward R(s, a) is feasible, solved
by exact Fourier-Motzkin elimination (rationals) and cross-checked with scipy's HiGHS; every
reward found is re-evaluated exactly and must induce the ordering. (sympy 1.14's exact
``linprog`` / ``lpmin`` were tried first and returned points violating the constraints of an
infeasible system here, e.g. pi00 < pi11 < pi10 < pi01; the re-evaluation caught it.)

The difference found (so ``expect = "differs"``): Theorem 3 and Corollary 3 as printed fail.
On the two-state MDP Theorem 3's condition says a non-trivial simplification exists for each of
the 12 orderings with one tie, but none exists (the paper's own appendix D.1 agrees: setting a
third policy equal forces the fourth); on two policies, any simplification equates both, so it
is trivial, against Corollary 3. The proof's step "R2 is trivial on Π iff its vector is 0" misses
the reward normal to the affine hull of F(Π) (a constant reward, non-zero and trivial): every
F(Π) lies in the hyperplane sum F = 1/(1 - gamma) (or the horizon), so the linear rank counts one dimension too
many. With dim(F(Π)) read as the dimension of the affine hull, the condition agrees with the
exact enumeration on every ordering tested.

Assumed (parameters): the two-state "true" reward [[0, 3], [1, 1]] for the ordering
pi00 < pi01 < pi11 < pi10 (the paper gives the ordering, not a reward); the robot's true reward
[1, 2, 4] for the appendix D.2.2 simplification (the paper uses generic room values); the grids
of stochastic policies on which a hack is searched for (any witness found on a grid is a
witness on all stationary policies).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from scipy.optimize import linprog as float_linprog

from environments.random_mdp import random_mdp
from environments.skalse import cleaning_robot, skalse_two_state
from property_tests.reproductions.base import Comparison, Outcome, Reproduction
from theory.evaluation import occupancy
from theory.goodhart import equivalent, hackable, policy_returns, simplifies, trivial
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.polytope import deterministic_policies

__all__ = [
    "Ordering",
    "PAPER_STRICT",
    "PAPER_SIMPLIFIED",
    "ordering_text",
    "induced_ordering",
    "weak_orderings",
    "representing_reward",
    "representable_float",
    "coarsenings",
    "has_nontrivial_simplification",
    "theorem3_condition",
    "grid_policies",
    "policy_name",
    "run",
    "figure",
    "REPRODUCTION",
]

#: A weak ordering of named policies: tiers of equal value, from the lowest to the highest.
Ordering = tuple[tuple[str, ...], ...]

#: Appendix D.1: the representable strict orderings of the two-state MDP with pi00 < pi11.
PAPER_STRICT = (
    "pi00 < pi01 < pi10 < pi11",
    "pi00 < pi01 < pi11 < pi10",
    "pi00 < pi10 < pi01 < pi11",
    "pi01 < pi00 < pi11 < pi10",
    "pi10 < pi00 < pi01 < pi11",
    "pi10 < pi00 < pi11 < pi01",
)
#: Appendix D.1: the representable orderings with ties (one simplification of each strict one).
PAPER_SIMPLIFIED = (
    "pi00 = pi01 < pi11 < pi10",
    "pi00 = pi10 < pi01 < pi11",
    "pi00 < pi01 = pi10 < pi11",
    "pi01 < pi00 = pi11 < pi10",
    "pi10 < pi00 = pi11 < pi01",
    "pi00 < pi01 < pi10 = pi11",
    "pi10 < pi00 < pi01 = pi11",
    "pi00 = pi01 = pi10 = pi11",
)


# -- orderings ---------------------------------------------------------------------------------


def ordering_text(tiers: Ordering) -> str:
    """The paper's notation: ``"pi00 = pi01 < pi11 < pi10"``.

    >>> ordering_text((("pi00", "pi01"), ("pi11",)))
    'pi00 = pi01 < pi11'
    """
    return " < ".join(" = ".join(tier) for tier in tiers)


def induced_ordering(names: Sequence[str], values: Sequence[Any]) -> Ordering:
    """The weak ordering that the values induce on the named policies (exact equality; names
    sorted inside a tier).

    >>> induced_ordering(["a", "b", "c"], [2, 1, 2])
    (('b',), ('a', 'c'))
    """
    levels = sorted(set(values))
    return tuple(tuple(sorted(n for n, v in zip(names, values) if v == level)) for level in levels)


def weak_orderings(names: Sequence[str]) -> list[Ordering]:
    """Every weak ordering of ``names`` (the ordered set partitions: 13 for 3 names, 75 for 4).

    >>> len(weak_orderings(["a", "b", "c"])), len(weak_orderings(["a", "b", "c", "d"]))
    (13, 75)
    """
    names = tuple(sorted(names))
    if not names:
        return [()]
    out = []
    for size in range(1, len(names) + 1):
        for first in itertools.combinations(names, size):
            rest = [n for n in names if n not in first]
            out.extend((first,) + tail for tail in weak_orderings(rest))
    return out


def _rational(x: Any) -> sympy.Rational:
    x = Fraction(x)
    return sympy.Rational(x.numerator, x.denominator)


def _constraints(occupancies: dict[str, Sequence[Any]], tiers: Ordering) -> tuple[list, list]:
    """Rows of "J rises by at least 1" between consecutive tiers and "J equal" inside a tier."""
    rises, equal = [], []
    for low, high in zip(tiers, tiers[1:]):
        rises.append([Fraction(a) - Fraction(b) for a, b in zip(occupancies[low[0]], occupancies[high[0]])])
    for tier in tiers:
        for other in tier[1:]:
            equal.append([Fraction(a) - Fraction(b) for a, b in zip(occupancies[other], occupancies[tier[0]])])
    return rises, equal


def _strict_solution(rows: list[list[Fraction]]) -> list[Fraction] | None:
    """A rational y with ``row . y > 0`` for every row, or None when there is none: exact
    Fourier-Motzkin elimination (a positive combination of strict inequalities is strict; a
    row that becomes 0 > 0 means infeasible), then back-substitution, each variable taking the
    midpoint of its open interval (or a bound plus 1, or 0)."""
    width = len(rows[0]) if rows else 0
    stages = [rows]
    for j in range(width):
        current = stages[-1]
        if any(all(c == 0 for c in row[j:]) for row in current):
            return None
        pos = [r for r in current if r[j] > 0]
        neg = [r for r in current if r[j] < 0]
        keep = [r for r in current if r[j] == 0]
        keep += [[p[i] * -n[j] + n[i] * p[j] for i in range(width)] for p in pos for n in neg]
        stages.append(keep)
    if stages[-1]:
        return None
    y = [Fraction(0)] * width
    for j in reversed(range(width)):
        lower, upper = [], []
        for row in stages[j]:
            if row[j] == 0:  # carried to stage j + 1, already satisfied by y[j + 1:]
                continue
            rest = sum((row[i] * y[i] for i in range(j + 1, width)), Fraction(0))
            (lower if row[j] > 0 else upper).append(-rest / row[j])
        low, high = (max(lower) if lower else None), (min(upper) if upper else None)
        if low is not None and high is not None:
            y[j] = (low + high) / 2
        elif low is not None or high is not None:
            y[j] = low + 1 if low is not None else high - 1
    return y


def _nullspace(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    """A basis of {x : row . x = 0 for every row}, exactly (sympy's rational row reduction)."""
    if not rows:
        return [[Fraction(int(i == k)) for i in range(width)] for k in range(width)]
    basis = sympy.Matrix([[_rational(x) for x in row] for row in rows]).nullspace()
    return [[Fraction(int(v.p), int(v.q)) for v in vec] for vec in basis]


def representing_reward(occupancies: dict[str, Sequence[Any]], tiers: Ordering) -> list[Fraction] | None:
    """An exact reward vector (one entry per state-action pair) whose returns
    :math:`J(\\pi) = \\langle F(\\pi), R \\rangle` induce exactly the weak ordering ``tiers``, or
    None when no reward represents it.

    ``occupancies`` maps each policy's name to its flattened occupancy measure F(π). The
    equalities inside each tier are solved exactly (R = N y over a rational basis N of their
    null space); the strict rises between consecutive tiers are decided by exact
    Fourier-Motzkin elimination. The reward is re-evaluated exactly and must induce the
    ordering (else RuntimeError: a bug, never a verdict).

    >>> occ = {"a": [1, 0], "b": [0, 1]}
    >>> representing_reward(occ, (("b",), ("a",))), representing_reward(occ, (("a", "b"),))
    ([Fraction(1, 1), Fraction(0, 1)], [Fraction(0, 1), Fraction(0, 1)])
    """
    width = len(next(iter(occupancies.values())))
    rises, equal = _constraints(occupancies, tiers)
    basis = _nullspace(equal, width)
    # rise rows are F_low - F_high; the rise F_high - F_low must be > 0
    reduced = [[-sum((row[i] * vec[i] for i in range(width)), Fraction(0)) for vec in basis] for row in rises]
    if not basis:
        y: list[Fraction] | None = [] if not rises else None
    else:
        y = _strict_solution(reduced) if reduced else [Fraction(0)] * len(basis)
    if y is None:
        return None
    reward = [sum((y[k] * vec[i] for k, vec in enumerate(basis)), Fraction(0)) for i in range(width)]
    names = list(occupancies)
    values = [sum((Fraction(f) * r for f, r in zip(occupancies[n], reward)), Fraction(0)) for n in names]
    if induced_ordering(names, values) != tuple(tuple(sorted(t)) for t in tiers):
        raise RuntimeError(f"the reward {reward} found does not represent {ordering_text(tiers)}")
    return reward


def representable_float(occupancies: dict[str, Sequence[Any]], tiers: Ordering) -> bool:
    """The same feasibility question in float64 through scipy's HiGHS (a second method)."""
    width = len(next(iter(occupancies.values())))
    rises, equal = _constraints(occupancies, tiers)
    if not rises:
        return True
    result = float_linprog(
        np.zeros(width),
        A_ub=np.array(rises, dtype=float), b_ub=-np.ones(len(rises)),
        A_eq=np.array(equal, dtype=float) if equal else None, b_eq=np.zeros(len(equal)) if equal else None,
        bounds=[(None, None)] * width, method="highs",
    )
    return result.status == 0


def coarsenings(tiers: Ordering) -> list[Ordering]:
    """The weak orderings obtained by merging runs of consecutive tiers, with at least two tiers
    left and at least one merge: the orderings of the *non-trivial* simplifications of
    ``tiers`` (Definition 2 keeps J2 non-decreasing along J1's tiers and collapses one at least).

    >>> [ordering_text(o) for o in coarsenings((("a",), ("b",), ("c",)))]
    ['a = b < c', 'a < b = c']
    """
    out = []
    m = len(tiers)
    for cuts in itertools.product((False, True), repeat=m - 1):  # True: keep the boundary
        if all(cuts) or not any(cuts):
            continue
        merged, current = [], list(tiers[0])
        for keep, tier in zip(cuts, tiers[1:]):
            if keep:
                merged.append(tuple(sorted(current)))
                current = list(tier)
            else:
                current.extend(tier)
        merged.append(tuple(sorted(current)))
        out.append(tuple(merged))
    return out


def has_nontrivial_simplification(occupancies: dict[str, Sequence[Any]], tiers: Ordering,
                                  cache: dict | None = None) -> bool:
    """Whether some non-trivial reward is a simplification of a reward inducing ``tiers``: some
    :func:`coarsenings` of it is representable (exactly, :func:`representing_reward`)."""
    cache = {} if cache is None else cache
    for coarse in coarsenings(tiers):
        if coarse not in cache:
            cache[coarse] = representing_reward(occupancies, coarse) is not None
        if cache[coarse]:
            return True
    return False


def _rank(vectors: Sequence[Sequence[Any]]) -> int:
    rows = [[_rational(x) for x in v] for v in vectors]
    return sympy.Matrix(rows).rank() if rows else 0


def theorem3_condition(occupancies: dict[str, Sequence[Any]], tiers: Ordering, affine: bool = False) -> bool:
    """Theorem 3's test of whether R1 (inducing ``tiers``) has a non-trivial simplification:
    dim(Z_1 ∪ ... ∪ Z_m) <= dim(F(Π)) - 2 with Z_i = F(E_i) - F(π_i) and dim the number of
    linearly independent vectors (as printed). With ``affine=True``, dim(F(Π)) is read as the
    dimension of F(Π)'s affine hull (the rank of F(π) - F(π_0)): deconfuse's corrected reading.

    >>> occ = {"a": [1, 0], "b": [0, 1]}
    >>> theorem3_condition(occ, (("a",), ("b",))), theorem3_condition(occ, (("a",), ("b",)), affine=True)
    (True, False)
    """
    z = [[Fraction(x) - Fraction(y) for x, y in zip(occupancies[n], occupancies[tier[0]])]
         for tier in tiers for n in tier[1:]]
    points = list(occupancies.values())
    if affine:
        dim_f = _rank([[Fraction(x) - Fraction(y) for x, y in zip(p, points[0])] for p in points[1:]])
    else:
        dim_f = _rank(points)
    return _rank(z) <= dim_f - 2


# -- policies ----------------------------------------------------------------------------------


def policy_name(pi: Policy) -> str:
    """The paper's name of a deterministic policy: ``pi01`` (two-state MDP: action 0 in state 0,
    1 in state 1) or the cleaned rooms ``101`` (cleaning robot)."""
    labels = "".join(pi.action_labels())
    return labels if len(pi.states) == 1 else "pi" + labels


def grid_policies(mdp: FiniteMDP, denominator: int) -> list[Policy]:
    """Every stationary policy whose probabilities are multiples of ``1/denominator``: a finite
    subset of the stochastic policies (any hack found on it is a hack on all of them).

    >>> len(grid_policies(skalse_two_state(), 2)), len(grid_policies(cleaning_robot(), 2))
    (9, 36)
    """
    rows = [c for c in itertools.product(range(denominator + 1), repeat=mdp.A) if sum(c) == denominator]
    out = []
    for choice in itertools.product(rows, repeat=mdp.S):
        probs = [[Fraction(k, denominator) for k in row] for row in choice]
        out.append(Policy(probs, mdp.states, mdp.actions))
    return out


def _occupancies(mdp: FiniteMDP) -> dict[str, list[Fraction]]:
    return {policy_name(pi): list(occupancy(mdp, pi).flat) for pi in deterministic_policies(mdp)}


def _returns(mdp: FiniteMDP, reward: Any, pis: Sequence[Policy]) -> dict[str, Fraction]:
    _, values = policy_returns(mdp, [reward], pis)
    return {policy_name(pi): v[0] for pi, v in zip(pis, values)}


def _verdict(mdp: FiniteMDP, r1: Any, r2: Any, policies: Sequence[Policy] | None = None) -> str:
    """A pair's verdict in the paper's words: hackable / equivalent / trivial / unhackable."""
    if hackable(mdp, r1, r2, policies) is not None:
        return "hackable"
    if trivial(mdp, r1, policies) or trivial(mdp, r2, policies):
        return "unhackable (trivial)"
    return "unhackable (equivalent)" if equivalent(mdp, r1, r2, policies) else "unhackable, not equivalent"


def _word(verdict: str) -> str:
    return "hackable" if verdict == "hackable" else "unhackable"


# -- the cleaning robot (section 2, appendix D.2) ----------------------------------------------


def _vec(values: Sequence[Any]) -> str:
    return "[" + ", ".join(str(Fraction(v)) for v in values) + "]"


def _pair_text(mdp: FiniteMDP, arms: Sequence[str]) -> str:
    j = {name: policy_returns(mdp, [name], [Policy.deterministic(mdp, [a]) for a in arms])[1] for name in ("proxy", "true")}
    return ", ".join(f"{a}: J_proxy = {j['proxy'][k][0]}, J_true = {j['true'][k][0]}" for k, a in enumerate(arms))


def _robot_rows(denominator: int) -> list[Comparison]:
    rows = []
    m = cleaning_robot(true=(1, 2, 3), proxy=(1, 2, 3))
    rows.append(Comparison.exact("r = [1, 2, 3]: J(clean attic and kitchen)", Fraction(4),
                                 m.rewards["true"][0, m.action_index("101")], note="section 2"))
    cases = [((1, 1, 1), (1, 1, 0), "unhackable", "section 2, Figure 1 (b)"),
             ((1, 1, 1), (1, 0, 0), "hackable", "section 2, Figure 1 (a)"),
             ((1, Fraction(3, 2), 2), (1, 1, 1), "unhackable", "section 2, overlooking fine details"),
             ((1, Fraction(3, 2), 3), (1, 1, 1), "hackable", "section 2")]
    for true, proxy, paper, note in cases:
        m = cleaning_robot(true=true, proxy=proxy)
        verdict = _verdict(m, "true", "proxy")
        rows.append(Comparison.exact(f"true {_vec(true)}, proxy {_vec(proxy)}: on the 8 deterministic policies",
                                     paper, _word(verdict), note=f"{note}; ours in full: {verdict}"))
    m = cleaning_robot(true=(1, 1, 1), proxy=(1, 0, 0))
    rows.append(Comparison.exact("true [1, 1, 1], proxy [1, 0, 0]: the paper's hack", "100: J_proxy = 1, J_true = 1, "
                                 "011: J_proxy = 0, J_true = 2", _pair_text(m, ["100", "011"]), note="section 2"))
    m = cleaning_robot(true=(1, Fraction(3, 2), 3), proxy=(1, 1, 1))
    rows.append(Comparison.exact("true [1, 3/2, 3], proxy [1, 1, 1]: the paper's hack", "110: J_proxy = 2, J_true = 5/2, "
                                 "001: J_proxy = 1, J_true = 3", _pair_text(m, ["110", "001"]), note="section 2"))
    for true, proxy in (((1, 1, 1), (1, 1, 0)), ((1, Fraction(3, 2), 2), (1, 1, 1))):
        m = cleaning_robot(true=true, proxy=proxy)
        found = hackable(m, "true", "proxy", grid_policies(m, denominator)) is not None
        rows.append(Comparison.exact(
            f"true {_vec(true)}, proxy {_vec(proxy)}: hackable on the stochastic policies", True, found,
            note=f"Corollary 1 (non-trivial, not equivalent); ours: a witness among the mixtures in steps of 1/{denominator}"))
    m = cleaning_robot(true=(1, 2, 4), proxy=(0, 2, 4))
    pis, values = policy_returns(m, ["true", "proxy"])
    collapsed = sorted(f"{policy_name(p)} = {policy_name(q)}" for (p, (a1, a2)), (q, (b1, b2))
                       in itertools.combinations(zip(pis, values), 2) if a2 == b2 and a1 != b1)
    rows.append(Comparison.exact("true [1, 2, 4], attic ignored [0, 2, 4]: a simplification", True,
                                 simplifies(m, "true", "proxy") is not None, note="appendix D.2.2 (true values assumed)"))
    rows.append(Comparison.exact("... the pairs it sets equal", "000 = 100; 001 = 101; 010 = 110; 011 = 111",
                                 "; ".join(collapsed), note="appendix D.2.2: all pairs differing only in the attic"))
    return rows


# -- the two-state MDP (section 5.2, appendix D.1) ---------------------------------------------


def _flip(tiers: Ordering) -> bool:
    """Whether pi11 is strictly below pi00 (the symmetry appendix D.1 breaks by pi00 < pi11)."""
    level = {n: k for k, tier in enumerate(tiers) for n in tier}
    return level["pi11"] < level["pi00"]


def _orderings_experiment(occ: dict[str, list[Fraction]]) -> dict[str, Any]:
    """Every weak ordering of the deterministic policies: representable or not (exact
    Fourier-Motzkin, with the float LP as a second method), and for each representable one the brute-force answer and
    Theorem 3's (as printed and affine) to "has a non-trivial simplification"."""
    cache: dict[Ordering, bool] = {}
    disagreements = []
    for tiers in weak_orderings(list(occ)):
        cache[tiers] = representing_reward(occ, tiers) is not None
        if cache[tiers] != representable_float(occ, tiers):
            disagreements.append(ordering_text(tiers))
    representable = [t for t, ok in cache.items() if ok]
    brute = {t: has_nontrivial_simplification(occ, t, cache) for t in representable}
    printed = sum(theorem3_condition(occ, t) == brute[t] for t in representable)
    affine = sum(theorem3_condition(occ, t, affine=True) == brute[t] for t in representable)
    return {"cache": cache, "representable": representable, "brute": brute, "printed": printed,
            "affine": affine, "float_disagreements": disagreements}


def _equatable_pairs(occ: dict[str, list[Fraction]], tiers: Ordering, cache: dict) -> int:
    """How many adjacent pairs of a strict ordering can be set equal by a non-trivial reward."""
    count = 0
    for k in range(len(tiers) - 1):
        merged = tiers[:k] + (tuple(sorted(tiers[k] + tiers[k + 1])),) + tiers[k + 2:]
        count += cache.get(merged, False)
    return count


def _theorem2_partners(mdp: FiniteMDP, occ: dict[str, list[Fraction]], representable: list[Ordering]) -> int:
    """How many non-trivial representable orderings have a non-trivial partner that is
    unhackable and not equivalent (Theorem 2), the pairs judged by :func:`hackable` and
    :func:`equivalent` on rewards that represent them."""
    rewards = {t: representing_reward(occ, t) for t in representable if len(t) > 1}
    shape = (mdp.S, mdp.A)
    found = 0
    for t1, r1 in rewards.items():
        a1 = np.array(r1, dtype=object).reshape(shape)
        for t2, r2 in rewards.items():
            a2 = np.array(r2, dtype=object).reshape(shape)
            if t1 != t2 and hackable(mdp, a1, a2) is None and not equivalent(mdp, a1, a2):
                found += 1
                break
    return found


def _two_state_rows(denominator: int) -> tuple[list[Comparison], dict[str, Any]]:
    m = skalse_two_state()
    occ = _occupancies(m)
    ex = _orderings_experiment(occ)
    cache, representable = ex["cache"], ex["representable"]
    strict = [t for t in representable if len(t) == 4]
    ties = [t for t in representable if len(t) < 4]
    rows = [
        Comparison.exact("two-state: representable strict orderings of the 4 deterministic policies", "12 of 24",
                         f"{len(strict)} of 24", note="section 5.2; ours: exact Fourier-Motzkin, the float LP (HiGHS) agrees on "
                         f"{75 - len(ex['float_disagreements'])} of 75 weak orderings"),
        Comparison.exact("... those with pi00 < pi11", "; ".join(sorted(PAPER_STRICT)),
                         "; ".join(sorted(ordering_text(t) for t in strict if not _flip(t))), note="appendix D.1"),
        Comparison.exact("... the representable orderings with ties (pi11 not below pi00)", "; ".join(sorted(PAPER_SIMPLIFIED)),
                         "; ".join(sorted(ordering_text(t) for t in ties if not _flip(t))), note="appendix D.1"),
        Comparison.exact("... pairs each strict ordering can set equal (non-trivially)", "2 in each of 12",
                         "; ".join(f"{c} in each of {n}" for c, n in sorted(
                             _count(_equatable_pairs(occ, t, cache) for t in strict).items())), note="section 5.2"),
        Comparison.exact("... setting three policies equal forces the fourth", True,
                         not any(len(tier) == 3 for t in representable for tier in t), note="section 5.2, appendix D.1"),
    ]
    pis = deterministic_policies(m)
    rows.append(Comparison.exact("R = [[0, 3], [2, 1]] represents", "pi00 = pi01 < pi11 < pi10",
                                 ordering_text(induced_ordering(*zip(*_returns(m, "proxy", pis).items()))), note="section 5.2"))
    rows.append(Comparison.exact("a non-trivial simplification of pi00 < pi01 < pi11 < pi10 with pi01 = pi11", False,
                                 cache[(("pi00",), ("pi01", "pi11"), ("pi10",))], note="section 5.2: 'there is no reward function'"))
    rows.append(Comparison.exact("R = [[0, 3], [2, 1]] is a simplification of a reward for pi00 < pi01 < pi11 < pi10", True,
                                 simplifies(m, "true", "proxy") is not None,
                                 note="section 5.2; the reward [[0, 3], [1, 1]] for the strict ordering is assumed"))
    rows.append(Comparison.exact("... the pair: on deterministic policies / on stochastic ones", "unhackable / hackable",
                                 f"{_word(_verdict(m, 'true', 'proxy'))} / "
                                 f"{_word(_verdict(m, 'true', 'proxy', grid_policies(m, denominator)))}",
                                 note=f"Definition 2 implies unhackable; Theorem 1; ours: stochastic grid in steps of 1/{denominator}"))
    nontrivial = [t for t in representable if len(t) > 1]
    rows.append(Comparison.exact("Theorem 2: orderings with a non-trivial unhackable, non-equivalent partner",
                                 f"{len(nontrivial)} of {len(nontrivial)}",
                                 f"{_theorem2_partners(m, occ, representable)} of {len(nontrivial)}", note="section 5.2"))
    rows.append(Comparison.exact("Theorem 3 (as printed) decides 'R has a non-trivial simplification'",
                                 f"{len(representable)} of {len(representable)}", f"{ex['printed']} of {len(representable)}",
                                 note="section 5.2; wrong on the orderings with one tie; with dim F(Π) read as the "
                                 f"affine dimension it agrees on {ex['affine']} of {len(representable)}"))
    two = {n: occ[n] for n in ("pi00", "pi10")}
    rows.append(Comparison.exact("Corollary 3 on Π = {pi00, pi10}, R = [[0, 3], [1, 1]] (J = 1/2, 4): a non-trivial "
                                 "simplification exists", True, has_nontrivial_simplification(two, (("pi00",), ("pi10",))),
                                 note="section 5.2; on two policies a simplification equates both: trivial"))
    return rows, _two_state_figure_data(m, denominator)


def _count(values: Any) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _two_state_figure_data(m: FiniteMDP, denominator: int) -> dict[str, Any]:
    pis = deterministic_policies(m)
    _, det = policy_returns(m, ["true", "proxy"], pis)
    grid = grid_policies(m, denominator)
    _, sto = policy_returns(m, ["true", "proxy"], grid)
    witness = hackable(m, "true", "proxy", grid)
    _, wit = policy_returns(m, ["true", "proxy"], list(witness)) if witness else (None, [])
    return {
        "axes": ["J_1 (true, [[0, 3], [1, 1]])", "J_2 (proxy, [[0, 3], [2, 1]])"],
        "deterministic": {"labels": [policy_name(p) for p in pis], "true": [float(v[0]) for v in det],
                          "proxy": [float(v[1]) for v in det]},
        "stochastic": {"true": [float(v[0]) for v in sto], "proxy": [float(v[1]) for v in sto]},
        "witness": {"true": [float(v[0]) for v in wit], "proxy": [float(v[1]) for v in wit]},
        "denominator": denominator,
    }


# -- three policies (appendices E and F) and random MDPs (the full run) -------------------------


def _three_arm_rows() -> list[Comparison]:
    """Appendix F: the simplification diagram over three policies a, b, c (a 3-armed bandit,
    every ordering representable) is a subgraph of the unhackability diagram (appendix E)."""
    orderings = weak_orderings(["a", "b", "c"])
    rewards = {t: [[next(k for k, tier in enumerate(t) if arm in tier) for arm in "abc"]] for t in orderings}
    m = FiniteMDP(states=["s"], actions=["a", "b", "c"], transitions=[[[1], [1], [1]]],
                  rewards={"r": [[0, 0, 0]]}, initial=[1], horizon=1)
    unhackable, simplification = set(), set()
    for t1, t2 in itertools.permutations(orderings, 2):
        r1, r2 = np.array(rewards[t1], dtype=object), np.array(rewards[t2], dtype=object)
        if hackable(m, r1, r2) is None:
            unhackable.add(frozenset((t1, t2)))
        if simplifies(m, r1, r2) is not None:
            simplification.add((t1, t2))
    subgraph = all(frozenset(edge) in unhackable for edge in simplification)
    return [Comparison.claim(
        "the simplification diagram of three policies is a subgraph of the unhackability diagram", subgraph,
        f"{len(simplification)} simplification arrows, {len(unhackable)} unhackable pairs of the 13 orderings",
        note="appendices E and F (Figures 9, 10; their edge counts are only drawn, not transcribed)")]


def _random_theorem3(seeds: int) -> Comparison:
    """Theorem 3 as printed against the exact enumeration on random 2-state 2-action MDPs."""
    agree = affine = total = 0
    for seed in range(seeds):
        m = random_mdp(S=2, A=2, seed=seed, discount=Fraction(1, 2))
        occ = _occupancies(m)
        if len({tuple(v) for v in occ.values()}) < 4:
            continue
        ex = _orderings_experiment(occ)
        agree += ex["printed"]
        affine += ex["affine"]
        total += len(ex["representable"])
    return Comparison.exact(f"Theorem 3 (as printed) on {seeds} random 2-state MDPs: orderings decided right",
                            f"{total} of {total}", f"{agree} of {total}",
                            note=f"section 5.2; full run only; with the affine dimension: {affine} of {total}")


def run(quick: bool = True) -> Outcome:
    """The experiment: every verdict on the two examples, the orderings of the two-state MDP,
    Theorems 1-3 and Corollary 3 on them (quick: stochastic grids in steps of 1/2 and 1/4; full:
    1/4 and 1/8, and Theorem 3 on 20 random two-state MDPs)."""
    robot, two = (2, 4) if quick else (4, 8)
    rows = _robot_rows(robot)
    two_rows, data = _two_state_rows(two)
    rows += two_rows + _three_arm_rows()
    if not quick:
        rows.append(_random_theorem3(20))
    return Outcome(
        name="skalse", comparisons=tuple(rows), data=data, quick=quick,
        assumed=("the two-state true reward [[0, 3], [1, 1]] (the paper names the ordering pi00 < pi01 < pi11 < pi10 "
                 "but gives no reward for it)",
                 "the cleaning robot's true room rewards [1, 2, 4] for the appendix D.2.2 simplification (the paper "
                 "uses generic values)",
                 f"the grids of stochastic policies searched for a hack: steps of 1/{robot} (robot) and 1/{two} "
                 "(two-state); a witness on a grid is a witness on all stationary policies"))


def figure(outcome: Outcome, ax: Any) -> None:
    """The two-state MDP's policies in the (J_1, J_2) plane: the four deterministic ones
    (labelled; unhackable: no pair is ordered oppositely), the stochastic grid, and the pair of
    stochastic policies that hacks (J_1 rises while J_2 falls)."""
    data = outcome.data
    sto, det, wit = data["stochastic"], data["deterministic"], data["witness"]
    ax.scatter(sto["true"], sto["proxy"], s=10, color="0.7", label=f"stochastic (steps of 1/{data['denominator']})")
    ax.scatter(det["true"], det["proxy"], s=40, color="C0", zorder=3, label="deterministic")
    for label, x, y in zip(det["labels"], det["true"], det["proxy"]):
        ax.annotate(label, (x, y), textcoords="offset points", xytext=(5, -10))
    if wit["true"]:
        ax.plot(wit["true"], wit["proxy"], color="C3", marker="o", zorder=4,
                label="hack: J_1(pi) < J_1(pi'), J_2(pi) > J_2(pi')")
    ax.set_xlabel(data["axes"][0])
    ax.set_ylabel(data["axes"][1])
    ax.set_title("Skalse et al. 2022: two-state MDP, gamma = 1/2")
    ax.legend(loc="upper left", fontsize="small")


REPRODUCTION = Reproduction(
    name="skalse",
    paper="Skalse, Howe, Krasheninnikov & Krueger 2022, \"Defining and Characterizing Reward Hacking\", NeurIPS 2022",
    claim="The verdicts on the cleaning robot (section 2, appendix D.2) and the two-state MDP (section 5.2, appendix "
          "D.1: 12 of 24 orderings representable, their simplifications); Theorems 1-3 and Corollary 3 on them",
    experiment="Exact returns of every deterministic policy (and grids of stochastic ones) of the two examples; "
               "hackable / trivial / equivalent / simplifies (Definitions 1, 2) decided exactly; every weak ordering "
               "of the two-state MDP's policies tested for a representing reward by exact Fourier-Motzkin elimination "
               "(HiGHS as a second method); Theorem 3's condition compared with that enumeration.",
    run=run,
    expect="differs",
    full_time="11 s",
    figure=figure,
)
