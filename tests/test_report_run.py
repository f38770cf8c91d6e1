"""The run report end to end: headline first, model choice, escaping, derived wording, rebuild."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from html import unescape
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecast import pipeline
from forecast.cli.report import report_main
from forecast.cli.run import experiment_from_config, run_from_config
from forecast.errors import ArgumentError
from forecast.models import Naive, WindowAverage
from forecast.report import write_report
from forecast.report.blocks import partition, score
from forecast.report.context import reported_model, shared_scores
from tests.helpers import compose_config, nb_panel
from tests.test_failures import NoZeros

HOSTILE = "<img src=x onerror=alert(1)>"
SMALL = ["backtest.horizon=3", "backtest.n_windows=2", "backtest.step=1", "backtest.n_samples=20", "report.n_samples=400"]
TIMESTAMP = re.compile(r"built \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


@pytest.fixture(scope="module")
def default_run(tmp_path_factory) -> Path:
    """The default experiment (what `make run` runs), written once for this module."""
    return run_from_config(compose_config(), tmp_path_factory.mktemp("default") / "run")


@pytest.fixture(scope="module")
def fast_run(tmp_path_factory) -> Path:
    """The default data, series and report with one backtest window of naive: seconds, not minutes."""
    cfg = compose_config(["backtest.n_windows=1", "model=[naive]", "evaluation.reference=null", "report.n_samples=2000"])
    return run_from_config(cfg, tmp_path_factory.mktemp("fast") / "run")


def _with_totals(samples: pd.DataFrame, totals: dict[str, np.ndarray]) -> pd.DataFrame:
    """``samples`` with each given series' path totals replaced: the total on its first date, 0 after."""
    samples = samples.copy()
    first = samples["ds"] == samples["ds"].min()
    for unique_id, values in totals.items():
        rows = samples["unique_id"] == unique_id
        samples.loc[rows, "y"] = 0.0
        at = samples.index[rows & first]
        samples.loc[at, "y"] = values[samples.loc[at, "sample"].to_numpy()]
    return samples


def test_the_backtest_protocol_counts_its_origins_in_words(fast_run, tmp_path):
    # One window said "1 forecast origins, each forecasting 8 weeks ahead".
    text = (fast_run / "report.md").read_text(encoding="utf-8")
    assert "\n1 forecast origin, forecasting 8 weeks ahead from the data before it, over every series.\n" in text
    run_dir = tmp_path / "run"
    shutil.copytree(fast_run, run_dir)
    backtest = pd.read_parquet(run_dir / "backtest.parquet")
    later = backtest.assign(cutoff=backtest["cutoff"] + pd.Timedelta(weeks=1))  # a second origin, a week on
    pd.concat([backtest, later], ignore_index=True).to_parquet(run_dir / "backtest.parquet", index=False)
    write_report(run_dir)
    assert "\n2 forecast origins, each forecasting 8 weeks ahead" in (run_dir / "report.md").read_text(encoding="utf-8")


def test_headline_probabilities_of_one_partition_add_up_to_one(fast_run, tmp_path):
    run_dir = tmp_path / "run"
    shutil.copytree(fast_run, run_dir)
    samples = pd.read_parquet(run_dir / "samples.parquet")
    assert samples["sample"].nunique() == 2000
    observed = pd.read_parquet(run_dir / "panel.parquet").query("unique_id == 'CHN-RUS/cooperation'")["y"].tail(8).sum()
    # Lead comparison: A above B on 477 paths, tied on 12, below on 1,511: 0.2385, 0.006, 0.7555, which
    # rounded one by one printed 0.24, 0.01 and 0.76 (1.01); largest remainder: 0.24, 0.01, 0.75.
    a = np.r_[np.ones(477), np.zeros(12 + 1511)]
    b = np.r_[np.zeros(477 + 12), np.ones(1511)]
    # Trend of China-Russia cooperation: above its last 8 observed weeks on 469 paths, equal on 7, below on
    # 1,524: 0.2345, 0.0035, 0.762 printed 0.23 and 0.00 (P(lower) 0.76, 0.99 in all); now 0.24 and 0.00.
    trend_totals = np.r_[np.full(469, observed + 1), np.full(7, observed), np.full(1524, observed - 1)]
    samples = _with_totals(
        samples, {"CHN-RUS/military_contact": a, "CHN-USA/military_contact": b, "CHN-RUS/cooperation": trend_totals}
    )
    samples.to_parquet(run_dir / "samples.parquet", index=False)
    write_report(run_dir)
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "over the next 8 weeks) = 0.24**" in text
    assert "Equal totals: 0.01; China–Russia military contact below China–United States military contact: 0.75 (2,000" in text
    assert re.search(r"\| China–Russia cooperation \| [^|]+ \| [^|]+ \| [^|]+ \| 0\.24 \| 0\.00 \| likely falling \|", text)
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "over the next 8 weeks) = 0.24</p>" in html and "military contact: 0.75 (2,000" in html


