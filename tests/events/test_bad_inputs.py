"""Hostile inputs, one table: each either fails whole with a DataError naming the file, or is
read with an exact quarantine (count and reasons) and a balanced row account.

The text inputs live in ``tests/bad_inputs/`` (written for these tests in the genuine
layouts); archives, zeroed data and symlinks are built from them in ``tmp_path``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from forecast.errors import DataError, MissingInputError
from forecast.events import ingest
from forecast.events.sources import load_panel

BAD = Path(__file__).resolve().parents[1] / "bad_inputs"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GDELT2 = FIXTURES / "gdelt2" / "20200101120000.export.CSV"


def _gdelt2_lines(n: int, start: int = 1) -> bytes:
    """``n`` valid GDELT 2.0 lines (ids from ``start``), from the fixture's first line."""
    template = GDELT2.read_bytes().split(b"\n", 1)[0].split(b"\t")
    return b"".join(b"\t".join([str(start + i).encode(), *template[1:]]) + b"\n" for i in range(n))


def _truncated_gz(tmp: Path) -> Path:
    data = gzip.compress(_gdelt2_lines(200))
    path = tmp / "20200101120000.export.CSV.gz"
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_zip(tmp: Path) -> Path:
    whole = tmp / "whole.zip"
    with zipfile.ZipFile(whole, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("20200101120000.export.CSV", _gdelt2_lines(200))
    path = tmp / "20200101120000.export.CSV.zip"
    path.write_bytes(whole.read_bytes()[:300])
    whole.unlink()
    return path


def _corrupt_zip_member(tmp: Path) -> Path:
    path = tmp / "20200101120000.export.CSV.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("20200101120000.export.CSV", _gdelt2_lines(50))
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the stored member: its CRC no longer matches
    path.write_bytes(bytes(data))
    return path


def _zeros_between_lines(tmp: Path) -> Path:
    """Two good lines around 50 MB of NUL bytes without a line break (a zeroed disk block)."""
    path = tmp / "zeroed.export.CSV"
    with open(path, "wb") as handle:
        handle.write(_gdelt2_lines(1, start=1))
        chunk = bytes(1 << 20)
        for _ in range(50):
            handle.write(chunk)
        handle.write(b"\n" + _gdelt2_lines(1, start=2))
    return path


def _zeros_only(tmp: Path) -> Path:
    path = tmp / "zeros.export.CSV"
    with open(path, "wb") as handle:
        handle.truncate(50 << 20)  # a sparse file of 50 MB of zeros
    return path


def _long_line(tmp: Path) -> Path:
    """A 200 kB line (a runaway URL) between two good ones, read with a 64 KiB limit."""
    path = tmp / "long.export.CSV"
    line = _gdelt2_lines(1, start=2).rstrip(b"\n") + b"x" * 200_000 + b"\n"
    path.write_bytes(_gdelt2_lines(1, start=1) + line + _gdelt2_lines(1, start=3))
    return path


def _tidy_huge_field(tmp: Path) -> Path:
    """A hand-coded table whose second record has a 200 kB field (over the csv module's limit)."""
    path = tmp / "hand.csv"
    path.write_text(f"event_id,date,cameo_code\ne1,2022-02-04,042\ne2,2022-02-04,{'x' * 200_000}\ne3,2022-02-05,043\n")
    return path


def _self_symlink(tmp: Path) -> Path:
    folder = tmp / "raw"
    folder.mkdir()
    (folder / "20200101120000.export.CSV").write_bytes(GDELT2.read_bytes())
    (folder / "self").symlink_to(folder, target_is_directory=True)
    (folder / "again.export.CSV").symlink_to(folder / "20200101120000.export.CSV")
    return folder / "**"


def _two_links_loop(tmp: Path) -> list[str]:
    """Two folders linking to each other, and the same file given three ways."""
    a, b = tmp / "a", tmp / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.export.CSV").write_bytes(_gdelt2_lines(5))
    (a / "to_b").symlink_to(b, target_is_directory=True)
    (b / "to_a").symlink_to(a, target_is_directory=True)
    return [str(tmp / "**" / "*.CSV"), str(a / "x.export.CSV"), str(b / "to_a" / "x.export.CSV")]


def _mixed_formats(tmp: Path) -> list[Path]:
    return [GDELT2, FIXTURES / "icews" / "events.2018.fixture.tab"]


def _unknown_parquet(tmp: Path) -> Path:
    path = tmp / "table.parquet"
    pd.DataFrame({"a": [1], "b": ["x"]}).to_parquet(path)
    return path


@dataclass
class Case:
    """One hostile input and what must come of it.

    ``error`` is a message fragment (the DataError must name the input as well); otherwise
    ``counts`` are ``(read, accepted, quarantined, duplicate)`` and ``reasons`` the
    quarantine's reason kinds (text before ':') with their counts.
    """

    name: str
    path: Callable[[Path], Any]
    options: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    names: str | None = None  # the text the error must contain to name the file (default: the input's name)
    counts: tuple[int, int, int, int] | None = None
    reasons: dict[str, int] = field(default_factory=dict)
    error_type: type[DataError] = DataError  # the exact type raised


def _bad(name: str) -> Callable[[Path], Path]:
    return lambda tmp: BAD / name


CASES = [
    Case(
        "far-future and far-past GDELT dates",
        _bad("gdelt2_dates_out_of_range.export.CSV"),
        counts=(5, 2, 3, 0),
        reasons={"date out of range": 3},
    ),
    Case(
        "one unparseable GDELT field per row",
        _bad("gdelt2_bad_fields.export.CSV"),
        counts=(10, 2, 8, 0),
        reasons={
            "bad date": 2,
            "bad id": 1,
            "CAMEO code '…' lost its leading zero (expected '…'); read codes as strings": 1,
            "unknown CAMEO code '…'": 1,
            "bad QuadClass '…'": 1,
            "bad GoldsteinScale '…'": 2,  # 'x' and '11': one kind, whatever the value
        },
    ),
    Case(
        "bad bytes and shapes",
        _bad("gdelt2_bad_bytes.export.CSV"),
        counts=(7, 2, 5, 0),
        reasons={
            "undecodable bytes (not UTF-8)": 1,
            "carriage return inside the line": 1,
            "NUL byte inside the line (binary or zeroed data)": 1,
            "wrong column count": 2,
        },
    ),
    Case("57/58/61 columns in one file (auto)", _bad("gdelt_mixed_widths.export.CSV"), counts=(7, 7, 0, 0)),
    Case(
        "57/58/61 columns in one file (gdelt)",
        _bad("gdelt_mixed_widths.export.CSV"),
        {"format": "gdelt"},
        counts=(7, 7, 0, 0),
    ),
    Case(
        "ICEWS bad rows",
        _bad("icews_bad_rows.tab"),
        counts=(5, 2, 3, 0),
        reasons={
            "bad date": 1,
            "missing Event ID": 1,
            "CAMEO code '…' lost its leading zero (expected '…'); read codes as strings": 1,
        },
    ),
    Case(
        "negative panel count",
        _bad("panel_negative.csv"),
        counts=(3, 2, 1, 0),
        reasons={"negative count": 1},
    ),
    Case(
        "50 MB of NUL bytes between two lines",
        _zeros_between_lines,
        {"format": "gdelt2", "max_line_bytes": 1 << 16, "block_bytes": 1 << 20},
        counts=(3, 2, 1, 0),
        reasons={"line too long": 1},
    ),
    Case(
        "a 200 kB line",
        _long_line,
        {"max_line_bytes": 1 << 16},
        counts=(3, 2, 1, 0),
        reasons={"line too long": 1},
    ),
    Case(
        "tidy field over the csv limit",
        _tidy_huge_field,
        {"format": "events"},
        counts=(3, 2, 1, 0),
        reasons={"unreadable CSV record": 1},
    ),
    Case(
        "dir/** through a self-symlink",  # the fixture's own 4 bad rows and 1 repeated id, counted once
        _self_symlink,
        counts=(12, 7, 4, 1),
        reasons={
            "CAMEO code '…' lost its leading zero (expected '…'); read codes as strings": 1,
            "bad date": 1,
            "undecodable bytes (not UTF-8)": 1,
            "wrong column count": 1,
        },
    ),
    Case("folders linking to each other", _two_links_loop, counts=(5, 5, 0, 0)),
    *(
        Case(
            f"JSON Lines with bad lines ({fmt or 'auto'})",  # BOM, CRLF, blank lines, no final newline
            _bad("tidy_bad_lines.jsonl"),
            {"format": fmt} if fmt else {},
            counts=(9, 2, 6, 1),  # 11 lines, 2 blank; e1 twice
            reasons={
                "wrong type": 1,
                "malformed JSON": 1,
                "not a JSON object": 1,
                "missing required field(s) ['…']": 1,
                "undecodable bytes (not UTF-8)": 1,
                "CAMEO code '…' lost its leading zero (expected '…'); read codes as strings": 1,
            },
        )
        for fmt in (None, "events")
    ),
    # whole-input faults
    Case("every row bad", _bad("gdelt2_all_bad.export.CSV"), error="no row accepted (gdelt2): 4 read, 4 quarantined"),
    Case(
        "only NUL bytes (format given)",
        _zeros_only,
        {"format": "gdelt2", "max_line_bytes": 1 << 16, "block_bytes": 1 << 20},
        error="1 read, 1 quarantined. Top reasons: 1 x line too long",
    ),
    Case("only NUL bytes (auto)", _zeros_only, error="no line break in the first 65536 bytes (NUL bytes"),
    Case("empty file (auto)", _bad("empty.export.CSV"), error="empty input"),
    Case("empty file (format given)", _bad("empty.export.CSV"), {"format": "gdelt2"}, error="no data rows"),
    Case("blank lines only", _bad("blank_lines.export.CSV"), error="only blank lines"),
    Case("truncated .gz", _truncated_gz, error="truncated or corrupt gzip file"),
    Case("truncated .zip", _truncated_zip, error="truncated or corrupt zip archive"),
    Case("corrupt .zip member", _corrupt_zip_member, error="truncated or corrupt zip archive (Bad CRC-32"),
    Case(
        "ICEWS without a column",
        _bad("icews_missing_intensity.tab"),
        error="missing column(s) ['Intensity']",
    ),
    Case(
        "ICEWS without a column (format given)",
        _bad("icews_missing_intensity.tab"),
        {"format": "icews"},
        error="missing column(s) ['Intensity']",
    ),
    Case(
        "tidy table without cameo_code",
        _bad("tidy_missing_code.csv"),
        {"format": "events"},
        error="missing required column(s) ['cameo_code']",
    ),
    Case("not an event file", _bad("notes.txt"), error="cannot tell the format from the first line"),
    Case("parquet of unknown columns", _unknown_parquet, error="match neither a tidy event table"),
    Case("inputs of two formats", _mixed_formats, error="inputs hold different formats", names="icews (e.g."),
    Case("path matching nothing", lambda tmp: tmp / "nothing" / "*.CSV", error="no input matches", names="nothing",
         error_type=MissingInputError),
]


def _named(case: Case, path: Any) -> str:
    if case.names is not None:
        return case.names
    first = path[0] if isinstance(path, list) else path
    return Path(first).name.replace("**", "") or Path(first).parent.name


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input(case: Case, tmp_path: Path) -> None:
    source = tmp_path / "in"
    source.mkdir()
    path = case.path(source)
    out = tmp_path / "out"
    if case.error is not None:
        with pytest.raises(DataError) as caught:
            ingest(path, out, **case.options)
        assert type(caught.value) is case.error_type
        message = str(caught.value)
        assert case.error in message and _named(case, path) in message, message
        return
    summary = ingest(path, out, **case.options)
    quarantine = pd.read_parquet(out / "quarantine.parquet")
    read, accepted, quarantined, duplicate = case.counts
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"], summary["rows_duplicate"]) == (
        read,
        accepted,
        quarantined,
        duplicate,
    )
    for entry in summary["files"].values():  # the identity holds per input file too
        assert entry["rows_read"] == entry["rows_accepted"] + entry["rows_quarantined"] + entry["rows_duplicate"]
    assert summary["quarantine_reasons"] == case.reasons
    assert len(quarantine) == quarantined and quarantine["line"].notna().all()


