"""Score the text coder against a hand-labelled gold set.

The gold set is JSONL, one document per line: ``id``, ``published``, ``text`` and
``events``, a list of strings ``"SRC.SECTOR TGT.SECTOR CODE DATE PRECISION [SCHEDULED]"``
(``-`` for an unresolved country), e.g. ``"CHN.MIL RUS.state 036 2023-08-14 day 2023-08-21"``.

Two matching levels, each a multiset intersection per document:

* ``root_dyad``: CAMEO root code + source country + target country;
* ``full``: full CAMEO code + source country and sector + target country and sector.

Date accuracy: among gold events of day precision matched at ``root_dyad`` level, the
share whose predicted date is within ``tolerance_days`` of the gold date.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from forecast.events.text.coder import code_documents
from forecast.events.text.sentences import split_sentences


@dataclass(frozen=True)
class GoldEvent:
    """One labelled event."""

    doc_id: str
    source_country: str | None
    source_sector: str | None
    target_country: str | None
    target_sector: str | None
    cameo_code: str
    date: pd.Timestamp
    precision: str
    scheduled: pd.Timestamp | None


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 at one matching level."""

    true_positives: int
    predicted: int
    gold: int

    @property
    def precision(self) -> float:
        """Share of predicted events that are in the gold set."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """Share of gold events that were predicted."""
        return self.true_positives / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Evaluation:
    """Scores of one run of the coder on a gold set."""

    root_dyad: Scores
    full: Scores
    date_matched: int
    date_within: int
    documents: int
    sentences: int

    @property
    def date_accuracy(self) -> float:
        """Share of matched day-precision gold events dated within the tolerance."""
        return self.date_within / self.date_matched if self.date_matched else 1.0


def _actor(text: str) -> tuple[str | None, str | None]:
    country, sector = text.split(".")
    return (None if country == "-" else country), sector


def parse_event(doc_id: str, spec: str) -> GoldEvent:
    """Parse one gold event string (see the module docstring).

    Parameters
    ----------
    doc_id : str
        Document id the event belongs to.
    spec : str
        ``"SRC.SECTOR TGT.SECTOR CODE DATE PRECISION [SCHEDULED]"``.

    Returns
    -------
    GoldEvent
    """
    parts = spec.split()
    if len(parts) not in (5, 6):
        raise ValueError(f"gold event {spec!r} of {doc_id}: expected 5 or 6 fields")
    source, target = _actor(parts[0]), _actor(parts[1])
    return GoldEvent(
        doc_id,
        *source,
        *target,
        parts[2],
        pd.Timestamp(parts[3]),
        parts[4],
        pd.Timestamp(parts[5]) if len(parts) == 6 else None,
    )


def load_gold(path: str | Path) -> tuple[list[dict], list[GoldEvent]]:
    """Read a gold JSONL file.

    Parameters
    ----------
    path : str or Path
        The file.

    Returns
    -------
    tuple
        The documents (dicts with ``id``, ``text``, ``published``) and their events.
    """
    documents, events = [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        documents.append(item)
        events.extend(parse_event(item["id"], spec) for spec in item["events"])
    return documents, events


def _keys(rows: Iterable[tuple], level: str) -> Counter:
    if level == "root_dyad":
        return Counter((d, code[:2], sc, tc) for d, sc, ss, tc, ts, code in rows)
    return Counter(rows)


def _score(gold: list[tuple], predicted: list[tuple], level: str) -> Scores:
    g, p = _keys(gold, level), _keys(predicted, level)
    return Scores(sum((g & p).values()), sum(p.values()), sum(g.values()))


def _none(value: object) -> str | None:
    return None if pd.isna(value) else str(value)


def evaluate(
    documents: list[dict], gold: list[GoldEvent], predicted: pd.DataFrame, *, tolerance_days: int = 3
) -> Evaluation:
    """Score coded events against gold events.

    Parameters
    ----------
    documents : list of dict
        Gold documents (for the counts).
    gold : list of GoldEvent
        Gold events.
    predicted : pandas.DataFrame
        Output of :func:`forecast.events.text.code_documents` on the same documents.
    tolerance_days : int
        Date tolerance for day-precision events.

    Returns
    -------
    Evaluation
    """
    gold_rows = [
        (e.doc_id, e.source_country, e.source_sector, e.target_country, e.target_sector, e.cameo_code) for e in gold
    ]
    pred_rows = [
        (
            r.doc_id,
            _none(r.source_country),
            _none(r.source_sector),
            _none(r.target_country),
            _none(r.target_sector),
            r.cameo_code,
        )
        for r in predicted.itertuples()
    ]
    # Dates: pair each day-precision gold event with the closest unused prediction of the
    # same root + dyad.
    pool: dict[tuple, list[pd.Timestamp]] = {}
    for row, date in zip(pred_rows, predicted["date"], strict=True):
        pool.setdefault((row[0], row[5][:2], row[1], row[3]), []).append(date)
    matched = within = 0
    for event in gold:
        key = (event.doc_id, event.cameo_code[:2], event.source_country, event.target_country)
        candidates = pool.get(key)
        if not candidates:
            continue
        best = min(candidates, key=lambda d: abs(d - event.date))
        candidates.remove(best)
        if event.precision == "day":
            matched += 1
            within += abs((best - event.date).days) <= tolerance_days
    return Evaluation(
        root_dyad=_score(gold_rows, pred_rows, "root_dyad"),
        full=_score(gold_rows, pred_rows, "full"),
        date_matched=matched,
        date_within=within,
        documents=len(documents),
        sentences=sum(len(split_sentences(d["text"])) for d in documents),
    )


def run_gold(path: str | Path) -> tuple[Evaluation, pd.DataFrame, list[GoldEvent]]:
    """Code a gold file and score it.

    Parameters
    ----------
    path : str or Path
        Gold JSONL file.

    Returns
    -------
    tuple
        The evaluation, the coded events and the gold events.
    """
    documents, gold = load_gold(path)
    predicted = code_documents((d["id"], d["text"], d["published"]) for d in documents)
    return evaluate(documents, gold, predicted), predicted, gold
