"""Benchmark: backtest of many generated dyad series, forecast's engines vs statsforecast.

Generates ``--series`` weekly intermittent count series (seeded numpy Generator) and
backtests the baseline + intermittent set (Naive, CrostonSBA, TSB, IMAPA, ADIDA) over
``--windows`` cutoffs, in the same run:

* ``local``  - :func:`forecast.backtest.run_backtest`, ``engine=local``, ``n_jobs`` workers;
* ``dask``   - the same call under ``engine=dask`` with a local cluster of ``n_jobs`` workers;
* ``statsforecast`` - ``StatsForecast.cross_validation`` with the same models and ``n_jobs``.

forecast also scores every row (PIT, log score, RPS, sample CRPS), which
``cross_validation`` does not, so the ratio is what the whole backtest costs against
statsforecast's bare forecasts. Not a test::

    python benchmarks/many_dyads.py --series 10000 --windows 4 --n-jobs 2
"""

from __future__ import annotations

import argparse
import os
import time
from dataclasses import replace

import numpy as np
import pandas as pd

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


def run_forecast(data: pd.DataFrame, windows: int, n_jobs: int, engine: str) -> float:
    from forecast.backtest import BacktestSpec, run_backtest
    from forecast.backtest.engines import Engine, backtest_backend
    from forecast.models import Naive, StatsForecastModel

    models = {"naive": Naive(), **{name: StatsForecastModel(name, params=params) for name, params in MODELS.items()}}
    spec = BacktestSpec(horizon=HORIZON, n_windows=windows, step=STEP, n_samples=100, chunk_size=1000)
    started = time.perf_counter()
    with backtest_backend(Engine(name=engine, n_workers=n_jobs), n_jobs) as workers:
        result = run_backtest(data, models, replace(spec, n_jobs=workers))
    assert result.failures.empty and len(result.frame) == data["unique_id"].nunique() * windows * HORIZON * len(models)
    return time.perf_counter() - started


def run_statsforecast(data: pd.DataFrame, windows: int, n_jobs: int) -> float:
    import statsforecast.models as sfm
    from statsforecast import StatsForecast

    models = [sfm.Naive(), *(getattr(sfm, name)(**params) for name, params in MODELS.items())]
    started = time.perf_counter()
    StatsForecast(models=models, freq="W-MON", n_jobs=n_jobs).cross_validation(
        df=data, h=HORIZON, n_windows=windows, step_size=STEP
    )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--windows", type=int, default=4)
    parser.add_argument("--periods", type=int, default=104)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    os.environ.setdefault("FORECAST_QUIET", "1")
    data = panel(args.series, args.periods)
    times = {
        "statsforecast": run_statsforecast(data, args.windows, args.n_jobs),
        "local": run_forecast(data, args.windows, args.n_jobs, "local"),
        "dask": run_forecast(data, args.windows, args.n_jobs, "dask"),
    }
    print(f"{args.series} series x {args.windows} windows, {args.n_jobs} workers, load average {os.getloadavg()}")
    for name, seconds in times.items():
        print(f"{name:14s} {seconds:8.1f} s  {seconds / times['statsforecast']:5.2f} x statsforecast")


if __name__ == "__main__":
    main()
