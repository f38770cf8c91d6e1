"""Coherent probabilistic forecasts: reconciled sample paths (issue 17, deliverable 5)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, rolling_origin
from forecast.cli.run import run_from_config
from forecast.columns import quantile_columns
from forecast.errors import ArgumentError, DataError
from forecast.models import Forecaster, NegativeBinomial, Reconciled, SamplePaths, WindowAverage, reconciled_models
from forecast.models.reconciled import hierarchy_sums
from forecast.series import aggregate_panel, build_hierarchy
from tests.helpers import compose_config

DATES = pd.date_range("2021-01-04", periods=30, freq="W-MON")


def _bottom_panel(n_periods: int = 30, seed: int = 3) -> pd.DataFrame:
    """One dyad, two families (``a`` ~ NB mean 4, ``b`` ~ NB mean 9), with the metadata build_hierarchy reads."""
    rng = np.random.default_rng(seed)
    frames = [
        pd.DataFrame(
            {"unique_id": f"CHN-RUS/{family}", "ds": DATES[:n_periods], "y": rng.negative_binomial(3, 3 / (3 + mu), n_periods),
             "dyad": "CHN-RUS", "source": "CHN", "target": "RUS", "family": family, "measure": "count"}
        )
        for family, mu in (("a", 4.0), ("b", 9.0))
    ]
    return pd.concat(frames, ignore_index=True).astype({"y": float})


class _FixedPaths(Forecaster):
    """Test double: the same stored joint paths for every series it is fitted on, by unique_id."""

    pools_series = False

    def __init__(self, paths: dict | None = None) -> None:
        self.paths = paths

    def _fit(self, y: np.ndarray) -> None:
        self.stored_ = np.stack([np.asarray(self.paths[uid], dtype=float) for uid in self.ids_])

    def _distribution(self, h: int) -> SamplePaths:
        return SamplePaths(paths=np.repeat(self.stored_[:, None, :], h, axis=1))


def _hierarchy():
    bottom = _bottom_panel()
    hierarchy = build_hierarchy(bottom)
    return bottom, hierarchy, aggregate_panel(bottom, hierarchy)


def _paths_by_id(model: Reconciled, h: int) -> dict[str, np.ndarray]:
    paths = model.distribution(h).paths
    return dict(zip(model.ids_, paths, strict=True))


def test_bottom_up_sums_each_joint_path_by_hand():
    # Family a draws 0,1,2,3 while b draws 3,2,1,0 on the same paths: every total path is 3,
    # although the medians of a and b (1 and 1) add up to 2. The total's quantiles are those
    # of the summed paths, not sums of quantiles.
    _, hierarchy, full = _hierarchy()
    sums = hierarchy_sums(hierarchy.S)
    assert sums["CHN-RUS/total"] == ("CHN-RUS/a", "CHN-RUS/b") and set(sums) == {"total", "CHN/total", "RUS/total", "CHN-RUS/total"}
    base = _FixedPaths({"CHN-RUS/a": [0, 1, 2, 3], "CHN-RUS/b": [3, 2, 1, 0]})
    model = Reconciled(model=base, sums=sums, method="bottom_up", dependence="model", n_paths=40).fit(full)
    assert model.model_.ids_ == ["CHN-RUS/a", "CHN-RUS/b"]  # bottom_up fits the bottom only
    paths = _paths_by_id(model, 2)
    for total in sums:
        np.testing.assert_array_equal(paths[total], 3.0)
    np.testing.assert_array_equal(paths["CHN-RUS/a"] + paths["CHN-RUS/b"], 3.0)
    frame = model.predict(2, quantiles=(0.1, 0.5, 0.9)).set_index("unique_id")
    assert frame.loc["CHN-RUS/total", ["mean", "q0.1", "q0.5", "q0.9"]].to_numpy().tolist() == [[3.0] * 4] * 2
    # The family means add up to the total's mean (the draws resample the 4 stored paths).
    means = frame.groupby(level=0)["mean"].first()
    assert means["CHN-RUS/a"] + means["CHN-RUS/b"] == pytest.approx(3.0)


def test_mint_shrink_keeps_coherent_base_paths_and_makes_incoherent_ones_coherent():
    _, hierarchy, full = _hierarchy()
    sums = hierarchy_sums(hierarchy.S)
    # Any MinT projection leaves a coherent forecast unchanged (S P S = S): base paths that
    # already add up come back as they went in, whatever the error covariance.
    coherent = {"CHN-RUS/a": [1, 4, 0, 2], "CHN-RUS/b": [5, 0, 2, 7]}
    coherent |= {uid: [6, 4, 2, 9] for uid in sums}
    model = Reconciled(model=_FixedPaths(coherent), sums=sums, method="mint_shrink", dependence="model", n_paths=50,
                       residual_windows=2, residual_horizon=4).fit(full)
    drawn = model.distribution(1).paths[:, 0, :]  # (series, paths), series in ids_ order
    stored = np.array([coherent[uid] for uid in model.ids_], dtype=float)
    # Each reconciled path is one of the stored joint paths, unchanged in every series.
    assert all((stored == column[:, None]).all(axis=0).any() for column in drawn.T)
    assert len({tuple(c) for c in drawn.T}) > 1  # the draws do pick different stored paths
    # An incoherent base (every total forecast 0) is made coherent.
    incoherent = coherent | {uid: [0, 0, 0, 0] for uid in sums}
    fixed = Reconciled(model=_FixedPaths(incoherent), sums=sums, method="mint_shrink", n_paths=50,
                       residual_windows=2, residual_horizon=4).fit(full)
    paths = _paths_by_id(fixed, 1)
    np.testing.assert_array_equal(paths["total"], paths["CHN-RUS/a"] + paths["CHN-RUS/b"])
    assert not np.array_equal(paths["total"], np.zeros_like(paths["total"]))


@pytest.mark.parametrize("method", ["bottom_up", "mint_shrink"])
def test_copula_widens_the_total_of_families_that_move_together(method):
    # Family b is family a plus 3 in every week, so their errors are perfectly correlated:
    # the total's spread under the copula is near that of comonotone families
    # (sd(a) + sd(b)), not the independent sqrt(var(a) + var(b)), while each family's
    # own draws are the same values, only reordered.
    bottom = _bottom_panel()
    a = bottom["unique_id"] == "CHN-RUS/a"
    bottom.loc[~a, "y"] = bottom.loc[a, "y"].to_numpy() + 3.0
    hierarchy = build_hierarchy(bottom)
    full = aggregate_panel(bottom, hierarchy)
    sums = hierarchy_sums(hierarchy.S)

    def paths(dependence):
        model = Reconciled(model=_nb_model(), sums=sums, method=method, dependence=dependence, n_paths=2000, seed=1)
        return _paths_by_id(model.fit(full), 2)

    copula, independent = paths("gaussian_copula"), paths("model")
    if method == "bottom_up":
        np.testing.assert_array_equal(np.sort(copula["CHN-RUS/a"], axis=-1), np.sort(independent["CHN-RUS/a"], axis=-1))
    sd = {uid: p[0].std() for uid, p in independent.items()}
    comonotone = sd["CHN-RUS/a"] + sd["CHN-RUS/b"]
    assert copula["CHN-RUS/total"][0].std() > 0.9 * comonotone > independent["CHN-RUS/total"][0].std() * 1.2
    with pytest.raises(ArgumentError, match="dependence: 'vine' is unknown"):
        Reconciled(model=_nb_model(), sums=sums, dependence="vine").fit(full)


def _nb_model() -> Forecaster:
    return WindowAverage(window=4)


@pytest.mark.parametrize("method", ["bottom_up", "mint_shrink"])
def test_reconciled_paths_are_coherent_nonnegative_counts(method):
    _, hierarchy, full = _hierarchy()
    sums = hierarchy_sums(hierarchy.S)
    model = Reconciled(model=_nb_model(), sums=sums, method=method, n_paths=300, seed=4).fit(full)
    paths = _paths_by_id(model, 3)
    for total, parts in sums.items():
        np.testing.assert_array_equal(paths[total], sum(paths[p] for p in parts))
    every = np.stack(list(paths.values()))
    assert (every >= 0).all() and (every == np.round(every)).all()
    frame = model.predict(3)
    assert (frame[quantile_columns(frame)].to_numpy() >= 0).all()
    # Same seed, same bytes.
    again = Reconciled(model=_nb_model(), sums=sums, method=method, n_paths=300, seed=4).fit(full)
    np.testing.assert_array_equal(model.distribution(3).paths, again.distribution(3).paths)


def test_mint_shrink_rounds_and_floors_projected_bottom_paths():
    # The base model says the total is 0 while family b is 12: the projection pulls b down
    # and can push a below 0; reconciled bottom paths are floored at 0 and totals re-summed.
    _, hierarchy, full = _hierarchy()
    sums = hierarchy_sums(hierarchy.S)

    class _Disagree(Forecaster):
        pools_series = False

        def __init__(self) -> None:
            """No hyperparameters."""

        def _fit(self, y):
            self.level_ = np.array([0.0 if uid.endswith("/total") or uid == "total" else (12.0 if uid.endswith("/b") else 0.0)
                                    for uid in self.ids_])

        def _distribution(self, h):
            return NegativeBinomial(mu=np.repeat(self.level_[:, None] + 1e-9, h, axis=1), alpha=np.full((len(self.ids_), h), 0.01))

    model = Reconciled(model=_Disagree(), sums=sums, method="mint_shrink", n_paths=200).fit(full)
    paths = _paths_by_id(model, 2)
    assert (np.stack(list(paths.values())) >= 0).all()
    np.testing.assert_array_equal(paths["CHN-RUS/total"], paths["CHN-RUS/a"] + paths["CHN-RUS/b"])
    assert 0 < paths["CHN-RUS/b"].mean() < 11  # pulled toward the totals' 0
    assert (paths["CHN-RUS/a"] == 0).mean() > 0.9  # projected below 0, floored


@pytest.mark.parametrize("method", ["bottom_up", "mint_shrink"])
def test_reconciled_forecasts_do_not_see_after_the_cutoff(method):
    _, hierarchy, full = _hierarchy()
    model = reconciled_models({"w": _nb_model()}, hierarchy.S, method)[f"w+{method}"]
    spec = BacktestSpec(horizon=4, n_windows=2, step=4, quantiles=(0.1, 0.5, 0.9), n_samples=20)
    base = rolling_origin(full, {"m": model}, spec)
    first = base["cutoff"].min()
    # Every bottom value after the first cutoff changed, and the totals summed again.
    tampered = aggregate_panel(_bottom_panel().assign(y=lambda p: np.where(p["ds"] > first, p["y"] * 3 + 5, p["y"])), hierarchy)
    changed = rolling_origin(tampered, {"m": model}, spec)
    cols = ["unique_id", "ds", "mean", "q0.1", "q0.5", "q0.9"]
    at_first = base["cutoff"] == first
    pd.testing.assert_frame_equal(
        base[at_first][cols].reset_index(drop=True), changed[changed["cutoff"] == first][cols].reset_index(drop=True)
    )
    assert not np.allclose(base.loc[~at_first, "mean"], changed.loc[(changed["cutoff"] != first).to_numpy(), "mean"])


def test_reconciled_refuses_a_panel_that_is_not_its_hierarchy():
    bottom, hierarchy, full = _hierarchy()
    sums = hierarchy_sums(hierarchy.S)
    with pytest.raises(DataError, match=r"lacks hierarchy series \['CHN-RUS/total', 'CHN/total'"):
        Reconciled(model=_nb_model(), sums=sums).fit(bottom[["unique_id", "ds", "y"]])
    broken = full.assign(y=np.where(full["unique_id"] == "RUS/total", full["y"] + 1, full["y"]))
    with pytest.raises(DataError, match=r"series \['RUS/total'\] are not the sum of their bottom series"):
        Reconciled(model=_nb_model(), sums=sums).fit(broken)
    with pytest.raises(ArgumentError, match="method: 'top_down' is unknown"):
        Reconciled(model=_nb_model(), sums=sums, method="top_down").fit(full)
    # 30 periods: 5 windows of 4 fit (8 left before the first), so residual_windows=6 uses 5.
    fitted = []
    monkey = Reconciled(model=_nb_model(), sums=sums, method="mint_shrink", residual_windows=6)
    original = monkey._holdout_errors
    monkey._holdout_errors = lambda panel, n: fitted.append(original(panel, n)) or fitted[-1]
    monkey.fit(full)
    assert fitted[0][0].shape == (len(full["unique_id"].unique()), 20)
    with pytest.raises(ArgumentError, match="residual_horizon: .* leaves 7 training periods"):
        Reconciled(model=_nb_model(), sums=sums, method="mint_shrink", residual_horizon=23).fit(full)


@pytest.mark.slow
def test_reconcile_config_scores_twins_beside_base_models(tmp_path):
    """The real config: reconcile=bottom_up backtests every hierarchy series, each model next to its coherent twin."""
    cfg = compose_config(["reconcile=bottom_up", "model=[naive]", "backtest.n_windows=1", "report.n_samples=200",
                          "report.model=naive+bottom_up"])
    run = run_from_config(cfg, tmp_path)
    metrics = pd.read_csv(run / "metrics.csv")
    assert {"naive", "naive+bottom_up"} <= set(metrics["model"])
    forecasts = pd.read_parquet(run / "forecasts.parquet")
    twin = forecasts[forecasts["model"] == "naive+bottom_up"].pivot(index="ds", columns="unique_id", values="mean")
    for dyad in ("CHN-RUS", "CHN-USA"):
        families = twin[f"{dyad}/cooperation"] + twin[f"{dyad}/military_contact"]
        np.testing.assert_allclose(twin[f"{dyad}/total"], families)
    samples = pd.read_parquet(run / "samples.parquet")
    assert set(samples["model"]) == {"naive+bottom_up"}
    wide = samples.pivot_table(index=["ds", "sample"], columns="unique_id", values="y")
    for dyad in ("CHN-RUS", "CHN-USA"):  # on every joint path
        np.testing.assert_array_equal(wide[f"{dyad}/total"], wide[f"{dyad}/cooperation"] + wide[f"{dyad}/military_contact"])
    report = (run / "report.md").read_text()
    assert "| China–Russia total |" in report and "- **total**. The dyad's families summed" in report
    backtest = pd.read_parquet(run / "backtest.parquet")
    assert "CHN/total" in set(backtest.loc[backtest["model"] == "naive", "unique_id"])  # base forecasts of totals too
    with pytest.raises(ArgumentError, match="reconcile: 'mint' is unknown"):
        run_from_config(compose_config(["reconcile=mint"]), tmp_path / "bad")
