"""The gold-set evaluation: acceptance thresholds of issue 7 and gold-set coverage."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from forecast.events.text.evaluate import Scores, evaluate, load_gold, parse_event, run_gold

HERE = Path(__file__).resolve().parent
GOLD_FILES = sorted(HERE.glob("gold*.jsonl"))  # the development set and every held-out set

# Every phrasing row of the pattern table, as gold-set tags.
PATTERN_ROWS = {
    "visit": {"visit", "travel", "arrive"},
    "host": {"host", "receive", "welcome"},
    "meet on the sidelines / third location": {"sidelines", "third_location"},
    "talks / consult": {"talks", "consult", "negotiate"},
    "phone / video call": {"phone", "video"},
    "joint exercise / naval visit": {"joint_exercise", "joint_patrol", "naval_visit"},
    "sign": {"sign"},
    "refuse": {"refuse"},
    "accuse": {"accuse"},
    "criticise": {"criticise"},
    "sanction": {"sanction"},
    "threaten": {"threaten"},
    "suspend": {"suspend", "expel"},
    "show of force": {"show_of_force"},
    "intent": {"intent"},
}


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_meets_acceptance_thresholds(path: Path) -> None:
    evaluation, predicted, _ = run_gold(path)
    assert evaluation.root_dyad.f1 >= 0.85
    assert evaluation.full.f1 >= 0.80
    assert evaluation.date_matched >= 15
    assert evaluation.date_accuracy >= 0.90
    assert set(predicted["source_dataset"]) == {"text:rules"}


# Floors (root+dyad precision, root+dyad F1, full F1) at the scores measured when issue 14
# was closed (tests/text/heldout14/README.md, final table), rounded down: no rule change may
# lower any of them. heldout14/test and heldout14/fresh are never tuned on; these asserts
# only guard them (their floors are above the acceptance, P and F1 >= 0.85).
FLOORS = {
    "gold.jsonl": (1.0, 1.0, 1.0),
    "gold_heldout.jsonl": (1.0, 1.0, 0.942),
    "gold_heldout2.jsonl": (1.0, 0.978, 0.956),
    "gold_heldout3.jsonl": (1.0, 0.945, 0.945),
    "gold_heldout4.jsonl": (0.92, 0.92, 0.92),
    "gold_heldout5.jsonl": (1.0, 1.0, 1.0),
    "gold_heldout6.jsonl": (1.0, 0.975, 0.975),
    "heldout14/all.jsonl": (0.965, 0.941, 0.87),
    "heldout14/tune.jsonl": (0.987, 0.987, 0.937),
    "heldout14/test.jsonl": (0.937, 0.886, 0.791),
    "heldout14/fresh.jsonl": (0.983, 0.937, 0.834),
    # Written before the changes of its session and never tuned on (heldout7/README.md): the
    # coder before them scored P 0.783, F1 0.493, full F1 0.493 and fails these floors.
    "heldout7/heldout.jsonl": (1.0, 0.989, 0.948),
}


@pytest.mark.parametrize("name", sorted(FLOORS))
def test_scores_do_not_drop_below_their_floors(name: str) -> None:
    evaluation, _, _ = run_gold(HERE / name)
    precision, f1, full_f1 = FLOORS[name]
    assert evaluation.root_dyad.precision >= precision - 1e-9
    assert evaluation.root_dyad.f1 >= f1 - 1e-9
    assert evaluation.full.f1 >= full_f1 - 1e-9


def test_every_gold_file_has_a_floor() -> None:
    files = GOLD_FILES + sorted((HERE / "heldout14").glob("*.jsonl")) + sorted((HERE / "heldout7").glob("*.jsonl"))
    assert sorted(str(f.relative_to(HERE)) for f in files) == sorted(FLOORS)


def test_gold_set_size_and_coverage() -> None:
    documents, events = [], []
    for path in GOLD_FILES:
        docs, evs = load_gold(path)
        documents += docs
        events += evs
    evaluation = evaluate(
        documents,
        events,
        pd.DataFrame(
            columns=[
                "doc_id",
                "source_country",
                "source_sector",
                "target_country",
                "target_sector",
                "cameo_code",
                "date",
            ]
        ),
    )
    assert evaluation.sentences >= 80
    tags = {t for d in documents for t in d["tags"]}
    missing = [row for row, wanted in PATTERN_ROWS.items() if not wanted & tags]
    assert missing == []
    no_event = [d for d in documents if not d["events"]]
    multi = [d for d in documents if len({e.split()[2] for e in d["events"]}) > 1]
    assert len(no_event) >= 20 and len(multi) >= 5
    ids = [d["id"] for d in documents]
    assert len(ids) == len(set(ids))


def test_scores_count_multisets() -> None:
    gold = [
        parse_event("d", "CHN.GOV RUS.GOV 041 2023-08-14 day"),
        parse_event("d", "RUS.GOV CHN.GOV 041 2023-08-14 day"),
    ]
    predicted = pd.DataFrame(
        {
            "doc_id": ["d", "d", "d"],
            "source_country": ["CHN", "CHN", "USA"],
            "source_sector": ["GOV", "GOV", "state"],
            "target_country": ["RUS", "RUS", "CHN"],
            "target_sector": ["GOV", "state", "state"],
            "cameo_code": ["041", "040", "111"],
            "date": pd.to_datetime(["2023-08-14", "2023-08-20", "2023-08-14"]),
        }
    )
    evaluation = evaluate([{"text": "x"}], gold, predicted)
    # root + dyad: CHN>RUS 04 matches once (gold has it once), RUS>CHN is missed.
    assert evaluation.root_dyad == Scores(true_positives=1, predicted=3, gold=2)
    assert evaluation.full == Scores(true_positives=1, predicted=3, gold=2)
    assert (evaluation.date_matched, evaluation.date_within) == (1, 1)
    assert evaluation.root_dyad.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))


def test_parse_event_rejects_malformed_lines() -> None:
    with pytest.raises(ValueError, match="g9"):
        parse_event("g9", "CHN.GOV 041")
    event = parse_event("g1", "-.GOV USA.GOV 125 2023-08-16 day")
    assert event.source_country is None and event.target_country == "USA"


def test_gold_lines_are_valid_json_with_required_fields() -> None:
    for path in GOLD_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            assert {"id", "published", "text", "events", "tags"} <= set(item)
