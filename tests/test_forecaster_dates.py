"""The base forecaster keeps the training dates and builds every long frame from them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.models import Naive, StatsForecastModel
from tests.helpers import nb_panel


def test_fit_keeps_the_training_dates_and_long_frame_rebuilds_the_panel():
    panel = nb_panel(n_series=3, n_periods=12).sample(frac=1.0, random_state=0)  # row order must not matter
    model = Naive().fit(panel)
    expected = panel.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    pd.testing.assert_index_equal(model.dates_, pd.DatetimeIndex(sorted(panel["ds"].unique()), name="ds"))
    pd.testing.assert_frame_equal(model.long_frame(model.y_), expected)


def test_future_long_frame_is_dated_after_the_panel():
    model = Naive().fit(nb_panel(n_series=2, n_periods=10, start="2021-01-04"))
    values = np.arange(6.0).reshape(2, 3)
    frame = model.long_frame(values, "mean", future=True)
    weeks = pd.date_range("2021-03-15", periods=3, freq="W-MON")  # 10 weeks after 2021-01-04
    assert frame["ds"].tolist() == [*weeks, *weeks]
    assert frame["unique_id"].tolist() == ["s0"] * 3 + ["s1"] * 3
    assert frame["mean"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ValueError, match="needs 2 series x 10 dates, got shape \\(2, 3\\)"):
        model.long_frame(values)


def test_refit_replaces_the_dates():
    model = Naive().fit(nb_panel(n_periods=12))
    model.fit(nb_panel(n_periods=8))
    assert len(model.dates_) == 8 and model.n_periods_ == 8


def test_stats_adapter_fits_the_panel_it_was_given():
    panel = nb_panel(n_series=2, n_periods=16)
    model = StatsForecastModel("Naive").fit(panel)
    pd.testing.assert_frame_equal(model.frame_, panel.sort_values(["unique_id", "ds"]).reset_index(drop=True))


def test_bad_horizon_and_levels_name_the_argument():
    model = Naive().fit(nb_panel(n_periods=12))
    with pytest.raises(ArgumentError, match="^h: the horizon must be >= 1, got 0"):
        model.distribution(0)
    with pytest.raises(ArgumentError, match="^quantiles: levels must lie in \\(0, 1\\)"):
        model.predict(2, [0.5, 1.0])
