r"""Goodharting prevalence sweeps: how often, and how much, optimising a proxy hurts, on random MDPs.

In the style of Karwowski et al., "Goodhart's Law in Reinforcement Learning" (ICLR 2024), who
measure on random MDPs, for discounts 0.5, 0.7, 0.9 and 0.99, the share of proxy/true reward
pairs whose true return first rises and then falls as the proxy is optimised harder. Here, for
every proxy-error model of :data:`environments.proxy_errors.ERROR_MODELS` (regressional light and
heavy, extremal, causal) and every discount:

1. the same N random MDPs (S = 10, A = 3 by default; see :func:`random_float_mdp`), each with
   the proxy its error model makes from its true reward;
2. the optimal Q-values of the proxy, :math:`Q^*_{proxy}`, by batched value iteration
   (:func:`theory.batch.batch_value_iteration`, tolerance ``config.tolerance``);
3. a pressure family of policies from :math:`Q^*_{proxy}` at ``config.pressures`` points:
   **Boltzmann** (default) :math:`\pi_\beta \propto e^{\beta Q^*_{proxy}}` with :math:`\beta` on
   a log grid from ``beta_min`` to ``beta_max`` (pressure = :math:`\beta`), or the
   **quantiliser** of the uniform policy by :math:`Q^*_{proxy}` with q on a log grid from 1 down
   to ``q_min`` (pressure = :math:`-\ln q`). Boltzmann is the default because it moves
   smoothly from the uniform policy to the proxy-greedy one, so its curve is the continuous
   path of optimisation the paper studies; the per-state quantiliser only takes A distinct
   "shapes" and its curve is piecewise;
4. every policy's exact (float) expected true and proxy returns by one batched linear solve
   (:func:`theory.batch.batch_returns`), giving one :class:`theory.goodhart.GoodhartCurve` per
   MDP, classified by :func:`theory.goodhart.is_goodharting` and measured by
   :func:`theory.goodhart.drop_height`, normalised by the true return's range over all
   policies: max by batched value iteration on the true reward, min by batched value
   iteration on the negated true reward. Both are widened by ``tolerance`` (the guaranteed
   value-iteration error), so the range surely contains every policy's return;
5. per (error model, discount): the fraction of Goodharting curves with its 95% Wilson score
   interval (:func:`wilson_interval`), and the list of drop heights.

Reproducibility. MDP i of a sweep is made by ``numpy.random.default_rng([seed, i])`` alone, so a
result depends on the configuration (seed included) and on nothing else: not on the number of
workers, nor on the executor, nor on the chunk size (chunks are index ranges of MDPs, sent to
local processes by :class:`LocalExecutor` or to a Dask cluster by :class:`DaskExecutor`, and put
back in index order). :func:`save_sweep` writes byte-identical files for the same
configuration.

Examples
--------
>>> config = SweepConfig(n_mdps=4, discounts=(0.5,), error_models=("causal",), pressures=5)
>>> result = run_sweep(config, executor=LocalExecutor(workers=1), progress=False)
>>> [(c.error_model, c.discount, c.n) for c in result.cells]
[('causal', 0.5, 4)]
>>> len(result.cells[0].drop_heights), 0.0 <= result.cells[0].fraction <= 1.0
(4, True)
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from numbers import Integral, Real
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from environments.proxy_errors import ERROR_MODELS
from theory.batch import batch_quantiliser, batch_returns, batch_soft_policies, batch_value_iteration
from theory.budget import check_budget
from theory.errors import InvalidArgument, InvalidFile
from theory.goodhart import GoodhartCurve, drop_height, is_goodharting
from theory.io import read_json
from theory.mdp import FiniteMDP

__all__ = [
    "FORMAT",
    "VERSION",
    "FILES",
    "Z95",
    "DISCOUNTS",
    "FAMILIES",
    "SweepConfig",
    "SweepCell",
    "SweepResult",
    "SweepExecutor",
    "LocalExecutor",
    "DaskExecutor",
    "CONNECT_TIMEOUT",
    "random_float_mdp",
    "sweep_arrays",
    "pressure_grid",
    "sweep_chunk",
    "classify_batch",
    "classify_curves",
    "run_sweep",
    "wilson_interval",
    "save_sweep",
    "load_sweep",
]

#: The discounts of Karwowski et al. (2023).
DISCOUNTS = (0.5, 0.7, 0.9, 0.99)
#: The pressure families: Boltzmann (beta) and the per-state quantiliser (q).
FAMILIES = ("boltzmann", "quantiliser")
#: The two-sided 95% normal quantile, :math:`\Phi^{-1}(0.975)`.
Z95 = 1.959963984540054
#: Format tag and version of the saved JSON.
FORMAT = "deconfuse-sweep"
VERSION = 1


# -- configuration -----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """What a prevalence sweep computes; validated at construction (one-line InvalidArgument).

    - ``n_mdps``: N, random MDPs per (error model, discount) cell (the same N in every cell);
    - ``states``, ``actions``, ``branching``: S, A and the successors per (s, a) of
      :func:`random_float_mdp`;
    - ``error_models``: names in :data:`environments.proxy_errors.ERROR_MODELS`;
    - ``discounts``: each in [0, 1);
    - ``family``: "boltzmann" (default) or "quantiliser"; ``pressures``: points per curve;
      ``beta_min``, ``beta_max``: the Boltzmann log grid; ``q_min``: the quantiliser's smallest
      q (its log grid runs from 1 down to it; default 1/A, past which a quantiliser with a
      uniform base is the argmax);
    - ``tolerance``: of value iteration (guaranteed sup-norm error of the values);
    - ``seed``: the sweep's seed; ``chunk_size``: MDPs per task sent to an executor (does not
      change the numbers).

    >>> SweepConfig(discounts=(0.5, 1.0))
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: discounts[1] is 1.0, not in [0, 1)
    """

    n_mdps: int = 1000
    states: int = 10
    actions: int = 3
    branching: int = 2
    error_models: tuple[str, ...] = tuple(ERROR_MODELS)
    discounts: tuple[float, ...] = DISCOUNTS
    family: Literal["boltzmann", "quantiliser"] = "boltzmann"
    pressures: int = 20
    beta_min: float = 1e-2
    beta_max: float = 1e3
    q_min: float | None = None
    tolerance: float = 1e-8
    seed: int = 0
    chunk_size: int = 250

    def __post_init__(self) -> None:
        for name, low in (("n_mdps", 1), ("states", 1), ("actions", 1), ("branching", 1),
                          ("pressures", 2), ("seed", 0), ("chunk_size", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Integral) or value < low:
                raise InvalidArgument(f"{name} is {value!r}, not an integer >= {low}")
            object.__setattr__(self, name, int(value))
        if self.branching > self.states:
            raise InvalidArgument(
                f"branching is {self.branching} but there are only states = {self.states}; need branching <= states"
            )
        models = _tuple(self.error_models, "error_models")
        for i, name in enumerate(models):
            if name not in ERROR_MODELS:
                raise InvalidArgument(f"error_models[{i}] is {name!r}, not one of {list(ERROR_MODELS)}")
        if len(set(models)) != len(models):
            raise InvalidArgument(f"error_models is {list(models)!r}, which repeats a name")
        object.__setattr__(self, "error_models", models)
        discounts = _tuple(self.discounts, "discounts")
        for i, d in enumerate(discounts):
            if isinstance(d, bool) or not isinstance(d, Real) or not 0 <= float(d) < 1:
                raise InvalidArgument(f"discounts[{i}] is {d!r}, not in [0, 1)")
        discounts = tuple(float(d) for d in discounts)
        if len(set(discounts)) != len(discounts):
            raise InvalidArgument(f"discounts is {list(discounts)!r}, which repeats a value")
        object.__setattr__(self, "discounts", discounts)
        if self.family not in FAMILIES:
            raise InvalidArgument(f"family is {self.family!r}, not one of {list(FAMILIES)}")
        for name in ("beta_min", "beta_max", "tolerance"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 < float(value) < math.inf:
                raise InvalidArgument(f"{name} is {value!r}, not a positive number")
            object.__setattr__(self, name, float(value))
        if not self.beta_max > self.beta_min:
            raise InvalidArgument(f"beta_max is {self.beta_max!r}, not greater than beta_min = {self.beta_min!r}")
        if self.q_min is not None:
            q = self.q_min
            if isinstance(q, bool) or not isinstance(q, Real) or not 0 < float(q) < 1:
                raise InvalidArgument(f"q_min is {q!r}, not in (0, 1)")
            object.__setattr__(self, "q_min", float(q))
        self._check_size()

    def _check_size(self) -> None:
        """Refuse a sweep over the memory budget: its results (a flag, a drop height and, when
        saved, a CSV line per MDP and cell) and one task's float MDPs with their curves."""
        cells = len(self.error_models) * len(self.discounts)
        check_budget("n_mdps", self.n_mdps, self.n_mdps * cells * _RESULT_BYTES,
                     f"a sweep of {self.n_mdps} MDPs x {len(self.error_models)} error models x "
                     f"{len(self.discounts)} discounts")
        per_mdp = (3 * self.states * self.actions * self.states + self.pressures * self.states * self.actions) * 8
        check_budget("states x actions", f"{self.states} x {self.actions}",
                     min(self.chunk_size, self.n_mdps) * per_mdp, f"one task of {self.chunk_size} random MDPs")

    def to_dict(self) -> dict[str, Any]:
        """The configuration as plain JSON data (lists for tuples)."""
        out = dataclasses.asdict(self)
        out["error_models"] = list(self.error_models)
        out["discounts"] = list(self.discounts)
        return out


