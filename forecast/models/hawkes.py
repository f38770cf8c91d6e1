"""Multivariate Hawkes process with exponential kernels across the series of a panel.

The intensity of series ``i`` is ``lambda_i(t) = mu_i + sum_j A[i, j] sum_{t_k in j, t_k < t}
beta exp(-beta (t - t_k))``: ``mu`` are baseline rates per period and ``A[i, j]`` the expected
number of events in ``i`` triggered by one event in ``j`` (the branching or excitation
matrix: who excites whom). The time unit is the panel period, so a daily panel
(``series.freq=D``) gives daily event timestamps.

Fitting: events are binned, so an event of period ``s`` is placed at the end of it and
excites later periods only; the expected count in period ``d`` is then
``mu_i + sum_j A[i, j] X_j(d)`` with ``X_j(d) = sum_{s < d} n_j(s) (1 - e^-beta) e^{-beta (d - s - 1)}``
(the kernel integrated over the period). ``mu`` and ``A`` maximise the Poisson likelihood of
the binned counts (scipy L-BFGS-B with the analytic gradient, non-negativity bounds), with
``beta`` profiled over a grid. Forecasts simulate the process from the fitted state by
Ogata thinning, with the same convention (an event excites from the end of its period),
and count the simulated events per period.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy import optimize

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster
from forecast.models.distributions import SamplePaths


def excitation_features(counts: np.ndarray, beta: float) -> np.ndarray:
    """``X_j(d)``: decayed past counts of every series, shape ``(n_series, n_periods)``."""
    decay = np.exp(-beta)
    features = np.zeros_like(counts, dtype=float)
    state = np.zeros(counts.shape[0])
    for d in range(1, counts.shape[1]):
        state = decay * state + counts[:, d - 1]  # sum_s n(s) e^{-beta (d - 1 - s)}
        features[:, d] = (1 - decay) * state
    return features


def _fit_given_beta(counts: np.ndarray, features: np.ndarray, maxiter: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Poisson MLE of ``mu`` and ``A`` for fixed features; returns ``(mu, A, loglik)``."""
    n = counts.shape[0]
    periods = counts.shape[1]

    def negloglik(theta: np.ndarray) -> tuple[float, np.ndarray]:
        mu, excitation = theta[:n], theta[n:].reshape(n, n)
        rate = mu[:, None] + excitation @ features
        rate = np.maximum(rate, 1e-12)
        value = np.sum(rate) - np.sum(counts * np.log(rate))
        ratio = 1.0 - counts / rate
        return value, np.concatenate([ratio.sum(axis=1), (ratio @ features.T).ravel()])

    start = np.concatenate([np.maximum(counts.mean(axis=1), 1e-3) * 0.5, np.full(n * n, 0.1 / n)])
    bounds = [(1e-8, None)] * n + [(0.0, None)] * (n * n)
    result = optimize.minimize(
        negloglik, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": maxiter}
    )
    mu, excitation = result.x[:n], result.x[n:].reshape(n, n)
    return mu, excitation, -float(result.fun) / periods


