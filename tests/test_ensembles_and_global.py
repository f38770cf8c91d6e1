"""Ensembles and the global booster on panels whose right answer is known by construction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.models import (
    CRPSWeightedEnsemble,
    GlobalBoostedPoisson,
    GlobalLGBMQuantile,
    Naive,
    QuantileAverage,
    StatsForecastModel,
    Zero,
)


def constant_panel(value: float = 10.0, n_periods: int = 30) -> pd.DataFrame:
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    return pd.DataFrame({"unique_id": np.repeat(["a", "b"], n_periods), "ds": np.tile(dates, 2), "y": value})


def test_quantile_average_halves_a_member_averaged_with_zero():
    # Naive on a constant 10 has no residual spread: Poisson(10); averaging its sorted draws
    # with Zero's draws (all 0) at equal weights gives a distribution with mean 5.
    model = QuantileAverage(members=[Zero(), Naive()], n_paths=4000).fit(constant_panel())
    np.testing.assert_allclose(model.weights_, [0.5, 0.5])
    mean = model.predict(2)["mean"].to_numpy()
    np.testing.assert_allclose(mean, 5.0, atol=0.15)


def test_crps_weights_favour_the_member_that_was_right_before_the_cutoff():
    model = CRPSWeightedEnsemble(members=[Zero(), Naive()], n_windows=2, horizon=2, step=1).fit(constant_panel())
    assert model.weights_[1] > 0.9
    assert model.window_crps_[0] > model.window_crps_[1]  # Zero misses a constant 10 by 10 per period


def test_global_booster_conformal_intervals_cover_about_80_percent():
    # 300 NB series with different levels; the last 4 weeks are never seen by the fit.
    rng = np.random.default_rng(11)
    n_series, n_periods = 300, 44
    level = rng.lognormal(1.5, 0.8, size=(n_series, 1))
    y = rng.negative_binomial(3, 3 / (3 + level), size=(n_series, n_periods)).astype(float)
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    panel = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:03d}" for i in range(n_series)], n_periods),
            "ds": np.tile(dates, n_series),
            "y": y.ravel(),
        }
    )
    train = panel[panel["ds"] < dates[40]]
    forecast = GlobalBoostedPoisson(max_iter=100).fit(train).predict(4, (0.1, 0.9))
    truth = y[:, 40:].ravel()  # ids sort like the generated order
    hit = (truth >= forecast["q0.1"].to_numpy()) & (truth <= forecast["q0.9"].to_numpy())
    # Rounded count quantiles add coverage at the interval ends; 0.72-0.92 allows that and noise.
    assert 0.72 < hit.mean() < 0.92


def test_lgbm_groups_share_source_target_and_dyad_by_hand():
    from forecast.models.global_ml import _group_matrix, _same_dyad_other_family

    ids = ["CHN>RUS/visit", "CHN>RUS/meet", "CHN>USA/visit", "RUS>USA/visit"]
    np.testing.assert_array_equal(
        _group_matrix(ids, 0), [[1, 1, 1, 0], [1, 1, 1, 0], [1, 1, 1, 0], [0, 0, 0, 1]]
    )  # source CHN, CHN, CHN, RUS
    np.testing.assert_array_equal(
        _group_matrix(ids, 1), [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1]]
    )  # target RUS, RUS, USA, USA
    np.testing.assert_array_equal(
        _same_dyad_other_family(ids), [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]
    )
    np.testing.assert_array_equal(_group_matrix(["s0", "s1"], 0), np.eye(2))  # ids without a dyad


def test_lgbm_learns_a_constant_level_and_refuses_an_untrained_horizon():
    model = GlobalLGBMQuantile(max_horizon=3, n_estimators=30, min_child_samples=5).fit(constant_panel(10.0, 20))
    frame = model.predict(3)
    # Every target is log1p(10) - log(11) = 0 exactly, so every quantile is 10.
    assert (frame[[c for c in frame.columns if c.startswith("q")]].to_numpy() == 10.0).all()
    np.testing.assert_allclose(frame["mean"], 10.0)
    with pytest.raises(ArgumentError, match="max_horizon=3; h=4"):
        model.predict(4)
    with pytest.raises(ValueError, match="needs at least 8 periods"):
        GlobalLGBMQuantile().fit(constant_panel(10.0, 7))


def test_index_dispersion_sets_variance_to_phi_times_the_mean():
    # Training values 0, 4, 0, 4, ...: mean 2, variance 4 -> phi = 2, NB variance 2 * mean.
    dates = pd.date_range("2021-01-04", periods=12, freq="W-MON")
    panel = pd.DataFrame({"unique_id": "a", "ds": dates, "y": [0.0, 4.0] * 6})
    model = StatsForecastModel(model="HistoricAverage", dispersion="index").fit(panel)
    dist = model.distribution(2)
    np.testing.assert_allclose(dist.mu, 2.0)
    np.testing.assert_allclose(dist.mu + dist.alpha * dist.mu**2, 4.0)  # phi * mean
    with pytest.raises(ArgumentError, match="'gamma' is not 'residual' or 'index'"):
        StatsForecastModel(model="HistoricAverage", dispersion="gamma").fit(panel)


def _weekly(values: np.ndarray) -> pd.DataFrame:
    """Long frame of rows of ``values`` (series x weeks)."""
    n_series, n_periods = values.shape
    dates = pd.date_range("2020-01-06", periods=n_periods, freq="W-MON")
    return pd.DataFrame(
        {"unique_id": np.repeat([f"s{i:02d}" for i in range(n_series)], n_periods),
         "ds": np.tile(dates, n_series), "y": values.ravel()}
    )  # fmt: skip


def _width_ratio(panel: pd.DataFrame, growth: str) -> np.ndarray:
    """Per series, (q0.95 - q0.05) at step 8 over the same width at step 1 of a Naive NB."""
    dist = StatsForecastModel(model="Naive", growth=growth).fit(panel).distribution(8)
    width = dist.quantile(0.95) - dist.quantile(0.05)
    return width[:, 7] / width[:, 0]


def test_horizon_growth_widens_a_random_walk_level_by_the_derived_factor():
    # Level L_t = 400 + random walk with steps N(0, 10^2), counts Poisson(L_t). Naive's
    # k-step error is L_{o+k} - L_o + e_{o+k} - e_o: variance 100 k + 2 * 400, so
    # v_8 / v_1 = 1600 / 900 and the NB's width (~ sd; the step-1 law matches v_1) grows
    # by sqrt(1600 / 900) = 1.333. The flat law keeps the step-1 width.
    rng = np.random.default_rng(3)
    level = np.clip(400.0 + np.cumsum(rng.normal(0.0, 10.0, size=(40, 60)), axis=1), 50.0, None)
    panel = _weekly(rng.poisson(level).astype(float))
    ratio = _width_ratio(panel, "horizon")
    assert 1.2 < np.median(ratio) < 1.45
    np.testing.assert_array_equal(_width_ratio(panel, "flat"), 1.0)


def test_horizon_growth_leaves_an_iid_poisson_series_nearly_flat():
    # i.i.d. Poisson(20): Naive's k-step error variance is 40 at every k, so r_k = 1 in
    # expectation; only the noise of 45 origins (b clipped at >= 0) can widen the bands.
    rng = np.random.default_rng(4)
    panel = _weekly(rng.poisson(20.0, size=(40, 60)).astype(float))
    ratio = _width_ratio(panel, "horizon")
    assert np.median(ratio) < 1.1
    with pytest.raises(ArgumentError, match="'steep' is not 'flat' or 'horizon'"):
        StatsForecastModel(model="Naive", growth="steep").fit(panel)


def test_horizon_growth_fits_a_line_through_the_mean_squared_errors_by_hand():
    from forecast.models.stats import horizon_growth

    # v_k = 2, 4, 6 (a = 2, b = 2) -> r = 1, 2, 3; falling errors are clipped flat (b = 0).
    errors = np.array([[[np.sqrt(2.0)], [2.0], [np.sqrt(6.0)]], [[3.0], [2.0], [1.0]]])
    np.testing.assert_allclose(horizon_growth(errors), [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]])


def _leading_family_panel(n_dyads: int = 12, n_periods: int = 40, seed: int = 5) -> pd.DataFrame:
    """Per dyad, ``intent`` and ``protest`` ~ Poisson(10) i.i.d., ``visit`` = ``intent`` one week earlier."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2021-01-04", periods=n_periods + 1, freq="W-MON")
    frames = []
    for d in range(n_dyads):
        intent = rng.poisson(10.0, size=n_periods + 1).astype(float)
        protest = rng.poisson(10.0, size=n_periods).astype(float)
        frames.append(pd.DataFrame({"unique_id": f"A{d}-B/protest", "ds": dates[1:], "y": protest}))
        frames.append(pd.DataFrame({"unique_id": f"A{d}-B/intent", "ds": dates[1:], "y": intent[1:]}))
        frames.append(pd.DataFrame({"unique_id": f"A{d}-B/visit", "ds": dates[1:], "y": intent[:-1]}))
    return pd.concat(frames, ignore_index=True)


