"""Storm's parametric engine (storm-pars) as an independent oracle for deconfuse's exact
one-parameter partitions (theory.symbolic.optimal_partition).

For a parametric PRISM model imported by :func:`environments.prism.load_parametric_prism`, and
for the deterministic policy of every piece of deconfuse's partition, the value of that policy
at every state, a rational function of the parameter, must equal the one Storm computes on the
induced parametric DTMC. Storm refuses an exact discounted objective, so the DTMC is the
absorbing-sink construction (as in tests/test_storm_oracle.py): from every state s, go to s'
with probability gamma P_pi(s'|s) and to an absorbing zero-reward state "sink" with 1 - gamma;
the expected reward collected before the sink, ``R{"r"}=? [F "sink"]``, is the discounted value
of the policy. The DTMC is written here as PRISM text with a parameter ``const double p;`` and
built with ``stormpy.build_model[stormpy.RationalFunction]``; Storm's answer (a pycarl rational
function) is read back into sympy independently of the importer. Two rational functions are
equal when their difference cancels to 0; the numerator and denominator degrees (in lowest
terms) and the values at several exact rational points are compared too.

One model's partition and values are worked by hand (RISK below); a negative control shows that
a wrong value (another piece's) is caught.
"""

from __future__ import annotations

import re
from fractions import Fraction as F
from pathlib import Path

import pytest
import sympy
import stormpy
from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

from environments.prism import load_parametric_prism
from theory.symbolic import ParametricMDP, optimal_partition, policy_value

p = sympy.Symbol("p")

# RISK, discount 9/10. s=1 pays 1 a step, s=1 and s=2 absorbing (every action a self-loop).
# At s=0: safe  -> s=1 w.p. 1/2, stay w.p. 1/2;
#         risky -> s=1 w.p. p, s=2 (pays 0) w.p. 1-p;
#         wait  -> stay w.p. p, s=1 w.p. 1-p.
# By hand: V(s=1) = 1/(1 - 9/10) = 10, V(s=2) = 0.
#   safe:  V = 9/10 (5 + V/2)       => V (1 - 9/20) = 9/2     => V = 90/11;
#   risky: V = 9/10 (10 p)          = 9p;
#   wait:  V = 9/10 (p V + 10(1-p)) => V (1 - 9p/10) = 9(1-p) => V = 90(1-p)/(10 - 9p).
# wait = safe: 99(1-p) = 90 - 81p => p = 1/2; safe = risky: p = 10/11; wait = risky at
# p = (10 - sqrt(10))/9 ~ 0.76, where safe (~8.18) beats both (~6.84). So three pieces:
# [0, 1/2] wait, [1/2, 10/11] safe, [10/11, 1] risky.
RISK = """mdp
const double p;
module m
  s : [0..2] init 0;
  [safe]  s=0 -> 1/2 : (s'=1) + 1/2 : (s'=0);
  [risky] s=0 -> p : (s'=1) + (1-p) : (s'=2);
  [wait]  s=0 -> p : (s'=0) + (1-p) : (s'=1);
  [safe]  s>0 -> (s'=s);
  [risky] s>0 -> (s'=s);
  [wait]  s>0 -> (s'=s);
endmodule
rewards "gold"
  s=1 : 1;
endrewards
"""

# COIN: rational-function probabilities and a reward that depends on p.
COIN = """mdp
const double p;
module m
  s : [0..3] init 0;
  [go]   s=0 -> p : (s'=1) + (1-p) : (s'=2);
  [wait] s=0 -> 1/(1+p) : (s'=0) + p/(1+p) : (s'=3);
  [go]   s=1 -> (s'=0);
  [wait] s=1 -> 1/2 : (s'=1) + 1/2 : (s'=3);
  [go]   s>1 -> (s'=s);
  [wait] s>1 -> p*p : (s'=0) + (1-p*p) : (s'=s);
endmodule
rewards "gold"
  s=1 : 1;
  s=3 : 1/3;
  [go] s=0 : p;
  [wait] s=2 : 1 - p;
endrewards
"""


