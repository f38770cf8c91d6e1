"""Known answers for the leaderboard statistics at h > 1: DM with HLN, Newey-West lags, bootstrap blocks.

Every expected value is computed here by hand in numpy (or by statsmodels/scipy), never by
the functions under test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.sandwich_covariance import S_hac_simple, weights_uniform

from forecast.errors import ArgumentError
from forecast.backtest.compare import (
    block_bootstrap_ci,
    dependence_span,
    diebold_mariano,
    leaderboard,
    loss_differential,
    row_losses,
)

# A loss-differential series with visible serial correlation (hand-picked, n = 12).
D = np.array([0.8, 1.1, 0.4, -0.3, -0.9, -0.2, 0.6, 1.4, 0.9, -0.1, -0.6, 0.3])


def _dm_by_hand(d: np.ndarray, h: int) -> float:
    """DM statistic: mean / sqrt(truncated long-run variance / n), times the HLN factor."""
    n = d.size
    c = d - d.mean()
    gamma = [np.sum(c[k:] * c[: n - k]) / n for k in range(h)]
    long_run = gamma[0] + 2 * sum(gamma[1:])
    hln = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    return hln * d.mean() / np.sqrt(long_run / n)


def test_dm_at_h3_matches_hand_and_statsmodels_newey_west_lag_2() -> None:
    n, h = D.size, 3
    c = D - D.mean()
    # statsmodels' HAC inner matrix with uniform weights up to lag h - 1 is n * long-run variance.
    long_run = S_hac_simple(c, nlags=h - 1, weights_func=weights_uniform).item() / n
    assert long_run == pytest.approx(
        (c @ c + 2 * (c[1:] @ c[:-1]) + 2 * (c[2:] @ c[:-2])) / n, rel=1e-12
    )
    hln = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    expected = hln * D.mean() / np.sqrt(long_run / n)
    result = diebold_mariano(D, h=h)
    assert result.statistic == pytest.approx(expected, rel=1e-12)
    assert result.statistic == pytest.approx(_dm_by_hand(D, h), rel=1e-12)
    assert result.n == n
    t = stats.t(df=n - 1)
    assert result.pvalue == pytest.approx(2 * t.sf(abs(expected)), rel=1e-10)
    assert diebold_mariano(D, h=h, alternative="less").pvalue == pytest.approx(t.cdf(expected), rel=1e-10)
    assert diebold_mariano(D, h=h, alternative="greater").pvalue == pytest.approx(t.sf(expected), rel=1e-10)


def test_dm_lags_depend_on_h() -> None:
    # Each h uses exactly lags 0..h-1: h = 1, 2, 3 differ and each matches the hand formula.
    values = [diebold_mariano(D, h=h).statistic for h in (1, 2, 3)]
    assert values == pytest.approx([_dm_by_hand(D, h) for h in (1, 2, 3)], rel=1e-12)
    assert len({round(v, 8) for v in values}) == 3


def test_negative_truncated_variance_falls_back_to_lag_zero() -> None:
    # Alternating signs: lag-1 autocovariance ~ -gamma0, so gamma0 + 2 gamma1 < 0.
    d = np.array([2.0, -1.0, 2.1, -1.2, 1.9, -0.9, 2.2, -1.1])
    n, h = d.size, 2
    c = d - d.mean()
    assert c @ c / n + 2 * (c[1:] @ c[:-1]) / n < 0
    hln = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    expected = hln * d.mean() / np.sqrt((c @ c / n) / n)
    assert diebold_mariano(d, h=h).statistic == pytest.approx(expected, rel=1e-12)


def test_dm_drops_non_finite_and_refuses_degenerate_series() -> None:
    with_gaps = np.insert(D, [2, 5], [np.nan, np.inf])
    assert diebold_mariano(with_gaps, h=2) == diebold_mariano(D, h=2)
    constant = diebold_mariano(np.full(6, 0.5), h=1)
    assert np.isnan(constant.statistic) and np.isnan(constant.pvalue) and constant.n == 6
    assert diebold_mariano(np.array([1.0, -1.0, 2.0]), h=1).n == 3
    assert np.isfinite(diebold_mariano(np.array([1.0, -1.0, 2.0]), h=1).statistic)


# -- dependence span ---------------------------------------------------------------------------


def _keys(cutoffs: list[int], leads: list[int]) -> tuple[pd.DatetimeIndex, pd.DatetimeIndex]:
    """Keys ordered by cutoff then ds for weekly cutoffs (week numbers) and leads."""
    start = pd.Timestamp("2020-01-06")
    cut = [start + pd.Timedelta(weeks=c) for c in cutoffs for _ in leads]
    ds = [start + pd.Timedelta(weeks=c + k) for c in cutoffs for k in leads]
    return pd.DatetimeIndex(cut), pd.DatetimeIndex(ds)


@pytest.mark.parametrize(
    ("cutoffs", "leads", "expected"),
    [
        # one lead k, cutoffs s apart: ceil(k / s)
        (list(range(6)), [3], 3),  # s = 1, k = 3: the classic h-step DM
        (list(range(0, 12, 2)), [3], 2),  # s = 2, k = 3
        (list(range(0, 12, 4)), [4], 1),  # s = k: windows only touch, never overlap
        (list(range(0, 16, 4)), [8], 2),  # the default protocol (step 4) at lead 8
        # pooled leads 1..3: within a cutoff 3 terms; with s = 1, cutoff c + 2 still scores period c + 3
        (list(range(0, 20, 5)), [1, 2, 3], 3),
        (list(range(6)), [1, 2, 3], 7),
        # gap 1: leads 2..3 only
        (list(range(0, 20, 5)), [2, 3], 2),
        # the default protocol pooled (horizon 8, step 4): lead 5 of cutoff c (term 4) and lead 8
        # of cutoff c + 4 (term 15) both score period c + 5, so h = 15 - 4 + 1 = 12 (the docs said 9)
        (list(range(0, 12, 4)), list(range(1, 9)), 12),
        (list(range(0, 8, 4)), list(range(1, 9)), 12),
    ],
)
def test_dependence_span_by_hand(cutoffs: list[int], leads: list[int], expected: int) -> None:
    cut, ds = _keys(cutoffs, leads)
    assert dependence_span(cut, ds) == expected


def test_dependence_span_of_a_single_term_is_one() -> None:
    cut, ds = _keys([0], [1])
    assert dependence_span(cut, ds) == 1
    assert dependence_span([], []) == 1


# -- leaderboard at h > 1 ----------------------------------------------------------------------


def _two_model_backtest(cutoffs: list[int], leads: list[int], seed: int = 3) -> pd.DataFrame:
    """Hand-made backtest rows for models A and B on series s0, s1 (weekly, integer y and means)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2020-01-06")
    rows = []
    for uid in ("s0", "s1"):
        y = {t: float(rng.integers(0, 20)) for t in range(max(cutoffs) + max(leads) + 1)}
        for c in cutoffs:
            for k in leads:
                for model, shift in (("A", 0.0), ("B", 1.0)):
                    mean = float(rng.integers(0, 20)) + shift
                    rows.append(
                        {
                            "unique_id": uid,
                            "ds": start + pd.Timedelta(weeks=c + k),
                            "cutoff": start + pd.Timedelta(weeks=c),
                            "y": y[c + k],
                            "model": model,
                            "mean": mean,
                            "horizon": k,
                        }
                    )
    return pd.DataFrame(rows)


