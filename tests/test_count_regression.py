"""Count regressions recover known coefficients from data simulated outside the code under test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.models import HurdleNBGLM, NegativeBinomialGLM, PoissonGLM, ZeroInflatedNBGLM, count_regression
from forecast.models.base import ConvergenceError
from tests.helpers import nb_panel

INTERCEPTS = np.array([0.2, 0.5, 0.8, 1.1])
B_LAG1, B_LAG2, C_MEAN4, ALPHA = 0.30, 0.10, 0.15, 0.40


def simulate(n_periods: int, zero_share: float = 0.0, seed: int = 1) -> pd.DataFrame:
    """NB2 autoregression written out by hand: log mu = a_i + 0.3 log1p(y_t-1) + 0.1 log1p(y_t-2)
    + 0.15 log1p(mean of the last 4); optional extra zeros with probability ``zero_share``."""
    rng = np.random.default_rng(seed)
    n = len(INTERCEPTS)
    y = np.zeros((n, n_periods))
    y[:, :4] = rng.poisson(3.0, size=(n, 4))
    for t in range(4, n_periods):
        log_mu = INTERCEPTS + B_LAG1 * np.log1p(y[:, t - 1]) + B_LAG2 * np.log1p(y[:, t - 2])
        log_mu += C_MEAN4 * np.log1p(y[:, t - 4 : t].mean(axis=1))
        mu = np.exp(log_mu)
        size = 1 / ALPHA
        y[:, t] = rng.negative_binomial(size, size / (size + mu))
        y[:, t] *= rng.uniform(size=n) >= zero_share
    dates = pd.date_range("2000-01-03", periods=n_periods, freq="W-MON")
    return pd.DataFrame(
        {"unique_id": np.repeat([f"s{i}" for i in range(n)], n_periods), "ds": np.tile(dates, n), "y": y.ravel()}
    )


def test_nb_glm_recovers_known_coefficients():
    # 4 series x 600 periods: standard errors are ~0.03 on the lag terms, so 0.1 is > 3 s.e.
    model = NegativeBinomialGLM(lags=2, window=4, cross_dyad=False, trend=False).fit(simulate(600))
    np.testing.assert_allclose(model.coef_, [B_LAG1, B_LAG2, C_MEAN4], atol=0.1)
    np.testing.assert_allclose(model.intercepts_, INTERCEPTS, atol=0.25)
    assert abs(model.alpha_ - ALPHA) < 0.08
    assert model.feature_names() == ["log1p_lag1", "log1p_lag2", "log1p_mean4"]


def test_poisson_glm_mean_matches_nb_but_ignores_dispersion():
    panel = simulate(600)
    nb = NegativeBinomialGLM(cross_dyad=False, trend=False).fit(panel)
    poisson = PoissonGLM(cross_dyad=False, trend=False).fit(panel)
    # Same conditional mean model: the coefficients agree; Poisson intervals are narrower.
    np.testing.assert_allclose(poisson.coef_, nb.coef_, atol=0.1)
    width = lambda m: (m.predict(1, (0.1, 0.9))[["q0.1", "q0.9"]].diff(axis=1)["q0.9"]).mean()
    assert width(poisson) < width(nb)


def test_zero_inflated_nb_finds_the_extra_zeros():
    # 30% of draws zeroed independently of everything: the inflation intercept is logit(0.3) = -0.85
    model = ZeroInflatedNBGLM(cross_dyad=False, trend=False).fit(simulate(600, zero_share=0.3))
    share = 1 / (1 + np.exp(-model.inflate_coef_[0]))
    assert 0.15 < share < 0.45
    np.testing.assert_allclose(model.intercepts_, INTERCEPTS, atol=0.35)


@pytest.mark.parametrize("model_class", [PoissonGLM, NegativeBinomialGLM, ZeroInflatedNBGLM, HurdleNBGLM])
def test_simulated_forecast_mean_tracks_the_level(model_class):
    panel = simulate(300, zero_share=0.2)
    model = model_class(cross_dyad=True, trend=False, n_paths=2000).fit(panel)
    mean = model.predict(1)["mean"].to_numpy()
    # one-step means sit near each series' recent level (within a factor 2)
    recent = panel.groupby("unique_id")["y"].apply(lambda s: s.iloc[-20:].mean()).to_numpy()
    assert np.all(mean > recent / 2) and np.all(mean < recent * 2)


def test_period_of_year_terms_recover_a_known_annual_cycle():
    # log mu = 1 + 0.5 sin(2 pi (dayofyear - 1) / 365.25), no dynamics, 10 years of weeks.
    dates = pd.date_range("2000-01-03", periods=520, freq="W-MON")
    phase = 2 * np.pi * (dates.dayofyear.to_numpy() - 1) / 365.25
    rng = np.random.default_rng(2)
    y = rng.poisson(np.exp(1.0 + 0.5 * np.sin(phase)), size=(3, len(dates))).astype(float)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], len(dates)), "ds": np.tile(dates, 3), "y": y.ravel()})
    model = PoissonGLM(lags=1, window=4, cross_dyad=False, trend=False, season_harmonics=1).fit(panel)
    names = model.feature_names()
    assert names == ["log1p_lag1", "log1p_mean4", "sin_year1", "cos_year1"]
    coef = dict(zip(names, model.coef_))
    assert abs(coef["sin_year1"] - 0.5) < 0.06 and abs(coef["cos_year1"]) < 0.06


def test_non_converged_hurdle_is_a_convergence_error():
    # One constant series among NB ones: statsmodels reports the zero part unconverged.
    panel = nb_panel(n_series=3, n_periods=30)
    panel.loc[panel["unique_id"] == "s0", "y"] = 5.0
    with pytest.raises(ConvergenceError, match="HurdleNBGLM: the statsmodels fit did not converge"):
        HurdleNBGLM(trend=True, series_effects="level", n_paths=100).fit(panel)


def test_dispersion_above_the_cap_is_a_convergence_error(monkeypatch):
    panel = simulate(200)
    fitted = NegativeBinomialGLM(cross_dyad=False, trend=False).fit(panel)  # alpha near 0.4
    monkeypatch.setattr(count_regression, "MAX_DISPERSION", fitted.alpha_ * 1.01)
    NegativeBinomialGLM(cross_dyad=False, trend=False).fit(panel)  # at the cap: accepted
    monkeypatch.setattr(count_regression, "MAX_DISPERSION", fitted.alpha_ * 0.99)
    with pytest.raises(ConvergenceError, match=r"NB2 dispersion alpha=0\.\d+ exceeds"):
        NegativeBinomialGLM(cross_dyad=False, trend=False).fit(panel)


def test_forecast_above_the_history_bound_is_a_convergence_error(monkeypatch):
    panel = simulate(200)
    model = PoissonGLM(cross_dyad=False, trend=False, n_paths=200).fit(panel)
    means = model.distribution(3).mean().mean(axis=1)
    largest = panel.groupby("unique_id")["y"].max().to_numpy()
    # Bound = scale x max(history) + offset: just above the largest ratio passes, just below fails.
    ratio = float(np.max(means / largest))
    monkeypatch.setattr(count_regression, "FORECAST_OFFSET", 0.0)
    monkeypatch.setattr(count_regression, "FORECAST_SCALE", ratio * 1.001)
    model.distribution(3)
    monkeypatch.setattr(count_regression, "FORECAST_SCALE", ratio * 0.999)
    with pytest.raises(ConvergenceError, match=r"mean forecast .* for series 's\d' exceeds .* an explosive fit"):
        model.distribution(3)


@pytest.mark.parametrize("series_effects", ["dummies", "level"])
def test_a_singular_hurdle_design_is_a_convergence_error_that_names_the_cause(series_effects):
    # Only s1 has positive counts: the zero-truncated part's series columns are collinear.
    panel = nb_panel(n_series=2, n_periods=30)
    panel.loc[panel["unique_id"] == "s0", "y"] = 0.0
    with pytest.raises(ConvergenceError, match="HurdleNBGLM: the likelihood's Hessian is singular .* all-zero series"):
        HurdleNBGLM(trend=False, series_effects=series_effects, n_paths=100).fit(panel)


def test_nb_glm_on_counts_without_overdispersion_is_the_poisson_glm():
    # Poisson counts: the NB2 likelihood rises all the way to alpha = 0, where neither Newton
    # nor BFGS converges; the maximum on that boundary is the Poisson GLM's.
    rng = np.random.default_rng(3)
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    y = np.concatenate([rng.poisson(level, 30) for level in (2, 20, 200)]).astype(float)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b", "c"], 30), "ds": np.tile(dates, 3), "y": y})
    nb = NegativeBinomialGLM(trend=False, n_paths=100).fit(panel)
    poisson = PoissonGLM(trend=False, n_paths=100).fit(panel)
    assert nb.alpha_ == 0.0
    np.testing.assert_allclose(nb.intercepts_, poisson.intercepts_)
    np.testing.assert_allclose(nb.coef_, poisson.coef_)


@pytest.mark.parametrize("model_class", [PoissonGLM, NegativeBinomialGLM])
def test_a_series_above_a_million_is_forecast_at_its_own_level(model_class):
    # The path guard once capped every simulated mean at 1e6, so a level of 3e6 came out as 1e6.
    rng = np.random.default_rng(0)
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    y = np.concatenate([rng.poisson(3e6, 30), rng.negative_binomial(2, 0.2, 30)]).astype(float)
    panel = pd.DataFrame({"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(dates, 2), "y": y})
    means = model_class(trend=False, n_paths=200).fit(panel).predict(2).groupby("unique_id")["mean"].mean()
    np.testing.assert_allclose(means["a"], 3e6, rtol=0.01)
