"""Further subcommands registered into :mod:`deconfuse.cli`: compare, check and replay."""

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


# -- check and replay ---------------------------------------------------------------------

DEFAULT_COUNTEREXAMPLES = "counterexamples"


@cli.command("check")
def cmd_check(args: argparse.Namespace) -> int:
    """Check conjectures (suite names, PATH.py or PATH.py::NAME); exit 0 iff every verdict
    matches its declared expectation."""
    from pathlib import Path

    from property_tests.engine import check, describe_counterexample, load_conjectures, save_counterexample

    conjectures = load_conjectures(args.names)
    if args.list:
        for c in conjectures:
            print(f"{c.name} [{c.kind}, expect {c.expect}]: {c.statement}")
        return 0
    all_match = True
    for c in conjectures:
        verdict = check(c, examples=args.examples, seed=args.seed)
        print(verdict.line(), flush=True)
        if verdict.counterexample is not None:
            print(f"  claim: {c.statement}")
            print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
            reference = c.source if "::" in c.source else c.name
            path = save_counterexample(verdict, Path(args.out), reference)
            print(f"  saved: {path}")
            for drawing in _draw_counterexample(path):
                print(f"  graph: {drawing}")
            print(f"  replay: deconfuse replay {path}")
        all_match &= verdict.matches
    return 0 if all_match else 1


def _draw_counterexample(path: Any) -> list[Any]:
    """Draw every MDP of a saved counterexample as a graph (PNG and SVG beside it)."""
    import re

    from reports.document import save_figure
    from reports.graph import counterexample_mdps, graph_data, graph_figure

    out = []
    stem = path.name.removesuffix(".counterexample.json")
    for title, mdp in counterexample_mdps(path):
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title.split(": ", 1)[-1]).strip("-")
        out.extend(save_figure(graph_figure(graph_data(mdp, title)), path.parent, f"{stem}.{slug}.graph")[:1])
    return out


@cli.command("replay")
def cmd_replay(args: argparse.Namespace) -> int:
    """Re-check a saved counterexample; exit 0 iff the verdict is the recorded one."""
    from property_tests.engine import describe_counterexample, replay

    verdict, recorded = replay(args.file)
    print(f"{verdict.conjecture.name}: {verdict.verdict} on the saved case (recorded: {recorded})")
    if verdict.verdict == "refuted":
        print("\n".join("  " + line for line in describe_counterexample(verdict).splitlines()))
    return 0 if verdict.verdict == recorded else 1


def _add_check_parsers(sub: Any) -> None:
    p = sub.add_parser("check", help="check conjectures on generated MDPs; shrink counterexamples")
    p.add_argument("names", nargs="*", metavar="NAME|PATH.py[::NAME]",
                   help="suite conjectures or a user's file (default: the whole suite)")
    p.add_argument("--examples", type=int, default=None, metavar="N", help="examples per conjecture")
    p.add_argument("--seed", type=int, default=0, metavar="S", help="Hypothesis seed (default 0)")
    p.add_argument("--out", default=DEFAULT_COUNTEREXAMPLES, metavar="DIR",
                   help=f"where counterexamples are saved (default {DEFAULT_COUNTEREXAMPLES}/)")
    p.add_argument("--list", action="store_true", help="list the conjectures with statements and expectations")
    p = sub.add_parser("replay", help="re-check a saved counterexample exactly")
    p.add_argument("file", metavar="FILE", help="a NAME.counterexample.json written by deconfuse check")


cli._EXTRA_PARSERS.append(_add_check_parsers)

