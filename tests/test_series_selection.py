"""Dyad selection (pairs, country lists, top-N), direction, sector filters and family expressions."""

from __future__ import annotations

import pandas as pd
import pytest

from forecast.errors import ArgumentError
from forecast.events import families_from_mapping
from forecast.series import SeriesSpec, build_panel
from tests.event_tables import coverage, event_table, series

FAMILIES = families_from_mapping(
    {
        "all": {"any_of": [{"quad_classes": [1, 2, 3, 4]}]},
        "cooperation": {"any_of": [{"quad_classes": [1, 2]}]},
        "conflict": {"any_of": [{"quad_classes": [3, 4]}]},
        "military": {"any_of": [{"sectors": ["MIL"]}]},
    }
)
W1 = pd.Timestamp("2018-01-01")
COVER = coverage(("hand", "2018-01-01", "2018-01-07"))
EVENTS = event_table(
    [
        ("2018-01-01", "CHN", "state", "RUS", "state", "042", 4),  # coop
        ("2018-01-02", "RUS", "MIL", "CHN", "MIL", "062", 2),  # coop, military both sides
        ("2018-01-02", "CHN", "GOV", "RUS", "MIL", "112", 1),  # conflict, military one side
        ("2018-01-03", "USA", "state", "CHN", "state", "042", 3),  # coop
        ("2018-01-03", "USA", "MIL", "RUS", "GOV", "190", 5),  # conflict, military one side
        ("2018-01-04", "GBR", "state", "USA", "state", "042", 6),  # coop
        ("2018-01-04", "IND", "state", "IND", "GOV", "042", 50),  # domestic: never a dyad
        ("2018-01-05", "CHN", "other", "USA", "state", "042", 9),  # non-official source
    ]
)


def build(**kwargs) -> pd.DataFrame:
    kwargs.setdefault("families", ["all"])
    return build_panel(EVENTS, SeriesSpec(**kwargs), FAMILIES, COVER)


def totals(panel: pd.DataFrame) -> dict:
    return panel.groupby("unique_id")["y"].sum().to_dict()


def test_all_pairs_among_a_country_list():
    assert totals(build(countries=["CHN", "RUS", "USA"])) == {
        "CHN-RUS/all": 7.0,  # 4 + 2 + 1
        "CHN-USA/all": 3.0,  # the "other"-sector event is not official
        "RUS-USA/all": 5.0,
    }


def test_directed_country_list_gives_both_orders():
    assert totals(build(countries=["CHN", "RUS"], directed=True)) == {"CHN>RUS/all": 5.0, "RUS>CHN/all": 2.0}


def test_explicit_pairs_and_country_list_are_joined_without_repeats():
    panel = build(dyads=[("RUS", "CHN"), ("GBR", "USA")], countries=["CHN", "RUS"])
    assert sorted(panel["dyad"].unique()) == ["CHN-RUS", "GBR-USA"]


def test_top_n_pairs_by_volume_ignores_domestic_events():
    assert list(build(top_n=2)["dyad"].unique()) == ["CHN-RUS", "GBR-USA"]  # 7 and 6 events; IND-IND excluded
    # Among a candidate list, and by the volume of the chosen family only.
    assert list(build(countries=["CHN", "RUS", "USA"], top_n=1, families=["conflict"])["dyad"].unique()) == ["RUS-USA"]


def test_either_sector_keeps_events_with_military_on_one_side():
    panel = build(countries=["CHN", "RUS", "USA"], either_sector=["MIL"])
    assert totals(panel) == {"CHN-RUS/all": 3.0, "CHN-USA/all": 0.0, "RUS-USA/all": 5.0}  # 2 + 1; 5
    both_military = build(countries=["CHN", "RUS"], sectors=["MIL"])
    assert totals(both_military) == {"CHN-RUS/all": 2.0}


def test_either_sector_outside_sectors_is_refused():
    with pytest.raises(ArgumentError, match=r"^either_sector: \['MIL'\] is not in series.sectors"):
        SeriesSpec(countries=["CHN", "RUS"], families=["all"], sectors=["state"], either_sector=["MIL"])


def test_family_union_and_intersection():
    panel = build(countries=["CHN", "RUS"], families=["cooperation|conflict", "cooperation&military", "conflict & military|cooperation"])
    assert totals(panel) == {
        "CHN-RUS/cooperation|conflict": 7.0,
        "CHN-RUS/cooperation&military": 2.0,
        "CHN-RUS/conflict & military|cooperation": 7.0,  # (1) or (4 + 2)
    }


def test_families_defined_in_the_series_config():
    extra = {"consult": {"description": "CAMEO 04", "any_of": [{"codes": ["04"]}]}}
    panel = build(countries=["CHN", "RUS"], families=["consult"], extra_families=extra)
    assert series(panel, "CHN-RUS/consult") == {W1: 4.0}
    with pytest.raises(ArgumentError, match=r"^extra_families: \['all'\] repeat taxonomy families"):
        build(countries=["CHN", "RUS"], extra_families={"all": extra["consult"]})


