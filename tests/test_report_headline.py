"""Headline numbers against hand computations, model choice, and report wording."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from forecast.errors import ArgumentError
from forecast.report.blocks import partition
from forecast.report.choice import ModelChoice, choose_model
from forecast.report.context import Sides, reported_model, shared_scores
from forecast.report.headline import compare, direction, exceedance, long_samples, ratio, skill_interval, trend
from forecast.report.wording import dyad_name, frequency_adjective, horizon_words, series_name


def _samples(paths: dict[str, np.ndarray]) -> pd.DataFrame:
    """Long samples frame from ``{unique_id: (h, n_paths)}`` arrays."""
    frames = []
    for unique_id, values in paths.items():
        h, n = values.shape
        dates = pd.date_range("2021-09-06", periods=h, freq="W-MON")
        frames.append(
            pd.DataFrame(
                {"unique_id": unique_id, "ds": np.repeat(dates, n), "sample": np.tile(np.arange(n), h), "y": values.ravel()}
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_deterministic_paths_counted_by_hand():
    # Totals over two steps: A = [3, 2, 0, 5], B = [1, 2, 4, 5] -> A > B on path 0 only, ties on 1 and 3.
    a = np.array([[1, 1, 0, 2], [2, 1, 0, 3]], dtype=float)
    b = np.array([[0, 1, 2, 5], [1, 1, 2, 0]], dtype=float)
    result = compare(_samples({"A": a, "B": b}), ["A"], ["B"])
    assert result.exceedance.greater == 0.25 and result.exceedance.equal == 0.5 and result.exceedance.less == 0.25
    # (A+1)/(B+1) = [2, 1, 0.2, 1]: median 1; 10% and 90% by linear interpolation: 0.44 and 1.7.
    assert result.ratio.median == pytest.approx(1.0)
    assert result.ratio.low == pytest.approx(0.2 + 0.3 * 0.8) and result.ratio.high == pytest.approx(1.0 + 0.7 * 1.0)


def test_exceedance_matches_exact_poisson_convolution():
    # Independent Poisson totals: A ~ Poisson(8 * 1.5), B ~ Poisson(8 * 1.2) over 8 steps.
    rng = np.random.default_rng(3)
    n = 200_000
    a = rng.poisson(1.5, size=(8, n)).astype(float)
    b = rng.poisson(1.2, size=(8, n)).astype(float)
    result = compare(_samples({"A": a, "B": b}), ["A"], ["B"])
    k = np.arange(200)
    pmf_a, pmf_b = stats.poisson.pmf(k, 12.0), stats.poisson.pmf(k, 9.6)
    p_equal = float(pmf_a @ pmf_b)
    p_greater = float(pmf_a @ stats.poisson.cdf(k - 1, 9.6))
    se = np.sqrt(p_greater * (1 - p_greater) / n)
    assert abs(result.exceedance.greater - p_greater) < 4 * se
    assert abs(result.exceedance.equal - p_equal) < 4 * np.sqrt(p_equal * (1 - p_equal) / n)


def test_long_samples_keeps_each_joint_path_together():
    paths = np.arange(2 * 3 * 4, dtype=float).reshape(2, 3, 4)  # (series, step, path)
    dates = pd.date_range("2021-09-06", periods=3, freq="W-MON")
    frame = long_samples(paths, ["a", "b"], dates)
    row = frame[(frame["unique_id"] == "b") & (frame["ds"] == dates[2]) & (frame["sample"] == 1)]
    assert row["y"].tolist() == [paths[1, 2, 1]] and len(frame) == 24
    with pytest.raises(ArgumentError, match="paths"):
        long_samples(paths, ["a"], dates)


def test_sides_sum_their_series_path_by_path():
    # A's side is two series; summing per path (not per-series medians) decides the comparison.
    a1 = np.array([[0, 4]], dtype=float)
    a2 = np.array([[4, 0]], dtype=float)
    b = np.array([[3, 3]], dtype=float)
    result = compare(_samples({"a1": a1, "a2": a2, "b": b}), ["a1", "a2"], ["b"])
    assert result.exceedance.greater == 1.0
    with pytest.raises(ArgumentError, match="compare: series \\['zzz'\\]"):
        compare(_samples({"a1": a1, "b": b}), ["zzz"], ["b"])


def test_share_below_is_never_negative_when_no_path_is_below():
    # 64 of 1,000 paths above, 936 tied, none below: 1 - 0.064 - 0.936 is -1.1e-16 in floats, printed "-0.00".
    a, b = np.r_[np.ones(64), np.zeros(936)], np.zeros(1000)
    result = exceedance(a, b)
    assert result.less == 0.0 and partition([result.greater, result.equal, result.less]) == ("0.06", "0.94", "0.00")
    assert exceedance(np.r_[a, [-1.0]], np.r_[b, [0.0]]).less == 1 / 1001
    samples = _samples({"A": np.r_[np.full(64, 3.0), np.full(936, 2.0)][None, :]})
    panel = pd.DataFrame({"unique_id": "A", "ds": pd.date_range("2021-08-30", periods=1, freq="W-MON"), "y": [2.0]})
    assert trend(samples, panel)["p_down"].tolist() == [0.0]


def test_ratio_is_defined_when_the_denominator_is_zero():
    assert ratio(np.array([0.0, 4.0]), np.array([0.0, 0.0]), level=0.0).median == pytest.approx(3.0)
    with pytest.raises(ArgumentError):
        exceedance(np.array([1.0]), np.array([1.0, 2.0]))


def test_trend_compares_with_the_last_observed_window():
    panel = pd.DataFrame(
        {"unique_id": "A", "ds": pd.date_range("2021-08-02", periods=4, freq="W-MON"), "y": [9.0, 9.0, 1.0, 2.0]}
    )
    # Last 2 observed weeks total 3; path totals 2, 3, 5, 7 -> up 2/4, equal 1/4, down 1/4.
    paths = np.array([[1, 1, 2, 3], [1, 2, 3, 4]], dtype=float)
    table = trend(_samples({"A": paths}), panel).iloc[0]
    assert table["observed"] == 3.0 and table["window_start"] == pd.Timestamp("2021-08-16")
    assert (table["p_up"], table["p_equal"], table["p_down"]) == (0.5, 0.25, 0.25)
    assert table["direction"] == "no clear change"
    rising = trend(_samples({"A": paths + 1}), panel).iloc[0]
    assert rising["p_up"] == 1.0 and rising["direction"] == "almost certainly rising"


@pytest.mark.parametrize(
    ("p_up", "p_down", "words"),
    [
        (0.5, 0.5, "no clear change"),  # a tie names no side
        (0.5499, 0.4501, "no clear change"),
        (0.55, 0.45, "likely rising"),
        (0.1, 0.7999, "likely falling"),
        (0.8, 0.2, "very likely rising"),
        (0.02, 0.9499, "very likely falling"),
        (0.0, 0.95, "almost certainly falling"),
        (1.0, 0.0, "almost certainly rising"),
        (0.40, 0.35, "no clear change"),  # a quarter of paths equal: neither side reaches 0.55
    ],
)
def test_direction_uses_the_icd_203_terms_at_their_boundaries(p_up, p_down, words):
    assert direction(p_up, p_down) == words


def test_skill_interval_from_the_difference_interval():
    # model 8, reference 10, diff -2 in [-3, -1] -> skill 0.2 in [0.1, 0.3].
    assert skill_interval(8.0, 10.0, -3.0, -1.0) == pytest.approx((0.2, 0.1, 0.3))


def test_best_model_by_crps_unless_pinned():
    scores = {"naive": 7.1, "nb_glm": 6.6, "tsb": np.nan}
    best = choose_model(scores)
    assert best.model == "nb_glm" and best.reason == "chosen as the lowest backtest CRPS among naive, nb_glm, tsb"
    assert choose_model(scores, pinned="naive").reason == "pinned by report.model"
    # One model: it said "chosen as the lowest backtest CRPS among nb_glm".
    assert choose_model({"nb_glm": 6.6}) == ModelChoice("nb_glm", "the only candidate, so not chosen by backtest CRPS")
    with pytest.raises(ArgumentError) as error:
        choose_model(scores, pinned="theta")
    assert error.value.argument == "model" and "naive, nb_glm, tsb" in str(error.value)
    assert str(error.value.under("report")).startswith("report.model: 'theta' is not a model of this run")


def _backtest(rps: dict[str, dict[str, float]]) -> pd.DataFrame:
    """A backtest frame of one cutoff and step: model -> series -> the row's CRPS (rps)."""
    rows = [
        {"unique_id": sid, "ds": pd.Timestamp("2024-01-08"), "cutoff": pd.Timestamp("2024-01-01"), "horizon": 1,
         "model": model, "y": 3.0, "mean": 3.0, "rps": value}
        for model, series in rps.items() for sid, value in series.items()
    ]
    return pd.DataFrame(rows)


