"""Exhaustive checking of small classes (property_tests/enumeration.py, exhaustive.py).

- the theorem suite holds on every case of each theorem's smallest class (CI runs this file);
- counts of MDPs, distributions and cases by hand, the increasing order without duplicates,
  the ordered filter;
- a conjecture known to be false is refuted exhaustively, at the smallest counterexample
  worked out by hand;
- every public strategy enumerates as many objects as it counts, each one it could draw, and
  everything it draws lies in the domain it states;
- a class too large (or with no case) is refused before any case runs, naming the count.
"""

from __future__ import annotations

import math
from fractions import Fraction as F
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from property_tests import strategies as S
from property_tests import theorems
from property_tests.conjectures import (
    argmax_of_the_true_reward_has_no_regret,
    proxy_right_on_support_implies_no_regret_under_shift,
    quantiliser_never_worse_than_argmax,
)
from property_tests.declare import claim, conjecture
from property_tests.enumeration import (
    BETA_GRID,
    N_GRID,
    Q_GRID,
    MDPClass,
    count_exact_distributions,
    count_mdps,
    enumerate_mdps,
    enumeration_of,
    exact_distributions,
)
from property_tests.exhaustive import (
    MAX_CASES,
    cases,
    check_exhaustive,
    count_cases,
    describe_cases,
    smallest_class,
)
from theory.errors import InvalidArgument
from theory.examples import two_state
from theory.io import dumps as mdp_to_json
from theory.mdp import FiniteMDP

# -- the theorem suite, exhaustively on its smallest class ---------------------------------


@pytest.mark.parametrize("name", theorems.__all__)
def test_every_theorem_holds_on_its_smallest_class(name):
    theorem = getattr(theorems, name)
    result = check_exhaustive(theorem, smallest_class(theorem))
    assert result.verdict == "holds", result.line()
    assert result.cases == result.total == count_cases(theorem, smallest_class(theorem)) > 0
    assert result.line().startswith(f"{name}: holds on all {result.total} cases of ")


# -- counts by hand --------------------------------------------------------------------


def test_one_state_one_action_by_hand():
    # one MDP per (true reward, proxy reward, discount): 3 * 3 * 3; the denominator cannot matter
    cls = MDPClass(max_states=1, max_actions=1, max_denominator=3, rewards=(-1, 0, 1), discounts=(0, F(1, 2), F(9, 10)))
    assert count_mdps(cls) == 27 == len(list(enumerate_mdps(cls)))


def test_two_states_two_actions_by_hand():
    # one reward in {0, 1}; rows over 2 states in steps of 1/2: (1, 0), (0, 1), (1/2, 1/2)
    # 1x1: 2; 1x2: 2^2 = 4; 2x1: 3^2 rows * 2^2 rewards = 36; 2x2: 3^4 * 2^4 = 1296
    cls = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(0, 1), discounts=(F(1, 2),))
    assert count_mdps(cls, reward_names=("true",)) == 2 + 4 + 36 + 1296
    assert len(list(enumerate_mdps(cls, reward_names=("true",)))) == 1338
    # the true/proxy pair squares the reward factor; two discounts double everything
    two = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(0, 1), discounts=(0, F(1, 2)))
    assert count_mdps(two) == 2 * (4 + 16 + 9 * 16 + 81 * 256)
    # finite horizons 1 and 2 instead of the discount: twice the MDPs
    assert count_mdps(cls, reward_names=("true",), horizons=(1, 2), discounts=()) == 2 * 1338


def test_distribution_counts_by_hand():
    # 3 entries, denominators <= 2: 3 point masses and (1/2, 1/2, 0), (1/2, 0, 1/2), (0, 1/2, 1/2)
    assert count_exact_distributions(3, 2) == 6 == len(exact_distributions(3, 2))
    # 2 entries, denominators <= 4: (1,0), (0,1), (1/2,1/2), (1/3,2/3), (2/3,1/3), (1/4,3/4), (3/4,1/4)
    assert count_exact_distributions(2, 4) == 7
    assert [tuple(map(str, p)) for p in exact_distributions(2, 4)][3:] == [("2/3", "1/3"), ("1/3", "2/3"),
                                                                          ("3/4", "1/4"), ("1/4", "3/4")]
    # only denominators dividing 4: no thirds
    assert count_exact_distributions(2, 4, (4,)) == 5
    for n in (1, 2, 3, 4):
        for d in (1, 2, 3, 5, 6):
            assert count_exact_distributions(n, d) == len(exact_distributions(n, d)) == len(set(exact_distributions(n, d)))


