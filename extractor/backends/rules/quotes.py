"""Quotes: words in quotation marks, statements attributed without them, and reported speech.

1. Quotation marks are paired per paragraph: straight, curly, single, guillemets
   and '' / `` used as marks; apostrophes ("India's", "countries'") are not marks.
   A quote left open at the end of a paragraph goes on into the next one when
   that paragraph opens with a new mark or closes a mark it never opened; a
   closing mark with no opening one starts the quote at the paragraph's start.
2. Reported speech, sentence by sentence: "X said (that) ..." (indirect, or mixed
   when it holds a quoted fragment), "..., X said." and "..., according to X"
   (direct when the words are first person, as in "Security should be ..., Von
   der Leyen said.", indirect otherwise).
3. The remaining marked quotes take the attribution next to them: after the
   closing mark ('," X said', '," said X', '," X told reporters'), between the
   parts of a split quote ('"A," she said, "B."'), or before the opening mark
   ('X stated, "', 'stating, "', 'X on the deal: "'). A paragraph that is all
   quote, with no attribution, continues the previous speaker.
Speakers given as pronouns or role nouns ("she", "the minister") resolve to
the nearest earlier person who fits (gender, role), preferring the subject of
each sentence walking back, and counting earlier resolved attributions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import COUNTRY_NAME, DEMONYM_OF, ENTRIES
from .parties import Cast, Entity
from .text import UPPER, Doc

_DOUBLE = {'"', "\u201c", "\u201d", "\u201e", "\u201f", "\u00ab", "\u00bb", "''", "``"}
_EXPLICIT_OPEN = {"\u201c", "\u201e", "\u00ab", "``", "\u2018", "\u201a", "\u2039"}
_EXPLICIT_CLOSE = {"\u201d", "\u00bb", "\u2019", "\u203a"}
_MARK = re.compile(r"''|``|[\"\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a'\u2039\u203a]")
_OPEN_CONTEXT = set(" \t\n([{\u2014\u2013-/")
_ALL_MARKS = "\"'\u201c\u201d\u201e\u201f\u00ab\u00bb\u2018\u2019\u201a\u2039\u203a`"

REPORTING = (
    r"(?:said|says|added|adds|stressed|noted|warned|stated|announced|emphasi[sz]ed|underlined|underscored|"
    r"highlighted|pointed[ ]out|asserted|insisted|argued|explained|claimed|reiterated|affirmed|confirmed|"
    r"maintained|observed|remarked|acknowledged|conceded|cautioned|wrote|posted|declared|tweeted|recalled|"
    r"told[ ](?:reporters|journalists|the[ ]media|the[ ]press|ANI|PTI|Reuters|AFP|lawmakers|parliament|"
    r"the[ ]audience|the[ ]gathering|the[ ]conference|delegates|[" + UPPER + r"][\w\-]+|"
    r"(?:a|an|the)[ ](?:[\w\-]+[ ]){0,2}?(?:conference|briefing|committee|hearing|meeting|forum|summit|session|"
    r"audience|gathering|newspaper|broadcaster|agency|channel|radio|television|parliament|senate|assembly)|"
    r"(?:state|national|local)[ ](?:media|television|radio))|"
    r"replied|responded|continued|concluded|asked|believes|thinks)"
)
# Verbs that introduce a clause without "that" ("Teodoro said Manila hoped ..."); the others need "that".
_BARE_CLAUSE_VERBS = {"said", "says", "added", "adds", "told", "wrote", "posted", "tweeted", "believes", "thinks"}
_ADVERBIAL = (
    r"(?:[ ](?:on|last|this|late|earlier|early)[ ](?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"week|month|year|night|morning|evening|afternoon|day)"
    r"|[ ]in[ ](?:a|an|his|her|their|its|the)[ ](?:joint[ ])?(?:statement|post|speech|video|interview|briefing|"
    r"press[ ]release|press[ ]conference|address|message|letter|social[ ]media[ ]post)"
    r"(?:[ ]on[ ](?:X|social[ ]media|Facebook|Telegram|Twitter|Instagram|LinkedIn))?"
    r"|[ ]on[ ](?:X|social[ ]media|Twitter|Telegram|Facebook)"
    r"|[ ](?:after|during|at)[ ](?:the|a|their|his|her)[ ][\w\-]+(?:[ ][\w\-]+)?"
    r"|[ ](?:separately|also|later|earlier|today|yesterday)"
    r"|[ ]in[ ][" + UPPER + r"][\w\-]+(?:[ ][" + UPPER + r"][\w\-]+)?(?=[ ,.]))"  # "told reporters in Beijing that"
)
_SPEAKER = r"[^,;:!?\"\u201c\u201d\u00ab\u00bb()]{1,90}?"

# "X said (on Thursday) (that) CONTENT": reported speech with the speaker first.
_SPEAKER_FIRST = re.compile(
    rf"^(?:(?P<lead>[^,\"\u201c\u201d]{{1,100}}),[ ])?(?!(?:who|whose|which|that|and|but)[ ])(?P<spk>{_SPEAKER})"
    rf"(?:,[ ](?:who|whose|which|the|a|an)[ ][^,;:\"\u201c\u201d]{{1,90}},"
    rf"|,[ ](?:speaking|writing|talking|addressing|appearing|responding)[ ][^,;:\"\u201c\u201d]{{1,80}},"
    rf"|,[ ](?:however|meanwhile|though|too|also|in[ ]turn|for[ ](?:his|her|their|its)[ ]part),)?"
    rf"[ ](?:also[ ]|further[ ]|then[ ])?"
    rf"(?P<verb>{REPORTING})(?P<adv>(?:{_ADVERBIAL}){{0,2}}),?[ ](?P<that>that[ ])?(?P<content>\S.*)$",
    re.DOTALL,
)
# "CONTENT, X said (on Thursday)." and "CONTENT, said X."
_SPEAKER_LAST = re.compile(
    rf"^(?P<content>\S.*?),[ ](?P<spk>{_SPEAKER})[ ](?P<verb>{REPORTING})(?P<adv>(?:{_ADVERBIAL}){{0,2}})"
    rf"(?:[ ](?:after|during|at|following|before|on|in|while|when|ahead[ ]of)[ ][^,.;:!?\"]{{1,60}})?"
    rf"(?:,[ ](?P<tail>[^\"\u201c\u201d\u00ab\u00bb]+?))?[.!?]?$",
    re.DOTALL,
)
_VERB_FIRST_LAST = re.compile(
    rf"^(?P<content>\S.*?),[ ](?P<verb>said|added|says|according[ ]to)[ ](?P<spk>{_SPEAKER})"
    rf"(?:,[ ](?P<tail>[^.]{{1,120}}?))?[.!?]?$",
    re.DOTALL,
)
_ACCORDING_FIRST = re.compile(rf"^According[ ]to[ ](?P<spk>{_SPEAKER}),[ ](?P<content>\S.*)$", re.DOTALL)

# After a closing mark: '," she said', '," said the minister', '," according to X'.
_AFTER = re.compile(
    rf"^[ ,]*(?:(?P<verb1>said|says|added|asked|according[ ]to)[ ](?P<spk1>{_SPEAKER})(?=[,.;:!?\"\u201c\u201d]|$)"
    rf"|(?P<spk2>{_SPEAKER})[ ](?:also[ ])?(?P<verb2>{REPORTING})(?P<adv>(?:{_ADVERBIAL}){{0,2}})(?=[ ,.;:!?\"\u201c\u201d]|$))"
)
# Before an opening mark: 'X stated, "', 'She said: "', 'stating, "', 'X on the partnership: "'.
_BEFORE_VERB = re.compile(
    rf"(?P<spk>{_SPEAKER})[ ](?:also[ ])?(?P<verb>{REPORTING})(?P<adv>(?:{_ADVERBIAL}){{0,2}})(?P<that>[ ]that)?[ ,:]*$"
)
_BEFORE_PARTICIPLE = re.compile(
    r"(?P<verb>stating|saying|adding|noting|declaring|writing|warning|telling[ ]reporters|posting)[ ,:]*$"
)
_LABEL_VERB = r"(?P<verb>called|described|branded|termed|dubbed|labell?ed)"
_BEFORE_LABEL = re.compile(
    rf"(?P<spk>{_SPEAKER}),?[ ](?:has[ ]|had[ ]|also[ ])?{_LABEL_VERB}[ ][^\"\u201c\u201d\u00ab\u00bb]{{0,80}}?[ ]?$"
)
_BEFORE_LABEL_PASSIVE = re.compile(
    rf"(?:was|were|is|are|has[ ]been|had[ ]been)[ ]{_LABEL_VERB}[ ]by[ ](?P<spk>{_SPEAKER})[ ]as[ ]?$"
)
_BEFORE_COLON = re.compile(r"(?P<spk>[^,;:!?\"\u201c\u201d]{2,80}):[ ]*$")

_FIRST_PERSON = re.compile(r"(?<![\w\-'\u2019])(?:I|we|We|our|Our|us|my|My|me|you|You|your|Your|ourselves)(?![\w\-])")
_PRONOUN = re.compile(r"^(?:she|he|they|it)$", re.IGNORECASE)
_ROLE_NOUN = re.compile(
    r"^(?:the|a|an|this|that)[ ](?P<mods>(?:[\w\-\u2019']+[ ]){0,4}?)(?P<head>minister|president|secretary|"
    r"commissioner|chancellor|premier|ambassador|envoy|spokesperson|spokesman|spokeswoman|official|chief|"
    r"general|admiral|commander|director|chairman|leader|diplomat|officer|representative|prime[ ]minister|"
    r"secretary[- ]general|head)$",
    re.IGNORECASE,
)
_BODY_NOUN = re.compile(
    r"^(?:the|a|an|its)[ ](?:[\w\-]+[ ]){0,3}?(?P<head>ministry|department|government|alliance|bloc|union|"
    r"commission|company|firm|manufacturer|agency|office|embassy|navy|army|organisation|organization|council|"
    r"committee|parliament|secretariat|directorate|authority)$",
    re.IGNORECASE,
)
_PORTFOLIOS = r"defen[cs]e|foreign|interior|home|finance|trade|economy|energy|justice|health|transport|external affairs"
_PORTFOLIO = re.compile(rf"\b(?P<a>{_PORTFOLIOS})[ ]minister\b|\bminister[ ](?:of|for)[ ](?:the[ ])?(?P<b>{_PORTFOLIOS})\b")
# "..., the ministry said in a statement. ... The statement said ...": the statement speaks for its author.
_DOCUMENT = re.compile(r"\b(?:statement|press release|release|communiqu[eé]|readout)\b")
_THE_DOCUMENT = re.compile(r"the (?:joint |written |official )?(?:statement|press release|release|communiqu[eé]|readout)")
_MIN_UNATTRIBUTED_WORDS = 6
_SPLIT_MIN_PART = 8


@dataclass
class Marked:
    start: int          # first quoted character
    end: int            # after the last quoted character
    open_at: int        # the opening mark, or the paragraph start when it is missing
    close_end: int      # after the closing mark, or the paragraph end when it is missing
    paragraph: int
    parts: list[tuple[int, int]] = field(default_factory=list)
    consumed: bool = False


@dataclass
class Found:
    parts: list[tuple[int, int]]
    speaker: Entity | None
    kind: str
    cue: str | None
    at: int             # where the attribution is, for resolving later pronouns


def _mark_role(text: str, i: int, mark: str, para_start: int, para_end: int) -> str | None:
    """'open', 'close', or None for an apostrophe."""
    before = text[i - 1] if i > para_start else " "
    after_i = i + len(mark)
    after = text[after_i] if after_i < para_end else " "
    if mark in ("'", "\u2019"):
        if before.isalnum() and after.isalnum():
            return None  # India's, don't
        if before in "sS" and not after.isalnum():
            following = text[after_i + 1] if after_i + 1 < para_end else ""
            if after == " " and following.islower():
                return None  # "the allies' plans": a plural possessive before its noun
            return "close?"  # countries' - a close only if a single quote is open
    if mark in _EXPLICIT_OPEN:
        return "open"
    if mark in _EXPLICIT_CLOSE:
        return "close"
    opening = before in _OPEN_CONTEXT or before in _ALL_MARKS or i == para_start
    if opening and not after.isspace():
        return "open"
    return "close"


def find_marked(doc: Doc) -> list[Marked]:
    text = doc.text
    found: list[Marked] = []
    pending: Marked | None = None   # a double quote left open at the end of the previous paragraph
    for index, (p_start, p_end) in enumerate(doc.paragraphs):
        state: tuple[str, int, int] | None = None  # (double|single, mark position, first quoted char)
        closed_any = False
        carried = pending
        pending = None
        for match in _MARK.finditer(text, p_start, p_end):
            mark, i = match.group(), match.start()
            role = _mark_role(text, i, mark, p_start, p_end)
            if role is None:
                continue
            double = mark in _DOUBLE
            if state is None:
                if role == "open":
                    state = ("d" if double else "s", i, match.end())
                elif role == "close" and double and not closed_any:
                    # A closing mark with nothing open: the quote began at the paragraph's start,
                    # or goes on from the one left open in the previous paragraph.
                    start = carried.start if carried else p_start
                    open_at = carried.open_at if carried else p_start
                    found.append(Marked(start, i, open_at, match.end(), carried.paragraph if carried else index))
                    carried = None
                    closed_any = True
                continue
            kind, open_at, first = state
            if (kind == "d" and double and role in ("close", "open") and not (role == "open" and mark in _EXPLICIT_OPEN)) \
                    or (kind == "s" and not double and role in ("close", "close?")):
                if carried is not None and open_at == p_start:
                    # The paragraph opens with a new mark: the quote from the last paragraph goes on.
                    found.append(Marked(carried.start, i, carried.open_at, match.end(), carried.paragraph))
                    carried = None
                elif i > first:
                    found.append(Marked(first, i, open_at, match.end(), index))
                state = None
                closed_any = True
            elif kind == "d" and double and mark in _EXPLICIT_OPEN:
                state = ("d", i, match.end())  # a stray opening mark: start again from here
        if carried is not None:
            found.append(Marked(carried.start, carried.end, carried.open_at, carried.close_end, carried.paragraph))
        if state is not None and state[0] == "d":
            pending = Marked(state[2], p_end, state[1], p_end, index)
    if pending is not None:
        found.append(pending)
    for quote in found:
        quote.start, quote.end = _trim(text, quote.start, quote.end)
        quote.parts = _paragraph_parts(doc, quote.start, quote.end)
    return [q for q in found if q.end > q.start]


def _paragraph_parts(doc: Doc, start: int, end: int) -> list[tuple[int, int]]:
    """A quote carried over paragraphs is one part per paragraph, without the marks that reopen it."""
    first, last = doc.paragraph_index(start), doc.paragraph_index(max(start, end - 1))
    if first == last:
        return [(start, end)]
    parts = []
    for index in range(first, last + 1):
        p_start, p_end = doc.paragraphs[index]
        a, b = max(start, p_start), min(end, p_end)
        while a < b and (doc.text[a] in _ALL_MARKS or doc.text[a].isspace()):
            a += 1
        if b > a:
            parts.append((a, b))
    return parts or [(start, end)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _words(text: str) -> int:
    return len(text.split())


class Resolver:
    """Turns a speaker phrase into a party, remembering resolved attributions for later pronouns."""

    def __init__(self, doc: Doc, cast: Cast, marked: list[Marked]):
        self.doc = doc
        self.cast = cast
        self.people = cast.mentions(("person",))
        self.quoted = [(q.open_at, q.close_end) for q in marked]
        self.attributed: list[tuple[int, Entity]] = []
        self.last_speaker: tuple[int, Entity] | None = None
        self.last_statement: Entity | None = None  # who last spoke "in a statement", for "the statement said"

    def note(self, at: int, entity: Entity | None, cue: str | None = None) -> None:
        if entity is not None:
            self.attributed.append((at, entity))
            self.last_speaker = (at, entity)
            if cue and _DOCUMENT.search(cue):
                self.last_statement = entity

    def resolve(self, phrase: str, start: int) -> Entity | None:
        phrase = " ".join(phrase.split()).strip(" ,")
        end = start + len(phrase)
        low = phrase.lower()
        if not phrase or _words(phrase) > 12:
            return None
        if _THE_DOCUMENT.fullmatch(low):
            return self.last_statement
        inside = [
            ent for ent in self.cast.entities.values()
            for s, e in ent.mentions if start <= s and e <= end + 1
        ]
        for ent in inside:
            if ent.kind == "person":
                return ent
        named = self.cast.person_named(phrase)
        if named is not None:
            return named
        role = _ROLE_NOUN.match(low)
        if role:
            person = self.nearest_person(start, role=(role.group("mods").split(), role.group("head")))
            if person is not None:
                return person
        # "a senior African Union official" speaks for the AU; "a Japanese diplomat" is an unnamed source.
        kinds = ("government_body", "international_organization", "company", "armed_group")
        for kind in kinds if role else (*kinds, "country"):
            for ent in inside:
                if ent.kind == kind:
                    return ent
        if _PRONOUN.match(low):
            if low in ("she", "he"):
                gender = "f" if low == "she" else "m"
                person = self.last_speaking(start, gender) or self.nearest_person(start, gender=gender)
                if person is not None and person.gender is None:
                    person.gender = gender  # "she said" of someone tells her gender to later pronouns
                return person
            if low == "it":
                return self.nearest_group(start)
            return None
        body = _BODY_NOUN.match(low)
        if body:
            head = body.group("head")
            kinds = {"alliance": ("international_organization",), "bloc": ("international_organization",),
                     "union": ("international_organization",), "company": ("company",), "firm": ("company",),
                     "manufacturer": ("company",)}.get(head, ("government_body",))
            # "the Council", "the agency": first the nearest party whose own name has that word.
            found = self.nearest_named(start, head)
            if found is None and head == "ministry":
                found = self.ministry_of_minister(start, start + low.rfind("ministry"))
            return found or self.nearest_group(start, kinds)
        return None

    def person_at(self, pos: int) -> Entity | None:
        """The person whose mention starts at `pos`, if any."""
        return next((ent for s, _, ent in self.people if s == pos), None)

    def last_speaking(self, pos: int, gender: str) -> Entity | None:
        """The person just quoted, when no one else has been named since: "..., X said. ..., he said."."""
        if self.last_speaker is None:
            return None
        at, ent = self.last_speaker
        # Someone whose gender the text never gave only within the paragraph: "X said. ..., he said."
        reach = 1 if ent.gender == gender else 0
        if ent.kind != "person" or (ent.gender and ent.gender != gender) or \
                self.doc.paragraph_index(pos) - self.doc.paragraph_index(at) > reach:
            return None
        if any(at < s < pos and other is not ent and not self._in_quote(s) for s, _, other in self.people):
            return None
        return ent

    def _in_quote(self, pos: int) -> bool:
        return any(s <= pos < e for s, e in self.quoted)

    def nearest_person(self, pos: int, gender: str | None = None,
                       role: tuple[list[str], str] | None = None) -> Entity | None:
        """Walking back sentence by sentence, the first fitting person of each sentence (its subject)."""
        candidates = [(s, ent) for s, _, ent in self.people if s < pos and not self._in_quote(s)]
        candidates += [(s, ent) for s, ent in self.attributed if s < pos and ent.kind == "person"]
        if not candidates:
            return None
        candidates.sort(key=lambda c: c[0])
        doc = self.doc
        by_sentence: dict[int, list[Entity]] = {}
        for s, ent in candidates:
            by_sentence.setdefault(doc.sentence_index(s), []).append(ent)
        # A pronoun prefers someone known to be of its gender over someone whose gender is unknown.
        for strict in ((True, False) if gender else (False,)):
            for index in sorted(by_sentence, reverse=True):
                for ent in by_sentence[index]:
                    if self._fits(ent, gender, role) and (not strict or ent.gender == gender):
                        return ent
        return None

    @staticmethod
    def _fits(ent: Entity, gender: str | None, role: tuple[list[str], str] | None) -> bool:
        if gender and ent.gender and ent.gender != gender:
            return False
        if role is not None:
            mods, head = role
            have = (ent.role or "").lower()
            if head.replace("-", " ") not in have.replace("-", " "):
                return False
            for mod in mods:  # demonyms name the affiliation, other modifiers the role
                entry = ENTRIES.get(mod.capitalize()) or ENTRIES.get(mod.upper())
                if entry is not None and entry.code:
                    if ent.code and ent.code != entry.code:
                        return False
                elif mod not in have and mod not in ("new", "former", "visiting", "top", "senior"):
                    return False
        return True

    def ministry_of_minister(self, pos: int, at: int) -> Entity | None:
        """'Defence Minister X said ... the ministry said': X's ministry, named by the minister's portfolio."""
        for s, _, ent in reversed(self.people):
            if s >= pos or self._in_quote(s) or not ent.code or not ent.role:
                continue
            portfolio = _PORTFOLIO.search(ent.role.lower())
            if portfolio is None:
                continue
            words = portfolio.group("a") or portfolio.group("b")
            ministry = self.cast.get(f"{DEMONYM_OF.get(ent.code, COUNTRY_NAME[ent.code])} {words} ministry",
                                     "government_body", ent.code)
            ministry.affiliation = COUNTRY_NAME[ent.code]
            self.cast.country(ent.code)
            ministry.add(at, at + len("ministry"), "ministry")
            return ministry
        return None

    def nearest_named(self, pos: int, head: str) -> Entity | None:
        best: tuple[int, Entity] | None = None
        for ent in self.cast.entities.values():
            if ent.kind in ("country", "person") or not re.search(rf"\b{re.escape(head)}\b", ent.name, re.IGNORECASE):
                continue
            before = [s for s, _ in ent.mentions if s < pos]
            if before and (best is None or max(before) > best[0]):
                best = (max(before), ent)
        return best[1] if best else None

    def nearest_group(self, pos: int, kinds: tuple[str, ...] = ("government_body", "international_organization",
                                                               "company")) -> Entity | None:
        if self.last_speaker and self.last_speaker[1].kind in kinds and \
                self.doc.paragraph_index(pos) - self.doc.paragraph_index(self.last_speaker[0]) <= 3:
            return self.last_speaker[1]
        best: tuple[int, Entity] | None = None
        for ent in self.cast.entities.values():
            if ent.kind in kinds:
                before = [s for s, _ in ent.mentions if s < pos]
                if before and (best is None or max(before) > best[0]):
                    best = (max(before), ent)
        return best[1] if best else None


def _cue(verb: str | None, adv: str | None) -> str | None:
    if not verb:
        return None
    cue = " ".join(f"{verb}{adv or ''}".split())
    cue = re.sub(r" (?:after|during|at) (?:the|a|their|his|her) .*$", "", cue)
    cue = re.sub(r" (?:separately|also|later|earlier|today|yesterday)$", "", cue)
    cue = re.sub(rf" in [{UPPER}][\w\-]*(?: [{UPPER}][\w\-]*)?$", "", cue)  # places are not part of it
    # Times ("on Thursday") are not part of the attribution.
    cue = re.sub(r" (?:on|last|this|late|earlier|early) (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
                 r"Sunday|week|month|year|night|morning|evening|afternoon|day)\b", "", cue)
    return cue


def _content_kind(text: str) -> str:
    return "direct" if _FIRST_PERSON.search(text) else "indirect"


def _strip_end(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop the sentence's final punctuation and closing marks, and a leading "that"."""
    while end > start and (text[end - 1] in ".!?;:, " or text[end - 1] in _ALL_MARKS):
        end -= 1
    return _trim(text, start, end)


