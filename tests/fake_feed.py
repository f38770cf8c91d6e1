"""A fake GDELT feed on 127.0.0.1: generated export files, lists in GDELT's layouts, faults on demand.

The files are header-less tab-separated GDELT rows (61 columns for 2.0, 58 for 1.0 daily),
zipped one member per archive as GDELT names them (``20230801000000.export.CSV.zip``).
The lists follow GDELT's: ``size md5 url`` lines in ``masterfilelist.txt`` /
``lastupdate.txt`` (URLs on GDELT's own host, as the real list has them: the client must
use its ``base_url`` instead), and ``<LI><A HREF=...>name</A> (size) (MD5: ...)`` lines
in 1.0's ``index.html``. Nothing here opens a socket anywhere but 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import io
import threading
import time
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from forecast.events.readers.gdelt import GDELT1_COLUMNS, GDELT2_COLUMNS

# (Actor1Code, Actor1CountryCode, Actor2Code, Actor2CountryCode, EventCode, QuadClass, Goldstein)
DYAD_EVENTS = [
    ("CHNGOV", "CHN", "RUSGOV", "RUS", "042", "1", "1.9"),
    ("RUSMIL", "RUS", "CHNMIL", "CHN", "062", "2", "7.4"),
    ("CHNGOV", "CHN", "USAGOV", "USA", "036", "1", "4.0"),
    ("USAMIL", "USA", "CHNMIL", "CHN", "190", "4", "-10.0"),
    ("FRAGOV", "FRA", "DEUGOV", "DEU", "040", "1", "1.0"),
]


def gdelt_row(event_id: int, day: str, added: str, kind: int = 0, layout: str = "gdelt2", code: str | None = None) -> str:
    """One GDELT line: ``day`` is SQLDATE (YYYYMMDD), ``added`` DATEADDED, ``kind`` picks a dyad event."""
    a1, c1, a2, c2, event, quad, gold = DYAD_EVENTS[kind % len(DYAD_EVENTS)]
    values = dict.fromkeys(GDELT2_COLUMNS, "")
    values.update(
        GLOBALEVENTID=str(event_id), SQLDATE=day, MonthYear=day[:6], Year=day[:4], FractionDate=f"{day[:4]}.5000",
        Actor1Code=a1, Actor1Name=a1, Actor1CountryCode=c1, Actor1Type1Code=a1[3:],
        Actor2Code=a2, Actor2Name=a2, Actor2CountryCode=c2, Actor2Type1Code=a2[3:],
        IsRootEvent="1", EventCode=code or event, EventBaseCode=event, EventRootCode=event[:2], QuadClass=quad,
        GoldsteinScale=gold, NumMentions="2", NumSources="1", NumArticles="2", AvgTone="-1.5",
        DATEADDED=added, SOURCEURL="https://news.example.org/story",
    )
    columns = GDELT2_COLUMNS if layout == "gdelt2" else GDELT1_COLUMNS
    return "\t".join(values[c] for c in columns)


def zipped(member: str, text: str) -> bytes:
    """A zip archive holding one member, as GDELT ships its exports."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, text)
    return buffer.getvalue()


