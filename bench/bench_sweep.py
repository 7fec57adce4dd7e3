"""Goodharting prevalence sweep at scale: deconfuse's batched sweep against a per-MDP loop with
mdptoolbox-hiive value iteration.

The job (``reports.sweeps``, default configuration): N = 10,000 random MDPs (S = 10, A = 3,
branching 2, initial state s0), 4 proxy-error models x 4 discounts (0.5, 0.7, 0.9, 0.99) =
16 cells, a Boltzmann curve of 20 pressure points per MDP and cell (160,000 curves, 3.2 million
policy evaluations), value iteration at tolerance 1e-8 for the proxy optimum and for the true
range, every curve classified by ``theory.goodhart.is_goodharting`` and ``drop_height``.

What is timed.

- ours: ``run_sweep`` end to end (MDP generation, error models, batched solvers, classification,
  assembly) with ``LocalExecutor(workers=2)``: wall time on 2 cores (process start-up included).
  Also the first ``--loop-mdps`` MDPs with ``LocalExecutor(workers=1)`` (one core, in process),
  for a like-for-like per-core ratio.
- the per-MDP loop, on the first ``--loop-mdps`` MDPs (200 by default; the same MDPs, since MDP
  i depends only on the seed and i), one core: for each MDP the same generation and error
  models, then per discount hiive ``ValueIteration`` on each of the 6 rewards (true, -true, 4
  proxies), Q = R + gamma P V, and per error model and pressure a numpy softmax and a
  ``numpy.linalg.solve`` of the policy's Bellman equations, then the same classification.
  Its time is extrapolated linearly to N MDPs (the work per MDP is the same for every MDP).

Same tolerance (the convention of bench_float.py). hiive's ValueIteration stops on the *span*
of V_{k+1} - V_k, which does not bound the error of the values (at discount 0.99 it stops after
~60 sweeps where the sup-norm rule needs ~2,500). So hiive runs exactly as many sweeps as our
batched value iteration needed for that MDP and reward (``thresh = 0``, ``max_iter = ours``,
set after construction): both then deliver ||v - v*|| < 1e-8. The loop's results are compared
with ours (flags and drop heights of every curve of the subset).

Run from the repository root:  python bench/bench_sweep.py   (about 3 minutes: the loop is the
slow part; ``--loop-mdps 500`` for the subset the issue suggests, about 5 minutes more).
Appends (or replaces) its own section of bench/RESULTS.md unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import io
import os
import resource
import sys
import time

import numpy as np

import _machine

_machine.use_this_checkout()

from reports.sweeps import (  # noqa: E402
    LocalExecutor,
    SweepConfig,
    classify_curves,
    pressure_grid,
    run_sweep,
    sweep_arrays,
)
from theory.batch import batch_value_iteration  # noqa: E402

BEGIN = "<!-- bench_sweep: begin -->"
END = "<!-- bench_sweep: end -->"


def our_iterations(config: SweepConfig, n: int) -> np.ndarray:
    """(n, D, 6) sweeps our batched value iteration needs per MDP, discount and reward
    (true, -true, the proxies): what hiive is told to run."""
    P, true, proxies = sweep_arrays(config, 0, n)
    rewards = np.concatenate([true[:, None], -true[:, None], proxies.transpose(1, 0, 2, 3)], axis=1)
    out = np.zeros((n, len(config.discounts), rewards.shape[1]), dtype=np.int64)
    for d, gamma in enumerate(config.discounts):
        out[:, d] = batch_value_iteration(P, rewards, gamma, config.tolerance)[2]
    return out


def per_mdp_loop(config: SweepConfig, n: int, sweeps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sweep of MDPs 0 .. n-1, one MDP at a time, hiive for value iteration.
    Returns flags and drops (M, D, n)."""
    import hiive.mdptoolbox.mdp as hmdp

    params, pressures, name = pressure_grid(config)
    M, D = len(config.error_models), len(config.discounts)
    flags = np.zeros((M, D, n), dtype=bool)
    drops = np.zeros((M, D, n))
    quiet = contextlib.redirect_stdout(io.StringIO())
    for i in range(n):
        P, true, proxies = sweep_arrays(config, i, i + 1)
        T, r_true, r_proxies = P[0], true[0], proxies[:, 0]
        S, A = r_true.shape
        T_hiive = np.ascontiguousarray(T.transpose(1, 0, 2))  # (A, S, S)
        rewards = [r_true, -r_true, *r_proxies]
        for d, gamma in enumerate(config.discounts):
            Qs, Vs = [], []
            for k, R in enumerate(rewards):
                with quiet:
                    h = hmdp.ValueIteration(T_hiive, R, gamma, epsilon=config.tolerance, skip_check=True)
                    h.thresh, h.max_iter = 0.0, int(sweeps[i, d, k])
                    h.run()
                V = np.asarray(h.V, dtype=float)
                Vs.append(V)
                Qs.append(R + gamma * (T @ V))
            j_max = Vs[0][0] + config.tolerance  # initial state s0
            j_min = -Vs[1][0] - config.tolerance
            eye = np.eye(S)
            for m in range(M):
                q = Qs[2 + m]
                curve = np.zeros((len(params), 2))
                for x, beta in enumerate(params):
                    w = np.exp(beta * (q - q.max(axis=1, keepdims=True)))
                    pi = w / w.sum(axis=1, keepdims=True)
                    P_pi = np.einsum("sa,sat->st", pi, T)
                    rhs = np.stack([(pi * r_true).sum(axis=1), (pi * r_proxies[m]).sum(axis=1)], axis=1)
                    v = np.linalg.solve(eye - gamma * P_pi, rhs)
                    curve[x] = v[0]
                f, dh = classify_curves(pressures, curve[:, :1], curve[:, 1:], np.array([j_min]),
                                        np.array([j_max]), "Boltzmann", name)
                flags[m, d, i], drops[m, d, i] = f[0], dh[0]
    return flags, drops


