"""The one validation package: every check of an argument, an MDP or a policy lives here.

Each helper raises the given error class (by default
:class:`~theory.errors.InvalidArgument`) with a one-line message that names the field, the
index (as state/action labels) and the offending value, in the style of Hypothesis'
``internal/validation.py``. Nothing is renormalised, clipped or rounded: a check returns its
value (converted to the kind asked for) or raises.

The one tie vocabulary (:data:`TIE_RULES`), used by the solvers' argmax, the quantilisers and
best-of-n alike, speaks of how outcomes of equal utility (one *level*, see
:func:`theory.selection.levels`) are ordered:

- ``"uniform"``: ties are broken by an independent uniform random tie-breaker per draw, so tied
  outcomes are treated symmetrically: the argmax is uniform over its argmax set, and a
  quantiliser's or best-of-n's mass on a tie level is shared in proportion to the base mass.
- ``"first"``: ties are broken by a fixed total order in which the lower index ranks higher
  (the argmax plays the first action of its argmax set).
- ``"last"``: the fixed total order in which the higher index ranks higher.
"""


from __future__ import annotations

from theory.validation.arguments import (
    TieRule,
    TIE_RULES,
    label_index,
    show_labels,
    show_value,
    check_int,
    check_seed,
    check_number,
    check_probability,
    check_discount,
    check_positive_int,
    check_horizon,
    check_time,
    check_positive,
    check_tolerance,
    check_beta,
    check_q,
    check_rate,
    check_value_range,
    FLOAT_VALUE_LIMIT,
    check_tie,
    check_choice,
    check_observations,
    check_reward_names,
    check_known_reward,
    check_instance,
    check_bounds,
    check_listed_discount,
    check_policy_steps,
    check_count,
    check_reward_name,
    check_distinct,
    check_angle,
)
from theory.validation.arrays import (
    check_labels,
    check_array,
    check_distribution_rows,
    check_enabled,
    check_sparse_rows,
    check_finite,
)

__all__ = [
    "TieRule",
    "TIE_RULES",
    "label_index",
    "show_labels",
    "show_value",
    "check_labels",
    "check_array",
    "check_distribution_rows",
    "check_enabled",
    "check_sparse_rows",
    "check_finite",
    "check_int",
    "check_seed",
    "check_number",
    "check_probability",
    "check_discount",
    "check_positive_int",
    "check_horizon",
    "check_time",
    "check_positive",
    "check_tolerance",
    "check_beta",
    "check_q",
    "check_rate",
    "check_value_range",
    "FLOAT_VALUE_LIMIT",
    "check_tie",
    "check_choice",
    "check_observations",
    "check_reward_names",
    "check_known_reward",
    "check_instance",
    "check_bounds",
    "check_listed_discount",
    "check_policy_steps",
    "check_count",
    "check_reward_name",
    "check_distinct",
    "check_angle",
]

