"""The report context: everything the run report shows, built from the run folder's files alone.

:func:`build_context` reads what the pipeline wrote (``run.json``, ``events_summary.json``,
``panel.parquet``, ``backtest.parquet``, ``metrics.csv``, ``forecasts.parquet``,
``samples.parquet``, ``provenance.json``, ``config.yaml`` and, when present,
``failures.csv``, ``figures/figures.json`` and Hydra's ``.hydra/overrides.yaml``) and
returns one plain mapping that both the HTML and the Markdown templates render. So
``forecast-report run_dir=...`` rebuilds the same report from a copied folder.

``run.json`` (see :func:`run_record`) holds what the report needs to know about the
experiment as plain data: the report options, the data source, the series spec, the
event families, the horizon, seed, reference model and the measure caveats.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from forecast.backtest import leaderboard
from forecast.backtest.calibration import calibration_gap_noise
from forecast.backtest.compare import KEYS, common_rows, row_losses
from forecast.backtest.metrics import interval_hit, overall
from forecast.columns import parse_quantile_column, quantile_column, quantile_levels
from forecast.errors import ArgumentError
from forecast.events.attribution import attribution
from forecast.report.blocks import Figure, Table, count, p_value, partition, percent, score, signed, words_list
from forecast.report.choice import ModelChoice, choose_model
from forecast.report.headline import RATIO_LEVEL, compare, skill_interval, total, trend
from forecast.report.wording import (
    date_words,
    dyad_name,
    family_name,
    frequency_adjective,
    horizon_adjective,
    horizon_words,
    period_unit,
    series_name,
    split_series_id,
)
from forecast.series import describe_measure

#: Measures whose values are counts, printed as integers.
COUNT_MEASURES = ("count", "event_days")
#: Periods per year by unit: a series shorter than a year (or than 3 horizons) is flagged short.
PERIODS_PER_YEAR = {"day": 365, "week": 52, "month": 12, "quarter": 4, "year": 1}
#: A series with more zeros than this share gets a caveat.
MOSTLY_ZERO = 0.5
#: Unresolved-actor rates above this get a caveat.
HIGH_UNRESOLVED = 0.2
#: Bootstrap replicates of the leaderboard intervals.
N_BOOT = 2000
#: What a run folder must hold for its report to be built.
REQUIRED_FILES = ("run.json", "panel.parquet", "backtest.parquet", "metrics.csv", "forecasts.parquet")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _node(mapping: Mapping | None, *keys: str, default: Any = None) -> Any:
    for key in keys:
        if not isinstance(mapping, Mapping) or key not in mapping:
            return default
        mapping = mapping[key]
    return default if mapping is None else mapping


def _panel_freq(panel: pd.DataFrame) -> str:
    if "freq" in panel and panel["freq"].notna().any():
        return str(panel["freq"].dropna().iloc[0])
    dates = pd.DatetimeIndex(sorted(panel["ds"].unique()))
    return (pd.infer_freq(dates) if len(dates) >= 3 else None) or "period"


def _dyad_key(dyad: str | Sequence[str]) -> frozenset[str] | str:
    """``CHN-RUS`` and ``[RUS, CHN]`` both -> {CHN, RUS}: undirected matching of configured dyads."""
    parts = dyad.split("-") if isinstance(dyad, str) else list(dyad)
    return frozenset(parts) if len(parts) == 2 else str(dyad)


def _same_dyad(label: str, item: str | Sequence[str]) -> bool:
    """Whether the panel's dyad ``label`` is the configured ``item``: a pair matches a directed ``CHN>RUS`` in its order."""
    if not isinstance(item, str) and ">" in label:
        return label.split(">") == [str(part) for part in item]
    return _dyad_key(label) == _dyad_key(item)


def _dataset_accounting(summary: Mapping) -> dict[str, tuple[int, int, int]]:
    """Rows read, quarantined and duplicate per dataset, where the readers' accounting allows it.

    A reader accounts per input (``summary["sources"]``), and one input can hold several
    datasets (the embedded file holds icews18 and icews21). Per dataset the numbers are
    exact when the input holds one dataset, or when it quarantined and dropped nothing
    (then every row read was accepted).
    """
    accepted = {row["source_dataset"]: row["rows"] for row in summary.get("per_dataset", [])}
    out = {}
    for source in summary.get("sources", []):
        datasets = [d for d in source.get("datasets", []) if d in accepted]
        if len(datasets) == 1:
            out[datasets[0]] = (source["rows_read"], source["rows_quarantined"], source["rows_duplicate"])
        elif source.get("rows_quarantined") == 0 and source.get("rows_duplicate") == 0:
            out |= {d: (accepted[d], 0, 0) for d in datasets}
    return out


class RunFolder:
    """The files of a run folder the report is built from, each read once."""

    def __init__(self, run_dir: Path) -> None:
        self.root = Path(run_dir)
        missing = [name for name in REQUIRED_FILES if not (self.root / name).is_file()]
        if missing:
            raise ArgumentError(
                "run_dir", f"{str(self.root)!r} lacks {', '.join(missing)}; pass a run folder written by forecast-run."
            )
        self.info: dict = json.loads((self.root / "run.json").read_text(encoding="utf-8"))
        config = self.root / "config.yaml"
        self.config_text = config.read_text(encoding="utf-8") if config.is_file() else "(no config.yaml in the run folder)"
        self.summary: dict = _read_json(self.root / "events_summary.json") or {}
        self.provenance: dict = _read_json(self.root / "provenance.json") or {}
        self.panel = pd.read_parquet(self.root / "panel.parquet")
        self.backtest = pd.read_parquet(self.root / "backtest.parquet")
        self.metrics = pd.read_csv(self.root / "metrics.csv")
        self.forecasts = pd.read_parquet(self.root / "forecasts.parquet")
        samples = self.root / "samples.parquet"
        self.samples = pd.read_parquet(samples) if samples.is_file() else None
        failures = self.root / "failures.csv"
        self.failures = pd.read_csv(failures) if failures.is_file() else None
        overrides = self.root / ".hydra" / "overrides.yaml"
        self.overrides = [str(o) for o in yaml.safe_load(overrides.read_text()) or []] if overrides.is_file() else None


