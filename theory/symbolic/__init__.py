r"""Symbolic theory: parametric MDPs, values as rational functions, exact switching points.

A :class:`ParametricMDP` is a finite MDP whose transition probabilities, rewards, initial
distribution and discount are rational functions (with rational coefficients) of named real
parameters, each ranging over a closed interval with rational endpoints. For a fixed
stationary policy :math:`\pi` the value :math:`v^\pi = (I - \gamma P_\pi)^{-1} r_\pi` is then a
vector of rational functions of the parameters (Cramer's rule); so is every Q-value and every
difference :math:`V^\pi(s) - Q^\pi(s, a)`. The optimal value is the maximum of finitely many
such functions, hence *piecewise rational*, and along one parameter the optimal policy changes
only at real roots of polynomials with rational coefficients: the switching points are real
algebraic numbers, computed here exactly (rationals, radicals for quadratics,
``sympy.CRootOf`` otherwise) by exact root isolation -- never by sampling a grid.

One module per concept:

- :mod:`~theory.symbolic.algebraic`: exact real algebraic numbers and real root isolation;
- :mod:`~theory.symbolic.entries`: reading the entries of a parametric MDP and checking their
  signs and poles over the parameter box;
- :mod:`~theory.symbolic.parametric`: :class:`ParametricMDP`, validated exactly at
  construction; :func:`from_mdp`, :func:`affine_family` (the segment between two MDPs),
  :func:`fix` (partial substitution), :func:`substitute` (a :class:`~theory.mdp.FiniteMDP`
  at a point, in exact Fractions);
- :mod:`~theory.symbolic.values`: :func:`policy_value`, :func:`initial_value`, exact values of
  a fixed policy;
- :mod:`~theory.symbolic.partition`: :func:`optimal_partition` (parametric policy iteration
  with exact verification of the Bellman optimality inequalities), :class:`Piece`,
  :func:`breakpoints`, :func:`format_partition`;
- :mod:`~theory.symbolic.regions`: :func:`region_map` for two parameters;
- one-shot problems, re-exported from their home :mod:`theory.selection`:
  :func:`quantiliser_returns`, :func:`peak_q`, :func:`best_of_n_returns`.

The hand-worked example of the docstrings, ``now_or_later``, lives with the other parametric
examples in :mod:`environments.parametric`.

Sources: Puterman, *Markov Decision Processes* (1994), sec. 6.1-6.4 (policy evaluation and
policy iteration; the optimality criterion :math:`Q^\pi \le V^\pi`) and the sensitivity
analysis of optimal policies to the discount (Blackwell 1962; Puterman sec. 10.1); Kosoy,
"Quantilal control for finite MDPs" (2018), for values piecewise rational in the parameters;
Taylor (2016) for quantilisers; Gao, Schulman & Hilton (2022) and Beirami et al. (2024) for
best-of-n; root isolation: Collins & Akritas (1976), as implemented by sympy's
``Poly.intervals``.
"""

from theory.selection import (  # the one-shot closed forms, re-exported: their home is theory.selection
    BestOfNReturns,
    PiecewiseRational,
    QuantiliserReturns,
    best_of_n_returns,
    peak_q,
    quantiliser_returns,
)
from theory.symbolic.parametric import ParametricMDP, affine_family, fix, from_mdp, substitute
from theory.symbolic.partition import Piece, breakpoints, format_partition, optimal_partition
from theory.symbolic.regions import RegionMap, region_map
from theory.symbolic.values import initial_value, policy_value

__all__ = [
    "ParametricMDP",
    "from_mdp",
    "affine_family",
    "fix",
    "substitute",
    "policy_value",
    "initial_value",
    "Piece",
    "optimal_partition",
    "breakpoints",
    "format_partition",
    "RegionMap",
    "region_map",
    "PiecewiseRational",
    "QuantiliserReturns",
    "quantiliser_returns",
    "peak_q",
    "BestOfNReturns",
    "best_of_n_returns",
]