def test_the_cases_of_a_conjecture_by_hand():
    # 1 state, 1-2 actions, rewards {0, 1} for true and proxy, discount 0: 4 + 16 MDPs; 6 levels q
    cls = MDPClass(max_states=1, max_actions=2, max_denominator=1, rewards=(0, 1), discounts=(0,))
    assert Q_GRID == (1, F(1, 2), F(1, 3), F(2, 3), F(1, 4), F(3, 4))
    assert count_cases(quantiliser_never_worse_than_argmax, cls) == 20 * 6
    assert len(list(cases(quantiliser_never_worse_than_argmax, cls))) == 120
    # the first cases: the first MDP with every q, in the grid's order
    first = list(cases(quantiliser_never_worse_than_argmax, cls))[:6]
    assert [c["q"] for c in first] == list(Q_GRID)
    assert all(c["mdp"] is first[0]["mdp"] for c in first)


def test_the_class_is_spelled_out():
    cls = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(-1, 0, 1), discounts=(0, F(1, 2), F(9, 10)))
    assert cls.describe() == (
        "exact MDPs with 1-2 states, 1-2 actions, transition probabilities in steps of 1/2, rewards true and "
        "proxy in {-1, 0, 1}, discounts {0, 1/2, 9/10}, starting in the first state"
    )
    assert describe_cases(argmax_of_the_true_reward_has_no_regret, cls).startswith(
        "mdp in exact MDPs with 1-2 states, 1-2 actions, transition probabilities in steps of 1/2, reward true in"
    )


# -- order and duplicates --------------------------------------------------------------


def _denominator(mdp):
    return max(math.lcm(*(F(p).denominator for p in row)) for row in mdp.transitions.reshape(-1, mdp.S))


@pytest.mark.parametrize("states, actions, denominator, rewards, last",
                         [(3, 1, 3, (0,), (3, 1, 3)), (2, 2, 2, (0, 1), (2, 2, 2))])
def test_mdps_come_in_increasing_size_without_duplicates(states, actions, denominator, rewards, last):
    cls = MDPClass(max_states=states, max_actions=actions, max_denominator=denominator, rewards=rewards, discounts=(0,))
    mdps = list(enumerate_mdps(cls, reward_names=("true",)))
    sizes = [(m.S, m.A, _denominator(m)) for m in mdps]
    assert sizes == sorted(sizes)
    assert sizes[0] == (1, 1, 1) and sizes[-1] == last
    texts = [mdp_to_json(m) for m in mdps]
    assert len(set(texts)) == len(texts) == count_mdps(cls, reward_names=("true",))
    # every MDP starts in s0 and has the class's numbers
    assert all(m.initial[0] == 1 and m.discount == 0 for m in mdps)


def test_numbers_come_simplest_first():
    cls = MDPClass(max_states=1, max_actions=1, rewards=(-1, 0, 1), discounts=(F(9, 10), 0, F(1, 2)))
    mdps = list(enumerate_mdps(cls, reward_names=("true",)))
    assert [(m.discount, m.reward("true")[0, 0]) for m in mdps] == [
        (0, 0), (0, 1), (0, -1), (F(1, 2), 0), (F(1, 2), 1), (F(1, 2), -1), (F(9, 10), 0), (F(9, 10), 1), (F(9, 10), -1)
    ]


def test_discounts_come_simplest_first_not_by_value():
    # simplicity orders by denominator first: 1/2 before 1/3, although 1/3 < 1/2
    cls = MDPClass(max_states=1, max_actions=1, rewards=(0,), discounts=(F(1, 3), F(1, 2)))
    assert [m.discount for m in enumerate_mdps(cls, reward_names=("true",))] == [F(1, 2), F(1, 3)]


def test_a_class_may_reach_the_limits():
    cls = MDPClass(max_states=16, max_actions=16, max_denominator=64)
    assert (cls.max_states, cls.max_actions, cls.max_denominator) == (16, 16, 64)


def test_one_of_counts_every_branch_and_merges_them_by_size():
    # one action, deterministic rows, one reward value: 4 two-state MDPs (2 rows of 2 choices)
    # and 1 one-state MDP; the first branch has only the 4, the second all 5
    cls = MDPClass(max_states=2, max_actions=1, max_denominator=1, rewards=(0,), discounts=(0,))
    two = S.finite_mdps(min_states=2, max_states=2, max_actions=1, reward_names=("true",), discounts=(0,))
    both = S.finite_mdps(max_states=2, max_actions=1, reward_names=("true",), discounts=(0,))
    enumeration = enumeration_of(st.one_of(two, both))
    assert enumeration.count(cls) == 4 + 5
    assert [m.S for m in enumeration.values(cls)] == [1] + [2] * 8


