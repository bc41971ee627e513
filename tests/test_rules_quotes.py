"""Quotes found by the rules backend: marks, attributions, speakers and kinds, one pattern per test."""

from __future__ import annotations

import pytest

from extractor.backends.rules import read_rules


def quotes(text: str) -> list[tuple[str | None, str, str, str | None]]:
    return [(q.speaker, q.text, q.kind.value, q.cue) for q in read_rules(text).quotes]


@pytest.mark.parametrize(
    "opening, closing",
    [('"', '"'), ("\u201c", "\u201d"), ("'", "'"), ("\u00ab", "\u00bb"), ("''", "''"), ("\u2018", "\u2019")],
)
def test_every_kind_of_quotation_mark(opening, closing):
    text = f"Defence Minister Anna Berg visited the base.\n\n{opening}We will double our drone fleet,{closing} Berg said."
    assert quotes(text) == [("Anna Berg", "We will double our drone fleet,", "direct", "said")]


def test_apostrophes_are_not_quotation_marks():
    text = ("Norway's Defence Minister Per Dahl said the country's forces were ready.\n\n"
            "'The allies' plans are sound,' Dahl told reporters.")
    found = quotes(text)
    assert ("Per Dahl", "The allies' plans are sound,", "direct", "told reporters") in found


def test_said_x_and_x_told_reporters():
    text = ("Admiral Lena Holm inspected the fleet.\n\n"
            '"The Baltic is calmer than last year," said Holm.\n\n'
            '"We keep watching," Holm told reporters.')
    assert quotes(text) == [
        ("Lena Holm", "The Baltic is calmer than last year,", "direct", "said"),
        ("Lena Holm", "We keep watching,", "direct", "told reporters"),
    ]


def test_split_quote_is_one_quote_with_both_parts():
    text = 'Defence Minister Omar Haddad spoke in Amman.\n\n"The border is secure," Haddad said, "and it will stay that way."'
    assert quotes(text) == [
        ("Omar Haddad", "The border is secure, and it will stay that way.", "direct", "said"),
    ]


def test_quote_continues_into_a_paragraph_that_opens_with_a_new_mark():
    text = ('Foreign Minister Ines Costa arrived on Monday. "We came to listen.\n\n'
            '"And we came to help," Costa said.')
    [(speaker, words, kind, _)] = quotes(text)
    assert speaker == "Ines Costa" and kind == "direct"
    assert words.startswith("We came to listen.") and words.endswith("And we came to help,")


def test_missing_opening_mark_starts_the_quote_at_the_paragraph():
    text = 'Defence Secretary Tom Reed visited the yard.\n\nThe ships will be ready next year," Reed said.'
    assert quotes(text) == [("Tom Reed", "The ships will be ready next year,", "direct", "said")]


def test_colon_introduction_without_a_verb():
    text = 'Defence Minister Karl Vogt was asked about the budget.\n\nVogt on the priorities: "Air defence first."'
    assert quotes(text) == [("Karl Vogt", "Air defence first.", "direct", None)]


def test_attribution_before_the_quote():
    text = 'Prime Minister Rosa Lind stated, "Our partnership is stronger than ever."'
    assert quotes(text) == [("Rosa Lind", "Our partnership is stronger than ever.", "direct", "stated")]


def test_according_to_x_in_both_orders():
    text = ("According to Defence Minister Ivo Kral, the tanks will arrive in May.\n\n"
            "The order includes spare parts, according to Kral.")
    assert quotes(text) == [
        ("Ivo Kral", "the tanks will arrive in May", "indirect", "according to"),
        ("Ivo Kral", "The order includes spare parts", "indirect", "according to"),
    ]


def test_said_in_a_statement_and_in_a_post_on_x():
    text = ('Defence Minister Mia Ek said in a statement that the drills had ended.\n\n'
            '"Well done to all crews," Ek said in a post on X.')
    assert quotes(text) == [
        ("Mia Ek", "the drills had ended", "indirect", "said in a statement"),
        ("Mia Ek", "Well done to all crews,", "direct", "said in a post on X"),
    ]


