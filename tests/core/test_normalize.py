import pytest

from extractor.core.grounding import Grounder, ground
from extractor.core.normalize import country_code, normalize, same_entity
from extractor.schemas import ExtractionResponse, PartyKind


@pytest.mark.parametrize(
    "name, code",
    [
        ("India", "IND"), ("The Netherlands", "NLD"), ("Türkiye", "TUR"), ("Turkey", "TUR"),
        ("South Korea", "KOR"), ("Russia", "RUS"), ("UK", "GBR"), ("United States", "USA"),
        ("European Union", None), ("EU", None), ("NATO", None), ("Atlantis", None),
    ],
)
def test_country_codes(name, code):
    assert country_code(name) == code


@pytest.mark.parametrize(
    "a, b, person, same",
    [
        ("EU", "European Union", False, True),
        ("Von der Leyen", "Ursula von der Leyen", True, True),
        ("Seth", "Sanjay Seth", True, True),
        ("Sanjay Seth", "Sanjay Singh", True, False),
        ("India", "Indian Navy", False, False),
    ],
)
def test_same_entity(a, b, person, same):
    assert same_entity(a, b, person=person) is same


def _normalize(text: str, payload: dict):
    response = ExtractionResponse.model_validate(payload)
    grounder = Grounder(text)
    return normalize(ground(response, grounder), text)


TEXT = (
    "The European Union (EU) is exploring a pact with India, Ursula von der Leyen said. "
    "\"Security matters,\" Von der Leyen said. Kubilius visited Delhi."
)


def test_duplicates_merge_and_references_resolve_to_ids():
    result = _normalize(TEXT, {
        "summary": "s",
        "parties": [
            {"name": "EU", "kind": "international_organization"},
            {"name": "European Union", "kind": "country"},
            {"name": "India", "kind": "country"},
            {"name": "Ursula von der Leyen", "kind": "person", "role": "President", "affiliation": "EU"},
            {"name": "Von der Leyen", "kind": "person"},
        ],
        "quotes": [{"speaker": "Von der Leyen", "text": "Security matters,", "kind": "direct", "cue": "said"}],
        "agreements": [{"name": "pact", "kind": "partnership", "parties": ["European Union", "India"],
                        "status": "exploring", "evidence": ["exploring a pact with India"]}],
    })
    names = {p.name: p for p in result.parties}
    assert set(names) == {"European Union", "India", "Ursula von der Leyen"}
    eu, india, vdl = names["European Union"], names["India"], names["Ursula von der Leyen"]
    assert eu.kind is PartyKind.INTERNATIONAL_ORGANIZATION and eu.country_code is None and "EU" in eu.aliases
    assert india.country_code == "IND"
    assert vdl.affiliation == eu.id and "Von der Leyen" in vdl.aliases
    assert result.quotes[0].speaker == vdl.id
    assert result.agreements[0].parties == [eu.id, india.id]
    assert [m.text for m in vdl.mentions] == ["Ursula von der Leyen", "Von der Leyen"]
    assert any("organisation, not a country" in w for w in result.warnings)


def test_unknown_speaker_becomes_a_party_with_a_warning():
    result = _normalize(TEXT, {
        "summary": "s",
        "quotes": [{"speaker": "Andrius Kubilius", "text": "Security matters,", "kind": "direct"}],
    })
    assert [p.name for p in result.parties] == ["Andrius Kubilius"]
    assert result.parties[0].kind is PartyKind.PERSON
    assert result.quotes[0].speaker == "P1"
    assert [m.text for m in result.parties[0].mentions] == ["Kubilius"]
    assert any("not among the parties" in w for w in result.warnings)


def test_country_names_from_the_model_resolve_to_iso_codes():
    result = _normalize("Poland and Türkiye met.", {
        "summary": "s",
        "parties": [{"name": "Turkey", "kind": "country", "aliases": ["Türkiye"]}, {"name": "Poland", "kind": "country"}],
    })
    assert {p.name: p.country_code for p in result.parties} == {"Turkey": "TUR", "Poland": "POL"}


def test_person_inherits_country_of_affiliation():
    result = _normalize("Rajnath Singh of India spoke.", {
        "summary": "s",
        "parties": [{"name": "Rajnath Singh", "kind": "person", "affiliation": "India"}],
    })
    singh = next(p for p in result.parties if p.name == "Rajnath Singh")
    assert singh.country_code == "IND"


def test_null_speaker_stays_null():
    result = _normalize(TEXT, {"summary": "s", "quotes": [{"speaker": None, "text": "Security matters,", "kind": "direct"}]})
    assert result.quotes[0].speaker is None and result.parties == []
