"""Long articles in pieces: paragraph-aligned chunks with overlap, and what each chunk's reader is told.

An article over `max_tokens` (counted with the caller's function, tokens of
the configured model) is cut into chunks of whole paragraphs. A paragraph is
cut only when it alone is over the limit: then on line breaks, then on
sentence ends, and only as a last resort between words. Consecutive chunks
share their boundary paragraphs (up to `overlap` of the limit), so a quote that
runs over a paragraph break is whole in at least one of them.

Chunks are sized evenly (a 13,000-token article becomes three chunks of about
4,900 tokens with the default limit, not 6,000 + 6,000 + 1,000): the smaller
the largest chunk, the smaller its answer, and answers are what hit the
completion cap.

Every chunk is read at once, concurrently, so the roster of parties "found so
far" cannot come from the model's answers for earlier chunks. It comes from a
cheap first pass instead (the offline rules backend over each chunk, run by
the pipeline): `contexts` turns that pass into each chunk's `ChunkContext`,
the parties named before the chunk and the last speaker before it.

Pure: no SDK, no tokenizer. The token counter is a parameter.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Sequence

from extractor.backends.base import ChunkContext, RosterEntry
from extractor.schemas import ExtractionResponse

from .grounding import Grounder
from .normalize import same_entity

TokenCounter = Callable[[str], int]

# A full answer runs up to about 2.8 times its text's tokens on dense news (BENCHMARKS.md, "Long documents"),
# and an answer cut off by the completion cap loses items: by default a chunk is a third of the cap, within
# these bounds.
MAX_DEFAULT_CHUNK_TOKENS = 6000
MIN_DEFAULT_CHUNK_TOKENS = 1000
DEFAULT_OVERLAP = 0.10
# The roster is sent with every chunk: past this many parties, only the most recently named are listed.
ROSTER_LIMIT = 30
_ROSTER_FIELD_CHARS = 80

# From coarse to fine: where a too-long piece may be cut. The cut excludes the separator (group "sep").
_LEVELS = (
    re.compile(r"(?P<sep>\n[ \t]*\n\s*)"),  # blank lines: paragraphs
    re.compile(r"(?P<sep>[ \t]*\n\s*)"),  # line breaks (transcripts put one speaker turn on each line)
    re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?P<sep>\s+)(?=[\"'\u201c\u2018(\[]?[A-Z0-9])"),  # sentence ends
)


@dataclass(frozen=True)
class Chunk:
    """`text` is `article_text[start:end]`; `index` counts from 1."""

    index: int
    count: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ChunkPolicy:
    """When and how to cut: above `max_tokens` tokens (per `count`), chunks of at most that many."""

    max_tokens: int
    count: TokenCounter
    overlap: float = DEFAULT_OVERLAP  # share of max_tokens repeated at each boundary

    def needed(self, text: str) -> bool:
        # A token is at least one UTF-8 byte, so short texts need no tokenizer.
        if len(text.encode("utf-8")) <= self.max_tokens:
            return False
        return self.count(text) > self.max_tokens

    def split(self, text: str) -> list[Chunk]:
        return split(text, self.max_tokens, self.count, overlap=self.overlap)


def chunk_tokens(configured: int | None, completion_cap: int | None) -> int:
    """The chunk size: as configured, else a third of the completion cap, else the largest default."""
    if configured:
        return configured
    if not completion_cap:
        return MAX_DEFAULT_CHUNK_TOKENS
    return max(MIN_DEFAULT_CHUNK_TOKENS, min(MAX_DEFAULT_CHUNK_TOKENS, completion_cap // 3))


def split(text: str, max_tokens: int, count: TokenCounter, *, overlap: float = DEFAULT_OVERLAP) -> list[Chunk]:
    """The text as chunks of at most `max_tokens` tokens, on the coarsest boundaries that allow it."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be at least 1")
    units = _units(text, max_tokens, count)
    if not units:
        return []
    prefix = [0]
    for _, _, tokens in units:
        prefix.append(prefix[-1] + tokens)

    def cost(a: int, b: int) -> int:
        """Tokens of units a..b-1, one more for each separator between them."""
        return prefix[b] - prefix[a] + max(0, b - a - 1)

    n = len(units)
    overlap_tokens = int(max_tokens * overlap)
    parts = math.ceil(cost(0, n) / max(1, max_tokens - overlap_tokens))
    target = min(max_tokens, math.ceil(cost(0, n) / parts) + overlap_tokens)

    ranges: list[tuple[int, int]] = []  # (first unit, last unit) of each chunk
    i = 0
    while i < n:
        first = i
        if ranges:  # repeat the previous chunk's last units, never all of them
            while first - 1 > ranges[-1][0] and cost(first - 1, i) <= overlap_tokens:
                first -= 1
        while True:
            limit = max_tokens if cost(first, n) <= max_tokens else target
            last = i
            while last < n and cost(first, last + 1) <= limit:
                last += 1
            if last > i or first == i:
                break
            first += 1  # the overlap leaves no room for the next unit: repeat less
        last = max(last, i + 1)  # no unit is over max_tokens, but a chunk always advances
        ranges.append((first, last - 1))
        i = last
    return [
        Chunk(k + 1, len(ranges), units[a][0], units[b][1], text[units[a][0]:units[b][1]])
        for k, (a, b) in enumerate(ranges)
    ]


