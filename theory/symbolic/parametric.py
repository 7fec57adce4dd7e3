r"""The parametric MDP: a finite MDP whose numbers are rational functions of named parameters.

:class:`ParametricMDP` is validated exactly at construction (:mod:`theory.symbolic.entries`);
:func:`from_mdp` wraps an exact :class:`~theory.mdp.FiniteMDP`, :func:`affine_family` is the
segment between two of them, :func:`fix` substitutes some parameters and :func:`substitute`
all of them, giving a FiniteMDP in exact Fractions.

Source: the parametric MDPs of sensitivity analysis (Puterman 1994, sec. 6; Kosoy 2018).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Callable

import numpy as np
import sympy
from sympy import QQ

from theory.errors import InvalidArgument, InvalidMDP
from theory.mdp import FiniteMDP, default_objective
from theory.numbers import parse_number
from theory.symbolic.algebraic import fraction_of, sympy_rational
from theory.symbolic.entries import check_entry, check_params, read_array, to_element, to_expression
from theory.validation import (
    check_horizon,
    check_instance,
    check_labels,
    check_observations,
    check_reward_names,
    label_index,
)

__all__ = ["ParametricMDP", "from_mdp", "affine_family", "parameter_point", "fix", "substitute"]


@dataclasses.dataclass(frozen=True, eq=False)
class ParametricMDP:
    r"""A finite MDP whose numbers are rational functions of named parameters.

    Fields (S states, A actions; the shapes of :class:`~theory.mdp.FiniteMDP`):

    - ``states``, ``actions``: distinct string labels.
    - ``transitions``: (S, A, S), ``rewards``: name -> (S, A), ``initial``: (S,): entries are
      sympy expressions (or ints, Fractions, strings sympy can read) that are *rational
      functions with rational coefficients* of the parameters; floats are refused.
    - exactly one of ``discount`` (an expression, possibly in a parameter) and ``horizon``.
    - ``params``: name -> (lo, hi), the closed interval of each parameter, exact rationals
      with lo <= hi. Symbols are matched by name; the stored expressions use the plain
      ``sympy.Symbol(name)`` (:meth:`symbol`).
    - ``observations``, ``features``: passed unchanged to :func:`substitute`.

    Derived at construction (not arguments): ``domain``, the field :math:`\mathbb{Q}` or
    :math:`\mathbb{Q}(\theta_1, \dots, \theta_k)` of the entries; ``successors[s][a]``, the
    pairs (s', P(s'|s, a)) with a non-zero probability; ``reward_elements[name][s][a]``,
    ``initial_elements[s]`` and ``discount_element`` (None with a horizon): the entries as
    elements of ``domain``, what :mod:`theory.symbolic.values` computes with.

    Validation at construction, exact, over the box of parameter ranges; refusals raise
    :class:`~theory.errors.InvalidMDP` naming the entry, the expression and a parameter value
    where it fails:

    - every transition row and ``initial`` sums to 1 *identically* (as rational functions);
    - every probability is >= 0, every entry has no pole, and the discount is in [0, 1), on
      the whole range. For an entry depending on **one** parameter this is exact: the real
      roots of its numerator and denominator in the interval are isolated exactly and the sign
      is tested at the ends and at a rational point between consecutive roots. For an entry
      depending on **k >= 2** parameters it is exact along each parameter's interval with the
      others fixed at the ``GRID_POINTS`` evenly spaced points of their intervals: a grid, not
      a proof. (:func:`fix` and :func:`substitute` validate again what they produce.)

    Source: the parametric MDPs of sensitivity analysis (Puterman 1994, sec. 6; Kosoy 2018).

    Examples
    --------
    >>> import sympy
    >>> p = sympy.Symbol("p")
    >>> m = ParametricMDP(states=["s0", "s1"], actions=["go"],
    ...     transitions=[[[1 - p, p]], [[0, 1]]], rewards={"true": [[0], [1]]},
    ...     initial=[1, 0], discount=sympy.Rational(1, 2), params={"p": (0, 1)})
    >>> m
    ParametricMDP(S=2, A=1, discount=1/2, params={p: [0, 1]}, rewards=['true'])
    >>> ParametricMDP(states=["s0", "s1"], actions=["go"],
    ...     transitions=[[[1 - 2 * p, 2 * p]], [[0, 1]]], rewards={"true": [[0], [1]]},
    ...     initial=[1, 0], discount=sympy.Rational(1, 2), params={"p": (0, 1)})
    Traceback (most recent call last):
    ...
    theory.errors.InvalidMDP: transitions['s0', 'go', 's0'] = 1 - 2*p is negative at p = 2/3 (where it is -1/3)
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    transitions: np.ndarray
    rewards: Mapping[str, np.ndarray]
    initial: np.ndarray
    discount: Any = None
    horizon: int | None = None
    params: Mapping[str, tuple[Fraction, Fraction]] = dataclasses.field(default_factory=dict)
    observations: tuple[str, ...] | None = None
    features: Any = None
    # -- derived at construction (see the docstring)
    domain: Any = dataclasses.field(init=False, repr=False)
    successors: tuple[tuple[tuple[tuple[int, Any], ...], ...], ...] = dataclasses.field(init=False, repr=False)
    reward_elements: Mapping[str, tuple[tuple[Any, ...], ...]] = dataclasses.field(init=False, repr=False)
    initial_elements: tuple[Any, ...] = dataclasses.field(init=False, repr=False)
    discount_element: Any = dataclasses.field(init=False, repr=False)
    _symbols: Mapping[str, sympy.Symbol] = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        set_ = functools.partial(object.__setattr__, self)
        set_("states", check_labels(self.states, "states", InvalidMDP))
        set_("actions", check_labels(self.actions, "actions", InvalidMDP))
        set_("params", check_params(self.params))
        set_("_symbols", MappingProxyType({name: sympy.Symbol(name) for name in self.params}))
        set_("domain", QQ.frac_field(*self._symbols.values()) if self._symbols else QQ)
        t_elems, r_elems, mu_elems = self._read_tables()
        gamma = self._read_time()
        if self.observations is not None:
            set_("observations", check_observations(self.observations, self.states, InvalidMDP))
        self._check_sums(t_elems, mu_elems)
        self._check_ranges(t_elems, r_elems, mu_elems, gamma)
        S, A = self.S, self.A
        set_("successors", tuple(
            tuple(tuple((j, t_elems[s, a, j]) for j in range(S) if t_elems[s, a, j]) for a in range(A))
            for s in range(S)
        ))
        set_("reward_elements", MappingProxyType(
            {k: tuple(tuple(v[s, a] for a in range(A)) for s in range(S)) for k, v in r_elems.items()}
        ))
        set_("initial_elements", tuple(mu_elems))
        set_("discount_element", gamma)

    # -- the checks of __post_init__ ----------------------------------------------------------

    def _read(self, values: Any, shape: tuple[int, ...], field: str, labels: tuple) -> tuple[np.ndarray, np.ndarray]:
        return read_array(values, shape, field, labels, self._symbols, self.domain)

    def _read_tables(self) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
        """Read transitions, rewards and initial as expressions (stored) and field elements (returned)."""
        states, actions = self.states, self.actions
        S, A = len(states), len(actions)
        transitions, t_elems = self._read(self.transitions, (S, A, S), "transitions", (states, actions, states))
        object.__setattr__(self, "transitions", transitions)
        rewards, r_elems = {}, {}
        for name, values in check_reward_names(self.rewards, InvalidMDP).items():
            rewards[name], r_elems[name] = self._read(values, (S, A), f"rewards[{name!r}]", (states, actions))
        object.__setattr__(self, "rewards", MappingProxyType(rewards))
        initial, mu_elems = self._read(self.initial, (S,), "initial", (states,))
        object.__setattr__(self, "initial", initial)
        return t_elems, r_elems, mu_elems

    def _read_time(self) -> Any:
        """Exactly one of discount and horizon; the discount's field element (None with a horizon)."""
        if (self.discount is None) == (self.horizon is None):
            raise InvalidMDP(f"discount is {self.discount!r} and horizon is {self.horizon!r}; give exactly one")
        if self.discount is None:
            object.__setattr__(self, "horizon", check_horizon(self.horizon, error=InvalidMDP))
            return None
        disc = to_expression(self.discount, "discount", self._symbols)
        gamma = to_element(disc, "discount", self.domain)
        object.__setattr__(self, "discount", disc)
        return gamma

    def _check_sums(self, t_elems: np.ndarray, mu_elems: np.ndarray) -> None:
        """Every transition row and the initial distribution sum to 1 identically."""
        domain = self.domain
        for s in range(self.S):
            for a in range(self.A):
                total = sum(t_elems[s, a], domain.zero)
                if total != domain.one:
                    raise InvalidMDP(
                        f"transitions{label_index((self.states, self.actions), s, a)} sums to "
                        f"{domain.to_sympy(total)}, not 1 identically"
                    )
        total = sum(mu_elems, domain.zero)
        if total != domain.one:
            raise InvalidMDP(f"initial sums to {domain.to_sympy(total)}, not 1 identically")

    def _check_ranges(
        self, t_elems: np.ndarray, r_elems: Mapping[str, np.ndarray], mu_elems: np.ndarray, gamma: Any
    ) -> None:
        """Signs and poles of every entry over the box of parameter ranges (:func:`check_entry`)."""
        states, actions, box = self.states, self.actions, dict(self.params)
        check = functools.partial(check_entry, symbols=self._symbols, box=box)
        for index in np.ndindex(self.S, self.A, self.S):
            where = f"transitions{label_index((states, actions, states), *index)}"
            check(self.transitions[index], t_elems[index], where, kind="probability")
        for name, table in self.rewards.items():
            for index in np.ndindex(self.S, self.A):
                where = f"rewards[{name!r}]{label_index((states, actions), *index)}"
                check(table[index], r_elems[name][index], where, kind="finite")
        for s in range(self.S):
            check(self.initial[s], mu_elems[s], f"initial{label_index((states,), s)}", kind="probability")
        if gamma is not None:
            check(self.discount, gamma, "discount", kind="discount")

    # -- properties ------------------------------------------------------------------------

    @property
    def S(self) -> int:
        """Number of states."""
        return len(self.states)

    @property
    def A(self) -> int:
        """Number of actions."""
        return len(self.actions)

    @property
    def reward_names(self) -> tuple[str, ...]:
        """The names of the reward functions."""
        return tuple(self.rewards)

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        """The parameter symbols, in the order of ``params``."""
        return tuple(self._symbols.values())

    def symbol(self, name: str) -> sympy.Symbol:
        """The symbol of parameter ``name`` (the plain ``sympy.Symbol(name)``).

        >>> from theory.examples import two_state
        >>> affine_family(two_state(), two_state(), "t").symbol("t")
        t
        """
        if name not in self._symbols:
            raise InvalidArgument(f"parameter {name!r} is not one of {list(self.params)}")
        return self._symbols[name]

    def default_objective(self) -> str:
        """"proxy" when present, else the only reward; an error when ambiguous."""
        return default_objective(self.rewards)

    def replace(self, **changes: Any) -> "ParametricMDP":
        """A copy with some fields changed, validated again."""
        return dataclasses.replace(self, **changes)

    def __repr__(self) -> str:
        time = f"discount={self.discount}" if self.horizon is None else f"horizon={self.horizon}"
        ranges = ", ".join(f"{k}: [{lo}, {hi}]" for k, (lo, hi) in self.params.items())
        return f"ParametricMDP(S={self.S}, A={self.A}, {time}, params={{{ranges}}}, rewards={list(self.rewards)})"


