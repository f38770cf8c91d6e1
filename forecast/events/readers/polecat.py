"""POLECAT (PLOVER-coded) Dataverse files into the canonical event table.

No genuine POLECAT rows were available when this reader was written: it follows the
40-column header reproduced in ``../shared/reference/event-data-formats.md`` §3.5 and is
tested on a team-written fixture only. Known file defects are handled: an extra
``Headline`` name in the header (the header is skipped and the documented names are used),
trailing empty columns (accepted when empty, quarantined otherwise) and the literal
``None`` for missing values.

POLECAT has no CAMEO codes. Each PLOVER category maps to the CAMEO root it replaces
(PLOVER manual, "PLOVER equivalents to CAMEO cue categories"); ``quad_class`` is the
delivered ``Quad Code`` and ``goldstein`` the delivered intensity. The PLOVER category,
mode and contexts are kept in extra columns.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pyarrow as pa

from forecast.errors import DataError
from forecast.events.actors import CAMEO_TYPE_SECTORS, country_codes, country_field_codes
from forecast.events.readers._finish import REPEATED_HEADER, Batch, add_reason, empty_event_table, finish_arrow
from forecast.events.readers._finish import repeated_header
from forecast.events.readers._stream import DEFAULT_BLOCK_BYTES, DEFAULT_MAX_LINE_BYTES, Block, InputFile, block_chunks, iter_delimited
from forecast.events.readers._stream import clean_columns, read_header
from forecast.events.readers.icews import PLACE_COLUMNS

POLECAT_COLUMNS: tuple[str, ...] = (
    "Event ID",
    "Event Date",
    "Event Type",
    "Event Mode",
    "Event Intensity",
    "Quad Code",
    "Contexts",
    "Actor Name",
    "Actor Country",
    "Actor COW",
    "Primary Actor Sector",
    "Actor Sectors",
    "Actor Title",
    "Actor Name Raw",
    "Wikipedia Actor ID",
    "Recipient Name",
    "Recipient Country",
    "Recipient COW",
    "Primary Recipient Sector",
    "Recipient Sectors",
    "Recipient Title",
    "Recipient Name Raw",
    "Wikipedia Recipient ID",
    "Placename",
    *PLACE_COLUMNS,
    "GeoNames ID",
    "Raw Placename",
    "Feature Type",
    "Source",
    "Publication Date",
    "Story People",
    "Story Organizations",
    "Story Locations",
    "Language",
    "Version",
)
"""The 40 POLECAT columns in order (column 5 is also written ``Intensity``)."""

PLOVER_TO_CAMEO_ROOT: dict[str, str] = {
    "AGREE": "03",
    "CONSULT": "04",
    "SUPPORT": "05",
    "COOPERATE": "06",
    "AID": "07",
    "CONCEDE": "08",
    "RETREAT": "08",
    "REQUEST": "10",
    "ACCUSE": "11",
    "REJECT": "12",
    "THREATEN": "13",
    "PROTEST": "14",
    "MOBILIZE": "15",
    "SANCTION": "16",
    "COERCE": "17",
    "ASSAULT": "18",
}
"""PLOVER event category -> the CAMEO root code it replaces."""

_KEEP = (
    *POLECAT_COLUMNS[:9],
    "Primary Actor Sector",
    "Recipient Name",
    "Recipient Country",
    "Primary Recipient Sector",
    "Country",
)
"""Columns the reader uses: the event, both actors' name, country and primary sector, the place."""
EXTRA_COLUMNS: tuple[str, ...] = ("plover_event", "plover_mode", "plover_context", "action_country")
_MAX_TRAILING = 5
_LAYOUTS: dict[int, tuple[str, ...]] = {
    40 + k: (*POLECAT_COLUMNS, *(f"_trailing{i}" for i in range(k))) for k in range(_MAX_TRAILING + 1)
}
"""Column names per field count: the 40 columns plus up to five trailing (empty) ones."""
_MISSING = ("", "None", "NA", "null")


def _sector(primary: pd.Series, name: pd.Series, country: pd.Series) -> pd.Series:
    mapping = dict(CAMEO_TYPE_SECTORS)
    sector = primary.map(mapping)
    is_country = name.notna() & country_codes(name).eq(country)
    sector = sector.where(sector.notna(), pd.Series("other", index=primary.index).where(~is_country, "state"))
    return sector.where(country.notna(), None)