def _hand_differential(backtest: pd.DataFrame, model: str, other: str) -> pd.Series:
    """Absolute-error differential averaged over series per (cutoff, ds), sorted: the DM input."""
    loss = (backtest["y"] - backtest["mean"]).abs()
    frame = backtest.assign(loss=loss).set_index(["unique_id", "ds", "cutoff", "model"])["loss"].unstack("model")
    diff = (frame[model] - frame[other]).groupby(level=["cutoff", "ds"]).mean()
    return diff.sort_index()


def test_leaderboard_pooled_board_uses_the_overlap_span() -> None:
    # Cutoffs one week apart, leads 1..3: cutoffs c and c + 2 both score week c + 3, so the
    # differentials at positions 3c + 2 and 3(c + 2) + 2 share y: lags up to 6, h = 7.
    backtest = _two_model_backtest(list(range(8)), [1, 2, 3])
    board = leaderboard(backtest, "mae", n_boot=400, seed=5).set_index("model")
    means = (backtest["y"] - backtest["mean"]).abs().groupby(backtest["model"]).mean()
    best, other = means.idxmin(), means.idxmax()
    d = _hand_differential(backtest, other, best).to_numpy()
    assert d.size == 24
    row = board.loc[other]
    assert row["versus"] == best and board.loc[best, "rank"] == 1
    assert row["mae"] == pytest.approx(means[other])
    assert row["diff"] == pytest.approx(d.mean())
    assert row["dm_stat"] == pytest.approx(_dm_by_hand(d, 7), rel=1e-10)
    p = 2 * stats.t(df=d.size - 1).sf(abs(_dm_by_hand(d, 7)))
    assert row["p_value"] == pytest.approx(p, rel=1e-8)
    assert row["mark"] == ("**" if p < 0.01 else "*" if p < 0.05 else "")
    # The bootstrap interval is the one with blocks of 7 on the same stream (first draws of seed 5).
    low, high = block_bootstrap_ci(d, block=7, rng=np.random.default_rng(5), n_boot=400)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert np.isnan(board.loc[best, "dm_stat"]) and board.loc[best, "mark"] == ""


