"""`batch --batch-api` against a loopback fake of OpenAI's Files and Batches endpoints (real HTTP on 127.0.0.1).

Batch answers come from the fixture answers (fixtures/articles/*.response.json); re-asks go in real time to
the dev server's chat route on the same fake, answering from the same fixtures.
"""

from __future__ import annotations

import asyncio
import json
import shutil
from collections import deque
from pathlib import Path

import pytest

from extractor.backends.base import Task
from extractor.backends.llm.openai import OpenAIBackend
from extractor.batch import batch_api
from extractor.batch.batch_api import PollPolicy, dry_run_batch_api, exit_code, run_batch_api
from extractor.batch.dryrun import dry_run
from extractor.config import BatchOptions, Settings
from extractor.core.article import load_article
from extractor.core.pipeline import ArticleCheck
from extractor.errors import ConfigurationError
from extractor.http.fixtures import FixtureIndex
from extractor.testing.batch_fake import BatchFake, BatchScript, Reply, ThreadedBatchFake
from extractor.testing.devserver import LoopbackServer, ServerConfig, request_text

from conftest import ARTICLES, FAKE_KEY, ROOT, Endpoint, async_client, comparable, expected_record, from_fixtures

FAST = PollPolicy(first=0.01, most=0.05)
# negotiations_*: its first answer carries a quote that is not in the article; the second is clean.
NAMES = ["seed_003_eu_india", "signed_mou_poland_turkiye", "reported_speech_nato_estonia",
         "negotiations_japan_philippines"]
INDEX = FixtureIndex(ARTICLES)


def articles(folder: Path, names: list[str] = NAMES) -> dict[str, object]:
    folder.mkdir(parents=True, exist_ok=True)
    loaded = {}
    for name in names:
        shutil.copy(ARTICLES / f"{name}.txt", folder / f"{name}.txt")
        loaded[name] = load_article(folder / f"{name}.txt")
    return loaded


def which(loaded: dict, body: dict) -> str:
    """The article a request is about, read from its prompt (the batch input carries no headers)."""
    text = request_text(body)
    return next(name for name, article in loaded.items() if article.text[:200] in text)


def from_fixture_answers(loaded: dict, special: dict[str, Reply] | None = None):
    """A responder answering each request with its article's first fixture answer, unless scripted otherwise."""
    def respond(custom_id: str, body: dict) -> Reply:
        name = which(loaded, body)
        if special and name in special:
            return special[name]
        status, completion = INDEX.answer(body, loaded[name].sha256, 1)
        return Reply(status, completion)

    return respond


def fake(responder=None, *scripts: BatchScript) -> ThreadedBatchFake:
    chat = LoopbackServer(ServerConfig(fixtures=ARTICLES))  # real-time re-asks, by article sha and ask number
    return ThreadedBatchFake(BatchFake(responder=responder, scripts=deque(scripts),
                                       chat=chat))


def run(server: ThreadedBatchFake, tmp: Path, *, wait: bool = False, lines: list[str] | None = None,
        **options) -> dict:
    settings = Settings(base_url=server.base_url, api_key=FAKE_KEY, **options.pop("settings", {}))
    config = BatchOptions(input_dir=tmp / "in", out_dir=tmp / "out", progress="none", **options)
    return run_batch_api(config, settings, wait=wait, poll=FAST, echo=(lines.append if lines is not None else
                                                                       lambda line: None))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()] \
        if path.exists() else []


def state(tmp: Path) -> dict:
    return json.loads((tmp / "out" / "batch_api" / "state.json").read_text())


# -- the request bodies --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["tools", "json_schema", "md_json"])
def test_request_body_is_exactly_what_a_realtime_read_sends_first(mode, caplog):
    article = load_article(ARTICLES / "seed_003_eu_india.txt")
    endpoint = Endpoint(steps=[from_fixtures])
    backend = OpenAIBackend(Settings(api_key=FAKE_KEY, mode=mode), client=async_client(endpoint))
    task = Task(article=article, text=article.text, check=ArticleCheck(article.text))

    async def both():
        body = await backend.request_body(task)
        await backend.read(task)
        return body

    with caplog.at_level("DEBUG", logger="instructor"):
        body = asyncio.run(both())
    assert body == endpoint.requests[0]  # the same JSON on the wire: mode, messages, parameters
    assert ("tools" in body) == (mode == "tools") and "max_retries" not in body
    # Preparing "fails" inside instructor on purpose; that must not log the whole prompt as an error.
    assert not [r for r in caplog.records if r.levelname == "ERROR"]


