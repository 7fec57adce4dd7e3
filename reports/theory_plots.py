r"""Quantiliser and best-of-n theory, drawn exactly: the best-of-n KL and Taylor's cost bound.

Two results of the theory that deconfuse implements (REFERENCES.md):

- **best-of-n KL.** :math:`KL(\text{best-of-}n \,\|\, \text{base}) = \log n - (n - 1)/n` is the
  exact KL for a continuous base without ties (Gao, Schulman & Hilton 2022) and only an
  *upper bound* on a finite base (Beirami et al. 2024); on a uniform binary base the KL never
  exceeds :math:`\log 2`. :func:`theory_data` computes the exact KL
  (:func:`theory.selection.kl_divergence` of :func:`theory.selection.best_of_n_distribution`)
  on a fine tie-free base (uniform over ``outcomes`` outcomes with distinct utilities) and on
  the uniform binary base, beside the formula;
- **Taylor's cost bound.** A q-quantiliser's density ratio to its base is at most 1/q, so
  :math:`E_{Q_q}[c] \le E_\gamma[c] / q` for every cost :math:`c \ge 0`, with equality for the
  indicator of the top-q set. The bound is tight exactly while some outcome lies strictly
  inside the top q: the largest ratio :math:`\max_x Q_q(x)/\gamma(x)` is exactly 1/q there and
  saturates at :math:`1/\gamma(\text{top outcome})` below (computed exactly with
  :func:`theory.selection.quantilise`).

Sources: Taylor, "Quantilizers" (2016), the cost lemma; Gao, Schulman & Hilton, "Scaling Laws
for Reward Model Overoptimization" (2022); Beirami et al., "Theoretical guarantees on the
best-of-n alignment policy" (2024).

Examples
--------
>>> data = theory_data(ns=(1, 2), qs=("1", "1/2"), outcomes=4)
>>> data["kl"][1]["n"], data["kl"][1]["binary_exact"]
(2, '-log(2)/4 + 3*log(3/2)/4')
>>> [row["ratio_exact"] for row in data["density"] if row["base"] == "binary"]
['1', '2']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from reports.document import Artifact, Reader, Reading, exact, value
from theory.errors import InvalidArgument
from theory.numbers import parse_number
from theory.selection import best_of_n_distribution, kl, kl_bound, kl_divergence, quantilise
from theory.budget import EXACT_ENTRY_BYTES, check_budget
from theory.validation import check_int, show_value

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_NS", "DEFAULT_QS", "DEFAULT_OUTCOMES", "theory_data", "theory_figure", "theory_reading",
           "theory_artifact"]

#: The sample counts of the KL panel.
DEFAULT_NS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
#: The quantile levels of the density-ratio panel (exact).
DEFAULT_QS = ("1", "1/2", "1/3", "1/5", "1/10", "1/20", "1/50", "1/100", "1/200", "1/500", "1/1000")
#: Outcomes of the fine tie-free base.
DEFAULT_OUTCOMES = 100
#: The exact sympy text of the binary KL is written up to this n (it grows with 2**n).
_MAX_EXPR_N = 16


def _bases(outcomes: int) -> dict[str, tuple[list[Fraction], list[int]]]:
    return {
        "fine": ([Fraction(1, outcomes)] * outcomes, list(range(outcomes))),
        "binary": ([Fraction(1, 2)] * 2, [0, 1]),
    }


def theory_data(
    ns: Sequence[int] = DEFAULT_NS,
    qs: Sequence[Any] = DEFAULT_QS,
    outcomes: int = DEFAULT_OUTCOMES,
) -> dict[str, Any]:
    r"""The data of the theory figure: exact best-of-n KLs and quantiliser density ratios.

    - ``kl``: one row per n: ``bound`` = :math:`\log n - (n-1)/n` (``bound_exact`` its sympy
      text), ``fine`` and ``binary``: the exact :math:`KL(\text{best-of-}n \| \text{base})` in
      nats on the uniform base over ``outcomes`` outcomes with utilities 0, 1, ... (tie-free;
      the exact pmf, its logarithms in floats) and on the uniform binary base
      (:func:`~theory.selection.kl_divergence`; ``binary_exact``: the exact sympy expression,
      for n <= 16);
      ``fine_gap`` = bound - fine;
    - ``density``: one row per (base, q): ``ratio`` = :math:`\max_x Q_q(x) / \gamma(x)` exact
      (``ratio_exact``), ``inverse_q`` = 1/q, ``tight`` = (ratio == 1/q);
    - ``summary``: the values the reading quotes (largest n, the KLs there, the binary
      maximum against :math:`\log 2`, the smallest q at which the bound is tight on each base).

    Source: Gao et al. (2022); Beirami et al. (2024); Taylor (2016).

    >>> d = theory_data(ns=(1, 4), qs=("1/2", "1/8"), outcomes=4)
    >>> [(r["base"], r["q_exact"], r["ratio_exact"], r["tight"]) for r in d["density"]]
    [('fine', '1/2', '2', True), ('fine', '1/8', '4', False), ('binary', '1/2', '2', True), ('binary', '1/8', '2', False)]
    """
    outcomes = check_int(outcomes, "outcomes", 2)
    ns = [int(n) for n in ns]
    if not ns or any(n < 1 for n in ns) or sorted(set(ns)) != ns:
        raise InvalidArgument(f"ns is {ns!r}, not increasing integers >= 1")
    q_values = [parse_number(q, "q") for q in qs]
    if not q_values or any(not 0 < q <= 1 for q in q_values):
        raise InvalidArgument(f"qs is {[show_value(q) for q in q_values]!r}, not numbers in (0, 1]")
    check_budget("outcomes", outcomes, 4 * outcomes * EXACT_ENTRY_BYTES, "the fine base")
    # best-of-n's exact law on the fine base: powers (k/outcomes)**n, n times the bits of outcomes
    check_budget("ns", max(ns), outcomes * (EXACT_ENTRY_BYTES + 2 * max(ns) * outcomes.bit_length() // 8),
                 f"the exact best-of-{max(ns)} law on {outcomes} outcomes")
    bases = _bases(outcomes)
    kl_rows = [_kl_row(n, bases) for n in ns]
    density = [_density_row(name, base, utility, q) for name, (base, utility) in bases.items() for q in q_values]
    return {
        "figure": "theory",
        "outcomes": outcomes,
        "kl": kl_rows,
        "density": density,
        "summary": _summary(kl_rows, density, list(bases)),
    }


def _kl_row(n: int, bases: dict[str, tuple[list[Fraction], list[int]]]) -> dict[str, Any]:
    """The KL panel at ``n``: the formula, the exact KL on the fine and on the binary base."""
    bound = kl_bound(n)
    row: dict[str, Any] = {"n": n, "log_n": math.log(n), "bound": bound.value, "bound_exact": str(bound.exact)}
    base, utility = bases["fine"]
    row["fine"] = kl(best_of_n_distribution(base, utility, n), base)
    base, utility = bases["binary"]
    binary = kl_divergence(best_of_n_distribution(base, utility, n), base)
    row["binary"] = binary.value
    row["binary_exact"] = str(binary.exact) if n <= _MAX_EXPR_N else None
    row["fine_gap"] = row["bound"] - row["fine"]
    return row


def _density_row(name: str, base: list[Fraction], utility: list[int], q: Fraction) -> dict[str, Any]:
    """The density-ratio panel on the base ``name`` at ``q``: the largest ratio against 1/q."""
    p = quantilise(base, utility, q)
    ratio = max(pi / bi for pi, bi in zip(p, base) if bi != 0)
    return {
        "base": name, "outcomes": len(base), "q": value(q), "q_exact": exact(q),
        "ratio": value(ratio), "ratio_exact": exact(ratio),
        "inverse_q": value(1 / q), "inverse_q_exact": exact(1 / q), "tight": ratio == 1 / q,
    }


def _summary(kl_rows: list[dict[str, Any]], density: list[dict[str, Any]], bases: list[str]) -> dict[str, Any]:
    """The values the reading quotes (see :func:`theory_data`)."""
    last = kl_rows[-1]
    summary: dict[str, Any] = {
        "n_max": last["n"],
        "bound_at_n_max": last["bound"],
        "fine_at_n_max": last["fine"],
        "gap_at_n_max": last["fine_gap"],
        "binary_max": max(r["binary"] for r in kl_rows),
        "binary_at_n_max": last["binary"],
        "log_2": math.log(2),
        "binary_below_log_2": all(r["binary"] <= math.log(2) + 1e-12 for r in kl_rows),
    }
    for name in bases:
        rows = [r for r in density if r["base"] == name]
        tight = [r for r in rows if r["tight"]]
        loose = [r for r in rows if not r["tight"]]
        summary[f"{name}_smallest_tight_q"] = min(tight, key=lambda r: r["q"])["q_exact"] if tight else None
        smallest = min(rows, key=lambda r: r["q"])
        summary[f"{name}_smallest_q"] = smallest["q_exact"]
        summary[f"{name}_ratio_at_smallest_q"] = smallest["ratio_exact"]
        summary[f"{name}_inverse_at_smallest_q"] = smallest["inverse_q_exact"]
        summary[f"{name}_loose"] = len(loose)
    return summary


def theory_figure(data: dict[str, Any]) -> "Figure":
    """Two panels: the exact best-of-n KL against n (log axis) beside :math:`\\log n - (n-1)/n`
    and :math:`\\log 2`; the quantiliser's largest density ratio against q beside 1/q
    (log-log). Returns a matplotlib Figure.

    >>> fig = theory_figure(theory_data(ns=(1, 2), qs=("1", "1/2"), outcomes=3))
    >>> [ax.get_xscale() for ax in fig.axes]
    ['log', 'log']
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax1, ax2 = fig.subplots(1, 2)
    rows = data["kl"]
    ns = [r["n"] for r in rows]
    ax1.plot(ns, [r["bound"] for r in rows], "k--", label="log n - (n-1)/n (Gao et al. 2022)")
    ax1.plot(ns, [r["fine"] for r in rows], "o-", color="tab:blue",
             label=f"exact, uniform over {data['outcomes']} tie-free outcomes")
    ax1.plot(ns, [r["binary"] for r in rows], "s-", color="tab:orange", label="exact, uniform binary base")
    ax1.axhline(math.log(2), color="tab:orange", lw=0.8, ls=":", label="log 2")
    ax1.set_xscale("log", base=2)
    ax1.set_xlabel("n (samples)")
    ax1.set_ylabel("KL(best-of-n || base)  [nats]")
    ax1.set_title("Best-of-n: the KL formula is an upper bound")
    ax1.legend(fontsize=8, loc="upper left")
    ax1.grid(alpha=0.3)
    colours = {"fine": "tab:blue", "binary": "tab:orange"}
    qs_all = sorted({r["q"] for r in data["density"]})
    ax2.plot(qs_all, [1 / q for q in qs_all], "k--", label="1/q (Taylor's bound)")
    for name in ("fine", "binary"):
        rows = [r for r in data["density"] if r["base"] == name]
        label = f"uniform over {rows[0]['outcomes']} outcomes" if rows else name
        ax2.plot([r["q"] for r in rows], [r["ratio"] for r in rows], "o-", color=colours[name], label=label)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.invert_xaxis()
    ax2.set_xlabel("q (fraction of base mass kept)")
    ax2.set_ylabel("max density ratio  Q_q(x) / base(x)")
    ax2.set_title("Quantiliser: 1/q is tight down to the smallest atom")
    ax2.legend(fontsize=8, loc="upper left")
    ax2.grid(alpha=0.3, which="both")
    return fig


