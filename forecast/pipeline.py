"""The default experiment: events -> dyad panel -> backtest + forecast -> report.

``run(cfg, run_dir)`` is what the ``forecast-run`` shell calls; tests call it directly with
configs composed from ``conf/``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from forecast.backtest import BacktestSpec, evaluate, rolling_origin
from forecast.events import families_from_mapping
from forecast.events.embedded import embedded_path
from forecast.events.sources import LoadedSource, load_source
from forecast.instantiate import build
from forecast.models import Forecaster
from forecast.report import ReportInputs, event_timeline_grid, fan_chart_grid, provenance, write_report
from forecast.series import (
    SeriesSpec,
    apply_transform,
    build_panel,
    check_model_support,
    describe_measure,
    invert_transform,
)

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]


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


def _models(cfg: DictConfig) -> dict[str, Forecaster]:
    if not cfg.model:
        raise ValueError("no model selected: pass model=<name> or model=[a,b].")
    return {name: build(node, where=f"model.{name}") for name, node in cfg.model.items()}


def run(cfg: DictConfig, run_dir: Path) -> Path:
    """Run one experiment and write every output into ``run_dir``.

    Writes ``events_summary.json``, ``panel.parquet``, ``denominators.parquet`` (source
    volume per period), ``backtest.parquet``, ``metrics.csv``, ``forecasts.parquet``,
    ``figures/fan_chart.png``, ``figures/timeline.png``, ``config.yaml``,
    ``provenance.json``, ``report.md`` and ``report.html``. With ``series.transform=log1p``
    the models fit ``log1p(y)`` and the backtest and forecasts are mapped back with
    ``expm1`` here, so every file is on the measure's scale.

    Returns
    -------
    Path
        ``run_dir``.
    """
    run_dir = Path(run_dir)
    (run_dir / "figures").mkdir(parents=True, exist_ok=True)

    data_options = {k: v for k, v in OmegaConf.to_container(cfg.data, resolve=True).items() if k not in ("format", "path")}
    source = load_source(cfg.data.format, cfg.data.path, **data_options)
    summary = _data_summary(source)
    (run_dir / "events_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    source.result.quarantine.to_parquet(run_dir / "quarantine.parquet", index=False)
    log.info("events: %s rows, %s events", summary["rows_accepted"], summary["events_total"])

    spec: SeriesSpec = build(cfg.series, where="series")
    families = families_from_mapping(OmegaConf.to_container(cfg.taxonomy.families, resolve=True))
    panel = build_panel(source.result.events, spec, families, source.coverage)
    panel.to_parquet(run_dir / "panel.parquet", index=False)
    denominators = panel[["segment", "ds", "denominator"]].drop_duplicates().sort_values("ds")
    denominators.to_parquet(run_dir / "denominators.parquet", index=False)

    backtest_spec: BacktestSpec = build(cfg.backtest, where="backtest")
    models = _models(cfg)
    caveats = check_model_support(spec.measure, spec.transform, models)
    fit_panel = apply_transform(panel, spec.transform)
    backtest = invert_transform(rolling_origin(fit_panel, models, backtest_spec), spec.transform)
    backtest.to_parquet(run_dir / "backtest.parquet", index=False)
    metrics = evaluate(backtest)
    metrics.to_csv(run_dir / "metrics.csv", index=False)

    forecasts = pd.concat(
        [
            model.fit(fit_panel[["unique_id", "ds", "y"]]).predict(backtest_spec.horizon, backtest_spec.quantiles).assign(model=name)
            for name, model in models.items()
        ],
        ignore_index=True,
    )
    forecasts = invert_transform(forecasts, spec.transform)
    forecasts.to_parquet(run_dir / "forecasts.parquet", index=False)

    report_model = cfg.report.model if cfg.report.model in models else next(iter(models))
    # Dyads as the panel resolved them (country lists and top-N have no spec.dyads).
    dyads = list(dict.fromkeys(panel["dyad"]))
    figure = fan_chart_grid(panel, forecasts, families=list(spec.families), dyads=dyads, model=report_model)
    figure.savefig(run_dir / "figures" / "fan_chart.png", dpi=120)
    event_timeline_grid(panel, dyads).savefig(run_dir / "figures" / "timeline.png", dpi=120)

    config_yaml = OmegaConf.to_yaml(cfg, resolve=True)
    (run_dir / "config.yaml").write_text(config_yaml)
    record = provenance(repo=REPO_ROOT, data_sha256=source.data_sha256, seed=int(cfg.seed))
    (run_dir / "provenance.json").write_text(json.dumps(record, indent=2))
    attribution_file = embedded_path("ATTRIBUTION.md")
    attribution = attribution_file.read_text() if cfg.data.format == "embedded" else "See the data provider's terms."
    write_report(
        ReportInputs(
            title=cfg.report.title,
            question=cfg.report.question,
            data_summary=summary,
            panel=panel,
            metrics=metrics,
            forecasts=forecasts,
            figure_paths=["figures/fan_chart.png", "figures/timeline.png"],
            config_yaml=config_yaml,
            provenance=record,
            attribution=attribution,
            report_model=report_model,
            series_note=" ".join([describe_measure(spec.measure, spec.transform, spec.share_per), *caveats]),
        ),
        run_dir,
    )
    return run_dir
