"""The ``deconfuse.mdp/1`` JSON format: exact reading, round trips, one clear error per fault.

Every malformed file raises one InvalidFile whose message starts with the JSON path of the
fault ($.transitions.s0.go, ...). Expected MDPs are written out by hand from the JSON text.
"""

from __future__ import annotations

import copy
import json
import re
from fractions import Fraction as F

import numpy as np
import pytest

import theory.io
from theory import FiniteMDP, InvalidFile
from theory.examples import two_state
from theory.io import FORMAT, dumps, load_mdp, loads, mdp_from_dict, mdp_to_dict, save_mdp


def raises(message):
    return pytest.raises(InvalidFile, match="^" + re.escape(message) + "$")


# The two-state example written by hand in the file format (not produced by the code).
TWO_STATE = {
    "format": "deconfuse.mdp/1",
    "states": ["s0", "s1"],
    "actions": ["stay", "go"],
    "transitions": {
        "s0": {"stay": {"s0": "1"}, "go": {"s1": "9/10", "s0": "1/10"}},
        "s1": {"stay": {"s1": 1}, "go": {"s0": "1"}},
    },
    "rewards": {"true": {"s1": {"stay": "1"}}, "proxy": {"s1": {"stay": 1}, "s0": {"go": "0.5"}}},
    "initial": {"s0": "1"},
    "discount": "9/10",
}


def broken(change):
    """A deep copy of TWO_STATE with ``change`` applied to it, as JSON text."""
    data = copy.deepcopy(TWO_STATE)
    change(data)
    return json.dumps(data)


def test_the_hand_written_file_is_the_example_mdp():
    assert loads(json.dumps(TWO_STATE)) == two_state()


def test_the_format_example_in_the_module_docstring_loads():
    # The documented example is part of the contract: it must load and be two_state().
    doc = theory.io.__doc__
    text = doc[doc.index('{"format"') : doc.index("``\"horizon\"")].strip()
    assert loads(text) == two_state()


# -- malformed files ---------------------------------------------------------------------


def test_invalid_json_text():
    with raises("$: not valid JSON (Expecting value at line 1, column 1)"):
        loads("")


def test_root_not_an_object():
    with raises("$: expected a JSON object, got list"):
        loads("[1, 2]")


def test_bad_format_tag():
    with raises("$.format: is 'deconfuse.mdp/2', expected 'deconfuse.mdp/1'"):
        loads(broken(lambda d: d.update(format="deconfuse.mdp/2")))
    with raises("$.format: is None, expected 'deconfuse.mdp/1'"):
        loads(broken(lambda d: d.pop("format")))


def test_unknown_top_level_field():
    known = ["actions", "discount", "enabled", "features", "format", "horizon", "initial", "meta",
             "numbers", "observations", "rewards", "states", "transitions"]
    with raises(f"$.colour: unknown field (known: {known})"):
        loads(broken(lambda d: d.update(colour="red")))


def test_bad_numbers_kind():
    with raises("$.numbers: is 'decimal', expected 'exact' or 'float'"):
        loads(broken(lambda d: d.update(numbers="decimal")))


@pytest.mark.parametrize("field", ["states", "actions", "transitions", "rewards", "initial"])
def test_missing_field(field):
    with raises(f"$.{field}: missing"):
        loads(broken(lambda d: d.pop(field)))


def test_bad_labels():
    with raises("$.states: expected a non-empty list of strings, got []"):
        loads(broken(lambda d: d.update(states=[])))
    with raises("$.actions: expected a non-empty list of strings, got ['stay', 1]"):
        loads(broken(lambda d: d.update(actions=["stay", 1])))
    with raises("$.states: labels repeat"):
        loads(broken(lambda d: d.update(states=["s0", "s0"])))


