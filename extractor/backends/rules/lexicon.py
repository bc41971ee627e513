"""The gazetteer compiled for matching: one regex over every known name, and a dict from form to entry.

Built once at import from `extractor.schemas.gazetteer` and pycountry, so an
article costs one scan however many names there are.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pycountry

from extractor.schemas.gazetteer import (
    ARMED_GROUPS,
    CAPITALS,
    COMPANIES,
    COUNTRY_ALIASES,
    COUNTRY_SHORT_NAMES,
    DATELINE_CITIES,
    DEMONYMS,
    NAMED_BODIES,
    NOT_STATES,
    ORGANIZATIONS,
    ORGANIZATION_PARENTS,
)


class Entry(NamedTuple):
    """What a gazetteer form names. `kind` is country, demonym, capital, org, body, company, armed or none."""

    kind: str
    name: str            # canonical name of the party
    code: str | None     # ISO alpha-3 of the country, when there is one
    party_kind: str      # the PartyKind value of the party named


def _country_names() -> dict[str, str]:
    """Every written form of every country name -> ISO alpha-3."""
    forms: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value and "(" not in value:
                forms[value] = country.alpha_3
    for alias, code in COUNTRY_ALIASES.items():
        if alias.startswith("the "):
            continue
        if len(alias.replace(".", "")) <= 4 and " " not in alias and alias not in ("iran", "laos", "peru", "cuba"):
            written = alias.upper()
        else:
            written = " ".join(w if w in ("of", "the", "and") else w[:1].upper() + w[1:] for w in alias.split())
        forms.setdefault(written, code)
    return forms


COUNTRY_FORMS = _country_names()
COUNTRY_NAME: dict[str, str] = {}
for _form, _code in COUNTRY_FORMS.items():
    COUNTRY_NAME.setdefault(_code, _form)
for _country in pycountry.countries:
    COUNTRY_NAME[_country.alpha_3] = getattr(_country, "common_name", None) or _country.name
COUNTRY_NAME.update(COUNTRY_SHORT_NAMES)

# The adjective used to name a country's bodies ("Indian defence ministry").
DEMONYM_OF: dict[str, str] = {}
for _form, _code in DEMONYMS.items():
    DEMONYM_OF.setdefault(_code, _form)

ENTRIES: dict[str, Entry] = {}


def _add(form: str, entry: Entry) -> None:
    ENTRIES.setdefault(form, entry)


for _form in NOT_STATES:
    _add(_form, Entry("none", _form, None, "other"))
for _name, (_kind, _forms) in ORGANIZATIONS.items():
    for _form in _forms:
        _add(_form, Entry("org", _name, None, _kind))
for _form, _code in COUNTRY_FORMS.items():
    _add(_form, Entry("country", COUNTRY_NAME[_code], _code, "country"))
for _form, _code in DEMONYMS.items():
    _add(_form, Entry("demonym", COUNTRY_NAME[_code], _code, "country"))
for _form, _target in CAPITALS.items():
    if _target in ORGANIZATIONS:
        _add(_form, Entry("capital", _target, None, ORGANIZATIONS[_target][0]))
    else:
        _add(_form, Entry("capital", COUNTRY_NAME[_target], _target, "country"))
for _form, (_name, _code) in NAMED_BODIES.items():
    _add(_form, Entry("body", _name, _code, "government_body"))
for _form, (_name, _code) in COMPANIES.items():
    _add(_form, Entry("company", _name, _code, "company"))
for _form, _name in ARMED_GROUPS.items():
    _add(_form, Entry("armed", _name, None, "armed_group"))

_WORD = re.compile(r"\w+")
# Forms by their first word, longest first, so a scan looks up each word of the text once.
_BY_FIRST_WORD: dict[str, list[str]] = {}
for _form in sorted(ENTRIES, key=len, reverse=True):
    _BY_FIRST_WORD.setdefault(_WORD.match(_form).group(), []).append(_form)


class Hit(NamedTuple):
    start: int
    end: int
    form: str
    entry: Entry


def scan(text: str) -> list[Hit]:
    """Every gazetteer form in the text, longest first and without overlaps.

    Case matters: "US" is a country and "us" is not; "Polish" is, "polish" is not.
    """
    hits: list[Hit] = []
    last_end = 0
    for word in _WORD.finditer(text):
        start = word.start()
        if start < last_end:
            continue
        forms = _BY_FIRST_WORD.get(word.group())
        if not forms:
            continue
        for form in forms:
            end = start + len(form)
            if text.startswith(form, start) and (end == len(text) or not (text[end].isalnum() or text[end] == "_")):
                hits.append(Hit(start, end, form, ENTRIES[form]))
                last_end = end
                break
    return hits


def dateline_country(place: str | None) -> str | None:
    """ISO alpha-3 of the country a dateline such as "NEW DELHI" or "THE HAGUE" is in."""
    if not place:
        return None
    key = " ".join(place.split()).lower()
    for form, target in CAPITALS.items():
        if form.lower() == key:
            return target if target not in ORGANIZATIONS else None
    if key in DATELINE_CITIES:
        return DATELINE_CITIES[key]
    code = COUNTRY_ALIASES.get(key)
    if code:
        return code
    for form, code in COUNTRY_FORMS.items():
        if form.lower() == key:
            return code
    return None


PARENT_OF = ORGANIZATION_PARENTS
