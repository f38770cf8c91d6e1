"""``forecast-ingest``: the Hydra command that ingests event files into a run folder.

The Hydra shell only resolves the config; :func:`run_ingest` does the work and is what
tests call.
"""

from __future__ import annotations

import json
import re
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from forecast.cli.instantiate import check_argument_types
from forecast.cli.shell import CONFIG_PATH, register_resolvers, reported, shell
from forecast.errors import ArgumentError
from forecast.events.ingest import ingest
from forecast.events.readers.registry import detect, get
from forecast.progress import progress_mode

log = logging.getLogger(__name__)
# ingest() arguments that are top-level keys of conf/ingest.yaml; the others come from data.*.
TOP_LEVEL_KEYS = {"store": "store", "validate": "validate", "block_bytes": "block_mb", "memory_limit": "memory_limit"}


def run_ingest(
    path: str | Sequence[str],
    out_dir: str | Path,
    *,
    format: str = "auto",
    store: str | None = None,
    validate: bool = True,
    block_mb: int = 16,
    memory_limit: str = "128MB",
    options: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Ingest event files into ``out_dir``; the testable body of ``forecast-ingest``.

    Parameters
    ----------
    path : str or sequence of str
        File(s), folder(s) or glob(s).
    out_dir : str or Path
        Run folder for ``events.parquet``, ``quarantine.parquet``, ``ingest_summary.json``.
    format : str
        ``auto`` or a format name (see :data:`forecast.events.FORMATS`).
    store : str, optional
        Partitioned parquet store to append to instead of writing ``events.parquet``.
    validate : bool
        Pandera-validate SQL-built batches too.
    block_mb : int
        Reader block size in MiB.
    memory_limit : str
        DuckDB memory limit.
    options : mapping, optional
        Format options (the remaining ``data.*`` keys).

    Returns
    -------
    dict
        The ingest summary.
    """
    return ingest(
        path,
        out_dir,
        format=format,
        store=store,
        validate=validate,
        block_bytes=int(block_mb) << 20,
        memory_limit=memory_limit,
        **dict(options or {}),
    )


def run_from_config(cfg: DictConfig, out_dir: str | Path) -> dict[str, Any]:
    """Run :func:`run_ingest` from a composed ``ingest`` config.

    Raises
    ------
    ArgumentError
        Named by config key: ``data.<option>``, or ``store``, ``block_mb``, ...;
        ``data.path`` when no input matches it.
    """
    register_resolvers()
    data = OmegaConf.to_container(cfg.data, resolve=True, throw_on_missing=True)
    assert isinstance(data, dict)
    if data["format"] == "store":
        raise ArgumentError(
            "data",
            "store is a forecast-run source that reads a store; to append files to a store, run "
            "forecast-ingest data=<format> data.path=<files> store=<dir> (or forecast-fetch store=<dir>).",
        )
    options = {k: v for k, v in data.items() if k not in ("format", "path")}
    top = {"store": cfg.store, "validate": cfg.validate, "block_mb": cfg.block_mb, "memory_limit": cfg.memory_limit}
    check_argument_types(run_ingest, top, where="")  # validate=maybe was taken as true, block_mb=abc an int() traceback
    if cfg.block_mb < 1:
        raise ArgumentError("block_mb", f"must be >= 1, got {cfg.block_mb}.")
    try:
        fmt = detect(data["path"]) if data["format"] == "auto" else data["format"]
        check_argument_types(get(fmt).iterator, options, where="")  # data.chunk_rows=abc was a TypeError
        return run_ingest(
            data["path"],
            out_dir,
            format=fmt,
            store=cfg.store,
            validate=cfg.validate,
            block_mb=cfg.block_mb,
            memory_limit=cfg.memory_limit,
            options=options,
        )
    except ArgumentError as error:
        head, dot, rest = error.argument.partition(".")
        key = TOP_LEVEL_KEYS.get(head, f"data.{head}")
        raise ArgumentError(key + dot + rest, error.detail) from error
    except FileNotFoundError as error:  # no input matches data.path
        raise ArgumentError("data.path", " ".join(str(error).split())) from error
    except TypeError as error:  # a data.* key the format's reader does not take
        unknown = re.search(r"unexpected keyword argument '(\w+)'", str(error))
        if unknown is None or unknown.group(1) not in options:
            raise
        raise ArgumentError(
            f"data.{unknown.group(1)}",
            f"not an option of format {data['format']!r}; remove it (`forecast-ingest data={data['format']} --cfg job` "
            "shows the options).",
        ) from error


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="ingest")
@reported
def _main(cfg: DictConfig) -> None:
    out_dir = HydraConfig.get().runtime.output_dir
    with progress_mode(cfg.get("progress", "auto")):
        summary = run_from_config(cfg, out_dir)
    log.info("ingest summary:\n%s", json.dumps({k: v for k, v in summary.items() if k != "files"}, indent=2))


def ingest_main() -> None:
    """Console-script entry point (``forecast-ingest``); ``--debug`` shows tracebacks."""
    shell("forecast-ingest", _main, config_name="ingest")


if __name__ == "__main__":
    ingest_main()
