"""PRISM import (environments.prism.load_prism): hand-worked small models with every field
derived by hand, the PRISM versions of the lava pair and the tomato grid against the built-in
environments (same transitions, rewards, optimal values and argmax sets, exactly, after
matching states by valuation and actions by label), and one test per bad input."""

from __future__ import annotations

import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest

import environments
from environments.prism import load_prism
from theory.errors import InvalidArgument, InvalidFile
from theory.solvers import solve

ROOT = Path(__file__).resolve().parents[1]
PRISM = ROOT / "environments" / "prism"

TWO_STATE = """mdp
module m
  s : [0..1] init 0;
  [go] s=0 -> 1/3:(s'=1) + 2/3:(s'=0);
  [] s=0 -> true;
  [go] s=1 -> true;
endmodule
rewards "gold"
  s=0 : 1;
  [go] s=1 : 1/2;
endrewards
rewards "cost"
  [go] true : 2;
endrewards
"""

DTMC = """dtmc
const int N;
const double p;
module m
  x : [0..N] init 0;
  [] x<N -> p:(x'=x+1) + (1-p):(x'=0);
  [] x=N -> true;
endmodule
rewards
  x=N : 1;
endrewards
"""

DUPLICATE = """mdp
module m
  s : [0..2];
  b : bool;
  [go] s=0 -> (s'=1);
  [go] s=0 -> (s'=2)&(b'=true);
  [] s>0 -> true;
endmodule
rewards "r"
  s=2 : 1;
endrewards
init (s=0 | s=1) & !b endinit
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _rows(m) -> dict[tuple[str, str], dict[str, F]]:
    return {(m.states[s], m.actions[a]): {m.states[t]: p for t, p in m.successors[s][a]}
            for s in range(m.S) for a in range(m.A) if m.enabled[s, a]}


# -- hand-worked models -------------------------------------------------------------------------


def test_two_state_mdp_fields(tmp_path):
    m = load_prism(_write(tmp_path, "two.prism", TWO_STATE), discount="1/2", rewards={"gold": "true"})
    assert m.states == ("s=0", "s=1")
    # "go" appears first in state 0; the unlabelled command is choice 1 of state 0: "c1"
    assert m.actions == ("go", "c1")
    assert m.enabled.tolist() == [[True, True], [True, False]]  # s=1 has only "go"
    assert _rows(m) == {("s=0", "go"): {"s=0": F(2, 3), "s=1": F(1, 3)}, ("s=0", "c1"): {"s=0": F(1)},
                        ("s=1", "go"): {"s=1": F(1)}}
    # r(s, a) = state reward + state-action reward; disabled pairs 0
    assert m.rewards["true"].tolist() == [[F(1), F(1)], [F(1, 2), F(0)]]
    assert m.rewards["cost"].tolist() == [[F(2), F(0)], [F(2), F(0)]]
    assert sorted(m.rewards) == ["cost", "true"]
    assert m.initial.tolist() == [F(1), F(0)]
    assert m.discount == F(1, 2) and m.horizon is None and m.exact
    # by hand: v(s=1) = 1/2 / (1 - 1/2) = 1; at s=0 "c1" gives 1 + v0/2 (v0 = 2), "go" gives
    # 1 + (2/3 v0 + 1/3 v1)/2 = 1 + 2/3 + 1/6 = 11/6 < 2: the argmax is "c1"
    sol = solve(m, "true")
    assert list(sol.values) == [F(2), F(1)]
    assert sol.argmax[0] == ("c1",)


def test_dtmc_constants_unnamed_reward(tmp_path):
    path = _write(tmp_path, "chain.prism", DTMC)
    m = load_prism(path, constants={"N": "2", "p": "1/4"}, horizon=3)
    assert m.states == ("x=0", "x=1", "x=2") and m.actions == ("step",)
    assert m.enabled.all()
    assert _rows(m) == {("x=0", "step"): {"x=1": F(1, 4), "x=0": F(3, 4)},
                        ("x=1", "step"): {"x=2": F(1, 4), "x=0": F(3, 4)},
                        ("x=2", "step"): {"x=2": F(1)}}
    assert list(m.rewards) == ["reward"]  # the unnamed structure
    assert m.rewards["reward"].tolist() == [[F(0)], [F(0)], [F(1)]]
    assert m.horizon == 3 and m.discount is None
    # by hand, 3 steps from x=0 (rewards at t = 0, 1, 2): x=2 is first reached at t = 2 with
    # probability 1/16, so the expected reward is 1/16
    assert solve(m, "reward").initial_values[0] == F(1, 16)


def test_duplicate_labels_booleans_and_several_initial_states(tmp_path):
    m = load_prism(_write(tmp_path, "dup.prism", DUPLICATE), discount="9/10")
    # integers before booleans in the label; booleans as true/false
    assert set(m.states) == {"s=0,b=false", "s=1,b=false", "s=2,b=true"}
    assert m.actions == ("go", "go#2", "c0")
    s0 = m.state_index("s=0,b=false")
    assert _rows(m)[("s=0,b=false", "go")] == {"s=1,b=false": F(1)}
    assert _rows(m)[("s=0,b=false", "go#2")] == {"s=2,b=true": F(1)}
    assert m.enabled[s0].tolist() == [True, True, False]
    # two initial states, uniform
    assert m.initial[s0] == F(1, 2) and m.initial[m.state_index("s=1,b=false")] == F(1, 2)


# -- the PRISM versions of built-in environments ------------------------------------------------


def _cell(label: str) -> str:
    """"r=2,c=3" -> "(2,3)"; "r=0,c=0" -> "done"."""
    if label == "r=0,c=0":
        return "done"
    r, c = (part.split("=")[1] for part in label.split(","))
    return f"({r},{c})"


CASES = [
    ("lava.prism", {"test": "0"}, environments.lava_train, {}),
    ("lava.prism", {"test": "1"}, environments.lava_test, {}),
    ("tomato.prism", {}, environments.tomato, {}),
    ("lava.prism", {"test": "1", "slip": "1/5"}, environments.lava_test, {"slip": F(1, 5)}),
    ("tomato.prism", {"slip": "1/10"}, environments.tomato, {"slip": F(1, 10)}),
]


@pytest.mark.parametrize("name, constants, builder, kwargs", CASES)
def test_prism_files_equal_the_builtin_environments(tmp_path, name, constants, builder, kwargs):
    path = PRISM / name
    if "slip" in constants:  # the shipped files define slip = 0; a copy leaves it open
        text = path.read_text()
        assert "const double slip = 0;" in text
        path = _write(tmp_path, name, text.replace("const double slip = 0;", "const double slip;"))
    m = load_prism(path, constants=constants, discount="9/10", rewards={"gold": "true"})
    b = builder(**kwargs)
    assert set(m.actions) == set(b.actions) and m.enabled.all()
    assert sorted(m.rewards) == ["proxy", "true"]
    # Storm builds the reachable states: every cell but the terminal ones (entered -> done)
    cells = [_cell(s) for s in m.states]
    assert len(set(cells)) == m.S and set(cells) <= set(b.states)
    unreachable = set(b.states) - set(cells)
    assert unreachable and all(b.rewards["true"][b.state_index(s)].tolist() == [0] * 4 for s in unreachable)
    assert cells[int(np.flatnonzero(m.initial)[0])] == b.states[int(np.flatnonzero(b.initial)[0])]
    for s, label in enumerate(cells):
        j = b.state_index(label)
        for a, action in enumerate(m.actions):
            k = b.action_index(action)
            assert {cells[t]: p for t, p in m.successors[s][a]} == {b.states[t]: p for t, p in b.successors[j][k]}
            for reward in ("true", "proxy"):
                assert m.rewards[reward][s, a] == b.rewards[reward][j, k]
    for reward in ("true", "proxy"):
        ours, theirs = solve(m, reward), solve(b, reward)
        for s, label in enumerate(cells):
            j = b.state_index(label)
            assert ours.values[s] == theirs.values[j]
            assert set(ours.argmax[s]) == set(theirs.argmax[j])


def test_tomato_games_the_proxy():
    """The argmax of the proxy walks to the bucket, that of the true reward to the tomatoes."""
    m = load_prism(PRISM / "tomato.prism", discount="9/10", rewards={"gold": "true"})
    start = m.state_index("r=2,c=3")
    assert solve(m, "proxy").argmax[start] == ("up", "left") and set(solve(m, "true").argmax[start]) == {"down", "right"}


# -- bad input ----------------------------------------------------------------------------------

SYNTAX = "mdp\nmodule m\n s : [0..1] init 0;\n [] s=0 -> 1/2:(s'=1);\nendmoduel\n"
CTMC = "ctmc\nmodule m\n s : [0..1] init 0;\n [] s=0 -> 3:(s'=1) + 1:(s'=0);\nendmodule\n"
GAME = "smg\nplayer p1 m endplayer\nmodule m\n s : [0..1] init 0;\n [] s=0 -> (s'=1);\nendmodule\n"
NO_REWARD = "mdp\nmodule m\n s : [0..1] init 0;\n [] true -> (s'=1-s);\nendmodule\n"
PROPERTY = 'Pmax=? [F "goal"]\n'


@pytest.mark.parametrize("text, kwargs, error, fragment", [
    (SYNTAX, {}, InvalidFile, 'Storm cannot parse it as a PRISM model: Parsing error at 5:1: expecting "endmodule"'),
    (PROPERTY, {}, InvalidFile, "expecting <model type>, here: Pmax=? [F \"goal\"] (a property file?"),
    (CTMC, {}, InvalidFile, "the model is a CTMC, not an MDP or a DTMC"),
    (GAME, {}, InvalidFile, "the model type is not an MDP or a DTMC"),
    (NO_REWARD, {}, InvalidFile, "no reward structure; deconfuse needs at least one"),
    (DTMC, {"constants": {"N": "2"}}, InvalidArgument, "the constant(s) p are undefined; give --const p=VALUE"),
    (DTMC, {"constants": {"N": "2", "q": "1"}}, InvalidArgument, "--const q: the file has no constant 'q' (its constants: N, p)"),
    (DTMC, {"constants": {"N": "x", "p": "1/2"}}, InvalidArgument, "refers to unknown identifiers: x"),
    (DTMC, {"constants": {"N": "1/2", "p": "1/2"}}, InvalidArgument, "Illegal value for integer constant: 1/2"),
    (TWO_STATE, {"rewards": {"silver": "true"}}, InvalidArgument,
     "--reward-name silver=true: the file has no reward structure 'silver' (it has 'cost', 'gold')"),
    (TWO_STATE, {"rewards": {"gold": "cost"}}, InvalidArgument, "two reward structures would be named 'cost'"),
])
def test_bad_prism_files(tmp_path, text, kwargs, error, fragment):
    path = _write(tmp_path, "bad.prism", text)
    with pytest.raises(error) as info:
        load_prism(path, discount="9/10", **kwargs)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and fragment in message and "\n" not in message


def test_defined_constant_and_missing_time_and_missing_file(tmp_path):
    with pytest.raises(InvalidArgument, match="--const slip: the file defines slip itself"):
        load_prism(PRISM / "tomato.prism", constants={"slip": "1/2"}, discount="9/10")
    with pytest.raises(InvalidArgument, match="PRISM has no discount: give --discount 9/10 or --horizon H"):
        load_prism(PRISM / "tomato.prism")
    with pytest.raises(InvalidArgument, match="discount is '1/2' and horizon is 3"):
        load_prism(PRISM / "tomato.prism", discount="1/2", horizon=3)
    with pytest.raises(InvalidFile, match=r"nope\.prism: cannot read \(No such file or directory\)"):
        load_prism(tmp_path / "nope.prism", discount="9/10")


def test_without_stormpy_one_line_names_the_extra(tmp_path):
    code = ("import sys; sys.modules['stormpy'] = None\n"
            "from environments.prism import load_prism\n"
            "try:\n    load_prism('x.prism', discount='9/10')\n"
            "except Exception as e:\n    print(type(e).__name__, e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.startswith("InvalidArgument x.prism: reading PRISM files needs stormpy: pip install 'deconfuse[storm]'")


# -- the command line ---------------------------------------------------------------------------


def _cli(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deconfuse", *argv], cwd=ROOT, capture_output=True, text=True)


def test_cli_solves_the_readme_command():
    out = _cli("solve", "environments/prism/lava.prism", "--const", "test=1", "--discount", "9/10",
               "--reward-name", "gold=true", "--reward", "true", "--json")
    assert out.returncode == 0, out.stderr
    import json

    values = json.loads(out.stdout)["values"]
    assert values["r=1,c=1"] == str(solve(environments.lava_test(), "true").values[0])


@pytest.mark.parametrize("argv, fragment", [
    (("solve", "environments/prism/lava.prism", "--const", "test=1"),
     "lava.prism: PRISM has no discount: give --discount 9/10 or --horizon H"),
    (("solve", "environments/prism/lava.prism", "--discount", "9/10"),
     "the constant(s) test are undefined; give --const test=VALUE"),
    (("solve", "environments/prism/lava.prism", "--param", "test=1", "--discount", "9/10"),
     "--param is for environments, not for the PRISM file"),
    (("solve", "chain", "--const", "N=3"), "--const is for PRISM files, not for the environment 'chain'"),
    (("solve", "chain", "--horizon", "3"), "--horizon is for PRISM files, not for the environment 'chain' (write --param horizon=3)"),
    (("compare", "chain", "--reward-name", "gold=true"), "--reward-name is for PRISM files"),
    (("solve", "environments/prism/lava.prism", "--const", "test=1", "--const", "test=0", "--discount", "9/10"),
     "--const test is given twice"),
])
def test_cli_bad_input_is_one_line(argv, fragment):
    out = _cli(*argv)
    assert out.returncode == 2 and out.stdout == ""
    lines = out.stderr.splitlines()
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in out.stderr
