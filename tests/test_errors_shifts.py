"""Tests of environments/proxy_errors.py (proxy-error models) and environments/shifts.py (shifts):
hand-computed tables first, then properties over seeds, magnitudes and generated MDPs, then one
test per validation error with its exact message. Exact claims use == on Fractions; the float
cases use dyadic numbers (exact in float64), so they are compared with == too."""

from __future__ import annotations

import re
from fractions import Fraction as F

import numpy as np
import pytest

import environments
from environments import lava_test, lava_train, random_mdp, tomato
from environments.proxy_errors import (
    ERROR_MODELS,
    causal,
    extremal,
    random_causal,
    reachable_states,
    regressional,
    visited_states,
)
from environments.shifts import shift_dynamics, shift_initial, shift_layout, shift_reward
from theory import FiniteMDP, InvalidArgument, Policy
from theory.examples import two_state

# two_state(): states s0, s1; actions stay, go; discount 9/10; initial [1, 0].
#   P(.|s0, stay) = [1, 0]   P(.|s0, go) = [1/10, 9/10]
#   P(.|s1, stay) = [0, 1]   P(.|s1, go) = [1, 0]
#   true  = [[0, 0], [1, 0]]     proxy = [[0, 1/2], [1, 0]]

MAGNITUDES = [F(0), F(1, 7), F(1, 3), F(1, 2), F(5, 6), F(1)]


def raises(message, error=InvalidArgument):
    """pytest.raises matching the whole one-line message."""
    return pytest.raises(error, match="^" + re.escape(message) + "$")


def table(array):
    """An exact (S, A) or (S,) array as nested lists of "p/q" strings, for readable tables."""
    return np.vectorize(str, otypes=[object])(array).tolist()


def arms(true, **extra):
    """A 1-state bandit (horizon 1) with the given true rewards and optional extra rewards."""
    rewards = {"true": [true], **{k: [v] for k, v in extra.items()}}
    return FiniteMDP(
        states=["x"],
        actions=[f"arm{i}" for i in range(len(true))],
        transitions=[[[1]] * len(true)],
        rewards=rewards,
        initial=[1],
        horizon=1,
    )


# == regressional ==========================================================================


def test_regressional_light_by_hand():
    # default_rng(0).standard_normal((2, 2)) = [[0.1257, -0.1321], [0.6404, 0.1049]];
    # scale 1/2, denominator 8: k = nearest integer to z * 1/2 * 8 = 4z
    #   = nearest to [[0.503, -0.528], [2.562, 0.420]] = [[1, -1], [3, 0]]; noise = k / 8.
    m = regressional(two_state(), scale=F(1, 2), tail="light", seed=0, denominator=8)
    assert table(m.rewards["proxy"] - m.rewards["true"]) == [["1/8", "-1/8"], ["3/8", "0"]]
    assert table(m.rewards["proxy"]) == [["1/8", "-1/8"], ["11/8", "0"]]
    assert table(m.rewards["true"]) == [["0", "0"], ["1", "0"]]


def test_regressional_heavy_by_hand():
    # default_rng(0).standard_t(3, (2, 2)) = [[0.1517, 0.1560], [1.0065, -1.9768]];
    # 4z = [[0.607, 0.624], [4.026, -7.907]] -> k = [[1, 1], [4, -8]]; noise = k / 8.
    m = regressional(two_state(), tail="heavy", seed=0)
    assert table(m.rewards["proxy"]) == [["1/8", "1/8"], ["3/2", "-1"]]


