"""Gold files (fixtures/gold/NAME.gold.json) follow the format in docs/gold.md.

The scorer trusts gold blindly, so every rule it relies on is checked here:
the gold belongs to the article as loaded today, every quote part can be found
in order, every reference names a gold party and every value is in the
contract's vocabularies.
"""

from __future__ import annotations

import json
import re

import pytest
from pydantic import BaseModel, ConfigDict, Field, field_validator

from extractor.core.article import load_article
from extractor.schemas import AgreementKind, AgreementStatus, PartyKind, QuoteKind, TopicCategory

from conftest import ARTICLES, ROOT

GOLD = ROOT / "fixtures" / "gold"
# A part that starts or ends on a mark would not match a model that (rightly) leaves the marks out.
QUOTE_MARKS = "\"'“”‘’«»„‚‹›`"


class _Strict(BaseModel):
    # extra="forbid": a misspelt key ("optinal") would otherwise silently take its default.
    model_config = ConfigDict(extra="forbid")


class GoldParty(_Strict):
    name: str = Field(min_length=1)
    variants: list[str] = Field(default_factory=list)
    kind: PartyKind | None = None
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    role: str | None = None
    role_variants: list[str] = Field(default_factory=list)
    affiliation: str | None = None
    optional: bool = False


class GoldQuote(_Strict):
    speaker: str | None
    parts: list[str] = Field(min_length=1)
    kind: QuoteKind
    kind_variants: list[QuoteKind] = Field(default_factory=list)
    optional: bool = False

    @field_validator("parts")
    @classmethod
    def _clean_parts(cls, parts: list[str]) -> list[str]:
        for part in parts:
            if not part.strip() or part != part.strip():
                raise ValueError(f"part is empty or has surrounding whitespace: {part!r}")
            if part[0] in QUOTE_MARKS or part[-1] in QUOTE_MARKS:
                raise ValueError(f"part starts or ends with a quotation mark: {part!r}")
        return parts


class GoldTopic(_Strict):
    category: TopicCategory
    required: bool


class GoldAgreement(_Strict):
    name: str = Field(min_length=1)
    name_variants: list[str] = Field(default_factory=list)
    parties: list[str] = Field(min_length=1)
    status: AgreementStatus
    status_variants: list[AgreementStatus] = Field(default_factory=list)
    kind: AgreementKind
    optional: bool = False


class Gold(_Strict):
    article: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    origin: str = Field(pattern=r"^hand-written from the article text$")
    note: str = Field(min_length=10)
    parties: list[GoldParty]
    quotes: list[GoldQuote]
    topics: list[GoldTopic] = Field(min_length=1)
    agreements: list[GoldAgreement]
    forbidden_names: list[str]


def article_names() -> list[str]:
    return sorted(p.stem for p in ARTICLES.glob("*.txt"))


def load_gold(name: str) -> Gold:
    return Gold.model_validate_json((GOLD / f"{name}.gold.json").read_text(encoding="utf-8"))


def find_in_order(text: str, parts: list[str]) -> list[int]:
    """Start offsets of the parts, each found after the end of the previous one; -1 if missing."""
    starts, cursor = [], 0
    for part in parts:
        start = text.find(part, cursor)
        starts.append(start)
        if start < 0:
            break
        cursor = start + len(part)
    return starts


def test_every_article_has_a_gold_file_and_every_gold_file_an_article():
    golds = sorted(p.name.removesuffix(".gold.json") for p in GOLD.glob("*.gold.json"))
    assert golds == article_names()
    assert not [p.name for p in GOLD.iterdir() if not p.name.endswith(".gold.json")], "stray files in fixtures/gold"


@pytest.mark.parametrize("name", article_names())
def test_gold_belongs_to_the_article_as_loaded(name):
    gold = load_gold(name)
    article = load_article(ARTICLES / f"{name}.txt")
    assert gold.article == name
    assert gold.sha256 == article.sha256, "article text changed since the gold was written: re-check the gold"


@pytest.mark.parametrize("name", article_names())
def test_every_quote_part_is_in_the_text_in_order(name):
    text = load_article(ARTICLES / f"{name}.txt").text
    for quote in load_gold(name).quotes:
        assert -1 not in find_in_order(text, quote.parts), quote.parts


