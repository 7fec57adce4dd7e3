"""Export to PRISM and DRN (theory.export): the text of the two-state example written by hand
from the two formats, and round trips through Storm's exact parsers (stormpy, Rational numbers):
every state, choice, choice label, transition probability and reward that Storm builds equals
the FiniteMDP's, as Fractions."""

from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
import stormpy

import environments
from deconfuse.cli import main
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.export import drn_text, identifier, prism_text, save_drn, save_prism
from theory.mdp import FiniteMDP

# -- the two-state example by hand ---------------------------------------------------------------
# two_state: s0 --stay--> s0 (1); s0 --go--> s0 (1/10), s1 (9/10); s1 --stay--> s1 (1), pays
# true 1 and proxy 1; s1 --go--> s0 (1); s0 --go pays proxy 1/2. Initial state s0, discount 9/10.
# PRISM: one command per (state, action) in state-then-action order; "true" is reserved, so the
# reward is written "true_reward"; reward items only for non-zero rewards; one label per state.
TWO_STATE_PRISM = """\
// exported by deconfuse: 2 states, 2 actions, rewards true, proxy
// discount 9/10: neither format has one; the values are the discounted ones

mdp
module m
    s : [0..1] init 0;
    [stay] s=0 -> 1:(s'=0);
    [go] s=0 -> 1/10:(s'=0) + 9/10:(s'=1);
    [stay] s=1 -> 1:(s'=1);
    [go] s=1 -> 1:(s'=0);
endmodule

rewards "true_reward"
    [stay] s=1 : 1;
endrewards

rewards "proxy"
    [go] s=0 : 1/2;
    [stay] s=1 : 1;
endrewards

label "s0" = s=0;
label "s1" = s=1;
"""

# DRN with the sink: state 2 is the sink; every choice reaches it with 1 - 9/10 = 1/10 and the
# other successors are scaled by 9/10: go from s0 -> s0 9/10 * 1/10 = 9/100, s1 9/10 * 9/10 = 81/100.
# 4 choices of the model + 1 of the sink = 5; action rewards [true, proxy] in @reward_models order.
TWO_STATE_DRN_SINK = """\
// exported by deconfuse: 2 states, 2 actions, rewards true, proxy
// discount 9/10: neither format has one; the values are the discounted ones
// state 2 ('sink'): every choice reaches it with 1 - 9/10, the other successors are scaled by 9/10; \
R{..}max=? [F "sink"] is the discounted value
@type: MDP
@parameters

@reward_models
true_reward proxy
@nr_states
3
@nr_choices
5
@model
state 0 init s0
\taction stay [0, 0]
\t\t0 : 9/10
\t\t2 : 1/10
\taction go [0, 1/2]
\t\t0 : 9/100
\t\t1 : 81/100
\t\t2 : 1/10
state 1 s1
\taction stay [1, 1]
\t\t1 : 9/10
\t\t2 : 1/10
\taction go [0, 0]
\t\t0 : 9/10
\t\t2 : 1/10
state 2 sink
\taction __NOLABEL__ [0, 0]
\t\t2 : 1
"""


def test_two_state_prism_text_line_by_line() -> None:
    got = prism_text(two_state()).splitlines()
    want = TWO_STATE_PRISM.splitlines()
    for k, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"line {k + 1}"
    assert len(got) == len(want)


def test_two_state_drn_text_with_the_sink_line_by_line() -> None:
    got = drn_text(two_state(), sink=True).splitlines()
    want = TWO_STATE_DRN_SINK.splitlines()
    for k, (g, w) in enumerate(zip(got, want)):
        assert g == w, f"line {k + 1}"
    assert len(got) == len(want)


def test_two_state_drn_without_the_sink_has_the_plain_rows() -> None:
    lines = drn_text(two_state()).splitlines()
    body = lines[lines.index("@model") + 1:]
    assert body == ["state 0 init s0", "\taction stay [0, 0]", "\t\t0 : 1", "\taction go [0, 1/2]",
                    "\t\t0 : 1/10", "\t\t1 : 9/10", "state 1 s1", "\taction stay [1, 1]", "\t\t1 : 1",
                    "\taction go [0, 0]", "\t\t0 : 1"]
    assert lines[lines.index("@nr_choices") + 1] == "4"


# -- names ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, want", [
    ("up", "up"), ("(1,1)", "_1_1_"), ("000", "_000"), ("true", "_true"), ("a b", "a_b"),
    ("", "_"), ("s", "_s"), ("module", "_module"), ("x-1", "x_1"),
])
def test_identifier_rule(name: str, want: str) -> None:
    assert identifier(name) == want


def _tiny(actions=("a", "b"), rewards=("true",)) -> FiniteMDP:
    return FiniteMDP(states=["x"], actions=list(actions), transitions=[[[1]] * len(actions)],
                     rewards={r: [[k + 1] * len(actions)] for k, r in enumerate(rewards)},
                     initial=[1], discount=F(1, 2))