@pytest.mark.parametrize("tail", ["light", "heavy"])
@pytest.mark.parametrize("seed", [0, 1, 7, 123])
@pytest.mark.parametrize(("scale", "denominator"), [(F(1, 2), 8), (F(2), 4), (F(1, 4), 16)])
def test_regressional_matches_a_second_derivation(tail, seed, scale, denominator):
    # scale * denominator is a power of two here, so z * scale * denominator is exact in
    # float64 and numpy's rint (half to even) rounds it as the documented exact rule does.
    mdp = random_mdp(S=4, A=3, seed=seed)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((4, 3)) if tail == "light" else rng.standard_t(3, size=(4, 3))
    k = np.rint(z * float(scale * denominator)).astype(int)
    expected = np.vectorize(lambda i: F(int(i), denominator), otypes=[object])(k)
    m = regressional(mdp, scale=scale, tail=tail, seed=seed, denominator=denominator)
    noise = m.rewards["proxy"] - m.rewards["true"]
    assert noise.tolist() == expected.tolist()
    assert all((x * denominator).denominator == 1 for x in noise.flat)
    assert m == regressional(mdp, scale=scale, tail=tail, seed=seed, denominator=denominator)


def test_regressional_seeds_differ_and_heavy_tail_is_wider():
    mdp = random_mdp(S=20, A=5, seed=0)
    a, b = regressional(mdp, seed=1), regressional(mdp, seed=2)
    assert a.rewards["proxy"].tolist() != b.rewards["proxy"].tolist()

    def widest(tail):
        noise = regressional(mdp, tail=tail, seed=1).rewards["proxy"] - mdp.rewards["true"]
        return max(abs(x) for x in noise.flat)

    assert widest("heavy") > widest("light")


def test_regressional_zero_scale_and_reward_bookkeeping():
    # scale 0: proxy == true; an existing proxy is replaced in place, other rewards kept.
    mdp = arms([0, F(1, 2), 1], proxy=[5, 5, 5], other=[F(1, 3), 0, 0])
    m = regressional(mdp, scale=0)
    assert m.reward_names == ("true", "proxy", "other")
    assert m.rewards["proxy"].tolist() == mdp.rewards["true"].tolist()
    assert m.rewards["other"].tolist() == [[F(1, 3), 0, 0]]
    assert m.transitions.tolist() == mdp.transitions.tolist() and m.horizon == 1
    # without a proxy, one is appended
    assert regressional(arms([0, 1])).reward_names == ("true", "proxy")


def test_regressional_float_mdp_gets_the_same_numbers():
    # true rewards and noise are dyadic (multiples of 1/8), hence exact in float64.
    mdp = two_state()
    exact, flt = regressional(mdp, seed=3), regressional(mdp.to_float(), seed=3)
    assert not flt.exact and flt.rewards["proxy"].dtype == np.float64
    assert flt.rewards["proxy"].tolist() == [[float(x) for x in row] for row in exact.rewards["proxy"]]


# == extremal ==============================================================================


def test_extremal_constant_by_hand():
    # support {s0}: proxy = true on s0; on s1, true + 2 = [1 + 2, 0 + 2].
    m = extremal(two_state(), {"s0"}, magnitude=2)
    assert table(m.rewards["proxy"]) == [["0", "0"], ["3", "2"]]
    assert table(extremal(two_state(), {"s0", "s1"}).rewards["proxy"]) == [["0", "0"], ["1", "0"]]
    assert table(extremal(two_state(), []).rewards["proxy"]) == [["1", "1"], ["2", "1"]]


def test_extremal_random_by_hand():
    # uniform on multiples of 1/8 in [-1, 1]: default_rng(0).integers(-8, 9, (2, 2))
    # = [[6, 2], [0, -4]]; kept off the support (s1 only): s1 gets [0, -4/8].
    m = extremal(two_state(), ["s0"], magnitude=1, mode="random", seed=0, denominator=8)
    assert table(m.rewards["proxy"]) == [["0", "0"], ["1", "-1/2"]]
    k = np.random.default_rng(0).integers(-8, 9, size=(2, 2))
    assert m.rewards["proxy"][1].tolist() == [1 + F(int(k[1, 0]), 8), F(int(k[1, 1]), 8)]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("mode", ["constant", "random"])
def test_extremal_proxy_equals_true_on_the_support(seed, mode):
    mdp = random_mdp(S=6, A=2, seed=seed, initial="first")
    support = reachable_states(mdp, 1)
    m = extremal(mdp, support, magnitude=F(3, 4), mode=mode, seed=seed)
    for s, label in enumerate(mdp.states):
        diff = [p - t for p, t in zip(m.rewards["proxy"][s], m.rewards["true"][s])]
        if label in support:
            assert diff == [0, 0]
        elif mode == "constant":
            assert diff == [F(3, 4), F(3, 4)]
        else:
            assert all(abs(d) <= F(3, 4) and (d * 8).denominator == 1 for d in diff)


