"""Build the embedded default data: daily ICEWS event counts derived from ICEWS18 and ICEWS21.

Usage::

    python data/build_default.py ../shared/data/raw

Reads the two temporal-knowledge-graph quadruple sets with :func:`forecast.events.read_tkg`,
resolves actors to country and sector, and writes
``forecast/resources/default/icews_daily_counts.parquet``: one row per (date, source
country, source sector, target country, target sector, CAMEO code, dataset) with the
number of events. Actors that do not resolve to a country are kept as NA, not dropped.
Coverage periods go to ``coverage.csv`` beside it: the two sets cover separate periods and
the gap between them is missing data, not zero events.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from forecast.events import read_tkg

OUT_DIR = Path(__file__).resolve().parents[1] / "forecast" / "resources" / "default"
KEYS = ["date", "source_country", "source_sector", "target_country", "target_sector", "cameo_code", "source_dataset"]

SOURCES = {
    # dataset: (relative path, start date, time unit, last covered day)
    "icews18": ("icews18_tkg_diffutkg/ICEWS18.zip", "2018-01-01", "hour", "2018-10-31"),
    "icews21": ("icews21_22_tkg_zrllm/ICEWS21", "2021-01-01", "day", "2021-08-31"),
}


def build(raw: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Aggregate both TKG sets into daily counts and their coverage table."""
    tables, coverage = [], []
    for name, (rel, start, unit, end) in SOURCES.items():
        result = read_tkg(raw / rel, start_date=start, time_unit=unit, dataset=name)
        summary = result.summary()
        counts = (
            result.events.groupby(KEYS, dropna=False, sort=True)["count"].sum().reset_index()
        )
        tables.append(counts)
        coverage.append(
            {
                "source_dataset": name,
                "start": start,
                "end": end,
                "rows_read": summary["rows_read"],
                "rows_quarantined": summary["rows_quarantined"],
                "unresolved_actor_rate": round(summary["unresolved_actor_rate"][name], 4),
            }
        )
    return pd.concat(tables, ignore_index=True), pd.DataFrame(coverage)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", type=Path, help="path to shared/data/raw")
    args = parser.parse_args()
    counts, coverage = build(args.raw)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    counts.to_parquet(OUT_DIR / "icews_daily_counts.parquet", index=False, compression="zstd")
    coverage.to_csv(OUT_DIR / "coverage.csv", index=False)
    print(f"wrote {len(counts):,} count rows ({counts['count'].sum():,} events) to {OUT_DIR}")


if __name__ == "__main__":
    main()
