"""A count vector autoregression across dyads (in the spirit of Brandt & Sandler's Poisson VAR).

Each series has its own log-linear Poisson regression on the lagged ``log1p`` counts of
*every* series: ``log mu_i(t) = c_i + sum_l sum_j B_l[i, j] log1p(y_j(t - l))``. With as
many regressors as dyads and a few dozen weeks, the coefficients are ridge-penalised
(scikit-learn ``PoissonRegressor``). Counts are negative binomial around ``mu`` with each
series' dispersion estimated from its in-sample residuals; forecasts simulate all series
jointly, feeding draws back into everyone's lags.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import PoissonRegressor

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster
from forecast.models.distributions import SamplePaths, nb_dispersion, simulation_cap


class PoissonVAR(Forecaster):
    """Ridge-penalised Poisson VAR(p) with negative-binomial noise.

    Parameters
    ----------
    lags : int
        VAR order ``p``.
    l2 : float
        Ridge strength (scikit-learn ``PoissonRegressor(alpha=...)``) on the cross and own
        lag coefficients; intercepts are not penalised.
    n_paths : int
        Simulated paths.
    seed : int
        Seed of the simulation.
    """

    def __init__(self, lags: int = 1, l2: float = 1.0, n_paths: int = 500, seed: int = 0) -> None:
        self.lags = lags
        self.l2 = l2
        self.n_paths = n_paths
        self.seed = seed

    def _lagged(self, history: np.ndarray) -> np.ndarray:
        """``log1p`` of the last ``lags`` periods of ``history`` shaped ``(..., T, n_series)``;
        returns ``(..., lags * n_series)`` with block ``l`` holding lag ``l + 1``."""
        return np.concatenate([np.log1p(history[..., -k, :]) for k in range(1, self.lags + 1)], axis=-1)

    def _fit(self, y: np.ndarray) -> None:
        if self.lags < 1:
            raise ArgumentError("lags", f"{type(self).__name__}: must be >= 1, got {self.lags}.")
        if self.l2 < 0:
            raise ArgumentError("l2", f"{type(self).__name__}: must be >= 0, got {self.l2}.")
        if y.shape[1] - self.lags < 8:
            raise ValueError(
                f"{type(self).__name__} needs at least {self.lags + 8} periods for lags={self.lags}; "
                f"the panel has {y.shape[1]}."
            )
        X = np.stack([self._lagged(y[:, :t].T) for t in range(self.lags, y.shape[1])])
        targets = y[:, self.lags :]
        coef, intercept = [], []
        fitted = np.full_like(y, np.nan)
        for i in range(y.shape[0]):
            regressor = PoissonRegressor(alpha=self.l2, solver="newton-cholesky", max_iter=300).fit(X, targets[i])
            coef.append(regressor.coef_)
            intercept.append(regressor.intercept_)
            fitted[i, self.lags :] = regressor.predict(X)
        self.coef_ = np.array(coef)  # (n_series, lags * n_series); column block l holds lag l + 1
        self.intercept_ = np.array(intercept)
        self.alpha_ = nb_dispersion(y, fitted)
        self.y_ = y
        self.mu_cap_ = simulation_cap(y)  # against (paths, series)

    def _distribution(self, h: int) -> SamplePaths:
        rng = np.random.default_rng(self.seed)
        n_series = self.y_.shape[0]
        paths = np.repeat(self.y_.T[None, :, :], self.n_paths, axis=0)  # (paths, T, series)
        draws = np.empty((n_series, h, self.n_paths))
        alpha = np.maximum(self.alpha_, 1e-8)
        for step in range(h):
            mu = np.minimum(np.exp(self.intercept_ + self._lagged(paths) @ self.coef_.T), self.mu_cap_)  # (paths, series)
            rate = rng.gamma(1.0 / alpha, alpha * mu)
            draw = rng.poisson(rate).astype(float)
            draws[:, step, :] = draw.T
            paths = np.concatenate([paths, draw[:, None, :]], axis=1)
        return SamplePaths(paths=draws)
