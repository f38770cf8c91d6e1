"""Dyad panels from hand-built event tables, and one weekly count from the real data."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.events import conform_dtypes, families_from_mapping, read_tkg
from forecast.series import SeriesSpec, build_panel

FAMILIES = families_from_mapping(
    {
        "all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]},
        "cooperation": {"any_of": [{"quad_classes": [1, 2]}]},
        "military_contact": {"any_of": [{"sectors": ["MIL"]}, {"codes": ["062", "15"]}]},
    }
)


def events(rows):
    frame = pd.DataFrame(
        rows, columns=["date", "source_country", "source_sector", "target_country", "target_sector", "cameo_code", "count"]
    )
    frame["date"] = pd.to_datetime(frame["date"])
    frame["root_code"] = frame["cameo_code"].str[:2]
    frame["quad_class"] = frame["root_code"].astype(int).map(lambda r: 1 if r <= 5 else 2 if r <= 9 else 3 if r <= 14 else 4)
    frame["goldstein"] = 0.0
    frame["event_id"] = [f"e{i}" for i in range(len(frame))]
    frame["source_actor"] = frame["target_actor"] = None
    frame["source_dataset"] = "hand"
    return conform_dtypes(frame)


# Monday 2018-01-01 .. Sunday 2018-01-21 is exactly three weeks.
HAND = events(
    [
        ("2018-01-01", "CHN", "state", "RUS", "state", "042", 1),  # week 1
        ("2018-01-03", "RUS", "GOV", "CHN", "state", "043", 2),  # week 1, reverse direction, count 2
        ("2018-01-07", "CHN", "MIL", "RUS", "MIL", "062", 1),  # week 1 (Sunday), military
        ("2018-01-15", "CHN", "state", "RUS", "state", "112", 1),  # week 3, conflict
        ("2018-01-15", "CHN", "other", "RUS", "state", "042", 5),  # excluded: sector other
        ("2018-01-16", "CHN", "state", "USA", "state", "042", 1),  # other dyad, week 3
    ]
)
COVER = pd.DataFrame({"source_dataset": ["hand"], "start": [pd.Timestamp("2018-01-01")], "end": [pd.Timestamp("2018-01-21")]})


def series(panel, uid):
    return panel[panel["unique_id"] == uid].set_index("ds")["y"].to_dict()


def test_undirected_counts_and_zero_fill():
    spec = SeriesSpec(dyads=[("CHN", "RUS"), ("CHN", "USA")], families=["cooperation", "military_contact", "all"])
    panel = build_panel(HAND, spec, FAMILIES, COVER)
    weeks = [pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-08"), pd.Timestamp("2018-01-15")]
    assert series(panel, "CHN-RUS/cooperation") == dict(zip(weeks, [4.0, 0.0, 0.0]))
    assert series(panel, "CHN-RUS/military_contact") == dict(zip(weeks, [1.0, 0.0, 0.0]))
    assert series(panel, "CHN-RUS/all") == dict(zip(weeks, [4.0, 0.0, 1.0]))
    assert series(panel, "CHN-USA/cooperation") == dict(zip(weeks, [0.0, 0.0, 1.0]))
    assert len(panel) == 2 * 3 * 3


def test_directed_series_sum_to_undirected():
    both = [("CHN", "RUS"), ("RUS", "CHN")]
    directed = build_panel(HAND, SeriesSpec(dyads=both, families=["all"], directed=True), FAMILIES, COVER)
    undirected = build_panel(HAND, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), FAMILIES, COVER)
    summed = directed.groupby("ds")["y"].sum()
    assert summed.to_dict() == undirected.set_index("ds")["y"].to_dict()
    assert series(directed, "RUS>CHN/all")[pd.Timestamp("2018-01-01")] == 2.0


def test_partial_weeks_dropped_or_flagged():
    cover = pd.DataFrame({"source_dataset": ["hand"], "start": [pd.Timestamp("2018-01-03")], "end": [pd.Timestamp("2018-01-17")]})
    dropped = build_panel(HAND, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), FAMILIES, cover)
    assert dropped["ds"].tolist() == [pd.Timestamp("2018-01-08")]
    kept = build_panel(HAND, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], drop_partial=False), FAMILIES, cover)
    assert kept["partial"].tolist() == [True, False, True]


def test_gap_between_coverage_periods_is_not_zero_filled():
    late = events([("2018-03-05", "CHN", "state", "RUS", "state", "042", 3)])
    both = pd.concat([HAND, late.assign(source_dataset="late")], ignore_index=True)
    cover = pd.concat(
        [COVER, pd.DataFrame({"source_dataset": ["late"], "start": [pd.Timestamp("2018-03-05")], "end": [pd.Timestamp("2018-03-11")]})]
    )
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    panel = build_panel(both, spec, FAMILIES, cover)
    assert panel["ds"].tolist() == [pd.Timestamp(d) for d in ("2018-01-01", "2018-01-08", "2018-01-15", "2018-03-05")]
    latest = build_panel(both, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), FAMILIES, cover)
    assert latest["y"].tolist() == [3.0]


def test_unknown_family_is_named():
    with pytest.raises(ArgumentError, match=r"^families: family expression 'visits' names unknown family \['visits'\]"):
        build_panel(HAND, SeriesSpec(dyads=[("CHN", "RUS")], families=["visits"]), FAMILIES, COVER)


@pytest.mark.shared_data
@pytest.mark.slow
def test_weekly_count_matches_hand_count_on_icews21(shared_data):
    result = read_tkg(shared_data / "raw/icews21_22_tkg_zrllm/ICEWS21", start_date="2021-01-01", time_unit="day")
    cover = pd.DataFrame({"source_dataset": ["icews21"], "start": [pd.Timestamp("2021-01-01")], "end": [pd.Timestamp("2021-08-31")]})
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], sectors=["state"])
    weekly = series(build_panel(result.events, spec, FAMILIES, cover), "CHN-RUS/all")
    # Hand count with awk over the raw files: rows whose head/tail are the country nodes
    # China (12943) and Russia (3786), either direction, with day index in the week
    # (days 220-226 = 2021-08-09..15; days 73-79 = 2021-03-15..21).
    assert weekly[pd.Timestamp("2021-08-09")] == 18
    assert weekly[pd.Timestamp("2021-03-15")] == 24
