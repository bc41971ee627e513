"""Which provider failures are worth another attempt, how long to wait, and what to tell the user.

Two retry layers, each in one place:

* `RetryPolicy` (tenacity, in openai.py) retries transient failures around one
  HTTP request: 408/409/429 (honouring Retry-After), 5xx, timeouts, dropped
  connections and unreadable bodies, with exponential backoff plus jitter,
  bounded in attempts and total time. The SDK's own retries are off.
* instructor re-asks when the answer fails validation, grounding included,
  feeding the errors back to the model.

Everything else (400/401/403/404, context length) fails at once with advice.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

import openai

from ...config import Settings, public_url, redact
from ...errors import ExtractorError, ProviderError, ReplayMissError, local_fault
from ...http.fixtures import REPLAY_MISS

_TRANSIENT_STATUS = {408, 409, 429}


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried. Tests pass an instant sleep."""

    max_attempts: int = 6
    max_seconds: float = 300.0
    initial_wait: float = 1.0
    max_wait: float = 60.0
    jitter: float = 1.0
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def is_transient(exc: BaseException) -> bool:
    if local_fault(exc) is not None:  # our cache, a fixture or the disk failed: retrying cannot help
        return False
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


def describe_failure(exc: BaseException, settings: Settings, attempts: int, article_id: str) -> ExtractorError:
    """A ProviderError whose message says what went wrong and what to do, with secrets masked.

    A fault of a local file (cache, fixture, disk) under the client is returned as itself.
    """
    fault = local_fault(exc)
    if fault is not None:
        return fault
    status = getattr(exc, "status_code", None)
    body = getattr(exc, "body", None)
    server_says = redact(str(getattr(exc, "message", exc)), *settings.secrets())
    where = public_url(settings.base_url) or "api.openai.com"
    code = body.get("code") if isinstance(body, dict) else None
    if code == REPLAY_MISS:
        return ReplayMissError(f"article {article_id}: {server_says}", status=status, attempts=attempts)
    if status == 401:
        advice = f"the server at {where} rejected the API key (401); check OPENAI_API_KEY for this base URL"
    elif status == 403:
        advice = f"the key may not use model {settings.model!r} (403); check the project's model access"
    elif status == 404:
        advice = (f"model {settings.model!r} or the endpoint was not found at {where} (404); "
                  "check EXTRACTOR_MODEL and OPENAI_BASE_URL")
    elif status == 400 and ("context" in server_says.lower() or code == "context_length_exceeded"):
        advice = (f"the article is too long for {settings.model!r}'s context window; "
                  "use a longer-context model or shorten the article")
    elif status in (400, 422):
        advice = (
            "the server rejected the request; if it does not support tool calling, set EXTRACTOR_MODE=json_schema "
            "or md_json"
        )
    elif status == 429:
        advice = f"still rate-limited after {attempts} attempts; lower --concurrency or set --rpm/--tpm"
    elif isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        advice = (f"could not reach {where} after {attempts} attempts; check OPENAI_BASE_URL and the network, "
                  "or raise EXTRACTOR_TIMEOUT")
    else:
        advice = f"the provider failed after {attempts} attempts; try again later"
    return ProviderError(
        f"article {article_id}: {advice}. Server said: {server_says}",
        status=status, retryable=is_transient(exc), attempts=attempts,
    )
