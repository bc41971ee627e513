"""A loopback OpenAI-compatible server for tests and benchmarks, with latency, faults and rate limits.

    python -m extractor.testing.devserver --fixtures fixtures/articles --latency 0.5 --p429 0.2

It answers POST /v1/chat/completions from fixtures (by article sha256, and
chunk for a chunk of a long article), or,
for articles with no fixture, with a small answer built from the article's own
sentences so that it always grounds. GET /stats reports what it served.
Faults are drawn per request: 429 with Retry-After, 500/503, a malformed body,
a response slower than the client's timeout, finish_reason=length, and a
dropped connection. `--rate` enforces a real token bucket of R requests per
second with 429 + Retry-After beyond it, and `--ratelimit-headers` sends
x-ratelimit-* headers. `--p401` refuses requests as if the key were wrong, and
`--echo-key` makes every error body repeat the Authorization header it got, as
some proxies do (to test that no key leaks). It binds 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from ..backends.llm.wire import completion_for
from ..http.fixtures import FixtureIndex
from ..http.transport import ARTICLE_HEADER, ASK_HEADER, CHUNK_HEADER

# /stats also counts requests and 429s from this long after the first request on,
# to tell a client's steady state from its first probe of an unknown limit.
WARMUP_SECONDS = 5.0
_SENTENCE = re.compile(r"[^.!?\n]{20,200}[.!?]")
_CAPITALISED = re.compile(r"\b[A-Z][a-z]{3,}\b")


@dataclass
class Faults:
    p429: float = 0.0
    p5xx: float = 0.0
    malformed: float = 0.0
    slow: float = 0.0
    length: float = 0.0
    drop: float = 0.0
    content_filter: float = 0.0
    p401: float = 0.0
    slow_seconds: float = 30.0
    retry_after: float = 0.05


@dataclass
class ServerConfig:
    fixtures: Path | None = None
    latency: float = 0.0
    faults: Faults = field(default_factory=Faults)
    rate: float | None = None  # requests per second; None = unlimited
    burst: float | None = None
    ratelimit_headers: bool = False
    seed: int = 1234
    echo_key: bool = False  # error bodies repeat the request's Authorization header
    # Providers' documented contracts and account states, enforced like the real thing:
    contract: str | None = None  # "openai-reasoning": GPT-5/o-series parameter rules
    quota_exhausted: bool = False  # every request: 429 insufficient_quota
    revoke_after: int | None = None  # the key is revoked after this many requests: 401 from then on


def _openai_error(status: int, message: str, *, type_: str = "invalid_request_error", param: str | None = None,
                  code: str | None = None) -> web.Response:
    return web.json_response({"error": {"message": message, "type": type_, "param": param, "code": code}},
                             status=status)


def reasoning_contract(body: dict[str, Any]) -> web.Response | None:
    """OpenAI's documented refusals for reasoning models (GPT-5 family, o-series) on chat completions."""
    if "max_tokens" in body:
        return _openai_error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                                  "Use 'max_completion_tokens' instead.", param="max_tokens",
                             code="unsupported_parameter")
    if "temperature" in body and body["temperature"] != 1:
        return _openai_error(400, f"Unsupported value: 'temperature' does not support {body['temperature']} with "
                                  "this model. Only the default (1) value is supported.", param="temperature",
                             code="unsupported_value")
    model = str(body.get("model", ""))
    effort = body.get("reasoning_effort")
    if effort is not None and re.match(r"gpt-5\.\d", model) and effort == "minimal":
        return _openai_error(400, f"Unsupported value: 'minimal' is not supported with the '{model}' model. "
                                  "Supported values are: 'none', 'low', 'medium', and 'high'.",
                             param="reasoning_effort", code="unsupported_value")
    return None


