"""Thin Hydra shells; the work happens in :mod:`forecast.pipeline`."""

from __future__ import annotations

from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from forecast import pipeline

CONF_DIR = str(Path(__file__).resolve().parents[1] / "conf")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def run_main(cfg: DictConfig) -> float:
    """``forecast-run``: run an experiment, print where its outputs are.

    Returns
    -------
    float
        The run's mean backtest ``evaluation.metric`` over its models: the objective a
        Hydra sweeper (Optuna) minimises.
    """
    run_dir = pipeline.run(cfg, Path(HydraConfig.get().runtime.output_dir))
    print(f"forecast: run folder {run_dir.resolve()} (report.html, figures/fan_chart.png)")
    return pipeline.objective(run_dir, cfg.evaluation.metric)
