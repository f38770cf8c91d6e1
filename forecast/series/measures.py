"""What a series value means: measures, their aggregation, the log1p transform and its inverse.

Every measure weights a row of the event table by its ``count`` (a row of a derived count
table stands for ``count`` events), except ``event_days``, which counts calendar days with
at least one event whatever the multiplicity.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from forecast.columns import quantile_columns
from forecast.errors import ArgumentError

log = logging.getLogger(__name__)

MEASURES: dict[str, str] = {
    "count": "number of events",
    "event_days": "number of distinct days with at least one event",
    "goldstein_sum": "sum of the events' Goldstein values (each event weighted by its multiplicity)",
    "goldstein_mean": "mean Goldstein value per event (missing in periods without events)",
    "net_cooperation": "cooperative events (quad classes 1-2) minus conflictual events (quad classes 3-4)",
    "share": "share of all events in the data source in the period (media-volume normalised)",
}
"""Known measures and what their values mean."""

AXIS_LABELS: dict[str, str] = {
    "count": "events per period",
    "event_days": "days with events per period",
    "goldstein_sum": "Goldstein sum per period",
    "goldstein_mean": "mean Goldstein value",
    "net_cooperation": "cooperative minus conflictual events",
    "share": "events per source volume",
}
"""Short y-axis labels for figures."""

COUNT_MEASURES: frozenset[str] = frozenset({"count", "event_days"})
"""Measures whose values are non-negative integers, what count models assume."""

ADDITIVE_MEASURES: frozenset[str] = frozenset({"count", "goldstein_sum", "net_cooperation", "share"})
"""Measures whose sum over series is the measure of the union, so a hierarchy can sum them.

``share`` qualifies because every series of a period shares one denominator.
"""

NEGATIVE_MEASURES: frozenset[str] = frozenset({"goldstein_sum", "goldstein_mean", "net_cooperation"})
"""Measures that can take negative values."""

TRANSFORMS: tuple[str, ...] = ("none", "log1p")


def check_measure(measure: str) -> None:
    """Raise :class:`~forecast.errors.ArgumentError` unless ``measure`` is one of :data:`MEASURES`."""
    if measure not in MEASURES:
        raise ArgumentError("measure", f"{measure!r} is unknown; choose one of {sorted(MEASURES)}.")


def check_transform(transform: str) -> None:
    """Raise :class:`~forecast.errors.ArgumentError` unless ``transform`` is one of :data:`TRANSFORMS`."""
    if transform not in TRANSFORMS:
        raise ArgumentError("transform", f"{transform!r} is unknown; choose one of {list(TRANSFORMS)}.")


def source_volume(events: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Total events per data source and period: the media-volume denominator.

    Every event of the source counts, whatever its actors (resolved or not), sectors or
    event type, because the point is how much the source reported in that period.

    Returns
    -------
    pandas.DataFrame
        ``segment, ds, denominator``.
    """
    ds = events["date"].dt.to_period(freq).dt.start_time
    volume = events["count"].astype(float).groupby([events["source_dataset"], ds]).sum()
    return volume.rename_axis(["segment", "ds"]).rename("denominator").reset_index()


def apply_transform(panel: pd.DataFrame, transform: str) -> pd.DataFrame:
    """Transform ``y`` for model fitting (``none`` or ``log1p``); other columns unchanged."""
    check_transform(transform)
    if transform == "none":
        return panel
    if (panel["y"] < 0).any():
        raise ArgumentError(
            "transform", "'log1p' needs y >= 0; use transform='none' for measures that can be negative."
        )
    return panel.assign(y=np.log1p(panel["y"]))


def invert_transform(frame: pd.DataFrame, transform: str) -> pd.DataFrame:
    """Map forecasts (and ``y`` if present) from the transformed scale back to the measure's.

    Quantiles map exactly, because ``expm1`` is increasing. The mean maps to ``expm1`` of
    the transformed mean, which is the back-transformed *median* for a symmetric
    distribution on the log scale and underestimates the mean; the ``q0.5`` column is the
    better point forecast after a log1p fit.

    Parameters
    ----------
    frame : pandas.DataFrame
        Forecasts with ``mean`` and ``q<level>`` columns, and optionally ``y``.
    transform : {"none", "log1p"}
        The transform applied before fitting.
    """
    check_transform(transform)
    if transform == "none":
        return frame
    columns = [c for c in frame.columns if c in ("y", "mean")] + quantile_columns(frame)
    return frame.assign(**{c: np.expm1(frame[c]) for c in columns})


def check_model_support(measure: str, transform: str, models: Iterable[str]) -> list[str]:
    """Refuse or warn when the models would forecast a series that is not a count.

    Every forecaster of :mod:`forecast.models` predicts a count distribution (the
    ``Forecaster`` contract: non-negative integers), so every configured model is
    checked; there is no real-valued model to exempt.

    Parameters
    ----------
    measure, transform : str
        One of :data:`MEASURES` and one of :data:`TRANSFORMS`.
    models : iterable of str
        The configured model names (a mapping of names to models works too).

    Returns
    -------
    list of str
        Caveats for the report (also logged and raised as warnings): non-integer but
        non-negative values (``share``) are fitted as if they were counts, so means are
        usable and intervals approximate.

    Raises
    ------
    ArgumentError
        On ``measure``, when it can be negative (count models cannot forecast it), and on
        ``transform="log1p"``: a count law fitted to log1p values has whole-number
        quantiles on that scale, so mapped back they jump from 1.72 to 6.39 to 19.1.
    """
    count_models = list(models)
    if not count_models or (measure in COUNT_MEASURES and transform == "none"):
        return []
    if transform == "log1p":
        # A count law on log1p(y) has whole-number quantiles k, mapped back to e**k - 1.
        raise ArgumentError(
            "transform",
            f"'log1p' is refused: model(s) {count_models} forecast count laws, whose quantiles on the log1p scale are "
            "whole numbers, mapped back to e**k - 1 (1.72, 6.39, 19.1, 53.6, ...), and whose scores would be on the "
            "log scale; use transform='none' (global_lgbm already models log1p counts inside).",
        )
    if measure in NEGATIVE_MEASURES:
        raise ArgumentError(
            "measure",
            f"{measure!r} can be negative, but model(s) {count_models} forecast counts; "
            "use measure='count', 'event_days' or 'share'.",
        )
    what = f"measure={measure}" if measure not in COUNT_MEASURES else f"transform={transform}"
    caveat = (
        f"{what} gives non-integer values; count model(s) {count_models} treat them as counts, so "
        "their means are usable but their intervals are approximate."
    )
    log.warning(caveat)
    warnings.warn(caveat, UserWarning, stacklevel=2)
    return [caveat]


def describe_measure(measure: str, transform: str = "none", share_per: float = 10_000.0) -> str:
    """One sentence stating what the series values are, for reports.

    Parameters
    ----------
    measure, transform : str
        One of :data:`MEASURES` and one of :data:`TRANSFORMS` (default ``none``).
    share_per : float
        Events of the source per unit of ``share`` (used by ``share`` only).
    """
    check_measure(measure)
    if measure == "share":
        text = (
            f"`share`: volume-normalised series, the dyad's events per {share_per:g} events of its data "
            "source in the period (the source totals are in the `denominator` column and "
            "`denominators.parquet`)"
        )
    else:
        text = f"`{measure}`: raw series, the {MEASURES[measure]} (not normalised for media volume)"
    if transform == "log1p":
        text += "; models were fitted on log1p(y) and their forecasts mapped back with expm1"
    return text + "."
