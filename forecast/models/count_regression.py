"""Count regressions fitted with statsmodels; multi-step forecasts by simulation."""

from __future__ import annotations

import warnings

import numpy as np
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from forecast.models.base import Forecaster
from forecast.models.distributions import SamplePaths


def _design(history: np.ndarray, lags: int, window: int, t_index: np.ndarray, n_periods: int) -> np.ndarray:
    """Regressors for predicting the value after ``history``'s last column.

    ``history`` has shape ``(..., T)``; returns ``(..., lags + 2)``: ``log1p`` of each lag,
    ``log1p`` of the rolling mean over ``window`` periods, and a linear trend in
    ``t / n_periods``.
    """
    lag_cols = [np.log1p(history[..., -k]) for k in range(1, lags + 1)]
    rolling = np.log1p(history[..., -window:].mean(axis=-1))
    trend = np.broadcast_to(t_index / n_periods, rolling.shape)
    return np.stack([*lag_cols, rolling, trend], axis=-1)


class NegativeBinomialGLM(Forecaster):
    """Pooled NB2 regression on own lags, a rolling mean, a trend and per-series intercepts.

    ``y[i, t] ~ NB2(mu, alpha)`` with ``log mu = a_i + sum_k b_k log1p(y[i, t-k])
    + c log1p(mean(y[i, t-window:t])) + d t / T``. Fitted by maximum likelihood
    (``statsmodels.discrete.discrete_model.NegativeBinomial``); the results object is
    kept in ``results_``. Multi-step forecasts simulate ``n_paths`` paths, feeding each
    draw back as a lag.

    Parameters
    ----------
    lags : int
        Number of own lags.
    window : int
        Rolling-mean window.
    n_paths : int
        Simulated paths for the predictive distribution.
    seed : int
        Seed of the simulation.
    """

    def __init__(self, lags: int = 2, window: int = 4, n_paths: int = 1000, seed: int = 0) -> None:
        self.lags = lags
        self.window = window
        self.n_paths = n_paths
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        start = max(self.lags, self.window)
        n_series, n_periods = y.shape
        if n_periods - start < 8:
            raise ValueError(
                f"NegativeBinomialGLM needs at least {start + 8} periods (lags={self.lags}, "
                f"window={self.window}); the panel has {n_periods}."
            )
        rows, targets, series = [], [], []
        for t in range(start, n_periods):
            rows.append(_design(y[:, :t], self.lags, self.window, np.full(n_series, t), n_periods))
            targets.append(y[:, t])
            series.append(np.arange(n_series))
        features = np.concatenate(rows)
        dummies = np.eye(n_series)[np.concatenate(series)]
        exog = np.column_stack([dummies, features])
        endog = np.concatenate(targets)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", (ConvergenceWarning, HessianInversionWarning, RuntimeWarning))
            # NB2 MLE from default start values diverges on sparse series; a Poisson GLM fit
            # is the usual starting point.
            poisson = sm.GLM(endog, exog, family=sm.families.Poisson()).fit()
            start = np.append(poisson.params, 0.5)
            model = sm.NegativeBinomial(endog, exog, loglike_method="nb2")
            results = model.fit(start_params=start, method="newton", maxiter=200, disp=0)
        params = np.asarray(results.params)
        if not np.all(np.isfinite(params)):
            raise RuntimeError("NegativeBinomialGLM: maximum likelihood did not converge to finite parameters.")
        self.results_ = results
        self.intercepts_ = params[:n_series]
        self.coef_ = params[n_series:-1]
        self.alpha_ = float(params[-1])
        self.y_ = y

    def _distribution(self, h: int) -> SamplePaths:
        rng = np.random.default_rng(self.seed)
        n_series, n_periods = self.y_.shape
        paths = np.repeat(self.y_[:, None, :], self.n_paths, axis=1)  # (series, paths, T)
        draws = np.empty((n_series, h, self.n_paths))
        alpha = max(self.alpha_, 1e-8)
        for step in range(h):
            t = n_periods + step
            features = _design(paths, self.lags, self.window, np.array(t), n_periods)
            mu = np.exp(self.intercepts_[:, None] + features @ self.coef_)
            mu = np.minimum(mu, 1e6)  # guard explosive paths of a near-unit-root fit
            rate = rng.gamma(1.0 / alpha, alpha * mu)
            step_draw = rng.poisson(rate).astype(float)
            draws[:, step, :] = step_draw
            paths = np.concatenate([paths, step_draw[:, :, None]], axis=2)
        return SamplePaths(paths=draws)
