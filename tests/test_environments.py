"""Tests of environments/: hand-derived tables first, then behavioural properties of the named
environments, then one test per validation error. Exact claims use == on Fractions; the only
tolerance (1e-6, FrozenLake against float value iteration) is stated where it is used."""

from __future__ import annotations

import sys
from fractions import Fraction as F
from types import SimpleNamespace

import numpy as np
import pytest

import environments
from environments import gridworlds
from environments.gridworld import MOVES, compile_gridworld
from environments.gym_import import from_toy_text
from theory import InvalidArgument, InvalidMDP, Policy, expected_return, solve

# -- compiled gridworld: a 1x3 corridor with slip, worked by hand -----------------------

CORRIDOR = ["#####", "#S G#", "#####"]


def corridor(**kwargs):
    return compile_gridworld(
        CORRIDOR,
        rewards_true={"G": 10},
        rewards_proxy={"G": 4},
        step_true=-1,
        step_proxy=0,
        terminal_symbols="G",
        slip=F(1, 5),
        **kwargs,
    )


def row(mdp, state, action):
    """{next state label: probability} over the non-zero entries of a transition row."""
    s, a = mdp.state_index(state), mdp.action_index(action)
    return {mdp.states[j]: p for j, p in enumerate(mdp.transitions[s, a]) if p != 0}


def test_corridor_labels_initial_observations_features():
    m = corridor()
    assert m.states == ("(1,1)", "(1,2)", "(1,3)", "done")
    assert m.actions == ("up", "down", "left", "right")
    assert m.initial.tolist() == [1, 0, 0, 0]
    assert m.observation_labels == m.states
    # (row, col), then (wall, G) indicators for the up, down, left and right neighbours
    assert m.features.tolist() == [
        [1, 1, 1, 0, 1, 0, 1, 0, 0, 0],
        [1, 2, 1, 0, 1, 0, 0, 0, 0, 1],
        [1, 3, 1, 0, 1, 0, 0, 0, 1, 0],
        [-1, -1, 0, 0, 0, 0, 0, 0, 0, 0],
    ]
    assert m.discount == F(9, 10) and m.horizon is None


def test_corridor_slip_rows_by_hand():
    # slip 1/5: intended move 4/5, each perpendicular move 1/10.
    m = corridor()
    true, proxy = m.rewards["true"], m.rewards["proxy"]
    idx = lambda s, a: (m.state_index(s), m.action_index(a))  # noqa: E731
    # (1,1) right: 4/5 to (1,2); up and down hit walls, stay: 1/10 + 1/10 = 1/5.
    # Every outcome is a floor cell: true = step -1, proxy = step 0.
    assert row(m, "(1,1)", "right") == {"(1,1)": F(1, 5), "(1,2)": F(4, 5)}
    assert true[idx("(1,1)", "right")] == -1 and proxy[idx("(1,1)", "right")] == 0
    # (1,1) left: left, up, down are all blocked: stays with probability 1.
    assert row(m, "(1,1)", "left") == {"(1,1)": 1}
    # (1,2) right: 4/5 into G (terminal -> done), 1/5 stays.
    # true = 4/5 (-1 + 10) + 1/5 (-1) = 36/5 - 1/5 = 7; proxy = 4/5 * 4 = 16/5.
    assert row(m, "(1,2)", "right") == {"(1,2)": F(1, 5), "done": F(4, 5)}
    assert true[idx("(1,2)", "right")] == 7 and proxy[idx("(1,2)", "right")] == F(16, 5)
    # (1,2) up: 4/5 blocked (stays); perpendicular left 1/10 -> (1,1), right 1/10 -> G -> done.
    # true = -1 + 1/10 * 10 = 0; proxy = 1/10 * 4 = 2/5.
    assert row(m, "(1,2)", "up") == {"(1,1)": F(1, 10), "(1,2)": F(4, 5), "done": F(1, 10)}
    assert true[idx("(1,2)", "up")] == 0 and proxy[idx("(1,2)", "up")] == F(2, 5)
    # (1,2) left: 4/5 -> (1,1); up and down are blocked, so 1/10 + 1/10 = 1/5 stays.
    assert row(m, "(1,2)", "left") == {"(1,1)": F(4, 5), "(1,2)": F(1, 5)}
    # The terminal cell and "done" go to "done" with zero reward.
    for state in ("(1,3)", "done"):
        for action in m.actions:
            assert row(m, state, action) == {"done": 1}
            assert true[idx(state, action)] == 0 and proxy[idx(state, action)] == 0


