"""The controlled vocabularies of the record contract, each defined once.

Every member carries a one-line definition. The prompt, the JSON Schema and the
docs are all rendered from these classes, so a definition changed here changes
everywhere at once. Below each vocabulary sit the other spellings models use
for its values ("MoU", "Defense Cooperation", "intl_org", "under negotiation");
`Vocabulary.parse` reads any of them.
"""

from __future__ import annotations

import re
from enum import Enum

# Spelling variants folded away before a lookup, so each synonym is written once.
_TOKEN_SPELLINGS = {
    "defense": "defence", "organisation": "organization", "organisations": "organization",
    "organizations": "organization", "program": "programme", "programs": "programme", "programmes": "programme",
    "cybersecurity": "cyber_security", "counterterrorism": "counter_terrorism", "the": "",
}
_SEPARATORS = re.compile(r"[\s\-/.,&+]+")


def fold_label(value: str) -> str:
    """'Defense Cooperation', 'defence-cooperation' and 'DEFENCE_COOPERATION' all become 'defence_cooperation'."""
    tokens = _SEPARATORS.sub("_", value.strip().lower()).split("_")
    return "_".join(t for t in (_TOKEN_SPELLINGS.get(token, token) for token in tokens) if t)


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

    @classmethod
    def parse(cls, value: object) -> "Vocabulary | None":
        """The member a model's spelling means (its value or a synonym, any case or separator), else None."""
        if isinstance(value, cls):
            return value
        if not isinstance(value, str):
            return None
        return _SPELLINGS.get(cls, {}).get(fold_label(value))

    @classmethod
    def fallback(cls) -> "Vocabulary | None":
        """The catch-all member ('other') an unknown value maps to, if the vocabulary has one."""
        return cls._value2member_map_.get("other")  # type: ignore[return-value]


# vocabulary -> folded spelling -> member; filled by _synonyms() below each vocabulary.
_SPELLINGS: dict[type[Vocabulary], dict[str, Vocabulary]] = {}


def _synonyms(vocabulary: type[Vocabulary], table: dict[str, tuple[str, ...]]) -> None:
    spellings = {fold_label(member.value): member for member in vocabulary}
    for value, variants in table.items():
        member = vocabulary(value)
        for variant in variants:
            spellings.setdefault(fold_label(variant), member)
    _SPELLINGS[vocabulary] = spellings


class PartyKind(Vocabulary):
    COUNTRY = "country", "sovereign state"
    INTERNATIONAL_ORGANIZATION = "international_organization", "body of states (EU, NATO, UN)"
    GOVERNMENT_BODY = "government_body", "ministry, agency, commission, armed service"
    PERSON = "person", "individual"
    COMPANY = "company", "firm, manufacturer"
    ARMED_GROUP = "armed_group", "non-state armed group"
    OTHER = "other", "other actor"


_synonyms(PartyKind, {
    "country": ("nation", "state", "sovereign state", "nation state", "nation-state", "government"),
    "international_organization": (
        "intl_org", "international org", "intergovernmental organization", "igo", "organization",
        "international body", "alliance", "bloc", "multilateral organization", "regional organization",
        "supranational organization", "international_organisation"),
    "government_body": (
        "ministry", "agency", "government agency", "department", "government department", "armed forces",
        "military", "armed service", "navy", "army", "air force", "coast guard", "commission", "parliament",
        "institution", "body", "government organization", "authority", "office", "council"),
    "person": ("individual", "people", "official", "politician", "leader", "minister", "human", "spokesperson"),
    "company": ("firm", "corporation", "business", "manufacturer", "contractor", "defence company",
                "enterprise", "corporate", "shipyard"),
    "armed_group": ("militia", "insurgent group", "terrorist group", "terrorist organization", "rebel group",
                    "militant group", "non-state armed group", "non-state actor", "insurgents", "rebels"),
})


class Involvement(Vocabulary):
    PARTICIPANT = "participant", "acts in the story"
    MENTIONED = "mentioned", "referenced only"


_synonyms(Involvement, {
    "participant": ("participating", "actor", "active", "involved", "main", "primary", "party", "direct"),
    "mentioned": ("mention", "referenced", "reference", "passive", "background", "secondary", "indirect", "other"),
})


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