def test_visited_and_reachable_states_by_hand():
    m = two_state()
    assert visited_states(m, Policy.deterministic(m, ["stay", "stay"])) == {"s0"}
    go = Policy.deterministic(m, ["go", "stay"])
    # occupancy under (go, stay) = [100/91, 810/91] (theory.evaluation's doctest)
    assert visited_states(m, go) == {"s0", "s1"}
    assert visited_states(m, go, threshold=2) == {"s1"}
    assert visited_states(m, go, threshold=F(100, 91)) == {"s1"}  # strictly above
    # horizon 1: occupancy is the initial distribution
    assert visited_states(arms([0, 1]), Policy.uniform(arms([0, 1]))) == {"x"}
    # a line s0 -> s1 -> s2 (every action moves right; s2 absorbs)
    line = FiniteMDP(
        states=["s0", "s1", "s2"], actions=["a"],
        transitions=[[[0, 1, 0]], [[0, 0, 1]], [[0, 0, 1]]],
        rewards={"true": [[0], [0], [1]]}, initial=[1, 0, 0], discount=F(1, 2),
    )
    assert [reachable_states(line, k) for k in range(4)] == [
        {"s0"}, {"s0", "s1"}, {"s0", "s1", "s2"}, {"s0", "s1", "s2"}
    ]
    assert reachable_states(line, 1) == visited_states(line.replace(discount=None, horizon=2), Policy.uniform(line))


def test_extremal_default_on_lava_train():
    # from the start (1,1): up and left hit walls, down -> (2,1), right -> (1,2).
    mdp = lava_train()
    assert reachable_states(mdp, 1) == {"(1,1)", "(1,2)", "(2,1)"}
    m = ERROR_MODELS["extremal"](mdp, 0)
    proxy, true = m.rewards["proxy"], mdp.rewards["true"]
    s, t = mdp.state_index("(1,2)"), mdp.state_index("(3,3)")
    assert proxy[s].tolist() == true[s].tolist()
    assert (proxy[t] - true[t]).tolist() == [1, 1, 1, 1]


# == causal ================================================================================


def test_causal_by_hand():
    # feature {(s0, stay), (s1, go)}, bonus 1/2: proxy = true + 1/2 there.
    m = causal(two_state(), [("s0", "stay"), ("s1", "go")], bonus=F(1, 2))
    assert table(m.rewards["proxy"]) == [["1/2", "0"], ["1", "1/2"]]
    assert m.rewards["true"].tolist() == two_state().rewards["true"].tolist()
    by_predicate = causal(two_state(), lambda s, a: (s, a) in {("s0", "stay"), ("s1", "go")}, F(1, 2))
    assert by_predicate == m
    assert causal(two_state(), [], 5).rewards["proxy"].tolist() == two_state().rewards["true"].tolist()


def test_causal_reproduces_the_tomato_bucket():
    # tomato(): proxy = true + 3 on every step that ends on the bucket tile (1,1) (slip 0).
    mdp = tomato()
    bucket = mdp.state_index("(1,1)")
    feature = {
        (mdp.states[s], mdp.actions[a])
        for s in range(mdp.S) for a in range(mdp.A) if mdp.transitions[s, a, bucket] == 1
    }
    assert feature == {("(1,1)", "up"), ("(1,1)", "left"), ("(1,2)", "left"), ("(2,1)", "up")}
    assert causal(mdp, feature, bonus=3) == mdp


