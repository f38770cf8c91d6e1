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

import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from forecast.events.actors import cameo_actor_countries, cameo_actor_sectors, iso3_from_fips
from forecast.events.readers._finish import Batch, arrow_schema
from forecast.events.readers._stream import (
    DEFAULT_BLOCK_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    Block,
    InputFile,
    concat_frames,
    iter_blocks,
    parallel_map,
    prefetch,
)
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
_ACTOR_GEO = ("Actor1Geo_CountryCode", "Actor2Geo_CountryCode")  # read only for geo_fallback

_DICTIONARY_COLUMNS = _KEEP[1:]  # every kept column but the id has few distinct values per block

EXTRA_COLUMNS: tuple[str, ...] = ("action_country",)
"""Extra event columns: ISO3 of ``ActionGeo_CountryCode`` (FIPS in the file)."""

_STRINGS = pa.dictionary(pa.int32(), pa.string())
# Event columns with few distinct values per block are staged dictionary-encoded: rows point
# into the distinct results of the lookups (no string copied per row), and the parquet
# writer stores the dictionary as it is instead of hashing every row. Readers of the file
# see plain strings (see forecast.events.ingest._Stage).
_STAGED_SCHEMA = pa.schema(
    [
        pa.field(f.name, _STRINGS if pa.types.is_string(f.type) and f.name not in ("event_id", "dedup_key") else f.type)
        for f in arrow_schema(EXTRA_COLUMNS)
    ]
)


_CODE_SQL = """
SELECT trim(v) AS code, c.cameo_code IS NOT NULL AS known, z.short IS NOT NULL AND c.cameo_code IS NULL AS lost_zero,
       c.quad_class AS quad, c.goldstein AS gold
FROM vals LEFT JOIN cameo c ON c.cameo_code = trim(v) LEFT JOIN unzeroed z ON z.short = trim(v) ORDER BY i
"""
# The range test runs before the cast: TIMESTAMP_NS ends in 2262, so casting a far-future
# date (SQLDATE 22630101) would abort the whole file instead of flagging one value.
_DATE_SQL = """
SELECT CASE WHEN t BETWEEN TIMESTAMP '1900-01-01' AND TIMESTAMP '2100-12-31' THEN t::TIMESTAMP_NS END AS d,
       t IS NOT NULL AND NOT (t BETWEEN TIMESTAMP '1900-01-01' AND TIMESTAMP '2100-12-31') AS out_of_range
FROM (SELECT i, try_strptime(v, '%Y%m%d') AS t FROM vals) ORDER BY i
"""
# A blank QuadClass/GoldsteinScale is filled from the CAMEO table; text that is not a number is not.
_QUAD_SQL = "SELECT try_cast(v AS INTEGER) AS q, trim(v) <> '' AND q IS NULL AS unparsed FROM vals ORDER BY i"
_GOLD_SQL = "SELECT try_cast(v AS DOUBLE) AS g, trim(v) <> '' AND g IS NULL AS unparsed FROM vals ORDER BY i"
_LOW, _HIGH = pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")
_CACHE_LIMIT = 1_000_000  # distinct values kept per lookup; beyond it the cache starts afresh


