"""Event timeline: a dyad's series by event family over time."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from forecast.report.plots import axes_and_colours
from forecast.series.measures import AXIS_LABELS


def event_timeline(
    panel: pd.DataFrame,
    dyad: str,
    *,
    families: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """One line per event family for one dyad, on the panel's calendar.

    Each coverage segment is drawn separately, so a gap between datasets shows as a gap
    rather than as a line across months without data; partly covered periods are drawn
    as hollow markers.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel from :func:`forecast.series.build_panel` (``ds, y, dyad, family,
        measure, freq, segment``).
    dyad : str
        Dyad label as in the panel's ``dyad`` column (``CHN-RUS`` or ``CHN>RUS``).
    families : sequence of str, optional
        Families to draw; all of the dyad's by default.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    KeyError
        When the dyad or a family is not in the panel.
    """
    rows = panel[panel["dyad"] == dyad]
    if rows.empty:
        raise KeyError(f"event_timeline: dyad {dyad!r} is not in the panel; it has {sorted(panel['dyad'].unique())}.")
    wanted = list(families) if families is not None else list(dict.fromkeys(rows["family"]))
    unknown = sorted(set(wanted) - set(rows["family"]))
    if unknown:
        raise KeyError(f"event_timeline: family {unknown} not in the panel for {dyad}.")
    fig, ax, colours = axes_and_colours(ax, (10, 4))
    for i, family in enumerate(wanted):
        series = rows[rows["family"] == family].sort_values("ds")
        for j, (_, segment) in enumerate(series.groupby("segment", sort=False)):
            ax.plot(
                segment["ds"],
                segment["y"],
                color=colours[i % len(colours)],
                lw=1.4,
                marker="." if len(segment) < 60 else None,
                label=family if j == 0 else None,
            )
        # Partly covered periods (kept with drop_partial=false) hold fewer days: mark them.
        partial = series[series["partial"].astype(bool)]
        if not partial.empty:
            ax.scatter(partial["ds"], partial["y"], facecolors="white", edgecolors=colours[i % len(colours)], zorder=3)
    measure, freq = rows["measure"].iloc[0], rows["freq"].iloc[0]
    ax.set_title(f"{dyad}: {measure} by event family ({freq})")
    ax.set_xlabel("period start")
    ax.set_ylabel(AXIS_LABELS.get(measure, measure))
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.grid(alpha=0.3)
    ax.legend(title="family", loc="upper left", fontsize="small")
    return fig


def event_timeline_grid(panel: pd.DataFrame, dyads: Sequence[str]) -> Figure:
    """One :func:`event_timeline` per dyad, stacked, sharing the time axis."""
    fig, axes = plt.subplots(len(dyads), 1, figsize=(10, 3.5 * len(dyads)), sharex=True, squeeze=False)
    for dyad, ax in zip(dyads, axes[:, 0]):
        event_timeline(panel, dyad, ax=ax)
    fig.tight_layout()
    return fig
