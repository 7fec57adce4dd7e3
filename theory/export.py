r"""Export of exact FiniteMDPs to the PRISM language and to Storm's explicit DRN format.

Both writers are exact (every number a fraction "p/q", as PRISM and Storm read rationals) and
need no stormpy; the files are read back by Storm with exact arithmetic in tests/test_export.py.

States and extra states
    The model's states are 0..S-1 (PRISM: the values of the one variable ``s``; DRN: the state
    ids). A point-mass initial distribution is the initial state (PRISM ``init k``; DRN label
    ``init``). Any other initial distribution gets an extra **start state** S, labelled
    ``start``, whose one unlabelled choice (reward 0) goes to each state with its initial
    probability: values of states 0..S-1 are unchanged and the start state's value is the
    expected value under the initial distribution, exactly. With ``sink=True`` (discounted
    models only) an absorbing zero-reward state labelled ``sink`` comes last: every choice goes
    to s' with probability gamma P(s'|s, a) and to the sink with 1 - gamma, so the expected
    reward collected before the sink (Storm: ``R{"r"}max=? [F "sink"]``) is the discounted
    value of every policy (the start state's choice is not discounted: it is the first draw).

Names (PRISM identifiers, used in both formats so one property file fits both)
    :func:`identifier`: every character outside ``[A-Za-z0-9_]`` becomes ``_``, and a name that
    is empty, starts with a digit or is a reserved word (PRISM's and Storm's keywords, ``s``,
    the module's name) gets a leading ``_``: "(1,1)" -> "_1_1_", "000" -> "_000", "up" -> "up".
    Action labels and state labels are mapped so; two that collide are refused with one line
    (state labels can be left out with ``state_labels=False``). State labels ``init``,
    ``deadlock``, ``start`` and ``sink`` are reserved for Storm and the constructions above and
    get the leading ``_`` as well. Reward names follow the same rule except that PRISM's
    reserved word ``true`` becomes ``true_reward`` (:data:`DEFAULT_REWARD_NAMES`); an explicit
    ``reward_names={"true": "gold"}`` renames as asked (each new name must be an identifier).

PRISM has no discount and no horizon: the discount (or horizon) is written in a leading comment.
Only exact models are written (a float model: ``mdp.to_exact()`` first).

>>> from theory.examples import two_state
>>> print(prism_text(two_state()).splitlines()[6])
    [stay] s=0 -> 1:(s'=0);
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP

__all__ = [
    "RESERVED",
    "DEFAULT_REWARD_NAMES",
    "identifier",
    "prism_text",
    "drn_text",
    "save_prism",
    "save_drn",
]

#: Words a name must not be in a PRISM file read by PRISM or Storm (keywords of both languages).
RESERVED = frozenset(
    "A bool clock const ctmc C double dtmc E endinit endinvariant endmodule endobservables endrewards "
    "endsystem false formula filter func F global G init invariant I int label mdp module max min "
    "nondeterministic observable observables pomdp popta probabilistic prob pta rate rewards Pmax Pmin "
    "P Rmax Rmin R S smg stochastic system true U W X player endplayer".split()
)
#: Reward renamings applied unless ``reward_names`` says otherwise ("true" is reserved in PRISM).
DEFAULT_REWARD_NAMES: Mapping[str, str] = {"true": "true_reward"}
_LABELS_TAKEN = frozenset({"init", "deadlock", "start", "sink"})
_VARIABLE = "s"


def identifier(name: str, taken: frozenset[str] = frozenset()) -> str:
    """``name`` as a PRISM identifier (see the module docstring); ``taken``: further words
    that get the leading ``_``.

    >>> identifier("(1,1)"), identifier("000"), identifier("true"), identifier("up")
    ('_1_1_', '_000', '_true', 'up')
    """
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not out or out[0].isdigit() or out in RESERVED or out in taken or out == _VARIABLE:
        out = "_" + out
    return out


def _check_exact(mdp: FiniteMDP, what: str) -> None:
    if not isinstance(mdp, FiniteMDP):
        raise InvalidArgument(f"{what}: expected a FiniteMDP, got {type(mdp).__name__}")
    if not mdp.exact:
        raise InvalidArgument(f"{what}: the model is float; export writes exact numbers (use mdp.to_exact() first)")


def _distinct(names: dict[str, str], what: str) -> dict[str, str]:
    seen: dict[str, str] = {}
    for label, name in names.items():
        if name in seen:
            raise InvalidArgument(f"{what} {seen[name]!r} and {label!r} are both written as {name!r}; rename one")
        seen[name] = label
    return names


def _names(mdp: FiniteMDP, module: str, reward_names: Mapping[str, str] | None,
           state_labels: bool) -> tuple[list[str], list[str] | None, list[str]]:
    """(action names, state label names or None, reward names), checked distinct."""
    taken = frozenset({module})
    actions = _distinct({a: identifier(a, taken) for a in mdp.actions}, "actions")
    states = None
    if state_labels:
        states = list(_distinct({s: identifier(s, taken | _LABELS_TAKEN) for s in mdp.states}, "states").values())
    given = dict(reward_names or {})
    unknown = sorted(set(given) - set(mdp.rewards))
    if unknown:
        raise InvalidArgument(f"reward_names renames {unknown[0]!r}, not a reward of the model "
                              f"(its rewards are {', '.join(mdp.rewards)})")
    rewards: dict[str, str] = {}
    for name in mdp.rewards:
        if name in given:
            new = given[name]
            if not isinstance(new, str) or identifier(new, taken) != new:
                raise InvalidArgument(f"reward_names[{name!r}] is {new!r}, not a PRISM identifier "
                                      f"(letters, digits, _; not a reserved word)")
            rewards[name] = new
        else:
            rewards[name] = DEFAULT_REWARD_NAMES.get(name) or identifier(name, taken)
    return list(actions.values()), states, list(_distinct(rewards, "rewards").values())


def _layout(mdp: FiniteMDP, sink: bool) -> tuple[int | None, int | None, int | None]:
    """(the initial state when it is one, the start state or None, the sink state or None)."""
    if sink and mdp.discount is None:
        raise InvalidArgument(f"sink=True needs a discounted model; this one has horizon {mdp.horizon}")
    support = np.flatnonzero(mdp.initial != 0).tolist()
    first = support[0] if len(support) == 1 else None
    start = None if first is not None else mdp.S
    last = mdp.S + (start is not None)
    return first, start, (last if sink else None)


def _choices(mdp: FiniteMDP, s: int, a: int, sink: int | None) -> list[tuple[int, Fraction]]:
    """The successors of (s, a) as written: scaled by gamma and with the sink when asked."""
    row = list(mdp.successors[s][a])
    if sink is None:
        return row
    gamma = mdp.discount
    scaled = [(j, gamma * p) for j, p in row if gamma * p != 0]
    return scaled + [(sink, 1 - gamma)]


def _comment(mdp: FiniteMDP, sink: int | None, start: int | None) -> list[str]:
    lines = [f"// exported by deconfuse: {mdp.S} states, {mdp.A} actions, rewards {', '.join(mdp.rewards)}"]
    if mdp.discount is not None:
        lines.append(f"// discount {mdp.discount}: neither format has one; the values are the discounted ones")
    else:
        lines.append(f"// horizon {mdp.horizon}: the values are the {mdp.horizon}-step cumulative ones (C<={mdp.horizon})")
    if start is not None:
        lines.append(f"// state {start} ('start') draws the first state from the initial distribution")
    if sink is not None:
        lines.append(f"// state {sink} ('sink'): every choice reaches it with 1 - {mdp.discount}, the other "
                     f"successors are scaled by {mdp.discount}; R{{..}}max=? [F \"sink\"] is the discounted value")
    return lines


def prism_text(mdp: FiniteMDP, *, module: str = "m", sink: bool = False,
               reward_names: Mapping[str, str] | None = None, state_labels: bool = True) -> str:
    """The exact PRISM ``mdp`` model of ``mdp`` (see the module docstring for the layout).

    One module ``module`` with one variable ``s``, one command ``[a] s=i -> p1:(s'=j1) + ...;``
    per state and enabled action, probabilities as fractions, one ``rewards "name"`` structure
    per reward with items ``[a] s=i : r;`` (non-zero ones), and ``label "x" = s=i;`` per state.
    Source: the PRISM manual, "The PRISM Language" (modules, commands, rewards, labels).

    >>> from theory.examples import two_state
    >>> print("\\n".join(prism_text(two_state()).splitlines()[3:11]))
    mdp
    module m
        s : [0..1] init 0;
        [stay] s=0 -> 1:(s'=0);
        [go] s=0 -> 1/10:(s'=0) + 9/10:(s'=1);
        [stay] s=1 -> 1:(s'=1);
        [go] s=1 -> 1:(s'=0);
    endmodule
    """
    _check_exact(mdp, "prism_text")
    if identifier(module) != module:
        raise InvalidArgument(f"module is {module!r}, not a PRISM identifier")
    actions, labels, rewards = _names(mdp, module, reward_names, state_labels)
    first, start, sink_state = _layout(mdp, sink)
    n = mdp.S + (start is not None) + (sink_state is not None)
    init = first if first is not None else start
    out = _comment(mdp, sink_state, start) + ["", "mdp", "module " + module,
                                             f"    s : [0..{n - 1}] init {init};"]
    for s in range(mdp.S):
        for a in mdp.enabled_actions(s):
            out.append(f"    [{actions[a]}] s={s} -> {_updates(_choices(mdp, s, a, sink_state))};")
    if start is not None:
        out.append(f"    [] s={start} -> {_updates([(j, p) for j, p in enumerate(mdp.initial) if p != 0])};")
    if sink_state is not None:
        out.append(f"    [] s={sink_state} -> 1:(s'={sink_state});")
    out.append("endmodule")
    for name, export in zip(mdp.rewards, rewards):
        R = mdp.rewards[name]
        out += ["", f'rewards "{export}"']
        out += [f"    [{actions[a]}] s={s} : {R[s, a]};"
                for s in range(mdp.S) for a in mdp.enabled_actions(s) if R[s, a] != 0]
        out.append("endrewards")
    out.append("")
    if labels is not None:
        out += [f'label "{label}" = s={s};' for s, label in enumerate(labels)]
    if start is not None:
        out.append(f'label "start" = s={start};')
    if sink_state is not None:
        out.append(f'label "sink" = s={sink_state};')
    return "\n".join(out) + "\n"


def _updates(row: list[tuple[int, Any]]) -> str:
    return " + ".join(f"{p}:(s'={j})" for j, p in row)


def drn_text(mdp: FiniteMDP, *, sink: bool = False, reward_names: Mapping[str, str] | None = None,
             state_labels: bool = True) -> str:
    """The exact model in Storm's explicit DRN format (see the module docstring for the layout).

    Header ``@type: MDP``, ``@parameters`` (none), ``@reward_models`` (the names, space
    separated), ``@nr_states``, ``@nr_choices``, ``@model``; then per state ``state i`` with its
    labels (``init`` on the initial state), per enabled action ``\\taction name [r1, r2, ...]``
    (the action rewards, in the order of ``@reward_models``) and per successor ``\\t\\tj : p``.
    The start and sink choices are ``__NOLABEL__`` (no choice label). Source: Storm's
    DirectEncodingParser (storm-parsers/parser/DirectEncodingParser.cpp).

    >>> from theory.examples import two_state
    >>> print("\\n".join(drn_text(two_state()).splitlines()[2:15]).expandtabs(4))
    @type: MDP
    @parameters
    <BLANKLINE>
    @reward_models
    true_reward proxy
    @nr_states
    2
    @nr_choices
    4
    @model
    state 0 init s0
        action stay [0, 0]
            0 : 1
    """
    _check_exact(mdp, "drn_text")
    actions, labels, rewards = _names(mdp, "m", reward_names, state_labels)
    first, start, sink_state = _layout(mdp, sink)
    n = mdp.S + (start is not None) + (sink_state is not None)
    choices = int(mdp.enabled.sum()) + n - mdp.S
    zero = ", ".join("0" for _ in rewards)
    out = _comment(mdp, sink_state, start)
    out += ["@type: MDP", "@parameters", "", "@reward_models", " ".join(rewards),
            "@nr_states", str(n), "@nr_choices", str(choices), "@model"]
    tables = [mdp.rewards[name] for name in mdp.rewards]
    for s in range(mdp.S):
        tags = (["init"] if s == first else []) + ([labels[s]] if labels is not None else [])
        out.append(" ".join([f"state {s}"] + tags))
        for a in mdp.enabled_actions(s):
            out.append(f"\taction {actions[a]} [{', '.join(str(R[s, a]) for R in tables)}]")
            out += [f"\t\t{j} : {p}" for j, p in _choices(mdp, s, a, sink_state)]
    if start is not None:
        out += [f"state {start} init start", f"\taction __NOLABEL__ [{zero}]"]
        out += [f"\t\t{j} : {p}" for j, p in enumerate(mdp.initial) if p != 0]
    if sink_state is not None:
        out += [f"state {sink_state} sink", f"\taction __NOLABEL__ [{zero}]", f"\t\t{sink_state} : 1"]
    return "\n".join(out) + "\n"


def save_prism(mdp: FiniteMDP, path: str | Path, **kw: Any) -> Path:
    """Write :func:`prism_text` of ``mdp`` (keywords passed on) to ``path``; returns the path."""
    text = prism_text(mdp, **kw)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path


def save_drn(mdp: FiniteMDP, path: str | Path, **kw: Any) -> Path:
    """Write :func:`drn_text` of ``mdp`` (keywords passed on) to ``path``; returns the path."""
    text = drn_text(mdp, **kw)
    path = Path(path)
    path.write_text(text, encoding="utf-8")
    return path
