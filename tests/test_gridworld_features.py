"""Informative gridworld features ((row, col) and the neighbours' symbol classes) and the
``observe`` parameter ("cell" / "view"), checked against values read off the maps by hand."""

from __future__ import annotations

import numpy as np
import pytest

import environments
from environments import compile_gridworld, lava_test, lava_train, tomato
from environments.gridworld import feature_names, symbol_classes
from theory.errors import InvalidArgument

LAVA_NAMES = ("row", "col",
              "up:wall", "up:G", "up:L", "down:wall", "down:G", "down:L",
              "left:wall", "left:G", "left:L", "right:wall", "right:G", "right:L")


def features_of(mdp, label):
    return mdp.features[mdp.state_index(label)].tolist()


def test_lava_feature_names_and_classes():
    assert symbol_classes({"G": 50, "L": -50}, "GL") == ("wall", "G", "L")
    assert feature_names(("wall", "G", "L")) == LAVA_NAMES
    assert lava_train().features.shape == (36, 14)


def test_lava_train_features_by_hand():
    m = lava_train()
    #            row col  up: wall G L   down       left       right
    assert features_of(m, "(1,2)") == [1, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]   # S left, L right
    assert features_of(m, "(2,7)") == [2, 7, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]   # G up, wall right
    assert features_of(m, "(4,4)") == [4, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]   # L below
    assert features_of(m, "(1,4)") == [1, 4, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1]   # a lava cell: L both sides
    assert features_of(m, "done") == [-1, -1] + [0] * 12


def test_lava_test_features_see_the_moved_lava():
    train, test = lava_train(), lava_test()
    assert features_of(test, "(2,2)") == [2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]   # L to the right now
    assert features_of(train, "(2,2)") == [2, 2] + [0] * 12
    assert features_of(test, "(4,4)") == [4, 4] + [0] * 12                           # the bottom lava left


def test_off_the_map_is_a_wall_and_declared_symbols_get_columns():
    # no border: the map's edge counts as wall; "X" is declared but not on the map
    m = compile_gridworld(["S G"], rewards_true={"X": 1}, terminal_symbols="G")
    assert symbol_classes({"X": 1}, "G") == ("wall", "G", "X")
    #                                        up     down   left   right
    assert features_of(m, "(0,0)") == [0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    assert features_of(m, "(0,1)") == [0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    view = compile_gridworld(["S G"], terminal_symbols="G", observe="view")
    assert view.observation_labels == ("(0,0)|up=#,down=#,left=#,right= ", "(0,1)|up=#,down=#,left=S,right=G",
                                       "(0,2)|up=#,down=#,left= ,right=#", "done")


def test_floor_and_start_symbols_have_no_class():
    assert symbol_classes({" ": 1, ".": 2, "S": 3, "O": 3}, "G", floor=" .") == ("wall", "G", "O")
    m = tomato()
    assert features_of(m, "(1,2)")[:5] == [1, 2, 1, 0, 0]          # wall above; classes wall, G, O
    assert features_of(m, "(1,2)")[-6:] == [0, 0, 1, 0, 0, 0]      # the bucket O to its left, floor right


def test_view_observations_differ_exactly_around_the_moved_lava():
    train, test = lava_train(observe="view"), lava_test(observe="view")
    assert train.states == test.states
    assert train.observation_labels[train.state_index("(2,3)")] == "(2,3)|up=L,down= ,left= ,right= "
    assert test.observation_labels[test.state_index("(2,3)")] == "(2,3)|up=L,down= ,left= ,right=L"
    changed = {s for s, a, b in zip(train.states, train.observation_labels, test.observation_labels) if a != b}
    # the moved cells (2,3..5) and (5,3..5), and the cells next to one of them
    expected = {"(1,3)", "(1,4)", "(1,5)", "(2,2)", "(2,3)", "(2,4)", "(2,5)", "(2,6)", "(3,3)", "(3,4)", "(3,5)",
                "(4,3)", "(4,4)", "(4,5)", "(5,2)", "(5,3)", "(5,4)", "(5,5)", "(5,6)"}
    assert changed == expected
    assert lava_train().observation_labels == lava_test().observation_labels   # "cell": shared labels
    assert np.array_equal(train.features, lava_train().features)                # observe leaves features


def test_observe_through_the_registry():
    assert environments.get("lava-test", observe="view") == lava_test(observe="view")
    assert environments.get("tomato", observe="view").observation_labels[0].startswith("(1,1)|up=#")
    with pytest.raises(InvalidArgument, match=r"^environment 'lava-test': observe is 'x', not 'cell' or 'view'$"):
        environments.get("lava-test", observe="x")
    with pytest.raises(InvalidArgument, match=r"^observe is 3, not 'cell' or 'view'$"):
        compile_gridworld(["S"], observe=3)