def test_family_lags_learn_that_intent_leads_visits():
    # Visits repeat last week's intents, which are i.i.d.: only intent's own lag predicts
    # next week's visits. Without family_lags the model sees intent + protest summed (the
    # other-family indicator), whose protest half is Poisson(10) noise (mean absolute
    # deviation ~2.5); the per-family lags isolate intent and the error drops near zero.
    panel = _leading_family_panel()
    train, last = panel[panel["ds"] < panel["ds"].max()], panel[panel["ds"] == panel["ds"].max()]
    truth = last[last["unique_id"].str.endswith("/visit")].set_index("unique_id")["y"]

    def visit_error(family_lags: int) -> float:
        model = GlobalLGBMQuantile(max_horizon=1, n_estimators=60, min_child_samples=5, family_lags=family_lags)
        frame = model.fit(train).predict(1).set_index("unique_id")
        return float((frame.loc[truth.index, "q0.5"] - truth).abs().mean())

    assert visit_error(2) < 1.0 < 2.0 < visit_error(0)
    with pytest.raises(ArgumentError, match="family_lags"):
        GlobalLGBMQuantile(family_lags=-1).fit(train)


def test_family_lags_do_not_leak_other_families_after_the_cutoff():
    # Tampering with the intent series after the first cutoff leaves the visit forecasts
    # made at that cutoff unchanged: training rows and features stop at the cutoff.
    from forecast.backtest import BacktestSpec, rolling_origin

    panel = _leading_family_panel(n_dyads=4, n_periods=30)
    model = GlobalLGBMQuantile(max_horizon=4, n_estimators=20, min_child_samples=5, family_lags=2)
    spec = BacktestSpec(horizon=4, n_windows=2, step=4, quantiles=(0.1, 0.5, 0.9), n_samples=20)
    base = rolling_origin(panel, {"m": model}, spec)
    first = base["cutoff"].min()
    tampered = panel.copy()
    later = (tampered["ds"] > first) & tampered["unique_id"].str.endswith("/intent")
    tampered.loc[later, "y"] = tampered.loc[later, "y"] * 5 + 40
    changed = rolling_origin(tampered, {"m": model}, spec)
    cols = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    visit = base["unique_id"].str.endswith("/visit")
    pd.testing.assert_frame_equal(
        base[visit & (base["cutoff"] == first)][cols].reset_index(drop=True),
        changed[changed["unique_id"].str.endswith("/visit") & (changed["cutoff"] == first)][cols].reset_index(drop=True),
    )
    later_visit = visit & (base["cutoff"] > first)
    assert not np.allclose(base.loc[later_visit, "q0.5"], changed.loc[later_visit.to_numpy(), "q0.5"])


