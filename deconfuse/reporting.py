"""Subcommands ``report`` and ``demo``, registered into :mod:`deconfuse.cli`.

``deconfuse report NAME [--out DIR] [--force] [options]`` computes one report of
:data:`reports.demo.REPORTS`, saves its data (JSON, CSV), figures (PNG, SVG) and adds it to the
folder's index; ``deconfuse demo [--out DIR] [--quick] [--force]`` writes the headline report
(:func:`reports.demo.run_demo`). Both refuse a non-empty folder that is not an earlier report
(one line, exit status 2) unless ``--force``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from deconfuse import cli
from deconfuse.targets import load_target, parse_params
from theory.errors import InvalidArgument

__all__ = ["cmd_report", "cmd_demo", "report_options"]


def _list(text: str | None, convert: Any = str) -> list[Any] | None:
    """A comma-separated list (None when not given)."""
    if text is None:
        return None
    items = [t.strip() for t in text.split(",") if t.strip()]
    try:
        return [convert(t) for t in items]
    except ValueError:
        raise InvalidArgument(f"{text!r} is not a comma-separated list of {convert.__name__} values") from None


def _given(**options: Any) -> dict[str, Any]:
    return {k: v for k, v in options.items() if v is not None}


def report_options(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword options of :func:`reports.demo.build_report` from parsed arguments."""
    name = args.report
    if name == "goodhart-curves":
        params = parse_params(args.param) if args.param else None
        return _given(environment=args.env, error_model=args.error_model, params=params, seed=args.seed,
                      qs=_list(args.q), ns=_list(args.n, int), betas=_list(args.beta, float),
                      depths=_list(args.depth, int))
    if name == "prevalence":
        if args.sweep is not None:
            return {"sweep": args.sweep}
        return _given(n_mdps=args.n, workers=args.workers, progress=True, discounts=_list(args.discounts, float),
                      error_models=_list(args.error_models), family=args.family, pressures=args.pressures,
                      seed=args.seed, dask=args.dask)
    if name == "shift":
        return {**_given(layouts=args.layouts, magnitudes=_list(args.magnitudes), qs=_list(args.q),
                         hybrid_depth=args.hybrid_depth), **parse_params(args.param)}
    if name == "cost":
        train = load_target(args.train, args.train_param)
        test = load_target(args.test, args.test_param)
        return _given(train=train, test=test, agents=_list(args.agents), train_label=args.train,
                      test_label=args.test)
    if name == "theory":
        return _given(ns=_list(args.n, int), qs=_list(args.q), outcomes=args.outcomes)
    if name == "symbolic":
        from deconfuse.cli import _parse_symbolic
        from environments.parametric import get_parametric

        param, lo, hi = _parse_symbolic(args.symbolic)
        options: dict[str, Any] = {"pmdp": get_parametric(args.target, param, **parse_params(args.param)),
                                   "param": param, "lo": lo, "hi": hi}
        if args.y:
            y = args.y.partition("=")[0].strip()
            options.update(y=y, y_pmdp=get_parametric(args.target, y, **{**parse_params(args.param),
                                                                        **_symbolic_argument(args.target, param)}),
                           lines=args.lines)
        return options
    # graph
    target = args.target
    if target.endswith(".json") or Path(target).is_file():
        if args.param:
            raise InvalidArgument(f"--param is for environments, not for the file {target!r}")
        from reports.graph import counterexample_mdps

        mdps = counterexample_mdps(target)
    else:
        mdps = [(target, load_target(target, args.param))]
    return {"mdps": mdps, "layout": args.layout}


def _symbolic_argument(target: str, symbol: str) -> dict[str, Any]:
    """The builder argument that makes ``symbol`` symbolic, set to None."""
    from environments.parametric import SYMBOL_PARAMETERS

    argument = SYMBOL_PARAMETERS.get(symbol)
    return {argument: None} if argument else {}


@cli.command("report")
def cmd_report(args: argparse.Namespace) -> int:
    """Compute one report, save its data and figures into --out and update the index."""
    from reports.demo import build_report
    from reports.document import prepare_folder, write_artifact

    folder = Path(args.out)
    options = report_options(args)
    manifest = prepare_folder(folder, args.force)
    print(f"deconfuse report {args.report}: computing ...", flush=True)
    for artifact in build_report(args.report, folder, **options):
        entry = write_artifact(folder, artifact, manifest)
        files = [f for fig in entry["figures"] for f in (fig["png"], fig["svg"])] + entry["files"]
        print(f"{artifact.title}: wrote " + ", ".join(str(folder / f) for f in files), flush=True)
        print("  " + artifact.reading.text, flush=True)
    print(f"index: {folder / 'index.html'} and {folder / 'index.md'}")
    return 0


@cli.command("demo")
def cmd_demo(args: argparse.Namespace) -> int:
    """The headline report: Goodhart curves, prevalence, shift, cost, theory and the
    conjecture suite's verdicts, written as an HTML and Markdown report."""
    from reports.demo import run_demo

    run_demo(args.out, quick=args.quick, force=args.force, progress=lambda line: print(line, flush=True))
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    from reports.document import DEFAULT_FOLDER

    p.add_argument("--out", default=DEFAULT_FOLDER, metavar="DIR", help=f"report folder (default {DEFAULT_FOLDER}/)")
    p.add_argument("--force", action="store_true",
                   help="write into a non-empty folder that is not an earlier report")


