"""forecast-fetch against a fake GDELT feed on 127.0.0.1: normal fetch, every fault, kill and resume.

Each fault ends with the store unchanged or complete: the files that can be fetched are
appended, the faulty one is quarantined with its reason (retried first where a retry can
help) and none of its rows reach the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import forecast.events.fetch as fetch_module
from forecast.events.fetch import FetchOptions, fetch, parse_gdelt1_index, parse_gdelt2_list, select_files
from forecast.events.ingest import ingest
from forecast.events.manifest import INGESTED, QUARANTINED, manifest_coverage, read_manifest, read_store
from forecast.events.store import store_files
from tests.fake_feed import Feed, gdelt_row, serve, zipped

FAST = FetchOptions(workers=2, rate_per_s=0, timeout_s=2.0, attempts=3, retries=1, backoff_s=0.01, batch_files=2)


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """Requests to the loopback feed never go through a proxy from the environment."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")


def three_files(feed: Feed) -> list[str]:
    """Three 15-minute files; hand-counted: 4+1 bad, 3+1 repeat, 2 rows."""
    a = [gdelt_row(100 + i, "20230801", "20230801000000", i) for i in range(1, 5)]
    a.append(gdelt_row(105, "20230801", "20230801000000", 0, code="999"))  # no such CAMEO code: quarantined
    b = [gdelt_row(200 + i, "20230801", "20230801001500", i) for i in range(3)]
    b.append(gdelt_row(102, "20230801", "20230801001500", 1))  # GLOBALEVENTID 102 again: a duplicate
    c = [gdelt_row(300 + i, "20230802", "20230801003000", i) for i in range(2)]
    return [feed.add_gdelt2("20230801000000", a), feed.add_gdelt2("20230801001500", b), feed.add_gdelt2("20230801003000", c)]


def run_fetch(feed: Feed, store: Path, options: FetchOptions = FAST, **kwargs):
    return fetch(store, "gdelt2", feed.url + "gdeltv2/", list_name="masterfilelist.txt", latest_name="lastupdate.txt",
                 since=kwargs.pop("since", "2023-08-01"), until=kwargs.pop("until", "2023-08-01"), options=options, **kwargs)


def store_table(store: Path) -> pd.DataFrame:
    """Every store row, ``source_file`` reduced to the zip member (the folders differ), sorted."""
    files = [str(p) for p in store_files(store)]
    if not files:
        return pd.DataFrame()
    frame = duckdb.sql(f"SELECT * FROM read_parquet({files}, hive_partitioning = false)").df()
    frame["source_file"] = frame["source_file"].str.rsplit(":", n=1).str[-1]
    return frame.sort_values(["source_file", "source_line"]).reset_index(drop=True)


def test_normal_fetch_appends_every_file_with_per_file_accounting(tmp_path):
    feed = Feed()
    names = three_files(feed)
    with serve(feed):
        summary = run_fetch(feed, tmp_path / "store")
    assert (summary.listed, summary.wanted, summary.ingested, summary.quarantined) == (3, 3, 3, 0)
    assert (summary.rows_read, summary.rows_accepted, summary.rows_quarantined, summary.rows_duplicate) == (11, 9, 1, 1)
    manifest = read_manifest(tmp_path / "store").set_index("name")
    assert list(manifest.index) == names and set(manifest["status"]) == {INGESTED}
    counts = manifest[["rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate"]].to_numpy().tolist()
    assert counts == [[5, 4, 1, 0], [4, 3, 0, 1], [2, 2, 0, 0]]
    for name in names:
        data = feed.files[f"gdeltv2/{name}"]
        assert manifest.loc[name, "size"] == len(data) and manifest.loc[name, "md5"] == hashlib.md5(data).hexdigest()
        assert manifest.loc[name, "url"] == feed.url + "gdeltv2/" + name  # base_url, not the list's host
        assert manifest.loc[name, "fetched_at"].endswith("Z")
    assert len(store_table(tmp_path / "store")) == 9
    assert not list((tmp_path / "store" / "_fetch" / "incoming").iterdir())  # downloads cleared after the append
    # only the export files were requested: mentions lines of the list are skipped
    assert sorted(p for p in feed.hits if p.endswith(".zip")) == sorted(f"gdeltv2/{n}" for n in names)


