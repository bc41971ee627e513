"""Words and phrases that signal each security topic, beside the vocabulary they index.

One entry per TopicCategory, synonyms together. `strong` phrases mark a topic on
their own; `weak` ones are common words that do so only when the article uses
them (or any of the topic's phrases) at least twice. Phrases match whole words,
ignoring case, except ones written in capitals (acronyms such as "UAV"), which
match only in capitals.
"""

from __future__ import annotations

from typing import NamedTuple

from .vocab import TopicCategory


class TopicTerms(NamedTuple):
    strong: tuple[str, ...]
    weak: tuple[str, ...] = ()


TAXONOMY: dict[TopicCategory, TopicTerms] = {
    TopicCategory.DEFENCE_COOPERATION: TopicTerms(
        strong=("defence cooperation", "defense cooperation", "defence partnership", "defense partnership",
                "security and defence partnership", "security and defence cooperation",
                "defence and security cooperation", "defence ties", "defense ties", "military cooperation",
                "security cooperation", "defence relations", "defence dialogue", "defence collaboration",
                "military ties", "defence pact", "security pact", "security and defence pact",
                "strategic partnership", "bilateral defence", "defence engagement", "military-to-military"),
        weak=("security partnership", "cooperation in defence", "cooperation", "counterpart"),
    ),
    TopicCategory.TERRORISM: TopicTerms(
        strong=("cross-border terrorism", "terrorism", "terrorist", "terrorists", "terror attack", "terror attacks", "counter-terrorism",
                "counterterrorism", "terror", "jihadist", "extremist group", "militant group", "militants"),
        weak=("extremism", "insurgency", "insurgents"),
    ),
    TopicCategory.MARITIME_SECURITY: TopicTerms(
        strong=("maritime security", "maritime", "naval", "freedom of navigation", "sea lanes", "coast guard",
                "South China Sea", "East China Sea", "Red Sea", "Baltic Sea", "Black Sea", "piracy", "warship",
                "warships", "frigate", "frigates", "submarine", "submarines", "destroyer", "destroyers",
                "shipping lanes", "maritime domain awareness", "navies", "patrol vessels", "maritime patrols",
                "joint maritime patrols"),
        weak=("navy", "sea", "vessels", "undersea"),
    ),
    TopicCategory.CYBER_SECURITY: TopicTerms(
        strong=("cyber security", "cybersecurity", "cyber-security", "cyber-attack", "cyber-attacks",
                "cyberattack", "cyberattacks", "cyber attack", "cyber attacks", "cyber defence", "cyber defense",
                "cyber", "ransomware", "malware", "hackers", "hacking", "cyberspace"),
    ),
    TopicCategory.SPACE_SECURITY: TopicTerms(
        strong=("space security", "outer space", "satellite", "satellites", "space domain", "space-based",
                "anti-satellite", "space situational awareness", "Defence and Space",
                "space programme", "space assets", "space cooperation", "space agency"),
        weak=("space", "orbit"),
    ),
    TopicCategory.DRONES_UAV: TopicTerms(
        strong=("drone", "drones", "unmanned aerial", "UAV", "UAVs", "unmanned", "loitering munition",
                "loitering munitions", "counter-drone", "UAS", "uncrewed"),
    ),
    TopicCategory.AIR_AND_MISSILE_DEFENCE: TopicTerms(
        strong=("air defence", "air defense", "air-defence", "missile defence", "missile defense",
                "air and missile defence", "ballistic missile", "ballistic missiles", "interceptor",
                "interceptors", "S-400", "Iron Dome", "THAAD", "anti-aircraft", "surface-to-air",
                "cruise missile", "cruise missiles", "hypersonic", "missile shield", "Patriot missile",
                "Patriot system", "Patriot systems", "air defence systems"),
        weak=("missile", "missiles", "radar", "radars"),
    ),
    TopicCategory.DEFENCE_INDUSTRY: TopicTerms(
        strong=("defence industry", "defense industry", "defence industrial", "defense industrial",
                "defence-industrial", "defense-industrial", "co-production", "co-produce", "co-develop",
                "co-development", "joint production", "jointly develop", "jointly produce", "defence manufacturing",
                "defense manufacturing", "technology transfer", "transfer technology", "transfer of technology",
                "industrial cooperation", "defence companies", "defence firms", "defense companies",
                "production line", "Make in India", "defence production", "defence exports", "manufacture",
                "shipbuilder", "shipyard", "shipyards", "local assembly", "joint maintenance",
                "ammunition factory", "ammunition plant", "ammunition production", "munitions factory",
                "munitions plant", "munitions production", "arms factory", "production capacity",
                "joint venture", "jointly developed", "being developed by", "co-developed", "next-generation fighter",
                "series production", "assembly line", "assembly lines"),
        weak=("manufacturer", "manufacturing", "industrial", "factory", "factories"),
    ),
    TopicCategory.ARMS_PROCUREMENT: TopicTerms(
        strong=("procurement", "procure", "procured", "arms sale", "arms sales", "arms deal", "arms purchases",
                "fighter jets", "fighter jet", "military supply", "arms imports", "arms exports", "order for",
                "contract for", "purchase of", "acquisition of", "deliveries of",
                "delivery of", "howitzers", "Rafale", "F-35", "F-16", "battle tanks", "military hardware",
                "weapons systems", "weapon systems"),
        weak=("weapons", "jets", "aircraft", "acquire", "buy", "bought", "purchase", "contract", "contracts",
              "helicopters", "frigates", "launchers"),
    ),
    TopicCategory.INFORMATION_SHARING: TopicTerms(
        strong=("information sharing", "information-sharing", "intelligence sharing", "intelligence-sharing",
                "share intelligence", "sharing intelligence", "information exchange", "exchange of information",
                "exchange information", "share information", "sharing information", "sharing of information",
                "exchange intelligence", "sharing of intelligence", "share data", "data sharing"),
        weak=("intelligence",),
    ),
    TopicCategory.CRITICAL_INFRASTRUCTURE: TopicTerms(
        strong=("critical infrastructure", "undersea cables", "undersea cable", "subsea cables", "subsea cable",
                "power grid", "power grids", "energy infrastructure", "pipelines", "pipeline",
                "telecommunications networks", "critical infrastructures", "power plants"),
        weak=("infrastructure", "ports"),
    ),
    TopicCategory.EMERGING_TECHNOLOGIES: TopicTerms(
        strong=("emerging technologies", "emerging technology", "critical and emerging", "artificial intelligence",
                "AI", "quantum", "semiconductors", "semiconductor", "chips", "defence technology",
                "defense technology", "new technologies", "autonomous systems", "5G", "critical technologies",
                "advanced technologies"),
        weak=("technology", "technologies"),
    ),
    TopicCategory.MILITARY_EXERCISES: TopicTerms(
        strong=("military exercise", "military exercises", "joint exercise", "joint exercises", "naval exercise",
                "naval exercises", "joint drills", "drills", "war games", "wargames", "joint training",
                "joint patrols", "joint patrol", "maritime patrols", "joint maritime patrols", "manoeuvres", "maneuvers", "exercises"),
        weak=("exercise", "training"),
    ),
    TopicCategory.HYBRID_THREATS: TopicTerms(
        strong=("hybrid threats", "hybrid threat", "hybrid attacks", "hybrid warfare", "hybrid", "disinformation",
                "misinformation", "sabotage", "grey-zone", "gray-zone", "grey zone", "gray zone",
                "election interference", "foreign interference", "influence operations", "propaganda",
                "coercion", "coercive"),
    ),
    TopicCategory.NUCLEAR_CBRN: TopicTerms(
        strong=("nuclear", "chemical weapons", "biological weapons", "CBRN", "radiological", "uranium",
                "enrichment", "non-proliferation", "nonproliferation", "weapons of mass destruction",
                "nuclear-powered", "warhead", "warheads"),
    ),
    TopicCategory.BORDER_SECURITY: TopicTerms(
        strong=("border security", "border", "borders", "Line of Control", "Line of Actual Control", "LAC", "LoC",
                "territorial integrity", "incursion", "incursions", "frontier", "border guards",
                "border guard", "territorial disputes", "territorial claims"),
        weak=("territory", "sovereignty"),
    ),
    TopicCategory.REGIONAL_STABILITY: TopicTerms(
        strong=("regional stability", "regional security", "peace and stability", "stability in the region",
                "stability and security", "balance of power", "escalation", "war in Ukraine",
                "regional tensions", "stability in the Indo-Pacific", "security mission", "peacekeeping",
                "peacekeepers", "stabilisation mission", "stabilization mission", "peace support"),
        weak=("geopolitical", "tensions", "conflict", "security landscape", "security environment",
              "stability", "Indo-Pacific", "security challenges"),
    ),
    TopicCategory.ECONOMIC_SECURITY: TopicTerms(
        strong=("economic security", "supply chain", "supply chains", "supply-chain", "economic coercion",
                "critical minerals", "rare earths", "rare earth", "export controls", "sanctions",
                "economic resilience", "diversify its military supply", "diversify supply"),
        weak=("prosperity", "trade"),
    ),
    TopicCategory.OTHER: TopicTerms(strong=()),
}
