"""CAMEO taxonomy (codes, roots, quad classes, Goldstein, PLOVER) and event families.

The code table is built by ``data/build_taxonomy.py`` from public lookups and shipped in
``forecast/resources/taxonomy/cameo.csv``. Families are defined in ``conf/taxonomy/*.yaml``
as OR-ed rules, so users can add one without code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError


@cache
def cameo_table() -> pd.DataFrame:
    """The CAMEO code table, indexed by ``cameo_code`` (strings with leading zeros).

    Returns
    -------
    pandas.DataFrame
        Columns ``root_code, quad_class, goldstein, icews_intensity, label, icews_name,
        plover_category, plover_mode, plover_context``.
    """
    path = resources.files("forecast") / "resources" / "taxonomy" / "cameo.csv"
    with resources.as_file(path) as file:
        table = pd.read_csv(file, dtype=str)
    for col in ("goldstein", "icews_intensity"):
        table[col] = table[col].astype(float)
    table["quad_class"] = table["quad_class"].astype(int)
    return table.set_index("cameo_code")


def _normalise_name(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9 ]", " ", text.lower())).strip()


@cache
def _code_by_event_text() -> dict[str, str]:
    table = cameo_table()
    names = table["icews_name"].dropna()
    return {_normalise_name(n): code for code, n in names.items()}


def codes_for_event_text(texts: pd.Series) -> pd.Series:
    """Map ICEWS event texts ("Make a visit") to CAMEO codes ("042").

    Matching ignores case and punctuation, as ICEWS and the TKG benchmarks write the same
    CAMEO names with different punctuation.

    Parameters
    ----------
    texts : pandas.Series
        Event texts.

    Returns
    -------
    pandas.Series
        CAMEO codes aligned with ``texts``; NA where the text is not a CAMEO name.
    """
    lookup = _code_by_event_text()
    unique = pd.Series(texts.dropna().unique())
    mapping = dict(zip(unique, unique.map(lambda t: lookup.get(_normalise_name(t)))))
    return texts.map(mapping).astype(object).where(lambda s: s.notna(), None)


def code_attributes(codes: pd.Series, *, intensity: str = "goldstein") -> pd.DataFrame:
    """Root code, quad class and Goldstein value for each CAMEO code.

    Parameters
    ----------
    codes : pandas.Series
        CAMEO codes as strings with leading zeros.
    intensity : {"goldstein", "icews_intensity"}
        Which value to report as ``goldstein``: GDELT's lookup or ICEWS's intensity
        (they differ for 016, 022, 164 and 165).

    Returns
    -------
    pandas.DataFrame
        Columns ``root_code, quad_class, goldstein`` aligned with ``codes``; NA for
        unknown codes.
    """
    table = cameo_table()
    known = codes.where(codes.isin(table.index))
    out = pd.DataFrame(index=codes.index)
    out["root_code"] = codes.str[:2]
    out["quad_class"] = pd.array(known.map(table["quad_class"]), dtype="Int8")
    out["goldstein"] = known.map(table[intensity]).astype(float)
    return out


@dataclass(frozen=True)
class FamilyRule:
    """One conjunctive rule: every non-empty condition must hold.

    Parameters
    ----------
    codes : tuple of str
        CAMEO code prefixes ("04" matches every consult code, "062" one code).
    quad_classes : tuple of int
        Allowed quad classes.
    sectors : tuple of str
        At least one side (source or target) must be in one of these sectors.
    """

    codes: tuple[str, ...] = ()
    quad_classes: tuple[int, ...] = ()
    sectors: tuple[str, ...] = ()

    def mask(self, events: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the events this rule admits."""
        keep = np.ones(len(events), dtype=bool)
        if self.codes:
            keep &= events["cameo_code"].str.startswith(tuple(self.codes)).to_numpy(dtype=bool)
        if self.quad_classes:
            keep &= events["quad_class"].isin(self.quad_classes).to_numpy(dtype=bool)
        if self.sectors:
            either = events["source_sector"].isin(self.sectors) | events["target_sector"].isin(self.sectors)
            keep &= either.to_numpy(dtype=bool)
        return keep


@dataclass(frozen=True)
class EventFamily:
    """A named set of events: the union of its rules."""

    name: str
    description: str
    rules: tuple[FamilyRule, ...] = field(default_factory=tuple)

    def mask(self, events: pd.DataFrame) -> np.ndarray:
        """Boolean mask of the events in this family."""
        keep = np.zeros(len(events), dtype=bool)
        for rule in self.rules:
            keep |= rule.mask(events)
        return keep


_RULE_KEYS = {"codes", "quad_classes", "sectors"}


def families_from_mapping(spec: Mapping[str, Mapping], where: str = "taxonomy.families") -> dict[str, EventFamily]:
    """Build event families from a plain mapping (the ``taxonomy.families`` config node).

    Parameters
    ----------
    spec : mapping
        ``{name: {"description": str, "any_of": [{"codes": [...], "quad_classes": [...],
        "sectors": [...]}, ...]}}``.
    where : str
        The config key of ``spec``, which errors name (``extra_families`` for a series
        spec's own families).

    Returns
    -------
    dict of str to EventFamily

    Raises
    ------
    ArgumentError
        Naming the family and key when a rule has an unknown key, an unknown code
        prefix, a code written as a number or an empty rule list (a ``ValueError`` too).
    """
    table = cameo_table()
    families = {}
    for name, body in spec.items():
        rules = []
        any_of: Sequence[Mapping] = body.get("any_of") or []
        if not any_of:
            raise ArgumentError(f"{where}.{name}", "'any_of' must list at least one rule.")
        for i, raw in enumerate(any_of):
            unknown = set(raw) - _RULE_KEYS
            if unknown:
                raise ArgumentError(
                    f"{where}.{name}.any_of[{i}]", f"unknown key(s) {sorted(unknown)}; allowed: {sorted(_RULE_KEYS)}."
                )
            numbers = [c for c in raw.get("codes", ()) if not isinstance(c, str)]
            if numbers:
                # YAML reads an unquoted 0312 as the octal number 202 (mass killings) and 023
                # as 19 (use force): a number cannot be trusted to be the code written.
                raise ArgumentError(
                    f"{where}.{name}.any_of[{i}].codes",
                    f"{numbers[0]!r} is a number, not a quoted code; "
                    "YAML reads unquoted codes with a leading zero as octal (0312 as 202) or drops the zero "
                    "(042 as 34). Quote every code ('0312', '19').",
                )
            codes = tuple(raw.get("codes", ()))
            for code in codes:
                if not any(k.startswith(code) for k in table.index):
                    raise ArgumentError(
                        f"{where}.{name}.any_of[{i}].codes",
                        f"{code!r} is not a CAMEO code prefix. Quote codes in YAML so leading zeros survive "
                        "('042', not 042).",
                    )
            rules.append(
                FamilyRule(
                    codes=codes,
                    quad_classes=tuple(int(q) for q in raw.get("quad_classes", ())),
                    sectors=tuple(str(s) for s in raw.get("sectors", ())),
                )
            )
        families[name] = EventFamily(name=name, description=str(body.get("description", "")), rules=tuple(rules))
    return families
