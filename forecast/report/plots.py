"""Forecast figures and the palette every report figure shares.

Each figure function takes ``ax=None`` (``fig=None`` for grids) and returns a Figure;
nothing here touches the matplotlib backend.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from forecast.columns import interval_columns
from forecast.series.measures import AXIS_LABELS

#: Okabe & Ito (2008) colours, distinguishable under the common colour-vision deficiencies;
#: yellow is left out (too faint on white for lines).
PALETTE: tuple[str, ...] = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
#: Reference lines, grid and annotation text.
NEUTRAL = "#555555"
#: Legend placement beside the data (``ax.legend(**OUTSIDE)``).
OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "borderaxespad": 0.0, "frameon": False}
#: Font sizes that stay readable when a figure is shown at page width.
FONT = {"title": 12, "label": 11, "tick": 10, "legend": 10}


def colour(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def model_colours(models: Iterable[str]) -> dict[str, str]:
    """One palette colour per model, by sorted name, so a model keeps its colour in every figure of a run."""
    return {name: colour(i) for i, name in enumerate(sorted(set(map(str, models))))}


def new_axes(ax: plt.Axes | None, figsize: tuple[float, float]) -> tuple[Figure, plt.Axes]:
    """The figure of ``ax``, or a new constrained-layout figure of ``figsize`` with one axis."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def note_empty(ax: plt.Axes, what: str) -> None:
    """Say on ``ax`` that there is nothing to draw, instead of an error or a blank frame."""
    ax.text(0.5, 0.5, f"no {what} to show", ha="center", va="center", transform=ax.transAxes,
            fontsize=FONT["label"], color=NEUTRAL)
    ax.set_xticks([])
    ax.set_yticks([])


def style_axis(ax: plt.Axes, title: str, xlabel: str, ylabel: str, *, dates: bool = False) -> None:
    """Title, labels, light grid and readable tick sizes; concise date ticks when ``dates``."""
    ax.set_title(title, fontsize=FONT["title"])
    ax.set_xlabel(xlabel, fontsize=FONT["label"])
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(alpha=0.3, color=NEUTRAL)
    if dates:
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))


def fan_chart(
    panel: pd.DataFrame,
    forecasts: pd.DataFrame,
    *,
    family: str,
    dyads: Sequence[str],
    model: str,
    backtest: pd.DataFrame | None = None,
    bands: Sequence[float] = (0.8, 0.5),
    ax: plt.Axes | None = None,
) -> Figure:
    """History, forecast mean and central bands of several dyads on one time axis.

    With ``backtest``, the model's forecasts from the last backtest cutoff are drawn too
    (dotted mean, light 80% band) with the outcomes they were scored against as points,
    so the reader sees how the latest out-of-sample forecast fared.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel with ``unique_id, ds, y`` (and ``measure`` when known).
    forecasts : pandas.DataFrame
        ``unique_id, ds, model, mean, q<level>...``.
    family : str
        The event family to draw.
    dyads : sequence of str
        Dyad labels (``CHN-RUS``); series ``<dyad>/<family>`` are drawn, coloured in this order.
    model : str
        Which model's forecasts to draw.
    backtest : pandas.DataFrame, optional
        :func:`forecast.backtest.rolling_origin` output (``unique_id, ds, cutoff, y,
        model, mean, q<level>...``); its last cutoff is overlaid.
    bands : sequence of float
        Central interval levels to shade, widest first.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        History, forecast mean and shaded bands, with the last backtest window overlaid.
    """
    fig, ax = new_axes(ax, (11, 4.5))
    last_window = None
    if backtest is not None:
        own = backtest[backtest["model"] == model]
        if not own.empty:
            last_window = own[own["cutoff"] == own["cutoff"].max()]
    for i, dyad in enumerate(dyads):
        uid = f"{dyad}/{family}"
        line = colour(i)
        history = panel[panel["unique_id"] == uid].sort_values("ds")
        future = forecasts[(forecasts["unique_id"] == uid) & (forecasts["model"] == model)].sort_values("ds")
        ax.plot(history["ds"], history["y"], color=line, lw=1.5, label=f"{dyad} observed")
        if last_window is not None:
            _overlay_window(ax, last_window[last_window["unique_id"] == uid].sort_values("ds"), dyad, line)
        if future.empty:
            continue
        joined = pd.concat([history.tail(1)[["ds", "y"]].rename(columns={"y": "mean"}), future[["ds", "mean"]]])
        ax.plot(joined["ds"], joined["mean"], color=line, lw=1.8, ls="--", label=f"{dyad} forecast mean")
        for level in bands:
            lower, upper = interval_columns(level)
            if lower in future and upper in future:
                ax.fill_between(
                    future["ds"], future[lower], future[upper], color=line, alpha=0.12 + 0.2 * (1 - level),
                    lw=0, label=f"{dyad} {level:.0%} interval",
                )
    measure = str(panel["measure"].iloc[0]) if "measure" in panel and len(panel) else "count"
    title = f"{family.replace('_', ' ')}: {measure}, {model} forecast"
    if last_window is not None:
        title += f" (points: outcomes after the last backtest cutoff {last_window['cutoff'].max():%Y-%m-%d})"
    style_axis(ax, title, "period start", AXIS_LABELS.get(measure, measure), dates=True)
    ax.set_ylim(bottom=0)
    ax.legend(handles=_legend_handles(dyads, bands, last_window is not None), fontsize=FONT["legend"], **OUTSIDE)
    return fig


