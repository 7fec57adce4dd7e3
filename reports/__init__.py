"""deconfuse.reports: figures and report documents built from exact experiments.

Every figure is a pair of functions: a *data* function (inputs -> plain JSON-able data, exact
values as "p/q" strings beside floats) and a *figure* function (data -> matplotlib Figure;
saving is the caller's job), plus a *reading* (two sentences computed from the data, each
number traceable to the data) and an *artifact* that bundles them for a report folder.

- :mod:`reports.goodhart_curves` — proxy and true return against optimisation pressure for the
  quantiliser, best-of-n, Boltzmann and lookahead; against sqrt(KL) with the Gao et al. fit;
- :mod:`reports.prevalence` — how often Goodharting happens on random MDPs (from
  :mod:`reports.sweeps`), per error model and discount;
- :mod:`reports.shift` — true regret under distributional shift; gridworlds with policies;
- :mod:`reports.cost` — decision-time cost against regret, in and out of distribution;
- :mod:`reports.theory_plots` — the best-of-n KL and Taylor's quantiliser cost bound;
- :mod:`reports.graph` — an MDP (or a saved counterexample) as a graph;
- :mod:`reports.document` — report folders: numbers, files, readings, the index;
- :mod:`reports.demo` — one report by name, the verdict table, and the headline demo;
- :mod:`reports.sweeps` — prevalence sweeps over random MDPs at scale.

Submodules are imported on use (``import reports.shift``), so that ``reports.sweeps`` workers
do not load matplotlib.
"""

__all__ = ["goodhart_curves", "prevalence", "shift", "cost", "theory_plots", "graph", "document", "demo", "sweeps"]
