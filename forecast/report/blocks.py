"""The building blocks a report context holds, and the number formats every page uses.

A context is plain data: prose strings, :class:`Table` and :class:`Figure` records. The
templates escape every string for their format (HTML or Markdown), so nothing here is
markup. Counts print as integers, rates as percentages, scores with 3 significant digits; every
negative number with the minus sign U+2212.
"""

from __future__ import annotations

import base64
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Table:
    """A table of already formatted cells.

    Attributes
    ----------
    columns : tuple of str
        Header cells.
    rows : tuple of tuple of str
        Body cells, one tuple per row.
    caption : str
        One sentence saying what the table shows.
    numeric : tuple of bool
        Per column: right-align (numbers) or not.
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    numeric: tuple[bool, ...] = ()

    @classmethod
    def build(cls, columns: Sequence[str], rows: Sequence[Sequence[object]], caption: str = "", numeric: Sequence[bool] = ()) -> Table:
        """A table from any cell values (converted with ``str``); ``numeric`` defaults to all ``False``."""
        numeric = tuple(numeric) or (False,) * len(columns)
        return cls(tuple(map(str, columns)), tuple(tuple(map(str, row)) for row in rows), caption, numeric)


@dataclass(frozen=True)
class Figure:
    """One figure: a file in the run folder or inline bytes, with its own alt text and caption.

    Attributes
    ----------
    alt : str
        What the figure shows, for readers who cannot see it.
    caption : str
        How to read it.
    path : str, optional
        Path relative to the run folder (``figures/fan_chart.png``).
    data : bytes, optional
        The image itself when it is not a file; wins over ``path`` for embedding.
    mime : str
        ``image/png`` or ``image/svg+xml``.
    section : str
        Where the figure goes: ``data``, ``forecasts``, ``backtest``.
    dyad : str, optional
        In the forecasts section, the dyad (or series) whose subsection shows it.
    """

    alt: str
    caption: str
    path: str | None = None
    data: bytes | None = field(default=None, repr=False)
    mime: str = "image/png"
    section: str = "forecasts"
    dyad: str | None = None

    def data_uri(self, root: Path) -> str:
        """The image as a ``data:`` URI (base64), read from ``root / path`` unless ``data`` is set."""
        payload = self.data if self.data is not None else (Path(root) / str(self.path)).read_bytes()
        return f"data:{self.mime};base64,{base64.b64encode(payload).decode('ascii')}"


#: The minus sign of every negative number on the pages (U+2212, as in ``CRPS − naive``), never a hyphen.
MINUS = "\u2212"


def _finite(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(float(value))


def _minus(text: str) -> str:
    """``text`` with its hyphen-minus as the minus sign; dropped where the digits are all zero (``-0.0%``)."""
    if not text.startswith("-"):
        return text
    return MINUS + text[1:] if any(c in "123456789" for c in text) else text[1:]


def count(value: object) -> str:
    """An integer with thousands separators: ``652.0`` -> ``652``, ``1682`` -> ``1,682``; ``—`` when missing."""
    return _minus(f"{round(float(value)):,}") if _finite(value) else "—"


def percent(value: object, digits: int = 1) -> str:
    """A rate as a percentage: ``0.2817`` -> ``28.2%``, a negative skill ``-0.051`` -> ``−5.1%``."""
    return _minus(f"{100 * float(value):.{digits}f}%") if _finite(value) else "—"


def score(value: object) -> str:
    """Three significant digits: ``6.619`` -> ``6.62``, ``0.2203`` -> ``0.220``, ``1234.5`` -> ``1,235``."""
    if not _finite(value):
        return "—"
    value = float(value)
    if value == 0:
        return "0"
    # The decimals follow the value rounded to 3 digits: 0.09999999 is 0.100, not 0.1000, and 99.96 is 100.
    rounded = float(f"{value:.3g}")
    if abs(rounded) >= 100:
        return _minus(f"{value:,.0f}")
    decimals = max(0, 2 - math.floor(math.log10(abs(rounded))))
    return _minus(f"{value:.{decimals}f}")


def signed(value: object) -> str:
    """A score difference with its sign: ``-0.42`` -> ``−0.420`` (minus sign), ``0.1`` -> ``+0.100``."""
    if not _finite(value):
        return "—"
    text = score(abs(float(value)))
    return f"{MINUS}{text}" if float(value) < 0 else f"+{text}"


def partition(values: Sequence[float], digits: int = 2) -> tuple[str, ...]:
    """Probabilities of one partition (they sum to 1) with ``digits`` decimals that also sum to 1.

    Rounded one by one, ``0.2385, 0.006, 0.7555`` print as ``0.24, 0.01, 0.76`` (1.01). Largest
    remainder rounding truncates each and gives the units still missing to the largest
    remainders (the first of equal ones): ``0.24, 0.01, 0.75``.

    Raises
    ------
    ValueError
        When ``values`` are not finite or do not sum to 1.
    """
    values = [float(v) for v in values]
    if not all(math.isfinite(v) for v in values) or not math.isclose(sum(values), 1.0, abs_tol=1e-9):
        raise ValueError(f"a partition's probabilities sum to 1, got {values}")
    scale = 10**digits
    # The tolerance keeps a share that is a whole number of units (0.29 * 100 = 28.999...) from losing one.
    units = [math.floor(v * scale + 1e-9) for v in values]
    by_remainder = sorted(range(len(values)), key=lambda i: units[i] - values[i] * scale)
    for i in by_remainder[: scale - sum(units)]:
        units[i] += 1
    return tuple(f"{u / scale:.{digits}f}" for u in units)


def p_value(value: object) -> str:
    """A test's p-value: 3 significant digits, ``<0.001`` below that."""
    if not _finite(value):
        return "—"
    return "<0.001" if float(value) < 0.001 else score(value)


def words_list(items: Sequence[str]) -> str:
    """``[a]`` -> ``a``; ``[a, b]`` -> ``a and b``; ``[a, b, c]`` -> ``a, b and c``."""
    items = list(items)
    return " and ".join(items) if len(items) <= 2 else ", ".join(items[:-1]) + " and " + items[-1]
