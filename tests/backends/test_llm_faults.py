"""Real model answers are messy. Each fault kind has a hand-written fixture (fixtures/faults/<fault>/) in the
OpenAI wire format, replayed through the real openai client and instructor in tools and json_schema modes.
Each test checks what the record kept, what it dropped, and what it says about both."""

import pytest

import extractor
from extractor import RefusalError
from extractor.core.article import load_article

from conftest import ARTICLES, ROOT

FAULTS = ROOT / "fixtures" / "faults"
EU = load_article(ARTICLES / "seed_003_eu_india.txt")
NL = load_article(ARTICLES / "seed_000_netherlands_india.txt")
MODES = ["tools", "json_schema"]


def run(fault: str, mode: str, article=EU):
    # gpt-4o-mini: the fixtures were written for its 4,096-token default cap.
    return extractor.extract(article, replay=FAULTS / fault, mode=mode, model="gpt-4o-mini")


def warnings(record) -> str:
    return " | ".join(record.provenance.warnings)


def grounded(record, article) -> bool:
    spans = [s for q in record.quotes for s in q.spans] + [s for t in record.topics for s in t.evidence]
    spans += [s for a in record.agreements for s in a.evidence] + [s for p in record.parties for s in p.mentions]
    return all(article.text[s.start:s.end] == s.text for s in spans) and all(p.mentions for p in record.parties)


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_evidence_list_costs_only_its_topic(mode):
    record = run("empty_evidence", mode)
    assert record.provenance.attempts == 3  # the first ask and two re-asks naming the topic
    categories = {t.category.value for t in record.topics}
    assert "terrorism" not in categories and len(categories) == 9
    assert len(record.quotes) == 8 and len(record.agreements) == 2
    assert "dropped topics[1] ('terrorism'): evidence is empty" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_enum_synonyms_are_read_without_a_re_ask(mode):
    record = run("enum_synonyms", mode)
    assert record.provenance.attempts == 1
    assert record.party("P1").kind.value == "international_organization" and record.party("P2").kind.value == "country"
    assert [a.kind.value for a in record.agreements] == ["partnership", "memorandum_of_understanding"]
    assert [a.status.value for a in record.agreements] == ["negotiating", "exploring"]
    assert {"defence_cooperation", "maritime_security"} <= {t.category.value for t in record.topics}
    assert record.quotes[4].kind.value == "indirect"
    assert "kind 'MoU' read as 'memorandum_of_understanding'" in warnings(record)


@pytest.mark.parametrize("fault", ["stringified_payload", "wrapped", "prose_and_fences"])
@pytest.mark.parametrize("mode", MODES)
def test_mechanical_envelope_faults_are_repaired_locally(fault, mode):
    record = run(fault, mode)
    assert record.provenance.attempts == 1
    assert len(record.quotes) == 8 and len(record.topics) == 10 and len(record.agreements) == 2
    assert "repaired:" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_comma_strings_and_null_lists_are_repaired(mode):
    record = run("comma_strings", mode)
    assert record.provenance.attempts == 1
    eu = record.party("P1")
    assert eu.aliases == ["EU"]  # 'E.U.' is not in the article: an alias is a form the article uses
    partnership = record.agreements[0]
    assert [record.party(p).name for p in partnership.parties] == ["European Union", "India"]
    assert [s.value for s in partnership.scope] == ["defence_cooperation", "maritime_security"]
    assert record.agreements[1].scope == []
    assert [e.text for e in next(t for t in record.topics if t.category.value == "cyber_security").evidence] == [
        "cyber-attacks"]


