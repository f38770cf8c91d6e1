"""The forecaster contract shared by every model.

Modelled on scikit-learn estimators: ``__init__`` only stores hyperparameters, ``fit``
validates the panel, resets learned state and returns ``self``; learned attributes end
in ``_``. Forecasts are count distributions, never Gaussian.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from forecast.columns import quantile_column
from forecast.errors import ArgumentError, DataError, ForecastError
from forecast.models.distributions import CountDistribution

DEFAULT_QUANTILES: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


class PanelError(DataError):
    """Raised when a panel cannot be fitted: names the series or column and the fix."""


class ModelFitError(ForecastError):
    """A model could not give a trustworthy forecast on this panel (the backtest records it)."""


class ConvergenceError(ModelFitError):
    """A fit did not converge, or converged to parameters or forecasts outside documented bounds."""


def panel_to_matrix(panel: pd.DataFrame) -> tuple[np.ndarray, list[str], pd.DatetimeIndex, str]:
    """Validate a long panel and pivot it to ``(n_series, n_periods)``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long frame with ``unique_id, ds, y``; every series on the same regular grid.

    Returns
    -------
    tuple
        ``(y, ids, dates, freq)``; ``ids`` are the series ids as text, in text order
        (the rows of ``y`` follow them), whatever the type of ``unique_id``.

    Raises
    ------
    PanelError
        On missing columns, negative or missing ``y``, duplicate rows, ids with the same
        text, series on different dates, or an irregular grid.
    """
    missing = {"unique_id", "ds", "y"} - set(panel.columns)
    if missing:
        raise PanelError(f"panel lacks column(s) {sorted(missing)}; a panel is a long frame unique_id, ds, y.")
    if panel.empty:
        raise PanelError("panel is empty: nothing to fit.")
    y = pd.to_numeric(panel["y"], errors="coerce")
    if y.isna().any():
        bad = panel.loc[y.isna(), ["unique_id", "ds"]].head(3).to_dict("records")
        raise PanelError(f"panel has missing or non-numeric y at {bad}; fill true zeros or drop the period.")
    if (y < 0).any():
        bad = panel.loc[y < 0, ["unique_id", "ds"]].head(3).to_dict("records")
        raise PanelError(f"panel has negative counts at {bad}; count models need y >= 0.")
    sorted_grid = _sorted_grid(panel, y)
    if sorted_grid is not None:
        return sorted_grid
    try:  # pivot refuses duplicate (unique_id, ds) pairs: no separate hash pass over the rows
        wide = panel.assign(y=y).pivot(index="unique_id", columns="ds", values="y")
    except ValueError as error:
        if not panel.duplicated(["unique_id", "ds"]).any():
            raise
        raise PanelError("panel has duplicate (unique_id, ds) rows; aggregate them first.") from error
    # ids_ are strings in string order, so a panel rebuilt by long_frame (string ids, as
    # ensembles refit their members) pivots to the same rows: 10 sorts before 9.
    wide.index = wide.index.astype(str)
    if wide.index.has_duplicates:
        clash = wide.index[wide.index.duplicated()].tolist()[:3]
        raise PanelError(f"series ids {clash} are distinct values with the same text (e.g. 1 and '1'); give them distinct ids.")
    wide = wide.sort_index(axis=0).sort_index(axis=1)
    if wide.isna().any().any():
        ragged = wide.index[wide.isna().any(axis=1)].tolist()[:3]
        raise PanelError(
            f"series {ragged} do not cover every date of the panel; all series must share one grid "
            "(build the panel with zero-filling, or fit them separately)."
        )
    dates = pd.DatetimeIndex(wide.columns)
    freq = pd.infer_freq(dates) if len(dates) >= 3 else None
    if freq is None:
        raise PanelError(
            "panel dates are not a regular calendar grid (or fewer than 3 periods); a gap between "
            "coverage periods is missing data: build the panel with span='latest' or fit each segment."
        )
    return wide.to_numpy(dtype=float), wide.index.tolist(), dates, freq


def grid_layout(ids: np.ndarray, ds: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The series ids (in row order) and their dates, when a long frame's rows are already a matrix.

    That is: whole series one after the other, each on the same strictly increasing dates
    (so no duplicate and no missing date). Then the value column reshaped to
    ``(n_series, n_dates)`` is the pivot. None otherwise.

    Parameters
    ----------
    ids, ds : numpy.ndarray
        The frame's ``unique_id`` and ``ds`` columns.
    """
    if len(ids) == 0:
        return None
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    n_periods = len(ids) // starts.size
    if starts.size * n_periods != len(ids) or not np.array_equal(starts, np.arange(0, len(ids), n_periods)):
        return None
    grid = ds.reshape(starts.size, n_periods)
    first = grid[0]
    if not (np.all(first[1:] > first[:-1]) and np.all(grid == first)):
        return None
    return ids[starts], first


