"""Coherent probabilistic forecasts of a hierarchy: reconciled joint sample paths.

:class:`Reconciled` wraps any forecaster. It is fitted on every series of a hierarchy
(the bottom ``<dyad>/<family>`` series and their sums, :func:`forecast.series.aggregate_panel`)
and forecasts all of them with sample paths that add up on every path:

``bottom_up``
    The wrapped model is fitted on the bottom series only; its joint sample paths are
    summed through the summing matrix ``S``.
``mint_shrink``
    The wrapped model is fitted on every series; each of its joint sample paths is
    projected onto the coherent subspace with hierarchicalforecast's
    ``MinTrace(method="mint_shrink")`` matrix ``P`` (bottom = ``P @ base``), whose shrunk
    error covariance comes from the model's own out-of-sample errors on holdout windows
    at the end of the training panel. The projected bottom paths are rounded to counts
    and floored at 0 (a small departure from the linear projection, so every draw is a
    count), then summed through ``S``.

The wrapped model's draws are usually independent across series, while event families of
a dyad rise and fall together, so their sum would be too narrow. With
``dependence="gaussian_copula"`` (the default) each step's draws are first reordered across
series (a Gaussian copula, as in the Schaake shuffle): the draws of every series keep their
values, and their ranks follow correlated normals whose correlation is the Ledoit-Wolf
shrunk correlation of the base model's holdout errors (the same holdout windows as the
MinT covariance). ``dependence="model"`` keeps the wrapped model's own joint draws.

Every aggregate path is ``S @ bottom path`` in both methods, so on every path, and hence
in the mean, a total equals the sum of its series. Quantiles are those of the summed
paths: the quantile of a total is not the sum of its families' quantiles (quantiles do
not add), but it is the quantile of the very draws whose sums those families are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from forecast.errors import ArgumentError, DataError
from forecast.models.base import Forecaster, ModelFitError
from forecast.models.distributions import SamplePaths

#: Values of the ``reconcile`` config key; ``none`` scores the base forecasts alone.
RECONCILE_METHODS: tuple[str, ...] = ("none", "bottom_up", "mint_shrink")


def check_reconcile(method: str) -> str:
    """``method`` if it is one of :data:`RECONCILE_METHODS`, else an :class:`ArgumentError` naming ``reconcile``."""
    if method not in RECONCILE_METHODS:
        raise ArgumentError("reconcile", f"{method!r} is unknown; choose one of {list(RECONCILE_METHODS)}.")
    return method


def hierarchy_sums(S: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Each aggregate series of a summing matrix and the bottom series it sums.

    Parameters
    ----------
    S : pandas.DataFrame
        ``Hierarchy.S`` (:func:`forecast.series.build_hierarchy`): rows every series,
        columns the bottom series.

    Returns
    -------
    dict of str to tuple of str
        Aggregate ``unique_id`` to its bottom ``unique_id`` (in ``S``'s column order); the
        bottom series themselves are left out.
    """
    bottom = set(S.columns)
    return {
        str(uid): tuple(str(c) for c in S.columns[row.to_numpy() > 0])
        for uid, row in S.iterrows()
        if uid not in bottom
    }


