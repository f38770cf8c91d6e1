"""Properties of the written event file that docs/ingest.md states for the staging file
(which becomes events.parquet when nothing was dropped): plain string columns
(dictionary-encoded GDELT columns read back as strings), no dictionary pages on the id
columns, no min/max statistics on string columns."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from forecast.events import ingest


@pytest.mark.parametrize("folder", ["gdelt2", "tkg_small"])
def test_event_file_layout(fixtures_dir: Path, tmp_path: Path, folder: str) -> None:
    options = {"start_date": "2018-01-01", "time_unit": "hour"} if folder.startswith("tkg") else {}
    source = fixtures_dir / folder
    if folder == "gdelt2":  # the fixture's first seven lines: no repeated id, nothing dropped
        source = tmp_path / "in.export.CSV"
        lines = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[:7]
        source.write_bytes(b"\n".join(lines) + b"\n")
    summary = ingest(source, tmp_path / "out", **options)
    assert summary["rows_duplicate"] == 0
    path = Path(summary["outputs"]["events"])
    schema = pq.read_schema(path)
    for name in ("source_country", "cameo_code", "source_dataset", "source_file", "event_id", "dedup_key"):
        assert schema.field(name).type == pa.string(), name  # never dictionary<string>
    metadata = pq.ParquetFile(path).metadata
    columns = {metadata.row_group(0).column(i).path_in_schema: metadata.row_group(0).column(i)
               for i in range(metadata.num_columns)}
    for name in ("event_id", "dedup_key", "source_line"):
        encodings = set(columns[name].encodings)
        assert not encodings & {"PLAIN_DICTIONARY", "RLE_DICTIONARY"}, (name, encodings)
    for name in ("event_id", "source_country", "cameo_code"):
        stats = columns[name].statistics
        assert stats is None or not stats.has_min_max, name
    assert columns["source_line"].statistics.has_min_max  # numbers keep theirs
