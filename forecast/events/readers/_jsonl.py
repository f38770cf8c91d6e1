"""JSON Lines inputs: one JSON object per line, split into the fields a table reader reads.

An input is streamed in blocks of whole lines (:func:`~forecast.events.readers._stream.iter_blocks`:
line numbers, undecodable bytes, NUL bytes, stray carriage returns and over-long lines are
found there). A block whose lines are all one object each is parsed by one
``pyarrow.json`` call with an explicit schema of the fields the reader uses (other keys are
ignored); when that call fails, each line is parsed on its own to quarantine the faulty
ones with a reason (malformed JSON, not an object, a field of the wrong type, a key given
twice), and the rest are parsed together again. pyarrow has the last word: a line it
refuses is quarantined with its message even where Python's ``json`` took it.

Blank (whitespace-only) lines are skipped and are not rows, as in the CSV readers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pajson

from forecast.events.readers._stream import (
    DEFAULT_BLOCK_BYTES,
    DEFAULT_MAX_LINE_BYTES,
    Block,
    Chunk,
    InputFile,
    concat_frames,
    iter_blocks,
)
from forecast.events.readers.base import empty_quarantine

JSON_SUFFIXES: tuple[str, ...] = (".jsonl", ".ndjson")
"""File names (before ``.gz``) read as JSON Lines whatever their first line holds."""
RAW_COLUMN = "_raw"
"""Column of a parsed piece holding each line's text, for the quarantine's ``raw``."""
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"


def is_json_lines(source: InputFile, head: bytes | None = None) -> bool:
    """Whether an input is JSON Lines: named ``.jsonl``/``.ndjson`` or starting with ``{``.

    Parameters
    ----------
    source : InputFile
    head : bytes, optional
        The input's first bytes, when already read.
    """
    if source.name.lower().removesuffix(".gz").endswith(JSON_SUFFIXES):
        return True
    head = source.head(1 << 16) if head is None else head
    return head.removeprefix(_BOM).lstrip(_WHITESPACE).startswith(b"{")


def _kind(value: object) -> str:
    """How a JSON value is named in a reason."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _expected(kind: pa.DataType) -> tuple[Callable[[object], bool], str]:
    """A test of a JSON value for a field of ``kind`` (null always passes), and its name."""
    if pa.types.is_string(kind):
        return (lambda v: v is None or isinstance(v, str)), "a string"
    if pa.types.is_floating(kind):
        return (lambda v: v is None or (isinstance(v, (int, float)) and not isinstance(v, bool))), "a number"
    raise TypeError(f"JSON Lines fields are strings or floats, not {kind}")


class _Object(dict):
    """A JSON object that remembers which of its keys were given more than once."""

    def __init__(self, pairs: list[tuple[str, object]]) -> None:
        super().__init__(pairs)
        repeated = len(self) < len(pairs)  # counted only then: most objects have no repeated key
        self.repeated = {k for k, n in Counter(k for k, _ in pairs).items() if n > 1} if repeated else set()


def line_problem(text: str, schema: pa.Schema) -> str | None:
    """Why one line is not an object with fields of the schema's types, or None.

    Parameters
    ----------
    text : str
        The line (a BOM already removed).
    schema : pyarrow.Schema
        Fields the reader reads, each a string or float type.

    Returns
    -------
    str or None
        The quarantine reason; None when Python's ``json`` finds nothing wrong (pyarrow may
        still refuse the line, e.g. a lone UTF-16 surrogate). Like pyarrow, it takes
        ``NaN`` and ``Infinity``, and repeated keys that the reader does not read.
    """
    try:
        value = json.loads(text, object_pairs_hook=_Object)
    except json.JSONDecodeError as err:
        return f"malformed JSON: {err.msg} at column {err.colno}"
    except (ValueError, RecursionError):  # past Python's limits (digits, nesting), not JSON's: pyarrow decides
        return None
    if not isinstance(value, dict):
        return f"not a JSON object: the line holds {_kind(value)}; write one object per line"
    repeated = sorted(value.repeated & set(schema.names))
    if repeated:
        return f"key {repeated[0]!r} given twice in the object"
    wrong = []
    for field in schema:
        if field.name in value:
            test, expected = _expected(field.type)
            if not test(value[field.name]):
                shown = json.dumps(value[field.name], ensure_ascii=False)[:40]
                wrong.append(f"{field.name!r} is {_kind(value[field.name])} ({shown}), expected {expected}")
    return "wrong type: " + "; ".join(wrong) if wrong else None


def _read(payload: np.ndarray, schema: pa.Schema, block_size: int) -> pa.Table:
    return pajson.read_json(
        pa.py_buffer(payload),
        read_options=pajson.ReadOptions(block_size=block_size),
        parse_options=pajson.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )


def _one_object_per_line(block: Block, rows: np.ndarray) -> bool:
    """Every line starts with ``{`` and ends with ``}`` (a CR aside): then a parse giving one
    row per line gave each line's object, never one line's two objects for another's none."""
    data = block.data
    last = block.ends[rows] - 1
    last = np.where(data[last] == 13, last - 1, last)
    return bool((data[block.starts[rows]] == ord("{")).all() and (data[np.maximum(last, 0)] == ord("}")).all())


def _arrow_reason(err: pa.ArrowInvalid) -> str:
    text = str(err).removeprefix("JSON parse error: ").removesuffix(" in row 0")
    return f"malformed JSON: {text}"


def parse_lines(block: Block, rows: np.ndarray, schema: pa.Schema) -> tuple[pa.Table, np.ndarray, pd.DataFrame, int]:
    """Parse sound lines of a block: one pyarrow call, or line by line when that fails.

    Parameters
    ----------
    block : Block
    rows : numpy.ndarray
        Line indices without structural problems.
    schema : pyarrow.Schema
        Fields to read (other keys are ignored).

    Returns
    -------
    table : pyarrow.Table
        One row per parsed line, the schema's columns.
    parsed : numpy.ndarray
        The line index of each row of ``table``.
    quarantine : pandas.DataFrame
        Lines refused, with the reason.
    blank : int
        Whitespace-only lines skipped (not rows).
    """
    if len(rows) and _one_object_per_line(block, rows):
        try:
            table = _read(block.payload(rows), schema, block.parse_block_size(rows))
            if table.num_rows == len(rows):
                return table, rows, empty_quarantine(), 0
        except pa.ArrowInvalid:
            pass  # a faulty line somewhere: find it line by line
    good, bad, reasons, blank = [], [], [], 0
    for i in rows:
        text = bytes(block.data[block.starts[i] : block.ends[i]]).decode("utf-8")  # the scan checked UTF-8
        if not text.strip():
            blank += 1
            continue
        reason = line_problem(text, schema)
        (good if reason is None else bad).append(i)
        if reason is not None:
            reasons.append(reason)
    good_rows = np.asarray(good, dtype=np.int64)
    parts = [block.quarantine(np.asarray(bad, dtype=np.int64), reasons)]
    if not len(good_rows):
        return schema.empty_table(), good_rows, concat_frames(parts, empty_quarantine), blank
    try:
        table = _read(block.payload(good_rows), schema, block.parse_block_size(good_rows))
        if table.num_rows == len(good_rows):
            return table, good_rows, concat_frames(parts, empty_quarantine), blank
    except pa.ArrowInvalid:
        pass  # a line Python's json took and pyarrow does not: ask pyarrow line by line
    tables, kept, refused, why = [], [], [], []
    for i in good_rows:
        try:
            tables.append(_read(block.payload(np.array([i])), schema, block.parse_block_size(np.array([i]))))
            kept.append(i)
        except pa.ArrowInvalid as err:
            refused.append(i)
            why.append(_arrow_reason(err))
    parts.append(block.quarantine(np.asarray(refused, dtype=np.int64), why))
    table = pa.concat_tables(tables) if tables else schema.empty_table()
    return table, np.asarray(kept, dtype=np.int64), concat_frames(parts, empty_quarantine), blank


def json_chunks(
    fields: Mapping[str, pa.DataType],
    required: Sequence[str],
    defaults: Mapping[str, object] | None = None,
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Callable[[InputFile], Iterator[Chunk]]:
    """Chunks of a JSON Lines input, for :func:`~forecast.events.readers._stream.iter_delimited`.

    Parameters
    ----------
    fields : mapping of str to pyarrow.DataType
        The keys a reader reads and their types (strings or floats); other keys are ignored.
    required : sequence of str
        Fields every object must give (not null): a line without one is quarantined.
    defaults : mapping, optional
        Values of fields absent or null in an object (as an absent column would give).
    block_bytes, max_line_bytes : int
        As for :func:`~forecast.events.readers._stream.iter_blocks`.

    Returns
    -------
    callable
        ``source -> chunks``; each chunk has one piece, a frame of the fields (strings as
        ``str``, numbers as ``float``, None where absent or null) plus ``line`` and
        :data:`RAW_COLUMN` (the line's text).
    """
    schema = pa.schema(list(fields.items()))
    defaults = dict(defaults or {})

    def chunks(source: InputFile) -> Iterator[Chunk]:
        for block in iter_blocks(source, block_bytes=block_bytes, max_line_bytes=max_line_bytes):
            if block.line_no[0] == 1 and bytes(block.data[:3]) == _BOM:
                block.starts[0] += len(_BOM)  # not part of the first object (nor of its raw text)
            sound = np.setdiff1d(np.arange(len(block.starts)), np.fromiter(block.problems, dtype=np.int64))
            problems = block.quarantine(np.fromiter(block.problems, dtype=np.int64), list(block.problems.values()))
            table, rows, refused, blank = parse_lines(block, sound, schema)
            absent = np.zeros(table.num_rows, dtype=bool)
            missing = [table[name].is_null().to_numpy(zero_copy_only=False) for name in required]
            for mask in missing:
                absent |= mask
            reasons = [
                f"missing required field(s) {[n for n, m in zip(required, missing) if m[i]]}: absent or null"
                for i in np.flatnonzero(absent)
            ]
            lacking = block.quarantine(rows[absent], reasons)
            frame = table.filter(pa.array(~absent)).to_pandas()
            for name, value in defaults.items():
                frame[name] = frame[name].where(frame[name].notna(), value)
            frame = frame.astype(object).where(frame.notna(), None)
            frame["line"] = block.line_no[rows[~absent]].astype(np.int64)
            frame[RAW_COLUMN] = block.raw(rows[~absent])
            quarantine = concat_frames([problems, refused, lacking], empty_quarantine)
            yield Chunk(len(block.starts) - blank, quarantine, [frame])

    return chunks
