"""Mutation testing of the theory core: a table of hand-written mutants, applied one at a time.

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
theory/goodhart.py, theory/metrics.py, environments/shifts.py. (property_tests/engine.py is not
covered yet.)

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
    "theory/solvers.py": ("tests/test_theory_values.py", "tests/test_theory_properties.py", "tests/test_validation.py"),
    "theory/evaluation.py": ("tests/test_theory_values.py", "tests/test_theory_properties.py"),
    "theory/selection.py": ("tests/test_selection.py", "tests/test_best_of_n.py", "tests/test_quantilisers.py"),
    "agents/soft.py": ("tests/test_soft.py",),
    "theory/goodhart.py": ("tests/test_goodhart.py",),
    "theory/metrics.py": ("tests/test_theory_values.py", "tests/test_agents_common.py"),
    "environments/shifts.py": ("tests/test_errors_shifts.py",),
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
    ("    return q_values >= (best - tol)[:, None]", "    return q_values > (best - tol)[:, None]",
     "float argmax: a gap of exactly the tolerance is not a tie (>= written >)"),
    ("        best = max(range(A), key=lambda a: (row[a], -a))",
     "        best = max(range(A), key=lambda a: (row[a], a))",
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
    ("        choice = [int(np.argmax([r[s, a] for a in range(A)])) for s in range(S)]",
     "        choice = [0] * S",
     "exact policy iteration starts from action 0 instead of the immediate argmax"),
    ("    iterations = 0\n    while True:\n        iterations += 1\n        pi = Policy",
     "    iterations = 1\n    while True:\n        iterations += 1\n        pi = Policy",
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
    ("        probs[t] = greedy_policy(q_values[t], exact, tie)", "        probs[t] = greedy_policy(q_values[t], exact)",
     "backward induction does not pass the tie rule on"),
    ("    threshold = tolerance * (1 - gamma) / gamma if gamma > 0 else np.inf",
     "    threshold = tolerance * (1 - gamma) if gamma > 0 else np.inf",
     "value iteration stopping threshold without the 1/gamma factor"),
    ("    bound = gamma * delta / (1 - gamma)\n", "    bound = delta / (1 - gamma)\n",
     "value iteration error bound without the gamma factor"),
    ("        if gamma == 0 or delta < threshold:", "        if gamma == 0 or delta <= threshold:",
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
    ("                out[j] += w * prob", "                out[s] += w * prob",
     "exact flow credits the source state instead of the successor"),
    ("    for t in range(mdp.horizon):\n        pi = policy.at(t)", "    for t in range(mdp.horizon - 1):\n        pi = policy.at(t)",
     "return distribution stops one step early"),
    ("                    nxt[(j, acc2)] += w * pa * p", "                    nxt[(j, acc2)] += w * p",
     "return distribution forgets the action probability"),
    ("        law[acc if joint else acc[0]] += w", "        law[acc[0]] += w",
     "joint return law keyed by the first reward only"),
    ("(int(j), T[s, a, j]) for j in np.flatnonzero(T[s, a])", "(int(j), T[j, a, s]) for j in np.flatnonzero(T[s, a])",
     "float return distribution reads successor probabilities from the transposed kernel"),
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
    ("u[i] >= top - FLOAT_TOLERANCE * max(1.0, abs(top))", "u[i] >= top - FLOAT_TOLERANCE * abs(top)",
     "float level tolerance without the floor 1 (utilities near 0 never tie)"),
    ("u[i] >= top - FLOAT_TOLERANCE * max(1.0, abs(top))", "u[i] > top - FLOAT_TOLERANCE * max(1.0, abs(top))",
     "float levels: a gap of exactly the tolerance is not a tie (>= written >)"),
    ("            out[-1].append(i)\n", "            out[-1].append(i)\n            top = u[i]\n",
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
    ("    tie: TieRule = \"last\",\n) -> np.ndarray:", "    tie: TieRule = \"first\",\n) -> np.ndarray:",
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

MUTANTS: list[Mutant] = SOLVERS + EVALUATION + SELECTION + SOFT + GOODHART + METRICS + SHIFTS


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
        for test in sorted({t for tests in SUITES.values() for t in tests}):
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
