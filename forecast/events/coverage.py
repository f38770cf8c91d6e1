"""Coverage periods of event datasets: an events-level fact the series stage builds on."""

from __future__ import annotations

import pandas as pd


def observed_coverage(events: pd.DataFrame) -> pd.DataFrame:
    """Coverage per dataset taken from the data itself: first and last event date.

    Use it when a source publishes no coverage period; it cannot tell a quiet last week
    from a missing one. Holes inside the span (a sample with events in 1982 and 2016 only)
    are found where the periods are known: :func:`forecast.series.build_panel` drops runs of
    more than ``SeriesSpec.max_empty_periods`` periods without any event of the source.

    Parameters
    ----------
    events : pandas.DataFrame
        Events with ``source_dataset`` and ``date``.

    Returns
    -------
    pandas.DataFrame
        ``source_dataset, start, end``, one row per dataset.
    """
    span = events.groupby("source_dataset")["date"].agg(["min", "max"])
    return pd.DataFrame({"source_dataset": span.index, "start": span["min"].values, "end": span["max"].values})
