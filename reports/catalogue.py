"""The report catalogue: every report that ``deconfuse report NAME`` offers and ``deconfuse demo``
writes (and so a report folder's index shows), each listed once.

A :class:`Report` names its module and the module's four functions (the *data* function, the
*figure* drawn from the data, the two-sentence *reading* and the *artifact* that bundles them
for a report folder, see :mod:`reports`), and states

- its command-line **options** (:class:`Option`: flag, kind of value, default, help) and how
  they map to the keyword arguments of :func:`build_report` (each option's ``keyword``, then
  the report's ``keywords`` function, by default the options that were given);
- how its artifacts are **built** from those keyword arguments (by default
  ``artifact(data(**options))``);
- its **demo** step, if ``deconfuse demo`` includes it: a function of the demo's settings
  (:class:`reports.demo.DemoSettings`) and of whether long steps may print progress, giving the
  step's progress label and keyword arguments.

The modules are imported when a report is built, not when the catalogue is read, so that the
command line starts without matplotlib. Adding a report is one module and one line of
:data:`CATALOGUE`.

Examples
--------
>>> [r.name for r in CATALOGUE]
['goodhart-curves', 'prevalence', 'shift', 'cost', 'spectrum', 'amortised', 'theory', 'graph', 'symbolic', 'reproductions']
>>> REPORTS["theory"].function("data").__name__, [o.flag for o in REPORTS["theory"].options]
('theory_data', ['--n', '--q', '--outcomes'])
"""

from __future__ import annotations

import dataclasses
import importlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from reports.document import Artifact
from theory.errors import InvalidArgument
from theory.validation import check_choice

__all__ = ["KINDS", "Option", "Report", "CATALOGUE", "REPORTS", "build_report", "option_message"]

#: The kinds of option value, and what the command line makes of an option's text.
KINDS: dict[str, str] = {
    "text": "the text as given",
    "int": "an integer",
    "list": "comma-separated items: a list of str",
    "int-list": "comma-separated integers: a list of int",
    "float-list": "comma-separated numbers: a list of float",
    "params": "repeatable K=V pairs: a dict (None when not given)",
    "symbolic": "NAME=LO..HI (or NAME): the tuple (name, lo, hi)",
    "target": "an environment name (with the K=V pairs of the option ``params``) or an MDP file: a FiniteMDP",
    "mdps": "an environment name (with the K=V pairs of the option ``params``), an MDP file or a "
            "NAME.counterexample.json: a list of (title, FiniteMDP)",
}


@dataclasses.dataclass(frozen=True)
class Option:
    """One command-line option of a report.

    - ``flag`` (``"--error-model"``; its value is ``args.error_model``), ``help``, ``metavar``,
      ``default``, ``choices``, ``required``: as in :meth:`argparse.ArgumentParser.add_argument`;
    - ``kind``: how the text is read (a key of :data:`KINDS`);
    - ``keyword``: the name its value is given under to the report's ``keywords`` function;
      None for an option that another one reads (the K=V pairs of a target);
    - ``params``: for a "target" or "mdps" option, the flag of its K=V pairs;
    - ``label``: a keyword that also receives the option's text as given (a target's name);
    - ``alone``: when the option is given, the report reads no other option;
    - ``names``: the names the report's functions give the option's value in their messages,
      beside ``keyword`` (``("n",)`` for ``--n``, read as ``ns``): a message about one of them
      is shown with the flag instead (:func:`option_message`).

    >>> Option("--q", "qs", "quantile levels", kind="list").dest
    'q'
    """

    flag: str
    keyword: str | None
    help: str
    kind: str = "text"
    metavar: str | None = None
    default: Any = None
    choices: tuple[str, ...] | None = None
    required: bool = False
    params: str | None = None
    label: str | None = None
    alone: bool = False
    names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_choice(self.kind, f"the kind of option {self.flag}", tuple(KINDS))

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments that holds the option's value."""
        return _dest(self.flag)

    @property
    def params_dest(self) -> str | None:
        """The attribute of the parsed arguments that holds the K=V pairs of ``params``."""
        return None if self.params is None else _dest(self.params)


