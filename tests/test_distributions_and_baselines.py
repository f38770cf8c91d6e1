"""Count distributions and baseline rules against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from forecast.models import (
    Conflictology,
    HistoricAverage,
    Naive,
    NegativeBinomial,
    PoissonLogNormal,
    QuantileGrid,
    SamplePaths,
    SeasonalNaive,
    StatsForecastModel,
    WindowAverage,
    Zero,
)
from forecast.backtest.scoring import distribution_scores
from forecast.models.distributions import nb_dispersion


def test_negative_binomial_quantiles_by_hand():
    # mu=2, alpha=0.5 -> size 2, p 0.5: P(k) = (k+1)/2^(k+2); cdf 0.25, 0.5, 0.6875, 0.8125, 0.8906, 0.9375
    dist = NegativeBinomial(mu=np.array([[2.0]]), alpha=np.array([[0.5]]))
    assert dist.quantile(0.5)[0, 0] == 1
    assert dist.quantile(0.9)[0, 0] == 5
    assert dist.quantile(0.2)[0, 0] == 0


def test_poisson_limit_and_zero_mean():
    # Poisson(1): cdf 0.3679, 0.7358, 0.9197
    dist = NegativeBinomial(mu=np.array([[1.0, 0.0]]), alpha=np.array([[0.0, 0.0]]))
    assert dist.quantile(0.5).tolist() == [[1.0, 0.0]]
    assert dist.quantile(0.9).tolist() == [[2.0, 0.0]]


def test_negative_binomial_sampling_moments():
    dist = NegativeBinomial(mu=np.array([[4.0]]), alpha=np.array([[0.5]]))
    draws = dist.sample(200_000, np.random.default_rng(0))[0, 0]
    assert abs(draws.mean() - 4.0) < 0.05
    assert abs(draws.var() - (4.0 + 0.5 * 16.0)) < 0.3  # mu + alpha mu^2 = 12


def test_sample_paths_quantiles_are_draws():
    dist = SamplePaths(paths=np.array([[[0.0, 1.0, 1.0, 5.0]]]))
    assert dist.mean()[0, 0] == 1.75
    assert dist.quantile(0.5)[0, 0] == 1.0
    assert dist.quantile(0.9)[0, 0] == 5.0


def test_dispersion_by_hand():
    # excess = (0-4)^2-4 + (8-4)^2-4 = 24; scale = 16+16 = 32 -> alpha 0.75
    assert nb_dispersion(np.array([[0.0, 8.0]]), np.array([[4.0, 4.0]]))[0] == 0.75
    # under-dispersed residuals are floored at Poisson
    assert nb_dispersion(np.array([[4.0, 4.0]]), np.array([[4.0, 4.0]]))[0] == 0.0
    # periods without a fitted value are ignored
    assert nb_dispersion(np.array([[100.0, 0.0, 8.0]]), np.array([[np.nan, 4.0, 4.0]]))[0] == 0.75


def test_baseline_point_rules():
    panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2021-01-04", periods=6, freq="W-MON"), "y": [1, 2, 3, 4, 5, 9.0]})
    assert Naive().fit(panel).predict(2)["mean"].tolist() == [9.0, 9.0]
    assert WindowAverage(window=3).fit(panel).predict(1)["mean"].tolist() == [6.0]
    # in-sample 2-step forecasts of a window-2 mean: y[t] predicted by mean(y[t-3], y[t-2])
    fitted = WindowAverage(window=2)._in_sample(np.array([[1.0, 2, 3, 4, 5, 6]]), 2)
    np.testing.assert_array_equal(fitted[0, 3:], [1.5, 2.5, 3.5])
    assert np.isnan(fitted[0, :3]).all()


def test_zero_historic_average_and_seasonal_naive_by_hand():
    panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2021-01-04", periods=6, freq="W-MON"), "y": [1, 2, 3, 4, 5, 9.0]})
    zero = Zero().fit(panel).predict(2, (0.1, 0.9))
    assert zero[["mean", "q0.1", "q0.9"]].to_numpy().tolist() == [[0.0, 0.0, 0.0]] * 2
    assert HistoricAverage().fit(panel).predict(1)["mean"].tolist() == [4.0]  # 24 / 6
    # season 4: the last season is [3, 4, 5, 9]; h=5 wraps back to 3
    assert SeasonalNaive(season_length=4).fit(panel).predict(5)["mean"].tolist() == [3.0, 4.0, 5.0, 9.0, 3.0]
    # 1-step historic average of y[t] is mean(y[:t]): t=1 -> 1, t=2 -> 1.5, t=3 -> 2
    fitted = HistoricAverage()._in_sample(np.array([[1.0, 2, 3, 4]]), 1)
    np.testing.assert_array_equal(fitted[0, 1:], [1.0, 1.5, 2.0])
    # season 2, step 3: y[t] predicted by y[t - 4]
    fitted = SeasonalNaive(season_length=2)._in_sample(np.array([[1.0, 2, 3, 4, 5, 6]]), 3)
    np.testing.assert_array_equal(fitted[0, 4:], [1.0, 2.0])
    assert np.isnan(fitted[0, :4]).all()


def test_quantile_grid_by_hand():
    # linear between (0.25, 1), (0.5, 2), (0.75, 4): q0.6 -> 2 + 0.4 * 2 = 2.8 -> 3; flat outside
    dist = QuantileGrid(levels=np.array([0.25, 0.5, 0.75]), values=np.array([[[1.0, 2.0, 4.0], [-3.0, -1.0, 0.4]]]), point=np.array([[2.0, 0.0]]))
    assert dist.quantile(0.6).tolist() == [[3.0, 0.0]]
    assert dist.quantile(0.1).tolist() == [[1.0, 0.0]]
    assert dist.quantile(0.99).tolist() == [[4.0, 0.0]]
    draws = dist.sample(20_000, np.random.default_rng(0))
    assert set(np.unique(draws[0, 0])) <= {1.0, 2.0, 3.0, 4.0}
    assert np.all(draws[0, 1] == 0)
    # P(round(X) <= 1) = P(X < 1.5) = 0.25 + 0.25 * 0.5 = 0.375 (the lower flat part holds 0.25)
    assert abs((draws[0, 0] <= 1).mean() - 0.375) < 0.015


def test_quantile_grid_cdf_by_hand_and_against_its_draws():
    from forecast.models.distributions import QuantileGrid

    # Q(0.1)=0, Q(0.5)=2, Q(0.9)=4, linear between, flat outside. Y = round(Q(U)):
    # P(Y<=0) = P(Q<0.5) = 0.1 + 0.25*0.4 = 0.2; P(Y<=1) = P(Q<1.5) = 0.4; P(Y<=4) = 1.
    grid = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[0.0, 2.0, 4.0]]]), point=np.array([[2.0]]))
    np.testing.assert_allclose(grid.cdf(np.array([[[-1.0, 0.0, 1.0, 4.0]]]))[0, 0], [0.0, 0.2, 0.4, 1.0])
    np.testing.assert_allclose(grid.pmf(np.array([[1.0]])), [[0.2]])
    draws = grid.sample(100_000, np.random.default_rng(1))[0, 0]
    assert abs((draws <= 1).mean() - 0.4) < 0.01


def _poisson_lognormal_cdf_by_quad(k: float, mu: float, alpha: float) -> float:
    """``P(Y <= k)`` of the Poisson-log-normal by adaptive quadrature over the normal shock."""
    s = np.sqrt(np.log1p(alpha))
    integrand = lambda z: stats.poisson.cdf(k, mu * np.exp(s * z - s * s / 2)) * stats.norm.pdf(z)  # noqa: E731
    return integrate.quad(integrand, -12, 12, epsabs=1e-13, limit=200)[0]


def test_poisson_lognormal_cdf_matches_adaptive_quadrature():
    mu, alpha = np.array([[3.0, 20.0, 50.0, 0.4]]), np.array([[0.3, 0.1, 0.05, 2.0]])
    k = np.array([[2.0, 25.0, 40.0, 0.0]])
    expected = [_poisson_lognormal_cdf_by_quad(*args) for args in zip(k[0], mu[0], alpha[0])]
    np.testing.assert_allclose(PoissonLogNormal(mu, alpha).cdf(k)[0], expected, atol=1e-9)


def test_poisson_lognormal_is_poisson_without_dispersion_and_zero_at_zero_mean():
    # Poisson(1): cdf 0.3679, 0.7358, 0.9197 -> median 1, 0.9-quantile 2
    dist = PoissonLogNormal(mu=np.array([[1.0, 0.0]]), alpha=np.array([[0.0, 0.7]]))
    assert dist.quantile(0.5).tolist() == [[1.0, 0.0]]
    assert dist.quantile(0.9).tolist() == [[2.0, 0.0]]
    np.testing.assert_allclose(dist.cdf(np.array([[1.0, 0.0]])), [[2 * np.exp(-1), 1.0]], rtol=1e-12)
    assert dist.cdf(np.array([[-1.0, -1.0]])).tolist() == [[0.0, 0.0]]


def test_poisson_lognormal_quantile_is_the_smallest_count_reaching_the_level():
    dist = PoissonLogNormal(mu=np.array([[0.7, 6.0, 90.0]]), alpha=np.array([[1.5, 0.2, 0.4]]))
    for q in (0.05, 0.1, 0.5, 0.9, 0.99):
        k = dist.quantile(q)
        assert np.all(dist.cdf(k) >= q) and np.all(dist.cdf(k - 1) < q)


def test_poisson_lognormal_has_the_negative_binomial_mean_and_variance_but_a_sharper_centre():
    mu, alpha = np.array([[4.0]]), np.array([[0.5]])
    draws = PoissonLogNormal(mu, alpha).sample(400_000, np.random.default_rng(0))[0, 0]
    assert abs(draws.mean() - 4.0) < 0.03
    assert abs(draws.var() - 12.0) < 0.4  # mu + alpha mu^2, as the NB
    # same variance, more mass at the centre: the interquartile range is narrower than the NB's
    pln, nb = PoissonLogNormal(mu, alpha), NegativeBinomial(mu, alpha)
    assert (pln.quantile(0.75) - pln.quantile(0.25))[0, 0] < (nb.quantile(0.75) - nb.quantile(0.25))[0, 0]
    # ...and a longer right tail
    assert pln.quantile(0.999)[0, 0] > nb.quantile(0.999)[0, 0]


def test_statsforecast_adapter_puts_either_count_law_around_the_same_point_forecast():
    rng = np.random.default_rng(3)
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    panel = pd.DataFrame(
        {"unique_id": np.repeat(["a", "b"], 30), "ds": np.tile(dates, 2), "y": rng.negative_binomial(2, 0.2, 60).astype(float)}
    )
    nb = StatsForecastModel("TSB", {"alpha_d": 0.2, "alpha_p": 0.2}).fit(panel).distribution(4)
    pln = StatsForecastModel("TSB", {"alpha_d": 0.2, "alpha_p": 0.2}, count_distribution="poisson_lognormal")
    law = pln.fit(panel).distribution(4)
    assert isinstance(nb, NegativeBinomial) and isinstance(law, PoissonLogNormal)
    np.testing.assert_array_equal(law.mu, nb.mu)
    np.testing.assert_array_equal(law.alpha, nb.alpha)


def test_statsforecast_adapter_rejects_an_unknown_or_conflicting_count_law():
    panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2021-01-04", periods=12, freq="W-MON"), "y": 3.0})
    with pytest.raises(ValueError, match=r"StatsForecastModel.count_distribution='gaussian'.*poisson_lognormal"):
        StatsForecastModel("TSB", count_distribution="gaussian").fit(panel)
    with pytest.raises(ValueError, match="drop one of them"):
        StatsForecastModel("TSB", conformal_windows=2, count_distribution="poisson_lognormal").fit(panel)


def test_conflictology_is_the_flat_empirical_law_of_the_window():
    dates = pd.date_range("2021-01-04", periods=6, freq="W-MON")
    panel = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [50.0, 0, 0, 1, 1, 6]})
    fitted = Conflictology(window=4).fit(panel)  # window counts 0, 1, 1, 6 (the 50 is older)
    frame = fitted.predict(3, quantiles=(0.25, 0.5, 0.75, 0.9))
    assert frame["mean"].tolist() == [2.0] * 3
    # inverted CDF: F(0) = 1/4, F(1) = 3/4, F(6) = 1 -> q0.25 = 0, q0.5 = 1, q0.75 = 1, q0.9 = 6
    assert frame[["q0.25", "q0.5", "q0.75", "q0.9"]].to_numpy().tolist() == [[0.0, 1.0, 1.0, 6.0]] * 3
    dist = fitted.distribution(2)
    np.testing.assert_array_equal(dist.cdf(np.array([[0.0, 5.0]])), [[0.25, 0.75]])
    # Exact CRPS of y = 2: sum_k (F(k) - 1{2 <= k})^2 = 1/16 + 9/16 + (4 * 1/16 for k = 2..5) = 14/16
    scores = distribution_scores(dist, np.array([[2.0, 2.0]]), np.array([10.0]), 0, np.random.default_rng(0))
    np.testing.assert_allclose(scores["rps"], [[14 / 16, 14 / 16]])
    with pytest.raises(ValueError, match="window=7 must be between 1 and the 6 periods"):
        Conflictology(window=7).fit(panel)


def test_conflictology_defaults_to_eight_periods_and_seed_zero():
    # Ten weeks: the two oldest are 40s, so a 9- or 10-week window would put 40 in the law.
    dates = pd.date_range("2021-01-04", periods=10, freq="W-MON")
    panel = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [40.0, 40, 0, 0, 1, 1, 2, 2, 3, 3]})
    fitted = Conflictology().fit(panel)
    assert fitted.predict(1, quantiles=(0.99,))["q0.99"].tolist() == [3.0]
    assert fitted.predict(1)["mean"].tolist() == [1.5]  # (0+0+1+1+2+2+3+3) / 8
    # Without a generator, draws come from default_rng(seed) with seed 0, the same on every call.
    expected = fitted.distribution(2).sample(50, np.random.default_rng(0))
    np.testing.assert_array_equal(fitted.sample(2, 50), expected)
    np.testing.assert_array_equal(Conflictology(seed=0).fit(panel).sample(2, 50), expected)
    assert not np.array_equal(Conflictology(seed=1).fit(panel).sample(2, 50), expected)


def test_conflictology_window_refusal_names_the_model():
    dates = pd.date_range("2021-01-04", periods=3, freq="W-MON")
    panel = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"^window: Conflictology window=8 must be between 1 and the 3 periods"):
        Conflictology().fit(panel)


def test_quantile_grid_quantile_is_the_smallest_count_reaching_the_level():
    # Q(0.5) = 1.5: Y = round(Q(U)) <= 1 exactly when Q(U) < 1.5, i.e. U < 0.5, so F(1) = 0.5 and
    # the median is 1, not the 2 that rounding 1.5 half up gives. A flat Q = 1.5 puts all mass on 2.
    rising = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[0.0, 1.5, 3.0]]]), point=np.array([[1.5]]))
    assert rising.cdf(np.array([[1.0]])).item() == 0.5
    assert rising.quantile(0.5).item() == 1.0
    flat = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[1.5, 1.5, 1.5]]]), point=np.array([[1.5]]))
    assert [flat.quantile(q).item() for q in (0.1, 0.5, 0.9)] == [2.0, 2.0, 2.0]
    # Against the definition on random grids, at their own levels and between them.
    rng = np.random.default_rng(7)
    levels = np.array([0.05, 0.25, 0.5, 0.75, 0.95])
    values = np.round(rng.uniform(-2.0, 12.0, size=(40, 3, 5)) * 2) / 2  # half-integers: the ties
    grid = QuantileGrid(levels=levels, values=values, point=np.ones((40, 3)))
    k = np.arange(20.0)
    cdf = grid.cdf(np.broadcast_to(k, (40, 3, 20)))
    for q in [*levels, 0.1, 0.6, 0.9]:
        expected = (cdf < q).sum(axis=-1)  # F is non-decreasing: counts below the first k with F(k) >= q
        np.testing.assert_array_equal(grid.quantile(q), expected)