def test_fetched_rows_are_identical_to_a_direct_ingest(tmp_path):
    feed = Feed()
    three_files(feed)
    with serve(feed):
        run_fetch(feed, tmp_path / "fetched")
    raw = feed.write(tmp_path / "raw", "gdeltv2")
    direct = ingest(raw, tmp_path / "run", format="gdelt2", store=tmp_path / "direct")
    assert direct["rows_accepted"] == 9
    pd.testing.assert_frame_equal(store_table(tmp_path / "fetched"), store_table(tmp_path / "direct"))


def test_a_rerun_fetches_nothing(tmp_path):
    feed = Feed()
    three_files(feed)
    with serve(feed):
        run_fetch(feed, tmp_path / "store")
        before = (dict(feed.hits), store_files(tmp_path / "store"), read_manifest(tmp_path / "store"))
        again = run_fetch(feed, tmp_path / "store")
    assert (again.wanted, again.already, again.ingested, again.rows_read) == (3, 3, 0, 0)
    assert {p: n for p, n in feed.hits.items() if p.endswith(".zip")} == {p: n for p, n in before[0].items() if p.endswith(".zip")}
    assert store_files(tmp_path / "store") == before[1]
    pd.testing.assert_frame_equal(read_manifest(tmp_path / "store"), before[2])


def _faulty(tmp_path, fault: str, options: FetchOptions = FAST):
    feed = Feed()
    names = three_files(feed)
    feed.faults[f"gdeltv2/{names[1]}"] = fault
    with serve(feed):
        summary = run_fetch(feed, tmp_path / "store", options)
    manifest = read_manifest(tmp_path / "store").set_index("name")
    rows = store_table(tmp_path / "store")
    return feed, names, summary, manifest, rows


def _only_good_files_stored(names, manifest, rows):
    assert manifest.loc[names[1], "status"] == QUARANTINED
    assert manifest.loc[[names[0], names[2]], "status"].tolist() == [INGESTED, INGESTED]
    assert sorted(rows["source_file"].unique()) == [names[0].removesuffix(".zip"), names[2].removesuffix(".zip")]
    assert len(rows) == 6  # 4 of the first file, 2 of the third
    assert manifest.loc[names[1], ["rows_read", "rows_accepted"]].tolist() == [0, 0]


def test_md5_mismatch_is_retried_then_quarantined(tmp_path):
    feed, names, summary, manifest, rows = _faulty(tmp_path, "corrupt")
    _only_good_files_stored(names, manifest, rows)
    assert manifest.loc[names[1], "reason"].startswith("MD5 ")
    assert manifest.loc[names[1], "attempts"] == 3 and feed.hits[f"gdeltv2/{names[1]}"] == 3
    assert summary.quarantined_files == {names[1]: manifest.loc[names[1], "reason"]}
    kept = tmp_path / "store" / "_fetch" / "quarantine" / names[1]
    assert kept.read_bytes() != feed.files[f"gdeltv2/{names[1]}"]  # the bad bytes, for inspection


def test_a_mismatch_that_a_retry_fixes_is_ingested(tmp_path):
    feed, names, summary, manifest, rows = _faulty(tmp_path, "corrupt_once")
    assert set(manifest["status"]) == {INGESTED} and manifest.loc[names[1], "attempts"] == 2
    assert len(rows) == 9 and summary.quarantined == 0


@pytest.mark.parametrize(("fault", "reason"), [("cut", "download failed or cut short"), ("short", "size ")])
def test_a_truncated_file_is_quarantined(tmp_path, fault, reason):
    feed, names, summary, manifest, rows = _faulty(tmp_path, fault)
    _only_good_files_stored(names, manifest, rows)
    assert manifest.loc[names[1], "reason"].startswith(reason), manifest.loc[names[1], "reason"]
    assert feed.hits[f"gdeltv2/{names[1]}"] >= 3  # every attempt tried
    assert not list((tmp_path / "store" / "_fetch" / "incoming").glob("*.part"))


