"""Sentence and clause splitting."""

from __future__ import annotations

from forecast.events.text.sentences import clause_spans, split_sentences


def test_split_keeps_abbreviations_and_initials_inside_sentences() -> None:
    text = (
        "U.S. officials met Gen. Smith in Seoul on Jan. 5. They left.\n"
        "Headline without a full stop\n\n"
        "S. Jaishankar spoke. “We agree,” he said."
    )
    assert split_sentences(text) == [
        "U.S. officials met Gen. Smith in Seoul on Jan. 5.",
        "They left.",
        "Headline without a full stop",
        "S. Jaishankar spoke.",
        "“We agree,” he said.",
    ]


def test_clauses_split_at_contrastive_conjunctions_and_semicolons() -> None:
    sentence = "China held drills, while Japan protested; Russia watched but said nothing."
    parts = [sentence[a:b] for a, b in clause_spans(sentence)]
    assert parts == ["China held drills", "Japan protested", "Russia watched", "said nothing."]


def test_a_sentence_without_boundaries_is_one_clause() -> None:
    assert clause_spans("Xi met Putin.") == [(0, 13)]
