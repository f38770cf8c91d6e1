"""Find date expressions in a sentence and resolve them against the publication date.

Resolved dates carry a precision: ``day``, ``week`` (the Monday of that week), ``month``
(the first day of that month) or ``year`` (1 January: "in 2019", "last year", a date the
coder cannot place in a period and so gives no event for). Expressions without a year
take the publication year, moved one year back (past events) or forward (future events)
when that puts them on the wrong side of the publication date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import pandas as pd

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_WEEKDAYS = {d: i for i, d in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))}
# Month names are capitalised so that the modal "may" is never read as a month.
_MONTH = (
    "(?P<month>"
    + "|".join(
        sorted(
            (m.capitalize() + (r"\.?" if len(m) <= 4 and m != "may" else "") for m in _MONTHS), key=len, reverse=True
        )
    )
    + ")"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_DAY2 = r"(?P<day2>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d{2})"
_WEEKDAY = "(?P<weekday>" + "|".join(d.capitalize() for d in _WEEKDAYS) + ")"
_RANGE = r"\s*(?:-|–|(?i:to|and|until|through))\s*"

_FORMS: tuple[tuple[str, str], ...] = (
    ("iso", r"\b(?P<year>\d{4})-(?P<m>\d{2})-(?P<day>\d{2})\b"),
    ("range_dm", rf"\b(?:(?i:from|between)\s+)?{_DAY}{_RANGE}{_DAY2}\s+{_MONTH}(?:,?\s+{_YEAR})?\b"),
    ("range_md", rf"\b(?:(?i:from|between)\s+)?{_MONTH}\s+{_DAY}{_RANGE}{_DAY2}\b(?:,?\s+{_YEAR})?"),
    ("dm", rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?\b"),
    ("md", rf"\b{_MONTH}\s+{_DAY}\b(?:,?\s+{_YEAR})?"),
    ("last_month_name", rf"\b(?i:last)\s+{_MONTH}\b"),
    ("next_month_name", rf"\b(?i:next)\s+{_MONTH}\b"),
    ("month_year", rf"\b{_MONTH}\s+{_YEAR}\b"),
    (
        "in_month",
        rf"\b(?i:in|during|since|until|by|early|late|mid|earlier\s+in|later\s+in|in\s+early|in\s+late|"
        rf"in\s+mid)[\s-]+{_MONTH}\b(?:,?\s+{_YEAR}\b)?",
    ),
    ("weekday", rf"\b(?:(?P<rel>(?i:last|next|this|on|on\s+last|on\s+next))\s+)?{_WEEKDAY}\b"),
    # "three days ago", "two weeks ago", "a month ago".
    (
        "ago",
        r"\b(?P<n>\d{1,2}|(?i:an?|one|two|three|four|five|six|seven|eight|nine|ten))\s+"
        r"(?P<unit>(?i:days?|weeks?|months?))\s+(?i:ago)\b",
    ),
    # A year but no month: "in 2019", "in early 2022", "in the summer of 2021", "last year".
    (
        "year",
        rf"\b(?:(?i:in|during)\s+(?:(?i:early|late|mid)[\s-]+)?{_YEAR}|"
        r"(?i:in\s+)?(?i:the\s+)?(?i:spring|summer|autumn|fall|winter|first\s+half|second\s+half)\s+(?i:of)\s+"
        rf"{_YEAR.replace('year', 'year2')}|"
        r"(?P<rel>(?i:last\s+year|this\s+year|earlier\s+this\s+year|later\s+this\s+year|next\s+year|"
        r"the\s+previous\s+year)))\b",
    ),
    (
        "relative",
        r"\b(?P<rel>(?i:yesterday|today|tomorrow|last\s+week(?:end)?|this\s+week|earlier\s+this\s+week|"
        r"later\s+this\s+week|next\s+week|last\s+month|this\s+month|earlier\s+this\s+month|"
        r"later\s+this\s+month|next\s+month))\b",
    ),
)


@dataclass(frozen=True)
class DateMention:
    """A date expression found in a sentence, before resolution."""

    start: int
    end: int
    form: str
    fields: tuple[tuple[str, str], ...]

    @property
    def text_fields(self) -> dict[str, str]:
        """The named groups of the match, as a dict."""
        return dict(self.fields)


@dataclass(frozen=True)
class ResolvedDate:
    """A resolved date: first day, precision, and the last day of a range (or None)."""

    date: pd.Timestamp
    precision: str
    end: pd.Timestamp | None = None


@cache
def _date_regex() -> re.Pattern[str]:
    return re.compile("|".join(f"(?P<{name}>{_rename(body, name)})" for name, body in _FORMS))


def _rename(body: str, form: str) -> str:
    # Group names must be unique across the alternation: prefix them with the form name.
    return re.sub(r"\(\?P<(\w+)>", lambda m: f"(?P<{form}__{m.group(1)}>", body)


def find_dates(sentence: str) -> list[DateMention]:
    """All date expressions of a sentence, left to right.

    Parameters
    ----------
    sentence : str
        One sentence.

    Returns
    -------
    list of DateMention
    """
    found = []
    for match in _date_regex().finditer(sentence):
        form = match.lastgroup
        prefix = f"{form}__"
        fields = tuple((k[len(prefix) :], v) for k, v in match.groupdict().items() if k.startswith(prefix) and v)
        found.append(DateMention(match.start(), match.end(), form, fields))
    return found


def _month_number(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _safe_day(year: int, month: int, day: int) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(year=year, month=month, day=day)
    except ValueError:
        return None


def _pick_year(month: int, day: int, published: pd.Timestamp, future: bool) -> pd.Timestamp | None:
    candidate = _safe_day(published.year, month, day)
    if candidate is None:
        return None
    # A week of slack: "14 August" in a 16 August article is still this year's.
    if not future and candidate > published + pd.Timedelta(days=7):
        return _safe_day(published.year - 1, month, day)
    if future and candidate < published - pd.Timedelta(days=7):
        return _safe_day(published.year + 1, month, day)
    return candidate


def _month_start(published: pd.Timestamp, month: int, future: bool, strict: bool) -> pd.Timestamp:
    this_year = pd.Timestamp(year=published.year, month=month, day=1)
    current = pd.Timestamp(year=published.year, month=published.month, day=1)
    if future:
        earliest = current + pd.DateOffset(months=int(strict))
        return this_year if this_year >= earliest else this_year + pd.DateOffset(years=1)
    if this_year > current or (strict and this_year == current):
        return this_year - pd.DateOffset(years=1)
    return this_year


def _monday(day: pd.Timestamp) -> pd.Timestamp:
    return day - pd.Timedelta(days=day.weekday())


def resolve_date(mention: DateMention, published: pd.Timestamp, future: bool) -> ResolvedDate | None:
    """Resolve a date expression relative to the publication date.

    Parameters
    ----------
    mention : DateMention
        The expression.
    published : pandas.Timestamp
        Publication date of the document (midnight).
    future : bool
        Whether the expression belongs to a future event ("will visit on Friday" is the
        coming Friday, "visited on Friday" the past one).

    Returns
    -------
    ResolvedDate or None
        None when the expression is not a valid date (e.g. "31 February").
    """
    f = mention.text_fields
    form = mention.form
    if form == "iso":
        day = _safe_day(int(f["year"]), int(f["m"]), int(f["day"]))
        return ResolvedDate(day, "day") if day is not None else None
    if form in ("range_dm", "range_md", "dm", "md"):
        month = _month_number(f["month"])
        if "year" in f:
            first = _safe_day(int(f["year"]), month, int(f["day"]))
        else:
            first = _pick_year(month, int(f["day"]), published, future)
        if first is None:
            return None
        last = _safe_day(first.year, month, int(f["day2"])) if "day2" in f else None
        return ResolvedDate(first, "day", last)
    if form == "month_year" or (form == "in_month" and "year" in f):
        return ResolvedDate(pd.Timestamp(year=int(f["year"]), month=_month_number(f["month"]), day=1), "month")
    if form in ("last_month_name", "next_month_name", "in_month"):
        ahead = future if form == "in_month" else form == "next_month_name"
        strict = form != "in_month"
        return ResolvedDate(_month_start(published, _month_number(f["month"]), ahead, strict), "month")
    if form == "weekday":
        return _resolve_weekday(f, published, future)
    if form == "ago":
        return _resolve_ago(f, published)
    if form == "year":
        # No month: too coarse to place in a day, week or month; the coder drops such events.
        year = f.get("year") or f.get("year2")
        if year is None:
            words = f["rel"].lower().split()
            shift = {"last": -1, "previous": -1, "next": 1}.get(words[0] if words[0] != "the" else words[1], 0)
            year = published.year + shift
        return ResolvedDate(pd.Timestamp(year=int(year), month=1, day=1), "year")
    return _resolve_relative(f["rel"].lower().split(), published)


_NUMBERS = dict(zip("a an one two three four five six seven eight nine ten".split(), [1, 1, *range(1, 11)]))


def _resolve_ago(f: dict[str, str], published: pd.Timestamp) -> ResolvedDate:
    n = int(f["n"]) if f["n"].isdigit() else _NUMBERS[f["n"].lower()]
    unit = f["unit"].lower().rstrip("s")
    if unit == "day":
        return ResolvedDate(published - pd.Timedelta(days=n), "day")
    if unit == "week":
        return ResolvedDate(_monday(published - pd.Timedelta(weeks=n)), "week")
    month = pd.Timestamp(year=published.year, month=published.month, day=1)
    return ResolvedDate(month - pd.DateOffset(months=n), "month")


def _resolve_weekday(f: dict[str, str], published: pd.Timestamp, future: bool) -> ResolvedDate:
    rel = " ".join(f.get("rel", "on").lower().split())
    target = _WEEKDAYS[f["weekday"].lower()]
    ahead = rel in ("next", "on next") or (future and rel in ("on", "this"))
    if ahead:
        days = (target - published.weekday()) % 7 or 7
        return ResolvedDate(published + pd.Timedelta(days=days), "day")
    days = (published.weekday() - target) % 7
    if rel in ("last", "on last") and days == 0:
        days = 7
    return ResolvedDate(published - pd.Timedelta(days=days), "day")


def _resolve_relative(words: list[str], published: pd.Timestamp) -> ResolvedDate:
    phrase = " ".join(words)
    days = {"yesterday": -1, "today": 0, "tomorrow": 1}
    if phrase in days:
        return ResolvedDate(published + pd.Timedelta(days=days[phrase]), "day")
    if phrase == "last weekend":
        return ResolvedDate(_monday(published) - pd.Timedelta(days=2), "day")
    if phrase.endswith("week"):
        shift = {"last": -7, "next": 7}.get(words[0], 0)
        return ResolvedDate(_monday(published) + pd.Timedelta(days=shift), "week")
    month = pd.Timestamp(year=published.year, month=published.month, day=1)
    shift = {"last": -1, "next": 1}.get(words[0], 0)
    return ResolvedDate(month + pd.DateOffset(months=shift) if shift else month, "month")


def is_future_expression(mention: DateMention) -> bool:
    """Whether the expression itself points to the future ("next week", "tomorrow")."""
    rel = mention.text_fields.get("rel", "").lower()
    return mention.form == "next_month_name" or rel.startswith(("next", "on next", "tomorrow", "later this"))
