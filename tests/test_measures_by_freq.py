"""Every measure at D, W, M and Q on one hand-built event table, against hand-computed panels.

The table (below) has CHN-RUS events of all four quad classes, same-day repeats, an event
with no Goldstein value, events on the last day of a month and of a quarter, and USA-JPN
events that only count in the source's volume (the ``share`` denominator). Coverage is
2021-01-01 (a Friday) to 2021-06-30 (a Wednesday), so the first and last weeks are partial
and dropped, while every month and both quarters are complete.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.events import families_from_mapping
from forecast.series import SeriesSpec, build_panel
from tests.event_tables import coverage, event_table

FAMILIES = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
NAN = float("nan")

#        date          source        target        code  count goldstein   quad (from the root)
EVENTS = event_table(
    [
        ("2021-01-04", "CHN", "state", "RUS", "state", "042", 1, 1.9),  # e1 Mon, q1
        ("2021-01-04", "RUS", "GOV", "CHN", "state", "043", 2, 2.8),  # e2 same day, reversed, q1
        ("2021-01-06", "CHN", "MIL", "RUS", "state", "190", 1, -10.0),  # e3 Wed, q4
        ("2021-01-12", "CHN", "state", "RUS", "GOV", "061", 1, 6.4),  # e4 Tue, q2 (material cooperation)
        ("2021-01-31", "CHN", "state", "RUS", "state", "112", 2, -2.0),  # e5 Sun, last day of January, q3
        ("2021-02-01", "RUS", "state", "CHN", "state", "071", 3, 7.4),  # e6 Mon, q2
        ("2021-03-31", "CHN", "state", "RUS", "state", "036", 1, 4.0),  # e7 last day of Q1, q1
        ("2021-04-01", "RUS", "state", "CHN", "state", "138", 1, -7.0),  # e8 first day of Q2, same week, q3
        ("2021-06-30", "CHN", "state", "RUS", "state", "042", 1, NAN),  # e9 last covered day, no Goldstein
        ("2021-01-04", "USA", "state", "JPN", "state", "042", 4, 1.9),  # volume only
        ("2021-02-01", "USA", "state", "JPN", "state", "042", 1, 1.9),  # volume only
        ("2021-04-01", "USA", "state", "JPN", "state", "042", 5, 1.9),  # volume only
        ("2021-05-15", "USA", "state", "JPN", "state", "042", 2, 1.9),  # volume only: a Saturday in May
    ]
)
COVER = coverage(("hand", "2021-01-01", "2021-06-30"))

# The periods of each grid, by hand: every day; Monday-labelled weeks from the first full
# week (Jan 4) to the last (Jun 21-27); six months; two quarters.
GRIDS = {
    "D": pd.date_range("2021-01-01", "2021-06-30", freq="D"),
    "W-SUN": pd.date_range("2021-01-04", "2021-06-21", freq="7D"),
    "M": pd.DatetimeIndex([f"2021-{m:02d}-01" for m in range(1, 7)]),
    "Q": pd.DatetimeIndex(["2021-01-01", "2021-04-01"]),
}

# Hand-computed values per period: (count, event_days, goldstein_sum, goldstein_mean,
# net_cooperation, denominator). Periods not listed have no event at all.
HAND = {
    "D": {
        "2021-01-04": (3, 1, 1.9 + 2 * 2.8, 7.5 / 3, 3, 3 + 4),
        "2021-01-06": (1, 1, -10.0, -10.0, -1, 1),
        "2021-01-12": (1, 1, 6.4, 6.4, 1, 1),
        "2021-01-31": (2, 1, -4.0, -2.0, -2, 2),
        "2021-02-01": (3, 1, 22.2, 7.4, 3, 3 + 1),
        "2021-03-31": (1, 1, 4.0, 4.0, 1, 1),
        "2021-04-01": (1, 1, -7.0, -7.0, -1, 1 + 5),
        "2021-05-15": (0, 0, 0.0, NAN, 0, 2),
        "2021-06-30": (1, 1, 0.0, NAN, 1, 1),  # the event has no Goldstein value
    },
    "W-SUN": {  # e9 (Jun 30) falls in the partial last week, which is dropped
        "2021-01-04": (4, 2, 7.5 - 10.0, -2.5 / 4, 3 - 1, 4 + 4),
        "2021-01-11": (1, 1, 6.4, 6.4, 1, 1),
        "2021-01-25": (2, 1, -4.0, -2.0, -2, 2),
        "2021-02-01": (3, 1, 22.2, 7.4, 3, 4),
        "2021-03-29": (2, 2, 4.0 - 7.0, -3.0 / 2, 1 - 1, 1 + 1 + 5),  # across the quarter boundary
        "2021-05-10": (0, 0, 0.0, NAN, 0, 2),
    },
    "M": {
        "2021-01-01": (7, 4, 7.5 - 10.0 + 6.4 - 4.0, -0.1 / 7, 3 - 1 + 1 - 2, 7 + 4),
        "2021-02-01": (3, 1, 22.2, 7.4, 3, 4),
        "2021-03-01": (1, 1, 4.0, 4.0, 1, 1),
        "2021-04-01": (1, 1, -7.0, -7.0, -1, 6),
        "2021-05-01": (0, 0, 0.0, NAN, 0, 2),
        "2021-06-01": (1, 1, 0.0, NAN, 1, 1),
    },
    "Q": {
        "2021-01-01": (11, 6, -0.1 + 22.2 + 4.0, 26.1 / 11, 1 + 3 + 1, 11 + 4 + 1),
        "2021-04-01": (2, 2, -7.0, -7.0, 0, 6 + 2 + 1),  # e9 has no Goldstein value: the mean is e8's
    },
}
COLUMN = {"count": 0, "event_days": 1, "goldstein_sum": 2, "goldstein_mean": 3, "net_cooperation": 4}


def _expected(freq: str, measure: str) -> tuple[dict, dict]:
    """Expected ``{ds: y}`` and ``{ds: denominator}`` over the whole grid."""
    values, denominators = {}, {}
    for ds in GRIDS[freq]:
        row = HAND[freq].get(ds.strftime("%Y-%m-%d"))
        denominator = float(row[5]) if row else 0.0
        denominators[ds] = denominator
        if measure == "share":
            y = row[0] / denominator if row else NAN  # no source event: the share is undefined
        elif measure == "goldstein_mean":
            y = row[3] if row else NAN
        else:
            y = float(row[COLUMN[measure]]) if row else 0.0
        values[ds] = y
    return values, denominators


def _same(got: dict, expected: dict) -> bool:
    if list(got) != list(expected):
        return False
    return all(
        (math.isnan(e) and math.isnan(g)) or (not math.isnan(g) and g == pytest.approx(e, abs=1e-12))
        for g, e in zip(got.values(), expected.values())
    )


@pytest.mark.parametrize("freq", list(GRIDS))
@pytest.mark.parametrize("measure", [*COLUMN, "share"])
def test_measure_at_frequency_matches_hand_panel(measure: str, freq: str) -> None:
    # the hand table has long quiet stretches inside its coverage: trust the coverage window
    # (max_empty_periods=None) so every period of the grid is kept and zero-filled
    spec = SeriesSpec(
        dyads=[("CHN", "RUS")], families=["all"], measure=measure, freq=freq, share_per=1.0, max_empty_periods=None
    )
    panel = build_panel(EVENTS, spec, FAMILIES, COVER)
    assert set(panel["unique_id"]) == {"CHN-RUS/all"}
    assert not panel["partial"].any()
    values, denominators = _expected(freq, measure)
    got = dict(zip(panel["ds"], panel["y"]))
    wrong = {ds: (got.get(ds), e) for ds, e in values.items() if not _same({ds: got.get(ds, NAN)}, {ds: e})}
    assert list(got) == list(values) and not wrong, wrong
    # the denominator is the source's volume in the period, whatever the measure
    assert dict(zip(panel["ds"], panel["denominator"])) == denominators
    assert (panel["measure"] == measure).all() and (panel["freq"] == freq).all()


@pytest.mark.parametrize("freq", list(GRIDS))
def test_share_scale_and_sum_over_dyads(freq: str) -> None:
    spec = SeriesSpec(
        countries=["CHN", "JPN", "RUS", "USA"], families=["all"], measure="share", freq=freq, max_empty_periods=None
    )
    panel = build_panel(EVENTS, spec, FAMILIES, COVER)
    _, denominators = _expected(freq, "share")
    covered = [ds for ds, d in denominators.items() if d > 0]
    # every event of the table is in CHN-RUS or JPN-USA: their shares add up to the whole source
    total = panel.groupby("ds")["y"].sum(min_count=1)
    assert total.loc[covered].to_numpy() == pytest.approx(np.full(len(covered), 10_000.0))
    assert panel.loc[panel["ds"].isin(covered), "y"].notna().all()
    assert panel.loc[~panel["ds"].isin(covered), "y"].isna().all()


def test_net_cooperation_counts_material_cooperation_as_cooperation() -> None:
    # one event of each quad class on its own day, counts 1, 2, 4 and 8: every class is
    # visible in the result (cooperation 1-2 adds, conflict 3-4 subtracts)
    events = event_table(
        [
            ("2021-01-04", "CHN", "state", "RUS", "state", "042", 1),  # 1 verbal cooperation
            ("2021-01-05", "CHN", "state", "RUS", "state", "061", 2),  # 2 material cooperation
            ("2021-01-06", "CHN", "state", "RUS", "state", "112", 4),  # 3 verbal conflict
            ("2021-01-07", "CHN", "state", "RUS", "state", "190", 8),  # 4 material conflict
        ]
    )
    assert events["quad_class"].tolist() == [1, 2, 3, 4]
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="net_cooperation", freq="D")
    panel = build_panel(events, spec, FAMILIES, coverage(("hand", "2021-01-04", "2021-01-07")))
    assert panel["y"].tolist() == [1.0, 2.0, -4.0, -8.0]
    weekly = build_panel(events, SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="net_cooperation"),
                         FAMILIES, coverage(("hand", "2021-01-04", "2021-01-10")))
    assert weekly["y"].tolist() == [1.0 + 2.0 - 4.0 - 8.0]
