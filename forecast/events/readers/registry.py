"""The format registry: everything the events stage knows about an input format, one entry each.

Ingest, detection, the data sources and the pipeline ask the registry instead of naming
formats: which reader streams a format, how its inputs are recognised, whether it is read
in blocks of lines, whether it yields events or a ready panel, which other names it goes
by. Adding a format is one :class:`FormatSpec` passed to :func:`register`::

    register(FormatSpec("toy", iterator=iter_toy, detector=lambda s: s.first_fields[:1] == ["TOY"]))

after which ``ingest(path, out)`` detects and reads it like any built-in format.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal

from forecast.errors import ArgumentError, DataError
from forecast.events.readers import detect as signatures
from forecast.events.readers._finish import Batch
from forecast.events.readers._stream import InputFile, expand_inputs
from forecast.events.readers.detect import Sample
from forecast.events.readers.gdelt import iter_gdelt
from forecast.events.readers.icews import iter_icews
from forecast.events.readers.panel import iter_panel
from forecast.events.readers.polecat import iter_polecat
from forecast.events.readers.tidy import iter_tidy
from forecast.events.readers.tkg import iter_tkg

OutputKind = Literal["events", "panel"]


@dataclass(frozen=True)
class FormatSpec:
    """One input format.

    Parameters
    ----------
    name : str
        The name users give (``data=<name>``) and the summary records.
    iterator : callable
        ``iterator(inputs, **options) -> Iterator[Batch]``: ``inputs`` is the list of
        :class:`~forecast.events.readers._stream.InputFile` the paths expand to, or, with
        ``reads="paths"``, the paths as given.
    detector : callable, optional
        ``detector(sample) -> bool`` on a :class:`~forecast.events.readers.detect.Sample` of
        one input. Detectors are tried in registration order; the first match wins.
    set_detector : callable, optional
        ``set_detector(path) -> bool`` for formats recognised as a whole folder or archive
        (TKG sets); tried before the per-input detectors.
    reads : {"inputs", "paths"}
        What ``iterator`` receives.
    line_oriented : bool
        Read in blocks of lines: ``ingest`` passes its ``block_bytes``.
    output : {"events", "panel"}
        Canonical events (``events.parquet``) or a ready long panel (``panel.parquet``).
    aliases : tuple of str
        Other names for the same format (``tkg`` for ``icews_tkg``).
    mixes : frozenset of str
        Formats whose inputs, found together, are read as this one (``gdelt`` reads GDELT
        1.0 and 2.0 files side by side).
    arrow_batches : bool
        The reader builds events in arrow without pandera: ``ingest(validate=True)`` checks
        each batch with the arrow event schema.
    signature : str
        How the format is recognised, for the message when no detector matches.
    """

    name: str
    iterator: Callable[..., Iterator[Batch]]
    detector: Callable[[Sample], bool] | None = None
    set_detector: Callable[[Path], bool] | None = None
    reads: Literal["inputs", "paths"] = "inputs"
    line_oriented: bool = False
    output: OutputKind = "events"
    aliases: tuple[str, ...] = ()
    mixes: frozenset[str] = frozenset()
    arrow_batches: bool = False
    signature: str = ""


_SPECS: dict[str, FormatSpec] = {}
_NAMES: dict[str, str] = {}  # every name and alias -> the spec's name


_RESERVED = ("auto", "embedded")
"""Names the data config gives other meanings (detect the format; the packaged counts)."""


def register(spec: FormatSpec) -> FormatSpec:
    """Add a format; its detector is tried after those registered before it.

    Parameters
    ----------
    spec : FormatSpec

    Returns
    -------
    FormatSpec
        ``spec``, registered.

    Raises
    ------
    ArgumentError
        When its name or an alias is reserved or taken (:func:`unregister` a format to replace it).
    """
    reserved = [n for n in (spec.name, *spec.aliases) if n in _RESERVED]
    if reserved:
        raise ArgumentError("format", f"{reserved} are reserved by the data config; choose another name.")
    taken = [n for n in (spec.name, *spec.aliases) if n in _NAMES]
    if taken:
        raise ArgumentError("format", f"{taken} already name a format; unregister({taken[0]!r}) first.")
    _SPECS[spec.name] = spec
    _NAMES.update(dict.fromkeys((spec.name, *spec.aliases), spec.name))
    return spec


def unregister(name: str) -> FormatSpec:
    """Remove a format (given by its name or an alias) and return its spec."""
    spec = _SPECS.pop(get(name).name)
    for alias in (spec.name, *spec.aliases):
        del _NAMES[alias]
    return spec


def get(name: str) -> FormatSpec:
    """The spec of a format name or alias.

    Raises
    ------
    ArgumentError
        For an unknown name, listing the known ones.
    """
    try:
        return _SPECS[_NAMES[name]]
    except KeyError:
        raise ArgumentError(
            "format", f"unknown event format {name!r}; choose one of {list(names())} or 'auto' (detect it)."
        ) from None


def names() -> tuple[str, ...]:
    """Every format name and alias, sorted."""
    return tuple(sorted(_NAMES))


def output_kind(name: str) -> OutputKind | None:
    """``events`` or ``panel`` for a registered format; None for any other name.

    None answers for ``auto`` and ``embedded`` (what they give is known only once read).
    """
    return _SPECS[_NAMES[name]].output if name in _NAMES else None


def iter_batches(path: str | Path | Sequence[str | Path], name: str, **options: Any) -> Iterator[Batch]:
    """Stream a format's reader over the inputs (``options`` as the reader takes them)."""
    spec = get(name)
    yield from spec.iterator(path if spec.reads == "paths" else expand_inputs(path), **options)