def test_submit_writes_one_request_per_article_and_records_the_job_before_polling(tmp_path):
    loaded = articles(tmp_path / "in")
    lines: list[str] = []
    with fake() as server:
        summary = run(server, tmp_path, lines=lines)
        counts = server.call(lambda: dict(server.fake.counts))
        uploaded = server.call(lambda: [f for f in server.fake.files.values() if f["purpose"] == "batch"])
        content = server.call(lambda: server.fake.contents[uploaded[0]["id"]])
    job = state(tmp_path)["jobs"][0]
    assert counts == {"file_uploads": 1, "batch_creates": 1}
    assert job["batch_id"].startswith("batch_") and job["status"] == "validating" and job["errors"] is None
    requests = [json.loads(line) for line in content.decode().splitlines()]
    assert {r["method"] for r in requests} == {"POST"} and {r["url"] for r in requests} == {"/v1/chat/completions"}
    mapping = job["requests"]
    assert sorted(mapping) == sorted(r["custom_id"] for r in requests)
    assert {m["article_id"] for m in mapping.values()} == set(NAMES)
    for request in requests:
        meta = mapping[request["custom_id"]]
        assert meta["sha256"] == loaded[meta["article_id"]].sha256 and meta["model"] == request["body"]["model"]
        assert which(loaded, request["body"]) == meta["article_id"]
    assert summary["status"] == "in_flight" and summary["counts"]["submitted"] == 4 and exit_code(summary) == 0
    assert "validating" in lines[0] and "--wait" in lines[0]
    assert not (tmp_path / "out" / "records.jsonl").exists() or read_jsonl(tmp_path / "out" / "records.jsonl") == []


def test_running_again_while_in_flight_polls_and_never_resubmits(tmp_path):
    articles(tmp_path / "in")
    lines: list[str] = []
    script = BatchScript(statuses=("validating", "in_progress", "in_progress", "in_progress"))
    with fake(None, script) as server:
        run(server, tmp_path)
        first = state(tmp_path)["jobs"][0]["batch_id"]
        again = run(server, tmp_path, lines=lines)
        third = run(server, tmp_path, lines=lines)
        counts = server.call(lambda: dict(server.fake.counts))
    assert counts["batch_creates"] == 1 and counts["file_uploads"] == 1 and counts["batch_gets"] == 2
    assert state(tmp_path)["jobs"][0]["batch_id"] == first
    assert len(lines) == 2 and all("in_progress" in line and first in line for line in lines)  # one line each
    assert again["status"] == third["status"] == "in_flight" and again["counts"]["in_flight"] == 4


