"""ingest() bookkeeping on small hand-counted inputs: the summary's counts per input and in
total, quarantine reasons, the messages when nothing is accepted, which outputs a run
leaves (file vs store, events vs panel), reader options, and :func:`read_events`.

A "scripted" format (the registry's extension point, as in ``test_registry.py``) replays
hand-made reader batches, so every count below is known before the run; the real readers
are used where a real file shows the behaviour.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.errors import ArgumentError, DataError, MissingInputError
from forecast.events import ingest, read_events
from forecast.events.readers import registry
from forecast.events.readers._finish import Batch, arrow_schema
from forecast.events.readers.base import QUARANTINE_COLUMNS
from forecast.events.schema import EventTableError
from forecast.progress import progress_mode

MODULE = sys.modules["forecast.events.ingest"]  # the package exports the function under the same name


# --- a format that replays hand-made batches ------------------------------------------------


def _replay(path: object, *, batches: Sequence[Batch]) -> Iterator[Batch]:
    yield from batches


@pytest.fixture
def scripted() -> Iterator[registry.FormatSpec]:
    # arrow_batches: ingest(validate=True) checks each batch with the arrow event schema
    spec = registry.register(registry.FormatSpec("scripted", _replay, reads="paths", arrow_batches=True))
    try:
        yield spec
    finally:
        registry.unregister("scripted")


def _events(rows: Sequence[tuple], quad_class: int = 1) -> pa.Table:
    """Events from ``(dedup_key, source_file, source_line, source_actor, source_country,
    target_actor, target_country)`` tuples; the other columns are a valid CAMEO 042 event."""
    n = len(rows)
    key, file, line, s_actor, s_country, t_actor, t_country = (list(c) for c in zip(*rows)) if n else [[]] * 7
    columns = {
        "event_id": key,
        "date": [pd.Timestamp("2021-03-01")] * n,
        "source_actor": s_actor,
        "source_country": s_country,
        "source_sector": ["state" if c else None for c in s_country],
        "target_actor": t_actor,
        "target_country": t_country,
        "target_sector": ["state" if c else None for c in t_country],
        "cameo_code": ["042"] * n,
        "root_code": ["04"] * n,
        "quad_class": [quad_class] * n,
        "goldstein": [1.9] * n,
        "source_dataset": ["scripted"] * n,
        "count": [1] * n,
        "dedup_key": key,
        "source_file": file,
        "source_line": line,
    }
    return pa.table(columns, schema=arrow_schema())


def _rejected(file: str, reasons: Sequence[str], first_line: int = 1, raw: str | None = "raw") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": file,
            "line": range(first_line, first_line + len(reasons)),
            "reason": list(reasons),
            "raw": [raw] * len(reasons),
        },
        columns=list(QUARANTINE_COLUMNS),
    )


def _batch(file: str, events: pa.Table, rejected: pd.DataFrame | None = None, duplicates: int = 0,
           rows_read: int | None = None) -> Batch:
    rejected = _rejected(file, []) if rejected is None else rejected
    n = events.num_rows + len(rejected) + duplicates if rows_read is None else rows_read
    return Batch(file=file, rows_read=n, events=events, quarantine=rejected, duplicates=duplicates)


def _two_inputs() -> list[Batch]:
    """Input ``set`` (two members, two blocks) and input ``b.txt`` (every row rejected).

    set, block 1: 4 rows = k1, k2 staged, 1 quarantined, 1 dropped by the reader.
    set, block 2: 3 rows = k3 and k1 again staged, 1 quarantined.
    b.txt:        2 rows, both quarantined.
    So set: read 7, quarantined 2, accepted 3 (k1, k2, k3), duplicate 2 (one by the
    reader, the second k1 by deduplication); b.txt: read 2, quarantined 2.
    """
    first = _events([
        ("k1", "set/train.txt", 1, "Xi Jinping", "CHN", "Putin", "RUS"),
        ("k2", "set/train.txt", 2, "Somebody", None, None, None),
    ])
    second = _events([
        ("k3", "set/valid.txt", 1, "Merkel", "DEU", "Nobody known", None),
        ("k1", "set/valid.txt", 2, "Xi Jinping", "CHN", "Putin", "RUS"),
    ])
    return [
        _batch("set", first, _rejected("set", ["bad date: '2021-02-30'"], 3), duplicates=1),
        _batch("set", second, _rejected("set", ["line too long: 9 bytes: skipped"], 3)),
        _batch("b.txt", _events([]), _rejected("b.txt", ["unknown CAMEO code '999'", "missing CAMEO code"])),
    ]


# --- the summary's accounting -----------------------------------------------------------------


def test_summary_counts_every_block_of_every_input(scripted, tmp_path: Path) -> None:
    summary = ingest(["set", "b.txt"], tmp_path / "out", format="scripted", batches=_two_inputs())
    assert summary["inputs"] == ["set", "b.txt"]
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")] == [9, 3, 4, 2]
    # rows of set/train.txt and set/valid.txt count for the input "set" they were read from
    assert summary["files"] == {
        "set": {"rows_read": 7, "rows_quarantined": 2, "rows_duplicate": 2, "rows_accepted": 3},
        "b.txt": {"rows_read": 2, "rows_quarantined": 2, "rows_duplicate": 0, "rows_accepted": 0},
    }
    # the kind of a reason is its text before the first ':', quoted values masked
    assert summary["quarantine_reasons"] == {
        "bad date": 1, "line too long": 1, "missing CAMEO code": 1, "unknown CAMEO code '…'": 1,
    }
    # named actor slots of k1, k2, k3: 2 + 1 + 2 = 5; unresolved: k2's source, k3's target
    assert summary["unresolved_actor_rate"] == {"scripted": 0.4}
    # ... and the names behind it, most slots first, ties by name
    assert summary["unresolved_actors"] == {"scripted": [["Nobody known", 1], ["Somebody", 1]]}
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert events[["dedup_key", "source_file", "source_line"]].values.tolist() == [
        ["k1", "set/train.txt", 1], ["k2", "set/train.txt", 2], ["k3", "set/valid.txt", 1],
    ]
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")
    assert quarantine[["file", "line"]].values.tolist() == [["set", 3], ["set", 3], ["b.txt", 1], ["b.txt", 2]]


def test_tkg_sets_count_their_member_files_and_collapsed_rows(fixtures_dir: Path, tmp_path: Path) -> None:
    # Each copy of tkg_ingest: train.txt has 8 lines (line 3 repeats line 1: collapsed by the
    # reader; lines 6-8 quarantined), valid.txt 1 accepted line: 9 read, 5 accepted.
    sets = [tmp_path / "setA", tmp_path / "setB"]
    for folder in sets:
        shutil.copytree(fixtures_dir / "tkg_ingest", folder)
    # setB's valid line a day later: a byte-identical copy would be the same set (its rows duplicates)
    (sets[1] / "valid.txt").write_text("0\t0\t4\t96\t0\n")
    summary = ingest(sets, tmp_path / "out", start_date="2018-01-01", time_unit="hour", duplicates="collapse")
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")] == [18, 10, 6, 2]
    one_set = {"rows_read": 9, "rows_quarantined": 3, "rows_duplicate": 1, "rows_accepted": 5}
    assert summary["files"] == {str(sets[0]): one_set, str(sets[1]): one_set}
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert events["source_file"].value_counts().to_dict() == {
        str(sets[0] / "train.txt"): 4, str(sets[0] / "valid.txt"): 1,
        str(sets[1] / "train.txt"): 4, str(sets[1] / "valid.txt"): 1,
    }


def _gdelt_file(fixtures_dir: Path, path: Path, ids: Sequence[str], long_id: str, bad_after: str) -> None:
    """GDELT 2.0 lines with ``ids``; ``long_id``'s source URL is 300 bytes longer; a 3-field
    line follows ``bad_after``."""
    template = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].split(b"\t")
    lines = []
    for i in ids:
        fields = [i.encode(), *template[1:]]
        if i == long_id:
            fields[-1] += b"?" + b"x" * 300
        lines.append(b"\t".join(fields))
        if i == bad_after:
            lines.append(b"1\t2\t3")
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_block_and_line_limits_reach_the_reader(
    fixtures_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "20200101000000.export.CSV"
    _gdelt_file(fixtures_dir, path, ["1", "2", "3", "4", "5", "6"], long_id="5", bad_after="2")
    blocks: list[int] = []
    real = MODULE.iter_batches

    def counted(*args, **kwargs):
        for batch in real(*args, **kwargs):
            blocks.append(batch.rows_read)
            yield batch

    monkeypatch.setattr(MODULE, "iter_batches", counted)
    with progress_mode("always"):
        summary = ingest(path, tmp_path / "out", block_bytes=64, max_line_bytes=400)
    # a block is whole lines of about 64 bytes: each 200-byte line alone, the 5-byte line
    # with the line before it
    assert blocks == [1, 2, 1, 1, 1, 1]
    # the 3-field line 3 and line 6 (199 + 301 bytes) are quarantined
    assert summary["files"] == {
        str(path): {"rows_read": 7, "rows_quarantined": 2, "rows_duplicate": 0, "rows_accepted": 5}
    }
    assert (summary["rows_read"], summary["rows_quarantined"]) == (7, 2)
    assert summary["quarantine_reasons"] == {"line too long": 1, "wrong column count": 1}
    reasons = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")[["line", "reason"]].values.tolist()
    assert reasons[0][0] == 3 and reasons[0][1].startswith("wrong column count")
    assert reasons[1] == [6, "line too long: 500 bytes, more than max_line_bytes=400 (raise data.max_line_bytes "
                              "if it is genuine)"]
    bar = capsys.readouterr().err
    assert "ingest gdelt2: " in bar and re.search(r" \d+block \[", bar)  # the bar names the format, counts blocks
    # with the defaults the long line is fine and the file is one block
    blocks.clear()
    summary = ingest(path, tmp_path / "out2")
    assert blocks == [7]
    assert (summary["rows_accepted"], summary["rows_quarantined"]) == (6, 1)


def test_reader_accounting_is_checked_and_a_failed_run_leaves_nothing(scripted, tmp_path: Path) -> None:
    # 3 rows read but only 1 event + 1 quarantined row come out: a reader bug, named with its file
    broken = _batch("x.txt", _events([("k1", "x.txt", 1, None, None, None, None)]),
                    _rejected("x.txt", ["bad date: ''"], 2), rows_read=3)
    with pytest.raises(AssertionError) as err:
        ingest("x.txt", tmp_path / "out", format="scripted", batches=[broken])
    assert str(err.value) == (
        "x.txt: reader accounting broken: read 3, events 1, quarantined 1, duplicates 0. Please report this file."
    )
    assert list((tmp_path / "out").iterdir()) == []  # the staging folder is removed


def test_the_summary_check_refuses_lost_rows() -> None:
    tally = MODULE._Tally(rows_read=5, rows_quarantined=1)  # 5 read, 1 quarantined, 2 accepted: 2 lost
    written = {"per_file": {"a": 2}, "unresolved": {}, "unresolved_actors": {}}
    with pytest.raises(AssertionError, match="^row accounting broken: .*'rows_read': 5"):
        MODULE._summary("a", "scripted", tally, SimpleNamespace(rows=2), written)


def test_arrow_batches_are_validated_unless_switched_off(scripted, tmp_path: Path) -> None:
    def bad() -> list[Batch]:  # quad class 9 does not exist: a reader bug the arrow check must catch
        return [_batch("bad.txt", _events([("k1", "bad.txt", 1, "A", "CHN", "B", "RUS")], quad_class=9))]

    with pytest.raises(EventTableError, match=r"^bad\.txt: a batch built by the reader failed the event schema"):
        ingest("bad.txt", tmp_path / "a", format="scripted", batches=bad())
    summary = ingest("bad.txt", tmp_path / "b", format="scripted", batches=bad(), validate=False)
    assert summary["rows_accepted"] == 1


# --- quarantine reasons and the message when nothing is accepted -------------------------------


def test_nothing_accepted_reports_the_top_reasons_and_keeps_the_evidence(scripted, tmp_path: Path) -> None:
    # 12 kinds of reason, 20 rows: 5, 3, 3 and nine kinds of 1; ties are listed by name,
    # whatever order they arrive in, and only the ten most common kinds are kept.
    reasons = (
        ["wrong column count: 12 of 58"] * 3
        + [f"reason {k:02d}: detail: more" for k in range(9, 0, -1)]
        + ["unknown CAMEO code: '999'"] * 5
        + ["date out of range: 22630101"] * 3
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "events.parquet").write_bytes(b"an older run's event table")
    (out / "panel.parquet").write_bytes(b"an older run's panel")
    batches = [_batch("in.txt", _events([]), _rejected("in.txt", reasons, raw=None))]  # no raw text kept
    with pytest.raises(DataError) as err:
        ingest("in.txt", out, format="scripted", batches=batches)
    assert str(err.value) == (
        "in.txt: no row accepted (scripted): 20 read, 20 quarantined. Top reasons: 5 x unknown CAMEO code; "
        "3 x date out of range; 3 x wrong column count. Fix the input or choose the right data format; "
        f"every rejected row is in {out / 'quarantine.parquet'}."
    )
    assert sorted(p.name for p in out.iterdir()) == ["ingest_summary.json", "quarantine.parquet"]
    summary = json.loads((out / "ingest_summary.json").read_text())
    assert list(summary["quarantine_reasons"].items()) == [
        ("unknown CAMEO code", 5), ("date out of range", 3), ("wrong column count", 3),
        *[(f"reason {k:02d}", 1) for k in range(1, 8)],
    ]
    assert summary["outputs"] == {"events": None, "quarantine": str(out / "quarantine.parquet")}
    quarantine = pd.read_parquet(out / "quarantine.parquet")
    assert len(quarantine) == 20 and quarantine["raw"].isna().all()
    assert pq.read_schema(out / "quarantine.parquet").field("raw").type == pa.string()


def test_nothing_accepted_names_several_inputs_and_empty_inputs(scripted, fixtures_dir: Path, tmp_path: Path) -> None:
    batches = [_batch("a.txt", _events([]), _rejected("a.txt", ["bad date: ''"])),
               _batch("b.txt", _events([]), _rejected("b.txt", ["bad date: 'x'"]))]
    with pytest.raises(DataError, match=r"^2 inputs: no row accepted \(scripted\): 2 read, 2 quarantined\. "
                                        r"Top reasons: 2 x bad date\. "):
        ingest(["a.txt", "b.txt"], tmp_path / "a", format="scripted", batches=batches)
    header_only = tmp_path / "events.tab"
    header_only.write_bytes((fixtures_dir / "icews" / "events.2018.fixture.tab").read_bytes().split(b"\n")[0] + b"\n")
    with pytest.raises(DataError) as err:
        ingest(header_only, tmp_path / "b")
    assert str(err.value) == f"{header_only}: no data rows (icews): the input holds only blank or header lines."


# --- which outputs a run leaves -------------------------------------------------------------------


def _marker(folder: Path) -> list[str]:
    return sorted(json.loads((folder / "_SUCCESS").read_text())["outputs"])


def test_panels_with_different_columns_and_the_kind_of_output(fixtures_dir: Path, tmp_path: Path) -> None:
    # dyad_month.csv: 7 rows with metadata columns source, family: 3 accepted, 3 quarantined
    # (y = 'abc', no unique_id, a bad date), 1 repeating an earlier (unique_id, ds);
    # dyad_year.csv: 40 rows, no metadata. Different columns: staged as two parts.
    # (The repeat makes deduplication copy rows out of both parts.)
    folder = tmp_path / "panels"
    folder.mkdir()
    shutil.copy(fixtures_dir / "panel" / "dyad_month.csv", folder)
    shutil.copy(fixtures_dir / "panel_yearly" / "dyad_year.csv", folder)
    out = tmp_path / "out"
    summary = ingest(folder, out, format="panel")
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")] == [47, 43, 3, 1]
    assert summary["outputs"]["events"] == str(out / "panel.parquet")
    assert summary["unresolved_actor_rate"] == summary["unresolved_actors"] == {}  # a panel has no actors
    assert _marker(out) == ["ingest_summary.json", "panel.parquet", "quarantine.parquet"]
    panel = pd.read_parquet(out / "panel.parquet")
    assert len(panel) == 43
    assert {"source", "family"} <= set(panel.columns)
    assert panel.groupby(panel["source"].isna())["source_file"].first().to_dict() == {
        False: str(folder / "dyad_month.csv"), True: str(folder / "dyad_year.csv"),
    }
    # an events run in the same folder replaces the panel, and the other way round
    ingest(fixtures_dir / "icews", out)
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "events.parquet", "ingest_summary.json",
                                                     "quarantine.parquet"]
    ingest(folder, out, format="panel")
    assert sorted(p.name for p in out.iterdir()) == ["_SUCCESS", "ingest_summary.json", "panel.parquet",
                                                     "quarantine.parquet"]


def test_store_and_file_outputs_with_quotes_in_paths(fixtures_dir: Path, tmp_path: Path) -> None:
    # the gdelt2 fixture: 12 rows, 4 quarantined, 1 repeated id -> 7 accepted
    store = tmp_path / "o'store"
    out = tmp_path / "it's" / "new" / "run"  # parents do not exist yet
    first = ingest(fixtures_dir / "gdelt2", out)
    assert (first["rows_accepted"], first["rows_duplicate"]) == (7, 1)
    assert len(pd.read_parquet(out / "events.parquet")) == 7
    assert _marker(out) == ["events.parquet", "ingest_summary.json", "quarantine.parquet"]
    # the same folder, now appending to a store: the event table is the store's, not the folder's
    summary = ingest(fixtures_dir / "gdelt2", out, store=store)
    assert summary["outputs"] == {"events": str(store), "quarantine": str(out / "quarantine.parquet")}
    assert (summary["rows_accepted"], summary["rows_duplicate"]) == (7, 1)
    assert _marker(out) == ["ingest_summary.json", "quarantine.parquet"]
    assert not (out / "events.parquet").exists()
    again = ingest(fixtures_dir / "gdelt2", out, store=store)  # everything already in the store
    assert (again["rows_accepted"], again["rows_duplicate"]) == (0, 8)
    assert len(pd.read_parquet(store)) == 7


def test_summary_file_and_event_file_encoding(fixtures_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "20200101000000.export.CSV"
    _gdelt_file(fixtures_dir, path, ["1", "2", "3"], long_id="", bad_after="")  # no repeat: staged file kept
    summary = ingest(path, tmp_path / "out")
    text = (tmp_path / "out" / "ingest_summary.json").read_text()
    assert json.loads(text) == summary
    assert text.splitlines()[:2] == ["{", '  "format": "gdelt2",'] and text.endswith("}\n")  # readable
    metadata = pq.ParquetFile(tmp_path / "out" / "events.parquet").metadata
    assert {metadata.row_group(0).column(i).compression for i in range(metadata.num_columns)} == {"ZSTD"}


def test_panel_refuses_a_store(fixtures_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ArgumentError) as err:
        ingest(fixtures_dir / "panel", tmp_path, store=tmp_path / "store")
    assert str(err.value) == "store: a panel is written to panel.parquet; the partitioned store holds events only."
    assert err.value.argument == "store"


# --- read_events ----------------------------------------------------------------------------------


def test_read_events_returns_the_accounting_and_canonical_dtypes(scripted, fixtures_dir: Path) -> None:
    result = read_events(["set", "b.txt"], format="scripted", batches=_two_inputs())
    assert (result.rows_read, result.rows_duplicate, len(result.events), len(result.quarantine)) == (9, 2, 3, 4)
    assert result.unresolved == {"scripted": 0.4}
    assert result.events["quad_class"].dtype == "Int8"  # canonical dtypes, not arrow's int8
    panel = read_events(fixtures_dir / "panel", format="panel").events
    assert len(panel) == 3 and panel["y"].dtype == "float64"


def test_read_events_failures(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("1\t2\t3\n")
    # read as the format given (auto-detection would refuse the file), nothing accepted; the
    # temporary quarantine is gone, so the message does not point at it
    with pytest.raises(DataError) as err:
        read_events(garbage, format="gdelt2")
    assert str(err.value) == (
        f"{garbage}: no row accepted (gdelt2): 1 read, 1 quarantined. Top reasons: 1 x wrong column count. Fix the "
        "input or choose the right data format; run forecast-ingest on it to see every rejected row in "
        "quarantine.parquet."
    )
    missing = tmp_path / "nothing-here.CSV"
    with pytest.raises(MissingInputError, match="nothing-here"):  # raised as is: no summary was written
        read_events(missing, format="gdelt2")


# --- the staging writer's key order ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocks", "increasing"),
    [
        ([["", "a", "b"], ["aa"]], True),  # shortlex: the empty key first, shorter before longer
        ([["a", "b"], ["b"]], False),  # a repeat across blocks
        ([["b", "a"]], False),
        ([["a", None, "c"]], False),  # a null key inside a block: nothing is known
        ([[None, "a"]], False),
        ([["a", None]], False),
    ],
)
def test_stage_follows_whether_keys_increase(tmp_path: Path, blocks: list[list], increasing: bool) -> None:
    stage = MODULE._Stage(tmp_path)
    for keys in blocks:
        stage.write(pa.table({"dedup_key": pa.array(keys, pa.string())}))
    stage.close()
    assert stage.keys_increasing is increasing
    assert stage.rows == sum(map(len, blocks))
    assert len(stage.parts) == 1 and pq.read_table(stage.parts[0])["dedup_key"].to_pylist() == sum(blocks, [])


def test_reason_kinds_do_not_split_by_value(fixtures_dir: Path, tmp_path: Path) -> None:
    # 12 rows with 12 different out-of-range GoldsteinScale values and 3 Latin-1 rows with the
    # bad byte at 3 different offsets: two kinds holding all 15 rows, not 15 kinds of one row
    # of which the summary's top ten would show ten.
    good = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].split(b"\t")
    lines = []
    for k in range(12):
        fields = list(good)
        fields[0], fields[30] = str(910000000 + k).encode(), str(11 + k).encode()
        lines.append(b"\t".join(fields))
    for k in range(3):
        fields = list(good)
        fields[0], fields[6] = str(920000000 + k).encode(), b"NAME " + b"x" * k + b"\xe9"  # Latin-1 e-acute
        lines.append(b"\t".join(fields))
    lines.append(b"\t".join(good))
    path = tmp_path / "values.export.CSV"
    path.write_bytes(b"\n".join(lines) + b"\n")
    summary = ingest(path, tmp_path / "out", format="gdelt2")
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"]) == (16, 1, 15)
    assert summary["quarantine_reasons"] == {"bad GoldsteinScale '…'": 12, "undecodable bytes (not UTF-8)": 3}
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine.parquet").sort_values("line")
    assert quarantine["reason"].iloc[0] == "bad GoldsteinScale '11'"  # the file keeps each row's own value
    # 0-based offset of the byte: 9 + 8 + 6 + 4 + 9 + 3 characters and 6 tabs, then "NAME "
    assert quarantine["reason"].iloc[12] == "undecodable bytes (not UTF-8): at byte 50; re-encode the file as UTF-8"


def test_folders_inside_a_folder_input_are_named_as_not_read(
    fixtures_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # the gdelt2 fixture holds 12 data rows; a second copy sits one folder down
    data = tmp_path / "data"
    (data / "more").mkdir(parents=True)
    (data / ".cache").mkdir()  # a dot folder, as glob's '*' skips it: not worth a warning
    fixture = fixtures_dir / "gdelt2" / "20200101120000.export.CSV"
    shutil.copy(fixture, data)
    shutil.copy(fixture, data / "more" / "20200101130000.export.CSV")
    with caplog.at_level("WARNING", logger="forecast.events.ingest"):
        summary = ingest(data, tmp_path / "out")
    assert summary["rows_read"] == 12 and summary["folders_not_read"] == [str(data / "more")]
    assert [r.getMessage() for r in caplog.records] == [
        f"1 folder(s) inside the input folder are not read ({data / 'more'}): a folder gives only the files "
        "directly inside it; add them to data.path or give a glob such as '<folder>/**/*'."
    ]
    caplog.clear()
    deeper = ingest(str(data / "**" / "*"), tmp_path / "out2")  # the glob reads the copy too
    assert deeper["rows_read"] == 24 and deeper["folders_not_read"] == [] and not caplog.records
    # a TKG set is read as a whole folder by its reader, which knows its member files
    shutil.copytree(fixtures_dir / "tkg_ingest", tmp_path / "tkg")
    (tmp_path / "tkg" / "notes").mkdir()
    tkg = ingest(tmp_path / "tkg", tmp_path / "out3", start_date="2018-01-01", time_unit="hour")
    assert tkg["rows_read"] == 9 and tkg["folders_not_read"] == [] and not caplog.records


def test_a_header_only_event_table_says_it_has_no_events_and_what_to_do(tmp_path: Path) -> None:
    # forecast-code-text on an article without events writes the header alone: as for every
    # reader, an ingest that accepts nothing fails, but the message says why and what to do.
    header_only = tmp_path / "coded.csv"
    header_only.write_text("event_id,date,source_actor,target_actor,cameo_code,source_dataset,count,doc_id\n")
    with pytest.raises(DataError) as err:
        ingest(header_only, tmp_path / "out")
    assert str(err.value) == (
        f"{header_only}: no data rows (events): the input holds only blank or header lines. A header and no "
        "events (e.g. forecast-code-text on text without events) is nothing to ingest: leave the file out, "
        "or code more text."
    )
