"""The comparisons the scorer is built from: names, roles, spans and word coverage.

Each rule here is stated in docs/eval.md; change both together.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from typing import Iterable

_WORD = re.compile(r"\w+")
# Dropped without a trace so that "U.S." meets "US" and "Türkiye's" meets "Türkiyes";
# every other punctuation mark becomes a space so that "EU-India" meets "EU India".
_DELETED = {".", "'", "\u2019", "\u2018", "`"}


def normalize_name(name: str) -> str:
    """Casefolded, diacritics stripped, punctuation removed, whitespace collapsed, a leading "the" dropped."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    chars = []
    for char in folded:
        if unicodedata.combining(char):
            continue
        if char in _DELETED:
            continue
        chars.append(" " if unicodedata.category(char)[0] in "PS" else char)
    words = "".join(chars).split()
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return " ".join(words)


def name_set(names: Iterable[str | None]) -> set[str]:
    """The normalized forms of these names, empty ones dropped."""
    return {n for n in (normalize_name(name) for name in names if name) if n}


def names_match(left: set[str], right: set[str]) -> bool:
    return bool(left & right)


def role_matches(predicted: str | None, gold: Iterable[str]) -> bool:
    """Casefolded equality or containment either way with any gold form of the role."""
    guess = " ".join((predicted or "").casefold().split())
    if not guess:
        return False
    for form in gold:
        want = " ".join(form.casefold().split())
        if want and (guess in want or want in guess):
            return True
    return False


def _trimmable(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def trim_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without whitespace or punctuation (quotation marks included) at either end; None if nothing is left."""
    start, end = max(0, start), min(len(text), end)
    while start < end and _trimmable(text[start]):
        start += 1
    while end > start and _trimmable(text[end - 1]):
        end -= 1
    return (start, end) if start < end else None


class WordIndex:
    """The word tokens of one article text, to measure how much of a quote spans cover."""

    def __init__(self, text: str):
        self._tokens = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        self._starts = [start for start, _ in self._tokens]

    def tokens(self, spans: Iterable[tuple[int, int]]) -> set[int]:
        """Indexes of the word tokens that share at least one character with any of the spans."""
        found: set[int] = set()
        for start, end in spans:
            # The token before the first start may reach into the span.
            index = max(0, bisect_left(self._starts, start) - 1)
            while index < len(self._tokens) and self._tokens[index][0] < end:
                token_start, token_end = self._tokens[index]
                if token_end > start and token_start < end:
                    found.add(index)
                index += 1
        return found


def coverage(gold_tokens: set[int], predicted_tokens: set[int]) -> tuple[float, float]:
    """(share of gold tokens the prediction covers, share of predicted tokens inside the gold)."""
    shared = len(gold_tokens & predicted_tokens)
    return (
        shared / len(gold_tokens) if gold_tokens else 0.0,
        shared / len(predicted_tokens) if predicted_tokens else 0.0,
    )