class MultivariateHawkes(Forecaster):
    """Multivariate exponential-kernel Hawkes process; forecasts by Ogata thinning.

    Parameters
    ----------
    decays : sequence of float
        Candidate kernel decay rates ``beta`` per period (mean lag ``1 / beta``); the one
        with the highest likelihood is kept.
    max_branching : float
        If the fitted excitation matrix has spectral radius above this, it is scaled down
        to it so that simulated paths stay stationary (reported in ``scaled_``).
    n_paths : int
        Simulated paths.
    maxiter : int
        L-BFGS-B iterations per decay.
    seed : int
        Seed of the simulation.
    """

    def __init__(
        self,
        decays: tuple[float, ...] | list[float] = (0.1, 0.3, 1.0, 3.0),
        max_branching: float = 0.95,
        n_paths: int = 500,
        maxiter: int = 500,
        seed: int = 0,
    ) -> None:
        self.decays = decays
        self.max_branching = max_branching
        self.n_paths = n_paths
        self.maxiter = maxiter
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        if len(self.decays) < 1 or min(self.decays) <= 0:
            raise ArgumentError("decays", f"{type(self).__name__}: must be positive numbers, got {list(self.decays)}.")
        if not 0 < self.max_branching < 1:
            raise ArgumentError("max_branching", f"{type(self).__name__}: must lie in (0, 1), got {self.max_branching}.")
        best = None
        for beta in self.decays:
            mu, excitation, loglik = _fit_given_beta(y, excitation_features(y, beta), self.maxiter)
            if best is None or loglik > best[3]:
                best = (float(beta), mu, excitation, loglik)
        self.decay_, self.baseline_, excitation, self.loglik_per_period_ = best
        radius = float(np.max(np.abs(np.linalg.eigvals(excitation)))) if excitation.size else 0.0
        self.scaled_ = radius > self.max_branching
        if self.scaled_:
            warnings.warn(
                f"{type(self).__name__}: fitted branching spectral radius {radius:.2f} >= max_branching; "
                f"scaled to {self.max_branching} for simulation.",
                RuntimeWarning,
                stacklevel=3,
            )
            excitation = excitation * (self.max_branching / radius)
        self.excitation_ = excitation
        self.spectral_radius_ = min(radius, self.max_branching)
        # Excitation state at the end of the panel: sum_s n_j(s) e^{-beta (T - s - 1)}.
        ages = np.arange(y.shape[1])[::-1]
        self.state_ = y @ np.exp(-self.decay_ * ages)

    def report(self) -> dict[str, object]:
        """Fitted baseline rates and the excitation matrix, labelled by series."""
        self._check_fitted()
        return {
            "decay": self.decay_,
            "baseline": dict(zip(self.ids_, self.baseline_.tolist())),
            "excitation": {
                target: dict(zip(self.ids_, row.tolist())) for target, row in zip(self.ids_, self.excitation_)
            },
            "spectral_radius": self.spectral_radius_,
        }

    def _distribution(self, h: int) -> SamplePaths:
        """Ogata thinning, all paths advanced together until each passes the horizon.

        As in the fit, an event starts exciting at the end of its period: events are held
        in ``pending`` and join the excitation state at the next period boundary, so
        within a period the intensity only decays and its current value bounds the wait.
        """
        rng = np.random.default_rng(self.seed)
        n, beta = len(self.ids_), self.decay_
        mu, excitation = self.baseline_, self.excitation_
        state = np.repeat(self.state_[None, :], self.n_paths, axis=0)  # (paths, series)
        pending = np.zeros_like(state)
        clock = np.zeros(self.n_paths)
        boundary = np.ones(self.n_paths)  # end of the current period
        counts = np.zeros((self.n_paths, n, h))
        active = np.ones(self.n_paths, dtype=bool)
        while active.any():
            idx = np.flatnonzero(active)
            bound = mu.sum() + beta * state[idx] @ excitation.sum(axis=0)
            wait = rng.exponential(1.0 / bound)
            # Paths whose proposal passes the period end move to it (memoryless waits).
            crossing = clock[idx] + wait >= boundary[idx]
            cross = idx[crossing]
            state[cross] = state[cross] * np.exp(-beta * (boundary[cross] - clock[cross]))[:, None] + pending[cross]
            pending[cross] = 0.0
            clock[cross] = boundary[cross]
            boundary[cross] += 1.0
            active[cross[clock[cross] >= h]] = False
            idx, wait, bound = idx[~crossing], wait[~crossing], bound[~crossing]
            clock[idx] += wait
            state[idx] *= np.exp(-beta * wait)[:, None]
            rates = mu[None, :] + beta * state[idx] @ excitation.T  # (paths, series)
            accept = rng.uniform(size=len(idx)) * bound <= rates.sum(axis=1)
            idx, rates = idx[accept], rates[accept]
            cumulative = np.cumsum(rates, axis=1)
            pick = (rng.uniform(size=len(idx)) * cumulative[:, -1])[:, None] > cumulative
            series = pick.sum(axis=1)
            counts[idx, series, np.floor(clock[idx]).astype(int)] += 1
            pending[idx, series] += 1.0
        return SamplePaths(paths=np.transpose(counts, (1, 2, 0)))
