"""Topics: phrases of the taxonomy in `extractor.schemas.taxonomy`, with the sentences they were found in.

The article is cut into words once; each word looks up the phrases that start
with it (longest first), so the cost does not grow with the taxonomy. Words of
a phrase may be joined by spaces or hyphens ("cyber attacks", "cyber-attacks").
Phrases in capitals ("AI", "UAV") match only in capitals.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from extractor.schemas import TopicCategory
from extractor.schemas.taxonomy import TAXONOMY

from .text import Doc

_MAX_EVIDENCE = 2
_WORD = re.compile(r"\w+")
_JOINER = re.compile(r"[ \t\n\-]+")


class _Phrase(NamedTuple):
    words: tuple[str, ...]
    written: str          # as in the taxonomy, for the case check of acronyms
    acronym: bool
    category: TopicCategory
    strong: bool


def _index() -> dict[str, list[_Phrase]]:
    by_first: dict[str, list[_Phrase]] = {}
    for category, entry in TAXONOMY.items():
        for strong, phrases in ((True, entry.strong), (False, entry.weak)):
            for phrase in phrases:
                words = tuple(_WORD.findall(phrase.lower()))
                acronym = phrase.isupper() or any(c.isdigit() for c in phrase)
                by_first.setdefault(words[0], []).append(_Phrase(words, phrase, acronym, category, strong))
    for phrases in by_first.values():
        phrases.sort(key=lambda p: len(p.words), reverse=True)
    return by_first


_BY_FIRST_WORD = _index()


class TopicHit(NamedTuple):
    category: TopicCategory
    label: str
    evidence: list[tuple[int, int]]   # the first sentences that name it
    sentences: list[tuple[int, int]]  # every sentence that does, for agreements' scope


def _joined(text: str, spans: list[tuple[int, int]], first: int, count: int) -> bool:
    """Whether the words first..first+count-1 are separated only by spaces or hyphens."""
    for k in range(first, first + count - 1):
        gap = text[spans[k][1]:spans[k + 1][0]]
        if not gap or not _JOINER.fullmatch(gap):
            return False
    return True


def find_topics(doc: Doc) -> list[TopicHit]:
    text = doc.text
    low = text.lower()
    if len(low) != len(text):  # a few characters change length when lowered; keep offsets exact
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    spans = [(m.start(), m.end()) for m in _WORD.finditer(low)]
    words = [low[s:e] for s, e in spans]
    found: dict[TopicCategory, dict] = {}
    i = 0
    while i < len(words):
        step = 1
        for phrase in _BY_FIRST_WORD.get(words[i], ()):
            n = len(phrase.words)
            if tuple(words[i:i + n]) != phrase.words or (n > 1 and not _joined(text, spans, i, n)):
                continue
            start, end = spans[i][0], spans[i + n - 1][1]
            surface = text[start:end]
            if phrase.acronym and _JOINER.sub(" ", surface) != _JOINER.sub(" ", phrase.written):
                continue
            slot = found.setdefault(phrase.category, {"strong": False, "count": 0, "label": None, "sentences": []})
            slot["count"] += 1
            if phrase.strong and not slot["strong"]:
                slot["strong"], slot["label"] = True, surface
            slot["label"] = slot["label"] or surface
            sentence = doc.sentences[doc.sentence_index(start)]
            if sentence not in slot["sentences"]:
                slot["sentences"].append(sentence)
            # The same words may name more than one topic ("maritime patrols"): take them all.
            step = n
            for other in _BY_FIRST_WORD[words[i]]:
                if other is not phrase and other.words == phrase.words:
                    extra = found.setdefault(other.category,
                                             {"strong": False, "count": 0, "label": None, "sentences": []})
                    extra["count"] += 1
                    if other.strong and not extra["strong"]:
                        extra["strong"], extra["label"] = True, surface
                    extra["label"] = extra["label"] or surface
                    if sentence not in extra["sentences"]:
                        extra["sentences"].append(sentence)
            break
        i += step
    topics = []
    for category in TAXONOMY:
        slot = found.get(category)
        if slot is None or not (slot["strong"] or slot["count"] >= 2):
            continue
        topics.append(TopicHit(category, " ".join(slot["label"].split()), slot["sentences"][:_MAX_EVIDENCE],
                               slot["sentences"]))
    return topics