def _legend_handles(dyads: Sequence[str], bands: Sequence[float], overlay: bool) -> list[Artist]:
    """One colour key per dyad, then one neutral key per line style: short however many dyads."""
    handles: list[Artist] = [Line2D([], [], color=colour(i), lw=3, label=dyad) for i, dyad in enumerate(dyads)]
    handles += [
        Line2D([], [], color=NEUTRAL, lw=1.5, label="observed"),
        Line2D([], [], color=NEUTRAL, lw=1.8, ls="--", label="forecast mean"),
    ]
    handles += [
        Patch(color=NEUTRAL, alpha=0.12 + 0.2 * (1 - level), lw=0, label=f"{level:.0%} interval") for level in bands
    ]
    if overlay:
        handles += [
            Line2D([], [], color=NEUTRAL, lw=1.2, ls=":", label="last backtest mean"),
            Line2D([], [], color=NEUTRAL, ls="none", marker="o", markerfacecolor="white", label="backtest outcome"),
        ]
    return handles


def _overlay_window(ax: plt.Axes, window: pd.DataFrame, dyad: str, line: str) -> None:
    """One series' last-cutoff backtest forecast (dotted mean, 80% band) and its realised outcomes."""
    if window.empty:
        return
    lower, upper = interval_columns(0.8)
    if lower in window and upper in window:
        ax.fill_between(window["ds"], window[lower], window[upper], color=line, alpha=0.08, lw=0)
    ax.plot(window["ds"], window["mean"], color=line, lw=1.2, ls=":", label=f"{dyad} backtest mean")
    ax.scatter(
        window["ds"], window["y"], s=22, facecolors="white", edgecolors=line, linewidths=1.2, zorder=3,
        label=f"{dyad} backtest outcome",
    )


def fan_chart_grid(
    panel: pd.DataFrame,
    forecasts: pd.DataFrame,
    *,
    families: Sequence[str],
    dyads: Sequence[str],
    model: str,
    backtest: pd.DataFrame | None = None,
    fig: Figure | None = None,
) -> Figure:
    """One :func:`fan_chart` per family, stacked, sharing the time axis.

    Parameters
    ----------
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; a new one sized to the families when omitted.
    Other parameters are those of :func:`fan_chart`.
    """
    if fig is None:
        fig = plt.figure(figsize=(11, 4 * len(families)), layout="constrained")
    axes = fig.subplots(len(families), 1, sharex=True, squeeze=False)[:, 0]
    for family, ax in zip(families, axes):
        fan_chart(panel, forecasts, family=family, dyads=dyads, model=model, backtest=backtest, ax=ax)
    return fig
