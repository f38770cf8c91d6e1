"""Report figures: what each draws, on a small generated panel and its real backtest."""

from __future__ import annotations

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from forecast.backtest import BacktestSpec, coverage_curve, leaderboard, metrics_table, pit_histogram, rolling_origin
from forecast.models import MultivariateHawkes, Naive, WindowAverage
from forecast.report.calibration import coverage_plot, pit_histogram_plot
from forecast.report.figures import (
    excitation_heatmap,
    leaderboard_plot,
    run_figures,
    significance_stars,
    skill_by_horizon_plot,
)
from forecast.report.plots import NEUTRAL, PALETTE, fan_chart, fan_chart_grid

DYADS = ["CHN-RUS", "CHN-USA"]
FAMILIES = ["cooperation", "military_contact"]
ALLOWED = {c.lower() for c in PALETTE} | {NEUTRAL.lower(), "#ffffff", "#000000"}
# matplotlib's default cycle (tab10) minus the colours the palette shares with it.
DEFAULT_CYCLE = {to_hex(c) for c in plt.rcParams["axes.prop_cycle"].by_key()["color"]} - ALLOWED


def make_panel() -> pd.DataFrame:
    """40 weeks of four Poisson series whose means differ by a factor of 50."""
    rng = np.random.default_rng(7)
    dates = pd.date_range("2020-01-06", periods=40, freq="W-MON")
    rows = []
    for k, (dyad, family) in enumerate((d, f) for d in DYADS for f in FAMILIES):
        mean = 50.0 if family == "cooperation" else 1.0
        rows += [{"unique_id": f"{dyad}/{family}", "ds": ds, "y": float(y)} for ds, y in zip(dates, rng.poisson(mean + k, 40))]
    return pd.DataFrame(rows).assign(measure="count")


PANEL = make_panel()
MODELS = {"naive": Naive(), "window_average": WindowAverage(window=4)}
SPEC = BacktestSpec(horizon=3, n_windows=3, step=2, n_samples=0)
BACKTEST = rolling_origin(PANEL, MODELS, SPEC)
FORECASTS = pd.concat([m.fit(PANEL).predict(3).assign(model=n) for n, m in MODELS.items()], ignore_index=True)


def colours_of(fig: Figure) -> set[str]:
    """Every line, patch and collection colour drawn on the figure's axes (fully transparent ones left out)."""
    found = set()
    for ax in fig.axes:
        for line in ax.get_lines():
            found.add(to_hex(line.get_color()))
        for patch in ax.patches:
            found.add(to_hex(patch.get_facecolor()))
        for collection in ax.collections:
            for rgba in [*collection.get_facecolor(), *collection.get_edgecolor()]:
                if rgba[3] > 0:
                    found.add(to_hex(rgba))
    return found


def assert_palette(fig: Figure) -> None:
    used = colours_of(fig)
    assert used, "the figure drew nothing"
    assert not used & DEFAULT_CYCLE, f"default-cycle colours {used & DEFAULT_CYCLE}"
    assert used <= ALLOWED, f"colours outside the palette: {used - ALLOWED}"


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_fan_chart_overlays_the_last_backtest_window():
    fig = fan_chart(PANEL, FORECASTS, family="cooperation", dyads=DYADS, model="naive", backtest=BACKTEST)
    assert isinstance(fig, Figure) and len(fig.axes) == 1
    ax = fig.axes[0]
    last = BACKTEST[(BACKTEST["model"] == "naive") & (BACKTEST["cutoff"] == BACKTEST["cutoff"].max())]
    points = [c for c in ax.collections if c.get_label().endswith("backtest outcome")]
    assert [p.get_label() for p in points] == ["CHN-RUS backtest outcome", "CHN-USA backtest outcome"]
    for dyad, scatter in zip(DYADS, points):
        expected = last[last["unique_id"] == f"{dyad}/cooperation"].sort_values("ds")
        offsets = scatter.get_offsets()
        np.testing.assert_array_equal(offsets[:, 0], mdates.date2num(expected["ds"]))
        np.testing.assert_array_equal(offsets[:, 1], expected["y"])
    # Per dyad: observed, backtest mean, forecast mean.
    assert len(ax.get_lines()) == 3 * len(DYADS)
    assert ax.get_legend() is not None and ax.get_legend().get_bbox_to_anchor().x0 > ax.bbox.x1 - 1
    assert_palette(fig)


def test_fan_chart_draws_on_given_axes_and_without_backtest():
    fig, ax = plt.subplots()
    assert fan_chart(PANEL, FORECASTS, family="military_contact", dyads=DYADS, model="window_average", ax=ax) is fig
    assert not [c for c in ax.collections if "backtest" in c.get_label()]
    assert len(ax.get_lines()) == 2 * len(DYADS)
    grid = fan_chart_grid(PANEL, FORECASTS, families=FAMILIES, dyads=DYADS, model="naive", backtest=BACKTEST)
    assert len(grid.axes) == len(FAMILIES)
    assert_palette(grid)


