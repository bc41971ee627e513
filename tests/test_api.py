"""The Extractor object: one configured extractor reused across articles, from sync and async code."""

import asyncio
import json
import threading

import extractor
from extractor import Extractor

from conftest import ARTICLES, comparable, expected_record, fixture_names


def _same(record, name: str) -> bool:
    return comparable(json.loads(record.model_dump_json())) == expected_record(name)


def test_one_extractor_serves_many_articles_sync_and_async():
    names = fixture_names()
    with Extractor(replay=ARTICLES) as configured:
        assert all(_same(configured.extract(ARTICLES / f"{n}.txt"), n) for n in names)

        async def all_at_once():
            return await asyncio.gather(*(configured.aextract(ARTICLES / f"{n}.txt") for n in names))

        records = asyncio.run(all_at_once())
    assert all(_same(r, n) for r, n in zip(records, names))


def test_sync_extract_works_inside_a_running_event_loop():
    async def notebook_cell():
        return extractor.extract(ARTICLES / "seed_003_eu_india.txt", replay=ARTICLES)

    assert _same(asyncio.run(notebook_cell()), "seed_003_eu_india")


def test_sync_extract_from_many_threads():
    results = {}
    with Extractor(replay=ARTICLES) as configured:
        def work(name):
            results[name] = configured.extract(ARTICLES / f"{name}.txt")

        threads = [threading.Thread(target=work, args=(n,)) for n in fixture_names()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    assert sorted(results) == fixture_names() and all(_same(r, n) for n, r in results.items())


def test_the_rules_backend_needs_no_key_and_is_deterministic():
    first = extractor.extract(ARTICLES / "seed_003_eu_india.txt", backend="rules")
    again = asyncio.run(extractor.aextract(ARTICLES / "seed_003_eu_india.txt", backend="rules"))
    assert first.provenance.backend == "rules" and first.provenance.attempts == 0 and first.quotes
    assert first.model_dump(exclude={"provenance"}) == again.model_dump(exclude={"provenance"})


def test_without_an_endpoint_the_library_names_both_ways_out():
    import pytest

    with pytest.raises(extractor.ConfigurationError, match=r"OPENAI_API_KEY.*backend='rules'"):
        extractor.extract(ARTICLES / "seed_003_eu_india.txt")


def test_auto_picks_rules_without_an_endpoint_and_the_model_with_one(monkeypatch):
    assert Extractor(backend="auto").backend.name == "rules"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    assert Extractor(backend="auto").backend.name == "openai"
