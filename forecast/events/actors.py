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

import numpy as np
import pandas as pd
import pycountry

_ROLE_COUNTRY = re.compile(r"^(?P<role>.+?) \((?P<country>[^()]+)\)$")


#: Country codes of the event formats that are not ISO 3166 alpha-3, and the ISO3 (or, for
#: Kosovo, the user-assigned ``XKX`` that country_converter and our FIPS table use) they stand
#: for (event-data-formats.md): CAMEO/Phoenix ``KSV`` and POLECAT ``KOS`` for Kosovo, the
#: legacy CAMEO ``JAP`` for Japan. Without them these actors resolve to no country, and their
#: events to no dyad.
NON_ISO_CODES = {"KSV": "XKX", "KOS": "XKX", "JAP": "JPN"}


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
        The sector of the first keyword of ``role_sectors.csv`` that matches (``MIL`` or
        ``GOV``; military keywords first, after the few civilian phrases that contain a
        military word, such as "defense attorney"), otherwise ``other``.
    """
    lowered = role.lower()
    for pattern, sector in _role_patterns():
        if pattern.search(lowered):
            return sector
    return "other"


@cache
def _converter_table() -> pd.DataFrame:
    """country_converter's country table, imported and built on first use: a command that resolves no actor skips its ~0.4 s."""
    import country_converter as coco

    return coco.CountryConverter().data


@cache
def _country_names() -> dict[str, str]:
    """Lower-cased country name -> ISO3, from country_converter, pycountry and our spellings.

    Matching is exact: country_converter's regexes match substrings ("Bank of China",
    "Armed Forces of the Russian Federation"), which would turn organisations into states.
    """
    names: dict[str, str] = {}
    data = _converter_table()
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


def country_field_codes(values: pd.Series) -> pd.Series:
    """ISO3 of a country *field* (POLECAT's ``Actor Country``): names, ISO3 or the codes of :data:`NON_ISO_CODES`.

    The non-ISO codes are taken only in such fields, never in actor names, where
    ``"Kos"`` is a Greek island rather than Kosovo.
    """
    return country_codes(values.replace(NON_ISO_CODES))


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


# --- CAMEO actor codes (GDELT), ICEWS sector strings, FIPS geography codes -------------------

CAMEO_TYPE_SECTORS: tuple[tuple[str, str], ...] = (
    ("MIL", "MIL"),
    ("GOV", "GOV"),
    ("SPY", "GOV"),
    ("COP", "GOV"),
    ("JUD", "GOV"),
    ("LEG", "GOV"),
)
"""CAMEO role/type codes that make an actor state military or government (first match wins,
military first). Police, judiciary, legislature and intelligence count as government, as in
``role_sectors.csv``; every other role code (BUS, MED, REB, ...) is ``other``."""


@cache
def _iso3_codes() -> frozenset[str]:
    return frozenset(_converter_table()["ISO3"].dropna())


def cameo_actor_sectors(actor_codes: pd.Series, type_codes: pd.DataFrame) -> pd.Series:
    """Sector of CAMEO-coded actors from the actor code and its type codes.

    Parameters
    ----------
    actor_codes : pandas.Series
        Raw CAMEO actor codes such as ``"CHNMIL"``, ``"USAGOV"``, ``"RUS"`` or ``"GOV"``.
    type_codes : pandas.DataFrame
        The actor's ``Type1Code``, ``Type2Code``, ``Type3Code`` columns, aligned.

    Returns
    -------
    pandas.Series
        ``MIL`` or ``GOV`` when a role block of the code or a type code says so
        (military first), ``state`` for a bare 3-letter country code, else ``other``.
    """
    codes = actor_codes.fillna("").astype(str)
    iso3 = _iso3_codes()
    ranked = [r for r, _ in CAMEO_TYPE_SECTORS]
    # Role blocks are parsed once per distinct code (few thousand), not once per row.
    unique = pd.Series(codes.unique())
    roles = unique.str[3:].where(unique.str[:3].isin(iso3), unique).str.findall(r"...")
    first_role = roles.map(lambda blocks: next((r for r in ranked if r in blocks), None))
    rank = codes.map(dict(zip(unique, first_role.map(lambda r: ranked.index(r) if r else len(ranked)))))
    for col in type_codes.columns:
        typed = type_codes[col].map({r: i for i, r in enumerate(ranked)}).fillna(len(ranked))
        rank = np.minimum(rank, typed.to_numpy())
    sectors = np.array([s for _, s in CAMEO_TYPE_SECTORS] + ["other"], dtype=object)
    out = pd.Series(sectors[np.asarray(rank, dtype=int)], index=codes.index, dtype=object)
    bare = codes.str.len().eq(3) & codes.isin(iso3) & out.eq("other")
    out[bare] = "state"
    return out


def cameo_actor_countries(country_codes: pd.Series, actor_codes: pd.Series) -> pd.Series:
    """ISO3 country of CAMEO-coded actors.

    Parameters
    ----------
    country_codes : pandas.Series
        ``Actor1CountryCode``-style 3-letter CAMEO country codes (ISO3 for states, and the
        codes of :data:`NON_ISO_CODES`).
    actor_codes : pandas.Series
        The full actor codes; their first block is used when the country field is blank.

    Returns
    -------
    pandas.Series
        ISO3 codes; NA for regions and groups (``EUR``, ``AFR``, ``IGO``...) and blanks.
    """
    iso3 = _iso3_codes()
    country = country_codes.replace(NON_ISO_CODES)
    country = country.where(country.isin(iso3))
    from_code = actor_codes.fillna("").astype(str).str[:3].replace(NON_ISO_CODES)
    country = country.where(country.notna(), from_code.where(from_code.isin(iso3)))
    return country.astype(object).where(country.notna(), None)


@cache
def fips_table() -> pd.Series:
    """FIPS 10-4 country code -> ISO3 (GeoNames, CC BY 4.0; see resources/geo/ATTRIBUTION.md)."""
    path = resources.files("forecast") / "resources" / "geo" / "fips10_4.csv"
    with resources.as_file(path) as file:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
    return table.set_index("fips")["iso3"]


def iso3_from_fips(codes: pd.Series) -> pd.Series:
    """Convert GDELT ``*Geo_CountryCode`` FIPS 10-4 codes to ISO3 (``CH`` -> ``CHN``).

    Parameters
    ----------
    codes : pandas.Series
        Two-letter FIPS codes; blanks and unknown codes give NA.

    Returns
    -------
    pandas.Series
    """
    mapped = codes.map(fips_table())
    return mapped.astype(object).where(mapped.notna(), None)


def sector_of_sector_lists(sectors: pd.Series) -> pd.Series:
    """Sector of ICEWS actors from their comma-separated sector lists.

    ICEWS writes lists such as ``"Executive,Foreign Ministry,Government"``, in varying
    order and sometimes quoted. The list is normalised (quotes stripped, split, sorted)
    and matched with :func:`sector_of_role` keywords, military first.

    Parameters
    ----------
    sectors : pandas.Series
        Sector lists; empty or NA for country-level actors.

    Returns
    -------
    pandas.Series
        ``MIL``, ``GOV`` or ``other``; NA where the list is empty.
    """
    text = sectors.fillna("").astype(str).str.replace('"', "", regex=False).str.strip()
    unique = pd.Series(text.unique())
    normalised = unique.str.split(",").map(lambda parts: ",".join(sorted(p.strip() for p in parts if p.strip())))
    lookup = dict(zip(unique, normalised.map(lambda s: sector_of_role(s) if s else None)))
    out = text.map(lookup)
    return out.astype(object).where(out.notna(), None)

