"""What every shell shares: where the configs are, start-up, ``--version`` and one-line errors.

The error contract: a failure the user can fix (a :class:`~forecast.errors.ForecastError`,
a Hydra/OmegaConf config error, a missing input file) prints ``<prog>: error: <message>``
as ONE line on stderr and exits 2. Hydra's config errors are reworded to name the key or
group option and the close valid ones (:func:`describe`). ``--debug`` or
``HYDRA_FULL_ERROR=1`` print the traceback instead. Anything else is a bug and keeps its
traceback.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import os
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import metadata, resources
from pathlib import Path
import typing
from typing import Any, TypeVar

from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException, MissingConfigException, OverrideParseException
from hydra.types import RunMode
from omegaconf import OmegaConf
from omegaconf.errors import MissingMandatoryValue, OmegaConfBaseException

from forecast.errors import ArgumentError, ForecastError

#: The configs ship inside the package (``conf/`` of the checkout is the package ``forecast.conf``).
CONF_PACKAGE = "forecast.conf"
CONFIG_PATH = f"pkg://{CONF_PACKAGE}"
#: The same configs as a folder on disk (for ``initialize_config_dir`` in tests and notebooks).
CONF_DIR = str(resources.files(CONF_PACKAGE))
DEBUG_FLAG = "--debug"
VERSION_FLAG = "--version"
# What a user can fix: library errors, Hydra/OmegaConf config errors, input paths that do not exist.
USER_ERRORS = (ForecastError, HydraException, OmegaConfBaseException, FileNotFoundError)
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


def examples_root() -> Path:
    """The folder holding ``data/examples``: the checkout, or the installed package (which ships it)."""
    package = Path(__file__).resolve().parents[1]
    return package if (package / "data" / "examples").is_dir() else package.parent


def register_resolvers() -> None:
    """``${repo:}`` in configs: where ``data/examples`` is, so example files resolve from any cwd."""
    OmegaConf.register_new_resolver("repo", lambda: str(examples_root()), replace=True)


def setup() -> None:
    """Start-up of every shell: config resolvers and the headless matplotlib backend."""
    register_resolvers()
    # Figures are written to files; no display is needed. The variable is read when
    # matplotlib is first imported, so a command that draws nothing does not import it.
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"
    # conf/hydra/launcher/<name>.yaml is checked against the plugin's schema of that name on
    # purpose (a typo in a launcher field fails); Hydra 1.3 still does it, with a notice each run.
    warnings.filterwarnings("ignore", message=r"(?s).*is validated against ConfigStore schema with the same name")


_RAY_PLUGIN_MODULES = ("hydra_plugins.forecast_ray_launcher", "hydra_plugins.forecast_ray_launcher.ray_launcher")


def register_launchers() -> None:
    """Make ``hydra/launcher=ray`` (``hydra_plugins.forecast_ray_launcher``) known to Hydra.

    Hydra finds plugins by walking the ``hydra_plugins`` folders on ``sys.path``; an
    editable install of this checkout maps the plugin through an import hook that walk
    cannot see, so it is registered here too (a no-op when the scan found it). An install
    that predates the plugin (an editable install not rebuilt since) lacks it: every other
    command still runs, and ``hydra/launcher=ray`` alone fails, as an unknown launcher.
    """
    from hydra.core.plugins import Plugins

    plugins = Plugins.instance()  # the scan first: it re-runs the plugin modules it finds
    try:
        from hydra_plugins.forecast_ray_launcher.ray_launcher import RayLauncher
    except ModuleNotFoundError as error:
        if error.name not in ("hydra_plugins", *_RAY_PLUGIN_MODULES):
            raise
        return
    plugins.register(RayLauncher)


def version() -> str:
    """``forecast <version>`` of the installed distribution."""
    return f"forecast {metadata.version('forecast')}"


def one_line(error: BaseException) -> str:
    """An error's message on one line (Hydra's config errors span several)."""
    return " ".join(str(error).split())


# --- Hydra's config errors, reworded -----------------------------------------------------------


def _keys(node: Any, prefix: str = "") -> Iterator[str]:
    """Every dotted key of a plain config tree, inner nodes included."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            yield path
            yield from _keys(value, path)


def config_groups() -> list[str]:
    """The config group names shipped in ``forecast.conf`` (its sub-folders)."""
    return sorted(p.name for p in resources.files(CONF_PACKAGE).iterdir() if p.is_dir() and not p.name.startswith("_"))


