"""The partitioned event store (``year=/month=`` parquet files): transactional appends.

An append writes its partition files elsewhere first (DuckDB's ``COPY ... PARTITION_BY``
into the ingest's staging folder), copies them into the store under temporary names that
no reader's ``*.parquet`` glob matches, then writes an ``_append-*.json`` manifest - the
commit point - and renames each file to its final, unique name. A killed append thus
leaves the store as it was (plus temporary files the next append deletes) or, once the
manifest exists, an append the next one finishes (:func:`recover_store`).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path

from forecast.io import write_text_atomic

_PENDING = ".parquet.pending"
"""Suffix of a partition file copied into the store but not yet committed."""
_MANIFEST = "_append-"


def store_files(store: Path) -> list[Path]:
    """The committed parquet files of a store (temporary and staging files excluded), sorted."""
    return sorted(p for p in store.glob("year=*/month=*/*.parquet") if p.is_file())


def glob_pattern(store: Path) -> str:
    """The DuckDB glob of the committed files (what :func:`store_files` lists)."""
    return str(store / "year=*" / "month=*" / "*.parquet")


def append_partitions(written: Path, store: Path) -> list[Path]:
    """Move the partition files under ``written`` (``year=Y/month=M/*.parquet``) into ``store``.

    Parameters
    ----------
    written : Path
        Output folder of a partitioned ``COPY`` (outside or inside the store's file system).
    store : Path

    Returns
    -------
    list of Path
        The new files in the store.
    """
    recover_store(store)
    moves: list[tuple[str, str]] = []
    token = uuid.uuid4().hex
    for index, source in enumerate(sorted(written.glob("year=*/month=*/*.parquet"))):
        folder = store / source.parent.relative_to(written)
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"part-{token}-{index:05d}.parquet"
        pending = final.with_name(final.stem + _PENDING)
        shutil.copyfile(source, pending)  # a copy: the staging folder may be on another disk
        with open(pending, "rb+") as handle:
            os.fsync(handle.fileno())
        moves.append((str(pending.relative_to(store)), str(final.relative_to(store))))
    if not moves:
        return []
    manifest = store / f"{_MANIFEST}{token}.json"
    write_text_atomic(manifest, json.dumps(moves))  # the commit point
    _finish(store, manifest)
    return [store / final for _, final in moves]


def _finish(store: Path, manifest: Path) -> None:
    for pending, final in json.loads(manifest.read_text(encoding="utf-8")):
        if (store / pending).exists():
            os.replace(store / pending, store / final)
    manifest.unlink()


def recover_store(store: Path) -> None:
    """Finish committed appends a crash interrupted and delete uncommitted partition files."""
    if not store.is_dir():
        return
    for manifest in sorted(store.glob(f"{_MANIFEST}*.json")):
        _finish(store, manifest)
    for pending in store.glob(f"year=*/month=*/*{_PENDING}"):
        pending.unlink()
    for temp in store.glob(".*.tmp-*"):  # a manifest whose atomic write was cut short
        temp.unlink(missing_ok=True)
