"""reports.sweeps: reproducible Goodharting prevalence sweeps, on local processes and on Dask."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from reports.sweeps import (
    DaskExecutor,
    LocalExecutor,
    SweepConfig,
    classify_batch,
    classify_curves,
    load_sweep,
    pressure_grid,
    random_float_mdp,
    run_sweep,
    save_sweep,
    sweep_chunk,
    wilson_interval,
)
from theory.errors import InvalidArgument, InvalidFile

#: The tiny sweep of these tests: 6 MDPs, 2 discounts, 5 pressure points, every error model,
#: in 3 chunks of 2.
TINY = SweepConfig(n_mdps=6, discounts=(0.5, 0.9), pressures=5, chunk_size=2, seed=3)


@pytest.fixture(scope="module")
def local_result():
    """The tiny sweep on the default executor: 2 local processes."""
    return run_sweep(TINY, progress=False)


def read_all(folder):
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- reproducibility ---------------------------------------------------------------------------


def test_same_seed_gives_identical_files(local_result, tmp_path):
    again = run_sweep(TINY, executor=LocalExecutor(workers=1), progress=False)
    save_sweep(local_result, tmp_path / "a")
    save_sweep(again, tmp_path / "b")
    a, b = read_all(tmp_path / "a"), read_all(tmp_path / "b")
    assert sorted(a) == ["curves.csv", "summary.csv", "sweep.json"]
    assert a == b


def test_another_seed_gives_other_mdps(tmp_path):
    other = SweepConfig(n_mdps=6, discounts=(0.5, 0.9), pressures=5, chunk_size=2, seed=4)
    assert not np.array_equal(random_float_mdp(TINY, 0)[0], random_float_mdp(other, 0)[0])


def test_chunk_size_does_not_change_the_numbers(local_result):
    result = run_sweep(dataclasses.replace(TINY, chunk_size=6), executor=LocalExecutor(workers=1), progress=False)
    assert result.cells == local_result.cells


def test_dask_executor_gives_identical_results(local_result, tmp_path):
    import distributed  # in the test extra: the Dask path is always tested

    from deconfuse.cli import main

    with distributed.LocalCluster(processes=False, n_workers=1, threads_per_worker=2,
                                  dashboard_address=None) as cluster:
        result = run_sweep(TINY, executor=DaskExecutor(cluster.scheduler_address), progress=False)
        # the command line's --dask sends the same sweep and saves byte-identical data
        common = ["report", "prevalence", "--n", "6", "--pressures", "4", "--discounts", "0.5,0.9"]
        assert main(common + ["--dask", cluster.scheduler_address, "--out", str(tmp_path / "dask")]) == 0
    assert result.to_dict() == local_result.to_dict()
    assert main(common + ["--workers", "2", "--out", str(tmp_path / "local")]) == 0
    for name in ("sweep.json", "summary.csv", "curves.csv"):
        dask_bytes = (tmp_path / "dask" / "prevalence-sweep" / name).read_bytes()
        assert dask_bytes == (tmp_path / "local" / "prevalence-sweep" / name).read_bytes()


def test_saved_json_round_trips(local_result, tmp_path):
    files = save_sweep(local_result, tmp_path)
    assert [p.name for p in files] == ["sweep.json", "summary.csv", "curves.csv"]
    assert load_sweep(tmp_path) == local_result
    summary = (tmp_path / "summary.csv").read_text().splitlines()
    assert summary[0] == "error_model,discount,n,goodharting,fraction,ci_low,ci_high,mean_drop_goodharting,mean_drop"
    assert len(summary) == 1 + 4 * 2
    curves = (tmp_path / "curves.csv").read_text().splitlines()
    assert len(curves) == 1 + 4 * 2 * 6


def test_load_refuses_other_files(tmp_path):
    (tmp_path / "sweep.json").write_text('{"format": "something else"}')
    with pytest.raises(InvalidFile, match="format is not 'deconfuse-sweep'"):
        load_sweep(tmp_path)


# -- the result --------------------------------------------------------------------------------


def test_result_cells(local_result):
    assert [(c.error_model, c.discount) for c in local_result.cells] == [
        (m, d) for m in TINY.error_models for d in TINY.discounts
    ]
    for c in local_result.cells:
        assert c.n == 6 and len(c.drop_heights) == 6 and len(c.flags) == 6
        assert c.goodharting == sum(c.flags) and c.fraction == c.goodharting / 6
        assert (c.ci_low, c.ci_high) == wilson_interval(c.goodharting, 6)
        assert all(0.0 <= x <= 1.0 for x in c.drop_heights)
        assert all(x > 0 for x, f in zip(c.drop_heights, c.flags) if f)  # Goodharting => drop > 0
    assert local_result.cell("causal", 0.9).error_model == "causal"
    assert local_result.parameter == "beta" and len(local_result.pressures) == 5


def test_chunk_agrees_with_the_sweep(local_result):
    out = sweep_chunk(TINY, 2, 4)
    for m, model in enumerate(TINY.error_models):
        for d, gamma in enumerate(TINY.discounts):
            cell = local_result.cell(model, gamma)
            assert out["goodharting"][m, d].tolist() == list(cell.flags[2:4])
            assert out["drop_heights"][m, d].tolist() == list(cell.drop_heights[2:4])


def test_progress_bar_on_stderr(capsys):
    config = SweepConfig(n_mdps=2, discounts=(0.5,), error_models=("causal",), pressures=3, chunk_size=1)
    run_sweep(config, executor=LocalExecutor(workers=1), progress=True)
    err = capsys.readouterr().err
    assert "sweep [" in err and "2/2 chunks" in err and err.endswith("\n")


def test_quantiliser_family():
    config = SweepConfig(n_mdps=3, discounts=(0.7,), error_models=("regressional-heavy",), pressures=4,
                         family="quantiliser")
    params, pressures, name = pressure_grid(config)
    assert params[0] == 1.0 and math.isclose(params[-1], 1 / 3) and name == "-ln q"
    assert pressures[0] == 0.0 and all(a < b for a, b in zip(pressures, pressures[1:]))
    result = run_sweep(config, executor=LocalExecutor(workers=1), progress=False)
    assert result.parameter == "-ln q" and result.cells[0].n == 3


# -- Wilson interval ---------------------------------------------------------------------------


def test_wilson_interval_three_of_ten_by_hand():
    # p = 0.3, z^2 = 3.841459; centre = (0.3 + z^2/20) / (1 + z^2/10) = 0.492073 / 1.384146 = 0.355507;
    # half = z sqrt(0.021 + z^2/400) / 1.384146 = 1.959964 * 0.174939 / 1.384146 = 0.247716.
    low, high = wilson_interval(3, 10)
    assert abs(low - (0.355507 - 0.247716)) < 2e-6 and abs(high - (0.355507 + 0.247716)) < 2e-6
    assert (round(low, 4), round(high, 4)) == (0.1078, 0.6032)


def test_wilson_interval_edges_and_symmetry():
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0
    low, high = wilson_interval(7, 10)
    low3, high3 = wilson_interval(3, 10)
    assert math.isclose(low, 1 - high3) and math.isclose(high, 1 - low3)
    assert wilson_interval(0, 10)[1] == pytest.approx(3.841459 / (10 + 3.841459), abs=1e-6)  # z^2 / (n + z^2)


# -- Goodharting fraction on a hand-made batch -------------------------------------------------


def test_goodharting_fraction_of_hand_made_bandits():
    """Four one-state MDPs (bandits with a discount) whose proxy ranks the arms a0 < a1 < a2:
    true [0, 2, 1] rises then falls (Goodharting); true = proxy rises (no); true reversed only
    falls (no, by definition; drop > 0); true = proxy + 5 rises (no). Fraction 1/4."""
    proxy = np.array([0.0, 1.0, 2.0])
    trues = [[0.0, 2.0, 1.0], [0.0, 1.0, 2.0], [2.0, 1.0, 0.0], [5.0, 6.0, 7.0]]
    P = np.ones((4, 1, 3, 1))
    true = np.array(trues)[:, None, :]
    proxies = np.broadcast_to(proxy, (1, 4, 1, 3))
    config = SweepConfig(discounts=(0.5, 0.9), pressures=20)
    flags, drops = classify_batch(config, P, true, proxies, np.ones((4, 1)))
    for d in range(2):
        assert flags[0, d].tolist() == [True, False, False, False]
        assert flags[0, d].mean() == 0.25
        assert drops[0, d, 0] > 0.05 and drops[0, d, 1] == 0.0 and drops[0, d, 3] == 0.0
        assert drops[0, d, 2] == pytest.approx(0.5, abs=0.01)  # near-uniform (1/2 of the range) to 0


def test_classify_curves_by_hand():
    # columns (one curve each): up-down (0, 2, 1), up (0, 1, 2), down (3, 2, 1), down-up (3, 0, 1)
    true = np.array([[0.0, 0.0, 3.0, 3.0], [2.0, 1.0, 2.0, 0.0], [1.0, 2.0, 1.0, 1.0]])  # (n=3, B=4)
    proxy = np.zeros((3, 4))
    flags, drops = classify_curves([0.0, 1.0, 2.0], true, proxy, np.zeros(4), np.full(4, 4.0))
    assert flags.tolist() == [True, False, False, False]
    assert drops.tolist() == [0.25, 0.0, 0.5, 0.5]


# -- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_mdps": 0}, "n_mdps is 0, not an integer >= 1"),
        ({"pressures": 1}, "pressures is 1, not an integer >= 2"),
        ({"branching": 11}, "branching is 11 but there are only states = 10"),
        ({"error_models": ("bogus",)}, "error_models[0] is 'bogus', not one of"),
        ({"error_models": ("causal", "causal")}, "repeats a name"),
        ({"discounts": ()}, "discounts is empty"),
        ({"discounts": (0.5, 1.0)}, "discounts[1] is 1.0, not in [0, 1)"),
        ({"family": "argmax"}, "family is 'argmax', not one of ['boltzmann', 'quantiliser']"),
        ({"beta_min": 10.0, "beta_max": 1.0}, "beta_max is 1.0, not greater than beta_min = 10.0"),
        ({"q_min": 1.0}, "q_min is 1.0, not in (0, 1)"),
        ({"tolerance": -1}, "tolerance is -1, not a positive number"),
        ({"seed": -1}, "seed is -1, not an integer >= 0"),
    ],
)
def test_config_validation(kwargs, message):
    with pytest.raises(InvalidArgument) as info:
        SweepConfig(**kwargs)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: wilson_interval(11, 10), "successes is 11, not an integer in [0, 10]"),
        (lambda: wilson_interval(1, 0), "n is 0, not an integer >= 1"),
        (lambda: LocalExecutor(workers=0), "workers is 0, not an integer >= 1"),
        (lambda: DaskExecutor(""), "address is '', not a scheduler address"),
        (lambda: sweep_chunk(TINY, 4, 9), "chunk is [4, 9), not a non-empty range within [0, 6]"),
        (lambda: run_sweep({"n_mdps": 3}), "config is dict, not a SweepConfig"),
        (lambda: run_sweep(TINY, executor=object(), progress=False), "executor is object, not a SweepExecutor"),
    ],
)
def test_argument_validation(call, message):
    with pytest.raises(InvalidArgument) as info:
        call()
    assert message in str(info.value)


def test_classify_curves_shortcut_equals_the_full_path():
    """Rising curves skip GoodhartCurve; the answers equal is_goodharting / drop_height's."""
    from theory.goodhart import GoodhartCurve, drop_height, is_goodharting

    rng = np.random.default_rng(0)
    true = np.cumsum(rng.normal(size=(6, 400)), axis=0)
    true[:, :200] = np.sort(true[:, :200], axis=0)  # half of them rising (some flat steps below)
    true[:, :20] = np.round(true[:, :20])
    pressures = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    low, high = true.min(axis=0) - 1, true.max(axis=0) + 1
    flags, drops = classify_curves(pressures, true, np.zeros_like(true), low, high)
    for b in range(400):
        curve = GoodhartCurve(pressure=pressures, proxy=[0.0] * 6, true=true[:, b].tolist(),
                              label="test", parameter="n")
        assert flags[b] == is_goodharting(curve)
        assert drops[b] == drop_height(curve, low[b], high[b])
