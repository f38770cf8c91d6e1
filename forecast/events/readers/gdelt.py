"""GDELT 1.0 (57/58 columns) and 2.0 (61 columns) event exports into the canonical table.

Files are tab-separated without a header (``.CSV`` despite the name), plain, ``.gz`` or
inside ``.zip``. The layout is decided per line by its field count, so a file that mixes
the 57-column backfile and 58-column daily layouts is read correctly. GDELT's delivered
``QuadClass`` and ``GoldsteinScale`` are kept; the CAMEO table only fills blanks.
``source_actor``/``target_actor`` hold the raw CAMEO actor code (``CHNMIL``); countries come
from ``Actor*CountryCode`` (else the code's first block) and sectors from the role blocks and
type codes (see :mod:`forecast.events.actors`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from forecast.events.actors import cameo_actor_countries, cameo_actor_sectors, fips_table, iso3_from_fips
from forecast.events.readers._finish import Batch, empty_event_table
from forecast.events.readers._stream import DEFAULT_BLOCK_BYTES, Block, InputFile, concat_frames, iter_blocks
from forecast.events.readers.base import empty_quarantine
from forecast.events.taxonomy import cameo_table

_ACTOR = (
    "Code",
    "Name",
    "CountryCode",
    "KnownGroupCode",
    "EthnicCode",
    "Religion1Code",
    "Religion2Code",
    "Type1Code",
    "Type2Code",
    "Type3Code",
)
_GEO = ("Type", "FullName", "CountryCode", "ADM1Code", "ADM2Code", "Lat", "Long", "FeatureID")

GDELT2_COLUMNS: tuple[str, ...] = (
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    *(f"Actor1{c}" for c in _ACTOR),
    *(f"Actor2{c}" for c in _ACTOR),
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    *(f"Actor1Geo_{c}" for c in _GEO),
    *(f"Actor2Geo_{c}" for c in _GEO),
    *(f"ActionGeo_{c}" for c in _GEO),
    "DATEADDED",
    "SOURCEURL",
)
"""The 61 columns of a GDELT 2.0 export, in order."""

GDELT1_COLUMNS: tuple[str, ...] = tuple(c for c in GDELT2_COLUMNS if not c.endswith("ADM2Code"))
"""The 58 columns of a GDELT 1.0 daily file; the 1979-2013 backfile stops at 57 (no SOURCEURL)."""

LAYOUTS: dict[int, tuple[str, tuple[str, ...]]] = {
    57: ("gdelt1", GDELT1_COLUMNS[:57]),
    58: ("gdelt1", GDELT1_COLUMNS),
    61: ("gdelt2", GDELT2_COLUMNS),
}

_KEEP = (
    "GLOBALEVENTID",
    "SQLDATE",
    "Actor1Code",
    "Actor1CountryCode",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2CountryCode",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "EventCode",
    "QuadClass",
    "GoldsteinScale",
    "Actor1Geo_CountryCode",
    "Actor2Geo_CountryCode",
    "ActionGeo_CountryCode",
)

EXTRA_COLUMNS: tuple[str, ...] = ("action_country",)
"""Extra event columns: ISO3 of ``ActionGeo_CountryCode`` (FIPS in the file)."""


def _resolve_actors(con: duckdb.DuckDBPyConnection, batch: pa.Table, geo_fallback: bool) -> pd.DataFrame:
    """Country and sector for each distinct actor description in the batch.

    Resolution runs on distinct (code, country code, type codes, geo code) tuples, a few
    thousand per million rows; the batch is joined to the result in SQL.
    """
    con.register("batch", batch)
    actors = con.sql(
        " UNION ".join(
            f"SELECT DISTINCT Actor{n}Code AS code, Actor{n}CountryCode AS cc, Actor{n}Type1Code AS t1, "
            f"Actor{n}Type2Code AS t2, Actor{n}Type3Code AS t3, Actor{n}Geo_CountryCode AS geo FROM batch"
            for n in (1, 2)
        )
    ).df()
    country = cameo_actor_countries(actors["cc"], actors["code"])
    if geo_fallback:  # the actor's location, when the coder found no nationality
        country = country.where(country.notna(), iso3_from_fips(actors["geo"]))
    actors["country"] = country
    actors["sector"] = cameo_actor_sectors(actors["code"], actors[["t1", "t2", "t3"]]).where(country.notna(), None)
    return actors


def _lookups() -> dict[str, pd.DataFrame]:
    codes = cameo_table().reset_index()[["cameo_code", "quad_class", "goldstein"]]
    zeroed = codes["cameo_code"][codes["cameo_code"].str.startswith("0")]
    return {
        "cameo": codes,
        "unzeroed": pd.DataFrame({"short": zeroed.str[1:]}),  # '042' written as '42'
        "fips": fips_table().reset_index(),
    }


_SQL = """
WITH b AS (
    SELECT *, trim(EventCode) AS code, trim(GLOBALEVENTID) AS eid,
           try_strptime(SQLDATE, '%Y%m%d')::TIMESTAMP_NS AS d
    FROM batch
), j AS (
    SELECT b.*, c.cameo_code IS NOT NULL AS known,
           z.short IS NOT NULL AND c.cameo_code IS NULL AS lost_zero,
           a1.country AS src_country, a1.sector AS src_sector,
           a2.country AS tgt_country, a2.sector AS tgt_sector, f.iso3 AS action_country,
           coalesce(try_cast(QuadClass AS INTEGER), c.quad_class) AS quad,
           coalesce(try_cast(GoldsteinScale AS DOUBLE), c.goldstein) AS gold
    FROM b
    LEFT JOIN cameo c ON c.cameo_code = b.code
    LEFT JOIN unzeroed z ON z.short = b.code
    LEFT JOIN actors a1 ON a1.code = b.Actor1Code AND a1.cc = b.Actor1CountryCode AND a1.t1 = b.Actor1Type1Code
        AND a1.t2 = b.Actor1Type2Code AND a1.t3 = b.Actor1Type3Code AND a1.geo = b.Actor1Geo_CountryCode
    LEFT JOIN actors a2 ON a2.code = b.Actor2Code AND a2.cc = b.Actor2CountryCode AND a2.t1 = b.Actor2Type1Code
        AND a2.t2 = b.Actor2Type2Code AND a2.t3 = b.Actor2Type3Code AND a2.geo = b.Actor2Geo_CountryCode
    LEFT JOIN fips f ON f.fips = b.ActionGeo_CountryCode
)
SELECT
    CASE
        WHEN lost_zero THEN format('CAMEO code ''{}'' lost its leading zero (expected ''0{}''); read codes as strings',
                                   code, code)
        WHEN code = '' THEN 'missing CAMEO code'
        WHEN NOT known THEN format('unknown CAMEO code ''{}''', code)
        WHEN d IS NULL THEN format('bad date: SQLDATE ''{}'' is not a YYYYMMDD date', SQLDATE)
        WHEN NOT regexp_full_match(eid, '\\d+') THEN format('bad id: GLOBALEVENTID ''{}'' is not an integer', eid)
        WHEN d < TIMESTAMP '1900-01-01' OR d > TIMESTAMP '2100-12-31' THEN format('date out of range: {}', SQLDATE)
        WHEN quad NOT IN (1, 2, 3, 4) THEN format('bad QuadClass ''{}''', QuadClass)
        WHEN gold IS NULL OR gold < -10 OR gold > 10 THEN format('bad GoldsteinScale ''{}''', GoldsteinScale)
    END AS reason,
    eid AS event_id, d AS date,
    nullif(Actor1Code, '') AS source_actor, src_country AS source_country, src_sector AS source_sector,
    nullif(Actor2Code, '') AS target_actor, tgt_country AS target_country, tgt_sector AS target_sector,
    code AS cameo_code, substr(code, 1, 2) AS root_code, quad::TINYINT AS quad_class, gold AS goldstein,
    $dataset AS source_dataset, 1::BIGINT AS count,
    $dataset || ':' || eid AS dedup_key, $file AS source_file, line AS source_line, action_country,
    _row
