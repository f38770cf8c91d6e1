"""Edges of the count laws and ensembles that the mutation run found unguarded.

Validation messages name the law and the parameter; the empirical CDF of many rows at
once equals a per-row hand count; the NB dispersion's moment estimate holds for small
fitted values; an ensemble needs at least one Forecaster, accepts exactly one, keeps a
point mass at zero and draws each member from its own spawned stream.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.models import CRPSWeightedEnsemble, HistoricAverage, QuantileAverage, Zero
from forecast.models.distributions import NegativeBinomial, PoissonLogNormal, QuantileGrid, SamplePaths, nb_dispersion


def _panel(y: np.ndarray) -> pd.DataFrame:
    dates = pd.date_range("2021-01-04", periods=y.shape[1], freq="W-MON")
    ids = [f"s{i:02d}" for i in range(y.shape[0])]
    return pd.DataFrame({"unique_id": np.repeat(ids, y.shape[1]), "ds": np.tile(dates, y.shape[0]), "y": y.ravel()})


# -- mean and dispersion validation ------------------------------------------------------------------


@pytest.mark.parametrize("law", [NegativeBinomial, PoissonLogNormal])
@pytest.mark.parametrize(
    ("mu", "alpha", "name"),
    [
        (-0.5, 0.1, "mu"),  # finite but negative
        (np.nan, 0.1, "mu"),  # not finite (and not < 0)
        (np.inf, 0.1, "mu"),
        (2.0, -1e-3, "alpha"),
        (2.0, np.nan, "alpha"),
    ],
)
def test_a_bad_mean_or_dispersion_is_refused_naming_the_law_and_the_parameter(law, mu, alpha, name) -> None:
    message = rf"^{law.__name__}: {name} must be finite and non-negative\.$"
    with pytest.raises(ValueError, match=message):
        law(mu=np.array([[1.0, mu]]), alpha=np.array([[0.2, alpha]]))


def test_zero_mean_and_zero_dispersion_are_valid() -> None:
    law = NegativeBinomial(mu=np.zeros((1, 2)), alpha=np.zeros((1, 2)))
    np.testing.assert_array_equal(law.cdf(np.zeros((1, 2))), [[1.0, 1.0]])


# -- nb_dispersion with fitted values below one ---------------------------------------------------------


def test_nb_dispersion_by_hand_when_the_squared_fits_sum_below_one() -> None:
    # f = 0.5, 0.5 (sum f^2 = 0.5 < 1); y = 2, 0: excess (1.5^2 - 0.5) + (0.5^2 - 0.5) = 1.5 -> alpha 3.
    # A NaN fitted value drops its period; an all-zero fit has no scale and gives 0.
    y = np.array([[2.0, 0.0, 7.0], [1.0, 4.0, 2.0]])
    fitted = np.array([[0.5, 0.5, np.nan], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(nb_dispersion(y, fitted), [3.0, 0.0], rtol=1e-12)


# -- SamplePaths over many rows ----------------------------------------------------------------------


def test_sample_paths_cdf_of_many_rows_is_each_rows_own_count() -> None:
    # Rows with different ranges side by side, asked at counts below, inside and above them:
    # the vectorised search must not let one row's draws count for another's.
    paths = np.array(
        [
            [[0.0, 4.0, 1.0, 1.0], [9.0, 2.0, 2.0, 30.0]],
            [[5.0, 5.0, 5.0, 5.0], [0.0, 0.0, 12.0, 3.0]],
            [[100.0, 0.0, 50.0, 7.0], [1.0, 2.0, 3.0, 4.0]],
        ]
    )
    k = np.array([-200.0, -1.0, 0.0, 1.0, 2.5, 4.0, 5.0, 29.0, 30.0, 99.0, 100.0, 250.0])
    grid = np.broadcast_to(k, (3, 2, k.size))
    expected = np.array([[[(row <= kk).mean() for kk in k] for row in series] for series in paths])
    law = SamplePaths(paths)
    np.testing.assert_array_equal(law.cdf(grid), expected)
    # A (series, step) shaped k gives one value per row.
    point = np.array([[1.0, 2.0], [4.0, 0.0], [50.0, -3.0]])
    np.testing.assert_array_equal(law.cdf(point), [[0.75, 0.5], [0.0, 0.5], [0.75, 0.0]])
    np.testing.assert_array_equal(law.support_end(), [[4.0, 30.0], [5.0, 12.0], [100.0, 4.0]])


@pytest.mark.parametrize("q, expected", [(0.07, 6.0), (0.55, 54.0), (0.29, 28.0), (0.005, 0.0), (0.999, 99.0)])
def test_sample_paths_quantile_is_the_smallest_draw_reaching_the_level(q: float, expected: float) -> None:
    # Draws 0..99: P(Y <= k) = (k + 1) / 100, so the q-quantile is 100 q - 1 rounded up. In
    # floating point 100 * 0.07 and 100 * 0.55 land just above 7 and 55.
    law = SamplePaths(np.arange(100.0)[::-1].reshape(1, 1, 100))
    assert law.quantile(q)[0, 0] == expected
    assert law.cdf(np.array([[expected]]))[0, 0] >= q > law.cdf(np.array([[expected - 1]]))[0, 0]


def test_sample_paths_take_rows_of_a_multi_step_law() -> None:
    paths = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)
    picked = SamplePaths(paths).take(np.array([4, 0]))
    np.testing.assert_array_equal(picked.paths, [[paths[1, 1]], [paths[0, 0]]])


# -- ensembles -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("ensemble", [QuantileAverage, CRPSWeightedEnsemble])
@pytest.mark.parametrize("members", [[], [Zero(), "naive"]])
def test_an_ensemble_needs_a_list_of_forecasters(ensemble, members) -> None:
    with pytest.raises(ArgumentError, match=rf"^members: {ensemble.__name__} needs a list of at least one Forecaster\.$") as caught:
        ensemble(members=members).fit(_panel(np.ones((1, 20))))
    assert caught.value.argument == "members"


def test_a_one_member_ensemble_is_that_member_on_the_ensembles_stream() -> None:
    # One member, weight 1: the combined draws are the member's draws, sorted, from the first
    # stream spawned off the ensemble's seed (integers, so the stochastic rounding adds nothing).
    y = np.array([[3.0, 5.0, 4.0, 6.0, 2.0, 5.0, 4.0, 3.0], [10.0, 12.0, 9.0, 11.0, 13.0, 10.0, 12.0, 11.0]])
    panel = _panel(y)
    ensemble = QuantileAverage(members=[HistoricAverage()], n_paths=50, seed=3).fit(panel)
    member = HistoricAverage().fit(panel)
    stream = np.random.default_rng(3).spawn(1)[0]
    expected = np.sort(member.distribution(2).sample(50, stream), axis=-1)
    np.testing.assert_array_equal(ensemble.distribution(2).paths, expected)


def test_an_ensemble_of_point_masses_at_zero_forecasts_zero() -> None:
    model = QuantileAverage(members=[Zero(), Zero()], weights=[1.0, 3.0], n_paths=20).fit(_panel(np.full((2, 12), 4.0)))
    np.testing.assert_array_equal(model.distribution(3).paths, np.zeros((2, 3, 20)))


# -- SamplePaths and QuantileGrid validation and ties ---------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -1.0])
def test_sample_paths_refuse_non_finite_or_negative_draws(bad) -> None:
    with pytest.raises(ValueError, match=r"^SamplePaths: paths must be finite and non-negative\.$"):
        SamplePaths(np.array([[[0.0, 2.0, bad]]]))


@pytest.mark.parametrize(
    ("levels", "values", "message"),
    [
        ([0.2, 0.5, 1.0], [1.0, 2.0, 3.0], r"^QuantileGrid: levels must increase strictly inside \(0, 1\)\.$"),
        ([0.2, 0.5, 0.5], [1.0, 2.0, 3.0], r"^QuantileGrid: levels must increase strictly inside \(0, 1\)\.$"),
        ([0.2, 0.5, 0.9], [1.0, np.nan, 3.0], r"^QuantileGrid: quantile values must be finite\.$"),
    ],
)
def test_quantile_grid_messages_name_the_class(levels, values, message) -> None:
    with pytest.raises(ValueError, match=message):
        QuantileGrid(levels=np.array(levels), values=np.array([[values]]), point=np.zeros((1, 1)))


def test_quantile_grid_cdf_at_a_half_integer_quantile_and_below_zero() -> None:
    # Y = max(0, round(Q(U))) with round(x) = floor(x + 1/2). Quantiles 1.5 and 3 at levels 0.2
    # and 0.8 (flat outside): Q(U) = 1.5 for U < 0.2 rounds to 2, so P(Y <= 1) = P(Q(U) < 1.5) = 0;
    # P(Y <= 2) = P(Q(U) < 2.5) = 0.2 + (2.5 - 1.5) / 1.5 * 0.6 = 0.6; P(Y <= 3) = 1.
    levels = np.array([0.2, 0.8])
    tie = QuantileGrid(levels=levels, values=np.array([[[1.5, 3.0]]]), point=np.array([[2.2]]))
    k = np.array([[[0.0, 1.0, 2.0, 3.0]]])
    np.testing.assert_allclose(tie.cdf(k), [[[0.0, 0.0, 0.6, 1.0]]], rtol=1e-12)
    # Quantiles -3 and 2: negative quantiles round onto 0, and P(Y <= -1) = 0 however far the
    # grid reaches below zero; P(Y <= 0) = P(Q(U) < 0.5) = 0.1 + 3.5 / 5 * 0.8 = 0.66.
    low = QuantileGrid(levels=np.array([0.1, 0.9]), values=np.array([[[-3.0, 2.0]]]), point=np.array([[0.5]]))
    np.testing.assert_allclose(low.cdf(np.array([[[-2.0, -1.0, 0.0]]])), [[[0.0, 0.0, 0.66]]], rtol=1e-12)
