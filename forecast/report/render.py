"""Render a report context to HTML and its Markdown twin with Jinja2.

One context feeds both pages. The HTML environment autoescapes every value; the Markdown
environment escapes every value's Markdown and HTML syntax (``|``, ``*``, ``<``, ...) through
``finalize``, so data-derived text (series ids, titles, questions) can never become markup
in either page. The Markdown documents the package ships (data attribution) keep their
structure through the ``document`` filter (:mod:`forecast.report.documents`). Figures are
embedded in the HTML as base64 ``data:`` URIs, and the page loads nothing from the network.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from forecast.io import write_text_atomic
from forecast.report.blocks import Figure
from forecast.report.context import build_context
from forecast.report.documents import as_html, as_markdown

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: Characters with meaning anywhere in a line of (GitHub-flavoured) Markdown or inline HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<|~&])")
#: Block markers that only count at the start of a line: heading, quote, list, numbered list.
_BLOCK_START = re.compile(r"^(\s*(?:\d+(?=[.)]\s|[.)]$))?)([.)](?=\s|$)|[#+-](?=\s|$)|>)")


def escape_markdown(value: object) -> str:
    """``value`` as literal Markdown text: special characters backslash-escaped, newlines as spaces."""
    if isinstance(value, Markup):
        return str(value)
    text = "" if value is None else str(value)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text.replace("\r", " ").replace("\n", " "))
    return _BLOCK_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def _fenced(text: str, language: str = "") -> Markup:
    """A fenced code block longer than any backtick run inside ``text``, so it cannot be closed early."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markup(f"{fence}{language}\n{text.rstrip()}\n{fence}")


def _markdown_source(figure: Figure) -> Markup:
    """The image link of a figure in Markdown: its path beside the report, else a data URI."""
    if figure.path and figure.data is None:
        return Markup(quote(figure.path))
    return Markup(figure.data_uri(Path(".")))


def _environment(kind: str, root: Path) -> jinja2.Environment:
    loader = jinja2.FileSystemLoader(TEMPLATES)
    if kind == "html":
        env = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined)
        env.filters["data_uri"] = lambda figure: figure.data_uri(root)
        env.filters["document"] = as_html
        return env
    env = jinja2.Environment(
        loader=loader, autoescape=False, undefined=jinja2.StrictUndefined, finalize=escape_markdown, keep_trailing_newline=True
    )
    env.filters["md_src"] = _markdown_source
    env.filters["fenced"] = _fenced
    env.filters["document"] = as_markdown
    return env


def render_html(context: dict, root: Path, page: str = "run") -> str:
    """The HTML page ``<page>.html.j2`` for ``context``; figure files are read from ``root``."""
    return _environment("html", Path(root)).get_template(f"{page}.html.j2").render(**context)


def render_markdown(context: dict, page: str = "run") -> str:
    """The Markdown twin ``<page>.md.j2`` for ``context``."""
    text = _environment("markdown", Path(".")).get_template(f"{page}.md.j2").render(**context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip() + "\n"


def write_pages(context: dict, out_dir: str | Path, page: str = "run") -> tuple[Path, Path]:
    """Write ``report.md`` and ``report.html`` for ``context`` into ``out_dir``.

    Returns
    -------
    tuple of Path
        The Markdown and HTML paths.
    """
    out = Path(out_dir)
    md_path, html_path = out / "report.md", out / "report.html"
    # Both rendered before either is written, each written atomically: a rebuild in place that fails or is
    # killed leaves the previous pair whole, never half a page or a new report.md beside an old report.html.
    markdown, html = render_markdown(context, page), render_html(context, out, page)
    write_text_atomic(md_path, markdown)
    write_text_atomic(html_path, html)
    return md_path, html_path


def write_report(run_dir: str | Path, figures: Sequence[Figure] | None = None, built_at: str | None = None) -> tuple[Path, Path]:
    """Build the run report from the files of ``run_dir`` and write it there.

    Parameters
    ----------
    run_dir : str or Path
        A run folder written by the pipeline.
    figures : sequence of Figure, optional
        Figures to show instead of ``figures/figures.json`` or the standard figure files.
    built_at : str, optional
        Build timestamp; default now (UTC).

    Returns
    -------
    tuple of Path
        ``report.md`` and ``report.html``.
    """
    return write_pages(build_context(run_dir, figures, built_at), run_dir)

