"""Code dated dyadic CAMEO events from English text with dictionaries and rules.

For each sentence: find actor groups (:mod:`.actors`), find trigger patterns, let noun
and prepositional cues override verb codes within a clause, pick the source (the actor
just left of the trigger, or the subject of the previous trigger for a second verb) and the
target (the first actor right of it), drop negated, hedged or hypothetical triggers, turn
future meetings into intent (036), resolve the date, and add reciprocal events.

Evidence columns added to the canonical ones:

* ``doc_id``, ``sentence_index``, ``sentence``: where the event was read;
* ``pattern``: the trigger pattern id, with the cue or noun that changed its code
  (``hold_talks+cue_phone``);
* ``source_span``, ``target_span``: the actor text in the sentence ("the minister"), while
  ``source_actor``/``target_actor`` give the resolved antecedent ("Li Shangfu");
* ``confidence``: the pattern's base confidence, times 0.9 when the source was carried over
  from a previous verb, 0.85 when the target was taken from the clause a reaction responds
  to ("..., prompting Japan to protest") or from an earlier verb of the sentence ("signed
  agreements with him", "criticised the trip"), and 0.8 per actor resolved by coreference
  or left without a country;
* ``date_precision`` (``day``, ``week``, ``month``), ``date_text`` (the date expression;
  None when the date fell back to the publication date), ``scheduled_date`` (the stated
  date of a future meeting or exercise) and ``date_end`` (the last day of a stated range,
  "from 14 to 19 August": of the event, or of the scheduled event when it is in the future).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace

import pandas as pd

from forecast.events.schema import EVENT_COLUMNS, conform_dtypes, empty_events
from forecast.events.taxonomy import code_attributes
from forecast.events.text.actors import Actor, Discourse, sentence_actors
from forecast.events.text.dates import DateMention, find_dates, is_future_expression, resolve_date
from forecast.events.text.lexicon import Lexicon, Pattern, load_lexicon
from forecast.events.text.sentences import (
    REACTION,
    clause_spans,
    opens_new_subject,
    relative_spans,
    split_sentences,
)

DEFAULT_SOURCE_DATASET = "text:rules"
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "doc_id",
    "sentence_index",
    "sentence",
    "pattern",
    "source_span",
    "target_span",
    "confidence",
    "date_precision",
    "date_text",
    "scheduled_date",
    "date_end",
)

# "no plans to", "could", hedges, denials, hypotheticals and speculation: no event. The
# modal "may" only in lower case ("in May" is a month).
_NEGATION = re.compile(
    r"\b(?:not|never|no\s+longer|no\s+(?:immediate\s+|current\s+)?plans?|no\s+intention|cannot|"
    r"denie[sd]|deny|denying|refut(?:e|es|ed)|unlikely|"
    r"(?:dismiss|reject)(?:ed|s)?\s+(?:the\s+)?(?:reports?|claims?|speculation|rumou?rs?)|"
    r"could|might|would|should|(?-i:may)|if|unless|whether|reportedly|rumou?r(?:s|ed)?|"
    r"speculat\w*|possibl[ey]|perhaps|consider(?:s|ed|ing)?|mull(?:s|ed|ing)?|hypothetical\w*|"
    r"unconfirmed|allegedly|were\s+to|in\s+case\s+of|or\s+not)\b|n['’]t\b",
    re.IGNORECASE,
)
# "India refused to condemn Russia": between the subject and the trigger, the refused act
# did not happen (a refusal to meet is its own trigger, 125, and keeps its object).
_REFUSED = re.compile(
    r"\b(?:(?:refus|declin)(?:e|es|ed|ing)\s+to|fail(?:s|ed|ing)?\s+to|refrain(?:s|ed|ing)?\s+from|"
    r"stop(?:s|ped|ping)?\s+short\s+of)\b",
    re.IGNORECASE,
)
# "X said (that) he would meet Y": reported intent, not a conditional.
_REPORTED_WOULD = re.compile(
    r"\b(?:said|says|told|announced|stated|confirmed|promised)\b[^.;]{0,60}?\bwould\b", re.IGNORECASE
)
# "Reports that X visited Y were unconfirmed": a hedge after the trigger.
_NEGATION_AFTER = re.compile(
    r"\b(?:was|were|is|are|remain(?:s|ed)?)\s+(?:still\s+)?(?:unconfirmed|unlikely|untrue|false|denied|"
    r"not\s+confirmed)\b",
    re.IGNORECASE,
)
# "would impose sanctions on Russia if it invaded Ukraine": a condition after the trigger
# (threats, root 13, are conditional by nature and stay events).
_CONDITION_AFTER = re.compile(r"\b(?:if|unless)\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\s*between\s", re.IGNORECASE)
# A date before a future marker dates the announcement only when a verb announces it ("On
# Monday, the ministry said X will visit"); otherwise it is the scheduled date ("On 21
# August, X will visit").
_ANNOUNCING = re.compile(
    r"\b(?:said|says|announc(?:ed|es)|told|tells|stated|states|confirmed|confirms|reported|revealed|"
    r"disclosed|declared|added|noted|agreed|agrees|pledged|vowed|promised|offered|decided|accepted)\b",
    re.IGNORECASE,
)
_FUTURE = re.compile(
    r"\b(?:will|shall|(?:is|are)\s+(?:due\s+|set\s+|scheduled\s+|expected\s+|going\s+)?to|"
    r"plans?\s+to|intends?\s+to|(?:agree[sd]?|agreeing|pledged?|vowed?|promised?|offered|decided)\s+"
    r"(?:(?:on|in)\s+\w+\s+)?to|"
    r"upcoming|forthcoming)\b|['’]ll\b",
    re.IGNORECASE,
)
# Between an actor and a later trigger, these mean the actor is the previous verb's object
# ("flew to New Delhi for talks with Modi"), not the subject of the trigger.
_NEW_PREDICATE = re.compile(r",|\b(?:and|then|before|after|to|for|during|with|at|on|in|of)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w'’-]+")
# "..., and South Korea criticised Japan": "and" between an object and the next subject, and
# the few words allowed between that subject and its verb.
_AND_GAP = re.compile(r"\s*,?\s*and\s+(?:the\s+)?", re.IGNORECASE)
# "Xi to travel to Paris": a headline's infinitive right after its subject is a plan.
_HEADLINE_TO = re.compile(r"\s+(?:(?:also|now)\s+)?to\s+", re.IGNORECASE)
# Present tense: "-s" forms, "is visiting", and base forms after a plural subject ("X and Y
# meet on Friday"), unless an infinitive or auxiliary comes before.
_PROGRESSIVE = re.compile(r"\b(?:is|are|am)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_BASE_FORMS = frozenset("meet hold visit travel host fly head go talk speak".split())
_NOT_PRESENT_BEFORE = re.compile(r"\b(?:to|did|do|does|will|would|could|can|may|might|must|should)\s+$", re.IGNORECASE)
_SUBJECT_VERB_GAP = re.compile(r"\s+(?:(?:is|are|also|now|then)\s+)*", re.IGNORECASE)
_NOT_PRESENT = frozenset({"was", "has", "is", "its", "his", "this", "thus", "as", "us", "yes"})
# A use of force named by a noun, and what may stand between it and its attacker ("Israeli
# air strikes", "Israel's air strikes", "Russia is shelling", "Russia continued shelling").
_FORCE_NOUN = re.compile(
    r"(?:air\s?strikes?|air\s+raids?|drone\s+strikes?|(?:missile|rocket|artillery)\s+(?:strikes?|attacks?)|"
    r"shelling|bombing)\b",
    re.IGNORECASE,
)
_FORCE_OWNER_GAP = re.compile(
    r"\s*(?:['’]s?\s*)?(?:(?:is|are|was|were|been|has|have|had|continued|continues|kept|keeps|began|begins|"
    r"started|starts|resumed|resumes|stepped\s+up|steps\s+up)\s+)*",
    re.IGNORECASE,
)
_SUBJECT_GAP = re.compile(r"\s+(?:(?:also|later|then|itself|quickly|promptly|in\s+turn|has|have|had)\s+)*", re.IGNORECASE)
# "began negotiations on Ukraine": an actor right after "on"/"over"/"about" is a topic.
# "hosted a delegation of senior Chinese officers": the delegation words do not count
# towards a trigger's maximum gap.
_DELEGATION_GAP = re.compile(
    r"\s*(?:an?\s+|the\s+)?(?:[\w-]+\s+){0,2}?delegations?\s+(?:of|from)\s+(?:[\w-]+\s+){0,2}?", re.IGNORECASE
)
# "Talks between Seoul and Tokyo could resume": a modal after a nominal trigger's participants.
_MODAL_AFTER = re.compile(r"^[^,;]{0,60}?\b(?:could|might|would|(?-i:may))\b", re.IGNORECASE)
# "Talks between Seoul and Tokyo were postponed": a nominal trigger's event did not happen.
_CALLED_OFF_AFTER = re.compile(
    r"^[^,;]{0,60}?\b(?:was|were|has\s+been|have\s+been|had\s+been)\s+(?:\w+ly\s+)?"
    r"(?:not\s+held|never\s+held|cancell?ed|called\s+off|postponed|put\s+off|scrapped|shelved)\b",
    re.IGNORECASE,
)
_TOPIC_GAP = re.compile(r"\s*(?:on|over|about|regarding|concerning)\s+(?:the\s+)?", re.IGNORECASE)
# A trigger inside the complement of another ("threatened to cut ties", "accused X of
# sending troops") is not an event of its own.
_COMPLEMENT = re.compile(
    r"\b(?:threat(?:en|ens|ened|ening)|vow(?:s|ed)?|warn(?:s|ed)?)\s+(?:\w+\s+){0,3}?to\s+$|"
    r"\b(?:invitation|offer|proposal|request|bid|attempt|plan|decision|readiness|willingness|intention)\s+to\s+$",
    re.IGNORECASE,
)
# "was accused by Beijing", "were intercepted by Japanese jets": the by-phrase is the source.
_PASSIVE_BEFORE = re.compile(r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?$", re.IGNORECASE)
_BY = re.compile(r"\bby\s+", re.IGNORECASE)
# '"We condemn this," the Japanese minister said of the launch': the quote's speaker and
# the actor after the speech verb stand in for a quoted trigger's missing actors.
_LEADING_QUOTE = re.compile(r'^\s*["“]([^"”]+)["”],?\s+')
_SPEECH_VERB = re.compile(r"\b(?:said|says|told|tells|added|declared|stated)\b", re.IGNORECASE)
# "..., accusing Beijing of ...": a participle after a comma shares the main subject.
_PARTICIPLE = re.compile(r",\s*$")
_CAUSE_AFTER = re.compile(r"\b(?:after|when)\s*$", re.IGNORECASE)
_GERUND_COMPLEMENT = re.compile(r"\b(?:of|for)\s+$", re.IGNORECASE)
# "... and signed several agreements with him": the object is the previous verb's object.
_OBJECT_PRONOUN = re.compile(r"\s*(?:with|to|on|against|from)?\s*(?:him|her|them)\b", re.IGNORECASE)
# "Ukrainian officials criticised the trip": a reaction to an event named earlier in the
# sentence targets that event's actors.
_EVENT_REFERENCE = re.compile(
    r"\s*(?:the|this|that|these|his|her|their|its)\s+(?:[\w-]+\s+)?"
    r"(?:trip|visit|talks|meeting|drills|exercises?|patrols?|manoeuvres|deal|agreement|pact|call)\b",
    re.IGNORECASE,
)
# "expelled each other's diplomats": the possessed noun gives the target's sector.
_POSSESSED = re.compile(r"['’]s?\s+([a-z]+)(?:\s+([a-z]+))?", re.IGNORECASE)
# Quotation marks do not break a trigger ('had "a very good meeting" with'); they are
# blanked for trigger matching (offsets unchanged).
_QUOTES = str.maketrans({c: " " for c in "\"“”"})
_WINDOW_BEFORE_SOURCE = 40  # characters before the source searched for "if", "denied"...


@dataclass
class Trigger:
    """A matched trigger pattern in a sentence, with its (possibly overridden) code."""

    start: int
    end: int
    pattern: Pattern
    code: str
    label: str
    clause: tuple[int, int] = (0, 0)
    sources: list[Actor] = field(default_factory=list)
    targets: list[Actor] = field(default_factory=list)  # after passive and reaction handling
    target_from: int | None = None  # a noun cue's end: its "with" partner is the target
    future: bool = False


def _find_triggers(sentence: str, lexicon: Lexicon) -> tuple[list[Trigger], list[Trigger]]:
    """Non-overlapping event/noun/block triggers (priority, then length wins) and cues."""
    candidates: list[Trigger] = []
    cues: list[Trigger] = []
    lowered = " ".join(sentence.lower().split())
    unquoted = sentence.translate(_QUOTES)
    for pattern in lexicon.patterns:
        if not any(word in lowered for word in pattern.keywords):
            continue
        for match in pattern.regex.finditer(unquoted):
            trigger = Trigger(match.start(), match.end(), pattern, pattern.cameo, pattern.id)
            (cues if pattern.kind == "cue" else candidates).append(trigger)
    candidates.sort(key=lambda t: (-t.pattern.priority, t.start - t.end, t.start))
    kept: list[Trigger] = []
    for trigger in candidates:
        if all(trigger.end <= k.start or trigger.start >= k.end for k in kept):
            kept.append(trigger)
    events = sorted((t for t in kept if t.pattern.kind != "block"), key=lambda t: t.start)
    return events, cues


def _in_clause(start: int, clauses: list[tuple[int, int]]) -> tuple[int, int]:
    for clause in clauses:
        if clause[0] <= start < clause[1] or start == clause[1]:
            return clause
    return clauses[-1]


def _apply_overrides(triggers: list[Trigger], cues: list[Trigger], sentence: str) -> list[Trigger]:
    """Nouns and cues replace the code of event triggers of their clause ("specific wins")."""
    kept = []
    for trigger in triggers:
        requires = trigger.pattern.requires
        if requires is not None and not requires.search(sentence, *trigger.clause):
            continue
        kept.append(trigger)
    result = []
    for trigger in kept:
        if trigger.pattern.kind == "noun":
            hosts = [
                t
                for t in kept
                if t.pattern.kind == "event" and t.clause == trigger.clause and t.code in trigger.pattern.overrides
            ]
            if hosts:
                for host in hosts:
                    host.code, host.label = trigger.code, f"{host.label}+{trigger.pattern.id}"
                    host.target_from = trigger.end
                continue
        result.append(trigger)
    for cue in cues:
        clause = cue.clause
        for trigger in result:
            if trigger.clause == clause and trigger.code in cue.pattern.overrides:
                trigger.code, trigger.label = cue.code, f"{trigger.label}+{cue.pattern.id}"
    return result


def _coordinated_clauses(
    sentence: str, clauses: list[tuple[int, int]], actors: list[Actor], triggers: list[Trigger]
) -> list[tuple[int, int]]:
    """Cut a clause where "and" joins a verb's object to the next verb's subject.

    "Japan refused to meet China, and South Korea criticised Japan": China and South Korea
    are not a list; South Korea is the subject of "criticised". The cut is made when an
    actor is followed by a trigger (at most :data:`_SUBJECT_GAP` words between) and the
    actor before the "and" comes after an earlier trigger of the same clause.
    """
    cuts: list[tuple[int, int]] = []
    for trigger in triggers:
        clause = _in_clause(trigger.start, clauses)
        left = [a for a in actors if clause[0] <= a.start and a.end <= trigger.start and a.loc_prep is None]
        if len(left) < 2 or not _SUBJECT_GAP.fullmatch(sentence, left[-1].end, trigger.start):
            continue
        links = []
        for before, after in zip(reversed(left[:-1]), reversed(left[1:])):
            if before.chain != after.chain:
                break
            joint = _AND_GAP.fullmatch(sentence, before.end, after.start)
            earlier = any(clause[0] <= t.start and t.end <= before.start for t in triggers if t is not trigger)
            if joint and earlier:
                links.append((before.end, after.start))
        # "..., and Estonia and Lithuania condemned": the comma marks the new subject.
        with_comma = [link for link in links if "," in sentence[link[0] : link[1]]]
        if links:
            cuts.append((with_comma or links)[0])
    if not cuts:
        return clauses
    spans = []
    for start, end in clauses:
        for cut_start, cut_end in sorted(c for c in cuts if start < c[0] and c[1] < end):
            spans.append((start, cut_start))
            start = cut_end
        spans.append((start, end))
    return spans


def _headline_to(sentence: str, trigger: Trigger, sources: list[Actor]) -> re.Match[str] | None:
    """The "to" of a headline infinitive ("Xi to travel to Paris"): the subject opens the sentence."""
    if not sources or sentence[: min(a.start for a in sources)].strip():
        return None
    return _HEADLINE_TO.fullmatch(sentence, max(a.end for a in sources), trigger.start)


def _present_with_coming_date(
    sentence: str, trigger: Trigger, sources: list[Actor], dates: list[DateMention], published: pd.Timestamp
) -> bool:
    """Whether a present-tense trigger is dated after the publication day ("visits Moscow on Friday").

    A present tense with a date to come is a schedule, not a report; a weekday naming the
    publication day itself ("meets Xi on Wednesday" in a Wednesday paper) is today's event.
    """
    if not dates or not sources:
        return False
    # The subject's own verb only: "held naval exercises on Wednesday" is no present tense.
    if not _SUBJECT_VERB_GAP.fullmatch(sentence, max(a.end for a in sources), trigger.start):
        return False
    verb = sentence[trigger.start : trigger.end].split()[0].lower()
    progressive = verb.endswith("ing") and _PROGRESSIVE.search(sentence, max(0, trigger.start - 20), trigger.start)
    present = (verb.endswith("s") and not verb.endswith("ss")) or (
        verb in _BASE_FORMS and not _NOT_PRESENT_BEFORE.search(sentence, max(0, trigger.start - 12), trigger.start)
    )
    if not (present or progressive) or verb in _NOT_PRESENT:
        return False
    date = dates[0]
    rel = date.text_fields.get("rel", "").lower()
    if date.form in ("ago", "last_month_name") or rel.startswith(("last", "yester", "earlier")):
        return False
    resolved = resolve_date(date, published, future=True)
    if resolved is None or resolved.precision == "year":
        return False
    if date.form == "weekday" and date.text_fields["weekday"].lower() == published.day_name().lower():
        return False
    return resolved.date > published


def _split_chains(actors: list[Actor], clauses: list[tuple[int, int]]) -> None:
    """Renumber coordination chains so that none crosses a clause boundary.

    "As X visited Moscow, Ukrainian officials ...": Moscow and the officials are not a list.
    """
    numbers: dict[tuple[int, tuple[int, int]], int] = {}
    for actor in actors:
        actor.chain = numbers.setdefault((actor.chain, _in_clause(actor.start, clauses)), len(numbers) + 1)


def _chain(actors: list[Actor], head: Actor, excluded: set[str | None]) -> list[Actor]:
    members = [a for a in actors if a.chain == head.chain and a.loc_prep is None]
    out = []
    for actor in members or [head]:
        out.extend(p for p in actor.participants(frozenset(excluded)) if p.country not in excluded or p.country is None)
    return out


def _words(text: str) -> int:
    return len(_WORD.findall(text))


@dataclass
class _Frame:
    sources: list[Actor]
    targets: list[Actor]
    window_start: int
    inherited: bool


def _frame(
    sentence: str,
    trigger: Trigger,
    actors: list[Actor],
    previous: Trigger | None,
    limit: int,
    relatives: list[tuple[int, int]],
    new_subject: bool,
) -> _Frame:
    """Pick source and target actors of a trigger (before any passive swap).

    The target is searched between the trigger and ``limit`` (the next trigger of the
    clause, or the clause end). Actors inside a relative clause that does not hold the
    trigger are not its subject ("Japan, which signed a pact with Manila, held drills");
    a clause with a subject of its own (``new_subject``) inherits no source.
    """
    c_start, c_end = trigger.clause
    outside = [r for r in relatives if not r[0] <= trigger.start < r[1]]

    def in_outside(position: int) -> bool:
        return any(r[0] <= position < r[1] for r in outside)

    left = [
        a
        for a in actors
        if a.start >= c_start and a.end <= trigger.start and a.loc_prep is None and not in_outside(a.start)
    ]
    if (
        trigger.pattern.kind == "noun"
        and previous is not None
        and left
        and previous.end <= trigger.start
        and not in_outside(previous.start)
    ):
        # "Japan and Korea criticised the drills": the drills are the object of a verb.
        left = [a for a in left if a.end <= previous.start] if left[-1].end <= previous.start else []
        if not left:
            return _Frame([], [], c_start, False)
    sources: list[Actor] = []
    window_start = c_start
    inherited = False
    if left:
        nearest = left[-1]
        gap = sentence[nearest.end : trigger.start]
        follows_previous = previous is not None and previous.clause == trigger.clause and previous.end <= nearest.start
        if follows_previous and (_NEW_PREDICATE.search(gap) or _words(gap) > 6):
            # "X will travel to Russia ... and will also visit Belarus": X visits Belarus.
            sources, window_start, inherited = list(previous.sources), previous.end, True
        else:
            sources = _chain(actors, nearest, set())
            if sources:
                window_start = max(c_start, min(a.start for a in sources) - _WINDOW_BEFORE_SOURCE)
    elif previous is not None and previous.sources and not new_subject:
        sources, inherited = list(previous.sources), True
    elif trigger.pattern.max_gap is None and (
        sentence[trigger.start : trigger.end].lower().endswith("between") or _BETWEEN.match(sentence, trigger.end)
    ):
        # "Talks between Trump and Kim": both participants follow the trigger.
        participants = _first_target(sentence, actors, trigger.end, limit, None, set())
        if len(participants) > 1:
            return _Frame(participants, [], c_start, False)
    excluded = {s.country for s in sources if s.country is not None}
    targets: list[Actor] = []
    if trigger.target_from is not None:
        # "visited Qingdao for joint exercises with the Chinese navy": the partner wins.
        targets = _first_target(sentence, actors, trigger.target_from, limit, None, excluded)
    if not targets:
        # "bombed militant camps in Afghanistan": force used in a country is used against it.
        locative = trigger.code.startswith("19")
        targets = _first_target(sentence, actors, trigger.end, limit, trigger.pattern.max_gap, excluded, locative)
    return _Frame(sources, targets, window_start, inherited)


def _first_target(
    sentence: str,
    actors: list[Actor],
    start: int,
    limit: int,
    max_gap: int | None,
    excluded: set[str | None],
    locative: bool = False,
) -> list[Actor]:
    """The first actor (with its coordination) between ``start`` and ``limit``.

    Actors after a locative preposition ("in Moscow") are places, not targets, unless
    ``locative``.
    """
    for actor in actors:
        if max_gap is not None and max_gap < 0:
            break  # "X and Y discussed ...": the words after the verb are the topic
        if actor.start < start or actor.end > limit:
            continue
        if actor.loc_prep is not None and actor.loc_prep >= start and not locative:
            continue
        gap = sentence[start : actor.start]
        if max_gap is not None and _words(gap) > max_gap and not _DELEGATION_GAP.fullmatch(gap):
            break
        if _TOPIC_GAP.fullmatch(gap):
            continue
        if actor.kind != "pair" and actor.country is not None and actor.country in excluded:
            return []  # "protest against Moscow's ... with Pyongyang": not a target further on
        return _chain(actors, actor, excluded)
    return []


def _is_complement(sentence: str, trigger: Trigger, triggers: list[Trigger]) -> bool:
    """Whether a trigger is the object of another one rather than an event of its own."""
    for other in triggers:
        # "refused to meet X", "declined a request for a meeting": the meeting is refused.
        if (
            other.code == "125"
            and other.clause == trigger.clause
            and other.end <= trigger.start < other.end + 70
            and trigger.code[:2] in ("03", "04")
        ):
            return True
    before = sentence[max(trigger.clause[0], trigger.start - 60) : trigger.start]
    if _COMPLEMENT.search(before):
        return True
    first_word = sentence[trigger.start : trigger.end].split()[0].lower()
    return first_word.endswith("ing") and _GERUND_COMPLEMENT.search(before) is not None


def _unowned_force(sentence: str, trigger: Trigger, actors: list[Actor]) -> bool:
    """Whether a nominal use of force ("the air strikes on Syria") has no attacker of its own.

    "Israeli air strikes on Syria" and "Russia is shelling Kharkiv" name the attacker right
    before the noun; in "Turkey condemned the air strikes on Syria" Turkey is the critic, and
    the strikes are only the object of the criticism.
    """
    if not trigger.code.startswith("19") or not _FORCE_NOUN.match(sentence, trigger.start):
        return False
    return not any(
        a.end <= trigger.start and _FORCE_OWNER_GAP.fullmatch(sentence, a.end, trigger.start) for a in actors
    )


def _passive_agent(sentence: str, trigger: Trigger, actors: list[Actor], frame: _Frame) -> _Frame | None:
    """Sources and targets of a verb in the passive voice with a by-phrase, else None."""
    c_start, c_end = trigger.clause
    if not _PASSIVE_BEFORE.search(sentence, max(c_start, trigger.start - 30), trigger.start):
        return None
    by = _BY.search(sentence, trigger.end, c_end)
    if by is None:
        return None
    agents = _first_target(sentence, actors, by.end(), c_end, 3, set())
    if not agents:
        return None
    agent_ids = {id(a) for a in agents}
    patients = frame.sources or [t for t in frame.targets if id(t) not in agent_ids]
    return _Frame(agents, patients, frame.window_start, frame.inherited)


def _reaction_object(
    sentence: str, clause: tuple[int, int], clauses: list[tuple[int, int]], actors: list[Actor]
) -> list[Actor]:
    """Subject of the clause that a reaction responds to, for a trigger without an object.

    "X flew near Japan, prompting Japan to protest": the clause before a reaction clause;
    "Seoul protested after Tokyo repeated its claim": the clause after "after"/"when".
    """
    position = clauses.index(clause)
    cause = None
    if position > 0 and REACTION.search(sentence, clauses[position - 1][1], clause[0]):
        cause = clauses[position - 1]
    elif position + 1 < len(clauses) and _CAUSE_AFTER.search(sentence, clause[1], clauses[position + 1][0]):
        cause = clauses[position + 1]
    if cause is None:
        return []
    for actor in actors:
        if cause[0] <= actor.start < cause[1] and actor.loc_prep is None and actor.country is not None:
            return _chain(actors, actor, set())
    return []


def _earlier_object(sentence: str, trigger: Trigger, earlier: list[Trigger]) -> list[Actor]:
    """The object a trigger without one takes from an earlier trigger of the sentence.

    "hosted the Russian President and signed agreements with him": an object pronoun is
    the previous verb's object; "X visited Moscow, Ukrainian officials criticised the
    trip": a reaction (root 11-13) to a named event targets that event's subject.
    """
    if _OBJECT_PRONOUN.match(sentence, trigger.end):
        for other in reversed(earlier):
            if other.targets:
                return list(other.targets)
        return []
    if trigger.code[:2] in ("11", "12", "13") and _EVENT_REFERENCE.match(sentence, trigger.end):
        for other in earlier:
            if other.code[:2] in ("03", "04", "05", "06") and other.sources:
                return list(other.sources)
    return []


def _possessed_sector(sentence: str, targets: list[Actor], lexicon: Lexicon) -> str | None:
    """Sector of the noun after "each other's" ("each other's diplomats": GOV), else None."""
    if len(targets) != 1 or targets[0].kind != "reciprocal":
        return None
    match = _POSSESSED.match(sentence, targets[0].end)
    if match is None:
        return None
    for phrase in (" ".join(w for w in match.groups() if w), match.group(1)):
        entry = lexicon.common_entry(phrase)
        if entry.kind in ("institution", "role") and entry.sector is not None:
            return entry.sector
    return None


def _quote_roles(sentence: str, actors: list[Actor]) -> tuple[int, list[Actor], list[Actor]]:
    """(end of a leading quotation, its speaker, the actor spoken to or about); or (0, [], [])."""
    quote = _LEADING_QUOTE.match(sentence)
    if quote is None:
        return 0, [], []
    verb = _SPEECH_VERB.search(sentence, quote.end())
    if verb is None:
        return 0, [], []
    speaker = [a for a in actors if quote.end() <= a.start < verb.start() and a.country is not None]
    if not speaker:
        return 0, [], []
    speakers = _chain(actors, speaker[0], set())
    countries = {a.country for a in speakers}
    addressee = [a for a in actors if a.start >= verb.end() and a.country not in countries and a.loc_prep is None]
    return quote.end(1), speakers, (_chain(actors, addressee[0], countries) if addressee else [])


def _third_location(actors: list[Actor], participants: set[str | None], segment: tuple[int, int]) -> bool:
    """Whether the trigger's own stretch of the clause places it in another country."""
    return any(
        a.loc_prep is not None and segment[0] <= a.start < segment[1] and a.country not in participants for a in actors
    )