def option_message(message: str, options: tuple[Option, ...]) -> str:
    """``message`` with a leading internal name (an option's ``keyword`` or one of its
    ``names``) replaced by the option's flag, so that an error names what the user typed.

    >>> option_message("ns is [0], not increasing integers >= 1", (Option("--n", "ns", "", names=("n",)),))
    '--n is [0], not increasing integers >= 1'
    >>> option_message("discounts[0] is 1.0, not in [0, 1)", (Option("--discounts", "discounts", ""),))
    '--discounts[0] is 1.0, not in [0, 1)'
    """
    for option in options:
        for name in (option.keyword, *option.names):
            if name and (message.startswith(f"{name} ") or message.startswith(f"{name}[")):
                return option.flag + message[len(name):]
    return message


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    """The options that were given (not None)."""
    return {k: v for k, v in values.items() if v is not None}


@dataclasses.dataclass(frozen=True)
class Report:
    """One report of the catalogue (see the module docstring): its ``name`` and one-line
    ``description``; the ``module`` and the names of its ``data``, ``figure``, ``reading`` and
    ``artifact`` functions; its ``options``; ``keywords`` (option values by keyword -> the
    keyword arguments of :meth:`artifacts`); ``build`` (``(folder, **options) -> artifacts``;
    None: ``artifact(data(**options))``) and ``demo`` (None: not in the demo)."""

    name: str
    description: str
    module: str
    data: str
    figure: str
    reading: str
    artifact: str
    options: tuple[Option, ...] = ()
    keywords: Callable[[dict[str, Any]], dict[str, Any]] = _given
    build: Callable[..., list[Artifact]] | None = None
    demo: Callable[[Any, bool], tuple[str, dict[str, Any]]] | None = None

    def function(self, role: str) -> Callable[..., Any]:
        """The report's function ``role`` ("data", "figure", "reading" or "artifact"), imported."""
        name = getattr(self, check_choice(role, "role", ("data", "figure", "reading", "artifact")))
        return getattr(importlib.import_module(self.module), name)

    def artifacts(self, folder: str | Path | None = None, **options: Any) -> list[Artifact]:
        """The report's artifacts for the keyword arguments ``options``; ``folder``: where a
        report that writes its own files (a prevalence sweep) puts them, if given."""
        if self.build is not None:
            return self.build(folder, **options)
        return [self.function("artifact")(self.function("data")(**options))]


# -- how some reports read their options and build their artifacts ----------------------------