def cpu_seconds() -> float:
    """User + system CPU time of this process and of its terminated children (the pool's
    workers, once the pool has shut down)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def write_section(text: str) -> None:
    """Put ``text`` between our markers in bench/RESULTS.md: replace our previous section, keep
    every other one, or append when there is none."""
    path = _machine.ROOT / "bench" / "RESULTS.md"
    old = path.read_text() if path.exists() else "# Benchmark results\n"
    block = f"{BEGIN}\n{text.rstrip()}\n{END}\n"
    if BEGIN in old and END in old:
        head, rest = old.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        new = head + block + tail.lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mdps", type=int, default=10_000, help="N, MDPs per cell of the sweep")
    parser.add_argument("--loop-mdps", type=int, default=200, help="MDPs of the per-MDP loop (extrapolated)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)
    from importlib.metadata import version

    config = SweepConfig(n_mdps=args.mdps, seed=args.seed)
    n_loop = min(args.loop_mdps, args.mdps)
    subset = SweepConfig(n_mdps=n_loop, seed=args.seed)
    head = [
        f"bench_sweep: Goodharting prevalence, N = {config.n_mdps} MDPs (S={config.states}, A={config.actions}, "
        f"branching {config.branching}), {len(config.error_models)} error models x {len(config.discounts)} discounts, "
        f"{config.pressures} Boltzmann pressures (beta {config.beta_min:g} .. {config.beta_max:g}), "
        f"VI tolerance {config.tolerance:g}, seed {config.seed}",
        _machine.describe({
            "peer": f"mdptoolbox-hiive {version('mdptoolbox-hiive')}",
            "load": "load average before the run: " + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        }),
    ]
    print("\n".join(head), flush=True)

    c0, t0 = cpu_seconds(), time.perf_counter()
    result = run_sweep(config, executor=LocalExecutor(workers=args.workers), progress=True)
    t_ours, c_ours = time.perf_counter() - t0, cpu_seconds() - c0

    c0, t0 = cpu_seconds(), time.perf_counter()
    small = run_sweep(subset, executor=LocalExecutor(workers=1), progress=False)
    t_ours_small, c_ours_small = time.perf_counter() - t0, cpu_seconds() - c0

    sweeps = our_iterations(subset, n_loop)
    print(f"per-MDP loop with hiive on {n_loop} MDPs ...", file=sys.stderr, flush=True)
    c0, t0 = cpu_seconds(), time.perf_counter()
    loop_flags, loop_drops = per_mdp_loop(subset, n_loop, sweeps)
    t_loop, c_loop = time.perf_counter() - t0, cpu_seconds() - c0
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())

    # agreement: the subset run equals the first n_loop MDPs of the big run; the loop agrees
    same_prefix = all(
        small.cell(c.error_model, c.discount).flags == c.flags[:n_loop]
        and small.cell(c.error_model, c.discount).drop_heights == c.drop_heights[:n_loop]
        for c in result.cells
    )
    ours_flags = np.array([[small.cell(m, d).flags for d in config.discounts] for m in config.error_models])
    ours_drops = np.array([[small.cell(m, d).drop_heights for d in config.discounts] for m in config.error_models])
    agree = int((ours_flags == loop_flags).sum())
    total = ours_flags.size
    max_drop_diff = float(np.max(np.abs(ours_drops - loop_drops)))

    t_loop_full = t_loop / n_loop * config.n_mdps
    rows = [
        [f"ours, batched, {args.workers} processes", str(config.n_mdps), f"{t_ours:.1f}", f"{c_ours:.1f}",
         "measured", f"{'yes' if t_ours < 60 else 'NO'} (< 60 s)"],
        ["ours, batched, 1 process", str(n_loop), f"{t_ours_small:.2f}", f"{c_ours_small:.2f}", "measured", ""],
        ["per-MDP loop, hiive VI, 1 process", str(n_loop), f"{t_loop:.1f}", f"{c_loop:.1f}", "measured", ""],
        ["per-MDP loop, hiive VI, 1 process", str(config.n_mdps), f"{t_loop_full:.0f}", "",
         f"extrapolated x {config.n_mdps / n_loop:g}", ""],
    ]
    lines = [
        _machine.table(["run", "MDPs", "wall s", "CPU s", "", "goal"], rows),
        "",
        f"CPU s: user + system time of this process and its worker processes. Load average after the "
        f"runs: {load_after} (other jobs on the machine slow the wall times down).",
        "",
        f"ratio, loop extrapolated to {config.n_mdps} MDPs (1 core) / ours ({args.workers} cores): "
        f"{t_loop_full / t_ours:.0f}x",
        f"ratio per core, on the same {n_loop} MDPs: loop / ours = {t_loop / t_ours_small:.0f}x",
        f"curves: {config.n_mdps * len(result.cells)} ({len(result.cells)} cells x {config.n_mdps}), "
        f"{config.n_mdps * len(result.cells) * config.pressures} policy evaluations",
        f"agreement on the {n_loop}-MDP subset: {agree}/{total} Goodharting flags equal, "
        f"max |drop height difference| = {max_drop_diff:.1e}; the 1-process subset run equals the first "
        f"{n_loop} MDPs of the {args.workers}-process run: {'yes' if same_prefix else 'NO'}",
        "",
        "Prevalence (fraction of Goodharting curves, 95% Wilson interval; mean normalised drop height",
        "over the Goodharting curves, and the share of curves with a drop height above 0.01):",
        "",
    ]
    prev_rows = []
    for c in result.cells:
        mean = c.mean_drop(True)
        big = sum(1 for x in c.drop_heights if x > 0.01) / c.n
        prev_rows.append([c.error_model, f"{c.discount:g}", f"{c.fraction:.3f}", f"[{c.ci_low:.3f}, {c.ci_high:.3f}]",
                          "" if mean is None else f"{mean:.4f}", f"{big:.3f}"])
    lines.append(_machine.table(["error model", "discount", "Goodharting", "95% CI", "mean drop (G)",
                                 "drop > 0.01"], prev_rows))
    body = "\n".join(lines)
    print()
    print(body)
    ok = same_prefix and agree == total
    if not args.no_write:
        stamp = datetime.date.today().isoformat()
        section = "\n".join([
            f"## bench_sweep: Goodharting prevalence sweep ({stamp})",
            "",
            "`python bench/bench_sweep.py" + (f" --loop-mdps {n_loop}" if n_loop != 200 else "") + "`",
            "",
            "```",
            *head,
            "```",
            "",
            body,
            "",
            "The loop runs hiive's ValueIteration for exactly as many sweeps as ours needed per MDP and reward "
            "(hiive's own span rule stops far earlier without the sup-norm guarantee); its time is measured "
            f"on the first {n_loop} MDPs and extrapolated linearly.",
        ])
        write_section(section)
        print("\nwrote bench/RESULTS.md (section bench_sweep)")
    if not ok:
        print("NOTE: the per-MDP loop and the batched sweep disagree on some curves (see above)")
    return 0 if same_prefix else 1


if __name__ == "__main__":
    sys.exit(main())
