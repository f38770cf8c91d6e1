"""``forecast-fetch``: the Hydra command that keeps an event store current from GDELT's feeds.

The Hydra shell only resolves the config; :func:`fetch_from_config` does the work (the
``fetch`` node of ``experiment=nowcast`` goes through it too) and is what tests call.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from forecast.cli.instantiate import check_argument_types
from forecast.cli.shell import CONFIG_PATH, register_resolvers, reported, shell
from forecast.errors import ArgumentError
from forecast.events.fetch import FetchOptions, FetchSummary, fetch
from forecast.io import write_text_atomic
from forecast.progress import progress_mode

log = logging.getLogger(__name__)
SUMMARY_FILE = "fetch_summary.json"


def fetch_from_config(cfg: DictConfig, prefix: str = "") -> FetchSummary:
    """Run :func:`forecast.events.fetch.fetch` from a composed ``fetch`` config (or node).

    Parameters
    ----------
    cfg : DictConfig
        ``store``, ``source`` (``name``, ``base_url``, ``list``, ``latest_list``), the
        period keys and the download options; download options left out take
        :class:`~forecast.events.fetch.FetchOptions`' defaults.
    prefix : str
        Where the node sits in the root config (``fetch.`` under ``forecast-run``), for
        error messages.

    Raises
    ------
    ArgumentError
        Named by config key (``timeout_s``, ``source.name``, ``since``, ...).
    """
    register_resolvers()
    node: dict[str, Any] = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)  # type: ignore[assignment]
    source = node["source"]
    fields = FetchOptions.__dataclass_fields__
    try:
        given = {k: node[k] for k in fields if node.get(k) is not None}
        check_argument_types(FetchOptions, given, where="")  # workers=abc: named, not int()'s ValueError
        # latest=maybe would be bool('maybe') = True; weeks=abc a TypeError deep in select_files.
        period = {k: node[k] for k in ("latest", "weeks", "retry_quarantined") if node.get(k) is not None}
        check_argument_types(fetch, period, where="")
        options = FetchOptions(**given)
        return fetch(
            node["store"],
            source["name"],
            source["base_url"],
            list_name=source["list"],
            latest_name=source.get("latest_list"),
            since=None if node.get("since") is None else str(node["since"]),
            until=None if node.get("until") is None else str(node["until"]),
            latest=bool(node.get("latest", False)),
            weeks=node.get("weeks"),
            retry_quarantined=bool(node.get("retry_quarantined", True)),
            options=options,
        )
    except ArgumentError as error:
        if not prefix:
            raise
        raise error.under(prefix.rstrip(".")) from error


def write_summary(summary: FetchSummary, folder: str | Path) -> Path:
    """Write ``fetch_summary.json`` into ``folder`` (atomically)."""
    path = Path(folder) / SUMMARY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_text_atomic(path, json.dumps(summary.as_dict(), indent=2) + "\n")


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="fetch")
@reported
def _main(cfg: DictConfig) -> None:
    with progress_mode(cfg.get("progress", "auto")):
        summary = fetch_from_config(cfg)
    write_summary(summary, HydraConfig.get().runtime.output_dir)
    log.info("fetch summary:\n%s", json.dumps(summary.as_dict(), indent=2))
    print(
        f"forecast-fetch: {summary.ingested} file(s) appended, {summary.quarantined} quarantined, "
        f"{summary.already} already in the store; {summary.rows_accepted} new rows in {cfg.store}"
    )


def fetch_main() -> None:
    """Console-script entry point (``forecast-fetch``); ``--debug`` shows tracebacks."""
    shell("forecast-fetch", _main, config_name="fetch")


if __name__ == "__main__":
    fetch_main()
