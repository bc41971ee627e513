"""The pipeline core: article -> backend candidates -> ground -> normalize -> record.

The core knows nothing of openai, HTTP or files: it talks to a `Backend`,
which sits at the edge.
"""

from __future__ import annotations

import datetime as dt

from extractor.backends.base import Backend, Candidates, Task
from extractor.schemas import Article, ArticleRecord, Provenance

from .grounding import Grounder, ground
from .normalize import normalize


def assemble(article: Article, candidates: Candidates, grounder: Grounder) -> ArticleRecord:
    """Ground and normalize a backend's candidates into the record the contract describes."""
    if article.text is None:
        raise ValueError("article has no text; load it with load_article()")
    grounded = ground(candidates.response, grounder)
    normalized = normalize(grounded, article.text)
    return ArticleRecord(
        article=article,
        summary=candidates.response.summary,
        parties=normalized.parties,
        topics=grounded.topics,
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
    grounder = Grounder(article.text or "")
    candidates = await backend.read(Task(article=article, text=article.text or "", check=grounder.problems))
    return assemble(article, candidates, grounder)
