"""Markdown documents shipped with the package (data attribution), shown in the report with their structure.

The attribution files (``forecast/resources/*/ATTRIBUTION.md``) are Markdown: headings,
paragraphs, a table, a block quote, lists. Joined into one line per paragraph they lost
that structure (the table became a run of pipes). Here a document is split into blocks by
the few block rules those files use, so that:

* the Markdown report keeps every block's source lines, with headings moved below the
  report's own section heading;
* the HTML report gets ``<h4>``, ``<p>``, ``<ul>``/``<ol>``, ``<blockquote>`` and
  ``<table>`` elements whose text is escaped first, then given only ``<code>``,
  ``<strong>`` and ``<em>`` for backticks and asterisks.

Anything else (a fenced block, nested lists) reads as a paragraph of its lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

NEWLINE = "\n"  # a soft line break inside a block, kept as written
_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"^ {0,3}(?:[-*+]|(\d{1,9})[.)])\s+(.*)$")
_QUOTE = re.compile(r"^ {0,3}>\s?(.*)$")
_ROW = re.compile(r"^ {0,3}\|")
_RULE = re.compile(r"^ {0,3}\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
#: Inline Markdown the HTML keeps: a code span, a backslash escape, then (in plain text) strong and emphasis.
_CODE_OR_ESCAPE = re.compile(r"(`+)(.+?)(?<!`)\1(?!`)|\\([!-/:-@\[-`{-~])")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")


@dataclass(frozen=True)
class Block:
    """One block of a document: its kind and its source lines.

    Attributes
    ----------
    kind : str
        ``heading``, ``paragraph``, ``list``, ``quote`` or ``table``.
    lines : tuple of str
        The block's lines as written.
    """

    kind: str
    lines: tuple[str, ...]


def _line_kind(line: str) -> str:
    if _HEADING.match(line):
        return "heading"
    if _QUOTE.match(line):
        return "quote"
    if _ROW.match(line):
        return "table"
    return "list" if _ITEM.match(line) else "text"


def _ordered(line: str) -> bool:
    match = _ITEM.match(line)
    return match is not None and match.group(1) is not None


def blocks(text: str) -> list[Block]:
    """The blocks of a Markdown document, in order; blank lines end a block.

    A plain line right after a paragraph, list item or quote line continues it (a soft
    line break); a table needs its header rule as second line, else it is a paragraph.
    """
    groups: list[tuple[str, list[str]]] = []
    open_block = False
    for line in text.splitlines():
        if not line.strip():
            open_block = False
            continue
        kind = _line_kind(line)
        last = groups[-1] if groups and open_block else None
        if kind == "heading":
            groups.append(("heading", [line]))
            open_block = False
            continue
        if last is not None and (kind == last[0] or (kind == "text" and last[0] in ("paragraph", "list", "quote"))):
            # Another marker kind (a numbered item after bullets) starts a new list, as in CommonMark.
            if kind != "list" or _ordered(line) == _ordered(last[1][0]):
                last[1].append(line)
                continue
        groups.append(("paragraph" if kind == "text" else kind, [line]))
        open_block = True
    out = []
    for kind, lines in groups:
        if kind == "table" and (len(lines) < 2 or not _RULE.match(lines[1])):
            kind = "paragraph"
        out.append(Block(kind, tuple(lines)))
    return out


def _heading_level(line: str, shift: int) -> tuple[int, str]:
    hashes, title = _HEADING.match(line).groups()
    return min(6, len(hashes) + shift), title


def as_markdown(text: str, shift: int = 0) -> Markup:
    """The document as Markdown for the report: its blocks' own lines, headings ``shift`` levels deeper."""
    parts = []
    for block in blocks(text):
        if block.kind == "heading":
            level, title = _heading_level(block.lines[0], shift)
            parts.append(f"{'#' * level} {title}")
        else:
            parts.append("\n".join(block.lines))
    return Markup("\n\n".join(parts))


def _plain(text: str) -> str:
    return _EMPHASIS.sub(r"<em>\1</em>", _STRONG.sub(r"<strong>\1</strong>", str(escape(text))))


def inline_html(text: str) -> Markup:
    """Escaped HTML of one block's text: code spans, ``**strong**`` and ``*emphasis*`` become elements."""
    out, position = [], 0
    for match in _CODE_OR_ESCAPE.finditer(text):
        out.append(_plain(text[position : match.start()]))
        code, literal = match.group(2), match.group(3)
        out.append(f"<code>{escape(code.strip())}</code>" if code is not None else str(escape(literal)))
        position = match.end()
    out.append(_plain(text[position:]))
    return Markup("".join(out))


def _cells(line: str) -> list[str]:
    inner = line.strip().removeprefix("|").removesuffix("|")
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", inner)]


def _list_html(lines: tuple[str, ...]) -> str:
    items: list[list[str]] = []
    for line in lines:
        match = _ITEM.match(line)
        if match:
            items.append([match.group(2)])
        else:
            items[-1].append(line.strip())
    number = _ITEM.match(lines[0]).group(1)
    tag = "ol" if number is not None else "ul"
    start = f' start="{int(number)}"' if number is not None and int(number) != 1 else ""
    body = "".join(f"<li>{inline_html(NEWLINE.join(item))}</li>" for item in items)
    return f"<{tag}{start}>{body}</{tag}>"


def as_html(text: str, shift: int = 0) -> Markup:
    """The document as escaped HTML, one element per block, headings ``shift`` levels deeper."""
    parts = []
    for block in blocks(text):
        if block.kind == "heading":
            level, title = _heading_level(block.lines[0], shift)
            parts.append(f"<h{level}>{inline_html(title)}</h{level}>")
        elif block.kind == "quote":
            quoted = "\n".join(_QUOTE.match(line).group(1) if _QUOTE.match(line) else line for line in block.lines)
            parts.append(f"<blockquote><p>{inline_html(quoted)}</p></blockquote>")
        elif block.kind == "list":
            parts.append(_list_html(block.lines))
        elif block.kind == "table":
            head = "".join(f'<th scope="col">{inline_html(c)}</th>' for c in _cells(block.lines[0]))
            rows = "".join("<tr>" + "".join(f"<td>{inline_html(c)}</td>" for c in _cells(line)) + "</tr>" for line in block.lines[2:])
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:
            parts.append(f"<p>{inline_html(NEWLINE.join(block.lines))}</p>")
    return Markup("\n".join(parts))
