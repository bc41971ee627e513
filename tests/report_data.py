"""Records for the report tests: the fixtures replayed offline, plus hand-made ones for the edge cases."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from extractor import extract, load_article
from extractor.schemas import Agreement, Article, ArticleRecord, Party, Provenance, Quote, Span, Topic

from conftest import fixture_names

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = ROOT / "fixtures" / "articles"

HOSTILE_TEXT = (
    "date 2025-08-01\n"
    "BERLIN: Officials met. \"We reject </script><img src=x onerror=\"window.__pwned=1\"> and "
    "<script>window.__pwned=2</script> [link=http://evil.example]click[/link]\", <b>Evil</b> Corp said. "
    "The parties drafted a pact.\n"
)


def fixture_records() -> list[ArticleRecord]:
    """One record per fixture article, extracted from its recorded model answers."""
    return [extract(ARTICLES / f"{name}.txt", replay=ARTICLES) for name in fixture_names()]


def write_jsonl(path: Path, records: list[ArticleRecord | str]) -> Path:
    lines = [r if isinstance(r, str) else r.model_dump_json() for r in records]
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def span(text: str, snippet: str) -> Span:
    start = text.index(snippet)
    return Span(start=start, end=start + len(snippet), text=snippet)


def hand_record(path: Path, *, quote: str, speaker: str, agreement: str, topic_evidence: str,
                published: dt.date | None = None, source: str | None = "path") -> ArticleRecord:
    """A small valid record of the article at `path`, with one party, quote, topic and agreement."""
    article = load_article(path)
    text = article.text
    speaker_at = [m.start() for m in re.finditer(re.escape(speaker), text)]
    return ArticleRecord(
        article=Article(id=path.stem, source=str(path) if source == "path" else source,
                        published=published or article.published, sha256=article.sha256, length=article.length),
        summary=f"{speaker} said something.",
        parties=[Party(id="P1", name=speaker, kind="company",
                       mentions=[Span(start=s, end=s + len(speaker), text=speaker) for s in speaker_at]),
                 Party(id="P2", name="Germany", kind="country", country_code="DEU")],
        topics=[Topic(category="hybrid_threats", label="injection", evidence=[span(text, topic_evidence)])],
        quotes=[Quote(speaker="P1", text=quote, kind="direct", cue="said", spans=[span(text, quote)], alignment="exact")],
        agreements=[Agreement(name=agreement, kind="other", parties=["P1", "P2"], status="proposed",
                              evidence=[span(text, "drafted a pact")])],
        provenance=Provenance(backend="rules", model="none", prompt_version="test", attempts=0,
                              warnings=["dropped quote 'x': not found in the article after re-asks",
                                        "speaker 'Y' was not among the parties; added it as a person"],
                              extracted_at=dt.datetime(2025, 8, 1, tzinfo=dt.timezone.utc)),
    )


def hostile_record(folder: Path) -> ArticleRecord:
    path = folder / "hostile.txt"
    path.write_text(HOSTILE_TEXT, encoding="utf-8")
    quote = ("We reject </script><img src=x onerror=\"window.__pwned=1\"> and <script>window.__pwned=2</script> "
             "[link=http://evil.example]click[/link]")
    return hand_record(path, quote=quote, speaker="<b>Evil</b> Corp",
                       agreement="</script><svg onload=alert(1)> pact", topic_evidence="<script>window.__pwned=2</script>")


def report_blob(html: str) -> dict:
    """The JSON data blob of a report."""
    start = html.index('<script type="application/json" id="report-data">') + len(
        '<script type="application/json" id="report-data">')
    return json.loads(html[start:html.index("</script>", start)])
