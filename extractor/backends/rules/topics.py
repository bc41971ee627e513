"""Topics: phrases of the taxonomy in `extractor.schemas.taxonomy`, with the sentence each was found in.

All phrases go into two compiled alternations (case-insensitive words,
case-sensitive acronyms), longest first, so an article costs two scans.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from extractor.schemas import TopicCategory
from extractor.schemas.taxonomy import TAXONOMY

from .text import Doc

_MAX_EVIDENCE = 2


class _Term(NamedTuple):
    category: TopicCategory
    strong: bool


def _is_acronym(phrase: str) -> bool:
    return phrase.isupper() or any(c.isdigit() for c in phrase)


def _key(phrase: str) -> str:
    """Hyphens and spaces are one: "cyber-attacks" is "cyber attacks"."""
    folded = phrase if _is_acronym(phrase) else phrase.lower()
    return " ".join(re.split(r"[\s\-]+", folded))


def _compile() -> tuple[dict[str, list[_Term]], re.Pattern[str], re.Pattern[str]]:
    terms: dict[str, list[_Term]] = {}
    for category, entry in TAXONOMY.items():
        for strong, phrases in ((True, entry.strong), (False, entry.weak)):
            for phrase in phrases:
                terms.setdefault(_key(phrase), []).append(_Term(category, strong))
    acronyms = sorted((k for k in terms if _is_acronym(k)), key=len, reverse=True)
    words = sorted((k for k in terms if k not in acronyms), key=len, reverse=True)

    def alternation(keys: list[str]) -> str:
        return r"(?<![\w\-])(?:" + "|".join(r"[\s\-]+".join(re.escape(w) for w in k.split(" ")) for k in keys) + r")(?![\w\-])"

    return terms, re.compile(alternation(words), re.IGNORECASE), re.compile(alternation(acronyms))


_TERMS, _WORDS, _ACRONYMS = _compile()


class TopicHit(NamedTuple):
    category: TopicCategory
    label: str
    evidence: list[tuple[int, int]]   # the first sentences that name it
    sentences: list[tuple[int, int]]  # every sentence that does, for agreements' scope


def find_topics(doc: Doc, skip: list[tuple[int, int]] = ()) -> list[TopicHit]:
    text = doc.text
    found: dict[TopicCategory, dict] = {}
    for pattern in (_WORDS, _ACRONYMS):
        for match in pattern.finditer(text):
            if any(s <= match.start() < e for s, e in skip):
                continue
            surface = match.group()
            for term in _TERMS.get(_key(surface), ()):
                slot = found.setdefault(term.category, {"strong": False, "count": 0, "label": None, "sentences": []})
                slot["count"] += 1
                if term.strong and not slot["strong"]:
                    slot["strong"] = True
                    slot["label"] = surface
                slot["label"] = slot["label"] or surface
                sentence = doc.sentences[doc.sentence_index(match.start())]
                if sentence not in slot["sentences"]:
                    slot["sentences"].append(sentence)
    topics = []
    for category in TAXONOMY:
        slot = found.get(category)
        if slot is None or not (slot["strong"] or slot["count"] >= 2):
            continue
        topics.append(TopicHit(category, " ".join(slot["label"].split()), slot["sentences"][:_MAX_EVIDENCE],
                               slot["sentences"]))
    return topics
