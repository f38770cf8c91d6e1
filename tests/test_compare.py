"""Diebold–Mariano, block bootstrap, leaderboards, and the run -> compare round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, block_bootstrap_ci, diebold_mariano, leaderboard, rolling_origin
from forecast.cli.compare import compare_main
from forecast.cli.run import objective_from_config, run_from_config
from forecast.errors import ArgumentError
from forecast.io import write_success
from forecast.models import Naive, WindowAverage
from forecast.report.comparison import _board_table, load_runs
from tests.helpers import compose_config, nb_panel


def test_dm_matches_published_example():
    # dieboldmariano (PyPI) README: squared errors, h = 1, one-sided -> (-2.2229922805746782, 0.04515565862099125)
    actual = np.array([10, 20, 30, 40, 50.0])
    f = np.array([11, 21, 29, 42, 53.0])
    g = np.array([13, 26, 24, 40, 59.0])
    result = diebold_mariano((actual - f) ** 2 - (actual - g) ** 2, h=1, alternative="less")
    assert result.statistic == pytest.approx(-2.2229922805746782, rel=1e-12)
    assert result.pvalue == pytest.approx(0.04515565862099125, rel=1e-9)
    assert diebold_mariano((actual - f) ** 2 - (actual - g) ** 2).pvalue == pytest.approx(2 * 0.04515565862099125)


def test_dm_long_run_variance_and_hln_by_hand():
    d = np.array([1.0, -0.5, 2.0, 0.5, 1.5, -1.0, 0.0, 2.5])
    n, h = d.size, 2
    c = d - d.mean()
    variance = (c @ c / n + 2 * (c[1:] @ c[:-1]) / n) / n
    expected = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n) * d.mean() / np.sqrt(variance)
    assert diebold_mariano(d, h=h).statistic == pytest.approx(expected)
    assert np.isnan(diebold_mariano(np.array([1.0, 2.0]), h=1).statistic)
    with pytest.raises(ValueError, match="alternative"):
        diebold_mariano(d, alternative="bigger")


def test_block_bootstrap_interval():
    rng = np.random.default_rng(0)
    d = rng.normal(0.3, 1.0, size=400)
    low, high = block_bootstrap_ci(d, block=5, rng=np.random.default_rng(1))
    assert low < d.mean() < high and high - low < 0.4
    assert block_bootstrap_ci(d, block=5, rng=np.random.default_rng(1)) == (low, high)
    assert block_bootstrap_ci(np.full(10, 2.0), block=3, rng=rng) == (2.0, 2.0)


def _backtest() -> pd.DataFrame:
    spec = BacktestSpec(horizon=4, n_windows=4, step=2, n_samples=0)
    return rolling_origin(nb_panel(n_series=4, n_periods=50), {"naive": Naive(), "mean8": WindowAverage(8)}, spec)


def test_leaderboards_rank_and_mark():
    backtest = _backtest()
    board = leaderboard(backtest, "crps", n_boot=200)
    assert board["rank"].tolist() == [1, 2]
    assert board[board["crps"] == board["crps"].min()]["model"].item() == board.loc[0, "model"]
    loser = board.iloc[1]
    assert loser["diff"] > 0 and loser["versus"] == board.loc[0, "model"]
    assert loser["mark"] == ("**" if loser["p_value"] < 0.01 else "*" if loser["p_value"] < 0.05 else "")
    per_series = leaderboard(backtest, "mae", by=["unique_id"], reference="naive", n_boot=200)
    assert set(per_series["unique_id"]) == {"s0", "s1", "s2", "s3"} and (per_series["versus"] == "naive").all()
    per_horizon = leaderboard(backtest, "log_score", by=["horizon"], n_boot=200)
    assert sorted(per_horizon["horizon"].unique()) == [1, 2, 3, 4]
    with pytest.raises(ArgumentError, match=r"^metric: 'accuracy' has no per-row loss; choose one of \['brier_pos',"):
        leaderboard(backtest, "accuracy")  # a KeyError before: forecast-compare --metric printed its traceback
    for n_boot in (0, -1):  # numpy's 'negative dimensions' or a failed reshape before
        with pytest.raises(ArgumentError, match=rf"^n_boot: must be an integer >= 1, got {n_boot}\."):
            leaderboard(backtest, "crps", n_boot=n_boot)


def test_load_runs_keeps_swept_configurations_apart(tmp_path):
    backtest = _backtest()
    for job, model in (("0", "naive"), ("1", "naive"), ("2", "mean8")):
        (tmp_path / job).mkdir()
        backtest[backtest["model"] == model].to_parquet(tmp_path / job / "backtest.parquet")
        write_success(tmp_path / job, ["backtest.parquet"])  # a finished job
    models = set(load_runs(tmp_path)["model"])
    assert models == {"naive@0", "naive@1", "mean8"}
    # the same model over different series (a dyad sweep) pools into one
    dyads = tmp_path / "dyads"
    for job, ids in (("0", ["s0", "s1"]), ("1", ["s2", "s3"])):
        (dyads / job).mkdir(parents=True)
        backtest[backtest["unique_id"].isin(ids)].to_parquet(dyads / job / "backtest.parquet")
        write_success(dyads / job, ["backtest.parquet"])
    assert set(load_runs(dyads)["model"]) == {"naive", "mean8"}
    with pytest.raises(ArgumentError, match="^multirun_dir: no backtest.parquet"):
        load_runs(tmp_path / "0" / "missing")


@pytest.mark.slow
def test_runs_then_compare_end_to_end(tmp_path, capsys):
    """Two single-model jobs as a multirun would write them, then forecast-compare."""
    # Single-model jobs: window_average's job has no naive to be its skill reference.
    small = ["backtest.horizon=4", "backtest.n_windows=3", "backtest.step=2", "backtest.n_samples=50", "evaluation.reference=null"]
    for job, model in enumerate(["naive", "window_average"]):
        cfg = compose_config([f"model={model}", *small])
        run_dir = run_from_config(cfg, tmp_path / "sweep" / str(job))
        assert objective_from_config(cfg, run_dir) > 0
        metrics = pd.read_csv(run_dir / "metrics.csv")
        assert list(metrics.columns) == ["model", "metric", "value", "unique_id", "horizon"]
        backtest = pd.read_parquet(run_dir / "backtest.parquet")
        assert list(backtest.columns[:7]) == ["unique_id", "ds", "cutoff", "y", "model", "mean", "q0.05"]
    # A metric without per-row loss is one line naming --metric (a KeyError traceback before), and writes nothing.
    with pytest.raises(SystemExit) as exited:
        compare_main([str(tmp_path / "sweep"), "--metric", "accuracy"])
    assert exited.value.code == 2 and not (tmp_path / "sweep" / "compare").exists()
    assert capsys.readouterr().err.startswith("forecast-compare: error: --metric: 'accuracy' has no per-row loss; choose one of")
    compare_main([str(tmp_path / "sweep"), "--n-boot", "200"])
    out = tmp_path / "sweep" / "compare"
    assert "forecast-compare:" in capsys.readouterr().out
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board["board"]) == {"overall", "per dyad", "per series", "per horizon"}
    assert set(board.loc[board["board"] == "per dyad", "dyad"]) == {"CHN-RUS", "CHN-USA"}
    overall = board[board["board"] == "overall"]
    assert set(overall["model"]) == {"naive", "window_average"}
    assert (out / "figures" / "pit.png").stat().st_size > 0
    assert "Diebold" in (out / "report.md").read_text() and (out / "report.html").exists()


@pytest.mark.slow
def test_panel_data_and_monthly_overrides(tmp_path):
    panel_csv = tmp_path / "panel.csv"
    nb_panel(n_series=2, n_periods=30).to_csv(panel_csv, index=False)
    cfg = compose_config(
        [
            "data=panel",
            f"data.path={panel_csv}",
            "model=[naive,window_average]",
            "backtest.horizon=3",
            "backtest.n_windows=2",
            "backtest.step=1",
            "backtest.quantiles=[0.1,0.5,0.9]",
        ]
    )
    run_dir = run_from_config(cfg, tmp_path / "panel_run")
    backtest = pd.read_parquet(run_dir / "backtest.parquet")
    assert set(backtest["unique_id"]) == {"s0", "s1"} and backtest["horizon"].max() == 3
    assert {"q0.1", "q0.5", "q0.9"} <= set(backtest.columns) and "q0.05" not in backtest

    monthly = compose_config(
        [
            "series.freq=M",
            "model=naive",
            "backtest.horizon=1",
            "backtest.n_windows=2",
            "backtest.step=1",
            "backtest.train_size=5",
        ]
    )
    run_dir = run_from_config(monthly, tmp_path / "monthly_run")
    assert pd.read_parquet(run_dir / "backtest.parquet")["ds"].dt.day.eq(1).all()


def test_leaderboard_scores_only_shared_forecasts():
    backtest = _backtest()
    partial = backtest[~((backtest["model"] == "mean8") & (backtest["unique_id"] == "s3"))]
    board = leaderboard(partial, "mae", n_boot=50).set_index("model")
    shared = backtest[backtest["unique_id"] != "s3"]
    expected = (shared["y"] - shared["mean"]).abs().groupby(shared["model"]).mean()
    assert board["mae"].to_dict() == pytest.approx(expected.to_dict())
    last = backtest["cutoff"] == backtest["cutoff"].max()
    disjoint = backtest[((backtest["model"] == "naive") & last) | ((backtest["model"] == "mean8") & ~last)]
    with pytest.raises(ValueError, match="share no"):
        leaderboard(disjoint)


def test_a_model_pooled_over_jobs_lists_every_job_and_its_overrides(tmp_path):
    from forecast.report.comparison import collate

    backtest = _backtest()
    for job, ids in (("0", ["s0", "s1"]), ("1", ["s2", "s3"])):  # a dyad sweep: one model per series set
        (tmp_path / job).mkdir()
        backtest[backtest["unique_id"].isin(ids)].to_parquet(tmp_path / job / "backtest.parquet")
        write_success(tmp_path / job, ["backtest.parquet"])
    overrides = {"0": "series.dyads=[[CHN,RUS]]", "1": "series.dyads=[[CHN,USA]]"}
    markdown = (collate(tmp_path, n_boot=20, overrides=overrides) / "report.md").read_text(encoding="utf-8")
    # Only job 0 and its overrides before, as if naive had forecast CHN-RUS alone.
    row = next(line for line in markdown.splitlines() if line.startswith("| naive") and "series.dyads" in line)
    assert row.endswith(r"| 0, 1 | series.dyads=\[\[CHN,RUS\]\]; series.dyads=\[\[CHN,USA\]\] |")  # Markdown-escaped


def test_comparison_board_prints_small_p_values_as_the_run_report_does():
    board = pd.DataFrame({"rank": [1, 2], "model": ["a", "b"], "crps": [1.0, 2.0], "versus": ["a", "a"], "diff": [0.0, 1.0],
                          "ci_low": [np.nan, 0.5], "ci_high": [np.nan, 1.5], "p_value": [np.nan, 5.34e-7], "mark": ["", "**"]})
    # It printed "0.000000534**" where the run report prints "<0.001**".
    assert _board_table("overall", board, "crps").rows[1][-1] == "<0.001**"


def _finished_sweep(root) -> None:
    backtest = _backtest()
    for job, model in (("0", "naive"), ("1", "mean8")):
        (root / job).mkdir(parents=True)
        backtest[backtest["model"] == model].to_parquet(root / job / "backtest.parquet")
        write_success(root / job, ["backtest.parquet"])


def test_compare_outputs_are_sealed_and_a_failed_rewrite_leaves_whole_files_and_no_marker(tmp_path, monkeypatch):
    import matplotlib.figure

    from forecast.errors import DataError
    from forecast.io import check_success, sha256
    from forecast.report.comparison import collate

    _finished_sweep(tmp_path / "sweep")
    out = collate(tmp_path / "sweep", n_boot=20)
    names = ["figures/coverage.png", "figures/pit.png", "leaderboard.csv", "metrics.csv", "report.html", "report.md"]
    outputs = check_success(out)  # written last, vouching for every output by its hash
    assert sorted(outputs) == names and outputs["figures/pit.png"] == sha256(out / "figures" / "pit.png")
    before = {name: (out / name).read_bytes() for name in names}

    def half_written(figure, path, **options):  # a full disk: some bytes, then the error
        with open(path, "wb") as handle:
            handle.write(b"\x89PNG half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", half_written)
    with pytest.raises(OSError, match="No space left"):
        collate(tmp_path / "sweep", n_boot=20)
    # It wrote figures/pit.png in place (8 bytes of a PNG) and kept the old marker beside the half-new folder.
    assert not (out / "_SUCCESS").exists()
    with pytest.raises(DataError, match="no _SUCCESS marker"):
        check_success(out)
    assert {name: (out / name).read_bytes() for name in names} == before  # the old files whole (same content)
    assert [p.name for p in out.rglob("*") if ".tmp-" in p.name] == []


def test_compare_refuses_to_write_into_a_run_folder(tmp_path, capsys):
    _finished_sweep(tmp_path / "sweep")
    job = tmp_path / "sweep" / "0"
    (job / "metrics.csv").write_text("the job's own\n")
    # It wrote its leaderboard, metrics.csv and report over the job's, and its _SUCCESS listed only its own files.
    with pytest.raises(SystemExit) as exited:
        compare_main([str(tmp_path / "sweep"), "--out", str(job), "--n-boot", "20"])
    err = capsys.readouterr().err
    assert exited.value.code == 2 and err.count("\n") == 1
    assert err == f"forecast-compare: error: --out: {str(job)!r} is a run folder (it holds backtest.parquet); write the comparison to another folder.\n"
    assert (job / "metrics.csv").read_text() == "the job's own\n" and not (job / "report.md").exists()


def test_log_score_ranking_is_refused_when_outcomes_are_not_whole_numbers():
    # A share series' 2.5 has no log score; ranking on the rest ranked its whole-number (mostly empty) periods.
    backtest = _backtest()
    assert "log_score" in backtest.columns
    fractional = backtest.assign(y=backtest["y"].where(backtest.index % 7 != 0, backtest["y"] + 0.5))
    n_fractional = int((fractional["y"] % 1 != 0).sum())
    with pytest.raises(ArgumentError, match=rf"^metric: 'log_score' is undefined for {n_fractional} of {len(backtest)} outcomes"):
        leaderboard(fractional, "log_score", n_boot=50)
    assert set(leaderboard(fractional, "crps", n_boot=50)["model"]) == set(backtest["model"])
    assert set(leaderboard(backtest, "log_score", n_boot=50)["model"]) == set(backtest["model"])