class _Lookups:
    """Per-value results (code, date, actor, ...) for one ingest, computed once per distinct value.

    A block of a million rows holds a few hundred dates and codes and a few thousand actor
    descriptions, so every per-value rule runs on those (in DuckDB, with the exact SQL casts
    and parsers) and rows get their results by an arrow ``take``. Results are cached across
    blocks.
    """

    def __init__(self, geo_fallback: bool) -> None:
        self.geo_fallback = geo_fallback
        self.con = duckdb.connect()
        codes = cameo_table().reset_index()[["cameo_code", "quad_class", "goldstein"]]
        zeroed = codes["cameo_code"][codes["cameo_code"].str.startswith("0")]
        self.con.register("cameo", codes)
        self.con.register("unzeroed", pd.DataFrame({"short": zeroed.str[1:]}))  # '042' written as '42'
        self.cache: dict[str, dict[Any, tuple]] = {}  # rule -> value (or tuple of values) -> results

    def close(self) -> None:
        self.con.close()

    def _sql(self, values: list[str], sql: str) -> list[tuple]:
        self.con.register("vals", pa.table({"i": pa.array(range(len(values)), pa.int64()), "v": values}))
        rows = self.con.sql(sql).fetchall()
        self.con.unregister("vals")
        return rows

    def _actors(self, keys: list[tuple]) -> list[tuple]:
        names = ["code", "cc", "t1", "t2", "t3", "geo"][: len(keys[0])]
        parts = pd.DataFrame(keys, columns=names)
        country = cameo_actor_countries(parts["cc"], parts["code"])
        if self.geo_fallback:  # the actor's location, when the coder found no nationality
            country = country.where(country.notna(), iso3_from_fips(parts["geo"]))
        sector = cameo_actor_sectors(parts["code"], parts[["t1", "t2", "t3"]]).where(country.notna(), None)
        return list(zip(country, sector))

    def _compute(self, kind: str, keys: list) -> list[tuple]:
        if kind == "actor":
            return self._actors(keys)
        if kind == "fips":
            return [(v,) for v in iso3_from_fips(pd.Series(keys, dtype=object))]
        sql = {"code": _CODE_SQL, "date": _DATE_SQL, "quad": _QUAD_SQL, "gold": _GOLD_SQL}[kind]
        return self._sql(keys, sql)

    def take(self, kind: str, columns: Sequence[pa.ChunkedArray], types: Sequence[pa.DataType]) -> list[pa.Array]:
        """Per-row results of rule ``kind`` on ``columns``: one array per output field, typed ``types``."""
        ids, keys = _distinct_rows(columns)
        cache = self.cache.setdefault(kind, {})
        new = [k for k in keys if k not in cache]
        if new:
            if len(cache) + len(new) > _CACHE_LIMIT:
                cache.clear()
                new = keys
            cache.update(zip(new, self._compute(kind, new)))
        results = [pa.array([cache[k][j] for k in keys], type) for j, type in enumerate(types)]
        return [_as_dictionary(ids, r) if pa.types.is_string(r.type) else r.take(ids) for r in results]


def _as_dictionary(ids: pa.Array, values: pa.Array) -> pa.DictionaryArray:
    """``values.take(ids)`` as a dictionary array, copying no string.

    ``values`` (few) are made unique first, a null becoming a null index: repeated entries
    would make the indices longer to store.
    """
    encoded = pc.dictionary_encode(values)
    return pa.DictionaryArray.from_arrays(encoded.indices.take(ids), encoded.dictionary)


def _constant(value: str, n: int) -> pa.DictionaryArray:
    """``value`` repeated ``n`` times, dictionary-encoded."""
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, dtype=np.int32)), pa.array([value]))


def _encode(values: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, pa.Array]:
    """Dictionary code of every row (int64) and the distinct values."""
    if not pa.types.is_dictionary(values.type):
        values = pc.dictionary_encode(values)  # chunks of the result share one dictionary
    if isinstance(values, pa.ChunkedArray):
        if not values.num_chunks:
            return np.empty(0, np.int64), pa.array([], values.type.value_type)
        codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in values.chunks])
        return codes.astype(np.int64), values.chunks[0].dictionary
    return values.indices.to_numpy(zero_copy_only=False).astype(np.int64), values.dictionary


def _distinct_rows(columns: Sequence[pa.ChunkedArray]) -> tuple[pa.Array, list]:
    """Id of each row's distinct value (tuple of values for several columns) and those values.

    Several columns are combined through their dictionary codes (``id * width + code``),
    which hashes integers instead of joined strings; ids are re-encoded (made dense) only
    when the next product could overflow, and once at the end.
    """
    ids, distinct = _encode(columns[0])
    if len(columns) == 1:
        return pa.array(ids), distinct.to_pylist()
    bound = len(distinct)  # every id is below it
    for column in columns[1:]:
        codes, values = _encode(column)
        if bound * len(values) >= 1 << 62:
            ids, dense = _encode(pa.array(ids))
            bound = len(dense)
        ids, bound = ids * len(values) + codes, bound * len(values)
    ids, _ = _encode(pa.array(ids))
    first = np.empty(int(ids.max()) + 1 if len(ids) else 0, dtype=np.int64)
    first[ids[::-1]] = np.arange(len(ids) - 1, -1, -1)  # the last write wins: each id's first row
    rows = pa.array(first)
    return pa.array(ids), list(zip(*(_plain(column.take(rows)).to_pylist() for column in columns)))


