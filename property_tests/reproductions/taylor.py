r"""Taylor 2016: the quantiliser's cost bound, its tightness, and its optimality under the density cap.

Paper: Jessica Taylor, "Quantilizers: A Safer Alternative to Maximizers for Limited
Optimization" (AAAI 2016 workshop on AI, Ethics and Society); the same results in her post
"Quantilizers maximize expected utility subject to a conservative cost constraint" (2015).

Transcribed (the definitions as in the post; the paper's numbering, Definition 1 for the
quantiliser and a lemma / theorem for the two results, is assumed, not re-read):

- the q-quantiliser of a base distribution :math:`\gamma` on a finite action set ranked by U:
  :math:`P(a) = \gamma(a)/q` when the base mass of actions with U at least U(a) is below q, 0 when
  the mass of actions strictly better than a exceeds q, and the boundary actions share the rest
  in proportion to :math:`\gamma` (:func:`theory.selection.quantilise`, ``tie="uniform"``);
- the **conservative cost constraint**: for every cost :math:`c \ge 0`,
  :math:`E_P[c] \le E_\gamma[c] / q`; it is equivalent to the density cap
  :math:`P(a) \le \gamma(a)/q` for every a, which the quantiliser satisfies;
- **tightness**: the bound cannot be improved: for the indicator c of a top set of base mass
  exactly q, :math:`E_P[c] = 1 = E_\gamma[c]/q`. On a finite set the largest density ratio is
  :math:`1/q` exactly when q is at least the base mass of the top utility level, and
  :math:`1/\gamma(\text{top level})` when q is smaller (all mass on the top level) -- the finite
  form of the claim, deconfuse's;
- **optimality**: among all P with :math:`P(a) \le \gamma(a)/q`, the q-quantiliser maximises
  :math:`E_P[U]`.

The experiment enumerates small one-shot problems (bases on 2 to 4 actions with masses in
multiples of 1/4, or 1/6 in the full run; utilities from {0, 1, 2}, ties included; a grid of q
with the top-set masses), and checks each claim exactly (Fractions): the cost bound for the
indicator of every action (which covers every c >= 0 by linearity) and for seeded random costs;
the largest density ratio against its closed form; and E_q[U] against the optimum of the capped
linear program computed independently by sorting (fill the best actions up to their cap,
:func:`capped_optimum`). The paper gives no numbers beyond its worked bound.
"""

from __future__ import annotations

import itertools
import random
from fractions import Fraction
from typing import Any

from property_tests.reproductions.base import Comparison, Outcome, Reproduction
from theory.selection import quantilise

__all__ = ["QUICK_QS", "problems", "capped_optimum", "run", "figure", "REPRODUCTION"]

QUICK_QS = (Fraction(1, 5), Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1))


def problems(quick: bool = True) -> list[tuple[list[Fraction], list[int]]]:
    """The enumerated one-shot problems ``(base, utility)``: every base on 2..4 actions with
    positive masses in multiples of 1/4 (1/6 in the full run) and every utility vector in
    {0, 1, 2}^k.

    >>> len(problems())  # bases: 3 on 2 actions, 3 on 3, 1 on 4; utilities 9, 27, 81
    189
    """
    denominator = 4 if quick else 6
    out = []
    for k in (2, 3, 4):
        for parts in itertools.product(range(1, denominator), repeat=k):
            if sum(parts) != denominator:
                continue
            base = [Fraction(p, denominator) for p in parts]
            out.extend((base, list(u)) for u in itertools.product(range(3), repeat=k))
    return out


def capped_optimum(base: list[Fraction], utility: list[int], q: Fraction) -> Fraction:
    r"""The maximum of :math:`E_P[U]` over distributions with :math:`P(a) \le \gamma(a)/q`, by
    sorting (the greedy solution of this fractional-knapsack linear program): fill the actions in
    decreasing utility up to their cap until the mass reaches 1. Independent of
    :func:`theory.selection.quantilise`.

    >>> capped_optimum([Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], [3, 2, 1], Fraction(3, 4))
    Fraction(8, 3)
    """
    left, total = Fraction(1), Fraction(0)
    for i in sorted(range(len(base)), key=lambda i: -utility[i]):
        take = min(left, base[i] / q)
        total += take * utility[i]
        left -= take
    return total


def _qs(base: list[Fraction], utility: list[int]) -> list[Fraction]:
    """The q grid and the base masses of the top sets (where the bound is attained)."""
    top_sets = {sum((b for b, v in zip(base, utility) if v >= u), Fraction(0)) for u in utility}
    return sorted(set(QUICK_QS) | top_sets)


def _expected_max_ratio(base: list[Fraction], utility: list[int], q: Fraction) -> Fraction:
    top = sum((b for b, u in zip(base, utility) if u == max(utility)), Fraction(0))
    return 1 / q if q >= top else 1 / top


