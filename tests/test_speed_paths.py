"""The backtest's fast paths give exactly what the slow ones they replace give.

Each fast path (a reshape instead of a pivot, quantiles and scoring CDFs read off one CDF
grid, statsforecast's one-pass ``forecast``) is checked against the reference computation,
including the boundaries where the fast path must hand over: ties between a level and a
grid value, grids past their length limit, spike counts past the grid, unsorted panels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.backtest.scoring import distribution_scores
from forecast.models import Naive, StatsForecastModel
from forecast.models.base import PanelError, panel_to_matrix
from forecast.models.distributions import NegativeBinomial, PoissonLogNormal


def _scipy_quantile(mu: np.ndarray, alpha: np.ndarray, q: float) -> np.ndarray:
    size = 1.0 / np.maximum(alpha, 1e-300)
    nb = stats.nbinom.ppf(q, size, size / (size + mu))
    return np.where(mu > 0, np.where(alpha <= 1e-8, stats.poisson.ppf(q, mu), nb), 0.0)


def test_nb_quantiles_equal_scipys_ppf_over_many_laws() -> None:
    rng = np.random.default_rng(4)
    mu = np.concatenate([rng.gamma(0.5, 6, 4000), [0.0, 0.0], rng.gamma(1, 400, 40)])  # the last: grids past the limit
    alpha = np.concatenate([rng.gamma(0.7, 1.0, 2000), np.zeros(2000), [0.3, 1e-9], rng.uniform(0, 3, 40)])
    law = NegativeBinomial(mu=mu.reshape(-1, 2), alpha=alpha.reshape(-1, 2))
    levels = [0.01, 0.05, 0.25, 0.5, 0.9, 0.999]
    got = law.quantiles(levels)
    for level, values in zip(levels, got):
        np.testing.assert_array_equal(values, _scipy_quantile(law.mu, law.alpha, level))
        np.testing.assert_array_equal(law.quantile(level), values)


def test_nb_quantile_at_a_level_equal_to_a_cdf_value_is_scipys() -> None:
    # A level exactly at F(k) (scipy's value) is a tie: the answer is k. For these laws the
    # grid's recurrence puts F(k) a rounding error below scipy's, so the grid alone would say k + 1.
    for mu, alpha in ((5.28, 0.67), (2.52, 0.42)):
        size = 1.0 / alpha
        for k in (1, 2, 4):
            level = float(stats.nbinom.cdf(k, size, size / (size + mu)))
            law = NegativeBinomial(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
            assert law.quantiles([level])[0, 0, 0] == stats.nbinom.ppf(level, size, size / (size + mu)) == k


def test_scores_read_off_the_grid_equal_scipys_cdf_and_the_spike_edge_cases() -> None:
    mu = np.array([[3.0, 3.0], [0.5, 40.0], [0.0, 2.0]])
    alpha = np.array([[0.5, 0.5], [0.0, 1.0], [0.2, 0.0]])
    y = np.array([[0.0, 4.0], [1.0, 300.0], [0.0, np.nan]])  # 300: past the law's own grid end
    threshold = np.array([-1.0, 1e6, np.nan])  # below zero, past every grid, unknown
    scores = distribution_scores(NegativeBinomial(mu=mu, alpha=alpha), y, threshold, 0, np.random.default_rng(0))

    def cdf(k: np.ndarray) -> np.ndarray:
        size = 1.0 / np.maximum(alpha, 1e-8)
        nb = stats.nbinom.cdf(k, size, size / (size + mu))
        return np.where(alpha <= 1e-8, stats.poisson.cdf(k, mu), nb)

    observed = np.isfinite(y)
    y0 = np.where(observed, y, 0.0)
    np.testing.assert_allclose(scores["pit_hi"][observed], cdf(y0)[observed], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(scores["pit_lo"][observed], cdf(y0 - 1)[observed], rtol=1e-9, atol=1e-12)
    assert scores["pit_lo"][0, 0] == 0.0 and np.isnan(scores["pit_hi"][2, 1])
    np.testing.assert_allclose(scores["p_pos"][observed], (1 - cdf(np.zeros_like(y)))[observed], rtol=1e-9)
    assert np.all(scores["p_spike"][0] == 1.0)  # any count exceeds a negative threshold
    assert scores["p_spike"][1, 0] == pytest.approx(0.0, abs=1e-12) and scores["p_spike"][1, 1] < 1e-12
    assert np.isnan(scores["p_spike"][2, 0])
    # The CRPS of an integer law: sum_k (F(k) - 1{y <= k})^2, here on a long explicit grid.
    k = np.arange(2000)
    hand = ((cdf(np.broadcast_to(k, (*mu.shape, k.size)).astype(float).transpose(2, 0, 1)).transpose(1, 2, 0)
             - (y0[..., None] <= k)) ** 2).sum(axis=-1)
    np.testing.assert_allclose(scores["rps"][observed], hand[observed], rtol=1e-8)



@pytest.mark.parametrize("law", [NegativeBinomial, PoissonLogNormal])
def test_scores_of_a_law_shared_by_many_rows_equal_each_row_scored_alone(law: type) -> None:
    # A flat forecast repeats one law at every step, with a different y at each: the scorer
    # builds that law's grid once (distinct_rows) and reads every row's y, y - 1 and spike
    # off it, the longest y of the law setting the grid's length.
    rng = np.random.default_rng(11)
    mu = np.repeat(np.concatenate([rng.gamma(1.0, 4.0, 40), [0.0, 7.0]])[:, None], 6, axis=1)
    alpha = np.repeat(np.concatenate([rng.uniform(0, 2, 38), [0.0, 0.0, 0.3, 0.3]])[:, None], 6, axis=1)
    mu[:5, 3:] *= 2.0  # a law that changes at step 4
    y = rng.poisson(mu + 1.0).astype(float)
    y[3, 0], y[8, 0], y[9, 5] = 250.0, np.nan, 0.0  # the first row of its law, far past its support end
    threshold = rng.choice([np.nan, -1.0, 0.0, 2.0, 9.0, 1e5], size=mu.shape[0])
    dist = law(mu=mu, alpha=alpha)
    first, inverse = dist.distinct_rows()
    assert len(first) == len(np.unique(mu.ravel() + 1j * alpha.ravel())) < mu.size
    np.testing.assert_array_equal(mu.ravel()[first][inverse], mu.ravel())
    scores = distribution_scores(dist, y, threshold, 0, np.random.default_rng(0))
    for i, j in np.ndindex(mu.shape):
        alone = distribution_scores(
            law(mu=mu[i : i + 1, j : j + 1], alpha=alpha[i : i + 1, j : j + 1]),
            y[i : i + 1, j : j + 1], threshold[i : i + 1], 0, np.random.default_rng(0),
        )
        for name, value in alone.items():
            # The RPS tail beyond a longer grid moves the log-normal's quadrature sum by ~1e-8.
            rtol = 1e-7 if name == "rps" and law is PoissonLogNormal else 1e-12
            np.testing.assert_allclose(scores[name][i, j], value[0, 0], rtol=rtol, atol=1e-15, err_msg=f"{name} at {i, j}")


def _panel(ids: list, n_periods: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    return pd.DataFrame(
        {"unique_id": np.repeat(ids, n_periods), "ds": np.tile(dates, len(ids)), "y": rng.poisson(3, len(ids) * n_periods).astype(float)}
    )


@pytest.mark.parametrize("reorder", ["sorted", "shuffled", "ids_descending"])
def test_panel_matrix_is_the_pivot_whatever_the_row_order(reorder: str) -> None:
    panel = _panel(["a", "b", "c"])
    reference = panel.pivot(index="unique_id", columns="ds", values="y")
    if reorder == "shuffled":
        panel = panel.sample(frac=1.0, random_state=1)
    elif reorder == "ids_descending":
        panel = panel.iloc[::-1].sort_values("ds", kind="stable").sort_values("unique_id", ascending=False, kind="stable")
    y, ids, dates, freq = panel_to_matrix(panel)
    np.testing.assert_array_equal(y, reference.to_numpy())
    assert ids == ["a", "b", "c"] and freq == "W-MON" and dates.name == "ds"
    assert dates.equals(pd.DatetimeIndex(reference.columns))


def test_sorted_panel_with_a_repeated_or_missing_date_is_still_refused() -> None:
    panel = _panel(["a", "b"])
    repeated = panel.copy()
    repeated.loc[1, "ds"] = repeated.loc[0, "ds"]  # a's second row repeats its first date, rows still sorted
    with pytest.raises(PanelError, match="duplicate"):
        panel_to_matrix(repeated)
    with pytest.raises(PanelError, match="do not cover every date"):
        panel_to_matrix(panel.drop(index=8))  # b misses one week


@pytest.mark.parametrize("name, params", [("CrostonSBA", {}), ("IMAPA", {}), ("TSB", {"alpha_d": 0.2, "alpha_p": 0.2}), ("AutoETS", {})])
def test_index_dispersion_points_are_those_of_fit_then_predict(name: str, params: dict) -> None:
    from statsforecast import StatsForecast
    import statsforecast.models as sf_models

    panel = _panel([f"s{i}" for i in range(5)], n_periods=30, seed=2)
    dist = StatsForecastModel(name, params=params, dispersion="index").fit(panel).distribution(4)
    engine = StatsForecast(models=[getattr(sf_models, name)(**params, alias="point")], freq="W-MON", n_jobs=1)
    engine.fit(df=panel)
    expected = engine.predict(h=4).pivot(index="unique_id", columns="ds", values="point").to_numpy()
    np.testing.assert_array_equal(dist.mu, np.clip(expected, 0.0, None))


@pytest.mark.parametrize("layout", ["as_returned", "shuffled", "one_row_missing", "ids_reversed", "series_reordered"])
def test_statsforecast_output_to_matrix_is_the_pivot_whatever_the_layout(layout: str) -> None:
    # The reshape is taken only when the rows are whole series in ids_ order on one increasing
    # date grid; any other layout goes through the pivot (a missing cell reads 0).
    model = StatsForecastModel("Naive", dispersion="index").fit(_panel(["a", "b", "c"], n_periods=8))
    dates = pd.date_range("2021-03-01", periods=4, freq="W-MON")
    frame = pd.DataFrame(
        {"unique_id": np.repeat(["a", "b", "c"], 4).astype(object), "ds": np.tile(dates, 3), "point": np.arange(12.0)}
    )
    if layout == "shuffled":
        frame = frame.sample(frac=1.0, random_state=3)
    elif layout == "one_row_missing":
        frame = frame.drop(index=5)
    elif layout == "ids_reversed":
        frame = frame.iloc[::-1]
    elif layout == "series_reordered":  # whole series on the grid, but not in ids_ order
        frame = pd.concat([frame.iloc[8:], frame.iloc[:8]])
    reference = np.nan_to_num(
        frame.pivot(index="unique_id", columns="ds", values="point").reindex(index=["a", "b", "c"], columns=dates).to_numpy()
    )
    np.testing.assert_array_equal(model._wide(frame, "point"), reference)
    if layout == "one_row_missing":
        assert model._wide(frame, "point")[1, 1] == 0.0


@pytest.mark.parametrize("reorder", ["numeric_order", "text_order", "shuffled"])
def test_integer_ids_come_back_as_text_in_text_order_and_round_trip_through_long_frame(reorder: str) -> None:
    # 9 < 10 < 100 as numbers but "10" < "100" < "9" as text: both the reshape and the pivot
    # path give the text order, so a refit on long_frame (string ids) keeps the same rows.
    panel = _panel([9, 10, 100])
    panel = {
        "numeric_order": panel,
        "text_order": panel.sort_values("unique_id", key=lambda ids: ids.astype(str), kind="stable"),
        "shuffled": panel.sample(frac=1.0, random_state=3),
    }[reorder]
    y, ids, _, _ = panel_to_matrix(panel)
    assert ids == ["10", "100", "9"]
    for row, uid in zip(y, ids):
        np.testing.assert_array_equal(row, panel[panel["unique_id"] == int(uid)].sort_values("ds")["y"].to_numpy())
    model = Naive().fit(panel)
    again = Naive().fit(model.long_frame(model.y_))
    assert again.ids_ == model.ids_
    np.testing.assert_array_equal(again.y_, model.y_)


def test_ids_of_different_types_with_the_same_text_are_refused() -> None:
    panel = _panel(["a", "b"]).astype({"unique_id": object})
    panel.loc[panel["unique_id"] == "a", "unique_id"] = 1
    panel.loc[panel["unique_id"] == "b", "unique_id"] = "1"
    with pytest.raises(PanelError, match="same text"):
        panel_to_matrix(panel)
