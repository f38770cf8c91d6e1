"""ICEWS Dataverse event files (``.tab``/``.tsv``, 20 columns with a header) into canonical events.

Countries are names ("Russian Federation"), resolved with country_converter; sectors are
comma-separated text lists. Event ID alone is not unique in ICEWS, so the dedup key is
Event ID + Event Date. Dates come as ``YYYY-MM-DD`` or, in the 2017 re-release, ``m/d/YYYY``.
Quoting is ignored as in the ICEWS R reader (``quote = ""``); quotes around values are stripped.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa

from forecast.errors import DataError
from forecast.events.actors import country_codes, resolve_actors, sector_of_sector_lists
from forecast.events.readers._finish import REPEATED_HEADER, Batch, add_reason, code_problems, empty_event_table
from forecast.events.readers._finish import finish_arrow, repeated_header
from forecast.events.readers._stream import DEFAULT_BLOCK_BYTES, DEFAULT_MAX_LINE_BYTES, Block, InputFile, block_chunks
from forecast.events.readers._stream import iter_delimited
from forecast.events.readers._stream import clean_columns, read_header
from forecast.events.taxonomy import code_attributes

PLACE_COLUMNS: tuple[str, ...] = ("City", "District", "Province", "Country", "Latitude", "Longitude")
"""Where an event happened: the block of place fields ICEWS and its successor POLECAT share."""

ICEWS_COLUMNS: tuple[str, ...] = (
    "Event ID",
    "Event Date",
    "Source Name",
    "Source Sectors",
    "Source Country",
    "Event Text",
    "CAMEO Code",
    "Intensity",
    "Target Name",
    "Target Sectors",
    "Target Country",
    "Story ID",
    "Sentence Number",
    "Publisher",
    *PLACE_COLUMNS,
)
"""The 20 header fields of an ICEWS Dataverse event file, in order."""

_KEEP = (*ICEWS_COLUMNS[:5], *ICEWS_COLUMNS[6:11], "Country")
"""Columns the reader uses: all but Event Text, story, publisher and place details."""
EXTRA_COLUMNS: tuple[str, ...] = ("action_country",)
"""Extra event columns: ISO3 of the event location (``Country``)."""

_MISSING = ("", "NA", "N/A", "NULL")


def _dates(values: pd.Series) -> pd.Series:
    iso = pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")
    us = pd.to_datetime(values, format="%m/%d/%Y", errors="coerce")  # 2017 re-release
    return iso.fillna(us)


def _actor(df: pd.DataFrame, side: str, dates: pd.Series) -> tuple[pd.Series, pd.Series]:
    name, country_name = df[f"{side} Name"], df[f"{side} Country"]
    country = country_codes(country_name)
    missing = country.isna() & name.notna()
    if missing.any():  # no country column value: resolve the name ("Military (China)", office holders)
        resolved = resolve_actors(name[missing], dates[missing])
        country[missing] = resolved["country"]
    sector = sector_of_sector_lists(df[f"{side} Sectors"])
    # A country-level actor is named as its country, in any spelling ("Russia" in "Russian Federation").
    is_country = name.notna() & (name.eq(country_name) | country_codes(name).eq(country))
    sector = sector.where(sector.notna(), pd.Series("other", index=df.index).where(~is_country, "state"))
    return country, sector.where(country.notna(), None)


def _check_header(source: InputFile) -> None:
    header = [h.strip().strip('"') for h in read_header(source)]
    if [h.lower() for h in header] == [c.lower() for c in ICEWS_COLUMNS]:
        return
    found = {h.lower() for h in header}
    missing = [c for c in ICEWS_COLUMNS if c.lower() not in found]
    expected = {c.lower() for c in ICEWS_COLUMNS}
    unknown = [h for h in header if h.lower() not in expected]
    if missing:
        problem = f"missing column(s) {missing}" + (f", unknown column(s) {unknown}" if unknown else "")
    else:
        problem = f"columns out of order: {header[:8]}..."
    raise DataError(
        f"{source.label}: first line is not the ICEWS Dataverse header: {problem}. The header has 20 tab-separated "
        f"fields starting {list(ICEWS_COLUMNS[:4])}; pass data=auto or the right format for this file."
    )


def _to_events(source: InputFile, piece: tuple[Block, int, pa.Table]) -> tuple[pa.Table, pd.DataFrame]:
    block, _, table = piece
    raw = table.select(["_row", "line"]).to_pandas()
    dates_raw = table["Event Date"].to_pandas()
    df = clean_columns(table, _KEEP, _MISSING, strip_quotes=True)
    date = _dates(df["Event Date"].fillna(""))
    code = df["CAMEO Code"].fillna("")
    # A header line inside the data is named as such, not as the bad code it would parse to.
    reasons = code_problems(code).mask(repeated_header(df, ICEWS_COLUMNS[:2]), REPEATED_HEADER)
    reasons = add_reason(
        reasons, date.isna(), "bad date: Event Date {!r} is neither YYYY-MM-DD nor m/d/YYYY", dates_raw
    )
    reasons = add_reason(reasons, df["Event ID"].isna(), "missing Event ID")
    intensity = pd.to_numeric(df["Intensity"], errors="coerce")
    # A missing Intensity is filled from the CAMEO table; one that is not a number is bad.
    not_a_number = intensity.isna() & df["Intensity"].notna()
    reasons = add_reason(reasons, not_a_number, "bad Intensity {!r}", df["Intensity"])
    src_country, src_sector = _actor(df, "Source", date)
    tgt_country, tgt_sector = _actor(df, "Target", date)
    attrs = code_attributes(code, intensity="icews_intensity")
    frame = pd.DataFrame(
        {
            "event_id": df["Event ID"],
            "date": date,
            "source_actor": df["Source Name"],
            "source_country": src_country,
            "source_sector": src_sector,
            "target_actor": df["Target Name"],
            "target_country": tgt_country,
            "target_sector": tgt_sector,
            "cameo_code": code,
            "root_code": attrs["root_code"],
            "quad_class": attrs["quad_class"],
            "goldstein": intensity.fillna(attrs["goldstein"]),
            "source_dataset": "icews",
            "count": 1,
            "dedup_key": "icews:" + df["Event ID"].fillna("") + ":" + date.dt.strftime("%Y-%m-%d").fillna(""),
            "source_file": source.label,
            "source_line": raw["line"],
            "action_country": country_codes(df["Country"]),
        }
    )
    return finish_arrow(frame, reasons, block.quarantiner(raw["_row"].to_numpy()), EXTRA_COLUMNS)


def iter_icews(
    inputs: list[InputFile], *, block_bytes: int = DEFAULT_BLOCK_BYTES, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[Batch]:
    """Stream ICEWS Dataverse files as batches of canonical events and quarantined rows.

    Parameters
    ----------
    inputs : list of InputFile
        ICEWS ``.tab``/``.tsv`` files (plain, gzipped or zip members), each with its header.
    block_bytes : int
        Bytes of lines parsed at a time.
    max_line_bytes : int
        Longest line read; longer ones are quarantined.

    Yields
    ------
    Batch
        One per block: events with ``source_dataset='icews'``, ``goldstein`` = the file's Intensity, and
        ``quad_class`` from the CAMEO table (ICEWS delivers none).

    Raises
    ------
    DataError
        When a file does not start with the ICEWS header (naming the missing columns).
    """
    chunks = block_chunks(
        {20: ICEWS_COLUMNS}, _KEEP, "ICEWS Dataverse", block_bytes=block_bytes, max_line_bytes=max_line_bytes
    )
    yield from iter_delimited(inputs, chunks, _to_events, lambda: empty_event_table(EXTRA_COLUMNS), _check_header)
