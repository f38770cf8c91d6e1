"""The event-timeline figure."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from forecast.events import families_from_mapping
from forecast.report import event_timeline, event_timeline_grid
from forecast.series import SeriesSpec, build_panel
from tests.event_tables import coverage, event_table

FAMILIES = families_from_mapping(
    {"coop": {"any_of": [{"quad_classes": [1, 2]}]}, "conf": {"any_of": [{"quad_classes": [3, 4]}]}}
)
EVENTS = pd.concat(
    [
        event_table([("2018-01-02", "CHN", "state", "RUS", "state", "042", 2)], dataset="early"),
        event_table([("2018-03-06", "CHN", "state", "RUS", "state", "112", 1)], dataset="late"),
    ],
    ignore_index=True,
)
COVER = coverage(("early", "2018-01-01", "2018-01-21"), ("late", "2018-03-05", "2018-03-18"))
PANEL = build_panel(EVENTS, SeriesSpec(dyads=[("CHN", "RUS")], families=["coop", "conf"], span="all"), FAMILIES, COVER)


def test_one_line_per_family_and_segment_with_labels():
    fig = event_timeline(PANEL, "CHN-RUS")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    # Two families x two coverage segments: the gap between them is not bridged.
    assert len(ax.get_lines()) == 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["conf", "coop"]  # the panel's order
    assert ax.get_ylabel() == "events per period" and "CHN-RUS" in ax.get_title()
    plt.close(fig)


def test_draws_on_given_axes_and_grid():
    fig, ax = plt.subplots()
    assert event_timeline(PANEL, "CHN-RUS", families=["conf"], ax=ax) is fig
    assert len(ax.get_lines()) == 2
    plt.close(fig)
    grid = event_timeline_grid(PANEL, ["CHN-RUS"])
    assert len(grid.axes) == 1
    plt.close(grid)


def test_unknown_dyad_or_family_is_named():
    with pytest.raises(KeyError, match="CHN-USA"):
        event_timeline(PANEL, "CHN-USA")
    with pytest.raises(KeyError, match="visits"):
        event_timeline(PANEL, "CHN-RUS", families=["visits"])


def test_partial_periods_are_marked():
    cover = coverage(("early", "2018-01-03", "2018-01-21"))  # the first week is partial
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["coop"], drop_partial=False)
    fig = event_timeline(build_panel(EVENTS, spec, FAMILIES, cover), "CHN-RUS")
    (markers,) = fig.axes[0].collections
    assert markers.get_offsets().shape == (1, 2)
    plt.close(fig)
