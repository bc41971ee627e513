"""The report in a real browser: headless Chromium (Debian's package) driven by Playwright.

Skipped, with the reason, only where no Chromium can be found or started; `.ci/install-browser`
installs it. Playwright's own browser download is never used (it cannot reach its servers here).
"""

from __future__ import annotations

import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from report_data import ROOT, fixture_records, hostile_record, write_jsonl

from extractor.report import write_report
from extractor.schemas import AgreementStatus

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = ROOT / "out" / "test-artifacts" / "report.png"


def _chromium() -> str | None:
    for candidate in (os.environ.get("EXTRACTOR_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="module")
def sync_api():
    return pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")


@pytest.fixture(scope="module")
def browser(sync_api):
    executable = _chromium()
    if executable is None:
        pytest.skip("Chromium not found at /usr/bin/chromium (run .ci/install-browser, or set EXTRACTOR_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=executable, args=ARGS, timeout=30_000)
        except Exception as exc:  # noqa: BLE001 - any launch failure means this machine cannot run the test
            pytest.skip(f"Chromium at {executable} could not start: {str(exc).splitlines()[0]}")
        yield browser
        browser.close()


def _normalized(name: str) -> str:
    return " ".join(re.sub(r"[^\w\s]+", " ", name.casefold()).split())


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The fixtures, a later report of one of their agreements in other spelling, and a hostile article."""
    folder = tmp_path_factory.mktemp("browser")
    records = fixture_records()
    later = next(r for r in records if r.article.id == "negotiations_japan_philippines").model_copy(deep=True)
    later.article.id, later.article.published = "later_japan_philippines", later.article.published.replace(month=9)
    acsa = next(a for a in later.agreements if "Acquisition" in a.name)
    acsa.name, acsa.status = "JAPAN-PHILIPPINES Acquisition and Cross-Servicing Agreement.", AgreementStatus.SIGNED
    records += [later, hostile_record(folder)]
    path = write_report(write_jsonl(folder / "records.jsonl", records), folder / "report.html")
    return path, records


def test_report_in_chromium(browser, report, sync_api):
    path, records = report
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("request", lambda r: problems.append(f"request {r.url}") if not r.url.startswith(("file:", "data:")) else None)
    page.goto(path.as_uri())
    expect = sync_api.expect

    rows = page.locator("#index tbody tr")
    assert rows.count() == len(records)
    by_date = sorted(records, key=lambda r: (r.article.published is None, r.article.published, r.article.id))
    assert [rows.nth(n).locator("td.id").evaluate("e => e.firstChild.textContent") for n in range(rows.count())] == \
        [r.article.id for r in by_date]

    # Every article, walked with Next: each quote span is one highlight, and the text is the article's.
    rows.first.click()
    for n, record in enumerate(by_date):
        expect(page.locator("#position")).to_have_text(f"{n + 1} of {len(records)}")  # hash routing is async
        assert page.inner_text("#article-id") == record.article.id
        heads = page.locator("#article-text mark.hl-q[data-head]")
        assert heads.count() == sum(len(q.spans) for q in record.quotes), record.article.id
        for k, quote in enumerate(record.quotes):
            shown = page.locator(f'#article-text mark.hl-q[data-k="q{k}"]').evaluate_all(
                "ms => ms.map(m => m.textContent)")
            assert shown == [s.text for s in quote.spans]
        if n < len(by_date) - 1:
            page.click("#next")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#article-id")).to_have_text(by_date[-2].article.id)

    # Hovering a quote shows its record item; clicking keeps it in the side panel.
    first = next(r for r in by_date if r.quotes)
    page.goto(path.as_uri() + f"#/a/{records.index(first)}")
    speaker = first.party(first.quotes[0].speaker).name
    page.locator('#article-text mark.hl-q[data-k="q0"]').first.hover()
    assert speaker in page.inner_text("#tip") and first.quotes[0].kind.value in page.inner_text("#tip")
    page.locator('#article-text mark.hl-q[data-k="q0"]').first.click()
    assert speaker in page.inner_text("#selected")

    # The hostile article's markup is text on the page, never elements or script.
    hostile = next(r for r in records if r.article.id == "hostile")
    page.goto(path.as_uri() + f"#/a/{records.index(hostile)}")
    assert "</script><img src=x" in page.inner_text("#article-text")
    assert page.evaluate("document.querySelectorAll('img').length === 0 && window.__pwned === undefined")

    # Filters narrow the index.
    page.click("#back")
    topic_count = sum(any(t.category.value == "terrorism" for t in r.topics) for r in records)
    page.select_option("#f-topic", "terrorism")
    assert 0 < rows.count() == topic_count < len(records)
    page.click("#f-reset")
    page.fill("#f-party", "estonia")
    assert rows.count() == sum(any("estonia" in n.lower() for p in r.parties for n in [p.name, *p.aliases])
                               for r in records)
    page.click("#f-reset")
    page.select_option("#f-status", "signed")
    assert rows.count() == sum(any(a.status.value == "signed" for a in r.agreements) for r in records)
    page.click("#f-reset")
    speaker_name = first.party(first.quotes[0].speaker).name
    page.fill("#f-speaker", speaker_name)
    assert rows.count() == sum(any(r.party(q.speaker) and r.party(q.speaker).name == speaker_name for q in r.quotes)
                               for r in records)
    page.click("#f-reset")
    assert rows.count() == len(records)

    # The timeline: one row per agreement once names and party sets are normalized.
    page.click("#tab-overview")
    keys = Counter((_normalized(a.name), tuple(sorted(_normalized(r.party(p).name) for p in a.parties)))
                   for r in records for a in r.agreements)
    timeline_rows = page.locator("#timeline g.tl-row")
    assert timeline_rows.count() == len(keys)
    reports = timeline_rows.evaluate_all("gs => gs.map(g => Number(g.getAttribute('data-reports')))")
    assert sorted(reports) == sorted(keys.values()) and max(reports) == 2  # the re-spelled one was merged
    assert page.locator("#timeline circle.dot").count() == sum(keys.values())
    assert page.locator("#topics figure").count() == len({t.category for r in records for t in r.topics})
    assert page.locator("#matrix rect.cell").count() > 0

    page.goto(path.as_uri() + f"#/a/{records.index(first)}")
    page.locator('#article-text mark.hl-q[data-k="q1"]').first.hover()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000
    assert problems == []
