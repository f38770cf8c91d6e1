"""What every reader returns: accepted events, quarantined rows, and the row accounting."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

QUARANTINE_COLUMNS = ("file", "line", "reason", "raw")


def empty_quarantine() -> pd.DataFrame:
    """An empty quarantine table (``file, line, reason, raw``)."""
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "line" else object) for c in QUARANTINE_COLUMNS})


@dataclass
class ReadResult:
    """Output of a reader.

    Attributes
    ----------
    events : pandas.DataFrame
        Accepted rows in the canonical event schema.
    quarantine : pandas.DataFrame
        Rejected rows with ``file, line, reason, raw``.
    rows_read : int
        Input data rows seen (headers excluded).
    rows_duplicate : int
        Rows dropped as duplicates of an accepted row.
    unresolved : dict
        Per source dataset, the share of actor slots left unresolved.
    """

    events: pd.DataFrame
    quarantine: pd.DataFrame = field(default_factory=empty_quarantine)
    rows_read: int = 0
    rows_duplicate: int = 0
    unresolved: dict[str, float] = field(default_factory=dict)

    @property
    def rows_accepted(self) -> int:
        """Number of accepted rows (multiplicity is not expanded)."""
        return len(self.events)

    @property
    def rows_quarantined(self) -> int:
        """Number of quarantined rows."""
        return len(self.quarantine)

    def summary(self) -> dict:
        """The ingest summary, with ``rows_read = accepted + quarantined + duplicate``.

        Raises
        ------
        AssertionError
            If the accounting does not balance: a reader lost or invented rows.
        """
        accounted = self.rows_accepted + self.rows_quarantined + self.rows_duplicate
        if accounted != self.rows_read:
            raise AssertionError(
                f"row accounting broken: read {self.rows_read}, accepted {self.rows_accepted}, "
                f"quarantined {self.rows_quarantined}, duplicate {self.rows_duplicate}"
            )
        return {
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "rows_duplicate": self.rows_duplicate,
            "unresolved_actor_rate": self.unresolved,
        }