def _prism_number(expr: sympy.Expr) -> str:
    """A sympy rational function as a PRISM expression ("^" for powers, all else as printed)."""
    return str(sympy.together(expr)).replace("**", "^")


def induced_sink_prism(pmdp: ParametricMDP, choice: tuple[str, ...], reward: str) -> str:
    """The induced parametric DTMC of the deterministic policy ``choice`` with the absorbing
    sink (state S), as PRISM text; every state is initial so that Storm keeps all of them."""
    S, gamma = pmdp.S, pmdp.discount
    lines = ["dtmc", "const double p;", "module m", f"  s : [0..{S}];"]
    for s, action in enumerate(choice):
        a = pmdp.actions.index(action)
        updates = [f"({_prism_number(gamma * pmdp.transitions[s, a, j])}) : (s'={j})"
                   for j in range(S) if pmdp.transitions[s, a, j] != 0]
        updates.append(f"({_prism_number(1 - gamma)}) : (s'={S})")
        lines.append(f"  [] s={s} -> " + " + ".join(updates) + ";")
    lines += [f"  [] s={S} -> (s'={S});", "endmodule", "init true endinit", f'label "sink" = s={S};',
              f'rewards "{reward}"']
    for s, action in enumerate(choice):
        r = pmdp.rewards[reward][s, pmdp.actions.index(action)]
        if r != 0:
            lines.append(f"  s={s} : {_prism_number(r)};")
    lines.append("endrewards")
    return "\n".join(lines) + "\n"


def _from_storm(value) -> sympy.Expr:
    """Storm's rational function (its string form) as sympy, read here, not by the importer."""
    text = str(value)
    assert set(re.findall(r"[A-Za-z_]\w*", text)) <= {"p"}, text
    return parse_expr(text, local_dict={"p": p}, transformations=standard_transformations + (convert_xor,))


def storm_policy_values(pmdp: ParametricMDP, choice: tuple[str, ...], reward: str, tmp: Path) -> list[sympy.Expr]:
    """Storm's parametric value of the policy ``choice`` at states 0..S-1 (sink construction)."""
    path = tmp / "induced.prism"
    path.write_text(induced_sink_prism(pmdp, choice, reward), encoding="utf-8")
    program = stormpy.parse_prism_program(str(path), prism_compatibility=True)
    model = stormpy.build_model[stormpy.RationalFunction](program, options=stormpy.BuilderOptions(build_full=True))
    assert model.model_type.name == "DTMC" and model.nr_states == pmdp.S + 1
    prop = stormpy.parse_properties(f'R{{"{reward}"}}=? [F "sink"]', program)[0]
    result = stormpy.model_checking(model, prop, only_initial_states=False)
    var = program.modules[0].integer_variables[0].expression_variable
    by_state = {model.state_valuations.get_value(i, var): _from_storm(result.get_value(i)) for i in range(model.nr_states)}
    return [by_state[s] for s in range(pmdp.S)]


def same_rational_function(a: sympy.Expr, b: sympy.Expr, points: tuple[F, ...]) -> bool:
    """a == b as rational functions: the difference cancels to 0, the lowest-terms numerator
    and denominator degrees agree, and the values agree at every exact rational point."""
    a, b = sympy.cancel(sympy.sympify(a)), sympy.cancel(sympy.sympify(b))
    if sympy.cancel(a - b) != 0:
        return False
    degrees = [tuple(sympy.degree(part, p) for part in sympy.fraction(x)) for x in (a, b)]
    if degrees[0] != degrees[1]:
        return False
    return all(a.subs(p, sympy.Rational(x.numerator, x.denominator)) == b.subs(p, sympy.Rational(x.numerator, x.denominator))
               for x in points)


POINTS = (F(0), F(1, 7), F(1, 3), F(1, 2), F(5, 7), F(9, 10), F(1))


