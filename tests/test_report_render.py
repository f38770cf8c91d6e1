"""The renderer: one context, HTML autoescaped, Markdown escaped, figures embedded, no network."""

from __future__ import annotations

import base64
import pathlib
import re

import pytest

import forecast.report.render as render

from forecast.report.blocks import Figure, Table, count, p_value, partition, percent, score, signed, words_list
from forecast.report.documents import as_html, as_markdown, blocks
from forecast.report.render import escape_markdown, render_html, render_markdown, write_pages

HOSTILE = "<img src=x onerror=alert(1)>"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _context() -> dict:
    table = Table.build(["Series", "Total"], [(HOSTILE, "652"), ("a|b", "1,682")], caption="<script>x</script>", numeric=[False, True])
    figure = Figure(alt=f"alt {HOSTILE}", caption="How to read it", data=PNG, section="comparison")
    return {
        "title": "<script>alert(1)</script>",
        "intro": ["| not a table |", "# not a heading"],
        "sections": [{"heading": "Board", "text": ["*plain*"], "tables": [table], "figures": [figure]}],
        "built_at": "2026-01-01T00:00:00Z",
    }


def test_html_escapes_every_data_value_and_embeds_figures():
    html = render_html(_context(), root=".", page="comparison")
    assert HOSTILE not in html and "<script>alert" not in html and "<script>x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f'src="data:image/png;base64,{base64.b64encode(PNG).decode()}"' in html
    assert 'alt="alt &lt;img src=x onerror=alert(1)&gt;"' in html
    # Nothing is fetched: no external src/href, no @import or url() in the CSS.
    assert not re.search(r'(?:src|href)="(?!data:)', html) and "@import" not in html and "url(" not in html
    assert "@media print" in html


def test_markdown_twin_escapes_markup_and_pipes():
    text = render_markdown(_context(), page="comparison")
    assert text.startswith("# \\<script>alert(1)\\</script>\n")
    assert "| \\<img src=x onerror=alert(1)> | 652 |" in text and "| a\\|b | 1,682 |" in text
    assert "\\| not a table \\|" in text and "\\# not a heading" in text and "\\*plain\\*" in text
    assert "|---|---:|" in text  # numbers right-aligned


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [("nb_glm", "nb\\_glm"), ("- item", "\\- item"), ("12. item", "12\\. item"), ("0.220", "0.220"), ("-0.5", "-0.5"),
     ("a\nb", "a b"), ("> quote", "\\> quote"), ("P(A > B) = 0.5", "P(A > B) = 0.5"), ("[x](javascript:y)", "\\[x\\](javascript:y)")],
)
def test_escape_markdown(raw, escaped):
    assert escape_markdown(raw) == escaped


def test_number_formats():
    assert (count(652.0), count(1682), count(float("nan"))) == ("652", "1,682", "—")
    assert (percent(0.28169831696396175), score(6.619), score(0.22031), score(1234.5)) == ("28.2%", "6.62", "0.220", "1,234")
    assert (signed(-0.42), signed(0.1)) == ("−0.420", "+0.100")
    # Three significant digits also where rounding carries into a new digit (it gave 0.1000, 100.0, 10.00, 0.001000).
    assert (score(0.09999999), score(99.96), score(9.996), score(0.0009996)) == ("0.100", "100", "10.0", "0.00100")
    assert (signed(-0.09999999), score(99.94), score(-99.96)) == ("−0.100", "99.9", "−100")
    # Every negative number with the minus sign U+2212, as signed() prints differences; none for a zero.
    assert (percent(-0.178), score(-0.0123), count(-1682.0), score(-1234.5)) == ("−17.8%", "−0.0123", "−1,682", "−1,234")
    assert (percent(-0.0004), count(-0.4), signed(0.0)) == ("0.0%", "0", "+0")
    assert (p_value(5.34e-7), p_value(0.0614)) == ("<0.001", "0.0614")
    assert (words_list(["a"]), words_list(["a", "b"]), words_list(["a", "b", "c"])) == ("a", "a and b", "a, b and c")


