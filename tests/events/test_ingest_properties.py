"""Properties of ingest on randomly corrupted real-layout files (hypothesis, fixed seed).

* every row read is accepted, quarantined or a duplicate, per file and in total;
* a reader fails, if at all, with :class:`~forecast.errors.DataError` only;
* the aggregated counts do not depend on the order of the input lines.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from forecast.errors import DataError
from forecast.events import ingest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LAYOUTS = {
    "gdelt2": (FIXTURES / "gdelt2" / "20200101120000.export.CSV", "20200101120000.export.CSV"),
    "gdelt": (FIXTURES / "gdelt1" / "events_mixed.tsv", "events.tsv"),
    "icews": (FIXTURES / "icews" / "events.2018.fixture.tab", "events.tab"),
    "polecat": (FIXTURES / "polecat" / "ngec_coded_events_fixture.txt", "events.txt"),
}
SETTINGS = settings(
    max_examples=20,
    derandomize=True,  # the same examples on every run
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failure is shown as found, at once
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def corruptions(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` with a few random byte flips, cut lines, extra tabs and bad dates."""
    lines = data.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "tab", "date", "drop_newline"]))
        i = draw(st.integers(0, len(lines) - 1))
        line = bytearray(lines[i])
        if not line:
            continue
        at = draw(st.integers(0, len(line) - 1))
        if kind == "flip":
            line[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del line[at:]
        elif kind == "tab":
            line[at:at] = b"\t"
        elif kind == "date":
            fields = bytes(line).split(b"\t")
            if len(fields) > 1:
                fields[1] = draw(st.sampled_from([b"22630101", b"00000000", b"2018-02-30", b"", b"9" * 30, b"\xff"]))
                line = bytearray(b"\t".join(fields))
        elif kind == "drop_newline" and i + 1 < len(lines):
            lines[i + 1] = bytes(line) + lines[i + 1]
            line = bytearray()
        lines[i] = bytes(line)
    return b"\n".join(lines)


def _ingest_bytes(data: bytes, name: str, fmt: str) -> dict | None:
    """Ingest ``data`` as file ``name``; the summary, or None after a DataError (the only error allowed)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        try:
            return ingest(path, Path(tmp) / "out", format=fmt)
        except DataError as error:
            assert str(path) in str(error) or name in str(error), str(error)  # the message names the file
            return None


def _balanced(summary: dict) -> bool:
    files = summary["files"].values()
    per_file = all(f["rows_read"] == f["rows_accepted"] + f["rows_quarantined"] + f["rows_duplicate"] for f in files)
    total = summary["rows_read"] == summary["rows_accepted"] + summary["rows_quarantined"] + summary["rows_duplicate"]
    return per_file and total and summary["rows_read"] == sum(f["rows_read"] for f in files)


@SETTINGS
@given(st.sampled_from(sorted(LAYOUTS)), st.data())
def test_every_row_is_accounted_for_after_random_corruption(fmt: str, data: st.DataObject) -> None:
    path, name = LAYOUTS[fmt]
    corrupted = data.draw(corruptions(path.read_bytes()))
    summary = _ingest_bytes(corrupted, name, fmt)
    assert summary is None or _balanced(summary)


@SETTINGS
@given(st.sampled_from(sorted(LAYOUTS)), st.data())
def test_detection_and_readers_raise_only_data_error(fmt: str, data: st.DataObject) -> None:
    path, name = LAYOUTS[fmt]
    corrupted = data.draw(corruptions(path.read_bytes()))
    summary = _ingest_bytes(corrupted, name, "auto")
    assert summary is None or _balanced(summary)


def _counts(data: bytes, name: str, fmt: str) -> pd.Series:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        ingest(path, Path(tmp) / "out", format=fmt)
        events = pd.read_parquet(Path(tmp) / "out" / "events.parquet")
        reasons = pd.read_parquet(Path(tmp) / "out" / "quarantine.parquet")["reason"].value_counts().sort_index()
    keys = ["date", "source_country", "target_country", "cameo_code"]
    counts = events.fillna({k: "" for k in keys[1:]}).groupby(keys)["count"].sum()
    counts.index = ["|".join(map(str, key)) for key in counts.index]
    return pd.concat([counts, reasons])


@SETTINGS
@given(st.sampled_from(["gdelt2", "gdelt", "icews"]), st.randoms(use_true_random=False))
def test_aggregated_counts_do_not_depend_on_row_order(fmt: str, random: object) -> None:
    path, name = LAYOUTS[fmt]
    text = path.read_bytes()
    header, lines = (text.split(b"\n", 1) if fmt == "icews" else (None, text))
    rows = [ln for ln in lines.split(b"\n") if ln]
    shuffled = list(rows)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    join = lambda rs: ((header + b"\n") if header is not None else b"") + b"\n".join(rs) + b"\n"  # noqa: E731
    pd.testing.assert_series_equal(_counts(join(rows), name, fmt), _counts(join(shuffled), name, fmt))
