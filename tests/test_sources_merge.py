"""Coded news events merged with another source, and the experiment that uses them."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecast.events.sources import combine_sources, load_source
from forecast.cli.run import run_from_config
from forecast.pipeline import REPO_ROOT
from tests.helpers import compose_config

CODED = REPO_ROOT / "data" / "examples" / "belarus-china-drills.events.csv"


def test_merged_sources_keep_their_names_and_accounting(fixtures_dir):
    coded = load_source("events", CODED)
    tkg = load_source("icews_tkg", fixtures_dir / "tkg_small", start_date="2018-01-01", time_unit="hour")
    merged = combine_sources([coded, tkg])
    counts = merged.result.events["source_dataset"].value_counts().to_dict()
    assert counts == {"text:rules": 17, "tkg_small": 7}  # 17 coded rows; 7 accepted quadruples
    summary = merged.result.summary()
    assert summary["rows_read"] == 17 + 11 and summary["rows_quarantined"] == 4
    assert set(merged.coverage["source_dataset"]) == {"text:rules", "tkg_small"}
    assert len(merged.data_sha256) == 1 + 5  # the CSV and the five TKG files


def test_the_same_dataset_twice_is_refused():
    coded = load_source("events", CODED)
    with pytest.raises(ValueError, match="text:rules"):
        combine_sources([coded, coded])


@pytest.mark.slow
def test_coded_article_experiment(tmp_path):
    run_dir = run_from_config(compose_config(["experiment=coded_article"]), tmp_path)
    summary = json.loads((run_dir / "events_summary.json").read_text())
    per_dataset = {d["source_dataset"]: d["events"] for d in summary["per_dataset"]}
    assert per_dataset == {"icews18": 468_558, "icews21": 326_354, "text:rules": 17}
    panel = pd.read_parquet(run_dir / "panel.parquet").set_index(["unique_id", "ds"])["y"]
    # Hand counts from data/examples/belarus-china-drills.events.csv:
    # 1 June: 043, 042, 057, 057 between BLR and CHN; 18 July: 062 x2 and 036 x2;
    # 16 July: 062 x2 (military cooperation); 1 July: 041 x2 between CHN and RUS.
    assert panel[("BLR-CHN/cooperation", pd.Timestamp("2024-06-01"))] == 4
    assert panel[("BLR-CHN/cooperation", pd.Timestamp("2024-07-18"))] == 4
    assert panel[("BLR-CHN/military_cooperation", pd.Timestamp("2024-07-16"))] == 2
    assert panel[("CHN-RUS/cooperation", pd.Timestamp("2024-07-01"))] == 2
    assert (run_dir / "figures" / "fan_chart.png").is_file()


def test_panel_source_refuses_bad_and_repeated_rows(tmp_path):
    from forecast.events.sources import load_panel

    good = "unique_id,ds,y\na,2021-01-04,1\na,2021-01-11,2\n"
    (tmp_path / "good.csv").write_text(good)
    panel, hashes = load_panel(tmp_path / "good.csv")
    assert panel["y"].tolist() == [1.0, 2.0] and list(hashes) == [str(tmp_path / "good.csv")]
    (tmp_path / "bad.csv").write_text(good + "a,2021-01-18,abc\n")
    with pytest.raises(ValueError, match="line 4: y is not a number"):
        load_panel(tmp_path / "bad.csv")
    (tmp_path / "twice.csv").write_text(good + "a,2021-01-11,7\n")
    with pytest.raises(ValueError, match="repeated"):
        load_panel(tmp_path / "twice.csv")
