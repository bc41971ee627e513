"""Names of states and organisations, kept in one place for every stage that needs them.

`core/normalize.py` uses the country aliases and the organisation names to give
ISO codes and to tell organisations from countries; the rules backend uses all
of it to find parties in text. pycountry supplies the official names; these
tables add what news copy says instead: short forms, demonyms ("French"),
capitals used for their governments ("Manila said"), and organisations.
Keys of the lookup tables are lower case; surface forms in the lists are as
they are written.
"""

from __future__ import annotations

# What pycountry's lookup misses: short forms, older names and common usage (lower case -> ISO alpha-3).
COUNTRY_ALIASES: dict[str, str] = {
    "turkey": "TUR", "türkiye": "TUR", "turkiye": "TUR",
    "russia": "RUS", "russian federation": "RUS",
    "south korea": "KOR", "republic of korea": "KOR", "korea": "KOR", "rok": "KOR",
    "north korea": "PRK", "dprk": "PRK",
    "uk": "GBR", "u.k.": "GBR", "britain": "GBR", "great britain": "GBR", "united kingdom": "GBR",
    "us": "USA", "u.s.": "USA", "usa": "USA", "u.s.a.": "USA", "america": "USA",
    "united states": "USA", "united states of america": "USA",
    "holland": "NLD", "netherlands": "NLD", "the netherlands": "NLD",
    "czech republic": "CZE", "czechia": "CZE", "ivory coast": "CIV", "uae": "ARE", "emirates": "ARE",
    "united arab emirates": "ARE",
    "syria": "SYR", "laos": "LAO", "iran": "IRN", "vietnam": "VNM", "taiwan": "TWN",
    "palestine": "PSE", "vatican": "VAT", "macedonia": "MKD", "burma": "MMR", "swaziland": "SWZ",
    "moldova": "MDA", "bolivia": "BOL", "venezuela": "VEN", "tanzania": "TZA", "brunei": "BRN",
    "cape verde": "CPV", "east timor": "TLS", "timor-leste": "TLS", "philippines": "PHL",
    "democratic republic of congo": "COD", "drc": "COD", "republic of congo": "COG",
    "saudi": "SAU",
}

# The name a record uses for a country when the article gives only a demonym or a capital.
COUNTRY_SHORT_NAMES: dict[str, str] = {
    "USA": "United States", "GBR": "United Kingdom", "RUS": "Russia", "KOR": "South Korea",
    "PRK": "North Korea", "IRN": "Iran", "SYR": "Syria", "VNM": "Vietnam", "TWN": "Taiwan",
    "LAO": "Laos", "MDA": "Moldova", "BOL": "Bolivia", "VEN": "Venezuela", "TZA": "Tanzania",
    "BRN": "Brunei", "CZE": "Czech Republic", "PSE": "Palestine", "VAT": "Vatican",
    "COD": "Democratic Republic of the Congo", "FSM": "Micronesia", "NLD": "Netherlands",
    "TUR": "Türkiye", "CPV": "Cape Verde", "CIV": "Ivory Coast", "ARE": "United Arab Emirates",
    "PHL": "Philippines",
}