def _load(tmp_path: Path, text: str) -> ParametricMDP:
    path = tmp_path / "model.prism"
    path.write_text(text, encoding="utf-8")
    return load_parametric_prism(path, {"p": (0, 1)}, discount="9/10")


@pytest.mark.parametrize("text", [RISK, COIN], ids=["risk", "coin"])
def test_every_piece_policy_value_equals_storm_pars(tmp_path: Path, text: str) -> None:
    pmdp = _load(tmp_path, text)
    pieces = optimal_partition(pmdp, "p", 0, 1, "gold")
    for piece in pieces:
        ours = policy_value(pmdp, list(piece.choice), "gold")
        theirs = storm_policy_values(pmdp, piece.choice, "gold", tmp_path)
        for s in range(pmdp.S):
            assert same_rational_function(ours[s], theirs[s], POINTS), (piece.choice, s, ours[s], theirs[s])
            # the piece's optimal value is that policy's value
            assert same_rational_function(piece.values[s], theirs[s], POINTS), (piece.choice, s)


def test_risk_partition_and_values_by_hand(tmp_path: Path) -> None:
    """RISK's three pieces and their values at s=0, derived in the comment above RISK, against
    deconfuse's partition and against Storm's parametric values of the pieces' policies."""
    pmdp = _load(tmp_path, RISK)
    pieces = optimal_partition(pmdp, "p", 0, 1, "gold")
    assert [(x.lo, x.hi) for x in pieces] == [(0, sympy.Rational(1, 2)), (sympy.Rational(1, 2), sympy.Rational(10, 11)),
                                             (sympy.Rational(10, 11), 1)]
    assert [x.choice[0] for x in pieces] == ["wait", "safe", "risky"]
    by_hand = [90 * (1 - p) / (10 - 9 * p), sympy.Rational(90, 11), 9 * p]
    for piece, value in zip(pieces, by_hand):
        storm = storm_policy_values(pmdp, piece.choice, "gold", tmp_path)
        assert same_rational_function(storm[0], value, POINTS), (piece.choice, storm[0])
        assert same_rational_function(piece.values[0], value, POINTS), (piece.choice, piece.values[0])
        assert same_rational_function(storm[1], 10, POINTS) and same_rational_function(storm[2], 0, POINTS)


def test_negative_control_another_pieces_value_is_caught(tmp_path: Path) -> None:
    """The comparison can fail: Storm's value of the wait policy is not the safe piece's, nor
    is a value off by 1/1000 the same rational function."""
    pmdp = _load(tmp_path, RISK)
    wait, safe, _ = optimal_partition(pmdp, "p", 0, 1, "gold")
    storm_wait = storm_policy_values(pmdp, wait.choice, "gold", tmp_path)[0]
    assert not same_rational_function(storm_wait, safe.values[0], POINTS)
    assert not same_rational_function(storm_wait, wait.values[0] + sympy.Rational(1, 1000), POINTS)
    # equal values at the sample points do not suffice: degrees and the cancelled difference
    # decide (p^2 - p vanishes at 0 and 1 only, so use those points alone)
    assert not same_rational_function(p**2, p, (F(0), F(1)))


def test_every_deterministic_policy_of_coin_equals_storm_pars(tmp_path: Path) -> None:
    """Beyond the partition's policies (COIN has one piece): all 2^4 deterministic policies of
    COIN, whose values are rational functions of degree up to 5 / 5, against Storm."""
    import itertools

    pmdp = _load(tmp_path, COIN)
    for choice in itertools.product(pmdp.actions, repeat=pmdp.S):
        ours = policy_value(pmdp, list(choice), "gold")
        theirs = storm_policy_values(pmdp, choice, "gold", tmp_path)
        for s in range(pmdp.S):
            assert same_rational_function(ours[s], theirs[s], POINTS), (choice, s, ours[s], theirs[s])