@dataclass(frozen=True)
class _When:
    """Date fields of an event."""

    date: pd.Timestamp
    precision: str = "day"
    text: str | None = None
    scheduled: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    own: DateMention | None = None


def _dated(
    sentence: str,
    trigger: Trigger,
    dates: list[DateMention],
    future: bool,
    announce_end: int,
    published: pd.Timestamp,
    segment: tuple[int, int],
    taken: set[DateMention],
) -> _When:
    """Event date, precision, date text, scheduled date and range end of a trigger.

    Dates between the previous and the next trigger of the clause (``segment``) belong to
    this trigger; otherwise the nearest date of the clause does. For a future event, dates
    ending before ``announce_end`` date the announcement when a verb announces it and the
    date is neither a future expression ("Next week, X will visit") nor ``taken`` (the date
    of an earlier trigger: "visited A last week and will visit B"); later ones, or
    those that do not date the announcement, the scheduled event. ``own`` of the result is
    the mention that dated the event itself (or its scheduled date).
    """
    c_start, c_end = trigger.clause
    in_clause = [d for d in dates if c_start <= d.start < c_end]
    own = [d for d in in_clause if segment[0] <= d.start < segment[1]]
    after = [d for d in own if d.start >= trigger.end]
    in_clause = after or own or in_clause

    def distance(d: DateMention) -> int:
        return max(trigger.start - d.end, d.start - trigger.end, 0)

    if not future:
        if not in_clause:
            return _When(published)
        best = min(in_clause, key=distance)
        resolved = resolve_date(best, published, future=False)
        if resolved is None:
            return _When(published)
        return _When(resolved.date, resolved.precision, sentence[best.start : best.end], None, resolved.end, best)
    announcing = _ANNOUNCING.search(sentence, 0, announce_end) is not None
    announced = [
        d
        for d in dates
        if d.end <= announce_end and announcing and d not in taken and not is_future_expression(d)
        and d.form != "year"
    ]
    scheduled = [d for d in in_clause if d.start >= announce_end] or [d for d in in_clause if d not in announced]
    when = _When(published)
    if announced:
        resolved = resolve_date(announced[-1], published, future=False)
        if resolved is not None:
            text = sentence[announced[-1].start : announced[-1].end]
            when = _When(resolved.date, resolved.precision, text)
    if scheduled:
        best = min(scheduled, key=distance)
        resolved = resolve_date(best, published, future=True)
        if resolved is not None and resolved.precision != "year":  # "next year": no scheduled day
            when = _When(when.date, when.precision, when.text, resolved.date, resolved.end, best)
    return when


