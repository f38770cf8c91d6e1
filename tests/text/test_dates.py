"""Date expressions resolved against the publication date (hand-computed calendars)."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.events.text.dates import find_dates, is_future_expression, resolve_date

WEDNESDAY = pd.Timestamp("2023-08-16")


def _resolve(sentence: str, published: pd.Timestamp = WEDNESDAY, future: bool = False):
    (mention,) = find_dates(sentence)
    return resolve_date(mention, published, future)


@pytest.mark.parametrize(
    ("sentence", "date", "precision"),
    [
        ("They met on Monday.", "2023-08-14", "day"),
        ("They met on Wednesday.", "2023-08-16", "day"),  # the publication day itself
        ("They met last Wednesday.", "2023-08-09", "day"),
        ("They met yesterday.", "2023-08-15", "day"),
        ("They met last week.", "2023-08-07", "week"),  # Monday of the previous week
        ("They met earlier this week.", "2023-08-14", "week"),
        ("They met last month.", "2023-07-01", "month"),
        ("They met earlier this month.", "2023-08-01", "month"),
        ("They met in July.", "2023-07-01", "month"),
        ("They met in September.", "2022-09-01", "month"),  # a past September
        ("They met last April.", "2023-04-01", "month"),
        ("They met in March 2022.", "2022-03-01", "month"),
        ("They met on 3 August.", "2023-08-03", "day"),
        ("They met on August 3.", "2023-08-03", "day"),
        ("They met on 20 December.", "2022-12-20", "day"),  # past event: last December
        ("They met on 5 May 2021.", "2021-05-05", "day"),
        ("They met on 2021-05-05.", "2021-05-05", "day"),
        ("They met from 1 to 3 August.", "2023-08-01", "day"),
    ],
)
def test_past_expressions(sentence: str, date: str, precision: str) -> None:
    resolved = _resolve(sentence)
    assert (resolved.date, resolved.precision) == (pd.Timestamp(date), precision)


@pytest.mark.parametrize(
    ("sentence", "date", "precision"),
    [
        ("He will visit on Friday.", "2023-08-18", "day"),
        ("He will visit next Monday.", "2023-08-21", "day"),
        ("He will visit next week.", "2023-08-21", "week"),
        ("He will visit next month.", "2023-09-01", "month"),
        ("He will visit in January.", "2024-01-01", "month"),
        ("He will visit tomorrow.", "2023-08-17", "day"),
    ],
)
def test_future_expressions(sentence: str, date: str, precision: str) -> None:
    resolved = _resolve(sentence, future=True)
    assert (resolved.date, resolved.precision) == (pd.Timestamp(date), precision)


def test_range_keeps_both_ends_and_rolls_year_forward_for_future_events() -> None:
    resolved = _resolve("He will travel from 14 to 19 January.", future=True)
    assert resolved.date == pd.Timestamp("2024-01-14")
    assert resolved.end == pd.Timestamp("2024-01-19")


def test_modal_may_is_not_a_month() -> None:
    assert find_dates("Officials may travel to Minsk.") == []
    assert [m.form for m in find_dates("Officials travelled to Minsk in May.")] == ["in_month"]


def test_invalid_day_is_ignored() -> None:
    assert _resolve("They met on 31 February.") is None


def test_future_expressions_are_flagged() -> None:
    flags = [is_future_expression(m) for m in find_dates("next week, last week, next Friday, tomorrow")]
    assert flags == [True, False, True, True]


@pytest.mark.parametrize(
    ("sentence", "date", "precision"),
    [
        ("They met three days ago.", "2023-08-13", "day"),
        ("They met 10 days ago.", "2023-08-06", "day"),
        ("They met two weeks ago.", "2023-07-31", "week"),  # the Monday of 2 August's week
        ("They met a month ago.", "2023-07-01", "month"),
        ("They met in 2021.", "2021-01-01", "year"),
        ("They met in early 2022.", "2022-01-01", "year"),
        ("They met in the summer of 2021.", "2021-01-01", "year"),
        ("They met last year.", "2022-01-01", "year"),
        ("They met earlier this year.", "2023-01-01", "year"),
    ],
)
def test_ago_and_year_only_expressions(sentence: str, date: str, precision: str) -> None:
    resolved = _resolve(sentence)
    assert (resolved.date, resolved.precision) == (pd.Timestamp(date), precision)
