"""The format registry: its API, and a new format added in one place and ingested end to end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from forecast.errors import ArgumentError
from forecast.events import detect_format
from forecast.events.ingest import ingest
from forecast.events.readers import registry
from forecast.events.readers._finish import Batch, add_reason, code_problems, empty_event_table, finish, to_arrow
from forecast.events.readers._stream import Chunk, InputFile, iter_delimited
from forecast.events.readers.base import QUARANTINE_COLUMNS
from forecast.events.readers.detect import Sample
from forecast.events.taxonomy import code_attributes

# A toy format: a "TOY v1" header, then id|date|source|target|cameo per line.
_TOY_FIELDS = ("id", "date", "source", "target", "cameo")


def _is_toy(sample: Sample) -> bool:
    return sample.first_fields == ["TOY v1"]


def _toy_chunks(source: InputFile) -> Iterator[Chunk]:
    with source.open() as handle:
        lines = handle.read().decode("utf-8").splitlines()[1:]
    numbered = [(n, line) for n, line in enumerate(lines, start=2) if line.strip()]
    good = [(n, line.split("|")) for n, line in numbered if line.count("|") == len(_TOY_FIELDS) - 1]
    bad = pd.DataFrame(
        [
            (source.label, n, f"wrong field count: {line.count('|') + 1}", line)
            for n, line in numbered
            if line.count("|") != len(_TOY_FIELDS) - 1
        ],
        columns=list(QUARANTINE_COLUMNS),
    )
    frame = pd.DataFrame([fields for _, fields in good], columns=list(_TOY_FIELDS))
    frame["line"] = [n for n, _ in good]
    yield Chunk(len(numbered), bad, [frame])


def _toy_events(source: InputFile, raw: pd.DataFrame) -> tuple:
    date = pd.to_datetime(raw["date"], format="%Y-%m-%d", errors="coerce")
    reasons = add_reason(code_problems(raw["cameo"]), date.isna(), "bad date: {!r}", raw["date"])
    attrs = code_attributes(raw["cameo"])
    frame = pd.DataFrame(
        {
            "event_id": raw["id"],
            "date": date,
            "source_actor": raw["source"],
            "source_country": raw["source"],
            "source_sector": "state",
            "target_actor": raw["target"],
            "target_country": raw["target"],
            "target_sector": "state",
            "cameo_code": raw["cameo"],
            "root_code": attrs["root_code"],
            "quad_class": attrs["quad_class"],
            "goldstein": attrs["goldstein"],
            "source_dataset": "toy",
            "count": 1,
            "dedup_key": "toy:" + raw["id"],
            "source_file": source.label,
            "source_line": raw["line"],
        }
    )
    lines, text = raw["line"].to_numpy(), raw[list(_TOY_FIELDS)].agg("|".join, axis=1).to_numpy()

    def quarantiner(positions: np.ndarray, why: list[str]) -> pd.DataFrame:
        return pd.DataFrame({"file": source.label, "line": lines[positions], "reason": why, "raw": text[positions]})

    events, quarantine = finish(frame, reasons, quarantiner)
    return to_arrow(events), quarantine


def _iter_toy(inputs: list[InputFile]) -> Iterator[Batch]:
    yield from iter_delimited(inputs, _toy_chunks, _toy_events, empty_event_table)


@pytest.fixture
def toy_format() -> Iterator[registry.FormatSpec]:
    spec = registry.register(
        registry.FormatSpec("toy", _iter_toy, detector=_is_toy, aliases=("toy_v1",), signature="header 'TOY v1'")
    )
    try:
        yield spec
    finally:
        registry.unregister("toy")


_TOY_FILE = """TOY v1
t1|2021-03-01|CHN|RUS|042
t2|2021-03-02|USA|CHN|190
t3|2021-02-30|RUS|UKR|190
t4|2021-03-05|CHN

t1|2021-03-01|CHN|RUS|042
t5|2021-03-06|FRA|DEU|42
t6|2021-03-07|FRA|DEU|036
"""


def test_toy_format_is_detected_and_ingested_end_to_end(toy_format, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "toy.txt").write_text(_TOY_FILE)
    assert detect_format(folder) == "toy"

    summary = ingest(folder, tmp_path / "out")  # format="auto"
    # 7 data lines (header and blank line are not rows): t1, t2, t6 accepted; t3 (30 February),
    # t4 (3 fields) and t5 (code lost its zero) quarantined; the second t1 a duplicate.
    assert summary["format"] == "toy"
    counts = [summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")]
    assert counts == [7, 3, 3, 1]
    assert summary["rows_read"] == summary["rows_accepted"] + summary["rows_quarantined"] + summary["rows_duplicate"]
    label = str(folder / "toy.txt")
    assert summary["files"][label] == {"rows_read": 7, "rows_quarantined": 3, "rows_duplicate": 1, "rows_accepted": 3}

    events = pq.read_table(tmp_path / "out" / "events.parquet").to_pandas().sort_values("source_line")
    assert events["event_id"].tolist() == ["t1", "t2", "t6"]
    assert events["source_line"].tolist() == [2, 3, 9]  # the first t1 is kept
    assert events["root_code"].tolist() == ["04", "19", "03"]
    quarantine = pq.read_table(tmp_path / "out" / "quarantine.parquet").to_pandas().sort_values("line")
    assert quarantine["line"].tolist() == [4, 5, 8]
    reasons = quarantine["reason"].tolist()
    assert reasons[0].startswith("bad date") and reasons[1] == "wrong field count: 3" and "leading zero" in reasons[2]

    by_alias = ingest(folder, tmp_path / "alias", format="toy_v1")
    assert by_alias["rows_accepted"] == 3


def test_toy_format_is_gone_once_unregistered(tmp_path: Path) -> None:
    path = tmp_path / "toy.txt"
    path.write_text(_TOY_FILE)
    assert "toy" not in registry.names()
    with pytest.raises(ValueError, match="cannot tell the format"):
        detect_format(path)


def test_builtin_names_aliases_and_kinds() -> None:
    assert registry.names() == (
        "events", "gdelt", "gdelt1", "gdelt2", "icews", "icews_tkg", "panel", "polecat", "tkg"
    )  # fmt: skip
    assert registry.get("tkg") is registry.get("icews_tkg")
    assert registry.get("gdelt").mixes == {"gdelt1", "gdelt2"}
    assert [n for n in registry.names() if registry.get(n).line_oriented] == [
        "events", "gdelt", "gdelt1", "gdelt2", "icews", "polecat"
    ]  # fmt: skip  (events: its JSON Lines inputs are read in blocks)
    assert [n for n in registry.names() if registry.output_kind(n) == "panel"] == ["panel"]
    assert registry.output_kind("embedded") is None and registry.output_kind("auto") is None


def test_unknown_and_taken_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match=r"format: unknown event format 'gdelt3'; choose one of \['events'"):
        registry.get("gdelt3")
    with pytest.raises(ArgumentError, match="unknown event format 'nope'"):
        ingest(tmp_path, tmp_path / "out", format="nope")
    clash = registry.FormatSpec("mine", _iter_toy, aliases=("tkg",))
    with pytest.raises(ArgumentError, match=r"\['tkg'\] already name a format"):
        registry.register(clash)
    with pytest.raises(ArgumentError, match=r"\['auto'\] are reserved"):
        registry.register(registry.FormatSpec("auto", _iter_toy))
    assert "mine" not in registry.names() and "auto" not in registry.names()