def find_quotes(doc: Doc, cast: Cast) -> list[Found]:
    text = doc.text
    marked = find_marked(doc)
    resolver = Resolver(doc, cast, marked)
    results: list[Found] = []

    def quotes_in(start: int, end: int) -> list[Marked]:
        return [q for q in marked if q.open_at >= start and q.start < end]

    def starts_inside_quote(pos: int) -> bool:
        return any(q.open_at < pos < q.close_end for q in marked)

    # Reported and unmarked speech, sentence by sentence, in text order with the marked quotes.
    events: list[tuple[int, str, object]] = [(s, "sentence", (s, e)) for s, e in doc.sentences]
    events += [(q.open_at, "marked", q) for q in marked]
    events.sort(key=lambda ev: (ev[0], ev[1] == "marked"))
    for _, what, item in events:
        if what == "sentence":
            s, e = item  # type: ignore[misc]
            if not starts_inside_quote(s):
                results.extend(_reported(text, s, e, resolver, quotes_in(s, e)))
            continue
        quote = item  # type: ignore[assignment]
        if quote.consumed:
            continue
        found = _attribute(doc, quote, marked, resolver, results)
        if found is not None:
            results.append(found)
            if found.kind == "mixed" and found.speaker is not None:
                # 'X called it "reckless" and said B': B is X's next statement.
                results.extend(_said_next(doc, quote, found))
    results.sort(key=lambda f: f.parts[0][0])
    return _deduplicate(results)


