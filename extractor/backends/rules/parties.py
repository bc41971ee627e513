"""Parties: who the article names, with kinds, roles, affiliations and where each is mentioned.

Sources, in order: the gazetteer (countries, their demonyms and acting capitals,
organisations, known bodies, firms and armed groups); titled persons ("India's
External Affairs Minister S Jaishankar", "EU Commissioner for Defence and Space
Andrius Kubilius"); persons named next to a speech verb or with an honorific;
ministries and armed services; firms by suffix or by a noun ("Polish firm WB
Electronics"). Later mentions by surname are found from the full names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .lexicon import COUNTRY_NAME, DEMONYM_OF, ENTRIES, PARENT_OF, Hit, scan
from .text import UPPER, Doc

_APOSTROPHE = "['\u2019]"
_PARTICLE = r"(?:von|van|der|den|de|da|di|du|del|della|dos|das|la|le|bin|ibn|al|el|ter|zu)"
# A name word: a capital then letters, or a bare initial ("S Jaishankar", "S. Jaishankar").
_NAME_WORD = rf"[{UPPER}](?:[\w\u2019'\-]*\w|\.)?"
NAME = rf"{_NAME_WORD}(?:[ ](?:{_PARTICLE}[ ])*{_NAME_WORD}){{0,3}}"

# Office words, any case ("European Commission president"), always before the person's name.
_ROLE_MODIFIER = (
    r"(?:deputy|vice|acting|former|junior|senior|principal|permanent|under|assistant|first|prime|"
    r"defen[cs]e|foreign|external[ ]affairs|foreign[ ]affairs|home|interior|finance|trade|industry|"
    r"armed[ ]forces|national[ ]security|national[ ]defen[cs]e|security|cabinet|state|army|navy|naval|"
    r"air[ ]force|military|intelligence|digital|economy|energy|science|technology|commerce|justice|transport|"
    r"health|education|environment|development|agriculture|culture|veterans|space|cyber|high|special|union|"
    r"federal|executive|managing|press|joint|supreme|chief|lieutenant|lt\.?|major|maj\.?|rear|air|field|fleet|"
    r"general|foreign[ ]trade|defen[cs]e[ ]production|home[ ]affairs|strategic|political|policy|"
    r"parliamentary|shadow|interim|caretaker|regional|coast[ ]guard|procurement)"
)
_ROLE_HEAD = (
    r"(?:minister|secretary[- ]general|secretary|president|commissioner|chancellor|premier|ambassador|envoy|"
    r"representative|spokesperson|spokesman|spokeswoman|director[- ]general|director|chairman|chairwoman|"
    r"chairperson|chief[ ]of[ ](?:the[ ])?(?:defen[cs]e|naval|army|air|general|integrated[ ]defen[cs]e)[ ]staff|"
    r"chief[ ]executive(?:[ ]officer)?|chief|commander[- ]in[- ]chief|commander|general|gen\.?|admiral|adm\.?|"
    r"marshal|colonel|col\.?|captain|capt\.?|brigadier|brig\.?|governor|senator|king|queen|crown[ ]prince|prince|"
    r"emir|sheikh|sultan|ceo|head|adviser|advisor|attach[e\u00e9]|undersecretary|under-secretary|"
    r"vice-president|vice[ ]president|deputy[ ]prime[ ]minister|leader|counterpart)"
)
_PORTFOLIO_WORD = (
    r"(?:Defen[cs]e(?:[ ]Production|[ ]Industry|[ ]Procurement)?|Foreign[ ]Affairs|External[ ]Affairs|"
    r"National[ ]Defen[cs]e|Home[ ]Affairs|Interior|Finance|Space|Trade|Industry|Commerce|Economy|Energy|Security|"
    r"Armed[ ]Forces|Science|Technology|Digital[ ]Affairs|Justice|Transport|Health|Education|Environment|"
    r"Agriculture|Veterans[ ]Affairs|Foreign[ ]Trade|Strategic[ ]Affairs|Political[ ]Affairs|the[ ]Navy|"
    r"the[ ]Army|the[ ]Air[ ]Force|Naval[ ]Operations|Europe|Foreign[ ]and[ ]European[ ]Affairs|"
    r"Defen[cs]e[ ]and[ ]Space|International[ ]Cooperation|Cooperation|Enlargement|Security[ ]Policy)"
)
_PORTFOLIO = rf"(?:[ ](?:of|for)[ ](?:State[ ](?:for[ ])?)?{_PORTFOLIO_WORD}(?:(?:,[ ]|[ ]and[ ]|[ ]&[ ]){_PORTFOLIO_WORD})*)"
ROLE = rf"(?i:(?:{_ROLE_MODIFIER}[ ]){{0,4}}{_ROLE_HEAD}){_PORTFOLIO}?"
_TITLED = re.compile(rf"(?<![\w\-])(?P<role>{ROLE})[ ](?P<name>{NAME})")
# The name in apposition after the office: "Australia's High Commissioner to India, Mark Pellow, said".
_TITLE_COMMA_NAME = re.compile(
    rf"(?<![\w\-])(?P<role>{ROLE}(?:[ ](?:to|in|at)[ ](?:the[ ])?[{UPPER}][\w\-]*(?:[ ][{UPPER}][\w\-]*){{0,2}})?),[ ]"
    rf"(?P<name>{NAME})(?=[,.;]|[ ](?:said|says|told|added|stressed|noted|warned|stated)\b|$)"
)
_HONORIFIC = re.compile(rf"(?<!\w)(?P<title>Mr|Mrs|Ms|Dr|Sir|Madam|Dame|Lord|Lady)\.?[ ](?P<name>{NAME})")

SPEECH_VERBS = (
    r"(?:said|says|told|added|stressed|noted|warned|stated|announced|emphasi[sz]ed|underlined|underscored|"
    r"highlighted|pointed[ ]out|asserted|insisted|argued|explained|claimed|reiterated|affirmed|confirmed|"
    r"maintained|observed|remarked|acknowledged|cautioned|wrote|posted|declared|vowed|tweeted|recalled|"
    r"hoped|expressed|urged|welcomed|called|described|mentioned|replied|responded|told[ ]reporters)"
)
_NAME_SAID = re.compile(rf"(?<![\w\-])(?P<name>{NAME})(?:,[ ][^,.;:\"\u201c\u201d]{{3,80}},)?[ ]{SPEECH_VERBS}\b")
_SAID_NAME = re.compile(rf"\b(?:said|says|added|told|wrote)[ ](?P<name>{NAME})\b")
_APPOSITIVE = re.compile(
    rf"(?<![\w\-])(?P<name>{NAME}),[ ](?:(?:the|a|an)[ ])?(?P<affil>[{UPPER}][\w\-]*(?:[ ][{UPPER}][\w\-]*)?"
    rf"(?:{_APOSTROPHE}s)?[ ])?(?P<role>{ROLE})(?:[ ]of[ ](?P<of>[{UPPER}][\w\-]*(?:[ ][{UPPER}][\w\-]*)?))?,"
)

_BODY = re.compile(
    r"(?P<lower>(?i:(?:defen[cs]e|foreign|external[ ]affairs|foreign[ ]affairs|home|interior|finance|trade|"
    r"commerce|national[ ]defen[cs]e|armed[ ]forces)[ ](?:ministry|department)))"
    r"|(?P<named>Ministry[ ]of[ ](?:National[ ])?(?:Defen[cs]e|Foreign[ ]Affairs|External[ ]Affairs|Home[ ]Affairs|"
    r"Interior|Finance|Trade|Commerce|Armed[ ]Forces|Foreign[ ]Affairs[ ]and[ ]Trade|Defen[cs]e[ ]Production)"
    r"|Department[ ]of[ ](?:National[ ])?(?:Defen[cs]e|State|Homeland[ ]Security)"
    r"|Ministry[ ]of[ ]the[ ]Armed[ ]Forces)"
    r"|(?P<service>(?:Navy|Army|Air[ ]Force|Coast[ ]Guard|(?i:armed[ ]forces)|(?P<small>navy|army|air[ ]force|coast[ ]guard)|"
    r"Marine[ ]Corps|Border[ ]Guard|"
    r"Space[ ]Force|Defen[cs]e[ ]Forces|Ground[ ]Forces|Marines)\b(?![ ](?i:minister|ministry|secretary|chief|commander|spokes)))"
    r"|(?P<mission>(?i:embassy|high[ ]commission|consulate))\b"
)
_COMPANY_NOUN = re.compile(
    rf"(?i:(?:defen[cs]e|arms|drone|aerospace|state-owned|state-run|private|technology|tech|shipbuilding)[ ])?"
    rf"(?i:firm|company|manufacturer|maker|shipbuilder|contractor|giant|conglomerate|group)[ ]"
    rf"(?P<name>[{UPPER}][\w&\-]*(?:[ ][{UPPER}][\w&\-]*){{0,3}})"
)
_COMPANY_SUFFIX = re.compile(
    rf"(?<![\w\-])(?P<name>(?:[{UPPER}][\w&\-]*[ ]){{1,3}}(?:Ltd|Limited|Inc|Corp|Corporation|Industries|Aerospace|"
    rf"Electronics|Dynamics|Technologies|Shipyards?|Shipbuilding|Holdings|Systems|Group|Motors|Engineering|AG|"
    rf"plc|PLC|GmbH|ASA)\b\.?)"
)
_NOT_COMPANY_START = {
    "The", "Air", "Missile", "Weapon", "Weapons", "Defence", "Defense", "Ministry", "Joint", "Working", "Strike",
    "Carrier", "Contact", "Battle", "Task", "Expert", "Steering", "Advisory", "Coordination", "Monitoring",
    "National", "Integrated", "Space", "Unmanned", "Naval", "Army", "Regional", "High", "Level", "Special",
    "Study", "Friendship", "Parliamentary", "Eminent", "A", "An", "This", "That", "Its", "Their",
}

# Capitalised words that are never part of a person's name.
_NOT_NAME = {
    "The", "A", "An", "And", "Or", "But", "In", "On", "At", "Of", "For", "With", "By", "To", "From", "As", "It",
    "He", "She", "They", "We", "I", "This", "That", "These", "Those", "His", "Her", "Their", "Our", "Its",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
    "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    "Assembly", "Staff", "Council", "Committee", "Commission", "Ministry", "Department", "Office", "Forces",
    "Army", "Navy", "Command", "Affairs", "Defence", "Defense", "Security", "Union", "Nations", "States",
    "Government", "Parliament", "House", "Agency", "Service", "Minister", "Ministers", "President", "Secretary",
    "General", "Chief", "Director", "Group", "Summit", "Dialogue", "Partnership", "Agreement", "Treaty",
    "Cooperation", "Force", "Guard", "Corps", "Based", "Report", "Also", "After", "During", "While", "When",
    "Under", "Both", "All", "Some", "Many", "Several", "New", "Indo-Pacific", "Sea", "Ocean", "Strait", "Gulf",
    "Structured", "Permanent", "Defence", "Production", "Space", "Industry", "State", "Foreign", "External",
    "Republic", "Kingdom", "Federation", "Organisation", "Organization", "Project", "Programme", "Program",
    "Operation", "Exercise", "Prime", "Deputy", "Vice", "Admiral", "Marshal", "Colonel", "Captain", "Mr", "Mrs",
    "Ms", "Dr", "Sir", "Speaking", "According", "Meanwhile", "However", "Earlier", "Later", "Last", "Next",
    "Photo", "File", "Read", "Watch", "Also", "Delhi", "Home", "Interior", "Finance", "Trade", "Commerce",
}
_RANK_PREFIX = {"Gen", "Gen.", "General", "Lt", "Lt.", "Adm", "Adm.", "Admiral", "Col", "Col.", "Capt", "Capt.",
                "Brig", "Brig.", "Maj", "Maj.", "Air", "Vice", "Rear"}
# Cheap anchors, searched in the lower-cased text; the full patterns run only in windows around them.
_HEAD_ANCHOR = re.compile(
    r"\b(?:counterpart|minister|secretary|president|commissioner|chancellor|premier|ambassador|envoy|representative|spokes\w+|"
    r"director|chair\w*|chief|commander|general|gen|admiral|adm|marshal|colonel|col|captain|capt|brigadier|brig|"
    r"governor|senator|king|queen|prince|emir|sheikh|sultan|ceo|head|advis[eo]r|attach\w|undersecretary|"
    r"under-secretary|vice-president|leader)\b"
)
_COMMA_AFTER_HEAD = re.compile(r"(?:[ ](?:to|in|at)[ ](?:the[ ])?[\w\-]+(?:[ ][\w\-]+){0,2})?,[ ]")
_BODY_ANCHOR = re.compile(r"ministry|department|navy|army|air force|coast guard|forces|marine|border guard|embassy|"
                          r"high commission|consulate")
_COMPANY_ANCHOR = re.compile(
    r"\b(?:firm|company|manufacturer|maker|shipbuilder|contractor|giant|conglomerate|group)\b"
)
_SPACE = re.compile(r"\s")


def _anchored(pattern: re.Pattern[str], anchor: re.Pattern[str] | list[re.Match[str]], text: str, low: str,
              before: int, after: int) -> list[re.Match[str]]:
    """Matches of `pattern` that contain a hit of `anchor` (a pattern, or its hits), searching only windows."""
    seen: set[tuple[int, int]] = set()
    found: list[re.Match[str]] = []
    for hit in anchor if isinstance(anchor, list) else anchor.finditer(low):
        start = max(0, hit.start() - before)
        space = _SPACE.search(text, min(len(text), hit.end() + after))
        end = space.start() if space else len(text)
        for match in pattern.finditer(text, start, end):
            if match.start() <= hit.start() < match.end() and match.span() not in seen:
                seen.add(match.span())
                found.append(match)
    found.sort(key=lambda m: m.start())
    return found


_FEMALE_TITLES = {"Mrs", "Ms", "Madam", "Dame", "Lady", "Queen"}
_MALE_TITLES = {"Mr", "Sir", "Lord", "King"}
_PRONOUN = re.compile(r"\b(?P<p>she|her|hers|herself|he|his|him|himself)\b", re.IGNORECASE)
_LOCATIVE_BEFORE = re.compile(
    r"(?:\b(?:in|at|to|from|near|into|via|outside|inside|around|across|through|towards?|visit|visits|visited|"
    r"visiting|reached|arrived|of|stops?|tour|trip|held|hosted|hosting|host|based)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)


@dataclass
class Entity:
    name: str
    kind: str                       # a PartyKind value
    code: str | None = None         # ISO alpha-3 (countries) or of the country acted for
    role: str | None = None
    affiliation: str | None = None  # another entity's name
    forms: list[str] = field(default_factory=list)
    mentions: list[tuple[int, int]] = field(default_factory=list)
    gender: str | None = None       # "f" or "m" when the article shows it

    def add(self, start: int, end: int, form: str | None) -> None:
        if (start, end) not in self.mentions:
            self.mentions.append((start, end))
        if form and form not in self.forms:
            self.forms.append(form)

    @property
    def first(self) -> int:
        return min(s for s, _ in self.mentions) if self.mentions else 1 << 30


@dataclass
class Cast:
    """Everyone the article names, by canonical name, with an index of mentions in text order."""

    entities: dict[str, Entity] = field(default_factory=dict)
    home: str | None = None         # ISO alpha-3 of the dateline country

    def get(self, name: str, kind: str, code: str | None = None) -> Entity:
        entity = self.entities.get(name)
        if entity is None:
            entity = self.entities[name] = Entity(name=name, kind=kind, code=code)
        return entity

    def mentions(self, kinds: tuple[str, ...] | None = None) -> list[tuple[int, int, Entity]]:
        found = [
            (s, e, ent) for ent in self.entities.values() if kinds is None or ent.kind in kinds
            for s, e in ent.mentions
        ]
        found.sort(key=lambda m: m[0])
        return found

    def country(self, code: str | None) -> Entity | None:
        """The country entity for an ISO code, created (unmentioned) if the article only implies it."""
        if not code:
            return None
        return self.get(COUNTRY_NAME[code], "country", code)

    def person_named(self, phrase: str) -> Entity | None:
        """The person a name or surname in the phrase refers to (the longest form found wins)."""
        best: tuple[int, Entity] | None = None
        for entity in self.entities.values():
            if entity.kind != "person":
                continue
            for form in (entity.name, *entity.forms, surname(entity.name)):
                if form and _contains_words(phrase, form) and (best is None or len(form) > best[0]):
                    best = (len(form), entity)
        return best[1] if best else None


def _contains_words(phrase: str, form: str) -> bool:
    at = phrase.lower().find(form.lower())
    while at >= 0:
        end = at + len(form)
        if (at == 0 or not phrase[at - 1].isalnum()) and (end == len(phrase) or not phrase[end].isalnum()):
            return True
        at = phrase.lower().find(form.lower(), at + 1)
    return False


def surname(name: str) -> str:
    """'Ursula von der Leyen' -> 'von der Leyen'; 'S Jaishankar' -> 'Jaishankar'."""
    words = name.split()
    if len(words) < 2:
        return ""
    for i, word in enumerate(words[1:-1], start=1):
        if re.fullmatch(_PARTICLE, word):
            return " ".join(words[i:])
    return words[-1]


def _clean_name(raw: str) -> str | None:
    """A person's name from a matched run of capitalised words, or None if it is not one."""
    words = raw.split()
    while words and (words[-1] in _NOT_NAME or words[-1].rstrip(".") in _NOT_NAME):
        words.pop()
    while words and words[0] in _NOT_NAME:
        words.pop(0)
    if len(words) >= 3 and words[0] in _RANK_PREFIX:
        words.pop(0)
    if not words or any(w in ENTRIES or w.rstrip(".") in ENTRIES for w in words):
        return None
    if len(words) == 1 and (len(words[0]) < 3 or words[0].isupper()):
        return None
    if not any(c.islower() for w in words for c in w):
        return None
    return " ".join(words)