def detect_input(source: InputFile) -> str:
    """The format of one input, from its first bytes.

    Parameters
    ----------
    source : InputFile

    Returns
    -------
    str
        The name of the first format whose detector matches.

    Raises
    ------
    DataError
        Naming the file and what was seen when no format matches.
    """
    sample = Sample(source)
    if not sample.head:
        raise DataError(f"{source.label}: empty input, nothing to detect. Remove it or pass data.format explicitly.")
    if not sample.is_parquet and not sample.lines:
        if b"\n" in sample.head.rstrip(b"\r\n\t "):
            seen = f"no complete line in the first {len(sample.head)} bytes"
        elif b"\n" in sample.head:
            seen = "only blank lines"
        else:
            seen = f"no line break in the first {len(sample.head)} bytes"
        nul = " (NUL bytes: binary or zeroed data)" if b"\0" in sample.head else ""
        raise DataError(
            f"{source.label}: {seen}{nul}, so there is nothing to detect the format from. Remove it, or pass "
            "the format explicitly (data=gdelt2, ...) to quarantine it row by row."
        )
    for spec in _SPECS.values():
        if spec.detector is not None and spec.detector(sample):
            return spec.name
    if sample.is_parquet:
        raise DataError(
            f"{source.label}: parquet columns {sample.parquet_columns[:10]} match neither a tidy event table "
            "(date, cameo_code, ...) nor a panel (unique_id, ds, y)."
        )
    known = "; ".join(f"{s.name} ({s.signature})" for s in _SPECS.values() if s.signature)
    raise DataError(
        f"{source.label}: cannot tell the format from the first line {sample.lines[0][:120]!r}. Known: {known}. "
        "Pass the format explicitly, e.g. data=gdelt2."
    )


def detect(path: str | Path | Sequence[str | Path]) -> str:
    """Detect the format of a path, folder, glob or list of them.

    A format recognised as a whole set (TKG) wins when every existing path is such a set.
    Otherwise every input is inspected and all must agree, except that inputs of the
    formats a spec ``mixes`` give that spec (GDELT 1.0 + 2.0 -> ``gdelt``).

    Returns
    -------
    str
        A registered format name.

    Raises
    ------
    DataError
        When inputs disagree (naming a file of each format) or one is unrecognised.
    """
    paths = [Path(p) for p in ([path] if isinstance(path, (str, Path)) else path)]
    existing = [p for p in paths if p.exists()]
    for spec in _SPECS.values():
        if existing and spec.set_detector is not None and all(spec.set_detector(p) for p in existing):
            return spec.name
    found: dict[str, str] = {}
    for source in expand_inputs(path):
        found.setdefault(detect_input(source), source.label)
    kinds = set(found)
    if len(kinds) == 1:
        return kinds.pop()
    for spec in _SPECS.values():
        if kinds <= spec.mixes | {spec.name}:
            return spec.name
    raise DataError(
        "inputs hold different formats: "
        + "; ".join(f"{k} (e.g. {v})" for k, v in sorted(found.items()))
        + ". Ingest them separately or pass the format explicitly."
    )


BUILTIN_FORMATS: tuple[FormatSpec, ...] = (
    FormatSpec(
        "polecat",
        iter_polecat,
        signatures.is_polecat,
        line_oriented=True,
        signature="header 'Event ID<TAB>Event Date<TAB>Event Type...'",
    ),
    FormatSpec(
        "icews", iter_icews, signatures.is_icews, line_oriented=True, signature="header 'Event ID<TAB>Event Date...'"
    ),
    FormatSpec("panel", iter_panel, signatures.is_panel, output="panel", signature="header with unique_id, ds, y"),
    FormatSpec(
        "events",
        iter_tidy,
        signatures.is_tidy_events,
        line_oriented=True,  # JSON Lines inputs are read in blocks
        signature="tidy table, header with date, cameo_code (or JSON Lines objects with them)",
    ),
    *(
        FormatSpec(
            f"gdelt{version}",
            partial(iter_gdelt, version=version),
            detector,
            line_oriented=True,
            arrow_batches=True,
            signature=f"header-less, {widths} tab-separated fields",
        )
        for version, detector, widths in (("2", signatures.is_gdelt2, "61"), ("1", signatures.is_gdelt1, "57 or 58"))
    ),
    FormatSpec(
        "gdelt",
        partial(iter_gdelt, version="auto"),
        signatures.is_gdelt_mixed,
        line_oriented=True,
        arrow_batches=True,
        mixes=frozenset({"gdelt1", "gdelt2"}),
        signature="header-less, 57/58 and 61 tab-separated fields in one input",
    ),
    FormatSpec(
        "icews_tkg",
        iter_tkg,
        set_detector=signatures.is_tkg_set,
        reads="paths",
        aliases=("tkg",),
        signature="folder or zip with entity2id.txt",
    ),
)
"""The formats the package reads, in detection order (text headers before header-less widths)."""

for _builtin in BUILTIN_FORMATS:
    register(_builtin)
