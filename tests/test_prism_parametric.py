"""Parametric PRISM import (environments.prism.load_parametric_prism): a hand-worked parametric
MDP and DTMC with every field derived by hand, agreement with the exact importer at rational
points (substitute(load_parametric_prism(f)) == load_prism(f with the value)), the CLI's
``solve FILE.prism --symbolic p=LO..HI`` against a partition worked by hand, and one test per
bad input."""

from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
import sympy

from deconfuse.cli import main
from environments.prism import load_parametric_prism, load_prism
from theory.errors import InvalidArgument, InvalidFile, InvalidMDP
from theory.symbolic import optimal_partition, substitute

p, q = sympy.symbols("p q")

# s=0 --go--> s=1 w.p. p, s=2 w.p. 1-p (reward p on go); --wait--> stays w.p. 1/(1+p), s=1 w.p.
# p/(1+p) (reward 0); s=1 pays 1 a step, s=2 pays q (a reward parameter), both absorbing.
COIN = """mdp
const double p;
const double q;
const int K = 2;
module m
  s : [0..K] init 0;
  [go] s=0 -> p : (s'=1) + (1-p) : (s'=2);
  [wait] s=0 -> 1/(1+p) : (s'=0) + p/(1+p) : (s'=1);
  [go] s>0 -> (s'=s);
  [wait] s>0 -> (s'=s);
endmodule
rewards "gold"
  s=1 : 1;
  s=2 : q;
  [go] s=0 : p;
endrewards
"""

# A DTMC: from s=0 to s=1 w.p. p^2/3, else to s=2; reward 2/7 in s=1; N a plain constant.
CHAIN = """dtmc
const double p;
const int N;
module m
  s : [0..N] init 0;
  [] s=0 -> p*p/3 : (s'=1) + (1-p*p/3) : (s'=2);
  [] s>0 -> (s'=s);
endmodule
rewards
  s=1 : 2/7;
endrewards
"""


@pytest.fixture
def write(tmp_path: Path):
    def _write(text: str, name: str = "m.prism") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def test_parametric_mdp_every_field_by_hand(write) -> None:
    m = load_parametric_prism(write(COIN), {"p": (0, 1), "q": ("-1", "1/2")}, discount="9/10")
    assert m.states == ("s=0", "s=1", "s=2")
    assert m.actions == ("go", "wait")
    assert m.params == {"p": (F(0), F(1)), "q": (F(-1), F(1, 2))}
    assert m.discount == sympy.Rational(9, 10) and m.horizon is None
    expected = {
        (0, 0): {1: p, 2: 1 - p},
        (0, 1): {0: 1 / (1 + p), 1: p / (1 + p)},
        (1, 0): {1: 1}, (1, 1): {1: 1}, (2, 0): {2: 1}, (2, 1): {2: 1},
    }
    for (s, a), row in expected.items():
        for s2 in range(3):
            assert sympy.simplify(m.transitions[s, a, s2] - row.get(s2, 0)) == 0, (s, a, s2)
    gold = [[p, 0], [1, 1], [q, q]]
    for s in range(3):
        for a in range(2):
            assert sympy.simplify(m.rewards["gold"][s, a] - gold[s][a]) == 0, (s, a)
    assert list(m.initial) == [1, 0, 0]


def test_parametric_dtmc_constant_rewards_and_horizon(write) -> None:
    m = load_parametric_prism(write(CHAIN), {"p": (0, 1)}, constants={"N": "2"}, horizon=3)
    assert m.states == ("s=0", "s=1", "s=2") and m.actions == ("step",) and m.horizon == 3
    assert sympy.simplify(m.transitions[0, 0, 1] - p**2 / 3) == 0
    assert sympy.simplify(m.transitions[0, 0, 2] - (1 - p**2 / 3)) == 0
    assert list(m.rewards["reward"][:, 0]) == [0, sympy.Rational(2, 7), 0]
    # horizon 3 from s=0: 0 + p^2/3 * 2/7 * 2 (steps t = 1, 2) = 4 p^2 / 21, one piece
    (piece,) = optimal_partition(m, "p", 0, 1, "reward")
    assert sympy.simplify(piece.initial_value - 4 * p**2 / 21) == 0


@pytest.mark.parametrize("point", [F(1, 3), F(1, 2), F(7, 10)])
def test_substituted_equals_the_exact_import(write, point: F) -> None:
    """At a rational point, the parametric model substituted equals the exact import of the
    file with p (and q) defined: the same states, actions, numbers, exactly. (Inside the range:
    at p = 0 the exact build does not reach s=1, which the parametric build keeps.)"""
    path = write(COIN)
    m = load_parametric_prism(path, {"p": (0, 1), "q": (0, 1)}, discount="1/2")
    at = substitute(m, p=point, q=F(1) - point)
    exact = load_prism(path, constants={"p": str(point), "q": str(F(1) - point)}, discount="1/2")
    assert at.states == exact.states and at.actions == exact.actions
    assert np.array_equal(at.transitions, exact.transitions)
    assert np.array_equal(at.rewards["gold"], exact.rewards["gold"])
    assert np.array_equal(at.initial, exact.initial) and at.discount == exact.discount


