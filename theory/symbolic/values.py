r"""Values of a fixed policy of a parametric MDP, exactly, as rational functions of the parameters.

For a fixed stationary policy :math:`\pi` the value :math:`v^\pi = (I - \gamma P_\pi)^{-1} r_\pi`
is a vector of rational functions of the parameters (Cramer's rule); so is every Q-value.
:class:`ValueField` evaluates policies over the field of rational functions of a
:class:`~theory.symbolic.parametric.ParametricMDP` -- FLINT polynomials for one parameter
(gcds in C), sympy's field of fractions for several; :func:`policy_value` and
:func:`initial_value` are the public entry points.

Source: Puterman, *Markov Decision Processes* (1994), sec. 6.1 (policy evaluation); Kosoy,
"Quantilal control for finite MDPs" (2018), for values rational in the parameters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
import sympy
from flint import fmpq, fmpq_poly
from sympy import QQ

from theory.errors import InvalidPolicy
from theory.policy import Policy
from theory.symbolic.algebraic import fraction_of, sympy_rational
from theory.symbolic.entries import dense_coeffs
from theory.symbolic.parametric import ParametricMDP
from theory.validation import check_known_reward

__all__ = ["reward_name", "ValueField", "policy_value", "initial_value"]


def reward_name(pmdp: ParametricMDP, reward: str | None) -> str:
    """The reward to evaluate: ``reward`` when it is one of the MDP's, its default objective for None.

    >>> from theory.examples import two_state
    >>> from theory.symbolic.parametric import from_mdp
    >>> reward_name(from_mdp(two_state()), None)
    'proxy'
    """
    if reward is None:
        return pmdp.default_objective()
    return check_known_reward(reward, pmdp.rewards)


def _policy_probs(pmdp: ParametricMDP, policy: Any) -> np.ndarray:
    """Exact (S, A) or (H, S, A) probabilities of a Policy, a mapping state -> action, or a
    sequence of action labels (one per state).

    >>> from theory.examples import two_state
    >>> from theory.symbolic.parametric import from_mdp
    >>> m = from_mdp(two_state())
    >>> _policy_probs(m, [m.actions[0]] * m.S).shape
    (2, 2)
    """
    if isinstance(policy, Policy):
        return _checked_policy(pmdp, policy).probs
    if isinstance(policy, Mapping):
        missing = [s for s in pmdp.states if s not in policy]
        if missing:
            raise InvalidPolicy(f"policy has no action for state {missing[0]!r}")
        labels = [policy[s] for s in pmdp.states]
    elif isinstance(policy, Sequence) and not isinstance(policy, str):
        labels = list(policy)
        if len(labels) != pmdp.S:
            raise InvalidPolicy(f"policy has {len(labels)} entries, expected {pmdp.S}")
    else:
        raise InvalidPolicy(f"policy is {policy!r}, not a Policy, a mapping or a sequence of actions")
    probs = np.full((pmdp.S, pmdp.A), Fraction(0), dtype=object)
    for s, a in enumerate(labels):
        if a not in pmdp.actions:
            raise InvalidPolicy(f"policy[{pmdp.states[s]!r}] is {a!r}, not one of {list(pmdp.actions)}")
        probs[s, pmdp.actions.index(a)] = Fraction(1)
    return probs


def _checked_policy(pmdp: ParametricMDP, policy: Policy) -> Policy:
    if policy.states != pmdp.states or policy.actions != pmdp.actions:
        raise InvalidPolicy("policy states/actions differ from the parametric MDP's")
    if not policy.exact:
        raise InvalidPolicy("policy is float; a parametric value is exact: use an exact Policy")
    if not policy.stationary:
        if pmdp.horizon is None:
            raise InvalidPolicy("a time-dependent policy needs a finite-horizon MDP")
        if policy.probs.shape[0] != pmdp.horizon:
            raise InvalidPolicy(
                f"policy has {policy.probs.shape[0]} time steps but the horizon is {pmdp.horizon}"
            )
    return policy


_POLY_ONE = fmpq_poly([1])
_POLY_ZERO = fmpq_poly([])


class _RF:
    """An element of QQ(x): a reduced fraction of flint polynomials, monic denominator.

    The univariate arithmetic of :func:`theory.symbolic.optimal_partition` and of one-parameter
    :func:`policy_value`: gcds run in FLINT (C), far faster than sympy's generic fields."""

    __slots__ = ("n", "d")

    def __init__(self, n: Any, d: Any = None, reduced: bool = False):
        if d is None:
            d, reduced = _POLY_ONE, True
        if not reduced:
            if n == 0:
                d = _POLY_ONE
            elif d.degree() > 0:
                g = n.gcd(d)
                if g.degree() > 0:
                    n, d = n // g, d // g
            lc = d[d.degree()]
            if lc != 1:
                n, d = n / lc, d / lc
        self.n, self.d = n, d

    def __bool__(self) -> bool:
        return self.n != 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _RF) and self.n == other.n and self.d == other.d

    __hash__ = None  # type: ignore[assignment]

    def __neg__(self) -> "_RF":
        return _RF(-self.n, self.d, True)

    def __add__(self, o: "_RF") -> "_RF":
        if o.n == 0:
            return self
        if self.n == 0:
            return o
        if self.d == o.d:
            return _RF(self.n + o.n, self.d, self.d.degree() == 0)
        return _RF(self.n * o.d + o.n * self.d, self.d * o.d)

    def __sub__(self, o: "_RF") -> "_RF":
        return self + (-o)

    def __mul__(self, o: "_RF") -> "_RF":
        if self.n == 0 or o.n == 0:
            return _RF(_POLY_ZERO, _POLY_ONE, True)
        if self.d.degree() == 0 and o.d.degree() == 0:
            return _RF(self.n * o.n, _POLY_ONE, True)
        return _RF(self.n * o.n, self.d * o.d)

    def __truediv__(self, o: "_RF") -> "_RF":
        if o.n == 0:
            raise ZeroDivisionError("division by the zero rational function")
        return _RF(self.n * o.d, self.d * o.n)


