"""The readers' plumbing at its edges: headers, blocks and their parse, quarantine rows,
background prefetch, batch validation, the last step of every reader (``finish``), empty
tables, and the registry's detection messages. Expected values are counted by hand."""

from __future__ import annotations

import gzip
import itertools
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.errors import ArgumentError, DataError
from forecast.events.readers import registry
from forecast.events.readers._finish import (
    BatchChecker,
    add_reason,
    check_batch,
    code_problems,
    finish,
    from_arrow,
    to_arrow,
)
from forecast.events.readers._stream import (
    InputFile,
    _line_cut,
    _valid_utf8,
    clean_columns,
    expand_inputs,
    iter_blocks,
    parallel_map,
    prefetch,
    read_header,
)
from forecast.events.readers.base import ReadResult, empty_quarantine
from forecast.events.readers.detect import Sample, is_icews, is_polecat, is_tidy_events
from forecast.events.readers.icews import ICEWS_COLUMNS, iter_icews
from forecast.events.schema import EVENT_COLUMNS, EventTableError

# --------------------------------------------------------------------------------------
# Header lines
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first_line, fields",
    [
        (b"\xef\xbb\xbfEvent ID\tEvent Date\r\n", ["Event ID", "Event Date"]),  # BOM and CRLF go
        (b"a\tb\t\r\nrest\n", ["a", "b", ""]),  # a trailing empty field is a field
        (b"X1\tname\tX\r\n", ["X1", "name", "X"]),  # only the BOM and the \r are stripped
        (b"id\tna\xffme\n", ["id", "na\ufffdme"]),  # an undecodable byte does not stop the check
    ],
)
def test_read_header_fields(tmp_path: Path, first_line: bytes, fields: list[str]) -> None:
    path = tmp_path / "h.tsv"
    path.write_bytes(first_line + b"1\t2\n")
    assert read_header(InputFile(path)) == fields


# --------------------------------------------------------------------------------------
# Blocks: parse, quarantine rows, raw text
# --------------------------------------------------------------------------------------


def _block(tmp_path: Path, data: bytes, **options):
    path = tmp_path / "block.tsv"
    path.write_bytes(data)
    (block,) = list(iter_blocks(InputFile(path), **options))
    return block


def _lines(blocks) -> list[tuple[int, bytes, str | None]]:
    return [
        (int(n), bytes(b.data[s:e]), b.problems.get(i))
        for b in blocks
        for i, (s, e, n) in enumerate(zip(b.starts, b.ends, b.line_no))
    ]


def test_iter_blocks_line_limit_is_inclusive_and_headers_are_not_rows(tmp_path: Path) -> None:
    path = tmp_path / "limit.txt"
    # Block and limit of 10 bytes: a line of exactly 10 bytes is read, one of 11 is not.
    path.write_bytes(b"0123456789\n0123456789A\nok\n")
    lines = _lines(iter_blocks(InputFile(path), block_bytes=10, max_line_bytes=10))
    too_long = "line too long: 11 bytes, more than max_line_bytes=10 (raise data.max_line_bytes if it is genuine)"
    assert [(n, p) for n, _, p in lines] == [(1, None), (2, too_long), (3, None)]
    assert lines[0][1] == b"0123456789" and lines[2][1] == b"ok"
    # An overlong header is skipped like any header, not quarantined; data lines keep their numbers.
    path.write_bytes(b"h" * 30 + b"\nab\ncd\n")
    lines = _lines(iter_blocks(InputFile(path), header_lines=1, block_bytes=8, max_line_bytes=10))
    assert lines == [(2, b"ab", None), (3, b"cd", None)]
    # Blank lines, CRLF ones included, are dropped but counted.
    path.write_bytes(b"\r\nabc\r\n\n\r\nlast")
    lines = _lines(iter_blocks(InputFile(path)))
    assert lines == [(2, b"abc\r", None), (5, b"last", None)]


