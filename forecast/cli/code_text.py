"""``forecast-code-text``: a thin Hydra shell around :func:`forecast.events.text.run_code_text`."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from forecast.cli.instantiate import check_argument_types
from forecast.cli.shell import CONFIG_PATH, reported, shell
from forecast.errors import ArgumentError
from forecast.events.text import run_code_text


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="code_text")
@reported
def _main(cfg: DictConfig) -> None:
    """Code ``cfg.input`` into events and write them to ``cfg.output``.

    Parameters
    ----------
    cfg : DictConfig
        The composed ``conf/code_text.yaml`` with command-line overrides.
    """
    # min_confidence=abc: named, not float()'s ValueError.
    check_argument_types(run_code_text, {"min_confidence": cfg.min_confidence}, where="")
    try:
        events = run_code_text(
            str(cfg.input),
            str(cfg.output),
            published=None if cfg.published is None else str(cfg.published),
            source_dataset=str(cfg.source_dataset),
            min_confidence=float(cfg.min_confidence),
        )
    except FileNotFoundError as error:
        if error.filename is not None:  # an open() deep inside: the generic report names the file
            raise
        raise ArgumentError("input", f"{error}; give a .jsonl or .txt file or a folder of .txt files.") from error
    print(f"{len(events)} events from {events.attrs['documents']} documents written to {cfg.output}")


def code_text_main() -> None:
    """Console-script entry point (``forecast-code-text``); ``--debug`` shows tracebacks."""
    shell("forecast-code-text", _main, config_name="code_text")


if __name__ == "__main__":
    code_text_main()
