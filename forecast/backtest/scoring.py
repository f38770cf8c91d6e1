"""Scores that need the whole predictive distribution, evaluated at the realised counts.

These run inside the backtest, where the fitted model's distribution is at hand; they
return one value per forecast row, which :mod:`forecast.backtest.metrics` then averages.
Everything here is a pure function of arrays, and uses only the
:class:`~forecast.models.distributions.CountDistribution` interface: a new law needs no
change here.
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

from forecast.backtest.metrics import LOG_SCORE_FLOOR
from forecast.errors import ArgumentError
from forecast.models.distributions import CountDistribution, grid_chunks

# An outcome past a law's support end extends its grid by this many counts at most; past
# them the RPS is summed in closed form (_beyond_grid), so one outlier cannot ask for a
# 1e8-long grid.
_GRID_REACH = 2**16
# Geometrically spaced counts of the trapezoid sum of the survival function past the grid.
_SURVIVAL_POINTS = 200


def ranked_probability_score(cdf: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ranked probability score of count forecasts: ``sum_k (F(k) - 1{y <= k})**2``.

    Over the unbounded count categories ``k = 0, 1, ...`` this equals the CRPS of an
    integer-valued forecast (Czado, Gneiting & Held 2009).

    Parameters
    ----------
    cdf : numpy.ndarray
        ``F(k)`` for ``k = 0..K``, shape ``(n, K + 1)``; ``F(K)`` should be ~1.
    y : numpy.ndarray
        Observed counts, shape ``(n,)``.
    """
    k = np.arange(cdf.shape[-1])
    return ((cdf - (np.asarray(y)[:, None] <= k)) ** 2).sum(axis=-1)