# Inside reported content, where the speaker's next statement begins ("..., adding that B", "... and warned
# that B", "..., and said B") and where the reporter goes back to narrating what the speaker did ("... and
# called for B", "..., which he described as B").
_SECOND_VERBS = (
    r"(?:said|warned|added|stressed|noted|insisted|argued|explained|claimed|reiterated|affirmed|confirmed|"
    r"acknowledged|cautioned|announced|emphasi[sz]ed|underlined|pointed[ ]out|told[ ]reporters|predicted|"
    r"vowed|pledged|promised|maintained|conceded)"
)
_NEXT_STATEMENT = re.compile(
    rf",[ ](?P<part>adding|saying|noting|stressing|warning|insisting|arguing|explaining|claiming|pointing|"
    rf"acknowledging|cautioning|predicting)(?:[ ]out)?[ ](?P<that>that[ ])?"
    rf"|(?:,[ ]and|,[ ]but|[ ]and|[ ]but)[ ](?:also[ ]|later[ ]|then[ ])?(?P<verb>{_SECOND_VERBS})[ ](?P<that2>that[ ])?"
    rf"|(?:,[ ]and|,[ ]but|[ ]and|[ ]but)[ ](?:also[ ])?(?P<verb2>questioned|asked|wondered)[ ](?=whether[ ]|if[ ])"
)
_NARRATION = re.compile(
    r"(?:,[ ]and|[ ]and)[ ](?:also[ ])?(?:called|urged|welcomed|praised|thanked|expressed|invited|proposed|"
    r"rejected|dismissed|denied|critici[sz]ed|condemned|appealed|offered|asked|described|gave|declined|refused|"
    r"signed|visited|met|held|left)\b"
    r"|,[ ]which[ ](?:he|she|they|it|the[ ][a-z]+)[ ](?:described|called|termed|dubbed|labell?ed|characteri[sz]ed)\b"
)
# After 'CONTENT, X said': what the rest of the sentence is.
_TAIL_NEXT = re.compile(
    rf"(?P<part>adding|saying|noting|stressing|warning|insisting|arguing|explaining|claiming|pointing|"
    rf"acknowledging|cautioning|predicting)(?:[ ]out)?[ ](?:that[ ])?(?=\S)"
    rf"|(?:and|but|which|who)[ ](?:also[ ]|later[ ])?(?P<verb>{_SECOND_VERBS})[ ](?P<that>that[ ])?(?=\S)"
)
# Words that carry a statement on past its attribution: 'A, she added, under an arrangement ...'.
_TAIL_CONTINUES = re.compile(
    r"(?:under|with|within|through|for|by|from|including|especially|particularly|unless|if|once|provided|"
    r"because|so[ ]that)[ ](?!(?:a|an|the|his|her|their|its)[ ](?:statement|post|speech|interview|briefing|"
    r"news[ ]conference|press[ ]conference|video|message)\b)"
)


