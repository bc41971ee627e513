"""Stage 4: tie every quote and evidence snippet to character offsets in the article.

Models copy text imperfectly: straight quotes for curly ones, paragraph breaks
folded to a space, a changed case, a quote split by its attribution joined into
one string. Matching therefore goes from strict to loose and records how it
matched (`Alignment`):

1. exact      the snippet occurs character for character;
2. normalized it occurs once quotes, apostrophes and dashes are folded to ASCII,
              whitespace runs to one space and case to lower; a quote split by its
              attribution (`"We are proud," she said, "to ..."`) is found part by
              part, in order, each part within SPLIT_MAX_GAP characters of the last;
3. fuzzy      rapidfuzz's best partial alignment scores at least FUZZY_THRESHOLD
              (0-100) on the folded texts, for snippets of FUZZY_MIN_CHARS or more.

Whatever matched, the emitted text is the article's own characters at the
span, so a record never carries words the article does not have. A snippet
that matches nothing is reported by `Grounder.problems` (the model is asked
again) and dropped by `ground` with a warning.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from extractor.schemas import AgreementOut, Alignment, ExtractionResponse, QuoteOut, Span, Topic

# A long quote may come back abbreviated as "first words ... last words": the
# pipeline recovers the rest from the article instead of paying for it in tokens.
ELLIPSES = ("...", "\u2026")
ELIDED_MAX_CHARS = 2000
ELIDED_MIN_END_CHARS = 12
FUZZY_THRESHOLD = 90.0
FUZZY_MIN_CHARS = 24
SPLIT_MAX_GAP = 300
# A part of a split quote shorter than this is too likely to match by accident.
SPLIT_MIN_PART_CHARS = 8
# `," she told reporters in Manila, "`: longer than this between two marks is narration, not an attribution.
SPLIT_ATTRIBUTION_MAX_CHARS = 80
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n|^\s*\n|\n\s*$")
_SENTENCE_END = re.compile(r"[.!?]\s+[A-Z]")
_QUOTATION_MARKS = '"\u201c\u201d\u00ab\u00bb\u201e\u2018'


def _is_quotation_mark(text: str, i: int) -> bool:
    """A mark that opens or closes a quotation; an apostrophe inside a word (India\u2019s) is not one."""
    char = text[i]
    if char in _QUOTATION_MARKS:
        return True
    if char in "'\u2019":
        inside_word = 0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
        return not inside_word
    return False

_FOLD_TABLE = str.maketrans(
    {
        **{c: "'" for c in "\u2018\u2019\u201a\u201b\u2032`\u00b4"},
        **{c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
        **{c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"},
        "\u2026": ".",  # one char for one char keeps offsets simple; "..." still folds close
        "\u00a0": " ",
    }
)
_WHITESPACE = re.compile(r"\s+")
_WRAPPING_QUOTES = "\"' "


def _fold_chars(text: str) -> str:
    """Quotes, dashes and case folded, one output character per input character."""
    folded = text.translate(_FOLD_TABLE)
    lowered = folded.lower()
    if len(lowered) == len(folded):
        return lowered
    # A few characters lower-case to two (e.g. U+0130); keep those as they are.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in folded)


def fold(text: str) -> str:
    """The normal form used for matching: folded characters, single spaces, trimmed."""
    return _WHITESPACE.sub(" ", _fold_chars(text)).strip()


class FoldedText:
    """The article in normal form, with a map back to original offsets."""

    def __init__(self, text: str):
        chars = _fold_chars(text)
        pieces: list[str] = []
        positions: list[int] = []
        last = 0
        for run in _WHITESPACE.finditer(chars):
            pieces.append(chars[last:run.start()])
            positions.extend(range(last, run.start()))
            pieces.append(" ")
            positions.append(run.start())
            last = run.end()
        pieces.append(chars[last:])
        positions.extend(range(last, len(chars)))
        self.text = "".join(pieces)
        self._positions = positions

    def original(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) for folded [start, end)."""
        return self._positions[start], self._positions[end - 1] + 1


