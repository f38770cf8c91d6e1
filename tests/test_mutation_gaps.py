"""Behaviour that surviving mutants showed no test pinned (issue 19), against hand-computed values.

Each test names the behaviour, not the mutant; docs/testing.md lists which survivors they answer.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, block_bootstrap_ci, final_forecasts, leaderboard, rolling_origin, run_backtest
from forecast.backtest.metrics import central_levels, evaluate, poisson_deviance
from forecast.errors import ArgumentError
from forecast.models import CRPSWeightedEnsemble, Forecaster, Naive, Zero
from forecast.models.base import ModelFitError
from forecast.models.distributions import NegativeBinomial, QuantileGrid, SamplePaths, nb_dispersion
from forecast.series import SeriesSpec, build_panel, period_grid
from forecast.series.measures import source_volume
from forecast.series.sql import duckdb_runner
from tests.helpers import nb_panel
from tests.test_failures import Boom, NoZeros, with_zero_series
from tests.test_series_gaps import FAMILIES, HOLE, HOLE_COVER, weekly_events

class PooledNaive(Naive):
    """Naive declared as pooling: the backtest fits it on the whole panel, never in chunks."""

    pools_series = True


SPEC = BacktestSpec(horizon=2, n_windows=2, step=2, quantiles=(0.1, 0.5, 0.9), n_samples=10)


# -- backtest.splits ---------------------------------------------------------------------------------


def test_a_fallback_that_fails_everywhere_leaves_the_other_failures_recorded():
    # NoZeros fails on the all-zero s1 only; the fallback Boom fails on every series, so it has
    # no rows to lend: s1 stays a failure of nz (no fallback note), nothing raises.
    panel = with_zero_series(nb_panel())
    spec = BacktestSpec(**{**SPEC.__dict__, "fallback": "boom"})
    for result in (run_backtest(panel, {"nz": NoZeros(), "boom": Boom()}, spec),
                   final_forecasts(panel, {"nz": NoZeros(), "boom": Boom()}, spec)):
        assert sorted(result.frame["unique_id"].unique()) == ["s0", "s2"]
        assert set(result.frame["model"]) == {"nz"}
        nz = result.failures[result.failures["model"] == "nz"]
        assert nz["unique_id"].unique().tolist() == ["s1"]
        assert not nz["reason"].str.contains("fallback").any()
        assert sorted(result.failures.loc[result.failures["model"] == "boom", "unique_id"].unique()) == ["s0", "s1", "s2"]


def test_final_forecasts_refuse_a_fallback_that_is_not_a_model():
    with pytest.raises(ArgumentError, match=r"^backtest.fallback: 'zero' is not a model of this run; choose one of \['naive'\]"):
        final_forecasts(nb_panel(), {"naive": Naive()}, BacktestSpec(**{**SPEC.__dict__, "fallback": "zero"}))


def test_final_forecasts_failures_have_a_fresh_index():
    # Two models fail on three series between them: rows 0, 1, 2, not 0, 0, 1.
    panel = with_zero_series(with_zero_series(nb_panel(), "s1"), "s2")
    result = final_forecasts(panel, {"nz": NoZeros(), "nz2": NoZeros()}, SPEC)
    assert result.failures["unique_id"].tolist() == ["s1", "s2", "s1", "s2"]
    assert result.failures.index.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("chunk_size", [1, 2])
def test_chunks_of_series_score_every_series_as_the_whole_panel_does(chunk_size):
    # Naive is fitted chunk by chunk, PooledNaive on the whole panel (a task of its own):
    # both in one run. Chunks change only the seeds of the draws (crps_sample).
    panel = nb_panel(n_series=3, n_periods=24)
    models = {"naive": Naive(), "pooled": PooledNaive()}
    whole = run_backtest(panel, models, SPEC).frame
    chunked = run_backtest(panel, models, BacktestSpec(**{**SPEC.__dict__, "chunk_size": chunk_size})).frame
    assert len(chunked) == len(whole) == 3 * 2 * 2 * 2  # series x models x cutoffs x leads
    pd.testing.assert_frame_equal(chunked.drop(columns="crps_sample"), whole.drop(columns="crps_sample"))


def test_chunk_size_one_is_allowed_and_zero_refused_naming_the_key():
    assert BacktestSpec(chunk_size=1).chunk_size == 1
    with pytest.raises(ArgumentError, match=r"^chunk_size: must be >= 1 or null, got 0\.$") as caught:
        BacktestSpec(chunk_size=0)
    assert caught.value.argument == "chunk_size"


def test_a_strict_backtest_names_the_first_three_series_without_history():
    # s1..s4 start after the first cutoff (2021-03-08, the 10th of 14 weeks: 14 - 2 - 2).
    panel = nb_panel(n_series=5, n_periods=14)
    late = panel["unique_id"].ne("s0") & (panel["ds"] < pd.Timestamp("2021-03-22"))
    with pytest.raises(ModelFitError, match=r"^series \['s1', 's2', 's3'\] have no observation up to the cutoff 2021-03-08\.$"):
        rolling_origin(panel[~late], {"naive": Naive()}, SPEC)


# -- models.ensembles --------------------------------------------------------------------------------


class Tenth(Forecaster):
    """A point mass at 0.1 whatever the data."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        self.n_series_ = y.shape[0]

    def _distribution(self, h: int) -> SamplePaths:
        return SamplePaths(paths=np.full((self.n_series_, h, 1), 0.1))


