"""Backtest stage: rolling-origin splits and proper scores over the long frame."""

from forecast.backtest.metrics import crps_from_quantiles, evaluate, interval_hit, pinball_loss
from forecast.backtest.splits import BacktestSpec, cutoffs, rolling_origin

__all__ = ["BacktestSpec", "crps_from_quantiles", "cutoffs", "evaluate", "interval_hit", "pinball_loss", "rolling_origin"]
