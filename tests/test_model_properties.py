"""Model properties against hand counts and scipy: horizon-wise dispersion, residual alignment,
ensemble weights, and no leakage inside a CRPS-weighted ensemble's inner windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.backtest.splits import BacktestSpec, cutoffs, rolling_origin
from forecast.models import (
    CRPSWeightedEnsemble,
    HistoricAverage,
    Naive,
    QuantileAverage,
    SeasonalNaive,
    StatsForecastModel,
    WindowAverage,
    Zero,
)
from forecast.models.distributions import NegativeBinomial, PoissonLogNormal, QuantileGrid, SamplePaths


def _panel(y: np.ndarray, start: str = "2020-01-06") -> pd.DataFrame:
    dates = pd.date_range(start, periods=y.shape[1], freq="W-MON")
    ids = [f"s{i:02d}" for i in range(y.shape[0])]  # sorted like the models sort them
    return pd.DataFrame({"unique_id": np.repeat(ids, y.shape[1]), "ds": np.tile(dates, y.shape[0]), "y": y.ravel()})


def _moment_alpha(y: np.ndarray, forecast: dict[int, float]) -> float:
    """NB2 method of moments by hand over the periods t with a forecast f_t: sum((y-f)^2 - f) / sum(f^2), floored at 0."""
    excess = sum((y[t] - f) ** 2 - f for t, f in forecast.items())
    scale = sum(f**2 for f in forecast.values())
    return max(excess / scale, 0.0) if scale > 0 else 0.0


def _random_walk(n_series: int = 3, n_periods: int = 80, seed: int = 1, start: float = 60.0, step: float = 6.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    level = start + np.cumsum(rng.normal(0.0, step, size=(n_series, n_periods)), axis=1)
    return rng.poisson(np.clip(level, 5.0, None)).astype(float)


# -- dispersion by horizon -----------------------------------------------------------------------


def test_naive_dispersion_grows_with_horizon_on_a_random_walk() -> None:
    # k-step naive errors y_t - y_{t-k} of a random walk (level ~500, steps sd 10) carry the walk's
    # 100 k plus the Poisson noise of both ends, 2 mu; less the NB's own mu, the excess is ~100 k + mu
    # and alpha_k ~ (100 k + 500) / 500^2 grows with k (as the module doc claims): alpha_6 / alpha_1
    # ~ 1100 / 600. Averaged over 20 series so sampling noise stays below the step between leads.
    y = _random_walk(n_series=20, n_periods=200, start=500.0, step=10.0)
    dist = Naive().fit(_panel(y)).distribution(6)
    for i, series in enumerate(y):
        hand = [_moment_alpha(series, {t: series[t - k] for t in range(k, series.size)}) for k in range(1, 7)]
        np.testing.assert_allclose(dist.alpha[i], hand, rtol=1e-12)
    average = dist.alpha.mean(axis=0)
    assert np.all(np.diff(average) > 0)
    assert average[5] / average[0] == pytest.approx(1100 / 600, rel=0.2)
    np.testing.assert_array_equal(dist.mu, np.repeat(y[:, -1:], 6, axis=1))


def test_historic_average_dispersion_does_not_grow_on_iid_counts() -> None:
    # iid Poisson counts: the expanding mean's errors do not grow with the lead, alpha stays ~0.
    y = np.random.default_rng(4).poisson(15.0, size=(2, 120)).astype(float)
    dist = HistoricAverage().fit(_panel(y)).distribution(5)
    for i, series in enumerate(y):
        hand = [
            _moment_alpha(series, {t: series[: t - k + 1].mean() for t in range(k, series.size)}) for k in range(1, 6)
        ]
        np.testing.assert_allclose(dist.alpha[i], hand, rtol=1e-10)
    assert dist.alpha.max() < 0.02
    np.testing.assert_allclose(dist.mu, np.repeat(y.mean(axis=1, keepdims=True), 5, axis=1))


def test_window_average_and_seasonal_naive_errors_by_hand() -> None:
    y = _random_walk(n_series=2, n_periods=40, seed=9)
    w, m = 3, 4
    window = WindowAverage(window=w).fit(_panel(y)).distribution(5)
    seasonal = SeasonalNaive(season_length=m).fit(_panel(y)).distribution(6)
    for i, series in enumerate(y):
        hand_w = [
            _moment_alpha(series, {t: series[t - k - w + 1 : t - k + 1].mean() for t in range(w + k - 1, series.size)})
            for k in range(1, 6)
        ]
        np.testing.assert_allclose(window.alpha[i], hand_w, rtol=1e-10)
        back = {k: m * -(-k // m) for k in range(1, 7)}  # same phase, the latest season before the origin
        hand_s = [_moment_alpha(series, {t: series[t - back[k]] for t in range(back[k], series.size)}) for k in range(1, 7)]
        np.testing.assert_allclose(seasonal.alpha[i], hand_s, rtol=1e-10)
        np.testing.assert_allclose(window.mu[i], series[-w:].mean())
        np.testing.assert_array_equal(seasonal.mu[i], series[[-4, -3, -2, -1, -4, -3]])


def test_zero_is_a_point_mass_at_zero() -> None:
    dist = Zero().fit(_panel(_random_walk(n_series=2, n_periods=12))).distribution(3)
    assert np.all(dist.mean() == 0) and np.all(dist.alpha == 0)
    assert np.all(dist.cdf(np.zeros((2, 3))) == 1.0)


# -- statsforecast adapter: in-sample residuals aligned with their periods ---------------------------


def test_statsforecast_naive_residuals_are_one_step_errors() -> None:
    y = _random_walk(n_series=2, n_periods=30, seed=3)
    model = StatsForecastModel("Naive").fit(_panel(y))
    hand = [_moment_alpha(s, {t: s[t - 1] for t in range(1, s.size)}) for s in y]
    np.testing.assert_allclose(model.alpha_, hand, rtol=1e-10)
    # The same residuals as our own naive's one-step errors.
    np.testing.assert_allclose(model.alpha_, Naive().fit(_panel(y)).distribution(1).alpha[:, 0], rtol=1e-10)


def test_statsforecast_smoother_residuals_use_only_earlier_periods() -> None:
    # SES with fixed alpha 0.5: f_1 = y_0, f_t = 0.5 y_{t-1} + 0.5 f_{t-1}. A fitted series shifted by
    # one period (f_t using y_t) would give a different dispersion.
    y = _random_walk(n_series=2, n_periods=30, seed=5)
    model = StatsForecastModel("SimpleExponentialSmoothing", params={"alpha": 0.5}).fit(_panel(y))
    hand = []
    for s in y:
        fitted = {1: s[0]}
        for t in range(2, s.size):
            fitted[t] = 0.5 * s[t - 1] + 0.5 * fitted[t - 1]
        hand.append(_moment_alpha(s, fitted))
    np.testing.assert_allclose(model.alpha_, hand, rtol=1e-8)
    dist = model.distribution(3)
    assert np.all(dist.alpha == model.alpha_[:, None])


# -- weighted ensembles -------------------------------------------------------------------------------


def _constant_panel(value: float, n_periods: int = 20) -> pd.DataFrame:
    return _panel(np.full((1, n_periods), value))


def test_quantile_average_weights_are_normalised() -> None:
    # Zero (point mass at 0) and HistoricAverage of a constant 40 (Poisson(40): its in-sample
    # errors are 0, so alpha = 0): weights 1 and 3 give mean 0.25 * 0 + 0.75 * 40 = 30.
    panel = _constant_panel(40.0)
    ensemble = QuantileAverage(members=[Zero(), HistoricAverage()], weights=[1.0, 3.0], n_paths=4000).fit(panel)
    np.testing.assert_allclose(ensemble.weights_, [0.25, 0.75])
    mean = ensemble.distribution(2).mean()
    np.testing.assert_allclose(mean, 30.0, atol=0.4)
    scaled = QuantileAverage(members=[Zero(), HistoricAverage()], weights=[2.0, 6.0], n_paths=4000).fit(panel)
    np.testing.assert_array_equal(scaled.distribution(2).paths, ensemble.distribution(2).paths)
    equal = QuantileAverage(members=[Zero(), HistoricAverage()], n_paths=4000).fit(panel)
    np.testing.assert_allclose(equal.weights_, [0.5, 0.5])
    np.testing.assert_allclose(equal.distribution(2).mean(), 20.0, atol=0.4)


def test_quantile_average_averages_quantiles_not_mixtures() -> None:
    # Members Poisson(10) and Poisson(40) with weights 1:3: the ensemble median is the weighted
    # median 0.25 * 10 + 0.75 * 40 = 32.5 (a mixture's median would be near 38).
    low, high = _constant_panel(10.0), _constant_panel(40.0)
    panel = pd.concat([low.assign(unique_id="low"), high.assign(unique_id="high")])
    ensemble = QuantileAverage(members=[HistoricAverage(), HistoricAverage()], weights=[1.0, 1.0], n_paths=4000)
    ensemble.fit(panel)
    median = ensemble.distribution(1).quantile(0.5)
    np.testing.assert_allclose(median[:, 0], [40.0, 10.0], atol=1.0)  # ids sorted: high, low
    mixed = QuantileAverage(members=[Zero(), HistoricAverage()], weights=[1.0, 3.0], n_paths=4000).fit(high)
    q90 = stats.poisson.ppf(0.9, 40.0)
    assert mixed.distribution(1).quantile(0.9)[0, 0] == pytest.approx(0.75 * q90, abs=1.0)


@pytest.mark.parametrize("weights", [[1.0], [1.0, -1.0], [0.0, 0.0]])
def test_invalid_weights_are_refused(weights: list[float]) -> None:
    with pytest.raises(ValueError, match="2 non-negative numbers"):
        QuantileAverage(members=[Zero(), Naive()], weights=weights).fit(_constant_panel(3.0))


# -- no leakage inside a CRPS-weighted ensemble ---------------------------------------------------


def test_inner_windows_do_not_see_their_first_scored_period() -> None:
    # Constant 5 for 18 weeks, then 1000 in the two inner scored weeks. An inner fit that saw the
    # first scored week would let Naive forecast 1000; without it Naive forecasts Poisson(5).
    y = np.concatenate([np.full(18, 5.0), [1000.0, 1000.0]])[None, :]
    ensemble = CRPSWeightedEnsemble(members=[Naive(), Zero()], n_windows=1, horizon=2, n_paths=400).fit(_panel(y))
    # CRPS of Poisson(5) at 1000: E|X - 1000| - E|X - X'| / 2 = 995 - E|X - X'| / 2.
    k = np.arange(60)
    pmf = stats.poisson.pmf(k, 5.0)
    spread = float(np.sum(pmf[:, None] * pmf[None, :] * np.abs(k[:, None] - k[None, :])))
    np.testing.assert_allclose(ensemble.window_crps_, [995.0 - spread / 2, 1000.0], rtol=2e-3)


def test_crps_weights_and_forecast_ignore_values_after_the_cutoff() -> None:
    rng = np.random.default_rng(2)
    y = rng.poisson(np.linspace(4.0, 12.0, 40), size=(2, 40)).astype(float)
    spec = BacktestSpec(horizon=3, n_windows=1, step=1, n_samples=0)
    panel = _panel(y)
    cutoff = cutoffs(pd.DatetimeIndex(panel["ds"].unique()), spec)[0]
    flooded = panel.assign(y=np.where(panel["ds"] > cutoff, 1e5, panel["y"]))

    def model() -> CRPSWeightedEnsemble:
        return CRPSWeightedEnsemble(members=[Naive(), WindowAverage(window=4)], n_windows=2, horizon=3, n_paths=100)

    columns = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    plain = rolling_origin(panel, {"crps": model()}, spec)[columns]
    leaked = rolling_origin(flooded, {"crps": model()}, spec)[columns]
    pd.testing.assert_frame_equal(plain, leaked)
    train = panel[panel["ds"] <= cutoff]
    a = model().fit(train)
    b = model().fit(flooded[flooded["ds"] <= cutoff])
    np.testing.assert_array_equal(a.weights_, b.weights_)
    assert a.weights_.sum() == pytest.approx(1.0) and np.all(a.weights_ >= 0)


# -- distributions: moments and quantile boundaries against scipy ----------------------------------


@pytest.mark.parametrize(("mu", "alpha"), [(3.0, 0.0), (3.0, 0.5), (40.0, 0.05), (0.0, 0.3)])
def test_negative_binomial_matches_scipy(mu: float, alpha: float) -> None:
    dist = NegativeBinomial(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
    k = np.arange(0, 30, dtype=float)[None, None, :]
    if alpha == 0:
        law = stats.poisson(mu)
    else:
        law = stats.nbinom(1 / alpha, (1 / alpha) / (1 / alpha + mu))
    if mu > 0:
        np.testing.assert_allclose(dist.cdf(k)[0, 0], law.cdf(k[0, 0]), rtol=1e-10)
        np.testing.assert_allclose(dist.pmf(k)[0, 0], law.pmf(k[0, 0]), rtol=1e-8, atol=1e-15)
        for q in (0.05, 0.5, 0.95):
            assert dist.quantile(q)[0, 0] == law.ppf(q)
    else:
        assert dist.quantile(0.9)[0, 0] == 0.0
    draws = dist.sample(20000, np.random.default_rng(0))[0, 0]
    assert draws.mean() == pytest.approx(mu, abs=4 * np.sqrt((mu + alpha * mu**2) / 20000) + 1e-12)
    assert draws.var() == pytest.approx(mu + alpha * mu**2, rel=0.08, abs=1e-12)


def test_quantile_is_the_smallest_count_reaching_the_level() -> None:
    # Poisson(2): F(1) = 3 e^-2 = 0.4060, F(2) = 5 e^-2 = 0.6767. Level exactly F(1) -> 1; just above -> 2.
    for law in (NegativeBinomial, PoissonLogNormal):
        dist = law(mu=np.array([[2.0]]), alpha=np.array([[0.0]]))
        f1 = 3 * np.exp(-2.0)
        assert dist.quantile(f1 - 1e-9)[0, 0] == 1.0
        assert dist.quantile(f1 + 1e-9)[0, 0] == 2.0
        assert dist.quantile(0.6)[0, 0] == 2.0


def test_poisson_lognormal_mean_and_variance() -> None:
    mu, alpha = 6.0, 0.8
    dist = PoissonLogNormal(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
    k = np.arange(0, 400, dtype=float)[None, None, :]
    pmf = dist.pmf(k)[0, 0]
    assert pmf.sum() == pytest.approx(1.0, abs=1e-8)
    assert (k[0, 0] * pmf).sum() == pytest.approx(mu, rel=1e-6)
    assert ((k[0, 0] - mu) ** 2 * pmf).sum() == pytest.approx(mu + alpha * mu**2, rel=1e-4)
    draws = dist.sample(40000, np.random.default_rng(1))[0, 0]
    assert draws.mean() == pytest.approx(mu, rel=0.03)
    assert draws.var() == pytest.approx(mu + alpha * mu**2, rel=0.1)


def test_sample_paths_empirical_laws_by_hand() -> None:
    paths = SamplePaths(paths=np.array([[[0.0, 2.0, 2.0, 5.0]]]))
    assert paths.mean()[0, 0] == 2.25
    np.testing.assert_allclose(paths.cdf(np.array([[[-1.0, 0.0, 1.0, 2.0, 4.0, 5.0]]]))[0, 0], [0, 0.25, 0.25, 0.75, 0.75, 1.0])
    np.testing.assert_allclose(paths.pmf(np.array([[[2.0, 3.0]]]))[0, 0], [0.5, 0.0])
    assert paths.quantile(0.25)[0, 0] == 0.0 and paths.quantile(0.26)[0, 0] == 2.0
    assert paths.quantile(0.75)[0, 0] == 2.0 and paths.quantile(0.76)[0, 0] == 5.0
    with pytest.raises(ValueError, match="non-negative"):
        SamplePaths(paths=np.array([[[-1.0]]]))


def test_quantile_grid_rounds_onto_counts() -> None:
    # Q(0.1) = 0.4, Q(0.5) = 2.6, Q(0.9) = 4.0; rounded counts: Q(U) < 0.5 -> 0, ...
    grid = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[0.4, 2.6, 4.0]]]), point=np.array([[2.5]]))
    assert grid.quantile(0.1)[0, 0] == 0.0 and grid.quantile(0.5)[0, 0] == 3.0 and grid.quantile(0.95)[0, 0] == 4.0
    # P(Y <= 0) = P(Q(U) < 0.5) = 0.1 + (0.5 - 0.4) / 2.2 * 0.4
    assert grid.cdf(np.array([[0.0]]))[0, 0] == pytest.approx(0.1 + 0.1 / 2.2 * 0.4)
    assert grid.cdf(np.array([[4.0]]))[0, 0] == 1.0 and grid.cdf(np.array([[-1.0]]))[0, 0] == 0.0
    with pytest.raises(ValueError, match="increase strictly"):
        QuantileGrid(levels=np.array([0.5, 0.5]), values=np.zeros((1, 1, 2)), point=np.zeros((1, 1)))


# -- baselines: hyperparameter bounds and seeded draws ---------------------------------------------


@pytest.mark.parametrize(("model", "name"), [(WindowAverage, "window"), (SeasonalNaive, "season_length")])
def test_window_bounds_are_one_and_the_panel_length(model, name: str) -> None:
    panel = _panel(_random_walk(n_series=1, n_periods=12))
    for ok in (1, 12):
        fitted = model(**{name: ok}).fit(panel)
        assert fitted.distribution(2).mean().shape == (1, 2)
    for bad in (0, 13):
        message = rf"^{name}: {model.__name__} {name}={bad} must be between 1 and the 12 periods of the panel.$"
        with pytest.raises(ValueError, match=message):
            model(**{name: bad}).fit(panel)


def test_window_of_one_is_the_last_value() -> None:
    y = _random_walk(n_series=2, n_periods=15, seed=8)
    np.testing.assert_array_equal(WindowAverage(window=1).fit(_panel(y)).distribution(1).mu[:, 0], y[:, -1])
    np.testing.assert_array_equal(SeasonalNaive(season_length=1).fit(_panel(y)).distribution(2).mu, y[:, [-1, -1]])


@pytest.mark.parametrize("model", [Naive, WindowAverage, HistoricAverage, SeasonalNaive, Zero])
def test_baseline_draws_follow_the_seed(model) -> None:
    panel = _panel(_random_walk(n_series=2, n_periods=20, seed=2))
    default = model().fit(panel)
    assert default.get_params()["seed"] == 0
    expected = default.distribution(3).sample(50, np.random.default_rng(0))
    np.testing.assert_array_equal(default.sample(3, 50), expected)
    seeded = model(seed=7).fit(panel)
    np.testing.assert_array_equal(seeded.sample(3, 50), seeded.distribution(3).sample(50, np.random.default_rng(7)))


# -- ensembles: weight validation and documented defaults ------------------------------------------


@pytest.mark.parametrize("weights", [[0.5, 0.25], [0.0, 1.0], [0.3, 0.2]])
def test_valid_weights_below_one_or_zero_are_normalised(weights: list[float]) -> None:
    ensemble = QuantileAverage(members=[Zero(), HistoricAverage()], weights=weights, n_paths=10).fit(_constant_panel(3.0))
    np.testing.assert_allclose(ensemble.weights_, np.array(weights) / sum(weights))


def test_a_negative_weight_is_refused_even_when_the_sum_is_positive() -> None:
    with pytest.raises(ValueError, match=r"^weights: QuantileAverage needs 2 non-negative numbers, not all 0.$"):
        QuantileAverage(members=[Zero(), Naive()], weights=[2.0, -1.0]).fit(_constant_panel(3.0))


def test_ensemble_defaults_are_the_documented_ones() -> None:
    assert CRPSWeightedEnsemble().get_params() == {
        "members": (), "n_windows": 3, "horizon": 4, "step": 1, "n_paths": 200, "seed": 0,
    }
    assert QuantileAverage().get_params() == {"members": (), "weights": None, "n_paths": 500, "seed": 0}


@pytest.mark.parametrize("kwargs", [{"n_windows": 0}, {"horizon": 0}, {"step": 0}])
def test_inner_protocol_counts_must_be_positive(kwargs: dict) -> None:
    model = CRPSWeightedEnsemble(members=[Naive(), Zero()], **kwargs)
    with pytest.raises(ValueError, match="^n_windows: CRPSWeightedEnsemble: n_windows="):
        model.fit(_panel(_random_walk(n_series=1, n_periods=40)))


def test_inner_windows_need_eight_training_periods() -> None:
    # n_windows 2, horizon 3, step 2: the first inner origin is n - 3 - 2 = n - 5; 8 training periods need n = 13.
    model = CRPSWeightedEnsemble(members=[Naive(), Zero()], n_windows=2, horizon=3, step=2, n_paths=20)
    assert model.fit(_panel(_random_walk(n_series=1, n_periods=13))).weights_.sum() == pytest.approx(1.0)
    message = r"^n_windows: CRPSWeightedEnsemble: n_windows=2, horizon=3 and step=2 must be >= 1 and need at least 13 periods; the panel has 12. Lower them.$"
    with pytest.raises(ValueError, match=message):
        model.fit(_panel(_random_walk(n_series=1, n_periods=12)))


def test_baseline_defaults_are_the_documented_ones() -> None:
    assert WindowAverage().get_params() == {"window": 8, "seed": 0}
    assert SeasonalNaive().get_params() == {"season_length": 4, "seed": 0}


# -- distributions: the remaining methods by hand ---------------------------------------------------


def test_means_of_the_mixture_and_grid_laws() -> None:
    mu = np.array([[1.5, 0.0, 40.0]])
    np.testing.assert_array_equal(PoissonLogNormal(mu=mu, alpha=np.full_like(mu, 0.7)).mean(), mu)
    grid = QuantileGrid(levels=np.array([0.2, 0.8]), values=np.array([[[1.0, 3.0]]]), point=np.array([[2.25]]))
    np.testing.assert_array_equal(grid.mean(), [[2.25]])


def test_sample_paths_resample_their_own_draws() -> None:
    stored = np.array([[[0.0, 3.0, 7.0]], [[1.0, 1.0, 9.0]]])
    paths = SamplePaths(paths=stored)
    draws = paths.sample(400, np.random.default_rng(5))
    assert draws.shape == (2, 1, 400)
    pick = np.random.default_rng(5).integers(0, 3, size=400)
    np.testing.assert_array_equal(draws, stored[..., pick])  # the same column for every row
    assert set(np.unique(draws[0])) == {0.0, 3.0, 7.0}


def test_quantile_grid_cdf_is_the_piecewise_linear_law_at_half_integers() -> None:
    # Unsorted (crossing) quantiles are sorted first: values 6, 1, 2, 4 at levels .1 .3 .6 .9 -> 1, 2, 4, 6.
    levels = np.array([0.1, 0.3, 0.6, 0.9])
    grid = QuantileGrid(levels=levels, values=np.array([[[6.0, 1.0, 2.0, 4.0]]]), point=np.array([[3.0]]))
    k = np.arange(-2, 9, dtype=float)
    expected = np.where(k < 0, 0.0, np.interp(k + 0.5, [1.0, 2.0, 4.0, 6.0], levels, left=0.0, right=1.0))
    np.testing.assert_allclose(grid.cdf(k[None, None, :])[0, 0], expected, rtol=1e-12)
    np.testing.assert_allclose(grid.pmf(np.array([[[1.0, 3.0]]]))[0, 0], np.diff(np.interp([0.5, 1.5, 2.5, 3.5], [1.0, 2.0, 4.0, 6.0], levels, left=0.0))[[0, 2]])
    # Quantiles: Q(0.45) = 2 + (0.45 - 0.3) / 0.3 * 2 = 3 -> 3; below the lowest level it is flat at 1.
    assert grid.quantile(0.45)[0, 0] == 3.0 and grid.quantile(0.05)[0, 0] == 1.0


@pytest.mark.parametrize(
    ("levels", "values", "message"),
    [
        ([0.0, 0.5], [1.0, 2.0], "increase strictly"),
        ([0.5, 1.0], [1.0, 2.0], "increase strictly"),
        ([0.6, 0.4], [1.0, 2.0], "increase strictly"),
        ([0.2, 0.8], [1.0, np.inf], "must be finite"),
    ],
)
def test_quantile_grid_refuses_bad_levels_and_values(levels, values, message) -> None:
    with pytest.raises(ValueError, match=message):
        QuantileGrid(levels=np.array(levels), values=np.array([[values]]), point=np.zeros((1, 1)))


def test_pmfs_are_differences_of_the_cdf_at_integers() -> None:
    law = PoissonLogNormal(mu=np.array([[3.0]]), alpha=np.array([[0.5]]))
    k = np.array([[[0.0, 1.0, 4.0]]])
    np.testing.assert_allclose(law.pmf(k), law.cdf(k) - law.cdf(k - 1), rtol=1e-12)
    assert law.pmf(np.array([[[0.0]]]))[0, 0, 0] == pytest.approx(law.cdf(np.array([[[0.0]]]))[0, 0, 0])
    paths = SamplePaths(paths=np.array([[[0.0, 1.0, 1.0, 4.0]]]))
    np.testing.assert_allclose(paths.pmf(np.array([[[0.0, 1.0, 2.0, 4.0]]]))[0, 0], [0.25, 0.5, 0.0, 0.25])