@pytest.mark.parametrize("name", article_names())
def test_references_name_gold_parties(name):
    gold = load_gold(name)
    names = [p.name for p in gold.parties]
    assert len(names) == len(set(names)), "duplicate party names"
    known = set(names)
    assert {q.speaker for q in gold.quotes} - {None} <= known
    assert {p.affiliation for p in gold.parties} - {None} <= known
    assert {p for a in gold.agreements for p in a.parties} <= known


@pytest.mark.parametrize("name", article_names())
def test_variants_and_forbidden_names_are_consistent(name):
    gold = load_gold(name)
    text = load_article(ARTICLES / f"{name}.txt").text.casefold()
    # One surface form naming two parties would make a prediction match either.
    owner: dict[str, str] = {}
    for party in gold.parties:
        for form in {f.casefold() for f in [party.name, *party.variants]}:
            assert owner.setdefault(form, party.name) == party.name, f"{form!r} names two parties"
    surface = set(owner)
    for forbidden in gold.forbidden_names:
        assert forbidden.casefold() not in surface, forbidden
    # A forbidden name only makes sense for something the article (its injected part) actually says.
    assert any(f.casefold() in text for f in gold.forbidden_names) or not gold.forbidden_names
    categories = [t.category for t in gold.topics]
    assert len(categories) == len(set(categories)), "a topic category listed twice"
    for quote in gold.quotes:
        assert quote.kind not in quote.kind_variants
    for agreement in gold.agreements:
        assert agreement.status not in agreement.status_variants
        assert len(set(agreement.parties)) == len(agreement.parties)


def test_gold_set_covers_the_patterns_the_evaluation_needs():
    golds = {name: load_gold(name) for name in article_names()}
    statuses = {a.status for g in golds.values() for a in g.agreements}
    assert statuses == set(AgreementStatus), f"missing statuses: {set(AgreementStatus) - statuses}"
    kinds = {a.kind for g in golds.values() for a in g.agreements}
    assert {
        AgreementKind.MEMORANDUM_OF_UNDERSTANDING, AgreementKind.TREATY, AgreementKind.PROCUREMENT_CONTRACT,
        AgreementKind.FRAMEWORK_AGREEMENT, AgreementKind.PROGRAMME_PARTICIPATION, AgreementKind.COOPERATION_MECHANISM,
    } <= kinds
    assert {q.kind for g in golds.values() for q in g.quotes} == set(QuoteKind)
    assert any(len(q.parts) > 1 for g in golds.values() for q in g.quotes), "a split quote"
    assert any(not g.quotes for g in golds.values()), "an article without quotes"
    assert sum(1 for g in golds.values() if g.forbidden_names) >= 2, "injected instructions"
    texts = [load_article(ARTICLES / f"{name}.txt").text for name in golds]
    for mark in ("\u201c", "\u00ab", "''", '"'):
        assert any(mark in text for text in texts), f"no article quotes with {mark!r}"
    assert any(re.search(r"(?m)^'[A-Z]", text) for text in texts), "no article quotes with single quotes"
    party_kinds = {p.kind for g in golds.values() for p in g.parties}
    assert {PartyKind.COUNTRY, PartyKind.INTERNATIONAL_ORGANIZATION, PartyKind.GOVERNMENT_BODY,
            PartyKind.PERSON, PartyKind.COMPANY} <= party_kinds


def test_find_in_order_rejects_parts_out_of_order():
    # The check above is only as good as this helper.
    assert find_in_order("A then B", ["A", "B"]) == [0, 7]
    assert find_in_order("A then B", ["B", "A"]) == [7, -1]
    assert find_in_order("A", ["A", "A"]) == [0, -1]


def test_a_gold_file_with_a_misspelt_key_or_foreign_value_is_rejected():
    good = json.loads((GOLD / f"{article_names()[0]}.gold.json").read_text(encoding="utf-8"))
    for broken in (
        {**good, "parties": [{**good["parties"][0], "optinal": True}]},
        {**good, "topics": [{"category": "space", "required": True}]},
        {**good, "quotes": [{"speaker": None, "parts": ["“quoted”"], "kind": "direct"}]},
    ):
        with pytest.raises(ValueError):
            Gold.model_validate(broken)

