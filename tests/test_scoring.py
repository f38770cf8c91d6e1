"""Every backtest metric against a closed form, scoringrules, scipy or a hand computation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scoringrules as sr
from scipy import stats

from forecast.backtest import (
    coverage_curve,
    crps_from_quantiles,
    crps_from_samples,
    distribution_scores,
    evaluate,
    insample_scale,
    interval_score,
    metrics_table,
    overall,
    pinball_loss,
    pit_histogram,
    poisson_deviance,
    randomised_pit,
    ranked_probability_score,
    row_scores,
    sharpness,
    skill,
)
from forecast.backtest.scoring import LOG_SCORE_FLOOR
from forecast.errors import ArgumentError
from forecast.models.distributions import NegativeBinomial, PoissonLogNormal, SamplePaths

Y = np.array([[0.0, 3.0, 7.0], [1.0, 12.0, 2.0]])
MU = np.array([[0.5, 2.5, 4.0], [1.5, 8.0, 6.0]])


def _scores(dist, y=Y, threshold=(2.0, 9.0), n_samples=0):
    return distribution_scores(dist, y, np.array(threshold), n_samples, np.random.default_rng(0))


def test_crps_of_poisson_matches_closed_form():
    scores = _scores(NegativeBinomial(mu=MU, alpha=np.zeros_like(MU)))
    np.testing.assert_allclose(scores["rps"], sr.crps_poisson(Y, MU), rtol=1e-8)


def test_crps_of_negative_binomial_matches_closed_form():
    alpha = np.full_like(MU, 0.4)
    scores = _scores(NegativeBinomial(mu=MU, alpha=alpha))
    np.testing.assert_allclose(scores["rps"], sr.crps_negbinom(Y, 1 / alpha, mu=MU), rtol=1e-6)


def test_crps_of_poisson_lognormal_matches_a_fine_numerical_mixture():
    # Reference: the Poisson pmf mixed over a dense trapezoid grid of the normal shock
    # (independent of the Gauss-Hermite rule the distribution uses), summed as an RPS.
    alpha = np.array([[0.3, 0.1, 1.2], [0.05, 0.4, 0.0]])
    z = np.linspace(-9, 9, 1801)
    weights = stats.norm.pdf(z) * (z[1] - z[0])
    s = np.sqrt(np.log1p(alpha))[..., None]
    rates = MU[..., None] * np.exp(s * z - s**2 / 2)
    k = np.arange(400)
    pmf = np.einsum("ijz,ijzk->ijk", np.broadcast_to(weights, rates.shape), stats.poisson.pmf(k, rates[..., None]))
    expected = ((np.cumsum(pmf, axis=-1) - (Y[..., None] <= k)) ** 2).sum(axis=-1)
    scores = _scores(PoissonLogNormal(mu=MU, alpha=alpha), n_samples=20_000)
    np.testing.assert_allclose(scores["rps"], expected, rtol=1e-6)
    np.testing.assert_allclose(scores["crps_sample"], expected, atol=0.05)


def test_crps_of_a_heavy_tailed_poisson_lognormal_matches_the_full_sum_over_its_support():
    # Reference: the RPS summed over every count up to the 1 - 1e-13 quantile (tens of
    # thousands of terms); the scorer sums its grid to the 0.999 quantile and the tail numerically.
    mu, alpha, y = np.array([[0.5, 5.0, 30.0]]), np.array([[10.0, 9.0, 2.0]]), np.array([[40.0, 3.0, 20.0]])
    dist = PoissonLogNormal(mu=mu, alpha=alpha)
    expected = []
    for j in range(3):
        one = PoissonLogNormal(mu=mu[:, [j]], alpha=alpha[:, [j]])
        k = np.arange(one.quantile(1 - 1e-13)[0, 0] + 2)
        expected.append(((one.cdf(k[None, None, :])[0, 0] - (y[0, j] <= k)) ** 2).sum())
    np.testing.assert_allclose(_scores(dist, y=y, threshold=(2.0,))["rps"][0], expected, rtol=1e-6)


def test_rps_is_scoringrules_rps_over_count_categories():
    # Categories 0..K with one-hot observations: scoringrules' unnormalised RPS is the same sum.
    k = np.arange(30)
    pmf = stats.poisson.pmf(k[None, :], MU.ravel()[:, None])
    pmf[:, -1] += 1 - pmf.sum(axis=1)  # the last category takes the (negligible) tail
    cdf = np.cumsum(pmf, axis=1)
    onehot = (Y.ravel()[:, None] == k).astype(float)
    expected = sr.rps_score(onehot, pmf, onehot=True)
    np.testing.assert_allclose(ranked_probability_score(cdf, Y.ravel()), expected, rtol=1e-6)
    np.testing.assert_allclose(expected, sr.crps_poisson(Y.ravel(), MU.ravel()), rtol=1e-6)


def test_crps_from_samples_by_hand_and_equal_to_empirical_rps():
    # Ensemble {0, 1, 3}, y = 2: E|X-y| = 4/3, E|X-X'| = 12/9, CRPS = 4/3 - 2/3 = 2/3.
    assert crps_from_samples(np.array([2.0]), np.array([[0.0, 1.0, 3.0]]))[0] == pytest.approx(2 / 3)
    paths = np.random.default_rng(1).poisson(MU[..., None], size=(*MU.shape, 300)).astype(float)
    scores = _scores(SamplePaths(paths), n_samples=0)
    np.testing.assert_allclose(scores["rps"], crps_from_samples(Y.ravel(), paths.reshape(Y.size, -1)).reshape(Y.shape))


def test_crps_sample_converges_to_closed_form():
    scores = _scores(NegativeBinomial(mu=MU, alpha=np.zeros_like(MU)), n_samples=20_000)
    np.testing.assert_allclose(scores["crps_sample"], sr.crps_poisson(Y, MU), atol=0.03)


def test_log_score_pit_and_event_probabilities_match_scipy():
    alpha = np.full_like(MU, 0.3)
    scores = _scores(NegativeBinomial(mu=MU, alpha=alpha))
    n, p = 1 / alpha, 1 / (1 + alpha * MU)
    np.testing.assert_allclose(scores["log_score"], -stats.nbinom.logpmf(Y, n, p), rtol=1e-8)
    np.testing.assert_allclose(scores["log_score"], sr.logs_negbinom(Y, n, mu=MU), rtol=1e-6)
    np.testing.assert_allclose(scores["pit_hi"], stats.nbinom.cdf(Y, n, p))
    np.testing.assert_allclose(scores["pit_lo"], stats.nbinom.cdf(Y - 1, n, p))
    np.testing.assert_allclose(scores["p_pos"], 1 - stats.nbinom.pmf(0, n, p))
    threshold = np.array([[2.0], [9.0]])
    np.testing.assert_allclose(scores["p_spike"], stats.nbinom.sf(threshold, n, p))


def test_sample_log_score_is_floored():
    scores = _scores(SamplePaths(np.zeros((*Y.shape, 10))))
    assert scores["log_score"][1, 1] == pytest.approx(-np.log(LOG_SCORE_FLOOR))
    assert scores["log_score"][0, 0] == pytest.approx(0.0)  # y = 0, every draw 0


def test_unobserved_targets_score_nan():
    y = Y.copy()
    y[0, 2] = np.nan
    scores = _scores(NegativeBinomial(mu=MU, alpha=np.zeros_like(MU)), y=y)
    assert all(np.isnan(v[0, 2]) and np.isfinite(v[1, 2]) for v in scores.values())


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["m", "m", "r", "r"],
            "unique_id": ["a", "a", "a", "a"],
            "horizon": [1, 2, 1, 2],
            "y": [3.0, 0.0, 3.0, 0.0],
            "mean": [2.0, 1.0, 4.0, 0.0],
            "q0.1": [1.0, 0.0, 1.0, 0.0],
            "q0.5": [2.0, 1.0, 4.0, 0.0],
            "q0.9": [5.0, 2.0, 6.0, 1.0],
            "scale_abs": [2.0, 2.0, 2.0, 2.0],
            "scale_sq": [4.0, 4.0, 4.0, 4.0],
            "spike_threshold": [2.5, 2.5, 2.5, 2.5],
            "p_pos": [0.9, 0.5, 0.6, 0.2],
            "p_spike": [0.3, 0.1, 0.5, 0.0],
            "rps": [1.0, 0.5, 2.0, 0.1],
            "log_score": [1.5, 0.7, 2.0, 0.2],
        }
    )


def test_point_and_scaled_errors_by_hand():
    frame = _frame()
    table = evaluate(frame).set_index(["model", "metric"])["value"]
    assert table["m", "mae"] == 1.0  # |3-2|, |0-1|
    assert table["m", "rmse"] == 1.0
    assert table["m", "mase"] == pytest.approx(0.5)  # mean(1/2, 1/2)
    assert table["m", "rmsse"] == pytest.approx(0.5)  # sqrt(mean(1/4, 1/4))
    assert table["m", "crps"] == pytest.approx(0.75)
    assert table["m", "log_score"] == pytest.approx(1.1)
    # Brier: P(y>0) 0.9 vs 1, 0.5 vs 0 -> (0.01 + 0.25) / 2; spikes (y > 2): 0.3 vs 1, 0.1 vs 0 -> (0.49 + 0.01) / 2
    assert table["m", "brier_pos"] == pytest.approx(0.13)
    assert table["m", "brier_spike"] == pytest.approx(0.25)
    assert table["m", "coverage_0.8"] == 1.0


def test_insample_scale_by_hand():
    scale = insample_scale(np.array([[1.0, 3.0, 2.0, 4.0], [5.0, 5.0, 5.0, 5.0]]), spike_quantile=0.5)
    np.testing.assert_allclose(scale["scale_abs"], [5 / 3, np.nan])  # |2|, |-1|, |2|; constant -> undefined
    np.testing.assert_allclose(scale["scale_sq"], [3.0, np.nan])
    np.testing.assert_allclose(scale["spike_threshold"], [2.5, 5.0])


def test_poisson_deviance_by_hand():
    frame = pd.DataFrame({"y": [3.0, 0.0, 2.0], "mean": [2.0, 1.0, 2.0]})
    np.testing.assert_allclose(poisson_deviance(frame), [2 * (3 * np.log(1.5) - 1), 2.0, 0.0])


def test_quantile_scores_match_scoringrules():
    frame = _frame()
    levels = [0.1, 0.5, 0.9]
    quantiles = frame[["q0.1", "q0.5", "q0.9"]].to_numpy()
    np.testing.assert_allclose(
        crps_from_quantiles(frame), sr.crps_quantile(frame["y"].to_numpy(), quantiles, np.array(levels))
    )
    np.testing.assert_allclose(
        interval_score(frame, 0.8),
        sr.interval_score(frame["y"].to_numpy(), frame["q0.1"].to_numpy(), frame["q0.9"].to_numpy(), 0.2),
    )
    # y = 3, q0.9 = 5 -> 0.1 * 2; y = 0, q0.9 = 2 -> 0.2
    np.testing.assert_allclose(pinball_loss(frame, 0.9)[:2], [0.2, 0.2])


def test_skill_against_reference():
    table = evaluate(_frame(), reference="r").set_index(["model", "metric"])["value"]
    # crps: m 0.75, r 1.05 -> 1 - 0.75 / 1.05
    assert table["m", "crps_skill"] == pytest.approx(1 - 0.75 / 1.05)
    assert table["r", "crps_skill"] == 0.0
    with pytest.raises(ValueError, match="^reference: model 'nope' is not in the run"):
        skill(evaluate(_frame()), "nope")


def test_metrics_table_layout():
    table = metrics_table(_frame(), reference="r")
    assert list(table.columns) == ["model", "metric", "value", "unique_id", "horizon"]
    assert set(table.loc[table["horizon"].notna(), "horizon"]) == {1, 2}
    assert set(table.loc[table["unique_id"].notna(), "unique_id"]) == {"a"}
    assert "unique_id" not in overall(table)
    assert len(overall(table)) == len(evaluate(_frame(), reference="r"))
    assert not row_scores(_frame()).isna().any().any()


def test_pit_histogram_by_hand_and_uniform_when_calibrated():
    one = pd.DataFrame({"model": ["m"], "pit_lo": [0.2], "pit_hi": [0.6]})
    # F_u at edges 0, .2, .4, .6, .8, 1 -> 0, 0, .5, 1, 1, 1
    np.testing.assert_allclose(pit_histogram(one, bins=5)["density"], [0, 2.5, 2.5, 0, 0])
    rng = np.random.default_rng(3)
    mu = rng.uniform(0.3, 6.0, size=20_000)
    y = rng.poisson(mu)
    frame = pd.DataFrame({"model": "m", "pit_lo": stats.poisson.cdf(y - 1, mu), "pit_hi": stats.poisson.cdf(y, mu)})
    np.testing.assert_allclose(pit_histogram(frame)["density"], 1.0, atol=0.08)
    pit = randomised_pit(frame, np.random.default_rng(0))
    assert stats.kstest(pit, "uniform").pvalue > 0.01
    assert pit.equals(randomised_pit(frame, np.random.default_rng(0)))


def test_coverage_curve_and_sharpness_by_hand():
    curve = coverage_curve(_frame()).set_index(["model", "level"])
    assert curve.loc[("m", 0.8), "coverage"] == 1.0
    assert curve.loc[("r", 0.8), "width"] == pytest.approx((5 + 1) / 2)
    assert sharpness(_frame()).set_index("model").loc["m", "width_0.8"] == pytest.approx(3.0)


def test_distribution_cdf_and_pmf():
    dist = NegativeBinomial(mu=MU, alpha=np.full_like(MU, 0.5))
    np.testing.assert_allclose(dist.pmf(Y), stats.nbinom.pmf(Y, 2.0, 2.0 / (2.0 + MU)))
    draws = SamplePaths(np.array([[[0.0, 1.0, 1.0, 3.0]]]))
    np.testing.assert_allclose(draws.cdf(np.array([[[-1.0, 0.0, 1.0, 2.0, 3.0]]])), [[[0, 0.25, 0.75, 0.75, 1.0]]])
    np.testing.assert_allclose(draws.pmf(np.array([[1.0]])), [[0.5]])


def test_crps_of_heavy_tailed_negative_binomials_matches_closed_form():
    rng = np.random.default_rng(0)
    mu = rng.uniform(0.01, 300.0, size=(1, 500))
    alpha = np.exp(rng.uniform(-5.0, np.log(5.0), size=(1, 500)))
    y = rng.negative_binomial(1 / alpha, 1 / (1 + alpha * mu)).astype(float)
    scores = _scores(NegativeBinomial(mu=mu, alpha=alpha), y=y, threshold=(5.0,))
    np.testing.assert_allclose(scores["rps"], sr.crps_negbinom(y, 1 / alpha, mu=mu), rtol=1e-6)


def test_pit_histogram_leaves_out_rows_without_an_outcome():
    # A row of a series that ended after the cutoff has no PIT (NaN); it is not a PIT of 0 or 1.
    one = pd.DataFrame({"model": ["m"], "pit_lo": [0.2], "pit_hi": [0.6]})
    both = pd.DataFrame({"model": ["m", "m"], "pit_lo": [0.2, np.nan], "pit_hi": [0.6, np.nan]})
    pd.testing.assert_frame_equal(pit_histogram(both, bins=5), pit_histogram(one, bins=5))
    np.testing.assert_allclose(pit_histogram(both, bins=5)["density"], [0, 2.5, 2.5, 0, 0])


@pytest.mark.parametrize("alpha", [20.0, 100.0, 1000.0])
def test_crps_of_very_overdispersed_negative_binomials_matches_closed_form(alpha):
    # alpha up to MAX_DISPERSION = 1e3 is accepted from the count regressions, and the index
    # dispersion (phi - 1) / mu of a sparse series is larger still. Past the grid the geometric
    # series with ratio mu / (size + mu) only bounds the tail when size < 1: at alpha = 1000 it
    # overstated the CRPS of y = 0 by 10%.
    mu = np.array([[0.05, 0.5, 3.0, 40.0, 300.0]])
    y = np.array([[0.0, 1.0, 0.0, 3.0, 50.0]])
    alphas = np.full_like(mu, alpha)
    scores = _scores(NegativeBinomial(mu=mu, alpha=alphas), y=y, threshold=(5.0,))
    np.testing.assert_allclose(scores["rps"], sr.crps_negbinom(y, 1 / alphas, mu=mu), rtol=1e-9)


def test_crps_of_a_non_integer_outcome_is_the_crps_integral_of_the_step_cdf():
    # measure=share gives outcomes such as 2.5 events per 10,000: the CRPS is the integral of
    # (F(floor x) - 1{x >= y})**2 over x, which for an ensemble is scoringrules' crps_ensemble
    # (sample CRPS), and for an integer y the RPS. It was scored at floor(y): 2.5 as 2.
    rng = np.random.default_rng(5)
    paths = rng.poisson(3.0, size=(1, 5, 40)).astype(float)
    y = np.array([[0.4, 2.5, 3.75, 10.2, 3.0]])
    scores = _scores(SamplePaths(paths), y=y, threshold=(5.0,))
    np.testing.assert_allclose(scores["rps"][0], sr.crps_ensemble(y[0], paths[0]), rtol=1e-12)
    # NB: the same integral on a fine grid of x (the step CDF is constant on [k, k + 1)).
    mu, alpha = np.full((1, 5), 4.0), np.full((1, 5), 0.5)
    law = NegativeBinomial(mu=mu, alpha=alpha)
    x = (np.arange(400 * 1000) + 0.5) / 1000
    step = stats.nbinom.cdf(np.floor(x), 2.0, 2.0 / 6.0)
    expected = [((step - (x >= v)) ** 2).sum() / 1000 for v in y[0]]
    np.testing.assert_allclose(_scores(law, y=y, threshold=(5.0,))["rps"][0], expected, rtol=1e-6)


def test_a_non_integer_outcome_has_the_pit_of_a_continuous_point_and_no_log_score():
    # NB with size 2 and p = 1/3: P(Y = k) = (k + 1) / 9 (2/3)**k, so F(0) = 1/9 and
    # F(2) = 1/9 + 4/27 + 4/27 = 11/27, P(Y = 3) = 32/243. A count law has no mass at 2.5
    # or 0.4: P(Y < 2.5) = P(Y <= 2.5) = F(2), and no log score. They were scored as 2 and 0.
    law = NegativeBinomial(mu=np.full((1, 3), 4.0), alpha=np.full((1, 3), 0.5))
    scores = _scores(law, y=np.array([[2.5, 3.0, 0.4]]), threshold=(5.0,))
    np.testing.assert_allclose(scores["pit_lo"][0], [11 / 27, 11 / 27, 1 / 9], rtol=1e-12)
    np.testing.assert_allclose(scores["pit_hi"][0], [11 / 27, 11 / 27 + 32 / 243, 1 / 9], rtol=1e-12)
    assert np.isnan(scores["log_score"][0, 0]) and np.isnan(scores["log_score"][0, 2])
    assert scores["log_score"][0, 1] == pytest.approx(-np.log(32 / 243), rel=1e-12)


def test_a_group_with_an_outcome_without_log_score_has_no_mean_log_score():
    # Model m's 2.5 has no log score: the mean of its integer rows alone (0.7) would rank a
    # share series by its zero periods. Model r scored both rows: (2.0 + 0.2) / 2.
    frame = _frame()
    frame.loc[0, ["y", "log_score"]] = [2.5, np.nan]
    table = overall(metrics_table(frame)).set_index(["model", "metric"])["value"]
    assert np.isnan(table[("m", "log_score")])
    assert table[("r", "log_score")] == pytest.approx(1.1)
    per_horizon = evaluate(frame, by=["horizon"]).set_index(["model", "horizon", "metric"])["value"]
    assert np.isnan(per_horizon[("m", 1, "log_score")])
    assert per_horizon[("m", 2, "log_score")] == pytest.approx(0.7)


def test_coverage_curve_width_is_over_the_rows_with_an_outcome():
    # Row 2 of model m has no outcome (a series that ended after the cutoff): it is no hit and
    # no miss, so its interval [0, 20] is not part of the width either. Rows 0 and 1 give
    # coverage (1 + 0) / 2 and width (4 + 2) / 2; the width over all three was 26 / 3.
    frame = pd.DataFrame(
        {
            "model": ["m", "m", "m"],
            "y": [3.0, 9.0, np.nan],
            "q0.1": [1.0, 0.0, 0.0],
            "q0.9": [5.0, 2.0, 20.0],
        }
    )
    curve = coverage_curve(frame).set_index(["model", "level"])
    assert curve.loc[("m", 0.8), "coverage"] == pytest.approx(0.5)
    assert curve.loc[("m", 0.8), "width"] == pytest.approx(3.0)
    assert sharpness(frame).set_index("model").loc["m", "width_0.8"] == pytest.approx(3.0)


@pytest.mark.parametrize("y", [1e7, 1e8, 1e8 + 0.5])
def test_an_outcome_far_in_the_tail_scores_in_bounded_memory_and_exactly(y):
    # CRPS(F, y) = E|Y - y| - E|Y - Y'| / 2 = CRPS(F, 0) + y - 2 mu + 2 E[(Y - y)^+], and the
    # last term vanishes this far out; a non-integer y adds frac (2 F(y) - 1) = frac. The grid
    # ran to y: 1e8 cells per row, gigabytes for one row.
    import tracemalloc

    mu = np.array([[3.0, 2.0]])
    alpha = np.array([[0.0, 2.0]])
    k = np.arange(200)
    at_zero = [(stats.poisson.sf(k, 3.0) ** 2).sum(), sr.crps_negbinom(0.0, 0.5, mu=2.0)]
    tracemalloc.start()
    scores = _scores(NegativeBinomial(mu=mu, alpha=alpha), y=np.full((1, 2), y), threshold=(5.0,))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 20e6
    expected = np.array(at_zero) + np.floor(y) - 2 * mu[0] + (y - np.floor(y))
    np.testing.assert_allclose(scores["rps"][0], expected, rtol=1e-12)
    np.testing.assert_allclose(scores["pit_hi"][0], 1.0)
    if y == np.floor(y):
        np.testing.assert_allclose(scores["log_score"][0], -np.log(LOG_SCORE_FLOOR))


@pytest.mark.parametrize("y", [2e5, 1e7])
def test_an_outcome_past_the_grid_of_a_heavy_tailed_law_matches_the_closed_form(y):
    # NB with alpha = 1000, mu = 300: the survival function decays over ~3e5 counts, so the
    # counts between the grid's end (~1.8e5) and y still carry mass the closed form counts.
    mu, alpha = np.array([[300.0, 300.0]]), np.array([[1000.0, 10.0]])
    scores = _scores(NegativeBinomial(mu=mu, alpha=alpha), y=np.full((1, 2), y), threshold=(5.0,))
    np.testing.assert_allclose(scores["rps"][0], sr.crps_negbinom(np.full(2, y), 1 / alpha[0], mu=mu[0]), rtol=1e-8)


def test_the_share_of_log_scores_at_the_floor_is_a_metric():
    # A law with no mass at y (every draw 0, y = 12) scores -log(1e-6) ~ 13.8 like one with
    # 1e-6 there: the mean log score hides that, the share of rows at the floor shows it.
    at_floor = _scores(SamplePaths(np.zeros((*Y.shape, 10))))["log_score"][1, 1]
    frame = _frame()
    frame["log_score"] = [at_floor, 0.7, -np.log(2 * LOG_SCORE_FLOOR), np.nan]
    frame.loc[3, "y"] = np.nan
    table = overall(metrics_table(frame)).set_index(["model", "metric"])["value"]
    assert table[("m", "log_score_floored")] == pytest.approx(0.5)
    assert table[("r", "log_score_floored")] == 0.0  # 1 row scored, at 2e-6: above the floor
    assert row_scores(frame)["log_score_floored"].isna().tolist() == [False, False, False, True]


def test_a_sample_law_off_the_integers_is_scored_from_its_draws():
    # Draws 0.3, 0.6, 1.4, 2.2 (a model resampling a share series' history): E|X - 0.5| = 2.9 / 4
    # and E|X - X'| / 2 = 13 / 16 / 2, so CRPS(0.5) = 0.725 - 0.40625 = 0.31875; the grid of
    # counts saw one step at 1 and gave 0.8125, P(Y <= 0.5) = 0 and P(Y > 1.5) = P(Y > 1) = 1/2.
    paths = np.array([[[0.3, 0.6, 1.4, 2.2], [0.3, 0.6, 1.4, 2.2], [0.0, 1.0, 1.0, 3.0]]])
    scores = _scores(SamplePaths(paths), y=np.array([[0.5, 1.4, 1.0]]), threshold=(1.5,))
    np.testing.assert_allclose(scores["rps"][0, 0], 0.31875, rtol=1e-12)
    np.testing.assert_allclose(scores["pit_lo"][0], [1 / 4, 2 / 4, 1 / 4])
    np.testing.assert_allclose(scores["pit_hi"][0], [1 / 4, 3 / 4, 3 / 4])
    np.testing.assert_allclose(scores["log_score"][0], [-np.log(LOG_SCORE_FLOOR), np.log(4), np.log(2)])
    np.testing.assert_allclose(scores["p_spike"][0], [1 / 4, 1 / 4, 1 / 4])
    np.testing.assert_allclose(scores["p_pos"][0], [1.0, 1.0, 3 / 4])
    np.testing.assert_allclose(scores["rps"][0], sr.crps_ensemble(np.array([0.5, 1.4, 1.0]), paths[0]), rtol=1e-12)


def test_skill_compares_a_model_with_the_reference_on_the_rows_both_forecast():
    # m failed on series b (no rows, no fallback): its CRPS 0.5 on a is compared with the
    # reference's 1.0 on a, skill 1 - 0.5 / 1 = 0.5, not with r's mean over a and b
    # ((1 + 3) / 2 = 2, skill 0.75, a reward for failing on the hard series). mae alike:
    # m 1 on a against r 2 on a -> 0.5 (was 1 - 1 / 3.5). Model c forecast only b: 1 - 6 / 3 = -1.
    when = pd.Timestamp("2021-01-04")
    frame = pd.DataFrame(
        {
            "model": ["m", "r", "r", "c"],
            "unique_id": ["a", "a", "b", "b"],
            "ds": when + pd.Timedelta(days=7),
            "cutoff": when,
            "horizon": 1,
            "y": [3.0, 3.0, 10.0, 10.0],
            "mean": [2.0, 1.0, 5.0, 4.0],
            "rps": [0.5, 1.0, 3.0, 6.0],
        }
    )
    table = overall(metrics_table(frame, reference="r")).set_index(["model", "metric"])["value"]
    assert table[("m", "crps")] == 0.5 and table[("r", "crps")] == 2.0  # the scores keep their own rows
    assert table[("m", "crps_skill")] == pytest.approx(0.5)
    assert table[("m", "mae_skill")] == pytest.approx(0.5)
    assert table[("m", "rmse_skill")] == pytest.approx(0.5)
    assert table[("c", "crps_skill")] == pytest.approx(-1.0)
    assert table[("r", "crps_skill")] == 0.0
    per_series = evaluate(frame, by=["unique_id"], reference="r").set_index(["model", "unique_id", "metric"])["value"]
    assert per_series[("m", "a", "crps_skill")] == pytest.approx(0.5)
    assert per_series[("c", "b", "crps_skill")] == pytest.approx(-1.0)


def test_a_pit_of_exactly_zero_or_one_is_in_the_first_or_last_bin():
    # An outcome below every draw has P(Y < y) = P(Y <= y) = 0: its PIT is the point 0, which
    # belongs in [0, 0.2], as the point 1 belongs in [0.8, 1]. The 0 was dropped: density 2.5
    # in the last bin only, a histogram of total mass 1/2.
    frame = pd.DataFrame({"model": ["m", "m"], "pit_lo": [0.0, 1.0], "pit_hi": [0.0, 1.0]})
    np.testing.assert_allclose(pit_histogram(frame, bins=5)["density"], [2.5, 0, 0, 0, 2.5])
    scores = _scores(SamplePaths(np.full((*Y.shape, 4), 2.0)), y=np.array([[1.0, 2.0, 5.0], [0.0, 0.5, 2.0]]))
    rows = pd.DataFrame({"model": "m", "pit_lo": scores["pit_lo"].ravel(), "pit_hi": scores["pit_hi"].ravel()})
    # PITs: 0, [0, 1], 1, 0, 0, [0, 1] -> three points at 0, one at 1, two uniform rows.
    np.testing.assert_allclose(pit_histogram(rows, bins=5)["density"], np.array([3 + 0.4, 0.4, 0.4, 0.4, 1 + 0.4]) * 5 / 6)


def test_a_coverage_curve_without_a_central_interval_names_the_config_key():
    # backtest.quantiles=[0.5] ran the whole backtest, then stopped with a ValueError traceback.

    frame = pd.DataFrame({"model": ["m"], "y": [1.0], "q0.5": [1.0], "q0.75": [2.0]})
    with pytest.raises(ArgumentError, match=r"^backtest\.quantiles: the coverage curve needs a central interval.*\[0\.5, 0\.75\]"):
        coverage_curve(frame)


def test_a_negative_outcome_is_refused_naming_its_row_and_step():
    # Before: the CDF grid was read at index -1 (its last cell), a silently wrong PIT and RPS.
    law = NegativeBinomial(mu=np.full((2, 3), 4.0), alpha=np.full((2, 3), 0.5))
    y = np.array([[1.0, np.nan, 2.0], [0.0, -1.0, 3.0]])
    with pytest.raises(ArgumentError, match=r"^y: outcome -1 \(row 1, step 1\) is negative; count laws score counts >= 0\.$"):
        distribution_scores(law, y, np.array([5.0, 5.0]), 0, np.random.default_rng(0))
    scored = distribution_scores(law, np.where(y < 0, np.nan, y), np.array([5.0, 5.0]), 0, np.random.default_rng(0))
    assert np.isnan(scored["rps"][1, 1]) and np.isfinite(scored["rps"][1, 0])
