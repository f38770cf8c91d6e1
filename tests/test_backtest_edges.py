"""Edges of the backtest scorers that the mutation run found unguarded.

A single draw per row still gets a sample CRPS (``|x - y|``); a support grid wider than
the block budget allows 256 rows is scored in smaller blocks; a law whose tail term is
computed from the grid's last count sees that count, not a neighbour; per-row losses keep
the backtest's own index; the backtest's progress bar counts model fits; final forecasts
keep each whole-panel fit, a fresh index and one-line reasons.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from forecast.backtest.metrics import row_scores
from forecast.backtest.scoring import distribution_scores
from forecast.backtest.splits import BacktestSpec, final_forecasts, rolling_origin
from forecast.models import Naive, Zero
from forecast.models.base import Forecaster, ModelFitError
from forecast.models.distributions import NegativeBinomial, SamplePaths
from forecast.progress import progress_mode
from tests.test_count_law_protocol import ToyGeometric


class GeometricTailFromEnd(ToyGeometric):
    """The toy geometric law whose tail term uses the grid's last count ``end`` only.

    ``sum_{k > end} P(Y > k)**2 = sum_{k > end} q**(2k + 2) = q**(2 end + 4) / (1 - q**2)``.
    """

    def tail_rps(self, end: int, survival: np.ndarray, head: np.ndarray | None = None) -> np.ndarray:
        q = self.q.ravel()
        return q ** (2 * end + 4) / (1.0 - q**2)

    def take(self, rows: np.ndarray) -> GeometricTailFromEnd:
        return GeometricTailFromEnd(q=self.q.ravel()[rows][:, None])


def test_a_tail_term_from_the_last_count_gets_the_last_count_of_the_grid() -> None:
    q = np.array([[0.6, 0.9], [0.3, 0.75]])
    y = np.array([[2.0, 11.0], [0.0, 3.0]])
    scores = distribution_scores(GeometricTailFromEnd(q), y, np.array([1.0, 1.0]), 0, np.random.default_rng(0))
    k = np.arange(2000)  # q**4000 is negligible: the sum is complete
    expected = [[float(((stats.geom.cdf(k, 1 - q[i, j], loc=-1) - (y[i, j] <= k)) ** 2).sum()) for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(scores["rps"], expected, rtol=1e-12)


def test_one_draw_per_row_is_scored_by_its_distance_to_the_outcome() -> None:
    # The CRPS of a one-member ensemble is |x - y| (its spread term is 0).
    law = SamplePaths(np.array([[[3.0, 9.0], [0.0, 4.0]]]))
    y = np.array([[5.0, 1.0]])
    rng = np.random.default_rng(12)
    scores = distribution_scores(law, y, np.array([2.0]), 1, rng)
    draw = law.sample(1, np.random.default_rng(12))[..., 0]
    np.testing.assert_allclose(scores["crps_sample"], np.abs(draw - y), rtol=1e-12)


def test_a_grid_too_wide_for_a_full_block_is_scored_in_smaller_blocks() -> None:
    # A point mass at 100 000 (a grid of 100 001 counts: 20e6 cells hold 199 such rows) and
    # y = 0: F(k) = 0 < 1 = 1{0 <= k} for k < 100 000, so the RPS is 100 000; y = 100 000 scores 0.
    law = SamplePaths(np.full((1, 2, 3), 100_000.0))
    scores = distribution_scores(law, np.array([[0.0, 100_000.0]]), np.array([5.0]), 0, np.random.default_rng(0))
    np.testing.assert_array_equal(scores["rps"], [[100_000.0, 0.0]])


def test_row_scores_keep_the_backtests_index() -> None:
    # Rows in a shuffled, non-default index (as after filtering a backtest): the deviance
    # 2 (y log(y / mu) - (y - mu)) stays with its row.
    backtest = pd.DataFrame({"y": [0.0, 4.0, 2.0], "mean": [1.0, 2.0, 2.0]}, index=[7, 3, 12])
    scores = row_scores(backtest)
    expected = [2.0 * (0.0 - (0.0 - 1.0)), 2.0 * (4.0 * np.log(2.0) - 2.0), 0.0]
    assert list(scores.index) == [7, 3, 12]
    np.testing.assert_allclose(scores["poisson_deviance"], expected, rtol=1e-12)
    np.testing.assert_array_equal(scores["mae"], [1.0, 2.0, 0.0])


def test_the_backtest_bar_counts_fits(capsys, monkeypatch) -> None:
    # The bar's unit is one model fit at one cutoff: tqdm's first render reads "0/4 [..., ?fit/s]".
    monkeypatch.delenv("FORECAST_QUIET", raising=False)
    panel = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2020-01-06", periods=16, freq="W-MON"), "y": 3.0})
    with progress_mode("always"):
        rolling_origin(panel, {"naive": Naive(), "zero": Zero()}, BacktestSpec(horizon=2, n_windows=2, step=1, n_samples=0))
    err = capsys.readouterr().err
    assert "backtest:" in err and " 0/4 " in err and "?fit/s" in err


# -- final forecasts: the fitted models, the frames and the failure reasons ------------------------------


class LineBreak(Forecaster):
    """A local model whose error message spans two lines, for the all-zero series only."""

    pools_series = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        if (y.max(axis=1) == 0).any():
            raise ModelFitError("an all-zero series\nsee the panel")
        self.mu_ = y.mean(axis=1)

    def _distribution(self, h: int) -> NegativeBinomial:
        return NegativeBinomial(mu=np.repeat(self.mu_[:, None], h, axis=1), alpha=np.full((len(self.mu_), h), 0.1))


class PooledBoom(Forecaster):
    """A pooling model that always raises."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        raise RuntimeError("boom")


