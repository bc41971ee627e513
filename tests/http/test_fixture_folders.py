"""Replay and record folders are checked whole at start-up: every unusable file is named, none hangs or crashes it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading

import pytest

from extractor import Extractor
from extractor.backends.llm import prompt
from extractor.errors import ConfigurationError
from extractor.http.fixtures import FixtureIndex

from conftest import ARTICLES, ROOT

SEED = "seed_003_eu_india"


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / "fixtures"
    target.mkdir()
    for name in (SEED, "negotiations_japan_philippines"):
        for suffix in (".txt", ".response.json", ".expected.json"):
            shutil.copy(ARTICLES / f"{name}{suffix}", target / f"{name}{suffix}")
    return target


def test_a_clean_folder_indexes_fixtures_and_ignores_other_json(folder):
    index = FixtureIndex(folder)
    assert sorted(p.name for p in index._by_key.values()) == [
        "negotiations_japan_philippines.response.json", f"{SEED}.response.json"]


def test_two_fixtures_for_one_article_are_refused_naming_both(folder):
    shutil.copy(folder / f"{SEED}.response.json", folder / "copy.json")
    with pytest.raises(ConfigurationError) as caught:
        FixtureIndex(folder)
    assert "copy.json" in str(caught.value) and f"{SEED}.response.json" in str(caught.value)


def test_every_invalid_file_is_named_at_once(folder):
    (folder / "torn.json").write_text('{"fixture_format": 1, "exchanges": [')
    (folder / "no_sha.json").write_text(json.dumps({"fixture_format": 1, "exchanges": []}))
    (folder / "bad_exchanges.json").write_text(json.dumps({"fixture_format": 1, "article_sha256": "b" * 64,
                                                           "exchanges": [{"status": 200, "body": "text"}]}))
    (folder / "future.json").write_text(json.dumps({"fixture_format": 9, "article_sha256": "c" * 64}))
    with pytest.raises(ConfigurationError) as caught:
        FixtureIndex(folder)
    message = str(caught.value)
    assert "4 unusable file(s)" in message
    assert all(name in message for name in ("torn.json", "no_sha.json", "bad_exchanges.json", "future.json"))


@pytest.mark.parametrize("text", ["[" * 100_000, "[" * 200 + "]" * 200])
def test_deeply_nested_json_is_a_clear_error_not_a_recursion_crash(folder, text):
    (folder / "deep.json").write_text(text)
    with pytest.raises(ConfigurationError, match="deep.json nests deeper than 64 levels"):
        FixtureIndex(folder)


def test_a_fixture_over_the_size_bound_is_refused_unread(folder):
    with (folder / "huge.json").open("wb") as handle:
        handle.truncate(17 * 1024 * 1024)
    with pytest.raises(ConfigurationError, match="huge.json is .* over the .*-byte limit"):
        FixtureIndex(folder)


def test_a_fifo_fixture_does_not_hang_start_up(folder):
    os.mkfifo(folder / "pipe.json")
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.update(error=_error_of(lambda: FixtureIndex(folder))),
                              daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), "a FIFO fixture blocked start-up"
    assert isinstance(outcome["error"], ConfigurationError) and "pipe.json is a FIFO" in str(outcome["error"])


def _error_of(call):
    try:
        call()
    except Exception as exc:  # noqa: BLE001
        return exc
    return None


def _cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    return subprocess.run([sys.executable, "-m", "extractor", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)


def test_the_cli_refuses_a_bad_replay_folder_and_a_record_path_that_is_a_file(folder, tmp_path):
    shutil.copy(folder / f"{SEED}.response.json", folder / "copy.json")
    replayed = _cli("batch", str(folder), "-o", str(tmp_path / "out"), "--replay", str(folder), "--glob", "*.txt")
    assert replayed.returncode == 2 and "copy.json" in replayed.stderr and "Traceback" not in replayed.stderr
    (tmp_path / "a_file").write_text("not a folder")
    recorded = _cli("batch", str(folder), "-o", str(tmp_path / "out"), "--record", str(tmp_path / "a_file"),
                    "--glob", "*.txt")
    assert recorded.returncode == 2 and "is a file, not a folder" in recorded.stderr
    assert "Traceback" not in recorded.stderr


def test_recording_over_a_hand_written_fixture_rewrites_that_file(folder):
    from extractor.testing.devserver import ServerConfig, ThreadedServer
    from extractor.config import Settings

    from conftest import FAKE_KEY

    hand_written = folder / f"{SEED}.response.json"
    assert json.loads(hand_written.read_text())["origin"] == "hand-written"
    with ThreadedServer(ServerConfig(fixtures=ARTICLES)) as server:
        with Extractor(settings=Settings(base_url=server.base_url, api_key=FAKE_KEY), record=folder) as extractor:
            extractor.extract(folder / f"{SEED}.txt")
    fixture = json.loads(hand_written.read_text())
    assert fixture["origin"] == "recorded" and fixture["prompt_version"] == prompt.prompt_version()
    assert len(list(folder.glob("*.json"))) == 4  # no second fixture for the article
    with Extractor(replay=folder) as extractor:  # and the folder still replays
        assert extractor.extract(folder / f"{SEED}.txt").article.id == SEED