def overall_scores(metrics: pd.DataFrame, metric: str = "crps") -> dict[str, float]:
    """Model -> overall backtest ``metric`` from a ``metrics.csv`` frame, in the run's model order."""
    table = overall(metrics)
    values = table[table["metric"] == metric].set_index("model")["value"]
    models = list(dict.fromkeys(metrics["model"]))
    return {model: float(values.get(model, np.nan)) for model in models}


def shared_scores(backtest: pd.DataFrame, models: Sequence[str], metric: str = "crps") -> dict[str, float]:
    """Model -> mean per-row ``metric`` on the forecasts every scored model made, as the leaderboard ranks them.

    A model that failed some hard series would otherwise win on the easier rest. A model
    without any scored row gets NaN (never chosen by score); models that share no forecast
    at all fall back to each one's mean over its own rows.
    """
    losses = row_losses(backtest[backtest["model"].isin(models)], metric)
    losses = losses[losses["loss"].notna()]
    try:
        means = common_rows(losses, metric).groupby("model")["loss"].mean()
    except ValueError:  # no forecast in common: nothing to compare like with like
        means = losses.groupby("model")["loss"].mean()
    return {model: float(means.get(model, np.nan)) for model in models}


def reported_model(backtest: pd.DataFrame, models: Sequence[str], pinned: str | None) -> ModelChoice:
    """The model the report speaks for (see :func:`forecast.report.choice.choose_model`), by :func:`shared_scores`.

    Raises
    ------
    ArgumentError
        ``report.model`` when the pinned model is not in the run.
    """
    try:
        return choose_model(shared_scores(backtest, models), pinned)
    except ArgumentError as error:
        raise error.under("report") from None


def own_forecasts(forecasts: pd.DataFrame, failures: pd.DataFrame | None, model: str) -> list[str]:
    """Series ``model`` forecast itself in the final forecast: its rows less those a fallback lent it (failures.csv)."""
    ids = list(dict.fromkeys(forecasts.loc[forecasts["model"] == model, "unique_id"]))
    if failures is None or failures.empty:
        return ids
    mine = failures[(failures["model"] == model) & (failures["stage"] == "forecast")]
    lent = set(mine["unique_id"].astype(str))
    return [i for i in ids if i not in lent]


def headline_model(
    backtest: pd.DataFrame,
    forecasts: pd.DataFrame,
    failures: pd.DataFrame | None,
    needed: Sequence[str],
    pinned: str | None,
    scored: Sequence[str] = (),
) -> ModelChoice:
    """The model the headline speaks for: by :func:`reported_model` among those that forecast every ``needed`` series.

    The pipeline draws ``samples.parquet`` from this model and the report reads it back, so
    both call this. A model without a final forecast of its own (failed, or lent by the
    fallback) for a series the headline compares cannot answer the question: it is left
    out, and the reason says so.

    Parameters
    ----------
    backtest, forecasts : pandas.DataFrame
        The run's backtest and final forecasts.
    failures : pandas.DataFrame, optional
        ``failures.csv``: its ``forecast`` rows mark series a model did not forecast itself.
    needed : sequence of str
        Series ids the headline compares.
    pinned : str, optional
        ``report.model``.
    scored : sequence of str
        The backtest's models in ``metrics.csv`` order (the order the reason lists them in).

    Raises
    ------
    ArgumentError
        ``report.model`` when the pinned model lacks a ``needed`` series, ``report.compare``
        when no model forecast them all.
    """
    order = list(dict.fromkeys([*scored, *forecasts["model"]]))
    lacking = {m: [i for i in needed if i not in set(own_forecasts(forecasts, failures, m))] for m in order}
    candidates = [m for m in order if not lacking[m]]
    if pinned is not None and pinned in lacking and lacking[pinned]:
        raise ArgumentError(
            "report.model", f"{pinned!r} has no final forecast of {', '.join(lacking[pinned])} (failures.csv says why); "
            "pin another model, or set it to null to report the best one that forecast the compared series."
        )
    if not candidates:
        missing = sorted({i for ids in lacking.values() for i in ids})
        raise ArgumentError(
            "report.compare", f"no model has a final forecast of {', '.join(missing)} (failures.csv says why); compare other series."
        )
    choice = reported_model(backtest, candidates, pinned)
    notes = [
        f"{m}: no final forecast" + ("" if m not in set(forecasts["model"]) else f" of {', '.join(ids)}")
        for m, ids in lacking.items()
        if ids
    ]
    return ModelChoice(choice.model, f"{choice.reason} ({'; '.join(notes)}, see failures.csv)") if notes else choice