def _arms(actions, initial=(1,)):
    S_ = len(initial)
    return FiniteMDP([f"s{i}" for i in range(S_)], [f"a{j}" for j in range(actions)],
                     [[[int(i == j) for j in range(S_)]] * actions for i in range(S_)],
                     {"true": [[0] * actions] * S_}, list(initial), discount=F(0))


def test_an_mdp_strategy_states_its_domain():
    domain = enumeration_of(S.finite_mdps(max_states=2, max_actions=2, reward_names=("true",), discounts=(0,))).contains
    assert domain(_arms(2)) and domain(_arms(1, (F(1, 2), F(1, 2))))
    assert not domain(_arms(3))  # 3 actions, at most 2
    assert not domain(_arms(1, (F(1, 5), F(4, 5))))  # an initial denominator of 5, at most 4


def test_a_strategy_enumerates_only_the_discounts_it_can_draw():
    # goodhart_mdps draws the discounts 0, 1/2 and 9/10: of the class's 0 and 1/3 only 0
    cls = MDPClass(max_states=1, max_actions=1, max_denominator=1, rewards=(0,), discounts=(0, F(1, 3)))
    mdps = list(enumeration_of(S.goodhart_mdps(max_states=1, max_actions=1)).values(cls))
    assert mdps and {m.discount for m in mdps} == {0}


# -- the ordered filter ----------------------------------------------------------------


def test_ordered_arguments_strictly_increase():
    strategies = {"q1": S.quantile_levels(), "q2": S.quantile_levels(), "n": S.sample_counts()}
    claim_like = SimpleNamespace(name="monotone", strategies=strategies, ordered=(("q1", "q2"),))
    found = list(cases(claim_like, MDPClass()))
    # 6 levels, 15 pairs q1 < q2, times 4 sample counts
    assert len(found) == count_cases(claim_like, MDPClass()) == 15 * 4
    assert all(c["q1"] < c["q2"] for c in found)
    assert {(c["q1"], c["q2"]) for c in found} == {(a, b) for a in Q_GRID for b in Q_GRID if a < b}
    three = SimpleNamespace(name="chain", strategies={"a": S.sample_counts(), "b": S.sample_counts(),
                                                      "c": S.sample_counts()}, ordered=(("a", "b", "c"),))
    assert count_cases(three, MDPClass()) == len(list(cases(three, MDPClass()))) == math.comb(len(N_GRID), 3)
    assert describe_cases(claim_like, MDPClass()).endswith("; q1 < q2")


def test_repeated_values_of_an_ordered_grid_count_with_multiplicity():
    # x from (1, 1, 2), y from (2, 3): the pairs x < y are (1, 2) twice, (1, 3) twice, (2, 3)
    claim_like = SimpleNamespace(name="pairs", strategies={"x": st.sampled_from([1, 1, 2]), "y": st.sampled_from([2, 3])},
                                 ordered=(("x", "y"),))
    found = [(c["x"], c["y"]) for c in cases(claim_like, MDPClass())]
    assert found == [(1, 2), (1, 3), (1, 2), (1, 3), (2, 3)]
    assert count_cases(claim_like, MDPClass()) == 5


def test_a_later_ordered_argument_does_not_prune_an_earlier_one():
    # names in the order y, x with x < y: every y of (1, 2, 3), then every x below it
    claim_like = SimpleNamespace(name="pairs", strategies={"y": st.sampled_from([1, 2, 3]), "x": st.sampled_from([1, 2, 3])},
                                 ordered=(("x", "y"),))
    found = [(c["x"], c["y"]) for c in cases(claim_like, MDPClass())]
    assert found == [(1, 2), (1, 3), (2, 3)] and count_cases(claim_like, MDPClass()) == 3


def test_an_ordered_argument_must_take_numbers():
    claim_like = SimpleNamespace(name="flags", strategies={"a": st.sampled_from([False, True]), "b": st.sampled_from([1, 2])},
                                 ordered=(("a", "b"),))
    with pytest.raises(InvalidArgument, match="^argument a is ordered but takes the value False, not a number$"):
        list(cases(claim_like, MDPClass()))
    with pytest.raises(InvalidArgument, match="^argument a is ordered but takes the value False, not a number$"):
        count_cases(claim_like, MDPClass())


