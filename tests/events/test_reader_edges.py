"""Reader edges the fixtures do not reach: GDELT width detection, unregistering, overlong lines."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from forecast.events import detect_format
from forecast.events.readers import registry
from forecast.events.readers._finish import empty_event_table
from forecast.events.readers._stream import InputFile, iter_blocks
from forecast.events.schema import EVENT_COLUMNS

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
GDELT2 = FIXTURES / "gdelt2" / "20200101120000.export.CSV"


def _tab_line(n_fields: int, first: str = "1") -> bytes:
    return b"\t".join([first.encode(), *[b"x"] * (n_fields - 1)]) + b"\n"


def test_gdelt_1_0_at_57_fields_with_a_2_0_line_is_the_mixed_format(tmp_path: Path) -> None:
    # GDELT 1.0 has 57 fields (58 from April 2013), 2.0 has 61: a majority of 57-field lines
    # plus one 61-field line is a mixed GDELT input, read line by line by its width.
    path = tmp_path / "mixed.CSV"
    path.write_bytes(_tab_line(57) * 4 + _tab_line(61))
    assert detect_format(path) == "gdelt"
    path.write_bytes(_tab_line(58) * 4 + _tab_line(61))
    assert detect_format(path) == "gdelt"
    path.write_bytes(_tab_line(57) * 5)
    assert detect_format(path) == "gdelt1"


def test_a_tab_table_with_a_few_gdelt_wide_lines_is_not_gdelt(tmp_path: Path) -> None:
    # The majority width decides: 10-field lines are no GDELT file, whatever a few lines hold.
    path = tmp_path / "table.tsv"
    path.write_bytes(_tab_line(10) * 6 + _tab_line(57) + _tab_line(61))
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(path)


def test_unregister_by_alias_removes_the_name_and_every_alias() -> None:
    spec = registry.FormatSpec("edge_toy", lambda inputs: iter(()), aliases=("edge_toy_v1", "edge_toy_v2"))
    registry.register(spec)
    assert registry.get("edge_toy_v2") is spec
    assert registry.unregister("edge_toy_v1") is spec
    assert "edge_toy" not in registry.names()
    for name in ("edge_toy", "edge_toy_v1", "edge_toy_v2"):
        with pytest.raises(ValueError):
            registry.get(name)
    # The names are free again.
    assert registry.register(spec) is spec
    assert registry.unregister("edge_toy") is spec
    assert "edge_toy" not in registry.names()


def test_an_overlong_line_keeps_a_prefix_of_itself_as_raw(tmp_path: Path) -> None:
    # With a limit below the raw cap (64 KiB), raw is the part of the line read before it was
    # cut: a prefix of the line, without any newline, and longer than the limit.
    long_text = "".join(chr(ord("a") + i % 26) for i in range(5000))
    path = tmp_path / "lines.txt"
    path.write_bytes(b"first\n" + long_text.encode() + b"\nthird\n")
    blocks = list(iter_blocks(InputFile(path), block_bytes=1 << 12, max_line_bytes=1000))
    (cut,) = [b for b in blocks if 2 in b.line_no.tolist()]
    assert cut.line_no.tolist() == [2]
    assert cut.problems == {0: "line too long: 5000 bytes, more than max_line_bytes=1000 (raise data.max_line_bytes if it is genuine)"}
    (raw,) = cut.raw(np.array([0]))
    assert 1000 < len(raw) <= 5000 and long_text.startswith(raw)
    assert [int(n) for b in blocks for n in b.line_no] == [1, 2, 3]


def test_an_overlong_line_ending_at_any_byte_of_a_read_ends_there(tmp_path: Path) -> None:
    # The skipped line's newline can fall on any byte of the block read after it, the first
    # included: every length from just over the limit to two blocks past it must give the
    # three lines back, the long one quarantined with its exact length.
    path = tmp_path / "lines.txt"
    for length in range(101, 101 + 2 * 64 + 2):
        path.write_bytes(b"first\n" + b"x" * length + b"\nthird\n")
        blocks = list(iter_blocks(InputFile(path), block_bytes=64, max_line_bytes=100))
        lines = {
            int(n): (bytes(b.data[s:e]), b.problems.get(i))
            for b in blocks
            for i, (s, e, n) in enumerate(zip(b.starts, b.ends, b.line_no))
        }
        assert sorted(lines) == [1, 2, 3], length
        assert lines[1] == (b"first", None) and lines[3] == (b"third", None), length
        assert lines[2][1] is not None and lines[2][1].startswith(f"line too long: {length} bytes"), length


def test_skipping_an_overlong_line_holds_one_block_not_the_line(tmp_path: Path) -> None:
    # A file of zeros is one line: skipping it must read block by block, never all of it.
    path = tmp_path / "zeros.txt"
    path.write_bytes(b"first\n" + b"\x00" * (16 << 20) + b"\nthird\n")
    tracemalloc.start()
    try:
        blocks = list(iter_blocks(InputFile(path), block_bytes=1 << 16, max_line_bytes=1 << 12))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [int(n) for b in blocks for n in b.line_no] == [1, 2, 3]
    assert peak < 2 << 20, peak


def test_an_empty_event_batch_has_the_staged_columns() -> None:
    # Canonical columns, then provenance, then the reader's extras (strings).
    table = empty_event_table()
    assert table.num_rows == 0
    assert table.schema.names == [*EVENT_COLUMNS, "dedup_key", "source_file", "source_line"]
    extra = empty_event_table(("url",))
    assert extra.schema.names[-1] == "url" and extra.schema.field("url").type == pa.string()
