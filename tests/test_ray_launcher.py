"""``hydra/launcher=ray``: each sweep job a Ray task, writing the bytes the joblib launcher writes."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.plugins import Plugins
from hydra.errors import ConfigCompositionException
from hydra.plugins.launcher import Launcher
from hydra.utils import instantiate

from forecast.cli.shell import CONF_DIR, register_launchers
from forecast.errors import ArgumentError
from hydra_plugins.forecast_ray_launcher import ray_launcher
from tests.helpers import nb_panel

NO_RAY = "hydra/launcher=ray needs ray: pip install -e '.[engines]'"
# Outputs of a job that its config and seed alone decide (provenance.json also records the wall time).
OUTPUTS = ("panel.parquet", "backtest.parquet", "forecasts.parquet", "samples.parquet", "metrics.csv")
TINY = ["backtest.horizon=3", "backtest.n_windows=2", "backtest.step=1", "backtest.n_samples=20", "report.n_samples=200"]


def _hydra_config(overrides: list[str]):
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=overrides, return_hydra_config=True)


def test_ray_launcher_config_composes_to_the_plugin():
    launcher = _hydra_config(["hydra/launcher=ray"]).hydra.launcher
    assert launcher._target_ == "hydra_plugins.forecast_ray_launcher.ray_launcher.RayLauncher"
    assert (launcher.address, launcher.num_cpus, dict(launcher.init)) == (None, 1, {})
    joined = _hydra_config(["hydra/launcher=ray", "hydra.launcher.address=ray://head:10001", "+hydra.launcher.init.namespace=sweeps"])
    built = instantiate(joined.hydra.launcher)
    # The class as the module now holds it (Hydra's plugin scan re-runs the modules it finds).
    assert isinstance(built, ray_launcher.RayLauncher)
    assert (built.address, built.num_cpus, built.init) == ("ray://head:10001", 1, {"namespace": "sweeps"})
    # The default stays the joblib launcher.
    assert _hydra_config([]).hydra.launcher._target_.endswith("JoblibLauncher")


def test_ray_launcher_fields_are_checked_against_its_schema():
    # The yaml alone would take any value; RayLauncherConf types num_cpus as a float.
    with pytest.raises(ConfigCompositionException, match="num_cpus"):
        _hydra_config(["hydra/launcher=ray", "hydra.launcher.num_cpus=two"])


def test_the_shell_registers_the_plugin_for_hydra():
    register_launchers()
    assert ray_launcher.RayLauncher in Plugins.instance().discover(Launcher)


def test_an_install_without_the_plugin_still_gives_one_line_errors(tmp_path):
    # An editable install made before the plugin existed cannot import it: the shell must not crash on that.
    code = (
        "import sys; sys.modules['hydra_plugins.forecast_ray_launcher'] = None; "
        "from forecast.cli.ingest import ingest_main; ingest_main()"
    )
    missing = tmp_path / "nope.csv"
    done = subprocess.run(
        [sys.executable, "-c", code, f"data.path={missing}"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"forecast-ingest: error: data.path: no input matches '{missing}'. "
        "Give a file, a folder or a glob such as 'data/*.export.CSV.gz'."
    ]


def test_a_missing_cluster_is_named_by_its_config_key(monkeypatch):
    ray = pytest.importorskip("ray", reason=NO_RAY)
    calls = []

    def no_cluster(**kwargs):
        calls.append(kwargs)
        raise ConnectionError("Could not find any running Ray instance.\nPlease specify the one to connect to.")

    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(ray, "init", no_cluster)
    with pytest.raises(ArgumentError, match=(
        r"^hydra\.launcher\.address: 'auto': Could not find any running Ray instance\. Please specify the one to "
        r"connect to\. Start the cluster \(ray start --head\) or set hydra\.launcher\.address=null"
    )):
        ray_launcher.start_ray("auto", {"namespace": "n"})
    assert calls == [{"address": "auto", "namespace": "n"}]
    # No address: a new local instance, never a cluster found on the machine.
    monkeypatch.setattr(ray, "init", lambda **kwargs: calls.append(kwargs))
    assert ray_launcher.start_ray(None, {"num_cpus": 2}) is True
    assert calls[-1] == {"address": "local", "num_cpus": 2}
    monkeypatch.setattr(ray, "is_initialized", lambda: True)
    assert ray_launcher.start_ray(None, {}) is False and len(calls) == 2  # already running: left as it is


def _sweep(launcher: list[str], panel: Path, out: Path) -> tuple[list[str], subprocess.CompletedProcess]:
    args = [
        "-m", *launcher, "data=panel", f"data.path={panel}", "model=naive,tsb", "evaluation.reference=null",
        *TINY, f"hydra.sweep.dir={out}",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "forecast.cli.run", *args], capture_output=True, text=True, cwd=out.parent, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return args, done


@pytest.mark.slow
def test_ray_sweep_writes_the_joblib_sweeps_bytes(tmp_path):
    pytest.importorskip("ray", reason=NO_RAY)
    panel = tmp_path / "panel.csv"
    nb_panel(n_series=2, n_periods=30).to_csv(panel, index=False)
    launchers = {"ray": ["hydra/launcher=ray", "+hydra.launcher.init.num_cpus=2"], "joblib": ["hydra/launcher=joblib", "hydra.launcher.n_jobs=2"]}
    with ThreadPoolExecutor(2) as pool:  # the two sweeps side by side: most of each is start-up
        sweeps = dict(zip(launchers, pool.map(lambda item: _sweep(item[1], panel, tmp_path / item[0]), launchers.items())))
    args, done = sweeps["ray"]
    # The jobs ran in Ray workers: their output reaches the driver under the task's name. Ray
    # forwards worker output asynchronously and can drop a job's last lines at shutdown on a
    # loaded machine, so one forwarded line is the evidence; the folders below are the results.
    folders = re.findall(r"\(execute_job pid=\d+\).*?forecast: run folder (\S+)", done.stdout)
    assert folders and set(folders) <= {str(tmp_path / "ray" / "0"), str(tmp_path / "ray" / "1")}
    for job, model in enumerate(["naive", "tsb"]):
        ray_job, joblib_job = tmp_path / "ray" / str(job), tmp_path / "joblib" / str(job)
        assert (ray_job / "_SUCCESS").is_file()
        backtest = pd.read_parquet(ray_job / "backtest.parquet")
        # 2 series x 2 cutoffs x horizon 3, of this job's model only.
        assert set(backtest["model"]) == {model} and len(backtest) == 2 * 2 * 3
        for name in OUTPUTS:
            assert (ray_job / name).read_bytes() == (joblib_job / name).read_bytes(), f"job {job}: {name}"
        # The job records the sweep's command line, not the Ray worker's arguments.
        assert json.loads((ray_job / "provenance.json").read_text())["command"] == shlex.join(["forecast-run", *args])


@pytest.mark.slow
def test_without_ray_the_sweep_stops_with_one_line_naming_the_launcher(tmp_path):
    # ray made unimportable in the command's own process: importlib finds no spec for it.
    code = "import sys; sys.modules['ray'] = None; from forecast.cli.run import run_main; run_main()"
    done = subprocess.run(
        [sys.executable, "-c", code, "-m", "hydra/launcher=ray", "model=naive,tsb", f"hydra.sweep.dir={tmp_path / 'sweep'}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "forecast-run: error: hydra/launcher=ray: needs ray, which is not installed: pip install 'forecast[engines]' "
        "(ray), or run the sweep with hydra/launcher=joblib."
    ]
    assert not (tmp_path / "sweep" / "0").exists()


def test_ray_is_only_imported_when_a_sweep_runs():
    # Hydra imports every plugin on start-up; the launcher module must not pull Ray in.
    done = subprocess.run(
        [sys.executable, "-c", "import sys, hydra_plugins.forecast_ray_launcher.ray_launcher; print('ray' in sys.modules)"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.stdout.strip() == "False", done.stderr
