"""Coverage is an events-level fact (the one-way imports are checked by tests/test_architecture.py)."""

from __future__ import annotations


def test_observed_coverage_is_an_events_fact() -> None:
    import pandas as pd

    from forecast.events.coverage import observed_coverage
    from forecast.series import observed_coverage as via_series

    events = pd.DataFrame(
        {
            "source_dataset": ["a", "b", "a", "a"],
            "date": pd.to_datetime(["2020-03-01", "2021-01-05", "2020-01-10", "2020-02-01"]),
        }
    )
    assert via_series is observed_coverage
    got = observed_coverage(events)
    assert got.to_dict("list") == {
        "source_dataset": ["a", "b"],
        "start": [pd.Timestamp("2020-01-10"), pd.Timestamp("2021-01-05")],
        "end": [pd.Timestamp("2020-03-01"), pd.Timestamp("2021-01-05")],
    }
