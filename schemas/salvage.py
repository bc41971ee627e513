"""Reading a model's answer the way it was meant, item by item.

Real answers are messy: JSON inside prose or fences, a payload sent as a JSON
string, a `{"response": {...}}` wrapper, a comma string where a list belongs,
`null` for a list, "MoU" for memorandum_of_understanding, an answer cut off at
the token cap. Mechanical faults like these are repaired here, for free, and
noted. What cannot be repaired costs only its own item: the item is left out,
and the reason is kept so that a re-ask can name it and the record can say
what was dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pydantic_core
from pydantic import BaseModel, ValidationError

from .vocab import (
    AgreementKind, AgreementStatus, Involvement, PartyKind, QuoteKind, TopicCategory, Vocabulary, fold_label,
)

# A repetition loop must not bloat a record: at most this many items per list are read.
MAX_ITEMS = {"parties": 60, "topics": 30, "quotes": 60, "agreements": 30}
# Keys a model wraps its answer in ({"response": {...}}); any single key holding the answer is unwrapped.
_ANSWER_FIELDS = ("summary", "parties", "topics", "quotes", "agreements")
# Optional text fields where models write a null in words.
_NULL_WORDS = {"", "null", "none", "n/a", "na", "unknown", "not specified", "unspecified", "-"}
# Fields whose value is a list of names or labels: a comma string is split.
_NAME_LISTS = {"aliases", "parties", "scope"}
# Fields whose value is a list of snippets: a single string is one snippet, never split.
_SNIPPET_LISTS = {"evidence"}
# Enum fields per item kind, with the vocabulary each draws from.
_ENUMS: dict[str, dict[str, type[Vocabulary]]] = {
    "parties": {"kind": PartyKind, "involvement": Involvement},
    "topics": {"category": TopicCategory},
    "quotes": {"kind": QuoteKind},
    "agreements": {"kind": AgreementKind, "status": AgreementStatus},
}


_DECODER = json.JSONDecoder(strict=False)


class NoJSON(ValueError):
    """The answer holds no JSON object at all."""


@dataclass
class Salvaged:
    """One answer as read: the usable items, what was repaired, and what was left out and why."""

    data: dict[str, Any]
    repairs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # "topics[1] ('terror'): evidence is empty"
    truncated: bool = False

    @property
    def item_count(self) -> int:
        return sum(len(self.data.get(name) or []) for name in _ANSWER_FIELDS[1:])


def read_json(text: str) -> tuple[Any, list[str], bool]:
    """The JSON value in a model's answer text: (value, repairs made, whether it was cut off).

    Accepts prose or a fence around the JSON, text after it, a payload that is
    itself a JSON string, and an answer cut off mid-way (its complete part).
    """
    repairs: list[str] = []
    stripped = text.strip()
    try:
        # strict=False: some servers' grammars let strings hold raw newlines, which strict JSON forbids.
        value = json.loads(stripped, strict=False)
        truncated = False
    except ValueError:
        value, truncated = _embedded_json(stripped, repairs)
    for _ in range(2):  # '"{\"summary\": ...}"': the payload was encoded twice
        if not isinstance(value, str):
            break
        inner = value.strip()
        if not inner.startswith(("{", "[")):
            break
        try:
            value = json.loads(inner, strict=False)
        except ValueError:
            value, truncated = _embedded_json(inner, repairs)
        repairs.append("the answer was a JSON string holding the JSON; decoded it")
    return value, repairs, truncated


def _embedded_json(text: str, repairs: list[str]) -> tuple[Any, bool]:
    quoted = text.find('"{')
    if 0 <= quoted < text.find("{"):  # prose around a JSON string that holds the JSON
        try:
            value, end = _DECODER.raw_decode(text, quoted)
        except ValueError:
            pass
        else:
            repairs.append("text around the JSON was ignored")
            return value, False
    start = text.find("{")
    if start < 0:
        raise NoJSON("the answer holds no JSON object")
    if start > 0:
        repairs.append("text before the JSON was ignored")
    try:
        value, end = _DECODER.raw_decode(text, start)
    except ValueError:
        try:
            value = pydantic_core.from_json(text[start:], allow_partial=True)
        except ValueError:
            raise NoJSON("the answer's JSON could not be read") from None
        repairs.append("the JSON was incomplete; kept its complete part")
        return value, True
    if text[end:].strip():
        repairs.append("text after the JSON was ignored")
    return value, False


def salvage(value: Any, *, truncated: bool = False, repairs: list[str] | None = None) -> Salvaged:
    """The answer's usable items; every repair and every dropped item is recorded."""
    out = Salvaged(data={}, repairs=list(repairs or []), truncated=truncated)
    data = _unwrap(value, out)
    if data is None:
        raise NoJSON("the answer is not a JSON object with the expected fields")
    summary = data.get("summary")
    if isinstance(summary, list):
        summary = " ".join(str(s) for s in summary)
    out.data["summary"] = summary.strip() if isinstance(summary, str) else ""
    if not out.data["summary"]:
        out.repairs.append("the answer had no summary")
    for name in _ANSWER_FIELDS[1:]:
        items = _as_list(data.get(name), name, out, snippets=False)
        if truncated and name == _last_list_key(data) and items:
            items = items[:-1]  # the item being written when the answer was cut off may be incomplete
        if len(items) > MAX_ITEMS[name]:
            out.repairs.append(f"{name}: {len(items)} items, kept the first {MAX_ITEMS[name]} (a repetition loop?)")
            items = items[: MAX_ITEMS[name]]
        out.data[name] = [item for i, raw in enumerate(items) if (item := _item(name, i, raw, out)) is not None]
    return out


