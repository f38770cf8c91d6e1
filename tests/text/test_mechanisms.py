"""Issue 14 mechanisms of the text coder, one test each, on hand-written sentences.

None of these sentences is in a gold set or in ``heldout14``; expectations are coded by
hand from the conventions of ``tests/text/README.md``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.events.text import code_text
from forecast.events.text.lexicon import load_lexicon
from forecast.events.text.sentences import clause_spans

PUBLISHED = "2024-03-06"


def _dyads(events: pd.DataFrame) -> set[tuple]:
    return {
        (f"{r.source_country}.{r.source_sector}", f"{r.target_country}.{r.target_sector}", r.cameo_code)
        for r in events.itertuples()
    }


def test_temporal_clause_is_its_own_clause_with_its_own_actors() -> None:
    sentence = "Polish and Lithuanian troops trained side by side as the Belarusian President visited Moscow."
    assert [sentence[a:b] for a, b in clause_spans(sentence)] == [
        "Polish and Lithuanian troops trained side by side",
        "the Belarusian President visited Moscow.",
    ]
    assert _dyads(code_text(sentence, PUBLISHED)) == {
        ("POL.MIL", "LTU.MIL", "062"),
        ("LTU.MIL", "POL.MIL", "062"),
        ("BLR.GOV", "RUS.state", "042"),
        ("RUS.state", "BLR.GOV", "043"),
    }


def test_as_part_of_is_not_a_clause_break() -> None:
    sentence = "Kenya joined the drills as part of the programme."
    assert clause_spans(sentence) == [(0, len(sentence))]


def test_compound_subject_acting_together_is_joint_both_ways() -> None:
    events = code_text("Chinese and Vietnamese patrol boats sailed together along the Gulf of Tonkin.", PUBLISHED)
    assert _dyads(events) == {("CHN.state", "VNM.state", "062"), ("VNM.state", "CHN.state", "062")}


def test_reaction_clause_takes_the_previous_subject_as_object_with_lower_confidence() -> None:
    events = code_text("Russian warplanes circled near Hokkaido, prompting Tokyo to protest.", PUBLISHED)
    # warplanes are military (roles.csv), like warships and bombers
    assert _dyads(events) == {("JPN.state", "RUS.MIL", "111")}
    # protest pattern 0.75, times 0.85 for the object taken from the cause clause
    assert events["confidence"].tolist() == [pytest.approx(0.75 * 0.85, abs=1e-3)]


def test_reaction_after_clause_gives_the_object() -> None:
    events = code_text("Seoul lodged a protest after North Korean drones crossed the border.", PUBLISHED)
    assert _dyads(events) == {("KOR.state", "PRK.state", "111")}


def test_reaction_object_is_not_used_for_mutual_codes() -> None:
    # The joint patrol has no partner outside its subject: the visitor in the temporal
    # clause must not become one.
    text = "Iranian and Russian ships drilled together when the Indian President visited Tehran."
    events = code_text(text, PUBLISHED)
    assert ("IRN.state", "IND.GOV", "062") not in _dyads(events)
    assert ("IRN.state", "RUS.state", "062") in _dyads(events)


def test_reciprocal_verb_with_compound_subject_goes_both_ways() -> None:
    events = code_text("Vietnam and Cambodia traded accusations over the canal.", PUBLISHED)
    assert _dyads(events) == {("VNM.state", "KHM.state", "112"), ("KHM.state", "VNM.state", "112")}


def test_reciprocal_verb_with_object_goes_both_ways() -> None:
    events = code_text("Ankara exchanged threats with Cairo.", PUBLISHED)
    assert _dyads(events) == {("TUR.state", "EGY.state", "130"), ("EGY.state", "TUR.state", "130")}


def test_passive_with_by_agent_swaps_source_and_target() -> None:
    events = code_text("Kazakhstan was accused by Moscow of disloyalty.", PUBLISHED)
    assert _dyads(events) == {("RUS.state", "KAZ.state", "112")}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Hanoi would not resume border talks with Phnom Penh until the survey ended.",
            {("VNM.state", "KHM.state", "125")},
        ),
        ("Ankara has not responded to Japanese calls for a meeting.", {("TUR.state", "JPN.state", "125")}),
        ("Pyongyang ignored repeated Japanese offers of talks.", {("PRK.state", "JPN.state", "125")}),
    ],
)
def test_withheld_cooperation_is_a_refusal(sentence: str, expected: set[tuple]) -> None:
    events = code_text(sentence, PUBLISHED)
    assert _dyads(events) == expected
    assert set(events["pattern"]) == {"withhold_talks"}


@pytest.mark.parametrize(
    "sentence",
    [
        "Beijing said it would not hold talks with Manila.",  # a plain negated future: no event
        "Seoul could resume exchanges with Pyongyang, officials said.",  # modality
        "Consultations between Paris and Berlin might resume next week.",  # modal after the noun
        "Moscow denied that Rosatom had signed a deal with Tehran.",  # denial
        "Ankara did not meet Japanese officials at the summit.",  # negated fact
    ],
)
def test_modality_denial_and_plain_negation_give_no_event(sentence: str) -> None:
    assert code_text(sentence, PUBLISHED).empty


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Beijing put Hanwha Aerospace on its export control list.", {("CHN.state", "KOR.other", "163")}),
        (
            "The Bundeswehr held drills with the Royal Air Force.",
            {("DEU.MIL", "GBR.MIL", "062"), ("GBR.MIL", "DEU.MIL", "062")},
        ),
        ("Foggy Bottom criticised Caracas.", {("USA.GOV", "VEN.state", "111")}),
    ],
)
def test_organisations_stand_for_their_country_and_sector(sentence: str, expected: set[tuple]) -> None:
    assert _dyads(code_text(sentence, PUBLISHED)) == expected


def test_organisation_table_rows_are_loaded_as_institutions() -> None:
    names = load_lexicon().names
    assert (names["Lockheed Martin"].country, names["Lockheed Martin"].sector) == ("USA", "other")
    assert (names["Rosoboronexport"].country, names["Rosoboronexport"].kind) == ("RUS", "institution")
    assert names["Japan Coast Guard"].sector == "MIL"


def test_hosting_a_delegation_skips_the_delegation_words() -> None:
    events = code_text("Ulaanbaatar hosted a delegation of senior Japanese diplomats.", PUBLISHED)
    assert _dyads(events) == {("MNG.state", "JPN.GOV", "043"), ("JPN.GOV", "MNG.state", "042")}


def test_leading_quote_takes_the_speaker_and_the_addressee() -> None:
    events = code_text('"Japan protests over this violation," the Japanese ambassador told Beijing.', PUBLISHED)
    # the speaker names its own country: the speaker, with its sector, is the source (as
    # heldout14 codes '"Japan strongly protests," the Japanese government told Moscow')
    assert _dyads(events) == {("JPN.GOV", "CHN.state", "111")}
    events = code_text('"We met the Turkish side in Paris," the Iranian envoy said.', PUBLISHED)
    assert _dyads(events) == {("IRN.GOV", "TUR.state", "044"), ("TUR.state", "IRN.GOV", "044")}  # in a third country


def test_participle_after_a_comma_shares_the_sentence_subject() -> None:
    text = "The Polish Foreign Minister said the border was tense, accusing Minsk of staging provocations."
    assert _dyads(code_text(text, PUBLISHED)) == {("POL.GOV", "BLR.state", "112")}
