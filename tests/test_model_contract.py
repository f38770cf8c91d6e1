"""One contract, checked for every model config in conf/model/."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from forecast.cli.instantiate import build
from forecast.models import Forecaster
from tests.helpers import compose_config, model_config_names, nb_panel

H = 5
QUANTILES = (0.1, 0.5, 0.9)


def make_model(name: str) -> Forecaster:
    cfg = compose_config([f"model={name}"])
    (key,) = cfg.model.keys()
    return build(cfg.model[key], where=f"model.{key}")


@pytest.fixture(params=model_config_names())
def model(request) -> Forecaster:
    return make_model(request.param)


def test_fit_returns_self_and_leaves_hyperparameters_alone(model):
    before = copy.deepcopy(model.get_params())
    assert model.fit(nb_panel()) is model
    assert model.get_params() == before
    assert not hasattr(model.clone(), "ids_")
    assert model.clone().get_params() == before


def test_predict_shape_index_and_support(model):
    panel = nb_panel()
    forecast = model.fit(panel).predict(H, QUANTILES)
    assert list(forecast.columns) == ["unique_id", "ds", "model", "mean", "q0.1", "q0.5", "q0.9"]
    assert len(forecast) == 3 * H
    expected_dates = pd.date_range(panel["ds"].max(), periods=H + 1, freq="W-MON")[1:]
    for _, group in forecast.groupby("unique_id"):
        assert list(group["ds"]) == list(expected_dates)
    values = forecast[["mean", "q0.1", "q0.5", "q0.9"]].to_numpy()
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    assert np.all(np.diff(forecast[["q0.1", "q0.5", "q0.9"]].to_numpy(), axis=1) >= 0)
    # Count distributions: integer support.
    assert np.all(forecast[["q0.1", "q0.5", "q0.9"]].to_numpy() % 1 == 0)


def test_refit_is_idempotent(model):
    other = nb_panel(seed=99)
    refitted = model.fit(nb_panel()).fit(other).predict(H, QUANTILES)
    fresh = model.clone().fit(other).predict(H, QUANTILES)
    pd.testing.assert_frame_equal(refitted, fresh)


def test_same_seed_same_numbers(model):
    panel = nb_panel()
    first = model.fit(panel).predict(H, QUANTILES)
    second = model.clone().fit(panel).predict(H, QUANTILES)
    pd.testing.assert_frame_equal(first, second)
    draws = model.sample(H, 50)
    assert draws.shape == (3, H, 50)
    np.testing.assert_array_equal(draws, model.sample(H, 50))


def test_unfitted_and_bad_panels_fail_clearly(model):
    with pytest.raises(RuntimeError, match="not fitted"):
        model.clone().predict(H)
    panel = nb_panel()
    with pytest.raises(ValueError, match="negative counts"):
        model.clone().fit(panel.assign(y=panel["y"] - 100))
    gappy = panel[panel["ds"] != panel["ds"].unique()[10]]
    with pytest.raises(ValueError, match="regular calendar grid"):
        model.clone().fit(gappy)


def test_recommended_model_has_a_config_and_is_in_the_default_run():
    from forecast.models import RECOMMENDED_MODEL

    cfg = compose_config()
    assert RECOMMENDED_MODEL in model_config_names() and RECOMMENDED_MODEL in cfg.model
    assert cfg.report.model is None  # the report speaks for the run's lowest backtest CRPS unless pinned
