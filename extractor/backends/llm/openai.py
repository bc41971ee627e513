"""The LLM backend: the openai SDK for transport, instructor for structure, tenacity for transients.

One async implementation serves every caller. A caller's own synchronous
`openai.OpenAI` client is driven from a worker thread; otherwise the backend
builds one `openai.AsyncOpenAI` per event loop on top of the cache, recording
and replay layers. Every request carries the article's identity in headers
(see extractor/http/transport.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.wait import wait_exponential_jitter

from ... import _compat
from ...batch.gate import Gate
from ...config import Settings, redact
from ...errors import ExtractionError
from ...http.transport import ARTICLE_HEADER, ASK_HEADER, CACHE_HEADER, Layer, LayeredTransport
from ...schemas import ExtractionResponse, Usage, grounding_check
from ..base import Candidates, Task
from . import prompt
from .retry import RetryPolicy, describe_failure, is_transient, retry_after_seconds
from .wire import answer_json

log = logging.getLogger("extractor")

# Set while a synchronous caller's own thread runs the event loop: then a caller's
# sync client is called directly instead of from a worker thread.
BLOCKING_ALLOWED: ContextVar[bool] = ContextVar("extractor_blocking_allowed", default=False)

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_RESPONSE_MODEL = _compat.instructor_response_model(ExtractionResponse)
_compat.memoize_async_validator_scan()


@dataclass
class _Calls:
    """What happened during one task's model calls."""

    asks: int = 0
    attempts: int = 0
    cache_hits: int = 0
    usage: Usage = field(default_factory=Usage)

    def saw(self, raw: Any) -> Any:
        if raw.headers.get(CACHE_HEADER) == "hit":
            self.cache_hits += 1
        completion = raw.parse()
        usage = getattr(completion, "usage", None)
        if usage is not None:
            details = getattr(usage, "prompt_tokens_details", None)
            self.usage = Usage(
                prompt_tokens=self.usage.prompt_tokens + (usage.prompt_tokens or 0),
                completion_tokens=self.usage.completion_tokens + (usage.completion_tokens or 0),
                cached_prompt_tokens=self.usage.cached_prompt_tokens + (getattr(details, "cached_tokens", 0) or 0),
            )
        return completion


