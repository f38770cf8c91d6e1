"""One experiment: events -> dyad panel -> backtest + forecast -> report.

:func:`run` takes an :class:`Experiment` of plain objects; the ``forecast-run`` shell
(:mod:`forecast.cli.run`) builds one from the composed config.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from forecast.backtest import BacktestSpec, metrics_table, overall, rolling_origin
from forecast.backtest.metrics import HEADLINE
from forecast.errors import ArgumentError
from forecast.events import EventFamily
from forecast.events.embedded import embedded_path
from forecast.events.readers.registry import output_kind
from forecast.events.sources import LoadedSource, combine_sources, load_panel, load_source
from forecast.models import Forecaster
from forecast.report import ReportInputs, provenance, write_report
from forecast.report.figures import run_figures
from forecast.series import (
    SeriesSpec,
    apply_transform,
    build_panel,
    check_model_support,
    describe_measure,
    invert_transform,
)

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout whose git state provenance records


@dataclass(frozen=True)
class ReportOptions:
    """What the report says and which model it draws.

    Parameters
    ----------
    title, question : str
        The report's heading and the question it answers.
    model : str, optional
        The model drawn in the fan chart; the first model when absent from the run.
    """

    title: str
    question: str
    model: str | None = None


@dataclass(frozen=True)
class Experiment:
    """Everything one run needs, as plain objects.

    Parameters
    ----------
    data : mapping
        Keyword arguments of :func:`forecast.events.sources.load_source` for the main
        source (``format``, ``path``, format options). With ``format="panel"`` the file
        is a ready panel ``unique_id, ds, y`` read by :func:`load_panel`.
    series : SeriesSpec
        How events become series (ignored for a ready panel).
    families : mapping of str to EventFamily
        The taxonomy's event families.
    models : mapping of str to Forecaster
        Unfitted models by name; at least one.
    backtest : BacktestSpec
        The rolling-origin protocol; its ``horizon`` and ``quantiles`` also shape the forecast.
    report : ReportOptions
        Report text and drawn model.
    extra_data : sequence of mapping
        Further sources merged into the main one, each like ``data``.
    seed : int
        Recorded in the provenance.
    reference : str, optional
        Model the ``<metric>_skill`` rows of ``metrics.csv`` compare against.
    config_yaml : str
        The configuration the experiment came from, saved as ``config.yaml`` and shown in
        the report.
    """

    data: Mapping[str, Any]
    series: SeriesSpec
    families: Mapping[str, EventFamily]
    models: Mapping[str, Forecaster]
    backtest: BacktestSpec
    report: ReportOptions
    extra_data: Sequence[Mapping[str, Any]] = field(default_factory=tuple)
    seed: int = 0
    reference: str | None = None
    config_yaml: str = ""


def _data_summary(source: LoadedSource) -> dict:
    events = source.result.events
    per_dataset = events.groupby("source_dataset")["count"].agg(rows="size", events="sum")
    coverage = source.coverage.assign(start=lambda c: c["start"].astype(str), end=lambda c: c["end"].astype(str))
    return {
        **source.result.summary(),
        "events_total": int(events["count"].sum()),
        "per_dataset": per_dataset.reset_index().to_dict("records"),
        "coverage": coverage.to_dict("records"),
    }


def _event_panel(experiment: Experiment, run_dir: Path) -> tuple[pd.DataFrame, dict[str, str], dict]:
    """Events -> dyad panel; writes the events summary and the quarantine."""
    sources = [experiment.data, *experiment.extra_data]
    source = combine_sources([load_source(**dict(s)) for s in sources])
    summary = _data_summary(source)
    (run_dir / "events_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    source.result.quarantine.to_parquet(run_dir / "quarantine.parquet", index=False)
    log.info("events: %s rows, %s events", summary["rows_accepted"], summary["events_total"])
    panel = build_panel(source.result.events, experiment.series, dict(experiment.families), source.coverage)
    return panel, source.data_sha256, summary


def _save_figure(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=120)
    plt.close(figure)  # sweeps run many jobs in one process


def _panel_layout(panel: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Dyads and families of ``<dyad>/<family>`` ids for the fan chart; empty when ids do not follow it."""
    parts = panel["unique_id"].drop_duplicates().str.rsplit("/", n=1, expand=True)
    if parts.shape[1] != 2 or parts[1].isna().any():
        return [], []
    return list(dict.fromkeys(parts[0])), list(dict.fromkeys(parts[1]))


