"""Scores that need the whole predictive distribution, evaluated at the realised counts.

These run inside the backtest, where the fitted model's distribution is at hand; they
return one value per forecast row, which :mod:`forecast.backtest.metrics` then averages.
Everything here is a pure function of arrays.
"""

from __future__ import annotations

import numpy as np
import scoringrules as sr

from forecast.models.distributions import (
    CountDistribution,
    NegativeBinomial,
    PoissonLogNormal,
    QuantileGrid,
    SamplePaths,
)

#: Floor on the predictive probability of the observed count in the log score, so a
#: sample-based pmf that never drew the observed value costs ``-log(1e-6) ~ 13.8``, not inf.
LOG_SCORE_FLOOR = 1e-6
#: Largest (rows x support) block evaluated at once, to bound memory on heavy tails.
_MAX_CELLS = 20_000_000
# The Poisson-log-normal's exact grid ends at this quantile; _lognormal_tail sums the rest
# on this many geometrically spaced points.
_LOGNORMAL_GRID_LEVEL = 0.999
_TAIL_POINTS = 200
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


def _support_max(dist: CountDistribution) -> np.ndarray:
    """Per-row end of the support grid, shape ``(n_series, h)``.

    For the negative binomial, ``mu + 12 sd + 20``; the RPS terms beyond it are added in
    closed form by :func:`_tail_term` (relative error below 1e-7 against scoringrules'
    closed form for alpha <= 5, cheaper than a ppf per row). The Poisson-log-normal ends at
    its 0.999 quantile: its tail is too long for a grid (thousands of means at large
    alpha) and is summed by :func:`_tail_term`. Sample paths end at their largest draw.
    """
    if isinstance(dist, SamplePaths):
        return np.ceil(dist.paths.max(axis=-1))
    if isinstance(dist, QuantileGrid):  # counts are rounded quantiles: none above the top one
        return np.ceil(np.clip(dist.values[..., -1] + 0.5, 0.0, None))
    if isinstance(dist, PoissonLogNormal):  # the rest of its long tail is summed by _tail_term
        return dist.quantile(_LOGNORMAL_GRID_LEVEL)
    mu = np.asarray(dist.mu, dtype=float)
    alpha = np.broadcast_to(np.asarray(dist.alpha, dtype=float), mu.shape)
    return np.ceil(mu + 12.0 * np.sqrt(mu + alpha * mu**2) + 20.0)


