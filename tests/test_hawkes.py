"""Hawkes MLE recovers a known excitation matrix; Ogata thinning reproduces the stationary mean."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from forecast.models import MultivariateHawkes

MU = np.array([0.5, 0.3])
A = np.array([[0.3, 0.2], [0.0, 0.4]])  # series 1 excites series 0, not the other way
BETA = 0.3


def simulate_binned(n_periods: int, seed: int = 3) -> pd.DataFrame:
    """Daily counts of the binned exponential Hawkes written out by hand:
    n_i(d) ~ Poisson(mu_i + sum_j A[i, j] sum_{s<d} n_j(s) (1 - e^-b) e^{-b (d - s - 1)})."""
    rng = np.random.default_rng(seed)
    y = np.zeros((2, n_periods))
    memory = np.zeros(2)
    for d in range(n_periods):
        if d > 0:
            memory = np.exp(-BETA) * memory + y[:, d - 1]
        y[:, d] = rng.poisson(MU + A @ ((1 - np.exp(-BETA)) * memory))
    dates = pd.date_range("2018-01-01", periods=n_periods, freq="D")
    return pd.DataFrame({"unique_id": np.repeat(["a", "b"], n_periods), "ds": np.tile(dates, 2), "y": y.ravel()})


def test_mle_recovers_known_excitation_matrix():
    # 6000 days; with ~1-2 events a day the standard errors of A are ~0.02-0.03, so 0.08 is ~3 s.e.
    model = MultivariateHawkes(decays=(0.1, 0.3, 1.0)).fit(simulate_binned(6000))
    assert model.decay_ == BETA
    np.testing.assert_allclose(model.excitation_, A, atol=0.08)
    np.testing.assert_allclose(model.baseline_, MU, rtol=0.25)
    report = model.report()
    assert report["excitation"]["a"]["b"] == model.excitation_[0, 1]
    # stationary: spectral radius of A is 0.4
    assert abs(report["spectral_radius"] - 0.4) < 0.08


def test_ogata_thinning_matches_stationary_mean():
    # Fit anything, then set known parameters: from an empty past the mean count per period
    # tends to m = (I - A)^-1 mu: m1 = 0.3 / 0.6 = 0.5, m0 = (0.5 + 0.2 * m1) / 0.7 = 0.8571.
    model = MultivariateHawkes(decays=(BETA,), n_paths=4000).fit(simulate_binned(200))
    model.baseline_, model.excitation_, model.decay_ = MU, A, BETA
    model.state_ = np.zeros(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = model.sample(60, 4000)
    late = paths[:, 40:, :].mean(axis=(1, 2))  # after ~12 kernel lifetimes
    np.testing.assert_allclose(late, [0.8571, 0.5], rtol=0.05)
