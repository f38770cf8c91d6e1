"""The tidy event-table reader: defaults for optional columns, CSV edge cases, line numbers
and reasons, on small tables written by the tests (values by hand)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.events import read_events
from forecast.events.readers._stream import expand_inputs
from forecast.events.readers.tidy import iter_table_chunks, iter_tidy


def _read(path: Path, **options):
    result = read_events(path, format="events", **options)
    result.summary()
    return result


def test_optional_columns_take_documented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "minimal.events.csv"
    path.write_text("date,cameo_code,source_country,target_country\n2021-01-04,042,CHN,Russian Federation\n"
                    "2021-01-05,190,United States,CHN\n")
    events = _read(path).events.sort_values("source_line")
    # event_id = file stem + line, dataset = file stem, count 1, quad/Goldstein from the CAMEO table
    assert events["event_id"].tolist() == ["minimal:2", "minimal:3"]
    assert events["source_dataset"].tolist() == ["minimal", "minimal"]
    assert events["dedup_key"].tolist() == ["minimal:minimal:2", "minimal:minimal:3"]
    assert events["count"].tolist() == [1, 1]
    assert events["quad_class"].tolist() == [1, 4] and events["goldstein"].tolist() == [1.9, -10.0]
    assert events["root_code"].tolist() == ["04", "19"]
    assert list(zip(events["source_country"], events["target_country"])) == [("CHN", "RUS"), ("USA", "CHN")]
    # a country without a sector column is "other": the table does not say it is the state
    assert events["source_sector"].tolist() == ["other", "other"]
    assert events["source_actor"].tolist() == [None, None]


def test_given_values_win_over_the_table_and_actors_resolve(tmp_path: Path) -> None:
    path = tmp_path / "given.tsv"
    path.write_text(
        "event_id\tdate\tsource_actor\tsource_country\tsource_sector\ttarget_actor\tcameo_code\tquad_class\t"
        "goldstein\tcount\tsource_dataset\n"
        "a\t2021-01-04\tXi Jinping\t\t\tVladimir Putin\t042\t2\t3.5\t4\tmine\n"
        "b\t2021-01-04\tSomebody\tCHN\tMIL\tMilitary (Russia)\t042\t\t\t1\t\n"
    )
    events = _read(path).events.set_index("event_id")
    assert events.loc["a", ["quad_class", "goldstein", "count", "source_dataset"]].tolist() == [2, 3.5, 4, "mine"]
    assert events.loc["a", ["source_country", "source_sector", "target_country", "target_sector"]].tolist() == [
        "CHN", "GOV", "RUS", "GOV",  # office holders on the date
    ]
    assert events.loc["b", ["quad_class", "goldstein", "count", "source_dataset"]].tolist() == [1, 1.9, 1, "given"]
    assert events.loc["b", ["source_country", "source_sector", "target_country", "target_sector"]].tolist() == [
        "CHN", "MIL", "RUS", "MIL",
    ]
    assert events.loc["b", "dedup_key"] == "given:b"


def test_line_numbers_and_reasons(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(
        b"event_id,date,cameo_code,source_country,target_country,count,note\n"  # 1
        b"a,2021-01-04,042,CHN,RUS,1,\"one, with a comma\"\n"  # 2
        b"\n"  # 3 blank: not a row
        b"b,2021-01-04,042,CHN,RUS,1,\"two\nlines\"\n"  # 4-5 one record over two lines
        b"c,2021-01-04,042,CHN,RUS\n"  # 6 wrong width
        b"d,2021-01-04,042,CHN,RUS,1,caf\xe9\n"  # 7 latin-1 byte
        b"e,2021-01-04,42,CHN,RUS,1,\n"  # 8 lost zero
        b"f,yesterday,042,CHN,RUS,1,\n"  # 9
        b"g,2021-01-04,042,CHN,RUS,2.5,\n"  # 10
        b"h,2021-01-04,042,CHN,RUS,x,\n"  # 11
        b"i,2021-01-04,042,CHN,RUS,0,\n"  # 12 the schema wants count >= 1
        b"j,2021-01-04,042,CHN,RUS,3,\n"  # 13
        b" , ,,,,,\n"  # 14 blank fields only: not a row
    )
    result = _read(path)
    assert (result.rows_read, result.rows_accepted, result.rows_quarantined) == (10, 3, 7)
    assert dict(zip(result.events["event_id"], result.events["source_line"])) == {"a": 2, "b": 4, "j": 13}
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reason"]))
    assert reasons == {
        6: "wrong column count: 5 fields, expected 7",
        7: "undecodable bytes (not UTF-8)",
        8: "CAMEO code '42' lost its leading zero (expected '042'); read codes as strings",
        9: "bad date: 'yesterday'",
        10: "bad count (must be a whole number >= 1)",
        11: "bad count (must be a whole number >= 1)",
        12: "schema check failed: count greater_than_or_equal_to(1) (value 0)",
    }
    raw = dict(zip(result.quarantine["line"], result.quarantine["raw"]))
    assert raw[7] == "d,2021-01-04,042,CHN,RUS,1,caf\\xe9"
    assert raw[6] == "c,2021-01-04,042,CHN,RUS"
    assert raw[9] == (
        "event_id=f | date=yesterday | cameo_code=042 | source_country=CHN | target_country=RUS | count=1 | note="
    )
    assert result.events.set_index("event_id").loc["j", "count"] == 3


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "nodate.csv"
    path.write_text("when,cameo_code\n2021-01-04,042\n")
    with pytest.raises(ValueError) as err:
        list(iter_tidy(expand_inputs(path)))
    message = str(err.value)
    assert message.startswith(f"{path}: missing required column(s) ['date']. A tidy event table needs ")
    assert "['date', 'cameo_code'] and may add ['event_id', " in message


def test_chunks_and_parquet_give_the_same_events(tmp_path: Path) -> None:
    rows = "".join(f"e{i},2021-01-{1 + i % 28:02d},042,CHN,RUS,{1 + i % 3}\n" for i in range(7))
    path = tmp_path / "many.csv"
    path.write_text("event_id,date,cameo_code,source_country,target_country,count\n" + rows)
    chunks = list(iter_table_chunks(expand_inputs(path)[0], chunk_rows=3))
    assert [len(frame) for frame, _ in chunks] == [3, 3, 1]
    assert [frame["line"].tolist() for frame, _ in chunks] == [[2, 3, 4], [5, 6, 7], [8]]
    batches = list(iter_tidy(expand_inputs(path), chunk_rows=3))
    assert [b.rows_read for b in batches] == [3, 3, 1]
    whole = _read(path).events.sort_values("event_id")
    frame = pd.read_csv(path, dtype=str)
    frame.to_parquet(tmp_path / "many.parquet")
    parquet = _read(tmp_path / "many.parquet").events.sort_values("event_id")
    assert parquet["source_line"].tolist() == list(range(1, 8))  # parquet rows count from 1
    assert whole["count"].tolist() == parquet["count"].tolist() == [1, 2, 3, 1, 2, 3, 1]
    assert whole["date"].tolist() == parquet["date"].tolist()
    assert set(parquet["source_dataset"]) == {"many"}
