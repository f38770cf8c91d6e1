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


def test_a_run_without_sentence_punctuation_is_cut_into_bounded_pieces() -> None:
    # Lower-case or scraped text has no sentence boundary: one 40,000-character "sentence"
    # made the rules quadratic (minutes per document); it is cut at commas before 1,000 characters.
    clause = "japan protested to china over the drills near taiwan, "  # 54 characters
    pieces = split_sentences(clause * 800)
    assert all(len(p) <= 1000 for p in pieces)
    assert [len(p) for p in pieces[:2]] == [18 * 54 - 1, 18 * 54 - 1]  # 18 clauses, the last comma kept
    assert " ".join(pieces) == (clause * 800).strip()
    # Without a comma the cut is at the last space; a single huge word is cut at the limit.
    assert [len(p) for p in split_sentences("word " * 300)] == [999, 499]
    assert [len(p) for p in split_sentences("x" * 2500)] == [1000, 1000, 500]
    assert split_sentences("Short one.") == ["Short one."]