def test_added_and_stressed_that():
    text = ("Defence Minister Jan Novak met his counterpart.\n\n"
            "Novak added that the talks would continue in June.\n\n"
            "Novak stressed that no troops would be sent.")
    assert [(s, w, k) for s, w, k, _ in quotes(text)] == [
        ("Jan Novak", "the talks would continue in June", "indirect"),
        ("Jan Novak", "no troops would be sent", "indirect"),
    ]


def test_unmarked_first_person_statement_is_direct_third_person_is_indirect():
    text = ("Defence Minister Eva Moro opened the summit.\n\n"
            "We must spend more on air defence, Moro said.\n\n"
            "The country will spend more on air defence, Moro said.")
    assert [(w, k) for _, w, k, _ in quotes(text)] == [
        ("We must spend more on air defence", "direct"),
        ("The country will spend more on air defence", "indirect"),
    ]


def test_reported_speech_with_a_quoted_fragment_is_mixed():
    text = 'Defence Minister Ali Demir said the deal would bring "a new era of cooperation".'
    [(speaker, words, kind, cue)] = quotes(text)
    assert (speaker, kind, cue) == ("Ali Demir", "mixed", "said")
    assert words == 'the deal would bring "a new era of cooperation'


def test_pronoun_resolves_to_the_nearest_person_of_that_gender_paragraphs_back():
    text = ("Foreign Minister Ms Sara Quint met Defence Minister Paul Rios in Lima.\n\n"
            "Rios said the navy would join the exercise.\n\n"
            "The exercise will start in July.\n\n"
            "Observers from three countries will attend.\n\n"
            '"We welcome every partner," she said.')
    assert quotes(text)[-1][:3] == ("Sara Quint", "We welcome every partner,", "direct")


def test_role_noun_resolves_to_the_person_with_that_role():
    text = ("Army chief General Hugo Ferri and Foreign Minister Clara Voss met on Monday.\n\n"
            '"The border will stay open," the foreign minister said.')
    assert quotes(text) == [("Clara Voss", "The border will stay open,", "direct", "said")]


def test_unattributed_paragraph_continues_the_previous_speaker():
    text = ('"We are ready," Defence Minister Nina Roth said.\n\n'
            '"Our soldiers have trained for this moment for many months."')
    assert [s for s, *_ in quotes(text)] == ["Nina Roth", "Nina Roth"]


def test_scare_quotes_are_not_quotes():
    text = 'The ministry called the plan a "game changer" for the region.'
    assert quotes(text) == []


def test_quote_text_is_an_exact_substring():
    text = ('Defence Minister Lea Kim said: "Cooperation is vital."\n\n'
            'Kim, who leads the delegation, said the visit was a success.')
    for _, words, _, _ in quotes(text):
        assert words in text


def test_a_statement_goes_on_after_a_whole_attribution_sentence():
    # '"A," X said. "B."' in one paragraph is one statement, interrupted by its attribution.
    text = ('Secretary General Mark Olin spoke in Brussels.\n\n"We need to move faster," said Olin, who chaired the '
            'meeting. "Every day counts."')
    assert quotes(text) == [("Mark Olin", "We need to move faster, Every day counts.", "direct", "said")]


def test_a_second_quote_with_its_own_attribution_is_another_statement():
    text = ('Defence Minister Ana Lopes met Foreign Minister Rui Sousa.\n\n"We are ready," Lopes said. '
            '"So are we," Sousa added.')
    assert [(s, w) for s, w, _, _ in quotes(text)] == [("Ana Lopes", "We are ready,"), ("Rui Sousa", "So are we,")]


def test_discourse_adverb_between_speaker_and_verb():
    text = "Hungary's Foreign Minister Peter Sala, however, said his country would not send weapons."
    assert quotes(text) == [("Peter Sala", "his country would not send weapons", "indirect", "said")]


