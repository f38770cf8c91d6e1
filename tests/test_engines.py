"""Every engine reproduces engine=local byte for byte; the series chunks are part of the protocol."""

from __future__ import annotations

import importlib.util
import shutil

import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, run_backtest
from forecast.backtest.engines import Engine, backtest_backend, check_installed, panel_sql
from forecast.cli.run import run_from_config
from forecast.errors import ArgumentError
from forecast.series.sql import aggregate_sql
from forecast.models import Naive, NegativeBinomialGLM, StatsForecastModel
from tests.helpers import compose_config, nb_panel

OUTPUTS = ("panel.parquet", "backtest.parquet", "forecasts.parquet", "samples.parquet", "metrics.csv")


def _missing(engine: str) -> str | None:
    """Why ``engine`` cannot run here, naming what to install, or None."""
    module = {"dask": "distributed", "ray": "ray", "spark": "pyspark"}[engine]
    if importlib.util.find_spec(module) is None:
        return f"engine={engine} needs {module}: pip install -e '.[engines]'"
    if engine == "spark" and shutil.which("java") is None:
        return "engine=spark needs a Java 17 runtime: apt-get install openjdk-17-jre-headless"
    return None


@pytest.fixture(scope="module")
def local_run(tmp_path_factory):
    return run_from_config(compose_config(["engine=local"]), tmp_path_factory.mktemp("local"))


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["dask", "ray", "spark"])
def test_cluster_engines_reproduce_local_bytes_on_the_default_experiment(engine, local_run, tmp_path):
    # The whole default experiment (every model, the report's 2,000 paths), only the engine changed.
    reason = _missing(engine)
    if reason:
        pytest.skip(reason)
    run = run_from_config(compose_config([f"engine={engine}"]), tmp_path)
    for name in OUTPUTS:
        assert (run / name).read_bytes() == (local_run / name).read_bytes(), name
    backtest = pd.read_parquet(run / "backtest.parquet")
    # 2 dyads x 2 families x 3 cutoffs x 5 models x horizon 8: every task's rows came back.
    assert len(backtest) == 4 * 3 * 5 * 8 and backtest["model"].nunique() == 5


@pytest.mark.slow
def test_dask_reproduces_local_bytes_one_series_per_task(tmp_path):
    # One series per chunk, so the cluster really shares out each cutoff's fits (ray goes
    # through the same joblib backend switch, test_cluster_engine_is_joblibs_backend_inside_the_run).
    reason = _missing("dask")
    if reason:
        pytest.skip(reason)
    tiny = ["model=[naive,tsb,nb_glm]", "backtest.chunk_size=1", "report.n_samples=200"]
    runs = [run_from_config(compose_config([f"engine={name}", *tiny]), tmp_path / name) for name in ("local", "dask")]
    for name in OUTPUTS:
        assert (runs[1] / name).read_bytes() == (runs[0] / name).read_bytes(), name


@pytest.mark.slow
def test_spark_and_duckdb_run_the_same_sql_to_the_same_values():
    reason = _missing("spark")
    if reason:
        pytest.skip(reason)
    events = pd.DataFrame(
        {
            "dyad": ["A-B", "A-B", "A-B", "A-C"],
            "family": ["f"] * 4,
            "ds": pd.to_datetime(["2021-01-04"] * 3 + ["2021-01-11"]),
            "date": pd.to_datetime(["2021-01-04", "2021-01-04", "2021-01-06", "2021-01-12"]),
            "count": [2.0, 1.0, 3.0, 1.0],
            "goldstein": [1.1, float("nan"), -0.3, 2.0],
            "quad_class": [1.0, 3.0, float("nan"), 2.0],
        }
    )
    # By hand, A-B: Goldstein 2 x 1.1 + 3 x -0.3 = 1.3 over the 5 scored events; days 4 and 6 of January.
    expected = {"count": [6.0, 1.0], "event_days": [2.0, 1.0], "net_cooperation": [2 - 1 - 3, 1.0],
                "goldstein_sum": [1.3, 2.0], "goldstein_mean": [1.3 / 5, 2.0]}
    with panel_sql(Engine(name="spark")) as spark:
        for measure, values in expected.items():
            duck = aggregate_sql(events, measure)
            pd.testing.assert_frame_equal(aggregate_sql(events, measure, spark), duck)
            assert duck["y"].tolist() == pytest.approx(values), measure
            assert duck["n_events"].tolist() == [6.0, 1.0]


