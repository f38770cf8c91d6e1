"""Actor resolution for CAMEO codes, ICEWS sector lists and FIPS codes; the families config."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from forecast.events.actors import (
    cameo_actor_countries,
    cameo_actor_sectors,
    country_codes,
    iso3_from_fips,
    sector_of_sector_lists,
)
from forecast.events.taxonomy import families_from_mapping

CONF = Path(__file__).resolve().parents[2] / "conf"


def test_fips_traps() -> None:
    assert iso3_from_fips(pd.Series(["CH", "RS", "BO", "SZ", "RI", "BL", "", "ZZ"])).tolist() == [
        "CHN",
        "RUS",
        "BLR",
        "CHE",
        "SRB",
        "BOL",
        None,
        None,
    ]


def test_fips_table_targets_are_known_countries() -> None:
    from forecast.events.actors import fips_table

    table = fips_table()
    assert table.index.is_unique
    converted = country_codes(pd.Series(table.to_numpy()))
    assert converted.notna().all(), table[converted.isna().to_numpy()]


def test_cameo_actor_codes() -> None:
    codes = pd.Series(["CHNMIL", "USAGOV", "RUS", "GOV", "BUS", "MNCUSA", "CHNGOVMIL", "RUSSPY", ""])
    types = pd.DataFrame(
        {"t1": ["MIL", "GOV", "", "GOV", "BUS", "MNC", "GOV", "SPY", ""], "t2": [""] * 9, "t3": [""] * 9}
    )
    assert cameo_actor_sectors(codes, types).tolist() == [
        "MIL",
        "GOV",
        "state",
        "GOV",
        "other",
        "other",
        "MIL",
        "GOV",
        "other",
    ]
    country = pd.Series(["CHN", "", "RUS", "", "", "USA", "CHN", "RUS", ""])
    assert cameo_actor_countries(country, codes).tolist() == [
        "CHN",
        "USA",
        "RUS",
        None,
        None,
        "USA",
        "CHN",
        "RUS",
        None,
    ]
    assert cameo_actor_countries(pd.Series(["EUR", "AFR"]), pd.Series(["EUR", "AFR"])).tolist() == [None, None]


def test_icews_sector_lists_and_spellings() -> None:
    sectors = pd.Series(
        [
            "Executive,Foreign Ministry,Government",
            "Government,Military",
            '"Military,Government"',
            "General Population / Civilian / Social,Social",
            "",
            None,
        ]
    )
    assert sector_of_sector_lists(sectors).tolist() == ["GOV", "MIL", "MIL", "other", None, None]
    names = pd.Series(
        [
            "Russian Federation",
            "Occupied Palestinian Territory",
            "Democratic Republic of Congo",
            "Cote d'Ivoire",
            "United States",
            "China",
        ]
    )
    assert country_codes(names).tolist() == ["RUS", "PSE", "COD", "CIV", "USA", "CHN"]


def test_every_family_parses() -> None:
    spec = yaml.safe_load((CONF / "taxonomy" / "cameo.yaml").read_text())["families"]
    families = families_from_mapping(spec)
    expected = {
        "visit_host_meet",
        "call_consult",
        "military_cooperation",
        "agreement",
        "refusal_reject",
        "accuse_criticise",
        "threaten_coerce",
        "sanction",
        "force_posture",
        "cooperation",
        "conflict",
        "military_contact",
    }
    assert set(families) == expected
    assert all(f.description for f in families.values())
    events = pd.DataFrame(
        {
            "cameo_code": ["042", "062", "0312", "150", "040", "112"],
            "quad_class": [1, 2, 1, 4, 1, 3],
            "source_sector": ["GOV", "MIL", "GOV", "state", "MIL", "GOV"],
            "target_sector": ["GOV", "MIL", "GOV", "state", "GOV", "GOV"],
        }
    )
    assert families["military_contact"].mask(events).tolist() == [False, True, True, True, True, False]
    assert families["visit_host_meet"].mask(events).tolist() == [True, False, False, False, False, False]
    assert families["conflict"].mask(events).tolist() == [False, False, False, True, False, True]