class Sides:
    """The series of the headline: a lead comparison of two dyads (or series), then the other families.

    A run of one dyad (or a panel of one series) with ``report.compare`` null has one side:
    the headline gives its forecast totals and compares nothing.
    """

    def __init__(self, report_cfg: Mapping, series_cfg: Mapping | None, ids: Sequence[str]) -> None:
        split = [split_series_id(i) for i in ids]
        self.by_family = all(family is not None for _, family in split)
        self.families = list(dict.fromkeys(f for _, f in split)) if self.by_family else []
        self.dyads = list(dict.fromkeys(d for d, _ in split)) if self.by_family else list(ids)
        chosen = _node(report_cfg, "compare")
        if chosen is None:
            chosen = self._default_pair(series_cfg)
        else:
            chosen = [chosen] if isinstance(chosen, str) else chosen  # one dyad, not a sequence of its letters
            if len(chosen) != 2:
                raise ArgumentError("report.compare", f"name exactly two {self._kind()}, got {list(chosen)}.")
        self.pair = [self._match(item) for item in chosen]
        # A panel of plain series ids has no families to choose from: report.family does not apply.
        family = _node(report_cfg, "family") if self.by_family else None
        if family is not None and family not in self.families:
            raise ArgumentError(
                "report.family", f"{family!r} is not a family of this run; families: {', '.join(self.families)} (or null for the first)."
            )
        self.lead_family = family if family is not None else (self.families[0] if self.families else None)
        absent = [i for i in self.needed() if i not in set(ids)]  # a dyad without the family of the other
        if absent:
            raise ArgumentError(
                "report.compare", f"series {absent} are not in the run, so the headline cannot compare them; "
                f"series in the run: {sorted(ids)}."
            )

    def _kind(self) -> str:
        return "dyads" if self.by_family else "series"

    def _default_pair(self, series_cfg: Mapping | None) -> list:
        # The first two dyads of the series spec, when the run has them; else the first two in the panel
        # (one when the run has one).
        configured = [d for d in _node(series_cfg, "dyads", default=[]) if self._find(d) is not None]
        return configured[:2] if len(configured) >= 2 else self.dyads[:2]

    @property
    def single(self) -> bool:
        """Whether the headline has one side: a forecast, no comparison."""
        return len(self.pair) == 1

    def _find(self, item: str | Sequence[str]) -> str | None:
        if isinstance(item, str) and item in self.dyads:
            return item
        return next((d for d in self.dyads if _same_dyad(d, item)), None)

    def _match(self, item: str | Sequence[str]) -> str:
        found = self._find(item)
        if found is None:
            raise ArgumentError("report.compare", f"{item!r} is not among the run's {self._kind()}: {', '.join(self.dyads)}.")
        return found

    def ids(self, dyad: str, family: str | None) -> list[str]:
        """Series ids of one side."""
        return [f"{dyad}/{family}"] if family is not None else [dyad]

    def needed(self) -> list[str]:
        """Every series id the headline compares."""
        return list(dict.fromkeys(i for _, a, b in self.comparisons() for i in (*a, *b)))

    def comparisons(self) -> list[tuple[str | None, list[str], list[str]]]:
        """``(family, ids_a, ids_b)`` for the lead family first, then every other family; ``ids_b`` empty when single."""
        families = [self.lead_family, *[f for f in self.families if f != self.lead_family]] if self.by_family else [None]
        a, b = self.pair if not self.single else (self.pair[0], None)
        return [(family, self.ids(a, family), [] if b is None else self.ids(b, family)) for family in families]


def _side_name(dyad: str, family: str | None) -> str:
    return f"{dyad_name(dyad)} {family_name(family)}" if family else series_name(dyad)


