"""Multivariate Hawkes process with exponential kernels across the series of a panel.

The intensity of series ``i`` in period ``d`` is
``lambda_i(d) = mu_i(d) + sum_j A[i, j] X_j(d)`` with
``X_j(d) = sum_{s < d} n_j(s) (1 - e^-beta) e^{-beta (d - s - 1)}``: the exponential kernel
``beta e^{-beta t}`` integrated over period ``d`` for an event placed at the end of period
``s`` (binned data carry no time within a period, so an event excites later periods only).
``A[i, j]`` is the expected number of records in ``i`` triggered by one record in ``j`` (the
excitation matrix: who excites whom), ``beta`` the decay per period. The time unit is the
panel period.

Three departures from the textbook process, each checked on the ICEWS benchmark (issue 15):

- **A moving baseline** (``baseline="piecewise"``): ``mu_i`` is constant within blocks of
  ``block`` periods counted back from the panel end, so a several-fold swing in news volume
  moves the baseline instead of being read as excitation. Forecasts start a new block: each
  path moves the last block's baseline by one step of the pooled block-to-block drift.
  ``"constant"`` is one block. (A baseline proportional to the source's media volume would
  need the share denominator, which the forecaster contract's ``unique_id, ds, y`` panel
  does not carry.)
- **Clustered records** (``law="nb"``): one real-world event is coded as several records, so
  a period's records are a Poisson number of clusters times a cluster size. With
  logarithmic-series sizes the record count is exactly negative binomial with mean
  ``lambda`` and dispersion ``alpha_i`` (a Poisson(``log(1 + alpha lambda) / alpha``) number
  of clusters); ``alpha_i`` is fitted per series with the rest. Weekly panels hold no
  within-period timing, so clusters are not observed and this compound law is what maps
  the process back to the panel's measure. ``law="poisson"`` is the unit-mark process.
- **Parameter uncertainty**: each forecast path draws its parameters from a Laplace
  approximation (expected Fisher information of each row's baseline and non-zero
  excitation entries, the NB dispersion being orthogonal to them), then simulates the
  binned process forward from the fitted state, so the predictive law is the exact law
  of the fitted model, not an approximation of it.

Fitting maximises the binned likelihood with an L1 penalty on the off-diagonal of ``A``
(``penalty`` per triggered record relative to the target's mean, so a cross effect enters
only when it explains more than that), scipy L-BFGS-B with the analytic gradient and
non-negativity bounds, with ``beta`` profiled over a grid. The likelihood is separable by
target row given ``beta``, which the likelihood-ratio test and the Laplace draws use.

Why not tick: tick 0.8 (``tick==0.8.0.2``) installs on Python 3.11 but its learners
(``HawkesExpKern``, ``HawkesADM4``, ``HawkesEM``) fail at construction there (tick issue
#521: ``AttributeError: ... no settable attribute``; checked again for issue 15), and they
fit continuous timestamps with unit marks and a constant baseline, none of which this
binned, clustered, moving-baseline model is. Its simulator works but simulates that
continuous process, not this one, so nothing here depends on tick.

Interpretation: :attr:`branching_ratio_` (spectral radius of ``A``: the mean number of
records descended from one record, below 1 for a stationary process),
:attr:`half_life_days_` (``ln 2 / beta`` periods in days), :meth:`excitation_test` (the
likelihood-ratio test of "source does not excite target") and :meth:`bootstrap` (parametric
bootstrap intervals of ``A``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import optimize, special, stats
from threadpoolctl import threadpool_limits

from forecast.errors import ArgumentError
from forecast.models.base import ConvergenceError, Forecaster
from forecast.models.distributions import SamplePaths

_LAWS = ("nb", "poisson")
_BASELINES = ("constant", "piecewise")
_MU_FLOOR = 1e-8
_LOG_ALPHA_BOUNDS = (-10.0, 4.0)
_ACTIVE = 1e-6  # excitation entries below this are zero for the Laplace draws
# Self-excitation bound: a series alone stays stationary and keeps >= 5% of its level in the baseline.
_SELF_CAP = 0.95


def excitation_features(counts: np.ndarray, beta: float) -> np.ndarray:
    """``X_j(d)``: decayed past counts of every series, shape ``(n_series, n_periods)``."""
    decay = np.exp(-beta)
    features = np.zeros_like(counts, dtype=float)
    state = np.zeros(counts.shape[0])
    for d in range(1, counts.shape[1]):
        state = decay * state + counts[:, d - 1]  # sum_s n(s) e^{-beta (d - 1 - s)}
        features[:, d] = (1 - decay) * state
    return features


def baseline_design(n_periods: int, block: int | None) -> np.ndarray:
    """Indicator ``(n_periods, n_blocks)`` of the baseline blocks, counted back from the last period.

    ``block=None`` is one block (a constant baseline); a first block shorter than ``block``
    joins the next one, so no block is shorter than ``block`` periods.
    """
    if block is None or block >= n_periods:
        return np.ones((n_periods, 1))
    index = (n_periods - 1 - np.arange(n_periods)) // block  # 0 = the last block
    index = np.minimum(index, max(n_periods // block - 1, 0))
    n_blocks = int(index.max()) + 1
    return (index[:, None] == np.arange(n_blocks)[::-1][None, :]).astype(float)


def _nb_terms(y: np.ndarray, rate: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """NB(mean ``rate``, dispersion ``alpha``) log-pmf, its derivative in the rate and in ``log alpha``."""
    r = 1.0 / alpha
    logpmf = (
        special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
        + r * np.log(r / (r + rate)) + y * np.log(rate / (r + rate))
    )
    d_rate = y / rate - (y + r) / (r + rate)
    d_r = special.digamma(y + r) - special.digamma(r) + np.log(r / (r + rate)) + 1 - (y + r) / (r + rate)
    return logpmf, d_rate, -r * d_r


def _rows_fit(
    counts: np.ndarray,
    features: np.ndarray,
    design: np.ndarray,
    law: str,
    weights: np.ndarray,
    free: np.ndarray,
    maxiter: int,
    start: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    upper: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Penalised MLE of the rows ``counts`` (targets) given every series' features.

    Parameters
    ----------
    counts : numpy.ndarray
        ``(m, T)`` counts of the target rows.
    features : numpy.ndarray
        ``(n, T)`` excitation features of every source series.
    design : numpy.ndarray
        ``(T, n_blocks)`` baseline blocks.
    law : {"nb", "poisson"}
    weights : numpy.ndarray
        ``(m, n)`` L1 weights on ``A``.
    free : numpy.ndarray
        ``(m, n)`` bool; ``False`` pins an entry of ``A`` at zero (the LR test's null).
    maxiter : int
    start : tuple, optional
        ``(mu, A, log_alpha)`` to start from.
    upper : numpy.ndarray, optional
        ``(m, n)`` upper bounds on ``A`` (the self-excitation cap); none by default.

    Returns
    -------
    tuple
        ``mu (m, n_blocks)``, ``A (m, n)``, ``alpha (m,)`` and the per-row log-likelihood
        ``(m,)`` (without the penalty).

    Raises
    ------
    ConvergenceError
        When L-BFGS-B stops without converging.
    """
    m, periods = counts.shape
    n, n_blocks = features.shape[0], design.shape[1]
    nb = law == "nb"
    rows_of, cols_of = np.nonzero(free)  # only free entries of A are variables
    sizes = (m * n_blocks, len(rows_of), m if nb else 0)
    # The optimiser works on scaled parameters: baselines in units of the target's mean
    # level and excitation in units of (target level / source feature level), and each row's
    # objective divided by its level. Rows share no parameters, so neither changes the
    # optimum, but both even out the curvature across series of very different volumes.
    level = np.maximum(counts.mean(axis=1), 0.1)  # (m,)
    source = np.maximum(features.mean(axis=1), 0.1)  # (n,)
    to_a = level[:, None] / source[None, :]

    def unpack(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mu = theta[: sizes[0]].reshape(m, n_blocks) * level[:, None]
        excitation = np.zeros((m, n))
        excitation[rows_of, cols_of] = theta[sizes[0] : sizes[0] + sizes[1]] * to_a[rows_of, cols_of]
        log_alpha = theta[sizes[0] + sizes[1] :] if nb else np.full(m, -np.inf)
        return mu, excitation, log_alpha

    def loglik_rows(theta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        mu, excitation, log_alpha = unpack(theta)
        rate = np.maximum(mu @ design.T + excitation @ features, 1e-12)
        if nb:
            logpmf, d_rate, d_log_alpha = _nb_terms(counts, rate, np.exp(log_alpha)[:, None])
            return logpmf, d_rate, d_log_alpha.sum(axis=1)
        logpmf = counts * np.log(rate) - rate - special.gammaln(counts + 1)
        return logpmf, counts / rate - 1.0, np.zeros(0)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        logpmf, d_rate, d_log_alpha = loglik_rows(theta)
        excitation = unpack(theta)[1]
        row = 1.0 / (level * periods)
        value = float(np.sum(row * (np.sum(weights * excitation, axis=1) - logpmf.sum(axis=1))))
        grad = np.concatenate([
            (-(d_rate @ design) * row[:, None] * level[:, None]).ravel(),
            ((weights - d_rate @ features.T) * row[:, None] * to_a)[rows_of, cols_of],
            -d_log_alpha * (row if nb else 1.0),
        ])
        return value, grad

    if start is None:
        blocks = np.maximum((counts @ design) / np.maximum(design.sum(axis=0), 1.0), 0.05)
        start = (0.7 * blocks, np.where(np.eye(m, n, dtype=bool), 0.2, 0.0), np.full(m, np.log(0.3)))
    theta0 = np.concatenate([
        (start[0] / level[:, None]).ravel(), (start[1] / to_a)[rows_of, cols_of], start[2] if nb else np.zeros(0)
    ])
    caps = np.full(sizes[1], np.inf) if upper is None else upper[rows_of, cols_of] / to_a[rows_of, cols_of]
    theta0[sizes[0] : sizes[0] + sizes[1]] = np.minimum(theta0[sizes[0] : sizes[0] + sizes[1]], caps)
    bounds = (
        [(_MU_FLOOR, None)] * sizes[0]
        + [(0.0, None if np.isinf(c) else float(c)) for c in caps]
        + [_LOG_ALPHA_BOUNDS] * sizes[2]
    )
    # L-BFGS-B calls BLAS on tiny vectors: extra BLAS threads only spin (5x slower on 2 busy cores).
    with threadpool_limits(limits=1, user_api="blas"):
        result = optimize.minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": maxiter})
    if not result.success or not np.isfinite(result.fun):
        raise ConvergenceError(f"MultivariateHawkes: L-BFGS-B did not converge ({result.message}); raise maxiter.")
    mu, excitation, log_alpha = unpack(result.x)
    return mu, excitation, np.exp(log_alpha), loglik_rows(result.x)[0].sum(axis=1)


class MultivariateHawkes(Forecaster):
    """Multivariate exponential-kernel Hawkes process on binned counts (see the module docstring).

    Parameters
    ----------
    decays : sequence of float
        Candidate kernel decay rates ``beta`` per period (mean lag ``1 / beta``); the one
        with the highest penalised likelihood is kept.
    baseline : {"constant", "piecewise"}
        One baseline rate per series, or one per block of ``block`` periods.
    block : int
        Periods per baseline block when ``baseline="piecewise"``.
    law : {"nb", "poisson"}
        Records per period: NB (Poisson clusters of logarithmic size) or Poisson (unit marks).
    penalty : float
        L1 weight on the off-diagonal excitation entries (0: plain MLE).
    max_sources : int
        Cross-excitation sources considered per target (screened by the lasso optimality
        check; 0 fits self-excitation only). ``n_series - 1`` or more tries every pair.
    dispersion_df : bool
        Scale each series' fitted NB dispersion by ``T / (T - p)`` (``T`` training periods,
        ``p`` its fitted parameters) for the forecasts: the in-sample fit of the baseline
        blocks and excitation absorbs part of the extra-Poisson variance, so the MLE
        dispersion of a short panel is too small and the upper tail too short.
    max_branching : float
        If the fitted excitation matrix has spectral radius above this, it is scaled down
        to it so that simulated paths stay stationary (reported in ``scaled_``).
    parameter_draws : bool
        Draw each path's parameters from the Laplace approximation (else the point estimate).
    n_paths : int
        Simulated paths.
    maxiter : int
        L-BFGS-B iterations per decay.
    seed : int
        Seed of the simulation.
    """

    def __init__(
        self,
        decays: Sequence[float] = (0.1, 0.3, 1.0, 3.0),
        baseline: str = "constant",
        block: int = 8,
        law: str = "nb",
        penalty: float = 0.0,
        max_sources: int = 3,
        dispersion_df: bool = False,
        max_branching: float = 0.95,
        parameter_draws: bool = True,
        n_paths: int = 500,
        maxiter: int = 2000,
        seed: int = 0,
    ) -> None:
        self.decays = decays
        self.baseline = baseline
        self.block = block
        self.law = law
        self.penalty = penalty
        self.max_sources = max_sources
        self.dispersion_df = dispersion_df
        self.max_branching = max_branching
        self.parameter_draws = parameter_draws
        self.n_paths = n_paths
        self.maxiter = maxiter
        self.seed = seed

    # -- fitting ---------------------------------------------------------------------
    def _validate(self) -> None:
        name = type(self).__name__
        if len(self.decays) < 1 or min(self.decays) <= 0:
            raise ArgumentError("decays", f"{name}: must be positive numbers, got {list(self.decays)}.")
        if self.baseline not in _BASELINES:
            raise ArgumentError("baseline", f"{name}: must be one of {_BASELINES}, got {self.baseline!r}.")
        if self.law not in _LAWS:
            raise ArgumentError("law", f"{name}: must be one of {_LAWS}, got {self.law!r}.")
        if int(self.block) < 1:
            raise ArgumentError("block", f"{name}: must be >= 1 period, got {self.block}.")
        if int(self.max_sources) < 0:
            raise ArgumentError("max_sources", f"{name}: must be >= 0, got {self.max_sources}.")
        if self.penalty < 0:
            raise ArgumentError("penalty", f"{name}: must be >= 0, got {self.penalty}.")
        if not 0 < self.max_branching < 1:
            raise ArgumentError("max_branching", f"{name}: must lie in (0, 1), got {self.max_branching}.")
        if int(self.n_paths) < 1:
            raise ArgumentError("n_paths", f"{name}: must be >= 1, got {self.n_paths}.")

    def _weights(self, y: np.ndarray, features: np.ndarray) -> np.ndarray:
        """L1 weights: ``penalty`` per unit of source feature, relative to the target's mean; diagonal free."""
        weights = self.penalty * features.sum(axis=1)[None, :] / (y.mean(axis=1)[:, None] + 1.0)
        np.fill_diagonal(weights, 0.0)
        return weights

    def _fit(self, y: np.ndarray) -> None:
        self._validate()
        self.design_ = baseline_design(y.shape[1], int(self.block) if self.baseline == "piecewise" else None)
        best = None
        for beta in sorted(float(b) for b in self.decays):
            fit, free, penalised = self._fit_decay(y, beta)
            if best is None or penalised > best[0]:
                best = (penalised, beta, fit, free)
        _, self.decay_, (mu, excitation, alpha, loglik), self.free_ = best
        self.baseline_, self.alpha_, self.loglik_ = mu, alpha, float(loglik.sum())
        self.fitted_excitation_ = excitation
        # Parameters per row: baseline blocks, non-zero excitation entries and the dispersion.
        n_params = self.design_.shape[1] + (excitation > _ACTIVE).sum(axis=1) + 1
        inflation = y.shape[1] / np.maximum(y.shape[1] - n_params, 1.0) if self.dispersion_df else 1.0
        self.forecast_alpha_ = alpha * inflation
        self.branching_ratio_ = _radius(excitation)
        # A radius at the self-excitation bound is common and, at the default cap, no scaling.
        self.scaled_ = self.branching_ratio_ > self.max_branching + 1e-9
        if self.scaled_:
            warnings.warn(
                f"{type(self).__name__}: fitted branching spectral radius {self.branching_ratio_:.2f} >= "
                f"max_branching; scaled to {self.max_branching} for simulation.",
                RuntimeWarning,
                stacklevel=3,
            )
            excitation = excitation * (self.max_branching / self.branching_ratio_)
        self.excitation_ = excitation
        self.spectral_radius_ = min(self.branching_ratio_, self.max_branching)
        period_days = float(np.median(np.diff(self.dates_.values).astype("timedelta64[s]").astype(float))) / 86400
        self.half_life_days_ = float(np.log(2) / self.decay_ * period_days)
        self.counts_ = y  # the LR test and the bootstrap refit on the training counts
        features = excitation_features(y, self.decay_)
        self.state_ = np.exp(-self.decay_) * features[:, -1] / (1 - np.exp(-self.decay_)) + y[:, -1]
        self.covariance_ = self._laplace(y, features) if self.parameter_draws else None
        self.baseline_drift_ = self._drift(y, features)

    def _fit_decay(self, y: np.ndarray, beta: float) -> tuple[tuple, np.ndarray, float]:
        """Fit at one decay with a screened active set; returns the fit, its free mask and penalised log-likelihood.

        Self-excitation is always free. Cross entries start at zero and enter where the
        penalised likelihood would rise if they left zero (the lasso's optimality check:
        score above the L1 weight), at most ``max_sources`` per target, the largest
        violations first; the refit starts from the diagonal fit.
        """
        features = excitation_features(y, beta)
        weights = self._weights(y, features)
        free = np.eye(y.shape[0], dtype=bool)
        upper = self._upper(np.arange(y.shape[0]))
        fit = _rows_fit(y, features, self.design_, self.law, weights, free, int(self.maxiter), upper=upper)
        if int(self.max_sources) > 0 and y.shape[0] > 1:
            mu, excitation, alpha, _ = fit
            rate = np.maximum(mu @ self.design_.T + excitation @ features, 1e-12)
            d_rate = _nb_terms(y, rate, alpha[:, None])[1] if self.law == "nb" else y / rate - 1.0
            violation = np.where(free, -np.inf, d_rate @ features.T - weights)
            k = min(int(self.max_sources), y.shape[0] - 1)
            top = np.argsort(-violation, axis=1)[:, :k]
            picked = np.zeros_like(free)
            np.put_along_axis(picked, top, True, axis=1)
            free = free | (picked & (violation > 0))
            if free.sum() > y.shape[0]:
                start = (mu, excitation, np.log(np.maximum(alpha, np.exp(_LOG_ALPHA_BOUNDS[0]))))
                fit = _rows_fit(y, features, self.design_, self.law, weights, free, int(self.maxiter), start, upper)
        return fit, free, float(fit[3].sum() - np.sum(weights * fit[1]))

    def _upper(self, rows: np.ndarray) -> np.ndarray:
        """Upper bounds on ``A`` for target ``rows``: self-excitation at most 0.95 (a series
        cannot be its own explosive cause), cross entries free."""
        upper = np.full((len(rows), len(self.ids_)), np.inf)
        upper[np.arange(len(rows)), rows] = _SELF_CAP
        return upper

    def _drift(self, y: np.ndarray, features: np.ndarray) -> float:
        """Standard deviation of the log baseline's step from one block to the next, pooled over series.

        The mean squared step less the estimation variance of the two blocks (Laplace,
        delta method); 0 with one block. Forecasts start a new block, so each path moves the
        last block's baseline by one such step.
        """
        n_blocks = self.design_.shape[1]
        if n_blocks < 2:
            return 0.0
        covariance = self.covariance_ or self._laplace(y, features)
        log_mu = np.log(self.baseline_)
        variance = np.array([(f[:n_blocks] ** 2).sum(axis=1) for _, f in covariance]) / self.baseline_**2
        steps = np.diff(log_mu, axis=1) ** 2 - (variance[:, 1:] + variance[:, :-1])
        return float(np.sqrt(max(np.mean(steps), 0.0)))

    def _laplace(self, y: np.ndarray, features: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per row: the indices of its active parameters (baseline blocks, then excitation
        entries) and the Cholesky factor of their covariance (inverse expected information)."""
        rate = self.baseline_ @ self.design_.T + self.fitted_excitation_ @ features
        rate = np.maximum(rate, 1e-12)
        info_weight = 1.0 / (rate + self.alpha_[:, None] * rate**2)  # NB (Poisson at alpha 0) Fisher weight
        n_blocks = self.design_.shape[1]
        rows = []
        for i in range(y.shape[0]):
            active = np.flatnonzero(self.fitted_excitation_[i] > _ACTIVE)
            z = np.hstack([self.design_, features[active].T])
            info = (z * info_weight[i][:, None]).T @ z
            cov = np.linalg.pinv(info, hermitian=True)
            values, vectors = np.linalg.eigh((cov + cov.T) / 2)
            factor = vectors * np.sqrt(np.clip(values, 0.0, None))
            rows.append((np.concatenate([np.arange(n_blocks), n_blocks + active]), factor))
        return rows

    # -- forecasting -----------------------------------------------------------------
    def _parameter_paths(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """Per path, the last block's baselines ``(paths, n)`` and excitation matrices ``(paths, n, n)``."""
        n, n_blocks, paths = len(self.ids_), self.design_.shape[1], int(self.n_paths)
        mu = np.repeat(self.baseline_[None, :, -1], paths, axis=0)
        excitation = np.repeat(self.excitation_[None], paths, axis=0)
        drift = self.baseline_drift_
        mu = mu * np.exp(drift * rng.standard_normal(mu.shape) - drift**2 / 2)  # mean-preserving step
        if self.covariance_ is None:
            return mu, excitation
        scale = self.excitation_ / np.where(self.fitted_excitation_ > 0, self.fitted_excitation_, 1.0)
        for i, (index, factor) in enumerate(self.covariance_):
            point = np.concatenate([self.baseline_[i], self.fitted_excitation_[i]])[index]
            draws = point + rng.standard_normal((paths, factor.shape[1])) @ factor.T
            last = index == n_blocks - 1
            mu[:, i] *= np.maximum(draws[:, last][:, 0], _MU_FLOOR) / self.baseline_[i, -1]
            sources = index[index >= n_blocks] - n_blocks
            excitation[:, i, sources] = np.maximum(draws[:, index >= n_blocks], 0.0) * scale[i, sources]
        # A draw beyond max_branching is scaled back to it, as the point estimate is.
        # The largest column sum bounds the radius: eigenvalues only where it exceeds the cap.
        over = excitation.sum(axis=1).max(axis=1) > self.max_branching
        radius = np.ones(paths)
        with threadpool_limits(limits=1, user_api="blas"):
            radius[over] = [_radius(a) for a in excitation[over]]
        over &= radius > self.max_branching
        excitation[over] *= (self.max_branching / radius[over])[:, None, None]
        return mu, excitation

    def _distribution(self, h: int) -> SamplePaths:
        """Simulate the binned process ``h`` periods on, each path with its own parameter draw."""
        rng = np.random.default_rng(self.seed)
        mu, excitation = self._parameter_paths(rng)
        decay = np.exp(-self.decay_)
        state = np.repeat(self.state_[None, :], int(self.n_paths), axis=0)  # (paths, n)
        counts = np.zeros((len(self.ids_), h, int(self.n_paths)))
        for step in range(h):
            rate = mu + np.einsum("pij,pj->pi", excitation, (1 - decay) * state)
            if self.law == "nb":
                rate = rng.gamma(1.0 / self.forecast_alpha_, self.forecast_alpha_ * rate)
            draw = rng.poisson(rate)
            counts[:, step, :] = draw.T
            state = decay * state + draw
        return SamplePaths(paths=counts)

    # -- interpretation --------------------------------------------------------------
    def report(self) -> dict[str, object]:
        """Fitted baselines (last block), excitation matrix, dispersion and summaries, labelled by series."""
        self._check_fitted()
        return {
            "decay": self.decay_,
            "half_life_days": self.half_life_days_,
            "baseline": dict(zip(self.ids_, self.baseline_[:, -1].tolist())),
            "dispersion": dict(zip(self.ids_, self.alpha_.tolist())),
            "excitation": {
                target: dict(zip(self.ids_, row.tolist())) for target, row in zip(self.ids_, self.fitted_excitation_)
            },
            "branching_ratio": self.branching_ratio_,
            "spectral_radius": self.spectral_radius_,
        }

    def _index(self, name: str, what: str) -> int:
        if name not in self.ids_:
            raise ArgumentError(what, f"{type(self).__name__}: no series {name!r}; series are {self.ids_[:5]}...")
        return self.ids_.index(name)

    def excitation_test(self, source: str, target: str) -> dict[str, float]:
        """Likelihood-ratio test of "``source`` does not excite ``target``" (``A[target, source] = 0``).

        Both fits are unpenalised at the fitted decay and use the target row's fitted
        active set (its self-excitation and screened sources) plus ``source``; only that row
        is refitted, the likelihood being separable by row. The null lies on the boundary
        ``A >= 0``, so the statistic is a 50:50 mixture of a point mass at 0 and
        chi-square(1): ``p = 0.5 P(chi2_1 > LR)`` for ``LR > 0`` and 1 at ``LR = 0``.

        Returns
        -------
        dict
            ``statistic`` (``2 (l_full - l_null)``, >= 0) and ``p_value``.
        """
        self._check_fitted()
        j, i = self._index(source, "source"), self._index(target, "target")
        return self._lr_test(j, i, excitation_features(self.counts_, self.decay_))

    def _lr_test(self, j: int, i: int, features: np.ndarray) -> dict[str, float]:
        """:meth:`excitation_test` of source ``j`` on target ``i``, given the training features."""
        free = self.free_[i : i + 1].copy()
        free[0, j] = True
        zero = np.zeros((1, len(self.ids_)))
        row = self.counts_[i : i + 1]
        upper = self._upper(np.array([i]))
        full = _rows_fit(row, features, self.design_, self.law, zero, free, int(self.maxiter), upper=upper)[3][0]
        free[0, j] = False
        null = _rows_fit(row, features, self.design_, self.law, zero, free, int(self.maxiter), upper=upper)[3][0]
        statistic = max(2.0 * (full - null), 0.0)
        p_value = 1.0 if statistic <= 1e-9 else 0.5 * float(stats.chi2.sf(statistic, 1))
        return {"statistic": statistic, "p_value": p_value}

    def excitation_p_values(self) -> np.ndarray:
        """LR-test p-values of every entry the fit left non-zero; NaN where the fitted entry is zero."""
        self._check_fitted()
        p = np.full(self.fitted_excitation_.shape, np.nan)
        features = excitation_features(self.counts_, self.decay_)  # shared by every entry's test
        for i, j in zip(*np.nonzero(self.fitted_excitation_ > _ACTIVE)):
            p[i, j] = self._lr_test(j, i, features)["p_value"]
        return p

    def simulate(self, n_periods: int, rng: np.random.Generator) -> np.ndarray:
        """Counts ``(n_series, n_periods)`` of the fitted process from an empty past (the likelihood's start).

        The baseline blocks are those of the training panel when ``n_periods`` is its length,
        else the last block's rates throughout.
        """
        self._check_fitted()
        mu = (self.baseline_ @ self.design_.T) if n_periods == self.counts_.shape[1] else np.repeat(
            self.baseline_[:, -1:], n_periods, axis=1)
        decay, state = np.exp(-self.decay_), np.zeros(len(self.ids_))
        out = np.zeros((len(self.ids_), n_periods))
        for d in range(n_periods):
            rate = mu[:, d] + self.excitation_ @ ((1 - decay) * state)
            if self.law == "nb":
                rate = rng.gamma(1.0 / self.alpha_, self.alpha_ * rate)
            out[:, d] = rng.poisson(rate)
            state = decay * state + out[:, d]
        return out

    def bootstrap(self, n_boot: int = 200, level: float = 0.9, rng: np.random.Generator | None = None) -> dict[str, np.ndarray]:
        """Parametric-bootstrap percentile intervals of the excitation matrix.

        Each replicate simulates a panel as long as the training one from the fitted
        process (:meth:`simulate`) and refits it at the fitted decay and penalty on the
        fitted active set (``free_``), so the intervals are conditional on ``beta`` and on
        the screening; entries outside the active set are zero in every replicate.

        Returns
        -------
        dict
            ``lower``, ``upper`` ``(n, n)`` bounds and ``replicates`` ``(n_boot, n, n)``.
        """
        self._check_fitted()
        if not 0 < level < 1 or n_boot < 2:
            raise ArgumentError("level", f"bootstrap needs 0 < level < 1 and n_boot >= 2, got {level}, {n_boot}.")
        rng = rng if rng is not None else np.random.default_rng(self.seed)
        n = len(self.ids_)
        replicates = np.empty((n_boot, n, n))
        for b in range(n_boot):
            y = self.simulate(self.counts_.shape[1], rng)
            features = excitation_features(y, self.decay_)
            replicates[b] = _rows_fit(y, features, self.design_, self.law, self._weights(y, features),
                                      self.free_, int(self.maxiter), upper=self._upper(np.arange(n)))[1]
        tail = (1 - level) / 2
        lower, upper = np.quantile(replicates, [tail, 1 - tail], axis=0)
        return {"lower": lower, "upper": upper, "replicates": replicates}


def _radius(matrix: np.ndarray) -> float:
    """Spectral radius (0 for an empty matrix)."""
    return float(np.max(np.abs(np.linalg.eigvals(matrix)))) if matrix.size else 0.0
