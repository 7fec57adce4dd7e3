"""Quantilal control (agents.quantilal, Kosoy's LP) against the policy quantiliser
(agents.quantiliser.PolicyQuantiliser, an enumeration of the A**S deterministic policies).

Random exact MDPs from ``environments.random_mdp`` (A = 2 actions, 2 successors per (s, a),
probabilities in 1/4 steps, rewards in 1/4 steps, discount 9/10, uniform start), q = 1/4,
reference: the uniform policy. For each S the table gives the time of

- the quantilal agent with the float LP (scipy HiGHS) on the float copy of the MDP,
- the quantilal agent with the exact LP (theory.lp, rational simplex) on the exact MDP
  (sizes up to ``--exact-max``), with its number of pivots,
- the policy quantiliser (exact) while A**S is at most its ``max_policies`` (4096, S = 12),

and checks that the exact and the float LP give the same value (within 1e-6 relative): exit
status 1 if they ever differ. The quantilal LP has S * A variables and 2S constraints
(polynomial); the policy quantiliser evaluates A**S policies (exponential).

Run from the repository root:  python bench/quantilal.py   (about 25 s; --exact-max 200 about 5 min)
"""

from __future__ import annotations

import argparse
import sys
import time
from fractions import Fraction

import _machine

_machine.use_this_checkout()

from agents.quantilal import Quantilal  # noqa: E402
from agents.quantiliser import PolicyQuantiliser  # noqa: E402
from environments.random_mdp import random_mdp  # noqa: E402

Q = Fraction(1, 4)
TOLERANCE = 1e-6  # relative |float LP value - exact LP value|


def _timed(f):
    t0 = time.perf_counter()
    out = f()
    return out, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[4, 6, 8, 10, 12, 20, 50, 100, 200])
    parser.add_argument("--exact-max", type=int, default=100, help="largest S solved by the exact LP (S = 200 takes ~5 min)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    print(f"bench quantilal: quantilal LP (float HiGHS, exact simplex) vs policy quantiliser, random MDPs "
          f"(A=2, branching 2, 1/4 steps, gamma 9/10), q = {Q}, uniform reference")
    print(_machine.describe({"seed": str(args.seed)}))
    print()
    rows, failures = [], []
    for S in args.sizes:
        mdp = random_mdp(S=S, A=2, branching=2, seed=args.seed + S)
        flo, t_float = _timed(lambda: Quantilal(Q, method="float").run(mdp.to_float()))
        exact_time = pivots = value = check = "-"
        if S <= args.exact_max:
            ex, t_exact = _timed(lambda: Quantilal(Q).run(mdp))
            exact_time, pivots, value = f"{t_exact:.3f}", ex.info["solution"].pivots, f"{float(ex.info['value']):.6f}"
            gap = abs(flo.info["value"] - float(ex.info["value"]))
            ok = gap <= TOLERANCE * max(1.0, abs(float(ex.info["value"])))
            check = "agree" if ok else "DIFFER"
            if not ok:
                failures.append(S)
        pq_time = pq_value = "-"
        if 2 ** S <= 4096:
            pq, t_pq = _timed(lambda: PolicyQuantiliser(Q).run(mdp))
            pq_time, pq_value = f"{t_pq:.3f}", f"{float(pq.behaviour.expected_return('proxy')):.6f}"
        else:
            pq_time = f"refused (2**{S} > 4096)"
        rows.append([S, f"{t_float:.4f}", exact_time, pivots, value, check, pq_time, pq_value])
        print(f"  S={S} done", file=sys.stderr, flush=True)
    print(_machine.table(
        ["S", "quantilal float s", "quantilal exact s", "exact pivots", "quantilal value",
         "exact = float", "policy quantiliser s", "policy quantiliser value"],
        rows,
    ))
    if failures:
        print(f"ERROR: the exact and float LPs disagree at S = {failures}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