def _affiliation_before(hits_by_end: dict[int, Hit], text: str, start: int) -> Hit | None:
    """The gazetteer name just before `start`: "India's ", "Indonesian ", "EU ", "the alliance's "."""
    for gap in (1, 3):
        hit = hits_by_end.get(start - gap)
        if hit is None:
            continue
        between = text[hit.end:start]
        if (gap == 1 and between == " ") or (gap == 3 and re.fullmatch(rf"{_APOSTROPHE}s ", between)):
            return hit
    return None


def _role_affiliation(hit: Hit | None) -> tuple[str | None, str | None, bool]:
    """(affiliation name, ISO code, whether the role keeps the prefix) for a name before a role."""
    if hit is None:
        return None, None, False
    entry = hit.entry
    if entry.kind in ("country", "demonym", "capital") and entry.code:
        return entry.name, entry.code, False
    if entry.kind in ("org", "body", "company"):
        return entry.name, entry.code, True
    return None, None, False


def find_parties(doc: Doc, dateline_code: str | None) -> Cast:
    text = doc.text
    cast = Cast(home=dateline_code)
    hits = scan(text)
    hits_by_end = {h.end: h for h in hits}
    hits_by_start = {h.start: h for h in hits}
    taken: list[tuple[int, int]] = []

    # Gazetteer names. A capital counts only where it acts for its government ("Manila hoped").
    dateline_end = doc.sentences[0][0] + text[doc.sentences[0][0]:doc.sentences[0][1]].find(":") + 1 \
        if doc.sentences else 0
    for hit in hits:
        entry = hit.entry
        if entry.kind == "none":
            continue
        if entry.kind == "capital":
            before = text[max(0, hit.start - 30):hit.start]
            if hit.start < dateline_end or _LOCATIVE_BEFORE.search(before) or text.startswith("-based", hit.end):
                continue
        entity = cast.get(entry.name, entry.party_kind, entry.code)
        form = None if entry.kind == "demonym" else hit.form
        entity.add(hit.start, hit.end, form)
        if entry.kind in ("body", "company") and entry.code and not entity.affiliation:
            entity.affiliation = COUNTRY_NAME[entry.code]
        if entry.name in PARENT_OF:
            entity.affiliation = PARENT_OF[entry.name]

    def person(name: str, start: int, end: int, role: str | None, affiliation: str | None,
               code: str | None, gender: str | None = None) -> Entity:
        entity = cast.entities.get(name)
        if entity is None:
            # "Von der Leyen" after "Ursula von der Leyen": the same person.
            entity = cast.person_named(name) if len(name.split()) == 1 or name[0].isupper() else None
            if entity is not None and not (surname(entity.name).lower() == name.lower()
                                           or entity.name.lower().endswith(name.lower())):
                entity = None
        if entity is None:
            entity = cast.get(name, "person", code)
        entity.add(start, end, name)
        entity.role = entity.role or role
        entity.affiliation = entity.affiliation or affiliation
        entity.code = entity.code or code
        entity.gender = entity.gender or gender
        taken.append((start, end))
        return entity

    low = text.lower()
    heads = list(_HEAD_ANCHOR.finditer(low))
    titled = _anchored(_TITLED, heads, text, low, 90, 110)
    before_comma = [h for h in heads if _COMMA_AFTER_HEAD.match(low, h.end())]
    titled += _anchored(_TITLE_COMMA_NAME, before_comma, text, low, 90, 150) if before_comma else []
    for match in titled:
        name = _clean_name(match.group("name"))
        if not name:
            continue
        role = " ".join(match.group("role").split())
        counterpart = role.lower() == "counterpart"  # "his Australian counterpart X": an office, but not named
        name_start = match.start("name") + match.group("name").find(name)
        affil_hit = _affiliation_before(hits_by_end, text, match.start())
        inner = hits_by_start.get(match.start()) or next(
            (h for h in hits if h.start < match.start() < h.end), None)
        if affil_hit is None and inner is not None and inner.end < match.end("role"):
            # "Union Defence Minister": a modifier that names a party is the affiliation, not the role.
            affil_hit = inner
            role = " ".join(text[inner.end:match.end("role")].split())
            if not role:
                continue
        if affil_hit is None:
            # "China's foreign ministry spokeswoman Lin Mei": the country owns the office named in between.
            gap = _POSSESSIVE_GAP.search(text, max(0, match.start() - 50), match.start())
            owner = hits_by_end.get(gap.start()) if gap is not None else None
            if owner is not None and owner.entry.kind in ("country", "capital") and owner.entry.code:
                affil_hit = owner
        if affil_hit is None and (counterpart or role.lower() in _LOOSE_HEADS and not role[0].isupper()):
            continue  # a bare lower-case "head" or "president" before a capital is too often something else
        affiliation, code, keep_prefix = _role_affiliation(affil_hit)
        group = _GROUP_POSSESSIVE.search(text, max(0, match.start() - 30), match.start())
        if affil_hit is None and group is not None:
            org = _nearest_org(cast, match.start())
            if org is not None:
                affiliation, code, keep_prefix = org.name, None, False
                org.add(group.start("ref"), group.end("ref"), None)
                if group.group("ref") not in org.forms:
                    org.forms.append(group.group("ref"))
        if keep_prefix and affil_hit is not None:
            role = f"{affil_hit.form} {role}"
        elif affiliation is None and cast.home and _is_government_role(role):
            affiliation, code = COUNTRY_NAME[cast.home], cast.home
        if affil_hit is not None and affil_hit.entry.kind == "org" and affiliation:
            code = None
        person(name, name_start, name_start + len(name), None if counterpart else role, affiliation, code)

    for match in _APPOSITIVE.finditer(text):
        name = _clean_name(match.group("name"))
        if not name:
            continue
        affiliation = code = None
        affil_text = (match.group("affil") or "").strip()
        for candidate in (affil_text.rstrip("s").rstrip("'\u2019"), affil_text, match.group("of") or ""):
            entry = ENTRIES.get(candidate)
            if entry is not None and entry.kind != "none":
                affiliation, code = entry.name, entry.code
                break
        start = match.start("name") + match.group("name").find(name)
        person(name, start, start + len(name), " ".join(match.group("role").split()), affiliation, code)

    for match in _HONORIFIC.finditer(text):
        name = _clean_name(match.group("name"))
        if name:
            title = match.group("title")
            gender = "f" if title in _FEMALE_TITLES else "m" if title in _MALE_TITLES else None
            start = match.start("name") + match.group("name").find(name)
            person(name, start, start + len(name), None, None, None, gender)

    for pattern in (_NAME_SAID, _SAID_NAME):
        for match in pattern.finditer(text):
            raw = match.group("name")
            name = _clean_name(raw)
            if not name:
                continue
            start = match.start("name") + raw.find(name)
            if any(s <= start < e for s, e in taken):
                continue
            known = cast.person_named(name)
            if known is None and len(name.split()) < 2:
                continue
            person(name if known is None else name, start, start + len(name), None, None, None)

    _find_bodies(doc, cast, hits_by_end)
    _find_companies(text, cast, hits_by_end)
    _surname_mentions(text, cast)
    _later_mentions(text, cast)
    _genders(doc, cast)
    return cast