def code_sentence(
    sentence: str,
    published: pd.Timestamp,
    discourse: Discourse,
    lexicon: Lexicon,
) -> list[dict]:
    """Code one sentence into event records (dicts, without ids and document fields).

    Parameters
    ----------
    sentence : str
        One sentence.
    published : pandas.Timestamp
        Publication date of its document.
    discourse : Discourse
        The document's actors so far (read for coreference, then updated).
    lexicon : Lexicon
        Loaded dictionaries.

    Returns
    -------
    list of dict
        One record per event, reciprocal events included.
    """
    actors = sentence_actors(sentence, lexicon, published, discourse)
    if not actors:
        return []
    triggers, cues = _find_triggers(sentence, lexicon)
    if not triggers:
        return []
    clauses = _coordinated_clauses(sentence, clause_spans(sentence), actors, triggers)
    _split_chains(actors, clauses)
    for trigger in triggers + cues:
        trigger.clause = _in_clause(trigger.start, clauses)
    triggers = _apply_overrides(triggers, cues, sentence)
    dates = find_dates(sentence) if triggers else []
    triggers = [
        t for t in triggers if not _is_complement(sentence, t, triggers) and not _unowned_force(sentence, t, actors)
    ]
    records: list[dict] = []
    seen: set[tuple] = set()
    taken: set[DateMention] = set()  # dates that dated an earlier trigger of the sentence
    previous: Trigger | None = None
    quote_end, speakers, addressees = _quote_roles(sentence, actors)
    relatives = relative_spans(sentence)
    for position, trigger in enumerate(triggers):
        following = [t.start for t in triggers[position + 1 :] if t.clause == trigger.clause]
        limit = following[0] if following else trigger.clause[1]
        same_clause = previous is not None and previous.clause == trigger.clause
        segment = (previous.end if same_clause else trigger.clause[0], limit)
        new_subject = opens_new_subject(sentence, clauses, clauses.index(trigger.clause)) and not same_clause
        frame = _frame(sentence, trigger, actors, previous, limit, relatives, new_subject)
        trigger.sources = frame.sources
        previous_future = previous is not None and previous.future
        previous = trigger
        # A refusal's own "not" ("would not resume talks") is the event, not a negation.
        window = sentence[frame.window_start : trigger.start if trigger.code.startswith("12") else trigger.end]
        hedges = {m.group(0).lower() for m in _NEGATION.finditer(window)}
        reported = hedges == {"would"} and _REPORTED_WOULD.search(sentence, trigger.clause[0], trigger.start)
        after = (trigger.end, trigger.clause[1])
        conditional = not trigger.code.startswith("13") and _CONDITION_AFTER.search(sentence, *after)
        nominal = bool(frame.sources) and trigger.end <= min(a.start for a in frame.sources)
        modal_after = nominal and (
            _MODAL_AFTER.search(sentence[trigger.end : trigger.clause[1]])
            or _CALLED_OFF_AFTER.search(sentence[trigger.end : trigger.clause[1]])
        )
        subject_end = max([frame.window_start] + [a.end for a in frame.sources if a.end <= trigger.start])
        refused = not trigger.code.startswith("12") and _REFUSED.search(sentence, subject_end, trigger.start)
        denied_after = _NEGATION_AFTER.search(sentence, *after)
        if (hedges and not reported) or conditional or modal_after or refused or denied_after:
            continue
        sources, targets = frame.sources, frame.targets
        if trigger.end <= quote_end and (not sources or not targets):
            # Actors after the quotation are its speaker and addressee, not the quoted
            # verb's object; a speaker naming its own country ('"Japan protests," the
            # Japanese government said') is the source, with its sector.
            speaking = {s.country for s in speakers}
            if not sources or (speaking and {s.country for s in sources} <= speaking):
                sources = speakers or sources
            targets = [t for t in targets if t.end <= quote_end] or [
                a for a in addressees if a.country not in {s.country for s in sources}
            ]
        elif (
            trigger.code[:2] in ("11", "12", "13")
            and sentence[trigger.start : trigger.end].split()[0].lower().endswith("ing")
            and _PARTICIPLE.search(sentence, max(0, trigger.start - 3), trigger.start)
            and actors[0].start < trigger.start
        ):
            # "The minister said ..., accusing Beijing of ...": the sentence's subject speaks.
            sources = _chain(actors, actors[0], set())
            targets = [t for t in targets if t.country not in {s.country for s in sources}] or targets
        passive = None if trigger.pattern.passive else _passive_agent(sentence, trigger, actors, frame)
        if trigger.pattern.passive:
            sources, targets = targets, sources
        elif passive is not None:
            sources, targets = passive.sources, passive.targets
        borrowed = not targets
        if borrowed:
            targets = _earlier_object(sentence, trigger, triggers[:position])
            borrowed = bool(targets)
        trigger_rule = lexicon.code_rules.get(trigger.code)
        mutual_code = trigger_rule is not None and trigger_rule.mutual
        if not mutual_code and (not targets or all(t.country is None for t in targets)):
            # "..., prompting US jets to intercept them": the cause clause's subject.
            cause = _reaction_object(sentence, trigger.clause, clauses, actors)
            targets, inferred = (cause, True) if cause else (targets, borrowed)
        else:
            inferred = borrowed
        trigger.targets = targets
        code = trigger.code
        rule = lexicon.code_rules.get(code)
        participants = {a.country for a in sources + targets}
        third = trigger.pattern.third_location
        if third and code == trigger.pattern.cameo and _third_location(actors, participants, segment):
            code = third
            rule = lexicon.code_rules.get(code)
        # Only dates before the next trigger: "visited Hanoi last week and will visit Manila
        # next week" keeps the first visit in the past.
        near_dates = [d for d in dates if trigger.end <= d.start < limit]
        marker = reported or _FUTURE.search(sentence, frame.window_start, trigger.start) or _headline_to(
            sentence, trigger, frame.sources
        )
        future = bool(marker) or any(is_future_expression(d) for d in near_dates)
        schedulable = trigger_rule is not None and trigger_rule.future is not None
        # Only meetings, visits and exercises are scheduled ahead in the present tense.
        coming = schedulable and _present_with_coming_date(sentence, trigger, frame.sources, near_dates, published)
        future = future or coming
        # "will visit Washington in April to meet Biden": the second verb shares the tense.
        future = future or (frame.inherited and previous_future)
        trigger.future = future
        if future and not code.startswith("03"):
            if rule is None or rule.future is None:
                continue
            code = rule.future
            rule = lexicon.code_rules.get(code)
        pairs = _pairs(sources, targets, rule is not None and rule.mutual, trigger.pattern.reciprocal)
        possessed = _possessed_sector(sentence, targets, lexicon)
        if possessed is not None:
            pairs = [(source, replace(target, sector=possessed)) for source, target in pairs]
        if not pairs:
            continue
        # Dates before the future marker date the announcement ("agreed on Tuesday to").
        source_start = min((a.start for a in frame.sources), default=trigger.start)
        announce_end = max(source_start, marker.end()) if marker else source_start
        # "Putin, who met Xi in March, criticised Washington": the relative clause's date is its own.
        outside = [r for r in relatives if not r[0] <= trigger.start < r[1]]
        own_dates = [d for d in dates if not any(r[0] <= d.start < r[1] for r in outside)]
        when = _dated(sentence, trigger, own_dates, future, announce_end, published, segment, taken)
        if when.own is not None:
            taken.add(when.own)
        if when.precision == "year":
            # "held drills in 2019": background that no day, week or month can hold; dated on
            # the publication day it would be counted as news.
            continue
        confidence = trigger.pattern.confidence * (0.9 if frame.inherited else 1.0) * (0.85 if inferred else 1.0)
        reciprocal = rule.reciprocal if rule is not None else None
        for source, target in pairs:
            for src, tgt, event_code in ((source, target, code), (target, source, reciprocal)):
                if event_code is None:
                    continue
                record = _record(src, tgt, event_code, trigger, confidence)
                if record is None:
                    continue
                key = tuple(record[c] for c in ("source_country", "source_sector", "target_country", "target_sector"))
                key += (event_code,)
                if key in seen:
                    continue
                seen.add(key)
                record.update(
                    date=when.date,
                    date_precision=when.precision,
                    date_text=when.text,
                    scheduled_date=when.scheduled,
                    date_end=when.end,
                    sentence=sentence,
                )
                records.append(record)
    return records


