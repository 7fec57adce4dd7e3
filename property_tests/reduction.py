r"""Minimal counterexamples: a deterministic reduction that runs after Hypothesis's shrinking.

Hypothesis shrinks a failing example towards simple draws, but a shrunk MDP often keeps states
and actions that play no part (a 3 x 3 MDP whose claim fails on 1 state and 2 actions).
:func:`reduce_counterexample` takes the failing arguments and a test ``still_fails(arguments)``
and applies, while the claim still fails, the moves below, in this order, restarting from the
first move after every move that is kept, until no move applies (a fixed point). Every
candidate is rebuilt through the validating constructors (:class:`~theory.mdp.FiniteMDP`,
:class:`~theory.policy.Policy`): a candidate that is not valid is skipped, and nothing is
renormalised.

The MDPs of one argument (a single MDP, or the MDPs and policies inside a tuple or list such as
``shift_pairs``' (train, test, m) or ``mdps_with_policies``' (mdp, policy)) that share their state
and action labels form one *group*, reduced together: a move changes every member the same
way, so that they keep the same states and actions.

1. **drop unreachable states**: the states that no member reaches from its initial distribution
   under any policy (within H - 1 steps for a horizon H; :func:`environments.proxy_errors.reachable_states`)
   are removed together: their rows, their rewards, their observations and features. No kept
   state moves to them and the initial distribution puts no mass on them, so every row is
   still a distribution.
2. **drop actions**: one action a is removed from every state (last action first): the rows
   (s, a) and rewards r(s, a) go. A policy of the group must give a probability 0 (else its
   rows no longer sum to 1 and the candidate is invalid).
3. **drop states**: one state s is removed (last state first) and, when probability flows into
   it, that probability is moved explicitly to one named state t (first state first): for every
   kept state x and action a, P'(t | x, a) = P(t | x, a) + P(s | x, a), and the initial mass of s
   goes to t ("dropped state s2, its probability moved to s0"). Its rows, rewards, observations
   and features go.
4. **simpler numbers** (exact MDPs): one number is replaced by a simpler one, in the order of
   :func:`~property_tests.enumeration.simplicity` (0, then 1, -1, then smaller denominators;
   :func:`simpler_numbers`): each reward r(s, a) (reward by reward, state by state, action by
   action), then each transition row (s, a) and the initial distribution, replaced by a
   distribution with a smaller common denominator (a point mass first, then the row rounded
   to each smaller denominator by largest remainders), then the discount (within [0, 1)) or the
   horizon (towards 1). A number the members of a group share (the rewards of a shift pair) is
   changed in all of them at once; numbers in which they differ are changed member by member,
   so that what the members share stays shared.

Arguments that are not MDPs (q, n, beta, ...) are simplified too, as numbers, but only when their
strategy says which values it can draw (``strategies``; every strategy of
:mod:`property_tests.strategies` does), the candidate is one of them, and the groups of
``ordered`` arguments stay strictly increasing; otherwise they are left as they are. With
``strategies``, every candidate must also lie in its argument's strategy's domain (an MDP with
the strategy's reward names, at least its minimum numbers of states and actions, a discount
it can draw, ...). Policies are not simplified, only cut with their MDP; a float MDP gets the
moves 1-3 only.

Each move strictly decreases (states, actions, the simplicity of the numbers), so the reduction
ends; it is deterministic (same arguments and test, same result) and its result is a fixed
point: reducing it again changes nothing. ``still_fails`` is called once per valid candidate;
when it raises, the candidate counts as not failing (the reduction never turns a refutation
into an error).

Examples
--------
>>> from fractions import Fraction as F
>>> from theory.mdp import FiniteMDP
>>> mdp = FiniteMDP(["s0", "s1"], ["a0", "a1"], [[[1, 0], [1, 0]], [[0, 1], [0, 1]]],
...                 {"true": [[0, F(3, 4)], [5, 5]]}, [1, 0], discount=F(1, 2))
>>> fails = lambda args: args["mdp"].reward("true")[0].max() > 0   # some reward at s0 is positive
>>> reduction = reduce_counterexample({"mdp": mdp}, fails)
>>> reduction.moves
('mdp: dropped unreachable states s1', 'mdp: dropped action a0', 'mdp: reward true[s0, a1] 3/4 -> 1', 'mdp: discount 1/2 -> 0')
>>> describe_reduction(reduction)
'reduced in 4 moves (mdp: dropped unreachable states s1; mdp: dropped action a0; mdp: reward true[s0, a1] 3/4 -> 1; and 1 more), 8 candidates tried; minimal under the moves: drop unreachable states, drop actions, drop states, simpler numbers'
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis.strategies import SearchStrategy

from environments.proxy_errors import reachable_states
from property_tests.enumeration import Enumeration, enumeration_of, simplicity
from theory.errors import DeconfuseError, InvalidArgument
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.policy import Policy

__all__ = [
    "MOVES",
    "Reduction",
    "simpler_numbers",
    "simpler_rows",
    "reduce_counterexample",
    "describe_reduction",
]

#: The moves of the reduction, in the order they are tried.
MOVES: tuple[str, ...] = ("drop unreachable states", "drop actions", "drop states", "simpler numbers")

_Path = tuple[Any, ...]  # (argument name, index, index, ...) into nested tuples and lists
_Candidate = tuple[str, Callable[[], dict[str, Any]]]  # (description, build the new arguments)


@dataclasses.dataclass(frozen=True)
class Reduction:
    """The result of :func:`reduce_counterexample`: the reduced ``arguments``, the ``moves``
    applied (one line each, e.g. "mdp: dropped unreachable states s2"), and how many
    candidates were ``tried`` (calls of ``still_fails``)."""

    arguments: dict[str, Any]
    moves: tuple[str, ...]
    tried: int


# -- simpler numbers and rows ------------------------------------------------------------


def _convergents(x: Fraction) -> Iterator[Fraction]:
    """The continued-fraction convergents of x (its best approximations with small denominators)."""
    h0, h1, k0, k1 = 0, 1, 1, 0
    num, den = x.numerator, x.denominator
    for _ in range(64):
        if den == 0:
            return
        a = num // den
        h0, h1, k0, k1 = h1, a * h1 + h0, k1, a * k1 + k0
        yield Fraction(h1, k1)
        num, den = den, num - a * den


def simpler_numbers(x: Any) -> list[Fraction]:
    """Numbers strictly simpler than ``x`` in the order of
    :func:`~property_tests.enumeration.simplicity`, simplest first (then nearest to x): 0, 1 and
    -1, -x for a negative x, the integers between 0 and x, x rounded down and up to each smaller
    denominator, its continued-fraction convergents and the fractions of its denominator nearer
    to 0.

    >>> [str(y) for y in simpler_numbers(Fraction(3, 4))]
    ['0', '1', '-1', '1/2', '2/3', '1/4']
    >>> simpler_numbers(0)
    []
    """
    x = Fraction(x)
    sign = -1 if x < 0 else 1
    pool = {Fraction(0), Fraction(1), Fraction(-1), Fraction(math.floor(x)), Fraction(math.ceil(x)), abs(x)}
    pool.update(Fraction(sign * k) for k in range(1, 9) if k <= abs(x))
    for d in range(2, min(x.denominator, 17)):
        pool.update((Fraction(math.floor(x * d), d), Fraction(math.ceil(x * d), d)))
    pool.update(_convergents(x))
    if x.denominator <= 16:
        pool.update(Fraction(sign * k, x.denominator) for k in range(1, min(abs(x.numerator), 9)))
    key = simplicity(x)
    return sorted((y for y in pool if simplicity(y) < key), key=lambda y: (simplicity(y), abs(y - x)))


def _round_row(row: Sequence[Fraction], d: int) -> tuple[Fraction, ...]:
    """``row`` rounded to multiples of 1/d by largest remainders (ties: the first entry)."""
    scaled = [p * d for p in row]
    units = [math.floor(x) for x in scaled]
    order = sorted(range(len(row)), key=lambda i: (-(scaled[i] - units[i]), i))
    for i in order[: d - sum(units)]:
        units[i] += 1
    return tuple(Fraction(k, d) for k in units)


def simpler_rows(row: Sequence[Any]) -> list[tuple[Fraction, ...]]:
    """Distributions with a smaller common denominator than ``row``: every point mass (first
    entry first), then ``row`` rounded to each smaller denominator by largest remainders.

    >>> [[str(p) for p in r] for r in simpler_rows([Fraction(1, 4), Fraction(3, 4)])]
    [['1', '0'], ['0', '1'], ['1/2', '1/2'], ['1/3', '2/3']]
    """
    row = [Fraction(p) for p in row]
    common = math.lcm(*(p.denominator for p in row))
    out: list[tuple[Fraction, ...]] = []
    candidates = [tuple(Fraction(int(i == j)) for j in range(len(row))) for i in range(len(row))]
    candidates += [_round_row(row, d) for d in range(2, min(common, 65))]
    for c in candidates:
        if math.lcm(*(p.denominator for p in c)) < common and c not in out:
            out.append(c)
    return out


# -- where the MDPs are ------------------------------------------------------------------


def _objects(value: Any, path: _Path) -> Iterator[tuple[_Path, Any]]:
    if isinstance(value, (FiniteMDP, Policy)):
        yield path, value
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _objects(item, (*path, i))


def _get(arguments: Mapping[str, Any], path: _Path) -> Any:
    value = arguments[path[0]]
    for i in path[1:]:
        value = value[i]
    return value


def _put(value: Any, path: Sequence[int], new: Any) -> Any:
    if not path:
        return new
    items = list(value)
    items[path[0]] = _put(items[path[0]], path[1:], new)
    return items if isinstance(value, list) else tuple(items)


def _replace(arguments: Mapping[str, Any], changes: Mapping[_Path, Any]) -> dict[str, Any]:
    out = dict(arguments)
    for path, new in changes.items():
        out[path[0]] = _put(out[path[0]], path[1:], new)
    return out


def _where(path: _Path) -> str:
    return str(path[0]) + "".join(f"[{i}]" for i in path[1:])


@dataclasses.dataclass(frozen=True)
class _Group:
    """The MDPs (and policies) of one argument that share their state and action labels."""

    name: str
    mdps: tuple[_Path, ...]
    policies: tuple[_Path, ...]


def _groups(arguments: Mapping[str, Any]) -> list[_Group]:
    out = []
    for name, value in arguments.items():
        found: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[_Path], list[_Path]]] = {}
        for path, obj in _objects(value, (name,)):
            mdps, policies = found.setdefault((obj.states, obj.actions), ([], []))
            (mdps if isinstance(obj, FiniteMDP) else policies).append(path)
        out.extend(_Group(name, tuple(m), tuple(p)) for m, p in found.values() if m)
    return out


# -- structural moves --------------------------------------------------------------------


def _cut_mdp(mdp: FiniteMDP, states: list[int], actions: list[int], moved: tuple[int, int] | None) -> FiniteMDP:
    """``mdp`` on the kept ``states`` and ``actions``; ``moved`` = (s, t) moves the probability of
    entering s to t first."""
    T, initial = mdp.transitions.copy(), mdp.initial.copy()
    if moved is not None:
        s, t = moved
        T[:, :, t] = T[:, :, t] + T[:, :, s]
        initial[t] = initial[t] + initial[s]
    S, A = np.array(states), np.array(actions)
    return FiniteMDP(
        [mdp.states[i] for i in states], [mdp.actions[j] for j in actions], T[np.ix_(S, A, S)],
        {k: r[np.ix_(S, A)] for k, r in mdp.rewards.items()}, initial[S], discount=mdp.discount,
        horizon=mdp.horizon,
        observations=None if mdp.observations is None else [mdp.observations[i] for i in states],
        features=None if mdp.features is None else mdp.features[S],
    )


def _cut_policy(pi: Policy, states: list[int], actions: list[int]) -> Policy:
    probs = pi.probs[..., states, :][..., actions]
    return Policy(probs, [pi.states[i] for i in states], [pi.actions[j] for j in actions])


def _cut(arguments: Mapping[str, Any], group: _Group, states: list[int], actions: list[int],
         moved: tuple[int, int] | None = None) -> dict[str, Any]:
    changes: dict[_Path, Any] = {p: _cut_mdp(_get(arguments, p), states, actions, moved) for p in group.mdps}
    changes.update({p: _cut_policy(_get(arguments, p), states, actions) for p in group.policies})
    return _replace(arguments, changes)


def _unreachable(arguments: Mapping[str, Any], group: _Group) -> Iterator[_Candidate]:
    mdps = [_get(arguments, p) for p in group.mdps]
    first = mdps[0]
    reached: set[str] = set()
    for mdp in mdps:
        steps = mdp.S if mdp.horizon is None else min(mdp.S, mdp.horizon - 1)
        reached |= reachable_states(mdp, steps)
    keep = [i for i, s in enumerate(first.states) if s in reached]
    if len(keep) < first.S:
        dropped = ", ".join(s for s in first.states if s not in reached)
        yield (f"{group.name}: dropped unreachable states {dropped}",
               lambda: _cut(arguments, group, keep, list(range(first.A))))


def _drop_actions(arguments: Mapping[str, Any], group: _Group) -> Iterator[_Candidate]:
    first = _get(arguments, group.mdps[0])
    for a in reversed(range(first.A if first.A > 1 else 0)):
        keep = [j for j in range(first.A) if j != a]
        yield (f"{group.name}: dropped action {first.actions[a]}",
               lambda keep=keep: _cut(arguments, group, list(range(first.S)), keep))


def _drop_states(arguments: Mapping[str, Any], group: _Group) -> Iterator[_Candidate]:
    mdps = [_get(arguments, p) for p in group.mdps]
    first = mdps[0]
    actions = list(range(first.A))
    for s in reversed(range(first.S if first.S > 1 else 0)):
        keep = [i for i in range(first.S) if i != s]
        entering = any(m.initial[s] != 0 or bool((m.transitions[keep][:, :, s] != 0).any()) for m in mdps)
        if not entering:
            yield (f"{group.name}: dropped state {first.states[s]}",
                   lambda keep=keep: _cut(arguments, group, keep, actions))
            continue
        for t in keep:
            yield (f"{group.name}: dropped state {first.states[s]}, its probability moved to {first.states[t]}",
                   lambda keep=keep, s=s, t=t: _cut(arguments, group, keep, actions, (s, t)))


# -- simpler numbers ---------------------------------------------------------------------


def _row_text(states: Sequence[str], row: Sequence[Any]) -> str:
    return ", ".join(f"{s} {format_number(p)}" for s, p in zip(states, row) if p != 0)


def _with(mdp: FiniteMDP, field: str, index: tuple[Any, ...], value: Any) -> FiniteMDP:
    """``mdp`` with one number (or row) changed: ``field`` is "reward NAME", "transitions",
    "initial", "discount" or "horizon"."""
    if field.startswith("reward "):
        name = field[len("reward "):]
        rewards = {k: r.copy() for k, r in mdp.rewards.items()}
        rewards[name][index] = value
        return mdp.replace(rewards=rewards)
    if field == "transitions":
        T = mdp.transitions.copy()
        T[index] = np.array(value, dtype=object)
        return mdp.replace(transitions=T)
    if field == "initial":
        return mdp.replace(initial=np.array(value, dtype=object))
    return mdp.replace(**{field: value})


def _positions(mdp: FiniteMDP) -> Iterator[tuple[str, tuple[Any, ...], str]]:
    """(field, index, text) of every number of an MDP, in the order they are simplified."""
    for name in mdp.rewards:
        for s in range(mdp.S):
            for a in range(mdp.A):
                yield f"reward {name}", (s, a), f"reward {name}[{mdp.states[s]}, {mdp.actions[a]}]"
    for s in range(mdp.S):
        for a in range(mdp.A):
            yield "transitions", (s, a), f"transitions[{mdp.states[s]}, {mdp.actions[a]}]"
    yield "initial", (), "initial"
    yield ("discount", (), "discount") if mdp.horizon is None else ("horizon", (), "horizon")


def _value(mdp: FiniteMDP, field: str, index: tuple[Any, ...]) -> Any:
    if field.startswith("reward "):
        return mdp.rewards[field[len("reward "):]][index]
    if field == "transitions":
        return tuple(mdp.transitions[index])
    if field == "initial":
        return tuple(mdp.initial)
    return getattr(mdp, field)


def _simpler(field: str, value: Any, fixed_steps: bool) -> list[Any]:
    if field in ("transitions", "initial"):
        return simpler_rows(value)
    if field == "discount":
        return [d for d in simpler_numbers(value) if 0 <= d < 1]
    if field == "horizon":
        return [] if fixed_steps else list(range(1, value))
    return simpler_numbers(value)


def _show(field: str, value: Any, states: Sequence[str]) -> str:
    return _row_text(states, value) if field in ("transitions", "initial") else format_number(value)


def _simpler_numbers_of(arguments: Mapping[str, Any], group: _Group) -> Iterator[_Candidate]:
    mdps = [_get(arguments, p) for p in group.mdps]
    if not all(m.exact for m in mdps):
        return
    fixed_steps = any(_get(arguments, p).probs.ndim == 3 for p in group.policies)
    first = mdps[0]
    for field, index, text in _positions(first):
        values = [_value(m, field, index) for m in mdps]
        shared = all(v == values[0] for v in values)
        members = [list(group.mdps)] if shared else [[p] for p in group.mdps]
        for paths in members:
            old = _value(_get(arguments, paths[0]), field, index)
            where = group.name if shared else _where(paths[0])
            for new in _simpler(field, old, fixed_steps):
                line = f"{where}: {text} {_show(field, old, first.states)} -> {_show(field, new, first.states)}"
                yield line, lambda paths=paths, new=new: _replace(
                    arguments, {p: _with(_get(arguments, p), field, index, new) for p in paths})


def _simpler_scalars(arguments: Mapping[str, Any], domains: Mapping[str, Enumeration],
                     ordered: Sequence[Sequence[str]]) -> Iterator[_Candidate]:
    for name, value in arguments.items():
        enum = domains.get(name)
        if enum is None or enum.contains is None or isinstance(value, bool):
            continue
        if not isinstance(value, (int, Fraction, float)) or (isinstance(value, float) and not math.isfinite(value)):
            continue
        kind, key = type(value), simplicity(value)
        for new in simpler_numbers(value):
            if kind is int and new.denominator != 1:
                continue
            candidate = kind(new) if kind in (int, float) else new
            # a float candidate is the float nearest to ``new``: 1/10 becomes 0.1 itself, which
            # is no simpler (kept, the reduction would never reach its fixed point)
            if simplicity(candidate) >= key or not enum.contains(candidate):
                continue
            changed = {**arguments, name: candidate}
            if any(not all(changed[a] < changed[b] for a, b in zip(g, g[1:])) for g in ordered if name in g):
                continue
            yield f"{name}: {format_number(value)} -> {format_number(candidate)}", lambda changed=changed: changed


# -- the reduction -----------------------------------------------------------------------


def _domains(strategies: Mapping[str, Any] | None) -> dict[str, Enumeration]:
    out: dict[str, Enumeration] = {}
    for name, strategy in (strategies or {}).items():
        if isinstance(strategy, SearchStrategy):
            try:
                out[name] = enumeration_of(strategy, name)
            except InvalidArgument:
                continue  # a strategy that cannot say its domain: no domain check for it
    return out


def _candidates(arguments: Mapping[str, Any], domains: Mapping[str, Enumeration],
                ordered: Sequence[Sequence[str]]) -> Iterator[_Candidate]:
    """Every candidate of the current arguments, move by move in the order of :data:`MOVES`."""
    groups = _groups(arguments)
    for move in (_unreachable, _drop_actions, _drop_states, _simpler_numbers_of):
        for group in groups:
            yield from move(arguments, group)
        if move is _simpler_numbers_of:
            yield from _simpler_scalars(arguments, domains, ordered)


def _in_domain(candidate: Mapping[str, Any], current: Mapping[str, Any], domains: Mapping[str, Enumeration]) -> bool:
    """Whether every changed argument is still one its strategy can draw."""
    for name, enum in domains.items():
        changed = name in candidate and candidate[name] is not current.get(name)
        if changed and enum.contains is not None and not enum.contains(candidate[name]):
            return False
    return True


def _fails(still_fails: Callable[[dict[str, Any]], Any], candidate: dict[str, Any]) -> bool:
    try:
        result = still_fails(candidate)
    except Exception:  # noqa: BLE001 - a candidate on which the claim breaks is not kept
        return False
    return result is True or (isinstance(result, np.bool_) and bool(result))


def reduce_counterexample(
    arguments: Mapping[str, Any],
    still_fails: Callable[[dict[str, Any]], bool],
    *,
    strategies: Mapping[str, SearchStrategy] | None = None,
    ordered: Sequence[Sequence[str]] = (),
) -> Reduction:
    """Reduce failing ``arguments`` by the moves of the module docstring while
    ``still_fails(candidate)`` is True, to a fixed point.

    ``strategies`` (the conjecture's, optional) lets numbers that are not in an MDP be
    simplified within their strategy's domain and keeps every candidate in it; ``ordered``
    (groups of argument names, e.g. ``conjecture.ordered``) keeps those groups strictly
    increasing. ``still_fails`` should return True when the claim still fails on the candidate
    (a candidate on which it raises is not kept). Returns a :class:`Reduction`; the input is not
    changed.

    >>> from theory.examples import two_state
    >>> reduce_counterexample({"mdp": two_state()}, lambda args: True).arguments["mdp"]
    FiniteMDP(exact, S=1, A=1, discount=0, rewards=['true', 'proxy'])
    """
    if not isinstance(arguments, Mapping) or not all(isinstance(k, str) for k in arguments):
        raise InvalidArgument(f"arguments is {type(arguments).__name__}, not a mapping of argument names to values")
    if not callable(still_fails):
        raise InvalidArgument(f"still_fails is {still_fails!r}, not a callable")
    groups = [tuple(g) for g in ordered]
    domains = _domains(strategies)
    current, moves, tried = dict(arguments), [], 0
    while True:
        for line, build in _candidates(current, domains, groups):
            try:
                candidate = build()
            except (DeconfuseError, ValueError):
                continue  # not a valid MDP or policy: skipped
            if not _in_domain(candidate, current, domains):
                continue
            tried += 1
            if _fails(still_fails, candidate):
                current = candidate
                moves.append(line)
                break
        else:
            return Reduction(current, tuple(moves), tried)


def describe_reduction(reduction: Reduction) -> str:
    """One line: the moves applied (the first three), the candidates tried, and the moves under
    which the result is minimal.

    >>> describe_reduction(Reduction({}, (), 0))
    'no move applied, 0 candidates tried; minimal under the moves: drop unreachable states, drop actions, drop states, simpler numbers'
    """
    if not isinstance(reduction, Reduction):
        raise InvalidArgument(f"reduction is {type(reduction).__name__}, not a Reduction")
    moves = reduction.moves
    if not moves:
        head = "no move applied"
    else:
        shown = "; ".join(moves[:3]) + (f"; and {len(moves) - 3} more" if len(moves) > 3 else "")
        head = f"reduced in {len(moves)} move{'s' if len(moves) > 1 else ''} ({shown})"
    return f"{head}, {reduction.tried} candidates tried; minimal under the moves: {', '.join(MOVES)}"
