"""Hand-coded events: a tidy CSV (comma or tab), parquet or JSON Lines table in the canonical schema.

Only ``date`` and ``cameo_code`` are required. Missing optional columns are derived:
``root_code``, ``quad_class`` and ``goldstein`` from the CAMEO table; countries from the
actor strings (any spelling country_converter knows, "Role (Country)", office holders);
``count`` = 1; ``source_dataset`` = the file stem; ``event_id`` = file stem + line.
Country columns may hold names ("China") as well as ISO3 codes.

A JSON Lines input (one object per line, as ``forecast-code-text output=events.jsonl``
writes) is one table whose columns are the objects' keys: each object goes through the
same mapping and checks as a CSV row. Its text fields must be JSON strings and
``quad_class``, ``goldstein``, ``count`` numbers (a line with another type is quarantined);
a key absent or null is as a column left out would be, and ``date`` and ``cameo_code``
must be given. Other keys are ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forecast.errors import DataError
from forecast.events.actors import country_codes, resolve_actors
from forecast.events.readers._finish import AMBIGUOUS_DATE, Batch, add_reason, code_problems, empty_event_table
from forecast.events.readers._finish import finish_arrow, parse_dates
from forecast.events.readers._jsonl import RAW_COLUMN, is_json_lines, json_chunks
from forecast.events.readers._stream import DEFAULT_BLOCK_BYTES, DEFAULT_MAX_LINE_BYTES, Chunk, InputFile
from forecast.events.readers._stream import iter_delimited
from forecast.events.readers.base import QUARANTINE_COLUMNS, empty_quarantine
from forecast.events.schema import EVENT_COLUMNS
from forecast.events.taxonomy import code_attributes

DEFAULT_CHUNK_ROWS = 200_000
REQUIRED_COLUMNS: tuple[str, ...] = ("date", "cameo_code")
_NUMBERS = ("quad_class", "goldstein", "count")
JSON_FIELDS: dict[str, pa.DataType] = {
    c: pa.float64() if c in _NUMBERS else pa.string() for c in EVENT_COLUMNS if c != "root_code"
}
"""The keys of a JSON Lines object the reader uses (``root_code`` is derived), with their JSON types."""


def is_parquet(source: InputFile) -> bool:
    """Whether the input is a parquet file (by its magic bytes)."""
    return source.head(4) == b"PAR1"


def iter_table_chunks(
    source: InputFile, chunk_rows: int = DEFAULT_CHUNK_ROWS
) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
    """Stream a CSV/TSV (header row) or parquet input as frames with line numbers.

    CSV rows are parsed with the standard ``csv`` module, which honours quoted fields and
    reports each record's line; rows of the wrong width or with undecodable bytes are
    returned as quarantine rows instead of being skipped.

    Parameters
    ----------
    source : InputFile
    chunk_rows : int
        Rows per chunk.

    Yields
    ------
    frame : pandas.DataFrame
        Accepted rows, columns as in the header (strings for CSV), plus ``line``.
    quarantine : pandas.DataFrame
        Rows that could not be split into the header's fields.
    """
    if is_parquet(source):
        with source.open() as handle:
            parquet = pq.ParquetFile(io.BytesIO(handle.read()) if source.member else source.path)
            first = 1
            for batch in parquet.iter_batches(batch_size=chunk_rows):
                frame = batch.to_pandas()
                frame["line"] = np.arange(first, first + len(frame))
                first += len(frame)
                yield frame, empty_quarantine()
        return
    with source.open() as handle:
        text = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
        header_line = text.readline()
        delimiter = "\t" if "\t" in header_line else ","
        header = next(csv.reader([header_line], delimiter=delimiter))
        header = [h.strip().lstrip("\ufeff") for h in header]
        reader = csv.reader(text, delimiter=delimiter)
        rows, lines, bad = [], [], []
        last_line = 1
        while True:
            line = last_line + 1
            try:
                record = next(reader)
            except StopIteration:
                break
            except csv.Error as err:  # e.g. a field over the csv module's limit: that record only
                last_line = reader.line_num + 1
                bad.append((source.label, line, f"unreadable CSV record: {err}", ""))
                continue
            last_line = reader.line_num + 1  # csv counts from the line after the header
            raw = delimiter.join(record)
            if not record or not any(f.strip() for f in record):
                continue
            if len(record) != len(header):
                bad.append(
                    (source.label, line, f"wrong column count: {len(record)} fields, expected {len(header)}", raw)
                )
            elif any("\udc80" <= ch <= "\udcff" for ch in raw):
                bad.append(
                    (
                        source.label,
                        line,
                        "undecodable bytes (not UTF-8)",
                        raw.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace"),
                    )
                )
            else:
                rows.append(record)
                lines.append(line)
            if len(rows) + len(bad) >= chunk_rows:
                yield _chunk(rows, lines, header), pd.DataFrame(bad, columns=list(QUARANTINE_COLUMNS))
                rows, lines, bad = [], [], []
        if rows or bad:
            yield _chunk(rows, lines, header), pd.DataFrame(bad, columns=list(QUARANTINE_COLUMNS))


def _chunk(rows: list[list[str]], lines: list[int], header: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=header, dtype=object)
    frame["line"] = np.asarray(lines, dtype=np.int64)
    return frame


def raw_rows(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row as ``col=value`` text, for the quarantine."""
    if frame.empty:  # DataFrame.apply on no rows returns a frame, not a series
        return pd.Series([], index=frame.index, dtype=object)
    text = frame[columns].astype(str)
    return text.apply(lambda col: col.name + "=" + col).agg(" | ".join, axis=1)


