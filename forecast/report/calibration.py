"""Calibration figures: PIT histograms and reliability (coverage) curves.

A model keeps one palette colour in every figure (:func:`forecast.report.plots.model_colours`).
"""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from forecast.report.plots import FONT, NEUTRAL, OUTSIDE, model_colours, new_axes, note_empty, style_axis

#: PIT panels per grid row: three stay legible at page width.
PIT_COLUMNS = 3


def pit_histogram_plot(histogram: pd.DataFrame, fig: Figure | None = None) -> Figure:
    """One PIT histogram per model in a grid, with the uniform density as a dashed line.

    Parameters
    ----------
    histogram : pandas.DataFrame
        ``model, bin_left, bin_right, density`` from :func:`forecast.backtest.pit_histogram`.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; a new one sized to the models when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per model: the share of outcomes in each PIT bin.
        ``ceil(models / 3)`` rows of up to three panels; unused cells are removed.
    """
    models = list(dict.fromkeys(histogram["model"]))
    if not models:  # no scored outcome: one panel that says so
        fig = fig if fig is not None else plt.figure(figsize=(4.1, 3.8), layout="constrained")
        note_empty(fig.subplots(), "PIT values")
        return fig
    colours = model_colours(models)
    n_cols = min(PIT_COLUMNS, len(models))
    n_rows = math.ceil(len(models) / n_cols)
    if fig is None:
        fig = plt.figure(figsize=(3.7 * n_cols + 0.4, 3.2 * n_rows + 0.6), layout="constrained")
    axes = fig.subplots(n_rows, n_cols, sharex=True, sharey=True, squeeze=False).ravel()
    for i, (model, ax) in enumerate(zip(models, axes)):
        bars = histogram[histogram["model"] == model]
        ax.bar(
            bars["bin_left"], bars["density"], width=bars["bin_right"] - bars["bin_left"], align="edge",
            color=colours[model], edgecolor="white",
        )
        ax.axhline(1.0, color=NEUTRAL, linestyle="--", linewidth=1.0)
        ax.set_xlim(0, 1)
        style_axis(ax, model, "PIT", "density" if i % n_cols == 0 else "")
    for ax in axes[len(models):]:
        ax.remove()
    fig.suptitle("PIT of backtest outcomes: flat = calibrated, U = intervals too narrow, hump = too wide",
                 fontsize=FONT["title"])
    return fig


def coverage_plot(curve: pd.DataFrame, ax: plt.Axes | None = None) -> Figure:
    """Reliability of central intervals: empirical against nominal coverage per model.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``model, level, coverage, width`` from :func:`forecast.backtest.coverage_curve`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        Observed against nominal central-interval coverage, one line per model.
    """
    fig, ax = new_axes(ax, (6.5, 4.5))
    ax.plot([0, 1], [0, 1], color=NEUTRAL, linestyle="--", linewidth=1.0, label="ideal")
    colours = model_colours(curve["model"])
    for model, part in curve.groupby("model", sort=True):
        ax.plot(part["level"], part["coverage"], marker="o", color=colours[model], label=model)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    style_axis(ax, "Interval coverage", "nominal coverage of the central interval", "empirical coverage")
    ax.legend(fontsize=FONT["legend"], **OUTSIDE)
    return fig
