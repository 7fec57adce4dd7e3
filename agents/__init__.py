"""deconfuse.agents: direct, quantilising, amortised and hybrid optimisers behind one protocol.

Adding an agent is one module and one ``register`` line here.
"""

from agents.base import Agent, AgentResult, BaseAgent, Behaviour, Cost, behaviour_return, resolve_objective
from agents.direct import Argmax, Fixed, Uniform
from agents.registry import describe, get, names, parse_spec, parse_specs, register

register("argmax", Argmax, "direct optimiser: exact argmax of the objective (policy iteration / backward induction)")
register("uniform", Uniform, "base policy: uniform over actions, no optimisation")

__all__ = [
    "Agent",
    "AgentResult",
    "BaseAgent",
    "Behaviour",
    "Cost",
    "Argmax",
    "Uniform",
    "Fixed",
    "behaviour_return",
    "resolve_objective",
    "register",
    "get",
    "names",
    "describe",
    "parse_spec",
    "parse_specs",
]
