r"""Feature-generalising amortised policies: a softmax-linear policy and k-nearest-neighbours.

An *amortised* optimiser (Millidge 2022) learns a map g(x) ~ argmax_y f(x, y) from a
teacher's decisions on a training distribution and at decision time only evaluates g. The
lookup table of :mod:`agents.amortised` answers only on observations it has seen; the two
agents here are *functions of the observation's features*, so an unseen or shifted state gets
the action its features suggest — which is how a policy network generalises, and how it can
diverge arbitrarily off its training distribution:

- :class:`SoftmaxLinear` ("softmax-linear"): multinomial logistic regression of the teacher's
  actions on the standardised features, :math:`\pi(a \mid x) \propto \exp(w_a \cdot \phi(x) +
  b_a)`, fitted by weighted cross-entropy with an L2 penalty (behaviour cloning with a linear
  policy class);
- :class:`NearestNeighbours` ("knn"): the average of the table rows of the k training
  observations whose feature vectors are nearest.

Both are trained like :class:`~agents.amortised.TabularAmortised` (the teacher's dataset from
:func:`agents.training.collect`, with the same training parameters) and at decision time read
only :func:`agents.amortised.decision_view` of the MDP they act in (labels, observations,
features, the enabled mask; never rewards, transitions or the initial distribution).

Features (``features``): ``"mdp"`` reads the MDPs' ``features`` (an MDP without features is
refused, one line); ``"one-hot"`` encodes each observation label as the indicator vector over
the training observations (an unseen observation is the zero vector) — the encoding for models
without features, under which nothing generalises by similarity. Each observation of the
dataset must have one feature vector.

Sources: Pomerleau, "Efficient Training of Artificial Neural Networks for Autonomous
Navigation" (Neural Computation, 1991) and Bain & Sammut, "A Framework for Behavioural
Cloning" (Machine Intelligence 15, 1995) (behaviour cloning); Bishop, *Pattern Recognition
and Machine Learning* (2006), section 4.3.4 (multiclass logistic regression, its
cross-entropy and gradient); Cover & Hart, "Nearest Neighbor Pattern Classification" (IEEE
Trans. Inf. Theory, 1967); Millidge (2022), "Deconfusing Direct vs Amortised Optimisation".
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from scipy.optimize import minimize

from agents.amortised import DecisionView, decision_view, entry_of_kind, frequency_table
from agents.base import Agent, AgentResult, BaseAgent, Cost
from agents.training import Dataset, check_training, collect, train_with
from theory.errors import InvalidArgument
from theory.mdp import FiniteMDP
from theory.policy import Policy, uniform_rows
from theory.validation import check_beta, check_choice, check_count, check_reward_name, check_tolerance

__all__ = [
    "FEATURE_SOURCES",
    "SoftmaxFit",
    "training_points",
    "decision_points",
    "fit_softmax",
    "softmax_loss",
    "SoftmaxLinear",
    "KNN_FALLBACKS",
    "NearestNeighbours",
]

#: Where the feature vectors come from (see the module docstring).
FEATURE_SOURCES: tuple[str, ...] = ("mdp", "one-hot")


# -- feature vectors of the training observations and of the decision states ---------------


def training_points(dataset: Dataset, source: str) -> tuple[tuple[str, ...], np.ndarray]:
    """The dataset's observations (in order of first appearance) and their feature vectors,
    (N, k) float64: the training MDP's features (``"mdp"``; one vector per observation) or the
    N x N identity (``"one-hot"``).

    >>> from theory.examples import two_state
    >>> obs, X = training_points(collect("argmax", two_state()), "one-hot")
    >>> obs, X.tolist()
    (('s0', 's1'), [[1.0, 0.0], [0.0, 1.0]])
    """
    observations = dataset.observations
    if source == "one-hot":
        return observations, np.eye(len(observations))
    if dataset.features is None:
        raise InvalidArgument("features 'mdp' needs features on the training MDP; it has none "
                              "(use features='one-hot')")
    vectors: dict[str, tuple[float, ...]] = {}
    for obs, vec in dataset.features:
        if obs in vectors and vectors[obs] != vec:
            raise InvalidArgument(f"observation {obs!r} has two feature vectors in the training MDP, "
                                  f"{list(vectors[obs])} and {list(vec)}; features 'mdp' needs one per observation")
        vectors[obs] = vec
    return observations, np.array([vectors[o] for o in observations], dtype=np.float64).reshape(len(observations), -1)


def decision_points(view: DecisionView, observations: Sequence[str], source: str, width: int) -> np.ndarray:
    """The (S, k) feature vectors of the decision states: the MDP's features (``"mdp"``,
    checked to have ``width`` columns) or the indicator of each state's observation among the
    training ``observations`` (``"one-hot"``; zeros when unseen).

    >>> from theory.examples import two_state
    >>> m = two_state().replace(observations=["s0", "new"])
    >>> decision_points(decision_view(m), ("s0", "s1"), "one-hot", 2).tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    if source == "one-hot":
        index = {o: i for i, o in enumerate(observations)}
        out = np.zeros((len(view.states), len(observations)))
        for s, obs in enumerate(view.observations):
            if obs in index:
                out[s, index[obs]] = 1.0
        return out
    if view.features is None:
        raise InvalidArgument("features 'mdp' needs features on the MDP; it has none (use features='one-hot')")
    X = np.asarray(view.features, dtype=np.float64)
    if X.shape[1] != width:
        raise InvalidArgument(f"features have {X.shape[1]} coordinates in the MDP but {width} in the training MDP")
    return X


