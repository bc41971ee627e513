"""The fixture format shared by `--record`, `--replay` and the test suite.

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

Exchange n answers the n-th attempt for the article; re-asks are told apart
from first asks by how many assistant turns the request already carries, so
replay needs no state. A completion recorded in one instructor mode can be
served to a request in another: the structured answer is the same JSON, only
its envelope (tool call, JSON content, fenced markdown) differs. No request
headers are ever stored, so keys cannot reach a fixture.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

from .prompt import article_from_messages

FIXTURE_FORMAT = 1
_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


def answer_json(body: dict[str, Any]) -> str:
    """The structured answer inside a chat.completion body, whatever its envelope."""
    message = body["choices"][0]["message"]
    for call in message.get("tool_calls") or []:
        return call["function"]["arguments"]
    content = message.get("content") or ""
    fenced = _FENCE.search(content)
    return fenced.group(1) if fenced else content


def attempt_of(request: dict[str, Any]) -> int:
    """1 for a first ask, n + 1 after n answers (re-asks carry the earlier answers)."""
    return 1 + sum(1 for m in request.get("messages", []) if m.get("role") == "assistant")


def completion_for(request: dict[str, Any], answer: str, *, template: dict[str, Any] | None = None) -> dict[str, Any]:
    """A chat.completion body carrying `answer` in the envelope the request's mode expects."""
    body = json.loads(json.dumps(template)) if template else {}
    body.setdefault("id", "chatcmpl-replay")
    body.setdefault("object", "chat.completion")
    body.setdefault("created", int(time.time()))
    body["model"] = request.get("model") or body.get("model", "replay")
    body.setdefault("usage", {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0})
    tools = request.get("tools") or []
    fmt = (request.get("response_format") or {}).get("type")
    if tools:
        name = tools[0]["function"]["name"]
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [{"id": "call_replay", "type": "function", "function": {"name": name, "arguments": answer}}],
        }
        finish = "tool_calls"
    elif fmt in ("json_schema", "json_object"):
        message, finish = {"role": "assistant", "content": answer}, "stop"
    else:  # md_json and plain prompting
        message, finish = {"role": "assistant", "content": f"```json\n{answer}\n```"}, "stop"
    recorded_finish = (body.get("choices") or [{}])[0].get("finish_reason")
    if recorded_finish in ("length", "content_filter"):  # keep the failures a fixture means to replay
        finish = recorded_finish
    body["choices"] = [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]
    return body


class FixtureIndex:
    """Every fixture file under a directory, found by article sha256."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._by_sha: dict[str, Path] = {}
        if self.root.is_dir():
            for path in sorted(self.root.rglob("*.json")):
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data, dict) and data.get("fixture_format") and data.get("article_sha256"):
                    self._by_sha.setdefault(data["article_sha256"], path)

    def load(self, sha256: str) -> dict[str, Any] | None:
        path = self._by_sha.get(sha256)
        return json.loads(path.read_text(encoding="utf-8")) if path else None

    def answer(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        """(status, body) for a chat completion request, or None when nothing was recorded."""
        sha = request_article_sha(request)
        fixture = self.load(sha) if sha else None
        if not fixture or not fixture.get("exchanges"):
            return None
        exchanges = fixture["exchanges"]
        exchange = exchanges[min(attempt_of(request), len(exchanges)) - 1]
        status, body = exchange.get("status", 200), exchange["body"]
        if status != 200:
            return status, body
        return 200, completion_for(request, answer_json(body), template=body)


def request_article_sha(request: dict[str, Any]) -> str | None:
    text = article_from_messages(request.get("messages", []))
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None
