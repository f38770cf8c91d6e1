"""Reader for temporal-knowledge-graph (TKG) event quadruples (ICEWS18, ICEWS21, ...).

A TKG set is a folder or ``.zip`` holding ``entity2id.txt`` and ``relation2id.txt``
(``name<TAB>id``) and split files ``train/valid/test.txt`` with rows
``head_id<TAB>relation_id<TAB>tail_id<TAB>time[<TAB>ignored]``. Any file may be gzipped.
Time counts days or hours (multiples of 24) from a start date.
"""

from __future__ import annotations

import glob
import gzip
import hashlib
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError, DataError
from forecast.events.actors import resolve_actors
from forecast.events.readers._finish import Batch, to_arrow
from forecast.events.readers._stream import CORRUPT
from forecast.events.readers.base import QUARANTINE_COLUMNS, ReadResult
from forecast.events.schema import conform_dtypes
from forecast.events.taxonomy import code_attributes, codes_for_event_text

SPLITS = ("train", "valid", "test")
#: Hours in one step of a set's time column, by ``time_unit``.
HOURS_PER_UNIT = {"day": 24, "hour": 1}


class _TkgSource:
    """Opens member files of a TKG set held in a folder or a zip, gzipped or not."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._zip = zipfile.ZipFile(path) if path.suffix == ".zip" else None
        except (zipfile.BadZipFile, EOFError) as err:
            raise DataError(
                f"{path}: truncated or corrupt zip archive ({err}). Download it again; nothing was ingested."
            ) from None
        members = self._zip.namelist() if self._zip else [p.name for p in path.iterdir()]
        self._members = {Path(m).name: m for m in members if not m.endswith("/")}

    def find(self, stem: str) -> str | None:
        for name in (f"{stem}.txt", f"{stem}.txt.gz"):
            if name in self._members:
                return self._members[name]
        return None

    def read_bytes(self, member: str) -> bytes:
        try:
            raw = self._zip.read(member) if self._zip else (self.path / member).read_bytes()
            return gzip.decompress(raw) if member.endswith(".gz") else raw
        except CORRUPT as err:  # a cut download or a bad CRC: the whole set is unusable
            kind = "gzip file" if member.endswith(".gz") else "zip member"
            raise DataError(
                f"{self.label(member)}: truncated or corrupt {kind} ({err}). Download it again; nothing was ingested."
            ) from None

    def label(self, member: str) -> str:
        return f"{self.path}:{member}" if self._zip else str(self.path / member)


def _read_id_map(source: _TkgSource, stem: str) -> pd.Series:
    member = source.find(stem)
    if member is None:
        raise DataError(
            f"{source.path}: no {stem}.txt (or .txt.gz). A TKG set needs entity2id.txt, "
            "relation2id.txt and at least one of train/valid/test.txt."
        )
    label = source.label(member)
    names: dict[int, str] = {}
    # utf-8-sig: a byte-order mark would otherwise become part of the first name.
    for line_no, line in enumerate(source.read_bytes(member).split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        try:
            text = line.decode("utf-8-sig" if line_no == 1 else "utf-8")
        except UnicodeDecodeError as err:
            raise DataError(
                f"{label} line {line_no}: not UTF-8 ({err.reason} at byte {err.start}); "
                "re-encode the file as UTF-8 (e.g. iconv -f latin1 -t utf-8)."
            ) from None
        name, tab, number = text.rpartition("\t")
        if not tab or not number.strip().isdecimal():
            raise DataError(f"{label} line {line_no}: expected 'name<TAB>id', got {text[:80]!r}; fix or remove the line.")
        entity_id = int(number)
        if entity_id in names:
            raise DataError(
                f"{label} line {line_no}: id {entity_id} is given twice ({names[entity_id]!r} and {name!r}); "
                "each id needs one name."
            )
        names[entity_id] = name
    return pd.Series(names, dtype=object)


def _read_split(source: _TkgSource, member: str) -> tuple[pd.DataFrame, list[tuple]]:
    """Parse one split into numeric quadruples; malformed lines go to the quarantine list."""
    rows, bad = [], []
    text = source.read_bytes(member).decode("utf-8-sig", errors="replace")  # -sig: a byte-order mark is no field
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        try:
            if len(fields) < 4:
                raise ValueError(f"expected at least 4 tab-separated fields, got {len(fields)}")
            rows.append((int(fields[0]), int(fields[1]), int(fields[2]), int(fields[3]), line_no))
        except ValueError as err:
            bad.append((source.label(member), line_no, f"malformed quadruple: {err}", line))
    quads = pd.DataFrame(rows, columns=["head", "relation", "tail", "time", "line"])
    quads["file"] = source.label(member)
    return quads, bad


def _tkg_sets(path: str | Path | Sequence[str | Path]) -> list[Path]:
    """TKG sets named by a folder, a zip, a glob of them, or a list."""
    patterns = [path] if isinstance(path, (str, Path)) else list(path)
    sets: list[Path] = []
    for pattern in patterns:
        text = str(Path(pattern).expanduser())
        matches = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        if not any(Path(m).exists() for m in matches):
            raise DataError(f"no TKG set matches {text!r}: give a folder or .zip holding entity2id.txt.")
        sets.extend(Path(m) for m in matches if Path(m).exists())
    return sets


def _dataset_name(path: Path, dataset: str | None) -> str:
    """``source_dataset`` of a set: ``dataset``, else the folder or zip stem, lower-cased."""
    return (dataset or path.stem).lower()


def _digest(path: Path, splits: tuple[str, ...]) -> str:
    """SHA-256 of the files a set is read from (id maps and splits, decompressed), whatever it is called."""
    source = _TkgSource(path)
    digest = hashlib.sha256()
    for stem in ("entity2id", "relation2id", *splits):
        member = source.find(stem)
        if member is not None:
            data = source.read_bytes(member)
            digest.update(f"{stem} {len(data)}\n".encode())
            digest.update(data)
    return digest.hexdigest()


def iter_tkg(
    path: str | Path | Sequence[str | Path],
    *,
    start_date: str | None = None,
    time_unit: Literal["day", "hour"] = "day",
    dataset: str | None = None,
    splits: tuple[str, ...] = SPLITS,
    duplicates: Literal["keep", "collapse"] = "keep",
) -> Iterator[Batch]:
    """Read one or more TKG sets (folders, zips or a glob) as ingest batches.

    Parameters
    ----------
    path : str, Path or sequence
        TKG set(s); see :func:`read_tkg`.
    start_date, time_unit, dataset, splits, duplicates
        As for :func:`read_tkg`.

    Yields
    ------
    Batch
        One per set; ``duplicates`` carries the rows collapsed by the ``collapse`` policy.
    """
    if not start_date:
        raise ArgumentError(
            "start_date",
            "a TKG set stores time as offsets: give data.start_date=YYYY-MM-DD (time 0) and "
            "data.time_unit=day|hour, e.g. data=icews_tkg data.start_date=2018-01-01 data.time_unit=hour.",
        )
    names: dict[str, str] = {}  # content digest -> source_dataset of the first set holding it
    for tkg_set in _tkg_sets(path):
        # A copy of a set under another name ("ICEWS18 (1).zip") keeps the first one's name, so
        # its rows get the same keys and count as duplicates instead of doubling every count.
        name = names.setdefault(_digest(tkg_set, tuple(splits)), _dataset_name(tkg_set, dataset))
        result = read_tkg(
            tkg_set, start_date=start_date, time_unit=time_unit, dataset=name, splits=tuple(splits),
            duplicates=duplicates,
        )
        yield Batch(
            file=str(tkg_set),
            rows_read=result.rows_read,
            events=to_arrow(result.events),
            quarantine=result.quarantine,
            duplicates=result.rows_duplicate,
        )


def read_tkg(
    path: str | Path,
    *,
    start_date: str,
    time_unit: Literal["day", "hour"] = "day",
    dataset: str | None = None,
    splits: tuple[str, ...] = SPLITS,
    duplicates: Literal["keep", "collapse"] = "keep",
) -> ReadResult:
    """Read a TKG quadruple set into the canonical event table.

    Parameters
    ----------
    path : str or Path
        Folder or ``.zip`` holding the TKG files.
    start_date : str
        Calendar date of time 0, ``YYYY-MM-DD``.
    time_unit : {"day", "hour"}
        Unit of the time column.
    dataset : str, optional
        Value of ``source_dataset``; defaults to the folder or zip stem, lower-cased.
    splits : tuple of str
        Split files to read; missing ones are skipped.
    duplicates : {"keep", "collapse"}
        Exact repeated quadruples: ``keep`` keeps every repeat as an event (multiplicity),
        ``collapse`` keeps the first and counts the rest as duplicates.

    Returns
    -------
    ReadResult
        Events with ``source_actor``/``target_actor`` set to the entity names, plus
        provenance columns ``dedup_key, source_file, source_line``. Unknown ids, unknown
        relations and malformed lines are quarantined with a reason.
    """
    if time_unit not in HOURS_PER_UNIT:
        raise ArgumentError("time_unit", f"must be one of {sorted(HOURS_PER_UNIT)}, got {time_unit!r}.")
    try:  # checked before any file is read
        origin = pd.Timestamp(start_date)
    except (TypeError, ValueError):
        origin = pd.NaT
    if pd.isna(origin):
        raise ArgumentError("start_date", f"{start_date!r} is not a date; give time 0 of the set as YYYY-MM-DD.")
    path = Path(path)
    source = _TkgSource(path)
    name = _dataset_name(path, dataset)
    entities = _read_id_map(source, "entity2id")
    relations = _read_id_map(source, "relation2id")

    frames, quarantined = [], []
    for split in splits:
        member = source.find(split)
        if member is not None:
            quads, bad = _read_split(source, member)
            frames.append(quads.assign(split=split))
            quarantined.extend(bad)
    if not frames:
        raise DataError(f"{path}: none of the split files {splits} were found.")
    quads = pd.concat(frames, ignore_index=True)
    rows_read = len(quads) + len(quarantined)

    quads["date"] = origin + pd.to_timedelta(quads["time"] * HOURS_PER_UNIT[time_unit], unit="h")
    quads["date"] = quads["date"].dt.floor("D")
    quads["source_actor"] = quads["head"].map(entities)
    quads["target_actor"] = quads["tail"].map(entities)
    quads["event_text"] = quads["relation"].map(relations)
    quads["cameo_code"] = codes_for_event_text(quads["event_text"])

    reason = np.select(
        [
            quads["source_actor"].isna() | quads["target_actor"].isna(),
            quads["event_text"].isna(),
            quads["cameo_code"].isna(),
        ],
        ["entity id not in entity2id", "relation id not in relation2id", "relation text is not a CAMEO event name"],
        default="",
    )
    bad = reason != ""
    for row, why in zip(quads[bad].itertuples(), reason[bad]):
        raw = f"{row.head}\t{row.relation}\t{row.tail}\t{row.time}"
        detail = row.event_text if why.startswith("relation text") else raw
        quarantined.append((row.file, row.line, f"{why}: {detail}", raw))
    quads = quads[~bad].copy()

    rows_duplicate = 0
    if duplicates == "collapse":
        repeated = quads.duplicated(["head", "relation", "tail", "time"])
        rows_duplicate = int(repeated.sum())
        quads = quads[~repeated]
    quads = quads.assign(count=1)

    actors = resolve_actors(
        pd.concat([quads["source_actor"], quads["target_actor"]], ignore_index=True),
        pd.concat([quads["date"], quads["date"]], ignore_index=True),
    )
    n = len(quads)
    quads["source_country"] = actors["country"].iloc[:n].to_numpy()
    quads["source_sector"] = actors["sector"].iloc[:n].to_numpy()
    quads["target_country"] = actors["country"].iloc[n:].to_numpy()
    quads["target_sector"] = actors["sector"].iloc[n:].to_numpy()
    quads = quads.join(code_attributes(quads["cameo_code"], intensity="icews_intensity"))
    quads["event_id"] = name + ":" + quads["split"] + ":" + quads["line"].astype(str)
    quads["source_dataset"] = name
    # Provenance for ingest: with "keep" every row is its own event; with "collapse" the
    # quadruple is the identity, so re-ingesting a set never double-counts either way.
    quads["dedup_key"] = quads["event_id"] if duplicates == "keep" else (
        name + ":" + quads["head"].astype(str) + ":" + quads["relation"].astype(str) + ":"
        + quads["tail"].astype(str) + ":" + quads["time"].astype(str)
    )
    quads["source_file"] = quads["file"]
    quads["source_line"] = quads["line"]

    events = conform_dtypes(quads, extra=("dedup_key", "source_file", "source_line"))
    quarantine = pd.DataFrame(quarantined, columns=list(QUARANTINE_COLUMNS))
    unresolved = float(actors["country"].isna().mean()) if n else 0.0
    return ReadResult(
        events=events,
        quarantine=quarantine,
        rows_read=rows_read,
        rows_duplicate=rows_duplicate,
        unresolved={name: unresolved},
    )