Statement = tuple[int, int, "str | None"]  # start, end, and the verb that introduces it (None: the sentence's own)
_PAST = {"adding": "added", "saying": "said", "noting": "noted", "stressing": "stressed", "warning": "warned",
         "insisting": "insisted", "arguing": "argued", "explaining": "explained", "claiming": "claimed",
         "pointing": "pointed out", "acknowledging": "acknowledged", "cautioning": "cautioned",
         "predicting": "predicted"}
# Speakers the article does not name: "officials said", "two diplomats familiar with the talks said".
_ANONYMOUS = re.compile(
    r"(?:(?:two|three|four|five|several|some|many|other|a|an|one|the|senior|top|western|military|defen[cs]e|"
    r"government|security|intelligence|diplomatic|industry|administration|ministry|unnamed|[A-Z][a-z]+)[ ]){0,4}"
    r"(?:officials?|diplomats?|sources?|people|person|analysts?|experts?|observers?|insiders?|officers?|aides?)"
    r"(?:[ ](?:familiar[ ]with|close[ ]to|briefed[ ]on|with[ ]knowledge[ ]of|involved[ ]in|who|from|at|in|on)[ ].{1,60})?",
    re.IGNORECASE,
)


# The reporter's gloss on a name at the end of reported content: "..., the European Maritime Surveillance
# Network, a PESCO project that links ...". Not the speaker's words.
_GLOSS = re.compile(rf"\b[{UPPER}][\w\-]*(?P<cut>),[ ](?:a|an)[ ](?:[\w\-']+[ ]){{0,5}}?(?:that|which|who|whose)[ ]")


