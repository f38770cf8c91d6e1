"""Atomic outputs: a file appears whole or not at all, a folder is complete or marked not.

Every writer puts its bytes under a temporary name in the target's own folder and renames
it into place (a rename within one file system is atomic), so a killed process leaves the
old file or the new one, never half of one. A run folder holds a ``_SUCCESS`` marker,
written last, listing its outputs with their sha256; :func:`check_success` refuses a folder
without it. Outputs that must change together are staged in a ``_staging-*`` sub-folder and
moved by :func:`commit_folder`, which writes a ``_COMMIT`` manifest first: a crash before
it leaves the folder untouched, a crash after it is finished by :func:`recover_folder` on
the next run (or check).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from forecast.errors import DataError

SUCCESS = "_SUCCESS"
"""Name of the marker a complete folder holds."""
COMMIT = "_COMMIT"
"""Manifest of a staged folder whose moves have begun (the commit point)."""
STAGING_PREFIX = "_staging-"
TEMP_MARK = ".tmp-"


@contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Give a temporary path next to ``path``; rename it to ``path`` when the block succeeds.

    Parameters
    ----------
    path : str or Path
        The final file.

    Yields
    ------
    Path
        Where to write (same folder, hidden name). On an exception it is removed and
        ``path`` is left as it was.
    """
    path = Path(path)
    temp = path.with_name(f".{path.name}{TEMP_MARK}{uuid.uuid4().hex}")
    try:
        yield temp
        with open(temp, "rb+") as handle:  # the bytes reach the disk before the name does
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def write_parquet_atomic(table: pa.Table, path: str | Path, **options: Any) -> Path:
    """Write ``table`` to ``path`` atomically (``options`` as for :func:`pyarrow.parquet.write_table`)."""
    with atomic_write(path) as temp:
        pq.write_table(table, temp, **options)
    return Path(path)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path) as temp:
        temp.write_text(text, encoding="utf-8")
    return Path(path)


def sha256(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB pieces."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def write_success(folder: str | Path, outputs: Sequence[str | Path]) -> Path:
    """Mark ``folder`` complete: ``_SUCCESS`` lists each output (relative name) and its sha256.

    Parameters
    ----------
    folder : str or Path
    outputs : sequence of str or Path
        Files inside ``folder`` (relative or absolute).

    Returns
    -------
    Path
        The marker.
    """
    folder = Path(folder)
    hashes = {}
    for output in outputs:
        name = Path(output).relative_to(folder) if Path(output).is_absolute() else Path(output)
        hashes[name.as_posix()] = sha256(folder / name)
    return write_text_atomic(folder / SUCCESS, json.dumps({"outputs": hashes}, indent=2, sort_keys=True) + "\n")


def folder_outputs(folder: str | Path) -> list[Path]:
    """Every file of a run folder a marker vouches for: all but logs, Hydra's own record and markers."""
    folder = Path(folder)
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix != ".log"
        and ".hydra" not in path.relative_to(folder).parts
        and path.name not in (SUCCESS, COMMIT)
        and not path.relative_to(folder).parts[0].startswith(STAGING_PREFIX)
    )


def check_success(folder: str | Path, rebuilt: Sequence[str] = ()) -> dict[str, str]:
    """The outputs of a complete folder (name -> sha256); finishes a committed, interrupted move first.

    Parameters
    ----------
    folder : str or Path
    rebuilt : sequence of str
        Outputs the caller is about to rebuild from the others (``report.md``): they may be
        missing or changed.

    Raises
    ------
    DataError
        When ``folder`` has no ``_SUCCESS`` (the run that writes it failed or was killed), or
        a listed output is missing or changed since.
    """
    folder = Path(folder)
    recover_folder(folder)
    marker = folder / SUCCESS
    if not marker.is_file():
        raise DataError(
            f"{folder}: no {SUCCESS} marker, so the run that writes this folder failed or was interrupted; "
            "run it again (its log says why it stopped)."
        )
    outputs: dict[str, str] = json.loads(marker.read_text(encoding="utf-8"))["outputs"]
    for name, digest in outputs.items():
        if name in rebuilt:
            continue
        path = folder / name
        if not path.is_file():
            raise DataError(f"{folder}: {name} is listed in {SUCCESS} but missing; run the step again.")
        if sha256(path) != digest:
            raise DataError(f"{path}: changed since {SUCCESS} was written (sha256 differs); run the step again.")
    return outputs


def staging_folder(folder: str | Path) -> Path:
    """A new, empty staging folder inside ``folder`` (same file system: moves are renames)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=folder))


def commit_folder(staging: Path, folder: Path, remove: Sequence[str] = ()) -> None:
    """Move every file of ``staging`` into ``folder``, ``_SUCCESS`` last, and delete ``staging``.

    Parameters
    ----------
    staging : Path
        A folder from :func:`staging_folder` holding the finished outputs (flat).
    folder : Path
        The destination.
    remove : sequence of str
        Files of ``folder`` the new state does not have (old outputs of another kind).

    The ``_COMMIT`` manifest written first is the commit point: from then on
    :func:`recover_folder` completes the moves if this process dies.
    """
    names = sorted(p.name for p in staging.iterdir() if p.is_file() and p.name != SUCCESS)
    manifest = {"move": names, "success": (staging / SUCCESS).is_file(), "remove": list(remove)}
    write_text_atomic(staging / COMMIT, json.dumps(manifest))
    _finish_commit(staging, folder, manifest)


def _finish_commit(staging: Path, folder: Path, manifest: dict[str, Any]) -> None:
    if not manifest["success"] or (staging / SUCCESS).exists():
        (folder / SUCCESS).unlink(missing_ok=True)  # the folder is incomplete until the new marker lands
    for name in manifest["remove"]:
        (folder / name).unlink(missing_ok=True)
    for name in manifest["move"]:
        if (staging / name).exists():
            os.replace(staging / name, folder / name)
    if manifest["success"] and (staging / SUCCESS).exists():
        os.replace(staging / SUCCESS, folder / SUCCESS)
    shutil.rmtree(staging, ignore_errors=True)


def recover_folder(folder: str | Path) -> None:
    """Finish or discard what a killed writer left in ``folder``.

    A staging folder with a ``_COMMIT`` manifest is moved into place (the writer had
    finished); any other staging folder, and any temporary file of :func:`atomic_write`,
    is deleted.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    for staging in sorted(folder.glob(f"{STAGING_PREFIX}*")):
        manifest = staging / COMMIT
        if manifest.is_file():
            _finish_commit(staging, folder, json.loads(manifest.read_text(encoding="utf-8")))
        else:
            shutil.rmtree(staging, ignore_errors=True)
    for temp in folder.glob(f".*{TEMP_MARK}*"):
        temp.unlink(missing_ok=True)
