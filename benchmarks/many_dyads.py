"""Benchmark: backtest of many generated dyad series, forecast's engines vs statsforecast.

Generates ``--series`` weekly intermittent count series (seeded numpy Generator) and
backtests the baseline + intermittent set (Naive, CrostonSBA, TSB, IMAPA, ADIDA) over
``--windows`` cutoffs, in the same run:

* ``local``  - :func:`forecast.backtest.run_backtest`, ``engine=local``, ``n_jobs`` workers;
* ``dask``   - the same call under ``engine=dask`` with a local cluster of ``n_jobs`` workers;
* ``statsforecast`` - ``StatsForecast.cross_validation`` with the same models and ``n_jobs``;
* ``statsforecast_fitted`` - the same with ``fitted=True``: statsforecast's in-sample one-step
  forecasts at every window, the work behind forecast's residual NB dispersion (which
  IMAPA's and ADIDA's ``predict_in_sample`` make the costliest part of the fits);
* ``statsforecast_intervals`` - the same models with ``ConformalIntervals(h, n_windows=2)`` and
  ``level`` at the central intervals of forecast's default quantiles (50, 80, 90): statsforecast's
  own way to a probabilistic backtest of these models, which have no intervals of their own
  (``--no-intervals`` skips it);
* ``scoring`` - the CPU seconds of forecast's per-row scoring alone (``insample_scale`` and
  ``distribution_scores``, timed inside one in-process run of the same backtest; the fits are
  not counted), summed over tasks; ``local - scoring`` subtracts it over ``n_jobs`` workers.

forecast also scores every row (PIT, log score, RPS, sample CRPS), which
``cross_validation`` does not, so the first ratio is what the whole backtest costs against
statsforecast's bare forecasts; the others take out the work statsforecast does not do.
Not a test::

    python benchmarks/many_dyads.py --series 10000 --windows 4 --n-jobs 2
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from forecast.backtest import BacktestSpec
    from forecast.models.base import Forecaster

HORIZON, STEP = 8, 4
MODELS = {"CrostonSBA": {}, "TSB": {"alpha_d": 0.2, "alpha_p": 0.2}, "IMAPA": {}, "ADIDA": {}}


def panel(n_series: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """Weekly counts: each series a Poisson rate times a Bernoulli occurrence (intermittent)."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(1.0, 3.0, size=(n_series, 1))
    occurs = rng.random((n_series, n_periods)) < rng.uniform(0.1, 0.9, size=(n_series, 1))
    y = rng.poisson(rate, size=(n_series, n_periods)) * occurs
    dates = pd.date_range("2020-01-06", periods=n_periods, freq="W-MON")
    ids = [f"d{i:05d}" for i in range(n_series)]
    return pd.DataFrame({"unique_id": np.repeat(ids, n_periods), "ds": np.tile(dates, n_series), "y": y.ravel().astype(float)})


def run_forecast(
    data: pd.DataFrame,
    windows: int,
    n_jobs: int,
    engine: str,
    dispersion: str = "residual",
    n_samples: int = 100,
    local_backend: str = "loky",
) -> float:
    from joblib import parallel_config

    from forecast.backtest import run_backtest
    from forecast.backtest.engines import Engine, backtest_backend

    models, spec = _models(dispersion), _spec(windows, n_samples)
    started = time.perf_counter()
    with (
        parallel_config(backend=local_backend),
        backtest_backend(Engine(name=engine, n_workers=n_jobs), n_jobs) as workers,
    ):
        result = run_backtest(data, models, replace(spec, n_jobs=workers))
    assert result.failures.empty and len(result.frame) == data["unique_id"].nunique() * windows * HORIZON * len(models)
    return time.perf_counter() - started


def _spec(windows: int, n_samples: int = 100) -> BacktestSpec:
    from forecast.backtest import BacktestSpec

    return BacktestSpec(horizon=HORIZON, n_windows=windows, step=STEP, n_samples=n_samples, chunk_size=1000)


def _models(dispersion: str = "residual") -> dict[str, Forecaster]:
    from forecast.models import Naive, StatsForecastModel

    return {
        "naive": Naive(),
        **{name: StatsForecastModel(name, params=params, dispersion=dispersion) for name, params in MODELS.items()},
    }


