"""Ties and boundaries of the interval and event metrics on integer quantiles, by hand.

Pinned semantics (read from forecast/backtest/metrics.py and scoring.py):
- a central interval is closed: ``y`` equal to either end quantile is covered;
- the interval score penalises a miss by ``2 / alpha`` times its distance, ``alpha = 1 - level``;
- a spike is ``y > threshold`` (strict), for the Brier event and for ``p_spike`` alike:
  a count equal to an integer threshold is not a spike; with a fractional threshold
  ``t`` the event is ``y >= floor(t) + 1`` for a count ``y`` (``y > t`` for a share).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.backtest.metrics import calibration_gap, evaluate, metrics_table, overall, row_scores, skill
from forecast.backtest.scoring import distribution_scores
from forecast.backtest.splits import BacktestSpec, cutoffs, insample_scale, rolling_origin, run_backtest
from forecast.errors import ArgumentError
from forecast.models import Naive
from forecast.models.distributions import NegativeBinomial
from tests.helpers import nb_panel

QUANTILES = {"q0.05": 1.0, "q0.1": 2.0, "q0.25": 3.0, "q0.5": 4.0, "q0.75": 5.0, "q0.9": 6.0, "q0.95": 8.0}
#: level -> (lower, upper) quantile values of QUANTILES
BOUNDS = {0.5: (3.0, 5.0), 0.8: (2.0, 6.0), 0.9: (1.0, 8.0)}


def _frame(y: list[float], **extra: list[float]) -> pd.DataFrame:
    """Rows with the same integer quantiles and the given outcomes."""
    n = len(y)
    data = {"model": ["m"] * n, "y": [float(v) for v in y], "mean": [4.0] * n}
    data |= {column: [value] * n for column, value in QUANTILES.items()}
    data |= extra
    return pd.DataFrame(data)


@pytest.mark.parametrize("level", sorted(BOUNDS))
def test_coverage_counts_outcomes_on_either_end(level: float) -> None:
    lower, upper = BOUNDS[level]
    frame = _frame([lower - 1, lower, (lower + upper) / 2, upper, upper + 1])
    scores = row_scores(frame)
    assert scores[f"coverage_{level:g}"].tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    table = evaluate(frame).set_index("metric")["value"]
    assert table[f"coverage_{level:g}"] == pytest.approx(3 / 5)


def test_calibration_gap_counts_ties_on_both_sides_of_an_integer_quantile() -> None:
    # y = 3, 4, 4, 5 against the median 4: 1/4 strictly below (<= 0.5) and 3/4 at or below
    # (>= 0.5), so the level passes although no share equals 0.5; the closed [3, 5] covers all.
    frame = _frame([3.0, 4.0, 4.0, 5.0])
    assert calibration_gap(frame, [0.5]) == 0.0
    # Boundaries hold with equality: q0.25 = 3 has 0 below, 1/4 at or below; q0.75 = 5 has 3/4 below.
    assert calibration_gap(frame, [0.25, 0.75]) == 0.0
    assert row_scores(frame, coverage_levels=[0.5])["coverage_0.5"].mean() == 1.0
    # At every level: q0.05 = 1 and q0.1 = 2 have none at or below -> 0.05 and 0.1 short;
    # q0.9 = 6 and q0.95 = 8 have all strictly below -> 1 - 0.9 and 1 - 0.95 over: max 0.1.
    assert calibration_gap(frame) == pytest.approx(0.1)


def test_calibration_gap_is_the_worst_level_of_either_side() -> None:
    # y = 0, 0, 9, 9: half strictly below q0.05 = 1 (0.5 - 0.05 = 0.45) and half at or
    # below q0.95 = 8 (0.95 - 0.5 = 0.45); the median 4 passes (0.5 below, 0.5 at or below).
    frame = _frame([0.0, 0.0, 9.0, 9.0])
    assert calibration_gap(frame, [0.5]) == 0.0
    assert calibration_gap(frame, [0.25]) == pytest.approx(0.25)
    assert calibration_gap(frame, [0.95]) == pytest.approx(0.45)
    assert calibration_gap(frame) == pytest.approx(0.45)
    # Every outcome on the median: below 0 and at or below 1 at q0.5; q0.25 = 3 has none at
    # or below (0.25 short) and q0.75 = 5 all below (0.25 over).
    assert calibration_gap(_frame([4.0] * 3)) == pytest.approx(0.25)
    assert np.isnan(calibration_gap(_frame([4.0]).iloc[:0]))


def test_calibration_gap_is_a_metric_per_model_series_and_horizon() -> None:
    frame = pd.concat(
        [_frame([3.0, 4.0, 4.0, 5.0]).assign(model="a"), _frame([0.0, 0.0, 9.0, 9.0]).assign(model="b")],
        ignore_index=True,
    ).assign(unique_id=["s", "t"] * 4, horizon=[1, 1, 2, 2] * 2)
    top = evaluate(frame).set_index(["model", "metric"])["value"]
    assert top[("a", "calibration_gap")] == pytest.approx(0.1)
    assert top[("b", "calibration_gap")] == pytest.approx(0.45)
    table = metrics_table(frame)
    by_series = table[table["unique_id"].notna() & (table["metric"] == "calibration_gap")]
    # model a, series s: y = 3, 4 -> q0.95 = 8 has both below: 1 - 0.95; q0.05 = 1 none at or below: 0.05;
    # q0.1 = 2: 0.1 short; q0.25 = 3: 0 below, 1/2 at or below; q0.75 = 5: all below, 0.25 over.
    assert by_series.set_index(["model", "unique_id"])["value"][("a", "s")] == pytest.approx(0.25)
    # model b, horizon 1: y = 0, 0 -> at q0.05 = 1 both strictly below: 1 - 0.05.
    by_h = table[table["horizon"].notna() & (table["metric"] == "calibration_gap")]
    assert by_h.set_index(["model", "horizon"])["value"][("b", 1)] == pytest.approx(0.95)


@pytest.mark.parametrize(("level", "factor"), [(0.5, 4.0), (0.8, 10.0), (0.9, 20.0)])
def test_interval_score_penalty_is_two_over_alpha(level: float, factor: float) -> None:
    lower, upper = BOUNDS[level]
    width = upper - lower
    frame = _frame([lower - 2, lower, upper, upper + 3, lower + 1])
    expected = [width + factor * 2, width, width, width + factor * 3, width]
    assert row_scores(frame)[f"interval_score_{level:g}"].tolist() == pytest.approx(expected)


def test_only_levels_with_both_ends_recorded_get_coverage() -> None:
    frame = _frame([4.0]).drop(columns=["q0.75"])
    columns = set(row_scores(frame).columns)
    assert {"coverage_0.8", "coverage_0.9", "interval_score_0.8", "interval_score_0.9"} <= columns
    assert not {c for c in columns if c.startswith("coverage_0.5") or c == "coverage_0"}
    chosen = row_scores(_frame([4.0]), coverage_levels=[0.5])
    assert [c for c in chosen.columns if c.startswith(("coverage", "interval"))] == [
        "coverage_0.5",
        "interval_score_0.5",
    ]


def test_quantile_ties_score_zero_pinball_and_hand_crps() -> None:
    # y = 4 sits on q0.5: pinball terms 0.05*3, 0.1*2, 0.25*1, 0, 0.25*1, 0.1*2, 0.05*4
    frame = _frame([4.0])
    terms = [0.05 * 3, 0.1 * 2, 0.25 * 1, 0.0, 0.25 * 1, 0.1 * 2, 0.05 * 4]
    scores = row_scores(frame)
    assert scores["crps_quantile"].item() == pytest.approx(2 * sum(terms) / 7)
    assert scores["pinball"].item() == pytest.approx(sum(terms) / 7)


# -- spikes and zeros: one strict '>' everywhere --------------------------------------------------


@pytest.mark.parametrize(
    ("y", "threshold", "spike"),
    [
        (3, 3.0, False), (4, 3.0, True), (3, 2.5, True), (2, 2.5, False), (0, 0.0, False), (1, 0.0, True),
        # Non-integer outcomes (measure=share): the event is y > t, not y > floor(t).
        (2.3, 2.5, False), (2.7, 2.5, True), (0.4, 0.5, False), (2.2, 2.0, True),
    ],
)
def test_spike_is_strictly_above_the_threshold(y: float, threshold: float, spike: bool) -> None:
    frame = _frame([y], p_spike=[0.3], spike_threshold=[threshold])
    # Brier of p = 0.3: 0.49 when the event happened, 0.09 when not.
    assert row_scores(frame)["brier_spike"].item() == pytest.approx(0.49 if spike else 0.09)


@pytest.mark.parametrize("threshold", [3.0, 2.5, 0.0])
def test_p_spike_is_the_probability_of_the_same_event(threshold: float) -> None:
    mu, alpha = 2.5, 0.4
    dist = NegativeBinomial(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
    scores = distribution_scores(dist, np.array([[3.0]]), np.array([threshold]), 0, np.random.default_rng(0))
    size = 1 / alpha
    law = stats.nbinom(size, size / (size + mu))
    # P(Y > t) for integer counts: t = 3 -> P(Y >= 4); t = 2.5 -> P(Y >= 3); t = 0 -> P(Y >= 1).
    first_spike = int(np.floor(threshold)) + 1
    assert scores["p_spike"].item() == pytest.approx(1 - law.cdf(first_spike - 1), rel=1e-10)
    assert scores["p_pos"].item() == pytest.approx(1 - law.pmf(0), rel=1e-10)


def test_brier_positive_treats_zero_as_no_event() -> None:
    frame = _frame([0, 1, 5], p_pos=[0.2, 0.2, 1.0])
    assert row_scores(frame)["brier_pos"].tolist() == pytest.approx([0.04, 0.64, 0.0])


# -- aggregation ----------------------------------------------------------------------------------


def test_scaled_errors_skip_constant_histories_only() -> None:
    frame = _frame([1, 7, 4], scale_abs=[2.0, np.nan, 1.0], scale_sq=[4.0, np.nan, 9.0])
    table = evaluate(frame).set_index("metric")["value"]
    # |y - 4| = 3, 3, 0; squared 9, 9, 0.
    assert table["mae"] == pytest.approx(2.0)
    assert table["rmse"] == pytest.approx(np.sqrt(6.0))
    assert table["mase"] == pytest.approx((3 / 2 + 0 / 1) / 2)
    assert table["rmsse"] == pytest.approx(np.sqrt((9 / 4 + 0 / 9) / 2))
    assert "se" not in table and "sse" not in table


def test_poisson_deviance_floors_a_zero_mean() -> None:
    frame = pd.DataFrame({"model": ["m"] * 3, "y": [2.0, 0.0, 3.0], "mean": [0.0, 0.0, 3.0]})
    expected = [2 * (2 * np.log(2 / 1e-6) - (2 - 1e-6)), 2 * 1e-6, 0.0]
    assert row_scores(frame)["poisson_deviance"].tolist() == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_evaluate_by_group_skill_and_metrics_table() -> None:
    frame = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "unique_id": ["s", "t", "s", "t"],
            "horizon": [1, 2, 1, 2],
            "y": [2.0, 4.0, 2.0, 4.0],
            "mean": [3.0, 4.0, 2.0, 1.0],
        }
    )
    per_series = evaluate(frame, by=["unique_id"]).set_index(["model", "unique_id", "metric"])["value"]
    assert per_series[("b", "t", "mae")] == 3.0 and per_series[("a", "s", "mae")] == 1.0
    with_skill = evaluate(frame, reference="a").set_index(["model", "metric"])["value"]
    # mae: a 0.5, b 1.5 -> skill of b = 1 - 1.5 / 0.5 = -2; rmse a sqrt(0.5), b sqrt(4.5) -> 1 - 3 = -2
    assert with_skill[("b", "mae_skill")] == pytest.approx(-2.0)
    assert with_skill[("b", "rmse_skill")] == pytest.approx(-2.0)
    assert with_skill[("a", "mae_skill")] == 0.0
    long = evaluate(frame)
    assert skill(long, "b", losses=("mae",)).set_index("model")["value"].to_dict() == pytest.approx(
        {"a": 1 - 0.5 / 1.5, "b": 0.0}
    )
    with pytest.raises(ArgumentError, match=r"^reference: model 'c' is not in the run") as raised:
        skill(long, "c")
    assert raised.value.argument == "reference"
    table = metrics_table(frame, reference="a")
    assert list(table.columns) == ["model", "metric", "value", "unique_id", "horizon"]
    top = overall(table).set_index(["model", "metric"])["value"]
    assert top[("b", "mae")] == 1.5 and top[("b", "mae_skill")] == pytest.approx(-2.0)
    assert len(overall(table)) == len(evaluate(frame, reference="a"))
    by_horizon = table[table["horizon"].notna()].set_index(["model", "horizon", "metric"])["value"]
    assert by_horizon[("b", 2, "mae")] == 3.0
    # A reference that is not in the backtest is an error naming the argument, as in skill.
    with pytest.raises(ArgumentError, match=r"^reference: model 'zzz' is not in the run"):
        metrics_table(frame, reference="zzz")


# -- splits: cutoffs, scales and the horizon column ----------------------------------------------


def test_insample_scale_by_hand_and_nan_for_constant_history() -> None:
    history = np.array([[1.0, 3.0, 2.0, 6.0], [5.0, 5.0, 5.0, 5.0]])
    scale = insample_scale(history, spike_quantile=0.5)
    # diffs 2, -1, 4: mean |d| = 7/3, mean d^2 = 21/3 = 7
    np.testing.assert_allclose(scale["scale_abs"], [7 / 3, np.nan])
    np.testing.assert_allclose(scale["scale_sq"], [7.0, np.nan])
    np.testing.assert_allclose(scale["spike_threshold"], [2.5, 5.0])


def test_insample_scale_leaves_out_the_periods_before_a_late_series_starts() -> None:
    nan = np.nan
    history = np.array([[nan, nan, 1.0, 3.0, 2.0, 6.0], [nan, nan, nan, nan, nan, 4.0], [nan] * 6])
    scale = insample_scale(history, spike_quantile=0.5)
    # Row 0 as the full row of the test above; row 1 has one observation (no step); row 2 none.
    np.testing.assert_allclose(scale["scale_abs"], [7 / 3, nan, nan])
    np.testing.assert_allclose(scale["scale_sq"], [7.0, nan, nan])
    np.testing.assert_allclose(scale["spike_threshold"], [2.5, 4.0, nan])


def test_a_series_that_starts_late_is_scaled_on_its_own_observed_history() -> None:
    rng = np.random.default_rng(0)
    dates = pd.date_range("2021-01-04", periods=30, freq="W-MON")
    late = rng.poisson(5, 20).astype(float)
    panel = pd.concat(
        [
            pd.DataFrame({"unique_id": "a", "ds": dates, "y": rng.poisson(5, 30).astype(float)}),
            pd.DataFrame({"unique_id": "b", "ds": dates[10:], "y": late}),
        ],
        ignore_index=True,
    )
    spec = BacktestSpec(horizon=2, n_windows=2, step=3, quantiles=(0.1, 0.5, 0.9), n_samples=0)
    # Naive pools nothing: the ragged panel's fit fails and is redone series by series.
    frame = run_backtest(panel, {"naive": Naive()}, spec).frame
    rows = frame[frame["unique_id"] == "b"].groupby("cutoff").first()
    for cutoff, row in rows.iterrows():
        seen = late[: int((dates[10:] <= cutoff).sum())]
        assert row["scale_abs"] == pytest.approx(np.abs(np.diff(seen)).mean())
        assert row["spike_threshold"] == pytest.approx(np.quantile(seen, 0.9))
        assert np.isfinite(row["p_spike"])
    table = metrics_table(frame)
    per_series = table[(table["metric"] == "mase") & (table["unique_id"] == "b")]["value"]
    assert np.isfinite(per_series).all() and len(per_series) == 1


def test_cutoffs_leave_gap_plus_horizon_after_the_last() -> None:
    dates = pd.date_range("2020-01-06", periods=20, freq="W-MON")
    spec = BacktestSpec(horizon=3, n_windows=3, step=2, gap=1, n_samples=0)
    # last cutoff leaves 1 + 3 periods: index 15; then 13, 11.
    assert cutoffs(dates, spec) == [dates[11], dates[13], dates[15]]
    # exactly enough periods: 4 + 2 * 2 = 8 scored + 8 training = 16
    assert cutoffs(dates[:16], spec)[0] == dates[7]
    with pytest.raises(ValueError, match="needs 8 scored periods"):
        cutoffs(dates[:15], spec)


def test_backtest_rows_carry_lead_scale_and_threshold_of_their_cutoff() -> None:
    panel = nb_panel(n_series=2, n_periods=20)
    spec = BacktestSpec(horizon=2, n_windows=2, step=3, gap=1, n_samples=0, spike_quantile=0.75)
    backtest = rolling_origin(panel, {"naive": Naive()}, spec)
    assert sorted(backtest["horizon"].unique()) == [2, 3]
    wide = panel.pivot(index="unique_id", columns="ds", values="y").sort_index(axis=1)
    for (uid, cutoff), rows in backtest.groupby(["unique_id", "cutoff"]):
        history = wide.loc[uid, wide.columns <= cutoff].to_numpy()
        assert rows["spike_threshold"].unique() == pytest.approx([np.quantile(history, 0.75)])
        assert rows["scale_abs"].unique() == pytest.approx([np.abs(np.diff(history)).mean()])
        leads = ((rows["ds"] - cutoff) / pd.Timedelta(days=1)).astype(int) // (wide.columns[1] - wide.columns[0]).days
        assert rows["horizon"].tolist() == leads.tolist()
        assert rows["y"].tolist() == wide.loc[uid, rows["ds"]].tolist()
        # Naive: the mean is the last training value.
        assert (rows["mean"] == history[-1]).all()


# -- column handling: given levels, foreign columns, index and order -------------------------------


def test_crps_from_quantiles_uses_the_levels_it_is_given() -> None:
    from forecast.backtest.metrics import crps_from_quantiles

    frame = _frame([6.0])
    # Only q0.5 = 4: 2 * 0.5 * |6 - 4| = 2. All seven levels: 0.05*5, 0.1*4, 0.25*3, 0.5*2, 0.75*1,
    # 0 (y on q0.9) and 0.05*2 (y below q0.95 = 8), twice their mean.
    assert crps_from_quantiles(frame, [0.5]).item() == pytest.approx(2.0)
    every = 2 * (0.05 * 5 + 0.1 * 4 + 0.25 * 3 + 0.5 * 2 + 0.75 * 1 + 0.0 + 0.05 * 2) / 7
    assert crps_from_quantiles(frame).item() == pytest.approx(every)


def test_columns_that_are_not_quantiles_are_ignored() -> None:
    # 'h1' and 'x0.5' end in digits but are not q<level> columns; 'q0.50', 'q1' and 'q' are not
    # names quantile_column writes (0.5 is 'q0.5'; 1 is not a level in (0, 1)), 'quad' is no number.
    frame = _frame([4.0]).assign(h1=99.0, quad=99.0, **{"x0.5": 99.0, "q0.50": 99.0, "q1": 99.0, "q": 99.0})
    assert row_scores(frame)["crps_quantile"].item() == pytest.approx(row_scores(_frame([4.0]))["crps_quantile"].item())


def test_row_scores_keep_the_backtest_index_and_distribution_columns() -> None:
    frame = _frame([1.0, 4.0], rps=[0.7, 0.2], crps_sample=[0.8, 0.3], log_score=[1.5, 1.1])
    frame.index = [10, 20]
    scores = row_scores(frame)
    assert scores.index.tolist() == [10, 20]
    assert scores["crps"].tolist() == [0.7, 0.2]
    assert scores["crps_sample"].tolist() == [0.8, 0.3]
    assert scores["log_score"].tolist() == [1.5, 1.1]
    assert scores["poisson_deviance"].index.tolist() == [10, 20]


def test_poisson_deviance_of_a_single_event() -> None:
    frame = pd.DataFrame({"model": ["m"], "y": [1.0], "mean": [2.0]})
    # 2 (1 log(1/2) - (1 - 2)) = 2 (1 - log 2)
    assert row_scores(frame)["poisson_deviance"].item() == pytest.approx(2 * (1 - np.log(2)))


def test_evaluate_orders_models_and_passes_coverage_levels() -> None:
    frame = pd.concat([_frame([4.0]).assign(model="zeta"), _frame([9.0]).assign(model="alpha")], ignore_index=True)
    long = evaluate(frame, coverage_levels=[0.5], reference="zeta")
    assert long["model"].iloc[0] == "alpha" and long.index.tolist() == list(range(len(long)))
    assert {m for m in long["metric"] if m.startswith("coverage")} == {"coverage_0.5"}
    table = metrics_table(frame.assign(unique_id="s", horizon=1), reference="zeta")
    assert table.index.tolist() == list(range(len(table)))
    assert str(table["horizon"].dtype) == "Int64"
    assert list(overall(table).columns) == ["model", "metric", "value"]


def test_skill_of_a_metric_the_reference_lacks_is_missing_not_dropped() -> None:
    long = pd.DataFrame(
        {"model": ["a", "b", "b"], "metric": ["mae", "mae", "mase"], "value": [2.0, 1.0, 0.5]}
    )
    result = skill(long, "a").set_index(["model", "metric"])["value"]
    assert result[("b", "mae_skill")] == pytest.approx(0.5)
    assert np.isnan(result[("b", "mase_skill")])


@pytest.mark.parametrize("name", ["horizon", "n_windows", "step", "n_jobs"])
def test_each_count_of_the_protocol_must_be_at_least_one(name: str) -> None:
    # The error names the argument itself (the shells add the ``backtest.`` prefix).
    with pytest.raises(ArgumentError, match=rf"^{name}: must be >= 1, got 0\.$") as raised:
        BacktestSpec(**{name: 0})
    assert raised.value.argument == name


def test_smallest_valid_protocol_and_level_boundaries() -> None:
    spec = BacktestSpec(horizon=1, n_windows=1, step=1, n_jobs=1, gap=0, n_samples=0, quantiles=(0.01, 0.99))
    assert spec.horizon == 1
    for bad in ({"spike_quantile": 0.0}, {"spike_quantile": 1.0}):
        with pytest.raises(ArgumentError, match=r"^spike_quantile: must lie in \(0, 1\)"):
            BacktestSpec(**bad)
    for levels in ((0.5, 1.0), (0.0, 0.5), (1.5,)):
        with pytest.raises(ArgumentError, match=r"^quantiles: must lie in \(0, 1\)"):
            BacktestSpec(quantiles=levels)
    with pytest.raises(ArgumentError, match=r"^train_size: window='sliding' needs train_size"):
        BacktestSpec(window="sliding")


def test_scales_below_one_are_kept() -> None:
    # diffs 0, 1, 0: mean |d| = mean d^2 = 1/3, a real scale (not undefined).
    scale = insample_scale(np.array([[0.0, 0.0, 1.0, 1.0]]), spike_quantile=0.9)
    np.testing.assert_allclose(scale["scale_abs"], [1 / 3])
    np.testing.assert_allclose(scale["scale_sq"], [1 / 3])


def test_backtest_frame_layout_scores_and_reproducible_draws() -> None:
    panel = nb_panel(n_series=2, n_periods=20)
    spec = BacktestSpec(horizon=2, n_windows=2, step=2, n_samples=30, quantiles=(0.2, 0.8))
    first = rolling_origin(panel, {"last": Naive()}, spec)
    again = rolling_origin(panel, {"last": Naive()}, spec)
    pd.testing.assert_frame_equal(first, again)
    assert first.index.tolist() == list(range(len(first))) == list(range(8))
    assert set(first["model"]) == {"last"}
    assert [c for c in first.columns if c.startswith("q")] == ["q0.2", "q0.8"]
    for column in ("pit_lo", "pit_hi", "log_score", "rps", "p_pos", "p_spike", "crps_sample"):
        assert first[column].notna().all(), column
    # Naive's NB at the first row: the recorded rps equals distribution_scores on that law.
    row = first.iloc[0]
    wide = panel.pivot(index="unique_id", columns="ds", values="y").sort_index(axis=1)
    history = wide.loc[row["unique_id"], wide.columns <= row["cutoff"]].to_numpy()
    alpha = Naive().fit(panel[panel["ds"] <= row["cutoff"]]).distribution(1).alpha[0, 0]
    dist = NegativeBinomial(mu=np.array([[history[-1]]]), alpha=np.array([[alpha]]))
    expected = distribution_scores(dist, np.array([[row["y"]]]), np.array([np.quantile(history, 0.9)]), 0, np.random.default_rng(0))
    assert row["rps"] == pytest.approx(expected["rps"].item())
    assert row["p_spike"] == pytest.approx(expected["p_spike"].item())


# -- scoring: the grid ends and the Poisson-log-normal's numerical tail ----------------------------


def test_quantile_grid_rps_reaches_the_top_quantile() -> None:
    # Levels 0.1/0.5/0.9 at 0, 1, 10: F(k) = P(Q(U) < k + 1/2) is the piecewise-linear CDF of the
    # grid (0 below 0, 1 from 10 on); at y = 0 the RPS is sum_k (F(k) - 1)^2 over k = 0..10.
    from forecast.models.distributions import QuantileGrid

    values, levels = np.array([0.0, 1.0, 10.0]), np.array([0.1, 0.5, 0.9])
    grid = QuantileGrid(levels=levels, values=values[None, None, :], point=np.array([[3.0]]))
    k = np.arange(0, 12)
    cdf = np.interp(k + 0.5, values, levels, left=0.0, right=1.0)
    scores = distribution_scores(grid, np.array([[0.0]]), np.array([1.0]), 0, np.random.default_rng(0))
    assert scores["rps"].item() == pytest.approx(((cdf - 1.0) ** 2).sum(), rel=1e-12)


@pytest.mark.parametrize(("mu", "alpha"), [(50.0, 10.0), (5.0, 3.0), (20.0, 1.0)])
def test_lognormal_tail_sum_matches_the_full_sum(mu: float, alpha: float) -> None:
    # The tail past the grid, sum_{k > end} P(Y > k)^2, from the median on (where it is most of the
    # RPS), against the plain sum over every integer up to the 1 - 1e-13 quantile.
    from forecast.models.distributions import PoissonLogNormal

    dist = PoissonLogNormal(mu=np.array([[mu]]), alpha=np.array([[alpha]]))
    end = int(dist.quantile(0.5)[0, 0])
    k = np.arange(end + 1, int(dist.quantile(1 - 1e-13)[0, 0]) + 1, dtype=float)
    exact = ((1.0 - dist.cdf(k[None, None, :])[0, 0]) ** 2).sum()
    survival = 1.0 - dist.cdf(np.array([[float(end)]]))[0]  # P(Y > end), shape (1,)
    assert dist.tail_rps(end, survival).item() == pytest.approx(exact, rel=3e-3)


def test_rps_of_a_point_mass_at_zero_is_the_count() -> None:
    # F(k) = 1 for every k >= 0, so RPS = sum_k (1 - 1{y <= k})^2 = y; beside a Poisson(2) row.
    dist = NegativeBinomial(mu=np.array([[0.0, 0.0], [2.0, 2.0]]), alpha=np.array([[0.0, 0.5], [0.0, 0.0]]))
    y = np.array([[3.0, 0.0], [1.0, 4.0]])
    rps = distribution_scores(dist, y, np.array([1.0, 1.0]), 0, np.random.default_rng(0))["rps"]
    np.testing.assert_allclose(rps[0], [3.0, 0.0], atol=1e-12)
    k = np.arange(0, 60)
    for j, obs in enumerate(y[1]):
        expected = ((stats.poisson.cdf(k, 2.0) - (obs <= k)) ** 2).sum()
        assert rps[1, j] == pytest.approx(expected, rel=1e-10)


def test_quantile_grid_rows_are_scored_independently() -> None:
    from forecast.models.distributions import QuantileGrid

    levels = np.array([0.1, 0.5, 0.9])
    values = np.array([[[0.0, 1.0, 10.0], [2.0, 3.0, 4.0]], [[0.0, 0.0, 1.0], [5.0, 9.0, 30.0]]])
    point = np.array([[3.0, 3.0], [0.5, 12.0]])
    y = np.array([[0.0, 7.0], [2.0, 10.0]])
    together = distribution_scores(QuantileGrid(levels, values, point), y, np.array([1.0, 1.0]), 0, np.random.default_rng(0))
    for i in range(2):
        for j in range(2):
            one = QuantileGrid(levels, values[i : i + 1, j : j + 1], point[i : i + 1, j : j + 1])
            alone = distribution_scores(one, y[i : i + 1, j : j + 1], np.array([1.0]), 0, np.random.default_rng(0))
            k = np.arange(0, 40)
            cdf = np.interp(k + 0.5, values[i, j], levels, left=0.0, right=1.0)
            assert together["rps"][i, j] == pytest.approx(alone["rps"].item(), rel=1e-12)
            assert together["rps"][i, j] == pytest.approx(((cdf - (y[i, j] <= k)) ** 2).sum(), rel=1e-12)


@pytest.mark.parametrize(("mu", "end"), [(30.0, 10), (4.0, 3), (200.0, 150)])
def test_negative_binomial_tail_term_is_exact_for_the_geometric(mu: float, end: int) -> None:
    # alpha = 1 is the geometric law, P(Y > k) = q^(k + 1) with q = mu / (1 + mu): the tail past the
    # grid, sum_{k > end} P(Y > k)^2, is exactly S_end^2 q^2 / (1 - q^2) (here summed by scipy).
    dist = NegativeBinomial(mu=np.array([[mu]]), alpha=np.array([[1.0]]))
    law = stats.nbinom(1.0, 1.0 / (1.0 + mu))
    survival = law.sf(end)
    exact = (law.sf(np.arange(end + 1, end + 20000)) ** 2).sum()
    assert dist.tail_rps(end, np.array([survival])).item() == pytest.approx(exact, rel=1e-9)
    poisson = NegativeBinomial(mu=np.array([[mu]]), alpha=np.array([[0.0]]))
    assert poisson.tail_rps(end, np.array([0.3])).item() == 0.0


def test_an_unobserved_outcome_is_no_miss_and_not_below_any_quantile() -> None:
    # A series that ends after a cutoff leaves rows with y NaN (their scores are NaN). They must
    # leave coverage and calibration_gap as they are on the observed rows: y = 4 against
    # [2, 6] and the median 4 is covered, with 0 below and 1 at or below the median.
    observed = _frame([4.0])
    with_missing = _frame([4.0, np.nan, np.nan])
    assert row_scores(with_missing)["coverage_0.8"].tolist()[0] == 1.0
    assert row_scores(with_missing)["coverage_0.8"].isna().tolist() == [False, True, True]
    table = evaluate(with_missing).set_index("metric")["value"]
    assert table["coverage_0.8"] == 1.0
    assert calibration_gap(with_missing, [0.5]) == calibration_gap(observed, [0.5]) == 0.0
    assert calibration_gap(with_missing) == calibration_gap(observed)
    # No observed outcome (or no recorded quantile) leaves nothing to test: NaN, not a perfect 0.
    assert np.isnan(calibration_gap(_frame([np.nan, np.nan])))
    assert np.isnan(calibration_gap(_frame([4.0]).assign(**{"q0.5": np.nan}), [0.5]))


def test_a_series_ending_after_a_cutoff_is_covered_on_its_observed_periods_only() -> None:
    panel = nb_panel(n_series=2, n_periods=30)
    dates = sorted(panel["ds"].unique())
    ended = panel[(panel["unique_id"] != "s1") | (panel["ds"] <= dates[27])]  # s1 lacks the last 2 weeks
    spec = BacktestSpec(horizon=4, n_windows=1, step=1, quantiles=(0.1, 0.5, 0.9), n_samples=0)
    frame = run_backtest(ended, {"naive": Naive()}, spec).frame
    assert frame["y"].isna().sum() == 2  # s1's last two leads are not observed
    table = evaluate(frame).set_index("metric")["value"]
    observed = frame[frame["y"].notna()]
    assert table["coverage_0.8"] == pytest.approx(row_scores(observed)["coverage_0.8"].mean())
    assert table["calibration_gap"] == calibration_gap(observed)


def test_negative_binomial_tail_term_uses_the_grid_sum_it_is_given() -> None:
    # The scorer hands the NB its grid's sum_{k <= end} P(Y > k)^2 so that heavy laws (alpha > 1)
    # need not rebuild the grid: given or rebuilt, the tail is the same, and it is the exact rest
    # of scipy's full sum.
    mu, alpha, end = np.array([[3.0], [40.0], [0.5]]), np.array([[50.0], [2.0], [0.3]]), 400
    dist = NegativeBinomial(mu=mu, alpha=alpha)
    grid = dist.cdf_grid(end + 1).reshape(3, end + 1)
    head = ((1.0 - grid) ** 2).sum(axis=1)
    survival = 1.0 - grid[:, -1]
    np.testing.assert_array_equal(dist.tail_rps(end, survival, head), dist.tail_rps(end, survival))
    size = 1.0 / alpha[1, 0]
    law = stats.nbinom(size, size / (size + mu[1, 0]))
    exact = (law.sf(np.arange(end + 1, end + 200000)) ** 2).sum()
    assert dist.tail_rps(end, survival, head)[1] == pytest.approx(exact, rel=1e-6)
