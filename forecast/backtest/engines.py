"""Where the backtest's tasks run: joblib locally, or a Dask or Ray cluster through joblib.

The backtest (:mod:`forecast.backtest.splits`) cuts its work into tasks of one cutoff and
one chunk of whole series and hands them to :class:`joblib.Parallel` in a fixed order;
an engine only picks joblib's backend. ``dask`` uses joblib's Dask backend on a
``distributed.Client``, ``ray`` Ray's joblib backend (``ray.util.joblib``). No scheduling
code of our own: the results come back in task order whatever ran them, and every random
stream is seeded by the task (cutoff, model, chunk), never by the worker.

``spark`` runs the events -> panel aggregation on a Spark session
(:mod:`forecast.series.sql`); its backtest runs locally.
"""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
from joblib import parallel_config

from forecast.errors import ArgumentError

ENGINES = ("local", "dask", "ray", "spark")
#: What to install for each engine (the package, and for Spark the Java runtime).
INSTALL = {
    "dask": "pip install 'forecast[engines]' (dask[distributed])",
    "ray": "pip install 'forecast[engines]' (ray)",
    "spark": "pip install 'forecast[engines]' (pyspark) and a Java 17 runtime (apt-get install openjdk-17-jre-headless)",
}
_MODULES = {"dask": "distributed", "ray": "ray", "spark": "pyspark"}


@dataclass(frozen=True)
class Engine:
    """The engine of a run.

    Parameters
    ----------
    name : {"local", "dask", "ray", "spark"}
        ``local``: joblib processes (``backtest.n_jobs``). ``dask`` / ``ray``: the
        backtest's tasks run on that cluster. ``spark``: the events -> panel aggregation
        runs on a Spark session.
    n_workers : int
        Workers of the local cluster started when ``address`` is not set (``dask``,
        ``ray``); also the backtest's parallel tasks on it.
    address : str, optional
        An existing cluster to join (``tcp://host:8786`` for Dask, ``host:6379`` or
        ``auto`` for Ray); the run neither starts nor stops it.
    master : str
        ``spark`` only: the Spark master URL (``local[2]``, ``spark://host:7077``).
    """

    name: str = "local"
    n_workers: int = 2
    address: str | None = None
    master: str = "local[2]"

    def __post_init__(self) -> None:
        if self.name not in ENGINES:
            raise ArgumentError("name", f"{self.name!r} is unknown; choose one of {list(ENGINES)}.")
        if self.n_workers < 1:
            raise ArgumentError("n_workers", f"must be >= 1, got {self.n_workers}.")


def check_installed(name: str) -> None:
    """Raise :class:`ArgumentError` naming ``name`` and what to install when the engine's package (or Java) is missing."""
    module = _MODULES.get(name)
    if module is not None and importlib.util.find_spec(module) is None:
        raise ArgumentError("name", f"engine={name} needs {module}, which is not installed: {INSTALL[name]}.")
    if name == "spark" and shutil.which("java") is None:
        raise ArgumentError("name", f"engine=spark needs Java, which is not on PATH: {INSTALL[name]}.")


@contextlib.contextmanager
def panel_sql(engine: Engine) -> Iterator[Callable[[str, pa.Table], pd.DataFrame] | None]:
    """Yield the runner of the panel aggregation's SQL (:mod:`forecast.series.sql`): None (DuckDB) or Spark's.

    With ``spark`` a session on ``engine.master`` is started here and stopped on leaving.
    """
    if engine.name != "spark":
        yield None
        return
    check_installed("spark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master(engine.master)
        .appName("forecast")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")

    def run(sql: str, events: pa.Table) -> pd.DataFrame:
        session.createDataFrame(events).createOrReplaceTempView("events")
        return session.sql(sql).toPandas()

    try:
        yield run
    finally:
        session.stop()


@contextlib.contextmanager
def backtest_backend(engine: Engine, n_jobs: int) -> Iterator[int]:
    """Set joblib's backend for the backtest and yield the number of parallel tasks to use.

    With ``dask`` or ``ray`` and no ``address``, a local cluster of ``engine.n_workers``
    single-threaded worker processes is started here and shut down on leaving, on error too.

    Parameters
    ----------
    engine : Engine
        The run's engine.
    n_jobs : int
        ``backtest.n_jobs``: the local engines' worker processes.
    """
    check_installed(engine.name)
    if engine.name in ("local", "spark"):
        yield n_jobs
        return
    if engine.name == "dask":
        from distributed import Client, LocalCluster

        with contextlib.ExitStack() as stack:
            if engine.address is None:
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=engine.n_workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                    )
                )
                client = stack.enter_context(Client(cluster))
            else:
                client = stack.enter_context(Client(engine.address))
            workers = sum(client.nthreads().values()) or engine.n_workers
            with parallel_config(backend="dask"):
                yield workers
        return
    import ray
    from ray.util.joblib import register_ray

    started = False
    if not ray.is_initialized():
        if engine.address is None:
            ray.init(num_cpus=engine.n_workers, include_dashboard=False, log_to_driver=False)
        else:
            ray.init(address=engine.address, log_to_driver=False)
        started = True
    try:
        register_ray()
        workers = int(ray.cluster_resources().get("CPU", engine.n_workers))
        with parallel_config(backend="ray"):
            yield workers
    finally:
        if started:
            ray.shutdown()
