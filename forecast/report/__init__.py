"""Report stage: figures, provenance and the Markdown/HTML research report."""

from forecast.report.plots import fan_chart, fan_chart_grid
from forecast.report.provenance import provenance
from forecast.report.render import ReportInputs, render_markdown, write_report
from forecast.report.timeline import event_timeline, event_timeline_grid

__all__ = [
    "ReportInputs",
    "event_timeline",
    "event_timeline_grid",
    "fan_chart",
    "fan_chart_grid",
    "provenance",
    "render_markdown",
    "write_report",
]
