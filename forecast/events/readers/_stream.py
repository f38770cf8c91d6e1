"""Streaming access to delimited event files: inputs, blocks of lines, per-line checks.

Every line-oriented reader (GDELT, ICEWS, POLECAT) goes through :func:`iter_blocks`, and every
delimited reader but GDELT (ICEWS, POLECAT, tidy, panel) through :func:`iter_delimited`. A
block is a run of whole lines (about ``block_bytes`` long) from one input. Column counts,
undecodable bytes and stray carriage returns are found with numpy over the raw bytes, so
each line keeps its exact line number and nothing is dropped unseen. Lines that pass are
handed to pyarrow's CSV parser as one buffer.
"""

from __future__ import annotations

import glob
import gzip
import threading
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from queue import Full, Queue
from typing import IO, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from forecast.errors import DataError, MissingInputError
from forecast.events.readers._finish import Batch
from forecast.events.readers.base import QUARANTINE_COLUMNS, empty_quarantine

T = TypeVar("T")
U = TypeVar("U")
DEFAULT_BLOCK_BYTES = 16 << 20
DEFAULT_MAX_LINE_BYTES = 1 << 20
"""Longest line a reader accepts (``data.max_line_bytes``); a longer one is quarantined unread."""
RAW_LIMIT = 1 << 16
"""Bytes of a line kept in the quarantine's ``raw`` column."""
CORRUPT = (EOFError, zlib.error, zipfile.BadZipFile, gzip.BadGzipFile)
"""What a truncated or corrupt ``.gz`` or ``.zip`` raises while it is read."""
_DICTIONARY = pa.dictionary(pa.int32(), pa.string())
_NL, _TAB, _CR = 10, 9, 13
PICKLE_SUFFIXES = (".pkl", ".pickle")


@dataclass(frozen=True)
class InputFile:
    """One input stream: a plain or gzipped file, or a member of a zip archive.

    Attributes
    ----------
    path : Path
        The file on disk (the archive for a zip member).
    member : str or None
        Member name inside a zip archive.
    """

    path: Path
    member: str | None = None

    @property
    def label(self) -> str:
        """How the input is named in the quarantine and the summary."""
        return f"{self.path}:{self.member}" if self.member else str(self.path)

    @property
    def name(self) -> str:
        """File name without folders (the member name for a zip member)."""
        return Path(self.member).name if self.member else self.path.name

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """Open the input for binary reading, decompressing ``.gz`` on the fly.

        Raises
        ------
        DataError
            Naming the input when it is a truncated or corrupt archive (on open or while read).
        """
        try:
            with ExitStack() as stack:
                if self.member is not None:
                    archive = stack.enter_context(zipfile.ZipFile(self.path))
                    handle: IO[bytes] = stack.enter_context(archive.open(self.member))
                else:
                    handle = stack.enter_context(open(self.path, "rb"))
                if self.name.endswith(".gz"):
                    handle = stack.enter_context(gzip.GzipFile(fileobj=handle))
                yield handle
        except CORRUPT as err:
            kind = "zip archive" if self.member is not None or self.path.suffix.lower() == ".zip" else "gzip file"
            raise DataError(
                f"{self.label}: truncated or corrupt {kind} ({err}). Download the file again; nothing was ingested."
            ) from None

    def head(self, n_bytes: int = 65536) -> bytes:
        """The first ``n_bytes`` decompressed bytes (for format detection)."""
        with self.open() as handle:
            return handle.read(n_bytes)


def _matches(text: str) -> list[Path]:
    """Paths a glob matches, sorted; ``**`` does not descend into symlinked folders.

    :func:`glob.glob` follows symlinked folders under ``**``, so a folder linking to itself
    is walked 40 levels deep and each file found 41 times; :meth:`pathlib.Path.glob` does not.
    """
    if not glob.has_magic(text):
        return [Path(text)] if Path(text).exists() else []
    parts = Path(text).parts
    first = next(i for i, part in enumerate(parts) if glob.has_magic(part))
    root = Path(*parts[:first]) if first else Path(".")
    if not root.is_dir():
        return []
    hidden_ok = any(part.startswith(".") for part in parts[first:])  # as glob: '*' skips dot files
    return sorted(
        (m for m in root.glob(str(Path(*parts[first:]))) if hidden_ok or not m.name.startswith(".")), key=str
    )


