"""Ingest event files of any supported format into validated, deduplicated parquet.

The flow is the same for every format:

1. expand the inputs (files, folders, globs, ``.gz``, ``.zip``) and detect the format;
   what each format needs is looked up in :mod:`forecast.events.readers.registry`;
2. stream them through the format's reader in blocks; accepted rows are staged as parquet
   parts, rejected rows go to ``quarantine.parquet`` with file, line and reason;
3. deduplicate the staged rows with DuckDB (out of core, bounded memory) on each reader's
   ``dedup_key`` - and against an existing partitioned store when appending - and write
   ``events.parquet`` (``panel.parquet`` for a panel) or append to the store;
4. write ``ingest_summary.json`` with ``rows_read = accepted + quarantined + duplicate``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from forecast.errors import ArgumentError, DataError
from forecast.events.readers._finish import Batch, BatchChecker, from_arrow
from forecast.events.readers._stream import DEFAULT_BLOCK_BYTES, DEFAULT_MAX_LINE_BYTES, unread_subfolders
from forecast.events.readers.base import QUARANTINE_COLUMNS, ReadResult
from forecast.events.readers.registry import detect, get, iter_batches, output_kind
from forecast.events.store import append_partitions, glob_pattern, recover_store, store_files
from forecast.io import COMMIT, commit_folder, recover_folder, staging_folder, write_success, write_text_atomic
from forecast.progress import progress

log = logging.getLogger(__name__)

_QUARANTINE_SCHEMA = pa.schema(
    [("file", pa.string()), ("line", pa.int64()), ("reason", pa.string()), ("raw", pa.string())]
)


def reason_kinds(reasons: pd.Series) -> pd.Series:
    """The kind of each quarantine reason: its text before ``:``, quoted values shown as ``'…'``.

    Readers quote the offending value (``bad GoldsteinScale '11'``, ``unknown CAMEO code
    '999'``); without the mask every distinct value would be a kind of its own, and the
    ten most common kinds of a file with many bad values would hide most of its rows.

    Parameters
    ----------
    reasons : pandas.Series
        Quarantine reasons.

    Returns
    -------
    pandas.Series
        The kinds, aligned with ``reasons``.
    """
    before_colon = reasons.astype(str).str.split(":", n=1).str[0]
    return before_colon.str.replace(r"'[^']*'", "'…'", regex=True)


@dataclass
class _Tally:
    rows_read: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    files: dict[str, dict[str, int]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # source_file of a row -> the input it was read from
    reasons: Counter = field(default_factory=Counter)  # reason kind (see reason_kinds) -> rows

    def add(self, batch: Batch) -> None:
        # Every row a reader saw must come out as an event, a quarantined row or a duplicate.
        if batch.rows_read != batch.events.num_rows + len(batch.quarantine) + batch.duplicates:
            raise AssertionError(
                f"{batch.file}: reader accounting broken: read {batch.rows_read}, events {batch.events.num_rows}, "
                f"quarantined {len(batch.quarantine)}, duplicates {batch.duplicates}. Please report this file."
            )
        if batch.events.num_rows:
            for label in pc.unique(batch.events["source_file"]).to_pylist():
                self.owner[label] = batch.file
        if len(batch.quarantine):
            self.reasons.update(reason_kinds(batch.quarantine["reason"]))
        self.rows_read += batch.rows_read
        self.rows_quarantined += len(batch.quarantine)
        self.rows_duplicate += batch.duplicates
        entry = self.files.setdefault(batch.file, {"rows_read": 0, "rows_quarantined": 0, "rows_duplicate": 0})
        entry["rows_read"] += batch.rows_read
        entry["rows_quarantined"] += len(batch.quarantine)
        entry["rows_duplicate"] += batch.duplicates


    def top_reasons(self, n: int) -> list[tuple[str, int]]:
        """The ``n`` most common kinds of quarantine reason, with their row counts."""
        return sorted(self.reasons.items(), key=lambda item: (-item[1], item[0]))[:n]


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def ingest(
    path: str | Path | Sequence[str | Path],
    out_dir: str | Path,
    *,
    format: str = "auto",
    store: str | Path | None = None,
    validate: bool = True,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    memory_limit: str = "128MB",
    **options: Any,
) -> dict[str, Any]:
    """Ingest event files into ``out_dir`` (or a partitioned store) with exact accounting.

    Outputs are written in a staging folder inside ``out_dir`` and moved into place
    together, ``_SUCCESS`` last (:mod:`forecast.io`); a store append commits its files
    the same way (:mod:`forecast.events.store`). What a killed earlier run left behind is
    finished or removed first.

    Parameters
    ----------
    path : str, Path or sequence
        Files, folders or globs; ``.gz`` and ``.zip`` are read directly.
    out_dir : str or Path
        Where ``events.parquet`` (``panel.parquet`` for a panel), ``quarantine.parquet``,
        ``ingest_summary.json`` and ``_SUCCESS`` are written.
    format : str
        ``auto`` (detect from content) or a registered format
        (:func:`forecast.events.readers.registry.names`).
    store : str or Path, optional
        A parquet store partitioned by ``year=/month=``; new events are appended and
        events already in it count as duplicates, so re-ingesting a file adds nothing.
    validate : bool
        Also run the pandera schema on event batches built in arrow (formats registered with
        ``arrow_batches``: GDELT). Readers that build events in pandas always validate.
    block_bytes : int
        Block size of the line-oriented readers (``line_oriented`` in the registry: GDELT,
        ICEWS, POLECAT); peak memory is a small multiple of it.
    max_line_bytes : int
        Longest line the line-oriented readers accept; a longer one is quarantined and
        skipped without being held in memory.
    memory_limit : str
        DuckDB memory limit for deduplication; beyond it DuckDB spills to disk.
    **options
        Format options (``start_date``, ``time_unit``, ``duplicates`` for TKG sets, ...).

    Returns
    -------
    dict
        The ingest summary (also written to ``ingest_summary.json``).

    Raises
    ------
    DataError
        For a fault of a whole input (unreadable archive, missing columns, unknown format,
        a path matching nothing) and when no row at all is accepted: then the quarantine and
        the summary are written, and no event table.
    AssertionError
        If the accounting identity fails (a bug: rows were lost or invented).
    """
    _check_memory_limit(memory_limit)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recover_folder(out_dir)
    if store is not None:
        recover_store(Path(store))
    fmt = detect(path) if format == "auto" else format
    spec = get(fmt)
    if spec.line_oriented:
        options.update(block_bytes=block_bytes, max_line_bytes=max_line_bytes)
    is_panel = spec.output == "panel"
    # A reader of paths (a TKG set) takes the folder as a whole; others read its files only.
    not_read = [] if spec.reads == "paths" else unread_subfolders(path)
    if not_read:
        log.warning(
            "%d folder(s) inside the input folder are not read (%s): a folder gives only the files "
            "directly inside it; add them to data.path or give a glob such as '<folder>/**/*'.",
            len(not_read),
            ", ".join(not_read[:3]) + (", ..." if len(not_read) > 3 else ""),
        )
    if is_panel and store is not None:
        raise ArgumentError("store", "a panel is written to panel.parquet; the partitioned store holds events only.")
    staging = staging_folder(out_dir)
    work = staging / "work"  # staged parts and DuckDB's spill files; never moved into out_dir
    work.mkdir()
    tally = _Tally()
    stage = _Stage(work)
    checker = BatchChecker()
    try:
        with pq.ParquetWriter(staging / QUARANTINE_FILE, _QUARANTINE_SCHEMA) as quarantine_writer:
            for batch in progress(iter_batches(path, fmt, **options), desc=f"ingest {fmt}", unit="block"):
                tally.add(batch)
                if len(batch.quarantine):
                    quarantine_writer.write_table(
                        pa.Table.from_pandas(
                            batch.quarantine[list(QUARANTINE_COLUMNS)].sort_values(["file", "line"], kind="stable"),
                            schema=_QUARANTINE_SCHEMA,
                            preserve_index=False,
                        )
                    )
                if batch.events.num_rows:
                    check = validate and spec.arrow_batches
                    stage.write(batch.events, check=(lambda t, f=batch.file: checker.add(t, f)) if check else None)
        stage.close()
        checker.flush()
        event_file = "panel.parquet" if is_panel else "events.parquet"
        if stage.rows:
            written = _deduplicate(stage, staging / event_file, store, is_panel, memory_limit)
        else:
            written = {"target": None, "per_file": {}, "unresolved": {}, "unresolved_actors": {}}
        shutil.rmtree(work)
        summary = _summary(path, fmt, tally, stage, written)
        summary["folders_not_read"] = not_read
        summary["outputs"] = {
            "events": str(store if store is not None else out_dir / event_file) if stage.rows else None,
            "quarantine": str(out_dir / QUARANTINE_FILE),
        }
        write_text_atomic(staging / SUMMARY_FILE, json.dumps(summary, indent=2) + "\n")
        if not stage.rows:  # nothing usable: keep the evidence, drop any older event table
            commit_folder(staging, out_dir, remove=["events.parquet", "panel.parquet"])
            raise DataError(nothing_accepted(summary, out_dir / QUARANTINE_FILE))
        outputs = [QUARANTINE_FILE, SUMMARY_FILE] + ([event_file] if store is None else [])
        write_success(staging, outputs)
        commit_folder(staging, out_dir, remove=[f for f in ("events.parquet", "panel.parquet") if f not in outputs])
    finally:
        stage.close()
        if not (staging / COMMIT).exists():  # once committed, recover_folder finishes the moves
            shutil.rmtree(staging, ignore_errors=True)
    return summary


def _check_memory_limit(value: object) -> None:
    """Refuse a DuckDB memory limit before any row is read, by DuckDB's own parse of it.

    DuckDB takes a negative size as no limit at all, so a leading minus is refused here.
    """
    fix = "give a number and a unit, such as '128MB' or '1GiB'"
    if not isinstance(value, str) or value.strip().startswith("-"):
        raise ArgumentError("memory_limit", f"{value!r} is not a memory size; {fix}.")
    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as err:
        raise ArgumentError("memory_limit", f"{value!r} is not a memory size ({err}); {fix}.") from None


QUARANTINE_FILE = "quarantine.parquet"
SUMMARY_FILE = "ingest_summary.json"
#: Unresolved actor names listed per source dataset in the summary (``unresolved_actors``).
TOP_UNRESOLVED = 20


def _summary(path: Any, fmt: str, tally: _Tally, stage: _Stage, written: dict[str, Any]) -> dict[str, Any]:
    """The ingest summary, with ``rows_read = accepted + quarantined + duplicate`` checked."""
    accepted = sum(written["per_file"].values())
    tally.rows_duplicate += stage.rows - accepted  # dropped by deduplication (or already in the store)
    accepted_per_input: dict[str, int] = {}
    for label, n in written["per_file"].items():
        key = tally.owner.get(label, label)
        accepted_per_input[key] = accepted_per_input.get(key, 0) + n
    for label, entry in tally.files.items():
        entry["rows_accepted"] = accepted_per_input.get(label, 0)
        entry["rows_duplicate"] = entry["rows_read"] - entry["rows_quarantined"] - entry["rows_accepted"]
    summary = {
        "format": fmt,
        "inputs": [str(p) for p in ([path] if isinstance(path, (str, Path)) else path)],
        "rows_read": tally.rows_read,
        "rows_accepted": accepted,
        "rows_quarantined": tally.rows_quarantined,
        "rows_duplicate": tally.rows_duplicate,
        "unresolved_actor_rate": written["unresolved"],
        "unresolved_actors": written["unresolved_actors"],
        "quarantine_reasons": dict(tally.top_reasons(10)),
        "files": tally.files,
    }
    if summary["rows_read"] != accepted + summary["rows_quarantined"] + summary["rows_duplicate"]:
        raise AssertionError(f"row accounting broken: {summary}")
    return summary


def nothing_accepted(summary: dict[str, Any], quarantine: Path | None) -> str:
    """The message of an ingest that accepted no row: counts, the top reasons, where to look."""
    inputs = summary["inputs"][0] if len(summary["inputs"]) == 1 else f"{len(summary['inputs'])} inputs"
    if not summary["rows_read"]:
        message = f"{inputs}: no data rows ({summary['format']}): the input holds only blank or header lines."
        if summary["format"] == "events":  # what forecast-code-text writes for text that held no event
            message += (
                " A header and no events (e.g. forecast-code-text on text without events) is nothing to ingest: "
                "leave the file out, or code more text."
            )
        return message
    top = "; ".join(f"{n} x {reason}" for reason, n in list(summary["quarantine_reasons"].items())[:3])
    where = (
        f"every rejected row is in {quarantine}"
        if quarantine is not None
        else "run forecast-ingest on it to see every rejected row in quarantine.parquet"
    )
    return (
        f"{inputs}: no row accepted ({summary['format']}): {summary['rows_read']} read, "
        f"{summary['rows_quarantined']} quarantined. Top reasons: {top}. Fix the input or choose the right "
        f"data format; {where}."
    )


_UNIQUE_COLUMNS = ("event_id", "dedup_key", "source_line")
"""Columns that are (nearly) unique per row: dictionary pages and string statistics on them
cost write time and buy nothing."""


class _Stage:
    """Accepted rows, streamed into as few parquet parts as possible (a new part only
    when the columns change, e.g. panels with different metadata).

    Parts are written by one background thread (pyarrow releases the GIL), so a block is
    checked, encoded and compressed while the next one is parsed; at most one write is
    pending, and a failed check or write is raised by the next :meth:`write` or :meth:`close`.

    The writer also follows whether the ``dedup_key`` values arrive strictly increasing in
    shortlex order (shorter first, then bytewise): GDELT ids usually do, and then no key can
    repeat, so deduplication has nothing to search for (:attr:`keys_increasing`).
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: list[Path] = []
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._pool = ThreadPoolExecutor(max_workers=1)
        self._pending: Future | None = None
        self.keys_increasing = True
        self._last_key: bytes | None = None

    def write(self, table: pa.Table, check: Callable[[pa.Table], None] | None = None) -> None:
        """Stage ``table`` after ``check(table)`` passes (both in the background)."""
        self._wait()
        if self._writer is not None and not self._writer.schema.equals(table.schema):
            self._writer.close()
            self._writer = None
        if self._writer is None:
            self.parts.append(self.folder / f"part-{len(self.parts):04d}.parquet")
            names = table.schema.names
            types = {f.name: f.type.value_type if pa.types.is_dictionary(f.type) else f.type for f in table.schema}
            self._writer = pq.ParquetWriter(
                self.parts[-1],
                table.schema,
                compression="zstd",
                use_dictionary=[n for n in names if n not in _UNIQUE_COLUMNS],
                write_statistics=[n for n in names if not pa.types.is_string(types[n])],
                # Dictionary-encoded columns (GDELT) are written as their dictionaries; without
                # the arrow schema in the file they read back as plain strings, as elsewhere.
                store_schema=not any(pa.types.is_dictionary(f.type) for f in table.schema),
            )
        self._pending = self._pool.submit(self._check_and_write, self._writer, table, check)
        self.rows += table.num_rows

    def _check_and_write(
        self, writer: pq.ParquetWriter, table: pa.Table, check: Callable[[pa.Table], None] | None
    ) -> None:
        if check is not None:
            check(table)
        if self.keys_increasing and table.num_rows:
            self._follow_keys(table["dedup_key"].combine_chunks())
        writer.write_table(table)

    def _follow_keys(self, keys: pa.Array) -> None:
        """Clear :attr:`keys_increasing` unless ``keys`` continue a strictly increasing run."""
        first, last = keys[0].as_py(), keys[-1].as_py()
        if first is None or last is None:
            self.keys_increasing = False
            return
        first, last = first.encode(), last.encode()
        # shortlex order on bytes: a total order, so a strictly increasing run has no repeat
        if self._last_key is not None and (len(first), first) <= (len(self._last_key), self._last_key):
            self.keys_increasing = False
            return
        lengths = pc.binary_length(keys)
        shorter = pc.less(lengths[:-1], lengths[1:])
        same_length_less = pc.and_(pc.equal(lengths[:-1], lengths[1:]), pc.less(keys[:-1], keys[1:]))
        self.keys_increasing = pc.all(pc.or_(shorter, same_length_less), skip_nulls=False, min_count=0).as_py() is True
        self._last_key = last

    def _wait(self) -> None:
        if self._pending is not None:
            pending, self._pending = self._pending, None
            pending.result()  # re-raises a failed write here

    def close(self) -> None:
        try:
            self._wait()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self._pool.shutdown()