def test_random_causal_by_hand_and_second_derivation():
    # two_state: S*A = 4, k = floor(4/4 + 1/2) = 1; default_rng(0).choice(4, 1) = [3] -> (s1, go).
    m = random_causal(two_state(), seed=0)
    assert table(m.rewards["proxy"] - m.rewards["true"]) == [["0", "0"], ["0", "1"]]
    # random_mdp S=5, A=2: k = floor(10/4 + 1/2) = 3 flat indices, row-major (s = i // 2).
    mdp = random_mdp(S=5, A=2, seed=3)
    flat = np.random.default_rng(3).choice(10, size=3, replace=False)
    expected = np.zeros((5, 2), dtype=object)
    for i in flat:
        expected[int(i) // 2, int(i) % 2] = F(2)
    got = random_causal(mdp, bonus=2, seed=3)
    assert (got.rewards["proxy"] - got.rewards["true"]).tolist() == expected.tolist()
    # at least one pair when fraction > 0; none at 0
    assert sum((random_causal(mdp, fraction=F(1, 100)).rewards["proxy"] != mdp.rewards["true"]).flat) == 1
    assert random_causal(mdp, fraction=0).rewards["proxy"].tolist() == mdp.rewards["true"].tolist()


# == the sweep registry ====================================================================


@pytest.mark.parametrize("name", sorted(ERROR_MODELS))
def test_error_models_are_seeded_functions_of_an_mdp(name):
    model = environments.ERROR_MODELS[name]
    mdp = random_mdp(S=5, A=2, seed=4, initial="first")
    a = model(mdp, 0)
    assert isinstance(a, FiniteMDP) and a == model(mdp, 0)
    assert a.rewards["true"].tolist() == mdp.rewards["true"].tolist()
    assert a.transitions.tolist() == mdp.transitions.tolist()
    assert model(mdp.to_float(), 1).rewards["proxy"].dtype == np.float64


def test_error_models_defaults():
    mdp = random_mdp(S=5, A=2, seed=4)
    assert ERROR_MODELS["regressional-light"](mdp, 2) == regressional(mdp, seed=2)
    assert ERROR_MODELS["regressional-heavy"](mdp, 2) == regressional(mdp, tail="heavy", seed=2)
    assert ERROR_MODELS["causal"](mdp, 2) == random_causal(mdp, seed=2)
    # uniform initial covers every state: the default extremal support is everything
    assert ERROR_MODELS["extremal"](mdp, 0).rewards["proxy"].tolist() == mdp.rewards["true"].tolist()


# == shifts ================================================================================


def test_shift_initial_by_hand():
    mdp = two_state()
    # (3/4) [1, 0] + (1/4) [0, 1] = [3/4, 1/4]
    assert shift_initial(mdp, {"s1": 1}, F(1, 4)).initial.tolist() == [F(3, 4), F(1, 4)]
    # (2/3) [1, 0] + (1/3) [1/2, 1/2] = [5/6, 1/6]
    assert shift_initial(mdp, ["1/2", "1/2"], F(1, 3)).initial.tolist() == [F(5, 6), F(1, 6)]
    assert shift_initial(mdp.to_float(), [0.5, 0.5], 0.5).initial.tolist() == [0.75, 0.25]
    shifted = shift_initial(mdp, {"s1": 1}, F(1, 2))
    assert shifted.transitions.tolist() == mdp.transitions.tolist()
    assert list(shifted.rewards) == list(mdp.rewards)


@pytest.mark.parametrize("m", MAGNITUDES)
def test_shift_initial_properties(m):
    mdp = random_mdp(S=4, A=2, seed=1, initial="first")
    target = {"s2": F(1, 3), "s3": F(2, 3)}
    shifted = shift_initial(mdp, target, m)
    assert sum(shifted.initial) == 1
    if m == 0:
        assert shifted == mdp
    if m == 1:
        assert shifted.initial.tolist() == [0, 0, F(1, 3), F(2, 3)]


def test_shift_dynamics_by_hand():
    # swap kernel: every action of s0 -> s1, every action of s1 -> s0; m = 1/2:
    #   s0 stay: 1/2 [1, 0] + 1/2 [0, 1] = [1/2, 1/2];  s0 go: 1/2 [1/10, 9/10] + 1/2 [0, 1] = [1/20, 19/20]
    #   s1 stay: 1/2 [0, 1] + 1/2 [1, 0] = [1/2, 1/2];  s1 go: 1/2 [1, 0] + 1/2 [1, 0] = [1, 0]
    swap = [[[0, 1], [0, 1]], [[1, 0], [1, 0]]]
    m = shift_dynamics(two_state(), swap, F(1, 2))
    assert table(m.transitions) == [
        [["1/2", "1/2"], ["1/20", "19/20"]],
        [["1/2", "1/2"], ["1", "0"]],
    ]
    assert m.rewards["true"].tolist() == two_state().rewards["true"].tolist()


@pytest.mark.parametrize("m", MAGNITUDES)
def test_shift_dynamics_properties(m):
    mdp, other = random_mdp(S=4, A=2, seed=1), random_mdp(S=4, A=2, seed=2)
    for target in (other, other.transitions):
        shifted = shift_dynamics(mdp, target, m)
        assert all(sum(row) == 1 for row in shifted.transitions.reshape(-1, 4))
        if m == 0:
            assert shifted == mdp
        if m == 1:
            assert shifted.transitions.tolist() == other.transitions.tolist()
            assert shifted.rewards["true"].tolist() == mdp.rewards["true"].tolist()


def test_shift_layout_by_hand():
    assert shift_layout("lava", 0) == lava_train()
    assert shift_layout("lava", 1) == lava_test()
    assert shift_layout("lava", 1, slip="1/5") == lava_test(slip=F(1, 5))
    # (2,2) right: training -> (2,3), floor: true -1; test -> lava, "done": true -1 - 50.
    # m = 1/4: P(done) = 1/4, P((2,3)) = 3/4, true = 3/4 (-1) + 1/4 (-51) = -27/2.
    mid = shift_layout("lava", F(1, 4))
    s, a = mid.state_index("(2,2)"), mid.action_index("right")
    row = {mid.states[j]: p for j, p in enumerate(mid.transitions[s, a]) if p != 0}
    assert row == {"(2,3)": F(3, 4), "done": F(1, 4)}
    assert mid.rewards["true"][s, a] == F(-27, 2) and mid.rewards["proxy"][s, a] == F(-27, 2)
    # a pair of MDPs works too
    swapped = shift_dynamics(two_state(), [[[0, 1], [0, 1]], [[1, 0], [1, 0]]], 1)
    assert shift_layout((two_state(), swapped), F(1, 2)) == shift_dynamics(two_state(), swapped, F(1, 2))


@pytest.mark.parametrize("m", MAGNITUDES)
def test_shift_layout_rows_sum_to_one(m):
    mixed = shift_layout("lava", m, slip=F(1, 5))
    assert all(sum(row) == 1 for row in mixed.transitions.reshape(-1, mixed.S))


def test_shift_reward_by_hand():
    mdp = two_state()
    # proxy [[0, 1/2], [1, 0]] halfway to true [[0, 0], [1, 0]]: [[0, 1/4], [1, 0]]
    assert table(shift_reward(mdp, F(1, 2)).rewards["proxy"]) == [["0", "1/4"], ["1", "0"]]
    assert shift_reward(mdp, 0) == mdp
    assert shift_reward(mdp, 1).rewards["proxy"].tolist() == mdp.rewards["true"].tolist()
    back = shift_reward(mdp, 1, target="proxy", reward="true")
    assert back.rewards["true"].tolist() == mdp.rewards["proxy"].tolist()
    assert back.rewards["proxy"].tolist() == mdp.rewards["proxy"].tolist()
    assert shift_reward(mdp.to_float(), 0.25).rewards["proxy"].tolist() == [[0.0, 0.375], [1.0, 0.0]]


# == validation errors: one test each, exact message =======================================


def test_error_missing_true_reward():
    no_true = two_state().replace(rewards={"r": [[0, 0], [0, 0]]})
    for model in (regressional, lambda m: extremal(m, ["s0"]), lambda m: causal(m, [])):
        with raises("reward 'true' is not in this MDP (it has 'r')"):
            model(no_true)


def test_error_not_an_mdp():
    with raises("mdp is dict, not a FiniteMDP"):
        regressional({})
    with raises("mdp is str, not a FiniteMDP"):
        shift_reward("lava", F(1, 2))


def test_error_negative_scale():
    with raises("scale is -1/2, not >= 0"):
        regressional(two_state(), scale=F(-1, 2))


def test_error_bad_tail():
    with raises("tail is 'cauchy', not one of ['light', 'heavy']"):
        regressional(two_state(), tail="cauchy")


def test_error_bad_seed():
    with raises("seed is -1, not a non-negative integer"):
        regressional(two_state(), seed=-1)


def test_error_bad_denominator():
    with raises("denominator is 0, not an integer >= 1"):
        regressional(two_state(), denominator=0)


def test_error_unknown_support_state():
    with raises("support holds 's9', not one of the states ['s0', 's1']"):
        extremal(two_state(), {"s9"})


def test_error_support_is_a_string():
    with raises("support is 's0', not a collection of state labels"):
        extremal(two_state(), "s0")


def test_error_negative_magnitude():
    with raises("magnitude is -1, not >= 0"):
        extremal(two_state(), ["s0"], magnitude=-1)


def test_error_bad_extremal_mode():
    with raises("mode is 'wild', not one of ['constant', 'random']"):
        extremal(two_state(), ["s0"], mode="wild")


def test_error_negative_threshold():
    m = two_state()
    with raises("threshold is -1, not >= 0"):
        visited_states(m, Policy.uniform(m), threshold=-1)


def test_error_negative_steps():
    with raises("steps is -1, not an integer >= 0"):
        reachable_states(two_state(), -1)


def test_error_feature_not_a_pair():
    with raises("feature holds 's0', not a (state, action) pair of labels"):
        causal(two_state(), ["s0"])


def test_error_feature_unknown_state():
    with raises("feature holds ('s9', 'go'): 's9' is not one of the states ['s0', 's1']"):
        causal(two_state(), [("s9", "go")])


def test_error_feature_unknown_action():
    with raises("feature holds ('s0', 'jump'): 'jump' is not one of the actions ['stay', 'go']"):
        causal(two_state(), [("s0", "jump")])


def test_error_feature_predicate_not_bool():
    with raises("feature('s0', 'stay') returned 1, not a bool"):
        causal(two_state(), lambda s, a: 1)


def test_error_feature_not_a_collection():
    with raises("feature is 3, not a collection of (state, action) label pairs or a predicate"):
        causal(two_state(), 3)


def test_error_bad_fraction():
    with raises("fraction is 3/2, not in [0, 1]"):
        random_causal(two_state(), fraction=F(3, 2))


def test_error_magnitude_m_out_of_range():
    with raises("m is 3/2, not in [0, 1]"):
        shift_reward(two_state(), F(3, 2))
    with raises("m is -1, not in [0, 1]"):
        shift_initial(two_state(), [1, 0], -1)
    with raises("m is 2, not in [0, 1]"):
        shift_layout("lava", 2)


def test_error_target_unknown_state():
    with raises("target has the key 's9', not one of the states ['s0', 's1']"):
        shift_initial(two_state(), {"s9": 1}, F(1, 2))


def test_error_target_does_not_sum_to_one():
    with raises("target sums to 1/2, not 1"):
        shift_initial(two_state(), {"s1": F(1, 2)}, F(1, 2))


def test_error_target_negative():
    with raises("target['s0'] is -1/2, a negative probability"):
        shift_initial(two_state(), [F(-1, 2), F(3, 2)], F(1, 2))


def test_error_target_shape():
    with raises("target has shape (3,), expected (2,)"):
        shift_initial(two_state(), [1, 0, 0], F(1, 2))


def test_error_target_floats_on_exact_mdp():
    with raises("target holds floats but the MDP is exact; convert with to_exact() first"):
        shift_initial(two_state(), [0.5, 0.5], F(1, 2))


def test_error_other_kernel_row():
    bad = [[[1, 0], [F(1, 2), 0]], [[0, 1], [1, 0]]]
    with raises("other['s0', 'go'] sums to 1/2, not 1"):
        shift_dynamics(two_state(), bad, F(1, 2))


def test_error_other_mdp_labels():
    with raises(
        "other has states ['x'] and actions ['arm0', 'arm1'], but mdp has ['s0', 's1'] and ['stay', 'go']"
    ):
        shift_dynamics(two_state(), arms([0, 1]), F(1, 2))


def test_error_other_mdp_kind():
    with raises("other is float but mdp is exact"):
        shift_dynamics(two_state(), two_state().to_float(), F(1, 2))


def test_error_unknown_layout_pair():
    with raises("layouts is 'ice', not one of ['lava']"):
        shift_layout("ice", F(1, 2))


def test_error_layouts_not_a_pair():
    with raises("layouts is 3, not a name in ['lava'] or a (train, test) pair"):
        shift_layout(3, F(1, 2))


def test_error_layouts_differ():
    with raises(
        "the train and test layouts differ in states (['s0', 's1'] and ['x']); they must share it"
    ):
        shift_layout((two_state(), arms([0, 1])), F(1, 2))
    with raises("the train and test layouts differ in discount (9/10 and 1/2); they must share it"):
        shift_layout((two_state(), two_state().replace(discount=F(1, 2))), F(1, 2))


def test_error_layout_params_with_mdps():
    with raises("the train layout is a FiniteMDP; parameters ['slip'] apply only to builders"):
        shift_layout((two_state(), two_state()), F(1, 2), slip=0)


def test_error_shift_reward_unknown_name():
    with raises("target is 'oracle', not a reward of this MDP (it has 'true', 'proxy')"):
        shift_reward(two_state(), F(1, 2), target="oracle")


# == shifts: kinds and the parts that move ==================================================


def test_shifts_of_float_mdps_stay_float():
    # An exact magnitude on a float MDP gives a float64 mixture (0.75, 0.25), not Fractions.
    shifted = shift_initial(two_state().to_float(), [0.5, 0.5], F(1, 2))
    assert not shifted.exact and shifted.initial.dtype == np.float64
    assert shifted.initial.tolist() == [0.75, 0.25]
    pair = (two_state().to_float(), two_state().replace(initial=[0, 1]).to_float())
    mixed = shift_layout(pair, "1/4")
    assert not mixed.exact and mixed.initial.dtype == np.float64 and mixed.transitions.dtype == np.float64
    assert mixed.initial.tolist() == [0.75, 0.25]
    # "computed in float64": m = 1/3 is read as the float 1/3 first, then (1 - m) x + m y in
    # float64 arithmetic, which gives 1 - 1/3 = 0.6666666666666667 (plain Python floats, the
    # second method); mixing with the exact 2/3 would round it to 0.6666666666666666.
    third = [1 - 1 / 3, 1 / 3]
    assert third[0] != float(F(2, 3))
    assert shift_initial(two_state().to_float(), [0.0, 1.0], "1/3").initial.tolist() == third
    assert shift_layout(pair, "1/3").initial.tolist() == third


def test_shift_layout_mixes_the_initial_distribution_exactly():
    # (3/4) [1, 0] + (1/4) [0, 1] = [3/4, 1/4]; everything else is shared, so unchanged.
    mixed = shift_layout((two_state(), two_state().replace(initial=[0, 1])), F(1, 4))
    assert mixed.initial.tolist() == [F(3, 4), F(1, 4)]
    assert mixed.transitions.tolist() == two_state().transitions.tolist()
    # on the lava pair the mixture stays exact: Fractions, not floats equal to them
    mid = shift_layout("lava", "1/4")
    s, a = mid.state_index("(2,2)"), mid.action_index("right")
    assert mid.exact and type(mid.transitions[s, a, mid.state_index("done")]) is F
    assert type(mid.rewards["true"][s, a]) is F


def test_error_other_mdp_actions_only():
    other = two_state().replace(actions=["a", "b"])
    with raises("other has states ['s0', 's1'] and actions ['a', 'b'], but mdp has ['s0', 's1'] and ['stay', 'go']"):
        shift_dynamics(two_state(), other, F(1, 2))
