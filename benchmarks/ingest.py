"""Benchmark: ``forecast`` ingest plus weekly series vs a bare DuckDB GROUP BY (the floor) vs pandas.

Two generators write GDELT 2.0-layout files (61 tab-separated columns, no header) with a
seeded numpy Generator, cached in ``--workdir``:

* ``resampled`` - rows drawn with replacement from the genuine GDELT 2.0 export in
  ``../shared/data/raw`` (skipped, with a message, when it is absent), each given a fresh
  ``GLOBALEVENTID`` (increasing, as in a real export) so that deduplication, which keys on
  ``gdelt2:GLOBALEVENTID``, keeps every row;
* ``synthetic`` - realistic distinct-value counts: 10^5 actor names, 200 countries (actor
  codes with role blocks, FIPS geography), 300 CAMEO codes, URLs of 60-200 bytes, a year of days.

Then, in the same run and each in a fresh subprocess (so peak memory is that of the task alone):

* ``floor``  - DuckDB ``read_csv`` + ``GROUP BY`` source country, target country, week of ``SQLDATE``;
* ``ingest`` - :func:`forecast.events.ingest` (parse, quarantine, actor resolution, validation,
  dedup, parquet) followed by the weekly series that ``forecast-run series=all_directed_dyads``
  builds (:func:`forecast.series.build_panel` over ``events.parquet``; ``series.drop_partial=false``,
  as nearly every genuine row falls in the last, partial week of the resampled file);
* ``pandas`` - ``pandas.read_csv`` of the three key columns + ``groupby`` week.

Reported per (generator, size, task): wall and CPU seconds (the child's user + sys, from
``os.wait4``), peak RSS (the child's ``VmHWM``) and both ratios to the floor (for ``ingest``
also its wall split into the ingest call and the weekly series), the medians of
``--repeat`` rounds that run the tasks interleaved (so load drift hits every task alike), and
the load average at the start and end of each task. Results go to ``results.json`` and
``results.csv`` in the workdir. Not a test::

    nice -n 10 python benchmarks/ingest.py --workdir /tmp/forecast-bench
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
GENUINE = ROOT.parent / "shared" / "data" / "raw" / "gdelt2_export_sample_dias" / "20180326044500.export.CSV.gz"
N_COLUMNS = 61
TASKS = ("floor", "ingest", "pandas")
GENERATORS = ("resampled", "synthetic")
_CHUNK = 500_000


def generate_resampled(path: Path, n_rows: int, seed: int = 0, source: Path = GENUINE) -> None:
    """Write ``n_rows`` genuine GDELT 2.0 rows drawn with replacement, each with a fresh GLOBALEVENTID.

    Parameters
    ----------
    path : Path
        Output file (plain TSV, no header).
    n_rows : int
        Number of rows.
    seed : int
        Seed of the numpy Generator; the same seed gives the same file.
    source : Path
        The genuine export rows are drawn from.
    """
    with gzip.open(source, "rb") as handle:
        lines = [line.rstrip(b"\n") for line in handle if line.strip()]
    tails = np.array([line[line.index(b"\t") :] for line in lines], dtype=object)  # all but the id
    first_id = max(int(line[: line.index(b"\t")]) for line in lines) + 1
    rng = np.random.default_rng(seed)
    with open(path, "wb") as out:
        for start in range(0, n_rows, _CHUNK):
            n = min(_CHUNK, n_rows - start)
            ids = np.arange(first_id + start, first_id + start + n).astype(str).astype(object)
            drawn = tails[rng.integers(0, len(tails), n)]
            out.write(b"\n".join(i.encode() + t for i, t in zip(ids, drawn)) + b"\n")


def _pools(rng: np.random.Generator) -> dict[str, pa.Array]:
    """Distinct values of the synthetic generator (drawn once per file, from the file's seed)."""
    fips = pacsv.read_csv(ROOT / "forecast" / "resources" / "geo" / "fips10_4.csv").slice(0, 200)
    cameo = pacsv.read_csv(
        ROOT / "forecast" / "resources" / "taxonomy" / "cameo.csv",
        convert_options=pacsv.ConvertOptions(column_types={"cameo_code": pa.string(), "quad_class": pa.string()}),
    )
    codes = cameo.filter(pc.greater_equal(pc.utf8_length(cameo["cameo_code"]), 3)).slice(0, 300)
    letters = np.array(list("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    names = [" ".join("".join(rng.choice(letters, rng.integers(3, 10))) for _ in range(rng.integers(1, 4))) for _ in range(100_000)]
    url_lengths = rng.integers(60, 201, 50_000)
    urls = ["https://news" + "".join(rng.choice(letters, k - 19)).lower() + ".com/a" for k in url_lengths]
    return {
        "iso3": fips["iso3"],
        "fips": fips["fips"],
        "place": fips["name"],
        "code": codes["cameo_code"],
        "quad": codes["quad_class"],
        "gold": pc.cast(codes["goldstein"], pa.string()),
        "name": pa.array(names),
        "url": pa.array(urls),
        "role": pa.array(["", "", "", "GOV", "MIL", "BUS", "MED", "COP", "OPP", "REB", "CVL", "JUD"]),
    }


def generate_synthetic(path: Path, n_rows: int, seed: int = 0) -> None:
    """Write a GDELT 2.0-layout export of ``n_rows`` rows with realistic distinct-value counts, in chunks.

    Parameters
    ----------
    path : Path
        Output file (plain TSV, no header).
    n_rows : int
        Number of rows.
    seed : int
        Seed of the numpy Generator; the same seed gives the same file.
    """
    rng = np.random.default_rng(seed)
    pool = _pools(rng)
    options = pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="none")
    names = [f"c{i}" for i in range(N_COLUMNS)]
    schema = pa.schema([(n, pa.string()) for n in names])

    def pick(kind: str, n: int, index: np.ndarray | None = None) -> pa.Array:
        return pool[kind].take(pa.array(rng.integers(0, len(pool[kind]), n) if index is None else index))

    with pacsv.CSVWriter(path, schema, write_options=options) as writer:
        for start in range(0, n_rows, _CHUNK):
            n = min(_CHUNK, n_rows - start)
            empty = pa.array(np.full(n, "", dtype=object), pa.string())
            cols: dict[str, pa.Array] = {name: empty for name in names}
            days = (np.datetime64("2018-01-01") + rng.integers(0, 365, n)).astype("datetime64[D]")
            sqldate = pc.replace_substring(pa.array(days.astype(str)), "-", "")
            cols["c0"] = pa.array(np.arange(700_000_000 + start, 700_000_000 + start + n).astype(str))
            cols["c1"], cols["c2"], cols["c3"] = sqldate, pc.utf8_slice_codeunits(sqldate, 0, 6), pc.utf8_slice_codeunits(sqldate, 0, 4)
            cols["c4"] = pc.cast(pc.round(pc.add(2018.0, pc.divide(pa.array(rng.integers(0, 365, n)), 365.0)), 4), pa.string())
            for actor, (code, name, country, role, type1, geo) in {
                1: (5, 6, 7, 12, 12, 35),
                2: (15, 16, 17, 22, 22, 43),
            }.items():
                country_ix = rng.integers(0, len(pool["iso3"]), n)
                blank = rng.random(n) < 0.1  # actors without a country (BUS, MED alone)
                iso3 = pc.if_else(pa.array(blank), "", pick("iso3", n, country_ix))
                roles = pick("role", n)
                cols[f"c{code}"] = pc.binary_join_element_wise(iso3, roles, "")
                cols[f"c{name}"] = pick("name", n)
                cols[f"c{country}"] = iso3
                cols[f"c{type1}"] = roles
                cols[f"c{geo}"] = pa.array(np.full(n, "1"))  # Geo_Type: country
                cols[f"c{geo + 1}"] = pick("place", n, country_ix)
                cols[f"c{geo + 2}"] = pick("fips", n, country_ix)
                cols[f"c{geo + 3}"] = pick("fips", n, country_ix)
                cols[f"c{geo + 5}"] = pc.cast(pa.array(np.round(rng.uniform(-60, 70, n), 4)), pa.string())
                cols[f"c{geo + 6}"] = pc.cast(pa.array(np.round(rng.uniform(-170, 170, n), 4)), pa.string())
                cols[f"c{geo + 7}"] = pick("fips", n, country_ix)
            code_ix = rng.integers(0, len(pool["code"]), n)
            code = pick("code", n, code_ix)
            cols["c25"] = pa.array(rng.integers(0, 2, n).astype(str))
            cols["c26"], cols["c27"], cols["c28"] = code, pc.utf8_slice_codeunits(code, 0, 3), pc.utf8_slice_codeunits(code, 0, 2)
            cols["c29"], cols["c30"] = pick("quad", n, code_ix), pick("gold", n, code_ix)
            for c in (31, 32, 33):
                cols[f"c{c}"] = pa.array(rng.integers(1, 50, n).astype(str))
            cols["c34"] = pc.cast(pa.array(np.round(rng.normal(0, 3, n), 6)), pa.string())
            place = rng.integers(0, len(pool["iso3"]), n)
            cols["c51"], cols["c52"], cols["c53"] = pa.array(np.full(n, "1")), pick("place", n, place), pick("fips", n, place)
            cols["c54"] = pick("fips", n, place)
            cols["c59"] = pa.array(np.full(n, "20180326044500"))
            cols["c60"] = pick("url", n)
            writer.write_table(pa.table(cols, schema=schema))


_NAMES = ", ".join(f"'c{i}'" for i in range(N_COLUMNS))
# Each task: (imports and set-up, untimed; timed body). Both run in a fresh interpreter.
_TASKS = {
    "floor": (
        "import duckdb",
        """
con = duckdb.connect()
groups = con.sql("SELECT c7, c17, date_trunc('week', strptime(c1, '%Y%m%d')) AS week, count(*) "
                 "FROM read_csv('{path}', delim='\\t', header=false, quote='', escape='', all_varchar=true, "
                 "names=[{names}]) GROUP BY ALL").fetchall()
""",
    ),
    "ingest": (
        """
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from forecast.cli.instantiate import build
from forecast.events import families_from_mapping, ingest
from forecast.series import build_panel, observed_coverage
with initialize_config_dir(config_dir='{conf}', version_base='1.3'):
    cfg = compose(config_name='config', overrides=['series=all_directed_dyads', 'series.drop_partial=false'])
spec = build(cfg.series, where='series')
families = families_from_mapping(OmegaConf.to_container(cfg.taxonomy.families, resolve=True))
""",
        """
summary = ingest('{path}', '{out}', format='gdelt2', memory_limit='{memory_limit}')
parts = {{'ingest_seconds': time.perf_counter() - t0}}
events = '{out}/events.parquet'  # read out of core by DuckDB
groups = build_panel(events, spec, families, observed_coverage(events))
parts['series_seconds'] = time.perf_counter() - t0 - parts['ingest_seconds']
assert summary['rows_read'] == {rows}, summary
""",
    ),
    "pandas": (
        "import pandas as pd",
        """
frame = pd.read_csv('{path}', sep='\\t', header=None, usecols=[1, 7, 17], dtype='category', quoting=3,
                    keep_default_na=False)
day = frame[1].cat.categories
week = pd.to_datetime(day, format='%Y%m%d').to_period('W-SUN').start_time
frame[1] = week[frame[1].cat.codes.to_numpy()]
groups = frame.groupby([7, 17, 1], observed=True).size()
""",
    ),
}

# Peak memory is the child's VmHWM (high-water resident set of its own address space):
# unlike ru_maxrss it is not inherited across exec from the (large) parent.
_RUNNER = """
import time, json, re, warnings
warnings.simplefilter('ignore')
{setup}
t0 = time.perf_counter()
{body}
elapsed = time.perf_counter() - t0
with open('/proc/self/status') as status:
    peak_kb = int(re.search(r'VmHWM:\\s+(\\d+)', status.read()).group(1))
print(json.dumps({{"seconds": elapsed, "peak_mb": peak_kb / 1024, "groups": len(groups), **globals().get("parts", {{}})}}))
"""


def run_task(task: str, path: Path, out: Path, rows: int, memory_limit: str) -> dict:
    """Run one task in a fresh interpreter; return wall and CPU seconds, peak RSS (MiB), groups and load.

    Wall seconds cover the body only (imports and config composition excluded); CPU seconds
    are the whole child's (user + sys, every thread, imports included) from ``os.wait4``.
    """
    setup, body = _TASKS[task]
    fields = {"path": path, "out": out, "names": _NAMES, "rows": rows, "memory_limit": memory_limit, "conf": ROOT / "conf"}
    code = _RUNNER.format(setup=setup.format(**fields), body=body.format(**fields))
    load_start = os.getloadavg()
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        child = subprocess.Popen([sys.executable, "-c", code], stdout=stdout, stderr=stderr, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        stderr.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"benchmark task {task} on {path} failed:\n{stderr.read()}")
        result = json.loads(stdout.read().strip().splitlines()[-1])
    return {**result, "cpu_seconds": usage.ru_utime + usage.ru_stime, "load_start": load_start[0], "load_end": os.getloadavg()[0]}


def _file(workdir: Path, generator: str, n: int, seed: int) -> Path | None:
    """The cached input of ``generator`` with ``n`` rows, generated when missing (None: no genuine rows)."""
    path = workdir / f"{generator}_{n}.export.CSV"
    if path.exists():
        return path
    if generator == "resampled" and not GENUINE.exists():
        return None
    t0 = time.perf_counter()
    partial = path.with_suffix(".partial")
    if generator == "resampled":
        generate_resampled(partial, n, seed=seed)
    else:
        generate_synthetic(partial, n, seed=seed)
    partial.rename(path)
    print(f"generated {path} ({path.stat().st_size / 2**20:.0f} MiB) in {time.perf_counter() - t0:.1f}s", flush=True)
    return path


def _median(rounds: list[dict]) -> dict:
    keys = ("seconds", "cpu_seconds", "peak_mb", "ingest_seconds", "series_seconds")
    merged = {k: statistics.median(r[k] for r in rounds) for k in keys if k in rounds[0]}
    return {
        **merged,
        "groups": rounds[0]["groups"],
        "load_start": min(r["load_start"] for r in rounds),
        "load_end": max(r["load_end"] for r in rounds),
        "rounds": len(rounds),
    }


def main(argv: list[str] | None = None) -> list[dict]:
    """Generate the files, run every task, write and print a table of results."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000, 20_000_000])
    parser.add_argument("--generator", choices=GENERATORS, nargs="+", default=list(GENERATORS))
    parser.add_argument("--tasks", choices=TASKS, nargs="+", default=list(TASKS))
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/forecast-bench"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of interleaved tasks; medians are reported")
    parser.add_argument("--memory-limit", default="128MB", help="DuckDB memory limit of the ingest dedup step")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    for generator in args.generator:
        for n in args.sizes:
            path = _file(args.workdir, generator, n, args.seed)
            if path is None:
                print(f"skipping generator 'resampled': the genuine GDELT 2.0 file {GENUINE} is absent")
                break
            rounds: dict[str, list[dict]] = {t: [] for t in args.tasks}
            for _ in range(args.repeat):
                for task in args.tasks:
                    rounds[task].append(run_task(task, path, args.workdir / f"ingest_{generator}_{n}", n, args.memory_limit))
            measured = {t: _median(r) for t, r in rounds.items()}
            floor = measured.get("floor")
            for task, r in measured.items():
                rows.append(
                    {
                        "generator": generator,
                        "rows": n,
                        "task": task,
                        **r,
                        "wall_x_floor": r["seconds"] / floor["seconds"] if floor else None,
                        "cpu_x_floor": r["cpu_seconds"] / floor["cpu_seconds"] if floor else None,
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    (args.workdir / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    if rows:
        with open(args.workdir / "results.csv", "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
            writer.writeheader()
            writer.writerows(rows)
    print(
        "\n| generator | rows | task | wall s | x floor | ingest + series s | CPU s | x floor | peak RSS MiB | groups "
        "| load start-end |\n|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    for r in rows:
        ratios = [f"{r[k]:.2f}" if r[k] is not None else "-" for k in ("wall_x_floor", "cpu_x_floor")]
        split = f"{r['ingest_seconds']:.2f} + {r['series_seconds']:.2f}" if "ingest_seconds" in r else "-"
        print(
            f"| {r['generator']} | {r['rows']:,} | {r['task']} | {r['seconds']:.2f} | {ratios[0]} | {split} | "
            f"{r['cpu_seconds']:.2f} | {ratios[1]} | {r['peak_mb']:.0f} | {r['groups']:,} | "
            f"{r['load_start']:.2f}-{r['load_end']:.2f} |"
        )
    print(f"\nrepeat={args.repeat} (medians), ingest memory_limit={args.memory_limit}; wall excludes imports, CPU includes them")
    return rows


if __name__ == "__main__":
    main()
