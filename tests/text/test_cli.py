"""End-to-end: run_code_text on temporary inputs, and the Hydra CLI with conf/code_text.yaml."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir

from forecast.cli import CONF_DIR
from forecast.cli.code_text import code_text_main
from forecast.events.schema import validate_events
from forecast.events.text import read_documents, run_code_text

ARTICLE = "Wang Yi spoke to Sergei Lavrov by telephone on Monday.\nBeijing and Moscow held joint drills last month.\n"


def test_plain_text_to_csv(tmp_path: Path) -> None:
    source = tmp_path / "brief.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    events = run_code_text(source, tmp_path / "out" / "events.csv", published="2023-08-16")
    written = pd.read_csv(tmp_path / "out" / "events.csv", dtype={"cameo_code": str, "root_code": str})
    assert len(written) == len(events) == 4
    assert sorted(written["cameo_code"]) == ["041", "041", "062", "062"]
    assert set(written["doc_id"]) == {"brief"}
    assert set(written["date"]) == {"2023-08-14", "2023-07-01"}


def test_folder_to_parquet(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("Japan condemned North Korea.", encoding="utf-8")
    (folder / "b.txt").write_text("Nothing happened today.", encoding="utf-8")
    run_code_text(folder, tmp_path / "events.parquet", published="2023-08-16")
    events = pd.read_parquet(tmp_path / "events.parquet")
    validate_events(events)
    assert events[["doc_id", "source_country", "target_country", "cameo_code"]].values.tolist() == [
        ["a", "JPN", "PRK", "111"]
    ]


def test_jsonl_to_jsonl(tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    records = [
        {"id": "n1", "published": "2024-03-07", "text": "Seoul criticised Tokyo on Monday."},
        {"published": "2024-03-07", "text": "Xi Jinping hosted Vladimir Putin."},
    ]
    source.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    run_code_text(source, tmp_path / "events.jsonl")
    lines = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [(r["doc_id"], r["cameo_code"]) for r in lines] == [("n1", "111"), ("docs:2", "043"), ("docs:2", "042")]
    assert lines[0]["date"].startswith("2024-03-04")


def test_missing_date_and_bad_output_fail_clearly(tmp_path: Path) -> None:
    source = tmp_path / "a.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    with pytest.raises(ValueError, match="no publication date"):
        run_code_text(source, tmp_path / "e.csv")
    with pytest.raises(ValueError, match="unknown format"):
        run_code_text(source, tmp_path / "e.xlsx", published="2023-08-16")
    with pytest.raises(FileNotFoundError):
        list(read_documents(tmp_path / "missing.jsonl"))


def test_config_composes_with_overrides() -> None:
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        cfg = compose(config_name="code_text", overrides=["input=a.txt", "output=b.csv", "published=2023-08-16"])
    assert (cfg.input, cfg.output, str(cfg.published)) == ("a.txt", "b.csv", "2023-08-16")
    assert cfg.source_dataset == "text:rules"
    assert cfg.min_confidence == 0.0


def test_console_entry_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "brief.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    output = tmp_path / "events.csv"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        sys,
        "argv",
        [
            "forecast-code-text",
            f"input={source}",
            f"output={output}",
            "published=2023-08-16",
            "source_dataset=text:test",
        ],
    )
    code_text_main()
    events = pd.read_csv(output)
    assert len(events) == 4 and set(events["source_dataset"]) == {"text:test"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.txt", "events.csv"]  # no Hydra debris


def test_committed_example_is_reproducible(tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[2] / "data" / "examples"
    run_code_text(examples / "belarus-china-drills.txt", tmp_path / "fresh.csv", published="2024-07-18")
    fresh = pd.read_csv(tmp_path / "fresh.csv", dtype=str)
    committed = pd.read_csv(examples / "belarus-china-drills.events.csv", dtype=str)
    pd.testing.assert_frame_equal(fresh, committed)
    assert len(committed) == 17


def test_coded_events_stack_with_another_source(tmp_path: Path) -> None:
    from forecast.events.schema import EVENT_COLUMNS, conform_dtypes

    examples = Path(__file__).resolve().parents[2] / "data" / "examples"
    text_events = run_code_text(examples / "belarus-china-drills.txt", tmp_path / "e.csv", published="2024-07-18")
    other = text_events[list(EVENT_COLUMNS)].head(2).assign(source_dataset="icews18", event_id=["i1", "i2"])
    merged = conform_dtypes(pd.concat([text_events[list(EVENT_COLUMNS)], other], ignore_index=True))
    validate_events(merged)
    assert merged["source_dataset"].value_counts().to_dict() == {"text:rules": 17, "icews18": 2}


def _cli_error(argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> str:
    """Run forecast-code-text in-process; assert exit 2 and one stderr line without traceback; return it."""
    monkeypatch.setattr(sys, "argv", ["forecast-code-text", *argv])
    monkeypatch.delenv("HYDRA_FULL_ERROR", raising=False)
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        code_text_main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        # "Café" in Windows-1252: byte 0xe9, offset 37, on line 2.
        ("latin.txt", b"Seoul criticised Tokyo.\nJapan met Caf\xe9 owners.\n", "latin.txt:2: byte 37 (0xe9) is not UTF-8"),
        ("docs.jsonl", b'{"text": "Seoul criticised Tokyo.", "published": "2024-03-07"}\n{"text": oops}\n',
         "docs.jsonl:2: not a JSON object (Expecting value at column 10); fix the line."),
        ("list.jsonl", b'["Seoul criticised Tokyo."]\n', "list.jsonl:1: not a JSON object with 'text' and 'published'"),
    ],
)
def test_undecodable_or_malformed_input_is_one_line_naming_file_and_line(
    name: str, data: bytes, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    monkeypatch.chdir(tmp_path)
    line = _cli_error([f"input={name}", "output=e.csv", "published=2024-03-07"], monkeypatch, capsys)
    assert line.startswith(f"forecast-code-text: error: {message}"), line
    assert not (tmp_path / "e.csv").exists()


def test_byte_order_mark_is_not_part_of_the_text(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes("\ufeffSeoul criticised Tokyo.".encode())
    record = b'{"text": "Seoul criticised Tokyo.", "published": "2024-03-07"}\n'
    (tmp_path / "b.jsonl").write_bytes("\ufeff".encode() + record)
    for name in ("a.txt", "b.jsonl"):
        events = run_code_text(tmp_path / name, tmp_path / "e.csv", published="2024-03-07")
        assert events["sentence"].tolist() == ["Seoul criticised Tokyo."]
        assert events["source_span"].tolist() == ["Seoul"]


def test_a_repeated_jsonl_id_is_refused_for_a_different_document(tmp_path: Path) -> None:
    first = {"id": "a1", "published": "2024-03-07", "text": "Seoul criticised Tokyo on Monday."}
    source = tmp_path / "docs.jsonl"
    # The same document twice is a duplicate: same event ids, counted once at ingest.
    source.write_text(json.dumps(first) + "\n" + json.dumps(first) + "\n", encoding="utf-8")
    events = run_code_text(source, tmp_path / "e.csv")
    assert events["event_id"].tolist() == ["a1:0:0", "a1:0:0"]
    # Another document under the same id would lose its events as "duplicates": refused.
    other = {"id": "a1", "published": "2024-03-08", "text": "Moscow condemned Kyiv on Tuesday."}
    source.write_text(json.dumps(first) + "\n\n" + json.dumps(other) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"docs.jsonl:3: id 'a1' is also the id of line 1, a different document"):
        run_code_text(source, tmp_path / "f.csv")
    assert not (tmp_path / "f.csv").exists()


@pytest.mark.parametrize(
    ("published", "problem"),
    [
        (20230816, "is not a date string"),  # pandas would read it as nanoseconds: 1970-01-01
        ("2023", "names no day"),
        ("2023-08", "names no day"),
        ("08/09/2023", "is ambiguous (day/month or month/day)"),
    ],
)
def test_a_publication_date_that_is_not_one_day_is_refused(published: object, problem: str, tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"published": published, "text": "Seoul criticised Tokyo on Monday."}) + "\n")
    with pytest.raises(ValueError, match=rf"docs.jsonl:1: publication date .* {re.escape(problem)}; write it as"):
        run_code_text(source, tmp_path / "e.csv")


@pytest.mark.parametrize(
    ("published", "day"),
    [
        ("2024-03-07", "2024-03-07"),
        ("20240307", "2024-03-07"),
        ("17/03/2024", "2024-03-17"),
        ("07/07/2024", "2024-07-07"),
        ("Thu, 7 Mar 2024 09:00:00 GMT", "2024-03-07"),
    ],
)
def test_unambiguous_publication_dates_are_read(published: str, day: str, tmp_path: Path) -> None:
    source = tmp_path / "docs.jsonl"
    source.write_text(json.dumps({"published": published, "text": "Seoul criticised Tokyo."}) + "\n")
    events = run_code_text(source, tmp_path / "e.csv")
    assert events["date"].tolist() == [pd.Timestamp(day)]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_output_is_written_atomically(suffix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from forecast.events.text import write_events

    source = tmp_path / "brief.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    output = tmp_path / f"events{suffix}"
    run_code_text(source, output, published="2023-08-16")
    before = output.read_bytes()
    writer = {".csv": "to_csv", ".parquet": "to_parquet", ".jsonl": "to_json"}[suffix]

    def killed(self: pd.DataFrame, target: object, *args: object, **kwargs: object) -> None:
        Path(str(target)).write_bytes(before[:10])  # half a table, then the process dies
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, writer, killed)
    with pytest.raises(KeyboardInterrupt):
        write_events(pd.DataFrame({"a": [1]}), output)
    assert output.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["brief.txt", output.name]


def test_min_confidence_keeps_events_at_the_threshold(tmp_path: Path) -> None:
    source = tmp_path / "brief.txt"
    source.write_text(ARTICLE, encoding="utf-8")
    # Base confidences: hold_talks+cue_phone 0.8 (the 041 pair), joint_drills 0.85 (the 062 pair).
    kept = {}
    for threshold in (0.0, 0.8, 0.85, 0.851, 1.0):
        events = run_code_text(source, tmp_path / "e.csv", published="2023-08-16", min_confidence=threshold)
        kept[threshold] = sorted(events["cameo_code"])
    assert kept == {
        0.0: ["041", "041", "062", "062"],
        0.8: ["041", "041", "062", "062"],
        0.85: ["062", "062"],
        0.851: [],
        1.0: [],
    }


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan"])
def test_min_confidence_outside_zero_one_is_a_one_line_error(
    value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    argv = ["input=a.txt", "output=e.csv", "published=2023-08-16", f"min_confidence={value}"]
    line = _cli_error(argv, monkeypatch, capsys)
    expected = f"min_confidence: must be between 0 and 1, got {float(value)}; fix the value."
    assert line == f"forecast-code-text: error: {expected}"
    assert not (tmp_path / "e.csv").exists()


def test_summary_line_counts_every_document_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    # Two documents, one without any event: both are counted (doc_id alone would say 1).
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("China and Russia held joint naval exercises on 3 May 2023.\n", encoding="utf-8")
    (folder / "b.txt").write_text("The weather was nice.\n", encoding="utf-8")
    output = tmp_path / "e.csv"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        sys, "argv", ["forecast-code-text", f"input={folder}", f"output={output}", "published=2023-05-04"]
    )
    capsys.readouterr()
    code_text_main()
    assert capsys.readouterr().out.strip() == f"2 events from 2 documents written to {output}"
    assert run_code_text(folder / "b.txt", tmp_path / "none.csv", published="2023-05-04").attrs["documents"] == 1
