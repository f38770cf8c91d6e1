"""Model comparison: Diebold–Mariano tests, block-bootstrap intervals and leaderboards.

Loss differentials are taken row by row on the forecasts two models share (same series,
target date and cutoff), averaged over series into one value per ``(cutoff, ds)`` (weighted
by its number of series, so their mean is the difference of the models' mean losses), and
ordered by cutoff then lead: a multi-step backtest is then one serially correlated
series of differentials. Two differentials are dependent when their forecast windows
``(cutoff, ds]`` overlap (the same cutoff, or later cutoffs scoring the same periods);
:func:`dependence_span` turns that into the ``h`` of the DM long-run variance (lags up to
``h - 1``) and of the circular block bootstrap (blocks of ``h``). For a per-horizon board
at lead ``k`` with cutoffs ``s`` periods apart it is ``ceil(k / s)``: the classic ``h`` of
an ``h``-step forecast when ``s = 1``.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from forecast.backtest.metrics import row_scores
from forecast.errors import ArgumentError

KEYS = ["unique_id", "ds", "cutoff"]
#: Differentials that agree to this relative precision are constant (the rest is rounding).
CONSTANT_TOLERANCE = 1e-12


@dataclass(frozen=True)
class DMResult:
    """Outcome of a Diebold–Mariano test.

    Attributes
    ----------
    statistic : float
        HLN-corrected DM statistic; negative when the first model has the lower loss.
    pvalue : float
        From Student's t with ``n - 1`` degrees of freedom.
    n : int
        Number of loss differentials.
    """

    statistic: float
    pvalue: float
    n: int


def diebold_mariano(d: np.ndarray, h: int = 1, alternative: str = "two-sided") -> DMResult:
    """Diebold–Mariano test of equal accuracy with the Harvey–Leybourne–Newbold correction.

    Parameters
    ----------
    d : numpy.ndarray
        Loss differentials ``loss_1 - loss_2`` in time order.
    h : int
        Forecast horizon: autocovariances up to lag ``h - 1`` enter the variance, and
        the HLN factor ``sqrt((n + 1 - 2h + h(h-1)/n) / n)`` scales the statistic.
    alternative : {"two-sided", "less", "greater"}
        ``less``: model 1 is more accurate (mean differential below zero).

    Returns
    -------
    DMResult
        NaN statistic and p-value when fewer than 3 differentials, no more differentials
        than ``h`` (the HLN factor ``(n - h)(n - h + 1) / n**2`` is then 0 or meaningless),
        or zero variance (a constant differential, up to rounding).
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', got {alternative!r}.")
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    n = d.size
    if n < 3 or n <= h:
        return DMResult(np.nan, np.nan, n)
    centred = d - d.mean()
    if np.abs(centred).max() <= CONSTANT_TOLERANCE * np.abs(d).max():
        # A constant differential leaves only the rounding of its mean: no variance to test against.
        return DMResult(np.nan, np.nan, n)
    gamma = np.array([centred[k:] @ centred[: n - k] / n for k in range(min(h, n))])
    variance = (gamma[0] + 2 * gamma[1:].sum()) / n
    if variance <= 0:  # the truncated long-run variance can go negative; fall back to lag 0
        variance = gamma[0] / n
    if variance <= 0:
        return DMResult(np.nan, np.nan, n)
    hln = np.sqrt((n + 1 - 2 * h + h * (h - 1) / n) / n)
    statistic = float(hln * d.mean() / np.sqrt(variance))
    t = stats.t(df=n - 1)
    pvalue = {"two-sided": 2 * t.sf(abs(statistic)), "less": t.cdf(statistic), "greater": t.sf(statistic)}[alternative]
    return DMResult(statistic, float(pvalue), n)


