"""Last step of every reader: pandera validation, quarantine of failing rows, provenance."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pandera.pyarrow as pa_arrow
import pyarrow
import pyarrow.compute as pc

from forecast.events.readers.base import empty_quarantine
from forecast.events.schema import EVENT_COLUMNS, EVENT_SCHEMA, EventTableError, conform_dtypes
from forecast.events.taxonomy import cameo_table

PROVENANCE_COLUMNS: tuple[str, ...] = ("dedup_key", "source_file", "source_line")
"""Extra columns every reader adds: the deduplication key and where the row came from."""

_ARROW_TYPES: dict[str, pyarrow.DataType] = {
    "date": pyarrow.timestamp("ns"),
    "quad_class": pyarrow.int8(),
    "goldstein": pyarrow.float64(),
    "count": pyarrow.int64(),
    "source_line": pyarrow.int64(),
}


def arrow_schema(extra: Sequence[str] = ()) -> pyarrow.Schema:
    """Arrow schema of a staged event batch: canonical, provenance, then ``extra`` (strings)."""
    names = [*EVENT_COLUMNS, *PROVENANCE_COLUMNS, *extra]
    return pyarrow.schema([(n, _ARROW_TYPES.get(n, pyarrow.string())) for n in names])


def empty_event_table(extra: Sequence[str] = ()) -> pyarrow.Table:
    """An empty staged event batch."""
    return arrow_schema(extra).empty_table()


def to_arrow(events: pd.DataFrame, extra: Sequence[str] = ()) -> pyarrow.Table:
    """Convert conformed pandas events (see :func:`finish`) to a staged arrow batch."""
    schema = arrow_schema(extra)
    return pyarrow.Table.from_pandas(events[schema.names], schema=schema, preserve_index=False)


def from_arrow(table: pyarrow.Table) -> pd.DataFrame:
    """Staged arrow events back to a conformed pandas event table."""
    frame = table.to_pandas()
    extra = [c for c in frame.columns if c not in EVENT_COLUMNS]
    return conform_dtypes(frame, extra=extra)


@cache
def arrow_event_schema() -> pa_arrow.DataFrameSchema:
    """:data:`EVENT_SCHEMA` for ``pyarrow.Table`` batches (pandera's pyarrow API).

    The columns, dtypes, nullability and checks are taken from the pandas schema, so the
    two cannot drift apart. The table-wide ``root_code`` check is not carried over:
    readers that build batches in SQL derive ``root_code`` from ``cameo_code``.
    """
    types = {f.name: f.type for f in arrow_schema()}
    return pa_arrow.DataFrameSchema(
        {n: pa_arrow.Column(types[n], checks=c.checks, nullable=c.nullable) for n, c in EVENT_SCHEMA.columns.items()},
        strict=False,
    )


def _distinct_view(events: pyarrow.Table) -> pyarrow.Table:
    """A short table on which the event schema passes exactly when it passes on ``events``.

    Every check of the schema is per value (dtype, nullability, ranges, patterns, sets), so
    a column with checks is replaced by its distinct values (nulls included) and a column
    without checks by one value plus a null if it holds any. Columns are padded to the same
    length by repeating their first value, which adds no new value.
    """
    schema = arrow_event_schema()
    columns: dict[str, pyarrow.Array] = {}
    for name, column in schema.columns.items():
        values = events[name]
        if pyarrow.types.is_dictionary(values.type):
            values = _used_values(values)
        if column.checks:
            reduced = pc.unique(values)
        else:
            reduced = values.slice(0, 1).combine_chunks()
            if values.null_count:
                reduced = pyarrow.concat_arrays([reduced, pyarrow.nulls(1, values.type)])
        columns[name] = reduced
    length = max((len(v) for v in columns.values()), default=0)
    return pyarrow.table(
        {n: pyarrow.concat_arrays([v, pyarrow.repeat(v[0], length - len(v))]) if len(v) else v for n, v in columns.items()}
    )


def _used_values(column: pyarrow.ChunkedArray) -> pyarrow.ChunkedArray:
    """The dictionary values a dictionary-encoded column's rows use (a null if a row is null)."""
    return pyarrow.chunked_array(
        [chunk.dictionary.take(pc.unique(chunk.indices)) for chunk in column.chunks], column.type.value_type
    )


def check_batch(events: pyarrow.Table, origin: str) -> None:
    """Validate a batch built in SQL or arrow with pandera; a failure here is a reader bug.

    Pandera runs on the batch's distinct values (see :func:`_distinct_view`): the same
    verdict as on every row, at a small fraction of the cost.

    Raises
    ------
    EventTableError
        Naming ``origin`` and up to five failure cases.
    """
    try:
        arrow_event_schema().validate(_distinct_view(events) if events.num_rows else events, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        cases = cases.to_pandas() if isinstance(cases, pyarrow.Table) else pd.DataFrame(cases)
        raise EventTableError(
            f"{origin}: a batch built by the reader failed the event schema (a reader bug, please report):\n"
            f"{cases.head(5).to_string()}"
        ) from None


class BatchChecker:
    """:func:`check_batch` over many batches of one input, run once per input.

    Each batch is reduced to its distinct values on arrival; pandera (a fixed cost of
    some 15 ms a call) runs on their union when the input changes, when the union grows
    past ``max_rows`` and at :meth:`flush`.
    """

    def __init__(self, max_rows: int = 200_000) -> None:
        self.max_rows = max_rows
        self._origin: str | None = None
        self._views: list[pyarrow.Table] = []
        self._rows = 0

    def add(self, events: pyarrow.Table, origin: str) -> None:
        """Queue a batch from ``origin`` for validation."""
        if origin != self._origin:
            self.flush()
            self._origin = origin
        if events.num_rows:
            view = _distinct_view(events)
            self._views.append(view)
            self._rows += view.num_rows
        if self._rows > self.max_rows:
            self.flush()

    def flush(self) -> None:
        """Validate what is queued; raise :class:`EventTableError` on failure."""
        if self._views:
            views, self._views, self._rows = self._views, [], 0
            check_batch(pyarrow.concat_tables(views), origin=self._origin or "event batch")


Quarantiner = Callable[[np.ndarray, Sequence[str]], pd.DataFrame]


@dataclass
class Batch:
    """Output of a reader for one block of one input.

    Attributes
    ----------
    file : str
        Input label.
    rows_read : int
        Data rows in the block (accepted + quarantined).
    events : pandas.DataFrame
        Accepted rows (canonical columns + provenance + extras), before deduplication.
    quarantine : pandas.DataFrame
        Rejected rows (``file, line, reason, raw``).
    duplicates : int
        Rows the reader itself dropped as duplicates (TKG ``collapse``).
    """

    file: str
    rows_read: int
    events: pyarrow.Table
    quarantine: pd.DataFrame
    duplicates: int = 0


def code_problems(codes: pd.Series) -> pd.Series:
    """Reason a CAMEO event code is unusable, or NA when it is fine.

    Parameters
    ----------
    codes : pandas.Series
        Event codes as read (strings).

    Returns
    -------
    pandas.Series
        NA for a known code; otherwise the reason, naming a lost leading zero when
        prefixing ``0`` gives a known code (``'42'`` -> ``'042'``).
    """
    known = cameo_table().index
    codes = codes.fillna("").astype(str).str.strip()
    ok = codes.isin(known)
    lost_zero = ~ok & codes.str.fullmatch(r"\d{1,3}") & ("0" + codes).isin(known)
    reason = pd.Series(None, index=codes.index, dtype=object)
    reason[~ok] = "unknown CAMEO code " + codes[~ok].map(repr)
    reason[~ok & codes.eq("")] = "missing CAMEO code"
    reason[lost_zero] = (
        "CAMEO code "
        + codes[lost_zero].map(repr)
        + " lost its leading zero (expected "
        + ("0" + codes[lost_zero]).map(repr)
        + "); read codes as strings"
    )
    return reason


_DAY_MONTH = r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})((?:[ T].*)?)$"
"""A date that starts with day and month in some order (``01/02/2018``, ``13.02.18 10:00``)."""