def _unwrap(value: Any, out: Salvaged) -> dict[str, Any] | None:
    for _ in range(3):
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
            out.repairs.append("the answer was a one-item list; read its item")
            continue
        if not isinstance(value, dict):
            return None
        if any(key in value for key in _ANSWER_FIELDS):
            return value
        inner = [v for v in value.values() if isinstance(v, (dict, list))]
        if len(inner) != 1:
            return None
        wrapper = next(k for k, v in value.items() if v is inner[0])
        out.repairs.append(f"the answer was wrapped in {{{wrapper!r}: ...}}; read what it holds")
        value = inner[0]
    return value if isinstance(value, dict) and any(key in value for key in _ANSWER_FIELDS) else None


def _last_list_key(data: dict[str, Any]) -> str | None:
    keys = [k for k in data if k in _ANSWER_FIELDS[1:]]
    return keys[-1] if keys else None


def _as_list(value: Any, name: str, out: Salvaged, *, snippets: bool) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        out.repairs.append(f"{name} was one object instead of a list")
        return [value]
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            if isinstance(parsed, list):
                out.repairs.append(f"{name} was a JSON string; decoded it")
                return parsed
        if not text:
            return []
        if snippets:
            return [text]
        out.repairs.append(f"{name} was a comma-separated string; split it")
        return [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    return [value]


def _label(raw: dict[str, Any]) -> str:
    for key in ("name", "category", "text", "label"):
        if isinstance(raw.get(key), str):
            return f" ({raw[key][:60]!r})"
    return ""


def _item(name: str, index: int, raw: Any, out: Salvaged) -> dict[str, Any] | None:
    """One item repaired and validated, or None with the reason recorded."""
    from .response import ITEM_MODELS  # the item models import this module's vocabulary helpers

    where = f"{name}[{index}]"
    if not isinstance(raw, dict):
        out.dropped.append(f"{where}: not an object")
        return None
    item = dict(raw)
    where += _label(item)
    for key, value in list(item.items()):
        if key in _NAME_LISTS or key in _SNIPPET_LISTS:
            item[key] = _as_list(value, f"{where}.{key}", out, snippets=key in _SNIPPET_LISTS)
            if key == "scope":
                item[key] = _scope(item[key], where, out)
        elif isinstance(value, str) and value.strip().lower() in _NULL_WORDS and key in (
                "speaker", "role", "affiliation", "cue", "modeled_on"):
            item[key] = None
    for key, vocabulary in _ENUMS[name].items():
        if key not in item or item[key] is None:
            continue
        member = vocabulary.parse(item[key])
        if member is None:
            fallback = vocabulary.fallback()
            if fallback is None and key == "involvement":
                out.repairs.append(f"{where}: involvement {item[key]!r} is not a known value; left at its default")
                del item[key]
                continue
            if fallback is None:
                out.dropped.append(f"{where}: {key} {item[key]!r} is not one of {', '.join(m.value for m in vocabulary)}")
                return None
            out.repairs.append(f"{where}: {key} {item[key]!r} is not a known value; used {fallback.value!r}")
            member = fallback
        elif fold_label(str(item[key])) != member.value:
            out.repairs.append(f"{key} {item[key]!r} read as {member.value!r}")
        item[key] = member.value
    model: type[BaseModel] = ITEM_MODELS[name]
    try:
        return model.model_validate(item).model_dump()
    except ValidationError as exc:
        out.dropped.append(f"{where}: {_reason(exc)}")
        return None


def _scope(values: list[Any], where: str, out: Salvaged) -> list[str]:
    kept = []
    for value in values:
        member = TopicCategory.parse(value)
        if member is None:
            out.repairs.append(f"{where}: scope {value!r} is not a topic category; left out")
        else:
            kept.append(member.value)
    return kept


def _reason(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        loc = ".".join(str(x) for x in error["loc"]) or "item"
        message = error["msg"]
        if error["type"] == "too_short" and "List" in message:
            message = "is empty"
        elif error["type"] == "missing":
            message = "is missing"
        parts.append(f"{loc} {message}")
    return "; ".join(parts)
