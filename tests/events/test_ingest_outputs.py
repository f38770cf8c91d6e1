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


def _gdelt_lines(fixtures_dir: Path, ids: list[str]) -> bytes:
    first = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].split(b"\t")
    return b"".join(b"\t".join([i.encode(), *first[1:]]) + b"\n" for i in ids)


def test_a_repeat_in_an_early_block_is_found_after_increasing_blocks(fixtures_dir: Path, tmp_path: Path) -> None:
    # one line per block: ids 5, 5, 6, 7 - the later blocks increase, the repeat must still count
    path = tmp_path / "blocks.export.CSV"
    path.write_bytes(_gdelt_lines(fixtures_dir, ["5", "5", "6", "7"]))
    summary = ingest(path, tmp_path / "out", block_bytes=64)
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"]) == (4, 3, 1)
    increasing = tmp_path / "inc.export.CSV"
    increasing.write_bytes(_gdelt_lines(fixtures_dir, ["5", "6", "10", "11"]))  # shorter first, then bytewise
    summary = ingest(increasing, tmp_path / "out2", block_bytes=64)
    assert (summary["rows_accepted"], summary["rows_duplicate"]) == (4, 0)


def test_format_names_and_the_tkg_refusal(fixtures_dir: Path, tmp_path: Path) -> None:
    summary = ingest(fixtures_dir / "tkg_small", tmp_path / "a", format="tkg", start_date="2018-01-01",
                     time_unit="hour")
    assert summary["rows_read"] == 11
    with pytest.raises(ValueError) as err:
        ingest(fixtures_dir / "tkg_small", tmp_path / "b", format="icews_tkg")
    assert str(err.value) == (
        "start_date: a TKG set stores time as offsets: give data.start_date=YYYY-MM-DD (time 0) and "
        "data.time_unit=day|hour, e.g. data=icews_tkg data.start_date=2018-01-01 data.time_unit=hour."
    )
    # gdelt1 reads the 57/58-column layouts only: the fixture's 61-column line is refused
    summary = ingest(fixtures_dir / "gdelt1", tmp_path / "c", format="gdelt1")
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"]) == (6, 4, 2)
