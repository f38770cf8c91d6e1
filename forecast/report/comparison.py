"""Collate the run folders of a sweep into one leaderboard and one comparison report.

:func:`collate` is what ``forecast-compare <multirun dir>`` calls; tests call it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import markdown
import numpy as np
import pandas as pd

from forecast.backtest import coverage_curve, leaderboard, metrics_table, overall, pit_histogram, sharpness
from forecast.errors import ArgumentError, DataError
from forecast.report.calibration import coverage_plot, pit_histogram_plot
from forecast.report.render import markdown_table


def load_runs(multirun_dir: str | Path) -> pd.DataFrame:
    """Every job's ``backtest.parquet`` under ``multirun_dir``, stacked, with a ``job`` column.

    A model that forecasts the same series, date and cutoff in several jobs (a
    hyperparameter sweep) becomes ``<model>@<job>`` so each configuration keeps its own
    row; jobs over different series (a dyad sweep) are pooled under the model's name.

    Raises
    ------
    ArgumentError
        Naming ``multirun_dir`` when no ``backtest.parquet`` is found under it.
    DataError
        When the jobs were backtested on different cutoffs or horizons.
    """
    root = Path(multirun_dir)
    files = sorted(root.rglob("backtest.parquet"))
    if not files:
        raise ArgumentError(
            "multirun_dir", f"no backtest.parquet under {str(root)!r}; pass the folder of a `forecast-run -m` sweep."
        )
    frames = [pd.read_parquet(f).assign(job=str(f.parent.relative_to(root))) for f in files]
    stacked = pd.concat(frames, ignore_index=True)
    protocols = {tuple(sorted(set(zip(f["cutoff"], f["horizon"])))) for f in frames}
    if len(protocols) > 1:
        raise DataError(
            f"the jobs under {str(root)!r} used different backtest cutoffs/horizons; compare runs that share "
            "one backtest protocol (same data, backtest.horizon, backtest.n_windows, backtest.step)."
        )
    # A model forecasting the same (series, date, cutoff) in several jobs is a swept configuration:
    # name each after its job. Jobs over disjoint series (a dyad sweep) pool into one model.
    clash = stacked.duplicated(["model", "unique_id", "ds", "cutoff"], keep=False)
    repeated = stacked["model"].isin(stacked.loc[clash, "model"].unique())
    stacked.loc[repeated, "model"] = stacked.loc[repeated, "model"] + "@" + stacked.loc[repeated, "job"]
    return stacked


def collate(
    multirun_dir: str | Path,
    out_dir: str | Path | None = None,
    metric: str = "crps",
    reference: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
    overrides: Mapping[str, str] | None = None,
) -> Path:
    """Write one leaderboard, metrics table, calibration figures and report for a sweep.

    Parameters
    ----------
    multirun_dir : str or Path
        Folder holding the jobs' run folders (searched recursively).
    out_dir : str or Path, optional
        Where to write; default ``<multirun_dir>/compare``.
    metric : str
        Per-row loss ranking the models.
    reference : str, optional
        Test every model against this one instead of against the best.
    n_boot : int
        Bootstrap replicates for the difference intervals.
    seed : int
        Seed of the bootstrap.
    overrides : mapping of str to str, optional
        What distinguishes each job (its command-line overrides), by job folder relative
        to ``multirun_dir``; shown beside the scores.

    Returns
    -------
    Path
        ``out_dir`` with ``leaderboard.csv`` (overall, per dyad when ids are
        ``<dyad>/<family>``, per series, per horizon),
        ``metrics.csv``, ``figures/pit.png``, ``figures/coverage.png``, ``report.md``
        and ``report.html``.
    """
    backtest = load_runs(multirun_dir)
    out = Path(out_dir) if out_dir is not None else Path(multirun_dir) / "compare"
    (out / "figures").mkdir(parents=True, exist_ok=True)

    groupings = {"overall": [], "per series": ["unique_id"], "per horizon": ["horizon"]}
    ids = backtest["unique_id"].str.rsplit("/", n=1)
    if ids.str.len().eq(2).all():  # <dyad>/<family> ids: also a board per dyad over its families
        backtest["dyad"] = ids.str[0]
        groupings = {"overall": [], "per dyad": ["dyad"], **groupings}
    boards = {
        name: leaderboard(backtest, metric, by=by, reference=reference, n_boot=n_boot, seed=seed)
        for name, by in groupings.items()
    }
    pd.concat([b.assign(board=name) for name, b in boards.items()], ignore_index=True).to_csv(
        out / "leaderboard.csv", index=False
    )
    metrics = metrics_table(backtest, reference=reference)
    metrics.to_csv(out / "metrics.csv", index=False)
    pit_histogram_plot(pit_histogram(backtest)).savefig(out / "figures" / "pit.png", dpi=120)
    curve = coverage_curve(backtest)
    coverage_plot(curve).savefig(out / "figures" / "coverage.png", dpi=120)

    summary = overall(metrics).pivot(index="model", columns="metric", values="value")
    keep = [
        m
        for m in (
            "crps",
            "crps_quantile",
            "log_score",
            "mae",
            "rmse",
            "mase",
            "poisson_deviance",
            "brier_pos",
            "brier_spike",
            "coverage_0.8",
            "interval_score_0.8",
        )
        if m in summary
    ]
    jobs = backtest.groupby("model")["job"].first().to_frame()
    jobs["overrides"] = jobs["job"].map(lambda job: (overrides or {}).get(job, ""))
    text = render_comparison(
        boards, summary[keep].join(jobs).reset_index(), sharpness(backtest), metric, str(multirun_dir)
    )
    (out / "report.md").write_text(text)
    html = markdown.markdown(text, extensions=["tables", "fenced_code"])
    (out / "report.html").write_text(f"<!doctype html><meta charset='utf-8'><title>Model comparison</title>\n{html}\n")
    return out


def _board_table(board: pd.DataFrame, metric: str) -> str:
    shown = board.assign(
        **{metric: board[metric].map("{:.3f}".format)},
        diff=[
            f"{d:+.3f} [{lo:+.3f}, {hi:+.3f}]" if np.isfinite(d) else ""
            for d, lo, hi in zip(board["diff"], board["ci_low"], board["ci_high"])
        ],
        p_value=[f"{p:.3g}{m}" if np.isfinite(p) else "" for p, m in zip(board["p_value"], board["mark"])],
    )
    columns = [c for c in ("dyad", "unique_id", "horizon") if c in board] + [
        "rank",
        "model",
        metric,
        "versus",
        "diff",
        "p_value",
    ]
    return markdown_table(shown[columns].astype(str))


def render_comparison(
    boards: dict[str, pd.DataFrame], summary: pd.DataFrame, sharp: pd.DataFrame, metric: str, source: str
) -> str:
    """The comparison report as Markdown."""
    sections = [
        "# Model comparison",
        (
            f"Backtests collated from `{source}`. Models are ranked by mean `{metric}` (lower is better). "
            "`diff` is the mean loss difference to the model in `versus` with a 95% circular block bootstrap "
            "interval; `p_value` is a two-sided Diebold–Mariano test with the Harvey–Leybourne–Newbold "
            "correction (`*` p < 0.05, `**` p < 0.01)."
        ),
    ]
    for name, board in boards.items():
        sections += [f"## Leaderboard: {name}", _board_table(board, metric)]
    sections += [
        "## All scores",
        markdown_table(summary),
        "## Calibration",
        "![PIT histograms](figures/pit.png)",
        "![Coverage](figures/coverage.png)",
        "## Sharpness (mean central-interval width)",
        markdown_table(sharp),
    ]
    return "\n\n".join(sections) + "\n"
