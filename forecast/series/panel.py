"""Turn a canonical event table into a long panel of dyad count series (``unique_id, ds, y``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from forecast.events.taxonomy import EventFamily

PANEL_COLUMNS = ("unique_id", "ds", "y")


@dataclass(frozen=True)
class SeriesSpec:
    """What to count: which dyads, which events, at which frequency.

    Parameters
    ----------
    dyads : sequence of (str, str)
        Country pairs as ISO3 codes, e.g. ``[("CHN", "RUS"), ("CHN", "USA")]``.
    families : sequence of str
        Event family names (defined in the taxonomy config) to count, one series each.
    directed : bool
        ``False`` counts A→B and B→A together as the dyad ``A-B``; ``True`` counts A→B only.
    freq : str
        pandas period alias: ``D``, ``W-SUN`` (weeks Monday–Sunday, labelled by the Monday),
        ``M`` or ``Q``.
    sectors : sequence of str
        Sectors admitted on both sides (default: official actors only).
    drop_partial : bool
        Drop periods only partly inside a dataset's coverage (a partial week is not a
        smaller week); when ``False`` they are kept and flagged in ``partial``.
    span : {"latest", "all"}
        ``latest`` keeps only the most recent coverage period, so every series is one
        contiguous run; ``all`` keeps every period, with the gaps left missing.
    """

    dyads: Sequence[tuple[str, str]]
    families: Sequence[str]
    directed: bool = False
    freq: str = "W-SUN"
    sectors: Sequence[str] = field(default=("state", "GOV", "MIL"))
    drop_partial: bool = True
    span: str = "latest"

    def __post_init__(self) -> None:
        if self.span not in ("latest", "all"):
            raise ValueError(f"series.span must be 'latest' or 'all', got {self.span!r}.")
        for pair in self.dyads:
            if len(pair) != 2 or pair[0] == pair[1]:
                raise ValueError(f"series.dyads: {pair!r} is not a pair of two different ISO3 codes.")


def dyad_label(source: str, target: str, directed: bool) -> str:
    """Name of a dyad: ``CHN>RUS`` when directed, alphabetical ``CHN-RUS`` otherwise."""
    if directed:
        return f"{source}>{target}"
    first, second = sorted((source, target))
    return f"{first}-{second}"


def observed_coverage(events: pd.DataFrame) -> pd.DataFrame:
    """Coverage per dataset taken from the data itself: first and last event date.

    Use it when a source publishes no coverage period; it cannot tell a quiet last week
    from a missing one.
    """
    span = events.groupby("source_dataset")["date"].agg(["min", "max"])
    return pd.DataFrame({"source_dataset": span.index, "start": span["min"].values, "end": span["max"].values})


def _period_grid(coverage: pd.DataFrame, freq: str, drop_partial: bool) -> pd.DataFrame:
    """Periods inside each coverage window, with a flag for partly covered ones."""
    rows = []
    for window in coverage.itertuples(index=False):
        start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
        periods = pd.period_range(start.to_period(freq), end.to_period(freq), freq=freq)
        partial = (periods.start_time < start) | (periods.end_time.normalize() > end)
        rows.append(
            pd.DataFrame(
                {"ds": periods.start_time, "partial": partial, "segment": window.source_dataset}
            )
        )
    grid = pd.concat(rows, ignore_index=True)
    if drop_partial:
        grid = grid[~grid["partial"]]
    # Two datasets covering the same period would double count: keep one row per period.
    return grid.drop_duplicates("ds").sort_values("ds").reset_index(drop=True)


def build_panel(
    events: pd.DataFrame,
    spec: SeriesSpec,
    families: Mapping[str, EventFamily],
    coverage: pd.DataFrame,
) -> pd.DataFrame:
    """Count events per dyad, family and period on a complete, zero-filled calendar grid.

    Parameters
    ----------
    events : pandas.DataFrame
        Canonical event table.
    spec : SeriesSpec
        What to count.
    families : mapping of str to EventFamily
        Known families; ``spec.families`` must name some of them.
    coverage : pandas.DataFrame
        ``source_dataset, start, end``: the periods the data cover. Periods outside every
        window are absent from the panel (missing, not zero).

    Returns
    -------
    pandas.DataFrame
        Long panel ``unique_id, ds, y`` plus ``source, target, family, measure, freq,
        segment, partial``. ``unique_id`` is ``<dyad>/<family>``.
    """
    unknown = [f for f in spec.families if f not in families]
    if unknown:
        raise KeyError(f"series.families: unknown family {unknown}; defined: {sorted(families)}.")

    grid = _period_grid(coverage, spec.freq, spec.drop_partial)
    if spec.span == "latest":
        grid = grid[grid["segment"] == grid["segment"].iloc[-1]]

    sectors = list(spec.sectors)
    official = events["source_sector"].isin(sectors) & events["target_sector"].isin(sectors)
    pairs = {(a, b) for a, b in spec.dyads}
    if not spec.directed:
        pairs |= {(b, a) for a, b in spec.dyads}
    key = pd.MultiIndex.from_arrays([events["source_country"], events["target_country"]])
    selected = events[official.to_numpy() & key.isin(list(pairs))].copy()
    selected["dyad"] = [
        dyad_label(s, t, spec.directed) for s, t in zip(selected["source_country"], selected["target_country"])
    ]
    selected["ds"] = selected["date"].dt.to_period(spec.freq).dt.start_time

    counted = []
    for name in spec.families:
        in_family = selected[families[name].mask(selected)]
        counted.append(in_family.groupby(["dyad", "ds"])["count"].sum().rename("y").reset_index().assign(family=name))
    counts = pd.concat(counted, ignore_index=True)

    dyads = pd.DataFrame(
        [(dyad_label(a, b, spec.directed), a, b) for a, b in spec.dyads], columns=["dyad", "source", "target"]
    ).drop_duplicates("dyad")
    skeleton = dyads.merge(pd.DataFrame({"family": list(spec.families)}), how="cross").merge(grid, how="cross")
    panel = skeleton.merge(counts, on=["dyad", "family", "ds"], how="left")
    panel["y"] = panel["y"].fillna(0).astype(float)
    panel["unique_id"] = panel["dyad"] + "/" + panel["family"]
    panel["measure"] = "count"
    panel["freq"] = spec.freq
    columns = ["unique_id", "ds", "y", "source", "target", "family", "measure", "freq", "segment", "partial"]
    return panel[columns].sort_values(["unique_id", "ds"]).reset_index(drop=True)


def history_matrix(panel: pd.DataFrame) -> tuple[np.ndarray, list[str], pd.DatetimeIndex]:
    """Wide view of a regular panel: array ``(n_series, n_periods)``, ids and dates."""
    wide = panel.pivot(index="unique_id", columns="ds", values="y").sort_index()
    return wide.to_numpy(dtype=float), list(wide.index), pd.DatetimeIndex(wide.columns)