def test_completion_mixes_successes_realtime_reasks_and_per_request_errors(tmp_path):
    loaded = articles(tmp_path / "in")
    articles(tmp_path / "in", ["rules_attribution_seoul", "injection_france_india"])
    loaded.update({n: load_article(tmp_path / "in" / f"{n}.txt") for n in ["rules_attribution_seoul",
                                                                            "injection_france_india"]})
    refusal = {"id": "chatcmpl-x", "object": "chat.completion", "created": 0, "model": "gpt-5-mini",
               "choices": [{"index": 0, "finish_reason": "stop",
                            "message": {"role": "assistant", "content": "I'm sorry, I can't help with that."}}],
               "usage": {"prompt_tokens": 900, "completion_tokens": 9, "total_tokens": 909}}
    special = {
        "rules_attribution_seoul": Reply(200, refusal),  # unusable: asked again in real time
        "injection_france_india": Reply(400, {"error": {"message": "This model's maximum context length is 10 tokens",
                                                        "type": "invalid_request_error", "code": "context_length_exceeded"}}),
    }
    with fake(from_fixture_answers(loaded, special)) as server:
        run(server, tmp_path)
        summary = run(server, tmp_path, wait=True)
        realtime = server.call(lambda: dict(server.fake.chat.by_article))
    records = {r["article"]["id"]: r for r in read_jsonl(tmp_path / "out" / "records.jsonl")}
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert sorted(records) == sorted(NAMES + ["rules_attribution_seoul"])
    # Batch answers become the same records as real-time reads of the same answers.
    for name in ["seed_003_eu_india", "signed_mou_poland_turkiye", "reported_speech_nato_estonia"]:
        got, want = comparable(records[name]), expected_record(name)
        got["provenance"].pop("backend"), want["provenance"].pop("backend")
        assert got == want, name
        assert records[name]["provenance"]["attempts"] == 1
    # A fabricated quote fails the grounding check: re-asked in real time with the errors, like read() does.
    negotiated = comparable(records["negotiations_japan_philippines"])
    want = expected_record("negotiations_japan_philippines")
    note = "the Batch API answer was not usable as it was; asked again in real time"
    assert note in negotiated["provenance"]["warnings"]
    negotiated["provenance"]["warnings"].remove(note)
    negotiated["provenance"].pop("backend"), want["provenance"].pop("backend")
    assert negotiated == want
    assert records["rules_attribution_seoul"]["provenance"]["attempts"] == 2
    assert realtime == {loaded["negotiations_japan_philippines"].sha256: 1, loaded["rules_attribution_seoul"].sha256: 1}
    assert [(f["article_id"], f["error_type"]) for f in failures] == [("injection_france_india", "BatchRequestFailed")]
    assert "context length" in failures[0]["message"] and "(400)" in failures[0]["message"]
    assert summary["status"] == "completed" and summary["counts"]["reasked_realtime"] == 2
    assert exit_code(summary) == 1 and state(tmp_path)["jobs"] == []


def test_wait_polls_with_progress_until_done_and_prices_at_the_batch_discount(tmp_path):
    loaded = articles(tmp_path / "in", NAMES[:2])
    lines: list[str] = []
    with fake(from_fixture_answers(loaded)) as server:
        summary = run(server, tmp_path, wait=True, lines=lines)
    statuses = [line.split(": ")[1].split(",")[0] for line in lines]
    assert statuses == ["validating", "in_progress", "finalizing", "completed"]
    run_json = json.loads((tmp_path / "out" / "run.json").read_text())
    cost = run_json["cost_usd"]
    assert run_json["status"] == "completed" and run_json["counts"]["ok"] == 2
    assert cost["batch_discount"] == 0.5 and cost["estimated"] > 0
    assert cost["estimated"] == pytest.approx(cost["at_list_price"] / 2, rel=1e-3)
    assert (tmp_path / "out" / "quotes.csv").exists() and summary["counts"]["in_flight"] == 0


def test_expiry_sends_the_unanswered_to_failures_and_the_next_run_submits_only_those(tmp_path):
    loaded = articles(tmp_path / "in", NAMES[:3])
    with fake(from_fixture_answers(loaded), BatchScript(("validating", "in_progress", "expired"), answered=1)) as server:
        first = run(server, tmp_path, wait=True)
        failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
        second = run(server, tmp_path, wait=True)
        uploads = server.call(lambda: [server.fake.contents[f["id"]] for f in server.fake.files.values()
                                       if f["purpose"] == "batch"])
    assert first["counts"]["ok"] == 1 and [f["error_type"] for f in failures] == ["BatchExpired", "BatchExpired"]
    assert exit_code(first) == 1
    resubmitted = {which(loaded, json.loads(line)["body"]) for line in uploads[1].decode().splitlines()}
    assert resubmitted == {f["article_id"] for f in failures}  # never the one already recorded
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert sorted(r["article"]["id"] for r in records) == sorted(NAMES[:3])
    assert second["counts"]["ok"] == 2 and read_jsonl(tmp_path / "out" / "failures.jsonl") == []


