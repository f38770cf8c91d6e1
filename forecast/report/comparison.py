"""Collate the run folders of a sweep into one leaderboard and one comparison report.

:func:`collate` is what ``forecast-compare <multirun dir>`` calls; tests call it directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure as PlotFigure

from forecast.backtest import coverage_curve, leaderboard, metrics_table, overall, pit_histogram, sharpness
from forecast.backtest.compare import check_n_boot
from forecast.errors import ArgumentError, DataError
from forecast.io import SUCCESS, atomic_write, check_success, write_success
from forecast.report.calibration import coverage_plot, pit_histogram_plot
from forecast.report.blocks import Figure, Table, p_value, percent, score, signed
from forecast.report.context import build_timestamp
from forecast.report.render import write_pages


#: What forecast-compare writes into its folder; its _SUCCESS marker lists them.
OUTPUTS = ("leaderboard.csv", "metrics.csv", "figures/pit.png", "figures/coverage.png", "report.md", "report.html")


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
    for file in files:  # a job that failed or was killed has no marker: never collate half a run
        check_success(file.parent)
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
        and ``report.html``, each written atomically, and last the ``_SUCCESS`` marker
        listing them (:func:`forecast.io.write_success`).

    Raises
    ------
    ArgumentError
        Naming ``out_dir`` when it is a run folder (its own outputs would be overwritten),
        and as :func:`load_runs` and :func:`forecast.backtest.leaderboard` do.
    """
    check_n_boot(n_boot)  # before the sweep is read
    out = Path(out_dir) if out_dir is not None else Path(multirun_dir) / "compare"
    if (out / "backtest.parquet").is_file():  # its metrics.csv, report and _SUCCESS would be replaced by the comparison's
        raise ArgumentError(
            "out_dir", f"{str(out)!r} is a run folder (it holds backtest.parquet); write the comparison to another folder."
        )
    backtest = load_runs(multirun_dir)

    groupings = {"overall": [], "per series": ["unique_id"], "per horizon": ["horizon"]}
    ids = backtest["unique_id"].str.rsplit("/", n=1)
    if ids.str.len().eq(2).all():  # <dyad>/<family> ids: also a board per dyad over its families
        backtest["dyad"] = ids.str[0]
        groupings = {"overall": [], "per dyad": ["dyad"], **groupings}
    boards = {
        name: leaderboard(backtest, metric, by=by, reference=reference, n_boot=n_boot, seed=seed)
        for name, by in groupings.items()
    }
    metrics = metrics_table(backtest, reference=reference)
    # As a run folder: the old marker goes before the first write and the new one comes last, every file is
    # written atomically, so a failed or killed collate leaves whole files and no _SUCCESS (check_success refuses).
    (out / "figures").mkdir(parents=True, exist_ok=True)  # once the boards are scored: a bad --metric writes nothing
    (out / SUCCESS).unlink(missing_ok=True)
    _write_csv(pd.concat([b.assign(board=name) for name, b in boards.items()], ignore_index=True), out / "leaderboard.csv")
    _write_csv(metrics, out / "metrics.csv")
    _write_png(pit_histogram_plot(pit_histogram(backtest)), out / "figures" / "pit.png")
    _write_png(coverage_plot(coverage_curve(backtest)), out / "figures" / "coverage.png")

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
            "calibration_gap",
            "coverage_0.8",
            "interval_score_0.8",
        )
        if m in summary
    ]
    # A model pooled over several jobs (a dyad sweep) lists every one of them, not only the first.
    by_model = backtest.groupby("model")["job"].unique().map(sorted)
    jobs = pd.DataFrame(
        {
            "job": by_model.map(", ".join),
            "overrides": by_model.map(lambda names: "; ".join(filter(None, ((overrides or {}).get(j, "") for j in names)))),
        }
    )
    context = comparison_context(
        boards, summary[keep].join(jobs).reset_index(), sharpness(backtest), metric, str(multirun_dir), seed, n_boot
    )
    write_pages(context, out, page="comparison")
    write_success(out, OUTPUTS)
    return out


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    with atomic_write(path) as temp:
        frame.to_csv(temp, index=False)


