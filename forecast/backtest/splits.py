"""Rolling-origin evaluation: refit at each cutoff on data up to it, score the next h periods.

:func:`run_backtest` and :func:`final_forecasts` isolate failures: a model that raises, or
cannot forecast some series, is recorded in a failures table (``model, unique_id, cutoff,
stage, reason``) and everything else is still scored. :func:`rolling_origin` is the strict
form for library use: the first failure is raised.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from forecast.backtest.scoring import distribution_scores
from forecast.errors import ArgumentError
from forecast.models.base import DEFAULT_QUANTILES, Forecaster, ModelFitError
from forecast.models.distributions import CountDistribution
from forecast.progress import progress

#: Minimum training periods of an expanding window when ``train_size`` is not set.
MIN_TRAIN = 8


@dataclass(frozen=True)
class BacktestSpec:
    """A rolling-origin protocol.

    Parameters
    ----------
    horizon : int
        Periods scored from each cutoff.
    n_windows : int
        Number of cutoffs.
    step : int
        Periods between consecutive cutoffs.
    window : {"expanding", "sliding"}
        Train on everything up to the cutoff, or on the last ``train_size`` periods.
    train_size : int, optional
        Length of the sliding window; the minimum training length for ``expanding``
        (default :data:`MIN_TRAIN`).
    gap : int
        Periods skipped between the cutoff and the first scored period (data that would
        not yet be available at forecast time); leads ``gap + 1 .. gap + horizon`` are scored.
    quantiles : sequence of float
        Predictive quantile levels to record.
    n_samples : int
        Predictive draws per forecast for the sample CRPS (0 skips it).
    spike_quantile : float
        A spike is a count above this quantile of the series' training history.
    seed : int
        Seed of the draws.
    fallback : str, optional
        A model of the run that forecasts the series another model fails on (the failure
        is still recorded, with the fallback named). ``None``: failed series have no rows.
    n_jobs : int
        Worker processes over the cutoffs and series chunks (joblib; the backend is the
        run's engine, :mod:`forecast.backtest.engines`). Every random stream is derived from
        ``seed``, the cutoff, the model and the series chunk (and the series when a model is
        refitted series by series), never from the worker, so results are identical for any
        ``n_jobs`` and any engine.
    chunk_size : int, optional
        Series per task: models that do not pool series are fitted chunk by chunk of this
        many whole series (in panel order), so a cluster can share out one cutoff; models
        that pool series are always fitted on the whole panel. ``None``: one chunk. The
        chunks are part of the protocol (they seed the draws), so the same ``chunk_size``
        gives the same bytes on every engine.
    """

    horizon: int = 8
    n_windows: int = 3
    step: int = 4
    window: str = "expanding"
    train_size: int | None = None
    gap: int = 0
    quantiles: Sequence[float] = DEFAULT_QUANTILES
    n_samples: int = 100
    spike_quantile: float = 0.9
    seed: int = 0
    fallback: str | None = None
    n_jobs: int = 1
    chunk_size: int | None = None

    def __post_init__(self) -> None:
        if self.window not in ("expanding", "sliding"):
            raise ArgumentError("window", f"must be 'expanding' or 'sliding', got {self.window!r}.")
        for name in ("horizon", "n_windows", "step", "n_jobs"):
            if getattr(self, name) < 1:
                raise ArgumentError(name, f"must be >= 1, got {getattr(self, name)}.")
        for name in ("gap", "n_samples"):
            if getattr(self, name) < 0:
                raise ArgumentError(name, f"must be >= 0, got {getattr(self, name)}.")
        if self.chunk_size is not None and self.chunk_size < 1:
            raise ArgumentError("chunk_size", f"must be >= 1 or null, got {self.chunk_size}.")
        # A train_size below 1 put cutoffs at negative positions, which index from the panel's end.
        if self.train_size is not None and self.train_size < 1:
            raise ArgumentError("train_size", f"must be >= 1 or null, got {self.train_size}.")
        if self.window == "sliding" and not self.train_size:
            raise ArgumentError("train_size", "window='sliding' needs train_size (periods in each training window).")
        if not 0 < self.spike_quantile < 1:
            raise ArgumentError("spike_quantile", f"must lie in (0, 1), got {self.spike_quantile}.")
        if any(not 0 < float(q) < 1 for q in self.quantiles):
            raise ArgumentError("quantiles", f"must lie in (0, 1), got {list(self.quantiles)}.")


def cutoffs(dates: pd.DatetimeIndex, spec: BacktestSpec) -> list[pd.Timestamp]:
    """The cutoff dates: the last of them leaves exactly ``gap + horizon`` periods to score.

    Raises
    ------
    ArgumentError
        On ``n_windows``, when ``gap + horizon + step * (n_windows - 1)`` plus the minimum
        training length does not fit in the panel, with the numbers and the fix.
    """
    dates = pd.DatetimeIndex(sorted(dates.unique()))
    lead = spec.gap + spec.horizon
    needed = lead + spec.step * (spec.n_windows - 1)
    min_train = spec.train_size or MIN_TRAIN
    if needed + min_train > len(dates):
        raise ArgumentError(
            "n_windows",
            f"the backtest needs {needed} scored periods (gap {spec.gap} + horizon {spec.horizon} + step "
            f"{spec.step} x (n_windows {spec.n_windows} - 1)) plus {min_train} training periods, but the panel "
            f"has {len(dates)}. Lower n_windows, step or horizon.",
        )
    last = len(dates) - lead - 1
    return [dates[last - spec.step * k] for k in reversed(range(spec.n_windows))]


def insample_scale(history: np.ndarray, spike_quantile: float) -> dict[str, np.ndarray]:
    """Per-series scales of the training history, shape ``(n_series,)`` each.

    ``scale_abs`` and ``scale_sq`` are the mean absolute and mean squared one-step naive
    errors (the MASE and RMSSE denominators, Hyndman & Koehler 2006); they are NaN for a
    constant history, where scaled errors are undefined. ``spike_threshold`` is the
    ``spike_quantile`` of the history. Missing periods (NaN: a series that starts after the
    panel does) are left out of all three, which are NaN only without any observation (or,
    for the scales, without two consecutive ones).
    """
    diff = np.diff(history, axis=1)
    observed = ~np.isnan(diff)
    steps = observed.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):  # no observed step: NaN, as for a constant history
        scale_abs = np.where(observed, np.abs(diff), 0.0).sum(axis=1) / steps
        scale_sq = np.where(observed, diff**2, 0.0).sum(axis=1) / steps
    threshold = np.quantile(history, spike_quantile, axis=1)  # NaN on rows with a missing period
    late = np.isnan(threshold) & ~np.isnan(history).all(axis=1)
    if late.any():
        threshold[late] = np.nanquantile(history[late], spike_quantile, axis=1)
    return {
        "scale_abs": np.where(scale_abs > 0, scale_abs, np.nan),
        "scale_sq": np.where(scale_sq > 0, scale_sq, np.nan),
        "spike_threshold": threshold,
    }


#: Columns of a failures table (``failures.csv``).
FAILURE_COLUMNS = ("model", "unique_id", "cutoff", "stage", "reason")


@dataclass(frozen=True)
class BacktestResult:
    """Rows that could be forecast and the failures that could not.

    Parameters
    ----------
    frame : pandas.DataFrame
        Backtest rows (:func:`rolling_origin`'s layout) or final forecasts.
    failures : pandas.DataFrame
        One row per model, series and cutoff that failed: :data:`FAILURE_COLUMNS`;
        ``stage`` is ``backtest`` or ``forecast``, ``reason`` the error type and message
        (and the fallback that forecast the series instead, if any).
    fitted : dict of str to Forecaster
        Final forecasts only: each model fitted on the whole panel in one piece (a model
        refitted series by series after a failure is absent).
    """

    frame: pd.DataFrame
    failures: pd.DataFrame
    fitted: dict[str, Forecaster] = field(default_factory=dict)


@dataclass(frozen=True)
class _Piece:
    """A fitted forecaster over some series, its distribution and forecast frame."""

    forecaster: Forecaster
    dist: CountDistribution
    frame: pd.DataFrame
    stream: tuple[int, ...]  # appended to (seed, cutoff, model) for this piece's draws


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".replace("\n", " ")


def _fit_predict(forecaster: Forecaster, panel: pd.DataFrame, lead: int, quantiles: Sequence[float]) -> _Piece:
    forecaster.fit(panel)
    dist = forecaster.distribution(lead)
    return _Piece(forecaster, dist, forecaster.predict(lead, quantiles, distribution=dist), ())


def _isolated(
    model: Forecaster,
    panel: pd.DataFrame,
    lead: int,
    quantiles: Sequence[float],
    strict: bool,
    last: pd.Timestamp | None = None,
) -> tuple[list[_Piece], dict[str, str]]:
    """Fit ``model`` on the panel and forecast ``lead`` steps, isolating failing series.

    A failed panel fit of a model that does not pool series is retried series by series
    (the series that still fail are recorded, the others forecast); a pooling model's
    failure is recorded for every series, since no series' forecast stands without the
    others. Series whose forecast is not finite, or that end before ``last`` (default: the
    panel's last date), are recorded too. With ``strict`` the first failure is raised
    instead. Hyperparameter errors are recorded like the rest, since some depend on the
    panel (a window longer than a short series); their reason names the argument.

    Returns
    -------
    tuple
        The fitted pieces and ``{unique_id: reason}`` of the failed series.
    """
    ids = list(dict.fromkeys(panel["unique_id"].drop_duplicates().astype(str)))  # dedupe first: one str per series
    last = panel["ds"].max() if last is None else last
    # A chunk whose series all end before the cutoff fits as a panel of its own, but would
    # forecast from its own end: its series fail one by one, as they do in the whole panel.
    early = panel["ds"].max() < last
    try:
        if early:
            raise ModelFitError(f"every series ends before {last:%Y-%m-%d}.")
        pieces = [_fit_predict(model.clone(), panel, lead, quantiles)]
        failed: dict[str, str] = {}
    except Exception as error:  # noqa: BLE001 - any model error is recorded, never fatal to the run
        if strict:
            raise
        if (model.pools_series or len(ids) == 1) and not early:
            note = "whole-panel fit failed (the model pools series, so every series fails with it): " if len(ids) > 1 else ""
            return [], {uid: note + _reason(error) for uid in ids}
        pieces, failed = [], {}
        for k, uid in enumerate(ids):
            rows = panel[panel["unique_id"].astype(str) == uid]
            try:
                if rows["ds"].max() != last:
                    raise ModelFitError(f"series {uid!r} ends at {rows['ds'].max():%Y-%m-%d}, before the panel's {last:%Y-%m-%d}.")
                piece = _fit_predict(model.clone(), rows, lead, quantiles)
                pieces.append(_Piece(piece.forecaster, piece.dist, piece.frame, (k + 1,)))
            except Exception as series_error:  # noqa: BLE001 - recorded per series
                failed[uid] = _reason(series_error)
    kept = []
    for piece in pieces:
        numbers = [c for c in piece.frame.columns if c not in ("unique_id", "ds", "model")]
        finite = np.logical_and.reduce([np.isfinite(piece.frame[c].to_numpy(dtype=float)) for c in numbers])
        bad = sorted(set(piece.frame["unique_id"].to_numpy()[~finite]))
        if bad and strict:
            raise ModelFitError(f"{type(model).__name__}: non-finite forecast for series {bad[:3]}.")
        failed.update({uid: "ModelFitError: non-finite forecast" for uid in bad})
        if bad and len(bad) == len(piece.forecaster.ids_):
            continue
        kept.append(piece)
    return kept, failed


def _failures(model: str, failed: Mapping[str, str], cutoff: pd.Timestamp, stage: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"model": model, "unique_id": list(failed), "cutoff": cutoff, "stage": stage, "reason": list(failed.values())},
        columns=list(FAILURE_COLUMNS),
    )


def _use_fallback(
    frames: dict[str, pd.DataFrame], failed: dict[str, dict[str, str]], fallback: str | None
) -> None:
    """Fill each model's failed series with the fallback model's rows (relabelled), noting it in the reason."""
    # A fallback that failed everywhere has no rows (no columns either) to lend.
    if fallback is None or frames[fallback].empty:
        return
    for name, reasons in failed.items():
        if name == fallback or not reasons:
            continue
        substitute = frames[fallback][frames[fallback]["unique_id"].isin(list(reasons))]
        frames[name] = pd.concat([frames[name], substitute.assign(model=name)], ignore_index=True)
        covered = set(substitute["unique_id"])
        for uid in reasons:
            if uid in covered:
                reasons[uid] += f"; forecast by fallback {fallback!r}"


def _check_fallback(models: Mapping[str, Forecaster], fallback: str | None) -> None:
    if fallback is not None and fallback not in models:
        raise ArgumentError(
            "backtest.fallback", f"{fallback!r} is not a model of this run; choose one of {sorted(models)} or null."
        )


@dataclass(frozen=True)
class _Task:
    """One cutoff's models fitted on one chunk of whole series (all series for pooling models)."""

    j: int
    cutoff: pd.Timestamp
    train: pd.DataFrame
    history: pd.DataFrame
    future: pd.DataFrame
    models: tuple[tuple[int, str, Forecaster], ...]  # (index in the run's models, name, model)
    stream: tuple[int, ...]  # the chunk's part of every draw's seed: () for a single chunk


def _score_task(task: _Task, spec: BacktestSpec, strict: bool) -> tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]]]:
    """Scored rows and failed series of every model of ``task`` (before any fallback)."""
    lead = spec.gap + spec.horizon
    history, future = task.history, task.future
    unseen = history.index[history.isna().all(axis=1)]
    if strict and len(unseen):
        raise ModelFitError(f"series {list(unseen[:3])} have no observation up to the cutoff {task.cutoff:%Y-%m-%d}.")
    frames, failed = {}, {}
    for i, name, model in task.models:
        pieces, failed[name] = _isolated(model, task.train, lead, spec.quantiles, strict, task.cutoff)
        failed[name].update({uid: "DataError: no observation up to the cutoff" for uid in unseen})
        scored = []
        for piece in pieces:
            ids = piece.forecaster.ids_
            scale = insample_scale(history.loc[ids].to_numpy(dtype=float), spec.spike_quantile)
            realised = future.loc[ids]
            dates = piece.forecaster.future_dates(lead)
            if not dates.equals(pd.DatetimeIndex(realised.columns)):
                # A hole in the panel's dates after the cutoff (series.span=all): the periods
                # forecast are matched by date, and those in the hole are unobserved, not the
                # next observed periods (2021's weeks scored a forecast of 2018's).
                realised = realised.reindex(columns=dates)
            realised = realised.to_numpy(dtype=float)
            # One reproducible stream per (cutoff, model, chunk), and per series when refitted series by series.
            rng = np.random.default_rng([spec.seed, task.j, i, *task.stream, *piece.stream])
            scores = distribution_scores(piece.dist, realised, scale["spike_threshold"], spec.n_samples, rng)
            horizon = np.tile(np.arange(1, lead + 1), len(ids))
            forecast = piece.frame
            # Built once, in the result's column order; only the scored leads of series that did not fail.
            columns = {
                "unique_id": forecast["unique_id"].to_numpy(),
                "ds": forecast["ds"].to_numpy(),
                "cutoff": np.full(len(forecast), np.datetime64(task.cutoff, "ns")),
                "y": realised.ravel(),
                "model": np.full(len(forecast), name, dtype=object),
                **{c: forecast[c].to_numpy() for c in forecast.columns if c not in ("unique_id", "ds", "model")},
                "horizon": horizon,
                **{key: np.repeat(value, lead) for key, value in scale.items()},
                **{key: value.ravel() for key, value in scores.items()},
            }
            keep = horizon > spec.gap
            if failed[name]:
                keep &= ~forecast["unique_id"].isin(list(failed[name])).to_numpy()
            if not keep.all():
                columns = {key: value[keep] for key, value in columns.items()}
            scored.append(pd.DataFrame(columns))
        frames[name] = pd.concat(scored, ignore_index=True) if scored else pd.DataFrame()
    return frames, failed