def test_a_crash_after_download_reuses_the_file_and_writes_each_record_once(tmp_path, monkeypatch):
    loaded = articles(tmp_path / "in", NAMES[:3])
    real = batch_api.assemble
    made = []

    def crash_on_second(*args, **kwargs):
        if len(made) == 1:
            raise KeyboardInterrupt  # the process dies between download and the last writes
        made.append(1)
        return real(*args, **kwargs)

    with fake(from_fixture_answers(loaded), BatchScript(("validating", "completed"))) as server:
        run(server, tmp_path)
        monkeypatch.setattr(batch_api, "assemble", crash_on_second)
        with pytest.raises(KeyboardInterrupt):
            run(server, tmp_path, concurrency=1)
        monkeypatch.setattr(batch_api, "assemble", real)
        assert len(read_jsonl(tmp_path / "out" / "records.jsonl")) == 1
        job = state(tmp_path)["jobs"][0]
        assert (tmp_path / "out" / "batch_api" / job["downloaded"]["output"]).exists()
        summary = run(server, tmp_path)
        downloads = server.call(lambda: dict(server.fake.downloads))
        gets = server.call(lambda: server.fake.counts["batch_gets"])
    assert downloads == {job["output_file_id"]: 1}  # not downloaded again
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert sorted(r["article"]["id"] for r in records) == sorted(NAMES[:3])  # each exactly once
    assert summary["counts"]["already_recorded"] == 1 and summary["counts"]["ok"] == 2
    assert state(tmp_path)["jobs"] == [] and gets == 2


def test_a_crash_after_creating_the_batch_before_saving_its_id_finds_it_instead_of_resubmitting(tmp_path):
    articles(tmp_path / "in", NAMES[:2])
    with fake() as server:
        run(server, tmp_path)
        path = tmp_path / "out" / "batch_api" / "state.json"
        saved = json.loads(path.read_text())
        created = saved["jobs"][0]["batch_id"]
        saved["jobs"][0].update(batch_id=None, status="prepared")  # as if killed right after batches.create
        path.write_text(json.dumps(saved))
        run(server, tmp_path)
        summary = run(server, tmp_path, wait=True)
        counts = server.call(lambda: dict(server.fake.counts))
    assert counts["batch_creates"] == 1 and counts["file_uploads"] == 1 and counts["batch_lists"] == 1
    assert state(tmp_path)["finished"][0]["batch_id"] == created and summary["counts"]["ok"] == 2


def test_collecting_with_other_settings_than_the_job_was_submitted_with_is_refused(tmp_path):
    articles(tmp_path / "in", NAMES[:1])
    with fake() as server:
        run(server, tmp_path)
        with pytest.raises(ConfigurationError, match="submitted with model 'gpt-5-mini'"):
            run(server, tmp_path, wait=True, settings={"model": "gpt-4o-mini"})
    assert len(state(tmp_path)["jobs"]) == 1  # still there, to collect with the right model


def test_a_failed_batch_lists_every_article_and_the_next_run_submits_them_again(tmp_path):
    loaded = articles(tmp_path / "in", NAMES[:2])
    limit = {"code": "token_limit_exceeded", "message": "Enqueued token limit reached for gpt-5-mini."}
    with fake(from_fixture_answers(loaded), BatchScript(("validating", "failed"), errors=(limit,))) as server:
        failed = run(server, tmp_path, wait=True)
        failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
        retried = run(server, tmp_path, wait=True)
    assert [f["error_type"] for f in failures] == ["BatchFailed", "BatchFailed"]
    assert "Enqueued token limit" in failures[0]["message"] and exit_code(failed) == 1
    assert retried["counts"]["submitted"] == 2 and retried["counts"]["ok"] == 2


def test_a_folder_over_the_per_file_limit_is_split_into_several_jobs(tmp_path, monkeypatch):
    loaded = articles(tmp_path / "in", NAMES[:3])
    monkeypatch.setattr(batch_api, "MAX_REQUESTS", 2)
    with fake(from_fixture_answers(loaded)) as server:
        submitted = run(server, tmp_path)
        jobs = state(tmp_path)["jobs"]
        done = run(server, tmp_path, wait=True)
    assert [len(job["requests"]) for job in jobs] == [2, 1] and submitted["counts"]["submitted"] == 3
    assert done["counts"]["ok"] == 3 and len(state(tmp_path)["finished"]) == 2
    assert sorted(r["article"]["id"] for r in read_jsonl(tmp_path / "out" / "records.jsonl")) == sorted(NAMES[:3])


def test_max_cost_stops_submitting_at_the_batch_price(tmp_path):
    articles(tmp_path / "in", NAMES[:3])
    one = dry_run_batch_api(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out"),
                            Settings(api_key=FAKE_KEY))["articles"][0]["est_cost_usd"]
    with fake() as server:
        summary = run(server, tmp_path, max_cost=one * 1.5)  # room for the first article only
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert summary["counts"]["submitted"] == 1 and len(state(tmp_path)["jobs"][0]["requests"]) == 1
    assert [f["error_type"] for f in failures] == ["BudgetExceeded", "BudgetExceeded"] and exit_code(summary) == 1