def composed_keys(config_name: str, overrides: Sequence[str] = ()) -> list[str]:
    """The dotted keys of ``config_name`` composed with ``overrides`` (the defaults if they fail)."""
    from hydra import compose, initialize_config_module
    from hydra.core.global_hydra import GlobalHydra

    for attempt in (list(overrides), []):
        GlobalHydra.instance().clear()
        try:
            with initialize_config_module(config_module=CONF_PACKAGE, version_base="1.3"):
                cfg = compose(config_name=config_name, overrides=attempt)
            return list(_keys(OmegaConf.to_container(cfg, resolve=False)))
        except (HydraException, OmegaConfBaseException):
            continue
        finally:
            GlobalHydra.instance().clear()
    return []


def group_options(group: str) -> list[str]:
    """The options of a config group of ``forecast.conf`` (its yaml files)."""
    folder = resources.files(CONF_PACKAGE).joinpath(*group.split("/"))
    if not folder.is_dir():
        return []
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))


def _close(word: str, candidates: Sequence[str]) -> str:
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=3, cutoff=0.6)
    return ", ".join(f"'{c}'" for c in close) if close else "none"


def describe(error: BaseException, prog: str, config_name: str | None, overrides: Sequence[str] = ()) -> str:
    """The one-line message for a user error; Hydra's config errors name the key and the close ones.

    Parameters
    ----------
    error : BaseException
        A :data:`USER_ERRORS` instance.
    prog : str
        The command's name (for the pointer to ``--help``).
    config_name : str, optional
        The command's root config (``config``), whose keys are the valid ones.
    overrides : sequence of str
        The command-line overrides, to compose the config the user meant.
    """
    message = one_line(error)
    if isinstance(error, FileNotFoundError) and error.filename:
        return f"{error.filename}: no such file or folder; check the path (relative paths start from {Path.cwd()})."
    full_key = getattr(error, "full_key", None)
    if isinstance(error, MissingMandatoryValue) and full_key:
        return f"{full_key}: no value given; set it on the command line ({full_key}=...)."
    if isinstance(error, OmegaConfBaseException) and full_key:
        return f"{full_key}: {message.split(' full_key:')[0]}"
    if isinstance(error, OverrideParseException) and "=" in error.override:
        key, value = error.override.split("=", 1)
        name = key.lstrip("+~")
        if value.lstrip().startswith(("[", "{")):
            return (
                f"{name}: Hydra's override grammar cannot read {value!r}; write a list as [a,b] or a dict as "
                '{k:v}, with double quotes around any item holding ( ) < > , or =.'
            )
        example = (
            f"write '{key}=\"{value}\"' (the outer quotes are the shell's)"
            if '"' not in value and "'" not in value
            else "quote it for Hydra inside the shell's quotes, escaping the quotes the value holds"
        )
        return (
            f"{name}: Hydra's override grammar cannot read the value {value!r}: ( ) < > , [ ] and = need "
            f"quotes that reach Hydra; {example}."
        )
    if config_name is None:
        return message
    unknown_key = re.match(r"Could not override '([^']+)'", message)
    if unknown_key:
        key = unknown_key.group(1)
        rest = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != key]
        keys = composed_keys(config_name, rest) + config_groups()
        return (
            f"{key}: no such config key; close valid keys: {_close(key, keys)}. "
            f"Fix the spelling (`{prog} --cfg job` prints every key)."
        )
    if isinstance(error, MissingConfigException) and error.missing_cfg_file:
        group, _, option = str(error.missing_cfg_file).rpartition("/")
        options = list(error.options or group_options(group))
        if options:
            return (
                f"{group}={option}: no such option in config group '{group}'; close options: "
                f"{_close(option, options)}. All options: {', '.join(options)}."
            )
        if group:
            return (
                f"{group}: no such config group; close groups: {_close(group, config_groups())}. "
                f"`{prog} --help` lists the groups and their options."
            )
    return message


# --- hydra.callbacks: the one instantiate site Hydra has before our code runs -------------------


