r"""Gao, Schulman & Hilton's functional forms of the gold (true) reward against
:math:`d = \sqrt{KL}`, and their least-squares fits: the one fitting home of deconfuse.

Gao, Schulman & Hilton, "Scaling Laws for Reward Model Overoptimization" (arXiv:2210.10760,
ICML 2023), sec. 3 (eq. 1 and 2), with :math:`d := \sqrt{D_{KL}(\pi \| \pi_{init})}` and the
gold reward measured from the initial policy (R(0) = 0):

- best-of-n: :math:`R_{bon}(d) = d(\alpha_{bon} - \beta_{bon} d)`;
- RL: :math:`R_{RL}(d) = d(\alpha_{RL} - \beta_{RL} \log d)`.

Both are linear in (alpha, beta), so the fit is one linear least-squares problem without an
intercept (:func:`gao_fit`). Two coefficients of determination are reported, each under its own
name: the **centred** :math:`R^2 = 1 - SS_{res}/SS_{tot}` with :math:`SS_{tot} = \sum_i (R_i -
\bar R)^2` (the usual one; it can be negative for a no-intercept fit) and the **uncentred**
:math:`1 - SS_{res} / \sum_i R_i^2` (the share of the raw sum of squares explained; larger,
and what deconfuse printed as "R²" before).

>>> fit = gao_fit([1.0, 2.0, 3.0], [2.0, 2.0, 0.0])
>>> round(fit["alpha"], 6), round(fit["beta"], 6), round(fit["d_peak"], 6)
(3.0, 1.0, 1.5)
>>> round(fit["r2"], 6), round(fit["r2_uncentred"], 6)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from theory.errors import InvalidArgument
from theory.validation import check_choice

__all__ = ["GAO_FORMS", "GaoForm", "gao_form", "gao_fit"]

#: The forms of :func:`gao_fit`: "bon" d(alpha - beta d), "rl" d(alpha - beta log d).
GaoForm = Literal["bon", "rl"]
GAO_FORMS: dict[str, str] = {"bon": "d * (alpha - beta * d)", "rl": "d * (alpha - beta * log d)"}


def gao_form(form: GaoForm, d: Sequence[float] | np.ndarray, alpha: float, beta: float) -> np.ndarray:
    r"""The value of Gao et al.'s ``form`` at ``d``: :math:`d(\alpha - \beta d)` ("bon") or
    :math:`d(\alpha - \beta \log d)` ("rl", with :math:`0 \log 0 = 0`).

    >>> gao_form("bon", [0.0, 1.0, 2.0], 3.0, 1.0).tolist(), gao_form("rl", [0.0, 1.0], 2.0, 1.0).tolist()
    ([0.0, 2.0, 2.0], [0.0, 2.0])
    """
    check_choice(form, "form", tuple(GAO_FORMS))
    x = np.asarray(d, dtype=np.float64)
    second = x * x if form == "bon" else x * np.log(np.where(x > 0, x, 1.0))
    return alpha * x - beta * second


def gao_fit(d: Sequence[float], gain: Sequence[float], form: GaoForm = "bon") -> dict[str, float | None | str]:
    r"""Least-squares fit of Gao et al.'s ``form`` to points :math:`(d_i, R_i)`, no intercept
    (R(0) = 0 at the initial policy): ``"bon"`` :math:`R = \alpha d - \beta d^2`, ``"rl"``
    :math:`R = \alpha d - \beta d \log d`.

    Returns ``form`` (its formula), ``alpha``, ``beta``, the residual sum of squares ``rss``,
    ``r2`` (the **centred** :math:`1 - SS_{res} / \sum (R_i - \bar R)^2`; 1.0 when the
    :math:`R_i` are all equal and fitted exactly, -inf when they are equal and not), ``r2_uncentred``
    (:math:`1 - SS_{res} / \sum R_i^2`) and ``d_peak``, where the fitted curve peaks: "bon"
    :math:`\alpha / (2\beta)`, "rl" :math:`e^{\alpha/\beta - 1}` (None when :math:`\beta \le 0`:
    no interior peak). Needs two points with distinct non-zero d.

    Source: Gao, Schulman & Hilton (2022), sec. 3, eq. (1) best-of-n and (2) RL.

    >>> fit = gao_fit([0.5, 1.0, 2.0], [0.5 * (3 - 0.5), 1.0 * (3 - 1.0), 2.0 * (3 - 2.0)])
    >>> round(fit["alpha"], 12), round(fit["beta"], 12), round(fit["d_peak"], 12)
    (3.0, 1.0, 1.5)
    >>> rl = gao_fit([0.5, 1.0, 2.0], [d * (1 - 0.5 * math.log(d)) for d in (0.5, 1.0, 2.0)], "rl")
    >>> round(rl["alpha"], 12), round(rl["beta"], 12), round(rl["d_peak"], 6)
    (1.0, 0.5, 2.718282)
    """
    check_choice(form, "form", tuple(GAO_FORMS))
    x = np.asarray(d, dtype=np.float64)
    y = np.asarray(gain, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise InvalidArgument(f"d has shape {x.shape} and gain {y.shape}; give two vectors of one length")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InvalidArgument("d and gain must be finite")
    if (x < 0).any():
        raise InvalidArgument(f"d is {x.tolist()!r}; d = sqrt(KL) is never negative")
    if len(set(float(v) for v in x if v != 0)) < 2:
        raise InvalidArgument(f"d is {x.tolist()!r}; the fit needs two distinct non-zero values")
    design = np.stack([x, -(gao_form(form, x, 0.0, -1.0))], axis=1)
    (alpha, beta), *_ = np.linalg.lstsq(design, y, rcond=None)
    residual = y - design @ np.array([alpha, beta])
    rss = float(residual @ residual)
    raw = float(y @ y)
    centred = float(((y - y.mean()) ** 2).sum())
    if centred > 0:
        r2 = 1.0 - rss / centred
    else:
        r2 = 1.0 if rss <= 1e-24 * max(1.0, raw) else -math.inf
    peak: float | None = None
    if beta > 0:
        peak = float(alpha / (2 * beta)) if form == "bon" else float(math.exp(min(alpha / beta - 1.0, 700.0)))
    return {
        "form": GAO_FORMS[form],
        "alpha": float(alpha),
        "beta": float(beta),
        "rss": rss,
        "r2": float(r2),
        "r2_uncentred": 1.0 - rss / raw if raw > 0 else 1.0,
        "d_peak": peak,
    }
