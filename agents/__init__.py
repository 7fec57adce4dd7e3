"""deconfuse.agents: direct, quantilising, amortised and hybrid optimisers behind one protocol.

Adding an agent is one module and one ``register`` line here; every comparison, property suite
and report then includes it.
"""

from agents.amortised import TabularAmortised
from agents.base import Agent, AgentResult, BaseAgent, Behaviour, Cost, behaviour_return, resolve_objective
from agents.best_of_n import BestOfN, best_of_n_distribution, kl_bound, kl_divergence, win_rate
from agents.direct import Argmax, Fixed, Uniform
from agents.generalising import NearestNeighbours, SoftmaxLinear
from agents.hybrid import Hybrid
from agents.lookahead import Lookahead, lookahead_policy
from agents.qlearning import QLearning, q_learning
from agents.quantilal import Quantilal, quantilal_policy
from agents.quantiliser import PolicyQuantiliser, TimestepQuantiliser, TrajectoryQuantiliser, quantilise
from agents.registry import describe, get, names, parse_spec, parse_specs, register
from agents.soft import Boltzmann, KLRegularised
from agents.training import Dataset, collect

register("argmax", Argmax, "direct optimiser: exact argmax of the objective (policy iteration / backward induction)")
register("uniform", Uniform, "base policy: uniform over actions, no optimisation")
register("quantiliser", TimestepQuantiliser,
         "quantiliser (Taylor 2016): per state, the top q of the base policy's actions ranked by Q* of the objective")
register("trajectory-quantiliser", TrajectoryQuantiliser,
         "quantiliser (Taylor 2016): the top q of the base policy's trajectories by objective return (finite horizon)")
register("policy-quantiliser", PolicyQuantiliser,
         "quantiliser (Taylor 2016): the top q of deterministic policies under a base distribution, by objective return")
register("quantilal", Quantilal,
         "quantilal control (Kosoy 2018): LP over occupancy measures, state occupancy <= reference's / q")
register("boltzmann", Boltzmann, "soft optimiser: pi ~ exp(beta * soft Q), soft value iteration (float for beta > 0)")
register("kl-regularised", KLRegularised,
         "KL-regularised optimiser: pi ~ pi0 exp(beta * soft Q) for a base agent's pi0 (float for beta > 0)")
register("best-of-n", BestOfN, "best of n base-policy actions per state, ranked by the objective's Q* (exact law)")
register("lookahead", Lookahead, "direct search with a limited horizon: depth-d lookahead in the true model, then greedy")
register("amortised", TabularAmortised,
         "amortised optimiser: lookup table of a teacher's decisions per observation (Millidge 2022)")
register("hybrid", Hybrid, "hybrid: depth-limited search with amortised leaf values (MuZero shape)")
register("softmax-linear", SoftmaxLinear,
         "amortised: softmax-linear policy of the features cloned from a teacher (multinomial logistic regression)")
register("knn", NearestNeighbours,
         "amortised: k-nearest-neighbours over the teacher's training observations' features (Cover & Hart 1967)")
register("q-learning", QLearning,
         "model-free RL: tabular Q-learning from sampled transitions of the objective, then greedy lookup (Watkins 1992)")

__all__ = [
    "Agent",
    "AgentResult",
    "BaseAgent",
    "Behaviour",
    "Cost",
    "Argmax",
    "Uniform",
    "Fixed",
    "TimestepQuantiliser",
    "TrajectoryQuantiliser",
    "PolicyQuantiliser",
    "quantilise",
    "Quantilal",
    "quantilal_policy",
    "Boltzmann",
    "KLRegularised",
    "BestOfN",
    "best_of_n_distribution",
    "kl_divergence",
    "kl_bound",
    "win_rate",
    "Lookahead",
    "lookahead_policy",
    "TabularAmortised",
    "Dataset",
    "collect",
    "Hybrid",
    "SoftmaxLinear",
    "NearestNeighbours",
    "QLearning",
    "q_learning",
    "behaviour_return",
    "resolve_objective",
    "register",
    "get",
    "names",
    "describe",
    "parse_spec",
    "parse_specs",
]