def test_line_cut_and_utf8_check_at_their_edges() -> None:
    def cut(data: bytes) -> int:
        return _line_cut(np.frombuffer(data, dtype=np.uint8))

    assert [cut(b""), cut(b"abc"), cut(b"\n"), cut(b"\nabc"), cut(b"a\nb\nc"), cut(b"a\n" + b"x" * 200_000)] == [
        0, 0, 1, 1, 4, 2,
    ]

    def valid(data: bytes) -> bool:
        return _valid_utf8(np.frombuffer(data, dtype=np.uint8))

    assert [valid(b""), valid(b"a"), valid(b"\x7f"), valid("\u00e9".encode()), valid("\u20ac\n".encode())] == [True] * 5
    assert [valid(b"\x80"), valid(b"\xc3"), valid(b"a\xff"), valid(b"\xe2\x82")] == [False] * 4


def test_parse_a_subset_of_lines_with_kept_and_dictionary_columns(tmp_path: Path) -> None:
    block = _block(tmp_path, b"a\tb\tc\n\nd\te\tf\ng\th\ti\n")  # line 2 is blank
    assert block.line_no.tolist() == [1, 3, 4]
    table = block.parse(np.array([0, 2]), ["x", "y", "z"], keep=["z", "x"], dictionary=["x"])
    assert table.schema.names == ["z", "x", "line", "_row"]  # as kept, then line and row
    assert table.schema.field("x").type == pa.dictionary(pa.int32(), pa.string())
    assert table.schema.field("z").type == pa.string()
    assert table.schema.field("line").type == pa.int64() and table.schema.field("_row").type == pa.int64()
    assert table.to_pydict() == {"x": ["a", "g"], "z": ["c", "i"], "line": [1, 4], "_row": [0, 2]}
    quarantine = block.quarantine(np.array([2, 0]), "one reason for all")
    assert quarantine.values.tolist() == [[str(block.source.path), 4, "one reason for all", "g\th\ti"],
                                          [str(block.source.path), 1, "one reason for all", "a\tb\tc"]]
    empty = block.parse(np.array([], dtype=np.int64), ["x", "y", "z"], keep=["z", "x"], dictionary=["x"])
    assert empty.num_rows == 0
    assert [(f.name, f.type) for f in empty.schema] == [
        ("z", pa.string()), ("x", pa.dictionary(pa.int32(), pa.string())), ("line", pa.int64()), ("_row", pa.int64()),
    ]


def test_parse_takes_quotes_and_empty_fields_literally(tmp_path: Path) -> None:
    # Event files are unquoted: a field opening with a quote runs to the next tab, not to
    # the next quote; an empty field is an empty string, not a null.
    block = _block(tmp_path, b'"a\tb"\t\n"c\t"d"\tNA\n')
    table = block.parse(np.arange(2), ["x", "y", "z"], keep=["x", "y", "z"])
    assert table.to_pydict()["x"] == ['"a', '"c'] and table.to_pydict()["y"] == ['b"', '"d"']
    assert table.to_pydict()["z"] == ["", "NA"] and table["z"].null_count == 0


def test_quarantined_rows_keep_their_file_line_and_exact_raw_text(tmp_path: Path) -> None:
    # CRLF line ends: raw drops the \r but keeps a trailing tab and a trailing X.
    header = "\t".join(ICEWS_COLUMNS)
    path = tmp_path / "crlf.tab"
    path.write_bytes((header + "\r\n" + "a\tb\t\r\n" + "c\tX\r\n").encode())
    (batch,) = list(iter_icews([InputFile(path)]))
    q = batch.quarantine
    assert q["file"].tolist() == [str(path)] * 2
    assert q["line"].dtype == np.int64 and q["line"].tolist() == [2, 3]
    assert q["raw"].tolist() == ["a\tb\t", "c\tX"]
    assert q["reason"].tolist() == [
        "wrong column count: 3 tab-separated fields, expected 20 (ICEWS Dataverse)",
        "wrong column count: 2 tab-separated fields, expected 20 (ICEWS Dataverse)",
    ]


def test_clean_columns_trims_marks_missing_and_strips_quotes_on_request() -> None:
    table = pa.table({"a": [' "Xi" ', "NA", " x ", '"']})
    kept = clean_columns(table, ["a"], missing=["", "NA"])
    assert kept["a"].tolist() == ['"Xi"', None, "x", '"']
    stripped = clean_columns(table, ["a"], missing=["", "NA"], strip_quotes=True)
    assert stripped["a"].tolist() == ["Xi", None, "x", None]  # a lone quote is empty once stripped


# --------------------------------------------------------------------------------------
# Prefetch
# --------------------------------------------------------------------------------------