FROM j
"""


def _to_events(
    con: duckdb.DuckDBPyConnection, table: pa.Table, dataset: str, block: Block, geo_fallback: bool
) -> tuple[pa.Table, pd.DataFrame]:
    con.register("actors", _resolve_actors(con, table, geo_fallback))
    out = con.sql(_SQL, params={"dataset": dataset, "file": block.source.label}).to_arrow_table()
    con.unregister("batch")
    con.unregister("actors")
    bad = pc.is_valid(out["reason"])
    quarantine = block.quarantine(out.filter(bad)["_row"].to_numpy(), out.filter(bad)["reason"].to_pylist())
    events = out.filter(pc.invert(bad)).drop_columns(["reason", "_row"])
    return events, quarantine


def iter_gdelt(
    inputs: list[InputFile],
    *,
    version: Literal["1", "2", "auto"] = "auto",
    geo_fallback: bool = False,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Iterator[Batch]:
    """Stream GDELT event exports as batches of canonical events and quarantined rows.

    Parameters
    ----------
    inputs : list of InputFile
        Expanded inputs (see :func:`forecast.events.readers._stream.expand_inputs`).
    version : {"1", "2", "auto"}
        Accepted layouts: ``"1"`` 57/58 columns, ``"2"`` 61 columns, ``"auto"`` all three.
        A line of any other width is quarantined.
    geo_fallback : bool
        Fill an actor's missing country from its ``Actor*Geo_CountryCode`` (FIPS), i.e. its
        location rather than its nationality. Off by default.
    block_bytes : int
        Block size; peak memory is a small multiple of it, whatever the file size.

    Yields
    ------
    Batch
        Events with ``source_dataset`` ``gdelt1``/``gdelt2`` and ``dedup_key`` =
        dataset + GLOBALEVENTID (the two versions use different id spaces).
    """
    widths = {"1": (57, 58), "2": (61,), "auto": (57, 58, 61)}[version]
    what = {"1": "GDELT 1.0", "2": "GDELT 2.0", "auto": "GDELT 1.0 or 2.0"}[version]
    with duckdb.connect() as con:
        for name, frame in _lookups().items():
            con.register(name, frame)
        for source in inputs:
            for block in iter_blocks(source, block_bytes=block_bytes):
                quarantine, tables = block.tables({w: LAYOUTS[w][1] for w in widths}, _KEEP, what)
                events, parts = [], [quarantine]
                for width, table in tables.items():
                    ev, q = _to_events(con, table, LAYOUTS[width][0], block, geo_fallback)
                    events.append(ev)
                    parts.append(q)
                yield Batch(
                    file=source.label,
                    rows_read=len(block.starts),
                    events=pa.concat_tables(events) if events else empty_event_table(EXTRA_COLUMNS),
                    quarantine=concat_frames(parts, empty_quarantine),
                )


__all__ = ["GDELT1_COLUMNS", "GDELT2_COLUMNS", "iter_gdelt"]