def _pairs(
    sources: list[Actor], targets: list[Actor], mutual: bool, reciprocal: bool = False
) -> list[tuple[Actor, Actor]]:
    """(source, target) pairs of one trigger.

    Every source with every target; "each other", or no object for a mutual code ("China
    and Russia held talks"), pairs the coordinated sources with one another. A reciprocal
    verb ("traded accusations") pairs the coordinated sources with one another, or the
    subject and its object both ways.
    """
    each_other = bool(targets) and all(t.kind == "reciprocal" for t in targets)
    if targets and not each_other:
        forward = [(s, t) for s in sources for t in targets]
        return forward + [(t, s) for s, t in forward] if reciprocal else forward
    if reciprocal:
        return [(s, t) for s in sources for t in sources if s is not t]
    if each_other or (mutual and not targets):
        return [(s, t) for s in sources for t in sources if s is not t]
    return []


def _record(source: Actor, target: Actor, code: str, trigger: Trigger, confidence: float) -> dict | None:
    if source.country is None and target.country is None:
        return None
    if source.country is not None and source.country == target.country:
        return None
    source_sector, target_sector = source.sector, target.sector
    # "his American counterpart": same office as the other side, in another country.
    if target.kind == "counterpart":
        target_sector = source.sector
    if source.kind == "counterpart":
        source_sector = target.sector
    for actor in (source, target):
        if actor.country is None or actor.antecedent is not None:
            confidence *= 0.8
    return {
        "source_actor": source.label,
        "source_country": source.country,
        "source_sector": source_sector,
        "target_actor": target.label,
        "target_country": target.country,
        "target_sector": target_sector,
        "cameo_code": code,
        "pattern": trigger.label,
        "source_span": source.text,
        "target_span": target.text,
        "confidence": round(confidence, 3),
    }


