"""Forecast scores as pure functions over the long backtest frame.

Per-row functions take the frame written by :func:`forecast.backtest.rolling_origin`
(``y``, ``mean``, ``q<level>`` plus its scale and distribution-score columns) and return
one value per row; :func:`evaluate` averages them into the long ``metrics.csv`` layout
``model, metric, value`` with optional ``unique_id`` and ``horizon`` columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from forecast.columns import interval_columns, quantile_column, quantile_levels
from forecast.errors import ArgumentError

#: Mean floor in the Poisson deviance, so a zero forecast of a positive count is finite.
DEVIANCE_FLOOR = 1e-6

#: Floor on the predictive probability of the observed count in the log score, so a
#: sample-based pmf that never drew the observed value costs ``-log(1e-6) ~ 13.8``, not inf
#: (:mod:`forecast.backtest.scoring`); ``log_score_floored`` is the share of rows at it.
LOG_SCORE_FLOOR = 1e-6


#: The metrics a report shows first (metrics.csv has them all).
HEADLINE = (
    "crps",
    "crps_skill",
    "log_score",
    "mae",
    "rmse",
    "mase",
    "brier_pos",
    "calibration_gap",
    "coverage_0.8",
    "coverage_0.9",
)


def central_levels(levels: Sequence[float]) -> list[float]:
    """Central interval levels whose both ends are among ``levels`` (0.1 and 0.9 -> 0.8)."""
    present = {round(q, 10) for q in levels}
    return sorted(round(1 - 2 * q, 10) for q in present if q < 0.5 and round(1 - q, 10) in present)


def absolute_error(frame: pd.DataFrame) -> pd.Series:
    """``|y - mean|`` per row."""
    return (frame["y"] - frame["mean"]).abs()


def squared_error(frame: pd.DataFrame) -> pd.Series:
    """``(y - mean)**2`` per row."""
    return (frame["y"] - frame["mean"]) ** 2


def scaled_absolute_error(frame: pd.DataFrame) -> pd.Series:
    """``|y - mean|`` over the series' in-sample naive MAE at that cutoff (MASE terms)."""
    return absolute_error(frame) / frame["scale_abs"]


def scaled_squared_error(frame: pd.DataFrame) -> pd.Series:
    """``(y - mean)**2`` over the in-sample naive MSE at that cutoff (RMSSE terms)."""
    return squared_error(frame) / frame["scale_sq"]


def poisson_deviance(frame: pd.DataFrame) -> pd.Series:
    """Unit Poisson deviance ``2 (y log(y / mu) - (y - mu))`` of the mean forecast per row."""
    y = frame["y"].to_numpy(dtype=float)
    mu = np.maximum(frame["mean"].to_numpy(dtype=float), DEVIANCE_FLOOR)
    with np.errstate(divide="ignore", invalid="ignore"):
        y_log = np.where(y > 0, y * np.log(y / mu), 0.0)
    return pd.Series(2.0 * (y_log - (y - mu)), index=frame.index)


def pinball_loss(frame: pd.DataFrame, q: float) -> pd.Series:
    """Quantile (pinball) loss at level ``q`` per row."""
    diff = frame["y"] - frame[quantile_column(q)]
    return np.maximum(q * diff, (q - 1) * diff)


def crps_from_quantiles(frame: pd.DataFrame, levels: Sequence[float] | None = None) -> pd.Series:
    """CRPS approximated by twice the mean pinball loss over the recorded levels.

    Matches scoringrules' ``crps_quantile``. With levels spread over (0, 1) it converges
    to the CRPS; with few levels it is a coarser but still proper quantile score.
    """
    levels = list(levels) if levels is not None else quantile_levels(frame)
    return 2.0 * sum(pinball_loss(frame, q) for q in levels) / len(levels)


def interval_hit(frame: pd.DataFrame, level: float) -> pd.Series:
    """Whether ``y`` falls in the central ``level`` interval (e.g. 0.8 -> [q0.1, q0.9]), 1.0 or 0.0.

    NaN where a bound is missing (a job of a sweep that did not record that quantile) or
    ``y`` is (a series that ended after the cutoff, before the scored periods did): a
    missing interval or outcome is no miss, so it stays out of the coverage mean.
    """
    lower, upper = interval_columns(level)
    hit = ((frame["y"] >= frame[lower]) & (frame["y"] <= frame[upper])).astype(float)
    return hit.where(frame[lower].notna() & frame[upper].notna() & frame["y"].notna())