def test_trailing_circumstance_after_the_attribution():
    text = "The allies agreed to buy more air defence systems, Mark Olin told reporters after a meeting of ministers."
    assert quotes(text)[0][1:] == ("The allies agreed to buy more air defence systems", "indirect", "told reporters")


@pytest.mark.parametrize("joint, cue", [(", adding that", "added"), (" and warned that", "warned"), (", and said", "said")])
def test_a_second_statement_in_reported_speech_is_its_own_quote(joint, cue):
    text = f"Defence Minister Dan Moraru said the first ship would be ordered in May{joint} the crews would train abroad."
    assert [(s, w, c) for s, w, _, c in quotes(text)] == [
        ("Dan Moraru", "the first ship would be ordered in May", "said"),
        ("Dan Moraru", "the crews would train abroad", cue),
    ]


@pytest.mark.parametrize("act", [" and called on parliament to approve it", " and welcomed the offer from Japan",
                                 ", which he described as a growing problem"])
def test_reported_speech_ends_where_the_reporter_narrates_an_act(act):
    text = f"Defence Minister Dan Moraru said the order would cost about one billion euros{act}."
    assert [w for _, w, _, _ in quotes(text)] == ["the order would cost about one billion euros"]


def test_what_follows_the_attribution_circumstance_continuation_or_second_statement():
    text = ("Finland will open a second factory by 2027, Defence Minister Aino Lehtonen said on Tuesday, as stocks run "
            "low.\n\nThe plant will be run by a state firm, she added, under a ten-year contract with the army.\n\n"
            "Output will double, Lehtonen said, without giving a figure.\n\n"
            "The factory will employ 400 people, according to the Finnish defence ministry, which said work would start "
            "soon.")
    assert [(w, c) for _, w, _, c in quotes(text)] == [
        ("Finland will open a second factory by 2027", "said"),
        ("The plant will be run by a state firm under a ten-year contract with the army", "added"),
        ("Output will double", "said"),
        ("The factory will employ 400 people", "according to"),
        ("work would start soon", "said"),
    ]


def test_unnamed_sources_give_a_quote_without_a_speaker():
    text = "Sweden has asked to buy part of the output, two officials familiar with the talks said."
    assert quotes(text) == [(None, "Sweden has asked to buy part of the output", "indirect", "said")]


def test_a_place_after_the_verb_is_neither_content_nor_cue():
    text = "Defence Minister Lars Ekholm told reporters in Stockholm that no decision had been taken."
    assert quotes(text) == [("Lars Ekholm", "no decision had been taken", "indirect", "told reporters")]


def test_he_said_is_the_person_just_quoted_even_if_another_man_was_named_before():
    text = ("Defence Minister Per Dahl said his navy was ready.\n\n"
            "Greenland will have a say, the island's premier Ole Lund said. Nothing is decided yet, he said.")
    assert [s for s, *_ in quotes(text)] == ["Per Dahl", "Ole Lund", "Ole Lund"]


def test_she_told_a_news_conference_tells_her_gender_to_a_later_she():
    text = ("Australia will buy drones, Defence Minister Helen Carr said.\n\n"
            '"We need them now," she told a news conference.\n\n'
            "Philippine Defence Secretary Ramon Cruz said Manila welcomed the plan.\n\n"
            "She said the first drones would arrive in June.")
    assert [(s, c) for s, _, _, c in quotes(text)] == [
        ("Helen Carr", "said"), ("Helen Carr", "told a news conference"), ("Ramon Cruz", "said"), ("Helen Carr", "said"),
    ]


def test_the_name_in_apposition_after_the_office_is_the_speaker():
    text = "Canberra is exploring a cable repair pact, according to Australia's High Commissioner to India, Mark Pell."
    assert quotes(text) == [("Mark Pell", "Canberra is exploring a cable repair pact", "indirect", "according to")]


