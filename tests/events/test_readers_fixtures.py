"""Every reader on team-written fixtures in the genuine layouts, bad rows included."""

from __future__ import annotations

import gzip
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from forecast.events import detect_format, read_events, validate_events
from forecast.events.schema import EVENT_COLUMNS


def _dyads(events: pd.DataFrame) -> pd.Series:
    return events.groupby(["source_country", "target_country"]).size()


def _reasons(result) -> dict[int, str]:
    return dict(zip(result.quarantine["line"], result.quarantine["reason"]))


def _check(result, read: int, accepted: int, quarantined: int, duplicate: int) -> None:
    summary = result.summary()  # raises when the identity fails
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"], summary["rows_duplicate"]) == (
        read,
        accepted,
        quarantined,
        duplicate,
    )
    if "cameo_code" in result.events:
        validate_events(result.events[list(EVENT_COLUMNS)], origin="test")


def test_gdelt2_fixture(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "gdelt2")
    # 12 data lines (a trailing blank line is not a row): 7 good, 4 bad, 1 repeated GLOBALEVENTID
    _check(result, read=12, accepted=7, quarantined=4, duplicate=1)
    reasons = _reasons(result)
    assert "lost its leading zero" in reasons[8] and "'042'" in reasons[8]
    assert reasons[9].startswith("bad date")
    assert reasons[11].startswith("wrong column count: 40")
    assert reasons[12].startswith("undecodable bytes")
    assert "\\xff" in result.quarantine.set_index("line").loc[12, "raw"]
    ev = result.events.set_index("event_id")
    assert ev.loc["900000001", "source_line"] == 1  # the first report is kept, the repeat on line 10 dropped
    assert ev.loc["900000003", ["source_sector", "target_sector"]].tolist() == ["MIL", "MIL"]
    assert ev.loc["900000004", "cameo_code"] == "0312"
    assert ev.loc["900000006", ["source_country", "target_country"]].tolist() == [None, "BLR"]
    assert ev.loc["900000006", "action_country"] == "BLR"  # FIPS BO is Belarus, not Bolivia
    assert ev.loc["900000003", "action_country"] == "CHN"  # FIPS CH is China, not Switzerland
    assert ev.loc["900000007", ["quad_class", "goldstein"]].tolist() == [4, -10.0]  # delivered values kept
    assert _dyads(result.events)[("USA", "RUS")] == 1


def test_gdelt_geo_fallback_fills_location_country(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "gdelt2", format="gdelt2", geo_fallback=True)
    assert result.events.set_index("event_id").loc["900000006", "source_country"] == "BLR"


def test_gdelt1_mixed_widths(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "gdelt1", format="gdelt1")
    _check(result, read=6, accepted=4, quarantined=2, duplicate=0)
    assert set(result.events["source_dataset"]) == {"gdelt1"}
    assert sorted(result.events["source_line"]) == [1, 2, 3, 4]
    assert _reasons(result)[6].startswith("wrong column count: 61")
    assert _reasons(result)[5].startswith("bad date")
    mil = result.events.set_index("event_id").loc["5000002"]
    assert (mil["source_country"], mil["source_sector"], mil["cameo_code"]) == ("RUS", "MIL", "154")


def test_gdelt_auto_reads_both_versions_in_their_id_spaces(fixtures_dir: Path) -> None:
    paths = [fixtures_dir / "gdelt1", fixtures_dir / "gdelt2"]
    assert detect_format(paths) == "gdelt"
    result = read_events(paths)
    result.summary()
    assert set(result.events["source_dataset"]) == {"gdelt1", "gdelt2"}
    # in "gdelt" mode the 61-column line of the 1.0 file is a valid 2.0 row
    assert result.rows_read == 18 and result.rows_accepted == 12


