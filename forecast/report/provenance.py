"""What a run needs to be reproduced: git commit, data hash, package versions, seed."""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "forecast", "numpy", "pandas", "scipy", "statsmodels", "scikit-learn", "statsforecast",
    "matplotlib", "hydra-core", "omegaconf", "pandera", "pyarrow", "duckdb", "country_converter",
)


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


def git_state(repo: Path) -> dict[str, str | bool | None]:
    """Commit hash and dirty flag of the checkout holding ``repo`` (None outside git)."""
    commit = _git(["rev-parse", "HEAD"], repo)
    status = _git(["status", "--porcelain", "--untracked-files=no"], repo)
    return {"commit": commit, "dirty": bool(status) if status is not None else None}


def tracked(path: Path) -> bool:
    """Whether git tracks the file ``path`` in the checkout holding it (False outside git or without git)."""
    path = Path(path)
    return _git(["ls-files", "--error-unmatch", "--", path.name], path.parent) is not None


def package_versions(names: tuple[str, ...] = PACKAGES) -> dict[str, str | None]:
    """Installed versions of the packages that shape the numbers."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def provenance(*, repo: Path, data_sha256: dict[str, str], seed: int, code: Path | None = None) -> dict:
    """The provenance record written to ``provenance.json``.

    Parameters
    ----------
    repo : Path
        A folder inside the project's git checkout.
    data_sha256 : dict
        File path (or label) to SHA-256 of every input data file.
    seed : int
        The run's seed.
    code : Path, optional
        A file of the running code: the git state is recorded only when that checkout tracks it. An
        installed copy in a virtual environment inside some checkout (``.venv/lib/.../site-packages``)
        is not that checkout's code, so its commit and dirty flag would be another tree's.
    """
    from_checkout = code is None or tracked(code)
    return {
        "git": git_state(repo) if from_checkout else {"commit": None, "dirty": None},
        "data_sha256": data_sha256,
        "packages": package_versions(),
        "python": platform.python_version(),
        "seed": seed,
    }
