"""The shells: allow-listed instantiation, config-key error messages, one-line reports, no import side effects."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from forecast.backtest import BacktestSpec
from forecast.cli.compare import compare_main
from forecast.cli.instantiate import build, check_target
from forecast.cli.run import run_from_config
from forecast.errors import ArgumentError
from tests.helpers import CONF_DIR, compose_config

REPO = Path(CONF_DIR).parent


def test_target_reexported_from_another_library_is_refused():
    # forecast.pipeline imports pandas as pd: the dotted string starts with forecast., the object is pandas'.
    with pytest.raises(ArgumentError, match=r"^data\.evil\._target_: .*module 'pandas\.io\.pickle'"):
        build({"_target_": "forecast.pipeline.pd.read_pickle", "filepath_or_buffer": "x.pkl"}, where="data.evil")


def test_legitimate_target_is_built():
    spec = build({"_target_": "forecast.backtest.BacktestSpec", "horizon": 2, "n_windows": 1}, where="backtest")
    assert spec == BacktestSpec(horizon=2, n_windows=1)
    assert check_target("forecast.backtest.BacktestSpec", where="backtest") is BacktestSpec


def test_nested_and_outside_targets_are_refused_where_they_are():
    nested = {"_target_": "forecast.backtest.BacktestSpec", "quantiles": {"_target_": "forecast.pipeline.json.loads"}}
    with pytest.raises(ArgumentError, match=r"^backtest\.quantiles\._target_: .*module 'json'"):
        build(nested, where="backtest")
    with pytest.raises(ArgumentError, match=r"^model\.evil\._target_: 'os\.system' is not allowed"):
        build({"_target_": "os.system", "command": "true"}, where="model.evil")
    with pytest.raises(ArgumentError, match=r"^model\.typo\._target_: 'forecast\.models\.Naiv' cannot be found"):
        build({"_target_": "forecast.models.Naiv"}, where="model.typo")


def test_argument_error_is_named_under_the_config_node(tmp_path):
    pd.DataFrame({"model": ["naive"], "metric": ["mae"], "value": [1.0]}).to_csv(tmp_path / "metrics.csv", index=False)
    node = {"_target_": "forecast.pipeline.objective", "run_dir": str(tmp_path), "metric": "crps"}
    with pytest.raises(ArgumentError, match=r"^evaluation\.metric: 'crps' is not in metrics\.csv; choose one of \['mae'\]"):
        build(node, where="evaluation")


def test_pipeline_arguments_are_reported_as_config_keys(tmp_path):
    with pytest.raises(ArgumentError, match=r"^model: no model selected"):
        run_from_config(compose_config(["model=[]"]), tmp_path)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            ["taxonomy.families.cooperation.any_of=[{codes:[202]}]"],
            r"^taxonomy\.families\.cooperation\.any_of\[0\]\.codes: 202 is a number, not a quoted code",
        ),
        (
            ["+series.extra_families.x={any_of:[{codes:['42']}]}", "series.families=[x]"],
            r"^series\.extra_families\.x\.any_of\[0\]\.codes: '42' is not a CAMEO code prefix",
        ),
        (
            ["+series.extra_families.cooperation={any_of:[{codes:['04']}]}"],
            r"^series\.extra_families: \['cooperation'\] repeat taxonomy families",
        ),
    ],
)
def test_family_config_errors_are_named_by_their_config_key(overrides: list[str], message: str, tmp_path):
    # An ArgumentError, which the shells print as one line (exit 2), not a ValueError traceback.
    with pytest.raises(ArgumentError, match=message):
        run_from_config(compose_config(overrides), tmp_path)
    assert not (tmp_path / "figures").exists()  # before the ingest


def test_argument_error_survives_a_process_pool():
    error = pickle.loads(pickle.dumps(ArgumentError("horizon", "must be >= 1")))
    assert (error.argument, error.detail, str(error.under("backtest"))) == (
        "horizon", "must be >= 1", "backtest.horizon: must be >= 1"
    )


def _forecast_run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "forecast.cli.run", f"hydra.run.dir={tmp_path / 'run'}", *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )


@pytest.mark.slow
def test_bad_config_value_is_one_line_with_the_key_and_exit_2(tmp_path):
    done = _forecast_run("backtest.horizon=0", tmp_path=tmp_path)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("forecast-run: error: ") and "backtest.horizon" in lines[0]
    assert "Traceback" not in done.stderr and not (tmp_path / "run" / "metrics.csv").exists()


@pytest.mark.slow
def test_debug_shows_the_traceback(tmp_path):
    done = _forecast_run("backtest.horizon=0", "--debug", tmp_path=tmp_path)
    assert done.returncode == 2
    assert "Traceback" in done.stderr and "backtest.horizon" in done.stderr


@pytest.mark.slow
def test_unknown_config_group_is_one_line(tmp_path):
    done = _forecast_run("model=no_such_model", tmp_path=tmp_path)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert "model=no_such_model: no such option in config group 'model'" in line and "Traceback" not in line


def test_compare_of_a_folder_without_runs(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        compare_main([str(tmp_path / "missing")])
    assert exited.value.code == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("forecast-compare: error: multirun_dir: no backtest.parquet under")


def test_library_imports_leave_matplotlib_and_omegaconf_alone():
    code = (
        "import sys, matplotlib; matplotlib.use('svg');"
        "import forecast.pipeline, forecast.report, forecast.report.comparison, forecast.events.text;"
        "print(matplotlib.get_backend(), sorted({m.split('.')[0] for m in sys.modules} & {'hydra', 'omegaconf'}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    assert done.stdout.split() == ["svg", "[]"]


def test_compare_reads_the_overrides_hydra_recorded_per_job(tmp_path):
    from forecast.cli.compare import job_overrides

    for job, lines in (("0", "- model=naive\n- seed=1\n"), ("a/1", "- model=tsb\n")):
        (tmp_path / job / ".hydra").mkdir(parents=True)
        (tmp_path / job / ".hydra" / "overrides.yaml").write_text(lines)
    (tmp_path / "2").mkdir()  # a job folder without Hydra's record
    assert job_overrides(tmp_path) == {"0": "model=naive seed=1", "a/1": "model=tsb"}


def test_shell_setup_makes_figures_headless_without_importing_matplotlib():
    # Agg even when the user's environment names an interactive backend; matplotlib is only
    # imported by a command that draws.
    code = (
        "import sys; from forecast.cli.shell import setup; setup(); print('matplotlib' in sys.modules); "
        "import matplotlib; print(matplotlib.get_backend())"
    )
    env = {**os.environ, "MPLBACKEND": "TkAgg"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.lower().split() == ["false", "agg"]


def test_data_auto_reads_a_ready_panel_as_data_panel_does(tmp_path):
    # forecast-run data=auto data.path=<unique_id,ds,y file> was a KeyError 'source_dataset'
    # traceback: the panel went down the event path.
    from tests.helpers import nb_panel

    nb_panel(n_series=2, n_periods=30).to_csv(tmp_path / "panel.csv", index=False)
    quick = [f"data.path={tmp_path / 'panel.csv'}", "model=[naive]", "backtest.horizon=2", "backtest.n_windows=1",
             "backtest.n_samples=0", "report.n_samples=20", "evaluation.reference=null"]
    auto = run_from_config(compose_config(["data=auto", *quick]), tmp_path / "auto")
    panel = run_from_config(compose_config(["data=panel", *quick]), tmp_path / "panel")
    for name in ("panel.parquet", "backtest.parquet", "forecasts.parquet"):
        assert (auto / name).read_bytes() == (panel / name).read_bytes(), name


def test_a_ready_panel_with_fractional_values_gets_a_caveat(tmp_path):
    # data=panel took y = 2.5 as a count without a word; the report now says which values are not counts.
    from tests.helpers import nb_panel

    panel = nb_panel(n_series=2, n_periods=30)
    panel.loc[[3, 40], "y"] += 0.5
    panel.to_csv(tmp_path / "panel.csv", index=False)
    quick = [f"data.path={tmp_path / 'panel.csv'}", "model=[naive]", "backtest.horizon=2", "backtest.n_windows=1",
             "backtest.n_samples=0", "report.n_samples=20", "evaluation.reference=null"]
    run = run_from_config(compose_config(["data=panel", *quick]), tmp_path / "run")
    first = panel.sort_values(["unique_id", "ds"]).loc[lambda p: p["y"] % 1 != 0].iloc[0]
    caveats = (run / "report.md").read_text().split("## Caveats")[1]
    assert (
        f"- 2 panel values are not whole numbers (first: {first['unique_id']} at {first['ds'].date()}, {first['y']:g}); "
        "count model(s) \\['naive'\\] treat them as counts"
    ) in caveats
    nb_panel(n_series=2, n_periods=30).to_csv(tmp_path / "panel.csv", index=False)
    whole = run_from_config(compose_config(["data=panel", *quick]), tmp_path / "whole")
    assert "not whole numbers" not in (whole / "report.md").read_text()
