"""The shared reader loop keeps the rows of every piece of a chunk (none dropped, in order)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from forecast.events.readers._stream import Chunk, InputFile, expand_inputs, iter_delimited
from forecast.events.readers.base import QUARANTINE_COLUMNS
from forecast.events.readers.polecat import iter_polecat


def _rejects(label: str, *lines: int) -> pd.DataFrame:
    return pd.DataFrame([(label, n, "bad", "") for n in lines], columns=list(QUARANTINE_COLUMNS))


def test_every_piece_of_a_chunk_is_kept_in_order(tmp_path: Path) -> None:
    source = InputFile(tmp_path / "x.txt")

    def chunks(src: InputFile) -> Iterator[Chunk]:
        yield Chunk(6, _rejects(src.label, 1), [[2, 3], [4], [5, 6]])

    def convert(src: InputFile, piece: list[int]) -> tuple[pa.Table, pd.DataFrame]:
        kept = [n for n in piece if n != 5]
        return pa.table({"line": pa.array(kept, pa.int64())}), _rejects(src.label, *(n for n in piece if n == 5))

    (batch,) = iter_delimited([source], chunks, convert, lambda: pa.table({"line": pa.array([], pa.int64())}))
    assert batch.events["line"].to_pylist() == [2, 3, 4, 6]  # taking only the first piece would give [2, 3]
    assert batch.quarantine["line"].tolist() == [1, 5]
    assert batch.rows_read == batch.events.num_rows + len(batch.quarantine) == 6


def test_polecat_block_with_two_widths_keeps_both(fixtures_dir: Path) -> None:
    # Lines 2-4 have 40 fields, line 5 one more (empty) trailing field: two tables, one block.
    (batch,) = iter_polecat(expand_inputs(fixtures_dir / "polecat"))
    assert sorted(batch.events["source_line"].to_pylist()) == [2, 3, 4, 5]
    assert sorted(batch.quarantine["line"]) == [6, 7]
    assert batch.rows_read == batch.events.num_rows + len(batch.quarantine) == 6
