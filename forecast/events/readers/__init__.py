"""Readers that turn event files into the canonical event table."""

from forecast.events.readers.base import ReadResult, empty_quarantine
from forecast.events.readers.gdelt import GDELT1_COLUMNS, GDELT2_COLUMNS, iter_gdelt
from forecast.events.readers.icews import ICEWS_COLUMNS, iter_icews
from forecast.events.readers.panel import PANEL_COLUMNS, iter_panel
from forecast.events.readers.polecat import POLECAT_COLUMNS, iter_polecat
from forecast.events.readers.registry import FormatSpec, get, names, output_kind, register, unregister
from forecast.events.readers.registry import detect as detect_format
from forecast.events.readers.tidy import iter_tidy
from forecast.events.readers.tkg import iter_tkg, read_tkg

__all__ = [
    "FormatSpec",
    "GDELT1_COLUMNS",
    "GDELT2_COLUMNS",
    "ICEWS_COLUMNS",
    "PANEL_COLUMNS",
    "POLECAT_COLUMNS",
    "ReadResult",
    "detect_format",
    "empty_quarantine",
    "get",
    "iter_gdelt",
    "iter_icews",
    "iter_panel",
    "iter_polecat",
    "iter_tidy",
    "iter_tkg",
    "names",
    "output_kind",
    "read_tkg",
    "register",
    "unregister",
]
