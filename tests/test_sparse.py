"""The sparse core: sparse transitions, state-dependent action sets, their validation, and the
solvers on models with disabled actions (issue 12)."""

from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from theory.errors import InvalidFile, InvalidMDP, InvalidPolicy
from theory.evaluation import expected_return, occupancy, state_values
from theory.io import dumps, mdp_from_dict
from theory.mdp import FiniteMDP
from theory.policy import Policy
from theory.solvers import backward_induction, policy_iteration, value_iteration
from theory.sparse import SparseTransitions


def corridor() -> FiniteMDP:
    """Three states in a row, actions stay/left/right/jump; in 'end' only 'stay' is enabled, in
    'mid' 'left' and 'jump' are disabled (two of four).

    - start: stay -> start (r 0); left -> start (r 0); right -> mid (r 0); jump -> end with 1/2,
      start with 1/2 (r -1).
    - mid: stay -> mid (r 1); right -> end (r 0).
    - end: stay -> end (r 2).
    """
    rows = {(0, 0): {0: F(1)}, (0, 1): {0: F(1)}, (0, 2): {1: F(1)}, (0, 3): {2: F(1, 2), 0: F(1, 2)},
            (1, 0): {1: F(1)}, (1, 2): {2: F(1)},
            (2, 0): {2: F(1)}}
    rewards = {"true": [[0, 0, 0, -1], [1, 0, 0, 0], [2, 0, 0, 0]]}
    return FiniteMDP(["start", "mid", "end"], ["stay", "left", "right", "jump"], rows, rewards, [1, 0, 0],
                     discount=F(1, 2), enabled={"mid": ["stay", "right"], "end": ["stay"]})


def test_the_hand_computed_corridor():
    # v(end) = 2 / (1 - 1/2) = 4. mid: stay gives 1 / (1/2) = 2, right gives 0 + 4/2 = 2: a tie.
    # start: right 0 + v(mid)/2 = 1; jump -1 + (4 + v(start)) / 4, and with v(start) = 1 that is
    # 1/4 < 1; stay/left 0 + v(start)/2 = 1/2. So v = (1, 2, 4), argmax right / {stay, right} / stay.
    m = corridor()
    sol = policy_iteration(m, "true")
    assert sol.values.tolist() == [F(1), F(2), F(4)]
    assert sol.argmax == (("right",), ("stay", "right"), ("stay",))
    assert sol.policy.probs[1].tolist() == [F(1, 2), 0, F(1, 2), 0]
    vi = value_iteration(m.to_float(), "true", tolerance=1e-10)
    assert vi.argmax == sol.argmax and np.abs(vi.values - [1, 2, 4]).max() <= vi.error_bound
    # Horizon 2 from start: right then (mid, stay) = 0 + 1 = 1; jump: -1 + 1/2 * 2 + 1/2 * 0 = 0.
    assert backward_induction(m.replace(discount=None, horizon=2), "true").values[0].tolist() == [1, 2, 4]


def test_the_uniform_base_ranges_over_the_enabled_actions():
    m = corridor()
    uniform = Policy.uniform(m)
    assert uniform.probs.tolist() == [[F(1, 4)] * 4, [F(1, 2), 0, F(1, 2), 0], [1, 0, 0, 0]]
    # Occupancy of a disabled action is 0 and the flow is conserved: sum d = 1 / (1 - 1/2).
    d = occupancy(m, uniform)
    assert d[1, 1] == d[1, 3] == d[2, 1] == 0 and d.sum() == 2


def test_sparse_dense_and_row_constructions_are_equal():
    m = corridor()
    dense = m.transitions
    assert dense[0, 3].tolist() == [F(1, 2), 0, F(1, 2)] and dense[2, 3].tolist() == [0, 0, 0]
    again = FiniteMDP(m.states, m.actions, dense, m.rewards, m.initial, discount=m.discount, enabled=m.enabled)
    parts = SparseTransitions.from_csr(3, 4, m.sparse.indptr, m.sparse.indices, m.sparse.data)
    third = m.replace(transitions=parts)
    assert again == m == third
    assert m.sparse.nnz == 8 and m.sparse.row(0, 3) == ([0, 2], [F(1, 2), F(1, 2)])
    # A JSON round trip keeps the action sets and writes no row for a disabled action.
    data = json.loads(dumps(m))
    assert data["enabled"] == {"mid": ["stay", "right"], "end": ["stay"]}
    assert sorted(data["transitions"]["end"]) == ["stay"]
    assert mdp_from_dict(data) == m


