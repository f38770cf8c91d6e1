"""The ``ray`` Hydra launcher: each job of a ``-m`` sweep is one Ray task.

Why not hydra-ray-launcher: its latest release (1.2.2) requires ``cloudpickle<3``, which
cannot be installed beside dask 2026.8 (``cloudpickle>=3``) of ``forecast[engines]``. Its
local launcher only needs Ray and Hydra's job runner, which is all this module uses: the
job machinery of :mod:`hydra.core.utils` (``run_job``, ``setup_globals``, ``configure_log``),
as hydra-joblib-launcher runs it, and ``ray.remote`` / ``ray.get``. Ray schedules the jobs;
there is no scheduling or retry code here.

Hydra finds the launcher by scanning the ``hydra_plugins`` namespace package; under an
editable install the scan cannot see this folder, so
:func:`forecast.cli.shell.register_launchers` registers it as well. Importing this module stores the config schema of
``hydra/launcher=ray`` in Hydra's ConfigStore, as every launcher plugin does; Ray itself is
imported only when a sweep runs.
"""

# No `from __future__ import annotations`: Hydra's plugin scan runs this module before it is in
# sys.modules, where @dataclass cannot resolve string annotations.
import importlib.util
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Optional, Sequence

from hydra.core.config_store import ConfigStore
from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict

from forecast.errors import ArgumentError

log = logging.getLogger(__name__)

#: What to install when Ray is missing (the extra that pins it).
INSTALL = "pip install 'forecast[engines]' (ray), or run the sweep with hydra/launcher=joblib"


@dataclass
class RayLauncherConf:
    """The fields of ``conf/hydra/launcher/ray.yaml`` (checked by Hydra against this schema).

    Parameters
    ----------
    address : str, optional
        None: start a new local Ray instance for the sweep and stop it at the end.
        Otherwise the cluster to join, which the sweep neither starts nor stops:
        ``head:6379``, ``ray://head:10001`` (Ray Client), or ``auto`` (``RAY_ADDRESS``,
        else the cluster ``ray start`` started on this machine).
    num_cpus : float
        CPUs each job reserves (``ray.remote(num_cpus=...)``): Ray runs as many jobs at
        once as the cluster has CPUs for.
    init : dict
        Further keyword arguments of ``ray.init`` as they are (``num_cpus`` of the local
        instance, ``runtime_env``, ``namespace``...).
    """

    _target_: str = "hydra_plugins.forecast_ray_launcher.ray_launcher.RayLauncher"
    address: Optional[str] = None
    num_cpus: float = 1
    init: Dict[str, Any] = field(default_factory=dict)


ConfigStore.instance().store(group="hydra/launcher", name="ray", node=RayLauncherConf, provider="forecast")


def execute_job(
    sweep_config: DictConfig,
    hydra_context: HydraContext,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
    argv: list[str],
) -> JobReturn:
    """Run one sweep job in a Ray worker, as hydra-joblib-launcher runs one in a process.

    ``argv`` is the driver's command line: a job sees it as ``sys.argv`` (the run records
    it in ``provenance.json``), as a child process of a joblib sweep does, instead of the
    Ray worker's own arguments.
    """
    setup_globals()
    Singleton.set_state(singleton_state)
    HydraConfig.instance().set_config(sweep_config)
    worker_argv, sys.argv = sys.argv, list(argv)
    try:
        return run_job(
            hydra_context=hydra_context,
            config=sweep_config,
            task_function=task_function,
            job_dir_key="hydra.sweep.dir",
            job_subdir_key="hydra.sweep.subdir",
        )
    finally:
        sys.argv = worker_argv  # Ray reuses the worker for later tasks


def start_ray(address: Optional[str], init: dict[str, Any]) -> bool:
    """Start (``address`` None) or join Ray unless it is running; True if this call did.

    Raises
    ------
    ArgumentError
        ``hydra.launcher.address`` when Ray finds no cluster there.
    """
    import ray

    if ray.is_initialized():
        return False
    try:
        # "local": a new instance even when `ray start` left one on this machine.
        ray.init(address=address or "local", **init)
    except ConnectionError as error:
        raise ArgumentError(
            "hydra.launcher.address",
            f"{address!r}: {' '.join(str(error).split())} Start the cluster (ray start --head) "
            "or set hydra.launcher.address=null to run on a local Ray instance.",
        ) from error
    return True


class RayLauncher(Launcher):
    """Launch each sweep job as a Ray task (``hydra/launcher=ray``); the fields are :class:`RayLauncherConf`'s."""

    def __init__(self, address: Optional[str] = None, num_cpus: float = 1, init: Any = None) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.init = OmegaConf.to_container(init, resolve=True) if isinstance(init, DictConfig) else dict(init or {})
        self.config: Optional[DictConfig] = None
        self.task_function: Optional[TaskFunction] = None
        self.hydra_context: Optional[HydraContext] = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        """Keep the sweep's context; refuse at once when Ray is not installed.

        Raises
        ------
        ArgumentError
            Named ``hydra/launcher=ray``, with what to install.
        """
        if importlib.util.find_spec("ray") is None:
            raise ArgumentError("hydra/launcher=ray", f"needs ray, which is not installed: {INSTALL}.")
        self.config = config
        self.task_function = task_function
        self.hydra_context = hydra_context

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        """Submit every job with ``ray.remote`` and return their results in job order (``ray.get``).

        Raises
        ------
        ArgumentError
            ``hydra.launcher.address`` when there is no Ray cluster to join there.
        """
        import ray

        assert self.config is not None and self.hydra_context is not None and self.task_function is not None
        setup_globals()
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        # Absolute, so a worker started in another folder (a cluster node) writes the same job folders.
        sweep_dir = Path(str(self.config.hydra.sweep.dir)).absolute()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        started = start_ray(self.address, self.init)
        try:
            log.info("Ray (%s) is launching %d jobs, sweep output dir: %s", self.address or "local", len(job_overrides), sweep_dir)
            remote = ray.remote(num_cpus=self.num_cpus)(execute_job)
            singleton_state = Singleton.get_state()
            runs = []
            for idx, overrides in enumerate(job_overrides, start=initial_job_idx):
                log.info("\t#%d : %s", idx, " ".join(filter_overrides(overrides)))
                sweep_config = self.hydra_context.config_loader.load_sweep_config(self.config, list(overrides))
                with open_dict(sweep_config):
                    sweep_config.hydra.sweep.dir = str(sweep_dir)
                    sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{idx}"
                    sweep_config.hydra.job.num = idx
                runs.append(remote.remote(sweep_config, self.hydra_context, self.task_function, singleton_state, sys.argv))
            return ray.get(runs)
        finally:
            if started:
                ray.shutdown()