AMBIGUOUS_DATE = (
    "ambiguous date: {!r} reads as day/month and as month/day; write YYYY-MM-DD, or set "
    "data.dayfirst=true (d/m/Y) or data.dayfirst=false (m/d/Y) for the whole file"
)
"""Reason of a date whose day and month could be either way round."""


def parse_dates(values: pd.Series, dayfirst: bool | None = None) -> tuple[pd.Series, pd.Series]:
    """Parse a date column of a tidy table or panel, one rule for every row.

    ISO 8601 (``2018-02-01``, ``20180201``, ``2018-02-01T10:00:00+08:00``) comes first;
    times with an offset are converted to UTC. A date ``a/b/Y`` (or with ``.``/``-``, a
    2-digit year as in ``strptime``'s ``%y``) is read day first when ``a > 12``, month
    first when ``b > 12``, and is ambiguous when both are 12 or less and differ, unless
    ``dayfirst`` says which; anything else ("1 Feb 2018") goes to pandas' parser. Without
    this, pandas reads each value on its own: ``13/02/2018`` as 13 Feb and ``01/02/2018``
    as 2 Jan in the same column.

    Parameters
    ----------
    values : pandas.Series
        Dates as text, or a datetime column (parquet; a time zone is converted to UTC).
    dayfirst : bool, optional
        How to read every ``a/b/Y`` date; ``None`` decides per value and refuses the
        ambiguous ones. Given, ``02/13/2018`` with ``dayfirst=True`` is a bad date.

    Returns
    -------
    dates : pandas.Series
        ``datetime64[ns]`` without a time zone (UTC), NaT where unparseable or ambiguous.
    ambiguous : pandas.Series of bool
        The dates refused as ambiguous.
    """
    ambiguous = pd.Series(False, index=values.index)
    if pd.api.types.is_datetime64_any_dtype(values):
        if getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_convert("UTC").dt.tz_localize(None)
        return values.astype("datetime64[ns]"), ambiguous
    text = values.astype("string").str.strip()
    dates = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
    rest = text[dates.isna() & text.notna() & text.ne("")]
    parts = rest.str.extract(_DAY_MONTH)
    matched = parts[0].notna()
    if matched.any():
        a, b = parts.loc[matched, 0].astype(int), parts.loc[matched, 1].astype(int)
        if dayfirst is None:
            unclear = a.le(12) & b.le(12) & a.ne(b)
            ambiguous[unclear[unclear].index] = True
            day_is_first = a.gt(12)
        else:
            unclear = pd.Series(False, index=a.index)
            day_is_first = pd.Series(bool(dayfirst), index=a.index)
        day, month = a.where(day_is_first, b), b.where(day_is_first, a)
        year = parts.loc[matched, 2].astype(int)
        year = year.where(parts.loc[matched, 2].str.len() == 4, year + np.where(year < 69, 2000, 1900))
        iso = year.map("{:04d}-".format) + month.map("{:02d}-".format) + day.map("{:02d}".format)
        iso = (iso + parts.loc[matched, 3])[~unclear]
        if len(iso):
            dates[iso.index] = pd.to_datetime(iso, format="ISO8601", utc=True, errors="coerce")
    other = rest[~matched].index
    if len(other):
        dates[other] = pd.to_datetime(text[other], format="mixed", utc=True, errors="coerce")
    return dates.dt.tz_localize(None).astype("datetime64[ns]"), ambiguous


