"""Storm as an independent oracle: deconfuse's exact optimal values equal Storm's exact results.

Discounted models: Storm refuses its own exact discounted objective, so it gets the absorbing-sink
model (theory.export.drn_text(mdp, sink=True): from every choice s' with probability
gamma P(s'|s, a) and an absorbing zero-reward sink with 1 - gamma); the expected reward
collected before the sink, ``R{"r"}max=? [F "sink"]``, is the discounted value of every policy,
so Storm's optimum is the discounted optimum; Storm solves it exactly (exact environment, policy
iteration as the min-max method, as bench/bench_exact.py does). Finite horizons: the value at
step t of a horizon-H model is ``R{"r"}max=? [C<=H-t]``, checked for every t = 0..H. Every state's
value must be equal as a Fraction, for every reward of the model.

A deterministic optimal policy of deconfuse, evaluated by Storm as the induced chain (the DRN
restricted to the policy's chosen action in each state, one choice per state), gives
deconfuse's ``state_values`` under every reward. The negative control feeds the same harness a
model with one probability moved by 1/1000 and checks that it reports the mismatch.
"""

from __future__ import annotations

import tempfile
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
import stormpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stormpy import environments as storm_environments

import environments
from property_tests.strategies import finite_mdps
from theory.evaluation import state_values
from theory.examples import two_state
from theory.export import drn_text
from theory.mdp import FiniteMDP
from theory.solvers import solve

#: Registered environments left out, each with its reason (all the others are checked).
SKIPPED = {
    "large-grid": "a float model for scale that needs a size; Storm's exact engine is for exact models",
    # taxi (S = 501) is checked: about 5 s for its two rewards
}
ENVIRONMENTS = [name for name in environments.names() if name not in SKIPPED]


class Mismatch(AssertionError):
    """Storm's exact value differs from deconfuse's."""


def _exact_environment():
    env = storm_environments.exact()
    env.solver().min_max().method = storm_environments.MinMaxMethod.POLICY_ITERATION
    return env


ENV = _exact_environment()


def _storm_model(mdp: FiniteMDP, sink: bool):
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "m.drn"
        path.write_text(drn_text(mdp, sink=sink, state_labels=False), encoding="utf-8")
        return stormpy.build_model_from_drn[stormpy.Rational](str(path))


def _reward_name(name: str) -> str:
    return "true_reward" if name == "true" else name  # theory.export's renaming of the reserved word


def _storm_values(model, prop: str, S: int) -> list[F]:
    """Storm's exact values of ``prop`` at states 0..S-1. A reward that is 0 everywhere is an
    empty reward model in Storm, which refuses to check it ("Reward model for formula is
    empty"): its value is 0 for every policy, state and step, so that is the answer then."""
    rm = model.reward_models[prop.split('"')[1]]
    if not (rm.has_state_action_rewards or rm.has_state_rewards):
        return [F(0)] * S
    result = stormpy.model_checking(model, stormpy.parse_properties(prop)[0], only_initial_states=False,
                                    environment=ENV)
    return [F(str(result.get_value(s))) for s in range(S)]


def _compare(what: str, ours, theirs: list[F]) -> None:
    for s, (a, b) in enumerate(zip(list(ours), theirs)):
        if a != b:
            raise Mismatch(f"{what}: state {s}: deconfuse {a}, Storm {b}")


def check_optimal_values(mdp: FiniteMDP, storm_mdp: FiniteMDP | None = None) -> int:
    """Raise :class:`Mismatch` unless deconfuse's exact optimum of ``mdp`` equals Storm's exact
    optimum of ``storm_mdp`` (default: the same model) for every reward, state (and step).
    Returns the number of values compared."""
    storm_mdp = mdp if storm_mdp is None else storm_mdp
    discounted = mdp.discount is not None
    model = _storm_model(storm_mdp, sink=discounted)
    compared = 0
    for name in mdp.rewards:
        ours = solve(mdp, name, tie="first").values
        r = _reward_name(name)
        if discounted:
            _compare(f"reward {name}", ours, _storm_values(model, f'R{{"{r}"}}max=? [F "sink"]', mdp.S))
            compared += mdp.S
            continue
        H = mdp.horizon
        for t in range(H + 1):
            _compare(f"reward {name}, step {t}", ours[t], _storm_values(model, f'R{{"{r}"}}max=? [C<={H - t}]', mdp.S))
            compared += mdp.S
    return compared


def induced(mdp: FiniteMDP, choice: list[int]) -> FiniteMDP:
    """The model with only action ``choice[s]`` enabled in each state (rewards of the others 0)."""
    mask = np.zeros((mdp.S, mdp.A), dtype=bool)
    mask[np.arange(mdp.S), choice] = True
    rows = {(s, choice[s]): dict(mdp.successors[s][choice[s]]) for s in range(mdp.S)}
    rewards = {k: np.where(mask, R, F(0)) for k, R in mdp.rewards.items()}
    return mdp.replace(transitions=rows, rewards=rewards, enabled=mask)


