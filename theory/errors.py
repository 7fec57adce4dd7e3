"""The one exception family of deconfuse.

Every check of user input raises a subclass of :class:`ValueError` whose one-line message
names the field, the offending index (state/action labels) and the value, e.g.
``transitions['s0', 'go'] sums to 9/10, not 1``. Nothing is renormalised or clipped.
"""

from __future__ import annotations

__all__ = ["DeconfuseError", "InvalidMDP", "InvalidPolicy", "InvalidArgument", "InvalidFile"]


class DeconfuseError(ValueError):
    """Base class of every input error raised by deconfuse."""


class InvalidMDP(DeconfuseError):
    """A FiniteMDP field is malformed (shape, label, probability, reward, discount, horizon)."""


class InvalidPolicy(DeconfuseError):
    """A Policy is malformed or does not fit the MDP it is used with."""


class InvalidArgument(DeconfuseError):
    """An argument of a function (a reward name, q, beta, n, a tolerance, ...) is out of range."""


class InvalidFile(DeconfuseError):
    """A file (MDP JSON) is malformed; the message names the JSON path."""
