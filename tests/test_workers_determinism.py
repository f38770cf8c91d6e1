"""Same config and seed give the same bytes whatever the number of backtest workers."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, run_backtest
from forecast.cli.run import run_from_config
from forecast.models import Naive, NegativeBinomialGLM
from tests.helpers import compose_config, nb_panel


@pytest.mark.slow
def test_default_run_is_byte_identical_with_one_and_two_workers(tmp_path):
    one = run_from_config(compose_config(["backtest.n_jobs=1"]), tmp_path / "one")
    two = run_from_config(compose_config(["backtest.n_jobs=2"]), tmp_path / "two")
    for name in ("forecasts.parquet", "backtest.parquet", "metrics.csv", "failures.csv"):
        assert (one / name).read_bytes() == (two / name).read_bytes(), name
    assert pd.read_parquet(one / "backtest.parquet")["cutoff"].nunique() == 3  # the windows really were split


def test_series_by_series_refits_draw_from_per_series_streams():
    # A ragged panel makes naive refit series by series; its draws must not depend on the worker.
    panel = nb_panel(n_series=3, n_periods=30)
    ragged = panel[(panel["unique_id"] != "s2") | (panel["ds"] >= panel["ds"].min() + pd.Timedelta(weeks=3))]
    spec = dict(horizon=2, n_windows=3, step=2, n_samples=20)
    models = {"naive": Naive(), "nb_glm": NegativeBinomialGLM(n_paths=50)}
    serial = run_backtest(ragged, models, BacktestSpec(**spec, n_jobs=1))
    parallel = run_backtest(ragged, models, BacktestSpec(**spec, n_jobs=2))
    pd.testing.assert_frame_equal(serial.frame, parallel.frame)
    pd.testing.assert_frame_equal(serial.failures, parallel.failures)
    assert serial.frame["crps_sample"].notna().all() and len(serial.failures) == 3 * 3  # nb_glm: 3 series x 3 cutoffs
