"""Agreements: an agreement noun with a cue verb or phrase next to it, in one sentence.

The status comes from the cue, after the contract's PLOVER mapping: explore /
consider / interest in = exploring, propose / offer = proposed, negotiate / talks
on / discuss = negotiating, agree / decide / "will be signed" = agreed, sign /
ink / seal / conclude = signed, "in force" / implement = in_force, reject /
withdraw = rejected. A modal before a signing verb ("will sign", "set to sign")
makes it agreed; "could sign" makes it exploring. The nearest cue wins, before
the noun ("signed a memorandum") or just after it ("the MoU was signed", "the
Reciprocal Access Agreement the two countries signed"). The parties are the
states and organisations in the sentence (persons count for the state they
act for), leaving out comparisons ("in the mould of the partnerships with
Japan"), and the previous sentences when the sentence names fewer than two.
Mentions of one agreement (same kind, same parties, a shared word or a bare
"the MoU") are merged, keeping the first status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractor.schemas import AgreementKind, AgreementStatus

from .lexicon import PARENT_OF
from .parties import Cast, Entity
from .text import UPPER, Doc

_S = AgreementStatus
_K = AgreementKind

_NOUNS: tuple[tuple[str, AgreementKind], ...] = (
    (r"memorand(?:um|a)[ ]of[ ]understanding|MoUs?|MOUs?|letters?[ ]of[ ]intent|LoIs?", _K.MEMORANDUM_OF_UNDERSTANDING),
    (r"framework[ ]agreements?", _K.FRAMEWORK_AGREEMENT),
    (r"joint[ ](?:declaration|statement)s?|declarations?[ ]of[ ]intent", _K.JOINT_DECLARATION),
    (r"partnerships?", _K.PARTNERSHIP),
    (r"(?:security[ ]and[ ]defen[cs]e|defen[cs]e[ ]and[ ]security|security|defen[cs]e)[ ]pacts?", _K.PARTNERSHIP),
    (r"pacts?|treat(?:y|ies)", _K.TREATY),
    (r"(?:supply|purchase|procurement|arms|defen[cs]e|weapons)[ ](?:contracts?|deals?|agreements?)|contracts?"
     r"|(?:a|an|the|this|that|new|arms|defen[cs]e|\$?[\d.,]+[ ](?:billion|million|bn|m)|multi-billion(?:-dollar)?)"
     r"[ ]deals?|orders?[ ]for", _K.PROCUREMENT_CONTRACT),
    (r"agreements?|accords?", _K.OTHER),
    (r"(?:joint[ ])?working[ ]groups?|mechanisms?|hotlines?|(?:annual|regular|biannual|annual[ ]defen[cs]e)[ ]consultations|"
     r"task[ ]forces?|joint[ ]commissions?|(?:strategic|security|defen[cs]e|2\+2|ministerial)[ ]dialogues?",
     _K.COOPERATION_MECHANISM),
    (r"participation[ ]in|join(?:ing)?[ ](?:the[ ])?(?:[\w\-]+[ ]){0,4}?(?:projects?|programmes?|programs?|"
     r"initiatives?|PESCO|Permanent[ ]Structured[ ]Cooperation)", _K.PROGRAMME_PARTICIPATION),
    (r"roadmaps?|road[ ]maps?", _K.OTHER),
)
# Matched against the lower-cased text: much faster than IGNORECASE over a long alternation.
_NOUN = re.compile(
    r"(?<![\w\-])(?:" + "|".join(f"(?P<k{i}>{p.lower()})" for i, (p, _) in enumerate(_NOUNS)) + r")(?![\w\-])"
)
_NOUN_KIND = {f"k{i}": kind for i, (_, kind) in enumerate(_NOUNS)}

_CUES: tuple[tuple[str, AgreementStatus], ...] = (
    (r"(?:came|come|comes|entered|enter|enters)[ ]into[ ]force|in[ ]force|took[ ]effect|in[ ]effect|"
     r"implement(?:s|ed|ing)?|ratif(?:y|ied|ies)|under[ ]the", _S.IN_FORCE),
    (r"reject(?:s|ed|ing)?|pull(?:s|ed)?[ ]out[ ]of|withdr(?:ew|awn|aw|awing)[ ]from|scrap(?:s|ped)?|"
     r"cancel(?:s|led|ed)?|abandon(?:s|ed)?|ruled[ ]out|walked[ ]away[ ]from|terminat(?:e|ed|es)|suspend(?:ed|s)?",
     _S.REJECTED),
    (r"(?:will|would|to)[ ]be[ ]signed|(?:set|expected|due|plan(?:s|ned)?|poised|ready)[ ]to[ ](?:sign|ink|seal)|"
     r"will[ ](?:sign|ink|seal)|agree(?:s|d)?[ ](?:to|on|upon)|agreed|decided[ ]to|approved|endorsed|"
     r"announced|launched|established|set[ ]up|adopted|unveiled|agreement[ ]to", _S.AGREED),
    (r"(?:could|may|might)[ ](?:be[ ])?(?:sign(?:ed)?|ink(?:ed)?|conclud(?:e|ed))", _S.EXPLORING),
    (r"sign(?:s|ed|ing)?|ink(?:s|ed)?|seal(?:s|ed)?|conclud(?:e|es|ed)|finali[sz]ed|clinch(?:es|ed)?|"
     r"award(?:s|ed)?|entered[ ]into|placed", _S.SIGNED),
    (r"negotiat(?:e|es|ed|ing|ions?)|talks[ ](?:on|over|about|for)|discuss(?:es|ed|ing|ions?)?|"
     r"working[ ](?:on|towards?)|finalis(?:e|ing)|finaliz(?:e|ing)|consultations[ ]on|deliberat\w*", _S.NEGOTIATING),
    (r"propos(?:e|es|ed|al|ing)|offer(?:s|ed|ing)?|push(?:es|ed)?[ ]for|call(?:s|ed)?[ ]for|suggest(?:s|ed)?|"
     r"put[ ]forward|elevate|moot(?:s|ed)?|seek(?:s|ing)?|sought|pitch(?:es|ed)?[ ](?:a|an)", _S.PROPOSED),
    (r"explor(?:e|es|ed|ing)|consider(?:s|ed|ing)?|mull(?:s|ed|ing)?|look(?:s|ed|ing)?[ ](?:at|into)|"
     r"interest[ ]in|intend(?:s|ed)?[ ]to|aim(?:s|ed|ing)?[ ]to|hop(?:e|es|ed|ing)[ ]to|plan(?:s|ned|ning)?[ ]to|"
     r"ambition|stud(?:y|ying|ied)|assess(?:ing|ed)?|examin(?:e|ing|ed)|evaluat(?:e|ing|ed)|weigh(?:s|ing)?|"
     r"keen[ ]to|possibility[ ]of|prospects?[ ](?:of|for)|forg(?:e|ing)|modalities", _S.EXPLORING),
)
_CUE = re.compile(
    r"(?<![\w\-])(?:" + "|".join(f"(?P<c{i}>{p.lower()})" for i, (p, _) in enumerate(_CUES)) + r")(?![\w\-])"
)
_CUE_STATUS = {f"c{i}": status for i, (_, status) in enumerate(_CUES)}
_WEAK_CUE = re.compile(r"discuss|under[ ]the|announced", re.IGNORECASE)
_CUE_BEFORE_WORDS = 12
_CUE_AFTER_WORDS = 8

_COMPARISON = re.compile(
    r"\b(?:in[ ]line[ ]with|similar|in[ ]the[ ]mou?ld[ ]of|model(?:l)?ed[ ]on|like[ ]the|such[ ]as[ ]those|"
    r"as[ ]with|patterned[ ]on|along[ ]the[ ]lines[ ]of)\b",
    re.IGNORECASE,
)
_MODEL = re.compile(
    r"\b(?:in[ ]the[ ]mou?ld[ ]of|model(?:l)?ed[ ]on|patterned[ ]on|along[ ]the[ ]lines[ ]of|"
    r"in[ ]line[ ]with(?:[ ]its)?(?:[ ]similar)?)[ ](?P<what>[^,.;]{3,100})",
    re.IGNORECASE,
)
_BOTH_SIDES = re.compile(
    r"\b(?:the[ ]two|both)[ ](?:sides|countries|nations|governments|ministers|partners|allies)\b", re.IGNORECASE
)
# Words that may stand before the noun in an agreement's name.
_MODIFIER = re.compile(
    r"(?:(?:security|defen[cs]e|strategic|comprehensive|bilateral|trilateral|military|industrial|maritime|"
    r"logistics|long-term|space|cyber|technology|trade|nuclear|intelligence|and|joint|global|free|cooperation|"
    r"ammunition|\d{4}|frigate|submarine|fighter|helicopter|drone|missile|arms|supply|maintenance|training|"
    r"jet|shipbuilding|radar|tank|howitzer|"
    rf"[{UPPER}][\w\-]*)[ ])+$"
)
# What a bare noun is about: "contract for 48 air defence launchers", "memorandum on submarine training".
_COMPLEMENT = re.compile(
    r"[ ](?:for|on)[ ](?!the[ ]|a[ ]|an[ ])(?:(?!will\b|would\b|is\b|was\b|were\b|are\b|with\b|which\b|that\b|between\b|"
    r"in\b|at\b|by\b|of\b|the\b|and\b|to\b|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|"
    r"February|March|April|May|June|July|August|September|October|November|December)[\w\-]+[ ]?){1,6}(?<![ ])"
)
_GENERIC_WORDS = {"the", "a", "an", "and", "of", "on", "in", "for", "to", "with", "new", "future", "this", "that",
                  "bilateral", "agreement", "partnership", "pact", "deal", "contract", "memorandum", "understanding",
                  "mou", "treaty", "accord", "participation", "joining", "their", "its", "robust"}


@dataclass
class Deal:
    name: str
    kind: AgreementKind
    status: AgreementStatus
    parties: list[Entity]
    evidence: list[tuple[int, int]]
    modeled_on: str | None = None
    words: set[str] = field(default_factory=set)
    generic: bool = False
    weak: bool = False   # the status came from a loose cue ("discussed", "under the")


def _word_gap(text: str) -> int:
    return len(text.split())


def _name_of(text: str, noun_start: int, noun_end: int, sentence_start: int) -> tuple[str, bool]:
    """The noun with its modifiers ("security and defence pact"); generic when it has none ("the MoU")."""
    noun = text[noun_start:noun_end]
    before = text[sentence_start:noun_start]
    modifier = _MODIFIER.search(before)
    words = modifier.group().split() if modifier else []
    while words and words[0].lower() in ("and", "the", "a", "an"):
        words.pop(0)
    phrase = " ".join([*words, noun])
    complement = _COMPLEMENT.match(text, noun_end)
    if complement:
        phrase = f"{phrase}{' '.join(complement.group().split()) and ' ' + ' '.join(complement.group().split())}"
    return phrase, not words and not complement


def _parties(doc: Doc, cast: Cast, index: int, noun_at: int) -> list[Entity]:
    text = doc.text
    found: list[Entity] = []
    mentions = cast.mentions()

    def collect(start: int, end: int) -> None:
        comparison = _COMPARISON.search(text, start, end)
        if comparison is not None and comparison.start() > noun_at - 1 and start <= noun_at:
            end = comparison.start()
        for s, e, ent in mentions:
            if not (start <= s < end):
                continue
            if ent.kind == "person":
                target = cast.entities.get(ent.affiliation) if ent.affiliation else None
            elif ent.kind in ("country", "international_organization"):
                target = ent
            else:
                continue
            if target is not None and target.name in PARENT_OF:
                target = cast.entities.get(PARENT_OF[target.name], target)
            if target is not None and target.kind in ("country", "international_organization") and target not in found:
                found.append(target)

    s, e = doc.sentences[index]
    collect(s, e)
    back = index - 1
    paragraph = doc.sentence_paragraph[index]
    if _BOTH_SIDES.search(text, s, e) and doc.sentences:
        # "The two sides agreed ...": the pair the story is about, from its lead sentence.
        collect(*doc.sentences[0])
    while len(found) < 2 and back >= 0 and doc.sentence_paragraph[back] >= paragraph - 1 and index - back <= 2:
        collect(*doc.sentences[back])
        back -= 1
    return found


def _short(entity: Entity) -> str:
    acronyms = [f for f in entity.forms if f.isupper() and 2 <= len(f) <= 6]
    return acronyms[0] if acronyms else entity.name


def find_agreements(doc: Doc, cast: Cast) -> list[Deal]:
    text = doc.text
    low = text.lower()
    if len(low) != len(text):
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    by_sentence: dict[int, list[re.Match[str]]] = {}
    for noun in _NOUN.finditer(low):
        by_sentence.setdefault(doc.sentence_index(noun.start()), []).append(noun)
    deals: list[Deal] = []
    for index, nouns in by_sentence.items():
        s, e = doc.sentences[index]
        sentence = text[s:e]
        cues = [
            (m.start(), m.end(), _CUE_STATUS[m.lastgroup], bool(_WEAK_CUE.match(m.group())))
            for m in _CUE.finditer(low, s, e)
        ]
        if not cues:
            continue
        comparison = _COMPARISON.search(text, s, e)
        for noun in nouns:
            if comparison is not None and noun.start() > comparison.start():
                continue  # "in the mould of the partnerships we have with Japan": the model, not the deal
            n_start, n_end = noun.start(), noun.end()
            best: tuple[float, AgreementStatus, bool] | None = None
            for c_start, c_end, status, weak in cues:
                if c_end <= n_start:
                    gap = _word_gap(text[c_end:n_start])
                    if gap > _CUE_BEFORE_WORDS:
                        continue
                    score = float(gap)
                elif c_start >= n_end:
                    gap = _word_gap(text[n_end:c_start])
                    if gap > _CUE_AFTER_WORDS:
                        continue
                    score = gap * 1.2 + 0.5
                else:
                    continue
                if best is None or score < best[0]:
                    best = (score, status, weak)
            if any(st == _S.REJECTED and c_end <= n_start and _word_gap(text[c_end:n_start]) <= _CUE_BEFORE_WORDS
                   for _, c_end, st, _ in cues):
                best = (0.0, _S.REJECTED, False)  # "rejected a proposal for an agreement": the rejection decides
            if best is None:
                continue
            kind = _NOUN_KIND[noun.lastgroup]
            name, generic = _name_of(text, n_start, n_end, s)
            if kind == _K.PROGRAMME_PARTICIPATION:
                name, generic = _programme_name(doc, cast, n_start, n_end), False
            if kind == _K.OTHER and name[:1].isupper() and any(w[:1].isupper() for w in name.split()[:-1]):
                kind = _K.TREATY  # a named agreement ("Reciprocal Access Agreement")
            parties = _parties(doc, cast, index, n_start)
            model = _MODEL.search(sentence)
            words = {w.lower() for w in re.findall(r"[\w\-]+", name)} - _GENERIC_WORDS
            deals.append(Deal(name, kind, best[1], parties, [(s, e)],
                              model.group("what").strip() if model else None, words, generic, best[2]))
    return _merge(deals)


def _loose(earlier: Deal, later: Deal) -> bool:
    """A bare "the pact" after an agreement of the same parties is that one; so is a lead's bare "an agreement"."""
    if later.generic and later.kind in (_K.OTHER, _K.TREATY):
        return True
    return earlier.generic and earlier.kind == _K.OTHER and earlier.status == later.status