def crps_from_samples(y: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """CRPS of an ensemble, ``E|X - y| - E|X - X'| / 2`` (scoringrules' ``crps_ensemble``, sorted O(m log m) form).

    Parameters
    ----------
    y : numpy.ndarray
        Observations, shape ``(n,)``.
    samples : numpy.ndarray
        Draws, shape ``(n, n_samples)``.
    """
    return np.asarray(sr.crps_ensemble(np.asarray(y, dtype=float), np.asarray(samples, dtype=float), estimator="qd"))


def log_score_from_pmf(pmf: np.ndarray) -> np.ndarray:
    """Negative log predictive probability of the observed count, floored at :data:`LOG_SCORE_FLOOR`."""
    return -np.log(np.maximum(pmf, LOG_SCORE_FLOOR))


def _grid_scores(dist: CountDistribution, y: np.ndarray, spike_at: np.ndarray) -> dict[str, np.ndarray]:
    """RPS, ``F(y)``, ``F(y - 1)``, ``F(0)`` and ``F(spike_at)`` per ``(series, step)`` from one CDF grid per law.

    Each distinct law (:meth:`~forecast.models.distributions.CountDistribution.distinct_rows`:
    a flat point forecast repeats its law at every step) gets one grid over
    ``0..max(support_end, y)`` of its rows, at most :data:`_GRID_REACH` past ``support_end``,
    and the law's ``tail_rps`` adds the RPS beyond it; an outcome past the grid is scored
    by :func:`_beyond_grid`.
    The RPS of a row is then two prefix sums read at its ``y``:
    ``sum_{k < y} F(k)**2 + sum_{k >= y} (1 - F(k))**2``; a non-integer ``y`` (a share, not a
    count) gets the CRPS integral of the step CDF, which adds ``(y - floor(y)) (2 F(floor(y)) - 1)``
    to that sum at ``floor(y)``. A spike count past its law's grid
    (where ``F`` is all but 1) is asked of
    :meth:`~forecast.models.distributions.CountDistribution.cdf` itself.
    """
    flat_y, flat_spike = y.ravel(), spike_at.ravel()
    first, inverse = dist.distinct_rows()
    laws = dist.take(first)
    end = laws.support_end().ravel()
    top = end.copy()
    np.maximum.at(top, inverse, flat_y)
    top = np.minimum(top, end + _GRID_REACH)
    # Rows grouped by the block of their law, so each block reads its own rows only.
    block_of, position = np.empty(first.size, dtype=int), np.empty(first.size, dtype=int)
    blocks = list(grid_chunks(top))
    for b, (members, _) in enumerate(blocks):
        block_of[members], position[members] = b, np.arange(members.size)
    row_order = np.argsort(block_of[inverse], kind="stable")
    bounds = np.searchsorted(block_of[inverse][row_order], np.arange(len(blocks) + 1))
    out = {name: np.empty(y.size) for name in ("rps", "cdf_y", "cdf_before", "cdf_zero", "cdf_spike")}
    for b, (members, width) in enumerate(blocks):
        part = laws.take(members)
        cdf = part.cdf_grid(width).reshape(members.size, width)
        # below[:, j] = sum_{k < j} F(k)**2; above[:, j] = sum_{k >= j} (1 - F(k))**2, plus the tail.
        below = np.concatenate([np.zeros((members.size, 1)), np.cumsum(cdf**2, axis=1)], axis=1)
        upper = np.cumsum(((1.0 - cdf) ** 2)[:, ::-1], axis=1)[:, ::-1]
        tail = part.tail_rps(width - 1, 1.0 - cdf[:, -1], upper[:, 0])
        above = upper + tail[:, None]
        rows = row_order[bounds[b] : bounds[b + 1]]
        law = position[inverse[rows]]
        at = flat_y[rows].astype(int)
        # A non-integer outcome (measure=share) sits inside [at, at + 1), where the step CDF is
        # F(at): the CRPS integral there is frac F**2 + (1 - frac) (1 - F)**2, not (1 - F)**2.
        frac = flat_y[rows] - at
        inside = np.minimum(at, width - 1)
        cdf_y = cdf[law, inside]
        cdf_before = np.where(at > 0, cdf[law, np.maximum(inside - 1, 0)], 0.0)
        rps = below[law, inside] + above[law, inside]
        out_of_grid = np.flatnonzero(at >= width)
        if out_of_grid.size:
            beyond = dist.take(rows[out_of_grid])
            pair = beyond.cdf(np.stack([at[out_of_grid] - 1.0, at[out_of_grid]], axis=-1)[:, None, :])[:, 0, :]
            cdf_before[out_of_grid], cdf_y[out_of_grid] = pair[:, 0], pair[:, 1]
            head, beyond_tail = below[law[out_of_grid], -1], tail[law[out_of_grid]]
            rps[out_of_grid] = _beyond_grid(beyond, head, beyond_tail, at[out_of_grid], width)
        out["rps"][rows] = rps + frac * (2.0 * cdf_y - 1.0)
        out["cdf_y"][rows] = cdf_y
        out["cdf_before"][rows] = cdf_before
        out["cdf_zero"][rows] = cdf[law, 0]
        spike = flat_spike[rows]
        known = np.nan_to_num(spike, nan=-1.0)
        spike_cdf = np.where(known < 0, 0.0, cdf[law, np.clip(known, 0, width - 1).astype(int)])
        beyond = np.flatnonzero(known >= width)
        if beyond.size:
            spike_cdf[beyond] = dist.take(rows[beyond]).cdf(spike[beyond][:, None])[:, 0]
        out["cdf_spike"][rows] = np.where(np.isnan(spike), np.nan, spike_cdf)
    return {name: value.reshape(y.shape) for name, value in out.items()}


def _beyond_grid(law: CountDistribution, head: np.ndarray, tail: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """RPS at counts ``at`` past a grid ``0..width-1``, without a grid up to ``at``.

    ``sum_{k < at} F(k)**2 + sum_{k >= at} S(k)**2`` with ``S = 1 - F``: the terms past the
    grid are ``(1 - S)**2`` below ``at`` and ``S**2`` from it, whose ``S**2`` parts add up to
    the law's tail term, so the RPS is ``head + (at - width) + tail - 2 sum_{width <= k < at} S(k)``.
    That last sum runs over the law's tail, where ``S`` is smooth and small: a trapezoid sum
    on :data:`_SURVIVAL_POINTS` geometrically spaced counts with the Euler-Maclaurin end
    terms, as :meth:`~forecast.models.distributions.PoissonLogNormal.tail_rps` does.

    Parameters
    ----------
    law : CountDistribution
        The rows' laws, shape ``(n, 1)``.
    head : numpy.ndarray
        ``sum_{k < width} F(k)**2`` per row.
    tail : numpy.ndarray
        ``sum_{k >= width} S(k)**2`` per row (the law's ``tail_rps``).
    at : numpy.ndarray
        Outcomes, integers ``>= width``.
    width : int
        Grid length.
    """
    last = at - 1.0
    k = np.round(width * (np.maximum(last, width) / width)[:, None] ** np.linspace(0.0, 1.0, _SURVIVAL_POINTS))
    survival = 1.0 - law.cdf(k[:, None, :])[:, 0, :]
    inner = (0.5 * (survival[:, 1:] + survival[:, :-1]) * np.diff(k, axis=1)).sum(axis=1)
    between = np.where(last >= width, inner + 0.5 * (survival[:, 0] + survival[:, -1]), 0.0)
    return head + (at - width) + tail - 2.0 * between


def _score_off_the_counts(dist: CountDistribution, y: np.ndarray, threshold: np.ndarray, scores: dict[str, np.ndarray]) -> None:
    """Rescore, in place, the rows whose law has draws off the integers, from the draws themselves.

    The grid of counts reads such a law at ``0, 1, ...`` only, so the draws 0.3 and 0.6
    counted as one step at 1 (and the spike threshold is floored as for counts). The
    empirical law of the draws is scored exactly: the CRPS is scoringrules' ``crps_ensemble``,
    the PIT ``P(Y < y)``, ``P(Y <= y)``, the log score that of the share of draws equal to ``y``
    (floored), and the event probabilities ``P(Y > 0)`` and ``P(Y > t)`` themselves.
    """
    draws = dist.draws()
    if draws is None:
        return
    rows = np.flatnonzero((draws != np.floor(draws)).any(axis=1))
    if not rows.size:
        return
    sample, at, above = draws[rows], y.ravel()[rows][:, None], threshold.ravel()[rows]
    values = {
        "pit_lo": (sample < at).mean(axis=1),
        "pit_hi": (sample <= at).mean(axis=1),
        "log_score": log_score_from_pmf((sample == at).mean(axis=1)),
        "rps": crps_from_samples(at[:, 0], sample),
        "p_pos": (sample > 0).mean(axis=1),
        "p_spike": np.where(np.isnan(above), np.nan, (sample > above[:, None]).mean(axis=1)),
    }
    for name, value in values.items():
        flat = scores[name].ravel().copy()
        flat[rows] = value
        scores[name] = flat.reshape(y.shape)


def distribution_scores(
    dist: CountDistribution,
    y: np.ndarray,
    spike_threshold: np.ndarray,
    n_samples: int,
    rng: np.random.Generator,
) -> dict[str, np.ndarray]:
    """Per-row scores of one predictive distribution against realised counts.

    Parameters
    ----------
    dist : CountDistribution
        Predictive distribution, shape ``(n_series, h)``.
    y : numpy.ndarray
        Realised counts, shape ``(n_series, h)``; NaN where not yet observed.
    spike_threshold : numpy.ndarray
        Count above which a period is a spike, per series, shape ``(n_series,)``.
    n_samples : int
        Draws for the sample CRPS; 0 skips it.
    rng : numpy.random.Generator
        Source of the draws.

    Returns
    -------
    dict of str to numpy.ndarray
        ``pit_lo = P(Y < y)`` (``F(y-1)`` for a count), ``pit_hi = F(y)``, ``log_score``
        (NaN for a non-integer ``y``, which a count law gives no probability), ``rps`` (the
        CRPS of the count distribution), ``p_pos = P(Y > 0)``, ``p_spike = P(Y > threshold)`` and,
        when ``n_samples > 0``, ``crps_sample``; each shaped like ``y``.

    Raises
    ------
    ArgumentError
        On ``y`` when an observed outcome is negative: a count law has no mass there, and
        its grid would be read at index -1.
    """
    observed = np.isfinite(y)
    y_obs = np.where(observed, y, 0.0)
    if (y_obs < 0).any():
        row, step = np.argwhere(y_obs < 0)[0]
        raise ArgumentError(
            "y", f"outcome {y_obs[row, step]:g} (row {row}, step {step}) is negative; count laws score counts >= 0."
        )
    threshold = np.broadcast_to(np.asarray(spike_threshold, dtype=float)[:, None], y.shape)
    grid = _grid_scores(dist, y_obs, np.floor(threshold))
    # A count law has no atom at a non-integer outcome (measure=share, transform=log1p, a
    # panel's 2.5): P(Y < y) = P(Y <= y) = F(floor(y)), and P(Y = y) = 0, so its log score is
    # undefined (NaN), not that of floor(y).
    whole = y_obs == np.floor(y_obs)
    scores = {
        "pit_lo": np.where(whole, grid["cdf_before"], grid["cdf_y"]),
        "pit_hi": grid["cdf_y"],
        "log_score": np.where(whole, log_score_from_pmf(grid["cdf_y"] - grid["cdf_before"]), np.nan),
        "rps": grid["rps"],
        "p_pos": 1.0 - grid["cdf_zero"],
        "p_spike": 1.0 - grid["cdf_spike"],
    }
    _score_off_the_counts(dist, y_obs, threshold, scores)
    if n_samples > 0:
        draws = dist.sample(n_samples, rng)
        scores["crps_sample"] = crps_from_samples(y_obs.ravel(), draws.reshape(y.size, n_samples)).reshape(y.shape)
    return {name: np.where(observed, value, np.nan) for name, value in scores.items()}


__all__ = [
    "LOG_SCORE_FLOOR",
    "crps_from_samples",
    "distribution_scores",
    "log_score_from_pmf",
    "ranked_probability_score",
]
