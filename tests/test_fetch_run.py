"""forecast-fetch then forecast-run data=store, experiment=nowcast and the command's contract, on a loopback feed."""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra

from forecast.cli.fetch import fetch_from_config, fetch_main
from forecast.cli.run import run_from_config
from forecast.events.manifest import read_manifest
from tests.fake_feed import Feed, gdelt_row, serve
from tests.helpers import CONF_DIR, compose_config

# A short protocol on a few weeks: the panel, not the models, is what is compared.
QUICK = ["model=[naive]", "backtest.horizon=2", "backtest.n_windows=1", "backtest.n_samples=0", "report.n_samples=50",
         "evaluation.reference=null"]
DAYS = pd.date_range("2023-07-03", "2023-09-24", freq="D")  # 12 Monday-Sunday weeks


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def daily_feed() -> Feed:
    """GDELT 1.0 daily files, 2-6 events a day of CHN-RUS / CHN-USA official contacts."""
    feed = Feed()
    for number, day in enumerate(DAYS):
        stamp = day.strftime("%Y%m%d")
        rows = [gdelt_row(number * 10 + k, stamp, stamp, kind=(number + k) % 4, layout="gdelt1") for k in range(2 + number % 5)]
        feed.add_gdelt1(stamp, rows)
    return feed


def fetch_cfg(overrides: list[str]):
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="fetch", overrides=overrides)


@pytest.mark.slow
def test_fetch_then_run_on_the_store_gives_the_panel_of_a_direct_ingest(tmp_path):
    feed = daily_feed()
    store = tmp_path / "store"
    with serve(feed):
        summary = fetch_from_config(fetch_cfg([
            "source=gdelt1", f"source.base_url={feed.url}events/", f"store={store}", "since=2023-07-01",
            "until=2023-09-30", "rate_per_s=0", "batch_files=40", "backoff_s=0.01"]))
    assert (summary.ingested, summary.quarantined) == (len(DAYS), 0)
    raw = feed.write(tmp_path / "raw", "events")
    fetched = run_from_config(compose_config(["data=store", f"data.path={store}", *QUICK]), tmp_path / "from_store")
    direct = run_from_config(compose_config(["data=gdelt1", f"data.path={tmp_path / 'raw'}", *QUICK]), tmp_path / "direct")
    assert len(raw) == len(DAYS)
    store_panel = pd.read_parquet(fetched / "panel.parquet")
    direct_panel = pd.read_parquet(direct / "panel.parquet")
    assert len(store_panel) == 4 * 12 and store_panel["y"].sum() > 0  # 2 dyads x 2 families x 12 weeks
    pd.testing.assert_frame_equal(store_panel, direct_panel)
    report = (fetched / "report.md").read_text()
    assert "GDELT" in report and "https://www.gdeltproject.org/" in report
    assert json.loads((fetched / "run.json").read_text())["data"]["datasets"] == ["gdelt1"]


@pytest.mark.slow
def test_a_missing_day_is_a_gap_not_a_quiet_week(tmp_path):
    feed = daily_feed()
    missing = "20230712"  # the Wednesday of the second week
    feed.faults[f"events/{missing}.export.CSV.zip"] = "404"
    store = tmp_path / "store"
    with serve(feed):
        fetch_from_config(fetch_cfg([
            "source=gdelt1", f"source.base_url={feed.url}events/", f"store={store}", "since=2023-07-01",
            "until=2023-09-30", "rate_per_s=0", "batch_files=40", "backoff_s=0.01"]))
    manifest = read_manifest(store).set_index("name")
    assert manifest.loc[f"{missing}.export.CSV.zip", "status"] == "quarantined"
    run = run_from_config(compose_config(["data=store", f"data.path={store}", *QUICK]), tmp_path / "run")
    weeks = sorted(pd.read_parquet(run / "panel.parquet")["ds"].unique())
    # the week of the missing day is a gap, never a week with fewer events: the series start after it
    assert weeks[0] == pd.Timestamp("2023-07-17") and len(weeks) == 10


@pytest.mark.slow
def test_nowcast_fetches_the_latest_weeks_and_writes_the_report(tmp_path):
    feed = daily_feed()
    store = tmp_path / "store"
    with serve(feed):
        cfg = compose_config([
            "experiment=nowcast", f"data.path={store}", "source@fetch.source=gdelt1",
            f"fetch.source.base_url={feed.url}events/", "data.last_weeks=10", "fetch.rate_per_s=0",
            "fetch.batch_files=30", *QUICK])
        run = run_from_config(cfg, tmp_path / "run")
    fetched = json.loads((run / "fetch_summary.json").read_text())
    # the newest file is 2023-09-24: 10 weeks back is 2023-07-17 .. 2023-09-24, 70 daily files
    assert (fetched["wanted"], fetched["ingested"]) == (70, 70)
    weeks = sorted(pd.read_parquet(run / "panel.parquet")["ds"].unique())
    assert weeks[0] == pd.Timestamp("2023-07-17") and len(weeks) == 10
    assert "https://www.gdeltproject.org/" in (run / "report.html").read_text()


