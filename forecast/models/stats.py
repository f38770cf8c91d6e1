"""Adapter for statsforecast models: their point forecasts, our count distribution.

statsforecast's own parametric intervals are Gaussian. Around its point forecast we put
either a negative binomial (or a Poisson-log-normal of the same mean and variance) whose
dispersion comes from the model's in-sample one-step residuals (optionally widened with the
horizon by the growth of its k-step errors over rolling origins), or statsforecast's
conformal intervals (``ConformalIntervals``) read as a grid of quantiles and rounded onto
the counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import statsforecast.models as sf_models
from statsforecast import StatsForecast
from statsforecast.utils import ConformalIntervals

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster, grid_layout
from forecast.models.distributions import CountDistribution, QuantileGrid, nb_dispersion, parametric_count_law

# Central interval levels (percent) requested from the conformal engine: together with the
# point forecast as median they give quantiles 0.01, 0.025, 0.05, 0.1, ..., 0.99.
_CONFORMAL_LEVELS: tuple[int, ...] = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 98)
# Fewest training periods of a rolling origin behind ``growth="horizon"``'s k-step errors,
# and fewest origins: below that the bands stay flat rather than follow one or two errors.
_GROWTH_MIN_TRAIN = 8
_GROWTH_MIN_ORIGINS = 4


def horizon_growth(errors: np.ndarray) -> np.ndarray:
    """Variance growth factors ``r_k = 1 + (b / a) (k - 1)`` from k-step forecast errors.

    Per series, the mean squared k-step error ``v_k`` is fitted by least squares with the
    line ``a + b (k - 1)``, ``b >= 0``: the linear growth of a random-walk level, whose
    k-step error variance is ``k * sigma_level**2`` plus the observation noise. A line
    (rather than the raw ratios ``v_k / v_1``) keeps the noise of a few dozen origins from
    widening the bands of a series whose errors do not grow.

    Parameters
    ----------
    errors : numpy.ndarray
        ``y - forecast`` at step ``k`` from rolling origins, shape ``(n_series, h, n_origins)``;
        NaN where an origin has no error at that step.

    Returns
    -------
    numpy.ndarray
        ``r_k >= 1`` with ``r_1 = 1``, shape ``(n_series, h)``.
    """
    v = np.nanmean(errors**2, axis=-1)  # (n_series, h)
    h = v.shape[1]
    if h == 1:
        return np.ones_like(v)
    k = np.arange(h, dtype=float)
    k_centred = k - k.mean()
    slope = np.clip((v - v.mean(axis=1, keepdims=True)) @ k_centred / (k_centred @ k_centred), 0.0, None)
    intercept = v.mean(axis=1) - slope * k.mean()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(intercept > 0, slope / intercept, 0.0)
    # A non-positive intercept (a growth fitted through zero) caps at the raw v_h / v_1.
    raw = np.where(v[:, 0] > 0, v[:, -1] / np.where(v[:, 0] > 0, v[:, 0], 1.0), 1.0)
    ratio = np.where(intercept > 0, ratio, np.clip(raw - 1.0, 0.0, None) / (h - 1))
    return 1.0 + ratio[:, None] * k[None, :]


class StatsForecastModel(Forecaster):
    """Any ``statsforecast.models`` class with a count predictive distribution.

    Parameters
    ----------
    model : str
        Class name in ``statsforecast.models`` (``AutoETS``, ``CrostonSBA``, ``TSB``, ...).
    params : dict, optional
        Keyword arguments for that class.
    conformal_windows : int, optional
        When set, intervals come from statsforecast's ``ConformalIntervals`` with this many
        calibration windows (each ``h`` periods, so the panel needs more than
        ``conformal_windows * h`` periods); otherwise ``count_distribution`` with in-sample
        dispersion.
    count_distribution : {"negative_binomial", "poisson_lognormal"}
        The count law around the point forecast when ``conformal_windows`` is None. Both
        have variance ``mu + alpha * mu**2``; the Poisson-log-normal is more peaked with a
        longer right tail.
    dispersion : {"residual", "index"}
        Where the NB spread comes from: ``"residual"`` estimates ``alpha`` from the in-sample
        one-step residuals; ``"index"`` sets the variance to ``phi * mean`` with ``phi =
        max(1, var / mean)`` of the training values (the index of dispersion), i.e.
        ``alpha = (phi - 1) / mean`` at each step, which heavy-tailed residuals cannot inflate.
    growth : {"flat", "horizon"}
        ``"flat"`` keeps the step-1 law's dispersion at every step. ``"horizon"`` multiplies
        the law's variance at step ``k`` by :func:`horizon_growth` of the model's own k-step
        errors, from statsforecast's ``cross_validation`` (refitted at every origin with at
        least 8 training periods, all inside the training panel, so strictly before the
        cutoff): bands widen with ``k`` where the history's errors grew with ``k``. A panel
        with fewer than 4 such origins keeps flat bands.
    seed : int
        Seed for sample paths.
    """

    pools_series = False

    def __init__(
        self,
        model: str = "AutoETS",
        params: dict[str, Any] | None = None,
        conformal_windows: int | None = None,
        count_distribution: str = "negative_binomial",
        dispersion: str = "residual",
        growth: str = "flat",
        seed: int = 0,
    ) -> None:
        self.model = model
        self.params = params
        self.conformal_windows = conformal_windows
        self.count_distribution = count_distribution
        self.dispersion = dispersion
        self.growth = growth
        self.seed = seed

    def _engine(self, h: int | None = None) -> StatsForecast:
        model_class = getattr(sf_models, self.model, None)
        if not isinstance(model_class, type):
            raise ArgumentError("model", f"StatsForecastModel: {self.model!r} is not a class of statsforecast.models.")
        params = dict(self.params or {})
        if h is not None:
            params["prediction_intervals"] = ConformalIntervals(h=h, n_windows=self.conformal_windows)
        params["alias"] = "point"
        return StatsForecast(models=[model_class(**params)], freq=self.freq_, n_jobs=1)

    def _wide(self, frame: pd.DataFrame, column: str) -> np.ndarray:
        """``column`` of statsforecast's long output as ``(n_series, h)`` rows in ``ids_`` order (missing: 0)."""
        # statsforecast returns whole series in the order it was given them: a reshape is the pivot.
        layout = grid_layout(frame["unique_id"].to_numpy(), frame["ds"].to_numpy())
        if layout is not None and layout[0].tolist() == self.ids_:
            return np.nan_to_num(frame[column].to_numpy(dtype=float).reshape(len(self.ids_), -1), nan=0.0)
        values = frame.pivot(index="unique_id", columns="ds", values=column).loc[self.ids_].to_numpy(dtype=float)
        return np.nan_to_num(values, nan=0.0)

    def _fit(self, y: np.ndarray) -> None:
        if self.conformal_windows is not None and self.conformal_windows < 2:
            raise ArgumentError(
                "conformal_windows", f"StatsForecastModel: {self.conformal_windows} must be >= 2 or None."
            )
        parametric_count_law(self.count_distribution, "StatsForecastModel.count_distribution")  # validates
        if self.conformal_windows is not None and self.count_distribution != "negative_binomial":
            raise ArgumentError(
                "count_distribution",
                f"StatsForecastModel: count_distribution={self.count_distribution!r} and conformal_windows="
                f"{self.conformal_windows} both set the intervals; drop one of them.",
            )
        if self.dispersion not in ("residual", "index"):
            raise ArgumentError("dispersion", f"StatsForecastModel: {self.dispersion!r} is not 'residual' or 'index'.")
        if self.growth not in ("flat", "horizon"):
            raise ArgumentError("growth", f"StatsForecastModel: {self.growth!r} is not 'flat' or 'horizon'.")
        if self.growth == "horizon" and self.conformal_windows is not None:
            raise ArgumentError(
                "growth",
                "StatsForecastModel: growth='horizon' widens the parametric law; conformal intervals are already "
                "calibrated per horizon, drop one of them.",
            )
        mean = y.mean(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.phi_ = np.where(mean > 0, np.maximum(1.0, y.var(axis=1) / mean), 1.0)
        self.frame_ = self.long_frame(y)
        if self.dispersion == "residual" and self.conformal_windows is None:
            # Fit once: the NB path predicts from these fitted models without refitting.
            engine = self._engine()
            engine.fit(df=self.frame_)
            # Some statsforecast models have no in-sample forecasts.
            in_sample = {str(uid): m.predict_in_sample()["fitted"] for uid, m in zip(engine.uids, engine.fitted_[:, 0])}
            self.alpha_ = nb_dispersion(y, np.stack([in_sample[uid] for uid in self.ids_]).astype(float))
            self.engine_ = engine

    def _step_errors(self, h: int) -> np.ndarray | None:
        """k-step errors ``y - forecast`` of rolling origins inside the training panel, ``(n_series, h, n_origins)``.

        Origins run from :data:`_GROWTH_MIN_TRAIN` training periods to the last one with ``h``
        periods after it; None when that gives fewer than :data:`_GROWTH_MIN_ORIGINS` origins.
        """
        n_windows = self.n_periods_ - h - _GROWTH_MIN_TRAIN + 1
        if n_windows < _GROWTH_MIN_ORIGINS:
            return None
        cv = self._engine().cross_validation(df=self.frame_, h=h, n_windows=n_windows, step_size=1)
        cv = cv.sort_values(["unique_id", "cutoff", "ds"])
        errors = (cv["y"] - cv["point"].clip(lower=0.0)).to_numpy(dtype=float)
        order = {uid: i for i, uid in enumerate(self.ids_)}
        rows = cv["unique_id"].astype(str).map(order).to_numpy()
        out = np.full((len(self.ids_), h, n_windows), np.nan)
        step = np.tile(np.arange(h), len(cv) // h)
        origin = np.tile(np.repeat(np.arange(n_windows), h), len(cv) // (h * n_windows))
        out[rows, step, origin] = errors
        return out

    def _distribution(self, h: int) -> CountDistribution:
        if self.conformal_windows is None:
            # Without residuals nothing is learned before h is known: statsforecast's one-pass
            # ``forecast`` (what its cross_validation runs) gives the same points as fit + predict.
            point = self.engine_.predict(h=h) if self.dispersion == "residual" else self._engine().forecast(df=self.frame_, h=h)
            mu = np.clip(self._wide(point, "point"), 0.0, None)  # level models can dip below zero
            law = parametric_count_law(self.count_distribution, "StatsForecastModel.count_distribution")
            if self.dispersion == "index":
                with np.errstate(divide="ignore", invalid="ignore"):
                    alpha = np.where(mu > 0, (self.phi_[:, None] - 1.0) / mu, 0.0)
            else:
                alpha = np.repeat(self.alpha_[:, None], h, axis=1)
            errors = self._step_errors(h) if self.growth == "horizon" else None
            if errors is not None:
                # Variance mu + alpha mu^2 times r_k: alpha_k = r_k alpha + (r_k - 1) / mu.
                r = horizon_growth(errors)
                with np.errstate(divide="ignore", invalid="ignore"):
                    alpha = np.where(mu > 0, r * alpha + (r - 1.0) / mu, 0.0)
            return law(mu=mu, alpha=alpha)
        needed = self.conformal_windows * h + 1
        if self.n_periods_ < needed:
            raise ValueError(
                f"StatsForecastModel: conformal intervals with conformal_windows={self.conformal_windows} and h={h} "
                f"need at least {needed} periods, the panel has {self.n_periods_}; lower conformal_windows."
            )
        # Conformal intervals are calibrated for one horizon, so they need their own fit.
        frame = self._engine(h).forecast(df=self.frame_, h=h, level=list(_CONFORMAL_LEVELS))
        levels, columns = [0.5], ["point"]
        for level in _CONFORMAL_LEVELS:
            levels += [(1 - level / 100) / 2, (1 + level / 100) / 2]
            columns += [f"point-lo-{level}", f"point-hi-{level}"]
        order = np.argsort(levels)
        values = np.stack([self._wide(frame, columns[i]) for i in order], axis=-1)
        mean = np.clip(self._wide(frame, "point"), 0.0, None)
        return QuantileGrid(levels=np.asarray(levels)[order], values=values, point=mean)