class Reconciled(Forecaster):
    """A forecaster's sample paths made coherent over a hierarchy (module docstring).

    Parameters
    ----------
    model : Forecaster
        The unfitted base model (cloned at fit time).
    sums : mapping of str to sequence of str
        Every aggregate series and the bottom series it sums (:func:`hierarchy_sums`).
        Every series of the fitted panel that is not a key is a bottom series.
    method : {"bottom_up", "mint_shrink"}
        How paths are made coherent.
    n_paths : int
        Joint sample paths drawn and reconciled.
    dependence : {"gaussian_copula", "model"}
        Reorder each step's draws across series by a Gaussian copula of the holdout
        errors, or keep the model's own joint draws.
    residual_windows, residual_horizon : int
        Up to ``residual_windows`` holdout windows at the end of the
        training panel (each ``residual_horizon`` periods, back to back; fewer when a
        short panel would leave under 8 periods before the first) on which the base model
        is refitted to measure its errors (for the MinT covariance and the copula).
    seed : int
        Seed of the paths.
    """

    pools_series = True  # a total's forecast needs every series under it

    def __init__(
        self,
        model: Forecaster | None = None,
        sums: Mapping[str, Sequence[str]] | None = None,
        method: str = "bottom_up",
        dependence: str = "gaussian_copula",
        n_paths: int = 1000,
        residual_windows: int = 3,
        residual_horizon: int = 4,
        seed: int = 0,
    ) -> None:
        self.model = model
        self.sums = sums
        self.method = method
        self.dependence = dependence
        self.n_paths = n_paths
        self.residual_windows = residual_windows
        self.residual_horizon = residual_horizon
        self.seed = seed

    def _check(self) -> None:
        if not isinstance(self.model, Forecaster):
            raise ArgumentError("model", f"{type(self).__name__} needs a Forecaster to reconcile.")
        if self.method not in RECONCILE_METHODS[1:]:
            raise ArgumentError("method", f"{self.method!r} is unknown; choose one of {list(RECONCILE_METHODS[1:])}.")
        if self.dependence not in ("gaussian_copula", "model"):
            raise ArgumentError("dependence", f"{self.dependence!r} is unknown; choose 'gaussian_copula' or 'model'.")
        for name in ("n_paths", "residual_windows", "residual_horizon"):
            if getattr(self, name) < 1:
                raise ArgumentError(name, f"{type(self).__name__}: must be >= 1, got {getattr(self, name)!r}.")
        if not self.sums:
            raise ArgumentError("sums", f"{type(self).__name__} needs the hierarchy's aggregates (hierarchy_sums).")

    def _summing_matrix(self, y: np.ndarray) -> None:
        """``S_`` in hierarchicalforecast's row order (aggregates, then the bottom) and where each row sits in ``ids_``."""
        position = {uid: i for i, uid in enumerate(self.ids_)}
        aggregates = list(self.sums)
        missing = sorted({*aggregates, *(b for parts in self.sums.values() for b in parts)} - set(position))
        if missing:
            raise DataError(
                f"panel lacks hierarchy series {missing[:5]}; fit {type(self).__name__} on aggregate_panel(panel, hierarchy)."
            )
        bottom = [uid for uid in self.ids_ if uid not in self.sums]
        column = {uid: j for j, uid in enumerate(bottom)}
        top = np.zeros((len(aggregates), len(bottom)))
        for i, uid in enumerate(aggregates):
            top[i, [column[b] for b in self.sums[uid]]] = 1.0
        self.bottom_ = bottom
        self.S_ = np.vstack([top, np.eye(len(bottom))])
        self.rows_ = np.array([position[uid] for uid in [*aggregates, *bottom]])  # S_ row -> ids_ index
        summed = top @ y[self.rows_[len(aggregates) :]]
        off = np.abs(summed - y[self.rows_[: len(aggregates)]]).max(axis=1) > 1e-6
        if off.any():
            raise DataError(
                f"series {[aggregates[i] for i in np.flatnonzero(off)][:3]} are not the sum of their bottom series; "
                "build the panel with aggregate_panel(panel, hierarchy)."
            )

    def _holdout_errors(self, panel: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Realised values and the base model's mean forecasts of ``ids`` on the holdout windows, ``(len(ids), windows * horizon)``."""
        h, n_periods = self.residual_horizon, len(self.dates_)
        # As many windows as leave 8 training periods before the first, up to residual_windows.
        windows = min(self.residual_windows, (n_periods - 8) // h)
        if windows < 1:
            raise ArgumentError(
                "residual_horizon",
                f"{type(self).__name__}: a holdout window of {h} periods leaves {n_periods - h} training periods "
                "(at least 8 needed); lower residual_horizon or train on a longer panel.",
            )
        first = n_periods - h * windows
        rows = panel[panel["unique_id"].isin(ids)]
        wide = rows.pivot(index="unique_id", columns="ds", values="y").sort_index(axis=1).loc[ids].to_numpy(dtype=float)
        actual, fitted = [], []
        for origin in range(first, n_periods, h):
            base = self.model.clone().fit(rows[rows["ds"] < self.dates_[origin]])
            mean = base.distribution(h).mean()
            actual.append(wide[:, origin : origin + h])
            fitted.append(mean[pd.Index(base.ids_).get_indexer(ids)])
        return np.hstack(actual), np.hstack(fitted)

    def _copula(self, errors: np.ndarray) -> np.ndarray:
        """Cholesky factor of the Ledoit-Wolf shrunk correlation of ``errors`` ``(n_series, n_obs)``."""
        from sklearn.covariance import ledoit_wolf

        spread = errors.std(axis=1, keepdims=True)
        # A series without error variance (all zeros, forecast 0) stays uncorrelated.
        standard = np.where(spread > 0, (errors - errors.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0), 0.0)
        cov, _ = ledoit_wolf(standard.T)
        scale = np.sqrt(np.clip(np.diag(cov), 1e-12, None))
        corr = cov / np.outer(scale, scale)
        return np.linalg.cholesky(corr + 1e-9 * np.eye(len(corr)))

    def _reorder(self, draws: np.ndarray) -> np.ndarray:
        """Draws ``(n_series, h, n_paths)`` reordered per step so their ranks across series follow the copula."""
        if self.dependence == "model":
            return draws
        rng = np.random.default_rng([self.seed, 1])
        out = np.empty_like(draws)
        for k in range(draws.shape[1]):
            normals = self.copula_ @ rng.standard_normal((draws.shape[0], draws.shape[2]))
            ranks = np.argsort(np.argsort(normals, axis=1, kind="stable"), axis=1, kind="stable")
            out[:, k] = np.take_along_axis(np.sort(draws[:, k], axis=1), ranks, axis=1)
        return out

    def _fit(self, y: np.ndarray) -> None:
        from hierarchicalforecast.methods import MinTrace

        self._check()
        self._summing_matrix(y)
        panel = self.long_frame(y)
        if self.method == "bottom_up":
            self.model_ = self.model.clone().fit(panel[panel["unique_id"].isin(self.bottom_)])
            if self.dependence == "gaussian_copula":
                self.copula_ = self._copula(np.subtract(*self._holdout_errors(panel, self.bottom_)))
            return
        self.model_ = self.model.clone().fit(panel)
        ordered = list(np.asarray(self.ids_)[self.rows_])  # S_ row order
        actual, fitted = self._holdout_errors(panel, ordered)
        if self.dependence == "gaussian_copula":
            self.copula_ = self._copula(actual - fitted)
        try:
            reconciler = MinTrace(method="mint_shrink").fit(S=self.S_, y_hat=fitted, y_insample=actual, y_hat_insample=fitted)
        except Exception as error:  # noqa: BLE001 - hierarchicalforecast raises bare Exception when ill-conditioned
            raise ModelFitError(f"{type(self).__name__}: MinTrace(mint_shrink) failed: {error}") from error
        self.P_ = reconciler.P  # (n_bottom, n_all), columns in S_ row order

    def _distribution(self, h: int) -> SamplePaths:
        base = self.model_.sample(h, self.n_paths, rng=np.random.default_rng(self.seed))
        if self.method == "bottom_up":
            order = pd.Index(self.model_.ids_).get_indexer(self.bottom_)
            bottom = self._reorder(base[order])
        else:
            order = pd.Index(self.model_.ids_).get_indexer(np.asarray(self.ids_)[self.rows_])
            projected = np.tensordot(self.P_, self._reorder(base[order]), axes=1)
            bottom = np.clip(np.floor(projected + 0.5), 0.0, None)
        coherent = np.tensordot(self.S_, bottom, axes=1)
        paths = np.empty_like(coherent)
        paths[self.rows_] = coherent
        return SamplePaths(paths=paths)


def reconciled_models(
    models: Mapping[str, Forecaster], S: pd.DataFrame, method: str, seed: int = 0, dependence: str = "gaussian_copula"
) -> dict[str, Forecaster]:
    """``<name>+<method>``: each model wrapped in :class:`Reconciled` over the summing matrix ``S``.

    ``method="none"`` gives no model.
    """
    if check_reconcile(method) == "none":
        return {}
    sums = hierarchy_sums(S)
    return {f"{name}+{method}": Reconciled(model=m, sums=sums, method=method, dependence=dependence, seed=seed) for name, m in models.items()}


__all__ = ["RECONCILE_METHODS", "Reconciled", "check_reconcile", "hierarchy_sums", "reconciled_models"]
