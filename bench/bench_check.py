"""Examples checked per second by the conjecture engine, for every theorem of the suite.

Each theorem runs through ``property_tests.engine.check`` (the path ``deconfuse check`` takes:
Hypothesis generation of exact MDPs with at most 5 states, the exact check, no shrinking since
theorems hold) with N examples; we report examples per second on one core (the engine is
single-threaded). Goal from the Goodhart issue: at least 100 exact examples per second per core
for the cheap theorems.

Run:  python bench/bench_check.py [--examples N]
"""

from __future__ import annotations

import argparse
import time

from property_tests.engine import check, suite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    args = parser.parse_args()
    print(f"{'theorem':48s} {'examples':>8s} {'seconds':>8s} {'examples/s':>10s}")
    for conj in suite().values():
        if conj.kind != "theorem":
            continue
        start = time.perf_counter()
        verdict = check(conj, examples=args.examples, seed=0)
        seconds = time.perf_counter() - start
        assert verdict.verdict == "holds", verdict.line()
        print(f"{conj.name:48s} {verdict.examples:8d} {seconds:8.2f} {verdict.examples / seconds:10.0f}", flush=True)


if __name__ == "__main__":
    main()
