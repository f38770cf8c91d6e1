"""Sentence and clause splitting with regular expressions (no models)."""

from __future__ import annotations

import re

# Longer "sentences" are text without sentence punctuation (lower-case or scraped text); the
# rules' cost grows with the square of a sentence's length, so such a run is cut into pieces
# of at most this many characters, at a semicolon, comma or space. Real news sentences are
# far shorter (the longest in the gold sets has 317 characters).
MAX_SENTENCE = 1000
# Words that end with a full stop without ending the sentence.
_ABBREVIATIONS = frozenset(
    "u.s u.k u.n mr mrs ms dr gen lt col adm sen rep st jan feb mar apr jun jul aug sep sept "
    "oct nov dec no vs e.g i.e a.m p.m corp inc ltd co jr sr maj capt cmdr gov pres".split()
)
_BOUNDARY = re.compile(r"[.!?][\"”’')\]]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_LAST_WORD = re.compile(r"([\w.]+)[.!?][\"”’')\]]*$")
_CLAUSE = re.compile(
    r"\s*;\s*|,?\s+(?:while|whereas|but|although|though|even\s+as)\s+|\s+[—–]\s+|,\s+however,?\s+|"
    # Temporal clauses start a new subject ("... as the US President visited Tokyo"); "as"
    # and "after" only before a determiner or a capitalised word ("as part of" is no clause).
    r",?\s+(?:just\s+)?(?:as|when|after|before)\s+(?=the\s|(?-i:[A-Z]))|"
    # Reaction clauses: "..., prompting Japan to protest" (the reaction's object is the
    # previous clause; see REACTION).
    r",\s+(?:prompting|forcing|leading|causing)\s+",
    re.IGNORECASE,
)
# The separator before a reaction clause.
REACTION = re.compile(r"\b(?:prompting|forcing|leading|causing)\s*$", re.IGNORECASE)
# A sentence-initial subordinate clause ("As the Indian Prime Minister visited Moscow, ...")
# ends at its first comma; the main clause after it has its own subject.
_LEADING = re.compile(
    r"^\s*(?:As|When|After|Before|While|Although|Though|Following|Once)\s+[^,;]+?(,\s+)", re.IGNORECASE
)
# Separators after which the clause has a subject of its own (not the previous clause's).
_NEW_SUBJECT = re.compile(r"(?:\b(?:as|when|after|before|prompting|forcing|leading|causing)|^,)\s*$", re.IGNORECASE)
# Non-restrictive relative clauses (", which signed a pact with Manila,"): a main clause's
# subject is looked for outside them.
_RELATIVE = re.compile(r",\s+(?:which|who|whose|whom)\b[^,;]*,", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Split a text into sentences.

    Lines are split first (headlines, captions and paragraphs stand alone), then each line
    at sentence-final punctuation followed by a capital, except after abbreviations
    ("U.S.", "Gen.") and initials. A run longer than :data:`MAX_SENTENCE` characters
    is cut at its last semicolon, comma or space before the limit.

    Parameters
    ----------
    text : str
        A document.

    Returns
    -------
    list of str
        Non-empty sentences, stripped.
    """
    sentences: list[str] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        start = 0
        for match in _BOUNDARY.finditer(line):
            head = line[start : match.start() + 1]
            last = _LAST_WORD.search(head)
            word = last.group(1).lower().rstrip(".") if last else ""
            if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
                continue
            sentences.extend(_pieces(line[start : match.end()].strip()))
            start = match.end()
        tail = line[start:].strip()
        if tail:
            sentences.extend(_pieces(tail))
    return sentences


def _pieces(sentence: str) -> list[str]:
    """``sentence``, or its pieces of at most :data:`MAX_SENTENCE` characters when longer."""
    pieces = []
    while len(sentence) > MAX_SENTENCE:
        head = sentence[:MAX_SENTENCE]
        cut = max(head.rfind("; "), head.rfind(", "))  # the last clause break, else the last space
        cut = (cut if cut > 0 else head.rfind(" ")) + 1 or MAX_SENTENCE
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:].strip()
    pieces.append(sentence)
    return [p for p in pieces if p]


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a sentence.

    Clauses are separated by semicolons, dashes, contrastive conjunctions ("while",
    "but", "although"), temporal conjunctions ("as", "when", "after", "before") and reaction
    participles ("prompting"), which in news prose usually start a new subject; a
    sentence-initial subordinate clause ("As ..., ", "Following ..., ") ends at its comma.

    Parameters
    ----------
    sentence : str
        One sentence.

    Returns
    -------
    list of (int, int)
        ``(start, end)`` offsets covering the sentence, left to right.
    """
    spans = []
    start = 0
    leading = _LEADING.match(sentence)
    if leading is not None:
        spans.append((0, leading.start(1)))
        start = leading.end(1)
    for match in _CLAUSE.finditer(sentence, start):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(sentence)))
    return spans


def opens_new_subject(sentence: str, spans: list[tuple[int, int]], index: int) -> bool:
    """Whether clause ``index`` starts with a subject of its own.

    True after a temporal or reaction separator ("... as the US President visited Tokyo",
    "..., prompting Japan to protest") and for the main clause after a sentence-initial
    subordinate clause; False after "and", "but", "while" (the subject may be shared).
    """
    if index == 0:
        return False
    return _NEW_SUBJECT.search(sentence[spans[index - 1][1] : spans[index][0]]) is not None


def relative_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of non-restrictive relative clauses (", which ...,", ", who ...,")."""
    return [(m.start(), m.end()) for m in _RELATIVE.finditer(sentence)]
