"""What every shell shares: where the configs are, start-up, and one-line error reports."""

from __future__ import annotations

import functools
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import matplotlib
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from forecast.errors import ForecastError
from forecast.pipeline import REPO_ROOT

CONF_DIR = str(REPO_ROOT / "conf")
DEBUG_FLAG = "--debug"
# What a user can fix: library errors and Hydra/OmegaConf config errors (unknown group, bad override).
USER_ERRORS = (ForecastError, HydraException, OmegaConfBaseException)
T = TypeVar("T")


class _Failed(BaseException):
    """Carries a user error of a single run past Hydra's job runner.

    Hydra's runner catches every ``Exception`` a job raises and writes "Error executing
    job with overrides" before re-raising it; a ``BaseException`` passes it untouched.
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def reported(task: Callable[[Any], T]) -> Callable[[Any], T]:
    """Wrap a Hydra task (under ``@hydra.main``) so :func:`shell` alone reports its user errors.

    In a multirun the error is left to the sweeper, which records the job as failed.
    """

    @functools.wraps(task)
    def wrapper(cfg: Any) -> T:
        try:
            return task(cfg)
        except USER_ERRORS as error:
            if HydraConfig.initialized() and HydraConfig.get().mode == RunMode.MULTIRUN:
                raise
            raise _Failed(error) from error

    return wrapper


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
    except (_Failed, *USER_ERRORS) as caught:
        error = caught.error if isinstance(caught, _Failed) else caught
        if debug:
            traceback.print_exception(error)
        else:
            print(f"{prog}: error: {one_line(error)}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        if previous is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = previous
