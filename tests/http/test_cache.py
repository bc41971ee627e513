"""The response cache is shared safely by processes, even ones that start together on a fresh cache."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import httpx2

from extractor.http.cache import ResponseCache
from extractor.http.transport import Exchange


def _hammer(directory: str, worker: int, start_at: float, result: multiprocessing.Queue) -> None:
    try:
        time.sleep(max(0.0, start_at - time.time()))
        cache = ResponseCache(Path(directory))
        for i in range(20):
            exchange = Exchange("http://x/v1", json.dumps({"worker": worker, "i": i}).encode(), "a" * 64, 1)
            cache.store(exchange, httpx2.Response(200), b'{"ok": true}')
            assert cache.lookup(exchange) is not None
        cache.close()
        result.put("ok")
    except BaseException as exc:  # noqa: BLE001 - reported to the test
        result.put(repr(exc))


def test_processes_starting_together_on_a_fresh_cache_all_succeed(tmp_path):
    context = multiprocessing.get_context("fork")
    result = context.Queue()
    start_at = time.time() + 0.5
    workers = [context.Process(target=_hammer, args=(str(tmp_path / "cache"), n, start_at, result)) for n in range(6)]
    for process in workers:
        process.start()
    outcomes = [result.get(timeout=60) for _ in workers]
    for process in workers:
        process.join(10)
    assert outcomes == ["ok"] * 6
    cache = ResponseCache(tmp_path / "cache")
    hits = sum(cache.lookup(Exchange("http://x/v1", json.dumps({"worker": w, "i": i}).encode(), None, 1)) is not None
               for w in range(6) for i in range(20))
    assert hits == 120
