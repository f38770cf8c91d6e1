"""Load a configured data source: events, their coverage periods, and input file hashes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from forecast.events.embedded import COUNTS_FILE, embedded_coverage, embedded_path, file_sha256, load_embedded
from forecast.events.readers import ReadResult, read_tkg
from forecast.series.panel import observed_coverage


@dataclass
class LoadedSource:
    """Events of one source with what is needed to cite and reproduce them."""

    result: ReadResult
    coverage: pd.DataFrame
    data_sha256: dict[str, str]


def _input_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return [path]


def load_source(format: str, path: str | Path | None = None, **options: Any) -> LoadedSource:
    """Read events from the embedded default or from files.

    Parameters
    ----------
    format : str
        ``embedded`` (no path) or ``icews_tkg``.
    path : str or Path, optional
        Input file or folder.
    **options
        Format options, e.g. ``start_date`` and ``time_unit`` for ``icews_tkg``.

    Returns
    -------
    LoadedSource
    """
    if format == "embedded":
        return LoadedSource(
            result=load_embedded(),
            coverage=embedded_coverage(),
            data_sha256={f"embedded/{COUNTS_FILE}": file_sha256(embedded_path())},
        )
    if path is None:
        raise ValueError(f"data.format={format!r} needs data.path (a file, folder or glob).")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"data.path={str(path)!r} does not exist (relative paths start from the directory you ran in).")
    if format == "icews_tkg":
        result = read_tkg(path, **options)
    else:
        raise ValueError(f"data.format={format!r} is not supported; use one of: embedded, icews_tkg.")
    return LoadedSource(
        result=result,
        coverage=observed_coverage(result.events),
        data_sha256={str(p): file_sha256(p) for p in _input_files(path)},
    )


def load_panel(path: str | Path) -> tuple[pd.DataFrame, dict[str, str]]:
    """Read a pre-aggregated long panel (``data.format: panel``) that goes straight to the models.

    Parameters
    ----------
    path : str or Path
        CSV or Parquet file with columns ``unique_id, ds, y`` (more columns are kept).

    Returns
    -------
    tuple
        ``(panel, data_sha256)`` with ``ds`` parsed as dates and rows sorted.

    Raises
    ------
    ValueError
        When a required column is missing.
    """
    if path is None:
        raise ValueError("data.format=panel needs data.path=<csv or parquet with unique_id,ds,y>.")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data.path={str(path)!r} is not a file (relative paths start from the directory you ran in).")
    panel = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    missing = {"unique_id", "ds", "y"} - set(panel.columns)
    if missing:
        raise ValueError(f"data.path={str(path)!r} lacks column(s) {sorted(missing)}; a panel needs unique_id, ds, y.")
    panel = panel.assign(unique_id=panel["unique_id"].astype(str), ds=pd.to_datetime(panel["ds"]))
    return panel.sort_values(["unique_id", "ds"]).reset_index(drop=True), {str(path): file_sha256(path)}
