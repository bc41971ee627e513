"""The model call over the openai SDK, with instructor for structure and tenacity for transients.

Two retry layers, each in one place:

* `RetryPolicy` (tenacity) retries transient provider failures around the raw
  chat-completion call: 408/409/429 (honouring Retry-After), 5xx, timeouts,
  dropped connections and unreadable bodies, with exponential backoff plus
  jitter, bounded in attempts and total time. The openai SDK's own retries are
  off (max_retries=0) so that this is the only policy.
* instructor re-asks when the answer fails validation, grounding included,
  feeding the errors back to the model: `Settings.max_reasks` times.

400/401/403/404 and context-length errors fail at once with what to fix.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError, create_model
from tenacity import AsyncRetrying, RetryCallState, Retrying, retry_if_exception
from tenacity.wait import wait_exponential_jitter

from extractor.schemas import Article, ExtractionResponse, Usage, grounding_check

from ...config import Settings, redact
from ...errors import ExtractionError, ProviderError, ReplayMissError
from .wire import answer_json
from ...core.grounding import Grounder
from ...core.pipeline import ModelAnswer
from ...batch.gate import Gate
from ...http.layers import CACHE_HEADER, REPLAY_MISS, Layer, LayeredTransport

log = logging.getLogger("extractor")

_MODES = {
    "tools": instructor.Mode.TOOLS,
    "json_schema": instructor.Mode.JSON_SCHEMA,
    "json": instructor.Mode.JSON,
    "md_json": instructor.Mode.MD_JSON,
}
_TRANSIENT_STATUS = {408, 409, 429}

# instructor wraps a plain model in a new ResponseSchema subclass on every request,
# which rebuilds the class and its JSON schema each time (~8 ms of CPU). Wrapping
# once here lets instructor's per-class caches work.
_RESPONSE_MODEL = create_model("ExtractionResponse", __base__=(ExtractionResponse, instructor.ResponseSchema))
# Request fields the SDK would walk key by key against its TypedDicts on every call
# (~2-3 ms of CPU per request for our messages and schema, a third of the client's
# budget); sent as extra_body they reach the wire as the same JSON, unchanged.
_PASSTHROUGH_FIELDS = ("messages", "tools", "tool_choice", "response_format")


def _memoize_async_validator_check() -> None:
    """instructor re-scans every class in the response model's MRO for async validators
    several times per request (~5 ms of CPU per article here). The answer depends only on
    the class, so a class that passed once is not scanned again. If instructor's layout
    changes, this does nothing and the scan simply runs as before."""
    try:
        from instructor.v2.core import patch as patch_module
        from instructor.v2.validation import async_validators
    except ImportError:
        return
    original = getattr(async_validators, "reject_async_validators", None)
    if original is None or getattr(original, "_memoized", False):
        return
    passed: set[type] = set()

    def reject_async_validators(response_model: Any) -> None:
        if isinstance(response_model, type) and response_model in passed:
            return
        original(response_model)
        if isinstance(response_model, type):
            passed.add(response_model)

    reject_async_validators._memoized = True  # type: ignore[attr-defined]
    async_validators.reject_async_validators = reject_async_validators
    if getattr(patch_module, "reject_async_validators", None) is original:
        patch_module.reject_async_validators = reject_async_validators


_memoize_async_validator_check()


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried. Tests pass instant sleeps."""

    max_attempts: int = 6
    max_seconds: float = 300.0
    initial_wait: float = 1.0
    max_wait: float = 60.0
    jitter: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def _passthrough(kwargs: dict[str, Any]) -> dict[str, Any]:
    moved = {k: kwargs[k] for k in _PASSTHROUGH_FIELDS if k in kwargs}
    if not moved:
        return kwargs
    rest = {k: v for k, v in kwargs.items() if k not in moved}
    rest["extra_body"] = {**(kwargs.get("extra_body") or {}), **moved}
    rest["messages"] = []  # required by the SDK's signature; extra_body's messages replace it on the wire
    return rest


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in _TRANSIENT_STATUS or exc.status_code >= 500
    # A 200 whose body is not the JSON it claims to be: a proxy or server hiccup.
    return isinstance(exc, (openai.APIResponseValidationError, json.JSONDecodeError))


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The server's Retry-After (seconds, milliseconds or an HTTP date), if it sent one."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    try:
        if "retry-after-ms" in headers:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            when = email.utils.parsedate_to_datetime(value)
            return max(0.0, when.timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@dataclass
class _CallLog:
    """What happened during one article's model calls."""

    attempts: int = 0
    cache_hits: int = 0


def _describe_failure(exc: BaseException, settings: Settings, attempts: int, article_id: str) -> ProviderError:
    """A ProviderError whose message says what went wrong and what to do, with secrets masked."""
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    server_says = redact(str(getattr(exc, "message", exc)), settings.api_key)
    where = redact(settings.base_url or "api.openai.com", settings.api_key)
    code = body.get("code") if isinstance(body, dict) else None
    if code == REPLAY_MISS:
        return ReplayMissError(f"article {article_id}: {server_says}", status=status, attempts=attempts)
    if status == 401:
        advice = f"the server at {where} rejected the API key (401); check OPENAI_API_KEY for this base URL"
    elif status == 403:
        advice = f"the key may not use model {settings.model!r} (403); check the project's model access"
    elif status == 404:
        advice = f"model {settings.model!r} or the endpoint was not found at {where} (404); check EXTRACTOR_MODEL and OPENAI_BASE_URL"
    elif status == 400 and ("context" in server_says.lower() or code == "context_length_exceeded"):
        advice = f"the article is too long for {settings.model!r}'s context window; use a longer-context model or shorten the article"
    elif status in (400, 422):
        advice = (
            "the server rejected the request; if it does not support tool calling, set EXTRACTOR_MODE=json_schema "
            "or md_json"
        )
    elif status == 429:
        advice = f"still rate-limited after {attempts} attempts; lower --concurrency or set --rpm/--tpm"
    elif isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        advice = f"could not reach {where} after {attempts} attempts; check OPENAI_BASE_URL and the network, or raise EXTRACTOR_TIMEOUT"
    else:
        advice = f"the provider failed after {attempts} attempts; try again later"
    return ProviderError(
        f"article {article_id}: {advice}. Server said: {server_says}",
        status=status, retryable=is_transient(exc), attempts=attempts,
    )


def _usage(raw: Any) -> Usage:
    if raw is None:
        return Usage()
    details = getattr(raw, "prompt_tokens_details", None)
    return Usage(
        prompt_tokens=getattr(raw, "prompt_tokens", 0) or 0,
        completion_tokens=getattr(raw, "completion_tokens", 0) or 0,
        cached_prompt_tokens=(getattr(details, "cached_tokens", 0) or 0) if details is not None else 0,
    )


def _async_inner_transport(limits: httpx2.Limits, *, aiohttp: bool) -> httpx2.AsyncBaseTransport:
    if aiohttp:
        try:
            # The transport behind openai.DefaultAioHttpClient; used directly so the cache,
            # recording and replay layers can sit on top of it.
            from openai._vendor.httpx_aiohttp import AiohttpTransport

            return AiohttpTransport(limits=limits)
        except ImportError:  # openai installed without the aiohttp extra
            pass
    return httpx2.AsyncHTTPTransport(limits=limits)


class OpenAIModel:
    """`pipeline.Model` over an OpenAI-compatible chat completions API."""

    def __init__(
        self,
        settings: Settings,
        *,
        client: openai.OpenAI | None = None,
        async_client: openai.AsyncOpenAI | None = None,
        layers: list[Layer] | None = None,
        live: bool = True,
        retry: RetryPolicy | None = None,
        backend: str = "openai",
        http: str = "aiohttp",
        max_connections: int = 256,
        gate: "Gate | None" = None,
    ):
        self.settings = settings
        self.retry = retry or RetryPolicy()
        self.backend = backend
        self.mode = _MODES[settings.mode]
        self.gate = gate
        self._backoff = wait_exponential_jitter(
            multiplier=self.retry.initial_wait, max=self.retry.max_wait, jitter=self.retry.jitter
        )
        self._layers = layers or []
        self._live = live
        self._http = http
        self._max_connections = max_connections
        # A caller's client keeps its transport; only its SDK retries are turned off.
        self._client = client.with_options(max_retries=0) if client is not None else None
        self._async_client = async_client.with_options(max_retries=0) if async_client is not None else None

    # -- clients -----------------------------------------------------------------
    def _client_kwargs(self) -> dict[str, Any]:
        settings = self.settings if not self._live else self.settings.require_credentials()
        return {
            "api_key": settings.api_key or "replay",
            "base_url": settings.base_url,
            "max_retries": 0,
            "timeout": settings.timeout,
        }

    def sync_client(self) -> openai.OpenAI:
        if self._client is None:
            limits = httpx2.Limits(max_connections=self._max_connections, max_keepalive_connections=self._max_connections)
            inner = httpx2.HTTPTransport(limits=limits) if self._live else None
            transport = LayeredTransport(self._layers, inner=inner)
            http_client = httpx2.Client(transport=transport, timeout=self.settings.timeout)
            self._client = openai.OpenAI(**self._client_kwargs(), http_client=http_client)
        return self._client

    def async_client(self) -> openai.AsyncOpenAI:
        if self._async_client is None:
            limits = httpx2.Limits(max_connections=self._max_connections, max_keepalive_connections=self._max_connections)
            inner = _async_inner_transport(limits, aiohttp=self._http == "aiohttp") if self._live else None
            transport = LayeredTransport(self._layers, ainner=inner)
            http_client = httpx2.AsyncClient(transport=transport, timeout=self.settings.timeout)
            self._async_client = openai.AsyncOpenAI(**self._client_kwargs(), http_client=http_client)
        return self._async_client

    async def aclose(self) -> None:
        if self._async_client is not None:
            await self._async_client.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # -- one call --------------------------------------------------------------------
    def _request(self, messages: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "model": self.settings.model,
            "messages": messages,
            "response_model": _RESPONSE_MODEL,
            "max_retries": self.settings.max_reasks,
            "temperature": self.settings.temperature,
            "max_tokens": self.settings.max_tokens,
        }

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        backoff = self._backoff(state)
        hinted = retry_after_seconds(exc)
        wait = min(self.retry.max_wait, hinted) if hinted is not None else backoff
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

    def _tenacity_kwargs(self) -> dict[str, Any]:
        return {
            "stop": self._stop,
            "wait": self._wait,
            "retry": retry_if_exception(is_transient),
            "reraise": True,
        }

    def _seen(self, raw: Any, calls: _CallLog) -> Any:
        if raw.headers.get(CACHE_HEADER) == "hit":
            calls.cache_hits += 1
        return raw.parse()

    async def _gated(self, client: openai.AsyncOpenAI, kwargs: dict[str, Any], calls: _CallLog) -> Any:
        """One HTTP attempt, admitted by the batch's gate and reported back to it."""
        if self.gate is None:
            return self._seen(await client.chat.completions.with_raw_response.create(**_passthrough(kwargs)), calls)
        # ~4 characters a token is close enough for --tpm pacing and costs nothing.
        await self.gate.enter(tokens=sum(len(str(m.get("content") or "")) for m in kwargs["messages"]) // 4)
        kwargs = _passthrough(kwargs)
        sent = time.monotonic()
        try:
            raw = await client.chat.completions.with_raw_response.create(**kwargs)
        except openai.APIStatusError as exc:
            await self.gate.exit(exc.status_code, exc.response.headers, retry_after_seconds(exc))
            raise
        except BaseException:
            await self.gate.exit(None)
            raise
        await self.gate.exit(raw.status_code, raw.headers, latency=time.monotonic() - sent)
        return self._seen(raw, calls)

    def complete(self, messages: list[dict[str, str]], grounder: Grounder, *, article: Article) -> ModelAnswer:
        client = self.sync_client()
        calls = _CallLog()

        def create(**kwargs: Any) -> Any:
            for attempt in Retrying(sleep=self.retry.sleep, **self._tenacity_kwargs()):
                with attempt:
                    calls.attempts += 1
                    return self._seen(client.chat.completions.with_raw_response.create(**_passthrough(kwargs)), calls)
            raise AssertionError("unreachable")

        patched = instructor.patch(create=create, mode=self.mode)
        try:
            with grounding_check(grounder):
                result = patched(**self._request(messages))
        except Exception as exc:  # noqa: BLE001 - sorted out in _recover
            return self._recover(exc, calls, article)
        return self._answer(result, calls)

    async def acomplete(self, messages: list[dict[str, str]], grounder: Grounder, *, article: Article) -> ModelAnswer:
        client = self.async_client()
        calls = _CallLog()

        async def create(**kwargs: Any) -> Any:
            async for attempt in AsyncRetrying(sleep=self.retry.asleep, **self._tenacity_kwargs()):
                with attempt:
                    calls.attempts += 1
                    return await self._gated(client, kwargs, calls)
            raise AssertionError("unreachable")

        patched = instructor.patch(create=create, mode=self.mode)
        try:
            with grounding_check(grounder):
                result = await patched(**self._request(messages))
        except Exception as exc:  # noqa: BLE001 - sorted out in _recover
            return self._recover(exc, calls, article)
        return self._answer(result, calls)

    # -- results -----------------------------------------------------------------------
    def _answer(self, result: ExtractionResponse, calls: _CallLog, warnings: list[str] | None = None,
                usage: Any = None) -> ModelAnswer:
        return ModelAnswer(
            response=result,
            backend=self.backend,
            model=self.settings.model,
            mode=self.settings.mode,
            attempts=calls.attempts,
            usage=_usage(usage if usage is not None else getattr(result, "_total_usage", None)),
            cached=calls.attempts > 0 and calls.cache_hits == calls.attempts,
            warnings=warnings or [],
        )

    def _recover(self, exc: Exception, calls: _CallLog, article: Article) -> ModelAnswer:
        """Turn instructor's and openai's exceptions into a last answer or one of ours."""
        cause: BaseException = exc
        while isinstance(cause, InstructorRetryException) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, openai.APIError):
            raise _describe_failure(cause, self.settings, calls.attempts, article.id) from None
        if isinstance(cause, IncompleteOutputException):
            raise ExtractionError(
                f"article {article.id}: the model's answer was cut off at max_tokens={self.settings.max_tokens}; "
                "raise EXTRACTOR_MAX_TOKENS or use a model with longer output",
                article_id=article.id, attempts=calls.attempts,
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
                return self._answer(response, calls, [note], usage=retry_exc.total_usage)  # type: ignore[union-attr]
        raise ExtractionError(
            f"article {article.id}: the model gave no valid answer after {calls.attempts} calls "
            f"({type(cause).__name__}: {redact(str(cause), self.settings.api_key)[:300]}); "
            "try a stronger model or mode=tools",
            article_id=article.id, attempts=calls.attempts,
        ) from None
