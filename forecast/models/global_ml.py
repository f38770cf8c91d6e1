"""A global gradient-boosting model pooled across every dyad of the panel.

One scikit-learn ``HistGradientBoostingRegressor(loss="poisson")`` learns the next count
of any series from its own lags, rolling means, long-run level, recent share of active
weeks and the lagged mean of the other series. Multi-step means are recursive (each
predicted mean fed back as a lag). Intervals are split-conformal: a calibration copy fitted
on an earlier part of the panel forecasts the held-out periods, and the pooled, studentised
errors ``(y - mu) / sqrt(mu + 1)`` per horizon turn every point forecast into a grid of
quantiles, rounded onto the counts.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingRegressor
from threadpoolctl import threadpool_limits

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster
from forecast.models.distributions import QuantileGrid

# Quantile levels of the conformal grid (the median of the scores included).
_GRID = np.array([0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                  0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99])  # fmt: skip


class GlobalBoostedPoisson(Forecaster):
    """Pooled ``HistGradientBoostingRegressor(loss="poisson")`` with split-conformal intervals.

    Parameters
    ----------
    lags : int
        Own lags used as features.
    windows : sequence of int
        Own rolling-mean windows.
    max_horizon : int
        Longest horizon calibrated; ``predict(h)`` needs ``h <= max_horizon``.
    calibration_origins : int
        Consecutive forecast origins of the calibration copy; with ``n_series`` series
        they yield ``n_series * calibration_origins`` scores per horizon.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf : int or float
        Passed to ``HistGradientBoostingRegressor``.
    seed : int
        ``random_state`` of the booster and seed of sample paths.
    """

    def __init__(
        self,
        lags: int = 4,
        windows: tuple[int, ...] | list[int] = (4, 8, 16),
        max_horizon: int = 8,
        calibration_origins: int = 3,
        max_iter: int = 200,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        seed: int = 0,
    ) -> None:
        self.lags = lags
        self.windows = windows
        self.max_horizon = max_horizon
        self.calibration_origins = calibration_origins
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.seed = seed

    def _features(self, history: np.ndarray) -> np.ndarray:
        """Features for the value after ``history``'s last column, shape ``(n_series, n_features)``."""
        n_series = history.shape[0]
        columns = [history[:, -k] for k in range(1, self.lags + 1)]
        columns += [history[:, -w:].mean(axis=1) for w in self.windows]
        columns.append(history.mean(axis=1))  # long-run level: lets one model serve every scale
        columns.append((history[:, -8:] > 0).mean(axis=1))
        last = history[:, -1]
        others = (last.sum() - last) / max(n_series - 1, 1)
        columns.append(others)
        return np.column_stack(columns)

    def _booster(self, y: np.ndarray) -> HistGradientBoostingRegressor:
        starts = range(self.lags, y.shape[1])
        X = np.concatenate([self._features(y[:, :t]) for t in starts])
        target = np.concatenate([y[:, t] for t in starts])
        booster = HistGradientBoostingRegressor(
            loss="poisson",
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            random_state=self.seed,
        )
        return booster.fit(X, target)

    def _recursive_mean(self, booster: HistGradientBoostingRegressor, history: np.ndarray, h: int) -> np.ndarray:
        """Means for ``h`` steps after ``history``, feeding each mean back, shape ``(n_series, h)``."""
        path = history.copy()
        for _ in range(h):
            step = np.clip(booster.predict(self._features(path)), 0.0, None)
            path = np.column_stack([path, step])
        return path[:, history.shape[1] :]

    def _fit(self, y: np.ndarray) -> None:
        # Panels are a few thousand rows: OpenMP start-up and oversubscription (e.g. beside
        # other fits) cost far more than the threads save, so the booster runs on one thread.
        with threadpool_limits(limits=1, user_api="openmp"):
            self._fit_single_thread(y)

    def _fit_single_thread(self, y: np.ndarray) -> None:
        smallest = {
            "lags": self.lags,
            "windows": min(self.windows, default=1),
            "max_horizon": self.max_horizon,
            "calibration_origins": self.calibration_origins,
        }
        for name, value in smallest.items():
            if value < 1:
                raise ArgumentError(name, f"{type(self).__name__}: must be >= 1, got {getattr(self, name)!r}.")
        held_out = self.max_horizon + self.calibration_origins - 1
        if y.shape[1] - held_out < self.lags + 4:
            raise ValueError(
                f"{type(self).__name__} needs at least {self.lags + 4 + held_out} periods (lags={self.lags}, "
                f"max_horizon={self.max_horizon}, calibration_origins={self.calibration_origins}); the panel "
                f"has {y.shape[1]}. Lower max_horizon or calibration_origins."
            )
        # Split conformal: a copy fitted before the held-out block forecasts it from
        # successive origins; its studentised errors per horizon calibrate the intervals.
        first_origin = y.shape[1] - held_out
        calibration = self._booster(y[:, :first_origin])
        scores = [[] for _ in range(self.max_horizon)]
        for origin in range(first_origin, first_origin + self.calibration_origins):
            mu = self._recursive_mean(calibration, y[:, :origin], self.max_horizon)
            for k in range(self.max_horizon):
                scores[k].append((y[:, origin + k] - mu[:, k]) / np.sqrt(mu[:, k] + 1.0))
        self.score_quantiles_ = np.stack([np.quantile(np.concatenate(s), _GRID) for s in scores])  # (H, levels)
        self.booster_ = self._booster(y)
        self.y_ = y

    def _distribution(self, h: int) -> QuantileGrid:
        if h > self.max_horizon:
            raise ArgumentError(
                "h",
                f"{type(self).__name__} was calibrated up to max_horizon={self.max_horizon}; h={h} needs a "
                "larger max_horizon.",
            )
        with threadpool_limits(limits=1, user_api="openmp"):
            mu = self._recursive_mean(self.booster_, self.y_, h)
        values = mu[..., None] + self.score_quantiles_[None, :h, :] * np.sqrt(mu[..., None] + 1.0)
        return QuantileGrid(levels=_GRID, values=values, point=mu)