def test_no_dyad_selection_is_refused():
    with pytest.raises(ArgumentError, match="^dyads: no dyads selected; set series.dyads, series.countries"):
        SeriesSpec(families=["all"])


def test_panel_carries_metadata():
    panel = build(dyads=[("CHN", "RUS")], families=["cooperation"])
    row = panel.iloc[0]
    assert (row["unique_id"], row["dyad"], row["source"], row["target"], row["family"], row["measure"], row["freq"]) == (
        "CHN-RUS/cooperation", "CHN-RUS", "CHN", "RUS", "cooperation", "count", "W-SUN"
    )


def test_top_n_ranks_only_among_the_listed_countries():
    # Overall CHN-RUS leads (7 events), but among USA, CHN and GBR the pairs are
    # GBR-USA (6) and CHN-USA (3; the non-official 9 is not admitted): GBR-USA.
    assert list(build(countries=["USA", "CHN", "GBR"], top_n=1)["dyad"].unique()) == ["GBR-USA"]


def test_directed_top_n_ranks_each_direction_on_its_own():
    # Directed volumes: GBR>USA 6, CHN>RUS 4 + 1 = 5, USA>RUS 5, USA>CHN 3, RUS>CHN 2.
    # Undirected, CHN-RUS (7) would lead instead.
    assert list(build(top_n=1, directed=True)["dyad"].unique()) == ["GBR>USA"]


def test_family_mask_names_an_unknown_family_and_the_fix():
    from forecast.series.selection import family_mask

    with pytest.raises(KeyError) as caught:
        family_mask(EVENTS, "cooperation|naval & conflict", FAMILIES)
    assert caught.value.args[0] == (
        "family expression 'cooperation|naval & conflict' names unknown family ['naval']; "
        "defined: ['all', 'conflict', 'cooperation', 'military']. "
        "Add it to conf/taxonomy/*.yaml or to the extra families."
    )


def test_build_panel_names_an_unknown_family_as_its_families_argument(tmp_path):
    # A KeyError before: forecast-run printed its traceback for series.families=[navy].
    message = (
        "families: family expression 'cooperation|naval' names unknown family ['naval']; "
        "defined: ['all', 'conflict', 'cooperation', 'military']. Add it to conf/taxonomy/*.yaml or to the extra families."
    )
    with pytest.raises(ArgumentError) as caught:
        build(countries=["CHN", "RUS"], families=["cooperation|naval"])
    assert str(caught.value) == message
    events = tmp_path / "events.parquet"  # the parquet path checks before it reads
    EVENTS.to_parquet(events)
    with pytest.raises(ArgumentError) as caught:
        build_panel(events, SeriesSpec(countries=["CHN", "RUS"], families=["cooperation|naval"]), FAMILIES, COVER)
    assert str(caught.value) == message


def test_the_panel_has_its_documented_columns_and_a_fresh_index():
    panel = build(dyads=[("CHN", "RUS"), ("GBR", "USA")])
    assert list(panel.columns) == [
        "unique_id", "ds", "y",
        "dyad", "source", "target", "family", "measure", "freq", "segment", "partial", "denominator",
    ]  # fmt: skip
    assert panel.index.tolist() == list(range(len(panel)))
    assert panel["unique_id"].tolist() == ["CHN-RUS/all", "GBR-USA/all"]


def test_all_directed_dyads_pairs_every_country_that_appears():
    panel = build(all_countries=True, directed=True)
    # Official actors appear from CHN, RUS, USA, GBR and IND (IND only at home; CHN's "other"-sector
    # event is not admitted): 5 x 4 = 20 ordered pairs, one series each.
    assert panel["unique_id"].nunique() == 20 and len(panel) == 20 * panel["ds"].nunique()
    counts = {uid: y for uid, y in totals(panel).items() if y}
    assert counts == {"CHN>RUS/all": 5.0, "RUS>CHN/all": 2.0, "USA>CHN/all": 3.0, "USA>RUS/all": 5.0, "GBR>USA/all": 6.0}
    assert totals(panel)["IND>CHN/all"] == 0.0 and "IND>IND/all" not in totals(panel)


def test_all_countries_with_a_country_list_is_refused():
    with pytest.raises(ArgumentError, match=r"all_countries: is true and series.countries is set"):
        SeriesSpec(families=["all"], countries=["CHN", "RUS"], all_countries=True)


def test_all_directed_dyads_config_selects_every_directed_pair_that_appears():
    from forecast.cli.instantiate import build as build_node
    from tests.helpers import compose_config

    spec = build_node(compose_config(["series=all_directed_dyads"]).series, where="series")
    assert (spec.all_countries, spec.directed, list(spec.countries), list(spec.dyads)) == (True, True, [], [])