def _units(text: str, limit: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """The text as (start, end, tokens) pieces: every paragraph, each cut finer only if over `limit`."""
    return [unit for s, e in _cut(text, 0, len(text), _LEVELS[0]) for unit in _fit(text, s, e, limit, count, 1)]


def _fit(text: str, start: int, end: int, limit: int, count: TokenCounter, level: int) -> list[tuple[int, int, int]]:
    """[start, end) whole if it fits in `limit` tokens, else cut at `_LEVELS[level]` or finer."""
    tokens = count(text[start:end])
    if tokens <= limit:
        return [(start, end, tokens)]
    if level == len(_LEVELS):
        return _halves(text, start, end, limit, count)
    pieces = _cut(text, start, end, _LEVELS[level])
    if len(pieces) == 1:
        return _fit(text, start, end, limit, count, level + 1)
    return [unit for s, e in pieces for unit in _fit(text, s, e, limit, count, level + 1)]


def _cut(text: str, start: int, end: int, level: re.Pattern[str]) -> list[tuple[int, int]]:
    """[start, end) cut at every separator of the level, separators and surrounding whitespace left out."""
    pieces, cursor = [], start
    for match in level.finditer(text, start, end):
        pieces.append((cursor, match.start("sep")))
        cursor = match.end("sep")
    pieces.append((cursor, end))
    trimmed = []
    for s, e in pieces:
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e > s:
            trimmed.append((s, e))
    return trimmed


def _halves(text: str, start: int, end: int, limit: int, count: TokenCounter) -> list[tuple[int, int, int]]:
    """A run with no line or sentence boundary (absurd input): halved at the space nearest its middle."""
    tokens = count(text[start:end])
    if end - start <= 1 or tokens <= limit:
        return [(start, end, tokens)]
    middle = (start + end) // 2
    space = text.rfind(" ", start + 1, middle + 1)
    if space <= start:
        space = text.find(" ", middle, end - 1)
    if space > start:
        return _halves(text, start, space, limit, count) + _halves(text, space + 1, end, limit, count)
    return _halves(text, start, middle, limit, count) + _halves(text, middle, end, limit, count)


# -- what each chunk's reader is told ------------------------------------------------------------
@dataclass(frozen=True)
class FirstPass:
    """One chunk read by the cheap first pass: its parties, and its quotes' speakers by position."""

    chunk: Chunk
    response: ExtractionResponse
    speakers: tuple[tuple[int, str], ...]  # (offset in the full article, speaker name), in article order


def first_pass(chunk: Chunk, response: ExtractionResponse) -> FirstPass:
    """Place a first-pass answer's quotes in the full article (answers carry words, not offsets)."""
    grounder = Grounder(chunk.text)
    speakers = []
    for quote in response.quotes:
        located = grounder.locate(quote.text, allow_split=True) if quote.speaker else None
        if located is not None:
            speakers.append((chunk.start + located.spans[0].start, quote.speaker))
    return FirstPass(chunk, response, tuple(sorted(speakers)))


def contexts(passes: Sequence[FirstPass]) -> list[ChunkContext]:
    """Each chunk's context: the parties named in earlier chunks (most recent first, deduplicated,
    at most ROSTER_LIMIT) and the speaker of the last quote that starts before the chunk."""
    out = []
    for n, current in enumerate(passes):
        chunk = current.chunk
        roster: list[RosterEntry] = []
        for earlier in reversed(passes[:n]):
            for party in earlier.response.parties:
                person = party.kind.value == "person"
                if len(roster) < ROSTER_LIMIT and not any(
                    same_entity(known.name, party.name, person=person or known.kind == "person") for known in roster
                ):
                    roster.append(RosterEntry(_field(party.name), party.kind.value, _field(party.role) or None))
        before = [(at, who) for p in passes[:n] for at, who in p.speakers if at < chunk.start]
        last = max(before)[1] if before else None
        out.append(ChunkContext(chunk.index, chunk.count, chunk.start, chunk.end, tuple(roster),
                                _field(last) or None))
    return out


def _field(value: str | None) -> str:
    """A roster value on one line, bounded: it comes from the article and is shown outside it."""
    return " ".join((value or "").split())[:_ROSTER_FIELD_CHARS]