def test_ordered_names_must_be_arguments():
    claim_like = SimpleNamespace(name="monotone", strategies={"q": S.quantile_levels()}, ordered=(("q", "r"),))
    with pytest.raises(InvalidArgument, match="monotone: ordered names 'r', which is not one of its arguments"):
        count_cases(claim_like, MDPClass())


# -- a known-false conjecture, refuted exhaustively ------------------------------------


def test_a_false_conjecture_is_refuted_at_the_smallest_counterexample():
    conj = quantiliser_never_worse_than_argmax
    assert conj.expect == "refuted"
    result = check_exhaustive(conj)
    assert result.verdict == "refuted" and result.matches
    # By hand, in the smallest class (discount 1/2, rewards {0, 1}, deterministic transitions):
    # 1 state 1 action: 4 MDPs x 6 levels hold (a single action). 1 state 2 actions: rewards in
    # the order true(a0), true(a1), proxy(a0), proxy(a1) = 0000, 0001, ...; the true rewards must
    # differ for a gap, and 0100 (proxy constant) ties: the argmax is uniform like the quantiliser.
    # 0101 is the first: the argmax plays a1 (true return 1/(1 - 1/2) = 2), the q = 1 quantiliser
    # plays uniformly (1/2 per step: 1). It is MDP number 6 of that size: case 24 + 5 * 6 + 1 = 55.
    assert result.cases == 55
    mdp = result.counterexample["mdp"]
    assert (mdp.S, mdp.A) == (1, 2) and result.counterexample["q"] == 1
    assert mdp.reward("true").tolist() == mdp.reward("proxy").tolist() == [[0, 1]]
    assert result.numbers == {"q": 1, "quantiliser_true_return": F(1), "argmax_true_return": F(2)}
    assert "refuted on case 55 of" in result.line()


def test_an_error_of_the_claim_is_an_error_verdict():
    @conjecture("n is never 3", n=S.sample_counts())
    def not_three(n):
        if n == 3:
            raise ValueError("three")
        return True

    result = check_exhaustive(not_three)
    assert (result.verdict, result.cases, result.error) == ("error", 3, "ValueError: three")
    assert result.counterexample == {"n": 3}


def test_progress_is_reported_from_zero_to_the_cases_checked():
    calls = []
    result = check_exhaustive(argmax_of_the_true_reward_has_no_regret, progress=lambda done, total: calls.append((done, total)))
    assert calls[0] == (0, result.total) and calls[-1] == (result.total, result.total)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_progress_is_reported_about_every_hundredth_case():
    # 250 cases: a step of 250 // 100 = 2, so (0, 250), (2, 250), ..., (250, 250) and a last (250, 250)
    @conjecture("any x", x=st.sampled_from(range(250)))
    def any_x(x):
        return True

    calls = []
    result = check_exhaustive(any_x, progress=lambda done, total: calls.append((done, total)))
    assert result.cases == result.total == 250
    assert calls == [(0, 250)] + [(k, 250) for k in range(2, 251, 2)] + [(250, 250)]


# -- refusing a class ------------------------------------------------------------------


def test_a_class_over_the_limit_is_refused_naming_the_count():
    # names true and proxy, rewards {-1, 0, 1}, rows in steps of 1/2, 3 discounts, 6 levels q:
    # 1x1: 9; 1x2: 81; 2x1: 3^2 * 9^2 = 729; 2x2: 3^4 * 9^4 = 531441 -> 3 * 532260 * 6
    total = 3 * (9 + 81 + 729 + 531441) * 6
    assert count_cases(quantiliser_never_worse_than_argmax, MDPClass()) == total == 9580680 > MAX_CASES
    with pytest.raises(InvalidArgument, match=r"the class has 9580680 cases, more than max_cases = 1000000"):
        check_exhaustive(quantiliser_never_worse_than_argmax, MDPClass())
    with pytest.raises(InvalidArgument, match=r"the class has 120 cases, more than max_cases = 100 .*shrink it"):
        check_exhaustive(quantiliser_never_worse_than_argmax,
                         MDPClass(max_states=1, max_actions=2, max_denominator=1, rewards=(0, 1), discounts=(0,)),
                         max_cases=100)
    # exactly max_cases cases run
    small = MDPClass(max_states=1, max_actions=2, max_denominator=1, rewards=(0, 1), discounts=(0,))
    assert check_exhaustive(quantiliser_never_worse_than_argmax, small, max_cases=120).total == 120


