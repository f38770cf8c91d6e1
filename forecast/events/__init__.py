"""Events stage: readers, the canonical schema, actor resolution and the CAMEO taxonomy."""

from forecast.events.actors import resolve_actors, sector_of_role
from forecast.events.ingest import ingest, read_events
from forecast.events.readers import FormatSpec, ReadResult, detect_format, read_tkg
from forecast.events.schema import EVENT_COLUMNS, SECTORS, EventTableError, conform_dtypes, validate_events
from forecast.events.taxonomy import EventFamily, cameo_table, code_attributes, families_from_mapping

__all__ = [
    "EVENT_COLUMNS",
    "FormatSpec",
    "SECTORS",
    "EventFamily",
    "EventTableError",
    "ReadResult",
    "cameo_table",
    "code_attributes",
    "conform_dtypes",
    "detect_format",
    "families_from_mapping",
    "ingest",
    "read_events",
    "read_tkg",
    "resolve_actors",
    "sector_of_role",
    "validate_events",
]
