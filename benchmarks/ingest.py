"""Benchmark: ``forecast`` ingest vs a bare DuckDB GROUP BY (the floor) vs plain pandas.

Generates GDELT 2.0-layout files (61 tab-separated columns, no header) with a seeded numpy
Generator, then times, in the same run and each in a fresh subprocess (so peak memory is
that of the task alone):

* ``floor``  - DuckDB ``read_csv`` + ``GROUP BY`` source country, target country, day;
* ``ingest`` - :func:`forecast.events.ingest` (parse, quarantine, actor resolution,
  validation, dedup, parquet) followed by the same GROUP BY over ``events.parquet``;
* ``pandas`` - ``pandas.read_csv`` of the three key columns + ``groupby().size()``.

Two file sizes are run to show whether peak memory grows with the file. Not a test::

    python benchmarks/ingest.py --sizes 2000000 6000000 --workdir /tmp/forecast-bench
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

N_COLUMNS = 61
_COUNTRIES = np.array(["USA", "CHN", "RUS", "GBR", "FRA", "IND", "DEU", "JPN", "BLR", "UKR", "IRN", ""])
_FIPS = np.array(["US", "CH", "RS", "UK", "FR", "IN", "GM", "JA", "BO", "UP", "IR", ""])
_ROLES = np.array(["", "", "GOV", "MIL", "BUS", "MED", "COP", "OPP"])
_CODES = np.array(
    [
        "010",
        "020",
        "036",
        "040",
        "042",
        "043",
        "046",
        "057",
        "062",
        "0312",
        "111",
        "112",
        "120",
        "138",
        "150",
        "163",
        "173",
        "190",
    ]
)
_CODE_QUAD = np.array(
    ["1" if c[:2] <= "05" else "2" if c[:2] <= "09" else "3" if c[:2] <= "14" else "4" for c in _CODES]
)


def generate(path: Path, n_rows: int, seed: int = 0, chunk: int = 500_000) -> None:
    """Write a GDELT 2.0-layout export of ``n_rows`` rows, in chunks (bounded memory).

    Parameters
    ----------
    path : Path
        Output file (plain TSV).
    n_rows : int
        Number of rows.
    seed : int
        Seed of the numpy Generator; the same seed gives the same file.
    chunk : int
        Rows generated and written at a time.
    """
    rng = np.random.default_rng(seed)
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    names = [f"c{i}" for i in range(N_COLUMNS)]
    schema = pa.schema([(n, pa.string()) for n in names])
    with pacsv.CSVWriter(path, schema, write_options=options) as writer:
        for start in range(0, n_rows, chunk):
            n = min(chunk, n_rows - start)
            cols = {name: np.full(n, "", dtype=object) for name in names}
            days = np.datetime64("2018-01-01") + rng.integers(0, 365, n)
            sqldate = np.char.replace(days.astype("datetime64[D]").astype(str), "-", "")
            a1, a2 = rng.integers(0, len(_COUNTRIES), n), rng.integers(0, len(_COUNTRIES), n)
            r1, r2 = _ROLES[rng.integers(0, len(_ROLES), n)], _ROLES[rng.integers(0, len(_ROLES), n)]
            pick = rng.integers(0, len(_CODES), n)
            code = _CODES[pick]
            root = code.astype("<U2")  # numpy truncates to the first two characters
            cols["c0"] = np.arange(700_000_000 + start, 700_000_000 + start + n).astype(str)
            cols["c1"] = sqldate
            cols["c2"] = sqldate.astype("<U6")
            cols["c3"] = sqldate.astype("<U4")
            cols["c5"] = np.char.add(_COUNTRIES[a1], r1)
            cols["c7"] = _COUNTRIES[a1]
            cols["c12"] = r1
            cols["c15"] = np.char.add(_COUNTRIES[a2], r2)
            cols["c17"] = _COUNTRIES[a2]
            cols["c22"] = r2
            cols["c25"] = rng.integers(0, 2, n).astype(str)
            cols["c26"] = code
            cols["c27"] = code.astype("<U3")
            cols["c28"] = root
            cols["c29"] = _CODE_QUAD[pick]
            cols["c30"] = np.round(rng.uniform(-10, 10, n), 1).astype(str)
            cols["c31"] = rng.integers(1, 50, n).astype(str)
            cols["c34"] = np.round(rng.normal(0, 3, n), 6).astype(str)
            cols["c37"] = _FIPS[a1]
            cols["c45"] = _FIPS[a2]
            cols["c53"] = _FIPS[rng.integers(0, len(_FIPS), n)]
            cols["c59"] = np.full(n, "20180326044500")
            cols["c60"] = np.char.add("https://news.example.org/story/", cols["c0"])
            writer.write_table(pa.table({k: pa.array(v.astype(str)) for k, v in cols.items()}, schema=schema))


_NAMES = ", ".join(f"'c{i}'" for i in range(N_COLUMNS))
# Each task: (imports, untimed; timed body). Both run in a fresh interpreter.
_TASKS = {
    "floor": (
        "import duckdb",
        """
