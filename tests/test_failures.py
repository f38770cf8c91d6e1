"""Failure isolation: a model that raises, or a series it cannot fit, is recorded and the rest is scored."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import FAILURE_COLUMNS, BacktestSpec, final_forecasts, rolling_origin, run_backtest
from forecast.cli.run import run_from_config
from forecast.errors import ArgumentError
from forecast.models import Forecaster, Naive, NegativeBinomialGLM, WindowAverage
from forecast.models.base import ConvergenceError, ModelFitError
from forecast.models.distributions import NegativeBinomial
from tests.helpers import compose_config, nb_panel

SPEC = BacktestSpec(horizon=2, n_windows=2, step=2, quantiles=(0.1, 0.5, 0.9), n_samples=10)


class Boom(Forecaster):
    """A model that always raises."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        raise RuntimeError("boom")


class NoZeros(Forecaster):
    """A local model (each series on its own) that cannot fit an all-zero series."""

    pools_series = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def _fit(self, y: np.ndarray) -> None:
        if (y.max(axis=1) == 0).any():
            raise ModelFitError("an all-zero series")
        self.mu_ = y.mean(axis=1)

    def _distribution(self, h: int) -> NegativeBinomial:
        return NegativeBinomial(mu=np.repeat(self.mu_[:, None], h, axis=1), alpha=np.full((len(self.mu_), h), 0.1))


def with_zero_series(panel: pd.DataFrame, uid: str = "s1") -> pd.DataFrame:
    return panel.assign(y=panel["y"].where(panel["unique_id"] != uid, 0.0))


def constant_panel() -> pd.DataFrame:
    """An all-zero and a constant weekly series (0 and 50 for 150 weeks): nb_glm does not converge.

    The all-zero series sends its intercept to the boundary at every cutoff, whatever the
    statsmodels release (two constant non-zero series converged at some cutoffs in 0.15).
    """
    dates = pd.date_range("2021-01-04", periods=150, freq="W-MON")
    return pd.concat([pd.DataFrame({"unique_id": f"c{i}", "ds": dates, "y": 50.0 * i}) for i in range(2)])


def test_a_raising_model_is_recorded_for_every_series_and_cutoff_and_the_others_are_scored():
    panel = nb_panel(n_series=3, n_periods=30)
    result = run_backtest(panel, {"naive": Naive(), "boom": Boom()}, SPEC)
    assert set(result.frame["model"]) == {"naive"}
    assert len(result.frame) == 3 * 2 * 2  # series x cutoffs x horizon
    failures = result.failures
    assert list(failures.columns) == list(FAILURE_COLUMNS)
    assert len(failures) == 3 * 2 and set(failures["model"]) == {"boom"} and set(failures["stage"]) == {"backtest"}
    assert sorted(failures["cutoff"].unique()) == sorted(result.frame["cutoff"].unique())
    assert failures["reason"].str.contains("whole-panel fit failed .*RuntimeError: boom").all()
    final = final_forecasts(panel, {"naive": Naive(), "boom": Boom()}, SPEC)
    assert set(final.frame["model"]) == {"naive"} and len(final.frame) == 3 * 2
    assert set(final.failures["stage"]) == {"forecast"} and final.failures["cutoff"].eq(panel["ds"].max()).all()


def test_a_local_model_is_refitted_series_by_series_so_only_the_failing_series_is_lost():
    panel = with_zero_series(nb_panel(n_series=3, n_periods=30))
    result = run_backtest(panel, {"nozeros": NoZeros()}, SPEC)
    assert sorted(result.frame["unique_id"].unique()) == ["s0", "s2"]
    assert result.failures["unique_id"].tolist() == ["s1", "s1"]
    assert result.failures["reason"].eq("ModelFitError: an all-zero series").all()
    # The surviving series are forecast exactly as a panel fit without s1 would.
    alone = NoZeros().fit(panel[panel["unique_id"] != "s1"]).predict(2, SPEC.quantiles)
    final = final_forecasts(panel, {"nozeros": NoZeros()}, SPEC).frame
    np.testing.assert_allclose(final["mean"].to_numpy(), alone["mean"].to_numpy())


