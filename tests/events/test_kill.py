"""A killed ingest or store append leaves the folder or store as it was, or complete.

A subprocess ingests a generated GDELT 2.0 file large enough to take a few seconds and is
killed with SIGKILL at several points of its run (reading, deduplicating, committing);
the folder (or store) must then pass :func:`forecast.io.check_success` with either the old
or the new outputs, and the next ingest or append must work and count exactly.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pytest

import forecast.events.store as store_module
import forecast.io as io_module
from forecast.events import ingest
from forecast.events.store import recover_store, store_files
from forecast.io import SUCCESS, check_success

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GDELT2 = FIXTURES / "gdelt2" / "20200101120000.export.CSV"


def write_gdelt2(path: Path, n_rows: int, first_id: int = 1, days: int = 720) -> Path:
    """``n_rows`` valid GDELT 2.0 lines with increasing ids, dates spread over ``days`` days."""
    template = GDELT2.read_bytes().split(b"\n", 1)[0].split(b"\t")
    rest = b"\t".join(template[2:])
    offsets = np.arange(n_rows) * days // n_rows
    dates = (np.datetime64("2016-01-01") + offsets.astype("timedelta64[D]")).astype(str)
    with open(path, "wb") as handle:
        for start in range(0, n_rows, 100_000):
            stop = min(n_rows, start + 100_000)
            handle.write(
                b"".join(
                    b"%d\t%s\t%s\n" % (first_id + i, dates[i].replace("-", "").encode(), rest)
                    for i in range(start, stop)
                )
            )
    return path


def _kill_during(args: list[str], watch: Path, delay: float) -> int:
    """Start ``ingest(*args)`` in a subprocess; SIGKILL it ``delay`` s after ``watch`` gets a staging folder."""
    code = "import sys, json; from forecast.events import ingest; a = json.loads(sys.argv[1]); ingest(*a[:2], **a[2])"
    proc = subprocess.Popen([sys.executable, "-c", code, json.dumps(args)])
    deadline = time.monotonic() + 120
    while proc.poll() is None and not any(watch.glob("_staging-*")) and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(delay)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    return proc.wait()


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.8, 2.5, 6.0])
def test_killed_ingest_leaves_old_or_new_outputs(tmp_path: Path, delay: float) -> None:
    big = write_gdelt2(tmp_path / "big.export.CSV", 400_000)
    out = tmp_path / "out"
    ingest(GDELT2, out)
    old = check_success(out)
    _kill_during([str(big), str(out), {}], out, delay)
    outputs = check_success(out)  # finishes a committed move, refuses anything partial
    summary = json.loads((out / "ingest_summary.json").read_text())
    assert outputs == old or (summary["rows_read"], summary["rows_accepted"]) == (400_000, 400_000)
    assert sorted(p.name for p in out.iterdir()) == sorted([SUCCESS, *outputs])  # no staging, no temp file
    after = ingest(GDELT2, out)
    assert (after["rows_read"], after["rows_accepted"]) == (12, 7) and check_success(out) != {}


def _store_rows(store: Path) -> int:
    files = [str(p) for p in store_files(store)]
    return duckdb.sql(f"SELECT count(*) FROM read_parquet({files})").fetchall()[0][0] if files else 0


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.5, 4.0, 8.0])
def test_killed_store_append_leaves_store_whole(tmp_path: Path, delay: float) -> None:
    store = tmp_path / "store"
    ingest(write_gdelt2(tmp_path / "first.export.CSV", 1_000, days=60), tmp_path / "run0", store=store)
    big = write_gdelt2(tmp_path / "big.export.CSV", 300_000, first_id=10_000)
    _kill_during([str(big), str(tmp_path / "run1"), {"store": str(store)}], tmp_path / "run1", delay)
    # whatever the kill point, every committed file reads back and holds the old rows or all of them
    assert _store_rows(store) in (1_000, 301_000)
    summary = ingest(big, tmp_path / "run2", store=store)
    assert summary["rows_accepted"] + summary["rows_duplicate"] == 300_000
    assert _store_rows(store) == 301_000
    assert not list(store.rglob("*.pending")) and not list(store.glob("_append-*"))


@pytest.mark.slow
def test_million_row_append_streams_within_the_default_memory_limit(tmp_path: Path) -> None:
    big = write_gdelt2(tmp_path / "big.export.CSV", 1_000_000, days=2000)
    store = tmp_path / "store"
    first = ingest(big, tmp_path / "run1", store=store)  # memory_limit: the default, 128MB
    assert first["rows_accepted"] == 1_000_000
    again = ingest(big, tmp_path / "run2", store=store)
    assert (again["rows_accepted"], again["rows_duplicate"]) == (0, 1_000_000)
    assert _store_rows(store) == 1_000_000
    assert len({p.parent for p in store_files(store)}) == 66  # one folder per month of the 2000 days


class _Crash(BaseException):
    """Stands for SIGKILL inside the process: nothing after it runs, no cleanup is caught."""


def _crash_after(monkeypatch: pytest.MonkeyPatch, module: object, moves: int) -> None:
    """Make ``module.os.replace`` die after ``moves`` renames (the process "killed" mid-commit)."""
    real = os.replace
    done = []

    class _Os:
        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

        @staticmethod
        def replace(src: object, dst: object) -> None:
            if len(done) == moves:
                raise _Crash()
            done.append(dst)
            real(src, dst)

    monkeypatch.setattr(module, "os", _Os())


# Renames of an ingest: summary and _SUCCESS into the staging folder (0, 1), the _COMMIT
# manifest (2), then events, summary, quarantine and _SUCCESS into the folder (3-6).
@pytest.mark.parametrize("moves", [0, 1, 2, 3, 4, 5, 6])
def test_commit_cut_at_every_rename_is_finished_by_the_next_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moves: int
) -> None:
    out = tmp_path / "out"
    ingest(GDELT2, out)
    old = check_success(out)
    new_input = write_gdelt2(tmp_path / "new.export.CSV", 50)
    _crash_after(monkeypatch, io_module, moves)
    with pytest.raises(_Crash):
        ingest(new_input, out)
    monkeypatch.undo()
    outputs = check_success(out)
    summary = json.loads((out / "ingest_summary.json").read_text())
    if moves <= 2:  # died before the manifest: the folder is untouched
        assert outputs == old and summary["rows_read"] == 12
    else:  # the manifest was written: the next check completes the move
        assert summary["rows_read"] == 50 and outputs != old
    assert not list(out.glob("_staging-*")) and not list(out.glob(".*"))


@pytest.mark.parametrize("moves", [0, 1, 2])
def test_store_append_cut_at_every_rename_is_finished_or_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, moves: int
) -> None:
    store = tmp_path / "store"
    ingest(write_gdelt2(tmp_path / "a.export.CSV", 100, days=30), tmp_path / "run0", store=store)
    new_input = write_gdelt2(tmp_path / "b.export.CSV", 100, first_id=1_000, days=90)  # three months
    _crash_after(monkeypatch, store_module, moves)
    with pytest.raises(_Crash):
        ingest(new_input, tmp_path / "run1", store=store)
    monkeypatch.undo()
    # cut after the manifest: a reader sees the renamed partitions until recovery completes the rest
    assert 100 + 33 * moves <= _store_rows(store) < 200 and list(store.glob("_append-*"))
    recover_store(store)  # what every append does first
    assert _store_rows(store) == 200 and not list(store.glob("_append-*")) and not list(store.rglob("*.pending"))
    summary = ingest(new_input, tmp_path / "run2", store=store)
    assert summary["rows_accepted"] + summary["rows_duplicate"] == 100 and _store_rows(store) == 200
