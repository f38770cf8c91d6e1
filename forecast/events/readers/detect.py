"""What an input looks like (its first bytes), and the built-in formats' content signatures.

Detection goes by content, not file names. :class:`Sample` reads the head of one input
once and offers the views the detectors need; each built-in detector below is a predicate
on a sample (a TKG set is recognised as a whole, by :func:`is_tkg_set`). Which detector
belongs to which format, and in what order they are tried, is the registry's business
(:mod:`forecast.events.readers.registry`).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import Counter
from functools import cached_property
from pathlib import Path

import pyarrow.parquet as pq

from forecast.events.readers._stream import InputFile

HEAD_BYTES = 1 << 16
"""How much of each input detection reads."""


class Sample:
    """The head of one input, with the views detectors look at (each computed once).

    Parameters
    ----------
    source : InputFile
    """

    def __init__(self, source: InputFile) -> None:
        self.source = source
        self.head = source.head(HEAD_BYTES)

    @property
    def is_parquet(self) -> bool:
        """Whether the input is a parquet file (by its magic bytes)."""
        return self.head[:4] == b"PAR1"

    @cached_property
    def parquet_columns(self) -> list[str]:
        """Column names of a parquet input (empty for any other input)."""
        if not self.is_parquet:
            return []
        if self.source.member is None:
            return pq.read_schema(self.source.path).names
        with self.source.open() as handle:  # a parquet inside a zip cannot be read in place
            return pq.ParquetFile(io.BytesIO(handle.read())).schema_arrow.names

    @cached_property
    def lines(self) -> list[str]:
        """Complete non-blank text lines of the head, ``\\r`` stripped (none for parquet)."""
        if self.is_parquet:
            return []
        text = self.head.decode("utf-8", errors="replace").split("\n")[:-1]
        return [ln.rstrip("\r") for ln in text if ln.strip()]

    @cached_property
    def first_fields(self) -> list[str]:
        """Tab-separated fields of the first line, trimmed of spaces, quotes and a BOM."""
        if not self.lines:
            return []
        return [f.strip().strip('"').lstrip("\ufeff") for f in self.lines[0].split("\t")]

    def header_has(self, columns: set[str]) -> set[str] | None:
        """The header's column names when they include ``columns`` (parquet, or a tab or comma header)."""
        if self.is_parquet:
            headers = [self.parquet_columns]
        elif self.lines:
            headers = [self.lines[0].lstrip("\ufeff").split(sep) for sep in ("\t", ",")]
        else:
            headers = []
        for header in headers:
            names = {c.strip() for c in header}
            if columns <= names:
                return names
        return None

    @cached_property
    def json_keys(self) -> set[str] | None:
        """Keys of the first line that is a JSON object, when the first line starts with ``{``."""
        if not self.lines or not self.lines[0].lstrip("\ufeff").lstrip().startswith("{"):
            return None
        for line in self.lines[:200]:
            try:
                value = json.loads(line.lstrip("\ufeff"))
            except (ValueError, RecursionError):  # a malformed line: the reader quarantines it
                continue
            if isinstance(value, dict):
                return set(value)
        return None

    @cached_property
    def tab_widths(self) -> Counter:
        """Field counts of header-less lines (first field numeric) among the first 200 lines."""
        return Counter(len(ln.split("\t")) for ln in self.lines[:200] if ln.split("\t")[0].strip().isdigit())

    @cached_property
    def tab_width(self) -> int | None:
        """Most common field count of header-less lines (first field numeric), if any."""
        return self.tab_widths.most_common(1)[0][0] if self.tab_widths else None


def is_panel(sample: Sample) -> bool:
    """A long panel: header with ``unique_id, ds, y``."""
    return sample.header_has({"unique_id", "ds", "y"}) is not None


def is_tidy_events(sample: Sample) -> bool:
    """A tidy event table: header (or JSON Lines object) with ``date`` and ``cameo_code``."""
    names = sample.header_has({"date", "cameo_code"}) or sample.json_keys
    return names is not None and {"date", "cameo_code"} <= names


def _dataverse_header(sample: Sample) -> bool:
    return sample.first_fields[:2] == ["Event ID", "Event Date"]


def is_polecat(sample: Sample) -> bool:
    """POLECAT: header ``Event ID, Event Date, Event Type, ...``."""
    return _dataverse_header(sample) and sample.first_fields[2:3] == ["Event Type"]


def is_icews(sample: Sample) -> bool:
    """ICEWS Dataverse: header ``Event ID, Event Date, ...`` not followed by ``Event Type``."""
    return _dataverse_header(sample) and sample.first_fields[2:3] != ["Event Type"]


def _gdelt_versions(sample: Sample) -> set[str]:
    return {"2" if w == 61 else "1" for w in sample.tab_widths if w in (57, 58, 61)}


def is_gdelt2(sample: Sample) -> bool:
    """GDELT 2.0: header-less, 61 tab-separated fields (and no GDELT 1.0 line)."""
    return sample.tab_width == 61 and _gdelt_versions(sample) == {"2"}


def is_gdelt1(sample: Sample) -> bool:
    """GDELT 1.0: header-less, 57 or 58 tab-separated fields (and no GDELT 2.0 line)."""
    return sample.tab_width in (57, 58) and _gdelt_versions(sample) == {"1"}


def is_gdelt_mixed(sample: Sample) -> bool:
    """GDELT 1.0 and 2.0 lines in one input (57/58 and 61 fields): each is read by its width."""
    return sample.tab_width in (57, 58, 61) and _gdelt_versions(sample) == {"1", "2"}


def is_tkg_set(path: Path) -> bool:
    """A TKG quadruple set: a folder or zip holding ``entity2id.txt``."""
    names: list[str]
    if path.is_dir():
        names = [p.name for p in path.iterdir()]
    elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [Path(n).name for n in archive.namelist()]
    else:
        return False
    return any(n in ("entity2id.txt", "entity2id.txt.gz") for n in names)
