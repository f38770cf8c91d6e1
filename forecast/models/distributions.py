"""Count predictive distributions: NB (Poisson as its limit), Poisson-log-normal, samples, quantiles.

Arrays are shaped ``(n_series, horizon)``; samples add a trailing ``n_samples`` axis.
Every law subclasses :class:`CountDistribution`, the interface the backtest scores
through: a new law is one subclass, with no change to :mod:`forecast.backtest`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

_POISSON_ALPHA = 1e-8
# Gauss-Hermite (probabilists') rule for expectations over the log-normal shock; 40 nodes
# reach z = +-8.1. Against a dense mixture the CDF is within ~1e-8 for small means or
# dispersions (mu = 2, alpha = 0.5), but the nodes get coarse for the Poisson kernel as
# mu * s grows: 5e-4 at mu = 5, alpha = 2 and 2e-3 at mu = 100, alpha = 0.2.
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()
# The Poisson-log-normal's exact RPS grid ends at this quantile; its tail_rps sums the rest
# on this many geometrically spaced points.
_LOGNORMAL_GRID_LEVEL = 0.999
_TAIL_POINTS = 200
# A grid CDF this close to a quantile level defers to scipy's ppf (see NegativeBinomial._quantiles).
_QUANTILE_TIE = 1e-9
# Grid ends (counts) from which NegativeBinomial._quantiles leaves a row to scipy's ppf.
_QUANTILE_GRID_MAX = 400
#: Largest (rows x support) block of a CDF grid evaluated at once, to bound memory on heavy tails.
GRID_CELLS = 20_000_000
#: Rows per block of a CDF grid.
GRID_ROWS = 256


def grid_chunks(top: np.ndarray) -> Iterator[tuple[np.ndarray, int]]:
    """Blocks ``(rows, width)`` of flat rows whose CDF grids ``0..top`` are evaluated together.

    Longest grid first, in blocks of similar length, so short-tailed rows do not pay for
    the longest grid and no block exceeds :data:`GRID_CELLS` cells.
    """
    order = np.argsort(top, kind="stable")[::-1]
    start = 0
    while start < order.size:
        width = int(top[order[start]]) + 1
        stop = min(order.size, start + max(1, min(GRID_ROWS, GRID_CELLS // width)))
        yield order[start:stop], width
        start = stop


class CountDistribution(ABC):
    """A predictive law on the counts ``0, 1, 2, ...`` for every ``(series, step)``.

    Subclasses give the law's mean, quantile, CDF and draws, where the scorer may end its
    support grid (:meth:`support_end`), how to pick rows (:meth:`take`) and, for unbounded
    supports, the RPS mass beyond the grid (:meth:`tail_rps`). :meth:`pmf`,
    :meth:`cdf_grid` and :meth:`tail_rps` have defaults built on :meth:`cdf`.
    """

    @abstractmethod
    def mean(self) -> np.ndarray:
        """Predictive mean, shape ``(n_series, horizon)``."""

    @abstractmethod
    def quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q``, shape ``(n_series, horizon)``."""

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """:meth:`quantile` at every level, shape ``(len(levels), n_series, horizon)``."""
        return np.stack([self.quantile(q) for q in levels])

    @abstractmethod
    def cdf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y <= k)``; ``k`` has shape ``(n_series, horizon)`` or ``(n_series, horizon, m)``."""

    @abstractmethod
    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draws, shape ``(n_series, horizon, n_samples)``."""

    @abstractmethod
    def support_end(self) -> np.ndarray:
        """Per-row count where the scorer may end its RPS grid, shape ``(n_series, horizon)``.

        Past it, the RPS terms are either zero (bounded support) or given by :meth:`tail_rps`.
        """

    @abstractmethod
    def take(self, rows: np.ndarray) -> CountDistribution:
        """The forecasts at flat ``(series, step)`` positions ``rows``, as a ``(len(rows), 1)`` law."""

    def distinct_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The flat rows that hold each distinct law once, and each row's law among them.

        Returns
        -------
        tuple of numpy.ndarray
            ``first`` (flat positions, one per distinct law) and ``inverse`` (shape
            ``(n_series * horizon,)``), so row ``r``'s law is ``take(first)[inverse[r]]``.
            The default treats every row as its own law.
        """
        rows = np.arange(self.mean().size)
        return rows, rows

    def draws(self) -> np.ndarray | None:
        """The draws of a law known by them, shape ``(n_series * horizon, n_samples)``; None by default.

        A law given by draws may put mass off the integers (a model that resamples a share
        series' history): the scorer then scores those rows from the draws themselves, as
        its grid of counts sees only ``F(0), F(1), ...``.
        """
        return None

    def pmf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y = k)`` for integer ``k``, as ``P(Y <= k) - P(Y <= k - 1)`` (broadcasts as :meth:`cdf`)."""
        k = np.asarray(k, dtype=float)
        return self.cdf(k) - self.cdf(k - 1)

    def cdf_grid(self, width: int) -> np.ndarray:
        """``P(Y <= k)`` for ``k = 0..width-1``, shape ``(n_series, horizon, width)``."""
        return self.cdf(np.broadcast_to(np.arange(width, dtype=float), (*self.mean().shape, width)))

    def tail_rps(self, end: int, survival: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        """RPS terms beyond the grid, ``sum_{k > end} P(Y > k)**2``, for a ``(n, 1)`` law from :meth:`take`.

        The default, zero, holds when no mass lies above :meth:`support_end`.

        Parameters
        ----------
        end : int
            Last count of the grid, at or above :meth:`support_end` of every row.
        survival : numpy.ndarray
            ``P(Y > end)`` per row as the scorer computed it on its grid, shape ``(n,)``.
        head : numpy.ndarray, optional
            ``sum_{k <= end} P(Y > k)**2`` per row on that grid, shape ``(n,)``: the scorer
            has it, and a law that needs it need not rebuild the grid.

        Returns
        -------
        numpy.ndarray
            Shape ``(n,)``.
        """
        return np.zeros(survival.shape)


def _check_mean_and_dispersion(law: str, mu: np.ndarray, alpha: np.ndarray) -> None:
    """Refuse non-finite or negative means and dispersions, naming the law."""
    for name, value in (("mu", mu), ("alpha", alpha)):
        if np.any(~np.isfinite(value)) or np.any(np.asarray(value) < 0):
            raise ValueError(f"{law}: {name} must be finite and non-negative.")


@dataclass(frozen=True)
class _MeanDispersionLaw(CountDistribution):
    """A mixed Poisson law given by its mean ``mu`` and dispersion ``alpha`` (variance ``mu + alpha * mu**2``)."""

    mu: np.ndarray
    alpha: np.ndarray

    def __post_init__(self) -> None:
        _check_mean_and_dispersion(type(self).__name__, self.mu, self.alpha)

    def mean(self) -> np.ndarray:
        """Predictive mean."""
        return np.asarray(self.mu, dtype=float)

    def take(self, rows: np.ndarray) -> _MeanDispersionLaw:
        """The forecasts at flat ``(series, step)`` positions ``rows``, as a ``(len(rows), 1)`` law."""
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape)
        return type(self)(mu=self.mu.ravel()[rows][:, None], alpha=alpha.ravel()[rows][:, None])

    def quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q``, shape ``(n_series, horizon)``."""
        return self.quantiles([q])[0]

    def quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """:meth:`quantile` at every level, shape ``(len(levels), n_series, horizon)``.

        Evaluated once per distinct ``(mu, alpha)`` pair (:meth:`_quantiles` is elementwise):
        a flat point forecast repeats one law at every step, and the inverse CDF is the
        costly part of a forecast.
        """
        first, inverse = self.distinct_rows()
        if len(first) == np.size(self.mu):
            return self._quantiles(levels)
        return self.take(first)._quantiles(levels)[:, :, 0][:, inverse].reshape(len(levels), *np.shape(self.mu))

    def distinct_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`CountDistribution.distinct_rows` by ``(mu, alpha)``: a flat forecast repeats one law at every step."""
        mu = np.asarray(self.mu, dtype=float)
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), mu.shape).ravel()
        mu = mu.ravel()
        # The pair as one complex key: a 1-d unique, much cheaper than unique rows.
        _, first, inverse = np.unique(mu + 1j * alpha, return_index=True, return_inverse=True)
        return first, inverse.reshape(-1)

    def _quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """:meth:`quantiles` evaluated row by row (each ``(series, step)`` on its own)."""
        return np.stack([self._quantile(q) for q in levels])

    @abstractmethod
    def _quantile(self, q: float) -> np.ndarray:
        """:meth:`quantile` evaluated row by row, each ``(series, step)`` independently of the others."""