def test_icews_fixture(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "icews")
    # 12 data lines; one exact repeat of (Event ID, Event Date)
    _check(result, read=12, accepted=7, quarantined=4, duplicate=1)
    reasons = _reasons(result)
    assert reasons[7].startswith("wrong column count: 8")
    assert reasons[10] == "missing CAMEO code"
    assert reasons[11].startswith("bad date")
    assert "lost its leading zero" in reasons[12]
    ev = result.events
    # Event ID 70000001 occurs on two dates: two different events, both kept
    assert (ev["event_id"] == "70000001").sum() == 2
    by_id = ev.set_index(["event_id", "date"])
    assert by_id.loc[("70000004", pd.Timestamp("2018-06-02")), "cameo_code"] == "042"  # m/d/YYYY date
    mil = by_id.loc[("70000003", pd.Timestamp("2018-06-01"))]
    assert (mil["source_country"], mil["source_sector"], mil["target_sector"]) == ("RUS", "MIL", "MIL")
    xi = by_id.loc[("70000004", pd.Timestamp("2018-06-02"))]
    assert (xi["source_country"], xi["source_sector"], xi["target_country"]) == ("CHN", "GOV", "RUS")
    japan = by_id.loc[("70000005", pd.Timestamp("2018-06-02"))]
    assert (japan["source_actor"], japan["source_country"], japan["source_sector"]) == ("Japan", "JPN", "state")
    assert japan["target_sector"] == "other"
    eu = by_id.loc[("70000009", pd.Timestamp("2018-06-02"))]
    assert eu["source_country"] is None and eu["source_sector"] is None
    assert _dyads(ev)[("CHN", "USA")] == 1 and _dyads(ev)[("USA", "CHN")] == 1


def test_polecat_fixture(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "polecat")
    _check(result, read=6, accepted=4, quarantined=2, duplicate=0)
    ev = result.events.set_index("event_id")
    assert ev.loc["20230101-0002", ["cameo_code", "quad_class", "source_sector"]].tolist() == ["06", 2, "MIL"]
    assert ev.loc["20230101-0001", ["source_country", "target_country", "plover_mode"]].tolist() == [
        "CHN",
        "RUS",
        "visit",
    ]
    assert ev.loc["20230101-0004", "target_actor"] is None  # literal "None" is missing
    assert ev.loc["20230101-0004", "source_country"] == "RUS"  # country name, trailing empty column accepted
    assert _reasons(result)[6].startswith("unknown PLOVER event type")


def test_tidy_fixture(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "tidy")
    _check(result, read=9, accepted=4, quarantined=4, duplicate=1)
    ev = result.events.set_index("event_id")
    assert ev.loc["hc-1", ["source_country", "source_sector", "target_country"]].tolist() == ["CHN", "GOV", "RUS"]
    assert ev.loc["hc-3", ["source_sector", "count", "quad_class"]].tolist() == ["MIL", 2, 2]
    assert ev.loc["hc-4", "source_country"] == "USA"
    reasons = _reasons(result)
    assert reasons[8].startswith("wrong column count")  # a quoted comma is not a separator, a missing field is
    assert "count" in reasons[10]


def test_tidy_parquet_roundtrip(fixtures_dir: Path, tmp_path: Path) -> None:
    first = read_events(fixtures_dir / "tidy")
    path = tmp_path / "events.parquet"
    first.events[list(EVENT_COLUMNS)].to_parquet(path)
    again = read_events(path)
    _check(again, read=4, accepted=4, quarantined=0, duplicate=0)
    assert detect_format(path) == "events"


def test_panel_fixture(fixtures_dir: Path) -> None:
    result = read_events(fixtures_dir / "panel")
    _check(result, read=7, accepted=3, quarantined=3, duplicate=1)
    assert set(result.events.columns) >= {"unique_id", "ds", "y", "source", "family"}
    assert _reasons(result) == {5: "y is not a number: 'abc'", 6: "missing unique_id", 8: "bad date: ds 'not-a-date'"}


def test_clean_panel_without_bad_rows(tmp_path: Path) -> None:
    # Every row valid: the quarantine is empty (this used to crash building it).
    path = tmp_path / "clean.csv"
    path.write_text("unique_id,ds,y,family\na,2021-01-04,1,x\na,2021-01-11,2,x\nb,2021-01-04,0,x\nb,2021-01-11,5,x\n")
    result = read_events(path, format="panel")
    _check(result, read=4, accepted=4, quarantined=0, duplicate=0)
    assert sorted(result.events["y"]) == [0.0, 1.0, 2.0, 5.0]


@pytest.mark.parametrize("duplicates, accepted, duplicate", [("keep", 6, 0), ("collapse", 5, 1)])
def test_tkg_fixture_duplicate_policy(fixtures_dir: Path, duplicates: str, accepted: int, duplicate: int) -> None:
    result = read_events(fixtures_dir / "tkg_ingest", start_date="2018-01-01", time_unit="hour", duplicates=duplicates)
    _check(result, read=9, accepted=accepted, quarantined=3, duplicate=duplicate)


def test_tkg_needs_start_date(fixtures_dir: Path) -> None:
    with pytest.raises(ValueError, match="start_date"):
        read_events(fixtures_dir / "tkg_ingest")


