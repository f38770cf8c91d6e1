"""The event-timeline figure: one axis per family, one line per dyad."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from forecast.events import families_from_mapping
from forecast.report import event_timeline, event_timeline_grid
from forecast.series import SeriesSpec, build_panel
from tests.event_tables import coverage, event_table
from tests.test_report_figures import assert_palette

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


def test_one_axis_per_family_and_one_line_per_segment():
    fig = event_timeline_grid(PANEL)
    assert isinstance(fig, Figure)
    # One axis per family, in the panel's order: a small family never shares a y axis with a large one.
    assert [ax.get_title().split(":")[0] for ax in fig.axes] == ["conf", "coop"]
    for ax in fig.axes:
        # One dyad x two coverage segments: the gap between them is not bridged.
        assert len(ax.get_lines()) == 2
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["CHN-RUS"]
        assert ax.get_ylabel() == "events per period"
    assert_palette(fig)
    coop = fig.axes[1]  # three weeks of the early dataset, two of the late one; the 042 event falls in week one
    np.testing.assert_array_equal(np.concatenate([line.get_ydata() for line in coop.get_lines()]), [2.0, 0.0, 0.0, 0.0, 0.0])
    plt.close(fig)


def test_draws_on_given_axes_and_figure():
    fig, ax = plt.subplots()
    assert event_timeline(PANEL, "conf", dyads=["CHN-RUS"], ax=ax) is fig
    assert len(ax.get_lines()) == 2
    plt.close(fig)
    target = plt.figure()
    assert event_timeline_grid(PANEL, ["CHN-RUS"], families=["coop"], fig=target) is target
    assert len(target.axes) == 1
    plt.close(target)


def test_unknown_dyad_or_family_is_named():
    with pytest.raises(KeyError, match="CHN-USA"):
        event_timeline(PANEL, "coop", dyads=["CHN-USA"])
    with pytest.raises(KeyError, match="visits"):
        event_timeline(PANEL, "visits")


def test_partial_periods_are_marked():
    cover = coverage(("early", "2018-01-03", "2018-01-21"))  # the first week is partial
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["coop"], drop_partial=False)
    fig = event_timeline(build_panel(EVENTS, spec, FAMILIES, cover), "coop")
    (markers,) = fig.axes[0].collections
    assert markers.get_offsets().shape == (1, 2)
    plt.close(fig)