def test_every_negative_number_has_the_same_minus_sign(tmp_path):
    # naive scored against window_average: negative skill (printed with "-") beside negative differences ("−").
    cfg = compose_config(["backtest.n_windows=1", "model=[naive,window_average]", "evaluation.reference=window_average"])
    run_dir = run_from_config(cfg, tmp_path / "run")
    metrics = pd.read_csv(run_dir / "metrics.csv")
    skill = metrics[(metrics["metric"] == "crps_skill") & (metrics["model"] == "naive") & metrics["unique_id"].isna()]
    overall_skill = skill.loc[skill["horizon"].isna(), "value"].item()
    by_lead = skill.dropna(subset=["horizon"]).sort_values("horizon")["value"]
    assert overall_skill < 0 and (by_lead < 0).any()  # the data give naive a negative skill: the case under test
    for name in ("report.md", "report.html"):
        page = (run_dir / name).read_text(encoding="utf-8").split("<details>")[0]  # the config block is YAML
        assert f"| −{-100 * overall_skill:.1f}% |" in page.replace("</td><td class=\"num\">", " | ")
        for value in by_lead[by_lead < 0]:
            assert f"−{-100 * value:.1f}%" in page
        # No hyphen-minus before a number: dates (2021-08-30) and ids (CHN-RUS) have a word character before it.
        assert not re.findall(r"(?<![\w.\-])-\d", page)


def test_data_attribution_keeps_its_structure(fast_run, tmp_path, monkeypatch):
    markdown = (fast_run / "report.md").read_text(encoding="utf-8")
    section = markdown.split("### Data attribution\n\n")[1].split("<details>")[0]
    # It was flattened and escaped: "\| dataset \| coverage \| origin \| \|---\|..." on one line, "\# Embedded ...".
    assert section.startswith("#### Embedded default data: ICEWS daily event counts\n\n")
    assert "\n| dataset | coverage | origin |\n|---|---|---|\n| `icews18` | 2018-01-01 to 2018-10-31 | ICEWS18" in section
    assert "\n> Boschee, Elizabeth; Lautenschlager" in section and "\n> Ward, Michael (2015). *ICEWS Coded Event Data*." in section
    assert "\\" not in section  # nothing backslash-escaped
    html = (fast_run / "report.html").read_text(encoding="utf-8")
    assert "<h4>Embedded default data: ICEWS daily event counts</h4>" in html
    assert "<tr><td><code>icews18</code></td><td>2018-01-01 to 2018-10-31</td><td>ICEWS18 " in html
    assert "<blockquote><p>Boschee, Elizabeth; Lautenschlager, Jennifer; O&#39;Brien" in html
    assert "is a derived table of <strong>counts</strong>" in html and "| dataset |" not in html

    # A document with lists, and markup in it: lists in both pages, the markup escaped in the HTML.
    document = "Cite:\n\n- the <b>provider</b>\n- the *data set*\n\n1. first\n2. second"
    monkeypatch.setattr("forecast.report.context.attribution", lambda formats, datasets: [document])
    run_dir = tmp_path / "run"
    shutil.copytree(fast_run, run_dir)
    write_report(run_dir)
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "### Data attribution\n\nCite:\n\n- the <b>provider</b>\n- the *data set*\n\n1. first\n2. second\n\n<details>" in markdown
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert (
        "<p>Cite:</p>\n<ul><li>the &lt;b&gt;provider&lt;/b&gt;</li><li>the <em>data set</em></li></ul>\n"
        "<ol><li>first</li><li>second</li></ol>"
    ) in html


def _path_totals(samples: pd.DataFrame, unique_id: str) -> np.ndarray:
    return samples[samples["unique_id"] == unique_id].groupby("sample")["y"].sum().sort_index().to_numpy()


