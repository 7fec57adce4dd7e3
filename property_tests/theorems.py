"""The theorem suite: proved statements that must hold on every generated example."""

from __future__ import annotations
