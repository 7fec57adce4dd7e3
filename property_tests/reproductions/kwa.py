r"""Kwa, Thomas & Garriga-Alonso (2024), "Catastrophic Goodhart: regularizing RLHF with KL
divergence does not mitigate heavy-tailed reward misspecification" (arXiv:2407.14503): with a
heavy-tailed error the proxy grows under optimisation while the true value returns towards its
base value; with a light-tailed independent error the true value keeps rising.

Transcribed from the LaTeX source in the authors' repository (github.com/tkwa/catastrophic-goodhart,
``paper/main.tex``). Two versions are there: the ICML-format one (commit c81938f), whose
numbering is used below and matches the arXiv text, and a NeurIPS-format one (commit 1d44d68),
which swaps the numbers of Theorems 2 and 3 and moves Theorems 5 and 6 to the main text.

**Definitions.**

- Sec. 2.1: :math:`D_{KL}(P \| Q) = \sum_x P(x) \log(P(x)/Q(x))`; the KL-penalised optimum is
  :math:`\arg\max_\pi E[U(\pi)] - \beta D_{KL}(\pi \| \pi_0)`. For a one-shot choice over outcomes
  (one action, no states) its solution is the exponential tilt
  :math:`\pi_\beta(x) \propto \pi_0(x)\, e^{U(x)/\beta}` (the Lagrange step of the proofs of
  Theorems 3 and 4, appendix); :func:`kl_regularised`. beta multiplies the KL: **beta -> 0 is
  less regularisation**.
- Sec. 2.2: a distribution is *heavy-tailed* when :math:`\lim_{x\to\infty} e^{tx} \bar F(x) =
  \infty` for all t > 0, with :math:`\bar F = 1 - F`; light-tailed otherwise.
- Sec. 2.3: V is the true utility, U the proxy, :math:`X \triangleq U - V` the error, so
  :math:`U = X + V`.

**Theorems** (hypotheses as stated; "heavy/light" as in sec. 2.2).

- Theorem 1: for any heavy-tailed Q on R with mean :math:`\mu_Q` and any M, eps > 0 there is a P
  with mean :math:`\mu_P > M` and :math:`D_{KL}(P \| Q) < \epsilon`. (Proof: move mass c/t above t.)
- Theorem 2: in a deterministic-transition MDP with Markovian returns, if the return of the base
  policy :math:`\pi_0` is heavy-tailed with finite mean, for any M, eps > 0 some policy has mean
  return > M and :math:`E_{s \in T}[D_{KL}(\pi(s) \| \pi_0(s))] < \epsilon`.
- Theorem 3: if V is light-tailed and :math:`d = D_{KL}(P \| Q)` is bounded, :math:`E_P[V]` is
  bounded, and :math:`E_P[V] - E_Q[V] \to 0` as d -> 0.
- Corollary 1 (of Theorems 2 and 3): light-tailed utility and a heavy-tailed proxy: E[U] can go to
  infinity at KL -> 0 while E[V] approaches a value no higher than the base policy's.
- Theorem 4: U = X + V, X and V light-tailed, U continuous, :math:`\pi^*(\beta)` the KL-penalised
  optimum; then :math:`\lim_{\beta \to 0^+} E[V(\pi^*(\beta))] = \infty`. (The proof's bound
  uses X independent of V; sec. 6.2 of the discussion lists Theorem 4 among those that require
  independence.)
- Theorem 5 (conditioning, appendix): X and V independent, V with a finite mean, X subexponential
  (:math:`P(X_1 + X_2 > x)/P(X > x) \to 2`), and :math:`t^p \bar F_V(t)/\bar F_X(t) \to 0` for
  some p > 1; then :math:`\lim_{t\to\infty} E[V \mid X + V \ge t] = E[V]`.
- Theorem 6 (conditioning): X, V independent, :math:`\bar F_X(t+1)/\bar F_X(t) \to 0`, V with a
  finite mean and no upper bound; then :math:`\lim_{t\to\infty} E[V \mid X + V > t] = \infty`.

The paper gives no numbers for a synthetic experiment: its experiments measure the tails of
language reward models. Its illustrations use Student-t with 3 degrees of freedom (the figure of
Theorem 1's proof: Q = t3, unscaled); the authors' script ``best-of-n/bon_synthetic.py`` draws
best-of-n on t errors scaled to unit variance (factor :math:`\sqrt{(df - 2)/df}`) against a
utility 2 N(0, 1), n up to 4^8, fresh samples per trial.

**A finite outcome set is not heavy-tailed.** Every distribution on finitely many outcomes is
bounded, so its tail function is 0 beyond the maximum and it is light-tailed in the sense of
sec. 2.2; the paper says so itself (sec. 4, footnote: "distributions over a finite set are bounded
and cannot be heavy-tailed in a technical sense"). No finite experiment can show the limits of
Theorems 1-6. What it shows is the regime **before the sample's maximum dominates**: best-of-n
with n well below the number of outcomes N (here n <= N/10), and the KL-regularised policies
whose effective number of outcomes :math:`1/\sum_x \pi(x)^2` is at least 20. In
that regime the heavy sample behaves like its heavy-tailed law (E[V] rises, then falls back
towards the base while E[U] keeps growing) and the light one like its light law (E[V] keeps
rising). Beyond it every policy concentrates on the few outcomes of largest U, and E[V] becomes
the V of those outcomes: one or a few draws, not a limit (in the full sample with seed 0 the
argmax of U under heavy error has V = 1.93).

**The experiment.** N outcomes (quick: 10^5, full: 10^6) drawn once with
``numpy.random.default_rng(seed)`` in the order V, light X, heavy X: V ~ N(0, 1), light X ~
N(0, 1), heavy X ~ Student-t(df) times :math:`\sqrt{(df-2)/df}` (unit variance; ``unit_variance``
switches the factor off), independent of V. The base is uniform over the outcomes. Best-of-n
for n from 1 to 10^5 through the exact CDF law in float (:func:`theory.selection.best_of_n_float`)
and the KL-regularised policies over beta from 100 to 1/31.6 (16 per decade) (:func:`kl_regularised`): E[V], E[X],
E[U] and KL(p || base) for each, light beside heavy.

**Numbers compared.** REFERENCES.md's independent check (best-of-n over 10^6 outcomes, V ~
N(0, 1), heavy X = t3 scaled to unit variance): light E[V] 1.09, 1.78, 2.30, 2.75, 3.07 and heavy
1.13, 1.27, 0.65, 0.32, 0.07 at n = 10 .. 10^5. They depend on the sample. The tolerance of each
is derived from the law itself: 0.005 (the two-decimal rounding) plus three standard errors of a
mean of :math:`n_{eff} = 1/\sum_x P(x)^2` independent unit-variance values,
:math:`3/\sqrt{n_{eff}}`. Both runs compare the n <= N/10 (the quick one, 10^5 outcomes: up to
10^4). The claim itself (the shapes) is checked by the qualitative rows, over the same regime:
heavy E[V] peaks before the largest n and falls back at least half-way to the base, E[U] rising
at every n; light E[V] higher at each decade of n; along the KL-regularised policies (effective
number >= 20) light E[V] rises with every step of beta, and at a matched KL (1 nat, or the
largest KL inside both regimes when smaller: the KL where the heavy policy's effective number
falls to 20) the heavy error buys more proxy gain than the light one with at most half its true
share (E[V] - base) / (E[U] - base) (1/2 for the light error: V and X iid Gaussian).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from agents.soft import soft_backup
from property_tests.reproductions.base import Comparison, Outcome, Reproduction
from theory.errors import InvalidArgument
from theory.selection import best_of_n_float, kl
from theory.validation import check_int, check_positive

__all__ = [
    "REFERENCE_N",
    "REFERENCE_LIGHT",
    "REFERENCE_HEAVY",
    "DEFAULT_NS",
    "DEFAULT_BETAS",
    "MIN_EFFECTIVE",
    "MATCHED_KL",
    "ASSUMED",
    "draw_outcomes",
    "kl_regularised",
    "best_of_n_curve",
    "kl_curve",
    "experiment",
    "run",
    "figure",
    "REPRODUCTION",
]

#: The n of REFERENCES.md's independent check, and its E[V] (10^6 outcomes, V ~ N(0, 1)).
REFERENCE_N = (10, 100, 1000, 10**4, 10**5)
#: E[V] of best-of-n, light error N(0, 1).
REFERENCE_LIGHT = (1.09, 1.78, 2.30, 2.75, 3.07)
#: E[V] of best-of-n, heavy error t3 scaled to unit variance.
REFERENCE_HEAVY = (1.13, 1.27, 0.65, 0.32, 0.07)

#: The n of the best-of-n curve: 10^(k/4), k = 0 .. 20, rounded (1 .. 10^5).
DEFAULT_NS = tuple(int(n) for n in np.unique(np.round(np.logspace(0, 5, 21)).astype(int)))
#: The beta of the KL-regularised curve: 10^(k/16), k = 32 down to -24 (100 .. 1/31.6).
DEFAULT_BETAS = tuple(float(10 ** (k / 16)) for k in range(32, -25, -1))


def draw_outcomes(
    outcomes: int, seed: int = 0, df: float = 3.0, unit_variance: bool = True, v_scale: float = 1.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The outcome set: ``(v, x_light, x_heavy)``, each of length ``outcomes``, drawn once with
    ``numpy.random.default_rng(seed)`` in that order: V ~ ``v_scale`` N(0, 1), light X ~ N(0, 1),
    heavy X ~ Student-t(``df``) times :math:`\sqrt{(df-2)/df}` (unit variance, as the authors'
    ``bon_synthetic.py``) or unscaled when ``unit_variance`` is False; X independent of V.

    >>> v, xl, xh = draw_outcomes(1000)
    >>> v.shape, round(float(np.var(xh)), 1) < 3
    ((1000,), True)
    """
    outcomes = check_int(outcomes, "outcomes", 2)
    seed = check_int(seed, "seed", 0)
    df = check_positive(df, "df")
    v_scale = check_positive(v_scale, "v_scale")
    if unit_variance and df <= 2:
        raise InvalidArgument(f"df is {df:g}; a unit-variance Student-t needs df > 2 (or unit_variance=False)")
    rng = np.random.default_rng(seed)
    v = v_scale * rng.standard_normal(outcomes)
    x_light = rng.standard_normal(outcomes)
    x_heavy = rng.standard_t(df, outcomes) * (math.sqrt((df - 2) / df) if unit_variance else 1.0)
    return v, x_light, x_heavy


