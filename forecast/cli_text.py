"""Console entry point ``forecast-code-text``: a thin Hydra shell around the text coder."""

from __future__ import annotations

from pathlib import Path

import hydra
from omegaconf import DictConfig

from forecast.events.text import run_code_text

CONFIG_DIR = str(Path(__file__).resolve().parents[1] / "conf")


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="code_text")
def code_text_main(cfg: DictConfig) -> None:
    """Code ``cfg.input`` into events and write them to ``cfg.output``.

    Parameters
    ----------
    cfg : DictConfig
        The composed ``conf/code_text.yaml`` with command-line overrides.
    """
    events = run_code_text(
        str(cfg.input),
        str(cfg.output),
        published=None if cfg.published is None else str(cfg.published),
        source_dataset=str(cfg.source_dataset),
        min_confidence=float(cfg.min_confidence),
    )
    print(f"{len(events)} events from {events['doc_id'].nunique()} documents written to {cfg.output}")