def test_leaderboard_bars_and_bootstrap_whiskers():
    board = leaderboard(BACKTEST, "crps", n_boot=200)
    fig = leaderboard_plot(board)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(MODELS)
    # Best model on top (largest y), bar length = mean loss.
    top = max(bars, key=lambda b: b.get_y())
    assert top.get_width() == pytest.approx(board.loc[board["rank"] == 1, "crps"].iloc[0])
    (whiskers,) = [c for c in ax.collections if c.get_segments()]
    (segment,) = whiskers.get_segments()  # only the non-reference model has an interval
    other = board[board["rank"] == 2].iloc[0]
    base = board.loc[board["rank"] == 1, "crps"].iloc[0]
    np.testing.assert_allclose(sorted(segment[:, 0]), [base + other["ci_low"], base + other["ci_high"]])
    assert_palette(fig)
    # A model keeps its colour across figures: the PIT panel of the same model has the bar colour.
    pit = pit_histogram_plot(pit_histogram(BACKTEST))
    for label, bar in zip(ax.get_yticklabels(), sorted(bars, key=lambda b: -b.get_y())):
        (panel,) = [a for a in pit.axes if a.get_title() == label.get_text().split()[0]]
        assert to_hex(panel.patches[0].get_facecolor()) == to_hex(bar.get_facecolor())
    fig2, ax2 = plt.subplots()
    assert leaderboard_plot(board, ax=ax2) is fig2
    with pytest.raises(KeyError, match="mae"):
        leaderboard_plot(board, metric="mae")


def test_skill_by_horizon_one_line_per_model_over_the_leads():
    metrics = metrics_table(BACKTEST, reference="naive")
    fig = skill_by_horizon_plot(metrics)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"reference", "naive", "window_average"}
    np.testing.assert_array_equal(lines["window_average"].get_xdata(), [1, 2, 3])
    expected = metrics[(metrics["metric"] == "crps_skill") & (metrics["model"] == "window_average") & metrics["horizon"].notna()]
    np.testing.assert_allclose(lines["window_average"].get_ydata(), expected.sort_values("horizon")["value"])
    np.testing.assert_allclose(lines["naive"].get_ydata(), 0.0)
    assert_palette(fig)
    fig2, ax2 = plt.subplots()
    assert skill_by_horizon_plot(metrics, ax=ax2) is fig2
    with pytest.raises(KeyError, match="reference"):
        skill_by_horizon_plot(metrics_table(BACKTEST))


def test_pit_grid_one_panel_per_model():
    histogram = pit_histogram(BACKTEST)
    fig = pit_histogram_plot(histogram)
    assert [ax.get_title() for ax in fig.axes] == ["naive", "window_average"]
    for ax in fig.axes:
        assert len(ax.patches) == 10  # ten PIT bins
        assert ax.title.get_fontsize() >= 11
    assert_palette(fig)
    five = pd.concat([histogram.assign(model=f"m{i}") for i in range(5)], ignore_index=True)
    grid = pit_histogram_plot(five)
    assert len(grid.axes) == 5  # 2 rows x 3, the sixth cell removed
    assert {round(ax.get_position().x0, 2) for ax in grid.axes} .__len__() == 3
    target = plt.figure()
    assert pit_histogram_plot(histogram, fig=target) is target


def test_coverage_plot_palette_and_given_axes():
    curve = coverage_curve(BACKTEST)
    fig, ax = plt.subplots()
    assert coverage_plot(curve, ax=ax) is fig
    assert [line.get_label() for line in ax.get_lines()] == ["ideal", "naive", "window_average"]
    assert_palette(fig)