def test_the_reported_model_is_chosen_on_the_rows_every_model_scored():
    # tsb failed the hard series 'b'. Over its own rows it averages 3 against nb_glm's (2 + 20) / 2 = 11,
    # which chose tsb before; on the row both scored ('a') nb_glm's 2 beats tsb's 3.
    backtest = _backtest({"tsb": {"a": 3.0}, "nb_glm": {"a": 2.0, "b": 20.0}, "zero": {}})
    assert shared_scores(backtest, ["tsb", "nb_glm", "zero"]) == {"tsb": 3.0, "nb_glm": 2.0, "zero": pytest.approx(np.nan, nan_ok=True)}
    assert reported_model(backtest, ["tsb", "nb_glm"], None).model == "nb_glm"
    # an unscored row (NaN rps) leaves the comparison for every model, as in the leaderboard
    holes = _backtest({"tsb": {"a": 3.0, "c": np.nan}, "nb_glm": {"a": 4.0, "c": 0.5}})
    assert shared_scores(holes, ["tsb", "nb_glm"]) == {"tsb": 3.0, "nb_glm": 4.0}
    # no forecast in common: each model's own mean
    apart = _backtest({"tsb": {"a": 3.0}, "nb_glm": {"b": 2.0}})
    assert shared_scores(apart, ["tsb", "nb_glm"]) == {"tsb": 3.0, "nb_glm": 2.0}
    with pytest.raises(ArgumentError, match=r"^report\.model: 'theta' is not a model of this run"):
        reported_model(backtest, ["tsb", "nb_glm"], "theta")