class Feed:
    """Files served under ``/gdeltv2/`` and ``/events/`` with their lists, and the faults to play."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}  # path under the server root -> bytes
        self.listed: dict[str, tuple[int, str]] = {}  # path -> the size and MD5 the list gives
        self.faults: dict[str, str] = {}
        self.hits: Counter = Counter()
        self.drip_s = 0.05
        self.stall_s = 5.0
        self.url = ""

    def add(self, folder: str, name: str, data: bytes) -> None:
        path = f"{folder}/{name}"
        self.files[path] = data
        self.listed[path] = (len(data), hashlib.md5(data).hexdigest())

    def add_gdelt2(self, stamp: str, rows: Sequence[str]) -> str:
        name = f"{stamp}.export.CSV.zip"
        self.add("gdeltv2", name, zipped(f"{stamp}.export.CSV", "".join(r + "\n" for r in rows)))
        return name

    def add_gdelt1(self, day: str, rows: Sequence[str]) -> str:
        name = f"{day}.export.CSV.zip"
        self.add("events", name, zipped(f"{day}.export.CSV", "".join(r + "\n" for r in rows)))
        return name

    def write(self, folder: Path, prefix: str) -> list[Path]:
        """The served files of one feed folder written to ``folder`` (what a direct ingest reads)."""
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for path, data in sorted(self.files.items()):
            if path.startswith(prefix + "/"):
                out.append(folder / path.split("/", 1)[1])
                out[-1].write_bytes(data)
        return out

    def _list(self, prefix: str, latest: bool = False) -> bytes:
        names = sorted(p for p in self.listed if p.startswith(prefix + "/"))
        if latest:
            names = names[-1:]
        lines = []
        for path in names:
            size, md5 = self.listed[path]
            name = path.split("/", 1)[1]
            lines.append(f"{size} {md5} http://data.gdeltproject.org/gdeltv2/{name}")
            # the real list interleaves mentions and GKG files, which a fetch must skip
            lines.append(f"{size + 7} {'0' * 32} http://data.gdeltproject.org/gdeltv2/{name.replace('export.CSV', 'mentions.CSV')}")
        return ("\n".join(lines) + "\n").encode()

    def _index(self) -> bytes:
        rows = ['<HTML><BODY><UL>', '<LI><A HREF="md5sums">md5sums</A>', '<LI><A HREF="2005.zip">2005.zip</A> (125.9MB) (MD5: ' + "a" * 32 + ')']
        for path in sorted(p for p in self.listed if p.startswith("events/")):
            size, md5 = self.listed[path]
            name = path.split("/", 1)[1]
            rows.append(f'<LI><A HREF="{name}">{name}</A> ({size / 1e6:.1f}MB) (MD5: {md5})')
        return ("\n".join(rows + ["</UL></BODY></HTML>"]) + "\n").encode()

    def body(self, path: str) -> bytes | None:
        if path == "gdeltv2/masterfilelist.txt":
            return self._list("gdeltv2")
        if path == "gdeltv2/lastupdate.txt":
            return self._list("gdeltv2", latest=True)
        if path == "events/index.html":
            return self._index()
        return self.files.get(path)


def _handler(feed: Feed) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            path = self.path.lstrip("/")
            feed.hits[path] += 1
            data = feed.body(path)
            fault = feed.faults.get(path)
            if fault == "corrupt_once":
                fault = "corrupt" if feed.hits[path] == 1 else None
            if data is None or fault == "404":
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if fault == "corrupt":  # same length, one byte flipped: only the MD5 tells
                data = data[:-30] + bytes([data[-30] ^ 0xFF]) + data[-29:]
            if fault == "short":  # a file cut at the source: honest length, too few bytes
                data = data[: len(data) // 2]
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if fault == "cut":  # the connection drops half-way
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if fault == "stall":
                self.wfile.write(data[:100])
                self.wfile.flush()
                time.sleep(feed.stall_s)
                self.close_connection = True
                return
            if fault == "drip":
                for start in range(0, len(data), 256):
                    self.wfile.write(data[start : start + 256])
                    self.wfile.flush()
                    time.sleep(feed.drip_s)
                return
            self.wfile.write(data)

    return Handler


@contextmanager
def serve(feed: Feed) -> Iterator[Feed]:
    """Serve ``feed`` on 127.0.0.1 (a free port) in a thread; ``feed.url`` is its root."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(feed))
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        yield feed
    finally:
        server.shutdown()
        server.server_close()


def day_stamps(day: str, every_minutes: int = 15) -> list[str]:
    """The ``YYYYMMDDHHMMSS`` stamps of one day's GDELT 2.0 files."""
    times = pd.date_range(day, periods=24 * 60 // every_minutes, freq=f"{every_minutes}min")
    return [t.strftime("%Y%m%d%H%M%S") for t in times]
