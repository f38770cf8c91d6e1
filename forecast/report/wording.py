"""Words for report text derived from the data: frequencies, horizons, countries, series.

Nothing here is specific to one experiment: a weekly dyad panel reads "weekly" and "8
weeks", a yearly panel of dyad-years reads "yearly" and "3 years".
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

# pandas offset prefixes (W-SUN, QS-JAN, YE-DEC, MS, ...) -> adjective, unit.
_FREQUENCIES = (
    (("D", "B"), "daily", "day"),
    (("W",), "weekly", "week"),
    (("M", "SM", "BM"), "monthly", "month"),
    (("Q", "BQ"), "quarterly", "quarter"),
    (("A", "Y", "BA", "BY"), "yearly", "year"),
)


def _frequency(freq: str) -> tuple[str, str]:
    base = re.sub(r"^\d+", "", str(freq)).split("-")[0].upper()
    base = re.sub(r"(S|E)$", "", base) or base  # MS, ME, QS, YE -> M, Q, Y
    for prefixes, adjective, unit in _FREQUENCIES:
        if base in prefixes:
            return adjective, unit
    return f"{freq}-periodic", "period"


def frequency_adjective(freq: str) -> str:
    """``W-SUN`` -> ``weekly``, ``YS``/``A-DEC`` -> ``yearly``, ``MS`` -> ``monthly``."""
    return _frequency(freq)[0]


def period_unit(freq: str, n: int = 1) -> str:
    """The period's unit, plural for ``n != 1``: ``("W-SUN", 8)`` -> ``weeks``."""
    unit = _frequency(freq)[1]
    return unit if n == 1 else f"{unit}s"


def horizon_words(h: int, freq: str) -> str:
    """``(8, "W-SUN")`` -> ``8 weeks``; ``(1, "YS")`` -> ``1 year``."""
    return f"{h} {period_unit(freq, h)}"


def horizon_adjective(h: int, freq: str) -> str:
    """Hyphenated horizon used before a noun: ``8-week``, ``3-year``."""
    return f"{h}-{period_unit(freq, 1)}"


@lru_cache(maxsize=1)
def _converter():
    import country_converter  # imported when a name is needed: loading its table takes about a second

    return country_converter.CountryConverter()


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    """Short English name of an ISO3 code (``CHN`` -> ``China``); other text comes back unchanged."""
    if not re.fullmatch(r"[A-Z]{3}", code):
        return code
    converter = _converter()
    if code not in set(converter.data["ISO3"]):
        return code
    return str(converter.convert(code, src="ISO3", to="name_short"))


def dyad_name(dyad: str) -> str:
    """``CHN-RUS`` -> ``China–Russia`` (en dash), directed ``CHN>RUS`` -> ``China → Russia``; other text is kept."""
    for sep, joiner in (("-", "–"), (">", " → ")):
        parts = dyad.split(sep)
        if len(parts) == 2 and all(re.fullmatch(r"[A-Z]{3}", p) for p in parts):
            return joiner.join(country_name(p) for p in parts)
    return dyad


def family_name(family: str) -> str:
    """``military_contact`` -> ``military contact``; ``a|b`` -> ``a or b``; ``a&b`` -> ``a and b``."""
    return family.replace("_", " ").replace("|", " or ").replace("&", " and ")


def split_series_id(unique_id: str) -> tuple[str, str | None]:
    """``CHN-RUS/cooperation`` -> ``("CHN-RUS", "cooperation")``; an id without ``/`` -> ``(id, None)``."""
    dyad, sep, family = str(unique_id).rpartition("/")
    return (dyad, family) if sep and dyad and family else (str(unique_id), None)


def series_name(unique_id: str) -> str:
    """``CHN-RUS/military_contact`` -> ``China–Russia military contact``; ``CHN-USA`` -> ``China–United States``."""
    dyad, family = split_series_id(unique_id)
    return f"{dyad_name(dyad)} {family_name(family)}" if family else dyad_name(dyad)


def date_words(ds: pd.Timestamp, freq: str) -> str:
    """A period label at the frequency's resolution: ``2021``, ``2021-08``, ``2021-08-30``."""
    ds = pd.Timestamp(ds)
    unit = period_unit(freq)
    if unit == "year":
        return f"{ds.year}"
    if unit == "quarter":
        return f"{ds.year} Q{ds.quarter}"
    if unit == "month":
        return ds.strftime("%Y-%m")
    return ds.strftime("%Y-%m-%d")