@pytest.mark.slow
def test_first_lines_answer_the_question(default_run):
    first = (default_run / "report.md").read_text(encoding="utf-8").splitlines()[:5]
    pattern = r"P\(China–Russia military contact > China–United States military contact over the next 8 weeks\) = (0\.\d\d|1\.00)"
    found = [m for line in first if (m := re.search(pattern, line))]
    assert found, first
    # The printed probability is the path-by-path share in samples.parquet, of the model the report names.
    samples = pd.read_parquet(default_run / "samples.parquet")
    metrics = pd.read_csv(default_run / "metrics.csv")
    crps = metrics[(metrics["metric"] == "crps") & metrics["unique_id"].isna() & metrics["horizon"].isna()]
    best = crps.sort_values("value")["model"].iloc[0]
    assert set(samples["model"]) == {best} and samples["sample"].nunique() == 2000
    a, b = _path_totals(samples, "CHN-RUS/military_contact"), _path_totals(samples, "CHN-USA/military_contact")
    # Rounded with the tie and below shares so the three add up to 1 (largest remainder).
    assert found[0].group(1) == partition([np.mean(a > b), np.mean(a == b), np.mean(a < b)])[0]
    text = (default_run / "report.md").read_text(encoding="utf-8")
    assert f"Model: {best.replace('_', chr(92) + '_')}, chosen as the lowest backtest CRPS among" in text


def test_a_run_without_skill_reference_says_so(tmp_path):
    cfg = compose_config([*SMALL, "model=[naive]", "evaluation.reference=null"])
    text = (run_from_config(cfg, tmp_path) / "report.md").read_text(encoding="utf-8")
    backtest = pd.read_parquet(tmp_path / "backtest.parquet")
    held = ((backtest["y"] >= backtest["q0.1"]) & (backtest["y"] <= backtest["q0.9"])).mean()
    # It said "No reference model (None) is in this run".
    assert (
        "No skill reference was set (evaluation.reference=null), so no skill is reported. "
        f"Its 80% intervals held {100 * held:.1f}% of {len(backtest)} backtest outcomes"
    ) in text
    # ... and never alone: the calibration gap of metrics.csv stands beside it.
    metrics = pd.read_csv(tmp_path / "metrics.csv")
    gap = metrics[(metrics["metric"] == "calibration_gap") & metrics["unique_id"].isna() & metrics["horizon"].isna()]
    assert f"beside that, its calibration gap is {score(gap['value'].item())} (the largest violation" in text


@pytest.mark.slow
def test_page_reads_as_a_report(default_run):
    text = (default_run / "report.md").read_text(encoding="utf-8")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## Data", "## Series", "## Forecasts", "## Backtest", "## Caveats", "## Provenance"]
    assert text.index("<summary>Resolved configuration") > text.index("## Provenance")
    assert "0.19512525663845245" not in text and "652.000" not in text and "```json" not in text
    assert "| icews18 | 372,840 | 372,840 | 0 | 0 | 468,558 | 2018-01-01 to 2018-10-31 | 19.5% |" in text
    assert "CAMEO codes 062, 0312" in text and "**Frequency.** Weekly (W-SUN); forecasts run 8 weeks ahead." in text
    html = (default_run / "report.html").read_text(encoding="utf-8")
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    # Every figure of the manifest the pipeline wrote, each with its own alt text (fan chart,
    # timeline, leaderboard, skill by lead, PIT, coverage).
    manifest = json.loads((default_run / "figures" / "figures.json").read_text())
    assert sorted(map(unescape, alts)) == sorted(record["alt"] for record in manifest)
    assert len(alts) == len(set(alts)) == 6 and "forecast" not in alts


@pytest.mark.slow
def test_forecast_report_rebuilds_a_copied_folder(default_run, tmp_path, capsys):
    copy = tmp_path / "elsewhere"
    shutil.copytree(default_run, copy)
    (copy / "report.md").unlink()
    (copy / "report.html").unlink()
    report_main([f"run_dir={copy}"])
    assert "forecast-report:" in capsys.readouterr().out
    for name in ("report.md", "report.html"):
        original = TIMESTAMP.sub("built T", (default_run / name).read_text(encoding="utf-8"))
        rebuilt = TIMESTAMP.sub("built T", (copy / name).read_text(encoding="utf-8"))
        assert rebuilt == original
    with pytest.raises(SystemExit) as stop:
        report_main([f"run_dir={tmp_path / 'missing'}"])
    assert stop.value.code == 2 and "run_dir: " in capsys.readouterr().err


