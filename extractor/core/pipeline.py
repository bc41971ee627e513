"""The pipeline core: article -> backend candidates -> ground -> normalize -> record.

The core knows nothing of openai, HTTP or files: it talks to a `Backend`,
which sits at the edge.
"""

from __future__ import annotations

import datetime as dt

from extractor.backends.base import Backend, Candidates, Task
from extractor.schemas import Article, ArticleRecord, ExtractionResponse, Provenance

from .grounding import Grounder, ground
from .normalize import NameIndex, normalize


class ArticleCheck:
    """Everything that makes an answer worth asking again: words or names not in the article."""

    def __init__(self, text: str):
        self.grounder = Grounder(text)
        self.names = NameIndex(text)

    def __call__(self, response: ExtractionResponse) -> list[str]:
        return self.grounder.problems(response) + self.names.problems(response)


def assemble(article: Article, candidates: Candidates, check: ArticleCheck | None = None) -> ArticleRecord:
    """Ground and normalize a backend's candidates into the record the contract describes."""
    if article.text is None:
        raise ValueError("article has no text; load it with load_article()")
    check = check or ArticleCheck(article.text)
    grounded = ground(candidates.response, check.grounder)
    normalized = normalize(grounded, article.text, check.names)
    return ArticleRecord(
        article=article,
        summary=candidates.response.summary,
        parties=normalized.parties,
        topics=normalized.topics,
        quotes=normalized.quotes,
        agreements=normalized.agreements,
        provenance=Provenance(
            backend=candidates.backend,
            model=candidates.model,
            prompt_version=candidates.prompt_version,
            mode=candidates.mode,
            attempts=candidates.attempts,
            usage=candidates.usage,
            cached=candidates.cached,
            warnings=[*article.load_warnings, *candidates.warnings, *grounded.warnings, *normalized.warnings],
            extracted_at=dt.datetime.now(dt.timezone.utc).replace(microsecond=0),
        ),
    )


async def run(article: Article, backend: Backend) -> ArticleRecord:
    """One article through the backend and the shared stages."""
    check = ArticleCheck(article.text or "")
    candidates = await backend.read(Task(article=article, text=article.text or "", check=check))
    return assemble(article, candidates, check)
