"""deconfuse.theory: the formal core — numbers, FiniteMDP, policies, evaluation, solvers, I/O.

``theory`` imports no other package of the project.
"""

from theory.errors import DeconfuseError, InvalidArgument, InvalidFile, InvalidMDP, InvalidPolicy
from theory.evaluation import (
    expected_return,
    occupancy,
    q_values,
    return_distribution,
    reward_array,
    state_occupancy,
    state_values,
)
from theory.mdp import FiniteMDP
from theory.numbers import FLOAT_TOLERANCE, format_number, parse_number
from theory.policy import Policy
from theory.solvers import (
    Solution,
    backward_induction,
    policy_iteration,
    solve,
    value_iteration,
)

__all__ = [
    "DeconfuseError",
    "InvalidArgument",
    "InvalidFile",
    "InvalidMDP",
    "InvalidPolicy",
    "FiniteMDP",
    "Policy",
    "Solution",
    "FLOAT_TOLERANCE",
    "format_number",
    "parse_number",
    "state_values",
    "q_values",
    "expected_return",
    "occupancy",
    "state_occupancy",
    "return_distribution",
    "reward_array",
    "policy_iteration",
    "backward_induction",
    "value_iteration",
    "solve",
]
