"""How the numbers of a claim and the arguments of a counterexample are written as text.

One function, :func:`display_value`, used by the message of
:class:`~property_tests.declare.Refuted` and by the counterexample files and tables of
:mod:`property_tests.counterexamples`. Numbers go through
:func:`theory.numbers.exact_and_decimal`; lists, tuples and arrays are written item by item; an
MDP by its one-line repr.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from theory.mdp import FiniteMDP
from theory.numbers import exact_and_decimal

__all__ = ["display_value"]


def display_value(value: Any) -> str:
    """``value`` as text: an exact number as "p/q (~decimal)", a float by repr, a list, tuple or
    array as ``[x, y, ...]`` of its items, an MDP by its repr, anything else by ``str``.

    >>> display_value([Fraction(2, 5), 3, 0.5]), display_value(np.array([Fraction(1, 2)], dtype=object))
    ('[2/5 (~0.4), 3, 0.5]', '[1/2 (~0.5)]')
    >>> display_value(True), display_value("go")
    ('True', 'go')
    """
    if isinstance(value, (Fraction, int, float, np.floating, np.integer)) and not isinstance(value, bool):
        return exact_and_decimal(value)
    if isinstance(value, FiniteMDP):
        return repr(value)
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(display_value(x) for x in value.tolist()) + "]"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(display_value(x) for x in value) + "]"
    return str(value)
