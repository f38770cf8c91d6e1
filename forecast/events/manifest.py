"""The fetch manifest of an event store, the coverage it proves, and reading a store as a source.

``forecast-fetch`` records every feed file it handled in ``<store>/_fetch/manifest.parquet``:
one row per file (its URL, size, MD5, when it was fetched, whether it was ingested or
quarantined and why, and the rows accepted, quarantined and duplicate). Coverage is read
off it: a day is covered when every file of that day was ingested (96 fifteen-minute files
for GDELT 2.0, one daily file for GDELT 1.0). A file that is missing or was quarantined
makes its day a gap - missing data, never a day without events.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from forecast.errors import DataError, MissingInputError
from forecast.events.coverage import observed_coverage
from forecast.events.readers._finish import from_arrow
from forecast.events.readers.base import ReadResult
from forecast.events.store import glob_pattern, recover_store, store_files
from forecast.io import sha256, write_parquet_atomic

FETCH_FOLDER = "_fetch"
MANIFEST_FILE = "manifest.parquet"
INGESTED, QUARANTINED = "ingested", "quarantined"
#: Files a feed publishes per day: what a fully covered day holds.
FILES_PER_DAY = {"gdelt2": 96, "gdelt1": 1}

MANIFEST_SCHEMA = pa.schema(
    [
        ("name", pa.string()),
        ("url", pa.string()),
        ("dataset", pa.string()),
        ("slot", pa.timestamp("s")),
        ("size", pa.int64()),
        ("md5", pa.string()),
        ("fetched_at", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("attempts", pa.int64()),
        ("rows_read", pa.int64()),
        ("rows_accepted", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("rows_duplicate", pa.int64()),
    ]
)
"""Columns of the manifest: ``slot`` is the start of the period the file covers (its name's
timestamp); ``size`` is the bytes received, ``md5`` the digest the feed lists."""


def manifest_path(store: str | Path) -> Path:
    """Where a store's fetch manifest is."""
    return Path(store) / FETCH_FOLDER / MANIFEST_FILE


def read_manifest(store: str | Path) -> pd.DataFrame:
    """The fetch manifest of ``store`` (empty, with its columns, when nothing was fetched)."""
    path = manifest_path(store)
    if not path.is_file():
        return MANIFEST_SCHEMA.empty_table().to_pandas()
    return pq.read_table(path, schema=MANIFEST_SCHEMA).to_pandas()


def update_manifest(store: str | Path, rows: pd.DataFrame) -> pd.DataFrame:
    """Add or replace (by file ``name``) manifest rows and write the manifest atomically.

    Returns
    -------
    pandas.DataFrame
        The whole manifest after the update, sorted by ``dataset, slot, name``.
    """
    old = read_manifest(store)
    merged = pd.concat([old[~old["name"].isin(rows["name"])], rows], ignore_index=True)
    merged = merged.sort_values(["dataset", "slot", "name"], kind="stable").reset_index(drop=True)
    table = pa.Table.from_pandas(merged[MANIFEST_SCHEMA.names], schema=MANIFEST_SCHEMA, preserve_index=False)
    path = manifest_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_parquet_atomic(table, path)
    return merged


def manifest_coverage(manifest: pd.DataFrame) -> pd.DataFrame:
    """Coverage windows proved by a manifest: runs of consecutive fully fetched days.

    Parameters
    ----------
    manifest : pandas.DataFrame
        As :func:`read_manifest` returns it.

    Returns
    -------
    pandas.DataFrame
        ``source_dataset, start, end`` (dates, inclusive), one row per window; a day with
        a missing or quarantined file ends a window (a gap).
    """
    windows = []
    ingested = manifest[manifest["status"] == INGESTED]
    for dataset, files in ingested.groupby("dataset", sort=True):
        per_day = pd.to_datetime(files["slot"]).dt.normalize().value_counts()
        days = pd.DatetimeIndex(sorted(per_day.index[per_day >= FILES_PER_DAY[dataset]]))
        if days.empty:
            continue
        run = np.concatenate([[0], np.cumsum(np.diff(days.asi8) != pd.Timedelta(days=1).value)])
        for number in np.unique(run):
            span = days[run == number]
            windows.append({"source_dataset": dataset, "start": span[0], "end": span[-1]})
    return pd.DataFrame(windows, columns=["source_dataset", "start", "end"])


