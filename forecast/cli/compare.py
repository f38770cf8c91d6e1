"""``forecast-compare <multirun dir>``: thin shell over :func:`forecast.report.comparison.collate`."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from omegaconf import OmegaConf

from forecast.cli.shell import OneLineParser, shell
from forecast.errors import ArgumentError
from forecast.report.comparison import collate

# collate() arguments -> this command's options.
OPTIONS = {"multirun_dir": "multirun_dir", "out_dir": "--out", "n_boot": "--n-boot"}
DESCRIPTION = (
    "forecast-compare: collate every job of a `forecast-run -m` sweep into one leaderboard "
    "(models ranked by a per-row loss, with bootstrap tests against the best or a reference) "
    "and one report."
)
EXAMPLES = """examples:
  forecast-run -m model=naive,tsb,nb_glm evaluation.reference=null
  forecast-compare multirun/2026-01-31/12-00-00
  forecast-compare multirun/2026-01-31/12-00-00 --metric mae --reference naive --out compare

Errors print one line on stderr and exit 2; --debug shows the traceback."""


def job_overrides(multirun_dir: str | Path) -> dict[str, str]:
    """The command-line overrides Hydra recorded for each job (``<job>/.hydra/overrides.yaml``)."""
    root = Path(multirun_dir)
    return {
        str(path.parent.parent.relative_to(root)): " ".join(str(o) for o in OmegaConf.load(path))
        for path in sorted(root.glob("**/.hydra/overrides.yaml"))
    }


def compare_main(argv: Sequence[str] | None = None) -> None:
    """Collate every job of a sweep into one leaderboard and report, and print where it is."""
    parser = OneLineParser.for_command("forecast-compare", DESCRIPTION, EXAMPLES)
    parser.add_argument("multirun_dir", help="folder of a `forecast-run -m` sweep (searched for backtest.parquet)")
    parser.add_argument("--out", default=None, help="output folder (default: <multirun_dir>/compare)")
    parser.add_argument("--metric", default="crps", help="per-row loss that ranks the models (default: crps)")
    parser.add_argument("--reference", default=None, help="test every model against this one instead of the best")
    parser.add_argument("--n-boot", type=int, default=2000, help="bootstrap replicates (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)

    def main() -> Path:
        try:
            return collate(
                args.multirun_dir,
                args.out,
                metric=args.metric,
                reference=args.reference,
                n_boot=args.n_boot,
                seed=args.seed,
                overrides=job_overrides(args.multirun_dir),
            )
        except ArgumentError as error:
            head, dot, rest = error.argument.partition(".")
            raise ArgumentError(OPTIONS.get(head, f"--{head}") + dot + rest, error.detail) from error

    out = shell("forecast-compare", main, debug=args.debug)
    print(f"forecast-compare: {out.resolve()} (leaderboard.csv, report.html, figures/pit.png)")


if __name__ == "__main__":
    compare_main()
