"""Count predictive distributions: negative binomial (Poisson as its limit) and sample paths.

Arrays are shaped ``(n_series, horizon)``; samples add a trailing ``n_samples`` axis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

_POISSON_ALPHA = 1e-8


@dataclass(frozen=True)
class NegativeBinomial:
    """NB2 counts with mean ``mu`` and variance ``mu + alpha * mu**2`` (Poisson when alpha = 0).

    Parameters
    ----------
    mu : numpy.ndarray
        Non-negative means, shape ``(n_series, horizon)``.
    alpha : numpy.ndarray
        Non-negative dispersion, broadcastable to ``mu``.
    """

    mu: np.ndarray
    alpha: np.ndarray

    def __post_init__(self) -> None:
        if np.any(~np.isfinite(self.mu)) or np.any(self.mu < 0):
            raise ValueError("NegativeBinomial: mu must be finite and non-negative.")
        if np.any(~np.isfinite(self.alpha)) or np.any(np.asarray(self.alpha) < 0):
            raise ValueError("NegativeBinomial: alpha must be finite and non-negative.")

    def mean(self) -> np.ndarray:
        """Predictive mean."""
        return np.asarray(self.mu, dtype=float)

    def quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q`` (integer support)."""
        mu = np.asarray(self.mu, dtype=float)
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), mu.shape)
        poisson = alpha <= _POISSON_ALPHA
        out = np.empty_like(mu)
        out[poisson] = stats.poisson.ppf(q, mu[poisson])
        nb = ~poisson
        size = 1.0 / alpha[nb]
        out[nb] = stats.nbinom.ppf(q, size, size / (size + mu[nb]))
        return np.where(mu > 0, out, 0.0)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y <= k)``; ``k`` broadcasts against ``mu`` with optional trailing axes.

        Parameters
        ----------
        k : numpy.ndarray
            Counts, shape ``(n_series, horizon)`` or ``(n_series, horizon, m)``.
        """
        k = np.asarray(k, dtype=float)
        mu = np.asarray(self.mu, dtype=float)
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), mu.shape)
        extra = (None,) * (k.ndim - mu.ndim)
        mu, alpha = mu[(..., *extra)], alpha[(..., *extra)]
        size = 1.0 / np.maximum(alpha, _POISSON_ALPHA)
        nb = stats.nbinom.cdf(k, size, size / (size + mu))
        return np.where(alpha <= _POISSON_ALPHA, stats.poisson.cdf(k, mu), nb)

    def pmf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y = k)`` for integer ``k`` (same broadcasting as :meth:`cdf`)."""
        k = np.asarray(k, dtype=float)
        return self.cdf(k) - self.cdf(k - 1)

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw counts as a gamma–Poisson mixture, shape ``(n_series, horizon, n_samples)``."""
        mu = np.asarray(self.mu, dtype=float)[..., None]
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape)[..., None]
        shape = (*mu.shape[:-1], n_samples)
        safe_alpha = np.maximum(alpha, _POISSON_ALPHA)
        rate = np.where(alpha > _POISSON_ALPHA, rng.gamma(1.0 / safe_alpha, safe_alpha * mu, size=shape), mu)
        return rng.poisson(np.broadcast_to(rate, shape)).astype(float)


@dataclass(frozen=True)
class SamplePaths:
    """A predictive distribution known through simulated paths.

    Parameters
    ----------
    paths : numpy.ndarray
        Non-negative draws, shape ``(n_series, horizon, n_samples)``.
    """

    paths: np.ndarray

    def __post_init__(self) -> None:
        if np.any(~np.isfinite(self.paths)) or np.any(self.paths < 0):
            raise ValueError("SamplePaths: paths must be finite and non-negative.")

    def mean(self) -> np.ndarray:
        """Predictive mean (sample average)."""
        return self.paths.mean(axis=-1)

    def quantile(self, q: float) -> np.ndarray:
        """Empirical quantile; ``inverted_cdf`` keeps integer draws integer."""
        return np.quantile(self.paths, q, axis=-1, method="inverted_cdf")

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Resample stored paths with replacement."""
        pick = rng.integers(0, self.paths.shape[-1], size=n_samples)
        return self.paths[..., pick]

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """Empirical ``P(Y <= k)``; ``k`` has shape ``(n_series, horizon)`` or ``(..., m)``.

        Vectorised over rows: sorted draws of all rows are laid end to end with a row
        offset, so one ``searchsorted`` counts the draws ``<= k`` of every row.
        """
        k = np.asarray(k, dtype=float)
        squeeze = k.ndim == self.paths.ndim - 1
        k = k[..., None] if squeeze else k
        n_rows, n_draws = int(np.prod(self.paths.shape[:-1])), self.paths.shape[-1]
        ordered = np.sort(self.paths.reshape(n_rows, n_draws), axis=1)
        grid = np.broadcast_to(k, (*self.paths.shape[:-1], k.shape[-1])).reshape(n_rows, -1)
        span = max(float(ordered.max(initial=0.0)), float(np.abs(grid).max(initial=0.0))) + 2.0
        offset = np.arange(n_rows)[:, None] * 2 * span
        counts = np.searchsorted((ordered + offset).ravel(), (np.clip(grid, -1.0, span) + offset).ravel(), side="right")
        counts = counts.reshape(n_rows, -1) - np.arange(n_rows)[:, None] * n_draws
        out = (counts / n_draws).reshape((*self.paths.shape[:-1], k.shape[-1]))
        return out[..., 0] if squeeze else out

    def pmf(self, k: np.ndarray) -> np.ndarray:
        """Empirical ``P(k - 1 < Y <= k)``: the share of draws equal to integer ``k``."""
        k = np.asarray(k, dtype=float)
        return self.cdf(k) - self.cdf(k - 1)


CountDistribution = NegativeBinomial | SamplePaths


def nb_dispersion(y: np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """Method-of-moments NB2 dispersion per series from residuals.

    Solves ``sum((y - f)**2 - f) = alpha * sum(f**2)`` over the periods where a fitted
    value exists, clipped at zero (no under-dispersion: Poisson is the floor).

    Parameters
    ----------
    y, fitted : numpy.ndarray
        Observed and fitted values, shape ``(n_series, n_periods)``; NaN marks a period
        without a fitted value.

    Returns
    -------
    numpy.ndarray
        ``alpha`` per series, shape ``(n_series,)``.
    """
    ok = np.isfinite(fitted) & np.isfinite(y)
    f = np.where(ok, np.maximum(fitted, 0.0), 0.0)
    excess = np.where(ok, (y - f) ** 2 - f, 0.0).sum(axis=1)
    scale = (f**2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = np.where(scale > 0, excess / scale, 0.0)
    return np.clip(alpha, 0.0, None)