def _panel_config(path: Path, overrides: list[str]):
    return compose_config(["data=panel", f"data.path={path}", "model=[naive,window_average]", *SMALL, *overrides])


@pytest.mark.slow
def test_hostile_series_id_title_and_question_are_escaped(tmp_path):
    panel = nb_panel(n_series=2, n_periods=30)
    panel["unique_id"] = panel["unique_id"].map({"s0": HOSTILE, "s1": "s1|<b>"})
    panel.to_csv(tmp_path / "panel.csv", index=False)
    cfg = _panel_config(
        tmp_path / "panel.csv", ["report.title='<script>alert(1)</script>'", f"report.question='{HOSTILE} rising?'"]
    )
    run_dir = run_from_config(cfg, tmp_path / "run")
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    assert HOSTILE not in html and "<script>alert" not in html and "<b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>" in html
    markdown = (run_dir / "report.md").read_text(encoding="utf-8")
    assert markdown.startswith("# \\<script>alert(1)\\</script>\n") and "s1\\|\\<b>" in markdown
    # Outside the fenced config block (where text is literal) markup only appears backslash-escaped.
    prose = markdown.split("<details>")[0]
    assert "\\<img src=x" in prose and not re.search(r"(?<!\\)<(img|script|b>)", prose)


def test_a_panel_the_headline_cannot_compare_is_refused_before_the_backtest(tmp_path):
    # It failed after the backtest and the final forecasts, with their files written.
    nb_panel(n_series=2, n_periods=30).to_csv(tmp_path / "panel.csv", index=False)
    with pytest.raises(ArgumentError, match=r"^report.compare: 'zz' is not among the run's series: s0, s1\.$"):
        run_from_config(_panel_config(tmp_path / "panel.csv", ["report.compare=[s0,zz]"]), tmp_path / "run")
    assert not (tmp_path / "run" / "backtest.parquet").exists()


def _quantile_counts(totals: np.ndarray) -> list[str]:
    return [f"{round(v):,}" for v in np.quantile(totals, [0.5, 0.1, 0.9])]


def test_a_run_of_one_dyad_reports_its_forecast_without_a_comparison(tmp_path):
    # It was refused after composing: "report.compare: the run has one dyad only (['CHN-RUS']); the headline compares two".
    cfg = compose_config(["series.dyads=[[CHN,RUS]]", "backtest.n_windows=1", "model=[naive,window_average]"])
    run_dir = run_from_config(cfg, tmp_path / "run")
    assert (run_dir / "_SUCCESS").is_file()
    samples = pd.read_parquet(run_dir / "samples.parquet")
    model = samples["model"].iloc[0]
    military = _quantile_counts(_path_totals(samples, "CHN-RUS/military_contact"))
    cooperation = _quantile_counts(_path_totals(samples, "CHN-RUS/cooperation"))
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    head, _, rest = text.partition("### Rising or not, per series")
    assert text.startswith(
        "# China–Russia: weekly cooperation and military contact, 8-week forecast\n\n"
        f"**Forecast total of China–Russia military contact over the next 8 weeks: {military[0]} "
        f"(80% interval {military[1]} to {military[2]})**\n\n"
        "*What will China–Russia military contact total over the next 8 weeks?*\n\n"
    )
    assert (
        f"**Forecast total of China–Russia cooperation over the next 8 weeks: {cooperation[0]} "
        f"(80% interval {cooperation[1]} to {cooperation[2]})**."
    ) in head
    assert f"Model: {model.replace('_', chr(92) + '_')}, chosen as the lowest backtest CRPS among" in head
    assert "Backtest CRPS skill against naive" in head or model == "naive"
    assert "P(" not in head and "relative to" not in head and " vs " not in head and "Forecast ratio" not in head
    assert "| China–Russia military contact |" in rest  # the per-series rising-or-not table stays
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    headline = html.split('<section class="headline" aria-label="Answer">')[1].split("</section>")[0]
    assert (
        f'<p class="statement">Forecast total of China–Russia military contact over the next 8 weeks: {military[0]} '
        f"(80% interval {military[1]} to {military[2]})</p>"
    ) in headline
    assert "P(" not in headline and "<p></p>" not in headline and "None" not in html


