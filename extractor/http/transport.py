"""The layered transport and the request identity every layer reads.

Each model request carries the article's sha256 and the ask number (1 for
the first ask, n + 1 for the n-th re-ask) in headers, so the cache, the
recorder, the replayer and the dev server know which article a request is
about without parsing the prompt: a prompt edit never breaks replay. Layers
see request bodies and these two headers, never the Authorization header, so
keys cannot reach a cache or a fixture.

A request for one chunk of a long article also carries the chunk's identity
("2/3 24810:50112": index, count, and its character range in the article), so
each chunk is replayed, recorded and served on its own; a request without it
is about a whole article, as before chunking existed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol

import httpx2

ARTICLE_HEADER = "x-extractor-article"
ASK_HEADER = "x-extractor-ask"
CACHE_HEADER = "x-extractor-cache"
CHUNK_HEADER = "x-extractor-chunk"
_DROP_HEADERS = {"content-encoding", "content-length", "transfer-encoding", "connection"}


def json_object(content: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(content)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@dataclass(frozen=True)
class Exchange:
    """One request as the layers see it."""

    url: str
    body: bytes
    article: str | None  # sha256 of the article text
    ask: int
    chunk: str | None = None  # "i/n start:end" for a chunk of a long article

    @classmethod
    def of(cls, request: httpx2.Request, body: bytes) -> "Exchange":
        try:
            ask = int(request.headers.get(ASK_HEADER, "1"))
        except ValueError:
            ask = 1
        return cls(str(request.url), body, request.headers.get(ARTICLE_HEADER), max(1, ask),
                   request.headers.get(CHUNK_HEADER) or None)

    def json(self) -> dict[str, Any]:
        return json_object(self.body) or {}


class Layer(Protocol):
    """Answers a request before the network (lookup) and/or sees what came back (store)."""

    def lookup(self, exchange: Exchange) -> httpx2.Response | None: ...

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None: ...

    def close(self) -> None: ...


class LayeredTransport(httpx2.BaseTransport, httpx2.AsyncBaseTransport):
    """Tries each layer's lookup in order, else the inner transport, then lets every layer store."""

    def __init__(
        self,
        layers: list[Layer],
        inner: httpx2.BaseTransport | None = None,
        ainner: httpx2.AsyncBaseTransport | None = None,
        *,
        close_layers: bool = False,
    ):
        self.layers = layers
        self.inner = inner
        self.ainner = ainner
        # Layers shared by several clients are closed by their owner, not by each client.
        self._close_layers = close_layers

    def _lookup(self, request: httpx2.Request, exchange: Exchange) -> httpx2.Response | None:
        for layer in self.layers:
            answer = layer.lookup(exchange)
            if answer is not None:
                answer.request = request
                return answer
        return None

    def _finish(self, request: httpx2.Request, exchange: Exchange, response: httpx2.Response,
                content: bytes) -> httpx2.Response:
        for layer in self.layers:
            layer.store(exchange, response, content)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in _DROP_HEADERS]
        return httpx2.Response(response.status_code, headers=headers, content=content, request=request)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        exchange = Exchange.of(request, request.read())
        answer = self._lookup(request, exchange)
        if answer is not None:
            return answer
        if self.inner is None:
            raise RuntimeError("no transport for a live request; this client only replays")
        response = self.inner.handle_request(request)
        try:
            content = response.read()
        finally:
            response.close()
        return self._finish(request, exchange, response, content)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        exchange = Exchange.of(request, await request.aread())
        answer = self._lookup(request, exchange)
        if answer is not None:
            return answer
        if self.ainner is None:
            raise RuntimeError("no transport for a live request; this client only replays")
        response = await self.ainner.handle_async_request(request)
        try:
            content = await response.aread()
        finally:
            await response.aclose()
        return self._finish(request, exchange, response, content)

    def close(self) -> None:
        if self._close_layers:
            for layer in self.layers:
                layer.close()
        if self.inner is not None:
            self.inner.close()

    async def aclose(self) -> None:
        if self._close_layers:
            for layer in self.layers:
                layer.close()
        if self.ainner is not None:
            await self.ainner.aclose()
