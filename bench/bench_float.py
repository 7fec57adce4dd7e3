"""Float value iteration and policy iteration: deconfuse against mdptoolbox-hiive, side by side.

One dense random MDP (S = 1000, A = 10, discount 0.95; every transition row uniform random
numbers normalised, rewards uniform in [0, 1)), generated with ``numpy.random.default_rng(seed)``
and given to both libraries (hiive wants transitions as (A, S, S), rewards as (S, A)). Each
timing is the best of ``--repeats``, the two libraries interleaved so both see the same machine.

What is timed. Ours: the solver call on an already built FiniteMDP (validation happens once,
when the FiniteMDP is built). hiive: constructor + ``run()`` with ``skip_check=True`` (hiive's
constructor also does algorithmic work: the initial Bellman backup, and for ValueIteration its
iteration bound). Validation is timed separately: building our FiniteMDP vs hiive's
``util.check(P, R)``.

Stopping rules (read off hiive/mdptoolbox/mdp.py, version 4.0.3.1):

- ours, ``value_iteration(tolerance=eps)``: stop when the *sup norm* of v_{k+1} - v_k is below
  eps (1 - gamma) / gamma, which guarantees ||v - v*||_inf < eps.
- hiive ``ValueIteration(P, R, gamma, epsilon=eps)``: the same threshold, but on the *span*
  (max - min) of V_{k+1} - V_k, and its ``max_iter`` argument is overwritten in the constructor
  by a computed bound (``_boundIter``). The span rule bounds the loss of the greedy *policy*,
  not the error of the values: on a dense MDP, V_{k+1} - V_k becomes nearly constant after a few
  steps, so hiive stops early with values far from v*. The "as documented" row shows that.
  The "same sweeps" row makes hiive run exactly as many sweeps as ours needed (``thresh = 0``,
  ``max_iter = ours``, set after construction), so that both deliver the same sup-norm
  guarantee: that is the like-for-like timing.
- policy iteration: both evaluate each policy with ``numpy.linalg.solve`` and stop when the
  policy no longer changes (ours switches a state only when the gain exceeds 1e-9 relative).

Values are checked against v* = our float policy-iteration values: value iteration within eps,
policy iteration within 1e-9 (both are direct solves). Exit status 1 if a check that should hold
fails (the "as documented" hiive row is expected to miss eps and is only reported).

Run from the repository root:  python bench/bench_float.py   (about 20 s)
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import time

import numpy as np

import _machine

_machine.use_this_checkout()

from theory.mdp import FiniteMDP  # noqa: E402
from theory.solvers import policy_iteration, value_iteration  # noqa: E402


def random_dense(S: int, A: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Transitions (S, A, S) and rewards (S, A), float64."""
    rng = np.random.default_rng(seed)
    T = rng.random((S, A, S))
    T /= T.sum(axis=2, keepdims=True)
    R = rng.random((S, A))
    return T, R


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--states", type=int, default=1000)
    parser.add_argument("--actions", type=int, default=10)
    parser.add_argument("--discount", type=float, default=0.95)
    parser.add_argument("--eps", type=float, default=1e-6, help="value-iteration tolerance")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    S, A, gamma, eps = args.states, args.actions, args.discount, args.eps

    import hiive.mdptoolbox.mdp as hmdp
    import hiive.mdptoolbox.util as hutil
    from importlib.metadata import version

    print(f"bench_float: dense random MDP S={S}, A={A}, discount {gamma}, VI tolerance {eps:g}, best of {args.repeats}")
    print(_machine.describe({"peer": f"mdptoolbox-hiive {version('mdptoolbox-hiive')}", "seed": str(args.seed)}))
    print()

    T, R = random_dense(S, A, args.seed)
    P = np.ascontiguousarray(T.transpose(1, 0, 2))  # hiive: (A, S, S)

    t0 = time.perf_counter()
    mdp = FiniteMDP(
        states=[f"s{i}" for i in range(S)], actions=[f"a{i}" for i in range(A)],
        transitions=T, rewards={"true": R}, initial=np.full(S, 1.0 / S), discount=gamma,
    )
    t_build = time.perf_counter() - t0
    _, t_check = _machine.best_of(1, lambda: hutil.check(P, R))

    quiet = contextlib.redirect_stdout(io.StringIO())  # hiive prints nothing unless verbose; be sure

    def ours_vi():
        return value_iteration(mdp, "true", tolerance=eps)

    def ours_pi():
        return policy_iteration(mdp, "true")

    def hiive_vi_documented():
        with quiet:
            h = hmdp.ValueIteration(P, R, gamma, epsilon=eps, skip_check=True)
            h.run()
        return h

    def hiive_vi_sweeps(n):
        def run():
            with quiet:
                h = hmdp.ValueIteration(P, R, gamma, epsilon=eps, skip_check=True)
                h.thresh, h.max_iter = 0.0, n  # exactly n sweeps, like ours
                h.run()
            return h
        return run

    def hiive_pi():
        with quiet:
            h = hmdp.PolicyIteration(P, R, gamma, skip_check=True)
            h.run()
        return h

    ours_pi()  # warm-up (first-call costs on both sides are not what we measure)
    sweeps = ours_vi().iterations
    times: dict[str, float] = {}
    results: dict[str, object] = {}
    jobs = {
        "ours VI": ours_vi,
        "hiive VI same sweeps": hiive_vi_sweeps(sweeps),
        "hiive VI as documented": hiive_vi_documented,
        "ours PI": ours_pi,
        "hiive PI": hiive_pi,
    }
    for _ in range(args.repeats):  # interleaved
        for name, job in jobs.items():
            out, t = _machine.best_of(1, job)
            results[name] = out
            times[name] = min(times.get(name, float("inf")), t)

    v_star = results["ours PI"].values
    optimal = results["ours PI"].policy.probs.argmax(axis=1)

    def err(v):
        return float(np.max(np.abs(np.asarray(v, dtype=float) - v_star)))

    rows, failures = [], []

    def add(name, method, iters, values, policy, tol, must_hold, peer_of=None):
        e = err(values)
        ok = e <= tol
        if must_hold and not ok:
            failures.append(name)
        same_policy = bool(np.array_equal(np.asarray(policy), optimal))
        ratio = f"{times[peer_of] / times[name]:.2f}x" if peer_of else ""
        rows.append([name, method, iters, f"{times[name] * 1e3:.1f}", ratio, f"{e:.2e}",
                     f"{'yes' if ok else 'NO'} (<= {tol:g})", "yes" if same_policy else "no"])

    vi, hv, hd = results["ours VI"], results["hiive VI same sweeps"], results["hiive VI as documented"]
    pi, hp = results["ours PI"], results["hiive PI"]
    add("ours VI", "sup-norm stop", vi.iterations, vi.values, vi.policy.probs.argmax(axis=1), eps, True,
        peer_of="hiive VI same sweeps")
    add("hiive VI same sweeps", "same sweeps as ours", hv.iter, hv.V, hv.policy, eps, True)
    add("hiive VI as documented", "span stop", hd.iter, hd.V, hd.policy, eps, False)
    add("ours PI", "policy stable", pi.iterations, pi.values, pi.policy.probs.argmax(axis=1), 1e-9, True,
        peer_of="hiive PI")
    add("hiive PI", "policy stable", hp.iter, hp.V, hp.policy, 1e-9, True)

    print(_machine.table(
        ["solver", "stopping", "iterations", "best ms", "hiive / ours", "max abs(v - v*)", "within tol",
         "policy optimal"],
        rows,
    ))
    print()
    same_vi = float(np.max(np.abs(np.asarray(hv.V) - vi.values)))
    print(f"ours VI vs hiive VI after the same {sweeps} sweeps: max abs difference = {same_vi:.2e}")
    print("v* = our float policy-iteration values (hiive PI: max abs difference from them in the table)")
    print(f"validation: build our FiniteMDP {t_build:.2f} s (once per model); hiive util.check(P, R) {t_check:.2f} s")
    for solver, peer in (("ours VI", "hiive VI same sweeps"), ("ours PI", "hiive PI")):
        verdict = "ours at least as fast" if times[solver] <= times[peer] else "ours SLOWER"
        print(f"goal {solver.split()[1]}: {verdict} ({times[solver] * 1e3:.1f} ms vs {times[peer] * 1e3:.1f} ms)")
    if failures:
        print(f"ERROR: values outside the tolerance for {failures}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