def test_a_length_two_series_does_not_abort_the_backtest():
    panel = nb_panel(n_series=3, n_periods=30)
    dates = sorted(panel["ds"].unique())  # cutoffs at indices 25 and 27
    short = panel[(panel["unique_id"] != "s2") | (panel["ds"] >= dates[24])]  # s2: 2 periods at the first cutoff
    result = run_backtest(short, {"naive": Naive(), "nb_glm": NegativeBinomialGLM(n_paths=50)}, SPEC)
    naive = result.frame[result.frame["model"] == "naive"]
    assert naive.groupby("cutoff")["unique_id"].unique().map(sorted).tolist() == [["s0", "s1"], ["s0", "s1", "s2"]]
    naive_failures = result.failures[result.failures["model"] == "naive"]
    assert naive_failures[["unique_id", "cutoff"]].values.tolist() == [["s2", dates[25]]]
    assert naive_failures["reason"].str.contains("PanelError: .*fewer than 3 periods").all()
    # The pooled model cannot fit a ragged panel at all: every series recorded, and said so.
    pooled = result.failures[result.failures["model"] == "nb_glm"]
    assert len(pooled) == 3 * 2 and pooled["reason"].str.contains("pools series.*PanelError: series \\['s2'\\]").all()


def test_a_series_without_history_at_the_cutoff_is_recorded():
    panel = nb_panel(n_series=3, n_periods=30)
    late = panel[(panel["unique_id"] != "s2") | (panel["ds"] >= panel["ds"].max() - pd.Timedelta(weeks=1))]
    result = run_backtest(late, {"naive": Naive()}, SPEC)
    assert sorted(result.frame["unique_id"].unique()) == ["s0", "s1"]
    assert result.failures["unique_id"].tolist() == ["s2", "s2"]
    assert result.failures["reason"].eq("DataError: no observation up to the cutoff").all()


def test_non_converged_nb_glm_is_recorded_not_forecast():
    result = run_backtest(constant_panel(), {"naive": Naive(), "nb_glm": NegativeBinomialGLM(cross_dyad=True, trend=False)}, SPEC)
    assert set(result.frame["model"]) == {"naive"}
    nb = result.failures[result.failures["model"] == "nb_glm"]
    assert len(nb) == 2 * 2 and nb["reason"].str.contains("ConvergenceError: NegativeBinomialGLM: the statsmodels fit did not converge").all()


def test_fallback_forecasts_the_failed_series_only_when_named():
    models = {"naive": Naive(), "nb_glm": NegativeBinomialGLM(cross_dyad=True, trend=False)}
    spec = BacktestSpec(**{**SPEC.__dict__, "fallback": "naive"})
    result = run_backtest(constant_panel(), models, spec)
    nb_rows = result.frame[result.frame["model"] == "nb_glm"].drop(columns="model").reset_index(drop=True)
    naive_rows = result.frame[result.frame["model"] == "naive"].drop(columns="model").reset_index(drop=True)
    pd.testing.assert_frame_equal(nb_rows, naive_rows)
    assert result.failures["reason"].str.endswith("; forecast by fallback 'naive'").all() and len(result.failures) == 4
    final = final_forecasts(constant_panel(), models, spec)
    assert final.frame.groupby("model").size().to_dict() == {"naive": 4, "nb_glm": 4}
    assert final.failures["reason"].str.endswith("; forecast by fallback 'naive'").all()


def test_fallback_must_be_a_model_of_the_run():
    with pytest.raises(ArgumentError, match=r"^backtest.fallback: 'zero' is not a model of this run; choose one of \['naive'\]"):
        run_backtest(nb_panel(), {"naive": Naive()}, BacktestSpec(**{**SPEC.__dict__, "fallback": "zero"}))


def test_strict_rolling_origin_raises_the_model_error():
    with pytest.raises(RuntimeError, match="boom"):
        rolling_origin(nb_panel(n_periods=30), {"boom": Boom()}, SPEC)
    with pytest.raises(ConvergenceError, match="did not converge"):
        rolling_origin(constant_panel(), {"nb_glm": NegativeBinomialGLM(trend=False)}, SPEC)


@pytest.mark.slow
def test_pipeline_writes_failures_csv_and_scores_the_other_models(tmp_path):
    path = tmp_path / "panel.csv"
    nb_panel(n_series=2, n_periods=30).assign(y=0.0).to_csv(path, index=False)  # all zero: no hurdle to fit
    cfg = compose_config(["data=panel", f"data.path={path}", "model=[naive,hurdle_glm]", "backtest.n_windows=2", "backtest.step=2"])
    run_dir = run_from_config(cfg, tmp_path / "run")
    failures = pd.read_csv(run_dir / "failures.csv")
    assert list(failures.columns) == list(FAILURE_COLUMNS)
    assert set(failures["model"]) == {"hurdle_glm"} and set(failures["stage"]) == {"backtest", "forecast"}
    assert len(failures) == 2 * 2 + 2  # 2 series x 2 cutoffs, and both series in the final forecast
    assert failures["reason"].str.contains("needs both zero and positive counts").all()
    metrics = pd.read_csv(run_dir / "metrics.csv")
    assert "naive" in set(metrics["model"]) and "hurdle_glm" not in set(metrics["model"])
    assert set(pd.read_parquet(run_dir / "forecasts.parquet")["model"]) == {"naive"}


