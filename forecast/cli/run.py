"""``forecast-run``: compose ``conf/config.yaml``, build the objects, run :func:`forecast.pipeline.run`."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from forecast import pipeline
from forecast.cli.fetch import fetch_from_config, write_summary
from forecast.cli.instantiate import build, check_argument_types
from forecast.cli.shell import CONFIG_PATH, register_resolvers, reported, shell
from forecast.errors import ArgumentError
from forecast.events import families_from_mapping
from forecast.progress import progress_mode, warnings_once

# Arguments of forecast.pipeline (Experiment fields, objective's metric) -> the config keys they come from.
CONFIG_KEYS = {
    "models": "model",
    "reference": "evaluation.reference",
    "metric": "evaluation.metric",
    "extra_data": "data.extra",
}


def config_key(error: ArgumentError) -> ArgumentError:
    """``error`` with its argument renamed to the config key it came from (``models`` -> ``model``)."""
    head, dot, rest = error.argument.partition(".")
    return ArgumentError(CONFIG_KEYS.get(head, head) + dot + rest, error.detail)


def _report_options(node: DictConfig) -> pipeline.ReportOptions:
    """The ``report`` node as :class:`forecast.pipeline.ReportOptions`, a bad value named ``report.<key>``."""
    try:
        return pipeline.ReportOptions(**OmegaConf.to_container(node, resolve=True))
    except ArgumentError as error:
        raise error.under("report") from None


def experiment_from_config(cfg: DictConfig) -> pipeline.Experiment:
    """Build the :class:`forecast.pipeline.Experiment` a composed root config describes.

    Every ``_target_`` goes through :func:`forecast.cli.instantiate.build`, so a bad
    argument is reported under its config key (``backtest.horizon``).
    """
    register_resolvers()
    # The models and the backtest take ${seed}: checked here, a bad seed would be named model.<first>.seed.
    check_argument_types(pipeline.Experiment, {"seed": cfg.seed}, where="")
    # A ??? left in data (data=events without data.path) must fail here: as a string it is a
    # glob that matches every three-letter name in the working directory.
    data = OmegaConf.to_container(cfg.data, resolve=True, throw_on_missing=True)
    extra = data.pop("extra", None) or []  # data.extra: further sources, each a data config
    return pipeline.Experiment(
        data=data,
        extra_data=extra,
        series=build(cfg.series, where="series"),
        families=families_from_mapping(OmegaConf.to_container(cfg.taxonomy.families, resolve=True)),
        models={name: build(node, where=f"model.{name}") for name, node in (cfg.get("model") or {}).items()},
        backtest=build(cfg.backtest, where="backtest"),
        report=_report_options(cfg.report),
        seed=int(cfg.seed),
        reference=cfg.evaluation.reference,
        config_yaml=OmegaConf.to_yaml(cfg, resolve=True),
        command=shlex.join(["forecast-run", *sys.argv[1:]]),
        engine=build(cfg.engine, where="engine"),
        reconcile=str(cfg.get("reconcile", "none")),
    )


def run_from_config(cfg: DictConfig, run_dir: str | Path) -> Path:
    """Run the experiment of a composed root config into ``run_dir``; what tests call.

    With a ``fetch`` node (``experiment=nowcast``) the store is brought up to date from
    its feed first (:func:`forecast.cli.fetch.fetch_from_config`; ``fetch_summary.json``).

    Raises
    ------
    ArgumentError
        Named by config key (``model``, ``backtest.horizon``, ``evaluation.reference``);
        ``data.path`` (or ``data.extra``) when no input matches it.
    """
    if cfg.get("fetch") is not None:  # experiment=nowcast: bring the store up to date first
        write_summary(fetch_from_config(cfg.fetch, prefix="fetch."), run_dir)
    try:
        return pipeline.run(experiment_from_config(cfg), Path(run_dir))
    except ArgumentError as error:
        raise config_key(error) from error
    except FileNotFoundError as error:
        if error.filename is not None:  # an open() deep inside: the shell's report names the file
            raise
        path = cfg.data.get("path")
        key = "data.path" if path is not None and str(path) in str(error) else "data.extra"
        raise ArgumentError(key, " ".join(str(error).split())) from error


def objective_from_config(cfg: DictConfig, run_dir: str | Path) -> float:
    """:func:`forecast.pipeline.objective` for ``cfg.evaluation.metric``, errors named by config key."""
    try:
        return pipeline.objective(Path(run_dir), cfg.evaluation.metric)
    except ArgumentError as error:
        raise config_key(error) from error


@hydra.main(version_base="1.3", config_path=CONFIG_PATH, config_name="config")
@reported
def _main(cfg: DictConfig) -> float:
    hydra_cfg = HydraConfig.get()
    # In a sweep each parallel job draws its bars on its own terminal line.
    job, line = ("", None)
    if hydra_cfg.mode == RunMode.MULTIRUN:
        job, line = f"job {hydra_cfg.job.num}", hydra_cfg.job.num % max(int(hydra_cfg.launcher.get("n_jobs") or 1), 1)
    with progress_mode(cfg.get("progress", "auto"), job, line), warnings_once():
        run_dir = run_from_config(cfg, hydra_cfg.runtime.output_dir)
    print(f"forecast: run folder {run_dir.resolve()} (report.html, figures/fan_chart.png)")
    # The run's mean backtest evaluation.metric over its models: what a Hydra sweeper (Optuna) minimises.
    return objective_from_config(cfg, run_dir)


def run_main() -> None:
    """Console-script entry point (``forecast-run``); ``--debug`` shows tracebacks."""
    shell("forecast-run", _main, config_name="config")


if __name__ == "__main__":
    run_main()
