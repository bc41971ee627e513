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


def test_missing_key_exits_2_with_advice():
    result = run("extract", str(ARTICLES / "seed_003_eu_india.txt"))
    assert result.returncode == 2 and "OPENAI_API_KEY" in result.stderr


def test_schema_command_prints_the_record_schema():
    result = run("schema")
    assert result.returncode == 0 and json.loads(result.stdout)["title"] == "ArticleRecord"