def _later_mentions(text: str, cast: Cast) -> None:
    """A firm or body found once by its noun ("firm Nordic Munitions") is named again bare later on."""
    for entity in list(cast.entities.values()):
        if entity.kind not in ("company", "government_body"):
            continue
        for form in {entity.name, *entity.forms}:
            if len(form) < 4 or not form[0].isupper():
                continue
            at = text.find(form)
            while at >= 0:
                end = at + len(form)
                bounded = (at == 0 or not text[at - 1].isalnum()) and (end == len(text) or not text[end].isalnum())
                if bounded and not any(s <= at < e for s, e in entity.mentions):
                    entity.add(at, end, None)
                at = text.find(form, end)


_POSSESSIVE_GAP = re.compile(rf"{_APOSTROPHE}s[ ](?:[a-z][\w\-]*[ ]){{1,3}}$")
_LOOSE_HEADS = {"head", "leader", "chief", "general", "president", "prince", "commander", "director", "captain"}
# "the alliance's Deputy Secretary General": the organisation last named.
_GROUP_POSSESSIVE = re.compile(
    rf"(?P<ref>the[ ](?:alliance|bloc|union|organisation|organization|grouping)){_APOSTROPHE}s[ ]$", re.IGNORECASE
)


def _nearest_org(cast: Cast, pos: int) -> Entity | None:
    best: tuple[int, Entity] | None = None
    for entity in cast.entities.values():
        if entity.kind == "international_organization":
            before = [s for s, _ in entity.mentions if s < pos]
            if before and (best is None or max(before) > best[0]):
                best = (max(before), entity)
    return best[1] if best else None