def _blank(values: pd.Series) -> pd.Series:
    values = values.astype(object)
    return values.where(values.notna() & (values.astype(str).str.strip() != ""), None)


def _side(df: pd.DataFrame, side: str, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    actor = _blank(df.get(f"{side}_actor", pd.Series(None, index=df.index)))
    given = _blank(df.get(f"{side}_country", pd.Series(None, index=df.index)))
    country = country_codes(given)  # ISO3 passes through; names are converted
    resolved = resolve_actors(actor, dates)
    country = country.where(country.notna(), resolved["country"])
    sector = _blank(df.get(f"{side}_sector", pd.Series(None, index=df.index)))
    sector = sector.where(sector.notna(), resolved["sector"])
    sector = sector.where(sector.notna() | country.isna(), "other")
    return country, sector.where(country.notna(), None)


def table_chunks(chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Callable[[InputFile], Iterator[Chunk]]:
    """:func:`iter_table_chunks` as chunks for :func:`iter_delimited` (one piece: the frame)."""

    def chunks(source: InputFile) -> Iterator[Chunk]:
        for raw, bad in iter_table_chunks(source, chunk_rows):
            yield Chunk(len(raw) + len(bad), bad, [raw])

    return chunks


def _to_events(source: InputFile, raw: pd.DataFrame, dayfirst: bool | None = None) -> tuple[pa.Table, pd.DataFrame]:
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(
            f"{source.label}: missing required column(s) {missing}. A tidy event table needs "
            f"{list(REQUIRED_COLUMNS)} and may add {[c for c in EVENT_COLUMNS if c not in REQUIRED_COLUMNS]}."
        )
    stem = Path(source.name).name.split(".")[0]
    columns = [c for c in raw.columns if c not in ("line", RAW_COLUMN)]
    date, ambiguous = parse_dates(raw["date"], dayfirst)
    code = _blank(raw["cameo_code"]).fillna("").astype(str).str.strip()
    reasons = code_problems(code)
    reasons = add_reason(reasons, ambiguous, AMBIGUOUS_DATE, raw["date"].astype(str))
    reasons = add_reason(reasons, date.isna(), "bad date: {!r}", raw["date"].astype(str))
    attrs = code_attributes(code)
    src_country, src_sector = _side(raw, "source", date)
    tgt_country, tgt_sector = _side(raw, "target", date)
    event_id = _blank(raw.get("event_id", pd.Series(None, index=raw.index)))
    event_id = event_id.where(event_id.notna(), stem + ":" + raw["line"].astype(str)).astype(str)
    dataset = _blank(raw.get("source_dataset", pd.Series(None, index=raw.index))).fillna(stem)
    quad = pd.to_numeric(raw.get("quad_class", pd.Series(None, index=raw.index)), errors="coerce")
    goldstein = pd.to_numeric(raw.get("goldstein", pd.Series(None, index=raw.index)), errors="coerce")
    count = pd.to_numeric(raw.get("count", pd.Series(1, index=raw.index)), errors="coerce")
    reasons = add_reason(reasons, count.isna() | (count % 1 != 0), "bad count (must be a whole number >= 1)")
    frame = pd.DataFrame(
        {
            "event_id": event_id,
            "date": date,
            "source_actor": _blank(raw.get("source_actor", pd.Series(None, index=raw.index))),
            "source_country": src_country,
            "source_sector": src_sector,
            "target_actor": _blank(raw.get("target_actor", pd.Series(None, index=raw.index))),
            "target_country": tgt_country,
            "target_sector": tgt_sector,
            "cameo_code": code,
            "root_code": attrs["root_code"],
            "quad_class": quad.fillna(attrs["quad_class"].astype(float)).fillna(0).astype("int64"),
            "goldstein": goldstein.fillna(attrs["goldstein"]),
            "source_dataset": dataset,
            "count": count.fillna(0).astype("int64"),
            "dedup_key": dataset + ":" + event_id,
            "source_file": source.label,
            "source_line": raw["line"],
        }
    )
    lines = raw["line"].to_numpy()
    text = raw[RAW_COLUMN] if RAW_COLUMN in raw.columns else raw_rows(raw, columns)

    def quarantiner(pos: np.ndarray, why: list[str]) -> pd.DataFrame:
        return pd.DataFrame(
            {"file": source.label, "line": lines[pos], "reason": why, "raw": text.iloc[pos].to_numpy()},
            columns=list(QUARANTINE_COLUMNS),
        )

    return finish_arrow(frame, reasons, quarantiner)


def iter_tidy(
    inputs: list[InputFile],
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    dayfirst: bool | None = None,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[Batch]:
    """Stream tidy event tables as batches of canonical events and quarantined rows.

    Parameters
    ----------
    inputs : list of InputFile
        CSV/TSV (header row), parquet or JSON Lines tables in the canonical columns. An
        input named ``.jsonl``/``.ndjson`` or whose first line starts with ``{`` is JSON Lines.
    chunk_rows : int
        Input rows handled per batch (CSV and parquet).
    dayfirst : bool, optional
        How ``a/b/Y`` dates read (see :func:`~forecast.events.readers._finish.parse_dates`);
        ``None`` quarantines the ambiguous ones.
    block_bytes, max_line_bytes : int
        Block size and longest line of JSON Lines inputs (see
        :func:`~forecast.events.readers._stream.iter_blocks`).

    Yields
    ------
    Batch
        Canonical events (missing optional columns derived) and the rows refused.

    Raises
    ------
    DataError
        When a required column is missing from a file's header.
    """
    tables = table_chunks(chunk_rows)
    objects = json_chunks(
        JSON_FIELDS, REQUIRED_COLUMNS, {"count": 1}, block_bytes=block_bytes, max_line_bytes=max_line_bytes
    )

    def chunks(source: InputFile) -> Iterator[Chunk]:
        return objects(source) if not is_parquet(source) and is_json_lines(source) else tables(source)

    yield from iter_delimited(inputs, chunks, partial(_to_events, dayfirst=dayfirst), empty_event_table)
