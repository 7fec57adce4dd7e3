"""The ``deconfuse`` command line: envs | agents | solve | mdp | compare | demo.

Errors are one line on stderr with exit status 2 and no traceback, unless ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import agents
import environments
from deconfuse.targets import load_target
from theory.errors import DeconfuseError, InvalidArgument
from theory.evaluation import expected_return
from theory.io import save_mdp
from theory.numbers import exact_and_decimal, format_number
from theory.solvers import solve

__all__ = ["main", "build_parser"]

Command = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Command] = {}


def command(name: str) -> Callable[[Command], Command]:
    """Register a subcommand implementation."""

    def wrap(fn: Command) -> Command:
        _COMMANDS[name] = fn
        return fn

    return wrap


def _json_number(x: Any, exact: bool) -> Any:
    return format_number(x) if exact else float(x)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(header), line(["-" * w for w in widths])] + [line(r) for r in rows])


@command("envs")
def cmd_envs(args: argparse.Namespace) -> int:
    """List the registered environments."""
    for name, doc in environments.describe():
        print(f"{name:22s} {doc}")
    return 0


@command("agents")
def cmd_agents(args: argparse.Namespace) -> int:
    """List the registered agents."""
    for name, doc in agents.describe():
        print(f"{name:24s} {doc}")
    return 0


@command("solve")
def cmd_solve(args: argparse.Namespace) -> int:
    """Solve TARGET exactly (or in floats) and print values, argmax sets and returns."""
    if args.symbolic:
        return _solve_symbolic(args)
    mdp = load_target(args.target, args.param)
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
            "values": {s: _json_number(x, exact) for s, x in zip(mdp.states, v0)},
            "policy": {s: {a: _json_number(p, exact) for a, p in zip(mdp.actions, row) if p != 0}
                       for s, row in zip(mdp.states, sol.policy.at(0))},
            "argmax": {s: list(acts) for s, acts in zip(mdp.states, argmax)},
            "returns": {k: _json_number(x, exact) for k, x in returns.items()},
        }
        print(json.dumps(out, indent=1))
        return 0
    kind = "exact" if exact else "float"
    time = f"discount {format_number(mdp.discount)}" if mdp.horizon is None else f"horizon {mdp.horizon} (values at t = 0)"
    print(f"{args.target}: {mdp.S} states, {mdp.A} actions, {time}, {kind}; optimising {reward!r} by {sol.method}")
    rows = [[s, exact_and_decimal(x), " ".join(acts), " ".join(f"{a}:{p}" for a, p in policy[s].items())]
            for s, x, acts in zip(mdp.states, v0, argmax)]
    print(_table(rows, ["state", "optimal value", "argmax set", "policy"]))
    print()
    for name, x in returns.items():
        print(f"expected return from initial under {name!r}: {exact_and_decimal(x)}")
    return 0


def _parse_symbolic(text: str) -> tuple[str, str | None, str | None]:
    """``NAME=LO..HI`` (or ``NAME``: its declared range) -> (name, lo, hi)."""
    name, _, rng = text.partition("=")
    if not name.strip():
        raise InvalidArgument(f"--symbolic {text!r} is not NAME=LO..HI")
    if not rng:
        return name.strip(), None, None
    lo, sep, hi = rng.partition("..")
    if not sep or not lo.strip() or not hi.strip():
        raise InvalidArgument(f"--symbolic {text!r} is not NAME=LO..HI (e.g. gamma=0..99/100)")
    return name.strip(), lo.strip(), hi.strip()


def _solve_symbolic(args: argparse.Namespace) -> int:
    """The exact partition of a parameter's interval into pieces with a constant optimal policy."""
    import sympy

    from deconfuse.targets import parse_params
    from environments.parametric import SYMBOL_PARAMETERS, get_parametric
    from theory.symbolic import breakpoints, optimal_partition

    name, lo, hi = _parse_symbolic(args.symbolic)
    pmdp = get_parametric(args.target, name, **parse_params(args.param))
    others = [p for p in pmdp.params if p != name]
    if others:
        fixes = ", ".join(f"--param {SYMBOL_PARAMETERS.get(p, p)}=VALUE" for p in others)
        raise InvalidArgument(f"{args.target} also has the symbolic parameter(s) {', '.join(others)}; fix them with {fixes}")
    pieces = optimal_partition(pmdp, name, lo, hi, args.reward)
    points = breakpoints(pieces)
    approx = lambda x: float(sympy.N(x, 17))  # noqa: E731
    if args.json:
        out = {
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
        print(json.dumps(out, indent=1))
        return 0
    print(f"{args.target}: optimal policy for {pieces[0].reward!r} as {name} varies over "
          f"[{pieces[0].lo}, {pieces[-1].hi}]: {len(pieces)} pieces, {len(points)} breakpoints")
    for k, b in enumerate(points, 1):
        print(f"breakpoint {k}: {name} = {b}  (~ {sympy.N(b, 12)})")
    previous: dict[str, str] = {}
    for k, p in enumerate(pieces, 1):
        argmax = p.argmax if not p.finite_horizon else p.argmax[0]
        policy = {s: "|".join(a) for s, a in zip(p.states, argmax)}
        print(f"piece {k}: {name} in [{p.lo}, {p.hi}]  (~ [{sympy.N(p.lo, 12)}, {sympy.N(p.hi, 12)}])")
        if not previous:
            print("  policy: " + ", ".join(f"{s}: {a}" for s, a in policy.items()))
        else:
            changes = [f"{s}: {previous[s]} -> {a}" for s, a in policy.items() if previous[s] != a]
            print("  policy changes: " + (", ".join(changes) or "none (a tie ends here)"))
        print(f"  value from initial: {p.initial_value}")
        previous = policy
    return 0


@command("mdp")
def cmd_mdp(args: argparse.Namespace) -> int:
    """Write TARGET as an MDP JSON file."""
    mdp = load_target(args.target, args.param)
    path = save_mdp(mdp, args.out)
    print(f"wrote {path} ({mdp.S} states, {mdp.A} actions)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``deconfuse``."""
    parser = argparse.ArgumentParser(
        prog="deconfuse",
        description="Exact comparison of direct, quantilising and amortised optimisers on finite MDPs.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    sub.add_parser("envs", help="list the registered environments")
    sub.add_parser("agents", help="list the registered agents")

    def target(p: argparse.ArgumentParser) -> None:
        p.add_argument("target", metavar="TARGET", help="environment name or MDP JSON file")
        p.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")

    p = sub.add_parser("solve", help="exact optimal values, argmax sets and returns of TARGET")
    target(p)
    p.add_argument("--reward", help="reward to optimise (default: proxy if present, else the only one)")
    p.add_argument("--float", action="store_true", help="solve in float64 instead of exactly")
    p.add_argument("--json", action="store_true", help="print JSON (exact numbers as 'p/q' strings)")
    p.add_argument("--symbolic", metavar="NAME=LO..HI",
                   help="exact optimal policy as the parameter NAME varies over [LO, HI] "
                        "(parametric environments: chain, lava-corridor, delayed-reward, proxy-bandit)")

    p = sub.add_parser("mdp", help="write TARGET as an MDP JSON file")
    target(p)
    p.add_argument("--out", required=True, metavar="FILE.json")

    for extra in _EXTRA_PARSERS:
        extra(sub)
    return parser


#: Functions that add subcommand parsers defined in other modules of this package.
_EXTRA_PARSERS: list[Callable[[Any], None]] = []


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    _load_extensions()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except (DeconfuseError, OSError) as exc:
        if args.debug:
            raise
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        print(f"deconfuse: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # pragma: no cover
        print("deconfuse: interrupted", file=sys.stderr)
        return 130


def _load_extensions() -> None:
    """Import the modules that register further subcommands (compare, demo, ...)."""
    from deconfuse import commands  # noqa: F401
    from deconfuse import reporting  # noqa: F401
