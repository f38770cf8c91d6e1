"""Load a configured data source: events, their coverage periods, and input file hashes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError, DataError
from forecast.events.coverage import observed_coverage
from forecast.events.embedded import COUNTS_FILE, embedded_coverage, embedded_path, load_embedded
from forecast.events.ingest import read_events
from forecast.events.manifest import read_store
from forecast.events.readers import ReadResult
from forecast.events.readers._stream import expand_inputs
from forecast.events.readers.registry import get as get_format, output_kind
from forecast.io import sha256


@dataclass
class LoadedSource:
    """Events of one source with what is needed to cite and reproduce them."""

    result: ReadResult
    coverage: pd.DataFrame
    data_sha256: dict[str, str]


def load_source(format: str, path: str | Path | None = None, **options: Any) -> LoadedSource:
    """Read events from the embedded default or from files.

    Parameters
    ----------
    format : str
        ``embedded`` (no path), ``store`` (a partitioned event store, read by
        :func:`forecast.events.manifest.read_store`), ``auto`` or a registered format whose
        output is events (:func:`forecast.events.readers.registry.names`); see :func:`read_events`.
    path : str or Path, optional
        File, folder or glob.
    **options
        Format options, e.g. ``start_date`` and ``time_unit`` for ``icews_tkg``; ``start``,
        ``end`` and ``last_weeks`` for ``store``.

    Returns
    -------
    LoadedSource

    Raises
    ------
    ArgumentError
        For a format that yields a panel, not events (read it with :func:`load_panel`);
        naming ``path`` when a file format has none, or when the embedded default is given one.
    """
    if output_kind(format) == "panel":
        raise ArgumentError("format", f"{format!r} yields a ready panel, not events; read it with load_panel.")
    if format == "embedded":
        if path is not None:  # the embedded table would be read and the path silently ignored
            raise ArgumentError(
                "path",
                f"the embedded data take no path, got {str(path)!r}; to read that file, name its format "
                "(data=events, data=gdelt2, ..., or data=auto to detect it).",
            )
        return LoadedSource(
            result=load_embedded(),
            coverage=embedded_coverage(),
            data_sha256={f"embedded/{COUNTS_FILE}": sha256(embedded_path())},
        )
    if format not in ("auto", "store"):
        get_format(format)  # an unknown format is named before a missing path
    if path is None:
        raise ArgumentError("path", f"format {format!r} needs a path: give a file, folder or glob.")
    if format == "store":  # a partitioned store: coverage from its fetch manifest
        result, coverage, hashes = read_store(path, **options)
        return LoadedSource(result=result, coverage=coverage, data_sha256=hashes)
    result = read_events(path, format=format, **options)
    files = dict.fromkeys(item.path for item in expand_inputs(path))
    return LoadedSource(
        result=result,
        coverage=observed_coverage(result.events),
        data_sha256={str(f): sha256(f) for f in files},
    )


def combine_sources(sources: list[LoadedSource]) -> LoadedSource:
    """Stack several sources into one: events keep their ``source_dataset``.

    Accounting, coverage windows and input hashes are combined, so the run records every
    input. Each source must use its own ``source_dataset`` names: the same name in two
    sources would merge their coverage windows.

    Raises
    ------
    ArgumentError
        Naming ``sources`` when two sources share a ``source_dataset`` name.
    """
    if len(sources) == 1:
        return sources[0]
    names = [set(s.coverage["source_dataset"]) for s in sources]
    shared = set.intersection(*names) if names else set()
    if shared:
        raise ArgumentError(
            "sources", f"source_dataset {sorted(shared)} appears in more than one source; rename one (its dataset option)."
        )
    columns = list(dict.fromkeys(c for s in sources for c in s.result.events.columns))
    result = ReadResult(
        events=pd.concat([s.result.events.reindex(columns=columns) for s in sources], ignore_index=True),
        quarantine=pd.concat([s.result.quarantine for s in sources], ignore_index=True),
        rows_read=sum(s.result.rows_read for s in sources),
        rows_duplicate=sum(s.result.rows_duplicate for s in sources),
        unresolved={k: v for s in sources for k, v in s.result.unresolved.items()},
    )
    return LoadedSource(
        result=result,
        coverage=pd.concat([s.coverage for s in sources], ignore_index=True),
        data_sha256={k: v for s in sources for k, v in s.data_sha256.items()},
    )


def load_panel(path: str | Path, dayfirst: bool | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a pre-aggregated long panel (``data.format: panel``) that goes straight to the models.

    Uses the same reader as ``forecast-ingest data=panel``, so rows with a missing id, a bad
    date or a non-numeric ``y`` are rejected the same way.

    Parameters
    ----------
    path : str or Path
        CSV/TSV or Parquet file(s) with columns ``unique_id, ds, y`` (more columns are kept).
    dayfirst : bool, optional
        How ``a/b/Y`` dates in ``ds`` read (``data.dayfirst``); ``None`` rejects ambiguous ones.

    Returns
    -------
    tuple
        ``(panel, data_sha256)``, rows sorted by ``unique_id, ds``.

    Raises
    ------
    DataError
        When a required column is missing, when any row had to be quarantined, when a
        (unique_id, ds) repeats, or when a series' dates leave a regular calendar grid: a
        forecast must not silently lose or pick periods.
    """
    if path is None:
        raise DataError("data.format=panel needs data.path=<csv or parquet with unique_id,ds,y>.")
    result = read_events(path, format="panel", dayfirst=dayfirst)
    if result.rows_quarantined:
        first = result.quarantine.iloc[0]
        raise DataError(
            f"data.path={str(path)!r}: {result.rows_quarantined} panel row(s) rejected, e.g. "
            f"{first['file']} line {first['line']}: {first['reason']}. Fix them, or run "
            "forecast-ingest data=panel to see them all in quarantine.parquet."
        )
    if result.rows_duplicate:
        raise DataError(
            f"data.path={str(path)!r}: {result.rows_duplicate} repeated (unique_id, ds) row(s); "
            "aggregate them into one value per series and period first."
        )
    _check_grid(result.events)
    panel = result.events.drop(columns=["dedup_key", "source_file", "source_line"])
    files = dict.fromkeys(item.path for item in expand_inputs(path))
    return panel.sort_values(["unique_id", "ds"]).reset_index(drop=True), {str(f): sha256(f) for f in files}


def _check_grid(panel: pd.DataFrame) -> None:
    """Refuse a series whose dates leave a regular calendar grid, naming it, its file and line.

    Raises
    ------
    DataError
        At the first row after a gap (or off the step) of the first irregular series.
    """
    for uid, rows in panel.sort_values(["unique_id", "ds"], kind="stable").groupby("unique_id", sort=True):
        dates = pd.DatetimeIndex(rows["ds"])
        if len(dates) < 3 or pd.infer_freq(dates) is not None:
            continue
        step = pd.infer_freq(dates[:3])
        expected = pd.date_range(dates[0], periods=len(dates), freq=step) if step else dates[:2]
        mismatch = np.flatnonzero(dates[: len(expected)] != expected) if step else [2]
        if not len(mismatch):
            continue
        off = int(mismatch[0])
        row = rows.iloc[off]
        grid = f"its {step} grid" if step else "the step of its first two periods"
        raise DataError(
            f"{row['source_file']} line {row['source_line']}: series {uid!r} goes from {dates[off - 1].date()} to "
            f"{dates[off].date()}, off {grid}. A panel needs one row per period for every series: "
            "write 0 for periods without events, or split the series where coverage stops."
        )