_synonyms(TopicCategory, {
    "defence_cooperation": ("defence", "defence ties", "defence partnership", "military cooperation",
                            "security cooperation", "defence relations", "defence and security cooperation",
                            "bilateral defence cooperation", "strategic partnership", "defence diplomacy"),
    "terrorism": ("counter terrorism", "terror", "terrorist attacks", "extremism", "violent extremism"),
    "maritime_security": ("maritime", "naval", "navy", "sea", "maritime domain awareness", "naval cooperation",
                          "freedom of navigation", "maritime safety", "piracy"),
    "cyber_security": ("cyber", "cyber attacks", "cyber defence", "cyber threats", "cyberattacks", "cyber security"),
    "space_security": ("space", "space defence", "outer space", "satellites"),
    "drones_uav": ("drones", "drone", "uav", "uavs", "unmanned systems", "unmanned aerial vehicles", "uas"),
    "air_and_missile_defence": ("missile defence", "air defence", "ballistic missile defence", "missiles",
                                "air and missile"),
    "defence_industry": ("industry", "defence production", "co production", "coproduction", "industrial cooperation",
                         "defence industrial cooperation", "defence manufacturing", "joint production"),
    "arms_procurement": ("procurement", "arms sales", "arms trade", "weapons procurement", "acquisition",
                         "arms deals", "arms transfers", "military procurement", "defence procurement"),
    "information_sharing": ("intelligence", "intelligence sharing", "info sharing", "information exchange",
                            "data sharing"),
    "critical_infrastructure": ("infrastructure", "critical infrastructure protection", "undersea cables",
                                "energy security", "infrastructure security"),
    "emerging_technologies": ("technology", "emerging tech", "emerging technology", "ai",
                              "artificial intelligence", "quantum", "critical and emerging technologies",
                              "defence technology", "tech"),
    "military_exercises": ("exercises", "exercise", "joint exercises", "drills", "joint drills", "training",
                           "military exercise", "military training", "war games", "wargames"),
    "hybrid_threats": ("hybrid", "hybrid warfare", "disinformation", "information warfare", "grey zone",
                       "gray zone"),
    "nuclear_cbrn": ("nuclear", "cbrn", "non proliferation", "nonproliferation", "chemical weapons",
                     "nuclear security", "wmd"),
    "border_security": ("border", "borders", "territorial", "territorial integrity", "border management"),
    "regional_stability": ("regional security", "stability", "geopolitics", "regional", "security",
                           "indo pacific security", "regional conflict", "peace and security", "global security"),
    "economic_security": ("economic", "supply chain", "supply chains", "supply chain security",
                          "economic coercion", "trade security", "resilience"),
})


class QuoteKind(Vocabulary):
    DIRECT = "direct", "verbatim, marked or not"
    MIXED = "mixed", "reported speech with a quoted fragment"
    INDIRECT = "indirect", "paraphrase"


_synonyms(QuoteKind, {
    "direct": ("quote", "quoted", "verbatim", "direct quote", "direct speech", "full quote", "quotation",
               "exact"),
    "mixed": ("partial", "partial quote", "mixed quote", "fragment", "partially quoted", "semi direct"),
    "indirect": ("reported", "reported speech", "paraphrase", "paraphrased", "indirect quote",
                 "indirect speech", "summary", "summarised", "summarized"),
})


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


_synonyms(AgreementKind, {
    "partnership": ("pact", "strategic partnership", "defence partnership", "security partnership",
                    "security and defence partnership", "alliance", "comprehensive strategic partnership"),
    "treaty": ("convention", "accord", "defence treaty", "security treaty", "mutual defence treaty"),
    "memorandum_of_understanding": ("mou", "memorandum", "memorandum of agreement", "moa", "letter of intent",
                                    "loi", "memo of understanding", "declaration of intent"),
    "joint_declaration": ("joint statement", "declaration", "communique", "joint communique",
                          "statement of intent", "joint vision statement"),
    "framework_agreement": ("framework", "umbrella agreement", "roadmap", "general security agreement",
                            "framework for cooperation", "agreement", "cooperation agreement"),
    "procurement_contract": ("contract", "deal", "purchase", "purchase agreement", "procurement", "sale",
                             "arms deal", "supply contract", "supply agreement", "order", "acquisition"),
    "programme_participation": ("programme", "participation", "project participation", "joint programme",
                                "joining a programme", "membership"),
    "cooperation_mechanism": ("mechanism", "dialogue", "working group", "forum", "committee", "joint committee",
                              "consultations", "consultation mechanism", "task force", "hotline"),
})


# From intent to effect, after PLOVER: exploring/proposed = AGREE, negotiating = CONSULT, signed = SUPPORT.
class AgreementStatus(Vocabulary):
    EXPLORING = "exploring", "intent to consider"
    PROPOSED = "proposed", "formally offered"
    NEGOTIATING = "negotiating", "in talks"
    AGREED = "agreed", "decided, not signed"
    SIGNED = "signed", "formally signed"
    IN_FORCE = "in_force", "in effect"
    REJECTED = "rejected", "declined or abandoned"


_synonyms(AgreementStatus, {
    "exploring": ("explore", "exploratory", "considering", "under consideration", "considered", "discussed",
                  "discussing", "in discussion", "intent", "intended", "planned", "envisaged", "mooted", "idea",
                  "being explored", "potential", "possible", "prospective", "future"),
    "proposed": ("proposal", "propose", "offered", "offer", "pitched", "suggested", "put forward", "tabled"),
    "negotiating": ("negotiation", "negotiations", "negotiate", "under negotiation", "in negotiation",
                    "being negotiated", "ongoing", "talks", "in talks", "ongoing talks", "in progress",
                    "pending", "drafting", "under discussion"),
    "agreed": ("agree", "agreed in principle", "decided", "approved", "announced", "endorsed", "committed",
               "accepted", "to be signed", "will be signed"),
    "signed": ("sign", "inked", "sealed", "concluded", "finalized", "finalised", "executed", "completed",
               "done", "struck"),
    "in_force": ("in effect", "effective", "active", "implemented", "implementing", "being implemented",
                 "operational", "entered into force", "ratified", "existing", "established", "in place",
                 "ongoing implementation", "running", "renewed", "extended"),
    "rejected": ("reject", "declined", "abandoned", "cancelled", "canceled", "scrapped", "terminated",
                 "withdrawn", "suspended", "refused", "collapsed", "failed", "vetoed"),
})
