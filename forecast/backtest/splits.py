"""Rolling-origin evaluation: refit at each cutoff on data up to it, score the next h periods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.backtest.scoring import distribution_scores
from forecast.errors import ArgumentError
from forecast.models.base import DEFAULT_QUANTILES, Forecaster
from forecast.progress import progress

#: Minimum training periods of an expanding window when ``train_size`` is not set.
MIN_TRAIN = 8


@dataclass(frozen=True)
class BacktestSpec:
    """A rolling-origin protocol.

    Parameters
    ----------
    horizon : int
        Periods scored from each cutoff.
    n_windows : int
        Number of cutoffs.
    step : int
        Periods between consecutive cutoffs.
    window : {"expanding", "sliding"}
        Train on everything up to the cutoff, or on the last ``train_size`` periods.
    train_size : int, optional
        Length of the sliding window; the minimum training length for ``expanding``
        (default :data:`MIN_TRAIN`).
    gap : int
        Periods skipped between the cutoff and the first scored period (data that would
        not yet be available at forecast time); leads ``gap + 1 .. gap + horizon`` are scored.
    quantiles : sequence of float
        Predictive quantile levels to record.
    n_samples : int
        Predictive draws per forecast for the sample CRPS (0 skips it).
    spike_quantile : float
        A spike is a count above this quantile of the series' training history.
    seed : int
        Seed of the draws.
    """

    horizon: int = 8
    n_windows: int = 3
    step: int = 4
    window: str = "expanding"
    train_size: int | None = None
    gap: int = 0
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    n_samples: int = 100
    spike_quantile: float = 0.9
    seed: int = 0

    def __post_init__(self) -> None:
        if self.window not in ("expanding", "sliding"):
            raise ArgumentError("window", f"must be 'expanding' or 'sliding', got {self.window!r}.")
        for name in ("horizon", "n_windows", "step"):
            if getattr(self, name) < 1:
                raise ArgumentError(name, f"must be >= 1, got {getattr(self, name)}.")
        for name in ("gap", "n_samples"):
            if getattr(self, name) < 0:
                raise ArgumentError(name, f"must be >= 0, got {getattr(self, name)}.")
        if self.window == "sliding" and not self.train_size:
            raise ArgumentError("train_size", "window='sliding' needs train_size (periods in each training window).")
        if not 0 < self.spike_quantile < 1:
            raise ArgumentError("spike_quantile", f"must lie in (0, 1), got {self.spike_quantile}.")
        if any(not 0 < float(q) < 1 for q in self.quantiles):
            raise ArgumentError("quantiles", f"must lie in (0, 1), got {list(self.quantiles)}.")


def cutoffs(dates: pd.DatetimeIndex, spec: BacktestSpec) -> list[pd.Timestamp]:
    """The cutoff dates: the last of them leaves exactly ``gap + horizon`` periods to score.

    Raises
    ------
    ArgumentError
        On ``n_windows``, when ``gap + horizon + step * (n_windows - 1)`` plus the minimum
        training length does not fit in the panel, with the numbers and the fix.
    """
    dates = pd.DatetimeIndex(sorted(dates.unique()))
    lead = spec.gap + spec.horizon
    needed = lead + spec.step * (spec.n_windows - 1)
    min_train = spec.train_size or MIN_TRAIN
    if needed + min_train > len(dates):
        raise ArgumentError(
            "n_windows",
            f"the backtest needs {needed} scored periods (gap {spec.gap} + horizon {spec.horizon} + step "
            f"{spec.step} x (n_windows {spec.n_windows} - 1)) plus {min_train} training periods, but the panel "
            f"has {len(dates)}. Lower n_windows, step or horizon.",
        )
    last = len(dates) - lead - 1
    return [dates[last - spec.step * k] for k in reversed(range(spec.n_windows))]


def insample_scale(history: np.ndarray, spike_quantile: float) -> dict[str, np.ndarray]:
    """Per-series scales of the training history, shape ``(n_series,)`` each.

    ``scale_abs`` and ``scale_sq`` are the mean absolute and mean squared one-step naive
    errors (the MASE and RMSSE denominators, Hyndman & Koehler 2006); they are NaN for a
    constant history, where scaled errors are undefined. ``spike_threshold`` is the
    ``spike_quantile`` of the history.
    """
    diff = np.diff(history, axis=1)
    scale_abs = np.abs(diff).mean(axis=1)
    scale_sq = (diff**2).mean(axis=1)
    return {
        "scale_abs": np.where(scale_abs > 0, scale_abs, np.nan),
        "scale_sq": np.where(scale_sq > 0, scale_sq, np.nan),
        "spike_threshold": np.quantile(history, spike_quantile, axis=1),
    }


def rolling_origin(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec) -> pd.DataFrame:
    """Backtest every model over the cutoffs of ``spec``.

    Each cutoff refits a clone of every model on the rows with ``ds <= cutoff`` only, so
    nothing learned at one cutoff carries into the next. The realised values after the cutoff are used
    only to score the forecast already made.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, cutoff, y, model, mean, q<level>...`` then ``horizon`` (lead in
        periods), the training-history columns of :func:`insample_scale` and the per-row
        distribution scores of :func:`forecast.backtest.scoring.distribution_scores`.
    """
    panel = panel[["unique_id", "ds", "y"]]
    wide = panel.pivot(index="unique_id", columns="ds", values="y").sort_index(axis=1)
    wide.index = wide.index.astype(str)
    dates = pd.DatetimeIndex(wide.columns)
    lead = spec.gap + spec.horizon
    frames = []
    windows = cutoffs(dates, spec)
    bar = progress(total=len(windows) * len(models), desc="backtest", unit="fit")  # progress hook
    for j, cutoff in enumerate(windows):
        end = dates.get_loc(cutoff) + 1
        begin = end - spec.train_size if spec.window == "sliding" else 0
        train = panel[(panel["ds"] >= dates[begin]) & (panel["ds"] <= cutoff)]
        history = wide.iloc[:, begin:end]
        future = wide.iloc[:, end : end + lead]
        for i, (name, model) in enumerate(models.items()):
            forecaster = model.clone().fit(train)
            dist = forecaster.distribution(lead)
            frame = forecaster.predict(lead, spec.quantiles, distribution=dist)
            ids = forecaster.ids_
            scale = insample_scale(history.loc[ids].to_numpy(dtype=float), spec.spike_quantile)
            realised = future.loc[ids].to_numpy(dtype=float)
            rng = np.random.default_rng([spec.seed, j, i])  # one reproducible stream per (cutoff, model)
            scores = distribution_scores(dist, realised, scale["spike_threshold"], spec.n_samples, rng)
            frame = frame.assign(
                model=name,
                cutoff=cutoff,
                y=realised.ravel(),
                horizon=np.tile(np.arange(1, lead + 1), len(ids)),
                **{key: np.repeat(value, lead) for key, value in scale.items()},
                **{key: value.ravel() for key, value in scores.items()},
            )
            frames.append(frame[frame["horizon"] > spec.gap])
            bar.update()  # progress hook
    bar.close()  # progress hook
    result = pd.concat(frames, ignore_index=True)
    front = ["unique_id", "ds", "cutoff", "y", "model", "mean"]
    return result[front + [c for c in result.columns if c not in front]]
