"""A run folder is complete only with its _SUCCESS marker; the report and compare shells refuse one without."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from forecast.cli.run import run_from_config
from forecast.io import sha256
from forecast.report.comparison import load_runs
from tests.helpers import compose_config

FAST = ["backtest.n_windows=1", "model=[naive]", "evaluation.reference=null"]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    return run_from_config(compose_config(FAST), tmp_path_factory.mktemp("marker") / "run")


def _marker(folder: Path) -> dict[str, str]:
    return json.loads((folder / "_SUCCESS").read_text())["outputs"]


def test_marker_lists_every_output_with_its_hash(run_dir):
    outputs = _marker(run_dir)
    for name in ("metrics.csv", "backtest.parquet", "forecasts.parquet", "failures.csv", "report.md", "report.html"):
        assert outputs[name] == sha256(run_dir / name)
    on_disk = {p.relative_to(run_dir).as_posix() for p in run_dir.rglob("*") if p.is_file()}
    assert set(outputs) == on_disk - {"_SUCCESS"} - {n for n in on_disk if n.endswith(".log") or n.startswith(".hydra/")}


def _report_shell(folder: Path) -> subprocess.CompletedProcess:
    code = "import sys; from forecast.cli.report import report_main; report_main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, f"run_dir={folder}"], capture_output=True, text=True)


def test_forecast_report_refuses_an_unfinished_folder_and_reseals_a_rebuild(run_dir, tmp_path):
    unfinished = tmp_path / "unfinished"
    shutil.copytree(run_dir, unfinished)
    (unfinished / "_SUCCESS").unlink()
    done = _report_shell(unfinished)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "no _SUCCESS marker" in done.stderr and str(unfinished) in done.stderr

    tampered = tmp_path / "tampered"
    shutil.copytree(run_dir, tampered)
    (tampered / "metrics.csv").write_text("model,metric,value\n")
    done = _report_shell(tampered)
    assert done.returncode == 2 and "metrics.csv: changed since _SUCCESS was written" in done.stderr

    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    assert _report_shell(copy).returncode == 0
    assert _marker(copy)["report.md"] == sha256(copy / "report.md")  # the rebuilt pages are vouched for


def test_compare_refuses_a_sweep_with_an_unfinished_job(run_dir, tmp_path):
    for job in ("0", "1"):
        shutil.copytree(run_dir, tmp_path / job)
    assert set(load_runs(tmp_path)["job"]) == {"0", "1"}
    (tmp_path / "1" / "_SUCCESS").unlink()
    with pytest.raises(Exception, match=r"1: no _SUCCESS marker"):
        load_runs(tmp_path)


def test_a_killed_rerun_into_a_finished_folder_is_left_unfinished(run_dir, tmp_path, monkeypatch):
    from forecast import pipeline
    from forecast.errors import ArgumentError, DataError
    from forecast.io import check_success

    rerun = tmp_path / "rerun"
    shutil.copytree(run_dir, rerun)
    # Refused by a check before anything is written: the folder is untouched and still sealed.
    with pytest.raises(ArgumentError, match="report.model"):
        run_from_config(compose_config([*FAST, "report.model=theta"]), rerun)
    assert check_success(rerun) == _marker(run_dir)

    def killed(*args, **kwargs):  # the rerun dies in the backtest, after it rewrote events_summary.json and panel.parquet
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline, "run_backtest", killed)
    with pytest.raises(KeyboardInterrupt):
        run_from_config(compose_config(FAST), rerun)
    # The old marker stayed, vouching for a folder half rewritten.
    assert not (rerun / "_SUCCESS").exists()
    with pytest.raises(DataError, match="no _SUCCESS marker"):
        check_success(rerun)
    monkeypatch.undo()
    run_from_config(compose_config(FAST), rerun)  # a finished rerun seals it again
    assert check_success(rerun)["report.md"] == sha256(rerun / "report.md")
