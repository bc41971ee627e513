"""HTTP-level layers under the openai client: response cache, recording, replay.

They sit beneath the real `openai` client and `instructor`, so cached, recorded
and replayed runs go through exactly the code a live run does. Only request
bodies are read (never headers), so API keys cannot reach the cache or a
fixture.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Protocol

import httpx2

from ..backends.llm.wire import FIXTURE_FORMAT, FixtureIndex, attempt_of, request_article_sha
from ..backends.llm.prompt import prompt_version

CACHE_HEADER = "x-extractor-cache"
REPLAY_MISS = "replay_miss"
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}


def _json_body(body: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


class Layer(Protocol):
    """Answers a request before the network (lookup) and/or sees what came back (store)."""

    def lookup(self, url: str, body: bytes) -> httpx2.Response | None: ...

    def store(self, url: str, body: bytes, response: httpx2.Response, content: bytes) -> None: ...


class ResponseCache:
    """sqlite cache of successful model responses, keyed by URL and request body.

    WAL mode and one connection per process guarded by a lock make it safe for
    many coroutines and for several processes sharing a cache directory.
    """

    def __init__(self, directory: Path):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "responses.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body BLOB NOT NULL, created REAL NOT NULL)"
        )

    @staticmethod
    def key(url: str, body: bytes) -> str:
        canonical = _json_body(body)
        blob = json.dumps(canonical, sort_keys=True).encode() if canonical is not None else body
        return hashlib.sha256(url.encode() + b"\n" + blob).hexdigest()

    def lookup(self, url: str, body: bytes) -> httpx2.Response | None:
        with self._lock:
            row = self._db.execute("SELECT body FROM responses WHERE key = ?", (self.key(url, body),)).fetchone()
        if row is None:
            return None
        return httpx2.Response(200, headers={"content-type": "application/json", CACHE_HEADER: "hit"}, content=row[0])

    def store(self, url: str, body: bytes, response: httpx2.Response, content: bytes) -> None:
        if response.status_code != 200 or _json_body(content) is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, body, created) VALUES (?, ?, ?)",
                (self.key(url, body), content, time.time()),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()


class Recorder:
    """Writes every exchange to DIR/<sha256 prefix>.json in the fixture format."""

    def __init__(self, directory: Path, *, model: str | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.model = model
        self._lock = threading.Lock()

    def lookup(self, url: str, body: bytes) -> httpx2.Response | None:
        return None

    def store(self, url: str, body: bytes, response: httpx2.Response, content: bytes) -> None:
        request = _json_body(body) or {}
        sha = request_article_sha(request)
        answer = _json_body(content)
        if sha is None or answer is None:
            return
        path = self.directory / f"{sha[:16]}.json"
        with self._lock:
            fixture = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {
                "fixture_format": FIXTURE_FORMAT,
                "origin": "recorded",
                "note": f"Recorded from {httpx2.URL(url).host} by `extractor --record`.",
                "article_sha256": sha,
                "prompt_version": prompt_version(),
                "model": request.get("model") or self.model,
                "exchanges": [],
            }
            exchanges = fixture["exchanges"]
            index = attempt_of(request) - 1
            entry = {"status": response.status_code, "body": answer}
            if index < len(exchanges):
                exchanges[index] = entry
            else:
                exchanges.append(entry)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(fixture, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)


class Replayer:
    """Answers from fixtures; a request with no recording gets a 404 that names the article."""

    def __init__(self, directory: Path):
        self.index = FixtureIndex(Path(directory))

    def lookup(self, url: str, body: bytes) -> httpx2.Response:
        request = _json_body(body) or {}
        answered = self.index.answer(request)
        if answered is None:
            sha = request_article_sha(request)
            message = (
                f"no recorded response for the article with sha256 {sha} in {self.index.root}; "
                "record one with --record DIR, or run without --replay"
            )
            return httpx2.Response(404, json={"error": {"message": message, "type": REPLAY_MISS, "code": REPLAY_MISS}})
        status, answer = answered
        return httpx2.Response(status, json=answer)

    def store(self, url: str, body: bytes, response: httpx2.Response, content: bytes) -> None:
        return None


class LayeredTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Tries each layer's lookup in order, else the inner transport, then lets every layer store."""

    def __init__(
        self,
        layers: list[Layer],
        inner: httpx2.BaseTransport | None = None,
        ainner: httpx2.AsyncBaseTransport | None = None,
    ):
        self.layers = layers
        self.inner = inner
        self.ainner = ainner

    def _lookup(self, request: httpx2.Request, body: bytes) -> httpx2.Response | None:
        for layer in self.layers:
            answer = layer.lookup(str(request.url), body)
            if answer is not None:
                answer.request = request
                return answer
        return None

    def _finish(self, request: httpx2.Request, body: bytes, response: httpx2.Response, content: bytes) -> httpx2.Response:
        for layer in self.layers:
            layer.store(str(request.url), body, response, content)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROP_HEADERS]
        return httpx2.Response(response.status_code, headers=headers, content=content, request=request)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        body = request.read()
        answer = self._lookup(request, body)
        if answer is not None:
            return answer
        if self.inner is None:
            raise RuntimeError("no transport for a live request; this client only replays")
        response = self.inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return self._finish(request, body, response, content)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        body = await request.aread()
        answer = self._lookup(request, body)
        if answer is not None:
            return answer
        if self.ainner is None:
            raise RuntimeError("no transport for a live request; this client only replays")
        response = await self.ainner.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return self._finish(request, body, response, content)

    def _close_layers(self) -> None:
        for layer in self.layers:
            close = getattr(layer, "close", None)
            if close is not None:
                close()

    def close(self) -> None:
        self._close_layers()
        if self.inner is not None:
            self.inner.close()

    async def aclose(self) -> None:
        self._close_layers()
        if self.ainner is not None:
            await self.ainner.aclose()