def _merge_window(
    cutoff: pd.Timestamp,
    parts: list[tuple[dict[str, pd.DataFrame], dict[str, dict[str, str]]]],
    names: Sequence[str],
    spec: BacktestSpec,
) -> tuple[list[pd.DataFrame], pd.DataFrame]:
    """One cutoff's rows (one frame per model, chunks in order) and failures, fallback applied."""
    frames, failed = {}, {}
    for name in names:
        found = [f[name] for f, _ in parts if name in f and not f[name].empty]
        frames[name] = pd.concat(found, ignore_index=True) if found else pd.DataFrame()
        failed[name] = {uid: reason for _, r in parts if name in r for uid, reason in r[name].items()}
    _use_fallback(frames, failed, spec.fallback)
    failures = pd.concat([_failures(name, reasons, cutoff, "backtest") for name, reasons in failed.items()])
    return [f for f in frames.values() if not f.empty], failures


def _chunks(ids: Sequence[str], size: int | None) -> list[list[str]]:
    """Consecutive chunks of whole series, in panel order."""
    size = size or max(len(ids), 1)
    return [list(ids[k : k + size]) for k in range(0, len(ids), size)]


def _counted(tasks: list[_Task]) -> Iterator[_Task]:
    """Yield the tasks, advancing a fits bar as each is handed to a worker."""
    with progress(total=sum(len(t.models) for t in tasks), desc="backtest", unit="fit") as bar:
        for task in tasks:
            yield task
            bar.update(len(task.models))


