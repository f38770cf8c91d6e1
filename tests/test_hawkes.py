"""Hawkes: recovery of a known excitation matrix, the LR test, branching ratio, half-life,
moving baseline, NB records, the simulator's stationary mean and bootstrap coverage."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.errors import ArgumentError
from forecast.models import MultivariateHawkes
from forecast.models.hawkes import baseline_design

MU = np.array([0.6, 0.4, 0.5])
# Upper triangular, so the eigenvalues are the diagonal: branching ratio 0.4 by hand.
# Series 1 excites series 0 and series 2 excites series 1; nothing excites series 2 but itself.
A = np.array([[0.3, 0.25, 0.0], [0.0, 0.4, 0.2], [0.0, 0.0, 0.2]])
BETA = 1.0
IDS = ["a", "b", "c"]


def simulate_binned(n_periods: int, seed: int, alpha: float = 0.0, mu: np.ndarray = MU, freq: str = "D") -> pd.DataFrame:
    """Counts of the binned exponential Hawkes written out by hand:
    n_i(d) ~ NB(mean mu_i + sum_j A[i, j] sum_{s<d} n_j(s) (1 - e^-b) e^{-b (d - s - 1)}, alpha); Poisson at 0."""
    rng = np.random.default_rng(seed)
    y = np.zeros((3, n_periods))
    memory = np.zeros(3)
    for d in range(n_periods):
        if d > 0:
            memory = np.exp(-BETA) * memory + y[:, d - 1]
        rate = mu + A @ ((1 - np.exp(-BETA)) * memory)
        y[:, d] = rng.poisson(rng.gamma(1 / alpha, alpha * rate) if alpha > 0 else rate)
    dates = pd.date_range("2018-01-01", periods=n_periods, freq=freq)
    return pd.DataFrame({"unique_id": np.repeat(IDS, n_periods), "ds": np.tile(dates, 3), "y": y.ravel()})


def plain(**overrides) -> MultivariateHawkes:
    """Unpenalised MLE over every pair, Poisson records, constant baseline."""
    params = dict(decays=(0.3, 1.0, 3.0), baseline="constant", law="poisson", penalty=0.0, max_sources=2)
    return MultivariateHawkes(**{**params, **overrides})


@pytest.fixture(scope="module")
def fitted() -> MultivariateHawkes:
    return plain().fit(simulate_binned(4000, seed=3))


def test_mle_recovers_known_excitation_matrix(fitted):
    # 4000 days at ~1-2 events a day: standard errors of A ~0.02-0.03, so 0.08 is ~3 s.e.
    assert fitted.decay_ == BETA
    np.testing.assert_allclose(fitted.fitted_excitation_, A, atol=0.08)
    np.testing.assert_allclose(fitted.baseline_[:, 0], MU, rtol=0.25)
    assert fitted.report()["excitation"]["a"]["b"] == fitted.fitted_excitation_[0, 1]


def test_branching_ratio_and_half_life_against_hand_values(fitted):
    # Spectral radius of the fitted matrix, close to the hand value 0.4 of the true one.
    assert fitted.branching_ratio_ == pytest.approx(np.max(np.abs(np.linalg.eigvals(fitted.fitted_excitation_))))
    assert fitted.branching_ratio_ == pytest.approx(0.4, abs=0.08)
    assert not fitted.scaled_
    # Daily panel: half-life ln 2 / beta days; a weekly panel multiplies it by 7.
    assert fitted.half_life_days_ == pytest.approx(np.log(2) / BETA)
    weekly = plain(decays=(BETA,)).fit(simulate_binned(400, seed=4, freq="W-MON"))
    assert weekly.half_life_days_ == pytest.approx(7 * np.log(2) / BETA)


def test_likelihood_ratio_test_separates_real_from_absent_effects(fitted):
    real = fitted.excitation_test(source="b", target="a")  # A[0, 1] = 0.25
    assert real["p_value"] < 1e-6 and real["statistic"] > 25
    absent = fitted.excitation_test(source="c", target="a")  # A[0, 2] = 0
    assert absent["p_value"] > 0.01  # a 1% test rejects a true null 1% of the time
    # Boundary: a statistic of 0 (the fit leaves the entry at zero) has p = 1 exactly,
    # and p = 0.5 P(chi2_1 > LR) otherwise (half the mass of the null sits at zero).
    if absent["statistic"] > 1e-9:
        assert absent["p_value"] == pytest.approx(0.5 * stats.chi2.sf(absent["statistic"], 1))
    else:
        assert absent["p_value"] == 1.0
    p = fitted.excitation_p_values()
    assert p[0, 1] == pytest.approx(real["p_value"])
    with pytest.raises(ArgumentError, match="no series 'zz'"):
        fitted.excitation_test(source="zz", target="a")


def test_screening_keeps_the_real_cross_effects_and_zero_sources_fits_self_only():
    panel = simulate_binned(3000, seed=5)
    screened = plain(max_sources=1, penalty=0.05).fit(panel)
    # One source per target at most; the real ones (b -> a, c -> b) are the ones kept.
    np.testing.assert_array_equal(screened.free_, np.eye(3, dtype=bool) | (A > 0))
    assert 0.1 < screened.fitted_excitation_[0, 1] < A[0, 1]  # shrunk towards 0 by the L1 penalty
    # A penalty above the effects' score keeps every cross entry out.
    np.testing.assert_array_equal(plain(max_sources=1, penalty=0.3).fit(panel).free_, np.eye(3, dtype=bool))
    self_only = plain(max_sources=0).fit(panel)
    assert np.count_nonzero(self_only.fitted_excitation_ - np.diag(np.diag(self_only.fitted_excitation_))) == 0


def test_baseline_blocks_count_back_from_the_end_and_never_run_short():
    # 10 periods, blocks of 4: the last 4, then the 6 before (a 2-period block would be short).
    design = baseline_design(10, 4)
    np.testing.assert_array_equal(design.sum(axis=0), [6, 4])
    np.testing.assert_array_equal(design[:, 1], [0] * 6 + [1] * 4)
    np.testing.assert_array_equal(baseline_design(10, None), np.ones((10, 1)))
    np.testing.assert_array_equal(baseline_design(8, 4).sum(axis=0), [4, 4])
    np.testing.assert_array_equal(baseline_design(3, 4), np.ones((3, 1)))


def test_piecewise_baseline_follows_a_level_shift_that_the_constant_one_averages():
    # Baseline x4 halfway: the constant fit lands between, the last block sits on the new level
    # (stationary mean of series 2 alone is mu / (1 - 0.2): 2.5 then 10).
    early = simulate_binned(1000, seed=6, mu=MU * 1.0)
    late = simulate_binned(1000, seed=7, mu=MU * 4.0)
    late["ds"] = late["ds"] + pd.Timedelta(days=1000)
    panel = pd.concat([early, late], ignore_index=True)
    moving = plain(decays=(BETA,), baseline="piecewise", block=1000).fit(panel)
    constant = plain(decays=(BETA,), max_sources=0).fit(panel)
    np.testing.assert_allclose(moving.baseline_[:, -1], 4 * MU, rtol=0.25)
    np.testing.assert_allclose(moving.baseline_[:, 0], MU, rtol=0.25)
    assert moving.design_.shape[1] == 2
    assert moving.baseline_drift_ == pytest.approx(np.log(4), abs=0.4)  # one x4 step of the log baseline
    assert np.all(constant.baseline_[:, 0] < 0.8 * moving.baseline_[:, -1])
    # Forecasts start from the new level: the mean of series c near 4 mu / (1 - 0.2) = 2.5.
    assert moving.distribution(3).mean()[2].mean() == pytest.approx(2.5, rel=0.3)


def test_nb_records_fit_the_cluster_dispersion_and_widen_the_forecast():
    panel = simulate_binned(3000, seed=8, alpha=0.5)
    nb = plain(decays=(BETA,), law="nb", parameter_draws=False, n_paths=20000).fit(panel)
    np.testing.assert_allclose(nb.alpha_, 0.5, rtol=0.3)
    np.testing.assert_allclose(nb.fitted_excitation_, A, atol=0.1)
    poisson = plain(decays=(BETA,), parameter_draws=False, n_paths=20000).fit(panel)
    assert nb.loglik_ > poisson.loglik_ + 100  # the overdispersion is real
    # One step ahead the law is NB(mean m, alpha): variance m + alpha m^2; Poisson: m.
    for model, alpha in ((nb, nb.alpha_), (poisson, 0.0)):
        draws = model.sample(1, 20000)[:, 0, :]
        mean = draws.mean(axis=1)
        np.testing.assert_allclose(draws.var(axis=1), mean + alpha * mean**2, rtol=0.08)


def test_simulated_paths_reach_the_stationary_mean():
    # From an empty past the mean count per period tends to m = (I - A)^-1 mu.
    model = plain(decays=(BETA,), parameter_draws=False, n_paths=4000).fit(simulate_binned(200, seed=9))
    model.baseline_, model.excitation_, model.state_ = MU[:, None], A, np.zeros(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = model.sample(40, 4000)
    expected = np.linalg.solve(np.eye(3) - A, MU)  # by hand: c = 0.625, b = 0.875, a = 1.17
    np.testing.assert_allclose(expected, [0.6 / 0.7 + 0.25 / 0.7 * 0.875, 0.875, 0.625])
    np.testing.assert_allclose(paths[:, 20:, :].mean(axis=(1, 2)), expected, rtol=0.05)


def test_parameter_draws_widen_a_short_panel_forecast():
    panel = simulate_binned(30, seed=10)
    draws = plain(decays=(BETA,), parameter_draws=True, n_paths=4000).fit(panel)
    plug_in = plain(decays=(BETA,), parameter_draws=False, n_paths=4000).fit(panel)
    np.testing.assert_array_equal(draws.fitted_excitation_, plug_in.fitted_excitation_)
    assert np.all(draws.sample(4, 4000).var(axis=2) > plug_in.sample(4, 4000).var(axis=2))


def test_bad_hyperparameters_name_the_key():
    panel = simulate_binned(50, seed=11)
    for key, value in [("law", "gaussian"), ("baseline", "linear"), ("block", 0), ("max_sources", -1),
                       ("penalty", -1.0), ("max_branching", 1.0)]:
        with pytest.raises(ArgumentError, match=key):
            plain(**{key: value}).fit(panel)


@pytest.mark.slow
def test_bootstrap_90_percent_intervals_cover_the_true_matrix_about_90_percent():
    # 50 replications x 9 entries of a simulated 3-stream process; 1000 days, B = 50.
    # Measured: 75 s of CPU (about 3 min of wall time on the 2 shared cores at load 10).
    # The binomial s.e. of the coverage of 450 intervals is 1.4 points, but the entries of one
    # replication share a draw, and percentile intervals of a boundary-constrained MLE run a
    # little short (0.88 overall, 0.84 on the non-zero entries in a 20-replication probe).
    hits = []
    for replication in range(50):
        model = plain(decays=(BETA,)).fit(simulate_binned(1000, seed=100 + replication))
        ci = model.bootstrap(n_boot=50, level=0.9, rng=np.random.default_rng(replication))
        hits.append((ci["lower"] <= A) & (A <= ci["upper"]))
    hits = np.array(hits)
    assert 0.84 <= hits.mean() <= 0.96, hits.mean(axis=0)
    assert hits[:, A > 0].mean() >= 0.8  # the non-zero entries too, not only the zeros


def test_dispersion_df_scales_the_forecast_dispersion_by_the_residual_degrees_of_freedom():
    panel = simulate_binned(12, seed=11, alpha=0.5)
    fit = dict(decays=(BETA,), law="nb", max_sources=0, parameter_draws=False, n_paths=20000)
    scaled = plain(dispersion_df=True, **fit).fit(panel)
    mle = plain(**fit).fit(panel)
    np.testing.assert_array_equal(scaled.alpha_, mle.alpha_)  # the fit itself is unchanged
    np.testing.assert_array_equal(mle.forecast_alpha_, mle.alpha_)
    # By hand: p = 1 baseline block + the self-excitation entry when non-zero + the dispersion.
    p = 1 + (np.diag(scaled.fitted_excitation_) > 1e-6) + 1
    np.testing.assert_allclose(scaled.forecast_alpha_, scaled.alpha_ * 12 / (12 - p))
    assert np.all(scaled.forecast_alpha_[scaled.alpha_ > 0.01] > 1.1 * scaled.alpha_[scaled.alpha_ > 0.01])
    # Plug-in parameters, constant baseline: one step ahead is NB(m, forecast_alpha_).
    draws = scaled.sample(1, 20000)[:, 0, :]
    mean = draws.mean(axis=1)
    np.testing.assert_allclose(draws.var(axis=1), mean + scaled.forecast_alpha_ * mean**2, rtol=0.08)


def test_short_panels_fitted_dispersion_falls_short_and_the_scaled_one_does_not():
    # 300 independent NB(m_i, 0.5) series, 12 weeks, 2 baseline blocks of 6 (the dev windows' shape).
    # Over seeds 0-4 the mean MLE was 0.36-0.40 and the scaled mean 0.49-0.55.
    rng = np.random.default_rng(0)
    n, periods, alpha = 300, 12, 0.5
    level = np.repeat(rng.uniform(2, 8, n)[:, None], periods, axis=1)
    y = rng.poisson(rng.gamma(1 / alpha, alpha * level))
    dates = pd.date_range("2020-01-05", periods=periods, freq="W")
    panel = pd.DataFrame({"unique_id": np.repeat([f"s{i:03d}" for i in range(n)], periods),
                          "ds": np.tile(dates, n), "y": y.ravel().astype(float)})
    model = MultivariateHawkes(decays=(3.0,), baseline="piecewise", block=6, law="nb", max_sources=0,
                               dispersion_df=True, parameter_draws=False, n_paths=10).fit(panel)
    assert model.design_.shape[1] == 2
    assert model.alpha_.mean() < alpha - 0.05
    assert alpha - 0.03 < model.forecast_alpha_.mean() < alpha + 0.1
