"""The one place that turns config nodes into objects, restricted to allowed targets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hydra.utils import instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

ALLOWED_TARGET_PREFIXES: tuple[str, ...] = ("forecast.",)


def _targets(node: Any) -> list[str]:
    if isinstance(node, Mapping):
        found = [str(node["_target_"])] if "_target_" in node else []
        return found + [t for key, value in node.items() if key != "_target_" for t in _targets(value)]
    if isinstance(node, list):
        return [t for item in node for t in _targets(item)]
    return []


def build(node: DictConfig | ListConfig | Mapping, *, where: str) -> Any:
    """Instantiate a config node after checking every ``_target_`` against the allow-list.

    Parameters
    ----------
    node : DictConfig or mapping
        The config node holding ``_target_``.
    where : str
        The node's config path, for error messages (``model.nb_glm``).

    Raises
    ------
    ValueError
        When a ``_target_`` lies outside :data:`ALLOWED_TARGET_PREFIXES`.
    """
    plain = OmegaConf.to_container(node, resolve=True) if isinstance(node, (DictConfig, ListConfig)) else node
    for target in _targets(plain):
        if not target.startswith(ALLOWED_TARGET_PREFIXES):
            raise ValueError(
                f"{where}._target_={target!r} is not allowed: targets must start with one of "
                f"{ALLOWED_TARGET_PREFIXES}. Wrap third-party classes in a forecast adapter."
            )
    return instantiate(plain, _convert_="all")