@pytest.mark.parametrize("lead", [1, 2, 3])
def test_leaderboard_per_horizon_board_at_lead_k_uses_h_equal_k(lead: int) -> None:
    # Cutoffs one week apart: the lead-k differentials form the classic k-step DM series, MA(k-1).
    backtest = _two_model_backtest(list(range(10)), [1, 2, 3], seed=11)
    boards = leaderboard(backtest, "mae", by=["horizon"], reference="A", n_boot=300, seed=2)
    row = boards[(boards["horizon"] == lead) & (boards["model"] == "B")].iloc[0]
    d = _hand_differential(backtest[backtest["horizon"] == lead], "B", "A").to_numpy()
    assert d.size == 10
    assert row["dm_stat"] == pytest.approx(_dm_by_hand(d, lead), rel=1e-10)
    assert row["diff"] == pytest.approx(d.mean())


def test_per_horizon_block_length_follows_the_lead() -> None:
    # One board only (lead 3), so the board's bootstrap draws are the first of seed 9.
    backtest = _two_model_backtest(list(range(10)), [3], seed=4)
    row = leaderboard(backtest, "mae", reference="A", n_boot=300, seed=9).set_index("model").loc["B"]
    d = _hand_differential(backtest, "B", "A").to_numpy()
    expected = block_bootstrap_ci(d, block=3, rng=np.random.default_rng(9), n_boot=300)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(expected, rel=1e-12)


def test_loss_differential_is_series_averaged_and_time_ordered() -> None:
    backtest = _two_model_backtest([0, 2, 4], [1, 2], seed=8)
    shuffled = backtest.sample(frac=1.0, random_state=1)
    d = loss_differential(row_losses(shuffled, "mae"), "A", "B")
    assert d == pytest.approx(_hand_differential(backtest, "A", "B").to_numpy())


# -- bootstrap interval: level and coverage ------------------------------------------------------


