"""The TKG quadruple reader on a hand-written set and on the genuine ICEWS18/ICEWS21 files."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import DataError

from forecast.events import ingest, read_tkg, validate_events

# tests/fixtures/tkg_small, by hand: train has 6 lines (one exact repeat of line 1),
# valid has 4 bad lines (unknown relation id, unknown entity id, malformed, non-CAMEO
# relation text) and test has 1 line: 11 rows read.


def read_small(fixtures_dir, **kwargs):
    return read_tkg(fixtures_dir / "tkg_small", start_date="2018-01-01", time_unit="hour", **kwargs)


def test_accounting_and_quarantine_reasons(fixtures_dir):
    result = read_small(fixtures_dir)
    assert result.summary()["rows_read"] == 11
    assert (result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (7, 4, 0)
    reasons = sorted(r.split(":")[0] for r in result.quarantine["reason"])
    assert reasons == [
        "entity id not in entity2id",
        "malformed quadruple",
        "relation id not in relation2id",
        "relation text is not a CAMEO event name",
    ]
    assert set(result.quarantine["line"]) == {1, 2, 3, 4}
    assert all(f.endswith("valid.txt") for f in result.quarantine["file"])


def test_collapse_policy_counts_the_repeat_as_duplicate(fixtures_dir):
    result = read_small(fixtures_dir, duplicates="collapse")
    assert (result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (6, 4, 1)
    assert result.summary()["rows_read"] == 11


def test_actors_codes_and_dates_resolve(fixtures_dir):
    events = read_small(fixtures_dir).events
    validate_events(events, origin="tkg_small")
    by_line = events.set_index("event_id")
    visit = by_line.loc["tkg_small:train:1"]
    assert (visit.source_country, visit.source_sector, visit.target_country, visit.cameo_code) == ("CHN", "state", "RUS", "042")
    assert visit.date == pd.Timestamp("2018-01-01")
    assert (visit.root_code, visit.quad_class, visit.goldstein) == ("04", 1, 1.9)
    mil = by_line.loc["tkg_small:train:3"]
    assert (mil.source_country, mil.source_sector, mil.target_country, mil.target_sector) == ("CHN", "MIL", "RUS", "GOV")
    assert mil.cameo_code == "062" and mil.date == pd.Timestamp("2018-01-02")
    ministers = by_line.loc["tkg_small:train:4"]  # Wang Yi and Lavrov, both foreign ministers in Jan 2018
    assert (ministers.source_country, ministers.source_sector, ministers.target_country, ministers.target_sector) == (
        "CHN", "GOV", "RUS", "GOV"
    )
    unresolved = by_line.loc["tkg_small:train:5"]
    assert unresolved.source_actor == "Unspecified Actor"
    assert unresolved.source_country is None and unresolved.source_sector is None
    phone = by_line.loc["tkg_small:test:1"]  # hour 200 = 2018-01-09 08:00
    assert phone.date == pd.Timestamp("2018-01-09") and phone.cameo_code == "041"


def test_reads_zip_and_day_units(fixtures_dir, tmp_path):
    archive = tmp_path / "small.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (fixtures_dir / "tkg_small").iterdir():
            zf.write(path, arcname=f"small/{path.name}")
    from_zip = read_tkg(archive, start_date="2018-01-01", time_unit="hour")
    assert from_zip.rows_accepted == 7
    copy = tmp_path / "days"
    shutil.copytree(fixtures_dir / "tkg_small", copy)
    (copy / "test.txt").write_text("7\t4\t0\t3\t0\n")
    as_days = read_tkg(copy, start_date="2021-01-01", time_unit="day", splits=("test",))
    assert as_days.events["date"].tolist() == [pd.Timestamp("2021-01-04")]


def test_missing_files_are_named(tmp_path):
    with pytest.raises(DataError, match="entity2id"):
        read_tkg(tmp_path, start_date="2018-01-01")


def test_byte_order_marks_are_not_part_of_names_or_ids(fixtures_dir, tmp_path):
    # A copy saved by an editor that writes a UTF-8 BOM: same events as the original.
    copy = tmp_path / "tkg_small"
    shutil.copytree(fixtures_dir / "tkg_small", copy)
    for name in ("entity2id.txt", "train.txt"):
        (copy / name).write_bytes(b"\xef\xbb\xbf" + (copy / name).read_bytes())
    result = read_tkg(copy, start_date="2018-01-01", time_unit="hour")
    assert (result.rows_accepted, result.rows_quarantined) == (7, 4)
    first = result.events.set_index("event_id").loc["tkg_small:train:1"]
    assert (first.source_actor, first.source_country, first.source_sector) == ("China", "CHN", "state")


def _damaged(fixtures_dir, tmp_path, name, data):
    copy = tmp_path / "tkg_small"
    shutil.copytree(fixtures_dir / "tkg_small", copy)
    (copy / name).write_bytes(data)
    return copy


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"China\t0\nRussia\t1\nMilitary (Chin\xe9)\t2\n",
         "entity2id.txt line 3: not UTF-8 (invalid continuation byte at byte 14); re-encode the file as UTF-8"),
        (b"China\t0\nRussia\n", "entity2id.txt line 2: expected 'name<TAB>id', got 'Russia'; fix or remove the line."),
        (b"China\t0\nRussia\tone\n", "entity2id.txt line 2: expected 'name<TAB>id', got 'Russia\\tone'"),
        (b"China\t0\nRussia\t0\n", "entity2id.txt line 2: id 0 is given twice ('China' and 'Russia')"),
    ],
)
def test_a_bad_id_map_line_is_named(fixtures_dir, tmp_path, data, message):
    copy = _damaged(fixtures_dir, tmp_path, "entity2id.txt", data)
    with pytest.raises(DataError) as err:
        read_tkg(copy, start_date="2018-01-01")
    assert str(err.value).startswith(str(copy / "entity2id.txt")) and message in str(err.value)


def test_truncated_archives_are_named(fixtures_dir, tmp_path):
    full = gzip.compress((fixtures_dir / "tkg_small" / "train.txt").read_bytes())
    copy = _damaged(fixtures_dir, tmp_path, "train.txt.gz", full[: len(full) // 2])
    (copy / "train.txt").unlink()
    with pytest.raises(DataError, match=r"train.txt.gz: truncated or corrupt gzip file \(.*\). Download it again"):
        read_tkg(copy, start_date="2018-01-01")
    archive = tmp_path / "small.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in (fixtures_dir / "tkg_small").iterdir():
            zf.write(path, arcname=path.name)
    cut = tmp_path / "cut.zip"
    cut.write_bytes(archive.read_bytes()[:300])
    with pytest.raises(DataError, match=r"cut.zip: truncated or corrupt zip archive \(File is not a zip file\)"):
        read_tkg(cut, start_date="2018-01-01")


def test_a_copy_of_a_set_under_another_name_is_a_duplicate(fixtures_dir, tmp_path):
    # tkg_small: 11 rows, 7 accepted, 4 quarantined. A byte-identical copy ("small (1)", as a
    # browser names a second download) repeats every row; a copy with one changed line does not.
    first = tmp_path / "small"
    shutil.copytree(fixtures_dir / "tkg_small", first)
    shutil.copytree(fixtures_dir / "tkg_small", tmp_path / "small (1)")
    changed = tmp_path / "other"
    shutil.copytree(fixtures_dir / "tkg_small", changed)
    (changed / "test.txt").write_text("7\t4\t0\t3\t0\n")  # one row, accepted
    summary = ingest([first, tmp_path / "small (1)"], tmp_path / "out", format="icews_tkg", start_date="2018-01-01")
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")] == [22, 7, 8, 7]
    events = pd.read_parquet(tmp_path / "out" / "events.parquet")
    assert len(events) == 7 and set(events["source_dataset"]) == {"small"}
    # dedup keeps the row with the smallest (source_file, source_line): "small (1)/" < "small/"
    assert {Path(f).parent for f in events["source_file"]} == {tmp_path / "small (1)"}
    summary = ingest([first, changed], tmp_path / "out2", format="icews_tkg", start_date="2018-01-01")
    assert [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")] == [22, 14, 8, 0]


@pytest.mark.shared_data
@pytest.mark.slow
def test_genuine_icews18(shared_data):
    result = read_tkg(
        shared_data / "raw/icews18_tkg_diffutkg/ICEWS18.zip", start_date="2018-01-01", time_unit="hour", dataset="icews18"
    )
    summary = result.summary()
    # 373,018 train + 45,995 valid + 49,545 test rows (SOURCES.md), none malformed.
    assert summary["rows_read"] == 468_558 and summary["rows_quarantined"] == 0
    events = result.events
    country_nodes = events[(events["source_actor"] == "China") & (events["target_actor"] == "Russia")]
    assert len(country_nodes) == 227  # SOURCES.md hand count of CHN->RUS country-node facts
    assert events["date"].min() == pd.Timestamp("2018-01-01") and events["date"].max() == pd.Timestamp("2018-10-31")


@pytest.mark.shared_data
@pytest.mark.slow
def test_genuine_icews21(shared_data):
    result = read_tkg(shared_data / "raw/icews21_22_tkg_zrllm/ICEWS21", start_date="2021-01-01", time_unit="day")
    events = result.events
    assert result.summary()["rows_read"] == 247_764 + 77_195 + 1_395
    pair = events[(events["source_actor"] == "China") & (events["target_actor"] == "United States")]
    assert len(pair) == 646  # SOURCES.md hand count
    assert events["date"].max() == pd.Timestamp("2021-08-31")