# Adjectives and nouns of nationality (as written) -> ISO alpha-3. "Korean" alone is left out: it is ambiguous.
DEMONYMS: dict[str, str] = {
    "Afghan": "AFG", "Albanian": "ALB", "Algerian": "DZA", "American": "USA", "Angolan": "AGO",
    "Argentine": "ARG", "Argentinian": "ARG", "Armenian": "ARM", "Australian": "AUS", "Austrian": "AUT",
    "Azerbaijani": "AZE", "Bahraini": "BHR", "Bangladeshi": "BGD", "Belarusian": "BLR", "Belgian": "BEL",
    "Bhutanese": "BTN", "Bolivian": "BOL", "Bosnian": "BIH", "Brazilian": "BRA", "British": "GBR",
    "Bruneian": "BRN", "Bulgarian": "BGR", "Burmese": "MMR", "Cambodian": "KHM", "Cameroonian": "CMR",
    "Canadian": "CAN", "Chadian": "TCD", "Chilean": "CHL", "Chinese": "CHN", "Colombian": "COL",
    "Croatian": "HRV", "Cuban": "CUB", "Cypriot": "CYP", "Czech": "CZE", "Danish": "DNK", "Dutch": "NLD",
    "Ecuadorian": "ECU", "Egyptian": "EGY", "Emirati": "ARE", "Eritrean": "ERI", "Estonian": "EST",
    "Ethiopian": "ETH", "Fijian": "FJI", "Filipino": "PHL", "Finnish": "FIN", "French": "FRA",
    "Georgian": "GEO", "German": "DEU", "Ghanaian": "GHA", "Greek": "GRC", "Hungarian": "HUN",
    "Icelandic": "ISL", "Indian": "IND", "Indonesian": "IDN", "Iranian": "IRN", "Iraqi": "IRQ",
    "Irish": "IRL", "Israeli": "ISR", "Italian": "ITA", "Ivorian": "CIV", "Japanese": "JPN",
    "Jordanian": "JOR", "Kazakh": "KAZ", "Kazakhstani": "KAZ", "Kenyan": "KEN", "Kuwaiti": "KWT",
    "Kyrgyz": "KGZ", "Laotian": "LAO", "Latvian": "LVA", "Lebanese": "LBN", "Libyan": "LBY",
    "Lithuanian": "LTU", "Luxembourgish": "LUX", "Malaysian": "MYS", "Maldivian": "MDV", "Malian": "MLI",
    "Maltese": "MLT", "Mauritian": "MUS", "Mexican": "MEX", "Moldovan": "MDA", "Mongolian": "MNG",
    "Montenegrin": "MNE", "Moroccan": "MAR", "Mozambican": "MOZ", "Namibian": "NAM", "Nepalese": "NPL",
    "Nepali": "NPL", "New Zealand": "NZL", "Nigerian": "NGA", "Nigerien": "NER", "North Korean": "PRK",
    "Norwegian": "NOR", "Omani": "OMN", "Pakistani": "PAK", "Palestinian": "PSE", "Peruvian": "PER",
    "Philippine": "PHL", "Polish": "POL", "Portuguese": "PRT", "Qatari": "QAT", "Romanian": "ROU",
    "Russian": "RUS", "Rwandan": "RWA", "Saudi": "SAU", "Saudi Arabian": "SAU", "Senegalese": "SEN",
    "Serbian": "SRB", "Singaporean": "SGP", "Slovak": "SVK", "Slovakian": "SVK", "Slovenian": "SVN",
    "Somali": "SOM", "South African": "ZAF", "South Korean": "KOR", "Spanish": "ESP", "Sri Lankan": "LKA",
    "Sudanese": "SDN", "Swedish": "SWE", "Swiss": "CHE", "Syrian": "SYR", "Taiwanese": "TWN",
    "Tajik": "TJK", "Tanzanian": "TZA", "Thai": "THA", "Tunisian": "TUN", "Turkish": "TUR",
    "Turkmen": "TKM", "Ugandan": "UGA", "Ukrainian": "UKR", "Uruguayan": "URY", "Uzbek": "UZB",
    "Venezuelan": "VEN", "Vietnamese": "VNM", "Yemeni": "YEM", "Zambian": "ZMB", "Zimbabwean": "ZWE",
    "Macedonian": "MKD",
}