def _without_gloss(text: str, start: int, end: int) -> int:
    gloss = _GLOSS.search(text, start, end)
    if gloss is None or any(c in _ALL_MARKS for c in text[gloss.start():end] if c not in "'\u2019"):
        return end
    return gloss.start("cut")


def _clauses(text: str, start: int, end: int) -> list[Statement]:
    """The statements in reported content, as (start, end, verb or None for the main one).

    'A, adding that B' and 'A and warned that B' are two statements of one speaker; 'A and called for B'
    ends the statement at A (what follows is the reporter's account of an act, not of words).
    """
    found: list[Statement] = []
    verb: str | None = None
    cursor = start
    while cursor < end:
        nxt = _NEXT_STATEMENT.search(text, cursor, end)
        stop = _NARRATION.search(text, cursor, end)
        if stop is not None and (nxt is None or stop.start() < nxt.start()):
            found.append((cursor, stop.start(), verb))
            break
        if nxt is None:
            found.append((cursor, end, verb))
            break
        bare = nxt.group("verb") in (None, "said", "added", "told reporters") or nxt.group("that2")
        if not bare or nxt.end() >= end:
            found.append((cursor, end, verb))
            break
        found.append((cursor, nxt.start(), verb))
        verb = nxt.group("verb") or nxt.group("verb2") or _PAST[nxt.group("part")]
        cursor = nxt.end()
    stripped = [(*_strip_end(text, a, b), v) for a, b, v in found]
    return [(a, b, v) for a, b, v in stripped if _words(text[a:b]) >= 3]


