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
# # China–Russia vs China–US military contact
#
# **Question.** Over the next 8 weeks, will China have more military contact with Russia
# than with the United States, and how sure can we be?
#
# Answered step by step through the library API on the ICEWS counts shipped with the
# package. "Military contact" is the family defined in `conf/taxonomy/cameo.yaml`,
# loaded from that file (never re-typed here), so this notebook and `forecast-run`
# count the same events.

# %%
from pathlib import Path

import yaml

from forecast.cli.shell import CONF_DIR
from forecast.events import families_from_mapping

taxonomy = yaml.safe_load((Path(CONF_DIR) / "taxonomy" / "cameo.yaml").read_text())
families = families_from_mapping(taxonomy["families"])
military = families["military_contact"]
for rule in military.rules:
    print(rule)

# %% [markdown]
# ## 1. Weekly series
# Both dyads undirected (China→Russia and Russia→China together), official actors only.

# %%
from forecast.events.embedded import embedded_coverage, load_embedded
from forecast.series import SeriesSpec, build_panel

events = load_embedded()
spec = SeriesSpec(dyads=[("CHN", "RUS"), ("CHN", "USA")], families=["military_contact"])
panel = build_panel(events.events, spec, families, embedded_coverage())
weekly = panel.pivot(index="ds", columns="dyad", values="y")
weekly.describe().round(2)

# %%
from forecast.report.timeline import event_timeline

fig = event_timeline(panel, "military_contact")

# %% [markdown]
# ## 2. Which model to trust: a rolling-origin backtest
# Each model is refit at every cutoff on the weeks up to it and scored on the 8 weeks
# after. The leaderboard's intervals are block-bootstrap intervals of the CRPS
# difference from the best model.

# %%
from forecast.backtest import BacktestSpec, leaderboard, rolling_origin
from forecast.models import Naive, NegativeBinomialGLM, StatsForecastModel, WindowAverage
from forecast.report.figures import leaderboard_plot

models = {
    "naive": Naive(),
    "window_average": WindowAverage(window=8),
    "tsb": StatsForecastModel(model="TSB", params={"alpha_d": 0.2, "alpha_p": 0.2}),
    "nb_glm": NegativeBinomialGLM(n_paths=300),
}
backtest = rolling_origin(panel, models, BacktestSpec(horizon=8, n_windows=3, step=4, n_samples=0))
board = leaderboard(backtest, "crps", n_boot=500)
fig = leaderboard_plot(board)
board[["rank", "model", "crps", "diff", "ci_low", "ci_high", "mark"]]

# %% [markdown]
# ## 3. The forecast and the answer
# The best model is refit on every week and draws joint sample paths of the next 8
# weeks; the answer is the share of paths in which China–Russia's 8-week total exceeds
# China–US's.

# %%
import numpy as np

best = board.loc[board["rank"] == 1, "model"].iloc[0]
fitted = models[best].fit(panel)
paths = fitted.sample(8, 4000, rng=np.random.default_rng(0))  # (series, weeks, paths)
totals = dict(zip(fitted.ids_, paths.sum(axis=1)))
rus, usa = totals["CHN-RUS/military_contact"], totals["CHN-USA/military_contact"]
answer = {
    "model": best,
    "p_russia_more": float((rus > usa).mean()),
    "p_tie": float((rus == usa).mean()),
    "median_total_russia": float(np.median(rus)),
    "median_total_us": float(np.median(usa)),
}
answer

# %% [markdown]
# `p_russia_more` is the forecast probability that China–Russia military contact over the
# next 8 weeks exceeds China–US; how far to trust it is what the backtest above says
# (the calibration figures of `forecast-run`'s report show the same per model).
