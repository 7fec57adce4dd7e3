"""Exact policy iteration: deconfuse (theory.solvers.policy_iteration) against plain sympy and
Storm's exact engine.

Random exact MDPs: S states, A = 4 actions, every (s, a) row has 3 distinct successors with
probabilities that are positive multiples of 1/8, rewards k/4 with k in [-8, 8], discount 9/10.
They are generated here with ``numpy.random.default_rng(seed + S)`` as per-row mappings
``{(s, a): {s2: Fraction}}``, so every run solves the same MDPs.

For each S the first table gives, for deconfuse: the time to build the validated FiniteMDP from
the per-row mappings; the first ("cold") solve on it with the default start (large exact
models, S >= 200, start from the float optimum's policy), which includes building the MDP's
cached views; the best of the next ``--repeats`` ("warm") solves; a cold solve with
``warm_start=False`` on a second fresh model (the greedy-in-reward start of the baselines);
and the round trip through a JSON file (``theory.io.save_mdp``, then ``load_mdp`` and a cold
solve of the loaded model: "load + solve").

The second table compares, on the same MDPs:

- a plain sympy policy iteration (``sympy.Matrix.LUsolve`` for each evaluation, sympy Rationals
  throughout, the same initial policy and the same improvement rule as ``warm_start=False``):
  the values must be *identical*, the iteration counts equal, its final policy optimal by our
  exact argmax sets. Ratio: sympy / our ``warm_start=False`` cold solve.
- Storm's exact engine (stormpy, exact environment, policy iteration as the min-max method).
  Storm refuses exact discounted objectives, so the model it gets has an absorbing zero-reward
  "sink" state reached with probability 1 - gamma from every choice (every other successor's
  probability multiplied by gamma); the expected total reward until the sink,
  ``Rmax=? [F "sink"]``, is then the discounted value of every policy, hence the same optimum.
  The model is written as a DRN file (Storm's explicit format) and read by
  ``stormpy.build_model_from_drn[stormpy.Rational]``; writing, building and solving are timed
  apart. Every state's value must equal ours exactly (as Fractions). Ratio: Storm's solve /
  our default cold solve.

Run from the repository root:  python bench/bench_exact.py   (several minutes: Storm at
S = 400 takes ~100 s, the sympy baseline at S = 100 ~20 s); ``--quick`` skips Storm at S = 400.
Exit status 1 if any two solvers ever disagree.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

import _machine

_machine.use_this_checkout()

import sympy  # noqa: E402
from sympy import Matrix, Rational  # noqa: E402

from theory.io import load_mdp, save_mdp  # noqa: E402
from theory.mdp import FiniteMDP  # noqa: E402
from theory.solvers import policy_iteration  # noqa: E402

A = 4
SUCCESSORS = 3
DENOMINATOR = 8
DISCOUNT = Fraction(9, 10)

Rows = dict[tuple[int, int], dict[int, Fraction]]


def random_exact_mdp(S: int, seed: int) -> tuple[Rows, np.ndarray]:
    """Per-row mappings ``{(s, a): {s2: p}}`` and rewards (S, A), an object array of Fractions."""
    rng = np.random.default_rng(seed)
    rows: Rows = {}
    for s in range(S):
        for a in range(A):
            succ = rng.choice(S, SUCCESSORS, replace=False)
            cuts = np.sort(rng.choice(np.arange(1, DENOMINATOR), SUCCESSORS - 1, replace=False))
            parts = np.diff(np.concatenate(([0], cuts, [DENOMINATOR])))
            rows[s, a] = {int(j): Fraction(int(k), DENOMINATOR) for j, k in zip(succ, parts)}
    R = np.empty((S, A), dtype=object)
    for (s, a), k in np.ndenumerate(rng.integers(-8, 9, size=(S, A))):
        R[s, a] = Fraction(int(k), 4)
    return rows, R


def build(S: int, rows: Rows, R: np.ndarray) -> FiniteMDP:
    initial = np.empty(S, dtype=object)
    initial.fill(Fraction(1, S))
    return FiniteMDP(
        states=[f"s{i}" for i in range(S)],
        actions=[f"a{i}" for i in range(A)],
        transitions=rows,
        rewards={"true": R},
        initial=initial,
        discount=DISCOUNT,
    )


def sympy_policy_iteration(S: int, rows: Rows, R: np.ndarray, discount: Fraction) -> tuple[list, list[int], int]:
    """Howard's policy iteration in plain sympy: every number a sympy Rational, each policy
    evaluated by ``Matrix.LUsolve`` on (I - gamma P_pi) v = r_pi. Initial policy: the first
    action of maximal immediate reward. Improvement: each state switches to its first maximal
    action when that is strictly better than the current one (the rule of
    theory.solvers.policy_iteration). Returns (values, choice, iterations)."""
    g = Rational(discount.numerator, discount.denominator)
    rat = lambda x: Rational(x.numerator, x.denominator)  # noqa: E731
    r = [[rat(R[s, a]) for a in range(A)] for s in range(S)]
    succ = [[sorted((j, rat(p)) for j, p in rows[s, a].items()) for a in range(A)] for s in range(S)]
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


def write_drn(S: int, rows: Rows, R: np.ndarray, discount: Fraction, path: Path) -> None:
    """The MDP with its discount turned into an absorbing zero-reward sink (state S, labelled
    "sink"): from every choice the sink with probability 1 - gamma, every successor s2 with
    gamma p(s2 | s, a). The expected total reward until the sink is then the discounted value of
    every policy. Storm's explicit DRN format, one action reward per choice."""
    stop = 1 - discount
    out = ["@type: MDP", "@parameters", "", "@reward_models", "r",
           f"@nr_states\n{S + 1}", f"@nr_choices\n{S * A + 1}", "@model"]
    for s in range(S):
        out.append(f"state {s}" + (" init" if s == 0 else ""))
        for a in range(A):
            out.append(f"\taction {a} [{R[s, a]}]")
            out.extend(f"\t\t{j} : {discount * p}" for j, p in sorted(rows[s, a].items()))
            out.append(f"\t\t{S} : {stop}")
    out += [f"state {S} sink", "\taction 0 [0]", f"\t\t{S} : 1"]
    path.write_text("\n".join(out) + "\n", encoding="ascii")


