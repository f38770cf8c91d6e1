"""Coverage is observed, not assumed: gaps, mostly-empty panels, country codes and sectors."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from forecast.cli.instantiate import build
from forecast.errors import ArgumentError, DataError, DataGapWarning
from forecast.events import families_from_mapping
from forecast.series import SeriesSpec, build_panel, period_grid
from forecast.series.measures import source_volume
from tests.event_tables import coverage, event_table
from tests.helpers import compose_config

FAMILIES = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
T = pd.Timestamp


def weekly_events(weeks: list[int], start: str = "2018-01-01") -> pd.DataFrame:
    """One CHN-RUS state event on the Wednesday of each listed week (week 0 starts ``start``, a Monday)."""
    first = T(start)
    return event_table(
        [((first + pd.Timedelta(weeks=w, days=2)).strftime("%Y-%m-%d"), "CHN", "state", "RUS", "state", "042", 1) for w in weeks]
    )


# Weeks 0-4 and 15-19 have events; weeks 5-14 (ten weeks) have none at all in the source.
HOLE = weekly_events([*range(0, 5), *range(15, 20)])
# Coverage as first-to-last event date: the hole sits inside it.
HOLE_COVER = coverage(("hand", "2018-01-01", "2018-05-20"))


def test_ten_week_hole_is_a_gap_between_two_windows_and_never_zero_filled():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    with pytest.warns(UserWarning, match="10 of 20 W-SUN periods lie in runs of more than 4"):
        grid = period_grid(HOLE_COVER, spec, source_volume(HOLE, spec.freq))
    week = pd.Timedelta(weeks=1)
    assert grid["run"].nunique() == 2
    windows = [[group["ds"].min(), group["ds"].max()] for _, group in grid.groupby("run")]
    assert windows == [[T("2018-01-01"), T("2018-01-01") + 4 * week], [T("2018-01-01") + 15 * week, T("2018-05-14")]]
    with pytest.warns(UserWarning, match="gaps in the data"):
        panel = build_panel(HOLE, spec, FAMILIES, HOLE_COVER)
    assert len(panel) == 10 and panel["y"].eq(1.0).all()  # the ten hole weeks are absent, not zero
    assert not panel["ds"].between(T("2018-02-05"), T("2018-04-09")).any()


def test_latest_span_keeps_the_stretch_after_the_last_gap():
    with pytest.warns(UserWarning, match="gaps in the data"):
        panel = build_panel(HOLE, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), FAMILIES, HOLE_COVER)
    assert panel["ds"].min() == T("2018-04-16") and len(panel) == 5


def test_short_quiet_spells_stay_zero_filled_and_the_limit_is_configurable():
    # Weeks 5-8 (four weeks) are empty: at the limit of 4, still a quiet spell.
    quiet = weekly_events([*range(0, 5), *range(9, 12)])
    cover = coverage(("hand", "2018-01-01", "2018-03-25"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no gap and not mostly empty: no warning at all
        panel = build_panel(quiet, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), FAMILIES, cover)
    assert len(panel) == 12 and panel["y"].sum() == 8 and (panel["y"] == 0).sum() == 4
    with pytest.warns(UserWarning, match="more than 3 periods"):
        stricter = build_panel(quiet, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=3), FAMILIES, cover)
    assert len(stricter) == 3  # weeks 9-11 only
    trusting = build_panel(HOLE, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=None), FAMILIES, HOLE_COVER)
    assert len(trusting) == 20 and (trusting["y"] == 0).sum() == 10


def test_mostly_empty_coverage_warns_with_the_share():
    sparse = weekly_events([0, 19])  # 2 of 20 weeks have a source event
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=None)
    with pytest.warns(UserWarning, match=r"90\.0% of the 20 W-SUN periods of the coverage have no event"):
        build_panel(sparse, spec, FAMILIES, HOLE_COVER)


@pytest.mark.parametrize(
    ("field", "value", "suggestion"),
    [
        ("dyads", [("CHINA", "RUS")], "'CHN'"),
        ("countries", ["CHN", "Russia"], "'RUS'"),
        ("dyads", [("CHN", "usa")], "'USA'"),
        ("dyads", [("SRB", "KSV")], "'XKX'"),  # the events' Kosovo codes are read as XKX
        ("countries", ["kos"], "'XKX'"),
    ],
)
def test_unknown_country_code_is_an_argument_error_suggesting_iso3(field, value, suggestion):
    with pytest.raises(ArgumentError, match=f"is not an ISO3 country code; did you mean {suggestion}") as caught:
        SeriesSpec(families=["all"], **{field: value})
    assert caught.value.argument == field


def test_unknown_country_code_is_named_by_config_key():
    cfg = compose_config(["series.dyads=[[CHINA,RUS]]"])
    with pytest.raises(ArgumentError, match=r"^series\.dyads: 'CHINA' is not an ISO3 country code; did you mean 'CHN'\?"):
        build(cfg.series, where="series")


def test_code_without_a_guess_asks_for_iso3():
    with pytest.raises(ArgumentError, match="'XQZ' is not an ISO3 country code; use an ISO 3166 alpha-3 code"):
        SeriesSpec(dyads=[("XQZ", "RUS")], families=["all"])


def test_events_without_admitted_sectors_warn_what_was_assumed():
    # What a tidy CSV with countries but no sector columns gives: every actor 'other'.
    no_sectors = event_table([("2018-01-03", "CHN", "other", "RUS", "other", "042", 1)] * 3)
    cover = coverage(("hand", "2018-01-01", "2018-01-07"))
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"])
    with pytest.warns(UserWarning, match=r"3 events, but none with both actors in series.sectors.*\['other'\].*Add 'other'"):
        panel = build_panel(no_sectors, spec, FAMILIES, cover)
    assert panel["y"].tolist() == [0.0]
    counted = build_panel(no_sectors, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], sectors=["other"]), FAMILIES, cover)
    assert counted["y"].tolist() == [3.0]


def test_the_grid_after_a_gap_keeps_only_its_own_columns():
    # Dropping the hole's rows renumbers the grid; the old row numbers are no column of it.
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    with pytest.warns(UserWarning, match="gaps in the data"):
        grid = period_grid(HOLE_COVER, spec, source_volume(HOLE, spec.freq))
    assert sorted(grid.columns) == ["ds", "partial", "run", "segment", "window"]
    assert grid.index.tolist() == list(range(10))


def test_the_sector_warning_counts_only_the_selected_direction():
    # A directed CHN>RUS series: the two RUS>CHN events are not its events.
    rows = [("2018-01-03", "CHN", "other", "RUS", "other", "042", 1)] * 3
    rows += [("2018-01-04", "RUS", "other", "CHN", "other", "042", 1)] * 2
    cover = coverage(("hand", "2018-01-01", "2018-01-07"))
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], directed=True)
    with pytest.warns(UserWarning, match=r"the selected dyads have 3 events, but none"):
        panel = build_panel(event_table(rows), spec, FAMILIES, cover)
    assert panel["dyad"].tolist() == ["CHN>RUS"] and panel["y"].tolist() == [0.0]


def test_the_sector_warning_lists_the_sectors_of_either_side():
    # Source 'other', target 'GOV': not admitted (both sides must be), and both sectors are named.
    rows = [("2018-01-03", "CHN", "other", "RUS", "GOV", "042", 1)] * 2
    cover = coverage(("hand", "2018-01-01", "2018-01-07"))
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"])
    with pytest.warns(UserWarning, match=r"2 events, but none .*their actor sectors are \['GOV', 'other'\]"):
        build_panel(event_table(rows), spec, FAMILIES, cover)


def test_the_sector_warning_in_full_when_no_actor_has_a_sector():
    rows = [("2018-01-03", "CHN", None, "RUS", None, "042", 1)] * 4
    cover = coverage(("hand", "2018-01-01", "2018-01-07"))
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], sectors=["GOV", "MIL"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_panel(event_table(rows), spec, FAMILIES, cover)
    assert [str(w.message) for w in caught if "series.sectors" in str(w.message)] == [
        "series: the selected dyads have 4 events, but none with both actors in series.sectors ['GOV', 'MIL']; "
        "their actor sectors are missing (a source without sector columns gets 'other' for every actor with a "
        "country, or no sector at all), so every series is zero. Add 'other' to series.sectors to count them."
    ]


def test_a_window_outside_the_calendar_limits_is_skipped_not_the_end():
    # Window 0 ends before series.start; window 1 lies inside: its two weeks are the grid.
    cover = coverage(("early", "2018-01-01", "2018-01-14"), ("late", "2018-02-05", "2018-02-18"))
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], start="2018-02-01")
    grid = period_grid(cover, spec)
    assert grid["ds"].tolist() == [T("2018-02-05"), T("2018-02-12")]
    assert grid["segment"].tolist() == ["late", "late"] and grid["window"].tolist() == [1, 1]


def test_no_period_left_names_the_limits_and_the_fix():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], start="2018-03-01")
    with pytest.raises(ValueError) as caught:
        period_grid(coverage(("hand", "2018-01-01", "2018-01-14")), spec)
    text = str(caught.value)
    assert text.startswith("series: no complete W-SUN period inside the coverage [{'source_dataset': 'hand', ")
    assert text.endswith("series.start=2018-03-01, series.end=None; widen the window or set series.drop_partial=false.")


def test_a_start_after_the_data_is_the_no_period_error_not_a_merge_failure():
    # No window meets series.start, so the grid has no row at all before the source volume
    # is looked up: that lookup failed on an untyped frame (pandas' merge error, exit 1).
    events = event_table([("2018-01-03", "CHN", "state", "RUS", "state", "042", 1)])
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], start="2018-03-01")
    with pytest.raises(DataError) as caught:
        build_panel(events, spec, FAMILIES, coverage(("hand", "2018-01-01", "2018-01-14")))
    assert str(caught.value).startswith("series: no complete W-SUN period inside the coverage [{'source_dataset': 'hand', ")


def test_an_unknown_country_code_is_said_once_not_logged_by_country_converter(caplog):
    # country_converter logs every miss; the ArgumentError already names the code.
    with caplog.at_level("DEBUG"), pytest.raises(ArgumentError, match="'Narnia' is not an ISO3 country code"):
        SeriesSpec(families=["all"], countries=["CHN", "Narnia"])
    assert [r for r in caplog.records if r.name.startswith("country_converter")] == []


def _volume(values: list[float], start: str = "2018-01-01") -> tuple[pd.DataFrame, pd.DataFrame]:
    """A source's weekly volume (``segment, ds, denominator``) and its coverage, week 0 starting ``start``."""
    weeks = pd.date_range(start, periods=len(values), freq="W-MON")
    volume = pd.DataFrame({"segment": "hand", "ds": weeks, "denominator": values})
    return volume, coverage(("hand", start, str((weeks[-1] + pd.Timedelta(days=6)).date())))


