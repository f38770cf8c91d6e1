"""Reader options and edge values that the format fixtures do not exercise.

Expected values come from hand counts, the format reference
(/work/shared/reference/event-data-formats.md), the public lookups in
``../shared/data/lookups`` and plain-Python counts over the genuine files - never from the
code under test. Inputs are written into ``tmp_path`` by the tests themselves.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from forecast.events import read_events, read_tkg
from forecast.events.readers._finish import code_problems
from forecast.events.taxonomy import cameo_table, code_attributes

# --------------------------------------------------------------------------------------
# TKG sets written by hand
# --------------------------------------------------------------------------------------

_ENTITIES = "China\t0\nRussia\t1\nUnited States\t2\n"
_RELATIONS = (
    "Make a visit\t0\nHost a visit\t1\nDeny responsibility\t2\nReject judicial cooperation\t3\n"
    "Halt negotiations\t4\nAppeal for diplomatic cooperation (such as policy support)\t5\n"
)


def _tkg_set(folder: Path, splits: dict[str, list[tuple[int, int, int, int]]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entity2id.txt").write_text(_ENTITIES)
    (folder / "relation2id.txt").write_text(_RELATIONS)
    for split, rows in splits.items():
        (folder / f"{split}.txt").write_text("".join(f"{h}\t{r}\t{t}\t{time}\t0\n" for h, r, t, time in rows))
    return folder


# China visits Russia on day 0, 1 and 2 (hours 0, 24, 48): three facts, not repeats.
# Line 4 repeats line 1 exactly; valid line 1 repeats train line 2 exactly (across splits);
# valid line 2 is the same (s, o, time) as train line 1 with another relation: not a repeat.
_TIMES = {
    "train": [(0, 0, 1, 0), (0, 0, 1, 24), (0, 0, 1, 48), (0, 0, 1, 0), (1, 1, 0, 0)],
    "valid": [(0, 0, 1, 24), (0, 2, 1, 0), (1, 0, 0, 0)],
}


@pytest.mark.parametrize("duplicates, accepted, duplicate", [("keep", 8, 0), ("collapse", 6, 2)])
def test_tkg_collapse_keys_on_the_full_quadruple_time_included(
    tmp_path: Path, duplicates: str, accepted: int, duplicate: int
) -> None:
    folder = _tkg_set(tmp_path / "times", _TIMES)
    direct = read_tkg(folder, start_date="2018-01-01", time_unit="hour", duplicates=duplicates)
    ingested = read_events(folder, format="icews_tkg", start_date="2018-01-01", time_unit="hour", duplicates=duplicates)
    for result in (direct, ingested):
        summary = result.summary()
        assert (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"]) == (8, accepted, duplicate)
        visits = result.events[(result.events["source_actor"] == "China") & (result.events["cameo_code"] == "042")]
        # the three days of the visit all survive; with "keep" the exact repeats count as events too
        days = visits.groupby("date").size().to_dict()
        expected = {pd.Timestamp("2018-01-01"): 1, pd.Timestamp("2018-01-02"): 1, pd.Timestamp("2018-01-03"): 1}
        if duplicates == "keep":
            expected = {pd.Timestamp("2018-01-01"): 2, pd.Timestamp("2018-01-02"): 2, pd.Timestamp("2018-01-03"): 1}
        assert days == expected
    if duplicates == "collapse":
        # the first occurrence is kept: train lines 1-3, 5 and valid lines 2, 3
        kept = sorted(zip(direct.events["event_id"], direct.events["source_line"]))
        assert [e for e, _ in kept] == [
            "times:train:1", "times:train:2", "times:train:3", "times:train:5", "times:valid:2", "times:valid:3",
        ]
        # the key names the quadruple, time included, so it is stable across re-ingests
        assert set(direct.events["dedup_key"]) == {
            "times:0:0:1:0", "times:0:0:1:24", "times:0:0:1:48", "times:1:1:0:0", "times:0:2:1:0", "times:1:0:0:0",
        }
    else:
        assert direct.events["dedup_key"].is_unique


def _distinct_quadruples(zip_path: Path) -> tuple[int, int]:
    """Rows and distinct (head, relation, tail, time) over the three splits, in plain Python."""
    rows, distinct = 0, set()
    with zipfile.ZipFile(zip_path) as archive:
        names = {Path(n).name: n for n in archive.namelist()}
        for split in ("train.txt", "valid.txt", "test.txt"):
            for line in io.TextIOWrapper(archive.open(names[split]), encoding="utf-8"):
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 4:
                    rows += 1
                    distinct.add(tuple(fields[:4]))
    return rows, len(distinct)


@pytest.mark.shared_data
@pytest.mark.slow
def test_tkg_collapse_on_genuine_icews18_drops_only_exact_repeats(shared_data: Path) -> None:
    path = shared_data / "raw" / "icews18_tkg_diffutkg" / "ICEWS18.zip"
    rows, distinct = _distinct_quadruples(path)
    assert rows == 468_558  # SOURCES.md: 373,018 + 45,995 + 49,545
    result = read_tkg(path, start_date="2018-01-01", time_unit="hour", dataset="icews18", duplicates="collapse")
    summary = result.summary()
    assert summary["rows_read"] == rows and summary["rows_quarantined"] == 0
    assert summary["rows_duplicate"] == rows - distinct  # 0: SOURCES.md says the rows are deduplicated
    assert summary["rows_accepted"] == distinct
    assert result.events["dedup_key"].is_unique


# --------------------------------------------------------------------------------------
# TKG time: hours to calendar days
# --------------------------------------------------------------------------------------

# hour offset -> day (t = 0 is 2018-01-01 00:00): a day is [00:00, 24:00), never rounded.
_HOURS = {0: "2018-01-01", 11: "2018-01-01", 12: "2018-01-01", 13: "2018-01-01", 23: "2018-01-01",
          24: "2018-01-02", 47: "2018-01-02", 48: "2018-01-03"}


def test_tkg_hour_offsets_floor_to_their_day(tmp_path: Path) -> None:
    folder = _tkg_set(tmp_path / "hours", {"train": [(0, 0, 1, h) for h in _HOURS]})
    events = read_tkg(folder, start_date="2018-01-01", time_unit="hour").events
    got = dict(zip(events["source_line"], events["date"]))
    assert got == {i + 1: pd.Timestamp(day) for i, day in enumerate(_HOURS.values())}


def test_tkg_day_offsets_and_start_date(tmp_path: Path) -> None:
    # day units: t is the day index (ICEWS21); 2020 is a leap year, so day 59 is Feb 29
    folder = _tkg_set(tmp_path / "days", {"train": [(0, 0, 1, t) for t in (0, 1, 30, 59, 365)]})
    events = read_tkg(folder, start_date="2020-01-01", time_unit="day").events
    assert list(events.sort_values("source_line")["date"]) == [
        pd.Timestamp(d) for d in ("2020-01-01", "2020-01-02", "2020-01-31", "2020-02-29", "2020-12-31")
    ]


# --------------------------------------------------------------------------------------
# Goldstein values: GDELT's scale, ICEWS's intensity, and the code only ICEWS has
# --------------------------------------------------------------------------------------


def _gdelt_goldstein(lookups: Path) -> dict[str, float]:
    out = {}
    with open(lookups / "gdelt_cameo_2013_undp" / "CAMEO.goldsteinscale.txt", encoding="latin-1") as handle:
        for line in handle:
            code, _, value = line.rstrip("\n").partition("\t")
            if code.isdigit():
                out[code] = float(value)
    return out


def _icews_intensity(lookups: Path) -> dict[str, float]:
    with open(lookups / "cameo_codebook_andybega" / "cameo-codes.csv", encoding="latin-1", newline="") as handle:
        return {row["code"]: float(row["goldstein"]) for row in csv.DictReader(handle)}


@pytest.mark.shared_data
def test_goldstein_and_intensity_for_every_code_match_the_lookups(shared_data: Path) -> None:
    gdelt = _gdelt_goldstein(shared_data / "lookups")
    icews = _icews_intensity(shared_data / "lookups")
    assert sorted(set(icews) - set(gdelt)) == ["1213"]  # SOURCES.md: 311 GDELT codes, 312 in the codebook
    table = cameo_table()
    assert set(table.index) == set(gdelt) | set(icews)
    for code in table.index:
        # GDELT's value where GDELT has one; the ICEWS intensity for the code only ICEWS has
        assert table.loc[code, "goldstein"] == gdelt.get(code, icews.get(code)), code
        assert table.loc[code, "icews_intensity"] == icews.get(code, gdelt.get(code)), code
    differ = sorted(c for c in gdelt if c in icews and gdelt[c] != icews[c])
    assert differ == ["016", "022", "164", "165"]  # the reference's list


def test_code_attributes_per_intensity_table() -> None:
    # values by hand from the two lookups (GDELT 2013 goldsteinscale, ICEWS codebook)
    codes = pd.Series(["016", "022", "164", "165", "1213", "19", "042", "999"])
    gdelt = code_attributes(codes)
    icews = code_attributes(codes, intensity="icews_intensity")
    assert gdelt["goldstein"].tolist()[:7] == [-2.0, 3.2, -7.0, -6.5, -4.0, -10.0, 1.9]
    assert icews["goldstein"].tolist()[:7] == [-5.0, 3.4, -6.5, -7.0, -4.0, -10.0, 1.9]
    assert pd.isna(gdelt["goldstein"].iloc[7]) and pd.isna(icews["goldstein"].iloc[7])
    assert gdelt["quad_class"].tolist()[:7] == [1, 1, 4, 4, 3, 4, 1]
    assert pd.isna(gdelt["quad_class"].iloc[7])
    assert gdelt["root_code"].tolist() == ["01", "02", "16", "16", "12", "19", "04", "99"]


def test_tkg_uses_icews_intensity_including_the_icews_only_code(tmp_path: Path) -> None:
    rows = [(0, r, 1, 24 * r) for r in range(6)]
    events = read_tkg(_tkg_set(tmp_path / "gold", {"train": rows}), start_date="2018-01-01", time_unit="hour").events
    got = dict(zip(events["cameo_code"], zip(events["goldstein"], events["quad_class"])))
    assert got == {
        "042": (1.9, 1), "043": (2.8, 1), "016": (-5.0, 1), "1213": (-4.0, 3), "164": (-6.5, 4), "022": (3.4, 1),
    }


_ICEWS_HEADER = (
    "Event ID\tEvent Date\tSource Name\tSource Sectors\tSource Country\tEvent Text\tCAMEO Code\tIntensity\t"
    "Target Name\tTarget Sectors\tTarget Country\tStory ID\tSentence Number\tPublisher\tCity\tDistrict\t"
    "Province\tCountry\tLatitude\tLongitude\n"
)


def _icews_row(event_id: str, date: str, code: str, intensity: str = "NA") -> str:
    return (
        f"{event_id}\t{date}\tChina\t\tChina\tText\t{code}\t{intensity}\tRussia\t\tRussian Federation\t1\t1\tWire\t"
        "NA\tNA\tNA\tChina\t39.9\t116.4\n"
    )


def test_icews_missing_intensity_falls_back_to_icews_table(tmp_path: Path) -> None:
    path = tmp_path / "i.tab"
    path.write_text(
        _ICEWS_HEADER
        + _icews_row("1", "2018-06-01", "1213")
        + _icews_row("2", "2018-06-01", "016")
        + _icews_row("3", "2018-06-01", "016", "-1.5")  # a delivered Intensity is kept
    )
    events = read_events(path, format="icews").events.set_index("event_id")
    assert events["goldstein"].to_dict() == {"1": -4.0, "2": -5.0, "3": -1.5}
    assert events["quad_class"].to_dict() == {"1": 3, "2": 1, "3": 1}


# --------------------------------------------------------------------------------------
# GDELT rows built from the team fixtures, edited by the reference's column indices
# --------------------------------------------------------------------------------------

# 0-based indices of the reference's table (identical in 1.0 and 2.0 up to column 38)
_ID, _SQLDATE, _CODE, _BASE, _ROOT, _QUAD, _GOLD = 0, 1, 26, 27, 28, 29, 30


def _template(fixtures_dir: Path, version: int) -> list[str]:
    if version == 2:
        line = (fixtures_dir / "gdelt2" / "20200101120000.export.CSV").read_bytes().split(b"\n")[0].decode()
    else:
        line = (fixtures_dir / "gdelt1" / "events_mixed.tsv").read_bytes().split(b"\n")[0].decode()
    fields = line.split("\t")
    assert len(fields) == {2: 61, 1: 57}[version]
    return fields


def _gdelt_row(template: list[str], **values: str) -> str:
    fields = template.copy()
    index = {"eid": _ID, "date": _SQLDATE, "code": _CODE, "quad": _QUAD, "gold": _GOLD}
    for name, value in values.items():
        fields[index[name]] = value
    if "code" in values:
        fields[_BASE], fields[_ROOT] = values["code"][:3], values["code"][:2]
    return "\t".join(fields)


def test_gdelt1_and_gdelt2_ids_are_separate_spaces(fixtures_dir: Path, tmp_path: Path) -> None:
    """docs/ingest.md: keys are ``gdelt1:GLOBALEVENTID`` and ``gdelt2:GLOBALEVENTID``.

    The same id in a 1.0 and a 2.0 file names two different events (the reference: the
    streams use different id spaces), so both are kept; a repeat within one version is a
    duplicate, whichever layout width (57 or 58 columns) carries it.
    """
    v1, v2 = _template(fixtures_dir, 1), _template(fixtures_dir, 2)
    v1_daily = [*v1, "https://example.org/a"]  # the 58-column daily layout
    (tmp_path / "v1.tsv").write_text(
        "\n".join([_gdelt_row(v1, eid="777"), _gdelt_row(v1_daily, eid="777"), _gdelt_row(v1, eid="778")]) + "\n"
    )
    (tmp_path / "v2.export.CSV").write_text(
        "\n".join([_gdelt_row(v2, eid="777"), _gdelt_row(v2, eid="777"), _gdelt_row(v2, eid="779")]) + "\n"
    )
    result = read_events([tmp_path / "v1.tsv", tmp_path / "v2.export.CSV"])
    summary = result.summary()
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"]) == (6, 4, 2)
    keys = sorted(result.events["dedup_key"])
    assert keys == ["gdelt1:777", "gdelt1:778", "gdelt2:777", "gdelt2:779"]
    ev = result.events.set_index("dedup_key")
    assert ev.loc["gdelt1:777", "source_line"] == 1 and ev.loc["gdelt2:777", "source_line"] == 1  # first kept
    assert ev.loc["gdelt1:777", "source_dataset"] == "gdelt1" and ev.loc["gdelt2:777", "source_dataset"] == "gdelt2"
    # read one version at a time, each file keeps its own two distinct ids
    assert read_events(tmp_path / "v1.tsv", format="gdelt1").rows_accepted == 2
    assert read_events(tmp_path / "v2.export.CSV", format="gdelt2").rows_accepted == 2


# --------------------------------------------------------------------------------------
# CAMEO codes: root codes are valid, a lost leading zero is named
# --------------------------------------------------------------------------------------

_ROOTS = [f"{r:02d}" for r in range(1, 21)]  # the 20 CAMEO root codes, 01 ... 20


def test_every_root_code_is_a_known_code() -> None:
    assert code_problems(pd.Series(_ROOTS)).isna().all()
    # two-digit roots 10-20 are codes in their own right, not '010' ... '020' without the zero
    attrs = code_attributes(pd.Series(_ROOTS))
    assert attrs["quad_class"].tolist() == [1] * 5 + [2] * 4 + [3] * 5 + [4] * 6  # SOURCES.md, verified on GDELT


@pytest.mark.parametrize(
    "code, reason",
    [
        ("42", "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings"),
        ("1", "CAMEO code '1' lost its leading zero (expected '01'); read codes as strings"),
        ("251", "CAMEO code '251' lost its leading zero (expected '0251'); read codes as strings"),
        ("21", "CAMEO code '21' lost its leading zero (expected '021'); read codes as strings"),
        ("0421", "unknown CAMEO code '0421'"),
        ("99", "unknown CAMEO code '99'"),
        ("4a", "unknown CAMEO code '4a'"),
        ("", "missing CAMEO code"),
    ],
)
def test_code_problems_name_the_lost_zero(code: str, reason: str) -> None:
    assert code_problems(pd.Series([code])).iloc[0] == reason


def test_gdelt_root_codes_accepted_and_zero_stripped_codes_quarantined(fixtures_dir: Path, tmp_path: Path) -> None:
    v2 = _template(fixtures_dir, 2)
    codes = [*_ROOTS, "42", "1", "251", "99", " 19 "]
    lines = [_gdelt_row(v2, eid=str(1000 + i), code=c, quad="", gold="") for i, c in enumerate(codes)]
    path = tmp_path / "roots.export.CSV"
    path.write_text("\n".join(lines) + "\n")
    result = read_events(path, format="gdelt2")
    result.summary()
    accepted = dict(zip(result.events["source_line"], result.events["cameo_code"]))
    assert accepted == {**{i + 1: c for i, c in enumerate(_ROOTS)}, 25: "19"}  # padding is trimmed
    roots = result.events.groupby("cameo_code")[["root_code", "quad_class", "goldstein"]].agg(list)
    assert roots.loc["19"].tolist() == [["19", "19"], [4, 4], [-10.0, -10.0]]  # blanks filled from the table
    assert roots.loc["10"].tolist() == [["10"], [3], [-5.0]]
    assert roots.loc["01"].tolist() == [["01"], [1], [0.0]]
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        21: "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings",
        22: "CAMEO code '1' lost its leading zero (expected '01'); read codes as strings",
        23: "CAMEO code '251' lost its leading zero (expected '0251'); read codes as strings",
        24: "unknown CAMEO code '99'",
    }


def test_icews_and_tidy_root_codes_accepted_and_zero_stripped_quarantined(tmp_path: Path) -> None:
    icews = tmp_path / "roots.tab"
    rows = [_icews_row(str(i), "2018-06-01", c) for i, c in enumerate(["19", "20", "42"])]
    icews.write_text(_ICEWS_HEADER + "".join(rows))
    result = read_events(icews, format="icews")
    assert sorted(result.events["cameo_code"]) == ["19", "20"]
    assert result.quarantine["reason"].tolist() == [
        "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings"
    ]
    tidy = tmp_path / "roots.csv"
    tidy.write_text(
        "event_id,date,source_country,target_country,cameo_code\n"
        "a,2020-01-01,CHN,RUS,19\nb,2020-01-01,CHN,RUS,010\nc,2020-01-01,CHN,RUS,10\nd,2020-01-01,CHN,RUS,57\n"
    )
    result = read_events(tidy, format="events")
    assert sorted(result.events["cameo_code"]) == ["010", "10", "19"]
    assert result.quarantine["reason"].tolist() == [
        "CAMEO code '57' lost its leading zero (expected '057'); read codes as strings"
    ]


# --------------------------------------------------------------------------------------
# Which reason wins when a row has several problems
# --------------------------------------------------------------------------------------
# The readers check in one order and report the first failure (``_reason`` in gdelt.py,
# ``add_reason`` in _finish.py keeps the first): the line itself (undecodable bytes, then a
# stray carriage return, then the column count), then the CAMEO code (lost zero, missing,
# unknown), then the date, then the id; GDELT then checks the date range, QuadClass and
# GoldsteinScale.


def test_gdelt_reason_order(fixtures_dir: Path, tmp_path: Path) -> None:
    v2 = _template(fixtures_dir, 2)
    undecodable = _gdelt_row(v2, eid="12", code="42")[:-5] + "\xff"
    rows = [
        _gdelt_row(v2, code="42", date="2020-13-45", eid="x1", quad="9", gold="99"),  # 1 lost zero first
        _gdelt_row(v2, code="", date="bad", eid="x2"),  # 2 missing code before date and id
        _gdelt_row(v2, code="999", date="bad", eid="x3"),  # 3 unknown code before date and id
        _gdelt_row(v2, date="20201345", eid="x4", quad="9"),  # 4 date before id and QuadClass
        _gdelt_row(v2, date="18991231", eid="x5"),  # 5 a date problem wins over the id, as a bad date does
        _gdelt_row(v2, eid="6", date="18991231", quad="7", gold="11"),  # 6 range before QuadClass
        _gdelt_row(v2, eid="7", date="21010101"),  # 7 after the upper bound
        _gdelt_row(v2, eid="8", quad="0", gold="-11"),  # 8 QuadClass before Goldstein
        _gdelt_row(v2, eid="9", gold="10.5"),  # 9
        _gdelt_row(v2, eid="10", gold="nan"),  # 10 NaN is no Goldstein value
        _gdelt_row(v2, eid="11", gold="abc"),  # 11
        undecodable,  # 12 written as latin-1 below: undecodable bytes win over the code
        _gdelt_row(v2, eid="13", code="42").replace("NAME RUS", "NAME\rRUS"),  # 13 stray CR before the code
        "\t".join(v2[:40] + ["42"]),  # 14 column count before the code
        _gdelt_row(v2, eid="15", date="19000101", quad="4", gold="-10"),  # 15 the bounds themselves are fine
        _gdelt_row(v2, eid="16", date="21001231", quad="1", gold="10"),  # 16
        _gdelt_row(v2, eid="17", quad="x", gold="abc"),  # 17 a non-blank QuadClass that is no number
        _gdelt_row(v2, eid="18", quad=" ", gold=""),  # 18 blanks are filled from the CAMEO table
    ]
    path = tmp_path / "order.export.CSV"
    path.write_bytes(("\n".join(rows) + "\n").encode("latin-1"))
    result = read_events(path, format="gdelt2")
    result.summary()
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        1: "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings",
        2: "missing CAMEO code",
        3: "unknown CAMEO code '999'",
        4: "bad date: SQLDATE '20201345' is not a YYYYMMDD date",
        5: "date out of range: SQLDATE '18991231' is outside 1900-01-01..2100-12-31",
        6: "date out of range: SQLDATE '18991231' is outside 1900-01-01..2100-12-31",
        7: "date out of range: SQLDATE '21010101' is outside 1900-01-01..2100-12-31",
        8: "bad QuadClass '0'",
        9: "bad GoldsteinScale '10.5'",
        10: "bad GoldsteinScale 'nan'",
        11: "bad GoldsteinScale 'abc'",
        12: f"undecodable bytes (not UTF-8): at byte {len(undecodable) - 1}; re-encode the file as UTF-8",  # one byte per character before it
        13: "carriage return inside the line",
        14: "wrong column count: 41 tab-separated fields, expected 61 (GDELT 2.0)",
        17: "bad QuadClass 'x'",
    }
    assert sorted(result.events["source_line"]) == [15, 16, 18]
    assert result.events.set_index("source_line").loc[18, ["quad_class", "goldstein"]].tolist() == [1, 1.9]
    assert result.events.set_index("source_line").loc[15, "date"] == pd.Timestamp("1900-01-01")


def test_undecodable_bytes_win_over_a_carriage_return(fixtures_dir: Path, tmp_path: Path) -> None:
    v2 = _template(fixtures_dir, 2)
    line = _gdelt_row(v2).replace("NAME RUS", "NAME\rR\xffUS")
    path = tmp_path / "both.export.CSV"
    path.write_bytes((line + "\n" + _gdelt_row(v2, eid="2") + "\n").encode("latin-1"))  # one good row: not a whole-file fault
    result = read_events(path, format="gdelt2")
    assert result.quarantine["reason"].str.startswith("undecodable bytes (not UTF-8): at byte ").tolist() == [True]
    assert len(result.events) == 1


def test_icews_reason_order(tmp_path: Path) -> None:
    rows = [
        _icews_row("1", "junk", "42"),  # lost zero before the date
        _icews_row("2", "junk", ""),  # missing code before the date
        _icews_row("NA", "junk", "042"),  # date before the missing id
        _icews_row("NA", "2018-06-01", "042"),  # missing id alone
        _icews_row("5", "6/2/2018", "042"),  # the m/d/YYYY re-release date is fine
        _icews_row("NA", "2018-06-01", "042", "high"),  # missing id before a bad Intensity
        _icews_row("7", "2018-06-01", "042", "high"),  # an Intensity that is no number
    ]
    path = tmp_path / "order.tab"
    path.write_text(_ICEWS_HEADER + "".join(rows))
    result = read_events(path, format="icews")
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        2: "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings",
        3: "missing CAMEO code",
        4: "bad date: Event Date 'junk' is neither YYYY-MM-DD nor m/d/YYYY",
        5: "missing Event ID",
        7: "missing Event ID",
        8: "bad Intensity 'high'",
    }
    assert result.events["date"].tolist() == [pd.Timestamp("2018-06-02")]


def test_tkg_reason_order(tmp_path: Path) -> None:
    folder = _tkg_set(tmp_path / "order", {"train": [(9, 9, 0, 0), (0, 9, 0, 0), (0, 0, 1, 0)]})
    (folder / "relation2id.txt").write_text(_RELATIONS + "Talk about the weather\t7\n")
    with (folder / "train.txt").open("a") as handle:
        handle.write("0\t7\t1\t0\n0\tx\t1\t0\n0\t0\t1\n")
    result = read_tkg(folder, start_date="2018-01-01", time_unit="hour")
    reasons = {line: r.split(":")[0] for line, r in zip(result.quarantine["line"], result.quarantine["reason"])}
    assert reasons == {
        1: "entity id not in entity2id",  # before the unknown relation on the same row
        2: "relation id not in relation2id",
        4: "relation text is not a CAMEO event name",
        5: "malformed quadruple",
        6: "malformed quadruple",
    }
    assert result.summary()["rows_read"] == 6 and result.rows_accepted == 1