def _programme_name(doc: Doc, cast: Cast, start: int, end: int) -> str:
    """"participation in PESCO": the programme is the organisation or name right after the noun."""
    window_end = min(len(doc.text), end + 80)
    for s, _, entity in cast.mentions(("international_organization", "government_body")):
        if end <= s < window_end and entity.kind == "international_organization" and entity.name in PARENT_OF:
            return f"participation in {entity.name}"
    following = re.match(r"[ ](?:the[ ])?((?:[\w\-\u2019']+[ ]){0,5}?[\w\-]+)(?=[,.;]|[ ]and[ ]|$)", doc.text[end:window_end])
    noun = doc.text[start:end]
    return f"{noun} {following.group(1)}" if following and not noun.endswith(("projects", "programme")) else noun


def _names(deal: Deal) -> set[str]:
    return {p.name for p in deal.parties}


def _merge(deals: list[Deal]) -> list[Deal]:
    merged: list[Deal] = []
    for deal in deals:
        same = next(
            (m for m in merged
             if (m.kind == deal.kind or _loose(m, deal)) and (not deal.parties or not m.parties or _names(deal) <= _names(m)
                                         or _names(m) <= _names(deal))
             and (deal.generic or m.generic or deal.words & m.words or deal.kind == _K.PROGRAMME_PARTICIPATION)),
            None,
        )
        if same is None:
            merged.append(deal)
            continue
        if deal.name[:1].isupper() and not same.name[:1].isupper() and not deal.generic:
            same.name = deal.name  # the article's proper name for it
        elif same.generic and not deal.generic:
            same.name = deal.name
        if (same.weak and not deal.weak) or (same.generic and same.kind == _K.OTHER):
            same.status, same.weak = deal.status, deal.weak
        if same.generic and same.kind == _K.OTHER:
            same.kind = deal.kind
        same.generic = same.generic and deal.generic
        same.words |= deal.words
        for party in deal.parties:
            if party not in same.parties:
                same.parties.append(party)
        for span in deal.evidence:
            if span not in same.evidence:
                same.evidence.append(span)
        same.modeled_on = same.modeled_on or deal.modeled_on
    for deal in merged:
        short = [_short(p) for p in deal.parties]
        if short and not any(part.lower() in deal.name.lower() for part in short):
            deal.name = f"{'-'.join(short[:3])} {deal.name}"
    return merged
