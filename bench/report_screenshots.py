"""Screenshots of a report for the README: the first article, and the overview.

    .venv/bin/python bench/report_screenshots.py out/demo-llm/report.html docs/

Drives Debian's Chromium with Playwright, as the browser test does.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    report, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        page.goto(report.as_uri())
        page.get_by_text("Overview", exact=True).first.click()
        page.screenshot(path=str(out / "report-overview.png"), full_page=False)
        page.get_by_text("Articles", exact=True).first.click()
        page.locator("tbody tr").first.click()
        page.screenshot(path=str(out / "report-article.png"))
        browser.close()
    print(f"wrote {out / 'report-article.png'} and {out / 'report-overview.png'}")


if __name__ == "__main__":
    main()
