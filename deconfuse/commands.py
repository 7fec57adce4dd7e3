"""Further subcommands registered into :mod:`deconfuse.cli`: compare and demo."""

from __future__ import annotations

import argparse
import json
from typing import Any

from agents import parse_specs
from agents.compare import ComparisonRow, compare, row_to_json
from deconfuse import cli
from deconfuse.targets import load_target
from theory.numbers import format_number

__all__ = ["format_rows", "cmd_compare"]


def _approx(x: Any, exact: bool) -> str:
    if x is None:
        return "-"
    if exact:
        return format_number(x)
    return f"{float(x):.6g}"


def format_rows(rows: list[ComparisonRow], exact: bool = False) -> str:
    """The comparison as an aligned text table (decimals, or exact "p/q" with ``exact``)."""
    header = ["agent", "objective return", "true return", "true regret", "KL from base", "decision cost", "training cost"]
    body = [
        [
            r.spec,
            _approx(r.objective_return, exact),
            _approx(r.true_return, exact),
            _approx(r.true_regret, exact),
            "-" if r.kl_from_base is None else f"{r.kl_from_base:.4g}",
            str(r.cost.decision_total),
            str(r.cost.training) if (r.cost.training or r.cost.teacher_calls) else "-",
        ]
        for r in rows
    ]
    return cli._table(body, header)


DEFAULT_AGENTS = "argmax,uniform"


@cli.command("compare")
def cmd_compare(args: argparse.Namespace) -> int:
    """Run agents on TARGET and print objective/true returns, regret, KL and cost."""
    mdp = load_target(args.target, args.param)
    train = load_target(args.train, args.train_param) if args.train else None
    specs = parse_specs(args.agents, train=train) if train is not None else parse_specs(args.agents)
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


def _add_parsers(sub: Any) -> None:
    p = sub.add_parser("compare", help="compare agents on TARGET (returns, regret, KL, cost)")
    p.add_argument("target", metavar="TARGET", help="environment name or MDP JSON file")
    p.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")
    p.add_argument("--agents", default=DEFAULT_AGENTS, metavar="SPEC,SPEC,...",
                   help="agents to run, e.g. argmax,quantiliser:q=1/10,amortised:fallback=nearest")
    p.add_argument("--train", metavar="TARGET", help="MDP the amortised agents are trained on (default: TARGET)")
    p.add_argument("--train-param", action="append", metavar="K=V", help="parameter of the --train environment")
    p.add_argument("--objective", help="reward the agents pursue (default: proxy if present)")
    p.add_argument("--exact", action="store_true", help="print exact values as p/q")
    p.add_argument("--json", action="store_true", help="print the rows as JSON (exact values as 'p/q')")


cli._EXTRA_PARSERS.append(_add_parsers)
