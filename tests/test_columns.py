"""The q<level> column names: one format, parsed by its exact inverse."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.columns import (
    interval_columns,
    parse_quantile_column,
    quantile_column,
    quantile_columns,
    quantile_levels,
)
from forecast.errors import ArgumentError
from forecast.models import DEFAULT_QUANTILES, Naive
from tests.helpers import nb_panel

ODD_LEVELS = (1e-05, 0.0001, 0.001, 0.025, 0.123456789, 0.975, 0.999, 0.99999)


@pytest.mark.parametrize("level", [*DEFAULT_QUANTILES, *ODD_LEVELS])
def test_parse_inverts_the_format(level):
    name = quantile_column(level)
    assert parse_quantile_column(name) == level
    assert quantile_column(parse_quantile_column(name)) == name


@pytest.mark.parametrize(
    ("level", "name"),
    [(0.05, "q0.05"), (0.5, "q0.5"), (1e-05, "q1e-05"), (0.0001, "q0.0001"), ((1 - 0.8) / 2, "q0.1"), (0.9, "q0.9")],
)
def test_format_by_hand(level, name):
    assert quantile_column(level) == name


@pytest.mark.parametrize(
    "name", ["quad", "q", "qx", "q0", "q1", "q1.5", "q-0.1", "q0.50", "q.5", "q 0.5", "qnan", "qinf", "mean", "", 0.5]
)
def test_other_columns_are_not_quantiles(name):
    assert parse_quantile_column(name) is None


@pytest.mark.parametrize("level", [0.0, 1.0, -0.1, 1e-11])
def test_levels_outside_the_unit_interval_are_refused(level):
    with pytest.raises(ArgumentError, match="^level: a quantile level must lie in \\(0, 1\\)"):
        quantile_column(level)


def test_columns_and_levels_of_a_frame():
    frame = pd.DataFrame(columns=["unique_id", "quad", "q0.9", "mean", "q", "q0.1", "q1e-05", "qx"])
    assert quantile_columns(frame) == ["q0.9", "q0.1", "q1e-05"]  # frame order
    assert quantile_levels(frame) == [1e-05, 0.1, 0.9]  # sorted
    assert interval_columns(0.8) == ("q0.1", "q0.9")
    assert interval_columns(0.95) == ("q0.025", "q0.975")


def test_predict_writes_the_names_the_parser_reads():
    levels = [1e-05, 0.05, 0.5, 0.975]
    forecast = Naive().fit(nb_panel(n_series=2, n_periods=12)).predict(2, levels)
    assert quantile_levels(forecast) == levels
    assert list(forecast.columns) == ["unique_id", "ds", "model", "mean", *map(quantile_column, levels)]
