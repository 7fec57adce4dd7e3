"""Building models with the sparse core: the construction times and memory of issue 12.

Four measurements, each the best of ``--repeats`` (memory: the peak of the traced Python
allocations during one build, ``tracemalloc``; the maximum resident set of the process is
printed too):

1. a float model from a dense (S, A, S) array, S = 1000, A = 10 (goal: under 50 ms);
2. an exact model from per-row mappings ``{(s, a): {s': p}}``, S = 1000, A = 4, 3 successors
   with probabilities in steps of 1/8, and its ``to_float()`` (goal: under 100 ms);
3. reading a 15,000-state cycle from its JSON file (goal: under 10 s and 1 GB);
4. the same JSON cycle written and read back at 100,000 states, to show the growth.

Run from the repository root:  python bench/bench_build.py   (about 30 s)
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import tracemalloc
from fractions import Fraction
from typing import Any, Callable

import numpy as np

import _machine

_machine.use_this_checkout()

from theory.io import load_mdp, save_mdp  # noqa: E402
from theory.mdp import FiniteMDP  # noqa: E402


def _peak(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def dense_float(S: int = 1000, A: int = 10, seed: int = 0) -> Callable[[], FiniteMDP]:
    rng = np.random.default_rng(seed)
    P = rng.random((S, A, S))
    P /= P.sum(axis=2, keepdims=True)
    R = rng.random((S, A))
    states, actions = [f"s{i}" for i in range(S)], [f"a{j}" for j in range(A)]
    return lambda: FiniteMDP(states, actions, P, {"true": R}, np.full(S, 1 / S), discount=0.95)


def sparse_exact(S: int = 1000, A: int = 4, seed: int = 0) -> Callable[[], FiniteMDP]:
    rng = np.random.default_rng(seed)
    rows = {}
    for s in range(S):
        for a in range(A):
            succ = rng.choice(S, 3, replace=False).tolist()
            cuts = np.sort(rng.choice(np.arange(1, 8), 2, replace=False))
            weights = np.diff([0, *cuts, 8])
            rows[(s, a)] = {j: Fraction(int(w), 8) for j, w in zip(succ, weights)}
    R = np.array([[Fraction(int(k), 4) for k in row] for row in rng.integers(-8, 9, (S, A))], dtype=object)
    mu = np.array([Fraction(1, S)] * S, dtype=object)
    states, actions = [f"s{i}" for i in range(S)], [f"a{j}" for j in range(A)]
    return lambda: FiniteMDP(states, actions, rows, {"true": R}, mu, discount=Fraction(9, 10))


def cycle(S: int) -> FiniteMDP:
    rows = {(s, 0): {(s + 1) % S: Fraction(1)} for s in range(S)}
    R = np.full((S, 1), Fraction(1), dtype=object)
    mu = np.array([Fraction(1)] + [Fraction(0)] * (S - 1), dtype=object)
    return FiniteMDP([f"s{i}" for i in range(S)], ["next"], rows, {"true": R}, mu, discount=Fraction(1, 2))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(_machine.describe())
    rows = []
    build = dense_float()
    _, t = _machine.best_of(args.repeats, build)
    rows.append(("float, dense array, S=1000 A=10", t, _peak(build), "< 0.05 s"))
    build = sparse_exact()
    exact, t = _machine.best_of(args.repeats, build)
    rows.append(("exact, per-row mappings, S=1000 A=4 3 succ.", t, _peak(build), ""))
    _, t = _machine.best_of(args.repeats, exact.to_float)
    rows.append(("  its to_float()", t, _peak(exact.to_float), "< 0.1 s"))
    with tempfile.TemporaryDirectory() as folder:
        for S, goal in ((15_000, "< 10 s, < 1 GB"), (100_000, "")):
            path = os.path.join(folder, f"cycle{S}.json")
            save_mdp(cycle(S), path)
            _, t = _machine.best_of(1, lambda: load_mdp(path))
            rows.append((f"exact, JSON cycle, S={S:,} ({os.path.getsize(path) / 2**20:.1f} MiB)", t,
                         _peak(lambda: load_mdp(path)), goal))
    print(f"{'build':48s} {'time (s)':>9s} {'peak traced (MiB)':>18s}  goal")
    for name, t, peak, goal in rows:
        print(f"{name:48s} {t:9.3f} {peak:18.1f}  {goal}")
    print(f"max resident set of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
