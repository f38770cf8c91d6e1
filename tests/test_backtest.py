"""Rolling-origin splits, leakage, and metrics against hand-computed values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, cutoffs, evaluate, interval_hit, pinball_loss, rolling_origin
from forecast.instantiate import build
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
def test_no_leakage_after_cutoff(name):
    """Forecasts made at a cutoff do not change when every later value changes."""
    cfg = compose_config([f"model={name}"])
    (key,) = cfg.model.keys()
    model = build(cfg.model[key], where=f"model.{key}")
    panel = nb_panel(n_periods=36)
    spec = BacktestSpec(horizon=4, n_windows=2, step=4, quantiles=(0.1, 0.5, 0.9))
    base = rolling_origin(panel, {name: model}, spec)
    first_cutoff = base["cutoff"].min()
    tampered = panel.copy()
    later = tampered["ds"] > first_cutoff
    tampered.loc[later, "y"] = tampered.loc[later, "y"] * 3 + 50
    changed = rolling_origin(tampered, {name: model}, spec)
    cols = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    pd.testing.assert_frame_equal(
        base[base["cutoff"] == first_cutoff][cols].reset_index(drop=True),
        changed[changed["cutoff"] == first_cutoff][cols].reset_index(drop=True),
    )
    assert not base[["y"]].equals(changed[["y"]])


def test_metrics_by_hand():
    frame = pd.DataFrame(
        {"model": ["m", "m"], "y": [3.0, 0.0], "mean": [5.0, 1.0], "q0.1": [1.0, 1.0], "q0.5": [4.0, 1.0], "q0.9": [5.0, 2.0]}
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
