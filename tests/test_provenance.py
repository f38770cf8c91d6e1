"""Run provenance on real temporary git repositories and data hashes against hashlib."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from forecast.io import sha256 as file_sha256
from forecast.report.provenance import PACKAGES, git_state, package_versions, provenance


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository with one committed file, isolated from any enclosing checkout."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    path = tmp_path / "checkout"
    path.mkdir()
    _git(path, "init", "-q")
    _git(path, "config", "user.email", "test@example.org")
    _git(path, "config", "user.name", "test")
    (path / "model.py").write_text("ALPHA = 1\n")
    _git(path, "add", "model.py")
    _git(path, "commit", "-q", "-m", "first")
    return path


def test_clean_repository_records_head_and_not_dirty(repo: Path) -> None:
    state = git_state(repo)
    assert state == {"commit": _git(repo, "rev-parse", "HEAD"), "dirty": False}
    assert len(state["commit"]) == 40


def test_a_subfolder_reports_the_enclosing_checkout(repo: Path) -> None:
    (repo / "sub").mkdir()
    assert git_state(repo / "sub") == {"commit": _git(repo, "rev-parse", "HEAD"), "dirty": False}


def test_modified_tracked_file_is_dirty(repo: Path) -> None:
    (repo / "model.py").write_text("ALPHA = 2\n")
    assert git_state(repo)["dirty"] is True


def test_staged_change_is_dirty_and_a_new_commit_moves_head(repo: Path) -> None:
    first = _git(repo, "rev-parse", "HEAD")
    (repo / "extra.py").write_text("BETA = 1\n")
    _git(repo, "add", "extra.py")
    assert git_state(repo)["dirty"] is True
    _git(repo, "commit", "-q", "-m", "second")
    state = git_state(repo)
    assert state["dirty"] is False
    assert state["commit"] != first and state["commit"] == _git(repo, "rev-parse", "HEAD")


def test_untracked_files_do_not_make_the_checkout_dirty(repo: Path) -> None:
    # Run outputs and scratch files are untracked; only changes to tracked code count.
    (repo / "scratch.csv").write_text("a,b\n1,2\n")
    assert git_state(repo)["dirty"] is False


def test_outside_git_both_fields_are_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    folder = tmp_path / "plain"
    folder.mkdir()
    assert git_state(folder) == {"commit": None, "dirty": None}


def test_missing_git_executable_gives_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-bin-here"))
    assert git_state(repo) == {"commit": None, "dirty": None}


def test_every_recorded_package_name_is_an_installed_distribution() -> None:
    # A misspelt name would silently record None for the package that shapes the numbers.
    versions = package_versions()
    assert list(versions) == list(PACKAGES)
    assert versions == {name: metadata.version(name) for name in PACKAGES}
    assert all(versions.values())


def test_unknown_package_version_is_none() -> None:
    assert package_versions(("numpy", "surely-not-installed-xyz")) == {
        "numpy": metadata.version("numpy"),
        "surely-not-installed-xyz": None,
    }


def test_provenance_record_fields(repo: Path) -> None:
    hashes = {"data/a.csv": "ab" * 32}
    record = provenance(repo=repo, data_sha256=hashes, seed=7)
    assert record == {
        "git": {"commit": _git(repo, "rev-parse", "HEAD"), "dirty": False},
        "data_sha256": hashes,
        "packages": package_versions(),
        "python": platform.python_version(),
        "seed": 7,
    }


@pytest.mark.parametrize("size", [0, 1 << 20, (1 << 20) + 1, (5 << 19) + 123])
def test_data_hash_matches_hashlib_across_read_blocks(tmp_path: Path, size: int) -> None:
    # The project hashes data files in 1 MiB blocks; sizes at and past a block edge.
    data = np.random.default_rng(size).integers(0, 256, size=size, dtype=np.uint8).tobytes()
    path = tmp_path / "events.csv"
    path.write_bytes(data)
    assert file_sha256(path) == hashlib.sha256(data).hexdigest()
    assert file_sha256(str(path)) == hashlib.sha256(data).hexdigest()


def test_an_installed_copy_inside_a_checkout_records_no_commit(repo: Path) -> None:
    # `pip install .` into the clone's .venv: the package runs from site-packages, which git ignores. The record
    # took the enclosing checkout's HEAD and dirty flag, whatever commit the installed copy was built from.
    (repo / ".gitignore").write_text(".venv/\n")
    _git(repo, "add", ".gitignore")
    _git(repo, "commit", "-q", "-m", "ignore the venv")
    site = repo / ".venv" / "lib" / "site-packages"
    (site / "forecast").mkdir(parents=True)
    (site / "forecast" / "pipeline.py").write_text("")
    record = provenance(repo=site, data_sha256={}, seed=0, code=site / "forecast" / "pipeline.py")
    assert git_state(site)["commit"] == _git(repo, "rev-parse", "HEAD")  # what was recorded before
    assert record["git"] == {"commit": None, "dirty": None}
    # The code of the checkout itself (an editable install) keeps its commit.
    assert provenance(repo=repo, data_sha256={}, seed=0, code=repo / "model.py")["git"] == git_state(repo)

