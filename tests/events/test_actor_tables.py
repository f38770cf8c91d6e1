"""Actor tables: every CAMEO type code's sector, ICEWS role keywords, office-holder tenures.

Expected sectors are written out by hand from the documented policy (docstring of
``CAMEO_TYPE_SECTORS`` and docs/ingest.md: military first; police, judiciary, legislature
and intelligence are government; every other role is ``other``; a bare country code is the
state). The type codes come from GDELT's own lookup (``../shared/data/lookups``).
Tenures are ``start`` inclusive, ``end`` exclusive (``forecast.events.text.lexicon.Tenure``):
the last day in office is the day before ``end``.
"""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from forecast.events import read_tkg, resolve_actors, sector_of_role
from forecast.events.actors import cameo_actor_countries, cameo_actor_sectors, country_codes, country_field_codes, sector_of_sector_lists

# The documented sector of each CAMEO type code that is not "other".
STATE_TYPES = {"MIL": "MIL", "GOV": "GOV", "SPY": "GOV", "COP": "GOV", "JUD": "GOV", "LEG": "GOV"}

# The 39 distinct codes of GDELT's CAMEO.type.txt (moxious copy), used when ../shared is absent.
TYPE_CODES = (
    "COP GOV INS JUD MIL OPP REB SEP SPY UAF AGR BUS CRM CVL DEV EDU ELI ENV HLH HRI LAB LEG MED REF MOD RAD "
    "AMN IRC GRP UNO PKO UIS IGO IMG INT MNC NGM NGO SET"
).split()

OFFICE_HOLDERS = Path(__file__).resolve().parents[2] / "forecast" / "resources" / "actors" / "office_holders.csv"


def _sectors(codes: list[str], t1: list[str] | None = None, t2=None, t3=None) -> list[str]:
    blank = [""] * len(codes)
    types = pd.DataFrame({"t1": t1 or blank, "t2": t2 or blank, "t3": t3 or blank})
    return cameo_actor_sectors(pd.Series(codes), types).tolist()


def test_type_list_matches_gdelt_lookup(shared_data: Path) -> None:
    with open(shared_data / "lookups" / "gdelt_cameo_moxious" / "CAMEO.type.txt", encoding="utf-8") as handle:
        codes = {row["CODE"] for row in csv.DictReader(handle, delimiter="\t")}
    assert codes == set(TYPE_CODES)


@pytest.mark.parametrize("where", ["type1", "type2", "type3", "role_block", "bare_role"])
def test_every_cameo_type_code_maps_to_its_documented_sector(where: str) -> None:
    expected = [STATE_TYPES.get(code, "other") for code in TYPE_CODES]
    n = len(TYPE_CODES)
    if where == "role_block":  # CHNJUD: a role block after the country
        got = _sectors([f"CHN{c}" for c in TYPE_CODES])
    elif where == "bare_role":  # JUD: a role with no country
        got = _sectors(list(TYPE_CODES))
    else:  # the role in one of the three type columns only (blank actor code)
        columns = {"type1": 0, "type2": 1, "type3": 2}
        types = [[""] * n for _ in range(3)]
        types[columns[where]] = list(TYPE_CODES)
        got = _sectors([""] * n, *types)
    assert dict(zip(TYPE_CODES, got)) == dict(zip(TYPE_CODES, expected))


def test_military_wins_over_government_wherever_it_is_written() -> None:
    codes = ["CHNGOVMIL", "CHNJUDMIL", "USAMILGOV", "RUSCOP", "RUSGOV", "RUSGOV", "RUS", "RUS", "RUSBUS", "IGO", "BUS",
             "CHNOPP"]
    t1 = ["", "", "", "MIL", "", "BUS", "", "GOV", "", "", "", "OPP"]
    t3 = ["", "", "", "", "MIL", "", "", "", "", "", "JUD", ""]
    assert _sectors(codes, t1, None, t3) == [
        "MIL", "MIL", "MIL", "MIL", "MIL", "GOV", "state", "GOV", "other", "other", "GOV", "other",
    ]


