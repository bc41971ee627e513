"""Stage 5: canonical parties, ISO codes, and names resolved to party ids.

The model names things the way the article does: "EU" here, "European Union"
there, "Von der Leyen" for "Ursula von der Leyen". This stage merges those into
one party each, gives countries ISO 3166-1 alpha-3 codes, and turns every
name reference (speaker, affiliation, agreement party) into a party id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import pycountry

from extractor.schemas import Agreement, Involvement, Party, PartyKind, PartyOut, Quote
from extractor.schemas.gazetteer import COUNTRY_ALIASES, INTERNATIONAL_ORGANIZATIONS  # shared with the rules backend

from .grounding import Grounded, find_mentions

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

    def resolve(self, name: str | None, *, what: str, kind: PartyKind) -> int | None:
        """Index of the party a reference names; an unknown name becomes a new party, with a warning."""
        if not name or not name.strip():
            return None
        found = self.find(name)
        if found is not None:
            return found
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
    quotes: list[Quote]
    agreements: list[Agreement]
    warnings: list[str]


def normalize(grounded: Grounded, article_text: str) -> Normalized:
    """Merge parties, resolve every name reference to an id, and add codes and mentions."""
    table = PartyTable()
    for out in grounded.response.parties:
        draft, note = _draft_from(out)
        if note:
            table.warnings.append(note)
        table.add(draft)

    speakers = [table.resolve(q.source.speaker, what="speaker", kind=PartyKind.PERSON) for q in grounded.quotes]
    agreement_parties = [
        [table.resolve(n, what=f"party of agreement {g.source.name!r}", kind=PartyKind.OTHER) for n in g.source.parties]
        for g in grounded.agreements
    ]
    # Affiliations may add parties too, so walk a growing list.
    affiliations: list[int | None] = []
    i = 0
    while i < len(table.drafts):
        draft = table.drafts[i]
        affiliations.append(
            table.resolve(draft.affiliation_name, what=f"affiliation of {draft.name!r}", kind=PartyKind.OTHER)
        )
        i += 1

    ids = [f"P{n + 1}" for n in range(len(table.drafts))]
    codes = [country_code(d.name) if d.kind == PartyKind.COUNTRY else None for d in table.drafts]
    parties: list[Party] = []
    for n, draft in enumerate(table.drafts):
        affiliation = affiliations[n] if affiliations[n] != n else None
        code = codes[n]
        if code is None and draft.kind != PartyKind.INTERNATIONAL_ORGANIZATION and affiliation is not None:
            code = codes[affiliation]  # a minister of India acts for IND
        forms = _unique(draft.forms())
        mention_forms = list(forms)
        if draft.kind == PartyKind.PERSON:
            tokens = draft.name.split()
            if len(tokens) > 1:
                mention_forms.append(tokens[-1])  # articles call people by surname after first mention
        parties.append(
            Party(
                id=ids[n], name=draft.name, kind=draft.kind, role=draft.role,
                affiliation=ids[affiliation] if affiliation is not None else None,
                country_code=code, aliases=[a for a in forms if a != draft.name], involvement=draft.involvement,
                mentions=find_mentions(article_text, mention_forms),
            )
        )

    quotes = [
        Quote(
            speaker=ids[s] if s is not None else None, text=g.located.text, kind=g.source.kind,
            cue=g.source.cue, spans=list(g.located.spans), alignment=g.located.alignment,
        )
        for g, s in zip(grounded.quotes, speakers)
    ]
    agreements = [
        Agreement(
            name=g.source.name, kind=g.source.kind,
            parties=list(dict.fromkeys(ids[p] for p in members if p is not None)),
            status=g.source.status, scope=list(dict.fromkeys(g.source.scope)),
            modeled_on=g.source.modeled_on, evidence=g.evidence,
        )
        for g, members in zip(grounded.agreements, agreement_parties)
    ]
    return Normalized(parties, quotes, agreements, table.warnings)