def kl_regularised(base: Sequence[float] | np.ndarray, utility: Sequence[float] | np.ndarray, beta: float) -> np.ndarray:
    r"""The KL-penalised optimum of sec. 2.1 on a one-shot problem,
    :math:`\arg\max_p E_p[U] - \beta D_{KL}(p \| base)`, which is the tilt
    :math:`p(x) \propto base(x)\, e^{U(x)/\beta}` (beta > 0 multiplies the KL; beta -> 0 tends
    to the argmax). Float64, log-sum-exp stable: :func:`agents.soft.soft_backup` at inverse
    temperature 1/beta. Its objective value is :math:`\beta \log E_{base}[e^{U/\beta}]`.

    Source: Kwa, Thomas & Garriga-Alonso (2024), sec. 2.1 and the proofs of Theorems 3, 4.

    >>> kl_regularised([1 / 3, 1 / 3, 1 / 3], [0.0, math.log(2), math.log(3)], 1.0).round(12).tolist()
    [0.166666666667, 0.333333333333, 0.5]
    """
    beta = check_positive(beta, "beta")
    p = np.asarray(base, dtype=np.float64)
    u = np.asarray(utility, dtype=np.float64)
    if p.ndim != 1 or u.shape != p.shape:
        raise InvalidArgument(f"utility has shape {u.shape}, expected {p.shape} like base")
    return soft_backup(u, p, 1.0 / beta)[1]


