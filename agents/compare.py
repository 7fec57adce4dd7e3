"""Run several agents on one MDP and tabulate what the direct-vs-amortised debate asks about:
objective (proxy) return, true return, true regret, KL from the base policy, decision-time cost.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from agents.base import Agent, AgentResult, Cost, base_policy, behaviour_return, resolve_objective
from theory.display import table_html
from theory.errors import InvalidArgument
from theory.metrics import optimal_return, trajectory_kl
from theory.mdp import FiniteMDP
from theory.numbers import format_number, zeros_like_kind
from theory.policy import Policy

__all__ = ["ComparisonRow", "Comparison", "COMPARISON_HEADER", "compare", "base_policy_of", "row_to_json"]


@dataclasses.dataclass(frozen=True)
class ComparisonRow:
    """One agent's results on one MDP (exact numbers on exact input where the agent is exact)."""

    spec: str
    objective_return: Fraction | float
    true_return: Fraction | float
    true_regret: Fraction | float
    kl_from_base: float | None
    cost: Cost
    result: AgentResult = dataclasses.field(repr=False, compare=False)


#: The columns of a comparison table (the HTML display; the command line prints the same).
COMPARISON_HEADER: tuple[str, ...] = ("agent", "objective return", "true return", "true regret", "KL from base",
                                      "decision cost", "training cost")


class Comparison(list):  # type: ignore[type-arg]  # list[ComparisonRow]: a list in every other respect
    """The rows :func:`compare` returns: a list of :class:`ComparisonRow` that Jupyter shows as an
    HTML table (:func:`theory.display.table_html`; exact values as "p/q (~decimal)")."""

    def _repr_html_(self) -> str:
        rows = [[r.spec, r.objective_return, r.true_return, r.true_regret, r.kl_from_base,
                 r.cost.decision_total, r.cost.training] for r in self]
        return table_html(COMPARISON_HEADER, rows)


def base_policy_of(agent: Agent, mdp: FiniteMDP, objective: str) -> Policy:
    """The base policy an agent is measured against: its ``base`` when it has one (see
    :func:`agents.base.base_policy`), else the uniform policy."""
    return base_policy(mdp, objective, getattr(agent, "base", None))[0]


def _kl(agent: Agent, result: AgentResult, mdp: FiniteMDP, objective: str) -> float | None:
    behaviour = result.behaviour
    if isinstance(behaviour, Policy):
        base = base_policy_of(agent, mdp, objective)
        # the KL depends on the dynamics alone: rewards too large for float64 do not matter
        fm = mdp.replace(rewards={"zero": zeros_like_kind((mdp.S, mdp.A), mdp.exact)}).to_float()
        return trajectory_kl(fm, behaviour.to_float(), base.to_float())
    method = getattr(behaviour, "kl_from_base", None)
    return float(method()) if callable(method) else None


def compare(
    mdp: FiniteMDP,
    agents: Sequence[tuple[str, Agent]],
    objective: str | None = None,
    true: str = "true",
) -> Comparison:
    """Run every (spec, agent) on ``mdp`` pursuing ``objective`` and measure it under ``true``,
    a reward the MDP must have (an InvalidArgument naming the rewards it has otherwise: the
    objective is not measured under another name). The rows come as a :class:`Comparison`, a
    list that Jupyter displays as a table.

    >>> from theory.examples import two_state
    >>> from agents import Argmax, Uniform
    >>> rows = compare(two_state(), [("argmax", Argmax()), ("uniform", Uniform())])
    >>> [(r.spec, r.true_regret) for r in rows]
    [('argmax', Fraction(0, 1)), ('uniform', Fraction(117855, 17381))]
    """
    objective = resolve_objective(mdp, objective)
    if true not in mdp.rewards:
        known = ", ".join(repr(k) for k in mdp.rewards)
        raise InvalidArgument(
            f"the MDP has no {true!r} reward to measure the agents under (it has {known}); "
            f"compare reports the {true} return and regret beside the objective's"
        )
    best = optimal_return(mdp, true)
    rows = Comparison()
    for spec, agent in agents:
        result = agent.run(mdp, objective)
        j_obj = behaviour_return(mdp, result.behaviour, objective)
        j_true = behaviour_return(mdp, result.behaviour, true)
        rows.append(
            ComparisonRow(
                spec=spec,
                objective_return=j_obj,
                true_return=j_true,
                true_regret=best - j_true,
                kl_from_base=_kl(agent, result, mdp, objective),
                cost=result.cost,
                result=result,
            )
        )
    return rows


def row_to_json(row: ComparisonRow) -> dict[str, Any]:
    """A JSON-ready dict: exact values as "p/q" strings, floats as numbers."""

    def num(x: Any) -> Any:
        return format_number(x) if isinstance(x, Fraction) else (None if x is None else float(x))

    return {
        "agent": row.spec,
        "objective_return": num(row.objective_return),
        "true_return": num(row.true_return),
        "true_regret": num(row.true_regret),
        "kl_from_base": num(row.kl_from_base),
        "decision_cost": row.cost.decision_total,
        "training_cost": row.cost.training,
        "teacher_calls": row.cost.teacher_calls,
        "samples": row.cost.samples,
    }

