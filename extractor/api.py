"""The public entry points: the `Extractor` object, and `extract` / `aextract` for one-off calls.

An `Extractor` owns a configured backend, its clients and its cache, record
and replay layers, and is reused across many articles; the batch runner uses
the same object. There is one implementation, asynchronous. Synchronous calls
run it on an event loop kept for the calling thread (so connections stay alive
between calls and no thread hand-off is paid), or, when the caller is itself
inside a running loop (a notebook), on a private loop in a background thread.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import threading
from concurrent.futures import Future
from os import PathLike
from pathlib import Path
from typing import Any, Coroutine, TypeVar
from urllib.parse import urlsplit

import openai

from .backends.base import Backend
from .backends.llm import prompt
from .backends.llm.openai import BLOCKING_ALLOWED, OpenAIBackend
from .backends.llm.retry import RetryPolicy
from .backends.llm.tokens import count_tokens
from .backends.rules.backend import RulesBackend
from .batch.gate import Gate
from .config import Settings
from .core import pipeline
from .core.article import load_article
from .core.chunking import ChunkPolicy, chunk_tokens
from .errors import ConfigurationError
from .http.cache import ResponseCache
from .http.fixtures import Recorder, Replayer
from .http.transport import Layer
from .redaction import install as mask_secrets_in_logs
from .schemas import Article, ArticleRecord

ArticleInput = Article | str | PathLike[str]
T = TypeVar("T")


def _run_sync(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the coroutine to completion for a synchronous caller."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _ThreadLoop.run(coroutine)
    return _Portal.run(coroutine)


class _ThreadLoop:
    """One event loop per calling thread, reused by every synchronous call made from it."""

    _local = threading.local()

    @classmethod
    def run(cls, coroutine: Coroutine[Any, Any, T]) -> T:
        loop = getattr(cls._local, "loop", None)
        if loop is None or loop.is_closed():
            loop = cls._local.loop = asyncio.new_event_loop()
        task = loop.create_task(_blocking_allowed(coroutine))
        try:
            return loop.run_until_complete(task)
        except BaseException:
            if not task.done():  # Ctrl-C: stop the work and leave the loop reusable
                task.cancel()
                try:
                    loop.run_until_complete(task)
                except BaseException:  # noqa: BLE001 - the cancellation itself
                    pass
            raise


async def _blocking_allowed(coroutine: Coroutine[Any, Any, T]) -> T:
    """Nothing else runs on a calling thread's loop, so a caller's sync client may block it."""
    token = BLOCKING_ALLOWED.set(True)
    try:
        return await coroutine
    finally:
        BLOCKING_ALLOWED.reset(token)


class _Portal:
    """One background event loop that runs synchronous calls made from inside a running loop."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None
    _thread: threading.Thread | None = None

    @classmethod
    def loop(cls) -> asyncio.AbstractEventLoop:
        with cls._lock:
            if cls._loop is None:
                cls._loop = asyncio.new_event_loop()
                cls._thread = threading.Thread(target=cls._loop.run_forever, name="extractor-portal", daemon=True)
                cls._thread.start()
            return cls._loop

    @classmethod
    def run(cls, coroutine: Coroutine[Any, Any, T]) -> T:
        if threading.current_thread() is cls._thread:
            coroutine.close()
            raise RuntimeError("the synchronous API was called from inside its own event loop; use aextract()")
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, cls.loop())
        try:
            return future.result()
        except BaseException:
            future.cancel()  # Ctrl-C in the caller stops the work too
            raise


def _as_article(article: ArticleInput, **meta: Any) -> Article:
    if isinstance(article, Article):
        if article.text is None:
            raise ConfigurationError("this Article has no text; build it with load_article(path_or_text)")
        return article
    return load_article(article, **meta)