def _moments(p: np.ndarray, base: np.ndarray, v: np.ndarray, x: np.ndarray) -> tuple[float, float, float, float]:
    """E_p[V], E_p[X], KL(p || base) and the effective number of outcomes 1 / sum p^2."""
    return float(p @ v), float(p @ x), kl(p, base), float(1.0 / np.sum(p * p))


def best_of_n_curve(base: np.ndarray, v: np.ndarray, x: np.ndarray, ns: Sequence[int]) -> dict[str, list[float]]:
    """E[V], E[X], E[U] = E[V] + E[X], KL(law || base) and the effective number of outcomes of
    the exact best-of-n law (ranked by U = V + X, ties to the later index) for each n of ``ns``.

    >>> c = best_of_n_curve(np.full(4, 0.25), np.array([0.0, 1, 2, 3]), np.zeros(4), [1, 2])
    >>> [round(x, 12) for x in c["EV"]], abs(c["KL"][0]) < 1e-12
    ([1.5, 2.125], True)
    """
    u = v + x
    out: dict[str, list[float]] = {"EV": [], "EX": [], "EU": [], "KL": [], "n_eff": []}
    for n in ns:
        ev, ex, d, eff = _moments(best_of_n_float(base, u, int(n)), base, v, x)
        for key, value in zip(("EV", "EX", "EU", "KL", "n_eff"), (ev, ex, ev + ex, d, eff)):
            out[key].append(value)
    return out