def test_crps_weights_reach_the_optimum_of_a_gentle_loss():
    # Zero and Tenth Vincentised with weights (1 - w, w) are a point mass at 0.1 w; against a
    # constant 0.03 its CRPS is 0.1 |w - 0.3|, least at w = 0.3. The loss moves by < 1e-4 over
    # scipy's default first simplex around theta = 0, where a search stops at equal weights.
    dates = pd.date_range("2021-01-04", periods=20, freq="W-MON")
    panel = pd.DataFrame({"unique_id": "a", "ds": dates, "y": 0.03})
    ensemble = CRPSWeightedEnsemble(members=[Zero(), Tenth()], n_windows=1, horizon=2, n_paths=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no solver warning (an unknown option is one)
        ensemble.fit(panel)
    # Deterministic (point masses): the stopping rule (xatol 1e-3 on theta, fatol 1e-4) lands within 5e-4.
    np.testing.assert_allclose(ensemble.weights_, [0.7, 0.3], atol=5e-4)
    np.testing.assert_allclose(ensemble.window_crps_, [0.03, 0.07])


# -- backtest.metrics --------------------------------------------------------------------------------


def test_poisson_deviance_of_a_zero_count_is_finite_and_silent():
    # y = 0: 2 (0 - (0 - mu)) = 2 mu; y = mu: 0; y = 1, mu = 0: the mean is floored at 1e-6.
    frame = pd.DataFrame({"y": [0.0, 2.0, 1.0], "mean": [1.0, 2.0, 0.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) and 0 * -inf stay inside the function
        deviance = poisson_deviance(frame)
    np.testing.assert_allclose(deviance, [2.0, 0.0, 2.0 * (np.log(1e6) - (1.0 - 1e-6))])


def test_calibration_gap_stays_with_its_model_when_the_backtest_is_not_sorted():
    # Model "z" (first in the frame) hits its median exactly: gap 0. Model "a" lies above its
    # median every time: P(y <= q0.5) = 0, gap 0.5 - 0 = 0.5.
    backtest = pd.DataFrame({"model": ["z", "z", "a", "a"], "y": [1.0, 2.0, 5.0, 5.0], "mean": 1.0, "q0.5": [1.0, 2.0, 0.0, 0.0]})
    table = evaluate(backtest).set_index(["model", "metric"])["value"]
    assert table[("z", "calibration_gap")] == 0.0 and table[("a", "calibration_gap")] == 0.5


def test_central_levels_pair_levels_written_with_more_than_ten_decimals():
    # Terciles as computed (1/3, 2/3) bound the central interval, both rounded to ten decimals as their columns are.
    assert central_levels([1 / 3, 2 / 3]) == [0.3333333334]  # 1 - 2 x 0.3333333333
    assert central_levels([0.1, 0.5, 0.9, 0.05]) == [0.8]


# -- backtest.compare --------------------------------------------------------------------------------


def test_the_bootstrap_uses_2000_replicates_by_default():
    d = np.random.default_rng(3).normal(0.2, 1.0, size=60)
    default = block_bootstrap_ci(d, block=3, rng=np.random.default_rng(5))
    assert default == block_bootstrap_ci(d, block=3, rng=np.random.default_rng(5), n_boot=2000)
    assert default != block_bootstrap_ci(d, block=3, rng=np.random.default_rng(5), n_boot=2001)


def test_the_leaderboard_uses_2000_bootstrap_replicates_by_default():
    # 4 series x 10 cutoffs x 2 leads: enough distinct resampled means that one replicate more moves a percentile.
    spec = BacktestSpec(horizon=2, n_windows=10, step=1, n_samples=0)
    backtest = rolling_origin(nb_panel(n_series=4, n_periods=40), {"naive": Naive(), "zero": Zero()}, spec)
    columns = ["ci_low", "ci_high"]
    default = leaderboard(backtest, "crps")[columns]
    pd.testing.assert_frame_equal(default, leaderboard(backtest, "crps", n_boot=2000)[columns])
    assert not default.equals(leaderboard(backtest, "crps", n_boot=2001)[columns])


# -- series ------------------------------------------------------------------------------------------


def test_max_empty_periods_zero_is_allowed_and_a_negative_refused_naming_the_key():
    assert SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=0).max_empty_periods == 0
    with pytest.raises(ArgumentError, match=r"^max_empty_periods: must be >= 0 or null, got -1\.$") as caught:
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=-1)
    assert caught.value.argument == "max_empty_periods"


def test_the_gap_warning_in_full():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], span="all")
    with pytest.warns(UserWarning) as caught:
        period_grid(HOLE_COVER, spec, source_volume(HOLE, spec.freq))
    assert [str(w.message) for w in caught] == [
        "series: 10 of 20 W-SUN periods lie in runs of more than 4 periods without any source event; they are gaps "
        "in the data, left out (not zero-filled). Set series.max_empty_periods to change the limit."
    ]