def _cdf_grid(dist: CountDistribution, width: int) -> np.ndarray:
    """``F(k)`` for ``k = 0..width-1``, shape ``(n_series, h, width)``.

    For the negative binomial the log-pmf is built by the recurrence
    ``p(k) = p(k-1) (size + k - 1) / k * mu / (size + mu)`` as a cumulative sum of logs,
    an order of magnitude faster than scipy's incomplete-beta CDF on every grid cell and
    free of underflow at large means; Poisson (``alpha <= 1e-8``) uses its own recurrence.
    """
    if isinstance(dist, (SamplePaths, QuantileGrid, PoissonLogNormal)):
        return dist.cdf(np.broadcast_to(np.arange(width, dtype=float), (*dist.mean().shape, width)))
    mu = np.asarray(dist.mu, dtype=float)[..., None]
    alpha = np.broadcast_to(np.asarray(dist.alpha, dtype=float), dist.mu.shape)[..., None]
    poisson = alpha <= 1e-8
    size = 1.0 / np.where(poisson, 1.0, alpha)
    j = np.arange(1, width, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(poisson, 1.0, (size + j - 1) / (size + mu))
        steps = np.log(ratio) + np.log(mu) - np.log(j)
        first = np.where(poisson, -mu, -size * np.log1p(mu / size))
        log_pmf = np.concatenate([first, steps], axis=-1).cumsum(axis=-1)
    pmf = np.where(mu > 0, np.exp(log_pmf), (np.arange(width) == 0).astype(float))
    return np.minimum(np.cumsum(pmf, axis=-1), 1.0)


def _rows(dist: CountDistribution, rows: np.ndarray) -> CountDistribution:
    """The forecasts at flat ``(series, step)`` positions ``rows``, as a ``(len(rows), 1)`` distribution."""
    if isinstance(dist, SamplePaths):
        return SamplePaths(dist.paths.reshape(-1, dist.paths.shape[-1])[rows][:, None, :])
    if isinstance(dist, QuantileGrid):
        values = dist.values.reshape(-1, dist.values.shape[-1])[rows][:, None, :]
        return QuantileGrid(levels=dist.levels, values=values, point=dist.point.ravel()[rows][:, None])
    alpha = np.broadcast_to(np.asarray(dist.alpha, dtype=float), dist.mu.shape)
    return type(dist)(mu=dist.mu.ravel()[rows][:, None], alpha=alpha.ravel()[rows][:, None])


def _lognormal_tail(dist: PoissonLogNormal, end: int) -> np.ndarray:
    """``sum_{k > end} P(Y > k)**2`` for rows of a ``(n, 1)`` Poisson-log-normal.

    Past the 0.999 quantile the survival function is smooth and decays slowly (the
    log-normal tail), so the sum runs over :data:`_TAIL_POINTS` integers spaced
    geometrically from ``end + 1`` to the ``1 - 1e-12`` quantile: the trapezoid rule plus
    the Euler-Maclaurin end terms, ``sum_{k=a}^{b} g(k) ~ int_a^b g + (g(a) + g(b)) / 2``.
    Repeated integers (a short tail) add zero-width trapezoids only.
    """
    first = float(end + 1)
    last = np.maximum(dist.quantile(1.0 - 1e-12), first)  # shape (n, 1)
    k = np.round(first * (last / first) ** np.linspace(0.0, 1.0, _TAIL_POINTS))  # (n, points)
    g = (1.0 - dist.cdf(k[:, None, :])[:, 0, :]) ** 2
    inner = (0.5 * (g[:, 1:] + g[:, :-1]) * np.diff(k, axis=1)).sum(axis=1)
    return inner + 0.5 * (g[:, 0] + g[:, -1])


def _tail_term(dist: CountDistribution, survival: np.ndarray, end: int) -> np.ndarray:
    """RPS terms beyond the grid ``0..end``, ``sum_{k>end} P(Y > k)**2``, for rows of a ``(n, 1)`` distribution.

    The NB survival function decays at most geometrically with ratio ``q = mu / (size + mu)``
    once ``k`` is past the mode for ``size < 1`` (and the sd-based grid end is far past it
    otherwise), so the remaining sum is ``S_K**2 q**2 / (1 - q**2)``. The Poisson-log-normal's
    is taken numerically (:func:`_lognormal_tail`). Sample paths and quantile grids have no
    mass beyond the grid.
    """
    if isinstance(dist, (SamplePaths, QuantileGrid)):
        return np.zeros(survival.shape)
    if isinstance(dist, PoissonLogNormal):
        return _lognormal_tail(dist, end)
    mu = dist.mu.ravel()
    alpha = np.broadcast_to(np.asarray(dist.alpha, dtype=float), dist.mu.shape).ravel()
    q = np.where(alpha > 1e-8, alpha * mu / (1.0 + alpha * mu), 0.0)
    return np.clip(survival, 0.0, 1.0) ** 2 * q**2 / (1.0 - q**2)


def _rps_rows(dist: CountDistribution, y: np.ndarray) -> np.ndarray:
    """RPS per ``(series, step)`` on a support grid covering the forecast tails and ``y``."""
    top = np.maximum(_support_max(dist), y)
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
        part = _rows(dist, rows)
        cdf = _cdf_grid(part, width).reshape(rows.size, width)
        out[rows] = ranked_probability_score(cdf, flat_y[rows]) + _tail_term(part, 1.0 - cdf[:, -1], width - 1)
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
