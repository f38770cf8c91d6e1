"""Series stage: from events to long dyad panels (``unique_id, ds, y``) and their hierarchy.

Typical use (the pipeline does the same from ``conf/series/*.yaml``)::

    spec = SeriesSpec(countries=["CHN", "RUS", "USA"], families=["cooperation"], measure="share")
    panel = build_panel(events, spec, families, coverage)      # long panel + metadata
    hierarchy = build_hierarchy(panel)                         # summing matrix S and level tags
    base = model.fit(aggregate_panel(panel, hierarchy)).predict(8)
    coherent = reconcile(base.assign(model="m"), hierarchy, method="wls_struct")

Config keys (``series.*``): ``dyads``, ``countries``, ``top_n``, ``families`` (names
combined with ``|`` and ``&``), ``extra_families``, ``directed``, ``freq``, ``start``,
``end``, ``sectors``, ``either_sector``, ``measure``, ``share_per``, ``transform``,
``drop_partial``, ``span``, ``max_empty_periods``, ``outage_share``; see :class:`SeriesSpec`. ``series.measure=share``
switches any experiment to media-volume-normalised series. ``series.transform=log1p`` is applied and
inverted in :func:`forecast.pipeline.run`, around model fitting only; the pipeline refuses it with the
count models of the zoo (:func:`forecast.series.measures.check_model_support`).
"""

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
