"""Gold files: what a person read in an article, to score records against.

One file per article, `fixtures/gold/NAME.gold.json`, describing
`fixtures/articles/NAME.txt`; the format is in docs/eval.md. Unknown keys are
rejected so that a typo ("role_variant") cannot silently leave a field unscored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from extractor.schemas import AgreementKind, AgreementStatus, Article, PartyKind, QuoteKind, TopicCategory

from ..core.article import load_article
from ..errors import ExtractorError


class GoldError(ExtractorError):
    """A gold file (or the article it describes) cannot be used; the message names the file."""


class _Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GoldParty(_Gold):
    name: str
    variants: list[str] = Field(default_factory=list)
    kind: PartyKind | None = None
    # Omitted = not scored; an explicit null = the record must have null too (see docs/eval.md).
    country_code: str | None = None
    role: str | None = None
    role_variants: list[str] = Field(default_factory=list)
    affiliation: str | None = None
    optional: bool = False

    def scores(self, field: str) -> bool:
        """Whether the gold file states this field (null included) rather than leaving it out."""
        return field in self.model_fields_set


class GoldQuote(_Gold):
    speaker: str | None = None
    parts: list[str] = Field(min_length=1)
    kind: QuoteKind
    kind_variants: list[QuoteKind] = Field(default_factory=list)
    optional: bool = False


class GoldTopic(_Gold):
    category: TopicCategory
    required: bool = True


class GoldAgreement(_Gold):
    name: str
    name_variants: list[str] = Field(default_factory=list)
    parties: list[str] = Field(default_factory=list)
    status: AgreementStatus
    status_variants: list[AgreementStatus] = Field(default_factory=list)
    kind: AgreementKind | None = None
    optional: bool = False


class GoldFile(_Gold):
    article: str
    sha256: str | None = None
    origin: str | None = None
    note: str | None = None
    parties: list[GoldParty] = Field(default_factory=list)
    quotes: list[GoldQuote] = Field(default_factory=list)
    topics: list[GoldTopic] = Field(default_factory=list)
    agreements: list[GoldAgreement] = Field(default_factory=list)
    forbidden_names: list[str] = Field(default_factory=list)

    def party(self, name: str | None) -> GoldParty | None:
        return next((p for p in self.parties if p.name == name), None)


@dataclass
class GoldArticle:
    """A gold file with the article text it describes and its quotes' character spans."""

    path: Path
    gold: GoldFile
    article: Article
    # Per gold quote, the (start, end) of each part in article.text, found in order.
    quote_spans: list[list[tuple[int, int]]]
    warnings: list[str]

    @property
    def name(self) -> str:
        return self.gold.article

    @property
    def text(self) -> str:
        return self.article.text or ""


def locate_parts(text: str, parts: list[str]) -> list[tuple[int, int]] | None:
    """Each part's span, each found after the previous one; None if one is not in the text."""
    spans, cursor = [], 0
    for part in parts:
        at = text.find(part, cursor)
        if at < 0 or not part:
            return None
        spans.append((at, at + len(part)))
        cursor = at + len(part)
    return spans


def load_gold_file(path: Path, articles_dir: Path) -> GoldArticle:
    try:
        gold = GoldFile.model_validate_json(path.read_bytes())
    except (OSError, ValidationError, json.JSONDecodeError) as exc:
        raise GoldError(f"{path}: not a valid gold file: {exc}") from None
    article_path = articles_dir / f"{gold.article}.txt"
    if not article_path.is_file():
        raise GoldError(f"{path}: its article {article_path} does not exist; pass --articles DIR")
    article = load_article(article_path)
    warnings = []
    if gold.sha256 and gold.sha256 != article.sha256:
        warnings.append(f"{path.name}: sha256 differs from the article's text; the gold file may be stale")
    if not path.name.startswith(f"{gold.article}."):
        warnings.append(f"{path.name}: describes article {gold.article!r}, not the file's name")
    quote_spans = []
    for number, quote in enumerate(gold.quotes, 1):
        spans = locate_parts(article.text or "", quote.parts)
        if spans is None:
            raise GoldError(f"{path}: quote {number}: its parts are not found in order in {article_path}")
        quote_spans.append(spans)
    return GoldArticle(path=path, gold=gold, article=article, quote_spans=quote_spans, warnings=warnings)


def load_gold_dir(gold_dir: Path, articles_dir: Path | None = None) -> list[GoldArticle]:
    """Every `*.gold.json` in gold_dir, sorted by file name; articles from `<gold_dir>/../articles` by default."""
    gold_dir = Path(gold_dir)
    if not gold_dir.is_dir():
        raise GoldError(f"{gold_dir} is not a directory of *.gold.json files")
    articles_dir = Path(articles_dir) if articles_dir else gold_dir.parent / "articles"
    paths = sorted(gold_dir.glob("*.gold.json"))
    if not paths:
        raise GoldError(f"{gold_dir} holds no *.gold.json files")
    golds = [load_gold_file(path, articles_dir) for path in paths]
    seen: dict[str, Path] = {}
    for item in golds:
        if item.name in seen:
            raise GoldError(f"{item.path} and {seen[item.name]} both describe article {item.name!r}")
        seen[item.name] = item.path
    return golds
