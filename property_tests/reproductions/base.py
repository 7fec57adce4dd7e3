"""The reproduction suite's types: a :class:`Reproduction` (a paper, its claim, the experiment),
its :class:`Outcome` (the compared quantities and the verdict) and a :class:`Comparison` per
quantity.

A *reproduction* is the third kind of statement of deconfuse, beside theorems and conjectures
(DESIGN.md "Reproductions"): it names the paper and the claim (section, table or figure), the
paper's numbers as transcribed (or its qualitative claim), the experiment that recomputes them,
deconfuse's numbers, the stated tolerance or criterion of each, and the verdict: *reproduced*
when every comparison agrees, *differs* otherwise (with the comparisons that do not agree).
Details the paper's text does not confirm are listed in ``assumed`` and are parameters of the
experiment.

Each entry is a module of :mod:`property_tests.reproductions` that defines ``REPRODUCTION``.

>>> from fractions import Fraction
>>> row = Comparison.exact("KL(best-of-2 || uniform binary)", Fraction(1, 4), Fraction(1, 4))
>>> row.agrees, row.criterion
(True, 'equal')
>>> Comparison.within("E[V], n = 10", 1.09, 1.0912, 0.005).agrees
True
>>> Comparison.claim("E[V] returns towards its base value", False, "E[V] at n = 10^5 is 0.9").agrees
False
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from typing import Any, Literal

from theory.errors import InvalidArgument
from theory.numbers import exact_and_decimal, format_number
from theory.validation import check_choice

__all__ = ["Verdict", "Comparison", "Outcome", "Reproduction"]

#: The verdict of a reproduction.
Verdict = Literal["reproduced", "differs"]


def _show(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction) or isinstance(value, int):
        return exact_and_decimal(Fraction(value))
    if isinstance(value, float):
        return f"{value:.6g}"
    return format_number(value)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """One quantity: the paper's value (as transcribed; None when the paper gives none), ours,
    the criterion that compares them, and whether they agree under it. ``note`` says where the
    paper's value stands (e.g. "Table 1", "Fig. 3, read off the plot").

    Build it with :meth:`exact`, :meth:`within`, :meth:`at_most` or :meth:`claim`, which apply
    the criterion, rather than by hand.
    """

    quantity: str
    paper: Any
    ours: Any
    criterion: str
    agrees: bool
    note: str = ""

    @classmethod
    def exact(cls, quantity: str, paper: Any, ours: Any, note: str = "") -> Comparison:
        """Equal exactly (Fractions, ints, strings, bools)."""
        return cls(quantity, paper, ours, "equal", bool(paper == ours), note)

    @classmethod
    def within(cls, quantity: str, paper: float, ours: float, tolerance: float, note: str = "",
               relative: bool = False) -> Comparison:
        """``|ours - paper| <= tolerance`` (times ``|paper|`` when ``relative``)."""
        if not (isinstance(tolerance, (int, float, Fraction)) and tolerance >= 0):
            raise InvalidArgument(f"tolerance is {tolerance!r}, not a number >= 0")
        scale = abs(float(paper)) if relative else 1.0
        gap = abs(float(ours) - float(paper))
        agrees = math.isfinite(gap) and gap <= float(tolerance) * scale
        criterion = f"within {tolerance:g}" + (" (relative)" if relative else "")
        return cls(quantity, paper, ours, criterion, bool(agrees), note)

    @classmethod
    def at_most(cls, quantity: str, bound: Any, ours: Any, note: str = "") -> Comparison:
        """``ours <= bound`` (the paper states a bound, e.g. KL <= log n - (n-1)/n)."""
        return cls(quantity, bound, ours, "at most the paper's bound", bool(ours <= bound), note)

    @classmethod
    def claim(cls, quantity: str, holds: bool, ours: Any, paper: Any = "claimed", note: str = "") -> Comparison:
        """A qualitative claim of the paper (``quantity`` states it), and whether our numbers
        (``ours``, a short description) show it."""
        if not isinstance(holds, bool):
            raise InvalidArgument(f"holds is {holds!r} ({type(holds).__name__}), not a bool")
        return cls(quantity, paper, ours, "qualitative", holds, note)

    def row(self) -> tuple[str, str, str, str, str]:
        """The row of the side-by-side table: quantity, paper, ours, criterion, agrees."""
        return (self.quantity, _show(self.paper), _show(self.ours), self.criterion, "yes" if self.agrees else "NO")


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What a reproduction's experiment found: its comparisons, the data of its figure (plain
    JSON-able lists and numbers: ``axes`` names the paper's axes), whether it ran ``quick``, and
    the details assumed where the paper is silent."""

    name: str
    comparisons: tuple[Comparison, ...]
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    quick: bool = True
    assumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.comparisons:
            raise InvalidArgument(f"the outcome of {self.name!r} has no comparisons")
        object.__setattr__(self, "comparisons", tuple(self.comparisons))
        object.__setattr__(self, "assumed", tuple(self.assumed))

    @property
    def verdict(self) -> Verdict:
        """"reproduced" when every comparison agrees, else "differs"."""
        return "reproduced" if all(c.agrees for c in self.comparisons) else "differs"

    @property
    def differences(self) -> tuple[Comparison, ...]:
        """The comparisons that do not agree."""
        return tuple(c for c in self.comparisons if not c.agrees)


@dataclasses.dataclass(frozen=True)
class Reproduction:
    """A reproduction: ``name`` (the CLI's), ``paper`` (authors, year, title, venue),
    ``claim`` (what is reproduced, with its section/table/figure), ``experiment`` (one
    paragraph: what deconfuse computes), ``run(quick) -> Outcome``, ``expect`` (the verdict
    the suite asserts: some entries document a difference), ``full_time`` (the measured time of
    the full version on 2 cores, e.g. "40 s") and ``figure(outcome, axes)``, which draws the
    outcome's data in the paper's own axes on a matplotlib ``Axes``."""

    name: str
    paper: str
    claim: str
    experiment: str
    run: Callable[[bool], Outcome]
    expect: Verdict = "reproduced"
    full_time: str = ""
    figure: Callable[[Outcome, Any], None] | None = None

    def __post_init__(self) -> None:
        check_choice(self.expect, "expect", ("reproduced", "differs"))
        if not callable(self.run):
            raise InvalidArgument(f"run of {self.name!r} is {self.run!r}, not a callable")

    def __call__(self, quick: bool = True) -> Outcome:
        outcome = self.run(quick)
        if not isinstance(outcome, Outcome):
            raise InvalidArgument(f"{self.name} returned {type(outcome).__name__}, not an Outcome")
        return outcome
