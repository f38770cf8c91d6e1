"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path to ``../shared/data``; skips the test when that folder is absent."""
    if not (SHARED_DATA / "raw").is_dir():
        pytest.skip(
            f"real event data not found at {SHARED_DATA}/raw: these tests read the genuine "
            "ICEWS/GDELT files, which live beside the checkout in CI (../shared/data)."
        )
    return SHARED_DATA


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Folder of small hand-written files in the genuine layouts."""
    return FIXTURES