def unread_subfolders(path: str | Path | Sequence[str | Path]) -> list[str]:
    """Folders inside the folder inputs of ``path`` that :func:`expand_inputs` does not read.

    A folder input gives the files directly inside it; its subfolders (dot folders aside)
    are left out, which a user who expected them read should be told.

    Parameters
    ----------
    path : str, Path or sequence of them
        As for :func:`expand_inputs`.

    Returns
    -------
    list of str
        The subfolders, sorted, each once.
    """
    patterns = [path] if isinstance(path, (str, Path)) else list(path)
    folders = {
        str(sub): None
        for pattern in patterns
        for match in _matches(str(Path(pattern).expanduser()))
        if match.is_dir()
        for sub in sorted(match.iterdir())
        if sub.is_dir() and not sub.name.startswith(".")
    }
    return sorted(folders)


def expand_inputs(path: str | Path | Sequence[str | Path]) -> list[InputFile]:
    """Expand paths, folders, globs and zip archives into a sorted list of inputs.

    Parameters
    ----------
    path : str, Path or sequence of them
        A file, a folder (every file directly inside it), a glob (``data/*.CSV.gz``,
        ``**`` allowed) or a list of any of these. A ``.zip`` expands to its members.

    Returns
    -------
    list of InputFile
        Each file once, however many paths, globs or symlinks lead to it (the first
        spelling names it).

    Raises
    ------
    DataError
        Naming the pattern that matched nothing (:class:`~forecast.errors.MissingInputError`),
        a folder without files, or an archive that is not a readable zip.
        Also naming an input that is a Python pickle (see :func:`refuse_pickle`).
    """
    patterns = [path] if isinstance(path, (str, Path)) else list(path)
    found: dict[Path, Path] = {}  # resolved path -> the first spelling that led to it
    for pattern in patterns:
        text = str(Path(pattern).expanduser())
        matches = _matches(text)
        if not matches:
            raise MissingInputError(
                f"no input matches {text!r}. Give a file, a folder or a glob such as 'data/*.export.CSV.gz'."
            )
        files = [f for m in matches for f in (sorted(p for p in m.iterdir() if p.is_file()) if m.is_dir() else [m])]
        if not files:
            raise DataError(f"{text!r} matches only folders without files; point data.path at the event files.")
        for file in files:
            found.setdefault(file.resolve(), file)
    inputs: list[InputFile] = []
    for file in found.values():
        if file.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(file) as archive:
                    members = sorted(m for m in archive.namelist() if not m.endswith("/"))
            except (zipfile.BadZipFile, EOFError) as err:
                raise DataError(
                    f"{file}: truncated or corrupt zip archive ({err}). Download it again; nothing was ingested."
                ) from None
            inputs.extend(InputFile(file, m) for m in members)
        else:
            inputs.append(InputFile(file))
    for source in inputs:
        refuse_pickle(source)
    return inputs


def refuse_pickle(source: InputFile) -> None:
    """Refuse a pickle, by name or by its protocol 2-5 header: loading one can run any code.

    Raises
    ------
    DataError
        Naming the input and the fix.
    """
    try:
        head = source.head(2)
    except (OSError, EOFError, zipfile.BadZipFile):  # unreadable here: the reader reports it
        head = b""
    pickled = len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5
    if pickled or source.name.lower().removesuffix(".gz").endswith(PICKLE_SUFFIXES):
        raise DataError(
            f"{source.label}: is a Python pickle, which forecast never loads (unpickling can run "
            "any code); export the table as CSV or Parquet."
        )