def kl_curve(base: np.ndarray, v: np.ndarray, x: np.ndarray, betas: Sequence[float]) -> dict[str, list[float]]:
    """The same quantities for the KL-regularised policies :func:`kl_regularised` of each beta.

    >>> c = kl_curve(np.full(2, 0.5), np.array([0.0, 1.0]), np.zeros(2), [1.0])
    >>> round(c["EV"][0], 6) == round(math.e / (1 + math.e), 6)
    True
    """
    u = v + x
    out: dict[str, list[float]] = {"EV": [], "EX": [], "EU": [], "KL": [], "n_eff": []}
    for beta in betas:
        ev, ex, d, eff = _moments(kl_regularised(base, u, beta), base, v, x)
        for key, value in zip(("EV", "EX", "EU", "KL", "n_eff"), (ev, ex, ev + ex, d, eff)):
            out[key].append(value)
    return out


def experiment(
    outcomes: int,
    seed: int = 0,
    df: float = 3.0,
    unit_variance: bool = True,
    ns: Sequence[int] = DEFAULT_NS,
    betas: Sequence[float] = DEFAULT_BETAS,
) -> dict[str, Any]:
    """The experiment of the module docstring; JSON-able data (the figure's): the outcome count,
    the grids, the base E[V], and the two curves for each error (``"light"``, ``"heavy"``).

    >>> d = experiment(1000, ns=(1, 10), betas=(1.0,))
    >>> sorted(d["light"]), d["light"]["best_of_n"]["EV"][0] == d["base_EV"]
    (['base_EU', 'best_of_n', 'kl'], True)
    """
    v, x_light, x_heavy = draw_outcomes(outcomes, seed, df, unit_variance)
    base = np.full(len(v), 1.0 / len(v))
    data: dict[str, Any] = {
        "axes": ["n (log)", "KL(p || base), nats", "E[V], E[U]"],
        "outcomes": len(v),
        "seed": seed,
        "df": df,
        "unit_variance": unit_variance,
        "ns": [int(n) for n in ns],
        "betas": [float(b) for b in betas],
        "base_EV": float(base @ v),
    }
    for name, x in (("light", x_light), ("heavy", x_heavy)):
        data[name] = {
            "base_EU": float(base @ (v + x)),
            "best_of_n": best_of_n_curve(base, v, x, ns),
            "kl": kl_curve(base, v, x, betas),
        }
    return data


#: The effective number of outcomes 1 / sum p^2 below which the sample's maximum dominates.
MIN_EFFECTIVE = 20.0
#: The KL (nats) at which the KL-regularised policies of the two errors are compared, or the
#: largest KL inside both regimes (1/sum p^2 >= MIN_EFFECTIVE) when that is smaller.
MATCHED_KL = 1.0


def _tolerance(n_eff: float) -> float:
    """0.005 (two-decimal rounding) + three standard errors of a mean of n_eff unit variances."""
    return 0.005 + 3.0 / math.sqrt(n_eff)


def _reference_rows(data: dict[str, Any]) -> list[Comparison]:
    rows = []
    limit = data["outcomes"] / 10
    for name, reference in (("light", REFERENCE_LIGHT), ("heavy", REFERENCE_HEAVY)):
        curve = data[name]["best_of_n"]
        for n, paper in zip(REFERENCE_N, reference):
            if n > limit or n not in data["ns"]:
                continue
            k = data["ns"].index(n)
            tol = round(_tolerance(curve["n_eff"][k]), 3)
            note = f"REFERENCES.md, 10^6 outcomes; n_eff = {curve['n_eff'][k]:.0f}"
            rows.append(Comparison.within(f"E[V], best-of-{n}, {name} error", paper, curve["EV"][k], tol, note))
    return rows


