"""Turn a canonical event table into a long panel of dyad series (``unique_id, ds, y``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from forecast.events.coverage import observed_coverage  # noqa: F401 - part of forecast.series
from forecast.events.taxonomy import EventFamily, families_from_mapping
from forecast.series.measures import MEASURES, TRANSFORMS, aggregate_measure, source_volume
from forecast.series.selection import candidate_pairs, dyad_labels, family_mask, sector_mask, top_pairs

PANEL_COLUMNS = ("unique_id", "ds", "y")
METADATA_COLUMNS = ("dyad", "source", "target", "family", "measure", "freq", "segment", "partial", "denominator")
_FREQ_BASES = ("D", "W", "M", "Q")


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
    drop_partial : bool
        Drop periods only partly inside a dataset's coverage (a partial week is not a
        smaller week); when ``False`` they are kept and flagged in ``partial``.
    span : {"latest", "all"}
        ``latest`` keeps only the most recent coverage period, so every series is one
        contiguous run; ``all`` keeps every period, with the gaps left missing.
    """

    dyads: Sequence[tuple[str, str]] = ()
    families: Sequence[str] = ()
    countries: Sequence[str] = ()
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

    def __post_init__(self) -> None:
        if self.span not in ("latest", "all"):
            raise ValueError(f"series.span must be 'latest' or 'all', got {self.span!r}.")
        if not self.families:
            raise ValueError("series.families is empty: name at least one event family.")
        for pair in self.dyads:
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ValueError(f"series.dyads: {pair!r} is not a pair of two different ISO3 codes.")
        if not self.dyads and len(self.countries) < 2 and self.top_n is None:
            raise ValueError("series: no dyads selected; set series.dyads, series.countries (>= 2) or series.top_n.")
        if self.top_n is not None and self.top_n < 1:
            raise ValueError(f"series.top_n must be >= 1 or null, got {self.top_n}.")
        if self.measure not in MEASURES:
            raise ValueError(f"series.measure={self.measure!r} is unknown; choose one of {sorted(MEASURES)}.")
        if self.transform not in TRANSFORMS:
            raise ValueError(f"series.transform={self.transform!r} is unknown; choose one of {TRANSFORMS}.")
        if self.share_per <= 0:
            raise ValueError(f"series.share_per must be > 0, got {self.share_per}.")
        outside = set(self.either_sector) - set(self.sectors)
        if outside:
            raise ValueError(
                f"series.either_sector {sorted(outside)} is not in series.sectors {list(self.sectors)}: "
                "no event could pass; add it to series.sectors."
            )
        _check_freq(self.freq)
        if self.start is not None and self.end is not None and pd.Timestamp(self.start) > pd.Timestamp(self.end):
            raise ValueError(f"series.start={self.start} is after series.end={self.end}.")


def _check_freq(freq: str) -> None:
    try:
        base = pd.Period("2000-01-01", freq=freq).freqstr.split("-")[0]
    except (ValueError, TypeError) as err:
        raise ValueError(f"series.freq={freq!r} is not a pandas period alias ({err}); use D, W-SUN, M or Q.") from None
    if base not in _FREQ_BASES:
        raise ValueError(f"series.freq={freq!r}: only days, weeks, months and quarters are supported (D, W-SUN, M, Q).")


def dyad_label(source: str, target: str, directed: bool) -> str:
    """Name of a dyad: ``CHN>RUS`` when directed, alphabetical ``CHN-RUS`` otherwise."""
    if directed:
        return f"{source}>{target}"
    first, second = sorted((source, target))
    return f"{first}-{second}"


def period_grid(coverage: pd.DataFrame, spec: SeriesSpec) -> pd.DataFrame:
    """The calendar periods of the panel: inside coverage and the spec's start/end.

    Returns
    -------
    pandas.DataFrame
        ``ds`` (period start), ``partial`` (period only partly covered) and ``segment``
        (the dataset covering it), sorted by ``ds``.

    Raises
    ------
    ValueError
        When no period is left, naming the window and the fix.
    """
    lower = pd.Timestamp(spec.start) if spec.start is not None else pd.Timestamp.min
    upper = pd.Timestamp(spec.end) if spec.end is not None else pd.Timestamp.max
    rows = []
    # One iteration per coverage window (a handful), not per event.
    for window in coverage.itertuples(index=False):
        start, end = max(pd.Timestamp(window.start), lower), min(pd.Timestamp(window.end), upper)
        if start > end:
            continue
        periods = pd.period_range(start.to_period(spec.freq), end.to_period(spec.freq), freq=spec.freq)
        partial = (periods.start_time < start) | (periods.end_time.normalize() > end)
        rows.append(pd.DataFrame({"ds": periods.start_time, "partial": partial, "segment": window.source_dataset}))
    grid = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["ds", "partial", "segment"])
    if spec.drop_partial:
        grid = grid[~grid["partial"].astype(bool)]
    # Two datasets covering the same period would double count: keep one row per period.
    grid = grid.drop_duplicates("ds").sort_values("ds").reset_index(drop=True)
    if spec.span == "latest" and not grid.empty:
        grid = grid[grid["segment"] == grid["segment"].iloc[-1]].reset_index(drop=True)
    if grid.empty:
        raise ValueError(
            f"series: no complete {spec.freq} period inside the coverage {coverage.to_dict('records')} "
            f"and series.start={spec.start}, series.end={spec.end}; widen the window or set series.drop_partial=false."
        )
    return grid


