"""The pipeline core: article -> backend candidates -> ground -> normalize -> record.

The core knows nothing of openai, HTTP or files: it talks to a `Backend`,
which sits at the edge.

An article over the chunk size (`ChunkPolicy`) is read in chunks: a cheap
first pass with the offline rules over each chunk gives every chunk its
context (who was named before it, who was speaking where it begins), then the
backend reads all chunks at once, each a normal request under the batch's
rate limits, and `merge` joins their answers before normalization.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from typing import Any, Awaitable, Iterable, TypeVar

from extractor.backends.base import Backend, Candidates, ChunkContext, Task
from extractor.backends.rules import read_rules
from extractor.errors import ExtractorError
from extractor.schemas import Article, ArticleRecord, ExtractionResponse, Provenance

from .chunking import Chunk, ChunkPolicy, contexts, first_pass
from .grounding import Grounded, Grounder, ground
from .merge import ChunkAnswer, merge
from .normalize import NameIndex, Normalized, normalize

log = logging.getLogger("extractor")
T = TypeVar("T")


class ArticleCheck:
    """Everything that makes an answer worth asking again: words or names not in the article.

    For a chunk, words must be in the chunk (`text`) while names may be anywhere
    in the article (`names`): the roster lets a chunk name a speaker introduced
    in an earlier one.
    """

    def __init__(self, text: str, names: NameIndex | None = None):
        self.grounder = Grounder(text)
        self.names = names or NameIndex(text)

    def __call__(self, response: ExtractionResponse) -> list[str]:
        return self.grounder.problems(response) + self.names.problems(response)


def assemble(article: Article, candidates: Candidates, check: ArticleCheck | None = None) -> ArticleRecord:
    """Ground and normalize a backend's candidates into the record the contract describes."""
    if article.text is None:
        raise ValueError("article has no text; load it with load_article()")
    check = check or ArticleCheck(article.text)
    grounded = ground(candidates.response, check.grounder)
    normalized = normalize(grounded, article.text, check.names)
    return _record(article, candidates, grounded, normalized)


def _record(article: Article, candidates: Candidates, grounded: Grounded, normalized: Normalized) -> ArticleRecord:
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


async def run(article: Article, backend: Backend, chunking: ChunkPolicy | None = None) -> ArticleRecord:
    """One article through the backend and the shared stages; in chunks if `chunking` says it is long."""
    text = article.text or ""
    if chunking is not None and chunking.needed(text):
        return await _run_chunked(article, backend, chunking)
    check = ArticleCheck(text)
    candidates = await backend.read(Task(article=article, text=text, check=check))
    return assemble(article, candidates, check)


async def _run_chunked(article: Article, backend: Backend, chunking: ChunkPolicy) -> ArticleRecord:
    text = article.text or ""
    chunks = chunking.split(text)
    notes = [f"read in {len(chunks)} chunks of at most {chunking.max_tokens} tokens"]
    # Rules over a long text take tens of milliseconds a chunk: off the event loop other articles share.
    planned, problem = await asyncio.to_thread(_plan, chunks)
    if problem:
        notes.append(problem)
    names = NameIndex(text)
    checks = [ArticleCheck(chunk.text, names) for chunk in chunks]
    answers = await _all(
        _read_chunk(backend, Task(article=article, text=chunk.text, check=check, context=context))
        for chunk, check, context in zip(chunks, checks, planned)
    )
    candidates, grounded = merge(
        [ChunkAnswer(chunk, answer, check.grounder) for chunk, answer, check in zip(chunks, answers, checks)], notes)
    return _record(article, candidates, grounded, normalize(grounded, text, names))


def chunk_tasks(article: Article, chunking: ChunkPolicy) -> list[Task]:
    """The tasks `run` reads a long article with, each chunk's context included (for a Batch API input file)."""
    chunks = chunking.split(article.text or "")
    planned, _ = _plan(chunks)
    return [Task(article=article, text=chunk.text, context=context) for chunk, context in zip(chunks, planned)]


async def _read_chunk(backend: Backend, task: Task) -> Candidates:
    try:
        return await backend.read(task)
    except ExtractorError as exc:  # the message says which part of the article failed
        where = task.context
        if where is not None and exc.args:
            exc.args = (f"{exc.args[0]} (chunk {where.index}/{where.count} of a long article, characters "
                        f"{where.start}-{where.end})", *exc.args[1:])
        raise


def _plan(chunks: list[Chunk]) -> tuple[list[ChunkContext], str | None]:
    """Each chunk's context from the first pass; bare contexts (no roster) if the rules fail on this text."""
    try:
        return contexts([first_pass(chunk, read_rules(chunk.text)) for chunk in chunks]), None
    except Exception as exc:  # noqa: BLE001 - the first pass only improves the reading; it must not stop it
        log.warning("first pass over the chunks failed: %r", exc)
        bare = [ChunkContext(c.index, c.count, c.start, c.end) for c in chunks]
        return bare, f"chunks were read without a roster of earlier parties (first pass failed: {type(exc).__name__})"


async def _all(reads: Iterable[Awaitable[T]]) -> list[T]:
    """Every read, concurrently; the first failure cancels the others (the article fails as a whole)."""
    tasks: list[asyncio.Future[Any]] = [asyncio.ensure_future(read) for read in reads]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
