"""The LLM backend: the openai SDK for transport, instructor for structure, tenacity for transients.

One async implementation serves every caller. A caller's own synchronous
`openai.OpenAI` client is driven from a worker thread; otherwise the backend
builds one `openai.AsyncOpenAI` per event loop on top of the cache, recording
and replay layers. Every request carries the article's identity in headers
(see extractor/http/transport.py).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import weakref
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import httpx2
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from openai.types.chat import ChatCompletion
from openai.types.chat.chat_completion_message_function_tool_call import (
    ChatCompletionMessageFunctionToolCall,
    Function,
)
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.wait import wait_exponential_jitter

from ... import _compat
from ...batch.gate import Gate
from ...config import Settings, redact
from ...errors import ContentFilterError, ExtractionError, RefusalError
from ...http.transport import ARTICLE_HEADER, ASK_HEADER, CACHE_HEADER, CHUNK_HEADER, Layer, LayeredTransport
from ...schemas import AnswerReview, ExtractionResponse, Usage, reviewing
from ...schemas.response import strict_json_schema
from ...schemas.salvage import NoJSON, Salvaged, read_json, salvage
from ..base import Candidates, Task
from ..rules import read_rules
from . import prompt
from .profiles import Adaptations, profile_for
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
# Completion tokens allowed when the settings give no cap; doubled for reasoning models, whose
# reasoning tokens count against the same cap.
DEFAULT_MAX_TOKENS = 4096
_compat.memoize_async_validator_scan()


@dataclass
class _Calls:
    """What happened during one task's model calls."""

    asks: int = 0
    attempts: int = 0
    cache_hits: int = 0
    usage: Usage = field(default_factory=Usage)
    notes: list[str] = field(default_factory=list)  # what happened, for the record's warnings
    timeouts: int = 0

    def saw(self, raw: Any) -> Any:
        if raw.headers.get(CACHE_HEADER) == "hit":
            self.cache_hits += 1
        return self.count(raw.parse())

    def count(self, completion: Any) -> Any:
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
        self.profile = profile_for(settings.model)
        self.max_tokens = settings.max_tokens or (DEFAULT_MAX_TOKENS * (2 if self.profile.reasoning else 1))
        self.timeout = settings.timeout or self.profile.timeout
        self.adaptations = Adaptations()  # learnt from the server's 400s, for this extractor's lifetime
        self.timeouts = 0  # requests that timed out: a timed-out generation may still be billed
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
        # Hints change what the model is shown, so records made with them are told apart.
        return prompt.prompt_version() + ("-hints" if self.settings.hints else "")

    def _hints(self, task: Task) -> tuple[str | None, dict[str, str]]:
        """The hint block for this text and what its numbers stand for (--hints), else nothing."""
        if not self.settings.hints:
            return None, {}
        found = read_rules(task.text)
        quotes = [quote.text for quote in found.quotes]
        return (prompt.hints_block(quotes, [party.name for party in found.parties]),
                {f"Q{number}": quote for number, quote in enumerate(quotes, 1)})

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
                                             timeout=self.timeout)
            client = self._clients[loop] = openai.AsyncOpenAI(
                api_key=settings.key() or "replay", base_url=settings.base_url, max_retries=0,
                timeout=self.timeout, http_client=http_client,
            )
        return client

    async def _post(self, kwargs: dict[str, Any]) -> Any:
        """One HTTP attempt, shaped by what the server has said it accepts; the raw response.

        A 400 naming a parameter or value the server refuses teaches the run's
        `Adaptations` once, and the request is sent again at once reshaped.
        """
        for _ in range(4):
            shaped = self.adaptations.apply(kwargs)
            try:
                return await self._send(shaped)
            except openai.BadRequestError as exc:
                if not self.adaptations.learn(exc.body, exc.message, shaped):
                    raise
        return await self._send(self.adaptations.apply(kwargs))

    async def _send(self, kwargs: dict[str, Any]) -> Any:
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

    def _stop_for(self, calls: _Calls) -> Any:
        def stop(state: RetryCallState) -> bool:
            """Bounded in time always; in attempts too, where 429s (pacing, not failure) count a quarter;
            and at most `timeout_retries` retries after a timeout, since a timed-out generation is billed."""
            # Long enough for the allowed retry after a timeout, however long the model's timeout is.
            limit = max(self.retry.max_seconds, self.timeout * (self.retry.timeout_retries + 1) + 60)
            if state.seconds_since_start is not None and state.seconds_since_start >= limit:
                return True
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, openai.APITimeoutError) and calls.timeouts > self.retry.timeout_retries:
                return True
            rate_limited = isinstance(exc, openai.RateLimitError) and self.gate is not None
            budget = self.retry.max_attempts * (4 if rate_limited else 1)
            return state.attempt_number >= budget

        return stop

    # -- one task ------------------------------------------------------------------------------
    def _request(self, task: Task, hints: str | None = None) -> dict[str, Any]:
        """The request, with the parameters the model family accepts (profiles.py)."""
        profile, settings = self.profile, self.settings
        request: dict[str, Any] = {
            "model": settings.model,
            "messages": prompt.messages(task.text, task.context, hints),
            "response_model": _RESPONSE_MODEL,
            "max_retries": settings.max_reasks,
            profile.token_parameter: self.max_tokens,
        }
        if profile.temperature and settings.temperature is not None:
            request["temperature"] = settings.temperature
        effort = settings.reasoning_effort or profile.default_effort()
        if effort:
            request["reasoning_effort"] = effort
        return request

    async def read(self, task: Task) -> Candidates:
        return await self._read(task)

    async def request_body(self, task: Task) -> dict[str, Any]:
        """The JSON body `read` sends on its first ask for this task (for a Batch API input file).

        instructor prepares the request as for a real read (tools or response_format, the mode's
        messages, the profile's parameters); the create() it calls keeps the kwargs instead of sending.
        """
        async def keep(**kwargs: Any) -> Any:
            raise _Prepared(self.adaptations.apply(self._structured(kwargs)))

        patched = instructor.patch(create=keep, mode=self.mode)
        token = _QUIET.set(True)
        try:
            await patched(**{**self._request(task, self._hints(task)[0]), "max_retries": 0})
        except Exception as exc:  # noqa: BLE001 - the kept kwargs ride on the exception
            cause: BaseException | None = exc
            while cause is not None and not isinstance(cause, _Prepared):
                cause = cause.__cause__ or cause.__context__
            if cause is None:
                raise
            return json.loads(json.dumps(cause.kwargs))  # plain JSON, as it would go on the wire
        finally:
            _QUIET.reset(token)
        raise RuntimeError("instructor returned without calling create()")

    async def read_batch_answer(self, task: Task, completion: dict[str, Any]) -> Candidates:
        """`read`, with the first ask answered by a Batch API chat.completion body.

        The answer is inspected, salvaged and checked as a real-time answer is; if it fails, the
        re-asks go to the server in real time, with the errors fed back, exactly as in `read`.
        """
        return await self._read(task, first=completion)

    async def _read(self, task: Task, first: dict[str, Any] | None = None) -> Candidates:
        calls = _Calls()
        hints, references = self._hints(task)
        review = AnswerReview(check=task.check, references=references)
        request = self._request(task, hints)
        patched = instructor.patch(create=self._create_for(task, calls, first), mode=self.mode)
        # A refusal, an empty answer or an answer cut off well below the cap is asked once more.
        extra_ask = True
        while True:
            try:
                with reviewing(review):
                    result = await patched(**request)
            except Exception as exc:  # noqa: BLE001 - sorted out below
                outcome = self._outcome(exc, calls, review, task, extra_ask)
                if outcome is None:
                    extra_ask = False
                    calls.notes.append("asked once more after an unusable answer")
                    continue
                return outcome
            kept = review.answers[-1] if review.answers else None
            return self._candidates(result, calls, kept)

    def _create_for(self, task: Task, calls: _Calls, first: dict[str, Any] | None = None) -> Any:
        """The create() instructor drives: one ask, with transient retries, headers and answer inspection.

        With `first`, the first ask is answered by that completion body (from the Batch API) instead.
        """

        async def create(**kwargs: Any) -> Any:
            calls.asks += 1
            kwargs = self._structured(kwargs)
            if first is not None and calls.asks == 1:
                calls.attempts += 1
                completion = calls.count(ChatCompletion.construct(**first))
                return inspect_answer(completion, tools=self.settings.mode == "tools", notes=calls.notes)
            if first is not None and calls.asks == 2:
                calls.notes.append("the Batch API answer was not usable as it was; asked again in real time")
            kwargs["extra_headers"] = {
                **(kwargs.get("extra_headers") or {}), ARTICLE_HEADER: task.sha256, ASK_HEADER: str(calls.asks),
                **({CHUNK_HEADER: task.context.label} if task.context is not None else {}),
            }
            async for attempt in AsyncRetrying(
                sleep=self.retry.asleep, stop=self._stop_for(calls), wait=self._wait,
                retry=retry_if_exception(is_transient), reraise=True,
            ):
                with attempt:
                    calls.attempts += 1
                    started = time.monotonic()
                    try:
                        completion = calls.saw(await self._gated_post(kwargs))
                    except openai.APITimeoutError:
                        # A dropped connection surfaces as a timeout too; only a request that ran the
                        # full timeout was a generation the provider may bill.
                        if time.monotonic() - started >= 0.8 * self.timeout:
                            calls.timeouts += 1
                            self.timeouts += 1
                        raise
            return inspect_answer(completion, tools=self.settings.mode == "tools", notes=calls.notes)

        return create

    def _structured(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        """instructor's request with what the server's structured-output contract wants on top."""
        settings = self.settings
        if settings.strict:
            for tool in kwargs.get("tools") or []:
                function = tool.get("function", {})
                tool["function"] = {**function, "strict": True,
                                    "parameters": strict_json_schema(function.get("parameters", {}))}
            response_format = kwargs.get("response_format") or {}
            if response_format.get("type") == "json_schema":
                spec = response_format.get("json_schema", {})
                kwargs["response_format"] = {**response_format, "json_schema": {
                    **spec, "strict": True, "schema": strict_json_schema(spec.get("schema", {}))}}
        if settings.server == "llamacpp" and (kwargs.get("response_format") or {}).get("type") == "json_object":
            # llama.cpp servers turn a schema here into a grammar that constrains the answer.
            kwargs["response_format"] = {"type": "json_object", "schema": ExtractionResponse.model_json_schema()}
        return kwargs

    def _outcome(self, exc: Exception, calls: _Calls, review: AnswerReview, task: Task,
                 extra_ask: bool) -> Candidates | None:
        """What an exception from instructor means: a record to keep, None to ask once more, or an error."""
        article_id = task.article.id
        cause: BaseException = exc
        while isinstance(cause, InstructorRetryException) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, openai.APIError):
            raise describe_failure(cause, self.settings, calls.attempts, article_id) from None
        if isinstance(cause, ContentFiltered):
            raise ContentFilterError(
                f"article {article_id}: the provider's content filter stopped the answer (finish_reason "
                "content_filter); it was not asked again. Review the article, or use another model or provider",
                article_id=article_id, attempts=calls.attempts,
            ) from None
        if isinstance(cause, NoAnswer):
            if extra_ask:
                return None
            raise RefusalError(
                f"article {article_id}: the model {cause.kind} on {calls.asks} asks ({cause.detail[:160]!r}); "
                "a different model, or one with fewer restrictions, may answer",
                article_id=article_id, attempts=calls.attempts,
            ) from None
        if isinstance(cause, IncompleteOutputException):
            return self._truncated(cause, calls, review, task, extra_ask)
        if isinstance(exc, InstructorRetryException):
            best = review.best()
            if best is not None:
                note = (f"re-asks exhausted after {exc.n_attempts} answers; kept the usable items of the "
                        f"answer with the most; last problem: {str(cause).splitlines()[-1][:300]}")
                calls.notes.append(note)
                return self._candidates(ExtractionResponse.model_validate(best.data), calls, best)
        raise ExtractionError(
            f"article {article_id}: the model gave no usable answer after {calls.attempts} calls "
            f"({type(cause).__name__}: {redact(str(cause), self.settings.api_key)[:300]}); "
            "try a stronger model, or another EXTRACTOR_MODE",
            article_id=article_id, attempts=calls.attempts,
        ) from None

    def _truncated(self, exc: IncompleteOutputException, calls: _Calls, review: AnswerReview, task: Task,
                   extra_ask: bool) -> Candidates | None:
        """An answer cut off by the token cap: keep its complete items, or ask once more if it stopped early."""
        completion = exc.last_completion
        usage = getattr(completion, "usage", None)
        used = getattr(usage, "completion_tokens", None)
        cap = self.max_tokens
        # Cut well below the cap we asked for: a server-side limit or a flaky proxy, worth one more ask.
        early = used is not None and used < cap * EARLY_CUT_SHARE
        try:
            value, repairs, _ = read_json(answer_json(completion.model_dump()))
            partial = review.resolve(salvage(value, truncated=True, repairs=repairs))
        except (NoJSON, KeyError, IndexError, TypeError):
            partial = None
        if early and extra_ask:
            return None
        said = f"{used} completion tokens" if used is not None else "an unknown number of tokens"
        if partial is None or not partial.item_count:
            advice = ("raise EXTRACTOR_MAX_TOKENS" if not early else
                      "the server stopped it well below max_tokens; check the server's own output limit")
            raise ExtractionError(
                f"article {task.article.id}: the answer was cut off after {said} (max_tokens={cap}) before any "
                f"complete item; {advice}", article_id=task.article.id, attempts=calls.attempts,
            )
        where = "the token cap" if not early else "a limit below the token cap (the server's?)"
        calls.notes.append(f"the answer was cut off by {where} after {said} (max_tokens={cap}); kept its "
                           f"{partial.item_count} complete items")
        return self._candidates(ExtractionResponse.model_validate(partial.data), calls, partial)

    def _candidates(self, response: ExtractionResponse, calls: _Calls, kept: Salvaged | None) -> Candidates:
        warnings = list(calls.notes)
        if kept is not None:
            warnings += [f"repaired: {note}" for note in kept.repairs]
            warnings += [f"dropped {item}" for item in kept.dropped]
        return Candidates(
            response=response, backend=self.name, model=self.settings.model, prompt_version=self.prompt_version,
            mode=self.settings.mode, attempts=calls.attempts, usage=calls.usage,
            cached=calls.attempts > 0 and calls.cache_hits == calls.attempts,
            warnings=list(dict.fromkeys(warnings)),
        )