def _rolling_origin(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec, strict: bool) -> BacktestResult:
    _check_fallback(models, spec.fallback)
    panel = panel[["unique_id", "ds", "y"]]
    wide = panel.pivot(index="unique_id", columns="ds", values="y").sort_index(axis=1)
    wide.index = wide.index.astype(str)
    dates = pd.DatetimeIndex(wide.columns)
    lead = spec.gap + spec.horizon
    indexed = list(enumerate(models.items()))
    pooled = tuple((i, name, m) for i, (name, m) in indexed if m.pools_series)
    apart = tuple((i, name, m) for i, (name, m) in indexed if not m.pools_series)
    chunks = _chunks(list(wide.index), spec.chunk_size)
    # Each panel row's chunk, found once rather than per cutoff and chunk.
    chunk_of = panel["unique_id"].astype(str).map({uid: k for k, chunk in enumerate(chunks) for uid in chunk}).to_numpy()
    tasks = []
    for j, cutoff in enumerate(cutoffs(dates, spec)):
        end = dates.get_loc(cutoff) + 1
        begin = end - spec.train_size if spec.window == "sliding" else 0
        in_train = ((panel["ds"] >= dates[begin]) & (panel["ds"] <= cutoff)).to_numpy()
        history, future = wide.iloc[:, begin:end], wide.iloc[:, end : end + lead]
        if pooled or len(chunks) == 1:
            whole = pooled if len(chunks) > 1 else pooled + apart
            tasks.append(_Task(j, cutoff, panel[in_train], history, future, tuple(sorted(whole)), ()))
        if len(chunks) > 1 and apart:
            for k, chunk in enumerate(chunks):
                part = panel[in_train & (chunk_of == k)]
                tasks.append(_Task(j, cutoff, part, history.loc[chunk], future.loc[chunk], apart, (k,)))
    # Workers only change where a task runs: results come back in task order.
    results = Parallel(n_jobs=spec.n_jobs)(delayed(_score_task)(task, spec, strict) for task in _counted(tasks))
    names = list(models)
    merged = [
        _merge_window(cutoff, [r for t, r in zip(tasks, results) if t.j == j], names, spec)
        for j, cutoff in dict.fromkeys((t.j, t.cutoff) for t in tasks)
    ]
    frames = [frame for window, _ in merged for frame in window]
    failures = pd.concat([f for _, f in merged], ignore_index=True)
    return BacktestResult(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(), failures)