# A clause, not a speaker: "..., said the plan would also strengthen NATO's flank."
_NOT_SPEAKER = re.compile(r"\b(?:would|will|was|were|is|are|has|had|have|could|should|can|wanted|did)\b")


def _reported(text: str, s: int, e: int, resolver: Resolver, inner: list[Marked]) -> list[Found]:
    sentence = text[s:e]
    if not sentence or sentence[0] in _ALL_MARKS:
        return []
    attempts = (
        (_ACCORDING_FIRST, "according to"),
        (_VERB_FIRST_LAST, None),
        (_SPEAKER_LAST, None),
        (_SPEAKER_FIRST, None),
    )
    for pattern, fixed_cue in attempts:
        match = pattern.match(sentence)
        if match is None:
            continue
        c_start, c_end = s + match.start("content"), s + match.end("content")
        if pattern is _SPEAKER_FIRST:
            verb = match.group("verb").split()[0]
            if verb not in _BARE_CLAUSE_VERBS and not match.group("that"):
                continue
            if text[c_start] in _ALL_MARKS:
                # 'X said: "..."' or 'X said, "..."': a marked quote with its attribution before it.
                continue
        c_start, c_end = _strip_end(text, c_start, c_end)
        if pattern is not _SPEAKER_FIRST and any(q.open_at >= s for q in inner):
            continue  # '"...," she said.' is a marked quote, handled with its marks
        if _words(text[c_start:c_end]) < 3:
            continue
        speaker_phrase = match.group("spk")
        if pattern is not _SPEAKER_FIRST and (_words(speaker_phrase) > 9 or _NOT_SPEAKER.search(speaker_phrase)):
            continue
        tail = match.groupdict().get("tail")
        tail_at = s + match.start("tail") if tail else -1
        speaker = resolver.resolve(speaker_phrase, s + match.start("spk"))
        if tail and pattern is _VERB_FIRST_LAST and (speaker is None or speaker.kind != "person"):
            # 'according to Australia's envoy to India, Mark Pellow': the name comes after the office.
            speaker = resolver.person_at(tail_at) or speaker
        if speaker is None and not _ANONYMOUS.fullmatch(" ".join(speaker_phrase.split())):
            continue
        verb = fixed_cue or match.group("verb")
        adv = match.groupdict().get("adv")
        at = s + match.start("spk")
        resolver.note(at, speaker, _cue(verb, adv))
        if pattern in (_SPEAKER_FIRST, _ACCORDING_FIRST):
            statements = _clauses(text, c_start, c_end)
        else:
            statements = [(c_start, c_end, None)]
        parts_of_first: list[tuple[int, int]] = []
        if tail:
            extra, continued = _after_attribution(text, tail_at, s + match.end("tail"))
            statements += extra
            parts_of_first += continued
        found = []
        for index, (a, b, second_verb) in enumerate(statements):
            parts = [(a, _without_gloss(text, a, b))] + (parts_of_first if index == 0 else [])
            embedded = [q for q in inner if any(x <= q.open_at < y for x, y in parts)]
            for q in embedded:
                q.consumed = True
            kind = "mixed" if embedded else _content_kind(" ".join(text[x:y] for x, y in parts))
            found.append(Found(parts, speaker, kind, _cue(second_verb or verb, None if second_verb else adv), at))
        return found
    return []