def test_prefetch_yields_in_order_and_raises_the_producers_error() -> None:
    assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def failing():
        yield 1
        raise KeyError("boom")

    items = prefetch(failing())
    assert next(items) == 1
    with pytest.raises(KeyError, match="boom"):
        next(items)

    def at_once():
        raise ValueError("first")
        yield  # pragma: no cover

    with pytest.raises(ValueError, match="first"):
        next(prefetch(at_once()))


def test_closing_prefetch_stops_the_producer_promptly() -> None:
    pulled = itertools.count()

    def source():
        for item in range(10_000):
            next(pulled)
            yield item

    items = prefetch(source(), depth=1)
    assert next(items) == 0
    closer = threading.Thread(target=items.close, daemon=True)
    started = time.monotonic()
    closer.start()
    closer.join(10)
    assert not closer.is_alive(), "closing the prefetch did not stop its thread"
    assert time.monotonic() - started < 5
    assert next(pulled) < 10  # the producer stopped a few items ahead, it did not drain the source


def test_parallel_map_keeps_the_order_and_raises_for_its_item() -> None:
    # later items finish first: the results still come out in input order
    def slow_first(i: int) -> int:
        time.sleep(0.02 if i % 3 == 0 else 0.0)
        return i * i

    assert list(parallel_map(slow_first, iter(range(30)), workers=3)) == [i * i for i in range(30)]

    def failing(i: int) -> int:
        if i == 4:
            raise KeyError("item 4")
        return i

    results = parallel_map(failing, iter(range(10)))
    assert [next(results) for _ in range(4)] == [0, 1, 2, 3]
    with pytest.raises(KeyError, match="item 4"):
        next(results)


def test_closing_parallel_map_waits_for_the_running_calls() -> None:
    running, finished = threading.Event(), []

    def work(i: int) -> int:
        running.set()
        time.sleep(0.05)
        finished.append(i)
        return i

    pulled = itertools.count()

    def source():
        for item in range(10_000):
            next(pulled)
            yield item

    results = parallel_map(work, source(), workers=2)
    assert next(results) == 0
    results.close()
    done = list(finished)
    time.sleep(0.2)
    assert finished == done  # nothing ran on after close returned
    assert next(pulled) < 10  # at most workers items were pulled ahead


# --------------------------------------------------------------------------------------
# The last step: finish, validation, empty tables
# --------------------------------------------------------------------------------------


def _frame(n: int, **columns) -> pd.DataFrame:
    data = {
        "event_id": [f"e{i}" for i in range(n)], "date": pd.to_datetime(["2020-01-01"] * n),
        "source_actor": [None] * n, "source_country": ["CHN"] * n, "source_sector": ["state"] * n,
        "target_actor": [None] * n, "target_country": ["RUS"] * n, "target_sector": ["state"] * n,
        "cameo_code": ["042"] * n, "root_code": ["04"] * n, "quad_class": [1] * n, "goldstein": [1.9] * n,
        "source_dataset": ["t"] * n, "count": [1] * n, "dedup_key": [f"t:{i}" for i in range(n)],
        "source_file": ["f"] * n, "source_line": list(range(1, n + 1)),
    }
    data.update(columns)
    return pd.DataFrame(data)


def _quarantiner(positions, reasons) -> pd.DataFrame:
    return pd.DataFrame({"file": "f", "line": np.asarray(positions) + 1, "reason": reasons, "raw": "r"})


def test_finish_quarantines_reader_reasons_then_schema_failures() -> None:
    frame = _frame(5, quad_class=[1, 7, 1, 1, 1], url=list("abcde")).set_index(pd.Index([10, 11, 12, 13, 14]))
    reasons = pd.Series([None, None, "bad date: 'x'", None, None], index=frame.index)
    events, quarantine = finish(frame, reasons, _quarantiner, extra=("url",))
    assert events.index.tolist() == [0, 1, 2]
    assert events.columns.tolist() == [*EVENT_COLUMNS, "dedup_key", "source_file", "source_line", "url"]
    assert events["event_id"].tolist() == ["e0", "e3", "e4"] and events["url"].tolist() == ["a", "d", "e"]
    assert quarantine.index.tolist() == [0, 1]
    assert quarantine[["line", "reason"]].values.tolist() == [
        [3, "bad date: 'x'"],
        [2, "schema check failed: quad_class isin([1, 2, 3, 4]) (value 7)"],
    ]
    arrow = to_arrow(events.set_index(pd.Index([5, 9, 20])), extra=("url",))
    assert arrow.schema.names == [*EVENT_COLUMNS, "dedup_key", "source_file", "source_line", "url"]
    back = from_arrow(arrow)
    assert back.columns.tolist() == arrow.schema.names and back.index.tolist() == [0, 1, 2]
    assert back["url"].tolist() == ["a", "d", "e"] and back["source_line"].tolist() == [1, 4, 5]
    assert str(back["date"].dtype) == "datetime64[ns]" and str(back["quad_class"].dtype) == str(events["quad_class"].dtype)
    clean, none = finish(_frame(2), pd.Series([None, None]), _quarantiner)
    assert len(clean) == 2 and none.empty and none.columns.tolist() == ["file", "line", "reason", "raw"]


