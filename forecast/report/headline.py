"""The report's answer in numbers, from joint sample paths of one model.

Every function is pure: it takes the long samples frame ``unique_id, ds, sample, y``
(sample path ``s`` of every series and step is one joint draw) or arrays of path totals,
and returns numbers. Totals are sums over the forecast horizon, compared path by path.

Ties: counts tie often (two quiet dyads both at 0), so the headline reports
``P(A > B)`` and, beside it, ``P(A = B)``; ``P(A < B) = 1 - P(A > B) - P(A = B)``.

Ratio: ``(total_A + 1) / (total_B + 1)`` on every path. The +1 keeps the ratio defined
when B is zero on some paths (common for rare military contact) instead of dropping
those paths, which would bias the ratio towards quiet-A paths; it shrinks small ratios
towards 1, which the report states.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError

#: Central interval of the forecast ratio.
RATIO_LEVEL = 0.8


@dataclass(frozen=True)
class Exceedance:
    """``P(A > B)`` and ``P(A = B)`` over paths, with the path count."""

    greater: float
    equal: float
    n_paths: int

    @property
    def less(self) -> float:
        """``P(A < B)``, from the path counts: ``1 - greater - equal`` in floats can come out as ``-1e-16``."""
        below = self.n_paths - round(self.greater * self.n_paths) - round(self.equal * self.n_paths)
        return below / self.n_paths


@dataclass(frozen=True)
class Ratio:
    """Median and central interval of the path-wise ratio ``(A + 1) / (B + 1)``."""

    median: float
    low: float
    high: float
    level: float


@dataclass(frozen=True)
class Comparison:
    """Side A against side B over one horizon: the headline numbers."""

    a: tuple[str, ...]
    b: tuple[str, ...]
    exceedance: Exceedance
    ratio: Ratio
    total_a: tuple[float, float, float]  # median and central RATIO_LEVEL interval of A's total
    total_b: tuple[float, float, float]


def exceedance(total_a: np.ndarray, total_b: np.ndarray) -> Exceedance:
    """Share of paths where A's total exceeds B's, and where they tie.

    Parameters
    ----------
    total_a, total_b : numpy.ndarray
        Per-path totals ``(n_paths,)``; entry ``s`` of both comes from the same joint path.
    """
    total_a, total_b = np.asarray(total_a, dtype=float), np.asarray(total_b, dtype=float)
    if total_a.shape != total_b.shape or total_a.ndim != 1 or total_a.size == 0:
        raise ArgumentError("samples", f"need two equal-length, non-empty path totals, got {total_a.shape} and {total_b.shape}.")
    return Exceedance(float(np.mean(total_a > total_b)), float(np.mean(total_a == total_b)), int(total_a.size))


def ratio(total_a: np.ndarray, total_b: np.ndarray, level: float = RATIO_LEVEL) -> Ratio:
    """Median and central ``level`` interval of ``(total_a + 1) / (total_b + 1)`` over paths."""
    values = (np.asarray(total_a, dtype=float) + 1.0) / (np.asarray(total_b, dtype=float) + 1.0)
    tail = (1.0 - level) / 2.0
    low, median, high = np.quantile(values, [tail, 0.5, 1.0 - tail])
    return Ratio(float(median), float(low), float(high), level)


def _interval(values: np.ndarray, level: float = RATIO_LEVEL) -> tuple[float, float, float]:
    tail = (1.0 - level) / 2.0
    median, low, high = np.quantile(values, [0.5, tail, 1.0 - tail])
    return float(median), float(low), float(high)


def long_samples(paths: np.ndarray, ids: Sequence[str], dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
    """The long samples frame ``unique_id, ds, sample, y`` of a ``(n_series, h, n_paths)`` array.

    Parameters
    ----------
    paths : numpy.ndarray
        What :meth:`forecast.models.Forecaster.sample` returns: entry ``[:, :, s]`` is joint path ``s``.
    ids : sequence of str
        Series ids in the array's first-axis order.
    dates : sequence of Timestamp
        The ``h`` forecast dates.
    """
    n_series, h, n_paths = paths.shape
    if len(ids) != n_series or len(dates) != h:
        raise ArgumentError("paths", f"shape {paths.shape} does not match {len(ids)} series and {len(dates)} dates.")
    return pd.DataFrame(
        {
            "unique_id": np.repeat(np.asarray(ids, dtype=object), h * n_paths),
            "ds": np.tile(np.repeat(pd.DatetimeIndex(dates), n_paths), n_series),
            "sample": np.tile(np.arange(n_paths), n_series * h),
            "y": paths.reshape(-1),
        }
    )


def path_totals(samples: pd.DataFrame, ids: Sequence[str]) -> np.ndarray:
    """Per-path total over the horizon and over the series ``ids``, ordered by sample number.

    Raises
    ------
    ArgumentError
        ``compare`` when a series is not in the samples, naming the ones that are.
    """
    missing = sorted(set(ids) - set(samples["unique_id"]))
    if missing:
        raise ArgumentError(
            "compare", f"series {missing} have no forecast samples; series in the run: {sorted(samples['unique_id'].unique())}."
        )
    chosen = samples[samples["unique_id"].isin(list(ids))]
    return chosen.groupby("sample")["y"].sum().sort_index().to_numpy(dtype=float)


def compare(samples: pd.DataFrame, a: Sequence[str], b: Sequence[str], level: float = RATIO_LEVEL) -> Comparison:
    """Headline numbers of side ``a`` (series ids summed) against side ``b``.

    Parameters
    ----------
    samples : pandas.DataFrame
        ``unique_id, ds, sample, y``: joint paths over the forecast horizon.
    a, b : sequence of str
        Series ids making up each side (one id per side for a dyad's family).
    level : float
        Central interval level of the ratio and the totals.
    """
    total_a, total_b = path_totals(samples, a), path_totals(samples, b)
    return Comparison(
        tuple(a), tuple(b), exceedance(total_a, total_b), ratio(total_a, total_b, level), _interval(total_a, level), _interval(total_b, level)
    )


def total(samples: pd.DataFrame, ids: Sequence[str], level: float = RATIO_LEVEL) -> tuple[float, float, float]:
    """Median and central ``level`` interval of one side's total over the horizon (``ids`` summed per path).

    What the headline of a one-dyad run gives instead of a comparison.
    """
    return _interval(path_totals(samples, ids), level)


#: Lower ends of the likelihood terms of ICD 203 (US intelligence community analytic standards):
#: 45-55% is "roughly even chance", so a direction is named only from 55%.
LIKELIHOOD_TERMS = ((0.95, "almost certainly"), (0.80, "very likely"), (0.55, "likely"))


def direction(p_up: float, p_down: float) -> str:
    """The direction of a change in words: ``likely rising``, ``almost certainly falling``, ...

    The more probable side is named with the ICD 203 term of its probability (at least
    0.55 ``likely``, 0.80 ``very likely``, 0.95 ``almost certainly``); below 0.55 on both
    sides (a roughly even chance) it is ``no clear change``.
    """
    side, probability = ("rising", p_up) if p_up >= p_down else ("falling", p_down)
    for threshold, term in LIKELIHOOD_TERMS:
        if probability >= threshold:
            return f"{term} {side}"
    return "no clear change"


def trend(samples: pd.DataFrame, panel: pd.DataFrame) -> pd.DataFrame:
    """Per series: will the next horizon's total exceed the last same-length observed window?

    Parameters
    ----------
    samples : pandas.DataFrame
        ``unique_id, ds, sample, y`` over ``h`` forecast steps.
    panel : pandas.DataFrame
        The observed ``unique_id, ds, y``; its last ``h`` periods per series are the window.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, window_start, window_end, observed, median, low, high, p_up, p_equal,
        p_down, direction``; ``direction`` is :func:`direction` of ``p_up`` and ``p_down``
        (``likely rising`` from ``p_up >= 0.55``, ...). Series with fewer than ``h``
        observed periods are left out.
    """
    rows = []
    for unique_id, paths in samples.groupby("unique_id", sort=False):
        h = paths["ds"].nunique()
        history = panel[panel["unique_id"] == unique_id].sort_values("ds")
        if len(history) < h:
            continue
        window = history.tail(h)
        observed = float(window["y"].sum())
        totals = paths.groupby("sample")["y"].sum().to_numpy(dtype=float)
        p_up, p_equal, p_down = (float(np.mean(totals > observed)), float(np.mean(totals == observed)),
                                 float(np.mean(totals < observed)))
        median, low, high = _interval(totals)
        rows.append(
            {
                "unique_id": unique_id,
                "window_start": window["ds"].iloc[0],
                "window_end": window["ds"].iloc[-1],
                "observed": observed,
                "median": median,
                "low": low,
                "high": high,
                "p_up": p_up,
                "p_equal": p_equal,
                "p_down": p_down,
                "direction": direction(p_up, p_down),
            }
        )
    columns = ["unique_id", "window_start", "window_end", "observed", "median", "low", "high", "p_up", "p_equal", "p_down", "direction"]
    return pd.DataFrame(rows, columns=columns)


def skill_interval(model_score: float, reference_score: float, diff_low: float, diff_high: float) -> tuple[float, float, float]:
    """Skill ``1 - score / reference`` with the interval implied by one of the score difference.

    ``diff = score - reference`` (from :func:`forecast.backtest.leaderboard`), so skill is
    ``-diff / reference`` and its interval is ``(-diff_high / reference, -diff_low / reference)``,
    taking the reference's mean score as fixed.
    """
    if not reference_score > 0:
        return (np.nan, np.nan, np.nan)
    return (1.0 - model_score / reference_score, -diff_high / reference_score, -diff_low / reference_score)