# =============================================================================================
# Construction helpers and substitution
# =============================================================================================


def from_mdp(mdp: FiniteMDP) -> ParametricMDP:
    """The exact FiniteMDP ``mdp`` as a ParametricMDP without parameters.

    >>> from theory.examples import two_state
    >>> from_mdp(two_state()).discount
    9/10
    """
    check_instance(mdp, FiniteMDP, "mdp")
    if not mdp.exact:
        raise InvalidArgument("mdp is float; convert it with to_exact() first")
    return ParametricMDP(
        states=mdp.states, actions=mdp.actions, transitions=mdp.transitions,
        rewards=dict(mdp.rewards), initial=mdp.initial, discount=mdp.discount,
        horizon=mdp.horizon, params={}, observations=mdp.observations, features=mdp.features,
    )


def affine_family(
    mdp0: FiniteMDP, mdp1: FiniteMDP, name: str = "t", lo: Any = 0, hi: Any = 1
) -> ParametricMDP:
    r"""The segment between two exact MDPs: every number is :math:`(1 - t)\,x_0 + t\,x_1`.

    ``mdp0`` and ``mdp1`` must have the same states, actions, reward names and kind of time
    (both discounted, or the same horizon). For t in [0, 1] every member is a valid MDP (a
    convex combination); another range is validated like any ParametricMDP. Observations and
    features are those of ``mdp0``. Builders whose numbers are affine in a parameter (a slip
    probability, a reward magnitude) are exactly such segments.

    Source: mixtures of dynamics as in DESIGN.md's shifts; Puterman (1994), sec. 6.

    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> m.discount
    9/10 - 9*t/10
    """
    for i, m in enumerate((mdp0, mdp1)):
        if not isinstance(m, FiniteMDP) or not m.exact:
            raise InvalidArgument(f"mdp{i} is not an exact FiniteMDP")
    if mdp0.states != mdp1.states or mdp0.actions != mdp1.actions:
        raise InvalidArgument("mdp0 and mdp1 have different states or actions")
    if list(mdp0.rewards) != list(mdp1.rewards):
        raise InvalidArgument(f"mdp0 has rewards {list(mdp0.rewards)} but mdp1 has {list(mdp1.rewards)}")
    if (mdp0.horizon is None) != (mdp1.horizon is None) or mdp0.horizon != mdp1.horizon:
        raise InvalidArgument("mdp0 and mdp1 differ in horizon / discount kind")
    t = sympy.Symbol(name) if isinstance(name, str) and name.isidentifier() else None
    if t is None:
        raise InvalidArgument(f"name is {name!r}, not an identifier")

    def mix(x0: Any, x1: Any) -> sympy.Expr:
        a, b = sympy_rational(Fraction(x0)), sympy_rational(Fraction(x1))
        return a if a == b else a + (b - a) * t

    mix_array = np.frompyfunc(mix, 2, 1)
    discount = None if mdp0.discount is None else mix(mdp0.discount, mdp1.discount)
    return ParametricMDP(
        states=mdp0.states, actions=mdp0.actions,
        transitions=mix_array(mdp0.transitions, mdp1.transitions),
        rewards={k: mix_array(v, mdp1.rewards[k]) for k, v in mdp0.rewards.items()},
        initial=mix_array(mdp0.initial, mdp1.initial),
        discount=discount, horizon=mdp0.horizon, params={name: (lo, hi)},
        observations=mdp0.observations, features=mdp0.features,
    )