def request_text(body: dict[str, Any]) -> str:
    """The article (or chunk) in the last user message: what lies between its delimiters.

    Sentences are drawn from it for synthetic answers, so they must be the
    article's own words, not a chunk's roster or instructions before it.
    """
    users = [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"]
    content = users[-1] if users and isinstance(users[-1], str) else ""
    opened = content.rfind("<<<ARTICLE\n")
    closed = content.rfind("\nARTICLE>>>")
    return content[opened + len("<<<ARTICLE\n"):closed] if 0 <= opened < closed else content


def synthetic_answer(text: str) -> dict[str, Any]:
    """An answer whose every snippet is taken from the article, so grounding always succeeds."""
    sentences = [s.strip() for s in _SENTENCE.findall(text)] or [text.strip()[:120] or "."]
    names = list(dict.fromkeys(_CAPITALISED.findall(text)))[:3] or ["Unknown"]
    words = sentences[0].split()
    return {
        "summary": sentences[0],
        "parties": [{"name": n, "kind": "other"} for n in names],
        "topics": [{"category": "defence_cooperation", "label": "cooperation", "evidence": [" ".join(words[:6])]}],
        "quotes": [{"speaker": names[0], "text": sentences[-1], "kind": "indirect", "cue": "said"}],
        "agreements": [],
    }


class LoopbackServer:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.index = FixtureIndex(config.fixtures) if config.fixtures else None
        self.random = random.Random(config.seed)
        self.counts: Counter[str] = Counter()
        self.by_article: Counter[str] = Counter()
        self.authorization_seen = 0
        self._first_request_at: float | None = None
        self._bucket = config.burst or (config.rate or 0)
        self._bucket_stamp = time.monotonic()
        self.runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- rate limit ---------------------------------------------------------------------------
    def _take_token(self) -> float | None:
        """None when admitted; else seconds until a token is free."""
        rate = self.config.rate
        if not rate:
            return None
        capacity = self.config.burst or rate
        now = time.monotonic()
        self._bucket = min(capacity, self._bucket + (now - self._bucket_stamp) * rate)
        self._bucket_stamp = now
        if self._bucket >= 1:
            self._bucket -= 1
            return None
        return (1 - self._bucket) / rate

    def _limit_headers(self) -> dict[str, str]:
        if not (self.config.ratelimit_headers and self.config.rate):
            return {}
        capacity = self.config.burst or self.config.rate
        remaining = max(0, int(self._bucket))
        reset = (capacity - self._bucket) / self.config.rate
        return {
            "x-ratelimit-limit-requests": str(int(capacity)),
            "x-ratelimit-remaining-requests": str(remaining),
            "x-ratelimit-reset-requests": f"{reset:.3f}s",
        }

    # -- handlers -------------------------------------------------------------------------------
    async def chat(self, request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if request.headers.get("authorization"):
            self.authorization_seen += 1
        try:
            body = json.loads(raw)
        except ValueError:
            return web.json_response({"error": {"message": "body is not JSON"}}, status=400)
        sha = request.headers.get(ARTICLE_HEADER) or "none"
        try:
            ask = int(request.headers.get(ASK_HEADER, "1"))
        except ValueError:
            ask = 1
        self.counts["requests"] += 1
        self.by_article[sha] += 1
        refused = self._account_or_contract(body)
        if refused is not None:
            self.counts[f"refused_{refused.status}"] += 1
            return refused
        now = time.monotonic()
        self._first_request_at = self._first_request_at or now
        warm = now - self._first_request_at >= WARMUP_SECONDS
        if warm:
            self.counts["requests_after_warmup"] += 1

        wait = self._take_token()
        if wait is not None:
            self.counts["429_rate"] += 1
            if warm:
                self.counts["429_rate_after_warmup"] += 1
            headers = {"retry-after": f"{wait:.3f}", **self._limit_headers()}
            return web.json_response({"error": {"message": "rate limited", "type": "requests"}}, status=429, headers=headers)

        faults = self.config.faults
        roll = self.random.random()
        if self.config.latency:
            await asyncio.sleep(self.config.latency)
        for name, probability in (("429", faults.p429), ("5xx", faults.p5xx), ("malformed", faults.malformed),
                                  ("slow", faults.slow), ("length", faults.length), ("drop", faults.drop),
                                  ("content_filter", faults.content_filter), ("401", faults.p401)):
            if roll < probability:
                return await self._fault(name, request, body)
            roll -= probability

        text = request_text(body)
        chunk = request.headers.get(CHUNK_HEADER) or None
        answered = self.index.answer(body, sha, ask, chunk) if self.index else None
        if answered is None:
            payload = completion_for(body, json.dumps(synthetic_answer(text)), template={
                "usage": {"prompt_tokens": sum(len(str(m.get("content"))) for m in body["messages"]) // 4,
                          "completion_tokens": 120, "total_tokens": 0}})
            status = 200
        else:
            status, payload = answered
        self.counts[f"status_{status}"] += 1
        return web.json_response(payload, status=status, headers=self._limit_headers())

    def _account_or_contract(self, body: dict[str, Any]) -> web.Response | None:
        config = self.config
        if config.revoke_after is not None and self.counts["requests"] > config.revoke_after:
            return _openai_error(401, "Incorrect API key provided. You can find your API key at "
                                      "https://platform.openai.com/account/api-keys.", code="invalid_api_key")
        if config.quota_exhausted:
            return _openai_error(429, "You exceeded your current quota, please check your plan and billing "
                                      "details.", type_="insufficient_quota", code="insufficient_quota")
        if config.contract == "openai-reasoning":
            return reasoning_contract(body)
        return None

    def _error(self, request: web.Request, message: str, status: int, headers: dict[str, str] | None = None
               ) -> web.Response:
        if self.config.echo_key:
            message += f" (request sent Authorization: {request.headers.get('authorization', '')})"
        return web.json_response({"error": {"message": message}}, status=status, headers=headers)

    async def _fault(self, name: str, request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
        self.counts[f"fault_{name}"] += 1
        faults = self.config.faults
        if name == "429":
            return self._error(request, "slow down", 429, {"retry-after": str(faults.retry_after)})
        if name == "5xx":
            return self._error(request, "overloaded", self.random.choice([500, 503]))
        if name == "401":
            return self._error(request, "Incorrect API key provided", 401)
        if name == "malformed":
            return web.Response(status=200, body=b'{"id": "x", "choices": [', content_type="application/json")
        if name == "slow":
            await asyncio.sleep(faults.slow_seconds)
            return self._error(request, "too late", 504)
        if name == "length":
            text = request_text(body)
            payload = completion_for(body, json.dumps(synthetic_answer(text))[:40],
                                     template={"choices": [{"finish_reason": "length"}]})
            return web.json_response(payload)
        if name == "content_filter":
            payload = completion_for(body, "", template={"choices": [{"finish_reason": "content_filter"}]})
            return web.json_response(payload)
        # drop: close the connection without an HTTP response
        assert request.transport is not None
        request.transport.close()
        return web.Response(status=500)

    async def stats(self, request: web.Request) -> web.Response:
        return web.json_response(self.stats_dict())

    def stats_dict(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "by_article": dict(self.by_article),
                "authorization_seen": self.authorization_seen, "config": json.loads(json.dumps(asdict(self.config), default=str))}

    def app(self) -> web.Application:
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_post("/v1/chat/completions", self.chat)
        app.router.add_get("/stats", self.stats)
        return app

    async def start(self, port: int = 0) -> int:
        self.runner = web.AppRunner(self.app(), access_log=None, handle_signals=False)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port, backlog=4096)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.port

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


class ThreadedServer:
    """The server on its own event loop in a background thread (for tests in one process)."""

    def __init__(self, config: ServerConfig):
        self.server = LoopbackServer(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> "ThreadedServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}/v1"

    def stats(self) -> dict[str, Any]:
        return asyncio.run_coroutine_threadsafe(self._stats(), self.loop).result(10)

    async def _stats(self) -> dict[str, Any]:
        return self.server.stats_dict()

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fixtures", type=Path)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--rate", type=float)
    parser.add_argument("--burst", type=float)
    parser.add_argument("--ratelimit-headers", action="store_true")
    parser.add_argument("--seed", type=int, default=1234)
    for name in ("p429", "p5xx", "malformed", "slow", "length", "drop", "content_filter", "p401"):
        parser.add_argument(f"--{name.replace('_', '-')}", type=float, default=0.0)
    parser.add_argument("--slow-seconds", type=float, default=30.0)
    parser.add_argument("--retry-after", type=float, default=0.05)
    parser.add_argument("--echo-key", action="store_true", help="Error bodies repeat the Authorization header.")
    parser.add_argument("--contract", choices=["openai-reasoning"])
    parser.add_argument("--quota-exhausted", action="store_true")
    parser.add_argument("--revoke-after", type=int)
    args = parser.parse_args(argv)
    faults = Faults(p429=args.p429, p5xx=args.p5xx, malformed=args.malformed, slow=args.slow, length=args.length,
                    drop=args.drop, content_filter=args.content_filter, p401=args.p401,
                    slow_seconds=args.slow_seconds, retry_after=args.retry_after)
    config = ServerConfig(fixtures=args.fixtures, latency=args.latency, faults=faults, rate=args.rate,
                          burst=args.burst, ratelimit_headers=args.ratelimit_headers, seed=args.seed,
                          echo_key=args.echo_key, contract=args.contract, quota_exhausted=args.quota_exhausted,
                          revoke_after=args.revoke_after)

    async def serve() -> None:
        server = LoopbackServer(config)
        port = await server.start(args.port)
        print(json.dumps({"port": port}), flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