def _sorted_grid(panel: pd.DataFrame, y: pd.Series) -> tuple[np.ndarray, list[str], pd.DatetimeIndex, str] | None:
    """:func:`panel_to_matrix`'s result by a reshape, when the rows already are the pivot's.

    That is: a :func:`grid_layout` with the series in strictly increasing order of their ids'
    text and at least 3 dates, which is how panels are built and sliced. None otherwise (the
    caller pivots, and names what is wrong).
    """
    ds = panel["ds"].to_numpy()
    layout = grid_layout(panel["unique_id"].to_numpy(), ds) if np.issubdtype(ds.dtype, np.datetime64) else None
    if layout is None or len(layout[1]) < 3:
        return None
    series, first = layout
    names = [str(i) for i in series]
    if any(later <= earlier for earlier, later in zip(names, names[1:])):
        return None
    dates = pd.DatetimeIndex(first, name="ds")
    freq = pd.infer_freq(dates)
    if freq is None:
        return None
    return y.to_numpy(dtype=float).reshape(series.size, -1), names, dates, freq


class Forecaster:
    """Base class: probabilistic count forecasts for every series of a panel.

    Subclasses implement ``_fit(y)`` on the validated ``(n_series, n_periods)`` matrix and
    ``_distribution(h)`` returning a :data:`CountDistribution` of shape ``(n_series, h)``.
    ``pools_series`` says whether a series' forecast depends on the other series of the
    panel; when a panel fit fails, the backtest refits a non-pooling model series by
    series to isolate the series that fail.
    """

    pools_series: bool = True  # the safe assumption for a new model

    # -- hyperparameters -------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p for p in signature.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """Hyperparameters as passed to ``__init__``."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self) -> Forecaster:
        """A new, unfitted forecaster with the same hyperparameters."""
        return type(self)(**self.get_params())

    def __eq__(self, other: object) -> bool:
        # Structural equality (type and hyperparameters), so configs holding member
        # forecasters compare equal after a deep copy, as scikit-learn's clone checks do.
        return type(self) is type(other) and self.get_params() == other.get_params()

    __hash__ = None  # mutable and compared by value

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    # -- fitting ---------------------------------------------------------------------
    def fit(self, panel: pd.DataFrame) -> Forecaster:
        """Fit on a long panel ``unique_id, ds, y``; a refit starts from scratch.

        Returns
        -------
        Forecaster
            ``self``.
        """
        for name in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, name)
        y, ids, dates, freq = panel_to_matrix(panel)
        self.ids_ = ids
        self.dates_ = dates
        self.freq_ = freq
        self.n_periods_ = y.shape[1]
        self._fit(y)
        return self

    def _fit(self, y: np.ndarray) -> None:
        raise NotImplementedError

    def _distribution(self, h: int) -> CountDistribution:
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "ids_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted: call fit(panel) first.")

    def future_dates(self, h: int) -> pd.DatetimeIndex:
        """The ``h`` dates after the end of the training panel."""
        self._check_fitted()
        return pd.date_range(self.dates_[-1], periods=h + 1, freq=self.freq_)[1:]

    def long_frame(self, values: np.ndarray, column: str = "y", future: bool = False) -> pd.DataFrame:
        """A long ``unique_id, ds, <column>`` frame of a ``(n_series, n_steps)`` matrix.

        Parameters
        ----------
        values : numpy.ndarray
            One row per series of ``ids_``; ``n_steps`` columns.
        column : str
            Name of the value column.
        future : bool
            Date the columns with the ``n_steps`` periods after the training panel
            (forecasts) instead of the training dates (the panel itself, so
            ``long_frame(y)`` is what ``fit`` was given, in series and date order).
        """
        return pd.DataFrame(self._long_columns(values, column, future))

    def _long_columns(self, values: np.ndarray, column: str, future: bool) -> dict[str, np.ndarray]:
        """The columns of :meth:`long_frame`, for callers that add columns of their own."""
        self._check_fitted()
        n_series, n_steps = values.shape
        dates = self.future_dates(n_steps) if future else self.dates_
        if n_series != len(self.ids_) or len(dates) != n_steps:
            raise ValueError(
                f"long_frame needs {len(self.ids_)} series x {len(dates)} dates, got shape {values.shape}."
            )
        return {
            # An object array of the ids: numpy's fixed-width strings would be converted back, row by row.
            "unique_id": np.repeat(np.array(self.ids_, dtype=object), n_steps),
            "ds": np.tile(dates, n_series),
            column: values.ravel(),
        }

    def distribution(self, h: int) -> CountDistribution:
        """The predictive distribution for horizons 1..h, shape ``(n_series, h)``."""
        self._check_fitted()
        if h < 1:
            raise ArgumentError("h", f"the horizon must be >= 1, got {h}.")
        return self._distribution(h)

    # -- forecasting -----------------------------------------------------------------
    def predict(
        self, h: int, quantiles: Sequence[float] = DEFAULT_QUANTILES, distribution: CountDistribution | None = None
    ) -> pd.DataFrame:
        """Forecast mean and quantiles.

        Parameters
        ----------
        h : int
            Horizon in panel periods.
        quantiles : sequence of float
            Levels in (0, 1).
        distribution : CountDistribution, optional
            The result of ``distribution(h)`` when the caller already has it (the backtest
            scores it too), so it is not computed twice.

        Returns
        -------
        pandas.DataFrame
            ``unique_id, ds, model, mean, q<level>...``, one row per series and step;
            quantiles are monotone and non-negative.
        """
        levels = sorted(float(q) for q in quantiles)
        if any(not 0 < q < 1 for q in levels):
            raise ArgumentError("quantiles", f"levels must lie in (0, 1), got {levels}.")
        dist = distribution if distribution is not None else self.distribution(h)
        mean = np.clip(dist.mean(), 0.0, None)
        values = dist.quantiles(levels)
        values = np.maximum.accumulate(np.clip(values, 0.0, None), axis=0)  # monotone in level
        # One frame from all its columns: inserting them one by one costs more than the quantiles.
        long = self._long_columns(mean, "mean", future=True)
        columns = {"unique_id": long["unique_id"], "ds": long["ds"], "model": type(self).__name__, "mean": long["mean"]}
        return pd.DataFrame(columns | {quantile_column(q): column.ravel() for q, column in zip(levels, values)})

    def sample(self, h: int, n_samples: int, rng: np.random.Generator | None = None) -> np.ndarray:
        """Sample paths ``(n_series, h, n_samples)`` for sample-based scores such as CRPS.

        Parameters
        ----------
        rng : numpy.random.Generator, optional
            Source of randomness; defaults to one seeded with the model's ``seed``
            (or 0), so repeated calls give the same draws.
        """
        rng = rng if rng is not None else np.random.default_rng(getattr(self, "seed", 0))
        return self.distribution(h).sample(n_samples, rng)
