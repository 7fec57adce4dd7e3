"""Policy: a stochastic Markov policy over a FiniteMDP's states and actions."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from theory.display import policy_html
from theory.errors import InvalidPolicy
from theory.mdp import FiniteMDP
from theory.numbers import format_number
from theory.validation import check_array, check_distribution_rows, check_labels

__all__ = ["Policy", "uniform_rows"]


def uniform_rows(enabled: np.ndarray, exact: bool) -> np.ndarray:
    """(S, A) probabilities uniform over the True entries of each row of ``enabled`` (an MDP's
    mask of enabled actions, or rows of it): Fractions when ``exact``, else float64.

    >>> uniform_rows(np.array([[True, True], [True, False]]), True).tolist()
    [[Fraction(1, 2), Fraction(1, 2)], [Fraction(1, 1), Fraction(0, 1)]]
    """
    S, A = enabled.shape
    if enabled.all():
        return np.full((S, A), Fraction(1, A), dtype=object) if exact else np.full((S, A), 1.0 / A)
    counts = enabled.sum(axis=1)
    if exact:
        weights = np.array([Fraction(1, int(c)) for c in counts], dtype=object)
        return np.where(enabled, weights[:, None], Fraction(0))
    return np.where(enabled, 1.0 / counts[:, None], 0.0)


@dataclasses.dataclass(frozen=True, eq=False)
class Policy:
    """A stochastic Markov policy :math:`\\pi(a \\mid s)`.

    ``probs`` has shape (S, A) for a stationary policy, or (H, S, A) for a time-dependent one
    (``probs[t, s, a]`` = probability of a in s at step t of a finite-horizon MDP). Every row is
    a distribution, exactly (Fractions) or within ``FLOAT_TOLERANCE`` (float64). A deterministic
    policy is a Policy with a single 1 in every row.

    Examples
    --------
    >>> pi = Policy(probs=[[1, 0], ["1/2", "1/2"]], states=["s0", "s1"], actions=["stay", "go"])
    >>> pi.exact, pi.is_deterministic
    (True, False)
    >>> Policy(probs=[[1, 1]], states=["s0"], actions=["a", "b"])
    Traceback (most recent call last):
    ...
    theory.errors.InvalidPolicy: probs['s0'] sums to 2, not 1
    """

    probs: np.ndarray
    states: tuple[str, ...]
    actions: tuple[str, ...]

    def __post_init__(self) -> None:
        states = check_labels(self.states, "states", InvalidPolicy)
        actions = check_labels(self.actions, "actions", InvalidPolicy)
        object.__setattr__(self, "states", states)
        object.__setattr__(self, "actions", actions)
        ndim = np.asarray(self.probs, dtype=object).ndim
        shape = (len(states), len(actions))
        if ndim == 3:
            shape = (len(self.probs),) + shape
        arr = check_array(self.probs, shape, None, "probs", InvalidPolicy)
        if arr.ndim == 3:
            if arr.shape[0] < 1:
                raise InvalidPolicy("probs has no time steps")
            labels: tuple = ([str(t) for t in range(arr.shape[0])], states, actions)
        else:
            labels = (states, actions)
        check_distribution_rows(arr, "probs", labels, InvalidPolicy)
        object.__setattr__(self, "probs", arr)

    # -- constructors -------------------------------------------------------------

    @classmethod
    def uniform(cls, mdp: FiniteMDP) -> "Policy":
        """The uniform random policy over each state's enabled actions, of the MDP's kind.

        >>> from theory.examples import two_state
        >>> Policy.uniform(two_state()).probs[0].tolist()
        [Fraction(1, 2), Fraction(1, 2)]
        >>> m = FiniteMDP(["s0", "s1"], ["stay", "go"], {(0, 0): {0: 1}, (0, 1): {1: 1}, (1, 0): {1: 1}},
        ...               {"true": [[0, 0], [1, 0]]}, [1, 0], discount=Fraction(1, 2), enabled={"s1": ["stay"]})
        >>> Policy.uniform(m).probs[1].tolist()
        [Fraction(1, 1), Fraction(0, 1)]
        """
        return cls(uniform_rows(mdp.enabled, mdp.exact), mdp.states, mdp.actions)

    @classmethod
    def deterministic(cls, mdp: FiniteMDP, choice: Mapping[str, str] | Sequence[int]) -> "Policy":
        """The deterministic policy choosing ``choice[s]`` (action labels by state label, or a
        sequence of action labels or indices by state), of the MDP's kind.

        >>> from theory.examples import two_state
        >>> Policy.deterministic(two_state(), {"s0": "go", "s1": "stay"}).action_labels()
        ('go', 'stay')
        """
        S, A = mdp.S, mdp.A
        if isinstance(choice, Mapping):
            missing = [s for s in mdp.states if s not in choice]
            if missing:
                raise InvalidPolicy(f"choice has no action for state {missing[0]!r}")
            extra = [s for s in choice if s not in mdp.states]
            if extra:
                raise InvalidPolicy(f"choice names the unknown state {extra[0]!r}")
            idx = []
            for s in mdp.states:
                a = choice[s]
                if a not in mdp.actions:
                    raise InvalidPolicy(f"choice[{s!r}] is {a!r}, not one of {list(mdp.actions)}")
                idx.append(mdp.actions.index(a))
        elif isinstance(choice, np.ndarray) and choice.dtype.kind in "iu" and choice.shape == (S,) \
                and choice.size and 0 <= choice.min() and choice.max() < A:
            idx = choice  # action indices already (the solvers' case): checked at once
        else:
            idx = [mdp.actions.index(a) if isinstance(a, str) and a in mdp.actions else a for a in choice]
            if len(idx) != S:
                raise InvalidPolicy(f"choice has {len(idx)} entries, expected {S}")
            for s, a in zip(mdp.states, idx):
                if isinstance(a, bool) or not isinstance(a, (int, np.integer)) or not 0 <= a < A:
                    raise InvalidPolicy(f"choice[{s!r}] is {a!r}, not an action index in [0, {A})")
        idx = np.asarray(idx, dtype=np.int64)
        off = np.flatnonzero(~mdp.enabled[np.arange(S), idx])
        if len(off):
            s = mdp.states[int(off[0])]
            raise InvalidPolicy(f"choice[{s!r}] is {mdp.actions[int(idx[off[0]])]!r}, which is disabled in {s!r}")
        one, zero = (Fraction(1), Fraction(0)) if mdp.exact else (1.0, 0.0)
        probs = np.empty((S, A), dtype=object if mdp.exact else np.float64)
        probs.fill(zero)
        probs[np.arange(S), idx] = one
        return cls(probs, mdp.states, mdp.actions)

    # -- properties -----------------------------------------------------------------

    @property
    def exact(self) -> bool:
        """True for Fraction probabilities."""
        return self.probs.dtype == object

    @property
    def stationary(self) -> bool:
        """True for a (S, A) policy, False for a time-dependent (H, S, A) one."""
        return self.probs.ndim == 2

    @property
    def is_deterministic(self) -> bool:
        """True when every row puts probability 1 on one action."""
        return bool(np.all((self.probs == 1).sum(axis=-1) == 1))

    def action_labels(self, t: int = 0) -> tuple[str, ...]:
        """For a deterministic policy, the chosen action label of every state (at step t)."""
        rows = self.probs if self.stationary else self.probs[t]
        out = []
        for s, row in zip(self.states, rows):
            ones = np.flatnonzero(row == 1)
            if len(ones) != 1:
                raise InvalidPolicy(f"probs[{s!r}] is not deterministic")
            out.append(self.actions[int(ones[0])])
        return tuple(out)

    def at(self, t: int) -> np.ndarray:
        """The (S, A) matrix used at step t (the same at every step for a stationary policy)."""
        return self.probs if self.stationary else self.probs[t]

    def check_fits(self, mdp: FiniteMDP) -> None:
        """Raise InvalidPolicy unless this policy's labels, kind and length fit ``mdp``."""
        if self.states != mdp.states:
            raise InvalidPolicy(f"policy states {list(self.states)} differ from the MDP's {list(mdp.states)}")
        if self.actions != mdp.actions:
            raise InvalidPolicy(f"policy actions {list(self.actions)} differ from the MDP's {list(mdp.actions)}")
        if self.exact != mdp.exact:
            kinds = ("exact", "float")
            raise InvalidPolicy(
                f"policy is {kinds[not self.exact]} but the MDP is {kinds[not mdp.exact]}; convert one of them"
            )
        if not mdp.all_enabled:
            mass = np.argwhere((self.probs != 0) & ~mdp.enabled)
            if len(mass):
                *t, s, a = (int(i) for i in mass[0])
                step = f" at step {t[0]}" if t else ""
                raise InvalidPolicy(f"policy puts probability {format_number(self.probs[tuple(mass[0])])} on "
                                    f"{mdp.actions[a]!r} in {mdp.states[s]!r}{step}, where it is disabled")
        if not self.stationary:
            if mdp.horizon is None:
                raise InvalidPolicy("a time-dependent policy needs a finite-horizon MDP")
            if self.probs.shape[0] != mdp.horizon:
                raise InvalidPolicy(
                    f"policy has {self.probs.shape[0]} time steps but the MDP's horizon is {mdp.horizon}"
                )

    def to_float(self) -> "Policy":
        """The float64 version."""
        if not self.exact:
            return self
        return Policy(np.array(self.probs.tolist(), dtype=np.float64), self.states, self.actions)

    def as_dict(self, t: int = 0) -> dict[str, dict[str, str]]:
        """``{state: {action: "p/q"}}`` over the non-zero probabilities (at step t)."""
        rows = self.at(t)
        return {
            s: {a: format_number(p) for a, p in zip(self.actions, row) if p != 0}
            for s, row in zip(self.states, rows)
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return (
            self.states == other.states
            and self.actions == other.actions
            and self.exact == other.exact
            and self.probs.shape == other.probs.shape
            and bool(np.all(self.probs == other.probs))
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        kind = "exact" if self.exact else "float"
        return f"Policy({kind}, shape={self.probs.shape})"

    def _repr_html_(self) -> str:
        """The HTML shown in Jupyter: :func:`theory.display.policy_html` (the states x actions
        table of probabilities)."""
        return policy_html(self)
