"""Series stage: from events to long dyad panels (``unique_id, ds, y``)."""

from forecast.series.panel import PANEL_COLUMNS, SeriesSpec, build_panel, dyad_label, observed_coverage

__all__ = ["PANEL_COLUMNS", "SeriesSpec", "build_panel", "dyad_label", "observed_coverage"]
