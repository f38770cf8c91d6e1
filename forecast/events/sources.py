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