def _add_parsers(sub: Any) -> None:
    from reports.demo import REPORTS

    p = sub.add_parser("report", help="compute one figure with its data and add it to a report folder",
                       description="Compute one report, save its data (JSON, CSV: exact values as 'p/q' beside "
                                   "floats) and figure (PNG, SVG) and add it to DIR/index.html and DIR/index.md.")
    names = p.add_subparsers(dest="report", metavar="NAME")
    names.required = True
    for name, doc in REPORTS.items():
        q = names.add_parser(name, help=doc, description=doc)
        _common(q)
        if name == "goodhart-curves":
            q.add_argument("--env", metavar="NAME", help="environment (default: random with S=5, A=4, seed=3)")
            q.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")
            q.add_argument("--error-model", metavar="NAME",
                           help="proxy-error model: regressional-light (default), regressional-heavy, extremal, "
                                "causal, or none (the environment's own proxy)")
            q.add_argument("--seed", type=int, metavar="S", help="seed of the error model (default 3)")
            q.add_argument("--q", metavar="Q,Q,...", help="quantile levels, e.g. 1,1/2,1/4")
            q.add_argument("--n", metavar="N,N,...", help="best-of-n sample counts, e.g. 1,2,4,8")
            q.add_argument("--beta", metavar="B,B,...", help="Boltzmann inverse temperatures, e.g. 0,1,10")
            q.add_argument("--depth", metavar="D,D,...", help="lookahead depths, e.g. 1,2,4")
        elif name == "prevalence":
            q.add_argument("--n", type=int, metavar="N", help="random MDPs per (error model, discount) (default 1000)")
            q.add_argument("--workers", type=int, metavar="W", help="local processes (default 2)")
            q.add_argument("--discounts", metavar="G,G,...", help="discounts (default 0.5,0.7,0.9,0.99)")
            q.add_argument("--error-models", metavar="NAME,...", help="error models (default: all four)")
            q.add_argument("--family", choices=("boltzmann", "quantiliser"), help="pressure family (default boltzmann)")
            q.add_argument("--pressures", type=int, metavar="P", help="points per curve (default 20)")
            q.add_argument("--seed", type=int, metavar="S", help="seed of the sweep (default 0)")
            q.add_argument("--sweep", metavar="DIR", help="draw a sweep saved earlier (a folder with sweep.json)")
            q.add_argument("--dask", metavar="ADDRESS",
                           help="run the sweep on an existing Dask scheduler, e.g. tcp://host:8786 (extra 'dask')")
        elif name == "shift":
            q.add_argument("--layouts", metavar="NAME", help="layout pair (default lava)")
            q.add_argument("--magnitudes", metavar="M,M,...", help="shift magnitudes in [0, 1] (default 0,1/8,...,1)")
            q.add_argument("--q", metavar="Q,Q,...", help="quantiliser levels (default 3/4,1/2,1/3)")
            q.add_argument("--hybrid-depth", type=int, metavar="D", help="search depth of the hybrid (default 1)")
            q.add_argument("--param", action="append", metavar="K=V", help="layout parameter, e.g. slip=1/10 (repeat)")
        elif name == "cost":
            q.add_argument("--train", default="lava-train", metavar="TARGET", help="training MDP (default lava-train)")
            q.add_argument("--test", default="lava-test", metavar="TARGET", help="test MDP (default lava-test)")
            q.add_argument("--train-param", action="append", metavar="K=V", help="parameter of --train (repeat)")
            q.add_argument("--test-param", action="append", metavar="K=V", help="parameter of --test (repeat)")
            q.add_argument("--agents", metavar="SPEC,SPEC,...", help="agents (default: 15 SPECs of every family)")
        elif name == "theory":
            q.add_argument("--n", metavar="N,N,...", help="sample counts (default 1,2,3,4,6,...,128)")
            q.add_argument("--q", metavar="Q,Q,...", help="quantile levels (default 1,1/2,...,1/1000)")
            q.add_argument("--outcomes", type=int, metavar="K", help="outcomes of the fine base (default 100)")
        elif name == "graph":
            q.add_argument("--target", required=True, metavar="ENV|FILE.json",
                           help="environment name, MDP file, or NAME.counterexample.json from deconfuse check")
            q.add_argument("--param", action="append", metavar="K=V", help="environment parameter (repeat)")
            q.add_argument("--layout", choices=("spring", "shell"), default="spring", help="graph layout")
        elif name == "symbolic":
            q.add_argument("--target", required=True, metavar="NAME",
                           help="parametric environment: chain, lava-corridor, delayed-reward, proxy-bandit")
            q.add_argument("--symbolic", required=True, metavar="NAME=LO..HI", help="the parameter and its interval")
            q.add_argument("--param", action="append", metavar="K=V", help="builder parameter (repeat)")
            q.add_argument("--y", metavar="NAME", help="a second parameter: add the region map over both")
            q.add_argument("--lines", type=int, default=9, metavar="K", help="exact lines of the region map (default 9)")
    p = sub.add_parser("demo", help="the headline report: every figure and the conjecture suite's verdicts",
                       description="Write the headline report (Goodhart curves, prevalence, shift, cost, theory, "
                                   "verdicts) as DIR/index.html and DIR/index.md.")
    _common(p)
    p.add_argument("--quick", action="store_true", help="a smaller run (about 20 s instead of about a minute)")


cli._EXTRA_PARSERS.append(_add_parsers)
