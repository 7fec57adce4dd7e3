"""deconfuse.reports: figures and report documents built from exact experiments.

Every figure is a pair of functions: a *data* function (inputs -> plain JSON-able data, exact
values as "p/q" strings beside floats) and a *figure* function (data -> matplotlib Figure;
saving is the caller's job), plus a *reading* (two sentences computed from the data, each
number traceable to the data) and an *artifact* that bundles them for a report folder.

- :mod:`reports.catalogue` — every report, listed once: its functions, its command-line
  options and its demo step, read by ``deconfuse report``, ``deconfuse demo`` and the index;
- :mod:`reports.goodhart_curves` — proxy and true return against optimisation pressure for the
  quantiliser, best-of-n, Boltzmann and lookahead; against sqrt(KL) with the Gao et al. fit;
- :mod:`reports.prevalence` — how often Goodharting happens on random MDPs (from
  :mod:`reports.sweeps`), per error model and discount;
- :mod:`reports.shift` — true regret under distributional shift; gridworlds with policies;
- :mod:`reports.cost` — decision-time cost against regret, in and out of distribution;
- :mod:`reports.spectrum` — where amortised optimisation sits: every agent in (KL from the
  base, true return) and (proxy return, true return), in distribution and under shift;
- :mod:`reports.amortised` — the amortised agents (fallbacks, feature policies, Q-learning) in
  distribution and under the lava shift and on the reward-gaming grid;
- :mod:`reports.theory_plots` — the best-of-n KL and Taylor's quantiliser cost bound;
- :mod:`reports.graph` — an MDP (or a saved counterexample) as a graph;
- :mod:`reports.symbolic` — value curves and region maps of parametric environments;
- :mod:`reports.verdicts` — the verdict table of the conjecture suite;
- :mod:`reports.reproductions` — the "Reproductions" section: each paper's numbers beside ours;
- :mod:`reports.document` — report folders: numbers, files, readings, the index;
- :mod:`reports.demo` — the headline demo: the catalogue's demo reports and the verdicts;
- :mod:`reports.sweeps` — prevalence sweeps over random MDPs at scale.

Adding a report is one module (its data, figure, reading and artifact functions) and one
:class:`reports.catalogue.Report` line in :data:`reports.catalogue.CATALOGUE`: ``deconfuse
report NAME`` then offers it with its options, and ``deconfuse demo`` includes it when the line
has a demo step.

Submodules are imported on use (``import reports.shift``), so that ``reports.sweeps`` workers
do not load matplotlib.
"""

__all__ = ["catalogue", "goodhart_curves", "prevalence", "shift", "cost", "spectrum", "amortised", "theory_plots", "graph", "symbolic",
           "verdicts", "reproductions", "document", "demo", "sweeps"]