def test_corridor_optimal_value_by_hand():
    # Always "right": v(1,2) = 7 + 9/10 * 1/5 * v(1,2)  =>  v(1,2) = 7 / (1 - 9/50) = 350/41;
    # v(1,1) = -1 + 9/10 (1/5 v(1,1) + 4/5 v(1,2))  =>  (41/50) v(1,1) = -1 + 18/25 * 350/41
    # = (-41 + 252)/41 = 211/41  =>  v(1,1) = 10550/1681.
    sol = solve(corridor(), "true")
    assert sol.values[0] == F(10550, 1681) and sol.values[1] == F(350, 41)
    assert sol.argmax[0] == ("right",) and sol.argmax[1] == ("right",)


def test_gridworld_horizon_and_exclusive_time():
    assert corridor(horizon=3).horizon == 3
    with pytest.raises(InvalidArgument, match="give at most one"):
        corridor(discount=F(1, 2), horizon=3)


def test_gridworld_tile_pays_while_standing_on_it():
    # A non-terminal tile pays on every step that ends on it, also when the move is blocked.
    m = compile_gridworld(["####", "#SB#", "####"], rewards_proxy={"B": 3}, step_true=-1)
    s = m.state_index("(1,2)")
    assert m.rewards["proxy"][s, m.action_index("up")] == 3 - 1
    assert m.rewards["true"][s, m.action_index("up")] == -1


# -- malformed maps: one test per error ------------------------------------------------


def test_map_ragged_rows():
    with pytest.raises(InvalidArgument, match=r"row 1 has 3 columns but row 0 has 4"):
        compile_gridworld(["####", "#S#", "####"])


def test_map_no_start():
    with pytest.raises(InvalidArgument, match=r"no start symbol 'S'"):
        compile_gridworld(["###", "# #", "###"])


def test_map_two_starts():
    with pytest.raises(InvalidArgument, match=r"2 start symbols 'S', at \(1,1\) and \(1,2\)"):
        compile_gridworld(["####", "#SS#", "####"])


def test_map_unknown_symbol():
    with pytest.raises(InvalidArgument, match=r"ascii_map\[1, 2\] is 'X', not a known symbol"):
        compile_gridworld(["####", "#SX#", "####"])


def test_map_empty_and_bad_options():
    with pytest.raises(InvalidArgument, match="empty map"):
        compile_gridworld([])
    with pytest.raises(InvalidArgument, match=r"slip is 3/2, not in \[0, 1\]"):
        compile_gridworld(CORRIDOR, slip="3/2")
    with pytest.raises(InvalidArgument, match="terminal_symbols holds 'S', the start symbol"):
        compile_gridworld(CORRIDOR, terminal_symbols="S")
    with pytest.raises(InvalidArgument, match=r"rewards_true has the key 'GG'"):
        compile_gridworld(CORRIDOR, rewards_true={"GG": 1})


def test_map_as_string_equals_map_as_rows():
    assert compile_gridworld("\n".join(CORRIDOR) + "\n", rewards_true={"G": 1}) == (
        compile_gridworld(CORRIDOR, rewards_true={"G": 1})
    )


# -- the lava pair: the training-optimal route walks into lava at test time -------------


def walk(ascii_map, choose, max_steps=50):
    """Follow deterministic moves on the raw ASCII map (independent of the compiler) from
    'S' until a terminal symbol (G or L); returns the visited cells and the final symbol."""
    rows = list(ascii_map)
    (r, c) = next((i, j) for i, line in enumerate(rows) for j, ch in enumerate(line) if ch == "S")
    path = [(r, c)]
    for _ in range(max_steps):
        dr, dc = MOVES[choose(f"({r},{c})")]
        if rows[r + dr][c + dc] != "#":
            r, c = r + dr, c + dc
        path.append((r, c))
        if rows[r][c] in "GL":
            return path, rows[r][c]
    return path, None


