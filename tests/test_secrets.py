"""No secret anywhere: not in logs, stderr, stdout, failures, run.json, the cache or recordings."""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys

import httpx2

from extractor import redaction
from extractor.http.fixtures import Recorder
from extractor.http.transport import Exchange
from extractor.testing.devserver import Faults, ServerConfig, ThreadedServer

from conftest import FAKE_KEY, ROOT
from batch.test_runner import make_articles

PASSWORD = "Pa55-w0rd-do-not-show"  # fake, and distinctive enough to grep for
USER = "alice"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()  # what an HTTP client sends for user:password@


def _batch(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "EXTRACTOR_"))}
    return subprocess.run([sys.executable, "-m", "extractor", "batch", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120)


def _leaks(text: str | bytes) -> list[str]:
    data = text.encode() if isinstance(text, str) else text
    return [s for s in (FAKE_KEY, PASSWORD, BASIC) if s.encode() in data]


def test_a_server_echoing_the_key_or_the_password_leaks_nothing(tmp_path):
    make_articles(tmp_path / "in", 6)
    faults = Faults(p401=0.35, p5xx=0.25, retry_after=0.01)
    outputs = []
    with ThreadedServer(ServerConfig(faults=faults, echo_key=True, seed=11)) as server:
        with_password = server.base_url.replace("http://", f"http://{USER}:{PASSWORD}@")
        for name, base_url in (("plain", server.base_url), ("password", with_password)):
            out = tmp_path / name
            result = _batch([str(tmp_path / "in"), "-o", str(out / "out"), "--record", str(out / "rec"),
                             "--progress", "lines"], {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": base_url})
            outputs.append((name, result))
            assert result.returncode == 3, result.stderr  # a 401 stops the run: the account cannot be used
        assert server.stats()["counts"]["fault_401"] > 0
    for name, result in outputs:
        assert _leaks(result.stdout) == [] and _leaks(result.stderr) == [], (name, result.stderr)
        assert "[redacted]" in result.stderr  # the echo was logged (by instructor), masked
        assert f"at http://127.0.0.1:{server.server.port}/v1" in result.stderr  # the progress line, no user
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.relative_to(tmp_path).parts[0] != "in"]
    assert {"failures.jsonl", "run.json", "responses.sqlite"} <= {p.name for p in files}
    for path in files:
        assert _leaks(path.read_bytes()) == [], path
    failures = (tmp_path / "password" / "out" / "failures.jsonl").read_text()
    assert "401" in failures and "[redacted]" in failures
    run = json.loads((tmp_path / "password" / "out" / "run.json").read_text())
    assert run["settings"]["base_url"] == f"http://127.0.0.1:{server.server.port}/v1"


def test_log_records_of_any_logger_are_masked(caplog):
    redaction.install(PASSWORD)
    with caplog.at_level(logging.INFO):
        logging.getLogger("instructor.v2.retry").error("API call failed: %s", {"message": f"bad key {FAKE_KEY}"})
        logging.getLogger("httpx2").info("HTTP Request: POST http://%s:%s@host/v1", USER, PASSWORD)
        try:
            raise RuntimeError(f"server said {PASSWORD}")
        except RuntimeError:
            logging.getLogger("some.library").exception("failed")
    text = caplog.text
    assert _leaks(text) == [] and text.count("[redacted]") >= 3
    assert "http://[redacted]@host/v1" in text


def test_recordings_keep_only_successes_and_mask_an_echoed_secret(tmp_path):
    recorder = Recorder(tmp_path, prompt_version="p", secrets=(FAKE_KEY,))
    exchange = Exchange("http://model.test/v1/chat/completions", b'{"model": "m"}', "a" * 64, 1)
    recorder.store(exchange, httpx2.Response(401), json.dumps({"error": {"message": FAKE_KEY}}).encode())
    recorder.store(exchange, httpx2.Response(500), json.dumps({"error": {"message": FAKE_KEY}}).encode())
    assert list(tmp_path.iterdir()) == []
    echoed = {"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [
        {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": f"key {FAKE_KEY}"}}]}
    recorder.store(exchange, httpx2.Response(200), json.dumps(echoed).encode())
    (written,) = list(tmp_path.iterdir())
    assert _leaks(written.read_bytes()) == [] and "[redacted]" in written.read_text()


def test_every_error_message_is_masked_before_it_is_printed(tmp_path):
    make_articles(tmp_path / "in", 1)
    result = _batch([str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--price", f"oops-{PASSWORD}"],
                    {"OPENAI_API_KEY": FAKE_KEY, "OPENAI_BASE_URL": f"http://{USER}:{PASSWORD}@127.0.0.1:9/v1"})
    assert result.returncode == 2 and "--price" in result.stderr
    assert _leaks(result.stderr) == [] and _leaks(result.stdout) == []


def test_an_uncaught_exception_prints_a_masked_traceback(capsys, monkeypatch):
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # restored after the test
    redaction.install(PASSWORD)
    redaction.mask_tracebacks()
    try:
        raise RuntimeError(f"a bug that says {FAKE_KEY} and {PASSWORD}")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    stderr = capsys.readouterr().err
    assert "RuntimeError: a bug that says [redacted] and [redacted]" in stderr and _leaks(stderr) == []