def run_backtest(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec) -> BacktestResult:
    """Backtest every model over the cutoffs of ``spec``, recording failures instead of raising.

    Same rows as :func:`rolling_origin` for everything that could be forecast; a model
    that raises, or series it cannot forecast, become rows of ``failures`` (stage
    ``backtest``) and are filled by ``spec.fallback`` when it names a model.

    Raises
    ------
    ArgumentError
        Naming ``backtest.fallback`` when it is not a model of the run, or ``n_windows``
        when the protocol does not fit the panel.
    """
    return _rolling_origin(panel, models, spec, strict=False)


def rolling_origin(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec) -> pd.DataFrame:
    """Backtest every model over the cutoffs of ``spec``; the first model failure is raised.

    Each cutoff refits a clone of every model on the rows with ``ds <= cutoff`` only, so
    nothing learned at one cutoff carries into the next. The realised values after the cutoff are used
    only to score the forecast already made. :func:`run_backtest` records failures instead.

    Returns
    -------
    pandas.DataFrame
        ``unique_id, ds, cutoff, y, model, mean, q<level>...`` then ``horizon`` (lead in
        periods), the training-history columns of :func:`insample_scale` and the per-row
        distribution scores of :func:`forecast.backtest.scoring.distribution_scores`.
    """
    return _rolling_origin(panel, models, spec, strict=True).frame