def _check_header(source: InputFile) -> None:
    header = read_header(source)
    if [h.strip() for h in header[:3]] != list(POLECAT_COLUMNS[:3]):
        raise DataError(
            f"{source.label}: header starts {header[:3]}, not {list(POLECAT_COLUMNS[:3])}; is this a POLECAT file?"
        )


def iter_polecat(
    inputs: list[InputFile], *, block_bytes: int = DEFAULT_BLOCK_BYTES, max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
) -> Iterator[Batch]:
    """Stream POLECAT files as batches of canonical events and quarantined rows.

    Parameters
    ----------
    inputs : list of InputFile
        POLECAT tab-separated files, header first (its names are checked, then replaced).
    block_bytes : int
        Approximate size of each block of lines.
    max_line_bytes : int
        Longest line read; longer ones are quarantined.

    Yields
    ------
    Batch
        A batch per block of lines: events with ``source_dataset='polecat'`` and dedup key Event ID.

    Raises
    ------
    DataError
        When a file's header does not start with ``Event ID``, ``Event Date``.
    """
    chunks = block_chunks(_LAYOUTS, _KEEP, "POLECAT", block_bytes=block_bytes, max_line_bytes=max_line_bytes)
    yield from iter_delimited(inputs, chunks, _to_events, lambda: empty_event_table(EXTRA_COLUMNS), _check_header)


def _to_events(source: InputFile, piece: tuple[Block, int, pa.Table]) -> tuple[pa.Table, pd.DataFrame]:
    block, width, table = piece
    trailing = [f"_trailing{i}" for i in range(width - 40)]
    if trailing:  # parse again keeping the surplus fields, to check they are empty
        table = block.parse(table["_row"].to_numpy(), _LAYOUTS[width], (*_KEEP, *trailing))
    raw = table.select(["_row", "line", "Event Date", *trailing]).to_pandas()
    df = clean_columns(table, _KEEP, _MISSING)
    reasons = pd.Series(None, index=df.index, dtype=object).mask(repeated_header(df, _KEEP[:2]), REPEATED_HEADER)
    for col in trailing:
        reasons = add_reason(reasons, raw[col].str.strip() != "", "non-empty extra column: {!r}", raw[col])
    date = pd.to_datetime(df["Event Date"], format="%Y-%m-%d", errors="coerce")
    category = df["Event Type"].fillna("").str.upper()
    code = category.map(PLOVER_TO_CAMEO_ROOT)
    reasons = add_reason(reasons, code.isna(), "unknown PLOVER event type {!r}", df["Event Type"])
    reasons = add_reason(reasons, date.isna(), "bad date: Event Date {!r}", raw["Event Date"])
    reasons = add_reason(reasons, df["Event ID"].isna(), "missing Event ID")
    intensity = pd.to_numeric(df["Event Intensity"], errors="coerce")
    # A missing intensity stays missing; one that is not a number is bad.
    not_a_number = intensity.isna() & df["Event Intensity"].notna()
    reasons = add_reason(reasons, not_a_number, "bad Intensity {!r}", df["Event Intensity"])
    src_country = country_field_codes(df["Actor Country"])
    tgt_country = country_field_codes(df["Recipient Country"])
    frame = pd.DataFrame(
        {
            "event_id": df["Event ID"],
            "date": date,
            "source_actor": df["Actor Name"],
            "source_country": src_country,
            "source_sector": _sector(df["Primary Actor Sector"], df["Actor Name"], src_country),
            "target_actor": df["Recipient Name"],
            "target_country": tgt_country,
            "target_sector": _sector(df["Primary Recipient Sector"], df["Recipient Name"], tgt_country),
            "cameo_code": code.fillna("00"),
            "root_code": code.fillna("00"),
            "quad_class": pd.to_numeric(df["Quad Code"], errors="coerce").fillna(0).astype("int64"),
            "goldstein": intensity,
            "source_dataset": "polecat",
            "count": 1,
            "dedup_key": "polecat:" + df["Event ID"].fillna(""),
            "source_file": source.label,
            "source_line": raw["line"],
            "plover_event": category.where(category != "", None),
            "plover_mode": df["Event Mode"],
            "plover_context": df["Contexts"],
            "action_country": country_field_codes(df["Country"]),
        }
    )
    return finish_arrow(frame, reasons, block.quarantiner(raw["_row"].to_numpy()), EXTRA_COLUMNS)