def _flint_poly(coeffs_high_first: Sequence[Any]) -> Any:
    return fmpq_poly([fmpq(int(c.numerator), int(c.denominator)) for c in map(fraction_of, reversed(coeffs_high_first))])


def _gauss_jordan(rows: list[list[Any]], b: list[Any], one: Any) -> list[Any]:
    """Solve rows @ v = b exactly over a field (Gauss-Jordan, first non-zero pivot; the matrix
    I - gamma P_pi is non-singular for gamma < 1)."""
    n = len(rows)
    m = [row[:] + [b[i]] for i, row in enumerate(rows)]
    for col in range(n):
        piv = next(r for r in range(col, n) if m[r][col])
        m[col], m[piv] = m[piv], m[col]
        inv = one / m[col][col]
        pivot = [x * inv if x else x for x in m[col]]
        m[col] = pivot
        for r in range(n):
            f = m[r][col]
            if r != col and f:
                m[r] = [x - f * y if y else x for x, y in zip(m[r], pivot)]
    return [m[i][n] for i in range(n)]


class ValueField:
    """Exact evaluation of policies of a ParametricMDP over its field of rational functions:
    QQ(x) with FLINT polynomials for one parameter, sympy's field of fractions otherwise.

    >>> import sympy
    >>> g = sympy.Symbol("gamma")
    >>> m = ParametricMDP(states=["s"], actions=["stay"], transitions=[[[1]]],
    ...     rewards={"true": [[1]]}, initial=[1], discount=g, params={"gamma": (0, "9/10")})
    >>> f = ValueField(m, "true")
    >>> v, q_values = f.stationary(_policy_probs(m, ["stay"]))
    >>> f.to_sympy(v[0])
    -1/(gamma - 1)
    """

    def __init__(self, pmdp: ParametricMDP, reward: str):
        self.pmdp = pmdp
        self.K = K = pmdp.domain
        self.flint = len(pmdp.params) == 1
        if self.flint:
            conv = self._from_elem
            self.zero, self.one = _RF(_POLY_ZERO), _RF(_POLY_ONE)
        else:
            conv = lambda e: e  # noqa: E731
            self.zero, self.one = K.zero, K.one
        self.succ = [[[(j, conv(p)) for j, p in succ] for succ in row] for row in pmdp.successors]
        self.r = [[conv(x) for x in row] for row in pmdp.reward_elements[reward]]
        self.mu = [conv(x) for x in pmdp.initial_elements]
        self.gamma = None if pmdp.discount_element is None else conv(pmdp.discount_element)
        self._const: dict[Fraction, Any] = {}

    @staticmethod
    def _from_elem(elem: Any) -> _RF:
        return _RF(_flint_poly(elem.numer.to_dense()), _flint_poly(elem.denom.to_dense()))

    def const(self, x: Fraction) -> Any:
        """The rational ``x`` as a field element."""
        if x not in self._const:
            if self.flint:
                self._const[x] = _RF(fmpq_poly([fmpq(x.numerator, x.denominator)]))
            else:
                self._const[x] = self.K.convert(QQ(x.numerator, x.denominator))
        return self._const[x]

    def to_sympy(self, x: Any) -> sympy.Expr:
        """A field element as a sympy expression in lowest terms."""
        if not self.flint:
            return self.K.to_sympy(x)
        sym = self.pmdp.symbols[0]
        num, den = self.coeffs(x)
        as_expr = lambda cs: sympy.Poly([sympy_rational(c) for c in cs] or [0], sym).as_expr()  # noqa: E731
        return as_expr(num) / as_expr(den)

    def coeffs(self, x: Any) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...]]:
        """(numerator, denominator) coefficients, highest degree first, of a univariate element."""
        if self.flint:
            return (tuple(fraction_of(c) for c in reversed(x.n.coeffs())),
                    tuple(fraction_of(c) for c in reversed(x.d.coeffs())))
        return dense_coeffs(x.numer), dense_coeffs(x.denom)

    def total(self, items: Any) -> Any:
        """The sum of field elements (zero when empty)."""
        out = self.zero
        for x in items:
            out = out + x
        return out

    def expected_next(self, v: Sequence[Any]) -> list[list[Any]]:
        """sum_{s'} P(s'|s, a) v(s') for every s, a."""
        return [[self.total(p * v[j] for j, p in succ) for succ in row] for row in self.succ]

    def stationary(self, pi: np.ndarray) -> tuple[list[Any], list[list[Any]]]:
        """(v, Q) of a stationary (S, A) policy, discounted."""
        S, A = self.pmdp.S, self.pmdp.A
        gamma = self.gamma
        r_pi = [self.total(self.const(pi[s, a]) * self.r[s][a] for a in range(A) if pi[s, a]) for s in range(S)]
        if gamma:
            rows = []
            for s in range(S):
                row = [self.zero] * S
                row[s] = self.one
                for a in range(A):
                    if not pi[s, a]:
                        continue
                    w = self.const(pi[s, a]) * gamma
                    for j, p in self.succ[s][a]:
                        row[j] = row[j] - w * p
                rows.append(row)
            v = _gauss_jordan(rows, r_pi, self.one)
        else:
            v = r_pi
        nxt = self.expected_next(v)
        q_values = [[self.r[s][a] + gamma * nxt[s][a] if gamma else self.r[s][a] for a in range(A)] for s in range(S)]
        return v, q_values

    def finite(self, probs: np.ndarray) -> tuple[list[list[Any]], list[list[list[Any]]]]:
        """(v of shape (H+1, S), Q of shape (H, S, A)) by backward recursion."""
        pm = self.pmdp
        S, A, H = pm.S, pm.A, pm.horizon
        v = [[self.zero] * S for _ in range(H + 1)]
        q_values: list[list[list[Any]]] = [[] for _ in range(H)]
        for t in range(H - 1, -1, -1):
            pi = probs if probs.ndim == 2 else probs[t]
            nxt = self.expected_next(v[t + 1])
            q_values[t] = [[self.r[s][a] + nxt[s][a] for a in range(A)] for s in range(S)]
            v[t] = [self.total(self.const(pi[s, a]) * q_values[t][s][a] for a in range(A) if pi[s, a]) for s in range(S)]
        return v, q_values

    def initial_value(self, v: Sequence[Any]) -> Any:
        """sum_s mu_0(s) v(s)."""
        return self.total(m * x for m, x in zip(self.mu, v))


