"""Write the research report (Markdown and HTML) into a run folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import markdown
import pandas as pd

from forecast.columns import quantile_columns


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report shows, already computed by the pipeline."""

    title: str
    question: str
    data_summary: dict
    panel: pd.DataFrame
    metrics: pd.DataFrame
    forecasts: pd.DataFrame
    figure_paths: list[str]
    config_yaml: str
    provenance: dict
    attribution: str
    report_model: str
    series_note: str = ""


def _table(frame: pd.DataFrame, floatfmt: str = "{:.3f}") -> str:
    """A GitHub-flavoured Markdown table (no tabulate dependency)."""
    cells = frame.astype(object).map(lambda v: floatfmt.format(v) if isinstance(v, float) else str(v))
    header = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = ["| " + " | ".join(row) + " |" for row in cells.to_numpy()]
    return "\n".join([header, rule, *body])


markdown_table = _table  # public name for other reports (forecast-compare)


def render_markdown(inputs: ReportInputs) -> str:
    """The report as Markdown."""
    leaderboard = inputs.metrics.pivot_table(index="model", columns="metric", values="value").reset_index()
    if "crps" in leaderboard:
        leaderboard = leaderboard.sort_values("crps")
    panel_summary = (
        inputs.panel.groupby("unique_id")["y"]
        .agg(periods="size", total="sum", mean="mean", zero_share=lambda s: float((s == 0).mean()))
        .reset_index()
    )
    horizon_view = inputs.forecasts[inputs.forecasts["model"] == inputs.report_model]
    first_step = horizon_view.groupby("unique_id").head(1)
    last_step = horizon_view.groupby("unique_id").tail(1)
    quantile_cols = quantile_columns(horizon_view)
    figures = "\n\n".join(f"![forecast]({p})" for p in inputs.figure_paths)
    sections = [
        f"# {inputs.title}",
        inputs.question,
        "## Data",
        "```json\n" + json.dumps(inputs.data_summary, indent=2, default=str) + "\n```",
        "## Series",
        f"**Measure:** {inputs.series_note}" if inputs.series_note else "",
        _table(panel_summary),
        "## Forecast",
        figures,
        f"First and last forecast step of `{inputs.report_model}`:",
        _table(pd.concat([first_step, last_step])[["unique_id", "ds", "mean", *quantile_cols]].astype({"ds": str})),
        "## Backtest leaderboard (rolling origin, lower CRPS/MAE is better; coverage should match its level)",
        _table(leaderboard),
        "## Configuration",
        "```yaml\n" + inputs.config_yaml + "```",
        "## Provenance",
        "```json\n" + json.dumps(inputs.provenance, indent=2) + "\n```",
        "## Data attribution",
        inputs.attribution,
    ]
    return "\n\n".join(s for s in sections if s) + "\n"


def write_report(inputs: ReportInputs, run_dir: Path) -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` into ``run_dir``.

    Returns
    -------
    tuple of Path
        The Markdown and HTML paths.
    """
    text = render_markdown(inputs)
    md_path = run_dir / "report.md"
    md_path.write_text(text, encoding="utf-8")
    body = markdown.markdown(text, extensions=["tables", "fenced_code"])
    html = (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{inputs.title}</title><style>body{{font-family:sans-serif;max-width:60em;margin:auto}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 6px}"
        "img{max-width:100%}pre{background:#f6f6f6;padding:8px;overflow:auto}</style></head><body>"
        f"{body}</body></html>"
    )
    html_path = run_dir / "report.html"
    html_path.write_text(html, encoding="utf-8")
    return md_path, html_path