def test_a_week_below_a_tenth_of_the_usual_volume_is_an_outage_gap_and_exactly_a_tenth_is_kept():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    volume, cover = _volume([1000.0] * 7 + [99.0] + [1000.0] * 12)
    with pytest.warns(UserWarning, match=r"1 W-SUN period is an outage .*less than 0\.1 .*: 2018-02-19 \(99 events\);"):
        grid = period_grid(cover, spec, volume)
    assert len(grid) == 19 and T("2018-02-19") not in set(grid["ds"])
    runs = [[group["ds"].min(), group["ds"].max()] for _, group in grid.groupby("run")]
    assert runs == [[T("2018-01-01"), T("2018-02-12")], [T("2018-02-26"), T("2018-05-14")]]
    with pytest.warns(UserWarning, match="an outage"):
        latest = period_grid(cover, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"]), volume)
    assert latest["ds"].min() == T("2018-02-26") and len(latest) == 12
    at_share, _ = _volume([1000.0] * 7 + [100.0] + [1000.0] * 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(period_grid(cover, spec, at_share)) == 20


def test_an_empty_week_of_a_large_source_is_an_outage_but_of_a_small_source_a_quiet_week():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    large, cover = _volume([50.0] * 7 + [4.0] + [50.0] * 12)  # the median is at the 50-event floor
    with pytest.warns(UserWarning, match="1 W-SUN period is an outage"):
        assert len(period_grid(cover, spec, large)) == 19
    small, _ = _volume([49.0] * 7 + [0.0] + [49.0] * 12)  # just under the floor: one empty week is quiet
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(period_grid(cover, spec, small)) == 20
    kept, _ = _volume([1000.0] * 7 + [0.0] + [1000.0] * 12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(period_grid(cover, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all", outage_share=None), kept)) == 20


def test_a_source_growing_a_hundredfold_has_no_outage_and_a_long_hole_is_one_gap_warned_once():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    # 10 -> 1,250 events a week: the early weeks are far below the whole span's median, not below their own quarter's.
    growing, cover = _volume([10.0 * 1.05**week for week in range(100)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(period_grid(cover, spec, growing)) == 100
    holed, cover = _volume([1000.0] * 5 + [0.0] * 10 + [1000.0] * 5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(period_grid(cover, spec, holed)) == 10
    assert [str(w.message)[:40] for w in caught] == ["series: 10 of 20 W-SUN periods lie in ru"]


@pytest.mark.parametrize("share", [0.0, 1.0, -0.1, 1.5])
def test_outage_share_outside_zero_one_is_refused_naming_the_key(share):
    with pytest.raises(ArgumentError, match=rf"^outage_share: must be between 0 and 1 \(exclusive\) or null, got {share}\.$"):
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], outage_share=share)
    assert SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], outage_share=0.5).outage_share == 0.5


def test_outages_are_warned_as_data_gaps_with_the_first_three_named_and_the_rest_counted():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    volume, cover = _volume([1000.0] * 5 + [10.0, 1000.0, 0.0, 20.0, 1000.0, 30.0, 40.0] + [1000.0] * 8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(period_grid(cover, spec, volume)) == 15
    assert [w.category for w in caught] == [DataGapWarning]
    assert str(caught[0].message).startswith(
        "series: 5 W-SUN periods are outages of the source, with less than 0.1 of its usual volume: "
        "2018-02-05 (10 events), 2018-02-19 (0 events), 2018-02-26 (20 events) and 2 more; they are gaps"
    )
