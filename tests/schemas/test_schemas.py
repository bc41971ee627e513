import json

import pytest
from pydantic import ValidationError

from extractor.schemas.export import record_schema_json
from extractor.schemas import VOCABULARIES, ArticleRecord, ExtractionResponse, Span

from conftest import ARTICLES, ROOT


def test_exported_json_schema_is_in_sync():
    exported = (ROOT / "schemas" / "records.schema.json").read_text(encoding="utf-8")
    assert exported == record_schema_json(), "run: .venv/bin/python -m extractor schema -o schemas/records.schema.json"


def test_every_vocabulary_member_has_a_one_line_definition():
    for vocabulary in VOCABULARIES:
        for member in vocabulary:
            assert member.definition and "\n" not in member.definition, member


def test_contract_vocabularies_match_records_md():
    spec = (ROOT.parent / "shared" / "spec" / "records.md")
    if not spec.exists():
        pytest.skip("shared/spec is not beside this checkout")
    text = spec.read_text(encoding="utf-8")
    from extractor.schemas import AgreementKind, AgreementStatus, TopicCategory

    for vocabulary in (TopicCategory, AgreementKind, AgreementStatus):
        for member in vocabulary:
            assert member.value in text, member


def test_span_end_before_start_is_rejected():
    with pytest.raises(ValidationError):
        Span(start=5, end=2, text="")


def test_model_enum_spellings_are_folded():
    response = ExtractionResponse.model_validate({
        "summary": "s",
        "topics": [{"category": "Maritime Security", "label": "x", "evidence": ["y"]}],
        "agreements": [{"name": "n", "kind": "memorandum-of-understanding", "status": "Signed", "evidence": ["e"]}],
    })
    assert response.topics[0].category.value == "maritime_security"
    assert response.agreements[0].kind.value == "memorandum_of_understanding"


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.expected.json")), ids=lambda p: p.stem)
def test_expected_records_validate_and_spans_index_the_text(path):
    from extractor.core.article import load_article

    data = json.loads(path.read_text(encoding="utf-8"))
    data["provenance"]["extracted_at"] = "2025-01-01T00:00:00Z"
    record = ArticleRecord.model_validate(data)
    text = load_article(ARTICLES / f"{path.name.split('.')[0]}.txt").text
    spans = [s for q in record.quotes for s in q.spans] + [s for t in record.topics for s in t.evidence]
    spans += [s for a in record.agreements for s in a.evidence] + [s for p in record.parties for s in p.mentions]
    assert spans
    for span in spans:
        assert text[span.start:span.end] == span.text
    ids = {p.id for p in record.parties}
    assert {q.speaker for q in record.quotes} - {None} <= ids
    assert {p for a in record.agreements for p in a.parties} <= ids