def _check(cases: list[tuple[list[Fraction], list[int]]], rng: random.Random) -> dict[str, Any]:
    worst_ratio = worst_cost = Fraction(0)
    n = ratio_ok = attained = top_cases = optimal = 0
    for base, utility in cases:
        for q in _qs(base, utility):
            p = quantilise(base, utility, q).tolist()
            n += 1
            ratios = [pi / b for pi, b in zip(p, base)]
            worst_ratio = max(worst_ratio, max(ratios) * q)
            cost = [Fraction(rng.randint(0, 9)) for _ in base]
            e_base = sum(c * b for c, b in zip(cost, base))
            if e_base > 0:
                worst_cost = max(worst_cost, sum(c * pi for c, pi in zip(cost, p)) * q / e_base)
            ratio_ok += max(ratios) == _expected_max_ratio(base, utility, q)
            for u in set(utility):  # the indicator of a top set of base mass exactly q attains the bound
                indicator = [1 if v >= u else 0 for v in utility]
                if sum(c * b for c, b in zip(indicator, base)) == q:
                    top_cases += 1
                    attained += sum(c * pi for c, pi in zip(indicator, p)) == 1
            optimal += sum(pi * u for pi, u in zip(p, utility)) == capped_optimum(base, utility, q)
    return {"cases": n, "worst_ratio": worst_ratio, "worst_cost": worst_cost, "ratio_ok": ratio_ok,
            "top_cases": top_cases, "attained": attained, "optimal": optimal}


def _curve(qs: list[Fraction]) -> dict[str, Any]:
    """The figure's worked case: base (1/2, 1/4, 1/4), U = (3, 2, 1); per q the largest density
    ratio and that of the second action, E_q[c] / E_g[c] for c its indicator."""
    base, utility = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], [3, 2, 1]
    ratio, cost = [], []
    for q in qs:
        p = quantilise(base, utility, q).tolist()
        ratio.append(float(max(pi / b for pi, b in zip(p, base))))
        cost.append(float(p[1] / base[1]))
    return {"q": [float(q) for q in qs], "max_ratio": ratio, "cost_ratio_action_2": cost,
            "bound": [float(1 / q) for q in qs]}


def run(quick: bool = True) -> Outcome:
    """The comparisons of the module docstring on :func:`problems`."""
    found = _check(problems(quick), random.Random(0))
    n = found["cases"]
    base, utility, q = [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)], [3, 2, 1], Fraction(3, 4)
    p = quantilise(base, utility, q).tolist()
    rows = (
        Comparison.at_most(f"largest q * P(a) / g(a) over {n} (problem, q) cases", 1, found["worst_ratio"],
                           "density cap P <= g/q, i.e. the cost bound for every c >= 0"),
        Comparison.at_most(f"largest q * E_P[c] / E_g[c], seeded random costs, {n} cases", 1, found["worst_cost"],
                           "the cost bound E_P[c] <= E_g[c]/q"),
        Comparison.exact("cases whose largest density ratio is 1/q (q >= top-level mass) or 1/g(top level)", n,
                         found["ratio_ok"], "tightness, finite form"),
        Comparison.exact("top sets of mass exactly q whose indicator attains E_P[c] = E_g[c]/q = 1",
                         found["top_cases"], found["attained"], "tightness"),
        Comparison.exact("cases where E_P[U] equals the capped LP's optimum (by sorting)", n, found["optimal"],
                         "optimality under the density cap"),
        Comparison.exact("E_P[1_top] for g = (1/2, 1/4, 1/4), U = (3, 2, 1), q = 3/4", Fraction(1), p[0] + p[1],
                         "worked case: top set {a1, a2} of mass 3/4"),
    )
    qs = [Fraction(k, 40) for k in range(2, 41)]
    return Outcome("taylor", rows, {"axes": ["q", "density ratio P(a)/g(a)"], **_curve(qs), "cases": n}, quick,
                   ("the paper's numbering of the lemma and theorem is not re-read; the definitions are those of "
                    "Taylor's 2015 post",
                    "ties share the boundary in proportion to the base (tie='uniform')"))


def figure(outcome: Outcome, ax: Any) -> None:
    """The density ratio against q on the worked case: the bound 1/q, the largest ratio (on the
    top action) and that of the second action."""
    d = outcome.data
    ax.plot(d["q"], d["bound"], "k--", label="1/q (the cost bound)")
    ax.plot(d["q"], d["max_ratio"], "o-", ms=3, label="largest P(a)/g(a)")
    ax.plot(d["q"], d["cost_ratio_action_2"], "s-", ms=3, label="P(a2)/g(a2)")
    ax.set_xlabel(d["axes"][0])
    ax.set_ylabel(d["axes"][1])
    ax.set_yscale("log")
    ax.set_title("Taylor 2016: density ratio of the q-quantiliser, g = (1/2, 1/4, 1/4)")
    ax.legend(fontsize=7)


REPRODUCTION = Reproduction(
    name="taylor",
    paper="Taylor 2016, \"Quantilizers: A Safer Alternative to Maximizers for Limited Optimization\" (AAAI "
          "workshop)",
    claim="E_q[c] <= E_g[c]/q for every cost c >= 0, tight (largest density ratio 1/q; the indicator of the top-q "
          "set attains it); the quantiliser maximises E[U] under the density cap p <= g/q",
    experiment="Every one-shot problem on 2-4 actions with masses in multiples of 1/4 (1/6 full) and utilities in "
               "{0,1,2}, on a q grid with the top-set masses: exact quantiliser laws against the bound, its tight "
               "form, and the capped LP's optimum computed by sorting.",
    run=run,
    expect="reproduced",
    full_time="2 s",
    figure=figure,
)
