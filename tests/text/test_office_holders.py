"""The dated office-holder dictionary: integrity, coverage 2012-2025, and spot checks."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.events.actors import office_holders, resolve_actors

COUNTRIES = ("CHN", "RUS", "USA", "BLR", "JPN", "KOR", "PRK", "IND", "UKR")
ROLES = ("head_of_state", "head_of_government", "foreign_minister", "defence_minister")
# Vacancies longer than a month that the table leaves open on purpose: offices held by
# acting officials not listed, an office that does not exist, or dates not known well enough.
# Shorter gaps (a few days between a resignation and an appointment) are allowed.
KNOWN_GAPS = {
    ("USA", "head_of_government"): ("2012-01-01", "2025-10-31"),  # the president heads the government
    ("CHN", "defence_minister"): ("2023-10-24", "2023-12-29"),
    ("KOR", "head_of_state"): ("2017-03-10", "2017-05-10"),
    ("KOR", "head_of_state", 2): ("2025-04-04", "2025-06-04"),
    ("KOR", "head_of_government"): ("2015-04-27", "2015-06-18"),
    ("KOR", "head_of_government", 2): ("2025-05-01", "2025-07-03"),
    ("KOR", "defence_minister"): ("2024-12-05", "2025-07-25"),
    ("PRK", "defence_minister"): ("2012-01-01", "2012-11-29"),
    ("PRK", "defence_minister", 2): ("2015-04-30", "2015-07-01"),
    ("PRK", "defence_minister", 3): ("2021-06-30", "2025-10-31"),
}
MAX_GAP = pd.Timedelta(days=31)
FIRST, LAST = pd.Timestamp("2012-01-01"), pd.Timestamp("2025-10-31")


def _rows() -> pd.DataFrame:
    return office_holders().drop_duplicates(["person", "country", "role", "start"])


def test_tenures_are_well_formed() -> None:
    table = _rows()
    assert (table["start"] < table["end"]).all()
    assert set(table["sector"]) <= {"GOV", "MIL"}
    assert set(table.loc[table["role"] == "defence_minister", "sector"]) == {"MIL"}
    assert set(table.loc[table["role"] == "foreign_minister", "sector"]) == {"GOV"}


@pytest.mark.parametrize("country", COUNTRIES)
def test_no_overlapping_terms_in_one_office(country: str) -> None:
    table = _rows()
    for role in ROLES:
        terms = table[(table["country"] == country) & (table["role"] == role)].sort_values("start")
        starts, ends = terms["start"].to_numpy(), terms["end"].to_numpy()
        assert (starts[1:] >= ends[:-1]).all(), (country, role)


def _gaps(terms: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    gaps, covered_to = [], FIRST
    for start, end in sorted(zip(terms["start"], terms["end"], strict=True)):
        if start > covered_to and end > FIRST:
            gaps.append((covered_to, start))
        covered_to = max(covered_to, end)
    if covered_to < LAST:
        gaps.append((covered_to, LAST))
    return gaps


@pytest.mark.parametrize("country", COUNTRIES)
def test_offices_are_covered_2012_to_2025(country: str) -> None:
    table = _rows()
    known = {(k[0], k[1], pd.Timestamp(v[0]), pd.Timestamp(v[1])) for k, v in KNOWN_GAPS.items()}
    for role in ROLES:
        terms = table[(table["country"] == country) & (table["role"] == role)]
        long_gaps = {(country, role, s, e) for s, e in _gaps(terms) if e - s > MAX_GAP}
        assert long_gaps <= known, sorted(long_gaps - known)


@pytest.mark.parametrize(
    ("name", "date", "country", "sector"),
    [
        ("Fumio Kishida", "2015-06-01", "JPN", "GOV"),  # foreign minister
        ("Taro Kono", "2020-01-01", "JPN", "MIL"),  # defence minister
        ("Rajnath Singh", "2024-01-01", "IND", "MIL"),
        ("Subrahmanyam Jaishankar", "2020-01-01", "IND", "GOV"),
        ("Volodymyr Zelensky", "2019-04-01", "UKR", "other"),  # not yet president
        ("Denys Shmyhal", "2025-08-01", "UKR", "MIL"),  # defence minister from July 2025
        ("Choe Son-hui", "2023-01-01", "PRK", "GOV"),
        ("Yoon Suk Yeol", "2025-05-01", "KOR", "other"),  # removed from office
        ("Maxim Ryzhenkov", "2024-06-01", "BLR", "GOV"),
    ],
)
def test_spot_checks(name: str, date: str, country: str, sector: str) -> None:
    resolved = resolve_actors(pd.Series([name]), pd.Series([date]))
    assert (resolved.loc[0, "country"], resolved.loc[0, "sector"]) == (country, sector)