def block_bootstrap_ci(
    d: np.ndarray, block: int, rng: np.random.Generator, n_boot: int = 2000, level: float = 0.95
) -> tuple[float, float]:
    """Circular block bootstrap percentile interval for the mean of a dependent series.

    Parameters
    ----------
    d : numpy.ndarray
        Series in time order (e.g. loss differentials).
    block : int
        Block length; consecutive values inside a block keep their dependence.
    rng : numpy.random.Generator
        Source of the resampled block starts.
    n_boot : int
        Bootstrap replicates.
    level : float
        Interval coverage.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN when fewer than 2 values or no more values than ``block``:
        one block is the whole circle, so every replicate is the sample mean and the
        interval would have zero width.
    """
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    n = d.size
    block = int(max(block, 1))
    if n < 2 or n <= block:
        return (np.nan, np.nan)
    n_blocks = -(-n // block)
    # Circular blocks: every value is equally likely to be drawn, so the resampled means
    # centre on the sample mean (plain moving blocks under-draw both ends).
    starts = rng.integers(0, n, size=(n_boot, n_blocks))
    index = ((starts[:, :, None] + np.arange(block)) % n).reshape(n_boot, -1)[:, :n]
    means = d[index].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(means, [tail, 1 - tail])
    return float(low), float(high)


def row_losses(backtest: pd.DataFrame, metric: str, keep: Sequence[str] = ()) -> pd.DataFrame:
    """``unique_id, ds, cutoff, horizon, model, [keep...], loss`` for one per-row metric of :func:`row_scores`.

    Raises
    ------
    ArgumentError
        Naming ``metric`` when it has no per-row loss, listing those that have one.
    """
    scores = row_scores(backtest)
    if metric not in scores:
        raise ArgumentError("metric", f"{metric!r} has no per-row loss; choose one of {sorted(scores.columns)}.")
    y = backtest["y"].to_numpy(dtype=float)
    fractional = np.isfinite(y) & (y % 1 != 0)
    if metric == "log_score" and fractional.any():
        # A count law gives such an outcome no probability: ranking on the rest would rank on the whole values only.
        raise ArgumentError(
            "metric",
            f"'log_score' is undefined for {int(fractional.sum())} of {int(np.isfinite(y).sum())} outcomes, which are "
            "not whole numbers (series.measure=share or a fractional panel); rank by 'crps'.",
        )
    columns = list(dict.fromkeys([*KEYS, "horizon", "model", *keep]))
    return backtest[columns].assign(loss=scores[metric].to_numpy())


def _differential(losses: pd.DataFrame, model: str, other: str) -> pd.Series:
    """Series-averaged ``loss(model) - loss(other)`` indexed by ``(cutoff, ds)``, sorted.

    Each term is the sum over its series divided by the mean number of series per term:
    the series mean when every term has the same series, and otherwise weighted so that
    the terms' mean is the row mean difference the models are ranked by (a plain mean
    per term would let a term with one series weigh as much as one with many).
    """
    wide = losses[losses["model"].isin([model, other])].pivot_table(index=KEYS, columns="model", values="loss")
    both = wide.dropna()
    terms = (both[model] - both[other]).groupby(level=["cutoff", "ds"])
    return (terms.sum() / terms.size().mean()).sort_index()


def loss_differential(losses: pd.DataFrame, model: str, other: str) -> np.ndarray:
    """Series-averaged ``loss(model) - loss(other)`` per ``(cutoff, ds)``, ordered by cutoff then ds (see :func:`_differential`)."""
    return _differential(losses, model, other).to_numpy()


def dependence_span(cutoff: Sequence, ds: Sequence) -> int:
    """``h`` for a differential series ordered by cutoff then ds: 1 + the farthest apart two dependent terms lie.

    Terms ``i < j`` are dependent when their windows ``(cutoff, ds]`` overlap, that is
    when ``cutoff_j < ds_i``: the same cutoff, or a later one that scores some of the
    same periods (their errors share the realised values of those periods).

    Parameters
    ----------
    cutoff, ds : sequence of datetime-like
        Keys of the series, sorted by cutoff then ds, with ``ds > cutoff``.

    Returns
    -------
    int
        At least 1; e.g. ``ceil(k / s)`` for lead ``k`` alone with cutoffs ``s`` periods apart.
    """
    cutoff = np.asarray(pd.to_datetime(np.asarray(cutoff)), dtype="datetime64[ns]")
    ds = np.asarray(pd.to_datetime(np.asarray(ds)), dtype="datetime64[ns]")
    if cutoff.size == 0:
        return 1
    last_dependent = np.searchsorted(cutoff, ds, side="left") - 1  # last j with cutoff_j < ds_i
    return int(max(1, (last_dependent - np.arange(cutoff.size)).max() + 1))


def common_rows(losses: pd.DataFrame, metric: str = "loss") -> pd.DataFrame:
    """The rows whose ``(unique_id, ds, cutoff)`` every model forecast and scored, so means compare like with like.

    A NaN loss (a score the model's backtest has no column or value for) counts as not
    forecast: otherwise a model would be averaged over fewer, possibly easier, rows.
    ``metric`` names the loss in the error below.

    Raises
    ------
    ArgumentError
        Naming ``metric`` when a model has no loss at all.
    ValueError
        When the models share no forecast at all.
    """
    scored = losses["loss"].notna()
    unscored = sorted(set(losses["model"]) - set(losses.loc[scored, "model"]))
    if unscored:
        raise ArgumentError(
            "metric", f"model(s) {unscored} have no {metric!r} value in their backtest; rank by a loss every model has."
        )
    losses = losses[scored]
    n_models = losses["model"].nunique()
    shared = losses.groupby(KEYS)["model"].transform("nunique") == n_models
    if not shared.any():
        raise ValueError(
            "the models share no (unique_id, ds, cutoff) forecast: compare runs on the same series and protocol."
        )
    return losses[shared]


def _marks(pvalue: float) -> str:
    if not np.isfinite(pvalue):
        return ""
    return "**" if pvalue < 0.01 else "*" if pvalue < 0.05 else ""


def check_n_boot(n_boot: int) -> None:
    """Raise :class:`ArgumentError` naming ``n_boot`` unless it is an integer >= 1."""
    if isinstance(n_boot, bool) or not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ArgumentError("n_boot", f"must be an integer >= 1, got {n_boot!r}.")


def leaderboard(
    backtest: pd.DataFrame,
    metric: str = "crps",
    by: Sequence[str] = (),
    reference: str | None = None,
    n_boot: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """Rank models by mean loss and test each against the best (or a reference) model.

    Parameters
    ----------
    backtest : pandas.DataFrame
        Output of :func:`forecast.backtest.rolling_origin` for several models.
    metric : str
        Per-row loss to rank by (``crps``, ``mae``, ``log_score``, ...).
    by : sequence of str
        Columns of ``backtest`` giving one board per group: ``["unique_id"]``,
        ``["horizon"]``, or e.g. a ``dyad`` column.
    reference : str, optional
        Compare every model with this one instead of with the best.
    n_boot : int
        Bootstrap replicates for the interval of the mean loss difference.
    seed : int
        Seed of the bootstrap.

    Only forecasts that every model made and scored are ranked (see :func:`common_rows`).

    Returns
    -------
    pandas.DataFrame
        ``[by...], rank, model, <metric>, versus, diff, ci_low, ci_high, dm_stat,
        p_value, mark`` where ``diff = mean loss - mean loss of versus`` and ``mark`` is
        ``*`` (p < 0.05) or ``**`` (p < 0.01) from a two-sided HLN-corrected DM test;
        the DM lags and the bootstrap block follow :func:`dependence_span` of the board's
        differentials.

    Raises
    ------
    ArgumentError
        Naming ``metric`` (no per-row loss, or a model without any), ``n_boot`` (not >= 1) or ``reference``
        (not in the backtest).
    """
    check_n_boot(n_boot)
    losses = common_rows(row_losses(backtest, metric, keep=by), metric)
    rng = np.random.default_rng(seed)
    boards = []
    groups = losses.groupby(list(by), sort=True) if by else [((), losses)]
    for key, group in groups:
        means = group.groupby("model")["loss"].mean().sort_values()
        versus = reference if reference is not None else means.index[0]
        if versus not in means.index:
            raise ArgumentError("reference", f"model {versus!r} is not in the backtest; choose one of {sorted(means.index)}.")
        rows = []
        for model, value in means.items():
            row = {"model": model, metric: value, "versus": versus}
            if model != versus:
                diff = _differential(group, model, versus)
                h = dependence_span(diff.index.get_level_values("cutoff"), diff.index.get_level_values("ds"))
                d = diff.to_numpy()
                dm = diebold_mariano(d, h=h)
                low, high = block_bootstrap_ci(d, block=h, rng=rng, n_boot=n_boot)
                row |= {"diff": d.mean(), "ci_low": low, "ci_high": high, "dm_stat": dm.statistic, "p_value": dm.pvalue}
                row["mark"] = _marks(dm.pvalue)
            rows.append(row)
        board = pd.DataFrame(rows)
        board.insert(0, "rank", np.arange(1, len(board) + 1))
        for column, value in zip(by, key if isinstance(key, tuple) else (key,)):
            board.insert(0, column, value)
        boards.append(board)
    columns = [*by, "rank", "model", metric, "versus", "diff", "ci_low", "ci_high", "dm_stat", "p_value", "mark"]
    return pd.concat(boards, ignore_index=True).reindex(columns=columns).fillna({"mark": ""})