def interval_score(frame: pd.DataFrame, level: float) -> pd.Series:
    """Interval score of the central ``level`` interval (Gneiting & Raftery 2007).

    ``(u - l) + 2/a (l - y) 1{y < l} + 2/a (y - u) 1{y > u}`` with ``a = 1 - level``.
    """
    lower, upper = (frame[c] for c in interval_columns(level))
    alpha = 1.0 - level
    y = frame["y"]
    return (upper - lower) + 2 / alpha * (lower - y).clip(lower=0) + 2 / alpha * (y - upper).clip(lower=0)


def calibration_gap(frame: pd.DataFrame, levels: Sequence[float] | None = None) -> float:
    """Largest violation of discrete quantile calibration over the recorded levels.

    A calibrated count forecast has, at every level ``tau``, ``P(y < q_tau) <= tau`` and
    ``P(y <= q_tau) >= tau``: with integer quantiles a share of outcomes equal to the
    quantile sits on both sides, so neither share alone has to equal ``tau`` (a closed
    central interval over-covers). The gap is
    ``max_tau max(0, P(y < q_tau) - tau, tau - P(y <= q_tau))`` with the shares taken over
    the rows of ``frame`` that recorded ``q_tau`` and observed ``y``; 0 means no level is violated.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``y`` and ``q<level>`` columns (the backtest frame, or one group of it).
    levels : sequence of float, optional
        Levels to test; default every ``q<level>`` column.

    Returns
    -------
    float
        The gap in [0, 1]; NaN without rows or levels, or when no row has both ``y`` and a
        recorded quantile.
    """
    levels = list(levels) if levels is not None else quantile_levels(frame)
    if frame.empty or not levels:
        return float("nan")
    y = frame["y"].to_numpy(dtype=float)
    gap = float("nan")  # until some level has a row to test
    for q in levels:
        values = frame[quantile_column(q)].to_numpy(dtype=float)
        # Rows of a sweep's job without this quantile, or without an outcome, are not below it.
        recorded = ~np.isnan(values) & ~np.isnan(y)
        if not recorded.any():
            continue
        below = float(np.mean(y[recorded] < values[recorded]))
        at_or_below = float(np.mean(y[recorded] <= values[recorded]))
        gap = max(0.0 if np.isnan(gap) else gap, below - q, q - at_or_below)
    return gap


def brier_score(probability: pd.Series, event: pd.Series) -> pd.Series:
    """``(p - 1{event})**2`` per row."""
    return (probability - event.astype(float)) ** 2


def brier_positive(frame: pd.DataFrame) -> pd.Series:
    """Brier score of ``P(y > 0)`` (column ``p_pos``): any engagement at all."""
    return brier_score(frame["p_pos"], frame["y"] > 0)


def brier_spike(frame: pd.DataFrame) -> pd.Series:
    """Brier score of ``P(y > spike_threshold)`` (column ``p_spike``).

    ``p_spike`` is ``1 - F(floor(t))``, which is ``P(Y > t)`` for a count law; the event is
    ``y > t`` itself, so a non-integer ``y`` (measure=share) of 2.3 is no spike over 2.5.
    """
    return brier_score(frame["p_spike"], frame["y"] > frame["spike_threshold"])


def row_scores(backtest: pd.DataFrame, coverage_levels: Sequence[float] | None = None) -> pd.DataFrame:
    """Every per-row loss of the backtest frame, one column each.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Output of :func:`forecast.backtest.rolling_origin`; distribution and scale
        columns that are absent are skipped with their metrics.
    coverage_levels : sequence of float, optional
        Central interval levels for coverage and interval score; default every level
        whose two quantiles were recorded.

    Returns
    -------
    pandas.DataFrame
        Same index as ``backtest``; columns named as the metrics they average into.
    """
    levels = quantile_levels(backtest)
    scores = {
        "mae": absolute_error(backtest),
        "se": squared_error(backtest),
        "poisson_deviance": poisson_deviance(backtest),
    }
    if "scale_abs" in backtest:
        scores["mase"] = scaled_absolute_error(backtest)
        scores["sse"] = scaled_squared_error(backtest)
    if levels:
        scores["crps_quantile"] = crps_from_quantiles(backtest, levels)
        scores["pinball"] = scores["crps_quantile"] / 2.0
    for name, column in (("crps", "rps"), ("crps_sample", "crps_sample"), ("log_score", "log_score")):
        if column in backtest:
            scores[name] = backtest[column]
    if "log_score" in backtest:
        # The floor caps a miss: a law with no mass at y scores as one with 1e-6, so the share
        # of rows at the cap says how much of a mean log score is the cap, not the model.
        at_floor = backtest["log_score"] >= -np.log(LOG_SCORE_FLOOR) - 1e-9
        scores["log_score_floored"] = at_floor.astype(float).where(backtest["log_score"].notna())
    if "p_pos" in backtest:
        scores["brier_pos"] = brier_positive(backtest)
    if "p_spike" in backtest:
        scores["brier_spike"] = brier_spike(backtest)
    for level in coverage_levels if coverage_levels is not None else central_levels(levels):
        scores[f"coverage_{level:g}"] = interval_hit(backtest, level).astype(float)
        scores[f"interval_score_{level:g}"] = interval_score(backtest, level)
    return pd.DataFrame(scores, index=backtest.index)


