"""Report stage: figures, provenance and the Markdown/HTML research report."""

from forecast.report.plots import fan_chart, fan_chart_grid
from forecast.report.provenance import provenance
from forecast.report.render import ReportInputs, render_markdown, write_report

__all__ = ["ReportInputs", "fan_chart", "fan_chart_grid", "provenance", "render_markdown", "write_report"]
