"""Behaviour that surviving mutants showed no test pinned (issue 19), against hand-computed values.

Each test names the behaviour, not the mutant; docs/testing.md lists which survivors they answer.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, final_forecasts, rolling_origin, run_backtest
from forecast.errors import ArgumentError
from forecast.models import CRPSWeightedEnsemble, Forecaster, Naive, Zero
from forecast.models.base import ModelFitError
from forecast.models.distributions import SamplePaths
from tests.helpers import nb_panel
from tests.test_failures import Boom, NoZeros, with_zero_series

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
    np.testing.assert_allclose(ensemble.weights_, [0.7, 0.3], atol=2e-3)
    np.testing.assert_allclose(ensemble.window_crps_, [0.03, 0.07])
