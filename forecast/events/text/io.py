"""Read documents (plain text, a folder of .txt files, JSONL) and write coded events."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.errors import ArgumentError, DataError
from forecast.events.schema import validate_events
from forecast.events.text.coder import DEFAULT_SOURCE_DATASET, code_documents
from forecast.io import atomic_write

OUTPUT_FORMATS = (".csv", ".parquet", ".jsonl")


@dataclass(frozen=True)
class Document:
    """One input document."""

    doc_id: str
    text: str
    published: pd.Timestamp


# "2023" and "2023-08" name no day; "08/09/2023" is 9 August or 8 September.
_NO_DAY = re.compile(r"\s*\d{4}(?:[-/.]\d{1,2})?\s*")
_SLASHED = re.compile(r"\s*(\d{1,2})[/.](\d{1,2})[/.]\d{4}\b.*")


def _date(value: object, origin: str) -> pd.Timestamp:
    if value is None or value == "":
        raise DataError(
            f"{origin}: no publication date. Give each JSONL record a 'published' field, "
            "or pass published=YYYY-MM-DD for plain text input."
        )
    # A JSON number would be read as nanoseconds since 1970; a year or month as its first day;
    # relative dates ("last Tuesday") would then resolve against a wrong day, silently.
    slashed = _SLASHED.fullmatch(value) if isinstance(value, str) else None
    if not isinstance(value, str):
        problem = "is not a date string"
    elif _NO_DAY.fullmatch(value):
        problem = "names no day"
    elif slashed is not None and slashed[1] != slashed[2] and max(int(slashed[1]), int(slashed[2])) <= 12:
        problem = "is ambiguous (day/month or month/day)"
    else:
        problem = None
    if problem is not None:
        raise DataError(f"{origin}: publication date {value!r} {problem}; write it as \"YYYY-MM-DD\".")
    try:
        return pd.Timestamp(value).normalize().tz_localize(None)
    except (ValueError, TypeError) as err:
        raise DataError(f"{origin}: publication date {value!r} is not a date ({err}).") from None


def _read_text(path: Path) -> str:
    """The text of a UTF-8 file (a byte-order mark is dropped); a DataError naming the line otherwise."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path}:{line}: byte {err.start} (0x{data[err.start]:02x}) is not UTF-8; re-encode the file as UTF-8 "
            f"(e.g. iconv -f WINDOWS-1252 -t UTF-8 {path.name} > {path.stem}.utf8{path.suffix})."
        ) from None


def read_documents(path: str | Path, published: str | None = None) -> Iterator[Document]:
    """Read documents from a file or folder.

    Parameters
    ----------
    path : str or Path
        A ``.jsonl`` file (one JSON object per line with ``text``, ``published`` and an
        optional ``id``), a plain text file (one document), or a folder of ``.txt`` files
        (one document each, read in name order).
    published : str, optional
        Publication date for plain text documents, and the default for JSONL records
        without one.

    Yields
    ------
    Document
        ``doc_id`` is the JSONL ``id`` (else ``<file stem>:<line number>``) or the file
        stem of a text file. A JSONL ``id`` may repeat only for the same document (same
        text and date), whose events are then duplicates of the first one's.

    Raises
    ------
    FileNotFoundError
        When ``path`` does not exist.
    ValueError
        A :class:`~forecast.errors.DataError` naming the file and line of a record without
        text or date, of a line that is not a JSON object, or of bytes that are not UTF-8
        (files are read as UTF-8; a byte-order mark is dropped).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"input {path} does not exist")
    if path.is_dir():
        files = sorted(path.glob("*.txt"))
        if not files:
            raise DataError(f"input folder {path} holds no .txt files")
        for file in files:
            yield Document(file.stem, _read_text(file), _date(published, str(file)))
        return
    if path.suffix == ".jsonl":
        first_line: dict[str, tuple[int, str, object]] = {}  # id -> where and what it was first
        for number, line in enumerate(_read_text(path).split("\n"), start=1):
            if not line.strip():
                continue
            origin = f"{path}:{number}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                detail = f"{err.msg} at column {err.colno}"
                raise DataError(f"{origin}: not a JSON object ({detail}); fix the line.") from None
            if not isinstance(record, dict):
                raise DataError(f"{origin}: not a JSON object with 'text' and 'published'; fix the line.")
            text = record.get("text")
            if not isinstance(text, str):
                raise DataError(f"{origin}: record has no 'text' string")
            doc_id = str(record.get("id", f"{path.stem}:{number}"))
            when = record.get("published", published)
            first = first_line.setdefault(doc_id, (number, text, when))
            if first[1:] != (text, when):
                # Event ids are built from the document id: the later document's events
                # would be dropped as duplicates of the earlier one's at ingest.
                raise DataError(
                    f"{origin}: id {doc_id!r} is also the id of line {first[0]}, a different document; "
                    "give each document its own id."
                )
            yield Document(doc_id, text, _date(when, origin))
        return
    yield Document(path.stem, _read_text(path), _date(published, str(path)))


def write_events(events: pd.DataFrame, path: str | Path) -> Path:
    """Write an event table; the format follows the extension (.csv, .parquet, .jsonl).

    Parameters
    ----------
    events : pandas.DataFrame
        Coded events.
    path : str or Path
        Output file; parent folders are created.

    Returns
    -------
    Path
        The written file.
    """
    path = Path(path)
    if path.suffix not in OUTPUT_FORMATS:
        raise DataError(f"output {path}: unknown format {path.suffix!r}; use one of {OUTPUT_FORMATS}")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Atomic: a killed run leaves the previous file or the new one, never a truncated table.
    with atomic_write(path) as temp:
        if path.suffix == ".csv":
            events.to_csv(temp, index=False, date_format="%Y-%m-%d")
        elif path.suffix == ".parquet":
            events.to_parquet(temp, index=False)
        else:
            events.to_json(temp, orient="records", lines=True, date_format="iso", force_ascii=False)
    return path


def run_code_text(
    input_path: str | Path,
    output_path: str | Path,
    *,
    published: str | None = None,
    source_dataset: str = DEFAULT_SOURCE_DATASET,
    min_confidence: float = 0.0,
) -> pd.DataFrame:
    """Code documents from a file or folder and write the events.

    Parameters
    ----------
    input_path : str or Path
        See :func:`read_documents`.
    output_path : str or Path
        ``.csv``, ``.parquet`` or ``.jsonl`` file.
    published : str, optional
        Publication date for plain text input (and JSONL records without one).
    source_dataset : str
        Value of the ``source_dataset`` column.
    min_confidence : float
        Drop events below this confidence (between 0 and 1; an event at exactly this
        confidence is kept).

    Returns
    -------
    pandas.DataFrame
        The events written, validated against the canonical schema;
        ``attrs["documents"]`` is the number of documents read (those without events too).
    """
    if not 0.0 <= min_confidence <= 1.0:  # confidences lie in (0, 1]: above 1 (or NaN) drops every event
        raise ArgumentError("min_confidence", f"must be between 0 and 1, got {min_confidence}; fix the value.")
    if Path(output_path).suffix not in OUTPUT_FORMATS:
        raise DataError(f"output {output_path}: unknown format; use one of {OUTPUT_FORMATS}")
    documents = [(d.doc_id, d.text, d.published) for d in read_documents(input_path, published)]
    events = code_documents(documents, source_dataset=source_dataset)
    events = events[events["confidence"] >= min_confidence].reset_index(drop=True)
    validate_events(events, origin=f"text coder output for {input_path}")
    write_events(events, output_path)
    # The doc_id column cannot count the documents that produced no event.
    events.attrs["documents"] = len(documents)
    return events
