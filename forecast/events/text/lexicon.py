"""Dictionaries of the text coder, loaded once from the data files in ``resources/text``.

Everything the coder knows about words lives in CSV files so that users can extend it
without touching code:

* ``gazetteer.csv``: case-sensitive proper names (countries, capitals and seats of power used
  as metonyms, demonyms, institutions) and *blocks* (names such as "South China Sea" that
  contain a country word but are not actors);
* ``organisations.csv``: case-sensitive names of organisations standing for a country
  (defence ministries, militaries and their nicknames, security services, state companies
  and major defence contractors) with the country, sector and type of organisation;
* ``roles.csv``: case-insensitive common nouns (role nouns, institutions, pronouns,
  "counterpart", "the two countries") with the sector and role they imply;
* ``patterns.csv``: the trigger patterns (regular expressions) mapped to CAMEO codes;
* ``code_rules.csv``: per CAMEO code, its reciprocal code, its future-tense code and whether
  a coordinated subject without an object means a mutual event ("X and Y met");
* ``../actors/office_holders.csv`` (dated tenures) and ``../actors/aliases.csv``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pandas as pd

from forecast.events.actors import office_holders


@dataclass(frozen=True)
class Entry:
    """What a dictionary phrase says about an actor.

    Parameters
    ----------
    kind : str
        ``country``, ``capital``, ``seat``, ``demonym``, ``institution``, ``role``,
        ``person``, ``counterpart``, ``pronoun``, ``pair`` or ``block``.
    country : str or None
        ISO3 code, when the phrase names a country.
    sector : str or None
        ``state``, ``GOV``, ``MIL`` or ``other``; None when the phrase says nothing.
    role : str or None
        Office (``defence_minister``, ``foreign_minister``, ``head_of_state``...).
    """

    kind: str
    country: str | None = None
    sector: str | None = None
    role: str | None = None


@dataclass(frozen=True)
class Tenure:
    """One dated term of an office holder (``start`` inclusive, ``end`` exclusive)."""

    start: pd.Timestamp
    end: pd.Timestamp
    country: str
    role: str
    sector: str


@dataclass(frozen=True)
class Pattern:
    """One trigger pattern of ``patterns.csv``.

    Parameters
    ----------
    id : str
        Stable identifier, reported in the ``pattern`` evidence column.
    kind : {"event", "noun", "cue", "block"}
        ``event`` makes an event; ``noun`` makes one too but first overrides the code of an
        event trigger of the same clause whose code is in ``overrides``; ``cue`` only
        overrides; ``block`` suppresses overlapping triggers ("lifted sanctions").
    cameo : str
        CAMEO code ('' for blocks).
    priority : int
        Overlapping triggers: the higher priority (then the longer match) wins.
    confidence : float
        Base confidence of an event coded by this pattern.
    passive : bool
        The actor right of the trigger is the source ("was received by X").
    max_gap : int or None
        Most words allowed between the trigger and its target.
    overrides : frozenset of str
        Codes this noun or cue replaces.
    third_location : str or None
        Code to use when the clause places the meeting in a third country.
    requires : re.Pattern or None
        Must also match somewhere in the clause.
    keywords : tuple of str
        Prefilter: the regex is only run on a sentence whose lower-cased text contains one
        of these substrings (a cheap ``in`` test instead of a regex scan).
    regex : re.Pattern
        The trigger itself (case-insensitive).
    reciprocal : bool
        A reciprocal verb ("traded accusations"): the event goes both ways between the
        coordinated subjects, or between the subject and its object.
    """

    id: str
    kind: str
    cameo: str
    priority: int
    confidence: float
    passive: bool
    max_gap: int | None
    overrides: frozenset[str]
    third_location: str | None
    requires: re.Pattern[str] | None
    keywords: tuple[str, ...]
    regex: re.Pattern[str]
    reciprocal: bool = False


@dataclass(frozen=True)
class CodeRule:
    """Per-code behaviour: reciprocal event, future-tense code, mutual coordination."""

    reciprocal: str | None
    future: str | None
    mutual: bool


@dataclass(frozen=True)
class Lexicon:
    """All dictionaries, with their regular expressions compiled once."""

    names_re: re.Pattern[str]
    names: dict[str, Entry]
    persons: dict[str, tuple[Tenure, ...]]
    common_re: re.Pattern[str]
    common: dict[str, Entry]
    patterns: tuple[Pattern, ...]
    code_rules: dict[str, CodeRule]

    def common_entry(self, text: str) -> Entry:
        """Entry of a case-insensitive phrase, accepting a plural ``-s``."""
        key = " ".join(text.lower().split())
        found = self.common.get(key)
        if found is None and key.endswith("s"):
            found = self.common.get(key[:-1])
        return found if found is not None else Entry(kind="block")


def _read(*parts: str) -> pd.DataFrame:
    path = resources.files("forecast").joinpath("resources", *parts)
    with resources.as_file(path) as file:
        return pd.read_csv(file, dtype=str, keep_default_na=False)


_COMPOUND = r"(?:based|born|backed|led|made|style|era|funded|owned|run|controlled|speaking|occupied|annexed|held)"


def _alternation(phrases: list[str], suffix: str = "") -> str:
    # Longest first, so "South China Sea" wins over "China" at the same position.
    ordered = sorted(set(phrases), key=len, reverse=True)
    escaped = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered)
    # Hyphens separate names ("China-Russia drills") except in compounds ("Russian-made").
    return rf"(?<![\w'’])(?:{escaped}){suffix}(?!\w|-{_COMPOUND}\b)"


def _none(value: str) -> str | None:
    return value or None


@cache
def load_lexicon() -> Lexicon:
    """Load and compile every dictionary of the text coder (cached: built once per process).

    Returns
    -------
    Lexicon
        Immutable dictionaries and compiled regular expressions.
    """
    gazetteer = _read("text", "gazetteer.csv")
    names = {
        row.phrase: Entry(kind=row.kind, country=_none(row.country), sector=_none(row.sector))
        for row in gazetteer.itertuples()
    }
    organisations = _read("text", "organisations.csv")
    for row in organisations.itertuples():
        names.setdefault(row.phrase, Entry(kind="institution", country=row.country, sector=row.sector))
    holders = office_holders()
    persons: dict[str, list[Tenure]] = {}
    for row in holders.itertuples():
        persons.setdefault(row.alias, []).append(Tenure(row.start, row.end, row.country, row.role, row.sector))
    for alias in persons:
        names.setdefault(alias, Entry(kind="person"))
    names_re = re.compile(_alternation(list(names)))

    roles = _read("text", "roles.csv")
    common = {
        row.phrase.lower(): Entry(kind=row.kind, sector=_none(row.sector), role=_none(row.role))
        for row in roles.itertuples()
    }
    aliases = _read("actors", "aliases.csv")
    for row in aliases.itertuples():
        common.setdefault(row.alias.lower(), Entry(kind="institution", country=row.country, sector=row.sector))
    common_re = re.compile(_alternation(list(common), suffix="s?"), re.IGNORECASE)

    table = _read("text", "patterns.csv")
    patterns = tuple(
        Pattern(
            id=row.id,
            kind=row.kind,
            cameo=row.cameo,
            priority=int(row.priority),
            confidence=float(row.confidence),
            passive=row.passive == "1",
            max_gap=int(row.max_gap) if row.max_gap else None,
            overrides=frozenset(row.overrides.split()),
            third_location=_none(row.third_location),
            requires=re.compile(row.requires, re.IGNORECASE) if row.requires else None,
            keywords=tuple(row.keywords.split("|")),
            regex=re.compile(row.regex, re.IGNORECASE),
            reciprocal=row.reciprocal == "1",
        )
        for row in table.itertuples()
    )
    rules = _read("text", "code_rules.csv")
    code_rules = {
        row.cameo: CodeRule(_none(row.reciprocal), _none(row.future), row.mutual == "1") for row in rules.itertuples()
    }
    return Lexicon(
        names_re=names_re,
        names=names,
        persons={k: tuple(v) for k, v in persons.items()},
        common_re=common_re,
        common=common,
        patterns=patterns,
        code_rules=code_rules,
    )


def person_at(lexicon: Lexicon, alias: str, when: pd.Timestamp) -> tuple[str, str, str | None]:
    """Country, sector and role of an office holder on a date.

    Parameters
    ----------
    lexicon : Lexicon
        Loaded dictionaries.
    alias : str
        A name or alias from ``office_holders.csv``.
    when : pandas.Timestamp
        The date (the coder uses the document's publication date).

    Returns
    -------
    tuple
        ``(country, sector, role)``; out of office, the sector is ``other`` and the role
        None (the person keeps their country).
    """
    tenures = lexicon.persons[alias]
    for tenure in tenures:
        if tenure.start <= when < tenure.end:
            return tenure.country, tenure.sector, tenure.role
    return tenures[-1].country, "other", None
