"""The canonical event table: one row per coded event (or per counted event group).

Every reader in :mod:`forecast.events` returns this table, and every later stage reads it.
Scripts outside the package rely on the column names, so they are stable.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pandera.pandas as pa

SECTORS: tuple[str, ...] = ("state", "GOV", "MIL", "other")
"""Actor sectors: the country as a whole, its government, its military, anyone else."""

EVENT_COLUMNS: dict[str, str] = {
    "event_id": "the event's id, unique within its source dataset",
    "date": "the event date (day precision)",
    "source_actor": "the source actor as written in the input",
    "source_country": "ISO 3166-1 alpha-3 code of the source actor; NA when unresolved",
    "source_sector": "sector of the source actor (state, GOV, MIL, other); NA when unresolved",
    "target_actor": "the target actor as written in the input",
    "target_country": "ISO3 code of the target actor; NA when unresolved",
    "target_sector": "sector of the target actor; NA when unresolved",
    "cameo_code": "CAMEO event code, a string with its leading zeros ('042')",
    "root_code": "CAMEO root code, the first two digits of cameo_code ('04')",
    "quad_class": "1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict",
    "goldstein": "Goldstein value of the event type, -10 to +10",
    "source_dataset": "which dataset the row came from (icews18, gdelt2, ...)",
    "count": "multiplicity: 1 for a single event, more for a row of a derived count table",
}

_ISO3 = r"^[A-Z]{3}$"
# A root 01-20 followed by up to two digits: "42" (a code that lost its leading zero) fails.
_CAMEO = r"^(0[1-9]|1[0-9]|20)[0-9]{0,2}$"

EVENT_SCHEMA = pa.DataFrameSchema(
    {
        "event_id": pa.Column(str, nullable=False),
        "date": pa.Column(
            "datetime64[ns]",
            checks=pa.Check.in_range(pd.Timestamp("1900-01-01"), pd.Timestamp("2100-12-31")),
            nullable=False,
        ),
        "source_actor": pa.Column(str, nullable=True),
        "source_country": pa.Column(str, pa.Check.str_matches(_ISO3), nullable=True),
        "source_sector": pa.Column(str, pa.Check.isin(SECTORS), nullable=True),
        "target_actor": pa.Column(str, nullable=True),
        "target_country": pa.Column(str, pa.Check.str_matches(_ISO3), nullable=True),
        "target_sector": pa.Column(str, pa.Check.isin(SECTORS), nullable=True),
        "cameo_code": pa.Column(str, pa.Check.str_matches(_CAMEO), nullable=False),
        "root_code": pa.Column(str, pa.Check.str_matches(r"^(0[1-9]|1[0-9]|20)$"), nullable=False),
        "quad_class": pa.Column("Int8", pa.Check.isin([1, 2, 3, 4]), nullable=False),
        "goldstein": pa.Column(float, pa.Check.in_range(-10.0, 10.0), nullable=True),
        "source_dataset": pa.Column(str, nullable=False),
        "count": pa.Column("int64", pa.Check.ge(1), nullable=False),
    },
    checks=[
        pa.Check(
            lambda df: df["cameo_code"].str[:2] == df["root_code"],
            error="root_code must equal the first two digits of cameo_code",
        )
    ],
    strict=False,  # readers may add evidence or provenance columns
    ordered=False,
    coerce=False,
)


class EventTableError(ValueError):
    """Raised when a table does not satisfy the canonical event schema."""


def validate_events(events: pd.DataFrame, *, origin: str = "event table") -> pd.DataFrame:
    """Validate an event table against :data:`EVENT_SCHEMA`.

    Parameters
    ----------
    events : pandas.DataFrame
        Table to validate.
    origin : str
        Where the table came from (a file path or a reader name), used in error messages.

    Returns
    -------
    pandas.DataFrame
        The same table, unchanged, when it is valid.

    Raises
    ------
    EventTableError
        Naming the origin, the failing columns and checks, and up to five offending rows.
    """
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise EventTableError(
            f"{origin}: missing canonical column(s) {missing}. "
            f"Expected columns: {list(EVENT_COLUMNS)}."
        )
    try:
        return EVENT_SCHEMA.validate(events, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        lines = [
            f"  column={row.column!r} check={row.check!r} row={row.index!r} value={row.failure_case!r}"
            for row in cases.head(5).itertuples()
        ]
        raise EventTableError(
            f"{origin}: {len(cases)} schema failure(s) in the canonical event table:\n"
            + "\n".join(lines)
            + "\nFix the input rows or the reader that produced them."
        ) from None


def empty_events() -> pd.DataFrame:
    """Return an empty, correctly typed canonical event table."""
    return conform_dtypes(pd.DataFrame({c: [] for c in EVENT_COLUMNS}))


def conform_dtypes(events: pd.DataFrame, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Cast the canonical columns to their schema dtypes and order them first.

    Parameters
    ----------
    events : pandas.DataFrame
        A table holding at least the canonical columns.
    extra : iterable of str
        Further columns to keep after the canonical ones.

    Returns
    -------
    pandas.DataFrame
        A new table with canonical dtypes (``object`` strings with ``None`` for missing).
    """
    out = pd.DataFrame(index=events.index)
    for col in EVENT_COLUMNS:
        values = events[col]
        if col == "date":
            out[col] = pd.to_datetime(values).astype("datetime64[ns]")
        elif col == "quad_class":
            out[col] = pd.array(values, dtype="Int8")
        elif col == "goldstein":
            out[col] = pd.to_numeric(values).astype(float)
        elif col == "count":
            out[col] = pd.to_numeric(values).astype("int64")
        else:
            out[col] = values.astype(object).where(values.notna(), None)
    for col in extra:
        out[col] = events[col]
    return out.reset_index(drop=True)
