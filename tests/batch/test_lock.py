"""One run per output folder: an OS lock the kernel releases, that names who holds it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from extractor.batch.lock import OutputLock
from extractor.errors import ConfigurationError
from extractor.testing.devserver import ServerConfig, ThreadedServer

from conftest import FAKE_KEY, ROOT
from batch.test_runner import make_articles, read_jsonl


def test_a_second_lock_on_the_folder_is_refused_naming_the_holder(tmp_path):
    with OutputLock(tmp_path):
        with pytest.raises(ConfigurationError, match=f"process {os.getpid()}"):
            OutputLock(tmp_path).acquire()
    OutputLock(tmp_path).acquire().release()  # free again once released


def test_the_lock_dies_with_its_process(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from extractor.batch.lock import OutputLock; "
         "OutputLock(sys.argv[1]).acquire(); print('held', flush=True); time.sleep(60)", str(tmp_path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(ConfigurationError, match=f"process {holder.pid}"):
        OutputLock(tmp_path).acquire()
    holder.send_signal(signal.SIGKILL)
    holder.wait(10)
    OutputLock(tmp_path).acquire().release()  # no stale lock to clean up


def test_a_second_batch_on_the_same_folder_exits_2_at_once_and_the_first_is_unharmed(tmp_path):
    make_articles(tmp_path / "in", 16)
    out = tmp_path / "out"
    with ThreadedServer(ServerConfig(latency=0.4)) as server:  # the first run takes about 3 s
        env = {**os.environ, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": FAKE_KEY}
        command = [sys.executable, "-m", "extractor", "batch", str(tmp_path / "in"), "-o", str(out),
                   "--concurrency", "2", "--progress", "lines", "--no-report"]
        first = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert "articles;" in first.stderr.readline()  # it holds the lock and has started
        started = time.monotonic()
        second = subprocess.run([*command, "--force"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2 and f"process {first.pid}" in second.stderr, second.stderr
        assert first.poll() is None, "the first run ended before the second was refused; the test proves nothing"
        assert time.monotonic() - started < 15
        _, stderr = first.communicate(timeout=120)
    assert first.returncode == 0, stderr
    ids = [r["article"]["id"] for r in read_jsonl(out / "records.jsonl")]
    assert sorted(ids) == [f"article_{i:04d}" for i in range(16)]  # each once
    assert json.loads((out / "run.json").read_text())["status"] == "completed"
