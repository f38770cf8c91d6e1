"""Count regressions fitted with statsmodels; multi-step forecasts by joint simulation.

One pooled regression for the whole panel: per-series intercepts plus shared
coefficients on own lags, an own rolling mean, the lagged mean of the *other* dyads
(cross-dyad), a trend and period-of-year harmonics. Four likelihoods share that design:
Poisson, negative binomial (NB2), zero-inflated NB and an NB hurdle. Multi-step
forecasts simulate all series together, feeding every draw back into the lags of its own
series and into the cross-dyad term of the others.

A fit is trusted only when statsmodels reports convergence (every part of a hurdle; an NB2
fit whose dispersion runs to 0 is the Poisson GLM, see :class:`NegativeBinomialGLM`), the
NB2 dispersion is at most :data:`MAX_DISPERSION` and every series' mean forecast is at
most ``FORECAST_SCALE * max(history) + FORECAST_OFFSET``; otherwise a
:class:`~forecast.models.base.ConvergenceError` says which check failed, and the
backtest records it (or forecasts with ``backtest.fallback`` when one is named).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats
from statsmodels.discrete.count_model import ZeroInflatedNegativeBinomialP
from statsmodels.discrete.truncated_model import HurdleCountModel
from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

from forecast.errors import ArgumentError
from forecast.models.base import ConvergenceError, Forecaster
from forecast.models.distributions import MU_CAP, SamplePaths, simulation_cap

_IGNORED = (ConvergenceWarning, HessianInversionWarning, RuntimeWarning)  # judged by the checks below
#: Largest NB2 dispersion accepted: variance ``mu + alpha mu**2`` with ``alpha = 1e3`` is
#: already a point mass at zero with rare huge counts; larger values mean the MLE ran off
#: to the boundary (an all-zero or constant series), not a fitted law.
MAX_DISPERSION = 1e3
#: A series' mean forecast may not exceed ``FORECAST_SCALE * max(history) + FORECAST_OFFSET``
#: (10 x the largest count seen, plus 10 so that near-empty histories are not flagged for a few events).
FORECAST_SCALE, FORECAST_OFFSET = 10.0, 10.0
#: An unconverged NB2 fit whose dispersion fell below this is running to its Poisson limit
#: (no overdispersion); the Poisson GLM is then the maximum on that boundary.
POISSON_LIMIT = 1e-6


def _converged(results) -> bool:
    """statsmodels' converged flag: GLMs carry ``converged``, MLE fits ``mle_retvals`` (a list per hurdle part)."""
    retvals = getattr(results, "mle_retvals", None)
    flag = retvals.get("converged", True) if isinstance(retvals, dict) else getattr(results, "converged", True)
    return bool(np.all(flag))


def _year_phase(dates: pd.DatetimeIndex) -> np.ndarray:
    """Position of each date in its year, in radians."""
    return 2 * np.pi * (dates.dayofyear.to_numpy() - 1) / 365.25


