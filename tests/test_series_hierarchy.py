"""Summing matrix, directed-to-undirected aggregation and reconciled forecasts' coherence."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ArgumentError, DataError
from forecast.events import families_from_mapping
from forecast.models import Naive, WindowAverage
from forecast.series import SeriesSpec, aggregate_panel, build_hierarchy, build_panel, reconcile
from tests.event_tables import coverage, event_table, series

FAMILIES = families_from_mapping(
    {
        "coop": {"any_of": [{"quad_classes": [1, 2]}]},
        "conf": {"any_of": [{"quad_classes": [3, 4]}]},
    }
)
W1, W2 = pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-08")
COVER = coverage(("hand", "2018-01-01", "2018-01-14"))
EVENTS = event_table(
    [
        ("2018-01-01", "CHN", "state", "RUS", "state", "042", 2),  # CHN>RUS coop
        ("2018-01-02", "RUS", "state", "CHN", "state", "043", 3),  # RUS>CHN coop
        ("2018-01-03", "RUS", "state", "CHN", "state", "112", 1),  # RUS>CHN conflict
        ("2018-01-09", "CHN", "state", "USA", "state", "042", 4),  # CHN>USA coop
        ("2018-01-10", "USA", "state", "CHN", "state", "190", 5),  # USA>CHN conflict
    ]
)


def panel_for(directed: bool) -> pd.DataFrame:
    spec = SeriesSpec(countries=["CHN", "RUS", "USA"], families=["coop", "conf"], directed=directed)
    return build_panel(EVENTS, spec, FAMILIES, COVER)


def test_summing_matrix_of_an_undirected_panel():
    hierarchy = build_hierarchy(panel_for(directed=False))
    bottom = ["CHN-RUS/conf", "CHN-RUS/coop", "CHN-USA/conf", "CHN-USA/coop", "RUS-USA/conf", "RUS-USA/coop"]
    assert hierarchy.bottom == bottom
    S = hierarchy.S
    assert S.loc["total"].tolist() == [1] * 6
    assert S.loc["CHN/total"].tolist() == [1, 1, 1, 1, 0, 0]
    assert S.loc["RUS/total"].tolist() == [1, 1, 0, 0, 1, 1]
    assert S.loc["USA/total"].tolist() == [0, 0, 1, 1, 1, 1]
    assert S.loc["CHN-USA/total"].tolist() == [0, 0, 1, 1, 0, 0]
    assert S.loc[bottom].to_numpy().tolist() == np.eye(6).tolist()
    assert list(hierarchy.tags) == ["source total", "actor total", "dyad total", "dyad x family"]
    assert hierarchy.S_df().columns[0] == "unique_id"


def test_directed_panel_sums_to_the_undirected_one():
    directed = panel_for(directed=True)
    undirected = panel_for(directed=False)
    assert series(directed, "RUS>CHN/coop") == {W1: 3.0, W2: 0.0}
    hierarchy = build_hierarchy(directed)
    assert list(hierarchy.tags) == ["source total", "actor total", "pair total", "pair x family", "dyad total", "dyad x family"]
    summed = aggregate_panel(directed, hierarchy).set_index(["unique_id", "ds"])["y"]
    for uid in undirected["unique_id"].unique():
        assert {ds: summed[(uid, ds)] for ds in (W1, W2)} == series(undirected, uid), uid
    # By hand: CHN-RUS coop = 2 (CHN>RUS) + 3 (RUS>CHN) in week 1.
    assert summed[("CHN-RUS/coop", W1)] == 5.0
    assert summed[("CHN-RUS/total", W1)] == 6.0
    assert summed[("CHN/total", W2)] == 9.0
    assert summed[("total", W1)] == 6.0
    # Every aggregate is the same in the directed and undirected hierarchies.
    plain = aggregate_panel(undirected, build_hierarchy(undirected)).set_index(["unique_id", "ds"])["y"]
    for key in ("total", "CHN/total", "RUS/total", "USA/total", "CHN-USA/total"):
        assert summed[(key, W2)] == plain[(key, W2)], key


def _base_forecasts(hierarchy) -> pd.DataFrame:
    """Deliberately incoherent base forecasts: bottom i has mean i + 1, every aggregate mean 5."""
    ids = list(hierarchy.S.index)
    means = {uid: float(hierarchy.bottom.index(uid) + 1) if uid in hierarchy.bottom else 5.0 for uid in ids}
    frame = pd.DataFrame({"unique_id": ids, "ds": pd.Timestamp("2018-01-15"), "model": "hand"})
    frame["mean"] = frame["unique_id"].map(means)
    frame["q0.1"] = frame["mean"] - 1.0
    frame["q0.9"] = frame["mean"] + 2.0
    return frame


def test_bottom_up_by_hand():
    hierarchy = build_hierarchy(panel_for(directed=False))
    result = reconcile(_base_forecasts(hierarchy), hierarchy, "bottom_up").set_index("unique_id")
    # Bottom means 1..6 in the order CHN-RUS/conf, CHN-RUS/coop, CHN-USA/conf, CHN-USA/coop, RUS-USA/conf, RUS-USA/coop.
    expected = {"CHN-RUS/total": 3.0, "CHN-USA/total": 7.0, "RUS-USA/total": 11.0,
                "CHN/total": 10.0, "RUS/total": 14.0, "USA/total": 18.0, "total": 21.0, "CHN-USA/coop": 4.0}
    assert result.loc[list(expected), "mean"].to_dict() == expected
    # Quantiles keep their offsets around the reconciled mean.
    assert result.loc["total", "q0.1"] == 20.0 and result.loc["total", "q0.9"] == 23.0
    assert (result["reconciler"] == "bottom_up").all()


def _assert_coherent(result: pd.DataFrame, hierarchy) -> None:
    wide = result.pivot_table(index="unique_id", columns=["model", "ds"], values="mean")
    bottom = wide.loc[hierarchy.bottom].to_numpy()
    for level, ids in hierarchy.tags.items():
        S = hierarchy.S.loc[list(ids)].to_numpy()
        np.testing.assert_allclose(wide.loc[list(ids)].to_numpy(), S @ bottom, atol=1e-6, err_msg=level)


def _assert_parents_sum_children(result: pd.DataFrame, families: list[str], dyads: list[str], actors: list[str]) -> None:
    mean = result.groupby(["unique_id", "model", "ds"])["mean"].first()
    for key in {k[1:] for k in mean.index}:
        m = {uid: mean[(uid, *key)] for uid in mean.index.get_level_values(0).unique()}
        for dyad in dyads:  # dyad total = sum of its families
            assert m[f"{dyad}/total"] == pytest.approx(sum(m[f"{dyad}/{f}"] for f in families))
        for actor in actors:  # actor total = sum of the dyad totals it takes part in
            assert m[f"{actor}/total"] == pytest.approx(sum(m[f"{d}/total"] for d in dyads if actor in d))
        assert m["total"] == pytest.approx(sum(m[f"{d}/total"] for d in dyads))  # source total


@pytest.mark.parametrize("method", ["bottom_up", "ols", "wls_struct", "mint_shrink"])
def test_reconciled_forecasts_are_coherent_at_every_level(method):
    panel = panel_for(directed=False)
    hierarchy = build_hierarchy(panel)
    # Real base models on a longer history, so MinT has residuals to work with.
    rng = np.random.default_rng(3)
    history = pd.MultiIndex.from_product(
        [hierarchy.bottom, pd.date_range("2018-01-01", periods=20, freq="W-MON")], names=["unique_id", "ds"]
    ).to_frame(index=False)
    history["y"] = rng.poisson(3.0, len(history)).astype(float)
    full = aggregate_panel(history, hierarchy)
    forecasts = pd.concat(
        [Naive().fit(full).predict(3, [0.1, 0.9]).assign(model="naive"),
         WindowAverage(window=4).fit(full).predict(3, [0.1, 0.9]).assign(model="window")],
        ignore_index=True,
    )
    insample = None
    if method == "mint_shrink":
        lagged = full.sort_values(["unique_id", "ds"]).assign(fitted=lambda f: f.groupby("unique_id")["y"].shift(1)).dropna()
        insample = pd.concat([lagged.assign(model="naive"), lagged.assign(model="window")], ignore_index=True)
    result = reconcile(forecasts, hierarchy, method, insample=insample)
    assert len(result) == len(forecasts)
    _assert_coherent(result, hierarchy)
    _assert_parents_sum_children(result, ["coop", "conf"], ["CHN-RUS", "CHN-USA", "RUS-USA"], ["CHN", "RUS", "USA"])


def test_directed_reconciliation_makes_pairs_sum_both_directions():
    hierarchy = build_hierarchy(panel_for(directed=True))
    result = reconcile(_base_forecasts(hierarchy), hierarchy, "wls_struct").set_index("unique_id")["mean"]
    for pair, (a, b) in {"CHN-RUS": ("CHN", "RUS"), "CHN-USA": ("CHN", "USA")}.items():
        assert result[f"{pair}/total"] == pytest.approx(result[f"{a}>{b}/total"] + result[f"{b}>{a}/total"])
        assert result[f"{pair}/coop"] == pytest.approx(result[f"{a}>{b}/coop"] + result[f"{b}>{a}/coop"])


def test_reconcile_errors_name_the_fix():
    hierarchy = build_hierarchy(panel_for(directed=False))
    base = _base_forecasts(hierarchy)
    with pytest.raises(ValueError, match="aggregate_panel"):
        reconcile(base[base["unique_id"] != "total"], hierarchy)
    with pytest.raises(ArgumentError, match="^insample: reconcile: method='mint_shrink' needs insample"):
        reconcile(base, hierarchy, "mint_shrink")
    with pytest.raises(ArgumentError, match="^method: reconcile: 'topdown' is unknown"):
        reconcile(base, hierarchy, "topdown")


def test_non_additive_measure_has_no_hierarchy():
    spec = SeriesSpec(countries=["CHN", "RUS"], families=["coop"], measure="goldstein_mean")
    with pytest.raises(ValueError, match="goldstein_mean.*does not add up"):
        build_hierarchy(build_panel(EVENTS, spec, FAMILIES, COVER))


def test_a_family_named_total_is_refused():
    # "total" would collide with the hierarchy's own "<dyad>/total" rows.
    panel = panel_for(directed=False).replace({"family": {"coop": "total"}})
    message = "panel has a family named 'total', reserved for the hierarchy's totals; rename that family."
    with pytest.raises(DataError) as caught:
        build_hierarchy(panel)
    assert str(caught.value) == message


def test_nonnegative_reconciliation_does_not_leak_the_solver_note():
    # qpsolvers warns that it converts dense matrices to csc_matrix; reconcile silences that note only.
    hierarchy = build_hierarchy(panel_for(directed=False))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = reconcile(_base_forecasts(hierarchy), hierarchy, "ols", nonnegative=True)
    assert [str(w.message) for w in caught] == []
    assert (result["mean"] >= 0).all()


def test_mint_shrink_estimates_its_covariance_from_the_insample_actuals():
    """reconcile's mint_shrink equals hierarchicalforecast's MinTrace fed the same y and fitted by hand."""
    from hierarchicalforecast.core import HierarchicalReconciliation
    from hierarchicalforecast.methods import MinTrace

    hierarchy = build_hierarchy(panel_for(directed=False))
    rng = np.random.default_rng(11)
    dates = pd.date_range("2018-01-01", periods=12, freq="W-MON")
    ids = list(hierarchy.S.index)
    insample = pd.MultiIndex.from_product([ids, dates], names=["unique_id", "ds"]).to_frame(index=False)
    insample["y"] = rng.poisson(4.0, len(insample)).astype(float)
    insample["fitted"] = rng.poisson(4.0, len(insample)).astype(float)
    insample["model"] = "hand"
    base = _base_forecasts(hierarchy)
    result = reconcile(base, hierarchy, "mint_shrink", insample=insample).set_index("unique_id")["mean"]

    y_df = insample.rename(columns={"fitted": "hand"})[["unique_id", "ds", "y", "hand"]]
    y_hat = base[["unique_id", "ds", "mean"]].rename(columns={"mean": "hand"})
    expected = HierarchicalReconciliation([MinTrace(method="mint_shrink")]).reconcile(
        Y_hat_df=y_hat, S_df=hierarchy.S_df(), tags=hierarchy.tags, Y_df=y_df
    ).set_index("unique_id")["hand/MinTrace_method-mint_shrink"]
    np.testing.assert_allclose(result.loc[ids].to_numpy(), expected.loc[ids].to_numpy(), rtol=1e-9)
    # The residuals matter: the same base forecasts with other actuals reconcile differently.
    other = insample.assign(y=insample["y"].to_numpy()[::-1])
    moved = reconcile(base, hierarchy, "mint_shrink", insample=other).set_index("unique_id")["mean"]
    assert not np.allclose(moved.loc[ids].to_numpy(), result.loc[ids].to_numpy())
