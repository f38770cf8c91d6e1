"""POLECAT rows (40 columns, written from the reference's column list) and long panels:
category -> CAMEO root, sectors, trailing fields, reasons, and the panel's checks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.events import read_events

# The reference's 40 POLECAT columns (event-data-formats.md, section 3), column 5 as "Intensity".
HEADER = (
    "Event ID, Event Date, Event Type, Event Mode, Intensity, Quad Code, Contexts, Actor Name, Actor Country, "
    "Actor COW, Primary Actor Sector, Actor Sectors, Actor Title, Actor Name Raw, Wikipedia Actor ID, "
    "Recipient Name, Recipient Country, Recipient COW, Primary Recipient Sector, Recipient Sectors, "
    "Recipient Title, Recipient Name Raw, Wikipedia Recipient ID, Placename, City, District, Province, Country, "
    "Latitude, Longitude, GeoNames ID, Raw Placename, Feature Type, Source, Publication Date, Story People, "
    "Story Organizations, Story Locations, Language, Version"
).split(", ")

# CAMEO2PLOVER-2021.txt maps these roots to each category; ACCUSE (09, 11) and ASSAULT
# (18, 19, 20) have several, and the reader takes the root whose CAMEO name is the category.
PLOVER_ROOTS = {
    "AGREE": "03", "CONSULT": "04", "SUPPORT": "05", "COOPERATE": "06", "AID": "07", "CONCEDE": "08",
    "RETREAT": "08", "REQUEST": "10", "ACCUSE": "11", "REJECT": "12", "THREATEN": "13", "PROTEST": "14",
    "MOBILIZE": "15", "SANCTION": "16", "COERCE": "17", "ASSAULT": "18",
}


def _row(**values: str) -> str:
    fields = dict.fromkeys(HEADER, "")
    fields.update({"Event ID": "e", "Event Date": "2023-01-03", "Event Type": "CONSULT", "Quad Code": "1",
                   "Intensity": "4", "Actor Name": "Wang Yi", "Actor Country": "CHN", "Primary Actor Sector": "GOV",
                   "Recipient Name": "Russia", "Recipient Country": "RUS", "Country": "China"})
    fields.update({k.replace("_", " "): v for k, v in values.items()})
    return "\t".join(fields[h] for h in HEADER)


def _polecat(tmp_path: Path, rows: list[str], extra: list[str] | None = None) -> Path:
    path = tmp_path / "polecat.txt"
    lines = ["\t".join(HEADER), *rows, *(extra or [])]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_every_plover_category_maps_to_its_cameo_root(tmp_path: Path) -> None:
    rows = [
        _row(**{"Event ID": f"e{i}", "Event Type": cat.lower() if i % 2 else cat}) for i, cat in enumerate(PLOVER_ROOTS)
    ]
    result = read_events(_polecat(tmp_path, rows), format="polecat")
    result.summary()
    assert result.rows_accepted == len(PLOVER_ROOTS)
    got = dict(zip(result.events["plover_event"], result.events["cameo_code"]))
    assert got == PLOVER_ROOTS  # case-blind, the category kept in upper case
    assert (result.events["cameo_code"] == result.events["root_code"]).all()
    assert set(result.events["dedup_key"]) == {f"polecat:e{i}" for i in range(len(PLOVER_ROOTS))}


def test_polecat_values_sectors_and_reasons(tmp_path: Path) -> None:
    rows = [
        _row(**{"Event ID": "a", "Event Mode": "visit", "Contexts": "diplomatic", "Intensity": "2.5"}),  # 2
        _row(**{"Event ID": "b", "Primary Actor Sector": "MIL", "Recipient Name": "Sergei Shoigu",
                "Primary Recipient Sector": "COP"}),  # 3
        _row(**{"Event ID": "c", "Actor Name": "China", "Primary Actor Sector": "", "Recipient Name": "Somebody",
                "Primary Recipient Sector": "None"}),  # 4 a country-named actor is the state
        _row(**{"Event ID": "d", "Event Type": "GREET"}),  # 5
        _row(**{"Event ID": "e2", "Event Date": "03/01/2023"}),  # 6
        _row(**{"Event ID": "NA"}),  # 7
        _row(**{"Event ID": "f", "Event Type": "", "Event Date": "x"}),  # 8 type before date
        _row(**{"Event ID": "g", "Quad Code": ""}),  # 9 no quad class: fails the schema
        _row(**{"Event ID": "h", "Actor Country": "None"}),  # 10 no country: no sector
    ]
    extra = [_row(**{"Event ID": "t1"}) + "\t\t", _row(**{"Event ID": "t2"}) + "\tsurplus"]  # 11, 12
    result = read_events(_polecat(tmp_path, rows, extra), format="polecat")
    result.summary()
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        5: "unknown PLOVER event type 'GREET'",
        6: "bad date: Event Date '03/01/2023'",
        7: "missing Event ID",
        8: "unknown PLOVER event type None",
        9: "schema check failed: quad_class isin([1, 2, 3, 4]) (value 0)",
        12: "non-empty extra column: 'surplus'",
    }
    ev = result.events.set_index("event_id")
    assert sorted(ev.index) == ["a", "b", "c", "h", "t1"]
    a = ev.loc["a"]
    assert (a.plover_mode, a.plover_context, a.goldstein, a.quad_class, a.action_country) == (
        "visit", "diplomatic", 2.5, 1, "CHN"
    )
    assert (a.source_country, a.source_sector, a.target_country, a.target_sector) == ("CHN", "GOV", "RUS", "state")
    b = ev.loc["b"]
    assert (b.source_sector, b.target_sector) == ("MIL", "GOV")  # CAMEO type codes: police is government
    c = ev.loc["c"]
    assert (c.source_sector, c.target_sector) == ("state", "other")
    h = ev.loc["h"]
    assert (h.source_country, h.source_sector) == (None, None)


def test_polecat_header_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("Event ID\tEvent Date\tType\n")
    with pytest.raises(ValueError) as err:
        read_events(path, format="polecat")
    assert str(err.value) == (
        f"{path}: header starts ['Event ID', 'Event Date', 'Type'], not ['Event ID', 'Event Date', 'Event Type']; "
        "is this a POLECAT file?"
    )


def test_panel_rows_checks_and_dedup(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text(
        "unique_id,ds,y,family\n"
        "a,2021-01-04,1,x\n"  # 2
        " a ,2021-01-11,2.5,\n"  # 3 the id is trimmed; a blank family stays a string
        "a,2021-01-04,7,x\n"  # 4 repeats (a, 2021-01-04): a duplicate
        "  ,2021-01-04,1,x\n"  # 5
        "b,2021-13-01,1,x\n"  # 6
        "b,2021-01-04,inf,x\n"  # 7
        "b,1899-12-31,1,x\n"  # 8
        "b,2021-01-04,,x\n"  # 9
        "b,2021-01-04 12:00,3,x\n"  # 10 a time of day is kept
    )
    result = read_events(path, format="panel")
    summary = result.summary()
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_quarantined"], summary["rows_duplicate"]) == (
        9, 3, 5, 1
    )
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        5: "missing unique_id",
        6: "bad date: ds '2021-13-01'",
        7: "schema check failed: y y must be finite",
        8: "schema check failed: ds in_range(1900-01-01 00:00:00, 2100-12-31 00:00:00)",
        9: "y is not a number: ''",
    }
    panel = result.events.sort_values("source_line")
    assert panel["unique_id"].tolist() == ["a", "a", "b"]
    assert panel["y"].tolist() == [1.0, 2.5, 3.0]
    assert panel["dedup_key"].tolist() == ["a|2021-01-04 00:00:00", "a|2021-01-11 00:00:00", "b|2021-01-04 12:00:00"]
    assert panel["family"].tolist() == ["x", "", "x"]
    chunked = read_events(path, format="panel", chunk_rows=4)  # the duplicate is in another chunk
    assert chunked.summary() == summary
    assert chunked.events.sort_values("source_line")["dedup_key"].tolist() == panel["dedup_key"].tolist()
    missing = tmp_path / "nopanel.csv"
    missing.write_text("unique_id,when,y\na,2021-01-04,1\n")
    with pytest.raises(ValueError) as err:
        read_events(missing, format="panel")
    assert str(err.value) == f"{missing}: a long panel needs columns ['unique_id', 'ds', 'y']; missing ['ds']."


def test_polecat_dates_widths_intensity_and_blocks(tmp_path: Path) -> None:
    from forecast.events.readers._stream import expand_inputs
    from forecast.events.readers.polecat import iter_polecat

    # YYYY-MM-DD only (one good row beside it: a file with no accepted row is a whole-file error)
    only_us_date = _polecat(tmp_path, [_row(**{"Event Date": "03/01/2023"}), _row(**{"Event ID": "ok"})])
    result = read_events(only_us_date, format="polecat")
    assert result.quarantine["reason"].tolist() == ["bad date: Event Date '03/01/2023'"]
    rows = [_row(**{"Event ID": "a", "Intensity": "high"}), _row(**{"Event ID": "b", "Intensity": "NA"}),
            "x\ty", _row(**{"Event ID": "c"})]
    result = read_events(_polecat(tmp_path, rows), format="polecat")
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        2: "bad Intensity 'high'",
        4: "wrong column count: 2 tab-separated fields, expected 40 or 41 or 42 or 43 or 44 or 45 (POLECAT)",
    }
    ev = result.events.set_index("event_id")
    assert pd.isna(ev.loc["b", "goldstein"]) and ev.loc["c", "goldstein"] == 4.0
    assert set(result.events["source_dataset"]) == {"polecat"}
    many = _polecat(tmp_path, [_row(**{"Event ID": f"e{i}"}) for i in range(40)])
    batches = list(iter_polecat(expand_inputs(many), block_bytes=1024))
    assert len(batches) > 1 and sum(b.rows_read for b in batches) == 40
    assert sum(b.events.num_rows for b in batches) == 40


def test_polecat_header_message_shows_three_fields(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("Event ID\tEvent Date\tType\tMode\tMore\n")
    with pytest.raises(ValueError, match=r"header starts \['Event ID', 'Event Date', 'Type'\], not "):
        read_events(path, format="polecat")


def test_panel_columns_and_raw_text(tmp_path: Path) -> None:
    path = tmp_path / "panel.csv"
    path.write_text("unique_id,ds,y,family\na,2021-01-04,1,x\nb,bad,2,x\n")
    result = read_events(path, format="panel")
    assert list(result.events.columns) == [
        "unique_id", "ds", "y", "family", "dedup_key", "source_file", "source_line",
    ]
    assert result.quarantine["raw"].tolist() == ["unique_id=b | ds=bad | y=2 | family=x"]


def test_kosovo_code_kos_resolves_to_xkx(tmp_path: Path) -> None:
    # event-data-formats.md: POLECAT writes Kosovo as KOS, which is no ISO code; unmapped,
    # every Serbia-Kosovo event fell out of the dyad (country None).
    rows = [
        _row(**{"Event ID": "k1", "Actor Name": "Kosovo", "Actor Country": "KOS", "Primary Actor Sector": "",
                "Recipient Name": "Serbia", "Recipient Country": "SRB"}),
        _row(**{"Event ID": "k2", "Actor Name": "Aleksandar Vucic", "Actor Country": "SRB",
                "Recipient Name": "Kosovo Police", "Recipient Country": "KOS", "Primary Recipient Sector": "COP"}),
    ]
    events = read_events(_polecat(tmp_path, rows), format="polecat").events.set_index("dedup_key")
    assert events.loc["polecat:k1", ["source_country", "source_sector", "target_country"]].tolist() == ["XKX", "state", "SRB"]
    assert events.loc["polecat:k2", ["source_country", "target_country"]].tolist() == ["SRB", "XKX"]