class _Prepared(Exception):
    """Carries the kwargs instructor prepared, out of a create() that sends nothing."""

    def __init__(self, kwargs: dict[str, Any]):
        super().__init__("request prepared, not sent")
        self.kwargs = kwargs


# instructor logs every failed create() with its full request; preparing a request body "fails" on purpose.
_QUIET: ContextVar[bool] = ContextVar("extractor_preparing_request", default=False)


class _QuietWhilePreparing(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _QUIET.get()


logging.getLogger("instructor.v2.retry").addFilter(_QuietWhilePreparing())

# An answer cut off below this share of max_tokens stopped early: it is asked once more.
EARLY_CUT_SHARE = 0.5
_APOLOGY = re.compile(r"\b(sorry|apologi[sz]e|i can(?:no|')t|i am unable|i'm unable|cannot (?:help|assist|comply)|"
                      r"as an ai|not able to (?:help|assist))\b", re.IGNORECASE)


class NoAnswer(Exception):
    """The model refused or answered nothing usable as JSON."""

    def __init__(self, kind: str, detail: str):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class ContentFiltered(Exception):
    """The provider's content filter stopped the answer."""


def inspect_answer(completion: Any, *, tools: bool, notes: list[str]) -> Any:
    """The completion instructor should parse, with the answer where the mode expects it.

    Raises NoAnswer for a refusal (the refusal field, or an apology with no JSON)
    or an empty answer, and ContentFiltered for finish_reason content_filter.
    Some servers answer a tool request in plain content, or a JSON request with a
    tool call: the answer is moved where instructor looks for it, and noted.
    """
    if not completion.choices:
        raise NoAnswer("answered nothing", "no choices in the response")
    choice = completion.choices[0]
    if choice.finish_reason == "content_filter":
        raise ContentFiltered("content_filter")
    message = choice.message
    refusal = getattr(message, "refusal", None)
    if refusal:
        raise NoAnswer("refused", str(refusal))
    calls = [c for c in (message.tool_calls or []) if getattr(c, "function", None) is not None]
    content = message.content or ""
    if tools and not calls and "{" in content:
        message.tool_calls = [ChatCompletionMessageFunctionToolCall(
            id="call_from_content", type="function",
            function=Function(name="ExtractionResponse", arguments=content),
        )]
        notes.append("repaired: the answer came as text instead of a tool call")
        return completion
    if not tools and calls and not content.strip():
        message.content = calls[0].function.arguments
        notes.append("repaired: the answer came as a tool call instead of text")
        return completion
    if calls:
        if not (calls[0].function.arguments or "").strip():
            raise NoAnswer("answered nothing", "an empty tool call")
        return completion
    if not content.strip():
        raise NoAnswer("answered nothing", "empty content")
    if "{" not in content and _APOLOGY.search(content):
        raise NoAnswer("refused", content.strip())
    return completion
