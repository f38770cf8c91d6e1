"""Rolling-origin evaluation: refit at each cutoff on data up to it, score the next h periods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from forecast.models.base import DEFAULT_QUANTILES, Forecaster


@dataclass(frozen=True)
class BacktestSpec:
    """A rolling-origin protocol.

    Parameters
    ----------
    horizon : int
        Periods forecast from each cutoff.
    n_windows : int
        Number of cutoffs.
    step : int
        Periods between consecutive cutoffs.
    window : {"expanding", "sliding"}
        Train on everything up to the cutoff, or on the last ``train_size`` periods.
    train_size : int, optional
        Length of the sliding window; the minimum training length for ``expanding``.
    quantiles : sequence of float
        Predictive quantile levels to record.
    """

    horizon: int = 8
    n_windows: int = 3
    step: int = 4
    window: str = "expanding"
    train_size: int | None = None
    quantiles: Sequence[float] = DEFAULT_QUANTILES

    def __post_init__(self) -> None:
        if self.window not in ("expanding", "sliding"):
            raise ValueError(f"backtest.window must be 'expanding' or 'sliding', got {self.window!r}.")
        if self.horizon < 1 or self.n_windows < 1 or self.step < 1:
            raise ValueError("backtest.horizon, backtest.n_windows and backtest.step must all be >= 1.")
        if self.window == "sliding" and not self.train_size:
            raise ValueError("backtest.window=sliding needs backtest.train_size.")


def cutoffs(dates: pd.DatetimeIndex, spec: BacktestSpec) -> list[pd.Timestamp]:
    """The cutoff dates: the last of them leaves exactly ``horizon`` periods to score.

    Raises
    ------
    ValueError
        When ``horizon + step * (n_windows - 1)`` plus the minimum training length does
        not fit in the panel, with the numbers and the fix.
    """
    dates = pd.DatetimeIndex(sorted(dates.unique()))
    needed = spec.horizon + spec.step * (spec.n_windows - 1)
    min_train = spec.train_size or 8
    if needed + min_train > len(dates):
        raise ValueError(
            f"backtest needs {needed} scored periods (horizon {spec.horizon} + step {spec.step} x "
            f"(n_windows {spec.n_windows} - 1)) plus {min_train} training periods, but the panel has "
            f"{len(dates)}. Lower backtest.n_windows, backtest.step or backtest.horizon."
        )
    last = len(dates) - spec.horizon - 1
    return [dates[last - spec.step * k] for k in reversed(range(spec.n_windows))]


def rolling_origin(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec) -> pd.DataFrame:
    """Backtest every model over the cutoffs of ``spec``.

    Each fit sees only rows with ``ds <= cutoff`` (a clone per cutoff, so nothing learned
    at one cutoff carries into the next).

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, cutoff, y, model, mean, q<level>...``.
    """
    panel = panel[["unique_id", "ds", "y"]]
    dates = pd.DatetimeIndex(panel["ds"])
    frames = []
    for cutoff in cutoffs(dates, spec):
        train = panel[panel["ds"] <= cutoff]
        if spec.window == "sliding":
            keep = pd.DatetimeIndex(sorted(train["ds"].unique()))[-spec.train_size :]
            train = train[train["ds"].isin(keep)]
        for name, model in models.items():
            forecast = model.clone().fit(train).predict(spec.horizon, spec.quantiles)
            frames.append(forecast.assign(model=name, cutoff=cutoff))
    result = pd.concat(frames, ignore_index=True).merge(panel, on=["unique_id", "ds"], how="left")
    front = ["unique_id", "ds", "cutoff", "y", "model", "mean"]
    return result[front + [c for c in result.columns if c not in front]]
