"""Baseline forecasters with a negative-binomial predictive distribution.

A point rule (last value, window mean) sets the mean. The NB dispersion for horizon ``k``
comes from the rule's own ``k``-step-ahead in-sample errors, so intervals widen where the
rule's errors do. Never Gaussian.
"""

from __future__ import annotations

import numpy as np

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster
from forecast.models.distributions import NegativeBinomial, SamplePaths, nb_dispersion


def _lagged(values: np.ndarray, k: int) -> np.ndarray:
    """``values[:, t - k]`` at column ``t``; NaN where ``t < k``."""
    out = np.full_like(values, np.nan)
    out[:, k:] = values[:, :-k]
    return out


class _PointRuleForecaster(Forecaster):
    """A baseline whose ``k``-step forecast from origin ``t`` is a function of ``y[..., :t]``.

    Parameters
    ----------
    seed : int
        Seed for sample paths.
    """

    pools_series = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        """Forecasts of ``y[:, t]`` made at origin ``t - k``; NaN where undefined."""
        raise NotImplementedError

    def _point(self, y: np.ndarray) -> np.ndarray:
        """Point forecast (flat over the horizon) from the full history, shape ``(n_series,)``."""
        raise NotImplementedError

    def _fit(self, y: np.ndarray) -> None:
        self.y_ = y
        self.point_ = self._point(y)

    def _mean(self, h: int) -> np.ndarray:
        """Forecast means ``(n_series, h)``: the point forecast, flat over the horizon."""
        return np.repeat(self.point_[:, None], h, axis=1)

    def _distribution(self, h: int) -> NegativeBinomial:
        alpha = np.column_stack([nb_dispersion(self.y_, self._in_sample(self.y_, k)) for k in range(1, h + 1)])
        return NegativeBinomial(mu=self._mean(h), alpha=alpha)


class Naive(_PointRuleForecaster):
    """Last observed value carried forward (LOCF); ``seed`` seeds sample paths."""

    def _point(self, y: np.ndarray) -> np.ndarray:
        return y[:, -1].copy()

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        return _lagged(y, k)


def _check_window(model: str, window: int, periods: int) -> None:
    """Refuse a window outside ``1..periods`` (``ArgumentError`` named ``window``)."""
    if window < 1 or window > periods:
        raise ArgumentError("window", f"{model} window={window} must be between 1 and the {periods} periods of the panel.")


class WindowAverage(_PointRuleForecaster):
    """Mean of the last ``window`` periods.

    Parameters
    ----------
    window : int
        Number of most recent periods averaged.
    seed : int
        Seed for sample paths.
    """

    def __init__(self, window: int = 8, seed: int = 0) -> None:
        self.window = window
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        _check_window("WindowAverage", self.window, y.shape[1])
        super()._fit(y)

    def _point(self, y: np.ndarray) -> np.ndarray:
        return y[:, -self.window :].mean(axis=1)

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        w = self.window
        csum = np.concatenate([np.zeros((y.shape[0], 1)), np.cumsum(y, axis=1)], axis=1)
        rolling = np.full_like(y, np.nan)
        rolling[:, w - 1 :] = (csum[:, w:] - csum[:, :-w]) / w  # mean of y[:, t - w + 1 : t + 1]
        return _lagged(rolling, k)


class Zero(_PointRuleForecaster):
    """Always zero: the floor every model must beat on sparse dyads (a point mass at 0)."""

    def _point(self, y: np.ndarray) -> np.ndarray:
        return np.zeros(y.shape[0])

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        # A zero mean has no NB spread to estimate: nb_dispersion returns 0 (point mass).
        return np.zeros_like(y)


class HistoricAverage(_PointRuleForecaster):
    """Mean of the whole training history; ``seed`` seeds sample paths."""

    def _point(self, y: np.ndarray) -> np.ndarray:
        return y.mean(axis=1)

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        return _lagged(np.cumsum(y, axis=1) / np.arange(1, y.shape[1] + 1), k)  # mean of y[:, : t + 1]


class SeasonalNaive(_PointRuleForecaster):
    """Value of the same phase one season earlier.

    Parameters
    ----------
    season_length : int
        Periods per season (4 on weekly panels: a month-like cycle; 52 needs more than a
        year of history, longer than one ICEWS coverage window).
    seed : int
        Seed for sample paths.
    """

    def __init__(self, season_length: int = 4, seed: int = 0) -> None:
        self.season_length = season_length
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        if self.season_length < 1 or self.season_length > y.shape[1]:
            raise ArgumentError(
                "season_length",
                f"SeasonalNaive season_length={self.season_length} must be between 1 and the "
                f"{y.shape[1]} periods of the panel.",
            )
        super()._fit(y)

    def _point(self, y: np.ndarray) -> np.ndarray:
        return y[:, -self.season_length :]

    def _in_sample(self, y: np.ndarray, k: int) -> np.ndarray:
        # From origin t-k the forecast of y[t] is y[t - m * ceil(k / m)].
        return _lagged(y, self.season_length * -(-k // self.season_length))

    def _mean(self, h: int) -> np.ndarray:
        return self.point_[:, np.arange(h) % self.season_length]


class Conflictology(Forecaster):
    """Each series' empirical distribution over its last ``window`` periods, held flat.

    The ViEWS prediction challenge's "conflictology" benchmark: the predictive law at every
    step is the observed counts of the window, each with mass ``1 / window``, so its
    quantiles are observed integers and its CRPS is exact (no sampling error).

    Parameters
    ----------
    window : int
        Most recent periods whose counts form the distribution (8 on weekly panels; the
        ViEWS benchmark uses 12 months).
    seed : int
        Seed for sample paths.
    """

    pools_series = False

    def __init__(self, window: int = 8, seed: int = 0) -> None:
        self.window = window
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        _check_window("Conflictology", self.window, y.shape[1])
        self.recent_ = y[:, -self.window :].copy()

    def _distribution(self, h: int) -> SamplePaths:
        return SamplePaths(paths=np.repeat(self.recent_[:, None, :], h, axis=1))
