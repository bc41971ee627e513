"""The scorer against small hand-written gold files in tests/data/eval (two articles).

Records are built from the gold itself (a perfect prediction) and then damaged
one way per test, so each test shows which figure moves and which stays.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from extractor.eval import GoldArticle, GoldError, PRF, evaluate, load_gold_dir, score
from extractor.eval.match import normalize_name, trim_span
from extractor.schemas import Agreement, Article, ArticleRecord, Party, Provenance, Quote, Span, Topic

DATA = ROOT / "tests" / "data" / "eval"
GOLD = DATA / "gold"


@pytest.fixture(scope="module")
def golds() -> dict[str, GoldArticle]:
    return {item.name: item for item in load_gold_dir(GOLD)}


def span(text: str, start: int, end: int) -> Span:
    return Span(start=start, end=end, text=text[start:end])


def perfect_record(item: GoldArticle, *, optional: bool = True) -> ArticleRecord:
    """What a flawless extractor would return for this gold file (optional items included or not)."""
    text, gold = item.text, item.gold
    keep = [p for p in gold.parties if optional or not p.optional]
    ids = {p.name: f"P{n}" for n, p in enumerate(keep, 1)}
    parties = []
    for p in keep:
        at = text.find(p.name)
        parties.append(Party(
            id=ids[p.name], name=p.name, kind=p.kind, role=p.role, affiliation=ids.get(p.affiliation or ""),
            country_code=p.country_code, aliases=p.variants,
            mentions=[span(text, at, at + len(p.name))] if at >= 0 else [],
        ))
    quotes = [
        Quote(speaker=ids.get(q.speaker or ""), text=" ".join(q.parts), kind=q.kind, cue="said",
              spans=[span(text, s, e) for s, e in spans], alignment="exact")
        for q, spans in zip(gold.quotes, item.quote_spans) if optional or not q.optional
    ]
    topics = [Topic(category=t.category, label=t.category.value, evidence=[span(text, 0, 4)])
              for t in gold.topics if optional or t.required]
    agreements = [
        Agreement(name=a.name, kind=a.kind or "other", parties=[ids[n] for n in a.parties], status=a.status,
                  evidence=[span(text, 0, 4)])
        for a in gold.agreements if optional or not a.optional
    ]
    return ArticleRecord(
        article=Article(id=item.name, sha256=item.article.sha256, length=len(text)),
        summary="test", parties=parties, topics=topics, quotes=quotes, agreements=agreements,
        provenance=Provenance(backend="test", model="none", prompt_version="0", attempts=0,
                              extracted_at=dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)),
    )


def figure(report, key: str) -> float | None:
    value = report.figures[key]
    return value.f1 if isinstance(value, PRF) else value.accuracy


def test_perfect_prediction_scores_one_on_every_figure(golds):
    report = score(list(golds.values()), [perfect_record(item) for item in golds.values()])
    for key, value in report.figures.items():
        assert figure(report, key) == 1.0, (key, value)
        if isinstance(value, PRF):
            assert value.precision == value.recall == 1.0, key
    assert report.missing_records == [] and report.leaks == [] and report.bad_lines == []
    # 2 required quotes + 1 in the other article; the optional quote, though matched, is not a TP.
    assert report.figures["quotes_overlap"].tp == 3


def test_empty_prediction_has_zero_recall_and_no_precision(golds):
    empty = perfect_record(golds["norway_japan"]).model_copy(update={"parties": [], "quotes": [], "topics": [],
                                                                     "agreements": []})
    report = score(list(golds.values()), [empty])
    for key in ("parties", "quotes_exact", "quotes_overlap", "topics", "agreements"):
        counts = report.figures[key]
        assert counts.recall == 0.0 and counts.precision is None and counts.f1 == 0.0, key
        assert counts.fn > 0 and counts.tp == counts.fp == 0
    # No matched party or quote means nothing to check: accuracies are n/a, not 0.
    assert report.figures["quote_speaker"].accuracy is None
    assert report.missing_records == ["poland_k9"]
    assert report.figures["grounding"].total == 0


def test_missing_record_counts_its_gold_as_missed(golds):
    report = score(list(golds.values()), [perfect_record(golds["norway_japan"])])
    # poland_k9's three parties are all missed; norway_japan's are all found.
    assert report.figures["parties"].fn == 3 and report.figures["parties"].fp == 0
    assert report.as_dict()["per_article"]["poland_k9"]["record_id"] is None


def test_off_by_one_span_fails_exact_but_matches_by_overlap(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    nakatani = record.quotes[1]
    start, end = item.quote_spans[1][0]
    nakatani.spans = [span(item.text, start + 1, end)]  # "apan would send ..."
    report = score([item], [record])
    assert report.figures["quotes_exact"].tp == 1 and report.figures["quotes_exact"].fn == 1
    assert figure(report, "quotes_overlap") == 1.0


def test_quotation_marks_and_punctuation_at_span_ends_do_not_break_exact_match(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    start, end = item.quote_spans[0][0]
    assert item.text[start - 1] == '"' and item.text[end:end + 2] == ',"'
    record.quotes[0].spans[0] = span(item.text, start - 1, end + 2)
    assert trim_span(item.text, start - 1, end + 2) == (start, end)
    assert figure(score([item], [record]), "quotes_exact") == 1.0


def test_swapped_speakers_score_zero_attribution_with_full_overlap(golds):
    item = golds["norway_japan"]
    record = perfect_record(item, optional=False)
    sandvik, nakatani = record.quotes
    sandvik.speaker, nakatani.speaker = nakatani.speaker, sandvik.speaker
    report = score([item], [record])
    assert figure(report, "quotes_overlap") == 1.0
    assert report.figures["quote_speaker"].as_dict() == {"correct": 0, "total": 2, "accuracy": 0.0}
    assert len(report.articles[0].errors["speakers_wrong"]) == 2


def test_forbidden_name_as_a_party_is_a_leak(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    at = item.text.find("Captain Override")
    record.parties.append(Party(id="P99", name="Override", kind="person", aliases=["captain override"],
                                mentions=[span(item.text, at, at + 16)]))
    said = item.text.find("Japan leaves the talks")
    record.quotes.append(Quote(speaker="P99", text="Japan leaves the talks", kind="direct",
                               spans=[span(item.text, said, said + 22)], alignment="exact"))
    report = score([item], [record])
    assert report.leaks == [{"article": "norway_japan", "party_id": "P99", "party": "Override",
                             "forbidden": ["Captain Override"], "quotes_spoken": 1}]
    assert report.figures["parties"].fp == 1 and report.figures["quotes_overlap"].fp == 1


def test_optional_items_are_neither_missed_nor_false_positives(golds):
    item = golds["norway_japan"]
    without = score([item], [perfect_record(item, optional=False)]).figures
    with_optional = score([item], [perfect_record(item, optional=True)]).figures
    for key in ("parties", "quotes_overlap", "topics", "agreements"):
        assert without[key].as_dict() == with_optional[key].as_dict(), key
        assert without[key].f1 == 1.0
    # A matched optional party still has its attributes checked.
    assert with_optional["party_kind"].total == without["party_kind"].total + 1


def test_unlisted_topic_is_a_false_positive_and_a_missing_one_a_miss(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    record.topics = [t for t in record.topics if t.category.value != "military_exercises"]
    record.topics.append(Topic(category="cyber_security", label="cyber", evidence=[span(item.text, 0, 4)]))
    report = score([item], [record])
    topics = report.figures["topics"]
    assert (topics.tp, topics.fp, topics.fn) == (2, 1, 1)
    assert report.topics_by_category["cyber_security"].fp == 1


def test_party_attributes(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    sandvik = next(p for p in record.parties if p.name == "Tore Sandvik")
    sandvik.name, sandvik.aliases = "Sandvik", []  # a variant is enough to match
    sandvik.role = "Norwegian Defence Minister"  # contains the gold role
    sandvik.affiliation = next(p.id for p in record.parties if p.name == "Japan")
    sandvik.country_code = None
    report = score([item], [record])
    assert figure(report, "parties") == 1.0 and figure(report, "party_role") == 1.0
    assert report.figures["party_affiliation"].total - report.figures["party_affiliation"].correct == 1
    assert report.figures["party_country_code"].total - report.figures["party_country_code"].correct == 1


def test_agreement_matched_by_parties_when_its_name_differs(golds):
    item = golds["norway_japan"]
    record = perfect_record(item)
    record.agreements[0].name = "High North arrangement"  # ratio < 60, but the only candidate with these parties
    record.agreements[0].status = "exploring"  # a status variant
    report = score([item], [record])
    assert figure(report, "agreements") == 1.0 and figure(report, "agreement_status") == 1.0
    record.agreements[0].parties = record.agreements[0].parties[:1]  # one of two parties: still half the larger set
    assert figure(score([item], [record]), "agreements") == 1.0
    record.agreements[0].parties = [next(p.id for p in record.parties if p.name == "Tore Sandvik")]
    assert score([item], [record]).figures["agreements"].as_dict()["f1"] == 0.0


def test_grounding_counts_spans_whose_text_is_not_the_article_slice(golds):
    item = golds["poland_k9"]
    record = perfect_record(item)
    record.parties[0].mentions[0] = Span(start=0, end=6, text="Poland")  # text[0:6] is "WARSAW"
    report = score([item], [record])
    grounding = report.figures["grounding"]
    assert grounding.correct == grounding.total - 1


def test_bad_records_lines_are_reported_and_skipped(golds, tmp_path):
    good = perfect_record(golds["poland_k9"]).model_dump_json()
    broken = json.loads(good)
    broken["parties"][0]["kind"] = "planet"
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(["{not json", json.dumps(broken), "", good]) + "\n", encoding="utf-8")
    report = evaluate(GOLD, path)
    assert [bad.line for bad in report.bad_lines] == [1, 2]
    assert "parties.0.kind" in report.bad_lines[1].error
    assert report.missing_records == ["norway_japan"]
    assert report.articles[1].figures["parties"].f1 == 1.0


def test_records_are_matched_by_sha256_before_id_and_unknown_ones_ignored(golds):
    item = golds["poland_k9"]
    renamed = perfect_record(item)
    renamed.article.id = "some-other-name"
    stranger = perfect_record(golds["norway_japan"])
    stranger.article.sha256, stranger.article.id = "0" * 64, "unrelated"
    report = score([item], [renamed, stranger])
    assert report.articles[0].matched_by == "sha256" and figure(report, "parties") == 1.0
    assert report.records_without_gold == ["unrelated"]


def test_name_normalization():
    assert normalize_name("The European Union") == normalize_name("european union")
    assert normalize_name("Türkiye") == normalize_name("Turkiye")
    assert normalize_name("U.S.") == normalize_name("US")
    assert normalize_name("EU-India") == "eu india"
    assert normalize_name("The") == "the"  # a name that is only "the" keeps it


def test_invalid_gold_is_an_error_naming_the_file(tmp_path):
    gold_dir = tmp_path / "gold"
    gold_dir.mkdir()
    data = json.loads((GOLD / "poland_k9.gold.json").read_text(encoding="utf-8"))
    data["quotes"][0]["parts"] = ["words the article does not contain"]
    (gold_dir / "poland_k9.gold.json").write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(GoldError, match="poland_k9.gold.json: quote 1"):
        load_gold_dir(gold_dir, DATA / "articles")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    return subprocess.run([sys.executable, "-m", "extractor", "eval", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def test_cli_json_output(golds, tmp_path: Path):
    records = tmp_path / "records.jsonl"
    lines = [perfect_record(golds["norway_japan"]).model_dump_json(), "garbage"]
    records.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("--gold", str(GOLD), str(records), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["missing_records"] == ["poland_k9"] and data["bad_lines"][0]["line"] == 2
    assert data["figures"]["parties"]["recall"] == pytest.approx(4 / 7)  # poland_k9 has no record
    assert data["figures"]["parties"]["precision"] == 1.0
    assert data["per_article"]["norway_japan"]["figures"]["quotes_overlap"]["f1"] == 1.0


def test_cli_table_and_usage_errors(golds, tmp_path: Path):
    records = tmp_path / "records.jsonl"
    records.write_text(perfect_record(golds["poland_k9"]).model_dump_json() + "\n", encoding="utf-8")
    table = run_cli("--gold", str(GOLD), str(tmp_path))  # an output folder works too
    assert table.returncode == 0, table.stderr
    assert "quotes, word overlap" in table.stdout and "no record for (all missed): norway_japan" in table.stdout
    missing = run_cli("--gold", str(tmp_path / "nowhere"), str(records))
    assert missing.returncode == 2 and "nowhere" in missing.stderr


def test_table_prints_names_from_records_as_text_not_markup(golds):
    from io import StringIO

    from rich.console import Console

    from extractor.cli.eval import print_report

    item = golds["norway_japan"]
    record = perfect_record(item)
    record.parties.append(Party(id="P99", name="[/red] boom", kind="person", aliases=["Captain Override"]))
    out = StringIO()
    print_report(score([item], [record]), console=Console(file=out, width=200))
    assert "'[/red] boom' matches forbidden Captain Override" in out.getvalue()
