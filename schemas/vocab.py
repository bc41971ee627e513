"""The controlled vocabularies of the record contract, each defined once.

Every member carries a one-line definition. The prompt, the JSON Schema and the
docs are all rendered from these classes, so a definition changed here changes
everywhere at once.
"""

from __future__ import annotations

from enum import Enum


class Vocabulary(str, Enum):
    """A string enum whose members carry a one-line definition."""

    definition: str

    def __new__(cls, value: str, definition: str) -> "Vocabulary":
        member = str.__new__(cls, value)
        member._value_ = value
        member.definition = definition
        return member

    def __str__(self) -> str:
        return self.value

    @classmethod
    def glossary(cls) -> list[tuple[str, str]]:
        """(value, definition) pairs in declaration order, for prompts and docs."""
        return [(member.value, member.definition) for member in cls]


class PartyKind(Vocabulary):
    COUNTRY = "country", "sovereign state"
    INTERNATIONAL_ORGANIZATION = "international_organization", "body of states (EU, NATO, UN)"
    GOVERNMENT_BODY = "government_body", "ministry, agency, commission, armed service"
    PERSON = "person", "individual"
    COMPANY = "company", "firm, manufacturer"
    ARMED_GROUP = "armed_group", "non-state armed group"
    OTHER = "other", "other actor"


class Involvement(Vocabulary):
    PARTICIPANT = "participant", "acts in the story"
    MENTIONED = "mentioned", "referenced only"


class TopicCategory(Vocabulary):
    DEFENCE_COOPERATION = "defence_cooperation", "defence ties, dialogues"
    TERRORISM = "terrorism", "incl. counter-terrorism"
    MARITIME_SECURITY = "maritime_security", "at sea, naval"
    CYBER_SECURITY = "cyber_security", "cyber attacks and defence"
    SPACE_SECURITY = "space_security", "space assets and uses"
    DRONES_UAV = "drones_uav", "unmanned systems"
    AIR_AND_MISSILE_DEFENCE = "air_and_missile_defence", "air and missile threats"
    DEFENCE_INDUSTRY = "defence_industry", "co-production, industrial ties"
    ARMS_PROCUREMENT = "arms_procurement", "buying or transferring weapons"
    INFORMATION_SHARING = "information_sharing", "intelligence exchange"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "energy, transport, networks"
    EMERGING_TECHNOLOGIES = "emerging_technologies", "AI, quantum, chips"
    MILITARY_EXERCISES = "military_exercises", "joint drills, training"
    HYBRID_THREATS = "hybrid_threats", "disinformation, coercion"
    NUCLEAR_CBRN = "nuclear_cbrn", "nuclear, chemical, biological"
    BORDER_SECURITY = "border_security", "borders, territory"
    REGIONAL_STABILITY = "regional_stability", "regional conflict, balance"
    ECONOMIC_SECURITY = "economic_security", "supply chains, coercion"
    OTHER = "other", "other security topic"


class QuoteKind(Vocabulary):
    DIRECT = "direct", "verbatim, marked or not"
    MIXED = "mixed", "reported speech with a quoted fragment"
    INDIRECT = "indirect", "paraphrase"


class Alignment(Vocabulary):
    EXACT = "exact", "found character for character"
    NORMALIZED = "normalized", "found after folding quotes, dashes, whitespace and case"
    FUZZY = "fuzzy", "found by fuzzy matching above the documented threshold"


class AgreementKind(Vocabulary):
    PARTNERSHIP = "partnership", "strategic or defence partnership"
    TREATY = "treaty", "formal treaty"
    MEMORANDUM_OF_UNDERSTANDING = "memorandum_of_understanding", "MoU, letter of intent"
    JOINT_DECLARATION = "joint_declaration", "joint statement"
    FRAMEWORK_AGREEMENT = "framework_agreement", "umbrella for later deals"
    PROCUREMENT_CONTRACT = "procurement_contract", "purchase or supply contract"
    PROGRAMME_PARTICIPATION = "programme_participation", "joining others' programme"
    COOPERATION_MECHANISM = "cooperation_mechanism", "standing dialogue, working group"
    OTHER = "other", "other agreement"


# From intent to effect, after PLOVER: exploring/proposed = AGREE, negotiating = CONSULT, signed = SUPPORT.
class AgreementStatus(Vocabulary):
    EXPLORING = "exploring", "intent to consider"
    PROPOSED = "proposed", "formally offered"
    NEGOTIATING = "negotiating", "in talks"
    AGREED = "agreed", "decided, not signed"
    SIGNED = "signed", "formally signed"
    IN_FORCE = "in_force", "in effect"
    REJECTED = "rejected", "declined or abandoned"