# Capitals (and a few seats of government) -> ISO alpha-3, or an organisation's name for Brussels.
# A capital names its government only where it acts ("Manila hoped"), not where it is a place ("in Manila").
CAPITALS: dict[str, str] = {
    "Abu Dhabi": "ARE", "Abuja": "NGA", "Addis Ababa": "ETH", "Algiers": "DZA", "Amman": "JOR",
    "Ankara": "TUR", "Astana": "KAZ", "Athens": "GRC", "Baghdad": "IRQ", "Baku": "AZE", "Bangkok": "THA",
    "Beijing": "CHN", "Beirut": "LBN", "Belgrade": "SRB", "Berlin": "DEU", "Bern": "CHE",
    "Bratislava": "SVK", "Brasilia": "BRA", "Bucharest": "ROU", "Budapest": "HUN", "Buenos Aires": "ARG",
    "Cairo": "EGY", "Canberra": "AUS", "Colombo": "LKA", "Copenhagen": "DNK", "Damascus": "SYR",
    "Delhi": "IND", "Dhaka": "BGD", "Doha": "QAT", "Dublin": "IRL", "Hanoi": "VNM", "Helsinki": "FIN",
    "Islamabad": "PAK", "Jakarta": "IDN", "Kabul": "AFG", "Kathmandu": "NPL", "Kiev": "UKR", "Kyiv": "UKR",
    "Kuala Lumpur": "MYS", "Lisbon": "PRT", "Ljubljana": "SVN", "London": "GBR", "Madrid": "ESP",
    "Manila": "PHL", "Minsk": "BLR", "Moscow": "RUS", "Nairobi": "KEN", "New Delhi": "IND",
    "Oslo": "NOR", "Ottawa": "CAN", "Paris": "FRA", "Prague": "CZE", "Pretoria": "ZAF",
    "Pyongyang": "PRK", "Rabat": "MAR", "Riga": "LVA", "Riyadh": "SAU", "Rome": "ITA", "Santiago": "CHL",
    "Seoul": "KOR", "Stockholm": "SWE", "Taipei": "TWN", "Tallinn": "EST", "Tashkent": "UZB",
    "Tbilisi": "GEO", "Tehran": "IRN", "Tel Aviv": "ISR", "Jerusalem": "ISR", "The Hague": "NLD",
    "Amsterdam": "NLD", "Tokyo": "JPN", "Vienna": "AUT", "Vilnius": "LTU", "Warsaw": "POL",
    "Washington": "USA", "Wellington": "NZL", "Yerevan": "ARM", "Zagreb": "HRV", "Naypyidaw": "MMR",
    "Phnom Penh": "KHM", "Ulaanbaatar": "MNG", "Muscat": "OMN", "Kuwait City": "KWT", "Tripoli": "LBY",
    "Chisinau": "MDA", "Sofia": "BGR", "Valletta": "MLT", "Nicosia": "CYP", "Reykjavik": "ISL",
    "Brussels": "European Union",
}

# Cities that only ever appear as datelines here, for the country a report comes from.
DATELINE_CITIES: dict[str, str] = {
    "mumbai": "IND", "bengaluru": "IND", "bangalore": "IND", "chennai": "IND", "hyderabad": "IND",
    "kolkata": "IND", "shanghai": "CHN", "istanbul": "TUR", "sydney": "AUS", "new york": "USA",
    "geneva": "CHE", "munich": "DEU", "karachi": "PAK", "lahore": "PAK", "dubai": "ARE", "osaka": "JPN",
    "busan": "KOR", "singapore": "SGP", "rawalpindi": "PAK", "gdansk": "POL", "krakow": "POL",
}

# Place names that contain a country's name or demonym but name no state ("South China Sea", "Indian Ocean").
NOT_STATES: tuple[str, ...] = (
    "South China Sea", "East China Sea", "Sea of Japan", "Indian Ocean", "Indian Express",
    "Latin America", "Latin American", "North America", "North American", "South America", "South American",
    "Central America", "Southeast Asia", "South Asia", "East Asia", "Central Asia", "West Asia",
    "Korean Peninsula", "Taiwan Strait", "Turkish Straits", "Arabian Sea", "Persian Gulf", "Gulf of Oman",
    "Gulf of Aden", "Red Sea", "Black Sea", "Baltic Sea", "Irish Sea", "Philippine Sea", "West Philippine Sea",
    "New York", "New Jersey", "New Mexico", "Washington Post", "Washington state", "Times of India",
    "Hindustan Times", "Jordan River", "Georgia state", "Indo-Pacific", "Gulf of Mexico",
    "Pacific Ocean", "Atlantic Ocean", "Arctic Ocean", "Mediterranean Sea", "Caribbean Sea",
)