class CountRegression(Forecaster):
    """Pooled count regression on lag, rolling, cross-dyad, trend and period-of-year terms.

    ``log mu[i, t] = a_i + sum_k b_k log1p(y[i, t-k]) + c log1p(mean(y[i, t-window:t]))
    + d log1p(mean_{j != i} y[j, t-1]) + e t / T + sum_m (f_m sin + g_m cos)(m * phase_t)``.
    Subclasses fix the likelihood; the statsmodels results object is kept in ``results_``.

    Parameters
    ----------
    lags : int
        Number of own lags (>= 1).
    window : int
        Own rolling-mean window.
    cross_dyad : bool
        Include the lag-1 mean of the other series (needs at least two series).
    trend : bool
        Include a linear trend in ``t / T`` (``T`` the training length).
    season_harmonics : int
        Number of period-of-year sine/cosine pairs; separating them from the trend needs
        more than a year of history, so the configs leave them at 0 on single ICEWS windows.
    series_effects : {"dummies", "level"}
        ``dummies``: one free intercept per series. ``level``: ``a_i = a + s log1p(ybar_i)``
        with ``ybar_i`` the series' training mean: two parameters however many series, which
        keeps the zero-inflated and hurdle likelihoods fast and stable on 100+ dyads.
    n_paths : int
        Simulated paths for the predictive distribution.
    seed : int
        Seed of the simulation.
    """

    _family: str = "nb"

    def __init__(
        self,
        lags: int = 2,
        window: int = 4,
        cross_dyad: bool = True,
        trend: bool = True,
        season_harmonics: int = 0,
        series_effects: str = "dummies",
        n_paths: int = 1000,
        seed: int = 0,
    ) -> None:
        self.lags = lags
        self.window = window
        self.cross_dyad = cross_dyad
        self.trend = trend
        self.season_harmonics = season_harmonics
        self.series_effects = series_effects
        self.n_paths = n_paths
        self.seed = seed

    # -- design ----------------------------------------------------------------------
    def _features(self, history: np.ndarray, t: int, phase: float) -> np.ndarray:
        """Regressors for the value after ``history``'s last column.

        ``history`` has shape ``(n_series, ..., t)``; returns ``(n_series, ..., n_features)``.
        """
        columns = [np.log1p(history[..., -k]) for k in range(1, self.lags + 1)]
        columns.append(np.log1p(history[..., -self.window :].mean(axis=-1)))
        if self.cross_dyad:
            last = history[..., -1]
            others = (last.sum(axis=0, keepdims=True) - last) / (history.shape[0] - 1)
            columns.append(np.log1p(others))
        shape = columns[0].shape
        if self.trend:
            columns.append(np.full(shape, t / self.n_periods_))
        for m in range(1, self.season_harmonics + 1):
            columns += [np.full(shape, np.sin(m * phase)), np.full(shape, np.cos(m * phase))]
        return np.stack(columns, axis=-1)

    def feature_names(self) -> list[str]:
        """Names of the shared regressors, in coefficient order."""
        names = [f"log1p_lag{k}" for k in range(1, self.lags + 1)] + [f"log1p_mean{self.window}"]
        names += ["log1p_others_lag1"] if self.cross_dyad else []
        names += ["trend"] if self.trend else []
        for m in range(1, self.season_harmonics + 1):
            names += [f"sin_year{m}", f"cos_year{m}"]
        return names

    def _check(self, y: np.ndarray) -> int:
        for name, least in (("lags", 1), ("window", 1), ("season_harmonics", 0)):
            if getattr(self, name) < least:
                raise ArgumentError(name, f"{type(self).__name__}: must be >= {least}, got {getattr(self, name)}.")
        if self.series_effects not in ("dummies", "level"):
            raise ArgumentError(
                "series_effects", f"{type(self).__name__}: must be 'dummies' or 'level', got {self.series_effects!r}."
            )
        if self.cross_dyad and y.shape[0] < 2:
            raise ArgumentError(
                "cross_dyad", f"{type(self).__name__}: True needs at least two series; set cross_dyad=False."
            )
        start = max(self.lags, self.window)
        if y.shape[1] - start < 8:
            raise ValueError(
                f"{type(self).__name__} needs at least {start + 8} periods (lags={self.lags}, "
                f"window={self.window}); the panel has {y.shape[1]}."
            )
        return start

    # -- fitting ---------------------------------------------------------------------
    def _fit(self, y: np.ndarray) -> None:
        start = self._check(y)
        n_series, n_periods = y.shape
        self.phase_ = _year_phase(self.dates_.append(self.future_dates(1)))  # phase of every target period
        features = np.concatenate([self._features(y[:, :t], t, self.phase_[t]) for t in range(start, n_periods)])
        series = np.tile(np.arange(n_series), n_periods - start)
        effects = self._series_design(y)
        exog = np.column_stack([effects[series], features])
        endog = y[:, start:].T.ravel()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", _IGNORED)
            try:
                results = self._fit_likelihood(endog, exog, features)
            except np.linalg.LinAlgError as error:
                # A design column that is zero where the likelihood looks (a hurdle's positive
                # part and an all-zero series' intercept) makes statsmodels' Hessian singular.
                raise ConvergenceError(
                    f"{type(self).__name__}: the likelihood's Hessian is singular ({error}), typically an "
                    "all-zero series whose intercept has no data; drop such series or name a backtest.fallback."
                ) from error
        params = np.asarray(results.params)
        if not np.all(np.isfinite(params)):
            raise ConvergenceError(
                f"{type(self).__name__}: maximum likelihood did not converge to finite parameters; "
                "try fewer lags or cross_dyad=False."
            )
        if not _converged(results):
            raise ConvergenceError(
                f"{type(self).__name__}: the statsmodels fit did not converge (typically an all-zero or constant "
                "series sending its intercept to the boundary); drop such series or name a backtest.fallback."
            )
        self.results_ = results
        self.y_ = y
        # Far above the FORECAST_SCALE bound, so an explosive path is still flagged by it.
        self.mu_cap_ = simulation_cap(y)[:, None]  # against (series, paths)
        k = effects.shape[1]
        self._unpack(params, k, features.shape[1])
        if getattr(self, "alpha_", 0.0) > MAX_DISPERSION:
            raise ConvergenceError(
                f"{type(self).__name__}: NB2 dispersion alpha={self.alpha_:.3g} exceeds {MAX_DISPERSION:g} "
                "(the fit ran off to the boundary); drop all-zero or constant series or name a backtest.fallback."
            )
        # Per-series intercepts in both layouts: the effect columns times their coefficients.
        self.intercepts_ = effects @ self.intercepts_
        if hasattr(self, "zero_intercepts_"):
            self.zero_intercepts_ = effects @ self.zero_intercepts_

    def _series_design(self, y: np.ndarray) -> np.ndarray:
        """Columns of the series effects, one row per series."""
        if self.series_effects == "dummies":
            return np.eye(y.shape[0])
        return np.column_stack([np.ones(y.shape[0]), np.log1p(y.mean(axis=1))])

    def _fit_likelihood(self, endog: np.ndarray, exog: np.ndarray, features: np.ndarray):
        raise NotImplementedError

    def _unpack(self, params: np.ndarray, n_effects: int, n_features: int) -> None:
        """Split ``params``; ``n_effects`` is the number of series-effect columns."""
        raise NotImplementedError

    def _draw(self, log_mu: np.ndarray, features: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One simulated count per (series, path) given the linear predictor."""
        raise NotImplementedError

    def _distribution(self, h: int) -> SamplePaths:
        rng = np.random.default_rng(self.seed)
        n_series, n_periods = self.y_.shape
        phase = _year_phase(self.future_dates(h))
        paths = np.repeat(self.y_[:, None, :], self.n_paths, axis=1)  # (series, paths, T)
        draws = np.empty((n_series, h, self.n_paths))
        for step in range(h):
            features = self._features(paths, n_periods + step, phase[step])
            log_mu = self.intercepts_[:, None] + features @ self.coef_
            draws[:, step] = self._draw(log_mu, features, rng)
            paths = np.concatenate([paths, draws[:, step, :, None]], axis=2)
        self._check_scale(draws.mean(axis=(1, 2)))
        return SamplePaths(paths=draws)

    def _check_scale(self, mean_forecast: np.ndarray) -> None:
        """Raise when a series' mean forecast exceeds its history's bound (an explosive fit)."""
        bound = FORECAST_SCALE * self.y_.max(axis=1) + FORECAST_OFFSET
        wild = np.flatnonzero(~(mean_forecast <= bound))
        if wild.size:
            i = wild[0]
            raise ConvergenceError(
                f"{type(self).__name__}: mean forecast {mean_forecast[i]:.4g} for series {self.ids_[i]!r} exceeds "
                f"{FORECAST_SCALE:g} x its largest count {self.y_[i].max():g} + {FORECAST_OFFSET:g} "
                f"({wild.size} series in all): an explosive fit; try trend=false or fewer lags."
            )


def _nb_draw(mu: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    alpha = max(alpha, 1e-8)
    return rng.poisson(rng.gamma(1.0 / alpha, alpha * mu)).astype(float)


def _poisson_start(endog: np.ndarray, exog: np.ndarray) -> np.ndarray:
    # NB-type MLEs from default start values diverge on sparse series; a Poisson GLM fit
    # is the usual starting point.
    return np.asarray(sm.GLM(endog, exog, family=sm.families.Poisson()).fit().params)


class PoissonGLM(CountRegression):
    """Pooled Poisson regression (``statsmodels`` GLM); see :class:`CountRegression`."""

    _family = "poisson"

    def _fit_likelihood(self, endog, exog, features):
        return sm.GLM(endog, exog, family=sm.families.Poisson()).fit()

    def _unpack(self, params, n_effects, n_features):
        self.intercepts_, self.coef_ = params[:n_effects], params[n_effects:]

    def _draw(self, log_mu, features, rng):
        return rng.poisson(np.minimum(np.exp(log_mu), self.mu_cap_)).astype(float)


class NegativeBinomialGLM(CountRegression):
    """Pooled NB2 regression (``statsmodels`` ``NegativeBinomial``); see :class:`CountRegression`.

    ``alpha_`` is the NB2 dispersion: variance ``mu + alpha * mu**2``. On counts without
    overdispersion the likelihood rises all the way to ``alpha = 0``, where no NB2 fit
    converges: when BFGS stops unconverged below :data:`POISSON_LIMIT`, the fit is the
    Poisson GLM (``alpha_ = 0``, ``results_`` its statsmodels results).
    """

    def _fit_likelihood(self, endog, exog, features):
        model = sm.NegativeBinomial(endog, exog, loglike_method="nb2")
        start = np.append(_poisson_start(endog, exog), 0.5)
        results = model.fit(start_params=start, method="newton", maxiter=200, disp=0)
        if np.all(np.isfinite(results.params)) and _converged(results):
            return results
        # Newton steps can overflow on short, sparse panels (a singular Hessian early on) or
        # run alpha off to a huge value; BFGS from the same start takes smaller steps.
        results = model.fit(start_params=start, method="bfgs", maxiter=1000, disp=0)
        if not _converged(results) and 0.0 <= results.params[-1] < POISSON_LIMIT:
            return sm.GLM(endog, exog, family=sm.families.Poisson()).fit()
        return results

    def _unpack(self, params, n_effects, n_features):
        if params.size == n_effects + n_features:  # the Poisson limit: no dispersion parameter
            self.intercepts_, self.coef_, self.alpha_ = params[:n_effects], params[n_effects:], 0.0
            return
        self.intercepts_, self.coef_, self.alpha_ = params[:n_effects], params[n_effects:-1], float(params[-1])

    def _draw(self, log_mu, features, rng):
        return _nb_draw(np.minimum(np.exp(log_mu), self.mu_cap_), self.alpha_, rng)


class ZeroInflatedNBGLM(CountRegression):
    """Zero-inflated NB2: a logit excess-zero probability on the shared regressors (no
    per-series terms) times a pooled NB2 count; see :class:`CountRegression`.
    """

    _family = "zinb"

    def _fit_likelihood(self, endog, exog, features):
        inflate = sm.add_constant(features, has_constant="add")
        nb = sm.NegativeBinomial(endog, exog, loglike_method="nb2").fit(
            start_params=np.append(_poisson_start(endog, exog), 0.5), method="newton", maxiter=200, disp=0
        )
        # Start with a small excess-zero share (logit -3) and the NB solution.
        start = np.concatenate([[-3.0], np.zeros(features.shape[1]), np.asarray(nb.params)])
        model = ZeroInflatedNegativeBinomialP(endog, exog, exog_infl=inflate, p=2)
        return model.fit(start_params=start, method="bfgs", maxiter=500, disp=0)

    def _unpack(self, params, n_effects, n_features):
        k_infl = n_features + 1
        self.inflate_coef_ = params[:k_infl]
        count = params[k_infl:]
        self.intercepts_, self.coef_, self.alpha_ = count[:n_effects], count[n_effects:-1], float(count[-1])

    def _draw(self, log_mu, features, rng):
        excess = special.expit(self.inflate_coef_[0] + features @ self.inflate_coef_[1:])
        counts = _nb_draw(np.minimum(np.exp(log_mu), self.mu_cap_), self.alpha_, rng)
        return np.where(rng.uniform(size=counts.shape) < excess, 0.0, counts)


class HurdleNBGLM(CountRegression):
    """Hurdle model: ``P(y > 0)`` from a censored Poisson part, positives from a zero-truncated
    NB2, both on the full design (``statsmodels`` ``HurdleCountModel``); see
    :class:`CountRegression`.
    """

    _family = "hurdle"

    def _fit_likelihood(self, endog, exog, features):
        if np.all(endog > 0) or np.all(endog == 0):
            raise ValueError(f"{type(self).__name__} needs both zero and positive counts in the training panel.")
        return HurdleCountModel(endog, exog, dist="negbin", zerodist="poisson", p=2).fit(disp=0, maxiter=300)

    def _unpack(self, params, n_effects, n_features):
        k = n_effects + n_features
        self.zero_intercepts_, self.zero_coef_ = params[:n_effects], params[n_effects:k]
        count = params[k:]
        self.intercepts_, self.coef_, self.alpha_ = count[:n_effects], count[n_effects:-1], float(count[-1])

    def _draw(self, log_mu, features, rng):
        # Censored-Poisson hurdle: P(y = 0) = exp(-exp(zero linear predictor)).
        zero_mu = np.exp(np.minimum(self.zero_intercepts_[:, None] + features @ self.zero_coef_, np.log(MU_CAP)))
        positive = rng.uniform(size=log_mu.shape) >= np.exp(-zero_mu)
        size = 1.0 / max(self.alpha_, 1e-8)
        mu = np.minimum(np.exp(log_mu), self.mu_cap_)
        p = size / (size + mu)
        floor = stats.nbinom.cdf(0, size, p)  # inverse CDF restricted to y >= 1
        u = floor + rng.uniform(size=mu.shape) * (1.0 - floor)
        truncated = np.maximum(stats.nbinom.ppf(np.minimum(u, 1 - 1e-12), size, p), 1.0)
        return np.where(positive, truncated, 0.0)