def _is_government_role(role: str) -> bool:
    low = role.lower()
    return any(word in low for word in ("minister", "secretary", "president", "ambassador", "chief of",
                                        "general", "admiral", "spokes", "envoy", "chancellor", "premier"))


_MODIFIERS_BEFORE = re.compile(rf"(?:[{UPPER}][\w\-]+[ ]){{1,2}}$")


def _find_bodies(doc: Doc, cast: Cast, hits_by_end: dict[int, Hit]) -> None:
    text = doc.text
    for match in _anchored(_BODY, _BODY_ANCHOR, text, text.lower(), 45, 60):
        body_start = match.start()
        affil = _affiliation_before(hits_by_end, text, body_start)
        if affil is None:
            # "Switzerland's Federal Department of Defence": the country's name before the body's own modifiers.
            words = _MODIFIERS_BEFORE.search(text, max(0, body_start - 40), body_start)
            if words is not None and words.group().split()[0] not in _NOT_NAME:
                affil = _affiliation_before(hits_by_end, text, words.start())
                if affil is not None and affil.entry.kind in ("country", "demonym"):
                    body_start = words.start()
        surface = text[body_start:match.end()]
        code = affil.entry.code if affil is not None and affil.entry.kind in ("country", "demonym") else None
        if match.group("service") or match.group("mission"):
            if code is None:
                continue  # "the Army", "the embassy" with no country: too vague to be a party of its own
            if match.group("small") and not re.match(rf"{_APOSTROPHE}s ", text[affil.end:body_start]):
                continue  # "the Italian navy visit" is a visit; "China's coast guard" is the service
        if code is None:
            code = _nearest_country(doc, cast, match.start())
        if code is None:
            continue
        start = affil.start if affil is not None and affil.entry.kind in ("country", "demonym") else body_start
        known = cast.entities.get(surface)
        if known is not None and known.kind == "government_body" and known.code == code:
            name = surface  # a body the gazetteer knows ("Ministry of External Affairs"), here with its country
        elif start != body_start:
            name = " ".join(text[start:match.end()].split())  # the article's own "Philippine Navy"
        else:
            name = f"{DEMONYM_OF.get(code, COUNTRY_NAME[code])} {surface}"
        entity = cast.get(name, "government_body", code)
        entity.affiliation = COUNTRY_NAME[code]
        cast.country(code)
        entity.add(start, match.end(), text[start:match.end()])
        possessive = re.search(rf"{_APOSTROPHE}s ", text[start:body_start]) is not None
        if start != body_start and (possessive or not (match.group("service") or match.group("mission"))):
            # "Indonesia's armed forces" is also "armed forces": a form without the apostrophe, which the
            # shared name search can find (see the report on core.grounding._name_pattern).
            entity.add(body_start, match.end(), surface)
        elif start == body_start:
            entity.forms.append(surface) if surface not in entity.forms else None
            before = text[max(0, match.start() - 4):match.start()]
            if before.lower() == "the ":
                entity.forms.append(f"{before}{surface}") if f"{before}{surface}" not in entity.forms else None