def theory_reading(data: dict[str, Any]) -> Reading:
    """Two sentences: the best-of-n KL at the largest n against the formula and the binary
    KL against log 2; where Taylor's bound stops being tight on each base.

    >>> theory_reading(theory_data(ns=(1, 2), qs=("1", "1/4"), outcomes=2)).sentences[1]
    "The quantiliser's largest density ratio equals 1/q down to q = 1 on the fine base and q = 1 on the binary base, and saturates below: at q = 1/4 it is 2 (fine) and 2 (binary) against 1/q = 4."
    """
    r = Reader(data)
    binary_ok = r.get("summary", "binary_below_log_2")
    s1 = (
        f"At n = {r('summary', 'n_max', fmt='d')} the exact KL of best-of-n on the "
        f"{r('outcomes', fmt='d')}-outcome tie-free base is {r('summary', 'fine_at_n_max', fmt='.3f')} nats "
        f"against the formula's {r('summary', 'bound_at_n_max', fmt='.3f')} (gap "
        f"{r('summary', 'gap_at_n_max', fmt='.3f')}), while on the binary base it is "
        f"{r('summary', 'binary_at_n_max', fmt='.5f')}, "
        + (f"never above log 2 = {r('summary', 'log_2', fmt='.5f')}." if binary_ok
           else f"above log 2 = {r('summary', 'log_2', fmt='.5f')} at some n (max {r('summary', 'binary_max', fmt='.5f')}).")
    )
    fine_tight = r.get("summary", "fine_smallest_tight_q")
    s2 = (
        f"The quantiliser's largest density ratio equals 1/q down to q = "
        f"{r('summary', 'fine_smallest_tight_q') if fine_tight is not None else 'none'} on the fine base and "
        f"q = {r('summary', 'binary_smallest_tight_q')} on the binary base, and saturates below: at q = "
        f"{r('summary', 'fine_smallest_q')} it is {r('summary', 'fine_ratio_at_smallest_q')} (fine) and "
        f"{r('summary', 'binary_ratio_at_smallest_q')} (binary) against 1/q = "
        f"{r('summary', 'fine_inverse_at_smallest_q')}."
    )
    return r.reading([s1, s2])


def theory_artifact(data: dict[str, Any]) -> Artifact:
    """The theory entry of a report: data, the two-panel figure, CSV tables and the reading.

    >>> a = theory_artifact(theory_data(ns=(1, 2), qs=("1",), outcomes=3))
    >>> a.name, [stem for stem, _, _ in a.figures], sorted(a.tables)
    ('theory', ['theory'], ['theory-density', 'theory-kl'])
    """
    return Artifact(
        name="theory",
        title="Quantiliser and best-of-n theory",
        data=data,
        figures=[("theory", theory_figure(data),
                  "Left: exact KL(best-of-n || base) against n beside log n - (n-1)/n. "
                  "Right: the quantiliser's largest density ratio against q beside Taylor's bound 1/q.")],
        tables={"theory-kl": data["kl"], "theory-density": data["density"]},
        reading=theory_reading(data),
    )
