"""The conjecture suite: statements that may be false, each with its expected verdict."""

from __future__ import annotations
