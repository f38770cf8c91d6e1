"""Which model the report speaks for: the run's best by backtest CRPS unless one is pinned."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from forecast.errors import ArgumentError


@dataclass(frozen=True)
class ModelChoice:
    """The reported model and why it was chosen, in words the report prints."""

    model: str
    reason: str


def choose_model(scores: Mapping[str, float], pinned: str | None = None, metric: str = "crps") -> ModelChoice:
    """The model with the lowest backtest ``metric``, or the ``pinned`` one.

    Parameters
    ----------
    scores : mapping
        Model name to its overall backtest score (lower is better); NaN marks a model
        that could not be scored and is never chosen by score.
    pinned : str, optional
        ``report.model``: report this model whatever its score.
    metric : str
        Name of the score, for the reason text.

    Raises
    ------
    ArgumentError
        ``model`` when ``pinned`` is not one of the run's models (the message lists them),
        or when no model has a finite score.
    """
    models = list(scores)
    if pinned is not None:
        check_pinned(models, pinned)
        return ModelChoice(pinned, "pinned by report.model")
    finite = {name: value for name, value in scores.items() if value is not None and math.isfinite(value)}
    if not finite:
        raise ArgumentError("model", f"no model of this run ({', '.join(models)}) has a backtest {metric}; pin one.")
    best = min(finite, key=lambda name: (finite[name], name))
    if len(models) == 1:  # "the lowest among nb_glm" would claim a comparison that was never made
        return ModelChoice(best, f"the only candidate, so not chosen by backtest {metric.upper()}")
    others = ", ".join(models)
    return ModelChoice(best, f"chosen as the lowest backtest {metric.upper()} among {others}")


def check_pinned(models: Sequence[str], pinned: str | None) -> None:
    """Fail early when a pinned model is not among the run's ``models``.

    Raises
    ------
    ArgumentError
        ``model``, listing the run's models.
    """
    if pinned is not None and pinned not in models:
        raise ArgumentError(
            "model",
            f"{pinned!r} is not a model of this run; the run's models are {', '.join(models)}. "
            "Pin one of them, or set it to null to report the best by backtest CRPS.",
        )