def test_the_agency_is_the_agency_last_named_and_its_gloss_is_not_its_words():
    text = ("Austria will take part in the Alpine Shield, a programme that pools radars from five countries, "
            "according to the European Defence Agency. The agency said the first orders would follow in May.")
    assert [(s, w) for s, w, _, _ in quotes(text)] == [
        ("European Defence Agency", "Austria will take part in the Alpine Shield"),
        ("European Defence Agency", "the first orders would follow in May"),
    ]


def test_a_quote_carried_over_paragraphs_is_one_part_per_paragraph():
    text = ('Foreign Minister Ines Costa arrived on Monday. "We came to listen.\n\n'
            '"And we came to help," Costa said.')
    assert quotes(text) == [("Ines Costa", "We came to listen. And we came to help,", "direct", "said")]


def test_an_official_of_a_named_body_speaks_for_it_a_national_diplomat_is_unnamed():
    text = ("A senior African Union official, who asked not to be named because he was not authorised to speak, "
            "said the mission lacked helicopters.\n\n"
            "The talks will resume in May, a Japanese diplomat said.")
    assert [(s, w) for s, w, _, _ in quotes(text)] == [
        ("African Union", "the mission lacked helicopters"), (None, "The talks will resume in May"),
    ]


def test_an_aside_between_speaker_and_verb_and_any_audience_after_told():
    text = ("Defence Minister Dan Price, speaking to the ABC, said the exercise would grow.\n\n"
            "The plan was approved last week, Price told a parliamentary committee in Canberra.")
    assert [(s, w, c) for s, w, _, c in quotes(text)] == [
        ("Dan Price", "the exercise would grow", "said"),
        ("Dan Price", "The plan was approved last week", "told a parliamentary committee"),
    ]


@pytest.mark.parametrize("sentence, speaker", [
    ('In a post on X, opposition leader Grace Wanjiru called the deployment "reckless".', "Grace Wanjiru"),
    ("The treaty was described by Defence Minister Dan Price as 'the most important we have signed'.", "Dan Price"),
])
def test_a_marked_fragment_after_called_or_described_as_is_the_speakers(sentence, speaker):
    [(who, _, kind, _)] = quotes(sentence)
    assert (who, kind) == (speaker, "mixed")


def test_questioned_whether_is_a_second_statement():
    text = "Opposition spokesman Mark Hollis said he supported the exercise but questioned whether the army was ready."
    assert [w for _, w, _, _ in quotes(text)] == ["he supported the exercise", "whether the army was ready"]


def test_a_statement_from_an_embassy():
    text = "The United States has pledged 50 million dollars, according to a statement from the US embassy in Nairobi."
    assert [s for s, *_ in quotes(text)] == ["US embassy"]


def test_a_quoted_question_goes_on_after_its_attribution_sentence():
    text = '"Why should we leave?" asked coast guard spokesman Jose Alvarez at a briefing. "We will keep sailing."'
    assert quotes(text) == [("Jose Alvarez", "Why should we leave? We will keep sailing.", "direct", "asked")]


def test_the_statement_speaks_for_whoever_made_it():
    text = ("The Indian Ministry of Defence said in a statement that the engine was ready.\n\n"
            "The statement said trials had ended in Ladakh.")
    assert [s for s, *_ in quotes(text)] == ["Indian Ministry of Defence", "Indian Ministry of Defence"]


def test_the_ministry_is_the_defence_ministers_ministry():
    text = ("OSLO: Norway will buy aircraft, Defence Minister Tor Lind said.\n\n"
            "Ignoring repeated calls from environmental groups to limit flights over the Barents Sea, the ministry "
            "said the patrols were essential.")
    assert [s for s, *_ in quotes(text)] == ["Tor Lind", "Norwegian defence ministry"]


def test_a_label_in_apposition_and_the_statement_after_it():
    text = ('The US ambassador to Manila, Karen Holt, called the action "dangerous" and said Washington stood by '
            "its ally.")
    assert [(s, w, k) for s, w, k, _ in quotes(text)] == [
        ("Karen Holt", "dangerous", "mixed"), ("Karen Holt", "Washington stood by its ally", "indirect"),
    ]