def storm_exact(path: Path) -> tuple[list[Fraction], float, float]:
    """Storm's exact optimum of ``Rmax=? [F "sink"]`` on the DRN model at ``path``, by exact
    policy iteration. Returns (values of states 0..S-1 as Fractions, build s, solve s)."""
    import stormpy
    from stormpy import environments

    t0 = time.perf_counter()
    model = stormpy.build_model_from_drn[stormpy.Rational](str(path))
    t_build = time.perf_counter() - t0
    env = environments.exact()
    env.solver().min_max().method = environments.MinMaxMethod.POLICY_ITERATION
    prop = stormpy.parse_properties('Rmax=? [F "sink"]')[0]
    t0 = time.perf_counter()
    result = stormpy.model_checking(model, prop, only_initial_states=False, environment=env)
    t_solve = time.perf_counter() - t0
    values = [Fraction(str(result.get_value(s))) for s in range(model.nr_states - 1)]
    return values, t_build, t_solve


def _timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def run_ours(S: int, rows: Rows, R: np.ndarray, repeats: int, tmp: Path) -> dict:
    """Our timings on one MDP (see the module docstring) and the solutions they gave."""
    out: dict = {}
    mdp, out["build"] = _timed(lambda: build(S, rows, R))
    sol, out["cold"] = _timed(lambda: policy_iteration(mdp, "true", tie="first"))
    out["warm"] = min(
        (_timed(lambda: policy_iteration(mdp, "true", tie="first"))[1] for _ in range(repeats)),
        default=float("nan"),
    )
    fresh = build(S, rows, R)
    plain, out["t_plain"] = _timed(lambda: policy_iteration(fresh, "true", tie="first", warm_start=False))
    path = tmp / f"random_{S}.json"
    _, out["save"] = _timed(lambda: save_mdp(mdp, path))
    loaded, out["load"] = _timed(lambda: load_mdp(path))
    from_json, t_solve = _timed(lambda: policy_iteration(loaded, "true", tie="first"))
    out["load_solve"] = out["load"] + t_solve
    out["json_mb"] = path.stat().st_size / 1e6
    path.unlink()
    out["same"] = (
        list(plain.values) == list(sol.values) == list(from_json.values)
        and plain.argmax == sol.argmax == from_json.argmax
    )
    out.update(mdp=mdp, sol=sol, plain=plain)
    return out


def run_sympy(S: int, rows: Rows, R: np.ndarray, ours: dict) -> tuple[bool, float]:
    """The plain sympy baseline; True when it gives our values, iteration count (same start:
    ``warm_start=False``) and an optimal policy by our argmax sets."""
    (values, choice, its), t_base = _timed(lambda: sympy_policy_iteration(S, rows, R, DISCOUNT))
    plain, mdp = ours["plain"], ours["mdp"]
    same = (
        all(Fraction(int(x.p), int(x.q)) == y for x, y in zip(values, plain.values))
        and all(mdp.actions[c] in plain.argmax[s] for s, c in enumerate(choice))
        and its == plain.iterations
    )
    return same, t_base


