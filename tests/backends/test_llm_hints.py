"""--hints: the rules backend's finds in the prompt, and quotes given back by their number."""

import json

import extractor
from extractor.backends.llm import prompt
from extractor.backends.rules import read_rules
from extractor.config import Settings
from extractor.core.article import load_article

from conftest import ARTICLES, Endpoint, answer, fixture_answer, sync_client

NAME = "seed_003_eu_india"


def test_without_hints_the_prompt_is_unchanged(sleeps):
    endpoint = Endpoint([answer(fixture_answer(NAME))])
    article = load_article(ARTICLES / f"{NAME}.txt")
    record = extractor.extract(article, client=sync_client(endpoint), retry=sleeps.policy())
    assert endpoint.requests[0]["messages"] == prompt.messages(article.text)
    assert "HINTS" not in json.dumps(endpoint.requests[0]) and not record.provenance.prompt_version.endswith("-hints")


def test_a_quote_given_by_its_hint_number_is_the_hinted_words(sleeps):
    article = load_article(ARTICLES / f"{NAME}.txt")
    hinted = [q.text for q in read_rules(article.text).quotes]
    reply = fixture_answer(NAME)
    reply["quotes"] = [{"speaker": "Von der Leyen", "text": "Q2", "kind": "direct"},
                       {"speaker": "Von der Leyen", "text": "q3", "kind": "direct"}]
    endpoint = Endpoint([answer(reply)])
    record = extractor.extract(article, client=sync_client(endpoint), retry=sleeps.policy(),
                               settings=Settings(hints=True))
    user = endpoint.requests[0]["messages"][-1]["content"]
    assert user.index("<<<HINTS") < user.index("<<<ARTICLE") and "Q2: " in user
    assert len(endpoint.requests) == 1  # the references resolved and grounded: no re-ask
    assert [q.spans[0].text.split()[:4] for q in record.quotes] == [hinted[1].split()[:4], hinted[2].split()[:4]]
    assert record.provenance.prompt_version.endswith("-hints")
