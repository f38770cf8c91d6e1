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
