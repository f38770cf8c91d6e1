"""A pre-aggregated long panel (``unique_id, ds, y`` plus metadata) that bypasses event ingest.

The panel is validated (pandera), deduplicated on ``(unique_id, ds)`` and written as
``panel.parquet``, the table the forecasting stage reads; metadata columns are kept as
strings. Bad rows (missing id, bad date, non-numeric or infinite ``y``) are quarantined.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow

from forecast.errors import DataError
from forecast.events.readers._finish import AMBIGUOUS_DATE, Batch, add_reason, parse_dates
from forecast.events.readers._stream import InputFile, iter_delimited
from forecast.events.readers.base import QUARANTINE_COLUMNS
from forecast.events.readers._jsonl import is_json_lines
from forecast.events.readers.tidy import DEFAULT_CHUNK_ROWS, is_parquet, raw_rows, table_chunks

PANEL_COLUMNS: tuple[str, ...] = ("unique_id", "ds", "y")
PROVENANCE_COLUMNS: tuple[str, ...] = ("dedup_key", "source_file", "source_line")
"""Columns the reader adds to every row (and drops from an input that has them)."""

PANEL_SCHEMA = pa.DataFrameSchema(
    {
        "unique_id": pa.Column(str, pa.Check.str_length(min_value=1), nullable=False),
        "ds": pa.Column(
            "datetime64[ns]",
            pa.Check.in_range(pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")),
            nullable=False,
        ),
        "y": pa.Column(
            float, pa.Check(lambda s: np.isfinite(s), element_wise=False, error="y must be finite"), nullable=False
        ),
    },
    strict=False,
    coerce=False,
)
"""The long panel: one row per series and period."""


def _to_panel(source: InputFile, raw: pd.DataFrame, dayfirst: bool | None = None) -> tuple[pyarrow.Table, pd.DataFrame]:
    missing = [c for c in PANEL_COLUMNS if c not in raw.columns]
    if missing:
        raise DataError(f"{source.label}: a long panel needs columns {list(PANEL_COLUMNS)}; missing {missing}.")
    # A panel.parquet written by an ingest carries provenance columns: they are written anew, not kept.
    meta = [c for c in raw.columns if c not in (*PANEL_COLUMNS, "line", *PROVENANCE_COLUMNS)]
    ids = raw["unique_id"].astype("string").str.strip()
    ds, ambiguous = parse_dates(raw["ds"], dayfirst)
    panel = pd.DataFrame(
        {
            "unique_id": ids.where(ids.str.len() > 0).astype(object).where(lambda s: s.notna(), None),
            "ds": ds,
            "y": pd.to_numeric(raw["y"], errors="coerce").astype(float),
        }
    )
    # Parse failures get a reason naming the value; pandera then checks the rest.
    reasons = pd.Series(None, index=panel.index, dtype=object)
    reasons = add_reason(reasons, panel["unique_id"].isna(), "missing unique_id")
    reasons = add_reason(reasons, ambiguous, AMBIGUOUS_DATE, raw["ds"].astype(str))
    reasons = add_reason(reasons, panel["ds"].isna(), "bad date: ds {!r}", raw["ds"].astype(str))
    reasons = add_reason(reasons, panel["y"].isna(), "y is not a number: {!r}", raw["y"].astype(str))
    reasons = add_reason(
        reasons, panel["y"] < 0, "negative count: y = {!r} (counts cannot be below 0)", raw["y"].astype(str)
    )
    try:
        PANEL_SCHEMA.validate(panel, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases.dropna(subset=["index"])
        text = "schema check failed: " + cases["column"].astype(str) + " " + cases["check"].astype(str)
        first = text.groupby(cases["index"].astype(int).to_numpy()).first()
        reasons = reasons.where(reasons.notna(), first.reindex(reasons.index))
    good = reasons.isna().to_numpy()
    for col in meta:
        panel[col] = raw[col].astype(str).where(raw[col].notna(), None)
    panel["dedup_key"] = panel["unique_id"].astype(str) + "|" + panel["ds"].dt.strftime("%Y-%m-%d %H:%M:%S")
    panel["source_file"] = source.label
    panel["source_line"] = raw["line"].to_numpy()
    rejected = pd.DataFrame(
        {
            "file": source.label,
            "line": raw["line"].to_numpy()[~good],
            "reason": reasons[~good].to_numpy(),
            "raw": raw_rows(raw[~good], [c for c in raw.columns if c != "line"]).to_numpy(),
        },
        columns=list(QUARANTINE_COLUMNS),
    )
    schema = pyarrow.schema(
        [("unique_id", pyarrow.string()), ("ds", pyarrow.timestamp("ns")), ("y", pyarrow.float64())]
        + [(c, pyarrow.string()) for c in meta]
        + [("dedup_key", pyarrow.string()), ("source_file", pyarrow.string()), ("source_line", pyarrow.int64())]
    )
    return pyarrow.Table.from_pandas(panel[good], schema=schema, preserve_index=False), rejected


def iter_panel(
    inputs: list[InputFile], *, chunk_rows: int = DEFAULT_CHUNK_ROWS, dayfirst: bool | None = None
) -> Iterator[Batch]:
    """Stream long panels (CSV/TSV/parquet) as validated batches.

    Parameters
    ----------
    inputs : list of InputFile
        Long panels as CSV/TSV or parquet, columns ``unique_id, ds, y`` and any metadata.
    chunk_rows : int
        How many panel rows are checked at a time.
    dayfirst : bool, optional
        How ``a/b/Y`` dates in ``ds`` read; ``None`` quarantines the ambiguous ones.

    Yields
    ------
    Batch
        ``events`` holds the panel rows with ``dedup_key`` = ``unique_id|ds`` and the
        provenance columns ``source_file, source_line``.

    Raises
    ------
    DataError
        When ``unique_id``, ``ds`` or ``y`` is missing from a file, or a file is JSON Lines.
    """
    yield from iter_delimited(
        inputs, table_chunks(chunk_rows), partial(_to_panel, dayfirst=dayfirst), lambda: pyarrow.table({}), _refuse_json
    )


def _refuse_json(source: InputFile) -> None:
    """Refuse a JSON Lines panel, which the CSV parser would take for a header without rows."""
    if not is_parquet(source) and is_json_lines(source):
        raise DataError(
            f"{source.label}: a JSON Lines panel is not read (only event tables, data=events, may be JSON Lines); "
            "write the panel as CSV or parquet with columns unique_id, ds, y."
        )


__all__ = ["PANEL_COLUMNS", "PANEL_SCHEMA", "iter_panel"]
