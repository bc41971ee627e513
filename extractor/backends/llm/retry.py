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
import re
import time
from dataclasses import dataclass
from typing import Awaitable, Callable

import openai

from ...config import Settings, public_url, redact
from ...errors import AccountError, ExtractorError, ProviderError, ReplayMissError, local_fault
from ...http.fixtures import REPLAY_MISS

_TRANSIENT_STATUS = {408, 409, 429}
# A Retry-After longer than this is not pacing but an account limit (a daily cap, a billing hold): the run stops.
LONG_RETRY_AFTER_SECONDS = 300.0
# A 5xx whose message reads like request validation is the server refusing the request, every time.
_DETERMINISTIC_5XX = re.compile(
    r"validation error|input should be|not supported|unsupported|invalid|must be one of|unrecognized|"
    r"extra inputs|field required|response_format|grammar", re.IGNORECASE)


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried. Tests pass an instant sleep."""

    max_attempts: int = 6
    max_seconds: float = 300.0
    timeout_retries: int = 1  # a timed-out generation may still be billed: retry it at most this often
    initial_wait: float = 1.0
    max_wait: float = 60.0
    jitter: float = 1.0
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep


def error_code(exc: BaseException) -> str | None:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("code"):
            return str(inner["code"])
    return getattr(exc, "code", None)


def is_transient(exc: BaseException) -> bool:
    if local_fault(exc) is not None:  # our cache, a fixture or the disk failed: retrying cannot help
        return False
    if isinstance(exc, (openai.APITimeoutError, openai.APIConnectionError)):
        return True
    if isinstance(exc, openai.APIStatusError):
        if exc.status_code == 429:
            wait = retry_after_seconds(exc)
            return error_code(exc) != "insufficient_quota" and not (wait and wait > LONG_RETRY_AFTER_SECONDS)
        if exc.status_code >= 500:
            return not _DETERMINISTIC_5XX.search(str(exc.message))
        return exc.status_code in _TRANSIENT_STATUS
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
    server_says = redact(str(getattr(exc, "message", exc)), *settings.secrets())
    where = public_url(settings.base_url) or "api.openai.com"
    code = error_code(exc)
    if code == REPLAY_MISS:
        return ReplayMissError(f"article {article_id}: {server_says}", status=status, attempts=attempts)
    account = None
    if status == 429 and code == "insufficient_quota":
        account = (f"the account behind the key is out of quota (429 insufficient_quota at {where}); "
                   "check billing and usage limits, then re-run the same command to resume")
    elif status == 429 and (retry_after_seconds(exc) or 0) > LONG_RETRY_AFTER_SECONDS:
        account = (f"the server asks to wait {retry_after_seconds(exc):.0f}s (Retry-After), longer than "
                   f"{LONG_RETRY_AFTER_SECONDS:.0f}s: an account limit, not pacing; check the account's limits, "
                   "then re-run the same command to resume")
    elif status == 401:
        account = (f"the server at {where} rejected the API key (401); check OPENAI_API_KEY for this base URL, "
                   "then re-run the same command to resume")
    elif status == 403:
        account = (f"the key may not use model {settings.model!r} (403); check the project's model access, "
                   "then re-run the same command to resume")
    elif status == 404:
        account = (f"model {settings.model!r} or the endpoint was not found at {where} (404); "
                   "check EXTRACTOR_MODEL and OPENAI_BASE_URL, then re-run the same command to resume")
    if account is not None:
        return AccountError(f"article {article_id}: {account}. Server said: {server_says}", status=status,
                            attempts=attempts)
    if status == 400 and ("context" in server_says.lower() or code == "context_length_exceeded"):
        advice = (f"the article is too long for {settings.model!r}'s context window; "
                  "use a longer-context model or shorten the article")
    elif status in (400, 422) and re.search(r"tool|function", server_says, re.IGNORECASE):
        advice = "the server rejected the tool request; if it has no tool calling, set EXTRACTOR_MODE=json_schema or md_json"
    elif status in (400, 422) and re.search(r"response_format|json_schema|schema", server_says, re.IGNORECASE):
        advice = ("the server rejected the structured-output request; try EXTRACTOR_MODE=tools, json or md_json "
                  "(docs/local-servers.md says what each server accepts)")
    elif status in (400, 422) or (status and status >= 500 and not is_transient(exc)):
        advice = "the server refused the request as sent, and would again; see what it said below"
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
