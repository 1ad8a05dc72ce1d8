"""Each case's report, from its real quick run, opened in a real headless browser: Debian's chromium
driven by Playwright (never `playwright install`: no browser download here or in CI).

Checks what a person would see: every plot loaded, the panels there, nothing wider than the
window; a full-page screenshot per case is saved under the test's tmp_path and its path printed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from local_runtime.cases import CASE_IDS
from local_runtime.pipeline import CaseRun
from stacks.case_parts import TrainingStep
from stacks.cases import ALL
from tests.local_runtime.e2e_app import fast

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTHS = (1280, 760)  # a desktop window, and a half-screen one


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is absent (Debian: apt-get install -y chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def tuned(case: str) -> bool:
    steps = fast(next(c for c in ALL if c.id == case)).steps
    return any(isinstance(s, TrainingStep) and s.tuning for s in steps)


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll("section")].filter(
    (s) => s.scrollWidth > s.clientWidth + 1 || s.getBoundingClientRect().right > width + 1);
  return {page: document.documentElement.scrollWidth, width, panels: wide.map((s) => s.id)};
}"""
IMAGES = "() => [...document.images].map((i) => [i.alt, i.complete, i.naturalWidth])"


@pytest.mark.parametrize("case", CASE_IDS)
def test_the_report_shows_in_a_real_browser(
    case: str,
    first_run: Callable[[str], CaseRun],
    browser: Any,
    tmp_path: Path,
    record_property: Callable[[str, object], None],
) -> None:
    run = first_run(case)
    assert run.report is not None
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    try:
        page.goto(Path(run.report).as_uri(), wait_until="load")
        images = page.evaluate(IMAGES)
        assert images and all(loaded and width > 0 for _, loaded, width in images), images
        panels = {"graph", "gate", "deployment", "timeline", "metrics", "plots"}
        panels |= {"tuning"} if tuned(case) else set()
        present = set(page.evaluate("() => [...document.querySelectorAll('section')].map((s) => s.id)"))
        assert panels <= present, panels - present
        assert ("tuning" in present) == tuned(case)
        assert page.locator("#graph g.state.visited").count() > 5
        assert page.locator("#timeline .bar").count() >= page.locator("#timeline .name").count() > 5
        bars = page.evaluate("() => [...document.querySelectorAll('.bar')].map((b) => b.offsetWidth)")
        assert min(bars) > 0, bars
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            layout = page.evaluate(OVERFLOW)
            assert layout["page"] <= layout["width"] and not layout["panels"], (width, layout)
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})
        shot = tmp_path / f"report-{case}.png"
        page.screenshot(path=str(shot), full_page=True)
        plot = page.locator("figure.plot").first
        small = plot.locator("img").bounding_box()["width"]
        plot.click()  # click to enlarge, click again to close
        assert "zoom" in plot.get_attribute("class") and plot.locator("img").bounding_box()["width"] > small
        plot.click()
        assert "zoom" not in plot.get_attribute("class")
    finally:
        page.close()
    print(f"screenshot of {case}'s report: {shot}")
    record_property("screenshot", str(shot))
