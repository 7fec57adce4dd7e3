"""``deconfuse check-agent SPEC``: the conformance check of an agent (a registered SPEC or
``PATH.py::NAME[:key=value,...]`` in a user's file), :func:`property_tests.conformance.check_agent`:
one line per clause, and for a failing clause its minimal model. Exit 0 when every clause holds,
1 when one fails."""

from __future__ import annotations

import argparse
from typing import Any

from theory.errors import InvalidArgument

__all__ = ["NAME", "add_parser", "run"]

NAME = "check-agent"


def add_parser(subparsers: Any) -> None:
    """Add ``check-agent`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="check an agent against the properties every agent must have")
    p.add_argument("agent", metavar="SPEC|PATH.py::NAME[:key=value,...]",
                   help="a registered agent SPEC, or an agent class or instance in a user's file")
    p.add_argument("--examples", type=int, default=None, metavar="N",
                   help="generated MDPs per clause (default: each clause's own count)")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed (default 0)")
    kind = p.add_mutually_exclusive_group()
    kind.add_argument("--discounted-only", action="store_true", help="the agent accepts discounted models only")
    kind.add_argument("--finite-horizon-only", action="store_true", help="the agent accepts finite horizons only")
    p.add_argument("--float-output", action="store_true",
                   help="the agent returns float policies on exact models (skips exact_in_exact_out)")


def run(args: argparse.Namespace) -> int:
    """Check the agent's conformance; exit 0 iff every clause holds."""
    from agents.registry import is_file_spec, parse_spec
    from property_tests.conformance import check_agent
    from property_tests.engine import describe_counterexample
    from property_tests.loading import load_agent

    if args.examples is not None and args.examples < 1:
        raise InvalidArgument(f"--examples is {args.examples}, not a positive integer")
    agent = load_agent(args.agent) if is_file_spec(args.agent) else parse_spec(args.agent)
    result = check_agent(agent, examples=args.examples, seed=args.seed, discounted=not args.finite_horizon_only,
                         finite_horizon=not args.discounted_only, exact=not args.float_output)
    for verdict in result.verdicts:
        c = verdict.conjecture
        if verdict.verdict == "holds":
            print(f"{c.name}: holds ({verdict.examples} models)", flush=True)
            continue
        what = "fails" if verdict.verdict == "refuted" else f"error: {verdict.error}"
        print(f"{c.name}: {what}", flush=True)
        print(f"  clause: {c.statement}")
        print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()), flush=True)
    print(f"{args.agent}: {'conforms' if result.passed else f'{len(result.failures)} clause(s) fail'}")
    return 0 if result.passed else 1
