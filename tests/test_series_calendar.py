"""Calendar grids: day, anchored week, month and quarter; explicit start/end; partial periods."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.events import families_from_mapping
from forecast.series import SeriesSpec, build_panel, observed_coverage
from tests.event_tables import coverage, event_table, series

FAMILIES = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
T = pd.Timestamp


def one_event_on(*dates: str) -> pd.DataFrame:
    return event_table([(d, "CHN", "state", "RUS", "state", "042", 1) for d in dates])


def panel_of(events, cover, **kwargs) -> pd.DataFrame:
    return build_panel(events, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], **kwargs), FAMILIES, cover)


YEAR_END = one_event_on("2020-12-27", "2020-12-28", "2021-01-01", "2021-01-03", "2021-01-04")
YEAR_END_COVER = coverage(("hand", "2020-12-21", "2021-01-10"))  # Monday to Sunday, three weeks


def test_week_spanning_the_new_year_is_one_week_labelled_by_its_monday():
    weekly = series(panel_of(YEAR_END, YEAR_END_COVER, freq="W-SUN"), "CHN-RUS/all")
    # Sunday 27 Dec closes the week of 21 Dec; 28 Dec, 1 Jan and 3 Jan share the week of 28 Dec.
    assert weekly == {T("2020-12-21"): 1.0, T("2020-12-28"): 3.0, T("2021-01-04"): 1.0}


def test_week_anchor_is_configurable():
    # W-SAT: weeks Sunday-Saturday labelled by their Sunday. 20-26 Dec and 10-16 Jan are only
    # partly covered, so they are dropped.
    weekly = series(panel_of(YEAR_END, YEAR_END_COVER, freq="W-SAT"), "CHN-RUS/all")
    assert weekly == {T("2020-12-27"): 3.0, T("2021-01-03"): 2.0}


def test_months_are_zero_filled_and_calendar_correct():
    events = one_event_on("2020-12-31", "2021-01-01", "2021-03-31", "2021-04-01")
    monthly = series(panel_of(events, coverage(("hand", "2020-12-01", "2021-06-30")), freq="M"), "CHN-RUS/all")
    expected = dict(zip(pd.date_range("2020-12-01", "2021-06-01", freq="MS"), [1.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0]))
    assert monthly == expected


def test_quarters_drop_or_flag_the_partial_quarter():
    events = one_event_on("2020-12-31", "2021-01-01", "2021-03-31", "2021-04-01")
    cover = coverage(("hand", "2020-12-01", "2021-06-30"))  # Q4 2020 only from 1 December
    assert series(panel_of(events, cover, freq="Q"), "CHN-RUS/all") == {T("2021-01-01"): 2.0, T("2021-04-01"): 1.0}
    kept = panel_of(events, cover, freq="Q", drop_partial=False)
    assert kept["ds"].tolist() == [T("2020-10-01"), T("2021-01-01"), T("2021-04-01")]
    assert kept["partial"].tolist() == [True, False, False]
    assert kept["y"].tolist() == [1.0, 2.0, 1.0]


def test_explicit_start_and_end_bound_a_daily_grid():
    days = series(panel_of(YEAR_END, YEAR_END_COVER, freq="D", start="2020-12-30", end="2021-01-02"), "CHN-RUS/all")
    assert days == {T("2020-12-30"): 0.0, T("2020-12-31"): 0.0, T("2021-01-01"): 1.0, T("2021-01-02"): 0.0}


def test_explicit_start_inside_a_week_makes_it_partial():
    panel = panel_of(YEAR_END, YEAR_END_COVER, start="2020-12-23", drop_partial=False)
    assert panel["partial"].tolist() == [True, False, False]
    assert panel_of(YEAR_END, YEAR_END_COVER, start="2020-12-23")["ds"].tolist() == [T("2020-12-28"), T("2021-01-04")]


def test_partial_months_at_both_ends():
    events = one_event_on("2018-01-20", "2018-02-10", "2018-03-05")
    cover = coverage(("hand", "2018-01-15", "2018-03-10"))
    assert series(panel_of(events, cover, freq="M"), "CHN-RUS/all") == {T("2018-02-01"): 1.0}
    kept = panel_of(events, cover, freq="M", drop_partial=False)
    assert kept["partial"].tolist() == [True, False, True]


@pytest.mark.parametrize("freq", ["h", "Y", "bogus"])
def test_unsupported_frequency_names_the_key(freq):
    with pytest.raises(ArgumentError, match="^freq: ") as caught:
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], freq=freq)
    assert caught.value.under("series").argument == "series.freq"


def test_window_without_a_full_period_is_an_error():
    with pytest.raises(ValueError, match="no complete M period"):
        panel_of(YEAR_END, YEAR_END_COVER, freq="M")



# The first event at Monday 10:00, the last at Sunday 12:00: coverage is in days, so the first
# week (and the first day) is fully covered, not partial.
TIME_STAMPED = event_table(
    [
        ("2021-01-04 10:00", "CHN", "state", "RUS", "state", "042", 1),
        ("2021-01-10 23:59", "CHN", "state", "RUS", "state", "042", 1),
        ("2021-01-11 00:00", "CHN", "state", "RUS", "state", "042", 1),
        ("2021-01-17 12:00", "RUS", "state", "CHN", "state", "042", 1),
    ]
)


def test_observed_coverage_from_time_stamped_events_keeps_the_first_week():
    panel = panel_of(TIME_STAMPED, observed_coverage(TIME_STAMPED), freq="W-SUN")
    assert series(panel, "CHN-RUS/all") == {T("2021-01-04"): 2.0, T("2021-01-11"): 2.0}
    assert not panel["partial"].any()


def test_observed_coverage_from_time_stamped_events_keeps_the_first_day():
    panel = panel_of(TIME_STAMPED, observed_coverage(TIME_STAMPED), freq="D", max_empty_periods=None)
    days = series(panel, "CHN-RUS/all")
    assert list(days) == list(pd.date_range("2021-01-04", "2021-01-17", freq="D"))
    assert (days[T("2021-01-04")], days[T("2021-01-10")], days[T("2021-01-11")], sum(days.values())) == (1.0, 1.0, 1.0, 4.0)


# One event a day from Monday 4 to Sunday 24 January 2021, three weeks.
EVERY_DAY = one_event_on(*[str(day.date()) for day in pd.date_range("2021-01-04", "2021-01-24")])


@pytest.mark.parametrize("as_file", [False, True], ids=["frame", "parquet"])
def test_kept_partial_periods_hold_only_the_covered_days(as_file: bool, tmp_path) -> None:
    source = EVERY_DAY
    if as_file:
        source = tmp_path / "events.parquet"
        EVERY_DAY.to_parquet(source)
    # series.start on Wednesday 6, series.end on Wednesday 20: 5 and 3 days of the outer weeks.
    limited = build_panel(
        source,
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], start="2021-01-06", end="2021-01-20", drop_partial=False),
        FAMILIES,
        coverage(("hand", "2021-01-04", "2021-01-24")),
    )
    assert limited["y"].tolist() == [5.0, 7.0, 3.0] and limited["partial"].tolist() == [True, False, True]
    assert limited["denominator"].tolist() == [5.0, 7.0, 3.0]
    # A missing day (Thursday 14) between two coverage windows is not counted in its kept week.
    holed = panel_of(source, coverage(("hand", "2021-01-04", "2021-01-13"), ("hand", "2021-01-15", "2021-01-24")),
                     drop_partial=False, span="all")
    assert series(holed, "CHN-RUS/all") == {T("2021-01-04"): 7.0, T("2021-01-11"): 6.0, T("2021-01-18"): 7.0}
