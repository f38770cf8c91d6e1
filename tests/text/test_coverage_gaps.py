"""Defects of the text coder found on unseen text: coordination into a new subject, future
headlines, gazetteer gaps, and the use-of-force, praise and restored-relations patterns.

Every sentence is new (in no gold set and not in ``heldout7``); the expected events are
coded by hand with the conventions of ``tests/text/README.md``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.events.text import code_text

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