def entering_indicator(mdp, ascii_map, symbol):
    """(S, A) array: 1 where the deterministic move from a cell enters ``symbol`` (slip 0),
    computed from the raw map, not from the compiled transitions."""
    rows = list(ascii_map)
    out = np.full((mdp.S, mdp.A), F(0), dtype=object)
    for s, label in enumerate(mdp.states):
        if label == "done":
            continue
        r, c = map(int, label.strip("()").split(","))
        if rows[r][c] in "GL":
            continue
        for a, action in enumerate(mdp.actions):
            dr, dc = MOVES[action]
            if rows[r + dr][c + dc] == symbol:
                out[s, a] = F(1)
    return out


def test_lava_layouts_share_walls_states_and_observations():
    train, test = environments.get("lava-train"), environments.get("lava_test")
    assert train.states == test.states and train.observation_labels == test.observation_labels
    walls = lambda grid: [[ch == "#" for ch in line] for line in grid]  # noqa: E731
    assert walls(gridworlds.LAVA_TRAIN_MAP) == walls(gridworlds.LAVA_TEST_MAP)
    assert sum(line.count("L") for line in gridworlds.LAVA_TRAIN_MAP) == 6
    assert sum(line.count("L") for line in gridworlds.LAVA_TEST_MAP) == 6
    assert gridworlds.LAVA_TRAIN_MAP != gridworlds.LAVA_TEST_MAP


def test_lava_training_optimal_policy_enters_lava_at_test_time():
    train, test = environments.lava_train(), environments.lava_test()
    sol = solve(train, "true")  # uniform over every optimal action
    # Deterministic route (first optimal action): safe in training, lava at test time.
    first = dict(zip(train.states, (best[0] for best in sol.argmax)))
    path, end = walk(gridworlds.LAVA_TRAIN_MAP, first.__getitem__)
    assert end == "G" and len(path) - 1 == 8  # 8 moves around the top lava
    path, end = walk(gridworlds.LAVA_TEST_MAP, first.__getitem__)
    assert end == "L" and path == [(1, 1), (2, 1), (2, 2), (2, 3)]
    # Its discounted true return on the test layout: -1 - 9/10 + (81/100)(-1 - 50) = -4321/100.
    det = Policy.deterministic(test, [first[s] for s in test.states])
    assert expected_return(test, det, "true") == F(-4321, 100)
    # Every optimal training route (the uniform argmax policy) enters lava with probability 1
    # within 20 steps, on the test layout, and never in training.
    pi = Policy(sol.policy.probs, test.states, test.actions)
    lava_test = entering_indicator(test, gridworlds.LAVA_TEST_MAP, "L")
    lava_train = entering_indicator(train, gridworlds.LAVA_TRAIN_MAP, "L")
    goal_train = entering_indicator(train, gridworlds.LAVA_TRAIN_MAP, "G")
    H = 20
    assert expected_return(test.replace(discount=None, horizon=H), pi, lava_test) == 1
    assert expected_return(train.replace(discount=None, horizon=H), sol.policy, lava_train) == 0
    assert expected_return(train.replace(discount=None, horizon=H), sol.policy, goal_train) == 1
    # Re-planning on the test layout avoids lava.
    replanned = solve(test, "true").policy
    assert expected_return(test.replace(discount=None, horizon=H), replanned, lava_test) == 0


def test_lava_proxy_lava_changes_only_the_proxy():
    m = environments.lava_train(proxy_lava=0)
    s, a = m.state_index("(1,2)"), m.action_index("right")
    assert m.rewards["true"][s, a] == -51 and m.rewards["proxy"][s, a] == -1
    plain = environments.lava_train()
    assert np.array_equal(plain.rewards["true"], plain.rewards["proxy"])


