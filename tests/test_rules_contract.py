"""What the pipeline relies on from the rules backend, checked on every fixture article and on its gold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from extractor.backends.rules import RULES_VERSION, read_rules
from extractor.core.article import load_article
from extractor.core.grounding import Grounder
from extractor.backends.base import Candidates
from extractor.core.pipeline import ArticleCheck, assemble

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = sorted((ROOT / "fixtures" / "articles").glob("*.txt"))
GOLD = sorted((ROOT / "fixtures" / "gold").glob("rules_*.gold.json"))


def record_of(article):
    answer = Candidates(response=read_rules(article.text), backend="rules", model="rules", prompt_version="rules", attempts=0)
    return assemble(article, answer, ArticleCheck(article.text))


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_every_snippet_is_the_articles_own_words_and_every_name_a_party(path):
    text = load_article(path).text
    response = read_rules(text)
    names = {p.name for p in response.parties}
    for quote in response.quotes:
        # A split quote's parts are joined by one space; each part is in the article, in order.
        assert quote.text in text or Grounder(text).locate(quote.text, allow_split=True) is not None
        assert quote.speaker is None or quote.speaker in names
    for topic in response.topics:
        assert all(snippet in text for snippet in topic.evidence)
    for agreement in response.agreements:
        assert all(snippet in text for snippet in agreement.evidence)
        assert set(agreement.parties) <= names
    assert all(p.affiliation is None or p.affiliation in names for p in response.parties)


@pytest.mark.parametrize("path", ARTICLES, ids=lambda p: p.stem)
def test_the_pipeline_keeps_everything_without_repairs(path):
    article = load_article(path)
    record = record_of(article)
    response = read_rules(article.text)
    assert len(record.quotes) == len(response.quotes)
    assert len(record.agreements) == len(response.agreements)
    repairs = [w for w in record.provenance.warnings if "dropped" in w or "was not among the parties" in w]
    assert repairs == []


def test_deterministic_and_stateless():
    texts = [load_article(p).text for p in ARTICLES]
    first = [read_rules(t).model_dump_json() for t in texts]
    assert [read_rules(t).model_dump_json() for t in reversed(texts)] == list(reversed(first))
    assert RULES_VERSION


def _words(text: str, start: int, end: int) -> set[int]:
    return {m.start() for m in re.finditer(r"\w+", text) if m.start() < end and m.end() > start}


@pytest.mark.parametrize("gold_path", GOLD, ids=lambda p: p.name.split(".")[0])
def test_own_gold_articles_come_out_right(gold_path):
    """The rules_* articles were written for the patterns the backend handles; each must keep working."""
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    article = load_article(ROOT / "fixtures" / "articles" / f"{gold['article']}.txt")
    record = record_of(article)
    forms = {p.id: {p.name.casefold(), *(a.casefold() for a in p.aliases)} for p in record.parties}

    def party(name: str | None) -> str | None:
        if name is None:
            return None
        entry = next(g for g in gold["parties"] if g["name"] == name)
        wanted = {name.casefold(), *(v.casefold() for v in entry.get("variants", []))}
        return next((pid for pid, f in forms.items() if f & wanted), None)

    for g in gold["parties"]:
        assert g.get("optional") or party(g["name"]) is not None, g["name"]
    for g in gold["quotes"]:
        if g.get("optional"):
            continue
        cursor, want = 0, set()
        for part in g["parts"]:
            at = article.text.index(part, cursor)
            want |= _words(article.text, at, at + len(part))
            cursor = at + len(part)
        best = max(record.quotes, key=lambda q: len(want & set().union(
            *(_words(article.text, s.start, s.end) for s in q.spans))))
        got = set().union(*(_words(article.text, s.start, s.end) for s in best.spans))
        assert len(want & got) >= 0.8 * len(want), g["parts"]
        assert best.speaker == party(g["speaker"]), g["parts"]
        assert best.kind.value in [g["kind"], *g.get("kind_variants", [])], g["parts"]
    got_topics = {t.category.value for t in record.topics}
    assert {t["category"] for t in gold["topics"] if t["required"]} <= got_topics
    assert got_topics <= {t["category"] for t in gold["topics"]}
    for g in gold["agreements"]:
        if g.get("optional"):
            continue
        wanted = {party(n) for n in g["parties"]}
        assert any(
            a.status.value in [g["status"], *g.get("status_variants", [])] and a.kind.value == g["kind"]
            and set(a.parties) == wanted
            for a in record.agreements
        ), g["name"]