def test_chunks_change_only_the_draws_of_models_fitted_apart():
    panel = nb_panel(n_series=3, n_periods=30)
    spec = dict(horizon=2, n_windows=2, step=2, n_samples=20)
    models = {"naive": Naive(), "tsb": StatsForecastModel("TSB", params={"alpha_d": 0.2, "alpha_p": 0.2}), "nb_glm": NegativeBinomialGLM(n_paths=50)}
    whole = run_backtest(panel, models, BacktestSpec(**spec)).frame
    chunked = run_backtest(panel, models, BacktestSpec(**spec, chunk_size=2)).frame
    assert len(chunked) == len(whole) == 3 * 2 * 3 * 2
    draws = ["crps_sample"]
    pd.testing.assert_frame_equal(chunked.drop(columns=draws), whole.drop(columns=draws))
    pooled = whole["model"] == "nb_glm"  # pooling models are fitted on the whole panel in any case
    pd.testing.assert_series_equal(chunked.loc[pooled, "crps_sample"], whole.loc[pooled, "crps_sample"])
    # s0, s1 form chunk 0 and s2 chunk 1: new seeds, new draws, for the models fitted apart.
    assert not chunked.loc[~pooled, "crps_sample"].equals(whole.loc[~pooled, "crps_sample"])
    again = run_backtest(panel, models, BacktestSpec(**spec, chunk_size=2, n_jobs=2)).frame
    pd.testing.assert_frame_equal(again, chunked)


def test_chunk_size_below_one_is_refused():
    with pytest.raises(ArgumentError, match="chunk_size: must be >= 1 or null, got 0"):
        BacktestSpec(chunk_size=0)


def test_unknown_engine_and_missing_package_name_the_key_and_the_fix(monkeypatch):
    with pytest.raises(ArgumentError, match=r"name: 'dusk' is unknown; choose one of \['local', 'dask', 'ray', 'spark'\]"):
        Engine(name="dusk")
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ArgumentError, match=r"engine=ray needs ray, which is not installed: pip install 'forecast\[engines\]'"):
        check_installed("ray")
    check_installed("local")  # nothing to install
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ArgumentError, match=r"engine=spark needs Java, which is not on PATH: .*openjdk-17-jre-headless"):
        check_installed("spark")


def test_local_engine_keeps_backtest_n_jobs():
    with backtest_backend(Engine(), 3) as n_jobs:
        assert n_jobs == 3


def test_engine_config_is_composed_and_local_by_default():
    assert compose_config([]).engine.name == "local"
    dask = compose_config(["engine=dask", "engine.address=tcp://10.0.0.1:8786"]).engine
    assert (dask.name, dask.n_workers, dask.address) == ("dask", 2, "tcp://10.0.0.1:8786")


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "backend"), [("dask", "DaskDistributedBackend"), ("ray", "RayBackend")])
def test_cluster_engine_is_joblibs_backend_inside_the_run(engine, backend):
    # The byte-equality test above would also pass if an engine quietly ran locally.
    from joblib.parallel import get_active_backend

    reason = _missing(engine)
    if reason:
        pytest.skip(reason)
    with backtest_backend(Engine(name=engine, n_workers=1), 1) as n_jobs:
        assert type(get_active_backend()[0]).__name__ == backend
        assert n_jobs == 1
    assert type(get_active_backend()[0]).__name__ == "LokyBackend"
