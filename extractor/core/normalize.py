"""Stage 5: canonical parties, ISO codes, names resolved to party ids, duplicates merged.

The model names things the way the article does: "EU" here, "European Union"
there, "Von der Leyen" for "Ursula von der Leyen". This stage merges those into
one party each, gives countries ISO 3166-1 alpha-3 codes, and turns every
name reference (speaker, affiliation, agreement party) into a party id.

Names are grounded like quotes: a party must be named in the article (its
name, an alias, a person's surname, or a demonym for a country: "French" for
France), and a reference that names nobody in the article becomes null or is
dropped, never an invented party. Duplicates are merged, each with a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

from extractor.schemas import (
    Agreement, ExtractionResponse, Involvement, Party, PartyKind, PartyOut, Quote, Span, Topic,
)
from extractor.schemas.gazetteer import COUNTRY_ALIASES, DEMONYMS, INTERNATIONAL_ORGANIZATIONS

from .grounding import Grounded, find_mentions

_DEMONYMS_OF: dict[str, list[str]] = {}
for _demonym, _code in DEMONYMS.items():
    _DEMONYMS_OF.setdefault(_code, []).append(_demonym)
_PARENTHETICAL = re.compile(r"\s*\(([^()]*)\)\s*")

_EU_BODIES = {"european commission"}  # bodies of an organisation, not organisations of states

_LEADING_ARTICLE = re.compile(r"^the\s+", re.IGNORECASE)
_HONORIFICS = {"mr", "mrs", "ms", "dr", "prof", "gen", "general", "adm", "admiral", "sir", "president", "minister"}


@lru_cache(maxsize=4096)
def country_code(name: str | None) -> str | None:
    """ISO 3166-1 alpha-3 for a country name, or None when it names no country."""
    if not name:
        return None
    key = _LEADING_ARTICLE.sub("", name.strip()).strip().lower()
    if key in INTERNATIONAL_ORGANIZATIONS:
        return None
    if key in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[key]
    try:
        return pycountry.countries.lookup(key).alpha_3
    except LookupError:
        return None


# Name helpers are called for every pair of surface forms; the same few strings recur.
@lru_cache(maxsize=8192)
def _key(name: str) -> str:
    return " ".join(_LEADING_ARTICLE.sub("", name).replace("\u2019", "'").casefold().split())


@lru_cache(maxsize=8192)
def _acronym(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and w[0].isupper()]
    return "".join(w[0] for w in words).casefold() if len(words) > 1 else ""


@lru_cache(maxsize=8192)
def _name_tokens(name: str) -> tuple[str, ...]:
    return tuple(t for t in _key(name).replace(".", "").split() if t not in _HONORIFICS)


def same_entity(a: str, b: str, *, person: bool) -> bool:
    """Whether two surface forms name one party: equal, acronym, or (persons) a name's tail."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return False
    if ka == kb or ka == _acronym(b) or kb == _acronym(a):
        return True
    if person:
        ta, tb = _name_tokens(a), _name_tokens(b)
        short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
        return bool(short) and long_[-len(short):] == short
    return False


def mention_forms(name: str, aliases: list[str], kind: PartyKind | None) -> list[str]:
    """Every surface form that names a party in an article."""
    forms: list[str] = []
    for form in (name, *aliases):
        # "European Union (EU)" is named as "European Union" or as "EU".
        forms.extend(part for part in (_PARENTHETICAL.sub(" ", form).strip(), *_PARENTHETICAL.findall(form)) if part)
    if kind in (PartyKind.PERSON, None):
        tokens = _name_tokens(name)
        if len(tokens) > 1:
            forms.append(name.split()[-1])  # articles call people by surname after first mention
    if kind in (PartyKind.COUNTRY, None):
        code = country_code(name) or next((country_code(a) for a in aliases if country_code(a)), None)
        if code:
            forms.extend(_DEMONYMS_OF.get(code, []))
    return forms


