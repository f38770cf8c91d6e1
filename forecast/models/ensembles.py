"""Ensembles of forecasters: quantile averaging, with fixed or CRPS-learned weights.

Quantile averaging (Vincentisation) averages the members' quantile functions: each
member's draws for a (series, step) are sorted and the sorted draws averaged with the
weights, then rounded stochastically back onto the counts. Unlike a mixture it keeps the members'
typical width instead of adding their disagreement to it. Sorting per (series, step)
makes the combined paths comonotone across steps; marginal scores are unaffected.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scoringrules as sr
from scipy import optimize, special

from forecast.errors import ArgumentError
from forecast.models.base import Forecaster
from forecast.models.distributions import SamplePaths


def _vincent(sorted_draws: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted average over members (axis 0) of sorted draws."""
    return np.tensordot(weights, sorted_draws, axes=1)


class _VincentEnsemble(Forecaster):
    """Shared machinery: members cloned and fitted, draws sorted and averaged with ``weights_``."""

    def __init__(self, members: Sequence[Forecaster], n_paths: int, seed: int) -> None:
        self.members = members
        self.n_paths = n_paths
        self.seed = seed

    def _learn_weights(self, y: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _check_members(self) -> None:
        if len(self.members) < 1 or not all(isinstance(m, Forecaster) for m in self.members):
            raise ArgumentError("members", f"{type(self).__name__} needs a list of at least one Forecaster.")

    def _sorted_draws(self, fitted: Sequence[Forecaster], h: int) -> np.ndarray:
        """Sorted draws ``(n_members, n_series, h, n_paths)``, each member on its own seeded stream."""
        streams = np.random.default_rng(self.seed).spawn(len(fitted))
        return np.stack([np.sort(m.sample(h, self.n_paths, rng), axis=-1) for m, rng in zip(fitted, streams)])

    def _fit(self, y: np.ndarray) -> None:
        self._check_members()
        self.weights_ = self._learn_weights(y)
        panel = self.long_frame(y)
        self.members_ = [m.clone().fit(panel) for m in self.members]

    def _distribution(self, h: int) -> SamplePaths:
        combined = np.clip(_vincent(self._sorted_draws(self.members_, h), self.weights_), 0.0, None)
        # Stochastic rounding back onto the counts keeps the mean (rounding half up would
        # add ~0.25 whenever draws are averaged into halves).
        fraction = combined - np.floor(combined)
        rounding = np.random.default_rng([self.seed, 1]).uniform(size=combined.shape)
        return SamplePaths(paths=np.floor(combined) + (rounding < fraction))


class QuantileAverage(_VincentEnsemble):
    """Weighted quantile average of member forecasters.

    Parameters
    ----------
    members : sequence of Forecaster
        Unfitted members (cloned at fit time, never modified).
    weights : sequence of float, optional
        Non-negative weights, one per member (normalised); equal when omitted.
    n_paths, seed : int
        Draws per member and (series, step), and their seed.
    """

    def __init__(
        self,
        members: Sequence[Forecaster] = (),
        weights: Sequence[float] | None = None,
        n_paths: int = 500,
        seed: int = 0,
    ) -> None:
        super().__init__(members, n_paths, seed)
        self.weights = weights

    @property
    def pools_series(self) -> bool:
        """Pooled when any member pools (fixed weights pool nothing themselves)."""
        return any(member.pools_series for member in self.members)

    def _learn_weights(self, y: np.ndarray) -> np.ndarray:
        if self.weights is None:
            return np.full(len(self.members), 1.0 / len(self.members))
        weights = np.asarray(self.weights, dtype=float)
        if weights.shape != (len(self.members),) or np.any(weights < 0) or weights.sum() <= 0:
            raise ArgumentError(
                "weights", f"{type(self).__name__} needs {len(self.members)} non-negative numbers, not all 0."
            )
        return weights / weights.sum()


class CRPSWeightedEnsemble(_VincentEnsemble):
    """Quantile average whose weights minimise CRPS on earlier windows of the training panel.

    At fit time every member is refitted at ``n_windows`` inner cutoffs, each leaving
    ``horizon`` training periods after it to score; the weights (a softmax, so they stay on
    the simplex) minimise the mean sample CRPS of the combined forecast over those periods.
    Only the panel passed to ``fit`` is used, so in a backtest the weights come from windows
    before the cutoff.

    Parameters
    ----------
    members : sequence of Forecaster
        Unfitted members.
    n_windows : int
        Inner cutoffs used to learn the weights.
    horizon : int
        Periods scored after each inner cutoff.
    step : int
        Periods between inner cutoffs.
    n_paths, seed : int
        Draws per member and (series, step), and their seed.
    """

    def __init__(
        self,
        members: Sequence[Forecaster] = (),
        n_windows: int = 3,
        horizon: int = 4,
        step: int = 1,
        n_paths: int = 200,
        seed: int = 0,
    ) -> None:
        super().__init__(members, n_paths, seed)
        self.n_windows = n_windows
        self.horizon = horizon
        self.step = step

    def _learn_weights(self, y: np.ndarray) -> np.ndarray:
        n_periods = y.shape[1]
        origins = [n_periods - self.horizon - self.step * k for k in reversed(range(self.n_windows))]
        if min(self.n_windows, self.horizon, self.step) < 1 or origins[0] < 8:
            raise ArgumentError(
                "n_windows",
                f"{type(self).__name__}: n_windows={self.n_windows}, horizon={self.horizon} and step={self.step} "
                f"must be >= 1 and need at least {self.horizon + self.step * (self.n_windows - 1) + 8} periods; "
                f"the panel has {n_periods}. Lower them.",
            )
        panel = self.long_frame(y)
        draws, truths = [], []
        for origin in origins:
            train = panel[panel["ds"] < self.dates_[origin]]
            fitted = [m.clone().fit(train) for m in self.members]
            draws.append(self._sorted_draws(fitted, self.horizon))
            truths.append(y[:, origin : origin + self.horizon])
        draws_all = np.concatenate(draws, axis=1)  # (members, windows * series, horizon, paths)
        truth = np.concatenate(truths, axis=0)

        def loss(theta: np.ndarray) -> float:
            return float(np.mean(sr.crps_ensemble(truth, _vincent(draws_all, special.softmax(theta)))))

        self.window_crps_ = np.array([np.mean(sr.crps_ensemble(truth, d)) for d in draws_all])
        # scipy's default first simplex around 0 is 0.00025 wide, already inside xatol, so the
        # search stopped at equal weights; unit steps in theta move a weight by about 0.2.
        start = np.zeros(len(self.members))
        simplex = np.vstack([start, np.eye(len(self.members))])
        result = optimize.minimize(
            loss, start, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-4, "initial_simplex": simplex}
        )
        return special.softmax(result.x)