def run(experiment: Experiment, run_dir: Path) -> Path:
    """Run one experiment and write every output into ``run_dir``.

    Writes ``events_summary.json``, ``panel.parquet``, ``denominators.parquet`` (source
    volume per period), ``backtest.parquet``, ``metrics.csv``, ``forecasts.parquet``,
    ``figures/*.png`` with their manifest ``figures/figures.json`` (see
    :func:`forecast.report.figures.run_figures`), ``config.yaml``,
    ``provenance.json``, ``report.md`` and ``report.html``. With ``transform="log1p"`` in
    the :class:`SeriesSpec` the models fit ``log1p(y)`` and the backtest and forecasts are
    mapped back with ``expm1`` here, so every file is on the measure's scale. With a
    ``"panel"`` data format the panel file goes straight to the models (no event ingest,
    no series builder) and its ``y`` is taken as a count.

    Parameters
    ----------
    experiment : Experiment
        What to run.
    run_dir : Path
        Output folder (created).

    Raises
    ------
    ArgumentError
        Naming ``models`` when there is none.

    Returns
    -------
    Path
        ``run_dir``.
    """
    if not experiment.models:
        raise ArgumentError("models", "no model selected: pass at least one.")
    run_dir = Path(run_dir)
    (run_dir / "figures").mkdir(parents=True, exist_ok=True)

    data = experiment.data
    if output_kind(data["format"]) == "panel":
        panel, data_sha256 = load_panel(data["path"])
        summary = {"format": "panel", "series": int(panel["unique_id"].nunique()), "periods": int(panel["ds"].nunique())}
        (run_dir / "events_summary.json").write_text(json.dumps(summary, indent=2, default=str))
        dyads, families = _panel_layout(panel)
        measure, transform, share_per = "count", "none", 10_000.0
    else:
        spec = experiment.series
        panel, data_sha256, summary = _event_panel(experiment, run_dir)
        # Dyads as the panel resolved them (country lists and top-N have no spec.dyads).
        dyads = list(dict.fromkeys(panel["dyad"]))
        families = list(spec.families)
        measure, transform, share_per = spec.measure, spec.transform, spec.share_per
        denominators = panel[["segment", "ds", "denominator"]].drop_duplicates().sort_values("ds")
        denominators.to_parquet(run_dir / "denominators.parquet", index=False)
    panel.to_parquet(run_dir / "panel.parquet", index=False)

    backtest_spec = experiment.backtest
    models = dict(experiment.models)
    caveats = check_model_support(measure, transform, models)
    fit_panel = apply_transform(panel, transform)
    backtest = invert_transform(rolling_origin(fit_panel, models, backtest_spec), transform)
    backtest.to_parquet(run_dir / "backtest.parquet", index=False)
    metrics = metrics_table(backtest, reference=experiment.reference)
    metrics.to_csv(run_dir / "metrics.csv", index=False)

    forecasts = pd.concat(
        [
            model.fit(fit_panel[["unique_id", "ds", "y"]]).predict(backtest_spec.horizon, backtest_spec.quantiles).assign(model=name)
            for name, model in models.items()
        ],
        ignore_index=True,
    )
    forecasts = invert_transform(forecasts, transform)
    forecasts.to_parquet(run_dir / "forecasts.parquet", index=False)

    options = experiment.report
    report_model = options.model if options.model in models else next(iter(models))
    drawn = run_figures(panel=panel, backtest=backtest, forecasts=forecasts, metrics=metrics, fitted=models,
                        model=report_model, dyads=dyads, families=families, seed=int(experiment.seed))
    records = []
    for stem, figure, record in drawn:
        _save_figure(figure, run_dir / "figures" / f"{stem}.png")
        records.append({"path": f"figures/{stem}.png", **record})
    (run_dir / "figures" / "figures.json").write_text(json.dumps(records, indent=2))
    figure_paths = [record["path"] for record in records]

    config_yaml = experiment.config_yaml
    (run_dir / "config.yaml").write_text(config_yaml)
    record = provenance(repo=REPO_ROOT, data_sha256=data_sha256, seed=int(experiment.seed))
    (run_dir / "provenance.json").write_text(json.dumps(record, indent=2))
    attribution_file = embedded_path("ATTRIBUTION.md")
    formats = [source["format"] for source in (data, *experiment.extra_data)]
    attribution = attribution_file.read_text() if "embedded" in formats else "See the data provider's terms."
    write_report(
        ReportInputs(
            title=options.title,
            question=options.question,
            data_summary=summary,
            panel=panel,
            metrics=overall(metrics).loc[lambda table: table["metric"].isin(HEADLINE)],
            forecasts=forecasts,
            figure_paths=figure_paths,
            config_yaml=config_yaml,
            provenance=record,
            attribution=attribution,
            report_model=report_model,
            series_note=" ".join([describe_measure(measure, transform, share_per), *caveats]),
        ),
        run_dir,
    )
    return run_dir


def objective(run_dir: Path, metric: str = "crps") -> float:
    """Mean over models of a run's overall backtest ``metric`` (read back from ``metrics.csv``).

    Raises
    ------
    ArgumentError
        Naming ``metric`` when it was not scored, listing the ones that were.
    """
    table = overall(pd.read_csv(Path(run_dir) / "metrics.csv"))
    values = table.loc[table["metric"] == metric, "value"]
    if values.empty:
        raise ArgumentError("metric", f"{metric!r} is not in metrics.csv; choose one of {sorted(table['metric'].unique())}.")
    return float(values.mean())
