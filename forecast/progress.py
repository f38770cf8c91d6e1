"""Progress bars on long loops, and one line per repeated warning.

Bars are :mod:`tqdm` bars on stderr. Whether they show is the progress *mode*:
``auto`` (only when stderr is a terminal, so logs and CI output stay clean), ``always``
or ``never``; ``FORECAST_QUIET=1`` in the environment means ``never`` whatever the mode.
The shells set the mode from the ``progress`` config key with :func:`progress_mode`.
"""

from __future__ import annotations

import contextvars
import logging
import os
import re
import sys
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tqdm.auto import tqdm

from forecast.errors import ArgumentError

T = TypeVar("T")
MODES = ("auto", "always", "never")
_MODE: contextvars.ContextVar[tuple[str, str, int | None]] = contextvars.ContextVar(
    "forecast_progress", default=("auto", "", None)
)
log = logging.getLogger("forecast")
#: Numbers in a warning's text: blanked to tell repeats of one warning apart from new ones.
NUMBER = re.compile(r"\d+(?:\.\d+)?")


def check_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`MODES`.

    Raises
    ------
    ArgumentError
        Naming ``progress`` otherwise.
    """
    if mode not in MODES:
        raise ArgumentError("progress", f"must be one of {list(MODES)}, got {mode!r}.")
    return mode


@contextmanager
def progress_mode(mode: str, job: str = "", line: int | None = None) -> Iterator[None]:
    """Show bars per ``mode`` (``auto``, ``always``, ``never``) inside the block.

    Parameters
    ----------
    mode : str
        One of :data:`MODES`.
    job : str
        Prefix of every bar's label, e.g. ``job 3`` for one job of a sweep.
    line : int, optional
        Terminal line of the bars, so the parallel jobs of a sweep each keep their own.
    """
    token = _MODE.set((check_mode(mode), job, line))
    try:
        yield
    finally:
        _MODE.reset(token)


def enabled() -> bool:
    """Whether a bar started now would show."""
    if os.environ.get("FORECAST_QUIET", "") not in ("", "0"):
        return False
    mode = _MODE.get()[0]
    return mode == "always" or (mode == "auto" and sys.stderr.isatty())


def progress(iterable: Iterable[T] | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar (``desc``, ``total``, ``unit``, ...) over ``iterable``, disabled unless :func:`enabled`.

    Without ``iterable`` the bar is advanced by hand with ``update`` and ended with ``close``.
    """
    _, job, line = _MODE.get()
    if job:
        kwargs["desc"] = f"{job} {kwargs.get('desc', '')}".strip()
    return tqdm(iterable, disable=not enabled(), leave=False, dynamic_ncols=True, position=line, **kwargs)


class _SeenMessages(logging.Filter):
    """Drops a log record whose text an earlier record already showed."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if text in self.seen:
            return False
        self.seen.add(text)
        return True


@contextmanager
def warnings_once() -> Iterator[None]:
    """Show each warning once, and no log line twice.

    Warnings raised inside the block are held and, at its end, logged once per category
    and text with its numbers blanked (a Hawkes fit warns at every backtest window, each
    time with another spectral radius), saying how often it was raised; a warning whose
    text a log record already showed is not repeated. Log records with the same text as
    an earlier one are dropped.
    """
    # One filter per handler: each handler (console, log file) shows every text once.
    filters = [(handler, _SeenMessages()) for handler in logging.getLogger().handlers]
    for handler, seen in filters:
        handler.addFilter(seen)
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as recorded:
            warnings.simplefilter("always")
            try:
                yield
            finally:
                caught = list(recorded)
    finally:
        _log_once_per_site(caught, set().union(*(seen.seen for _, seen in filters)))
        for handler, seen in filters:
            handler.removeFilter(seen)


def _log_once_per_site(caught: list[warnings.WarningMessage], logged: set[str]) -> None:
    sites: dict[tuple, list[warnings.WarningMessage]] = {}
    for warning in caught:
        template = NUMBER.sub("#", str(warning.message))
        sites.setdefault((warning.category, template), []).append(warning)
    for (category, _), raised in sites.items():
        text = str(raised[0].message)
        if text in logged:
            continue
        times = f" (raised {len(raised)} times; the first is shown)" if len(raised) > 1 else ""
        log.warning("%s: %s%s", category.__name__, text, times)
