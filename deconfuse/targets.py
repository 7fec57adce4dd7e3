"""Resolve a command-line TARGET: an environment name with ``--param k=v`` or an MDP JSON path."""

from __future__ import annotations

from pathlib import Path

import environments
from theory.errors import InvalidArgument
from theory.io import load_mdp
from theory.mdp import FiniteMDP

__all__ = ["load_target", "parse_params"]


def parse_params(pairs: list[str] | None) -> dict[str, str]:
    """``["k=v", ...]`` -> ``{"k": "v"}``; one clear error for a malformed pair."""
    out: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InvalidArgument(f"--param {pair!r} is not key=value")
        k, _, v = pair.partition("=")
        out[k.strip()] = v.strip()
    return out


def load_target(target: str, params: list[str] | None = None) -> FiniteMDP:
    """An MDP from a JSON file path (anything ending in .json or an existing file) or from
    a registered environment name with parameters."""
    path = Path(target)
    if target.endswith(".json") or path.is_file():
        if params:
            raise InvalidArgument(f"--param is for environments, not for the file {target!r}")
        return load_mdp(path)
    return environments.get(target, **parse_params(params))
