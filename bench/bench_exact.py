"""Exact policy iteration: deconfuse (theory.solvers.policy_iteration) against plain sympy.

Random exact MDPs: S states, A = 4 actions, every (s, a) row has 3 distinct successors with
probabilities that are positive multiples of 1/8, rewards k/4 with k in [-8, 8], discount 9/10.
They are generated here with ``numpy.random.default_rng(seed)``, so every run solves the same
MDPs.

For each S the table gives the time to build the validated FiniteMDP, the first ("cold") solve
on it, which includes building the MDP's cached sparse successor view, and the best of the
next ``--repeats`` ("warm") solves. For the baseline sizes it also runs a plain sympy policy
iteration (``sympy.Matrix.LUsolve`` for each evaluation, sympy Rationals throughout, the same
initial policy and the same improvement rule), checks that both give the *identical* exact
values and iteration count, and that its final policy is
optimal by our exact argmax sets, and reports baseline time / our cold time.

Run from the repository root:  python bench/bench_exact.py   (about 40 s)
Exit status 1 if the two solvers ever disagree.
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

import numpy as np

import _machine

_machine.use_this_checkout()

import sympy  # noqa: E402
from sympy import Matrix, Rational  # noqa: E402

from theory.mdp import FiniteMDP  # noqa: E402
from theory.solvers import policy_iteration  # noqa: E402

A = 4
SUCCESSORS = 3
DENOMINATOR = 8
DISCOUNT = Fraction(9, 10)


def random_exact_mdp(S: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Transitions (S, A, S) and rewards (S, A), object arrays of Fractions."""
    rng = np.random.default_rng(seed)
    T = np.empty((S, A, S), dtype=object)
    T.fill(Fraction(0))
    for s in range(S):
        for a in range(A):
            succ = rng.choice(S, SUCCESSORS, replace=False)
            cuts = np.sort(rng.choice(np.arange(1, DENOMINATOR), SUCCESSORS - 1, replace=False))
            parts = np.diff(np.concatenate(([0], cuts, [DENOMINATOR])))
            for j, k in zip(succ, parts):
                T[s, a, int(j)] = Fraction(int(k), DENOMINATOR)
    R = np.empty((S, A), dtype=object)
    for (s, a), k in np.ndenumerate(rng.integers(-8, 9, size=(S, A))):
        R[s, a] = Fraction(int(k), 4)
    return T, R


def build(T: np.ndarray, R: np.ndarray) -> FiniteMDP:
    S = T.shape[0]
    initial = np.empty(S, dtype=object)
    initial.fill(Fraction(1, S))
    return FiniteMDP(
        states=[f"s{i}" for i in range(S)],
        actions=[f"a{i}" for i in range(A)],
        transitions=T,
        rewards={"true": R},
        initial=initial,
        discount=DISCOUNT,
    )


def sympy_policy_iteration(T: np.ndarray, R: np.ndarray, discount: Fraction) -> tuple[list, list[int], int]:
    """Howard's policy iteration in plain sympy: every number a sympy Rational, each policy
    evaluated by ``Matrix.LUsolve`` on (I - gamma P_pi) v = r_pi. Initial policy: the first
    action of maximal immediate reward. Improvement: each state switches to its first maximal
    action when that is strictly better than the current one (the rule of
    theory.solvers.policy_iteration). Returns (values, choice, iterations)."""
    S = T.shape[0]
    g = Rational(discount.numerator, discount.denominator)
    rat = lambda x: Rational(x.numerator, x.denominator)  # noqa: E731
    r = [[rat(R[s, a]) for a in range(A)] for s in range(S)]
    succ = [
        [[(int(j), rat(T[s, a, j])) for j in np.flatnonzero(T[s, a] != 0)] for a in range(A)]
        for s in range(S)
    ]
    choice = [max(range(A), key=lambda a: (r[s][a], -a)) for s in range(S)]
    iterations = 0
    while True:
        iterations += 1
        M = sympy.eye(S)
        for s in range(S):
            for j, p in succ[s][choice[s]]:
                M[s, j] -= g * p
        v = M.LUsolve(Matrix([r[s][choice[s]] for s in range(S)]))
        changed = False
        for s in range(S):
            q = [r[s][a] + g * sum((p * v[j] for j, p in succ[s][a]), Rational(0)) for a in range(A)]
            best = max(range(A), key=lambda a: (q[a], -a))
            if q[best] > q[choice[s]]:
                choice[s] = best
                changed = True
        if not changed:
            return list(v), choice, iterations


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[50, 100],
                        help="sizes also solved by the plain sympy baseline (S=100 takes ~15 s)")
    parser.add_argument("--repeats", type=int, default=3, help="warm solves after the cold one")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    from sympy.external.gmpy import GROUND_TYPES
    import flint

    print("bench_exact: exact policy iteration, random MDPs (A=4, 3 successors, p in 1/8 steps, r in 1/4 steps, gamma 9/10)")
    print(_machine.describe({
        "exact": f"sympy {sympy.__version__} (ground types {GROUND_TYPES}), python-flint {flint.__version__}",
        "seed": str(args.seed),
    }))
    print()

    rows, failures = [], []
    for S in args.sizes:
        T, R = random_exact_mdp(S, args.seed + S)
        t0 = time.perf_counter()
        mdp = build(T, R)
        t_build = time.perf_counter() - t0
        t0 = time.perf_counter()
        sol = policy_iteration(mdp, "true", tie="first")
        t_cold = time.perf_counter() - t0
        t_warm = min(
            (_timed(lambda: policy_iteration(mdp, "true", tie="first"))[1] for _ in range(args.repeats)),
            default=float("nan"),
        )
        bits = max(v.denominator.bit_length() for v in sol.values)
        base_time = check = ratio = "-"
        if S in args.baseline_sizes:
            (values, choice, its), t_base = _timed(lambda: sympy_policy_iteration(T, R, DISCOUNT))
            same = (
                all(Fraction(int(x.p), int(x.q)) == y for x, y in zip(values, sol.values))
                and all(mdp.actions[c] in sol.argmax[s] for s, c in enumerate(choice))
                and its == sol.iterations
            )
            check = "identical" if same else "DIFFER"
            if not same:
                failures.append(S)
            base_time, ratio = f"{t_base:.2f}", f"{t_base / t_cold:.0f}x"
        rows.append([
            S, sol.iterations, bits, f"{t_build:.2f}", f"{t_cold:.3f}", f"{t_warm:.3f}",
            base_time, ratio, check,
        ])
        print(f"  S={S} done", file=sys.stderr, flush=True)

    print(_machine.table(
        ["S", "PI iterations", "max denominator bits", "build FiniteMDP s", "ours cold s",
         "ours warm s (best)", "sympy LUsolve PI s", "sympy / ours cold", "values"],
        rows,
    ))
    largest = rows[-1]
    print()
    print(f"goal S=400 in under 10 s: S={largest[0]} cold solve {largest[4]} s "
          f"({'met' if largest[0] >= 400 and float(largest[4]) < 10 else 'see table'})")
    if failures:
        print(f"ERROR: the sympy baseline and deconfuse disagree at S = {failures}")
        return 1
    return 0


def _timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


if __name__ == "__main__":
    sys.exit(main())
