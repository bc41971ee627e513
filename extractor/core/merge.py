"""The answers for the chunks of one long article, merged into one grounded answer about the whole article.

Each chunk's answer is grounded within its own chunk and its spans shifted to
the full article's offsets. Grounding against the full text instead would
find a snippet's first occurrence, which may lie in another chunk: a digest
that reprints a story, or a speaker who repeats a line, would then lose the
later occurrence to the earlier one.

The grounded items are then joined, and what two chunks both read (their
overlap) is kept once:
- quotes: a quote whose spans overlap a quote from another chunk is the same
  words read twice; the longer reading wins (a quote cut at a chunk's edge is
  the shorter), then the one with a speaker, then the earlier chunk's;
- topics: one per category, with the evidence of every chunk;
- agreements: one per name, party names and status, with all their evidence
  and scope; agreements that name the same parties differently are merged by
  `normalize` once names are resolved, as for a single article;
- parties: every chunk's, in order; `normalize` merges them exactly as it
  merges one answer's (same names, aliases, surnames, acronyms).
The summary is the first chunk's: news puts the gist first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractor.backends.base import Candidates
from extractor.schemas import ExtractionResponse, Span, Topic, Usage

from .chunking import Chunk
from .grounding import Grounded, GroundedAgreement, GroundedQuote, Grounder, Located, ground


@dataclass
class ChunkAnswer:
    """One chunk, what the backend read in it, and the grounder its answer was checked with."""

    chunk: Chunk
    candidates: Candidates
    grounder: Grounder


def merge(answers: list[ChunkAnswer], notes: list[str] | None = None) -> tuple[Candidates, Grounded]:
    """One set of candidates (usage and attempts summed) and one grounded answer in full-article offsets."""
    if not answers:
        raise ValueError("nothing to merge")
    count = len(answers)
    parts = []
    warnings = list(notes or [])
    for answer in answers:
        grounded = _shifted(ground(answer.candidates.response, answer.grounder), answer.chunk.start)
        tag = f"part {answer.chunk.index}/{count}: "
        warnings += [tag + w for w in answer.candidates.warnings]
        grounded.warnings = [tag + w for w in grounded.warnings]
        parts.append(grounded)

    first = answers[0].candidates
    response = ExtractionResponse.model_construct(
        summary=first.response.summary,
        parties=[p for a in answers for p in a.candidates.response.parties],
        topics=[t for a in answers for t in a.candidates.response.topics],
        quotes=[q for a in answers for q in a.candidates.response.quotes],
        agreements=[g for a in answers for g in a.candidates.response.agreements],
    )
    merged = Grounded(
        response=response,
        quotes=_quotes(parts),
        topics=_topics(parts),
        agreements=_agreements(parts),
        warnings=[w for part in parts for w in part.warnings],
    )
    candidates = Candidates(
        response=response, backend=first.backend, model=first.model, prompt_version=first.prompt_version,
        mode=first.mode, attempts=sum(a.candidates.attempts for a in answers),
        usage=Usage(
            prompt_tokens=sum(a.candidates.usage.prompt_tokens for a in answers),
            completion_tokens=sum(a.candidates.usage.completion_tokens for a in answers),
            cached_prompt_tokens=sum(a.candidates.usage.cached_prompt_tokens for a in answers),
        ),
        cached=all(a.candidates.cached for a in answers),
        warnings=list(dict.fromkeys(warnings)),
    )
    return candidates, merged


# -- offsets ----------------------------------------------------------------------------------------
def _shift(spans: tuple[Span, ...] | list[Span], offset: int) -> list[Span]:
    return [Span(start=s.start + offset, end=s.end + offset, text=s.text) for s in spans]


def _shifted(grounded: Grounded, offset: int) -> Grounded:
    """The chunk's grounded answer with every span in full-article offsets (the text is the same slice)."""
    return Grounded(
        response=grounded.response,
        quotes=[GroundedQuote(q.source, replace(q.located, spans=tuple(_shift(q.located.spans, offset))))
                for q in grounded.quotes],
        topics=[t.model_copy(update={"evidence": _shift(t.evidence, offset)}) for t in grounded.topics],
        agreements=[GroundedAgreement(a.source, _shift(a.evidence, offset)) for a in grounded.agreements],
        warnings=list(grounded.warnings),
    )


# -- joining ----------------------------------------------------------------------------------------
def _overlap(a: tuple[Span, ...], b: tuple[Span, ...]) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a for y in b)


def _length(located: Located) -> int:
    return sum(s.end - s.start for s in located.spans)


def _better(kept: GroundedQuote, other: GroundedQuote) -> GroundedQuote:
    """Of two readings of one quote, the fuller (earlier chunk first on a tie), lending it a speaker if it has none."""
    ranked = sorted((kept, other), key=lambda q: (_length(q.located), q.source.speaker is not None), reverse=True)
    winner, loser = ranked  # sorted() is stable: on a full tie the earlier chunk's reading stays first
    if winner.source.speaker is None and loser.source.speaker is not None:
        winner = GroundedQuote(winner.source.model_copy(update={"speaker": loser.source.speaker}), winner.located)
    return winner


def _quotes(parts: list[Grounded]) -> list[GroundedQuote]:
    """Every chunk's quotes in article order, a quote read by two chunks kept once."""
    kept: list[tuple[int, GroundedQuote]] = []
    for n, part in enumerate(parts):
        for quote in part.quotes:
            twin = next((k for k, (m, other) in enumerate(kept)
                         if m != n and _overlap(other.located.spans, quote.located.spans)), None)
            if twin is None:
                kept.append((n, quote))
            else:
                kept[twin] = (kept[twin][0], _better(kept[twin][1], quote))
    return [q for _, q in sorted(kept, key=lambda item: item[1].located.spans[0].start)]


def _union(spans: list[Span], more: list[Span]) -> list[Span]:
    """The spans, then those of `more` not among them, each once."""
    out = list(spans)
    known = {(s.start, s.end) for s in spans}
    for span in more:
        if (span.start, span.end) not in known:
            known.add((span.start, span.end))
            out.append(span)
    return out


def _topics(parts: list[Grounded]) -> list[Topic]:
    merged: dict[str, Topic] = {}
    for part in parts:
        for topic in part.topics:
            first = merged.get(topic.category.value)
            if first is None:
                merged[topic.category.value] = topic
            else:
                merged[topic.category.value] = first.model_copy(update={"evidence": _union(first.evidence, topic.evidence)})
    return list(merged.values())


_NOT_WORD = re.compile(r"[^\w]+")


def _agreement_key(agreement: GroundedAgreement) -> tuple[object, ...]:
    source = agreement.source
    return (_NOT_WORD.sub(" ", source.name.casefold()).strip(),
            frozenset(" ".join(p.casefold().split()) for p in source.parties), source.status)


def _agreements(parts: list[Grounded]) -> list[GroundedAgreement]:
    merged: dict[tuple[object, ...], GroundedAgreement] = {}
    for part in parts:
        for agreement in part.agreements:
            key = _agreement_key(agreement)
            first = merged.get(key)
            if first is None:
                merged[key] = agreement
                continue
            scope = list(dict.fromkeys([*first.source.scope, *agreement.source.scope]))
            merged[key] = GroundedAgreement(first.source.model_copy(update={"scope": scope}),
                                            _union(first.evidence, agreement.evidence))
    return list(merged.values())
