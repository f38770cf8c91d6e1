"""Format readers at their edges: option values no default uses, dedup keys, id maps, chunk
boundaries, header checks, reason precedence and null handling (tidy, TKG, GDELT, ICEWS,
POLECAT, panel). Every expected value is counted by hand from the rows written here."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.errors import ArgumentError, DataError
from forecast.events.readers import gdelt as gdelt_module
from forecast.events.readers._finish import REPEATED_HEADER, empty_event_table
from forecast.events.readers._stream import InputFile
from forecast.events.readers.gdelt import GDELT1_COLUMNS, GDELT2_COLUMNS, _distinct_rows, iter_gdelt
from forecast.events.readers.icews import ICEWS_COLUMNS, iter_icews
from forecast.events.readers.panel import iter_panel
from forecast.events.readers.polecat import POLECAT_COLUMNS, iter_polecat
from forecast.events.readers.tidy import iter_table_chunks, iter_tidy
from forecast.events.readers.tkg import iter_tkg, read_tkg


def _read(batches) -> tuple[dict, pd.DataFrame, list]:
    """Events (column -> values), the quarantine, and the batches of a reader run."""
    batches = list(batches)
    events = pa.concat_tables([b.events for b in batches]).to_pydict() if batches else {}
    quarantine = pd.concat([b.quarantine for b in batches], ignore_index=True) if batches else pd.DataFrame()
    return events, quarantine, batches


def _reasons(quarantine: pd.DataFrame) -> dict[int, str]:
    return dict(zip(quarantine["line"].tolist(), quarantine["reason"].tolist()))


# --------------------------------------------------------------------------------------
# Tidy tables
# --------------------------------------------------------------------------------------


def test_tidy_actors_dates_and_blank_codes(tmp_path: Path) -> None:
    # A UTF-8 BOM before the header (Excel's CSV), dates in two spellings, actors given.
    path = tmp_path / "hand.csv"
    path.write_bytes(
        "\ufeffdate,cameo_code,source_actor,target_actor,source_country,target_country\n"
        "2020-01-05,042,Ministry A,Ministry B,CHN,RUS\n"  # 2
        "06 Jan 2020,043,Ministry C,,CHN,RUS\n"  # 3 another date spelling; a blank target actor
        "2020-01-07,,Ministry D,Ministry E,CHN,RUS\n"  # 4 blank code
        "2020-01-08,  ,Ministry D,Ministry E,CHN,RUS\n"  # 5 a code of spaces is blank too
        '2020-01-09,044,"Line one\r\nline two",Ministry E,CHN,RUS\r\n'  # 6-7 a quoted CRLF is kept as is
        "2020-01-10,045,Ministry F,Ministry E,CHN,RUS\n".encode()  # 8
    )
    events, quarantine, batches = _read(iter_tidy([InputFile(path)]))
    assert events["date"] == [pd.Timestamp(f"2020-01-{d:02d}") for d in (5, 6, 9, 10)]
    assert events["source_actor"] == ["Ministry A", "Ministry C", "Line one\r\nline two", "Ministry F"]
    assert events["target_actor"] == ["Ministry B", None, "Ministry E", "Ministry E"]
    assert events["event_id"] == ["hand:2", "hand:3", "hand:6", "hand:8"]
    assert events["dedup_key"] == ["hand:hand:2", "hand:hand:3", "hand:hand:6", "hand:hand:8"]
    assert events["count"] == [1, 1, 1, 1] and events["source_line"] == [2, 3, 6, 8]
    assert _reasons(quarantine) == {4: "missing CAMEO code", 5: "missing CAMEO code"}
    assert quarantine["file"].tolist() == [str(path)] * 2
    assert quarantine["raw"].tolist()[0] == (
        "date=2020-01-07 | cameo_code= | source_actor=Ministry D | target_actor=Ministry E | "
        "source_country=CHN | target_country=RUS"
    )
    assert sum(b.rows_read for b in batches) == 6


_DATES = ["13/02/2018", "01/02/2018", "02/13/2018", "05/05/2018", "2018-02-01T23:30:00-05:00", "2018-02-01T10:00:00Z",
          "2018-02-01", "13.02.18", "31/04/2018"]
"""Lines 2-10 of the date tables below."""


def _dated(path: Path, header: str, row: str) -> Path:
    path.write_text(header + "\n" + "".join(row.format(d) + "\n" for d in _DATES))
    return path


@pytest.mark.parametrize(
    ("dayfirst", "expected", "ambiguous"),
    [
        # each value decides its own order: 13/02 and 02/13 are 13 Feb; 01/02 could be 1 Feb or 2 Jan
        (None, ["2018-02-13", None, "2018-02-13", "2018-05-05", "2018-02-02 04:30", "2018-02-01 10:00", "2018-02-01",
                "2018-02-13", None], {3}),  # line 3
        # given, the order holds for every row: 02/13/2018 has no month 13
        (True, ["2018-02-13", "2018-02-01", None, "2018-05-05", "2018-02-02 04:30", "2018-02-01 10:00", "2018-02-01",
                "2018-02-13", None], set()),
        (False, [None, "2018-01-02", "2018-02-13", "2018-05-05", "2018-02-02 04:30", "2018-02-01 10:00", "2018-02-01",
                 None, None], set()),
    ],
)
def test_tidy_and_panel_dates_follow_one_rule_per_file(tmp_path: Path, dayfirst, expected, ambiguous) -> None:
    # pandas' per-value guessing read 13/02/2018 as 13 Feb and 01/02/2018 as 2 Jan in one
    # column, and a time-zone offset was a traceback (tz-aware and naive values mixed).
    tidy = _dated(tmp_path / "t.csv", "date,cameo_code,source_country,target_country", "{},042,CHN,RUS")
    panel = _dated(tmp_path / "p.csv", "unique_id,ds,y", "A-{0},{0},1")
    for reader, path in ((iter_tidy, tidy), (iter_panel, panel)):
        events, quarantine, _ = _read(reader([InputFile(path)], dayfirst=dayfirst))
        column = "date" if reader is iter_tidy else "ds"
        lines = events["source_line"]
        got = {line: value for line, value in zip(lines, events[column])}
        want = {line: pd.Timestamp(v) for line, v in zip(range(2, 11), expected) if v is not None}
        assert got == want, reader
        reasons = _reasons(quarantine)
        assert {line for line, r in reasons.items() if r.startswith("ambiguous date: ")} == ambiguous
        assert set(reasons) == {line for line, v in zip(range(2, 11), expected) if v is None}
    if dayfirst is None:
        (reason,) = [r for r in _reasons(quarantine).values() if r.startswith("ambiguous")]
        assert reason == (
            "ambiguous date: '01/02/2018' reads as day/month and as month/day; write YYYY-MM-DD, or set "
            "data.dayfirst=true (d/m/Y) or data.dayfirst=false (m/d/Y) for the whole file"
        )


def test_tidy_chunks_cut_on_rows_read_bad_rows_included(tmp_path: Path) -> None:
    # chunk_rows counts accepted and refused rows: rows 2-7 in chunks of two, each chunk's
    # refused row reported with its chunk (a wrong width, then undecodable bytes 0x80 and 0xff).
    path = tmp_path / "chunks.csv"
    path.write_bytes(
        b"date,cameo_code,source_country,target_country\n"
        b"2020-01-01,042,CHN,RUS\n"  # 2
        b"2020-01-01,042,CHN\n"  # 3 three fields
        b"2020-01-02,042,CHN,RUS\n"  # 4
        b"2020-01-02,042,\x80CHN,RUS\n"  # 5 the lowest byte that is never UTF-8 on its own
        b"2020-01-03,042,\xffCHN,RUS\n"  # 6 the highest
        b"2020-01-03,042,CHN,RUS\n"  # 7
    )
    events, quarantine, batches = _read(iter_tidy([InputFile(path)], chunk_rows=2))
    assert [b.rows_read for b in batches] == [2, 2, 2]
    assert [b.events.num_rows for b in batches] == [1, 1, 1]
    assert [_reasons(b.quarantine) for b in batches] == [
        {3: "wrong column count: 3 fields, expected 4"},
        {5: "undecodable bytes (not UTF-8)"},
        {6: "undecodable bytes (not UTF-8)"},
    ]
    assert quarantine["raw"].tolist()[1:] == ["2020-01-02,042,\\x80CHN,RUS", "2020-01-03,042,\\xffCHN,RUS"]
    assert events["source_line"] == [2, 4, 7]


def test_tidy_unreadable_csv_record_keeps_the_line_count(tmp_path: Path) -> None:
    # A field over the csv module's limit (131072 characters) fails that record only; the
    # lines after it keep their numbers.
    path = tmp_path / "huge.csv"
    path.write_text(
        "date,cameo_code,source_actor\n"
        "2020-01-01,042,a\n"  # 2
        f'2020-01-01,042,"{"x" * 140_000}"\n'  # 3
        "2020-01-02,042,b\n"  # 4
        "2020-01-03,042,c\n"  # 5
    )
    ((frame, bad),) = list(iter_table_chunks(InputFile(path)))
    assert frame["line"].tolist() == [2, 4, 5]
    assert frame["source_actor"].tolist() == ["a", "b", "c"]
    assert bad["line"].tolist() == [3]
    assert bad["reason"].str.startswith("unreadable CSV record: field larger than field limit").tolist() == [True]
    assert bad["raw"].tolist() == [""]


def test_tidy_parquet_lines_count_across_batches_and_inside_a_zip(tmp_path: Path) -> None:
    table = pa.table({"date": ["2020-01-0%d" % d for d in range(1, 6)], "cameo_code": ["042"] * 5})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path)
    chunks = list(iter_table_chunks(InputFile(path), chunk_rows=2))
    assert [c[0]["line"].tolist() for c in chunks] == [[1, 2], [3, 4], [5]]
    archive = tmp_path / "events.zip"
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("inner/events.parquet", buffer.getvalue())
    events, _, _ = _read(iter_tidy([InputFile(archive, "inner/events.parquet")], chunk_rows=2))
    assert events["source_line"] == [1, 2, 3, 4, 5]
    assert events["source_dataset"] == ["events"] * 5  # the member's stem
    assert events["source_file"] == [f"{archive}:inner/events.parquet"] * 5


# --------------------------------------------------------------------------------------
# TKG sets
# --------------------------------------------------------------------------------------

_ENTITIES = "China\t0\nRussia\t1\nNA\t2\n007\t3\nSmith, John\t4\n\"Quoted\t5\n"
_RELATIONS = "Make a visit\t0\nHost a visit\t1\nTalk about the weather\t2\n"


def _tkg(folder: Path, splits: dict[str, str], entities: str = _ENTITIES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entity2id.txt").write_text(entities)
    (folder / "relation2id.txt").write_text(_RELATIONS)
    for split, text in splits.items():
        (folder / f"{split}.txt").write_bytes(text.encode("latin-1"))
    return folder


def test_tkg_id_maps_keep_names_verbatim(tmp_path: Path) -> None:
    # "NA" is a name, not a missing value; "007" stays a string; commas and a lone quote
    # are part of names (the maps are tab-separated and unquoted).
    folder = _tkg(tmp_path / "names", {"train": "2\t0\t3\t0\n4\t1\t5\t0\n"})
    result = read_tkg(folder, start_date="2018-01-01")
    assert result.events["source_actor"].tolist() == ["NA", "Smith, John"]
    assert result.events["target_actor"].tolist() == ["007", '"Quoted']
    assert result.rows_quarantined == 0


def test_tkg_defaults_are_days_and_keep(tmp_path: Path) -> None:
    # Without time_unit and duplicates: times count days and an exact repeat is kept.
    folder = _tkg(tmp_path / "icews_x", {"train": "0\t0\t1\t0\n0\t0\t1\t0\n0\t0\t1\t3\n"})
    result = read_tkg(folder, start_date="2018-01-01")
    assert result.events["date"].tolist() == [pd.Timestamp("2018-01-01")] * 2 + [pd.Timestamp("2018-01-04")]
    assert result.events["count"].tolist() == [1, 1, 1]
    assert result.rows_duplicate == 0
    assert result.events["source_dataset"].unique().tolist() == ["icews_x"]
    assert result.events["source_file"].tolist() == [str(folder / "train.txt")] * 3
    assert result.events["dedup_key"].tolist() == ["icews_x:train:1", "icews_x:train:2", "icews_x:train:3"]
    assert result.unresolved == {"icews_x": 0.0}
    (batch,) = list(iter_tkg(folder, start_date="2018-01-01"))
    assert (batch.rows_read, batch.events.num_rows, batch.duplicates, batch.file) == (3, 3, 0, str(folder))
    assert batch.events.to_pydict()["dedup_key"] == ["icews_x:train:1", "icews_x:train:2", "icews_x:train:3"]


def test_tkg_split_lines_and_quarantine_details(tmp_path: Path) -> None:
    splits = {
        "train": (
            "0\t0\t1\t0\n"  # 1
            "\n"  # 2 blank: skipped, the rest still read
            "0\t1\t1\t0\t\xff\n"  # 3 undecodable bytes in the ignored fifth field
            "0 0 1 0\n"  # 4 spaces are no separator
            "0\t0\t1\n"  # 5
            "0\t9\t1\t0\n"  # 6 unknown relation id
            "0\t2\t9\t0\n"  # 7 unknown entity wins over the relation text
            "0\t2\t1\t0\n"  # 8 a relation that is no CAMEO event
        ),
    }
    folder = _tkg(tmp_path / "lines", splits)
    result = read_tkg(folder, start_date="2018-01-01", time_unit="hour")
    assert result.events["source_line"].tolist() == [1, 3]
    label = str(folder / "train.txt")
    q = result.quarantine
    assert q["file"].tolist() == [label] * 5
    assert _reasons(q) == {
        4: "malformed quadruple: expected at least 4 tab-separated fields, got 1",
        5: "malformed quadruple: expected at least 4 tab-separated fields, got 3",
        6: "relation id not in relation2id: 0\t9\t1\t0",
        7: "entity id not in entity2id: 0\t2\t9\t0",
        8: "relation text is not a CAMEO event name: Talk about the weather",
    }
    assert dict(zip(q["line"], q["raw"]))[8] == "0\t2\t1\t0"
    assert result.summary()["rows_read"] == 7


def test_tkg_unresolved_share_and_an_all_quarantined_set(tmp_path: Path) -> None:
    # Entities: China and Russia resolve, "NA" and "007" do not: 2 of 4 actor slots unresolved.
    folder = _tkg(tmp_path / "share", {"train": "0\t0\t2\t0\n1\t0\t3\t0\n"})
    assert read_tkg(folder, start_date="2018-01-01").unresolved == {"share": 0.5}
    assert read_tkg(folder, start_date="2018-01-01", dataset="Mine").unresolved == {"mine": 0.5}
    empty = _tkg(tmp_path / "none", {"train": "9\t0\t1\t0\n"})
    result = read_tkg(empty, start_date="2018-01-01")
    assert (result.rows_accepted, result.unresolved) == (0, {"none": 0.0})


def test_tkg_zip_labels_and_iter_options(tmp_path: Path) -> None:
    folder = _tkg(tmp_path / "src", {"train": "0\t0\t1\t0\n", "test": "1\t1\t0\t2\n9\t0\t0\t0\n"})
    archive = tmp_path / "set_a.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("set_a/", "")
        for file in folder.iterdir():
            handle.write(file, f"set_a/{file.name}")
    (batch,) = list(iter_tkg(archive, start_date="2018-01-01", dataset="Custom", splits=("test",)))
    events = batch.events.to_pydict()
    assert events["source_dataset"] == ["custom"] and events["event_id"] == ["custom:test:1"]
    assert events["source_file"] == [f"{archive}:set_a/test.txt"]
    assert batch.quarantine["file"].tolist() == [f"{archive}:set_a/test.txt"]
    assert (batch.file, batch.rows_read) == (str(archive), 2)
    # A glob and a list name several sets, in sorted order.
    _tkg(tmp_path / "sets" / "b", {"train": "0\t0\t1\t0\n"})
    _tkg(tmp_path / "sets" / "a", {"train": "0\t0\t1\t0\n1\t0\t0\t0\n"})
    globbed = list(iter_tkg(str(tmp_path / "sets" / "*"), start_date="2018-01-01"))
    assert [(b.file, b.rows_read) for b in globbed] == [(str(tmp_path / "sets" / "a"), 2), (str(tmp_path / "sets" / "b"), 1)]
    listed = list(iter_tkg([tmp_path / "sets" / "b", archive], start_date="2018-01-01"))
    assert [b.file for b in listed] == [str(tmp_path / "sets" / "b"), str(archive)]
    with pytest.raises(DataError, match=r"no TKG set matches '.*nothing\*': give a folder or \.zip holding entity2id\.txt\."):
        list(iter_tkg(str(tmp_path / "nothing*"), start_date="2018-01-01"))


def test_tkg_messages_name_the_setting_and_the_missing_files(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError) as err:
        list(iter_tkg(tmp_path, start_date=None))
    assert err.value.argument == "start_date"
    assert "give data.start_date=YYYY-MM-DD (time 0) and data.time_unit=day|hour" in str(err.value)
    assert "e.g. data=icews_tkg data.start_date=2018-01-01 data.time_unit=hour." in str(err.value)
    bare = tmp_path / "bare"
    bare.mkdir()
    with pytest.raises(DataError) as err:
        read_tkg(bare, start_date="2018-01-01")
    assert str(err.value) == (
        f"{bare}: no entity2id.txt (or .txt.gz). A TKG set needs entity2id.txt, relation2id.txt and at least "
        "one of train/valid/test.txt."
    )
    nosplit = _tkg(tmp_path / "nosplit", {})
    with pytest.raises(DataError) as err:
        read_tkg(nosplit, start_date="2018-01-01", splits=("valid",))
    assert str(err.value) == f"{nosplit}: none of the split files ('valid',) were found."


# --------------------------------------------------------------------------------------
# GDELT
# --------------------------------------------------------------------------------------

_GDELT_DEFAULTS = {
    "GLOBALEVENTID": "1", "SQLDATE": "20200101", "Actor1Code": "USA", "Actor1CountryCode": "USA",
    "Actor2Code": "RUS", "Actor2CountryCode": "RUS", "EventCode": "042", "EventBaseCode": "042",
    "EventRootCode": "04", "QuadClass": "1", "GoldsteinScale": "1.9", "ActionGeo_CountryCode": "RS",
}


def _gdelt(columns: tuple[str, ...], **values: str) -> str:
    fields = {**_GDELT_DEFAULTS, **values}
    return "\t".join(fields.get(c, "") for c in columns)


def _gdelt_file(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def test_gdelt_default_version_reads_every_layout(tmp_path: Path) -> None:
    path = _gdelt_file(
        tmp_path / "mixed.CSV",
        [
            _gdelt(GDELT1_COLUMNS[:57], GLOBALEVENTID="1"),
            _gdelt(GDELT1_COLUMNS, GLOBALEVENTID="2"),
            _gdelt(GDELT2_COLUMNS, GLOBALEVENTID="3"),
            _gdelt(GDELT2_COLUMNS[:59], GLOBALEVENTID="4"),
        ],
    )
    events, quarantine, _ = _read(iter_gdelt([InputFile(path)]))
    assert sorted(zip(events["event_id"], events["source_dataset"])) == [("1", "gdelt1"), ("2", "gdelt1"), ("3", "gdelt2")]
    assert sorted(events["dedup_key"]) == ["gdelt1:1", "gdelt1:2", "gdelt2:3"]
    assert events["count"] == [1, 1, 1]
    assert _reasons(quarantine) == {4: "wrong column count: 59 tab-separated fields, expected 57 or 58 or 61 (GDELT 1.0 or 2.0)"}
    _, quarantine, _ = _read(iter_gdelt([InputFile(path)], version="1"))
    assert _reasons(quarantine) == {
        3: "wrong column count: 61 tab-separated fields, expected 57 or 58 (GDELT 1.0)",
        4: "wrong column count: 59 tab-separated fields, expected 57 or 58 (GDELT 1.0)",
    }


def test_gdelt_header_lines_are_named_as_headers(tmp_path: Path) -> None:
    # A GDELT 2.0 and a GDELT 1.0 export re-saved with their column names as the first line;
    # a line with only the code column's name is a bad row like any other.
    header2, header1 = "\t".join(GDELT2_COLUMNS), "\t".join(GDELT1_COLUMNS)
    lines = [header2, _gdelt(GDELT2_COLUMNS, GLOBALEVENTID="2"), header1, _gdelt(GDELT2_COLUMNS, EventCode="EventCode")]
    events, quarantine, _ = _read(iter_gdelt([InputFile(_gdelt_file(tmp_path / "h.export.CSV", lines))]))
    assert events["event_id"] == ["2"]
    assert _reasons(quarantine) == {1: gdelt_module.HEADER_LINE, 3: gdelt_module.HEADER_LINE, 4: "unknown CAMEO code 'EventCode'"}


def test_gdelt_quad_goldstein_and_id_precedence(tmp_path: Path) -> None:
    # Every valid QuadClass with a Goldstein value out of range: the Goldstein reason names it.
    cols = GDELT2_COLUMNS
    lines = [_gdelt(cols, GLOBALEVENTID=str(q), QuadClass=str(q), GoldsteinScale="11") for q in (1, 2, 3, 4)]
    lines += [
        _gdelt(cols, GLOBALEVENTID="5", QuadClass="5"),  # 5
        _gdelt(cols, GLOBALEVENTID="6", GoldsteinScale="-10.5"),  # 6 just below the range
        _gdelt(cols, GLOBALEVENTID="7", GoldsteinScale="-10"),  # 7 the bounds are fine
        _gdelt(cols, GLOBALEVENTID="8", GoldsteinScale="10"),  # 8
        _gdelt(cols, GLOBALEVENTID="X9"),  # 9 an id with a letter is no integer
        _gdelt(cols, GLOBALEVENTID=" 10 ", Actor2Code=""),  # 10 spaces around the id are trimmed
    ]
    events, quarantine, _ = _read(iter_gdelt([InputFile(_gdelt_file(tmp_path / "q.export.CSV", lines))], version="2"))
    assert _reasons(quarantine) == {
        1: "bad GoldsteinScale '11'",
        2: "bad GoldsteinScale '11'",
        3: "bad GoldsteinScale '11'",
        4: "bad GoldsteinScale '11'",
        5: "bad QuadClass '5'",
        6: "bad GoldsteinScale '-10.5'",
        9: "bad id: GLOBALEVENTID 'X9' is not an integer",
    }
    assert events["event_id"] == ["7", "8", "10"]
    assert events["goldstein"] == [-10.0, 10.0, 1.9]
    assert events["target_actor"] == ["RUS", "RUS", None]  # a blank actor code is null
    assert events["target_country"] == ["RUS", "RUS", "RUS"]  # Actor2CountryCode still gives the country


def test_gdelt_sectors_come_from_each_type_code(tmp_path: Path) -> None:
    cols = GDELT2_COLUMNS
    lines = [
        _gdelt(cols, GLOBALEVENTID="1", Actor1Type1Code="MIL"),
        _gdelt(cols, GLOBALEVENTID="2", Actor1Type2Code="MIL"),
        _gdelt(cols, GLOBALEVENTID="3", Actor1Type3Code="MIL"),
        _gdelt(cols, GLOBALEVENTID="4", Actor2Type1Code="GOV"),
        _gdelt(cols, GLOBALEVENTID="5", Actor2Type2Code="GOV"),
    ]
    events, _, _ = _read(iter_gdelt([InputFile(_gdelt_file(tmp_path / "s.export.CSV", lines))], version="2"))
    assert events["source_sector"] == ["MIL", "MIL", "MIL", "state", "state"]
    assert events["target_sector"] == ["state", "state", "state", "GOV", "GOV"]


def test_gdelt_block_bytes_and_a_lookup_cache_that_starts_afresh(tmp_path: Path, monkeypatch) -> None:
    # 30 rows over 30 days, read in small blocks with a cache of 2 values per rule: every
    # block clears it, and each row still gets its own date.
    cols = GDELT2_COLUMNS
    lines = [_gdelt(cols, GLOBALEVENTID=str(i), SQLDATE=f"202001{i:02d}") for i in range(1, 31)]
    path = _gdelt_file(tmp_path / "days.export.CSV", lines)
    monkeypatch.setattr(gdelt_module, "_CACHE_LIMIT", 2)
    events, _, batches = _read(iter_gdelt([InputFile(path)], version="2", block_bytes=1024))
    assert len(batches) > 1 and sum(b.rows_read for b in batches) == 30
    assert events["date"] == [pd.Timestamp(f"2020-01-{i:02d}") for i in range(1, 31)]


def test_gdelt_distinct_rows_of_several_columns() -> None:
    def col(values):
        return pa.chunked_array([pa.array(values, pa.string())])

    # Rows 0 and 3 are equal; rows 1 and 2 differ from row 0 in one column each.
    ids, keys = _distinct_rows([col(["a", "a", "a", "a"]), col(["x", "y", "x", "x"]), col(["p", "p", "q", "p"])])
    assert ids.to_pylist() == [0, 1, 2, 0]
    assert keys == [("a", "x", "p"), ("a", "y", "p"), ("a", "x", "q")]
    # Three columns of 3, 2 and 2 values: the six (first, second) pairs stay apart.
    ids, keys = _distinct_rows([col(["a", "b", "c", "a", "b", "c"]), col(["x", "x", "x", "y", "y", "y"])])
    assert len(set(ids.to_pylist())) == 6 and len(keys) == 6
    empty = pa.chunked_array([], pa.string())
    ids, keys = _distinct_rows([empty, empty])
    assert (ids.to_pylist(), keys) == ([], [])


def test_gdelt_distinct_rows_past_the_int64_range_of_combined_codes() -> None:
    # Five columns of 2**15 values: their combined codes reach 2**75, so ids are made dense
    # on the way; row i and row i + 2**15 are equal, no two other rows are.
    n = 1 << 15
    values = np.arange(2 * n) % n
    columns = [pa.chunked_array([pa.array(values + k)]) for k in range(5)]
    ids, keys = _distinct_rows(columns)
    ids = np.asarray(ids)
    assert len(keys) == n and len(np.unique(ids)) == n
    assert (ids[:n] == ids[n:]).all()
    assert keys[7] == (7, 8, 9, 10, 11) and keys[ids[n + 7]] == (7, 8, 9, 10, 11)


# --------------------------------------------------------------------------------------
# ICEWS
# --------------------------------------------------------------------------------------

_ICEWS_DEFAULTS = {
    "Event ID": "1", "Event Date": "2018-06-01", "Source Name": "China", "Source Sectors": "",
    "Source Country": "China", "Event Text": "Text", "CAMEO Code": "042", "Intensity": "NA",
    "Target Name": "Russia", "Target Sectors": "", "Target Country": "Russian Federation", "Story ID": "1",
    "Sentence Number": "1", "Publisher": "Wire", "City": "NA", "District": "NA", "Province": "NA",
    "Country": "China", "Latitude": "39.9", "Longitude": "116.4",
}


def _icews(**values: str) -> str:
    fields = {**_ICEWS_DEFAULTS, **{k.replace("_", " "): v for k, v in values.items()}}
    return "\t".join(fields[c] for c in ICEWS_COLUMNS)


def _icews_file(path: Path, rows: list[str], header: str | None = None) -> Path:
    path.write_text((header if header is not None else "\t".join(ICEWS_COLUMNS)) + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_icews_keys_quotes_sectors_and_countries(tmp_path: Path) -> None:
    rows = [
        _icews(Event_ID="10", Source_Name='"Xi Jinping"', Source_Country='"China"'),  # 2 quotes stripped
        _icews(Event_ID="11", Event_Date="6/2/2018", Source_Name="Military (China)", Source_Country="",
               Target_Name="Russian Federation"),  # 3 the country comes from the name; a state target
        _icews(Event_ID="12", Source_Name='"Wang Yi'),  # 4 a lone opening quote is no quoting
    ]
    events, quarantine, _ = _read(iter_icews([InputFile(_icews_file(tmp_path / "e.tab", rows))]))
    assert quarantine.empty
    assert events["event_id"] == ["10", "11", "12"]
    assert events["dedup_key"] == ["icews:10:2018-06-01", "icews:11:2018-06-02", "icews:12:2018-06-01"]
    assert events["source_actor"] == ["Xi Jinping", "Military (China)", "Wang Yi"]
    assert events["source_country"] == ["CHN", "CHN", "CHN"]
    assert events["source_sector"] == ["other", "other", "other"]
    # "Russia" in "Russian Federation" is the state, as "Russian Federation" is.
    assert events["target_sector"] == ["state", "state", "state"]
    assert events["count"] == [1, 1, 1]
    assert events["action_country"] == ["CHN", "CHN", "CHN"]


def test_icews_country_actor_named_in_another_spelling_is_the_state(tmp_path: Path) -> None:
    # ICEWS names the actor "Russia" but its country "Russian Federation": both are the state.
    rows = [
        _icews(Event_ID="1", Source_Name="Russia", Source_Country="Russian Federation", Target_Name="China",
               Target_Country="China"),
        _icews(Event_ID="2", Source_Name="Macedonia", Source_Country="the former Yugoslav Republic of Macedonia"),
        _icews(Event_ID="3", Source_Name="Citizen (Russia)", Source_Country="Russian Federation"),
        _icews(Event_ID="4", Source_Name="China", Source_Country="Russian Federation"),  # another country's name
    ]
    events, quarantine, _ = _read(iter_icews([InputFile(_icews_file(tmp_path / "s.tab", rows))]))
    assert quarantine.empty
    assert events["source_country"] == ["RUS", "MKD", "RUS", "RUS"]
    assert events["source_sector"] == ["state", "state", "other", "other"]
    assert events["target_sector"] == ["state", "state", "state", "state"]


def test_icews_header_repeated_inside_the_data_is_named(tmp_path: Path) -> None:
    # cat a.tab b.tab: b's header is line 3, quoted as the R writer quotes it, or not.
    header = "\t".join(ICEWS_COLUMNS)
    quoted = "\t".join(f'"{c}"' for c in ICEWS_COLUMNS)
    rows = [_icews(Event_ID="1"), header, _icews(Event_ID="2"), quoted, _icews(Event_ID="3")]
    events, quarantine, batches = _read(iter_icews([InputFile(_icews_file(tmp_path / "cat.tab", rows))]))
    assert sum(b.rows_read for b in batches) == 5 and events["event_id"] == ["1", "2", "3"]
    assert _reasons(quarantine) == {3: REPEATED_HEADER, 5: REPEATED_HEADER}
    assert REPEATED_HEADER.startswith("repeated header line: ")


def test_icews_dates_follow_the_two_formats_only(tmp_path: Path) -> None:
    rows = [_icews(Event_ID="1", Event_Date="2018/06/01"), _icews(Event_ID="2", Event_Date="2018-06-02"),
            _icews(Event_ID="3", Event_Date="6/3/2018")]
    events, quarantine, _ = _read(iter_icews([InputFile(_icews_file(tmp_path / "d.tab", rows))]))
    assert _reasons(quarantine) == {2: "bad date: Event Date '2018/06/01' is neither YYYY-MM-DD nor m/d/YYYY"}
    assert events["date"] == [pd.Timestamp("2018-06-02"), pd.Timestamp("2018-06-03")]


def test_icews_block_and_line_limits_and_an_all_refused_block(tmp_path: Path) -> None:
    rows = [_icews(Event_ID=str(i)) for i in range(20)] + [_icews(Event_ID="long", Source_Name="x" * 400)]
    path = _icews_file(tmp_path / "lim.tab", rows)
    events, quarantine, batches = _read(iter_icews([InputFile(path)], block_bytes=512, max_line_bytes=300))
    assert len(batches) > 3 and sum(b.rows_read for b in batches) == 21
    assert len(events["event_id"]) == 20
    (reason,) = quarantine["reason"]
    assert reason.startswith("line too long: ") and "more than max_line_bytes=300" in reason
    # A block of refused lines only: no events, the staged columns all the same.
    narrow = _icews_file(tmp_path / "narrow.tab", ["1\t2\t3", "4\t5\t6"])
    (batch,) = list(iter_icews([InputFile(narrow)]))
    assert batch.rows_read == 2 and batch.events.num_rows == 0
    assert batch.events.schema == empty_event_table(("action_country",)).schema
    assert _reasons(batch.quarantine) == {
        2: "wrong column count: 3 tab-separated fields, expected 20 (ICEWS Dataverse)",
        3: "wrong column count: 3 tab-separated fields, expected 20 (ICEWS Dataverse)",
    }


def test_icews_line_longer_than_the_parser_block_when_the_limit_is_raised(tmp_path: Path) -> None:
    # data.max_line_bytes says to raise it for a genuine long line: a 9 MB line (more than
    # twice the 4 MiB parser block) must then be read, not crash the parser.
    rows = [_icews(Event_ID="1"), _icews(Event_ID="2", Source_Name="B" * 9_000_000), _icews(Event_ID="3")]
    path = _icews_file(tmp_path / "big.tab", rows)
    events, quarantine, _ = _read(iter_icews([InputFile(path)], max_line_bytes=16 << 20))
    assert quarantine.empty and events["event_id"] == ["1", "2", "3"]
    assert len(events["source_actor"][1]) == 9_000_000


@pytest.mark.parametrize(
    "header, problem",
    [
        (
            [*ICEWS_COLUMNS[:7], "Strength", *ICEWS_COLUMNS[8:]],
            "missing column(s) ['Intensity'], unknown column(s) ['Strength']. The header",
        ),
        (list(ICEWS_COLUMNS[:19]), "missing column(s) ['Longitude']. The header"),
        (
            [ICEWS_COLUMNS[1], ICEWS_COLUMNS[0], *ICEWS_COLUMNS[2:]],
            f"columns out of order: {[ICEWS_COLUMNS[1], ICEWS_COLUMNS[0], *ICEWS_COLUMNS[2:8]]}.... The header",
        ),
    ],
)
def test_icews_header_problems_are_named(tmp_path: Path, header: list[str], problem: str) -> None:
    path = _icews_file(tmp_path / "h.tab", [_icews()], header="\t".join(header))
    with pytest.raises(DataError) as err:
        list(iter_icews([InputFile(path)]))
    assert str(err.value) == (
        f"{path}: first line is not the ICEWS Dataverse header: {problem} has 20 tab-separated fields starting "
        "['Event ID', 'Event Date', 'Source Name', 'Source Sectors']; pass data=auto or the right format for this file."
    )


def test_icews_quoted_header_in_any_case_is_accepted(tmp_path: Path) -> None:
    header = "\t".join(f'"{c.upper()}"' for c in ICEWS_COLUMNS)
    events, _, _ = _read(iter_icews([InputFile(_icews_file(tmp_path / "q.tab", [_icews()], header=header))]))
    assert events["event_id"] == ["1"]


# --------------------------------------------------------------------------------------
# POLECAT
# --------------------------------------------------------------------------------------


def _polecat(**values: str) -> str:
    fields = dict.fromkeys(POLECAT_COLUMNS, "")
    fields.update({"Event ID": "e", "Event Date": "2023-01-03", "Event Type": "CONSULT", "Quad Code": "1",
                   "Event Intensity": "4", "Actor Name": "Wang Yi", "Actor Country": "CHN",
                   "Primary Actor Sector": "GOV", "Recipient Name": "Russia", "Recipient Country": "RUS",
                   "Country": "China"})
    fields.update({k.replace("_", " "): v for k, v in values.items()})
    return "\t".join(fields[c] for c in POLECAT_COLUMNS)


def _polecat_file(path: Path, rows: list[str]) -> Path:
    path.write_text("\t".join(POLECAT_COLUMNS) + "\n" + "".join(r + "\n" for r in rows))
    return path


def test_polecat_header_repeated_inside_the_data_is_named(tmp_path: Path) -> None:
    rows = [_polecat(Event_ID="a"), "\t".join(POLECAT_COLUMNS), _polecat(Event_ID="b")]
    events, quarantine, _ = _read(iter_polecat([InputFile(_polecat_file(tmp_path / "cat.txt", rows))]))
    assert events["event_id"] == ["a", "b"]
    assert _reasons(quarantine) == {3: REPEATED_HEADER}


def test_polecat_counts_quad_codes_and_limits(tmp_path: Path) -> None:
    rows = [
        _polecat(Event_ID="a", Quad_Code="3"),  # 2
        _polecat(Event_ID="b", Quad_Code="x"),  # 3 no number: quad 0, which the schema refuses
        _polecat(Event_ID="c", Actor_Name="y" * 400),  # 4
        _polecat(Event_ID="d", Actor_Name='"Wang Yi"'),  # 5 POLECAT quotes are kept
    ]
    events, quarantine, _ = _read(iter_polecat([InputFile(_polecat_file(tmp_path / "p.txt", rows))], max_line_bytes=300))
    assert events["event_id"] == ["a", "d"]
    assert events["quad_class"] == [3, 1] and events["count"] == [1, 1]
    assert events["source_actor"] == ["Wang Yi", '"Wang Yi"']
    reasons = _reasons(quarantine)
    assert sorted(reasons) == [3, 4]
    assert reasons[3].startswith("schema check failed: quad_class ")
    assert reasons[4].startswith("line too long: ") and "max_line_bytes=300" in reasons[4]
    narrow = tmp_path / "narrow.txt"
    narrow.write_text("\t".join(POLECAT_COLUMNS) + "\nx\ty\n")
    (batch,) = list(iter_polecat([InputFile(narrow)]))
    assert batch.events.num_rows == 0 and batch.rows_read == 1
    assert batch.events.schema == empty_event_table(("plover_event", "plover_mode", "plover_context", "action_country")).schema


# --------------------------------------------------------------------------------------
# Panels
# --------------------------------------------------------------------------------------


def test_panel_batches_keep_their_schema_and_no_index(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text(
        "unique_id,ds,y,family\n"
        "a,2021-01-04,1,x\n"  # 2
        ",2021-01-04,1,x\n"  # 3
        "b,2021-01-04,2,x\n"  # 4
        "b,bad,1,x\n"  # 5 a chunk of refused rows only
        "c,2021-01-04,nope,x\n"  # 6
    )
    batches = list(iter_panel([InputFile(path)], chunk_rows=3))
    assert [b.rows_read for b in batches] == [3, 2]
    expected = [
        ("unique_id", pa.string()), ("ds", pa.timestamp("ns")), ("y", pa.float64()), ("family", pa.string()),
        ("dedup_key", pa.string()), ("source_file", pa.string()), ("source_line", pa.int64()),
    ]
    for batch in batches:
        assert [(f.name, f.type) for f in batch.events.schema] == expected
    assert batches[0].events.to_pydict()["source_line"] == [2, 4]
    assert batches[1].events.num_rows == 0
    assert _reasons(batches[1].quarantine) == {5: "bad date: ds 'bad'", 6: "y is not a number: 'nope'"}


def test_load_panel_takes_dayfirst(tmp_path: Path) -> None:
    # forecast-run data=panel reads through load_panel: data.dayfirst must reach the reader.
    from forecast.errors import DataError
    from forecast.events.sources import load_panel

    path = tmp_path / "p.csv"
    path.write_text("unique_id,ds,y\nA,01/02/2018,1\nA,01/03/2018,2\n")
    with pytest.raises(DataError, match="2 x ambiguous date"):
        load_panel(path)
    panel, _ = load_panel(path, dayfirst=True)
    assert panel["ds"].tolist() == [pd.Timestamp("2018-02-01"), pd.Timestamp("2018-03-01")]


def test_an_ingested_panel_parquet_reads_again(tmp_path: Path) -> None:
    # forecast-ingest data=panel writes panel.parquet with dedup_key, source_file, source_line;
    # reading that file (forecast-run data=panel, or a second ingest) was a KeyError traceback.
    from forecast.events import ingest
    from forecast.events.sources import load_panel

    path = tmp_path / "p.csv"
    path.write_text("unique_id,ds,y,family\nA,2018-01-01,3,coop\nA,2018-01-08,0,coop\nB,2018-01-01,5,conf\n")
    ingest(path, tmp_path / "first", format="panel")
    written = tmp_path / "first" / "panel.parquet"
    ingest(written, tmp_path / "second", format="panel")
    again = pd.read_parquet(tmp_path / "second" / "panel.parquet")
    assert list(again.columns) == ["unique_id", "ds", "y", "family", "dedup_key", "source_file", "source_line"]
    assert again[["unique_id", "y", "family"]].values.tolist() == [["A", 3.0, "coop"], ["A", 0.0, "coop"], ["B", 5.0, "conf"]]
    assert set(again["source_file"]) == {str(written)} and again["source_line"].tolist() == [1, 2, 3]
    panel, _ = load_panel(written)
    assert panel["y"].tolist() == [3.0, 0.0, 5.0]
