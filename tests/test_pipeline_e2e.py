"""The default experiment end to end, composed from the real configs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from forecast.events import families_from_mapping
from forecast.events.embedded import embedded_coverage, load_embedded
from forecast.cli.run import run_from_config
from forecast.series import SeriesSpec, build_panel
from tests.helpers import compose_config

@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    """Exactly what `make run` runs (no overrides), so a model failing there fails here."""
    return run_from_config(compose_config(), tmp_path_factory.mktemp("run"))


@pytest.mark.slow
def test_default_experiment_writes_every_output(default_run):
    for name in (
        "events_summary.json", "panel.parquet", "backtest.parquet", "metrics.csv", "forecasts.parquet",
        "figures/fan_chart.png", "config.yaml", "provenance.json", "report.md", "report.html", "quarantine.parquet",
    ):
        assert (default_run / name).is_file(), name
    forecasts = pd.read_parquet(default_run / "forecasts.parquet")
    assert {"unique_id", "ds", "model", "mean", "q0.1", "q0.5", "q0.9"} <= set(forecasts.columns)
    assert set(forecasts["model"]) == {"naive", "window_average", "tsb", "tsb_lognormal", "nb_glm"}
    assert set(forecasts["unique_id"]) == {
        "CHN-RUS/cooperation", "CHN-RUS/military_contact", "CHN-USA/cooperation", "CHN-USA/military_contact"
    }
    assert forecasts.groupby(["model", "unique_id"]).size().eq(8).all()  # 8-week horizon
    assert forecasts["ds"].min() == pd.Timestamp("2021-08-30")  # the week after the last full week
    provenance = json.loads((default_run / "provenance.json").read_text())
    assert set(provenance) >= {"git", "data_sha256", "packages", "seed"}
    assert len(next(iter(provenance["data_sha256"].values()))) == 64
    summary = json.loads((default_run / "events_summary.json").read_text())
    assert summary["rows_read"] == summary["rows_accepted"] + summary["rows_quarantined"] + summary["rows_duplicate"]
    assert summary["events_total"] == 794_912  # 468,558 ICEWS18 + 326,354 ICEWS21 facts
    report = (default_run / "report.md").read_text()
    assert "Boschee" in report and "figures/fan_chart.png" in report and "nb_glm" in report
    # 96 outcomes = 4 series x 3 cutoffs x 8 leads; 12 forecasts. Independent PITs: 0.115 (MC, seed 0), see
    # tests/test_calibration_noise.py for the function against exact binomial values.
    assert (
        "By chance alone, a calibrated forecast scored on these 96 outcomes shows a gap above 0.115 one time in 20 if "
        "they are independent, and above 0.333 if the leads of each of its 12 forecasts move together."
    ) in report
    caveats = report.split("## Caveats")[1].split("## ")[0]
    assert "- 1 W-SUN period is an outage of the source, with less than 0.1 of its usual volume: 2021-01-18 (548 events);" in caveats


@pytest.mark.slow
def test_same_config_and_seed_give_same_numbers(default_run, tmp_path):
    again = run_from_config(compose_config(), tmp_path)
    for name in ("forecasts.parquet", "backtest.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(default_run / name), pd.read_parquet(again / name))


def test_embedded_weekly_count_matches_hand_count():
    """CHN-RUS country-node events in the week of 2021-08-09: 18 by an awk count of the raw ICEWS21 files."""
    families = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], sectors=["state"])
    panel = build_panel(load_embedded().events, spec, families, embedded_coverage())
    weekly = panel.set_index("ds")["y"]
    assert weekly[pd.Timestamp("2021-08-09")] == 18
    assert weekly[pd.Timestamp("2021-03-15")] == 24


def test_embedded_icews21_outage_week_is_a_gap_so_the_latest_span_starts_after_it():
    """ICEWS21 has 548 events in the week of 2021-01-18 against 7,315-10,012 around it: an outage, not a quiet week."""
    families = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], sectors=["state"])
    with pytest.warns(UserWarning, match=r"1 W-SUN period is an outage .*: 2021-01-18 \(548 events\);"):
        panel = build_panel(load_embedded().events, spec, families, embedded_coverage())
    assert panel["ds"].min() == pd.Timestamp("2021-01-25") and panel["ds"].max() == pd.Timestamp("2021-08-23")
    assert len(panel) == 31


@pytest.mark.slow
def test_console_script_runs_from_any_directory(tmp_path):
    script = Path(sys.executable).with_name("forecast-run")
    if not script.exists():
        pytest.skip(f"{script} not installed: run the tests through `make test`, which installs the package")
    run_dir = tmp_path / "out"
    done = subprocess.run(
        [str(script), "experiment=china_russia_vs_us", f"hydra.run.dir={run_dir}", "model=[naive,window_average]",
         "backtest.n_windows=1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert str(run_dir) in done.stdout
    assert (run_dir / "report.html").is_file() and (run_dir / "figures/fan_chart.png").is_file()

