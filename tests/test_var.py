"""The Poisson VAR finds a cross-dyad effect simulated by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models import PoissonVAR


def test_var_recovers_cross_dyad_coefficient():
    # log mu_a(t) = 0.5 + 0.6 log1p(y_b(t-1)); b is Poisson(3) white noise; weak ridge.
    rng = np.random.default_rng(5)
    n = 3000
    b = rng.poisson(3.0, size=n).astype(float)
    a = np.zeros(n)
    a[1:] = rng.poisson(np.exp(0.5 + 0.6 * np.log1p(b[:-1])))
    dates = pd.date_range("2000-01-03", periods=n, freq="W-MON")
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], n), "ds": np.tile(dates, 2), "y": np.concatenate([a, b])})
    model = PoissonVAR(lags=1, l2=1e-4).fit(panel)
    # coef_[i, j]: effect of lag-1 log1p(y_j) on series i (ids sorted: a, b)
    np.testing.assert_allclose(model.coef_[0], [0.0, 0.6], atol=0.05)
    np.testing.assert_allclose(model.coef_[1], [0.0, 0.0], atol=0.05)
    assert abs(model.intercept_[0] - 0.5) < 0.1
    assert np.all(model.alpha_ < 0.05)  # Poisson data: no over-dispersion found


def test_var_forecasts_a_series_above_a_million_at_its_own_level():
    # The path guard once capped every simulated mean at 1e6, so a level of 3e6 came out as 1e6.
    rng = np.random.default_rng(0)
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    y = np.concatenate([rng.poisson(3e6, 30), rng.poisson(5.0, 30)]).astype(float)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(dates, 2), "y": y})
    means = PoissonVAR(n_paths=200).fit(panel).predict(2).groupby("unique_id")["mean"].mean()
    np.testing.assert_allclose(means["a"], 3e6, rtol=0.01)