def _with_progress(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given options, and a sweep that shows its progress."""
    return {**_given(values), "progress": True}


def _spread_params(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given options, with the K=V pairs of ``params`` as keyword arguments of their own."""
    return {**_given({k: v for k, v in values.items() if k != "params"}), **(values["params"] or {})}


def _symbolic_keywords(values: Mapping[str, Any]) -> dict[str, Any]:
    """The parametric MDP of ``target`` symbolic in the ``symbolic`` parameter and its interval;
    with ``y``, the same environment symbolic in both parameters for the region map."""
    from environments.parametric import SYMBOL_PARAMETERS, get_parametric

    param, lo, hi = values["symbolic"]
    params = values["params"] or {}
    options: dict[str, Any] = {"pmdp": get_parametric(values["target"], param, **params),
                               "param": param, "lo": lo, "hi": hi}
    if values["y"]:
        y = values["y"].partition("=")[0].strip()
        argument = SYMBOL_PARAMETERS.get(param)  # the builder argument that makes param symbolic
        both = {**params, **({argument: None} if argument else {})}
        options.update(y=y, y_pmdp=get_parametric(values["target"], y, **both), lines=values["lines"])
    return options


def _prevalence_artifacts(folder: str | Path | None, **options: Any) -> list[Artifact]:
    """The prevalence entry of a sweep run with ``options`` (those of
    :func:`reports.prevalence.prevalence_sweep`) or read from ``sweep=`` a saved sweep folder;
    with a ``folder``, the sweep is saved into ``folder/prevalence-sweep/`` too."""
    from reports.prevalence import prevalence_artifact, prevalence_data, prevalence_sweep
    from reports.sweeps import load_sweep, save_sweep

    sweep_folder = options.pop("sweep", None)
    result = load_sweep(sweep_folder) if sweep_folder is not None else prevalence_sweep(**options)
    extra: list[str] = []
    if folder is not None:
        files = save_sweep(result, Path(folder) / "prevalence-sweep")
        extra = [f"prevalence-sweep/{p.name}" for p in files]
    return [prevalence_artifact(prevalence_data(result), extra)]


def _symbolic_artifacts(folder: str | Path | None, **options: Any) -> list[Artifact]:
    """The value curves of ``pmdp`` in ``param`` over [``lo``, ``hi``]; with ``y`` and
    ``y_pmdp``, the region map over both parameters with ``lines`` exact lines."""
    from reports.symbolic import region_map_data, symbolic_artifact, value_curves_data

    pmdp, param, lo, hi = options["pmdp"], options["param"], options.get("lo"), options.get("hi")
    region = None
    if options.get("y") is not None:
        region = region_map_data(options["y_pmdp"], param, options["y"], num=options.get("lines", 9))
    return [symbolic_artifact(value_curves_data(pmdp, param, lo, hi), region)]


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "mdp"


def _graph_artifacts(folder: str | Path | None, **options: Any) -> list[Artifact]:
    """One graph entry ``graph-TITLE`` per ``(title, FiniteMDP)`` of ``mdps``, drawn with
    ``layout``."""
    from reports.graph import graph_artifact, graph_data

    mdps = options.get("mdps")
    if not mdps:
        raise InvalidArgument("the graph report needs mdps=[(title, FiniteMDP), ...]")
    layout = options.get("layout", "spring")
    return [graph_artifact(graph_data(mdp, title), name=f"graph-{_slug(title)}", layout=layout) for title, mdp in mdps]


def _reproductions_keywords(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given options, with ``size`` ("quick", the default, or "full") read as ``quick``."""
    given = _given(values)
    return {**{k: v for k, v in given.items() if k != "size"}, "quick": given.get("size", "quick") == "quick"}


def _spectrum_keywords(values: Mapping[str, Any]) -> dict[str, Any]:
    """The given options with the K=V pairs of ``params`` spread, and ``size`` ("full", the
    default, or "quick") read as ``quick``."""
    if values.get("proxy_lava") is not None and "proxy_lava" in (values.get("params") or {}):
        raise InvalidArgument("the proxy's lava reward is given twice (--proxy-lava and --param proxy_lava=); "
                              "give it once")
    given = _spread_params(values)
    return {**{k: v for k, v in given.items() if k != "size"}, "quick": given.get("size", "full") == "quick"}


def _reproductions_artifacts(folder: str | Path | None, **options: Any) -> list[Artifact]:
    """The "Reproductions" section: the summary and one entry per reproduction."""
    from reports.reproductions import reproductions_artifacts, reproductions_data

    return reproductions_artifacts(reproductions_data(**options))


def _reproductions_demo(settings: Any, verbose: bool) -> tuple[str, dict[str, Any]]:
    from property_tests.reproductions import reproductions

    return (f"reproductions, quick versions ({len(reproductions())} entries)", {"quick": True})


def _demo_step(label: str) -> Callable[[Any, bool], tuple[str, dict[str, Any]]]:
    """A demo step that runs the report with its defaults."""
    return lambda settings, verbose: (label, {})


def _prevalence_demo(settings: Any, verbose: bool) -> tuple[str, dict[str, Any]]:
    return (f"prevalence sweep ({settings.n_mdps} MDPs x 4 error models x 4 discounts)",
            {"n_mdps": settings.n_mdps, "workers": 1, "progress": verbose})


def _spectrum_demo(settings: Any, verbose: bool) -> tuple[str, dict[str, Any]]:
    return (f"where amortised optimisation sits (lava pair, {settings.label} grids)",
            {"quick": settings.label == "quick"})


def _shift_demo(settings: Any, verbose: bool) -> tuple[str, dict[str, Any]]:
    return (f"distributional shift on the lava pair ({len(settings.magnitudes)} magnitudes)",
            {"magnitudes": settings.magnitudes})


# -- the catalogue -----------------------------------------------------------------------------

_PARAM = Option("--param", None, "environment parameter (repeat)", kind="params", metavar="K=V")

#: Every report, in the order of ``deconfuse report --help`` and of the demo.
CATALOGUE: tuple[Report, ...] = (
    Report("goodhart-curves",
           "proxy and true return of four agent families against optimisation pressure, and against sqrt(KL)",
           "reports.goodhart_curves", "goodhart_curves_data", "goodhart_curves_figure", "goodhart_curves_reading",
           "goodhart_curves_artifact", (
               Option("--env", "environment", "environment (default: random with S=5, A=4, seed=3)", metavar="NAME"),
               dataclasses.replace(_PARAM, keyword="params"),
               Option("--error-model", "error_model", "proxy-error model: regressional-light (default), "
                      "regressional-heavy, extremal, causal, or none (the environment's own proxy)", metavar="NAME",
                      names=("error model",)),
               Option("--seed", "seed", "seed of the error model (default 3)", kind="int", metavar="S"),
               Option("--q", "qs", "quantile levels, e.g. 1,1/2,1/4", kind="list", metavar="Q,Q,...",
                      names=("q", "agent 'quantiliser': q")),
               Option("--n", "ns", "best-of-n sample counts, e.g. 1,2,4,8", kind="int-list", metavar="N,N,...",
                      names=("n", "agent 'best-of-n': n")),
               Option("--beta", "betas", "Boltzmann inverse temperatures, e.g. 0,1,10", kind="float-list",
                      metavar="B,B,...", names=("beta", "agent 'boltzmann': beta")),
               Option("--depth", "depths", "lookahead depths, e.g. 1,2,4", kind="int-list", metavar="D,D,...",
                      names=("depth", "agent 'lookahead': depth"))),
           demo=_demo_step("Goodhart curves (random MDP, regressional proxy)")),
    Report("prevalence", "how often optimising a proxy Goodharts on random MDPs, per error model and discount",
           "reports.prevalence", "prevalence_data", "prevalence_figure", "prevalence_reading", "prevalence_artifact", (
               Option("--n", "n_mdps", "random MDPs per (error model, discount) (default 1000)", kind="int",
                      metavar="N", names=("n",)),
               Option("--workers", "workers", "local processes (default 2)", kind="int", metavar="W"),
               Option("--discounts", "discounts", "discounts (default 0.5,0.7,0.9,0.99)", kind="float-list",
                      metavar="G,G,..."),
               Option("--error-models", "error_models", "error models (default: all four)", kind="list",
                      metavar="NAME,..."),
               Option("--family", "family", "pressure family (default boltzmann)", choices=("boltzmann", "quantiliser")),
               Option("--pressures", "pressures", "points per curve (default 20)", kind="int", metavar="P"),
               Option("--seed", "seed", "seed of the sweep (default 0)", kind="int", metavar="S"),
               Option("--sweep", "sweep", "draw a sweep saved earlier (a folder with sweep.json)", metavar="DIR",
                      alone=True),
               Option("--dask", "dask", "run the sweep on an existing Dask scheduler, e.g. tcp://host:8786 "
                      "(extra 'dask')", metavar="ADDRESS", names=("address",))),
           keywords=_with_progress, build=_prevalence_artifacts, demo=_prevalence_demo),
    Report("shift", "true regret against distributional-shift magnitude, and the lava pair drawn as gridworlds",
           "reports.shift", "shift_data", "shift_figure", "shift_reading", "shift_artifact", (
               Option("--layouts", "layouts", "layout pair (default lava)", metavar="NAME"),
               Option("--magnitudes", "magnitudes", "shift magnitudes in [0, 1] (default 0,1/8,...,1)", kind="list",
                      metavar="M,M,...", names=("m", "magnitude")),
               Option("--q", "qs", "quantiliser levels (default 3/4,1/2,1/3)", kind="list", metavar="Q,Q,...",
                      names=("q", "agent 'quantiliser': q")),
               Option("--hybrid-depth", "hybrid_depth", "search depth of the hybrid (default 1)", kind="int",
                      metavar="D", names=("depth", "agent 'hybrid': depth")),
               dataclasses.replace(_PARAM, keyword="params", help="layout parameter, e.g. slip=1/10 (repeat)")),
           keywords=_spread_params, demo=_shift_demo),
    Report("cost", "decision-time cost against true regret, in and out of distribution",
           "reports.cost", "cost_data", "cost_figure", "cost_reading", "cost_artifact", (
               Option("--train", "train", "training MDP (default lava-train)", kind="target", metavar="TARGET",
                      default="lava-train", params="--train-param", label="train_label"),
               Option("--test", "test", "test MDP (default lava-test)", kind="target", metavar="TARGET",
                      default="lava-test", params="--test-param", label="test_label"),
               Option("--train-param", None, "parameter of --train (repeat)", kind="params", metavar="K=V"),
               Option("--test-param", None, "parameter of --test (repeat)", kind="params", metavar="K=V"),
               Option("--agents", "agents", "agents (default: 15 SPECs of every family)", kind="list",
                      metavar="SPEC,SPEC,...")),
           demo=_demo_step("decision-time cost against regret (lava-train -> lava-test)")),
    Report("spectrum", "where amortised optimisation sits: agents in (KL, true) and (proxy, true), in distribution "
           "and under shift", "reports.spectrum", "spectrum_data", "spectrum_figure", "spectrum_reading",
           "spectrum_artifact", (
               Option("--layouts", "layouts", "layout pair (default lava)", metavar="NAME"),
               Option("--proxy-lava", "proxy_lava", "the proxy's lava reward (default 20; the true one is -50)",
                      metavar="R"),
               Option("--q", "qs", "quantiliser frontier levels (default 1,7/8,...,1/64)", kind="list",
                      metavar="Q,Q,...", names=("q",)),
               Option("--beta", "betas", "Boltzmann frontier inverse temperatures (default 0,0.03,...,30)",
                      kind="float-list", metavar="B,B,...", names=("beta",)),
               Option("--samples", "samples", "training sizes of the amortised agents "
                      "(default 100,500,2000,8000,32000)", kind="int-list", metavar="N,N,..."),
               Option("--seed", "seed", "seed of every sampled training set (default 0)", kind="int", metavar="S"),
               Option("--size", "size", "full (default) or quick grids", choices=("quick", "full")),
               dataclasses.replace(_PARAM, keyword="params", help="layout parameter, e.g. slip=1/10 (repeat)")),
           keywords=_spectrum_keywords, demo=_spectrum_demo),
    Report("amortised", "amortised agents (fallbacks, feature policies, Q-learning) in distribution and under shift",
           "reports.amortised", "amortised_data", "amortised_figure", "amortised_reading", "amortised_artifact", (
               Option("--agents", "agents", "agents (default: argmax and 9 amortised SPECs)", kind="list",
                      metavar="SPEC,SPEC,..."),
               Option("--settings", "settings", "settings (default lava,tomato)", kind="list", metavar="NAME,...",
                      names=("setting",))),
           demo=_demo_step("amortised agents under the lava shift and on the reward-gaming grid")),
    Report("theory", "exact best-of-n KL against log n - (n-1)/n, and the tightness of Taylor's cost bound",
           "reports.theory_plots", "theory_data", "theory_figure", "theory_reading", "theory_artifact", (
               Option("--n", "ns", "sample counts (default 1,2,3,4,6,...,128)", kind="int-list", metavar="N,N,...",
                      names=("n",)),
               Option("--q", "qs", "quantile levels (default 1,1/2,...,1/1000)", kind="list", metavar="Q,Q,...",
                      names=("q",)),
               Option("--outcomes", "outcomes", "outcomes of the fine base (default 100)", kind="int", metavar="K")),
           demo=_demo_step("best-of-n and quantiliser theory")),
    Report("graph", "an MDP (environment, MDP file or saved counterexample) drawn as a graph",
           "reports.graph", "graph_data", "graph_figure", "graph_reading", "graph_artifact", (
               Option("--target", "mdps", "environment name, MDP file, or NAME.counterexample.json from deconfuse "
                      "check", kind="mdps", metavar="ENV|FILE.json", required=True, params="--param"),
               _PARAM,
               Option("--layout", "layout", "graph layout", choices=("spring", "shell"), default="spring")),
           build=_graph_artifacts),
    Report("symbolic",
           "exact optimal-policy switching points of a parametric environment (and a 2-parameter region map)",
           "reports.symbolic", "value_curves_data", "value_curves_figure", "symbolic_reading", "symbolic_artifact", (
               Option("--target", "target", "parametric environment: chain, lava-corridor, delayed-reward, "
                      "proxy-bandit", metavar="NAME", required=True),
               Option("--symbolic", "symbolic", "the parameter and its interval", kind="symbolic",
                      metavar="NAME=LO..HI", required=True),
               dataclasses.replace(_PARAM, keyword="params", help="builder parameter (repeat)"),
               Option("--y", "y", "a second parameter: add the region map over both", metavar="NAME"),
               Option("--lines", "lines", "exact lines of the region map (default 9)", kind="int", metavar="K",
                      default=9, names=("num",))),
           keywords=_symbolic_keywords, build=_symbolic_artifacts),
    Report("reproductions", "the papers' claims and numbers recomputed beside deconfuse's, one figure per entry",
           "reports.reproductions", "reproductions_data", "reproduction_figure", "reproductions_reading",
           "reproductions_artifacts", (
               Option("--names", "names", "reproductions (default: all; see deconfuse reproduce --list)",
                      kind="list", metavar="NAME,..."),
               Option("--size", "size", "quick (default) or full versions", choices=("quick", "full"))),
           keywords=_reproductions_keywords, build=_reproductions_artifacts, demo=_reproductions_demo),
)

#: The reports by name.
REPORTS: dict[str, Report] = {r.name: r for r in CATALOGUE}


def build_report(name: str, folder: str | Path | None = None, **options: Any) -> list[Artifact]:
    """The artifacts of the report ``name`` (one of :data:`REPORTS`) with its ``options``
    (the keyword arguments of its data function; for "prevalence" those of
    :func:`reports.prevalence.prevalence_sweep` or ``sweep=`` a saved sweep folder; for "graph"
    ``mdps=[(title, FiniteMDP), ...]`` and ``layout``). ``folder``: where a prevalence sweep
    saves its own files (``prevalence-sweep/``), if given.

    >>> [a.name for a in build_report("theory", ns=(1, 2), qs=("1",), outcomes=3)]
    ['theory']
    """
    if name not in REPORTS:
        raise InvalidArgument(f"report {name!r} is not one of {', '.join(REPORTS)}")
    return REPORTS[name].artifacts(folder, **options)