def _error_line(argv, monkeypatch, capsys) -> str:
    monkeypatch.setattr(sys, "argv", ["forecast-fetch", *argv])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        fetch_main()
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in lines[0]
    return lines[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "store: no value given; set it on the command line (store=...)."),
        (["store=s", "source=gdelt3"], "source=gdelt3: no such option in config group 'source'; close options: 'gdelt2', 'gdelt1'."),
        (["store=s", "timeout_s=0"], "timeout_s: must be > 0, got 0."),
        (["store=s", "since=2023-09-02", "until=2023-09-01"], "since: 2023-09-02 is after until=2023-09-01"),
        # Named since (given as None) before.
        (["store=s", "latest=true", "until=2023-08-31"],
         "until: 2023-08-31 is before the period that ends at the feed's newest file (2023-09-01 00:00)"),
        (["store=s", "weeks=4"], "weeks: counts weeks back from the newest file: set latest=true"),
        # int()'s ValueError and pandas' DateParseError (after the list was fetched) before.
        (["store=s", "workers=abc"], "workers: expected an integer, got 'abc'; fix the value."),
        (["store=s", "since=abc"], "since: 'abc' is not a date; give YYYY-MM-DD."),
        # bool('maybe') was True, and weeks=abc a TypeError traceback inside select_files.
        (["store=s", "latest=maybe"], "latest: expected true or false, got 'maybe'; fix the value."),
        (["store=s", "latest=true", "weeks=abc"], "weeks: expected an integer or null, got 'abc'; fix the value."),
        (["store=s", "latest=true", "weeks=1.5"], "weeks: expected an integer or null, got 1.5; fix the value."),
        (["store=s", "retry_quarantined=2"], "retry_quarantined: expected true or false, got 2; fix the value."),
        # pandas read until=2023-09 as 1 September (a one-day fetch) and kept a time of day.
        (["store=s", "until=2023-09"], "until: '2023-09' is not one day; give YYYY-MM-DD"),
        (["store=s", "since=2023"], "since: '2023' is not one day; give YYYY-MM-DD"),
        (["store=s", "until=2023-09-01T12:00"], "until: '2023-09-01T12:00' is not one day; give YYYY-MM-DD"),
    ],
)
def test_fetch_errors_are_one_line_naming_the_key(argv, message, tmp_path, monkeypatch, capsys):
    feed = Feed()
    feed.add_gdelt2("20230901000000", [gdelt_row(1, "20230901", "20230901000000")])
    with serve(feed):
        monkeypatch.chdir(tmp_path)
        line = _error_line([f"hydra.run.dir={tmp_path}/run", f"source.base_url={feed.url}gdeltv2/", *argv], monkeypatch, capsys)
    assert line.startswith(f"forecast-fetch: error: {message}"), line


def test_a_store_that_cannot_be_a_folder_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "taken").write_text("not a store")
    monkeypatch.chdir(tmp_path)
    for store in ("taken", "taken/sub"):  # NotADirectoryError tracebacks (exit 1) before
        line = _error_line([f"hydra.run.dir={tmp_path}/run", f"store={store}", "source.base_url=http://127.0.0.1:9/"],
                           monkeypatch, capsys)
        assert line == (f"forecast-fetch: error: store: {store}: cannot create the store's folders (Not a directory); "
                        "give a folder you can write to."), line
    assert (tmp_path / "taken").read_text() == "not a store"


def test_an_unreachable_feed_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    line = _error_line([f"hydra.run.dir={tmp_path}/run", "store=s", "source.base_url=http://127.0.0.1:9/gdeltv2/",
                        "retries=0", "timeout_s=1"], monkeypatch, capsys)
    assert line.startswith("forecast-fetch: error: http://127.0.0.1:9/gdeltv2/masterfilelist.txt: the feed's file list "
                           "could not be read"), line


def test_the_command_fetches_and_writes_its_summary(tmp_path, monkeypatch, capsys):
    feed = Feed()
    feed.add_gdelt2("20230901000000", [gdelt_row(1, "20230901", "20230901000000"), gdelt_row(2, "20230901", "20230901000000", 1)])
    monkeypatch.chdir(tmp_path)
    with serve(feed):
        monkeypatch.setattr(sys, "argv", ["forecast-fetch", f"hydra.run.dir={tmp_path}/run", f"store={tmp_path}/store",
                                          f"source.base_url={feed.url}gdeltv2/", "since=2023-09-01", "rate_per_s=0"])
        fetch_main()
    summary = json.loads((tmp_path / "run" / "fetch_summary.json").read_text())
    assert (summary["ingested"], summary["rows_accepted"], summary["quarantined"]) == (1, 2, 0)
    assert "1 file(s) appended, 0 quarantined, 0 already in the store; 2 new rows" in capsys.readouterr().out


def test_reports_cite_gdelt_whenever_the_events_hold_gdelt_records():
    from forecast.events.attribution import attribution

    gdelt = attribution(["store"], ["gdelt2"])
    assert any("https://www.gdeltproject.org/" in p for p in gdelt) and not any("ICEWS Coded Event Data" in p for p in gdelt)
    both = attribution(["embedded", "store"], ["icews18", "gdelt1"])
    assert any("ICEWS Coded Event Data" in p for p in both) and any("Leetaru" in p for p in both)
    assert attribution(["icews"], ["icews"]) == ["See the data provider's terms of use."]
