"""One experiment: events -> dyad panel -> backtest + forecast -> report.

:func:`run` takes an :class:`Experiment` of plain objects; the ``forecast-run`` shell
(:mod:`forecast.cli.run`) builds one from the composed config.
"""

from __future__ import annotations

import json
import logging
import numbers
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from forecast.backtest import (
    BacktestResult,
    BacktestSpec,
    final_forecasts,
    metrics_table,
    overall,
    run_backtest,
)
from forecast.backtest.engines import Engine, backtest_backend, check_installed, panel_sql
from forecast.backtest.metrics import central_levels
from forecast.errors import ArgumentError, DataGapWarning
from forecast.events import EventFamily
from forecast.events.readers.registry import detect, output_kind
from forecast.events.sources import LoadedSource, combine_sources, load_panel, load_source
from forecast.io import SUCCESS, folder_outputs, write_success
from forecast.models import Forecaster, MultivariateHawkes, reconciled_models
from forecast.models.reconciled import check_reconcile
from forecast.models.base import ModelFitError
from forecast.report import long_samples, provenance, write_report
from forecast.report.choice import check_pinned
from forecast.report.context import Sides, headline_model, own_forecasts, run_record
from forecast.report.figures import run_figures
from forecast.series import (
    SeriesSpec,
    aggregate_panel,
    apply_transform,
    build_hierarchy,
    build_panel,
    check_model_support,
    dyad_label,
    invert_transform,
)
from forecast.series.panel import all_families
from forecast.series.selection import check_families

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout whose git state provenance records


@dataclass(frozen=True)
class ReportOptions:
    """What the report compares and which model it speaks for.

    Parameters
    ----------
    title, question : str, optional
        Overrides of the heading and the question, which are otherwise derived from the data.
    model : str, optional
        Pin the reported model; default the lowest backtest CRPS. A pinned model must be in the run.
    compare : sequence, optional
        The two dyads (``"CHN-RUS"`` or ``("CHN", "RUS")``), or two series ids of a
        panel, the headline compares; default the first two dyads of the series spec.
    family : str, optional
        The family of the headline comparison; default the first of the series.
    n_samples : int
        Joint sample paths of the reported model behind the headline (>= 1).

    Raises
    ------
    ArgumentError
        Naming ``n_samples`` when it is not an integer >= 1.
    """

    title: str | None = None
    question: str | None = None
    model: str | None = None
    compare: Sequence[Any] | None = None
    family: str | None = None
    n_samples: int = 2000

    def __post_init__(self) -> None:
        if isinstance(self.n_samples, bool) or not isinstance(self.n_samples, numbers.Integral) or self.n_samples < 1:
            raise ArgumentError("n_samples", f"expected an integer >= 1 (sample paths behind the headline), got {self.n_samples!r}.")


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
    command : str
        The command line that started the run, recorded in the provenance.
    engine : Engine
        Where the backtest runs (:mod:`forecast.backtest.engines`) and,
        for ``spark``, where the events -> panel aggregation runs.
    reconcile : {"none", "bottom_up", "mint_shrink"}
        ``none``: the models forecast the panel's series. Otherwise every series of the
        dyad hierarchy (:func:`forecast.series.build_hierarchy`: dyad, actor and panel
        totals) is backtested and forecast, and each model ``m`` gains a coherent twin
        ``m+<reconcile>`` (:class:`forecast.models.Reconciled`) scored beside it.
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
    command: str = ""
    engine: Engine = field(default_factory=Engine)
    reconcile: str = "none"


def _data_summary(source: LoadedSource, loaded: Sequence[LoadedSource]) -> dict:
    events = source.result.events
    per_dataset = events.groupby("source_dataset")["count"].agg(rows="size", events="sum")
    coverage = source.coverage.assign(start=lambda c: c["start"].astype(str), end=lambda c: c["end"].astype(str))
    return {
        **source.result.summary(),
        "events_total": int(events["count"].sum()),
        "per_dataset": per_dataset.reset_index().to_dict("records"),
        "coverage": coverage.to_dict("records"),
        # Readers account per input; an input can hold several datasets (the embedded file: two).
        "sources": [
            {**one.result.summary(), "datasets": sorted(one.coverage["source_dataset"].unique())} for one in loaded
        ],
    }


