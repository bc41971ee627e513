"""Topics and agreements found by the rules backend."""

from __future__ import annotations

import pytest

from extractor.backends.rules import read_rules
from extractor.schemas import TopicCategory
from extractor.schemas.taxonomy import TAXONOMY


def topics(text: str) -> dict[str, list[str]]:
    return {t.category.value: t.evidence for t in read_rules(text).topics}


def agreements(text: str) -> list[tuple[str, str, list[str]]]:
    return [(a.kind.value, a.status.value, a.parties) for a in read_rules(text).agreements]


def test_taxonomy_covers_every_category_once():
    assert set(TAXONOMY) == set(TopicCategory)


def test_topic_evidence_is_the_sentence_that_names_it():
    text = "The talks were long. Both navies will hold joint drills near undersea cables. Nothing else was said."
    found = topics(text)
    assert found["military_exercises"] == ["Both navies will hold joint drills near undersea cables."]
    assert found["critical_infrastructure"] == ["Both navies will hold joint drills near undersea cables."]


def test_hyphens_and_spaces_are_the_same_and_acronyms_need_capitals():
    found = topics("Cyber-attacks rose. The UAV fleet grew. He said ai was overrated.")
    assert "cyber_security" in found and "drones_uav" in found
    assert "emerging_technologies" not in found


def test_weak_words_need_to_recur():
    assert "regional_stability" not in topics("The ministers discussed tensions.")
    assert "regional_stability" in topics("The ministers discussed tensions. Conflict in the region worried them.")


@pytest.mark.parametrize(
    "sentence, kind, status",
    [
        ("India and France signed a memorandum of understanding on drones.", "memorandum_of_understanding", "signed"),
        ("India and France inked a $2 billion deal for jets.", "procurement_contract", "signed"),
        ("India and France agreed to set up a joint working group.", "cooperation_mechanism", "agreed"),
        ("A treaty between India and France will be signed in May.", "treaty", "agreed"),
        ("India and France are negotiating a framework agreement.", "framework_agreement", "negotiating"),
        ("India and France held talks on a defence pact.", "partnership", "negotiating"),
        ("India proposed a strategic partnership to France.", "partnership", "proposed"),
        ("India and France are exploring a security partnership.", "partnership", "exploring"),
        ("The India-France defence treaty remains in force.", "treaty", "in_force"),
        ("India rejected a French proposal for a new agreement.", "other", "rejected"),
        ("India is considering participation in the French programme.", "programme_participation", "exploring"),
    ],
)
def test_status_from_the_cue_and_kind_from_the_noun(sentence, kind, status):
    [(got_kind, got_status, parties)] = agreements(sentence)
    assert (got_kind, got_status) == (kind, status)
    assert set(parties) == {"India", "France"}


def test_no_cue_no_agreement():
    assert agreements("Our strategic partnership with India is old. We deal with threats together.") == []


def test_comparisons_are_not_parties():
    text = "The EU is exploring a security and defence pact with India in line with its partnerships with Japan."
    [(kind, status, parties)] = agreements(text)
    assert (kind, status, parties) == ("partnership", "exploring", ["European Union", "India"])


def test_mentions_of_one_agreement_merge():
    text = ("Poland and Norway signed a memorandum of understanding on Monday.\n\n"
            "The MoU was signed in Oslo by both ministers. Under the memorandum, firms will cooperate.")
    assert agreements(text) == [("memorandum_of_understanding", "signed", ["Poland", "Norway"])]


def test_parties_of_an_agreement_come_from_the_people_acting_for_them():
    text = ("Spain's Defence Minister Ana Ruiz met Norway's Defence Minister Ola Berg.\n\n"
            "Ruiz and Berg explored a bilateral defence partnership.")
    [(kind, status, parties)] = agreements(text)
    assert (kind, status, set(parties)) == ("partnership", "exploring", {"Spain", "Norway"})


def test_a_bare_back_reference_merges_with_the_agreement_it_names():
    text = ("The EU is negotiating a new security agreement with Moldova, officials said. "
            "The pact could be signed before the summer.")
    assert agreements(text) == [("other", "negotiating", ["European Union", "Moldova"])]
