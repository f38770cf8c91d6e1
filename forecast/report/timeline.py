"""Event timeline: each event family on its own axis, one line per dyad.

Families differ in volume by orders of magnitude (cooperation against military contact),
so they never share a y axis: a small family would flatten to zero under a large one.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from forecast.report.plots import FONT, OUTSIDE, colour, new_axes, style_axis
from forecast.series.measures import AXIS_LABELS


def _check(panel: pd.DataFrame, column: str, wanted: Sequence[str]) -> None:
    unknown = sorted(set(wanted) - set(panel[column]))
    if unknown:
        raise KeyError(f"event_timeline: {column} {unknown} not in the panel; it has {sorted(panel[column].unique())}.")


def event_timeline(
    panel: pd.DataFrame,
    family: str,
    *,
    dyads: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
) -> Figure:
    """One family's series, one line per dyad, on the panel's calendar.

    Each coverage segment is drawn separately, so a gap between datasets shows as a gap
    rather than as a line across months without data; partly covered periods are drawn
    as hollow markers.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel from :func:`forecast.series.build_panel` (``ds, y, dyad, family,
        measure, freq, segment, partial``).
    family : str
        The family to draw.
    dyads : sequence of str, optional
        Dyad labels as in the panel's ``dyad`` column (``CHN-RUS``), coloured in this
        order; all of the panel's by default.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        One line per dyad of the family's counts per period.

    Raises
    ------
    KeyError
        When the family or a dyad is not in the panel.
    """
    _check(panel, "family", [family])
    wanted = list(dyads) if dyads is not None else list(dict.fromkeys(panel["dyad"]))
    _check(panel, "dyad", wanted)
    fig, ax = new_axes(ax, (11, 3.5))
    rows = panel[panel["family"] == family]
    for i, dyad in enumerate(wanted):
        series = rows[rows["dyad"] == dyad].sort_values("ds")
        for j, (_, segment) in enumerate(series.groupby("segment", sort=False)):
            ax.plot(
                segment["ds"],
                segment["y"],
                color=colour(i),
                lw=1.4,
                marker="." if len(segment) < 60 else None,
                label=dyad if j == 0 else None,
            )
        # Partly covered periods (kept with drop_partial=false) hold fewer days: mark them.
        partial = series[series["partial"].astype(bool)]
        if not partial.empty:
            ax.scatter(partial["ds"], partial["y"], facecolors="white", edgecolors=colour(i), zorder=3)
    measure, freq = rows["measure"].iloc[0], rows["freq"].iloc[0]
    style_axis(ax, f"{family.replace('_', ' ')}: {measure} per period ({freq})", "period start",
               AXIS_LABELS.get(measure, measure), dates=True)
    ax.set_ylim(bottom=0)
    ax.legend(title="dyad", fontsize=FONT["legend"], title_fontsize=FONT["legend"], **OUTSIDE)
    return fig


def event_timeline_grid(
    panel: pd.DataFrame,
    dyads: Sequence[str] | None = None,
    *,
    families: Sequence[str] | None = None,
    fig: Figure | None = None,
) -> Figure:
    """One :func:`event_timeline` axis per family, stacked, sharing the time axis only.

    Parameters
    ----------
    panel : pandas.DataFrame
        As for :func:`event_timeline`.
    dyads : sequence of str, optional
        Dyads to draw on every axis; all by default.
    families : sequence of str, optional
        Families, one axis each; the panel's by default.
    fig : matplotlib.figure.Figure, optional
        An empty figure to draw into; a new one sized to the families when omitted.
    """
    wanted = list(families) if families is not None else list(dict.fromkeys(panel["family"]))
    if fig is None:
        fig = plt.figure(figsize=(11, 3.2 * len(wanted)), layout="constrained")
    axes = fig.subplots(len(wanted), 1, sharex=True, squeeze=False)[:, 0]
    for family, ax in zip(wanted, axes):
        event_timeline(panel, family, dyads=dyads, ax=ax)
    return fig