def test_missing_transition_row():
    with raises("$.transitions.s1.go: missing"):
        loads(broken(lambda d: d["transitions"]["s1"].pop("go")))
    with raises("$.transitions.s1: missing"):
        loads(broken(lambda d: d["transitions"].pop("s1")))


def test_unknown_label_in_transitions():
    with raises("$.transitions.s0.go.s9: unknown label (expected one of ['s0', 's1'])"):
        loads(broken(lambda d: d["transitions"]["s0"]["go"].update(s9="0")))
    with raises("$.transitions.s0.fly: unknown label (expected one of ['stay', 'go'])"):
        loads(broken(lambda d: d["transitions"]["s0"].update(fly={"s0": 1})))
    with raises("$.transitions.s7: unknown label (expected one of ['s0', 's1'])"):
        loads(broken(lambda d: d["transitions"].update(s7={})))


def test_unknown_label_in_rewards_and_initial():
    with raises("$.rewards.true.s1.fly: unknown label (expected one of ['stay', 'go'])"):
        loads(broken(lambda d: d["rewards"]["true"]["s1"].update(fly=1)))
    with raises("$.rewards.proxy.s5: unknown label (expected one of ['s0', 's1'])"):
        loads(broken(lambda d: d["rewards"]["proxy"].update(s5={})))
    with raises("$.initial.s2: unknown label (expected one of ['s0', 's1'])"):
        loads(broken(lambda d: d["initial"].update(s2="0")))


def test_bad_number():
    hint = '(use an integer, "p/q" or a decimal string)'
    with raises(f"$.transitions.s0.go.s1: 'nine tenths' is not a number {hint}"):
        loads(broken(lambda d: d["transitions"]["s0"]["go"].update(s1="nine tenths")))
    with raises(f"$.initial.s0: True is not a number {hint}"):
        loads(broken(lambda d: d["initial"].update(s0=True)))
    with raises(f"$.rewards.true.s1.stay: None is not a number {hint}"):
        loads(broken(lambda d: d["rewards"]["true"]["s1"].update(stay=None)))
    with raises(f"$.discount: '1/0' is not a number {hint}"):
        loads(broken(lambda d: d.update(discount="1/0")))


def test_wrong_container_types():
    with raises("$.transitions.s0.go: expected an object, got list"):
        loads(broken(lambda d: d["transitions"]["s0"].update(go=[0, 1])))
    with raises("$.rewards: expected an object, got int"):
        loads(broken(lambda d: d.update(rewards=5)))
    with raises("$.rewards: empty; at least one reward function is needed"):
        loads(broken(lambda d: d.update(rewards={})))


def test_bad_horizon_type():
    def change(d):
        d.pop("discount")
        d["horizon"] = "3"

    with raises("$.horizon: is '3', not an integer"):
        loads(broken(change))


def test_model_errors_are_reported_as_file_errors():
    # Structurally fine, but the row s0/go sums to 1/10 + 8/10 = 9/10.
    with raises("$: transitions['s0', 'go'] sums to 9/10, not 1"):
        loads(broken(lambda d: d["transitions"]["s0"]["go"].update(s1="8/10")))
    with raises("$: discount is 9/10 and horizon is 3; give exactly one"):
        loads(broken(lambda d: d.update(horizon=3)))
    with raises("$: horizon is 0, not a positive integer"):
        loads(broken(lambda d: (d.pop("discount"), d.update(horizon=0))))


def test_bad_observations_and_features():
    with raises("$.observations.s1: missing"):
        loads(broken(lambda d: d.update(observations={"s0": "x"})))
    with raises("$.observations.s1: is 3, not a string"):
        loads(broken(lambda d: d.update(observations={"s0": "x", "s1": 3})))
    with raises("$.features.s0: is 3, not a list of numbers"):
        loads(broken(lambda d: d.update(features={"s0": 3, "s1": [1]})))
    with raises('$.features.s1[1]: \'x\' is not a number (use an integer, "p/q" or a decimal string)'):
        loads(broken(lambda d: d.update(features={"s0": [0, 0], "s1": [1, "x"]})))


