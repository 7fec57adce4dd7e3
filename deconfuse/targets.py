"""Resolve a command-line TARGET: an environment name with ``--param k=v``, an MDP JSON path, or
a PRISM file (``.prism``, read by :func:`environments.prism.load_prism`) with ``--const N=V``,
``--discount`` or ``--horizon`` and ``--reward-name OLD=NEW``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import environments
from theory.errors import InvalidArgument
from theory.io import load_mdp
from theory.mdp import FiniteMDP

if TYPE_CHECKING:  # theory.symbolic (sympy) is imported where a parametric model is built
    from theory.symbolic import ParametricMDP

__all__ = ["PRISM_OPTIONS", "load_parametric_prism_target", "load_target", "parse_params", "prism_options"]

#: The options of a PRISM TARGET: the argparse destination -> the flag.
PRISM_OPTIONS = {"const": "--const", "discount": "--discount", "horizon": "--horizon", "reward_name": "--reward-name"}


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


def prism_options(args: Any) -> dict[str, Any]:
    """The PRISM options given on the command line (``args``: the parsed namespace), by their
    argparse destination; options not given (or absent from the parser) are left out.

    >>> import argparse
    >>> prism_options(argparse.Namespace(const=["N=3"], discount=None, horizon=4))
    {'const': ['N=3'], 'horizon': 4}
    """
    return {k: getattr(args, k) for k in PRISM_OPTIONS if getattr(args, k, None) is not None}


def load_target(target: str, params: list[str] | None = None, option: str = "--param",
                prism: Mapping[str, Any] | None = None) -> FiniteMDP:
    """An MDP from a PRISM file (a path ending in .prism, with the options ``prism`` of
    :func:`prism_options`), a JSON file path (anything ending in .json or an existing file) or
    a registered environment name with parameters (``option``: the flag of those K=V pairs).
    The PRISM options given for a JSON file or an environment, and ``option`` for a PRISM
    file, are refused naming the option.

    >>> load_target("chain", prism={"discount": "1/2"})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: --discount is for PRISM files, not for the environment 'chain' (write --param discount=1/2)
    """
    prism = dict(prism or {})
    if target.endswith(".prism"):
        if params:
            raise InvalidArgument(f"{option} is for environments, not for the PRISM file {target!r} (write --const N=V)")
        from environments.prism import load_prism

        return load_prism(
            target,
            constants=parse_params(prism.get("const"), "--const"),
            discount=prism.get("discount"),
            horizon=prism.get("horizon"),
            rewards=parse_params(prism.get("reward_name"), "--reward-name"),
        )
    path = Path(target)
    is_file = target.endswith(".json") or path.is_file()
    for key, flag in PRISM_OPTIONS.items():
        if key in prism:
            where = f"the file {target!r}" if is_file else f"the environment {target!r}"
            hint = ""
            if key in ("discount", "horizon"):
                hint = " (its time is in the file)" if is_file else f" (write --param {key}={prism[key]})"
            raise InvalidArgument(f"{flag} is for PRISM files, not for {where}{hint}")
    if is_file:
        if params:
            raise InvalidArgument(f"{option} is for environments, not for the file {target!r}")
        return load_mdp(path)
    return environments.get(target, **parse_params(params, option))


def load_parametric_prism_target(target: str, name: str, lo: str | None, hi: str | None,
                                 params: list[str] | None = None,
                                 prism: Mapping[str, Any] | None = None) -> ParametricMDP:
    """The ParametricMDP of the PRISM file ``target`` with the parameter ``name`` ranging over
    [lo, hi] (``--symbolic NAME=LO..HI``; a PRISM file declares no range, so both are needed)
    and the PRISM options ``prism`` of :func:`prism_options`; ``params`` (``--param``) is refused.

    >>> load_parametric_prism_target("coin.prism", "p", None, None)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: --symbolic p: a PRISM file declares no range for its parameters; write --symbolic p=LO..HI
    """
    if params:
        raise InvalidArgument(f"--param is for environments, not for the PRISM file {target!r} (write --const N=V)")
    if lo is None or hi is None:
        raise InvalidArgument(f"--symbolic {name}: a PRISM file declares no range for its parameters; write --symbolic {name}=LO..HI")
    prism = dict(prism or {})
    from environments.prism import load_parametric_prism

    return load_parametric_prism(
        target,
        {name: (lo, hi)},
        constants=parse_params(prism.get("const"), "--const"),
        discount=prism.get("discount"),
        horizon=prism.get("horizon"),
        rewards=parse_params(prism.get("reward_name"), "--reward-name"),
    )
