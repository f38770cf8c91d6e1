"""The canonical event schema accepts good rows and names what is wrong with bad ones."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.events import EventTableError, conform_dtypes, validate_events


def good_rows() -> pd.DataFrame:
    return conform_dtypes(
        pd.DataFrame(
            {
                "event_id": ["a", "b"],
                "date": pd.to_datetime(["2018-01-01", "2018-01-02"]),
                "source_actor": ["China", None],
                "source_country": ["CHN", None],
                "source_sector": ["state", None],
                "target_actor": ["Russia", "Military (Russia)"],
                "target_country": ["RUS", "RUS"],
                "target_sector": ["state", "MIL"],
                "cameo_code": ["042", "0312"],
                "root_code": ["04", "03"],
                "quad_class": [1, 1],
                "goldstein": [1.9, 5.2],
                "source_dataset": ["hand", "hand"],
                "count": [1, 3],
            }
        )
    )


def test_good_rows_pass_with_unresolved_actor():
    assert len(validate_events(good_rows())) == 2


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("cameo_code", "42", "cameo_code"),  # lost its leading zero
        ("source_country", "China", "source_country"),  # a name, not ISO3
        ("target_sector", "navy", "target_sector"),
        ("count", 0, "count"),
        ("root_code", "05", "root_code must equal"),
    ],
)
def test_bad_values_are_named(column, value, message):
    rows = good_rows()
    rows.loc[0, column] = value
    with pytest.raises(EventTableError, match=message) as err:
        validate_events(rows, origin="hand.csv")
    assert "hand.csv" in str(err.value)


def test_missing_column_is_named():
    with pytest.raises(EventTableError, match=r"missing canonical column\(s\) \['goldstein'\]"):
        validate_events(good_rows().drop(columns="goldstein"), origin="x")
