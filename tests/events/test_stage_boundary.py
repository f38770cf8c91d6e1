"""The events stage imports nothing from a later stage (data flows one way)."""

from __future__ import annotations

import ast
from pathlib import Path

import forecast.events

LATER_STAGES = ("forecast.series", "forecast.models", "forecast.backtest", "forecast.report", "forecast.pipeline")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_events_module_imports_a_later_stage() -> None:
    root = Path(forecast.events.__file__).parent
    offenders = {
        str(path.relative_to(root)): sorted(m for m in _imports(path) if m.startswith(LATER_STAGES))
        for path in root.rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_observed_coverage_is_an_events_fact() -> None:
    import pandas as pd

    from forecast.events.coverage import observed_coverage
    from forecast.series import observed_coverage as via_series

    events = pd.DataFrame(
        {
            "source_dataset": ["a", "b", "a", "a"],
            "date": pd.to_datetime(["2020-03-01", "2021-01-05", "2020-01-10", "2020-02-01"]),
        }
    )
    assert via_series is observed_coverage
    got = observed_coverage(events)
    assert got.to_dict("list") == {
        "source_dataset": ["a", "b"],
        "start": [pd.Timestamp("2020-01-10"), pd.Timestamp("2021-01-05")],
        "end": [pd.Timestamp("2020-03-01"), pd.Timestamp("2021-01-05")],
    }
