"""The default experiment switches between raw and volume-normalised series with one override."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from forecast.cli.run import run_from_config
from forecast.errors import ArgumentError
from tests.helpers import compose_config

# Keep the end-to-end runs fast: one backtest window, one model.
FAST = ["backtest.n_windows=1", "model=[naive]"]
ICEWS18 = ["series.end=2018-10-31"]  # the embedded table's ICEWS18 period (Jan-Oct 2018)


@pytest.fixture(scope="module")
def raw_and_share(tmp_path_factory):
    """The default experiment on embedded ICEWS18 counts, raw and with series.measure=share."""
    raw_dir, share_dir = tmp_path_factory.mktemp("raw"), tmp_path_factory.mktemp("share")
    run_from_config(compose_config([*FAST, *ICEWS18]), raw_dir)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the count-model caveat, checked below
        run_from_config(compose_config([*FAST, *ICEWS18, "series.measure=share"]), share_dir)
    return raw_dir, share_dir


@pytest.mark.slow
def test_report_states_raw_or_normalised_series(raw_and_share):
    raw_dir, share_dir = raw_and_share
    raw_report = (raw_dir / "report.md").read_text()
    share_report = (share_dir / "report.md").read_text()
    assert "**Measure.** count: raw series" in raw_report
    assert "**Measure.** share: volume-normalised series" in share_report
    assert "intervals are approximate" in share_report  # count models on a non-count measure
    assert "volume-normalised" in (share_dir / "report.html").read_text()
    assert (share_dir / "figures" / "timeline.png").stat().st_size > 0


@pytest.mark.slow
def test_share_panel_is_raw_panel_over_saved_denominators(raw_and_share):
    raw_dir, share_dir = raw_and_share
    raw = pd.read_parquet(raw_dir / "panel.parquet")
    share = pd.read_parquet(share_dir / "panel.parquet")
    denominators = pd.read_parquet(share_dir / "denominators.parquet")
    assert set(raw["segment"]) == {"icews18"}
    assert list(denominators.columns) == ["segment", "ds", "denominator"]
    assert denominators["ds"].is_unique and (denominators["denominator"] > 0).all()
    joined = raw.merge(denominators, on=["segment", "ds"], suffixes=("", "_saved"))
    expected = joined["y"] / joined["denominator_saved"] * 10_000
    merged = joined[["unique_id", "ds"]].assign(expected=expected).merge(share, on=["unique_id", "ds"])
    assert len(merged) == len(raw)
    assert merged["y"].to_numpy() == pytest.approx(merged["expected"].to_numpy())


def test_log1p_is_refused_before_the_ingest_naming_the_key(tmp_path):
    # A count law fitted to log1p(y) has quantiles 0, 1, 2, 3 there: mapped back 0, 1.72, 6.39, 19.1.
    with pytest.raises(ArgumentError, match=r"^series.transform: 'log1p' is refused: .*e\*\*k - 1 \(1.72, 6.39, 19.1"):
        run_from_config(compose_config([*FAST, "series.transform=log1p"]), tmp_path)
    assert not (tmp_path / "events_summary.json").exists()


@pytest.mark.slow
def test_count_models_refuse_a_measure_that_can_be_negative(tmp_path):
    with pytest.raises(ArgumentError, match="^series.measure: 'net_cooperation' can be negative"):
        run_from_config(compose_config([*FAST, "series=tone_weekly"]), tmp_path)


@pytest.mark.parametrize(
    "name", ["dyad_weekly", "military_contact_weekly", "military_actors_weekly", "quad_monthly", "tone_weekly", "top_dyads_weekly"]
)
def test_every_series_config_composes_and_builds(name):
    from forecast.cli.instantiate import build
    from forecast.series import SeriesSpec

    cfg = compose_config([f"series={name}"])
    spec = build(cfg.series, where="series")
    assert isinstance(spec, SeriesSpec)
    if name != "dyad_weekly":  # the experiment must not overwrite the research question's choices
        assert list(spec.families) != ["cooperation", "military_contact"]


@pytest.mark.shared_data
@pytest.mark.slow
def test_switch_on_the_genuine_icews18_files(shared_data, tmp_path):
    data = [
        "data=icews_tkg",
        f"data.path={shared_data / 'raw/icews18_tkg_diffutkg/ICEWS18.zip'}",
        "data.start_date=2018-01-01",
        "data.time_unit=hour",
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        run_from_config(compose_config([*FAST, *data, "series.measure=share"]), tmp_path)
    assert "**Measure.** share:" in (tmp_path / "report.md").read_text()
    assert (pd.read_parquet(tmp_path / "denominators.parquet")["denominator"] > 0).all()


def test_quantiles_without_a_central_interval_are_refused_before_the_ingest(tmp_path):
    # backtest.quantiles=[0.5, 0.75] ran the whole backtest, then stopped at the coverage figure.
    with pytest.raises(ArgumentError, match=r"^backtest\.quantiles: \[0\.5, 0\.75\] has no central interval"):
        run_from_config(compose_config([*FAST, "backtest.quantiles=[0.5,0.75]"]), tmp_path)
    assert not (tmp_path / "events_summary.json").exists()
