"""Benchmark: ``forecast-fetch`` (download, verify, append) against plain ``forecast-ingest`` of the same files.

Builds a fake GDELT 2.0 feed of ``--files`` 15-minute export zips with ``--rows`` rows each
(the genuine 61-column layout, tests/fake_feed.py), serves it on 127.0.0.1 and times, in
one run:

* ``fetch``          - :func:`forecast.events.fetch.fetch` into an empty store: list,
  parallel download, size+MD5 check, append in batches of ``--batch`` files, manifest;
* ``ingest batched`` - :func:`forecast.events.ingest` of the same files already on disk,
  appended to an empty store in the same batches (what fetch does minus the HTTP);
* ``ingest once``    - one ingest call over every file (the fastest plain append).

Reports files/s and rows/s of each. Not a test::

    python benchmarks/fetch.py --files 192 --rows 1000 --workdir /tmp/forecast-bench-fetch
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forecast.events.fetch import FetchOptions, fetch  # noqa: E402
from forecast.events.ingest import ingest  # noqa: E402
from tests.fake_feed import Feed, gdelt_row, serve  # noqa: E402


def build_feed(n_files: int, n_rows: int) -> Feed:
    feed = Feed()
    stamps = pd.date_range("2023-08-01", periods=n_files, freq="15min")
    for number, stamp in enumerate(stamps):
        text = stamp.strftime("%Y%m%d%H%M%S")
        rows = [gdelt_row(1_000_000 + number * n_rows + k, text[:8], text, kind=k) for k in range(n_rows)]
        feed.add_gdelt2(text, rows)
    return feed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=192)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--workdir", type=Path, default=Path("benchmarks/results/work/fetch"))
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    args.workdir.mkdir(parents=True)
    feed = build_feed(args.files, args.rows)
    raw = feed.write(args.workdir / "raw", "gdeltv2")
    total_rows = args.files * args.rows
    results = []

    with serve(feed):
        options = FetchOptions(workers=args.workers, rate_per_s=0, batch_files=args.batch, backoff_s=0.01)
        started = time.perf_counter()
        summary = fetch(args.workdir / "fetched", "gdelt2", feed.url + "gdeltv2/", list_name="masterfilelist.txt",
                        since="2023-08-01", options=options)
        results.append(("fetch", time.perf_counter() - started, summary.ingested, summary.rows_accepted))

    started = time.perf_counter()
    accepted = 0
    for first in range(0, len(raw), args.batch):
        part = ingest(raw[first : first + args.batch], args.workdir / "runs" / str(first), format="gdelt2",
                      store=args.workdir / "batched")
        accepted += part["rows_accepted"]
    results.append(("ingest batched", time.perf_counter() - started, len(raw), accepted))

    started = time.perf_counter()
    once = ingest(raw, args.workdir / "run_once", format="gdelt2", store=args.workdir / "once")
    results.append(("ingest once", time.perf_counter() - started, len(raw), once["rows_accepted"]))

    print(f"{args.files} files x {args.rows} rows = {total_rows} rows, batches of {args.batch}, {args.workers} workers")
    print("| run | seconds | files/s | rows/s | rows accepted | time / fetch |")
    print("|---|---|---|---|---|---|")
    base = results[0][1]
    for name, seconds, files, rows in results:
        print(f"| {name} | {seconds:.2f} | {files / seconds:.1f} | {rows / seconds:,.0f} | {rows} | {seconds / base:.2f} |")


if __name__ == "__main__":
    main()