class ContextBuilder:
    """Builds the context of one run folder, section by section."""

    def __init__(self, run: RunFolder, figures: Sequence[Figure] | None = None) -> None:
        self.run = run
        info = run.info
        self.report_cfg = _node(info, "report", default={})
        self.series_cfg = _node(info, "series")
        self.is_panel_data = _node(info, "data", "kind") == "panel"
        self.measure = "count" if self.is_panel_data else _node(self.series_cfg, "measure", default="count")
        self.transform = "none" if self.is_panel_data else _node(self.series_cfg, "transform", default="none")
        self.freq = _panel_freq(run.panel)
        self.horizon = int(info["horizon"])
        self.seed = int(info["seed"])
        self.reference = _node(info, "reference")
        self.ids = list(dict.fromkeys(run.panel["unique_id"]))
        self.sides = Sides(self.report_cfg, self.series_cfg, self.ids)
        # As the pipeline chose it (samples.parquet holds its paths).
        self.choice = headline_model(
            run.backtest, run.forecasts, run.failures, self.sides.needed(), _node(self.report_cfg, "model"),
            scored=list(dict.fromkeys(run.metrics["model"])),
        )
        self.value = count if self.measure in COUNT_MEASURES else score
        self.figures = list(figures) if figures is not None else self._figures()

    # -- wording -------------------------------------------------------------------
    def _lead_names(self) -> tuple[str, ...]:
        family = self.sides.lead_family
        return tuple(_side_name(d, family) for d in self.sides.pair)

    def _sources(self) -> str:
        if self.is_panel_data:
            return f"the panel file {Path(str(_node(self.run.info, 'data', 'path', default='panel'))).name}"
        names = [row["source_dataset"] for row in self.run.summary.get("per_dataset", [])]
        return words_list(names) + " events" if names else "coded events"

    def title(self) -> str:
        given = _node(self.report_cfg, "title")
        if given:
            return str(given)
        sides = " vs ".join(dyad_name(d) for d in self.sides.pair)
        what = words_list([family_name(f) for f in self.sides.families]) or "series"
        return f"{sides}: {frequency_adjective(self.freq)} {what}, {horizon_adjective(self.horizon, self.freq)} forecast"

    def question(self) -> str:
        given = _node(self.report_cfg, "question")
        if given:
            return str(given)
        if self.sides.single:
            return f"What will {self._lead_names()[0]} total over the next {horizon_words(self.horizon, self.freq)}?"
        a, b = self._lead_names()
        return f"Is {a} rising relative to {b}?"

    def scope(self) -> str:
        dyads = words_list([series_name(d) for d in self.sides.dyads]) if self.sides.by_family else None
        families = words_list([family_name(f) for f in self.sides.families])
        subject = f"{families} between {dyads}" if dyads else words_list([series_name(i) for i in self.sides.dyads])
        return (
            f"{frequency_adjective(self.freq).capitalize()} {self.measure.replace('_', ' ')} series of {subject}, "
            f"from {self._sources()}, with {horizon_adjective(self.horizon, self.freq)}-ahead probabilistic forecasts."
        )

    # -- headline ------------------------------------------------------------------
    def _forecast_window(self) -> str:
        dates = sorted(pd.to_datetime(self.run.forecasts["ds"].unique()))
        return f"{date_words(dates[0], self.freq)} to {date_words(dates[-1], self.freq)}"

    def headline(self) -> dict:
        samples = self.run.samples
        h_words = horizon_words(self.horizon, self.freq)
        out: dict[str, Any] = {"model": self.choice.model, "model_reason": self.choice.reason, "window": self._forecast_window()}
        if samples is None or samples.empty:
            out |= {"lead": None, "missing": "This run has no forecast sample paths (samples.parquet), so the headline cannot be computed."}
            return out
        model = str(samples["model"].iloc[0]) if "model" in samples else self.choice.model
        if model != self.choice.model:
            raise ArgumentError(
                "report.model", f"samples.parquet holds paths of {model!r} but the report speaks for {self.choice.model!r}; rerun the pipeline."
            )
        if self.sides.single:
            out |= self._forecast_lines(samples, h_words)
        else:
            out |= self._comparison_lines(samples, h_words)
        out["trend"] = self._trend_table(samples, h_words)
        out["trust"] = self._trust()
        return out

    def _forecast_lines(self, samples: pd.DataFrame, h_words: str) -> dict:
        """The headline of one side: its forecast total per family, nothing compared."""
        lines = []
        for family, ids, _ in self.sides.comparisons():
            try:
                median, low, high = total(samples, ids)
            except ArgumentError as error:  # the samples lack the series: report.compare
                raise error.under("report") from None
            lines.append(
                {
                    "statement": (
                        f"Forecast total of {_side_name(self.sides.pair[0], family)} over the next {h_words}: "
                        f"{self.value(median)} ({percent(RATIO_LEVEL, 0)} interval {self.value(low)} to {self.value(high)})"
                    ),
                    "ties": None, "ratio": None, "totals": None,
                }
            )
        method = (
            f"Computed from {self.choice.model}'s sample paths (seed {self.seed}): each path is summed over the "
            f"{h_words}; the median and the central {percent(RATIO_LEVEL, 0)} interval are taken over the "
            f"{samples['sample'].nunique():,} paths."
        )
        return {"lead": lines[0], "others": lines[1:], "method": method}

    def _comparison_lines(self, samples: pd.DataFrame, h_words: str) -> dict:
        """The headline of two sides: P(A > B), ties, the ratio and both totals, per family."""
        h_adjective = horizon_adjective(self.horizon, self.freq)
        lines = []
        for family, ids_a, ids_b in self.sides.comparisons():
            try:
                result = compare(samples, ids_a, ids_b)
            except ArgumentError as error:  # a side the samples lack: report.compare
                raise error.under("report") from None
            a, b = (_side_name(d, family) for d in self.sides.pair)
            # Above, equal and below partition the paths: printed one by one they could add up to 1.01.
            greater, equal, less = partition([result.exceedance.greater, result.exceedance.equal, result.exceedance.less])
            lines.append(
                {
                    "statement": f"P({a} > {b} over the next {h_words}) = {greater}",
                    "ties": (
                        f"Equal totals: {equal}; "
                        f"{a} below {b}: {less} ({result.exceedance.n_paths:,} joint sample paths)."
                    ),
                    "ratio": (
                        f"Forecast ratio of the {h_adjective} totals, ({a} + 1) / ({b} + 1): median {score(result.ratio.median)}, "
                        f"{percent(result.ratio.level, 0)} interval {score(result.ratio.low)} to {score(result.ratio.high)}."
                    ),
                    "totals": (
                        f"Totals over the {h_words}: {a} {self.value(result.total_a[0])} "
                        f"({self.value(result.total_a[1])} to {self.value(result.total_a[2])}), "
                        f"{b} {self.value(result.total_b[0])} ({self.value(result.total_b[1])} to {self.value(result.total_b[2])}); "
                        f"medians with {percent(result.ratio.level, 0)} intervals."
                    ),
                }
            )
        method = (
            f"Computed from {self.choice.model}'s joint sample paths (seed {self.seed}): each path is summed over the "
            f"{h_words} and the two sides are compared path by path. Ties count as not exceeding and are reported "
            "separately. The ratio adds 1 to both totals so it is defined when a total is zero; this pulls small "
            "ratios towards 1."
        )
        return {"lead": lines[0], "others": lines[1:], "method": method}

    def _trend_table(self, samples: pd.DataFrame, h_words: str) -> Table:
        table = trend(samples, self.run.panel)
        rows = [
            (
                series_name(r.unique_id),
                f"{date_words(r.window_start, self.freq)} to {date_words(r.window_end, self.freq)}",
                self.value(r.observed),
                f"{self.value(r.median)} ({self.value(r.low)} to {self.value(r.high)})",
                *partition([r.p_up, r.p_equal, r.p_down])[:2],  # P(lower) is the rest, so the three are rounded together
                r.direction,
            )
            for r in table.itertuples()
        ]
        return Table.build(
            ["Series", f"Last observed {h_words}", "Observed total", "Forecast total, median (80%)", "P(higher)", "P(equal)", "Direction"],
            rows,
            caption=(
                f"Will the total of the next {h_words} exceed that of the last {h_words} observed? The more probable "
                "direction is named with the ICD 203 term of its probability: 'likely' from 0.55, 'very likely' from "
                "0.80, 'almost certainly' from 0.95; below 0.55 on both sides (a roughly even chance), 'no clear change'."
            ),
            numeric=[False, False, True, True, True, True, False],
        )

    def _board(self) -> pd.DataFrame:
        models = set(self.run.backtest["model"])
        reference = self.reference if self.reference in models else None
        return leaderboard(self.run.backtest, "crps", reference=reference, n_boot=N_BOOT, seed=self.seed)

    def _overall_metric(self, model: str, metric: str) -> float:
        table = overall(self.run.metrics)
        values = table[(table["model"] == model) & (table["metric"] == metric)]["value"]
        return float(values.iloc[0]) if len(values) else np.nan

    def _coverage(self, model: str, level: str = "0.8") -> float:
        return self._overall_metric(model, f"coverage_{level}")

    def _noise(self, model: str) -> str:
        """The gap a calibrated forecast shows by chance on the model's scored outcomes, as a sentence."""
        rows = self.run.backtest[(self.run.backtest["model"] == model) & self.run.backtest["y"].notna()]
        levels = quantile_levels(rows)
        if rows.empty or not levels:
            return ""
        rng = np.random.default_rng(self.seed)
        independent = calibration_gap_noise(np.arange(len(rows)), levels, rng)
        forecasts = rows.groupby(["unique_id", "cutoff"], sort=False).ngroup().to_numpy()
        together = calibration_gap_noise(forecasts, levels, rng)
        return (
            f" By chance alone, a calibrated forecast scored on these {len(rows):,} outcomes shows a gap above "
            f"{score(independent)} one time in 20 if they are independent, and above {score(together)} if the leads "
            f"of each of its {forecasts.max() + 1:,} forecasts move together."
        )

    def _trust(self) -> str:
        board = self._board().set_index("model")
        model = self.choice.model
        coverage = self._coverage(model)
        n = int((self.run.backtest["model"] == model).sum())
        # Coverage of closed count intervals over-states calibration, so it never stands alone.
        gap = score(self._overall_metric(model, "calibration_gap"))
        cover = (
            f"Its 80% intervals held {percent(coverage)} of {n:,} backtest outcomes (closed intervals of counts: a "
            f"calibrated forecast holds at least 80%); beside that, its calibration gap is {gap} (the largest "
            f"violation, over the quantile levels, of the count-calibration test; 0 passes at every level).{self._noise(model)}"
        )
        if self.reference is None:
            return f"No skill reference was set (evaluation.reference=null), so no skill is reported. {cover}"
        if self.reference not in board.index:
            return f"The reference model {self.reference} has no backtest forecasts in this run, so no skill is reported. {cover}"
        if model == self.reference:
            return f"{model} is itself the reference model ({self.reference}). {cover}"
        row, ref = board.loc[model], board.loc[self.reference]
        skill, low, high = skill_interval(row["crps"], ref["crps"], row["ci_low"], row["ci_high"])
        return (
            f"Backtest CRPS skill against {self.reference}: {percent(skill)} (95% block-bootstrap interval "
            f"{percent(low)} to {percent(high)}; positive is better than {self.reference}). {cover}"
        )

    # -- data ----------------------------------------------------------------------
    def data_table(self) -> Table | None:
        summary = self.run.summary
        if self.is_panel_data:
            return Table.build(
                ["Source", "Series", "Periods"],
                [(self._sources(), count(summary.get("series")), count(summary.get("periods")))],
                caption="A pre-aggregated panel: no event ingest.",
                numeric=[False, True, True],
            )
        coverage = {c["source_dataset"]: c for c in summary.get("coverage", [])}
        unresolved = summary.get("unresolved_actor_rate", {})
        accounting = _dataset_accounting(summary)
        rows = []
        for item in summary.get("per_dataset", []):
            name = item["source_dataset"]
            window = coverage.get(name, {})
            read, quarantined, duplicate = accounting.get(name, (None, None, None))
            rows.append(
                (
                    name,
                    count(read),
                    count(item.get("rows")),
                    count(quarantined),
                    count(duplicate),
                    count(item.get("events")),
                    f"{str(window.get('start', '—'))[:10]} to {str(window.get('end', '—'))[:10]}",
                    percent(unresolved.get(name)),
                )
            )
        rows.append(
            (
                "all sources",
                count(summary.get("rows_read")),
                count(summary.get("rows_accepted")),
                count(summary.get("rows_quarantined")),
                count(summary.get("rows_duplicate")),
                count(summary.get("events_total")),
                "",
                "",
            )
        )
        return Table.build(
            ["Source", "Rows read", "Accepted", "Quarantined", "Duplicate", "Events", "Coverage", "Unresolved actors"],
            rows,
            caption=(
                "Every row read is accepted, quarantined (quarantine.parquet, with the reason) or counted as a duplicate; "
                "'—' where the reader accounts for rows per input rather than per source. Unresolved actors: share of "
                "events whose actor could not be mapped to a country, so they are in no dyad."
            ),
            numeric=[False, True, True, True, True, True, False, True],
        )

    # -- series --------------------------------------------------------------------
    def _family_rules(self, family: str) -> str:
        families = _node(self.run.info, "families", default={})
        parts = family.replace("&", "|").split("|")
        texts = []
        for part in parts:
            node = families.get(part)
            if not node:
                continue
            rules = []
            for rule in node.get("rules", []):
                conditions = []
                if rule.get("codes"):
                    conditions.append("CAMEO codes " + ", ".join(map(str, rule["codes"])))
                if rule.get("quad_classes"):
                    conditions.append("quad classes " + ", ".join(map(str, rule["quad_classes"])))
                if rule.get("sectors"):
                    conditions.append("a side in sector " + ", ".join(map(str, rule["sectors"])))
                rules.append(" and ".join(conditions))
            prefix = f"{family_name(part)}: " if len(parts) > 1 else ""
            rule_text = " Rule: " + "; or ".join(rules) + "." if rules else ""  # a hierarchy total has no rule of its own
            texts.append(f"{prefix}{' '.join(str(node.get('description', '')).split())}{rule_text}")
        return " ".join(texts)

    def series(self) -> dict:
        panel = self.run.panel
        stats = panel.groupby("unique_id", sort=False)["y"].agg(periods="size", total="sum", average="mean", zeros=lambda s: float((s == 0).mean()))
        table = Table.build(
            ["Series", "Periods", "From", "To", "Total", "Mean per period", "Zero periods"],
            [
                (
                    series_name(i),
                    count(r.periods),
                    date_words(panel.loc[panel["unique_id"] == i, "ds"].min(), self.freq),
                    date_words(panel.loc[panel["unique_id"] == i, "ds"].max(), self.freq),
                    self.value(r.total),
                    score(r.average),
                    percent(r.zeros),
                )
                for i, r in stats.iterrows()
            ],
            caption=f"The {frequency_adjective(self.freq)} series the models were fitted on (panel.parquet).",
            numeric=[False, True, False, False, True, True, True],
        )
        families = [{"name": family_name(f), "rules": self._family_rules(f)} for f in self.sides.families]
        if self.is_panel_data:
            measure = "Values are read from the panel file and forecast as counts."
        else:
            share_per = float(_node(self.series_cfg, "share_per", default=10_000.0))
            measure = describe_measure(self.measure, self.transform, share_per).replace("`", "")
        sectors = _node(self.series_cfg, "sectors", default=[])
        actors = (
            f" Both sides must be in a sector among {', '.join(map(str, sectors))}"
            + (" and the dyad is directed." if _node(self.series_cfg, "directed") else "; the dyad is undirected.")
            if sectors and not self.is_panel_data
            else ""
        )
        return {
            "families": families,
            "measure": measure + actors,
            "frequency": f"{frequency_adjective(self.freq).capitalize()} ({self.freq}); forecasts run {horizon_words(self.horizon, self.freq)} ahead.",
            "table": table,
        }

    # -- forecasts -----------------------------------------------------------------
    def forecasts(self) -> list[dict]:
        frame = self.run.forecasts[self.run.forecasts["model"] == self.choice.model]
        levels = [quantile_column(level) for level in quantile_levels(frame)]
        blocks = []
        for dyad in self.sides.dyads:
            ids = [i for i in self.ids if split_series_id(i)[0] == dyad] if self.sides.by_family else [dyad]
            part = frame[frame["unique_id"].isin(ids)].sort_values(["unique_id", "ds"])
            rows = [
                (
                    family_name(split_series_id(r["unique_id"])[1]) if self.sides.by_family else series_name(r["unique_id"]),
                    date_words(r["ds"], self.freq),
                    score(r["mean"]),
                    *(self.value(r[c]) for c in levels),
                )
                for _, r in part.iterrows()
            ]
            table = Table.build(
                ["Family" if self.sides.by_family else "Series", "Period", "Mean", *(percent(parse_quantile_column(c), 0) for c in levels)],
                rows,
                caption=f"{self.choice.model}: forecast mean and quantiles per {period_unit(self.freq)}.",
                numeric=[False, False, True, *(True,) * len(levels)],
            )
            figures = [f for f in self.figures if f.section == "forecasts" and f.dyad == dyad]
            blocks.append({"name": series_name(dyad), "table": table, "figures": figures})
        return blocks

    # -- backtest ------------------------------------------------------------------
    def _shared_coverage(self, level: float = 0.8) -> dict[str, float]:
        """Each model's closed ``level`` interval coverage over the forecasts all models made, as its CRPS is."""
        backtest = self.run.backtest
        shared = common_rows(row_losses(backtest, "crps"), "crps")[[*KEYS, "model"]]
        rows = backtest.merge(shared, on=[*KEYS, "model"])
        return interval_hit(rows, level).groupby(rows["model"].to_numpy()).mean().to_dict()

    def backtest(self) -> dict:
        board = self._board()
        coverage = self._shared_coverage()
        versus = board["versus"].iloc[0]
        skill_by = {}
        if self.reference in set(board["model"]):
            ref_crps = float(board.loc[board["model"] == self.reference, "crps"].iloc[0])
            skill_by = {m: 1 - c / ref_crps if ref_crps > 0 else np.nan for m, c in zip(board["model"], board["crps"])}
        rows = [
            (
                str(r.rank),
                r.model + (" (reported)" if r.model == self.choice.model else ""),
                score(r.crps),
                percent(skill_by.get(r.model, np.nan)),
                "" if r.model == versus else f"{signed(r.diff)} [{signed(r.ci_low)}, {signed(r.ci_high)}]",
                "" if r.model == versus else f"{p_value(r.p_value)}{r.mark}",
                percent(coverage.get(r.model, np.nan)),
            )
            for r in board.itertuples()
        ]
        leaders = Table.build(
            ["Rank", "Model", "CRPS", f"Skill vs {versus}" if skill_by else "Skill", f"CRPS − {versus} [95% CI]", "DM p", "80% coverage"],
            rows,
            caption=(
                f"Rolling-origin backtest, mean CRPS (lower is better) and 80% coverage on the forecasts all models made. The interval is a "
                f"circular block bootstrap ({N_BOOT:,} replicates, seed {self.seed}); DM p is a two-sided Diebold–Mariano test "
                "with the Harvey–Leybourne–Newbold correction (* p < 0.05, ** p < 0.01)."
            ),
            numeric=[True, False, True, True, True, True, True],
        )
        metrics = self.run.metrics
        by_h = metrics[(metrics["metric"] == "crps_skill") & metrics["unique_id"].isna() & metrics["horizon"].notna()]
        horizon_table = None
        if not by_h.empty:
            wide = by_h.pivot_table(index="model", columns="horizon", values="value").reindex(board["model"])
            horizon_table = Table.build(
                ["Model", *(f"h={int(h)}" for h in wide.columns)],
                [(m, *(percent(v) for v in values)) for m, values in zip(wide.index, wide.to_numpy())],
                caption=f"CRPS skill against {self.reference} by forecast lead ({period_unit(self.freq, 2)} ahead).",
                numeric=[False, *(True,) * wide.shape[1]],
            )
        table = overall(metrics)
        levels = sorted({m.split("_", 1)[1] for m in table["metric"] if m.startswith("coverage_")}, key=float)
        calibration = Table.build(
            ["Model", "Calibration gap", *(f"{percent(float(lv), 0)} interval" for lv in levels)],
            [
                (m, score(self._overall_metric(m, "calibration_gap")), *(percent(self._coverage(m, lv)) for lv in levels))
                for m in board["model"]
            ],
            caption=(
                "Calibration gap: the largest violation, over the quantile levels tau, of the count-calibration test "
                "(share of outcomes below q_tau at most tau, share at or below q_tau at least tau); 0 passes at every "
                "level. Beside it, the share of outcomes inside each closed central interval: a calibrated count "
                "forecast holds at least the level."
            ),
            numeric=[False, True, *(True,) * len(levels)],
        )
        cutoffs = self.run.backtest["cutoff"].nunique()
        origins = "1 forecast origin, forecasting" if cutoffs == 1 else f"{cutoffs:,} forecast origins, each forecasting"
        protocol = f"{origins} {horizon_words(self.horizon, self.freq)} ahead from the data before it, over every series."
        figures = [f for f in self.figures if f.section == "backtest"]
        return {"protocol": protocol, "leaderboard": leaders, "by_horizon": horizon_table, "calibration": calibration, "figures": figures}

    # -- caveats -------------------------------------------------------------------
    def caveats(self) -> list[str]:
        notes = []
        coverage = self.run.summary.get("coverage", [])
        panel = self.run.panel
        first, last = pd.Timestamp(panel["ds"].min()), pd.Timestamp(panel["ds"].max())
        if len(coverage) > 1:
            windows = "; ".join(f"{c['source_dataset']} {str(c['start'])[:10]} to {str(c['end'])[:10]}" for c in coverage)
            notes.append(
                f"The data cover separate periods ({windows}). A gap between them is missing data, not zero events, so the "
                f"series use {date_words(first, self.freq)} to {date_words(last, self.freq)} only."
            )
        unit = period_unit(self.freq)
        n_periods = panel.groupby("unique_id")["y"].size()
        minimum = max(3 * self.horizon, PERIODS_PER_YEAR.get(unit, 0))
        short = n_periods[n_periods < minimum]
        if len(short):
            lengths = count(short.min()) if short.min() == short.max() else f"{count(short.min())} to {count(short.max())}"
            notes.append(
                f"Short series: {words_list([series_name(i) for i in short.index])} have {lengths} "
                f"{period_unit(self.freq, 2)} (fewer than {minimum}); the backtest scores few forecasts and seasonal "
                "patterns cannot be learned."
            )
        zeros = panel.groupby("unique_id")["y"].apply(lambda s: float((s == 0).mean()))
        for unique_id, share in zeros[zeros > MOSTLY_ZERO].items():
            if share == 1.0:  # nothing to be wide about: every model forecasts (near) zero
                notes.append(
                    f"{series_name(unique_id)} is zero in every {unit}: there is no event to learn from, so its "
                    "forecasts stay at or near zero."
                )
                continue
            notes.append(
                f"{series_name(unique_id)} is zero in {percent(share)} of {period_unit(self.freq, 2)}: its forecast "
                "intervals are wide, and totals of rare events often tie."
            )
        for name, rate in self.run.summary.get("unresolved_actor_rate", {}).items():
            if rate > HIGH_UNRESOLVED:
                notes.append(
                    f"{name}: {percent(rate)} of events have an actor that could not be resolved to a country; those "
                    "events are in no dyad, so counts are lower bounds."
                )
        if self.measure not in COUNT_MEASURES or self.transform != "none":
            notes.append("The measure is not a plain count: totals over the horizon are sums of the per-period values.")
        notes.extend(str(n) for n in self.run.info.get("caveats", []))
        failures = self.run.failures
        if failures is not None and len(failures):
            for row in failures.astype(str).to_dict("records"):
                notes.append("Model failure: " + "; ".join(f"{k} {v}" for k, v in row.items()) + ".")
        unscored = [m for m, v in overall_scores(self.run.metrics).items() if not math.isfinite(v)]
        if unscored:
            notes.append(f"Models without a backtest CRPS (failed or did not converge): {', '.join(unscored)}.")
        return notes

    # -- provenance ----------------------------------------------------------------
    def provenance(self) -> Table:
        record = self.run.provenance
        git = record.get("git", {}) or {}
        rows = [
            ("Commit", str(git.get("commit") or "not a git checkout")),
            ("Uncommitted changes", {True: "yes", False: "no"}.get(git.get("dirty"), "unknown")),
            *((f"Data sha256: {name}", digest) for name, digest in (record.get("data_sha256") or {}).items()),
            ("Seed", str(record.get("seed", self.seed))),
            ("Wall time", f"{score(record['wall_time_s'])} s" if "wall_time_s" in record else "not recorded"),
            ("Command", str(record.get("command") or "not recorded")),
            ("Overrides", " ".join(self.run.overrides) if self.run.overrides else "none"),
            ("Python", str(record.get("python", "unknown"))),
            *((f"Version: {name}", str(version)) for name, version in (record.get("packages") or {}).items()),
        ]
        return Table.build(["Item", "Value"], rows, caption="What is needed to reproduce this run.")

    def attribution(self) -> list[str]:
        return attribution(
            _node(self.run.info, "data", "formats", default=[]), _node(self.run.info, "data", "datasets", default=[])
        )

    # -- figures -------------------------------------------------------------------
    def _figures(self) -> list[Figure]:
        manifest = _read_json(self.run.root / "figures" / "figures.json")
        if manifest is not None:
            return [Figure(**record) for record in manifest]
        h_words, model = horizon_words(self.horizon, self.freq), self.choice.model
        known = [
            ("figures/fan_chart.png", "forecasts",
             f"Fan chart: observed {frequency_adjective(self.freq)} values of each series and {model}'s forecast for the next {h_words} as a median line with shaded central intervals.",
             "Darker bands are narrower central predictive intervals; the line left of the forecast is observed."),
            ("figures/timeline.png", "data",
             f"Event timeline: {frequency_adjective(self.freq)} event counts per dyad and family over the data period.",
             "Counts of the events behind the series, before forecasting."),
            ("figures/pit.png", "backtest",
             "PIT histograms per model from the backtest: a flat histogram means calibrated forecasts, a U shape too narrow, a hump too wide.",
             "Randomised probability integral transform of each backtest outcome."),
            ("figures/coverage.png", "backtest",
             "Coverage curve per model: share of backtest outcomes inside each central interval against the interval's level; calibrated models lie on the diagonal.",
             "Above the diagonal: intervals too wide; below: too narrow."),
        ]
        return [
            Figure(alt=alt, caption=caption, path=path, section=section)
            for path, section, alt, caption in known
            if (self.run.root / path).is_file()
        ]

    def build(self, built_at: str) -> dict:
        return {
            "kind": "run",
            "title": self.title(),
            "question": self.question(),
            "scope": self.scope(),
            "headline": self.headline(),
            "data": {"table": self.data_table(), "figures": [f for f in self.figures if f.section == "data"]},
            "series": self.series(),
            "forecasts": self.forecasts(),
            "forecast_figures": [f for f in self.figures if f.section == "forecasts" and f.dyad is None],
            "backtest": self.backtest(),
            "caveats": self.caveats(),
            "provenance": self.provenance(),
            "attribution": self.attribution(),
            "config": self.run.config_text,
            "built_at": built_at,
        }