def run_scoring(data: pd.DataFrame, windows: int, dispersion: str = "residual", n_samples: int = 100) -> float:
    """Summed CPU seconds of the backtest's per-row scoring over every cutoff and chunk.

    The same backtest runs in this process (``n_jobs=1``) with its two scoring calls timed,
    so the cutoffs, chunks and seeds are the backtest's own; the fits are not counted.
    """
    from unittest import mock

    from forecast.backtest import splits

    spent = 0.0

    def timed(function):
        def call(*args, **kwargs):
            nonlocal spent
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent += time.process_time() - started

        return call

    with (
        mock.patch.object(splits, "insample_scale", timed(splits.insample_scale)),
        mock.patch.object(splits, "distribution_scores", timed(splits.distribution_scores)),
    ):
        splits.run_backtest(data, _models(dispersion), _spec(windows, n_samples))
    return spent


def run_statsforecast(data: pd.DataFrame, windows: int, n_jobs: int, fitted: bool = False, intervals: bool = False) -> float:
    import statsforecast.models as sfm
    from statsforecast import StatsForecast
    from statsforecast.utils import ConformalIntervals

    from forecast.models.base import DEFAULT_QUANTILES

    extra = {"prediction_intervals": ConformalIntervals(h=HORIZON, n_windows=2)} if intervals else {}
    models = [sfm.Naive(), *(getattr(sfm, name)(**params, **extra) for name, params in MODELS.items())]
    levels = sorted({round(100 * (1 - 2 * q)) for q in DEFAULT_QUANTILES if q < 0.5}) if intervals else None
    started = time.perf_counter()
    StatsForecast(models=models, freq="W-MON", n_jobs=n_jobs).cross_validation(
        df=data, h=HORIZON, n_windows=windows, step_size=STEP, fitted=fitted, level=levels
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--windows", type=int, default=4)
    parser.add_argument("--periods", type=int, default=104)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument(
        "--dispersion",
        choices=["residual", "index"],
        default="residual",
        help="the statsforecast models' NB spread: in-sample residuals (needs their fitted values) or the index of dispersion",
    )
    parser.add_argument("--n-samples", type=int, default=100, help="draws per forecast for crps_sample (0 skips it)")
    parser.add_argument("--no-intervals", action="store_true", help="skip statsforecast's conformal-interval run")
    parser.add_argument(
        "--local-backend",
        choices=["loky", "multiprocessing"],
        default="loky",
        help="joblib backend of engine=local: loky (fresh interpreters, forecast's) or multiprocessing (forked workers)",
    )
    args = parser.parse_args()
    os.environ.setdefault("FORECAST_QUIET", "1")
    data = panel(args.series, args.periods)
    print(f"load average at the start {os.getloadavg()}", flush=True)
    runs = {
        "statsforecast": lambda: run_statsforecast(data, args.windows, args.n_jobs),
        "statsforecast_fitted": lambda: run_statsforecast(data, args.windows, args.n_jobs, fitted=True),
        **(
            {}
            if args.no_intervals
            else {"statsforecast_intervals": lambda: run_statsforecast(data, args.windows, args.n_jobs, intervals=True)}
        ),
        "local": lambda: run_forecast(
            data, args.windows, args.n_jobs, "local", args.dispersion, args.n_samples, args.local_backend
        ),
        "dask": lambda: run_forecast(data, args.windows, args.n_jobs, "dask", args.dispersion, args.n_samples),
        # Again at the end: the load drift of a shared machine shows in the two figures.
        "statsforecast_again": lambda: run_statsforecast(data, args.windows, args.n_jobs),
    }
    times = {}
    for name, run in runs.items():  # each figure as it comes, so a long run's first ones are kept
        times[name] = run()
        print(f"{name}: {times[name]:.1f} s, load average {os.getloadavg()}", flush=True)
    scoring = run_scoring(data, args.windows, args.dispersion, args.n_samples)
    times["local - scoring"] = times["local"] - scoring / args.n_jobs
    print(
        f"{args.series} series x {args.windows} windows, {args.n_jobs} workers, dispersion={args.dispersion}, "
        f"n_samples={args.n_samples}, load average {os.getloadavg()}"
    )
    print(f"scoring: {scoring:.1f} CPU s summed over tasks ({scoring / args.n_jobs:.1f} s over {args.n_jobs} workers)")
    for name, seconds in times.items():
        bases = [b for b in ("statsforecast", "statsforecast_fitted", "statsforecast_intervals") if b in times]
        ratios = "  ".join(f"{seconds / times[base]:5.2f} x {base}" for base in bases)
        print(f"{name:24s} {seconds:8.1f} s  {ratios}")


if __name__ == "__main__":
    main()
