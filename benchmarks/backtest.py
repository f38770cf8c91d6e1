"""Time our rolling-origin backtest against statsforecast's ``cross_validation``.

Same panel (100 weekly negative-binomial series), same protocol (8 windows, horizon 8,
step 4, refit at every window), same baseline models (naive, 8-period window average,
AutoETS). Ours also produces count quantiles and scores every forecast (RPS/CRPS, log
score, PIT, Brier, sample CRPS); statsforecast returns point forecasts only. One run, both
timed in the same process, interleaved, best of ``--repeat``, wall and CPU time::

    PYTHONPATH=. python benchmarks/backtest.py [--series 100] [--windows 8]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from statsforecast import StatsForecast
from statsforecast.models import AutoETS, Naive, WindowAverage

from forecast.backtest import BacktestSpec, rolling_origin
from forecast.models import Naive as OurNaive
from forecast.models import StatsForecastModel
from forecast.models import WindowAverage as OurWindowAverage


def make_panel(n_series: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """Weekly NB counts with series-specific levels."""
    rng = np.random.default_rng(seed)
    mu = rng.uniform(0.5, 40.0, size=(n_series, 1)) * (1 + 0.3 * np.sin(np.arange(n_periods) / 6.0))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu)).astype(float)
    dates = pd.date_range("2018-01-01", periods=n_periods, freq="W-MON")
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i:03d}" for i in range(n_series)], n_periods),
            "ds": np.tile(dates, n_series),
            "y": y.ravel(),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--windows", type=int, default=8)
    parser.add_argument("--horizon", type=int, default=8)
    parser.add_argument("--step", type=int, default=4)
    parser.add_argument("--periods", type=int, default=104)
    parser.add_argument("--repeat", type=int, default=3, help="interleaved repeats; the best time of each is reported")
    args = parser.parse_args()
    panel = make_panel(args.series, args.periods)
    spec = BacktestSpec(horizon=args.horizon, n_windows=args.windows, step=args.step)
    ours = {
        "naive": OurNaive(),
        "window_average": OurWindowAverage(window=8),
        "auto_ets": StatsForecastModel("AutoETS", {"season_length": 1}),
    }
    theirs = [Naive(), WindowAverage(window_size=8), AutoETS(season_length=1)]

    # Warm both up on a small panel first, so neither pays one-off import/JIT costs in the timing.
    small = make_panel(3, args.periods)
    StatsForecast(models=theirs, freq="W-MON", n_jobs=1).cross_validation(
        df=small, h=args.horizon, step_size=args.step, n_windows=2
    )
    rolling_origin(small, ours, BacktestSpec(horizon=args.horizon, n_windows=2, step=args.step))

    # Interleaved repeats, best of each: the machine's background load hits both alike.
    # CPU time is reported too: on a shared machine it is far less sensitive to contention.
    wall = {"sf": [], "ours": []}
    cpu = {"sf": [], "ours": []}
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        engine = StatsForecast(models=theirs, freq="W-MON", n_jobs=1)
        reference = engine.cross_validation(df=panel, h=args.horizon, step_size=args.step, n_windows=args.windows)
        wall["sf"].append(time.perf_counter() - start)
        cpu["sf"].append(time.process_time() - start_cpu)

        start, start_cpu = time.perf_counter(), time.process_time()
        backtest = rolling_origin(panel, ours, spec)
        wall["ours"].append(time.perf_counter() - start)
        cpu["ours"].append(time.process_time() - start_cpu)

    # Same cutoffs and the same point forecasts for the deterministic baselines.
    assert sorted(reference["cutoff"].unique()) == sorted(backtest["cutoff"].unique())
    merged = backtest[backtest["model"] == "naive"].merge(reference, on=["unique_id", "ds", "cutoff"])
    assert np.allclose(merged["mean"], merged["Naive"])

    print(
        f"panel: {args.series} series x {args.periods} weeks; {args.windows} windows, horizon {args.horizon}, step {args.step}"
    )
    print("models: naive, window_average(8), AutoETS(season_length=1)")
    n = args.repeat
    print(
        f"statsforecast cross_validation: wall {min(wall['sf']):.2f} s, cpu {min(cpu['sf']):.2f} s (best of {n}; "
        f"{len(reference)} rows, point forecasts)"
    )
    print(
        f"forecast rolling_origin:        wall {min(wall['ours']):.2f} s, cpu {min(cpu['ours']):.2f} s (best of {n}; "
        f"{len(backtest)} rows, quantiles + scores)"
    )
    print(
        f"ratio ours / statsforecast:     wall {min(wall['ours']) / min(wall['sf']):.2f}x, "
        f"cpu {min(cpu['ours']) / min(cpu['sf']):.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
