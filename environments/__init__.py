"""deconfuse.environments: builders of exact FiniteMDPs and the registry of named ones.

Every builder returns an exact model (Fractions) with a "true" and a "proxy" reward, except
``large_gridworld`` (float by default, for scale; one "true" reward).
``environments`` imports only ``theory``.

>>> import environments
>>> environments.get("lava-train").S == environments.get("lava_train").S
True
>>> environments.names()[:3]
['bandit', 'chain', 'cleaning-robot']
"""

from environments.bandits import bandit, contextual_bandit
from environments.chain import chain
from environments.proxy_errors import (
    ERROR_MODELS,
    causal,
    extremal,
    random_causal,
    reachable_states,
    regressional,
    visited_states,
)
from environments.gridworld import compile_gridworld
from environments.gridworlds import lava_test, lava_train, tomato
from environments.large import large_gridworld
from environments.gym_import import cliff_walking, frozen_lake, taxi
from environments.prism import load_prism
from environments.random_mdp import random_mdp
from environments.registry import builder, describe, get, names, register, unregister
from environments.skalse import cleaning_robot, skalse_two_state
from environments.shifts import shift_dynamics, shift_initial, shift_layout, shift_reward

__all__ = [
    # registry
    "get",
    "names",
    "describe",
    "register",
    "unregister",
    "builder",
    # builders
    "bandit",
    "contextual_bandit",
    "chain",
    "random_mdp",
    "compile_gridworld",
    "lava_train",
    "lava_test",
    "tomato",
    "large_gridworld",
    "frozen_lake",
    "cliff_walking",
    "taxi",
    "load_prism",
    "cleaning_robot",
    "skalse_two_state",
    # proxy-error models (Goodhart)
    "ERROR_MODELS",
    "regressional",
    "extremal",
    "causal",
    "random_causal",
    "visited_states",
    "reachable_states",
    # shifts
    "shift_initial",
    "shift_dynamics",
    "shift_layout",
    "shift_reward",
]

for _name, _builder in (
    ("bandit", bandit),
    ("contextual-bandit", contextual_bandit),
    ("chain", chain),
    ("random", random_mdp),
    ("lava-train", lava_train),
    ("lava-test", lava_test),
    ("tomato", tomato),
    ("frozen-lake", frozen_lake),
    ("cliff-walking", cliff_walking),
    ("taxi", taxi),
    ("cleaning-robot", cleaning_robot),
    ("skalse-two-state", skalse_two_state),
    ("large-grid", large_gridworld),
):
    register(_name, _builder)
del _name, _builder