def numeric_id_panel(n_periods: int = 30) -> pd.DataFrame:
    """Constant series 9 -> 2, 10 -> 50, 100 -> 500: integer ids whose text order (10, 100, 9) is not their order."""
    dates = pd.date_range("2021-01-04", periods=n_periods, freq="W-MON")
    levels = {9: 2.0, 10: 50.0, 100: 500.0}
    return pd.DataFrame(
        {"unique_id": np.repeat(list(levels), n_periods), "ds": np.tile(dates, 3), "y": np.repeat(list(levels.values()), n_periods)}
    )


def test_an_ensemble_keeps_each_series_forecast_under_its_own_integer_id():
    # Naive on a constant level is Poisson(level); the members are refitted on the ensemble's
    # string-id panel, and their rows must still be matched to the ensemble's ids.
    forecast = QuantileAverage(members=[Naive()], n_paths=2000).fit(numeric_id_panel()).predict(2)
    means = forecast.groupby("unique_id")["mean"].mean()
    np.testing.assert_allclose(means.loc[["9", "10", "100"]], [2.0, 50.0, 500.0], rtol=0.05)


def test_crps_weights_score_each_members_draws_against_the_same_series_with_integer_ids():
    # Paired with the wrong series, Naive's draws miss by |50 - 2| + |500 - 50| + |2 - 500| and
    # Zero's by 2 + 50 + 500 per period, which would put most weight on Zero.
    model = CRPSWeightedEnsemble(members=[Zero(), Naive()], n_windows=2, horizon=2, step=1).fit(numeric_id_panel())
    assert model.weights_[1] > 0.9