@pytest.mark.parametrize(
    ("shares", "naive", "printed"),
    [
        # 477, 12 and 1,511 of 2,000 paths: each rounded up, 0.24 + 0.01 + 0.76 = 1.01; the smallest remainder (0.55) gives.
        ((0.2385, 0.006, 0.7555), ("0.24", "0.01", "0.76"), ("0.24", "0.01", "0.75")),
        # 469, 7 and 1,524 of 2,000: each rounded down, 0.23 + 0.00 + 0.76 = 0.99; the largest remainder (0.45) takes it.
        ((0.2345, 0.0035, 0.762), ("0.23", "0.00", "0.76"), ("0.24", "0.00", "0.76")),
        # Whole hundredths stay as they are, also where value * 100 is 28.999... in floats.
        ((0.29, 0.0, 0.71), ("0.29", "0.00", "0.71"), ("0.29", "0.00", "0.71")),
        ((1.0, 0.0, 0.0), ("1.00", "0.00", "0.00"), ("1.00", "0.00", "0.00")),
        # Equal remainders: the first of them takes the missing unit.
        ((1 / 3, 1 / 3, 1 / 3), ("0.33", "0.33", "0.33"), ("0.34", "0.33", "0.33")),
    ],
)
def test_probabilities_of_one_partition_print_summing_to_one(shares, naive, printed):
    assert tuple(f"{v:.2f}" for v in shares) == naive  # what rounding each one alone printed
    assert partition(shares) == printed
    assert sum(round(float(p) * 100) for p in printed) == 100


def test_a_partition_that_does_not_sum_to_one_is_refused():
    with pytest.raises(ValueError, match="sum to 1"):
        partition([0.5, 0.4])
    with pytest.raises(ValueError, match="sum to 1"):
        partition([float("nan"), 1.0])


DOCUMENT = """# Sources <b>

Counts of **events**, soft-wrapped
over two lines; `a_b|c` as code.

- first item, *emphasis*
  continued
- second <img src=x onerror=alert(1)>
3. third
4. fourth

> Quoted, line one;
> line two.

| name | note |
|---|---|
| `icews18` | a \\| b <script>x</script> |
| 2 * 3 | 4 * 5 |
"""


def test_a_shipped_markdown_document_keeps_its_blocks():
    assert [b.kind for b in blocks(DOCUMENT)] == ["heading", "paragraph", "list", "list", "quote", "table"]
    # The Markdown twin is the document's own lines, its heading moved below the report's ### section.
    # (a blank line between the two lists, which Markdown reads as two lists either way).
    body = DOCUMENT.split("\n\n", 1)[1].strip().replace("alert(1)>\n3.", "alert(1)>\n\n3.")
    assert as_markdown(DOCUMENT, 3) == "#### Sources <b>\n\n" + body
    assert as_html(DOCUMENT, 3) == "\n".join(
        [
            "<h4>Sources &lt;b&gt;</h4>",
            "<p>Counts of <strong>events</strong>, soft-wrapped\nover two lines; <code>a_b|c</code> as code.</p>",
            "<ul><li>first item, <em>emphasis</em>\ncontinued</li><li>second &lt;img src=x onerror=alert(1)&gt;</li></ul>",
            '<ol start="3"><li>third</li><li>fourth</li></ol>',
            "<blockquote><p>Quoted, line one;\nline two.</p></blockquote>",
            '<table><thead><tr><th scope="col">name</th><th scope="col">note</th></tr></thead><tbody>'
            "<tr><td><code>icews18</code></td><td>a | b &lt;script&gt;x&lt;/script&gt;</td></tr>"
            "<tr><td>2 * 3</td><td>4 * 5</td></tr></tbody></table>",
        ]
    )


def test_a_document_without_a_table_rule_or_markup_is_plain_paragraphs():
    assert as_html("| a | b |\n| c | d |\n\nplain *", 0) == "<p>| a | b |\n| c | d |</p>\n<p>plain *</p>"
    assert as_html("See the data provider's terms of use.") == "<p>See the data provider&#39;s terms of use.</p>"
    assert as_markdown("###### deep", 3) == "###### deep"


def _old_pages(tmp_path: pathlib.Path) -> dict[str, str]:
    old = {"report.md": "old markdown\n", "report.html": "<p>old page</p>\n"}
    for name, text in old.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return old


def test_a_failed_rebuild_leaves_the_previous_pages_whole(tmp_path, monkeypatch):
    old = _old_pages(tmp_path)

    def broken(*args, **kwargs):
        raise RuntimeError("figure file unreadable")

    # The HTML fails to render: report.md was already replaced, beside the old report.html.
    monkeypatch.setattr(render, "render_html", broken)
    with pytest.raises(RuntimeError, match="unreadable"):
        write_pages(_context(), tmp_path, page="comparison")
    assert {name: (tmp_path / name).read_text(encoding="utf-8") for name in old} == old
    monkeypatch.undo()

    # Killed while writing report.html: the page was left truncated.
    real = pathlib.Path.write_text

    def killed(self, data, *args, **kwargs):
        if "report.html" in self.name:
            real(self, data[: len(data) // 2], *args, **kwargs)
            raise KeyboardInterrupt
        return real(self, data, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", killed)
    with pytest.raises(KeyboardInterrupt):
        write_pages(_context(), tmp_path, page="comparison")
    monkeypatch.undo()
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == old["report.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "report.md"]  # no temporary left
