"""The one-way house: no stage imports a later one, and only the shells touch Hydra's config."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import forecast

ROOT = Path(forecast.__file__).parent
# Stages in data-flow order; a module may import its own stage and earlier ones only.
# errors, columns, io (atomic writes), progress and lazy (package re-exports) are conventions
# every stage shares; pipeline orchestrates all stages.
ORDER = ("errors", "columns", "io", "progress", "lazy", "events", "series", "models", "backtest", "report", "pipeline", "cli")


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "forecast" and len(parts) > 1 and parts[1] in ORDER else None


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _library_files() -> list[Path]:
    return sorted(p for p in ROOT.rglob("*.py") if "cli" not in p.relative_to(ROOT).parts)


def test_every_module_belongs_to_a_stage():
    modules = {p: "forecast." + ".".join(p.relative_to(ROOT).with_suffix("").parts) for p in ROOT.rglob("*.py")}
    stray = [str(p.relative_to(ROOT)) for p, name in modules.items() if _stage(name) is None and p.name != "__init__.py"]
    assert stray == []


@pytest.mark.parametrize("path", _library_files() + sorted((ROOT / "cli").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_a_later_stage(path):
    own = _stage("forecast." + ".".join(path.relative_to(ROOT).with_suffix("").parts)) or "errors"
    later = [m for m in _imported_modules(path) if (s := _stage(m)) and ORDER.index(s) > ORDER.index(own)]
    assert later == []


@pytest.mark.parametrize("path", _library_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_library_modules_never_import_hydra_or_omegaconf(path):
    config_libraries = [m for m in _imported_modules(path) if m.split(".")[0] in ("hydra", "omegaconf")]
    assert config_libraries == []
    assert "DictConfig" not in path.read_text()


def test_the_checker_sees_a_back_arrow(tmp_path):
    # Guard the guard: a series module importing the backtest is caught.
    module = tmp_path / "bad.py"
    module.write_text("from forecast.backtest import metrics\nimport forecast.events.schema\n")
    imported = _imported_modules(module)
    assert imported == {"forecast.backtest", "forecast.events.schema"}
    assert [m for m in imported if ORDER.index(_stage(m)) > ORDER.index("series")] == ["forecast.backtest"]


LAZY_PACKAGES = ("forecast.models", "forecast.backtest")


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_exports_resolve_and_point_no_later_stage(package):
    module = importlib.import_module(package)
    own = _stage(package)
    later = [target for target in module._EXPORTS.values() if ORDER.index(_stage(target)) > ORDER.index(own)]
    assert later == []
    assert set(module.__all__) - set(module._EXPORTS) <= {"RECOMMENDED_MODEL"}
    for name, target in module._EXPORTS.items():
        value = getattr(module, name)
        assert value is getattr(importlib.import_module(target), name)
        if isinstance(value, type) or callable(value):
            assert value.__module__ == target, name  # the mapping names where it is defined
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        getattr(module, "Nope")


def test_a_backtest_worker_imports_only_what_its_task_needs():
    # A loky worker unpickling a statsforecast task imports these modules; the model zoo's
    # other stacks (statsmodels GLMs, lightgbm, scikit-learn) cost it seconds for nothing.
    code = (
        "import sys, forecast.backtest.splits, forecast.models.stats; "
        "print(sorted(m for m in ('lightgbm', 'sklearn', 'forecast.models.count_regression', "
        "'forecast.backtest.compare', 'forecast.models.global_ml') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
