"""The CountDistribution interface: the scorer needs nothing but it, and every law meets it.

A new law is one subclass: the toy laws below live in this file only and run through the
real backtest and metrics, scored against scipy references computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.backtest import BacktestSpec, distribution_scores, metrics_table, overall, rolling_origin
from forecast.backtest.scoring import LOG_SCORE_FLOOR
from forecast.models.base import Forecaster
from forecast.models.distributions import (
    CountDistribution,
    NegativeBinomial,
    PoissonLogNormal,
    QuantileGrid,
    SamplePaths,
)

N_TRIALS = 12


@dataclass(frozen=True)
class ToyBinomial(CountDistribution):
    """Binomial(n, p) counts: a bounded support, so the default (zero) tail_rps holds."""

    n: int
    p: np.ndarray

    def mean(self) -> np.ndarray:
        return self.n * np.asarray(self.p, dtype=float)

    def quantile(self, q: float) -> np.ndarray:
        return stats.binom.ppf(q, self.n, self.p)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        p = np.asarray(self.p, dtype=float)
        return stats.binom.cdf(k, self.n, p[(..., *(None,) * (k.ndim - p.ndim))])

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        p = np.asarray(self.p, dtype=float)[..., None]
        return rng.binomial(self.n, np.broadcast_to(p, (*p.shape[:-1], n_samples))).astype(float)

    def support_end(self) -> np.ndarray:
        return np.full(np.shape(self.p), float(self.n))

    def take(self, rows: np.ndarray) -> ToyBinomial:
        return ToyBinomial(n=self.n, p=np.asarray(self.p).ravel()[rows][:, None])


@dataclass(frozen=True)
class ToyGeometric(CountDistribution):
    """Failures before the first success, ``P(Y > k) = q**(k + 1)``, with a grid ended early on purpose.

    The grid stops at the mean, so most of the RPS comes from :meth:`tail_rps`
    (``sum_{k > end} q**(2k + 2) = P(Y > end)**2 q**2 / (1 - q**2)``).
    """

    q: np.ndarray

    def mean(self) -> np.ndarray:
        return self.q / (1.0 - self.q)

    def quantile(self, level: float) -> np.ndarray:
        return stats.geom.ppf(level, 1.0 - self.q, loc=-1)

    def cdf(self, k: np.ndarray) -> np.ndarray:
        k = np.asarray(k, dtype=float)
        return stats.geom.cdf(k, 1.0 - self.q[(..., *(None,) * (k.ndim - self.q.ndim))], loc=-1)

    def sample(self, n_samples: int, rng: np.random.Generator) -> np.ndarray:
        return rng.geometric(1.0 - np.repeat(self.q[..., None], n_samples, axis=-1)) - 1.0

    def support_end(self) -> np.ndarray:
        return np.ceil(self.mean())

    def take(self, rows: np.ndarray) -> ToyGeometric:
        return ToyGeometric(q=self.q.ravel()[rows][:, None])

    def tail_rps(self, end: int, survival: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        q = self.q.ravel()
        return survival**2 * q**2 / (1.0 - q**2)


class ToyBinomialForecaster(Forecaster):
    """Binomial(n_trials, mean / n_trials) at every horizon, the mean taken over the training panel."""

    def __init__(self, n_trials: int = N_TRIALS) -> None:
        self.n_trials = n_trials

    def _fit(self, y: np.ndarray) -> None:
        self.p_ = np.clip(y.mean(axis=1) / self.n_trials, 0.0, 1.0)

    def _distribution(self, h: int) -> ToyBinomial:
        return ToyBinomial(n=self.n_trials, p=np.repeat(self.p_[:, None], h, axis=1))


def _binomial_panel() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    dates = pd.date_range("2022-01-03", periods=24, freq="W-MON")
    return pd.concat(
        [
            pd.DataFrame({"unique_id": uid, "ds": dates, "y": rng.binomial(N_TRIALS, p, size=dates.size).astype(float)})
            for uid, p in (("a", 0.15), ("b", 0.5), ("c", 0.85))
        ],
        ignore_index=True,
    )


def _reference_rps(cdf_row: np.ndarray, y: float) -> float:
    """``sum_k (F(k) - 1{y <= k})**2`` over ``k = 0..len(cdf_row) - 1``, written out."""
    return float(sum((f - (y <= k)) ** 2 for k, f in enumerate(cdf_row)))


def test_a_toy_law_runs_end_to_end_through_the_backtest_and_metrics():
    panel = _binomial_panel()
    spec = BacktestSpec(horizon=3, n_windows=3, step=2, quantiles=(0.1, 0.5, 0.9), n_samples=0)
    backtest = rolling_origin(panel, {"toy": ToyBinomialForecaster()}, spec)
    assert len(backtest) == 3 * 3 * 3

    # Reference: refit p by hand on each cutoff's training rows, score with scipy.
    k = np.arange(N_TRIALS + 1)
    rps, log_score, mean, median = [], [], [], []
    for row in backtest.itertuples():
        train = panel[(panel["unique_id"] == row.unique_id) & (panel["ds"] <= row.cutoff)]
        p = train["y"].mean() / N_TRIALS
        rps.append(_reference_rps(stats.binom.cdf(k, N_TRIALS, p), row.y))
        log_score.append(-np.log(max(stats.binom.pmf(row.y, N_TRIALS, p), LOG_SCORE_FLOOR)))
        mean.append(N_TRIALS * p)
        median.append(stats.binom.ppf(0.5, N_TRIALS, p))
    np.testing.assert_allclose(backtest["rps"], rps, rtol=1e-12)
    np.testing.assert_allclose(backtest["log_score"], log_score, rtol=1e-12)
    np.testing.assert_allclose(backtest["mean"], mean, rtol=1e-12)
    np.testing.assert_array_equal(backtest["q0.5"], median)

    table = overall(metrics_table(backtest)).set_index("metric")["value"]
    assert table["crps"] == pytest.approx(np.mean(rps), rel=1e-12)
    assert table["log_score"] == pytest.approx(np.mean(log_score), rel=1e-12)
    assert table["mae"] == pytest.approx(np.mean(np.abs(backtest["y"] - np.array(mean))), rel=1e-12)
    by_series = metrics_table(backtest).query("metric == 'crps' and unique_id == 'b'")["value"].item()
    assert by_series == pytest.approx(np.mean(np.array(rps)[backtest["unique_id"] == "b"]), rel=1e-12)


def test_a_toy_law_with_an_unbounded_support_is_scored_through_its_tail_rps():
    q = np.array([[0.3, 0.8], [0.95, 0.6]])
    y = np.array([[0.0, 9.0], [40.0, 2.0]])
    scores = distribution_scores(ToyGeometric(q), y, np.array([1.0, 3.0]), 0, np.random.default_rng(0))
    k = np.arange(3000)  # q**6000 < 1e-130: the sum is complete
    expected = [[_reference_rps(stats.geom.cdf(k, 1 - q[i, j], loc=-1), y[i, j]) for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(scores["rps"], expected, rtol=1e-12)
    np.testing.assert_allclose(scores["log_score"], -np.log(stats.geom.pmf(y, 1 - q, loc=-1)), rtol=1e-12)
    np.testing.assert_allclose(scores["p_spike"], q ** (np.array([[1.0], [3.0]]) + 1), rtol=1e-12)


def test_the_shared_pmf_is_the_cdf_difference():
    p = np.array([[0.2, 0.7]])
    counts = np.array([[[-1.0, 0.0, 3.0, 12.0, 13.0]] * 2])
    law = ToyBinomial(n=N_TRIALS, p=p)
    np.testing.assert_allclose(law.pmf(counts), stats.binom.pmf(counts, N_TRIALS, p[..., None]), atol=1e-15)


def test_a_law_missing_part_of_the_interface_cannot_be_built():
    class NoSupportEnd(CountDistribution):
        def mean(self):
            return np.zeros((1, 1))

        def quantile(self, q):
            return np.zeros((1, 1))

        def cdf(self, k):
            return np.ones(np.shape(k))

        def sample(self, n_samples, rng):
            return np.zeros((1, 1, n_samples))

        def take(self, rows):
            return self

    with pytest.raises(TypeError, match="support_end"):
        NoSupportEnd()


# -- the four shipped laws: support_end, tail_rps, take --------------------------------


def test_negative_binomial_support_end_is_mean_plus_twelve_sd_plus_twenty():
    law = NegativeBinomial(mu=np.array([[4.0, 2.25, 0.0]]), alpha=np.array([[0.5, 0.0, 1.0]]))
    # 4 + 12 sqrt(4 + 8) + 20 = 65.57; 2.25 + 12 * 1.5 + 20 = 40.25; 0 + 0 + 20
    np.testing.assert_array_equal(law.support_end(), [[66.0, 41.0, 20.0]])


def test_negative_binomial_tail_rps_is_exact_for_the_geometric_and_zero_for_the_poisson():
    # alpha = 1 is the geometric with q = mu / (1 + mu): the series is the exact tail sum.
    mu, end = np.array([[3.0], [0.7]]), 5
    law = NegativeBinomial(mu=mu, alpha=np.ones_like(mu))
    survival = stats.nbinom.sf(end, 1.0, 1.0 / (1.0 + mu[:, 0]))
    k = np.arange(end + 1, 4000)
    expected = (stats.nbinom.sf(k, 1.0, 1.0 / (1.0 + mu)) ** 2).sum(axis=1)
    np.testing.assert_allclose(law.tail_rps(end, survival), expected, rtol=1e-10)
    poisson = NegativeBinomial(mu=mu, alpha=np.zeros_like(mu))
    np.testing.assert_array_equal(poisson.tail_rps(end, stats.poisson.sf(end, mu[:, 0])), [0.0, 0.0])


def test_negative_binomial_cdf_grid_matches_scipy():
    mu, alpha = np.array([[0.0, 3.5], [250.0, 12.0]]), np.array([[0.4, 0.0], [2.0, 1e-9]])
    grid = NegativeBinomial(mu=mu, alpha=alpha).cdf_grid(400)
    k = np.arange(400)
    size = 1.0 / np.maximum(alpha, 1e-8)
    expected = np.where(
        (alpha <= 1e-8)[..., None],
        stats.poisson.cdf(k, mu[..., None]),
        stats.nbinom.cdf(k, size[..., None], (size / (size + mu))[..., None]),
    )
    np.testing.assert_allclose(grid, expected, rtol=1e-9, atol=1e-14)


def _lognormal_mixture_sf(mu: float, alpha: float, k: np.ndarray) -> np.ndarray:
    """Poisson survival function mixed over a dense trapezoid grid of the normal shock."""
    z = np.linspace(-9.0, 9.0, 721)
    weights = stats.norm.pdf(z) * (z[1] - z[0])
    s = np.sqrt(np.log1p(alpha))
    rates = mu * np.exp(s * z - s**2 / 2)
    return weights @ stats.poisson.sf(k[None, :], rates[:, None])


@pytest.mark.parametrize(("mu", "alpha", "rtol"), [(5.0, 0.1, 1e-9), (2.0, 0.5, 1e-4)])
def test_poisson_lognormal_support_end_is_its_0999_quantile_and_tail_rps_the_rest_of_the_sum(mu, alpha, rtol):
    # Moderate dispersions, where the 40-node Gauss-Hermite CDF agrees with the dense
    # mixture to ~1e-8; the trapezoid tail sum then carries the rest of the error.
    law = PoissonLogNormal(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
    k = np.arange(0, 30_000)
    sf = _lognormal_mixture_sf(mu, alpha, k)
    end = int(law.support_end()[0, 0])
    assert end == np.argmax(sf <= 1e-3)  # smallest k with P(Y <= k) >= 0.999
    tail = law.tail_rps(end, np.array([sf[end]]))
    np.testing.assert_allclose(tail, [(sf[end + 1 :] ** 2).sum()], rtol=rtol)


def test_sample_paths_end_at_the_largest_draw_with_no_tail():
    paths = np.array([[[0.0, 4.0, 1.0], [2.0, 2.0, 0.0]], [[7.0, 3.0, 3.0], [0.0, 0.0, 0.0]]])
    law = SamplePaths(paths)
    np.testing.assert_array_equal(law.support_end(), [[4.0, 2.0], [7.0, 0.0]])
    np.testing.assert_array_equal(law.tail_rps(7, np.zeros(4)), np.zeros(4))
    picked = law.take(np.array([2, 1]))
    np.testing.assert_array_equal(picked.paths, [[[7.0, 3.0, 3.0]], [[2.0, 2.0, 0.0]]])


def test_quantile_grid_ends_above_its_top_rounded_quantile_with_no_tail():
    levels = np.array([0.1, 0.5, 0.9])
    values = np.array([[[0.0, 1.0, 3.2], [-3.0, -2.5, -2.0]], [[1.0, 4.0, 5.5], [2.0, 2.0, 2.0]]])
    law = QuantileGrid(levels=levels, values=values, point=np.array([[1.2, 0.0], [3.5, 2.0]]))
    # ceil(top + 1/2) floored at 0: round(Q(U)) never exceeds it.
    np.testing.assert_array_equal(law.support_end(), [[4.0, 0.0], [6.0, 3.0]])
    np.testing.assert_array_equal(law.cdf(law.support_end()), np.ones((2, 2)))
    np.testing.assert_array_equal(law.tail_rps(6, np.zeros(4)), np.zeros(4))
    picked = law.take(np.array([3, 0]))
    np.testing.assert_array_equal(picked.values, [[[2.0, 2.0, 2.0]], [[0.0, 1.0, 3.2]]])
    np.testing.assert_array_equal(picked.point, [[2.0], [1.2]])
    np.testing.assert_array_equal(picked.levels, levels)


@pytest.mark.parametrize("law_class", [NegativeBinomial, PoissonLogNormal])
def test_mean_dispersion_laws_take_rows_with_a_broadcast_dispersion(law_class):
    mu = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    picked = law_class(mu=mu, alpha=np.array([[0.1], [0.7]])).take(np.array([5, 0, 4]))
    assert type(picked) is law_class
    np.testing.assert_array_equal(picked.mu, [[6.0], [1.0], [5.0]])
    np.testing.assert_array_equal(picked.alpha, [[0.7], [0.1], [0.7]])