def policy_value(pmdp: ParametricMDP, policy: Any, reward: str | None = None) -> list[Any]:
    r"""The exact values of a fixed policy as rational functions of the parameters.

    Discounted: the solution :math:`v^\pi` of :math:`(I - \gamma P_\pi) v = r_\pi` over the
    field :math:`\mathbb{Q}(\theta_1, \dots, \theta_k)` of rational functions (Gauss-Jordan
    elimination; FLINT polynomials for one parameter, sympy's field of fractions for several),
    a list of S expressions in lowest terms. Finite horizon: the backward
    recursion :math:`v_t = r_{\pi_t} + P_{\pi_t} v_{t+1}`, :math:`v_H = 0`, a list of H + 1
    lists of S expressions (as :func:`theory.evaluation.state_values`). ``policy``: an exact
    :class:`~theory.policy.Policy` (stochastic allowed), a mapping state -> action, or a
    sequence of action labels; ``reward`` defaults to "proxy" (or the only reward).

    Source: Puterman (1994), sec. 6.1 (policy evaluation); Kosoy (2018) for values rational
    in the parameters.

    >>> import sympy
    >>> g = sympy.Symbol("gamma")
    >>> m = ParametricMDP(states=["s"], actions=["stay"], transitions=[[[1]]],
    ...     rewards={"true": [[1]]}, initial=[1], discount=g, params={"gamma": (0, "9/10")})
    >>> policy_value(m, ["stay"])
    [-1/(gamma - 1)]
    """
    reward = reward_name(pmdp, reward)
    probs = _policy_probs(pmdp, policy)
    f = ValueField(pmdp, reward)
    if pmdp.horizon is None:
        v, _ = f.stationary(probs)
        return [f.to_sympy(x) for x in v]
    v, _ = f.finite(probs)
    return [[f.to_sympy(x) for x in row] for row in v]


def initial_value(pmdp: ParametricMDP, policy: Any, reward: str | None = None) -> sympy.Expr:
    r""":math:`J(\pi) = \sum_s \mu_0(s) v^\pi(s)` (at step 0) as a rational function in lowest terms.

    Source: Puterman (1994), sec. 6.1.

    >>> import sympy
    >>> g = sympy.Symbol("gamma")
    >>> m = ParametricMDP(states=["s"], actions=["stay"], transitions=[[[1]]],
    ...     rewards={"true": [[1]]}, initial=[1], discount=g, params={"gamma": (0, "9/10")})
    >>> initial_value(m, ["stay"]).subs(g, sympy.Rational(1, 2))
    2
    """
    reward = reward_name(pmdp, reward)
    probs = _policy_probs(pmdp, policy)
    f = ValueField(pmdp, reward)
    v = f.stationary(probs)[0] if pmdp.horizon is None else f.finite(probs)[0][0]
    return f.to_sympy(f.initial_value(v))