@pytest.mark.parametrize("mode", MODES)
def test_a_missing_field_costs_only_its_item(mode):
    record = run("missing_field", mode)
    assert record.provenance.attempts == 3
    assert len(record.quotes) == 7 and [a.name for a in record.agreements] == [
        "EU-India Security and Defence Partnership"]
    assert "dropped quotes[1]" in warnings(record) and "kind is missing" in warnings(record)
    assert "dropped agreements[1] ('Indian participation in PESCO'): status is missing" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_unknown_enum_values_map_to_other_or_cost_their_item(mode):
    record = run("unknown_enum", mode)
    assert "other" in {t.category.value for t in record.topics}  # space_weather -> other, kept
    assert len(record.quotes) == 7  # 'rumour' is no quote kind, and quote kinds have no 'other'
    assert "category 'space_weather' is not a known value; used 'other'" in warnings(record)
    assert "kind 'rumour' is not one of direct, mixed, indirect" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_a_truncated_answer_keeps_its_complete_items(mode):
    record = run("truncated", mode)
    assert record.provenance.attempts == 1 and len(record.quotes) == 8 and record.agreements == []
    assert "cut off by the token cap after 4000 completion tokens (max_tokens=4096)" in warnings(record)


@pytest.mark.parametrize("fault", ["refusal_then_answer", "empty_then_answer"])
@pytest.mark.parametrize("mode", MODES)
def test_a_refusal_or_an_empty_answer_is_asked_once_more(fault, mode):
    record = run(fault, mode)
    assert record.provenance.attempts == 2 and len(record.quotes) == 8
    assert "asked once more after an unusable answer" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_a_persistent_refusal_is_its_own_error_with_accurate_advice(mode):
    with pytest.raises(RefusalError, match="refused on 2 asks") as caught:
        run("refusal_always", mode)
    assert "mode=tools" not in str(caught.value)  # the old advice, wrong for a refusal
    assert "I'm sorry" in str(caught.value)


@pytest.mark.parametrize("mode", MODES)
def test_names_copied_from_the_prompt_example_never_reach_the_record(mode):
    record = run("example_leak", mode)
    names = {p.name for p in record.parties}
    assert not names & {"Poland", "Anna Nowak"}
    assert "South Korea" in names  # the article does name South Korea
    assert record.quotes[2].speaker is None
    assert all(a.name != "K9 co-production MoU" or set(a.parties) <= {p.id for p in record.parties}
               for a in record.agreements)
    assert "dropped party 'Poland': it is not named in the article" in warnings(record)
    assert grounded(record, EU)


@pytest.mark.parametrize("mode", MODES)
def test_invented_speakers_and_affiliations_become_null_never_parties(mode):
    record = run("invented_names", mode)
    assert record.quotes[0].speaker is None
    assert {p.name for p in record.parties}.isdisjoint({"John Smith", "Ministry of Truth"})
    kubilius = next(p for p in record.parties if p.name == "Andrius Kubilius")
    assert kubilius.affiliation is None
    assert "speaker 'John Smith' names nobody in the article; speaker left null" in warnings(record)


@pytest.mark.parametrize("mode", MODES)
def test_an_elision_never_merges_two_speakers_quotes(mode):
    record = run("merged_quotes", mode, article=NL)
    assert record.quotes == []
    assert "dropped quote" in warnings(record) and record.provenance.attempts == 3


@pytest.mark.parametrize("mode", MODES)
def test_duplicates_are_merged_and_a_runaway_list_is_capped(mode):
    record = run("duplicates", mode)
    categories = [t.category.value for t in record.topics]
    assert len(categories) == len(set(categories)) == 10
    maritime = next(t for t in record.topics if t.category.value == "maritime_security")
    assert "maritime engagement and information sharing" in [e.text for e in maritime.evidence]
    assert len(record.quotes) == 8 and len(record.agreements) == 2
    text = warnings(record)
    assert "merged a duplicate of quote" in text and "merged topic" in text and "merged a duplicate of agreement" in text
    assert "kept the first 30 (a repetition loop?)" in text


@pytest.mark.parametrize("mode", MODES)
def test_all_slips_at_once_still_give_a_record(mode):
    record = run("combined", mode)
    assert record.party("P1").kind.value == "international_organization"
    assert len(record.quotes) == 7 and len(record.agreements) == 2 and len(record.topics) == 10
    assert record.agreements[0].status.value == "negotiating"
    assert "dropped quotes[3]" in warnings(record)
    assert grounded(record, EU)