con = duckdb.connect()
groups = con.sql("SELECT c7, c17, c1, count(*) FROM read_csv('{path}', delim='\\t', header=false, quote='', "
                 "escape='', all_varchar=true, names=[{names}]) GROUP BY ALL").fetchall()
""",
    ),
    "ingest": (
        "import duckdb\nfrom forecast.events import ingest",
        """
summary = ingest('{path}', '{out}', format='gdelt2', validate={validate}, memory_limit='{memory_limit}')
groups = duckdb.sql("SELECT source_country, target_country, date, count(*) FROM '{out}/events.parquet' "
                    "GROUP BY ALL").fetchall()
assert summary['rows_accepted'] == {rows}, summary
""",
    ),
    "pandas": (
        "import pandas as pd",
        """
frame = pd.read_csv('{path}', sep='\\t', header=None, usecols=[1, 7, 17], dtype=str, quoting=3,
                    keep_default_na=False)
groups = frame.groupby([7, 17, 1]).size()
""",
    ),
}

# Peak memory is the child's VmHWM (high-water resident set of its own address space):
# unlike ru_maxrss it is not inherited across exec from the (large) parent.
_RUNNER = """
import time, json, re
{setup}
t0 = time.perf_counter()
{body}
elapsed = time.perf_counter() - t0
with open('/proc/self/status') as status:
    peak_kb = int(re.search(r'VmHWM:\\s+(\\d+)', status.read()).group(1))
print(json.dumps({{"seconds": elapsed, "peak_mb": peak_kb / 1024, "groups": len(groups)}}))
"""


def run_task(task: str, path: Path, out: Path, rows: int, validate: bool, memory_limit: str) -> dict:
    """Run one task in a fresh interpreter; return its seconds, peak RSS (MiB) and group count."""
    setup, body = _TASKS[task]
    body = body.format(path=path, out=out, names=_NAMES, rows=rows, validate=validate, memory_limit=memory_limit)
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER.format(setup=setup, body=body)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark task {task} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict:
    """Generate the files, run every task, print and return a table of results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[2_000_000, 6_000_000])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/forecast-bench"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-validate", action="store_true", help="skip pandera on SQL-built GDELT batches")
    parser.add_argument("--memory-limit", default="128MB", help="DuckDB memory limit for the ingest dedup step")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: dict[int, dict[str, dict]] = {}
    for n in args.sizes:
        path = args.workdir / f"gdelt2_{n}.export.CSV"
        if not path.exists():
            t0 = time.perf_counter()
            generate(path, n, seed=args.seed)
            print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f}s")
        results[n] = {
            task: run_task(task, path, args.workdir / f"ingest_{n}", n, not args.no_validate, args.memory_limit)
            for task in ("floor", "ingest", "pandas")
        }
    print(f"\n{'rows':>10} {'task':>7} {'seconds':>8} {'x floor':>8} {'peak MiB':>9} {'groups':>7}")
    for n, tasks in results.items():
        floor = tasks["floor"]["seconds"]
        for task, r in tasks.items():
            print(
                f"{n:>10} {task:>7} {r['seconds']:>8.2f} {r['seconds'] / floor:>8.2f} {r['peak_mb']:>9.0f} "
                f"{r['groups']:>7}"
            )
    print(
        f"\nvalidate={not args.no_validate}, ingest memory_limit={args.memory_limit}, "
        f"block 16 MiB; imports are excluded from the times"
    )
    return results


if __name__ == "__main__":
    main()