def test_bootstrap_level_maps_to_its_tail_quantiles() -> None:
    # iid normal data, blocks of 1: the bootstrap mean is ~ Normal(mean, s / sqrt(n)), so the
    # 95% interval is mean +- 1.96 s / sqrt(n) and the 50% one mean +- 0.674 s / sqrt(n).
    rng = np.random.default_rng(0)
    d = rng.normal(0.0, 1.0, size=400)
    se = d.std() / np.sqrt(d.size)
    for level in (0.95, 0.5):
        low, high = block_bootstrap_ci(d, block=1, rng=np.random.default_rng(1), n_boot=20000, level=level)
        z = stats.norm.ppf(0.5 + level / 2)
        assert (high - low) / 2 == pytest.approx(z * se, rel=0.05)
        assert (low + high) / 2 == pytest.approx(d.mean(), abs=0.1 * se)


def test_bootstrap_blocks_keep_dependence() -> None:
    # Positively correlated MA(3) data: blocks of 4 give a wider interval than iid resampling,
    # close to the long-run standard error sqrt(16 / 4 * var / n) = 2 s / sqrt(n) (true LRV 16, gamma0 4).
    rng = np.random.default_rng(3)
    d = np.convolve(rng.normal(size=4003), np.ones(4), "valid")
    iid = block_bootstrap_ci(d, block=1, rng=np.random.default_rng(1), n_boot=4000)
    blocks = block_bootstrap_ci(d, block=40, rng=np.random.default_rng(1), n_boot=4000)
    assert (blocks[1] - blocks[0]) / (iid[1] - iid[0]) == pytest.approx(2.0, rel=0.12)


def test_bootstrap_degenerate_inputs() -> None:
    assert all(np.isnan(block_bootstrap_ci(np.array([1.0]), block=2, rng=np.random.default_rng(0))))
    assert block_bootstrap_ci(np.array([1.0, np.nan, 3.0]), block=1, rng=np.random.default_rng(0), n_boot=500) == (
        pytest.approx(1.0),
        pytest.approx(3.0),
    )
    # A block as long as the series makes every replicate the full circle, the mean: a
    # zero-width "95% interval" (3.0, 3.0) before, read as certainty; now no interval.
    for block in (3, 10):
        assert all(np.isnan(block_bootstrap_ci(np.array([1.0, 2.0, 6.0]), block=block, rng=np.random.default_rng(0))))
    low, high = block_bootstrap_ci(np.array([1.0, 2.0, 6.0]), block=2, rng=np.random.default_rng(0))
    assert 1.0 <= low < 3.0 < high <= 6.0  # two blocks: the replicates vary


