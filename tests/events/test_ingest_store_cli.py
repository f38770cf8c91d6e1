"""ingest(): the partitioned store with append, re-ingest, and the forecast-ingest CLI."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from forecast.cli import CONF_DIR
from forecast.cli.ingest import run_from_config, run_ingest
from forecast.errors import DataError
from forecast.events import ingest


def _store_rows(store: Path) -> pd.DataFrame:
    return pd.read_parquet(store)  # pyarrow reads year=/month= partitions as columns


def test_store_append_and_reingest(fixtures_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    gdelt = fixtures_dir / "gdelt2"
    first = ingest(gdelt, tmp_path / "run1", store=store)
    assert (first["rows_read"], first["rows_accepted"], first["rows_duplicate"]) == (12, 7, 1)
    parts = sorted(p.relative_to(store).parts[:2] for p in store.glob("**/*.parquet"))
    assert ("year=2019", "month=12") in parts and ("year=2020", "month=1") in parts
    # the same file again: everything already in the store is a duplicate, nothing is added
    again = ingest(gdelt, tmp_path / "run2", store=store)
    assert (again["rows_accepted"], again["rows_quarantined"], again["rows_duplicate"]) == (0, 4, 8)
    assert len(_store_rows(store)) == 7
    # a new daily file appends
    new = tmp_path / "new" / "20200102000000.export.CSV"
    new.parent.mkdir()
    lines = (gdelt / "20200101120000.export.CSV").read_bytes().split(b"\n")[:2]
    new.write_bytes(b"\n".join(line.replace(b"90000000", b"91000000", 1) for line in lines) + b"\n")
    added = ingest(new, tmp_path / "run3", store=store)
    assert added["rows_accepted"] == 2
    assert len(_store_rows(store)) == 9


def test_summary_and_outputs(fixtures_dir: Path, tmp_path: Path) -> None:
    summary = ingest(fixtures_dir / "icews", tmp_path)
    on_disk = json.loads((tmp_path / "ingest_summary.json").read_text())
    assert on_disk == summary
    assert summary["rows_read"] == summary["rows_accepted"] + summary["rows_quarantined"] + summary["rows_duplicate"]
    ((label, per_file),) = summary["files"].items()
    assert per_file == {"rows_read": 12, "rows_quarantined": 4, "rows_duplicate": 1, "rows_accepted": 7}
    quarantine = pd.read_parquet(tmp_path / "quarantine.parquet")
    assert list(quarantine.columns) == ["file", "line", "reason", "raw"]
    assert quarantine["line"].tolist() == sorted(quarantine["line"])
    assert len(pd.read_parquet(tmp_path / "events.parquet")) == 7
    assert not list(tmp_path.glob("_staging-*"))  # staging is cleaned up


def test_all_rows_bad_fails_but_keeps_the_quarantine(tmp_path: Path) -> None:
    bad = tmp_path / "in" / "bad.export.CSV"
    bad.parent.mkdir()
    bad.write_text("1\t2\t3\n")
    with pytest.raises(DataError, match="no row accepted .* 1 read, 1 quarantined. Top reasons: 1 x wrong column count"):
        ingest(bad, tmp_path / "out", format="gdelt2")
    summary = json.loads((tmp_path / "out" / "ingest_summary.json").read_text())
    assert (summary["rows_read"], summary["rows_quarantined"], summary["rows_accepted"]) == (1, 1, 0)
    assert len(pd.read_parquet(tmp_path / "out" / "quarantine.parquet")) == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["ingest_summary.json", "quarantine.parquet"]


def test_run_ingest_typed(fixtures_dir: Path, tmp_path: Path) -> None:
    summary = run_ingest(
        str(fixtures_dir / "tkg_ingest"),
        tmp_path,
        format="icews_tkg",
        options={"start_date": "2018-01-01", "time_unit": "hour", "duplicates": "collapse"},
    )
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"]) == (9, 5, 1)


@pytest.mark.parametrize("group", ["auto", "gdelt", "gdelt1", "gdelt2", "icews", "icews_tkg", "polecat", "events", "panel"])
def test_every_data_config_composes(group: str) -> None:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=[f"data={group}", "data.path=x"])
    assert cfg.data.format == group and cfg.data.path == "x"


def test_data_gdelt_reads_both_versions(fixtures_dir: Path, tmp_path: Path) -> None:
    # docs/ingest.md lists data=gdelt for GDELT 1.0 and 2.0 together; it was no config option.
    paths = f"[{fixtures_dir / 'gdelt1'},{fixtures_dir / 'gdelt2'}]"
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=["data=gdelt", f"data.path={paths}"])
    summary = run_from_config(cfg, tmp_path)
    # gdelt1/events_mixed.tsv: 6 lines (57, 57, 58, 58, 58, 61 fields), line 5 a bad date;
    # gdelt2's export: 12 rows and a blank line 13; lines 8, 9, 11, 12 quarantined (lost zero,
    # bad date, 40 fields, Latin-1), line 10 repeats the id of line 1: 7 accepted.
    assert summary["format"] == "gdelt"
    assert summary["files"][str(fixtures_dir / "gdelt1" / "events_mixed.tsv")] == {
        "rows_read": 6, "rows_quarantined": 1, "rows_duplicate": 0, "rows_accepted": 5,
    }
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"], summary["rows_duplicate"]) == (
        18, 12, 5, 1,
    )


def test_cli_config_runs(fixtures_dir: Path, tmp_path: Path) -> None:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=["data=gdelt2", f"data.path={fixtures_dir / 'gdelt2'}/*.CSV"])
    summary = run_from_config(cfg, tmp_path)
    assert summary["format"] == "gdelt2" and summary["rows_accepted"] == 7
    assert {p.name for p in tmp_path.iterdir()} == {"events.parquet", "quarantine.parquet", "ingest_summary.json", "_SUCCESS"}


@pytest.mark.parametrize("group", ["auto", "gdelt", "gdelt1", "gdelt2", "icews", "polecat"])
def test_data_max_line_bytes_is_a_config_key_of_the_line_formats(group: str) -> None:
    # The "line too long" reason says "raise data.max_line_bytes"; that override was "no such config key".
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=[f"data={group}", "data.path=x"])
    assert cfg.data.max_line_bytes == 1 << 20  # docs/ingest.md: default 1 MiB


def test_data_max_line_bytes_override_quarantines_longer_lines(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[:2]
    path = tmp_path / "in" / "20200101120000.export.CSV"
    path.parent.mkdir()
    path.write_bytes(b"\n".join([*lines, b"x" * 499]) + b"\n")  # line 3: 499 bytes
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="ingest", overrides=["data=gdelt2", f"data.path={path}", "data.max_line_bytes=400"])
    summary = run_from_config(cfg, tmp_path / "out")
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"]) == (3, 2, 1)
    reasons = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")[["line", "reason"]].values.tolist()
    assert reasons == [[3, "line too long: 499 bytes, more than max_line_bytes=400 (raise data.max_line_bytes if it is genuine)"]]


def test_cli_command_line(fixtures_dir: Path, tmp_path: Path) -> None:
    """The real entry point, as a user types it."""
    import subprocess
    import sys

    run_dir = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "forecast.cli.ingest",
            "data=icews",
            f"data.path={fixtures_dir / 'icews'}",
            f"hydra.run.dir={run_dir}",
        ],
        capture_output=True,
        text=True,
        cwd=Path(CONF_DIR).parent,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((run_dir / "ingest_summary.json").read_text())["rows_accepted"] == 7
    assert (run_dir / "events.parquet").exists() and (run_dir / "quarantine.parquet").exists()


@pytest.mark.parametrize(("mode", "bar", "code"), [("always", True, 0), ("never", False, 0), ("sometimes", False, 2)])
def test_cli_progress_key(fixtures_dir: Path, tmp_path: Path, mode: str, bar: bool, code: int) -> None:
    """``progress=`` works for forecast-ingest as for forecast-run (stderr is a pipe here: auto shows none)."""
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "forecast.cli.ingest", "data=icews", f"data.path={fixtures_dir / 'icews'}",
         f"hydra.run.dir={tmp_path / 'run'}", f"progress={mode}"],
        capture_output=True, text=True, cwd=tmp_path, env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == code, proc.stderr
    assert ("ingest icews" in proc.stderr) is bar, proc.stderr
    if code:
        assert proc.stderr.strip().splitlines() == [
            "forecast-ingest: error: progress: must be one of ['auto', 'always', 'never'], got 'sometimes'."
        ]


def test_panel_refuses_store(fixtures_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="store holds events only"):
        ingest(fixtures_dir / "panel", tmp_path, store=tmp_path / "store")


@pytest.mark.parametrize("block_bytes", [700, 1 << 20])  # one line per block, or one block
@pytest.mark.parametrize(
    ("files", "accepted", "increasing"),
    [
        ([[8, 9, 10, 11]], 4, True),  # increasing across a change of digit count: nothing to search
        ([[9, 10, 9]], 2, False),  # a repeat after an increase
        ([[7, 7]], 1, False),
        ([[5, 6], [6, 7]], 3, False),  # a repeat across files
        ([[12], [3]], 2, False),  # decreasing across files, no repeat
    ],
)
def test_dedup_with_and_without_increasing_ids(
    fixtures_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    files: list[list[int]],
    accepted: int,
    increasing: bool,
    block_bytes: int,
) -> None:
    module = sys.modules["forecast.events.ingest"]  # the package exports the function under the same name
    seen: list[bool] = []
    deduplicate = module._deduplicate
    monkeypatch.setattr(
        module, "_deduplicate", lambda stage, *args: seen.append(stage.keys_increasing) or deduplicate(stage, *args)
    )
    line = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0]
    folder = tmp_path / "in"
    folder.mkdir()
    for k, ids in enumerate(files):
        rows = [str(i).encode() + line[line.index(b"\t") :] for i in ids]
        (folder / f"2020010{k + 1}000000.export.CSV").write_bytes(b"\n".join(rows) + b"\n")
    summary = ingest(folder, tmp_path / "out", format="gdelt2", block_bytes=block_bytes)
    n_rows = sum(map(len, files))
    counts = (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"])
    assert counts == (n_rows, accepted, n_rows - accepted)
    assert seen == [increasing]
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert sorted(events["event_id"].astype(int)) == sorted(set(i for ids in files for i in ids))