# One event per document and actors, code, date and scheduled date (the ICEWS convention):
# a headline, its subtitle and the lead that repeat one visit count it once.
_SAME_EVENT = (
    "source_country", "source_sector", "target_country", "target_sector", "cameo_code", "date", "scheduled_date",
)


def _records(text: str, published: pd.Timestamp, doc_id: str, lexicon: Lexicon) -> Iterator[dict]:
    discourse = Discourse()
    seen: set[tuple] = set()
    for index, sentence in enumerate(split_sentences(text)):
        for k, record in enumerate(code_sentence(sentence, published, discourse, lexicon)):
            key = tuple(record[c] for c in _SAME_EVENT)
            if key in seen:
                continue
            seen.add(key)
            record["event_id"] = f"{doc_id}:{index}:{k}"
            record["doc_id"] = doc_id
            record["sentence_index"] = index
            yield record


def _table(records: list[dict], source_dataset: str) -> pd.DataFrame:
    if not records:
        out = empty_events()
        for col in EVIDENCE_COLUMNS:
            out[col] = pd.Series(dtype=object)
        return out
    frame = pd.DataFrame.from_records(records)
    attributes = code_attributes(frame["cameo_code"])
    frame = frame.assign(
        root_code=attributes["root_code"],
        quad_class=attributes["quad_class"],
        goldstein=attributes["goldstein"],
        source_dataset=source_dataset,
        count=1,
        scheduled_date=pd.to_datetime(frame["scheduled_date"]),
        date_end=pd.to_datetime(frame["date_end"]),
    )
    return conform_dtypes(frame[list(EVENT_COLUMNS) + list(EVIDENCE_COLUMNS)], extra=EVIDENCE_COLUMNS)