def test_check_batch_names_the_origin_and_five_cases() -> None:
    check_batch(to_arrow(_frame(3)), origin="ok.csv")  # a sound batch passes
    bad = to_arrow(_frame(8, goldstein=[11.0 + i for i in range(8)]))
    with pytest.raises(EventTableError) as err:
        check_batch(bad, origin="x.csv")
    message = str(err.value)
    assert message.startswith("x.csv: a batch built by the reader failed the event schema (a reader bug, please report):")
    assert [f"{11.0 + i}" in message for i in range(8)] == [True] * 5 + [False] * 3
    # A bad value among many repeats of good ones, and a null where none is allowed.
    many = _frame(50, goldstein=[1.9] * 49 + [-12.0])
    with pytest.raises(EventTableError, match="-12.0"):
        check_batch(to_arrow(many), origin="many")
    nulls = _frame(4, source_dataset=["t", "t", None, "t"])
    with pytest.raises(EventTableError, match="source_dataset"):
        check_batch(to_arrow(nulls), origin="nulls")


def test_batch_checker_flushes_per_input_and_past_max_rows() -> None:
    actors = {"source_actor": ["A"], "target_actor": ["B"]}  # no null: a batch of one row is one distinct row
    good, bad = to_arrow(_frame(1, **actors)), to_arrow(_frame(1, goldstein=[42.0], **actors))
    checker = BatchChecker()
    checker.add(bad, "first.csv")
    with pytest.raises(EventTableError, match=r"^first\.csv: "):
        checker.add(good, "second.csv")  # a new input validates the previous one's batches
    # One-row batches with max_rows=2: the union is validated once it holds 3 rows, not at 2.
    checker = BatchChecker(max_rows=2)
    checker.add(bad, "a.csv")
    checker.add(good, "a.csv")
    with pytest.raises(EventTableError, match=r"^a\.csv: "):
        checker.add(good, "a.csv")
    # After a flush the count starts again from zero.
    checker = BatchChecker(max_rows=2)
    for _ in range(3):
        checker.add(good, "b.csv")  # the third add validates (and passes)
    checker.add(bad, "b.csv")
    checker.add(good, "b.csv")
    with pytest.raises(EventTableError, match=r"^b\.csv: "):
        checker.add(good, "b.csv")
    checker = BatchChecker()
    checker.add(good, "c.csv")
    checker.add(bad, "c.csv")
    with pytest.raises(EventTableError, match=r"^c\.csv: "):
        checker.flush()
    checker.flush()  # nothing left queued


def test_code_problems_and_add_reason_on_missing_values() -> None:
    reasons = code_problems(pd.Series([None, "", " 042 ", "42", "999"]))
    assert reasons.where(reasons.notna(), None).tolist() == [
        "missing CAMEO code",
        "missing CAMEO code",
        None,
        "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings",
        "unknown CAMEO code '999'",
    ]
    mask = pd.Series([True, pd.NA, False, True], dtype="boolean")
    out = add_reason(pd.Series([None, None, None, "earlier"], dtype=object), mask, "bad: {!r}", pd.Series(list("abcd")))
    assert out.tolist() == ["bad: 'a'", None, None, "earlier"]  # an unknown mask is no problem; the first reason wins