def parameter_point(pmdp: ParametricMDP, values: Mapping[str, Any], what: str) -> dict[str, Fraction]:
    """Exact parameter values, each a parameter of ``pmdp`` within its range (``what`` names
    the caller in the message of an unknown name).

    >>> from theory.examples import two_state
    >>> parameter_point(affine_family(two_state(), two_state(), "t"), {"t": "1/2"}, "fix")
    {'t': Fraction(1, 2)}
    """
    out = {}
    for name, value in values.items():
        if name not in pmdp.params:
            known = ", ".join(pmdp.params) or "none"
            raise InvalidArgument(f"{what}: {name!r} is not a parameter (params: {known})")
        v = parse_number(value, name)
        lo, hi = pmdp.params[name]
        if not lo <= v <= hi:
            raise InvalidArgument(f"{name} = {v} is outside params[{name!r}] = [{lo}, {hi}]")
        out[name] = v
    return out


def fix(pmdp: ParametricMDP, /, **values: Any) -> ParametricMDP:
    """Substitute exact values for some parameters; the others stay symbolic (validated again).

    >>> import sympy
    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> fix(m, t="1/3").discount, fix(m, t="1/3").params
    (3/5, mappingproxy({}))
    """
    point = parameter_point(pmdp, values, "fix")
    sub = {pmdp.symbol(n): sympy_rational(v) for n, v in point.items()}
    fx = np.frompyfunc(lambda e: e.xreplace(sub), 1, 1)
    return pmdp.replace(
        transitions=fx(pmdp.transitions),
        rewards={k: fx(v) for k, v in pmdp.rewards.items()},
        initial=fx(pmdp.initial),
        discount=None if pmdp.discount is None else pmdp.discount.xreplace(sub),
        params={n: r for n, r in pmdp.params.items() if n not in point},
    )


