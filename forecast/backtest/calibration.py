"""Calibration and sharpness of count forecasts from the backtest frame.

Count forecasts have step-function CDFs, so the plain PIT ``F(y)`` is not uniform even
for a perfect forecast. Two remedies (Czado, Gneiting & Held 2009):

* the randomised PIT ``F(y-1) + V (F(y) - F(y-1))`` with ``V ~ U(0, 1)``, uniform under
  calibration;
* the non-randomised PIT histogram, the average over forecasts of the PIT's conditional
  CDF ``F_u = clip((u - F(y-1)) / (F(y) - F(y-1)), 0, 1)``: deterministic, same target.

Both read the ``pit_lo = F(y-1)`` and ``pit_hi = F(y)`` columns written by the backtest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecast.backtest.metrics import central_levels, interval_hit
from forecast.columns import interval_columns, quantile_levels
from forecast.errors import ArgumentError


def randomised_pit(frame: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Randomised PIT value per row, uniform on (0, 1) for a calibrated forecast."""
    low, high = frame["pit_lo"].to_numpy(), frame["pit_hi"].to_numpy()
    return pd.Series(low + rng.uniform(size=len(frame)) * (high - low), index=frame.index, name="pit")


def pit_histogram(frame: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Non-randomised PIT histogram per model.

    Rows without a PIT (``y`` not observed: a series that ended after the cutoff) are
    left out.

    Returns
    -------
    pandas.DataFrame
        ``model, bin_left, bin_right, density``; a calibrated model has density ~1 in
        every bin, a U shape means too narrow, a hump too wide.
    """
    frame = frame[frame["pit_lo"].notna() & frame["pit_hi"].notna()]
    edges = np.linspace(0.0, 1.0, bins + 1)
    low = frame["pit_lo"].to_numpy()[:, None]
    high = frame["pit_hi"].to_numpy()[:, None]
    width = np.where(high > low, high - low, 1.0)
    conditional = np.clip((edges[None, :] - low) / width, 0.0, 1.0)
    conditional = np.where(high > low, conditional, (edges[None, :] >= high).astype(float))
    # The first bin is closed, [0, 1/bins]: a PIT of exactly 0 (an outcome below every draw,
    # or a share below a law without mass at 0) is in it, not before it and out of the histogram.
    conditional[:, 0] = 0.0
    mean_cdf = pd.DataFrame(conditional).groupby(frame["model"].to_numpy()).mean()
    density = np.diff(mean_cdf.to_numpy(), axis=1) * bins
    return pd.DataFrame(
        {
            "model": np.repeat(mean_cdf.index.to_numpy(), bins),
            "bin_left": np.tile(edges[:-1], len(mean_cdf)),
            "bin_right": np.tile(edges[1:], len(mean_cdf)),
            "density": density.ravel(),
        }
    )


def coverage_curve(frame: pd.DataFrame) -> pd.DataFrame:
    """Empirical coverage and mean width (sharpness) of every recorded central interval.

    Raises
    ------
    ArgumentError
        Naming ``backtest.quantiles`` when no central interval was recorded.

    Returns
    -------
    pandas.DataFrame
        ``model, level, coverage, width``: reliability is coverage against level (the
        diagonal is ideal); sharpness is the width at equal reliability. Both are means over
        the rows with an observed ``y`` and both ends of the interval.
    """
    rows = []
    for level in central_levels(quantile_levels(frame)):
        lower, upper = interval_columns(level)
        # NaN where the model did not record this interval or y was not observed; the width is
        # averaged over the same rows, so sharpness and reliability describe one set of forecasts.
        hit = interval_hit(frame, level)
        width = (frame[upper] - frame[lower]).where(hit.notna())
        table = pd.DataFrame({"model": frame["model"], "coverage": hit, "width": width})
        rows.append(table.groupby("model").mean().reset_index().assign(level=level))
    if not rows:
        # An ArgumentError, so forecast-run and forecast-compare print one line, not a traceback.
        raise ArgumentError(
            "backtest.quantiles",
            f"the coverage curve needs a central interval, two levels q and 1 - q such as 0.1 and 0.9; "
            f"the backtest recorded {quantile_levels(frame)}. Add such a pair.",
        )
    return pd.concat(rows, ignore_index=True)[["model", "level", "coverage", "width"]]


def sharpness(frame: pd.DataFrame) -> pd.DataFrame:
    """Sharpness summary per model: the mean width of each recorded central interval.

    Returns
    -------
    pandas.DataFrame
        ``model, width_<level>...`` for each recorded central level.
    """
    curve = coverage_curve(frame)
    wide = curve.pivot(index="model", columns="level", values="width")
    wide.columns = [f"width_{level:g}" for level in wide.columns]
    return wide.reset_index()


def calibration_gap_noise(
    groups: np.ndarray | pd.Series,
    levels: list[float] | np.ndarray,
    rng: np.random.Generator,
    n_sim: int = 2000,
    probability: float = 0.95,
) -> float:
    """How large a calibration gap a calibrated forecast shows by chance on these outcomes.

    The ``probability`` quantile of :func:`~forecast.backtest.metrics.calibration_gap` for
    a forecast that is calibrated by construction, with the PIT of each outcome uniform.
    Outcomes that share a ``groups`` label share one PIT (the leads of one forecast moving
    together); distinct labels are independent. A continuous law is the worst case: a
    calibrated count law has ``P(y < q_tau) <= tau <= P(y <= q_tau)``, so its gap is
    smaller, and the value is an upper bound for counts under the stated dependence.

    Parameters
    ----------
    groups : array-like
        One label per scored outcome: ``np.arange(n)`` for independent outcomes, or the
        (series, cutoff) of each backtest row for fully dependent leads.
    levels : sequence of float
        The quantile levels the gap is taken over.
    rng : numpy.random.Generator
        Seeded generator of the uniform PITs.
    n_sim : int
        Simulated backtests.
    probability : float
        The quantile of the simulated gaps to return (0.95: exceeded one time in 20).

    Returns
    -------
    float
        The gap a calibrated forecast exceeds with probability ``1 - probability``; NaN
        without outcomes or levels.
    """
    _, weights = np.unique(np.asarray(groups), return_counts=True)
    levels = np.asarray(levels, dtype=float)
    if not len(weights) or not len(levels):
        return float("nan")
    weights = weights / weights.sum()
    chunk = max(1, min(n_sim, 2_000_000 // len(weights)))  # bounded memory for backtests of many series
    gaps = []
    for start in range(0, n_sim, chunk):
        pit = rng.uniform(size=(min(chunk, n_sim - start), len(weights)))
        share = np.column_stack([(pit < tau) @ weights for tau in levels])
        gaps.append(np.abs(share - levels).max(axis=1))
    return float(np.quantile(np.concatenate(gaps), probability))