def _check_actions(dataset: Dataset, view: DecisionView) -> None:
    if tuple(dataset.actions) != tuple(view.actions):
        raise InvalidArgument(f"the MDP's actions {list(view.actions)} differ from the training actions "
                              f"{list(dataset.actions)}; the feature policies need the same actions in the same order")


# -- the softmax-linear policy --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SoftmaxFit:
    """A fitted softmax-linear policy: weights ``W`` (A, k) and biases ``b`` (A,) over the
    features standardised by ``mean`` and ``std`` (k,), with the optimiser's report: ``loss``
    (the minimised objective), ``status`` and ``message`` of scipy, ``evaluations`` (function
    and gradient evaluations) and ``iterations``."""

    W: np.ndarray
    b: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    loss: float
    status: int
    message: str
    evaluations: int
    iterations: int

    def logits(self, X: np.ndarray) -> np.ndarray:
        """:math:`z_a(x) = w_a \\cdot (x - \\mu) / \\sigma + b_a`, shape (n, A)."""
        return ((X - self.mean) / self.std) @ self.W.T + self.b


def softmax_loss(theta: np.ndarray, X: np.ndarray, y: np.ndarray, weights: np.ndarray, l2: float,
                 A: int) -> tuple[float, np.ndarray]:
    """The weighted cross-entropy with an L2 penalty on W, and its gradient.

    :math:`L(W, b) = \\sum_i \\hat w_i \\big(\\log \\sum_a e^{z_a(x_i)} - z_{y_i}(x_i)\\big) +
    \\tfrac{\\lambda}{2} \\|W\\|^2`, :math:`z = W x + b`, with
    :math:`\\partial L / \\partial W = \\sum_i \\hat w_i (p_i - e_{y_i}) x_i^T + \\lambda W`,
    :math:`\\partial L / \\partial b = \\sum_i \\hat w_i (p_i - e_{y_i})` (Bishop 2006, eq.
    4.108-4.109). ``theta`` is W (row-major) then b; ``X`` (n, k) the (standardised) inputs,
    ``y`` (n,) action indices, ``weights`` (n,) summing to 1.

    >>> loss, grad = softmax_loss(np.zeros(4), np.array([[1.0]]), np.array([0]), np.array([1.0]), 0.0, 2)
    >>> round(loss, 6), grad.tolist()
    (0.693147, [-0.5, 0.5, -0.5, 0.5])
    """
    k = X.shape[1]
    W, b = theta[: A * k].reshape(A, k), theta[A * k:]
    Z = X @ W.T + b
    top = Z.max(axis=1, keepdims=True)
    expZ = np.exp(Z - top)
    total = expZ.sum(axis=1, keepdims=True)
    lse = np.log(total)[:, 0] + top[:, 0]
    loss = float(weights @ (lse - Z[np.arange(len(y)), y]) + 0.5 * l2 * float(np.sum(W * W)))
    G = expZ / total
    G[np.arange(len(y)), y] -= 1.0
    G *= weights[:, None]
    return loss, np.concatenate([(G.T @ X + l2 * W).ravel(), G.sum(axis=0)])


