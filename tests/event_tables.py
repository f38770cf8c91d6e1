"""Hand-built canonical event tables for the series tests."""

from __future__ import annotations

import pandas as pd

from forecast.events import conform_dtypes

COLUMNS = ["date", "source_country", "source_sector", "target_country", "target_sector", "cameo_code", "count"]


def quad_of(root: int) -> int:
    """CAMEO quad class of a root code: 01-05 verbal coop, 06-09 material coop, 10-14 verbal conflict, 15-20 material conflict."""
    return 1 if root <= 5 else 2 if root <= 9 else 3 if root <= 14 else 4


def event_table(rows: list[tuple], dataset: str = "hand") -> pd.DataFrame:
    """Canonical events from ``(date, src, src_sector, tgt, tgt_sector, code, count[, goldstein])`` rows.

    Goldstein is 0 unless the row gives it; the quad class follows the root code.
    """
    padded = [row if len(row) == 8 else (*row, 0.0) for row in rows]
    frame = pd.DataFrame(padded, columns=[*COLUMNS, "goldstein"])
    frame["date"] = pd.to_datetime(frame["date"])
    frame["root_code"] = frame["cameo_code"].str[:2]
    frame["quad_class"] = frame["root_code"].astype(int).map(quad_of)
    frame["event_id"] = [f"{dataset}{i}" for i in range(len(frame))]
    frame["source_actor"] = frame["target_actor"] = None
    frame["source_dataset"] = dataset
    return conform_dtypes(frame)


def coverage(*windows: tuple[str, str, str]) -> pd.DataFrame:
    """Coverage frame from ``(dataset, start, end)`` triples."""
    return pd.DataFrame(
        {
            "source_dataset": [w[0] for w in windows],
            "start": [pd.Timestamp(w[1]) for w in windows],
            "end": [pd.Timestamp(w[2]) for w in windows],
        }
    )


def series(panel: pd.DataFrame, uid: str) -> dict:
    """``{ds: y}`` of one series of a panel."""
    return panel[panel["unique_id"] == uid].set_index("ds")["y"].to_dict()
