"""Detect an event file's format from its content (the first lines), not its name."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from forecast.events.readers._stream import InputFile, expand_inputs
from forecast.events.schema import EVENT_COLUMNS

FORMATS: frozenset[str] = frozenset(
    {"gdelt", "gdelt1", "gdelt2", "icews", "icews_tkg", "tkg", "polecat", "events", "panel"}
)
"""Format names accepted by the readers (``gdelt`` accepts both GDELT versions, ``tkg`` =
``icews_tkg``)."""


def _is_tkg_set(path: Path) -> bool:
    names: list[str]
    if path.is_dir():
        names = [p.name for p in path.iterdir()]
    elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            names = [Path(n).name for n in archive.namelist()]
    else:
        return False
    return any(n in ("entity2id.txt", "entity2id.txt.gz") for n in names)


def _columns_format(columns: Sequence[str]) -> str | None:
    cols = {c.strip() for c in columns}
    if {"unique_id", "ds", "y"} <= cols:
        return "panel"
    if {"date", "cameo_code"} <= cols and len(cols & set(EVENT_COLUMNS)) >= 2:
        return "events"
    return None


def detect_input(source: InputFile) -> str:
    """The format of one input, from its first lines.

    Parameters
    ----------
    source : InputFile

    Returns
    -------
    str
        One of ``gdelt1``, ``gdelt2``, ``icews``, ``polecat``, ``events``, ``panel``.

    Raises
    ------
    ValueError
        Naming the file and what was seen when no format matches.
    """
    head = source.head(1 << 16)
    if head[:4] == b"PAR1":
        if source.member is None:
            columns = pq.read_schema(source.path).names
        else:  # a parquet inside a zip cannot be read in place
            with source.open() as handle:
                columns = pq.ParquetFile(io.BytesIO(handle.read())).schema_arrow.names
        found = _columns_format(columns)
        if found:
            return found
        raise ValueError(
            f"{source.label}: parquet columns {columns[:10]} match neither a tidy event table "
            "(date, cameo_code, ...) nor a panel (unique_id, ds, y)."
        )
    lines = [ln.rstrip("\r") for ln in head.decode("utf-8", errors="replace").split("\n")[:-1] if ln.strip()]
    if not lines:
        raise ValueError(f"{source.label}: empty input, nothing to detect. Pass data.format explicitly.")
    first = [f.strip().strip('"').lstrip("\ufeff") for f in lines[0].split("\t")]
    if first[:2] == ["Event ID", "Event Date"]:
        return "polecat" if len(first) >= 3 and first[2] == "Event Type" else "icews"
    for sep in ("\t", ","):
        found = _columns_format(lines[0].lstrip("\ufeff").split(sep))
        if found:
            return found
    widths = Counter(len(ln.split("\t")) for ln in lines[:200] if ln.split("\t")[0].strip().isdigit())
    if widths:
        width = widths.most_common(1)[0][0]
        if width == 61:
            return "gdelt2"
        if width in (57, 58):
            return "gdelt1"
    raise ValueError(
        f"{source.label}: cannot tell the format from the first line {lines[0][:120]!r}. Known: GDELT 1.0/2.0 "
        "(header-less, 57/58/61 tab-separated fields), ICEWS/POLECAT (header 'Event ID<TAB>Event Date...'), "
        "tidy events (header with date, cameo_code), panel (unique_id, ds, y), TKG sets (folder/zip with "
        "entity2id.txt). Pass the format explicitly, e.g. data=gdelt2."
    )


def detect_format(path: str | Path | Sequence[str | Path]) -> str:
    """Detect the format of a path, folder, glob or list of them.

    Every input is inspected; all must agree, except that GDELT 1.0 and 2.0 inputs together
    give ``gdelt`` (read per line by width).

    Parameters
    ----------
    path : str, Path or sequence

    Returns
    -------
    str
        A member of :data:`FORMATS`.

    Raises
    ------
    ValueError
        When inputs disagree (naming a file of each format) or one is unrecognised.
    """
    paths = [path] if isinstance(path, (str, Path)) else list(path)
    if all(_is_tkg_set(Path(p)) for p in paths if Path(p).exists()) and any(Path(p).exists() for p in paths):
        return "icews_tkg"
    found: dict[str, str] = {}
    for source in expand_inputs(path):
        found.setdefault(detect_input(source), source.label)
    kinds = set(found)
    if kinds <= {"gdelt1", "gdelt2"} and len(kinds) == 2:
        return "gdelt"
    if len(kinds) != 1:
        raise ValueError(
            "inputs hold different formats: "
            + "; ".join(f"{k} (e.g. {v})" for k, v in sorted(found.items()))
            + ". Ingest them separately or pass the format explicitly."
        )
    return kinds.pop()