def _standardise(X: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Weighted mean and standard deviation of the columns; a column constant on the training
    examples gets its value as mean and std 1 (so it is 0 there, not 0/0)."""
    mean = weights @ X
    std = np.sqrt(weights @ (X - mean) ** 2)
    constant = np.all(X == X[:1], axis=0)
    mean = np.where(constant, X[0], mean)
    std = np.where(constant | (std == 0), 1.0, std)
    return mean, std


def fit_softmax(dataset: Dataset, X: np.ndarray, l2: float, maxiter: int = 1000) -> SoftmaxFit:
    """Fit the softmax-linear policy to a dataset: one example per (observation, action, weight)
    triple, input the observation's row of ``X`` (in ``dataset.observations`` order), weight
    normalised to sum 1; features standardised by the weighted training mean and standard
    deviation; :func:`softmax_loss` minimised by ``scipy.optimize.minimize`` (L-BFGS-B, its
    analytic gradient, zero start, gtol 1e-10, ftol 1e-15, at most ``maxiter`` iterations):
    deterministic. Source: Bishop (2006), section 4.3.4.

    >>> from theory.examples import two_state
    >>> data = collect("argmax", two_state(), states={"s0": "1/2", "s1": "1/2"})
    >>> fit = fit_softmax(data, np.array([[0.0], [10.0]]), 0.01)
    >>> fit.mean.tolist(), fit.std.tolist(), fit.status
    ([5.0], [5.0], 0)
    """
    index = {o: i for i, o in enumerate(dataset.observations)}
    action = {a: i for i, a in enumerate(dataset.actions)}
    rows = np.array([index[o] for o, _, _ in dataset.pairs], dtype=np.intp)
    y = np.array([action[a] for _, a, _ in dataset.pairs], dtype=np.intp)
    weights = np.array([float(w) for _, _, w in dataset.pairs], dtype=np.float64)
    weights = weights / weights.sum()
    inputs = X[rows]
    mean, std = _standardise(inputs, weights)
    Xs = (inputs - mean) / std
    A, k = len(dataset.actions), X.shape[1]
    result = minimize(softmax_loss, np.zeros(A * k + A), args=(Xs, y, weights, l2, A), jac=True,
                      method="L-BFGS-B", options={"maxiter": maxiter, "gtol": 1e-10, "ftol": 1e-15})
    theta = result.x
    return SoftmaxFit(W=theta[: A * k].reshape(A, k), b=theta[A * k:], mean=mean, std=std, loss=float(result.fun),
                      status=int(result.status), message=str(result.message), evaluations=int(result.nfev),
                      iterations=int(result.nit))


def _masked_softmax(Z: np.ndarray, enabled: np.ndarray) -> np.ndarray:
    """Rows :math:`\\propto e^{z_a}` over the enabled actions: disabled logits are -inf, so
    their probability is exactly 0 (the softmax of the masked logits, not a renormalised row)."""
    masked = np.where(enabled, Z, -np.inf)
    expZ = np.exp(masked - masked.max(axis=1, keepdims=True))
    return expZ / expZ.sum(axis=1, keepdims=True)


def _greedy_rows(Z: np.ndarray, enabled: np.ndarray, tolerance: float, exact: bool) -> np.ndarray:
    """Uniform over the enabled actions whose logit is within ``tolerance`` of the largest
    enabled logit (exact 1/k on an exact MDP)."""
    masked = np.where(enabled, Z, -np.inf)
    best = masked >= masked.max(axis=1, keepdims=True) - tolerance
    return uniform_rows(best & enabled, exact)


@dataclasses.dataclass(frozen=True, repr=False)
class SoftmaxLinear(BaseAgent):
    r"""Softmax-linear policy (multinomial logistic regression) cloned from a teacher.

    :math:`\pi(a \mid x) \propto \exp(w_a \cdot \phi(x) + b_a)` over the state's enabled
    actions, :math:`\phi(x) = (x - \mu) / \sigma` the features standardised by the training
    mean and standard deviation (a column constant in training: its value and 1), fitted by
    :func:`fit_softmax`: minimise the weighted cross-entropy of the teacher's dataset plus
    :math:`\tfrac{\lambda}{2}\|W\|^2` (``l2`` = λ, default 1/100; biases are not penalised)
    with L-BFGS-B from zero (deterministic). The dataset is :func:`agents.training.collect`'s
    with the training parameters of :class:`~agents.amortised.TabularAmortised` (``teacher``,
    ``train``, ``samples``, ``seed``, ``objective``, ``states``).

    Decision time reads only :func:`~agents.amortised.decision_view` of the MDP: each state's
    features (``features="mdp"``; an MDP without features is refused) or its observation's
    one-hot code (``features="one-hot"``). Disabled actions get probability 0 by masking their
    logits before the softmax.

    **Kind.** The softmax is irrational, so the policy is **float64 even on an exact MDP** (as
    :class:`~agents.soft.Boltzmann`'s; evaluate it on ``mdp.to_float()``). ``greedy=True``
    plays the most probable enabled action(s) instead — those whose logit is within
    ``tolerance`` (default 1e-9) of the largest, uniformly — an exact policy on an exact MDP.

    Cost: ``training`` = the teacher's Q-value evaluations plus the optimiser's function and
    gradient evaluations, ``teacher_calls`` = 1, ``samples`` as for TabularAmortised;
    ``lookups`` = S (one evaluation of the fitted function per state). ``info``: ``weights``
    (W, b, mean, std as lists), ``status`` and ``message`` (scipy's), ``train_loss``,
    ``evaluations``, ``iterations``, the ``dataset``.

    Sources: Pomerleau (1991), Bain & Sammut (1995) (behaviour cloning); Bishop (2006),
    section 4.3.4; Millidge (2022) (the amortised framing).

    Parameters
    ----------
    teacher
        The agent whose decisions are cloned: an Agent or a registered SPEC.
    train
        The training MDP (default: the MDP the agent is run on).
    samples
        Number of sampled (state, action) pairs; None for the exact infinite-data limit.
    seed
        Seed of the samples.
    objective
        The reward the teacher pursues (default: the one the agent is run for).
    states
        The training state distribution (default: the teacher's normalised occupancy).
    l2
        The L2 penalty on the weights (not the biases), >= 0.
    greedy
        Play the most probable enabled action(s) instead of the softmax (exact on exact MDPs).
    tolerance
        Logits within this of the largest tie under ``greedy``.
    features
        "mdp" (the MDPs' features) or "one-hot" (the observation's indicator vector).
    maxiter
        At most this many L-BFGS-B iterations.

    Examples
    --------
    >>> from theory.examples import two_state
    >>> m = two_state().replace(features=[[0.0], [10.0]])
    >>> result = SoftmaxLinear(greedy=True, states={"s0": "1/2", "s1": "1/2"}).run(m)
    >>> result.policy.as_dict(), result.cost.lookups, result.info["status"]
    ({'s0': {'go': '1'}, 's1': {'stay': '1'}}, 2, 0)
    """

    teacher: Agent | str = "argmax"
    train: FiniteMDP | None = None
    samples: int | None = None
    seed: int = 0
    objective: str | None = None
    states: Sequence[Any] | Mapping[str, Any] | None = None
    l2: float = 0.01
    greedy: bool = False
    tolerance: float = 1e-9
    features: str = "mdp"
    maxiter: int = 1000
    name: str = "softmax-linear"

    def __post_init__(self) -> None:
        check_training(self, None)
        check_reward_name(self.objective)
        object.__setattr__(self, "l2", check_beta(self.l2, "l2"))
        if not isinstance(self.greedy, bool):
            raise InvalidArgument(f"greedy is {self.greedy!r}, not true or false")
        object.__setattr__(self, "tolerance", check_tolerance(self.tolerance))
        check_choice(self.features, "features", FEATURE_SOURCES)
        object.__setattr__(self, "maxiter", check_count(self.maxiter, "maxiter", 1))

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Fit on the teacher's dataset, then evaluate the fitted policy on each state's features."""
        dataset = train_with(collect, self, mdp, objective)
        observations, X = training_points(dataset, self.features)
        fit = fit_softmax(dataset, X, self.l2, self.maxiter)
        view = decision_view(mdp, dataset)
        _check_actions(dataset, view)
        Z = fit.logits(decision_points(view, observations, self.features, X.shape[1]))
        if self.greedy:
            probs = _greedy_rows(Z, view.enabled, self.tolerance, view.exact)
        else:
            probs = _masked_softmax(Z, view.enabled)
        cost = Cost(lookups=len(view.states), training=dataset.training_cost + fit.evaluations,
                    teacher_calls=dataset.teacher_calls,
                    samples=dataset.samples if dataset.samples is not None else len(dataset.pairs))
        info = {
            "weights": {"W": fit.W.tolist(), "b": fit.b.tolist(), "mean": fit.mean.tolist(), "std": fit.std.tolist()},
            "status": fit.status, "message": fit.message, "train_loss": fit.loss,
            "evaluations": fit.evaluations, "iterations": fit.iterations, "dataset": dataset,
        }
        return AgentResult(behaviour=Policy(probs, view.states, view.actions), cost=cost, info=info)


# -- k nearest neighbours -------------------------------------------------------------------

#: What :class:`NearestNeighbours` does when its neighbours put no mass on a state's enabled actions.
KNN_FALLBACKS: tuple[str, ...] = ("uniform", "error")


def _neighbours(point: np.ndarray, X: np.ndarray, observations: Sequence[str], k: int) -> list[int]:
    """Indices of the k training points nearest to ``point`` (Euclidean, compared squared;
    ties: the smaller observation label)."""
    d = ((X - point) ** 2).sum(axis=1)
    order = sorted(range(len(observations)), key=lambda j: (float(d[j]), observations[j]))
    return order[:k]


def _restricted(row: list[Any], enabled: np.ndarray, exact: bool) -> tuple[list[Any] | None, Any]:
    """The row conditioned on the enabled actions (each enabled entry divided by the enabled
    mass) and the mass removed; None when the enabled mass is 0."""
    zero = Fraction(0) if exact else 0.0
    kept = sum((x for x, e in zip(row, enabled) if e), zero)
    removed = sum((x for x, e in zip(row, enabled) if not e), zero)
    if kept == 0:
        return None, removed
    if removed == 0:
        return row, removed
    return [x / kept if e else zero for x, e in zip(row, enabled)], removed


@dataclasses.dataclass(frozen=True, repr=False)
class NearestNeighbours(BaseAgent):
    r"""k-nearest-neighbours over the teacher's training observations' feature vectors.

    Training: the teacher's dataset (:func:`agents.training.collect`, training parameters as in
    :class:`~agents.amortised.TabularAmortised`) and its table of exact action frequencies
    :math:`g(o)` (:func:`agents.amortised.frequency_table`). Decision time: for state s with
    feature vector x (``features`` as in :class:`SoftmaxLinear`), the k training observations
    :math:`o_1..o_k` whose vectors are nearest to x (Euclidean; ties: smaller observation label;
    all of them when fewer than k) give :math:`\bar g(a) = \frac{1}{k} \sum_j g(o_j)(a)`,
    exact (Fractions) on an exact MDP. Restricted to the state's enabled actions: if
    :math:`\bar g` puts mass m on disabled actions and 1 - m > 0 on enabled ones, the policy is
    :math:`\bar g` conditioned on the enabled actions (divided by 1 - m), recorded in
    ``info["conditioned"]`` (state -> m); if it puts none on enabled actions, ``fallback``
    decides: ``"uniform"`` (uniform over the enabled actions, recorded in
    ``info["uniform"]``) or ``"error"`` (one line naming the state).

    Cost: ``training`` = the teacher's Q-value evaluations, ``teacher_calls`` = 1, ``samples``
    as for TabularAmortised; ``lookups`` = the distances computed (S x the number of training
    observations). ``info``: ``neighbours`` (state -> its k observations), ``conditioned``,
    ``uniform``, the ``dataset`` and the ``table``.

    Sources: Cover & Hart (1967) (the k-nearest-neighbour rule); Pomerleau (1991), Bain &
    Sammut (1995) (behaviour cloning); Millidge (2022) (the amortised framing).

    Parameters
    ----------
    teacher
        The agent whose decisions are cloned: an Agent or a registered SPEC.
    train
        The training MDP (default: the MDP the agent is run on).
    samples
        Number of sampled (state, action) pairs; None for the exact infinite-data limit.
    seed
        Seed of the samples.
    objective
        The reward the teacher pursues (default: the one the agent is run for).
    states
        The training state distribution (default: the teacher's normalised occupancy).
    k
        Number of neighbours, >= 1.
    features
        "mdp" (the MDPs' features) or "one-hot" (the observation's indicator vector).
    fallback
        "uniform" or "error", when the neighbours put no mass on a state's enabled actions.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> from theory.examples import two_state
    >>> m = two_state().replace(features=[[0.0], [10.0]])
    >>> result = NearestNeighbours(k=1, states={"s0": F(1, 2), "s1": F(1, 2)}).run(m)
    >>> result.policy.as_dict(), result.cost.lookups
    ({'s0': {'go': '1'}, 's1': {'stay': '1'}}, 4)
    >>> NearestNeighbours(k=2, states={"s0": F(1, 2), "s1": F(1, 2)}).run(m).policy.as_dict()["s0"]
    {'stay': '1/2', 'go': '1/2'}
    """

    teacher: Agent | str = "argmax"
    train: FiniteMDP | None = None
    samples: int | None = None
    seed: int = 0
    objective: str | None = None
    states: Sequence[Any] | Mapping[str, Any] | None = None
    k: int = 3
    features: str = "mdp"
    fallback: str = "uniform"
    name: str = "knn"

    def __post_init__(self) -> None:
        check_training(self, KNN_FALLBACKS)
        check_reward_name(self.objective)
        object.__setattr__(self, "k", check_count(self.k, "k", 1))
        check_choice(self.features, "features", FEATURE_SOURCES)

    def run(self, mdp: FiniteMDP, objective: str | None = None) -> AgentResult:
        """Collect and tabulate the teacher's dataset, then average the k nearest rows per state."""
        dataset = train_with(collect, self, mdp, objective)
        table = frequency_table(dataset)
        observations, X = training_points(dataset, self.features)
        view = decision_view(mdp, dataset)
        _check_actions(dataset, view)
        points = decision_points(view, observations, self.features, X.shape[1])
        S, A = len(view.states), len(view.actions)
        probs = np.empty((S, A), dtype=object if view.exact else np.float64)
        neighbours: dict[str, tuple[str, ...]] = {}
        conditioned: dict[str, Any] = {}
        uniform: list[str] = []
        for s in range(S):
            near = [observations[j] for j in _neighbours(points[s], X, observations, self.k)]
            neighbours[view.states[s]] = tuple(near)
            rows = [[entry_of_kind(table[o][a], view.exact, f"table[{o!r}][{a!r}]") for a in view.actions]
                    for o in near]
            mean = [sum(col, Fraction(0) if view.exact else 0.0) / len(near) for col in zip(*rows)]
            row, removed = _restricted(mean, view.enabled[s], view.exact)
            if row is None:
                if self.fallback == "error":
                    raise InvalidArgument(f"state {view.states[s]!r}: its {len(near)} nearest training observations "
                                          "put no mass on its enabled actions (fallback 'error')")
                row = list(uniform_rows(view.enabled[s:s + 1], view.exact)[0])
                uniform.append(view.states[s])
            elif removed != 0:
                conditioned[view.states[s]] = removed
            probs[s] = row
        cost = Cost(lookups=S * len(observations), training=dataset.training_cost,
                    teacher_calls=dataset.teacher_calls,
                    samples=dataset.samples if dataset.samples is not None else len(dataset.pairs))
        info = {"neighbours": neighbours, "conditioned": conditioned, "uniform": tuple(uniform),
                "dataset": dataset, "table": table}
        return AgentResult(behaviour=Policy(probs, view.states, view.actions), cost=cost, info=info)