@dataclass
class Block:
    """A run of whole lines from one input, scanned for structural problems.

    Attributes
    ----------
    source : InputFile
    data : numpy.ndarray
        The raw bytes (uint8), every line ending in ``\\n``.
    starts, ends : numpy.ndarray
        Byte offsets of each line's first byte and of its ``\\n``.
    line_no : numpy.ndarray
        1-based line number of each line in its input.
    problems : dict of int to str
        Line index -> reason, for lines that are structurally unsound (usually empty).
    n_lines : int
        Lines in the chunk, counting blank and header lines.
    """

    source: InputFile
    data: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    line_no: np.ndarray
    problems: dict[int, str]
    n_lines: int

    @property
    def n_fields(self) -> np.ndarray:
        """Number of tab-separated fields per line (computed on demand: it costs a pass)."""
        tabs = np.flatnonzero(self.data == _TAB)
        return np.searchsorted(tabs, self.ends) - np.searchsorted(tabs, self.starts) + 1

    def raw(self, rows: np.ndarray) -> list[str]:
        """Raw text of the given lines (the first :data:`RAW_LIMIT` bytes); undecodable bytes as ``\\xNN``."""
        buf = self.data
        return [
            bytes(buf[s : min(e, s + RAW_LIMIT)]).decode("utf-8", errors="backslashreplace").rstrip("\r")
            for s, e in zip(self.starts[rows], self.ends[rows])
        ]

    def quarantine(self, rows: np.ndarray, reasons: Sequence[str] | str) -> pd.DataFrame:
        """Quarantine rows (``file, line, reason, raw``) for the given line indices."""
        rows = np.asarray(rows, dtype=np.int64)
        reasons = [reasons] * len(rows) if isinstance(reasons, str) else list(reasons)
        return pd.DataFrame(
            {
                "file": self.source.label,
                "line": self.line_no[rows].astype("int64"),
                "reason": reasons,
                "raw": self.raw(rows),
            },
            columns=list(QUARANTINE_COLUMNS),
        )

    def quarantiner(self, rows: np.ndarray) -> Callable[[np.ndarray, Sequence[str]], pd.DataFrame]:
        """A function quarantining positions of ``rows`` (line indices), as :func:`finish` expects."""
        return lambda positions, reasons: self.quarantine(rows[positions], reasons)

    def payload(self, rows: np.ndarray) -> np.ndarray:
        """The bytes of the given lines (each with its ``\\n``), in order, as one buffer for a parser."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) == self.n_lines and self.starts[0] == 0:  # every line of the chunk, none dropped
            return self.data
        # keep the bytes of the chosen lines: +1 at each start, -1 after each newline
        edges = np.zeros(len(self.data) + 1, dtype=np.int8)
        np.add.at(edges, self.starts[rows], 1)
        np.add.at(edges, self.ends[rows] + 1, -1)
        return self.data[np.cumsum(edges[:-1], dtype=np.int8) > 0]

    def parse_block_size(self, rows: np.ndarray) -> int:
        """A pyarrow parser block size for the given lines (at least 4 MiB).

        pyarrow cannot parse a row that straddles more than two of its blocks: the block
        must hold the longest line, which a raised data.max_line_bytes lets past 4 MiB.
        """
        return max(4 << 20, int((self.ends[rows] - self.starts[rows]).max()) + 1)

    def parse(
        self,
        rows: np.ndarray,
        names: Sequence[str],
        keep: Sequence[str],
        strict: bool = True,
        dictionary: Sequence[str] = (),
        threads: bool = True,
    ) -> pa.Table | None:
        """Parse the given lines (all with ``len(names)`` fields) into string columns.

        Parameters
        ----------
        rows : numpy.ndarray
            Line indices to parse; their field count must equal ``len(names)``.
        names : sequence of str
            Column names of the layout.
        keep : sequence of str
            Columns to materialise (parsing the others is skipped).
        strict : bool
            When False, a line of another width makes this return ``None`` instead of
            raising (the caller then sorts lines by width).
        dictionary : sequence of str
            Columns of ``keep`` to read dictionary-encoded (one dictionary per table): the
            parser then does the hashing that lookups on few distinct values need.
        threads : bool
            Let pyarrow parse on its thread pool. A caller that already parses in a thread
            of its own, alongside other busy threads, saves the pool's overhead with False.

        Returns
        -------
        pyarrow.Table or None
            String (or dictionary) columns ``keep`` plus ``line`` (line numbers) and
            ``_row`` (the line indices), in line order.
        """
        rows = np.asarray(rows, dtype=np.int64)
        types = {k: _DICTIONARY if k in dictionary else pa.string() for k in keep}
        if len(rows) == 0:
            empty = {k: pa.array([], types[k]) for k in keep}
            return pa.table({**empty, "line": pa.array([], pa.int64()), "_row": pa.array([], pa.int64())})
        payload = self.payload(rows)
        block_size = self.parse_block_size(rows)
        misfits: list[int] = []

        def on_invalid(row: pacsv.InvalidRow) -> str:
            misfits.append(row.actual_columns)
            return "skip"

        table = pacsv.read_csv(
            pa.py_buffer(payload),
            memory_pool=_parser_pool(),
            read_options=pacsv.ReadOptions(column_names=list(names), use_threads=threads, block_size=block_size),
            parse_options=pacsv.ParseOptions(
                delimiter="\t",
                quote_char=False,
                escape_char=False,
                ignore_empty_lines=False,
                invalid_row_handler=None if strict else on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=list(keep),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=False,  # every line parsed here passed the UTF-8 check of the scan
            ),
        )
        if misfits:
            return None
        if table.num_rows != len(rows):  # a parser/scan disagreement would silently shift lines
            raise RuntimeError(
                f"{self.source.label}: parsed {table.num_rows} rows from {len(rows)} scanned lines; "
                "please report this file."
            )
        if dictionary:
            table = table.unify_dictionaries()
        table = table.append_column("line", pa.array(self.line_no[rows], pa.int64()))
        return table.append_column("_row", pa.array(rows, pa.int64()))

    def sort_by_shape(self, layouts: Sequence[int], what: str) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
        """Quarantine unsound lines and lines of unexpected width; group the rest by width.

        Parameters
        ----------
        layouts : sequence of int
            Accepted field counts.
        what : str
            Name of the format, for the reason text.

        Returns
        -------
        quarantine : pandas.DataFrame
        rows : dict of int to numpy.ndarray
            Line indices per accepted field count.
        """
        unsound = np.zeros(len(self.starts), dtype=bool)
        unsound[list(self.problems)] = True
        n_fields = self.n_fields
        accepted = np.isin(n_fields, list(layouts))
        wrong = ~unsound & ~accepted
        expected = " or ".join(str(n) for n in layouts)
        quarantine = pd.concat(
            [
                self.quarantine(np.flatnonzero(unsound), [self.problems[i] for i in np.flatnonzero(unsound)]),
                self.quarantine(
                    np.flatnonzero(wrong),
                    [
                        f"wrong column count: {n} tab-separated fields, expected {expected} ({what})"
                        for n in n_fields[wrong]
                    ],
                ),
            ],
            ignore_index=True,
        )
        rows = {n: np.flatnonzero(~unsound & (n_fields == n)) for n in layouts}
        return quarantine, rows

    def tables(
        self,
        layouts: dict[int, Sequence[str]],
        keep: Sequence[str],
        what: str,
        dictionary: Sequence[str] = (),
        threads: bool = True,
    ) -> tuple[pd.DataFrame, dict[int, pa.Table]]:
        """Parse the block into one table per accepted width, quarantining the rest.

        The common case, a block whose lines are all sound and of one width, is parsed in
        one call without counting fields; any other block falls back to
        :meth:`sort_by_shape`, which knows the width of every line.

        Parameters
        ----------
        layouts : dict of int to sequence of str
            Column names per accepted field count.
        keep : sequence of str
            Columns to materialise.
        what : str
            Format name for reasons.
        dictionary : sequence of str
            Columns to read dictionary-encoded (see :meth:`parse`).
        threads : bool
            Parse on pyarrow's thread pool (see :meth:`parse`).

        Returns
        -------
        quarantine : pandas.DataFrame
        tables : dict of int to pyarrow.Table
            Non-empty tables per width (see :meth:`parse`).
        """
        all_rows = np.arange(len(self.starts))
        if not self.problems:
            first = bytes(self.data[self.starts[0] : self.ends[0]]).count(b"\t") + 1
            if first in layouts:
                table = self.parse(all_rows, layouts[first], keep, strict=False, dictionary=dictionary, threads=threads)
                if table is not None:
                    return empty_quarantine(), {first: table}
        quarantine, by_width = self.sort_by_shape(tuple(layouts), what)
        tables = {
            w: self.parse(rows, layouts[w], keep, dictionary=dictionary, threads=threads)
            for w, rows in by_width.items()
            if len(rows)
        }
        return quarantine, tables


@cache
def _parser_pool() -> pa.MemoryPool | None:
    """Memory pool for the CSV parser: pyarrow's jemalloc pool, keeping freed pages a second.

    Every block allocates and frees the same parser buffers. The default pools hand freed
    memory back to the OS at once, so each block gets it back as fresh pages - page faults
    that zero (transparent huge) pages and cost about a tenth of the ingest's CPU. The decay
    is a setting of pyarrow's jemalloc pool as a whole (0, its default, frees at once); None
    (the default pool) where pyarrow is built without jemalloc.
    """
    try:
        pool = pa.jemalloc_memory_pool()
        pa.jemalloc_set_decay_ms(1000)
    except NotImplementedError:
        return None
    return pool


def _too_long(n_bytes: int, limit: int) -> str:
    return f"line too long: {n_bytes} bytes, more than max_line_bytes={limit} (raise data.max_line_bytes if it is genuine)"


def _scan(
    source: InputFile,
    data: np.ndarray,
    first_line: int,
    skip_lines: int,
    scratch: np.ndarray,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Block:
    # Byte comparisons go to ``scratch`` (reused across blocks): a fresh 16 MiB mask per
    # comparison costs more in page faults than the comparison itself.
    mask = scratch[: len(data)]
    newlines = np.flatnonzero(np.equal(data, _NL, out=mask))
    starts = np.concatenate(([0], newlines[:-1] + 1))
    line_no = np.arange(first_line, first_line + len(newlines), dtype=np.int64)
    problem: dict[int, str] = {}

    # NUL bytes are valid UTF-8 but never part of a text event file: binary or zeroed data.
    if np.equal(data, 0, out=mask).any():
        for i in np.unique(np.searchsorted(newlines, np.flatnonzero(mask))):
            problem[int(i)] = "NUL byte inside the line (binary or zeroed data)"

    # A lone \r would end a row for the CSV parser but not for the line scan.
    if np.equal(data, _CR, out=mask).any():
        cr = np.flatnonzero(mask)
        stray = cr[(cr + 1 >= len(data)) | (data[np.minimum(cr + 1, len(data) - 1)] != _NL)]
        for i in np.unique(np.searchsorted(newlines, stray)):
            problem[int(i)] = "carriage return inside the line"
    if not _valid_utf8(data):
        for i, (s, e) in enumerate(zip(starts, newlines)):
            try:
                str(data[s:e], "utf-8")
            except UnicodeDecodeError as err:
                problem[i] = f"undecodable bytes (not UTF-8): at byte {err.start}; re-encode the file as UTF-8"
    for i in np.flatnonzero(newlines - starts > max_line_bytes):
        problem[int(i)] = _too_long(int(newlines[i] - starts[i]), max_line_bytes)
    blank = (newlines - starts) == 0
    blank |= (newlines - starts == 1) & (data[np.maximum(newlines - 1, 0)] == _CR)
    keep = ~blank
    keep[: max(0, skip_lines - first_line + 1)] = False  # header lines
    index = np.cumsum(keep) - 1  # renumber problem lines after dropping blanks and headers
    problems = {int(index[i]): why for i, why in problem.items() if keep[i]}
    return Block(source, data, starts[keep], newlines[keep], line_no[keep], problems, len(newlines))


def _valid_utf8(data: np.ndarray) -> bool:
    """Whether ``data`` is valid UTF-8 (arrow's validation, in place: no decoded copy)."""
    if len(data) == 0 or data.max() < 0x80:  # ASCII, the common case
        return True
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _fill(handle: IO[bytes], view: memoryview) -> int:
    """Read into ``view`` until it is full or the input ends; return the bytes read."""
    total = 0
    while total < len(view):
        n = handle.readinto(view[total:])  # type: ignore[attr-defined]
        if not n:
            break
        total += n
    return total


def _line_cut(data: np.ndarray) -> int:
    """Offset just past the last ``\\n`` in ``data`` (0 if there is none)."""
    end, step = len(data), 1 << 16
    while end > 0:
        start = max(0, end - step)
        found = bytes(data[start:end]).rfind(b"\n")
        if found >= 0:
            return start + found + 1
        end = start
    return 0


def _skip_line(handle: IO[bytes], head: bytes, block_bytes: int) -> tuple[int, bytes]:
    """Read past the end of a line that began with ``head`` and has no ``\\n`` in it yet.

    Memory stays at one block whatever the line's length (a file of zeros is one line).

    Returns
    -------
    n_bytes : int
        The line's length without its ``\\n``.
    rest : bytes
        What follows the line's ``\\n`` in the last block read (empty at the end of the input).
    """
    n_bytes = len(head)
    while True:
        piece = handle.read(block_bytes)
        if not piece:
            return n_bytes, b""
        end = piece.find(b"\n")
        if end >= 0:
            return n_bytes + end, piece[end + 1 :]
        n_bytes += len(piece)


def _one_line_block(source: InputFile, head: bytes, line: int, reason: str) -> Block:
    """A block of one quarantined line, holding only its first bytes (for ``raw``)."""
    data = np.frombuffer(head[:RAW_LIMIT].replace(b"\n", b" ") + b"\n", dtype=np.uint8)
    return Block(source, data, np.array([0]), np.array([len(data) - 1]), np.array([line]), {0: reason}, 1)


def iter_blocks(
    source: InputFile,
    *,
    header_lines: int = 0,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Iterator[Block]:
    """Stream an input as blocks of whole lines (blank lines and headers dropped).

    Parameters
    ----------
    source : InputFile
    header_lines : int
        Leading lines that are a header, not data (they are not counted as rows).
    block_bytes : int
        Approximate block size; memory use is a small multiple of it.
    max_line_bytes : int
        Longest line read; a longer one becomes a one-line block with a problem (it is
        quarantined) and is skipped in bounded memory.

    Yields
    ------
    Block
    """
    line = 1
    rest = b""
    scratch = np.empty(0, dtype=bool)
    with source.open() as handle:
        while True:
            # One fresh buffer per block, filled in place: no copy of the block to join the
            # carried-over partial line, and blocks handed out earlier stay valid. np.empty,
            # unlike bytearray, does not zero it first.
            buf = np.empty(len(rest) + block_bytes, dtype=np.uint8)
            buf[: len(rest)] = np.frombuffer(rest, dtype=np.uint8)
            filled = len(rest) + _fill(handle, memoryview(buf)[len(rest) :])
            if filled == len(rest):
                break
            cut = _line_cut(buf[:filled])
            rest = bytes(buf[cut:filled])
            if cut:
                if len(scratch) < cut:
                    scratch = np.empty(len(buf), dtype=bool)
                block = _scan(source, buf[:cut], line, header_lines, scratch, max_line_bytes)
                line += block.n_lines
                if len(block.starts):
                    yield block
            if len(rest) > max_line_bytes:  # a line longer than allowed, still unfinished
                head = rest[:RAW_LIMIT]
                n_bytes, rest = _skip_line(handle, rest, block_bytes)
                if line > header_lines:
                    yield _one_line_block(source, head, line, _too_long(n_bytes, max_line_bytes))
                line += 1
    if rest:  # last line without a newline
        data = np.frombuffer(rest + b"\n", dtype=np.uint8)
        block = _scan(source, data, line, header_lines, np.empty(len(data), dtype=bool), max_line_bytes)
        if len(block.starts):
            yield block


def prefetch(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Run an iterator in a background thread, up to ``depth`` items ahead of the consumer.

    Reading, scanning and parsing the next block (numpy and pyarrow release the GIL) then
    overlap with the processing of the current one; memory grows by ``depth`` items.

    Parameters
    ----------
    items : iterator
        Produced in the background thread.
    depth : int
        Items produced ahead.

    Yields
    ------
    The items, in order. An exception of ``items`` is raised here; closing this generator
    stops the thread.
    """
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put((False, item)):
                    return
            put((True, None))
        except BaseException as err:  # noqa: BLE001 - handed to the consumer and raised there
            put((True, err))

    thread = threading.Thread(target=produce, name="forecast-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            last, value = queue.get()
            if last:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        thread.join()


def parallel_map(function: Callable[[T], U], items: Iterator[T], workers: int = 2) -> Iterator[U]:
    """``map(function, items)`` on ``workers`` threads, in order, up to ``workers`` items ahead.

    For work that releases the GIL (pyarrow's CSV parser): blocks are then parsed side by
    side while the consumer converts the earliest one. ``items`` is pulled in the
    consumer's thread.

    Parameters
    ----------
    function : callable
        Run on each item, in a worker thread.
    items : iterator
        The inputs; memory grows by ``workers`` items and their results.
    workers : int
        Threads, and items handed to them ahead of the consumer.

    Yields
    ------
    The results, in the order of ``items``. An exception of ``function`` is raised here, for
    its item; closing this generator waits for the calls still running (none is left over).
    """
    pending: deque[Future[U]] = deque()
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="forecast-map")
    try:
        for item in items:
            pending.append(pool.submit(function, item))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def read_header(source: InputFile) -> list[str]:
    """Field names on the first line of a tab-separated input (BOM and ``\\r`` stripped)."""
    first = source.head(1 << 16).split(b"\n", 1)[0]
    return first.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r").split("\t")


def clean_columns(
    table: pa.Table, columns: Sequence[str], missing: Sequence[str], strip_quotes: bool = False
) -> pd.DataFrame:
    """Trim string columns (and surrounding double quotes), turning missing markers into None.

    Parameters
    ----------
    table : pyarrow.Table
        Parsed string columns.
    columns : sequence of str
        Columns to clean and return.
    missing : sequence of str
        Values that mean "missing" after trimming (``""``, ``"NA"``, ...).
    strip_quotes : bool
        Also strip quotes around values (ICEWS "Tab-Delimited" downloads quote strings).

    Returns
    -------
    pandas.DataFrame
        Object columns with ``None`` for missing values.
    """
    marker = pa.array(list(missing), pa.string())
    cleaned = {}
    for col in columns:
        values = pc.utf8_trim_whitespace(table[col])
        if strip_quotes:
            values = pc.utf8_trim_whitespace(pc.utf8_trim(values, characters='"'))
        cleaned[col] = pc.if_else(pc.is_in(values, value_set=marker), pa.scalar(None, pa.string()), values)
    return pa.table(cleaned).to_pandas()


def concat_frames(frames: Iterable[pd.DataFrame], empty: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """Concatenate frames, or return ``empty()`` when there are none."""
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else empty()


@dataclass
class Chunk:
    """Rows of one input split into fields, before any per-format rule runs.

    Attributes
    ----------
    rows_read : int
        Data rows in the chunk (every one ends up converted or in ``quarantine``).
    quarantine : pandas.DataFrame
        Rows that could not be split into the format's fields.
    pieces : list
        Parsed parts (one per layout, e.g. per column count), converted one by one.
    """

    rows_read: int
    quarantine: pd.DataFrame
    pieces: list[Any]


def block_chunks(
    layouts: dict[int, Sequence[str]],
    keep: Sequence[str],
    what: str,
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
) -> Callable[[InputFile], Iterator[Chunk]]:
    """Chunks of a tab-separated input with a one-line header, as :meth:`Block.tables` parses them.

    Each piece is ``(block, width, table)``: the block (to quarantine or re-parse lines), the
    field count and the parsed string columns ``keep`` plus ``line`` and ``_row``.
    """

    def chunks(source: InputFile) -> Iterator[Chunk]:
        for block in iter_blocks(source, header_lines=1, block_bytes=block_bytes, max_line_bytes=max_line_bytes):
            quarantine, tables = block.tables(layouts, keep, what)
            yield Chunk(len(block.starts), quarantine, [(block, w, t) for w, t in tables.items()])

    return chunks


def iter_delimited(
    inputs: Iterable[InputFile],
    chunks: Callable[[InputFile], Iterator[Chunk]],
    convert: Callable[[InputFile, Any], tuple[pa.Table, pd.DataFrame]],
    empty: Callable[[], pa.Table],
    check: Callable[[InputFile], None] | None = None,
) -> Iterator[Batch]:
    """The loop every delimited reader shares: chunk -> pieces -> rows -> one Batch per chunk.

    Parameters
    ----------
    inputs : iterable of InputFile
    chunks : callable
        ``source -> chunks`` (e.g. :func:`block_chunks`, or tidy's table chunks).
    convert : callable
        ``(source, piece) -> (accepted rows, quarantined rows)``; accepted rows are a staged
        arrow table (events after :func:`~forecast.events.readers._finish.finish`, or a panel).
    empty : callable
        The table to stage when a chunk has no piece.
    check : callable, optional
        Run on each input before it is read (a header check that raises).

    Yields
    ------
    Batch
        The accepted rows of every piece of a chunk, concatenated in order (none dropped),
        and the chunk's quarantine followed by each piece's.
    """
    for source in inputs:
        if check is not None:
            check(source)
        for chunk in chunks(source):
            accepted, rejected = [], [chunk.quarantine]
            for piece in chunk.pieces:
                rows, quarantine = convert(source, piece)
                accepted.append(rows)
                rejected.append(quarantine)
            yield Batch(
                file=source.label,
                rows_read=chunk.rows_read,
                events=pa.concat_tables(accepted) if accepted else empty(),
                quarantine=concat_frames(rejected, empty_quarantine),
            )
