import json
import os
import subprocess
import sys

from conftest import ARTICLES, ROOT


def run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    return subprocess.run(
        [sys.executable, "-m", "extractor", *args], capture_output=True, text=True, cwd=ROOT, env={**base, **(env or {})},
        timeout=120,
    )


def test_extract_replay_prints_the_record():
    result = run("extract", str(ARTICLES / "seed_003_eu_india.txt"), "--replay", str(ARTICLES))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["article"]["dateline"] == "NEW DELHI" and record["provenance"]["backend"] == "replay"


def test_llm_backend_without_a_key_exits_2_naming_both_ways_out():
    result = run("extract", str(ARTICLES / "seed_003_eu_india.txt"), "--backend", "llm")
    assert result.returncode == 2 and "OPENAI_API_KEY" in result.stderr and "--backend rules" in result.stderr


def test_without_a_key_the_default_reads_offline_with_a_notice():
    result = run("extract", str(ARTICLES / "seed_003_eu_india.txt"))
    assert result.returncode == 0, result.stderr
    assert "offline rules backend" in result.stderr
    record = json.loads(result.stdout)
    assert record["provenance"]["backend"] == "rules" and record["quotes"]


def test_schema_command_prints_the_record_schema():
    result = run("schema")
    assert result.returncode == 0 and json.loads(result.stdout)["title"] == "ArticleRecord"


def test_help_works_for_every_command():
    for command in ([], ["extract"], ["batch"], ["show"], ["schema"], ["eval"], ["report"]):
        result = run(*command, "--help")
        assert result.returncode == 0 and "Usage" in result.stdout, (command, result.stderr)