def _best_of_n_claims(data: dict[str, Any]) -> list[Comparison]:
    limit = data["outcomes"] / 10
    keep = [k for k, n in enumerate(data["ns"]) if n <= limit]
    base = data["base_EV"]
    heavy = data["heavy"]["best_of_n"]
    ev = [heavy["EV"][k] for k in keep]
    peak = int(np.argmax(ev))
    eu = [heavy["EU"][k] for k in keep]
    falls = 0 < peak < len(ev) - 1 and ev[-1] - base <= (ev[peak] - base) / 2
    rises = all(b > a for a, b in zip(eu, eu[1:]))
    n_last, n_peak = data["ns"][keep[-1]], data["ns"][keep[peak]]
    light = data["light"]["best_of_n"]
    decades = [light["EV"][data["ns"].index(n)] for n in (1,) + REFERENCE_N if n <= limit and n in data["ns"]]
    return [
        Comparison.claim(
            "heavy error, best-of-n: E[V] peaks, then falls at least half-way back to the base",
            falls,
            f"peak {ev[peak]:.2f} at n = {n_peak}; {ev[-1]:.2f} at n = {n_last}; base {base:.2f}",
            note="Theorem 5 / Corollary 1, before the sample's maximum dominates (n <= N/10)",
        ),
        Comparison.claim(
            "heavy error, best-of-n: E[U] rises at every n",
            rises,
            f"E[U] {eu[0]:.2f} at n = 1 to {eu[-1]:.2f} at n = {n_last}",
        ),
        Comparison.claim(
            "light error, best-of-n: E[V] higher at each decade of n",
            all(b > a for a, b in zip(decades, decades[1:])),
            "E[V] " + ", ".join(f"{x:.2f}" for x in decades) + " at n = 1, 10, ..",
            note="Theorem 6 (conditioning), Theorem 4 (KL), in finite form",
        ),
    ]


def _at_kl(curve: dict[str, list[float]], target: float, key: str) -> float:
    """``curve[key]`` interpolated at KL = target (KL increases along the beta grid)."""
    return float(np.interp(target, curve["KL"], curve[key]))


def _kl_claims(data: dict[str, Any]) -> list[Comparison]:
    base = data["base_EV"]
    light, heavy = data["light"]["kl"], data["heavy"]["kl"]
    regime = [k for k, eff in enumerate(light["n_eff"]) if eff >= MIN_EFFECTIVE]
    ev = [light["EV"][k] for k in regime]
    heavy_top = max(k for k, eff in enumerate(heavy["n_eff"]) if eff >= MIN_EFFECTIVE)
    matched = min(MATCHED_KL, heavy["KL"][heavy_top], light["KL"][regime[-1]])
    shares, gains = {}, {}
    for name, curve in (("light", light), ("heavy", heavy)):
        gains[name] = _at_kl(curve, matched, "EU") - data[name]["base_EU"]
        shares[name] = (_at_kl(curve, matched, "EV") - base) / gains[name]
    return [
        Comparison.claim(
            "light error, KL-regularised: E[V] rises as beta falls (KL grows)",
            all(b > a for a, b in zip(ev, ev[1:])),
            f"E[V] {ev[0]:.2f} to {ev[-1]:.2f} up to KL {light['KL'][regime[-1]]:.1f} nats",
            note=f"Theorem 4 in finite form; policies with 1/sum p^2 >= {MIN_EFFECTIVE:g}",
        ),
        Comparison.claim(
            "at a matched small KL, heavy error: more proxy gain, at most half the light true share",
            gains["heavy"] > gains["light"] and shares["heavy"] <= shares["light"] / 2,
            f"at KL {matched:.2f} nats: E[U] gain {gains['heavy']:.2f} vs {gains['light']:.2f}; true share "
            f"{shares['heavy']:.3f} vs {shares['light']:.3f}",
            note="Theorems 1-3 / Corollary 1 in finite form",
        ),
    ]


ASSUMED = (
    "assumed: the paper gives no synthetic numbers; the numbers compared are REFERENCES.md's "
    "independent check (best-of-n, 10^6 outcomes), which depend on its sample",
    "assumed: heavy error Student-t(df = 3) scaled to unit variance (the authors' bon_synthetic.py; "
    "parameters df, unit_variance); the figure of Theorem 1 uses the unscaled t3",
    "assumed: V ~ N(0, 1) (bon_synthetic.py uses 2 N(0, 1)), light X ~ N(0, 1), X independent of V, "
    "drawn once with numpy default_rng(seed = 0) in the order V, light X, heavy X",
    "assumed: the base is uniform over the outcomes (the paper's base is a language model)",
    "a finite outcome set is bounded, so not heavy-tailed in the sense of sec. 2.2 (the paper's "
    "sec. 4 footnote): compared is the regime before the sample's maximum dominates (best-of-n "
    f"n <= N/10; KL-regularised 1/sum p^2 >= {MIN_EFFECTIVE:g}), not the limits of Theorems 1-6",
)


