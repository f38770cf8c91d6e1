"""What every shell shares: where the configs are, start-up, and one-line error reports."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import TypeVar

import matplotlib
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from forecast.errors import ForecastError
from forecast.pipeline import REPO_ROOT

CONF_DIR = str(REPO_ROOT / "conf")
DEBUG_FLAG = "--debug"
# What a user can fix: library errors and Hydra/OmegaConf config errors (unknown group, bad override).
USER_ERRORS = (ForecastError, HydraException, OmegaConfBaseException)
T = TypeVar("T")


def register_resolvers() -> None:
    """``${repo:}`` in configs: the checkout root, so committed example files resolve from any cwd."""
    OmegaConf.register_new_resolver("repo", lambda: str(REPO_ROOT), replace=True)


def setup() -> None:
    """Start-up of every shell: config resolvers and the headless matplotlib backend."""
    register_resolvers()
    matplotlib.use("Agg")  # figures are written to files; no display is needed


def one_line(error: BaseException) -> str:
    """An error's message on one line (Hydra's config errors span several)."""
    return " ".join(str(error).split())


def shell(prog: str, main: Callable[[], T], *, debug: bool | None = None) -> T:
    """Run a shell's ``main`` with the shared start-up and error report.

    Without ``debug``, a ``--debug`` argument is taken from ``sys.argv`` (and removed
    before Hydra parses it). A :data:`USER_ERRORS` failure prints ``<prog>: error:
    <message>`` as one line on stderr and exits 2; with ``--debug`` (or
    ``HYDRA_FULL_ERROR=1``) the traceback is printed instead. Any other exception is a
    bug and propagates with its traceback.
    """
    if debug is None:
        debug = DEBUG_FLAG in sys.argv[1:]
        sys.argv = [sys.argv[0], *(arg for arg in sys.argv[1:] if arg != DEBUG_FLAG)]
    debug = debug or os.environ.get("HYDRA_FULL_ERROR") == "1"
    setup()
    previous = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises instead of printing a trimmed traceback
    try:
        return main()
    except USER_ERRORS as error:
        if debug:
            traceback.print_exc()
        else:
            print(f"{prog}: error: {one_line(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        if previous is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = previous
