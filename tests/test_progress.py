"""Progress bars show only when asked or on a terminal; a run prints each warning once."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from forecast.backtest import BacktestSpec, rolling_origin
from forecast.errors import ArgumentError
from forecast.models import Naive, WindowAverage
from forecast.progress import enabled, progress_mode, warnings_once

PANEL = pd.DataFrame(
    {
        "unique_id": "a",
        "ds": pd.date_range("2020-01-06", periods=20, freq="W-MON"),
        "y": np.random.default_rng(0).poisson(3, 20).astype(float),
    }
)
SPEC = BacktestSpec(horizon=2, n_windows=3, step=1, n_samples=0)
MODELS = {"naive": Naive(), "window_average": WindowAverage(window=2)}


def test_modes_and_quiet_environment(monkeypatch):
    monkeypatch.delenv("FORECAST_QUIET", raising=False)
    assert not enabled()  # auto, and pytest's captured stderr is not a terminal
    with progress_mode("always"):
        assert enabled()
        monkeypatch.setenv("FORECAST_QUIET", "1")
        assert not enabled()
    monkeypatch.delenv("FORECAST_QUIET")
    with progress_mode("never"):
        assert not enabled()
    with pytest.raises(ArgumentError, match="progress.*'sometimes'"):
        with progress_mode("sometimes"):
            pass


def test_backtest_bar_counts_windows_times_models(capsys, monkeypatch):
    monkeypatch.delenv("FORECAST_QUIET", raising=False)
    with progress_mode("always", job="job 2"):
        rolling_origin(PANEL, MODELS, SPEC)
    err = capsys.readouterr().err
    assert "job 2 backtest:" in err and " 0/6 " in err  # total: 3 windows x 2 models
    rolling_origin(PANEL, MODELS, SPEC)  # auto, stderr captured: silent
    assert capsys.readouterr().err == ""


def test_warnings_once_per_text_with_numbers_blanked(caplog):
    caplog.set_level(logging.WARNING)
    with warnings_once():
        for radius in (1.2, 1.3, 1.4):
            warnings.warn(f"spectral radius {radius} too large", RuntimeWarning)
        warnings.warn("another warning", UserWarning)
        logging.getLogger("forecast.test").warning("logged and warned")
        warnings.warn("logged and warned", UserWarning)
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "logged and warned",
        "RuntimeWarning: spectral radius 1.2 too large (raised 3 times; the first is shown)",
        "UserWarning: another warning",
    ]


def test_warnings_are_still_shown_when_the_block_fails(caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(ValueError):
        with warnings_once():
            warnings.warn("before the failure", UserWarning)
            raise ValueError("boom")
    assert [r.getMessage() for r in caplog.records] == ["UserWarning: before the failure"]


@pytest.mark.slow
def test_a_run_prints_each_warning_line_once(tmp_path):
    # max_branching=0.05 makes every Hawkes fit (3 windows + the final fit, which the excitation
    # heatmap reuses) warn with its own
    # radius; measure=share makes the measures caveat both logged and warned.
    result = subprocess.run(
        [
            sys.executable, "-m", "forecast.cli.run", "model=[naive,hawkes]", "model.hawkes.max_branching=0.05",
            "series.measure=share", "backtest.n_samples=0", "backtest.n_windows=3", "progress=never",
            f"hydra.run.dir={tmp_path / 'run'}",
        ],
        capture_output=True, text=True, cwd=tmp_path, env={"MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"},
        timeout=600, check=True,
    )
    lines = [line for line in (result.stdout + result.stderr).splitlines() if "warn" in line.lower()]
    texts = [line.split("] - ", 1)[-1] for line in lines]  # without the timestamp
    assert any("spectral radius" in t and "raised 4 times" in t for t in texts), texts
    assert sum("share gives non-integer values" in t for t in texts) == 1, texts
    assert [t for t, n in Counter(texts).items() if n > 1] == []
    assert sum("spectral radius" in t for t in texts) == 1
    assert "backtest" not in result.stderr  # progress=never: no bar
