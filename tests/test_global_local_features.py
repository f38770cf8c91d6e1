"""GlobalLGBMQuantile's local-forecast features (issue 17): hand-computed recursions, no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.backtest import BacktestSpec, rolling_origin
from forecast.models import GlobalLGBMQuantile
from forecast.models.global_ml import local_forecasts
from tests.helpers import nb_panel


def test_local_forecasts_by_hand():
    # y = 0, 2, 0, 4. Columns: TSB(0.1, 0.1), Croston-SBA(0.1), SES(0.1), SES(0.3), historic mean.
    out = local_forecasts(np.array([[0.0, 2.0, 0.0, 4.0]]))[0]
    assert np.isnan(out[0]).all()  # nothing seen yet
    np.testing.assert_allclose(out[1], [0.0, 0.0, 0.0, 0.0, 0.0])
    # First demand 2 after an interval of 2: p = 0.1, size 2; SBA 0.95 * 2 / 2.
    np.testing.assert_allclose(out[2], [0.2, 0.95, 0.2, 0.6, 1.0])
    np.testing.assert_allclose(out[3], [0.18, 0.95, 0.18, 0.42, 2 / 3])
    # Second demand 4, interval 2: size 2.2, p 0.181; SBA 0.95 * 2.2 / 2.
    np.testing.assert_allclose(out[4], [0.181 * 2.2, 1.045, 0.562, 1.494, 1.5])


def test_local_forecast_features_do_not_see_after_the_cutoff():
    panel = nb_panel(n_series=6, n_periods=30)
    model = GlobalLGBMQuantile(max_horizon=4, n_estimators=20, min_child_samples=5, local_forecasts=True)
    spec = BacktestSpec(horizon=4, n_windows=2, step=4, quantiles=(0.1, 0.5, 0.9), n_samples=20)
    base = rolling_origin(panel, {"m": model}, spec)
    first = base["cutoff"].min()
    tampered = panel.copy()
    later = tampered["ds"] > first
    tampered.loc[later, "y"] = tampered.loc[later, "y"] * 4 + 30
    changed = rolling_origin(tampered, {"m": model}, spec)
    cols = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    at_first = base["cutoff"] == first
    pd.testing.assert_frame_equal(
        base[at_first][cols].reset_index(drop=True), changed[changed["cutoff"] == first][cols].reset_index(drop=True)
    )
    assert not np.allclose(base.loc[~at_first, "q0.5"], changed.loc[(changed["cutoff"] != first).to_numpy(), "q0.5"])


def test_local_forecast_features_change_the_forecast():
    panel = nb_panel(n_series=6, n_periods=30)
    plain = GlobalLGBMQuantile(max_horizon=2, n_estimators=20, min_child_samples=5).fit(panel)
    local = GlobalLGBMQuantile(max_horizon=2, n_estimators=20, min_child_samples=5, local_forecasts=True).fit(panel)
    assert local.features_.shape[1] == plain.features_.shape[1] + 5
    assert not np.allclose(plain.predict(2)["q0.5"], local.predict(2)["q0.5"])  # the trees use them
