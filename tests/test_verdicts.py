"""Verdicts a researcher can trust (issue 10, "Claims" and "Counterexample files").

- a claim holds on True/None (numpy's True too), is refuted on False/numpy.False_ or a failed
  ``claim``; any other return value, ``claim`` of a non-bool and ``sys.exit()`` are error
  verdicts naming the conjecture, the type and the value; Ctrl-C stops the run;
- ordered parameters are generated strictly increasing, so a counterexample never contradicts
  its statement;
- every saved file replays (error verdicts as the same error), from any folder, with exact
  numbers; a changed conjecture file is noted; a malformed file is one line, exit status 2.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfuse.cli import main
from property_tests.strategies import quantile_levels
from property_tests.engine import (
    COUNTEREXAMPLE_FORMAT,
    ClaimError,
    check,
    claim,
    conjecture,
    evaluate,
    read_counterexample,
    replay,
    save_counterexample,
    suite,
    theorem,
)
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.io import mdp_to_dict

ROOT = Path(__file__).resolve().parent.parent


# -- what a claim may return ---------------------------------------------------------------------


def _returning(value):
    """A conjecture (expected to hold) over x in 0..3 whose check returns ``value``."""

    @conjecture("returns a fixed value", x=st.integers(0, 3))
    def returns_value(x):
        return value

    return returns_value


@pytest.mark.parametrize(
    "value, verdict",
    [(True, "holds"), (None, "holds"), (np.True_, "holds"), (False, "refuted"), (np.False_, "refuted")],
    ids=["True", "None", "numpy.True_", "False", "numpy.False_"],
)
def test_bools_and_none_are_verdicts(value, verdict):
    v = check(_returning(value), examples=20)
    assert v.verdict == verdict
    # a refutation is shrunk to the smallest x; a verdict that holds has no counterexample
    assert v.counterexample == ({"x": 0} if verdict == "refuted" else None)


@pytest.mark.parametrize(
    "value, shown",
    [
        (0, "0 (int)"),
        (1, "1 (int)"),
        ("yes", "'yes' (str)"),
        (np.array([True, False]), "array([ True, False]) (numpy.ndarray)"),
        (np.array([True, True]), "array([ True, True]) (numpy.ndarray)"),
        (np.float64(1.0), "np.float64(1.0) (numpy.float64)" if np.__version__ >= "2" else "1.0 (numpy.float64)"),
        (F(1, 2), "Fraction(1, 2) (fractions.Fraction)"),
        ([], "[] (list)"),
    ],
    ids=["0", "1", "yes", "array-mixed", "array-true", "float64", "Fraction", "list"],
)
def test_any_other_return_value_is_an_error_naming_the_type_and_value(value, shown):
    v = check(_returning(value), examples=20)
    assert v.verdict == "error" and not v.matches
    assert v.error == f"returns_value returned {shown}, not a bool"
    assert v.counterexample == {"x": 0}
    assert v.line() == f"returns_value: error: returns_value returned {shown}, not a bool [UNEXPECTED (expected holds)]"


def test_an_object_return_value_is_an_error():
    class Thing:
        pass

    v = check(_returning(Thing()), examples=5)
    assert v.verdict == "error"
    assert v.error.startswith("returns_value returned <") and v.error.endswith("Thing object at 0x" + v.error.split(" at 0x")[1])
    assert "(test_verdicts.test_an_object_return_value_is_an_error.<locals>.Thing), not a bool" in v.error


@pytest.mark.parametrize(
    "condition, message",
    [(0, "claim got 0 (int), not a bool"), (1, "claim got 1 (int), not a bool"),
     ("yes", "claim got 'yes' (str), not a bool"), (None, "claim got None (NoneType), not a bool"),
     (np.array([True]), "claim got array([ True]) (numpy.ndarray), not a bool")],
    ids=["0", "1", "yes", "None", "array"],
)
def test_claim_of_a_non_bool_is_an_error(condition, message):
    with pytest.raises(ClaimError, match=r"^" + message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[") + "$"):
        claim(condition)

    @conjecture("claims a non-bool", x=st.integers(0, 3))
    def claims_non_bool(x):
        return claim(condition, x=x)

    v = check(claims_non_bool, examples=10)
    assert (v.verdict, v.error) == ("error", message)


def test_claim_accepts_numpy_bools():
    @conjecture("x < 2", expect="refuted", x=st.integers(0, 5))
    def numpy_claim(x):
        return claim(np.int64(x) < 2, x=x)

    v = check(numpy_claim, examples=50)
    assert (v.verdict, v.counterexample, v.numbers) == ("refuted", {"x": 2}, {"x": 2})
    assert claim(np.True_) is True


def test_examples_must_be_positive():
    conj = _returning(True)
    for bad in (0, -1, True, 2.5):
        with pytest.raises(InvalidArgument, match=r"^examples is .*, not a positive integer$"):
            check(conj, examples=bad)
    with pytest.raises(InvalidArgument, match="examples is 0"):
        conjecture("c", examples=0, x=st.integers())
    # None means the conjecture's own count
    @conjecture("any integer", examples=30, x=st.integers())
    def any_integer(x):
        return True

    assert check(any_integer).examples == any_integer.examples == 30


def test_a_theorem_is_declared_as_a_theorem_that_must_hold():
    @theorem("  x  is\n an integer ", examples=7, x=st.integers())
    def is_integer(x):
        return isinstance(x, int)

    @conjecture("x is an integer", expect="refuted", x=st.integers())
    def maybe_integer(x):
        return True

    assert (is_integer.kind, is_integer.expect, is_integer.examples) == ("theorem", "holds", 7)
    assert is_integer.statement == "x is an integer"  # whitespace collapsed
    assert (maybe_integer.kind, maybe_integer.expect, maybe_integer.examples) == ("conjecture", "refuted", 200)


@pytest.mark.parametrize("code, shown", [(0, "sys.exit(0)"), (3, "sys.exit(3)"), (None, "sys.exit()"),
                                         ("bye", "sys.exit('bye')")])
def test_sys_exit_inside_a_claim_is_an_error_verdict(code, shown):
    @conjecture("exits", x=st.integers(0, 3))
    def exits(x):
        sys.exit(code)

    v = check(exits, examples=10)
    assert (v.verdict, v.error, v.counterexample) == ("error", f"exits called {shown}", {"x": 0})


def test_ctrl_c_inside_a_claim_stops_the_run():
    calls = []

    @conjecture("interrupted", x=st.integers(0, 3))
    def interrupted(x):
        calls.append(x)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        check(interrupted, examples=50)
    assert len(calls) == 1  # not retried, not shrunk


def test_an_exception_is_an_error_verdict_with_its_type_and_message():
    @conjecture("divides", x=st.integers(0, 3))
    def divides(x):
        return 1 / x > 0

    v = check(divides, examples=20)
    assert (v.verdict, v.error, v.counterexample) == ("error", "ZeroDivisionError: division by zero", {"x": 0})


def test_a_strategy_that_fails_is_an_error_verdict():
    def boom(_):
        raise RuntimeError("no draw")

    @conjecture("cannot draw", x=st.integers().map(boom))
    def cannot_draw(x):
        return True

    v = check(cannot_draw, examples=5)
    assert (v.verdict, v.error, v.counterexample) == ("error", "drawing the arguments failed: RuntimeError: no draw", None)


def test_an_error_verdict_is_the_first_line_of_a_multi_line_message():
    @conjecture("raises a two-line error", x=st.integers(0, 3))
    def two_lines(x):
        raise ValueError("first line\nsecond line")

    v = check(two_lines, examples=5)
    assert (v.verdict, v.error) == ("error", "ValueError: first line")


def test_the_seed_decides_the_examples():
    # the same seed draws the same examples; seeds 0, 1, 2 draw different ones (x in 0..10**6:
    # three equal sequences of 5 draws would be a coincidence of odds below 10**-12)
    drawn: list[int] = []

    @conjecture("records its argument", x=st.integers(0, 10**6))
    def records(x):
        drawn.append(x)
        return True

    runs = []
    for seed in (0, 0, 1, 2):
        drawn.clear()
        assert check(records, examples=5, seed=seed).seed == seed
        runs.append(tuple(drawn))
    assert runs[0] == runs[1]
    assert len({runs[0], runs[2], runs[3]}) == 3


def test_evaluate_keeps_the_seed_it_is_given():
    v = evaluate(_returning(False), {"x": 2}, seed=7)
    assert (v.verdict, v.examples, v.counterexample, v.seed) == ("refuted", 1, {"x": 2}, 7)


def _three_arms():
    return FiniteMDP(["s0"], ["a0", "a1", "a2"], [[[1], [1], [1]]], {"true": [[0, 1, 0]]}, [1], discount=F(0))


# a strategy without an enumeration: the reduction leaves its MDP unrestricted
@conjecture("no reward reaches 1", expect="refuted", mdp=st.builds(_three_arms))
def no_reward_reaches_one(mdp):
    return claim(mdp.reward("true").max() < 1, actions=mdp.A)


def test_reduce_false_keeps_hypothesiss_counterexample_and_reduce_reduces():
    # Hypothesis has only the 3-armed MDP to draw; the reduction drops a2 (a1 still earns 1),
    # then a0, and keeps a1 (its reward 1 cannot become 0 or -1: the claim would hold)
    raw = check(no_reward_reaches_one, examples=5, reduce=False)
    assert raw.verdict == "refuted" and raw.reduction is None
    assert raw.counterexample["mdp"].actions == ("a0", "a1", "a2") and raw.numbers == {"actions": 3}
    reduced = check(no_reward_reaches_one, examples=5)
    assert reduced.reduction.moves == ("mdp: dropped action a2", "mdp: dropped action a0")
    assert reduced.counterexample["mdp"].actions == ("a1",)
    # the numbers are those of the reduced counterexample
    assert reduced.numbers == {"actions": 1}


# -- ordered parameters ----------------------------------------------------------------------------


@conjecture("for a < b < c, a < b < c", ordered=(("a", "b", "c"),), a=st.integers(0, 4), b=st.integers(0, 4),
            c=st.integers(0, 4), d=st.integers(0, 4))
def strictly_increasing(a, b, c, d):
    return claim(a < b < c, a=a, b=b, c=c)


@pytest.mark.parametrize("seed", range(5))
def test_ordered_groups_are_generated_strictly_increasing(seed):
    # the claim is exactly the ordering: any tie or reversal would refute it
    v = check(strictly_increasing, examples=100, seed=seed)
    assert v.verdict == "holds" and v.examples == 100


def test_an_ordered_refutation_keeps_its_order():
    @conjecture("for q1 < q2, q2 <= 2 q1", expect="refuted", ordered=(("q1", "q2"),),
                q1=st.integers(0, 9), q2=st.integers(0, 9))
    def doubling(q1, q2):
        return claim(q2 <= 2 * q1, q1=q1, q2=q2)

    for seed in range(5):
        v = check(doubling, examples=100, seed=seed)
        assert v.verdict == "refuted"
        assert v.counterexample == {"q1": 0, "q2": 1}  # the smallest pair with q1 < q2 that breaks it


@conjecture("for q1 < q2, q1 + q2 < 1", expect="refuted", ordered=(("q1", "q2"),), q1=quantile_levels(),
            q2=quantile_levels())
def sum_below_one(q1, q2):
    return claim(q1 + q2 < 1, q1=q1, q2=q2)


@pytest.mark.parametrize("seed", range(3))
def test_the_reduction_keeps_an_ordered_group_increasing(seed):
    # by hand: q2 = 1 is the simplest level and q1 + 1 >= 1 for every q1; q1 = 1/2 is the
    # simplest level below 1. The reduction must not try q1 = 1 (q1 = q2, which also "fails")
    v = check(sum_below_one, examples=100, seed=seed)
    assert v.verdict == "refuted" and v.counterexample == {"q1": F(1, 2), "q2": F(1)}
    assert v.numbers == {"q1": F(1, 2), "q2": F(1)}


@pytest.mark.parametrize("name", ["true_return_monotone_in_q", "true_return_monotone_in_beta", "true_return_monotone_in_n"])
def test_the_suites_ordered_statements_print_counterexamples_in_order(name, tmp_path, capsys):
    conj = suite()[name]
    first, second = conj.ordered[0]
    assert main(["check", name, "--examples", "30", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    saved = read_counterexample(tmp_path / f"{name}.counterexample.json")
    assert saved.args[first] < saved.args[second]
    shown = {line.split(" = ")[0].strip(): line.split(" = ")[1] for line in out.splitlines() if " = " in line}
    assert F(shown[first].split(" ")[0]) < F(shown[second].split(" ")[0])


@pytest.mark.parametrize(
    "ordered, message",
    [
        ("q1", "ordered is 'q1', not a tuple of groups of argument names"),
        (("q1", "q2"), "ordered[0] is 'q1', not a tuple of argument names (write ordered=(('q1', 'q2'),))"),
        ((("q1",),), "ordered[0] is ('q1',): a group orders at least 2 arguments"),
        ((("q1", "zz"),), "ordered[0] names 'zz', not an argument of the claim (its arguments: q1, q2, q3)"),
        ((("q1", "q2"), ("q2", "q3")), "ordered[1] names 'q2' again (it is in ordered[0])"),
    ],
)
def test_ordered_groups_are_validated(ordered, message):
    with pytest.raises(InvalidArgument) as info:
        theorem("t", ordered=ordered, q1=st.integers(), q2=st.integers(), q3=st.integers())
    assert str(info.value) == message


# -- counterexample files: error verdicts, exact numbers ---------------------------------------------


@conjecture("returns 1 from x = 2 on", x=st.integers(0, 9))
def returns_one_from_two(x):
    return True if x < 2 else 1


@conjecture("divides by x - 3", x=st.integers(0, 9))
def divides_by_x_minus_3(x):
    return claim(1 / (x - 3) != 0)


@pytest.mark.parametrize("conj, message", [
    (returns_one_from_two, "returns_one_from_two returned 1 (int), not a bool"),
    (divides_by_x_minus_3, "ZeroDivisionError: division by zero"),
])
def test_an_error_verdict_file_replays_as_the_same_error(conj, message, tmp_path, capsys):
    v = check(conj, examples=50)
    assert (v.verdict, v.error) == ("error", message)
    path = save_counterexample(v, tmp_path)
    assert json.loads(path.read_text())["error"] == message
    again, recorded = replay(path)
    assert (again.verdict, again.error, recorded) == ("error", message, "error")
    assert main(["replay", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{conj.name}: error on the saved case (recorded: error)" in out and f"  error: {message}" in out


@conjecture("claims with exact numbers", expect="refuted", q=st.just(F(2, 5)), f=st.just(0.1),
            big=st.just(10**30), pair=st.just((F(1, 3), [0.5, -2])), arr=st.just(np.array([F(1, 3), F(-7, 2)], dtype=object)),
            grid=st.just(np.array([[1.5, 2.0], [0.0, -0.25]])))
def exact_numbers(q, f, big, pair, arr, grid):
    return claim(False, gap=q - F(1, 5), f=f, big=big + 1, third=pair[0], inf=math.inf, flag=np.True_, text="x/y")


def test_the_numbers_round_trip_exactly(tmp_path):
    v = check(exact_numbers, examples=1)
    path = save_counterexample(v, tmp_path)
    doc = json.loads(path.read_text())
    assert doc["format"] == COUNTEREXAMPLE_FORMAT == "deconfuse.counterexample/2"
    assert doc["args"]["q"] == {"value": {"fraction": "2/5"}, "display": "2/5 (~0.4)"}
    assert doc["args"]["f"] == {"value": 0.1, "display": "0.1"}
    assert doc["numbers"]["gap"] == {"value": {"fraction": "1/5"}, "display": "1/5 (~0.2)"}
    assert doc["numbers"]["inf"]["value"] == {"float": "inf"}
    saved = read_counterexample(path)
    assert saved.args["q"] == F(2, 5) and type(saved.args["q"]) is F
    assert saved.args["f"] == 0.1 and type(saved.args["f"]) is float
    assert saved.args["big"] == 10**30 and saved.args["pair"] == (F(1, 3), [0.5, -2])
    assert saved.args["arr"].dtype == object and list(saved.args["arr"]) == [F(1, 3), F(-7, 2)]
    assert saved.args["grid"].dtype == np.float64 and saved.args["grid"].tolist() == [[1.5, 2.0], [0.0, -0.25]]
    assert saved.numbers == {"gap": F(1, 5), "f": 0.1, "big": 10**30 + 1, "third": F(1, 3), "inf": math.inf,
                             "flag": True, "text": "x/y"}
    again, recorded = replay(path)
    assert (again.verdict, recorded) == ("refuted", "refuted") and again.numbers["gap"] == F(1, 5)


def _same(a, b) -> bool:
    """Equal values of the same types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return a == b


