"""Series stage: from events to long dyad panels (``unique_id, ds, y``) and their hierarchy."""

from forecast.series.hierarchy import Hierarchy, aggregate_panel, build_hierarchy, reconcile
from forecast.series.measures import (
    MEASURES,
    apply_transform,
    check_model_support,
    describe_measure,
    invert_transform,
)
from forecast.series.panel import (
    PANEL_COLUMNS,
    SeriesSpec,
    build_panel,
    dyad_label,
    observed_coverage,
    period_grid,
    select_dyads,
)

__all__ = [
    "MEASURES",
    "PANEL_COLUMNS",
    "Hierarchy",
    "SeriesSpec",
    "aggregate_panel",
    "apply_transform",
    "build_hierarchy",
    "build_panel",
    "check_model_support",
    "describe_measure",
    "dyad_label",
    "invert_transform",
    "observed_coverage",
    "period_grid",
    "reconcile",
    "select_dyads",
]