def test_unreadable_file(tmp_path):
    path = tmp_path / "missing.json"
    with raises(f"{path}: cannot read (No such file or directory)"):
        load_mdp(path)


def test_errors_in_a_file_name_it(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(broken(lambda d: d["transitions"]["s0"]["go"].update(s1="8/10")))
    with raises(f"{path}: transitions['s0', 'go'] sums to 9/10, not 1"):
        load_mdp(path)
    path.write_text("{")
    with raises(f"{path}: not valid JSON (Expecting property name enclosed in double quotes at line 1, column 2)"):
        load_mdp(path)


# -- exact reading ------------------------------------------------------------------------


def test_json_floats_are_read_exactly_from_their_decimal_text():
    # 0.1 + 0.2 + 0.7 == 1 as decimals; as binary floats 0.1 + 0.2 + 0.7 = 1.0000000000000002.
    text = """{"format": "deconfuse.mdp/1", "states": ["a", "b", "c"], "actions": ["x"],
      "transitions": {"a": {"x": {"a": 0.1, "b": 0.2, "c": 0.7}},
                      "b": {"x": {"b": 1}}, "c": {"x": {"c": 1.0}}},
      "rewards": {"true": {"a": {"x": -0.25}}}, "initial": {"a": 0.5, "b": "0.5"},
      "discount": 0.9}"""
    m = loads(text)
    assert m.exact
    assert m.transitions[0, 0].tolist() == [F(1, 10), F(1, 5), F(7, 10)]
    assert m.transitions[2, 0].tolist() == [0, 0, 1]
    assert m.rewards["true"].tolist() == [[F(-1, 4)], [0], [0]]
    assert m.initial.tolist() == [F(1, 2), F(1, 2), 0]
    assert m.discount == F(9, 10)


def test_float_file_loads_as_float():
    data = copy.deepcopy(TWO_STATE)
    data["numbers"] = "float"
    data["discount"] = 0.9
    m = loads(json.dumps(data))
    assert not m.exact
    assert m.discount == 0.9
    assert m.transitions.dtype == np.float64
    assert m.transitions[0, 1].tolist() == [0.1, 0.9]
    assert m.rewards["proxy"].tolist() == [[0.0, 0.5], [1.0, 0.0]]


def test_saved_text_uses_fraction_strings():
    # Exact numbers are written "p/q" (integers as JSON integers); zero entries are omitted.
    data = json.loads(dumps(two_state()))
    assert data["format"] == FORMAT == "deconfuse.mdp/1"
    assert data["transitions"]["s0"]["go"] == {"s0": "1/10", "s1": "9/10"}
    assert data["transitions"]["s0"]["stay"] == {"s0": 1}
    assert data["rewards"]["proxy"] == {"s0": {"go": "1/2"}, "s1": {"stay": 1}}
    assert data["discount"] == "9/10"
    assert "numbers" not in data


# -- round trips -------------------------------------------------------------------------


def test_horizon_file(tmp_path):
    text = """{"format": "deconfuse.mdp/1", "states": ["ctx"], "actions": ["left", "right"],
      "transitions": {"ctx": {"left": {"ctx": 1}, "right": {"ctx": 1}}},
      "rewards": {"true": {"ctx": {"right": "2/3"}}, "proxy": {"ctx": {"left": 1}}},
      "initial": {"ctx": 1}, "horizon": 1}"""
    m = loads(text)
    assert m.horizon == 1 and m.discount is None
    assert m.rewards["true"].tolist() == [[0, F(2, 3)]]
    assert m.reward_names == ("true", "proxy")
    path = save_mdp(m, tmp_path / "bandit.json")
    assert json.loads(path.read_text())["horizon"] == 1
    assert "discount" not in json.loads(path.read_text())
    assert load_mdp(path) == m


def test_observations_and_features_round_trip(tmp_path):
    m = two_state().replace(observations=["door", "door"], features=[[0.1, 1 / 3], [-2.5, 1e-300]])
    back = load_mdp(save_mdp(m, tmp_path / "m.json"))
    assert back == m
    assert back.observations == ("door", "door")
    assert back.features.tolist() == [[0.1, 1 / 3], [-2.5, 1e-300]]
    data = json.loads((tmp_path / "m.json").read_text())
    assert data["observations"] == {"s0": "door", "s1": "door"}


def test_float_mdp_round_trip_through_text_and_dict(tmp_path):
    m = FiniteMDP(["s0", "s1"], ["a"], np.array([[[1 / 3, 2 / 3]], [[0.0, 1.0]]]),
                  {"true": np.array([[0.1], [np.pi]])}, np.array([0.5, 0.5]), discount=0.99)
    back = load_mdp(save_mdp(m, tmp_path / "f.json"))
    assert back == m and not back.exact
    assert back.transitions[0, 0, 0] == 1 / 3 and back.rewards["true"][1, 0] == np.pi
    assert mdp_from_dict(mdp_to_dict(m)) == m


def test_exact_round_trip_keeps_large_fractions():
    m = two_state().replace(
        rewards={"true": [[F(-7, 3), 0], [F(10**30 + 1, 10**30), F(1, 7)]]},
        initial=[F(1, 3), F(2, 3)],
    )
    assert loads(dumps(m)) == m
    assert mdp_from_dict(mdp_to_dict(m)) == m


def test_mdp_equality_sees_every_field():
    # The round-trip tests rely on ==; it must notice a change in any one field.
    m = two_state()
    assert m == two_state()
    different = [
        m.replace(discount=F(1, 2)),
        m.replace(discount=None, horizon=3),
        m.replace(states=["a", "b"]),
        m.replace(actions=["go", "stay"]),
        m.replace(transitions=[[[1, 0], [F(1, 5), F(4, 5)]], [[0, 1], [1, 0]]]),
        m.replace(rewards={"true": m.rewards["true"]}),
        m.replace(rewards={"proxy": m.rewards["proxy"], "true": m.rewards["true"]}),
        m.replace(rewards={"true": m.rewards["true"], "proxy": [[0, F(1, 3)], [1, 0]]}),
        m.replace(initial=[F(1, 2), F(1, 2)]),
        m.replace(observations=["o", "o"]),
        m.replace(features=[[0.0], [1.0]]),
        m.to_float(),
    ]
    for other in different:
        assert m != other and other != m
    assert m.replace(features=[[0.0], [1.0]]) != m.replace(features=[[0.0], [2.0]])


# -- the strict JSON reader ----------------------------------------------------------------------


def test_a_repeated_key_is_an_error_not_the_last_value():
    # json keeps the last of two values: {"s0": "1/2", "s0": "1/2", "s1": "1/2"} would load as a
    # row summing to 1
    text = dumps(two_state()).replace('"go": {\n    "s0": "1/10"', '"go": {\n    "s0": "1/2", "s0": "1/2", "s1": "1/2"')
    text = text.replace('"s1": "9/10"', '"s9": "0"')
    with raises("$.transitions.s0.go: the key 's0' appears twice"):
        loads(text)
    with raises("$: the key 'rewards' appears twice"):
        loads(dumps(two_state())[:-1] + ', "rewards": {}}')
    with raises("$.a[1].b: the key 'c' appears twice"):
        theory.io.parse_json('{"a": [0, {"b": {"c": 1, "d": 2, "c": 1}}]}')


def test_json_numbers_are_read_exactly():
    data = theory.io.parse_json('{"p": 0.1, "big": 1e400, "n": 12, "neg": -2.5e-1, "s": "0.1"}')
    assert data == {"p": F(1, 10), "big": F(10**400), "n": 12, "neg": F(-1, 4), "s": "0.1"}
    assert type(data["n"]) is int
    floats = theory.io.parse_json('{"p": 0.1, "n": 12}', exact=False)
    assert floats == {"p": 0.1, "n": 12} and type(floats["p"]) is float


def test_the_reader_refuses_what_json_would_accept():
    with raises("$.x: NaN is not a number (JSON has no NaN or Infinity)"):
        theory.io.parse_json('{"x": NaN}')
    with raises("$[2]: '1e9999' is a number of 10000 digits, more than the 4300 deconfuse reads"):
        theory.io.parse_json("[0, 1, 1e9999]")
    with raises("$: not valid JSON (arrays and objects nested too deeply)"):
        theory.io.parse_json("[" * 100_000 + "]" * 100_000)
    with raises("$: not UTF-8 text (byte 0xe9 at offset 10)"):  # {"s": "caf is 10 bytes
        theory.io.parse_json('{"s": "caf\xe9"}'.encode("latin-1"))


def test_a_file_error_names_the_file_and_the_json_path(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(dumps(two_state()).replace('"discount": "9/10"', '"discount": "9_0/100"'))
    with raises(f'{path}: $.discount: \'9_0/100\' is not a number (use an integer, "p/q" or a decimal string)'):
        load_mdp(path)
    path.write_bytes(b"\x89PNG\r\n")
    with raises(f"{path}: not UTF-8 text (byte 0x89 at offset 0)"):
        load_mdp(path)


def test_empty_labels_in_a_file_are_refused():
    data = mdp_to_dict(two_state())
    data["observations"] = {"s0": "", "s1": "x"}
    with raises("$: observations['s0'] is '', not a label (a label is a non-empty string)"):
        mdp_from_dict(data)


def test_a_model_too_large_for_the_budget_is_refused_before_it_is_built(monkeypatch):
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "1MB")
    data = mdp_to_dict(two_state())
    data["states"] = [f"s{i}" for i in range(1000)]
    # Sparse: 5 non-zero transitions at 120 + 8 bytes, and (2 rewards + 6 working arrays) of
    # 1000 x 2 exact entries at 120 bytes: 640 + 1,920,000 bytes = 1.83 MiB.
    with raises("$.states x $.actions is 1000 x 2: an MDP of 1000 states and 2 actions needs about 1.83 MB, over "
                "the memory budget of 1 MB; set DECONFUSE_MEMORY_BUDGET (or deconfuse --memory-budget) to raise it"):
        mdp_from_dict(data)


def test_a_sparse_model_is_estimated_by_its_non_zero_transitions(monkeypatch):
    # A 2000-state cycle: dense it would need 2000 x 1 x 2000 x 24 bytes = 91.6 MiB, over a
    # 10 MB budget; sparse, 2000 x 128 + 8 x 2000 x 120 bytes = 2.08 MiB, within it.
    monkeypatch.setenv("DECONFUSE_MEMORY_BUDGET", "10MB")
    S = 2000
    data = {"format": "deconfuse.mdp/1", "states": [f"s{i}" for i in range(S)], "actions": ["next"],
            "transitions": {f"s{i}": {"next": {f"s{(i + 1) % S}": "1"}} for i in range(S)},
            "rewards": {"true": {"s0": {"next": "1"}}}, "initial": {"s0": "1"}, "discount": "1/2"}
    m = mdp_from_dict(data)
    assert m.S == S and m.sparse.nnz == S and not m.dense_stored


def test_huge_exact_numbers_round_trip_and_to_float_names_the_entry():
    m = two_state().replace(rewards={"true": [[10**400, 0], [0, F(1, 10**400)]]})
    assert loads(dumps(m)) == m
    from theory.errors import InvalidMDP

    with pytest.raises(InvalidMDP, match=re.escape("rewards['true']['s0', 'stay'] is about 1e+400, too large for float64")):
        m.to_float()