def check_policy_values(mdp: FiniteMDP) -> None:
    """A deterministic optimal policy of deconfuse (under the model's default objective),
    evaluated by Storm on the induced chain, gives deconfuse's state values under every reward."""
    policy = solve(mdp, mdp.default_objective(), tie="first").policy
    assert policy.is_deterministic
    choice = [mdp.action_index(a) for a in policy.action_labels(0)]
    model = _storm_model(induced(mdp, choice), sink=True)
    start = np.count_nonzero(mdp.initial) > 1
    assert model.nr_choices == mdp.S + start + 1  # one choice per state, the start state's, the sink's
    for name in mdp.rewards:
        theirs = _storm_values(model, f'R{{"{_reward_name(name)}"}}max=? [F "sink"]', mdp.S)
        _compare(f"policy values, reward {name}", state_values(mdp, policy, name), theirs)


# -- registered environments ---------------------------------------------------------------------

@pytest.mark.parametrize("name", ENVIRONMENTS)
def test_registered_environment_optimum_equals_storms(name: str) -> None:
    mdp = environments.get(name)
    assert check_optimal_values(mdp) == mdp.S * len(mdp.rewards) * (1 if mdp.horizon is None else mdp.horizon + 1)


def test_the_skip_list_names_registered_environments() -> None:
    assert set(SKIPPED) <= set(environments.names()) and len(ENVIRONMENTS) >= 10


@pytest.mark.parametrize("name", [n for n in ENVIRONMENTS if environments.get(n).discount is not None])
def test_storm_evaluates_deconfuses_policy_to_deconfuses_values(name: str) -> None:
    check_policy_values(environments.get(name))


def test_finite_horizon_every_step_on_a_longer_horizon() -> None:
    # chain with horizon 6 (S = 5): 7 steps x 5 states x 2 rewards
    mdp = environments.get("chain").replace(discount=None, horizon=6)
    assert check_optimal_values(mdp) == 7 * 5 * 2


# -- random exact MDPs ---------------------------------------------------------------------------

RANDOM = settings(max_examples=40, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow])


@RANDOM
@given(finite_mdps(max_states=8, max_actions=3))
def test_random_discounted_optimum_equals_storms(mdp: FiniteMDP) -> None:
    check_optimal_values(mdp)


@RANDOM
@given(finite_mdps(max_states=8, max_actions=3, disabled=True))
def test_random_disabled_actions_optimum_equals_storms(mdp: FiniteMDP) -> None:
    check_optimal_values(mdp)
    check_policy_values(mdp)


@RANDOM
@given(finite_mdps(max_states=5, max_actions=3, disabled=True, horizon=st.integers(1, 4)))
def test_random_finite_horizon_every_step_equals_storms(mdp: FiniteMDP) -> None:
    check_optimal_values(mdp)


# -- the negative control ------------------------------------------------------------------------

def _perturbed(mdp: FiniteMDP) -> FiniteMDP:
    """``mdp`` with one probability moved by 1/1000 (each row still sums to 1): in the first
    state whose optimal action (the first one, under the default objective, at t = 0) has a
    successor j of lower optimal value than the best state k, 1/1000 goes from j to k. That
    raises the optimal action's value at that state by gamma (v_k - v_j) / 1000 > 0 (t = 0 of a
    horizon: by (v_k - v_j) / 1000 with the values of step 1), so the optimum rises there."""
    solution = solve(mdp, mdp.default_objective(), tie="first")
    v = solution.values if mdp.horizon is None else solution.values[1]
    k = max(range(mdp.S), key=lambda i: v[i])
    rows = {(s, a): dict(mdp.successors[s][a]) for s in range(mdp.S) for a in mdp.enabled_actions(s)}
    for s, label in enumerate(solution.policy.action_labels(0)):
        a = mdp.action_index(label)
        for j in rows[s, a]:
            if v[j] < v[k]:
                rows[s, a][j] -= F(1, 1000)
                rows[s, a][k] = rows[s, a].get(k, F(0)) + F(1, 1000)
                return mdp.replace(transitions=rows)
    raise AssertionError("every successor has the best value: no perturbation shows")


def test_negative_control_a_changed_probability_is_reported() -> None:
    mdp = two_state()  # the perturbed row: go in s0, 1/10 -> 99/1000, 9/10 -> 901/1000
    changed = _perturbed(mdp)
    assert changed.transitions[0, 1, 0] == F(99, 1000) and changed.transitions[0, 1, 1] == F(901, 1000)
    with pytest.raises(Mismatch, match=r"^reward true: state 0: deconfuse 810/91, Storm "):
        check_optimal_values(mdp, changed)
    assert check_optimal_values(changed, changed) == 4  # the harness itself agrees on each


def test_negative_control_on_a_registered_grid_and_a_horizon() -> None:
    for mdp in (environments.get("lava-train"), environments.get("chain").replace(discount=None, horizon=3)):
        with pytest.raises(Mismatch):
            check_optimal_values(mdp, _perturbed(mdp))


# -- models imported from PRISM ------------------------------------------------------------------

@pytest.mark.parametrize("file, constants", [("lava.prism", {"test": "0"}), ("lava.prism", {"test": "1"}),
                                             ("tomato.prism", None)])
def test_models_imported_from_prism_equal_storms(file: str, constants) -> None:
    """A PRISM model read by environments.load_prism (exactly, through Storm's builder), solved
    by deconfuse, against Storm on the exported sink model: every state, every reward, and
    deconfuse's policy evaluated by Storm."""
    from pathlib import Path

    import environments.prism as prism

    mdp = prism.load_prism(Path(prism.__file__).parent / "prism" / file, constants=constants, discount="9/10")
    assert check_optimal_values(mdp) == mdp.S * len(mdp.rewards)
    check_policy_values(mdp)