def test_an_all_zero_series_is_not_said_to_have_wide_intervals(tmp_path):
    panel = nb_panel(n_series=2, n_periods=30)
    panel.loc[panel["unique_id"] == "s1", "y"] = 0.0
    panel.loc[panel["unique_id"] == "s0", "y"] = np.r_[np.zeros(20), np.ones(10)]  # zero in 66.7% of weeks
    panel.to_csv(tmp_path / "panel.csv", index=False)
    text = (run_from_config(_panel_config(tmp_path / "panel.csv", []), tmp_path / "run") / "report.md").read_text(encoding="utf-8")
    # It said "s1 is zero in 100.0% of weeks: its forecast intervals are wide", beside a forecast of 0 (0 to 0).
    assert "- s1 is zero in every week: there is no event to learn from, so its forecasts stay at or near zero.\n" in text
    assert "- s0 is zero in 66.7% of weeks: its forecast intervals are wide, and totals of rare events often tie.\n" in text
    assert "s1 is zero in 100.0%" not in text


@pytest.mark.slow
def test_yearly_panel_says_yearly_and_years(tmp_path, fixtures_dir):
    run_dir = run_from_config(_panel_config(fixtures_dir / "panel_yearly" / "dyad_year.csv", []), tmp_path / "run")
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "# China–Russia vs China–United States: yearly series, 3-year forecast"
    assert re.fullmatch(r"\*\*P\(China–Russia > China–United States over the next 3 years\) = \d\.\d\d\*\*", lines[2])
    assert "Yearly (YS-JAN); forecasts run 3 years ahead." in text and "Forecast periods: 2020 to 2022." in text
    assert not re.search(r"week|ICEWS", text, flags=re.IGNORECASE)


@pytest.mark.slow
def test_pinned_model_must_be_in_the_run(tmp_path):
    panel = nb_panel(n_series=2, n_periods=30)
    panel.to_csv(tmp_path / "panel.csv", index=False)
    with pytest.raises(ArgumentError) as error:
        run_from_config(_panel_config(tmp_path / "panel.csv", ["report.model=theta"]), tmp_path / "run")
    assert error.value.argument == "report.model" and "naive, window_average" in str(error.value)
    assert not (tmp_path / "run" / "backtest.parquet").exists()  # refused before any work
    run_dir = run_from_config(_panel_config(tmp_path / "panel.csv", ["report.model=naive"]), tmp_path / "pinned")
    assert set(pd.read_parquet(run_dir / "samples.parquet")["model"]) == {"naive"}
    assert "Model: naive, pinned by report.model." in (run_dir / "report.md").read_text(encoding="utf-8")


class _FailsOnTheFullPanel(WindowAverage):
    """Fits every backtest window (fewer than 30 periods) and fails the final fit on the whole panel."""

    def _fit(self, y: np.ndarray) -> None:
        if y.shape[1] >= 30:
            raise RuntimeError("fails on the full panel")
        super()._fit(y)


def test_a_model_best_in_the_backtest_without_final_forecasts_is_not_reported(tmp_path):
    # It raised "report.model: samples.parquet holds paths of 'naive' but the report speaks for 'wa'": the
    # pipeline drew the samples from the best model with final forecasts, the report chose among all scored ones.
    nb_panel(n_series=2, n_periods=30).to_csv(tmp_path / "panel.csv", index=False)
    experiment = experiment_from_config(_panel_config(tmp_path / "panel.csv", ["model=[naive]"]))
    models = {"naive": Naive(), "wa": _FailsOnTheFullPanel(window=4)}
    run_dir = pipeline.run(dataclasses.replace(experiment, models=models), tmp_path / "run")
    scores = shared_scores(pd.read_parquet(run_dir / "backtest.parquet"), ["naive", "wa"])
    assert scores["wa"] < scores["naive"]  # wa is the backtest's best, yet has no forecast to report
    assert set(pd.read_parquet(run_dir / "forecasts.parquet")["model"]) == {"naive"}
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    assert (
        "Model: naive, the only candidate, so not chosen by backtest CRPS (wa: no final forecast, see failures.csv)."
    ) in text


