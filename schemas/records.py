"""The record contract (../shared/spec/records.md) as pydantic models.

These are what users, exports and tests rely on: renaming or dropping a field
needs a new SCHEMA_VERSION. Offsets index `Article.text` as `load_article`
returns it, end exclusive.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field, model_validator

from .vocab import AgreementKind, AgreementStatus, Alignment, Involvement, PartyKind, QuoteKind, TopicCategory

SCHEMA_VERSION = "1"


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Span(_Record):
    """A slice of the article text: `text == article_text[start:end]`."""

    start: int = Field(ge=0, description="Offset of the first character.")
    end: int = Field(ge=0, description="Offset one past the last character.")
    text: str = Field(description="The article's characters in [start, end).")

    @model_validator(mode="after")
    def _ordered(self) -> "Span":
        if self.end < self.start:
            raise ValueError(f"span end {self.end} is before its start {self.start}")
        return self


class Article(_Record):
    """What was read. `load_article(source)` reproduces `text`, which records do not embed."""

    id: str = Field(description="File stem in batch runs, caller-given, or a sha256 prefix.")
    source: str | None = Field(default=None, description="Path or URL the article came from.")
    published: dt.date | None = Field(default=None, description="From the `date YYYY-MM-DD` header or the caller.")
    dateline: str | None = Field(default=None, description="Place in the dateline, e.g. 'NEW DELHI'.")
    title: str | None = Field(default=None, description="Headline, when the source has one.")
    sha256: str = Field(description="Hex sha256 of the UTF-8 text.")
    length: int = Field(ge=0, description="Characters in the text.")
    # Carried for the pipeline, never serialized: records do not embed the text.
    text: str | None = Field(default=None, exclude=True, repr=False)
    load_warnings: list[str] = Field(default_factory=list, exclude=True, repr=False)


class Party(_Record):
    """An actor in the security story, deduplicated within the record."""

    id: str = Field(description="'P1', 'P2', ...; unique within the record.")
    name: str = Field(description="Canonical full name.")
    kind: PartyKind
    role: str | None = Field(default=None, description="A person's office or title as the article gives it.")
    affiliation: str | None = Field(default=None, description="Party id of the country or organisation it acts for.")
    country_code: str | None = Field(default=None, description="ISO 3166-1 alpha-3 code.")
    aliases: list[str] = Field(default_factory=list, description="Other surface forms used in the article.")
    involvement: Involvement = Involvement.PARTICIPANT
    mentions: list[Span] = Field(default_factory=list, description="Where the party is named in the text.")


class Topic(_Record):
    """A security topic the article actually discusses."""

    category: TopicCategory
    label: str = Field(description="Short free text, e.g. 'cross-border terrorism'.")
    evidence: list[Span] = Field(min_length=1)


class Quote(_Record):
    """A statement attributed to a speaker."""

    speaker: str | None = Field(description="Party id; null only when the article does not say.")
    text: str = Field(description="The quoted words as in the article; parts of a split quote joined by a space.")
    kind: QuoteKind
    cue: str | None = Field(default=None, description="Attribution verb or phrase ('said').")
    spans: list[Span] = Field(min_length=1, description="One span, or one per part of a split quote.")
    alignment: Alignment


class Agreement(_Record):
    """An agreement, partnership, pact, contract or mechanism in any status."""

    name: str
    kind: AgreementKind
    parties: list[str] = Field(default_factory=list, description="Party ids of who would be bound.")
    status: AgreementStatus
    scope: list[TopicCategory] = Field(default_factory=list)
    modeled_on: str | None = None
    evidence: list[Span] = Field(min_length=1)


class Usage(_Record):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = Field(default=0, description="Prompt tokens the provider served from its prompt cache.")


class Provenance(_Record):
    """How the record was made."""

    backend: str = Field(description="openai, replay, ...")
    model: str
    prompt_version: str
    mode: str | None = Field(default=None, description="instructor mode: tools, json_schema, json, md_json.")
    attempts: int = Field(ge=0, description="Model calls made, re-asks and transient retries included.")
    usage: Usage = Field(default_factory=Usage)
    cached: bool = Field(default=False, description="Answered from the response cache.")
    warnings: list[str] = Field(default_factory=list, description="Dropped or repaired items, each with why.")
    extracted_at: dt.datetime


class ArticleRecord(_Record):
    """One article's extraction: the line written to records.jsonl."""

    schema_version: str = SCHEMA_VERSION
    article: Article
    summary: str
    parties: list[Party] = Field(default_factory=list)
    topics: list[Topic] = Field(default_factory=list)
    quotes: list[Quote] = Field(default_factory=list)
    agreements: list[Agreement] = Field(default_factory=list)
    provenance: Provenance

    def party(self, party_id: str | None) -> Party | None:
        """The party with this id, or None."""
        return next((p for p in self.parties if p.id == party_id), None)
