"""The backend interface: what turns article text into candidate records.

A backend reads one `Task` (an article, or later a chunk of one with context)
and returns `Candidates`: the model-facing `ExtractionResponse` (names, not
ids; snippets, not offsets) plus how it was made. The core then grounds,
normalizes and assembles the record, the same way whatever the backend.
Backends never see files or the record contract's ids and offsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol

from extractor.schemas import Article, ExtractionResponse, Usage

# Problems (phrased for a model) that make an answer worth asking again; empty means fine.
AnswerCheck = Callable[[ExtractionResponse], list[str]]


@dataclass(frozen=True)
class RosterEntry:
    """A party named before a chunk begins, as the chunk's reader is told about it."""

    name: str
    kind: str
    role: str | None = None


@dataclass(frozen=True)
class ChunkContext:
    """What the reader of one chunk of a long article needs from the rest of it.

    `index` counts from 1. `start`/`end` are the chunk's offsets in the full
    article text. `roster` lists parties named before the chunk, and
    `last_speaker` who was speaking where it begins, so that "she said" at the
    top of a chunk resolves to someone named in an earlier one.
    """

    index: int
    count: int
    start: int
    end: int
    roster: tuple[RosterEntry, ...] = ()
    last_speaker: str | None = None

    @property
    def label(self) -> str:
        """The chunk's identity in request headers and fixtures: index, count and where it lies."""
        return f"{self.index}/{self.count} {self.start}:{self.end}"


@dataclass(frozen=True)
class Task:
    """One piece of reading: the article's text, or a chunk of it (then `context` says which)."""

    article: Article
    text: str
    check: AnswerCheck | None = None
    context: ChunkContext | None = None

    @property
    def sha256(self) -> str:
        return self.article.sha256


@dataclass
class Candidates:
    """What a backend found, before grounding and normalization."""

    response: ExtractionResponse
    backend: str
    model: str
    prompt_version: str
    mode: str | None = None
    attempts: int = 0
    usage: Usage = field(default_factory=Usage)
    cached: bool = False
    warnings: list[str] = field(default_factory=list)


class Backend(Protocol):
    """Reads tasks. One instance serves many articles, concurrently, on one event loop or several."""

    name: str
    model: str

    @property
    def prompt_version(self) -> str:
        """Changes whenever what the backend does with the same text changes (for resume and caching)."""
        ...

    async def read(self, task: Task) -> Candidates: ...

    async def aclose(self) -> None: ...