def _under_spec(error: ArgumentError, spec: type, prefix: str) -> ArgumentError:
    """``error`` named under ``prefix`` when its argument is a field of the dataclass ``spec``."""
    return error.under(prefix) if error.argument in spec.__dataclass_fields__ else error


def _check_report_sides(experiment: Experiment) -> None:
    """Check ``report.compare`` and ``report.family`` against the series the spec asks for, before the ingest.

    The report checks them against the panel, after the backtest; when the spec names its
    dyads alone (no country list, top-N or all countries), the panel's series are among
    ``series.dyads x series.families`` (plus each dyad's total when reconciling), so a
    comparison that fails here would fail there too.
    """
    spec = experiment.series
    if spec.countries or spec.all_countries or spec.top_n is not None:
        return
    families = [*spec.families, *(["total"] if experiment.reconcile != "none" else [])]
    ids = [f"{dyad_label(a, b, spec.directed)}/{family}" for a, b in spec.dyads for family in families]
    Sides(asdict(experiment.report), asdict(spec), list(dict.fromkeys(ids)))


def _sources(experiment: Experiment) -> list[tuple[Mapping[str, Any], str]]:
    """Each source of the experiment with the argument it came from (``data``, ``extra_data.<i>``)."""
    return [(experiment.data, "data"), *((s, f"extra_data.{i}") for i, s in enumerate(experiment.extra_data))]


def _load_source(options: Mapping[str, Any], where: str) -> LoadedSource:
    """:func:`load_source` with a bad option named under the source's argument (``data.path``)."""
    try:
        return load_source(**dict(options))
    except ArgumentError as error:
        raise error.under(where) from None


def _event_panel(experiment: Experiment, run_dir: Path) -> tuple[pd.DataFrame, dict[str, str], dict, list[str]]:
    """Events -> dyad panel; writes the events summary and the quarantine.

    Also returns the report caveats for the periods left out as gaps in the data.
    """
    loaded = [_load_source(s, where) for s, where in _sources(experiment)]
    try:
        source = combine_sources(loaded)
    except ArgumentError as error:
        raise ArgumentError("extra_data", error.detail) from None
    summary = _data_summary(source, loaded)
    (run_dir / "events_summary.json").write_text(json.dumps(summary, indent=2, default=str))
    source.result.quarantine.to_parquet(run_dir / "quarantine.parquet", index=False)
    log.info("events: %s rows, %s events", summary["rows_accepted"], summary["events_total"])
    caught: list[warnings.WarningMessage] = []
    try:
        with panel_sql(experiment.engine) as sql, warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            panel = build_panel(source.result.events, experiment.series, dict(experiment.families), source.coverage, sql)
    except ArgumentError as error:
        raise _under_spec(error, SeriesSpec, "series") from None
    finally:
        for warning in caught:  # passed on unchanged; the gaps are kept for the report too
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    gaps = [str(w.message).removeprefix("series: ") for w in caught if issubclass(w.category, DataGapWarning)]
    return panel, source.data_sha256, summary, [note[:1].upper() + note[1:] for note in gaps]


def _save_figure(figure: Figure, path: Path) -> None:
    figure.savefig(path, dpi=120)
    plt.close(figure)  # sweeps run many jobs in one process


