import pytest

from extractor.core.grounding import Grounder, find_mentions, fold, ground
from extractor.core.article import load_article
from extractor.schemas import Alignment, ExtractionResponse

from conftest import ARTICLES

CURLY = "She said: \u201cWe are proud of this partnership \u2014 it matters.\u201d\n\nThen she left."


def test_exact_match_keeps_offsets():
    located = Grounder(CURLY).locate("We are proud of this partnership")
    assert located.alignment is Alignment.EXACT
    span = located.spans[0]
    assert CURLY[span.start:span.end] == span.text == "We are proud of this partnership"


def test_straight_quotes_dashes_and_case_are_folded():
    located = Grounder(CURLY).locate('"we are proud of this partnership - it matters."')
    assert located.alignment is Alignment.NORMALIZED
    assert located.spans[0].text == "We are proud of this partnership \u2014 it matters."


def test_paragraph_break_folded_to_a_space():
    text = load_article(ARTICLES / "seed_000_netherlands_india.txt").text
    located = Grounder(text).locate(
        "Exchanged views on our respective security perspectives and challenges. Also spoke about the benefits",
        allow_split=True,
    )
    assert located.alignment is Alignment.NORMALIZED
    assert "\n\n\n\n\n\nAlso spoke" in located.spans[0].text
    assert located.text.endswith("challenges. Also spoke about the benefits")


def test_split_quote_gets_one_span_per_part():
    text = "\u201cWe are proud,\u201d she said, \u201cto sign this memorandum with India.\u201d"
    located = Grounder(text).locate("We are proud, to sign this memorandum with India.", allow_split=True)
    assert located is not None and len(located.spans) == 2
    assert [s.text for s in located.spans] == ["We are proud,", "to sign this memorandum with India."]
    for span in located.spans:
        assert text[span.start:span.end] == span.text


def test_split_parts_must_be_close_and_in_order():
    far = "We are proud here. " + "x " * 400 + "to sign this memorandum with India."
    assert Grounder(far).locate("We are proud, to sign this memorandum with India.", allow_split=True) is None
    backwards = "to sign this memorandum with India. Then: We are proud,"
    assert Grounder(backwards).locate("We are proud, to sign this memorandum with India.", allow_split=True) is None


def test_fuzzy_match_above_threshold_only():
    text = "The minister said the partnership will strengthen maritime security in the Indo-Pacific region."
    typo = Grounder(text).locate("the partnership will strenghten maritime security in the Indo-Pacific")
    assert typo is not None and typo.alignment is Alignment.FUZZY
    assert typo.spans[0].text in text
    invented = Grounder(text).locate("the treaty bans nuclear submarines from every port in the region")
    assert invented is None


def test_short_snippets_are_never_fuzzy():
    assert Grounder("India and the EU").locate("India and EU") is None


def test_fabricated_quote_is_reported_and_dropped():
    text = "Kubilius said Europe will co-produce drones with India."
    response = ExtractionResponse.model_validate({
        "summary": "s",
        "quotes": [
            {"speaker": "Kubilius", "text": "Europe will co-produce drones with India", "kind": "indirect"},
            {"speaker": "Kubilius", "text": "We will send troops to Kashmir tomorrow", "kind": "direct"},
        ],
        "topics": [{"category": "drones_uav", "label": "drones", "evidence": ["co-produce drones", "made-up words here"]}],
    })
    grounder = Grounder(text)
    problems = grounder.problems(response)
    assert len(problems) == 2 and "Kashmir" in problems[0] and "made-up" in problems[1]
    grounded = ground(response, grounder)
    assert [q.located.text for q in grounded.quotes] == ["Europe will co-produce drones with India"]
    assert len(grounded.topics[0].evidence) == 1
    assert any("Kashmir" in w for w in grounded.warnings)


def test_emitted_quote_text_is_the_articles_own():
    text = "He said \u201cIndia\u2019s role is vital.\u201d"
    located = Grounder(text).locate("india's role is vital.")
    assert located.text == "India\u2019s role is vital."


def test_fold():
    assert fold("  \u201cA\u2014B\u201d\n\n C ") == '"a-b" c'


def test_mentions_ignore_case_except_for_acronyms_and_prefer_longest():
    text = "Ursula von der Leyen spoke. Von der Leyen said more. Let us see what the US says."
    spans = find_mentions(text, ["Ursula von der Leyen", "von der Leyen"])
    assert [s.text for s in spans] == ["Ursula von der Leyen", "Von der Leyen"]
    assert [s.text for s in find_mentions(text, ["US"])] == ["US"]
    assert find_mentions("Europeans", ["EU"]) == []


@pytest.mark.parametrize("snippet", ["", "   ", '""'])
def test_empty_snippets_do_not_match(snippet):
    assert Grounder("anything").locate(snippet) is None


TWO_SPEAKERS = (
    '"We will keep our ships in the strait for as long as it takes," Admiral Reyes said.\n\n'
    'The ambassador disagreed. "Any deployment of that kind will be seen as a provocation by Beijing," he said.'
)


def test_an_elision_never_runs_from_one_quotation_into_the_next():
    located = Grounder(TWO_SPEAKERS).locate("We will keep our ships ... seen as a provocation by Beijing",
                                            allow_split=True)
    assert located is None


def test_an_elision_may_cross_an_attribution_or_a_continued_paragraph():
    continued = ('"We will keep our ships in the strait for as long as it takes.\n\n'
                 '"And we will bring our allies with us," the admiral said.')
    located = Grounder(continued).locate("We will keep our ships ... bring our allies with us", allow_split=True)
    assert located is not None and located.elided
    assert [s.text for s in located.spans] == ["We will keep our ships in the strait for as long as it takes.",
                                               "And we will bring our allies with us"]


def test_an_elided_quote_that_overlaps_another_quote_is_dropped():
    text = ('"We will keep our ships in the strait for as long as it takes and we will not be moved," '
            'Admiral Reyes said.')
    response = ExtractionResponse.model_validate({"summary": "s", "quotes": [
        {"speaker": "Reyes", "text": "We will keep our ships ... we will not be moved", "kind": "direct"},
        {"speaker": "Someone", "text": "for as long as it takes", "kind": "mixed"},
    ]})
    grounded = ground(response, Grounder(text))
    assert [q.source.speaker for q in grounded.quotes] == ["Someone"]
    assert any("runs into another quote" in w for w in grounded.warnings)
