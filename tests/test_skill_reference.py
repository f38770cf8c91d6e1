"""An unknown skill reference is an error naming ``reference``, in skill and metrics_table alike."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, metrics_table, rolling_origin, skill
from forecast.backtest.metrics import evaluate
from forecast.errors import ArgumentError
from forecast.models import Naive, WindowAverage
from tests.helpers import nb_panel


@pytest.fixture(scope="module")
def backtest() -> pd.DataFrame:
    spec = BacktestSpec(horizon=2, n_windows=2, step=1, n_samples=0)
    return rolling_origin(nb_panel(n_series=2, n_periods=16), {"naive": Naive(), "mean4": WindowAverage(4)}, spec)


@pytest.mark.parametrize("call", [lambda b: metrics_table(b, "zero"), lambda b: skill(evaluate(b), "zero")])
def test_unknown_reference_raises_naming_the_argument_and_the_models(backtest, call):
    with pytest.raises(ArgumentError, match=r"^reference: model 'zero' is not in the run.*\['mean4', 'naive'\]") as caught:
        call(backtest)
    assert str(caught.value.under("evaluation")).startswith("evaluation.reference: model 'zero'")


def test_known_or_no_reference(backtest):
    with_skill = metrics_table(backtest, "naive")
    naive_crps = with_skill.query("model == 'naive' and metric == 'crps_skill'")["value"]
    assert (naive_crps == 0.0).all() and len(naive_crps) == 1 + 2 + 2  # overall, 2 series, 2 horizons
    without = metrics_table(backtest)
    assert not without["metric"].str.endswith("_skill").any()
    pd.testing.assert_frame_equal(without, with_skill[~with_skill["metric"].str.endswith("_skill")].reset_index(drop=True))
