"""The one place that turns config nodes into objects, restricted to forecast's own code."""

from __future__ import annotations

import collections.abc
import inspect
import types
import typing
from collections.abc import Mapping
from typing import Any

from hydra._internal.utils import _locate  # the resolver hydra's instantiate itself uses
from hydra.errors import InstantiationException
from hydra.utils import instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

from forecast.errors import ArgumentError, ForecastError

ALLOWED_MODULE_PREFIX = "forecast."


def _targets(node: Any, path: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(config path, _target_, arguments)`` for every node under ``node`` that has a ``_target_``."""
    if isinstance(node, Mapping):
        arguments = {str(k): v for k, v in node.items() if not str(k).startswith("_")}
        found = [(path, str(node["_target_"]), arguments)] if "_target_" in node else []
        return found + [
            t for key, value in node.items() if key != "_target_" for t in _targets(value, f"{path}.{key}")
        ]
    if isinstance(node, list):
        return [t for i, item in enumerate(node) for t in _targets(item, f"{path}.{i}")]
    return []


def check_target(target: str, *, where: str) -> Any:
    """Resolve ``target`` and return the object if it is defined in a ``forecast.`` module.

    The check is on the resolved object, not on the dotted string: a ``forecast`` module
    re-exports what it imports (``forecast.pipeline.pd.read_pickle`` is pandas'), so only
    ``__module__`` says whose code would run. The string is also checked first, so nothing
    outside ``forecast`` is even imported.

    Raises
    ------
    ArgumentError
        Naming ``<where>._target_`` when the target cannot be found or is not forecast's.
    """
    refusal = (
        f"{target!r} is not allowed: targets must be classes or functions defined in a "
        f"{ALLOWED_MODULE_PREFIX}* module; wrap third-party classes in a forecast adapter."
    )
    if not target.startswith(ALLOWED_MODULE_PREFIX):
        raise ArgumentError(f"{where}._target_", refusal)
    try:
        obj = _locate(target)
    except ImportError as error:
        raise ArgumentError(f"{where}._target_", f"{target!r} cannot be found ({error}); check the spelling.") from None
    module = getattr(obj, "__module__", None)
    if not (isinstance(module, str) and module.startswith(ALLOWED_MODULE_PREFIX)):
        raise ArgumentError(f"{where}._target_", f"{refusal} It resolves to an object of module {module!r}.")
    return obj


# Scalar annotations a command-line value is checked against, and how a message names them.
_SCALARS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _scalar_types(annotation: Any) -> tuple[type, ...] | None:
    """The scalar types an annotation allows (``int | None`` -> ``(int, NoneType)``), or None if not scalar."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
    else:
        members = (annotation,)
    allowed = tuple(m for m in members if m in _SCALARS or m is type(None))
    return allowed if len(allowed) == len(members) and any(m in _SCALARS for m in allowed) else None


# Element types of sequence annotations a command-line value is checked against (``quantiles``).
_ITEMS = {bool: "true or false values", int: "integers", float: "numbers", str: "strings"}


def _item_type(annotation: Any) -> type | None:
    """``float`` for ``Sequence[float]``, ``list[float]`` or ``tuple[float, ...]``; None for any other annotation."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        args = args[:1]
    elif origin not in (list, collections.abc.Sequence):
        return None
    return args[0] if len(args) == 1 and args[0] in _ITEMS else None


def _accepts(allowed: tuple[type, ...], value: Any) -> bool:
    if isinstance(value, bool):  # bool is an int subclass: only a bool annotation takes it
        return bool in allowed
    if isinstance(value, int) and float in allowed:
        return True
    return isinstance(value, allowed)


def check_argument_types(obj: Any, arguments: Mapping[str, Any], *, where: str) -> None:
    """Check config values against the scalar annotations of ``obj``'s parameters.

    A command line gives ``backtest.horizon=abc`` as the string ``'abc'``; without this
    check the object fails later with a bare ``TypeError``. Only parameters annotated with
    ``bool``, ``int``, ``float`` or ``str`` (optionally ``| None``), or with a sequence of
    one of them (``Sequence[float]``, ``tuple[float, ...]``), are checked.

    Raises
    ------
    ArgumentError
        Naming ``<where>.<parameter>`` (``<parameter>`` when ``where`` is empty), the
        expected type and the value given.
    """
    try:
        hints = typing.get_type_hints(obj.__init__ if inspect.isclass(obj) else obj)
    except Exception:  # noqa: BLE001 - an annotation we cannot evaluate is simply not checked
        return
    for name, value in arguments.items():
        if isinstance(value, Mapping) and "_target_" in value:
            continue  # built first, into an object of its own type (its target is checked on its own)
        key = f"{where}.{name}" if where else name
        item = _item_type(hints.get(name))
        if item is not None and not (isinstance(value, (list, tuple)) and all(_accepts((item,), v) for v in value)):
            raise ArgumentError(key, f"expected a list of {_ITEMS[item]}, got {value!r}; fix the value.")
        allowed = _scalar_types(hints.get(name)) if name in hints else None
        if allowed is None or _accepts(allowed, value):
            continue
        expected = " or ".join(_SCALARS.get(t, "null") for t in allowed)
        raise ArgumentError(key, f"expected {expected}, got {value!r}; fix the value.")


def _forecast_cause(error: BaseException) -> ForecastError | None:
    """The first :class:`ForecastError` in an exception's ``__cause__`` chain."""
    while error is not None:
        if isinstance(error, ForecastError):
            return error
        error = error.__cause__
    return None


def build(node: DictConfig | ListConfig | Mapping, *, where: str) -> Any:
    """Instantiate a config node after checking every ``_target_`` it holds.

    Parameters
    ----------
    node : DictConfig or mapping
        The config node holding ``_target_``.
    where : str
        The node's config path (``model.nb_glm``): the prefix of error messages.

    Raises
    ------
    ArgumentError
        When a ``_target_`` is refused by :func:`check_target`, when a value does not
        have its parameter's type (:func:`check_argument_types`), or when the object
        rejects an argument: ``horizon`` becomes ``<where>.horizon``.
    ForecastError
        Any other user-facing error the object raises while it is built.
    """
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) else node
    for path, target, arguments in _targets(plain, where):
        check_argument_types(check_target(target, where=path), arguments, where=path)
    try:
        return instantiate(plain, _convert_="all")
    except InstantiationException as error:
        cause = _forecast_cause(error)
        if cause is None:
            raise
        raise (cause.under(where) if isinstance(cause, ArgumentError) else cause) from error
