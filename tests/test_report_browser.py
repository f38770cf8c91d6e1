"""The default experiment's report.html in headless Chromium: it loads offline and whole.

Chromium is Debian's ``chromium`` package (installed here when absent), driven by
playwright against that binary; playwright never downloads a browser of its own.
The full-page screenshot is kept in the test's folder and copied to
``outputs/browser/report.png`` for a person to look at.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from forecast.cli.run import run_from_config
from tests.conftest import REPO_ROOT
from tests.helpers import compose_config

os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
# The sections of forecast/report/templates/run.html.j2: the headline answer, then these
# second-level headings in order, then the resolved configuration in a <details> block.
SECTIONS = ["Data", "Series", "Forecasts", "Backtest", "Caveats", "Provenance"]


def _apt(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """``/usr/bin/chromium``, installed with apt-get when absent; skips only when it cannot be installed."""
    if not CHROMIUM.exists():
        if shutil.which("apt-get") is None:
            pytest.skip("Chromium cannot be installed: /usr/bin/chromium is absent and there is no apt-get.")
        result = _apt("install", "-y", "chromium")
        if result.returncode != 0:  # a stale or empty package list: refresh it once and retry
            _apt("update")
            result = _apt("install", "-y", "chromium")
        if result.returncode != 0 or not CHROMIUM.exists():
            pytest.skip(f"Chromium cannot be installed (apt-get install -y chromium failed): {result.stderr.strip()[-300:]}")
    return CHROMIUM


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """report.html of the real default experiment, with a lighter backtest for speed."""
    run_dir = tmp_path_factory.mktemp("run")
    run_from_config(compose_config(["backtest.n_windows=2", "backtest.n_samples=20"]), run_dir)
    return run_dir / "report.html"


@pytest.mark.slow
def test_report_renders_offline_and_whole(chromium, report, tmp_path):
    from playwright.sync_api import sync_playwright

    console_errors, page_errors, requests = [], [], []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(chromium), headless=True, args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            context.on("request", lambda r: requests.append(r.url))
            page.goto(report.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => ({src: e.src.slice(0, 40), w: e.naturalWidth, alt: e.alt}))"
            )
            headings = page.eval_on_selector_all("h2", "els => els.map(e => e.textContent.trim())")
            headline = page.inner_text("section.headline")
            configuration = page.inner_text("details > summary")
            title = page.title()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            context.close()

    assert console_errors == [] and page_errors == []
    assert len(images) >= 5, images  # fan chart, timeline, leaderboard, skill by lead, PIT, coverage
    assert [i for i in images if i["w"] == 0] == []
    assert headings == SECTIONS
    assert "Russia" in headline and len(headline) > 100, headline
    assert configuration.startswith("Resolved configuration")
    assert "China" in title
    leaving = [u for u in requests if not (u.startswith("file://") or u.startswith("data:"))]
    assert leaving == [] and any(u.startswith("file://") for u in requests)
    screenshot = tmp_path / "report.png"
    assert screenshot.stat().st_size > 50_000
    keep = REPO_ROOT / "outputs" / "browser"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(screenshot, keep / "report.png")
