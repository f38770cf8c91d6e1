"""``forecast-compare <multirun dir>``: thin shell over :func:`forecast.compare.collate`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from forecast.compare import collate


def compare_main(argv: Sequence[str] | None = None) -> None:
    """Collate every job of a sweep into one leaderboard and report, and print where it is."""
    parser = argparse.ArgumentParser(prog="forecast-compare", description=__doc__)
    parser.add_argument("multirun_dir", help="folder of a `forecast-run -m` sweep (searched for backtest.parquet)")
    parser.add_argument("--out", default=None, help="output folder (default: <multirun_dir>/compare)")
    parser.add_argument("--metric", default="crps", help="per-row loss that ranks the models (default: crps)")
    parser.add_argument("--reference", default=None, help="test every model against this one instead of the best")
    parser.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    args = parser.parse_args(argv)
    out = collate(
        args.multirun_dir, args.out, metric=args.metric, reference=args.reference, n_boot=args.n_boot, seed=args.seed
    )
    print(f"forecast-compare: {out.resolve()} (leaderboard.csv, report.html, figures/pit.png)")


if __name__ == "__main__":
    compare_main()