def run_storm(S: int, rows: Rows, R: np.ndarray, ours: dict, tmp: Path) -> tuple[bool, float, float, float]:
    """Storm's exact engine on the sink model; (values equal to ours, write s, build s, solve s)."""
    path = tmp / f"random_{S}.drn"
    _, t_write = _timed(lambda: write_drn(S, rows, R, DISCOUNT, path))
    values, t_build, t_solve = storm_exact(path)
    path.unlink()
    return values == list(ours["sol"].values), t_write, t_build, t_solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400, 1000])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[50, 100],
                        help="sizes also solved by the plain sympy baseline (S=100 takes ~20 s)")
    parser.add_argument("--storm-sizes", type=int, nargs="*", default=[50, 100, 200, 400],
                        help="sizes also solved by Storm's exact engine (S=400 takes ~100 s)")
    parser.add_argument("--quick", action="store_true", help="skip Storm at S >= 400")
    parser.add_argument("--repeats", type=int, default=3, help="warm solves after the cold one")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    storm_sizes = [S for S in args.storm_sizes if not (args.quick and S >= 400)]

    print("bench_exact: exact policy iteration, random MDPs (A=4, 3 successors, p in 1/8 steps, "
          "r in 1/4 steps, gamma 9/10)")
    print(_machine.describe({"exact": _versions(), "seed": f"{args.seed} + S"}))
    print()
    ours_rows, peer_rows, failures = [], [], []
    with tempfile.TemporaryDirectory() as d:
        for S in args.sizes:
            rows, R = random_exact_mdp(S, args.seed + S)
            o = run_ours(S, rows, R, args.repeats, Path(d))
            if not o["same"]:
                failures.append(f"S={S}: warm_start=False / default / loaded from JSON")
            ours_rows.append(_ours_row(S, o))
            peer = [S, f"{o['t_plain']:.3f}", f"{o['cold']:.3f}"]
            peer += _sympy_cells(S, rows, R, o, failures) if S in args.baseline_sizes else ["-"] * 3
            peer += _storm_cells(S, rows, R, o, Path(d), failures) if S in storm_sizes else ["-"] * 6
            peer_rows.append(peer)
            print(f"  S={S} done", file=sys.stderr, flush=True)
    print(_machine.table(
        ["S", "PI its (default / no warm start)", "max denominator bits", "build FiniteMDP s",
         "ours cold s", "ours warm s (best)", "ours warm_start=False cold s", "save JSON s",
         "JSON MB", "load JSON s", "load + solve s"], ours_rows))
    print()
    print(_machine.table(
        ["S", "ours warm_start=False s", "ours default s", "sympy LUsolve PI s",
         "sympy / ours no-warm", "sympy values", "Storm write DRN s", "Storm build s",
         "Storm exact PI s", "Storm / ours default", "Storm build+solve / ours build+solve",
         "Storm values"], peer_rows))
    print()
    _goals(args.sizes, ours_rows, peer_rows)
    if failures:
        print("ERROR: solvers disagree: " + "; ".join(failures))
        return 1
    return 0


def _versions() -> str:
    import flint
    import stormpy
    from sympy.external.gmpy import GROUND_TYPES

    return (f"sympy {sympy.__version__} (ground types {GROUND_TYPES}), python-flint "
            f"{flint.__version__}, stormpy {stormpy.__version__}")


def _ours_row(S: int, o: dict) -> list:
    bits = max(v.denominator.bit_length() for v in o["sol"].values)
    return [S, f"{o['sol'].iterations} / {o['plain'].iterations}", bits, f"{o['build']:.3f}",
            f"{o['cold']:.3f}", f"{o['warm']:.3f}", f"{o['t_plain']:.3f}", f"{o['save']:.2f}",
            f"{o['json_mb']:.1f}", f"{o['load']:.3f}", f"{o['load_solve']:.3f}"]


def _sympy_cells(S: int, rows: Rows, R: np.ndarray, o: dict, failures: list[str]) -> list:
    same, t_base = run_sympy(S, rows, R, o)
    if not same:
        failures.append(f"S={S}: sympy baseline")
    return [f"{t_base:.2f}", f"{t_base / o['t_plain']:.0f}x", "identical" if same else "DIFFER"]


def _storm_cells(S: int, rows: Rows, R: np.ndarray, o: dict, tmp: Path, failures: list[str]) -> list:
    same, t_write, t_build, t_solve = run_storm(S, rows, R, o, tmp)
    if not same:
        failures.append(f"S={S}: Storm exact")
    total = (t_write + t_build + t_solve) / (o["build"] + o["cold"])
    return [f"{t_write:.3f}", f"{t_build:.3f}", f"{t_solve:.2f}", f"{t_solve / o['cold']:.0f}x",
            f"{total:.0f}x", "identical" if same else "DIFFER"]


def _goals(sizes: list[int], ours_rows: list[list], peer_rows: list[list]) -> None:
    by_size = {r[0]: r for r in peer_rows}
    if 400 in by_size and by_size[400][9] != "-":
        ratio = float(by_size[400][9].rstrip("x"))
        print(f"goal Storm exact / ours >= 20x at S=400: {ratio:.0f}x ({'met' if ratio >= 20 else 'MISSED'})")
    for r in ours_rows:
        if r[0] == 1000:
            t = float(r[10])
            print(f"goal S=1000 load JSON + solve < 5 s: {t:.2f} s ({'met' if t < 5 else 'MISSED'})")


if __name__ == "__main__":
    sys.exit(main())
