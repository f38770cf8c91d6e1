"""Resolve actor strings to a country (ISO3) and a sector (state, GOV, MIL, other).

Resolution order for one actor string, first match wins:

1. an ICEWS/TKG sector actor "Role (Country)" ("Military (China)") -> (ISO3, sector of Role);
2. a country name, matched exactly in country_converter's and pycountry's name tables plus
   ``resources/actors/country_spellings.csv`` ("Russian Federation") -> (ISO3, state);
3. an office holder in the dated dictionary, in office on the event date -> (ISO3, role sector);
   the same person out of office -> (ISO3, other);
4. an alias (institution, capital, demonym) from ``resources/actors/aliases.csv``.

Anything else stays unresolved: country and sector are NA and the raw string is kept.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import country_converter as coco
import pandas as pd
import pycountry

_ROLE_COUNTRY = re.compile(r"^(?P<role>.+?) \((?P<country>[^()]+)\)$")


def _resource(name: str) -> pd.DataFrame:
    path = resources.files("forecast") / "resources" / "actors" / name
    with resources.as_file(path) as file:
        return pd.read_csv(file, dtype=str, keep_default_na=False)


@cache
def office_holders() -> pd.DataFrame:
    """Dated dictionary of office holders, one row per (alias, tenure).

    Returns
    -------
    pandas.DataFrame
        Columns ``alias, person, country, role, sector, start, end``; ``end`` is
        ``2262-01-01`` for a term still running.
    """
    table = _resource("office_holders.csv")
    table["alias"] = table["person"] + "|" + table["aliases"]
    table = table.assign(alias=table["alias"].str.split("|")).explode("alias")
    table = table[table["alias"].str.len() > 0]
    table["start"] = pd.to_datetime(table["start"])
    table["end"] = pd.to_datetime(table["end"].replace("", "2262-01-01"))
    return table[["alias", "person", "country", "role", "sector", "start", "end"]].reset_index(drop=True)


@cache
def _role_patterns() -> list[tuple[re.Pattern[str], str]]:
    table = _resource("role_sectors.csv")
    return [(re.compile(rf"\b{re.escape(p)}\b"), s) for p, s in zip(table["pattern"], table["sector"])]


@cache
def _aliases() -> dict[str, tuple[str, str]]:
    try:
        table = _resource("aliases.csv")
    except FileNotFoundError:
        return {}
    return {a.lower(): (c, s) for a, c, s in zip(table["alias"], table["country"], table["sector"])}


def sector_of_role(role: str) -> str:
    """Map an ICEWS role or sector string to a sector.

    Parameters
    ----------
    role : str
        For example ``"Defense / Security Ministry"`` or ``"Foreign Affairs"``.

    Returns
    -------
    str
        ``MIL`` or ``GOV`` when a keyword of ``role_sectors.csv`` matches (first match
        wins, military keywords first), otherwise ``other``.
    """
    lowered = role.lower()
    for pattern, sector in _role_patterns():
        if pattern.search(lowered):
            return sector
    return "other"


@cache
def _country_names() -> dict[str, str]:
    """Lower-cased country name -> ISO3, from country_converter, pycountry and our spellings.

    Matching is exact: country_converter's regexes match substrings ("Bank of China",
    "Armed Forces of the Russian Federation"), which would turn organisations into states.
    """
    names: dict[str, str] = {}
    data = coco.CountryConverter().data
    for column in ("name_short", "name_official", "ISO3"):
        names.update({str(n).lower(): iso3 for n, iso3 in zip(data[column], data["ISO3"])})
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name", "alpha_3"):
            value = getattr(country, attribute, None)
            if value:
                names[value.lower()] = country.alpha_3
    spellings = _resource("country_spellings.csv")
    names.update({s.lower(): iso3 for s, iso3 in zip(spellings["spelling"], spellings["iso3"])})
    return names


def country_codes(names: pd.Series) -> pd.Series:
    """Convert country names (any spelling the name tables know) or ISO3 codes to ISO3.

    Parameters
    ----------
    names : pandas.Series
        Country names such as ``"China"``, ``"Russian Federation"``, ``"United States"``.

    Returns
    -------
    pandas.Series
        ISO3 codes aligned with ``names``; NA where the whole string is not one country
        (organisations named after a country, like "Bank of China", stay unresolved).
    """
    lookup = _country_names()
    unique = names.dropna().unique()
    mapping = {name: lookup.get(name.strip().lower()) for name in unique}
    return names.map(mapping).astype(object).where(lambda s: s.notna(), None)


def _resolve_static(names: pd.Series) -> pd.DataFrame:
    """Date-free resolution (steps 1, 2 and 4) of unique actor names."""
    out = pd.DataFrame({"country": None, "sector": None}, index=names.index, dtype=object)
    parts = names.str.extract(_ROLE_COUNTRY)
    has_role = parts["role"].notna()

    role_country = country_codes(parts.loc[has_role, "country"]).dropna()
    out.loc[role_country.index, "country"] = role_country
    out.loc[role_country.index, "sector"] = parts.loc[role_country.index, "role"].map(sector_of_role)

    as_country = country_codes(names[~has_role]).dropna()
    out.loc[as_country.index, "country"] = as_country
    out.loc[as_country.index, "sector"] = "state"

    aliases = _aliases()
    if aliases:
        todo = out["country"].isna()
        hits = names[todo].str.lower().map(aliases).dropna()
        out.loc[hits.index, "country"] = hits.str[0]
        out.loc[hits.index, "sector"] = hits.str[1]
    return out


def resolve_actors(names: pd.Series, dates: pd.Series) -> pd.DataFrame:
    """Resolve actor strings on their event dates to country and sector.

    Parameters
    ----------
    names : pandas.Series
        Actor strings as written in the input.
    dates : pandas.Series
        Event dates aligned with ``names`` (office-holder tenure depends on them).

    Returns
    -------
    pandas.DataFrame
        Columns ``country`` and ``sector`` aligned with ``names``; both NA for an
        unresolved actor.
    """
    frame = pd.DataFrame({"name": names.values, "date": pd.to_datetime(dates).values})
    unique_names = pd.Series(frame["name"].dropna().unique())
    static = _resolve_static(unique_names)
    static.index = unique_names.values
    resolved = static.reindex(frame["name"].values).reset_index(drop=True)

    holders = office_holders()
    person_rows = frame["name"].isin(set(holders["alias"])) & resolved["country"].isna().values
    if person_rows.any():
        people = frame.loc[person_rows].reset_index()
        matched = people.merge(holders, left_on="name", right_on="alias", how="left")
        matched["in_office"] = (matched["date"] >= matched["start"]) & (matched["date"] < matched["end"])
        # Prefer the tenure that covers the date; out of office keeps the country, sector other.
        matched = matched.sort_values(["index", "in_office"], ascending=[True, False])
        best = matched.drop_duplicates("index").set_index("index")
        resolved.loc[best.index, "country"] = best["country"]
        resolved.loc[best.index, "sector"] = best["sector"].where(best["in_office"], "other")
    resolved.index = names.index
    return resolved.astype(object).where(resolved.notna(), None)