def test_gz_and_zip_inputs(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "gdelt2" / "20200101120000.export.CSV"
    gz = tmp_path / "a" / (src.name + ".gz")
    gz.parent.mkdir()
    gz.write_bytes(gzip.compress(src.read_bytes()))
    zipped = tmp_path / "b" / (src.name + ".zip")
    zipped.parent.mkdir()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(src, src.name)
    for path in (gz, zipped):
        assert detect_format(path) == "gdelt2"
        _check(read_events(path), read=12, accepted=7, quarantined=4, duplicate=1)


def test_same_file_twice_never_double_counts(fixtures_dir: Path, tmp_path: Path) -> None:
    src = fixtures_dir / "icews" / "events.2018.fixture.tab"
    copy = tmp_path / "renamed-copy.tab"
    shutil.copy(src, copy)
    result = read_events([src, copy])
    _check(result, read=24, accepted=7, quarantined=8, duplicate=9)
    # the same path listed twice (or matched by two globs) is read once
    assert read_events([src, src]).rows_read == 12


def test_glob_over_inputs(fixtures_dir: Path) -> None:
    result = read_events(str(fixtures_dir / "gdelt2" / "*.export.CSV"))
    assert result.rows_read == 12


@pytest.mark.parametrize(
    "folder, fmt",
    [
        ("gdelt2", "gdelt2"),
        ("gdelt1", "gdelt"),  # 57, 58 and 61-column lines in one file: each read by its width
        ("icews", "icews"),
        ("polecat", "polecat"),
        ("tidy", "events"),
        ("panel", "panel"),
        ("tkg_ingest", "icews_tkg"),
    ],
)
def test_auto_detect(fixtures_dir: Path, folder: str, fmt: str) -> None:
    assert detect_format(fixtures_dir / folder) == fmt


def test_detect_rejects_unknown_and_mixed(fixtures_dir: Path, tmp_path: Path) -> None:
    odd = tmp_path / "odd.txt"
    odd.write_text("hello world\n")
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(odd)
    with pytest.raises(ValueError, match="different formats"):
        detect_format([fixtures_dir / "icews", fixtures_dir / "gdelt2"])


def test_wrong_explicit_format_names_the_file(fixtures_dir: Path) -> None:
    with pytest.raises(ValueError, match="not the ICEWS Dataverse header"):
        read_events(fixtures_dir / "gdelt2", format="icews")


def test_small_blocks_give_the_same_result(fixtures_dir: Path) -> None:
    whole = read_events(fixtures_dir / "gdelt2")
    tiny = read_events(fixtures_dir / "gdelt2", block_bytes=700)  # about one line per block
    assert tiny.summary() == whole.summary()
    assert _reasons(tiny) == _reasons(whole)


def test_line_endings(fixtures_dir: Path, tmp_path: Path) -> None:
    lines = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[:3]
    crlf = tmp_path / "crlf" / "x.export.CSV"
    crlf.parent.mkdir()
    crlf.write_bytes(b"\r\n".join(lines))  # Windows line endings, no final newline
    _check(read_events(crlf), read=3, accepted=3, quarantined=0, duplicate=0)
    stray = tmp_path / "stray" / "x.export.CSV"
    stray.parent.mkdir()
    stray.write_bytes(lines[0] + b"\n" + lines[1].replace(b"NAME RUS", b"NAME\rRUS") + b"\n" + lines[2] + b"\n")
    result = read_events(stray)
    _check(result, read=3, accepted=2, quarantined=1, duplicate=0)
    assert _reasons(result) == {2: "carriage return inside the line"}


def test_gdelt_blank_quad_filled_and_bad_id(fixtures_dir: Path, tmp_path: Path) -> None:
    first = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].decode().split("\t")
    blank_quad = first.copy()
    blank_quad[29], blank_quad[30] = "", ""  # QuadClass, GoldsteinScale missing: taken from the CAMEO table
    bad_id = first.copy()
    bad_id[0] = "9e9"
    path = tmp_path / "x.export.CSV"
    path.write_text("\n".join("\t".join(f) for f in (blank_quad, bad_id)) + "\n")
    result = read_events(path)
    _check(result, read=2, accepted=1, quarantined=1, duplicate=0)
    assert result.events.loc[0, ["quad_class", "goldstein"]].tolist() == [1, 1.9]
    assert _reasons(result)[2] == "bad id: GLOBALEVENTID '9e9' is not an integer"
