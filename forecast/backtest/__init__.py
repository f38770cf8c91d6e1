"""Backtest stage: rolling-origin splits, proper scores, calibration and model comparison."""

from forecast.lazy import lazy_exports

# Public name -> defining module, imported on first access (PEP 562): importing the stage
# must not import every model's stack.
_EXPORTS = {
    name: module
    for module, names in {
        "forecast.backtest.calibration": ("coverage_curve", "pit_histogram", "randomised_pit", "sharpness"),
        "forecast.backtest.compare": (
            "DMResult",
            "block_bootstrap_ci",
            "diebold_mariano",
            "leaderboard",
            "loss_differential",
        ),
        "forecast.backtest.metrics": (
            "calibration_gap",
            "crps_from_quantiles",
            "evaluate",
            "interval_hit",
            "interval_score",
            "metrics_table",
            "overall",
            "pinball_loss",
            "poisson_deviance",
            "row_scores",
            "skill",
        ),
        "forecast.backtest.scoring": ("crps_from_samples", "distribution_scores", "ranked_probability_score"),
        "forecast.backtest.splits": (
            "FAILURE_COLUMNS",
            "BacktestResult",
            "BacktestSpec",
            "cutoffs",
            "final_forecasts",
            "insample_scale",
            "rolling_origin",
            "run_backtest",
        ),
    }.items()
    for name in names
}

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "FAILURE_COLUMNS",
    "BacktestResult",
    "BacktestSpec",
    "DMResult",
    "block_bootstrap_ci",
    "calibration_gap",
    "coverage_curve",
    "crps_from_quantiles",
    "crps_from_samples",
    "cutoffs",
    "diebold_mariano",
    "distribution_scores",
    "evaluate",
    "final_forecasts",
    "insample_scale",
    "interval_hit",
    "interval_score",
    "leaderboard",
    "loss_differential",
    "metrics_table",
    "overall",
    "pinball_loss",
    "pit_histogram",
    "poisson_deviance",
    "randomised_pit",
    "ranked_probability_score",
    "rolling_origin",
    "row_scores",
    "run_backtest",
    "sharpness",
    "skill",
]
