"""Behaviour that surviving mutants showed no test pinned (issue 19), against hand-computed values.

Each test names the behaviour, not the mutant; docs/testing.md lists which survivors they answer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, final_forecasts, run_backtest
from forecast.models import Naive
from tests.helpers import nb_panel
from tests.test_failures import Boom, NoZeros, with_zero_series

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