# -- tomato: the proxy camps on the bucket, the true reward goes to the tomatoes --------


def test_tomato_argmax_proxy_camps_argmax_true_reaches_goal():
    m = environments.get("tomato")
    proxy, true = solve(m, "proxy"), solve(m, "true")
    argmax = lambda sol, cell: sol.argmax[m.state_index(cell)]  # noqa: E731
    assert argmax(proxy, "(1,1)") == ("up", "left")  # the two moves that stay on O
    assert argmax(proxy, "(2,3)") == ("up", "left") and argmax(true, "(2,3)") == ("down", "right")
    first_proxy = lambda s: argmax(proxy, s)[0]  # noqa: E731
    path, end = walk(gridworlds.TOMATO_MAP, first_proxy, max_steps=10)
    assert end is None and path[-1] == (1, 1) and path[3:] == [(1, 1)] * (len(path) - 3)
    first_true = lambda s: argmax(true, s)[0]  # noqa: E731
    path, end = walk(gridworlds.TOMATO_MAP, first_true)
    assert end == "G" and len(path) - 1 == 3
    # Staying on the bucket: proxy 3 - 1 = 2 per step, 2 / (1 - 9/10) = 20; true -1 per step.
    assert proxy.values[m.state_index("(1,1)")] == 20
    assert true.values[m.state_index("(1,1)")] < proxy.values[m.state_index("(1,1)")]


# -- NChain --------------------------------------------------------------------------


def test_chain_rows_by_hand():
    # n = 5, slip 1/5: "forward" has the forward effect w.p. 4/5 and the back effect w.p. 1/5.
    m = environments.chain()
    assert m.states == ("s0", "s1", "s2", "s3", "s4") and m.initial.tolist() == [1, 0, 0, 0, 0]
    assert row(m, "s0", "forward") == {"s0": F(1, 5), "s1": F(4, 5)}
    assert row(m, "s0", "back") == {"s0": F(4, 5), "s1": F(1, 5)}
    assert row(m, "s2", "forward") == {"s0": F(1, 5), "s3": F(4, 5)}
    assert row(m, "s2", "back") == {"s0": F(4, 5), "s3": F(1, 5)}
    assert row(m, "s4", "forward") == {"s0": F(1, 5), "s4": F(4, 5)}
    r = m.rewards["true"]
    # s2: forward = 4/5 * 0 + 1/5 * 2 = 2/5; back = 4/5 * 2 = 8/5.
    assert r[2].tolist() == [F(2, 5), F(8, 5)]
    # s4: forward = 4/5 * 10 + 1/5 * 2 = 42/5; back = 1/5 * 10 + 4/5 * 2 = 18/5.
    assert r[4].tolist() == [F(42, 5), F(18, 5)]
    assert np.array_equal(m.rewards["true"], m.rewards["proxy"])


def test_chain_proxy_bonus():
    # The proxy pays 2 + 8 = 10 for the back effect: s0 back = 4/5 * 10 = 8, forward = 2.
    m = environments.chain(proxy_bonus=8)
    assert m.rewards["proxy"][0].tolist() == [2, 8]
    assert solve(m, "true").argmax[0] == ("forward",)
    assert solve(m, "proxy").argmax[0] == ("back",)


def test_chain_arguments():
    with pytest.raises(InvalidArgument, match="n is 1, not an integer >= 2"):
        environments.chain(n=1)
    with pytest.raises(InvalidArgument, match=r"slip is 2, not in \[0, 1\]"):
        environments.chain(slip=2)
    assert environments.chain(slip=0.2) == environments.chain()  # 0.2 is read as 1/5


# -- random MDPs -------------------------------------------------------------------------


def test_random_mdp_reproducible_and_seed_sensitive():
    a = environments.random_mdp(S=6, A=3, branching=3, seed=11, denominator=6)
    assert a == environments.random_mdp(S=6, A=3, branching=3, seed=11, denominator=6)
    assert a != environments.random_mdp(S=6, A=3, branching=3, seed=12, denominator=6)


