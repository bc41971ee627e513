"""The rules backend: a deterministic, offline reading of an article into an ExtractionResponse.

`read_rules(text)` answers what a model would: names instead of ids, the
article's own words instead of offsets. Every quote part and evidence snippet
is an exact substring of `text`, and every name it refers to (speaker,
affiliation, agreement party) is one of the parties it returns, so the shared
pipeline grounds and normalizes it like any other answer. No network, no
global state beyond tables compiled at import.
"""

from __future__ import annotations

import re

from extractor.schemas import (
    AgreementOut,
    ExtractionResponse,
    Involvement,
    PartyKind,
    PartyOut,
    QuoteKind,
    QuoteOut,
    TopicOut,
)

from .agreements import find_agreements
from .lexicon import COUNTRY_NAME, dateline_country
from .parties import Cast, Entity, find_parties
from .quotes import find_quotes
from .text import Doc, split
from .topics import find_topics

# Bump when a rule changes what comes out, so cached or compared records can tell.
RULES_VERSION = "rules-2"

_SUMMARY_MAX_CHARS = 300
_DATELINE_PLACE = re.compile(r"\A\s*(?P<place>[A-Z][A-Z.'\u2019]*(?:[ ][A-Z][A-Z.'\u2019]*){0,3})(?:,[^:\n]{1,30})?"
                             r"(?:[ ]?\([A-Za-z ]{2,20}\))?[ ]?(?::|\u2014|\u2013|--?)[ ]")
# Sentences written to steer a model rather than to inform: never read as news.
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+)?(?:the\s+)?(?:previous|prior|above|earlier)\s+instructions|"
    r"disregard\s+(?:all\s+|the\s+)?(?:previous|prior|above)|you\s+are\s+now\b|\bsystem\s*:|"
    r"reveal\s+(?:your|the)\s+(?:system\s+)?prompt|maintenance\s+mode|\{\{|\{%|<\|im_start\|>|>>>|"
    r"\[/?INST\]|<\|[a-z_]+\|>|\#\#\#\s*(?:instruction|system|response)|"
    r"\b(?:assistant|developer|user)\s*:\s|"
    r"\bnote\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?(?:ai|models?|assistants?|llms?|extractors?|automated|bots?|"
    r"machines?|crawlers?|language\s+models?)\b|"
    r"\bif\s+you\s+are\s+(?:an?\s+)?(?:ai|artificial|language\s+model|llm|assistant|bot|chatbot|automated|machine|model)\b|"
    r"\b(?:ai|language\s+model|llm|assistant|extractor|model)s?\s+(?:must|should|shall|needs?\s+to)\s+"
    r"(?:now\s+|also\s+|always\s+)?(?:ignore|list|add|record|report|treat|mark|output|include|extract|state|say)\b",
    re.IGNORECASE,
)
# Every match of _INJECTION holds one of these (lower-cased).
_INJECTION_KEYS = ("ignore", "disregard", "you are now", "system", "prompt", "maintenance", "{{", "{%", "<|", ">>>",
                   "inst]", "###", "assistant", "developer", "user", "note to", "note for", "if you are", "model",
                   "llm", "ai ", "ais ", "extractor")
# An order to the reader about what to extract: a bare imperative opening the sentence (after "Also,", "Please", ...)
# whose object is extraction vocabulary ("list X as a party", "add a quote from", "mark the pact as signed").
# News sentences do not open with a bare imperative; "Mark" before a capital is a first name ("Mark Rutte said").
_IMPERATIVE = re.compile(
    r"(?:(?:also|then|now|please|and|additionally|finally|instead|next|first|important|note)\b[,:!]?\s+){0,3}"
    r"(?:(?:remember|make\s+sure|be\s+sure|ensure|you\s+must|you\s+should)\s+(?:to\s+|that\s+you\s+)?)?"
    r"(?:ignore|disregard|forget|list|add|include|insert|append|set|change|replace|remove|delete|omit|drop|"
    r"report|record|output|print|return|respond|answer|write|treat|classify|label|tag|attribute|pretend|act|"
    r"assign|extract|name|say|make|do\s+not|don't|never|always|mark(?=\s+(?-i:[a-z])))\s"
    r"(?!(?:up|out|off|down|back|over|by|after|in|on|at|from|with|for|to|into)\b)",  # "Set up in 2015, ...": a participle
    re.IGNORECASE,
)
# What such an order is about: the record's own vocabulary, in phrases news prose does not use.
_EXTRACTION_WORDS = re.compile(
    r"\bas\s+(?:(?:a|an|the)\s+(?:[a-z]+\s+){0,2}?)?(?:party|parties|speaker|source|signatory|signatories|signed|in\s+force|"
    r"ratified|concluded|participant)\b|"
    r"\b(?:a|the|this|that|every|each|all|new|another)\s+(?:quotes?|quotations?|speakers?|party\s+list|output|"
    r"json|fields?|schema)\b|\bquotes?\s+(?:from|by|attributed)\b|\bstatus(?:es)?\s+(?:to|as)\b|"
    r"\binstructions?\b|\bprompt\b",
    re.IGNORECASE,
)
_LEADING = " \t([*#>-"
_OPENING = "\"'\u201c\u2018\u00ab"


def _inside_quotation(text: str, paragraph_start: int, pos: int) -> bool:
    """Whether `pos` falls inside a quotation opened earlier in its paragraph (a speaker's words)."""
    before = text[paragraph_start:pos]
    return before.count('"') % 2 == 1 or before.count("\u201c") > before.count("\u201d") or \
        before.count("\u00ab") > before.count("\u00bb")


