"""Ensembles and the global booster on panels whose right answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models import CRPSWeightedEnsemble, GlobalBoostedPoisson, Naive, QuantileAverage, Zero


def constant_panel(value: float = 10.0, n_periods: int = 30) -> pd.DataFrame:
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    return pd.DataFrame({"unique_id": np.repeat(["a", "b"], n_periods), "ds": np.tile(dates, 2), "y": value})


def test_quantile_average_halves_a_member_averaged_with_zero():
    # Naive on a constant 10 has no residual spread: Poisson(10); averaging its sorted draws
    # with Zero's draws (all 0) at equal weights gives a distribution with mean 5.
    model = QuantileAverage(members=[Zero(), Naive()], n_paths=4000).fit(constant_panel())
    np.testing.assert_allclose(model.weights_, [0.5, 0.5])
    mean = model.predict(2)["mean"].to_numpy()
    np.testing.assert_allclose(mean, 5.0, atol=0.15)


def test_crps_weights_favour_the_member_that_was_right_before_the_cutoff():
    model = CRPSWeightedEnsemble(members=[Zero(), Naive()], n_windows=2, horizon=2, step=1).fit(constant_panel())
    assert model.weights_[1] > 0.9
    assert model.window_crps_[0] > model.window_crps_[1]  # Zero misses a constant 10 by 10 per period


def test_global_booster_conformal_intervals_cover_about_80_percent():
    # 300 NB series with different levels; the last 4 weeks are never seen by the fit.
    rng = np.random.default_rng(11)
    n_series, n_periods = 300, 44
    level = rng.lognormal(1.5, 0.8, size=(n_series, 1))
    y = rng.negative_binomial(3, 3 / (3 + level), size=(n_series, n_periods)).astype(float)
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:03d}" for i in range(n_series)], n_periods),
            "ds": np.tile(dates, n_series),
            "y": y.ravel(),
        }
    )
    train = panel[panel["ds"] < dates[40]]
    forecast = GlobalBoostedPoisson(max_iter=100).fit(train).predict(4, (0.1, 0.9))
    truth = y[:, 40:].ravel()  # ids sort like the generated order
    hit = (truth >= forecast["q0.1"].to_numpy()) & (truth <= forecast["q0.9"].to_numpy())
    # Rounded count quantiles add coverage at the interval ends; 0.72-0.92 allows that and noise.
    assert 0.72 < hit.mean() < 0.92
