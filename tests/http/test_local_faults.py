"""Faults of local files (cache, recordings, fixtures, disk) are local errors: named, never retried as network errors."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
from pathlib import Path

import httpx2
import openai
import pytest

from extractor import Extractor
from extractor.backends.llm.retry import is_transient
from extractor.batch.runner import exit_code, run_batch
from extractor.config import BatchOptions, Settings
from extractor.errors import ConfigurationError, LocalFault
from extractor.http.cache import ResponseCache
from extractor.testing.devserver import ServerConfig, ThreadedServer

from conftest import ARTICLES, FAKE_KEY

SEED = ARTICLES / "seed_003_eu_india.txt"


def _settings(server: ThreadedServer) -> Settings:
    return Settings(base_url=server.base_url, api_key=FAKE_KEY)


def test_a_connection_error_caused_by_a_local_fault_is_not_transient():
    request = httpx2.Request("POST", "http://model.test/v1/chat/completions")
    plain = openai.APIConnectionError(request=request)
    assert is_transient(plain)
    try:
        try:
            raise LocalFault("writing the cache /x failed", path="/x")
        except LocalFault as fault:
            raise openai.APIConnectionError(request=request) from fault
    except openai.APIConnectionError as wrapped:
        assert not is_transient(wrapped)


class _BrokenDisk:
    """A sqlite connection whose every statement fails with an I/O error."""

    def execute(self, *args, **kwargs):
        error = sqlite3.OperationalError("disk I/O error")
        error.sqlite_errorcode = sqlite3.SQLITE_IOERR
        raise error

    def close(self):
        pass


def test_a_cache_io_error_fails_at_once_naming_the_file_and_never_reaches_the_server(tmp_path, sleeps):
    with ThreadedServer(ServerConfig()) as server:
        with Extractor(settings=_settings(server), cache_dir=tmp_path / "cache", retry=sleeps.policy()) as extractor:
            cache = next(layer for layer in extractor._layers if isinstance(layer, ResponseCache))
            cache._db = _BrokenDisk()
            with pytest.raises(LocalFault) as caught:
                extractor.extract(SEED)
        requests = server.stats()["counts"].get("requests", 0)
    assert "responses.sqlite" in str(caught.value) and "could not reach" not in str(caught.value)
    assert sleeps.waits == [] and requests == 0  # not retried, and nothing paid for


def _fill_cache(directory: Path, count: int = 200) -> None:
    from extractor.http.transport import Exchange

    cache = ResponseCache(directory)
    for i in range(count):
        cache.store(Exchange("u", json.dumps({"i": i}).encode(), None, 1), httpx2.Response(200),
                    json.dumps({"padding": "x" * 500}).encode())
    cache.close()


def _damage(path: Path) -> None:
    size = path.stat().st_size
    with path.open("r+b") as handle:
        handle.seek(8192)
        handle.write(os.urandom(size - 8192))


@pytest.mark.parametrize("when", ["before the run", "during the run"])
def test_a_damaged_cache_is_set_aside_and_the_run_goes_on(tmp_path, caplog, monkeypatch, when):
    from batch.test_runner import make_articles

    make_articles(tmp_path / "in", 4)
    out = tmp_path / "out"
    cache_file = out / ".cache" / "responses.sqlite"
    _fill_cache(cache_file.parent)
    if when == "before the run":
        _damage(cache_file)
    else:
        real_lookup = ResponseCache.lookup

        def lookup(self, exchange):
            if cache_file.exists():
                _damage(cache_file)
            return real_lookup(self, exchange)

        monkeypatch.setattr(ResponseCache, "lookup", lookup)
    with ThreadedServer(ServerConfig()) as server, caplog.at_level(logging.WARNING, logger="extractor"):
        summary = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=out, progress="none", report=False),
                            _settings(server))
    assert summary["counts"]["ok"] == 4 and exit_code(summary) == 0
    assert len(list(cache_file.parent.glob("responses.sqlite.corrupt-*"))) == 1
    assert any("is damaged" in m and "continuing without a cache" in m for m in caplog.messages)


def test_a_bad_file_in_the_record_folder_is_named_before_anything_is_paid_for(tmp_path):
    from batch.test_runner import make_articles

    make_articles(tmp_path / "in", 2)
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "0123456789abcdef.json").write_text('{"fixture_format": 1, "exchanges": [')
    with ThreadedServer(ServerConfig()) as server:
        with pytest.raises(ConfigurationError, match="0123456789abcdef.json is not valid JSON"):
            run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none",
                                   record=tmp_path / "rec"), _settings(server))
        assert server.stats()["counts"].get("requests", 0) == 0


def test_a_recording_that_turns_bad_fails_only_its_article_once(tmp_path, sleeps):
    recordings = tmp_path / "rec"
    with ThreadedServer(ServerConfig()) as server:
        with Extractor(settings=_settings(server), record=recordings, retry=sleeps.policy()) as extractor:
            target = recordings / f"{extractor.extract(SEED).article.sha256[:16]}.json"
            target.write_text("{ torn")
            with pytest.raises(LocalFault) as caught:
                extractor.extract(SEED)
        requests = server.stats()["counts"]["requests"]
    assert str(target) in str(caught.value) and not caught.value.fatal
    assert requests <= 3 and sleeps.waits == []  # the first article's asks and this one ask, never retried


def test_an_unreadable_replay_fixture_fails_its_article_naming_the_file(tmp_path, sleeps):
    folder = tmp_path / "fixtures"
    shutil.copytree(ARTICLES, folder)
    with Extractor(replay=folder, retry=sleeps.policy()) as extractor:
        (folder / "seed_003_eu_india.response.json").write_text("[" * 100)
        with pytest.raises(LocalFault, match="seed_003_eu_india.response.json"):
            extractor.extract(SEED)
    assert sleeps.waits == []
