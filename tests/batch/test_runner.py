"""The batch command against a real OpenAI-compatible HTTP server on 127.0.0.1 (extractor.devserver)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path


from extractor.batch.discover import discover
from extractor.batch.runner import exit_code, run_batch
from extractor.config import BatchOptions
from extractor.config import Settings
from extractor.testing.devserver import Faults, ServerConfig, ThreadedServer
from extractor.backends.llm.openai import RetryPolicy

from conftest import ARTICLES, FAKE_KEY, ROOT

# Generous: these tests are about exactly-once bookkeeping under faults, not the retry budget.
FAST = RetryPolicy(max_attempts=10, initial_wait=0.01, max_wait=0.05, jitter=0.01, timeout_retries=5)


def make_articles(folder: Path, count: int, *, start: int = 0) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(start, start + count):
        path = folder / f"article_{i:04d}.txt"
        path.write_text(
            f" date 2025-03-{i % 28 + 1:02d} \nWARSAW: Poland and Estonia held talks number {i} on drone cooperation. "
            f"The minister said the joint production plan number {i} would be signed next month.\n",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def settings(server: ThreadedServer, **overrides) -> Settings:
    return Settings(base_url=server.base_url, api_key=FAKE_KEY, **overrides)


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_fault_mix_ends_with_every_article_exactly_once(tmp_path):
    make_articles(tmp_path / "in", 200)
    faults = Faults(p429=0.20, p5xx=0.05, malformed=0.05, slow=0.02, slow_seconds=3.0, retry_after=0.01)
    with ThreadedServer(ServerConfig(faults=faults, seed=7)) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", concurrency=32, progress="none", http="httpx")
        summary = run_batch(config, settings(server, timeout=1.0), retry=FAST)
        stats = server.stats()
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    ids = [r["article"]["id"] for r in records] + [f["article_id"] for f in failures]
    assert sorted(ids) == sorted(f"article_{i:04d}" for i in range(200))  # each exactly once
    assert len(records) == 200 and failures == []  # with enough retries, all succeed
    counts = stats["counts"]
    assert counts["fault_429"] > 10 and counts["fault_5xx"] > 0 and counts["fault_malformed"] > 0 and counts["fault_slow"] > 0
    assert summary["model_calls"] == stats["counts"]["requests"]
    assert exit_code(summary) == 0


def test_rerun_calls_the_server_zero_times(tmp_path):
    make_articles(tmp_path / "in", 12)
    with ThreadedServer(ServerConfig()) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none")
        run_batch(config, settings(server), retry=FAST)
        calls_after_first = server.stats()["counts"]["requests"]
        again = run_batch(config, settings(server), retry=FAST)
        assert server.stats()["counts"]["requests"] == calls_after_first
        forced = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none", force=True),
                           settings(server), retry=FAST)
        assert server.stats()["counts"]["requests"] == calls_after_first  # --force is answered by the cache
    assert again["counts"]["skipped"] == 12 and again["counts"]["ok"] == 0
    assert forced["counts"]["cached"] == 12
    assert len(read_jsonl(tmp_path / "out" / "records.jsonl")) == 12  # redone, not duplicated


def test_a_new_prompt_version_or_model_redoes_the_record(tmp_path):
    make_articles(tmp_path / "in", 3)
    with ThreadedServer(ServerConfig()) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none")
        run_batch(config, settings(server), retry=FAST)
        second = run_batch(config, settings(server, model="another-model"), retry=FAST)
    assert second["counts"]["ok"] == 3
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    assert len(records) == 3 and {r["provenance"]["model"] for r in records} == {"another-model"}


def test_bad_inputs_each_get_one_actionable_failure_line(tmp_path, monkeypatch):
    folder = tmp_path / "in"
    make_articles(folder, 2)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (folder / "latin1.txt").write_bytes(" date 2025-01-01 \nCaf\xe9 talks in Z\xfcrich.".encode("latin-1"))
    (folder / "huge.txt").write_text("NATO " * 5000, encoding="utf-8")
    (folder / "locked.txt").write_text("Locked article text.", encoding="utf-8")
    (folder / "broken.txt").symlink_to(folder / "missing-target.txt")
    (folder / "loop_a.txt").symlink_to(folder / "loop_b.txt")
    (folder / "loop_b.txt").symlink_to(folder / "loop_a.txt")
    (folder / "folder.txt").mkdir()
    (folder / "copy.txt").write_bytes((folder / "article_0000.txt").read_bytes())
    (folder / "garbled.txt").write_text(" date 2025-99-99 \nTALLINN: Estonia and Finland discussed a Baltic Sea mechanism today.",
                                        encoding="utf-8")

    real_open = os.open

    def os_open(path, flags, *args, **kwargs):  # the suite runs as root, which reads any file; simulate a locked one
        if str(path).endswith("locked.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", os_open)
    with ThreadedServer(ServerConfig()) as server:
        config = BatchOptions(input_dir=folder, out_dir=tmp_path / "out", progress="none", max_chars=10_000)
        summary = run_batch(config, settings(server), retry=FAST)

    failures = {f["article_id"]: f for f in read_jsonl(tmp_path / "out" / "failures.jsonl")}
    expected_words = {
        "empty": "empty", "binary": "binary", "latin1": "not valid UTF-8", "huge": "--max-chars",
        "locked": "permission denied", "broken": "broken symlink", "loop_a": "symlink", "loop_b": "symlink",
        "folder": "directory", "copy": "same text as article article_0000",
    }
    assert set(failures) == set(expected_words)
    for article_id, words in expected_words.items():
        assert words in failures[article_id]["message"], (article_id, failures[article_id])
        assert failures[article_id]["path"].endswith(".txt")
    records = {r["article"]["id"]: r for r in read_jsonl(tmp_path / "out" / "records.jsonl")}
    assert set(records) == {"article_0000", "article_0001", "garbled"}
    garbled = records["garbled"]
    assert garbled["article"]["published"] is None
    assert any("published left null" in w for w in garbled["provenance"]["warnings"])
    assert summary["counts"]["duplicates"] == 1 and summary["counts"]["failed"] == 9
    assert exit_code(summary) == 1


def test_provider_failures_are_recorded_and_retried_next_run(tmp_path):
    make_articles(tmp_path / "in", 5)
    with ThreadedServer(ServerConfig(faults=Faults(p5xx=1.0))) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none")
        summary = run_batch(config, settings(server), retry=RetryPolicy(max_attempts=2, initial_wait=0.001, max_wait=0.001))
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert len(failures) == 5 and all(f["error_type"] == "ProviderError" and f["attempts"] == 2 for f in failures)
    assert "try again later" in failures[0]["message"]
    with ThreadedServer(ServerConfig()) as server:
        summary = run_batch(config, settings(server), retry=FAST)
    assert summary["counts"]["ok"] == 5 and read_jsonl(tmp_path / "out" / "failures.jsonl") == []


def test_outputs_summary_and_tables(tmp_path):
    with ThreadedServer(ServerConfig(fixtures=ARTICLES)) as server:
        config = BatchOptions(input_dir=ROOT / "samples", out_dir=tmp_path / "out", progress="none")
        summary = run_batch(config, settings(server), retry=FAST)
    out = tmp_path / "out"
    run = json.loads((out / "run.json").read_text())
    assert run["counts"]["ok"] == 6 and run["status"] == "completed"
    assert run["tokens"]["prompt"] > 0 and run["cost_usd"]["estimated"] > 0
    assert run["settings"]["model"] == "gpt-5-mini" and "api_key" not in json.dumps(run)
    header = (out / "quotes.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("article_id,published,speaker,text")
    assert "Ursula von der Leyen" in (out / "quotes.csv").read_text(encoding="utf-8")
    agreements = (out / "agreements.csv").read_text(encoding="utf-8")
    assert "European Union; India" in agreements
    assert summary == run | {"updated_at": summary["updated_at"], "wall_seconds": summary["wall_seconds"],
                             "throughput_per_minute": summary["throughput_per_minute"]}


def test_budget_stops_cleanly_and_keeps_finished_work(tmp_path):
    make_articles(tmp_path / "in", 20)
    with ThreadedServer(ServerConfig()) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none", concurrency=1, max_cost=0.0008)
        summary = run_batch(config, settings(server), retry=FAST)
    records = read_jsonl(tmp_path / "out" / "records.jsonl")
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert 0 < len(records) < 20 and len(records) + len(failures) == 20
    assert {f["error_type"] for f in failures} == {"BudgetExceeded"}
    assert summary["status"] == "budget_stopped" and summary["cost_usd"]["estimated"] <= 0.0008
    assert exit_code(summary) == 1


def test_discovery_glob_and_limit(tmp_path):
    (tmp_path / "a").mkdir()
    for name in ("x.txt", "a/y.txt", "a/z.md"):
        (tmp_path / name).write_text("t", encoding="utf-8")
    (tmp_path / "a" / "loop").symlink_to(tmp_path, target_is_directory=True)
    assert [p.relative_to(tmp_path).as_posix() for p in discover(tmp_path, "**/*.txt")] == ["a/y.txt", "x.txt"]
    assert [p.name for p in discover(tmp_path, "*.txt")] == ["x.txt"]
    assert [p.name for p in discover(tmp_path, "**/*.md")] == ["z.md"]


def _cli(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "extractor", "batch", *args], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_sigkill_midway_then_rerun_is_exactly_once_without_repeat_calls(tmp_path):
    make_articles(tmp_path / "in", 60)
    out = tmp_path / "out"
    with ThreadedServer(ServerConfig(latency=0.15)) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": FAKE_KEY}
        args = [str(tmp_path / "in"), "-o", str(out), "--concurrency", "4", "--progress", "lines"]
        process = _cli(args, env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = (out / "records.jsonl").read_text().count("\n") if (out / "records.jsonl").exists() else 0
            if done >= 12:
                break
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        with (out / "records.jsonl").open("a") as handle:
            handle.write('{"schema_version": "1", "article": {"id": "torn')  # as if killed mid-write
        finished = {r["article"]["sha256"] for r in read_jsonl_tolerant(out / "records.jsonl")}
        calls_before = server.stats()["by_article"]
        assert 12 <= len(finished) < 60

        second = _cli(args, env)
        stdout, stderr = second.communicate(timeout=120)
        assert second.returncode == 0, stderr
        calls_after = server.stats()["by_article"]
    records = read_jsonl(out / "records.jsonl")
    assert sorted(r["article"]["id"] for r in records) == [f"article_{i:04d}" for i in range(60)]
    for sha in finished:
        assert calls_after[sha] == calls_before[sha], "a finished article was sent to the model again"
    assert read_jsonl(out / "failures.jsonl") == []


def read_jsonl_tolerant(path: Path) -> list[dict]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except ValueError:
            pass
    return rows


def test_no_api_key_in_any_output_or_log(tmp_path):
    secret = "sk-" + "live-SECRET-do-not-leak-4242424242424242"
    make_articles(tmp_path / "in", 4)
    with ThreadedServer(ServerConfig(faults=Faults(p429=0.3, retry_after=0.01))) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": secret}
        process = _cli([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--record", str(tmp_path / "rec"),
                        "--progress", "lines"], env)
        stdout, stderr = process.communicate(timeout=120)
        assert server.stats()["authorization_seen"] > 0  # the key was really used
    assert process.returncode == 0, stderr
    assert secret not in stdout and secret not in stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file() and "in" not in p.relative_to(tmp_path).parts[:1]]
    assert any(p.suffix == ".sqlite" for p in files) and any(p.parent.name == "rec" for p in files)
    for path in files:
        assert secret.encode() not in path.read_bytes(), path
        assert b"Bearer" not in path.read_bytes(), path


def test_recorded_fixtures_replay_offline(tmp_path):
    make_articles(tmp_path / "in", 3)
    with ThreadedServer(ServerConfig()) as server:
        config = BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "live", progress="none", record=tmp_path / "rec")
        run_batch(config, settings(server), retry=FAST)
    fixtures = [json.loads(p.read_text()) for p in (tmp_path / "rec").glob("*.json")]
    assert len(fixtures) == 3 and all(f["origin"] == "recorded" and f["fixture_format"] == 1 for f in fixtures)
    replayed = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "replayed", progress="none", replay=tmp_path / "rec"),
                         Settings(), retry=FAST)
    assert replayed["counts"]["ok"] == 3
    live = sorted(r["summary"] for r in read_jsonl(tmp_path / "live" / "records.jsonl"))
    assert live == sorted(r["summary"] for r in read_jsonl(tmp_path / "replayed" / "records.jsonl"))


def test_replay_miss_is_a_failure_that_names_the_article(tmp_path):
    make_articles(tmp_path / "in", 1)
    summary = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none", replay=ARTICLES), Settings())
    failure = read_jsonl(tmp_path / "out" / "failures.jsonl")[0]
    assert failure["error_type"] == "ReplayMissError" and "article_0000" in failure["message"]
    assert exit_code(summary) == 1


def test_configuration_errors_exit_2_before_any_work(tmp_path):
    make_articles(tmp_path / "in", 1)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    for args, words in (
        ([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--backend", "llm"], "OPENAI_API_KEY"),
        ([str(tmp_path / "nope"), "-o", str(tmp_path / "out"), "--replay", str(ARTICLES)], "not a directory"),
        ([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--tables", "xlsx"], "--tables"),
        ([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--price", "cheap", "--replay", str(ARTICLES)], "--price"),
    ):
        process = _cli(args, env)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 2 and words in stderr, (args, stderr)
    assert not (tmp_path / "out" / "records.jsonl").exists()


def test_dry_run_counts_tokens_and_calls_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    process = _cli([str(ROOT / "samples"), "-o", str(tmp_path / "out"), "--dry-run"], env)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "seed_003_eu_india" in stdout and "total" in stdout
    assert not (tmp_path / "out" / "records.jsonl").exists()


def test_dropped_connections_are_retried(tmp_path):
    make_articles(tmp_path / "in", 20)
    with ThreadedServer(ServerConfig(faults=Faults(drop=0.3), seed=3)) as server:
        summary = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none"), settings(server), retry=FAST)
        assert server.stats()["counts"]["fault_drop"] > 0
    assert summary["counts"]["ok"] == 20 and exit_code(summary) == 0


def test_answers_cut_off_before_any_item_fail_with_what_happened(tmp_path):
    make_articles(tmp_path / "in", 3)
    with ThreadedServer(ServerConfig(faults=Faults(length=1.0))) as server:
        summary = run_batch(BatchOptions(input_dir=tmp_path / "in", out_dir=tmp_path / "out", progress="none"), settings(server), retry=FAST)
    failures = read_jsonl(tmp_path / "out" / "failures.jsonl")
    assert len(failures) == 3 and summary["counts"]["failed"] == 3
    # The dev server reports 0 completion tokens: far below the cap, so each article was asked once more.
    assert all(f["error_type"] == "ExtractionError" and "cut off after 0 completion tokens" in f["message"]
               and "the server's own output limit" in f["message"] and f["attempts"] == 2 for f in failures)


def test_dry_run_counts_one_request_per_chunk_of_a_long_article(tmp_path):
    from extractor.batch.dryrun import dry_run

    folder = tmp_path / "in"
    folder.mkdir()
    short = (ARTICLES / "seed_003_eu_india.txt").read_text(encoding="utf-8")
    (folder / "short.txt").write_text(short, encoding="utf-8")
    (folder / "long.txt").write_text(short + "\n\n" + "\n\n".join(
        (ARTICLES / f"{n}").read_text(encoding="utf-8").split("\n", 1)[1] for n in
        sorted(p.name for p in ARTICLES.glob("*.txt"))), encoding="utf-8")
    report = dry_run(BatchOptions(input_dir=folder, out_dir=tmp_path / "out"), Settings(model="gpt-4o-mini"))
    rows = {r["article_id"]: r for r in report["articles"]}
    assert rows["short"]["requests"] == 1 and rows["long"]["requests"] > 1
    fixed = report["fixed_prompt_tokens"]
    assert rows["long"]["prompt_tokens"] > rows["long"]["requests"] * fixed
