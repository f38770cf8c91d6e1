"""The dyad hierarchy (summing matrix) and forecast reconciliation via hierarchicalforecast.

Levels, from the top:

``source total``
    ``total``: every bottom series of the panel (the selected part of the source).
``actor total``
    ``<ISO3>/total``: every series with that country on either side. A dyad belongs to
    both of its countries, so this level is a grouping, not a tree; reconciliation only
    needs the summing matrix.
``pair total`` and ``pair x family`` (directed panels only)
    ``A-B/total`` and ``A-B/<family>``: ``A>B`` plus ``B>A``, so a directed panel sums to
    the undirected series of the same events. Only directions in the panel are summed:
    select both (``series.countries``, or both orders in ``series.dyads``) for the pair to
    equal the undirected series.
``dyad total``
    ``<dyad>/total``: the dyad's family series summed. Families may overlap
    (``military_contact`` shares events with ``cooperation``), in which case this is a sum
    of series, not a count of distinct events.
``dyad x family``
    The bottom: the panel's own ``<dyad>/<family>`` series.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecast.columns import quantile_columns
from forecast.errors import ArgumentError, DataError
from forecast.series.measures import ADDITIVE_MEASURES
from forecast.series.selection import dyad_labels

RECONCILERS: tuple[str, ...] = ("bottom_up", "ols", "wls_struct", "mint_shrink")
"""``bottom_up`` (BottomUp), then MinTrace with identity, structural or shrunk-covariance weights."""


@dataclass(frozen=True)
class Hierarchy:
    """A summing matrix over a panel's series, and which level each series belongs to.

    Parameters
    ----------
    S : pandas.DataFrame
        ``(n_all, n_bottom)`` 0/1 matrix indexed by every ``unique_id`` (aggregates
        first, bottom last), with the bottom ``unique_id`` as columns.
    tags : dict of str to numpy.ndarray
        Level name to the ``unique_id`` of its series.
    """

    S: pd.DataFrame
    tags: dict[str, np.ndarray]

    @property
    def bottom(self) -> list[str]:
        """The bottom series, in the column order of ``S``."""
        return list(self.S.columns)

    def S_df(self) -> pd.DataFrame:
        """``S`` in hierarchicalforecast's layout: a ``unique_id`` column, one column per bottom series."""
        return self.S.rename_axis("unique_id").reset_index()


def _one_hot(keys: pd.Series, suffix: str) -> pd.DataFrame:
    """Rows ``<key><suffix>``, columns the bottom series, 1 where the series has that key."""
    rows = pd.crosstab(keys.to_numpy(), keys.index.to_numpy()).astype(float)
    rows.index = [f"{key}{suffix}" for key in rows.index]
    return rows.reindex(columns=keys.index)


def build_hierarchy(panel: pd.DataFrame) -> Hierarchy:
    """The summing matrix of a panel from :func:`forecast.series.build_panel`.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long panel with ``unique_id, dyad, source, target, family, measure``.

    Returns
    -------
    Hierarchy

    Raises
    ------
    DataError
        When the measure does not add up across series (``event_days``,
        ``goldstein_mean``) or a family is named ``total``.
    """
    meta = panel.drop_duplicates("unique_id").set_index("unique_id").sort_index()
    not_additive = sorted(set(meta["measure"]) - ADDITIVE_MEASURES)
    if not_additive:
        raise DataError(
            f"panel measure {not_additive} does not add up across series, so it has no hierarchy; "
            f"build the panel with a measure among {sorted(ADDITIVE_MEASURES)}."
        )
    if (meta["family"] == "total").any():
        raise DataError("panel has a family named 'total', reserved for the hierarchy's totals; rename that family.")
    directed = meta["dyad"].str.contains(">", regex=False).all()
    # Each bottom series belongs to both its countries' actor totals.
    actors = _one_hot(meta["source"], "/total").add(_one_hot(meta["target"], "/total"), fill_value=0.0)
    levels = {"source total": pd.DataFrame(1.0, index=["total"], columns=meta.index), "actor total": actors}
    if directed:
        pair = pd.Series(dyad_labels(meta["source"], meta["target"], directed=False), index=meta.index)
        levels["pair total"] = _one_hot(pair, "/total")
        levels["pair x family"] = _one_hot(pair + "/" + meta["family"], "")
    levels["dyad total"] = _one_hot(meta["dyad"], "/total")
    levels["dyad x family"] = pd.DataFrame(np.eye(len(meta)), index=meta.index, columns=meta.index)
    S = pd.concat(levels.values()).fillna(0.0)
    tags = {name: np.asarray(rows.index, dtype=object) for name, rows in levels.items()}
    return Hierarchy(S=S, tags=tags)


