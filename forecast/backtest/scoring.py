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

from forecast.models.distributions import CountDistribution

#: Floor on the predictive probability of the observed count in the log score, so a
#: sample-based pmf that never drew the observed value costs ``-log(1e-6) ~ 13.8``, not inf.
LOG_SCORE_FLOOR = 1e-6
#: Largest (rows x support) block evaluated at once, to bound memory on heavy tails.
_MAX_CELLS = 20_000_000
#: Rows per block of the support grid.
_CHUNK_ROWS = 256


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


def _rps_rows(dist: CountDistribution, y: np.ndarray) -> np.ndarray:
    """RPS per ``(series, step)`` on a grid ``0..max(support_end, y)``, plus the law's ``tail_rps`` beyond it."""
    top = np.maximum(dist.support_end(), y)
    out = np.empty(y.size)
    flat_y, flat_top = y.ravel(), top.ravel()
    # Longest support first, in chunks of similar support, so short-tailed rows do not
    # pay for the longest grid and no chunk exceeds _MAX_CELLS.
    order = np.argsort(flat_top, kind="stable")[::-1]
    start = 0
    while start < order.size:
        width = int(flat_top[order[start]]) + 1
        stop = min(order.size, start + max(1, min(_CHUNK_ROWS, _MAX_CELLS // width)))
        rows = order[start:stop]
        part = dist.take(rows)
        cdf = part.cdf_grid(width).reshape(rows.size, width)
        out[rows] = ranked_probability_score(cdf, flat_y[rows]) + part.tail_rps(width - 1, 1.0 - cdf[:, -1])
        start = stop
    return out.reshape(y.shape)


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
        ``pit_lo = F(y-1)``, ``pit_hi = F(y)``, ``log_score``, ``rps`` (the CRPS of the
        count distribution), ``p_pos = P(Y > 0)``, ``p_spike = P(Y > threshold)`` and,
        when ``n_samples > 0``, ``crps_sample``; each shaped like ``y``.
    """
    observed = np.isfinite(y)
    y_obs = np.where(observed, y, 0.0)
    pit_hi = dist.cdf(y_obs)
    pit_lo = dist.cdf(y_obs - 1)
    threshold = np.broadcast_to(np.asarray(spike_threshold, dtype=float)[:, None], y.shape)
    scores = {
        "pit_lo": pit_lo,
        "pit_hi": pit_hi,
        "log_score": log_score_from_pmf(pit_hi - pit_lo),
        "rps": _rps_rows(dist, y_obs),
        "p_pos": 1.0 - dist.cdf(np.zeros_like(y_obs)),
        "p_spike": 1.0 - dist.cdf(np.floor(threshold)),
    }
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
