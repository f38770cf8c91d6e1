"""Forecast scores as pure functions over the long backtest frame.

Every function takes a frame with ``y``, ``mean`` and ``q<level>`` columns and returns a
per-row or aggregated value; :func:`evaluate` collects them into the long ``metrics.csv``
layout ``model, metric, value``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.models.base import interval_levels, quantile_column


def quantile_levels(frame: pd.DataFrame) -> list[float]:
    """Quantile levels present as ``q<level>`` columns, sorted."""
    return sorted(float(c[1:]) for c in frame.columns if c.startswith("q") and c[1:].replace(".", "", 1).isdigit())


def absolute_error(frame: pd.DataFrame) -> pd.Series:
    """``|y - mean|`` per row."""
    return (frame["y"] - frame["mean"]).abs()


def squared_error(frame: pd.DataFrame) -> pd.Series:
    """``(y - mean)**2`` per row."""
    return (frame["y"] - frame["mean"]) ** 2


def pinball_loss(frame: pd.DataFrame, q: float) -> pd.Series:
    """Quantile (pinball) loss at level ``q`` per row."""
    diff = frame["y"] - frame[quantile_column(q)]
    return np.maximum(q * diff, (q - 1) * diff)


def crps_from_quantiles(frame: pd.DataFrame, levels: Sequence[float] | None = None) -> pd.Series:
    """CRPS approximated by twice the mean pinball loss over the recorded levels.

    With levels spread over (0, 1) this converges to the CRPS; with few levels it is a
    coarser but still proper quantile score.
    """
    levels = list(levels) if levels is not None else quantile_levels(frame)
    return 2.0 * sum(pinball_loss(frame, q) for q in levels) / len(levels)


def interval_hit(frame: pd.DataFrame, level: float) -> pd.Series:
    """Whether ``y`` falls in the central ``level`` interval (e.g. 0.8 -> [q0.1, q0.9])."""
    lower, upper = interval_levels(level)
    return (frame["y"] >= frame[quantile_column(lower)]) & (frame["y"] <= frame[quantile_column(upper)])


def evaluate(backtest: pd.DataFrame, coverage_levels: Sequence[float] = (0.5, 0.8, 0.9)) -> pd.DataFrame:
    """Score a backtest frame per model.

    Returns
    -------
    pandas.DataFrame
        Long ``model, metric, value`` with ``mae``, ``rmse``, ``crps`` (quantile
        approximation) and ``coverage_<level>`` for each central interval whose quantiles
        were recorded.
    """
    levels = quantile_levels(backtest)
    scored = backtest.assign(
        mae=absolute_error(backtest),
        se=squared_error(backtest),
        crps=crps_from_quantiles(backtest, levels),
    )
    names = {"mae": "mae", "crps": "crps"}
    for level in coverage_levels:
        lower, upper = interval_levels(level)
        if lower in levels and upper in levels:
            name = f"coverage_{level:g}"
            scored[name] = interval_hit(backtest, level).astype(float)
            names[name] = name
    grouped = scored.groupby("model")
    table = grouped[list(names)].mean()
    table["rmse"] = np.sqrt(grouped["se"].mean())
    return table.reset_index().melt(id_vars="model", var_name="metric", value_name="value")