def _coverage(generate, block: int, n: int, reps: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    hits = 0
    for _ in range(reps):
        low, high = block_bootstrap_ci(generate(rng, n), block=block, rng=rng, n_boot=500)
        hits += low <= 0.0 <= high
    return hits / reps


def test_bootstrap_95_interval_covers_a_zero_mean_at_its_nominal_rate() -> None:
    # 300 replications each (~4 s): iid loss differences with blocks of 1, and AR(1) (phi = 0.5)
    # differences with blocks of 10 (the AR(1) autocorrelation at lag 10 is 0.001).
    def iid(rng, n):
        return rng.normal(size=n)

    def ar1(rng, n):
        e = rng.normal(size=n + 50)
        x = np.zeros(n + 50)
        for t in range(1, n + 50):
            x[t] = 0.5 * x[t - 1] + e[t]
        return x[50:]

    assert 0.90 <= _coverage(iid, block=1, n=100, reps=300, seed=0) <= 0.99
    assert 0.90 <= _coverage(ar1, block=10, n=300, reps=300, seed=1) <= 0.99


# -- degenerate DM inputs and the leaderboard's layout ---------------------------------------------


def test_dm_exactly_zero_truncated_variance_uses_lag_zero() -> None:
    # d = [3, 1, 2]: centred [1, -1, 0], gamma0 = 2/3, gamma1 = -1/3, so gamma0 + 2 gamma1 = 0 exactly.
    # Lag-0 variance (2/3) / 3 = 2/9 and HLN factor sqrt((3 + 1 - 4 + 2/3) / 3) = sqrt(2/9): DM = 2 exactly.
    result = diebold_mariano(np.array([3.0, 1.0, 2.0]), h=2)
    assert result.statistic == pytest.approx(2.0, rel=1e-12)
    assert result.pvalue == pytest.approx(2 * stats.t(df=2).sf(2.0), rel=1e-12)


def test_dm_on_fewer_than_three_values_is_nan_with_its_count() -> None:
    result = diebold_mariano(np.array([1.0, np.nan, 2.0]), h=1)
    assert result.n == 2 and np.isnan(result.statistic) and np.isnan(result.pvalue)


@pytest.mark.parametrize(
    ("pvalue", "mark"), [(0.001, "**"), (0.00999, "**"), (0.01, "*"), (0.049, "*"), (0.05, ""), (0.5, ""), (np.nan, "")]
)
def test_significance_marks_are_strictly_below_one_and_five_percent(pvalue: float, mark: str) -> None:
    from forecast.backtest.compare import _marks

    assert _marks(pvalue) == mark


def test_a_clearly_worse_model_gets_two_stars() -> None:
    backtest = _two_model_backtest(list(range(10)), [1], seed=1)
    worse = backtest["model"] == "B"
    backtest.loc[worse, "mean"] = backtest.loc[worse, "y"] + 30.0 + np.arange(worse.sum()) % 3
    backtest.loc[~worse, "mean"] = backtest.loc[~worse, "y"] + np.arange((~worse).sum()) % 2
    row = leaderboard(backtest, "mae", n_boot=200).set_index("model").loc["B"]
    assert row["p_value"] < 0.01 and row["mark"] == "**"


def test_leaderboard_defaults_are_2000_draws_of_seed_0() -> None:
    backtest = _two_model_backtest(list(range(0, 12, 3)), [1, 2, 3], seed=6)
    row = leaderboard(backtest, "mae", reference="A").set_index("model").loc["B"]
    d = _hand_differential(backtest, "B", "A").to_numpy()
    expected = block_bootstrap_ci(d, block=3, rng=np.random.default_rng(0), n_boot=2000)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(expected, rel=1e-12)
    assert block_bootstrap_ci(d, block=3, rng=np.random.default_rng(4)) == block_bootstrap_ci(
        d, block=3, rng=np.random.default_rng(4), n_boot=2000, level=0.95
    )


def test_boards_by_an_extra_column_are_sorted_and_reindexed() -> None:
    backtest = _two_model_backtest(list(range(6)), [1, 2], seed=2)
    backtest["dyad"] = np.where(backtest["unique_id"] == "s0", "zz-b", "aa-a")  # s0 rows come first
    boards = leaderboard(backtest, "mae", by=["dyad"], reference="A", n_boot=100)
    assert list(boards.columns) == [
        "dyad", "rank", "model", "mae", "versus", "diff", "ci_low", "ci_high", "dm_stat", "p_value", "mark",
    ]
    assert boards["dyad"].tolist() == ["aa-a", "aa-a", "zz-b", "zz-b"]
    assert boards.index.tolist() == [0, 1, 2, 3]
    first = backtest[backtest["dyad"] == "aa-a"]
    expected = (first["y"] - first["mean"]).abs().groupby(first["model"]).mean()
    assert boards[boards["dyad"] == "aa-a"].set_index("model")["mae"].to_dict() == pytest.approx(expected.to_dict())


def test_single_model_board_has_every_column() -> None:
    backtest = _two_model_backtest([0, 1, 2], [1], seed=2)
    board = leaderboard(backtest[backtest["model"] == "A"], "mae", n_boot=50)
    assert list(board.columns) == [
        "rank", "model", "mae", "versus", "diff", "ci_low", "ci_high", "dm_stat", "p_value", "mark",
    ]
    assert board["mark"].tolist() == [""] and board[["diff", "dm_stat", "p_value"]].isna().all().all()


def test_unknown_reference_and_disjoint_models_are_explained() -> None:
    backtest = _two_model_backtest([0, 1, 2], [1], seed=2)
    with pytest.raises(ArgumentError, match=r"^reference: model 'zzz' is not in the backtest; choose one of \['A', 'B'\]"):
        leaderboard(backtest, "mae", reference="zzz", n_boot=10)
    disjoint = backtest[(backtest["model"] == "A") & (backtest["cutoff"] == backtest["cutoff"].min())]
    other = backtest[(backtest["model"] == "B") & (backtest["cutoff"] != backtest["cutoff"].min())]
    with pytest.raises(ValueError, match=r"^the models share no \(unique_id, ds, cutoff\) forecast: compare runs"):
        leaderboard(pd.concat([disjoint, other]), "mae")


# -- missing losses ------------------------------------------------------------------------------


def test_a_model_with_missing_losses_is_ranked_on_the_rows_it_scored() -> None:
    # A's log score is missing on its worst rows: ranking on the rest would let it skip them.
    backtest = _two_model_backtest(list(range(8)), [1, 2, 3])
    backtest["log_score"] = (backtest["y"] - backtest["mean"]).abs()
    hard = (backtest["model"] == "A") & (backtest["log_score"] > 8)
    assert hard.sum() > 0
    backtest.loc[hard, "log_score"] = np.nan
    keys = ["unique_id", "ds", "cutoff"]
    skipped = backtest.loc[hard, keys].merge(backtest[keys].reset_index(), on=keys)["index"]
    kept = backtest.drop(index=skipped)
    expected = kept.groupby("model")["log_score"].mean()
    board = leaderboard(backtest, "log_score", n_boot=50).set_index("model")
    assert board["log_score"].to_dict() == pytest.approx(expected.to_dict())
    assert board.loc[expected.idxmin(), "rank"] == 1
    backtest.loc[backtest["model"] == "A", "log_score"] = np.nan  # a KeyError traceback before
    with pytest.raises(ArgumentError, match=r"^metric: model\(s\) \['A'\] have no 'log_score' value in their backtest"):
        leaderboard(backtest, "log_score", n_boot=10)


@pytest.mark.parametrize("value", [0.1, 0.3, 0.7, 1 / 3])
@pytest.mark.parametrize("n", [5, 10, 24])
def test_dm_of_a_constant_shift_is_nan_whatever_the_rounding(value: float, n: int) -> None:
    # The centred values are rounding noise (~1e-17): before, some (value, n) gave NaN and
    # others a statistic of ~1e16 with p = 0, by the luck of the mean's last bit.
    for h in (1, 3):
        result = diebold_mariano(np.full(n, value), h=h)
        assert np.isnan(result.statistic) and np.isnan(result.pvalue) and result.n == n


@pytest.mark.parametrize(("n", "h"), [(3, 3), (4, 4), (3, 5), (4, 8), (5, 8)])
def test_dm_with_no_more_differentials_than_h_is_nan(n: int, h: int) -> None:
    # HLN factor (n + 1 - 2h + h(h-1)/n) / n = (n - h)(n - h + 1) / n**2: 0 at n = h (DM 0,
    # p = 1 before) and positive again below h - 1 (DM ~5e7, p ~ 0 before, at n = 3, h = 5).
    assert (n + 1 - 2 * h + h * (h - 1) / n) / n == pytest.approx((n - h) * (n - h + 1) / n**2)
    d = np.random.default_rng(0).normal(1.0, 1.0, size=n)
    result = diebold_mariano(d, h=h)
    assert np.isnan(result.statistic) and np.isnan(result.pvalue) and result.n == n
    assert np.isfinite(diebold_mariano(np.append(d, 0.3), h=min(h, n)).statistic)  # n = h + 1 is tested


def test_diff_is_the_difference_of_the_ranked_means_when_terms_have_different_series() -> None:
    # Cutoffs 0-1 forecast s0 only (A 10 off, B exact), cutoffs 2-5 forecast s0..s4 (B a
    # little worse): 2 + 20 rows, row means A 40/22 and B 24/22. A plain mean per term weighed
    # each one-series term like a five-series one: diff 3.2, not the 0.727 between the means.
    start = pd.Timestamp("2020-01-06")
    rows = []
    for c in range(6):
        for i in [0] if c < 2 else range(5):
            errors = {"A": 10.0, "B": 0.0} if c < 2 else {"A": 1.0, "B": 1.0 + 0.1 * (1 + (c + i) % 3)}
            for model, err in errors.items():
                rows.append({"unique_id": f"s{i}", "ds": start + pd.Timedelta(weeks=c + 1),
                             "cutoff": start + pd.Timedelta(weeks=c), "y": 5.0, "model": model,
                             "mean": 5.0 + err, "horizon": 1})
    backtest = pd.DataFrame(rows)
    board = leaderboard(backtest, "mae", reference="B", n_boot=200).set_index("model")
    means = (backtest["y"] - backtest["mean"]).abs().groupby(backtest["model"]).mean()
    assert means.to_dict() == pytest.approx({"A": 40.0 / 22, "B": 24.0 / 22})
    assert board.loc["A", "diff"] == pytest.approx(means["A"] - means["B"])
    # By hand: each term's summed difference over the mean number of series per term (22 / 6).
    sums = _hand_differential(backtest, "A", "B") * backtest[backtest["model"] == "A"].groupby(["cutoff", "ds"]).size()
    d = (sums / (22 / 6)).to_numpy()
    assert loss_differential(row_losses(backtest, "mae"), "A", "B") == pytest.approx(d)
    assert board.loc["A", "dm_stat"] == pytest.approx(_dm_by_hand(d, 1), rel=1e-10)
    expected = block_bootstrap_ci(d, block=1, rng=np.random.default_rng(0), n_boot=200)
    assert (board.loc["A", "ci_low"], board.loc["A", "ci_high"]) == pytest.approx(expected, rel=1e-12)


def test_a_quantile_one_job_did_not_record_is_no_miss_in_the_coverage_curve() -> None:
    # Two jobs of a sweep with different backtest.quantiles, stacked: B has no q0.05/q0.95.
    from forecast.backtest import coverage_curve
    from forecast.backtest.metrics import calibration_gap, interval_hit

    y = np.array([0.0, 3.0, 5.0, 9.0])
    grid = {"q0.05": [0.0, 1.0, 2.0, 2.0], "q0.1": [0.0, 1.0, 3.0, 2.0], "q0.5": [1.0, 3.0, 4.0, 4.0],
            "q0.9": [2.0, 6.0, 4.0, 7.0], "q0.95": [3.0, 7.0, 6.0, 8.0]}
    a = pd.DataFrame({"y": y, "model": "A", **grid})
    b = pd.DataFrame({"y": y, "model": "B", **{k: v for k, v in grid.items() if k not in ("q0.05", "q0.95")}})
    stacked = pd.concat([a, b], ignore_index=True)
    curve = coverage_curve(stacked).set_index(["model", "level"])["coverage"]
    # By hand: 0.8 holds rows 0, 1 (y 0 in [0, 2], 3 in [1, 6]; 5 > 4, 9 > 7); 0.9 holds rows 0, 1, 2 for A.
    assert curve[("A", 0.8)] == curve[("B", 0.8)] == 0.5
    assert curve[("A", 0.9)] == 0.75
    assert np.isnan(curve[("B", 0.9)])  # 0.0 before: four NaN bounds counted as four misses
    assert np.isnan(interval_hit(b.reindex(columns=stacked.columns), 0.9)).all()
    part = stacked[stacked["model"] == "B"]
    assert calibration_gap(part) == pytest.approx(calibration_gap(b))  # 0.95 before, from q0.95 "never reached"
