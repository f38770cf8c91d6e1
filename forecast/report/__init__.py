"""Report stage: figures, provenance, the headline numbers and the HTML/Markdown research report."""

from forecast.report.blocks import Figure, Table
from forecast.report.choice import ModelChoice, choose_model
from forecast.report.context import build_context, reported_model
from forecast.report.headline import compare, long_samples, trend
from forecast.report.plots import fan_chart, fan_chart_grid
from forecast.report.provenance import provenance
from forecast.report.render import render_html, render_markdown, write_pages, write_report
from forecast.report.timeline import event_timeline, event_timeline_grid

__all__ = [
    "Figure",
    "ModelChoice",
    "Table",
    "build_context",
    "choose_model",
    "compare",
    "event_timeline",
    "event_timeline_grid",
    "fan_chart",
    "fan_chart_grid",
    "long_samples",
    "provenance",
    "render_html",
    "render_markdown",
    "reported_model",
    "trend",
    "write_pages",
    "write_report",
]