def _after_attribution(text: str, start: int, end: int) -> tuple[list[Statement], list[tuple[int, int]]]:
    """What follows 'CONTENT, X said, ...': further statements, or the rest of the first one, or narration."""
    nxt = _TAIL_NEXT.match(text, start, end)
    if nxt is not None:
        if nxt.group("verb") and nxt.group("verb") not in ("said", "added", "told reporters") and not nxt.group("that"):
            return [], []
        verb = nxt.group("verb") or _PAST[nxt.group("part")]
        return [(a, b, v or verb) for a, b, v in _clauses(text, nxt.end(), end)], []
    if _TAIL_CONTINUES.match(text, start, end):
        a, b = _strip_end(text, start, end)
        return [], [(a, b)] if _words(text[a:b]) >= 3 else []
    return [], []


def _sentence_end(text: str, start: int, limit: int) -> int:
    match = re.compile(r"[.!?](?=\s|$)|[\"\u201c\u00ab]").search(text, start, limit)
    return match.end() if match else limit


def _attribute(doc: Doc, quote: Marked, marked: list[Marked], resolver: Resolver,
               results: list[Found]) -> Found | None:
    text = doc.text
    p_start, p_end = doc.paragraphs[quote.paragraph]
    quote_text = text[quote.start:quote.end]
    parts = list(quote.parts)
    speaker: Entity | None = None
    cue: str | None = None
    at = quote.start
    kind = "direct"

    # After the closing mark, up to the sentence end or the next opening mark.
    p_end = doc.paragraphs[doc.paragraph_index(max(quote.close_end - 1, 0))][1]
    after_end = min(_sentence_end(text, quote.close_end, p_end), quote.close_end + 160)
    after = text[quote.close_end:after_end]
    match = _AFTER.match(after)
    if match and quote.close_end < p_end:
        if match.group("spk1"):
            phrase, phrase_at, verb, adv = match.group("spk1"), match.start("spk1"), match.group("verb1"), None
        else:
            phrase, phrase_at, verb, adv = match.group("spk2"), match.start("spk2"), match.group("verb2"), match.group("adv")
        speaker = resolver.resolve(phrase, quote.close_end + phrase_at)
        if speaker is not None or _PRONOUN.match(phrase.strip()):
            cue = _cue(verb, adv)
            at = quote.close_end + phrase_at
            # A split quote: '"A," she said, "B."' - the next quote starts right after the attribution.
            rest_at = quote.close_end + match.end()
            nxt = next((q for q in marked if q.open_at >= rest_at and not q.consumed), None)
            if nxt is not None and nxt.paragraph == quote.paragraph \
                    and _continues_after_attribution(text, rest_at, quote, nxt, p_end):
                if min(nxt.end - nxt.start, quote.end - quote.start) >= _SPLIT_MIN_PART:
                    parts = parts + list(nxt.parts)
                    nxt.consumed = True
    if speaker is None and cue is None:
        # Before the opening mark, within its sentence.
        sentence_start = doc.sentences[doc.sentence_index(quote.open_at)][0]
        lead_start = max(p_start, sentence_start)
        before = text[lead_start:quote.open_at]
        verb_match = _BEFORE_VERB.search(before)
        participle = _BEFORE_PARTICIPLE.search(before)
        colon = _BEFORE_COLON.search(before)
        if verb_match:
            phrase = verb_match.group("spk")
            # The speaker is the last clause before the verb: '..., Brekelmans stated, "'.
            cut = max(phrase.rfind(","), phrase.rfind(" and "))
            offset = lead_start + verb_match.start("spk")
            if cut >= 0:
                offset += cut + 1
                phrase = phrase[cut + 1:]
            speaker = resolver.resolve(phrase, offset + (len(phrase) - len(phrase.lstrip())))
            if speaker is None:
                speaker = _subject(resolver, lead_start, quote.open_at)
            cue = _cue(verb_match.group("verb"), verb_match.group("adv"))
            at = offset
        elif participle:
            speaker = _subject(resolver, lead_start, quote.open_at)
            cue = participle.group("verb")
            at = lead_start + participle.start()
        elif colon and _words(colon.group("spk")) <= 8:
            speaker = resolver.resolve(colon.group("spk"), lead_start + colon.start("spk")) or \
                _subject(resolver, lead_start + colon.start("spk"), quote.open_at)
            at = lead_start + colon.start()
        else:
            # 'X called the plan "reckless"', 'was described by X as "...": X's words inside the reporter's sentence.
            label = _BEFORE_LABEL_PASSIVE.search(before) or _BEFORE_LABEL.search(before)
            if label is not None:
                phrase, offset = label.group("spk"), lead_start + label.start("spk")
                cut = phrase.rfind(",")
                if cut >= 0:
                    offset, phrase = offset + cut + 1, phrase[cut + 1:]
                speaker = resolver.resolve(phrase, offset + (len(phrase) - len(phrase.lstrip())))
                if speaker is not None:
                    cue, at, kind = label.group("verb"), offset, "mixed"
    if speaker is None and cue is None:
        # A paragraph that is all quote goes on with the previous speaker.
        previous = results[-1] if results else None
        previous_paragraph = doc.paragraph_index(previous.parts[-1][0]) if previous is not None else -9
        if previous is not None and previous.speaker is not None and (
                (quote.open_at == p_start and previous_paragraph >= quote.paragraph - 2)
                or previous_paragraph == quote.paragraph):
            # A paragraph that is all quote, or a second quote in the speaker's paragraph: the same speaker.
            speaker = previous.speaker
        elif _words(quote_text) < _MIN_UNATTRIBUTED_WORDS:
            return None  # a title or a scare quote
        else:
            return None
    if speaker is None and _words(quote_text) < 3:
        return None
    resolver.note(at, speaker, cue)
    return Found(parts, speaker, kind, cue, at)


