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
# # Bring your own GDELT / ICEWS file
#
# Point the library at your own event files: ingest them with exact accounting (every
# row accepted, quarantined with a reason, or counted as a duplicate), read the
# quarantine, build dyad series and compare models.
#
# ## 1. Ingest and read the quarantine
# `tests/fixtures/icews/events.2018.fixture.tab` is a small file in the ICEWS layout with
# the faults real files have: a short row, a missing code, an impossible date, a code
# that lost its leading zero, a repeated event.

# %%
import tempfile
from pathlib import Path

import pandas as pd

from forecast.pipeline import REPO_ROOT  # the checkout this notebook ships in
from forecast.events import ingest

work = Path(tempfile.mkdtemp(prefix="forecast-notebook-"))
your_file = REPO_ROOT / "tests" / "fixtures" / "icews" / "events.2018.fixture.tab"
summary = ingest(your_file, work / "icews")  # the format is detected from the file
accounting = {k: summary[k] for k in ("format", "rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")}
accounting

# %%
quarantine = pd.read_parquet(summary["outputs"]["quarantine"])
quarantine[["file", "line", "reason"]].assign(file=lambda q: q["file"].map(lambda f: Path(f).name))

# %% [markdown]
# The accepted events are in the canonical schema; `forecast-run data.path=<file>` reads
# the same way. A file this short gives no series worth forecasting, so the next step
# uses a longer one.
#
# ## 2. A longer file: build series and compare models
# Ten months (Jan–Oct 2018) of China–Russia and China–US events written as a tidy CSV (one event per row,
# the canonical columns), here cut from the ICEWS 2018 counts shipped with the package,
# as your own export would be.

# %%
from forecast.events.embedded import load_embedded

embedded = load_embedded().events
source, target = embedded["source_country"], embedded["target_country"]
china_side = ((source == "CHN") & target.isin(["RUS", "USA"])) | ((target == "CHN") & source.isin(["RUS", "USA"]))
mine = embedded[(embedded["source_dataset"] == "icews18") & china_side]
csv_path = work / "my_events.csv"
mine[["date", "source_country", "source_sector", "target_country", "target_sector", "cameo_code", "count"]].to_csv(
    csv_path, index=False
)
summary = ingest(csv_path, work / "mine", format="events")
{k: summary[k] for k in ("rows_read", "rows_accepted", "rows_quarantined", "rows_duplicate")}

# %%
import yaml

from forecast.cli.shell import CONF_DIR
from forecast.events import families_from_mapping
from forecast.events.coverage import observed_coverage
from forecast.series import SeriesSpec, build_panel

events = pd.read_parquet(summary["outputs"]["events"])
families = families_from_mapping(yaml.safe_load((Path(CONF_DIR) / "taxonomy" / "cameo.yaml").read_text())["families"])
spec = SeriesSpec(dyads=[("CHN", "RUS"), ("CHN", "USA")], families=["cooperation"])
panel = build_panel(events, spec, families, observed_coverage(events))
panel.groupby("unique_id")["y"].agg(["size", "sum", "mean"])

# %%
from forecast.backtest import BacktestSpec, leaderboard, rolling_origin
from forecast.models import Naive, NegativeBinomialGLM, WindowAverage

models = {"naive": Naive(), "window_average": WindowAverage(window=8), "nb_glm": NegativeBinomialGLM(n_paths=300)}
backtest = rolling_origin(panel, models, BacktestSpec(horizon=4, n_windows=4, step=4, n_samples=0))
board = leaderboard(backtest, "crps", n_boot=500)
board[["rank", "model", "crps", "diff", "ci_low", "ci_high", "mark"]]
