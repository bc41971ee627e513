"""The HTML report without a browser: one safe file, streamed, that degrades instead of crashing."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys

import pytest
from report_data import (
    ARTICLES, ROOT, fixture_records, hand_record, hostile_record, report_blob, write_jsonl,
)

from extractor.report import write_report
from extractor.report.charts import Overview, agreement_key


@pytest.fixture(scope="module")
def records():
    return fixture_records()


@pytest.fixture(scope="module")
def fixture_report(records, tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return write_report(write_jsonl(folder / "records.jsonl", records), folder / "report.html")


def test_report_is_one_file_that_loads_nothing_from_the_network(fixture_report):
    html = fixture_report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE)
    assert "<link" not in html and "<script src" not in html and "@import" not in html
    # The policy is what keeps a missed escape from loading or running anything.
    assert "default-src 'none'" in html and "script-src 'sha256-" in html
    assert html.count('type="application/json"') == 1


def test_every_fixture_article_carries_its_text_and_spans(fixture_report, records):
    blob = report_blob(fixture_report.read_text(encoding="utf-8"))
    assert blob["meta"]["articles"] == len(records) and blob["meta"]["bad_lines"] == 0
    for shown, record in zip(blob["articles"], records):
        assert shown["text"] is not None, shown.get("text_note")
        for quote, original in zip(shown["quotes"], record.quotes):
            assert [shown["text"][s:e] for s, e in quote["spans"]] == [s.text for s in original.spans]


def test_hostile_article_text_and_names_stay_data(tmp_path):
    record = hostile_record(tmp_path)
    out = write_report(write_jsonl(tmp_path / "records.jsonl", [record]), tmp_path / "report.html")
    html = out.read_text(encoding="utf-8")
    assert "<img" not in html and "<script>window" not in html
    assert "<svg onload" not in html and "&lt;/script&gt;&lt;svg onload=alert(1)&gt; pact" in html
    # Only the report's own two script elements close: the data blob and the viewer.
    assert html.count("</script>") == 2
    blob = report_blob(html)
    assert "</script><img src=x" in blob["articles"][0]["text"]  # the JSON escapes decode back to the text


def test_bad_lines_are_counted_and_skipped(tmp_path, records):
    lines = [records[0], "{not json", json.dumps({"schema_version": "1"}), "", records[1]]
    out = write_report(write_jsonl(tmp_path / "records.jsonl", lines), tmp_path / "report.html")
    meta = report_blob(out.read_text(encoding="utf-8"))["meta"]
    assert meta["articles"] == 2 and meta["bad_lines"] == 2
    assert meta["bad_examples"][0].startswith("line 2:") and meta["bad_examples"][1].startswith("line 3:")


def test_text_comes_from_articles_dir_when_the_source_is_gone_and_must_match_the_hash(tmp_path, records):
    folder = tmp_path / "kept"
    folder.mkdir()
    original = ARTICLES / "signed_mou_poland_turkiye.txt"
    record = next(r for r in records if r.article.id == original.stem).model_copy(deep=True)
    record.article.source = str(tmp_path / "moved-away.txt")
    (folder / original.name).write_bytes(original.read_bytes())
    records_path = write_jsonl(tmp_path / "records.jsonl", [record])

    found = report_blob(write_report(records_path, tmp_path / "a.html", articles_dir=folder).read_text("utf-8"))
    assert found["articles"][0]["text"] is not None and found["meta"]["text_missing"] == 0

    (folder / original.name).write_text("date 2025-06-11\nSomething else entirely.\n", encoding="utf-8")
    changed = report_blob(write_report(records_path, tmp_path / "b.html", articles_dir=folder).read_text("utf-8"))
    article = changed["articles"][0]
    assert article["text"] is None and "sha256 differs" in article["text_note"]
    # Without the text, the spans keep their own words so the tables still say what was found.
    assert all(len(s) == 3 for q in article["quotes"] for s in q["spans"])


def test_offsets_are_converted_for_text_outside_the_bmp(tmp_path):
    path = tmp_path / "emoji.txt"
    path.write_text("date 2025-01-02\n\U0001F6A2\U0001F6A2 Acme said \"ships matter\". They drafted a pact.\n",
                    encoding="utf-8")
    record = hand_record(path, quote="ships matter", speaker="Acme", agreement="pact", topic_evidence="ships")
    blob = report_blob(write_report(write_jsonl(tmp_path / "r.jsonl", [record]), tmp_path / "r.html").read_text("utf-8"))
    start, end = blob["articles"][0]["quotes"][0]["spans"][0]
    utf16 = blob["articles"][0]["text"].encode("utf-16-le")
    assert utf16[2 * start:2 * end].decode("utf-16-le") == "ships matter"  # how the browser slices


def test_same_agreement_in_several_articles_is_one_timeline_row(tmp_path):
    assert agreement_key("EU\u2013India Pact.", ["India", "European Union"]) == \
        agreement_key("eu-india pact", ["european union", "INDIA"])
    overview = Overview()
    path = tmp_path / "a.txt"
    path.write_text("date 2025-01-02\nAcme said \"yes\". They drafted a pact.\n", encoding="utf-8")
    for n, (name, day) in enumerate([("Acme-Germany Pact", 2), ("ACME Germany pact!", 20), ("Other deal", 5)]):
        overview.add(n, hand_record(path, quote="yes", speaker="Acme", agreement=name, topic_evidence="pact",
                                    published=dt.date(2025, 1, day)))
    svg = overview.timeline_svg()
    assert svg.count('class="tl-row"') == 2 and 'data-reports="2"' in svg


def _synthetic(tmp_path, base, count: int):
    """`count` records without text on disk: the size then measures the report, not the articles."""
    base = base.model_dump(mode="json")
    base["article"]["source"] = None
    path = tmp_path / f"{count}.jsonl"
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            base["article"]["id"] = f"a{n:05d}"
            base["article"]["published"] = (dt.date(2023, 1, 1) + dt.timedelta(days=n % 700)).isoformat()
            base["agreements"][0]["name"] = f"pact {n % 500}"
            handle.write(json.dumps(base) + "\n")
    return write_report(path, tmp_path / f"{count}.html")


def test_ten_thousand_records_make_a_report_that_grows_linearly(tmp_path, records):
    small, large = _synthetic(tmp_path, records[0], 1_000), _synthetic(tmp_path, records[0], 10_000)
    assert report_blob(large.read_text(encoding="utf-8"))["meta"]["articles"] == 10_000
    ratio = large.stat().st_size / small.stat().st_size
    assert 8.5 < ratio < 10.5, ratio  # the pictures are capped, so only the per-article data grows


def test_cli_writes_the_report_and_rejects_a_missing_input(tmp_path, records):
    records_path = write_jsonl(tmp_path / "records.jsonl", records)
    out = tmp_path / "sub" / "report.html"
    ok = subprocess.run([sys.executable, "-m", "extractor", "report", str(records_path), "-o", str(out),
                         "--title", "Weekly <b>digest</b>"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "<title>Weekly &lt;b&gt;digest&lt;/b&gt;</title>" in out.read_text(encoding="utf-8")
    missing = subprocess.run([sys.executable, "-m", "extractor", "report", str(tmp_path / "nope.jsonl"), "-o",
                              str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