@pytest.mark.parametrize(
    ("freq", "h", "adjective", "words"),
    [("W-SUN", 8, "weekly", "8 weeks"), ("YS-JAN", 3, "yearly", "3 years"), ("A-DEC", 1, "yearly", "1 year"),
     ("MS", 2, "monthly", "2 months"), ("D", 7, "daily", "7 days"), ("QS-OCT", 4, "quarterly", "4 quarters")],
)
def test_frequency_and_horizon_words(freq, h, adjective, words):
    assert frequency_adjective(freq) == adjective and horizon_words(h, freq) == words


def test_country_names_not_codes():
    assert dyad_name("CHN-USA") == "China–United States"
    assert series_name("CHN-RUS/military_contact") == "China–Russia military contact"
    assert series_name("s0") == "s0" and dyad_name("XXQ-CHN") == "XXQ–China"
    # A directed dyad was printed as its codes: "CHN>RUS military contact".
    assert series_name("CHN>RUS/military_contact") == "China → Russia military contact"
    assert dyad_name("RUS>CHN") == "Russia → China" and dyad_name("a>b") == "a>b"


def test_one_series_or_dyad_is_a_single_side():
    # It was refused: "report.compare: the run has one series only (['s0']); the headline compares two".
    one = Sides({}, None, ["s0"])
    assert (one.pair, one.single, one.comparisons(), one.needed()) == (["s0"], True, [(None, ["s0"], [])], ["s0"])
    ids = ["CHN-RUS/cooperation", "CHN-RUS/military_contact"]
    dyad = Sides({"family": "military_contact"}, {"dyads": [["CHN", "RUS"]]}, ids)
    assert dyad.pair == ["CHN-RUS"] and dyad.single
    assert dyad.comparisons() == [("military_contact", ["CHN-RUS/military_contact"], []), ("cooperation", ["CHN-RUS/cooperation"], [])]
    assert not Sides({}, None, ["s0", "s1"]).single
    # Naming one dyad is still refused: report.compare names the two a headline compares.
    with pytest.raises(ArgumentError, match=r"^report.compare: name exactly two dyads, got \['CHN-RUS'\]\.$"):
        Sides({"compare": "CHN-RUS"}, {"dyads": [["CHN", "RUS"]]}, ids)


def test_directed_dyads_match_the_configured_pairs_in_their_order():
    # Directed labels (CHN>USA) never matched a configured pair ([CHN, USA]): the headline fell back to the
    # panel's first two, CHN>RUS vs CHN>USA, the reverse of the configured question, and report.compare
    # with pairs was refused ("['CHN', 'USA'] is not among the run's dyads: CHN>RUS, CHN>USA").
    ids = ["CHN>RUS/f", "CHN>USA/f", "RUS>CHN/f"]
    series = {"dyads": [["CHN", "USA"], ["RUS", "CHN"]], "directed": True}
    assert Sides({}, series, ids).pair == ["CHN>USA", "RUS>CHN"]
    assert Sides({"compare": [["RUS", "CHN"], ["CHN", "RUS"]]}, series, ids).pair == ["RUS>CHN", "CHN>RUS"]
    assert Sides({"compare": ["CHN>USA", "CHN>RUS"]}, series, ids).pair == ["CHN>USA", "CHN>RUS"]
    with pytest.raises(ArgumentError, match=r"\['USA', 'CHN'\] is not among the run's dyads"):
        Sides({"compare": [["USA", "CHN"], ["CHN", "RUS"]]}, series, ids)
    # Undirected labels still match a pair in either order.
    assert Sides({"compare": [["USA", "CHN"], ["RUS", "CHN"]]}, None, ["CHN-RUS/f", "CHN-USA/f"]).pair == ["CHN-USA", "CHN-RUS"]