def test_each_new_error_names_the_state_and_the_action():
    m = corridor()
    with pytest.raises(InvalidPolicy, match=r"^policy puts probability 1/2 on 'left' in 'mid', where it is disabled$"):
        state_values(m, Policy(np.array([[1, 0, 0, 0], [F(1, 2), F(1, 2), 0, 0], [1, 0, 0, 0]], dtype=object),
                               m.states, m.actions), "true")
    with pytest.raises(InvalidPolicy, match=r"^choice\['end'\] is 'right', which is disabled in 'end'$"):
        Policy.deterministic(m, ["stay", "stay", "right"])
    rows = _rows(m)
    with pytest.raises(InvalidMDP, match=r"^transitions\['end', 'left'\] is given, but 'left' is disabled in 'end'"):
        m.replace(transitions={**rows, (2, 1): {1: F(1)}})
    del rows[(1, 2)]
    with pytest.raises(InvalidMDP, match=r"^transitions\['mid', 'right'\] has no successor, but 'right' is enabled"):
        m.replace(transitions=rows)
    with pytest.raises(InvalidMDP, match=r"^enabled\['end'\] has no action; every state needs at least one"):
        m.replace(enabled={"mid": ["stay", "right"], "end": []})
    with pytest.raises(InvalidMDP, match=r"^rewards\['true'\]\['end', 'jump'\] is 3, but 'jump' is disabled"):
        m.replace(rewards={"true": [[0, 0, 0, -1], [1, 0, 0, 0], [2, 0, 0, 3]]})
    with pytest.raises(InvalidMDP, match=r"^transitions\['start', 'jump', 'end'\] is -1/2, a negative probability$"):
        m.replace(transitions={**_rows(m), (0, 3): {0: F(3, 2), 2: F(-1, 2)}})


def test_the_json_reader_names_the_path_of_a_row_for_a_disabled_action():
    data = json.loads(dumps(corridor()))
    data["transitions"]["end"]["jump"] = {"end": "1"}
    with pytest.raises(InvalidFile, match=r"\$\.transitions\.end\.jump: a row for 'jump', which \$\.enabled disables"):
        mdp_from_dict(data)
    data = json.loads(dumps(corridor()))
    data["enabled"]["mid"] = ["fly"]
    with pytest.raises(InvalidFile, match=r"^\$\.enabled: enabled\['mid'\] names action 'fly', not one of \['stay', "):
        mdp_from_dict(data)


def _rows(m: FiniteMDP) -> dict:
    return {(s, a): dict(m.successors[s][a]) for s in range(m.S) for a in range(m.A) if m.enabled[s, a]}


@st.composite
def masked_mdps(draw):
    """Random exact MDPs with 2..5 states, 2..3 actions, some actions disabled (every state keeps
    one), 1..3 successors per enabled row with probabilities in steps of 1/4."""
    S, A = draw(st.integers(2, 5)), draw(st.integers(2, 3))
    enabled = np.array([[draw(st.booleans()) for _ in range(A)] for _ in range(S)])
    for s in range(S):
        if not enabled[s].any():
            enabled[s, draw(st.integers(0, A - 1))] = True
    rows, rewards = {}, np.full((S, A), F(0), dtype=object)
    for s in range(S):
        for a in range(A):
            if not enabled[s, a]:
                continue
            targets = draw(st.lists(st.integers(0, S - 1), min_size=1, max_size=3, unique=True))
            cuts = sorted(draw(st.lists(st.integers(1, 3), min_size=len(targets) - 1, max_size=len(targets) - 1)))
            weights = np.diff([0] + cuts + [4])
            if (weights == 0).any():
                targets, weights = targets[:1], [4]
            rows[(s, a)] = {t: F(int(w), 4) for t, w in zip(targets, weights)}
            rewards[s, a] = F(draw(st.integers(-3, 3)))
    return FiniteMDP([f"s{i}" for i in range(S)], [f"a{j}" for j in range(A)], rows, {"true": rewards},
                     np.array([F(1, S)] * S, dtype=object), discount=F(3, 4), enabled=enabled)


