"""Actor resolution step by step (docstring of forecast.events.actors), with hand values,
and the packaged actor tables as loaded from the package."""

from __future__ import annotations

import pandas as pd

from forecast.events import resolve_actors
from forecast.events.actors import _resource, cameo_actor_sectors, country_codes, sector_of_sector_lists

# name -> (country, sector) on 2018-06-01, by the documented order of the steps
CASES = {
    "Military (China)": ("CHN", "MIL"),  # 1. Role (Country)
    "Government (Russia)": ("RUS", "GOV"),
    "Citizen (United States)": ("USA", "other"),
    "Military (Atlantis)": (None, None),  # a role of no known country
    "China": ("CHN", "state"),  # 2. a country name
    "Russian Federation": ("RUS", "state"),
    "united states": ("USA", "state"),  # names are matched case-blind
    "Turkey": ("TUR", "state"),  # from country_spellings.csv
    "Xi Jinping": ("CHN", "GOV"),  # 3. an office holder in office on the date
    "Barack Obama": ("USA", "other"),  # out of office on the date
    "People's Liberation Army": ("CHN", "MIL"),  # 4. an alias
    "PEOPLE'S LIBERATION ARMY": ("CHN", "MIL"),
    "Bank of China": (None, None),  # an organisation named after a country stays unresolved
    "Unspecified Actor": (None, None),
}


def test_each_resolution_step() -> None:
    names = pd.Series(list(CASES) + [None], index=range(100, 100 + len(CASES) + 1))
    dates = pd.Series(pd.Timestamp("2018-06-01"), index=names.index)
    resolved = resolve_actors(names, dates)
    assert list(resolved.columns) == ["country", "sector"]
    assert resolved.index.tolist() == names.index.tolist()
    got = dict(zip(names, zip(resolved["country"], resolved["sector"])))
    assert got == {**CASES, None: (None, None)}
    # missing values are None, not NaN
    assert all(v is None for v in resolved.loc[names.isin(["Bank of China", None]).to_numpy()].to_numpy().ravel())


def test_repeated_names_on_different_dates() -> None:
    names = pd.Series(["Hu Jintao", "China", "Hu Jintao", "China"])
    dates = pd.Series(pd.to_datetime(["2013-03-13", "2013-03-13", "2013-03-14", "2013-03-14"]))
    resolved = resolve_actors(names, dates)
    assert list(zip(resolved["country"], resolved["sector"])) == [
        ("CHN", "GOV"), ("CHN", "state"), ("CHN", "other"), ("CHN", "state"),
    ]


def test_country_codes_keep_the_index_and_give_none() -> None:
    names = pd.Series(["China", "Bank of China", None, " Russia ", "USA"], index=list("abcde"))
    codes = country_codes(names)
    assert codes.index.tolist() == list("abcde")
    assert codes.tolist() == ["CHN", None, None, "RUS", "USA"]
    assert codes["b"] is None and codes["c"] is None


def test_sector_lists_normalisation() -> None:
    lists = pd.Series(['""', ",", " Military , Government ", "Government,,", None], index=[5, 6, 7, 8, 9])
    sectors = sector_of_sector_lists(lists)
    assert sectors.index.tolist() == [5, 6, 7, 8, 9]
    assert sectors.tolist() == [None, None, "MIL", "GOV", None]


def test_cameo_sectors_keep_the_index() -> None:
    codes = pd.Series(["RUS", "CHNMIL", "BUS"], index=[30, 10, 20])
    types = pd.DataFrame({"t1": ["", "", ""]}, index=codes.index)
    sectors = cameo_actor_sectors(codes, types)
    assert sectors.index.tolist() == [30, 10, 20]
    assert sectors.tolist() == ["state", "MIL", "other"]


def test_packaged_tables_load_as_text() -> None:
    holders = _resource("office_holders.csv")
    assert list(holders.columns) == ["person", "aliases", "country", "role", "sector", "start", "end", "note"]
    assert (holders.dtypes == object).all()
    # blanks stay empty strings (a running term), never NaN
    assert holders.loc[holders["person"] == "Xi Jinping", "end"].tolist() == [""]
    assert not holders.isna().any().any()
    roles = _resource("role_sectors.csv")
    assert list(roles.columns) == ["pattern", "sector"]
    assert set(roles["sector"]) == {"MIL", "GOV", "other"}
    aliases = _resource("aliases.csv")
    assert list(aliases.columns) == ["alias", "country", "sector"]
    assert aliases.set_index("alias").loc["People's Liberation Army"].tolist() == ["CHN", "MIL"]
    spellings = _resource("country_spellings.csv")
    assert spellings.set_index("spelling").loc["Turkey", "iso3"] == "TUR"


def test_nothing_resolves() -> None:
    names = pd.Series(["Bank of China", "Unspecified Actor"])
    resolved = resolve_actors(names, pd.Series(pd.Timestamp("2018-06-01"), index=names.index))
    assert list(resolved.columns) == ["country", "sector"]
    assert resolved.to_numpy().tolist() == [[None, None], [None, None]]