@dataclass(frozen=True)
class Located:
    spans: tuple[Span, ...]
    alignment: Alignment
    elided: bool = False  # recovered from "first words ... last words"

    @property
    def text(self) -> str:
        """The article's words at the spans, whitespace runs as one space, parts joined by a space."""
        return " ".join(_WHITESPACE.sub(" ", span.text).strip() for span in self.spans)


class Grounder:
    """Locates snippets in one article; also the validation hook that triggers re-asks."""

    def __init__(self, article_text: str):
        self.text = article_text
        self._folded: FoldedText | None = None
        self._cache: dict[tuple[str, bool], Located | None] = {}

    @property
    def folded(self) -> FoldedText:
        if self._folded is None:  # exact matches are the common case and need no folding
            self._folded = FoldedText(self.text)
        return self._folded

    def _span(self, start: int, end: int) -> Span:
        return Span(start=start, end=end, text=self.text[start:end])

    def locate(self, snippet: str, *, allow_split: bool = False) -> Located | None:
        key = (snippet, allow_split)
        if key not in self._cache:
            self._cache[key] = self._locate(snippet, allow_split)
        return self._cache[key]

    def _locate(self, snippet: str, allow_split: bool) -> Located | None:
        bare = snippet.strip().strip(_WRAPPING_QUOTES + "\u201c\u201d\u2018\u2019").strip()
        if not bare:
            return None
        start = self.text.find(bare)
        if start >= 0:
            return Located((self._span(start, start + len(bare)),), Alignment.EXACT)
        needle = fold(bare)
        haystack = self.folded.text
        found = haystack.find(needle)
        if found >= 0:
            return Located((self._span(*self.folded.original(found, found + len(needle))),), Alignment.NORMALIZED)
        if allow_split and any(mark in bare for mark in ELLIPSES):
            elided = self._elided(bare)
            if elided is not None:
                return elided
        if allow_split:
            parts = self._split_parts(needle)
            if parts:
                return Located(tuple(self._span(*self.folded.original(s, e)) for s, e in parts), Alignment.NORMALIZED)
        if len(needle) >= FUZZY_MIN_CHARS:
            match = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=FUZZY_THRESHOLD)
            if match is not None and match.dest_end > match.dest_start:
                return Located(
                    (self._span(*self.folded.original(match.dest_start, match.dest_end)),), Alignment.FUZZY
                )
        return None

    def _elided(self, bare: str) -> Located | None:
        """'head ... tail': the article's text from head to tail, split where an attribution interrupts it."""
        head, _, tail = re.split(r"(\.\.\.|\u2026)", bare, maxsplit=1)
        head, tail = fold(head).rstrip(" ,"), fold(tail).lstrip(" ,")
        if len(head) < ELIDED_MIN_END_CHARS or len(tail) < ELIDED_MIN_END_CHARS:
            return None
        haystack = self.folded.text
        start = haystack.find(head)
        if start < 0:
            return None
        end = haystack.find(tail, start + len(head))
        if end < 0 or end + len(tail) - start > ELIDED_MAX_CHARS:
            return None
        begin, head_end = self.folded.original(start, start + len(head))
        tail_start, finish = self.folded.original(end, end + len(tail))
        if not self._one_quotation(head_end, tail_start):
            return None
        parts = tuple(self._span(s, e) for s, e in self._unquoted_parts(begin, finish))
        return Located(parts, Alignment.NORMALIZED, elided=True)

    def _one_quotation(self, head_end: int, tail_start: int) -> bool:
        """Whether the text between an elision's head and tail keeps them in one quotation.

        Allowed between them: nothing that opens or closes a quotation; an
        attribution inside one sentence between a closing and a reopening mark
        (`," she said, "`); or a paragraph break where the quotation carries on
        with a new opening mark, as agencies print long quotes. Anything else
        (another sentence of narration, a paragraph of its own) means head and
        tail belong to two quotations, perhaps by two speakers.
        """
        between = self.text[head_end:tail_start]
        marks = [i for i, c in enumerate(between) if _is_quotation_mark(between, i)]
        if not marks:
            return not _PARAGRAPH_BREAK.search(between)
        if len(marks) == 1:
            before, after = between[:marks[0]], between[marks[0] + 1:]
            opens_next_paragraph = re.search(r"\n[ \t]*\Z", before) is not None
            return opens_next_paragraph and not _PARAGRAPH_BREAK.search(after)
        if len(marks) == 2:
            attribution = between[marks[0] + 1:marks[1]]
            return (len(attribution) <= SPLIT_ATTRIBUTION_MAX_CHARS and "\n" not in attribution
                    and not _SENTENCE_END.search(attribution))
        return False

    def _unquoted_parts(self, begin: int, finish: int) -> list[tuple[int, int]]:
        """[begin, finish) minus attributions between quotation marks ('," she said, "'), and minus the
        mark that reopens a quotation continued in the next paragraph."""
        marks = [i for i in range(begin, finish) if _is_quotation_mark(self.text, i)]
        # Pairs of (where a part ends, where the next begins).
        cuts: list[tuple[int, int]] = []
        if len(marks) % 2 and re.search(r"\n[ \t]*\Z", self.text[begin:marks[0]]):
            cuts.append((marks[0], marks[0] + 1))
            marks = marks[1:]
        if len(marks) % 2:
            return [(begin, finish)]
        cuts.extend((close, reopen + 1) for close, reopen in zip(marks[::2], marks[1::2]))
        parts, cursor = [], begin
        for end, resume in sorted(cuts):
            parts.append((cursor, end))
            cursor = resume
        parts.append((cursor, finish))
        trimmed = []
        for s, e in parts:
            while s < e and self.text[s].isspace():
                s += 1
            while e > s and self.text[e - 1].isspace():
                e -= 1
            if e > s:
                trimmed.append((s, e))
        return trimmed

    def _split_parts(self, needle: str) -> list[tuple[int, int]] | None:
        """Greedy: the longest run of words found after the previous part, then the rest."""
        words = needle.split(" ")
        parts: list[tuple[int, int]] = []
        cursor, i = 0, 0
        while i < len(words):
            for j in range(len(words), i, -1):
                piece = self._find_piece(" ".join(words[i:j]), cursor, first=not parts)
                if piece is not None and (piece[1] - piece[0] >= SPLIT_MIN_PART_CHARS or j - i == len(words)):
                    if parts and piece[0] - parts[-1][1] > SPLIT_MAX_GAP:
                        continue
                    parts.append(piece)
                    cursor, i = piece[1], j
                    break
            else:
                return None
        return parts if len(parts) > 1 else None

    def _find_piece(self, piece: str, cursor: int, *, first: bool) -> tuple[int, int] | None:
        # The model may keep or drop the comma that the attribution splits off.
        for candidate in (piece, piece.strip(",;: ")):
            at = self.folded.text.find(candidate, cursor)
            if candidate and at >= 0:
                return at, at + len(candidate)
        return None

    def problems(self, response: ExtractionResponse) -> list[str]:
        """Items whose words are not in the article, phrased for the model."""
        found: list[str] = []
        for i, quote in enumerate(response.quotes):
            if self.locate(quote.text, allow_split=True) is None:
                found.append(f"quotes[{i}].text {quote.text!r}")
        for i, topic in enumerate(response.topics):
            found += [f"topics[{i}].evidence {s!r}" for s in topic.evidence if self.locate(s) is None]
        for i, agreement in enumerate(response.agreements):
            found += [f"agreements[{i}].evidence {s!r}" for s in agreement.evidence if self.locate(s) is None]
        return found