def _write_png(figure: PlotFigure, path: Path) -> None:
    with atomic_write(path) as temp:
        figure.savefig(temp, dpi=120, format="png")  # the temporary name has no .png suffix to infer it from
    plt.close(figure)  # a process collating many sweeps would keep every figure open


def _board_table(name: str, board: pd.DataFrame, metric: str) -> Table:
    groups = [c for c in ("dyad", "unique_id", "horizon") if c in board]
    rows = [
        (
            *(str(int(r[c])) if c == "horizon" else str(r[c]) for c in groups),
            str(r["rank"]),
            str(r["model"]),
            score(r[metric]),
            str(r["versus"]),
            "" if r["model"] == r["versus"] else f"{signed(r['diff'])} [{signed(r['ci_low'])}, {signed(r['ci_high'])}]",
            "" if r["model"] == r["versus"] else f"{p_value(r['p_value'])}{r['mark']}",  # as the run report: <0.001
        )
        for _, r in board.iterrows()
    ]
    return Table.build(
        [*groups, "Rank", "Model", metric.upper() if metric == "crps" else metric, "Versus", "Difference [95% CI]", "DM p"],
        rows,
        caption=f"Leaderboard {name}: mean {metric}, lower is better.",
        numeric=[*(c == "horizon" for c in groups), True, False, True, False, True, True],
    )


def _scores_table(summary: pd.DataFrame) -> Table:
    metrics = [c for c in summary.columns if c not in ("model", "job", "overrides")]
    rows = [
        (
            str(r["model"]),
            *(percent(r[m]) if m.startswith("coverage_") else score(r[m]) for m in metrics),  # coverage is a rate
            str(r["job"]),
            str(r["overrides"]),
        )
        for _, r in summary.iterrows()
    ]
    return Table.build(
        ["Model", *metrics, "Job", "Overrides"],
        rows,
        caption="Overall backtest scores per model; coverage is the share of outcomes inside the central interval.",
        numeric=[False, *(True,) * len(metrics), False, False],
    )


def comparison_context(
    boards: Mapping[str, pd.DataFrame], summary: pd.DataFrame, sharp: pd.DataFrame, metric: str, source: str, seed: int, n_boot: int
) -> dict:
    """The comparison page's context, rendered by :func:`forecast.report.write_pages` (``page="comparison"``)."""
    widths = [c for c in sharp.columns if c != "model"]
    sharp_table = Table.build(
        ["Model", *(f"{percent(float(c.split('_', 1)[1]), 0)} interval" for c in widths)],
        [(str(r["model"]), *(score(r[c]) for c in widths)) for _, r in sharp.iterrows()],
        caption="Mean width of each central predictive interval (narrower is sharper, at equal coverage).",
        numeric=[False, *(True,) * len(widths)],
    )
    figures = [
        Figure(
            alt="PIT histograms per model from the collated backtests: flat means calibrated, U-shaped too narrow, humped too wide.",
            caption="Randomised probability integral transform of every backtest outcome.",
            path="figures/pit.png",
            section="backtest",
        ),
        Figure(
            alt="Coverage curve per model: share of outcomes inside each central interval against its level; calibrated models lie on the diagonal.",
            caption="Above the diagonal: intervals too wide; below: too narrow.",
            path="figures/coverage.png",
            section="backtest",
        ),
    ]
    return {
        "title": "Model comparison",
        "intro": [
            f"Backtests collated from {source}. Models are ranked by mean {metric} (lower is better). The difference is the "
            f"mean loss minus that of the model in 'Versus', with a 95% circular block bootstrap interval ({n_boot:,} "
            f"replicates, seed {seed}); DM p is a two-sided Diebold–Mariano test with the Harvey–Leybourne–Newbold "
            "correction (* p < 0.05, ** p < 0.01)."
        ],
        "sections": [
            *({"heading": f"Leaderboard: {name}", "text": [], "tables": [_board_table(name, board, metric)], "figures": []} for name, board in boards.items()),
            {"heading": "All scores", "text": [], "tables": [_scores_table(summary)], "figures": []},
            {"heading": "Calibration", "text": [], "tables": [], "figures": figures},
            {"heading": "Sharpness", "text": [], "tables": [sharp_table], "figures": []},
        ],
        "built_at": build_timestamp(),
    }
