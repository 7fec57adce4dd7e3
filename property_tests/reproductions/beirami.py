r"""Beirami et al. 2024: the best-of-n KL formula is an upper bound; the win rate is at most n/(n+1).

Paper: Beirami, Agarwal, Berant, D'Amour, Eisenstein, Nagpal & Suresh, "Theoretical guarantees
on the best-of-n alignment policy" (arXiv:2401.01879; v3 of 29 May 2025, ICML 2025).

Transcribed (sections confirmed from the paper's table of contents and abstract; the theorem
numbers are those cited in :func:`theory.selection.kl_bound` and not re-confirmed here):

- sec. 2, the best-of-n policy on a finite outcome set ranked by a reward r with CDF F under the
  reference policy: :math:`\pi_n(y) = F(y)^n - F^-(y)^n` (F^- the strict CDF);
- sec. 3 (Theorem 3.1 of v3, "assumed" numbering): the widely used analytical formula
  :math:`KL(\pi_n \| \pi_{ref}) = \log n - (n-1)/n` is false in general; it is an **upper bound**:
  :math:`KL(\pi_n \| \pi_{ref}) \le \log n - (n-1)/n`, with equality for a continuous reference
  (no ties) and the gap shrinking as the reference's outcomes become fine;
- sec. 3, the uniform binary reference: KL stays below :math:`\log 2` for every n, while the
  formula grows like :math:`\log n` (the paper's counterexample to the formula; that it is stated
  exactly as "at most log 2" is assumed from REFERENCES.md);
- sec. 5: the win rate of the best-of-n policy against the reference,
  :math:`P(r(Y) > r(X)) + \tfrac12 P(r(Y) = r(X))` with Y best-of-n and X a reference draw, is at
  most :math:`n/(n+1)` (assumed: ties counted one half, :func:`theory.selection.win_rate`).

The experiment: for a grid of reference distributions (uniform on k outcomes, a skewed one, one
with tied rewards, a seeded random rational one) and of n, the exact KL (sympy,
:func:`theory.selection.kl_divergence` of :func:`theory.selection.best_of_n_distribution`)
against the bound :func:`theory.selection.kl_bound`; the exact win rate
(:func:`theory.selection.win_rate`) against n/(n+1); and, as a second method, the same KL from
an independent 40-digit mpmath computation of the pmf (sorting by reward, no shared code).
The paper gives no table of numbers for these cases; its numbers are the bounds themselves.
"""

from __future__ import annotations

import dataclasses
import math
import random
from fractions import Fraction
from typing import Any

import mpmath

from property_tests.reproductions.base import Comparison, Outcome, Reproduction
from theory.selection import best_of_n_distribution, kl_bound, kl_divergence, win_rate

__all__ = ["QUICK_NS", "FULL_NS", "bases", "mp_kl", "run", "figure", "REPRODUCTION"]

QUICK_NS = (1, 2, 3, 4, 8, 16)
FULL_NS = (1, 2, 3, 4, 6, 8, 16, 32, 64, 128, 256, 512, 1024)


def bases(quick: bool = True) -> list[tuple[str, list[Fraction], list[int], str]]:
    """The reference distributions of the grid: ``(label, base, reward, tie)``. Uniform on k
    outcomes (k = 2, 3, 10, and 100 in the full run), a skewed base (1/2, 1/4, 1/8, 1/8), a base
    with two tied rewards (uniform tie rule) and a seeded random rational base on 6 outcomes.

    >>> [b[0] for b in bases()]
    ['uniform k=2', 'uniform k=3', 'uniform k=10', 'skewed', 'tied', 'random k=6']
    """
    ks = (2, 3, 10) if quick else (2, 3, 10, 100)
    out = [(f"uniform k={k}", [Fraction(1, k)] * k, list(range(k)), "last") for k in ks]
    out.append(("skewed", [Fraction(1, 2), Fraction(1, 4), Fraction(1, 8), Fraction(1, 8)], [0, 1, 2, 3], "last"))
    out.append(("tied", [Fraction(1, 4)] * 4, [0, 1, 1, 2], "uniform"))
    rng = random.Random(0)
    weights = [rng.randint(1, 9) for _ in range(6)]
    out.append(("random k=6", [Fraction(w, sum(weights)) for w in weights], [rng.randint(0, 100) for _ in range(6)],
                "last"))
    return out


def mp_kl(base: list[Fraction], reward: list[int], n: int, tie: str, digits: int = 40) -> mpmath.mpf:
    r"""KL(best-of-n || base) by an independent route, in mpmath with ``digits`` digits: sort the
    outcomes by reward (index breaking ties, later wins, for ``"last"``; whole reward levels for
    ``"uniform"``), form :math:`G(\le x)^n - G(< x)^n` per outcome or level, and sum
    :math:`p \log(p / g)` (a tied level's law is proportional to the base inside it, so its
    KL is that of the level).

    >>> float(mp_kl([Fraction(1, 2)] * 2, [0, 1], 2, "last"))  # (1/4) log(1/2) + (3/4) log(3/2)
    0.1308120359...
    """
    with mpmath.workdps(digits):
        if tie == "uniform":
            groups: dict[int, mpmath.mpf] = {}
            for g, r in zip(base, reward):
                groups[r] = groups.get(r, mpmath.mpf(0)) + mpmath.mpf(g.numerator) / g.denominator
            masses = [groups[r] for r in sorted(groups)]
        else:
            order = sorted(range(len(base)), key=lambda i: (reward[i], i))
            masses = [mpmath.mpf(base[i].numerator) / base[i].denominator for i in order]
        total, below = mpmath.mpf(0), mpmath.mpf(0)
        for g in masses:
            upto = below + g
            p = upto**n - below**n
            if p > 0:
                total += p * mpmath.log(p / g)
            below = upto
        return +total