# ICEWS sector strings as written in the genuine Dataverse sample (single sector each).
ICEWS_SECTORS = {
    "Military": "MIL",
    "Army": "MIL",
    "Navy": "MIL",
    "Air Force": "MIL",
    "Marines": "MIL",
    "Army Special Forces": "MIL",
    "Military Intelligence": "MIL",  # military first
    "Defense / Security Ministry": "MIL",
    "Government": "GOV",
    "Cabinet": "GOV",
    "Foreign Ministry": "GOV",
    "Intelligence Ministry": "GOV",
    "Police": "GOV",
    "Judicial": "GOV",  # judiciary is government
    "Legislative / Parliamentary": "GOV",
    "Justice / Law Ministry": "GOV",
    "Business": "other",
    "Media": "other",
    "Dissident": "other",
    "Legal": "other",  # lawyers, not the judiciary
    "General Population / Civilian / Social": "other",
}


def test_icews_single_sectors() -> None:
    got = sector_of_sector_lists(pd.Series(list(ICEWS_SECTORS)))
    assert dict(zip(ICEWS_SECTORS, got)) == ICEWS_SECTORS


# TKG "Role (Country)" roles as named in the genuine ICEWS18 entity list.
TKG_ROLES = {
    "Military Personnel": "MIL",
    "Naval": "MIL",
    "Army Chief of Staff": "MIL",
    "Military Judge": "MIL",  # military first
    "Defense / Security Ministry": "MIL",
    "Member of the Judiciary": "GOV",
    "Court Judge": "GOV",
    "Constitutional Court": "GOV",
    "Public Courts": "GOV",
    "Lower House of Parliament": "GOV",
    "Senate": "GOV",
    "Police": "GOV",
    "Intelligence": "GOV",
    "Head of Government": "GOV",
    "Defense Attorney": "other",  # a lawyer for the defence, not the military
    "Lawyer/Attorney": "other",
    "Citizen": "other",
    "Business": "other",
}


def test_tkg_roles() -> None:
    assert {role: sector_of_role(role) for role in TKG_ROLES} == TKG_ROLES
    names = pd.Series([f"{role} (China)" for role in TKG_ROLES])
    resolved = resolve_actors(names, pd.Series(pd.Timestamp("2018-06-01"), index=names.index))
    assert resolved["country"].tolist() == ["CHN"] * len(TKG_ROLES)
    assert dict(zip(TKG_ROLES, resolved["sector"])) == TKG_ROLES


# --------------------------------------------------------------------------------------
# Office-holder tenures: first day and last day in office, the day after not
# --------------------------------------------------------------------------------------


