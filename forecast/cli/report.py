"""``forecast-report run_dir=<folder>``: rebuild a run's report.md and report.html from its files alone."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from forecast.cli.shell import DEBUG_FLAG, shell
from forecast.report import write_report


def report_main(argv: Sequence[str] | None = None) -> None:
    """Rebuild the report of one run folder in place and print where it is."""
    parser = argparse.ArgumentParser(prog="forecast-report", description=__doc__)
    parser.add_argument("run_dir", help="run_dir=<folder> (or just <folder>): a run folder written by forecast-run")
    parser.add_argument(DEBUG_FLAG, action="store_true", help="show the traceback of an error")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    run_dir = Path(args.run_dir.removeprefix("run_dir="))
    md_path, html_path = shell("forecast-report", lambda: write_report(run_dir), debug=args.debug)
    print(f"forecast-report: {html_path.resolve()} and {md_path.name}")


if __name__ == "__main__":
    report_main()
