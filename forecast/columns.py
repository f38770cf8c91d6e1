"""Column conventions of the long forecast frames, shared by every stage.

A forecast frame is long (``unique_id, ds, ...``) with a ``mean`` and one ``q<level>``
column per predictive quantile. This module alone formats and parses those names, so
``series``, ``models``, ``backtest`` and ``report`` agree on them; it imports no stage.

A level is named by its shortest exact decimal after rounding to :data:`LEVEL_DIGITS`
places (``0.1`` -> ``"q0.1"``, ``1e-05`` -> ``"q1e-05"``), so a computed level such as
``(1 - 0.8) / 2`` names the same column as ``0.1``. :func:`parse_quantile_column` is the
exact inverse: it accepts a name only if :func:`quantile_column` would write it.
"""

from __future__ import annotations

from collections.abc import Iterable

from forecast.errors import ArgumentError

#: Decimal places a quantile level keeps in its column name.
LEVEL_DIGITS = 10

_PREFIX = "q"


def _rounded(level: float) -> float:
    return round(float(level), LEVEL_DIGITS)


def quantile_column(level: float) -> str:
    """Column name of a quantile level: ``0.1`` -> ``"q0.1"``.

    Raises
    ------
    ArgumentError
        When ``level``, rounded to :data:`LEVEL_DIGITS` places, is not in (0, 1).
    """
    rounded = _rounded(level)
    if not 0 < rounded < 1:
        raise ArgumentError("level", f"a quantile level must lie in (0, 1), got {level!r}.")
    return f"{_PREFIX}{rounded!r}"


def parse_quantile_column(name: object) -> float | None:
    """The level a ``q<level>`` column holds, or None for any other column.

    ``"q0.05"`` -> ``0.05``; ``"quad"``, ``"q"``, ``"q1"`` and ``"q0.50"`` (not how
    :func:`quantile_column` writes 0.5) -> None.
    """
    if not isinstance(name, str) or not name.startswith(_PREFIX):
        return None
    try:
        level = float(name[len(_PREFIX) :])
    except ValueError:
        return None
    if not 0 < _rounded(level) < 1 or quantile_column(level) != name:
        return None
    return level


def quantile_columns(columns: Iterable[object]) -> list[str]:
    """The ``q<level>`` columns among ``columns`` (a frame iterates its column names), in order."""
    return [c for c in columns if parse_quantile_column(c) is not None]


def quantile_levels(columns: Iterable[object]) -> list[float]:
    """The levels of the ``q<level>`` columns among ``columns``, sorted."""
    return sorted(level for c in columns if (level := parse_quantile_column(c)) is not None)


def interval_columns(level: float) -> tuple[str, str]:
    """Quantile columns bounding the central ``level`` interval: 0.8 -> ``("q0.1", "q0.9")``."""
    return quantile_column((1 - level) / 2), quantile_column((1 + level) / 2)