REPEATED_HEADER = "repeated header line: the column names again, not an event (files joined with their headers?)"
"""Reason of a line that repeats the header, as ``cat a.tab b.tab`` leaves one."""


def repeated_header(df: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """Rows whose ``columns`` hold their own names: a header line inside the data.

    Parameters
    ----------
    df : pandas.DataFrame
        Parsed string columns (quotes stripped).
    columns : sequence of str
        Header fields to compare, e.g. ``("Event ID", "Event Date")``.

    Returns
    -------
    pandas.Series of bool
        Aligned with ``df``.
    """
    mask = pd.Series(True, index=df.index)
    for column in columns:
        mask &= df[column].fillna("").str.strip().str.lower().eq(column.lower())
    return mask


def add_reason(reasons: pd.Series, mask: pd.Series, template: str, values: pd.Series | None = None) -> pd.Series:
    """Give rows where ``mask`` holds, and that have no reason yet, the reason ``template``.

    Parameters
    ----------
    reasons : pandas.Series
        Current reasons (NA where none).
    mask : pandas.Series of bool
        Rows with this problem.
    template : str
        Reason text; ``{!r}`` is replaced by the row's value from ``values``. Formatting
        runs only on the flagged rows.
    values : pandas.Series, optional
        Values shown in the reason.

    Returns
    -------
    pandas.Series
    """
    flag = mask.fillna(False).astype(bool) & reasons.isna()
    out = reasons.astype(object).copy()
    if flag.any():
        out[flag] = [template.format(v) for v in values[flag]] if values is not None else template
    return out


def _schema_reasons(events: pd.DataFrame, extra: Sequence[str]) -> pd.Series:
    """Per-row reasons from pandera's lazy validation (empty when all rows pass).

    The batch is first checked as arrow with :func:`arrow_event_schema` (vectorised and
    fast); only a batch that fails goes through the pandas schema, which names the rows.
    """
    roots_ok = (events["cameo_code"].str[:2] == events["root_code"]).all()
    try:
        if roots_ok:
            arrow_event_schema().validate(to_arrow(events, extra), lazy=True)
            return pd.Series(dtype=object)
    except (pa.errors.SchemaErrors, pyarrow.ArrowException):
        pass  # fall through to the pandas schema to find the failing rows
    try:
        EVENT_SCHEMA.validate(events, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        if cases["index"].isna().any():  # a column-wide (dtype) failure is a reader bug, not a bad row
            raise TypeError(f"reader produced a mistyped event table:\n{cases[cases['index'].isna()]}") from None
        text = (
            "schema check failed: "
            + cases["column"].fillna("row").astype(str)
            + " "
            + cases["check"].astype(str)
            + " (value "
            + cases["failure_case"].astype(str)
            + ")"
        )
        return text.groupby(cases["index"].astype(int).to_numpy()).first()
    return pd.Series(dtype=object)


def finish(
    frame: pd.DataFrame, reasons: pd.Series, quarantiner: Quarantiner, extra: Sequence[str] = ()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a reader's frame into validated events and quarantined rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Canonical columns, provenance columns and ``extra`` columns, one row per input row.
    reasons : pandas.Series
        Reader-detected problems aligned with ``frame`` (NA where none).
    quarantiner : callable
        ``(positions, reasons) -> quarantine frame`` for row positions in ``frame``.
    extra : sequence of str
        Further columns to keep in the event table.

    Returns
    -------
    events, quarantine : pandas.DataFrame
    """
    frame = frame.reset_index(drop=True)
    reasons = reasons.reset_index(drop=True)
    good = np.flatnonzero(reasons.isna().to_numpy())
    events = conform_dtypes(frame.iloc[good], extra=[*PROVENANCE_COLUMNS, *extra])
    failing = _schema_reasons(events, extra)
    bad_positions = np.flatnonzero(reasons.notna().to_numpy())
    parts = [quarantiner(bad_positions, list(reasons.iloc[bad_positions]))]
    if len(failing):
        parts.append(quarantiner(good[failing.index.to_numpy()], list(failing)))
        events = events.drop(index=failing.index).reset_index(drop=True)
    quarantine = (
        pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) else empty_quarantine()
    )
    return events, quarantine


def finish_arrow(
    frame: pd.DataFrame, reasons: pd.Series, quarantiner: Quarantiner, extra: Sequence[str] = ()
) -> tuple[pyarrow.Table, pd.DataFrame]:
    """:func:`finish`, with the events as a staged arrow batch (what a reader's piece returns)."""
    events, quarantine = finish(frame, reasons, quarantiner, extra)
    return to_arrow(events, extra), quarantine
