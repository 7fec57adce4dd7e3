"""Runs the theorem suite (must hold) and the conjecture suite (verdicts must match their
declared expectations) through the engine, as ``deconfuse check`` does.

``pytest --examples N`` sets the examples per theorem/conjecture (default: each one's own, 200).
"""

from __future__ import annotations

import textwrap

import pytest

from deconfuse.cli import main
from property_tests.engine import check, replay, save_counterexample, suite

SUITE = suite()
THEOREMS = [c for c in SUITE.values() if c.kind == "theorem"]
EXPECT_HOLDS = [c for c in SUITE.values() if c.kind == "conjecture" and c.expect == "holds"]
EXPECT_REFUTED = [c for c in SUITE.values() if c.expect == "refuted"]


def test_the_suite_has_the_required_statements():
    required = {
        "policy_iteration_is_optimal", "bellman_residual_is_zero", "exact_and_float_agree",
        "quantiliser_cost_bound", "quantiliser_is_optimal_under_the_density_cap", "quantiliser_limits",
        "quantiliser_utility_monotone_in_q", "best_of_n_laws", "boltzmann_limits",
        "amortised_equals_teacher_on_support", "q_learning_limit_is_the_argmax", "occupancy_flow_and_return",
        "true_return_monotone_in_q", "true_return_monotone_in_beta", "true_return_monotone_in_n",
        "quantiliser_never_worse_than_argmax", "amortised_no_worse_than_direct_under_shift",
        "direct_no_worse_than_amortised_under_shift", "proxy_right_on_support_implies_no_regret_under_shift",
    }
    assert required <= set(SUITE)


@pytest.mark.parametrize("theorem", THEOREMS, ids=lambda c: c.name)
def test_theorem_holds(theorem, examples):
    verdict = check(theorem, examples=examples, seed=0)
    assert verdict.verdict == "holds", verdict.line() + "\n" + str(verdict.counterexample) + str(verdict.numbers)
    assert verdict.examples >= min(examples or theorem.examples, 50)


@pytest.mark.parametrize("conj", EXPECT_HOLDS, ids=lambda c: c.name)
def test_conjecture_expected_to_hold_holds(conj, examples):
    assert check(conj, examples=examples, seed=0).verdict == "holds"


@pytest.mark.parametrize("conj", EXPECT_REFUTED, ids=lambda c: c.name)
def test_conjecture_is_refuted_and_the_saved_case_replays(conj, examples, tmp_path):
    verdict = check(conj, examples=examples, seed=0)
    assert verdict.verdict == "refuted", verdict.line()
    # the minimal counterexample really breaks the claim when evaluated afresh ...
    holds, numbers = conj.holds_on(**verdict.counterexample)
    assert not holds and numbers == verdict.numbers
    # ... and so does the saved copy, read back from JSON
    path = save_counterexample(verdict, tmp_path, conj.name)
    again, recorded = replay(path)
    assert recorded == "refuted" and again.verdict == "refuted"
    assert again.numbers == verdict.numbers


PLANTED = '''
from property_tests.engine import claim, theorem
from property_tests.strategies import finite_mdps
from theory.solvers import solve


@theorem("every optimal value is non-negative (false: rewards can be negative)", mdp=finite_mdps(max_states=2))
def optimal_values_are_non_negative(mdp):
    v = solve(mdp, "true").values
    return claim(min(v) >= 0, smallest_value=min(v))
'''


def test_a_planted_false_theorem_is_refuted_with_exit_status_1(tmp_path, capsys):
    user = tmp_path / "mine.py"
    user.write_text(textwrap.dedent(PLANTED))
    status = main(["check", f"{user}::optimal_values_are_non_negative", "--examples", "100", "--out", str(tmp_path / "cex")])
    out = capsys.readouterr().out
    assert status == 1
    assert "optimal_values_are_non_negative: refuted [UNEXPECTED (expected holds)]" in out
    saved = tmp_path / "cex" / "optimal_values_are_non_negative.counterexample.json"
    assert saved.is_file() and f"deconfuse replay {saved}" in out
    # the counterexample MDP is also drawn as a graph beside it
    assert (tmp_path / "cex" / "optimal_values_are_non_negative.mdp.graph.png").is_file()
    # the replay re-imports the user's file and finds the same verdict
    assert main(["replay", str(saved)]) == 0
    # a minimal counterexample: one state, one action, a negative true reward
    assert "s0    a0" in out and "smallest_value = -" in out


def test_bad_check_input_exits_with_status_2(tmp_path, capsys):
    broken = tmp_path / "broken.py"
    broken.write_text("import no_such_module_anywhere\n")
    assert main(["check", str(broken)]) == 2
    assert main(["check", "no_such_conjecture"]) == 2
    err = capsys.readouterr().err
    assert "does not import" in err and "'no_such_conjecture' is not in the suite" in err
