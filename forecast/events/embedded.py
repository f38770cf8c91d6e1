"""The embedded default data: daily ICEWS counts shipped with the package (see its ATTRIBUTION.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

from forecast.events.readers.base import ReadResult
from forecast.events.schema import conform_dtypes
from forecast.events.taxonomy import code_attributes

_FOLDER = ("resources", "default")
COUNTS_FILE = "icews_daily_counts.parquet"
COVERAGE_FILE = "coverage.csv"


def embedded_path(name: str = COUNTS_FILE) -> Path:
    """Filesystem path of a file of the embedded default data."""
    with resources.as_file(resources.files("forecast").joinpath(*_FOLDER, name)) as path:
        return Path(path)


def embedded_coverage() -> pd.DataFrame:
    """Coverage periods of the embedded datasets (``source_dataset, start, end``)."""
    coverage = pd.read_csv(embedded_path(COVERAGE_FILE), parse_dates=["start", "end"])
    return coverage[["source_dataset", "start", "end"]]


def load_embedded() -> ReadResult:
    """Load the embedded ICEWS daily count table as canonical events.

    Each row is a group of events; ``count`` holds how many. ``event_id`` is the dataset
    and row number in the committed table, so it is stable across runs.

    Returns
    -------
    ReadResult
        Every row accepted; nothing is quarantined in a table built by our own script.
    """
    counts = pd.read_parquet(embedded_path())
    counts = counts.join(code_attributes(counts["cameo_code"], intensity="icews_intensity"))
    counts["event_id"] = "embedded:" + counts["source_dataset"] + ":" + counts.index.astype(str)
    counts["source_actor"] = None
    counts["target_actor"] = None
    events = conform_dtypes(counts)
    # Share of actor slots (two per event) left unresolved, weighted by event count.
    unresolved = {
        name: float(
            (g["count"] * (g["source_country"].isna().astype(int) + g["target_country"].isna().astype(int))).sum()
            / (2 * g["count"].sum())
        )
        for name, g in events.groupby("source_dataset")
    }
    return ReadResult(events=events, rows_read=len(events), unresolved=unresolved)
