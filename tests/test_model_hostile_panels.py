"""Property: every model config forecasts finite, non-negative counts on hostile short panels, or records why not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecast.backtest import BacktestSpec, final_forecasts
from forecast.cli.instantiate import build
from tests.helpers import compose_config, model_config_names

SPEC = BacktestSpec(horizon=3, n_windows=1, quantiles=(0.1, 0.5, 0.9))


@st.composite
def hostile_panels(draw) -> pd.DataFrame:
    """2-3 weekly series of 3-16 periods: random small counts, one constant level, or all zero."""
    n_series, n_periods = draw(st.integers(2, 3)), draw(st.integers(3, 16))
    kind = draw(st.sampled_from(["random", "constant", "zero"]))
    if kind == "random":
        values = np.array(draw(st.lists(st.integers(0, 40), min_size=n_series * n_periods, max_size=n_series * n_periods)))
    else:
        values = np.full(n_series * n_periods, 0 if kind == "zero" else draw(st.integers(1, 30)))
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    ids = [f"s{i}" for i in range(n_series)]
    return pd.DataFrame({"unique_id": np.repeat(ids, n_periods), "ds": np.tile(dates, n_series), "y": values.astype(float)})


@pytest.mark.parametrize("name", model_config_names())
def test_forecasts_are_finite_counts_or_recorded_failures(name):
    cfg = compose_config([f"model={name}"])
    (key,) = cfg.model.keys()
    models = {key: build(cfg.model[key], where=f"model.{key}")}

    @settings(max_examples=6, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(panel=hostile_panels())
    def check(panel):
        result = final_forecasts(panel, models, SPEC)
        values = result.frame[["mean", "q0.1", "q0.5", "q0.9"]].to_numpy(dtype=float) if len(result.frame) else np.empty((0, 4))
        assert np.all(np.isfinite(values)) and np.all(values >= 0)
        forecast = set(result.frame["unique_id"]) if len(result.frame) else set()
        failed = set(result.failures["unique_id"])
        assert forecast | failed == set(panel["unique_id"]) and not forecast & failed
        assert all(isinstance(reason, str) and reason for reason in result.failures["reason"])

    check()