def _tenures() -> list[dict]:
    with open(OFFICE_HOLDERS, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["names"] = [row["person"], *(a for a in row["aliases"].split("|") if a)]
        row["start"] = date.fromisoformat(row["start"])
        row["end"] = date.fromisoformat(row["end"]) if row["end"] else None
    return rows


def _expected(tenures: list[dict], name: str, day: date) -> tuple[str, str] | None:
    """Country and sector of ``name`` on ``day`` by the tenure rule; None when ambiguous."""
    own = [t for t in tenures if name in t["names"]]
    covering = {(t["country"], t["sector"]) for t in own if t["start"] <= day and (t["end"] is None or day < t["end"])}
    if len(covering) == 1:
        return covering.pop()
    countries = {t["country"] for t in own}
    if not covering and len(countries) == 1:
        return countries.pop(), "other"
    return None


def _boundary_cases() -> list[tuple[str, date, tuple[str, str]]]:
    tenures = _tenures()
    cases = []
    for tenure in tenures:
        days = [tenure["start"], tenure["start"] - timedelta(days=1)]
        if tenure["end"] is not None:
            days += [tenure["end"] - timedelta(days=1), tenure["end"]]  # last day in office, the day after
        for name in tenure["names"]:
            for day in days:
                expected = _expected(tenures, name, day)
                if expected is not None:
                    cases.append((name, day, expected))
    return cases


def test_every_tenure_boundary_resolves_by_the_tenure_rule() -> None:
    cases = _boundary_cases()
    assert len(cases) > 500
    names = pd.Series([c[0] for c in cases])
    dates = pd.Series([pd.Timestamp(c[1]) for c in cases])
    resolved = resolve_actors(names, dates)
    got = list(zip(resolved["country"], resolved["sector"]))
    wrong = [(c[0], c[1].isoformat(), c[2], g) for c, g in zip(cases, got) if g != c[2]]
    assert not wrong, wrong[:10]


# Hand-picked from office_holders.csv, each written out.
@pytest.mark.parametrize(
    "name, day, expected",
    [
        ("Hu Jintao", "2003-03-15", ("CHN", "GOV")),  # first day
        ("Hu Jintao", "2013-03-13", ("CHN", "GOV")),  # last day
        ("Hu Jintao", "2013-03-14", ("CHN", "other")),  # Xi's first day
        ("Xi Jinping", "2013-03-13", ("CHN", "other")),
        ("Xi", "2013-03-14", ("CHN", "GOV")),
        ("Vladimir Putin", "2008-05-06", ("RUS", "GOV")),  # last day as president
        ("Putin", "2008-05-08", ("RUS", "GOV")),  # first day as prime minister
        ("Wang Yi", "2022-12-29", ("CHN", "GOV")),
        ("Wang Yi", "2022-12-30", ("CHN", "other")),  # Qin Gang's term
        ("Wang Yi", "2023-07-25", ("CHN", "GOV")),  # his second term
        ("Sergei Shoigu", "2024-05-11", ("RUS", "MIL")),
        ("Shoigu", "2024-05-12", ("RUS", "other")),
        ("Lloyd Austin", "2021-01-22", ("USA", "MIL")),
        ("Austin", "2021-01-21", ("USA", "other")),
    ],
)
def test_tenure_examples(name: str, day: str, expected: tuple[str, str]) -> None:
    resolved = resolve_actors(pd.Series([name]), pd.Series([pd.Timestamp(day)]))
    assert (resolved.loc[0, "country"], resolved.loc[0, "sector"]) == expected


def test_tenure_boundary_through_the_tkg_reader(tmp_path: Path) -> None:
    (tmp_path / "entity2id.txt").write_text("Hu Jintao\t0\nXi Jinping\t1\nRussia\t2\n")
    (tmp_path / "relation2id.txt").write_text("Make a visit\t0\n")
    # day 0 = 2013-03-13 (Hu's last day), day 1 = 2013-03-14 (Xi's first day)
    (tmp_path / "train.txt").write_text("0\t0\t2\t0\n0\t0\t2\t1\n1\t0\t2\t0\n1\t0\t2\t1\n")
    events = read_tkg(tmp_path, start_date="2013-03-13", time_unit="day").events.sort_values("source_line")
    assert list(zip(events["source_country"], events["source_sector"])) == [
        ("CHN", "GOV"), ("CHN", "other"), ("CHN", "other"), ("CHN", "GOV"),
    ]


def test_non_iso_country_codes_of_the_formats() -> None:
    # CAMEO/Phoenix KSV and legacy JAP (event-data-formats.md, "Country codes"), in the country
    # field or, when it is blank, as the actor code's first block; regions stay unresolved.
    countries = pd.Series(["KSV", "JAP", None, None, "EUR", "SRB"])
    codes = pd.Series(["KSV", "JAPGOV", "KSVMIL", "JAPBUS", "EUR", "SRB"])
    assert cameo_actor_countries(countries, codes).tolist() == ["XKX", "JPN", "XKX", "JPN", None, "SRB"]
    assert country_field_codes(pd.Series(["KOS", "KSV", "Kosovo", "XKX"])).tolist() == ["XKX"] * 4
    assert country_codes(pd.Series(["Kos", "KOS"])).tolist() == [None, None]  # an actor name: the Greek island
