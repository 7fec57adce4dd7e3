"""Mutation testing of the theory core and the conjecture engine: a table of hand-written mutants,
applied one at a time.

Each mutant is a plausible bug in one module (a unique source snippet, its replacement and a
one-line description). For each mutant the harness patches a *temporary copy* of this checkout
(the working tree is never touched), runs the tests that cover the module (``pytest -x -q -p
no:cacheprovider`` on the module's test files and its own doctests, Hypothesis seeded with 0
and given a fresh example database, so a run is deterministic), and records the outcome:

- ``killed``: the tests failed (or did not collect: a mutant that breaks the import is killed);
- ``timeout``: the tests ran past the time limit (5 x the CPU time of the unmutated run, at
  least 60 s of CPU time; CPU time, so that other jobs on the machine do not cause timeouts);
  a timeout counts as **killed** (the bug made the code loop or crawl);
- ``survived``: the tests passed.

A mutant may carry ``equivalent``: the argument that it cannot change any output (or, for some,
only the last bit of a float result). A surviving equivalent mutant is left out of the score,
``killed / (mutants - surviving equivalents)``; ``killed / all`` counts it as a survivor. An
equivalent mutant that is killed is reported (its argument is then wrong) and counted as killed.

Modules: theory/solvers.py, theory/evaluation.py, theory/selection.py, agents/soft.py,
theory/goodhart.py, theory/metrics.py, environments/shifts.py, the sparse core (theory/sparse.py, the
action-set checks of theory/validation/arrays.py and theory/policy.py, theory/linalg.py), and the conjecture engine behind
the facade property_tests/engine.py: property_tests/checking.py (verdicts), declare.py
(declarations, claim), counterexamples.py (saved files, replay), reduction.py (minimal
counterexamples), enumeration.py and exhaustive.py (exhaustive checks); issue 14's amortised
agents: agents/generalising.py (softmax-linear, knn), agents/qlearning.py, the teacher pieces of
agents/training.py and reports/amortised.py. A SUITES entry may be a pytest node id
(``file::test[param]``) to run one test of a large file.

Run from the repository root; not part of the test suite, not run in CI::

    python bench/mutation.py                       # every mutant, the current tests
    python bench/mutation.py --compare-tests REV   # also against the test files of git REV
    python bench/mutation.py --module selection --only selection-07
    python bench/mutation.py --list                # the table, checked, nothing run

``--compare-tests REV`` runs every mutant twice, once with the test files as they are and once
with those of revision REV (the modules under test are the same), and prints both outcomes:
the score before and after a change to the tests, measured in one run.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPIED = ("theory", "environments", "agents", "property_tests", "reports", "deconfuse", "tests",
          "conftest.py", "pyproject.toml", "README.md")

#: The tests that cover each module (its doctests are added to the run).
SUITES: dict[str, tuple[str, ...]] = {
    "theory/solvers.py": ("tests/test_theory_values.py", "tests/test_theory_properties.py", "tests/test_validation.py",
                          "tests/test_sparse.py"),
    "theory/evaluation.py": ("tests/test_theory_values.py", "tests/test_theory_properties.py"),
    "theory/selection.py": ("tests/test_selection.py", "tests/test_best_of_n.py", "tests/test_quantilisers.py"),
    "agents/soft.py": ("tests/test_soft.py",),
    "theory/goodhart.py": ("tests/test_goodhart.py",),
    "theory/metrics.py": ("tests/test_theory_values.py", "tests/test_agents_common.py"),
    "environments/shifts.py": ("tests/test_errors_shifts.py",),
    "theory/sparse.py": ("tests/test_sparse.py", "tests/test_theory_values.py", "tests/test_validation.py"),
    "theory/validation/arrays.py": ("tests/test_sparse.py", "tests/test_validation.py"),
    "theory/policy.py": ("tests/test_sparse.py", "tests/test_theory_values.py"),
    "theory/linalg.py": ("tests/test_sparse.py", "tests/test_theory_values.py"),
    "property_tests/checking.py": ("tests/test_verdicts.py",),
    "property_tests/declare.py": ("tests/test_verdicts.py",),
    "property_tests/counterexamples.py": ("tests/test_verdicts.py",),
    "property_tests/reduction.py": ("tests/test_reduction.py",),
    "property_tests/enumeration.py": ("tests/test_exhaustive.py",),
    "property_tests/exhaustive.py": ("tests/test_exhaustive.py",),
    "agents/generalising.py": ("tests/test_generalising.py", "tests/test_teachers.py", "tests/test_spectrum.py"),
    "agents/qlearning.py": ("tests/test_qlearning.py", "tests/test_teachers.py",
                            "tests/test_suite.py::test_theorem_holds[q_learning_limit_is_the_argmax]"),
    "agents/training.py": ("tests/test_teachers.py", "tests/test_amortised.py", "tests/test_generalising.py"),
    "reports/amortised.py": ("tests/test_amortised_report.py",),
}


@dataclasses.dataclass(frozen=True)
class Mutant:
    id: str
    module: str
    find: str
    replace: str
    bug: str
    equivalent: str = ""


def _table(module: str, prefix: str, rows: list[tuple]) -> list[Mutant]:
    return [Mutant(f"{prefix}-{k:02d}", module, *row) for k, row in enumerate(rows, 1)]


SOLVERS = _table("theory/solvers.py", "solvers", [
    ("            if np.all(counts == 1):", "            if np.all(counts >= 1):",
     "float argmax: the one-action-per-row shortcut taken when rows have ties (== 1 written >= 1)"),
    ("zip([0] + ends[:-1], ends)", "zip([0] + ends[1:], ends)",
     "float argmax: row slices start one row late (off-by-one in the cumulative counts)"),
    ("        if exact or not math.isfinite(best):", "        if not exact:",
     "argmax loop: exact and float branches swapped (exact Q-values tied within a tolerance)"),
    ("        if not exact and any(x != x for x in row):", "        if False:",
     "argmax loop: a NaN row is not refused (its argmax is silently empty)"),
    ('    r = float_rewards(mdp, reward, "backward_induction")', '    r = mdp.reward(reward) if isinstance(reward, str) else float_rewards(mdp, reward, "backward_induction")',
     "backward induction: a named float reward is not checked for overflow (values up to H max|r| become inf)"),
    ("            tol = FLOAT_TOLERANCE * max(1.0, abs(best))\n", "            tol = FLOAT_TOLERANCE\n",
     "argmax loop (non-finite float rows): tolerance not scaled by the row's magnitude"),
    ("                first = mask.argmax(axis=1)", "                first = q_values.argmax(axis=1)",
     "float 'first' tie rule takes the float argmax, not the first action within the tolerance"),
    ("1.0 / mask.sum(axis=1)[:, None]", "1.0 / mask.sum(axis=0)[:, None]",
     "float uniform tie rule divides by the per-action count (wrong axis)"),
    ("        chosen = best if tie == \"uniform\" else best[:1]",
     "        chosen = best if tie == \"uniform\" else best[-1:]",
     "exact 'first' tie rule keeps the last action of the argmax set"),
    ("        w = Fraction(1, len(chosen)) if exact else 1.0 / len(chosen)",
     "        w = Fraction(1, len(best)) if exact else 1.0 / len(best)",
     "greedy weight 1/|argmax set| even under the 'first' rule (row not renormalised)"),
    ("    tol = FLOAT_TOLERANCE * np.maximum(1.0, np.abs(best))",
     "    tol = FLOAT_TOLERANCE * np.abs(best)",
     "float argmax tolerance without the floor 1 (Q-values near 0 never tie)"),
    ("    mask = q_values >= (best - tol)[:, None]", "    mask = q_values > (best - tol)[:, None]",
     "float argmax: a gap of exactly the tolerance is not a tie (>= written >)"),
    ("        best = max(np.flatnonzero(enabled[s]).tolist(), key=lambda a: (row[a], -a))",
     "        best = max(np.flatnonzero(enabled[s]).tolist(), key=lambda a: (row[a], a))",
     "exact improvement step switches to the last maximal action, not the first"),
    ("        if row[best] > current + margin:", "        if row[best] >= current + margin:",
     "exact improvement step switches on a tie (> written >=): policy iteration never stops"),
    ("    switch = np.flatnonzero(q_values[rows, best] > current + margin)",
     "    switch = np.flatnonzero(q_values[rows, best] > current)",
     "float improvement step without the tolerance margin"),
    ("    margin = FLOAT_TOLERANCE * np.maximum(1.0, np.abs(current))",
     "    margin = np.sqrt(FLOAT_TOLERANCE) * np.maximum(1.0, np.abs(current))",
     "float improvement margin scaled wrongly (sqrt of the tolerance, 3e-5)"),
    ("    margin = FLOAT_TOLERANCE * np.maximum(1.0, np.abs(current))",
     "    margin = FLOAT_TOLERANCE * np.abs(current)",
     "float improvement margin without the floor 1 (near 0 every rounding wobble switches)"),
    ("        choice = [max(mdp.enabled_actions(s), key=lambda a: (r[s, a], -a)) for s in range(S)]",
     "        choice = [mdp.enabled_actions(s)[0] for s in range(S)]",
     "exact policy iteration starts from action 0 instead of the immediate argmax"),
    ("    iterations = 0\n    v = None\n    while True:\n        iterations += 1\n        pi = Policy",
     "    iterations = 1\n    v = None\n    while True:\n        iterations += 1\n        pi = Policy",
     "policy iteration counts one iteration too many"),
    ("        q_values = r + mdp.discount * expected_next(mdp, v)\n",
     "        q_values = mdp.discount * (r + expected_next(mdp, v))\n",
     "policy iteration discounts the immediate reward too"),
    ("    for t in range(H - 1, -1, -1):", "    for t in range(H - 1, 0, -1):",
     "backward induction stops before t = 0 (off-by-one in the horizon loop)"),
    ("        q_values[t] = r + expected_next(mdp, v[t + 1])", "        q_values[t] = r + expected_next(mdp, v[t])",
     "backward induction backs Q_t up from v_t instead of v_{t+1}"),
    ("        argmax=tuple(reversed(argmax)),", "        argmax=tuple(argmax),",
     "backward induction lists the argmax sets from t = H-1 down (not reversed)"),
    ("        probs[t] = greedy_policy(q_values[t], exact, tie, mdp.enabled)",
     "        probs[t] = greedy_policy(q_values[t], exact, enabled=mdp.enabled)",
     "backward induction does not pass the tie rule on"),
    ("    v = np.zeros(S)\n    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else np.inf",
     "    v = np.zeros(S)\n    threshold = tolerance * (1 - gamma) if gamma > 0 else np.inf",
     "value iteration stopping threshold without the 1/gamma factor"),
    ("    bound = gamma * delta / (1 - gamma)\n", "    bound = delta / (1 - gamma)\n",
     "value iteration error bound without the gamma factor"),
    ("        v = v_new\n        if gamma == 0 or delta < threshold:",
     "        v = v_new\n        if gamma == 0 or delta <= threshold:",
     "value iteration stops at a step exactly equal to the threshold (< written <=)"),
    ("        if iterations >= max_iterations:", "        if iterations > max_iterations:",
     "value iteration's iteration cap off by one"),
    ("    q_values = r + gamma * (P @ v).reshape(S, A)\n    bound", "    bound",
     "value iteration returns the Q-values of the previous sweep (not recomputed from the final v)"),
    ("        delta = float(np.max(np.abs(v_new - v)))", "        delta = float(np.max(v_new - v))",
     "value iteration measures the signed change, not its absolute value"),
])

EVALUATION = _table("theory/evaluation.py", "evaluation", [
    ("        r_pi = (pi * r).sum(axis=1)", "        r_pi = (pi * r).sum(axis=0)",
     "r_pi summed over states instead of actions (wrong axis)"),
    ("    for t in range(H - 1, -1, -1):", "    for t in range(H - 1, 0, -1):",
     "finite-horizon values: the loop stops before t = 0"),
    ("        v[t] = (policy.at(t) * q).sum(axis=1)", "        v[t] = (policy.at(0) * q).sum(axis=1)",
     "finite-horizon values read a time-dependent policy at step 0 only"),
    ("        return r + mdp.discount * expected_next(mdp, v)", "        return r + expected_next(mdp, v)",
     "discounted Q-values without the discount"),
    ("        out[t] = r + expected_next(mdp, v[t + 1])", "        out[t] = r + expected_next(mdp, v[t])",
     "finite-horizon Q_t from v_t instead of v_{t+1}"),
    ("    for t in range(H):\n        out[t]", "    for t in range(H - 1):\n        out[t]",
     "finite-horizon Q-values: the last step left unset (off-by-one)"),
    ("    v0 = v if mdp.horizon is None else v[0]", "    v0 = v if mdp.horizon is None else v[-1]",
     "finite-horizon return read at t = H (always 0) instead of t = 0"),
    ("    total = (mdp.initial * v0).sum()", "    total = v0.sum() / len(v0)",
     "expected return averages the states instead of weighting by the initial distribution"),
    ("        return solve_discounted_transpose(mdp, policy.probs, mdp.initial)",
     "        return solve_discounted(mdp, policy.probs, mdp.initial)",
     "discounted occupancy solves (I - gP) d = mu, not the transposed system"),
    ("    for t in range(mdp.horizon):\n        d = d + p\n", "    for t in range(mdp.horizon - 1):\n        d = d + p\n",
     "finite-horizon state occupancy sums H - 1 steps"),
    ("        d = d + p\n        p = next_state_distribution(mdp, policy.at(t), p)",
     "        p = next_state_distribution(mdp, policy.at(t), p)\n        d = d + p",
     "finite-horizon state occupancy counts steps 1..H instead of 0..H-1"),
    ("        d = d + p\n        p = next_state_distribution(mdp, policy.at(t), p)",
     "        d = d + p\n        p = next_state_distribution(mdp, policy.at(0), p)",
     "finite-horizon state occupancy moves with the step-0 policy at every step"),
    ("        return d * (1 - mdp.discount)", "        return d / (1 - mdp.discount)",
     "normalised occupancy divides by 1 - discount instead of multiplying"),
    ("    return d / (Fraction(mdp.horizon) if mdp.exact else float(mdp.horizon))",
     "    return d / (Fraction(mdp.horizon + 1) if mdp.exact else float(mdp.horizon + 1))",
     "normalised finite-horizon occupancy divided by H + 1 (value layers) instead of H"),
    ("    if mdp.horizon is None or policy.stationary:", "    if mdp.horizon is None:",
     "occupancy of a stationary policy on a horizon takes the per-step loop",
     "for a stationary policy policy.at(t) is policy.probs at every t, so the loop adds "
     "p_t[:, None] * probs over t < H with p_t moved by the same kernel as in state_occupancy: "
     "sum_t (p_t[s] probs[s, a]) = (sum_t p_t[s]) probs[s, a] by distributivity, the same "
     "Fraction on exact input; on float input the same real number, possibly rounded "
     "differently in the last bit (no specification fixes the rounding)"),
    ("        d = d + p[:, None] * policy.at(t)\n        p = next_state_distribution(mdp, policy.at(t), p)",
     "        p = next_state_distribution(mdp, policy.at(t), p)\n        d = d + p[:, None] * policy.at(t)",
     "time-dependent occupancy counts steps 1..H instead of 0..H-1"),
    ("    return state_action_flow(mdp, p[:, None] * pi)", "    return state_action_flow(mdp, p[None, :] * pi)",
     "next-state distribution broadcasts p along the action axis (wrong axis)"),
    ("np.einsum(\"sa,sat->t\", weights, mdp.transitions)", "np.einsum(\"sa,sat->s\", weights, mdp.transitions)",
     "float flow sums over the wrong index (outflow per source state)"),
    ("    for t in range(mdp.horizon):\n        pi = policy.at(t)", "    for t in range(mdp.horizon - 1):\n        pi = policy.at(t)",
     "return distribution stops one step early"),
    ("                    nxt[(j, acc2)] += w * pa * p", "                    nxt[(j, acc2)] += w * p",
     "return distribution forgets the action probability"),
    ("        law[acc if joint else acc[0]] += w", "        law[acc[0]] += w",
     "joint return law keyed by the first reward only"),
    ("                for j, p in mdp.successors[s][a]:", "                for j, p in mdp.successors[s][0]:",
     "return distribution follows the first action's successors whatever the action"),
    ("    if arr.shape != (mdp.S, mdp.A):", "    if arr.shape != (mdp.A, mdp.S):",
     "reward array shape checked as (A, S)"),
    ("        if mdp.initial[s] != 0:\n            layer", "        if True:\n            layer",
     "return distribution seeds states of initial mass 0",
     "a seeded state has weight 0, and every entry it spawns has weight 0 * pa * p = 0 (exact "
     "0, or float 0.0); the law adds these zeros to keys and the final filter drops every key "
     "of total 0, while a key that has positive mass gets the same sum plus zeros: the same "
     "dict on exact input; on float input zero entries can create keys earlier and so change "
     "the order of later float additions, the same real numbers possibly rounded differently "
     "in the last bit"),
    ("    return {k: law[k] for k in sorted(law) if law[k] != 0}", "    return {k: law[k] for k in law if law[k] != 0}",
     "return distribution keys not sorted"),
])

SELECTION = _table("theory/selection.py", "selection", [
    ("    order = sorted(range(len(u)), key=lambda i: u[i], reverse=True)",
     "    order = sorted(range(len(u)), key=lambda i: u[i])",
     "levels sorted ascending: the worst level first"),
    ("s[j] >= top - FLOAT_TOLERANCE * max(1.0, abs(top))", "s[j] >= top - FLOAT_TOLERANCE * abs(top)",
     "float level tolerance without the floor 1 (utilities near 0 never tie)"),
    ("s[j] >= top - FLOAT_TOLERANCE * max(1.0, abs(top))", "s[j] > top - FLOAT_TOLERANCE * max(1.0, abs(top))",
     "float levels: a gap of exactly the tolerance is not a tie (>= written >)"),
    ("            top = s[level_start[j - 1]]\n", "            top = s[j - 1]\n",
     "float levels chain: each tie measured from the previous member, not the level's top"),
    ("    exact = u.dtype == object and not any(isinstance(x, float) for x in u.tolist())",
     "    exact = u.dtype == object",
     "Python floats in an object array compared exactly"),
    ("    return [sorted(level) for level in out]", "    return out",
     "indices within a level not sorted"),
    ("(level if tie == \"first\" else level[::-1])", "(level[::-1] if tie == \"first\" else level)",
     "'first' and 'last' tie rules swapped"),
    ("        if above + mass < qq:", "        if above + mass <= qq:",
     "quantiliser: a group that exactly fills q handled as 'above' rather than as the boundary",
     "when above + mass == q the boundary share is (q - above) / (q mass) = 1/q, so out[i] = "
     "p[i]/q either way; the loop then meets only groups with above = q, whose share is "
     "(q - q)/(q mass) = 0 (or zero-mass groups, 0), and the out array starts at 0: the same "
     "exact result (for floats the same real number, rounded through p[i]/q instead of "
     "p[i] * ((q - above)/(q mass)))"),
    ("        if above + mass < qq:", "        if above < qq:",
     "quantiliser boundary test forgets the group's own mass"),
    ("            share = (qq - above) / (qq * mass)", "            share = (qq - above) / mass",
     "quantiliser boundary share missing the 1/q factor"),
    ("                out[i] = p[i] / qq", "                out[i] = p[i]",
     "quantiliser mass above the boundary missing the 1/q factor"),
    ("            above += mass", "            above = mass",
     "quantiliser mass above the boundary overwritten instead of accumulated"),
    ("        if mass == 0:\n            continue\n        if above", "        if above",
     "quantiliser does not skip groups of zero base mass",
     "a zero-mass group has above + 0 < q (above < q holds until the boundary returns), so it "
     "takes the 'above' branch and gets p[i]/q = 0 for each of its outcomes: the value it "
     "already has; above is unchanged"),
    ("    groups = ranked_groups(u, tie)\n", "    groups = ranked_groups(u)\n",
     "quantiliser ignores the tie rule"),
    ("        for (i,) in reversed(ranked_groups(u, tie)):", "        for (i,) in ranked_groups(u, tie):",
     "best-of-n accumulates the CDF from the best outcome down"),
    ("            out[i] = upto**n - below**n\n            below = upto\n", "            out[i] = upto**n - below**n\n",
     "best-of-n: the strict CDF is not advanced"),
    ("            out[i] = level_prob * p[i] / mass if mass != 0 else zero",
     "            out[i] = level_prob / len(level) if mass != 0 else zero",
     "best-of-n tie level split evenly, not in proportion to the base"),
    ("    n: int,\n    tie: TieRule = \"last\",\n) -> np.ndarray:\n    r\"\"\"Exact pmf", "    n: int,\n    tie: TieRule = \"first\",\n) -> np.ndarray:\n    r\"\"\"Exact pmf",
     "best-of-n default tie rule 'first' instead of 'last'"),
    ("    if tie != \"uniform\":\n        for (i,)", "    if tie == \"last\":\n        for (i,)",
     "best-of-n 'first' falls into the uniform branch"),
    ("math.log(n) - (n - 1) / n)", "math.log(n) - (n - 1) // n)",
     "KL bound float value uses integer division"),
    ("        total += level_prob * (below + (half * mass if ties == \"half\" else zero))",
     "        total += level_prob * (upto + (half * mass if ties == \"half\" else zero))",
     "win rate counts the winner's own level as beaten"),
    ("        total += level_prob * (below + (half * mass if ties == \"half\" else zero))",
     "        total += level_prob * (below + (half * mass if ties == \"strict\" else zero))",
     "win rate tie conventions swapped"),
    ("    for level in reversed(levels(u)):  # ascending\n        mass = sum((p[i] for i in level), zero)\n"
     "        upto = below + mass\n        level_prob = upto**n - below**n\n        total",
     "    for level in levels(u):  # ascending\n        mass = sum((p[i] for i in level), zero)\n"
     "        upto = below + mass\n        level_prob = upto**n - below**n\n        total",
     "win rate walks the levels from the best down"),
    ("    if any(pi != 0 and qi == 0 for pi, qi in zip(P, Q)):", "    if any(qi != 0 and pi == 0 for pi, qi in zip(P, Q)):",
     "KL infinite-support check in the reverse direction"),
    ("sympy.log(sympy.Rational(pi / qi))", "sympy.log(sympy.Rational(qi / pi))",
     "exact KL terms log(base/p): direction reversed"),
    ("np.log(Pf[mask] / Qf[mask])", "np.log(Qf[mask] / Pf[mask])",
     "float KL terms log(base/p): direction reversed"),
    ("            if pi != 0\n        ]", "            if qi != 0\n        ]",
     "exact KL: the 0 log 0 filter tests the base instead of p"),
    ("        if qi == 0:\n            return math.inf", "        if qi == 0:\n            continue",
     "kl skips terms where q = 0 instead of returning infinity"),
    ("        terms.append(float(pi) * math.log(pi / qi))", "        terms.append(float(pi) * math.log(qi / pi))",
     "kl terms log(q/p): direction reversed"),
    ("            expr = (_expr(acc) + (sym - _expr(cum)) * _expr(mean)) / sym",
     "            expr = _expr(acc) + (sym - _expr(cum)) * _expr(mean)",
     "quantiliser closed form not divided by q"),
    ("        acc_p += mass * mean_p", "        acc_p += mean_p",
     "quantiliser closed form accumulates proxy means without their mass"),
    ("((acc_p, mean_p, proxy_pieces), (acc_t, mean_t, true_pieces))",
     "((acc_p, mean_p, true_pieces), (acc_t, mean_t, proxy_pieces))",
     "quantiliser closed form: proxy and true pieces swapped"),
    ("    groups = [g for g in ranked_groups(up, tie) if", "    groups = [g for g in ranked_groups(ut, tie) if",
     "quantiliser closed form ranks by the true utility instead of the proxy"),
    ("        if best_v is None or v >= best_v:", "        if best_v is None or v > best_v:",
     "peak_q returns the smallest maximiser, not the largest"),
    ("    for k in r.true.knots[1:]:", "    for k in r.true.knots:",
     "peak_q evaluates the knot q = 0 too"),
    ("            coef = means[which - 1] - nxt[which - 1]", "            coef = nxt[which - 1] - means[which - 1]",
     "best-of-n closed form: sign of the summation-by-parts coefficient"),
    ("        terms = [_expr(stats[-1][which])]", "        terms = [_expr(stats[0][which])]",
     "best-of-n closed form starts from the worst group's mean"),
    ("        if mass == 0:\n            continue\n        cum += mass", "        cum += mass",
     "best-of-n closed form does not skip groups of zero base mass"),
    ("            if x <= parse_number(self.knots[k + 1]):", "            if x < parse_number(self.knots[k + 1]):",
     "piecewise function: a knot belongs to the next piece (<= written <)"),
    ("        if not lo < x <= hi:", "        if not lo <= x <= hi:",
     "piecewise function accepts the open end of its domain"),
    ("    groups = list(reversed(ranked_groups(up, tie)))  # ascending", "    groups = list(ranked_groups(up, tie))  # ascending",
     "best-of-n closed form walks the groups from the best down"),
])

SOFT = _table("agents/soft.py", "soft", [
    ("        return (p0 * np.where(support, q_values, 0.0)).sum(axis=-1), p0.copy()",
     "        return q_values.mean(axis=-1), p0.copy()",
     "beta = 0 limit: the unweighted mean of Q instead of E_prior[Q]"),
    ("        qmax = np.where(support, q_values, -np.inf).max(axis=-1, keepdims=True)",
     "        qmax = q_values.max(axis=-1, keepdims=True)",
     "stabilising max taken over actions outside the prior's support"),
    ("        z = np.where(support, beta * (q_values - qmax), -np.inf)",
     "        z = np.where(support, q_values - qmax, -np.inf)",
     "beta missing from the exponent"),
    ("        weights = np.where(support, p0 * np.exp(z), 0.0)", "        weights = np.where(support, np.exp(z), 0.0)",
     "prior dropped from the soft policy's weights"),
    ("        log_total = np.where(total > 0.5, np.log1p(near_one), np.log(total))", "        log_total = np.log(total)",
     "log1p branch dropped: small beta loses its digits"),
    ("        near_one = np.where(support, p0 * np.expm1(z), 0.0)", "        near_one = np.where(support, np.expm1(z), 0.0)",
     "prior dropped from the near-one (log1p) sum"),
    ("    values = (qmax + log_total / beta)[..., 0]", "    values = (qmax + log_total * beta)[..., 0]",
     "soft value multiplies by beta instead of dividing (temperature for inverse temperature)"),
    ("    return values, weights / total", "    return values, weights",
     "soft policy not renormalised"),
    ("        for t in range(H - 1, -1, -1):", "        for t in range(H - 1, 0, -1):",
     "finite-horizon soft recursion stops before t = 0"),
    ("            v[t], probs[t] = soft_backup(q_values[t], priors[t], beta)",
     "            v[t], probs[t] = soft_backup(q_values[t], priors[H - 1 - t], beta)",
     "time-dependent prior read in reverse time order"),
    ("    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else math.inf",
     "    threshold = tolerance * (1 - gamma) if gamma > 0 else math.inf",
     "soft value iteration stopping threshold without the 1/gamma factor"),
    ("    bound = gamma * delta / (1 - gamma)\n", "    bound = delta / (1 - gamma)\n",
     "soft value iteration error bound without the gamma factor"),
    ("        if gamma == 0 or delta < threshold:", "        if gamma == 0 or delta <= threshold:",
     "soft value iteration stops at a change exactly equal to the threshold (< written <=)"),
    ("        delta = float(np.max(np.abs(v_new - v)))", "        delta = float(np.max(v_new - v))",
     "soft value iteration measures the signed change, not its absolute value"),
    ("        return np.full((mdp.S, mdp.A), 1.0 / mdp.A)", "        return np.full((mdp.S, mdp.A), 1.0 / mdp.S)",
     "uniform prior 1/S instead of 1/A"),
    ("    if check_beta(beta) == 0:", "    if check_beta(beta) < 0:",
     "beta = 0 not short-circuited to the base policy"),
    ("    cost = add_costs(base_cost, Cost(decision=planning_cost(mdp, sol.iterations)))",
     "    cost = Cost(decision=planning_cost(mdp, sol.iterations))",
     "the base agent's cost dropped"),
    ("        q_values = r + gamma * (flat @ v).reshape(S, A)", "        q_values = r + gamma * gamma * (flat @ v).reshape(S, A)",
     "discount applied twice in the soft backup"),
    ("            q_values[t] = r + P @ v[t + 1]", "            q_values[t] = r + P @ v[t]",
     "finite-horizon soft Q_t from V_t instead of V_{t+1}"),
])

GOODHART = _table("theory/goodhart.py", "goodhart", [
    ("    return float(b) - float(a) > tol * max(1.0, abs(float(a)), abs(float(b)))",
     "    return float(b) - float(a) >= tol * max(1.0, abs(float(a)), abs(float(b)))",
     "float 'a < b' holds for equal numbers at tolerance 0 (> written >=)"),
    ("    return float(b) - float(a) > tol * max(1.0, abs(float(a)), abs(float(b)))",
     "    return float(b) - float(a) > tol * max(abs(float(a)), abs(float(b)))",
     "float comparison tolerance without the floor 1 (returns near 0 never tie)"),
    ("        return a < b\n", "        return a <= b\n",
     "exact 'a < b' written a <= b"),
    ("    if not isinstance(a, float) and not isinstance(b, float):", "    if not isinstance(a, float) or not isinstance(b, float):",
     "an exact number against a float compared exactly (and written or)"),
    ("    for j in range(1, len(t) - 1):", "    for j in range(1, len(t)):",
     "Goodhart witness scan includes the final point as the peak",
     "at j = n - 1 the test needs _less(last, t[n-1]) = _less(x, x), false for every tolerance "
     ">= 0 (exact: x < x; float: 0 > tol * max(1, |x|) is false), so that step never returns; "
     "the update of the running minimum after it is never read"),
    ("        if t[j] < t[lowest]:", "        if t[j] <= t[lowest]:",
     "Goodhart witness keeps the last minimiser, not the first"),
    ("        if _less(t[lowest], t[j], tol) and _less(last, t[j], tol):",
     "        if _less(t[lowest], t[j], tol) and _less(t[j], last, tol):",
     "Goodhart witness requires the final point above the peak (comparison reversed)"),
    ("        if _less(t[lowest], t[j], tol) and _less(last, t[j], tol):",
     "        if _less(t[0], t[j], tol) and _less(last, t[j], tol):",
     "Goodhart rise measured from the first point only"),
    ("    drop = max(curve.true) - curve.true[-1]", "    drop = max(curve.true) - min(curve.true)",
     "drop height measures the range of the curve, not the loss to its final point"),
    ("    if _same(low, high, tol):", "    if low == high:",
     "zero true-return range detected exactly, not within the float tolerance"),
    ("        if _less(high, x, tol):", "        if _less(x, high, tol):",
     "drop height refuses values below true_max instead of above"),
    ("    return float(drop) / (float(high) - float(low))", "    return float(drop) / float(high)",
     "float drop height normalised by true_max instead of the range"),
    ("        return Fraction(drop) / (Fraction(high) - Fraction(low))", "        return Fraction(drop) / (Fraction(high) + Fraction(low))",
     "exact drop height range with a sign error"),
    ("    exact = curve.exact and not isinstance(low, float) and not isinstance(high, float)",
     "    exact = curve.exact",
     "drop height exact although a bound is a float"),
    ("    low = -optimal_return(mdp, -r)", "    low = optimal_return(mdp, -r)",
     "true_return_range minimum missing the outer minus sign"),
    ("            if best is None or j2[order[p]] > j2[best]:", "            if best is None or j2[order[p]] < j2[best]:",
     "hackable scan keeps the smallest J2 below, not the largest"),
    ("        if best is not None and _less(j2[k], j2[best], tol):", "        if best is not None and _less(j2[best], j2[k], tol):",
     "hackable witness test reversed"),
    ("    order = sorted(range(len(pis)), key=lambda k: (j1[k], k))", "    order = sorted(range(len(pis)), key=lambda k: (-j1[k], k))",
     "hackable scan sorts by decreasing J1"),
    ("        if _less(a1, b1, tol) != _less(a2, b2, tol) or _less(b2, a2, tol):",
     "        if _less(a1, b1, tol) != _less(a2, b2, tol):",
     "equivalent misses pairs tied in J1 (within the tolerance) but reversed in J2"),
    ("    return not js or _same(min(js), max(js), tol)", "    return not js or min(js) == max(js)",
     "trivial compares float returns without the tolerance"),
    ("            if not p[i] > p[i - 1]:", "            if p[i] < p[i - 1]:",
     "curve accepts two equal pressures"),
    ("    i = curve.true.index(best)", "    i = len(curve.true) - 1 - curve.true[::-1].index(best)",
     "peak returns the last maximum, not the first"),
    ("        while p < len(order) and _less(j1[order[p]], j1[k], tol):",
     "        while p < len(order) and not _less(j1[k], j1[order[p]], tol):",
     "hackable counts policies of equal J1 as below the current one"),
    ("    rows.sort(key=lambda row: (row[0], row[1]))", "    rows.sort(key=lambda row: row[1])",
     "goodhart_curve keeps the input order instead of sorting by pressure"),
])

METRICS = _table("theory/metrics.py", "metrics", [
    ("    total = (mdp.initial * sol.initial_values).sum()", "    total = sol.initial_values.max()",
     "optimal return is the best state's value, not weighted by the initial distribution"),
    ("    total = (mdp.initial * sol.initial_values).sum()", "    total = (mdp.initial * sol.values).sum()",
     "optimal return sums every step's values of a finite horizon (values for initial_values)"),
    ("    sol = solve(mdp, reward)", "    sol = solve(mdp, \"true\")",
     "optimal return ignores its reward argument"),
    ("    return optimal_return(mdp, reward) - expected_return(mdp, policy, reward)",
     "    return expected_return(mdp, policy, reward) - optimal_return(mdp, reward)",
     "regret with the sign reversed"),
    ("def regret(mdp: FiniteMDP, policy: Policy, reward: Reward = \"true\")",
     "def regret(mdp: FiniteMDP, policy: Policy, reward: Reward = \"proxy\")",
     "regret measured under the proxy by default"),
    ("    return expected_return(mdp, policy, proxy) - expected_return(mdp, policy, true)",
     "    return expected_return(mdp, policy, true) - expected_return(mdp, policy, proxy)",
     "proxy-true gap with proxy and true swapped"),
    ("    return [kl(p, q) for p, q in zip(policy.at(t), base.at(t))]", "    return [kl(q, p) for p, q in zip(policy.at(t), base.at(t))]",
     "per-state KL direction reversed (KL(base || policy))"),
    ("    return [kl(p, q) for p, q in zip(policy.at(t), base.at(t))]", "    return [kl(p, q) for p, q in zip(policy.at(t), base.at(0))]",
     "per-state KL reads a time-dependent base at step 0"),
    ("    if policy.states != base.states or policy.actions != base.actions:",
     "    if policy.states != base.states and policy.actions != base.actions:",
     "label check passes when only the actions differ (or written and)"),
    ("        d = state_occupancy(mdp, policy)", "        d = state_occupancy(mdp, base)",
     "discounted trajectory KL weighted by the base's occupancy, not the policy's"),
    ("        p = next_state_distribution(mdp, policy.at(t), p)", "        p = next_state_distribution(mdp, base.at(t), p)",
     "finite-horizon trajectory KL moves states with the base policy"),
    ("    for t in range(mdp.horizon):\n        total +=", "    for t in range(mdp.horizon - 1):\n        total +=",
     "finite-horizon trajectory KL stops one step early"),
    ("zip(p, state_kl(policy, base, t)) if w != 0)", "zip(p, state_kl(policy, base)) if w != 0)",
     "finite-horizon trajectory KL ignores the time index"),
    ("zip(d, state_kl(policy, base)) if w != 0))", "zip(d, state_kl(policy, base))))",
     "discounted trajectory KL counts unreached states (0 * inf = nan)"),
    ("zip(p, state_kl(policy, base, t)) if w != 0)", "zip(p, state_kl(policy, base, t)))",
     "finite-horizon trajectory KL counts unreached states (0 * inf = nan)"),
    ("        return float(sum(float(w) * k for w, k in", "        return float(sum(float(w) * (1 - float(mdp.discount)) * k for w, k in",
     "discounted trajectory KL weighted by the normalised occupancy"),
    ("    policy.check_fits(mdp)\n    base.check_fits(mdp)\n", "    policy.check_fits(mdp)\n",
     "trajectory KL does not check that the base fits the MDP"),
])

SHIFTS = _table("environments/shifts.py", "shifts", [
    ("    return (1 - m) * x + m * y", "    return (1 - m) * y + m * x",
     "mixture weights swapped (m = 0 gives the target)"),
    ("    return (1 - m) * x + m * y", "    return (1 - m) * x + y",
     "mixture missing the factor m on the target"),
    ("            if not isinstance(label, str) or label not in mdp.states:", "            if not isinstance(label, str):",
     "target mapping: an unknown state label not refused"),
    ("    check_distribution_rows(nu, \"target\", (mdp.states,), InvalidArgument)\n", "",
     "target initial distribution not validated"),
    ("    return mdp.replace(initial=_mix(mdp.initial, nu, m))", "    return mdp.replace(initial=_mix(nu, mdp.initial, m))",
     "initial shift mixes in the wrong direction"),
    ("        if other.exact != mdp.exact:\n            raise InvalidArgument(f\"other is {_kind_name(other)} but mdp is {_kind_name(mdp)}\")\n",
     "",
     "dynamics shift does not refuse an MDP of the other kind"),
    ("        if other.states != mdp.states or other.actions != mdp.actions:",
     "        if other.states != mdp.states and other.actions != mdp.actions:",
     "dynamics shift accepts an MDP whose actions alone differ (or written and)"),
    ("    return mdp.replace(transitions=_mix(mdp.transitions, kernel, m))",
     "    return mdp.replace(transitions=_mix(kernel, mdp.transitions, m))",
     "dynamics shift mixes in the wrong direction"),
    ("        check_distribution_rows(kernel, \"other\", labels, InvalidArgument)\n", "",
     "the other kernel's rows not validated"),
    ("    if not train.exact:\n        m = float(m)  # type: ignore[assignment]\n", "",
     "layout shift of float MDPs mixes with an exact m"),
    ("        rewards={k: _mix(v, test.rewards[k], m) for k, v in train.rewards.items()},", "        rewards=train.rewards,",
     "layout shift keeps the training rewards"),
    ("        initial=_mix(train.initial, test.initial, m),", "        initial=train.initial,",
     "layout shift keeps the training initial distribution"),
    ("\"states\", \"actions\", \"exact\", \"discount\", \"horizon\",", "\"states\", \"actions\", \"exact\", \"horizon\",",
     "layout shift does not check that the discounts agree"),
    ("    rewards[reward] = _mix(mdp.rewards[reward], mdp.rewards[target], m)",
     "    rewards[reward] = _mix(mdp.rewards[target], mdp.rewards[reward], m)",
     "reward shift mixes in the wrong direction"),
    ("    mdp: FiniteMDP, m: Fraction, target: str = \"true\", reward: str = \"proxy\"",
     "    mdp: FiniteMDP, m: Fraction, target: str = \"proxy\", reward: str = \"true\"",
     "reward shift defaults swapped (moves the true reward)"),
    ("    return value if mdp.exact else float(value)", "    return value",
     "magnitude kept exact on a float MDP"),
    ("        transitions=_mix(train.transitions, test.transitions, m),", "        transitions=_mix(train.transitions, test.transitions, 1 - m),",
     "layout shift mixes the kernel with 1 - m"),
    ("    m = check_probability(m, \"m\", exact=True)\n    if isinstance(layouts, str):",
     "    m = check_probability(m, \"m\", exact=False)\n    if isinstance(layouts, str):",
     "layout magnitude read as a float (inexact mixture of exact layouts)"),
])

# -- the conjecture engine (property_tests) ------------------------------------------------------

CHECKING = _table("property_tests/checking.py", "checking", [
    ("        return self.verdict == self.conjecture.expect", "        return self.verdict != self.conjecture.expect",
     "matches inverted: a verdict is 'ok' exactly when it is not the expected one"),
    ("    if isinstance(exc, ClaimError):\n        return str(exc)\n", "",
     "an error of the claim's protocol is reported as 'ClaimError: ...'"),
    ("    first = str(exc).splitlines()[0] if str(exc) else \"\"", "    first = str(exc)",
     "an error verdict keeps every line of a multi-line exception message"),
    ("    return f\"{type(exc).__name__}: {first}\"", "    return first",
     "an error verdict's message omits the exception type"),
    ("    return (\"holds\", {}, \"\") if ok else (\"refuted\", dict(numbers), \"\")",
     "    return (\"holds\", {}, \"\") if ok else (\"refuted\", {}, \"\")",
     "a refutation loses the numbers that broke the claim"),
    ("    return Verdict(conj, verdict, 1, dict(arguments), numbers, error, seed)  # type: ignore[arg-type]",
     "    return Verdict(conj, verdict, 1, dict(arguments), numbers, error)  # type: ignore[arg-type]",
     "evaluate (a replay) drops the seed it was given"),
    ("    n = conj.examples if examples is None else check_positive_int(examples, \"examples\")",
     "    n = conj.examples if examples is None else check_int(examples, \"examples\", 0)",
     "examples = 0 accepted (a check of no example 'holds')"),
    ("        if verdict != \"holds\":\n            state.update(", "        if verdict == \"refuted\":\n            state.update(",
     "an error of the claim is not a failing example: it is ignored and the claim 'holds'"),
    ("        return _reduced(conj, found) if reduce and found.verdict == \"refuted\" else found",
     "        return _reduced(conj, found) if found.verdict == \"refuted\" else found",
     "reduce=False ignored: the counterexample is reduced anyway"),
    ("error=f\"drawing the arguments failed: {_error_text(exc)}\"", "error=_error_text(exc)",
     "a strategy that fails is reported like an error of the claim (no 'drawing the arguments failed')"),
    ("        state[\"count\"] += 1\n", "",
     "the examples run are not counted (a verdict says 0 examples)"),
    ("        phases=(Phase.explicit, Phase.generate, Phase.shrink),",
     "        phases=(Phase.explicit, Phase.generate),",
     "Hypothesis does not shrink: the counterexample is the first failing draw"),
    ("        max_examples=n,", "        max_examples=conj.examples,",
     "the examples argument is ignored (the declared count is run)"),
    ("    run = hypothesis_seed(seed)(run)\n", "",
     "the seed is ignored: every check runs Hypothesis's default (or a global) seed"),
    ("                                      strategies=conj.strategies, ordered=conj.ordered)",
     "                                      strategies=conj.strategies, ordered=())",
     "the reduction does not keep ordered groups increasing (a counterexample may contradict its statement)"),
    ("    return dataclasses.replace(verdict, counterexample=dict(reduction.arguments), numbers=numbers,",
     "    return dataclasses.replace(verdict, counterexample=dict(reduction.arguments), numbers=verdict.numbers,",
     "a reduced counterexample carries the numbers of the unreduced one"),
    ("        arguments = conj.arrange(drawn)", "        arguments = dict(drawn)",
     "ordered groups not arranged: drawn values used in any order"),
])

DECLARE = _table("property_tests/declare.py", "declare", [
    ("    if not isinstance(condition, (bool, np.bool_)):", "    if not isinstance(condition, bool):",
     "claim refuses numpy bools"),
    ("    if not condition:\n        raise Refuted(numbers)", "    if condition is False:\n        raise Refuted(numbers)",
     "claim of numpy.False_ passes (identity test against False)"),
    ("            code = \"\" if exc.code is None else repr(exc.code)", "            code = repr(exc.code)",
     "sys.exit() reported as sys.exit(None)"),
    ("        except SystemExit as exc:", "        except (SystemExit, KeyboardInterrupt) as exc:",
     "Ctrl-C inside a claim becomes an error verdict instead of stopping the run"),
    ("        if result is None:\n            return True, {}", "        if result is None:\n            return False, {}",
     "a check returning None refutes"),
    ("            return bool(result), {}", "            return True, {}",
     "a check returning False (or numpy.False_) holds"),
    ("        if isinstance(result, (bool, np.bool_)):", "        if isinstance(result, (bool, np.bool_, int)):",
     "an int return value is taken as a bool (0 refutes, 1 holds)"),
    ("        if isinstance(result, (bool, np.bool_)):", "        if isinstance(result, bool):",
     "a numpy bool return value is an error"),
    ("            return False, exc.numbers", "            return False, {}",
     "a failed claim() loses its numbers"),
    ("    kind = cls.__qualname__ if module == \"builtins\" else f\"{module}.{cls.__qualname__}\"",
     "    kind = cls.__qualname__",
     "describe_value omits the module of a non-builtin type (numpy.ndarray shown as ndarray)"),
    ("        return all(arguments[a] < arguments[b] for group in self.ordered for a, b in zip(group, group[1:]))",
     "        return all(arguments[a] <= arguments[b] for group in self.ordered for a, b in zip(group, group[1:]))",
     "in_order accepts a tie"),
    ("            if any(a == b for a, b in zip(values, values[1:])):\n                assume(False)\n", "",
     "arrange does not reject a tie (q1 = q2 passed for 'q1 < q2')"),
    ("            values = sorted(out[name] for name in group)", "            values = sorted((out[name] for name in group), reverse=True)",
     "arrange sorts an ordered group decreasing"),
    ("            examples=200 if examples is None else examples,", "            examples=200,",
     "the declared examples count is ignored"),
    ("    return _decorator(\"theorem\", statement, \"holds\", examples, ordered, strategies)",
     "    return _decorator(\"conjecture\", statement, \"holds\", examples, ordered, strategies)",
     "a theorem is declared with kind 'conjecture'"),
])

COUNTEREXAMPLES = _table("property_tests/counterexamples.py", "counterexamples", [
    ("        \"format\": COUNTEREXAMPLE_FORMAT,", "        \"format\": COUNTEREXAMPLE_FORMATS[0],",
     "a /2 file is written with the /1 format tag"),
    ("        \"seed\": verdict.seed,", "        \"seed\": 0,",
     "the seed is not saved"),
    ("        \"error\": verdict.error,", "        \"error\": \"\",",
     "the message of an error verdict is not saved"),
    ("        return {\"fraction\": str(value)}", "        return float(value)",
     "a Fraction is saved as a float (inexact)"),
    ("        return float(value) if math.isfinite(value) else {\"float\": repr(float(value))}",
     "        return float(value)",
     "a non-finite float is saved as a bare JSON number (the file cannot be written)"),
    ("        return {\"list\" if isinstance(value, list) else \"tuple\": encoded}",
     "        return {\"list\": encoded}",
     "a tuple is saved as a list"),
    ("    return hashlib.sha256(path.read_bytes()).hexdigest()", "    return hashlib.sha1(path.read_bytes()).hexdigest()",
     "the digest of the conjecture file is sha1, not sha256"),
    ("        if self.sha256 and current is not None and _sha256(current) != self.sha256:",
     "        if self.sha256 and current is not None and _sha256(current) == self.sha256:",
     "the changed-file note is given when the file is unchanged (and not when it changed)"),
    ("                candidates = [Path(os.path.normpath(self.path.parent / self.file))] + (\n                    [Path(self.absolute)] if self.absolute else [])",
     "                candidates = ([Path(self.absolute)] if self.absolute else []) + [\n                    Path(os.path.normpath(self.path.parent / self.file))]",
     "the absolute path of the conjecture file is tried before the relative one"),
    ("    relative = Path(os.path.relpath(file, folder.resolve())).as_posix()", "    relative = file.name",
     "the conjecture file is recorded by its name, not its path relative to the parameters file"),
    ("    if verdict == \"error\" and version == 2 and not error:", "    if False:",
     "an error verdict with an empty message accepted"),
    ("    if isinstance(seed, bool) or not isinstance(seed, int):", "    if not isinstance(seed, int):",
     "a boolean seed accepted"),
    ("    reader.fields(doc, \"$\", fields, fields if version == 2 else fields[:3])",
     "    reader.fields(doc, \"$\", fields, fields[:3])",
     "a /2 file missing statement, verdict, error, seed or numbers accepted"),
    ("            out[name] = self.value(entry[\"value\"], f\"{at}.value\") if \"value\" in entry else display",
     "            out[name] = display",
     "the numbers are read back as their display text, not exactly"),
    ("        if isinstance(node, Fraction):  # a JSON number with a point or an exponent: a float\n            try:\n                return float(node)",
     "        if isinstance(node, Fraction):  # a JSON number with a point or an exponent: a float\n            try:\n                return node",
     "a float is read back as a Fraction"),
    ("    if not in_order:\n        groups", "    if False:\n        groups",
     "a saved case that contradicts the statement's order is replayed"),
    ("    return evaluate(conj, saved.args, saved.seed), saved.verdict", "    return evaluate(conj, saved.args), saved.verdict",
     "replay drops the saved seed"),
])

REDUCTION = _table("property_tests/reduction.py", "reduction", [
    ("    for d in range(2, min(x.denominator, 17)):", "    for d in range(3, min(x.denominator, 17)):",
     "simpler_numbers skips the halves (rounding to denominator 2)"),
    ("    return sorted((y for y in pool if simplicity(y) < key), key=lambda y: (simplicity(y), abs(y - x)))",
     "    return sorted((y for y in pool if simplicity(y) <= key), key=lambda y: (simplicity(y), abs(y - x)))",
     "simpler_numbers includes x itself (not strictly simpler: no fixed point)"),
    ("    return sorted((y for y in pool if simplicity(y) < key), key=lambda y: (simplicity(y), abs(y - x)))",
     "    return sorted((y for y in pool if simplicity(y) < key), key=lambda y: (abs(y - x), simplicity(y)))",
     "simpler_numbers nearest first instead of simplest first"),
    ("    order = sorted(range(len(row)), key=lambda i: (-(scaled[i] - units[i]), i))",
     "    order = sorted(range(len(row)), key=lambda i: (scaled[i] - units[i], i))",
     "rounding a row gives the spare units to the smallest remainders"),
    ("        if math.lcm(*(p.denominator for p in c)) < common and c not in out:",
     "        if math.lcm(*(p.denominator for p in c)) <= common and c not in out:",
     "simpler_rows includes rows of the same denominator (not strictly simpler)"),
    ("        steps = mdp.S if mdp.horizon is None else min(mdp.S, mdp.horizon - 1)",
     "        steps = mdp.S if mdp.horizon is None else min(mdp.S, mdp.horizon)",
     "a state first reached at step H (after the horizon) counts as reachable"),
    ("    if len(keep) < first.S:", "    if len(keep) <= first.S:",
     "'drop unreachable states' offered when every state is reachable (a move that changes nothing)"),
    ("    for a in reversed(range(first.A if first.A > 1 else 0)):", "    for a in range(first.A if first.A > 1 else 0):",
     "actions dropped first action first (not last first)"),
    ("        entering = any(m.initial[s] != 0 or bool((m.transitions[keep][:, :, s] != 0).any()) for m in mdps)",
     "        entering = any(bool((m.transitions[keep][:, :, s] != 0).any()) for m in mdps)",
     "a state with initial mass (but no transition into it) dropped without moving its mass"),
    ("        for t in keep:\n", "        for t in reversed(keep):\n",
     "a dropped state's probability moved to the last kept state first"),
    ("        T[:, :, t] = T[:, :, t] + T[:, :, s]", "        T[:, :, t] = T[:, :, s]",
     "moving a dropped state's probability overwrites the target's instead of adding"),
    ("    if not all(m.exact for m in mdps):\n        return\n", "",
     "float MDPs get the 'simpler numbers' move"),
    ("        shared = all(v == values[0] for v in values)", "        shared = True",
     "numbers in which a group's members differ are changed in all of them at once"),
    ("            if kind is int and new.denominator != 1:\n                continue\n", "",
     "an int argument may get a fraction candidate (truncated by int())",
     "for an int x, every number simpler_numbers(x) returns is an integer: the pool holds 0, 1, -1, "
     "floor(x), ceil(x), |x|, the integers +-1..8, the roundings to denominators 2..d-1 for d = "
     "x.denominator = 1 (none), the convergents of x (x itself) and k/x.denominator = k; so the "
     "skipped branch never runs"),
    ("            if simplicity(candidate) >= key or not enum.contains(candidate):",
     "            if not enum.contains(candidate):",
     "a float candidate that is no simpler (0.1 for 0.1) kept: the reduction never ends"),
    ("        return False\n    return result is True", "        return True\n    return result is True",
     "a candidate on which still_fails raises is kept"),
    ("            if not _in_domain(candidate, current, domains):\n                continue\n", "",
     "candidates outside the strategy's domain kept"),
    ("        shown = \"; \".join(moves[:3]) + (f\"; and {len(moves) - 3} more\" if len(moves) > 3 else \"\")",
     "        shown = \"; \".join(moves[:3]) + (f\"; and {len(moves) - 3} more\" if len(moves) >= 3 else \"\")",
     "describe_reduction says 'and 0 more' after exactly three moves"),
    ("        head = f\"reduced in {len(moves)} move{'s' if len(moves) > 1 else ''} ({shown})\"",
     "        head = f\"reduced in {len(moves)} moves ({shown})\"",
     "describe_reduction says '1 moves'"),
])

ENUMERATION = _table("property_tests/enumeration.py", "enumeration", [
    ("{Fraction(k, d) for d in range(1, 5) for k in range(1, d + 1)}", "{Fraction(k, d) for d in range(1, 4) for k in range(1, d + 1)}",
     "Q_GRID without the quarters"),
    ("    return (f.denominator, abs(f.numerator), f < 0)", "    return (f.denominator, abs(f.numerator), f > 0)",
     "simplicity puts negative numbers before positive ones"),
    ("    for k in range(total, -1, -1):", "    for k in range(0, total + 1):",
     "distributions with more mass on later entries first (point mass on the last state first)"),
    ("    return -result if n > 1 else result", "    return result",
     "Moebius function wrong for a last prime factor (counts of distributions wrong)"),
    ("                if upto > below:\n", "                if upto >= below:\n",
     "empty size blocks visited",
     "when upto == below the block adds (upto^(SA) - below^(SA)) * ... = 0 to the count, and "
     "every choice in range(upto)^(SA) has max(choice) < below, so enumerate_mdps skips all of "
     "them: no MDP and no count changes, the same output in the same order"),
    ("        total += (upto ** (S * A) - below ** (S * A)) * per_cell ** (S * A)",
     "        total += upto ** (S * A) * per_cell ** (S * A)",
     "count_mdps counts the MDPs of smaller denominators again in every block"),
    ("    return total * len(space[\"times\"])", "    return total",
     "count_mdps ignores the number of discounts and horizons"),
    ("        initial = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)",
     "        initial = np.array([Fraction(0)] * (S - 1) + [Fraction(1)], dtype=object)",
     "the enumerated MDPs start in the last state"),
    ("        \"times\": [(d, None) for d in sorted(cls.discounts if discounts is None else discounts, key=simplicity)]",
     "        \"times\": [(d, None) for d in sorted(cls.discounts if discounts is None else discounts)]",
     "discounts enumerated by value, not in the simplicity order"),
    ("        \"rewards\": tuple(sorted(cls.rewards if rewards is None else rewards, key=simplicity)),",
     "        \"rewards\": tuple(sorted(cls.rewards if rewards is None else rewards)),",
     "reward values enumerated by value (-1 first), not simplest first"),
    ("        count=lambda cls: sum(b.count(cls) for b in branches),", "        count=lambda cls: max(b.count(cls) for b in branches),",
     "one_of counts its largest branch only"),
    ("        values=lambda cls: heapq.merge(*(b.values(cls) for b in branches), key=_size_key),",
     "        values=lambda cls: itertools.chain(*(b.values(cls) for b in branches)),",
     "one_of enumerates branch after branch, not merged by size"),
    ("        if not (self.states[0] <= mdp.S <= self.states[1] and self.actions[0] <= mdp.A <= self.actions[1]):",
     "        if not (self.states[0] <= mdp.S <= self.states[1]):",
     "an MDP strategy's domain accepts any number of actions"),
    ("        return numbers_ok and _rows_allowed(mdp.transitions, self.dens) and _rows_allowed(mdp.initial, self.dens)",
     "        return numbers_ok and _rows_allowed(mdp.transitions, self.dens)",
     "an MDP strategy's domain does not check the initial distribution's denominator"),
    ("            knobs[\"discounts\"] = tuple(d for d in cls.discounts if listed is None or d in listed)",
     "            knobs[\"discounts\"] = tuple(cls.discounts)",
     "a strategy's enumeration uses the class's discounts even where the strategy cannot draw them"),
])

EXHAUSTIVE = _table("property_tests/exhaustive.py", "exhaustive", [
    ("        if all(n in case for n in group) and not all(case[a] < case[b] for a, b in zip(group, group[1:])):",
     "        if all(n in case for n in group) and not all(case[a] <= case[b] for a, b in zip(group, group[1:])):",
     "ordered cases: a tie kept"),
    ("        case.pop(names[i], None)\n", "",
     "a stale value of a later argument prunes the cases of the next earlier value"),
    ("            new[v] = below * count[v]\n            below += ending[v]",
     "            below += ending[v]\n            new[v] = below * count[v]",
     "count of increasing tuples counts ties (<= instead of <)"),
    ("    ending = {v: counts[0][v] for v in levels}", "    ending = {v: 1 for v in levels if counts[0][v]}",
     "count of increasing tuples ignores repeated values of the first grid"),
    ("        if name not in in_group:\n            total *= enum.count(cls)", "        if name in in_group:\n            total *= enum.count(cls)",
     "count_cases multiplies the counts of the ordered arguments instead of the others"),
    ("    parts += [\" < \".join(g) for g in groups]\n", "",
     "describe_cases omits the ordered groups"),
    ("            where = f\"case {self.cases} of {self.total}\"", "            where = f\"case {self.total} of {self.total}\"",
     "the line names the total instead of the failing case's number"),
    ("                              if not _has_mdp(v))", "                              if _has_mdp(v))",
     "the line shows the MDP arguments and hides the others"),
    ("    if total > max_cases:", "    if total >= max_cases:",
     "a class of exactly max_cases cases refused"),
    ("    step = max(1, total // 100)", "    step = max(1, total // 10)",
     "progress reported every 10% instead of every 1%"),
    ("        if verdict != \"holds\":\n            result = dataclasses.replace(",
     "        if verdict == \"refuted\":\n            result = dataclasses.replace(",
     "an error of the claim is ignored (the exhaustive check 'holds')"),
    ("    result.examples = done\n", "",
     "the number of cases checked is not recorded"),
    ("    if progress is not None:\n        progress(0, total)\n", "",
     "progress not reported before the first case"),
])

SPARSE = _table("theory/sparse.py", "sparse", [
    ("        nonzero = flat != 0  #", "        nonzero = (flat != 0) & (flat == flat)  #",
     "from_dense drops NaN entries (validation never sees them: a NaN row passes as a short row)"),
    ("            products = self.data * np.asarray(v, dtype=object)[self.indices]",
     "            products = self.data * np.asarray(v, dtype=object)[self.row_of_entry // self.A]",
     "exact expected_next weights the source state's value instead of the successor's"),
    ("            _add_by_row(out, self.indices[keep], products[keep])",
     "            _add_by_row(out, self.row_of_entry[keep] // self.A, products[keep])",
     "exact flow credits the source state instead of the successor"),
    ("            return csr_array((weights * self.data, (states, self.indices)), shape=(self.S, self.S))",
     "            return csr_array((weights * self.data, (self.indices, states)), shape=(self.S, self.S))",
     "float kernel transposed"),
    ("            if w != 0:\n", "            if w != 0 and p != 1:\n",
     "exact kernel drops the deterministic entries"),
    ("        return np.diff(self.indptr).reshape(self.S, self.A)", "        return np.diff(self.indptr).reshape(self.A, self.S).T",
     "row lengths read in action-major order (the disabled/missing row checks look at the wrong rows)"),
    ("        out[self.row_of_entry * S + self.indices] = self.data",
     "        out[(self.row_of_entry % A) * S * S // S + self.indices] = self.data",
     "dense view scatters every state's rows into state 0"),
])

SPARSE_CHECKS = _table("theory/validation/arrays.py", "sparse-checks", [
    ("    given = np.argwhere(~enabled & (lengths > 0))", "    given = np.argwhere(~enabled & (lengths > 1))",
     "a one-entry row for a disabled action is accepted"),
    ("    missing = np.argwhere(enabled & (lengths == 0))", "    missing = np.argwhere(enabled & (lengths < 0))",
     "an enabled action without a row is reported as a row summing to 0, not as missing"),
    ("        wrong = np.flatnonzero(enabled.reshape(-1) & (sums != 1))", "        wrong = np.flatnonzero(sums != 1)",
     "exact row sums checked on disabled actions too (every model with a disabled action refused)"),
    ("    empty = np.flatnonzero(~mask.any(axis=1))", "    empty = np.flatnonzero(~mask.all(axis=1))",
     "a state with one disabled action is refused as having none"),
    ("        if arr.min() >= 0 and bool(", "        if bool(",
     "the fast path of dense validation lets negative probabilities through when rows sum to 1"),
])

ACTION_SETS = _table("theory/policy.py", "action-sets", [
    ("        weights = np.array([Fraction(1, int(c)) for c in counts], dtype=object)",
     "        weights = np.array([Fraction(1, A) for c in counts], dtype=object)",
     "exact uniform policy divides by A, not by the number of enabled actions"),
    ("        if not mdp.all_enabled:\n            mass", "        if False:\n            mass",
     "a policy with mass on a disabled action is evaluated"),
    ("        off = np.flatnonzero(~mdp.enabled[np.arange(S), idx])", "        off = np.flatnonzero(mdp.enabled[np.arange(S), idx] & False)",
     "a deterministic choice of a disabled action is accepted"),
])

ENABLED_SOLVERS = _table("theory/solvers.py", "enabled-solvers", [
    ("                best = max(row[a] for a in acts)", "                best = max(row)",
     "exact argmax over a row's disabled entries too (their Q-value r + 0 may be the largest)"),
    ("    return mask if enabled is None else mask & enabled", "    return mask",
     "float argmax mask keeps disabled actions"),
    ("        return _float_row_max(q_values, np.where(enabled, 0.0, -np.inf))", "        return q_values.max(axis=1)",
     "float row maximum over disabled actions too (backward induction, lookahead)"),
    ("    if penalty is not None:\n        q_values = q_values + penalty", "    if False:\n        q_values = q_values + penalty",
     "value iteration backs up disabled actions"),
    ("    for a in range(1, q_values.shape[1]):\n        np.maximum(", "    for a in range(2, q_values.shape[1]):\n        np.maximum(",
     "value iteration's row maximum skips the second action"),
    ("                           gamma * delta / (1 - gamma))", "                           gamma * delta * (1 - gamma))",
     "modified policy iteration reports a bound (1 - gamma)^2 too small"),
    ("            v = r_pi + gamma * (P_pi @ v)", "            v = r_pi + gamma * (P @ v)[::A]",
     "modified policy iteration evaluates action 0 in its partial sweeps instead of the greedy policy"),
])

SPARSE_LINALG = _table("theory/linalg.py", "sparse-linalg", [
    ("        if gamma * residual / (1.0 - gamma) <= ITERATIVE_TOLERANCE * scale:", "        if residual <= 1e-3:",
     "the iterative evaluation stops at a residual of 1e-3, far from its stated bound"),
    ("    K = kernel.T.tocsr() if transpose else kernel", "    K = kernel",
     "the occupancy solve forgets the transpose on the sparse path"),
    ("        return splu((identity(S, format=\"csc\") - gamma * K).tocsc()).solve(b)",
     "        return splu((identity(S, format=\"csc\") - K).tocsc()).solve(b) * (1 - gamma)",
     "sparse LU solves the undiscounted system (scaled)"),
])

# -- issue 14's agents: feature policies, Q-learning, teachers, the amortised report -----------

GENERALISING = _table("agents/generalising.py", "generalising", [
    ("    top = Z.max(axis=1, keepdims=True)", "    top = Z.max(axis=0, keepdims=True)",
     "softmax loss: the log-sum-exp shift taken per action over the examples (wrong axis)"),
    ("    loss = float(weights @ (lse - Z[np.arange(len(y)), y]) + 0.5 * l2 * float(np.sum(W * W)))",
     "    loss = float(weights @ (lse - Z[np.arange(len(y)), y]) + l2 * float(np.sum(W * W)))",
     "softmax loss: penalty l2 |W|^2 without the 1/2 (inconsistent with the gradient l2 W)"),
    ("    return loss, np.concatenate([(G.T @ X + l2 * W).ravel(), G.sum(axis=0)])",
     "    return loss, np.concatenate([(G.T @ X + 2 * l2 * W).ravel(), G.sum(axis=0)])",
     "softmax gradient: the penalty's derivative doubled (2 l2 W)"),
    ("    loss = float(weights @ (lse - Z[np.arange(len(y)), y]) + 0.5 * l2 * float(np.sum(W * W)))\n"
     "    G = expZ / total\n    G[np.arange(len(y)), y] -= 1.0\n    G *= weights[:, None]\n"
     "    return loss, np.concatenate([(G.T @ X + l2 * W).ravel(), G.sum(axis=0)])",
     "    loss = float(weights @ (lse - Z[np.arange(len(y)), y]) + 0.5 * l2 * float(np.sum(theta * theta)))\n"
     "    G = expZ / total\n    G[np.arange(len(y)), y] -= 1.0\n    G *= weights[:, None]\n"
     "    return loss, np.concatenate([(G.T @ X + l2 * W).ravel(), G.sum(axis=0) + l2 * b])",
     "the L2 penalty on the biases too (loss and gradient consistent)"),
    ("    G *= weights[:, None]\n", "",
     "softmax gradient: the example weights dropped (the loss is weighted, the gradient not)"),
    ("    G[np.arange(len(y)), y] -= 1.0", "    G[:, y] -= 1.0",
     "softmax gradient: the one-hot of y subtracted in every row at every label's column"),
    ("    mean = weights @ X\n", "    mean = X.mean(axis=0)\n",
     "standardisation: unweighted mean of the examples instead of the weighted training mean"),
    ("    std = np.sqrt(weights @ (X - mean) ** 2)", "    std = np.sqrt(((X - mean) ** 2).mean(axis=0))",
     "standardisation: unweighted standard deviation"),
    ("    mean = np.where(constant, X[0], mean)", "    mean = np.where(constant, 0.0, mean)",
     "standardisation: a constant column is not centred (mean 0, so it reads as a second bias)"),
    ("    std = np.where(constant | (std == 0), 1.0, std)", "    std = np.where(constant, 1.0, std)",
     "standardisation: the std == 0 guard dropped",
     "with every example weight > 0 (collect never emits a zero weight; fit_softmax normalises "
     "them), weights @ (X - mean)**2 is 0 only when the column is constant on the examples, "
     "which `constant` already catches"),
    ("    weights = weights / weights.sum()\n", "",
     "fit: example weights not normalised (with n samples the loss is n times larger against the fixed l2)"),
    ("    Xs = (inputs - mean) / std\n", "    Xs = inputs - mean\n",
     "fit: the training inputs centred but not scaled (decision time scales them)"),
    ("        return ((X - self.mean) / self.std) @ self.W.T + self.b",
     "        return (X - self.mean) @ self.W.T + self.b",
     "decision-time logits: features not divided by the training std"),
    ("    masked = np.where(enabled, Z, -np.inf)\n    expZ", "    masked = Z\n    expZ",
     "softmax: disabled actions' logits not masked (they get probability > 0)"),
    ("    masked = np.where(enabled, Z, -np.inf)\n    best", "    masked = Z\n    best",
     "greedy: the largest logit taken over disabled actions too (a state whose disabled action wins gets no row)"),
    ("    best = masked >= masked.max(axis=1, keepdims=True) - tolerance",
     "    best = masked >= masked.max(axis=1, keepdims=True)",
     "greedy: the tie tolerance dropped (logits within 1e-9 are not a tie)"),
    ("    return uniform_rows(best & enabled, exact)", "    return uniform_rows(best, exact)",
     "greedy: the enabled mask not re-applied",
     "best is computed on masked logits, -inf at disabled actions, and every state has an enabled "
     "action (finite maximum), so a disabled entry is -inf >= finite - tol: never true"),
    ("    d = ((X - point) ** 2).sum(axis=1)", "    d = np.abs(X - point).sum(axis=1)",
     "kNN: Manhattan distance instead of Euclidean"),
    ("key=lambda j: (float(d[j]), observations[j])", "key=lambda j: (float(d[j]), j)",
     "kNN tie order: first appearance in the dataset instead of the smaller observation label"),
    ("    return order[:k]", "    return order[:k + 1]", "kNN: k + 1 neighbours (off-by-one)"),
    ("            mean = [sum(col, Fraction(0) if view.exact else 0.0) / len(near) for col in zip(*rows)]",
     "            mean = [sum(col, Fraction(0) if view.exact else 0.0) / self.k for col in zip(*rows)]",
     "kNN average divided by k even when fewer than k training observations exist"),
    ("    return [x / kept if e else zero for x, e in zip(row, enabled)], removed",
     "    return [x / (kept + removed) if e else zero for x, e in zip(row, enabled)], removed",
     "kNN conditioning divides by the whole mass, not the enabled mass (the row does not sum to 1)"),
    ("                conditioned[view.states[s]] = removed", "                conditioned[view.states[s]] = 1 - removed",
     "kNN records the kept mass, not the removed one, in info['conditioned']"),
    ("        cost = Cost(lookups=S * len(observations), training=dataset.training_cost,",
     "        cost = Cost(lookups=S * self.k, training=dataset.training_cost,",
     "kNN lookups counted as S x k, not S x the training observations (distances computed)"),
    ("        cost = Cost(lookups=len(view.states), training=dataset.training_cost + fit.evaluations,",
     "        cost = Cost(lookups=len(view.states), training=dataset.training_cost,",
     "softmax-linear training cost omits the optimiser's evaluations"),
])

QLEARNING = _table("agents/qlearning.py", "qlearning", [
    ("    return reward + gamma * max(next_row[b] for b in enabled_next)", "    return reward + gamma * max(next_row)",
     "target: the max over the successor's disabled actions too"),
    ("    if last:\n        return reward\n", "",
     "target: the last step of a finite horizon bootstraps instead of y = r"),
    ("            row[a] += (y - row[a]) / (k if omega == 1.0 else k ** omega)",
     "            row[a] += (y - row[a]) / (k if omega == 1.0 else k * omega)",
     "polynomial learning rate 1/(omega n) instead of 1/n**omega"),
    ("            row[a] += (y - row[a]) / (k if omega == 1.0 else k ** omega)",
     "            row[a] += (y - row[a]) / (k + 1 if omega == 1.0 else k ** omega)",
     "running mean off by one: rate 1/(n + 1) (the first target only half taken)"),
    ("            visits[t, oidx[s], a] += 1", "            visits[t, oidx[s2], a] += 1",
     "visit count credited to the successor's observation"),
    ("            if ue < eps:", "            if ue >= eps:",
     "epsilon-greedy: explores with probability 1 - epsilon"),
    ("                a = acts[min(int(ua * len(acts)), len(acts) - 1)]",
     "                a = acts[min(int(ua * (len(acts) - 1)), len(acts) - 1)]",
     "exploration never picks the last enabled action (off-by-one in the uniform index)"),
    ("                a = max(acts, key=lambda b: (row[b], -b))", "                a = max(acts, key=lambda b: (row[b], b))",
     "greedy choice: the last maximal action instead of the first"),
    ("            if (t2 == H) if H is not None else ur < 1.0 - gamma:",
     "            if (t2 == H) if H is not None else ur < gamma:",
     "discounted restart with probability gamma instead of 1 - gamma"),
    ("                s, t = _pick(init_cdf, init_last, ui), 0", "                s, t = _pick(init_cdf, init_last, ur), 0",
     "restart state drawn with u_r (which is < 1 - gamma there: biased to the first states)"),
    ("    init = [float(p) for p in mdp.initial] if starts == \"initial\" else [1.0 / mdp.S] * mdp.S",
     "    init = [float(p) for p in mdp.initial] if starts != \"uniform\" else [1.0 / mdp.S] * (mdp.S - 1) + [0.0]",
     "exploring starts never start in the last state"),
    ("            y = target(r[s][a], gamma, q[t2 if t2 != H else t, oidx[s2]], enabled[s2], t2 == H)",
     "            y = target(r[s][a], gamma, q[t, oidx[s2]], enabled[s2], t2 == H)",
     "finite horizon: bootstraps from Q_t instead of Q_{t+1}"),
    ("            y = target(r[s][a], gamma, q[t2 if t2 != H else t, oidx[s2]], enabled[s2], t2 == H)",
     "            y = target(r[s][a], gamma, q[t2 if t2 != H else t, oidx[s2]], enabled[s2], t2 == H - 1)",
     "finite horizon: the target stops bootstrapping one step early"),
    ("    return min(int(np.searchsorted(cdf, u, side=\"right\")), last)",
     "    return min(int(np.searchsorted(cdf, u, side=\"left\")), last)",
     "inverse-CDF pick with side='left'",
     "the two sides differ only when u equals a cumulative value exactly; u is a uniform double, "
     "so this has probability at most (S + 1) 2^-53 per draw (the hand-replayed streams of the tests avoid it)"),
    ("            tried = np.flatnonzero(n_t[o] > 0).tolist()", "            tried = np.flatnonzero(n_t[o] >= 0).tolist()",
     "greedy table: untried actions (Q = 0, no estimate) compete in the argmax"),
    ("    exact = table.q.dtype == object", "    exact = False",
     "greedy table: float argmax sets for an exact table of Fractions (ties within 1e-9)"),
    ("            step[label] = {a: Fraction(int(i in best), len(best)) for i, a in enumerate(table.actions)}",
     "            step[label] = {a: Fraction(int(i in best), len(tried)) for i, a in enumerate(table.actions)}",
     "greedy row weights 1/|tried| instead of 1/|argmax set|"),
    ("            best = [tried[i] for i in argmax_sets(q_t[o][tried][None, :], exact)[0]]",
     "            best = list(argmax_sets(q_t[o][tried][None, :], exact)[0])",
     "greedy table: positions within the tried actions read as action indices"),
    ("        cost = Cost(decision=decision.decision, lookups=decision.lookups, training=qtable.samples,",
     "        cost = Cost(decision=decision.decision, lookups=steps[0][1].lookups, training=qtable.samples,",
     "finite horizon: lookups counted for step 0 only, not S per step"),
    ("        cost = Cost(decision=decision.decision, lookups=decision.lookups, training=qtable.samples,\n"
     "                    teacher_calls=0, samples=qtable.samples)",
     "        cost = Cost(decision=decision.decision, lookups=decision.lookups, training=qtable.samples,\n"
     "                    teacher_calls=0, samples=int(qtable.visits.sum()) - 1)",
     "samples counted from the visits, one short"),
    ("    rate: Fraction = Fraction(1)\n", "    rate: Fraction = Fraction(4, 5)\n",
     "wrong default learning-rate exponent (4/5 instead of the running mean 1)"),
])

TEACHERS = _table("agents/training.py", "teachers", [
    ("    if not isinstance(policy, Policy) and callable(getattr(policy, \"markov_policy\", None)):",
     "    if False:",
     "a policy quantiliser's mixture is refused instead of taught by its Markov twin"),
    ("    if policy.stationary:\n        return policy.probs\n", "    if True:\n        return policy.at(0)\n",
     "teacher_rows: a time-dependent teacher read at time 0 (the old behaviour)"),
    ("            rows[s] = occ[s] / total", "            rows[s] = occ[s]",
     "teacher_rows: the occupancy not normalised per state"),
    ("    rows = policy.at(0).copy()", "    rows = policy.at(policy.probs.shape[0] - 1).copy()",
     "teacher_rows: an unvisited state gets the last step's row, not step 0's"),
    ("        total = sum(occ[s], Fraction(0) if policy.exact else 0.0)",
     "        total = sum(occ[s, :-1], Fraction(0) if policy.exact else 0.0)",
     "teacher_rows: the state's visitation summed without its last action"),
    ("    mdp = train if policy.exact == train.exact else train.to_float()\n    occ",
     "    mdp = train\n    occ",
     "teacher_rows: a float policy's occupancy computed on the exact MDP"),
    ("        return normalised_state_occupancy(train if policy.exact == train.exact else train.to_float(), policy)",
     "        return normalised_state_occupancy(train, policy)",
     "training distribution: a soft teacher's occupancy on the exact MDP"),
    ("        float_teacher=train_mdp.exact and not policy.exact,", "        float_teacher=False,",
     "float_teacher never set: a soft teacher's float weights on an exact MDP"),
    ("        float_teacher=train_mdp.exact and not policy.exact,", "        float_teacher=not train_mdp.exact,",
     "float_teacher set from the MDP's kind, not the policy's"),
    ("    pi, obs = teacher_rows(train_mdp, policy), train_mdp.observation_labels",
     "    pi, obs = policy.at(0), train_mdp.observation_labels",
     "collect reads a time-dependent teacher at time 0 instead of its action law"),
    ("        training_cost=result.cost.decision + result.cost.training,",
     "        training_cost=result.cost.decision,",
     "an amortised teacher's own training cost dropped from the dataset's cost"),
    ("        raise type(exc)(f\"teacher {name!r}: {exc}\") from None", "        raise",
     "a teacher's error re-raised without its name"),
    ("    if fallbacks is not None:\n        check_choice(agent.fallback", "    if True:\n        check_choice(agent.fallback",
     "check_training checks a fallback on agents that have none (softmax-linear)"),
    ("        float_teacher=train_mdp.exact and not policy.exact,", "        float_teacher=train_mdp.exact or not policy.exact,",
     "float_teacher set for every exact training MDP ('or' for 'and')"),
    ("        rows[s] = occ[s] / total", "        rows[s] = occ[s] / total if total > 0 else rows[s]",
     "teacher_rows: a redundant guard (total > 0)",
     "the guard sits inside `if total != 0`, and total is a sum of occupancies, each >= 0 "
     "(exactly, or as float sums of non-negative terms), so total > 0 there and the else branch is never taken"),
])

AMORTISED_REPORT = _table("reports/amortised.py", "amortised-report", [
    ("    shifted = list(range(n, 2 * n))", "    shifted = list(range(n))",
     "summary: the in-distribution points taken as the shifted ones"),
    ("    amortised = [i for i in shifted if points[i][\"family\"] != \"argmax\"]", "    amortised = shifted",
     "summary: the direct optimiser counted among the amortised agents"),
    ("        \"worst\": min(amortised, key=lambda i: (key[i], i)) if amortised else None,",
     "        \"worst\": min(amortised, key=lambda i: (key[i], -i)) if amortised else None,",
     "summary: the worst agent's tie broken towards the last agent"),
    ("        \"best\": max(amortised, key=lambda i: (key[i], -i)) if amortised else None,",
     "        \"best\": max(amortised, key=lambda i: (key[i], i)) if amortised else None,",
     "summary: the best agent's tie broken towards the last agent"),
    ("        \"worst\": min(amortised, key=lambda i: (key[i], i)) if amortised else None,",
     "        \"worst\": max(amortised, key=lambda i: (key[i], i)) if amortised else None,",
     "summary: worst and best both the maximum"),
    ("        \"distinct\": len({round(float(key[i]), 9) for i in amortised}),",
     "        \"distinct\": len([round(float(key[i]), 9) for i in amortised]),",
     "summary: counts the amortised agents, not their distinct returns"),
    ("        \"distinct\": len({round(float(key[i]), 9) for i in amortised}),",
     "        \"distinct\": len({round(float(key[i]), 9) for i in shifted}),",
     "summary: distinct returns counted with the argmax's too"),
    ("    key = [(Fraction(points[i][\"true_exact\"]) if points[i][\"true_exact\"] is not None else points[i][\"true\"])",
     "    key = [(Fraction(points[i][\"objective_exact\"]) if points[i][\"true_exact\"] is not None else points[i][\"true\"])",
     "summary: ranks by the objective (proxy) return instead of the true one"),
    ("                \"unseen\": len(info.get(\"unseen\", ())) if isinstance(info, Mapping) else 0,",
     "                \"unseen\": len(info.get(\"unseen_by_step\", ())) if isinstance(info, Mapping) else 0,",
     "unseen count read from the per-step tuple (the number of steps) instead of the unseen states"),
    ("        optimum.update(number_pair(f\"optimum_{where}\", rows[0].true_return + rows[0].true_regret))",
     "        optimum.update(number_pair(f\"optimum_{where}\", rows[0].true_return))",
     "optimum taken as the first agent's return (right only when it is the argmax)"),
    ("        optimum.update(number_pair(f\"optimum_{where}\", rows[0].true_return + rows[0].true_regret))",
     "        optimum.update(number_pair(f\"optimum_{where}\", rows[-1].true_return + rows[-1].true_regret))",
     "optimum from the last agent's row",
     "true_return + true_regret is the optimal true return of the MDP for every row (regret is "
     "defined as optimum - return, exactly), so any row gives the same number"),
    ("    specs = parse_specs(\",\".join(specs_text), train=train)", "    specs = parse_specs(\",\".join(specs_text), train=test)",
     "the amortised agents are trained on the test MDP (no shift at all)"),
    ("                \"samples\": row.cost.samples,", "                \"samples\": row.cost.training,",
     "samples column reports the training cost"),
    ("                \"training_cost\": row.cost.training,", "                \"training_cost\": row.cost.decision_total,",
     "training-cost column reports the decision cost"),
    ("    \"tomato\": (\"reward gaming\", \"proxy\", (\"tomato\", {}), (\"tomato\", {\"slip\": Fraction(1, 5)})),",
     "    \"tomato\": (\"reward gaming\", \"proxy\", (\"tomato\", {}), (\"tomato\", {})),",
     "the reward-gaming setting's test grid without the slip (no shift)"),
])

MUTANTS: list[Mutant] = (SOLVERS + EVALUATION + SELECTION + SOFT + GOODHART + METRICS + SHIFTS
                         + SPARSE + SPARSE_CHECKS + ACTION_SETS + ENABLED_SOLVERS + SPARSE_LINALG
                         + CHECKING + DECLARE + COUNTEREXAMPLES + REDUCTION + ENUMERATION + EXHAUSTIVE
                         + GENERALISING + QLEARNING + TEACHERS + AMORTISED_REPORT)


# -- the harness -------------------------------------------------------------------------------


def check_table(mutants: list[Mutant]) -> None:
    """Every snippet occurs exactly once in its module, and every mutated module parses."""
    ids = [m.id for m in mutants]
    if len(set(ids)) != len(ids):
        raise SystemExit("mutant ids are not unique")
    for m in mutants:
        source = (ROOT / m.module).read_text()
        count = source.count(m.find)
        if count != 1:
            raise SystemExit(f"{m.id}: the snippet occurs {count} times in {m.module}, not once: {m.find!r}")
        if m.find == m.replace:
            raise SystemExit(f"{m.id}: the replacement equals the snippet")
        try:
            ast.parse(source.replace(m.find, m.replace))
        except SyntaxError as exc:
            raise SystemExit(f"{m.id}: the mutated {m.module} does not parse: {exc}") from None


def make_copy(tests_rev: str | None) -> Path:
    """A temporary copy of the checkout (packages, tests, configuration); with ``tests_rev`` the
    test files covered by SUITES are taken from that git revision."""
    work = Path(tempfile.mkdtemp(prefix="deconfuse-mutation-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis", ".pytest_cache")
    for name in COPIED:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, work / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, work / name)
    if tests_rev:
        for test in sorted({t.split("::")[0] for tests in SUITES.values() for t in tests}):
            text = subprocess.run(["git", "-C", str(ROOT), "show", f"{tests_rev}:{test}"],
                                  check=True, capture_output=True, text=True).stdout
            (work / test).write_text(text)
    found = subprocess.run([sys.executable, "-c", "import theory, agents; print(theory.__file__)"],
                           cwd=work, env=child_env(work), capture_output=True, text=True, check=True)
    if not Path(found.stdout.strip()).resolve().is_relative_to(work.resolve()):
        raise SystemExit(f"the copy imports theory from {found.stdout.strip()}, not from {work}")
    return work


def child_env(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(PYTHONDONTWRITEBYTECODE="1", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
               MKL_NUM_THREADS="1", PYTHONHASHSEED="0")
    env.pop("PYTHONPATH", None)
    return env


def run_suite(work: Path, module: str, cpu_limit: float) -> tuple[str, float, float, str]:
    """Run the module's tests and doctests in the copy: (outcome, CPU seconds, wall seconds,
    first failure). The limit is on the child's CPU time (RLIMIT_CPU), which other jobs on the
    machine do not inflate; a wall-clock limit of 10 x that is a backstop."""
    import resource

    storage = Path(tempfile.mkdtemp(prefix="hyp-", dir=work))
    env = child_env(work)
    env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(storage)
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0",
           *SUITES[module], module]
    limit = int(cpu_limit) + 1

    def limit_cpu() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (limit, limit + 5))

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=10 * limit,
                              preexec_fn=limit_cpu)
    except subprocess.TimeoutExpired:
        return "timeout", float("nan"), time.perf_counter() - start, f"over {10 * limit} s of wall time"
    finally:
        shutil.rmtree(storage, ignore_errors=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode == 0:
        return "survived", cpu, wall, ""
    if proc.returncode in (-24, -9):  # SIGXCPU at the soft limit, SIGKILL at the hard one
        return "timeout", cpu, wall, f"over {limit} s of CPU time"
    if proc.returncode not in (1, 2):
        raise SystemExit(f"pytest exited {proc.returncode} on {module}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    failures = [line for line in proc.stdout.splitlines() if re.match(r"(FAILED|ERROR) ", line)]
    first = failures[0].split(" - ")[0].split(" ", 1)[1] if failures else "collection error"
    return "killed", cpu, wall, first


def run(mutants: list[Mutant], tests_rev: str | None, label: str) -> dict[str, dict]:
    """Apply each mutant alone to a fresh copy's module, run its suite, restore; the results by id."""
    work = make_copy(tests_rev)
    results: dict[str, dict] = {}
    try:
        limits = {}
        for module in sorted({m.module for m in mutants}):
            outcome, cpu, wall, first = run_suite(work, module, cpu_limit=900)
            if outcome != "survived":
                raise SystemExit(f"[{label}] the unmutated tests of {module} fail: {first}")
            limits[module] = max(60.0, 5 * cpu)
            print(f"[{label}] unmutated {module}: {cpu:.1f} s CPU ({wall:.1f} s wall), "
                  f"limit {limits[module]:.0f} s CPU", flush=True)
        for m in mutants:
            path = work / m.module
            original = path.read_text()
            path.write_text(original.replace(m.find, m.replace))
            try:
                outcome, cpu, wall, first = run_suite(work, m.module, limits[m.module])
            finally:
                path.write_text(original)
            results[m.id] = {"outcome": outcome, "cpu_seconds": round(cpu, 1), "killed_by": first}
            print(f"[{label}] {m.id:14s} {outcome:8s} {cpu:6.1f} s CPU  {first}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return results


def score(mutants: list[Mutant], results: dict[str, dict]) -> dict[str, object]:
    killed = [m for m in mutants if results[m.id]["outcome"] in ("killed", "timeout")]
    timeouts = [m for m in mutants if results[m.id]["outcome"] == "timeout"]
    survived = [m for m in mutants if results[m.id]["outcome"] == "survived"]
    equivalent = [m for m in survived if m.equivalent]
    wrong_equivalent = [m for m in killed if m.equivalent]
    counted = len(mutants) - len(equivalent)
    return {
        "mutants": len(mutants), "killed": len(killed), "timeouts": len(timeouts),
        "killed_of_all": len(killed) / len(mutants),
        "survived": len(survived) - len(equivalent), "equivalent": len(equivalent),
        "score": len(killed) / counted if counted else 1.0,
        "survivors": [m.id for m in survived if not m.equivalent],
        "wrong_equivalent": [m.id for m in wrong_equivalent],
    }


def report(mutants: list[Mutant], runs: dict[str, dict[str, dict]], seconds: float) -> str:
    labels = list(runs)
    lines = [f"{len(mutants)} mutants over {len({m.module for m in mutants})} modules; wall time {seconds / 60:.1f} min", ""]
    head = "| mutant | bug | " + " | ".join(f"{label}" for label in labels) + " | killed by (" + labels[0] + ") |"
    lines += [head, "|" + " --- |" * (3 + len(labels))]
    for m in mutants:
        cells = []
        for label in labels:
            outcome = runs[label][m.id]["outcome"]
            cells.append("equivalent" if outcome == "survived" and m.equivalent else outcome)
        lines.append(f"| {m.id} | {m.bug} | " + " | ".join(cells) + f" | `{runs[labels[0]][m.id]['killed_by']}` |")
    lines.append("")
    lines.append("| tests | module | mutants | killed (timeouts) | survived | equivalent | score | killed / all |")
    lines.append("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label in labels:
        for module in [*dict.fromkeys(m.module for m in mutants), "all"]:
            group = [m for m in mutants if module in ("all", m.module)]
            s = score(group, runs[label])
            lines.append(f"| {label} | {module} | {s['mutants']} | {s['killed']} ({s['timeouts']}) | {s['survived']} | "
                         f"{s['equivalent']} | {100 * s['score']:.1f}% | {100 * s['killed_of_all']:.1f}% |")
    for label in labels:
        s = score(mutants, runs[label])
        lines.append("")
        lines.append(f"{label}: survivors {', '.join(s['survivors']) or 'none'}")
        if s["wrong_equivalent"]:
            lines.append(f"{label}: killed although declared equivalent: {', '.join(s['wrong_equivalent'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--module", action="append", default=[],
                        help="only mutants of this module (a name such as 'selection' or a path); repeatable")
    parser.add_argument("--only", action="append", default=[], help="only this mutant id; repeatable")
    parser.add_argument("--compare-tests", metavar="REV",
                        help="also run every mutant against the test files of git revision REV")
    parser.add_argument("--list", action="store_true", help="check and print the table; run nothing")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    args = parser.parse_args()
    check_table(MUTANTS)
    chosen = [m for m in MUTANTS
              if (not args.module or any(name in m.module for name in args.module))
              and (not args.only or m.id in args.only)]
    if not chosen:
        raise SystemExit("no mutant matches --module/--only")
    if args.list:
        for m in chosen:
            print(f"{m.id:14s} {m.module:24s} {m.bug}{'  [equivalent]' if m.equivalent else ''}")
        print(f"{len(chosen)} mutants")
        return
    sys.path.insert(0, str(ROOT / "bench"))
    from _machine import describe

    print(describe(), flush=True)
    start = time.perf_counter()
    runs = {"current tests": run(chosen, None, "current tests")}
    if args.compare_tests:
        runs[f"tests of {args.compare_tests}"] = run(chosen, args.compare_tests, f"tests of {args.compare_tests}")
    elapsed = time.perf_counter() - start
    print()
    print(report(chosen, runs, elapsed))
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "seconds": elapsed}, indent=1))


if __name__ == "__main__":
    main()
