"""What the model fills: the contract's field names, references by name, no offsets.

The pipeline computes ids, spans, alignment, ISO codes and provenance, so the
model never spends tokens on them (records.md, last section). Descriptions are
short because they are sent with every request.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode

from .vocab import AgreementKind, AgreementStatus, Involvement, PartyKind, QuoteKind, TopicCategory


# Problems (phrased for the model) that make an answer worth asking again. Set by the
# pipeline for the duration of a call, so the schemas stay free of pipeline code.
GroundingCheck = Callable[["ExtractionResponse"], list[str]]

# The pipeline sets the check here rather than in instructor's `context`:
# instructor renders every message as a Jinja template when given a context,
# and article text must never be rendered as a template.
_active_check: ContextVar["GroundingCheck | None"] = ContextVar("grounding_check", default=None)


@contextmanager
def grounding_check(check: "GroundingCheck | None") -> Iterator[None]:
    """Within this block, validating an ExtractionResponse also checks it against the article."""
    token = _active_check.set(check)
    try:
        yield
    finally:
        _active_check.reset(token)


def _fold_enum_value(value: Any) -> Any:
    # Models often answer "Maritime Security" or "memorandum-of-understanding";
    # accepting those is cheaper than a re-ask.
    if isinstance(value, str):
        return value.strip().lower().replace("-", "_").replace(" ", "_")
    return value


class _CompactJsonSchema(GenerateJsonSchema):
    """Drops titles and null/empty defaults: they are sent with every request and tell the model nothing."""

    def generate(self, schema, mode: JsonSchemaMode = "validation"):  # type: ignore[override]
        full = super().generate(schema, mode=mode)
        compact = _inline_single_use_enums(_strip_noise(full))
        if "title" in full:  # instructor names the tool after the root title
            compact["title"] = full["title"]
        return compact


def _inline_single_use_enums(schema: dict[str, Any]) -> dict[str, Any]:
    """An enum used in one place reads better, and costs fewer tokens, written where it is used."""
    definitions = schema.get("$defs", {})
    text = json.dumps(schema)
    single = {
        name for name, body in definitions.items()
        if "enum" in body and text.count(f'"#/$defs/{name}"') == 1
    }
    if not single:
        return schema

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            name = ref.rsplit("/", 1)[-1]
            if name in single:
                return {**definitions[name], **{k: v for k, v in node.items() if k != "$ref"}}
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(item) for item in node]
        return node

    result = inline({k: v for k, v in schema.items() if k != "$defs"})
    result["$defs"] = {k: inline(v) for k, v in definitions.items() if k not in single}
    return result


def _strip_noise(node: Any) -> Any:
    if isinstance(node, dict):
        node = {
            key: _strip_noise(value)
            for key, value in node.items()
            if not (key == "title" and isinstance(value, str))
            and not (key == "default" and value in (None, []))
            and not (key == "type" and "enum" in node)
        }
        # {"anyOf": [{"type": "string"}, {"type": "null"}]} says the same as {"type": ["string", "null"]}
        variants = node.get("anyOf")
        if isinstance(variants, list) and all(set(v) == {"type"} and isinstance(v["type"], str) for v in variants):
            node["type"] = [v["type"] for v in node.pop("anyOf")]
        return node
    if isinstance(node, list):
        return [_strip_noise(item) for item in node]
    return node


_SCHEMA_CACHE: dict[type, str] = {}


class _Out(BaseModel):
    model_config = ConfigDict(extra="ignore")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        # instructor builds the tool / response_format schema from this method on every
        # request; generating it costs ~4 ms of CPU, so it is generated once per class.
        if args or kwargs:
            kwargs.setdefault("schema_generator", _CompactJsonSchema)
            return super().model_json_schema(*args, **kwargs)
        cached = _SCHEMA_CACHE.get(cls)
        if cached is None:
            cached = _SCHEMA_CACHE[cls] = json.dumps(
                super().model_json_schema(schema_generator=_CompactJsonSchema)
            )
        return json.loads(cached)  # a fresh copy: callers may add keys to it


class PartyOut(_Out):
    name: str
    kind: PartyKind
    role: str | None = None
    affiliation: str | None = None
    aliases: list[str] = Field(default_factory=list)
    involvement: Involvement = Involvement.PARTICIPANT

    _fold = field_validator("kind", "involvement", mode="before")(lambda v: _fold_enum_value(v))


class TopicOut(_Out):
    category: TopicCategory
    label: str
    evidence: list[str] = Field(min_length=1)

    _fold = field_validator("category", mode="before")(lambda v: _fold_enum_value(v))


class QuoteOut(_Out):
    speaker: str | None
    text: str
    kind: QuoteKind
    cue: str | None = None

    _fold = field_validator("kind", mode="before")(lambda v: _fold_enum_value(v))


class AgreementOut(_Out):
    name: str
    kind: AgreementKind
    parties: list[str] = Field(default_factory=list)
    status: AgreementStatus
    scope: list[TopicCategory] = Field(default_factory=list)
    modeled_on: str | None = None
    evidence: list[str] = Field(min_length=1)

    _fold = field_validator("kind", "status", mode="before")(lambda v: _fold_enum_value(v))

    @field_validator("scope", mode="before")
    @classmethod
    def _fold_scope(cls, value: Any) -> Any:
        return [_fold_enum_value(v) for v in value] if isinstance(value, list) else value


class ExtractionResponse(_Out):
    """Facts from one news article."""

    summary: str
    parties: list[PartyOut] = Field(default_factory=list)
    topics: list[TopicOut] = Field(default_factory=list)
    quotes: list[QuoteOut] = Field(default_factory=list)
    agreements: list[AgreementOut] = Field(default_factory=list)

    @model_validator(mode="after")
    def _grounded_in_article(self) -> "ExtractionResponse":
        # Without a check (parsing a last answer after the re-asks ran out) the
        # pipeline drops ungrounded items itself instead of asking again.
        check = _active_check.get()
        if check is not None:
            problems = check(self)
            if problems:
                raise ValueError(
                    "These items are not in the article. Copy the article's words exactly, "
                    "or leave the item out: " + "; ".join(problems)
                )
        return self