class NameIndex:
    """Where names occur in one article, memoized: every stage asks about the same few names."""

    def __init__(self, text: str):
        self.text = text
        self._cache: dict[tuple[str, ...], list[Span]] = {}

    def mentions(self, forms: list[str]) -> list[Span]:
        key = tuple(sorted(set(forms)))
        if key not in self._cache:
            self._cache[key] = find_mentions(self.text, list(key))
        return self._cache[key]

    def names_party(self, party: PartyOut) -> bool:
        return bool(self.mentions(mention_forms(party.name, party.aliases, party.kind)))

    def names_anyone(self, name: str, parties: list[PartyOut]) -> bool:
        """Whether a reference names a party that is named in the article, or is itself in the article."""
        grounded = [p for p in parties if self.names_party(p)]
        for party in grounded:
            person = party.kind == PartyKind.PERSON
            if any(same_entity(form, name, person=person) for form in (party.name, *party.aliases)):
                return True
        return bool(self.mentions(mention_forms(name, [], None)))

    def problems(self, response: ExtractionResponse) -> list[str]:
        """Names in an answer that name nobody in the article, phrased for a re-ask."""
        found = [f"parties[{i}] {p.name!r} is not named in the article"
                 for i, p in enumerate(response.parties) if not self.names_party(p)]
        for i, party in enumerate(response.parties):
            if party.affiliation and not self.names_anyone(party.affiliation, response.parties):
                found.append(f"parties[{i}].affiliation {party.affiliation!r} names nobody in the article")
        for i, quote in enumerate(response.quotes):
            if quote.speaker and not self.names_anyone(quote.speaker, response.parties):
                found.append(f"quotes[{i}].speaker {quote.speaker!r} names nobody in the article (use null)")
        for i, agreement in enumerate(response.agreements):
            for name in agreement.parties:
                if not self.names_anyone(name, response.parties):
                    found.append(f"agreements[{i}].parties {name!r} names nobody in the article")
        return found


@dataclass
class _Draft:
    """A party being merged: everything needed to build a `Party` at the end."""

    name: str
    kind: PartyKind
    role: str | None = None
    affiliation_name: str | None = None
    aliases: list[str] = field(default_factory=list)
    involvement: Involvement = Involvement.MENTIONED

    def forms(self) -> list[str]:
        return [self.name, *self.aliases]

    def matches(self, name: str) -> bool:
        person = self.kind == PartyKind.PERSON
        return any(same_entity(form, name, person=person) for form in self.forms())

    def absorb(self, other: "_Draft") -> None:
        if len(other.name) > len(self.name):  # the fuller name is the canonical one
            self.aliases.append(self.name)
            self.name = other.name
        else:
            self.aliases.append(other.name)
        self.aliases.extend(other.aliases)
        self.role = self.role or other.role
        self.affiliation_name = self.affiliation_name or other.affiliation_name
        if other.involvement == Involvement.PARTICIPANT:
            self.involvement = Involvement.PARTICIPANT