@settings(max_examples=60, deadline=None)
@given(masked_mdps())
def test_exact_and_float_solvers_agree_with_disabled_actions(m):
    exact = policy_iteration(m, "true")
    # Brute force over the deterministic policies that use enabled actions only.
    import itertools
    best = max(expected_return(m, Policy.deterministic(m, list(c)), "true")
               for c in itertools.product(*[m.enabled_actions(s) for s in range(m.S)]))
    assert expected_return(m, exact.policy, "true") == best
    for sol in (value_iteration(m.to_float(), "true", tolerance=1e-9), policy_iteration(m.to_float(), "true")):
        assert np.abs(sol.values - np.array(exact.values, dtype=float)).max() <= max(sol.error_bound, 1e-9)
        assert all(m.enabled[s, m.action_index(a)] for s, acts in enumerate(sol.argmax) for a in acts)
    assert all(m.enabled[s, m.action_index(a)] for s, acts in enumerate(exact.argmax) for a in acts)


@settings(max_examples=40, deadline=None)
@given(masked_mdps(), st.integers(0, 5))
def test_modified_policy_iteration_keeps_its_error_bound(m, sweeps):
    """Against the exact optimum: |v - v*| <= the reported bound < tolerance, and the same
    argmax sets (the gaps between Q-values of these small rational models are far above the
    float tolerance)."""
    from theory.solvers import modified_policy_iteration

    exact = policy_iteration(m, "true")
    sol = modified_policy_iteration(m.to_float(), "true", tolerance=1e-9, sweeps=sweeps)
    assert np.abs(sol.values - np.array(exact.values, dtype=float)).max() <= sol.error_bound + 1e-12
    assert sol.error_bound < 1e-9
    assert sol.argmax == exact.argmax


def test_modified_policy_iteration_refuses_bad_arguments():
    from theory.errors import InvalidArgument
    from theory.solvers import modified_policy_iteration

    m = corridor().to_float()
    with pytest.raises(InvalidArgument, match=r"^tolerance is 0, not a positive number$"):
        modified_policy_iteration(m, "true", tolerance=0)
    with pytest.raises(InvalidArgument, match=r"^sweeps is -1, not an integer >= 0$"):
        modified_policy_iteration(m, "true", sweeps=-1)
    with pytest.raises(InvalidArgument, match=r"float method"):
        modified_policy_iteration(corridor(), "true")


def test_a_shift_between_models_with_different_action_sets_is_refused():
    from theory.errors import InvalidArgument
    from environments.shifts import shift_dynamics

    m = corridor()
    rows = _rows(m)
    rows[(1, 1)] = {0: F(1)}  # 'left' enabled in 'mid' in the other model
    other = m.replace(transitions=rows, enabled={"mid": ["stay", "left", "right"], "end": ["stay"]})
    with pytest.raises(InvalidArgument, match=r"^other enables 'left' in 'mid' but mdp does not; a shift needs"):
        shift_dynamics(m, other, F(1, 2))
    # Same action sets: the mixture of the rows, here (1/2) jump-to-end + (1/2) jump-to-start.
    mixed = shift_dynamics(m, m.replace(transitions={**_rows(m), (0, 3): {0: F(1)}}), F(1, 2))
    assert mixed.transitions[0, 3].tolist() == [F(3, 4), 0, F(1, 4)]


@settings(max_examples=20, deadline=None)
@given(masked_mdps())
def test_the_error_models_give_disabled_actions_no_proxy_reward(m):
    from environments import proxy_errors

    m = m.replace(rewards={"true": m.rewards["true"]})
    for model in (proxy_errors.regressional(m, scale=F(2), seed=3), proxy_errors.extremal(m, support=["s0"], magnitude=F(5))):
        proxy = model.rewards["proxy"]
        assert all(proxy[s, a] == 0 for s, a in np.argwhere(~m.enabled))
        assert model.rewards["true"].tolist() == m.rewards["true"].tolist()


