"""Family rules (conjunction inside a rule, union across rules), their config errors, and
the per-code lookups, on hand-built events with the values written out."""

from __future__ import annotations

import pandas as pd
import pytest
from omegaconf import OmegaConf

from forecast.events.taxonomy import codes_for_event_text, code_attributes, families_from_mapping

# Each event differs from the first in one field, so each condition of a rule is visible.
EVENTS = pd.DataFrame(
    {
        "cameo_code": ["042", "043", "042", "042", "190", "0421"],
        "quad_class": pd.array([1, 1, 3, 1, 4, 1], dtype="Int8"),
        "source_sector": ["MIL", "MIL", "MIL", "GOV", "GOV", "state"],
        "target_sector": ["state", "state", "state", "state", "MIL", "MIL"],
    }
)


def _family(**rule) -> list[bool]:
    family = families_from_mapping({"f": {"description": "d", "any_of": [rule]}})["f"]
    return family.mask(EVENTS).tolist()


@pytest.mark.parametrize(
    "rule, expected",
    [
        ({"codes": ["042"]}, [True, False, True, True, False, True]),  # a prefix: 0421 starts with 042
        ({"quad_classes": [1]}, [True, True, False, True, False, True]),
        ({"sectors": ["MIL"]}, [True, True, True, False, True, True]),  # either side
        ({"codes": ["042"], "quad_classes": [1]}, [True, False, False, True, False, True]),
        ({"quad_classes": [1], "codes": ["042"], "sectors": ["MIL"]}, [True, False, False, False, False, True]),
        ({"sectors": ["GOV"], "quad_classes": [4]}, [False, False, False, False, True, False]),
        ({"sectors": ["GOV"], "codes": ["04"]}, [False, False, False, True, False, False]),
    ],
)
def test_a_rule_is_the_conjunction_of_its_conditions(rule: dict, expected: list[bool]) -> None:
    assert _family(**rule) == expected


def test_a_family_is_the_union_of_its_rules() -> None:
    spec = {
        "visits": {
            "description": "visits by the military, or any material conflict",
            "any_of": [{"codes": ["042"], "sectors": ["MIL"]}, {"quad_classes": [4]}],
        }
    }
    family = families_from_mapping(spec)["visits"]
    assert (family.name, family.description) == ("visits", "visits by the military, or any material conflict")
    assert family.mask(EVENTS).tolist() == [True, False, True, False, True, True]
    rules = family.rules
    assert rules[0].codes == ("042",) and rules[0].sectors == ("MIL",) and rules[0].quad_classes == ()
    assert rules[1].quad_classes == (4,)
    assert families_from_mapping({"y": {"any_of": [{"quad_classes": ["2"]}]}})["y"].rules[0].quad_classes == (2,)
    assert families_from_mapping({"z": {"any_of": [{"codes": ["19"]}]}})["z"].description == ""


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"f": {"any_of": []}}, "taxonomy.families.f: 'any_of' must list at least one rule."),
        ({"f": {}}, "taxonomy.families.f: 'any_of' must list at least one rule."),
        (
            {"f": {"any_of": [{"codes": ["042"]}, {"code": ["042"], "sector": ["MIL"]}]}},
            "taxonomy.families.f.any_of[1]: unknown key(s) ['code', 'sector']; "
            "allowed: ['codes', 'quad_classes', 'sectors'].",
        ),
        (
            {"f": {"any_of": [{"codes": ["042", "42"]}]}},
            "taxonomy.families.f.any_of[0].codes: '42' is not a CAMEO code prefix. "
            "Quote codes in YAML so leading zeros survive ('042', not 042).",
        ),
        (
            {"f": {"any_of": [{"codes": ["042"]}, {"codes": ["19", 34]}]}},
            "taxonomy.families.f.any_of[1].codes: 34 is a number, not a quoted code; YAML reads unquoted codes "
            "with a leading zero as octal (0312 as 202) or drops the zero (042 as 34). Quote every code ('0312', '19').",
        ),
    ],
)
def test_family_config_errors_name_the_key_and_the_fix(spec: dict, message: str) -> None:
    with pytest.raises(ValueError) as err:
        families_from_mapping(spec)
    assert str(err.value) == message


def test_codes_for_event_text_ignore_case_and_punctuation() -> None:
    texts = pd.Series(
        ["Make a visit", "make a VISIT", "Appeal for diplomatic cooperation, such as policy support", "Nonsense", None],
        index=[10, 11, 12, 13, 14],
    )
    codes = codes_for_event_text(texts)
    assert codes.index.tolist() == [10, 11, 12, 13, 14]
    assert codes.tolist() == ["042", "042", "022", None, None]


def test_code_attributes_keep_the_index_and_types() -> None:
    codes = pd.Series(["042", "19", "nope"], index=[7, 3, 5])
    attrs = code_attributes(codes)
    assert attrs.index.tolist() == [7, 3, 5]
    assert str(attrs["quad_class"].dtype) == "Int8" and attrs["goldstein"].dtype == float
    assert attrs.loc[7].tolist() == ["04", 1, 1.9] and attrs.loc[3].tolist() == ["19", 4, -10.0]
    assert attrs.loc[5, "quad_class"] is pd.NA and pd.isna(attrs.loc[5, "goldstein"])


@pytest.mark.parametrize("written", ["0312", "023", "02", "19"])
def test_unquoted_yaml_codes_are_refused_not_misread(written: str) -> None:
    # Unquoted, 0312 loads as 202 (mass killings), 023 as 19 (use force), 02 as 2 (every 20x
    # code): all valid prefixes, so only refusing numbers keeps them from counting other events.
    spec = OmegaConf.to_container(OmegaConf.create(f"f: {{any_of: [{{codes: [{written}]}}]}}"))
    assert not isinstance(spec["f"]["any_of"][0]["codes"][0], str)
    with pytest.raises(ValueError, match=r"codes: \d+ is a number, not a quoted code"):
        families_from_mapping(spec)
    quoted = OmegaConf.to_container(OmegaConf.create(f"f: {{any_of: [{{codes: ['{written}']}}]}}"))
    assert families_from_mapping(quoted)["f"].rules[0].codes == (written,)