@dataclass(frozen=True)
class NegativeBinomial(_MeanDispersionLaw):
    """NB2 counts with mean ``mu`` and variance ``mu + alpha * mu**2`` (Poisson when alpha = 0).

    Parameters
    ----------
    mu : numpy.ndarray
        Non-negative means, shape ``(n_series, horizon)``.
    alpha : numpy.ndarray
        Non-negative dispersion, broadcastable to ``mu``.
    """

    def _quantiles(self, levels: Sequence[float]) -> np.ndarray:
        """Every level's quantile from one :meth:`cdf_grid` per row, up to :meth:`support_end`.

        The grid's CDF is scipy's to about 1e-13, so where a level lies within
        :data:`_QUANTILE_TIE` of a grid value (the answer could flip), past the grid, or the
        grid would be longer than :data:`_QUANTILE_GRID_MAX` (where scipy's root search is
        cheaper), the row takes scipy's ``ppf`` (:meth:`_quantile`): the result is scipy's.
        """
        q = np.asarray(levels, dtype=float)
        mu = np.asarray(self.mu, dtype=float)
        end = self.support_end().ravel()
        out = np.empty((q.size, end.size))
        long = np.flatnonzero(end >= _QUANTILE_GRID_MAX)
        if long.size:
            wide = self.take(long)
            out[:, long] = np.stack([wide._quantile(float(level))[:, 0] for level in q])
        short = np.flatnonzero(end < _QUANTILE_GRID_MAX)
        for block, width in grid_chunks(end[short]):
            rows = short[block]
            cdf = self.take(rows).cdf_grid(width).reshape(rows.size, width)
            # Row i's grid shifted to [i, i + 1]: one searchsorted finds the first F(k) >= q of every row.
            shift = np.arange(rows.size, dtype=float)[:, None]
            first = np.searchsorted((cdf + shift).ravel(), (q[None, :] + shift).ravel()).reshape(rows.size, q.size)
            below = first - (shift.astype(int) * width)
            at = np.take_along_axis(cdf, np.minimum(below, width - 1), axis=1)
            before = np.where(below > 0, np.take_along_axis(cdf, np.maximum(below - 1, 0), axis=1), 0.0)
            unsure = (below >= width) | (np.abs(at - q) < _QUANTILE_TIE) | (np.abs(before - q) < _QUANTILE_TIE)
            out[:, rows] = below.T
            for row, level in zip(*np.nonzero(unsure)):
                out[level, rows[row]] = self.take(rows[row : row + 1])._quantile(float(q[level]))[0, 0]
        return np.where(mu.ravel() > 0, out, 0.0).reshape(q.size, *mu.shape)

    def _quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q`` (integer support), row by row (scipy's ``ppf``)."""
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

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw counts as a gamma–Poisson mixture, shape ``(n_series, horizon, n_samples)``."""
        mu = np.asarray(self.mu, dtype=float)[..., None]
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape)[..., None]
        shape = (*mu.shape[:-1], n_samples)
        safe_alpha = np.maximum(alpha, _POISSON_ALPHA)
        rate = np.where(alpha > _POISSON_ALPHA, rng.gamma(1.0 / safe_alpha, safe_alpha * mu, size=shape), mu)
        return rng.poisson(np.broadcast_to(rate, shape)).astype(float)

    def support_end(self) -> np.ndarray:
        """``mu + 12 sd + 20``: past it :meth:`tail_rps` adds the RPS terms in closed form.

        Relative error below 1e-7 against scoringrules' closed-form CRPS for any alpha
        (the heavy tails of alpha > 1 are summed exactly by :meth:`tail_rps`), and cheaper
        than a ppf per row.
        """
        mu = np.asarray(self.mu, dtype=float)
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), mu.shape)
        return np.ceil(mu + 12.0 * np.sqrt(mu + alpha * mu**2) + 20.0)

    def cdf_grid(self, width: int) -> np.ndarray:
        """``P(Y <= k)`` for ``k = 0..width-1`` by the pmf recurrence, shape ``(n_series, horizon, width)``.

        The log-pmf is the cumulative sum of ``log p(k) - log p(k-1) = log((size + k - 1) / k
        * mu / (size + mu))``: an order of magnitude faster than scipy's incomplete-beta CDF
        on every grid cell and free of underflow at large means; the Poisson
        (``alpha <= 1e-8``) uses its own recurrence.
        """
        mu = np.asarray(self.mu, dtype=float)[..., None]
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape)[..., None]
        poisson = alpha <= _POISSON_ALPHA
        size = 1.0 / np.where(poisson, 1.0, alpha)
        j = np.arange(1, width, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(poisson, 1.0, (size + j - 1) / (size + mu))
            steps = np.log(ratio) + np.log(mu) - np.log(j)
            first = np.where(poisson, -mu, -size * np.log1p(mu / size))
            log_pmf = np.concatenate([first, steps], axis=-1).cumsum(axis=-1)
        pmf = np.where(mu > 0, np.exp(log_pmf), (np.arange(width) == 0).astype(float))
        return np.minimum(np.cumsum(pmf, axis=-1), 1.0)

    def tail_rps(self, end: int, survival: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        """``sum_{k > end} P(Y > k)**2``: a geometric series, or the closed form less the grid.

        For ``size = 1 / alpha >= 1`` the sd-based grid end is far past the mode and the tail
        is the geometric series ``S**2 q**2 / (1 - q**2)`` with ``q = mu / (size + mu)``, the
        ratio the survival function decays by there (the Poisson's decays faster and adds
        nothing). For ``size < 1`` that series is only an upper bound: the survival
        function's ratio creeps up to ``q`` so slowly that the bound overstated the CRPS by
        0.3% at alpha = 100 and 10% at alpha = 1000. There the tail is the closed-form total
        :func:`_nb_rps_at_zero` less the grid's own sum up to ``end``, clipped to the bound.
        """
        mu = self.mu.ravel()
        alpha = np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape).ravel()
        q = np.where(alpha > _POISSON_ALPHA, alpha * mu / (1.0 + alpha * mu), 0.0)
        bound = np.clip(survival, 0.0, 1.0) ** 2 * q**2 / (1.0 - q**2)
        heavy = np.flatnonzero((alpha > 1.0) & (mu > 0))
        if heavy.size:
            if head is None:
                grid = self.take(heavy).cdf_grid(end + 1).reshape(heavy.size, end + 1)
                grid_sum = ((1.0 - grid) ** 2).sum(axis=1)
            else:
                grid_sum = np.asarray(head, dtype=float).ravel()[heavy]
            bound[heavy] = np.clip(_nb_rps_at_zero(mu[heavy], alpha[heavy]) - grid_sum, 0.0, bound[heavy])
        return bound


def _nb_rps_at_zero(mu: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """``sum_{k >= 0} P(Y > k)**2`` of the NB2 law, its CRPS at ``y = 0``, in closed form.

    ``n (1 - p) (p - 2F1(n + 1, 1/2; 2; -4 (1 - p) / p**2)) / p**2`` with ``n = 1 / alpha``
    and ``p = n / (n + mu)`` (Wei & Held 2014; scoringrules' ``crps_negbinom`` at 0), within
    about 1e-11 of the full sum over the support for alpha up to 1e5.
    """
    n = 1.0 / alpha
    p = n / (n + mu)
    return n * (1.0 - p) * (p - special.hyp2f1(n + 1.0, 0.5, 2.0, -4.0 * (1.0 - p) / p**2)) / p**2


@dataclass(frozen=True)
class PoissonLogNormal(_MeanDispersionLaw):
    """Poisson counts whose rate is ``mu`` times a mean-one log-normal shock.

    ``log G ~ Normal(-s**2 / 2, s**2)`` with ``s**2 = log(1 + alpha)``, so the mean is ``mu``
    and the variance ``mu + alpha * mu**2``, as for :class:`NegativeBinomial` with the same
    ``alpha``. The log-normal mixing law is more peaked and has a longer right tail than the
    NB's gamma: most weeks stay near the level, a few burst well above it.

    Parameters
    ----------
    mu : numpy.ndarray
        Non-negative means, shape ``(n_series, horizon)``.
    alpha : numpy.ndarray
        Non-negative dispersion, broadcastable to ``mu`` (0 gives the Poisson).
    """

    def _node_rates(self) -> np.ndarray:
        """Poisson rates at the quadrature nodes, shape ``(n_series, horizon, n_nodes)``."""
        mu = np.asarray(self.mu, dtype=float)
        s = np.sqrt(np.log1p(np.broadcast_to(np.asarray(self.alpha, dtype=float), mu.shape)))[..., None]
        return mu[..., None] * np.exp(s * _GH_NODES - s**2 / 2)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y <= k)``, the Poisson CDF averaged over the shock by Gauss-Hermite quadrature.

        ``k`` broadcasts as in :meth:`NegativeBinomial.cdf`.
        """
        k = np.asarray(k, dtype=float)
        rates = self._node_rates()
        rates = rates.reshape(*rates.shape[:2], *(1,) * (k.ndim - 2), -1)
        counts = np.maximum(k, 0.0)
        cdf = np.zeros(np.broadcast_shapes(k.shape, rates.shape[:-1]))
        for node, weight in enumerate(_GH_WEIGHTS):  # one node at a time: memory stays that of k
            cdf += weight * special.pdtr(counts, rates[..., node])
        return np.where(k < 0, 0.0, np.minimum(cdf, 1.0))

    def _quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q``, by bisection on the integers.

        Cantelli's inequality brackets the answer within a few standard deviations of the
        mean; where the quadrature CDF disagrees with the bracket, it widens to ``[-1, end]``
        with ``end`` past the Poisson tail of the largest quadrature node.
        """
        mu = np.asarray(self.mu, dtype=float)
        sd = np.sqrt(mu + np.asarray(self.alpha, dtype=float) * mu**2)
        lo = np.maximum(np.floor(mu - np.sqrt((1 - q) / q) * sd) - 1.0, -1.0)
        hi = np.ceil(mu + np.sqrt(q / (1 - q)) * sd) + 1.0
        top = self._node_rates()[..., -1]
        lo = np.where(self.cdf(lo) < q, lo, -1.0)  # P(Y <= -1) = 0 < q
        hi = np.where(self.cdf(hi) >= q, hi, np.ceil(top + 10.0 * np.sqrt(top) + 10.0))
        while np.any(hi - lo > 1):
            mid = np.floor((lo + hi) / 2)
            below = self.cdf(mid) < q
            lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
        return hi

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Draw counts as a log-normal-Poisson mixture, shape ``(n_series, horizon, n_samples)``."""
        mu = np.asarray(self.mu, dtype=float)[..., None]
        s2 = np.log1p(np.broadcast_to(np.asarray(self.alpha, dtype=float), self.mu.shape))[..., None]
        shock = np.exp(rng.normal(-s2 / 2, np.sqrt(s2), size=(*mu.shape[:-1], n_samples)))
        return rng.poisson(mu * shock).astype(float)

    def support_end(self) -> np.ndarray:
        """The 0.999 quantile: the long log-normal tail (thousands of means at large alpha)
        is summed by :meth:`tail_rps`, not gridded."""
        return self.quantile(_LOGNORMAL_GRID_LEVEL)

    def tail_rps(self, end: int, survival: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        """``sum_{k > end} P(Y > k)**2`` by a trapezoid sum on geometrically spaced counts.

        Past the 0.999 quantile the survival function is smooth and decays slowly (the
        log-normal tail), so the sum runs over :data:`_TAIL_POINTS` integers spaced
        geometrically from ``end + 1`` to the ``1 - 1e-12`` quantile: the trapezoid rule plus
        the Euler-Maclaurin end terms, ``sum_{k=a}^{b} g(k) ~ int_a^b g + (g(a) + g(b)) / 2``.
        Repeated integers (a short tail) add zero-width trapezoids only. ``survival`` and
        ``head`` are not needed: the sum evaluates :meth:`cdf` itself.
        """
        first = float(end + 1)
        last = np.maximum(self.quantile(1.0 - 1e-12), first)  # shape (n, 1)
        k = np.round(first * (last / first) ** np.linspace(0.0, 1.0, _TAIL_POINTS))  # (n, points)
        g = (1.0 - self.cdf(k[:, None, :])[:, 0, :]) ** 2
        inner = (0.5 * (g[:, 1:] + g[:, :-1]) * np.diff(k, axis=1)).sum(axis=1)
        return inner + 0.5 * (g[:, 0] + g[:, -1])


@dataclass(frozen=True)
class SamplePaths(CountDistribution):
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
        """Smallest draw ``k`` with ``P(Y <= k) >= q`` (empirical), so integer draws stay integer.

        That is the ``j``-th smallest draw for the smallest ``j`` with ``j / n >= q``, found
        in the arithmetic of :meth:`cdf`: numpy's ``inverted_cdf`` takes ``ceil(n * q)``,
        one draw too far when ``n * q`` rounds just above an integer (``100 * 0.07``).
        """
        n = self.paths.shape[-1]
        j = min(max(int(np.ceil(n * q)), 1), n)
        if j > 1 and (j - 1) / n >= q:
            j -= 1
        elif j < n and j / n < q:
            j += 1
        return np.partition(self.paths, j - 1, axis=-1)[..., j - 1]

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

    def draws(self) -> np.ndarray:
        """The stored draws, one row per flat ``(series, step)``."""
        return self.paths.reshape(-1, self.paths.shape[-1])

    def support_end(self) -> np.ndarray:
        """The largest draw: no empirical mass lies above it."""
        return np.ceil(self.paths.max(axis=-1))

    def take(self, rows: np.ndarray) -> SamplePaths:
        """The paths at flat ``(series, step)`` positions ``rows``, shape ``(len(rows), 1, n_samples)``."""
        return SamplePaths(self.paths.reshape(-1, self.paths.shape[-1])[rows][:, None, :])


MU_CAP, MU_CAP_SCALE = 1e6, 1e3
"""Simulated means are capped at ``max(MU_CAP, MU_CAP_SCALE * max(history))`` per series."""


def simulation_cap(y: np.ndarray) -> np.ndarray:
    """Per-series cap on the means a fitted model simulates from, shape ``(n_series,)``.

    It guards against explosive paths of a near-unit-root fit, and never binds below a
    series' own level: a flat 1e6 cap forecast a series at 3e6 as 1e6.

    Parameters
    ----------
    y : numpy.ndarray
        Training counts, shape ``(n_series, n_periods)``.
    """
    return np.maximum(MU_CAP, MU_CAP_SCALE * y.max(axis=1))


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


@dataclass(frozen=True)
class QuantileGrid(CountDistribution):
    """A count distribution given by continuous quantiles at fixed levels, rounded to counts.

    Between levels the quantile function is linear; beyond the outermost levels it is
    flat. Quantiles and draws are rounded to the nearest integer and floored at zero,
    which maps a real-valued interval forecast (e.g. conformal) onto the counts.

    Parameters
    ----------
    levels : numpy.ndarray
        Increasing levels in (0, 1), shape ``(n_levels,)``.
    values : numpy.ndarray
        Quantiles, shape ``(n_series, horizon, n_levels)``; sorted along the last axis here.
    point : numpy.ndarray
        Non-negative predictive mean, shape ``(n_series, horizon)``.
    """

    levels: np.ndarray
    values: np.ndarray
    point: np.ndarray

    def __post_init__(self) -> None:
        if np.any(np.diff(self.levels) <= 0) or self.levels[0] <= 0 or self.levels[-1] >= 1:
            raise ValueError("QuantileGrid: levels must increase strictly inside (0, 1).")
        if not np.all(np.isfinite(self.values)):
            raise ValueError("QuantileGrid: quantile values must be finite.")
        # Crossing quantiles (possible with few conformal scores) are sorted, not trusted.
        object.__setattr__(self, "values", np.sort(self.values, axis=-1))

    def _continuous(self, u: np.ndarray) -> np.ndarray:
        """Quantile function at levels ``u`` of shape ``(..., k)`` broadcast over series and horizon."""
        index = np.clip(np.searchsorted(self.levels, u, side="right"), 1, len(self.levels) - 1)
        lo, hi = self.levels[index - 1], self.levels[index]
        weight = np.clip((u - lo) / (hi - lo), 0.0, 1.0)
        v_lo = np.take_along_axis(self.values, np.broadcast_to(index - 1, (*self.values.shape[:2], u.shape[-1])), -1)
        v_hi = np.take_along_axis(self.values, np.broadcast_to(index, (*self.values.shape[:2], u.shape[-1])), -1)
        return v_lo + weight * (v_hi - v_lo)

    def mean(self) -> np.ndarray:
        """Predictive mean (the point forecast)."""
        return np.asarray(self.point, dtype=float)

    def quantile(self, q: float) -> np.ndarray:
        """Smallest count ``k`` with ``P(Y <= k) >= q``: the rounded quantile, or one below it.

        Rounding half up puts ``Q(q) = m + 1/2`` on ``m + 1``, yet ``P(Y <= m) = P(Q(U) < m + 1/2)``
        already reaches ``q`` there when ``Q`` rises into ``q`` (conformal quantiles of integer
        errors around an integer point often end in .5); :meth:`cdf` decides.
        """
        value = self._continuous(np.full((*self.values.shape[:2], 1), float(q)))[..., 0]
        rounded = np.clip(np.floor(value + 0.5), 0.0, None)
        lower = np.maximum(rounded - 1.0, 0.0)
        return np.where((rounded > 0) & (self.cdf(lower) >= q), lower, rounded)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        """``P(Y <= k)`` of the rounded count ``Y = max(0, round(Q(U)))``.

        ``round(Q(U)) <= k`` exactly when ``Q(U) < k + 1/2``, so this is the piecewise-linear
        CDF of the quantile grid at ``k + 1/2`` (0 below the lowest quantile, 1 above the
        highest); negative ``k`` gives 0. ``k`` broadcasts as in :meth:`NegativeBinomial.cdf`.
        """
        k = np.asarray(k, dtype=float)
        extra = k.ndim - 2
        values = self.values.reshape(*self.values.shape[:2], *(1,) * extra, -1)
        x = (k + 0.5)[..., None]
        above = (values < x).sum(axis=-1)  # quantiles strictly below x
        inner = np.clip(above, 1, len(self.levels) - 1)
        v_lo = np.take_along_axis(np.broadcast_to(values, (*k.shape, values.shape[-1])), (inner - 1)[..., None], -1)[..., 0]
        v_hi = np.take_along_axis(np.broadcast_to(values, (*k.shape, values.shape[-1])), inner[..., None], -1)[..., 0]
        lev_lo, lev_hi = self.levels[inner - 1], self.levels[inner]
        with np.errstate(divide="ignore", invalid="ignore"):
            between = lev_lo + (k + 0.5 - v_lo) / (v_hi - v_lo) * (lev_hi - lev_lo)
        out = np.where(above == 0, 0.0, np.where(above == len(self.levels), 1.0, between))
        return np.where(k < 0, 0.0, out)

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        """Inverse-CDF draws, rounded and floored at zero, shape ``(n_series, horizon, n_samples)``."""
        u = rng.uniform(size=(*self.values.shape[:2], n_samples))
        return np.clip(np.floor(self._continuous(u) + 0.5), 0.0, None)

    def support_end(self) -> np.ndarray:
        """The top quantile rounded up: counts are rounded quantiles, none lies above it."""
        return np.ceil(np.clip(self.values[..., -1] + 0.5, 0.0, None))

    def take(self, rows: np.ndarray) -> QuantileGrid:
        """The quantiles at flat ``(series, step)`` positions ``rows``, as a ``(len(rows), 1)`` grid."""
        values = self.values.reshape(-1, self.values.shape[-1])[rows][:, None, :]
        return QuantileGrid(levels=self.levels, values=values, point=self.point.ravel()[rows][:, None])


# Parametric count laws a point forecast and a dispersion can be wrapped in (config names).
PARAMETRIC_COUNT_LAWS: dict[str, type[NegativeBinomial] | type[PoissonLogNormal]] = {
    "negative_binomial": NegativeBinomial,
    "poisson_lognormal": PoissonLogNormal,
}


def parametric_count_law(name: str, where: str) -> type[NegativeBinomial] | type[PoissonLogNormal]:
    """The distribution class registered under ``name``; ``where`` names the hyperparameter in errors."""
    if name not in PARAMETRIC_COUNT_LAWS:
        raise ValueError(f"{where}={name!r} is not a count distribution; use one of {sorted(PARAMETRIC_COUNT_LAWS)}.")
    return PARAMETRIC_COUNT_LAWS[name]