def test_a_class_without_a_case_is_refused_naming_the_argument():
    with pytest.raises(InvalidArgument, match="argument pair has no value in the class .*at least 2 states"):
        check_exhaustive(proxy_right_on_support_implies_no_regret_under_shift, MDPClass(max_states=1))


@pytest.mark.parametrize("kwargs, message", [
    ({"max_states": 0}, "max_states is 0, not an integer >= 1"),
    ({"max_actions": 17}, "max_actions is 17, more than 16"),
    ({"rewards": (0, "0/1")}, "rewards lists 0 twice"),
    ({"rewards": ()}, r"rewards is \(\), not a non-empty sequence"),
    ({"discounts": (1,)}, r"discounts\[0\] is 1, not in \[0, 1\)"),
    ({"horizons": (0,)}, r"horizons\[0\] is 0, not a positive integer"),
    ({"rewards": ("x",)}, r"rewards\[0\] is 'x', not a number"),
])
def test_bad_classes_are_one_line_errors(kwargs, message):
    with pytest.raises(InvalidArgument, match=message):
        MDPClass(**kwargs)


def test_a_strategy_that_cannot_enumerate_is_named():
    @conjecture("x is small", x=st.integers())
    def small(x):
        return claim(x < 10, x=x)

    with pytest.raises(InvalidArgument, match="argument x's strategy integers\\(\\) cannot be enumerated"):
        check_exhaustive(small)
    with pytest.raises(InvalidArgument, match="conjecture is str, not a Conjecture"):
        check_exhaustive("small")
    # Hypothesis hands out one cached integers(1, 16): it is not taken for sample_counts()'s grid
    assert list(enumeration_of(S.sample_counts()).values(MDPS)) == [1, 2, 3, 4]
    with pytest.raises(InvalidArgument, match="cannot be enumerated"):
        enumeration_of(st.integers(1, 16))
    # just, sampled_from and one_of enumerate their values
    assert list(enumeration_of(st.one_of(st.just(5), st.sampled_from([False, True]))).values(MDPS)) == [5, False, True]


# -- every public strategy enumerates ------------------------------------------------------


#: A class per strategy, small enough to enumerate in a moment.
MDPS = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(0,), discounts=(F(1, 2),), horizons=(1, 2))
NUMBERS = MDPClass(max_states=2, max_actions=2, max_denominator=2, rewards=(-1, 0, F(1, 2), 1), discounts=(0,))
TINY = MDPClass(max_states=2, max_actions=1, max_denominator=2, rewards=(0, 1), discounts=(F(1, 2),))

STRATEGIES = {
    "small_rationals": (S.small_rationals(), NUMBERS),
    "distributions": (S.distributions(3), NUMBERS),
    "finite_mdps": (S.finite_mdps(max_states=2, max_actions=2, reward_names=("true",)), MDPS),
    "finite_mdps horizon": (S.finite_mdps(max_states=2, max_actions=2, horizon=st.integers(1, 4)), MDPS),
    "policies": (S.policies(two_state()), MDPS),
    "policies deterministic": (S.policies(two_state(), deterministic=True), MDPS),
    "one_shot_problems": (S.one_shot_problems(max_outcomes=2), TINY),
    "quantile_levels": (S.quantile_levels(), NUMBERS),
    "sample_counts": (S.sample_counts(), NUMBERS),
    "inverse_temperatures": (S.inverse_temperatures(), NUMBERS),
    "small_positive_rationals": (S.small_positive_rationals(), NUMBERS),
    "mdps_with_policies": (S.mdps_with_policies(max_states=2, max_actions=2), MDPS),
    "error_model_mdps": (S.error_model_mdps(model="extremal", max_states=2, max_actions=1), TINY),
    "goodhart_mdps": (S.goodhart_mdps(max_states=2, max_actions=1), TINY),
    "shift_pairs": (S.shift_pairs(max_states=2, max_actions=1, reward_names=("true",)), TINY),
}


def _key(value):
    """A value as comparable text (MDPs as JSON, arrays as lists)."""
    if hasattr(value, "transitions"):
        return mdp_to_json(value)
    if hasattr(value, "probs"):
        return repr(value.probs.tolist())
    if isinstance(value, S.OneShot):
        return repr([value.base.tolist(), value.proxy.tolist(), value.true.tolist(), value.cost.tolist()])
    if isinstance(value, tuple):
        return tuple(_key(v) for v in value)
    if hasattr(value, "tolist"):
        return repr(value.tolist())
    return repr(value)


