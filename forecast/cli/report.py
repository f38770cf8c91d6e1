"""``forecast-report run_dir=<folder>``: rebuild a run's report.md and report.html from its files alone."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from forecast.cli.shell import OneLineParser, shell
from forecast.errors import ArgumentError
from forecast.io import check_success, folder_outputs, write_success
from forecast.report import write_report

DESCRIPTION = (
    "forecast-report: rebuild a run folder's report.md and report.html from the files in it "
    "(no model is refitted)."
)
EXAMPLES = """examples:
  forecast-report outputs/2026-01-31/12-00-00
  forecast-report run_dir=outputs/2026-01-31/12-00-00

Errors print one line on stderr and exit 2; --debug shows the traceback."""


def rebuild(run_dir: Path) -> tuple[Path, Path]:
    """Rebuild the report of a complete run folder, then re-mark it complete with the new pages."""
    if not run_dir.is_dir():
        raise ArgumentError("run_dir", f"{str(run_dir)!r} is not a folder; give a run folder written by forecast-run.")
    check_success(run_dir, rebuilt=("report.md", "report.html"))
    pages = write_report(run_dir)
    write_success(run_dir, folder_outputs(run_dir))
    return pages


def report_main(argv: Sequence[str] | None = None) -> None:
    """Rebuild the report of one run folder in place and print where it is."""
    parser = OneLineParser.for_command("forecast-report", DESCRIPTION, EXAMPLES)
    parser.add_argument("run_dir", help="run_dir=<folder> (or just <folder>): a run folder written by forecast-run")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    run_dir = Path(args.run_dir.removeprefix("run_dir="))
    md_path, html_path = shell("forecast-report", lambda: rebuild(run_dir), debug=args.debug)
    print(f"forecast-report: {html_path.resolve()} and {md_path.name}")


if __name__ == "__main__":
    report_main()
