"""Paragraphs and sentences of an article, as offsets into its text.

Every rule in this backend works on offsets so that what it emits is the
article's own characters. Sentences end at . ! ? (and any closing quotation
marks) before a capital, a digit or an opening mark, except after common
abbreviations and initials ("Gen.", "U.S.", "S. Jaishankar").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

# Every upper-case letter of the Latin, Greek and Cyrillic blocks, for names such as "Wiśniewska" or "Çelik".
UPPER = "".join(
    re.escape(c) for c in map(chr, [*range(0x41, 0x5B), *range(0xC0, 0x530), *range(0x1E00, 0x1F00)])
    if c.isupper()
)
OPEN_MARKS = "\"'\u201c\u2018\u201e\u00ab\u2039`"
CLOSE_MARKS = "\"'\u201d\u2019\u00bb\u203a"

_PARAGRAPH = re.compile(r"[^\n]*\S[^\n]*")
_BOUNDARY = re.compile(rf"[.!?]+[{re.escape(CLOSE_MARKS)})\]]*(\s+)(?=[{re.escape(OPEN_MARKS)}(\[]?[{UPPER}0-9])")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "adm", "capt", "maj", "sgt", "brig", "cdr", "st", "jr",
    "sr", "rep", "sen", "gov", "no", "nos", "vs", "etc", "e.g", "i.e", "u.s", "u.k", "u.n", "e.u", "inc", "ltd",
    "co", "corp", "jan", "feb", "mar", "apr", "aug", "sep", "sept", "oct", "nov", "dec", "rev", "hon", "approx",
}
_LAST_WORD = re.compile(r"([\w.]+)$")
# "NEW DELHI: ", "THE HAGUE, May 20 (ANI) - ": not part of the first sentence.
_DATELINE = re.compile(r"[A-Z][A-Z.'\u2019 -]{1,40}(?:,[^:\n]{1,30})?(?:[ ]?\([A-Za-z ]{2,20}\))?[ ]?(?::|\u2014|\u2013|--?)[ ]+")


@dataclass(frozen=True)
class Doc:
    text: str
    paragraphs: tuple[tuple[int, int], ...]
    sentences: tuple[tuple[int, int], ...]
    sentence_paragraph: tuple[int, ...]

    def sentence_index(self, pos: int) -> int:
        """Index of the sentence holding (or last starting before) the offset."""
        return max(0, bisect_right(self._starts, pos) - 1)

    def paragraph_index(self, pos: int) -> int:
        return max(0, bisect_right(self._para_starts, pos) - 1)

    @property
    def _starts(self) -> list[int]:
        cached = self.__dict__.get("_starts_cache")
        if cached is None:
            cached = [s for s, _ in self.sentences]
            object.__setattr__(self, "_starts_cache", cached)
        return cached

    @property
    def _para_starts(self) -> list[int]:
        cached = self.__dict__.get("_para_cache")
        if cached is None:
            cached = [s for s, _ in self.paragraphs]
            object.__setattr__(self, "_para_cache", cached)
        return cached

    def sentence_text(self, index: int) -> str:
        start, end = self.sentences[index]
        return self.text[start:end]


def _is_abbreviation(text: str, dot: int) -> bool:
    """Whether the period at `dot` closes an abbreviation or an initial rather than a sentence."""
    if text[dot] != ".":
        return False
    word = _LAST_WORD.search(text, max(0, dot - 12), dot)
    if not word:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    return len(token) == 1 and text[word.start()].isupper()  # an initial


def split(text: str) -> Doc:
    paragraphs: list[tuple[int, int]] = []
    sentences: list[tuple[int, int]] = []
    owners: list[int] = []
    for match in _PARAGRAPH.finditer(text):
        start, end = match.start(), match.end()
        while text[start].isspace():
            start += 1
        while text[end - 1].isspace():
            end -= 1
        index = len(paragraphs)
        paragraphs.append((start, end))
        cursor = start
        if not paragraphs[:-1]:
            dateline = _DATELINE.match(text, start, end)
            cursor = dateline.end() if dateline else start
        for boundary in _BOUNDARY.finditer(text, start, end):
            if _is_abbreviation(text, boundary.start()):
                continue
            stop = boundary.start(1)
            sentences.append((cursor, stop))
            owners.append(index)
            cursor = boundary.end()
        sentences.append((cursor, end))
        owners.append(index)
    return Doc(text, tuple(paragraphs), tuple(sentences), tuple(owners))
