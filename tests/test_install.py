"""A real (non-editable) install: configs and examples ship in the package, commands run anywhere."""

from __future__ import annotations

import json
import shutil
import subprocess
import sysconfig
import venv
from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python >= 3.11

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# What a wheel is built from (a copy, so the build leaves nothing in the checkout).
SOURCES = ("pyproject.toml", "README.md", "forecast", "hydra_plugins", "conf", "data/examples")


def test_the_package_list_names_every_package_folder():
    tool = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    # hydra_plugins/ holds forecast's Hydra plugins (hydra/launcher=ray); hydra_plugins itself is
    # a namespace package shared with the other plugins, so it has no __init__.py.
    found = {".".join(p.parent.relative_to(REPO).parts) for top in ("forecast", "hydra_plugins") for p in (REPO / top).rglob("__init__.py")}
    assert not (REPO / "hydra_plugins" / "__init__.py").exists()
    mapped = {name: REPO / folder for name, folder in tool["package-dir"].items()}
    assert set(tool["packages"]) == found | set(mapped)
    assert mapped == {"forecast.conf": REPO / "conf", "forecast.data.examples": REPO / "data" / "examples"}
    assert (REPO / "conf" / "__init__.py").is_file()  # pkg://forecast.conf needs an importable package


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with ``pip install --no-deps --no-build-isolation <copy of the repo>``.

    The venv sees this test's own site-packages (dependencies, setuptools, pip) through a
    ``.pth`` line, which adds the folder without running its ``.pth`` files, so the editable
    install of the checkout is not visible there: ``forecast`` comes from the wheel alone.
    """
    root = tmp_path_factory.mktemp("install")
    source = root / "src"
    for name in SOURCES:
        target = source / name
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target)
    env_dir = root / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(purelib, "outer_site_packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(source)],
        capture_output=True, text=True, check=True, timeout=600,
    )
    return env_dir


def _run(env_dir: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(env_dir / "bin" / args[0]), *args[1:]], capture_output=True, text=True, cwd=cwd, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.mark.slow
def test_the_installed_package_is_not_the_checkout(installed, tmp_path):
    done = _run(installed, "python", "-c", "import sys, forecast.cli.shell; s = sys.modules['forecast.cli.shell']; print(s.__file__, s.CONF_DIR)", cwd=tmp_path)
    module, conf = done.stdout.split()
    assert module.startswith(str(installed)) and conf.startswith(str(installed))
    assert Path(conf, "model", "naive.yaml").is_file()
    # The launcher group ships (hydra/launcher=submitit_slurm works from an install); no run folder does.
    assert Path(conf, "hydra", "launcher", "submitit_slurm.yaml").is_file() and not Path(conf, ".hydra").exists()
    # hydra/launcher=ray: its yaml, and the plugin, which Hydra's own scan finds in an install.
    assert Path(conf, "hydra", "launcher", "ray.yaml").is_file()
    scan = "from hydra.core.plugins import Plugins; print(*(f'{c.__module__}.{c.__name__}' for c in Plugins.instance().discover()))"
    plugin = _run(installed, "python", "-c", scan, cwd=tmp_path).stdout.split()
    assert "hydra_plugins.forecast_ray_launcher.ray_launcher.RayLauncher" in plugin
    assert next(installed.glob("lib/python*/site-packages/hydra_plugins/forecast_ray_launcher/ray_launcher.py")).is_file()
    examples = Path(module).parents[1] / "data" / "examples" / "belarus-china-drills.events.csv"
    assert examples.is_file()
    for prog in ("forecast-run", "forecast-ingest", "forecast-fetch", "forecast-code-text", "forecast-compare", "forecast-report"):
        assert _run(installed, prog, "--version", cwd=tmp_path).stdout.startswith("forecast ")


@pytest.mark.slow
def test_installed_forecast_run_from_another_folder(installed, tmp_path):
    run_dir = tmp_path / "run"
    _run(installed, "forecast-run", "backtest.n_windows=1", "model=[naive]", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert (run_dir / "report.html").is_file() and (run_dir / "metrics.csv").is_file()
    assert "naive" in (run_dir / "metrics.csv").read_text()
    _run(installed, "forecast-report", str(run_dir), cwd=tmp_path)  # the templates ship too


@pytest.mark.slow
def test_installed_example_experiment_finds_its_shipped_events(installed, tmp_path):
    run_dir = tmp_path / "run"
    _run(installed, "forecast-run", "experiment=coded_article", "backtest.n_windows=1", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    # ${repo:} resolved to the installed package, which ships data/examples
    shipped = next(installed.glob("lib/python*/site-packages/forecast/data/examples/belarus-china-drills.events.csv"))
    assert f"path: {shipped}" in (run_dir / "config.yaml").read_text()
    assert (run_dir / "report.html").is_file() and (run_dir / "metrics.csv").is_file()


@pytest.mark.slow
def test_installed_forecast_ingest_on_a_fixture(installed, tmp_path):
    run_dir = tmp_path / "ingest"
    _run(installed, "forecast-ingest", "data=icews", f"data.path={FIXTURES / 'icews'}", f"hydra.run.dir={run_dir}", cwd=tmp_path)
    summary = json.loads((run_dir / "ingest_summary.json").read_text())
    assert (summary["rows_read"], summary["rows_accepted"], summary["rows_duplicate"]) == (12, 7, 1)
    assert (run_dir / "events.parquet").is_file()


@pytest.mark.slow
def test_installed_help_and_errors(installed, tmp_path):
    assert _run(installed, "forecast-ingest", "--help", cwd=tmp_path).stdout.startswith("forecast-ingest: ")
    done = subprocess.run(
        [str(installed / "bin" / "forecast-run"), "modle=naive"], capture_output=True, text=True, cwd=tmp_path, timeout=600
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "forecast-run: error: modle: no such config key; close valid keys: 'model'. "
        "Fix the spelling (`forecast-run --cfg job` prints every key)."
    ]

