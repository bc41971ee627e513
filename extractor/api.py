"""The public entry points: `extract` and `aextract`. They wire a provider to the core."""

from __future__ import annotations

import datetime as dt
from os import PathLike
from pathlib import Path

import openai

from extractor.schemas import Article, ArticleRecord

from .backends.llm.openai import OpenAIModel, RetryPolicy
from .config import Settings
from .core import pipeline
from .core.article import load_article
from .errors import ConfigurationError
from .http.layers import Layer, Recorder, Replayer, ResponseCache

ArticleInput = Article | str | PathLike[str]


def _as_article(article: ArticleInput, **meta: object) -> Article:
    if isinstance(article, Article):
        if article.text is None:
            raise ConfigurationError("this Article has no text; build it with load_article(path_or_text)")
        return article
    return load_article(article, **meta)  # type: ignore[arg-type]


def make_model(
    settings: Settings,
    *,
    client: openai.OpenAI | None = None,
    async_client: openai.AsyncOpenAI | None = None,
    replay: str | PathLike[str] | None = None,
    record: str | PathLike[str] | None = None,
    cache_dir: str | PathLike[str] | None = None,
    retry: RetryPolicy | None = None,
    **options: object,
) -> OpenAIModel:
    """The provider with its cache, recording and replay layers, in that order."""
    layers: list[Layer] = []
    if cache_dir is not None:
        layers.append(ResponseCache(Path(cache_dir)))
    if replay is not None:
        if not Path(replay).is_dir():
            raise ConfigurationError(f"--replay {replay}: no such directory of recorded responses")
        layers.append(Replayer(Path(replay)))
    if record is not None:
        layers.append(Recorder(Path(record), model=settings.model))
    live = replay is None
    if live and client is None and async_client is None:
        settings = settings.require_credentials()  # fail before any work, not on the first article
    return OpenAIModel(
        settings, client=client, async_client=async_client, layers=layers, live=live, retry=retry,
        backend="replay" if replay is not None else "openai", **options,  # type: ignore[arg-type]
    )


def _settings(model: str | None, mode: str | None, settings: Settings | None) -> Settings:
    return settings or Settings.from_env(model=model, mode=mode)


def extract(
    article: ArticleInput,
    *,
    model: str | None = None,
    client: openai.OpenAI | None = None,
    mode: str | None = None,
    replay: str | PathLike[str] | None = None,
    settings: Settings | None = None,
    retry: RetryPolicy | None = None,
    id: str | None = None,  # noqa: A002 - the contract's field name
    source: str | None = None,
    published: dt.date | str | None = None,
) -> ArticleRecord:
    """Extract one grounded, validated `ArticleRecord` from an article.

    `article` is an `Article` from `load_article`, a path, or the article text.
    `model` and `mode` default to EXTRACTOR_MODEL and EXTRACTOR_MODE; the client
    to one built from OPENAI_API_KEY and OPENAI_BASE_URL. `replay` answers
    from a directory of recorded responses instead of the network.
    """
    if client is not None and not isinstance(client, openai.OpenAI):
        raise ConfigurationError("extract() takes an openai.OpenAI client; use aextract() for AsyncOpenAI")
    loaded = _as_article(article, id=id, source=source, published=published)
    provider = make_model(_settings(model, mode, settings), client=client, replay=replay, retry=retry)
    try:
        return pipeline.run(loaded, provider)
    finally:
        if client is None:
            provider.close()


async def aextract(
    article: ArticleInput,
    *,
    model: str | None = None,
    client: openai.AsyncOpenAI | None = None,
    mode: str | None = None,
    replay: str | PathLike[str] | None = None,
    settings: Settings | None = None,
    retry: RetryPolicy | None = None,
    id: str | None = None,  # noqa: A002
    source: str | None = None,
    published: dt.date | str | None = None,
) -> ArticleRecord:
    """`extract` for asyncio code; `client` is an `openai.AsyncOpenAI`."""
    if client is not None and not isinstance(client, openai.AsyncOpenAI):
        raise ConfigurationError("aextract() takes an openai.AsyncOpenAI client; use extract() for OpenAI")
    loaded = _as_article(article, id=id, source=source, published=published)
    provider = make_model(_settings(model, mode, settings), async_client=client, replay=replay, retry=retry)
    try:
        return await pipeline.arun(loaded, provider)
    finally:
        if client is None:
            await provider.aclose()
