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

import lightgbm
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


#: Quantile levels of :class:`GlobalLGBMQuantile`'s boosters.
_LGBM_LEVELS = np.array([0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])


def _group_matrix(ids: list[str], part: int) -> np.ndarray:
    """``(n_series, n_series)`` 0/1 matrix: series sharing the source (``part=0``) or target (``part=1``).

    Ids are ``<dyad>/<family>`` with dyads ``A>B`` (directed) or ``A-B``; an id without that
    shape is its own group.
    """
    keys = []
    for uid in ids:
        dyad = uid.split("/", 1)[0]
        sides = dyad.replace(">", "-").split("-")
        keys.append(sides[part] if len(sides) == 2 else uid)
    keys_arr = np.asarray(keys)
    return (keys_arr[:, None] == keys_arr[None, :]).astype(float)


def _dyad_family_matrices(ids: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """Per event family, the 0/1 matrix picking that family of each series' dyad, and each series' family code.

    Ids are ``<dyad>/<family>``; an id without a ``/`` has the family ``""``. Matrix ``g``
    has a 1 at ``(i, j)`` when series ``j`` is family ``g`` of the dyad of series ``i``;
    codes index the sorted family names.
    """
    dyads, families = zip(*((uid.split("/", 1) if "/" in uid else (uid, "")) for uid in ids), strict=True)
    dyads_arr, families_arr = np.asarray(dyads), np.asarray(families)
    names = sorted(set(families))
    same_dyad = dyads_arr[:, None] == dyads_arr[None, :]
    matrices = [(same_dyad & (families_arr[None, :] == name)).astype(float) for name in names]
    return matrices, np.searchsorted(names, families_arr).astype(float)


def _same_dyad_other_family(ids: list[str]) -> np.ndarray:
    """0/1 matrix of the other families of the same dyad (the cross-family indicators)."""
    dyads = np.asarray([uid.split("/", 1)[0] if "/" in uid else uid for uid in ids])
    same = (dyads[:, None] == dyads[None, :]).astype(float)
    np.fill_diagonal(same, 0.0)
    return same


#: Smoothing constant of the local recursions behind ``local_forecasts`` (the issue's TSB(0.1, 0.1)).
_LOCAL_ALPHA = 0.1


def local_forecasts(y: np.ndarray) -> np.ndarray:
    """Flat point forecasts of simple local models after every prefix of ``y``.

    Entry ``[:, o, :]`` uses ``y[:, :o]`` only (NaN at ``o = 0``): TSB (demand probability
    and size smoothed with 0.1), Croston-SBA (sizes and intervals smoothed with 0.1, times
    0.95), SES with 0.1 and 0.3 (started at the first value) and the historic average. These
    are numpy recursions of the statsforecast models of the same names with fixed constants,
    so every origin's forecasts cost one pass over the panel.

    Parameters
    ----------
    y : numpy.ndarray
        ``(n_series, n_periods)`` counts.

    Returns
    -------
    numpy.ndarray
        ``(n_series, n_periods + 1, 5)``.
    """
    n_series, n_periods = y.shape
    a = _LOCAL_ALPHA
    out = np.full((n_series, n_periods + 1, 5), np.nan)
    p, size = np.zeros(n_series), np.zeros(n_series)
    demand, interval, since = np.zeros(n_series), np.zeros(n_series), np.zeros(n_series)
    seen = np.zeros(n_series, dtype=bool)
    ses1, ses3, total = y[:, 0].astype(float), y[:, 0].astype(float), np.zeros(n_series)
    for t in range(n_periods):
        value = y[:, t]
        positive = value > 0
        since += 1
        if t == 0:
            p = positive.astype(float)
        else:
            p = p + a * (positive - p)
            ses1, ses3 = ses1 + a * (value - ses1), ses3 + 0.3 * (value - ses3)
        first = positive & ~seen
        again = positive & seen
        size = np.where(first, value, np.where(again, size + a * (value - size), size))
        demand = np.where(first, value, np.where(again, demand + a * (value - demand), demand))
        interval = np.where(first, since, np.where(again, interval + a * (since - interval), interval))
        since = np.where(positive, 0.0, since)
        seen |= positive
        total += value
        croston = np.where(seen, 0.95 * demand / np.where(seen, interval, 1.0), 0.0)
        out[:, t + 1] = np.column_stack([p * size, croston, ses1, ses3, total / (t + 1)])
    return out


class GlobalLGBMQuantile(Forecaster):
    """One LightGBM per quantile level, pooled over every series, origin and horizon.

    Rows are every (series, origin ``o >= min_origin``, step ``k <= max_horizon``) whose
    target ``y[o + k - 1]`` lies in the training panel; the target is
    ``log1p(y) - log(scale)`` with ``scale`` = the mean of the last 8 values + 1. Features
    (all from ``y[:, :o]``): the last 8 values and the 2/4/13/26-period means over
    ``scale``, ``log(scale)``, the share of zeros in the last 8, ``k``, volume ratios (latest
    total over its 8-period mean + 1) of the series sharing the source, the target and of the
    whole panel, the other families of the same dyad (latest and 8-period mean over
    ``scale``: what the dyad announced in other event families), and on monthly panels the
    values 12 and 13 back. With ``family_lags > 0``, also the counts of every event family
    of the same dyad at lags ``1..family_lags`` over ``scale`` (NaN where the dyad has no
    series of that family) and the series' own family code, so the pooled trees can learn
    which family leads which (intent to meet leading visits). With ``local_forecasts``, also
    the point forecasts of :func:`local_forecasts` (TSB, Croston-SBA, SES, historic average)
    at the origin over ``scale``. Predicted quantiles are sorted, shifted by ``log(scale)``,
    back-transformed and read as a :class:`QuantileGrid` (rounded onto the counts).

    Parameters
    ----------
    max_horizon : int
        Longest step trained; ``predict(h)`` needs ``h <= max_horizon``.
    min_origin : int
        First origin (periods of history) of a training row.
    n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree
        LightGBM settings.
    family_lags : int
        Lags of the per-family cross-family indicators; 0 leaves them out.
    local_forecasts : bool
        Add the local models' forecasts over ``scale`` as features.
    num_threads : int
        LightGBM threads (fixed, with ``deterministic=True``, for identical bytes).
    seed : int
        LightGBM seed and seed of sample paths.
    """

    def __init__(
        self,
        max_horizon: int = 8,
        min_origin: int = 6,
        n_estimators: int = 150,
        learning_rate: float = 0.05,
        num_leaves: int = 15,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        family_lags: int = 0,
        local_forecasts: bool = False,
        num_threads: int = 1,
        seed: int = 0,
    ) -> None:
        self.max_horizon = max_horizon
        self.min_origin = min_origin
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.family_lags = family_lags
        self.local_forecasts = local_forecasts
        self.num_threads = num_threads
        self.seed = seed

    def _origin_features(self, history: np.ndarray, local: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Features at the end of ``history`` without ``k``, and ``log(scale)``, per series.

        ``local`` is ``local_forecasts(y)[:, len(history)]`` when ``local_forecasts`` is set.
        """
        n_series, n = history.shape
        last8 = np.full((n_series, 8), np.nan)
        take = min(8, n)
        last8[:, 8 - take :] = history[:, n - take :]
        scale = history[:, -take:].mean(axis=1) + 1.0
        columns = [last8 / scale[:, None]]
        columns += [(history[:, -w:].mean(axis=1) / scale)[:, None] for w in (2, 4, 13, 26)]
        columns.append(np.log(scale)[:, None])
        columns.append((history[:, -take:] == 0).mean(axis=1)[:, None])
        for groups in self.groups_:
            latest = groups @ history[:, -1]
            mean8 = groups @ history[:, -take:].mean(axis=1)
            columns.append((latest / (mean8 + 1.0))[:, None])
        columns.append((self.families_ @ history[:, -1] / scale)[:, None])
        columns.append((self.families_ @ history[:, -take:].mean(axis=1) / scale)[:, None])
        if self.family_lags > 0:
            matrices, codes = self.family_matrices_
            for matrix in matrices:
                present = matrix.sum(axis=1) > 0
                for lag in range(1, self.family_lags + 1):
                    back = history[:, -lag] if n >= lag else np.full(n_series, np.nan)
                    columns.append(np.where(present, matrix @ back / scale, np.nan)[:, None])
            columns.append(codes[:, None])
        if self.monthly_:
            for lag in (12, 13):
                back = history[:, -lag] if n >= lag else np.full(n_series, np.nan)
                columns.append((back / scale)[:, None])
        if local is not None:
            columns.append(local / scale[:, None])
        return np.hstack(columns), np.log(scale)

    def _booster_params(self, alpha: float) -> dict:
        return {
            "objective": "quantile",
            "alpha": float(alpha),
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": 1,
            "colsample_bytree": self.colsample_bytree,
            "num_threads": self.num_threads,
            "deterministic": True,
            "force_row_wise": True,
            "random_state": self.seed,
            "verbosity": -1,
        }

    def _fit(self, y: np.ndarray) -> None:
        for name in ("max_horizon", "min_origin", "n_estimators", "num_threads"):
            if getattr(self, name) < 1:
                raise ArgumentError(name, f"{type(self).__name__}: must be >= 1, got {getattr(self, name)!r}.")
        if self.family_lags < 0:
            raise ArgumentError("family_lags", f"{type(self).__name__}: must be >= 0, got {self.family_lags!r}.")
        if y.shape[1] < self.min_origin + 2:
            raise ValueError(
                f"{type(self).__name__} needs at least {self.min_origin + 2} periods (min_origin={self.min_origin}); "
                f"the panel has {y.shape[1]}. Lower min_origin."
            )
        everything = np.ones((len(self.ids_), len(self.ids_)))
        self.groups_ = [_group_matrix(self.ids_, 0), _group_matrix(self.ids_, 1), everything]
        self.families_ = _same_dyad_other_family(self.ids_)
        self.family_matrices_ = _dyad_family_matrices(self.ids_)
        self.monthly_ = str(self.freq_).startswith(("M", "ME", "MS"))
        # Each origin's local forecasts read only the periods before it.
        local = local_forecasts(y) if self.local_forecasts else None
        X, target = [], []
        for origin in range(self.min_origin, y.shape[1]):
            features, log_scale = self._origin_features(y[:, :origin], None if local is None else local[:, origin])
            for k in range(1, min(self.max_horizon, y.shape[1] - origin) + 1):
                X.append(np.column_stack([features, np.full(len(features), k)]))
                target.append(np.log1p(y[:, origin + k - 1]) - log_scale)
        X_all, target_all = np.concatenate(X), np.concatenate(target)
        self.boosters_ = [
            lightgbm.LGBMRegressor(**self._booster_params(q)).fit(X_all, target_all) for q in _LGBM_LEVELS
        ]
        self.features_, self.log_scale_ = self._origin_features(y, None if local is None else local[:, -1])

    def _distribution(self, h: int) -> QuantileGrid:
        if h > self.max_horizon:
            raise ArgumentError(
                "h", f"{type(self).__name__} was trained up to max_horizon={self.max_horizon}; h={h} needs a larger one."
            )
        n_series = len(self.ids_)
        X = np.concatenate([np.column_stack([self.features_, np.full(n_series, k)]) for k in range(1, h + 1)])
        raw = np.stack([b.predict(X) for b in self.boosters_], axis=-1).reshape(h, n_series, -1)
        logs = np.sort(raw, axis=-1).transpose(1, 0, 2) + self.log_scale_[:, None, None]
        values = np.clip(np.expm1(logs), 0.0, None)
        grid = QuantileGrid(levels=_LGBM_LEVELS, values=values, point=values[..., 3])
        # The mean of the rounded law, by its quantile function over 19 levels.
        point = np.mean([grid.quantile(q) for q in np.linspace(0.05, 0.95, 19)], axis=0)
        return QuantileGrid(levels=_LGBM_LEVELS, values=values, point=point)
