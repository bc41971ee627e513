"""Cache, record and replay under the real openai client, keyed by the article identity headers."""

import json

import httpx2

import extractor
from extractor.backends.llm import prompt
from extractor.http.cache import ResponseCache
from extractor.http.fixtures import Recorder
from extractor.http.transport import ARTICLE_HEADER, ASK_HEADER, Exchange

from conftest import ARTICLES, FAKE_KEY, comparable, expected_record

SEED = "seed_003_eu_india"


def test_a_prompt_edit_never_breaks_replay(monkeypatch):
    original = prompt.messages

    def edited(text, context=None, hints=None):
        messages = original(text, context, hints)
        messages[-1]["content"] = "A reworded user message.\n[[" + text + "]]"
        return messages

    monkeypatch.setattr(prompt, "messages", edited)
    record = extractor.extract(ARTICLES / f"{SEED}.txt", replay=ARTICLES)
    assert comparable(json.loads(record.model_dump_json())) == expected_record(SEED)


def _exchange(ask: int = 1, article: str = "a" * 64, body: dict | None = None) -> Exchange:
    return Exchange("http://model.test/v1/chat/completions", json.dumps(body or {"model": "m"}).encode(), article, ask)


def _completion(arguments: str) -> bytes:
    return json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [{
        "index": 0, "finish_reason": "tool_calls", "message": {"role": "assistant", "content": None, "tool_calls": [
            {"id": "t", "type": "function", "function": {"name": "ExtractionResponse", "arguments": arguments}}]}}]}).encode()


def test_recorder_keeps_successes_readable_and_never_error_bodies(tmp_path):
    recorder = Recorder(tmp_path, prompt_version="pnew")
    recorder.store(_exchange(ask=1), httpx2.Response(429), json.dumps({"error": {"message": FAKE_KEY}}).encode())
    assert list(tmp_path.iterdir()) == []
    recorder.store(_exchange(ask=1), httpx2.Response(200), _completion('{"summary": "first"}'))
    recorder.store(_exchange(ask=2), httpx2.Response(200), _completion('{"summary": "second"}'))
    fixture = json.loads((tmp_path / ("a" * 16 + ".json")).read_text())
    answers = [e["body"]["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"] for e in fixture["exchanges"]]
    assert answers == [{"summary": "first"}, {"summary": "second"}]  # objects, not escaped strings
    assert fixture["origin"] == "recorded" and fixture["prompt_version"] == "pnew"


def test_recording_over_a_hand_written_fixture_starts_afresh(tmp_path):
    path = tmp_path / ("a" * 16 + ".json")
    path.write_text(json.dumps({"fixture_format": 1, "origin": "hand-written", "prompt_version": "pold",
                                "article_sha256": "a" * 64, "exchanges": [{"status": 200, "body": {}}] * 3}))
    Recorder(tmp_path, prompt_version="pnew").store(_exchange(), httpx2.Response(200), _completion("{}"))
    fixture = json.loads(path.read_text())
    assert fixture["origin"] == "recorded" and fixture["prompt_version"] == "pnew" and len(fixture["exchanges"]) == 1


def test_cache_keys_on_the_body_not_the_headers(tmp_path):
    cache = ResponseCache(tmp_path)
    first, other_article = _exchange(article="a" * 64), _exchange(article="b" * 64)
    cache.store(first, httpx2.Response(200), b'{"id": "cached"}')
    hit = cache.lookup(other_article)  # same body: the same request, whatever the headers
    assert hit is not None and hit.json() == {"id": "cached"}
    assert cache.lookup(_exchange(body={"model": "other"})) is None
    cache.close()


def test_every_request_carries_the_article_identity(sleeps):
    from conftest import Endpoint, answer, fixture_answer, sync_client

    name = "negotiations_japan_philippines"
    endpoint = Endpoint([answer(fixture_answer(name, 0)), answer(fixture_answer(name, -1))])
    record = extractor.extract(ARTICLES / f"{name}.txt", client=sync_client(endpoint), retry=sleeps.policy())
    assert [h[ARTICLE_HEADER] for h in endpoint.headers] == [record.article.sha256] * 2
    assert [h[ASK_HEADER] for h in endpoint.headers] == ["1", "2"]  # the first ask, then the re-ask