def evaluate(
    backtest: pd.DataFrame,
    by: Sequence[str] = (),
    coverage_levels: Sequence[float] | None = None,
    reference: str | None = None,
) -> pd.DataFrame:
    """Average per-row scores per model (and per ``by`` group).

    ``rmse = sqrt(mean se)`` and ``rmsse = sqrt(mean(se / scale_sq))`` are pooled over
    rows like the MAE; rows whose training history was constant (undefined scale) are
    left out of MASE/RMSSE only.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Output of :func:`forecast.backtest.rolling_origin`.
    by : sequence of str
        Extra grouping columns, e.g. ``["unique_id"]`` or ``["horizon"]``.
    coverage_levels : sequence of float, optional
        See :func:`row_scores`.
    reference : str, optional
        Model whose scores define the skill rows ``<metric>_skill = 1 - score / reference``,
        both taken over the rows the two models forecast (:func:`paired_skill`).

    Returns
    -------
    pandas.DataFrame
        Long ``model, [by...], metric, value``.

    Raises
    ------
    ArgumentError
        On ``reference``, when that model is not in ``backtest``.
    """
    keys = ["model", *by]
    scored = pd.concat([backtest[keys], row_scores(backtest, coverage_levels)], axis=1)
    table = scored.groupby(keys, sort=True).mean()
    if "log_score" in backtest:
        # A non-integer outcome has no log score (scoring.distribution_scores): the mean of
        # the others alone would score a share series by its zero periods only.
        undefined = (backtest["y"].notna() & backtest["log_score"].isna()).groupby([backtest[k] for k in keys])
        defined = ~undefined.any().reindex(table.index, fill_value=False)
        table["log_score"] = table["log_score"].where(defined)
        table["log_score_floored"] = table["log_score_floored"].where(defined)
    if quantile_levels(backtest):
        # Not a row mean: shares of outcomes below each quantile, compared per group.
        # The same keys and sort as ``table``, so the groups come in its row order.
        table["calibration_gap"] = [calibration_gap(part) for _, part in backtest.groupby(keys, sort=True)]
    table["rmse"] = np.sqrt(table.pop("se"))
    if "sse" in table:
        table["rmsse"] = np.sqrt(table.pop("sse"))
    long = table.reset_index().melt(id_vars=keys, var_name="metric", value_name="value")
    if reference is not None:
        _check_reference(set(backtest["model"]), reference)
        rows = [c for c in ROW_KEYS if c in backtest]
        if rows and not backtest.loc[backtest["model"] == reference].duplicated(rows).any():
            extra = paired_skill(backtest, scored, keys, reference, rows)
        else:  # rows cannot be matched (a table of summaries, a model pooled over jobs on the same series)
            extra = skill(long, reference)
        long = pd.concat([long, extra], ignore_index=True)
    return long


#: Columns that name one forecast of a backtest frame: its series, target date and cutoff.
ROW_KEYS = ("unique_id", "ds", "cutoff", "horizon")

#: Row-score column behind each skill loss (rmse is the root of the mean squared error).
_SKILL_ROWS = {"crps": "crps", "mae": "mae", "rmse": "se", "mase": "mase"}


