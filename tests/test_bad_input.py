"""The bad-input suite: every input, however wrong or large, ends in a result or in one line.

Each case of :data:`CLI_CASES` runs ``python -m deconfuse ARGV`` and each case of
:data:`PY_CASES` runs a snippet of the Python API with ``python -c``, in a subprocess of its own,
in a folder of its own holding only the case's input files, under a memory limit
(``RLIMIT_AS``, :data:`MEMORY_LIMIT`) and a time limit (:data:`TIME_LIMIT`) set by this harness.
A command-line case must end with exit status 2, exactly one line on stderr, no traceback, the
case's fragment (which names the field or option at fault) in that line, and no file left behind
in its folder. A Python case must raise the named exception (a subclass of
``theory.errors.DeconfuseError``) whose one-line message holds the fragment, and leave no file.

:data:`VALID_CASES` are the extreme inputs that are *not* errors (rewards of 1e400 and 10**4000,
a discount of 400 nines): exit status 0 and the exact value printed.

The cases run in a small thread pool (:data:`WORKERS` subprocesses at a time) once per session;
each test then checks one case's recorded outcome.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Address-space limit of every case's process (bytes).
MEMORY_LIMIT = 2 * 2**30
#: Seconds a case may run.
TIME_LIMIT = 60
#: Cases run at once.
WORKERS = 3


# -- input files -------------------------------------------------------------------------------


def _mdp(**changes: Any) -> dict[str, Any]:
    """A valid two-state MDP file (as a dict) with ``changes`` applied at the top level."""
    data: dict[str, Any] = {
        "format": "deconfuse.mdp/1",
        "states": ["s0", "s1"], "actions": ["a", "b"],
        "transitions": {"s0": {"a": {"s0": "1"}, "b": {"s1": "1"}}, "s1": {"a": {"s1": "1"}, "b": {"s0": "1"}}},
        "rewards": {"true": {"s0": {"a": "1"}}, "proxy": {"s1": {"a": "1"}}},
        "initial": {"s0": "1"},
        "discount": "9/10",
    }
    data.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del data[key]
    return data


def _one_state(reward: str, discount: str) -> str:
    """The JSON text of a one-state, one-action MDP with the true reward written as ``reward``
    (JSON text: a number or a quoted string) and the discount ``discount`` (JSON text)."""
    return ('{"format": "deconfuse.mdp/1", "states": ["s"], "actions": ["a"], '
            '"transitions": {"s": {"a": {"s": "1"}}}, '
            f'"rewards": {{"true": {{"s": {{"a": {reward}}}}}}}, "initial": {{"s": "1"}}, "discount": {discount}}}')


NINES = "0." + "9" * 400
_OK = json.dumps(_mdp())

#: name -> contents of every input file a case may ask for.
FILES: dict[str, str | bytes] = {
    "ok.json": _OK,
    "horizon.json": json.dumps(_mdp(discount=None, horizon=1_000_000_000)),
    "dup.json": _OK.replace('"s0": {"a": {"s0": "1"}', '"s0": {"a": {"s0": "1/2", "s0": "1/2", "s1": "1/2"}'),
    "duprewards.json": _OK[:-1] + ', "rewards": {"true": {}}}',
    "under.json": json.dumps(_mdp(discount="1_0/1_1")),
    "innerspace.json": json.dumps(_mdp(discount="9 /10")),
    "nested.json": "[" * 200_000 + "]" * 200_000,
    "bin.json": bytes(range(256)) * 10,
    "latin.json": _OK.replace("s0", "s\xe9").encode("latin-1"),
    "emptystate.json": json.dumps(_mdp(states=["s0", ""])).replace('"s1"', '""'),
    "emptyaction.json": _OK.replace('"b"', '""'),
    "emptyreward.json": json.dumps(_mdp(rewards={"": {"s0": {"a": "1"}}})),
    "emptyobs.json": json.dumps(_mdp(observations={"s0": "x", "s1": ""})),
    "nan.json": _OK.replace('"discount": "9/10"', '"discount": NaN'),
    "inf.json": _OK.replace('{"a": "1"}}, "proxy"', '{"a": Infinity}}, "proxy"'),
    "bigint.json": _OK.replace('{"a": "1"}}, "proxy"', '{"a": 1' + "0" * 5000 + '}}, "proxy"'),
    "bigexp.json": _OK.replace('{"a": "1"}}, "proxy"', '{"a": 1e999999999}}, "proxy"'),
    "bigexpstr.json": _OK.replace('{"a": "1"}}, "proxy"', '{"a": "1e-999999999"}}, "proxy"'),
    "big1.json": _OK.replace('{"a": "1"}}, "proxy"', '{"a": 1e400}}, "proxy"'),
    "nines.json": json.dumps(_mdp(discount=NINES)),
    "truncated.json": _OK[:40],
    "empty.json": "",
    "bom.json": ("\ufeff" + _OK).encode("utf-8"),
    "list.json": "[]",
    "format2.json": json.dumps(_mdp(format="deconfuse.mdp/2")),
    "nostates.json": json.dumps(_mdp(states=[])),
    "rowsum.json": _OK.replace('"b": {"s1": "1"}', '"b": {"s1": "9/10"}'),
    "missingrow.json": _OK.replace(', "b": {"s0": "1"}}', "}"),
    "unknownlabel.json": _OK.replace('"b": {"s1": "1"}', '"b": {"s9": "1"}'),
    "divzero.json": json.dumps(_mdp(discount="1/0")),
    "horizonstr.json": json.dumps(_mdp(discount=None, horizon="3")),
    "horizon0.json": json.dumps(_mdp(discount=None, horizon=0)),
    "both.json": json.dumps(_mdp(horizon=3)),
    "boolinit.json": json.dumps(_mdp(initial={"s0": True})),
    "negative.json": _OK.replace('"b": {"s1": "1"}', '"b": {"s1": "2", "s0": "-1"}'),
    "manystates.json": json.dumps(_mdp(states=[f"s{i}" for i in range(100_000)])),
    "unknownfield.json": json.dumps(_mdp(colour="red")),
    "onereward.json": json.dumps(_mdp(rewards={"r": {"s0": {"a": "1"}}})),
    "notasweep.json": "{\"format\": \"deconfuse-sweep\", \"version\": 1, \"config\": 7}",
    "garbage.txt": b"\x00\x01garbage",
    "huge-horizon.json": json.dumps(_mdp(discount=None, horizon=10**4000)),
}

#: Folders a case may ask for: name -> {file name: contents} (a folder "x.json/" stands for a
#: folder with a file-like name).
FOLDERS: dict[str, dict[str, str]] = {
    "notempty": {"notes.txt": "mine"},
    "emptymarker": {".deconfuse-report": "", "notes.txt": "mine"},
    "garbagemarker": {".deconfuse-report": '{"format": "x", "entries": []}', "notes.txt": "mine"},
    "badentries": {".deconfuse-report": '{"format": "deconfuse.report/1", "entries": [{"name": 3}]}',
                   "notes.txt": "mine"},
    "folder.json": {"inside.txt": "a folder named like a file"},
}


# -- the cases ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    """One bad input: ``argv`` of ``deconfuse`` (or ``code``, a Python snippet, with the
    exception ``error`` it must raise), the input ``files`` and ``folders`` its folder holds,
    extra ``env`` variables, and the ``fragment`` its one-line message must contain."""

    fragment: str
    argv: tuple[str, ...] = ()
    code: str | None = None
    error: str | None = None
    files: tuple[str, ...] = ()
    folders: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        text = " ".join(self.argv) if self.code is None else self.code
        return (text if len(text) <= 70 else text[:67] + "...").replace("\n", " ")


def cli(fragment: str, *argv: str, files: tuple[str, ...] = (), folders: tuple[str, ...] = (),
        env: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(fragment, tuple(argv), files=files, folders=folders, env=env)


def py(error: str, fragment: str, code: str, files: tuple[str, ...] = (), folders: tuple[str, ...] = (),
       env: tuple[tuple[str, str], ...] = ()) -> Case:
    return Case(fragment, code=code, error=error, files=files, folders=folders, env=env)


BUDGET = "over the memory budget of 4 GB; set DECONFUSE_MEMORY_BUDGET"

CLI_CASES: list[Case] = [
    # -- sizes: environments, horizons, agents (checked before anything is allocated)
    cli("horizon is 1000000000: exact backward induction needs about", "solve", "horizon.json", files=("horizon.json",)),
    cli(BUDGET, "solve", "horizon.json", files=("horizon.json",)),
    cli("horizon is about 1e+4000", "solve", "huge-horizon.json", files=("huge-horizon.json",)),
    cli("S x A is 100000 x 2: an MDP of 100000 states and 2 actions needs about", "solve", "random", "--param", "S=100000"),
    cli("S x A is 5 x 100000000", "solve", "random", "--param", "A=100000000"),
    cli("denominator is 10000000000000: drawing the probabilities needs", "solve", "random", "--param",
        "denominator=10000000000000"),
    cli("n is 1000000: an MDP of 1000000 states", "solve", "chain", "--param", "n=1000000"),
    cli("horizon is 1000000000", "solve", "chain", "--param", "horizon=1000000000"),
    cli("k is 1000000000: an MDP of 1 state and 1000000000 actions", "solve", "bandit", "--param", "k=1000000000"),
    cli("contexts x arms is 1000000 x 10", "compare", "contextual-bandit", "--param", "contexts=1000000",
        "--param", "arms=10"),
    cli("horizon is 100000000", "solve", "lava-test", "--param", "horizon=100000000"),
    cli("horizon is 100000000", "compare", "lava-test", "--param", "horizon=100000000"),
    cli("$.transitions.s2: missing", "solve", "manystates.json", files=("manystates.json",)),
    cli("n is 1000000000000: the exact best-of-n law needs", "compare", "lava-test", "--agents",
        "best-of-n:n=1000000000000"),
    cli("depth is 100000000: an exact depth-100000000 search", "compare", "lava-test", "--agents",
        "lookahead:depth=100000000"),
    cli("depth is 10000000", "compare", "lava-test", "--train", "lava-train", "--agents", "hybrid:depth=10000000"),
    cli("samples is 1000000000000: drawing 1000000000000 samples", "compare", "lava-test", "--agents",
        "amortised:samples=1000000000000"),
    cli("over the memory budget of 1 KB", "--memory-budget", "1KB", "solve", "lava-test"),
    cli("over the memory budget of 1 MB", "solve", "random", "--param", "S=300",
        env=(("DECONFUSE_MEMORY_BUDGET", "1MB"),)),
    cli("--memory-budget is 'lots', not a size", "--memory-budget", "lots", "solve", "lava-test"),
    cli("DECONFUSE_MEMORY_BUDGET is 'lots', not a size", "solve", "lava-test",
        env=(("DECONFUSE_MEMORY_BUDGET", "lots"),)),
    cli("DECONFUSE_MEMORY_BUDGET is '-1GB', not a size", "solve", "chain",
        env=(("DECONFUSE_MEMORY_BUDGET", "-1GB"),)),
    # -- environment parameters
    cli("parameter S is '1_0', not an int", "solve", "random", "--param", "S=1_0"),
    cli("parameter S is '1e3', not an int", "solve", "random", "--param", "S=1e3"),
    cli("parameter S is '0x10', not an int", "solve", "random", "--param", "S=0x10"),
    cli("S is 0, not an integer >= 1", "solve", "random", "--param", "S=0"),
    cli("branching is 1000 but there are only S = 5 states", "solve", "random", "--param", "branching=1000"),
    cli("seed is -1", "solve", "random", "--param", "seed=-1"),
    cli("parameter noise is '1e999999999'", "solve", "random", "--param", "noise=1e999999999"),
    cli("--param n is given twice ('3' and '4')", "solve", "chain", "--param", "n=3", "--param", "n=4"),
    cli("--param 'n=' has no value", "solve", "chain", "--param", "n="),
    cli("--param '' is not key=value", "solve", "chain", "--param", ""),
    cli("--param '=3' has no key", "solve", "chain", "--param", "=3"),
    cli("--param 'n' is not key=value", "solve", "chain", "--param", "n"),
    cli("parameter slip is '1_0'", "solve", "chain", "--param", "slip=1_0"),
    cli("parameter slip is '1 /4'", "solve", "chain", "--param", "slip=1 /4"),
    cli("slip is 2, not in [0, 1]", "solve", "chain", "--param", "slip=2"),
    cli("discount is 1, not in [0, 1)", "solve", "chain", "--param", "discount=1"),
    cli("parameter discount is 'nan'", "solve", "chain", "--param", "discount=nan"),
    cli("parameter discount is 'inf'", "solve", "chain", "--param", "discount=inf"),
    cli("parameter n is 'three', not an int", "solve", "chain", "--param", "n=three"),
    cli("n is 0, not an integer >= 2", "solve", "chain", "--param", "n=0"),
    cli("horizon is 0, not an integer >= 1", "solve", "chain", "--param", "horizon=0"),
    cli("has no parameter 'colour'", "solve", "chain", "--param", "colour=red"),
    cli("unknown environment 'nope'", "solve", "nope"),
    cli("map_name is '99x99'", "solve", "frozen-lake", "--param", "map_name=99x99"),
    cli("parameter true is '1_0,2'", "solve", "bandit", "--param", "true=1_0,2"),
    cli("true has 2 arms but proxy has 1", "solve", "bandit", "--param", "true=1,2", "--param", "proxy=1"),
    cli("k is 0, not an integer >= 1", "solve", "bandit", "--param", "k=0"),
    cli("--param is for environments, not for the file 'ok.json'", "solve", "ok.json", "--param", "x=1",
        files=("ok.json",)),
    cli("reward 'nope' is not in this MDP", "solve", "lava-test", "--reward", "nope"),
    # -- --symbolic
    cli("no parametric version of 'lava-test'", "solve", "lava-test", "--symbolic", "p_slip=0..1"),
    cli("chain has no symbolic parameter 'slip'; its symbolic parameters are 'p_slip' (set by its argument slip)",
        "solve", "chain", "--symbolic", "slip=0..1"),
    cli("proxy-bandit has no symbolic parameter 'gamma'; its symbolic parameters are 'eps'",
        "solve", "proxy-bandit", "--symbolic", "gamma=0..1"),
    cli("p_slip is 'x', not a number", "solve", "chain", "--symbolic", "p_slip=0..x"),
    cli("lo = 1 is greater than hi = 0", "solve", "chain", "--symbolic", "p_slip=1..0"),
    cli("--symbolic '=0..1' is not NAME=LO..HI", "solve", "chain", "--symbolic", "=0..1"),
    cli("--symbolic 'p_slip=0..' is not NAME=LO..HI", "solve", "chain", "--symbolic", "p_slip=0.."),
    cli("chain also has the symbolic parameter(s) p_slip; fix them with --param slip=VALUE",
        "solve", "chain", "--symbolic", "gamma=0..1/2"),
    # -- files
    cli("missing.json: cannot read (No such file or directory)", "solve", "missing.json"),
    cli("folder.json: cannot read (Is a directory)", "solve", "folder.json", folders=("folder.json",)),
    cli("dup.json: $.transitions.s0.a: the key 's0' appears twice", "solve", "dup.json", files=("dup.json",)),
    cli("duprewards.json: $: the key 'rewards' appears twice", "solve", "duprewards.json", files=("duprewards.json",)),
    cli("$.transitions.s0.a: the key 's0' appears twice", "mdp", "dup.json", "--out", "x.json", files=("dup.json",)),
    cli("under.json: $.discount: '1_0/1_1' is not a number", "solve", "under.json", files=("under.json",)),
    cli("innerspace.json: $.discount: '9 /10' is not a number", "solve", "innerspace.json",
        files=("innerspace.json",)),
    cli("nested.json: not valid JSON (arrays and objects nested too deeply)", "solve", "nested.json",
        files=("nested.json",)),
    cli("bin.json: not UTF-8 text (byte 0x80 at offset 128)", "solve", "bin.json", files=("bin.json",)),
    cli("latin.json: not UTF-8 text (byte 0xe9", "solve", "latin.json", files=("latin.json",)),
    cli("random.json: not UTF-8 text", "solve", "random.json", files=("random.json",)),
    cli("random.json: not UTF-8 text", "compare", "random.json", files=("random.json",)),
    cli("garbage.txt: not valid JSON", "solve", "garbage.txt", files=("garbage.txt",)),
    cli("states[1] is '', not a label", "solve", "emptystate.json", files=("emptystate.json",)),
    cli("actions[1] is '', not a label", "solve", "emptyaction.json", files=("emptyaction.json",)),
    cli("rewards has the name '', not a non-empty string", "solve", "emptyreward.json", files=("emptyreward.json",)),
    cli("observations['s1'] is '', not a label", "solve", "emptyobs.json", files=("emptyobs.json",)),
    cli("nan.json: $.discount: NaN is not a number", "solve", "nan.json", files=("nan.json",)),
    cli("inf.json: $.rewards.true.s0.a: Infinity is not a number", "solve", "inf.json", files=("inf.json",)),
    cli("$.rewards.true.s0.a: '10000000000000000000'... is a number of 5001 digits, more than the 4300",
        "solve", "bigint.json", files=("bigint.json",)),
    cli("$.rewards.true.s0.a: '1e999999999' is a number of 1000000000 digits", "solve", "bigexp.json",
        files=("bigexp.json",)),
    cli("$.rewards.true.s0.a: '1e-999999999' is not a number", "solve", "bigexpstr.json",
        files=("bigexpstr.json",)),
    cli("rewards['true']['s0', 'a'] is about 1e+400, too large for float64", "solve", "big1.json", "--float",
        files=("big1.json",)),
    cli("discount is 1 - 1e-400 exactly, which float64 rounds to 1.0", "solve", "nines.json", "--float",
        files=("nines.json",)),
    cli("truncated.json: not valid JSON", "solve", "truncated.json", files=("truncated.json",)),
    cli("empty.json: not valid JSON (Expecting value at line 1, column 1)", "solve", "empty.json", files=("empty.json",)),
    cli("bom.json: not valid JSON", "solve", "bom.json", files=("bom.json",)),
    cli("list.json: $: expected a JSON object, got list", "solve", "list.json", files=("list.json",)),
    cli("$.format: is 'deconfuse.mdp/2'", "solve", "format2.json", files=("format2.json",)),
    cli("$.states: expected a non-empty list of strings", "solve", "nostates.json", files=("nostates.json",)),
    cli("transitions['s0', 'b'] sums to 9/10, not 1", "solve", "rowsum.json", files=("rowsum.json",)),
    cli("$.transitions.s1.b: missing", "solve", "missingrow.json", files=("missingrow.json",)),
    cli("$.transitions.s0.b.s9: unknown label", "solve", "unknownlabel.json", files=("unknownlabel.json",)),
    cli("$.discount: '1/0' is not a number", "solve", "divzero.json", files=("divzero.json",)),
    cli("$.horizon: is '3', not an integer", "solve", "horizonstr.json", files=("horizonstr.json",)),
    cli("horizon is 0, not a positive integer", "solve", "horizon0.json", files=("horizon0.json",)),
    cli("discount is 9/10 and horizon is 3; give exactly one", "solve", "both.json", files=("both.json",)),
    cli("$.initial.s0: True is not a number", "solve", "boolinit.json", files=("boolinit.json",)),
    cli("transitions['s0', 'b', 's0'] is -1, a negative probability", "solve", "negative.json",
        files=("negative.json",)),
    cli("$.colour: unknown field", "solve", "unknownfield.json", files=("unknownfield.json",)),
    # -- compare and agent SPECs
    cli("agent spec 'best-of-n:n=2,n=3': parameter n is given twice", "compare", "lava-test", "--agents",
        "best-of-n:n=2,n=3"),
    cli("agent spec 'argmax:tie=first,tie=first': parameter tie is given twice", "compare", "lava-test",
        "--agents", "argmax:tie=first,tie=first"),
    cli("agent spec 'quantiliser:' has no parameters after ':'", "compare", "lava-test", "--agents", "quantiliser:"),
    cli("agent spec 'argmax:=first': parameter '=first' has no key", "compare", "lava-test", "--agents",
        "argmax:=first"),
    cli("agent spec 'argmax:tie=': parameter 'tie=' has no value", "compare", "lava-test", "--agents", "argmax:tie="),
    cli("agent list 'q=1/2' starts with a parameter", "compare", "lava-test", "--agents", "q=1/2"),
    cli("agent 'quantiliser': q is 0, not in (0, 1]", "compare", "lava-test", "--agents", "quantiliser:q=0"),
    cli("agent 'quantiliser': q is 2, not in (0, 1]", "compare", "lava-test", "--agents", "quantiliser:q=2"),
    cli("agent 'quantiliser': q is '1_0', not a number", "compare", "lava-test", "--agents", "quantiliser:q=1_0"),
    cli("agent 'best-of-n': n is 0, not an integer >= 1", "compare", "lava-test", "--agents", "best-of-n:n=0"),
    cli("agent 'best-of-n': n is Fraction(1, 2)", "compare", "lava-test", "--agents", "best-of-n:n=1/2"),
    cli("agent 'lookahead': depth is 0", "compare", "lava-test", "--agents", "lookahead:depth=0"),
    cli("agent 'boltzmann': beta is about 1e+400", "compare", "lava-test", "--agents", "boltzmann:beta=1e400"),
    cli("agent 'boltzmann': beta is -1, not a finite number >= 0", "compare", "lava-test", "--agents",
        "boltzmann:beta=-1"),
    cli("agent 'boltzmann': beta is 'nan'", "compare", "lava-test", "--agents", "boltzmann:beta=nan"),
    cli("agent 'kl-regularised': beta is 'x'", "compare", "lava-test", "--agents", "kl-regularised:beta=x"),
    cli("agent 'nope' is not registered", "compare", "lava-test", "--agents", "nope"),
    cli("agent list is empty", "compare", "lava-test", "--agents", ""),
    cli("agent list is empty", "compare", "lava-test", "--agents", ","),
    cli("agent 'amortised': samples is 0", "compare", "lava-test", "--agents", "amortised:samples=0"),
    cli("agent 'amortised': fallback is 'x'", "compare", "lava-test", "--agents", "amortised:fallback=x"),
    cli("agent 'argmax': tie is 'x'", "compare", "lava-test", "--agents", "argmax:tie=x"),
    cli("agent 'argmax' has no parameter 'nope'", "compare", "lava-test", "--agents", "argmax:nope=1"),
    cli("the trajectory quantiliser needs a finite-horizon MDP", "compare", "lava-test", "--agents",
        "trajectory-quantiliser:q=1/2"),
    cli("more than max_policies=4096", "compare", "lava-test", "--agents", "policy-quantiliser:q=1/2"),
    cli("unknown environment 'nope'", "compare", "lava-test", "--train", "nope"),
    cli("--train-param slip is given twice", "compare", "lava-test", "--train", "lava-train", "--train-param",
        "slip=1/10", "--train-param", "slip=0"),
    cli("--train-param is given without --train", "compare", "lava-test", "--train-param", "slip=0"),
    cli("reward 'nope' is not in this MDP", "compare", "bandit", "--objective", "nope"),
    cli("onereward.json has no 'true' reward (it has 'r')", "compare", "onereward.json", files=("onereward.json",)),
    cli("dup.json: $.transitions.s0.a: the key 's0' appears twice", "compare", "lava-test", "--train", "dup.json",
        files=("dup.json",)),
    # -- mdp --out
    cli("--out .: is a directory", "mdp", "lava-test", "--out", "."),
    cli("--out nowhere/x.json: no such file or directory", "mdp", "lava-test", "--out", "nowhere/x.json"),
    cli("the following arguments are required: --out", "mdp", "lava-test"),
    # -- reports: option names in messages, sizes, folders
    cli("--n is [0], not increasing integers >= 1", "report", "theory", "--n", "0", "--out", "r"),
    cli("--n is 100000000: the exact best-of-100000000 law", "report", "theory", "--n", "100000000", "--out", "r"),
    cli("--n is '1_0', not a comma-separated list of integers", "report", "theory", "--n", "1_0", "--out", "r"),
    cli("--n is 'x', not a comma-separated list of integers", "report", "theory", "--n", "x", "--out", "r"),
    cli("--n is ',', an empty list", "report", "theory", "--n", ",", "--out", "r"),
    cli("--outcomes is 0, not an integer >= 2", "report", "theory", "--outcomes", "0", "--out", "r"),
    cli("--outcomes is 100000000: the fine base needs", "report", "theory", "--outcomes", "100000000", "--out", "r"),
    cli("argument --outcomes: invalid integer value: '1_0'", "report", "theory", "--outcomes", "1_0", "--out", "r"),
    cli("--q is ['0'], not numbers in (0, 1]", "report", "theory", "--q", "0", "--out", "r"),
    cli("--q is 'x', not a number", "report", "theory", "--q", "x", "--out", "r"),
    cli("--q is '', an empty list", "report", "theory", "--q", "", "--out", "r"),
    cli("--lines is 0, not an integer >= 1", "report", "symbolic", "--target", "chain", "--symbolic", "p_slip",
        "--y", "gamma", "--lines", "0", "--out", "r"),
    cli("--lines is 100000000: a region map of 100000000 exact lines", "report", "symbolic", "--target", "chain",
        "--symbolic", "p_slip", "--y", "gamma", "--lines", "100000000", "--out", "r"),
    cli("chain has no symbolic parameter 'slip'", "report", "symbolic", "--target", "chain", "--symbolic", "slip",
        "--out", "r"),
    cli("chain has no symbolic parameter 'eps'", "report", "symbolic", "--target", "chain", "--symbolic", "p_slip",
        "--y", "eps", "--out", "r"),
    cli("no parametric version of 'lava-test'", "report", "symbolic", "--target", "lava-test", "--symbolic",
        "p_slip", "--out", "r"),
    cli("--n is 0, not an integer >= 1", "report", "prevalence", "--n", "0", "--out", "r"),
    cli("--n is 100000000: a sweep of 100000000 MDPs x 4 error models x 4 discounts", "report", "prevalence",
        "--n", "100000000", "--out", "r"),
    cli("--workers is 0, not an integer >= 1", "report", "prevalence", "--workers", "0", "--out", "r"),
    cli("--pressures is 0, not an integer >= 2", "report", "prevalence", "--pressures", "0", "--out", "r"),
    cli("--discounts[0] is 1.0, not in [0, 1)", "report", "prevalence", "--discounts", "1", "--out", "r"),
    cli("--discounts is 'nan', not a comma-separated list of numbers", "report", "prevalence", "--discounts", "nan",
        "--out", "r"),
    cli("--error-models[0] is 'x'", "report", "prevalence", "--error-models", "x", "--out", "r"),
    cli("--error-models is ['causal', 'causal'], which repeats a name", "report", "prevalence", "--error-models",
        "causal,causal", "--out", "r"),
    cli("nope: cannot read (No such file or directory)", "report", "prevalence", "--sweep", "nope", "--out", "r"),
    cli("notasweep.json: not a sweep saved by deconfuse", "report", "prevalence", "--sweep", "notasweep.json", "--out", "r",
        files=("notasweep.json",)),
    cli("--dask 'tcp://127.0.0.1:9': no Dask scheduler answered", "report", "prevalence", "--n", "4", "--dask",
        "tcp://127.0.0.1:9", "--out", "r"),
    cli("argument --family: invalid choice: 'x'", "report", "prevalence", "--family", "x", "--out", "r"),
    cli("--q is 0, not in (0, 1]", "report", "goodhart-curves", "--q", "0", "--out", "r"),
    cli("--n is 0, not an integer >= 1", "report", "goodhart-curves", "--n", "0", "--out", "r"),
    cli("--n is 1000000000: the exact best-of-n law", "report", "goodhart-curves", "--n", "1000000000", "--out", "r"),
    cli("--depth is 1000000: an exact depth-1000000 search", "report", "goodhart-curves", "--depth", "1000000",
        "--out", "r"),
    cli("--beta is 'nan', not a comma-separated list of numbers", "report", "goodhart-curves", "--beta", "nan",
        "--out", "r"),
    cli("--beta is -1.0, not a finite number >= 0", "report", "goodhart-curves", "--beta", "-1", "--out", "r"),
    cli("unknown environment 'nope'", "report", "goodhart-curves", "--env", "nope", "--out", "r"),
    cli("--error-model 'x' is not one of", "report", "goodhart-curves", "--error-model", "x", "--out", "r"),
    cli("argument --seed: invalid integer value: 'x'", "report", "goodhart-curves", "--seed", "x", "--out", "r"),
    cli("--param n is given twice", "report", "goodhart-curves", "--env", "chain", "--param", "n=3", "--param",
        "n=4", "--out", "r"),
    cli("--magnitudes is ['2'], not numbers in [0, 1]", "report", "shift", "--magnitudes", "2", "--out", "r"),
    cli("--hybrid-depth is 0, not an integer >= 1", "report", "shift", "--hybrid-depth", "0", "--out", "r"),
    cli("--hybrid-depth is 10000000: an exact depth-10000000 search", "report", "shift", "--hybrid-depth",
        "10000000", "--out", "r"),
    cli("--layouts is 'x', not one of ['lava']", "report", "shift", "--layouts", "x", "--out", "r"),
    cli("agent 'nope' is not registered", "report", "cost", "--agents", "nope", "--out", "r"),
    cli("unknown environment 'nope'", "report", "cost", "--train", "nope", "--out", "r"),
    cli("--train-param slip is given twice", "report", "cost", "--train-param", "slip=1/10", "--train-param",
        "slip=0", "--out", "r"),
    cli("unknown environment 'nope'", "report", "graph", "--target", "nope", "--out", "r"),
    cli("--param is for environments, not for the file 'ok.json'", "report", "graph", "--target", "ok.json",
        "--param", "n=3", "--out", "r", files=("ok.json",)),
    cli("notempty is not empty and is not a deconfuse report", "report", "theory", "--n", "1", "--out", "notempty",
        folders=("notempty",)),
    cli("emptymarker/.deconfuse-report is not a deconfuse report marker (not valid JSON", "report", "theory",
        "--n", "1", "--out", "emptymarker", folders=("emptymarker",)),
    cli("garbagemarker/.deconfuse-report is not a deconfuse report marker (format is 'x'", "report", "theory",
        "--n", "1", "--out", "garbagemarker", folders=("garbagemarker",)),
    cli("badentries/.deconfuse-report is not a deconfuse report marker (entries[0].name", "report", "theory",
        "--n", "1", "--out", "badentries", folders=("badentries",)),
    cli("ok.json is a file, not a folder", "report", "theory", "--out", "ok.json", files=("ok.json",)),
    cli("ok.json is a file, not a folder", "report", "theory", "--force", "--out", "ok.json", files=("ok.json",)),
    cli("notempty is not empty and is not a deconfuse report", "demo", "--quick", "--out", "notempty",
        folders=("notempty",)),
    cli("emptymarker/.deconfuse-report is not a deconfuse report marker", "demo", "--quick", "--out", "emptymarker",
        folders=("emptymarker",)),
    cli("ok.json is a file, not a folder", "demo", "--out", "ok.json", files=("ok.json",)),
    cli("argument NAME: invalid choice: 'nope'", "report", "nope"),
    cli("--reward is '', not a reward name", "solve", "lava-test", "--reward", ""),
    cli("--symbolic '' is not NAME=LO..HI", "solve", "lava-test", "--symbolic", ""),
    cli("reward '' is not in this MDP", "compare", "lava-test", "--objective", ""),
    cli("chain's parameter 'p_slip' cannot be symbolic while its argument slip is fixed", "report", "symbolic",
        "--target", "chain", "--symbolic", "p_slip", "--param", "slip=1/2", "--out", "r"),
    cli("environment 'lava_train' has no parameter 'nope'", "report", "shift", "--param", "nope=1", "--out", "r"),
    cli("environment 'lava_train': slip is 2, not in [0, 1]", "report", "shift", "--param", "slip=2", "--out", "r"),
    cli("--magnitudes is '', an empty list", "report", "shift", "--magnitudes", "", "--out", "r"),
    cli("--agents is '', an empty list", "report", "cost", "--agents", "", "--out", "r"),
    cli("--q is ['about 1e+400 (401 digits exactly)'], not numbers in (0, 1]", "report", "theory", "--q", "1e400",
        "--out", "r"),
    cli("--env 'random': S x A is 100000 x 2", "report", "goodhart-curves", "--env", "random", "--param", "S=100000",
        "--out", "r"),
    cli("--out is '', not a folder", "report", "theory", "--out", ""),
    cli("--out is '', not a folder", "demo", "--out", ""),
    cli("--out is '', not a file", "mdp", "lava-test", "--out", ""),
    cli("ok.json: format is not 'deconfuse-sweep'", "report", "prevalence", "--sweep", "ok.json", "--out", "r",
        files=("ok.json",)),
    cli("gamma = 1 is outside params['gamma'] = [0, 99/100]", "solve", "delayed-reward", "--symbolic", "gamma=0..1"),
    # -- the command line itself
    cli("the following arguments are required: COMMAND"),
    cli("argument COMMAND: invalid choice: 'nope'", "nope"),
    cli("the following arguments are required: TARGET", "solve"),
    cli("unrecognized arguments: --nope", "solve", "lava-test", "--nope"),
    cli("argument --param: expected one argument", "solve", "lava-test", "--param"),
]

_TWO = "from theory.examples import two_state\n"
PY_CASES: list[Case] = [
    py("InvalidMDP", "states[1] is '', not a label",
       "from theory import FiniteMDP\nFiniteMDP(['s0', ''], ['a'], [[[1, 0]], [[0, 1]]], {'true': [[0], [0]]}, [1, 0], "
       "discount=0)"),
    py("InvalidMDP", "actions[0] is '', not a label",
       "from theory import FiniteMDP\nFiniteMDP(['s'], [''], [[[1]]], {'true': [[0]]}, [1], discount=0)"),
    py("InvalidMDP", "observations['s'] is '', not a label",
       "from theory import FiniteMDP\nFiniteMDP(['s'], ['a'], [[[1]]], {'true': [[0]]}, [1], discount=0, "
       "observations=[''])"),
    py("InvalidMDP", "rewards has the name '', not a non-empty string",
       "from theory import FiniteMDP\nFiniteMDP(['s'], ['a'], [[[1]]], {'': [[0]]}, [1], discount=0)"),
    py("InvalidMDP", "rewards['true']['s0', 'stay'] is about 1e+400, too large for float64",
       _TWO + "two_state().replace(rewards={'true': [[10**400, 0], [0, 0]]}).to_float()"),
    py("InvalidMDP", "rewards['r']['s0', 'stay'] is about -1e+400",
       _TWO + "two_state().replace(rewards={'r': [[-10**400, 0], [0, 0]]}).to_float()"),
    py("InvalidMDP", "discount is 1 - 1e-400 exactly, which float64 rounds to 1.0",
       _TWO + "from fractions import Fraction as F\ntwo_state().replace(discount=1 - F(1, 10**400)).to_float()"),
    py("InvalidArgument", "x is '1_0', not a number", "from theory.numbers import parse_number\nparse_number('1_0', 'x')"),
    py("InvalidArgument", "x is '1 0', not a number", "from theory.numbers import parse_number\nparse_number('1 0', 'x')"),
    py("InvalidArgument", "x is 'inf', not a number", "from theory.numbers import parse_number\nparse_number('inf', 'x')"),
    py("InvalidArgument", "x is 'nan', not a number", "from theory.numbers import parse_number\nparse_number('nan', 'x')"),
    py("InvalidArgument", "x is '1e999999999', a number of 1000000000 digits",
       "from theory.numbers import parse_number\nparse_number('1e999999999', 'x')"),
    py("InvalidArgument", "x is '٣', not a number", "from theory.numbers import parse_number\nparse_number('٣', 'x')"),
    py("InvalidArgument", "x is '', not a number", "from theory.numbers import parse_number\nparse_number('', 'x')"),
    py("InvalidArgument", "transitions[0, 0] holds '1_0', not a number",
       "from theory.numbers import coerce_array\ncoerce_array([['1_0']], True, 'transitions[0, 0]')"),
    py("InvalidArgument", "rewards[1] is about 1e+400, too large for float64",
       "from theory.numbers import to_float_array, exact_array\nto_float_array(exact_array([0, 10**400]), 'rewards')"),
    py("InvalidFile", "$: the key 'a' appears twice", "from theory.io import parse_json\nparse_json('{\"a\": 1, \"a\": 2}')"),
    py("InvalidFile", "$.x[1]: the key 'k' appears twice",
       "from theory.io import parse_json\nparse_json('{\"x\": [0, {\"k\": 1, \"k\": 1}]}')"),
    py("InvalidFile", "$.transitions.s0.a: the key 's0' appears twice",
       "from theory.io import loads\nloads(open('dup.json').read())", files=("dup.json",)),
    py("InvalidFile", "dup.json: $.transitions.s0.a: the key 's0' appears twice",
       "from theory.io import load_mdp\nload_mdp('dup.json')", files=("dup.json",)),
    py("InvalidFile", "$: not valid JSON (arrays and objects nested too deeply)",
       "from theory.io import loads\nloads('[' * 200000 + ']' * 200000)"),
    py("InvalidFile", "$: not UTF-8 text (byte 0xff at offset 0)", "from theory.io import loads\nloads(b'\\xff{}')"),
    py("InvalidFile", "$[0]: NaN is not a number", "from theory.io import parse_json\nparse_json('[NaN]')"),
    py("InvalidFile", "$[0]: -Infinity is not a number", "from theory.io import parse_json\nparse_json('[-Infinity]')"),
    py("InvalidFile", "$[0]: '1e5000' is a number of 5001 digits", "from theory.io import parse_json\nparse_json('[1e5000]')"),
    py("InvalidFile", "$[0]: '1e400' is too large for float64",
       "from theory.io import parse_json\nparse_json('[1e400]', exact=False)"),
    py("InvalidFile", "folder.json: cannot read (Is a directory)",
       "from theory.io import read_json\nread_json('folder.json')", folders=("folder.json",)),
    py("InvalidFile", "$.transitions.s2: missing",
       "from theory.io import load_mdp\nload_mdp('manystates.json')", files=("manystates.json",)),
    py("InvalidArgument", "n is 1000000: an MDP of 1000000 states", "import environments\nenvironments.get('chain', n=10**6)"),
    py("InvalidArgument", "S x A is 100000 x 2", "import environments\nenvironments.get('random', S=10**5)"),
    py("InvalidArgument", "S x A is 5 x 10000000", "from environments import random_mdp\nrandom_mdp(S=5, A=10**7)"),
    py("InvalidArgument", "parameter n is '1_0', not an int", "import environments\nenvironments.get('chain', n='1_0')"),
    py("InvalidArgument", "the map is 100 x 100 cells: an MDP of 10001 states and 4 actions",
       "from environments.gridworld import compile_gridworld\n"
       "compile_gridworld(['S' + ' ' * 99] + [' ' * 100] * 99)"),
    py("InvalidArgument", "horizon is 1000000000: exact backward induction",
       _TWO + "from theory.solvers import backward_induction\n"
       "backward_induction(two_state().replace(discount=None, horizon=10**9), 'true')"),
    py("InvalidArgument", "horizon is 1000000000: backward induction needs",
       _TWO + "from theory.solvers import backward_induction\n"
       "backward_induction(two_state().to_float().replace(discount=None, horizon=10**9), 'true')"),
    py("InvalidArgument", "horizon is 1000000000: the values over the horizon",
       _TWO + "from theory import Policy, state_values\nm = two_state().replace(discount=None, horizon=10**9)\n"
       "state_values(m, Policy.uniform(m), 'true')"),
    py("InvalidArgument", "horizon is 1000000000: the Q-values over the horizon",
       _TWO + "from theory import Policy\nfrom theory.evaluation import q_values\n"
       "m = two_state().replace(discount=None, horizon=10**9)\nq_values(m, Policy.uniform(m), 'true')"),
    py("InvalidArgument", "horizon is 60: step",
       "from fractions import Fraction as F\nfrom theory import FiniteMDP, Policy\n"
       "from theory.evaluation import return_distribution\n"
       "r = [[F(1, p) for p in (2, 3, 5, 7, 11, 13)]]\n"
       "m = FiniteMDP(['s'], list('abcdef'), [[[1]] * 6], {'true': r}, [1], horizon=60)\n"
       "return_distribution(m, Policy.uniform(m), 'true')",
       env=(("DECONFUSE_MEMORY_BUDGET", "8MB"),)),
    py("InvalidArgument", "n is 1000000000000: the exact best-of-n law",
       "import environments\nfrom agents import BestOfN\nBestOfN(n=10**12).run(environments.get('lava-test'))"),
    py("InvalidArgument", "horizon is 1000000000: soft backward induction",
       _TWO + "from agents.soft import soft_value_iteration\n"
       "soft_value_iteration(two_state().to_float().replace(discount=None, horizon=10**9), 'true', beta=1.0)"),
    py("InvalidArgument", "value_iteration: the 'true' rewards reach 1.00e+308 and discount 0.9 makes values up to "
       "1.00e+309, more than float64 holds",
       _TWO + "from theory.solvers import value_iteration\nm = two_state().to_float()\n"
       "value_iteration(m.replace(rewards={'true': m.rewards['true'] * 1e308}), 'true')"),
    py("InvalidArgument", "policy_iteration: the 'true' rewards reach 1.00e+308",
       _TWO + "from theory.solvers import policy_iteration\nm = two_state().to_float()\n"
       "policy_iteration(m.replace(rewards={'true': m.rewards['true'] * 1e308}), 'true')"),
    py("InvalidArgument", "q_values row 0 is [inf, nan]: NaN has no argmax",
       "import numpy as np\nfrom theory.solvers import greedy_policy\ngreedy_policy(np.array([[np.inf, np.nan]]), False)"),
    py("InvalidArgument", "depth is 1000000000: an exact depth-1000000000 search",
       _TWO + "from agents.lookahead import lookahead_policy\nlookahead_policy(two_state(), 'true', 10**9)"),
    py("InvalidArgument", "depth is 1000000000: a depth-1000000000 search",
       _TWO + "from agents.lookahead import lookahead_policy\nlookahead_policy(two_state().to_float(), 'true', 10**9)"),
    py("InvalidArgument", "samples is 1000000000000: drawing",
       "from agents.training import sampling_rng\nsampling_rng(10**12, 0)"),
    py("InvalidArgument", "n_mdps is 1000000000: a sweep of 1000000000 MDPs",
       "from reports.sweeps import SweepConfig\nSweepConfig(n_mdps=10**9)"),
    py("InvalidArgument", "states x actions is 10000 x 3: one task of 250 random MDPs",
       "from reports.sweeps import SweepConfig\nSweepConfig(states=10**4)"),
    py("InvalidArgument", "outcomes is 1000000000: the fine base",
       "from reports.theory_plots import theory_data\ntheory_data(outcomes=10**9)"),
    py("InvalidArgument", "num is 1000000000: a region map of 1000000000 exact lines",
       "from environments.parametric import parametric_chain\nfrom reports.symbolic import region_map_data\n"
       "region_map_data(parametric_chain(n=2, discount=None), 'p_slip', 'gamma', num=10**9)"),
    py("InvalidArgument", "DECONFUSE_MEMORY_BUDGET is 'lots', not a size",
       "from theory.budget import memory_budget\nmemory_budget()", env=(("DECONFUSE_MEMORY_BUDGET", "lots"),)),
    py("InvalidArgument", "size is '8 XB', not a size", "from theory.budget import parse_size\nparse_size('8 XB', 'size')"),
    py("InvalidArgument", "horizon is 1000000000: backward induction needs about 93.1 GB, over the memory budget of 4 GB",
       "from theory.budget import check_budget\ncheck_budget('horizon', 10**9, 10**11, 'backward induction')"),
    py("InvalidArgument", "agent spec 'argmax:tie=first': parameter tie is also given as a keyword",
       "import agents\nagents.get('argmax:tie=first', tie='uniform')"),
    py("InvalidArgument", "agent spec 'best-of-n:n=2,n=3': parameter n is given twice",
       "import agents\nagents.parse_specs('best-of-n:n=2,n=3')"),
    py("InvalidArgument", "agent spec 'quantiliser:' has no parameters after ':'",
       "import agents\nagents.parse_specs('quantiliser:')"),
    py("InvalidArgument", "agent 'boltzmann': beta is about 1e+400", "import agents\nagents.get('boltzmann', beta=10**400)"),
    py("InvalidArgument", "beta is about 1e+400 (401 digits exactly), too large for float64",
       "from theory.validation import check_beta\ncheck_beta(10**400)"),
    py("InvalidArgument", "the MDP has no 'true' reward to measure the agents under (it has 'r')",
       _TWO + "from agents import Argmax\nfrom agents.compare import compare\n"
       "m = two_state()\nm = m.replace(rewards={'r': m.rewards['true']})\ncompare(m, [('argmax', Argmax())])"),
    py("InvalidArgument", "--param n is given twice", "from deconfuse.targets import parse_params\nparse_params(['n=3', 'n=4'])"),
    py("InvalidArgument", "chain has no symbolic parameter 'slip'",
       "from environments.parametric import get_parametric\nget_parametric('chain', 'slip')"),
    py("ReportFolderError", "ok.json is a file, not a folder",
       "from reports.document import check_folder\ncheck_folder('ok.json')", files=("ok.json",)),
    py("ReportFolderError", "is not a deconfuse report marker (not valid JSON",
       "from reports.document import read_manifest\nread_manifest('emptymarker')", folders=("emptymarker",)),
    py("ReportFolderError", "notempty is not empty and is not a deconfuse report",
       "from reports.document import staged_report\nwith staged_report('notempty'):\n    pass", folders=("notempty",)),
    py("InvalidArgument", "the report failed",
       "from reports.document import staged_report, write_artifact, Artifact, Reading\n"
       "from theory.errors import InvalidArgument\n"
       "with staged_report('out') as (staging, manifest):\n"
       "    write_artifact(staging, Artifact('x', 'X', {}, [], {}, Reading(('a.', 'b.'))), manifest)\n"
       "    raise InvalidArgument('the report failed')"),
    py("InvalidArgument", "horizon is about 1e+4000 (4001 digits exactly)",
       _TWO + "from theory import solve\nsolve(two_state().replace(discount=None, horizon=10**4000), 'true')"),
]

_BIG = 10**400
VALID_CASES: list[tuple[tuple[str, ...], str, str]] = [
    # (argv, the file (name, written from the case below), the exact text stdout must contain)
    (("solve", "v1.json", "--json"), _one_state('"1e400"', '"9/10"'), f'"s": "{10 * _BIG}"'),
    (("solve", "v2.json", "--json"), _one_state("1e400", '"9/10"'), f'"s": "{10 * _BIG}"'),
    (("solve", "v3.json", "--json"), _one_state("1" + "0" * 4000, '"9/10"'), f'"s": "{10**4001}"'),
    (("solve", "v4.json", "--json"), _one_state('"1"', f'"{NINES}"'), f'"s": "{_BIG}"'),
    (("solve", "v5.json"), _one_state("1" + "0" * 4000, f'"{NINES}"'),
     "expected return from initial under 'true': 1" + "0" * 4400),
    (("solve", "v6.json"), _one_state('"1/3"', f'"{NINES}"'), f"{_BIG}/3 (~3.33333e+399)"),
    (("solve", "v7.json", "--json"), _one_state('"-1e400"', '"0"'), f'"true": "-{_BIG}"'),
    (("compare", "v8.json", "--json"), _one_state("1e400", '"1/2"'), f'"true_return": "{2 * _BIG}"'),
    (("compare", "v9.json"), _one_state("1e400", '"1/2"'), "2e+400"),
    (("solve", "v10.json", "--float", "--json"), _one_state('"1e300"', '"1/2"'), '"s": 2e+300'),
]


# -- the harness -------------------------------------------------------------------------------


def _limits() -> None:
    """In the child: the harness's address-space limit."""
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def _environment(extra: tuple[tuple[str, str], ...]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DECONFUSE_MEMORY_BUDGET"}
    env.update(PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(dict(extra))
    return env


def _write_inputs(folder: Path, case: Case) -> None:
    folder.mkdir(parents=True)
    for name in case.files:
        target = folder / name
        if name == "random.json":  # 50 MB of random bytes
            target.write_bytes(np.random.default_rng(0).integers(0, 256, 50 * 2**20, dtype=np.uint8).tobytes())
            continue
        content = FILES[name]
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    for name in case.folders:
        sub = folder / name
        sub.mkdir()
        for file, content in FOLDERS[name].items():
            (sub / file).write_text(content, encoding="utf-8")


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


#: The wrapper that runs a Python case: one line "TYPE: message" on stderr for an exception.
_WRAPPER = """
import sys
try:
    exec(compile(sys.argv[1], "<case>", "exec"), {"__name__": "__case__"})
except Exception as exc:
    from theory.errors import DeconfuseError
    kind = "" if isinstance(exc, DeconfuseError) else " (not a DeconfuseError)"
    print(f"{type(exc).__name__}{kind}: {exc}", file=sys.stderr)
    sys.exit(2)
"""


@dataclasses.dataclass
class Outcome:
    """What a case did: exit status, stdout, stderr, the files it left (or a timeout)."""

    status: int | None
    stdout: str
    stderr: str
    left: list[str]


def _run_case(case: Case, folder: Path) -> Outcome:
    _write_inputs(folder, case)
    before = _listing(folder)
    if case.code is None:
        command = [sys.executable, "-m", "deconfuse", *case.argv]
    else:
        command = [sys.executable, "-c", _WRAPPER, case.code]
    try:
        done = subprocess.run(command, cwd=folder, env=_environment(case.env), capture_output=True, text=True,
                              timeout=TIME_LIMIT, preexec_fn=_limits)
    except subprocess.TimeoutExpired:
        return Outcome(None, "", f"timed out after {TIME_LIMIT} s", [])
    left = sorted(set(_listing(folder)) - set(before))
    return Outcome(done.returncode, done.stdout, done.stderr, left)


@pytest.fixture(scope="session")
def outcomes(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Outcome]:
    """The selected cases of CLI_CASES + PY_CASES (all of them unless ``-k`` chose fewer), run
    once, WORKERS at a time, by index into CLI_CASES + PY_CASES."""
    root = tmp_path_factory.mktemp("bad-input")
    cases = CLI_CASES + PY_CASES
    offset = {"test_command_line_case": 0, "test_python_case": len(CLI_CASES)}
    chosen = sorted({offset[item.originalname] + item.callspec.params["index"]
                     for item in request.session.items if getattr(item, "originalname", None) in offset})
    with ThreadPoolExecutor(WORKERS) as pool:
        results = pool.map(lambda i: _run_case(cases[i], root / f"case{i}"), chosen)
        return dict(zip(chosen, results))


@pytest.mark.parametrize("index", range(len(CLI_CASES)), ids=[c.id for c in CLI_CASES])
def test_command_line_case(index: int, outcomes: dict[int, Outcome]) -> None:
    case, out = CLI_CASES[index], outcomes[index]
    lines = out.stderr.splitlines()
    assert out.status == 2, f"exit status {out.status}; stderr: {out.stderr[-2000:]}"
    assert "Traceback" not in out.stderr
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {out.stderr[-2000:]}"
    assert case.fragment in lines[0], lines[0]
    assert out.left == [], f"left behind: {out.left}"


@pytest.mark.parametrize("index", range(len(PY_CASES)), ids=[c.id for c in PY_CASES])
def test_python_case(index: int, outcomes: dict[int, Outcome]) -> None:
    case, out = PY_CASES[index], outcomes[len(CLI_CASES) + index]
    lines = out.stderr.splitlines()
    assert out.status == 2, f"exit status {out.status}; stderr: {out.stderr[-2000:]}"
    assert len(lines) == 1, f"{len(lines)} lines on stderr: {out.stderr[-2000:]}"
    kind, _, message = lines[0].partition(": ")
    assert kind == case.error, lines[0]
    assert case.fragment in message, message
    assert out.left == [], f"left behind: {out.left}"


def test_the_suite_has_at_least_150_cases() -> None:
    assert len(CLI_CASES) + len(PY_CASES) >= 150


# -- valid extremes ----------------------------------------------------------------------------


@pytest.mark.parametrize("argv, text, expected", VALID_CASES, ids=[" ".join(c[0]) for c in VALID_CASES])
def test_extreme_but_valid_inputs_are_solved_exactly(argv, text, expected, tmp_path):
    (tmp_path / argv[1]).write_text(text, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "deconfuse", *argv], cwd=tmp_path, env=_environment(()),
                          capture_output=True, text=True, timeout=TIME_LIMIT, preexec_fn=_limits)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == ""
    assert expected in done.stdout


def test_the_exact_values_of_the_valid_extremes():
    # the expected texts above, derived by hand: a one-state MDP that pays r forever under the
    # discount g has the value r / (1 - g); 1e400 / (1 - 9/10) = 10**401; with 400 nines,
    # 1 - g = 10**-400, so r = 1 gives 10**400 and r = 10**4000 gives 10**4400 (4401 digits,
    # beyond Python's 4300-digit int/str limit, printed exactly all the same)
    g = Fraction(NINES)
    assert 1 - g == Fraction(1, _BIG)
    assert Fraction(10**400) / (1 - Fraction(9, 10)) == 10 * _BIG
    assert Fraction(10**4000) / (1 - g) == 10**4400 and (10**4400).bit_length() > 14000


def test_a_closed_pipe_ends_quietly_with_status_0(tmp_path):
    # more output than a pipe holds (about 90 KB: 20 states valued 10 * 10**4000), read one line
    # of it and close the pipe, as `deconfuse solve big.json | head -1` does
    states = [f"s{i}" for i in range(20)]
    data = {"format": "deconfuse.mdp/1", "states": states, "actions": ["a"],
            "transitions": {s: {"a": {s: "1"}} for s in states},
            "rewards": {"true": {s: {"a": "1" + "0" * 4000} for s in states}},
            "initial": {states[0]: "1"}, "discount": "9/10"}
    (tmp_path / "big.json").write_text(json.dumps(data), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "deconfuse", "solve", "big.json"], cwd=tmp_path,
                               env=_environment(()), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_limits)
    first = process.stdout.readline()
    process.stdout.close()
    status = process.wait(timeout=TIME_LIMIT)
    stderr = process.stderr.read()
    process.stderr.close()
    assert first.startswith(b"big.json: 20 states, 1 actions")
    assert status == 0 and stderr == b""
