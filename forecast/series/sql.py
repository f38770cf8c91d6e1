"""The events -> series aggregation as one portable SQL text, run by DuckDB or Spark.

:func:`measure_sql` is the only statement of the aggregation; DuckDB runs it by default
(:func:`duckdb_runner`) and ``engine=spark`` runs the very same text on a Spark session
(:func:`forecast.backtest.engines.spark_runner`), so the two cannot drift. It uses only
SQL both dialects share (``SUM``, ``COUNT(DISTINCT)``, ``CASE``, ``CAST``, ``NULLIF``).
Sums are exact whatever the order rows are added in: counts are integer-valued, and
Goldstein values are summed as ``DECIMAL`` before the final cast to ``DOUBLE``.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa

from forecast.series.measures import check_measure

#: A function that runs an SQL text over a table registered as the view ``events``.
SqlRunner = Callable[[str, pa.Table], pd.DataFrame]
#: Columns of the ``events`` view: timestamps as int64 nanoseconds, so no session time zone
#: applies; a missing Goldstein value or quad class is an SQL NULL in both engines.
INPUT_COLUMNS = ("dyad", "family", "ds", "date", "count", "goldstein", "quad_class")

_SCORED = "CASE WHEN goldstein IS NULL THEN 0 ELSE count END"
_GOLDSTEIN = "CASE WHEN goldstein IS NULL THEN 0 ELSE CAST(goldstein AS DECIMAL(38, 6)) * CAST(count AS DECIMAL(38, 6)) END"
_Y = {
    "count": "CAST(SUM(count) AS DOUBLE)",
    "share": "CAST(SUM(count) AS DOUBLE)",  # divided by the source volume once the grid is complete
    "event_days": "CAST(COUNT(DISTINCT date) AS DOUBLE)",
    # Quad classes 1-2 are cooperation, 3-4 conflict (an unknown class counts as conflict, as in pandas).
    "net_cooperation": "CAST(SUM(CASE WHEN quad_class <= 2 THEN count ELSE -count END) AS DOUBLE)",
    "goldstein_sum": f"CAST(SUM({_GOLDSTEIN}) AS DOUBLE)",
    # Events of unknown CAMEO codes have no Goldstein value and leave the mean alone.
    "goldstein_mean": f"CAST(SUM({_GOLDSTEIN}) AS DOUBLE) / CAST(NULLIF(SUM({_SCORED}), 0) AS DOUBLE)",
}


def measure_sql(measure: str) -> str:
    """The statement aggregating the ``events`` view to ``dyad, family, ds, y, n_events``."""
    check_measure(measure)
    return (
        f"SELECT dyad, family, ds, {_Y[measure]} AS y, CAST(SUM(count) AS DOUBLE) AS n_events "
        "FROM events GROUP BY dyad, family, ds ORDER BY dyad, family, ds"
    )


def sql_input(selected: pd.DataFrame) -> pa.Table:
    """The ``events`` view of labelled events (``dyad, family, ds, date`` plus the measure columns)."""
    frame = selected[list(INPUT_COLUMNS)].copy()
    for column in ("ds", "date"):
        frame[column] = frame[column].to_numpy(dtype="datetime64[ns]").astype("int64")
    for column in ("count", "goldstein", "quad_class"):
        frame[column] = frame[column].astype(float)
    return pa.Table.from_pandas(frame, preserve_index=False)  # NaN -> null


def aggregate_sql(selected: pd.DataFrame, measure: str, runner: SqlRunner | None = None) -> pd.DataFrame:
    """Run :func:`measure_sql` over labelled events with ``runner`` (DuckDB by default).

    Returns
    -------
    pandas.DataFrame
        ``dyad, family, ds, y, n_events``, sorted by ``dyad, family, ds``.
    """
    return _typed((runner or duckdb_runner)(measure_sql(measure), sql_input(selected)))


def aggregate_relation(
    con: duckdb.DuckDBPyConnection, view: str, measure: str, runner: SqlRunner | None = None
) -> pd.DataFrame:
    """:func:`aggregate_sql` over a DuckDB view of labelled events, typed as :func:`sql_input` types them.

    DuckDB runs the text in place, without loading the rows (the view is named ``events``
    inside the text); another runner gets the view's rows as an arrow table.
    """
    text = measure_sql(measure)
    if runner is None:
        if view != "events":
            raise ValueError(f"the view must be named 'events', the name in measure_sql's text; got {view!r}")
        return _typed(con.sql(text).df())
    return _typed(runner(text, con.sql(f"SELECT * FROM {view}").to_arrow_table()))


def _typed(result: pd.DataFrame) -> pd.DataFrame:
    result["ds"] = pd.to_datetime(result["ds"].astype("int64"), unit="ns")
    return result.astype({"dyad": str, "family": str, "y": float, "n_events": float})


def duckdb_runner(sql: str, events: pa.Table) -> pd.DataFrame:
    """Run ``sql`` on an in-memory DuckDB connection with ``events`` registered."""
    with duckdb.connect() as con:
        con.register("events", events)
        return con.sql(sql).df()
