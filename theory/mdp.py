"""FiniteMDP: an immutable, validated finite Markov decision process, exact or float."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np

from theory.display import mdp_html
from theory.errors import InvalidArgument, InvalidMDP
from theory.numbers import (
    decimal_text,
    format_number,
    parse_number,
    to_exact_array,
    to_float_array,
)
from theory.sparse import SparseTransitions
from theory.validation import (
    check_array,
    check_discount,
    check_distribution_rows,
    check_enabled,
    check_finite,
    check_horizon,
    check_known_reward,
    check_labels,
    check_observations,
    check_reward_names,
    check_sparse_rows,
    label_index,
    show_value,
)

__all__ = ["FiniteMDP", "default_objective"]


@dataclasses.dataclass(frozen=True, eq=False)
class FiniteMDP:
    r"""A finite MDP :math:`(S, A, P, \{R_k\}, \mu_0, \gamma \text{ or } H)`.

    Fields (shapes with S states and A actions):

    - ``states``: S distinct string labels; ``actions``: A distinct string labels.
    - ``transitions``: P(s' | s, a), given as a dense (S, A, S) array, as per-row mappings
      ``{(s, a): {s': p}}`` (indices; a row not given is empty) or as a
      :class:`~theory.sparse.SparseTransitions`. It is **stored sparse**, as ``sparse`` (a CSR
      matrix of shape (S·A, S)); ``transitions`` reads back the dense (S, A, S) view, built on
      first use and cached, for models of at most :data:`theory.sparse.DENSE_LIMIT` entries
      (solvers, evaluation and agents use ``sparse`` beyond small models). A dense array given
      with every action enabled is kept as given, and its sparse form built on first use. Every enabled action's row is a
      distribution (exactly, or within ``FLOAT_TOLERANCE`` for floats).
    - ``enabled``: optional (S, A) bools, or ``{state: [actions]}``, the actions available in
      each state (default: all). A disabled action has no transition row and reward 0; every
      state has at least one enabled action.
    - ``rewards``: a mapping name -> (S, A) array of expected immediate rewards r(s, a); at least
      one. By convention ``"true"`` is the intended reward and ``"proxy"`` the one an agent is
      told to optimise.
    - ``initial``: (S,), the distribution of the first state (for a one-shot problem: the
      context distribution).
    - exactly one of ``discount`` in [0, 1) (infinite horizon, return
      :math:`\sum_t \gamma^t r_t`) or ``horizon`` H >= 1 (undiscounted return over H steps).
    - ``observations``: optional (S,) string labels, what an amortised agent sees of a state
      (default: the state label); ``features``: optional (S, k) float coordinates.

    The MDP is *exact* when its numbers are ``fractions.Fraction`` (object arrays) and *float*
    when they are float64; a model is one kind throughout. Validation runs once, here, and
    raises :class:`~theory.errors.InvalidMDP` naming the field, the labels and the value.
    Nothing is renormalised or clipped.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> mdp = FiniteMDP(
    ...     states=["s0", "s1"], actions=["stay", "go"],
    ...     transitions=[[[1, 0], [0, 1]], [[0, 1], [1, 0]]],
    ...     rewards={"true": [[0, 0], [1, 0]]}, initial=[1, 0], discount=F(1, 2))
    >>> mdp.exact, mdp.S, mdp.A
    (True, 2, 2)
    >>> FiniteMDP(states=["s0"], actions=["a"], transitions=[[["9/10"]]],
    ...           rewards={"true": [[0]]}, initial=[1], discount=F(1, 2))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidMDP: transitions['s0', 'a'] sums to 9/10, not 1
    """

    states: tuple[str, ...]
    actions: tuple[str, ...]
    transitions: Any
    rewards: Mapping[str, np.ndarray]
    initial: np.ndarray
    discount: Fraction | float | None = None
    horizon: int | None = None
    observations: tuple[str, ...] | None = None
    features: np.ndarray | None = None
    enabled: Any = None

    def __post_init__(self) -> None:
        states = check_labels(self.states, "states", InvalidMDP)
        actions = check_labels(self.actions, "actions", InvalidMDP)
        S, A = len(states), len(actions)
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("states", states)
        set_("actions", actions)
        enabled = check_enabled(self.enabled, states, actions, InvalidMDP)
        set_("enabled", enabled)

        stored = _stored_transitions(self.__dict__.pop("transitions"), S, A, enabled)
        labels = (states, actions, states)
        if isinstance(stored, SparseTransitions):
            check_sparse_rows(stored, enabled, "transitions", labels, InvalidMDP)
            self.__dict__["_sparse"] = stored
            exact = stored.exact
        else:  # a dense array with every action enabled: checked and kept as given
            check_distribution_rows(stored, "transitions", labels, InvalidMDP)
            self.__dict__["transitions"] = stored
            exact = stored.dtype == object

        check_reward_names(self.rewards, InvalidMDP)
        rewards: dict[str, np.ndarray] = {}
        for name, values in self.rewards.items():
            field = f"rewards[{name!r}]"
            arr = check_array(values, (S, A), exact, field, InvalidMDP)
            check_finite(arr, field, (states, actions), InvalidMDP)
            _check_disabled_rewards(arr, enabled, field, states, actions)
            rewards[name] = arr
        set_("rewards", MappingProxyType(rewards))

        initial = check_array(self.initial, (S,), exact, "initial", InvalidMDP)
        check_distribution_rows(initial, "initial", (states,), InvalidMDP)
        set_("initial", initial)

        if (self.discount is None) == (self.horizon is None):
            raise InvalidMDP(
                f"discount is {show_value(self.discount)} and horizon is {self.horizon!r}; give exactly one"
            )
        if self.discount is not None:
            set_("discount", check_discount(self.discount, exact, error=InvalidMDP))
        else:
            set_("horizon", check_horizon(self.horizon, error=InvalidMDP))

        if self.observations is not None:
            set_("observations", check_observations(self.observations, states, InvalidMDP))
        if self.features is not None:
            try:
                feats = np.array(np.asarray(self.features, dtype=object).tolist(), dtype=np.float64)
            except (TypeError, ValueError):
                raise InvalidMDP("features holds non-numeric entries") from None
            if feats.ndim != 2 or feats.shape[0] != S:
                raise InvalidMDP(f"features has shape {feats.shape}, expected ({S}, k)")
            check_finite(feats, "features", (states, [str(i) for i in range(feats.shape[1])]), InvalidMDP)
            feats.setflags(write=False)
            set_("features", feats)

    # -- basic properties ---------------------------------------------------------------

    @property
    def S(self) -> int:
        """Number of states."""
        return len(self.states)

    @property
    def A(self) -> int:
        """Number of actions."""
        return len(self.actions)

    @property
    def sparse(self) -> SparseTransitions:
        """The transitions as a :class:`~theory.sparse.SparseTransitions` (CSR, shape (S·A, S)):
        stored, or built once from the dense array the model was given."""
        stored = self.__dict__.get("_sparse")
        if stored is None:
            stored = SparseTransitions.from_dense(self.__dict__["transitions"])
            self.__dict__["_sparse"] = stored
        return stored

    @property
    def dense_stored(self) -> bool:
        """True when the dense (S, A, S) array exists (given as such, or built by reading
        ``transitions``): the float solvers then use it rather than the sparse form."""
        return "transitions" in self.__dict__

    @property
    def exact(self) -> bool:
        """True for an exact (Fraction) model, False for float64."""
        stored = self.__dict__.get("_sparse")
        return stored.exact if stored is not None else self.__dict__["transitions"].dtype == object

    @property
    def all_enabled(self) -> bool:
        """True when every action is enabled in every state."""
        return bool(self.enabled.all())

    def enabled_actions(self, s: int) -> list[int]:
        """The indices of the actions enabled in state ``s``."""
        return np.flatnonzero(self.enabled[s]).tolist()

    @property
    def finite_horizon(self) -> bool:
        """True when the model has a horizon rather than a discount."""
        return self.horizon is not None

    @property
    def observation_labels(self) -> tuple[str, ...]:
        """What an amortised agent sees of each state (the state labels by default)."""
        return self.observations if self.observations is not None else self.states

    @property
    def reward_names(self) -> tuple[str, ...]:
        """The names of the reward functions, in insertion order."""
        return tuple(self.rewards)

    def state_index(self, label: str) -> int:
        """Index of a state label; InvalidArgument naming the label when unknown."""
        return _lookup(self.states, label, "state")

    def action_index(self, label: str) -> int:
        """Index of an action label; InvalidArgument naming the label when unknown."""
        return _lookup(self.actions, label, "action")

    def reward(self, name: str) -> np.ndarray:
        """The (S, A) reward array called ``name``; a clear error naming the known ones."""
        return self.rewards[check_known_reward(name, self.rewards)]

    def default_objective(self) -> str:
        """"proxy" when present, else the only reward; an error when it is ambiguous."""
        return default_objective(self.rewards)

    # -- conversions ----------------------------------------------------------------------

    def replace(self, **changes: Any) -> "FiniteMDP":
        """A copy with some fields changed, validated again (the transitions passed on in the
        form stored: sparse, or the dense array given)."""
        fields = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "transitions"}
        fields["transitions"] = self.__dict__.get("_sparse", self.__dict__.get("transitions"))
        fields.update(changes)
        return FiniteMDP(**fields)

    def to_float(self) -> "FiniteMDP":
        """The float64 version of this model (itself if already float). An exact number that
        float64 cannot hold (a reward of 10**400, a discount so close to 1 that it rounds to
        1.0) raises :class:`~theory.errors.InvalidMDP` naming the entry; nothing is clipped.

        >>> from theory.examples import two_state
        >>> two_state().to_float().discount
        0.9
        >>> m = two_state()
        >>> m.replace(rewards={"true": [[10**400, 0], [0, 0]]}).to_float()
        Traceback (most recent call last):
        ...
        theory.errors.InvalidMDP: rewards['true']['s0', 'stay'] is about 1e+400, too large for float64
        """
        if not self.exact:
            return self
        discount = None
        if self.discount is not None:
            discount = float(self.discount)
            if discount >= 1:
                raise InvalidMDP(
                    f"discount is 1 - {decimal_text(1 - self.discount)} exactly, which float64 rounds to 1.0; "
                    "a float model needs a discount below 1"
                )
        labels = (self.states, self.actions, self.states)
        return self.replace(
            transitions=self.sparse.to_float(),
            rewards={k: _float_table(v, f"rewards[{k!r}]", labels[:2]) for k, v in self.rewards.items()},
            initial=_float_table(self.initial, "initial", labels[:1]),
            discount=discount,
        )

    def to_exact(self, max_denominator: int | None = None) -> "FiniteMDP":
        """The exact version of this model: each float becomes the shortest decimal that
        round-trips (0.1 -> 1/10), or with ``max_denominator`` the nearest fraction with a
        bounded denominator (1/3 comes back as 1/3). If the converted numbers break an exact
        constraint (a row no longer sums to 1) the validation error is raised; nothing is fixed.

        >>> from theory.examples import two_state
        >>> two_state().to_float().to_exact() == two_state()
        True
        """
        if self.exact:
            return self
        conv = lambda arr, field: to_exact_array(arr, max_denominator, field)  # noqa: E731
        transitions = self.sparse.with_data(conv(self.sparse.data, "transitions"))  # first: it checks max_denominator
        discount = None
        if self.discount is not None:
            discount = parse_number(float(self.discount), "discount")
            if max_denominator is not None:
                discount = Fraction(float(self.discount)).limit_denominator(max_denominator)
        return self.replace(
            transitions=transitions,
            rewards={k: conv(v, f"rewards[{k!r}]") for k, v in self.rewards.items()},
            initial=conv(self.initial, "initial"),
            discount=discount,
        )

    # -- equality ---------------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FiniteMDP):
            return NotImplemented
        if (
            self.states != other.states
            or self.actions != other.actions
            or self.exact != other.exact
            or self.discount != other.discount
            or self.horizon != other.horizon
            or self.observations != other.observations
            or list(self.rewards) != list(other.rewards)
            or not np.array_equal(self.enabled, other.enabled)
        ):
            return False
        if (self.features is None) != (other.features is None):
            return False
        if self.features is not None and not np.array_equal(self.features, other.features):
            return False
        return (
            _same_transitions(self.sparse, other.sparse)
            and np.array_equal(self.initial, other.initial)
            and all(np.array_equal(v, other.rewards[k]) for k, v in self.rewards.items())
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "float"
        time = f"discount={format_number(self.discount)}" if self.discount is not None else f"horizon={self.horizon}"
        return (
            f"FiniteMDP({kind}, S={self.S}, A={self.A}, {time}, rewards={list(self.rewards)})"
        )

    def _repr_html_(self) -> str:
        """The HTML shown in Jupyter: :func:`theory.display.mdp_html` (the summary, and the
        transition and reward tables of a model of at most ``DISPLAY_LIMIT`` state-action pairs)."""
        return mdp_html(self)

    # -- cached structure used by solvers -------------------------------------------------

    @cached_property
    def successors(self) -> tuple[tuple[tuple[tuple[int, Any], ...], ...], ...]:
        """Sparse view: ``successors[s][a]`` = ((s', P(s'|s,a)), ...) over non-zero entries
        (empty for a disabled action)."""
        P = self.sparse
        ptr, cols, data = P.indptr.tolist(), P.indices.tolist(), P.data.tolist()
        A = self.A
        return tuple(
            tuple(
                tuple((j, p) for j, p in zip(cols[ptr[s * A + a]:ptr[s * A + a + 1]], data[ptr[s * A + a]:ptr[s * A + a + 1]])
                      if p != 0)
                for a in range(A)
            )
            for s in range(self.S)
        )


class _DenseView:
    """``FiniteMDP.transitions``: the dense (S, A, S) array of the stored sparse transitions,
    built on first read and cached on the instance (read-only); refused beyond
    :data:`theory.sparse.DENSE_LIMIT` entries with a one-line error."""

    def __get__(self, mdp: Any, owner: type) -> Any:
        if mdp is None:
            return self
        try:
            dense = mdp.sparse.dense()
        except InvalidArgument as exc:
            raise InvalidArgument(f"transitions: {exc}") from None
        dense.setflags(write=False)
        mdp.__dict__["transitions"] = dense
        return dense


FiniteMDP.transitions = _DenseView()  # type: ignore[assignment]  # after the dataclass: not a default


def _stored_transitions(given: Any, S: int, A: int, enabled: np.ndarray) -> SparseTransitions | np.ndarray:
    """The transitions as given (dense array, ``{(s, a): {s': p}}`` or SparseTransitions) in
    the form stored: sparse, or a dense array kept as given when every action is enabled
    (its sparse form is built on first use); shapes checked, numbers of one kind."""
    if isinstance(given, SparseTransitions):
        if (given.S, given.A) != (S, A):
            raise InvalidMDP(f"transitions has shape {given.shape}, expected {(S, A, S)}")
        return given
    if isinstance(given, Mapping):
        return _rows_transitions(given, S, A)
    dense = check_array(given, (S, A, S), None, "transitions", InvalidMDP)
    return dense if enabled.all() else SparseTransitions.from_dense(dense)


def _rows_transitions(rows: Mapping[Any, Any], S: int, A: int) -> SparseTransitions:
    """``{(s, a): {s': p}}`` (indices) to sparse transitions: the indices checked and the
    numbers read as one kind here, the rows assembled by :meth:`SparseTransitions.from_entries`."""
    cells: list[tuple[int, int]] = []
    targets: list[int] = []
    values: list[Any] = []
    for key, dist in rows.items():
        if not (isinstance(key, tuple) and len(key) == 2
                and all(isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in key)
                and 0 <= key[0] < S and 0 <= key[1] < A):
            raise InvalidMDP(f"transitions has row {key!r}, not a pair (s, a) of indices below ({S}, {A})")
        if not isinstance(dist, Mapping):
            raise InvalidMDP(f"transitions[{key!r}] is {type(dist).__name__}, not a mapping {{s': p}}")
        for j, p in dist.items():
            if not (isinstance(j, (int, np.integer)) and not isinstance(j, bool) and 0 <= j < S):
                raise InvalidMDP(f"transitions[{key!r}] has successor {j!r}, not an index below {S}")
            cells.append((int(key[0]), int(key[1])))
            targets.append(int(j))
            values.append(p)
    try:
        data = check_array(values, (len(values),), None, "transitions", InvalidMDP) if values else np.zeros(0)
    except InvalidMDP:
        for k, value in enumerate(values):  # name the entry when one number alone is wrong
            check_array([value], (1,), None, f"transitions[{cells[k]!r}][{targets[k]}]", InvalidMDP)
        raise  # the numbers are fine one by one but mix floats and exact rationals
    return SparseTransitions.from_entries(S, A, [s * A + a for s, a in cells], targets, data)


def _same_transitions(P: SparseTransitions, Q: SparseTransitions) -> bool:
    """Equal transitions, whatever explicit zeros either stores."""
    if P.shape != Q.shape:
        return False
    if P.equals(Q):
        return True
    keep = lambda T: np.flatnonzero(T.data != 0)  # noqa: E731
    kp, kq = keep(P), keep(Q)
    return (np.array_equal(P.row_of_entry[kp], Q.row_of_entry[kq]) and np.array_equal(P.indices[kp], Q.indices[kq])
            and np.array_equal(P.data[kp], Q.data[kq]))


def _check_disabled_rewards(arr: np.ndarray, enabled: np.ndarray, field: str, states: tuple[str, ...],
                            actions: tuple[str, ...]) -> None:
    """A disabled action has no reward: its entry must be 0."""
    bad = np.argwhere(~enabled & (arr != 0))
    if len(bad):
        s, a = (int(i) for i in bad[0])
        raise InvalidMDP(f"{field}{label_index((states, actions), s, a)} is {format_number(arr[s, a])}, but "
                         f"{actions[a]!r} is disabled in {states[s]!r} (a disabled action has no reward)")


def default_objective(rewards: Mapping[str, Any]) -> str:
    """The reward an agent pursues when none is named: "proxy" when present, else the only
    reward; an InvalidArgument when that is ambiguous.

    >>> default_objective({"true": 0, "proxy": 0}), default_objective({"r": 0})
    ('proxy', 'r')
    """
    if "proxy" in rewards:
        return "proxy"
    if len(rewards) == 1:
        return next(iter(rewards))
    known = ", ".join(repr(k) for k in rewards)
    raise InvalidArgument(f"objective is not given and the MDP has no 'proxy' reward ({known}); name one")


def _float_table(arr: np.ndarray, field: str, labels: tuple[tuple[str, ...], ...]) -> np.ndarray:
    """The float64 version of an exact array; InvalidMDP naming the first entry too large."""
    try:
        return to_float_array(arr, field)
    except InvalidArgument:
        for index, x in np.ndenumerate(arr):
            if abs(x) > _FLOAT_MAX:
                raise InvalidMDP(
                    f"{field}{label_index(labels, *index)} is about {decimal_text(x)}, too large for float64"
                ) from None
        raise  # pragma: no cover - some entry overflowed


#: The largest finite float64, exactly.
_FLOAT_MAX = Fraction(np.finfo(np.float64).max)


def _lookup(labels: tuple[str, ...], label: str, what: str) -> int:
    try:
        return labels.index(label)
    except ValueError:
        raise InvalidArgument(f"{what} {label!r} is not one of {list(labels)}") from None