@dataclass
class PartyTable:
    names: NameIndex
    drafts: list[_Draft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def find(self, name: str | None) -> int | None:
        if not name or not name.strip():
            return None
        for i, draft in enumerate(self.drafts):
            if _key(draft.name) == _key(name) or any(_key(a) == _key(name) for a in draft.aliases):
                return i
        matches = [i for i, draft in enumerate(self.drafts) if draft.matches(name)]
        return matches[0] if len(matches) == 1 else None

    def add(self, draft: _Draft) -> int:
        found = self.find(draft.name)
        if found is None:
            for alias in draft.aliases:
                found = self.find(alias)
                if found is not None:
                    break
        if found is None:
            self.drafts.append(draft)
            return len(self.drafts) - 1
        self.drafts[found].absorb(draft)
        return found

    def resolve(self, name: str | None, *, what: str, kind: PartyKind, otherwise: str) -> int | None:
        """Index of the party a reference names. A name in the article but not among the parties
        becomes a party; a name nowhere in the article is never invented: None, with a warning."""
        if not name or not name.strip():
            return None
        found = self.find(name)
        if found is not None:
            return found
        if not self.names.mentions(mention_forms(name, [], None)):
            self.warnings.append(f"{what} {name!r} names nobody in the article; {otherwise}")
            return None
        inferred = PartyKind.COUNTRY if country_code(name) else kind
        self.warnings.append(f"{what} {name!r} was not among the parties; added it as a {inferred.value}")
        return self.add(_Draft(name=name.strip(), kind=inferred, involvement=Involvement.PARTICIPANT))


def _draft_from(out: PartyOut) -> tuple[_Draft, str | None]:
    kind, note = out.kind, None
    key = _key(out.name)
    if key in INTERNATIONAL_ORGANIZATIONS and kind == PartyKind.COUNTRY:
        kind = PartyKind.GOVERNMENT_BODY if key in _EU_BODIES else PartyKind.INTERNATIONAL_ORGANIZATION
        note = f"party {out.name!r} is an organisation, not a country; kind set to {kind.value}"
    aliases = [a.strip() for a in out.aliases if a and a.strip() and _key(a) != key]
    return (
        _Draft(
            name=out.name.strip(), kind=kind, role=out.role or None, affiliation_name=out.affiliation or None,
            aliases=aliases, involvement=out.involvement,
        ),
        note,
    )


def _unique(values: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in values:
        seen.setdefault(_key(v), v)
    return list(seen.values())


@dataclass
class Normalized:
    parties: list[Party]
    topics: list[Topic]
    quotes: list[Quote]
    agreements: list[Agreement]
    warnings: list[str]


def normalize(grounded: Grounded, article_text: str, names: NameIndex | None = None) -> Normalized:
    """Merge parties, resolve every name reference to an id, add codes and mentions, merge duplicates."""
    names = names or NameIndex(article_text)
    table = PartyTable(names)
    for out in grounded.response.parties:
        if not names.names_party(out):
            table.warnings.append(f"dropped party {out.name!r}: it is not named in the article")
            continue
        draft, note = _draft_from(out)
        if note:
            table.warnings.append(note)
        table.add(draft)

    speakers = [
        table.resolve(q.source.speaker, what="speaker", kind=PartyKind.PERSON, otherwise="speaker left null")
        for q in grounded.quotes
    ]
    agreement_parties = [
        [table.resolve(n, what=f"party of agreement {g.source.name!r}", kind=PartyKind.OTHER, otherwise="left out")
         for n in g.source.parties]
        for g in grounded.agreements
    ]
    # Affiliations may add parties too, so walk a growing list.
    affiliations: list[int | None] = []
    i = 0
    while i < len(table.drafts):
        draft = table.drafts[i]
        affiliations.append(table.resolve(draft.affiliation_name, what=f"affiliation of {draft.name!r}",
                                          kind=PartyKind.OTHER, otherwise="left null"))
        i += 1

    ids = [f"P{n + 1}" for n in range(len(table.drafts))]
    codes = [country_code(d.name) if d.kind == PartyKind.COUNTRY else None for d in table.drafts]
    parties: list[Party] = []
    warnings_of_aliases: list[str] = []
    for n, draft in enumerate(table.drafts):
        affiliation = affiliations[n] if affiliations[n] != n else None
        code = codes[n]
        if code is None and draft.kind != PartyKind.INTERNATIONAL_ORGANIZATION and affiliation is not None:
            code = codes[affiliation]  # a minister of India acts for IND
        forms = _unique(draft.forms())
        absent = [a for a in forms[1:] if not names.mentions(mention_forms(a, [], None))]
        if absent:
            warnings_of_aliases.append(f"aliases {absent} of {draft.name!r} are not in the article; left out")
            forms = [forms[0], *(a for a in forms[1:] if a not in absent)]
        parties.append(
            Party(
                id=ids[n], name=draft.name, kind=draft.kind, role=draft.role,
                affiliation=ids[affiliation] if affiliation is not None else None,
                country_code=code, aliases=[a for a in forms if a != draft.name], involvement=draft.involvement,
                mentions=names.mentions(mention_forms(draft.name, forms[1:], draft.kind)),
            )
        )

    warnings = table.warnings + warnings_of_aliases
    quotes = [
        Quote(
            speaker=ids[s] if s is not None else None, text=g.located.text, kind=g.source.kind,
            cue=g.source.cue, spans=list(g.located.spans), alignment=g.located.alignment,
        )
        for g, s in zip(grounded.quotes, speakers)
    ]
    quotes = _one_speaker_each(_unique_quotes(quotes, warnings), parties, warnings)
    agreements = [
        Agreement(
            name=g.source.name, kind=g.source.kind,
            parties=list(dict.fromkeys(ids[p] for p in members if p is not None)),
            status=g.source.status, scope=list(dict.fromkeys(g.source.scope)),
            modeled_on=g.source.modeled_on, evidence=g.evidence,
        )
        for g, members in zip(grounded.agreements, agreement_parties)
    ]
    return Normalized(parties, _merge_topics(grounded.topics, warnings), quotes,
                      _merge_agreements(agreements, warnings), warnings)


def _spans_key(spans: list[Span]) -> tuple[tuple[int, int], ...]:
    return tuple((s.start, s.end) for s in spans)


def _unique_quotes(quotes: list[Quote], warnings: list[str]) -> list[Quote]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for quote in quotes:
        key = (quote.speaker, _spans_key(quote.spans))
        if key in seen:
            warnings.append(f"merged a duplicate of quote {quote.text[:60]!r}")
            continue
        seen.add(key)
        kept.append(quote)
    return kept


def _one_speaker_each(quotes: list[Quote], parties: list[Party], warnings: list[str]) -> list[Quote]:
    """Drop a quote whose words run into another speaker's quote: one quote never spans two speakers."""
    names = {p.id: p.name for p in parties}
    dropped: set[int] = set()
    for i, a in enumerate(quotes):
        for j in range(i + 1, len(quotes)):
            b = quotes[j]
            if i in dropped or j in dropped or not a.speaker or not b.speaker or a.speaker == b.speaker:
                continue
            if any(x.start < y.end and y.start < x.end for x in a.spans for y in b.spans):
                longer, other = (i, j) if _length(a) >= _length(b) else (j, i)
                dropped.add(longer)
                warnings.append(
                    f"dropped quote {quotes[longer].text[:60]!r}: it runs into a quote by "
                    f"{names.get(quotes[other].speaker or '', 'another speaker')}"
                )
    return [q for n, q in enumerate(quotes) if n not in dropped]


def _length(quote: Quote) -> int:
    return sum(s.end - s.start for s in quote.spans)


def _merge_topics(topics: list[Topic], warnings: list[str]) -> list[Topic]:
    """One topic per category, with all its evidence."""
    merged: dict[str, Topic] = {}
    for topic in topics:
        first = merged.get(topic.category.value)
        if first is None:
            merged[topic.category.value] = topic.model_copy(deep=True)
            continue
        known = set(_spans_key(first.evidence))
        first.evidence.extend(s for s in topic.evidence if (s.start, s.end) not in known)
        warnings.append(f"merged topic {topic.label!r} into {first.label!r} ({topic.category.value})")
    return list(merged.values())


_NOT_WORD = re.compile(r"[^\w]+")


def _merge_agreements(agreements: list[Agreement], warnings: list[str]) -> list[Agreement]:
    """One agreement per normalized name and party set, with all its evidence and scope."""
    merged: dict[tuple[str, frozenset[str]], Agreement] = {}
    for agreement in agreements:
        key = (_NOT_WORD.sub(" ", agreement.name.casefold()).strip(), frozenset(agreement.parties))
        first = merged.get(key)
        if first is None:
            merged[key] = agreement.model_copy(deep=True)
            continue
        known = set(_spans_key(first.evidence))
        first.evidence.extend(s for s in agreement.evidence if (s.start, s.end) not in known)
        first.scope.extend(s for s in agreement.scope if s not in first.scope)
        status = "" if agreement.status == first.status else (
            f"; kept status {first.status.value}, not {agreement.status.value}")
        warnings.append(f"merged a duplicate of agreement {agreement.name!r}{status}")
    return list(merged.values())
