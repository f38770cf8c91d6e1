"""Rolling-origin splits, leakage, and metrics against hand-computed values."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import (
    BacktestSpec,
    cutoffs,
    distribution_scores,
    evaluate,
    interval_hit,
    pinball_loss,
    rolling_origin,
    splits,
)
from forecast.cli.instantiate import build
from forecast.errors import ArgumentError
from forecast.models import Naive
from tests.helpers import compose_config, model_config_names, nb_panel


def test_cutoffs_by_hand():
    dates = pd.date_range("2021-01-04", periods=20, freq="W-MON")
    spec = BacktestSpec(horizon=4, n_windows=3, step=2)
    # last cutoff leaves exactly 4 periods: index 15; then 13 and 11
    assert cutoffs(dates, spec) == [dates[11], dates[13], dates[15]]


def test_protocol_that_does_not_fit_is_explained():
    dates = pd.date_range("2021-01-04", periods=20, freq="W-MON")
    with pytest.raises(ValueError, match="needs 16 scored periods"):
        cutoffs(dates, BacktestSpec(horizon=4, n_windows=7, step=2))


@pytest.mark.parametrize("name", model_config_names())
def test_no_leakage_after_cutoff(name, monkeypatch):
    """Forecasts made at a cutoff, and the sample paths scored, do not change when every later value changes."""
    cfg = compose_config([f"model={name}"])
    (key,) = cfg.model.keys()
    model = build(cfg.model[key], where=f"model.{key}")
    panel = nb_panel(n_periods=36)
    spec = BacktestSpec(horizon=4, n_windows=2, step=4, quantiles=(0.1, 0.5, 0.9), n_samples=20)

    def run(frame):
        # Capture the draws of every distribution the backtest scores, in call order.
        draws = []

        def spy(dist, y, threshold, n_samples, rng):
            draws.append(dist.sample(50, np.random.default_rng(0)))
            return distribution_scores(dist, y, threshold, n_samples, rng)

        monkeypatch.setattr(splits, "distribution_scores", spy)
        return rolling_origin(frame, {name: model}, spec), draws

    base, base_draws = run(panel)
    first_cutoff = base["cutoff"].min()
    tampered = panel.copy()
    later = tampered["ds"] > first_cutoff
    tampered.loc[later, "y"] = tampered.loc[later, "y"] * 3 + 50
    changed, changed_draws = run(tampered)
    cols = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9", "horizon", "scale_abs", "scale_sq", "spike_threshold"]
    pd.testing.assert_frame_equal(
        base[base["cutoff"] == first_cutoff][cols].reset_index(drop=True),
        changed[changed["cutoff"] == first_cutoff][cols].reset_index(drop=True),
    )
    np.testing.assert_array_equal(base_draws[0], changed_draws[0])  # first cutoff's sample paths
    assert not base[["y"]].equals(changed[["y"]])


class _Recorder(Naive):
    """Naive that logs the length of every training panel."""

    log: ClassVar[list[tuple[str, int]]] = []

    def _fit(self, y):
        self.log.append(("fit", y.shape[1]))
        super()._fit(y)


def _record(spec, n_periods=30):
    _Recorder.log = []
    frame = rolling_origin(nb_panel(n_periods=n_periods), {"r": _Recorder()}, spec)
    return frame, list(_Recorder.log)


def test_expanding_and_sliding_training_windows():
    _, log = _record(BacktestSpec(horizon=3, n_windows=3, step=2))
    assert log == [("fit", 23), ("fit", 25), ("fit", 27)]  # 30 - 3 - 1 = index 26 -> 27 periods
    _, log = _record(BacktestSpec(horizon=3, n_windows=3, step=2, window="sliding", train_size=10))
    assert log == [("fit", 10)] * 3


def test_gap_skips_leads_and_shifts_cutoffs():
    frame, _ = _record(BacktestSpec(horizon=3, n_windows=2, step=3, gap=2))
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    assert sorted(frame["cutoff"].unique()) == [dates[21], dates[24]]  # 30 - (2 + 3) - 1 = 24
    assert sorted(frame["horizon"].unique()) == [3, 4, 5]
    first = frame[frame["cutoff"] == dates[24]]
    assert first["ds"].min() == dates[27] and first["ds"].max() == dates[29]
    assert frame["y"].notna().all()


def test_every_cutoff_fits_a_fresh_clone():
    model = _Recorder()
    _Recorder.log = []
    rolling_origin(nb_panel(n_periods=30), {"r": model}, BacktestSpec(horizon=2, n_windows=4, step=1))
    assert _Recorder.log == [("fit", 25), ("fit", 26), ("fit", 27), ("fit", 28)]
    assert not hasattr(model, "ids_")  # the configured model is never fitted itself


def test_single_window_and_step_longer_than_horizon():
    frame, _ = _record(BacktestSpec(horizon=2, n_windows=1, step=1))
    assert frame["cutoff"].nunique() == 1 and len(frame) == 3 * 2
    frame, _ = _record(BacktestSpec(horizon=2, n_windows=3, step=5))
    assert frame["cutoff"].diff().dropna().max() == pd.Timedelta(weeks=5)


@pytest.mark.parametrize(
    ("kwargs", "argument", "message"),
    [
        ({"window": "sliding"}, "train_size", "needs train_size"),
        ({"window": "rolling"}, "window", "must be 'expanding' or 'sliding'"),
        ({"step": 0}, "step", "must be >= 1, got 0"),
        ({"gap": -1}, "gap", "must be >= 0"),
        ({"train_size": -10}, "train_size", "must be >= 1 or null, got -10"),
        ({"train_size": 0}, "train_size", "must be >= 1 or null, got 0"),
        ({"window": "sliding", "train_size": -3}, "train_size", "must be >= 1 or null, got -3"),
        ({"quantiles": (0.0, 0.5)}, "quantiles", "must lie in \\(0, 1\\)"),
        ({"spike_quantile": 1.0}, "spike_quantile", "must lie in \\(0, 1\\)"),
    ],
)
def test_invalid_protocols_name_the_argument(kwargs, argument, message):
    with pytest.raises(ArgumentError, match=message) as caught:
        BacktestSpec(**kwargs)
    assert caught.value.argument == argument
    assert str(caught.value.under("backtest")).startswith(f"backtest.{argument}: ")


def test_gap_counts_in_the_fit_check():
    dates = pd.date_range("2021-01-04", periods=20, freq="W-MON")
    with pytest.raises(ValueError, match="needs 14 scored periods \\(gap 2 \\+ horizon 4"):
        cutoffs(dates, BacktestSpec(horizon=4, n_windows=5, step=2, gap=2))


def test_protocol_in_conf_is_valid():
    spec = build(compose_config().backtest, where="backtest")
    assert isinstance(spec, BacktestSpec) and spec.n_samples > 0


def test_metrics_by_hand():
    frame = pd.DataFrame(
        {
            "model": ["m", "m"],
            "y": [3.0, 0.0],
            "mean": [5.0, 1.0],
            "q0.1": [1.0, 1.0],
            "q0.5": [4.0, 1.0],
            "q0.9": [5.0, 2.0],
        }
    )
    # y=3, q0.9=5: diff -2 -> max(0.9*-2, -0.1*-2) = 0.2; q0.1=1: diff 2 -> 0.2
    np.testing.assert_allclose(pinball_loss(frame, 0.9), [0.2, 0.2])
    np.testing.assert_allclose(pinball_loss(frame, 0.1), [0.2, 0.9])
    assert interval_hit(frame, 0.8).tolist() == [True, False]
    table = evaluate(frame).set_index("metric")["value"]
    assert table["mae"] == 1.5  # (2 + 1) / 2
    assert table["rmse"] == np.sqrt((4 + 1) / 2)
    assert table["coverage_0.8"] == 0.5
    # CRPS approx = 2 * mean over levels of pinball, averaged over rows:
    # row 1: (0.2 + 0.5 + 0.2) / 3, row 2: (0.9 + 0.5 + 0.2) / 3
    assert table["crps_quantile"] == pytest.approx(2 * ((0.9 / 3) + (1.6 / 3)) / 2)


def test_quantile_grid_scores_match_a_hand_computed_rps():
    from forecast.backtest.scoring import distribution_scores
    from forecast.models.distributions import QuantileGrid

    # P(Y<=k) for k = 0..4: 0.2, 0.4, 0.6, 0.8, 1.0 (see the QuantileGrid cdf test).
    # RPS at y=1: sum_k (F(k) - 1{k>=1})^2 = 0.2^2 + 0.6^2 + 0.4^2 + 0.2^2 = 0.6
    grid = QuantileGrid(levels=np.array([0.1, 0.5, 0.9]), values=np.array([[[0.0, 2.0, 4.0]]]), point=np.array([[2.0]]))
    scores = distribution_scores(grid, np.array([[1.0]]), np.array([3.0]), 0, np.random.default_rng(0))
    assert scores["rps"][0, 0] == pytest.approx(0.6)
    assert scores["pit_hi"][0, 0] == pytest.approx(0.4) and scores["pit_lo"][0, 0] == pytest.approx(0.2)
