"""Real providers' contracts and account failures, through the real client against the dev server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from extractor.backends.llm.profiles import Adaptations, profile_for
from extractor.backends.llm.retry import RetryPolicy
from extractor.batch.runner import EXIT_ACCOUNT, exit_code, run_batch
from extractor.config import BatchOptions, Settings
from extractor.testing.devserver import Faults, ServerConfig, ThreadedServer

from conftest import FAKE_KEY
from test_runner import FAST, make_articles, read_jsonl


def _run(tmp_path: Path, server: ThreadedServer, count: int, *, out: str = "out", concurrency: int = 4,
         retry: RetryPolicy = FAST, **settings):
    if not (tmp_path / "in").exists():
        make_articles(tmp_path / "in", count)
    options = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / out, progress="none",
                           concurrency=concurrency, report=False)
    return run_batch(options, Settings(base_url=server.base_url, api_key=FAKE_KEY, **settings), retry=retry)


@pytest.mark.parametrize("mode", ["tools", "json_schema"])
@pytest.mark.parametrize("model", ["gpt-5-mini", "gpt-5.1", "o4-mini"])
def test_reasoning_models_get_the_parameters_they_accept(tmp_path, mode, model):
    with ThreadedServer(ServerConfig(contract="openai-reasoning")) as server:
        summary = _run(tmp_path, server, 8, model=model, mode=mode)
        counts = server.stats()["counts"]
    assert summary["counts"]["ok"] == 8 and "refused_400" not in counts  # the profile knew: no 400 at all


def test_an_unknown_model_is_adapted_once_per_run_not_once_per_article(tmp_path):
    with ThreadedServer(ServerConfig(contract="openai-reasoning")) as server:
        summary = _run(tmp_path, server, 20, model="acme-reasoner-2", concurrency=4)
        refused = server.stats()["counts"].get("refused_400", 0)
    assert summary["counts"]["ok"] == 20 and exit_code(summary) == 0
    assert 2 <= refused <= 2 * 4  # two lessons (max_tokens, temperature), at most once per request in flight
    assert len(summary["adaptations"]) == 2
    assert "max_completion_tokens" in " ".join(summary["adaptations"])


def test_an_exhausted_quota_stops_the_run_within_seconds(tmp_path):
    started = time.monotonic()
    with ThreadedServer(ServerConfig(quota_exhausted=True)) as server:
        summary = _run(tmp_path, server, 40, concurrency=4)
        requests = server.stats()["counts"]["requests"]
    assert time.monotonic() - started < 15
    assert requests <= 4  # the first wave, then nothing more
    assert summary["status"] == "account_stopped" and exit_code(summary) == EXIT_ACCOUNT
    assert "out of quota" in summary["stopped_because"] and "billing" in summary["stopped_because"]
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert len(failures) == 40 and {f["error_type"] for f in failures} == {"AccountError", "NotStarted"}


def test_a_key_revoked_mid_run_stops_it_and_a_rerun_completes_exactly_once(tmp_path):
    with ThreadedServer(ServerConfig(revoke_after=10)) as server:
        first = _run(tmp_path, server, 40, concurrency=2)
        requests = server.stats()["counts"]["requests"]
    assert first["status"] == "account_stopped" and "rejected the API key (401)" in first["stopped_because"]
    assert requests <= 10 + 2  # stopped straight after the first 401
    kept = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert 8 <= len(kept) <= 10
    with ThreadedServer(ServerConfig()) as server:
        second = _run(tmp_path, server, 40, concurrency=2)
        redone = sum(server.stats()["by_article"].values())
    assert second["counts"]["ok"] == 40 - len(kept) and second["counts"]["skipped"] == len(kept)
    assert redone == 40 - len(kept)  # nothing finished is sent again
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert sorted(r["article"]["id"] for r in records) == sorted(f"article_{i:04d}" for i in range(40))


def test_a_content_filter_fails_the_article_with_its_own_error_and_no_re_ask(tmp_path):
    with ThreadedServer(ServerConfig(faults=Faults(content_filter=1.0))) as server:
        summary = _run(tmp_path, server, 3)
        requests = server.stats()["counts"]["requests"]
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert requests == 3 and summary["counts"]["failed"] == 3
    assert {f["error_type"] for f in failures} == {"ContentFilterError"}


def test_a_timed_out_generation_is_retried_at_most_once_and_counted(tmp_path):
    slow = ServerConfig(faults=Faults(slow=1.0, slow_seconds=3.0))
    with ThreadedServer(slow) as server:
        summary = _run(tmp_path, server, 2, timeout=0.5, retry=RetryPolicy(max_attempts=6, initial_wait=0.01,
                                                                          max_wait=0.01, jitter=0))
        requests = server.stats()["counts"]["requests"]
    assert requests == 4  # each article: the first try and one retry
    assert summary["timeouts"]["count"] == 4 and "billed" in summary["timeouts"]["note"]
    assert summary["counts"]["failed"] == 2


def test_adaptations_read_the_errors_providers_send():
    sent = {"max_tokens": 10, "temperature": 0, "reasoning_effort": "minimal", "model": "m"}
    lessons = Adaptations()
    assert lessons.learn({"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                                     "'max_completion_tokens' instead.", "param": "max_tokens",
                          "code": "unsupported_parameter"}, "", sent)
    assert lessons.learn({"message": "Unsupported value: 'minimal' is not supported with the 'gpt-5.1' model. "
                                     "Supported values are: 'none', 'low', 'medium', and 'high'.",
                          "param": "reasoning_effort", "code": "unsupported_value"}, "", sent)
    assert lessons.learn(None, "Unrecognized request argument supplied: temperature", sent)
    assert not lessons.learn({"message": "Invalid image", "param": "messages"}, "", sent)
    assert lessons.apply(sent) == {"max_completion_tokens": 10, "reasoning_effort": "none", "model": "m"}
    assert profile_for("gpt-5-mini-2025-08-07").default_effort() == "minimal"
    assert profile_for("gpt-5.2").default_effort() == "none" and profile_for("llama3.1:8b").family == "unknown"