def run(quick: bool = True) -> Outcome:
    """The experiment at 10^5 (quick) or 10^6 outcomes, and its comparisons."""
    data = experiment(10**5 if quick else 10**6)
    rows = _reference_rows(data) + _best_of_n_claims(data) + _kl_claims(data)
    return Outcome("kwa", tuple(rows), data, quick, ASSUMED)


def _panel(ax: Any, data: dict[str, Any], family: str) -> None:
    colours = {"light": "tab:blue", "heavy": "tab:red"}
    for name in ("light", "heavy"):
        curve = data[name][family]
        xs = data["ns"] if family == "best_of_n" else curve["KL"]
        ax.plot(xs, curve["EV"], color=colours[name], label=f"E[V], {name} error")
        ax.plot(xs, curve["EU"], color=colours[name], linestyle="--", label=f"E[U], {name} error")
    ax.axhline(data["base_EV"], color="grey", linewidth=0.8, linestyle=":", label="base E[V]")
    ax.set_yscale("symlog", linthresh=1.0)
    if family == "best_of_n":
        ax.set_xscale("log")
        ax.axvline(data["outcomes"] / 10, color="grey", linewidth=0.8)
        ax.set_xlabel("n (best-of-n, log)")
        ax.set_title("best-of-n")
    else:
        ax.set_xscale("log")
        for name in ("light", "heavy"):  # the end of the regime before the sample's maximum dominates
            curve = data[name][family]
            inside = [k for k, eff in enumerate(curve["n_eff"]) if eff >= MIN_EFFECTIVE]
            ax.axvline(curve["KL"][inside[-1]], color=colours[name], linewidth=0.8, linestyle=":")
        ax.set_xlabel("KL(p || base), nats (log)")
        ax.set_title("KL-regularised p ~ base exp(U/beta)")
    ax.set_ylim(bottom=-0.5)
    ax.set_ylabel("E[V] (solid), E[U] (dashed)")


def figure(outcome: Outcome, ax: Any) -> None:
    """E[V] and E[U] against n (log axis) and against KL(p || base) (log axis), light error
    beside heavy: two panels drawn inside ``ax``. Vertical lines mark the end of the regime before
    the sample's maximum dominates: n = N/10 (grey), and the KL where each error's policy falls
    below 20 effective outcomes (dotted, in its colour)."""
    data = outcome.data
    ax.set_axis_off()
    left = ax.inset_axes([0.0, 0.0, 0.45, 0.9])
    right = ax.inset_axes([0.55, 0.0, 0.45, 0.9])
    _panel(left, data, "best_of_n")
    _panel(right, data, "kl")
    left.legend(fontsize="x-small", loc="upper left")
    ax.set_title(f"Kwa et al. 2024: V ~ N(0,1), error N(0,1) vs t{data['df']:g}, {data['outcomes']:,} outcomes")


REPRODUCTION = Reproduction(
    name="kwa",
    paper="Kwa, Thomas & Garriga-Alonso (2024), \"Catastrophic Goodhart: regularizing RLHF with KL "
    "divergence does not mitigate heavy-tailed reward misspecification\", arXiv:2407.14503",
    claim="Theorems 1 to 6 and Corollary 1 (sec. 3 and appendix): with heavy-tailed error X the proxy "
    "U = V + X grows under optimisation while E[V] returns towards its base value; with light-tailed "
    "independent error E[V] keeps rising",
    experiment="N outcomes (quick 10^5, full 10^6), V ~ N(0,1), error N(0,1) or unit-variance t3, "
    "uniform base, drawn once (seed 0); best-of-n for n = 1 .. 10^5 through the exact CDF law in float "
    "and KL-regularised policies p ~ base exp(U/beta), beta = 100 .. 1/31.6: E[V], E[X], E[U] and KL, "
    "light beside heavy, in the regime before the sample's maximum dominates",
    run=run,
    expect="reproduced",
    full_time="110 s (measured on 2 shared cores; 10^6 outcomes, 21 n and 57 beta per error)",
    figure=figure,
)
