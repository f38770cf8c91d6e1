"""Every notebook (a jupytext percent script) runs top to bottom in a kernel and shows the right answer."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest
import yaml
from nbclient import NotebookClient

from tests.conftest import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
TIMEOUT_S = 300  # per cell; each notebook takes under a minute on an idle machine


def run_notebook(name: str) -> list[nbformat.NotebookNode]:
    """The code cells of ``notebooks/<name>`` after executing it with nbclient."""
    notebook = jupytext.read(NOTEBOOKS / name)
    NotebookClient(notebook, timeout=TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def text(cell: nbformat.NotebookNode) -> str:
    """Everything a cell printed or returned, as text."""
    parts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output and "text/plain" in output.data:
            parts.append(output.data["text/plain"])
    return "\n".join(parts)


def result(cell: nbformat.NotebookNode) -> object:
    """A cell's returned value (a dict or list literal), parsed from its text/plain output."""
    (value,) = [o.data["text/plain"] for o in cell.outputs if o.output_type == "execute_result"]
    return ast.literal_eval(value)


def test_every_notebook_is_a_percent_script_with_a_test():
    assert sorted(p.name for p in NOTEBOOKS.glob("*.py")) == [
        "01_quickstart.py", "02_china_russia_vs_us_military.py", "03_bring_your_own_file.py",
    ]
    assert list(NOTEBOOKS.glob("*.ipynb")) == []  # executed copies are not committed


@pytest.mark.slow
def test_quickstart():
    cells = run_notebook("01_quickstart.py")
    assert "military_contact" in result(cells[0])  # the taxonomy file's family names
    final = text(cells[-1])  # forecast totals of the best model, one per series
    for uid in ("CHN-RUS/cooperation", "CHN-RUS/military_contact", "CHN-USA/cooperation", "CHN-USA/military_contact"):
        assert uid in final


@pytest.mark.slow
def test_military_contact_question():
    cells = run_notebook("02_china_russia_vs_us_military.py")
    # The family comes from conf/taxonomy/cameo.yaml: every code listed there is printed.
    rules = yaml.safe_load((REPO_ROOT / "conf" / "taxonomy" / "cameo.yaml").read_text())["families"]["military_contact"]
    codes = [code for rule in rules["any_of"] for code in rule.get("codes", [])]
    assert len(codes) == 10
    printed = text(cells[0])
    assert all(f"'{code}'" in printed for code in codes) and "'MIL'" in printed
    answer = result(cells[-1])
    assert answer["model"] in {"naive", "window_average", "tsb", "nb_glm"}
    assert 0.0 <= answer["p_russia_more"] <= 1.0 and answer["p_russia_more"] + answer["p_tie"] <= 1.0
    assert answer["median_total_russia"] >= 0 and answer["median_total_us"] >= 0


@pytest.mark.slow
def test_bring_your_own_file():
    cells = run_notebook("03_bring_your_own_file.py")
    # Hand-counted in tests/events/test_readers_fixtures.py::test_icews_fixture.
    assert result(cells[0]) == {
        "format": "icews", "rows_read": 12, "rows_accepted": 7, "rows_quarantined": 4, "rows_duplicate": 1,
    }
    quarantine = text(cells[1])
    for reason in ("wrong column count", "missing CAMEO code", "bad date", "lost its leading zero"):
        assert reason in quarantine
    accounting = result(cells[2])
    assert accounting["rows_quarantined"] == 0 and accounting["rows_accepted"] > 100
    assert accounting["rows_read"] == accounting["rows_accepted"] + accounting["rows_duplicate"]
    board = text(cells[-1])
    assert all(model in board for model in ("naive", "window_average", "nb_glm"))