@pytest.mark.parametrize("S, A, branching, denominator", [(5, 2, 2, 4), (6, 3, 3, 6), (4, 2, 4, 4), (3, 1, 1, 1)])
def test_random_mdp_rows(S, A, branching, denominator):
    m = environments.random_mdp(S=S, A=A, branching=branching, seed=3, denominator=denominator)
    for s in range(S):
        for a in range(A):
            support = [p for p in m.transitions[s, a] if p != 0]
            assert len(support) == branching
            assert sum(support) == 1
            assert all(p >= F(1, denominator) and denominator % p.denominator == 0 for p in support)
    for name in ("true", "proxy"):
        assert all(denominator % x.denominator == 0 for x in m.rewards[name].flat)
    assert all(-1 <= x <= 1 for x in m.rewards["true"].flat)
    noise = m.rewards["proxy"] - m.rewards["true"]
    assert all(abs(x) <= F(1, 2) for x in noise.flat)
    assert m.initial.tolist() == [F(1, S)] * S


def test_random_mdp_options_and_errors():
    m = environments.random_mdp(horizon=4, initial="first")
    assert m.horizon == 4 and m.discount is None and m.initial[0] == 1
    with pytest.raises(InvalidArgument, match="branching is 5 but denominator is 4"):
        environments.random_mdp(S=6, branching=5, denominator=4)
    with pytest.raises(InvalidArgument, match="branching is 4 but there are only S = 3 states"):
        environments.random_mdp(S=3, branching=4, denominator=8)
    with pytest.raises(InvalidArgument, match="initial is 'middle'"):
        environments.random_mdp(initial="middle")
    with pytest.raises(InvalidArgument, match="seed is -1"):
        environments.random_mdp(seed=-1)


# -- bandits ---------------------------------------------------------------------------


def test_bandit_explicit_and_random():
    m = environments.bandit(true=(F(1, 2), 1, 0), proxy=(1, "3/4", 0))
    assert m.states == ("x",) and m.actions == ("arm0", "arm1", "arm2") and m.horizon == 1
    assert m.rewards["true"].tolist() == [[F(1, 2), 1, 0]]
    assert m.rewards["proxy"].tolist() == [[1, F(3, 4), 0]]
    assert solve(m, "proxy").argmax[0] == (("arm0",),) and solve(m, "true").argmax[0] == (("arm1",),)
    r = environments.bandit(k=7, seed=5)
    assert r == environments.bandit(k=7, seed=5) and r.A == 7
    assert all(8 % x.denominator == 0 and 0 <= x <= 1 for x in r.rewards["true"].flat)
    assert all(abs(x) <= F(1, 2) and 8 % x.denominator == 0
               for x in (r.rewards["proxy"] - r.rewards["true"]).flat)
    assert environments.bandit(noise=0).rewards["proxy"].tolist() == environments.bandit().rewards["true"].tolist()
    with pytest.raises(InvalidArgument, match="k is 4 but the explicit rewards have 3 arms"):
        environments.bandit(k=4, true=(0, 1, 0))
    with pytest.raises(InvalidArgument, match="true has 3 arms but proxy has 2"):
        environments.bandit(true=(0, 1, 0), proxy=(0, 1))


def test_contextual_bandit():
    m = environments.contextual_bandit(contexts=3, arms=2, seed=4)
    assert m.states == ("c0", "c1", "c2") and m.actions == ("arm0", "arm1")
    assert m.initial.tolist() == [F(1, 3)] * 3 and m.observation_labels == m.states
    assert m.features.tolist() == [[0], [1], [2]]
    assert all(m.transitions[s, a].tolist() == [F(1, 3)] * 3 for s in range(3) for a in range(2))
    skewed = environments.contextual_bandit(contexts=2, context_probs=("1/4", "3/4"))
    assert skewed.initial.tolist() == [F(1, 4), F(3, 4)]
    with pytest.raises(InvalidArgument, match="context_probs sums to 9/10, not 1"):
        environments.contextual_bandit(contexts=2, context_probs=("1/5", "7/10"))