#: Estimated bytes of one (MDP, cell) result of a sweep: its flag and drop height as Python
#: objects in the result, and its line of the saved curves CSV.
_RESULT_BYTES = 200


def _tuple(value: Any, field: str) -> tuple:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise InvalidArgument(f"{field} is {value!r}, not a sequence")
    out = tuple(value)
    if not out:
        raise InvalidArgument(f"{field} is empty")
    return out


def pressure_grid(config: SweepConfig) -> tuple[tuple[float, ...], tuple[float, ...], str]:
    r"""``(parameters, pressures, name)`` of the family's grid: the Boltzmann
    :math:`\beta` values (pressure = :math:`\beta`), or the quantiliser's q values from 1 down to
    ``q_min`` (pressure = :math:`-\ln q`); log-spaced, ``config.pressures`` points, pressures
    strictly increasing.

    >>> params, pressures, name = pressure_grid(SweepConfig(pressures=3, beta_min=0.1, beta_max=10))
    >>> [round(x, 12) for x in params], name
    ([0.1, 1.0, 10.0], 'beta')
    """
    n = config.pressures
    if config.family == "boltzmann":
        betas = tuple(float(x) for x in np.logspace(math.log10(config.beta_min), math.log10(config.beta_max), n))
        return betas, betas, "beta"
    q_min = config.q_min if config.q_min is not None else 1.0 / config.actions
    qs = tuple(float(x) for x in np.logspace(0.0, math.log10(q_min), n))
    qs = (1.0,) + qs[1:]
    return qs, tuple(0.0 - math.log(q) for q in qs), "-ln q"