def test_cli_symbolic_partition_worked_by_hand(write, capsys) -> None:
    """COIN with q = 0, discount 1/2. V(s=1) = 1/(1 - 1/2) = 2, V(s=2) = 0.
    go:   p + 1/2 (2p) = 2p.
    wait: V = 1/2 (V/(1+p) + 2p/(1+p)) => V (2(1+p) - 1) = 2p => V = 2p/(1+2p).
    2p >= 2p/(1+2p) on [0, 1] (equal only at p = 0): go optimal everywhere; at p = 0 both
    are 0, so one piece whose value from the initial state is 2p."""
    path = write(COIN)
    assert main(["solve", str(path), "--symbolic", "p=0..1", "--const", "q=0", "--discount", "1/2"]) == 0
    out = capsys.readouterr().out
    assert "1 pieces, 0 breakpoints" in out and "value from initial: 2*p" in out
    assert "s=0: go" in out


def test_cli_symbolic_breakpoint_worked_by_hand(write, capsys) -> None:
    """COIN with p = 1/2 and the reward parameter q in [-3, 1], discount 1/2.
    V(s=1) = 1/(1 - 1/2) = 2, V(s=2) = 2q (both actions alike there).
    go:   1/2 + 1/2 (1/2 * 2 + 1/2 * 2q) = 1 + q/2.
    wait: V = 1/2 (2/3 V + 1/3 * 2) => V (1 - 1/3) = 1/3 => V = 1/2.
    1 + q/2 = 1/2 at q = -1: wait on [-3, -1] (value 1/2), go on [-1, 1] (value 1 + q/2)."""
    import json

    path = write(COIN)
    assert main(["solve", str(path), "--symbolic", "q=-3..1", "--const", "p=1/2", "--discount", "1/2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [b["exact"] for b in out["breakpoints"]] == ["-1"]
    first, second = out["pieces"]
    assert (first["lo"], first["hi"], second["lo"], second["hi"]) == ("-3", "-1", "-1", "1")
    assert first["argmax"]["s=0"] == ["wait"] and second["argmax"]["s=0"] == ["go"]
    assert sympy.sympify(first["value_from_initial"]) == sympy.Rational(1, 2)
    assert sympy.simplify(sympy.sympify(second["value_from_initial"]) - (1 + q / 2)) == 0


def _expect(exc: type, match: str, *args, **kwargs) -> None:
    with pytest.raises(exc, match=match) as info:
        load_parametric_prism(*args, **kwargs)
    assert "\n" not in str(info.value)


def test_bad_parameters_one_line_each(write) -> None:
    chain = write(CHAIN)
    _expect(InvalidArgument, r"--symbolic x: the file has no constant 'x' \(its constants: p, N\)",
            chain, {"x": (0, 1)}, constants={"N": "2"}, discount="1/2")
    _expect(InvalidArgument, r"the constant\(s\) N are undefined; give --const N=VALUE",
            chain, {"p": (0, 1)}, discount="1/2")
    _expect(InvalidArgument, r"--symbolic N: N is a constant of type int; a parameter is a double",
            chain, {"p": (0, 1), "N": (0, 1)}, discount="1/2")
    _expect(InvalidArgument, r"p is given both a value \(--const\) and a range \(--symbolic\)",
            chain, {"p": (0, 1)}, constants={"N": "2", "p": "1/2"}, discount="1/2")
    coin = write(COIN, "coin.prism")
    _expect(InvalidArgument, r"--symbolic K: the file defines K itself", coin, {"p": (0, 1), "K": (0, 1)},
            constants={"q": "0"}, discount="1/2")
    _expect(InvalidArgument, r"PRISM has no discount", coin, {"p": (0, 1), "q": (0, 1)})


def test_bad_models_one_line_each(write) -> None:
    # a range on which a probability is negative: ParametricMDP's check, naming the file
    _expect(InvalidMDP, r"m.prism: transitions\['s=0', 'step', 's=2'\] = 1 - p\*\*2/3 is negative at p = ",
            write(CHAIN), {"p": (0, 2)}, constants={"N": "2"}, discount="1/2")
    # a parameter in a guard: Storm's reason
    guard = CHAIN.replace("[] s=0 ->", "[] s=0 & p>1/2 ->")
    _expect(InvalidFile, r"Storm cannot build the model: .*undefined constants", write(guard, "g.prism"),
            {"p": (0, 1)}, constants={"N": "2"}, discount="1/2")
    # state-dependent action sets: a ParametricMDP has none
    partial = COIN.replace("  [wait] s>0 -> (s'=s);\n", "")
    _expect(InvalidFile, r"state 's=1' enables 1 of the 2 actions", write(partial, "p.prism"),
            {"p": (0, 1), "q": (0, 1)}, discount="1/2")


def test_cli_errors_exit_2_one_line(write, capsys) -> None:
    chain = str(write(CHAIN))
    cases = [
        (["--symbolic", "p", "--const", "N=2", "--discount", "1/2"], "write --symbolic p=LO..HI"),
        (["--symbolic", "x=0..1", "--const", "N=2", "--discount", "1/2"], "the file has no constant 'x'"),
        (["--symbolic", "p=0..1", "--discount", "1/2"], "the constant(s) N are undefined"),
        (["--symbolic", "p=0..1", "--const", "N=2", "--discount", "1/2", "--param", "k=1"], "--param is for environments"),
    ]
    for extra, message in cases:
        assert main(["solve", chain, *extra]) == 2, extra
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err, err
    assert main(["solve", "chain", "--symbolic", "discount=0..1/2", "--discount", "1/2"]) == 2
    assert "--discount is for PRISM files" in capsys.readouterr().err