@settings(max_examples=40, deadline=None)
@given(masked_mdps(), st.data())
def test_the_sparse_operations_equal_their_dense_definitions(m, data):
    """expected_next, flow and kernel of the CSR form against sums over the dense array, exact
    (equal) and float (within 1e-12)."""
    P = m.transitions
    v = np.array([F(data.draw(st.integers(-5, 5)), data.draw(st.integers(1, 3))) for _ in range(m.S)], dtype=object)
    w = np.array([[F(data.draw(st.integers(0, 4)), 4) for _ in range(m.A)] for _ in range(m.S)], dtype=object)
    pi = Policy.uniform(m).probs
    dense_next = np.array([[sum(P[s, a, t] * v[t] for t in range(m.S)) for a in range(m.A)] for s in range(m.S)])
    dense_flow = np.array([sum(w[s, a] * P[s, a, t] for s in range(m.S) for a in range(m.A)) for t in range(m.S)])
    dense_kernel = {s: {t: sum(pi[s, a] * P[s, a, t] for a in range(m.A)) for t in range(m.S)} for s in range(m.S)}
    assert m.sparse.expected_next(v).tolist() == dense_next.tolist()
    assert m.sparse.flow(w).tolist() == dense_flow.tolist()
    kernel = m.sparse.kernel(pi)
    assert {s: {t: p for t, p in row.items()} for s, row in kernel.items()} == \
        {s: {t: p for t, p in row.items() if p != 0} for s, row in dense_kernel.items()}
    f = m.to_float().sparse
    assert np.allclose(f.expected_next(v.astype(float)), dense_next.astype(float), atol=1e-12)
    assert np.allclose(f.flow(w.astype(float)), dense_flow.astype(float), atol=1e-12)
    K = f.kernel(pi.astype(float)).toarray()
    assert np.allclose(K, [[float(dense_kernel[s][t]) for t in range(m.S)] for s in range(m.S)], atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(masked_mdps())
def test_the_sparse_float_paths_agree_with_the_exact_solution(m):
    """Forcing the sparse float code paths on a small model (SMALL_DENSE = 0): sparse LU, and
    the iterative solve with its residual bound (DIRECT_LIMIT = 0), against exact values."""
    import theory.linalg as linalg

    exact = policy_iteration(m, "true")
    pi = exact.policy
    v_exact = np.array(state_values(m, pi, "true"), dtype=float)
    d_exact = np.array(occupancy(m, pi), dtype=float)
    f, pi_f = m.to_float(), pi.to_float()
    saved = linalg.SMALL_DENSE, linalg.DIRECT_LIMIT
    try:
        for direct in (saved[1], 0):
            linalg.SMALL_DENSE, linalg.DIRECT_LIMIT = 0, direct
            fresh = f.replace()  # no dense array cached: the sparse form is used
            assert not linalg.use_dense(fresh)
            scale = 1 + np.abs(v_exact).max()
            assert np.abs(state_values(fresh, pi_f, "true") - v_exact).max() <= 1e-9 * scale
            assert np.abs(occupancy(fresh, pi_f) - d_exact).max() <= 1e-9 * (1 + d_exact.max())
            sol = policy_iteration(fresh, "true")
            assert np.abs(sol.values - np.array(exact.values, dtype=float)).max() <= 1e-8 * scale
    finally:
        linalg.SMALL_DENSE, linalg.DIRECT_LIMIT = saved


def test_a_negative_or_nan_float_entry_is_named_on_either_path():
    """Dense float input with every action enabled takes the fast dense validation, dense input
    with a disabled action the sparse one: both name the entry. The rows sum to 1, so only the
    sign check can catch the -1."""
    states, actions = ["s0", "s1"], ["a", "b"]
    rewards = {"true": [[0.0, 0.0], [0.0, 0.0]]}
    every = np.array([[[2.0, -1.0], [0.0, 1.0]], [[0.0, 1.0], [1.0, 0.0]]])
    masked = every.copy()
    masked[1, 1] = 0.0  # no row for 'b' in 's1', disabled there
    for P, enabled in ((every, None), (masked, {"s1": ["a"]})):
        with pytest.raises(InvalidMDP, match=r"^transitions\['s0', 'a', 's1'\] is -1.0, a negative probability$"):
            FiniteMDP(states, actions, P, rewards, [1.0, 0.0], discount=0.5, enabled=enabled)
        bad = P.copy()
        bad[0, 0] = [np.nan, 1.0]
        with pytest.raises(InvalidMDP, match=r"^transitions\['s0', 'a', 's0'\] is nan$"):
            FiniteMDP(states, actions, bad, rewards, [1.0, 0.0], discount=0.5, enabled=enabled)