def run_record(
    *,
    report: Mapping[str, Any],
    data: Mapping[str, Any],
    series: Mapping[str, Any] | None,
    families: Mapping[str, Any],
    horizon: int,
    seed: int,
    reference: str | None,
    caveats: Sequence[str] = (),
) -> dict:
    """The ``run.json`` record: what the report needs to know about an experiment, as plain data.

    Parameters
    ----------
    report : mapping
        ``title, question, model, compare, family, n_samples`` (``report.*`` in the config).
    data : mapping
        ``kind`` (``panel`` for a ready panel, else ``events``), ``format``, ``path`` and
        ``formats`` (the main source's and every extra source's format).
    series : mapping, optional
        The series spec's fields; None for a ready panel.
    families : mapping
        Event families by name, each ``{"description": str, "rules": [{"codes", "quad_classes", "sectors"}]}``.
    horizon, seed, reference
        Forecast horizon in periods, the run's seed, the skill reference model.
    caveats : sequence of str
        Measure and model-support caveats for the report.
    """
    return json.loads(
        json.dumps(
            {
                "report": dict(report),
                "data": dict(data),
                "series": None if series is None else dict(series),
                "families": dict(families),
                "horizon": int(horizon),
                "seed": int(seed),
                "reference": reference,
                "caveats": list(caveats),
            },
            default=lambda value: list(value) if isinstance(value, (tuple, set, frozenset)) else str(value),
        )
    )


def build_timestamp() -> str:
    """Now in UTC, to the second: the one part of a report that changes on a rebuild."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def build_context(run_dir: str | Path, figures: Sequence[Figure] | None = None, built_at: str | None = None) -> dict:
    """The run report's context from the files of ``run_dir``.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by the pipeline.
    figures : sequence of Figure, optional
        Figure records to show; default ``figures/figures.json`` or the standard figure files.
    built_at : str, optional
        Build timestamp printed at the end; default now (UTC).

    Raises
    ------
    ArgumentError
        ``report.model`` / ``report.compare`` / ``report.family`` naming what the run lacks.
    """
    run = RunFolder(Path(run_dir))
    return ContextBuilder(run, figures).build(built_at or build_timestamp())


def figure_records(figures: Sequence[Figure]) -> list[dict]:
    """Figure records as JSON-ready dicts (no inline data) for ``figures/figures.json``."""
    return [{k: v for k, v in asdict(f).items() if k != "data"} for f in figures]