def _callback_targets(value: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key == "_target_":
                yield where, str(item)
            else:
                yield from _callback_targets(item, f"{where}.{key}")


def check_callbacks(argv: Sequence[str]) -> None:
    """Refuse ``hydra.callbacks`` overrides whose ``_target_`` is not forecast code.

    Hydra instantiates ``hydra.callbacks`` right after composing, before the task runs, so
    the allow-list of :func:`forecast.cli.instantiate.check_target` is applied to the
    command line here, before :func:`hydra.main` parses it.

    Raises
    ------
    ArgumentError
        Naming the callback's ``_target_`` key.
    """
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from forecast.cli.instantiate import check_target

    candidates = [a for a in argv if not a.startswith("-") and "callbacks" in a]
    if not candidates:
        return
    for override in OverridesParser.create().parse_overrides(candidates):
        key = override.key_or_group.replace("/", ".")
        if not key.startswith("hydra.callbacks"):
            continue
        if override.is_delete():
            continue
        if override.is_sweep_override():
            raise ArgumentError(key, "callbacks cannot be swept; give one value.")
        value = override.value()
        if key.endswith("._target_"):
            check_target(str(value), where=key.removesuffix("._target_"))
        for where, target in _callback_targets(value, key):
            check_target(target, where=where)


# --- the shell ----------------------------------------------------------------------------------


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line on stderr (exit 2), like every other error."""

    #: Keeps the line breaks of a description and of an examples epilog.
    RAW_HELP = argparse.RawDescriptionHelpFormatter

    def error(self, message: str) -> typing.NoReturn:
        """Print ``<prog>: error: <message>`` and exit 2."""
        print(f"{self.prog}: error: {message}; see {self.prog} --help.", file=sys.stderr)
        raise SystemExit(2)

    @classmethod
    def for_command(cls, prog: str, description: str, examples: str) -> OneLineParser:
        """A command's parser with its description, examples and the shared ``--debug`` and ``--version``."""
        parser = cls(prog=prog, description=description, epilog=examples, formatter_class=cls.RAW_HELP)
        parser.add_argument(DEBUG_FLAG, action="store_true", help="show the traceback of an error")
        parser.add_argument(VERSION_FLAG, action="version", version=version())
        return parser


def check_flags(prog: str, argv: Sequence[str]) -> None:
    """Parse a Hydra command line with Hydra's own parser, so a bad flag is one line, not usage."""
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.__class__ = OneLineParser
    parser.prog = prog
    args = parser.parse_args(argv)
    # Hydra refuses these two with a bare ValueError (a traceback); they are usage errors.
    modes = {
        "--run": args.run, "--multirun": args.multirun, "--cfg": args.cfg is not None,
        "--info": args.info is not None, "--shell-completion": args.shell_completion,
    }
    given = [flag for flag, on in modes.items() if on]
    if len(given) > 1:
        parser.error(
            f"{' and '.join(given)} cannot be combined: give one of --run, --multirun (-m), --cfg, --info "
            "(--cfg job without -m prints one job's config)"
        )
    if args.resolve and args.cfg is None and not args.help:
        parser.error("--resolve works only with --cfg or --help")


def _overrides(argv: Sequence[str]) -> list[str]:
    """The ``key=value`` arguments of a Hydra command line."""
    return [a for a in argv if not a.startswith("-") and "=" in a]


def shell(
    prog: str,
    main: Callable[[], T],
    *,
    debug: bool | None = None,
    config_name: str | None = None,
) -> T:
    """Run a shell's ``main`` with the shared start-up and error report.

    Without ``debug``, a ``--debug`` argument is taken from ``sys.argv`` (and removed
    before Hydra parses it); ``--version`` prints :func:`version` and exits 0. A
    :data:`USER_ERRORS` failure prints ``<prog>: error: <message>`` as one line on stderr
    and exits 2; with ``--debug`` (or ``HYDRA_FULL_ERROR=1``) the traceback is printed
    instead. Any other exception is a bug and propagates with its traceback.

    Parameters
    ----------
    prog : str
        The command's name.
    main : callable
        The command (a ``@hydra.main`` function or a plain one).
    debug : bool, optional
        Set by commands that parse their own arguments (argparse).
    config_name : str, optional
        The root config of a Hydra command: lets config errors list the close valid keys,
        and turns on the ``hydra.callbacks`` check of the command line.
    """
    argv = list(sys.argv[1:])
    if debug is None:
        if VERSION_FLAG in argv:
            print(version())
            raise SystemExit(0)
        debug = DEBUG_FLAG in argv
        argv = [arg for arg in argv if arg != DEBUG_FLAG]
        sys.argv = [sys.argv[0], *argv]
    debug = debug or os.environ.get("HYDRA_FULL_ERROR") == "1"
    setup()
    previous = os.environ.get("HYDRA_FULL_ERROR")
    os.environ["HYDRA_FULL_ERROR"] = "1"  # Hydra re-raises instead of printing a trimmed traceback
    try:
        if config_name is not None:
            check_flags(prog, argv)
            check_callbacks(argv)
            register_launchers()
        return main()
    except (_Failed, *USER_ERRORS) as caught:
        error = caught.error if isinstance(caught, _Failed) else caught
        if debug:
            traceback.print_exception(error)
        else:
            print(f"{prog}: error: {describe(error, prog, config_name, _overrides(argv))}", file=sys.stderr)
        raise SystemExit(2) from None
    finally:
        if previous is None:
            os.environ.pop("HYDRA_FULL_ERROR", None)
        else:
            os.environ["HYDRA_FULL_ERROR"] = previous

