"""Defects of the text coder found on unseen text: coordination into a new subject, future
headlines, gazetteer gaps, and the use-of-force, praise and restored-relations patterns.

Every sentence is new (in no gold set and not in ``heldout7``); the expected events are
coded by hand with the conventions of ``tests/text/README.md``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecast.events.text import code_text
from forecast.events.text.actors import find_mentions
from forecast.events.text.lexicon import load_lexicon

PUBLISHED = "2024-03-13"  # a Wednesday


def _dyads(events: pd.DataFrame) -> set[tuple]:
    return {
        (f"{r.source_country}.{r.source_sector}", f"{r.target_country}.{r.target_sector}", r.cameo_code)
        for r in events.itertuples()
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A refusal to meet is its own event (125); the refusal's object is not the next subject.
        (
            "Japan refused to meet China, and South Korea criticised Japan.",
            {("JPN.state", "CHN.state", "125"), ("KOR.state", "JPN.state", "111")},
        ),
        # A refused act gives no event; Britain alone rebukes India.
        ("India failed to criticise Russia, and Britain rebuked New Delhi.", {("GBR.state", "IND.state", "111")}),
        # Without a comma too.
        (
            "Turkey hosted Iran and Azerbaijan accused Ankara of bias.",
            {("TUR.state", "IRN.state", "043"), ("IRN.state", "TUR.state", "042"), ("AZE.state", "TUR.state", "112")},
        ),
        # A coordinated subject of the second verb stays coordinated.
        (
            "Moscow expelled a Latvian diplomat, and Estonia and Lithuania condemned Russia.",
            {("RUS.state", "LVA.GOV", "166"), ("EST.state", "RUS.state", "111"), ("LTU.state", "RUS.state", "111")},
        ),
        # A coordinated object with no verb after it stays a list.
        ("Japan met China and South Korea in Tokyo.", {("JPN.state", "CHN.state", "040"), ("JPN.state", "KOR.state", "040")}),
    ],
)
def test_and_between_an_object_and_the_next_subject_ends_the_list(sentence: str, expected: set) -> None:
    assert _dyads(code_text(sentence, PUBLISHED)) == expected


def _events(sentence: str) -> set[tuple]:
    return {
        (
            f"{r.source_country}.{r.source_sector}",
            f"{r.target_country}.{r.target_sector}",
            r.cameo_code,
            str(r.date.date()),
            None if pd.isna(r.scheduled_date) else str(r.scheduled_date.date()),
        )
        for r in code_text(sentence, PUBLISHED).itertuples()
    }


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A headline infinitive is a plan: intent, dated on the publication day.
        ("Xi to travel to Paris", {("CHN.GOV", "FRA.state", "036", PUBLISHED, None)}),
        ("Russian Foreign Minister to meet Chinese counterpart", {("RUS.GOV", "CHN.GOV", "036", PUBLISHED, None)}),
        # A present tense with a date to come is scheduled (Thursday is the day after).
        ("Lavrov heads to Pyongyang on Thursday", {("RUS.GOV", "PRK.state", "036", PUBLISHED, "2024-03-14")}),
        # "on Monday" in the present tense is the coming Monday, not the one just past.
        ("Xi and Putin meet in Kazan on Monday", {
            ("CHN.GOV", "RUS.GOV", "036", PUBLISHED, "2024-03-18"),
            ("RUS.GOV", "CHN.GOV", "036", PUBLISHED, "2024-03-18"),
        }),
        (
            "The Indian Prime Minister is visiting Moscow on 20 March.",
            {("IND.GOV", "RUS.state", "036", PUBLISHED, "2024-03-20")},
        ),
        # The publication weekday itself is today's visit, as is a present tense without a date.
        ("Lavrov travels to Pyongyang on Wednesday", {
            ("RUS.GOV", "PRK.state", "042", PUBLISHED, None),
            ("PRK.state", "RUS.GOV", "043", PUBLISHED, None),
        }),
        ("Chinese Defence Minister visits Minsk", {
            ("CHN.MIL", "BLR.state", "042", PUBLISHED, None),
            ("BLR.state", "CHN.MIL", "043", PUBLISHED, None),
        }),
        # The past tense keeps its past date; a noun trigger is no present tense.
        ("Lavrov travelled to Pyongyang on Monday", {
            ("RUS.GOV", "PRK.state", "042", "2024-03-11", None),
            ("PRK.state", "RUS.GOV", "043", "2024-03-11", None),
        }),
        (
            "New US sanctions on Iranian banks took effect on Friday.",
            {("USA.state", "IRN.other", "163", "2024-03-08", None)},
        ),
        # Not a headline infinitive: the subject does not open the sentence.
        (
            "Tokyo protested, prompting Beijing to criticise Japan.",
            {("CHN.state", "JPN.state", "111", PUBLISHED, None)},
        ),
    ],
)
def test_headline_infinitives_and_present_tense_with_a_coming_date_are_intent(sentence: str, expected: set) -> None:
    assert _events(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # Use of force (19x): aerial 195, artillery and missiles 194, otherwise 190; a
        # country named as the place of the attack is its target.
        ("Israeli warplanes bombed targets near Damascus.", {("ISR.MIL", "SYR.state", "195", PUBLISHED, None)}),
        (
            "Pakistani jets carried out air strikes in Afghanistan on Monday.",
            {("PAK.state", "AFG.state", "195", "2024-03-11", None)},
        ),
        ("Russian artillery shelled Ukrainian positions.", {("RUS.MIL", "UKR.state", "194", PUBLISHED, None)}),
        ("North Korea fired rockets at a South Korean island.", {("PRK.state", "KOR.state", "194", PUBLISHED, None)}),
        ("Iran launched missile strikes on Israel last week.", {("IRN.state", "ISR.state", "194", "2024-03-04", None)}),
        (
            "Indian soldiers opened fire on Chinese troops along the border.",
            {("IND.MIL", "CHN.MIL", "190", PUBLISHED, None)},
        ),
        ("Armenia was attacked by Azerbaijani forces.", {("AZE.MIL", "ARM.state", "190", PUBLISHED, None)}),
        # Negated, hedged, denied and future force is no event; "struck a deal" is no force.
        ("Ukraine denied that it had shelled Russian villages.", set()),
        ("Officials warned that China could attack Taiwan.", set()),
        ("Russia will strike Kyiv.", set()),
        ("Beijing struck a deal with Manila.", set()),
        ("China attacked the US positions on trade.", set()),
        # A nominal use of force is the attacker's when it is named right before the noun;
        # otherwise the noun is only what the subject criticises.
        (
            "Turkey condemned Israeli air strikes on Syria.",
            {("TUR.state", "ISR.state", "111", PUBLISHED, None), ("ISR.state", "SYR.state", "195", PUBLISHED, None)},
        ),
        ("Poland condemned the shelling of Ukrainian towns.", {("POL.state", "UKR.state", "111", PUBLISHED, None)}),
        ("Turkey condemned the air strikes on Syria.", {("TUR.state", "SYR.state", "111", PUBLISHED, None)}),
        ("Russia continued shelling Ukrainian positions.", {("RUS.state", "UKR.state", "194", PUBLISHED, None)}),
        # Praise (051): one way, negation as for every trigger.
        ("Putin praised Xi Jinping for his leadership.", {("RUS.GOV", "CHN.GOV", "051", PUBLISHED, None)}),
        ("The Serbian President hailed Beijing on Tuesday.", {("SRB.GOV", "CHN.state", "051", "2024-03-12", None)}),
        ("Washington commended New Delhi for its restraint.", {("USA.state", "IND.state", "051", PUBLISHED, None)}),
        ("Poland refused to praise Germany.", set()),
        ("Hungary did not commend Ukraine.", set()),
        # Restoring relations (050) and establishing them (054) go both ways; agreeing to
        # restore them is intent (032).
        (
            "Riyadh and Tehran restored diplomatic ties on Friday.",
            {("SAU.state", "IRN.state", "050", "2024-03-08", None), ("IRN.state", "SAU.state", "050", "2024-03-08", None)},
        ),
        (
            "Cuba re-established relations with Washington.",
            {("CUB.state", "USA.state", "050", PUBLISHED, None), ("USA.state", "CUB.state", "050", PUBLISHED, None)},
        ),
        (
            "Oman established diplomatic relations with Singapore.",
            {("OMN.state", "SGP.state", "054", PUBLISHED, None), ("SGP.state", "OMN.state", "054", PUBLISHED, None)},
        ),
        (
            "Egypt and Turkey agreed to restore diplomatic relations.",
            {("EGY.state", "TUR.state", "032", PUBLISHED, None), ("TUR.state", "EGY.state", "032", PUBLISHED, None)},
        ),
        ("Japan might restore ties with North Korea.", set()),
    ],
)
def test_force_praise_and_restored_relations_are_coded(sentence: str, expected: set) -> None:
    assert _events(sentence) == expected


UN_MEMBERS = pd.read_csv(Path(__file__).with_name("un_members.csv"), dtype=str, keep_default_na=False)


def _resolves_to(phrase: str) -> str | None:
    """The country of ``phrase`` when the gazetteer reads all of it as one name, else None."""
    mentions = find_mentions(phrase, load_lexicon())
    if len(mentions) != 1 or (mentions[0].start, mentions[0].end) != (0, len(phrase)):
        return None
    return mentions[0].entry.country


def test_the_reference_table_lists_every_un_member_state() -> None:
    converter = pytest.importorskip("country_converter")
    data = converter.CountryConverter().data
    assert sorted(UN_MEMBERS["iso3"]) == sorted(data.loc[data["UNmember"].notna(), "ISO3"])
    # A phrase left out is explained in the note column.
    blank = (UN_MEMBERS[["name", "demonym", "capital"]] == "").any(axis=1)
    assert (UN_MEMBERS.loc[blank, "note"] != "").all()


@pytest.mark.parametrize("column", ["name", "demonym", "capital"])
def test_every_un_member_name_demonym_and_capital_resolves(column: str) -> None:
    rows = UN_MEMBERS[UN_MEMBERS[column] != ""]
    failing = [(r.iso3, r[column]) for _, r in rows.iterrows() if _resolves_to(r[column]) != r.iso3]
    assert failing == []


def test_country_converter_short_names_resolve() -> None:
    converter = pytest.importorskip("country_converter")
    data = converter.CountryConverter().data
    members = data[data["UNmember"].notna() & ~data["name_short"].str.contains(",")]
    failing = [(r.ISO3, r.name_short) for r in members.itertuples() if _resolves_to(r.name_short) != r.ISO3]
    assert failing == []


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Greece and Uganda signed a trade agreement.",
            {("GRC.state", "UGA.state", "057"), ("UGA.state", "GRC.state", "057")},
        ),
        # Capital metonymy, with and without "New".
        ("Delhi criticised Beijing over the border clash.", {("IND.state", "CHN.state", "111")}),
        ("New Delhi summoned the Nepalese ambassador.", {("IND.state", "NPL.GOV", "111")}),
        # "Korea" alone is South Korea (its usual sense in international news); "inter-Korean"
        # and "the Korean Peninsula" are no actor.
        ("Korea protested to Tokyo.", {("KOR.state", "JPN.state", "111")}),
        ("The Korean foreign minister met Wang Yi.", {("KOR.GOV", "CHN.GOV", "040")}),
        ("Inter-Korean tension rose on the Korean Peninsula.", set()),
        # "Latin American" is a region, not the United States: the leaders stay unresolved.
        ("Latin American leaders criticised Spain.", {("None.GOV", "ESP.state", "111")}),
        # "Congo" alone is the Democratic Republic of the Congo; Congo Republic is its neighbour.
        ("Rwanda accused Congo of shelling its territory.", {("RWA.state", "COD.state", "112")}),
        (
            "Congo Republic hosted the Angolan President.",
            {("COG.state", "AGO.GOV", "043"), ("AGO.GOV", "COG.state", "042")},
        ),
    ],
)
def test_gazetteer_gaps_are_closed(sentence: str, expected: set) -> None:
    assert _dyads(code_text(sentence, PUBLISHED)) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # A country or capital that is also a first name, followed by a surname, is a person.
        ("Chad Smith met the Japanese ambassador.", set()),
        ("Santiago Ramos visited Taipei.", set()),
        ("The Paris Club agreed to restructure Zambia's debt.", set()),
        # Followed by another dictionary word, a possessive or "and", it stays a country.
        (
            "Chad and Sudan signed a border agreement.",
            {("TCD.state", "SDN.state", "057"), ("SDN.state", "TCD.state", "057")},
        ),
        ("Jordan's army attacked Syrian positions.", {("JOR.MIL", "SYR.state", "190")}),
        ("Jordan Foreign Minister met Wang Yi.", {("JOR.GOV", "CHN.GOV", "040")}),
    ],
)
def test_places_that_are_also_first_names(sentence: str, expected: set) -> None:
    assert _dyads(code_text(sentence, PUBLISHED)) == expected