class Extractor:
    """A configured extractor, reusable across many articles, from sync or async code.

        with Extractor(model="gpt-4o-mini") as extractor:
            for path in paths:
                record = extractor.extract(path)

    `settings` (or `model` / `mode` over the environment) says which model and how
    to ask it. `client` is your own `openai.OpenAI` or `openai.AsyncOpenAI`
    (left open on close); otherwise one is built from OPENAI_API_KEY and
    OPENAI_BASE_URL. `replay` answers from recorded fixtures with no network,
    `record` writes every successful exchange as a fixture, `cache_dir` keeps an
    sqlite cache of responses.
    """

    def __init__(
        self,
        *,
        backend: str | None = None,
        model: str | None = None,
        mode: str | None = None,
        settings: Settings | None = None,
        client: openai.OpenAI | openai.AsyncOpenAI | None = None,
        replay: str | PathLike[str] | None = None,
        record: str | PathLike[str] | None = None,
        cache_dir: str | PathLike[str] | None = None,
        retry: RetryPolicy | None = None,
        gate: Gate | None = None,
        http: str = "aiohttp",
        max_connections: int = 256,
    ):
        if settings is None:
            settings = Settings.from_env(backend=backend, model=model, mode=mode)
        elif backend or model or mode:
            settings = Settings.model_validate({**settings.model_dump(), "backend": backend or settings.backend,
                                                "model": model or settings.model, "mode": mode or settings.mode})
        if settings.backend == "auto":
            endpoint = settings.has_endpoint() or client is not None or replay is not None or record is not None
            settings = settings.model_copy(update={"backend": "llm" if endpoint else "rules"})
        self.settings = settings
        self._layers: list[Layer] = []
        if settings.backend == "rules":
            if replay is not None or record is not None or client is not None:
                raise ConfigurationError("the rules backend makes no model calls: drop client/--replay/--record, "
                                         "or use backend='llm'")
            self.backend: Backend = RulesBackend()
            self.chunking = self._chunking(None)
            return
        if client is not None and not isinstance(client, (openai.OpenAI, openai.AsyncOpenAI)):
            raise ConfigurationError(f"client must be an openai.OpenAI or openai.AsyncOpenAI, not {type(client).__name__}")
        secrets = (*settings.secrets(), *((client.api_key,) if client is not None else ()))
        mask_secrets_in_logs(*secrets)  # whatever this process or its libraries log from now on
        try:
            if cache_dir is not None:
                self._layers.append(ResponseCache(Path(cache_dir), secrets=secrets))
            if replay is not None:
                if not Path(replay).is_dir():
                    raise ConfigurationError(f"--replay {replay}: no such directory of recorded responses")
                self._layers.append(Replayer(Path(replay)))
            if record is not None:
                self._layers.append(Recorder(Path(record), prompt_version=prompt.prompt_version(),
                                             model=settings.model, secrets=secrets))
            live = replay is None
            if live and client is None:
                settings = settings.require_credentials()  # fail before any work, not on the first article
        except BaseException:
            self._close_layers()  # e.g. the cache opened before a bad replay folder was found
            raise
        if settings.base_url and urlsplit(settings.base_url).password is not None:
            http = "httpx"  # aiohttp refuses a URL with user:password@ next to the SDK's Authorization header
        self.settings = settings
        llm = OpenAIBackend(
            settings, client=client, layers=self._layers, live=live, retry=retry, gate=gate, http=http,
            max_connections=max_connections,
        )
        self.backend = llm
        self.chunking = self._chunking(llm.max_tokens)

    def _chunking(self, completion_cap: int | None) -> ChunkPolicy:
        """Long articles are read in chunks by every backend, sized in the configured model's tokens."""
        size = chunk_tokens(self.settings.chunk_tokens, completion_cap)
        return ChunkPolicy(size, functools.partial(count_tokens, model=self.settings.model))

    # -- extraction ----------------------------------------------------------------------------
    async def aextract(
        self,
        article: ArticleInput,
        *,
        id: str | None = None,  # noqa: A002 - the contract's field name
        source: str | None = None,
        published: dt.date | str | None = None,
    ) -> ArticleRecord:
        """One grounded, validated record. `article` is an `Article`, a path, or the text."""
        return await pipeline.run(_as_article(article, id=id, source=source, published=published), self.backend,
                                  self.chunking)

    def extract(
        self,
        article: ArticleInput,
        *,
        id: str | None = None,  # noqa: A002
        source: str | None = None,
        published: dt.date | str | None = None,
    ) -> ArticleRecord:
        """`aextract` for synchronous code."""
        loaded = _as_article(article, id=id, source=source, published=published)
        return _run_sync(pipeline.run(loaded, self.backend, self.chunking))

    # -- lifetime ------------------------------------------------------------------------------
    async def aclose(self) -> None:
        """Close what this extractor opened on the current event loop, and its layers."""
        await self.backend.aclose()
        self._close_layers()

    def close(self) -> None:
        _run_sync(self.backend.aclose())
        if _Portal._loop is not None:
            _Portal.run(self.backend.aclose())
        self._close_layers()

    def _close_layers(self) -> None:
        for layer in self._layers:
            layer.close()
        self._layers.clear()

    def __enter__(self) -> "Extractor":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    async def __aenter__(self) -> "Extractor":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


def extract(
    article: ArticleInput,
    *,
    backend: str | None = None,
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
    `backend` is "llm" (the default; EXTRACTOR_BACKEND), "rules" (offline, no
    key) or "auto". `model` and `mode` default to EXTRACTOR_MODEL and
    EXTRACTOR_MODE; the client to one built from OPENAI_API_KEY and
    OPENAI_BASE_URL. `replay` answers from a directory of recorded responses
    instead of the network. For many articles, make one `Extractor` and reuse it.
    """
    if client is not None and not isinstance(client, openai.OpenAI):
        raise ConfigurationError("extract() takes an openai.OpenAI client; use aextract() for AsyncOpenAI")
    loaded = _as_article(article, id=id, source=source, published=published)
    with Extractor(backend=backend, model=model, mode=mode, settings=settings, client=client, replay=replay,
                   retry=retry) as extractor:
        return extractor.extract(loaded)


async def aextract(
    article: ArticleInput,
    *,
    backend: str | None = None,
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
    async with Extractor(backend=backend, model=model, mode=mode, settings=settings, client=client, replay=replay,
                         retry=retry) as extractor:
        return await extractor.aextract(loaded)