def test_zero_accepted_writes_evidence_not_events(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ingest(GDELT2, out)  # an older, good ingest in the same folder
    with pytest.raises(DataError, match=r"Top reasons: 2 x date out of range; 1 x CAMEO code '…' lost its leading zero"):
        ingest(BAD / "gdelt2_all_bad.export.CSV", out)
    assert sorted(p.name for p in out.iterdir()) == ["ingest_summary.json", "quarantine.parquet"]
    summary = json.loads((out / "ingest_summary.json").read_text())
    assert summary["rows_accepted"] == 0 and summary["quarantine_reasons"]["date out of range"] == 2
    assert len(pd.read_parquet(out / "quarantine.parquet")) == 4


def test_long_line_keeps_a_bounded_raw(tmp_path: Path) -> None:
    path = _zeros_between_lines(tmp_path)
    ingest(path, tmp_path / "out", format="gdelt2", max_line_bytes=1 << 16, block_bytes=1 << 20)
    row = pd.read_parquet(tmp_path / "out" / "quarantine.parquet").iloc[0]
    assert row["line"] == 2 and row["reason"] == (
        f"line too long: {50 << 20} bytes, more than max_line_bytes=65536 (raise data.max_line_bytes if it is genuine)"
    )
    assert len(row["raw"]) == 1 << 16 and set(row["raw"]) == {"\x00"}


def test_symlinked_file_is_read_once_under_its_first_name(tmp_path: Path) -> None:
    pattern = _self_symlink(tmp_path)
    summary = ingest(pattern, tmp_path / "out")
    assert list(summary["files"]) == [str(tmp_path / "raw" / "20200101120000.export.CSV")]


def test_negative_panel_count_names_file_and_line() -> None:
    with pytest.raises(DataError, match=r"panel_negative.csv line 3: negative count: y = '-3'"):
        load_panel(BAD / "panel_negative.csv")


def test_irregular_panel_names_the_series_that_skips() -> None:
    with pytest.raises(DataError) as caught:
        load_panel(BAD / "panel_irregular.csv")
    message = str(caught.value)
    assert "panel_irregular.csv line 8: series 'B' goes from 2022-02-01 to 2022-04-01" in message
    assert "series.span" not in message


def test_mixed_gdelt_versions_give_the_same_bytes_every_time(tmp_path: Path) -> None:
    """GDELT 1.0 and 2.0 together go through the dedup copy; its output order is fixed."""
    inputs = [FIXTURES / "gdelt1", FIXTURES / "gdelt2", BAD / "gdelt_mixed_widths.export.CSV"]
    digests = set()
    for run in range(4):
        ingest(inputs, tmp_path / f"run{run}", format="gdelt")
        digests.add(hashlib.sha256((tmp_path / f"run{run}" / "events.parquet").read_bytes()).hexdigest())
    assert len(digests) == 1


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_dangling_symlink_is_named(tmp_path: Path) -> None:
    (tmp_path / "gone.export.CSV").symlink_to(tmp_path / "missing.export.CSV")
    with pytest.raises(DataError, match="no input matches .*gone.export.CSV"):
        ingest(tmp_path / "gone.export.CSV", tmp_path / "out")