def all_families(spec: SeriesSpec, families: Mapping[str, EventFamily]) -> dict[str, EventFamily]:
    """Taxonomy families plus the spec's ``extra_families``.

    Raises
    ------
    ValueError
        When an extra family repeats a taxonomy name (it would silently shadow it).
    """
    if not spec.extra_families:
        return dict(families)
    clash = sorted(set(spec.extra_families) & set(families))
    if clash:
        raise ValueError(f"series.extra_families {clash} repeat taxonomy families; rename them.")
    return {**families, **families_from_mapping(spec.extra_families)}


def select_dyads(events: pd.DataFrame, spec: SeriesSpec) -> list[tuple[str, str]]:
    """The (source, target) pairs the spec selects, top-N ranked on ``events`` when asked.

    Parameters
    ----------
    events : pandas.DataFrame
        Events already filtered to the spec's sectors, families and periods (only used
        for ``top_n``).
    spec : SeriesSpec
        The selection.

    Returns
    -------
    list of (str, str)
        Ordered pairs when directed, alphabetical pairs otherwise, without repeats.
    """
    pairs = candidate_pairs(spec.dyads, spec.countries, spec.directed)
    if spec.top_n is not None:
        pairs = top_pairs(events, spec.top_n, spec.directed, among=pairs)
        if not pairs:
            raise ValueError("series.top_n: no international event passes the sector and family filters.")
    return pairs


def build_panel(
    events: pd.DataFrame,
    spec: SeriesSpec,
    families: Mapping[str, EventFamily],
    coverage: pd.DataFrame,
) -> pd.DataFrame:
    """Measure events per dyad, family and period on a complete, zero-filled calendar grid.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical event table.
    spec : SeriesSpec
        What to measure.
    families : mapping of str to EventFamily
        Taxonomy families; ``spec.families`` combine them and ``spec.extra_families``.
    coverage : pandas.DataFrame
        ``source_dataset, start, end``: the periods the data cover. Periods outside every
        window are absent from the panel (missing, not zero).

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
    """
    known = all_families(spec, families)
    grid = period_grid(coverage, spec)
    # An event counts only in a period its own dataset covers.
    period = events["date"].dt.to_period(spec.freq).dt.start_time
    in_grid = pd.MultiIndex.from_arrays([events["source_dataset"], period]).isin(
        pd.MultiIndex.from_frame(grid[["segment", "ds"]])
    )
    in_family = {name: family_mask(events, name, known) for name in spec.families}
    admitted = sector_mask(events, spec.sectors, spec.either_sector) & in_grid
    # Only a top-N selection ranks pairs on the events.
    ranked = events.iloc[:0]
    if spec.top_n is not None:
        ranked = events[admitted & np.logical_or.reduce(list(in_family.values()))]
    pairs = select_dyads(ranked, spec)

    dyads = pd.DataFrame(pairs, columns=["source", "target"])
    dyads["dyad"] = dyad_labels(dyads["source"], dyads["target"], spec.directed)
    keep = admitted & pd.MultiIndex.from_arrays([events["source_country"], events["target_country"]]).isin(
        pairs + ([] if spec.directed else [(b, a) for a, b in pairs])
    )
    selected = events[keep].copy()
    selected["dyad"] = dyad_labels(selected["source_country"], selected["target_country"], spec.directed)
    selected["ds"] = selected["date"].dt.to_period(spec.freq).dt.start_time

    measured = [
        aggregate_measure(selected[in_family[name][keep]], ["dyad", "ds"], spec.measure).assign(family=name)
        for name in spec.families
    ]
    values = pd.concat(measured, ignore_index=True)
    skeleton = dyads.merge(pd.DataFrame({"family": list(spec.families)}), how="cross").merge(grid, how="cross")
    panel = skeleton.merge(values, on=["dyad", "family", "ds"], how="left")
    panel = panel.merge(source_volume(events, spec.freq), on=["segment", "ds"], how="left")
    panel["denominator"] = panel["denominator"].fillna(0.0)
    if spec.measure == "goldstein_mean":
        panel["y"] = panel["y"].astype(float)
    else:
        panel["y"] = panel["y"].fillna(0.0).astype(float)
    if spec.measure == "share":
        panel["y"] = panel["y"] / panel["denominator"].where(panel["denominator"] > 0) * spec.share_per
    panel["unique_id"] = panel["dyad"] + "/" + panel["family"]
    panel["measure"] = spec.measure
    panel["freq"] = spec.freq
    columns = [*PANEL_COLUMNS, *METADATA_COLUMNS]
    return panel[columns].sort_values(["unique_id", "ds"]).reset_index(drop=True)
