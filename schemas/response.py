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

from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import InitErrorDetails, PydanticCustomError

from .salvage import NoJSON, Salvaged, read_json, salvage
from .vocab import AgreementKind, AgreementStatus, Involvement, PartyKind, QuoteKind, TopicCategory, Vocabulary


# Problems (phrased for the model) that make an answer worth asking again.
AnswerCheck = Callable[["ExtractionResponse"], list[str]]


@dataclass
class AnswerReview:
    """What one read learns from each of the model's answers: how it was salvaged, and what to re-ask."""

    check: AnswerCheck | None = None
    answers: list[Salvaged] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)  # "Q3" -> the hinted quote it stands for

    def resolve(self, salvaged: Salvaged) -> Salvaged:
        """Quotes given by a hint's number ("Q3") read as that hint's words."""
        if self.references:
            for quote in salvaged.data.get("quotes") or []:
                words = self.references.get(str(quote.get("text", "")).strip().strip('"').upper())
                if words is not None:
                    quote["text"] = words
        return salvaged

    def best(self) -> Salvaged | None:
        """The answer to keep when the re-asks run out: the most usable items, the latest on a tie."""
        usable = [a for a in self.answers if a.item_count or a.data.get("summary")]
        return max(reversed(usable), key=lambda a: a.item_count) if usable else None


# The backend sets the review here rather than in instructor's `context`:
# instructor renders every message as a Jinja template when given a context,
# and article text must never be rendered as a template.
_review: ContextVar[AnswerReview | None] = ContextVar("answer_review", default=None)


@contextmanager
def reviewing(review: AnswerReview) -> Iterator[AnswerReview]:
    """Within this block, answers parsed with `ExtractionResponse.model_validate_json` are salvaged
    item by item, recorded in the review, and rejected (so instructor re-asks) while items fail."""
    token = _review.set(review)
    try:
        yield review
    finally:
        _review.reset(token)


def _vocabulary_value(vocabulary: type[Vocabulary]) -> Callable[[Any], Any]:
    """A before-validator that reads a model's spelling ("MoU", "Maritime Security") as the member."""

    def parse(value: Any) -> Any:
        member = vocabulary.parse(value)
        return member if member is not None else value

    return parse


def _answer_problem(title: str, message: str) -> ValidationError:
    return ValidationError.from_exception_data(title, [InitErrorDetails(
        type=PydanticCustomError("answer_problems", "{problems}", {"problems": message}), loc=(), input=None,
    )])


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

    _kind = field_validator("kind", mode="before")(_vocabulary_value(PartyKind))
    _involvement = field_validator("involvement", mode="before")(_vocabulary_value(Involvement))


class TopicOut(_Out):
    category: TopicCategory
    label: str
    evidence: list[str] = Field(min_length=1)

    _category = field_validator("category", mode="before")(_vocabulary_value(TopicCategory))


class QuoteOut(_Out):
    speaker: str | None
    text: str
    kind: QuoteKind
    cue: str | None = None

    _kind = field_validator("kind", mode="before")(_vocabulary_value(QuoteKind))


class AgreementOut(_Out):
    name: str
    kind: AgreementKind
    parties: list[str] = Field(default_factory=list)
    status: AgreementStatus
    scope: list[TopicCategory] = Field(default_factory=list)
    modeled_on: str | None = None
    evidence: list[str] = Field(min_length=1)

    _kind = field_validator("kind", mode="before")(_vocabulary_value(AgreementKind))
    _status = field_validator("status", mode="before")(_vocabulary_value(AgreementStatus))

    @field_validator("scope", mode="before")
    @classmethod
    def _scope(cls, value: Any) -> Any:
        parse = _vocabulary_value(TopicCategory)
        return [parse(v) for v in value] if isinstance(value, list) else value


class ExtractionResponse(_Out):
    """Facts from one news article."""

    summary: str
    parties: list[PartyOut] = Field(default_factory=list)
    topics: list[TopicOut] = Field(default_factory=list)
    quotes: list[QuoteOut] = Field(default_factory=list)
    agreements: list[AgreementOut] = Field(default_factory=list)

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **kwargs: Any) -> "ExtractionResponse":  # type: ignore[override]
        """Outside a review, plain pydantic. Inside one (a backend reading a model's answer), the
        answer is salvaged item by item and recorded; while items fail, a ValidationError naming
        them makes instructor ask again."""
        review = _review.get()
        if review is None:
            return super().model_validate_json(json_data, **kwargs)
        text = json_data.decode("utf-8", "replace") if isinstance(json_data, (bytes, bytearray)) else json_data
        try:
            value, repairs, truncated = read_json(text)
            salvaged = salvage(value, truncated=truncated, repairs=repairs)
        except NoJSON as exc:
            raise _answer_problem(cls.__name__, f"{exc}; answer with the JSON object only") from None
        review.answers.append(review.resolve(salvaged))
        response = cls.model_validate(salvaged.data)
        problems = []
        if salvaged.dropped:
            problems.append("These items could not be used; fix them or leave them out: " + "; ".join(salvaged.dropped))
        ungrounded = review.check(response) if review.check else []
        if ungrounded:
            problems.append("These items are not in the article. Copy the article's words exactly, "
                            "or leave the item out: " + "; ".join(ungrounded))
        if problems:
            raise _answer_problem(cls.__name__, " ".join(problems))
        return response


def strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The response schema in the form OpenAI's strict structured outputs accept.

    Every property is required, an optional one becomes nullable instead,
    objects allow no other keys, and keywords strict mode does not take
    (defaults, minItems) are left out: the salvage still drops an item whose
    evidence comes back empty.
    """

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {k: convert(v) for k, v in node.items() if k not in ("default", "minItems", "maxItems")}
        if "enum" in node and "type" not in node:  # strict mode wants every schema typed
            node["type"] = ["string", "null"] if None in node["enum"] else "string"
        properties = node.get("properties")
        if isinstance(properties, dict):
            required = set(node.get("required", []))
            node["properties"] = {name: value if name in required else _nullable(value)
                                  for name, value in properties.items()}
            node["required"] = list(properties)
            node["additionalProperties"] = False
        return node

    return convert(json.loads(json.dumps(schema)))


def _nullable(node: dict[str, Any]) -> dict[str, Any]:
    kind = node.get("type")
    if isinstance(kind, str) and "enum" not in node:
        return {**node, "type": [kind, "null"]}
    if isinstance(kind, list):
        return node if "null" in kind else {**node, "type": [*kind, "null"]}
    if "enum" in node:
        return node if None in node["enum"] else {**node, "enum": [*node["enum"], None], "type": ["string", "null"]}
    return {"anyOf": [node, {"type": "null"}]}


ITEM_MODELS: dict[str, type[_Out]] = {
    "parties": PartyOut, "topics": TopicOut, "quotes": QuoteOut, "agreements": AgreementOut,
}