def final_forecasts(panel: pd.DataFrame, models: Mapping[str, Forecaster], spec: BacktestSpec) -> BacktestResult:
    """Fit every model on the whole panel and forecast ``spec.horizon`` periods, recording failures.

    Returns
    -------
    BacktestResult
        ``frame``: ``unique_id, ds, model, mean, q<level>...``; ``failures`` with stage
        ``forecast`` and the panel's last date as ``cutoff``. Failed series are forecast by
        ``spec.fallback`` when it names a model.
    """
    _check_fallback(models, spec.fallback)
    panel = panel[["unique_id", "ds", "y"]]
    frames, failed, fitted = {}, {}, {}
    for name, model in models.items():
        pieces, failed[name] = _isolated(model, panel, spec.horizon, spec.quantiles, strict=False)
        if len(pieces) == 1 and not failed[name]:
            fitted[name] = pieces[0].forecaster
        kept = [piece.frame[~piece.frame["unique_id"].isin(list(failed[name]))] for piece in pieces]
        frames[name] = pd.concat(kept, ignore_index=True).assign(model=name) if kept else pd.DataFrame()
    _use_fallback(frames, failed, spec.fallback)
    last = panel["ds"].max()
    failures = pd.concat([_failures(name, reasons, last, "forecast") for name, reasons in failed.items()], ignore_index=True)
    kept = [f for f in frames.values() if not f.empty]
    return BacktestResult(pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(), failures, fitted)
