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
    COUNTRY = "country", "a sovereign state"
    INTERNATIONAL_ORGANIZATION = "international_organization", "an organisation of states (EU, NATO, UN)"
    GOVERNMENT_BODY = "government_body", "a ministry, agency, commission or armed service"
    PERSON = "person", "a named individual"
    COMPANY = "company", "a firm or manufacturer"
    ARMED_GROUP = "armed_group", "a non-state armed or terrorist group"
    OTHER = "other", "any other actor"


class Involvement(Vocabulary):
    PARTICIPANT = "participant", "acts in the story (meets, speaks, signs)"
    MENTIONED = "mentioned", "referenced only (a model, a tour stop)"


class TopicCategory(Vocabulary):
    DEFENCE_COOPERATION = "defence_cooperation", "defence ties, partnerships, dialogues"
    TERRORISM = "terrorism", "terrorism and counter-terrorism"
    MARITIME_SECURITY = "maritime_security", "security at sea, naval presence"
    CYBER_SECURITY = "cyber_security", "cyber-attacks and cyber defence"
    SPACE_SECURITY = "space_security", "security uses of space"
    DRONES_UAV = "drones_uav", "unmanned systems"
    AIR_AND_MISSILE_DEFENCE = "air_and_missile_defence", "air and missile defence"
    DEFENCE_INDUSTRY = "defence_industry", "industrial cooperation, co-production"
    ARMS_PROCUREMENT = "arms_procurement", "buying or transferring weapons"
    INFORMATION_SHARING = "information_sharing", "intelligence and information exchange"
    CRITICAL_INFRASTRUCTURE = "critical_infrastructure", "protecting energy, transport, networks"
    EMERGING_TECHNOLOGIES = "emerging_technologies", "AI, quantum, chips in security"
    MILITARY_EXERCISES = "military_exercises", "joint exercises and training"
    HYBRID_THREATS = "hybrid_threats", "disinformation, coercion, grey-zone"
    NUCLEAR_CBRN = "nuclear_cbrn", "nuclear, chemical, biological weapons"
    BORDER_SECURITY = "border_security", "borders and territorial integrity"
    REGIONAL_STABILITY = "regional_stability", "stability and conflict in a region"
    ECONOMIC_SECURITY = "economic_security", "supply chains, economic coercion"
    OTHER = "other", "any other security topic"


class QuoteKind(Vocabulary):
    DIRECT = "direct", "verbatim words, with or without quotation marks"
    MIXED = "mixed", "reported speech with a quoted fragment"
    INDIRECT = "indirect", "paraphrased reported speech"


class Alignment(Vocabulary):
    EXACT = "exact", "found character for character"
    NORMALIZED = "normalized", "found after folding quotes, dashes, whitespace and case"
    FUZZY = "fuzzy", "found by fuzzy matching above the documented threshold"


class AgreementKind(Vocabulary):
    PARTNERSHIP = "partnership", "a strategic, security or defence partnership"
    TREATY = "treaty", "a formal treaty"
    MEMORANDUM_OF_UNDERSTANDING = "memorandum_of_understanding", "an MoU or letter of intent"
    JOINT_DECLARATION = "joint_declaration", "a joint statement or declaration"
    FRAMEWORK_AGREEMENT = "framework_agreement", "an umbrella agreement for later deals"
    PROCUREMENT_CONTRACT = "procurement_contract", "a contract to buy or supply equipment"
    PROGRAMME_PARTICIPATION = "programme_participation", "joining a programme run by others"
    COOPERATION_MECHANISM = "cooperation_mechanism", "a standing dialogue or working group"
    OTHER = "other", "any other agreement"


class AgreementStatus(Vocabulary):
    """From intent to effect, after PLOVER: exploring/proposed = AGREE, negotiating = CONSULT, signed = SUPPORT."""

    EXPLORING = "exploring", "intent to consider it"
    PROPOSED = "proposed", "formally offered"
    NEGOTIATING = "negotiating", "in talks"
    AGREED = "agreed", "decision announced, not signed"
    SIGNED = "signed", "formally signed"
    IN_FORCE = "in_force", "in effect or being carried out"
    REJECTED = "rejected", "declined or abandoned"