def _nearest_country(doc: Doc, cast: Cast, pos: int) -> str | None:
    """For "the defence ministry said": the country of the nearest office-holder or body before it, else the dateline's."""
    best: tuple[int, str] | None = None
    for entity in cast.entities.values():
        if entity.code and (entity.kind == "person" and entity.role or entity.kind == "government_body"):
            before = [s for s, _ in entity.mentions if s < pos]
            if before and (best is None or max(before) > best[0]):
                best = (max(before), entity.code)
    if best is not None:
        return best[1]
    return cast.home


def _find_companies(text: str, cast: Cast, hits_by_end: dict[int, Hit]) -> None:
    for match in _anchored(_COMPANY_NOUN, _COMPANY_ANCHOR, text, text.lower(), 45, 60):
        raw = match.group("name")
        words = raw.split()
        while words and words[-1] in _NOT_NAME:
            words.pop()
        if not words or words[0] in _NOT_NAME or raw in ENTRIES and ENTRIES[raw].kind != "company":
            continue
        name = " ".join(words)
        affil = _affiliation_before(hits_by_end, text, match.start())
        code = affil.entry.code if affil is not None and affil.entry.kind in ("country", "demonym") else None
        known = ENTRIES.get(name)
        entity = cast.get(known.name if known else name, "company", code or (known.code if known else None))
        entity.add(match.start("name"), match.start("name") + len(name), name)
        if entity.code and not entity.affiliation:
            entity.affiliation = COUNTRY_NAME[entity.code]
    for match in _COMPANY_SUFFIX.finditer(text):
        name = match.group("name").rstrip(".")
        words = name.split()
        if words[0] in _NOT_COMPANY_START or words[0] in ENTRIES or any(w in _NOT_NAME for w in words[:-1]):
            continue
        if name in cast.entities or any(name in e.forms for e in cast.entities.values()):
            continue
        entity = cast.get(name, "company")
        entity.add(match.start("name"), match.start("name") + len(name), name)