def test_a_404_is_quarantined_without_retrying(tmp_path):
    feed, names, summary, manifest, rows = _faulty(tmp_path, "404")
    _only_good_files_stored(names, manifest, rows)
    assert manifest.loc[names[1], "reason"].startswith("HTTP 404")
    assert feed.hits[f"gdeltv2/{names[1]}"] == 1


def test_a_stalling_server_times_out_and_the_file_is_quarantined(tmp_path):
    options = FetchOptions(workers=2, rate_per_s=0, timeout_s=0.3, attempts=2, retries=0, backoff_s=0.01, batch_files=2)
    started = time.monotonic()
    feed, names, summary, manifest, rows = _faulty(tmp_path, "stall", options)
    assert time.monotonic() - started < 8.0  # two 0.3 s timeouts, not two 5 s stalls
    _only_good_files_stored(names, manifest, rows)
    assert manifest.loc[names[1], "reason"].startswith("timed out")


def test_a_quarantined_file_is_fetched_by_a_later_run_once_it_is_good(tmp_path):
    feed = Feed()
    names = three_files(feed)
    feed.faults[f"gdeltv2/{names[1]}"] = "404"
    with serve(feed):
        run_fetch(feed, tmp_path / "store")
        feed.faults.clear()
        later = run_fetch(feed, tmp_path / "store")
    assert (later.already, later.ingested) == (2, 1)
    assert set(read_manifest(tmp_path / "store")["status"]) == {INGESTED}
    assert len(store_table(tmp_path / "store")) == 9


