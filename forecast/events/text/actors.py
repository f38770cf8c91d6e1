"""Actor mentions in a sentence: gazetteer matching, grouping, coordination, coreference.

A sentence's dictionary matches ("Chinese", "Defence Minister", "Li Shangfu") are merged
into *actor groups* when only possessives, determiners or an appositive comma separate
them, then groups joined by "and", commas or hyphens form *coordination chains*
("Beijing and Moscow"). Groups without a country are resolved against the document's
:class:`Discourse` ("the minister", "he", "the two countries").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from forecast.events.text.lexicon import Entry, Lexicon, person_at

# Words allowed between parts of one actor: "China's top diplomat", "Russian strategic bombers".
_MERGE_GAP = re.compile(
    r"\s*(?:['’]s?\s*)?(?:(?:the|its|his|her|their|top|new|acting|senior|chief|deputy|vice|first|"
    r"visiting|strategic|nuclear|long-range|border|special|elite|missile|guided-missile|security|"
    r"intelligence|defen[cs]e|state-owned|state|major|private)\s+)*",
    re.IGNORECASE,
)
# Group nouns whose sector is that of their members when these are named.
_CONTAINERS = frozenset({"delegation", "delegations"})
_OF_GAP = re.compile(r"\s+of\s+(?:the\s+)?", re.IGNORECASE)
_APPOSITIVE_GAP = re.compile(r"\s*,\s*(?:(?:the|its|his|her|their)\s+)?", re.IGNORECASE)
_FROM_GAP = re.compile(r"\s+(?:from|of|in)\s+(?:the\s+)?", re.IGNORECASE)
_COORD_GAP = re.compile(r"\s*(?:,\s*(?:and\s+|&\s+)?|and\s+|&\s*|[-–/]\s*)(?:the\s+)?", re.IGNORECASE)
_LOCATIVE = re.compile(r"\b(?:in|at|near|inside|outside|off|around)\s+(?:the\s+)?$", re.IGNORECASE)
_DETERMINER = re.compile(r"(?:\b(?:the|his|her|its|their|two|three|four|several|a|an|both)\s+)+$", re.IGNORECASE)
# Country and capital names that are also first names; see _given_name.
_GIVEN_NAMES = frozenset({"Jordan", "Chad", "Georgia", "Paris", "Sofia", "Santiago", "Kingston"})
_NEXT_NAME = re.compile(r"\s+([A-Z][a-z])")
# A capitalised name right after a role noun ("Prime Minister Boris Johnson") that the
# dictionary does not know: a new person, not a coreference to an earlier minister.
_UNKNOWN_NAME = re.compile(r"\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)*")


@dataclass
class Mention:
    """One dictionary match in a sentence."""

    start: int
    end: int
    key: str
    entry: Entry


@dataclass
class Actor:
    """An actor group of a sentence, resolved to a country and sector where possible.

    ``kind`` is ``actor`` (a named or described actor), ``role`` (a role noun whose
    country comes from coreference, possibly unresolved), ``counterpart``, ``pronoun``,
    ``pair`` ("the two countries", whose ``members`` are the two resolved countries),
    ``reciprocal`` ("each other": the event is mutual among the sources) or ``named_role``
    (an office followed by a name the dictionary does not know: country unresolved).
    ``loc_prep`` is the offset of a locative preposition just before the group ("in
    Moscow"), or None.
    """

    start: int
    end: int
    text: str
    kind: str
    country: str | None = None
    sector: str | None = None
    role: str | None = None
    person: str | None = None
    loc_prep: int | None = None
    chain: int = 0
    antecedent: str | None = None
    noun_sector: bool = False
    bare_demonym: bool = False
    members: tuple[Actor, ...] = field(default_factory=tuple)

    @property
    def label(self) -> str:
        """The actor as reported in ``source_actor``: the antecedent for coreference."""
        return self.antecedent or self.text

    def participants(self, excluded: frozenset[str | None] = frozenset()) -> list[Actor]:
        """The actors this group stands for.

        A ``pair`` stands for the two most recent countries other than ``excluded``: in
        "Japan accused the two countries", Japan is not one of them.
        """
        if self.kind != "pair":
            return [self]
        return [m for m in self.members if m.country not in excluded][:2]


class Discourse:
    """Actors seen so far in one document, most recent last (for coreference).

    One instance per document: the coder keeps no state between documents.
    """

    def __init__(self) -> None:
        self._actors: list[Actor] = []

    def add(self, actor: Actor) -> None:
        """Remember a resolved actor."""
        if actor.country is not None:
            self._actors.append(actor)

    def human(self, role: str | None) -> Actor | None:
        """Most recent person or office holder compatible with ``role`` (None: any)."""
        for actor in reversed(self._actors):
            if actor.role is None and actor.person is None:
                continue
            if role is None or _compatible_role(role, actor.role):
                return actor
        return None

    def recent_countries(self, n: int = 3) -> list[Actor]:
        """The last actor of each of the ``n`` most recent distinct countries, newest first."""
        seen: dict[str, Actor] = {}
        for actor in reversed(self._actors):
            if actor.country not in seen:
                seen[actor.country] = actor
            if len(seen) == n:
                break
        return list(seen.values())


def _compatible_role(wanted: str, found: str | None) -> bool:
    if found is None:
        return False
    if wanted == "minister":
        return found.endswith("minister")
    return wanted == found


def find_mentions(sentence: str, lexicon: Lexicon) -> list[Mention]:
    """Dictionary matches of a sentence, left to right, longest match first on overlaps.

    Parameters
    ----------
    sentence : str
        One sentence.
    lexicon : Lexicon
        Loaded dictionaries.

    Returns
    -------
    list of Mention
        Non-overlapping matches; ``block`` entries are removed after they have masked the
        words they cover.
    """
    raw: list[Mention] = []
    for match in lexicon.names_re.finditer(sentence):
        key = " ".join(match.group(0).split())
        raw.append(Mention(match.start(), match.end(), key, lexicon.names[key]))
    for match in lexicon.common_re.finditer(sentence):
        raw.append(Mention(match.start(), match.end(), match.group(0), lexicon.common_entry(match.group(0))))
    raw.sort(key=lambda m: (m.start, m.start - m.end))
    kept: list[Mention] = []
    end = -1
    for mention in raw:
        if mention.start >= end:
            kept.append(mention)
            end = mention.end
    starts = {m.start for m in kept}
    return [m for m in kept if m.entry.kind != "block" and not _given_name(sentence, m, starts)]


def _given_name(sentence: str, mention: Mention, starts: set[int]) -> bool:
    """Whether a place that is also a first name is one here ("Chad Smith", "Jordan Bardella").

    A capitalised word right after it that starts no other dictionary match is a surname
    or the rest of a name ("Paris Club"); "Jordan and Egypt", "Chad's army" stay countries.
    """
    if mention.key not in _GIVEN_NAMES:
        return False
    following = _NEXT_NAME.match(sentence, mention.end)
    return following is not None and following.start(1) not in starts


def _mergeable(group: list[Mention], nxt: Mention, gap: str) -> bool:
    kinds = {m.entry.kind for m in group}
    if {"pronoun", "pair", "reciprocal"} & (kinds | {nxt.entry.kind}):
        return False
    countries = {m.entry.country for m in group if m.entry.country}
    if nxt.entry.country and countries and nxt.entry.country not in countries:
        return False
    if nxt.entry.kind == "person" and "person" in kinds:
        return False
    if nxt.entry.kind == "role" and "role" in kinds:
        return False
    if _MERGE_GAP.fullmatch(gap):
        return True
    # "the armed forces of Belarus": an institution or role noun, then its country.
    if not countries and nxt.entry.country and kinds <= {"role", "institution"} and _OF_GAP.fullmatch(gap):
        return nxt.entry.kind in ("country", "capital", "demonym")
    if "counterpart" in kinds and nxt.entry.country and _FROM_GAP.fullmatch(gap):
        return True
    # "Lloyd Austin, the US Defence Secretary": an appositive joins a person and a role.
    if _APPOSITIVE_GAP.fullmatch(gap):
        right_is_role = nxt.entry.kind == "role" or nxt.entry.country is not None
        return ("person" in kinds and right_is_role) or (nxt.entry.kind == "person" and "role" in kinds)
    return False


def group_mentions(sentence: str, mentions: list[Mention]) -> list[list[Mention]]:
    """Merge adjacent mentions that describe one actor.

    Parameters
    ----------
    sentence : str
        The sentence the mentions come from.
    mentions : list of Mention
        Output of :func:`find_mentions`.

    Returns
    -------
    list of list of Mention
        One list per actor group, left to right.
    """
    groups: list[list[Mention]] = []
    for mention in mentions:
        if groups:
            last = groups[-1]
            gap = sentence[last[-1].end : mention.start]
            if _mergeable(last, mention, gap):
                # An appositive "X, the Y," merges only when the next mention confirms it.
                if "," in gap and mention.entry.kind not in ("role", "person") and mention.entry.country is None:
                    groups.append([mention])
                else:
                    last.append(mention)
                continue
        groups.append([mention])
    return groups


def _build(sentence: str, group: list[Mention], lexicon: Lexicon, published: pd.Timestamp) -> Actor:
    country = person_country = role = person = person_role = None
    role_sector = inst_sector = person_sector = None
    kind = "actor"
    container = False
    for mention in group:
        entry = mention.entry
        if entry.kind == "person":
            person = mention.key
            person_country, person_sector, person_role = person_at(lexicon, mention.key, published)
        elif entry.kind == "role":
            role, role_sector = entry.role, entry.sector
        elif entry.kind in ("counterpart", "pronoun", "pair", "reciprocal"):
            kind = entry.kind
            if entry.kind == "pair":
                role_sector = entry.sector
        else:
            country = country or entry.country
            if entry.kind in ("institution", "seat") and (inst_sector is None or container):
                # "a delegation of Philippine defence officials": the members' sector.
                inst_sector = entry.sector
                container = mention.key.lower() in _CONTAINERS
    country = person_country or country
    if person is not None and role in (None, "minister"):
        # "its Minister Li Shangfu": a generic title says less than the office held.
        role, role_sector = person_role, None
    sector = role_sector or inst_sector or person_sector or ("state" if country else None)
    kinds = {m.entry.kind for m in group}
    end = group[-1].end
    if kind == "actor" and country is None and person is None and role is not None:
        kind = "role"
        name = _UNKNOWN_NAME.match(sentence, end)
        if name is not None:
            kind, end = "named_role", name.end()
    start = group[0].start
    det = _DETERMINER.search(sentence, max(0, start - 30), start)
    if det is not None and det.end() == start:
        start = det.start()
    loc = _LOCATIVE.search(sentence, max(0, start - 12), start)
    return Actor(
        start=start,
        end=end,
        text=sentence[start:end],
        kind=kind,
        country=country,
        sector=sector,
        role=role,
        person=person,
        loc_prep=loc.start() if loc is not None and loc.end() == start else None,
        noun_sector=(role_sector or inst_sector) is not None and kind == "actor",
        bare_demonym=kinds == {"demonym"},
    )


def _resolve(actor: Actor, discourse: Discourse) -> Actor | None:
    """Resolve coreference in place; None when the group is not an actor after all."""
    if actor.kind == "pair":
        members = discourse.recent_countries()
        if len(members) < 2:
            return None
        # "the two countries" are states; "the two sides" are whoever was named.
        actor.members = tuple(
            Actor(actor.start, actor.end, actor.text, "actor", m.country, actor.sector or m.sector, antecedent=m.label)
            for m in members
        )
        return actor
    if actor.kind in ("pronoun", "role"):
        found = discourse.human(None if actor.kind == "pronoun" else actor.role)
        if found is None:
            return actor if actor.kind == "role" else None
        actor.country, actor.person, actor.antecedent = found.country, found.person, found.label
        if actor.kind == "pronoun" or actor.role in (None, "minister"):
            actor.role, actor.sector = found.role, found.sector
        actor.kind = "actor"
        return actor
    if actor.kind == "actor" and actor.country is None:
        return None  # a bare "officials" or "military": no country, no coreference
    if actor.kind == "reciprocal":
        actor.members = ()
    return actor


def sentence_actors(sentence: str, lexicon: Lexicon, published: pd.Timestamp, discourse: Discourse) -> list[Actor]:
    """Resolved actor groups of one sentence, with coordination chains.

    Parameters
    ----------
    sentence : str
        One sentence.
    lexicon : Lexicon
        Loaded dictionaries.
    published : pandas.Timestamp
        Publication date (office-holder tenures are looked up on it).
    discourse : Discourse
        The document's actors so far; updated with this sentence's actors.

    Returns
    -------
    list of Actor
        Left to right; actors with the same ``chain`` number are coordinated.
    """
    actors: list[Actor] = []
    chain = 0
    for group in group_mentions(sentence, find_mentions(sentence, lexicon)):
        actor = _resolve(_build(sentence, group, lexicon, published), discourse)
        if actor is None:
            continue
        coordinated = actors and _COORD_GAP.fullmatch(sentence[actors[-1].end : actor.start])
        # "..., and the two countries signed": a pair starts a new subject, not a list.
        if not coordinated or "pair" in (actor.kind, actors[-1].kind):
            chain += 1
        actor.chain = chain
        actors.append(actor)
        if actor.kind not in ("pair", "counterpart", "reciprocal") and actor.loc_prep is None:
            discourse.add(actor)  # places ("in Sochi") are not antecedents
        elif actor.kind == "counterpart" and actor.country is not None:
            discourse.add(Actor(actor.start, actor.end, actor.text, "actor", actor.country, actor.sector))
    _share_sectors(sentence, actors)
    return actors


def _share_sectors(sentence: str, actors: list[Actor]) -> None:
    """Elliptical coordination: "Chinese and Russian warships" are both MIL.

    A bare demonym coordinated with a described actor takes its sector; so does a bare
    country after "the armed forces of Belarus and Russia".
    """
    for number in {a.chain for a in actors}:
        chain = [a for a in actors if a.chain == number]
        donors = [a for a in chain if a.noun_sector]
        if len(chain) < 2 or len(donors) != 1:
            continue
        donor = donors[0]
        of_phrase = _OF_GAP.search(sentence, donor.start, donor.end) is not None
        for actor in chain:
            if actor is donor or actor.kind != "actor" or actor.person is not None or actor.noun_sector:
                continue
            if actor.bare_demonym or of_phrase:
                actor.sector, actor.role = donor.sector, donor.role
