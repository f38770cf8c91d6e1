"""Each measure against hand counts, media-volume denominators, and the log1p transform."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.events import families_from_mapping
from forecast.models import Naive
from forecast.series import SeriesSpec, apply_transform, build_panel, check_model_support, describe_measure, invert_transform
from forecast.series.sql import measure_sql
from tests.event_tables import coverage, event_table, series

FAMILIES = families_from_mapping({"all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]}})
W1, W2, W3 = pd.Timestamp("2018-01-01"), pd.Timestamp("2018-01-08"), pd.Timestamp("2018-01-15")

# Three full weeks, Monday 2018-01-01 to Sunday 2018-01-21.
EVENTS = event_table(
    [
        ("2018-01-01", "CHN", "state", "RUS", "state", "042", 2, 1.9),  # coop, 2 events
        ("2018-01-01", "RUS", "GOV", "CHN", "state", "043", 1, 2.8),  # coop, same day, reverse
        ("2018-01-03", "CHN", "state", "RUS", "state", "112", 3, -2.0),  # verbal conflict, 3 events
        ("2018-01-09", "RUS", "state", "CHN", "GOV", "190", 1, -10.0),  # material conflict
        ("2018-01-02", "USA", "state", "GBR", "state", "042", 10, 1.9),  # other dyad: denominator only
        ("2018-01-10", "FRA", "other", None, None, "010", 5, 0.0),  # unresolved target: denominator only
        ("2018-01-16", "USA", "state", "GBR", "state", "042", 4, 1.9),  # week 3: no CHN-RUS event
    ]
)
COVER = coverage(("hand", "2018-01-01", "2018-01-21"))


def measured(measure: str, **kwargs) -> dict:
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure=measure, **kwargs)
    return series(build_panel(EVENTS, spec, FAMILIES, COVER), "CHN-RUS/all")


def test_event_count_weights_by_multiplicity():
    assert measured("count") == {W1: 6.0, W2: 1.0, W3: 0.0}  # 2+1+3, 1, none


def test_event_days_count_days_not_events():
    assert measured("event_days") == {W1: 2.0, W2: 1.0, W3: 0.0}  # Jan 1 and Jan 3; Jan 9


def test_goldstein_sum_and_mean():
    total = measured("goldstein_sum")
    assert total[W1] == pytest.approx(2 * 1.9 + 2.8 - 3 * 2.0)  # 0.6
    assert total[W2] == pytest.approx(-10.0)
    assert total[W3] == 0.0
    mean = measured("goldstein_mean")
    assert mean[W1] == pytest.approx(0.6 / 6)
    assert mean[W2] == pytest.approx(-10.0)
    assert math.isnan(mean[W3])  # no events: the mean is undefined, not zero


def test_net_cooperation_is_cooperative_minus_conflictual():
    assert measured("net_cooperation") == {W1: 0.0, W2: -1.0, W3: 0.0}  # (2+1)-3, 0-1


def test_share_and_its_denominator():
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="share", share_per=1.0)
    panel = build_panel(EVENTS, spec, FAMILIES, COVER)
    # Every event of the source counts in the denominator, unresolved actors included.
    assert panel.set_index("ds")["denominator"].to_dict() == {W1: 16.0, W2: 6.0, W3: 4.0}  # 2+1+3+10, 1+5, 4
    assert series(panel, "CHN-RUS/all") == pytest.approx({W1: 6 / 16, W2: 1 / 6, W3: 0.0})
    assert measured("share")[W1] == pytest.approx(6 / 16 * 10_000)  # default: per 10,000 source events
    assert (panel["measure"] == "share").all()


def test_denominator_is_per_source_dataset():
    other = event_table([("2018-01-02", "DEU", "state", "FRA", "state", "042", 100)], dataset="other")
    both = pd.concat([EVENTS, other], ignore_index=True)
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="share", share_per=1.0)
    # "hand" covers the period, so another dataset's volume must not dilute its share.
    panel = build_panel(both, spec, FAMILIES, COVER)
    assert panel.set_index("ds")["denominator"][W1] == 16.0


def test_log1p_transform_round_trip_and_inversion():
    panel = pd.DataFrame({"unique_id": "a", "ds": [W1, W2], "y": [0.0, 3.0]})
    fitted = apply_transform(panel, "log1p")
    assert fitted["y"].tolist() == pytest.approx([0.0, math.log(4.0)])
    forecasts = pd.DataFrame({"unique_id": ["a"], "ds": [W3], "model": ["m"], "mean": [math.log(4.0)], "q0.1": [0.0], "q0.9": [math.log(8.0)]})
    back = invert_transform(forecasts, "log1p")
    assert back[["mean", "q0.1", "q0.9"]].iloc[0].tolist() == pytest.approx([3.0, 0.0, 7.0])
    assert invert_transform(forecasts, "none") is forecasts
    with pytest.raises(ArgumentError, match="transform: 'log1p' needs y >= 0"):
        apply_transform(panel.assign(y=[-1.0, 1.0]), "log1p")
    with pytest.raises(ArgumentError, match="transform: 'log' is unknown"):
        invert_transform(forecasts, "log")


def test_count_models_refuse_negative_measures_and_warn_for_non_integer_ones():
    with pytest.raises(ArgumentError, match=r"^measure: 'net_cooperation' can be negative.*\['naive'\]") as caught:
        check_model_support("net_cooperation", "none", {"naive": Naive()})
    assert str(caught.value.under("series")).startswith("series.measure: 'net_cooperation'")
    with pytest.warns(UserWarning, match="measure=share gives non-integer values"):
        caveats = check_model_support("share", "none", ["naive"])
    assert len(caveats) == 1
    with pytest.raises(ArgumentError, match=r"^transform: 'log1p' is refused: model\(s\) \['naive'\] forecast count laws") as log1p:
        check_model_support("count", "log1p", {"naive": Naive()})
    assert str(log1p.value.under("series")).startswith("series.transform: 'log1p' is refused")
    assert check_model_support("count", "log1p", []) == []  # no model: a panel transform alone is harmless
    assert check_model_support("count", "none", {"naive": Naive()}) == []
    assert check_model_support("goldstein_mean", "none", []) == []  # no model, nothing to refuse


@pytest.mark.parametrize("call", [lambda: describe_measure("tone"), lambda: measure_sql("tone")])
def test_unknown_measure_names_the_argument(call):
    with pytest.raises(ArgumentError, match=r"^measure: 'tone' is unknown; choose one of \['count',") as caught:
        call()
    assert caught.value.argument == "measure"


def test_describe_measure_says_raw_or_normalised():
    assert "volume-normalised" in describe_measure("share", share_per=10_000)
    assert "per 10000 events" in describe_measure("share", share_per=10_000)
    assert "raw series" in describe_measure("count")
    assert "expm1" in describe_measure("count", "log1p")


def test_unknown_measure_names_the_key():
    with pytest.raises(ArgumentError, match="^measure: 'tone' is unknown; choose one of .*'share'"):
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="tone")
    with pytest.raises(ArgumentError, match="^transform: 'log' is unknown"):
        SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], transform="log")


def test_unknown_goldstein_values_leave_the_mean_alone():
    rows = [
        ("2018-01-01", "CHN", "state", "RUS", "state", "042", 1, 4.0),
        ("2018-01-02", "CHN", "state", "RUS", "state", "043", 3, np.nan),  # unknown code: no Goldstein
    ]
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="goldstein_mean")
    panel = build_panel(event_table(rows), spec, FAMILIES, coverage(("hand", "2018-01-01", "2018-01-07")))
    assert series(panel, "CHN-RUS/all") == {W1: 4.0}


@pytest.mark.parametrize("as_file", [False, True], ids=["frame", "parquet"])
def test_event_days_count_calendar_days_when_dates_carry_a_time(as_file: bool, tmp_path) -> None:
    # A tidy input keeps the time of day: two events at 10:00 and 15:00 on 2 January are one day.
    events = event_table(
        [
            ("2018-01-02 10:00", "CHN", "state", "RUS", "state", "042", 1),
            ("2018-01-02 15:00", "RUS", "state", "CHN", "state", "043", 1),
            ("2018-01-03 00:00", "CHN", "state", "RUS", "state", "042", 3),
            ("2018-01-09 23:59", "CHN", "state", "RUS", "state", "042", 1),
        ]
    )
    source = events
    if as_file:
        source = tmp_path / "events.parquet"
        events.to_parquet(source)
    spec = SeriesSpec(dyads=[("CHN", "RUS")], families=["all"], measure="event_days")
    days = series(build_panel(source, spec, FAMILIES, coverage(("hand", "2018-01-01", "2018-01-14"))), "CHN-RUS/all")
    assert days == {W1: 2.0, W2: 1.0}