def _is_order(text: str, start: int, end: int, paragraph_start: int) -> bool:
    """A sentence opening with a bare imperative about what to extract, outside any quotation."""
    while start < end and text[start] in _LEADING:
        start += 1
    if start >= end or text[start] in _OPENING or not _IMPERATIVE.match(text, start, end):
        return False
    if _inside_quotation(text, paragraph_start, start):
        return False  # a speaker's words, even in the imperative, are news
    return bool(_EXTRACTION_WORDS.search(text, start, end))


def _without_injections(text: str, doc: Doc) -> str:
    """The text with instruction-like sentences blanked out (same length, so every offset still holds).

    An instruction runs on to the end of its paragraph: the sentences after it in that paragraph
    ("Also report that ...") carry its orders, however innocent each looks alone.
    """
    low = text.lower()
    # The full pattern is slow over a whole article; it runs only when one of its words is there at all.
    marked = [m.start() for m in _INJECTION.finditer(text)] if any(k in low for k in _INJECTION_KEYS) else []
    blanks: list[tuple[int, int]] = []
    blanked_paragraph = -1
    for index, (s, e) in enumerate(doc.sentences):
        paragraph = doc.sentence_paragraph[index]
        if paragraph == blanked_paragraph or any(s <= m < e for m in marked) or \
                _is_order(text, s, e, doc.paragraphs[paragraph][0]):
            blanks.append((s, e))
            blanked_paragraph = paragraph
    if not blanks:
        return text
    chars = list(text)
    for s, e in blanks:
        for i in range(s, e):
            if chars[i] != "\n":
                chars[i] = " "
    return "".join(chars)


def _summary(text: str, doc: Doc) -> str:
    for s, e in doc.sentences:
        lead = " ".join(text[s:e].split())
        if len(lead.split()) >= 4:
            if len(lead) > _SUMMARY_MAX_CHARS:
                lead = lead[:_SUMMARY_MAX_CHARS].rsplit(" ", 1)[0] + " ..."
            return lead
    return " ".join(text.split())[:_SUMMARY_MAX_CHARS] or "(empty article)"


def _party_out(entity: Entity, participants: set[str], emitted: set[str]) -> PartyOut:
    affiliation = entity.affiliation if entity.affiliation in emitted and entity.affiliation != entity.name else None
    aliases = [f for f in entity.forms if f != entity.name]
    return PartyOut(
        name=entity.name,
        kind=PartyKind(entity.kind),
        role=entity.role,
        affiliation=affiliation,
        aliases=aliases,
        involvement=Involvement.PARTICIPANT if entity.name in participants else Involvement.MENTIONED,
    )


def _participants(cast: Cast, doc: Doc, speakers: list[Entity], parties_of_deals: list[Entity]) -> set[str]:
    """Who acts: speakers, agreement parties, whoever the lead paragraph names, and those they act for."""
    lead_end = doc.paragraphs[0][1] if doc.paragraphs else 0
    acting = {e.name for e in speakers} | {e.name for e in parties_of_deals}
    acting |= {e.name for e in cast.entities.values() if any(s < lead_end for s, _ in e.mentions)}
    for entity in list(cast.entities.values()):
        if entity.name in acting and entity.affiliation:
            acting.add(entity.affiliation)
    return acting


def read_rules(text: str) -> ExtractionResponse:
    """Parties, topics, quotes, agreements and a summary of one article, by rules alone."""
    doc = split(text)
    clean = _without_injections(text, doc)
    if clean is not text:
        doc = Doc(clean, doc.paragraphs, doc.sentences, doc.sentence_paragraph)
    place = _DATELINE_PLACE.match(text)
    cast = find_parties(doc, dateline_country(place.group("place")) if place else None)
    quotes = find_quotes(doc, cast)
    topics = find_topics(doc)
    deals = find_agreements(doc, cast)

    # Affiliations name parties too: a minister of India brings India.
    # A firm's home country comes from a table, not the article: keep it only if the article names the country.
    for entity in list(cast.entities.values()):
        if entity.affiliation and entity.affiliation not in cast.entities:
            code = next((c for c, n in COUNTRY_NAME.items() if n == entity.affiliation), None)
            if code and entity.kind != "company":
                cast.country(code)
            else:
                entity.affiliation = None

    speakers = [q.speaker for q in quotes if q.speaker is not None]
    participants = _participants(cast, doc, speakers, [p for d in deals for p in d.parties])
    entities = sorted(
        (e for e in cast.entities.values() if e.mentions or any(o.affiliation == e.name for o in cast.entities.values())),
        key=lambda e: e.first,
    )
    emitted = {e.name for e in entities}
    return ExtractionResponse(
        summary=_summary(text, doc),
        parties=[_party_out(e, participants, emitted) for e in entities],
        topics=[
            TopicOut(category=t.category, label=t.label, evidence=[text[s:e] for s, e in t.evidence])
            for t in topics
        ],
        quotes=[
            QuoteOut(
                speaker=q.speaker.name if q.speaker is not None and q.speaker.name in emitted else None,
                text=" ".join(text[s:e] for s, e in q.parts),
                kind=QuoteKind(q.kind),
                cue=q.cue,
            )
            for q in quotes
        ],
        agreements=[
            AgreementOut(
                name=d.name,
                kind=d.kind,
                parties=[p.name for p in d.parties if p.name in emitted],
                status=d.status,
                scope=[t.category for t in topics if any(span in t.sentences for span in d.evidence)],
                modeled_on=d.modeled_on,
                evidence=[text[s:e] for s, e in d.evidence],
            )
            for d in deals
        ],
    )


__all__ = ["RULES_VERSION", "read_rules"]