# Organisations of states (lower case), never countries whatever a model says; normalize.py relies on it.
INTERNATIONAL_ORGANIZATIONS = {
    "european union", "eu", "nato", "north atlantic treaty organization", "united nations", "un",
    "asean", "african union", "quad", "g7", "g20", "brics", "sco", "shanghai cooperation organisation",
    "osce", "gcc", "european commission",
}


# Organisations for the rules backend: canonical name -> (kind, surface forms as written).
# Forms written in capitals match case-sensitively ("UN", never "un").
ORGANIZATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "European Union": ("international_organization", ("European Union", "EU", "E.U.")),
    "NATO": ("international_organization", ("NATO", "North Atlantic Treaty Organization",
                                            "North Atlantic Treaty Organisation", "Nato")),
    "United Nations": ("international_organization", ("United Nations", "UN", "U.N.")),
    "UN Security Council": ("government_body", ("UN Security Council", "United Nations Security Council",
                                                "UNSC", "Security Council")),
    "ASEAN": ("international_organization", ("ASEAN", "Association of Southeast Asian Nations", "Asean")),
    "Quad": ("international_organization", ("Quad", "Quadrilateral Security Dialogue", "QUAD")),
    "African Union": ("international_organization", ("African Union", "AU")),
    "PESCO": ("international_organization", ("PESCO", "Permanent Structured Cooperation")),
    "OSCE": ("international_organization", ("OSCE", "Organization for Security and Co-operation in Europe",
                                            "Organization for Security and Cooperation in Europe")),
    "G7": ("international_organization", ("G7", "Group of Seven", "G-7")),
    "G20": ("international_organization", ("G20", "Group of 20", "G-20")),
    "BRICS": ("international_organization", ("BRICS",)),
    "Shanghai Cooperation Organisation": ("international_organization", (
        "Shanghai Cooperation Organisation", "Shanghai Cooperation Organization", "SCO")),
    "Gulf Cooperation Council": ("international_organization", ("Gulf Cooperation Council", "GCC")),
    "AUKUS": ("international_organization", ("AUKUS",)),
    "Collective Security Treaty Organization": ("international_organization", (
        "Collective Security Treaty Organization", "CSTO")),
    "International Atomic Energy Agency": ("international_organization", (
        "International Atomic Energy Agency", "IAEA")),
    "Arab League": ("international_organization", ("Arab League",)),
    "ECOWAS": ("international_organization", ("ECOWAS", "Economic Community of West African States")),
    "BIMSTEC": ("international_organization", ("BIMSTEC",)),
    "SAARC": ("international_organization", ("SAARC",)),
    "Indian Ocean Rim Association": ("international_organization", ("Indian Ocean Rim Association", "IORA")),
    "Five Eyes": ("international_organization", ("Five Eyes",)),
    "Interpol": ("international_organization", ("Interpol", "INTERPOL")),
    "European Commission": ("government_body", ("European Commission",)),
    "European Parliament": ("government_body", ("European Parliament",)),
    "European Council": ("government_body", ("European Council",)),
    "Council of the EU": ("government_body", ("Council of the EU", "Council of the European Union", "EU Council")),
    "European Defence Agency": ("government_body", ("European Defence Agency", "EDA")),
    "European External Action Service": ("government_body", ("European External Action Service", "EEAS")),
    "European Space Agency": ("international_organization", ("European Space Agency", "ESA")),
    "Europol": ("government_body", ("Europol",)),
    "Frontex": ("government_body", ("Frontex",)),
}