def test_empty_quarantine_and_the_accounting_check() -> None:
    empty = empty_quarantine()
    assert empty.columns.tolist() == ["file", "line", "reason", "raw"]
    assert empty.dtypes.astype(str).tolist() == ["object", "int64", "object", "object"]
    events = pd.DataFrame({"event_id": ["a", "b"]})
    quarantine = pd.DataFrame({"file": ["f"], "line": [3], "reason": ["r"], "raw": ["x"]})
    result = ReadResult(events=events, quarantine=quarantine, rows_read=4, rows_duplicate=1, unresolved={"d": 0.5})
    assert result.summary() == {
        "rows_read": 4, "rows_accepted": 2, "rows_quarantined": 1, "rows_duplicate": 1,
        "unresolved_actor_rate": {"d": 0.5},
    }
    with pytest.raises(AssertionError) as err:
        ReadResult(events=events, quarantine=quarantine, rows_read=5, rows_duplicate=1).summary()
    assert str(err.value) == "row accounting broken: read 5, accepted 2, quarantined 1, duplicate 1"


# --------------------------------------------------------------------------------------
# Detection and the registry
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, seen",
    [
        (b"\n\n \r\n", "only blank lines"),
        (b"abc\x00def", "no line break in the first 7 bytes (NUL bytes: binary or zeroed data)"),
        (b"\n\nabc", "no complete line in the first 5 bytes"),
    ],
)
def test_detect_input_says_why_there_is_nothing_to_detect(tmp_path: Path, data: bytes, seen: str) -> None:
    path = tmp_path / "odd.txt"
    path.write_bytes(data)
    with pytest.raises(DataError) as err:
        registry.detect_input(InputFile(path))
    assert str(err.value).startswith(f"{path}: {seen}, so there is nothing to detect the format from.")


def test_detect_input_names_what_it_saw(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="empty input, nothing to detect"):
        registry.detect_input(InputFile(empty))
    columns = [f"c{i:02d}" for i in range(12)]
    parquet = tmp_path / "odd.parquet"
    pq.write_table(pa.table({c: [1] for c in columns}), parquet)
    with pytest.raises(DataError) as err:
        registry.detect_input(InputFile(parquet))
    assert f"parquet columns {columns[:10]} match neither" in str(err.value)
    text = tmp_path / "odd.txt"
    first = "w" * 130
    text.write_text(first + "\nmore\n")
    with pytest.raises(DataError) as err:
        registry.detect_input(InputFile(text))
    known = "; ".join(f"{s.name} ({s.signature})" for s in registry.BUILTIN_FORMATS)
    assert str(err.value) == (
        f"{text}: cannot tell the format from the first line {'w' * 120!r}. Known: {known}. "
        "Pass the format explicitly, e.g. data=gdelt2."
    )


def test_dataverse_and_tidy_signatures(tmp_path: Path) -> None:
    def sample(text: str) -> Sample:
        path = tmp_path / "s.txt"
        path.write_text(text)
        return Sample(InputFile(path))

    polecat = sample("Event ID\tEvent Date\tEvent Type\tEvent Mode\n1\t2\t3\t4\n")
    icews = sample("Event ID\tEvent Date\tSource Name\tSource Sectors\n1\t2\t3\t4\n")
    assert (is_polecat(polecat), is_icews(polecat)) == (True, False)
    assert (is_polecat(icews), is_icews(icews)) == (False, True)
    assert is_tidy_events(sample("date,cameo_code,note\n2020-01-01,042,x\n"))  # the two required columns suffice
    assert not is_tidy_events(sample("date,code\n2020-01-01,042\n"))


def test_register_refuses_reserved_and_taken_names() -> None:
    with pytest.raises(ArgumentError) as err:
        registry.register(registry.FormatSpec("auto", lambda inputs: iter(())))
    assert err.value.argument == "format"
    assert str(err.value) == "format: ['auto'] are reserved by the data config; choose another name."
    with pytest.raises(ArgumentError) as err:
        registry.register(registry.FormatSpec("fresh_toy", lambda inputs: iter(()), aliases=("tkg",)))
    assert err.value.argument == "format"
    assert str(err.value) == "format: ['tkg'] already name a format; unregister('tkg') first."
    assert "fresh_toy" not in registry.names()
    with pytest.raises(ArgumentError) as err:
        registry.get("nope")
    assert err.value.argument == "format" and "unknown event format 'nope'" in str(err.value)
    assert (registry.output_kind("panel"), registry.output_kind("tkg"), registry.output_kind("auto")) == (
        "panel", "events", None,
    )