# -- gymnasium toy_text --------------------------------------------------------------------


def test_frozen_lake_slippery_rows_are_exact_thirds():
    m = environments.frozen_lake()
    assert m.S == 17 and m.actions == ("left", "down", "right", "up")
    # s0 "left": left and up are blocked (stay), down -> s4: merged to 2/3 and 1/3.
    assert row(m, "s0", "left") == {"s0": F(2, 3), "s4": F(1, 3)}
    # s6 (row 1, col 2) "left": left -> s5 (a hole: terminated -> done), up -> s2, down -> s10.
    assert row(m, "s6", "left") == {"s2": F(1, 3), "s10": F(1, 3), "done": F(1, 3)}
    # s14 "right": right -> s15 (goal, reward 1, done), up -> s10, down blocked -> s14.
    assert row(m, "s14", "right") == {"s10": F(1, 3), "s14": F(1, 3), "done": F(1, 3)}
    assert m.rewards["true"][m.state_index("s14"), m.action_index("right")] == F(1, 3)
    # holes and the goal are never entered: their rows go to done with reward 0.
    assert row(m, "s5", "up") == {"done": 1} and m.rewards["true"][5].tolist() == [0, 0, 0, 0]
    assert m.features[6].tolist() == [1, 2] and m.features[-1].tolist() == [-1, -1]
    assert m.observation_labels == m.states and m.discount == F(99, 100)


def test_frozen_lake_exact_values_match_float_value_iteration():
    import gymnasium.envs.toy_text as gym_toy  # in the test extra: never skipped

    env = gym_toy.FrozenLakeEnv(map_name="4x4", is_slippery=True)
    P = env.unwrapped.P
    gamma, S, A = 0.99, len(P), len(P[0])
    # Float model straight from P: a terminated transition contributes its reward and no
    # continuation value (the absorbing zero-reward "done" state).
    T = np.zeros((S, A, S))
    R = np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            for p, nxt, rew, terminated in P[s][a]:
                R[s, a] += p * rew
                if not terminated:
                    T[s, a, nxt] += p
    v = np.zeros(S)
    for _ in range(100_000):
        v_new = (R + gamma * T @ v).max(axis=1)
        delta = np.max(np.abs(v_new - v))
        v = v_new
        if delta < 1e-14:
            break
    # The stop rule bounds the error by gamma * delta / (1 - gamma) < 1e-12; compare at 1e-6.
    exact = solve(environments.get("frozen-lake"), "true").values
    assert all(isinstance(x, F) for x in exact)
    assert exact[-1] == 0
    assert np.max(np.abs(np.array([float(x) for x in exact[:S]]) - v)) < 1e-6
    assert 0.5 < v[0] < 0.6  # the known value of the slippery 4x4 start at gamma 0.99 (~0.54)


def test_frozen_lake_not_slippery_and_errors():
    m = environments.get("frozen_lake", is_slippery="false")
    assert row(m, "s0", "right") == {"s1": 1}
    with pytest.raises(InvalidArgument, match=r"map_name is '5x5', not one of \['4x4', '8x8'\]"):
        environments.frozen_lake(map_name="5x5")


def test_cliff_walking_cliff_and_goal():
    m = environments.cliff_walking()
    s36, right = m.state_index("s36"), m.action_index("right")
    assert row(m, "s36", "right") == {"s36": 1} and m.rewards["true"][s36, right] == -100
    assert row(m, "s35", "down") == {"done": 1}
    assert m.initial[s36] == 1 and m.features[36].tolist() == [3, 0]


def test_from_toy_text_refuses_rows_that_do_not_sum_to_one():
    P = {0: {0: [(0.5, 0, 0, False), (0.4, 0, 0, False)]}}
    env = SimpleNamespace(unwrapped=SimpleNamespace(P=P, initial_state_distrib=[1.0]))
    with pytest.raises(InvalidMDP, match=r"toy: P\[0\]\[0\] sums to 9/10 after exact conversion, not 1"):
        from_toy_text(env, name="toy")


