"""Format detection from content and input expansion, on inputs written by the tests."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from forecast.errors import DataError

from forecast.events import detect_format, read_events
from forecast.events.readers._stream import expand_inputs

ICEWS_HEADER = "Event ID\tEvent Date\tSource Name\tSource Sectors\tSource Country\tEvent Text\tCAMEO Code"
POLECAT_HEADER = "Event ID\tEvent Date\tEvent Type\tEvent Mode"


def _gdelt_line(fixtures_dir: Path, width: int) -> str:
    fields = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].decode().split("\t")
    return "\t".join((fields + [""] * 61)[:width])


@pytest.mark.parametrize(
    "text, fmt",
    [
        (ICEWS_HEADER + "\n", "icews"),
        ('"Event ID"\t"Event Date"\t"Source Name"\n', "icews"),  # quoted header
        ("\ufeff" + ICEWS_HEADER + "\n", "icews"),  # byte-order mark
        (POLECAT_HEADER + "\n", "polecat"),
        ("Event ID\tEvent Date\n", "icews"),  # two fields only: not POLECAT
        ("date,cameo_code,source_country\n2021-01-01,042,CHN\n", "events"),
        ("date\tcameo_code\ttarget_country\n", "events"),
        ("\ufeffunique_id,ds,y\na,2021-01-04,1\n", "panel"),
        ("\n\nunique_id\tds\ty\tfamily\n", "panel"),  # leading blank lines skipped
    ],
)
def test_detect_from_the_first_line(tmp_path: Path, text: str, fmt: str) -> None:
    path = tmp_path / "input.txt"
    path.write_text(text, encoding="utf-8")
    assert detect_format(path) == fmt


def test_detect_gdelt_version_by_width_and_a_mix_as_both(fixtures_dir: Path, tmp_path: Path) -> None:
    v2, v1, v1_daily = (_gdelt_line(fixtures_dir, w) for w in (61, 57, 58))
    cases = {
        "two.CSV": [v2, v2, v1],  # 61 and 57 fields: both versions, each line read by its width
        "one.CSV": [v1, v1_daily, v1_daily],  # 57 and 58 are both GDELT 1.0
        "new.CSV": [v2],
        "old.CSV": [v1],
    }
    for name, lines in cases.items():
        (tmp_path / name).write_text("\n".join(lines) + "\n")
    assert detect_format(tmp_path / "two.CSV") == "gdelt"
    assert detect_format(tmp_path / "one.CSV") == "gdelt1"
    assert detect_format(tmp_path / "new.CSV") == "gdelt2"
    assert detect_format(tmp_path / "old.CSV") == "gdelt1"
    assert detect_format([tmp_path / "old.CSV", tmp_path / "two.CSV"]) == "gdelt"


def test_detect_refusals_name_the_file(fixtures_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n \n")
    with pytest.raises(ValueError) as err:
        detect_format(empty)
    assert str(err.value) == (
        f"{empty}: only blank lines, so there is nothing to detect the format from. Remove it, or pass the "
        "format explicitly (data=gdelt2, ...) to quarantine it row by row."
    )
    odd = tmp_path / "odd.txt"
    odd.write_text("1\t2\t3\n")
    with pytest.raises(ValueError) as err:
        detect_format(odd)
    assert str(err.value).startswith(f"{odd}: cannot tell the format from the first line '1\\t2\\t3'. Known: ")
    assert "61 tab-separated fields" in str(err.value)  # the registry's signatures are listed
    assert str(err.value).endswith("Pass the format explicitly, e.g. data=gdelt2.")
    icews = tmp_path / "icews.tab"
    icews.write_text(ICEWS_HEADER + "\n")
    tidy = tmp_path / "tidy.csv"
    tidy.write_text("date,cameo_code,source_country\n")
    with pytest.raises(ValueError) as err:
        detect_format([icews, tidy])
    assert str(err.value) == (
        f"inputs hold different formats: events (e.g. {tidy}); icews (e.g. {icews}). "
        "Ingest them separately or pass the format explicitly."
    )


def test_detect_parquet_by_its_columns(tmp_path: Path) -> None:
    panel = pd.DataFrame({"unique_id": ["a"], "ds": [pd.Timestamp("2021-01-04")], "y": [1.0]})
    panel.to_parquet(tmp_path / "p.parquet")
    pd.DataFrame({"date": ["2021-01-04"], "cameo_code": ["042"], "count": [1]}).to_parquet(tmp_path / "e.parquet")
    pd.DataFrame({"day": ["2021-01-04"], "cameo_code": ["042"]}).to_parquet(tmp_path / "thin.parquet")
    assert detect_format(tmp_path / "p.parquet") == "panel"
    assert detect_format(tmp_path / "e.parquet") == "events"
    with pytest.raises(ValueError) as err:
        detect_format(tmp_path / "thin.parquet")
    assert str(err.value) == (
        f"{tmp_path / 'thin.parquet'}: parquet columns ['day', 'cameo_code'] match neither a tidy event table "
        "(date, cameo_code, ...) nor a panel (unique_id, ds, y)."
    )
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.write(tmp_path / "p.parquet", "inner/p.parquet")
    assert detect_format(tmp_path / "z.zip") == "panel"


def test_detect_tkg_sets(fixtures_dir: Path, tmp_path: Path) -> None:
    assert detect_format(fixtures_dir / "tkg_small") == "icews_tkg"
    gz = tmp_path / "gz"
    gz.mkdir()
    for name in ("entity2id.txt", "relation2id.txt", "train.txt"):
        (gz / f"{name}.gz").write_bytes(gzip.compress((fixtures_dir / "tkg_small" / name).read_bytes()))
    assert detect_format(gz) == "icews_tkg"
    with zipfile.ZipFile(tmp_path / "set.zip", "w") as archive:
        for name in ("entity2id.txt", "relation2id.txt", "train.txt"):
            archive.write(fixtures_dir / "tkg_small" / name, f"ICEWS/{name}")
    assert detect_format(tmp_path / "set.zip") == "icews_tkg"


def test_expand_inputs(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "sub").mkdir()
    for name in ("b.CSV", "a.CSV", "sub/c.CSV"):
        (tmp_path / "d" / name).write_text("x\n")
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("m2.CSV", "x\n")
        archive.writestr("dir/", "")
        archive.writestr("dir/m1.CSV", "x\n")
    inputs = expand_inputs([tmp_path / "d", tmp_path / "z.zip", tmp_path / "d" / "a.CSV"])
    assert [i.label for i in inputs] == [
        str(tmp_path / "d" / "a.CSV"), str(tmp_path / "d" / "b.CSV"),
        f"{tmp_path / 'z.zip'}:dir/m1.CSV", f"{tmp_path / 'z.zip'}:m2.CSV",
    ]
    assert [i.name for i in inputs] == ["a.CSV", "b.CSV", "m1.CSV", "m2.CSV"]
    recursive = expand_inputs(str(tmp_path / "d" / "**" / "*.CSV"))
    assert [i.name for i in recursive] == ["a.CSV", "b.CSV", "c.CSV"]
    with pytest.raises(DataError) as err:
        expand_inputs(str(tmp_path / "nothing*.CSV"))
    assert str(err.value) == (
        f"no input matches {str(tmp_path / 'nothing*.CSV')!r}. Give a file, a folder or a glob such as "
        "'data/*.export.CSV.gz'."
    )


def test_gz_member_of_a_zip_is_read_in_place(fixtures_dir: Path, tmp_path: Path) -> None:
    raw = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes()
    with zipfile.ZipFile(tmp_path / "z.zip", "w") as archive:
        archive.writestr("20200101120000.export.CSV.gz", gzip.compress(raw))
    zipped = read_events(tmp_path / "z.zip")
    plain = read_events(fixtures_dir / "gdelt2")
    assert zipped.summary()["rows_read"] == plain.summary()["rows_read"] == 12
    assert sorted(zipped.events["event_id"]) == sorted(plain.events["event_id"])
    assert set(zipped.events["source_file"]) == {f"{tmp_path / 'z.zip'}:20200101120000.export.CSV.gz"}