def test_excitation_heatmap_annotates_every_cell_with_labels():
    matrix = np.array([[0.1, 0.25], [0.0, 0.5]])
    fig = excitation_heatmap(matrix, ["CHN-RUS", "CHN-USA"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.10", "0.25", "0.00", "0.50"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["CHN-RUS", "CHN-USA"]
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    with pytest.raises(ValueError, match="2 target and 2 source"):
        excitation_heatmap(matrix, ["a", "b", "c"])


def test_significance_stars_at_their_boundaries():
    p = np.array([[0.0009, 0.001, 0.0099], [0.01, 0.0499, 0.05], [np.nan, 1.0, 0.2]])
    np.testing.assert_array_equal(significance_stars(p), [["***", "**", "**"], ["*", "*", ""], ["", "", ""]])


def test_excitation_heatmap_marks_significant_cells():
    matrix = np.array([[0.1, 0.25], [0.0, 0.5]])
    fig = excitation_heatmap(matrix, ["a", "b"], p_values=np.array([[0.2, 0.004], [np.nan, 1e-5]]))
    assert [t.get_text() for t in fig.axes[0].texts] == ["0.10", "0.25**", "0.00", "0.50***"]
    with pytest.raises(ValueError, match="p_values of shape"):
        excitation_heatmap(matrix, ["a", "b"], p_values=np.ones((3, 3)))


def test_excitation_heatmap_of_a_fitted_hawkes_model():
    counts = PANEL[PANEL["unique_id"].str.endswith("military_contact")]
    model = MultivariateHawkes().fit(counts)
    fig, ax = plt.subplots()
    assert excitation_heatmap(model.excitation_, model.ids_, ax=ax) is fig
    assert len(ax.texts) == 4
    assert [t.get_text() for t in ax.get_yticklabels()] == list(model.ids_)


def test_run_figures_adds_the_heatmap_only_for_a_hawkes_model():
    metrics = metrics_table(BACKTEST, reference="naive")
    common = dict(panel=PANEL, backtest=BACKTEST, forecasts=FORECASTS, metrics=metrics, model="naive",
                  dyads=DYADS, families=FAMILIES)
    stems = [stem for stem, _, _ in run_figures(fitted=MODELS, **common)]
    # A panel without a family column has no timeline.
    assert stems == ["fan_chart", "leaderboard", "skill_by_horizon", "pit", "coverage"]
    hawkes = MultivariateHawkes().fit(PANEL)
    drawn = run_figures(fitted={**MODELS, "hawkes": hawkes}, **common)
    assert [stem for stem, _, _ in drawn][-1] == "hawkes_hawkes"
    _, heatmap, record = drawn[-1]
    assert len(heatmap.axes[0].texts) == 16 and record["section"] == "forecasts" and record["alt"]
    # Stars are the model's own LR tests; the caption gives the branching ratio and half-life.
    stars = significance_stars(hawkes.excitation_p_values())
    texts = [t.get_text() for t in heatmap.axes[0].texts]
    assert texts == [f"{v:.2f}{s}" for v, s in zip(hawkes.fitted_excitation_.ravel(), stars.ravel())]
    assert f"Branching ratio {hawkes.branching_ratio_:.2f}" in record["caption"]
    # The leaderboard's intervals compare with the run's reference, as the report's table does.
    (board_figure,) = [figure for stem, figure, _ in run_figures(fitted=MODELS, reference="window_average", **common)
                       if stem == "leaderboard"]
    assert "vs window_average" in board_figure.axes[0].get_xlabel()
    no_skill = run_figures(fitted=MODELS, **{**common, "metrics": metrics_table(BACKTEST)})
    assert "skill_by_horizon" not in [stem for stem, _, _ in no_skill]


def test_empty_inputs_give_a_figure_that_says_so():
    # They raised ZeroDivisionError (PIT), IndexError (leaderboard, fan chart of a panel without rows).
    pit = pit_histogram_plot(pit_histogram(BACKTEST).iloc[:0])
    board = leaderboard_plot(leaderboard(BACKTEST, "crps", n_boot=50).iloc[:0])
    for fig, what in ((pit, "PIT values"), (board, "backtest scores")):
        assert isinstance(fig, Figure) and len(fig.axes) == 1
        assert [t.get_text() for t in fig.axes[0].texts] == [f"no {what} to show"]
    panel = BACKTEST[["unique_id", "ds", "y"]].iloc[:0]
    fan = fan_chart(panel, BACKTEST.iloc[:0], family="f", dyads=["A"], model="naive")
    assert isinstance(fan, Figure) and fan.axes[0].get_ylabel() != ""
    plt.close("all")


@pytest.mark.parametrize(("measure", "caption"), [
    ("count", "Counts of the events behind the series"),
    ("share", "The series' values (events per source volume) behind the series"),  # it said "Counts of the events"
])
def test_the_timeline_caption_names_the_measure(measure, caption):
    parts = PANEL["unique_id"].str.split("/", expand=True)
    panel = PANEL.assign(dyad=parts[0], family=parts[1], measure=measure, freq="W-MON", segment=0, partial=False)
    records = {stem: record for stem, _, record in run_figures(
        panel=panel, backtest=BACKTEST, forecasts=FORECASTS, metrics=metrics_table(BACKTEST), fitted=MODELS,
        model="naive", dyads=DYADS, families=FAMILIES)}
    assert records["timeline"]["caption"] == f"{caption}, before forecasting; gaps are periods without data coverage."
    plt.close("all")