def _plain(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """``values`` decoded from a dictionary: ``to_pylist`` on plain strings is several times faster."""
    return values.cast(values.type.value_type) if pa.types.is_dictionary(values.type) else values


HEADER_LINE = "header line: the column names, not an event (GDELT exports have none; a copy saved with a header?)"
"""Reason of a line holding GDELT's column names, which a re-saved export (a database or spreadsheet) adds."""


def _reason(row: dict) -> str:
    """Why a flagged row is quarantined: the first failing check, in the reader's order."""
    code, date = row["code"], row["date"]
    if (row["eid"], code, row["SQLDATE"]) == ("GLOBALEVENTID", "EventCode", "SQLDATE"):
        return HEADER_LINE
    if row["lost_zero"]:
        return f"CAMEO code '{code}' lost its leading zero (expected '0{code}'); read codes as strings"
    if code == "":
        return "missing CAMEO code"
    if not row["known"]:
        return f"unknown CAMEO code '{code}'"
    if row["out_of_range"]:
        return f"date out of range: SQLDATE '{row['SQLDATE']}' is outside {_LOW.date()}..{_HIGH.date()}"
    if date is None:
        return f"bad date: SQLDATE '{row['SQLDATE']}' is not a YYYYMMDD date"
    if re.fullmatch(r"[0-9]+", row["eid"]) is None:
        return f"bad id: GLOBALEVENTID '{row['eid']}' is not an integer"
    if row["quad_unparsed"] or (row["quad"] is not None and row["quad"] not in (1, 2, 3, 4)):
        return f"bad QuadClass '{row['QuadClass']}'"
    return f"bad GoldsteinScale '{row['GoldsteinScale']}'"


def _nonempty(values: pa.ChunkedArray) -> pa.DictionaryArray:
    """``""`` as null (the SQL ``nullif(x, '')``), dictionary-encoded."""
    ids, distinct = _encode(values)
    return _as_dictionary(pa.array(ids), pc.if_else(pc.equal(distinct, ""), None, distinct))


def _actor_columns(table: pa.Table, n: int, geo: bool) -> list[pa.ChunkedArray]:
    names = [f"Actor{n}Code", f"Actor{n}CountryCode", *(f"Actor{n}Type{k}Code" for k in (1, 2, 3))]
    return [table[c] for c in names + ([f"Actor{n}Geo_CountryCode"] if geo else [])]


def _to_events(lookups: _Lookups, table: pa.Table, dataset: str, block: Block) -> tuple[pa.Table, pd.DataFrame]:
    """Canonical events and quarantined rows of one parsed table (all lines of one width)."""
    string, flag = pa.string(), pa.bool_()
    code, known, lost_zero, code_quad, code_gold = lookups.take(
        "code", [table["EventCode"]], [string, flag, flag, pa.int32(), pa.float64()]
    )
    date, out_of_range_date = lookups.take("date", [table["SQLDATE"]], [pa.timestamp("ns"), pa.bool_()])
    quad_raw, quad_unparsed = lookups.take("quad", [table["QuadClass"]], [pa.int32(), flag])
    gold_raw, gold_unparsed = lookups.take("gold", [table["GoldsteinScale"]], [pa.float64(), flag])
    src_country, src_sector = lookups.take("actor", _actor_columns(table, 1, lookups.geo_fallback), [string, string])
    tgt_country, tgt_sector = lookups.take("actor", _actor_columns(table, 2, lookups.geo_fallback), [string, string])
    (action_country,) = lookups.take("fips", [table["ActionGeo_CountryCode"]], [string])
    eid = pc.utf8_trim(table["GLOBALEVENTID"], characters=" ").combine_chunks()
    quad = pc.coalesce(quad_raw, code_quad)
    gold = pc.coalesce(gold_raw, code_gold)
    bad = pc.or_kleene(pc.or_kleene(lost_zero, pc.invert(known)), pc.is_null(date))  # out of range: null too
    bad = pc.or_(bad, pc.invert(pc.ascii_is_decimal(eid)))  # the regex ^[0-9]+$, cheaper
    bad = pc.or_(bad, pc.or_(quad_unparsed, gold_unparsed))
    bad = pc.or_(bad, pc.and_(pc.is_valid(quad), pc.invert(pc.is_in(quad, value_set=pa.array([1, 2, 3, 4], pa.int32())))))
    # NaN fails too: DuckDB, whose rules these are, orders NaN above every number.
    out_of_range = pc.or_(pc.or_(pc.less(gold, -10.0), pc.greater(gold, 10.0)), pc.is_nan(gold))
    bad = pc.or_(bad, pc.or_(pc.is_null(gold), out_of_range.fill_null(True)))
    n = table.num_rows
    events = pa.table(
        {
            "event_id": eid,
            "date": date,
            "source_actor": _nonempty(table["Actor1Code"]),
            "source_country": src_country,
            "source_sector": src_sector,
            "target_actor": _nonempty(table["Actor2Code"]),
            "target_country": tgt_country,
            "target_sector": tgt_sector,
            "cameo_code": code,
            "root_code": _as_dictionary(code.indices, pc.utf8_slice_codeunits(code.dictionary, 0, 2)),
            "quad_class": quad,
            "goldstein": gold,
            "source_dataset": _constant(dataset, n),
            "count": pa.repeat(pa.scalar(1, pa.int64()), n),
            "dedup_key": pc.binary_join_element_wise(dataset, eid, ":"),
            "source_file": _constant(block.source.label, n),
            "source_line": table["line"],
            "action_country": action_country,
        }
    ).cast(_STAGED_SCHEMA)
    if not pc.any(bad).as_py():
        return events, empty_quarantine()
    flagged = pa.table(
        {
            "code": code, "known": known, "lost_zero": lost_zero, "date": date, "out_of_range": out_of_range_date,
            "eid": eid, "quad": quad, "quad_unparsed": quad_unparsed,
            "SQLDATE": table["SQLDATE"], "QuadClass": table["QuadClass"], "GoldsteinScale": table["GoldsteinScale"],
            "_row": table["_row"],
        }
    ).filter(bad)
    rows = flagged.to_pylist()
    quarantine = block.quarantine(flagged["_row"].to_numpy(), [_reason(r) for r in rows])
    return events.filter(pc.invert(bad)), quarantine


def iter_gdelt(
    inputs: list[InputFile],
    *,
    version: Literal["1", "2", "auto"] = "auto",
    geo_fallback: bool = False,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
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
    max_line_bytes : int
        Longest line read; a longer one is quarantined and skipped in bounded memory.

    Yields
    ------
    Batch
        Events with ``source_dataset`` ``gdelt1``/``gdelt2`` and ``dedup_key`` =
        dataset + GLOBALEVENTID (the two versions use different id spaces).
    """
    widths = {"1": (57, 58), "2": (61,), "auto": (57, 58, 61)}[version]
    what = {"1": "GDELT 1.0", "2": "GDELT 2.0", "auto": "GDELT 1.0 or 2.0"}[version]
    layouts = {w: LAYOUTS[w][1] for w in widths}
    keep = _KEEP if geo_fallback else tuple(c for c in _KEEP if c not in _ACTOR_GEO)  # each column costs parse time
    # A pipeline: read and scan (a thread), parse (two threads, a block each), convert (this
    # one), write (the stage's). Parsing is the longest step, about half the CPU time: two
    # blocks are parsed side by side rather than one on pyarrow's thread pool, which costs
    # a fifth more CPU for the same parallelism.
    blocks = prefetch(
        (source, block)
        for source in inputs
        for block in iter_blocks(source, block_bytes=block_bytes, max_line_bytes=max_line_bytes)
    )
    parsed = parallel_map(
        lambda item: (*item, *item[1].tables(layouts, keep, what, _DICTIONARY_COLUMNS, threads=False)), blocks
    )
    lookups = _Lookups(geo_fallback)
    try:
        for source, block, quarantine, tables in parsed:
            events, parts = [], [quarantine]
            for width, table in tables.items():
                ev, q = _to_events(lookups, table, LAYOUTS[width][0], block)
                events.append(ev)
                parts.append(q)
            yield Batch(
                file=source.label,
                rows_read=len(block.starts),
                events=pa.concat_tables(events) if events else _STAGED_SCHEMA.empty_table(),
                quarantine=concat_frames(parts, empty_quarantine),
            )
    finally:
        parsed.close()  # joins the parse thread, so that closing the blocks is safe
        blocks.close()
        lookups.close()


__all__ = ["GDELT1_COLUMNS", "GDELT2_COLUMNS", "iter_gdelt"]