_SCALARS = (st.integers(-10**40, 10**40) | st.fractions() | st.floats(allow_nan=False) | st.booleans()
            | st.none() | st.text(max_size=5))
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
                       | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@settings(max_examples=60, deadline=None)
@given(value=_VALUES)
def test_any_saved_value_reads_back_identical(value, tmp_path_factory):
    folder = tmp_path_factory.mktemp("values")
    v = evaluate(suite()["quantiliser_never_worse_than_argmax"], {"mdp": two_state(), "q": value})
    saved = read_counterexample(save_counterexample(v, folder))
    assert _same(saved.args["q"], value)


# -- counterexample files: from any folder ------------------------------------------------------------


NO_MDP = '''
from hypothesis import strategies as st
from property_tests.engine import claim, conjecture


@conjecture("every integer is below 100", expect="refuted", x=st.integers())
def below_100(x):
    return claim(x < 100, x=x)
'''


def test_a_conjecture_without_an_mdp_saves_and_replays_from_another_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "work").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "work" / "mine.py").write_text(NO_MDP)
    monkeypatch.chdir(tmp_path / "work")
    assert main(["check", "mine.py", "--examples", "100", "--out", "cex"]) == 0  # refuted, as declared
    out = capsys.readouterr().out
    assert "below_100: refuted [ok]" in out and "  x = 100" in out
    assert "replay: deconfuse replay cex/below_100.counterexample.json" in out and "graph:" not in out
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert main(["replay", str(tmp_path / "work" / "cex" / "below_100.counterexample.json")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "below_100: refuted on the saved case (recorded: refuted)"
    assert "x = 100" in out and "note:" not in out


def test_a_no_mdp_conjecture_exits_with_its_verdicts_status(tmp_path, capsys):
    user = tmp_path / "mine.py"
    user.write_text(NO_MDP.replace('expect="refuted"', 'expect="holds"'))
    assert main(["check", str(user), "--examples", "100", "--out", str(tmp_path / "cex")]) == 1
    assert "below_100: refuted [UNEXPECTED (expected holds)]" in capsys.readouterr().out
    assert (tmp_path / "cex" / "below_100.counterexample.json").is_file()


HELPER = "LIMIT = 10\n"

WITH_HELPER = '''
from hypothesis import strategies as st
from property_tests.engine import claim, conjecture
from limits_helper import LIMIT


@conjecture("every integer is below LIMIT", expect="refuted", x=st.integers(0, 50))
def below_limit(x):
    return claim(x < LIMIT, x=x, limit=LIMIT)
'''


def test_a_conjecture_file_may_import_a_module_beside_it(tmp_path, monkeypatch, capsys):
    project = tmp_path / "project"
    project.mkdir()
    (project / "limits_helper.py").write_text(HELPER)
    (project / "mine.py").write_text(WITH_HELPER)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    path_before = list(sys.path)
    assert main(["check", str(project / "mine.py"), "--examples", "100", "--out", str(project / "cex")]) == 0
    assert sys.path == path_before  # the file's folder was on sys.path only while it was imported
    saved = project / "cex" / "below_limit.counterexample.json"
    assert read_counterexample(saved).args == {"x": 10}
    doc = json.loads(saved.read_text())
    assert doc["conjecture"]["file"] == "../mine.py" and doc["conjecture"]["absolute"] == str(project / "mine.py")
    # the whole project moves: the path relative to the counterexample still finds the file
    moved = tmp_path / "moved"
    shutil.move(str(project), str(moved))
    capsys.readouterr()
    assert main(["replay", str(moved / "cex" / "below_limit.counterexample.json")]) == 0
    out = capsys.readouterr().out
    assert "below_limit: refuted on the saved case (recorded: refuted)" in out and "limit = 10" in out


def test_replay_says_when_the_conjecture_file_has_changed(tmp_path, capsys):
    user = tmp_path / "mine.py"
    user.write_text(NO_MDP)
    assert main(["check", str(user), "--examples", "100", "--out", str(tmp_path / "cex")]) == 0
    saved = tmp_path / "cex" / "below_100.counterexample.json"
    capsys.readouterr()
    assert main(["replay", str(saved)]) == 0
    assert "has changed" not in capsys.readouterr().out
    user.write_text(NO_MDP.replace("x < 100", "x < 1000"))
    assert main(["replay", str(saved)]) == 1  # the edited claim holds on x = 100
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == (f"note: {user} has changed since this counterexample was saved (its sha256 differs); "
                        "replaying with the file as it is now")
    assert lines[1] == "below_100: holds on the saved case (recorded: refuted)"


def test_a_copied_project_replays_its_own_conjecture_file_first(tmp_path, capsys):
    # the file beside the counterexample (relative path) is tried before the absolute path
    project = tmp_path / "project"
    project.mkdir()
    (project / "mine.py").write_text(NO_MDP)
    assert main(["check", str(project / "mine.py"), "--examples", "100", "--out", str(project / "cex")]) == 0
    copy = tmp_path / "copy"
    shutil.copytree(project, copy)
    (project / "mine.py").write_text(NO_MDP.replace("x < 100", "x < 1000"))  # the original changes
    capsys.readouterr()
    assert main(["replay", str(copy / "cex" / "below_100.counterexample.json")]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "below_100: refuted on the saved case (recorded: refuted)" and "note:" not in out


def test_the_seed_is_saved_and_replayed(tmp_path):
    v = check(sum_below_one, examples=50, seed=3)
    assert (v.verdict, v.seed) == ("refuted", 3)
    path = save_counterexample(v, tmp_path)
    assert json.loads(path.read_text())["seed"] == 3
    saved = read_counterexample(path)
    assert saved.seed == 3
    again, recorded = replay(saved)
    assert (again.verdict, again.seed, recorded) == ("refuted", 3, "refuted")


def test_a_format_1_file_is_still_read(tmp_path, capsys):
    from theory.io import save_mdp

    save_mdp(two_state(), tmp_path / "old.mdp.mdp.json")
    doc = {"format": "deconfuse.counterexample/1", "conjecture": "quantiliser_never_worse_than_argmax",
           "statement": "", "verdict": "holds", "seed": 0,
           "args": {"mdp": {"mdp": "old.mdp.mdp.json"}, "q": {"fraction": "1/2"}}, "numbers": {}}
    (tmp_path / "old.counterexample.json").write_text(json.dumps(doc))
    saved = read_counterexample(tmp_path / "old.counterexample.json")
    assert saved.args["q"] == F(1, 2) and saved.args["mdp"] == two_state()
    # on two_state, the q-quantiliser and the argmax both take "go" in s0 (its proxy is the larger)
    assert main(["replay", str(tmp_path / "old.counterexample.json")]) == 0
    assert "quantiliser_never_worse_than_argmax: holds on the saved case (recorded: holds)" in capsys.readouterr().out


# -- malformed counterexample files ------------------------------------------------------------------


def _valid_file(folder: Path) -> Path:
    conj = suite()["quantiliser_never_worse_than_argmax"]
    return save_counterexample(evaluate(conj, {"mdp": two_state(), "q": F(2, 5)}), folder)


def _edit(change):
    def apply(path: Path) -> None:
        doc = json.loads(path.read_text())
        change(doc)
        path.write_text(json.dumps(doc))
    return apply


def _raw(data: bytes):
    return lambda path: path.write_bytes(data)


def _mdp_file(change):
    def apply(path: Path) -> None:
        mdp_path = path.parent / "quantiliser_never_worse_than_argmax.mdp.mdp.json"
        doc = mdp_to_dict(two_state())
        change(doc)
        mdp_path.write_text(json.dumps(doc))
    return apply


MALFORMED = [
    ("missing verdict", _edit(lambda d: d.pop("verdict")), "$.verdict: missing"),
    ("missing args", _edit(lambda d: d.pop("args")), "$.args: missing"),
    ("missing format", _edit(lambda d: d.pop("format")), "$.format: missing"),
    ("missing display", _edit(lambda d: d["args"]["q"].pop("display")), "$.args.q.display: missing"),
    ("seed of the wrong type", _edit(lambda d: d.update(seed="zero")), "$.seed: is 'zero', not an integer"),
    ("args as an array", _edit(lambda d: d.update(args=[])), "$.args: is an array, expected an object"),
    ("display not a string", _edit(lambda d: d["args"]["q"].update(display=3)), "$.args.q.display: is 3, expected a string"),
    ("unknown argument", _edit(lambda d: d["args"].update(extra={"value": 1, "display": "1"})),
     "$.args.extra: quantiliser_never_worse_than_argmax takes no argument 'extra' (it takes mdp, q)"),
    ("missing argument", _edit(lambda d: d["args"].pop("q")), "$.args.q: missing (quantiliser_never_worse_than_argmax takes mdp, q)"),
    ("1/0", _edit(lambda d: d["args"]["q"].update(value={"fraction": "1/0"})), "$.args.q.value.fraction: '1/0' is not a number p/q"),
    ("unknown value tag", _edit(lambda d: d["args"]["q"].update(value={"complex": "1+2j"})),
     "$.args.q.value: is an object with the keys ['complex'], expected one value tag of"),
    ("bare array value", _edit(lambda d: d["args"]["q"].update(value=[1, 2])), "$.args.q.value: is an array"),
    ("float too large", _raw(b""), None),  # filled in below (needs the valid file's text)
    ("non-UTF-8 bytes", _raw(b'{"format": "\xff\xfe"}'), "not UTF-8 text (byte 0xff at offset 12)"),
    ("invalid JSON", _raw(b'{"format": "deconfuse.counterexample/2", "args": {'), "not valid JSON (Expecting"),
    ("empty file", _raw(b""), "not valid JSON (Expecting value at line 1, column 1)"),
    ("a JSON array", _raw(b"[1, 2]"), "$: is an array, expected an object (a counterexample file)"),
    ("deep nesting", _raw(b"[" * 200_000 + b"]" * 200_000), "not valid JSON (arrays and objects nested too deeply)"),
    ("verdict not one of the three", _edit(lambda d: d.update(verdict="maybe")),
     "$.verdict: is 'maybe', not one of 'holds', 'refuted', 'error'"),
    ("foreign format", _edit(lambda d: d.update(format="deconfuse.mdp/1")),
     "$.format: is 'deconfuse.mdp/1', not a counterexample format"),
    ("future format", _edit(lambda d: d.update(format="deconfuse.counterexample/9")),
     "$.format: is 'deconfuse.counterexample/9', not a counterexample format"),
    ("unknown field", _edit(lambda d: d.update(colour="red")), "$.colour: unknown field"),
    ("error verdict without message", _edit(lambda d: d.update(verdict="error", error="")),
     "$.error: is empty, but the verdict is 'error'"),
    ("conjecture not in the suite", _edit(lambda d: d["conjecture"].update(name="nope")),
     "$.conjecture: conjecture 'nope' is not in the suite"),
    ("conjecture as a number", _edit(lambda d: d.update(conjecture=3)), "$.conjecture: is a number, expected an object"),
    ("conjecture file gone", _edit(lambda d: d["conjecture"].update(file="gone.py", absolute="/nonexistent/gone.py")),
     "$.conjecture.file: the conjecture file is neither"),
    ("bad sha256", _edit(lambda d: d["conjecture"].update(sha256="xyz")), "$.conjecture.sha256: is 'xyz', not a sha256 digest"),
    ("MDP file missing", _edit(lambda d: d["args"]["mdp"].update(value={"mdp": "gone.mdp.json"})),
     "$.args.mdp.value.mdp: "),
    ("MDP that fails validation", _mdp_file(lambda m: m["transitions"]["s0"]["go"].update(s1="1/2")),
     "quantiliser_never_worse_than_argmax.mdp.mdp.json: transitions['s0', 'go'] sums to 3/5, not 1"),
    ("MDP with a missing row", _mdp_file(lambda m: m["transitions"]["s1"].pop("go")),
     "$.args.mdp.value.mdp: "),
    ("conjecture file without its absolute path", _edit(lambda d: d["conjecture"].update(file="mine.py")),
     "$.conjecture.absolute: missing (a conjecture file needs its absolute path too)"),
    ("boolean seed", _edit(lambda d: d.update(seed=True)), "$.seed: is True, not an integer"),
    ("argument name not an identifier", _edit(lambda d: d["args"].update({"q r": {"value": 1, "display": "1"}})),
     "$.args.q r: 'q r' is not an argument or number name"),
    ("finite float as a tag", _edit(lambda d: d["args"]["q"].update(value={"float": "1.5"})),
     "$.args.q.value.float: is '1.5', expected 'inf', '-inf' or 'nan' (finite floats are JSON numbers)"),
]


@pytest.mark.parametrize("name, damage, fragment", MALFORMED, ids=[case[0] for case in MALFORMED])
def test_a_malformed_file_is_one_line_with_status_2(name, damage, fragment, tmp_path, capsys):
    path = _valid_file(tmp_path)
    if name == "float too large":
        path.write_text(path.read_text().replace('{\n    "fraction": "2/5"\n   }', "1e400"))
        fragment = "$.args.q.value: is a number too large for a float"
    else:
        damage(path)
    capsys.readouterr()
    assert main(["replay", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"deconfuse: error: {path}") and captured.err.count("\n") == 1
    assert fragment in captured.err and "Traceback" not in captured.err


def test_the_valid_file_of_the_malformed_cases_replays(tmp_path):
    again, recorded = replay(_valid_file(tmp_path))
    assert (again.verdict, recorded) == ("holds", "holds")


def test_an_ordered_statement_refuses_a_file_that_contradicts_its_order(tmp_path, capsys):
    conj = suite()["true_return_monotone_in_n"]
    path = save_counterexample(evaluate(conj, {"mdp": two_state(), "n1": 1, "n2": 3}), tmp_path)
    path.write_text(path.read_text().replace('"value": 3', '"value": 0'))
    assert main(["replay", str(path)]) == 2
    assert "$.args: the values are not in the order true_return_monotone_in_n states (n1 < n2)" in capsys.readouterr().err


def test_a_malformed_file_in_a_fresh_process_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.counterexample.json"
    path.write_bytes(b"\x80junk")
    result = subprocess.run([sys.executable, "-m", "deconfuse", "replay", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == f"deconfuse: error: {path}: not UTF-8 text (byte 0x80 at offset 0)\n"