def test_a_server_without_a_batch_api_is_a_usage_error_and_leaves_nothing_in_flight(tmp_path):
    from extractor.testing.devserver import ThreadedServer

    articles(tmp_path / "in", NAMES[:1])
    with ThreadedServer(ServerConfig()) as server:  # chat completions only: /v1/files is a 404
        with pytest.raises(ConfigurationError, match="no Batch API"):
            run(server, tmp_path)
    assert state(tmp_path)["jobs"] == []


def test_dry_run_shows_the_batch_discount(tmp_path):
    articles(tmp_path / "in", NAMES[:2])
    options = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out")
    settings = Settings(api_key=FAKE_KEY)
    plain, batch = dry_run(options, settings), dry_run_batch_api(options, settings)
    assert batch["batch_discount"] == 0.5 and "50%" in batch["pricing"]
    assert batch["total_est_cost_usd"] == pytest.approx(plain["total_est_cost_usd"] / 2, abs=1e-6)
    assert batch["total_est_cost_usd_list_price"] == plain["total_est_cost_usd"]


def test_command_line_submits_waits_collects_and_prices_the_dry_run(tmp_path):
    from typer.testing import CliRunner

    from extractor.cli.app import app

    loaded = articles(tmp_path / "in", NAMES[:2])
    out = tmp_path / "out"

    def cli(*args: str, env: dict[str, str]):
        return CliRunner().invoke(app, ["batch", str(tmp_path / "in"), "-o", str(out), "--progress", "none", *args],
                                  env=env)

    with fake(from_fixture_answers(loaded), BatchScript(("validating", "completed"))) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": FAKE_KEY}
        priced = cli("--dry-run", "--batch-api", env=env)
        unpaired = cli("--wait", env=env)
        done = cli("--batch-api", "--wait", env=env)  # the fake finishes at the first poll: no 5 s wait
        again = cli("--batch-api", env=env)
    assert priced.exit_code == 0 and "Batch API, 50% of list price" in priced.stdout, priced.output
    assert unpaired.exit_code == 2 and "--batch-api" in unpaired.stderr
    assert done.exit_code == 0 and "completed: 2 ok" in done.stderr, done.output
    assert len(read_jsonl(out / "records.jsonl")) == 2
    assert again.exit_code == 0 and "nothing to submit" in again.stderr


def test_a_long_article_goes_in_as_its_chunks_and_comes_back_as_one_record(tmp_path):
    from extractor.core.chunking import ChunkPolicy
    from extractor.backends.llm.tokens import count_tokens
    from extractor.core.chunking import split

    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ROOT / "fixtures" / "long" / "digest_20k.txt", folder / "digest.txt")
    long = load_article(folder / "digest.txt")
    expected_chunks = len(split(long.text, 1500, lambda t: count_tokens(t, "gpt-5-mini")))
    assert expected_chunks > 1
    with fake() as server:
        submitted = run(server, tmp_path, settings={"chunk_tokens": 1500})
        uploaded = server.call(lambda: [f for f in server.fake.files.values() if f["purpose"] == "batch"])
        content = server.call(lambda: server.fake.contents[uploaded[0]["id"]])
        collected = run(server, tmp_path, wait=True, settings={"chunk_tokens": 1500})
    requests = [json.loads(line) for line in content.decode().splitlines()]
    assert submitted["counts"]["submitted"] == 1 and len(requests) == expected_chunks
    assert len({r["custom_id"] for r in requests}) == expected_chunks
    assert all("<<<EARLIER" in json.dumps(r["body"]) for r in requests[1:])  # later chunks carry the roster
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert collected["counts"]["ok"] == 1 and [r["article"]["id"] for r in records] == ["digest"]
    record = records[0]
    assert any(w.startswith(f"read in {expected_chunks} chunks") for w in record["provenance"]["warnings"])
    spans = [s for q in record["quotes"] for s in q["spans"]] + [s for p in record["parties"] for s in p["mentions"]]
    assert spans and all(long.text[s["start"]:s["end"]] == s["text"] for s in spans)