def _evaluator(pmdp: ParametricMDP, point: Mapping[str, Fraction]) -> Callable[[Any], Fraction]:
    """A function elem -> Fraction evaluating a field element at the point."""
    if not pmdp.params:
        return fraction_of
    vals = [QQ(point[n].numerator, point[n].denominator) for n in pmdp.params]

    def ev(elem: Any) -> Fraction:
        return fraction_of(elem.numer(*vals)) / fraction_of(elem.denom(*vals))

    return ev


def substitute(pmdp: ParametricMDP, /, **values: Any) -> FiniteMDP:
    """The exact FiniteMDP at a point: every parameter given an exact value in its range.

    Values are ints, Fractions, "p/q" strings or sympy Rationals (a float is read as its
    shortest decimal, as :func:`theory.numbers.parse_number` does). Use :func:`fix` to
    substitute only some parameters.

    >>> from theory.examples import two_state
    >>> m = affine_family(two_state(), two_state().replace(discount=0), "t")
    >>> substitute(m, t=0) == two_state(), substitute(m, t="1/3").discount
    (True, Fraction(3, 5))
    """
    point = parameter_point(pmdp, values, "substitute")
    missing = [n for n in pmdp.params if n not in point]
    if missing:
        raise InvalidArgument(
            f"substitute needs a value for every parameter; {missing[0]!r} is missing "
            "(use fix() for a partial substitution)"
        )
    ev = _evaluator(pmdp, point)
    S, A = pmdp.S, pmdp.A
    transitions = np.full((S, A, S), Fraction(0), dtype=object)
    for s, row in enumerate(pmdp.successors):
        for a, succ in enumerate(row):
            for j, p in succ:
                transitions[s, a, j] = ev(p)
    rewards = {}
    for name, table in pmdp.reward_elements.items():
        arr = np.empty((S, A), dtype=object)
        for s in range(S):
            for a in range(A):
                arr[s, a] = ev(table[s][a])
        rewards[name] = arr
    initial = np.empty(S, dtype=object)
    for s in range(S):
        initial[s] = ev(pmdp.initial_elements[s])
    return FiniteMDP(
        states=pmdp.states, actions=pmdp.actions, transitions=transitions, rewards=rewards,
        initial=initial, discount=None if pmdp.discount_element is None else ev(pmdp.discount_element),
        horizon=pmdp.horizon, observations=pmdp.observations, features=pmdp.features,
    )