def test_detect_and_iter_batches_over_several_inputs(tmp_path: Path) -> None:
    def tab_lines(width: int, n: int = 3) -> bytes:
        return b"".join(b"\t".join([str(i).encode(), *[b"x"] * (width - 1)]) + b"\n" for i in range(1, n + 1))

    (tmp_path / "a.CSV").write_bytes(tab_lines(57))
    (tmp_path / "b.export.CSV").write_bytes(tab_lines(61))
    assert registry.detect([tmp_path / "a.CSV", tmp_path / "b.export.CSV"]) == "gdelt"  # 1.0 and 2.0 mix
    assert registry.detect(str(tmp_path / "b.*")) == "gdelt2"
    icews = tmp_path / "c.tab"
    icews.write_text("\t".join(ICEWS_COLUMNS) + "\n")
    with pytest.raises(DataError) as err:
        registry.detect([tmp_path / "b.export.CSV", icews])
    assert str(err.value) == (
        f"inputs hold different formats: gdelt2 (e.g. {tmp_path / 'b.export.CSV'}); icews (e.g. {icews}). "
        "Ingest them separately or pass the format explicitly."
    )
    tkg = tmp_path / "set"
    tkg.mkdir()
    (tkg / "entity2id.txt").write_text("China\t0\nRussia\t1\n")
    (tkg / "relation2id.txt").write_text("Make a visit\t0\n")
    (tkg / "train.txt").write_text("0\t0\t1\t0\n1\t0\t0\t0\n")
    assert registry.detect(tkg) == "icews_tkg"
    (batch,) = list(registry.iter_batches(tkg, "tkg", start_date="2018-01-01"))  # the set's path as given
    assert (batch.file, batch.rows_read) == (str(tkg), 2)
    batches = list(registry.iter_batches(str(tmp_path / "*.CSV"), "gdelt", block_bytes=64))  # inputs expanded
    assert sorted({b.file for b in batches}) == [str(tmp_path / "a.CSV"), str(tmp_path / "b.export.CSV")]
    assert len(batches) > 2 and sum(b.rows_read for b in batches) == 6


# --------------------------------------------------------------------------------------
# Inputs: pickles, hidden files, relative globs
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, head, refused",
    [
        ("t.bin", b"\x80\x02rest", True),  # pickle protocols 2 to 5, by their header
        ("t.bin", b"\x80\x05rest", True),
        ("t.bin", b"\x80\x01rest", False),  # protocol 1 has no such header
        ("t.bin", b"\x80\x06rest", False),
        ("t.bin", b"\x80", False),  # one byte is no header
        ("t.bin", b"\x02\x80rest", False),
        ("T.PKL", b"text", True),  # and by name, in any case, gzipped or not
        ("t.pickle.gz", gzip.compress(b"text", mtime=0), True),
        ("t.pkl.txt", b"text", False),
    ],
)
def test_pickles_are_refused_by_header_or_name(tmp_path: Path, name: str, head: bytes, refused: bool) -> None:
    path = tmp_path / name
    path.write_bytes(head)
    if not refused:
        assert [i.path for i in expand_inputs(path)] == [path]
        return
    with pytest.raises(DataError) as err:
        expand_inputs(path)
    assert str(err.value) == (
        f"{path}: is a Python pickle, which forecast never loads (unpickling can run any code); "
        "export the table as CSV or Parquet."
    )


def test_globs_skip_hidden_files_unless_asked_and_may_be_relative(tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for name in ("b.csv", "a.csv", ".hidden.csv"):
        (data / name).write_text("x\n")
    assert [i.name for i in expand_inputs(str(data / "*.csv"))] == ["a.csv", "b.csv"]
    assert [i.name for i in expand_inputs(str(data / ".*.csv"))] == [".hidden.csv"]
    monkeypatch.chdir(data)
    assert [str(i.path) for i in expand_inputs("*.csv")] == ["a.csv", "b.csv"]
    assert expand_inputs("a.csv")[0].path == Path("a.csv")
    with pytest.raises(DataError, match="no input matches 'c.csv'"):
        expand_inputs("c.csv")
    with pytest.raises(DataError, match=r"no input matches '.*nowhere/\*\.csv'"):
        expand_inputs(str(tmp_path / "nowhere" / "*.csv"))