# -- random MDPs -------------------------------------------------------------------------------


def random_float_mdp(
    config: SweepConfig, index: int
) -> tuple[np.ndarray, np.ndarray, int]:
    """MDP ``index`` of a sweep: ``(transitions (S, A, S), true reward (S, A), error seed)``.

    A fast float generator (the exact :func:`environments.random_mdp.random_mdp` costs about
    2 ms an MDP in Fractions; this one about 50 us). Drawn from
    ``numpy.random.default_rng([config.seed, index])``, in this order:

    1. for every (s, a), ``branching`` distinct successors: the first ``branching`` entries of
       the argsort of S uniforms (a uniformly random subset);
    2. their probabilities: ``branching`` standard exponentials normalised to sum 1 (a flat
       Dirichlet), so each row has exactly ``branching`` non-zero entries;
    3. the true reward r(s, a), uniform on [-1, 1);
    4. the seed given to the error model, an integer in [0, 2**31).

    The initial state is s0 (a point mass), so that the extremal model's training support (the
    states reachable within one step) leaves states out. Source: random sparse ("Garnet")
    MDPs, Archibald, McKinnon & Thomas (1995); Karwowski et al. (2023) for the use.

    >>> T, r, seed = random_float_mdp(SweepConfig(), 7)
    >>> T.shape, r.shape, sorted(set((T > 0).sum(axis=2).ravel().tolist()))
    ((10, 3, 10), (10, 3), [2])
    >>> np.array_equal(T, random_float_mdp(SweepConfig(), 7)[0])
    True
    """
    S, A, b = config.states, config.actions, config.branching
    rng = np.random.default_rng([config.seed, index])
    successors = np.argsort(rng.random((S, A, S)), axis=2)[:, :, :b]
    weights = rng.standard_exponential((S, A, b))
    transitions = np.zeros((S, A, S))
    np.put_along_axis(transitions, successors, weights / weights.sum(axis=2, keepdims=True), axis=2)
    true = rng.uniform(-1.0, 1.0, (S, A))
    error_seed = int(rng.integers(2**31))
    return transitions, true, error_seed


