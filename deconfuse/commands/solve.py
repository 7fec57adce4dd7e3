"""``deconfuse solve TARGET``: exact optimal values, argmax sets and returns; with
``--symbolic NAME=LO..HI`` the exact optimal policy of a parametric environment (or of a
parametric PRISM file, NAME an undefined ``const double``) as NAME varies.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from deconfuse.arguments import add_target_arguments
from deconfuse.targets import PRISM_OPTIONS, load_parametric_prism_target, load_target, parse_params, prism_options
from deconfuse.text import json_number, parse_symbolic, table
from theory.errors import InvalidArgument
from theory.evaluation import expected_return
from theory.numbers import exact_and_decimal, format_number
from theory.solvers import solve

if TYPE_CHECKING:  # theory.symbolic (sympy) is imported where a partition is computed
    from theory.symbolic import Piece

__all__ = ["NAME", "add_parser", "run"]

NAME = "solve"


def add_parser(subparsers: Any) -> None:
    """Add ``solve`` to the subcommands."""
    p = subparsers.add_parser(NAME, help="exact optimal values, argmax sets and returns of TARGET")
    add_target_arguments(p)
    p.add_argument("--reward", help="reward to optimise (default: proxy if present, else the only one)")
    p.add_argument("--float", action="store_true", help="solve in float64 instead of exactly")
    p.add_argument("--json", action="store_true", help="print JSON (exact numbers as 'p/q' strings)")
    p.add_argument("--symbolic", metavar="NAME=LO..HI",
                   help="exact optimal policy as the parameter NAME varies over [LO, HI] "
                        "(parametric environments: chain, lava-corridor, delayed-reward, proxy-bandit; "
                        "a PRISM file's undefined const double NAME)")


def run(args: argparse.Namespace) -> int:
    """Solve TARGET exactly (or in floats) and print values, argmax sets and returns."""
    if args.reward is not None and not args.reward:
        raise InvalidArgument("--reward is '', not a reward name")
    if args.symbolic is not None:
        return _solve_symbolic(args)
    mdp = load_target(args.target, args.param, prism=prism_options(args))
    if args.float:
        mdp = mdp.to_float()
    reward = args.reward or mdp.default_objective()
    sol = solve(mdp, reward)
    v0 = sol.initial_values
    argmax = sol.argmax if mdp.horizon is None else sol.argmax[0]
    policy = sol.policy.as_dict(0)
    returns = {name: expected_return(mdp, sol.policy, name) for name in mdp.rewards}
    exact = mdp.exact
    if args.json:
        out = {
            "values": {s: json_number(x, exact) for s, x in zip(mdp.states, v0)},
            "policy": {s: {a: json_number(p, exact) for a, p in zip(mdp.actions, row) if p != 0}
                       for s, row in zip(mdp.states, sol.policy.at(0))},
            "argmax": {s: list(acts) for s, acts in zip(mdp.states, argmax)},
            "returns": {k: json_number(x, exact) for k, x in returns.items()},
        }
        print(json.dumps(out, indent=1))
        return 0
    kind = "exact" if exact else "float"
    time = f"discount {format_number(mdp.discount)}" if mdp.horizon is None else f"horizon {mdp.horizon} (values at t = 0)"
    disabled = int((~mdp.enabled).sum())
    actions = f"{mdp.A} actions" + (f" ({disabled} state-action pairs disabled)" if disabled else "")
    print(f"{args.target}: {mdp.S} states, {actions}, {time}, {kind}; optimising {reward!r} by {sol.method}")
    rows = [[s, exact_and_decimal(x), " ".join(acts), " ".join(f"{a}:{p}" for a, p in policy[s].items())]
            for s, x, acts in zip(mdp.states, v0, argmax)]
    print(table(rows, ["state", "optimal value", "argmax set", "policy"]))
    print()
    for name, x in returns.items():
        print(f"expected return from initial under {name!r}: {exact_and_decimal(x)}")
    return 0


def _solve_symbolic(args: argparse.Namespace) -> int:
    """The exact partition of a parameter's interval into pieces with a constant optimal policy."""
    from environments.parametric import SYMBOL_PARAMETERS, get_parametric
    from theory.symbolic import breakpoints, format_partition, optimal_partition

    name, lo, hi = parse_symbolic(args.symbolic)
    if args.target.endswith(".prism"):
        pmdp = load_parametric_prism_target(args.target, name, lo, hi, args.param, prism_options(args))
    else:
        for key in prism_options(args):
            raise InvalidArgument(f"{PRISM_OPTIONS[key]} is for PRISM files, not for the environment {args.target!r}")
        pmdp = get_parametric(args.target, name, **parse_params(args.param))
    others = [p for p in pmdp.params if p != name]
    if others:
        fixes = ", ".join(f"--param {SYMBOL_PARAMETERS.get(p, p)}=VALUE" for p in others)
        raise InvalidArgument(f"{args.target} also has the symbolic parameter(s) {', '.join(others)}; fix them with {fixes}")
    pieces = optimal_partition(pmdp, name, lo, hi, args.reward)
    points = breakpoints(pieces)
    if args.json:
        print(json.dumps(_partition_json(name, pieces, points), indent=1))
    else:
        print(format_partition(pieces, args.target))
    return 0


def _partition_json(name: str, pieces: Sequence[Piece], points: Sequence[Any]) -> dict[str, Any]:
    """The ``--symbolic --json`` output: the breakpoints and every piece, exact beside floats."""
    import sympy

    approx = lambda x: float(sympy.N(x, 17))  # noqa: E731
    return {
        "parameter": name,
        "reward": pieces[0].reward,
        "interval": [str(pieces[0].lo), str(pieces[-1].hi)],
        "breakpoints": [{"exact": str(b), "approx": approx(b)} for b in points],
        "pieces": [
            {"lo": str(p.lo), "hi": str(p.hi), "lo_approx": approx(p.lo), "hi_approx": approx(p.hi),
             "argmax": {s: list(a) for s, a in zip(p.states, p.argmax if not p.finite_horizon else p.argmax[0])},
             "values": {s: str(v) for s, v in zip(p.states, p.values)},
             "value_from_initial": str(p.initial_value)}
            for p in pieces
        ],
    }
