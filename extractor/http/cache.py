"""A sqlite cache of successful model responses, keyed by URL and request body."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

import httpx2

from .transport import CACHE_HEADER, Exchange, json_object


class ResponseCache:
    """Identical requests are answered from disk.

    WAL mode and one connection per process guarded by a lock make it safe for
    many coroutines and for several processes sharing a cache directory. Only
    request bodies are keys, so nothing from the headers (keys) is stored.
    """

    def __init__(self, directory: Path):
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / "responses.sqlite"
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body BLOB NOT NULL, created REAL NOT NULL)"
        )

    @staticmethod
    def key(url: str, body: bytes) -> str:
        canonical = json_object(body)
        blob = json.dumps(canonical, sort_keys=True).encode() if canonical is not None else body
        return hashlib.sha256(url.encode() + b"\n" + blob).hexdigest()

    def lookup(self, exchange: Exchange) -> httpx2.Response | None:
        with self._lock:
            row = self._db.execute(
                "SELECT body FROM responses WHERE key = ?", (self.key(exchange.url, exchange.body),)
            ).fetchone()
        if row is None:
            return None
        return httpx2.Response(200, headers={"content-type": "application/json", CACHE_HEADER: "hit"}, content=row[0])

    def store(self, exchange: Exchange, response: httpx2.Response, content: bytes) -> None:
        if response.status_code != 200 or json_object(content) is None:
            return
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO responses (key, body, created) VALUES (?, ?, ?)",
                (self.key(exchange.url, exchange.body), content, time.time()),
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()