def test_actions_colliding_after_sanitising_are_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"^actions 'a b' and 'a_b' are both written as 'a_b'; rename one$"):
        prism_text(_tiny(actions=("a b", "a_b")))
    with pytest.raises(InvalidArgument, match="both written as 'a_b'"):
        drn_text(_tiny(actions=("a b", "a_b")))


def test_reward_renaming_is_checked() -> None:
    with pytest.raises(InvalidArgument, match=r"reward_names\['true'\] is 'my gold', not a PRISM identifier"):
        prism_text(_tiny(), reward_names={"true": "my gold"})
    with pytest.raises(InvalidArgument, match="reward_names renames 'gold', not a reward of the model"):
        drn_text(_tiny(), reward_names={"gold": "x"})
    with pytest.raises(InvalidArgument, match="rewards 'true' and 'true_reward' are both written as 'true_reward'"):
        prism_text(_tiny(rewards=("true", "true_reward")))


def test_float_models_and_sink_on_a_horizon_are_refused() -> None:
    with pytest.raises(InvalidArgument, match=r"prism_text: the model is float; .*to_exact\(\)"):
        prism_text(two_state().to_float())
    with pytest.raises(InvalidArgument, match="sink=True needs a discounted model; this one has horizon 1"):
        drn_text(environments.get("bandit"), sink=True)


# -- Storm reads the files back -----------------------------------------------------------------

Structure = dict[int, dict[str, tuple[dict[int, F], dict[str, F]]]]


def _fr(x) -> F:
    return F(str(x))


def _storm_structure(model, state_of) -> Structure:
    """{our state: {choice label: ({successor: p}, {reward: r})}} of a Storm model (exact);
    ``state_of`` maps Storm's state index to ours. An unlabelled choice is ""."""
    M = model.transition_matrix
    out: Structure = {}
    for s in range(model.nr_states):
        choices: dict = {}
        for c in range(M.get_row_group_start(s), M.get_row_group_end(s)):
            labels = model.choice_labeling.get_labels_of_choice(c)
            assert len(labels) <= 1
            label = next(iter(labels), "")
            assert label not in choices, f"two choices labelled {label!r} in state {s}"
            row = {state_of(e.column): _fr(e.value) for e in M.get_row(c) if _fr(e.value) != 0}
            rew = {name: _fr(rm.state_action_rewards[c]) if rm.has_state_action_rewards else F(0)
                   for name, rm in model.reward_models.items()}
            assert all(not rm.has_state_rewards for rm in model.reward_models.values())
            choices[label] = (row, rew)
        out[state_of(s)] = choices
    return out


def _expected(mdp: FiniteMDP, rewards: dict[str, str], sink: bool = False) -> Structure:
    """The same structure from the FiniteMDP's dense view (the start and sink states added as the
    module docstring of theory.export describes them)."""
    S, P = mdp.S, mdp.transitions
    point = int(np.count_nonzero(mdp.initial)) == 1
    start = None if point else S
    sink_state = (S + (not point)) if sink else None
    g = mdp.discount if sink else 1
    out: Structure = {}
    for s in range(S):
        out[s] = {}
        for a in range(mdp.A):
            if not mdp.enabled[s, a]:
                continue
            row = {j: g * P[s, a, j] for j in range(S) if g * P[s, a, j] != 0}
            if sink_state is not None:
                row[sink_state] = 1 - g
            out[s][identifier(mdp.actions[a])] = (row, {rewards[k]: R[s, a] for k, R in mdp.rewards.items()})
    zero = {name: F(0) for name in rewards.values()}
    if start is not None:
        out[start] = {"": ({j: p for j, p in enumerate(mdp.initial) if p != 0}, zero)}
    if sink_state is not None:
        out[sink_state] = {"": ({sink_state: F(1)}, zero)}
    return out


def _names(mdp: FiniteMDP) -> dict[str, str]:
    return {k: ("true_reward" if k == "true" else identifier(k)) for k in mdp.rewards}


def _disabled_model() -> FiniteMDP:
    # 3 states, actions a0 (everywhere), a1 (not in s1), a2 (only in s2); initial 1/3, 2/3, 0
    return FiniteMDP(
        states=["s0", "s1", "s2"], actions=["a0", "a1", "a2"],
        transitions={(0, 0): {1: F(1, 3), 2: F(2, 3)}, (0, 1): {0: F(1)},
                     (1, 0): {0: F(1, 2), 1: F(1, 2)},
                     (2, 0): {2: F(1)}, (2, 1): {0: F(1, 7), 1: F(6, 7)}, (2, 2): {1: F(1)}},
        rewards={"true": [[1, -2, 0], [F(3, 4), 0, 0], [0, 5, F(-1, 3)]],
                 "proxy": [[0, 1, 0], [1, 0, 0], [0, 0, 2]]},
        initial=[F(1, 3), F(2, 3), 0], discount=F(4, 5),
        enabled={"s0": ["a0", "a1"], "s1": ["a0"], "s2": ["a0", "a1", "a2"]},
    )


# small registered environments (taxi, S = 501, is covered by tests/test_storm_oracle.py's
# explicit skip list; large-grid needs a size and is float)
ROUND_TRIP = ["bandit", "chain", "cleaning-robot", "contextual-bandit", "frozen-lake", "lava-train",
              "random", "skalse-two-state", "tomato", "cliff-walking"]


