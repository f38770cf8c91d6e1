"""build_panel over parquet events (out of core, in DuckDB) gives the panel of the table in memory."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pyarrow.parquet as pq
import pytest

from forecast.events import ingest
from forecast.events.readers._finish import from_arrow, to_arrow
from forecast.series import SeriesSpec, build_panel, observed_coverage
from tests.event_tables import coverage, event_table
from tests.test_series_panel import COVER, FAMILIES, HAND, series

FIXTURES = Path(__file__).parent / "fixtures"


def _write(events: pd.DataFrame, path: Path) -> Path:
    pq.write_table(to_arrow(events.assign(dedup_key="k", source_file="f", source_line=range(len(events)))), path)
    return path


def _both(events: pd.DataFrame, spec: SeriesSpec, cover: pd.DataFrame, path: Path, families=FAMILIES):
    """The panel from the table in memory and from its parquet file, with the warnings of each."""
    file = _write(events, path)
    with warnings.catch_warnings(record=True) as in_memory:
        warnings.simplefilter("always")
        expected = build_panel(events, spec, families, cover)
    with warnings.catch_warnings(record=True) as out_of_core:
        warnings.simplefilter("always")
        got = build_panel(file, spec, families, cover)
    return expected, got, [str(w.message) for w in in_memory], [str(w.message) for w in out_of_core]


def test_hand_counts_from_parquet(tmp_path):
    """The hand-computed weekly counts of test_series_panel, read from a file."""
    spec = SeriesSpec(dyads=[("CHN", "RUS"), ("CHN", "USA")], families=["cooperation", "military_contact", "all"])
    panel = build_panel(_write(HAND, tmp_path / "events.parquet"), spec, FAMILIES, COVER)
    weeks = [pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-08"), pd.Timestamp("2018-01-15")]
    assert series(panel, "CHN-RUS/cooperation") == dict(zip(weeks, [4.0, 0.0, 0.0]))
    assert series(panel, "CHN-RUS/all") == dict(zip(weeks, [4.0, 0.0, 1.0]))
    assert series(panel, "CHN-USA/cooperation") == dict(zip(weeks, [0.0, 0.0, 1.0]))
    assert len(panel) == 2 * 3 * 3


# Two datasets one after the other, unresolved countries and sectors, weights, a missing
# Goldstein value, a domestic event, an event outside its dataset's window (a, 2018-01-29)
# and an empty week (a gap of max_empty_periods=0).
MIXED = pd.concat(
    [
        event_table(
            [
                ("2018-01-01", "CHN", "state", "RUS", "state", "042", 1, 1.9),
                ("2018-01-03", "RUS", "GOV", "CHN", "state", "043", 2, 2.8),
                ("2018-01-07", "CHN", "MIL", "RUS", "MIL", "062", 1, 6.4),
                ("2018-01-07", "CHN", "MIL", "RUS", "MIL", "062", 1, 6.4),
                ("2018-01-15", "CHN", "state", "RUS", "state", "112", 3, float("nan")),
                ("2018-01-15", "CHN", "other", "RUS", "state", "042", 5, 1.9),
                ("2018-01-16", "CHN", "state", "USA", "state", "190", 1, -10.0),
                ("2018-01-16", "USA", "state", "USA", "GOV", "042", 4, 1.9),
                ("2018-01-29", "USA", "MIL", "CHN", "GOV", "150", 2, -7.2),
            ],
            dataset="a",
        ),
        event_table(
            [
                ("2018-01-23", "USA", "state", "RUS", "state", "042", 7, 1.9),
                ("2018-01-30", "RUS", "state", "USA", "MIL", "062", 1, 6.4),
                ("2018-01-30", "RUS", None, "USA", "state", "062", 1, 6.4),
                ("2018-01-31", "CHN", "state", "RUS", "GOV", "036", 2, 4.0),
            ],
            dataset="b",
        ),
    ],
    ignore_index=True,
)
MIXED.loc[[5, 10], "source_country"] = None
MIXED_COVER = coverage(("a", "2018-01-01", "2018-01-21"), ("b", "2018-01-22", "2018-02-04"))
SPECS = {
    "directed, countries": SeriesSpec(
        countries=["CHN", "RUS", "USA"], families=["cooperation", "all"], directed=True, span="all"
    ),
    "undirected, dyads": SeriesSpec(
        dyads=[("RUS", "CHN"), ("USA", "CHN")], families=["military_contact|cooperation"], span="all"
    ),
    "top_n": SeriesSpec(top_n=2, families=["all"], span="all", max_empty_periods=None),
    "all_countries": SeriesSpec(
        all_countries=True, directed=True, families=["all&cooperation"], drop_partial=False, span="all"
    ),
    "either MIL, event_days": SeriesSpec(
        countries=["CHN", "RUS", "USA"], families=["all"], either_sector=["MIL"], measure="event_days", span="all"
    ),
    "goldstein_mean, gaps": SeriesSpec(countries=["CHN", "RUS"], families=["all"], measure="goldstein_mean", max_empty_periods=0),
    "goldstein_sum, monthly": SeriesSpec(
        countries=["CHN", "RUS", "USA"], families=["all"], freq="M", measure="goldstein_sum", drop_partial=False, span="all"
    ),
    "share, other sector": SeriesSpec(
        countries=["CHN", "RUS"], families=["cooperation"], measure="share", sectors=["state", "other"], span="all"
    ),
    "net_cooperation, extra family": SeriesSpec(
        countries=["CHN", "USA"],
        families=["hostile"],
        measure="net_cooperation",
        span="all",
        extra_families={"hostile": {"description": "conflict", "any_of": [{"quad_classes": [3, 4]}]}},
    ),
    # cooperation and conflict in one series: a reduced view without quad_class would count all as conflict
    "net_cooperation, all": SeriesSpec(countries=["CHN", "RUS", "USA"], families=["all"], measure="net_cooperation", span="all"),
    "no admitted sector": SeriesSpec(countries=["CHN", "RUS"], families=["all"], sectors=["other"], span="all"),
}


@pytest.mark.parametrize("name", list(SPECS))
def test_parquet_panel_equals_in_memory(tmp_path, name):
    expected, got, warned, warned_parquet = _both(MIXED, SPECS[name], MIXED_COVER, tmp_path / "events.parquet")
    pdt.assert_frame_equal(got, expected, check_exact=True)
    assert warned_parquet == warned


def test_ingested_gdelt_file(tmp_path):
    """events.parquet as forecast.events.ingest writes it: observed coverage and panel as in memory."""
    summary = ingest(FIXTURES / "gdelt2", tmp_path / "out", format="gdelt2")
    path = summary["outputs"]["events"]
    events = from_arrow(pq.read_table(path))
    cover = observed_coverage(path)
    pdt.assert_frame_equal(cover, observed_coverage(events), check_exact=True)
    spec = SeriesSpec(all_countries=True, directed=True, families=["all"], drop_partial=False, sectors=["state", "GOV", "MIL", "other"])
    pdt.assert_frame_equal(build_panel(path, spec, FAMILIES, cover), build_panel(events, spec, FAMILIES, cover), check_exact=True)


def test_panel_columns_rows_and_dtypes(tmp_path):
    """Every cell of a small panel against the frame written out by hand (two segments, two families)."""
    spec = SeriesSpec(dyads=[("USA", "RUS"), ("CHN", "RUS")], families=["cooperation", "all"], directed=True, span="all")
    panel = build_panel(_write(MIXED, tmp_path / "events.parquet"), spec, FAMILIES, MIXED_COVER)
    weeks = pd.date_range("2018-01-01", periods=5, freq="7D")
    uids = ["CHN>RUS/all", "CHN>RUS/cooperation", "USA>RUS/all", "USA>RUS/cooperation"]
    # per unique_id, weeks 1-5 (a covers weeks 1-3, b weeks 4-5): CHN>RUS 042 + 2 x 062 in week 1,
    # 112 x 3 in week 3 (the 042 x 5 has no source country), 036 x 2 in week 5; USA>RUS 042 x 7
    y = {
        "CHN>RUS/all": [3.0, 0.0, 3.0, 0.0, 2.0],
        "CHN>RUS/cooperation": [3.0, 0.0, 0.0, 0.0, 2.0],
        "USA>RUS/all": [0.0, 0.0, 0.0, 7.0, 0.0],
        "USA>RUS/cooperation": [0.0, 0.0, 0.0, 7.0, 0.0],
    }
    expected = pd.DataFrame(
        {
            "unique_id": [u for u in uids for _ in weeks],
            "ds": list(weeks) * len(uids),
            "y": [v for u in uids for v in y[u]],
            "dyad": [u.split("/")[0] for u in uids for _ in weeks],
            "source": [u[:3] for u in uids for _ in weeks],
            "target": ["RUS"] * 20,
            "family": [u.split("/")[1] for u in uids for _ in weeks],
            "measure": "count",
            "freq": "W-SUN",
            "segment": ["a", "a", "a", "b", "b"] * len(uids),
            "partial": False,
            "denominator": [5.0, 0.0, 13.0, 7.0, 4.0] * len(uids),
        }
    )
    pdt.assert_frame_equal(panel, expected, check_exact=True)