def _deduplicate(stage: _Stage, target: Path, store: str | Path | None, is_panel: bool, memory_limit: str) -> dict:
    """Keep one row per ``dedup_key``, the first by ``source_file, source_line``, and write it; return counts.

    The kept row does not depend on the order the inputs were given in.

    Duplicates are found with a spillable GROUP BY on the key's hash, then on the exact key
    among hash collisions only. In the common case - one staged part, no duplicate, no
    store - the staged file becomes ``target`` as is; otherwise the first occurrence of each
    key is copied out in ``source_file, source_line`` order (a join has no order of its own:
    without it the same inputs could give different bytes), skipping keys already in the
    store. A store gets its new partition files through :func:`append_partitions`.
    """
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(stage.folder / "spill")})
    # A Jupyter kernel without ipywidgets refuses to change this setting (and draws no bar anyway).
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    files = ", ".join(f"'{_sql_path(p)}'" for p in stage.parts)
    con.sql(f"CREATE VIEW staged AS SELECT * FROM read_parquet([{files}], union_by_name = true)")
    # Candidate keys by 64-bit hash first (cheap, and usually none); exact keys only among them.
    # Keys staged in strictly increasing order cannot repeat: then skip the search, a GROUP BY
    # over every key and the slowest step here.
    repeated = (
        "SELECT dedup_key, struct_pack(f := source_file, l := source_line) AS first FROM staged LIMIT 0"
        if stage.keys_increasing
        else "WITH candidates AS (SELECT hash(dedup_key) AS h FROM staged GROUP BY h HAVING count(*) > 1) "
        "SELECT dedup_key, min(struct_pack(f := source_file, l := source_line)) AS first FROM staged "
        "WHERE hash(dedup_key) IN (SELECT h FROM candidates) GROUP BY dedup_key HAVING count(*) > 1"
    )
    con.sql(f"CREATE TEMP TABLE repeated AS {repeated}")
    has_store = store is not None and bool(store_files(Path(store)))
    in_store = (
        f"ANTI JOIN (SELECT DISTINCT dedup_key FROM read_parquet('{_sql_path(Path(glob_pattern(Path(store))))}')) "
        "AS old ON old.dedup_key = s.dedup_key"
        if has_store
        else ""
    )
    fresh = (
        "SELECT s.* FROM staged AS s ANTI JOIN repeated AS r ON r.dedup_key = s.dedup_key "
        f"AND (r.first.f <> s.source_file OR r.first.l <> s.source_line) {in_store}"
    )
    no_repeats = con.sql("SELECT count(*) FROM repeated").fetchall()[0][0] == 0
    if store is None and no_repeats and len(stage.parts) == 1:
        con.close()
        shutil.move(stage.parts[0], target)
    elif store is None:
        con.sql(
            f"COPY ({fresh} ORDER BY s.source_file, s.source_line) TO '{_sql_path(target)}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        con.close()
    else:
        # Row order means nothing across partition files: let DuckDB stream without keeping it.
        con.execute("SET preserve_insertion_order = false")
        partitions = stage.folder / "partitions"
        con.sql(
            f"COPY (SELECT *, year(date) AS year, month(date) AS month FROM ({fresh})) TO '{_sql_path(partitions)}' "
            "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (year, month))"
        )
        con.close()
        new_files = append_partitions(partitions, Path(store)) if partitions.exists() else []
        return {"target": str(store), **_written_counts(new_files, is_panel)}
    return {"target": str(target), **_written_counts([target], is_panel)}


def _written_counts(files: list[Path], is_panel: bool) -> dict[str, Any]:
    """Rows written per source file, the unresolved-actor rate and the top unresolved names per source."""
    if not files:
        return {"per_file": {}, "unresolved": {}, "unresolved_actors": {}}
    con = duckdb.connect()
    listed = ", ".join(f"'{_sql_path(p)}'" for p in files)
    con.sql(f"CREATE VIEW written AS SELECT * FROM read_parquet([{listed}], hive_partitioning = false)")
    per_file = dict(con.sql("SELECT source_file, count(*) FROM written GROUP BY ALL").fetchall())
    unresolved: dict[str, float] = {}
    unresolved_actors: dict[str, list[list[Any]]] = {}
    if not is_panel:
        unresolved = {
            name: float(rate)
            for name, rate in con.sql(
                # share of actor slots that name an actor but resolved to no country
                "SELECT source_dataset, coalesce(sum((source_actor IS NOT NULL AND source_country IS NULL)::INT "
                "+ (target_actor IS NOT NULL AND target_country IS NULL)::INT) / nullif(sum((source_actor IS NOT NULL)"
                "::INT + (target_actor IS NOT NULL)::INT), 0), 0) FROM written GROUP BY ALL ORDER BY 1"
            ).fetchall()
        }
        # The names behind the rate, so a user can see what is missing from the dyads.
        for name, actor, slots in con.sql(
            "SELECT source_dataset, actor, count(*) AS slots FROM ("
            "SELECT source_dataset, source_actor AS actor FROM written WHERE source_actor IS NOT NULL AND source_country IS NULL "
            "UNION ALL SELECT source_dataset, target_actor FROM written WHERE target_actor IS NOT NULL AND target_country IS NULL) "
            f"GROUP BY source_dataset, actor QUALIFY row_number() OVER (PARTITION BY source_dataset ORDER BY slots DESC, actor) <= {TOP_UNRESOLVED} "
            "ORDER BY source_dataset, slots DESC, actor"
        ).fetchall():
            unresolved_actors.setdefault(name, []).append([actor, int(slots)])
    con.close()
    return {"per_file": per_file, "unresolved": unresolved, "unresolved_actors": unresolved_actors}


def read_events(path: str | Path | Sequence[str | Path], format: str = "auto", **options: Any) -> ReadResult:
    """Read event files into memory: canonical events, quarantine and accounting.

    Runs :func:`ingest` into a temporary folder and loads the result, so in-memory reads
    and file ingest share one code path (same validation, same deduplication).

    Parameters
    ----------
    path : str, Path or sequence
        Files, folders or globs.
    format : str
        ``auto`` or a registered format.
    **options
        As for :func:`ingest`.

    Returns
    -------
    ReadResult
        ``events`` is the canonical table plus provenance columns (``dedup_key``,
        ``source_file``, ``source_line``) and format extras; for ``panel`` it is the panel.
    """
    with tempfile.TemporaryDirectory(prefix="forecast-read-") as tmp:
        try:
            summary = ingest(path, tmp, format=format, **options)
        except DataError as error:
            if not (Path(tmp) / SUMMARY_FILE).exists():
                raise
            # no row accepted: the temporary quarantine goes away, so do not point at it
            done = json.loads((Path(tmp) / SUMMARY_FILE).read_text())
            raise DataError(nothing_accepted(done, None)) from error
        target = pq.read_table(summary["outputs"]["events"])
        quarantine = pq.read_table(summary["outputs"]["quarantine"]).to_pandas()
    events = target.to_pandas() if output_kind(summary["format"]) == "panel" else from_arrow(target)
    return ReadResult(
        events=events,
        quarantine=quarantine,
        rows_read=summary["rows_read"],
        rows_duplicate=summary["rows_duplicate"],
        unresolved=summary["unresolved_actor_rate"],
    )