def aggregate_panel(panel: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """Every series of the hierarchy (``S @ bottom``) as a long panel ``unique_id, ds, y``.

    Fit the base models on this panel, then :func:`reconcile` their forecasts.
    """
    wide = panel.pivot(index="unique_id", columns="ds", values="y").reindex(hierarchy.bottom)
    if wide.isna().any().any():
        uid, ds = wide.stack(future_stack=True).loc[lambda y: y.isna()].index[0]
        # A DataError, so the shells say it in one line: share is missing where the source has no event.
        raise DataError(
            f"panel has missing y (first: {uid} at {pd.Timestamp(ds).date()}): every bottom series needs a value in "
            "every period to aggregate. A share is missing in periods without any source event: set "
            "series.max_empty_periods=0 to leave them out."
        )
    summed = pd.DataFrame(hierarchy.S.to_numpy() @ wide.to_numpy(), index=hierarchy.S.index, columns=wide.columns)
    return summed.rename_axis(index="unique_id", columns="ds").stack().rename("y").reset_index()


def _reconciler(method: str, nonnegative: bool):
    from hierarchicalforecast.methods import BottomUp, MinTrace

    if method == "bottom_up":
        return BottomUp()
    if method in RECONCILERS:
        return MinTrace(method=method, nonnegative=nonnegative)
    raise ArgumentError("method", f"reconcile: {method!r} is unknown; choose one of {list(RECONCILERS)}.")


def reconcile(
    forecasts: pd.DataFrame,
    hierarchy: Hierarchy,
    method: str = "bottom_up",
    insample: pd.DataFrame | None = None,
    nonnegative: bool = False,
) -> pd.DataFrame:
    """Make base forecasts of every hierarchy series coherent with hierarchicalforecast.

    The ``mean`` column is reconciled, so every level's mean is the sum of its children's.
    Quantiles are not summed (a quantile of a sum is not the sum of quantiles, and
    projecting quantile columns like means scrambles their order): each series keeps its
    own base predictive quantiles, shifted by the change its mean received, so their
    order and spread are kept but they are not coherent.

    Parameters
    ----------
    forecasts : pandas.DataFrame
        ``unique_id, ds, model, mean, q<level>...`` for every ``unique_id`` of
        ``hierarchy.S`` (forecast :func:`aggregate_panel`, not only the bottom). Other
        columns are kept.
    hierarchy : Hierarchy
        From :func:`build_hierarchy`.
    method : {"bottom_up", "ols", "wls_struct", "mint_shrink"}
        ``BottomUp`` or ``MinTrace(method)``.
    insample : pandas.DataFrame, optional
        ``unique_id, ds, model, y, fitted``: in-sample fitted values of every series, needed
        by ``mint_shrink`` to estimate the error covariance.
    nonnegative : bool
        Counts: MinTrace constrains reconciled means to be >= 0, and shifted quantiles
        are floored at 0.

    Returns
    -------
    pandas.DataFrame
        The rows of ``forecasts`` that belong to the hierarchy, values reconciled, plus a
        ``reconciler`` column naming ``method``.

    Raises
    ------
    ValueError
        When a hierarchy series has no base forecast, or ``mint_shrink`` lacks ``insample``.
    """
    from hierarchicalforecast.core import HierarchicalReconciliation

    ids = set(hierarchy.S.index)
    missing = sorted(ids - set(forecasts["unique_id"]))
    if missing:
        raise ValueError(
            f"reconcile: no base forecast for {missing[:5]}; forecast every series of aggregate_panel(panel, hierarchy)."
        )
    if method == "mint_shrink" and insample is None:
        raise ArgumentError(
            "insample", "reconcile: method='mint_shrink' needs insample fitted values (unique_id, ds, model, y, fitted)."
        )
    kept = forecasts[forecasts["unique_id"].isin(ids)]
    # hierarchicalforecast wants one column per model.
    y_hat = kept.pivot(index=["unique_id", "ds"], columns="model", values="mean")
    models = list(y_hat.columns)
    y_df = None
    if insample is not None:
        y_df = insample.pivot(index=["unique_id", "ds"], columns="model", values="fitted")[models]
        y_df = y_df.assign(y=insample.drop_duplicates(["unique_id", "ds"]).set_index(["unique_id", "ds"])["y"])
        y_df = y_df.rename_axis(columns=None).reset_index()
    engine = HierarchicalReconciliation(reconcilers=[_reconciler(method, nonnegative)])
    with warnings.catch_warnings():
        # qpsolvers notes it converts dense matrices to sparse for the nonnegative solve.
        warnings.filterwarnings("ignore", message=".*csc_matrix.*")
        result = engine.reconcile(
            Y_hat_df=y_hat.rename_axis(columns=None).reset_index(), S_df=hierarchy.S_df(), tags=hierarchy.tags, Y_df=y_df
        )
    # hierarchicalforecast names its outputs "<model>/<reconciler>".
    renamed = {next(r for r in result.columns if r.startswith(f"{m}/")): m for m in models}
    means = (
        result[["unique_id", "ds", *renamed]]
        .rename(columns=renamed)
        .melt(id_vars=["unique_id", "ds"], var_name="model", value_name="reconciled")
    )
    out = kept.merge(means, on=["unique_id", "ds", "model"], how="left")
    shift = out["reconciled"] - out["mean"]
    for column in quantile_columns(out):
        out[column] = out[column] + shift
        if nonnegative:
            out[column] = out[column].clip(lower=0.0)
    out["mean"] = out["reconciled"]
    return out.drop(columns="reconciled").assign(reconciler=method).reset_index(drop=True)
