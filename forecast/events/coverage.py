"""Coverage periods of event datasets: an events-level fact the series stage builds on."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd


def observed_coverage(events: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Coverage per dataset taken from the data itself: first and last event date.

    Use it when a source publishes no coverage period; it cannot tell a quiet last week
    from a missing one. Holes inside the span (a sample with events in 1982 and 2016 only)
    are found where the periods are known: :func:`forecast.series.build_panel` drops runs of
    more than ``SeriesSpec.max_empty_periods`` periods without any event of the source.

    Parameters
    ----------
    events : pandas.DataFrame, str or Path
        Events with ``source_dataset`` and ``date``, or parquet file(s) holding them (read
        by DuckDB, two columns, out of core).

    Returns
    -------
    pandas.DataFrame
        ``source_dataset, start, end``, one row per dataset.
    """
    if isinstance(events, pd.DataFrame):
        span = events.groupby("source_dataset")["date"].agg(["min", "max"])
    else:
        files = str(events).replace("'", "''")
        with duckdb.connect() as con:
            span = con.sql(
                f"SELECT source_dataset, min(date) AS min, max(date) AS max FROM read_parquet('{files}') "
                "GROUP BY ALL ORDER BY source_dataset"
            ).df().set_index("source_dataset")
    return pd.DataFrame({"source_dataset": span.index, "start": span["min"].values, "end": span["max"].values})
