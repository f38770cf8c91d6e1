# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Quickstart: events → series → forecast → backtest
#
# The stages `forecast-run` chains, one library call each, on the ICEWS counts shipped
# with the package (nothing to download). Event families come from the project's
# taxonomy file, `conf/taxonomy/cameo.yaml`, exactly as a run reads them.

# %%
from pathlib import Path

import yaml

from forecast.cli.shell import CONF_DIR
from forecast.events import families_from_mapping
from forecast.events.embedded import embedded_coverage, load_embedded

events = load_embedded()
print(events.summary())
families = families_from_mapping(yaml.safe_load((Path(CONF_DIR) / "taxonomy" / "cameo.yaml").read_text())["families"])
sorted(families)

# %% [markdown]
# Weekly counts of two families for two dyads (undirected, official actors): four series.

# %%
from forecast.series import SeriesSpec, build_panel

spec = SeriesSpec(dyads=[("CHN", "RUS"), ("CHN", "USA")], families=["cooperation", "military_contact"])
panel = build_panel(events.events, spec, families, embedded_coverage())
panel.groupby("unique_id")["y"].agg(["size", "sum", "mean"])

# %% [markdown]
# Two models, a rolling-origin backtest (refit at each cutoff, score the next 8 weeks),
# and the leaderboard with block-bootstrap intervals.

# %%
from forecast.backtest import BacktestSpec, leaderboard, rolling_origin
from forecast.models import NegativeBinomialGLM, WindowAverage

models = {"window_average": WindowAverage(window=8), "nb_glm": NegativeBinomialGLM(n_paths=300)}
backtest = rolling_origin(panel, models, BacktestSpec(horizon=8, n_windows=2, step=4, n_samples=0))
board = leaderboard(backtest, "crps", n_boot=500)
board[["rank", "model", "crps", "diff", "ci_low", "ci_high", "mark"]]

# %% [markdown]
# The best model, refit on everything, forecasts the next 8 weeks; the fan chart also
# shows its last backtest forecast against what happened.

# %%
import pandas as pd

from forecast.report.plots import fan_chart_grid

best = board.loc[board["rank"] == 1, "model"].iloc[0]
forecasts = models[best].fit(panel).predict(8).assign(model=best)
fig = fan_chart_grid(panel, forecasts, families=spec.families, dyads=["CHN-RUS", "CHN-USA"], model=best, backtest=backtest)
forecasts.groupby("unique_id")["mean"].sum().round(1)
