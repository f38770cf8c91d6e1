"""Turn a canonical event table into a long panel of dyad series (``unique_id, ds, y``)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import country_converter as coco
import duckdb
import numpy as np
import pandas as pd

from forecast.events.actors import NON_ISO_CODES
from forecast.events.coverage import observed_coverage  # noqa: F401 - part of forecast.series
from forecast.events.taxonomy import EventFamily, families_from_mapping
from forecast.errors import ArgumentError, DataError, DataGapWarning
from forecast.series.measures import check_measure, check_transform, source_volume
from forecast.series.sql import SqlRunner, aggregate_relation, aggregate_sql
from forecast.series.selection import (
    candidate_pairs,
    check_families,
    dyad_labels,
    family_mask,
    sector_mask,
    top_pairs,
)

PANEL_COLUMNS = ("unique_id", "ds", "y")
METADATA_COLUMNS = ("dyad", "source", "target", "family", "measure", "freq", "segment", "partial", "denominator")
_FREQ_BASES = ("D", "W", "M", "Q")
#: Share of coverage periods without any source event above which the panel is reported as mostly empty.
MOSTLY_EMPTY = 0.5
#: A period's source volume is judged against the median of this many periods centred on it
#: (a quarter of weeks), so a source whose volume grows over decades is not an outage early on.
OUTAGE_WINDOW = 13
#: Below this median volume per period a near-empty period can be a quiet one: only the
#: empty-run rule of ``max_empty_periods`` applies there.
OUTAGE_MIN_MEDIAN = 50.0


@dataclass(frozen=True)
class SeriesSpec:
    """What to count: which dyads, which events, which measure, at which frequency.

    Parameters
    ----------
    dyads : sequence of (str, str)
        Explicit country pairs as ISO3 codes, e.g. ``[("CHN", "RUS"), ("CHN", "USA")]``;
        ordered (source, target) when ``directed``.
    countries : sequence of str
        Adds every pair among these countries (both orders when ``directed``).
    all_countries : bool
        Adds every pair among the countries that appear (either side, in the chosen
        sectors, families and periods); instead of ``countries``.
    top_n : int, optional
        Keep the ``top_n`` pairs with the most events (in the chosen sectors, families and
        periods): among ``dyads`` and ``countries`` when given, else among all pairs.
    families : sequence of str
        Event families, one series each per dyad. A name from the taxonomy config or
        ``extra_families``, or names combined with ``|`` (union) and ``&``
        (intersection), e.g. ``"visit_host_meet|call_consult"``.
    extra_families : mapping
        Families defined in the series config itself, in the taxonomy format
        (``{name: {description, any_of: [rules]}}``); a name may not repeat a taxonomy one.
    directed : bool
        ``False`` counts A→B and B→A together as the dyad ``A-B``; ``True`` counts A→B only.
    freq : str
        pandas period alias: ``D``; ``W-SUN`` (weeks Monday–Sunday; any ``W-<DAY>`` names
        the week's last day, and each week is labelled by its first day); ``M``; ``Q``.
    start, end : str, optional
        Calendar limits (``YYYY-MM-DD``, inclusive), intersected with the data coverage.
    sectors : sequence of str
        Sectors admitted on both sides (default: official actors only).
    either_sector : sequence of str
        When given, at least one side must be in one of these sectors (``[MIL]``: military
        on at least one side). Must be a subset of ``sectors``.
    measure : str
        One of :data:`forecast.series.measures.MEASURES`.
    share_per : float
        ``measure=share`` is reported per this many source events (default: per 10,000),
        so values have the magnitude of counts.
    transform : {"none", "log1p"}
        Applied to ``y`` only for model fitting and inverted on the forecasts by
        :func:`forecast.pipeline.run`; the panel itself stays on the measure's scale.
        ``log1p`` is refused there with count models (every model of the zoo), whose
        whole-number quantiles on the log scale map back to 0, 1.72, 6.39, 19.1, ...
    drop_partial : bool
        Drop periods only partly inside a dataset's coverage (a partial week is not a
        smaller week); when ``False`` they are kept and flagged in ``partial``, holding
        the events of their covered days only (none from before ``start`` or from a gap).
    span : {"latest", "all"}
        ``latest`` keeps only the most recent coverage period, so every series is one
        contiguous run; ``all`` keeps every period, with the gaps left missing.
    max_empty_periods : int, optional
        Coverage is observed, not assumed: a run of more than this many consecutive
        periods in which the source itself has no event at all (any dyad) is a gap in
        the data, not a quiet spell. Gap periods are dropped (missing, never zero-filled)
        and split the coverage window in two, so ``span="latest"`` keeps the part after
        the last gap. Default 4 (a month of weeks); ``None`` trusts the coverage windows.
    outage_share : float, optional
        A period in which the source reported fewer events than this share of its median
        over the :data:`OUTAGE_WINDOW` periods around it is an outage of the source (ICEWS
        has weeks with 6% of its usual volume), not a quiet period: it is a gap like a
        long empty run, whatever its length. Applies where that median is at least
        :data:`OUTAGE_MIN_MEDIAN` events. Default 0.1; ``None`` keeps such periods.
    """

    dyads: Sequence[tuple[str, str]] = ()
    families: Sequence[str] = ()
    countries: Sequence[str] = ()
    all_countries: bool = False
    top_n: int | None = None
    extra_families: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    directed: bool = False
    freq: str = "W-SUN"
    start: str | None = None
    end: str | None = None
    sectors: Sequence[str] = ("state", "GOV", "MIL")
    either_sector: Sequence[str] = ()
    measure: str = "count"
    share_per: float = 10_000.0
    transform: str = "none"
    drop_partial: bool = True
    span: str = "latest"
    max_empty_periods: int | None = 4
    outage_share: float | None = 0.1

    def __post_init__(self) -> None:
        if self.span not in ("latest", "all"):
            raise ArgumentError("span", f"must be 'latest' or 'all', got {self.span!r}.")
        if not self.families:
            raise ArgumentError("families", "is empty: name at least one event family.")
        repeated = sorted({name for name in self.families if list(self.families).count(name) > 1})
        if repeated:
            # Each listing labels the same events again: the series would be counted twice.
            raise ArgumentError("families", f"{repeated} listed more than once; list each family once.")
        for pair in self.dyads:
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ArgumentError("dyads", f"{pair!r} is not a pair of two different ISO3 codes.")
        check_country_codes("dyads", [code for pair in self.dyads for code in pair])
        check_country_codes("countries", self.countries)
        if self.all_countries and self.countries:
            raise ArgumentError(
                "all_countries", "is true and series.countries is set; choose one (countries=[] or all_countries=false)."
            )
        if not self.dyads and len(self.countries) < 2 and self.top_n is None and not self.all_countries:
            raise ArgumentError(
                "dyads", "no dyads selected; set series.dyads, series.countries (>= 2), series.all_countries or series.top_n."
            )
        if self.top_n is not None and self.top_n < 1:
            raise ArgumentError("top_n", f"must be >= 1 or null, got {self.top_n}.")
        check_measure(self.measure)
        check_transform(self.transform)
        if self.share_per <= 0:
            raise ArgumentError("share_per", f"must be > 0, got {self.share_per}.")
        if self.max_empty_periods is not None and self.max_empty_periods < 0:
            raise ArgumentError("max_empty_periods", f"must be >= 0 or null, got {self.max_empty_periods}.")
        if self.outage_share is not None and not 0 < self.outage_share < 1:
            raise ArgumentError("outage_share", f"must be between 0 and 1 (exclusive) or null, got {self.outage_share}.")
        outside = set(self.either_sector) - set(self.sectors)
        if outside:
            raise ArgumentError(
                "either_sector",
                f"{sorted(outside)} is not in series.sectors {list(self.sectors)}: no event could pass; "
                "add it to series.sectors.",
            )
        _check_freq(self.freq)
        if self.start is not None and self.end is not None and pd.Timestamp(self.start) > pd.Timestamp(self.end):
            raise ArgumentError("start", f"{self.start} is after series.end={self.end}.")


@lru_cache(maxsize=1)
def _iso3_codes() -> frozenset[str]:
    return frozenset(coco.CountryConverter().data["ISO3"].dropna())


def check_country_codes(argument: str, codes: Sequence[str]) -> None:
    """Raise :class:`ArgumentError` naming ``argument`` for the first code that is not ISO3.

    The message suggests the ISO3 code ``country_converter`` reads in it (``CHINA`` ->
    ``CHN``), so a country name or lower-case code is fixed in one edit instead of
    silently giving an all-zero series.
    """
    known = _iso3_codes()
    for code in codes:
        if str(code) in known:
            continue
        # It logs every miss (from its child logger, which `disabled` on the parent does not
        # reach; a level does); the error says it once.
        quiet = logging.getLogger("country_converter")
        level = quiet.level
        quiet.setLevel(logging.CRITICAL + 1)
        try:
            guess = NON_ISO_CODES.get(str(code).upper()) or coco.CountryConverter().convert(str(code), to="ISO3", not_found=None)
        finally:
            quiet.setLevel(level)
        hint = f"did you mean {guess!r}?" if isinstance(guess, str) and guess in known else "use an ISO 3166 alpha-3 code such as 'CHN'."
        raise ArgumentError(argument, f"{code!r} is not an ISO3 country code; {hint}")


def _check_freq(freq: str) -> None:
    try:
        base = pd.Period("2000-01-01", freq=freq).freqstr.split("-")[0]
    except (ValueError, TypeError) as err:
        raise ArgumentError("freq", f"{freq!r} is not a pandas period alias ({err}); use D, W-SUN, M or Q.") from None
    if base not in _FREQ_BASES:
        raise ArgumentError("freq", f"{freq!r}: only days, weeks, months and quarters are supported (D, W-SUN, M, Q).")


def dyad_label(source: str, target: str, directed: bool) -> str:
    """Name of a dyad: ``CHN>RUS`` when directed, alphabetical ``CHN-RUS`` otherwise."""
    if directed:
        return f"{source}>{target}"
    first, second = sorted((source, target))
    return f"{first}-{second}"


def _drop_gaps(grid: pd.DataFrame, volume: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """Drop the periods that are gaps in the source: long empty runs and outages.

    A run of more than ``spec.max_empty_periods`` consecutive periods without any source
    event is a gap, and so is an outage (:func:`_outages`). Adds ``run``: a counter that
    starts a new contiguous stretch at every coverage window and after every gap, so
    ``span="latest"`` can keep the stretch after the last gap. Warns once per kind of gap.
    """
    counted = grid.merge(volume, on=["segment", "ds"], how="left")
    denominator = counted["denominator"].fillna(0.0)
    empty = ~(denominator > 0)
    long_empty = pd.Series(False, index=grid.index)
    if spec.max_empty_periods is not None:
        # Stretches of equal emptiness within a segment; a long empty one is a gap.
        stretch = (empty.ne(empty.shift()) | grid["window"].ne(grid["window"].shift())).cumsum()
        long_empty = empty & (empty.groupby(stretch).transform("size") > spec.max_empty_periods)
    outage = _outages(denominator, grid["window"], spec.outage_share) & ~long_empty
    if long_empty.any():
        warnings.warn(
            f"series: {int(long_empty.sum())} of {len(grid)} {spec.freq} periods lie in runs of more than "
            f"{spec.max_empty_periods} periods without any source event; they are gaps in the data, left out "
            "(not zero-filled). Set series.max_empty_periods to change the limit.",
            DataGapWarning,
            stacklevel=4,
        )
    if outage.any():
        dates = ", ".join(f"{pd.Timestamp(ds).date()} ({volume:.0f} events)" for ds, volume in
                          zip(grid["ds"][outage].head(3), denominator[outage].head(3)))
        more = f" and {int(outage.sum()) - 3} more" if outage.sum() > 3 else ""
        warnings.warn(
            f"series: {int(outage.sum())} {spec.freq} "
            f"{'period is an outage' if outage.sum() == 1 else 'periods are outages'} of the source, with less than "
            f"{spec.outage_share:g} of its usual volume: {dates}{more}; they are gaps in the data, left out "
            "(not counted as quiet). Set series.outage_share=null to keep them.",
            DataGapWarning,
            stacklevel=4,
        )
    gap = long_empty | outage
    new_run = grid["window"].ne(grid["window"].shift()) | gap.shift(fill_value=False)
    return grid.assign(run=new_run.cumsum())[~gap.to_numpy()].reset_index(drop=True)


def _outages(denominator: pd.Series, window: pd.Series, share: float | None) -> pd.Series:
    """Periods whose source volume is below ``share`` of the centred rolling median of their window.

    Only where that median is at least :data:`OUTAGE_MIN_MEDIAN`: with a few events a
    period, a near-empty one is plausibly quiet. ``share=None`` finds none.
    """
    if share is None:
        return pd.Series(False, index=denominator.index)
    usual = denominator.groupby(window.to_numpy()).transform(
        lambda values: values.rolling(OUTAGE_WINDOW, center=True, min_periods=1).median()
    )
    return (usual >= OUTAGE_MIN_MEDIAN) & (denominator < share * usual)


def _covered_days(dataset: pd.Series, date: pd.Series, coverage: pd.DataFrame, spec: SeriesSpec) -> np.ndarray:
    """Events (or days) on a day inside a coverage window of their own dataset and ``spec.start``/``end``.

    Only such events count, so a partial period kept by ``drop_partial=False`` holds the
    events of its covered days, not those of the days before ``start`` or in a gap.
    """
    lower = pd.Timestamp(spec.start) if spec.start is not None else pd.Timestamp.min
    upper = pd.Timestamp(spec.end) if spec.end is not None else pd.Timestamp.max
    day = date.dt.floor("D")
    keep = np.zeros(len(date), dtype=bool)
    for window in coverage.itertuples(index=False):  # a handful of windows
        start = max(pd.Timestamp(window.start).normalize(), lower)
        end = min(pd.Timestamp(window.end), upper)
        keep |= (dataset.eq(window.source_dataset) & day.ge(start) & day.le(end)).to_numpy(dtype=bool)
    return keep


def _warn_mostly_empty(grid: pd.DataFrame, volume: pd.DataFrame, freq: str) -> None:
    """Warn, naming the share, when most coverage periods have no event of the source at all."""
    counted = grid.merge(volume, on=["segment", "ds"], how="left")["denominator"]
    share = float((~(counted > 0)).mean()) if len(counted) else 0.0
    if share > MOSTLY_EMPTY:
        warnings.warn(
            f"series: {share:.1%} of the {len(grid)} {freq} periods of the coverage have no event of the source at "
            "all; coverage taken from first to last event date is mostly missing data, not quiet periods.",
            stacklevel=4,
        )


def period_grid(coverage: pd.DataFrame, spec: SeriesSpec, volume: pd.DataFrame | None = None) -> pd.DataFrame:
    """The calendar periods of the panel: inside coverage and the spec's start/end.

    Parameters
    ----------
    coverage : pandas.DataFrame
        ``source_dataset, start, end``.
    spec : SeriesSpec
        Frequency, calendar limits, ``drop_partial``, ``span``, ``max_empty_periods`` and ``outage_share``.
    volume : pandas.DataFrame, optional
        ``segment, ds, denominator`` (:func:`forecast.series.measures.source_volume`):
        with it, runs of more than ``spec.max_empty_periods`` periods without any source
        event and outages (below ``spec.outage_share`` of the usual volume) are gaps,
        dropped from the grid.

    Returns
    -------
    pandas.DataFrame
        ``ds`` (period start), ``partial`` (period only partly covered), ``segment``
        (the dataset covering it), ``window`` (its row in ``coverage``) and ``run``
        (contiguous stretch number: a new one at each window and after each gap), sorted by ``ds``.

    Raises
    ------
    DataError
        When no period is left, naming the window and the fix.
    """
    lower = pd.Timestamp(spec.start) if spec.start is not None else pd.Timestamp.min
    upper = pd.Timestamp(spec.end) if spec.end is not None else pd.Timestamp.max
    rows = []
    # One iteration per coverage window (a handful), not per event.
    for number, window in enumerate(coverage.itertuples(index=False)):
        # Coverage is in days: a window observed from time-stamped events (first event at
        # 10:00) still covers its first day, as its last day is covered up to the last event.
        start = max(pd.Timestamp(window.start).normalize(), lower)
        end = min(pd.Timestamp(window.end), upper)
        if start > end:
            continue
        periods = pd.period_range(start.to_period(spec.freq), end.to_period(spec.freq), freq=spec.freq)
        partial = (periods.start_time < start) | (periods.end_time.normalize() > end)
        rows.append(
            pd.DataFrame({"ds": periods.start_time, "partial": partial, "segment": window.source_dataset, "window": number})
        )
    if not rows:  # no window meets series.start/end: typed, so the volume merge below works
        rows = [pd.DataFrame({"ds": pd.DatetimeIndex([]), "partial": False, "segment": "", "window": 0})]
    grid = pd.concat(rows, ignore_index=True)
    if spec.drop_partial:
        grid = grid[~grid["partial"].astype(bool)]
    # Two datasets covering the same period would double count: keep one row per period.
    grid = grid.drop_duplicates("ds").sort_values("ds").reset_index(drop=True)
    if volume is not None:
        _warn_mostly_empty(grid, volume, spec.freq)
    if volume is not None and (spec.max_empty_periods is not None or spec.outage_share is not None):
        grid = _drop_gaps(grid, volume, spec)
    else:
        grid = grid.assign(run=grid["window"].ne(grid["window"].shift()).cumsum())
    if spec.span == "latest" and not grid.empty:
        grid = grid[grid["run"] == grid["run"].iloc[-1]].reset_index(drop=True)
    if grid.empty:
        raise DataError(
            f"series: no complete {spec.freq} period inside the coverage {coverage.to_dict('records')} "
            f"and series.start={spec.start}, series.end={spec.end}; widen the window or set series.drop_partial=false."
        )
    return grid


def all_families(spec: SeriesSpec, families: Mapping[str, EventFamily]) -> dict[str, EventFamily]:
    """Taxonomy families plus the spec's ``extra_families``.

    Raises
    ------
    ArgumentError
        Naming ``extra_families`` when an extra family repeats a taxonomy name (it would
        silently shadow it) or is not a valid family (:func:`families_from_mapping`).
    """
    if not spec.extra_families:
        return dict(families)
    clash = sorted(set(spec.extra_families) & set(families))
    if clash:
        raise ArgumentError("extra_families", f"{clash} repeat taxonomy families; rename them.")
    return {**families, **families_from_mapping(spec.extra_families, where="extra_families")}


def select_dyads(events: pd.DataFrame, spec: SeriesSpec) -> list[tuple[str, str]]:
    """The (source, target) pairs the spec selects, top-N ranked on ``events`` when asked.

    Parameters
    ----------
    events : pandas.DataFrame
        Events already filtered to the spec's sectors, families and periods (only used
        for ``top_n`` and ``all_countries``).
    spec : SeriesSpec
        The selection.

    Returns
    -------
    list of (str, str)
        Ordered pairs when directed, alphabetical pairs otherwise, without repeats.
    """
    countries = list(spec.countries)
    if spec.all_countries:
        appear = pd.concat([events["source_country"], events["target_country"]]).dropna().astype(str)
        countries = sorted(set(appear))
    pairs = candidate_pairs(spec.dyads, countries, spec.directed)
    # Without a pair the panel is empty, which later stages would blame on the backtest.
    if spec.all_countries and not pairs:
        raise DataError(_no_pairs("all_countries", spec))
    if spec.top_n is not None:
        pairs = top_pairs(events, spec.top_n, spec.directed, among=pairs)
        if not pairs:
            raise DataError(_no_pairs("top_n", spec))
    return pairs


def _no_pairs(key: str, spec: SeriesSpec) -> str:
    return (
        f"series.{key}: no international event passes the sector and family filters (series.sectors="
        f"{list(spec.sectors)}, series.families={list(spec.families)}) in the covered periods; widen them."
    )


def _warn_sectors(n_events: int, found: set[str], spec: SeriesSpec, admitted_any: bool) -> None:
    """Say what was assumed when the selected dyads have events but none in ``spec.sectors``.

    ``n_events`` rows of the selected dyads lie in the grid; ``found`` are their actor sectors.
    """
    if admitted_any or not n_events:
        return
    warnings.warn(
        f"series: the selected dyads have {n_events} events, but none with both actors in series.sectors "
        f"{list(spec.sectors)}; their actor sectors are {sorted(found) or 'missing'} (a source without sector columns "
        "gets 'other' for every actor with a country, or no sector at all), so every series is zero. Add 'other' "
        "to series.sectors to count them.",
        stacklevel=4,
    )


def build_panel(
    events: pd.DataFrame | str | Path,
    spec: SeriesSpec,
    families: Mapping[str, EventFamily],
    coverage: pd.DataFrame,
    sql: SqlRunner | None = None,
) -> pd.DataFrame:
    """Measure events per dyad, family and period on a complete, zero-filled calendar grid.

    Parameters
    ----------
    events : pandas.DataFrame, str or Path
        Canonical event table, or parquet file(s) holding one (``events.parquet`` of
        :func:`forecast.events.ingest`; a glob is allowed). A file is read out of core
        (:func:`_build_panel_parquet`): memory does not grow with its number of rows, and
        the panel is the one the table in memory gives.
    spec : SeriesSpec
        What to measure.
    families : mapping of str to EventFamily
        Taxonomy families; ``spec.families`` combine them and ``spec.extra_families``.
    coverage : pandas.DataFrame
        ``source_dataset, start, end``: the periods the data cover. Periods outside every
        window are absent from the panel (missing, not zero).
    sql : callable, optional
        Runs the aggregation's SQL text (:mod:`forecast.series.sql`); default DuckDB,
        ``engine=spark`` a Spark session. Both give the same panel.

    Returns
    -------
    pandas.DataFrame
        Long panel ``unique_id, ds, y`` plus ``dyad, source, target, family, measure,
        freq, segment, partial, denominator``. ``unique_id`` is ``<dyad>/<family>``;
        ``denominator`` is the total number of events of the segment's dataset in the
        period (the media-volume normaliser, whatever the measure). ``y`` is zero in
        covered periods without events, except for ``goldstein_mean``, which is missing
        there because a mean of no events is undefined, and ``share``, which is missing
        where the source itself reported nothing.

    Raises
    ------
    ArgumentError
        Naming ``families`` when ``spec.families`` names a family that is not defined.
    """
    known = all_families(spec, families)
    check_families(spec.families, known)
    if not isinstance(events, pd.DataFrame):
        return _build_panel_parquet(events, spec, known, coverage, sql)
    covered = _covered_days(events["source_dataset"], events["date"], coverage, spec)
    volume = source_volume(events[covered], spec.freq)
    grid = period_grid(coverage, spec, volume)
    # An event counts only on a day and in a period its own dataset covers.
    period = events["date"].dt.to_period(spec.freq).dt.start_time
    in_grid = covered & pd.MultiIndex.from_arrays([events["source_dataset"], period]).isin(
        pd.MultiIndex.from_frame(grid[["segment", "ds"]])
    )
    in_family = {name: family_mask(events, name, known) for name in spec.families}
    admitted = sector_mask(events, spec.sectors, spec.either_sector) & in_grid
    # Only a top-N selection ranks pairs on the events, and all_countries finds its countries there.
    ranked = events.iloc[:0]
    if spec.top_n is not None or spec.all_countries:
        ranked = events[admitted & np.logical_or.reduce(list(in_family.values()))]
    pairs = select_dyads(ranked, spec)

    in_pairs = pd.MultiIndex.from_arrays([events["source_country"], events["target_country"]]).isin(
        pairs + ([] if spec.directed else [(b, a) for a, b in pairs])
    )
    keep = admitted & in_pairs
    seen = events[in_pairs & in_grid]
    _warn_sectors(
        len(seen), set(seen["source_sector"].dropna()) | set(seen["target_sector"].dropna()), spec, bool(keep.any())
    )
    selected = events[keep].copy()
    selected["dyad"] = dyad_labels(selected["source_country"], selected["target_country"], spec.directed)
    selected["ds"] = selected["date"].dt.to_period(spec.freq).dt.start_time
    # event_days counts calendar days: a date may carry a time of day (tidy input keeps it).
    selected["date"] = selected["date"].dt.floor("D")

    labelled = pd.concat(
        [selected[in_family[name][keep]].assign(family=name) for name in spec.families], ignore_index=True
    )
    return _assemble(pairs, spec, grid, aggregate_sql(labelled, spec.measure, sql), volume)


def _assemble(
    pairs: list[tuple[str, str]], spec: SeriesSpec, grid: pd.DataFrame, values: pd.DataFrame, volume: pd.DataFrame
) -> pd.DataFrame:
    """The zero-filled panel: every dyad x family x grid period, with its measured value and volume.

    Built as (series x period) index arithmetic on the few series and periods rather than by
    merging and sorting the full panel on strings: rows come out sorted by ``unique_id, ds``.
    """
    series = pd.DataFrame(pairs, columns=["source", "target"], dtype=object)
    series["dyad"] = dyad_labels(series["source"], series["target"], spec.directed)
    series = series.merge(pd.DataFrame({"family": list(spec.families)}), how="cross")
    series["unique_id"] = series["dyad"] + "/" + series["family"]
    series = series.sort_values("unique_id", kind="stable").reset_index(drop=True)
    # period_grid's rows are unique and sorted by ds, so each series' rows are in ds order
    cells = grid.merge(volume, on=["segment", "ds"], how="left")
    n_periods = len(cells)
    row = np.repeat(np.arange(len(series)), n_periods)
    period = np.tile(np.arange(n_periods), len(series))
    found = values.merge(series[["dyad", "family"]].reset_index(names="s"), on=["dyad", "family"]).merge(
        cells[["ds"]].reset_index(names="p"), on="ds"
    )
    y = np.full(len(row), np.nan)
    y[found["s"].to_numpy() * n_periods + found["p"].to_numpy()] = found["y"].to_numpy(dtype=float)
    # The string columns are written once, into the 2-D object block pandas keeps them in: a
    # frame built from a dict of columns consolidates them, copying every pointer twice
    # (over a second and 500 MB for the 2M rows of all directed dyads of 200 countries).
    names = ["unique_id", "dyad", "source", "target", "family", "measure", "freq", "segment"]
    strings = np.empty((len(names), len(row)), dtype=object)
    for i, name in enumerate(names[:5]):
        np.take(series[name].to_numpy(dtype=object), row, out=strings[i], mode="clip")  # clip: no buffered copy
    strings[5], strings[6] = spec.measure, spec.freq
    np.take(cells["segment"].to_numpy(dtype=object), period, out=strings[7], mode="clip")
    panel = pd.DataFrame(strings.T, columns=names, dtype=object, copy=False)
    panel.insert(1, "ds", cells["ds"].to_numpy()[period])
    panel.insert(2, "y", y)
    panel["partial"] = cells["partial"].to_numpy()[period]
    panel["denominator"] = cells["denominator"].fillna(0.0).to_numpy(dtype=float)[period]
    if spec.measure != "goldstein_mean":
        panel["y"] = panel["y"].fillna(0.0)
    if spec.measure == "share":
        panel["y"] = panel["y"] / panel["denominator"].where(panel["denominator"] > 0) * spec.share_per
    return panel


# Columns that decide an event's sector and family admission: few distinct combinations, on
# which the pandas rules (sector_mask, family_mask) run once each, joined back in DuckDB.
_RULE_COLUMNS = ("cameo_code", "quad_class", "source_sector", "target_sector")
# The event column each measure's SQL reads besides ``count`` (its expression over the joined
# rows); the others are NULL in the aggregated view, which no measure then reads.
_MEASURE_READS: dict[str, dict[str, str]] = {
    "event_days": {"date_ns": "date_ns"},
    "net_cooperation": {"quad_class": "quad_class"},
    "goldstein_sum": {"goldstein": "CASE WHEN isnan(goldstein) THEN NULL ELSE goldstein END"},
    "goldstein_mean": {"goldstein": "CASE WHEN isnan(goldstein) THEN NULL ELSE goldstein END"},
}


def _build_panel_parquet(
    path: str | Path,
    spec: SeriesSpec,
    known: Mapping[str, EventFamily],
    coverage: pd.DataFrame,
    sql: SqlRunner | None,
) -> pd.DataFrame:
    """:func:`build_panel` over parquet events, out of core: DuckDB joins and aggregates the rows.

    ``known`` are the taxonomy and extra families (:func:`all_families`), checked by the caller.

    Row-level work runs in DuckDB; every rule runs in pandas exactly as on a table in
    memory, but on distinct values (dates to periods, rule columns to sector and family
    masks, countries to dyads) joined back. The source volume and the top-N ranking are
    the pandas functions over per-day and per-pair sums (each row of a count table
    stands for ``count`` events), so every value equals the in-memory one.
    """
    con = duckdb.connect()
    # Joins run as written, every small table (rules, periods, grid, pairs) on the build
    # side: the optimizer misjudges the joins on computed keys and would hash the event
    # rows instead, memory then growing with the file (700 MB per 5M rows).
    con.execute("SET disabled_optimizers = 'join_order,build_side_probe_side'")
    try:
        con.sql(f"CREATE VIEW raw AS SELECT * FROM read_parquet({_literal(str(path))})")
        daily = con.sql("SELECT source_dataset, date, sum(count)::BIGINT AS count FROM raw GROUP BY ALL").df()
        daily["date"] = daily["date"].astype("datetime64[ns]")
        daily = daily[_covered_days(daily["source_dataset"], daily["date"], coverage, spec)]
        volume = source_volume(daily, spec.freq)
        grid = period_grid(coverage, spec, volume)
        # One row per covered dataset and date: the events of other dates drop out of the join.
        con.register(
            "periods",
            pd.DataFrame(
                {
                    "segment": daily["source_dataset"].astype(str).to_numpy(),
                    "date_ns": _ns(daily["date"]),
                    "day_ns": _ns(daily["date"].dt.floor("D")),  # what event_days counts: the calendar day
                    "ds_ns": _ns(daily["date"].dt.to_period(spec.freq).dt.start_time),
                }
            ),
        )
        con.register("grid", pd.DataFrame({"segment": grid["segment"].astype(str), "ds_ns": _ns(grid["ds"])}))
        rules = con.sql(f"SELECT DISTINCT {', '.join(_RULE_COLUMNS)} FROM raw").df()
        rules = pd.DataFrame(  # the dtypes of conform_dtypes, which the rules were written for
            {
                c: pd.array(rules[c], dtype="Int8") if c == "quad_class" else rules[c].astype(object).where(rules[c].notna(), None)
                for c in _RULE_COLUMNS
            }
        )
        flags = {f"f{i}": family_mask(rules, name, known) for i, name in enumerate(spec.families)}
        con.register("rules", rules.assign(admitted=sector_mask(rules, spec.sectors, spec.either_sector), **flags))
        joined = " AND ".join(f"r.{c} IS NOT DISTINCT FROM e.{c}" for c in _RULE_COLUMNS)
        con.sql(
            "CREATE VIEW base AS SELECT e.source_country, e.target_country, e.source_sector, e.target_sector, "
            "e.count, e.goldstein, e.quad_class, p.day_ns AS date_ns, p.ds_ns, r.admitted AND g.segment IS NOT NULL AS admitted, "
            f"g.segment IS NOT NULL AS in_grid, {', '.join(f'r.{f}' for f in flags)} FROM raw AS e "
            f"JOIN rules AS r ON {joined} JOIN periods AS p ON p.segment = e.source_dataset AND p.date_ns = epoch_ns(e.date) "
            "LEFT JOIN grid AS g ON g.segment = e.source_dataset AND g.ds_ns = p.ds_ns"
        )
        # The rows some series can count, summed over what no measure tells apart (each row
        # then stands for ``count`` events, as in a count table): base is joined once.
        # Only the column the measure reads is kept apart, so that a count table has one row per
        # dyad, period and family set, however many events (and distinct days or scores) it has.
        read = _MEASURE_READS.get(spec.measure, {})
        con.sql(
            f"CREATE TEMP TABLE kept AS SELECT source_country, target_country, ds_ns, "
            f"{''.join(f'{expr} AS {name}, ' for name, expr in read.items())}{', '.join(flags)}, "
            f"sum(count)::BIGINT AS count FROM base WHERE admitted AND ({' OR '.join(flags)}) GROUP BY ALL"
        )
        ranked = pd.DataFrame(columns=["source_country", "target_country", "count"])
        if spec.top_n is not None or spec.all_countries:
            ranked = con.sql("SELECT source_country, target_country, sum(count)::BIGINT AS count FROM kept GROUP BY ALL").df()
            for column in ("source_country", "target_country"):
                ranked[column] = ranked[column].astype(object).where(ranked[column].notna(), None)
        pairs = select_dyads(ranked, spec)
        ordered = pairs + ([] if spec.directed else [(b, a) for a, b in pairs])
        con.register("pairs", pd.DataFrame(ordered, columns=["s", "t"], dtype=object))
        in_pairs = "SEMI JOIN pairs AS q ON q.s = b.source_country AND q.t = b.target_country"
        con.sql(f"CREATE VIEW chosen AS SELECT b.* FROM kept AS b {in_pairs}")
        admitted_any = con.sql("SELECT count(*) FROM chosen").fetchall()[0][0] > 0
        n_seen, found = 0, set()
        if not admitted_any:  # the warning's case: all rows of the dyads (rare, so from base)
            con.sql(f"CREATE VIEW seen AS SELECT b.* FROM base AS b {in_pairs} WHERE b.in_grid")
            n_seen, admitted = con.sql("SELECT count(*), count(*) FILTER (WHERE admitted) FROM seen").fetchall()[0]
            admitted_any = admitted > 0
            found = {
                r[0]
                for r in con.sql("SELECT source_sector FROM seen UNION SELECT target_sector FROM seen").fetchall()
                if r[0] is not None
            }
        _warn_sectors(n_seen, found, spec, admitted_any)
        first, second = ("source_country", "target_country")
        dyad = (
            f"{first} || '>' || {second}"
            if spec.directed
            else f"least({first}, {second}) || '-' || greatest({first}, {second})"
        )
        con.sql(
            "CREATE VIEW events AS " + " UNION ALL ".join(
                f"SELECT {dyad} AS dyad, {_literal(name)} AS family, ds_ns AS ds, "
                f"{'date_ns' if 'date_ns' in read else 'NULL::BIGINT'} AS date, count::DOUBLE AS count, "
                f"{'goldstein' if 'goldstein' in read else 'NULL'}::DOUBLE AS goldstein, "
                f"{'quad_class' if 'quad_class' in read else 'NULL'}::DOUBLE AS quad_class FROM chosen WHERE {flag}"
                for name, flag in zip(spec.families, flags)
            )
        )
        values = aggregate_relation(con, "events", spec.measure, sql)
    finally:
        con.close()
    return _assemble(pairs, spec, grid, values, volume)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _ns(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds (join keys that no time zone or unit can change)."""
    return values.to_numpy(dtype="datetime64[ns]").astype("int64")
