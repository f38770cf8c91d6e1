"""Every reader on the genuine files in ../shared/data/raw (skipped when absent).

Hand counts were re-derived with awk/zcat on the raw files, e.g. for GDELT 2.0
``zcat 20180326044500.export.CSV.gz | awk -F'\\t' '$8=="USA" && $18=="RUS"' | wc -l`` (= 10).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.events import detect_format, read_events

pytestmark = [pytest.mark.shared_data]


def _dyad_day(events: pd.DataFrame) -> pd.Series:
    return events.groupby(["source_country", "target_country", "date"]).size()


def test_gdelt2_export(shared_data: Path) -> None:
    path = shared_data / "raw" / "gdelt2_export_sample_dias" / "20180326044500.export.CSV.gz"
    assert detect_format(path) == "gdelt2"
    result = read_events(path)
    assert result.summary()["rows_read"] == 1540
    assert (result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (1540, 0, 0)
    day = pd.Timestamp("2018-03-26")
    counts = _dyad_day(result.events)
    assert counts[("USA", "RUS", day)] == 10
    assert counts[("RUS", "USA", day)] == 2
    assert counts[("CHN", "USA", day)] == 4
    assert counts[("USA", "CHN", day)] == 1
    assert (result.events["date"] >= pd.Timestamp("2018-03-25")).sum() == 1500


def test_gdelt1_rows_both_layouts(shared_data: Path) -> None:
    path = shared_data / "raw" / "gdelt1_event_rows_sample_reed9999" / "events.csv.gz"
    assert detect_format(path) == "gdelt1"
    result = read_events(path)
    # awk -F'\t' '{print NF}' | sort | uniq -c -> 201 x 57 and 509 x 58 (710 lines; SOURCES.md says 709 = 201 + 508)
    assert result.summary()["rows_read"] == 710
    assert (result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (710, 0, 0)
    assert (result.events["date"].dt.year == 1982).sum() == 201
    assert _dyad_day(result.events)[("USA", "RUS", pd.Timestamp("2016-07-28"))] == 3


def test_icews_dataverse_sample(shared_data: Path) -> None:
    path = shared_data / "raw" / "icews_raw_sample_andybega" / "events.2018.sample.tab.gz"
    assert detect_format(path) == "icews"
    result = read_events(path)
    assert result.summary()["rows_read"] == 3705
    assert (result.rows_accepted, result.rows_quarantined, result.rows_duplicate) == (3705, 0, 0)
    counts = _dyad_day(result.events)
    d1, d2 = pd.Timestamp("2018-06-01"), pd.Timestamp("2018-06-02")
    assert (counts[("CHN", "USA", d1)], counts[("CHN", "USA", d2)]) == (12, 18)  # 30 in all
    assert (counts[("USA", "CHN", d1)], counts[("USA", "CHN", d2)]) == (21, 50)  # 71 in all
    assert (counts[("CHN", "RUS", d1)], counts[("CHN", "RUS", d2)]) == (3, 1)
    assert result.unresolved["icews"] < 0.1
    # awk -F'\t' '$3=="Russia"' -> 84 rows (country "Russian Federation"): the Russian state, as "China" is.
    ev = result.events
    assert ev.loc[ev["source_actor"] == "Russia", "source_sector"].value_counts().to_dict() == {"state": 84}
    assert ev.loc[ev["target_actor"] == "Russia", "target_sector"].value_counts().to_dict() == {"state": 99}


def test_icews18_tkg(shared_data: Path) -> None:
    path = shared_data / "raw" / "icews18_tkg_diffutkg" / "ICEWS18.zip"
    assert detect_format(path) == "icews_tkg"
    result = read_events(path, start_date="2018-01-01", time_unit="hour")
    assert result.summary()["rows_read"] == 468_558
    assert result.rows_accepted == 468_558
    ev = result.events
    country_nodes = ev[(ev["source_actor"] == "China") & (ev["target_actor"] == "Russia")]
    assert len(country_nodes) == 227


def test_icews21_tkg_folder_of_gz(shared_data: Path) -> None:
    path = shared_data / "raw" / "icews21_22_tkg_zrllm" / "ICEWS21"
    result = read_events(path, format="icews_tkg", start_date="2021-01-01", time_unit="day")
    assert result.summary()["rows_read"] == 247_764 + 77_195 + 1_395
    ev = result.events
    assert len(ev[(ev["source_actor"] == "China") & (ev["target_actor"] == "Russia")]) == 177
    assert ev["date"].min() == pd.Timestamp("2021-01-01") and ev["date"].max() <= pd.Timestamp("2021-08-31")


def test_all_genuine_gdelt_together(shared_data: Path) -> None:
    raw = shared_data / "raw"
    paths = [raw / "gdelt1_event_rows_sample_reed9999", raw / "gdelt2_export_sample_dias"]
    result = read_events(paths)
    assert result.summary()["rows_read"] == 710 + 1540
    assert set(result.unresolved) == {"gdelt1", "gdelt2"}


def test_icews18_office_holders_resolve_to_their_country(shared_data: Path) -> None:
    # Heads of state and government were the largest unresolved actors of ICEWS18 (Macron
    # 2,951 slots, Merkel 2,607, ...): every dyad outside the nine countries of the first
    # table lost them, TUR-RUS a third of its state-actor events. The rate was 0.2817.
    path = shared_data / "raw" / "icews18_tkg_diffutkg" / "ICEWS18.zip"
    result = read_events(path, start_date="2018-01-01", time_unit="hour")
    assert result.summary()["unresolved_actor_rate"]["icews18"] == pytest.approx(0.1951, abs=5e-5)
    ev = result.events
    expected = {
        "Emmanuel Macron": ("FRA", "GOV"), "Angela Merkel": ("DEU", "GOV"), "Recep Tayyip Erdoğan": ("TUR", "GOV"),
        "Benjamin Netanyahu": ("ISR", "GOV"), "Mike Pence": ("USA", "GOV"), "Israeli Defense Forces": ("ISR", "MIL"),
    }
    for name, (country, sector) in expected.items():
        rows = ev[ev["source_actor"] == name]
        assert len(rows) > 100 and set(zip(rows["source_country"], rows["source_sector"])) == {(country, sector)}, name
    # A tenure boundary inside the data: Boris Johnson left the Foreign Office on 2018-07-09.
    johnson = ev[ev["source_actor"] == "Boris Johnson"]
    before, after = johnson[johnson["date"] < "2018-07-09"], johnson[johnson["date"] >= "2018-07-09"]
    assert len(before) and len(after)
    assert set(before["source_sector"]) == {"GOV"} and set(after["source_sector"]) == {"other"}
    assert set(johnson["source_country"]) == {"GBR"}
