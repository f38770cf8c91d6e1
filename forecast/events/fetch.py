"""Keep an event store current from GDELT's update feeds: list, download, verify, append.

A fetch reads the feed's file list (GDELT 2.0 ``masterfilelist.txt`` / ``lastupdate.txt``,
GDELT 1.0 ``index.html``), picks the event files of the asked period that the store's
manifest does not hold yet, and downloads them with a bounded pool of workers, a polite
pace (at most ``rate_per_s`` requests a second) and retries with backoff (urllib3's
:class:`~urllib3.util.Retry` for refused connections and 429/5xx answers, then whole new
attempts for a cut, stalled or mismatching download). Each file is checked against the
list (size and MD5; GDELT 1.0 lists a rounded size only, so its MD5 decides); a file that
fails every attempt is quarantined with the reason and never ingested. Verified files are
appended to the partitioned store through :func:`forecast.events.ingest.ingest` in
batches (deduplicated on GLOBALEVENTID, accounted per file), and the manifest
(:mod:`forecast.events.manifest`) records each one.

Kill-safety: a download is written to a ``.part`` file and renamed only once verified; a
batch is listed in ``_fetch/pending.json`` before its append and the listing is removed
after the manifest records it. A later fetch deletes ``.part`` files, re-runs a pending
batch (the append is idempotent) and takes the rows accepted from the store itself, so a
kill at any point leaves the store as it was or complete, and the manifest true.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import duckdb
import pandas as pd
import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from forecast.errors import ArgumentError, DataError
from forecast.events.ingest import SUMMARY_FILE, ingest
from forecast.events.manifest import FETCH_FOLDER, INGESTED, QUARANTINED, read_manifest, update_manifest
from forecast.events.store import glob_pattern, recover_store, store_files
from forecast.io import write_text_atomic
from forecast.progress import progress

log = logging.getLogger(__name__)
FEEDS = ("gdelt2", "gdelt1")
_GDELT2_NAME = re.compile(r"^(\d{14})\.export\.CSV\.zip$")
_GDELT1_ROW = re.compile(
    r'HREF="(?P<name>(?P<day>\d{8})\.export\.CSV\.zip)"[^>]*>[^<]*</A>\s*\((?P<size>[^)]*)\)\s*\(MD5:\s*(?P<md5>[0-9a-fA-F]{32})\)',
    re.IGNORECASE,
)
_PART = ".part"
_PENDING = "pending.json"


@dataclass(frozen=True)
class FeedFile:
    """One event file a feed lists.

    Attributes
    ----------
    name : str
        File name (``20230801000000.export.CSV.zip``).
    url : str
        Where it is downloaded from: the source's ``base_url`` joined with ``name``, so a
        mirror serves the files the list names.
    md5 : str
        Lower-case hex MD5 the list gives.
    size : int or None
        Exact size in bytes the list gives (GDELT 2.0); None when it gives a rounded one.
    slot : pandas.Timestamp
        Start of the period the file covers (the timestamp in its name).
    dataset : str
        ``gdelt2`` or ``gdelt1``: the ``source_dataset`` of its events.
    """

    name: str
    url: str
    md5: str
    size: int | None
    slot: pd.Timestamp
    dataset: str


@dataclass(frozen=True)
class FetchOptions:
    """How to download: parallelism, pace, timeouts, retries.

    Parameters
    ----------
    workers : int
        Parallel downloads.
    rate_per_s : float
        At most this many requests start per second (all workers together); 0: no limit.
    timeout_s : float
        Seconds to wait for a connection and between two received pieces of a file.
    attempts : int
        Whole download attempts per file before it is quarantined (a cut, stalled or
        mismatching download is tried again; a 404 is not).
    retries : int
        urllib3 retries inside one attempt, for refused connections and 429/5xx answers.
    backoff_s : float
        Backoff base: attempt ``k`` waits ``backoff_s * 2**(k-1)`` seconds first.
    batch_files : int
        Verified files appended to the store per ingest call.
    keep_files : bool
        Keep the verified files in ``_fetch/files`` after their append (default: delete).
    memory_limit : str
        DuckDB memory limit of the append's deduplication.
    """

    workers: int = 4
    rate_per_s: float = 8.0
    timeout_s: float = 30.0
    attempts: int = 3
    retries: int = 3
    backoff_s: float = 1.0
    batch_files: int = 96
    keep_files: bool = False
    memory_limit: str = "128MB"

    def __post_init__(self) -> None:
        for name in ("workers", "attempts", "batch_files"):
            if int(getattr(self, name)) < 1:
                raise ArgumentError(name, f"must be >= 1, got {getattr(self, name)}.")
        for name in ("rate_per_s", "backoff_s", "retries"):
            if getattr(self, name) < 0:
                raise ArgumentError(name, f"must be >= 0, got {getattr(self, name)}.")
        if self.timeout_s <= 0:
            raise ArgumentError("timeout_s", f"must be > 0, got {self.timeout_s}.")


# --- the feeds' file lists ----------------------------------------------------------------------


def parse_gdelt2_list(text: str, base_url: str) -> list[FeedFile]:
    """The export files of a GDELT 2.0 list (``size md5 url`` per line).

    Mentions, GKG and translation files are skipped; so are lines that are not three fields
    with a number and an MD5 (GDELT's master list has a few).
    """
    files = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) != 3 or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}", parts[1]):
            continue
        name = parts[2].rsplit("/", 1)[-1]
        stamp = _GDELT2_NAME.match(name)
        if stamp is None:
            continue
        files.append(
            FeedFile(name, urljoin(base_url, name), parts[1].lower(), int(parts[0]),
                     pd.Timestamp(datetime.strptime(stamp.group(1), "%Y%m%d%H%M%S")), "gdelt2")
        )
    return files


def parse_gdelt1_index(text: str, base_url: str) -> list[FeedFile]:
    """The daily files of GDELT 1.0's ``index.html`` (``<A HREF=...>name</A> (6.2MB) (MD5: ...)``).

    The yearly and monthly backfile archives are skipped: they are not daily files.
    """
    return [
        FeedFile(m["name"], urljoin(base_url, m["name"]), m["md5"].lower(), None,
                 pd.Timestamp(datetime.strptime(m["day"], "%Y%m%d")), "gdelt1")
        for m in _GDELT1_ROW.finditer(text)
    ]


def select_files(
    files: Sequence[FeedFile], since: str | None, until: str | None, latest: FeedFile | None = None,
    weeks: int | None = None,
) -> list[FeedFile]:
    """The listed files of a period, one per name, sorted by slot.

    Parameters
    ----------
    files : sequence of FeedFile
    since, until : str, optional
        First and last day (``YYYY-MM-DD``, inclusive).
    latest : FeedFile, optional
        The feed's newest file: the period ends there; without ``since`` it starts
        ``weeks`` weeks before it, or at it.
    weeks : int, optional
        With ``latest`` and no ``since``: how many weeks back to fetch.

    Raises
    ------
    ArgumentError
        Naming ``since`` when it is after ``until``.
    """
    lower = pd.Timestamp(since) if since is not None else None
    upper = pd.Timestamp(until) + pd.Timedelta(days=1) if until is not None else None
    if latest is not None:
        upper = min(upper, latest.slot + pd.Timedelta(seconds=1)) if upper is not None else latest.slot + pd.Timedelta(seconds=1)
        if lower is None:
            lower = (latest.slot.normalize() - pd.Timedelta(weeks=weeks) + pd.Timedelta(days=1)) if weeks else latest.slot
    if lower is not None and upper is not None and lower >= upper:
        if since is None:  # the period starts at (or weeks before) the newest file
            raise ArgumentError("until", f"{until} is before the period that ends at the feed's newest file "
                                         f"({latest.slot:%Y-%m-%d %H:%M}); give a later until, or a since.")
        raise ArgumentError("since", f"{since} is after until={until} (or the feed's latest file); fix the range.")
    chosen = {f.name: f for f in files if (lower is None or f.slot >= lower) and (upper is None or f.slot < upper)}
    return sorted(chosen.values(), key=lambda f: (f.slot, f.name))


# --- downloading ------------------------------------------------------------------------------


class _Pacer:
    """Starts at most ``per_s`` requests a second across threads (a polite client)."""

    def __init__(self, per_s: float) -> None:
        self.interval = 1.0 / per_s if per_s > 0 else 0.0
        self.lock = threading.Lock()
        self.next = 0.0

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            start = max(now, self.next)
            self.next = start + self.interval
        if start > now:
            time.sleep(start - now)


def session(options: FetchOptions) -> requests.Session:
    """A requests session with urllib3 retries and backoff for refused connections and 429/5xx."""
    retry = Retry(
        total=options.retries, connect=options.retries, read=options.retries, status=options.retries,
        backoff_factor=options.backoff_s, status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}), respect_retry_after_header=True, raise_on_status=False,
    )
    client = requests.Session()
    adapter = HTTPAdapter(max_retries=retry, pool_maxsize=max(options.workers, 1))
    client.mount("http://", adapter)
    client.mount("https://", adapter)
    client.headers["User-Agent"] = f"forecast/{metadata.version('forecast')} (forecast-fetch)"
    return client


@dataclass
class Download:
    """The outcome of downloading one file: a verified path, or the reason it failed."""

    file: FeedFile
    path: Path | None = None
    size: int | None = None
    fetched_at: str = ""
    attempts: int = 0
    reason: str | None = None
    reused: bool = False


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as handle:
        for piece in iter(lambda: handle.read(1 << 20), b""):
            digest.update(piece)
    return digest.hexdigest()


def _mismatch(file: FeedFile, size: int, md5: str) -> str | None:
    if file.size is not None and size != file.size:
        return f"size {size} bytes, the list says {file.size}"
    if md5 != file.md5:
        return f"MD5 {md5}, the list says {file.md5}"
    return None


class Downloader:
    """Downloads feed files into a folder, verifying each against its list entry."""

    def __init__(self, client: requests.Session, options: FetchOptions, folder: Path, quarantine: Path,
                 byte_bar: Any) -> None:
        self.client, self.options, self.folder, self.quarantine = client, options, folder, quarantine
        self.pacer = _Pacer(options.rate_per_s)
        self.byte_bar = byte_bar
        self.bar_lock = threading.Lock()

    def get(self, file: FeedFile) -> Download:
        """Download ``file`` (or reuse a verified copy a killed fetch left) and verify it."""
        final = self.folder / file.name
        if final.is_file() and _mismatch(file, final.stat().st_size, _md5(final)) is None:
            return Download(file, final, final.stat().st_size, _now(), 0, reused=True)
        outcome = Download(file)
        for attempt in range(1, self.options.attempts + 1):
            if attempt > 1:
                time.sleep(self.options.backoff_s * 2 ** (attempt - 2))
            outcome.attempts = attempt
            outcome.reason, permanent = self._attempt(file, final)
            if outcome.reason is None:
                outcome.path, outcome.size, outcome.fetched_at = final, final.stat().st_size, _now()
                return outcome
            if permanent:
                break
        outcome.fetched_at = _now()
        return outcome

    def _attempt(self, file: FeedFile, final: Path) -> tuple[str | None, bool]:
        """One download into ``<name>.part``; ``(reason or None, whether retrying is pointless)``."""
        part = final.with_name(final.name + _PART)
        self.pacer.wait()
        try:
            with self.client.get(file.url, stream=True, timeout=self.options.timeout_s) as answer:
                if answer.status_code != 200:
                    permanent = 400 <= answer.status_code < 500 and answer.status_code != 429
                    return f"HTTP {answer.status_code} {answer.reason} for {file.url}", permanent
                digest, size = hashlib.md5(), 0
                with open(part, "wb") as out:
                    for piece in answer.iter_content(1 << 16):
                        out.write(piece)
                        digest.update(piece)
                        size += len(piece)
                        with self.bar_lock:
                            self.byte_bar.update(len(piece))
                    out.flush()
                    os.fsync(out.fileno())
            reason = _mismatch(file, size, digest.hexdigest())
            if reason is not None:
                self.quarantine.mkdir(parents=True, exist_ok=True)
                os.replace(part, self.quarantine / file.name)  # the bad bytes, kept for inspection
                return reason, False
            os.replace(part, final)
            return None, False
        except requests.Timeout:
            return f"timed out: no data for {self.options.timeout_s} s from {file.url}", False
        except requests.RequestException as error:
            text = " ".join(str(error).split())
            if "timed out" in text.lower():
                return f"timed out: no data for {self.options.timeout_s} s from {file.url}", False
            return f"download failed or cut short ({type(error).__name__}: {text[:200]})", False
        finally:
            part.unlink(missing_ok=True)


# --- the fetch ----------------------------------------------------------------------------------


@dataclass
class FetchSummary:
    """What one fetch did (also written to ``fetch_summary.json`` by the shell)."""

    source: str
    listed: int = 0
    wanted: int = 0
    already: int = 0
    downloaded: int = 0
    reused: int = 0
    ingested: int = 0
    quarantined: int = 0
    recovered: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_duplicate: int = 0
    quarantined_files: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return asdict(self)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One fetch per store at a time (two would both append the same files)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DataError(f"{folder.parent}: another forecast-fetch is appending to this store; wait for it.") from None
        yield


def list_feed(
    client: requests.Session, source: str, base_url: str, list_name: str, latest_name: str | None,
    latest: bool, since: str | None, weeks: int | None, timeout_s: float,
) -> tuple[list[FeedFile], FeedFile | None]:
    """Download and parse the feed's file list; with ``latest``, also find the newest file."""
    if source not in FEEDS:
        raise ArgumentError("source.name", f"unknown feed {source!r}; choose one of {list(FEEDS)}.")
    parse = parse_gdelt2_list if source == "gdelt2" else parse_gdelt1_index

    def text(name: str, key: str) -> str:
        url = urljoin(base_url, name)
        try:
            answer = client.get(url, timeout=timeout_s)
        except requests.RequestException as error:
            raise DataError(f"{url}: the feed's file list could not be read ({type(error).__name__}); check "
                            "source.base_url and the network.") from None
        if answer.status_code != 200:
            raise DataError(f"{url}: HTTP {answer.status_code} {answer.reason}; check source.base_url and {key}.")
        return answer.text

    newest = None
    if latest and latest_name:
        newest_files = parse(text(latest_name, "source.latest_list"), base_url)
        if not newest_files:
            raise DataError(f"{urljoin(base_url, latest_name)}: lists no event file; check source.base_url.")
        newest = max(newest_files, key=lambda f: f.slot)
        if since is None and not weeks:  # only the newest file is wanted: the short list is enough
            return newest_files, newest
    files = parse(text(list_name, "source.list"), base_url)
    if not files:
        raise DataError(f"{urljoin(base_url, list_name)}: lists no {source} event file; check source.base_url "
                        "and source.name.")
    if latest and newest is None:
        newest = max(files, key=lambda f: f.slot)
    return files, newest


def _check_day(name: str, value: str | None) -> None:
    """Raise :class:`ArgumentError` naming ``name`` unless ``value`` is None or a date."""
    if value is None:
        return
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise ArgumentError(name, f"{value!r} is not a date; give YYYY-MM-DD.")
    # pandas reads "2023-08" as 1 August and keeps a time: until=2023-08 would fetch one day,
    # until=...T12:00 half of the next one.
    if re.fullmatch(r"\s*\d{4}(?:-\d{1,2})?\s*", str(value)) or day != day.normalize():
        raise ArgumentError(name, f"{value!r} is not one day; give YYYY-MM-DD (the period's days are inclusive).")


def fetch(
    store: str | Path,
    source: str,
    base_url: str,
    *,
    list_name: str,
    latest_name: str | None = None,
    since: str | None = None,
    until: str | None = None,
    latest: bool = False,
    weeks: int | None = None,
    retry_quarantined: bool = True,
    options: FetchOptions | None = None,
) -> FetchSummary:
    """Bring ``store`` up to date with a feed's event files of a period.

    Parameters
    ----------
    store : str or Path
        The partitioned event store (created if needed).
    source : {"gdelt2", "gdelt1"}
        The feed.
    base_url : str
        Folder URL of the feed (a mirror or an internal cache works): the lists and the
        files are read under it.
    list_name, latest_name : str
        The list of every file (``masterfilelist.txt``, ``index.html``) and of the newest
        ones (``lastupdate.txt``; None where the feed has none).
    since, until : str, optional
        First and last day (inclusive) of the files to fetch.
    latest : bool
        End at the feed's newest file; without ``since``, start ``weeks`` weeks before it
        (or fetch only it).
    weeks : int, optional
        See ``latest``.
    retry_quarantined : bool
        Try again files an earlier fetch quarantined (the feed may have fixed them).
    options : FetchOptions, optional
        Workers, pace, timeouts, retries, batch size.

    Returns
    -------
    FetchSummary

    Raises
    ------
    ArgumentError
        For a bad range or option.
    DataError
        When the feed's list cannot be read, or another fetch holds the store.
    """
    options = options or FetchOptions()
    for name, day in (("since", since), ("until", until)):  # before the feed is asked for its list
        _check_day(name, day)
    if weeks is not None and (not latest or since is not None or weeks < 1):
        raise ArgumentError("weeks", f"counts weeks back from the newest file: set latest=true, no since, and weeks >= 1 "
                                     f"(got weeks={weeks}, latest={latest}, since={since}).")
    store = Path(store)
    work = store / FETCH_FOLDER
    summary = FetchSummary(source=source)
    if not base_url.endswith("/"):
        base_url += "/"
    try:
        work.mkdir(parents=True, exist_ok=True)
    except OSError as error:  # store=<a file>, or a folder that cannot be written
        raise ArgumentError("store", f"{store}: cannot create the store's folders ({error.strerror}); "
                                     "give a folder you can write to.") from None
    with _locked(work), session(options) as client:
        recover_store(store)
        summary.recovered = _recover(store, options)
        files, newest = list_feed(client, source, base_url, list_name, latest_name, latest, since, weeks, options.timeout_s)
        summary.listed = len(files)
        wanted = select_files(files, since, until, newest, weeks)
        manifest = read_manifest(store)
        done = set(manifest.loc[manifest["status"] == INGESTED, "name"])
        if not retry_quarantined:
            done |= set(manifest.loc[manifest["status"] == QUARANTINED, "name"])
        todo = [f for f in wanted if f.name not in done]
        summary.wanted, summary.already = len(wanted), len(wanted) - len(todo)
        log.info("%s: %d files listed, %d in the period, %d to fetch", source, len(files), len(wanted), len(todo))
        if todo:
            _run(store, todo, client, options, summary)
    return summary


def _run(store: Path, todo: list[FeedFile], client: requests.Session, options: FetchOptions, summary: FetchSummary) -> None:
    work = store / FETCH_FOLDER
    incoming = work / "incoming"
    incoming.mkdir(parents=True, exist_ok=True)
    known = sum(f.size or 0 for f in todo)
    file_bar = progress(total=len(todo), desc=f"fetch {todo[0].dataset}", unit="file")
    byte_bar = progress(total=known or None, desc="download", unit="B", unit_scale=True, unit_divisor=1024)
    downloader = Downloader(client, options, incoming, work / "quarantine", byte_bar)
    try:
        with ThreadPoolExecutor(max_workers=options.workers) as pool:
            futures: list[Future[Download]] = [pool.submit(downloader.get, f) for f in todo]
            batch: list[Download] = []
            try:
                for future in futures:  # in slot order; later files download meanwhile
                    outcome = future.result()
                    file_bar.update(1)
                    if outcome.reason is not None:
                        _record_quarantine(store, [outcome], summary)
                        continue
                    summary.downloaded += not outcome.reused
                    summary.reused += outcome.reused
                    batch.append(outcome)
                    if len(batch) >= options.batch_files:
                        _append(store, batch, options, summary)
                        batch = []
                if batch:
                    _append(store, batch, options, summary)
            finally:
                for future in futures:
                    future.cancel()
    finally:
        file_bar.close()
        byte_bar.close()


def _record_quarantine(store: Path, outcomes: list[Download], summary: FetchSummary) -> None:
    rows = [_manifest_row(o, QUARANTINED, o.reason, None) for o in outcomes]
    update_manifest(store, pd.DataFrame(rows))
    for o in outcomes:
        summary.quarantined += 1
        summary.quarantined_files[o.file.name] = str(o.reason)
        log.warning("%s quarantined: %s", o.file.name, o.reason)


def _manifest_row(o: Download, status: str, reason: str | None, counts: dict[str, int] | None) -> dict[str, Any]:
    counts = counts or {}
    return {
        "name": o.file.name, "url": o.file.url, "dataset": o.file.dataset, "slot": o.file.slot,
        "size": o.size if o.size is not None else o.file.size, "md5": o.file.md5, "fetched_at": o.fetched_at,
        "status": status, "reason": reason, "attempts": o.attempts,
        **{k: int(counts.get(k, 0)) for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")},
    }


def _per_input(ingest_summary: dict[str, Any], path: Path) -> dict[str, int]:
    """Sum the summary's per-input counts of one downloaded file (each zip member is an input)."""
    totals = dict.fromkeys(("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate"), 0)
    for label, entry in ingest_summary["files"].items():
        if label == str(path) or label.startswith(f"{path}:"):
            for key in totals:
                totals[key] += int(entry.get(key, 0))
    return totals


def _append(store: Path, batch: list[Download], options: FetchOptions, summary: FetchSummary) -> None:
    """Append verified files to the store, then record them; a file whose content fails is quarantined."""
    work = store / FETCH_FOLDER
    pending = work / _PENDING
    write_text_atomic(pending, json.dumps([_pending_record(o) for o in batch]))
    out = work / "ingest" / f"{batch[0].file.name.split('.')[0]}-{batch[-1].file.name.split('.')[0]}"
    paths = [o.path for o in batch]
    try:
        whole = ingest(paths, out, format=batch[0].file.dataset, store=store, memory_limit=options.memory_limit)
        done = [(o, _per_input(whole, o.path), None) for o in batch]
    except DataError:  # one bad file fails the batch: append file by file, quarantine the bad ones
        done = []
        for o in batch:
            one = work / "ingest" / o.file.name.split(".")[0]
            try:
                part = ingest([o.path], one, format=o.file.dataset, store=store, memory_limit=options.memory_limit)
                done.append((o, _per_input(part, o.path), None))
            except DataError as error:
                counts = _summary_counts(one, o.path)
                done.append((o, counts, " ".join(str(error).split())))
    _commit(store, done, options, summary)
    pending.unlink()


def _summary_counts(out: Path, path: Path) -> dict[str, int] | None:
    written = out / SUMMARY_FILE
    return _per_input(json.loads(written.read_text()), path) if written.is_file() else None


def _commit(store: Path, done: list[tuple[Download, dict[str, int] | None, str | None]], options: FetchOptions,
            summary: FetchSummary) -> None:
    """Record appended (or content-quarantined) files in the manifest, then clear their downloads."""
    rows = []
    for o, counts, reason in done:
        if counts is not None and counts["rows_read"] != sum(counts[k] for k in ("rows_accepted", "rows_quarantined", "rows_duplicate")):
            raise AssertionError(f"{o.file.name}: row accounting broken: {counts}. Please report this file.")
        rows.append(_manifest_row(o, QUARANTINED if reason else INGESTED, reason, counts))
        if reason:
            summary.quarantined += 1
            summary.quarantined_files[o.file.name] = reason
            log.warning("%s quarantined: %s", o.file.name, reason)
        else:
            summary.ingested += 1
        for key in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate"):
            setattr(summary, key, getattr(summary, key) + int((counts or {}).get(key, 0)))
    update_manifest(store, pd.DataFrame(rows))
    keep = store / FETCH_FOLDER / "files"
    for o, _, reason in done:
        if reason:
            (store / FETCH_FOLDER / "quarantine").mkdir(parents=True, exist_ok=True)
            os.replace(o.path, store / FETCH_FOLDER / "quarantine" / o.file.name)
        elif options.keep_files:
            keep.mkdir(parents=True, exist_ok=True)
            os.replace(o.path, keep / o.file.name)
        else:
            o.path.unlink(missing_ok=True)


def _pending_record(o: Download) -> dict[str, Any]:
    return {**asdict(o.file), "slot": str(o.file.slot), "path": str(o.path), "size_received": o.size,
            "fetched_at": o.fetched_at, "attempts": o.attempts}


def _recover(store: Path, options: FetchOptions) -> int:
    """Finish a batch a killed fetch left pending; delete partial downloads. Returns the files recovered.

    The batch is appended again (idempotent: rows already in the store are duplicates) and
    each file's accepted rows are counted in the store itself, so the manifest holds what
    the first, interrupted append committed.
    """
    work = store / FETCH_FOLDER
    for part in (work / "incoming").glob(f"*{_PART}"):
        part.unlink()
    pending = work / _PENDING
    if not pending.is_file():
        return 0
    records = json.loads(pending.read_text())
    batch = []
    for r in records:
        file = FeedFile(r["name"], r["url"], r["md5"], r["size"], pd.Timestamp(r["slot"]), r["dataset"])
        batch.append(Download(file, Path(r["path"]), r["size_received"], r["fetched_at"], r["attempts"]))
    present = [o for o in batch if o.path is not None and o.path.is_file()]
    done = []
    if present:
        out = work / "ingest" / f"recover-{present[0].file.name.split('.')[0]}"
        try:
            whole = ingest([o.path for o in present], out, format=present[0].file.dataset, store=store,
                           memory_limit=options.memory_limit)
        except DataError:
            whole = None
        in_store = _store_rows_by_file(store)
        for o in present:
            counts = _per_input(whole, o.path) if whole is not None else None
            if counts is None:
                continue  # refetched from scratch below: the manifest does not list it
            counts["rows_accepted"] = sum(n for label, n in in_store.items()
                                          if label == str(o.path) or label.startswith(f"{o.path}:"))
            counts["rows_duplicate"] = counts["rows_read"] - counts["rows_quarantined"] - counts["rows_accepted"]
            done.append((o, counts, None))
    if done:
        _commit(store, done, options, FetchSummary(source=batch[0].file.dataset))
    pending.unlink()
    return len(done)


def _store_rows_by_file(store: Path) -> dict[str, int]:
    if not store_files(store):
        return {}
    con = duckdb.connect()
    pattern = glob_pattern(store).replace("'", "''")
    rows = con.sql(f"SELECT source_file, count(*) FROM read_parquet('{pattern}', hive_partitioning = false) GROUP BY ALL").fetchall()
    con.close()
    return dict(rows)

