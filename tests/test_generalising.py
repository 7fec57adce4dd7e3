"""The feature-generalising amortised agents (agents/generalising.py): the softmax-linear fit
against its closed-form optimum and a finite-difference gradient, k-nearest-neighbours' exact
rows by hand, the decision-time isolation, and the lava shift with view observations."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from scipy.optimize import brentq

from agents import NearestNeighbours, SoftmaxLinear, TabularAmortised
from agents.direct import Argmax, Fixed
from agents.generalising import softmax_loss
from agents.training import collect
from environments import lava_test, lava_train
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.mdp import FiniteMDP
from theory.metrics import regret
from theory.policy import Policy

HALF = {"s0": F(1, 2), "s1": F(1, 2)}


def featured() -> FiniteMDP:
    """two_state with features 0 (s0) and 10 (s1): standardised to -1 and +1 under HALF."""
    return two_state().replace(features=[[0.0], [10.0]])


def mixed_teacher() -> Fixed:
    """s0: stay 1/4, go 3/4; s1: stay 3/4, go 1/4 (actions are ("stay", "go"))."""
    return Fixed(Policy([[F(1, 4), F(3, 4)], [F(3, 4), F(1, 4)]], ("s0", "s1"), ("stay", "go")))


def sigma(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# -- softmax-linear ------------------------------------------------------------------------


def test_softmax_fit_equals_the_closed_form_optimum() -> None:
    # With x = -1 (s0) and +1 (s1) the go-minus-stay logit is u x + c; by the symmetry of the
    # data c = 0 and the penalty is l2 u^2 / 4, so L(u) = -(3/4) log s(-u) - (1/4) log s(u) + l2 u^2/4,
    # L'(u) = (3/4) s(u) - (1/4) s(-u) + l2 u / 2. l2 = 0: s(u) = 1/4, u = -log 3 (the teacher).
    result = SoftmaxLinear(teacher=mixed_teacher(), states=HALF, l2=0).run(featured())
    assert np.allclose(result.policy.probs.astype(float), [[0.25, 0.75], [0.75, 0.25]], atol=1e-7)
    l2 = 0.01
    u = brentq(lambda v: 0.75 * sigma(v) - 0.25 * sigma(-v) + l2 * v / 2, -5, 0, xtol=1e-14)
    result = SoftmaxLinear(teacher=mixed_teacher(), states=HALF, l2=F(1, 100)).run(featured())
    probs = result.policy.probs.astype(float)
    assert np.allclose(probs, [[1 - sigma(-u), sigma(-u)], [1 - sigma(u), sigma(u)]], atol=1e-7)
    loss = -0.75 * math.log(sigma(-u)) - 0.25 * math.log(sigma(u)) + l2 * u * u / 4
    assert abs(result.info["train_loss"] - loss) < 1e-10 and result.info["status"] == 0
    W = np.array(result.info["weights"]["W"])
    assert np.allclose(W[:, 0], [-u / 2, u / 2], atol=1e-6)            # w_stay = -w_go, u = w_go - w_stay
    assert result.info["weights"]["mean"] == [5.0] and result.info["weights"]["std"] == [5.0]


def test_softmax_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(3)
    A, k, n = 3, 4, 7
    X, y = rng.normal(size=(n, k)), rng.integers(0, A, n)
    w = rng.random(n)
    w /= w.sum()
    theta = rng.normal(size=A * k + A)
    _, grad = softmax_loss(theta, X, y, w, 0.3, A)
    h = 1e-6
    numeric = [(softmax_loss(theta + h * e, X, y, w, 0.3, A)[0] - softmax_loss(theta - h * e, X, y, w, 0.3, A)[0])
               / (2 * h) for e in np.eye(len(theta))]
    assert np.allclose(grad, numeric, atol=1e-7)


def test_greedy_on_separable_data_equals_the_teacher_on_its_training_states() -> None:
    train = lava_train(observe="view")
    teacher = Argmax(tie="first")
    data = collect(teacher, train, "true")
    greedy = SoftmaxLinear(teacher=teacher, objective="true", l2=1e-6, greedy=True).run(train, "true").policy
    pi = teacher.run(train, "true").policy
    seen = {o for o, _, _ in data.pairs}
    rows = [s for s in range(train.S) if train.observation_labels[s] in seen]
    # tie "first" (up, down, left, right): (1,1) down, right along row 2 to (2,6), up, right into G
    path = ["(1,1)", "(2,1)", "(2,2)", "(2,3)", "(2,4)", "(2,5)", "(2,6)", "(1,6)", "done"]
    assert [train.states[s] for s in rows] == sorted(path, key=train.states.index)
    assert greedy.exact and all(greedy.probs[s].tolist() == pi.probs[s].tolist() for s in rows)


def test_softmax_kinds_masking_and_costs() -> None:
    result = SoftmaxLinear(teacher=mixed_teacher(), states=HALF).run(featured())
    assert not result.policy.exact                                    # float by nature
    assert SoftmaxLinear(states=HALF, greedy=True).run(featured()).policy.exact
    assert not SoftmaxLinear(states=[0.5, 0.5], greedy=True).run(featured().to_float()).policy.exact
    teacher_cost = collect(mixed_teacher(), featured(), states=HALF).training_cost
    assert result.cost.training == teacher_cost + result.info["evaluations"] > teacher_cost
    assert (result.cost.lookups, result.cost.teacher_calls, result.cost.samples) == (2, 1, 4)
    # s1 may only "go": the masked softmax gives it probability exactly 1, "stay" exactly 0
    masked = FiniteMDP(["s0", "s1"], ["stay", "go"], {(0, 0): {0: 1}, (0, 1): {1: 1}, (1, 1): {0: 1}},
                       {"proxy": [[0, 0], [0, 0]]}, [1, 0], discount=F(1, 2), features=[[0.0], [10.0]],
                       enabled={"s1": ["go"]})
    probs = SoftmaxLinear(teacher=mixed_teacher(), states=HALF, train=featured()).run(masked).policy.probs
    assert probs[1].tolist() == [0.0, 1.0] and abs(probs[0].sum() - 1) < 1e-12


def test_greedy_ties_split_exactly() -> None:
    # one observation, both actions taught equally: the logits tie, so 1/2 each, exactly
    teacher = Fixed(Policy([[F(1, 2), F(1, 2)], [F(1, 2), F(1, 2)]], ("s0", "s1"), ("stay", "go")))
    policy = SoftmaxLinear(teacher=teacher, states=HALF, greedy=True).run(featured()).policy
    assert policy.probs.tolist() == [[F(1, 2), F(1, 2)], [F(1, 2), F(1, 2)]]


# -- k nearest neighbours ------------------------------------------------------------------


def line(features, observations=None, enabled=None) -> FiniteMDP:
    """len(features) self-looping states on a line, 2 actions, uniform start, no reward."""
    S = len(features)
    labels = [f"s{i}" for i in range(S)]
    allowed = enabled or {}
    rows = {(s, a): {s: 1} for s in range(S) for a, name in enumerate("ab") if name in allowed.get(labels[s], "ab")}
    return FiniteMDP(states=labels, actions=["a", "b"], transitions=rows,
                     rewards={"proxy": [[0, 0]] * S}, initial=[F(1, S)] * S, discount=F(1, 2),
                     observations=observations, features=[[float(x)] for x in features], enabled=enabled)


def line_teacher() -> Fixed:
    return Fixed(Policy([[1, 0], [0, 1], [F(1, 3), F(2, 3)]], ("s0", "s1", "s2"), ("a", "b")))


def test_knn_exact_rows_by_hand() -> None:
    train = line([0, 1, 5])                       # teacher rows (1, 0), (0, 1), (1/3, 2/3)
    test = line([0.4, 3.1, 10], observations=["x", "y", "z"])
    result = NearestNeighbours(teacher=line_teacher(), train=train, k=2).run(test)
    # x: d^2 = .16, .36, 21.16 -> s0, s1; y: 9.61, 4.41, 3.61 -> s2, s1; z: s2, s1
    assert result.policy.probs.tolist() == [[F(1, 2), F(1, 2)], [F(1, 6), F(5, 6)], [F(1, 6), F(5, 6)]]
    assert result.info["neighbours"]["s1"] == ("s2", "s1") and result.cost.lookups == 9
    everyone = NearestNeighbours(teacher=line_teacher(), train=train, k=5).run(test).policy
    assert everyone.probs.tolist() == [[F(4, 9), F(5, 9)]] * 3       # fewer than k: all three
    tie = NearestNeighbours(teacher=line_teacher(), train=train, k=1).run(line([0.5], observations=["t"]))
    assert tie.info["neighbours"]["s0"] == ("s0",) and tie.policy.probs.tolist() == [[1, 0]]


def test_knn_restricts_to_the_enabled_actions_and_says_so() -> None:
    train = line([0, 1, 5])
    test = line([0.4, 0.1], observations=["x", "w"], enabled={"s0": ["b"], "s1": ["b"]})
    k2 = NearestNeighbours(teacher=line_teacher(), train=train, k=2).run(test)
    assert k2.policy.probs[0].tolist() == [0, 1] and k2.info["conditioned"] == {"s0": F(1, 2), "s1": F(1, 2)}
    k1 = NearestNeighbours(teacher=line_teacher(), train=train, k=1).run(test)   # s0's row (1, 0): no mass on b
    assert k1.policy.probs.tolist() == [[0, 1], [0, 1]] and k1.info["uniform"] == ("s0", "s1")
    with pytest.raises(InvalidArgument, match=r"^state 's0': its 1 nearest training observations put no mass"):
        NearestNeighbours(teacher=line_teacher(), train=train, k=1, fallback="error").run(test)


# -- decision time reads only the decision view ---------------------------------------------


class Sealed(FiniteMDP):
    """A FiniteMDP whose rewards, transitions and initial distribution cannot be read once sealed."""

    _sealed = False
    _forbidden = frozenset({"transitions", "rewards", "initial", "successors", "discount", "horizon"})

    def __getattribute__(self, name: str):
        if name in Sealed._forbidden and object.__getattribute__(self, "_sealed"):
            raise AssertionError(f"decision time read {name}")
        return object.__getattribute__(self, name)


def sealed(mdp: FiniteMDP) -> Sealed:
    out = Sealed(mdp.states, mdp.actions, mdp.transitions, dict(mdp.rewards), mdp.initial,
                 mdp.discount, mdp.horizon, mdp.observations, mdp.features)
    object.__setattr__(out, "_sealed", True)
    return out


def test_decision_time_never_reads_rewards_transitions_or_initial() -> None:
    train, test = lava_train(observe="view"), lava_test(observe="view")
    spy = sealed(test)
    with pytest.raises(AssertionError, match="read rewards"):
        spy.rewards  # noqa: B018 - the spy works
    for agent in (SoftmaxLinear(train=train), SoftmaxLinear(train=train, greedy=True),
                  NearestNeighbours(train=train), NearestNeighbours(train=train, features="one-hot")):
        assert agent.run(spy, "true").policy == agent.run(test, "true").policy


# -- the lava shift with view observations ----------------------------------------------------


def test_lava_shift_the_amortised_agents_differ() -> None:
    train, test = lava_train(observe="view"), lava_test(observe="view")
    common = {"train": train, "objective": "true"}
    policies = {
        "uniform": TabularAmortised(fallback="uniform", **common).run(test, "true").policy,
        "nearest": TabularAmortised(fallback="nearest", **common).run(test, "true").policy,
        "softmax": SoftmaxLinear(**common).run(test, "true").policy,
        "greedy": SoftmaxLinear(greedy=True, **common).run(test, "true").policy,
        "knn": NearestNeighbours(**common).run(test, "true").policy,
        "knn1": NearestNeighbours(k=1, **common).run(test, "true").policy,
    }
    r = {name: regret(test if pi.exact else test.to_float(), pi) for name, pi in policies.items()}
    # "nearest" borrows the nearest seen observation by features: the 1-nearest-neighbour rule
    assert policies["nearest"] == policies["knn1"]
    # ... and, like the cell table (every observation seen), it walks right from (2,2) into the lava
    cell = TabularAmortised(train=lava_train(), objective="true").run(lava_test(), "true").policy
    assert r["nearest"] == regret(lava_test(), cell) == F(56067808851, 1000000000)
    # the greedy softmax learned "lava to the right: go down" at (1,2) and detours at (2,2)
    assert r["greedy"] == 0
    assert r["uniform"] == F(1279638536493430934768426796840888369, 31058627801471069868250219000000000)
    assert r["knn"] == F(6425194254893050239, 149923840000000000)
    assert abs(r["softmax"] - 23.94020261797474) < 1e-6
    assert len({float(v) for v in r.values()} - {float(r["nearest"])}) == 4   # five distinct regrets


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("make, message", [
    (lambda: SoftmaxLinear().run(two_state()), r"^features 'mdp' needs features on the training MDP; it has none"),
    (lambda: NearestNeighbours().run(two_state()), r"^features 'mdp' needs features on the training MDP"),
    (lambda: SoftmaxLinear(train=featured()).run(two_state()), r"^features 'mdp' needs features on the MDP; it has"),
    (lambda: SoftmaxLinear(train=featured()).run(two_state().replace(features=[[0.0, 1.0], [1.0, 1.0]])),
     r"^features have 2 coordinates in the MDP but 1 in the training MDP$"),
    (lambda: SoftmaxLinear(l2=-1), r"^l2 is -1, not a finite number >= 0$"),
    (lambda: SoftmaxLinear(greedy="yes"), r"^greedy is 'yes', not true or false$"),
    (lambda: SoftmaxLinear(features="pixels"), r"^features is 'pixels', not 'mdp' or 'one-hot'$"),
    (lambda: NearestNeighbours(k=0), r"^k is 0"),
    (lambda: NearestNeighbours(fallback="nearest"), r"^fallback is 'nearest', not one of 'uniform', 'error'$"),
    (lambda: SoftmaxLinear(train=two_state().replace(features=[[0.0], [0.0]], observations=["o", "o"]),
                           states=HALF).run(two_state().replace(features=[[0.0], [0.0]])), None),
])
def test_bad_input_is_one_line(make, message) -> None:
    if message is None:  # one observation, one vector: fine
        assert make().policy.probs.shape == (2, 2)
        return
    with pytest.raises(InvalidArgument, match=message) as exc:
        make()
    assert "\n" not in str(exc.value)


def test_an_observation_with_two_feature_vectors_is_refused() -> None:
    aliased = two_state().replace(features=[[0.0], [1.0]], observations=["o", "o"])
    with pytest.raises(InvalidArgument, match=r"^observation 'o' has two feature vectors in the training MDP"):
        SoftmaxLinear(states=HALF).run(aliased)


# -- mutation-testing additions (bench/mutation.py, "Issue 14's agents") ---------------------


def test_a_feature_constant_in_training_gets_weight_exactly_zero() -> None:
    # Column 2 is 3 on both training states: standardised it is exactly 0 there, so its gradient
    # is 0 at every iterate and its weight stays 0 from the zero start; the decision policy ignores
    # it, even where it is 103. With l2 = 0 the fit reproduces the (asymmetric) teacher exactly.
    teacher = Fixed(Policy([[F(1, 4), F(3, 4)], [F(1, 2), F(1, 2)]], ("s0", "s1"), ("stay", "go")))
    train = two_state().replace(features=[[0.0, 3.0], [10.0, 3.0]])
    agent = SoftmaxLinear(teacher=teacher, states=HALF, l2=0, train=train)
    result = agent.run(train)
    assert [row[1] for row in result.info["weights"]["W"]] == [0.0, 0.0]
    assert result.info["weights"]["mean"] == [5.0, 3.0] and result.info["weights"]["std"] == [5.0, 1.0]
    assert np.allclose(result.policy.probs.astype(float), [[0.25, 0.75], [0.5, 0.5]], atol=1e-7)
    moved = agent.run(two_state().replace(features=[[0.0, 103.0], [10.0, 103.0]])).policy
    assert np.allclose(moved.probs.astype(float), [[0.25, 0.75], [0.5, 0.5]], atol=1e-7)


def test_the_fit_depends_on_the_weights_only_through_their_proportions() -> None:
    # Counts (100, 300, 300, 100) are the proportions (1/8, 3/8, 3/8, 1/8) of the closed-form test
    # above: the same optimum u (weights are normalised before the fixed penalty l2 is added).
    from agents.generalising import fit_softmax
    from agents.training import Dataset

    data = Dataset(pairs=(("s0", "stay", 100), ("s0", "go", 300), ("s1", "stay", 300), ("s1", "go", 100)),
                   actions=("stay", "go"), teacher="counts", objective="proxy")
    l2 = 0.01
    u = brentq(lambda v: 0.75 * sigma(v) - 0.25 * sigma(-v) + l2 * v / 2, -5, 0, xtol=1e-14)
    fit = fit_softmax(data, np.array([[0.0], [10.0]]), l2)
    assert np.allclose(fit.W[:, 0], [-u / 2, u / 2], atol=1e-6) and fit.status == 0


def test_greedy_masks_a_disabled_action_with_the_largest_logit() -> None:
    # The mixed teacher prefers "stay" at s1 (3/4); in the test MDP s1 may only "go": exactly go.
    masked = FiniteMDP(["s0", "s1"], ["stay", "go"], {(0, 0): {0: 1}, (0, 1): {1: 1}, (1, 1): {0: 1}},
                       {"proxy": [[0, 0], [0, 0]]}, [1, 0], discount=F(1, 2), features=[[0.0], [10.0]],
                       enabled={"s1": ["go"]})
    agent = SoftmaxLinear(teacher=mixed_teacher(), states=HALF, train=featured(), greedy=True)
    assert agent.run(masked).policy.probs.tolist() == [[0, 1], [0, 1]]


def test_greedy_tolerance_ties_logits_closer_than_it() -> None:
    # l2 = 0 reproduces the teacher (2/5, 3/5), (3/5, 2/5): the logit gap is log(3/2) = 0.405 at
    # both states; a tolerance 1/2 ties the two actions (exactly 1/2 each), 3/10 does not.
    teacher = Fixed(Policy([[F(2, 5), F(3, 5)], [F(3, 5), F(2, 5)]], ("s0", "s1"), ("stay", "go")))
    common = {"teacher": teacher, "states": HALF, "l2": 0, "greedy": True}
    assert SoftmaxLinear(tolerance=0.5, **common).run(featured()).policy.probs.tolist() == [[F(1, 2)] * 2] * 2
    assert SoftmaxLinear(tolerance=0.3, **common).run(featured()).policy.probs.tolist() == [[0, 1], [1, 0]]


def test_knn_ties_go_to_the_smaller_observation_label_not_the_first_seen() -> None:
    # training observations in state order z (0), y (1), x (5); 0.5 is equidistant from z and y:
    # the tie goes to the smaller label "y" (teacher row (0, 1)), not to "z", seen first
    train = line([0, 1, 5], observations=["z", "y", "x"])
    result = NearestNeighbours(teacher=line_teacher(), train=train, k=1).run(line([0.5], observations=["t"]))
    assert result.info["neighbours"]["s0"] == ("y",) and result.policy.probs.tolist() == [[0, 1]]


def test_knn_records_the_removed_mass_when_conditioning() -> None:
    # k = 3: the mean of all three rows is (4/9, 5/9); with only "b" enabled, 4/9 is removed
    train = line([0, 1, 5])
    test = line([0.4], observations=["x"], enabled={"s0": ["b"]})
    result = NearestNeighbours(teacher=line_teacher(), train=train, k=3).run(test)
    assert result.policy.probs.tolist() == [[0, 1]] and result.info["conditioned"] == {"s0": F(4, 9)}