def _panel_layout(panel: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Dyads and families of ``<dyad>/<family>`` ids for the fan chart; empty when ids do not follow it."""
    parts = panel["unique_id"].drop_duplicates().str.rsplit("/", n=1, expand=True)
    if parts.shape[1] != 2 or parts[1].isna().any():
        return [], []
    return list(dict.fromkeys(parts[0])), list(dict.fromkeys(parts[1]))


def _check_any_forecast(result: BacktestResult, stage: str, run_dir: Path, earlier: pd.DataFrame | None = None) -> None:
    """Raise when no model forecast any series, after writing ``failures.csv``."""
    if not result.frame.empty:
        return
    failures = pd.concat([f for f in (earlier, result.failures) if f is not None], ignore_index=True)
    failures.to_csv(run_dir / "failures.csv", index=False)
    first = result.failures.drop_duplicates("model")
    raise ModelFitError(
        f"no model could forecast any series in {stage} ("
        + "; ".join(f"{row.model}: {row.reason}" for row in first.itertuples())
        + f"); {run_dir / 'failures.csv'} lists every failure."
    )


def run(experiment: Experiment, run_dir: Path) -> Path:
    """Run one experiment and write every output into ``run_dir``.

    Writes ``events_summary.json``, ``panel.parquet``, ``denominators.parquet`` (source
    volume per period), ``backtest.parquet``, ``metrics.csv``, ``forecasts.parquet``,
    ``samples.parquet`` (joint sample paths of the reported model),
    ``figures/*.png`` with the manifest ``figures/figures.json`` the report reads them
    by (:func:`forecast.report.figures.run_figures`), ``config.yaml``, ``run.json``
    (what the report needs to know about the experiment), ``provenance.json``,
    ``report.md`` and ``report.html``; the report is built from these files alone
    (:func:`forecast.report.write_report`). With ``series.transform=log1p`` the models
    fit ``log1p(y)`` and the backtest, forecasts and samples are mapped back with
    ``expm1`` here, so every file is on the measure's scale. With ``data.format=panel``
    the panel file goes straight to the models (no event ingest, no series builder) and
    its ``y`` is taken as a count. ``failures.csv`` lists every model, series and cutoff
    that could not be forecast, with the reason (:data:`forecast.backtest.FAILURE_COLUMNS`);
    the run goes on without them.

    Parameters
    ----------
    experiment : Experiment
        What to run.
    run_dir : Path
        Output folder (created).

    Raises
    ------
    ArgumentError
        Naming ``models`` when there is none, ``report.model`` when the pinned model is
        not in the run, ``report.compare`` / ``report.family`` when the run lacks them.
    ModelFitError
        When no model could forecast any series in the backtest or in the final forecast
        (``failures.csv`` is written first).

    Returns
    -------
    Path
        ``run_dir``.
    """
    started = time.perf_counter()
    if not experiment.models:
        raise ArgumentError("models", "no model selected: pass at least one.")
    check_reconcile(experiment.reconcile)
    if not central_levels(experiment.backtest.quantiles):  # checked here: the coverage figure fails only after the backtest
        raise ArgumentError(
            "backtest.quantiles",
            f"{list(experiment.backtest.quantiles)} has no central interval, two levels q and 1 - q such as 0.1 and "
            "0.9, which the coverage figure and report need; add such a pair.",
        )
    twins = [f"{name}+{experiment.reconcile}" for name in experiment.models if experiment.reconcile != "none"]
    try:  # before the backtest, so a typo costs nothing
        check_pinned([*experiment.models, *twins], experiment.report.model)
    except ArgumentError as error:
        raise error.under("report") from None
    try:  # before the ingest, so a missing engine costs nothing
        check_installed(experiment.engine.name)
    except ArgumentError as error:
        raise error.under("engine") from None
    if experiment.data["format"] == "auto" and experiment.data.get("path") is not None:
        # data=auto: a ready panel goes the data=panel way, not down the event path
        if output_kind(detect(experiment.data["path"])) == "panel":
            experiment = replace(experiment, data={**experiment.data, "format": "panel"})
    is_panel = output_kind(experiment.data["format"]) == "panel"
    # A ready panel's y is taken as a count; events give the series spec's measure.
    measure, transform = ("count", "none") if is_panel else (experiment.series.measure, experiment.series.transform)
    try:  # before the ingest, as the checks below
        caveats = check_model_support(measure, transform, experiment.models)
    except ArgumentError as error:  # measure/transform are the series spec's
        raise error.under("series") from None
    if not is_panel:  # before the ingest, so a misspelt family costs nothing
        try:
            check_families(experiment.series.families, all_families(experiment.series, experiment.families))
        except ArgumentError as error:
            raise error.under("series") from None
        _check_report_sides(experiment)
    run_dir = Path(run_dir)
    # A rerun into a finished folder: its old marker goes before the first write, so a rerun that fails or is
    # killed leaves the folder visibly unfinished (no _SUCCESS) rather than vouched for with stale hashes.
    (run_dir / SUCCESS).unlink(missing_ok=True)
    (run_dir / "figures").mkdir(parents=True, exist_ok=True)

    data = experiment.data
    if is_panel:
        panel, data_sha256 = load_panel(data["path"], dayfirst=data.get("dayfirst"))
        fractional = panel["y"].to_numpy(dtype=float) % 1 != 0
        if fractional.any():  # a ready panel's y is taken as a count, so say when it is not one
            first = panel[fractional].iloc[0]
            caveat = (
                f"{int(fractional.sum())} panel values are not whole numbers (first: {first['unique_id']} at "
                f"{pd.Timestamp(first['ds']).date()}, {first['y']:g}); count model(s) {list(experiment.models)} treat "
                "them as counts, so their means are usable but their intervals are approximate, and those outcomes "
                "have no log score."
            )
            log.warning(caveat)
            caveats = [*caveats, caveat]
        summary = {"format": "panel", "series": int(panel["unique_id"].nunique()), "periods": int(panel["ds"].nunique())}
        (run_dir / "events_summary.json").write_text(json.dumps(summary, indent=2, default=str))
        dyads, families = _panel_layout(panel)
        kind, series, family_rules = "panel", None, {}
    else:
        spec = experiment.series
        panel, data_sha256, summary, gap_notes = _event_panel(experiment, run_dir)
        caveats = [*caveats, *gap_notes]
        # Dyads as the panel resolved them (country lists and top-N have no spec.dyads).
        dyads = list(dict.fromkeys(panel["dyad"]))
        families = list(spec.families)
        denominators = panel[["segment", "ds", "denominator"]].drop_duplicates().sort_values("ds")
        denominators.to_parquet(run_dir / "denominators.parquet", index=False)
        kind, series = "events", asdict(spec)
        family_rules = {name: asdict(family) for name, family in all_families(spec, experiment.families).items()}
    backtest_spec = experiment.backtest
    models = dict(experiment.models)
    fit_panel = apply_transform(panel, transform)
    if experiment.reconcile != "none":
        fit_panel, models = _hierarchy_run(panel, kind, transform, models, experiment)
        # The report shows each dyad's total beside its families (panel.parquet is what it reads).
        totals = fit_panel[fit_panel["unique_id"].str.endswith("/total") & fit_panel["unique_id"].str[:-6].isin(dyads)]
        # A dyad's period metadata (sides, segment, coverage, denominator) is its families'.
        meta = panel.drop(columns=["unique_id", "y", "family"]).drop_duplicates(["dyad", "ds"])
        totals = totals.assign(dyad=totals["unique_id"].str[:-6], family="total").merge(meta, on=["dyad", "ds"], how="left")
        panel = pd.concat([panel, totals[panel.columns]], ignore_index=True)
        family_rules["total"] = {
            "description": f"The dyad's families summed; each model's {experiment.reconcile} twin forecasts it "
            "as the sum of its family forecasts on every sample path."
        }
    # The report's sides against the series the run has, before the backtest: a ready panel or a country list
    # / top-N spec is only known here, and a comparison the report cannot make would fail after all the work.
    sides = Sides(asdict(experiment.report), series, list(dict.fromkeys(panel["unique_id"])))
    panel.to_parquet(run_dir / "panel.parquet", index=False)
    with backtest_backend(experiment.engine, backtest_spec.n_jobs) as n_jobs:
        try:
            scored = run_backtest(fit_panel, models, replace(backtest_spec, n_jobs=n_jobs))
        except ArgumentError as error:  # the protocol does not fit the panel: n_windows
            raise _under_spec(error, BacktestSpec, "backtest") from None
    _check_any_forecast(scored, "the backtest", run_dir)
    backtest = invert_transform(scored.frame, transform)
    backtest.to_parquet(run_dir / "backtest.parquet", index=False)
    metrics = metrics_table(backtest, reference=experiment.reference)
    metrics.to_csv(run_dir / "metrics.csv", index=False)

    final = final_forecasts(fit_panel, models, backtest_spec)
    _check_any_forecast(final, "the final forecast", run_dir, earlier=scored.failures)
    forecasts = invert_transform(final.frame, transform)
    forecasts.to_parquet(run_dir / "forecasts.parquet", index=False)
    failures = pd.concat([scored.failures, final.failures], ignore_index=True)
    failures.to_csv(run_dir / "failures.csv", index=False)
    if not failures.empty:
        log.warning("%d model/series/cutoff failures recorded in failures.csv", len(failures))

    options = experiment.report
    # Only a model with final forecasts of its own for the compared series can be reported (the report
    # chooses the same way from the files); its paths are drawn for the series it forecast itself.
    forecast_models = list(dict.fromkeys(forecasts["model"]))
    report_model = headline_model(backtest, forecasts, failures, sides.needed(), options.model).model
    reported = forecasts[
        (forecasts["model"] == report_model) & forecasts["unique_id"].isin(own_forecasts(forecasts, failures, report_model))
    ]
    full_panel = fit_panel[["unique_id", "ds", "y"]]

    def fitted_on(name: str, part: pd.DataFrame) -> Forecaster:
        # final_forecasts keeps a model fitted in one piece; one refitted series by series is fitted again here.
        return final.fitted[name] if name in final.fitted else models[name].clone().fit(part)

    fitted = fitted_on(report_model, full_panel[full_panel["unique_id"].isin(reported["unique_id"].unique())])
    _samples(fitted, reported, options.n_samples, experiment.seed, transform).assign(model=report_model).to_parquet(
        run_dir / "samples.parquet", index=False
    )
    # Excitation heatmaps need the fitted state of every Hawkes model that forecast.
    hawkes = {name: fitted_on(name, full_panel) for name in forecast_models if isinstance(models[name], MultivariateHawkes)}
    drawn = run_figures(panel=panel, backtest=backtest, forecasts=forecasts, metrics=metrics,
                        fitted={**hawkes, report_model: fitted}, model=report_model, dyads=dyads,
                        families=families, reference=experiment.reference, seed=int(experiment.seed))
    records = []
    for stem, figure, record in drawn:
        _save_figure(figure, run_dir / "figures" / f"{stem}.png")
        records.append({"path": f"figures/{stem}.png", **record})
    (run_dir / "figures" / "figures.json").write_text(json.dumps(records, indent=2))

    (run_dir / "config.yaml").write_text(experiment.config_yaml)
    formats = [source["format"] for source in (data, *experiment.extra_data)]
    record = run_record(
        report=asdict(options),
        data={"kind": kind, "format": data["format"], "path": data.get("path"), "formats": formats,
              # the events' datasets: what the report's attribution cites (a store can hold GDELT)
              "datasets": sorted({c["source_dataset"] for c in summary.get("coverage", [])})},
        series=series,
        families=family_rules,
        horizon=backtest_spec.horizon,
        seed=experiment.seed,
        reference=experiment.reference,
        caveats=caveats,
    )
    (run_dir / "run.json").write_text(json.dumps(record, indent=2))
    prov = provenance(repo=REPO_ROOT, data_sha256=data_sha256, seed=int(experiment.seed), code=Path(__file__))
    prov |= {"command": experiment.command, "wall_time_s": round(time.perf_counter() - started, 1)}
    (run_dir / "provenance.json").write_text(json.dumps(prov, indent=2))
    write_report(run_dir)
    write_success(run_dir, folder_outputs(run_dir))  # last: forecast-report and forecast-compare require it
    return run_dir


def _hierarchy_run(
    panel: pd.DataFrame, kind: str, transform: str, models: dict[str, Forecaster], experiment: Experiment
) -> tuple[pd.DataFrame, dict[str, Forecaster]]:
    """Every series of the panel's hierarchy, and the models plus their reconciled twins."""
    if kind == "panel":
        raise ArgumentError(
            "reconcile", "a ready panel (data.format=panel) has no dyads and families to sum; use reconcile=none."
        )
    if transform != "none":
        raise ArgumentError(
            "reconcile", f"series.transform={transform} does not add up across series; use series.transform=none."
        )
    hierarchy = build_hierarchy(panel)
    twins = reconciled_models(models, hierarchy.S, experiment.reconcile, seed=int(experiment.seed))
    return aggregate_panel(panel, hierarchy), {**models, **twins}


def _samples(model: Forecaster, forecasts: pd.DataFrame, n_samples: int, seed: int, transform: str) -> pd.DataFrame:
    """Joint sample paths of a fitted model over its forecast horizon, on the measure's scale.

    The series and dates are read off the model's own ``forecasts`` (in ``predict``'s
    order, which is the order of the sample array's rows).
    """
    ids = list(dict.fromkeys(forecasts["unique_id"]))
    dates = sorted(forecasts["ds"].unique())
    paths = model.sample(len(dates), n_samples, rng=np.random.default_rng(seed))
    return invert_transform(long_samples(paths, ids, dates), transform)


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
