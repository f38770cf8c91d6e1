"""Forecast figures. Each function takes ``ax=None`` (or ``axes``) and returns a Figure."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from forecast.columns import interval_columns
from forecast.series.measures import AXIS_LABELS


def axes_and_colours(ax: plt.Axes | None, figsize: tuple[float, float]) -> tuple[Figure, plt.Axes, list[str]]:
    """The figure of ``ax`` (a new one of ``figsize`` when ``ax`` is None), the axes, and the colour cycle."""
    if ax is None:
        fig, ax = plt.subplots(figsize=figsize)
    else:
        fig = ax.figure
    return fig, ax, plt.rcParams["axes.prop_cycle"].by_key()["color"]


def fan_chart(
    panel: pd.DataFrame,
    forecasts: pd.DataFrame,
    *,
    family: str,
    dyads: Sequence[str],
    model: str,
    bands: Sequence[float] = (0.8, 0.5),
    ax: plt.Axes | None = None,
) -> Figure:
    """History, forecast mean and central bands of several dyads on one time axis.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel with ``unique_id, ds, y`` and the ``family`` of each series.
    forecasts : pandas.DataFrame
        ``unique_id, ds, model, mean, q<level>...``.
    family : str
        The event family to draw.
    dyads : sequence of str
        Dyad labels (``CHN-RUS``); series ``<dyad>/<family>`` are drawn.
    model : str
        Which model's forecast to draw.
    bands : sequence of float
        Central interval levels to shade, widest first.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax, colours = axes_and_colours(ax, (10, 4.5))
    for i, dyad in enumerate(dyads):
        uid = f"{dyad}/{family}"
        colour = colours[i % len(colours)]
        history = panel[panel["unique_id"] == uid]
        future = forecasts[(forecasts["unique_id"] == uid) & (forecasts["model"] == model)]
        ax.plot(history["ds"], history["y"], color=colour, lw=1.6, label=f"{dyad} observed")
        if future.empty:
            continue
        joined = pd.concat([history.tail(1)[["ds", "y"]].rename(columns={"y": "mean"}), future[["ds", "mean"]]])
        ax.plot(joined["ds"], joined["mean"], color=colour, lw=1.6, ls="--", label=f"{dyad} forecast mean")
        for level in bands:
            lower, upper = interval_columns(level)
            if lower in future and upper in future:
                ax.fill_between(
                    future["ds"], future[lower], future[upper], color=colour, alpha=0.12 + 0.1 * (1 - level) * 2,
                    lw=0, label=f"{dyad} {level:.0%} interval",
                )
    measure = str(panel["measure"].iloc[0]) if "measure" in panel else "count"
    ax.set_title(f"{family.replace('_', ' ')}: {measure}, {model} forecast")
    ax.set_xlabel("period start")
    ax.set_ylabel(AXIS_LABELS.get(measure, measure))
    ax.set_ylim(bottom=0)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
    return fig


def fan_chart_grid(
    panel: pd.DataFrame,
    forecasts: pd.DataFrame,
    *,
    families: Sequence[str],
    dyads: Sequence[str],
    model: str,
) -> Figure:
    """One :func:`fan_chart` per family, stacked, sharing the time axis."""
    fig, axes = plt.subplots(len(families), 1, figsize=(10, 4 * len(families)), sharex=True, squeeze=False)
    for family, ax in zip(families, axes[:, 0]):
        fan_chart(panel, forecasts, family=family, dyads=dyads, model=model, ax=ax)
    fig.tight_layout()
    return fig
