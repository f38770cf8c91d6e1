"""Small generated panels and config composition shared by tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hydra import compose, initialize_config_dir

CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")


def nb_panel(n_series: int = 3, n_periods: int = 40, seed: int = 7, start: str = "2021-01-04") -> pd.DataFrame:
    """Weekly negative-binomial counts with different levels per series."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=n_periods, freq="W-MON")
    frames = []
    for i in range(n_series):
        mu = 2.0 + 4.0 * i
        y = rng.negative_binomial(2, 2 / (2 + mu), size=n_periods).astype(float)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": dates, "y": y}))
    return pd.concat(frames, ignore_index=True)


def compose_config(overrides: list[str] | None = None):
    """Compose the real root config from conf/ with overrides."""
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=overrides or [])


def model_config_names() -> list[str]:
    """Every model config in conf/model/."""
    return sorted(p.stem for p in (Path(CONF_DIR) / "model").glob("*.yaml"))