def _clip(coverage: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None) -> pd.DataFrame:
    coverage = coverage.copy()
    if start is not None:
        coverage["start"] = coverage["start"].clip(lower=start)
    if end is not None:
        coverage["end"] = coverage["end"].clip(upper=end)
    return coverage[coverage["start"] <= coverage["end"]].reset_index(drop=True)


def _unresolved(events: pd.DataFrame) -> dict[str, float]:
    """Share of actor slots that name an actor but resolved to no country, per dataset."""
    rates = {}
    for name, rows in events.groupby("source_dataset", sort=True):
        named = rows["source_actor"].notna().sum() + rows["target_actor"].notna().sum()
        lost = (rows["source_actor"].notna() & rows["source_country"].isna()).sum() + (
            rows["target_actor"].notna() & rows["target_country"].isna()
        ).sum()
        rates[str(name)] = float(lost / named) if named else 0.0
    return rates


def read_store(
    path: str | Path, start: str | None = None, end: str | None = None, last_weeks: int | None = None
) -> tuple[ReadResult, pd.DataFrame, dict[str, str]]:
    """Read a partitioned event store as a data source, with the coverage its manifest proves.

    Parameters
    ----------
    path : str or Path
        The store folder (``year=/month=`` parquet files, written by ``forecast-fetch`` or
        ``forecast-ingest store=...``).
    start, end : str, optional
        Event dates to read (``YYYY-MM-DD``, inclusive); coverage is clipped to them.
    last_weeks : int, optional
        Read only the most recent ``last_weeks`` weeks up to the end of the coverage.

    Returns
    -------
    tuple
        ``(result, coverage, data_sha256)``. Coverage comes from the fetch manifest for
        the datasets it records; a dataset appended by ``forecast-ingest`` alone has no
        manifest and gets its first-to-last event dates (:func:`observed_coverage`).

    Raises
    ------
    MissingInputError
        When the folder does not exist.
    DataError
        When the store holds no event in the window, or when ``last_weeks`` is below 1.
    """
    store = Path(path)
    if not store.is_dir():
        raise MissingInputError(f"no input matches {str(store)!r}: data.path must be an event store folder.")
    recover_store(store)
    files = store_files(store)
    if not files:
        raise DataError(f"{store}: the store holds no events; fill it with forecast-fetch store={store}.")
    manifest = read_manifest(store)
    fetched = manifest_coverage(manifest)
    lower = pd.Timestamp(start) if start is not None else None
    upper = pd.Timestamp(end) if end is not None else None
    con = duckdb.connect()
    con.sql(f"CREATE VIEW stored AS SELECT * FROM read_parquet('{_sql(glob_pattern(store))}', hive_partitioning = false)")
    all_datasets = [r[0] for r in con.sql("SELECT DISTINCT source_dataset FROM stored ORDER BY 1").fetchall()]
    if last_weeks is not None:
        if last_weeks < 1:
            raise DataError(f"data.last_weeks: must be >= 1 or null, got {last_weeks}.")
        last = fetched["end"].max() if not fetched.empty else None
        if last is None:
            last = pd.Timestamp(con.sql("SELECT max(date) FROM stored").fetchall()[0][0]).normalize()
        upper = min(upper, last) if upper is not None else last
        recent = upper - pd.Timedelta(weeks=last_weeks) + pd.Timedelta(days=1)
        lower = max(lower, recent) if lower is not None else recent
    where = []
    if lower is not None:
        where.append(f"date >= TIMESTAMP '{lower}'")
    if upper is not None:
        where.append(f"date < TIMESTAMP '{upper + pd.Timedelta(days=1)}'")
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    table = con.sql(f"SELECT * FROM stored {clause} ORDER BY source_file, source_line").to_arrow_table()
    con.close()
    if not table.num_rows:
        raise DataError(
            f"{store}: no event between {lower.date() if lower is not None else 'the start'} and "
            f"{upper.date() if upper is not None else 'the end'}; widen data.start/data.end or fetch more files."
        )
    events = from_arrow(table)
    unfetched = sorted(set(all_datasets) - set(fetched["source_dataset"]))
    observed = observed_coverage(events[events["source_dataset"].isin(unfetched)])
    coverage = _clip(pd.concat([fetched, observed], ignore_index=True), lower, upper)
    hashes = {str(p): sha256(p) for p in files}
    if manifest_path(store).is_file():
        hashes[str(manifest_path(store))] = sha256(manifest_path(store))
    result = ReadResult(events=events, rows_read=len(events), unresolved=_unresolved(events))
    return result, coverage, hashes


def _sql(text: str) -> str:
    return text.replace("'", "''")
