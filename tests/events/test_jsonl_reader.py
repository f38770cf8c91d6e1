"""The JSON Lines event-table reader: the tidy reader's mapping and checks on one object per
line, a reason for every refused line, and the same events as the CSV of the same table
(values by hand)."""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast.cli.code_text import code_text_main
from forecast.cli.ingest import ingest_main
from forecast.errors import DataError
from forecast.events import ingest, read_events
from forecast.events.readers import _jsonl, registry
from forecast.events.readers._stream import InputFile
from forecast.events.readers.tidy import JSON_FIELDS, iter_tidy

ROW = (
    '{{"event_id":"{id}","date":"2023-05-0{day}","cameo_code":"{code}","source_country":"CHN","target_country":"RUS"}}'
)


def _lines(*rows: str, end: str = "\n") -> bytes:
    return "".join(r + end for r in rows).encode()


def _read(path: Path, **options):
    result = read_events(path, **options)
    result.summary()  # the accounting balances
    return result


def _reasons(result) -> list[tuple[int, str]]:
    return sorted(zip(result.quarantine["line"], result.quarantine["reason"]))


def _cli(main, prog: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", [prog, *argv])
    main()


def test_coded_text_ingests_as_jsonl_exactly_as_as_csv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # forecast-code-text output=x.jsonl was refused by forecast-ingest ("not an ingest format").
    docs = tmp_path / "docs.jsonl"
    docs.write_text(
        '{"id": "n1", "published": "2024-03-07", "text": "Seoul criticised Tokyo on Monday."}\n'
        '{"id": "n2", "published": "2024-03-07", "text": "Xi Jinping hosted Vladimir Putin."}\n'
        '{"id": "n1", "published": "2024-03-07", "text": "Seoul criticised Tokyo on Monday."}\n',  # its events again
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    for suffix in ("jsonl", "csv"):
        _cli(code_text_main, "forecast-code-text", [f"input={docs}", f"output=x.{suffix}"], monkeypatch)
        _cli(ingest_main, "forecast-ingest", [f"data.path=x.{suffix}", f"hydra.run.dir=in_{suffix}"], monkeypatch)
    summaries = {s: json.loads((tmp_path / f"in_{s}" / "ingest_summary.json").read_text()) for s in ("jsonl", "csv")}
    counts = ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")
    # Seoul -> Tokyo (111) twice, Xi hosts Putin (043, 042): 4 rows, the second n1 event a duplicate
    assert [summaries["jsonl"][k] for k in counts] == [summaries["csv"][k] for k in counts] == [4, 3, 0, 1]
    assert summaries["jsonl"]["format"] == summaries["csv"]["format"] == "events"
    assert summaries["jsonl"]["quarantine_reasons"] == summaries["csv"]["quarantine_reasons"] == {}
    assert summaries["jsonl"]["unresolved_actor_rate"] == summaries["csv"]["unresolved_actor_rate"]
    events = {
        s: pd.read_parquet(tmp_path / f"in_{s}" / "events.parquet").sort_values("dedup_key", ignore_index=True)
        for s in ("jsonl", "csv")
    }
    assert events["jsonl"]["dedup_key"].tolist() == ["text:rules:n1:0:0", "text:rules:n2:0:0", "text:rules:n2:0:1"]
    same = [c for c in events["csv"].columns if c not in ("source_file", "source_line")]
    pd.testing.assert_frame_equal(events["jsonl"][same], events["csv"][same])
    # the first JSON object is line 1; the CSV's first row is line 2, after its header
    assert (events["csv"]["source_line"] - events["jsonl"]["source_line"]).tolist() == [1, 1, 1]


def test_every_line_is_accepted_refused_with_a_reason_or_a_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "coded.jsonl"
    path.write_bytes(
        _lines(
            ROW.format(id="a", day=1, code="042"),
            '{"event_id":"b","date":"2023-05-01","cameo_code":"042"',  # 2: not closed
            '["c", "2023-05-01", "042"]',  # 3
            '"just text"',  # 4
            '{"event_id":"d","date":"2023-05-01","cameo_code":42,"count":"2"}',  # 5: two wrong types
            '{"event_id":"e","cameo_code":"042"}',  # 6
            '{"event_id":"f","date":null,"cameo_code":null}',  # 7
            '{"event_id":"g","date":"2023-05-01","cameo_code":"042","cameo_code":"043"}',  # 8
            '{"event_id":"h","date":"2023-05-01","cameo_code":"042","note":"\\ud800"}',  # 9: pyarrow refuses
            '{"event_id":"i","date":"2023-05-01","cameo_code":"042"} {"event_id":"j"}',  # 10: two objects
            ROW.format(id="a", day=2, code="043"),  # 11: a's key again
            '{"event_id":"k","date":"2023-05-01","cameo_code":"999"}',  # 12: the tidy reader's own check
            '{"event_id":"l","date":"2023-05-03","cameo_code":"190","quad_class":4,"goldstein":-10,"count":3}',
        )
    )
    result = _read(path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (13, 2, 10, 1)
    assert _reasons(result) == [
        (2, "malformed JSON: Expecting ',' delimiter at column 55"),
        (3, "not a JSON object: the line holds an array; write one object per line"),
        (4, "not a JSON object: the line holds a string; write one object per line"),
        (5, "wrong type: 'cameo_code' is a number (42), expected a string; "
            "'count' is a string (\"2\"), expected a number"),
        (6, "missing required field(s) ['date']: absent or null"),
        (7, "missing required field(s) ['date', 'cameo_code']: absent or null"),
        (8, "key 'cameo_code' given twice in the object"),
        (9, "malformed JSON: The surrogate pair in string is invalid."),
        (10, "malformed JSON: Extra data at column 57"),
        (12, "unknown CAMEO code '999'"),
    ]
    # raw is the line as written
    assert result.quarantine.set_index("line").loc[3, "raw"] == '["c", "2023-05-01", "042"]'
    events = result.events.set_index("event_id")
    assert events.loc["a", ["cameo_code", "source_line", "dedup_key"]].tolist() == ["042", 1, "coded:a"]
    assert events.loc["l", ["quad_class", "goldstein", "count"]].tolist() == [4, -10.0, 3]


def test_bom_crlf_blank_lines_bad_bytes_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "win.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + ROW.format(id="a", day=1, code="042").encode()
        + b"\r\n\r\n   \r\n"  # lines 2 and 3 blank
        + b'{"event_id":"b","date":"2023-05-02","cameo_code":"042","source_actor":"Caf\xe9"}\r\n'  # 0xe9 at byte 74
        + b"\n"
        + ROW.format(id="c", day=3, code="043").encode()  # line 6, no newline
    )
    result = _read(path)
    # 6 lines: 3 blank or whitespace-only (skipped, not rows), 1 not UTF-8
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (3, 2, 1)
    assert _reasons(result) == [(4, "undecodable bytes (not UTF-8): at byte 74; re-encode the file as UTF-8")]
    assert result.quarantine["raw"].iloc[0].endswith('"source_actor":"Caf\\xe9"}')  # no \r, bytes as \xNN
    events = result.events.sort_values("source_line")
    assert events["event_id"].tolist() == ["a", "c"] and events["source_line"].tolist() == [1, 6]
    assert events["source_country"].tolist() == ["CHN", "CHN"]


def test_a_bom_on_the_first_line_of_a_block_read_line_by_line_is_not_part_of_its_raw(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(
        b'\xef\xbb\xbf{"event_id":"a","date":"2023-05-01"}\n' + ROW.format(id="b", day=1, code="042").encode()
    )
    result = _read(path, format="events")
    assert result.quarantine[["line", "raw"]].values.tolist() == [[1, '{"event_id":"a","date":"2023-05-01"}']]


def test_absent_or_null_fields_take_the_values_of_an_absent_column(tmp_path: Path) -> None:
    path = tmp_path / "few.jsonl"
    path.write_bytes(
        _lines(
            '{"date":"2021-01-04","cameo_code":"042","source_country":"China","target_country":"RUS"}',
            '{"date":"2021-01-05","cameo_code":"190","source_country":"USA","count":null,"quad_class":null,'
            '"goldstein":null,"event_id":null,"source_dataset":null,"extra":{"any":["thing",1]}}',
        )
    )
    events = _read(path).events.sort_values("source_line")
    # as tidy CSV without the columns: id = stem + line, dataset = stem, count 1, CAMEO quad/Goldstein
    assert events["event_id"].tolist() == ["few:1", "few:2"]
    assert events["dedup_key"].tolist() == ["few:few:1", "few:few:2"]
    assert events["count"].tolist() == [1, 1]
    assert events["quad_class"].tolist() == [1, 4] and events["goldstein"].tolist() == [1.9, -10.0]
    assert events["source_country"].tolist() == ["CHN", "USA"] and events["target_country"].tolist() == ["RUS", None]


def test_the_fast_path_and_the_line_by_line_path_give_the_same_events(tmp_path: Path) -> None:
    rows = [ROW.format(id=f"e{i}", day=1 + i % 9, code=("042", "190", "043")[i % 3]) for i in range(30)]
    clean, faulty = tmp_path / "clean.jsonl", tmp_path / "faulty.jsonl"
    clean.write_bytes(_lines(*rows))
    faulty.write_bytes(_lines(*rows[:15], "{oops", *rows[15:]))
    a, b = _read(clean), _read(faulty)
    assert (a.rows_read, a.rows_accepted, b.rows_read, b.rows_accepted, b.rows_quarantined) == (30, 30, 31, 30, 1)
    columns = ["event_id", "date", "cameo_code", "source_country", "target_country", "quad_class", "goldstein", "count"]
    pd.testing.assert_frame_equal(
        a.events.sort_values("event_id", ignore_index=True)[columns],
        b.events.sort_values("event_id", ignore_index=True)[columns],
    )
    assert b.events.set_index("event_id").loc["e15", "source_line"] == 17  # after the bad line 16


def test_a_clean_block_is_parsed_in_one_pyarrow_call(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "clean.jsonl"
    path.write_bytes(_lines(*(ROW.format(id=f"e{i}", day=1, code="042") for i in range(5))))

    def no_line_by_line(text, schema):
        raise AssertionError("a clean block went line by line")

    monkeypatch.setattr(_jsonl, "line_problem", no_line_by_line)
    assert _read(path).rows_accepted == 5


def test_line_numbers_run_on_across_blocks(tmp_path: Path) -> None:
    rows = [ROW.format(id=f"e{i}", day=1, code="042") for i in range(40)]
    rows[25] = "{broken"
    path = tmp_path / "many.jsonl"
    path.write_bytes(_lines(*rows))
    batches = list(iter_tidy([InputFile(path)], block_bytes=1024))
    assert len(batches) > 3  # about 100 bytes a line: several blocks
    assert sum(b.rows_read for b in batches) == 40
    lines = np.concatenate([b.events["source_line"].to_numpy() for b in batches])
    assert sorted(lines.tolist()) == [n for n in range(1, 41) if n != 26]
    quarantine = pd.concat([b.quarantine for b in batches])
    assert quarantine["line"].tolist() == [26]


def test_a_line_longer_than_max_line_bytes_is_quarantined(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    long = '{"date":"2023-05-01","cameo_code":"042","note":"' + "x" * 500 + '"}'  # 48 + 500 + 2 = 550 bytes
    path.write_bytes(_lines(ROW.format(id="a", day=1, code="042"), long, ROW.format(id="b", day=1, code="042")))
    summary = ingest(path, tmp_path / "out", max_line_bytes=400)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"]) == (3, 2, 1)
    quarantine = pd.read_parquet(tmp_path / "out" / "quarantine.parquet")
    assert quarantine[["line", "reason"]].values.tolist() == [
        [2, "line too long: 550 bytes, more than max_line_bytes=400 (raise data.max_line_bytes if it is genuine)"]
    ]


@pytest.mark.parametrize("name", ["events.jsonl", "events.ndjson", "events.jsonl.gz", "events.txt"])
def test_json_lines_are_detected_by_content_and_read_by_name(name: str, tmp_path: Path) -> None:
    data = _lines(ROW.format(id="a", day=1, code="042"), ROW.format(id="b", day=2, code="190"))
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    assert registry.detect(path) == "events"
    assert _read(path).rows_accepted == 2


def test_a_jsonl_file_whose_first_line_is_broken_is_read_by_name(tmp_path: Path) -> None:
    path = tmp_path / "events.ndjson"
    path.write_bytes(_lines("not json at all", ROW.format(id="a", day=1, code="042")))
    result = _read(path, format="events")  # content alone cannot tell the format: give it
    assert (result.rows_accepted, _reasons(result)) == (1, [(1, "malformed JSON: Expecting value at column 1")])
    with pytest.raises(DataError, match="cannot tell the format from the first line 'not json at all'"):
        registry.detect(path)


def test_every_line_bad_is_no_row_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(_lines("[1]", "{", '{"date":"2023-05-01"}'))
    with pytest.raises(DataError, match=r"no row accepted \(events\): 3 read, 3 quarantined"):
        ingest(path, tmp_path / "out", format="events")


def test_blank_lines_only_is_no_data_rows(tmp_path: Path) -> None:
    path = tmp_path / "blank.jsonl"
    path.write_bytes(b"\n  \r\n\t\n")
    with pytest.raises(DataError, match="no data rows"):
        ingest(path, tmp_path / "out", format="events")


def test_json_fields_are_the_columns_the_tidy_reader_reads() -> None:
    assert {name: str(kind) for name, kind in JSON_FIELDS.items()} == {
        "event_id": "string", "date": "string", "source_actor": "string", "source_country": "string",
        "source_sector": "string", "target_actor": "string", "target_country": "string",
        "target_sector": "string", "cameo_code": "string", "quad_class": "double", "goldstein": "double",
        "source_dataset": "string", "count": "double",
    }  # fmt: skip


def test_a_json_lines_panel_is_refused_with_the_fix(tmp_path: Path) -> None:
    # the CSV parser took the first object for a header: "no data rows (panel)"
    path = tmp_path / "panel.jsonl"
    path.write_bytes(_lines('{"unique_id":"a","ds":"2020-01-01","y":1}', '{"unique_id":"a","ds":"2020-01-02","y":2}'))
    with pytest.raises(DataError) as err:
        ingest(path, tmp_path / "out", format="panel")
    assert str(err.value) == (
        f"{path}: a JSON Lines panel is not read (only event tables, data=events, may be JSON Lines); "
        "write the panel as CSV or parquet with columns unique_id, ds, y."
    )


def test_the_same_events_as_csv_and_as_json_lines_are_duplicates_of_each_other(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(
        "event_id,date,cameo_code,source_dataset\nx1,2023-05-01,042,mine\nx2,2023-05-02,190,mine\n"
    )
    (tmp_path / "b.jsonl").write_bytes(
        _lines(
            '{"event_id":"x2","date":"2023-05-02","cameo_code":"190","source_dataset":"mine"}',
            '{"event_id":"x3","date":"2023-05-03","cameo_code":"043","source_dataset":"mine"}',
        )
    )
    summary = ingest(tmp_path, tmp_path / "out")  # data=auto: both are tidy event tables
    assert summary["format"] == "events"
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_duplicate")] == [4, 3, 1]
    events = pd.read_parquet(tmp_path / "out" / "events.parquet").sort_values("event_id")
    # the copy kept is the first by source_file, source_line: a.csv's
    assert events[["event_id", "source_file"]].values.tolist() == [
        ["x1", str(tmp_path / "a.csv")], ["x2", str(tmp_path / "a.csv")], ["x3", str(tmp_path / "b.jsonl")]
    ]  # fmt: skip