def _cases(quick: bool) -> tuple[list[Comparison], dict[str, Any], float]:
    """The KL comparisons of every (base, n), the figure data and the largest gap to mpmath."""
    ns = QUICK_NS if quick else FULL_NS
    rows, series, worst = [], [], 0.0
    for label, base, reward, tie in bases(quick):
        kls = []
        for n in ns:
            kl = kl_divergence(best_of_n_distribution(base, reward, n, tie), base)
            bound = kl_bound(n)
            rows.append(Comparison.at_most(f"KL(best-of-{n} || {label})", bound.value, kl.value,
                                           "sec. 3: log n - (n-1)/n"))
            with mpmath.workdps(45):
                gap = abs(kl.exact.evalf(45) - mp_kl(base, reward, n, tie)) if kl.exact is not None else 0
            worst = max(worst, float(gap))
            kls.append(kl.value)
        series.append({"label": label, "kl": kls})
    data = {"axes": ["n", "KL(best-of-n || reference) (nats)"], "ns": list(ns),
            "bound": [kl_bound(n).value for n in ns], "series": series}
    return rows, data, worst


def run(quick: bool = True) -> Outcome:
    """The comparisons of the module docstring: at most the bound for every (base, n), the
    uniform binary KL at most log 2 for every n, the win rate at most n/(n+1), and the exact KL
    equal to the independent 40-digit one."""
    rows, data, worst = _cases(quick)
    ns = data["ns"]
    half = [Fraction(1, 2), Fraction(1, 2)]
    binary = [kl_divergence(best_of_n_distribution(half, [0, 1], n), half).value for n in ns]
    for n, kl in zip(ns, binary):
        rows.append(Comparison.at_most(f"KL(best-of-{n} || uniform binary)", math.log(2), kl, "sec. 3: at most log 2"))
    for label, base, reward, _tie in bases(quick):
        for n in ns:
            exact = Comparison.at_most(f"win rate of best-of-{n} on {label}", Fraction(n, n + 1),
                                       win_rate(base, reward, n), "sec. 5: n/(n+1), ties counted 1/2; compared exactly")
            rows.append(dataclasses.replace(exact, ours=float(exact.ours)))  # shown as a float
    count = len(data["series"]) * len(ns)
    rows.append(Comparison.claim("exact KL equals an independent 40-digit computation", worst < 1e-30,
                                 f"largest gap {worst:.1e} over {count} values", paper=None,
                                 note="second method: mpmath, sorting by reward"))
    k2, k10 = (s["kl"][ns.index(4)] for s in data["series"] if s["label"] in ("uniform k=2", "uniform k=10"))
    rows.append(Comparison.claim("the bound is approached as the uniform reference grows finer (n = 4)",
                                 k2 < k10 < kl_bound(4).value,
                                 f"KL {k2:.4f} (k=2) < {k10:.4f} (k=10) < bound {kl_bound(4).value:.4f}",
                                 note="sec. 3: tight for a continuous reference"))
    data["binary"] = binary
    data["log2"] = math.log(2)
    return Outcome("beirami", tuple(rows), data, quick,
                   ("the theorem numbers (Theorem 3.1 of arXiv v3) are as cited in theory.selection, not "
                    "re-read from the paper",
                    "win-rate ties counted one half (the paper's reference draw is continuous)"))


def figure(outcome: Outcome, ax: Any) -> None:
    """KL(best-of-n || reference) against n (log scale): the bound log n - (n-1)/n, the exact KL
    of every reference of the grid and the uniform binary one with log 2."""
    d = outcome.data
    ax.plot(d["ns"], d["bound"], "k--", lw=2, label="log n - (n-1)/n (the formula, an upper bound)")
    for s in d["series"]:
        ax.plot(d["ns"], s["kl"], "o-", ms=3, label=f"exact, {s['label']}")
    ax.axhline(d["log2"], color="grey", ls=":", label="log 2 (uniform binary limit)")
    ax.set_xscale("log")
    ax.set_xlabel(d["axes"][0])
    ax.set_ylabel(d["axes"][1])
    ax.set_title("Beirami et al. 2024, sec. 3: exact KL of best-of-n against the formula")
    ax.legend(fontsize=7)


REPRODUCTION = Reproduction(
    name="beirami",
    paper="Beirami, Agarwal, Berant, D'Amour, Eisenstein, Nagpal & Suresh 2024, \"Theoretical guarantees on the "
          "best-of-n alignment policy\" (arXiv:2401.01879, ICML 2025)",
    claim="sec. 3: KL(best-of-n || reference) <= log n - (n-1)/n (not equal); the uniform binary reference stays "
          "below log 2 for every n; sec. 5: the win rate is at most n/(n+1)",
    experiment="Exact KL (sympy) of the exact best-of-n law on a grid of finite references and n, against the "
               "formula; the exact win rate against n/(n+1); the KL again by an independent 40-digit computation.",
    run=run,
    expect="reproduced",
    full_time="2 s",
    figure=figure,
)
