"""Resolve a command-line TARGET: an environment name with ``--param k=v`` or an MDP JSON path."""

from __future__ import annotations

from pathlib import Path

import environments
from theory.errors import InvalidArgument
from theory.io import load_mdp
from theory.mdp import FiniteMDP

__all__ = ["load_target", "parse_params"]


def parse_params(pairs: list[str] | None, option: str = "--param") -> dict[str, str]:
    """``["k=v", ...]`` -> ``{"k": "v"}``; one error naming ``option`` for a pair that is not
    key=value, has an empty key or value, or repeats a key given before (never the last of two).

    >>> parse_params(["n=3", " slip = 1/4 "])
    {'n': '3', 'slip': '1/4'}
    >>> parse_params(["n=3", "n=4"])
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: --param n is given twice ('3' and '4'); give it once
    >>> parse_params(["n="], "--train-param")
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: --train-param 'n=' has no value; write key=value
    """
    out: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InvalidArgument(f"{option} {pair!r} is not key=value")
        k, _, v = (part.strip() for part in pair.partition("="))
        if not k:
            raise InvalidArgument(f"{option} {pair!r} has no key; write key=value")
        if not v:
            raise InvalidArgument(f"{option} {pair!r} has no value; write key=value")
        if k in out:
            raise InvalidArgument(f"{option} {k} is given twice ({out[k]!r} and {v!r}); give it once")
        out[k] = v
    return out


def load_target(target: str, params: list[str] | None = None, option: str = "--param") -> FiniteMDP:
    """An MDP from a JSON file path (anything ending in .json or an existing file) or from
    a registered environment name with parameters (``option``: the flag of those K=V pairs)."""
    path = Path(target)
    if target.endswith(".json") or path.is_file():
        if params:
            raise InvalidArgument(f"{option} is for environments, not for the file {target!r}")
        return load_mdp(path)
    return environments.get(target, **parse_params(params, option))