def sweep_arrays(config: SweepConfig, start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The arrays of MDPs ``start`` .. ``stop - 1`` of a sweep: transitions P (C, S, A, S), true
    rewards (C, S, A) and proxies (M, C, S, A), one per error model of ``config`` in its order.

    MDP i is :func:`random_float_mdp` (config, i) as a float :class:`~theory.mdp.FiniteMDP` (with
    discount ``config.discounts[0]``, which no error model reads); its proxy under model m is
    ``ERROR_MODELS[m](mdp, error_seed)["proxy"]``, the same at every discount.

    >>> P, true, proxies = sweep_arrays(SweepConfig(), 0, 2)
    >>> P.shape, true.shape, proxies.shape
    ((2, 10, 3, 10), (2, 10, 3), (4, 2, 10, 3))
    """
    S, A = config.states, config.actions
    states = tuple(f"s{i}" for i in range(S))
    actions = tuple(f"a{i}" for i in range(A))
    initial = np.zeros(S)
    initial[0] = 1.0
    Ps, trues, proxies = [], [], []
    for i in range(start, stop):
        T, true, error_seed = random_float_mdp(config, i)
        mdp = FiniteMDP(states=states, actions=actions, transitions=T, rewards={"true": true},
                        initial=initial, discount=config.discounts[0])
        Ps.append(mdp.transitions)
        trues.append(mdp.rewards["true"])
        proxies.append([ERROR_MODELS[m](mdp, error_seed).rewards["proxy"] for m in config.error_models])
    return np.stack(Ps), np.stack(trues), np.stack(proxies, axis=1)


# -- one chunk ---------------------------------------------------------------------------------


def classify_curves(
    pressures: Sequence[float],
    true_returns: np.ndarray,
    proxy_returns: np.ndarray,
    true_min: np.ndarray,
    true_max: np.ndarray,
    label: str = "family",
    parameter: str = "pressure",
) -> tuple[np.ndarray, np.ndarray]:
    """Goodharting flags and normalised drop heights of B curves: ``true_returns`` and
    ``proxy_returns`` (n, B) along ``pressures`` (n,), true return ranges (B,). Each curve is a
    :class:`theory.goodhart.GoodhartCurve` classified by :func:`theory.goodhart.is_goodharting`
    and measured by :func:`theory.goodhart.drop_height` (their definitions and tolerances),
    except that a curve whose true return never decreases (``true[i+1] >= true[i]`` exactly) is
    given the answers those functions give it, not Goodharting and drop 0, without building it
    (about half the curves of a sweep; the GoodhartCurve validation is the costly part).

    >>> flags, drops = classify_curves([1.0, 2.0, 3.0], np.array([[0.0], [2.0], [1.0]]),
    ...                                np.array([[0.0], [1.0], [2.0]]), np.array([0.0]), np.array([4.0]))
    >>> flags.tolist(), drops.tolist()
    ([True], [0.25])
    """
    pressures = tuple(float(p) for p in pressures)
    true_returns = np.asarray(true_returns, dtype=np.float64)
    proxy_returns = np.asarray(proxy_returns, dtype=np.float64)
    B = true_returns.shape[1]
    flags = np.zeros(B, dtype=bool)
    drops = np.zeros(B)
    # A curve whose true return never decreases cannot Goodhart (no point beats the last one)
    # and its drop height is exactly 0: those two answers are filled in without building the
    # GoodhartCurve (a shortcut the tests check against the full path).
    rising = np.all(true_returns[1:] >= true_returns[:-1], axis=0)
    for b in np.flatnonzero(~rising).tolist():
        curve = GoodhartCurve(pressure=pressures, proxy=proxy_returns[:, b].tolist(),
                              true=true_returns[:, b].tolist(), label=label, parameter=parameter)
        flags[b] = is_goodharting(curve)
        drops[b] = drop_height(curve, float(true_min[b]), float(true_max[b]))
    return flags, drops


def classify_batch(
    config: SweepConfig, P: np.ndarray, true: np.ndarray, proxies: np.ndarray, initial: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Goodharting flags and normalised drop heights, (M, D, C) each, of a batch of C MDPs at
    every discount of ``config`` (D) for every proxy of ``proxies`` (M): steps 2-4 of the
    module docstring, with ``config``'s family, grid and tolerance.

    ``P`` (C, S, A, S) transitions, ``true`` (C, S, A), ``proxies`` (M, C, S, A), ``initial``
    (C, S). One batched value iteration per discount serves the true maximum, the true minimum
    and every proxy's optimal Q-values.

    A hand-made check: a bandit (S = 1) whose proxy ranks the arms a0 < a1 < a2 while the true
    reward prefers a1 Goodharts; an aligned one does not.

    >>> P = np.ones((2, 1, 3, 1))
    >>> true = np.array([[[0.0, 2.0, 1.0]], [[0.0, 1.0, 2.0]]])
    >>> proxy = np.array([[[0.0, 1.0, 2.0]], [[0.0, 1.0, 2.0]]])
    >>> flags, drops = classify_batch(SweepConfig(discounts=(0.5,)), P, true, proxy[None], np.ones((2, 1)))
    >>> flags.tolist(), round(float(drops[0, 0, 0]), 3), float(drops[0, 0, 1])
    ([[[True, False]]], 0.074, 0.0)
    """
    P = np.asarray(P, dtype=np.float64)
    true = np.asarray(true, dtype=np.float64)
    proxies = np.asarray(proxies, dtype=np.float64)
    initial = np.asarray(initial, dtype=np.float64)
    C = P.shape[0]
    if proxies.ndim != 4 or proxies.shape[1:] != true.shape:
        raise InvalidArgument(f"proxies has shape {proxies.shape}, expected (M,) + {true.shape}")
    M, D = proxies.shape[0], len(config.discounts)
    params, pressures, name = pressure_grid(config)
    label = "Boltzmann" if config.family == "boltzmann" else "quantiliser"
    flags = np.zeros((M, D, C), dtype=bool)
    drops = np.zeros((M, D, C))
    rewards = np.concatenate([true[:, None], -true[:, None], proxies.transpose(1, 0, 2, 3)], axis=1)
    for d, gamma in enumerate(config.discounts):
        V, Q, _ = batch_value_iteration(P, rewards, gamma, config.tolerance)
        # J = initial . V; the range is widened by the guaranteed value-iteration error
        true_max = np.einsum("cs,cs->c", initial, V[:, 0]) + config.tolerance
        true_min = -np.einsum("cs,cs->c", initial, V[:, 1]) - config.tolerance
        for m in range(M):
            q_proxy = Q[:, 2 + m]
            if config.family == "boltzmann":
                family = batch_soft_policies(q_proxy, params)  # (n, C, S, A)
            else:
                family = np.stack([batch_quantiliser(q_proxy, x) for x in params])
            returns = batch_returns(P, [true, proxies[m]], family, initial, gamma)  # (2, n, C)
            flags[m, d], drops[m, d] = classify_curves(
                pressures, returns[0], returns[1], true_min, true_max, label, name
            )
    return flags, drops


def sweep_chunk(config: SweepConfig, start: int, stop: int) -> dict[str, Any]:
    """The work of MDPs ``start`` .. ``stop - 1`` of a sweep, for every error model and
    discount: ``{"start", "stop", "goodharting": bool (M, D, C), "drop_heights": float (M, D, C)}``
    with M error models, D discounts and C = stop - start MDPs (:func:`random_float_mdp`, the
    error models, then :func:`classify_batch`). A pure function of its arguments (what
    executors run).

    >>> out = sweep_chunk(SweepConfig(error_models=("causal",), discounts=(0.5,), pressures=4), 0, 3)
    >>> out["goodharting"].shape, out["drop_heights"].shape
    ((1, 1, 3), (1, 1, 3))
    """
    if not isinstance(config, SweepConfig):
        raise InvalidArgument(f"config is {type(config).__name__}, not a SweepConfig")
    if not (isinstance(start, Integral) and isinstance(stop, Integral) and 0 <= start < stop <= config.n_mdps):
        raise InvalidArgument(f"chunk is [{start!r}, {stop!r}), not a non-empty range within [0, {config.n_mdps}]")
    P, true, proxies = sweep_arrays(config, start, stop)
    initial = np.zeros(true.shape[:2])
    initial[:, 0] = 1.0
    flags, drops = classify_batch(config, P, true, proxies, initial)
    return {"start": start, "stop": stop, "goodharting": flags, "drop_heights": drops}


# -- executors ---------------------------------------------------------------------------------


class SweepExecutor(Protocol):
    """Runs ``fn(*task)`` for every task and yields ``(task index, result)`` as they finish."""

    def map_unordered(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]: ...


class LocalExecutor:
    """Tasks in local processes (``concurrent.futures.ProcessPoolExecutor``, "spawn" start
    method, ``workers`` processes, 2 by default, each limited to one BLAS thread when
    threadpoolctl is installed); ``workers=1`` runs them in this process, in order.

    >>> list(LocalExecutor(workers=1).map_unordered(pow, [(2, 3), (3, 2)]))
    [(0, 8), (1, 9)]
    """

    def __init__(self, workers: int = 2) -> None:
        if isinstance(workers, bool) or not isinstance(workers, Integral) or workers < 1:
            raise InvalidArgument(f"workers is {workers!r}, not an integer >= 1")
        self.workers = int(workers)

    def map_unordered(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        if self.workers == 1:
            for i, task in enumerate(tasks):
                yield i, fn(*task)
            return
        import multiprocessing

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_one_blas_thread) as pool:
            futures = {pool.submit(fn, *task): i for i, task in enumerate(tasks)}
            for future in as_completed(futures):
                yield futures[future], future.result()

    def __repr__(self) -> str:
        return f"LocalExecutor(workers={self.workers})"


def _one_blas_thread() -> None:
    """In a worker process: one BLAS thread (the workers are the parallelism; the matrices are
    10 x 10). Uses threadpoolctl when it is installed, else leaves the BLAS as it is."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional
        return
    global _LIMITS
    _LIMITS = threadpool_limits(1)


_LIMITS: Any = None


#: Seconds a DaskExecutor waits for its scheduler to answer.
CONNECT_TIMEOUT = 10


class DaskExecutor:
    """Tasks on an existing ``dask.distributed`` scheduler: ``Client(address)`` (opened for one
    run and closed after it; the cluster itself is left running). Needs the optional extra
    ``deconfuse[dask]``.

    >>> DaskExecutor("tcp://127.0.0.1:8786")
    DaskExecutor('tcp://127.0.0.1:8786')
    """

    def __init__(self, address: str) -> None:
        if not isinstance(address, str) or not address:
            raise InvalidArgument(f"address is {address!r}, not a scheduler address such as 'tcp://host:8786'")
        self.address = address

    def map_unordered(self, fn: Callable[..., Any], tasks: Sequence[tuple]) -> Iterator[tuple[int, Any]]:
        try:
            from distributed import Client, as_completed as dask_completed
        except ImportError:  # pragma: no cover - depends on the environment
            raise InvalidArgument(
                "DaskExecutor needs dask.distributed: pip install 'deconfuse[dask]' "
                "(in a checkout of deconfuse: pip install -e '.[dask]')"
            ) from None
        try:
            client = Client(self.address, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise InvalidArgument(f"address {self.address!r}: no Dask scheduler answered ({reason})") from None
        with client:
            futures = [client.submit(fn, *task, pure=False) for task in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            for future, result in dask_completed(futures, with_results=True):
                yield index[future.key], result

    def __repr__(self) -> str:
        return f"DaskExecutor({self.address!r})"


class _Progress:
    """A one-line textual progress bar on stderr."""

    def __init__(self, total: int, enabled: bool, width: int = 30) -> None:
        self.total, self.enabled, self.width = total, enabled, width
        self.done = 0
        self.t0 = time.perf_counter()
        # first drawn when a chunk is done: an executor that fails at once (no scheduler at
        # the address) then leaves its one-line error alone on stderr

    def step(self) -> None:
        self.done += 1
        self._draw()

    def _draw(self) -> None:
        if not self.enabled:
            return
        filled = self.width * self.done // self.total
        bar = "#" * filled + "." * (self.width - filled)
        elapsed = time.perf_counter() - self.t0
        sys.stderr.write(f"\rsweep [{bar}] {self.done}/{self.total} chunks {elapsed:6.1f} s")
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


# -- results -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class SweepCell:
    """The results of one (error model, discount) cell: ``n`` curves, ``goodharting`` of them
    Goodharting, ``fraction`` = goodharting / n with its 95% Wilson interval
    ``(ci_low, ci_high)``, and per MDP (index order) its flag and normalised drop height."""

    error_model: str
    discount: float
    n: int
    goodharting: int
    fraction: float
    ci_low: float
    ci_high: float
    drop_heights: tuple[float, ...]
    flags: tuple[bool, ...]

    def mean_drop(self, goodharting_only: bool = True) -> float | None:
        """Mean drop height over the Goodharting curves (or all); None when there are none."""
        xs = [x for x, f in zip(self.drop_heights, self.flags) if f or not goodharting_only]
        return math.fsum(xs) / len(xs) if xs else None


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """A sweep: its configuration, the pressure grid and one :class:`SweepCell` per
    (error model, discount), error models outermost, in the configuration's order."""

    config: SweepConfig
    parameters: tuple[float, ...]
    pressures: tuple[float, ...]
    parameter: str
    cells: tuple[SweepCell, ...]

    def cell(self, error_model: str, discount: float) -> SweepCell:
        """The cell of one error model and discount."""
        for c in self.cells:
            if c.error_model == error_model and c.discount == discount:
                return c
        raise InvalidArgument(f"no cell for error model {error_model!r} and discount {discount!r}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON data: format, version, config, grid and cells."""
        return {
            "format": FORMAT,
            "version": VERSION,
            "config": self.config.to_dict(),
            "parameter": self.parameter,
            "parameters": list(self.parameters),
            "pressures": list(self.pressures),
            "cells": [
                {**dataclasses.asdict(c), "drop_heights": list(c.drop_heights), "flags": list(c.flags)}
                for c in self.cells
            ],
        }


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    r"""The Wilson score interval of a binomial proportion:

    .. math:: \frac{\hat p + \frac{z^2}{2n} \pm z \sqrt{\frac{\hat p (1 - \hat p)}{n} + \frac{z^2}{4 n^2}}}{1 + \frac{z^2}{n}},
        \qquad \hat p = k / n,

    with z = 1.959964 for 95%. Unlike the normal (Wald) interval it stays inside [0, 1] and is
    not empty at k = 0 or k = n.

    Source: E. B. Wilson, "Probable inference, the law of succession, and statistical
    inference", JASA 22 (1927); Brown, Cai & DasGupta, "Interval Estimation for a Binomial
    Proportion", Statistical Science 16 (2001).

    >>> [round(x, 4) for x in wilson_interval(3, 10)]
    [0.1078, 0.6032]
    >>> wilson_interval(0, 0)
    Traceback (most recent call last):
    ...
    theory.errors.InvalidArgument: n is 0, not an integer >= 1
    """
    if isinstance(n, bool) or not isinstance(n, Integral) or n < 1:
        raise InvalidArgument(f"n is {n!r}, not an integer >= 1")
    if isinstance(successes, bool) or not isinstance(successes, Integral) or not 0 <= successes <= n:
        raise InvalidArgument(f"successes is {successes!r}, not an integer in [0, {n}]")
    if isinstance(z, bool) or not isinstance(z, Real) or not 0 < float(z) < math.inf:
        raise InvalidArgument(f"z is {z!r}, not a positive number")
    k, n, z = int(successes), int(n), float(z)
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    low, high = centre - half, centre + half
    return (0.0 if k == 0 else max(0.0, low)), (1.0 if k == n else min(1.0, high))


# -- the sweep ---------------------------------------------------------------------------------


def run_sweep(
    config: SweepConfig, executor: SweepExecutor | None = None, progress: bool = True
) -> SweepResult:
    """Run a Goodharting prevalence sweep (see the module docstring).

    The N MDPs are cut into chunks of ``config.chunk_size`` consecutive indices, each computed
    by :func:`sweep_chunk` on ``executor`` (default: :class:`LocalExecutor` with 2 processes;
    :class:`DaskExecutor` for a Dask cluster), and put back in index order, so the result is the
    same whatever the executor, the number of workers or the chunk size. ``progress`` draws a
    textual progress bar on stderr.

    Source: the prevalence experiment of Karwowski et al., "Goodhart's Law in Reinforcement
    Learning" (ICLR 2024), section 5.

    >>> r = run_sweep(SweepConfig(n_mdps=2, discounts=(0.9,), error_models=("extremal",), pressures=3),
    ...               executor=LocalExecutor(workers=1), progress=False)
    >>> r.cells[0].n, r.parameter
    (2, 'beta')
    """
    if not isinstance(config, SweepConfig):
        raise InvalidArgument(f"config is {type(config).__name__}, not a SweepConfig")
    if executor is None:
        executor = LocalExecutor(workers=2)
    if not hasattr(executor, "map_unordered"):
        raise InvalidArgument(f"executor is {type(executor).__name__}, not a SweepExecutor (it has no map_unordered)")
    N, size = config.n_mdps, config.chunk_size
    tasks = [(config, start, min(start + size, N)) for start in range(0, N, size)]
    bar = _Progress(len(tasks), progress)
    parts: list[dict[str, Any] | None] = [None] * len(tasks)
    for i, part in executor.map_unordered(sweep_chunk, tasks):
        parts[i] = part
        bar.step()
    flags = np.concatenate([p["goodharting"] for p in parts], axis=2)  # type: ignore[index]
    drops = np.concatenate([p["drop_heights"] for p in parts], axis=2)  # type: ignore[index]
    params, pressures, name = pressure_grid(config)
    cells = []
    for m, model in enumerate(config.error_models):
        for d, gamma in enumerate(config.discounts):
            k = int(flags[m, d].sum())
            low, high = wilson_interval(k, N)
            cells.append(SweepCell(
                error_model=model, discount=gamma, n=N, goodharting=k, fraction=k / N,
                ci_low=low, ci_high=high,
                drop_heights=tuple(float(x) for x in drops[m, d]),
                flags=tuple(bool(x) for x in flags[m, d]),
            ))
    return SweepResult(config=config, parameters=params, pressures=pressures, parameter=name, cells=tuple(cells))


# -- files -------------------------------------------------------------------------------------

#: The files :func:`save_sweep` writes in its folder.
FILES = ("sweep.json", "summary.csv", "curves.csv")


def _csv(rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows:
        writer.writerow([repr(x) if isinstance(x, float) else x for x in row])
    return out.getvalue()


def save_sweep(result: SweepResult, path: str | Path) -> list[Path]:
    """Write a sweep into the folder ``path`` (created if needed) and return the files:

    - ``sweep.json``: everything (:meth:`SweepResult.to_dict`), sorted keys, floats as their
      shortest round-trip repr; :func:`load_sweep` reads it back;
    - ``summary.csv``: one row per cell: error_model, discount, n, goodharting, fraction,
      ci_low, ci_high, mean_drop_goodharting (mean drop height of the Goodharting curves,
      empty when none), mean_drop (over all curves);
    - ``curves.csv``: one row per curve: error_model, discount, mdp, goodharting, drop_height.

    Nothing in them depends on the time or the machine, so the same configuration gives
    byte-identical files.

    >>> import tempfile
    >>> r = run_sweep(SweepConfig(n_mdps=2, discounts=(0.5,), error_models=("causal",), pressures=3),
    ...               executor=LocalExecutor(workers=1), progress=False)
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     [p.name for p in save_sweep(r, tmp)], load_sweep(tmp) == r
    (['sweep.json', 'summary.csv', 'curves.csv'], True)
    """
    if not isinstance(result, SweepResult):
        raise InvalidArgument(f"result is {type(result).__name__}, not a SweepResult")
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result.to_dict(), sort_keys=True, indent=1, allow_nan=False) + "\n"
    summary = [["error_model", "discount", "n", "goodharting", "fraction", "ci_low", "ci_high",
                "mean_drop_goodharting", "mean_drop"]]
    curves = [["error_model", "discount", "mdp", "goodharting", "drop_height"]]
    for c in result.cells:
        mean_g = c.mean_drop(True)
        summary.append([c.error_model, c.discount, c.n, c.goodharting, c.fraction, c.ci_low, c.ci_high,
                        "" if mean_g is None else mean_g, c.mean_drop(False)])
        for i, (flag, drop) in enumerate(zip(c.flags, c.drop_heights)):
            curves.append([c.error_model, c.discount, i, int(flag), drop])
    files = []
    for name, content in zip(FILES, (text, _csv(summary), _csv(curves))):
        target = folder / name
        target.write_bytes(content.encode("utf-8"))
        files.append(target)
    return files


def load_sweep(path: str | Path) -> SweepResult:
    """Read the ``sweep.json`` that :func:`save_sweep` wrote in the folder ``path`` (or the
    file itself); InvalidFile naming the problem when it is not one."""
    target = Path(path)
    if target.is_dir():
        target = target / FILES[0]
    data = read_json(target, exact=False)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InvalidFile(f"{target}: format is not {FORMAT!r}")
    if data.get("version") != VERSION:
        raise InvalidFile(f"{target}: version is {data.get('version')!r}, not {VERSION}")
    try:
        config = dict(data["config"])
        config["error_models"] = tuple(config["error_models"])
        config["discounts"] = tuple(config["discounts"])
        cells = tuple(
            SweepCell(**{**c, "drop_heights": tuple(c["drop_heights"]), "flags": tuple(c["flags"])})
            for c in data["cells"]
        )
        return SweepResult(
            config=SweepConfig(**config),
            parameters=tuple(data["parameters"]),
            pressures=tuple(data["pressures"]),
            parameter=data["parameter"],
            cells=cells,
        )
    except (KeyError, TypeError, InvalidArgument) as exc:
        raise InvalidFile(f"{target}: not a sweep saved by deconfuse ({type(exc).__name__}: {exc})") from None