def test_a_hyperparameter_the_panel_cannot_meet_is_recorded_with_the_argument():
    result = run_backtest(nb_panel(n_periods=30), {"naive": Naive(), "mean40": WindowAverage(window=40)}, SPEC)
    assert set(result.frame["model"]) == {"naive"}
    failures = result.failures
    assert len(failures) == 3 * 2 and failures["reason"].str.startswith("ArgumentError: window: WindowAverage window=40").all()


def test_a_run_where_every_model_fails_everywhere_says_so(tmp_path):
    path = tmp_path / "panel.csv"
    nb_panel(n_series=2, n_periods=30).assign(y=0.0).to_csv(path, index=False)
    cfg = compose_config(["data=panel", f"data.path={path}", "model=[hurdle_glm]", "backtest.n_windows=1", "evaluation.reference=null"])
    with pytest.raises(ModelFitError, match=r"no model could forecast any series .*hurdle_glm: .*needs both zero and positive"):
        run_from_config(cfg, tmp_path / "run")
    assert len(pd.read_csv(tmp_path / "run" / "failures.csv")) == 2


@pytest.mark.parametrize("chunk_size", [1, 2])
def test_a_series_that_ends_before_the_cutoff_fails_in_any_chunk(chunk_size):
    # s1 ends at week 19 of 30, before both cutoffs (weeks 23 and 25). In the whole panel it fails
    # ("ends at ..., before the panel's ..."); alone in its chunk it fitted as a panel of its own and
    # forecast weeks 20-23, dated before the cutoff and scored against nothing.
    panel = nb_panel(n_series=3, n_periods=30)
    dates = sorted(panel["ds"].unique())
    ended = panel[(panel["unique_id"] != "s1") | (panel["ds"] <= dates[19])]
    spec = BacktestSpec(horizon=4, n_windows=2, step=2, quantiles=(0.1, 0.5, 0.9), n_samples=0)
    whole = run_backtest(ended, {"naive": Naive()}, spec)
    chunked = run_backtest(ended, {"naive": Naive()}, dataclasses.replace(spec, chunk_size=chunk_size))
    assert sorted(whole.failures["unique_id"]) == ["s1", "s1"]
    assert whole.failures["reason"].str.contains("'s1' ends at").all()
    pd.testing.assert_frame_equal(chunked.failures, whole.failures)
    pd.testing.assert_frame_equal(chunked.frame, whole.frame)
    assert (chunked.frame["ds"] > chunked.frame["cutoff"]).all()


def test_a_hole_in_the_dates_after_a_cutoff_leaves_its_periods_unobserved():
    # series.span=all keeps a gap in the data as missing dates: weeks 20 and 21 are absent. From
    # the cutoff at week 17 naive forecasts weeks 18-21; weeks 20-21 were scored against weeks
    # 22-23, the next observed ones, instead of being unobserved.
    weeks = pd.date_range("2021-01-04", periods=32, freq="W-MON")
    dates = weeks.delete([20, 21])
    panel = pd.concat([pd.DataFrame({"unique_id": u, "ds": dates, "y": np.arange(30.0) + 100 * i}) for i, u in enumerate("ab")])
    spec = BacktestSpec(horizon=4, n_windows=2, step=8, quantiles=(0.1, 0.5, 0.9), n_samples=0)
    result = run_backtest(panel, {"naive": Naive()}, spec)
    first = result.frame[result.frame["cutoff"] == weeks[17]]
    assert first["ds"].tolist() == [*weeks[18:22]] * 2
    truth = panel.set_index(["unique_id", "ds"])["y"]
    expected = [truth.get((u, d), np.nan) for u, d in zip(first["unique_id"], first["ds"])]
    np.testing.assert_array_equal(first["y"], expected)  # 18, 19, NaN, NaN and 118, 119, NaN, NaN
    assert first["rps"].isna().tolist() == [False, False, True, True] * 2