# What may stand between an attribution and the rest of the statement in the same paragraph: nothing but
# punctuation ('"A," she said, "B."'), or the rest of the attribution's sentence ('"A," said X, who attended
# the ceremony. "B."'), with no second speech verb in it.
_BETWEEN_PARTS = re.compile(r"[ ,:\u2013\u2014-]*|[^\"\u201c\u201d\u00ab\u00bb\u2018\u2019']{0,120}?[.;][ ]+")


def _continues_after_attribution(text: str, rest_at: int, quote: Marked, nxt: Marked, p_end: int) -> bool:
    """Whether the next marked quote is the second part of the statement just attributed."""
    between = text[rest_at:nxt.open_at]
    if not _BETWEEN_PARTS.fullmatch(between) or re.search(rf"\b{REPORTING}\b", between):
        return False
    if between.strip(" ,:\u2013\u2014-") == "":
        # '"A," she said, "B."' - but '"A." she said, "B."' is two sentences, each quoted on its own.
        return text[quote.end - 1:quote.end] not in ".!?"
    # After a full stop, only a quote that has no attribution of its own goes on with this speaker.
    after_end = min(_sentence_end(text, nxt.close_end, p_end), nxt.close_end + 160)
    return _AFTER.match(text[nxt.close_end:after_end]) is None or nxt.close_end >= p_end


_AND_SAID = re.compile(rf"[ ,]*(?:and|but)[ ](?:also[ ])?(?P<verb>{_SECOND_VERBS})[ ](?P<that>that[ ])?(?=\S)")


def _said_next(doc: Doc, quote: Marked, found: Found) -> list[Found]:
    text = doc.text
    nxt = _AND_SAID.match(text, quote.close_end)
    if nxt is None or not (nxt.group("that") or nxt.group("verb") in ("said", "added")):
        return []
    end = doc.sentences[doc.sentence_index(nxt.end())][1]
    return [Found([(a, b)], found.speaker, _content_kind(text[a:b]), v or nxt.group("verb"), found.at)
            for a, b, v in _clauses(text, nxt.end(), end)]


def _subject(resolver: Resolver, start: int, end: int) -> Entity | None:
    """The first person (else body or organisation) named in text[start:end], outside quotes."""
    found = [
        (s, ent) for s, _, ent in resolver.cast.mentions(("person",)) if start <= s < end and not resolver._in_quote(s)
    ]
    if not found:
        found = [
            (s, ent) for s, _, ent in resolver.cast.mentions(("government_body", "international_organization"))
            if start <= s < end
        ]
    return min(found, key=lambda f: f[0])[1] if found else None


def _deduplicate(found: list[Found]) -> list[Found]:
    kept: list[Found] = []
    for item in found:
        a0, a1 = item.parts[0][0], item.parts[-1][1]
        if any(a0 < k.parts[-1][1] and k.parts[0][0] < a1 for k in kept):
            continue
        kept.append(item)
    return kept