def _two_series(zero: bool) -> pd.DataFrame:
    dates = pd.date_range("2021-01-04", periods=12, freq="W-MON")
    return pd.DataFrame(
        {"unique_id": np.repeat(["a", "b"], 12), "ds": np.tile(dates, 2), "y": np.r_[np.full(12, 4.0), np.full(12, 0.0 if zero else 6.0)]}
    )


def test_final_forecasts_keep_each_whole_panel_fit_and_a_fresh_index() -> None:
    spec = BacktestSpec(horizon=3, n_windows=2, step=1, quantiles=(0.5,), n_samples=0, fallback="naive")
    clean = final_forecasts(_two_series(zero=False), {"naive": Naive(), "local": LineBreak()}, spec)
    assert set(clean.fitted) == {"naive", "local"} and isinstance(clean.fitted["local"], LineBreak)
    assert clean.fitted["local"].ids_ == ["a", "b"] and clean.failures.empty
    pd.testing.assert_index_equal(clean.frame.index, pd.RangeIndex(12))
    # Series b fails alone: the local model is refitted series by series (so it has no one
    # whole-panel fit), b is forecast by the fallback, and the reason is one line.
    result = final_forecasts(_two_series(zero=True), {"naive": Naive(), "local": LineBreak()}, spec)
    assert set(result.fitted) == {"naive"}
    pd.testing.assert_index_equal(result.frame.index, pd.RangeIndex(12))
    assert result.frame.groupby("model").size().to_dict() == {"local": 6, "naive": 6}
    assert result.failures.to_dict("records") == [
        {
            "model": "local",
            "unique_id": "b",
            "cutoff": pd.Timestamp("2021-03-22"),
            "stage": "forecast",
            "reason": "ModelFitError: an all-zero series see the panel; forecast by fallback 'naive'",
        }
    ]
    pd.testing.assert_index_equal(result.failures.index, pd.RangeIndex(1))


def test_a_two_series_local_model_is_refitted_series_by_series_and_one_series_has_no_pooling_note() -> None:
    spec = BacktestSpec(horizon=2, n_windows=2, step=1, quantiles=(0.5,), n_samples=0)
    two = final_forecasts(_two_series(zero=True), {"local": LineBreak()}, spec)
    assert list(two.frame["unique_id"].unique()) == ["a"] and list(two.failures["unique_id"]) == ["b"]
    one = final_forecasts(_two_series(zero=False).query("unique_id == 'a'"), {"pooled": PooledBoom()}, spec)
    assert list(one.failures["reason"]) == ["RuntimeError: boom"]


def test_failure_reasons_of_a_pooled_panel_and_of_a_ragged_series() -> None:
    spec = BacktestSpec(horizon=2, n_windows=2, step=1, quantiles=(0.5,), n_samples=0)
    pooled = final_forecasts(_two_series(zero=False), {"pooled": PooledBoom()}, spec)
    note = "whole-panel fit failed (the model pools series, so every series fails with it): RuntimeError: boom"
    assert list(pooled.failures["reason"]) == [note, note]
    # Series a ends two weeks early and b is all zeros: the panel fit fails, and the retry
    # series by series names each series' own problem.
    panel = _two_series(zero=True)
    ragged = panel[(panel["unique_id"] == "b") | (panel["ds"] <= "2021-03-08")]
    result = final_forecasts(ragged, {"local": LineBreak()}, spec)
    assert dict(zip(result.failures["unique_id"], result.failures["reason"])) == {
        "a": "ModelFitError: series 'a' ends at 2021-03-08, before the panel's 2021-03-22.",
        "b": "ModelFitError: an all-zero series see the panel",
    }