def code_text(
    text: str,
    published: str | pd.Timestamp,
    doc_id: str = "doc",
    *,
    source_dataset: str = DEFAULT_SOURCE_DATASET,
) -> pd.DataFrame:
    """Code one document into canonical events with evidence columns.

    Parameters
    ----------
    text : str
        The article (headline, captions and body; lines are coded independently of each
        other except for coreference).
    published : str or pandas.Timestamp
        Publication date; relative dates ("last week") are resolved against it.
    doc_id : str
        Document id, copied to ``doc_id`` and used in ``event_id``.
    source_dataset : str
        Value of ``source_dataset`` (marks the rows when merged with other sources).

    Returns
    -------
    pandas.DataFrame
        Canonical event columns (see :data:`forecast.events.schema.EVENT_COLUMNS`) then
        :data:`EVIDENCE_COLUMNS`; ``date_precision`` is ``day``, ``week`` or ``month``,
        ``date_text`` is None when the date fell back to the publication date, and
        ``scheduled_date`` is set for future (036/0312) events with a stated date, and
        ``date_end`` for a stated range of days. An event the document repeats (same
        countries, sectors, code, date and scheduled date: a headline and its lead) is
        kept once, at its first mention.
    """
    return code_documents([(doc_id, text, published)], source_dataset=source_dataset)


def code_documents(
    documents: Iterable[tuple[str, str, str | pd.Timestamp]],
    *,
    source_dataset: str = DEFAULT_SOURCE_DATASET,
) -> pd.DataFrame:
    """Code many documents into one event table.

    Parameters
    ----------
    documents : iterable of (doc_id, text, published)
        Documents; ``published`` is a date string or Timestamp.
    source_dataset : str
        Value of ``source_dataset`` for every row.

    Returns
    -------
    pandas.DataFrame
        As :func:`code_text`, all documents concatenated.
    """
    lexicon = load_lexicon()
    records: list[dict] = []
    for doc_id, text, published in documents:
        day = pd.Timestamp(published).normalize().tz_localize(None)
        records.extend(_records(text, day, str(doc_id), lexicon))
    return _table(records, source_dataset)
