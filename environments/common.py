"""What the environment builders share beyond argument checks (those live in theory.validation):
the default discount and exact uniform draws of rationals."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

__all__ = ["DEFAULT_DISCOUNT", "uniform_multiples"]

#: The discount used when a builder is given neither ``discount`` nor ``horizon``.
DEFAULT_DISCOUNT = Fraction(9, 10)


def uniform_multiples(
    rng: np.random.Generator,
    shape: tuple[int, ...],
    low: Fraction,
    high: Fraction,
    denominator: int,
) -> np.ndarray:
    """An object array of Fractions drawn independently and uniformly from the multiples of
    ``1/denominator`` in ``[low, high]`` (one call of ``rng.integers``).

    >>> uniform_multiples(np.random.default_rng(0), (3,), Fraction(0), Fraction(1), 4).shape
    (3,)
    """
    k_low = -((-low * denominator) // 1)  # ceil(low * denominator)
    k_high = (high * denominator) // 1  # floor(high * denominator)
    ints = rng.integers(int(k_low), int(k_high) + 1, size=shape)
    out = np.empty(shape, dtype=object)
    for index, k in np.ndenumerate(ints):
        out[index] = Fraction(int(k), denominator)
    return out