class OpenAIBackend:
    """`Backend` over an OpenAI-compatible chat completions API."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: openai.OpenAI | openai.AsyncOpenAI | None = None,
        layers: list[Layer] | None = None,
        live: bool = True,
        retry: RetryPolicy | None = None,
        gate: Gate | None = None,
        http: str = "aiohttp",
        max_connections: int = 256,
    ):
        self.settings = settings
        self.model = settings.model
        self.name = "openai" if live else "replay"
        self.retry = retry or RetryPolicy()
        self.gate = gate
        self.mode = _MODES[settings.mode]
        self._backoff = wait_exponential_jitter(
            multiplier=self.retry.initial_wait, max=self.retry.max_wait, jitter=self.retry.jitter
        )
        self._layers = layers or []
        self._live = live
        self._http = http
        self._max_connections = max_connections
        # A caller's client keeps its transport; only its SDK retries are turned off.
        self._callers_client = client.with_options(max_retries=0) if client is not None else None
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, openai.AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )

    @property
    def prompt_version(self) -> str:
        return prompt.prompt_version()

    # -- clients -------------------------------------------------------------------------------
    def _client(self) -> openai.AsyncOpenAI:
        """This event loop's client: async connection pools belong to the loop that made them."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            settings = self.settings.require_credentials() if self._live else self.settings
            limits = httpx2.Limits(max_connections=self._max_connections,
                                   max_keepalive_connections=self._max_connections)
            inner = None
            if self._live:
                inner = (_compat.aiohttp_transport(limits) if self._http == "aiohttp" else None) \
                    or httpx2.AsyncHTTPTransport(limits=limits)
            http_client = httpx2.AsyncClient(transport=LayeredTransport(self._layers, ainner=inner),
                                             timeout=settings.timeout)
            client = self._clients[loop] = openai.AsyncOpenAI(
                api_key=settings.key() or "replay", base_url=settings.base_url, max_retries=0,
                timeout=settings.timeout, http_client=http_client,
            )
        return client

    async def _post(self, kwargs: dict[str, Any]) -> Any:
        """One HTTP attempt; the raw response, so headers and usage can be read."""
        kwargs = _compat.send_as_extra_body(kwargs)
        client = self._callers_client
        if isinstance(client, openai.OpenAI):
            if BLOCKING_ALLOWED.get():
                return client.chat.completions.with_raw_response.create(**kwargs)
            return await asyncio.to_thread(lambda: client.chat.completions.with_raw_response.create(**kwargs))
        return await (client or self._client()).chat.completions.with_raw_response.create(**kwargs)

    async def _gated_post(self, kwargs: dict[str, Any]) -> Any:
        """One HTTP attempt, admitted by the batch's gate and reported back to it."""
        if self.gate is None:
            return await self._post(kwargs)
        # ~4 characters a token is close enough for --tpm pacing and costs nothing.
        await self.gate.enter(tokens=sum(len(str(m.get("content") or "")) for m in kwargs["messages"]) // 4)
        sent = time.monotonic()
        try:
            raw = await self._post(kwargs)
        except openai.APIStatusError as exc:
            await self.gate.exit(exc.status_code, exc.response.headers, retry_after_seconds(exc))
            raise
        except BaseException:
            await self.gate.exit(None)
            raise
        await self.gate.exit(raw.status_code, raw.headers, latency=time.monotonic() - sent)
        return raw

    async def aclose(self) -> None:
        """Close this event loop's client (a caller's own client is theirs to close)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.close()

    # -- retries -------------------------------------------------------------------------------
    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = retry_after_seconds(exc)
        wait = min(self.retry.max_wait, hinted) if hinted is not None else self._backoff(state)
        log.info("transient failure (%s); retrying in %.2fs", type(exc).__name__, wait)
        return wait

    def _stop(self, state: RetryCallState) -> bool:
        """Bounded in time always; in attempts too, where 429s (pacing, not failure) count a quarter."""
        if state.seconds_since_start is not None and state.seconds_since_start >= self.retry.max_seconds:
            return True
        exc = state.outcome.exception() if state.outcome else None
        rate_limited = isinstance(exc, openai.RateLimitError) and self.gate is not None
        budget = self.retry.max_attempts * (4 if rate_limited else 1)
        return state.attempt_number >= budget

    # -- one task ------------------------------------------------------------------------------
    def _request(self, text: str) -> dict[str, Any]:
        request: dict[str, Any] = {
            "model": self.settings.model,
            "messages": prompt.messages(text),
            "response_model": _RESPONSE_MODEL,
            "max_retries": self.settings.max_reasks,
            "max_tokens": self.settings.max_tokens,
        }
        if self.settings.temperature is not None:
            request["temperature"] = self.settings.temperature
        return request

    async def read(self, task: Task) -> Candidates:
        calls = _Calls()

        async def create(**kwargs: Any) -> Any:
            calls.asks += 1
            kwargs["extra_headers"] = {
                **(kwargs.get("extra_headers") or {}), ARTICLE_HEADER: task.sha256, ASK_HEADER: str(calls.asks),
            }
            async for attempt in AsyncRetrying(
                sleep=self.retry.asleep, stop=self._stop, wait=self._wait,
                retry=retry_if_exception(is_transient), reraise=True,
            ):
                with attempt:
                    calls.attempts += 1
                    return calls.saw(await self._gated_post(kwargs))
            raise AssertionError("unreachable")

        patched = instructor.patch(create=create, mode=self.mode)
        try:
            with grounding_check(task.check):
                result = await patched(**self._request(task.text))
        except Exception as exc:  # noqa: BLE001 - sorted out in _recover
            return self._recover(exc, calls, task)
        return self._candidates(result, calls)

    def _candidates(self, response: ExtractionResponse, calls: _Calls, warnings: list[str] | None = None) -> Candidates:
        return Candidates(
            response=response,
            backend=self.name, model=self.settings.model, prompt_version=self.prompt_version,
            mode=self.settings.mode, attempts=calls.attempts, usage=calls.usage,
            cached=calls.attempts > 0 and calls.cache_hits == calls.attempts, warnings=warnings or [],
        )

    def _recover(self, exc: Exception, calls: _Calls, task: Task) -> Candidates:
        """Turn instructor's and openai's exceptions into a last answer or one of ours."""
        article_id = task.article.id
        cause: BaseException = exc
        while isinstance(cause, InstructorRetryException) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, openai.APIError):
            raise describe_failure(cause, self.settings, calls.attempts, article_id) from None
        if isinstance(cause, IncompleteOutputException):
            raise ExtractionError(
                f"article {article_id}: the model's answer was cut off at max_tokens={self.settings.max_tokens}; "
                "raise EXTRACTOR_MAX_TOKENS or use a model with longer output",
                article_id=article_id, attempts=calls.attempts,
            ) from None
        retry_exc = exc if isinstance(exc, InstructorRetryException) else None
        last = getattr(retry_exc, "last_completion", None)
        if last is not None:
            # The re-asks ran out. Keep what validates without the grounding check;
            # grounding then drops, with warnings, what is still not in the article.
            try:
                response = ExtractionResponse.model_validate_json(answer_json(last.model_dump()))
            except (ValidationError, ValueError, KeyError, IndexError, TypeError):
                response = None
            if response is not None:
                note = (
                    f"re-asks exhausted after {retry_exc.n_attempts} answers; "  # type: ignore[union-attr]
                    f"last error: {str(cause).splitlines()[0][:200]}"
                )
                return self._candidates(response, calls, [note])
        raise ExtractionError(
            f"article {article_id}: the model gave no valid answer after {calls.attempts} calls "
            f"({type(cause).__name__}: {redact(str(cause), self.settings.api_key)[:300]}); "
            "try a stronger model or mode=tools",
            article_id=article_id, attempts=calls.attempts,
        ) from None

