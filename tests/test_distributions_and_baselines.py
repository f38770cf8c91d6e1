"""Count distributions and baseline rules against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.models import (
    HistoricAverage,
    Naive,
    NegativeBinomial,
    QuantileGrid,
    SamplePaths,
    SeasonalNaive,
    WindowAverage,
    Zero,
)
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
