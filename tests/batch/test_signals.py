"""SIGINT and SIGTERM: the first stops the run cleanly, a second exits 130 at once; the summary never overclaims."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from extractor.testing.devserver import ServerConfig, ThreadedServer

from conftest import FAKE_KEY, ROOT
from batch.test_runner import make_articles, read_jsonl


def _start(tmp_path, server) -> subprocess.Popen:
    env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": FAKE_KEY}
    process = subprocess.Popen(
        [sys.executable, "-m", "extractor", "batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
         "--concurrency", "2", "--progress", "lines"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert "articles;" in process.stderr.readline()  # the run has begun: its signal handlers are in place
    records = tmp_path / "out" / "records.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (records.exists() and records.read_text().count("\n") >= 2):
        time.sleep(0.05)
    return process


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("times", [1, 2])
def test_signals_end_the_run_with_130_and_no_traceback(tmp_path, number, times):
    make_articles(tmp_path / "in", 30)
    with ThreadedServer(ServerConfig(latency=0.4)) as server:
        process = _start(tmp_path, server)
        process.send_signal(number)
        seen = []
        if times == 2:  # the second once the first is being handled: in the clean-up, the summary or the exit
            while "interrupted: stopping" not in (seen[-1] if seen else ""):
                seen.append(process.stderr.readline())
            process.send_signal(number)
        stdout, stderr = process.communicate(timeout=60)
        stderr = "".join(seen) + stderr
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
    out = tmp_path / "out"
    run = json.loads((out / "run.json").read_text())
    assert run["status"] == "interrupted"
    assert 2 <= len(read_jsonl(out / "records.jsonl")) < 30  # what finished is kept, whole
    assert not list(out.glob("*.csv")) and not (out / "report.html").exists()
    assert "parties.csv" not in stderr and "report.html" not in stderr  # nothing claimed that was not written


def test_a_second_signal_during_the_clean_up_writes_run_json_and_exits_130(monkeypatch):
    """The second signal's path, deterministically: last words, then an immediate exit with 130."""
    from extractor.batch import signals as module

    calls = []
    monkeypatch.setattr(module.os, "_exit", lambda code: (_ for _ in ()).throw(SystemExit(code)))
    stopper = module.StopSignals()
    loop = asyncio.new_event_loop()
    try:
        stopper.bind(loop, lambda: calls.append("stop"), lambda: calls.append("run.json says interrupted"))
        stopper._handle(signal.SIGTERM, None)
        loop.run_until_complete(asyncio.sleep(0))
        with pytest.raises(SystemExit) as exited:
            stopper._handle(signal.SIGTERM, None)
    finally:
        loop.close()
    assert calls == ["stop", "run.json says interrupted"] and exited.value.code == 130
    after_the_run = module.StopSignals()
    with pytest.raises(KeyboardInterrupt):  # no run bound: the caller's KeyboardInterrupt handling applies
        after_the_run._handle(signal.SIGINT, None)