def test_gym_import_without_gymnasium(monkeypatch):
    monkeypatch.setitem(sys.modules, "gymnasium", None)
    with pytest.raises(InvalidArgument) as info:
        environments.frozen_lake()
    assert str(info.value) == ("frozen_lake needs gymnasium: pip install 'deconfuse[gym]' "
                               "(in a checkout of deconfuse: pip install -e '.[gym]')")
    with pytest.raises(InvalidArgument, match="taxi needs gymnasium"):
        environments.get("taxi")


# -- registry ----------------------------------------------------------------------------


def test_registry_names_and_descriptions():
    expected = {
        "bandit", "contextual-bandit", "chain", "random", "lava-train", "lava-test", "tomato",
        "frozen-lake", "cliff-walking", "taxi", "cleaning-robot", "skalse-two-state",
        "large-grid",
    }
    assert set(environments.names()) == expected
    described = dict(environments.describe())
    assert set(described) == expected
    assert described["lava-test"] == environments.lava_test.__doc__.strip().splitlines()[0]
    assert all(line and "\n" not in line for line in described.values())


def test_registry_dash_underscore_and_string_params():
    assert environments.get("lava_train") == environments.get("lava-train")
    assert environments.get("contextual_bandit", contexts="2", context_probs="1/4,3/4") == (
        environments.contextual_bandit(contexts=2, context_probs=(F(1, 4), F(3, 4)))
    )
    m = environments.get("chain", n="3", slip="1/4", discount="0.5", proxy_bonus="-1/2")
    assert m == environments.chain(n=3, slip=F(1, 4), discount=F(1, 2), proxy_bonus=F(-1, 2))
    b = environments.get("bandit", true="1/2,1,0", proxy="1, 3/4, 0")
    assert b.rewards["true"].tolist() == [[F(1, 2), 1, 0]]
    assert environments.get("random", horizon="3", initial="first").horizon == 3
    assert environments.get("lava-train", proxy_lava="none") == environments.lava_train()
    assert environments.get("lava-train", proxy_lava="0").rewards["proxy"][1, 3] == -1


def test_registry_errors_name_environment_parameter_value():
    with pytest.raises(InvalidArgument, match=r"unknown environment 'lava'; known: bandit, chain"):
        environments.get("lava")
    with pytest.raises(InvalidArgument, match=r"environment 'chain' has no parameter 'm' \(given '3'\)"):
        environments.get("chain", m="3")
    with pytest.raises(InvalidArgument, match=r"environment 'chain': parameter n is 'five', not an int"):
        environments.get("chain", n="five")
    with pytest.raises(InvalidArgument, match=r"environment 'frozen-lake': parameter is_slippery is 'maybe', not true or false"):
        environments.get("frozen-lake", is_slippery="maybe")
    with pytest.raises(InvalidArgument, match=r"environment 'random': parameter initial is 'middle', not one of"):
        environments.get("random", initial="middle")
    with pytest.raises(InvalidArgument, match=r"environment 'bandit': parameter true is '1,x'"):
        environments.get("bandit", true="1,x")
    # errors raised by the builder carry the environment's name too
    with pytest.raises(InvalidArgument, match=r"environment 'chain': n is 1, not an integer >= 2"):
        environments.get("chain", n="1")


def test_register_custom_environment():
    def two_cells(reward: F = F(1)) -> object:
        """Two cells and a goal: a custom test environment."""
        return compile_gridworld(["####", "#SG#", "####"], rewards_true={"G": reward}, terminal_symbols="G")

    environments.register("two_cells", two_cells)
    try:
        assert "two_cells" in environments.names()
        assert dict(environments.describe())["two_cells"] == "Two cells and a goal: a custom test environment."
        m = environments.get("two-cells", reward="5/2")
        assert m.rewards["true"][0, m.action_index("right")] == F(5, 2)
        with pytest.raises(InvalidArgument, match="already registered"):
            environments.register("two-cells", two_cells)
    finally:
        environments.unregister("two_cells")
    assert "two_cells" not in environments.names()