@pytest.mark.parametrize("fallback", ["null", "naive"])
def test_the_reported_model_forecast_both_compared_series_itself(tmp_path, fallback):
    # nozeros cannot fit the all-zero s1 but scores best on the rows it has (s0). It was reported: with no
    # fallback the report failed ("report.compare: series ['s1'] have no forecast samples"), with the naive
    # fallback lending it s1 the pipeline refitted it on s1 to draw the samples (ModelFitError traceback).
    panel = nb_panel(n_series=2, n_periods=30)
    panel.loc[panel["unique_id"] == "s1", "y"] = 0.0
    panel.to_csv(tmp_path / "panel.csv", index=False)
    experiment = experiment_from_config(_panel_config(tmp_path / "panel.csv", ["model=[naive]", f"backtest.fallback={fallback}"]))
    run_dir = pipeline.run(dataclasses.replace(experiment, models={"naive": Naive(), "nozeros": NoZeros()}), tmp_path / "run")
    assert reported_model(pd.read_parquet(run_dir / "backtest.parquet"), ["naive", "nozeros"], None).model == "nozeros"
    assert set(pd.read_parquet(run_dir / "samples.parquet")["model"]) == {"naive"}
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "Model: naive, the only candidate, so not chosen by backtest CRPS (nozeros: no final forecast of s1, see failures.csv)." in text
    with pytest.raises(ArgumentError, match=r"^report.model: 'nozeros' has no final forecast of s1 \(failures.csv says why\)"):
        pipeline.run(
            dataclasses.replace(experiment, models={"naive": Naive(), "nozeros": NoZeros()},
                                report=dataclasses.replace(experiment.report, model="nozeros")),
            tmp_path / "pinned",
        )


@pytest.mark.slow
def test_forecast_compare_uses_the_same_renderer(tmp_path):
    from forecast.report.comparison import collate

    panel = nb_panel(n_series=2, n_periods=30)
    panel.to_csv(tmp_path / "panel.csv", index=False)
    for job, model in enumerate(["naive", "window_average"]):
        # Single-model jobs: window_average's job has no naive to be its skill reference.
        cfg = compose_config(["data=panel", f"data.path={tmp_path / 'panel.csv'}", f"model={model}", *SMALL, "evaluation.reference=null"])
        run_from_config(cfg, tmp_path / "sweep" / str(job))
    out = collate(tmp_path / "sweep", n_boot=100, overrides={"0": f"model=naive note={HOSTILE}"})
    html = (out / "report.html").read_text(encoding="utf-8")
    run_html = (tmp_path / "sweep" / "0" / "report.html").read_text(encoding="utf-8")
    style = re.search(r"<style>.*</style>", html, flags=re.S).group(0)
    assert style == re.search(r"<style>.*</style>", run_html, flags=re.S).group(0)  # one base template
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    assert len(alts) == 2 and alts[0] != alts[1]
    assert HOSTILE not in html and "note=&lt;img src=x" in html
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "Diebold–Mariano" in markdown and "![PIT histograms" in markdown and "(figures/pit.png)" in markdown


def test_leaderboard_coverage_is_over_the_forecasts_all_models_made(fast_run, tmp_path):
    # The CRPS column is over the shared forecasts; its coverage column was each model's own rows (metrics.csv).
    run_dir = tmp_path / "run"
    shutil.copytree(fast_run, run_dir)
    backtest = pd.read_parquet(run_dir / "backtest.parquet")
    dropped = backtest["unique_id"] == "CHN-USA/cooperation"
    # naive never covers the series the copy did not forecast: over its own rows its coverage falls.
    naive = backtest.assign(**{"q0.1": backtest["q0.1"].where(~dropped, -1.0), "q0.9": backtest["q0.9"].where(~dropped, -1.0)})
    copy = backtest[~dropped].assign(model="copy")
    pd.concat([naive, copy], ignore_index=True).to_parquet(run_dir / "backtest.parquet", index=False)
    write_report(run_dir)
    kept = backtest[~dropped]
    shared = ((kept["y"] >= kept["q0.1"]) & (kept["y"] <= kept["q0.9"])).mean()
    own = ((naive["y"] >= naive["q0.1"]) & (naive["y"] <= naive["q0.9"])).mean()
    assert abs(shared - own) > 0.05
    text = (run_dir / "report.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert len(rows) == 2 and all(line.rstrip(" |").endswith(f"{100 * shared:.1f}%") for line in rows), rows
