"""The series stage's user-facing contract: every refusal names the key and the fix, report
sentences say what the values are, and the small selection helpers give hand-checked pairs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.errors import DataError
from forecast.events import families_from_mapping
from forecast.series import (
    SeriesSpec,
    apply_transform,
    build_panel,
    check_model_support,
    describe_measure,
    dyad_label,
    invert_transform,
    observed_coverage,
    period_grid,
)
from forecast.series.measures import quantile_columns
from forecast.series.sql import aggregate_sql, measure_sql
from forecast.series.selection import candidate_pairs, family_terms, top_pairs
from tests.event_tables import coverage, event_table

FAMILIES = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
PAIR = {"dyads": [("CHN", "RUS")], "families": ["all"]}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({**PAIR, "span": "first"}, "span: must be 'latest' or 'all', got 'first'."),
        ({"dyads": [("CHN", "RUS")], "families": []}, "families: is empty: name at least one event family."),
        # Listed twice, a family's events were labelled twice: one series, every value doubled.
        ({"dyads": [("CHN", "RUS")], "families": ["all", "all|all", "all"]},
         "families: ['all'] listed more than once; list each family once."),
        ({"dyads": [("CHN", "CHN")], "families": ["all"]},
         "dyads: ('CHN', 'CHN') is not a pair of two different ISO3 codes."),
        ({"dyads": [("CHN", "RUS", "USA")], "families": ["all"]},
         "dyads: ('CHN', 'RUS', 'USA') is not a pair of two different ISO3 codes."),
        ({"countries": ["CHN"], "families": ["all"]},
         "dyads: no dyads selected; set series.dyads, series.countries (>= 2), series.all_countries or series.top_n."),
        ({**PAIR, "top_n": 0}, "top_n: must be >= 1 or null, got 0."),
        ({**PAIR, "measure": "mean"},
         "measure: 'mean' is unknown; choose one of ['count', 'event_days', 'goldstein_mean', "
         "'goldstein_sum', 'net_cooperation', 'share']."),
        ({**PAIR, "transform": "log"}, "transform: 'log' is unknown; choose one of ['none', 'log1p']."),
        ({**PAIR, "share_per": 0.0}, "share_per: must be > 0, got 0.0."),
        ({**PAIR, "either_sector": ["MIL", "BUS"], "sectors": ["MIL", "GOV"]},
         "either_sector: ['BUS'] is not in series.sectors ['MIL', 'GOV']: no event could pass; "
         "add it to series.sectors."),
        ({**PAIR, "freq": "H"},
         "freq: 'H': only days, weeks, months and quarters are supported (D, W-SUN, M, Q)."),
        ({**PAIR, "start": "2021-02-01", "end": "2021-01-31"},
         "start: 2021-02-01 is after series.end=2021-01-31."),
    ],
)
def test_spec_refusals_name_the_key_and_the_fix(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError) as err:
        SeriesSpec(**kwargs)
    assert str(err.value) == message


def test_spec_accepts_the_boundaries() -> None:
    SeriesSpec(**PAIR, top_n=1, share_per=1e-9, start="2021-01-01", end="2021-01-01", freq="W-WED")
    SeriesSpec(countries=["CHN", "RUS"], families=["all"])
    SeriesSpec(top_n=1, families=["all"])
    nonsense = r"^freq: 'nonsense' is not a pandas period alias \(.*\); use D, W-SUN, M or Q.$"
    with pytest.raises(ValueError, match=nonsense):
        SeriesSpec(**PAIR, freq="nonsense")


def test_dyad_labels() -> None:
    assert dyad_label("RUS", "CHN", directed=False) == "CHN-RUS"
    assert dyad_label("CHN", "RUS", directed=False) == "CHN-RUS"
    assert dyad_label("RUS", "CHN", directed=True) == "RUS>CHN"


def test_family_expressions_parse_with_and_binding_tighter() -> None:
    assert family_terms("a & b | c") == [["a", "b"], ["c"]]
    assert family_terms(" a|b&c &d ") == [["a"], ["b", "c", "d"]]
    assert family_terms("a") == [["a"]]


def test_candidate_pairs_and_top_pairs_by_hand() -> None:
    assert candidate_pairs([("RUS", "CHN")], ["CHN", "RUS", "USA"], directed=False) == [
        ("CHN", "RUS"), ("CHN", "USA"), ("RUS", "USA"),
    ]
    assert candidate_pairs([("RUS", "CHN")], ["CHN", "RUS"], directed=True) == [("RUS", "CHN"), ("CHN", "RUS")]
    events = event_table(
        [
            ("2021-01-04", "CHN", "state", "RUS", "state", "042", 2),
            ("2021-01-04", "RUS", "state", "CHN", "state", "042", 1),
            ("2021-01-04", "USA", "state", "JPN", "state", "042", 3),  # ties CHN-RUS undirected
            ("2021-01-04", "USA", "state", "USA", "state", "042", 9),  # domestic: never ranked
            ("2021-01-04", "DEU", "state", "FRA", "state", "042", 1),
            ("2021-01-04", "CHN", "state", None, None, "042", 50),  # no target country: never ranked
            ("2021-01-04", None, None, "GBR", "state", "042", 50),
        ]
    )
    # undirected: CHN-RUS 3 and JPN-USA 3 tie, broken alphabetically; then DEU-FRA as FRA-DEU
    assert top_pairs(events, 3, directed=False) == [("CHN", "RUS"), ("JPN", "USA"), ("DEU", "FRA")]
    assert top_pairs(events, 2, directed=True) == [("USA", "JPN"), ("CHN", "RUS")]
    assert top_pairs(events, 5, directed=True, among=[("RUS", "CHN"), ("DEU", "FRA")]) == [
        ("DEU", "FRA"), ("RUS", "CHN"),
    ]
    same_source = event_table(
        [("2021-01-04", "CHN", "state", "USA", "state", "042", 2),
         ("2021-01-04", "CHN", "state", "RUS", "state", "042", 2)]
    )
    assert top_pairs(same_source, 2, directed=True) == [("CHN", "RUS"), ("CHN", "USA")]  # then by target


@pytest.mark.parametrize(("key", "selection"), [("top_n", {"top_n": 2}), ("all_countries", {"all_countries": True})])
def test_a_selection_without_any_international_event_is_refused(key: str, selection: dict) -> None:
    # A DataError (one line from the shells), not an empty panel the backtest would blame on itself.
    events = event_table([("2021-01-04", "USA", "state", "USA", "state", "042", 1)])
    spec = SeriesSpec(**selection, families=["all"], freq="D")
    with pytest.raises(DataError) as err:
        build_panel(events, spec, FAMILIES, coverage(("hand", "2021-01-04", "2021-01-04")))
    assert str(err.value) == (
        f"series.{key}: no international event passes the sector and family filters (series.sectors="
        "['state', 'GOV', 'MIL'], series.families=['all']) in the covered periods; widen them."
    )


def test_extra_family_may_not_shadow_a_taxonomy_family() -> None:
    events = event_table([("2021-01-04", "CHN", "state", "RUS", "state", "042", 1)])
    spec = SeriesSpec(**PAIR, extra_families={"all": {"any_of": [{"codes": ["04"]}]}}, freq="D")
    with pytest.raises(ValueError) as err:
        build_panel(events, spec, FAMILIES, coverage(("hand", "2021-01-04", "2021-01-04")))
    assert str(err.value) == "extra_families: ['all'] repeat taxonomy families; rename them."


def test_observed_coverage_and_grid_segments() -> None:
    events = pd.concat(
        [
            event_table([("2021-01-05", "CHN", "state", "RUS", "state", "042", 1),
                         ("2021-01-20", "CHN", "state", "RUS", "state", "042", 1)], dataset="a"),
            event_table([("2021-02-01", "CHN", "state", "RUS", "state", "042", 1)], dataset="b"),
        ],
        ignore_index=True,
    )
    cover = observed_coverage(events)
    assert cover.to_dict("list") == {
        "source_dataset": ["a", "b"],
        "start": [pd.Timestamp("2021-01-05"), pd.Timestamp("2021-02-01")],
        "end": [pd.Timestamp("2021-01-20"), pd.Timestamp("2021-02-01")],
    }
    both = period_grid(cover, SeriesSpec(**PAIR, freq="D", span="all"))
    assert len(both) == 16 + 1 and both["segment"].tolist() == ["a"] * 16 + ["b"]
    latest = period_grid(cover, SeriesSpec(**PAIR, freq="D"))
    assert latest.to_dict("list") == {
        "ds": [pd.Timestamp("2021-02-01")], "partial": [False], "segment": ["b"], "window": [1], "run": [2],
    }
    weeks = period_grid(cover, SeriesSpec(**PAIR, freq="W-SUN", drop_partial=False, span="all"))
    # Jan 4-10 partial (data from the 5th), 11-17 full, 18-24 partial; Feb 1-7 partial for b
    assert weeks["ds"].dt.strftime("%m-%d").tolist() == ["01-04", "01-11", "01-18", "02-01"]
    assert weeks["partial"].tolist() == [True, False, True, True]
    with pytest.raises(ValueError, match=r"^series: no complete W-SUN period inside the coverage .* "
                       r"and series.start=None, series.end=None; widen the window or set series.drop_partial=false.$"):
        period_grid(cover.iloc[1:], SeriesSpec(**PAIR, freq="W-SUN"))


def test_overlapping_coverage_counts_each_period_once() -> None:
    cover = coverage(("a", "2021-01-04", "2021-01-06"), ("b", "2021-01-05", "2021-01-08"))
    grid = period_grid(cover, SeriesSpec(**PAIR, freq="D", span="all"))
    assert grid["ds"].dt.day.tolist() == [4, 5, 6, 7, 8]
    assert grid["segment"].tolist() == ["a", "a", "a", "b", "b"]


def reference_aggregate(events: pd.DataFrame, measure: str) -> pd.DataFrame:
    """The aggregation in plain pandas, per ``dyad, family, ds``: the reference for the SQL text."""
    keys = ["dyad", "family", "ds"]
    weight = events["count"].astype(float)
    frame = events[keys].assign(n_events=weight)
    if measure == "event_days":
        days = events.groupby(keys)["date"].nunique().astype(float).rename("y")
        return frame.groupby(keys)["n_events"].sum().to_frame().join(days).reset_index()
    if measure in ("count", "share"):
        frame["y"] = weight
    elif measure == "net_cooperation":
        frame["y"] = weight * np.where(events["quad_class"].astype(float) <= 2, 1.0, -1.0)
    else:
        known = events["goldstein"].notna()
        frame["y"] = (events["goldstein"] * weight).where(known, 0.0)
        frame["n_scored"] = weight.where(known, 0.0)
    summed = frame.groupby(keys).sum().reset_index()
    if measure == "goldstein_mean":
        summed["y"] = summed["y"] / summed["n_scored"].where(summed["n_scored"] > 0)
    return summed.drop(columns="n_scored", errors="ignore")


def labelled(events: pd.DataFrame) -> pd.DataFrame:
    return events.assign(ds=events["date"], dyad="CHN-RUS", family="all")


def test_aggregate_sql_reports_the_events_behind_each_value() -> None:
    events = event_table(
        [
            ("2021-01-04", "CHN", "state", "RUS", "state", "042", 2, 1.9),
            ("2021-01-04", "CHN", "state", "RUS", "state", "112", 3, -2.0),
            ("2021-01-05", "CHN", "state", "RUS", "state", "042", 1, 1.9),
        ]
    )
    for measure, y in [("count", [5.0, 1.0]), ("event_days", [1, 1]), ("net_cooperation", [-1.0, 1.0]),
                       ("goldstein_sum", [3.8 - 6.0, 1.9]), ("goldstein_mean", [-2.2 / 5, 1.9])]:
        out = aggregate_sql(labelled(events), measure)
        assert list(out.columns) == ["dyad", "family", "ds", "y", "n_events"], measure
        assert out["n_events"].tolist() == [5.0, 1.0], measure
        assert out["y"].tolist() == pytest.approx(y), measure


@pytest.mark.parametrize("measure", ["count", "share", "event_days", "net_cooperation", "goldstein_sum", "goldstein_mean"])
def test_aggregate_sql_equals_the_pandas_reference_on_random_events(measure: str) -> None:
    rng = np.random.default_rng(7)
    n = 400
    events = pd.DataFrame({
        "dyad": rng.choice(["CHN-RUS", "CHN-USA", "RUS-CHN"], n),
        "family": rng.choice(["visit", "military"], n),
        "date": pd.Timestamp("2021-01-04") + pd.to_timedelta(rng.integers(0, 60, n), unit="D"),
        "count": rng.integers(1, 4, n).astype(float),
        # unknown Goldstein values and a quad class 2 (cooperation) among them
        "goldstein": np.where(rng.random(n) < 0.2, np.nan, rng.choice([-10.0, -2.5, 1.9, 3.4, 7.0], n)),
        "quad_class": rng.choice([1, 2, 3, 4], n).astype(float),
    })
    events["ds"] = events["date"].dt.to_period("W-SUN").dt.start_time
    expected = reference_aggregate(events, measure).sort_values(["dyad", "family", "ds"]).reset_index(drop=True)
    out = aggregate_sql(events, measure)
    pd.testing.assert_frame_equal(out[["dyad", "family", "ds", "n_events"]], expected[["dyad", "family", "ds", "n_events"]],
                                  check_dtype=False)
    np.testing.assert_allclose(out["y"].to_numpy(), expected["y"].to_numpy(dtype=float), rtol=1e-9, atol=1e-9)


def test_measure_sql_refuses_unknown_measures() -> None:
    with pytest.raises(ValueError) as err:
        measure_sql("median")
    assert str(err.value) == (
        "measure: 'median' is unknown; choose one of ['count', 'event_days', 'goldstein_mean', "
        "'goldstein_sum', 'net_cooperation', 'share']."
    )


def test_transforms_and_their_errors() -> None:
    panel = pd.DataFrame({"unique_id": ["a", "a"], "y": [0.0, 3.0]})
    assert apply_transform(panel, "none") is panel
    assert apply_transform(panel, "log1p")["y"].tolist() == [0.0, np.log(4.0)]
    assert apply_transform(panel, "log1p")["unique_id"].tolist() == ["a", "a"]
    with pytest.raises(ValueError) as err:
        apply_transform(panel.assign(y=[-1.0, 0.0]), "log1p")
    assert str(err.value) == (
        "transform: 'log1p' needs y >= 0; use transform='none' for measures that can be negative."
    )
    with pytest.raises(ValueError) as err:
        invert_transform(panel, "sqrt")
    assert str(err.value) == "transform: 'sqrt' is unknown; choose one of ['none', 'log1p']."
    forecasts = pd.DataFrame({"mean": [np.log(3.0)], "q0.1": [0.0], "q0.95": [np.log(11.0)], "quality": [np.log(3.0)],
                              "y": [np.log(2.0)]})
    back = invert_transform(forecasts, "log1p")
    assert back[["mean", "q0.1", "q0.95", "y"]].iloc[0].tolist() == pytest.approx([2.0, 0.0, 10.0, 1.0])
    assert back["quality"].iloc[0] == np.log(3.0)  # not a quantile column
    assert invert_transform(forecasts, "none") is forecasts
    assert quantile_columns(forecasts) == ["q0.1", "q0.95"]
    # forecast.columns parses only names quantile_column writes: a level in (0, 1), written canonically
    odd = pd.DataFrame(columns=["q", "q1.2.3", "qx", "q50", "q5", "x5", "q.5", "q0.50", "q0.5"])
    assert quantile_columns(odd) == ["q0.5"]


class _CountModel:
    pass


class _RealModel:
    count_only = False  # no longer an exemption: every forecaster of forecast.models forecasts counts


def test_model_support_messages() -> None:
    assert check_model_support("count", "none", {"nb": _CountModel()}) == []
    assert check_model_support("goldstein_sum", "none", {}) == []  # no model, nothing to refuse
    with pytest.raises(ValueError) as err:
        check_model_support("goldstein_sum", "none", {"ols": _RealModel()})  # count_only is not consulted
    assert str(err.value) == (
        "measure: 'goldstein_sum' can be negative, but model(s) ['ols'] forecast counts; "
        "use measure='count', 'event_days' or 'share'."
    )
    with pytest.raises(ValueError) as err:
        check_model_support("net_cooperation", "none", {"nb": _CountModel(), "ols": _RealModel()})
    assert str(err.value) == (
        "measure: 'net_cooperation' can be negative, but model(s) ['nb', 'ols'] forecast counts; "
        "use measure='count', 'event_days' or 'share'."
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        share = check_model_support("share", "none", {"nb": _CountModel()})
    assert share == [
        "measure=share gives non-integer values; count model(s) ['nb'] treat them as counts, so their "
        "means are usable but their intervals are approximate."
    ]
    assert [str(w.message) for w in caught] == share
    assert all(w.category is UserWarning for w in caught)


def test_measure_descriptions() -> None:
    assert describe_measure("count") == "`count`: raw series, the number of events (not normalised for media volume)."
    assert describe_measure("share", share_per=1000.0) == (
        "`share`: volume-normalised series, the dyad's events per 1000 events of its data source in the period "
        "(the source totals are in the `denominator` column and `denominators.parquet`)."
    )
    assert describe_measure("event_days", transform="log1p") == (
        "`event_days`: raw series, the number of distinct days with at least one event (not normalised for media "
        "volume); models were fitted on log1p(y) and their forecasts mapped back with expm1."
    )
    assert "the dyad's events per 10000 events of its data source" in describe_measure("share")  # the default
    with pytest.raises(ValueError) as err:
        describe_measure("median")
    assert str(err.value).startswith("measure: 'median' is unknown; choose one of ['count', ")


def test_model_support_warning_points_at_the_caller_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with warnings.catch_warnings(record=True) as caught, caplog.at_level("WARNING", logger="forecast.series.measures"):
        warnings.simplefilter("always")
        (caveat,) = check_model_support("share", "none", {"nb": _CountModel()})
    # stacklevel=2: the warning names the caller, not the library module (under mutmut the
    # caller is its trampoline, so the test only rules the module out)
    assert not caught[0].filename.endswith("measures.py")
    assert [r.getMessage() for r in caplog.records] == [caveat]


# --------------------------------------------------------------------------------------
# Hierarchy: aggregation and reconciliation contracts
# --------------------------------------------------------------------------------------

_HIER_EVENTS = event_table(
    [
        ("2021-01-04", "CHN", "state", "RUS", "state", "042", 2),
        ("2021-01-05", "CHN", "state", "USA", "state", "042", 1),
        ("2021-01-12", "RUS", "state", "USA", "state", "190", 3),
    ]
)


def _hierarchy_panel() -> pd.DataFrame:
    spec = SeriesSpec(countries=["CHN", "RUS", "USA"], families=["all"])
    return build_panel(_HIER_EVENTS, spec, FAMILIES, coverage(("hand", "2021-01-04", "2021-01-17")))


def test_aggregate_panel_by_hand_and_its_refusal() -> None:
    from forecast.series import aggregate_panel, build_hierarchy

    panel = _hierarchy_panel()
    hierarchy = build_hierarchy(panel)
    assert hierarchy.bottom == ["CHN-RUS/all", "CHN-USA/all", "RUS-USA/all"]
    assert hierarchy.S.loc["CHN/total"].tolist() == [1.0, 1.0, 0.0]  # columns in bottom order
    summed = aggregate_panel(panel.sample(frac=1.0, random_state=0), hierarchy)  # row order does not matter
    assert list(summed.columns) == ["unique_id", "ds", "y"]
    got = summed.set_index(["unique_id", "ds"])["y"]
    w1, w2 = pd.Timestamp("2021-01-04"), pd.Timestamp("2021-01-11")
    assert (got[("total", w1)], got[("total", w2)], got[("USA/total", w1)], got[("USA/total", w2)]) == (3, 3, 1, 3)
    assert (got[("CHN-RUS/all", w1)], got[("RUS-USA/total", w2)]) == (2.0, 3.0)
    with pytest.raises(DataError) as err:  # one line from the shells, not a ValueError traceback
        aggregate_panel(panel[panel["unique_id"] != "RUS-USA/all"], hierarchy)
    assert str(err.value) == (
        "panel has missing y (first: RUS-USA/all at 2021-01-04): every bottom series needs a value in every period "
        "to aggregate. A share is missing in periods without any source event: set series.max_empty_periods=0 to "
        "leave them out."
    )


def _forecasts(hierarchy, mean_of) -> pd.DataFrame:
    ids = list(hierarchy.S.index)
    frame = pd.DataFrame({"unique_id": ids, "ds": pd.Timestamp("2021-01-18"), "model": "m", "note": "kept"})
    frame["mean"] = [mean_of(uid) for uid in ids]
    frame["q0.1"] = frame["mean"] - 2.0
    frame["q0.9"] = frame["mean"] + 1.0
    return frame


def test_reconcile_defaults_shift_quantiles_and_clip_only_when_asked() -> None:
    from forecast.series import build_hierarchy, reconcile

    hierarchy = build_hierarchy(_hierarchy_panel())
    bottom = {"CHN-RUS/all": 0.5, "CHN-USA/all": 1.0, "RUS-USA/all": 3.0}
    base = _forecasts(hierarchy, lambda uid: bottom.get(uid, 0.0))  # aggregates forecast 0: incoherent
    default = reconcile(base, hierarchy)  # bottom_up, no clipping
    assert list(default.columns) == ["unique_id", "ds", "model", "note", "mean", "q0.1", "q0.9", "reconciler"]
    assert default.index.tolist() == list(range(len(base)))
    out = default.set_index("unique_id")
    assert (out["reconciler"] == "bottom_up").all() and (out["note"] == "kept").all()
    assert out.loc["total", ["mean", "q0.1", "q0.9"]].tolist() == [4.5, 2.5, 5.5]  # base offsets kept
    assert out.loc["CHN-RUS/all", ["mean", "q0.1", "q0.9"]].tolist() == [0.5, -1.5, 1.5]  # not clipped
    clipped = reconcile(base, hierarchy, "bottom_up", nonnegative=True).set_index("unique_id")
    assert clipped.loc["CHN-RUS/all", ["mean", "q0.1", "q0.9"]].tolist() == [0.5, 0.0, 1.5]
    assert clipped.loc["total", ["q0.1", "q0.9"]].tolist() == [2.5, 5.5]
    with pytest.raises(ValueError) as err:
        reconcile(base, hierarchy, "mint_shrink")
    assert str(err.value) == (
        "insample: reconcile: method='mint_shrink' needs insample fitted values (unique_id, ds, model, y, fitted)."
    )
    with pytest.raises(ValueError) as err:
        reconcile(base[~base["unique_id"].str.endswith("/total")], hierarchy)
    assert str(err.value) == (
        "reconcile: no base forecast for ['CHN-RUS/total', 'CHN-USA/total', 'CHN/total', 'RUS-USA/total', "
        "'RUS/total']; forecast every series of aggregate_panel(panel, hierarchy)."
    )


def test_nonnegative_mintrace_keeps_means_at_or_above_zero() -> None:
    from forecast.series import build_hierarchy, reconcile

    hierarchy = build_hierarchy(_hierarchy_panel())
    # one bottom at 10 and every other series at 0: the OLS projection pushes the other two below 0
    base = _forecasts(hierarchy, lambda uid: {"RUS-USA/all": 10.0}.get(uid, 0.0))
    free = reconcile(base, hierarchy, "ols").set_index("unique_id")["mean"]
    bounded = reconcile(base, hierarchy, "ols", nonnegative=True).set_index("unique_id")["mean"]
    # OLS by its formula, bottom = (S'S)^-1 S' y_hat, with S written out by hand
    S = np.array([[1, 1, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1],
                  [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    y_hat = np.zeros(10)
    y_hat[9] = 10.0
    expected = np.linalg.solve(S.T @ S, S.T @ y_hat)
    assert free[hierarchy.bottom].to_numpy() == pytest.approx(expected, abs=1e-6)
    assert expected[0] < 0 and expected[1] < 0  # the unconstrained projection goes below 0
    assert (bounded[hierarchy.bottom] >= -1e-9).all()
    assert bounded["total"] == pytest.approx(bounded[hierarchy.bottom].sum())


def test_either_sector_still_needs_both_sides_in_sectors() -> None:
    from forecast.series.selection import sector_mask

    events = event_table(
        [
            ("2021-01-04", "CHN", "MIL", "RUS", "state", "042", 1),  # in
            ("2021-01-04", "CHN", "MIL", "RUS", "other", "042", 1),  # target outside sectors
            ("2021-01-04", "CHN", "GOV", "RUS", "state", "042", 1),  # no MIL side
            ("2021-01-04", "CHN", "GOV", "RUS", "MIL", "042", 1),  # in
        ]
    )
    assert sector_mask(events, ["state", "GOV", "MIL"], ["MIL"]).tolist() == [True, False, False, True]
    assert sector_mask(events, ["state", "GOV", "MIL"], []).tolist() == [True, False, True, True]