# The organisation a body belongs to, for affiliations.
ORGANIZATION_PARENTS: dict[str, str] = {
    "European Commission": "European Union", "European Parliament": "European Union",
    "European Council": "European Union", "Council of the EU": "European Union",
    "European Defence Agency": "European Union",
    "European External Action Service": "European Union", "Europol": "European Union",
    "Frontex": "European Union", "PESCO": "European Union", "UN Security Council": "United Nations",
}

# Government bodies known by a name that carries no country: surface form -> (canonical name, ISO alpha-3).
NAMED_BODIES: dict[str, tuple[str, str]] = {
    "Pentagon": ("Pentagon", "USA"), "State Department": ("US State Department", "USA"),
    "Department of Defense": ("US Department of Defense", "USA"),
    "Department of State": ("US State Department", "USA"), "White House": ("White House", "USA"),
    "Kremlin": ("Kremlin", "RUS"), "Downing Street": ("Downing Street", "GBR"),
    "DRDO": ("Defence Research and Development Organisation", "IND"),
    "Defence Research and Development Organisation": ("Defence Research and Development Organisation", "IND"),
    "ISRO": ("Indian Space Research Organisation", "IND"),
    "MEA": ("Ministry of External Affairs", "IND"),
    "Ministry of External Affairs": ("Ministry of External Affairs", "IND"),
    "People's Liberation Army": ("People's Liberation Army", "CHN"), "PLA": ("People's Liberation Army", "CHN"),
    "Bundeswehr": ("Bundeswehr", "DEU"), "CIA": ("CIA", "USA"), "NASA": ("NASA", "USA"),
    "Mossad": ("Mossad", "ISR"), "GCHQ": ("GCHQ", "GBR"), "MI6": ("MI6", "GBR"),
    "Japan Self-Defense Forces": ("Japan Self-Defense Forces", "JPN"),
    "Self-Defense Forces": ("Japan Self-Defense Forces", "JPN"),
}

