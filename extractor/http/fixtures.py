"""The fixture format shared by `--record`, `--replay`, the dev server and the test suite.

One JSON file per article holds the model's answers in the OpenAI wire format
(chat.completion bodies), keyed by the sha256 of the article text:

    {
      "fixture_format": 1,
      "origin": "recorded" | "hand-written",
      "note": "...",
      "article_id": "...", "article_sha256": "...",
      "prompt_version": "...", "model": "...",
      "exchanges": [{"status": 200, "body": {...chat.completion...}}, ...]
    }

In files, a JSON answer (tool call arguments or message content) is written as
an object rather than an escaped string, so a person can read it next to the
article; answers that are not a JSON object (truncated, prose) stay strings.

A chunk of a long article has fixtures of its own: the same format with a
`"chunk": "i/n start:end"` field (the chunk header's value), written to
`<sha256 prefix>.part<i>of<n>.json`. A fixture without it answers requests
about the whole article.

Exchange n answers the n-th ask for the article (the ask header); transient
retries of one ask get the same answer. A completion recorded in one
instructor mode can be served to a request in another: the structured answer
is the same JSON, only its envelope (tool call, JSON content, fenced
markdown) differs. No request headers are ever stored, so keys cannot reach a
fixture.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import httpx2

from ..backends.llm.wire import answer_json, completion_for, readable
from .transport import Exchange, json_object

FIXTURE_FORMAT = 1
REPLAY_MISS = "replay_miss"


class FixtureIndex:
    """Every fixture file under a directory, found by article sha256 (and chunk, for a chunk's)."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._by_key: dict[tuple[str, str | None], Path] = {}
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*.json")):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data, dict) and data.get("fixture_format") and data.get("article_sha256"):
                    self._by_key.setdefault((data["article_sha256"], data.get("chunk") or None), path)

    def load(self, sha256: str, chunk: str | None = None) -> dict[str, Any] | None:
        path = self._by_key.get((sha256, chunk or None))
        return json.loads(path.read_text(encoding="utf-8")) if path else None

    def answer(self, request: dict[str, Any], sha256: str | None, ask: int,
               chunk: str | None = None) -> tuple[int, dict[str, Any]] | None:
        """(status, body) for the ask-th request about an article (or one chunk of it), or None when
        nothing was recorded."""
        fixture = self.load(sha256, chunk) if sha256 else None
        if not fixture or not fixture.get("exchanges"):
            return None
        exchanges = fixture["exchanges"]
        exchange = exchanges[min(ask, len(exchanges)) - 1]
        status, body = exchange.get("status", 200), exchange["body"]
        if status != 200:
            return status, body
        return 200, completion_for(request, answer_json(body), template=body)


class Replayer:
    """Answers from fixtures; a request with no recording gets a 404 that names the article."""

    def __init__(self, directory: Path):
        self.index = FixtureIndex(Path(directory))

    def lookup(self, exchange: Exchange) -> httpx2.Response:
        answered = self.index.answer(exchange.json(), exchange.article, exchange.ask, exchange.chunk)
        if answered is None:
            part = f" (chunk {exchange.chunk})" if exchange.chunk else ""
            message = (
                f"no recorded response for the article with sha256 {exchange.article}{part} in {self.index.root}; "
                "record one with --record DIR, or run without --replay"
            )
            return httpx2.Response(404, json={"error": {"message": message, "type": REPLAY_MISS, "code": REPLAY_MISS}})
        status, answer = answered
        return httpx2.Response(status, json=answer)

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        return None

    def close(self) -> None:
        return None


class Recorder:
    """Writes each successful exchange to DIR/<sha256 prefix>.json in the fixture format.

    Only 200 answers are kept: an error body may echo a key, and replaying a
    transient error would only replay the failure.
    """

    def __init__(self, directory: Path, *, prompt_version: str, model: str | None = None):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prompt_version = prompt_version
        self.model = model
        self._lock = threading.Lock()

    def lookup(self, exchange: Exchange) -> httpx2.Response | None:
        return None

    def _fresh(self, exchange: Exchange, request: dict[str, Any]) -> dict[str, Any]:
        return {
            "fixture_format": FIXTURE_FORMAT,
            "origin": "recorded",
            "note": f"Recorded from {httpx2.URL(exchange.url).host} by `extractor --record`.",
            "article_sha256": exchange.article,
            **({"chunk": exchange.chunk} if exchange.chunk else {}),
            "prompt_version": self.prompt_version,
            "model": request.get("model") or self.model,
            "exchanges": [],
        }

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        answer = json_object(content)
        if exchange.article is None or answer is None or response.status_code != 200:
            return
        request = exchange.json()
        path = self.directory / f"{exchange.article[:16]}{_part_suffix(exchange.chunk)}.json"
        with self._lock:
            fixture = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
            # A recording made for another prompt, or over a hand-written fixture, starts afresh.
            if (not fixture or fixture.get("origin") != "recorded" or fixture.get("prompt_version") != self.prompt_version
                    or fixture.get("chunk") != exchange.chunk):
                fixture = self._fresh(exchange, request)
            exchanges = fixture["exchanges"]
            entry = {"status": 200, "body": readable(answer)}
            index = exchange.ask - 1
            if index < len(exchanges):
                exchanges[index] = entry
            else:
                exchanges.extend([entry] * (index + 1 - len(exchanges)))
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(fixture, ensure_ascii=False, indent=1), encoding="utf-8")
            os.replace(tmp, path)

    def close(self) -> None:
        return None


def _part_suffix(chunk: str | None) -> str:
    """'.part2of3' for chunk '2/3 24810:50112'; nothing for a whole article."""
    if not chunk:
        return ""
    index, _, count = chunk.split(" ", 1)[0].partition("/")
    return f".part{int(index)}of{int(count)}" if index.isdigit() and count.isdigit() else ".part"
