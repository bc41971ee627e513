"""The pipeline core: article -> prompt -> model -> ground -> normalize -> record.

The core knows nothing of openai, HTTP or files. It talks to a model through
the `Model` protocol, which providers (at the edge) implement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from extractor.schemas import Article, ArticleRecord, ExtractionResponse, Provenance, Usage

from ..backends.llm import prompt
from .grounding import Grounder, ground
from .normalize import normalize


@dataclass
class ModelAnswer:
    """What a provider returns for one article, re-asks and retries included."""

    response: ExtractionResponse
    backend: str
    model: str
    mode: str
    attempts: int
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    warnings: list[str] = field(default_factory=list)


class Model(Protocol):
    """Asks a model for an `ExtractionResponse`; `grounder` decides when to re-ask."""

    def complete(self, messages: list[dict[str, str]], grounder: Grounder, *, article: Article) -> ModelAnswer: ...

    async def acomplete(
        self, messages: list[dict[str, str]], grounder: Grounder, *, article: Article
    ) -> ModelAnswer: ...


def build_record(article: Article, answer: ModelAnswer, grounder: Grounder) -> ArticleRecord:
    """Ground and normalize a model answer into the record the contract describes."""
    if article.text is None:
        raise ValueError("article has no text; load it with load_article()")
    grounded = ground(answer.response, grounder)
    normalized = normalize(grounded, article.text)
    return ArticleRecord(
        article=article,
        summary=answer.response.summary,
        parties=normalized.parties,
        topics=grounded.topics,
        quotes=normalized.quotes,
        agreements=normalized.agreements,
        provenance=Provenance(
            backend=answer.backend,
            model=answer.model,
            prompt_version=prompt.prompt_version(),
            mode=answer.mode,
            attempts=answer.attempts,
            usage=answer.usage,
            cached=answer.cached,
            warnings=[*article.load_warnings, *answer.warnings, *grounded.warnings, *normalized.warnings],
            extracted_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        ),
    )


def run(article: Article, model: Model) -> ArticleRecord:
    grounder = Grounder(article.text or "")
    answer = model.complete(prompt.messages(article.text or ""), grounder, article=article)
    return build_record(article, answer, grounder)


async def arun(article: Article, model: Model) -> ArticleRecord:
    grounder = Grounder(article.text or "")
    answer = await model.acomplete(prompt.messages(article.text or ""), grounder, article=article)
    return build_record(article, answer, grounder)