def _models() -> list[tuple[str, FiniteMDP]]:
    return ([("two_state", two_state()), ("disabled", _disabled_model())]
            + [(name, environments.get(name)) for name in ROUND_TRIP])


MODELS = _models()


def _read_drn(path):
    options = stormpy.developer.DirectEncodingParserOptions()
    options.build_choice_labeling = True
    return stormpy.build_model_from_drn[stormpy.Rational](str(path), options=options)


# the sink is for discounted models (its refusal on a horizon is tested above)
DRN_CASES = [(n, m, sink) for n, m in MODELS for sink in (False, True) if not (sink and m.discount is None)]


@pytest.mark.parametrize("name, mdp, sink", DRN_CASES, ids=[f"{n}-sink={k}" for n, _, k in DRN_CASES])
def test_drn_round_trip_through_storm_is_exact(tmp_path, name: str, mdp: FiniteMDP, sink: bool) -> None:
    model = _read_drn(save_drn(mdp, tmp_path / "m.drn", sink=sink))
    assert model.is_exact and model.nr_states == len(_expected(mdp, _names(mdp), sink))
    assert _storm_structure(model, lambda s: s) == _expected(mdp, _names(mdp), sink)
    point = np.flatnonzero(mdp.initial).tolist()
    assert list(model.initial_states) == (point if len(point) == 1 else [mdp.S])
    for s, label in enumerate(mdp.states):
        assert identifier(label, frozenset({"init", "deadlock", "start", "sink", "m"})) in model.labeling.get_labels_of_state(s)


def _reachable(mdp: FiniteMDP) -> set[int]:
    seen = set(np.flatnonzero(mdp.initial).tolist())
    todo = list(seen)
    while todo:
        s = todo.pop()
        for a in range(mdp.A):
            for j, p in mdp.successors[s][a]:
                if j not in seen:
                    seen.add(j)
                    todo.append(j)
    return seen


@pytest.mark.parametrize("name, mdp", MODELS, ids=[n for n, _ in MODELS])
def test_prism_round_trip_through_storm_is_exact(tmp_path, name: str, mdp: FiniteMDP) -> None:
    program = stormpy.parse_prism_program(str(save_prism(mdp, tmp_path / "m.prism")))
    model = stormpy.build_model[stormpy.Rational](program, options=stormpy.BuilderOptions(build_full=True))
    variable = program.get_module("m").get_integer_variable("s").expression_variable
    state_of = lambda i: int(str(model.state_valuations.get_integer_bigint_value(i, variable)))  # noqa: E731
    got = _storm_structure(model, state_of)
    # Storm builds the states reachable from the initial one(s) only
    want = _expected(mdp, _names(mdp))
    kept = _reachable(mdp) | (set(want) - set(range(mdp.S)))
    assert set(got) == kept
    assert got == {s: want[s] for s in kept}
    assert [state_of(i) for i in model.initial_states] == (
        np.flatnonzero(mdp.initial).tolist() if np.count_nonzero(mdp.initial) == 1 else [mdp.S])


def test_the_reserved_reward_name_is_renamed_by_default_or_as_asked(tmp_path) -> None:
    mdp = two_state()
    default = stormpy.parse_prism_program(str(save_prism(mdp, tmp_path / "a.prism")))
    assert sorted(rm.name for rm in default.reward_models) == ["proxy", "true_reward"]
    gold = stormpy.parse_prism_program(str(save_prism(mdp, tmp_path / "b.prism", reward_names={"true": "gold"})))
    assert sorted(rm.name for rm in gold.reward_models) == ["gold", "proxy"]
    model = _read_drn(save_drn(mdp, tmp_path / "c.drn", reward_names={"true": "gold"}))
    assert sorted(model.reward_models) == ["gold", "proxy"]
    # and the renamed reward is the "true" one: it pays 1 for stay in s1 only
    assert [_fr(x) for x in model.reward_models["gold"].state_action_rewards] == [0, 0, 1, 0]


# -- the command line ----------------------------------------------------------------------------

def test_mdp_command_writes_prism_and_drn_that_storm_reads(tmp_path, capsys) -> None:
    prism, drn = tmp_path / "chain.prism", tmp_path / "chain.drn"
    assert main(["mdp", "chain", "--out", str(prism)]) == 0
    assert main(["mdp", "chain", "--out", str(drn)]) == 0
    assert prism.read_text() == prism_text(environments.get("chain"))
    assert drn.read_text() == drn_text(environments.get("chain"))
    assert _read_drn(drn).nr_choices == 10  # 5 states x 2 actions


@pytest.mark.parametrize("out, reason", [("m.txt", "unknown extension '.txt'"), ("m", "no extension")])
def test_mdp_command_refuses_an_unknown_extension(tmp_path, capsys, out: str, reason: str) -> None:
    path = tmp_path / out
    assert main(["mdp", "chain", "--out", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"deconfuse: error: --out {path}: {reason}; known: .json, .prism, .drn"]
    assert not path.exists()
