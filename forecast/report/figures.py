"""Model-comparison figures (leaderboard with bootstrap intervals, skill by lead, Hawkes
excitation) and :func:`run_figures`, the list of every figure a run's report shows.

Each figure function takes ``ax=None`` and returns a Figure; colours come from
:data:`forecast.report.plots.PALETTE`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecast.backtest import coverage_curve, leaderboard, pit_histogram
from forecast.models.base import Forecaster
from forecast.report.calibration import coverage_plot, pit_histogram_plot
from forecast.report.plots import FONT, NEUTRAL, OUTSIDE, fan_chart_grid, model_colours, new_axes, note_empty, style_axis
from forecast.report.timeline import event_timeline_grid
from forecast.series.measures import AXIS_LABELS


def leaderboard_plot(board: pd.DataFrame, metric: str = "crps", ax: plt.Axes | None = None) -> Figure:
    """Mean backtest loss per model as horizontal bars, best on top, with bootstrap whiskers.

    A whisker is the block-bootstrap interval of the model's mean loss difference from
    the board's ``versus`` model, placed on the loss scale (``versus`` loss + interval),
    so a whisker that does not reach the ``versus`` bar's end marks a real difference.

    Parameters
    ----------
    board : pandas.DataFrame
        One board of :func:`forecast.backtest.compare.leaderboard` (``rank, model,
        <metric>, versus, diff, ci_low, ci_high, mark``).
    metric : str
        The loss the board ranks by.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        Each model's mean loss, with its bootstrap interval of the difference to ``versus``.

    Raises
    ------
    KeyError
        When ``board`` has no ``metric`` column or holds several boards (a ``by`` column).
    """
    if metric not in board:
        raise KeyError(f"leaderboard_plot: the board has no {metric!r} column; pass metric= one it was ranked by.")
    if board["model"].duplicated().any():
        raise KeyError("leaderboard_plot: one board per figure; select one group of a leaderboard(by=...) frame.")
    if board.empty:
        fig, ax = new_axes(ax, (8, 2.2))
        note_empty(ax, "backtest scores")
        return fig
    board = board.sort_values("rank")
    versus = str(board["versus"].iloc[0])
    base = float(board.loc[board["model"] == versus, metric].iloc[0])
    fig, ax = new_axes(ax, (8, 0.55 * len(board) + 1.6))
    y = np.arange(len(board))[::-1]
    colours = model_colours(board["model"])
    ax.barh(y, board[metric], color=[colours[m] for m in board["model"]], height=0.6)
    low = base + board["ci_low"].to_numpy(dtype=float)
    high = base + board["ci_high"].to_numpy(dtype=float)
    has_ci = np.isfinite(low) & np.isfinite(high)
    means = board[metric].to_numpy(dtype=float)
    ax.errorbar(
        means[has_ci], y[has_ci],
        xerr=np.vstack([means[has_ci] - low[has_ci], high[has_ci] - means[has_ci]]).clip(min=0),
        fmt="none", color=NEUTRAL, ecolor=NEUTRAL, elinewidth=1.4, capsize=4,
    )
    ax.axvline(base, color=NEUTRAL, lw=1.0, ls="--")
    ax.set_yticks(y, [f"{m} {mark}".strip() for m, mark in zip(board["model"], board["mark"].fillna(""))])
    for yi, value in zip(y, means):
        ax.annotate(f"{value:.3g}", (0, yi), xytext=(4, 0), textcoords="offset points", va="center",
                    fontsize=FONT["tick"], color="white", fontweight="bold")
    note = f"whiskers: 95% bootstrap interval vs {versus}; * p<0.05, ** p<0.01 (DM test)"
    style_axis(ax, f"Backtest {metric.upper()} (lower is better)", f"mean {metric}\n{note}", "")
    ax.grid(axis="y", visible=False)
    ax.set_xlim(left=0)
    return fig


def skill_by_horizon_plot(metrics: pd.DataFrame, metric: str = "crps", ax: plt.Axes | None = None) -> Figure:
    """Skill against the run's reference model at each lead, one line per model.

    Parameters
    ----------
    metrics : pandas.DataFrame
        The ``metrics.csv`` frame of :func:`forecast.backtest.metrics_table` (``model,
        metric, value, unique_id, horizon``) made with a ``reference``.
    metric : str
        The loss whose ``<metric>_skill`` rows are drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.

    Returns
    -------
    matplotlib.figure.Figure
        Skill against the reference at each lead, one line per model.

    Raises
    ------
    KeyError
        When the frame has no per-horizon ``<metric>_skill`` rows (made without a reference).
    """
    name = f"{metric}_skill"
    rows = metrics[(metrics["metric"] == name) & metrics["horizon"].notna()]
    if "unique_id" in rows:
        rows = rows[rows["unique_id"].isna() | (rows["unique_id"].astype(str) == "")]
    if rows.empty:
        raise KeyError(f"skill_by_horizon_plot: no per-horizon {name!r} rows; build metrics_table with a reference.")
    fig, ax = new_axes(ax, (8, 4))
    ax.axhline(0.0, color=NEUTRAL, lw=1.0, ls="--", label="reference")
    colours = model_colours(rows["model"])
    for model, part in rows.groupby("model", sort=True):
        part = part.sort_values("horizon")
        ax.plot(part["horizon"].astype(int), part["value"], marker="o", color=colours[model], label=model)
    style_axis(ax, f"{metric.upper()} skill by lead (above 0: better than the reference)",
               "lead (periods after the cutoff)", f"1 - {metric} / reference {metric}")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=FONT["legend"], **OUTSIDE)
    return fig


def excitation_heatmap(
    excitation: np.ndarray,
    sources: Sequence[str],
    targets: Sequence[str] | None = None,
    ax: plt.Axes | None = None,
    p_values: np.ndarray | None = None,
) -> Figure:
    """Heatmap of a fitted Hawkes excitation matrix, each cell annotated with its value.

    Cell ``(i, j)`` is the expected number of events in target ``i`` triggered by one
    event in source ``j`` (:attr:`forecast.models.MultivariateHawkes.fitted_excitation_`).
    With ``p_values`` each cell also carries the stars of its likelihood-ratio test of
    "``j`` does not excite ``i``" (:meth:`~forecast.models.MultivariateHawkes.excitation_p_values`):
    ``*`` p < 0.05, ``**`` p < 0.01, ``***`` p < 0.001; NaN (an entry the fit left at zero) has none.

    Parameters
    ----------
    excitation : numpy.ndarray
        Square matrix, rows targets and columns sources.
    sources : sequence of str
        Column labels (the model's ``ids_``).
    targets : sequence of str, optional
        Row labels; ``sources`` by default.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is made when omitted.
    p_values : numpy.ndarray, optional
        Same shape as ``excitation``.

    Returns
    -------
    matplotlib.figure.Figure
        The excitation matrix as a heatmap, each cell annotated.

    Raises
    ------
    ValueError
        When the labels do not match the matrix shape.
    """
    excitation = np.asarray(excitation, dtype=float)
    targets = list(sources) if targets is None else list(targets)
    if excitation.shape != (len(targets), len(sources)):
        raise ValueError(
            f"excitation_heatmap: matrix of shape {excitation.shape} needs {excitation.shape[0]} target and "
            f"{excitation.shape[1]} source labels, got {len(targets)} and {len(sources)}."
        )
    if p_values is not None and np.shape(p_values) != excitation.shape:
        raise ValueError(f"excitation_heatmap: p_values of shape {np.shape(p_values)} for a {excitation.shape} matrix.")
    stars = np.full(excitation.shape, "", dtype=object) if p_values is None else significance_stars(p_values)
    size = 1.1 * len(sources) + 3.5
    fig, ax = new_axes(ax, (size + 1.5, size))
    image = ax.imshow(excitation, cmap="cividis", vmin=0, vmax=max(float(excitation.max()), 1e-9))
    threshold = 0.6 * float(excitation.max())
    for (i, j), value in np.ndenumerate(excitation):
        ax.text(j, i, f"{value:.2f}{stars[i, j]}", ha="center", va="center", fontsize=FONT["tick"],
                color="black" if value > threshold else "white")
    ax.set_xticks(range(len(sources)), sources, rotation=30, ha="right", fontsize=FONT["tick"])
    ax.set_yticks(range(len(targets)), targets, fontsize=FONT["tick"])
    ax.set_xlabel("source series (triggering event)", fontsize=FONT["label"])
    ax.set_ylabel("target series (triggered events)", fontsize=FONT["label"])
    ax.set_title("Hawkes excitation: events in target per event in source", fontsize=FONT["title"])
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    bar.ax.tick_params(labelsize=FONT["tick"])
    return fig


def significance_stars(p_values: np.ndarray) -> np.ndarray:
    """``***`` below 0.001, ``**`` below 0.01, ``*`` below 0.05, else (or NaN) empty; same shape."""
    p = np.asarray(p_values, dtype=float)
    filled = np.where(np.isnan(p), 1.0, p)
    return np.select([filled < 0.001, filled < 0.01, filled < 0.05], ["***", "**", "*"], "").astype(object)


def run_figures(
    *,
    panel: pd.DataFrame,
    backtest: pd.DataFrame,
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame,
    fitted: Mapping[str, Forecaster],
    model: str,
    dyads: Sequence[str],
    families: Sequence[str],
    metric: str = "crps",
    reference: str | None = None,
    seed: int = 0,
) -> list[tuple[str, Figure, dict[str, str]]]:
    """Every figure of a run's report, with where it goes and how to describe it.

    Parameters
    ----------
    panel, backtest, forecasts, metrics : pandas.DataFrame
        The run's panel, :func:`~forecast.backtest.rolling_origin` output, final
        forecasts and :func:`~forecast.backtest.metrics_table` frame.
    fitted : mapping of str to Forecaster
        The models fitted on the whole panel; a Hawkes model (one with ``excitation_``)
        gets an excitation heatmap.
    model : str
        The reported model, drawn in the fan chart.
    dyads, families : sequence of str
        Fan-chart and timeline layout; empty when the series ids are not ``<dyad>/<family>``.
    metric : str
        The loss of the leaderboard and the skill-by-lead figure.
    reference : str, optional
        The model the leaderboard's intervals compare with (as the report's table); the best by default.
    seed : int
        Seed of the leaderboard's bootstrap.

    Returns
    -------
    list of (str, Figure, dict)
        File stem, figure, and ``section, alt, caption`` for the renderer's figure record.
    """
    drawn: list[tuple[str, Figure, dict[str, str]]] = []
    if families:
        drawn.append(("fan_chart", fan_chart_grid(panel, forecasts, families=families, dyads=dyads, model=model,
                                                  backtest=backtest), {
            "section": "forecasts",
            "alt": f"Fan chart per family: observed values of each dyad, {model}'s forecast mean and shaded central "
                   "intervals, and the last backtest window's forecast with its realised outcomes as points.",
            "caption": "Darker bands are narrower intervals; hollow points are outcomes the last backtest forecast was scored on.",
        }))
    if "family" in panel:
        measure = str(panel["measure"].iloc[0]) if "measure" in panel and len(panel) else "count"
        # A share or Goldstein series is not a count of events: say what the lines are.
        what = "Counts of the events" if measure == "count" else f"The series' values ({AXIS_LABELS.get(measure, measure)})"
        drawn.append(("timeline", event_timeline_grid(panel, dyads), {
            "section": "data",
            "alt": "Event timeline: one panel per event family, one line per dyad, each panel on its own scale.",
            "caption": f"{what} behind the series, before forecasting; gaps are periods without data coverage.",
        }))
    board = leaderboard(backtest, metric, reference=reference, seed=seed)
    versus = board["versus"].iloc[0]
    drawn.append(("leaderboard", leaderboard_plot(board, metric), {
        "section": "backtest",
        "alt": f"Horizontal bars of each model's mean backtest {metric.upper()}, best on top, with bootstrap intervals "
               f"of the difference from {versus}.",
        "caption": "Whiskers: 95% circular block-bootstrap interval; stars mark Diebold–Mariano p-values.",
    }))
    if (metrics["metric"] == f"{metric}_skill").any():
        drawn.append(("skill_by_horizon", skill_by_horizon_plot(metrics, metric), {
            "section": "backtest",
            "alt": f"{metric.upper()} skill against the reference model at each lead, one line per model.",
            "caption": "Above zero: better than the reference at that lead.",
        }))
    drawn.append(("pit", pit_histogram_plot(pit_histogram(backtest)), {
        "section": "backtest",
        "alt": "PIT histograms, one panel per model: flat means calibrated, U-shaped too narrow, humped too wide.",
        "caption": "Non-randomised probability integral transform of each backtest outcome.",
    }))
    drawn.append(("coverage", coverage_plot(coverage_curve(backtest)), {
        "section": "backtest",
        "alt": "Coverage curve per model: share of backtest outcomes inside each central interval against its level.",
        "caption": "On the diagonal: calibrated; above: intervals too wide; below: too narrow.",
    }))
    for name, forecaster in fitted.items():
        if hasattr(forecaster, "excitation_"):
            heatmap = excitation_heatmap(forecaster.fitted_excitation_, forecaster.ids_,
                                         p_values=forecaster.excitation_p_values())
            drawn.append((f"hawkes_{name}", heatmap, {
                "section": "forecasts",
                "alt": f"Heatmap of {name}'s fitted excitation matrix: expected events in each target series "
                       "triggered by one event in each source series, values and significance stars in the cells.",
                "caption": "Fitted on the whole panel; a column sums to the offspring of one event in that source "
                           "series. Stars: likelihood-ratio test of no excitation, * p < 0.05, ** p < 0.01, "
                           f"*** p < 0.001. Branching ratio {forecaster.branching_ratio_:.2f}, half-life of "
                           f"excitation {forecaster.half_life_days_:.1f} days.",
            }))
    return drawn