def test_mostly_empty_means_more_than_half_and_the_warning_in_full():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=None)
    half = weekly_events(list(range(10)))  # 10 of the 20 weeks empty: half, not most
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(period_grid(HOLE_COVER, spec, source_volume(half, spec.freq))) == 20
    with pytest.warns(UserWarning) as caught:
        period_grid(HOLE_COVER, spec, source_volume(weekly_events(list(range(9))), spec.freq))
    assert [str(w.message) for w in caught] == [
        "series: 55.0% of the 20 W-SUN periods of the coverage have no event of the source at all; coverage taken "
        "from first to last event date is mostly missing data, not quiet periods."
    ]


def test_a_calendar_outside_the_coverage_is_one_error_not_a_warning_too():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], start="2019-01-01")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="no complete W-SUN period inside the coverage"):
            period_grid(HOLE_COVER, spec, source_volume(HOLE, spec.freq))


def test_build_panel_aggregates_with_the_runner_it_is_given():
    seen = []

    def runner(sql, table):
        seen.append(table.num_rows)
        return duckdb_runner(sql, table)

    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], max_empty_periods=None)
    panel = build_panel(HOLE, spec, FAMILIES, HOLE_COVER, sql=runner)
    assert seen == [10]  # one aggregation over the ten events
    pd.testing.assert_frame_equal(panel, build_panel(HOLE, spec, FAMILIES, HOLE_COVER))


# -- models.distributions ----------------------------------------------------------------------------


def test_nb_dispersion_of_a_series_without_fitted_mass_is_zero_and_silent():
    # Rows: zero fitted and zero observed (0 / 0), zero fitted and counts (5 / 0), and one by hand:
    # excess = (0 - 2)^2 - 2 + (4 - 2)^2 - 2 = 4 over sum f^2 = 8 -> 0.5.
    y = np.array([[0.0, 0.0], [1.0, 2.0], [0.0, 4.0]])
    fitted = np.array([[0.0, 0.0], [0.0, 0.0], [2.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(nb_dispersion(y, fitted), [0.0, 0.0, 0.5])


def test_a_zero_mean_negative_binomial_grid_is_a_silent_point_mass_at_zero():
    dist = NegativeBinomial(mu=np.array([[0.0, 2.0]]), alpha=np.array([[0.5, 0.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log(0) of the zero mean stays inside cdf_grid
        grid = dist.cdf_grid(3)
    np.testing.assert_allclose(grid[0, 0], [1.0, 1.0, 1.0])
    np.testing.assert_allclose(grid[0, 1], [np.exp(-2.0), 3 * np.exp(-2.0), 5 * np.exp(-2.0)])  # Poisson(2)


def test_a_quantile_grid_with_tied_quantiles_has_a_silent_cdf():
    # Quantiles 2.5, 2.5, 4 at levels 0.1, 0.5, 0.9. Y = round(Q(U)) <= k when Q(U) < k + 1/2:
    # k = 0 and k = 2 lie at or below the tie (0); k = 3: 0.5 + (3.5 - 2.5) / 1.5 x 0.4; k = 5: 1.
    dist = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[2.5, 2.5, 4.0]]]), point=np.array([[3.0]]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the tie's zero width (0 / 0 and x / 0) is never used
        cdf = dist.cdf(np.array([[[0.0, 2.0, 3.0, 5.0]]]))
    np.testing.assert_allclose(cdf[0, 0], [0.0, 0.0, 0.5 + 0.4 / 1.5, 1.0])