# Defence firms known by name: surface form -> (canonical name, ISO alpha-3 or None).
COMPANIES: dict[str, tuple[str, str | None]] = {
    "Lockheed Martin": ("Lockheed Martin", "USA"), "Boeing": ("Boeing", "USA"), "Airbus": ("Airbus", None),
    "Thales": ("Thales", "FRA"), "Dassault Aviation": ("Dassault Aviation", "FRA"), "Dassault": ("Dassault Aviation", "FRA"),
    "Safran": ("Safran", "FRA"), "MBDA": ("MBDA", None), "Naval Group": ("Naval Group", "FRA"),
    "Rheinmetall": ("Rheinmetall", "DEU"), "KNDS": ("KNDS", None), "Leonardo": ("Leonardo", "ITA"),
    "Fincantieri": ("Fincantieri", "ITA"), "BAE Systems": ("BAE Systems", "GBR"), "Saab": ("Saab", "SWE"),
    "Kongsberg": ("Kongsberg", "NOR"), "Hanwha Aerospace": ("Hanwha Aerospace", "KOR"), "Hanwha": ("Hanwha", "KOR"),
    "Hyundai Rotem": ("Hyundai Rotem", "KOR"), "Korea Aerospace Industries": ("Korea Aerospace Industries", "KOR"),
    "Baykar": ("Baykar", "TUR"), "Aselsan": ("Aselsan", "TUR"), "Roketsan": ("Roketsan", "TUR"),
    "Turkish Aerospace": ("Turkish Aerospace", "TUR"),
    "Hindustan Aeronautics Limited": ("Hindustan Aeronautics Limited", "IND"),
    "Hindustan Aeronautics": ("Hindustan Aeronautics Limited", "IND"), "HAL": ("Hindustan Aeronautics Limited", "IND"),
    "Bharat Electronics": ("Bharat Electronics Limited", "IND"), "BEL": ("Bharat Electronics Limited", "IND"),
    "Bharat Dynamics": ("Bharat Dynamics Limited", "IND"), "Mazagon Dock": ("Mazagon Dock Shipbuilders", "IND"),
    "Larsen & Toubro": ("Larsen & Toubro", "IND"), "Tata Advanced Systems": ("Tata Advanced Systems", "IND"),
    "Adani Defence": ("Adani Defence and Aerospace", "IND"), "BrahMos Aerospace": ("BrahMos Aerospace", "IND"),
    "Elbit Systems": ("Elbit Systems", "ISR"), "Rafael": ("Rafael Advanced Defense Systems", "ISR"),
    "Israel Aerospace Industries": ("Israel Aerospace Industries", "ISR"), "IAI": ("Israel Aerospace Industries", "ISR"),
    "Raytheon": ("Raytheon", "USA"), "RTX": ("RTX", "USA"), "Northrop Grumman": ("Northrop Grumman", "USA"),
    "General Dynamics": ("General Dynamics", "USA"), "L3Harris": ("L3Harris", "USA"),
    "General Atomics": ("General Atomics", "USA"), "General Electric": ("General Electric", "USA"),
    "Anduril": ("Anduril", "USA"), "Palantir": ("Palantir", "USA"), "SpaceX": ("SpaceX", "USA"),
    "Embraer": ("Embraer", "BRA"), "Mitsubishi Heavy Industries": ("Mitsubishi Heavy Industries", "JPN"),
    "Kawasaki Heavy Industries": ("Kawasaki Heavy Industries", "JPN"),
    "Rosoboronexport": ("Rosoboronexport", "RUS"), "Almaz-Antey": ("Almaz-Antey", "RUS"),
    "Rostec": ("Rostec", "RUS"), "NORINCO": ("NORINCO", "CHN"), "Norinco": ("NORINCO", "CHN"), "AVIC": ("AVIC", "CHN"),
    "Damen": ("Damen", "NLD"), "PGZ": ("Polska Grupa Zbrojeniowa", "POL"),
    "Polska Grupa Zbrojeniowa": ("Polska Grupa Zbrojeniowa", "POL"), "WB Electronics": ("WB Electronics", "POL"),
    "ThyssenKrupp Marine Systems": ("ThyssenKrupp Marine Systems", "DEU"), "TKMS": ("ThyssenKrupp Marine Systems", "DEU"),
    "Hensoldt": ("Hensoldt", "DEU"), "Diehl": ("Diehl Defence", "DEU"), "Patria": ("Patria", "FIN"),
    "Nammo": ("Nammo", "NOR"), "Babcock": ("Babcock", "GBR"), "Austal": ("Austal", "AUS"),
    "Navantia": ("Navantia", "ESP"), "Indra": ("Indra", "ESP"), "Huawei": ("Huawei", "CHN"),
}

# Non-state armed groups: surface form -> canonical name.
ARMED_GROUPS: dict[str, str] = {
    "Hamas": "Hamas", "Hezbollah": "Hezbollah", "Houthis": "Houthis", "Houthi": "Houthis",
    "Taliban": "Taliban", "Islamic State": "Islamic State", "ISIS": "Islamic State", "ISIL": "Islamic State",
    "Daesh": "Islamic State", "al-Qaeda": "al-Qaeda", "Al-Qaeda": "al-Qaeda", "al Qaeda": "al-Qaeda",
    "Lashkar-e-Taiba": "Lashkar-e-Taiba", "LeT": "Lashkar-e-Taiba", "Jaish-e-Mohammed": "Jaish-e-Mohammed",
    "JeM": "Jaish-e-Mohammed", "The Resistance Front": "The Resistance Front", "TRF": "The Resistance Front",
    "al-Shabaab": "al-Shabaab", "Al-Shabaab": "al-Shabaab", "Boko Haram": "Boko Haram",
    "Wagner Group": "Wagner Group", "PKK": "PKK", "Tehreek-e-Taliban Pakistan": "Tehreek-e-Taliban Pakistan",
    "TTP": "Tehreek-e-Taliban Pakistan", "Abu Sayyaf": "Abu Sayyaf", "M23": "M23",
}