@dataclass
class GroundedQuote:
    source: QuoteOut
    located: Located


@dataclass
class GroundedAgreement:
    source: AgreementOut
    evidence: list[Span]


@dataclass
class Grounded:
    """A response whose every remaining snippet has spans; names are not resolved yet."""

    response: ExtractionResponse
    quotes: list[GroundedQuote] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    agreements: list[GroundedAgreement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _unique_spans(located: list[Located]) -> list[Span]:
    seen: dict[tuple[int, int], Span] = {}
    for item in located:
        for span in item.spans:
            seen.setdefault((span.start, span.end), span)
    return list(seen.values())


def ground(response: ExtractionResponse, grounder: Grounder) -> Grounded:
    """Attach spans to quotes and evidence; drop, with a warning, whatever cannot be found."""
    out = Grounded(response=response)
    for quote in response.quotes:
        located = grounder.locate(quote.text, allow_split=True)
        if located is None:
            out.warnings.append(f"dropped quote {quote.text[:80]!r}: not found in the article after re-asks")
        else:
            out.quotes.append(GroundedQuote(quote, located))
    out.quotes = _elisions_apart(out.quotes, out.warnings)

    for topic in response.topics:
        spans = _evidence_spans(topic.evidence, grounder, f"topic {topic.category.value}", out.warnings)
        if spans:
            out.topics.append(Topic(category=topic.category, label=topic.label, evidence=spans))
        else:
            out.warnings.append(f"dropped topic {topic.category.value} ({topic.label!r}): none of its evidence is in the article")

    for agreement in response.agreements:
        spans = _evidence_spans(agreement.evidence, grounder, f"agreement {agreement.name!r}", out.warnings)
        if spans:
            out.agreements.append(GroundedAgreement(agreement, spans))
        else:
            out.warnings.append(f"dropped agreement {agreement.name!r}: none of its evidence is in the article")
    return out


def _elisions_apart(quotes: list[GroundedQuote], warnings: list[str]) -> list[GroundedQuote]:
    """A quote recovered from 'first ... last' that overlaps another quote took in words that are not its own."""
    kept = []
    for quote in quotes:
        if quote.located.elided and any(
            other is not quote and _overlap(quote.located.spans, other.located.spans) for other in quotes
        ):
            warnings.append(f"dropped quote {quote.source.text[:80]!r}: its 'first ... last' form runs into "
                            "another quote")
            continue
        kept.append(quote)
    return kept


def _overlap(a: tuple[Span, ...], b: tuple[Span, ...]) -> bool:
    return any(x.start < y.end and y.start < x.end for x in a for y in b)


def _evidence_spans(snippets: list[str], grounder: Grounder, owner: str, warnings: list[str]) -> list[Span]:
    """Spans of the snippets found in the article; a warning for each one that is not."""
    found: list[Located] = []
    for snippet in snippets:
        hit = grounder.locate(snippet)
        if hit is None:
            warnings.append(f"dropped evidence {snippet[:80]!r} of {owner}: not in the article")
        else:
            found.append(hit)
    return _unique_spans(found)


def _name_pattern(name: str) -> str:
    tokens = [re.escape(t) for t in name.split()]
    body = r"\s+".join(tokens)
    # A straight or a curly apostrophe, whichever the name was given with (one pass: the class itself
    # holds a curly apostrophe that must not be replaced again).
    body = re.sub("['\u2019]", lambda _: "['\u2019]", body)
    return rf"(?<!\w){body}(?!\w)"


@lru_cache(maxsize=4096)
def _name_regex(name: str) -> re.Pattern[str]:
    # Case is ignored except for acronyms, so that "US" never matches "us".
    return re.compile(_name_pattern(name), 0 if name.isupper() else re.IGNORECASE)


def find_mentions(text: str, names: list[str]) -> list[Span]:
    """Spans where any of the names occurs as whole words.

    Case is ignored ("Von der Leyen" / "von der Leyen") except for acronyms, so
    that "US" never matches "us". Overlaps keep the longest match.
    """
    folded = text.lower().replace("\u2019", "'")
    if len(folded) != len(text):  # a character whose lower case is longer: search the slow way
        folded = ""
    hits: list[tuple[int, int]] = []
    for name in {n.strip() for n in names if n and n.strip()}:
        pattern = _name_regex(name)
        if not folded:
            hits.extend(m.span() for m in pattern.finditer(text))
            continue
        # Find the first word with a plain string search, then confirm the whole name there:
        # far cheaper than a case-insensitive regex scan of the whole article per name.
        first = name.split()[0].replace("\u2019", "'")
        haystack, needle = (text.replace("\u2019", "'"), first) if name.isupper() else (folded, first.lower())
        at = haystack.find(needle)
        while at >= 0:
            match = pattern.match(text, at)
            if match:
                hits.append(match.span())
            at = haystack.find(needle, at + 1)
    hits.sort(key=lambda se: (se[0], -(se[1] - se[0])))
    spans: list[Span] = []
    last_end = -1
    for start, end in hits:
        if start >= last_end:
            spans.append(Span(start=start, end=end, text=text[start:end]))
            last_end = end
    return spans
