"""The OpenAI chat.completion wire format: where the structured answer sits in each instructor mode."""

from __future__ import annotations

import json
import re
import time
from typing import Any

_FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)


def answer_json(body: dict[str, Any]) -> str:
    """The structured answer inside a chat.completion body, whatever its envelope.

    Fixture files may hold the answer as a JSON object instead of a string, so a
    person can read it; it is serialized back here.
    """
    message = body["choices"][0]["message"]
    for call in message.get("tool_calls") or []:
        return _as_text(call["function"]["arguments"])
    content = _as_text(message.get("content") or "")
    fenced = _FENCE.search(content)
    return fenced.group(1) if fenced else content


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def readable(body: dict[str, Any]) -> dict[str, Any]:
    """The body with a JSON answer expanded from its string into an object, for fixture files.

    An answer that is not a JSON object (truncated, double-encoded, prose) stays as it came.
    """
    body = json.loads(json.dumps(body))
    for choice in body.get("choices") or []:
        message = choice.get("message") or {}
        for call in message.get("tool_calls") or []:
            call["function"]["arguments"] = _expanded(call["function"].get("arguments"))
        if message.get("content") is not None and not message.get("tool_calls"):
            message["content"] = _expanded(message["content"])
    return body


def _expanded(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, dict) else value


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
    recorded = (body.get("choices") or [{}])[0]
    refusal = (recorded.get("message") or {}).get("refusal")
    if refusal:  # a refusal replays as one in every mode
        message, finish = {"role": "assistant", "content": None, "refusal": refusal}, "stop"
    recorded_finish = recorded.get("finish_reason")
    if recorded_finish in ("length", "content_filter"):  # keep the failures a fixture means to replay
        finish = recorded_finish
    body["choices"] = [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}]
    return body
