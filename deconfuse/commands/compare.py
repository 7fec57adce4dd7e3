"""``deconfuse compare TARGET``: run agents on TARGET and print objective and true returns,
true regret, KL from the base policy and decision-time and training cost."""

from __future__ import annotations

import argparse
import json
from typing import Any

from agents.compare import COMPARISON_HEADER, ComparisonRow, compare, row_to_json
from deconfuse.arguments import add_target_arguments
from deconfuse.targets import load_target, prism_options
from deconfuse.text import table
from property_tests.loading import load_agents
from theory.errors import InvalidArgument
from theory.numbers import decimal_text, format_number

__all__ = ["NAME", "DEFAULT_AGENTS", "add_parser", "run", "format_rows"]

NAME = "compare"
#: The agents compared when ``--agents`` is not given.
DEFAULT_AGENTS = "argmax,uniform"


def add_parser(subparsers: Any) -> None:
    """Add ``compare`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="compare agents on TARGET (returns, regret, KL, cost)")
    add_target_arguments(p)
    p.add_argument("--agents", default=DEFAULT_AGENTS, metavar="SPEC,SPEC,...",
                   help="agents to run: registered SPECs (argmax,quantiliser:q=1/10,amortised:fallback=nearest) "
                        "or PATH.py::NAME[:key=value,...] for an agent class or instance in a user's file")
    p.add_argument("--train", metavar="TARGET", help="MDP the amortised agents are trained on (default: TARGET)")
    p.add_argument("--train-param", action="append", metavar="K=V", help="parameter of the --train environment")
    p.add_argument("--objective", help="reward the agents pursue (default: proxy if present)")
    p.add_argument("--exact", action="store_true", help="print exact values as p/q")
    p.add_argument("--json", action="store_true", help="print the rows as JSON (exact values as 'p/q')")


def run(args: argparse.Namespace) -> int:
    """Run agents on TARGET and print objective/true returns, regret, KL and cost."""
    mdp = load_target(args.target, args.param, prism=prism_options(args))
    if "true" not in mdp.rewards:
        known = ", ".join(repr(k) for k in mdp.rewards)
        raise InvalidArgument(f"{args.target} has no 'true' reward (it has {known}); compare measures the "
                              "agents' true return and regret under it")
    if args.train_param and not args.train:
        raise InvalidArgument("--train-param is given without --train")
    train = load_target(args.train, args.train_param, "--train-param") if args.train else None
    specs = load_agents(args.agents, train=train) if train is not None else load_agents(args.agents)
    rows = compare(mdp, specs, args.objective)
    if args.json:
        print(json.dumps([row_to_json(r) for r in rows], indent=1))
        return 0
    objective = args.objective or mdp.default_objective()
    where = f", amortised agents trained on {args.train}" if args.train else ""
    print(f"{args.target}: objective {objective!r}, measured under 'true'{where}")
    print(format_rows(rows, exact=args.exact))
    if not args.exact:
        print("(decimals shown; exact values with --exact or --json)")
    return 0


def _cell(x: Any, exact: bool) -> str:
    """A return or regret: "-" when absent, "p/q" when ``exact``, else 6 significant digits."""
    if x is None:
        return "-"
    return format_number(x) if exact else decimal_text(x)


def format_rows(rows: list[ComparisonRow], exact: bool = False) -> str:
    """The comparison as an aligned text table (decimals, or exact "p/q" with ``exact``)."""
    header = list(COMPARISON_HEADER)
    body = [
        [
            r.spec,
            _cell(r.objective_return, exact),
            _cell(r.true_return, exact),
            _cell(r.true_regret, exact),
            "-" if r.kl_from_base is None else f"{r.kl_from_base:.4g}",
            str(r.cost.decision_total),
            str(r.cost.training) if (r.cost.training or r.cost.teacher_calls) else "-",
        ]
        for r in rows
    ]
    return table(body, header)