def test_every_public_strategy_is_covered():
    factories = [name for name in S.__all__ if callable(getattr(S, name)) and name not in ("OneShot", "deterministic_policies")]
    covered = {name.split()[0] for name in STRATEGIES}
    assert set(factories) == covered


@pytest.mark.parametrize("name", list(STRATEGIES))
def test_a_strategy_enumerates_what_it_counts_and_can_draw(name):
    strategy, cls = STRATEGIES[name]
    enumeration = enumeration_of(strategy)
    values = list(enumeration.values(cls))
    assert len(values) == enumeration.count(cls) > 0
    keys = [_key(v) for v in values]
    if name != "error_model_mdps":  # two error models may give the same proxy (documented)
        assert len(set(keys)) == len(keys)
    if enumeration.contains is not None:
        assert all(enumeration.contains(v) for v in values)
    assert isinstance(enumeration.describe(cls), str) and enumeration.describe(cls)


@pytest.mark.parametrize("name", [n for n, (s, _) in STRATEGIES.items() if enumeration_of(s).contains is not None])
def test_what_a_strategy_draws_lies_in_the_domain_it_states(name):
    strategy = STRATEGIES[name][0]
    enumeration = enumeration_of(strategy)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def drawn(value):
        assert enumeration.contains(value)

    drawn()


def test_grids_are_the_stated_ones():
    assert list(enumeration_of(S.sample_counts(max_n=3)).values(MDPS)) == [1, 2, 3]
    assert list(enumeration_of(S.inverse_temperatures()).values(MDPS)) == list(BETA_GRID)
    assert list(enumeration_of(S.quantile_levels(max_denominator=2)).values(MDPS)) == [1, F(1, 2)]
    # numbers range over the class's reward values in their domain
    assert list(enumeration_of(S.small_positive_rationals()).values(MDPClass(rewards=(-1, 0, F(1, 2), 1)))) == [1, F(1, 2)]
    assert list(enumeration_of(S.small_rationals(0, 4, (1,))).values(MDPClass(rewards=(-1, 0, F(1, 2), 1)))) == [0, 1]


# -- the command line ------------------------------------------------------------------------


def test_check_exhaustive_prints_the_count_then_holds_on_all_cases(tmp_path, capsys):
    from deconfuse.cli import main
    from property_tests.theorems import quantiliser_limits

    total = count_cases(quantiliser_limits, smallest_class(quantiliser_limits))
    assert main(["check", "quantiliser_limits", "--exhaustive", "--out", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"quantiliser_limits: {total} cases of ")
    assert lines[1].startswith(f"quantiliser_limits: holds on all {total} cases of ") and lines[1].endswith("[ok]")


def test_check_exhaustive_finds_the_smallest_counterexample_and_saves_it(tmp_path, capsys):
    from deconfuse.cli import main

    # By hand: 1 state, actions a0 (reward 0) and a1 (reward 1, proxy = true), discount 1/2. The argmax
    # plays a1 for a true return of 1 / (1 - 1/2) = 2; the q = 1 quantiliser is the uniform base, 1.
    assert main(["check", "quantiliser_never_worse_than_argmax", "--exhaustive", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "refuted on case 55 of" in out and "argmax_true_return = 2" in out and "quantiliser_true_return = 1" in out
    saved = tmp_path / "quantiliser_never_worse_than_argmax.counterexample.json"
    assert main(["replay", str(saved)]) == 0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--states", "3"], "--states goes with --exhaustive"),
        (["--exhaustive", "--states", "0"], "--states is 0, not an integer >= 1"),
        (["--exhaustive", "--rewards", "1,,2"], "--rewards is '1,,2', not a comma-separated list of values"),
        (["--exhaustive", "--discounts", "1"], "--discounts"),
        (["--exhaustive", "--horizons", "x"], "--horizons holds 'x', not an integer"),
        (["--exhaustive", "--states", "2", "--actions", "2", "--denominators", "2", "--rewards", "-1,0,1",
          "--discounts", "0,1/2,9/10"], "the class has 9580680 cases, more than max_cases = 1000000"),
        (["--exhaustive", "--max-cases", "10"], "more than max_cases = 10"),
    ],
)
def test_check_exhaustive_bad_options(argv, fragment, tmp_path, capsys):
    from deconfuse.cli import main

    assert main(["check", "quantiliser_never_worse_than_argmax", *argv, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and fragment in err[0] and "Traceback" not in err[0]