def _surname_mentions(text: str, cast: Cast) -> None:
    """Later mentions by surname ("Brekelmans", "Von der Leyen"), as aliases and mentions."""
    low = text.lower()
    for entity in list(cast.entities.values()):
        if entity.kind != "person":
            continue
        last = surname(entity.name)
        if not last or len(last) < 3:
            continue
        key = last.lower()
        at = low.find(key)
        while at >= 0:
            end = at + len(key)
            found = text[at:end]
            bounded = (at == 0 or not (low[at - 1].isalnum() or low[at - 1] == "-")) and \
                (end == len(text) or not (low[end].isalnum() or low[end] == "-"))
            if bounded and found[0].isupper() and not any(s <= at < e for s, e in entity.mentions):
                entity.add(at, end, found)
            at = low.find(key, end)


def _genders(doc: Doc, cast: Cast) -> None:
    """His/her right after a person's mention, in the same sentence, tells the person's gender."""
    people = cast.mentions(("person",))
    if not people:
        return
    for pronoun in _PRONOUN.finditer(doc.text):
        if re.search(r"[\"\u201d\u2019']\s*,?\s*$", doc.text[max(0, pronoun.start() - 4):pronoun.start()]):
            continue  # '," she said': the pronoun is the attribution, and the nearest name may be inside the quote
        sentence = doc.sentences[doc.sentence_index(pronoun.start())]
        before = {id(m[2]): m[2] for m in people if sentence[0] <= m[0] < pronoun.start()}
        if len(before) != 1:
            continue  # "X, who met Y, said his country ...": with two people before it, whose is unclear
        entity = next(iter(before.values()))
        if entity.gender is None:
            entity.gender = "f" if pronoun.group("p").lower().startswith(("she", "her")) else "m"