class _Crash(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


def test_a_crash_between_append_and_manifest_is_recovered_with_true_counts(tmp_path, monkeypatch):
    feed = Feed()
    names = three_files(feed)
    real = fetch_module.update_manifest

    def crash(*args, **kwargs):
        raise _Crash

    with serve(feed):
        monkeypatch.setattr(fetch_module, "update_manifest", crash)
        with pytest.raises(_Crash):
            run_fetch(feed, tmp_path / "store")
        assert len(store_table(tmp_path / "store")) == 7  # the first batch (two files) is in the store
        assert read_manifest(tmp_path / "store").empty
        monkeypatch.setattr(fetch_module, "update_manifest", real)
        summary = run_fetch(feed, tmp_path / "store")
    assert summary.recovered == 2 and summary.ingested == 1
    manifest = read_manifest(tmp_path / "store").set_index("name")
    # the first two files' rows count as accepted (the store holds them), not as duplicates
    assert manifest.loc[names, "rows_accepted"].tolist() == [4, 3, 2]
    assert manifest.loc[names, "rows_duplicate"].tolist() == [0, 1, 0]
    assert len(store_table(tmp_path / "store")) == 9


@pytest.mark.slow
def test_killed_mid_download_then_resumed(tmp_path):
    feed = Feed()
    names = three_files(feed)
    feed.faults[f"gdeltv2/{names[2]}"] = "drip"  # the third file comes 256 bytes a second
    feed.drip_s = 1.0
    store = tmp_path / "store"
    code = (
        "import sys; from forecast.events.fetch import fetch, FetchOptions; "
        "fetch(sys.argv[1], 'gdelt2', sys.argv[2], list_name='masterfilelist.txt', since='2023-08-01', "
        "until='2023-08-01', options=FetchOptions(workers=1, rate_per_s=0, batch_files=1, backoff_s=0.01))"
    )
    with serve(feed):
        env = {**os.environ, "NO_PROXY": "127.0.0.1", "FORECAST_QUIET": "1"}
        proc = subprocess.Popen([sys.executable, "-c", code, str(store), feed.url + "gdeltv2/"], env=env)
        incoming = store / "_fetch" / "incoming"
        deadline = time.monotonic() + 60
        while not list(incoming.glob(f"{names[2]}.part")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        time.sleep(0.3)
        assert proc.poll() is None, "the fetch ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        # killed mid-download: the partial file never entered the store, the manifest agrees with it.
        # Under load the kill can also land inside an earlier file's append (downloads and appends
        # overlap): that batch is then listed as pending, its rows may be in the store ahead of the
        # manifest, and the resumed fetch finishes it (checked below).
        manifest = read_manifest(store)
        rows = store_table(store)
        pending_file = store / "_fetch" / "pending.json"
        pending = {r["name"] for r in json.loads(pending_file.read_text())} if pending_file.is_file() else set()
        assert names[2] not in set(manifest["name"]) | pending
        members = rows.get("source_file", pd.Series(dtype=str))
        committed = ~members.isin({name.removesuffix(".zip") for name in pending})
        assert int(committed.sum()) == manifest["rows_accepted"].sum()
        assert names[2].removesuffix(".zip") not in set(members)
        assert list(incoming.glob("*.part")), sorted(p.name for p in store.rglob("*"))  # the kill left it behind
        feed.faults.clear()
        resumed = run_fetch(feed, store, FetchOptions(workers=1, rate_per_s=0, batch_files=1, backoff_s=0.01))
    assert resumed.recovered + resumed.ingested == 3 - len(manifest)  # a pending batch is finished first
    assert not list(incoming.glob("*.part"))
    raw = feed.write(tmp_path / "raw", "gdeltv2")
    ingest(raw, tmp_path / "run", format="gdelt2", store=tmp_path / "direct")
    pd.testing.assert_frame_equal(store_table(store), store_table(tmp_path / "direct"))


def test_latest_fetches_the_newest_file_only(tmp_path):
    feed = Feed()
    names = three_files(feed)
    with serve(feed):
        summary = fetch(tmp_path / "store", "gdelt2", feed.url + "gdeltv2/", list_name="masterfilelist.txt",
                        latest_name="lastupdate.txt", latest=True, options=FAST)
        assert "gdeltv2/masterfilelist.txt" not in feed.hits  # lastupdate.txt was enough
    assert summary.ingested == 1 and list(read_manifest(tmp_path / "store")["name"]) == [names[2]]


# --- lists and coverage ------------------------------------------------------------------------

GDELT2_LINES = """150383 297a16b493de7cf6ca809a7cc31d0b93 http://data.gdeltproject.org/gdeltv2/20150218230000.export.CSV.zip
318084 bb27f78ba45f69a17ea6ed7755e9f8ff http://data.gdeltproject.org/gdeltv2/20150218230000.mentions.CSV.zip
10768507 ea8dde0beb0ba98810a92db068c0ce99 http://data.gdeltproject.org/gdeltv2/20150218230000.gkg.csv.zip
149211 2a91041d7e72b0fc6a629e2ff867b240 http://data.gdeltproject.org/gdeltv2/20150218231500.export.CSV.zip
 http://data.gdeltproject.org/gdeltv2/20150218233000.export.CSV.zip
"""


def test_gdelt2_list_keeps_export_files_on_the_configured_host():
    files = parse_gdelt2_list(GDELT2_LINES, "http://mirror.test/v2/")
    assert [(f.name, f.size, f.md5, str(f.slot)) for f in files] == [
        ("20150218230000.export.CSV.zip", 150383, "297a16b493de7cf6ca809a7cc31d0b93", "2015-02-18 23:00:00"),
        ("20150218231500.export.CSV.zip", 149211, "2a91041d7e72b0fc6a629e2ff867b240", "2015-02-18 23:15:00"),
    ]
    assert files[0].url == "http://mirror.test/v2/20150218230000.export.CSV.zip"
    assert [f.name for f in select_files(files, "2015-02-18", "2015-02-18")] == [f.name for f in files]
    assert select_files(files, "2015-02-19", None) == []


def test_since_and_until_are_whole_days_at_the_period_edges():
    from forecast.events.fetch import FeedFile

    slots = ["2023-07-31 23:45", "2023-08-01 00:00", "2023-08-31 23:45", "2023-09-01 00:00"]
    files = [FeedFile(f"f{i}", f"u{i}", "0" * 32, 1, pd.Timestamp(s), "gdelt2") for i, s in enumerate(slots)]
    assert [f.name for f in select_files(files, "2023-08-01", "2023-08-31")] == ["f1", "f2"]
    assert [f.name for f in select_files(files, "2023-08-31", "2023-08-31")] == ["f2"]
    assert [f.name for f in select_files(files, None, "2023-07-31")] == ["f0"]


def test_gdelt1_index_keeps_daily_files_with_their_md5():
    html = (
        '<LI><A HREF="md5sums">md5sums</A>\n'
        '<LI><A HREF="20260722.export.CSV.zip">20260722.export.CSV.zip</A> (7.7MB) (MD5: BE29FB979F2832A9CC3126352E27E0F6)\n'
        '<LI><A HREF="202006.zip">202006.zip</A> (1.2MB) (MD5: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa)\n'
    )
    (only,) = parse_gdelt1_index(html, "http://mirror.test/events/")
    assert (only.name, only.md5, only.size, str(only.slot.date())) == (
        "20260722.export.CSV.zip", "be29fb979f2832a9cc3126352e27e0f6", None, "2026-07-22")


def _manifest(slots, dataset="gdelt2", status=INGESTED):
    return pd.DataFrame({"dataset": dataset, "slot": pd.to_datetime(slots), "status": status})


def test_a_missing_15_minute_file_makes_its_day_a_gap():
    days = pd.date_range("2023-08-01", periods=96 * 4, freq="15min")
    full = _manifest(days)
    assert manifest_coverage(full).to_dict("records") == [
        {"source_dataset": "gdelt2", "start": pd.Timestamp("2023-08-01"), "end": pd.Timestamp("2023-08-04")}
    ]
    holed = _manifest(days.delete(96 * 2 + 5))  # one file of Aug 3 missing
    assert manifest_coverage(holed)[["start", "end"]].astype(str).values.tolist() == [
        ["2023-08-01", "2023-08-02"], ["2023-08-04", "2023-08-04"]]
    quarantined = pd.concat([holed, _manifest(days[[96 * 2 + 5]], status=QUARANTINED)])
    assert len(manifest_coverage(quarantined)) == 2  # a quarantined file is no coverage either


def test_store_source_reads_the_window_with_manifest_coverage(tmp_path):
    feed = Feed()
    for day in ("20230801", "20230802", "20230804"):  # Aug 3 is not published: a gap
        feed.add_gdelt1(day, [gdelt_row(int(day) * 10 + k, day, day, k, layout="gdelt1") for k in range(3)])
    with serve(feed):
        fetch(tmp_path / "store", "gdelt1", feed.url + "events/", list_name="index.html", since="2023-08-01",
              until="2023-08-04", options=FAST)
    result, coverage, hashes = read_store(tmp_path / "store")
    assert coverage[["start", "end"]].astype(str).values.tolist() == [["2023-08-01", "2023-08-02"], ["2023-08-04", "2023-08-04"]]
    assert len(result.events) == 9 and set(result.events["source_dataset"]) == {"gdelt1"}
    window, clipped, _ = read_store(tmp_path / "store", start="2023-08-02", end="2023-08-02")
    assert len(window.events) == 3 and clipped[["start", "end"]].astype(str).values.tolist() == [["2023-08-02", "2023-08-02"]]
    recent, last, _ = read_store(tmp_path / "store", last_weeks=1)
    assert str(last["end"].max().date()) == "2023-08-04" and len(recent.events) == 9
    assert any(name.endswith("manifest.parquet") for name in hashes)


@pytest.mark.shared_data
def test_the_genuine_gdelt2_sample_fetched_equals_its_direct_ingest(tmp_path, shared_data):
    import gzip

    sample = shared_data / "raw" / "gdelt2_export_sample_dias" / "20180326044500.export.CSV.gz"
    if not sample.is_file():
        pytest.skip(f"{sample} not found")
    feed = Feed()
    feed.add("gdeltv2", "20180326044500.export.CSV.zip", zipped("20180326044500.export.CSV", gzip.decompress(sample.read_bytes()).decode()))
    with serve(feed):
        summary = run_fetch(feed, tmp_path / "fetched", since="2018-03-26", until="2018-03-26")
    direct = ingest(feed.write(tmp_path / "raw", "gdeltv2"), tmp_path / "run", format="gdelt2", store=tmp_path / "direct")
    assert summary.ingested == 1 and summary.rows_read == direct["rows_read"] > 0
    assert summary.rows_accepted == direct["rows_accepted"]
    pd.testing.assert_frame_equal(store_table(tmp_path / "fetched"), store_table(tmp_path / "direct"))