def paired_skill(
    backtest: pd.DataFrame, scored: pd.DataFrame, keys: Sequence[str], reference: str, rows: Sequence[str]
) -> pd.DataFrame:
    """Skill rows ``<metric>_skill = 1 - score / reference score`` with both scores over the rows both models forecast.

    A model that failed on some series or cutoffs (no fallback) has no rows there, so its
    mean over its own rows against the reference's mean over all of them rewarded failing
    on the hard series (and a model the reference failed on was compared with its easy rows).

    Parameters
    ----------
    backtest : pandas.DataFrame
        The backtest frame.
    scored : pandas.DataFrame
        ``backtest[keys]`` beside :func:`row_scores` of it, same index.
    keys : sequence of str
        ``model`` and the grouping columns.
    reference : str
        The reference model.
    rows : sequence of str
        Columns of ``backtest`` (from :data:`ROW_KEYS`) that tell the reference's rows apart.

    Returns
    -------
    pandas.DataFrame
        Long ``model, [by...], metric, value``.
    """
    losses = {name: column for name, column in _SKILL_ROWS.items() if column in scored}
    base = pd.concat([backtest[[c for c in rows if c not in keys]], scored[[*keys, *losses.values()]]], axis=1)
    ref = base.loc[base["model"] == reference, [*rows, *losses.values()]]
    paired = base.merge(ref.rename(columns={c: f"{c} ref" for c in losses.values()}), on=rows, how="left")
    parts = []
    for name, column in losses.items():
        both = paired[column].notna() & paired[f"{column} ref"].notna()
        means = pd.DataFrame({"own": paired[column].where(both), "ref": paired[f"{column} ref"].where(both)})
        means = means.groupby([paired[k] for k in keys], sort=True).mean()
        if name == "rmse":
            means = np.sqrt(means)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 1.0 - means["own"] / means["ref"]
        parts.append(value.rename("value").reset_index().assign(metric=f"{name}_skill"))
    return pd.concat(parts, ignore_index=True)[[*keys, "metric", "value"]]


def skill(
    metrics: pd.DataFrame, reference: str, losses: Sequence[str] = ("crps", "mae", "rmse", "mase")
) -> pd.DataFrame:
    """Skill against a reference model: ``1 - score / reference score`` (positive = better).

    Parameters
    ----------
    metrics : pandas.DataFrame
        Long ``model, [group...], metric, value``.
    reference : str
        The reference model, e.g. ``naive``.
    losses : sequence of str
        Loss metrics to express as skill; each gives a ``<metric>_skill`` row.

    Raises
    ------
    ArgumentError
        On ``reference``, when it is not among the models.
    """
    _check_reference(set(metrics["model"]), reference)
    groups = [c for c in metrics.columns if c not in ("model", "metric", "value")]
    chosen = metrics[metrics["metric"].isin(losses)]
    ref = chosen[chosen["model"] == reference].drop(columns="model").rename(columns={"value": "ref"})
    joined = chosen.merge(ref, on=[*groups, "metric"], how="left")
    with np.errstate(divide="ignore", invalid="ignore"):
        joined["value"] = 1.0 - joined["value"] / joined["ref"]
    joined["metric"] = joined["metric"] + "_skill"
    return joined.drop(columns="ref")


def _check_reference(models: set[str], reference: str) -> None:
    if reference not in models:
        raise ArgumentError(
            "reference",
            f"model {reference!r} is not in the run, so it cannot be the skill reference; "
            f"the run's models: {sorted(models)}. Name one of them or add that model.",
        )


def metrics_table(backtest: pd.DataFrame, reference: str | None = None) -> pd.DataFrame:
    """The ``metrics.csv`` frame: overall, per series and per horizon, stacked.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Output of :func:`forecast.backtest.rolling_origin`.
    reference : str, optional
        Model for the ``<metric>_skill`` rows (see :func:`skill`); None writes none.

    Returns
    -------
    pandas.DataFrame
        ``model, metric, value, unique_id, horizon``; ``unique_id``/``horizon`` are empty
        on the rows that aggregate over them.

    Raises
    ------
    ArgumentError
        On ``reference``, when that model is not in ``backtest``.
    """
    if reference is not None:
        _check_reference(set(backtest["model"]), reference)
    parts = [evaluate(backtest, by, reference=reference) for by in ((), ("unique_id",), ("horizon",))]
    table = pd.concat(parts, ignore_index=True)
    table["horizon"] = table["horizon"].astype("Int64")
    return table[["model", "metric", "value", "unique_id", "horizon"]]


def overall(metrics: pd.DataFrame) -> pd.DataFrame:
    """Rows of a :func:`metrics_table` frame that aggregate over series and horizons."""
    mask = pd.Series(True, index=metrics.index)
    for column in ("unique_id", "horizon"):
        if column in metrics:
            mask &= metrics[column].isna()
    return metrics[mask].drop(columns=[c for c in ("unique_id", "horizon") if c in metrics])
