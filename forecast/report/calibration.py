"""Calibration figures: PIT histograms and reliability (coverage) curves.

Each function takes ``ax=None`` and returns a Figure.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure


def pit_histogram_plot(histogram: pd.DataFrame, axes: np.ndarray | None = None) -> Figure:
    """One PIT histogram per model, with the uniform density as a dashed line.

    Parameters
    ----------
    histogram : pandas.DataFrame
        ``model, bin_left, bin_right, density`` from :func:`forecast.backtest.pit_histogram`.
    axes : numpy.ndarray of matplotlib Axes, optional
        One axis per model; a new row of panels when omitted.
    """
    models = list(dict.fromkeys(histogram["model"]))
    if axes is None:
        _, axes = plt.subplots(1, len(models), figsize=(2.6 * len(models) + 0.6, 2.6), sharey=True, squeeze=False)
    axes = np.asarray(axes).ravel()
    for model, ax in zip(models, axes):
        bars = histogram[histogram["model"] == model]
        ax.bar(
            bars["bin_left"],
            bars["density"],
            width=bars["bin_right"] - bars["bin_left"],
            align="edge",
            color="#4c72b0",
            edgecolor="white",
        )
        ax.axhline(1.0, color="black", linestyle="--", linewidth=0.8)
        ax.set_title(model, fontsize=9)
        ax.set_xlim(0, 1)
        ax.set_xlabel("PIT")
    axes[0].set_ylabel("density")
    figure = axes[0].figure
    figure.suptitle("Non-randomised PIT (flat = calibrated, U = too narrow, hump = too wide)", fontsize=9)
    figure.tight_layout()
    return figure


def coverage_plot(curve: pd.DataFrame, ax: plt.Axes | None = None) -> Figure:
    """Reliability of central intervals: empirical against nominal coverage per model.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``model, level, coverage, width`` from :func:`forecast.backtest.coverage_curve`.
    ax : matplotlib Axes, optional
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(4.2, 4.0))
    ax.plot([0, 1], [0, 1], color="black", linestyle="--", linewidth=0.8, label="ideal")
    for model, part in curve.groupby("model", sort=False):
        ax.plot(part["level"], part["coverage"], marker="o", label=model)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("nominal coverage of the central interval")
    ax.set_ylabel("empirical coverage")
    ax.legend(fontsize=8)
    ax.figure.tight_layout()
    return ax.figure
